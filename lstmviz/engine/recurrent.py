"""The recurrent cells, stepped one timestep at a time, recording every intermediate.

Each ``run_*`` takes the input already in processing order and time-major,
``xs (T, B, d)``, the initial states ``(B, units)``, an optional mask ``(T, B)``
(True = keep) and the cell's weights in Keras' fused layout, and returns a dict of
time-major arrays ``(T, B, ...)``. The input projection of all steps is one matrix
product; each step then costs one ``h @ U`` and a handful of in-place NumPy calls.

Masked steps follow Keras: the states carry over unchanged; the output is the previous
step's output (zeros before the first), or zeros with ``zero_output_for_mask`` (Keras
sets that inside a Bidirectional that returns sequences).

Equations (Keras' gate orders; ``act``/``rec`` = activation/recurrent_activation):

LSTM, gates i, f, c, o::

    z   = x_t @ W + h_{t-1} @ U + b
    i   = rec(z_i)    f = rec(z_f)    c~ = act(z_c)    o = rec(z_o)
    c_t = f * c_{t-1} + i * c~
    h_t = o * act(c_t)

GRU, gates z, r, h (reset_after=True: bias (2, 3u), input row and recurrent row)::

    z  = rec(x_z + b_z + h_{t-1} @ U_z + b'_z)      r = rec(... r ...)
    h~ = act(x_h + b_h + r * (h_{t-1} @ U_h + b'_h))        (reset_after=True)
    h~ = act(x_h + b_h + (r * h_{t-1}) @ U_h)               (reset_after=False)
    h_t = z * h_{t-1} + (1 - z) * h~

SimpleRNN::

    h_t = act(x_t @ W + h_{t-1} @ U + b)
"""

from __future__ import annotations

import numpy as np


def _input_projection(xs, kernel, bias):
    T, B, d = xs.shape
    xp = np.matmul(xs.reshape(T * B, d), kernel).reshape(T, B, kernel.shape[1])
    if bias is not None:
        xp += bias
    return xp


def _mask_outputs(h_all, mask, zero_output_for_mask):
    """Outputs per step under a mask: h where kept, else previous output or zeros."""
    out = h_all.copy()
    prev = np.zeros_like(h_all[0])
    for t in range(h_all.shape[0]):
        keep = mask[t][:, None]
        if zero_output_for_mask:
            out[t] = np.where(keep, h_all[t], 0.0)
        else:
            out[t] = np.where(keep, h_all[t], prev)
        prev = out[t]
    return out


def _h_prev(h0, h_all):
    """h_{t-1} for every step: the initial state, then the states carried (T, B, u)."""
    return np.concatenate([h0[None], h_all[:-1]], axis=0)


def _projection(a, matrix):
    """``a (T, B, n) @ matrix`` as one matrix product over all steps."""
    T, B, n = a.shape
    return np.matmul(a.reshape(T * B, n), matrix).reshape(T, B, matrix.shape[1])


def run_lstm(xs, h0, c0, kernel, recurrent_kernel, bias, act, rec, mask=None,
             zero_output_for_mask=False):
    """Returns (recorded arrays, lazily derived arrays, outputs, final states).

    ``x_proj`` and ``h_proj`` are not stored while stepping: they are one matrix
    product each over the recorded inputs and states, computed when first asked for.
    """
    T, B, _ = xs.shape
    u = recurrent_kernel.shape[0]
    dt = np.float32
    z = _input_projection(xs, kernel, bias)  # becomes the pre-activations in place
    gates = np.empty((T, B, 4 * u), dt)
    c_all = np.empty((T, B, u), dt)
    h_all = np.empty((T, B, u), dt)
    hu = np.empty((B, 4 * u), dt)
    tmp = np.empty((B, u), dt)
    I, F, G, O = (gates[..., k * u:(k + 1) * u] for k in range(4))
    keep_not = None if mask is None else ~mask[:, :, None]
    h, c = h0, c0
    for t in range(T):
        zt, gt = z[t], gates[t]
        np.matmul(h, recurrent_kernel, out=hu)
        zt += hu
        # the recurrent activation over the whole contiguous row (scalar NumPy ops, 3x
        # cheaper than per-gate vectors), then the candidate's block overwritten
        rec(zt, out=gt)
        if rec is not act:
            act(zt[:, 2 * u:3 * u], out=G[t])
        ct, ht = c_all[t], h_all[t]
        np.multiply(F[t], c, out=ct)
        np.multiply(I[t], G[t], out=tmp)
        ct += tmp
        act(ct, out=ht)
        ht *= O[t]
        if keep_not is not None:
            np.copyto(ct, c, where=keep_not[t])
            np.copyto(ht, h, where=keep_not[t])
        h, c = ht, ct
    recorded = {"pre": z, "i": I, "f": F, "c_tilde": G, "o": O, "c": c_all, "h": h_all}
    derived = {
        "x_proj": lambda: _projection(xs, kernel),
        "h_proj": lambda: _projection(_h_prev(h0, h_all), recurrent_kernel),
    }
    out = h_all if mask is None else _mask_outputs(h_all, mask, zero_output_for_mask)
    return recorded, derived, out, [h_all[-1] if T else h0, c_all[-1] if T else c0]


def run_gru(xs, h0, kernel, recurrent_kernel, bias, act, rec, reset_after, mask=None,
            zero_output_for_mask=False):
    T, B, _ = xs.shape
    u = recurrent_kernel.shape[0]
    dt = np.float32
    if bias is None:
        b_in, b_rec = None, None
    elif reset_after:
        b = bias.reshape(2, 3 * u)
        b_in, b_rec = b[0], b[1]
    else:
        b_in, b_rec = bias, None
    x_proj = _input_projection(xs, kernel, b_in)
    h_proj = np.empty((T, B, 3 * u), dt)
    z = np.empty((T, B, 3 * u), dt)
    gates = np.empty((T, B, 3 * u), dt)
    h_all = np.empty((T, B, u), dt)
    tmp = np.empty((B, u), dt)
    h = h0
    U_zr, U_h = recurrent_kernel[:, :2 * u], recurrent_kernel[:, 2 * u:]
    for t in range(T):
        hp, zt, gt, xp = h_proj[t], z[t], gates[t], x_proj[t]
        if reset_after:
            np.matmul(h, recurrent_kernel, out=hp)
            if b_rec is not None:
                hp += b_rec
            np.add(xp[:, :2 * u], hp[:, :2 * u], out=zt[:, :2 * u])
            rec(zt[:, :2 * u], out=gt[:, :2 * u])
            np.multiply(gt[:, u:2 * u], hp[:, 2 * u:], out=tmp)
            np.add(xp[:, 2 * u:], tmp, out=zt[:, 2 * u:])
        else:
            np.matmul(h, U_zr, out=hp[:, :2 * u])
            np.add(xp[:, :2 * u], hp[:, :2 * u], out=zt[:, :2 * u])
            rec(zt[:, :2 * u], out=gt[:, :2 * u])
            np.multiply(gt[:, u:2 * u], h, out=tmp)
            np.matmul(tmp, U_h, out=hp[:, 2 * u:])
            np.add(xp[:, 2 * u:], hp[:, 2 * u:], out=zt[:, 2 * u:])
        act(zt[:, 2 * u:], out=gt[:, 2 * u:])
        ht = h_all[t]
        # h = z * h_prev + (1 - z) * h~, in Keras' own order of operations
        np.multiply(gt[:, :u], h, out=ht)
        np.subtract(1.0, gt[:, :u], out=tmp)
        tmp *= gt[:, 2 * u:]
        ht += tmp
        if mask is not None:
            np.copyto(ht, h, where=~mask[t][:, None])
        h = ht
    rec_out = {
        "x_proj": x_proj, "h_proj": h_proj, "pre": z,
        "z": gates[..., :u], "r": gates[..., u:2 * u],
        "h_tilde": gates[..., 2 * u:], "h": h_all,
    }
    out = h_all if mask is None else _mask_outputs(h_all, mask, zero_output_for_mask)
    return rec_out, {}, out, [h_all[-1] if T else h0]


def run_simple_rnn(xs, h0, kernel, recurrent_kernel, bias, act, mask=None,
                   zero_output_for_mask=False):
    T, B, _ = xs.shape
    u = recurrent_kernel.shape[0]
    z = _input_projection(xs, kernel, bias)
    h_all = np.empty((T, B, u), np.float32)
    hu = np.empty((B, u), np.float32)
    h = h0
    for t in range(T):
        np.matmul(h, recurrent_kernel, out=hu)
        z[t] += hu
        act(z[t], out=h_all[t])
        if mask is not None:
            np.copyto(h_all[t], h, where=~mask[t][:, None])
        h = h_all[t]
    derived = {
        "x_proj": lambda: _projection(xs, kernel),
        "h_proj": lambda: _projection(_h_prev(h0, h_all), recurrent_kernel),
    }
    out = h_all if mask is None else _mask_outputs(h_all, mask, zero_output_for_mask)
    return {"pre": z, "h": h_all}, derived, out, [h_all[-1] if T else h0]
