"""A model: layers wired into a graph, with shape inference, summary and tracing."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from lstmviz import limits
from lstmviz.engine import initializers
from lstmviz.engine.cells import CELLS
from lstmviz.engine.layers import (  # noqa: F401 (BEYOND_FLOAT32, check_float32: said from here too)
    BEYOND_FLOAT32,
    LAYER_CLASSES,
    RNN_OPTIONS,
    Bidirectional,
    InputLayer,
    Layer,
    Recurrent,
    check_float32,
    fmt_shape,
    frozen_arrays,
    make_layer,
    run_layer,
    trainable_arrays,
)
from lstmviz.engine.spec import LayerSpec, ModelSpec, TensorRef, keras_major_of  # noqa: F401 (named here too)
from lstmviz.engine.trace import LaterLayers, LaterTrace, LayerTrace, Trace, keep_output_mask
from lstmviz.errors import LstmvizError, is_whole
from lstmviz.text import plural, safe_name, snake_case

#: Layers whose output has the rank of their input: a message about a shape that came
#: through them names the recurrent layer before them (``Model._explain``).
RANK_KEEPING = ("Dropout", "Masking", "Activation", "Dense")
#: the modules of Keras' layers (each computed from its config, weights and inputs alone:
#: a trace may take its record from an earlier one), not an ONNX node's
KERAS_LAYER_MODULES = ("lstmviz.engine.layers", "lstmviz.engine.layers_more", "lstmviz.engine.conv")

#: A trace larger than the memory limit (``lstmviz.limits``) is refused with a message,
#: not attempted; so are weights to initialise beyond it.


def spec_config(layer: Layer) -> dict:
    """The config ``make_layer`` takes back: a Keras ``RNN(cell)`` became its cell's
    layer with the options flattened in; it goes back into ``{"cell": ..., options}``."""
    cfg = copy.deepcopy(layer.config)
    if layer.class_name == "RNN" and isinstance(layer, Recurrent):
        options = {k: cfg.pop(k) for k in RNN_OPTIONS if k in cfg}
        return {"cell": {"class_name": layer.cell.cell_class, "config": cfg}, **options}
    return cfg


def check_finite(arr: np.ndarray, what: str) -> None:
    """Refuse NaN or infinity in a float array (an input or a target; Keras would run it and
    give NaN everywhere, or a NaN loss said to be the weights overflowing): ``what`` ("x.npy:
    the input holds", "the input holds") and where the first one is, in one line."""
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        at = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise LstmvizError(f"{what} NaN or infinity (first at index {at}); replace it with numbers")


class TooManySteps(LstmvizError):
    """A whole trace would run more recurrent steps (``run``, over all layers) than
    ``limits.step_limit()`` allows; ``what``: that, said once, before the advice
    (``lstmviz trace`` gives its own: take a window)."""

    def __init__(self, run: int, advice: str = "use fewer steps"):
        self.run = int(run)
        self.what = (f"tracing would run {self.run:,} recurrent steps (over all layers), over the limit "
                     f"of {limits.step_limit():,} (it grows with the memory limit of "
                     f"{limits.fmt_bytes(limits.memory_limit())})")
        super().__init__(f"{self.what}; {advice}, or {limits.HINT}")


@dataclass
class Node:
    layer: Layer
    inbound: list[TensorRef]
    initial_state: list[TensorRef]
    mask: TensorRef | None = None  # an explicit mask= (used instead of the propagated one)


def _check_inputs(nodes: list[Node], inputs: list[TensorRef]) -> None:
    """The model's inputs are its input layers, each once, every one that a layer reads (a
    trace feeds each input layer the array of its input: one not listed, or a listed layer
    that is no input layer, was Python's KeyError from the trace of a session's kept model)."""
    by_name = {n.layer.name: n.layer for n in nodes}
    listed: set[str] = set()
    for r in inputs:
        if not isinstance(by_name.get(r.layer), InputLayer):
            raise LstmvizError(f"the model's input '{r.layer}' is not an input layer of the model")
        if r.tensor_index != 0:
            raise LstmvizError(f"the model's input is output {r.tensor_index} of input layer '{r.layer}', "
                               "which has 1")
        if r.layer in listed:
            raise LstmvizError(f"the model lists its input '{r.layer}' twice")
        listed.add(r.layer)
    for n in nodes:  # (an input layer nothing reads may stand unlisted: it is given nothing)
        read = [r.layer for r in (*n.inbound, *n.initial_state, *([n.mask] if n.mask else []))]
        unlisted = next((r for r in read if isinstance(by_name.get(r), InputLayer) and r not in listed), None)
        if unlisted is not None:
            raise LstmvizError(f"input layer '{unlisted}' feeds layer '{n.layer.name}' but is not among "
                               "the model's inputs")


class Model:
    """Layers in Keras' order, the graph between them, and how to run it.

    Build one from a ``ModelSpec`` (what a loader returns) with ``Model.from_spec``, or
    a plain stack with ``Model.sequential``. ``trace(x)`` runs it and records everything.
    """

    def __init__(self, nodes: list[Node], inputs: list[TensorRef], outputs: list[TensorRef],
                 name: str = "model", keras_version: str | None = None,
                 sequential: bool = False, source: dict | None = None):
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.name = name
        self.keras_version = keras_version
        self.keras_major = keras_major_of(keras_version)
        #: a plain stack (Keras' Sequential): its InputLayer is not listed, any length runs
        self.is_sequential = sequential
        self.source = dict(source or {})
        self._by_name = {n.layer.name: n for n in nodes}
        if len(self._by_name) != len(nodes):
            seen: set[str] = set()
            for n in nodes:
                if n.layer.name in seen:
                    raise LstmvizError(f"two layers are named '{n.layer.name}'; layer names must be unique")
                seen.add(n.layer.name)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: ModelSpec, seed: int = 0, keep: list | None = None) -> "Model":
        """The model ``spec`` describes; layers without weights are initialised from
        ``seed``. ``keep`` (one entry per layer of ``spec``, None or arrays): weights put on
        a layer initialised from the seed where every shape fits, as ``set_weights`` after
        the build would, without computing the initial weights they replace."""
        if not isinstance(spec, ModelSpec):  # (None: "'NoneType' object has no attribute 'keras_version'")
            raise LstmvizError(f"Model.from_spec takes a ModelSpec (model.to_spec(), or ModelSpec([...])), not a "
                               f"{type(spec).__name__}; for a stack, Model.sequential(input_shape, [LayerSpec(...)])")
        major = keras_major_of(spec.keras_version)
        specs = list(spec.layers)
        _check_seed(seed)
        sequential = spec.is_sequential
        if not specs:
            raise LstmvizError("the model has no layers")
        nodes: list[Node] = []
        names = _unique_names(specs)
        for k, (ls, name) in enumerate(zip(specs, names)):
            layer = make_layer(ls.class_name, ls.config, name, major)
            inbound = list(ls.inbound)
            if sequential and k > 0:
                inbound = [TensorRef(names[k - 1], 0)]
            nodes.append(Node(layer, inbound, list(ls.initial_state), ls.mask))
        if sequential:
            if not isinstance(nodes[0].layer, InputLayer):
                raise LstmvizError(
                    f"the first layer '{names[0]}' has no input shape; a sequential stack "
                    "starts with an InputLayer or a layer with batch_input_shape"
                )
            inputs, outputs = [TensorRef(names[0], 0)], [TensorRef(names[-1], 0)]
        else:
            inputs, outputs = list(spec.inputs), list(spec.outputs)
            if not inputs or not outputs:
                raise LstmvizError("the model's config names no inputs or no outputs")
            _check_inputs(nodes, inputs)
        model = cls(nodes, inputs, outputs, spec.name, spec.keras_version, sequential, spec.source)
        kept = {n: w for n, w in zip(names, keep or []) if w is not None}
        model._build(np.random.default_rng(seed), {n: ls.weights for n, ls in zip(names, specs)}, kept)
        from lstmviz.engine.onnx_time import mark_steps_first

        mark_steps_first(model)  # (an ONNX graph's Dense over time-major steps)
        from lstmviz.engine.layers import Dense
        from lstmviz.engine.layers_more import Permute

        for node in model.nodes:  # (a Dense reading the steps a Permute((2, 1)) put last)
            if isinstance(node.layer, Dense) and len(node.inbound) == 1:
                before = model._by_name[node.inbound[0].layer].layer
                node.layer.after_permute = isinstance(before, Permute) and before.dims == (2, 1)
        return model

    @classmethod
    def sequential(cls, input_shape, layers: list[LayerSpec], seed: int = 0,
                   keras_version: str = "3", name: str = "sequential",
                   keep: list | None = None, check_keys: bool = True) -> "Model":
        """A plain stack: ``input_shape`` is ``(batch or None, timesteps or None, features)``;
        ``keep``: one entry per layer of ``layers`` (see ``from_spec``). A config key a
        Keras 3 layer does not take (``{"unitz": 4}``) is refused in one line, as Keras
        refuses it (``check_keys=False``: kept, as a file's configs are; Keras 1 and 2's
        keys are not checked)."""
        if not isinstance(layers, (list, tuple)):
            raise LstmvizError(f"layers is a {type(layers).__name__}: give a list of LayerSpec, "
                               'such as [LayerSpec("LSTM", {"units": 16})]')
        if not isinstance(input_shape, (list, tuple)):  # (3: "'int' object is not iterable")
            raise LstmvizError(f"input_shape={input_shape!r}: give (batch or None, timesteps or None, features), "
                               "such as (None, 20, 3)")
        first = LayerSpec("InputLayer", {"batch_shape": _python_numbers(list(input_shape))}, name="input_layer")
        layers = _checked_specs(layers)  # (numbered as the caller's list is)
        if check_keys and keras_major_of(keras_version) == 3:
            _check_keys(layers)
        return cls.from_spec(ModelSpec([first] + list(layers), name=name,
                                       keras_version=keras_version), seed=seed,
                             keep=None if keep is None else [None] + list(keep))

    def to_spec(self) -> ModelSpec:
        """This model as a ``ModelSpec`` (copies): ``Model.from_spec`` of it is the same
        model, weights and Keras semantics included (sessions keep read-only models so)."""
        layers = [LayerSpec(n.layer.class_name, spec_config(n.layer), n.layer.name,
                            [np.array(w) for w in n.layer.weights] if n.layer.weights else None,
                            [] if self.is_sequential else list(n.inbound), list(n.initial_state),
                            n.mask)
                  for n in self.nodes]
        return ModelSpec(layers, [] if self.is_sequential else list(self.inputs),
                         [] if self.is_sequential else list(self.outputs), self.name,
                         self.keras_version, copy.deepcopy(self.source))

    def _build(self, rng, weights: dict | None = None, keep: dict | None = None) -> None:
        shapes = self._infer_shapes(self.input_shapes())
        need = 0  # weights to initialise (drawn as float64, kept as float32)
        for node in self.nodes:
            if (weights or {}).get(node.layer.name) is None:
                for _, shape, _ in node.layer.weight_specs(shapes[node.layer.name]):
                    need += 12 * limits.nbytes_of(shape, 1)
        msg = limits.excess(need, "initialising the model's weights")
        if msg:
            raise LstmvizError(f"{msg}; give the layers fewer units, or {limits.HINT}")
        # layers given weights first (they draw nothing from ``rng``): weights that do not fit
        # fail before any other layer is initialised (``AppState.build_model`` tries the
        # weights it kept, then starts afresh); the others draw in the model's order
        given = {n.layer.name: (weights or {}).get(n.layer.name) for n in self.nodes}
        keep = keep or {}
        # the QRs of the orthogonal draws, together (kept weights replace theirs undrawn)
        qr = [sum(initializers.orthogonal_work(init, shape)
                  for _, shape, init in n.layer.weight_specs(shapes[n.layer.name]))
              for n in self.nodes if given[n.layer.name] is None and keep.get(n.layer.name) is None]
        work = sum(qr)
        if work > initializers.MAX_ORTHOGONAL_TOTAL:
            layers = sum(1 for w in qr if w)
            raise LstmvizError(
                f"drawing the orthogonal initial weights of {plural(layers, 'layer')} would take "
                f"too long ({work:.1e} multiply-adds of QR, at most "
                f"{initializers.MAX_ORTHOGONAL_TOTAL:.0e}); give the layers their weights or "
                "fewer units")
        # (a kept weight's draws are made only where a later weight is drawn: the stream
        # after the last draw is read by no one, ``initializers.deferred``)
        with initializers.deferred(rng):
            for node in sorted(self.nodes, key=lambda n: given[n.layer.name] is None):
                name = node.layer.name
                if given[name] is None and keep.get(name) is not None:
                    node.layer.build_replaced(shapes[name], rng, keep[name])
                else:
                    node.layer.build(shapes[name], rng, given[name])

    @staticmethod
    def _check_mask_shape(node: Node, mask: TensorRef, mask_shape, input_shape) -> None:
        """An explicit mask is (batch, timesteps) of the layer's input."""
        ok = len(mask_shape) == 2 and len(input_shape) >= 2 and all(
            a is None or b is None or a == b for a, b in zip(mask_shape, input_shape[:2]))
        if not ok:
            raise LstmvizError(
                f"layer '{node.layer.name}' is given the mask '{mask.layer}' of shape "
                f"{fmt_shape(mask_shape)}, but its input is {fmt_shape(input_shape)}: a mask is "
                "(batch, timesteps)")

    def _resolve(self, ref: TensorRef, out_shapes: dict, user: str):
        node = self._by_name.get(ref.layer)
        if node is None:
            raise LstmvizError(f"layer '{user}' takes its input from '{ref.layer}', which is not in the model")
        outs = out_shapes.get(ref.layer)
        if outs is None:
            raise LstmvizError(f"layer '{user}' comes before its input '{ref.layer}' in the model's order")
        if ref.tensor_index >= len(outs):
            raise LstmvizError(f"layer '{user}' takes output {ref.tensor_index} of '{ref.layer}', "
                               f"which has {len(outs)}")
        return outs[ref.tensor_index]

    def _infer_shapes(self, input_shapes: list) -> dict[str, list]:
        """Each layer's input shapes, checked the way Keras checks them."""
        in_shapes: dict[str, list] = {}
        out_shapes: dict[str, list] = {}
        feed = {r.layer: s for r, s in zip(self.inputs, input_shapes)}
        for node in self.nodes:
            layer = node.layer
            if isinstance(layer, InputLayer):
                shape = feed.get(layer.name, layer.batch_shape)
                in_shapes[layer.name] = [shape]
                out_shapes[layer.name] = [shape]
                # the layer keeps the shape it declares (None where open): a trace's concrete
                # batch and length are this call's, not the model's (the summary and the side
                # panel's card read them)
                layer.input_shapes = layer.output_shapes = [layer.batch_shape]
                continue
            if not node.inbound:
                raise LstmvizError(f"layer '{layer.name}' has no input")
            ins = [self._resolve(r, out_shapes, layer.name) for r in node.inbound]
            try:
                outs = layer.compute_output_shapes(ins)
            except LstmvizError as err:
                raise LstmvizError(self._explain(layer, node, ins, err)) from None
            fault = layer.states_fault(len(node.initial_state))
            if fault:  # (said as the model is built, not at its first trace)
                raise LstmvizError(fault)
            for r in node.initial_state:
                self._resolve(r, out_shapes, layer.name)
            if node.mask is not None:
                self._check_mask_shape(node, node.mask, self._resolve(node.mask, out_shapes, layer.name),
                                       ins[0])
            in_shapes[layer.name] = ins
            out_shapes[layer.name] = outs
        for r in self.outputs:  # (the layers' own inputs were resolved above)
            given = out_shapes.get(r.layer)
            if given is None:
                raise LstmvizError(f"the model's output is layer '{r.layer}', which is not in the model")
            if r.tensor_index >= len(given):
                cfg = getattr(self._by_name[r.layer].layer, "config", {})
                raise LstmvizError(f"the model's output is output {r.tensor_index} of '{r.layer}', "
                                   f"which has {len(given)}"
                                   + ("" if cfg.get("return_state", True) else " (its return_state is off)"))
        return in_shapes

    def _explain(self, layer, node, ins, err) -> str:
        """Add the cause and the fix when a layer that reads a sequence (a recurrent layer,
        a Bidirectional, a TimeDistributed) gets a recurrent layer's last step, or a
        RepeatVector gets its every step; also through the layers between them that keep
        the rank (Dropout, Masking, Activation, Dense: LSTM -> Dropout -> LSTM)."""
        src = self._by_name[node.inbound[0].layer]
        between = []
        while (src.layer.class_name in RANK_KEEPING and len(src.inbound) == 1
               and src.inbound[0].layer in self._by_name):
            between.append(src.layer.name)
            src = self._by_name[src.inbound[0].layer]
        src_layer = src.layer
        rnn = src_layer.forward_layer if isinstance(src_layer, Bidirectional) else src_layer
        if not isinstance(rnn, Recurrent):
            return str(err)
        shape = fmt_shape(ins[0])
        if between:  # the shape that reaches the layer, and from where
            shape = f"(it gets {shape} through {', '.join(repr(n) for n in reversed(between))})"
        last = not rnn.config["return_sequences"]
        if (isinstance(layer, (Recurrent, Bidirectional)) or layer.class_name == "TimeDistributed") \
                and len(ins[0]) == 2 and last:
            return (
                f"layer '{layer.name}' ({layer.class_name}) needs a sequence (batch, timesteps, "
                f"features), but layer '{src_layer.name}' ({src_layer.class_name}) outputs only its "
                f"last step {shape}: set return_sequences=True on '{src_layer.name}'"
            )
        if layer.class_name == "RepeatVector" and len(ins[0]) == 3 and not last:
            return (
                f"layer '{layer.name}' (RepeatVector) repeats one vector (batch, features), but "
                f"layer '{src_layer.name}' ({src_layer.class_name}) outputs every step "
                f"{shape}: set return_sequences=False on '{src_layer.name}'"
            )
        return str(err)

    # -- what it is ---------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """Every layer but the InputLayers of a sequential stack (as Keras lists them)."""
        return [n.layer for n in self.nodes
                if not (self.is_sequential and isinstance(n.layer, InputLayer))]

    @functools.cached_property
    def mask_ops(self) -> frozenset[str]:
        """The layers that compute only masks (Keras 3 saves a merge's ``compute_mask`` as
        ops: NotEqual, Any, ExpandDims, ZerosLike, OnesLike, LogicalOr, and a Concatenate of
        their outputs): each a ``Layer.mask_only`` one, or a layer reading nothing else. The
        engine carries masks itself; no output's values come from these. (Kept: a model's
        graph never changes, an edit makes a new model.)"""
        found: set[str] = set()
        for n in self.nodes:  # (in order: a node's inputs come before it)
            if n.layer.mask_only or (n.inbound and all(r.layer in found for r in n.inbound)):
                found.add(n.layer.name)
        return frozenset(found)

    def get_layer(self, name: str) -> Layer:
        try:
            return self._by_name[name].layer
        except KeyError:
            raise LstmvizError(f"no layer named '{name}'; layers: {', '.join(self._by_name)}") from None

    def _input_layer(self, ref: TensorRef) -> InputLayer:
        layer = self._by_name[ref.layer].layer
        if not isinstance(layer, InputLayer):
            raise LstmvizError(f"the model's input '{ref.layer}' is a {layer.class_name} layer, "
                               "not an InputLayer")
        return layer

    def input_shapes(self) -> list:
        return [self._input_layer(r).batch_shape for r in self.inputs]

    def state_inputs(self) -> set[str]:
        """The names of the inputs that only start recurrent layers' states (a decoder's
        ``initial_state=`` inputs in an inference model of its own): (batch, units) vectors
        fed to no layer as data, not token ids, though two-dimensional as ids are; and an
        ONNX recurrent node's initial states (its InputLayer's ``role``)."""
        as_state = {r.layer for n in self.nodes for r in n.initial_state}
        as_data = {r.layer for n in self.nodes for r in n.inbound} | {
            n.mask.layer for n in self.nodes if n.mask is not None}
        return {r.layer for r in self.inputs if r.layer in as_state and r.layer not in as_data
                or self._input_layer(r).config.get("role") == "initial_state"}

    def output_shapes(self) -> list:
        return [self._by_name[r.layer].layer.output_shapes[r.tensor_index] for r in self.outputs]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def count_trainable_params(self) -> int:
        """The numbers training moves by the optimizer (Keras' "Trainable params":
        ``trainable_arrays``; not a frozen layer's, nor a BatchNormalization's moving statistics)."""
        return sum(int(a.size) for a in trainable_arrays(self))

    def nonfinite_weights(self) -> str | None:
        """Where the weights first hold NaN or infinity, in words, by gate block
        ("lstm's bias_f[1] is NaN (3 such numbers in the model)"): a model saved after its
        training diverged runs, and every number that weight reaches is NaN; None where
        every weight is a number."""
        bad = [(layer, w) for layer in self.layers for w in layer.weights
               if np.issubdtype(np.asarray(w).dtype, np.floating) and not np.isfinite(w).all()]
        if not bad:
            return None
        total = sum(int(np.count_nonzero(~np.isfinite(w))) for _, w in bad)
        layer = bad[0][0]
        name, block = next((n, b) for n, b in [*layer.gate_blocks().items(), *layer.named_weights().items()]
                           if np.issubdtype(np.asarray(b).dtype, np.floating) and not np.isfinite(b).all())
        at = tuple(int(i) for i in np.argwhere(~np.isfinite(block))[0])
        value = float(np.asarray(block)[at])
        what = "NaN" if np.isnan(value) else "infinity" if value > 0 else "-infinity"
        index = ", ".join(str(i) for i in at)
        more = f" ({plural(total, 'such number', sep=',')} in the model)" if total > 1 else ""
        return f"{layer.name}'s {name}[{index}] is {what}{more}"

    def reset_states(self) -> None:
        for node in self.nodes:
            node.layer.reset_states()

    def carried_states(self) -> list:
        """What the stateful layers carry into the next call (``reset_states`` drops it),
        copied: per node, the states of each recurrent layer in it (a Bidirectional's two
        halves, a stacked RNN's cells), None where one carries none. ``carry_states`` puts
        them on a model of the same layers: the next batch as if this one had run there."""
        return [[None if s is None else [np.array(a, copy=True) for a in s] for s in
                 (h.states for h in _state_holders(node.layer))] for node in self.nodes]

    def carry_states(self, states: list) -> None:
        """Put ``carried_states()`` of a model of the same layers onto this one's; a
        ``ValueError``, nothing changed, where they do not fit its layers."""
        if len(states) != len(self.nodes):
            raise ValueError(f"states kept for {len(states)} layers, the model has {len(self.nodes)}")
        pairs = []
        for node, kept in zip(self.nodes, states):
            holders = _state_holders(node.layer)
            if len(holders) != len(kept):
                raise ValueError(f"layer '{node.layer.name}': {len(kept)} states kept for {len(holders)} layers")
            for h, s in zip(holders, kept):
                _check_carried(h, s)
            pairs += list(zip(holders, kept))
        for h, s in pairs:
            h.states = None if s is None else [np.array(a, copy=True) for a in s]

    @property
    def stateful(self) -> bool:
        return any(_rnn_config(n.layer).get("stateful") for n in self.nodes)

    def __repr__(self) -> str:
        ins = ", ".join(fmt_shape(s) for s in self.input_shapes())
        shapes = self.output_shapes()
        outs = ", ".join(fmt_shape(s) for s in shapes) if len(shapes) <= 2 else f"{len(shapes)} outputs"
        kind = "Sequential" if self.is_sequential else "functional"
        return (f"<lstmviz.Model {self.name!r}: {kind}, {len(self.layers)} layers, "
                f"{self.count_params():,} params, {ins} -> {outs}>")

    def summary(self, print_fn: Callable[[str], object] | None = None, all_ops: bool = False) -> None:
        """Print a table like Keras' ``model.summary()`` (with Keras' "Connected to" column
        for a functional model: inputs, and ``initial_state=`` / ``mask=`` tensors by name),
        then each recurrent layer's weights; return None, as Keras does.

        It prints where it is called, as Keras' does: to stdout, or in a Jupyter kernel as
        an output of its own (HTML in a monospaced block, beside the plain text). With
        ``print_fn`` (``print``, a logger's ``info``, ``lines.append``), that is called once
        with the table instead, as Keras' ``print_fn``. The table as a string:
        ``summary_text()``.

        An ONNX graph's ops that only move, reshape or index data (Transpose, Shape, Cast,
        ...: ``glue``, drawn by no view) are left out, and a layer is said to be connected
        to the layers they lead back to; ``all_ops=True`` lists every op.
        """
        from lstmviz.display import show_block  # (not imported with the engine: the app needs none)

        show_block(self.summary_text(all_ops=all_ops), print_fn)

    def _glue(self, name: str) -> bool:
        """Layer ``name`` is an op left out of the summary (glue holding no parameters)."""
        layer = self._by_name[name].layer
        return bool(getattr(layer, "glue", False)) and layer.count_params() == 0

    def summary_text(self, all_ops: bool = False) -> str:
        """The table that ``summary()`` prints, as a string."""
        def ref(r: TensorRef) -> str:
            return f"{safe_name(r.layer)}[{r.tensor_index}]" if r.tensor_index else safe_name(r.layer)

        def refs(found: list[TensorRef]) -> list[str]:
            """``found`` by name, each glue op replaced by the layers it leads back to."""
            out: list[str] = []
            todo, seen = list(found), set()
            while todo:
                r = todo.pop(0)
                if not all_ops and r.layer in self._by_name and self._glue(r.layer):
                    if r.layer not in seen:
                        seen.add(r.layer)
                        # the data it moves (a Reshape's shape, a Slice's ends ... are not;
                        # a Shape's or ConstantOfShape's values come from no input's values)
                        inbound = self._by_name[r.layer].inbound
                        op = getattr(self._by_name[r.layer].layer, "op", "")
                        data = [] if op in ("Shape", "ConstantOfShape") else inbound if op == "Concat" else inbound[:1]
                        todo[:0] = list(data)
                    continue
                if ref(r) not in out:
                    out.append(ref(r))
            return out

        rows = []
        hidden = 0
        for layer in self.layers:
            if not all_ops and self._glue(layer.name):
                hidden += 1
                continue
            outs = layer.output_shapes
            shape = fmt_shape(outs[0]) if len(outs) == 1 else fmt_shape(list(outs))
            node = self._by_name[layer.name]
            links = refs(list(node.inbound))
            if node.initial_state:
                links.append("initial_state=" + ", ".join(refs(list(node.initial_state))))
            if node.mask is not None:
                links.append("mask=" + ", ".join(refs([node.mask])))
            rows.append((f"{safe_name(layer.name)} ({safe_name(layer.class_name)})", shape, f"{layer.count_params():,}",
                         "" if self.is_sequential else ", ".join(links)))
        w0 = max([28] + [len(r[0]) + 2 for r in rows])
        w1 = max([26] + [len(r[1]) + 2 for r in rows])
        graph = not self.is_sequential
        w3 = max([14] + [len(r[3]) + 2 for r in rows]) if graph else 0
        width = w0 + w1 + 12 + w3
        head = f"{'Layer (type)':<{w0}}{'Output Shape':<{w1}}{'Param #':>10}"
        lines = [f'Model: "{safe_name(self.name)}"', "_" * width,
                 head + ("  Connected to" if graph else ""), "=" * width]
        for k, (a, b, c, d) in enumerate(rows):
            lines.append((f"{a:<{w0}}{b:<{w1}}{c:>10}" + (f"  {d}" if graph else "")).rstrip())
            lines.append("_" * width if k < len(rows) - 1 else "=" * width)
        lines.append(f"Total params: {self.count_params():,}")
        if not any(layer.class_name.startswith("onnx.") for layer in self.layers):  # (Keras' split)
            trainable = self.count_trainable_params()
            lines.append(f"Trainable params: {trainable:,}")
            lines.append(f"Non-trainable params: {self.count_params() - trainable:,}")
            frozen = [layer.name for layer in self.layers if frozen_arrays(layer)]
            if frozen:
                lines.append(f"Frozen (trainable: false): {', '.join(safe_name(n) for n in frozen)}")
        if hidden:
            lines.append(f"Not listed: {plural(hidden, 'ONNX op')} that only move, reshape or "
                         "index data (Transpose, Shape, Cast, ...); `lstmviz summary --all-ops` or "
                         "summary(all_ops=True) lists them.")
        from lstmviz.engine.compiled import describe, of, state_line

        compiled = describe(of(self) or {})
        notes = self.source.get("notes") or []
        taken, not_taken = state_line(self) if compiled else ("", "")
        if not_taken:  # (a saved optimizer state that does not fit this model, or its weights)
            notes = [*notes, f"{(of(self) or {}).get('config', 'compile_config')}: {not_taken}"]
        if notes or compiled:
            lines.append("")
        if compiled:  # (what fit and the Train tab take when given none)
            lines.append(f"Compiled with: {compiled}" + (f"; {taken}" if taken else ""))
        lines.extend(f"Note: {n}" for n in notes)
        details = [self._weights_section(layer) for layer in self.layers]
        details = [d for d in details if d]
        if details:
            lines.append("")
            lines.extend(details)
        return "\n".join(lines)

    @staticmethod
    def _weights_section(layer: Layer) -> str:
        rnn = layer.inner if hasattr(layer, "inner") else layer
        if not isinstance(rnn, (Recurrent, Bidirectional)):
            return ""
        lines = [f"{safe_name(layer.name)} ({layer.class_name}): params = {layer.param_formula()}"]
        for name, w in layer.named_weights().items() if not isinstance(layer, Bidirectional) else []:
            lines.append(f"  {name:<18} {fmt_shape(w.shape)}")
        if isinstance(layer, Bidirectional):
            for side, sub in (("forward", layer.forward_layer), ("backward", layer.backward_layer)):
                for name, w in sub.named_weights().items():
                    lines.append(f"  {side + '/' + name:<27} {fmt_shape(w.shape)}")
        blocks = layer.gate_blocks()
        if len(blocks) > len(layer.weights):
            gates = "  per gate: " + ", ".join(
                f"{k} {fmt_shape(v.shape)}" for k, v in blocks.items())
            lines.append(gates)
        return "\n".join(lines)

    # -- running ------------------------------------------------------------------------
    def predict(self, x, batch_size: int | None = None, verbose: object = "auto"):
        """What Keras' ``model.predict(x)`` returns: one array, or a list for several
        outputs (``trace(x).output``, the same numbers). A trace that would pass the memory
        limit's share for traces is made by keyframes instead (``windows.trace_auto``:
        nothing per step is kept, the outputs are the same to the bit), so a long input
        costs the memory of its outputs. ``batch_size`` and ``verbose`` are taken as
        Keras takes them (a whole number of at least 1, or None; nothing is printed): the
        samples do not depend on each other, so the batches change no number beyond float32
        rounding; a stateful model sees the whole batch at once and carries its states on,
        as after ``trace``."""
        from lstmviz.engine.windows import trace_auto

        if batch_size is not None and not is_whole(batch_size, 1):
            raise LstmvizError(f"predict: batch_size must be a whole number of at least 1 or None, "
                               f"not {batch_size!r}")
        if self.stateful:
            return self.trace(x).output
        return trace_auto(self, x).output

    def trace(self, x, reuse: Trace | None = None, needed: Collection[str] | None = None) -> Trace:
        """Run the model on ``x`` (an array, or a list for several inputs), recording all.

        ``reuse``: an earlier trace (of this model or of one it was rebuilt from, as after
        an edit of a later layer): a layer that is the same as the one that made it (class,
        config, Keras generation, weights to the bit, inputs from the same layers, which
        were reused themselves, or the same input to the bit) and keeps no state takes its
        outputs and record from it instead of running again; the same numbers, since a
        layer's pass is a function of those.

        ``needed``: the layers whose records are wanted now (the app: the layer on screen
        and the one just edited). In a plain stack without state, the layers after the last
        of them run when their record (or the model's output) is first asked for
        (``Trace.layers`` names them meanwhile), with copies of their weights and config
        as they are now: the same numbers as a trace of everything at once, whatever
        changes in the model in between."""
        arrays = self.check_inputs(x)
        in_shapes = self._infer_shapes([a.shape for a in arrays])
        estimate = self._check_size(arrays, in_shapes)
        values: dict[str, list] = {}
        masks: dict[str, list] = {}
        records: dict[str, LayerTrace] = {}
        feed = {r.layer: a for r, a in zip(self.inputs, arrays)}
        old = _Reusable(self, reuse)

        def run(node: Node, private: bool = False) -> None:
            layer = node.layer
            if old.same(node):
                outs, oms, rec = old.take(layer.name)
            else:
                ins = [values[r.layer][r.tensor_index] for r in node.inbound]
                ims = [masks[r.layer][r.tensor_index] for r in node.inbound]
                if node.mask is not None:  # mask=... in the model: Keras uses it as given
                    ims[0] = np.asarray(values[node.mask.layer][node.mask.tensor_index]).astype(bool)
                init = [values[r.layer][r.tensor_index] for r in node.initial_state] or None
                outs, oms, rec = run_layer(layer, ins, ims, init)
                keep_output_mask(rec, outs, oms)
                old.record(node, outs, oms, private)
            values[layer.name], masks[layer.name] = outs, oms
            records[layer.name] = rec

        later = self._later(needed)
        # an ONNX op's output size may be known only when it runs (the estimate counts it
        # as one element): what the ops make together is counted as they run
        counting: contextlib.AbstractContextManager = contextlib.nullcontext()
        if any(n.layer.class_name.startswith("onnx.") for n in self.nodes):
            from lstmviz.engine import onnx_ops

            counting = onnx_ops.counted(limits.memory_limit() - estimate)
        with counting:
            for node in self.nodes[:len(self.nodes) - len(later)]:
                layer = node.layer
                if isinstance(layer, InputLayer):
                    if layer.name not in feed:  # (unlisted: nothing reads it, _check_inputs)
                        continue
                    values[layer.name] = [feed[layer.name]]
                    masks[layer.name] = [None]
                    old.check_input(layer.name, feed[layer.name])
                    continue
                run(node)
        if later:
            # the later layers run afresh (no earlier trace kept alive for them: each would
            # hold the one before), each as it is now: a copy with copies of its weights
            # and config
            old.forget_earlier()
            frozen = []
            for node in later:
                layer = copy.copy(node.layer)
                layer.weights = [np.array(w, copy=True) for w in node.layer.weights]
                layer.config = copy.deepcopy(node.layer.config)
                frozen.append(Node(layer, list(node.inbound), list(node.initial_state), node.mask))

            def finish() -> list:
                for node in frozen:
                    run(node, private=True)  # (its weights and config: this trace's own copies)
                return [values[r.layer][r.tensor_index] for r in self.outputs]

            later_layers = LaterLayers(records, [n.layer.name for n in later], finish)
            # (``layers`` a Mapping, not a dict; ``outputs`` the property that runs them)
            trace: Trace = LaterTrace(later_layers, [], arrays)  # type: ignore[arg-type]
        else:
            trace = Trace(records, [values[r.layer][r.tensor_index] for r in self.outputs], arrays)
        trace.model = self
        trace._flow = old.made  # what a later trace may take as it is (later layers: once run)
        return trace

    def _later(self, needed: Collection[str] | None) -> list[Node]:
        """The nodes ``trace(needed=...)`` runs when first asked for: those after the last
        needed one, in a plain stack where none keeps state and each is a Keras layer of
        config and weights (``_Reusable.eligible``: copied, it is the same layer)."""
        if not needed or not self.is_sequential or self.stateful:
            return []
        names = [n.layer.name for n in self.nodes]
        if any(name not in names for name in needed):
            return []
        last = max(names.index(name) for name in needed)
        later = self.nodes[last + 1:]
        if not all(_Reusable.eligible(n.layer) and not isinstance(n.layer, InputLayer) for n in later):
            return []
        return later

    def check_inputs(self, x) -> list[np.ndarray]:
        """``x`` (an array, or a list or tuple of one per input) as the arrays a trace runs
        on, each checked against its input's shape (rank, features, numbers, NaN), with
        Keras-like messages; what ``trace``, ``gradients`` and the keyframe pass take."""
        if isinstance(x, dict):  # (Keras' dict of input names: not taken, said so)
            names = ", ".join(repr(ref.layer) for ref in self.inputs)
            raise LstmvizError(f"x is a dict; give an array (or a list of one array per input, in order: "
                               f"{names})")
        x = _nested_numbers(x, self)
        xs = list(x) if isinstance(x, (list, tuple)) else [x]
        if len(xs) != len(self.inputs):
            hint = ""
            if len(self.inputs) == 1 and isinstance(x, (list, tuple)):
                hint = (f" (a {type(x).__name__} holds one array per input; for this model's one "
                        "input give one array, e.g. np.asarray(x))")
            elif len(self.inputs) > 1:  # (which arrays, as the command line names its files)
                hint = "; give a list of one array per input, in order: " + ", ".join(
                    f"{ref.layer!r} {fmt_shape(shape)}" for ref, shape in zip(self.inputs, self.input_shapes()))
            raise LstmvizError(f"the model takes {len(self.inputs)} input(s), got {len(xs)}{hint}")
        return [self._check_input(np.asarray(a), ref, k) for k, (a, ref) in enumerate(zip(xs, self.inputs))]

    def check_input(self, x, k: int) -> np.ndarray:
        """Input ``k``'s array ``x`` as a trace runs on it, checked as ``check_inputs``
        checks each one."""
        return self._check_input(np.asarray(x), self.inputs[k], k)

    def _check_input(self, arr, ref, k) -> np.ndarray:
        want = self._input_layer(ref).batch_shape
        which = f"input {k} ('{ref.layer}')" if len(self.inputs) > 1 else "the input"
        if arr.ndim == 0 and arr.dtype.kind in "US":  # model.trace("x.npy"): a path, as a string
            text = arr.item().decode("utf-8", "replace") if arr.dtype.kind == "S" else str(arr)
            text = text if len(text) <= 60 else text[:57] + "..."
            raise LstmvizError(f"{which} is the string {text!r}, not an array: read a file first "
                               "(np.load for .npy; lstmviz.picture and lstmviz.show take its path)")
        if arr.dtype.kind == "c":  # (cast to float32, its imaginary part was dropped with a warning)
            raise LstmvizError(f"{which} holds complex numbers (dtype {arr.dtype}): give real numbers "
                               "(an array of floats, integers or booleans)")
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise LstmvizError(f"{which} is not numeric (dtype {arr.dtype}): give numbers "
                               "(an array of floats, integers or booleans)")
        if arr.ndim != len(want):
            one = arr.ndim == len(want) - 1 and all(
                n is None or n == g for g, n in zip(arr.shape[1:], want[2:]))
            # a plain series (a sensor's readings) for a model of one feature a step
            series = arr.ndim == 1 and len(want) == 3 and want[2] in (None, 1)
            raise LstmvizError(
                f"{which} has shape {fmt_shape(arr.shape)} (rank {arr.ndim}) but the model expects "
                f"{fmt_shape(want)} (rank {len(want)})" + (
                    f"; one sample? give it a batch axis: x[None], shape {fmt_shape((1, *arr.shape))}"
                    if one else
                    f"; one series of steps? give it a batch and a feature axis: x[None, :, None], "
                    f"shape {fmt_shape((1, *arr.shape, 1))}" if series else "")
            )
        layer = self._input_layer(ref)
        steps_axis = 0 if layer.config.get("time_major") else 1
        if (self.source.get("format") == "onnx" and len(want) == 3 and not layer.config.get("role")
                and want[steps_axis] is not None and arr.shape[steps_axis] != want[steps_axis]):
            # (an export that fixed its length: torch's, the steps it was traced on)
            from lstmviz.engine.onnx_time import fixed_words

            raise LstmvizError(fixed_words(want[steps_axis], arr.shape[steps_axis], which))
        for axis, (got, need) in enumerate(zip(arr.shape, want)):
            if need is not None and got != need and axis > 0:
                noun = {1: "timestep", 2: "feature"}.get(axis)
                has = plural(got, noun) if noun else f"{got} along axis {axis}"
                if axis == 1 and len(want) in (2, 3) and self.is_sequential:
                    continue  # recurrent stacks (ids or features) run on any length, as Keras does
                raise LstmvizError(
                    f"{which} has {has} but the model expects {need}: shape "
                    f"{fmt_shape(arr.shape)} vs {fmt_shape(want)}"
                )
        if arr.shape[0] == 0 or (arr.ndim > 1 and arr.shape[1] == 0):
            raise LstmvizError(f"{which} is empty: shape {fmt_shape(arr.shape)}")
        check_finite(arr, f"{which} holds")
        check_float32(arr, f"{which} holds")  # (before the cast below made it infinity)
        if want and want[0] is not None and arr.shape[0] != want[0]:
            if self.source.get("format") == "onnx":
                # (the graph's first axis may be its steps: an unrolled time-major export)
                raise LstmvizError(
                    f"{which} has {arr.shape[0]:,} along its first axis but the graph fixes that axis to "
                    f"{want[0]:,} (shape {fmt_shape(arr.shape)} vs {fmt_shape(want)}): give it {want[0]:,} "
                    "there, or export the model with that axis dynamic")
            raise LstmvizError(f"{which} has batch {arr.shape[0]} but the model is built for batch {want[0]}")
        if np.issubdtype(arr.dtype, np.floating) and arr.dtype != np.float32:
            arr = arr.astype(np.float32)
        return arr

    def _check_size(self, arrays, in_shapes: dict) -> int:
        """Refuse a trace that would not fit the memory limit, before computing any of it:
        every layer's outputs, and each recurrent layer's per-step records over the steps
        it really runs (after a RepeatVector: its ``n``, not the input's steps). Returns
        the bytes estimated."""
        batch = arrays[0].shape[0]
        steps = arrays[0].shape[1] if arrays[0].ndim > 1 else 1
        total = sum(a.nbytes for a in arrays)
        run = 0
        for node in self.nodes:
            ins = in_shapes.get(node.layer.name)
            if not ins or isinstance(node.layer, InputLayer):
                continue
            for out in node.layer.compute_output_shapes(ins):
                total += limits.nbytes_of([1 if d is None else d for d in out], 4)
            for r in _rnn_layers(node.layer):
                shape = [1 if d is None else d for d in ins[0]]
                t = shape[1] if len(shape) > 2 else 1
                # (an input declared of no axes, a session's: its trace says what is wrong)
                total += (shape[0] if shape else 1) * t * r.units * (3 * r.k + 4) * 4
                run += t
        msg = limits.excess(total, f"tracing batch {batch} x {steps} steps")
        if msg:
            raise LstmvizError(f"{msg}; use fewer samples or steps, or {limits.HINT}")
        if run > limits.step_limit():
            raise TooManySteps(run)
        return total


def _rnn_layers(layer) -> list:
    if isinstance(layer, Bidirectional):
        return [layer.forward_layer, layer.backward_layer]
    return [layer] if isinstance(layer, Recurrent) else []


def _rnn_config(layer) -> dict:
    rnn = _rnn_layers(layer)
    return rnn[0].config if rnn else {}


def _nested_numbers(x, model):
    """``x`` as one array where it is a one-input model's samples written as nested lists
    (``x.tolist()``, a list of per-sample arrays), as Keras' ``fit`` and ``predict`` take
    them; else ``x`` as given (a list or tuple of one array per input: ``[x]`` is ``x``)."""
    if len(model.inputs) != 1 or not isinstance(x, (list, tuple)) or len(x) == 0:
        return x
    if all(isinstance(a, np.ndarray) for a in x) and (len(x) == 1 or len({a.shape for a in x}) > 1):
        return x  # ([x], or arrays of several shapes: one per input, as said for a model of one)
    rank = len(model._input_layer(model.inputs[0]).batch_shape)
    try:
        arr = np.asarray(x)
    except ValueError:  # (ragged: samples of different lengths)
        raise LstmvizError(f"x is a {type(x).__name__} of samples of different shapes; give one array "
                           f"(samples first), e.g. of shape {fmt_shape(model.input_shapes()[0])}") from None
    if arr.dtype.kind in "biuf" and arr.ndim == rank:
        return arr
    return x


def _checked_specs(specs) -> list[LayerSpec]:
    """``specs`` as a list, each a ``LayerSpec`` of a class name, a config dict and a name
    (str or None), else refused in one line saying how to write it: the arguments swapped
    (``LayerSpec("LSTM", "enc", {...})``) failed as "unhashable type: 'dict'" deep inside."""
    specs = list(specs)
    for k, ls in enumerate(specs):
        if not isinstance(ls, LayerSpec):
            raise LstmvizError(f"layers[{k}] is a {type(ls).__name__}, not a LayerSpec: write "
                               'LayerSpec("LSTM", {"units": 16}) (class name, config dict)')
        wrong = [(what, value) for what, value, ok in (
            ("class_name", ls.class_name, isinstance(ls.class_name, str)),
            ("config", ls.config, isinstance(ls.config, dict)),
            ("name", ls.name, ls.name is None or isinstance(ls.name, str))) if not ok]
        if wrong:
            what, value = wrong[0]
            cls = ls.class_name if isinstance(ls.class_name, str) else "LSTM"
            raise LstmvizError(f"layers[{k}]: its {what} is a {type(value).__name__}; a LayerSpec "
                               f'takes (class name, config dict, name=...): LayerSpec("{cls}", '
                               '{"units": 4}, name="rnn")')
        if _has_numpy_scalar(ls.config):  # (units=np.int64(4) was refused: "units is np.int64(4)")
            specs[k] = dataclasses.replace(ls, config=_python_numbers(ls.config))
    return specs


def _has_numpy_scalar(value) -> bool:
    if isinstance(value, np.generic):
        return True
    if isinstance(value, dict):
        return any(_has_numpy_scalar(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_numpy_scalar(v) for v in value)
    return False


def _python_numbers(value):
    """A config with NumPy's numbers (``units=np.int64(4)``, as a computation gives them) as
    Python's, as Keras takes them; the config is then as a file's (JSON's numbers)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _python_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_python_numbers(v) for v in value)
    return value


def _check_keys(specs: list[LayerSpec]) -> None:
    """Each layer's config keys, as Keras 3's layer takes them (``keras3_keys.unknown_key``;
    the keys lstmviz itself writes in a layer's config too), and those of the layers and
    cells it wraps, else refused in one line naming the layer and the key: ``{"unitz": 4}``
    was kept silently, the layer built without it (Keras: "Unrecognized keyword arguments
    passed to LSTM"); so are the values Keras 3's constructor refuses that a file's config
    may hold from Keras 2 (``keras3_keys.refused_value``: ``Dropout(rate=2)``)."""
    for k, ls in enumerate(specs):
        said = _unknown_key(ls.class_name, ls.config)
        if said:
            name = f" '{safe_name(ls.name)}'" if ls.name else ""
            raise LstmvizError(f"layers[{k}]{name} ({ls.class_name}): {said}")


def _unknown_key(class_name: str, config: dict) -> str | None:
    from lstmviz.engine.keras3_keys import refused_value, unknown_key

    layer = next((c.name for c in CELLS.values() if c.cell_class == class_name), class_name)
    engine = LAYER_CLASSES.get(layer)  # (a cell's: its layer's, whose config it becomes)
    said = unknown_key(class_name, config, tuple(getattr(engine, "defaults", {}))) or refused_value(
        class_name, config)
    if said:
        return said
    for key in ("layer", "backward_layer", "cell", "cells"):  # (a Bidirectional's, TimeDistributed's,
        # RNN's, and StackedRNNCells' cells: RNN(cell=StackedRNNCells([...])) as RNN(cell=[...]))
        inner = config.get(key)
        for part in inner if isinstance(inner, list) else [inner]:
            if (isinstance(part, dict) and isinstance(part.get("class_name"), str)
                    and isinstance(part.get("config"), dict)):
                said = _unknown_key(part["class_name"], part["config"])
                if said:
                    return f"its {key} ({part['class_name']}): {said}"
    return None


def _check_seed(seed) -> None:
    """A seed numpy's ``default_rng`` takes as one: None or a whole number (numpy's too)."""
    import operator

    if seed is None:
        return
    try:
        operator.index(seed)
    except TypeError:
        raise LstmvizError(f"seed={seed!r}: give a whole number (the same seed, the same "
                           "initial weights)") from None


def _unique_names(specs: list[LayerSpec]) -> list[str]:
    """Each layer's name: ``LayerSpec.name``, else its config's ``name`` (as
    ``LSTM(4, name="enc")`` names it in Keras: the config was "enc" and the layer "lstm"),
    else a Keras-style default (``lstm``, ``lstm_1``, ...)."""
    given = [s.name or _config_name(s) for s in specs]
    names, used = [], {n for n in given if n}
    counts: dict[str, int] = {}
    for s, name in zip(specs, given):
        if name:
            names.append(name)
            continue
        base = snake_case(s.class_name)
        n = counts.get(base, 0)
        cand = base if n == 0 else f"{base}_{n}"
        while cand in used:
            n += 1
            cand = f"{base}_{n}"
        counts[base] = n + 1
        used.add(cand)
        names.append(cand)
    return names


def _config_name(spec: LayerSpec) -> str | None:
    """The ``name`` a layer's config gives, if it is a text (another is refused with the
    config's other values)."""
    name = spec.config.get("name") if isinstance(spec.config, dict) else None
    return name if isinstance(name, str) and name else None


def _same_bits(a, b) -> bool:
    """The same array, or one of the same shape, dtype and bytes (not ``==``: -0.0 is not 0.0)."""
    if a is b:
        return True
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.flags.c_contiguous and b.flags.c_contiguous:
        return bool(np.array_equal(a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8)))
    return a.tobytes() == b.tobytes()


def _same_config(a: dict, b: dict) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays in a config: never taken as the same
        return False


class _Reusable:
    """Which layers of an earlier trace ``Model.trace(reuse=...)`` may take as they are.

    A trace keeps, for each layer it may hand on, what made its record: the class, a copy
    of the config and of the weights (models change in place: training writes into the
    weight arrays), the Keras generation and where its inputs came from."""

    def __init__(self, model: "Model", reuse: Trace | None):
        flow = getattr(reuse, "_flow", None)
        ok = (reuse is not None and flow is not None and not reuse.start
              and reuse.total_steps is None and not model.stateful)
        self.flow: dict = flow if ok and isinstance(flow, dict) else {}
        self.records: dict[str, LayerTrace] = reuse.layers if ok and reuse is not None else {}
        self.same_names: set[str] = set()
        self.made: dict[str, tuple] = {}  # this trace's own, for the next one

    @staticmethod
    def eligible(layer: Layer) -> bool:
        return (type(layer).build is Layer.build  # no wrapped layers
                and type(layer).__module__ in KERAS_LAYER_MODULES  # Keras' layers: config + weights
                and not _rnn_config(layer).get("stateful"))

    #: what a trace copies to compare the next one with, at most, per layer and per input
    #: (a larger layer or input is traced again: its copy would cost more than it saves)
    MAX_COPY = 16 << 20

    def check_input(self, name: str, arr) -> None:
        if np.asarray(arr).nbytes <= self.MAX_COPY:
            self.made[name] = (np.array(arr, copy=True),)  # a copy: an input may be edited in place
        old = self.flow.get(name)
        if old is not None and len(old) == 1 and _same_bits(old[0], arr):
            self.same_names.add(name)

    @staticmethod
    def _refs(node: Node) -> tuple:
        return (list(node.inbound), list(node.initial_state), node.mask)

    def same(self, node: Node) -> bool:
        layer = node.layer
        old = self.flow.get(layer.name)
        if old is None or len(old) != 7 or not self.eligible(layer) or layer.name not in self.records:
            return False
        cls, config, major, weights, refs, _outs, _masks = old
        inbound, initial_state, mask = self._refs(node)
        if (cls is not type(layer) or major != layer.keras_major or refs != (inbound, initial_state, mask)
                or any(r.layer not in self.same_names for r in inbound + initial_state + ([mask] if mask else []))
                or not _same_config(config, layer.config) or len(weights) != len(layer.weights)
                or not all(_same_bits(a, b) for a, b in zip(weights, layer.weights))):
            return False
        self.same_names.add(layer.name)
        return True

    def forget_earlier(self) -> None:
        """Take nothing more from the earlier trace (and let it go)."""
        self.flow, self.records = {}, {}

    def take(self, name: str):
        old = self.flow[name]
        self.made[name] = old
        return old[5], old[6], self.records[name]

    def record(self, node: Node, outs, oms, private: bool = False) -> None:
        """What ``layer`` was run with, for the next trace to compare: copies of its config
        and weights, or, ``private``, them as they are (a later layer's, copied at trace
        time and held by the trace alone: a second copy of an LSTM(512)'s 8 MB took 2-4 ms
        of opening a long input)."""
        layer = node.layer
        if self.eligible(layer) and sum(np.asarray(w).nbytes for w in layer.weights) <= self.MAX_COPY:
            weights = list(layer.weights) if private else [np.array(w, copy=True) for w in layer.weights]
            self.made[layer.name] = (type(layer), layer.config if private else copy.deepcopy(layer.config),
                                     layer.keras_major, weights, self._refs(node), outs, oms)


def _check_carried(holder, states) -> None:
    """A ``ValueError`` unless ``states`` (or None) fit the recurrent layer ``holder``:
    one (batch, units) array per state it names, all of one batch."""
    if states is None:
        return
    names = getattr(holder, "state_names", None)
    units = getattr(holder, "units", None)
    if names is None or units is None:
        return
    where = f"layer '{holder.name}' ({holder.class_name})"
    if len(states) != len(names):
        raise ValueError(f"{where} carries {len(names)} state(s) ({', '.join(names)}), "
                         f"{len(states)} kept")
    batch = None
    for name, a in zip(names, states):
        shape = np.shape(a)
        if len(shape) != 2 or shape[1] != units or (batch is not None and shape[0] != batch):
            need = f"({'batch' if batch is None else batch}, {units})"
            raise ValueError(f"{where}: its state {name} kept with shape {fmt_shape(shape)}, "
                             f"needs {need}")
        batch = shape[0]


def _state_holders(layer) -> list:
    """The recurrent layers in ``layer`` that carry states from one call to the next (a
    Bidirectional's halves, a stacked RNN's cells, a recurrent layer itself), in order."""
    if hasattr(layer, "forward_layer") and hasattr(layer, "backward_layer"):
        return _state_holders(layer.forward_layer) + _state_holders(layer.backward_layer)
    if isinstance(getattr(layer, "cells", None), list):
        return [h for cell in layer.cells for h in _state_holders(cell)]
    return [layer] if hasattr(layer, "states") else []
