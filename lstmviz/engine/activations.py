"""Activations by name, exactly as Keras defines them (float32, elementwise).

Keras generations disagree on a few: ``hard_sigmoid`` is ``clip(0.2*x + 0.5, 0, 1)`` in
Keras 1/2 (and tf.keras) but ``relu6(x + 3) / 6`` in Keras 3; ``leaky_relu`` defaults
to alpha 0.2 (Keras 3) and ``gelu`` is the exact erf form in both.
Each function takes ``x`` and an optional ``out`` array (may be ``x`` itself).
"""

from __future__ import annotations

import math
import re
from typing import Callable

import numpy as np

from lstmviz.errors import LstmvizError

Activation = Callable[..., np.ndarray]


def negative(x, out=None):
    """``-x`` (into ``out``), bit for bit ``np.negative``'s, whatever the arrays' layout.

    NumPy 2.4's float negative loop reads an input whose innermost stride is 16 bytes
    (float32; 64 for float64: one unit's column of an LSTM kernel (n, 4)) as if it were
    contiguous where ``out`` is not contiguous: other elements, negated, and no error
    (``np.negative(k[:, 0], out=w[:, 0])`` gave ``-k.ravel()[:n]``). Into an ``out`` that is
    not C-contiguous the result is made in a contiguous array first and copied there; every
    other NumPy ufunc tried (all unary float ones, the binary arithmetic) is right."""
    if out is None or out.flags.c_contiguous:
        return np.negative(x, out=out)
    np.copyto(out, np.negative(x))
    return out


def linear(x, out=None):
    if out is None:
        return x.copy()
    if out is not x:
        out[...] = x
    return out


def tanh(x, out=None):
    return np.tanh(x, out=out)


def sigmoid(x, out=None):
    # 1 / (1 + exp(-x)), as the LSTM kernel computes it: NumPy's float32 exp costs about
    # half its tanh; exp(-x) = inf below x = -88 gives exactly 0.
    out = negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def hard_sigmoid_keras2(x, out=None):
    out = np.multiply(x, np.float32(0.2), out=out)
    out += np.float32(0.5)
    return np.clip(out, 0.0, 1.0, out=out)


def hard_sigmoid_keras3(x, out=None):
    out = np.add(x, np.float32(3.0), out=out)
    np.clip(out, 0.0, 6.0, out=out)
    out /= np.float32(6.0)
    return out


def relu(x, out=None):
    return np.maximum(x, 0.0, out=out)


def relu6(x, out=None):
    return np.clip(x, 0.0, 6.0, out=out)


def elu(x, out=None):
    res = np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
    return _store(res, x, out)


def selu(x, out=None):
    alpha = np.float32(1.6732632423543772848170429916717)
    scale = np.float32(1.0507009873554804934193349852946)
    res = scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    return _store(res, x, out)


def softplus(x, out=None):
    res = np.logaddexp(x, np.float32(0.0))
    return _store(res, x, out)


def softsign(x, out=None):
    return _store(x / (1.0 + np.abs(x)), x, out)


def swish(x, out=None):
    return _store(x * sigmoid(x), x, out)


def gelu(x, out=None):
    erf = np.vectorize(math.erf, otypes=[np.float64])
    res = 0.5 * x * (1.0 + erf(x.astype(np.float64) / math.sqrt(2.0)))
    return _store(res, x, out)


def exponential(x, out=None):
    return np.exp(x, out=out)


def leaky_relu(x, out=None):
    return _store(np.where(x > 0, x, np.float32(0.2) * x), x, out)


def hard_silu(x, out=None):
    return _store(x * hard_sigmoid_keras3(x), x, out)


def mish(x, out=None):
    return _store(x * np.tanh(np.logaddexp(x, np.float32(0.0))), x, out)


def softmax(x, out=None):
    m = np.max(x, axis=-1, keepdims=True)
    if out is not None and out.dtype == x.dtype:
        # in ``out`` (a Dense's output over a long input's whole sequence: three temporaries
        # of its size held at once took a pass past the memory limit), the same numbers
        e = np.subtract(x, m, out=out)
        np.exp(e, out=e)
        return np.divide(e, np.sum(e, axis=-1, keepdims=True), out=e)
    e = np.exp(x - m)
    return _store(e / np.sum(e, axis=-1, keepdims=True), x, out)


def log_softmax(x, out=None):
    m = np.max(x, axis=-1, keepdims=True)
    if out is not None and out.dtype == x.dtype:  # (in ``out``, as softmax: the same numbers)
        s = np.subtract(x, m, out=out)
        return np.subtract(s, np.log(np.sum(np.exp(s), axis=-1, keepdims=True)), out=s)
    s = x - m
    return _store(s - np.log(np.sum(np.exp(s), axis=-1, keepdims=True)), x, out)


def _store(res, x, out):
    res = np.asarray(res, dtype=x.dtype)
    if out is None:
        return res
    out[...] = res
    return out


_COMMON: dict[str, Activation] = {
    "linear": linear,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "relu6": relu6,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "softsign": softsign,
    "swish": swish,
    "silu": swish,
    "gelu": gelu,
    "exponential": exponential,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "leaky_relu": leaky_relu,
    "hard_silu": hard_silu,
    "hard_swish": hard_silu,
    "mish": mish,
}

SUPPORTED = sorted(set(_COMMON) | {"hard_sigmoid"})

#: The activations whose every output is >= 0 (``Layer.nonnegative``: the Over time view's
#: colours of such a layer's output run from 0 up)
NONNEGATIVE = frozenset({"relu", "relu6", "sigmoid", "hard_sigmoid", "softplus", "exponential", "softmax"})

# Activations that normalise over the last axis (the units) rather than value by value:
# callers that hold a gate as (units, batch) hand these its transpose.
ROWWISE = frozenset({softmax, log_softmax})


def get(name, keras_major: int = 3) -> Activation:
    """The activation Keras ``keras_major`` (1, 2 or 3) means by ``name``.

    ``None`` means linear, like Keras. A dict config (``{"class_name": ...}``) is
    accepted for the plain built-in names.
    """
    if name is None:
        return linear
    if isinstance(name, dict):
        cfg = name.get("config")
        if name.get("class_name") == "function" and isinstance(cfg, str):
            name = cfg  # Keras 3's full form of a built-in (engine.config_check refuses others)
        else:
            name = (cfg.get("name") if isinstance(cfg, dict) else None) or name.get("class_name")
    if not isinstance(name, str):
        raise LstmvizError(f"activation {name!r} is not a name; supported: {', '.join(SUPPORTED)}")
    key = name.lower()
    if key == "hard_sigmoid":
        return hard_sigmoid_keras3 if keras_major >= 3 else hard_sigmoid_keras2
    try:
        return _COMMON[key]
    except KeyError:
        raise LstmvizError(
            f"unknown activation {name!r}; supported: {', '.join(SUPPORTED)}"
        ) from None


def formula(name, keras_major: int = 3) -> str:
    """A short human formula for the equations panel, e.g. 'clip(0.2x + 0.5, 0, 1)'."""
    key = (name or "linear").lower() if isinstance(name, str) else "linear"
    onnx = _ONNX_SPEC.match(name) if isinstance(name, str) else None
    if onnx is not None and onnx.group(1) in _ONNX_FORMULAS:  # an ONNX node's, with its alpha, beta
        return _ONNX_FORMULAS[onnx.group(1)].format(a=onnx.group(2), b=onnx.group(3))
    if key == "hard_sigmoid":
        return "relu6(x + 3) / 6" if keras_major >= 3 else "clip(0.2x + 0.5, 0, 1)"
    return FORMULAS.get(key, key + "(x)")


#: an ONNX node's activation with its parameters ("HardSigmoid(alpha=0.3, beta=0.4)", as
#: ``onnx_layers.activation_specs`` writes them) and what each computes
_ONNX_SPEC = re.compile(r"^([A-Za-z]+)\(alpha=([^,()]+)(?:, beta=([^,()]+))?\)$")
_ONNX_FORMULAS = {
    "Affine": "{a}·x + {b}",
    "LeakyRelu": "x if x ≥ 0, else {a}x",
    "ThresholdedRelu": "x if x > {a}, else 0",
    "ScaledTanh": "{a}·tanh({b}·x)",
    "HardSigmoid": "clip({a}x + {b}, 0, 1)",
    "Elu": "x if x ≥ 0, else {a}·(e^x − 1)",
}

#: what each activation computes, as the Cell view's legend writes it (softmax and
#: log_softmax are not functions of one number: a unit's share of all the units'; no
#: "sigmoid(x)" inside another's formula, where the compact legend writes sigmoid as σ)
FORMULAS = {
    "sigmoid": "1 / (1 + e^-x)",
    "tanh": "tanh(x)",
    "relu": "max(x, 0)",
    "linear": "x",
    "relu6": "min(max(x, 0), 6)",
    "elu": "x if x > 0, else e^x − 1",
    "selu": "1.0507·(x if x > 0, else 1.6733·(e^x − 1))",
    "softplus": "log(1 + e^x)",
    "softsign": "x / (1 + |x|)",
    "swish": "x / (1 + e^-x)",
    "silu": "x / (1 + e^-x)",
    "gelu": "x·Φ(x), Φ the standard normal's distribution function",
    "exponential": "e^x",
    "leaky_relu": "x if x > 0, else 0.2x",
    "hard_silu": "x·relu6(x + 3) / 6",
    "hard_swish": "x·relu6(x + 3) / 6",
    "mish": "x·tanh(log(1 + e^x))",
    "softmax": "e^x / Σ e^x, the sum over the layer's units",
    "log_softmax": "x − log Σ e^x, the sum over the layer's units",
}
