"""A layer's output over its steps, for the Over time view: what a layer that is not
recurrent (a Conv1D, a pooling, an Embedding, a Dense or a TimeDistributed on a sequence)
gives at each of its steps, held as the view holds a recurrent cell's records
(``CellRef``'s ``rec.steps[key]``: (batch, steps, units)), so that the view's heatmap,
curve, step cursor and clicks are the same items for both. No math: the trace's own
output array (a channels-first one seen steps first, ``steps_first_view``, not copied;
an ONNX op's over a recurrent node's 4-D Y, its directions side by side, a copy).
No Qt.

On a long input's window (``total_steps``) a layer whose output holds the window's steps
(``windows.window_axes``: a per-step layer, a Conv1D or a pooling) is drawn as on a whole
trace, its steps the window's (``OutputRecord.start``; after a strided Conv1D or pooling
its own, fewer: ``OutputRecord.total``)
and its colours the whole sequence's, from its overview (``scale.overviews``' ``(name,
OUTPUT_KEY)``); one computed once for the whole sequence (a RepeatVector's of another length
than the input's, after a last step) has no window's steps, and is left out (``no_steps_text`` says why)."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from lstmviz.app.cell_ref import (
    _traced_layer,
    cell_refs,
    clamp,
    fed_by,
    layer_below,
    layer_input,
    model_inputs,
    reversed_steps,
    stacked_cell_refs,
    steps_axes,
    steps_first_view,
    unit_word,
)
from lstmviz.engine import Model, Trace
from lstmviz.engine.layers import Bidirectional, InputLayer, Recurrent, StackedRNN
from lstmviz.engine.trace import whole_steps, window_first
from lstmviz.engine.windows import window_axes
from lstmviz.errors import LstmvizError
from lstmviz.text import plural

#: the one record of a layer's output (``y``: as the Over time view's heatmap and curve
#: name it)
OUTPUT_KEY = "y"


@dataclass(frozen=True)
class OutputKind:
    """What the Over time view reads of a ``CellKind``, for a layer's output: one record,
    no gates (its colours and curves' range are a state's: symmetric around 0)."""

    name: str = "output"
    records: tuple[str, ...] = (OUTPUT_KEY,)
    gated: bool = False
    gates: tuple = ()
    cell_class: str = ""


#: the one kind (the view's layout is keyed by the kind's id and the layer's name)
OUTPUT_KIND = OutputKind()


@dataclass(frozen=True)
class OutputRecord:
    """What the Over time view reads of a ``LayerTrace``: ``steps[OUTPUT_KEY]`` the layer's
    output (batch, steps, units), the mask its output carries (batch, steps; True = kept),
    as Keras hands it on (``trace.keep_output_mask``: a Dense after a masked LSTM's
    sequence; None after a Conv1D or a pooling, which drop it) (its numbers at a masked step
    are what it computed there, drawn greyed as a recurrent record's), a whole trace's
    steps (``start`` 0)."""

    steps: Mapping[str, np.ndarray]
    mask: np.ndarray | None = None
    #: its first step in the whole sequence (a long input's window; 0 in a whole trace)
    start: int = 0
    #: a long input's window: its own steps in the whole sequence where they are not the
    #: input's (after a strided Conv1D or pooling: ``LayerTrace.total``), else None
    total: int | None = None
    go_backwards: bool = False
    input_window: None = None
    input_start: int = 0

    @property
    def timesteps(self) -> int:
        return int(self.steps[OUTPUT_KEY].shape[1])


@dataclass(frozen=True)
class OutputRef:
    """A layer's output over its steps, answering what the Over time view asks a
    ``CellRef``: its steps are its own (an output step is no input step: a strided Conv1D's
    step 2 reads several), processed left to right."""

    name: str
    layer: object
    rec: OutputRecord
    #: what one of its numbers a step is called: "unit", a Conv1D's "filter", a pooling's
    #: "channel" (``cell_ref.unit_word``, as the Unrolled view and the unit box say)
    word: str = "unit"
    #: a layer over windows of steps (Conv1D, a pooling: ``read_steps``): the step of the
    #: array below each tap of each of its steps reads (-1: the padding), and whose steps
    #: they are (the layer below's name, None: the model's input); else None
    reads: np.ndarray | None = None
    below: str | None = None
    #: each of its steps reads every step of the array below (``below``'s: a Softmax over
    #: the steps, its sum over them; ``Layer.reads_every_step``)
    every: bool = False
    side: None = None
    #: its steps stand over the input turned around (``cell_ref.reversed_steps``: a Dense
    #: after a go_backwards LSTM's sequence, its step t over input step T-1-t)
    reversed_input: bool = False
    #: every number of its output is >= 0 (``nonnegative``): its colours run from 0 up
    nonneg: bool = False

    @property
    def cell(self) -> OutputKind:
        return OUTPUT_KIND

    @property
    def kind(self) -> str:
        """The layer's class ("Conv1D"; a TimeDistributed's with its inner layer's)."""
        return class_said(self.layer)

    @property
    def top(self) -> object:
        return self.layer

    @property
    def values(self) -> np.ndarray:
        """(batch, steps, units): the trace's output of the layer."""
        return self.rec.steps[OUTPUT_KEY]

    @property
    def units(self) -> int:
        return int(self.values.shape[2])

    @property
    def T(self) -> int:
        return int(self.values.shape[1])

    @property
    def backwards(self) -> bool:
        """Whether its steps stand over the input turned around (``reversed_input``)."""
        return self.reversed_input

    @property
    def label(self) -> str:
        return self.name

    def clamp_cursor(self, cursor) -> tuple[int, int, int]:
        """(sample, step, unit) of ``cursor``, each within the output."""
        return (clamp(cursor.sample, 0, self.values.shape[0] - 1),
                clamp(cursor.step, 0, self.T - 1), clamp(cursor.unit, 0, self.units - 1))

    def input_index(self, step: int) -> int:
        """The column (input order) of its step ``step``: T-1-step where its steps stand
        over the input turned around (a Dense after a go_backwards LSTM's sequence)."""
        return self.T - 1 - step if self.reversed_input else step

    def input_step(self, step: int, start: int = 0) -> int:
        """The step of the whole sequence its step ``step`` stands over (``start`` added:
        a window's first; its own step, after a strided Conv1D or pooling); a long input's
        window of steps over the input turned around holds its own steps T-b .. T-a-1 from
        ``rec.start``: T-1 less its own step (it said the window's own T-1-t added to that
        start, a Dense's step 1,765 over input step 1,674, not 1,234)."""
        if self.reversed_input and self.rec.total is not None:
            return int(self.rec.total) - 1 - (int(self.rec.start) + step)
        return start + self.input_index(step)

    def step_of(self, input_index: int) -> int:
        return self.input_index(input_index)

    def read_steps(self, step: int) -> tuple[int, ...]:
        """The steps below that step ``step`` (of the trace's: a long input's window's)
        reads, in order, counted in the whole sequence (a window of a Conv1D or a pooling,
        its padding left out; a dilated one's with gaps), or () (each step its own, or
        unknown)."""
        if self.reads is None or not 0 <= step < self.reads.shape[0]:
            return ()
        taps = self.reads[step]
        return tuple(int(i) for i in np.unique(taps[taps >= 0]))

    def masked(self, sample: int, step: int) -> bool:
        m = self.rec.mask
        return m is not None and not bool(m[sample, step])

    def masked_steps(self, sample: int) -> np.ndarray | None:
        """(T,) True at the masked steps of ``sample``, or None if none are (as a
        ``CellRef``'s)."""
        m = self.rec.mask
        if m is None:
            return None
        masked = ~np.asarray(m[sample], dtype=bool)
        return masked if masked.any() else None


def class_said(layer) -> str:
    """``layer``'s class as the Over time view names it: "Conv1D", a TimeDistributed's with
    its inner layer's ("TimeDistributed(Dense)")."""
    cls = str(getattr(layer, "class_name", ""))
    inner = getattr(layer, "inner", None) or getattr(layer, "layer", None)
    named = getattr(inner, "class_name", None)
    if cls == "TimeDistributed" and named:
        return f"TimeDistributed({named})"
    return cls


def over_steps(model: Model, trace: Trace, name: str) -> np.ndarray | None:
    """Layer ``name``'s traced output as (batch, steps, units), where it has steps (an ONNX
    op over a recurrent node's Y: (batch, steps, directions x hidden), a copy); else
    None (no time axis, a 4-D output of sub-steps, not numbers; on a long input's window
    an output without the window's steps: ``window_axis``). What the Over time view draws
    and Units at scale ranks (``scale.stream``'s ``OUTPUT_KEY``)."""
    rec = trace.layers[name]
    if not rec.outputs:
        return None
    out = rec.output
    if not isinstance(out, np.ndarray) or out.ndim not in (3, 4) or not np.issubdtype(out.dtype, np.floating):
        return None
    long = getattr(trace, "total_steps", None)
    axis = window_axis(model, trace, name) if long else (steps_axes(model).get(name) or [None])[0]
    # (a window's output without its steps; a 4-D one but an ONNX op's over a recurrent
    # node's Y (time, directions, batch, hidden): sub-steps)
    if (long and axis is None) or (out.ndim == 4 and axis != 0):
        return None
    return steps_first_view(out, axis)


def window_axis(model: Model, trace: Trace, name: str) -> int | None:
    """The axis of layer ``name``'s output holding a long input's window's steps
    (``windows.window_axes`` of the window's inputs), None where it has none (computed
    once for the whole sequence) or no window can be made of the model."""
    try:
        axes = window_axes(model, list(trace.inputs or []))
    except (LstmvizError, KeyError, IndexError):
        return None
    return (axes.get(name) or [None])[0]


def _reads(model: Model, trace: Trace, layer, steps: int) -> tuple[np.ndarray | None, str | None]:
    """For a layer over windows of steps (``read_steps``): the step each tap of each of
    its ``steps`` output steps reads, and whose steps they are (``OutputRef.reads``,
    ``below``), where the array below holds its steps on the axis the layer reads (as the
    Unrolled view's connections, ``unrolled.step_links``); else (None, None). On a long
    input's window, its steps' rows of the whole sequence's (a same Conv1D's first step
    of a window reads the step before it, not the padding)."""
    node = next((n for n in model.nodes if n.layer.name == layer.name), None)
    if not hasattr(layer, "read_steps") or node is None or not node.inbound:
        return None, None
    ref = node.inbound[0]
    axes = steps_axes(model).get(ref.layer) or []
    axis = axes[ref.tensor_index] if ref.tensor_index < len(axes) else None
    if axis is None or axis != (2 if getattr(layer, "channels_first", False) else 1):
        return None, None
    rec = trace.layers.get(ref.layer)
    if rec is not None:
        below = rec.outputs[ref.tensor_index]
    else:
        xs = model_inputs(trace) or []
        below = next((xs[k] for k, r in enumerate(model.inputs) if r.layer == ref.layer and k < len(xs)), None)
    if below is None or np.ndim(below) <= axis:
        return None, None
    # (a long input's window: the steps below of the whole sequence, and the layer's first,
    # each its own after a strided Conv1D or pooling)
    total, start = whole_steps(trace, rec), window_first(trace, trace.layers.get(layer.name))
    try:
        if total:
            reads = layer.read_steps(int(total), start, start + steps)
        else:
            reads = layer.read_steps(int(np.shape(below)[axis]))
    except LstmvizError:
        return None, None
    if reads.shape[0] != steps:
        return None, None
    return reads, (ref.layer if rec is not None else None)


def reads_every(model: Model, layer) -> bool:
    """Whether each step of ``layer`` reads every step of its (first) input, as its input
    holds its steps (``Layer.reads_every_step``: a Softmax over the steps): Over time's
    "reads every step of e", the Cell view's words in place of a page."""
    node = next((n for n in model.nodes if n.layer.name == layer.name), None)
    if node is None or not node.inbound:
        return False
    ref = node.inbound[0]
    axes = steps_axes(model).get(ref.layer) or []
    axis = axes[ref.tensor_index] if ref.tensor_index < len(axes) else None
    return axis is not None and bool(layer.reads_every_step(axis))


def output_ref(model: Model, trace: Trace, name: str | None) -> OutputRef | None:
    """Layer ``name``'s output over its steps, for the Over time view; None for a recurrent
    layer (its cells' records: ``cell_ref``), a layer whose output has no steps (on a long
    input's window: none of the window's, see the module's docstring), no layer."""
    if trace is None:
        return None
    layer = _traced_layer(model, trace, name)
    if layer is None or isinstance(layer, InputLayer) or getattr(layer, "glue", False) \
            or layer.name in model.mask_ops:
        return None
    assert name is not None  # (_traced_layer: a name)
    if cell_refs(model, trace, name) or stacked_cell_refs(model, trace, name):
        return None
    out = over_steps(model, trace, name)
    if out is None:
        return None
    reads, below = _reads(model, trace, layer, int(out.shape[1]))
    every = reads_every(model, layer)
    if every:  # (whose steps: the layer below's, None the model's input)
        below = layer_below(model, name)
        below = below if below in trace.layers else None
    own = trace.layers.get(name) if getattr(trace, "total_steps", None) else None
    start = window_first(trace, own) if own is not None else 0
    total = getattr(own, "total", None)
    # the mask its output carries, where it holds the steps drawn (batch, steps)
    kept = getattr(trace.layers.get(name), "mask", None)
    mask = kept if kept is not None and np.shape(kept) == out.shape[:2] else None
    rec = OutputRecord({OUTPUT_KEY: out}, mask=mask, start=start, total=total)
    return OutputRef(name, layer, rec, unit_word(layer), reads, below, every,
                     nonneg=nonnegative(model).get(name, False), reversed_input=reversed_steps(model).get(name, False))


#: ``nonnegative`` of each model (its layers' configs and graph never change: an edit makes
#: a new model), so the Over time view's seeks ask a dict, not a walk of the graph
_NONNEGATIVE_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def nonnegative(model: Model) -> Mapping[str, bool]:
    """Per layer, whether every number of its (first) output is >= 0 whatever the model's
    input (``Layer.nonnegative``, followed through the graph from the inputs, which may be
    anything): a Conv1D of relu, the MaxPooling1D after it, a softmax head. Walked at the
    model's first call and kept (read-only)."""
    known = _NONNEGATIVE_KNOWN.get(model)
    if known is None:
        known = _NONNEGATIVE_KNOWN[model] = MappingProxyType(_nonnegative_walk(model))
    return known


def _nonnegative_walk(model: Model) -> dict[str, bool]:
    """``nonnegative``'s walk of the graph."""
    outs: dict[str, bool] = {}
    for node in model.nodes:
        layer = node.layer
        if isinstance(layer, InputLayer):
            outs[layer.name] = False
            continue
        ins = [outs.get(r.layer, False) and r.tensor_index == 0 for r in node.inbound]
        outs[layer.name] = bool(layer.nonnegative(ins))  # (an ONNX graph's nodes: False)
    return outs


def output_layers(model: Model, inputs) -> dict[str, int]:
    """The layers the Over time view draws as their output over a long input's steps
    (``output_ref``'s: not recurrent, no InputLayer, a 3-D output), each with the axis
    of its output that holds the steps of a window of ``model`` over ``inputs`` (their
    shapes: ``windows.window_axes``); none where no window can be made. What
    ``scale.overviews`` adds an overview of (``(name, OUTPUT_KEY)``), so a model of
    recurrent layers alone costs nothing more. A model no window can be made of (an ONNX
    graph that fixes its length) is traced whole only: there, the axes its trace holds its
    outputs' steps on (``steps_axes``), so an input traced whole lists them still."""
    try:
        axes = window_axes(model, [inputs] if isinstance(inputs, np.ndarray) else list(inputs or []))
    except (LstmvizError, KeyError, IndexError):
        axes = steps_axes(model)
    out = {}
    for node in model.nodes:
        layer = node.layer
        if _recurrent(layer) or not _has_steps(model, layer, axes):
            continue
        axis = (axes.get(layer.name) or [None])[0]
        if axis is not None:
            out[layer.name] = int(axis)
    return out


def _recurrent(layer) -> bool:
    """A layer of recurrent cells (their records are over its steps, whatever it returns)."""
    return isinstance(layer, (Bidirectional, Recurrent, StackedRNN))


def _has_steps(model: Model, layer, long: dict | None = None) -> bool:
    """Whether the Over time view draws ``layer`` (by its kind and output shape: a later
    layer of a trace that runs them when first asked for is not run to say it; on a long
    input, ``long`` its ``windows.window_axes``, the layers whose output holds the
    window's steps)."""
    if isinstance(layer, InputLayer) or getattr(layer, "glue", False) or layer.name in model.mask_ops:
        return False
    if _recurrent(layer):
        return True
    shape = tuple(layer.output_shapes[0]) if layer.output_shapes else ()
    axis = ((long.get(layer.name) if long is not None else steps_axes(model).get(layer.name)) or [None])[0]
    # (4-D: an ONNX op over a recurrent node's Y, steps on axis 0, ``over_steps``)
    return axis is not None and (len(shape) == 3 or (len(shape) == 4 and axis == 0))


def token_at(model: Model, trace: Trace, ref: OutputRef, sample: int, step: int,
             inputs=None) -> tuple[int, bool] | None:
    """The token id an Embedding's step ``step`` embeds (its input's column at that step,
    ``inputs`` where the window gives the shown ones), and whether it is the model's first
    input's (whose ids the app may know the characters of: ``token_label``); None for any
    other layer, or where its input is not known."""
    if getattr(ref.layer, "class_name", None) != "Embedding":
        return None
    ids = layer_input(model, trace, ref.name, inputs)
    if ids is None or np.ndim(ids) != 2 or ids.shape[1] != ref.T or not 0 <= sample < ids.shape[0]:
        return None
    return int(ids[sample, step]), fed_by(model, ref.name) == 0


def no_steps_text(model: Model, trace: Trace | None, name: str | None) -> str:
    """What the Over time view says in place of a layer it does not draw: what the view
    shows, what the layer outputs (one vector a sample, a step's sub-steps) or why not here
    (a long input), and the layers with steps to pick in the layer box. Plain text."""
    shows = ("The Over time view shows a layer's values over its steps (a recurrent cell's gates and "
             "states, another layer's outputs)")
    try:
        layer = model.get_layer(name) if name else None
    except Exception:
        layer = None
    if layer is None:
        what = f"'{name}' is not traced" if name else "no layer is selected"
    else:
        shape = tuple(layer.output_shapes[0]) if layer.output_shapes else ()
        cls = f"'{name}' ({class_said(layer)})"
        if layer.name in model.mask_ops:  # (Keras 3's saved mask ops)
            what = (f"{cls} computes a mask (true or false at each step), not values: it shows as the "
                    "grey (masked) steps of the layers it masks")
        elif len(shape) == 3 and shape[1] == 1 and trace is not None and getattr(trace, "total_steps", None):
            # (a pooling over the steps of keepdims=True: one step of the whole sequence's)
            n = plural(int(shape[2] or 0), unit_word(layer))
            what = f"{cls} outputs one step a sample ({n}), computed once for the whole sequence"
        elif len(shape) == 3 and trace is not None and getattr(trace, "total_steps", None):
            # (it said "on a long input it shows the layers over the input's steps" above
            # the feature-wise LSTM it shows, its steps the features: a Dense after it is left out)
            what = (f"{cls} outputs steps of its own, computed once for the whole sequence; on a long "
                    "input it draws a layer's outputs over the input's steps only (a recurrent layer's "
                    "gates and states over its own)")
        elif len(shape) == 2:
            n = plural(int(shape[1] or 0), unit_word(layer))
            what = f"{cls} outputs one vector a sample ({n}), with no steps"
        elif len(shape) == 4:
            what = f"{cls} outputs sub-steps within each step, which the Unrolled view shows"
        else:
            what = f"{cls} has no steps in its output"
    long = None
    if trace is not None and getattr(trace, "total_steps", None):
        try:
            long = window_axes(model, list(trace.inputs or []))
        except (LstmvizError, KeyError, IndexError):
            long = {}
    names = [l.name for l in model.layers if _has_steps(model, l, long)]
    if not names:
        return (f"{shows}; {what}, and no layer of this model has steps.\n\n"
                "The Unrolled view shows its layers' outputs, the Weights view their weights.")
    shown = names if len(names) <= 6 else [*names[:5], f"{len(names) - 5} more"]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"{shows}; {what}.\n\nPick a layer with steps in the layer box above: {listed}."
