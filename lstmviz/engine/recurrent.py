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


def run_lstm(xs, h0, c0, kernel, recurrent_kernel, bias, act, rec, mask=None,
             zero_output_for_mask=False):
    T, B, _ = xs.shape
    u = recurrent_kernel.shape[0]
    dt = np.float32
    x_proj = _input_projection(xs, kernel, None)
    z = x_proj + bias if bias is not None else x_proj.copy()
    h_proj = np.empty((T, B, 4 * u), dt)
    gates = np.empty((T, B, 4 * u), dt)
    c_all = np.empty((T, B, u), dt)
    h_all = np.empty((T, B, u), dt)
    tmp = np.empty((B, u), dt)
    h, c = h0, c0
    sig_fused = rec is act  # rare; otherwise apply rec to all and act to the c block
    for t in range(T):
        zt, gt = z[t], gates[t]
        np.matmul(h, recurrent_kernel, out=h_proj[t])
        zt += h_proj[t]
        if sig_fused:
            act(zt, out=gt)
        else:
            rec(zt, out=gt)
            act(zt[:, 2 * u:3 * u], out=gt[:, 2 * u:3 * u])
        ct, ht = c_all[t], h_all[t]
        np.multiply(gt[:, u:2 * u], c, out=ct)
        np.multiply(gt[:, :u], gt[:, 2 * u:3 * u], out=tmp)
        ct += tmp
        act(ct, out=ht)
        ht *= gt[:, 3 * u:]
        if mask is not None:
            keep = mask[t][:, None]
            np.copyto(ct, c, where=~keep)
            np.copyto(ht, h, where=~keep)
        h, c = ht, ct
    rec_out = {
        "x_proj": x_proj, "h_proj": h_proj, "pre": z,
        "i": gates[..., :u], "f": gates[..., u:2 * u],
        "c_tilde": gates[..., 2 * u:3 * u], "o": gates[..., 3 * u:],
        "c": c_all, "h": h_all,
    }
    out = h_all if mask is None else _mask_outputs(h_all, mask, zero_output_for_mask)
    return rec_out, out, [h_all[-1] if T else h0, c_all[-1] if T else c0]


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
    return rec_out, out, [h_all[-1] if T else h0]


def run_simple_rnn(xs, h0, kernel, recurrent_kernel, bias, act, mask=None,
                   zero_output_for_mask=False):
    T, B, _ = xs.shape
    u = recurrent_kernel.shape[0]
    x_proj = _input_projection(xs, kernel, None)
    z = x_proj + bias if bias is not None else x_proj.copy()
    h_proj = np.empty((T, B, u), np.float32)
    h_all = np.empty((T, B, u), np.float32)
    h = h0
    for t in range(T):
        np.matmul(h, recurrent_kernel, out=h_proj[t])
        z[t] += h_proj[t]
        act(z[t], out=h_all[t])
        if mask is not None:
            np.copyto(h_all[t], h, where=~mask[t][:, None])
        h = h_all[t]
    rec_out = {"x_proj": x_proj, "h_proj": h_proj, "pre": z, "h": h_all}
    out = h_all if mask is None else _mask_outputs(h_all, mask, zero_output_for_mask)
    return rec_out, out, [h_all[-1] if T else h0]
