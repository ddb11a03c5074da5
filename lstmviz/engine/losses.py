"""Keras 3's losses by name, with their default reduction, and their gradients.

Each loss gives per-sample (or per-sample-and-step) values from ``(y_true, y_pred)``:
the mean over the last axis (``mse``, ``mae``, ``binary_crossentropy``) or a sum over it
(``categorical_crossentropy``, ``sparse_categorical_crossentropy``). Keras' default
reduction (``sum_over_batch_size``) averages those values; when the prediction carries a
mask (a sequence output after Masking or ``mask_zero``) it is the mean over kept steps
(Keras' ``apply_mask`` then ``reduce_values``).

When the model's output comes straight from a ``sigmoid`` or ``softmax`` activation (a
Dense or Activation layer), Keras 3's TensorFlow backend takes the crossentropies from that
activation's input (the ``_keras_logits`` it caches): ``logits=`` gives them so, and the
gradient is then with respect to the logits. Otherwise probabilities are clipped to
``[1e-7, 1 - 1e-7]`` as Keras' TensorFlow backend clips them (``tf.clip_by_value``: no gradient
outside), and ``categorical_crossentropy`` first divides the prediction by its sum over the
last axis, as Keras does;
``sparse_categorical_crossentropy`` takes ``log`` of the clipped probabilities as logits
of a softmax cross-entropy.
"""

from __future__ import annotations

import numpy as np

from lstmviz.errors import LstmvizError, is_number

EPSILON = np.float32(1e-7)
NAMES = ("mse", "mae", "binary_crossentropy", "categorical_crossentropy",
         "sparse_categorical_crossentropy")
#: every name Keras 3's ``keras.losses.get`` takes for the losses here (``ALL_OBJECTS_DICT``:
#: the class, the function and the short names), spelled as Keras spells them (case counts)
KERAS_NAMES = {
    "mse": "mse", "MSE": "mse", "mean_squared_error": "mse", "MeanSquaredError": "mse",
    "mae": "mae", "MAE": "mae", "mean_absolute_error": "mae", "MeanAbsoluteError": "mae",
    "binary_crossentropy": "binary_crossentropy", "bce": "binary_crossentropy",
    "BCE": "binary_crossentropy", "BinaryCrossentropy": "binary_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
}
#: the loss classes' names (a ``Loss`` instance, or a saved one's ``{"class_name": ...}``)
CLASS_NAMES = ("MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy", "CategoricalCrossentropy",
               "SparseCategoricalCrossentropy")
#: a loss class's config keys whose values change what it computes, each with Keras' default
#: and whether a value computes the same here (the reductions that are the batch's mean
#: without sample weights; Keras 2's default "auto" is that one in ``fit``); another value
#: is refused
_CONFIG = {"from_logits": (False, lambda v: v is False or v is None or v == 0),
           "label_smoothing": (0.0, lambda v: is_number(v) and v == 0),
           "axis": (-1, lambda v: v == -1 and not isinstance(v, bool)),
           "ignore_class": (None, lambda v: v is None),
           "reduction": ("sum_over_batch_size", lambda v: v in ("sum_over_batch_size", "mean",
                                                                "mean_with_sample_weight", "auto"))}


def canonical(loss) -> str:
    """The loss's name here (one of ``NAMES``) from what Keras 3's ``keras.losses.get``
    takes for it: a name (``KERAS_NAMES``: "mse", "MSE", "mean_squared_error",
    "MeanSquaredError", "bce", ...), a serialised loss (``{"class_name": "MeanSquaredError",
    "config": {...}}``, ``{"class_name": "function", "config": "mean_squared_error"}``: a
    ``.keras`` file's ``compile_config``) or a live Keras loss (class, instance or function);
    anything else refused in one line listing the supported losses."""
    if isinstance(loss, str):
        if loss in KERAS_NAMES:
            return KERAS_NAMES[loss]
        near = [k for k in KERAS_NAMES if k.lower() == loss.lower()]
        hint = f" (Keras' names are case-sensitive: {', '.join(repr(k) for k in near)})" if near else ""
        raise LstmvizError(f"unknown loss {loss!r}{hint}; supported: {', '.join(NAMES)}")
    if isinstance(loss, dict):
        name, config = loss.get("class_name"), loss.get("config")
        if name == "function" and isinstance(config, str) and config in KERAS_NAMES and config not in CLASS_NAMES:
            return KERAS_NAMES[config]
        if name in CLASS_NAMES and (config is None or isinstance(config, dict)):
            return _with_config(name, config or {})
        return _unknown(f"{{'class_name': {str(name)[:60]!r}, ...}}")
    kind = type(loss)
    if isinstance(loss, type) and loss.__name__ in CLASS_NAMES and _keras(loss):  # (keras.losses.MeanSquaredError)
        return KERAS_NAMES[loss.__name__]
    if kind.__name__ in CLASS_NAMES and _keras(kind) and callable(getattr(loss, "get_config", None)):
        return _with_config(kind.__name__, loss.get_config())  # (keras.losses.MeanSquaredError())
    name = getattr(loss, "__name__", None)
    if (callable(loss) and not isinstance(loss, type) and isinstance(name, str) and name in KERAS_NAMES
            and name not in CLASS_NAMES and _keras(loss)):
        return KERAS_NAMES[name]  # (keras.losses.mean_squared_error)
    return _unknown(repr(loss)[:60] if loss is None or isinstance(loss, (int, float, bytes))
                    else f"(a {kind.__module__}.{kind.__qualname__})")


def _keras(obj) -> bool:
    """``obj`` is Keras' own (its module ``keras.`` / ``tf_keras.`` / ``tensorflow.``)."""
    module = str(getattr(obj, "__module__", "") or "")
    return module.split(".")[0] in ("keras", "tf_keras", "tensorflow")


def _with_config(name: str, config: dict) -> str:
    """The loss class ``name`` with ``config`` (its ``get_config()``), refused in one line
    where a value computes another loss than Keras' default does (``from_logits=True``, ...)."""
    for key, (default, same) in _CONFIG.items():
        if key in config and not same(config[key]):
            raise LstmvizError(f"loss {name}({key}={config[key]!r}): not supported; supported: {name} with "
                               f"Keras' default {key}={default!r}")
    return KERAS_NAMES[name]


def _unknown(what: str) -> str:
    raise LstmvizError(f"unknown loss {what}; supported: {', '.join(NAMES)} (or Keras' other names and "
                       "classes for them: 'MSE', 'MeanSquaredError', keras.losses.MeanSquaredError(), ...)")


def _clip(p):
    """clip_by_value(p, eps, 1 - eps) and where its gradient passes."""
    lo, hi = EPSILON, np.float32(1.0) - EPSILON
    return np.clip(p, lo, hi), (p >= lo) & (p <= hi)


CROSSENTROPIES = ("binary_crossentropy", "categorical_crossentropy",
                  "sparse_categorical_crossentropy")


def _class_ids(y_true, p):
    ids = np.asarray(y_true)
    if ids.ndim == p.ndim and ids.shape[-1] == 1:
        ids = ids[..., 0]
    if ids.shape != p.shape[:-1]:
        raise LstmvizError(
            f"sparse_categorical_crossentropy needs targets of shape {p.shape[:-1]} (class ids), "
            f"got {ids.shape}")
    if not np.all(np.isfinite(ids)) or np.any(ids != np.round(ids)):
        raise LstmvizError("sparse_categorical_crossentropy needs whole-number class ids as targets")
    ids = ids.astype(np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= p.shape[-1]):
        raise LstmvizError(f"a class id is outside 0..{p.shape[-1] - 1}")
    return ids


def _log_softmax(z):
    m = z.max(axis=-1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=-1, keepdims=True)
    return z - m - np.log(s), e / s


def _from_logits(name, y_true, z):
    """tf.nn's *_cross_entropy_with_logits: values and d values / d logits."""
    z = np.asarray(z, np.float32)
    if name == "binary_crossentropy":
        y = _target(y_true, z)
        vals = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        sig = np.float32(0.5) + np.float32(0.5) * np.tanh(z * np.float32(0.5))
        return np.mean(vals, axis=-1), ((sig - y) / np.float32(z.shape[-1])).astype(np.float32)
    logp, soft = _log_softmax(z)
    if name == "sparse_categorical_crossentropy":
        ids = _class_ids(y_true, z)
        y = np.zeros_like(z)
        np.put_along_axis(y, ids[..., None], 1.0, axis=-1)
    else:
        y = _target(y_true, z)
    vals = -np.sum(y * logp, axis=-1)
    grad = soft * np.sum(y, axis=-1, keepdims=True) - y
    return vals.astype(np.float32), grad.astype(np.float32)


def target_refusal(y_shape: tuple, out: tuple, loss: str) -> str | None:
    """What is wrong with targets of ``y_shape`` for a model whose output is ``out`` (both
    samples first) under ``loss``, and what to give, in one phrase; None where they fit.
    The one wording of the Train tab's, ``lstmviz grad``'s and ``lstmviz train``'s refusal
    (``grad`` said "the target has shape (2, 7) but the model's output is (2, 2)", not what
    to give): "targets of shape (2, 7), but the model outputs (None, 2); mse expects shape
    (2, 2)"; sparse_categorical_crossentropy's class ids one axis short of the output (or
    with a last axis of 1)."""
    from lstmviz.engine.layer_base import fmt_shape

    y_shape, out = tuple(y_shape), tuple(out)
    sparse = canonical(loss) == "sparse_categorical_crossentropy"
    want = out[1:-1] if sparse else out[1:]
    if y_shape[1:] == want or (sparse and y_shape[1:] == want + (1,)):
        return None
    what = "class ids of shape" if sparse else "shape"
    n = y_shape[0] if y_shape else 0
    return (f"targets of shape {y_shape}, but the model outputs {fmt_shape((None,) + out[1:])}; "
            f"{canonical(loss)} expects {what} {fmt_shape((n,) + want)}")


def _target(y_true, p):
    y = np.asarray(y_true, np.float32)
    if y.shape != p.shape:
        raise LstmvizError(f"the target has shape {y.shape} but the model's output is {p.shape}")
    return y


def values_and_grad(name: str, y_true, y_pred, logits=None):
    """Per-element loss values (y_pred's shape without the last axis) and d values / d y_pred
    (each value's own derivative, y_pred's shape), or d values / d logits when ``logits``
    is given and the loss is a crossentropy. A loss past float32's range is infinity or NaN,
    without NumPy's warnings (their two lines of stderr came before ``lstmviz train``'s one
    line saying the loss overflowed, which ``fit`` and the Train tab say as well)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _values_and_grad(canonical(name), y_true, y_pred, logits)


def _values_and_grad(name: str, y_true, y_pred, logits):
    p = np.asarray(y_pred, np.float32)
    if logits is not None and name in CROSSENTROPIES:
        return _from_logits(name, y_true, logits)
    if name == "sparse_categorical_crossentropy":
        ids = _class_ids(y_true, p)
        pc, passes = _clip(p)
        logits = np.log(pc)
        m = logits.max(axis=-1, keepdims=True)
        e = np.exp(logits - m)
        s = e.sum(axis=-1, keepdims=True)
        logp = logits - m - np.log(s)
        vals = -np.take_along_axis(logp, ids[..., None], axis=-1)[..., 0]
        soft = e / s
        onehot = np.zeros_like(p)
        np.put_along_axis(onehot, ids[..., None], 1.0, axis=-1)
        grad = (soft - onehot) / pc * passes
        return vals.astype(np.float32), grad.astype(np.float32)
    y = _target(y_true, p)
    n = np.float32(p.shape[-1])
    if name == "mse":
        diff = p - y
        return np.mean(diff * diff, axis=-1), (2.0 / n) * diff
    if name == "mae":
        diff = p - y
        return np.mean(np.abs(diff), axis=-1), np.sign(diff) / n
    if name == "binary_crossentropy":
        pc, passes = _clip(p)
        one = np.float32(1.0)
        vals = -(y * np.log(pc) + (one - y) * np.log(one - pc))
        grad = -(y / pc - (one - y) / (one - pc)) * passes / n
        return np.mean(vals, axis=-1), grad.astype(np.float32)
    # categorical_crossentropy: q = p / sum(p); clip; -sum(y log q)
    s = p.sum(axis=-1, keepdims=True)
    q = p / s
    qc, passes = _clip(q)
    vals = -np.sum(y * np.log(qc), axis=-1)
    gq = -y / qc * passes
    grad = (gq - np.sum(gq * q, axis=-1, keepdims=True)) / s
    return vals, grad.astype(np.float32)


def loss_and_grad(name: str, y_true, y_pred, mask=None, logits=None):
    """Keras' reduced loss (a float32 scalar) and dL/dy_pred (or dL/dlogits, see
    ``values_and_grad``).

    ``mask`` (the prediction's mask, shape of the values) makes it the mean over kept
    elements: Keras weighs kept values by ``total / count`` and averages over ``total``.
    """
    vals, dvals = values_and_grad(name, y_true, y_pred, logits)
    total = np.float32(vals.size)
    if mask is not None and mask.shape == vals.shape:
        valid = np.float32(np.count_nonzero(mask))
        w = np.float32(total / valid) if valid else np.float32(0.0)
        weights = np.where(mask, w, np.float32(0.0)).astype(np.float32)
    else:
        weights = np.ones(vals.shape, np.float32)
    loss = np.float32(np.sum(vals * weights, dtype=np.float32) / total)
    return loss, (dvals * (weights / total)[..., None]).astype(np.float32)
