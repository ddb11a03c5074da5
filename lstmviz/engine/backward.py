"""Backpropagation through time for the recurrent cells, mirroring ``recurrent.py``.

Each ``*_backward`` takes what the forward pass recorded (a ``LayerTrace``), the input in
processing order and time-major ``xs (T, B, d)``, the gradient arriving at every step's
state ``h_t`` from the layer's outputs ``dh_out (T, B, u)``, the gradients of the final
states (from ``return_state``), the mask ``(T, B)`` (True = keep) and the layer; it
returns ``(dxs, weight gradients in the layer's weight order, initial-state gradients,
per-step records)``. Each cell kind's description names its step (``CellKind.backward`` in
``cells.py``, which imports them; this module imports nothing of ``cells.py``), and
``recurrent_backward`` calls the layer's ``cell.backward``.

Under a mask a skipped step carries its states unchanged, so its gradient passes straight
to the step before and the cell's own gradient is zero there.

Per-step records (``(B, T, ...)`` in processing order like the forward trace): ``dh`` and
``dc`` are dL/dh_t and dL/dc_t (everything the loss owes to that state, through the
outputs and all later steps); ``dpre`` is dL/d(pre-activation) of each gate, fused in
Keras' gate order like the trace's ``pre``.

LSTM (gates i, f, c~, o; ``a = act``, ``s = rec``), per step from the last::

    dh  = dh_out_t + dh_next            dc = dc_next + dh * o * a'(c_t)
    do  = dh * a(c_t)   di = dc * c~    df = dc * c_{t-1}    dc~ = dc * i
    dz  = [di s'(z_i), df s'(z_f), dc~ a'(z_c), do s'(z_o)]
    dh_next = dz @ U^T    dc_next = dc * f
    dW = sum_t x_t^T dz_t   dU = sum_t h_{t-1}^T dz_t   db = sum_t dz_t   (one product each)

GRU (z, r, h~)::

    dz_g = dh (h_{t-1} - h~)   dh~ = dh (1 - z)   da = dh~ act'(pre_h)
    reset_after:  dr = da * (h_{t-1} U_h + b'_h); dhp = [dz_g s', dr s', da * r]
                  dh_next = dh z + dhp @ U^T
    reset_before: d(r h) = da @ U_h^T; dr = d(r h) * h_{t-1}
                  dh_next = dh z + d(r h) * r + [dz_g s', dr s'] @ U_zr^T

LSTM and GRU step units-major (``(units, batch)`` per step, the layout the forward pass
recorded), so each step is one small matrix product and contiguous elementwise calls; the
weight gradients are one BLAS product over the whole sequence.
"""

from __future__ import annotations

import numpy as np

from lstmviz.engine import activations as A
from lstmviz.engine import derivatives as D
from lstmviz.engine import workspace


def _units_major(a):
    """A trace array (B, T, n) -> (T, n, B) (a view of what the cells stepped)."""
    return a.transpose(1, 2, 0)


def _batch_major(a):
    """(T, n, B) held while stepping -> (B, T, n) like the trace."""
    return a.transpose(2, 0, 1)


def _keep(mask, t):
    """(1, B) float keep factor of step t, or None without a mask."""
    return None if mask is None else mask[t][None, :].astype(np.float32)


def _sum_products(d_all, other):
    """sum_t d_all[t] (n, B) @ other[t] (B, m) -> (n, m), as one product over T*B."""
    T, n, B = d_all.shape
    return np.tensordot(d_all, other, axes=([0, 2], [0, 1]))


def _slope(fn, z, y, out):
    """fn'(z) into ``out``, from its output y (and z where needed), elementwise."""
    if fn is A.sigmoid:
        np.subtract(1.0, y, out=out)
        out *= y
    elif fn is A.tanh:
        np.multiply(y, y, out=out)
        np.subtract(1.0, out, out=out)
    else:
        out[...] = D.grad(fn, z, y, np.ones_like(y))
    return out


def lstm_backward(layer, rec, xs, dh_out, d_final, mask):
    """Units-major BPTT: everything that does not depend on the carried gradients (gate
    slopes, tanh(c), the products each gate's gradient is scaled by) is computed once over
    all steps; each step is then a handful of calls and one product with U."""
    T, B, d = xs.shape
    u = layer.units
    kernel, rkernel = layer.weights[0], layer.weights[1]
    act, ract = layer.act, layer.rec
    if act in A.ROWWISE or ract in A.ROWWISE:
        return _lstm_backward_rowwise(layer, rec, xs, dh_out, d_final, mask)
    gi, gf, gg, go = (_units_major(rec.steps[k]) for k in ("i", "f", "c_tilde", "o"))
    c_all = _units_major(rec.steps["c"])
    c0 = rec.initial_state["c"].T
    h0 = rec.initial_state["h"]
    fast = ract is A.sigmoid and act is A.tanh
    pre = None if fast else _units_major(rec.steps["pre"])

    def z(k):
        return None if pre is None else pre[:, k * u:(k + 1) * u]

    # once over all steps: A = [c~ s'(z_i), c_{t-1} s'(z_f), i a'(z_c)] scales dc into the
    # gradients of i, f, c~; ao = a(c) s'(z_o) scales dh into o's; oa = o a'(c) carries dh to c
    # large arrays come from the workspace: recycled memory, no page faults per update
    scale = workspace.empty((T, 3, u, B))
    slope = workspace.empty((T, u, B))
    np.multiply(gg, _slope(ract, z(0), gi, slope), out=scale[:, 0])
    c_prev = scale[:, 1]
    c_prev[0] = c0
    c_prev[1:] = c_all[:-1]
    c_prev *= _slope(ract, z(1), gf, slope)
    np.multiply(gi, _slope(act, z(2), gg, slope), out=scale[:, 2])
    ac = workspace.empty((T, u, B))
    act(c_all, out=ac)
    ao = workspace.empty((T, u, B))
    np.multiply(ac, _slope(ract, z(3), go, slope), out=ao)
    oa = workspace.empty((T, u, B))
    np.multiply(go, _slope(act, c_all, ac, slope), out=oa)
    del ac, slope
    dz_all = workspace.empty((T, 4 * u, B))  # each step's block contiguous (written per step)
    dh_rec = workspace.empty((T, u, B))
    dc_rec = workspace.empty((T, u, B))
    dh_next = np.zeros((u, B), np.float32) if d_final[0] is None else np.ascontiguousarray(d_final[0].T)
    dc_next = np.zeros((u, B), np.float32) if d_final[1] is None else np.ascontiguousarray(d_final[1].T)
    dh_o = dh_out.transpose(0, 2, 1)
    tmp = np.empty((u, B), np.float32)
    for t in range(T - 1, -1, -1):
        dh, dc = dh_rec[t], dc_rec[t]
        np.add(dh_o[t], dh_next, out=dh)
        keep = _keep(mask, t)
        dhk = dh if keep is None else dh * keep
        np.multiply(dhk, oa[t], out=tmp)
        np.add(dc_next, tmp, out=dc)
        dck = dc if keep is None else dc * keep
        dz = dz_all[t]
        np.multiply(scale[t], dck, out=dz[:3 * u].reshape(3, u, B))
        np.multiply(dhk, ao[t], out=dz[3 * u:])
        np.matmul(rkernel, dz, out=dh_next)
        np.multiply(dck, gf[t], out=dc_next)
        if keep is not None:
            dh_next += dh * (1 - keep)
            dc_next += dc * (1 - keep)
    # (gates, steps x batch): one copy, then each weight gradient is one GEMM
    flat = workspace.empty((4 * u, T, B))
    flat[...] = dz_all.transpose(1, 0, 2)
    flat = flat.reshape(4 * u, T * B)
    # h_{t-1} as (units, steps, batch): rows of the recorded (T, u, B) copied whole
    h_prev = workspace.empty((u, T, B))
    h_prev[:, 0] = h0.T
    h_prev[:, 1:] = _units_major(rec.steps["h"])[:-1].transpose(1, 0, 2)
    grads = [np.ascontiguousarray((flat @ xs.reshape(T * B, d)).T),
             h_prev.reshape(u, T * B) @ flat.T]
    if layer.config["use_bias"]:
        grads.append(flat.sum(axis=1))
    dxs = (kernel @ flat).reshape(d, T, B).transpose(1, 2, 0)  # (T, B, d)
    steps = {"dh": _batch_major(dh_rec), "dc": _batch_major(dc_rec),
             "dpre": _batch_major(dz_all)}
    return dxs, grads, [dh_next.T.copy(), dc_next.T.copy()], steps


def _lstm_backward_rowwise(layer, rec, xs, dh_out, d_final, mask):
    """The plain step-by-step form, for softmax-like (row-wise) activations."""
    T, B, d = xs.shape
    u = layer.units
    kernel, rkernel = layer.weights[0], layer.weights[1]
    act, ract = layer.act, layer.rec
    fast = ract is A.sigmoid and act is A.tanh
    gi, gf, gg, go = (_units_major(rec.steps[k]) for k in ("i", "f", "c_tilde", "o"))
    c_all = _units_major(rec.steps["c"])
    c0 = np.ascontiguousarray(rec.initial_state["c"].T)
    h0 = rec.initial_state["h"]
    pre = None if fast else np.ascontiguousarray(_units_major(rec.steps["pre"]))
    dh_o = np.ascontiguousarray(dh_out.transpose(0, 2, 1))  # (T, u, B)
    dz_all = np.empty((T, 4 * u, B), np.float32)
    dh_rec = np.empty((T, u, B), np.float32)
    dc_rec = np.empty((T, u, B), np.float32)
    dh_next = np.zeros((u, B), np.float32) if d_final[0] is None else np.ascontiguousarray(d_final[0].T)
    dc_next = np.zeros((u, B), np.float32) if d_final[1] is None else np.ascontiguousarray(d_final[1].T)
    ac = np.empty((u, B), np.float32)
    tmp = np.empty((u, B), np.float32)
    for t in range(T - 1, -1, -1):
        dh = dh_rec[t]
        np.add(dh_o[t], dh_next, out=dh)
        keep = _keep(mask, t)
        dhk = dh if keep is None else dh * keep
        c_t = c_all[t]
        i, f, g, o = gi[t], gf[t], gg[t], go[t]
        c_prev = c0 if t == 0 else c_all[t - 1]
        dz = dz_all[t]
        dc = dc_rec[t]
        if fast:
            np.tanh(c_t, out=ac)
            # dc = dc_next + dh * o * (1 - tanh(c)^2)
            np.multiply(ac, ac, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            tmp *= o
            tmp *= dhk
            np.add(dc_next, tmp, out=dc)
        else:
            act(c_t, out=ac)
            np.add(dc_next, D.grad_rows(act, c_t, ac, dhk * o, u), out=dc)
        dck = dc if keep is None else dc * keep
        di, df, dg, do = dz[:u], dz[u:2 * u], dz[2 * u:3 * u], dz[3 * u:]
        np.multiply(dck, g, out=di)
        np.multiply(dck, c_prev, out=df)
        np.multiply(dck, i, out=dg)
        np.multiply(dhk, ac, out=do)
        if fast:
            for gate, dgate in ((i, di), (f, df), (o, do)):
                np.subtract(1.0, gate, out=tmp)
                tmp *= gate
                dgate *= tmp
            np.multiply(g, g, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            dg *= tmp
        else:
            zt = pre[t]
            for k, gate, dgate in ((0, i, di), (1, f, df), (3, o, do)):
                sl = slice(k * u, (k + 1) * u)
                dgate[...] = D.grad_rows(ract, zt[sl], gate, dgate, u)
            dg[...] = D.grad_rows(act, zt[2 * u:3 * u], g, dg, u)
        np.matmul(rkernel, dz, out=dh_next)
        np.multiply(dck, f, out=dc_next)
        if keep is not None:
            dh_next += dh * (1 - keep)
            dc_next += dc * (1 - keep)
    h_prev = np.concatenate([h0[:, None], rec.steps["h"][:, :-1]], axis=1).transpose(1, 0, 2)
    d_kernel = _sum_products(dz_all, xs).T
    d_rkernel = _sum_products(dz_all, h_prev).T
    grads = [np.ascontiguousarray(d_kernel), np.ascontiguousarray(d_rkernel)]
    if layer.config["use_bias"]:
        grads.append(dz_all.sum(axis=(0, 2)))
    dxs = np.matmul(kernel, dz_all).transpose(0, 2, 1)  # (T, B, d)
    steps = {"dh": _batch_major(dh_rec), "dc": _batch_major(dc_rec), "dpre": _batch_major(dz_all)}
    return dxs, grads, [dh_next.T.copy(), dc_next.T.copy()], steps


def gru_backward(layer, rec, xs, dh_out, d_final, mask):
    T, B, d = xs.shape
    u = layer.units
    kernel, rkernel = layer.weights[0], layer.weights[1]
    act, ract = layer.act, layer.rec
    reset_after = bool(layer.config["reset_after"])
    gz, gr, gh = (_units_major(rec.steps[k]) for k in ("z", "r", "h_tilde"))
    pre = _units_major(rec.steps["pre"])
    hp_all = _units_major(rec.steps["h_proj"])
    h_all = _units_major(rec.steps["h"])
    h0 = rec.initial_state["h"]
    h0_t = np.ascontiguousarray(h0.T)
    dh_o = np.ascontiguousarray(dh_out.transpose(0, 2, 1))
    dxp_all = np.empty((T, 3 * u, B), np.float32)
    dhp_all = np.empty((T, 3 * u, B), np.float32) if reset_after else None
    dh_rec = np.empty((T, u, B), np.float32)
    dh_next = np.zeros((u, B), np.float32) if d_final[0] is None else np.ascontiguousarray(d_final[0].T)
    rk_h = np.ascontiguousarray(rkernel[:, 2 * u:])
    rk_zr = np.ascontiguousarray(rkernel[:, :2 * u])
    for t in range(T - 1, -1, -1):
        dh = dh_rec[t]
        np.add(dh_o[t], dh_next, out=dh)
        keep = _keep(mask, t)
        dhk = dh if keep is None else dh * keep
        z, r, hh = gz[t], gr[t], gh[t]
        h_prev = h0_t if t == 0 else h_all[t - 1]
        dxp = dxp_all[t]
        daz, dar, dah = dxp[:u], dxp[u:2 * u], dxp[2 * u:]
        dz_g = dhk * (h_prev - hh)
        dhh = dhk * (1 - z)
        dah[...] = D.grad_rows(act, pre[t][2 * u:], hh, dhh, u)
        daz[...] = D.grad_rows(ract, pre[t][:u], z, dz_g, u)
        if reset_after:
            dr = dah * hp_all[t][2 * u:]
            dar[...] = D.grad_rows(ract, pre[t][u:2 * u], r, dr, u)
            dhp = dhp_all[t]
            dhp[:2 * u] = dxp[:2 * u]
            np.multiply(dah, r, out=dhp[2 * u:])
            np.matmul(rkernel, dhp, out=dh_next)
        else:
            drh = rk_h @ dah
            dr = drh * h_prev
            dar[...] = D.grad_rows(ract, pre[t][u:2 * u], r, dr, u)
            np.matmul(rk_zr, dxp[:2 * u], out=dh_next)
            dh_next += drh * r
        dh_next += dhk * z
        if keep is not None:
            dh_next += dh * (1 - keep)
    h_prev_bm = np.concatenate([h0[:, None], rec.steps["h"][:, :-1]], axis=1).transpose(1, 0, 2)
    d_kernel = np.ascontiguousarray(_sum_products(dxp_all, xs).T)
    if reset_after:
        d_rkernel = np.ascontiguousarray(_sum_products(dhp_all, h_prev_bm).T)
    else:
        rh = (np.asarray(rec.steps["r"]) * np.concatenate(
            [h0[:, None], rec.steps["h"][:, :-1]], axis=1)).transpose(1, 0, 2)
        d_rkernel = np.concatenate([_sum_products(dxp_all[:, :2 * u], h_prev_bm).T,
                                    _sum_products(dxp_all[:, 2 * u:], rh).T], axis=1)
    grads = [d_kernel, d_rkernel]
    if layer.config["use_bias"]:
        db_in = dxp_all.sum(axis=(0, 2))
        grads.append(np.stack([db_in, dhp_all.sum(axis=(0, 2))]) if reset_after else db_in)
    dxs = np.matmul(kernel, dxp_all).transpose(0, 2, 1)
    steps = {"dh": _batch_major(dh_rec), "dpre": _batch_major(dxp_all)}
    return dxs, grads, [dh_next.T.copy()], steps


def simple_rnn_backward(layer, rec, xs, dh_out, d_final, mask):
    T, B, d = xs.shape
    u = layer.units
    kernel, rkernel = layer.weights[0], layer.weights[1]
    act = layer.act
    pre = rec.steps["pre"].transpose(1, 0, 2)  # (T, B, u)
    h_all = rec.steps["h"].transpose(1, 0, 2)
    h0 = rec.initial_state["h"]
    dpre_all = np.empty((T, B, u), np.float32)
    dh_rec = np.empty((T, B, u), np.float32)
    dh_next = np.zeros((B, u), np.float32) if d_final[0] is None else np.array(d_final[0], np.float32)
    for t in range(T - 1, -1, -1):
        dh = dh_rec[t]
        np.add(dh_out[t], dh_next, out=dh)
        keep = None if mask is None else mask[t][:, None].astype(np.float32)
        dhk = dh if keep is None else dh * keep
        y = h_all[t] if keep is None else act(pre[t])  # a skipped step's h is the carried one
        dpre_all[t] = D.grad(act, pre[t], y, dhk)
        dh_next = dpre_all[t] @ rkernel.T
        if keep is not None:
            dh_next += dh * (1 - keep)
    h_prev = np.concatenate([h0[None], h_all[:-1]], axis=0)
    flat = dpre_all.reshape(T * B, u)
    grads = [xs.reshape(T * B, d).T @ flat, h_prev.reshape(T * B, u).T @ flat]
    if layer.config["use_bias"]:
        grads.append(flat.sum(axis=0))
    dxs = dpre_all @ kernel.T
    steps = {"dh": dh_rec.transpose(1, 0, 2), "dpre": dpre_all.transpose(1, 0, 2)}
    return dxs, grads, [dh_next], steps


def unmask_outputs(d_out, mask, zero_output_for_mask):
    """Gradient on each step's state h_t from the gradient on the masked outputs.

    Forward (``recurrent._mask_outputs``): ``out_t = h_t`` where kept, else ``out_{t-1}``
    (zeros before the first) or zeros with ``zero_output_for_mask``. ``d_out`` and the
    result are (T, B, u); ``mask`` is (T, B).
    """
    dh = np.zeros_like(d_out)
    carry = np.zeros_like(d_out[0])
    for t in range(d_out.shape[0] - 1, -1, -1):
        keep = mask[t][:, None]
        total = d_out[t] + carry
        dh[t] = np.where(keep, total, 0.0)
        carry = np.where(keep | zero_output_for_mask, 0.0, total)
    return dh


def recurrent_backward(layer, x, rec, d_outputs):
    """A Recurrent layer's backward pass from the gradients of its outputs.

    ``x`` is the layer's input as given (B, T, d); ``d_outputs`` holds one gradient (or
    None) per output: the sequence or last step, then the final states with
    ``return_state``. Returns (dx, weight gradients, initial-state gradients, records).
    """
    x = np.asarray(x, np.float32)
    B, T = x.shape[0], x.shape[1]
    u = layer.units
    backwards = bool(layer.config["go_backwards"])
    mask = None if rec.mask is None else np.ascontiguousarray(rec.mask.T)  # processing order
    d_seq = np.zeros((T, B, u), np.float32)
    dy = d_outputs[0]
    if dy is not None:
        if layer.config["return_sequences"]:
            d_seq += dy.transpose(1, 0, 2)
        else:
            d_seq[-1] += dy
    if mask is not None:
        d_seq = unmask_outputs(d_seq, mask, layer.zero_output_for_mask)
    n_states = len(layer.state_names)
    d_final = [None] * n_states
    if layer.config["return_state"]:
        d_final = list(d_outputs[1:1 + n_states]) + [None] * (n_states - len(d_outputs[1:]))
    xs = x[:, ::-1] if backwards else x
    xs = np.ascontiguousarray(xs.transpose(1, 0, 2))
    dxs, grads, d_init, steps = layer.cell.backward(layer, rec, xs, d_seq, d_final, mask)
    dx = dxs.transpose(1, 0, 2)
    if backwards:
        dx = dx[:, ::-1]
    return np.ascontiguousarray(dx), grads, d_init, steps
