"""Exact gradients of a Keras loss through a ``Model``: the backward pass over the graph.

``gradients(model, x, y, loss)`` runs the forward pass (the same ``layer.call`` the trace
uses, keeping every layer's inputs and masks), takes Keras' loss and its gradient, and
walks the layers in reverse: each layer kind's backward turns the gradients of its outputs
into gradients of its inputs and weights (recurrent layers through ``backward.py``).

The result, ``Gradients``, holds the loss, one gradient per weight (in each layer's weight
order and Keras shape), one per float input, and per recurrent layer the per-step records
``dh``/``dc``/``dpre`` in processing order, like the forward ``Trace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstmviz.engine import activations as A
from lstmviz.engine import derivatives as D
from lstmviz.engine import layers as L
from lstmviz.engine.backward import recurrent_backward
from lstmviz.engine.losses import CROSSENTROPIES, canonical, loss_and_grad
from lstmviz.engine.trace import LayerTrace, Trace, key_name
from lstmviz.errors import LstmvizError


@dataclass
class LayerGradients:
    """One layer's gradients: ``weights`` in the layer's weight order, ``steps`` (recurrent:
    ``dh``, ``dc`` for LSTM, ``dpre``; (batch, timesteps, ...) in processing order), and a
    Bidirectional's / stacked RNN's ``children``."""

    name: str
    weights: list[np.ndarray] = field(default_factory=list)
    steps: dict[str, np.ndarray] = field(default_factory=dict)
    children: dict[str, "LayerGradients"] = field(default_factory=dict)
    #: weight index -> the gradient as TensorFlow hands an Embedding's to the optimizer:
    #: one row per looked-up position (``SparseRows``), duplicates not yet summed
    sparse: dict[int, "SparseRows"] = field(default_factory=dict)


@dataclass
class SparseRows:
    """A gradient of ``shape`` as rows ``values[k]`` added at row ``indices[k]`` (TF's
    IndexedSlices): Keras' optimizers square and clip these per row before summing."""

    indices: np.ndarray
    values: np.ndarray
    shape: tuple

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape, np.float32)
        np.add.at(out, self.indices, self.values)
        return out


@dataclass
class Gradients:
    loss: float
    layers: dict[str, LayerGradients]
    #: dL/d input per model input (None for token ids, which have no gradient)
    inputs: list[np.ndarray | None]
    trace: Trace
    #: the model's output's mask (None: no mask), which Keras' metrics weigh its steps by
    output_mask: np.ndarray | None = None
    #: the mode: True as Keras' ``fit`` takes them (``model(x, training=True)``: a
    #: BatchNormalization by the batch's statistics), False as ``predict`` computes (its
    #: moving ones); the same for a model without BatchNormalization
    training: bool = False
    #: a BatchNormalization's batch ``(mean, variance)`` by layer name (training mode), which
    #: ``apply_moments`` moves its moving statistics towards after an update
    moments: dict[str, tuple] = field(default_factory=dict)

    def weight_grads(self, model) -> dict[str, np.ndarray]:
        """``<layer>/<weight>`` -> gradient, with the names ``lstmviz summary`` prints
        (``<layer>/forward/kernel`` inside a Bidirectional); ``<layer>`` as a trace's keys
        write it (``key_name``: a name's '%', '/', ':' percent-encoded)."""
        return {f"{key_name(name)}/{wname}": arr for name, wname, arr in self._weights(model)}

    def _weights(self, model):
        """(layer name, weight key, gradient) of every weight that has one."""
        for layer in model.layers:
            g = self.layers.get(layer.name)
            if g is None or not layer.weights:
                continue
            for wname, arr in zip(weight_keys(layer), g.weights):
                yield layer.name, wname, arr

    def flat(self, model) -> dict[str, np.ndarray]:
        """What ``lstmviz grad`` writes: ``loss``, every weight's gradient, ``input``
        (``input0``, ... for several), and per-step records ``<layer>/dh`` ..."""
        return {key: arr for key, (arr, _) in self._flat(model).items()}

    def flat_index(self, model) -> dict[str, tuple[str, str, str]]:
        """``flat()``'s keys, each mapped to ``(layer, part, record)`` as
        ``Trace.flat_index`` maps a trace's: the layer's own name ('' for ``loss`` and the
        inputs' gradients), the half or cell (``forward``/``backward`` inside a
        Bidirectional, ``cell_0`` ... in a stacked RNN; else ''), and the record: the
        weight's name (``kernel``), ``dh``, ``dc``, ``dpre``, or ``loss``, ``input``,
        ``input0`` ...."""
        return {key: where for key, (_, where) in self._flat(model).items()}

    def _flat(self, model) -> dict[str, tuple[np.ndarray, tuple[str, str, str]]]:
        out: dict[str, tuple[np.ndarray, tuple[str, str, str]]] = {
            "loss": (np.asarray(self.loss, np.float32), ("", "", "loss"))}
        for name, wname, arr in self._weights(model):
            part, record = wname.split("/", 1) if "/" in wname else ("", wname)
            out[f"{key_name(name)}/{wname}"] = (arr, (name, part, record))
        for k, g in enumerate(self.inputs):
            if g is not None:
                name = "input" if len(self.inputs) == 1 else f"input{k}"
                out[name] = (g, ("", "", name))
        for name, layer_g in self.layers.items():
            _flat_steps(layer_g, name, key_name(name), "", out)
        return out


def _flat_steps(g: LayerGradients, name: str, prefix: str, part: str, out: dict) -> None:
    for key, arr in g.steps.items():
        out[f"{prefix}/{key}"] = (arr, (name, part, key))
    for child, cg in g.children.items():
        _flat_steps(cg, name, f"{prefix}/{child}", child, out)


def weight_keys(layer) -> list[str]:
    """A layer's weight names as ``<layer>/<name>`` keys use them."""
    if isinstance(layer, L.Bidirectional):
        return ([f"forward/{n}" for n in layer.forward_layer.weight_names]
                + [f"backward/{n}" for n in layer.backward_layer.weight_names])
    stats = getattr(layer, "statistics", ())  # (a BatchNormalization's moving ones: not trained)
    return [n for n in layer.weight_names if n not in stats]


# -- the forward pass, keeping what the backward pass needs ---------------------------
@dataclass
class Forward:
    trace: Trace
    values: dict[str, list]
    masks: dict[str, list]
    inputs: dict[str, list]       # each layer's inputs as fed
    in_masks: dict[str, list]
    inits: dict[str, list | None]  # a layer's initial states, None when it starts from zeros
    training: bool = False
    #: each BatchNormalization's batch ``(mean, variance)`` (training mode only)
    moments: dict[str, tuple] = field(default_factory=dict)


def trains_by_batch(layer) -> bool:
    """A top-level BatchNormalization that training normalises by the batch's statistics."""
    return getattr(layer, "statistics", None) is not None and getattr(layer, "trains", False)


def output_shape(model, x) -> tuple:
    """The model's (first) output shape for ``x`` (run on its first sample; samples
    first, its count ``x``'s first sample's 1): what targets are checked against
    (``losses.target_refusal``: the Train tab, ``lstmviz grad`` and ``train``)."""
    first = [np.asarray(a)[:1] for a in x] if isinstance(x, (list, tuple)) else np.asarray(x)[:1]
    fw = forward(model, first)
    ref = model.outputs[0]
    return tuple(np.shape(fw.values[ref.layer][ref.tensor_index]))


def check_targets(y_shape, out, loss: str, label: str = "y") -> None:
    """Targets of ``y_shape`` fit an output of ``out`` under ``loss``, else refused in
    ``losses.target_refusal``'s one line, after ``label`` (the argument's name; "" for
    none): ``lstmviz.gradients`` and ``fit`` say what ``lstmviz grad`` and the Train tab
    say ("the target has shape (2, 7) but the model's output is (2, 2)" said not what to give)."""
    from lstmviz.engine.losses import target_refusal

    why = target_refusal(y_shape, out, loss)
    if why is not None:
        raise LstmvizError(f"{label}: {why}" if label else why)


def forward(model, x, training: bool = False) -> Forward:
    """``model.trace(x)``, keeping each layer's inputs and masks. ``training``: as Keras'
    ``model(x, training=True)``, a BatchNormalization normalises by the batch's mean and
    variance (kept in ``moments``); else as ``predict``, by its moving ones (the trace's)."""
    arrays = model.check_inputs(x)
    in_shapes = model._infer_shapes([a.shape for a in arrays])
    model._check_size(arrays, in_shapes)
    values, masks, records, ins_of, ims_of, inits = {}, {}, {}, {}, {}, {}
    moments: dict[str, tuple] = {}
    feed = {r.layer: a for r, a in zip(model.inputs, arrays)}
    for node in model.nodes:
        layer = node.layer
        if isinstance(layer, L.InputLayer):
            values[layer.name], masks[layer.name] = [feed[layer.name]], [None]
            continue
        ins = [values[r.layer][r.tensor_index] for r in node.inbound]
        ims = [masks[r.layer][r.tensor_index] for r in node.inbound]
        if node.mask is not None:
            ims[0] = np.asarray(values[node.mask.layer][node.mask.tensor_index]).astype(bool)
        init = [values[r.layer][r.tensor_index] for r in node.initial_state] or None
        if training and trains_by_batch(layer):
            with np.errstate(invalid="ignore", over="ignore"):
                out, moments[layer.name] = layer.train_call(ins[0], ims[0])
            outs, oms, rec = [out], [ims[0]], LayerTrace(layer.name, layer.class_name, [out])
        else:
            outs, oms, rec = L.run_layer(layer, ins, ims, init)
        values[layer.name], masks[layer.name], records[layer.name] = outs, oms, rec
        ins_of[layer.name], ims_of[layer.name], inits[layer.name] = ins, ims, init
    outputs = [values[r.layer][r.tensor_index] for r in model.outputs]
    return Forward(Trace(records, outputs, arrays), values, masks, ins_of, ims_of, inits, training, moments)


# -- each layer's backward -------------------------------------------------------------
def _dense_backward(layer, x, y, dy, dz=None):
    """Dense on (..., d): ``y = act(x @ W + b)``; ``dz`` given = the gradient of the sum."""
    x = np.asarray(x, np.float32)
    W = layer.weights[0]
    if dz is None:
        act = A.get(layer.config["activation"], layer.keras_major)
        z = None
        if act not in D.FROM_OUTPUT:
            z = x @ W
            if layer.config["use_bias"]:
                z += layer.weights[1]
        dz = D.grad(act, z, y, dy)
    d = x.shape[-1]
    flat = dz.reshape(-1, dz.shape[-1])
    grads = [x.reshape(-1, d).T @ flat]
    if layer.config["use_bias"]:
        grads.append(flat.sum(axis=0))
    return [dz @ W.T], grads


def _merge_backward(layer, xs, y, dy, masks):
    op = layer.class_name
    if op == "Concatenate":
        axis = int(layer.config["axis"]) % y.ndim
        cuts = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.split(dy, cuts, axis=axis)
    given = [x.shape for x in xs]
    # (inputs broadcast, ``Merge.call``: each one's gradient summed over the places it was
    # repeated at, in its own shape)
    grads = _merge_grads(layer, xs, masks, y, dy)
    return [g if g.shape == s else _unbroadcast(g, s) for g, s in zip(grads, given)]


def _unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """``g`` (the merge's output shape) summed over the axes an input of ``shape`` was
    broadcast along (those it lacks after the batch, and its sizes 1), in its shape."""
    lead = g.ndim - len(shape)  # (axes of size 1 put after the batch: ``layers.ranked``)
    g = g.sum(axis=tuple(range(1, 1 + lead))) if lead else g
    ones = tuple(k for k, d in enumerate(shape) if d == 1 and g.shape[k] != 1)
    return (g.sum(axis=ones, keepdims=True) if ones else g).astype(np.float32, copy=False)


def _merge_grads(layer, xs, masks, y, dy):
    """Each input's gradient of an elementwise merge, in the output's shape (masked steps
    as ``Merge`` takes them: its Keras mask rule)."""
    op = layer.class_name
    if op == "Add":
        return [dy] * len(xs)
    if op == "Subtract":
        return [dy, -dy]
    if op == "Average":
        return [dy / np.float32(len(xs))] * len(xs)
    if op == "Multiply":  # (a masked step's factor is a constant 1: no gradient to it)
        factors, keep = layer.factors(xs, masks)
        steps = L.ranked([np.ones(x.shape, bool) if m is None else m
                          for x, m in zip(xs, layer._step_masks(xs, masks))])
        dy = dy if keep is None else np.where(keep, dy, np.float32(0))
        out = []
        for k in range(len(factors)):
            g = dy * steps[k]
            for j, x in enumerate(factors):
                if j != k:
                    g = g * x
            out.append(np.broadcast_to(g, y.shape).astype(np.float32, copy=False))
        return out
    # Maximum / Minimum: the gradient goes where each value came from
    src = np.broadcast_to(layer.picks(xs, masks)[1], y.shape)
    return [np.where(src == k, dy, 0.0).astype(np.float32) for k in range(len(xs))]


def _bidirectional_backward(layer, x, rec, d_outputs):
    f, b = layer.forward_layer, layer.backward_layer
    seqs = bool(f.config["return_sequences"])
    n_merged = 2 if layer.merge_mode is None else 1
    nf = len(f.state_names) if f.config["return_state"] else 0
    d_merged = d_outputs[:n_merged]
    d_fs = d_outputs[n_merged:n_merged + nf]
    d_bs = d_outputs[n_merged + nf:]
    y_f = rec.children["forward"].outputs[0]
    y_b = rec.children["backward"].outputs[0]
    if seqs:
        y_b = y_b[:, ::-1]
    dm = d_merged[0]
    if layer.merge_mode is None:
        dyf, dyb = d_merged[0], d_merged[1]
    elif dm is None:
        dyf = dyb = None
    elif layer.merge_mode == "concat":
        dyf, dyb = dm[..., :f.units], dm[..., f.units:]
    elif layer.merge_mode == "sum":
        dyf = dyb = dm
    elif layer.merge_mode == "ave":
        dyf = dyb = dm / np.float32(2)
    else:  # mul
        dyf, dyb = dm * y_b, dm * y_f
    if seqs and dyb is not None:
        dyb = dyb[:, ::-1]
    dxf, gf, initf, sf = recurrent_backward(f, x, rec.children["forward"], [dyf, *d_fs])
    dxb, gb, initb, sb = recurrent_backward(b, x, rec.children["backward"], [dyb, *d_bs])
    children = {"forward": LayerGradients(f.name, gf, sf), "backward": LayerGradients(b.name, gb, sb)}
    return dxf + dxb, gf + gb, initf + initb, children


def _stacked_backward(layer, x, rec, d_outputs):
    cells = layer.cells
    n_states = [len(c.state_names) for c in cells]
    d_states = d_outputs[1:] if layer.config.get("return_state") else []
    at = sum(n_states)
    per_cell = []
    for n in reversed(n_states):
        per_cell.insert(0, list(d_states[at - n:at]) if d_states else [None] * n)
        at -= n
    dy = d_outputs[0]
    grads, inits, children = [], [], {}
    for k in range(len(cells) - 1, -1, -1):
        cell = cells[k]
        crec = rec.children[f"cell_{k}"]
        x_k = x if k == 0 else rec.children[f"cell_{k - 1}"].outputs[0]
        dx, g, init, steps = recurrent_backward(cell, x_k, crec, [dy, *per_cell[k]])
        grads[:0] = g
        inits[:0] = init
        children[f"cell_{k}"] = LayerGradients(cell.name, g, steps)
        dy = dx
    return dy, grads, inits, dict(sorted(children.items()))


def layer_backward(layer, fw: Forward, d_outputs, dz_override=None):
    """(input gradients, weight gradients, initial-state gradients, LayerGradients)."""
    name = layer.name
    ins, rec = fw.inputs[name], fw.trace.layers[name]
    outs = fw.values[name]
    zeros = [np.zeros_like(o, dtype=np.float32) for o in outs]
    douts = [z if d is None else d for d, z in zip(d_outputs, zeros)]
    if isinstance(layer, L.Recurrent):
        dx, g, init, steps = recurrent_backward(layer, ins[0], rec, list(d_outputs))
        return [dx], g, init, LayerGradients(name, g, steps)
    if isinstance(layer, L.Bidirectional):
        dx, g, init, children = _bidirectional_backward(layer, ins[0], rec, list(d_outputs))
        return [dx], g, init, LayerGradients(name, g, children=children)
    if isinstance(layer, L.StackedRNN):
        dx, g, init, children = _stacked_backward(layer, ins[0], rec, list(d_outputs))
        return [dx], g, init, LayerGradients(name, g, children=children)
    dy = douts[0]
    if isinstance(layer, L.Dense):
        dx, g = _dense_backward(layer, ins[0], outs[0], dy, dz_override)
        return dx, g, [], LayerGradients(name, g)
    if isinstance(layer, L.TimeDistributed):
        inner = layer.inner
        x = np.asarray(ins[0], np.float32)
        B, T = x.shape[:2]
        flat = lambda a: a.reshape((B * T,) + a.shape[2:])  # noqa: E731
        if isinstance(inner, L.Dense):
            dx, g = _dense_backward(inner, flat(x), flat(outs[0]), flat(dy))
        elif hasattr(inner, "backward"):  # (engine/conv.py's, engine/layers_more.py's)
            one, g = inner.backward(flat(x), flat(outs[0]), flat(dy), None)
            dx = [one]
        elif isinstance(inner, (L.Activation, L.Identity, L.Flatten, L.Reshape)):
            dx, g = _simple_backward(inner, [flat(x)], flat(outs[0]), flat(dy))
        else:
            raise LstmvizError(f"layer '{name}': gradients through TimeDistributed({inner.class_name}) "
                               "are not supported; supported inside: Dense, Conv1D, MaxPooling1D, "
                               "AveragePooling1D, Activation, Dropout, Flatten, Reshape, and the "
                               "normalisation and activation layers")
        return [dx[0].reshape(x.shape)], g, [], LayerGradients(name, g)
    if isinstance(layer, L.Embedding):
        ids = np.asarray(ins[0]).astype(np.int64).reshape(-1)
        rows = SparseRows(ids, np.ascontiguousarray(dy.reshape(-1, layer.weights[0].shape[1])),
                          layer.weights[0].shape)
        dE = rows.dense()
        return [None], [dE], [], LayerGradients(name, [dE], sparse={0: rows})
    if name in fw.moments:  # a BatchNormalization in training: through the batch's statistics
        one, g = layer.train_backward(np.asarray(ins[0], np.float32), dy, fw.in_masks[name][0], fw.moments[name])
        return [one], g, [], LayerGradients(name, g)
    if hasattr(layer, "backward"):  # a layer that holds its own (engine/conv.py, engine/layers_more.py)
        if dz_override is not None:  # (a Softmax whose logits the loss took)
            return [dz_override], [], [], LayerGradients(name, [])
        one, g = layer.backward(np.asarray(ins[0], np.float32), outs[0], dy, fw.in_masks[name][0])
        return [one], g, [], LayerGradients(name, g)
    dx, g = _simple_backward(layer, ins, outs[0], dy, dz_override, fw.masks[name][0], fw.in_masks[name])
    return dx, g, [], LayerGradients(name, g)


def _simple_backward(layer, ins, y, dy, dz_override=None, out_mask=None, in_masks=()):
    if isinstance(layer, L.Activation):
        if dz_override is not None:
            return [dz_override], []
        act = A.get(layer.config["activation"], layer.keras_major)
        x = np.asarray(ins[0], np.float32)
        return [D.grad(act, x, y, dy)], []
    if isinstance(layer, L.Masking):
        return [dy * out_mask[..., None].astype(np.float32)], []
    if isinstance(layer, L.RepeatVector):
        return [dy.sum(axis=1)], []
    if isinstance(layer, (L.Flatten, L.Reshape)):
        return [dy.reshape(np.shape(ins[0]))], []
    if isinstance(layer, L.Merge):
        masks = list(in_masks) or [None] * len(ins)
        return _merge_backward(layer, [np.asarray(i, np.float32) for i in ins], y, dy, masks), []
    if isinstance(layer, (L.NotEqual, L.AnyOp)):
        return [None] * len(ins), []
    if type(layer) in (L.Identity, L.Layer):
        return [dy], []
    raise LstmvizError(f"layer '{layer.name}' ({layer.class_name}) has no backward pass in lstmviz")


# -- the whole model -------------------------------------------------------------------
def _output_logits(model, fw: Forward, loss: str):
    """The logits Keras 3 takes a crossentropy from: the input of a top-level sigmoid or
    softmax (Dense or Activation layer, or a Softmax layer over one axis) that is the model's
    output, else None."""
    if loss not in CROSSENTROPIES or len(model.outputs) != 1:
        return None
    ref = model.outputs[0]
    layer = model.get_layer(ref.layer)
    if getattr(layer, "keeps_logits", False):  # a Softmax layer over one axis
        return layer.name, np.asarray(fw.inputs[layer.name][0], np.float32)
    if not isinstance(layer, (L.Dense, L.Activation)):
        return None
    act = A.get(layer.config["activation"], layer.keras_major)
    if act not in (A.sigmoid, A.softmax):
        return None
    x = np.asarray(fw.inputs[layer.name][0], np.float32)
    if isinstance(layer, L.Activation):
        return layer.name, x
    z = x @ layer.weights[0]
    if layer.config["use_bias"]:
        z += layer.weights[1]
    return layer.name, z


def check_model(model, what: str = "gradients") -> None:
    """``model`` is an lstmviz ``Model``, else refused in one line saying how to get one
    (``lstmviz.gradients(None, ...)`` was an AttributeError from deep inside)."""
    from lstmviz.engine.model import Model

    if isinstance(model, Model):
        return
    how = ("a file's path: lstmviz.load(path) first" if isinstance(model, (str, bytes)) or hasattr(model, "__fspath__")
           else "lstmviz.load(path), lstmviz.from_keras(keras_model) or lstmviz.from_torch(module) make one")
    raise LstmvizError(f"{what} takes an lstmviz Model, not a {type(model).__name__} ({how})")


def targets(model, y, loss: str, n: int) -> np.ndarray:
    """``y`` as the targets of ``n`` samples (float32), one per sample, as Keras' ``fit``
    takes them: a list too, and ``(n,)`` for an output of one unit taken as ``(n, 1)`` (a
    sequence's ``(n, T)`` for ``(None, T, 1)``); refused in one line when it is not numbers,
    holds NaN or infinity (the loss was NaN without a word) or is not one per sample."""
    from lstmviz.engine.model import check_finite, check_float32
    from lstmviz.text import plural

    if y is None:
        raise LstmvizError("y is None: give the targets, one per sample of x")
    if isinstance(y, (str, bytes)) or hasattr(y, "__fspath__"):
        raise LstmvizError(f"y is the path {str(y)[:60]!r}, not an array: read the file first (np.load for .npy)")
    if isinstance(y, dict):
        raise LstmvizError("y is a dict; give an array of targets (the model has one output)")
    try:
        y = np.asarray(y)
    except ValueError:
        raise LstmvizError("y holds targets of different shapes; give one array, a target per sample") from None
    if y.dtype.kind not in "biuf":
        said = "complex numbers" if y.dtype.kind == "c" else f"{y.dtype} values"
        raise LstmvizError(f"y: holds {said}, not real numbers; give numbers (floats, integers or booleans)")
    check_float32(y, "y: holds")
    check_finite(y, "y: the target holds")
    y = y.astype(np.float32)
    if y.ndim == 0:
        raise LstmvizError(f"y is a single number; give one target per sample of x ({plural(n, 'sample')})")
    if y.shape[0] != n:
        raise LstmvizError(f"y: {plural(y.shape[0], 'target')}, but x has "
                           f"{plural(n, 'sample')}; give one target per sample")
    out = tuple(model.output_shapes()[0])
    if (canonical(loss) != "sparse_categorical_crossentropy" and out and out[-1] == 1 and y.ndim == len(out) - 1
            and all(d is None or d == s for s, d in zip(y.shape[1:], out[1:-1]))):
        y = y[..., None]
    return y


def gradients(model, x, y, loss: str | None = None, training: bool = True) -> Gradients:
    """Keras' loss of ``model`` on ``(x, y)`` and its exact gradients (float32). ``loss``
    None: the one the model was compiled with, as ``fit`` takes it (``compiled_loss``: a
    ``.keras`` file's ``compile_config``, a live compiled model's), refused in one line where
    there is none. ``training``: True (the default) as ``fit``'s update takes them, Keras'
    ``GradientTape`` over ``model(x, training=True)``: a BatchNormalization normalises by the
    batch's mean and variance and the gradients go through them (``Gradients.moments`` holds
    them); False over ``model(x, training=False)``, by its moving statistics, as ``predict``
    and the trace compute. The same for a model without BatchNormalization (Dropout and noise
    act as at inference in both, ``train.left_out``)."""
    check_model(model)
    loss = canonical(loss if loss is not None else needed_loss(model, "gradients", "give gradients a loss"))
    if not isinstance(training, (bool, np.bool_)):
        raise LstmvizError(f"training={training!r}: give True (as fit computes) or False (as predict computes)")
    check_trainable(model, bool(training))
    fw = forward(model, x, bool(training))
    out_ref = model.outputs[0]
    y_pred = fw.values[out_ref.layer][out_ref.tensor_index]
    y = targets(model, y, loss, int(np.shape(y_pred)[0]))
    check_targets(y.shape, np.shape(y_pred), loss)
    mask = fw.masks[out_ref.layer][out_ref.tensor_index]
    logits = _output_logits(model, fw, loss)
    with np.errstate(invalid="ignore", over="ignore"):  # (a model's own infinities: NaN)
        value, d_pred = loss_and_grad(loss, y, y_pred, mask, None if logits is None else logits[1])
    grads = backward(model, fw, d_pred, value, dz_layer=None if logits is None else logits[0])
    grads.output_mask = mask
    grads.training, grads.moments = fw.training, fw.moments
    return grads


def mode_note(model, training: bool) -> str:
    """The mode gradients were taken in, in words, where it matters (the model holds a
    BatchNormalization that trains by the batch's statistics); else ""."""
    if not any(trains_by_batch(getattr(layer, "inner", layer)) for layer in model.layers):
        return ""
    return ("training mode, as fit: BatchNormalization by the batch's statistics" if training else
            "inference mode, as predict: BatchNormalization by its moving statistics")


def apply_moments(model, moments: dict[str, tuple]) -> None:
    """Move each BatchNormalization's moving statistics towards its batch's ``moments``
    (``Gradients.moments``), as Keras' ``fit`` does with each training batch."""
    for name, m in moments.items():
        model.get_layer(name).move(m)


def needed_loss(model, who: str, give: str) -> str:
    """The loss ``model`` was compiled with (``compiled.compiled_loss``), for ``who`` (a
    call or command) given none, else refused in one line saying ``give`` and the losses."""
    from lstmviz.engine.compiled import compiled_loss
    from lstmviz.engine.losses import NAMES

    loss = compiled_loss(model, give=give)
    if loss is None:
        raise LstmvizError(f"{who} needs a loss: {give} ({', '.join(NAMES)}); this model was not compiled with one")
    return loss


def backward(model, fw: Forward, d_pred, value, dz_layer=None) -> Gradients:
    """``_backward`` without NumPy's warnings of invalid values and overflow (a model's own
    infinities give NaN gradients, as TensorFlow's tape gives them, silently)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return _backward(model, fw, d_pred, value, dz_layer)


def _backward(model, fw: Forward, d_pred, value, dz_layer=None) -> Gradients:
    """Walk the graph from dL/d(output) (or dL/dlogits of layer ``dz_layer``)."""
    out_ref = model.outputs[0]
    grads: dict[tuple, np.ndarray] = {}

    def add(ref, g):
        if g is None:
            return
        key = (ref.layer, ref.tensor_index)
        grads[key] = g if key not in grads else grads[key] + g

    if dz_layer is None:
        add(out_ref, d_pred)
    records: dict[str, LayerGradients] = {}
    for node in reversed(model.nodes):
        layer = node.layer
        if isinstance(layer, L.InputLayer):
            continue
        n_out = len(fw.values[layer.name])
        d_outs = [grads.get((layer.name, k)) for k in range(n_out)]
        override = d_pred if layer.name == dz_layer else None
        if override is None and all(d is None for d in d_outs):
            records[layer.name] = LayerGradients(layer.name, [np.zeros_like(w) for w in L.layer_arrays(layer)])
            continue
        d_ins, _, d_init, rec = layer_backward(layer, fw, d_outs, override)
        records[layer.name] = rec
        for ref, g in zip(node.inbound, d_ins):
            add(ref, g)
        for ref, g in zip(node.initial_state, d_init):
            add(ref, g)
    input_grads: list[np.ndarray | None] = []
    for ref, arr in zip(model.inputs, fw.trace.inputs):
        if np.issubdtype(arr.dtype, np.floating):
            g = grads.get((ref.layer, 0))
            input_grads.append(np.zeros_like(arr) if g is None else np.asarray(g, np.float32))
        else:
            input_grads.append(None)
    ordered = {layer.name: records[layer.name] for layer in model.layers if layer.name in records}
    return Gradients(float(value), ordered, input_grads, fw.trace)


def check_trainable(model, training: bool = True) -> None:
    """Refuse, in one line, a model lstmviz cannot differentiate (several outputs, stateful
    layers, ONNX nodes; in ``training`` mode, a BatchNormalization whose training it does not
    compute: synchronized, inside a TimeDistributed, or called at two places); an ONNX graph
    first, whatever its outputs (its Keras or PyTorch file is what trains)."""
    for layer in model.layers:
        if layer.class_name.startswith("onnx."):  # a node's own semantics (layout, peepholes, clip ...)
            raise LstmvizError(
                f"layer '{layer.name}' ({layer.class_name}) comes from an ONNX graph, which lstmviz "
                "runs forward only; gradients and training are for Keras models and PyTorch "
                "state_dicts (open the model's Keras or PyTorch file)")
    if len(model.outputs) != 1:
        names = list(dict.fromkeys(ref.layer for ref in model.outputs))
        shown = ", ".join(f"'{n}'" for n in names[:4]) + (", ..." if len(names) > 4 else "")
        raise LstmvizError(f"the model has {len(model.outputs)} outputs ({shown}); gradients and training "
                           "need a model with one output")
    calls = [node.layer.name for node in model.nodes]
    for layer in model.layers:
        inner = getattr(layer, "inner", None)
        if training and inner is not None and trains_by_batch(inner):
            raise LstmvizError(
                f"layer '{layer.name}' (TimeDistributed(BatchNormalization)) normalises each step by "
                "its own batch statistics in Keras' training, which lstmviz does not compute; supported: "
                "BatchNormalization on its own (its axis -1 over the batch and the steps)")
        if training and trains_by_batch(layer):
            if layer.training_refusal():
                raise LstmvizError(layer.training_refusal())
            if calls.count(layer.name) > 1:
                raise LstmvizError(
                    f"layer '{layer.name}' (BatchNormalization) is called at {calls.count(layer.name)} places, "
                    "each moving its statistics in Keras' training, which lstmviz does not compute; "
                    "supported: a BatchNormalization called once")
        rnns = L_rnns(layer)
        for r in rnns:
            if r.config.get("stateful"):
                raise LstmvizError(f"layer '{layer.name}' is stateful; training needs stateless layers")


def L_rnns(layer):
    if isinstance(layer, L.Bidirectional):
        return [layer.forward_layer, layer.backward_layer]
    if isinstance(layer, L.StackedRNN):
        return list(layer.cells)
    if isinstance(layer, L.TimeDistributed):
        return []
    return [layer] if isinstance(layer, L.Recurrent) else []
