"""The recurrent cells, stepped one timestep at a time, recording every intermediate.

Each ``run_*`` takes the input already in processing order and time-major,
``xs (T, B, d)``, the initial states ``(B, units)``, an optional mask ``(T, B)``
(True = keep) and the cell's weights in Keras' fused layout, and returns a dict of
time-major arrays ``(T, B, ...)``. Each step costs its matrix products and a handful
of in-place NumPy calls; large records are cut from ``workspace`` (memory of dropped
traces, reused without page faults). ``run_lstm`` and ``run_gru`` step units-major
(``(units, batch)`` per step) with each step's products as stacks of small matrix
products: see ``run_lstm``'s docstring.

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

from . import activations, workspace


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
    out = workspace.empty((T * B, matrix.shape[1]))
    np.matmul(a.reshape(T * B, n), matrix, out=out)
    return out.reshape(T, B, matrix.shape[1])


def _row_block(rows: int, inner: int, batch: int) -> int:
    """Rows per block for ``(rows, inner) @ (inner, batch)`` as a stack of small products.

    OpenBLAS multiplies small matrices without packing them first; measured here
    (scripts/bench_engine.py), blocks of at most 2**19 multiply-adds run the recurrent
    product of a 256-unit LSTM at batch 32 in 21 ms per 200 steps instead of 31 ms. It
    loses for wide batches and tiny blocks, so those keep one product (``rows``).
    """
    r = rows
    while r % 2 == 0 and r * inner * batch > 2 ** 19:
        r //= 2
    if r == rows or batch > 32 or r < 32:
        return rows
    return r


def _to_batch_major(a):
    """Units-major ``(T, rows, B)`` as held while stepping -> the batch-major
    ``(T, B, rows)`` view a trace hands out."""
    return a.transpose(0, 2, 1)


def _input_columns(kernel_rows, bias_rows, xs):
    """``(W, xa)`` with ``W @ xa[t] == x_t @ kernel + bias``: the kernel as rows
    ``(k*units, d)`` with the bias as one more column, and every ``x_t`` as columns
    ``(T, d + 1, B)`` over a row of ones (so one small product adds the bias too)."""
    T, B, d = xs.shape
    W = np.zeros((kernel_rows.shape[0], d + 1), np.float32)
    W[:, :d] = kernel_rows
    if bias_rows is not None:
        W[:, d] = bias_rows
    xa = np.empty((T, d + 1, B), np.float32)
    xa[:, :d] = xs.transpose(0, 2, 1)
    xa[:, d] = 1.0
    return W, xa


def _apply(fn, z, out, u):
    """``fn`` over gate blocks held as (units, batch): softmax-like ones see units last."""
    if fn in activations.ROWWISE:
        for k in range(0, z.shape[0], u):
            fn(z[k:k + u].T, out=out[k:k + u].T)
    else:
        fn(z, out=out)


def run_lstm(xs, h0, c0, kernel, recurrent_kernel, bias, act, rec, mask=None,
             zero_output_for_mask=False):
    """Returns (recorded arrays, lazily derived arrays, outputs, final states).

    Stepping holds every array units-major, ``(units, batch)`` per step, with the gates
    in the order i, f, o, c~ so the recurrent activation covers one contiguous block:
    each step's two products (``x_t`` with a row of ones for the bias, and ``h_{t-1}``)
    are stacks of small matrix products (see ``_row_block``), and every elementwise call
    runs over contiguous memory. With Keras' default activations the sigmoid gates'
    weight columns are halved (exact in floating point), so one ``tanh`` over the whole
    step gives ``tanh(z/2)`` for i, f, o and ``tanh(z)`` for c~, and
    ``sigmoid(z) = 0.5 + 0.5 tanh(z/2)`` is two scalar calls.
    The arrays handed back are (T, B, ...) views in Keras' order; ``pre`` (recorded as
    held) is put in Keras' order and scale when first asked for, and ``x_proj`` and
    ``h_proj`` are computed then.
    """
    T, B, d = xs.shape
    u = recurrent_kernel.shape[0]
    dt = np.float32
    order = np.r_[0:2 * u, 3 * u:4 * u, 2 * u:3 * u]  # Keras i f c o -> i f o c
    fused = rec is activations.sigmoid and act is activations.tanh
    scale = np.ones(4 * u, dt)
    if fused:
        scale[:3 * u] = 0.5
    r = _row_block(4 * u, u, B)
    U = np.ascontiguousarray((recurrent_kernel[:, order] * scale).T).reshape(-1, r, u)
    W, xa = _input_columns((kernel[:, order] * scale).T,
                           None if bias is None else bias[order] * scale, xs)
    W = W.reshape(-1, r, d + 1)
    gates = workspace.empty((T, 4 * u, B))
    c_all = workspace.empty((T, u, B))
    h_all = workspace.empty((T, u, B))
    pre_all = workspace.empty((T, 4 * u, B))  # the sums, as held (see keras_order)
    hu = np.empty((4 * u, B), dt)
    hu_blocks = hu.reshape(-1, r, B)
    tmp = np.empty((u, B), dt)
    keep_not = None if mask is None else ~mask
    h0_t = np.ascontiguousarray(h0.T)
    h, c = h0_t, np.ascontiguousarray(c0.T)
    for t in range(T):
        gt, z = gates[t], pre_all[t]
        np.matmul(W, xa[t], out=z.reshape(-1, r, B))
        np.matmul(U, h, out=hu_blocks)
        z += hu
        if fused:
            np.tanh(z, out=gt)
            sig = gt[:3 * u]
            sig *= 0.5
            sig += 0.5
        else:
            _apply(rec, z[:3 * u], gt[:3 * u], u)
            _apply(act, z[3 * u:], gt[3 * u:], u)
        ct, ht = c_all[t], h_all[t]
        np.multiply(gt[u:2 * u], c, out=ct)
        np.multiply(gt[:u], gt[3 * u:], out=tmp)
        ct += tmp
        _apply(act, ct, ht, u)
        ht *= gt[2 * u:3 * u]
        if keep_not is not None:
            np.copyto(ct, c, where=keep_not[t])
            np.copyto(ht, h, where=keep_not[t])
        h, c = ht, ct

    def keras_order(a):  # (T, 4u, B) held i f o c~, sigmoid rows halved -> (T, B, 4u)
        out = workspace.empty((T, B, 4 * u))
        for k, j in enumerate((0, 1, 3, 2)):  # Keras gate k is held as block j
            np.multiply(_to_batch_major(a[:, j * u:(j + 1) * u]), 1.0 / scale[j * u],
                        out=out[..., k * u:(k + 1) * u])
        return out

    def h_proj():
        # the steps' own small products again, so the same sums to the last bit
        h_prev = np.concatenate([h0_t[None], h_all[:-1]])
        h_part = workspace.empty((T, 4 * u, B))
        np.matmul(U[None], h_prev[:, None], out=h_part.reshape(T, -1, r, B))
        return keras_order(h_part)

    g = [_to_batch_major(gates[:, j * u:(j + 1) * u]) for j in range(4)]
    h_seq, c_seq = _to_batch_major(h_all), _to_batch_major(c_all)
    recorded = {"i": g[0], "f": g[1], "c_tilde": g[3], "o": g[2], "c": c_seq, "h": h_seq}
    derived = {
        "pre": lambda: keras_order(pre_all),
        "x_proj": lambda: _projection(xs, kernel),
        "h_proj": h_proj,
    }
    out = h_seq if mask is None else _mask_outputs(h_seq, mask, zero_output_for_mask)
    return recorded, derived, out, [h_seq[-1] if T else h0, c_seq[-1] if T else c0]


def run_gru(xs, h0, kernel, recurrent_kernel, bias, act, rec, reset_after, mask=None,
            zero_output_for_mask=False):
    """Stepped units-major like ``run_lstm`` (gates z, r, h~ in Keras' order, each step's
    products as stacks of small ones, the input bias as a column against a row of ones);
    every intermediate is recorded while stepping and handed back as (T, B, ...) views."""
    T, B, d = xs.shape
    u = recurrent_kernel.shape[0]
    dt = np.float32
    if bias is None:
        b_in, b_rec = None, None
    elif reset_after:
        b = bias.reshape(2, 3 * u)
        b_in, b_rec = b[0], b[1][:, None]
    else:
        b_in, b_rec = bias, None
    r = _row_block(3 * u, d + 1, B)
    W, xa = _input_columns(kernel.T, b_in, xs)
    W = W.reshape(-1, r, d + 1)
    UT = np.ascontiguousarray(recurrent_kernel.T)  # (3u, u)

    def blocks(rows: int):
        k = _row_block(rows, u, B)
        return lambda a: a.reshape(-1, k, a.shape[-1])

    if reset_after:
        by_all = blocks(3 * u)
        U_all = by_all(UT)
    else:
        by_zr, by_h = blocks(2 * u), blocks(u)
        U_zr, U_h = by_zr(UT[:2 * u]), by_h(UT[2 * u:])
    x_proj = workspace.empty((T, 3 * u, B))
    h_proj = workspace.empty((T, 3 * u, B))
    pre = workspace.empty((T, 3 * u, B))
    gates = workspace.empty((T, 3 * u, B))
    h_all = workspace.empty((T, u, B))
    tmp = np.empty((u, B), dt)
    keep_not = None if mask is None else ~mask
    h = np.ascontiguousarray(h0.T)
    for t in range(T):
        xp, hp, zt, gt = x_proj[t], h_proj[t], pre[t], gates[t]
        np.matmul(W, xa[t], out=xp.reshape(-1, r, B))
        if reset_after:
            np.matmul(U_all, h, out=by_all(hp))
            if b_rec is not None:
                hp += b_rec
            np.add(xp[:2 * u], hp[:2 * u], out=zt[:2 * u])
            _apply(rec, zt[:2 * u], gt[:2 * u], u)
            np.multiply(gt[u:2 * u], hp[2 * u:], out=tmp)
            np.add(xp[2 * u:], tmp, out=zt[2 * u:])
        else:
            np.matmul(U_zr, h, out=by_zr(hp[:2 * u]))
            np.add(xp[:2 * u], hp[:2 * u], out=zt[:2 * u])
            _apply(rec, zt[:2 * u], gt[:2 * u], u)
            np.multiply(gt[u:2 * u], h, out=tmp)
            np.matmul(U_h, tmp, out=by_h(hp[2 * u:]))
            np.add(xp[2 * u:], hp[2 * u:], out=zt[2 * u:])
        _apply(act, zt[2 * u:], gt[2 * u:], u)
        ht = h_all[t]
        # h = z * h_prev + (1 - z) * h~, in Keras' own order of operations
        np.multiply(gt[:u], h, out=ht)
        np.subtract(1.0, gt[:u], out=tmp)
        tmp *= gt[2 * u:]
        ht += tmp
        if keep_not is not None:
            np.copyto(ht, h, where=keep_not[t])
        h = ht

    h_seq = _to_batch_major(h_all)
    rec_out = {
        "x_proj": _to_batch_major(x_proj), "h_proj": _to_batch_major(h_proj), "pre": _to_batch_major(pre),
        "z": _to_batch_major(gates[:, :u]), "r": _to_batch_major(gates[:, u:2 * u]),
        "h_tilde": _to_batch_major(gates[:, 2 * u:]), "h": h_seq,
    }
    out = h_seq if mask is None else _mask_outputs(h_seq, mask, zero_output_for_mask)
    return rec_out, {}, out, [h_seq[-1] if T else h0]


def run_simple_rnn(xs, h0, kernel, recurrent_kernel, bias, act, mask=None,
                   zero_output_for_mask=False):
    T, B, _ = xs.shape
    u = recurrent_kernel.shape[0]
    z = _input_projection(xs, kernel, bias)
    h_all = workspace.empty((T, B, u))
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
