"""Keras' standard metrics, as ``fit`` computes them for its ``History`` (Keras 3.15's
``keras/src/metrics``, ``trainers/compile_utils.py``; tf_keras 2.21 computes the same).

A metric is named as ``compile(metrics=[...])`` names it: a string is its own name in the
``History`` (``"acc"`` gives ``history["acc"]``), a serialised metric object its config's
``name`` (tf_keras writes ``{"class_name": "MeanMetricWrapper", "config": {"name":
"accuracy", "fn": "binary_accuracy"}}``). ``"accuracy"`` / ``"acc"`` is resolved as Keras
resolves it at the first batch (``compile_utils.get_metric``): binary accuracy where the
model's output has one unit on its last axis, sparse categorical accuracy where the targets
have a lower rank than the output or one class id on their last axis, categorical accuracy
otherwise (so a ``binary_crossentropy`` model of several sigmoid outputs gets Keras'
categorical accuracy, as in Keras).

Each epoch's value is Keras' running ``Mean``: every batch adds its samples' values (each
sample's mean over its other axes; an output's mask weighs its steps, as the loss's does)
to a float32 total and its samples (or kept steps' share) to a float32 count, the result
``total / count``. ``Precision`` and ``Recall`` (their default threshold 0.5) count true
and false positives and negatives over the epoch instead (Keras' confusion-matrix
variables; no mask). ``AUC`` counts them per threshold over the epoch, as Keras 3's
``metrics_utils.update_confusion_matrix_variables`` and tf_keras 2.21's do (their one
algorithm: each prediction's bucket among evenly spaced thresholds, ``ceil(p * (n - 1)) - 1``
of the prediction clipped to 0..1, the ends ``-1e-7`` and ``1 + 1e-7``; thresholds given
unevenly: ``p > t`` each), and its ``result`` is the area under the ROC, PR or PR-gain curve
of those counts by Keras' Riemann sums (``AUC.result``, ``interpolate_pr_auc``), in float32.
Anything else (``R2Score``, ``F1Score``, a custom function) is not computed: ``read`` names it
for a one-line note.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lstmviz.errors import LstmvizError, is_number, is_whole
from lstmviz.text import safe_name, safe_text, snake_case

f32 = np.float32

#: each computed metric function by its Keras names (functions' and classes' snake_case
#: names, Keras' short aliases), lowercased for the look-up
KINDS = {
    "binary_accuracy": "binary_accuracy",
    "categorical_accuracy": "categorical_accuracy",
    "sparse_categorical_accuracy": "sparse_categorical_accuracy",
    "top_k_categorical_accuracy": "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy": "sparse_top_k_categorical_accuracy",
    "mean_squared_error": "mse", "mse": "mse",
    "mean_absolute_error": "mae", "mae": "mae",
    "mean_absolute_percentage_error": "mape", "mape": "mape",
    "mean_squared_logarithmic_error": "msle", "msle": "msle",
    "binary_crossentropy": "binary_crossentropy", "bce": "binary_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "precision": "precision", "recall": "recall", "auc": "auc",
    "accuracy": "accuracy", "acc": "accuracy",
}
#: what the History names a metric object given without a name (Keras' class default)
DEFAULT_NAMES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
                 "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error"}
#: each kind's settings with the values computed here (another value: not computed)
SETTINGS: dict[str, dict[str, Any]] = {"binary_accuracy": {"threshold": None}, "top_k_categorical_accuracy": {"k": 5},
            "sparse_top_k_categorical_accuracy": {"k": 5, "from_sorted_ids": (False,)},
            "binary_crossentropy": {"from_logits": (False,), "label_smoothing": (0, 0.0)},
            "categorical_crossentropy": {"from_logits": (False,), "label_smoothing": (0, 0.0), "axis": (-1,)},
            "sparse_categorical_crossentropy": {"from_logits": (False,), "axis": (-1,)},
            "precision": {"thresholds": (None, 0.5, [0.5]), "top_k": (None,), "class_id": (None,)},
            "recall": {"thresholds": (None, 0.5, [0.5]), "top_k": (None,), "class_id": (None,)}}
#: ``AUC``'s settings as Keras' config holds them, with Keras' defaults (a metric's options
#: hold those that differ, ``auc_settings``)
AUC_DEFAULTS: dict[str, Any] = {"num_thresholds": 200, "curve": "ROC", "summation_method": "interpolation",
                                "multi_label": False, "num_labels": None, "label_weights": None,
                                "from_logits": False, "thresholds": None}
#: the spellings of ``curve`` and ``summation_method`` Keras 3 and tf_keras take (``from_str``)
AUC_CURVES = {"ROC": "ROC", "roc": "ROC", "PR": "PR", "pr": "PR", "PRGAIN": "PRGAIN", "prgain": "PRGAIN",
              "PR_GAIN": "PRGAIN", "pr_gain": "PRGAIN"}
AUC_SUMS = {"interpolation": "interpolation", "Interpolation": "interpolation", "majoring": "majoring",
            "Majoring": "majoring", "minoring": "minoring", "Minoring": "minoring"}
#: the most thresholds (and label weights) an AUC may have here (Keras' default is 200; its
#: counts are four arrays of them per label, made at the first batch)
MAX_THRESHOLDS = 10_000
#: the most counts per kind a multi_label AUC keeps (thresholds times labels: four float32
#: arrays of them, 64 MB, and the validation's as many)
MAX_COUNTS = 1 << 22
#: Keras' ``backend.epsilon()``: the end thresholds are ``0 - EPSILON`` and ``1 + EPSILON``
EPSILON = 1e-7
#: config keys of a serialised metric that change nothing here
INERT = ("name", "dtype", "trainable", "fn", "reduction")
#: the confusion-matrix metrics (counts over the epoch, not a mean of values)
CONFUSION = ("precision", "recall")
#: the names ``fit(metrics=...)`` takes, for its one-line refusal
SUPPORTED = ("accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
             "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mse", "mae", "mape", "msle",
             "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
             "Precision", "Recall", "AUC")


@dataclass(frozen=True)
class Metric:
    """One metric: ``name``, its History key; ``kind``, what it computes (a ``KINDS``
    value; ``"accuracy"`` until ``resolve``); ``options``, its settings (threshold, k)."""

    name: str
    kind: str
    options: tuple = ()
    #: a ``weighted_metrics`` one: its name as compiled (``name`` is its History key: Keras
    #: prefixes ``weighted_`` where a metric has that name); None for a metric of ``metrics``
    weighted: str | None = None

    def option(self, key: str, default):
        return dict(self.options).get(key, default)

    def plain(self) -> dict:
        """As plain data (a model's ``source["compile"]`` holds no classes of its own)."""
        out = {"name": self.name, "kind": self.kind, "options": dict(self.options)}
        if self.weighted is not None:
            out["weighted"] = self.weighted
        return out

    @classmethod
    def from_plain(cls, data: dict) -> Metric:
        return cls(data["name"], data["kind"], tuple(data.get("options", {}).items()), data.get("weighted"))


def _kind(name: str) -> str | None:
    return KINDS.get(name.lower()) or KINDS.get(snake_case(name).lower())


def _finite_list(value, least: float | None = None) -> list[float] | None:
    """``value`` as a list of finite floats (at least ``least``), at most ``MAX_THRESHOLDS`` of
    them; None where it is not one."""
    if not isinstance(value, list) or len(value) > MAX_THRESHOLDS:
        return None
    if not all(is_number(v) and math.isfinite(v) and (least is None or v >= least) for v in value):
        return None
    return [float(v) for v in value]


class Missing(str):
    """A metric's name the History leaves out (``read``'s), with why where one of its
    settings is not computed (``why``: "AUC's curve 'PRC': ROC, PR or PRGAIN is computed")."""

    why = ""


def _missing(name: str, why: str = "") -> Missing:
    out = Missing(name)
    out.why = why
    return out


def auc_settings(config: dict) -> tuple | None:
    """An ``AUC``'s config (its keys besides name and dtype) as a ``Metric``'s options: the
    settings that differ from Keras' defaults (``AUC_DEFAULTS``), each as Keras reads it
    (``curve`` and ``summation_method`` by their values, given thresholds sorted and their
    ``num_thresholds`` left out, Keras 3's ``{"class_name": "__tensor__"}`` label weights as
    a list), in ``AUC_DEFAULTS``' order; None where one is not computed here (another key,
    a value Keras refuses, more than ``MAX_THRESHOLDS`` thresholds: ``read``'s ``Missing`` says why)."""
    return _auc_read(config)[0]


def _auc_read(config: dict) -> tuple[tuple | None, str]:
    def shown(value) -> str:
        return safe_text(repr(value), 30)

    extra = [k for k in config if k not in AUC_DEFAULTS]
    if extra:
        return None, f"AUC's setting {shown(extra[0])}: {', '.join(AUC_DEFAULTS)} are computed"
    out = {**AUC_DEFAULTS, **config}
    if out["thresholds"] is not None:
        given = _finite_list(out["thresholds"])
        if given is None or len(given) > MAX_THRESHOLDS - 2:
            return None, f"AUC's thresholds: a list of at most {MAX_THRESHOLDS - 2:,} finite numbers is computed"
        out["thresholds"] = sorted(given)
        out["num_thresholds"] = AUC_DEFAULTS["num_thresholds"]  # (Keras: len(thresholds) + 2)
    elif not is_whole(out["num_thresholds"], 2, MAX_THRESHOLDS):
        return None, (f"AUC's num_thresholds {shown(out['num_thresholds'])}: a whole number from 2 to "
                      f"{MAX_THRESHOLDS:,} is computed")
    weights = out["label_weights"]
    if isinstance(weights, dict) and weights.get("class_name") == "__tensor__":  # (Keras 3 writes a tensor so)
        weights = weights.get("config", {}).get("value") if isinstance(weights.get("config"), dict) else None
    if weights is not None:
        weights = _finite_list(weights, least=0.0)  # (tf_keras refuses negative ones)
        if not weights:
            return None, "AUC's label_weights: a list of numbers of 0 or more, one a label, is computed"
    out["label_weights"] = weights
    for key, spellings, words in (("curve", AUC_CURVES, "ROC, PR or PRGAIN"),
                                  ("summation_method", AUC_SUMS, "interpolation, minoring or majoring")):
        if not isinstance(out[key], str) or out[key] not in spellings:
            return None, f"AUC's {key} {shown(out[key])}: {words} is computed"
        out[key] = spellings[out[key]]
    for key in ("multi_label", "from_logits"):
        if not isinstance(out[key], bool):
            return None, f"AUC's {key} {shown(out[key])}: true or false is computed"
    if out["num_labels"] is not None and not (out["multi_label"] and is_whole(out["num_labels"], 1, MAX_THRESHOLDS)):
        # (Keras refuses num_labels without multi_label)
        return None, f"AUC's num_labels {shown(out['num_labels'])}: a count of labels with multi_label is computed"
    return tuple((k, v) for k, v in out.items() if v != AUC_DEFAULTS[k]), ""


def auc(metric: Metric) -> dict:
    """An AUC metric's settings, Keras' defaults where its options hold none."""
    return {**AUC_DEFAULTS, **dict(metric.options)}


def _from_object(spec: dict) -> tuple[Metric | None, str]:
    """(the metric a serialised metric object is, "") or (None, its name for the note)."""
    cls = spec.get("class_name")
    config: dict = spec["config"] if isinstance(spec.get("config"), dict) else {}
    name = safe_name(config["name"]) if isinstance(config.get("name"), str) else None  # (the History's key)
    if not isinstance(cls, str):
        return None, str(name or cls)
    kind = None
    if cls == "MeanMetricWrapper":  # (tf_keras: the function by name, "fn")
        fn = config.get("fn")
        fn = fn.get("config") if isinstance(fn, dict) else fn  # (Keras 3 serialises a function as a dict)
        kind = _kind(fn) if isinstance(fn, str) else None
    elif cls.lower() != "accuracy":  # (Keras' Accuracy class compares values, not "accuracy")
        kind = _kind(cls)
    if kind is None or kind == "accuracy":
        return None, name or cls
    if kind == "auc":
        settings, why = _auc_read({k: v for k, v in config.items() if k not in INERT})
        return (None, _missing(name or cls, why)) if settings is None else (Metric(name or "auc", kind, settings), "")
    options = []
    for key, value in config.items():
        if key in INERT:
            continue
        allowed = SETTINGS.get(kind, {})
        if key not in allowed:
            return None, name or cls
        if key in ("threshold", "k"):
            if not is_number(value) or (key == "k" and (value != int(value) or value < 1)):
                return None, name or cls
            options.append((key, value))
        elif value not in allowed[key]:
            return None, name or cls
    return Metric(name or DEFAULT_NAMES.get(kind, snake_case(cls)), kind, tuple(options)), ""


def setting_not_computed(kind: str, options: dict) -> str | None:
    """The first of a metric's ``options`` (as ``Metric.plain()`` keeps them: a session's) that
    is not one computed here, None where all are (an AUC's read back as the same)."""
    if kind == "auc":
        settings = auc_settings(options)
        if settings is not None and dict(settings) == options:
            return None
        return next((k for k in options if auc_settings({k: options[k]}) != ((k, options[k]),)), next(iter(options)))
    allowed = SETTINGS.get(kind, {})
    for key, value in options.items():
        number = key in ("threshold", "k") and is_number(value) and math.isfinite(value) and (
            key != "k" or (value == int(value) and value >= 1))
        if key not in allowed or not (number or (key not in ("threshold", "k") and value in allowed[key])):
            return key
    return None


def count(config) -> int:
    """How many metrics ``config`` (a ``compile_config``'s ``metrics`` as ``read`` takes it)
    lists, counted before any is read."""
    if config is None:
        return 0
    items = config if isinstance(config, (list, tuple)) else [config]
    if len(items) == 1 and isinstance(items[0], (list, tuple)):
        items = items[0]
    return len(items)


def read(config, keras2: bool = False) -> tuple[list[Metric], list[str]]:
    """A compiled model's ``metrics`` (a ``compile_config``'s or a ``training_config``'s:
    names, serialised metric objects, one list of them per output as tf_keras writes them)
    as (the metrics computed here, the names of those that are not). A name is the History's
    key (Keras 3's ``get_metric``), but where ``keras2`` a metric class given by name
    (``"AUC"``, ``"Precision"``, ``"MeanSquaredError"``): tf_keras makes the class's object,
    named as the class names it, the second of a name ``_1`` and so on (``auc``, ``auc_1``:
    ``unique_object_name`` of a model loaded afresh)."""
    if config is None:
        return [], []
    items = config if isinstance(config, (list, tuple)) else [config]
    if len(items) == 1 and isinstance(items[0], (list, tuple)):  # (tf_keras: a list per output)
        items = items[0]
    out: list[Metric] = []
    missing: list[str] = []
    made: dict[str, int] = {}  # (tf_keras' names of the classes given by name, so far)
    for item in items:
        metric, why = None, ""
        if isinstance(item, str):
            kind = _kind(item)
            name = safe_name(item)  # ("m\x1bae" is mae)
            if kind and keras2 and kind != "accuracy" and item[:1].isupper():  # (a class: "AUC", "Precision")
                first = DEFAULT_NAMES.get(kind, snake_case(item))
                made[first] = made.get(first, 0) + 1
                name = first if made[first] == 1 else f"{first}_{made[first] - 1}"
            metric = Metric(name, kind) if kind else None
            why = item
        elif isinstance(item, dict) and "class_name" in item:
            metric, why = _from_object(item)
        elif isinstance(item, (list, tuple, dict)):
            why = "a metric per output"
        else:
            why = str(item)
        if metric is None:
            missing.append(why)
        elif metric.name not in [m.name for m in out]:
            out.append(metric)
    return out, missing


def read_weighted(metrics: list[Metric], config, keras2: bool = False) -> tuple[list[Metric], list[str]]:
    """A compiled model's ``weighted_metrics`` beside its ``metrics`` (read by ``read``): as
    Keras 3.15's History names them, ``weighted_<name>`` where a metric of ``metrics`` has
    that name, else the name; each computed as the metric is (``fit`` takes no sample
    weights here, and Keras weighs them by the sample weights only). (the History's
    metrics, the names of those not computed)"""
    found, missing = read(config, keras2)
    taken = [m.name for m in metrics]
    out = []
    for m in found:
        key = f"weighted_{m.name}" if m.name in taken else m.name
        if key not in taken:
            out.append(Metric(key, m.kind, m.options, m.name))
            taken.append(key)
    return out, missing


def given(metrics) -> list[Metric]:
    """``fit(metrics=...)``: names (``"accuracy"``, ``"mae"``) as Keras' ``compile`` takes
    them, refused in one line where one is not computed here."""
    if metrics is None:
        return []
    if isinstance(metrics, str) or not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    out, missing = read(list(metrics))
    if missing or any(not isinstance(m, (str, dict)) for m in metrics):
        bad = missing[0] if missing else next(m for m in metrics if not isinstance(m, (str, dict)))
        raise LstmvizError(f"metric {safe_text(repr(bad), 60)} is not computed here; give names of "
                           f"Keras metrics: {', '.join(SUPPORTED)}")
    return out


def resolve(metrics: list[Metric], y_shape: tuple, pred_shape: tuple) -> list[Metric]:
    """``metrics`` with ``"accuracy"`` resolved as Keras resolves it from the targets' and
    the output's shapes (``compile_utils.is_binary_or_sparse_categorical``); an AUC whose
    labels do not fit the shapes refused in one line (``check_auc``)."""
    out = []
    for m in metrics:
        if m.kind == "auc":
            check_auc(m, tuple(y_shape), tuple(pred_shape))
        if m.kind == "accuracy":
            binary = pred_shape[-1] == 1
            sparse = len(y_shape) < len(pred_shape) or (y_shape[-1] == 1 and pred_shape[-1] > 1)
            kind = "binary_accuracy" if binary else "sparse_categorical_accuracy" if sparse else "categorical_accuracy"
            m = Metric(m.name, kind, m.options, m.weighted)
        out.append(m)
    return out


def check_auc(metric: Metric, y_shape: tuple, pred_shape: tuple) -> None:
    """An AUC needs a target for each output value (as Keras: sparse class ids are not
    AUC's); one of ``multi_label`` or ``label_weights`` needs what Keras 3 and tf_keras both
    compute: an output of (batch, labels), targets of its shape (or (batch,) for one label),
    as many label weights (and ``num_labels``) as labels; else refused in one line."""
    o = auc(metric)
    each, theirs = pred_shape[1:], tuple(y_shape[1:])
    if None not in each and math.prod(each) != math.prod(theirs):
        raise LstmvizError(f"metric {safe_text(repr(metric.name), 60)}: AUC compares each target with an output "
                           f"value, and targets {_shape(y_shape)} are not as many as the output's "
                           f"{_shape(pred_shape)}: give one target, 0 or 1, a value (one-hot, not class ids)")
    if not o["multi_label"] and o["label_weights"] is None:
        return
    labels = pred_shape[-1]
    fits = len(pred_shape) == 2 and (tuple(y_shape[1:]) == (labels,) or (len(y_shape) == 1 and labels == 1))
    wanted = [("multi_label", o["multi_label"]), ("label_weights", o["label_weights"] is not None)]
    what = " and ".join(k for k, v in wanted if v)
    if not fits:
        raise LstmvizError(f"metric {safe_text(repr(metric.name), 60)}: AUC's {what} is computed for an output "
                           f"of (batch, labels) and targets of that shape, not an output {_shape(pred_shape)} "
                           f"and targets {_shape(y_shape)}")
    for key, count in (("num_labels", o["num_labels"]), ("label_weights", len(o["label_weights"] or []) or None)):
        if count is not None and count != labels:
            raise LstmvizError(f"metric {safe_text(repr(metric.name), 60)}: AUC's {key} gives {count:,} labels, "
                               f"the output has {labels:,}: give one a label")
    thresholds = len(_thresholds(o)[0])
    if o["multi_label"] and thresholds * labels > MAX_COUNTS:
        raise LstmvizError(f"metric {safe_text(repr(metric.name), 60)}: AUC's multi_label over {labels:,} labels "
                           f"at {thresholds:,} thresholds is {thresholds * labels:,} counts, more than the "
                           f"{MAX_COUNTS:,} lstmviz keeps: give fewer thresholds or no multi_label")


def _shape(shape: tuple) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _same_rank(y, p):
    """Keras' ``squeeze_or_expand_to_same_rank``: a trailing axis of 1 dropped, or one added."""
    if y.ndim == p.ndim + 1 and y.shape[-1] == 1:
        y = y[..., 0]
    elif p.ndim == y.ndim + 1 and p.shape[-1] == 1:
        p = p[..., 0]
    return y, p


def _class_ids(y, p):
    """Sparse targets as ids of p's shape without its last axis (a trailing 1 squeezed)."""
    ids = np.asarray(y, np.float32)
    if ids.ndim == p.ndim and ids.shape[-1] == 1:
        ids = ids[..., 0]
    return ids


def _in_top_k(ids, p, k):
    """TensorFlow's ``in_top_k``: fewer than ``k`` predictions above the target's (ties are
    in), false where a row holds a non-finite prediction or the id is out of range."""
    p2 = p.reshape(-1, p.shape[-1])
    ids = ids.reshape(-1)
    valid = (ids >= 0) & (ids < p2.shape[-1]) & np.all(np.isfinite(p2), axis=-1)
    safe = np.where(valid, ids, 0).astype(np.int64)
    target = np.take_along_axis(p2, safe[:, None], axis=-1)
    above = np.sum(p2 > target, axis=-1)
    return (valid & (above < k)).reshape(p.shape[:-1])


def values(metric: Metric, y, p) -> np.ndarray:
    """A mean metric's values for a batch (its samples first), as Keras' function gives them."""
    p = np.asarray(p, np.float32)
    y = np.asarray(y, np.float32)
    kind = metric.kind
    if kind == "binary_accuracy":
        y, p = _same_rank(y, p)
        threshold = f32(metric.option("threshold", 0.5))
        return (y == (p > threshold).astype(np.float32)).astype(np.float32)
    if kind == "categorical_accuracy":
        return (np.argmax(y, axis=-1) == np.argmax(p, axis=-1)).astype(np.float32)
    if kind == "sparse_categorical_accuracy":
        return (_class_ids(y, p) == np.argmax(p, axis=-1).astype(np.float32)).astype(np.float32)
    if kind == "top_k_categorical_accuracy":
        return _in_top_k(np.argmax(y, axis=-1), p, int(metric.option("k", 5))).astype(np.float32)
    if kind == "sparse_top_k_categorical_accuracy":
        ids = _class_ids(y, p).astype(np.int64)  # (Keras casts the ids to int32)
        return _in_top_k(ids, p, int(metric.option("k", 5))).astype(np.float32)
    if kind in ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"):
        from lstmviz.engine.losses import values_and_grad

        if kind != "sparse_categorical_crossentropy" and y.ndim == p.ndim - 1 and p.shape[-1] == 1:
            y = y[..., None]  # (Keras' squeeze_or_expand_to_same_rank)
        return np.asarray(values_and_grad(kind, y, p)[0], np.float32)
    y, p = _same_rank(y, p)
    if kind == "mse":
        return np.mean(np.square(y - p), axis=-1)
    if kind == "mae":
        return np.mean(np.abs(y - p), axis=-1)
    if kind == "mape":
        return f32(100.0) * np.mean(np.abs((y - p) / np.maximum(np.abs(y), f32(1e-7))), axis=-1)
    if kind == "msle":
        eps = f32(1e-7)
        return np.mean(np.square(np.log(np.maximum(p, eps) + f32(1)) - np.log(np.maximum(y, eps) + f32(1))),
                       axis=-1)
    raise LstmvizError(f"metric {metric.name!r}: {kind} is not computed here")  # pragma: no cover - read refuses


@dataclass
class Tracker:
    """The epoch's running metrics (Keras' metric variables), reset at each epoch's start
    and for each evaluation: float32 ``total`` / ``count`` per mean metric, true / false
    positives and negatives per confusion metric (an AUC's: four float32 arrays, one count
    per threshold (and label), made at the first batch as Keras builds them). ``masked``:
    the confusion counts (Precision, Recall, AUC) weighed by the output's mask, as tf_keras
    2.21 counts them (its ``MetricsContainer`` hands every metric the mask as its
    ``sample_weight``; Keras 3 hands it only to mean metrics): a Keras 1 / 2 model's."""

    metrics: list[Metric]
    sums: dict[str, list] = field(default_factory=dict)
    masked: bool = False

    def fresh(self) -> Tracker:
        """A tracker of the same metrics counting as this one does, nothing counted (an
        evaluation's: Keras' ``val_`` metrics)."""
        return Tracker(self.metrics, masked=self.masked)

    def reset(self) -> None:
        self.sums = {m.name: [] if m.kind == "auc" else [f32(0), f32(0), f32(0)] for m in self.metrics}

    def update(self, y, p, mask=None) -> None:
        """One batch: targets ``y``, the outputs ``p`` (before the update), the output's mask."""
        if not self.sums:
            self.reset()
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            for m in self.metrics:
                acc = self.sums[m.name]
                if m.kind == "auc":
                    auc_update(m, acc, y, p, mask if self.masked else None)
                    continue
                if m.kind in CONFUSION:
                    yy, pp = _same_rank(np.asarray(y, np.float32), np.asarray(p, np.float32))
                    label, hit = yy != 0, pp > f32(0.5)
                    kept = _mask_weights(mask if self.masked else None, pp.shape)
                    for n, cell in enumerate((label & hit, ~label & hit, label & ~hit)):
                        acc[n] += f32(np.count_nonzero(cell)) if kept is None else np.sum(kept[cell], dtype=np.float32)
                    continue
                v: Any = values(m, y, p)
                weight = None
                if mask is not None:
                    weight = np.asarray(mask, np.float32)
                    if v.ndim == weight.ndim + 1 and v.shape[-1] == 1:
                        v = v[..., 0]
                    if v.shape != weight.shape:
                        weight = None
                if weight is not None:
                    axes = tuple(range(1, v.ndim))
                    v = np.mean(v * weight, axis=axes, dtype=np.float32) if axes else v * weight
                    w = np.mean(weight, axis=axes, dtype=np.float32) if axes else weight
                    acc[0] += np.sum(v, dtype=np.float32)
                    acc[1] += np.sum(w, dtype=np.float32)
                else:
                    if v.ndim > 1:
                        v = np.mean(v, axis=tuple(range(1, v.ndim)), dtype=np.float32)
                    acc[0] += np.sum(v, dtype=np.float32)
                    acc[1] += f32(v.shape[0])

    def result(self) -> dict[str, float]:
        """Each metric's value so far (Keras' ``result()``: 0 where nothing was counted)."""
        out = {}
        for m in self.metrics:
            if m.kind == "auc":
                out[m.name] = auc_result(m, self.sums.get(m.name) or [])
                continue
            a, b, c = self.sums.get(m.name, (f32(0), f32(0), f32(0)))
            if m.kind == "precision":
                num, den = a, a + b
            elif m.kind == "recall":
                num, den = a, a + c
            else:
                num, den = a, b
            out[m.name] = float(f32(num) / f32(den)) if den else 0.0
        return out


def _thresholds(o: dict) -> tuple[np.ndarray, bool]:
    """An AUC's thresholds in float32 as Keras makes them (``0 - 1e-7``, the given ones
    sorted or ``num_thresholds - 2`` evenly spaced, ``1 + 1e-7``), and whether they are
    evenly spaced (Keras' ``is_evenly_distributed_thresholds``, by NumPy's ``allclose``).
    Made once per setting (10,000 of them took 2 ms, each batch)."""
    given = o["thresholds"]
    return _made_thresholds(o["num_thresholds"], None if given is None else tuple(given))


@functools.lru_cache(maxsize=16)
def _made_thresholds(n: int, given: tuple | None) -> tuple[np.ndarray, bool]:
    if given is None:
        inner = [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)]
        even = True
    else:
        inner = sorted(given)
        ends = np.array([0.0] + inner + [1.0])
        count = len(ends)
        even = count >= 3 and bool(np.allclose(ends, np.arange(count, dtype=np.float32) / (count - 1),
                                               atol=EPSILON))
    out = np.array([0.0 - EPSILON] + inner + [1.0 + EPSILON]).astype(np.float32)
    out.setflags(write=False)  # (shared by every batch of every AUC of this setting)
    return out, even


def _exceeded(o: dict, p: np.ndarray) -> np.ndarray:
    """How many of the AUC's thresholds each prediction is above (it counts as positive at
    the thresholds before that number): by Keras' bucket of evenly spaced thresholds, the
    prediction clipped to 0..1, ``relu(ceil(p * (n - 1)) - 1) + 1``; else by ``p > t`` at
    each. A NaN is above none (Keras' comparisons are false, and its bucket, cast to int32,
    is a negative id that ``unsorted_segment_sum`` drops)."""
    thresholds, even = _thresholds(o)
    n = len(thresholds)
    nan = np.isnan(p)
    if even:
        bucket = np.ceil(np.clip(p, f32(0), f32(1)) * f32(n - 1)) - f32(1)
        k = np.maximum(np.where(nan, 0, bucket), 0).astype(np.int64) + 1
    else:
        k = np.searchsorted(thresholds, np.where(nan, 0, p), side="left").astype(np.int64)
    return np.where(nan, 0, k)


def _mask_weights(mask, shape: tuple) -> np.ndarray | None:
    """An output's mask (its steps) as weights of values of ``shape`` (a trailing axis added
    as tf_keras' ``squeeze_or_expand_dimensions`` adds it); None for no mask, or one that
    does not fit."""
    if mask is None:
        return None
    w = np.asarray(mask, np.float32)
    while w.ndim < len(shape):
        w = w[..., None]
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        return None


def auc_update(metric: Metric, acc: list, y, p, mask=None) -> None:
    """An AUC's counts ``acc`` ([tp, fp, tn, fn], float32 per threshold (and label); made
    here at the first batch) plus one batch's: Keras' ``update_confusion_matrix_variables``
    (the outputs' sigmoid first where ``from_logits``; targets true where not 0; flattened
    unless ``multi_label``; ``label_weights`` weighing each label's values unless
    ``multi_label``; ``mask``, tf_keras' sample weights, weighing each step's)."""
    from lstmviz.engine.activations import sigmoid

    o = auc(metric)
    p = np.array(p, np.float32)
    if o["from_logits"]:
        p = sigmoid(p)
    y = np.asarray(y, np.float32).reshape(p.shape)  # (Keras' squeeze_or_expand_to_same_rank)
    truth = (y != 0).astype(np.float32)
    weights = np.ones(p.shape, np.float32)
    if o["label_weights"] is not None and not o["multi_label"]:
        weights = np.broadcast_to(np.asarray(o["label_weights"], np.float32), p.shape)
    steps = _mask_weights(mask, p.shape)
    if steps is not None:
        weights = steps * weights
    n = len(_thresholds(o)[0])
    k = _exceeded(o, p)
    if o["multi_label"]:
        k, truth, weights = k.reshape(-1, p.shape[-1]), truth.reshape(-1, p.shape[-1]), weights.reshape(-1, p.shape[-1])
    else:
        k, truth, weights = k.reshape(-1, 1), truth.reshape(-1, 1), weights.reshape(-1, 1)
    labels = k.shape[1]
    ids = (k + np.arange(labels) * (n + 1)).reshape(-1)  # (each label's own n + 1 bins)
    true_w = (truth * weights).reshape(-1)
    false_w = ((f32(1) - truth) * weights).reshape(-1)
    counts = []
    for w in (true_w, false_w):
        per = np.bincount(ids, weights=w, minlength=labels * (n + 1)).astype(np.float32).reshape(labels, n + 1)
        # (above threshold i: every prediction above more than i of them, a reversed running sum)
        above = np.cumsum(per[:, :0:-1], axis=1, dtype=np.float32)[:, ::-1].T
        counts.append(above)
    tp, fp = counts
    total_true = np.sum(true_w.reshape(-1, labels), axis=0, dtype=np.float32)
    total_false = np.sum(false_w.reshape(-1, labels), axis=0, dtype=np.float32)
    new = [tp, fp, total_false - fp, total_true - tp]
    if not o["multi_label"]:
        new = [a[:, 0] for a in new]
    if not acc:
        acc.extend(np.zeros_like(a) for a in new)
    for total, batch in zip(acc, new):
        total += batch


def _no_nan(a, b):
    """TensorFlow's ``divide_no_nan``: a / b, 0 where b is 0."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape, np.float32), where=b != 0)


def auc_result(metric: Metric, counts: list) -> float:
    """An AUC's value from its counts (Keras' ``AUC.result``, in float32): the PR curve's
    interpolated area (Davis & Goadrich's, ``interpolate_pr_auc``), else the Riemann sum of
    the ROC (recall by false positive rate), PR (precision by recall) or PR-gain curve with
    its ``summation_method``'s heights; over labels their mean (weighted by ``label_weights``).
    0 before any batch."""
    if not counts:
        return 0.0
    o = auc(metric)
    tp, fp, tn, fn = counts
    lw = None if o["label_weights"] is None else np.asarray(o["label_weights"], np.float32)

    def labels_mean(by_label):
        if not o["multi_label"]:
            return by_label
        if lw is None:
            return np.mean(by_label, dtype=np.float32)
        return _no_nan(np.sum(by_label * lw, dtype=np.float32), np.sum(lw, dtype=np.float32))

    if o["curve"] == "PR" and o["summation_method"] == "interpolation":
        dtp = tp[:-1] - tp[1:]
        pos = tp + fp
        dp = pos[:-1] - pos[1:]
        slope = _no_nan(dtp, np.maximum(dp, f32(0)))
        intercept = tp[1:] - slope * pos[1:]
        ratio = np.where((pos[:-1] > 0) & (pos[1:] > 0), _no_nan(pos[:-1], np.maximum(pos[1:], f32(0))), f32(1))
        with np.errstate(divide="ignore"):
            terms = _no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], f32(0)))
        return float(labels_mean(np.sum(terms, axis=0, dtype=np.float32)))
    recall = _no_nan(tp, tp + fn)
    if o["curve"] == "ROC":
        x, y = _no_nan(fp, fp + tn), recall
    elif o["curve"] == "PR":
        x, y = recall, _no_nan(tp, tp + fp)
    else:  # (PR gain: Keras' three corner cases)
        scale = _no_nan(tp + fn, tn + fp)
        x = np.maximum(np.where(tp == 0, f32(0), f32(1) - scale * _no_nan(fn, tp)), f32(0))
        y = np.where(tp == 0, f32(1), f32(1) - scale * _no_nan(fp, tp))
    if o["summation_method"] == "interpolation":
        heights = (y[:-1] + y[1:]) / f32(2)
    elif o["summation_method"] == "minoring":
        heights = np.minimum(y[:-1], y[1:])
    else:
        heights = np.maximum(y[:-1], y[1:])
    return float(labels_mean(np.sum((x[:-1] - x[1:]) * heights, axis=0, dtype=np.float32)))


#: the most names ``note`` quotes (one line: a list of 100,000 filled the summary)
NOTE_NAMES = 8


def note(missing: list[str]) -> str:
    """One line naming the metrics not computed ("metrics 'qscore', 'f1' not computed here:
    the History leaves them out"; a setting not computed said after the name: "metric 'auc'
    (AUC's curve 'PRC': ROC, PR or PRGAIN is computed) not computed here: ..."), "" for none."""
    names = list(dict.fromkeys(missing))
    if not names:
        return ""
    whys = [getattr(n, "why", "") for n in names[:NOTE_NAMES]]
    shown = ", ".join(safe_text(repr(str(n)), 40) + (f" ({why})" if why else "") for n, why in zip(names, whys))
    if len(names) > NOTE_NAMES:
        shown += f" and {len(names) - NOTE_NAMES:,} more"
    them = "it" if len(names) == 1 else "them"
    word = "metric" if len(names) == 1 else "metrics"
    return f"{word} {shown} not computed here: the History leaves {them} out"
