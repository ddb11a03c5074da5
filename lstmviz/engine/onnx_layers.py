"""Layers for ONNX graphs: the LSTM / GRU / RNN operators and the ops around them.

An ONNX recurrent node becomes ``OnnxLSTM`` / ``OnnxGRU`` / ``OnnxRNN`` (one direction,
itself the engine's ``LSTM`` / ``GRU`` / ``SimpleRNN``, so every view traces it) or
``OnnxBidirectional`` (a ``Bidirectional`` of two such halves). Their weights are held in
Keras' layout and gate order, as the views show them, with what Keras cannot express kept
exactly as the file has it:

- LSTM: ONNX gates i, o, f, c -> Keras i, f, c, o; ``kernel = W.T`` (d, 4u),
  ``recurrent_kernel = R.T`` (u, 4u), ``bias`` (2, 4u) = [Wb, Rb] (input row, recurrent
  row: the two halves the file holds), ``peephole`` (3, u) rows i, f, o (ONNX: i, o, f);
- GRU: gates z, r, h (the same order as Keras), ``bias`` (2, 3u) = [Wb, Rb];
  ``linear_before_reset=1`` is Keras' ``reset_after=True``; with 0 the recurrent bias of
  h is added after the product: ``h~ = g(x W_h + Wb_h + (r * h) U_h + Rb_h)``;
- RNN: ``bias`` (2, u) = [Wb, Rb], ``h = f(x W + Wb + h U + Rb)``.

Options Keras has not (off for Keras files, since Keras files never reach these layers):
``activation`` (g), ``recurrent_activation`` (f) and, for LSTM, ``output_activation``
(h) as ONNX activation specs (``"LeakyRelu(alpha=0.1)"``); ``clip`` (the pre-activations
of every gate are clamped to [-clip, clip] after the biases and peepholes are added, as
onnxruntime does); ``input_forget`` (f = 1 - i); peepholes::

    i = f(clip(x W_i + h U_i + P_i * c_{t-1} + b_i))      f: the same with P_f
    c~ = g(clip(x W_c + h U_c + b_c))      c_t = f * c_{t-1} + i * c~
    o = f(clip(x W_o + h U_o + P_o * c_t + b_o))          h_t = o * h(c_t)

``sequence_lens`` masks the steps past each sample's length (states carried, outputs 0;
the reverse direction starts at the sample's last valid step), as ONNX defines it.
Trace records keep Keras' names; ``x_proj`` holds ``x W + Wb`` and ``h_proj``
``h U + Rb`` (for GRU with linear_before_reset=0: ``(r * h) U_h + Rb_h`` in the h block),
``p_proj`` the peephole terms, and ``pre`` what the activations got (after ``clip``).
"""

from __future__ import annotations

import re

import numpy as np

from lstmviz.engine import activations, onnx_ops, onnx_time, workspace
from lstmviz.engine.cells import EquationTemplate
from lstmviz.engine.conv import WindowReads, chunk_steps_of
from lstmviz.engine.layers import (
    GRU,
    LAYER_FAMILIES,
    LSTM,
    Bidirectional,
    Layer,
    Recurrent,
    SimpleRNN,
    fmt_shape,
    twice,
)
from lstmviz.engine.recurrent import (
    CHUNK,
    _keyframe_outputs,
    _mask_outputs,
    _projection,
    run_gru,
    run_lstm,
    run_simple_rnn,
)
from lstmviz.engine.step_equations import conv_equations, pool_equations
from lstmviz.engine.trace import LayerTrace
from lstmviz.errors import LstmvizError, is_number, is_whole, within_float32
from lstmviz.text import plural

# ------------------------------------------------------------------ activations

#: ONNX activation -> (number of alphas, number of betas, default alpha, default beta)
ONNX_ACTIVATIONS = {
    "Relu": (0, 0, None, None), "Tanh": (0, 0, None, None), "Sigmoid": (0, 0, None, None),
    "Affine": (1, 1, 1.0, 0.0), "LeakyRelu": (1, 0, 0.01, None),
    "ThresholdedRelu": (1, 0, 1.0, None), "ScaledTanh": (1, 1, 1.0, 1.0),
    "HardSigmoid": (1, 1, 0.2, 0.5), "Elu": (1, 0, 1.0, None), "Softsign": (0, 0, None, None),
    "Softplus": (0, 0, None, None),
}
_PLAIN = {"Relu": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "Softsign": "softsign",
          "Softplus": "softplus"}
_SPEC = re.compile(r"^([A-Za-z]+)(?:\(alpha=([-+0-9.eE]+|inf|nan)(?:, beta=([-+0-9.eE]+|inf|nan))?\))?$")


def _num(v) -> str:
    """The shortest text that reads back as the same float32 (``0.3``, not 0.30000001...)."""
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def activation_specs(names: list[str], alphas: list[float], betas: list[float],
                     count: int, defaults: list[str]) -> list[str]:
    """The activations of one direction as spec strings: ``tanh`` for the plain ones,
    ``LeakyRelu(alpha=0.1)`` for those with parameters (alphas and betas are consumed in
    order by the activations that take them, as onnxruntime reads them)."""
    out = []
    for name in names:
        canon = next((k for k in ONNX_ACTIVATIONS if k.lower() == str(name).lower()), None)
        if canon is None:
            raise LstmvizError(f"ONNX activation {name!r} is not one of "
                               f"{', '.join(ONNX_ACTIVATIONS)}")
        na, nb, da, db = ONNX_ACTIVATIONS[canon]
        if na == 0:
            out.append(_PLAIN[canon])
            continue
        a = alphas.pop(0) if alphas else da
        spec = f"{canon}(alpha={_num(_parameter(canon, 'alpha', a))}"
        if nb:
            b = betas.pop(0) if betas else db
            spec += f", beta={_num(_parameter(canon, 'beta', b))}"
        out.append(spec + ")")
    return out


def finite32(value) -> bool:
    """Whether ``value`` is a number (not a bool) float32 holds as a finite one: what ONNX's
    float attributes of a recurrent node (``clip``, ``activation_alpha``/``_beta``) must be
    here (NaN made every number NaN, infinity or 1e39 every product infinite or NaN)."""
    return is_number(value) and bool(within_float32(value))


def clip_fault(clip) -> str | None:
    """What is wrong with a recurrent node's ``clip`` (None: none given, or a positive
    finite number, ONNX's threshold the gates' pre-activations are clamped to)."""
    if clip is None or (finite32(clip) and clip > 0):
        return None
    return "not a positive finite number (ONNX's clip threshold)"


def _parameter(activation: str, which: str, value):
    """An activation's alpha or beta from a file (``activation_specs``), refused unless a
    finite number (``finite32``)."""
    if not finite32(value):
        raise LstmvizError(f"its activation {activation}'s {which} is {str(value)[:20]!r}, not a finite number")
    return value


def activation_fault(spec) -> str | None:
    """What is wrong with an activation spec in a node's config (None: a Keras activation's
    name, for ``activations.get`` to take or refuse, or an ONNX one as ``activation_specs``
    writes it: its alpha and beta where it takes them, none where it does not, each a finite
    number). A session's hand-edited 'LeakyRelu(alpha=nan)' made every number NaN,
    'ScaledTanh(alpha=1)' (no beta) a TypeError, 'LeakyRelu(alpha=-.)' NumPy's ValueError."""
    if not isinstance(spec, str):
        return None
    m = _SPEC.match(spec.strip())
    if m is None or m.group(1) not in ONNX_ACTIVATIONS:
        return None
    name, alpha, beta = m.groups()
    na, nb = ONNX_ACTIVATIONS[name][:2]
    if (alpha is not None) != bool(na) or (beta is not None) != bool(nb):
        takes = "alpha and beta" if nb else "alpha" if na else "no alpha or beta"
        return f"takes {takes}"
    for which, text in (("alpha", alpha), ("beta", beta)):
        if text is None:
            continue
        try:
            value = float(text)
        except ValueError:
            return f"has {which} {text[:20]!r}, not a number"
        if not finite32(value):
            return f"has {which} {text[:20]}, not a finite number"
    return None


def onnx_activation(spec):
    """The function an activation spec names (see ``activation_specs``)."""
    if not isinstance(spec, str):
        return activations.get(spec)
    m = _SPEC.match(spec.strip())
    if m is None or m.group(1) not in ONNX_ACTIVATIONS:
        return activations.get(spec)
    name = m.group(1)
    a = np.float32(m.group(2)) if m.group(2) else None
    b = np.float32(m.group(3)) if m.group(3) else None

    def store(res, x, out):
        res = np.asarray(res, dtype=np.float32)
        if out is None:
            return res
        out[...] = res
        return out

    if name == "Affine":
        return lambda x, out=None: store(a * x + b, x, out)
    if name == "LeakyRelu":
        return lambda x, out=None: store(np.where(x >= 0, x, a * x), x, out)
    if name == "ThresholdedRelu":
        return lambda x, out=None: store(np.where(x > a, x, np.float32(0)), x, out)
    if name == "ScaledTanh":
        return lambda x, out=None: store(a * np.tanh(b * x), x, out)
    if name == "HardSigmoid":
        return lambda x, out=None: store(np.clip(a * x + b, 0, 1), x, out)
    if name == "Elu":
        return lambda x, out=None: store(np.where(x >= 0, x, a * np.expm1(np.minimum(x, 0))), x, out)
    return activations.get(_PLAIN[name])


# ------------------------------------------------------------------ general steppers

def _clip(z, clip):
    if clip is not None:
        np.clip(z, -clip, clip, out=z)
    return z


def _steps(T: int, record: bool, on_chunk):
    """The time loop of the three runners: (t, j) for each step, ``j`` the slot its
    intermediates go to (t, or 0 where ``record`` is off: one step's buffers); after each
    ``CHUNK`` of steps, ``on_chunk(steps done)``."""
    for t in range(T):
        yield t, (t if record else 0)
        if on_chunk is not None and (t + 1) % CHUNK == 0:
            on_chunk(t + 1)


def _keyframe(keyframes, t: int, **states) -> None:
    """Before step ``t``: where it is a multiple of ``keyframes.every``, the states going
    into it (by name: h, c) kept as that keyframe."""
    if keyframes is not None and keyframes.every and t % keyframes.every == 0:
        for key, value in states.items():
            keyframes.states[key][t // keyframes.every] = value


def run_lstm_onnx(xs, h0, c0, kernel, recurrent_kernel, b_in, b_rec, peep, f, g, h_act,
                  clip, input_forget, mask=None, *, record=True, keyframes=None, on_chunk=None,
                  **_kw):
    """An LSTM step by step with peepholes, clip, input_forget and three activations
    (module docstring); returns what ``recurrent.run_lstm`` returns, in Keras' order.
    ``record=False``, ``keyframes`` and ``on_chunk`` as ``run_lstm`` takes them (a keyframe
    pass: every step makes the same calls on arrays of the same shapes, one product per
    step, so a window from a keyframe makes the very numbers of a whole run; without
    ``record`` each step's intermediates are written over one step's buffers, the outputs
    kept)."""
    T, B, d = xs.shape
    u = recurrent_kernel.shape[0]
    x_proj = _projection(xs, kernel).copy()
    if b_in is not None:
        x_proj += b_in
    names = ("i", "f", "c_tilde", "o", "c", "h")
    n = T if record else 1  # (steps the intermediates keep)
    rec = {k: np.empty((T if k == "h" else n, B, u), np.float32) for k in names}
    pre = np.empty((n, B, 4 * u), np.float32)
    h_proj = np.empty((n, B, 4 * u), np.float32)
    p_proj = np.zeros((n, B, 4 * u), np.float32) if peep is not None else None
    h, c = h0, c0
    for t, j in _steps(T, record, on_chunk):
        _keyframe(keyframes, t, h=h, c=c)
        hp = h_proj[j]
        np.matmul(h, recurrent_kernel, out=hp)
        if b_rec is not None:
            hp += b_rec
        z = pre[j]
        np.add(x_proj[t], hp, out=z)
        zi, zf, zc, zo = (z[:, k * u:(k + 1) * u] for k in range(4))
        if peep is not None:
            p_proj[j, :, :u] = peep[0] * c
            p_proj[j, :, u:2 * u] = peep[1] * c
            zi += p_proj[j, :, :u]
            zf += p_proj[j, :, u:2 * u]
        i = f(_clip(zi, clip))
        if input_forget:
            fg = np.float32(1.0) - i
        else:
            fg = f(_clip(zf, clip))
        ct = g(_clip(zc, clip))
        cn = fg * c + i * ct
        if peep is not None:
            p_proj[j, :, 3 * u:] = peep[2] * cn
            zo += p_proj[j, :, 3 * u:]
        o = f(_clip(zo, clip))
        hn = o * h_act(cn)
        if mask is not None:
            keep = mask[t][:, None]
            cn = np.where(keep, cn, c)
            hn = np.where(keep, hn, h)
        for key, v in zip(names, (i, fg, ct, o, cn, hn)):
            rec[key][t if key == "h" else j] = v
        h, c = rec["h"][t], rec["c"][j]
    out = rec["h"] if mask is None else _mask_outputs(rec["h"], mask, True)
    final = [rec["h"][-1] if T else h0, c]
    _keyframe_outputs(keyframes, out, None, T)
    if not record:
        return {}, {}, out, final
    rec["pre"] = pre
    derived = {"x_proj": lambda: x_proj, "h_proj": lambda: h_proj}
    if p_proj is not None:  # the peephole terms: P_i*c_{t-1}, P_f*c_{t-1}, 0, P_o*c_t
        derived["p_proj"] = lambda: p_proj
    return rec, derived, out, final


def run_gru_onnx(xs, h0, kernel, recurrent_kernel, b_in, b_rec, f, g, linear_before_reset,
                 clip, mask=None, *, record=True, keyframes=None, on_chunk=None, **_kw):
    """A GRU step by step with clip and ONNX's bias halves (module docstring); ``record``,
    ``keyframes``, ``on_chunk`` as ``run_lstm_onnx`` takes them."""
    T, B, d = xs.shape
    u = recurrent_kernel.shape[0]
    x_proj = _projection(xs, kernel).copy()
    if b_in is not None:
        x_proj += b_in
    names = ("z", "r", "h_tilde", "h")
    n = T if record else 1  # (steps the intermediates keep, as run_lstm_onnx's)
    rec = {k: np.empty((T if k == "h" else n, B, u), np.float32) for k in names}
    pre = np.empty((n, B, 3 * u), np.float32)
    h_proj = np.empty((n, B, 3 * u), np.float32)
    h = h0
    for t, j in _steps(T, record, on_chunk):
        _keyframe(keyframes, t, h=h)
        hp, z = h_proj[j], pre[j]
        if linear_before_reset:
            np.matmul(h, recurrent_kernel, out=hp)
            if b_rec is not None:
                hp += b_rec
        else:
            np.matmul(h, recurrent_kernel[:, :2 * u], out=hp[:, :2 * u])
            if b_rec is not None:
                hp[:, :2 * u] += b_rec[:2 * u]
        np.add(x_proj[t, :, :2 * u], hp[:, :2 * u], out=z[:, :2 * u])
        zr = f(_clip(z[:, :2 * u], clip))
        zg, r = zr[:, :u], zr[:, u:]
        if linear_before_reset:
            z[:, 2 * u:] = x_proj[t, :, 2 * u:] + r * hp[:, 2 * u:]
        else:
            np.matmul(r * h, recurrent_kernel[:, 2 * u:], out=hp[:, 2 * u:])
            if b_rec is not None:
                hp[:, 2 * u:] += b_rec[2 * u:]
            np.add(x_proj[t, :, 2 * u:], hp[:, 2 * u:], out=z[:, 2 * u:])
        ht = g(_clip(z[:, 2 * u:], clip))
        hn = (np.float32(1.0) - zg) * ht + zg * h
        if mask is not None:
            hn = np.where(mask[t][:, None], hn, h)
        for key, v in zip(names, (zg, r, ht, hn)):
            rec[key][t if key == "h" else j] = v
        h = rec["h"][t]
    out = rec["h"] if mask is None else _mask_outputs(rec["h"], mask, True)
    final = [rec["h"][-1] if T else h0]
    _keyframe_outputs(keyframes, out, None, T)
    if not record:
        return {}, {}, out, final
    rec["pre"] = pre
    rec["x_proj"], rec["h_proj"] = x_proj, h_proj
    return rec, {}, out, final


def run_rnn_onnx(xs, h0, kernel, recurrent_kernel, b_in, b_rec, f, clip, mask=None, *,
                 record=True, keyframes=None, on_chunk=None, **_kw):
    """An RNN step by step with clip and ONNX's bias halves; ``record``, ``keyframes``,
    ``on_chunk`` as ``run_lstm_onnx`` takes them."""
    T, B, d = xs.shape
    u = recurrent_kernel.shape[0]
    x_proj = _projection(xs, kernel).copy()
    if b_in is not None:
        x_proj += b_in
    n = T if record else 1  # (steps the intermediates keep, as run_lstm_onnx's)
    pre = np.empty((n, B, u), np.float32)
    h_proj = np.empty((n, B, u), np.float32)
    hs = np.empty((T, B, u), np.float32)
    h = h0
    for t, j in _steps(T, record, on_chunk):
        _keyframe(keyframes, t, h=h)
        np.matmul(h, recurrent_kernel, out=h_proj[j])
        if b_rec is not None:
            h_proj[j] += b_rec
        np.add(x_proj[t], h_proj[j], out=pre[j])
        # (pre: the activation's input, clipped, as the LSTM and GRU record it)
        hn = f(_clip(pre[j], clip).copy())
        if mask is not None:
            hn = np.where(mask[t][:, None], hn, h)
        hs[t] = hn
        h = hs[t]
    out = hs if mask is None else _mask_outputs(hs, mask, True)
    final = [hs[-1] if T else h0]
    _keyframe_outputs(keyframes, out, None, T)
    if not record:
        return {}, {}, out, final
    return {"pre": pre, "h": hs, "x_proj": x_proj, "h_proj": h_proj}, {}, out, final


# ------------------------------------------------------------------ recurrent nodes

SLOT_NAMES = ("X", "sequence_lens", "initial_h", "initial_c")


def _const(spec):
    """A constant held in a config: {"dtype": ONNX type, "shape": [...], "data": [...]}."""
    dt = onnx_ops.DTYPES.get(int(spec["dtype"]), np.float32)
    return np.asarray(spec["data"], dtype=dt).reshape(spec["shape"])


# -- a node's config, checked when its layer is built ------------------------------------------
# The ONNX reader writes these configs from a graph it has run (on zeros) already; a session
# (``.lstmviz``) brings them back from its manifest, a stranger's JSON: an opset of "x", a
# slot that names no constant, an attribute that is a list where the op takes a number were
# Python's ValueError, KeyError and TypeError from ``Model.trace`` (and the window's "cannot be
# shown (ValueError: invalid literal for int() ...)"). Refused here, in the layer's name.

#: the largest size, index or count a node's config may give (``errors.is_whole``)
MOST = 2 ** 62


def _const_fault(spec) -> str | None:
    """What is wrong with a constant's spec (None: it decodes to an array)."""
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data"}:
        return 'is not an object of "dtype", "shape" and "data"'
    if not is_whole(spec["dtype"], 0, MOST) or int(spec["dtype"]) not in onnx_ops.DTYPES:
        return f"has the ONNX data type {str(spec['dtype'])[:20]!r}, which lstmviz does not compute with"
    shape, data = spec["shape"], spec["data"]
    if not (isinstance(shape, list) and len(shape) <= 64 and all(is_whole(d, 0, MOST) for d in shape)):
        return "has a shape that is not a list of at most 64 whole numbers"
    if not (isinstance(data, list) and all(is_number(v) or isinstance(v, bool) for v in data)):
        return "has data that is not a flat list of numbers"
    n = 1
    for d in shape:
        n *= d
    if n != len(data):
        return f"holds {len(data):,} values where its shape needs {n:,}"
    return None


def _shapes_fault(value, sizes_known: bool) -> bool:
    """Whether ``value`` is not a list of shapes (lists of whole numbers, or of None too
    where ``sizes_known`` is False)."""
    return not (value is None or (isinstance(value, list) and len(value) <= 1024 and all(
        isinstance(s, list) and len(s) <= 64 and all(is_whole(d, 0, MOST) or (d is None and not sizes_known) for d in s)
        for s in value)))


def _attr_fault(value) -> bool:
    """Whether ``value`` is not an ONNX attribute's value as the reader writes it: a number,
    a text, a list of numbers or of texts, or a constant (``_const_fault``)."""
    if is_number(value) or isinstance(value, str):
        return False
    if isinstance(value, list):
        return not (all(is_number(v) for v in value) or all(isinstance(v, str) for v in value))
    return _const_fault(value) is not None


#: the keys of a recurrent node's config (and of its ``backward`` half's) naming activations
ACTIVATION_KEYS = ("recurrent_activation", "activation", "output_activation")


def check_node_config(name: str, op: str, config: dict, recurrent: bool) -> None:
    """Refuse (LstmvizError naming the layer) a node's config whose parts are not of the
    kinds the ONNX reader writes: the constants, the slots, for a recurrent one its sizes,
    layout, clip (``clip_fault``) and activations, a bidirectional one's backward half's
    too (``activation_fault``), and for another op its opset, attributes and shapes. A file's
    node and a session's kept one alike (each layer is built through it)."""
    what = f"layer '{name}' (ONNX {op})"
    consts = config.get("consts")
    if consts is not None and not isinstance(consts, dict):
        raise LstmvizError(f"{what}: its constants are not an object")
    for key, spec in (consts or {}).items():
        fault = _const_fault(spec)
        if fault:
            raise LstmvizError(f"{what}: its constant {str(key)[:40]!r} {fault}")
    slots = config.get("slots", ["X"] if recurrent else None)
    if recurrent:
        if not (isinstance(slots, list) and slots[:1] == ["X"] and len(set(slots)) == len(slots)
                and all(s in SLOT_NAMES for s in slots)):
            raise LstmvizError(f"{what}: its inputs are not named from {', '.join(SLOT_NAMES)}, X first")
        if any(k not in SLOT_NAMES for k in consts or {}):
            raise LstmvizError(f"{what}: a constant is given for an input it does not have")
        for key in ("input_size", "units"):
            if not is_whole(config.get(key), 1, MOST):
                raise LstmvizError(f"{what}: its {key} is {str(config.get(key))[:20]!r}, not a positive whole number")
        if not is_whole(config.get("layout", 0), 0, 1):
            raise LstmvizError(f"{what}: its layout is {str(config.get('layout'))[:20]!r}, not 0 or 1")
        clip = config.get("clip")
        if clip_fault(clip):
            raise LstmvizError(f"{what}: its clip is {str(clip)[:20]!r}, {clip_fault(clip)}")
        backward = config.get("backward")  # (a bidirectional node's second half's activations)
        if backward is not None and not (isinstance(backward, dict) and set(backward) <= set(ACTIVATION_KEYS)):
            raise LstmvizError(f"{what}: its backward half is not an object of its activations "
                               f"({', '.join(ACTIVATION_KEYS)})")
        for half, cfg in (("", config), ("backward half's ", backward or {})):
            for key in ACTIVATION_KEYS:
                fault = activation_fault(cfg.get(key))
                if fault:
                    raise LstmvizError(f"{what}: its {half}{key} {str(cfg[key])[:40]!r} {fault}")
        return
    slots = [] if slots is None else slots  # (a layer made in code may give none: an op of no inputs)
    ok_slots = isinstance(slots, list) and len(slots) <= 64 and all(
        isinstance(s, list) and s and (
            (s[0] in ("in", "weight") and len(s) == 2 and is_whole(s[1], 0, 1023))
            or (s[0] == "const" and len(s) == 2 and s[1] in (consts or {}))
            or s == ["none"])
        for s in slots)
    if not ok_slots:
        raise LstmvizError(f"{what}: its inputs are not a list of its graph inputs, weights and constants")
    opset = config.get("opset", 17)
    if not is_whole(opset, 1, onnx_ops.MAX_OPSET):  # (the file's reader refuses any other)
        raise LstmvizError(f"{what}: its opset is {str(opset)[:20]!r}, not one lstmviz computes "
                           f"(a whole number from 1 to {onnx_ops.MAX_OPSET})")
    attrs = config.get("attrs")
    if attrs is not None and not isinstance(attrs, dict):
        raise LstmvizError(f"{what}: its attributes are not an object")
    for key, value in (attrs or {}).items():
        if _attr_fault(value):
            raise LstmvizError(f"{what}: its attribute {str(key)[:40]!r} is not a number, a text, "
                               "a list of either or a constant")
    if (_shapes_fault(config.get("output_shapes"), False) or _shapes_fault(config.get("weight_shapes"), True)
            or config.get("output_shapes", [()]) in ([], None)):  # (an op makes one output at least)
        raise LstmvizError(f"{what}: its output or weight shapes are not lists of sizes")
    weights = len(config.get("weight_shapes") or [])
    named = [s[1] for s in slots or [] if s[0] == "weight"]
    if named and max(named) >= weights:
        raise LstmvizError(f"{what}: an input names weight array {max(named)}, and it has {weights}")


def node_inputs(layer, inputs) -> dict:
    """The ONNX node's inputs by name: tensors fed through the graph, then constants."""
    got = dict(zip(layer.config.get("slots", ["X"]), inputs))
    for name, spec in (layer.config.get("consts") or {}).items():
        got[name] = _const(spec)
    return got


class OnnxRecurrentMixin:
    """One direction of an ONNX recurrent node (see the module docstring)."""

    onnx_op = "RNN"

    def _setup(self, name, config, keras_major):
        Layer.__init__(self, name, config, keras_major, None)
        check_node_config(name, self.onnx_op, self.config, recurrent=True)
        self.config["return_sequences"] = True
        self.config["return_state"] = True
        self.config["zero_output_for_mask"] = True
        self.units = int(self.config["units"])
        if self.units < 1:
            raise LstmvizError(f"layer '{name}' (ONNX {self.onnx_op}): hidden_size must be at least 1")
        self.zero_output_for_mask = True
        self.states = None
        self.act = onnx_activation(self.config.get("activation", "tanh"))
        self.rec = onnx_activation(self.config.get("recurrent_activation", "sigmoid"))
        self.out_act = onnx_activation(self.config.get("output_activation",
                                                       self.config.get("activation", "tanh")))
        clip = self.config.get("clip")
        self.clip = None if clip is None else np.float32(clip)

    # -- weights -------------------------------------------------------------------------
    def weight_specs(self, input_shapes):
        d, ku, u = int(self.config["input_size"]), self.k * self.units, self.units
        specs = [("kernel", (d, ku), "glorot_uniform"),
                 ("recurrent_kernel", (u, ku), "orthogonal")]
        if self.config.get("use_bias", True):
            specs.append(("bias", (2, ku), "zeros"))
        if self.config.get("peepholes"):
            specs.append(("peephole", (3, u), "zeros"))
        return specs

    def _halves(self):
        if not self.config.get("use_bias", True):
            return None, None
        b = self.weights[2]
        return b[0], b[1]

    def count_params(self):
        return int(sum(w.size for w in self.weights))

    def param_formula(self):
        d, u, k = self.weights[0].shape[0], self.units, self.k
        terms, nums = ["d·u", "u·u"], [f"{d}·{u}", f"{u}·{u}"]
        if self.config.get("use_bias", True):
            terms.append("2u")
            nums.append(f"2·{u}")
        inner = f"{k}·({' + '.join(terms)})" if k > 1 else " + ".join(terms)
        num = f"{k}·({' + '.join(nums)})" if k > 1 else " + ".join(nums)
        if self.config.get("peepholes"):
            inner += " + 3u"
            num += f" + 3·{u}"
        return f"{inner} = {num} = {self.count_params():,}"

    def gate_blocks(self):
        blocks = {}
        u = self.units
        for wname, w in self.named_weights().items():
            if wname == "peephole":
                for g, letter in enumerate("ifo"):
                    blocks[f"peephole_{letter}"] = w[g]
                continue
            if self.k == 1:
                blocks[wname] = w
                continue
            for g, letter in enumerate(self.gates):
                blocks[f"{wname}_{letter}"] = w[..., g * u:(g + 1) * u]
        return blocks

    def describe(self):
        c = self.config
        bits = [plural(self.units, "unit"), f"ONNX {self.onnx_op}"]
        if c.get("go_backwards"):
            bits.append("reverse")
        for key in ("clip", "input_forget", "peepholes"):
            if c.get(key):
                bits.append(key if key != "clip" else f"clip {c['clip']:g}")
        if not c.get("use_bias", True):
            bits.append("no bias")
        if c.get("file_layout"):  # where the file's own layout differs from what is shown
            bits.append(f"({c['file_layout']})")
        return ", ".join(bits)

    # -- running -------------------------------------------------------------------------
    def direction_call(self, x_bm, mask, init):
        """Run over ``x_bm`` (batch, time, d) in input order; returns (Y (B, T, u) in input
        order, final states, record)."""
        outs, _, record = Recurrent.call(self, [x_bm], [mask], init)
        y = outs[0]
        if self.config.get("go_backwards"):
            y = y[:, ::-1]
        return np.ascontiguousarray(y), outs[1:], record

    def compute_output_shapes(self, input_shapes):
        return _node_output_shapes(self, input_shapes, 1)

    def call(self, inputs, masks, initial_state=None):
        x_bm, mask, inits = prepare_node(self, node_inputs(self, inputs), 1)
        y, finals, record = self.direction_call(x_bm, mask, inits[0])
        return _node_outputs(self, [y], [finals], record)


def _node_output_shapes(layer, input_shapes, dirs):
    s = tuple(input_shapes[0]) if input_shapes else ()
    if len(s) != 3:  # (unknown: the reader writes [] for a shape its dry runs did not see)
        s = (None, None, None)
    layout = int(layer.config.get("layout", 0))
    T, B = (s[0], s[1]) if layout == 0 else (s[1], s[0])
    u = layer.units
    if layout == 0:
        shapes = [(T, dirs, B, u), (dirs, B, u)]
    else:
        shapes = [(B, T, dirs, u), (B, dirs, u)]
    if layer.onnx_op == "LSTM":
        shapes.append(shapes[1])
    return shapes


def prepare_node(layer, got, dirs, copy: bool = True):
    """(x as (batch, time, d), the mask from sequence_lens, [initial states per direction]);
    ``copy=False``: x a view where the node's layout is time-major (a keyframe pass copies
    a stretch at a time)."""
    x = np.asarray(got["X"], dtype=np.float32)
    name = f"layer '{layer.name}' (ONNX {layer.onnx_op})"
    if x.ndim != 3:
        raise LstmvizError(f"{name} needs a 3-D input, gets {fmt_shape(x.shape)}")
    layout = int(layer.config.get("layout", 0))
    x_bm = x.transpose(1, 0, 2) if layout == 0 else x
    if copy:
        x_bm = np.ascontiguousarray(x_bm)
    B, T, d = x_bm.shape
    if d != int(layer.config["input_size"]):
        raise LstmvizError(f"{name} needs {plural(layer.config['input_size'], 'input feature')}, gets {d}")
    mask = None
    lens = got.get("sequence_lens")
    if lens is not None:
        lens = np.asarray(lens).reshape(-1).astype(np.int64)
        if lens.shape != (B,) or lens.min(initial=0) < 0 or lens.max(initial=0) > T:
            raise LstmvizError(f"{name}: sequence_lens {lens.tolist()[:8]} does not fit batch "
                               f"{B} and {plural(T, 'step')}")
        mask = np.arange(T)[None, :] < lens[:, None]
        if mask.all():
            mask = None
    u = layer.units
    inits = []
    for k in range(dirs):
        states = []
        for key in ("initial_h", "initial_c")[:2 if layer.onnx_op == "LSTM" else 1]:
            s = got.get(key)
            if s is None:
                states.append(np.zeros((B, u), np.float32))
                continue
            s = np.asarray(s, dtype=np.float32)
            if s.ndim != 3 or s.shape[layout] != dirs:  # (a session's graph input of another rank
                # was NumPy's IndexError "too many indices for array")
                need = (dirs, B, u) if layout == 0 else (B, dirs, u)
                raise LstmvizError(f"{name}: {key} has shape {fmt_shape(s.shape)}, needs {fmt_shape(need)}")
            s = s[k] if layout == 0 else s[:, k]
            if s.shape != (B, u):
                raise LstmvizError(f"{name}: {key} has shape {fmt_shape(s.shape)} per direction, "
                                   f"needs {fmt_shape((B, u))}")
            states.append(np.ascontiguousarray(s))
        inits.append(states)
    return x_bm, mask, inits


def node_arrays(layer, ys, finals) -> list:
    """Y, Y_h (, Y_c) in the node's layout from each direction's (B, T, u) outputs in
    input order and final states (``finals`` None: Y alone)."""
    layout = int(layer.config.get("layout", 0))
    y = np.stack(ys, axis=2)                           # (B, T, dirs, u)
    if layout == 0:
        y = np.ascontiguousarray(y.transpose(1, 2, 0, 3))
    if finals is None:
        return [y]
    states = [np.stack([f[k] for f in finals], axis=1) for k in range(len(finals[0]))]  # (B, dirs, u)
    if layout == 0:
        states = [np.ascontiguousarray(s.transpose(1, 0, 2)) for s in states]
    return [y] + states


def _node_outputs(layer, ys, finals, record):
    """Y, Y_h (, Y_c) in the node's layout from each direction's (B, T, u) and states."""
    outputs = node_arrays(layer, ys, finals)
    return outputs, [None] * len(outputs), LayerTrace(
        layer.name, layer.class_name, outputs, steps=record.steps,
        initial_state=record.initial_state, mask=record.mask,
        go_backwards=record.go_backwards, children=record.children)


class OnnxLSTM(OnnxRecurrentMixin, LSTM):
    onnx_op = "LSTM"
    class_name = "onnx.LSTM"

    def __init__(self, name, config=None, keras_major=3, class_name=None):
        self._setup(name, config, keras_major)

    def _run(self, xs, states, mask, **kw):
        """As ``LSTM._run`` (``kw``: a keyframe pass's or a window's ``record``,
        ``keyframes``, ``prev_out``, ``on_chunk``, ``prepared``)."""
        b_in, b_rec = self._halves()
        peep = self.weights[3] if self.config.get("peepholes") else None
        c = self.config
        same = c.get("output_activation", c.get("activation")) == c.get("activation")
        if peep is None and self.clip is None and not c.get("input_forget") and same:
            bias = None if b_in is None else (b_in + b_rec)
            recorded, derived, out, final = run_lstm(
                xs, states[0], states[1], self.weights[0], self.weights[1], bias,
                self.act, self.rec, mask, True, **kw)
            if b_in is not None and kw.get("record", True):  # the projections as the file splits them
                xp, hp = derived["x_proj"], derived["h_proj"]
                derived = dict(derived, x_proj=lambda: xp() + b_in, h_proj=lambda: hp() + b_rec)
            return recorded, derived, out, final
        return run_lstm_onnx(xs, states[0], states[1], self.weights[0], self.weights[1],
                             b_in, b_rec, peep, self.rec, self.act, self.out_act, self.clip,
                             bool(c.get("input_forget")), mask, **kw)


class OnnxGRU(OnnxRecurrentMixin, GRU):
    onnx_op = "GRU"
    class_name = "onnx.GRU"

    def __init__(self, name, config=None, keras_major=3, class_name=None):
        self._setup(name, config, keras_major)
        self.config["reset_after"] = bool(self.config.get("linear_before_reset", 0))

    def _run(self, xs, states, mask, **kw):
        b_in, b_rec = self._halves()
        lbr = bool(self.config.get("linear_before_reset", 0))
        if self.clip is None and lbr:
            bias = None if b_in is None else np.stack([b_in, b_rec])
            return run_gru(xs, states[0], self.weights[0], self.weights[1], bias, self.act,
                           self.rec, True, mask, True, **kw)
        return run_gru_onnx(xs, states[0], self.weights[0], self.weights[1], b_in, b_rec,
                            self.rec, self.act, lbr, self.clip, mask, **kw)

    def describe(self):
        return super().describe() + f", linear_before_reset={int(bool(self.config.get('linear_before_reset', 0)))}"


class OnnxRNN(OnnxRecurrentMixin, SimpleRNN):
    onnx_op = "RNN"
    class_name = "onnx.RNN"

    def __init__(self, name, config=None, keras_major=3, class_name=None):
        self._setup(name, config, keras_major)

    def _run(self, xs, states, mask, **kw):
        b_in, b_rec = self._halves()
        if self.clip is None:
            recorded, derived, out, final = run_simple_rnn(
                xs, states[0], self.weights[0], self.weights[1],
                None if b_in is None else b_in + b_rec, self.act, mask, True, **kw)
            if b_in is not None and kw.get("record", True):
                xp, hp = derived["x_proj"], derived["h_proj"]
                derived = dict(derived, x_proj=lambda: xp() + b_in, h_proj=lambda: hp() + b_rec)
            return recorded, derived, out, final
        return run_rnn_onnx(xs, states[0], self.weights[0], self.weights[1], b_in, b_rec,
                            self.act, self.clip, mask, **kw)


HALVES = {"LSTM": OnnxLSTM, "GRU": OnnxGRU, "RNN": OnnxRNN}


class OnnxBidirectional(Bidirectional):
    """An ONNX recurrent node with ``direction="bidirectional"``: two halves, each with its
    own activations (the first and second half of the node's ``activations``)."""

    def __init__(self, name, config=None, keras_major=3, class_name=None):
        Layer.__init__(self, name, config, keras_major, class_name)
        op = self.config["op"]
        self.onnx_op = op
        self.class_name = f"onnx.{op}"
        check_node_config(name, op, self.config, recurrent=True)  # (its slots and constants: the halves get neither)
        half = {k: v for k, v in self.config.items()
                if k not in ("backward", "slots", "consts", "direction", "op", "name", "merge_mode")}
        fcfg = dict(half)
        bcfg = dict(half, **(self.config.get("backward") or {}), go_backwards=True)
        self.forward_layer = HALVES[op](f"{name}/forward", fcfg, keras_major)
        self.backward_layer = HALVES[op](f"{name}/backward", bcfg, keras_major)
        self.merge_mode = None

    @property
    def units(self):
        return self.forward_layer.units

    def compute_output_shapes(self, input_shapes):
        return _node_output_shapes(self, input_shapes, 2)

    def param_formula(self):
        return twice(self.forward_layer.param_formula(), self.count_params())

    def describe(self):
        return f"{self.forward_layer.describe()}, bidirectional"

    def call(self, inputs, masks, initial_state=None):
        x_bm, mask, inits = prepare_node(self, node_inputs(self, inputs), 2)
        yf, ff, rf = self.forward_layer.direction_call(x_bm, mask, inits[0])
        yb, fb, rb = self.backward_layer.direction_call(x_bm, mask, inits[1])
        record = LayerTrace(self.name, self.class_name, [], children={"forward": rf, "backward": rb},
                            mask=mask)
        outputs, out_masks, rec = _node_outputs(self, [yf, yb], [ff, fb], record)
        return outputs, out_masks, rec


# ------------------------------------------------------------------ other ops

class OnnxOp(Layer):
    """Any other supported ONNX node, evaluated by ``onnx_ops.evaluate``.

    config: ``op``, ``attrs``, ``opset``, ``slots`` (per ONNX input: ``["in", k]`` =
    inbound tensor k, ``["weight", k]`` = weight k, ``["const", key]`` = ``consts[key]``,
    ``["none"]`` = omitted), ``consts`` and ``output_shapes`` (None = a size known only
    when run). Weights are the float initializers the op computes with (MatMul's matrix,
    Add's bias, ...): the parameters the file holds.
    """

    passes_mask = False

    def __init__(self, name, config=None, keras_major=3, class_name=None):
        super().__init__(name, config, keras_major, class_name)
        self.op = self.config["op"]
        self.class_name = f"onnx.{self.op}"
        check_node_config(name, self.op, self.config, recurrent=False)
        #: Moves or reshapes data, or computes ids or sizes (``indices``: an op that makes
        #: no float, such as the Add and Mul of an Embedding's index check): views draw no
        #: row for it.
        self.glue = self.op in onnx_ops.GLUE_OPS or bool(self.config.get("indices"))
        self._consts = {k: _const(v) for k, v in (self.config.get("consts") or {}).items()}

    #: ops whose every output number is >= 0 whatever they read (a Relu's, torch's nn.ReLU
    #: between a Conv and a pool)
    NONNEGATIVE_OPS = frozenset({"Relu", "Sigmoid", "Softmax", "Abs", "Exp"})
    #: ops whose output numbers are some of their first input's (moved, picked, the largest
    #: of a window) or a mean of them: >= 0 where that input's are
    SIGN_KEEPING_OPS = frozenset({"Identity", "Transpose", "Reshape", "Squeeze", "Unsqueeze", "Flatten",
                                  "Gather", "Slice", "MaxPool", "AveragePool", "ReduceMax", "ReduceMean"})

    def nonnegative(self, inputs: list[bool]) -> bool:
        """Whether every number of its output is >= 0 (``Layer.nonnegative``): a Relu's,
        Sigmoid's, Softmax's; a Transpose's, a MaxPool's or AveragePool's of such numbers
        (its first input's: the data; the others an index, a shape)."""
        if self.op in self.NONNEGATIVE_OPS:
            return True
        return self.op in self.SIGN_KEEPING_OPS and bool(inputs) and bool(inputs[0])

    def along_steps(self, axis: int) -> bool:
        """A Softmax or LogSoftmax over ``axis`` (``Layer.along_steps``: its input's steps
        there, a share of every step's numbers; ONNX's own one axis, from opset 13; before
        it, the input flattened to two axes at its ``axis``, 1 by default, each share over
        every axis from it: over (N, T, F) of axis 1, T*F numbers, every step's): a long
        input's pass holds its whole output, as a Keras Softmax(axis=1)'s. Where the steps
        are before the flattened axes each share is one step's (off the time axis)."""
        shape = self.input_shapes[0] if self.input_shapes else None
        if self.op not in ("Softmax", "LogSoftmax") or shape is None:
            return False
        attrs = self.config.get("attrs") or {}
        if int(self.config.get("opset", 17)) < 13:
            return axis >= int(attrs.get("axis", 1)) % len(shape)
        return int(attrs.get("axis", -1)) % len(shape) == axis

    def reads_every_step(self, axis: int) -> bool:
        """Its sum over the steps: each step's share reads them all (``along_steps``)."""
        return self.along_steps(axis)

    def weight_specs(self, input_shapes):
        return [(f"{self.op.lower()}_{k}", tuple(s), "zeros")
                for k, s in enumerate(self.config.get("weight_shapes") or [])]

    def compute_output_shapes(self, input_shapes):
        return [tuple(s) for s in self.config.get("output_shapes") or [()]]

    def describe(self):
        attrs = {k: v for k, v in (self.config.get("attrs") or {}).items() if k != "value"}
        return self.op + (" " + ", ".join(f"{k}={v}" for k, v in attrs.items()) if attrs else "")

    def call(self, inputs, masks, initial_state=None, window: tuple | None = None,
             cut: dict[int, tuple[int, int, int]] | None = None):
        """The op over its inputs; ``window``, (the length a graph fixes, the op's own steps,
        a window's steps[, its first input's time axis]): a long input's window of a graph of a
        fixed sequence length (``onnx_time.fixed_length``), a constant shape naming the length
        given the window's (``onnx_time.window_shape``), the declared time axis of its own steps holding the
        window's (fewer after a pool of strides); ``cut``, {input: (axis, a, b)}: a constant
        holding the graph's steps (``onnx_time.spans``) given its steps a..b-1, the window's."""
        args = []
        for k, slot in enumerate(self.config.get("slots") or []):
            kind = slot[0]
            if kind == "in":
                args.append(inputs[slot[1]])
            elif kind in ("weight", "const") and cut and k in cut:
                v = self.weights[slot[1]] if kind == "weight" else self._consts[slot[1]]
                axis, a, b = cut[k]
                args.append(v[(slice(None),) * axis + (slice(a, b),)])
            elif kind == "weight":
                args.append(self.weights[slot[1]])
            elif kind == "const":
                v = self._consts[slot[1]]
                args.append(v if window is None else onnx_time.window_shape(
                    self, k, v, window[0], window[2], window[3] if len(window) > 3 else None))
            else:
                args.append(None)
        try:
            outs = onnx_ops.evaluate(self.op, self.config.get("attrs") or {}, args,
                                     int(self.config.get("opset", 17)))
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as err:
            # (an attribute of a kind check_node_config takes but this op does not: an axis
            # given as a list, a perm as a number; its ops say each fault of the data itself)
            named = ", ".join(sorted(map(str, self.config.get("attrs") or {})))[:80] or "none"
            raise LstmvizError(f"layer '{self.name}' (ONNX {self.op}) cannot be computed with its "
                               f"attributes ({named}) and inputs: they are not what ONNX gives this op") from err
        declared = self.config.get("output_shapes") or []
        if self.op in onnx_ops.OPTIONAL_OUTPUTS:  # (those the node names)
            outs = outs[:max(1, len(declared))]
        if declared and len(outs) != len(declared):
            raise LstmvizError(f"layer '{self.name}' (ONNX {self.op}) makes {plural(len(outs), 'output')} where "
                               f"the model declares {len(declared)}")
        for k, (out, want) in enumerate(zip(outs, declared)):
            got = np.shape(out)  # (the layers after it were built for the declared shapes)
            if len(got) != len(want) or any(w is not None and w != g and (window is None or (w, g) != window[1:3])
                                             for w, g in zip(want, got)):
                raise LstmvizError(f"layer '{self.name}' (ONNX {self.op}) makes its output {k} of shape "
                                   f"{fmt_shape(got)} where the model declares {fmt_shape(tuple(want))}")
        return outs, [None] * len(outs), LayerTrace(self.name, self.class_name, outs)


class OnnxWindowOp(WindowReads, OnnxOp):
    """An ONNX Conv, MaxPool or AveragePool over one axis (``onnx_ops.WINDOW_OPS``):
    channels first, (N, C, L), as a Keras Conv1D of ``data_format="channels_first"``; its
    output step t reads the input steps ``read_steps`` gives (the Unrolled view's links).
    Over a long input it has its own steps where it changes them (strides > 1, pads giving
    fewer or more steps than it reads: ``steps_out``, ``stride``, ``engine/windows._clocks``),
    and a window of its output steps reads the input steps they reach (``reads_of``,
    ``window``), as ``conv._OverSteps`` does for Keras' Conv1D and poolings: which steps
    a window reads said once for both, ``conv.WindowReads`` (``reads_at``, ``reads_of``,
    ``read_index``, ``chunks_read``), from this node's ``pads``, ``stride``, ``dilation``
    and ``taps``."""

    channels_first = True

    @property
    def own_clock(self) -> bool:
        """Steps of its own, whatever its strides and pads (``Layer.own_clock``)."""
        return True

    @property
    def _attrs(self) -> dict:
        return self.config.get("attrs") or {}

    def kernel_taps(self) -> int:
        """The window's taps: ``kernel_shape``, else the Conv kernel's last axis."""
        shapes = []
        for slot in self.config.get("slots") or []:
            if slot[0] == "weight":
                shapes.append(tuple(np.shape(self.weights[slot[1]])) if self.weights else
                              tuple((self.config.get("weight_shapes") or [()])[slot[1]]))
            elif slot[0] == "const":
                shapes.append(tuple(np.shape(self._consts[slot[1]])))
            else:
                shapes.append(())
        return onnx_ops.window_kernel(self.op, self._attrs, shapes[1:2])

    @property
    def stride(self) -> int:
        """Input steps between two output steps' windows (``strides``; 1 without)."""
        (s,) = self._attrs.get("strides") or [1]
        return int(s)

    @property
    def span(self) -> int:
        """Input steps one window covers: its taps ``dilation`` apart."""
        return (self.kernel_taps() - 1) * self.dilation + 1

    def pads(self, steps: int) -> tuple[int, int]:
        """(zeros before, zeros after) over an input of ``steps`` steps (``pads`` or
        ``auto_pad``: SAME_UPPER / SAME_LOWER depend on the steps)."""
        b, e, _, _, _ = onnx_ops.window_of(self.op, self._attrs, steps, self.kernel_taps())
        return b, e

    def steps_out(self, steps: int) -> int:
        """Output steps of an input of ``steps`` steps, as the node computes them
        (``onnx_ops.window_of``: pads, auto_pad, strides, dilations, ceil_mode)."""
        return onnx_ops.window_of(self.op, self._attrs, steps, self.kernel_taps())[4]

    def out_steps(self, steps: int | None) -> int | None:
        """``steps_out``, None where the steps are not known."""
        return None if steps is None else self.steps_out(steps)

    def read_steps(self, steps: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """(output steps, taps): the input step each tap of each output step reads, -1 in
        the padding (``onnx_ops.window_steps``); output steps ``lo .. hi-1`` alone where
        given (a long input's window)."""
        return onnx_ops.window_steps(self.op, self._attrs, self.kernel_taps(), int(steps), lo, hi)

    def changes_steps(self) -> str:
        """How the node changes the steps, in a user's words ("" where it keeps them:
        strides 1, pads giving as many steps as it reads; ``onnx_ops.changes_steps``)."""
        return onnx_ops.changes_steps(self.op, self._attrs, self.kernel_taps())

    @property
    def keeps_steps(self) -> bool:
        """As many output steps as input steps, output step t reading the input steps around
        t (``reach``), as ``conv._OverSteps.keeps_steps`` says of Keras' layers."""
        try:
            return not self.changes_steps()
        except LstmvizError:
            return False

    def reach(self) -> tuple[int, int]:
        """(before, after): output step t of a node that ``keeps_steps`` reads input steps
        ``t - before .. t + after`` (its pads)."""
        return onnx_ops.window_reach(self.op, self._attrs, self.kernel_taps())

    # -- one step, as the Cell view's step page shows it (``app/step_ref.py``) ------------
    @property
    def taps(self) -> int:
        """The window's taps (``kernel_taps``), as ``conv._OverSteps.taps``."""
        return self.kernel_taps()

    @property
    def kernel_size(self) -> int:
        """A Conv's taps, as ``conv.Conv1D.kernel_size``."""
        return self.kernel_taps()

    @property
    def dilation(self) -> int:
        """Input steps between two taps (``dilations``; 1 without)."""
        (d,) = self._attrs.get("dilations") or [1]
        return int(d)

    @property
    def groups(self) -> int:
        """A Conv's ``group``: filter f reads channels ``g·C/group ..`` of its group g."""
        return int(self._attrs.get("group", 1))

    @property
    def TAKES(self) -> str:  # noqa: N802 (named as ``conv._Pooling1D.TAKES``, which the page reads)
        """What a pool takes of a window's numbers ("max", "mean"); "" for a Conv."""
        return {"MaxPool": "max", "AveragePool": "mean"}.get(self.op, "")

    def weight_of(self, k: int) -> np.ndarray | None:
        """The node's input ``k`` where it is one of its weights (a Conv's kernel 1, bias 2),
        else None (absent, or a tensor computed by the graph)."""
        slots = self.config.get("slots") or []
        if k < len(slots) and slots[k][0] == "weight" and self.weights:
            return np.asarray(self.weights[slots[k][1]])
        return None

    def counted(self, step: int, steps: int) -> int:
        """The taps an AveragePool's output step ``step`` divides by: those reading the
        input, and its pads too with ``count_include_pad`` (not the steps past them that
        ceil_mode adds), as ``onnx_ops.window_part`` divides (onnxruntime's count)."""
        b, e = self.pads(steps)
        at = int(step) * self.stride + np.arange(self.taps) * self.dilation - b
        lo, hi = (-b, steps + e) if int(self._attrs.get("count_include_pad", 0)) else (0, steps)
        return int(((at >= lo) & (at < hi)).sum())

    def equations(self, steps: int, reads: list[bool] | None = None,
                  count: int | None = None) -> list[EquationTemplate]:
        """What one output number at a step is, as the Cell view prints it, over an input of
        ``steps`` steps: a Conv's ``y_t[f] = Σₖ W[f,:,k]·x_{2t+k-1} + b[f]`` (the file's
        kernel (M, C / group, k); no activation: a Relu is a node of its own; fields
        ``{w0}``, ``{w1}`` ... each tap's product, ``{b}``, ``{y}``), a MaxPool's largest
        or an AveragePool's mean of a channel over the taps that read a step (``reads``;
        ``count`` the taps it divides by, ``counted``; fields ``{x0}`` ..., ``{sum}``,
        ``{y}``): ``step_equations``' forms, Keras' Conv1D's and poolings' alike."""
        index = self.read_index(steps)
        if self.op == "Conv":
            config = {"activation": "linear", "use_bias": self.weight_of(2) is not None}
            return conv_equations(config, index, self.kernel_size, self.groups, kernel="W[f,:,k]")
        reads = [True] * self.taps if reads is None else list(reads)
        padded = self.pads(steps) != (0, 0) or int(self._attrs.get("ceil_mode", 0))
        include = self.op == "AveragePool" and int(self._attrs.get("count_include_pad", 0))
        note = ("the padding not read" + (" but counted: count_include_pad" if include else "")) if padded else ""
        # (count_include_pad: n the taps on the input or its pads, every tap's where not given)
        return pool_equations(self.TAKES, index, self.taps, reads, note,
                              (self.taps if count is None else count) if include else None)

    def window_words(self, steps: int) -> list[str]:
        """Its window in the file's words, for the step page's line: "kernel 3", "strides
        2", "dilations 2", "pads [1, 1]" (as it pads an input of ``steps``: auto_pad's
        too), "ceil_mode", "group 2"."""
        words = [f"kernel {self.taps}"]
        words += [f"strides {self.stride}"] if self.stride > 1 else []
        words += [f"dilations {self.dilation}"] if self.dilation > 1 else []
        b, e = self.pads(steps)
        auto = self._attrs.get("auto_pad", "NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else str(auto)
        words += ([f"pads [{b}, {e}]" + (f" ({auto})" if auto not in ("NOTSET", "") else "")] if b or e else [])
        words += ["ceil_mode"] if int(self._attrs.get("ceil_mode", 0)) else []
        words += ["count_include_pad"] if self.op == "AveragePool" and int(self._attrs.get(
            "count_include_pad", 0)) else []
        words += [f"group {self.groups}"] if self.op == "Conv" and self.groups > 1 else []
        return words

    def _steps_last(self, x) -> np.ndarray:
        """(N, C, L) as (batch, steps, channels) float32, a view (``conv._OverSteps``')."""
        return np.asarray(x, np.float32).transpose(0, 2, 1)

    def _params(self, rest) -> list:
        """The node's inputs after X as ``call`` hands them to the op: its weights and
        constants, ``rest`` for the tensors it reads (inbound 1, 2, ...)."""
        args: list = []
        for slot in (self.config.get("slots") or [])[1:]:
            kind = slot[0]
            args.append(rest[slot[1] - 1] if kind == "in" else self.weights[slot[1]] if kind == "weight"
                        else self._consts[slot[1]] if kind == "const" else None)
        return args

    def window(self, read, lo: int, hi: int, steps: int, batch: int, rest=()) -> np.ndarray:
        """Output steps ``lo .. hi-1`` (its own: ``steps_out``) of the node over an input of
        ``steps`` steps (a long input's window, ``engine/windows._Window``), ``read(i0,
        i1)`` giving the input's steps ``i0 .. i1-1`` (N, C, i1 - i0), ``rest`` its other
        inputs (whole): the input steps the outputs read (``reads_of``, any strides and
        pads), padded at the sequence's own ends, computed in the very chunks of output
        steps of a whole trace (``conv.chunk_steps_of``, from step 0), so to the bit the
        same steps of ``call`` over the whole input (as ``conv._OverSteps.window`` does
        for Keras' layers)."""
        params = self._params(list(rest))
        # (a Conv's chunks: one product each, ``onnx_ops.window_part``; a pooling's any)
        every = chunk_steps_of(batch * int(np.prod(np.shape(params[0])[1:]))) if self.op == "Conv" else None
        a, b, i0, i1 = self.chunks_read(lo, hi, steps, every)
        if i1 <= i0:  # (outputs reading the padding alone: a step read, none of it used)
            i0 = max(0, min(i0, steps - 1))
            i1 = i0 + 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):  # (as ``evaluate``)
            y = onnx_ops.window_part(self.op, self._attrs, read(i0, i1), params, i0, steps, a, b)
        return y[:, :, lo - a:hi - a]


def make_onnx_layer(class_name: str, config: dict, name: str, keras_major: int = 3) -> Layer:
    """The layer for an ``onnx.*`` class name (what ``layers.make_layer`` hands over)."""
    op = class_name.split(".", 1)[1]
    config = dict(config or {})
    if op in HALVES:
        if config.get("direction") == "bidirectional":
            return OnnxBidirectional(name, dict(config, op=op), keras_major)
        return HALVES[op](name, config, keras_major)
    if op not in onnx_ops.SUPPORTED:
        raise LstmvizError(f"layer '{name}' is an ONNX {op} node, which lstmviz does not "
                           f"compute; supported: LSTM, GRU, RNN, {', '.join(sorted(onnx_ops.SUPPORTED))}")
    if op in onnx_ops.WINDOW_OPS:
        return OnnxWindowOp(name, dict(config, op=op), keras_major)
    return OnnxOp(name, dict(config, op=op), keras_major)


__all__ = ["OnnxLSTM", "OnnxGRU", "OnnxRNN", "OnnxBidirectional", "OnnxOp", "OnnxWindowOp", "make_onnx_layer",
           "activation_specs", "onnx_activation", "workspace"]


LAYER_FAMILIES["onnx"] = make_onnx_layer
