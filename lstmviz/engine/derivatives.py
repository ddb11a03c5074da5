"""Derivatives of the activations in ``activations.py``, as TensorFlow's gradients take them.

``grad(fn, z, y, dy)`` is ``dL/dz`` for ``y = fn(z)`` given ``dL/dy``: elementwise
activations multiply ``dy`` by ``fn'(z)`` (taken from ``y`` where that is how TensorFlow
does it: sigmoid ``y(1 - y)``, tanh ``1 - y^2``); ``softmax`` and ``log_softmax`` are the
Jacobian-vector products over the last axis. At kinks the conventions are TensorFlow's:
``relu`` passes ``z > 0``, ``relu6`` and Keras 3's ``hard_sigmoid`` pass the open interval,
``clip_by_value`` (Keras 2's ``hard_sigmoid``) the closed one.
"""

from __future__ import annotations

import math

import numpy as np

from lstmviz.engine import activations as A

_SQRT2 = math.sqrt(2.0)


def _sig(z):
    return A.sigmoid(np.asarray(z, np.float32))


def _hs3_slope(z):
    a = z + np.float32(3.0)
    return ((a > 0) & (a < 6)).astype(z.dtype) / z.dtype.type(6.0)


def _gelu_d(z):
    zd = z.astype(np.float64)
    erf = np.vectorize(math.erf, otypes=[np.float64])
    cdf = 0.5 * (1.0 + erf(zd / _SQRT2))
    pdf = np.exp(-0.5 * zd * zd) / math.sqrt(2.0 * math.pi)
    return (cdf + zd * pdf).astype(z.dtype)


def _mish_d(z):
    sp = np.logaddexp(z, 0.0).astype(z.dtype)
    t = np.tanh(sp)
    return t + z * (1 - t * t) * _sig(z).astype(z.dtype)


def _selu_d(z):
    alpha = z.dtype.type(1.6732632423543772848170429916717)
    scale = z.dtype.type(1.0507009873554804934193349852946)
    return np.where(z > 0, scale, scale * alpha * np.exp(np.minimum(z, 0)))


#: f'(z, y) for the elementwise activations
_SLOPE = {
    A.tanh: lambda z, y: 1 - y * y,
    A.sigmoid: lambda z, y: y * (1 - y),
    A.relu: lambda z, y: (z > 0).astype(y.dtype),
    A.relu6: lambda z, y: ((z > 0) & (z < 6)).astype(y.dtype),
    A.hard_sigmoid_keras3: lambda z, y: _hs3_slope(z),
    A.hard_sigmoid_keras2: lambda z, y: np.where(
        (lambda a: (a >= 0) & (a <= 1))(z * z.dtype.type(0.2) + z.dtype.type(0.5)),
        z.dtype.type(0.2), z.dtype.type(0.0)),
    A.elu: lambda z, y: np.where(z > 0, 1, y + 1).astype(y.dtype),
    A.selu: lambda z, y: _selu_d(z).astype(y.dtype),
    A.softplus: lambda z, y: _sig(z).astype(y.dtype),
    A.softsign: lambda z, y: 1 / (1 + np.abs(z)) ** 2,
    A.swish: lambda z, y: (lambda s: s + z * s * (1 - s))(_sig(z).astype(z.dtype)),
    A.gelu: lambda z, y: _gelu_d(z),
    A.exponential: lambda z, y: y,
    A.leaky_relu: lambda z, y: np.where(z > 0, 1, 0.2).astype(y.dtype),
    A.hard_silu: lambda z, y: A.hard_sigmoid_keras3(z.copy()) + z * _hs3_slope(z),
    A.mish: lambda z, y: _mish_d(z),
}

#: activations whose derivative needs only the output y (no pre-activation kept)
FROM_OUTPUT = frozenset({A.tanh, A.sigmoid, A.linear, A.exponential})


def grad(fn, z, y, dy):
    """``dL/dz`` for ``y = fn(z)``; ``z`` may be None for the ``FROM_OUTPUT`` ones."""
    if fn is A.linear:
        return dy
    if fn is A.softmax:
        return y * (dy - np.sum(dy * y, axis=-1, keepdims=True))
    if fn is A.log_softmax:
        return dy - np.exp(y) * np.sum(dy, axis=-1, keepdims=True)
    slope = _SLOPE.get(fn)
    if slope is None:
        raise KeyError(f"no derivative for activation {getattr(fn, '__name__', fn)!r}")
    return dy * slope(z, y)


def grad_rows(fn, z, y, dy, u):
    """``grad`` for gate blocks held units-major ``(k*u, batch)``: softmax-like activations
    normalise each block over its units (rows), so they see the block transposed."""
    if fn not in A.ROWWISE:
        return grad(fn, z, y, dy)
    out = np.empty_like(dy)
    for k in range(0, dy.shape[0], u):
        sl = slice(k, k + u)
        out[sl] = grad(fn, None if z is None else z[sl].T, y[sl].T, dy[sl].T).T
    return out
