"""Traces of long sequences: keyframes every K steps, any window of steps recomputed exactly.

A full trace holds every intermediate of every sample and step: right for a lecture
example, wrong for a year of sensor data. ``keyframe_pass(model, x)`` runs the model once
without recording (the states-only kernels of ``recurrent``), keeping

- the states ``(h, c)`` entering every K-th step of each recurrent layer (each half of a
  Bidirectional, each cell of an RNN([cells])), and the output before it when a mask may
  repeat it;
- the outputs the model returns, every input mask, and every tensor without a time axis
  (a layer after ``return_sequences=False``, returned states; a GlobalMaxPooling1D or
  GlobalAveragePooling1D over the steps, the usual classifier's head, and the layers after
  it): most are small. A pooling over the steps is computed once, by the very call a whole
  trace makes, over the whole sequence the pass holds while its readers run (a masked
  mean over the unmasked steps only); every window holds it as it is, as a last step's. So
  is a Flatten of a sequence, or a Reshape of it to one axis (``Layer.merges_steps``: its
  steps merged into the features, a fixed-length model's Dense head after it), but it is as
  big as the sequence it read; and so is a layer whose weights read the steps as its
  features or channels (``Layer.reads_whole_axis``: a Conv1D of data_format
  'channels_first' over (batch, steps, features) with no Permute before it, its output
  (batch, filters, features'); a Dense or a channels_last Conv1D over (batch, features,
  steps) after a Permute((2, 1)), its output (batch, features, units)): every output number
  reads every step, its output has no axis of them (``_merges_steps`` says both, once,
  ``_once`` of a node). So is a recurrent layer over (batch, features, steps) after a
  Permute((2, 1)) (LSTM, GRU, SimpleRNN, a Bidirectional or RNN([cells]) of them, of
  return_sequences or not: a "feature-wise" LSTM over a long signal; masked by a Masking
  after the Permute, which masks each feature's row by all its steps, held whole as a layer
  acting along the steps, below, its mask (batch, F) the LSTM's): it steps over the F
  features, each step reading all T input steps as its inputs, its output (batch, F,
  units) or (batch, units); it has its own few steps (F), no clock of the input's
  (``_clocks``), no keyframes and no part of the progress: the pass calls it as a whole
  trace does and keeps its record whole (``_keep_whole``: every key, F x units floats a
  sample, and the input it read, which the Cell view's x_t shows), which every window
  holds as it is (``WindowedTrace.once``; ``trace.held_whole``: the views count its steps
  from 0, as a whole trace's). ``pass_bytes`` counts every tensor without steps by its size,
  held to the pass's end (such a record by its real size, ``record_bytes``, and the input it
  keeps; while it runs its kernel's copies, steps x k.units floats, its input's
  features being the steps), so ``check_pass`` refuses in one line a pass it would not fit;
- the whole output of a layer acting along the steps that keeps them (``Layer.along_steps``:
  a Softmax(axis=1) over a (batch, steps, features) sequence, attention weights over time,
  whose every step needs all steps; a LayerNormalization over axis 1 or axes [1, 2]; a
  BatchNormalization(axis=1), a statistic per step position; over axis 2 of (batch,
  features, steps) after a Permute((2, 1)), asked of the axis its input holds its steps on,
  its output's steps there too, and a Masking there, ``Masking.along_steps``; an ONNX Softmax
  or LogSoftmax over the time axis (before opset 13 over the axes from its ``axis`` flattened, the
  steps' among them: over (N, T, F) of axis 1), ``OnnxOp.along_steps``, whichever axis
  ``onnx_time.follow`` finds the steps on; and a Dense of as many units as the model's fixed
  input length over (batch, features, steps) after a Permute((2, 1)), the attention block of
  blog-era Keras LSTM models, its output's axis 2 a weight per step, ``weighs_input_steps``): computed
  once, by the very call a whole trace makes, and held (batch x steps x features floats, counted in
  ``pass_bytes`` from its node to the end, so ``check_pass`` refuses in one line a pass it
  would not fit); every window takes its steps as a slice of it, the whole trace's bits, and
  the layers after it follow as usual (Keras' attention pooling: a Multiply of the LSTM's
  sequence by the weights, broadcast as Keras 3 does, a GlobalAveragePooling1D, a Dense). A
  mask reaching one is the whole trace's too (a Softmax refuses a masked input in one line,
  as a whole trace does, before the pass starts: the planner knows shapes, not masks, which
  each layer's ``call`` hands on, so ``check_masks`` traces the input's first steps up to
  the held layers, whether a mask reaches one not depending on the steps' count; a
  normalisation takes no mask, as Keras');

and gives a ``WindowedTrace``. ``window(a, b)`` recomputes processing steps ``a .. b-1``
of every layer from the keyframe before ``a`` and returns them as a ``Trace`` (each
per-step array ``(batch, b - a, ...)``, ``start = a``; a layer after a strided Conv1D or
pooling: its own steps, below): bit for bit the same numbers as the same steps of
``model.trace(x)``. That holds because a window makes the very products
a whole trace makes: the recurrent kernels step the batch in blocks fixed by the batch
size, cut input products at multiples of ``recurrent.CUT`` (16) steps counted from the first
step (a window starts at a keyframe, K a multiple of CUT, and runs to the end of a cut),
and the time-wise layers (Dense, TimeDistributed(Dense), ...; a Reshape or Permute that
keeps the batch and time axes, reshaping each step's features alone) make one product per
step. The tests check it with ``np.array_equal``.

A sequence merged with a tensor without steps by an Add, Subtract, Multiply, Average,
Maximum or Minimum (squeeze-and-excitation over time: GlobalAveragePooling1D -> Dense ->
Reshape((1, F)) -> Multiply with the very sequence pooled; a context vector (batch, F) or
(batch, 1, F) that Keras 3 broadcasts over the steps, ``Merge``) is a per-step layer: the
pass runs the nodes in order, so the tensor is computed (and held, above) before the merge
reads it, and a window merges its steps with those very numbers, each number of a step
alone (``_check_stepless_operands``; a Concatenate, or a tensor with steps of its own, a
RepeatVector's, refused in one line), the whole trace's bits; a mask is handed on as the
merge's ``call`` does (Keras 3: none where an input has none; Keras 2: the sequence's).
So of an ONNX elementwise op of a sequence and its last step or a ReduceMean over its
steps (``onnx_time.follow``), and of a recurrent layer started from an encoder's last
states. A first-steps trace would compute such a tensor from the first steps alone:
``whole_sequence_layer`` names the layer reading it beside a sequence (``reads_whole``),
and the app shows no step before the pass.

An RNN([cells]) (Keras' StackedRNNCells) steps its cells together, each reading the one
before's output: the pass runs them one after the other, each a half with keyframes of its
own states, the sequence of the cell before held while the next one runs (then dropped);
a window runs each cell from its keyframe before the window over the same steps, the
later cells reading the cell before's window output in its processing order (the mask
turned around with it where the layer runs backwards), the same steps and products as
the whole trace's.

A Conv1D or a pooling (``engine/conv.py``; channels_first: below) is followed too, whatever its
strides and padding: its window of output steps ``lo .. hi-1`` reads its input over the
steps they reach (``conv.reads_of``: ``lo*s - before .. (hi-1)*s + span - before``),
clipped to the sequence and padded at the sequence's own ends as the layer pads them, and
is computed in the whole trace's chunks of output steps counted from step 0
(``conv.chunk_steps``: a Conv1D's products, whose rows BLAS sums differently in products
of other heights), so it too is the trace's numbers to the bit (``conv.window``).

Each layer has its own time axis (``_clocks``): ``(steps, scale)``, its number of steps
and how many input steps one of them stands for. The input's is ``(T, 1)``; a Conv1D or
pooling of strides s gives ``out_steps`` of its input's (T/s; padding 'valid' its window
less one fewer) at s times its input's scale; every other layer keeps its input's. After
the usual MaxPooling1D(2) the LSTM steps over T/2 steps of its own: its keyframes are
every K of ITS steps, ``_Window.values(name, lo, hi)`` takes ``lo``/``hi`` in that layer's
own steps, and ``window(a, b)`` (steps of the input, or of a layer ``of``) gives each
layer the steps the window's input steps ``a*S .. b*S-1`` stand for (``steps_for``: step
t of a layer of scale S stands for input step t*S; at least one step), each record's
``start`` and ``total`` its own. A mask stops at them as in a trace.

Keras' usual channels_first CNN, ``Permute((2, 1)) -> Conv1D(data_format='channels_first')
-> Permute((2, 1)) -> LSTM``, is followed too: each output's steps axis (``_plan``'s
``axes``) is where a Permute puts the steps (axis 2 of (batch, features, steps) after a
Permute((2, 1)) over a sequence, axis 1 again after another; a copy of each number, so a
window of the input's steps gives the same steps of it), and a channels_first Conv1D or
pooling reading them on axis 2 is followed as a channels_last one, its window turned as
``call`` turns its input and output (``conv.window``; a Conv1D's product rows always a
contiguous copy, so the same BLAS calls as the whole trace's chunks). A layer acting on
each number alone between them (``Layer.elementwise``: a Dropout, an Activation but
softmax, a ReLU, a BatchNormalization(axis=1); an Add of two such sequences) holds the
steps on axis 2 too: its window of them is the whole's, number for number; so does one
acting on each step's features alone (``Layer.stepwise``: a Softmax(axis=1), a
LayerNormalization(axis=1), their sums over axis 1 in one order at every step,
``layers_more._reduced``; a Concatenate(axis=1) of two such sequences; a GlobalMaxPooling1D /
GlobalAveragePooling1D of 'channels_last', which pools axis 1 there, each step's features, its
mean by ``_reduced`` too, its steps on axis 1 of (batch, steps) or axis 2 of keepdims' (batch,
1, steps): ``Layer.stepwise_axis``), and one acting
along them there (a Softmax(axis=2), held whole: above). A
channels_first MaxPooling1D or AveragePooling1D over steps on axis 1 (no Permute before it)
pools each step's features alone, tap after tap, its output keeping the steps as its
channels: ``Layer.stepwise(1)`` (as a Softmax(axis=-1) is on axis 1), so it is followed as a
per-step layer, its window of steps the whole's number for number, on its input's clock, not
one of its own (``new_clock``: ``strides_of``, ``_clocks`` and ``_Window.values`` ask it of the
axis its input holds the steps on), whatever its pool, strides and padding; so is a
GlobalMaxPooling1D / GlobalAveragePooling1D of 'channels_first' there (its ``timewise``: each
step's features reduced, output (batch, steps)). Any other layer reading steps on axis 2 whose
output would keep them is refused in one line (a Reshape of them to other steps, a
Concatenate of the steps: of axis 2 or -1 there, its own line); a Conv1D there reads them
all as its channels, a Dense over axis 2 as its features, a recurrent layer with no
Permute((2, 1)) back as each of its steps' inputs,
a GlobalMaxPooling1D / GlobalAveragePooling1D of 'channels_first' there pools them (a
channels_first CNN's head, ``reduces``): computed once (above). A
(batch, features, steps) output counts its features a step in ``full_trace_bytes`` and
``pass_bytes``.

A Cropping1D((a, b)), ZeroPadding1D((a, b)) or UpSampling1D(k) (``layers_more.StepMap``) is
followed alike: its output step t reads input step ``(t - shift) // repeat`` (t+a, t-a, or
t//k; none, a zero step, in the padding), over ``T-a-b``, ``T+a+b`` or ``kT`` steps of its
own (``steps_out``); a window of its steps reads the input steps they repeat
(``StepMap.reads_of`` / ``window``): a copy, zeros or repeats, no arithmetic, so the
trace's numbers to the bit. An UpSampling1D(k) gives its clock a scale of ``1/k`` (a
``fractions.Fraction``: its step t stands for input step t/k; ``whole_scale`` makes a
scale an int again where it is whole, an UpSampling1D(2) after a MaxPooling1D(2)), and
``steps_for`` counts by it exactly: input steps a..b-1 are its steps ka..kb-1. A
Cropping1D or ZeroPadding1D keeps its input's scale, its step t standing for input step t
(as a 'valid' Conv1D's step t stands for the first it reads): a window of input steps
a..b-1 holds its steps a..b-1 (those there are); ``steps_moved`` says where a layer's step
t is not the input step it stands for (after a Cropping1D((3, 0)) the LSTM's step t reads
input step t+3), so the views name its steps as the layer below's. No mask passes them
(Keras 3 drops it there, as a whole trace does). A merge of sequences of different scales
stays refused (``_clocks``), as does a Concatenate of sequences' steps (axis 1: one's steps
then the other's, ``_plan``). An ONNX
graph's Conv, MaxPool and AveragePool nodes over (N, C, L) (torch's Conv1d and MaxPool1d(2)
before an LSTM: their steps on axis 2) are followed alike, whatever their strides, dilations,
pads, ``auto_pad`` and ``ceil_mode`` (``onnx_time.follow``): one that changes the steps has
its own clock (``onnx_layers.OnnxWindowOp.steps_out`` / ``stride``: the LSTM node after a
MaxPool of stride 2 steps over T/2 of its own, its keyframes every K of them), and a window
of one reads its input over the steps its outputs reach (``reads_of``), padded at the
sequence's own ends, its Conv products in the chunks of output steps from step 0 a whole
trace makes (``onnx_ops.window_part``, ``OnnxWindowOp.window``). A pool's ``ceil_mode`` or
pads beyond its window may give it a last step standing past the input's last: a window to
the input's end holds it (``clock_window``). A graph that fixes its sequence length (torch's
dynamo export of the steps it was traced on, an export without dynamic axes:
``onnx_time.fixed_length``) runs on that length only, another refused in one line naming it;
over its own length each ONNX op of a window is computed over the window's steps
(``OnnxOp.call(window=)``), a Reshape's constant naming the length given the window's.

``trace_auto(model, x)`` keeps full traces where they fit the trace budget
(``limits.trace_budget()``: half the memory limit, ``LSTMVIZ_MAX_MEMORY`` /
``--max-memory``, 1 GiB by default) and takes the keyframe
route beyond it. Keyframes take at most a quarter of the budget (K grows with the
sequence); a window costs at most K + CUT extra steps per layer.

Memory of a keyframe pass: the keyframes, the masks, the model's outputs, the held outputs
of the layers acting along the steps, the tensors without steps (a Flatten's), and while
a layer runs its input and output sequences (``batch x steps x units`` floats each, never
the ~10 records per step a trace keeps); a sequence is dropped once its last reader ran. Each layer but a recurrent one
says what it holds while it runs (``Layer.running_bytes``, which ``pass_bytes`` counts):
its output and a temporary of its size; a LayerNormalization with a gamma two
temporaries; a masked GlobalAveragePooling1D a copy of the sequence it reads, 0 at the
masked steps, and the mask as floats.
``check_pass`` refuses, before it starts, a pass whose sequences would need more than the
memory limit (``pass_bytes``): a long input's own size is checked when it is read, but a
layer of 512 units makes 512 floats of each step of it.
"""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np

from lstmviz import limits
from lstmviz.engine import onnx_time, recurrent
from lstmviz.engine.layer_base import MaskRefused
from lstmviz.engine.layers import (
    Activation,
    AnyOp,
    Bidirectional,
    Dense,
    Embedding,
    Identity,
    InputLayer,
    Masking,
    Merge,
    NotEqual,
    Recurrent,
    RepeatVector,
    StackedRNN,
    TimeDistributed,
    run_layer,
)
from lstmviz.engine.layers_more import Permute, StepMap
from lstmviz.engine.recurrent import CUT, Keyframes
from lstmviz.engine.trace import LaterLayers, LaterTrace, LayerTrace, Steps, Trace
from lstmviz.errors import LstmvizError
from lstmviz.text import numbered, plural, safe_name, whole_number

#: The setting the trace budget is derived from (see ``lstmviz.limits``).
BUDGET_ENV = limits.ENV

#: Layers that map each timestep on its own (so a window of steps is computed alone); also
#: a layer whose ``timewise`` says so (``layers_more``: a LayerNormalization of the features)
TIMEWISE = (Dense, Activation, Identity, Masking, Embedding, Merge, NotEqual, TimeDistributed)


class Cancelled(LstmvizError):
    """A keyframe pass stopped by its ``cancel`` callback; ``partial`` (a ``PassState``,
    set by ``keyframe_pass``) is where it stopped, to resume from."""

    partial: PassState | None = None


def trace_budget() -> int:
    """Bytes one full trace may hold: half the memory limit (``lstmviz.limits``)."""
    return limits.trace_budget()


def recurrent_halves(layer) -> list[tuple[str, Recurrent]]:
    """The recurrent runs of ``layer``, each with its keyframes: a Bidirectional's two
    halves, an RNN([cells])'s cells (``cell_0``, ``cell_1``, ...: each reads the one before's
    output sequence, in its processing order), a recurrent layer itself ("")."""
    if isinstance(layer, Bidirectional):
        return [("forward", layer.forward_layer), ("backward", layer.backward_layer)]
    if isinstance(layer, StackedRNN):
        return [(f"cell_{k}", cell) for k, cell in enumerate(layer.cells)]
    return [("", layer)] if isinstance(layer, Recurrent) else []


def cell_below(layer, side: str) -> tuple[str, Recurrent] | None:
    """The cell whose output sequence cell ``side`` of an RNN([cells]) reads (None: the
    first cell, or not a stack of cells: it reads the layer's input)."""
    if not isinstance(layer, StackedRNN) or not side.startswith("cell_") or side == "cell_0":
        return None
    k = int(side[len("cell_"):])
    return f"cell_{k - 1}", layer.cells[k - 1]


def reads_backwards(layer, rnn) -> bool:
    """Whether the recurrent half ``rnn`` of ``layer`` (``recurrent_halves``) reads the
    model's input from its last step: it runs backwards (go_backwards, a Bidirectional's
    backward half), or its ONNX node reads the input turned around (tf2onnx's
    go_backwards, ``onnx_time.reads_reversed``), not both. Its processing step t then
    reads input step T-1-t. Every cell of an RNN([cells]) of go_backwards (the later cells
    read the first's output in its processing order)."""
    if isinstance(layer, StackedRNN):
        return bool(layer.config.get("go_backwards"))
    return bool(rnn.config["go_backwards"]) != onnx_time.reads_reversed(layer)


def steps_reversed(model) -> dict[str, bool]:
    """Per layer, whether its output sequence stands over the model's input steps turned
    around: its step t over input step T-1-t. Keras' ``LSTM(go_backwards=True,
    return_sequences=True)`` returns its sequence in its processing order, and every layer
    after it that keeps the steps (a Dense, a TimeDistributed, a same or causal Conv1D, an
    LSTM going forwards) works on that sequence turned around; a recurrent layer running
    backwards over one turns it back (rev_out = rev_in XOR go_backwards; an RNN([cells]) by
    its own flag), a Bidirectional's merged output keeps its input's order, as every other
    layer does. An output without steps (a last step, a Flatten) is never turned, so a
    RepeatVector of it starts a sequence in order. (ONNX nodes keep their input's: their Y
    is in the order of their X, ``onnx_time.reads_reversed`` says where X is turned.)
    A layer reading the steps on axis 2 as its features (a recurrent layer or a Dense after a
    Permute((2, 1)), ``_steps_on_two``) has no steps of the input's left: its input's order
    does not carry over (a feature-wise LSTM's step t is feature t, turned by its own
    go_backwards alone); a Permute back keeps it."""
    got: dict[str, bool] = {}
    on_two = _steps_on_two(model)
    for node in model.nodes:
        layer = node.layer
        rev = bool(node.inbound) and got.get(node.inbound[0].layer, False)
        if rev and _features_from_steps(node, on_two):
            rev = False
        if isinstance(layer, InputLayer) or _onnx_op(layer) or onnx_node(layer):
            pass
        elif isinstance(layer, StackedRNN):
            rev = rev != bool(layer.config.get("go_backwards"))
        elif isinstance(layer, Recurrent) and not isinstance(layer, Bidirectional):
            rev = rev != bool(layer.config.get("go_backwards"))
        shapes = getattr(layer, "output_shapes", None) or []
        got[layer.name] = bool(rev) and bool(shapes) and len(shapes[0]) >= 3
    return got


def inputs_reversed(model, reversed_: dict[str, bool] | None = None) -> dict[str, bool]:
    """Per layer, whether it reads a sequence turned around (``steps_reversed`` of the
    layer its first input comes from), found in one walk of the graph."""
    got = steps_reversed(model) if reversed_ is None else reversed_
    on_two = _steps_on_two(model)
    return {n.layer.name: bool(n.inbound) and got.get(n.inbound[0].layer, False)
            and not _features_from_steps(n, on_two) for n in model.nodes}


def features_as_steps(model) -> dict[str, bool]:
    """Per layer, whether it reads the steps on axis 2 as its features (``_features_from_steps``):
    a feature-wise LSTM after a Permute((2, 1)), whose step t is feature t of every input step."""
    on_two = _steps_on_two(model)
    return {n.layer.name: _features_from_steps(n, on_two) for n in model.nodes}


def _features_from_steps(node, on_two: dict[str, bool]) -> bool:
    """Whether ``node``'s layer reads the steps on axis 2 as its features (``_steps_on_two``
    of its input, not of its output, not a Permute turning them back onto axis 1): a
    recurrent layer or a Dense after a Permute((2, 1)), whose own steps are the features."""
    return (bool(node.inbound) and on_two.get(node.inbound[0].layer, False)
            and not on_two.get(node.layer.name, False) and not isinstance(node.layer, Permute))


def input_reversed(model, name: str) -> bool:
    """Whether layer ``name`` reads a sequence turned around (``inputs_reversed``'s one)."""
    return inputs_reversed(model).get(name, False)


def onnx_node(layer) -> bool:
    """Whether ``layer`` is an ONNX recurrent node (``engine/onnx_layers``): its input X
    and output Y in the node's layout (``layout`` 0: time first), its output Y in input
    order whichever way a half runs, its states and sequence lengths from inputs."""
    return bool(getattr(layer, "onnx_op", None)) and bool(recurrent_halves(layer))


def _node_time_axis(layer) -> int:
    """The axis of an ONNX recurrent node's X and Y that holds the steps."""
    return 0 if int(layer.config.get("layout", 0)) == 0 else 1


def input_axes(model, k: int = 0) -> tuple[int, int]:
    """(steps axis, samples axis) of the model's input ``k``: (0, 1) for a time-major one
    (an ONNX graph input a layout-0 node reads as it is, its InputLayer's ``time_major``),
    else (1, 0)."""
    try:
        cfg = model.get_layer(model.inputs[k].layer).config
    except (IndexError, LstmvizError):
        cfg = {}
    return (0, 1) if cfg.get("time_major") else (1, 0)


def input_steps(model, x) -> int:
    """The steps of ``x`` as the model's first input (its steps axis: ``input_axes``)."""
    return int(np.shape(x)[input_axes(model)[0]])


def input_samples(model, x) -> int:
    """The samples of ``x`` as the model's first input."""
    return int(np.shape(x)[input_axes(model)[1]]) if np.ndim(x) >= 2 else int(np.shape(x)[0])


def input_window(model, x, a: int, b: int, k: int = 0):
    """Steps ``a .. b-1`` of ``x`` as the model's input ``k`` (a view)."""
    return _take(x, input_axes(model, k)[0], a, b)


def _take(arr, axis, lo: int, hi: int):
    """Steps ``lo .. hi-1`` of ``arr`` along its steps ``axis`` (None: it has none)."""
    if axis is None:
        return arr
    return arr[lo:hi] if axis == 0 else arr[:, lo:hi] if axis == 1 else arr[:, :, lo:hi]


#: a layer's own time axis: (its steps, how many input steps one of them stands for: an
#: int, a Fraction after an UpSampling1D), ``_clocks``
Clock = tuple[int, "int | Fraction"]


def strides_of(model) -> dict[str, int | Fraction]:
    """Per layer, how many input steps one of its steps stands for about (its Conv1D and
    pooling strides (an ONNX Conv's or pool's) and those before it multiplied, an
    UpSampling1D(k)'s 1/k, ``_clocks``' scale without the input's shape: the largest of its
    inputs'); 1 for every layer of a model without strides."""
    got: dict[str, int | Fraction] = {}
    on_two = _steps_on_two(model)
    for node in model.nodes:
        s = max([got.get(r.layer, 1) for r in node.inbound] or [1])
        axis = 2 if node.inbound and on_two.get(node.inbound[0].layer) else 1
        if new_clock(node.layer, axis):
            s = whole_scale(s * (getattr(node.layer, "stride", 1) or 1))
        got[node.layer.name] = s
    return got


def new_clock(layer, axis: int | None) -> bool:
    """Whether ``layer`` gives its output steps of its own (``Layer.own_clock``: a Conv1D or
    pooling, a Cropping1D ...) when its input holds the steps on ``axis``: not where it acts
    on each step alone there (``Layer.stepwise``: a channels_first pooling over (batch,
    steps, features), pooling each step's features, its steps kept as its channels)."""
    return bool(layer.own_clock) and not (axis is not None and layer.stepwise(axis))


def whole_scale(scale) -> int | Fraction:
    """A clock's scale as an int where it is whole (a Fraction where an UpSampling1D left
    it one: its step t stands for input step t/k)."""
    scale = Fraction(scale)
    return int(scale) if scale.denominator == 1 else scale


def steps_moved(model) -> dict[str, bool]:
    """Per layer, whether its step t is not the input step ``t x strides_of`` it stands
    for: a Cropping1D or ZeroPadding1D of steps at the start, or an UpSampling1D, below it
    or it itself (its step t reads input step t+3 after a Cropping1D((3, 0))), so the views
    name the steps it reads as the layer below's (``app/cell_ref.steps_below``)."""
    got: dict[str, bool] = {}
    for node in model.nodes:
        layer = node.layer
        moved = any(got.get(r.layer, False) for r in node.inbound[:1])
        if isinstance(layer, StepMap) and layer.own_clock:
            moved = moved or layer.shift != 0 or layer.repeat != 1
        got[layer.name] = moved
    return got


def full_trace_bytes(model, batch: int, steps: int) -> int:
    """About what ``model.trace`` holds for ``batch x steps``: every recorded array of
    every recurrent layer (the layers' outputs are small beside them), each layer over
    its own steps (after a MaxPooling1D(2), half as many: ``strides_of``); an ONNX op's
    output by every known dimension after the first (its steps on any axis, the length left
    open: a Conv's (N, C, L) holds C floats a step, not the one its dimensions after the
    second said)."""
    total = 0
    scales = strides_of(model)
    on_two = _steps_on_two(model)
    for node in model.nodes:
        own = -(-steps // scales.get(node.layer.name, 1))
        if recurrent_halves(node.layer) and node.inbound and on_two.get(node.inbound[0].layer):
            # (a recurrent layer over (batch, features, steps) after a Permute((2, 1)): its own
            # steps the features, whatever the input's length: computed once, ``_once``)
            own = int(features_stepped(node.layer) or 1)
        for _, rnn in recurrent_halves(node.layer):
            total += batch * own * rnn.units * (3 * rnn.k + 4) * 4
        if not recurrent_halves(node.layer) and node.layer.output_shapes:
            shape = node.layer.output_shapes[0]
            # (a Permute((2, 1))'s (batch, features, steps): its features a step, not its steps)
            dims = (shape[1:] if _onnx_op(node.layer) else
                    shape[1:2] + shape[3:] if on_two.get(node.layer.name) else shape[2:])
            per = int(np.prod([d for d in dims if d is not None], dtype=np.int64)) if len(shape) > 2 else 1
            total += batch * own * per * 4
    return total


def _steps_on_two(model) -> dict[str, bool]:
    """Per Keras layer, whether its (first) output holds the steps on axis 2: a
    Permute((2, 1)) over a sequence, the channels_first Conv1D and poolings after it and
    the layers acting on each step alone between them, the attention block's Dense of a
    weight per input step (``weighs_input_steps``: the Permute((2, 1)) after it puts them back
    on axis 1) (as ``_plan`` follows them, without refusing anything), for counting a step's
    floats."""
    got: dict[str, bool] = {}
    length = fixed_input_length(model)
    for node in model.nodes:
        layer = node.layer
        two = bool(node.inbound) and got.get(node.inbound[0].layer, False)
        if two and weighs_input_steps(layer, [2] * len(node.inbound), length):
            pass  # (the attention block's Dense: a weight per input step, on its axis 2 still)
        elif isinstance(layer, Permute) and len(layer.dims) >= 2:
            two = layer.dims.index(2 if two else 1) == 1
        elif not (layer.own_clock and layer.channels_first) and not (
                (layer.stepwise(2) and layer.stepwise_axis(2) == 2
                 or (len(node.inbound) == 1 and layer.along_steps(2)))
                and all(got.get(r.layer, False) for r in node.inbound)):
            two = False
        got[layer.name] = two
    return got


def steps_across(model) -> dict[str, bool]:
    """Per layer, whether its output holds the input's steps on axis 2 while its own steps
    (Keras' axis 1) are something else (``_steps_on_two`` but a channels_first Conv1D or
    pooling, whose steps axis 2 is): a Permute((2, 1)) over a sequence, whose steps are
    the features and whose units the input steps, a layer acting on each number after it,
    the attention block's Dense of a weight per input step (``weighs_input_steps``).
    A long input's window is on its units axis: the views say so (``cell_ref.across_said``)."""
    on_two = _steps_on_two(model)
    return {n.layer.name: on_two[n.layer.name] and not (n.layer.own_clock and n.layer.channels_first)
            for n in model.nodes}


#: What a recurrent half's step costs beside its products, in multiply-adds (a step's
#: dozen NumPy calls: ~7-8 us at batch 1, the time of ~100,000 multiply-adds here).
STEP_WORK = 100_000


def full_trace_work(model, batch: int, steps: int) -> int:
    """About the multiply-adds of ``model.trace`` over ``batch x steps``: each recurrent
    half's input and recurrent products per sample and step, and ``STEP_WORK`` a step for
    the rest. What a trace's time grows with: on one core of 2026's machines ~12-17 of
    them a nanosecond (2 x LSTM(512) over 4,000 steps: 1.4e10, 0.76 s; 3 x LSTM(64) over
    4,096 steps: 1.6e9, 0.1 s)."""
    total = 0
    for node in model.nodes:
        for _, rnn in recurrent_halves(node.layer):
            products = sum(int(np.size(w)) for w in rnn.weights[:2])
            total += steps * (batch * products + STEP_WORK)
    return total


def steps_within(model, batch: int, room: int, multiple: int) -> int:
    """The most steps, a multiple of ``multiple`` (at least one), whose every record of
    ``batch`` samples (``full_trace_bytes``) fits in ``room`` bytes: the windows a long
    input is read in (``scale.window_steps``) and kept (``long_sequence.fitted_window``)."""
    per_step = max(1, full_trace_bytes(model, batch, 1))
    return max(multiple, room // per_step // multiple * multiple)


def keyframe_bytes(model, batch: int, steps: int, every: int, clocks: dict | None = None) -> int:
    """Bytes of the keyframes every ``every`` steps over ``steps`` input steps (each layer
    over its own steps where ``clocks``, ``_plan``'s, are given: fewer after a strided
    Conv1D or pooling, none for a recurrent layer computed once, ``_once``; else as many
    as the input's, at most what they take)."""
    total = 0
    for node in model.nodes:
        clock = (clocks or {}).get(node.layer.name)
        if clocks is not None and clock is None:  # (no time axis of the input's: no keyframes)
            continue
        n = -(-(clock[0] if clock else steps) // every)
        for _, rnn in recurrent_halves(node.layer):
            total += n * batch * rnn.units * (len(rnn.state_names) + 1) * 4
    return total


def last_reads(model) -> dict[str, int]:
    """When each layer's outputs are read for the last time: the index of the last node
    that reads them (its inputs, initial states or mask); the model's outputs: past the
    last node (never dropped)."""
    last = {}
    for i, node in enumerate(model.nodes):
        for r in list(node.inbound) + list(node.initial_state) + ([node.mask] if node.mask else []):
            last[r.layer] = i
    for r in model.outputs:
        last[r.layer] = len(model.nodes)
    return last


def pass_bytes(model, arrays, every: int | None = None) -> int:
    """About the most a keyframe pass of ``model`` over ``arrays`` holds at once (float32
    sequences): the keyframes, and at each layer the sequences still to be read (the
    model's outputs to the end), its own, and what its kernel makes of the whole sequence
    (``recurrent``: an LSTM's or GRU's input as columns, a SimpleRNN's input projection, a
    copy made time-major or reversed, masked outputs); a layer acting along the steps
    (``_plan``'s ``held``: a Softmax(axis=1)) holds its output from its node to the end, as
    does every tensor without steps (a Flatten's of the whole sequence).
    Within about 10% of what NumPy allocates, or under it (``tests/test_engine_windows.py``
    measures it)."""
    axes: dict = {}
    clocks: dict = {}
    along: set = set()  # (the layers acting along the steps, held to the end)
    T, seq = _plan(model, arrays, axes, clocks=clocks, held=along)
    B = input_samples(model, arrays[0])

    def own(name: str) -> int:  # (a layer's own steps: fewer after a strided Conv1D or pooling)
        return clocks[name][0] if clocks.get(name) else T

    def per_step(layer, k: int) -> int:
        if onnx_node(layer) and k == 0:  # Y: (steps, directions, batch, units) or (batch, steps, ...)
            return len(recurrent_halves(layer)) * int(layer.units)
        shape = layer.output_shapes[k] if k < len(layer.output_shapes) else ()
        ax = axes[layer.name][k] if k < len(axes[layer.name]) else None
        if ax is not None and len(shape) > 2:  # (an ONNX op's steps where ``follow`` says: a Conv's
            # (N, C, L) holds C floats a step, a Permute((2, 1))'s (batch, features, steps)
            # too; the batch on axis 1 where the steps are first)
            return int(np.prod([d or 1 for i, d in enumerate(shape) if i not in (ax, int(ax == 0))], dtype=np.int64))
        return int(np.prod([d or 1 for d in shape[2:]], dtype=np.int64)) if len(shape) > 2 else 1

    last = last_reads(model)
    order = {n.layer.name: i for i, n in enumerate(model.nodes)}
    given = {r.layer: int(np.size(a)) * 4 for r, a in zip(model.inputs, arrays)}  # (as float32)
    sizes = {n.layer.name: sum(B * own(n.layer.name) * per_step(n.layer, k) * 4
                               for k, s in enumerate(seq[n.layer.name]) if s)
             for n in model.nodes if not isinstance(n.layer, InputLayer)}
    # (each tensor without steps, held by the pass to its end: most a last step's, a few
    # floats a sample; a Flatten's of the whole sequence, as big as the sequence it read)
    stepless = {n.layer.name: sum(B * _floats(shape) * 4 for s, shape in zip(seq[n.layer.name], n.layer.output_shapes)
                               if not s and shape is not None)
             for n in model.nodes if not isinstance(n.layer, InputLayer)}
    masked = _masked(model)
    peak = 0
    K = every or choose_every(model, B, T, clocks=clocks)
    # (a recurrent layer computed once, ``_once``: its whole trace's records, held to the end
    # as every tensor without steps, by their real size, ``record_bytes``)
    for node in model.nodes:
        if _once(node, seq, axes) and recurrent_halves(node.layer):  # (and the input it read: ``_keep_whole``)
            src = node.inbound[0].layer
            stepless[node.layer.name] += (record_bytes(node.layer, B, int(features_stepped(node.layer) or 1))
                                          + sizes.get(src, given.get(src, 0)))
    ahead = None  # (what is held at a node run beside the next one: ``_pipelined``)
    for i, node in enumerate(model.nodes):
        name = node.layer.name
        if isinstance(node.layer, InputLayer):
            continue
        alive = sum(b for other, b in sizes.items()
                    if order[other] < i and (last.get(other, -1) >= i or other in along))
        alive += sum(b for other, b in stepless.items() if order[other] < i)
        here = sizes[name]
        halves = recurrent_halves(node.layer) if not _once(node, seq, axes) else []
        Tn = own(name)
        if halves:
            keep = seq[name][0] and last.get(name, -1) > i
            src = node.inbound[0].layer
            given_in = sizes.get(src, given.get(src, 0))  # its input sequence
            time_major = B == 1 or bool(recurrent_halves(model.nodes[order[src]].layer))
            merges = isinstance(node.layer, Bidirectional) or onnx_node(node.layer)
            here = sizes[name] if keep and merges else 0  # (merged)
            # a half runs a stretch of ``Ts`` steps at a time (``SEGMENT``): what its kernel
            # makes is a stretch's; a kept sequence is gathered whole beside it (several)
            Ts = min(Tn, segment(K))
            several = Ts < Tn
            # (an RNN([cells])'s cells one after the other: each holds the sequence of the one
            # before, which it reads (time-major), and keeps its own for the next)
            stacked = isinstance(node.layer, StackedRNN)
            costs = []
            for k, (_, rnn) in enumerate(halves):
                kept = keep or (stacked and k < len(halves) - 1)
                held = B * Tn * halves[k - 1][1].units * 4 if stacked and k else 0
                reads = held or given_in
                out = B * Ts * rnn.units * 4
                whole = B * Tn * rnn.units * 4 * int(kept and several)
                if rnn.cell.name == "SimpleRNN":
                    cost = 2 * out + whole  # its input projection and sequence, always
                else:  # the input as columns over a row of ones; the sequence when kept
                    cost = (reads * Ts) // Tn + B * Ts * 4 + (out + whole) * int(kept)
                cost += held + out * int(masked and kept)  # the masked outputs
                if onnx_node(node.layer):  # (ONNX's own runners: the input products and
                    # their copy, and the outputs, made whether kept or not)
                    cost += (2 * rnn.k + 1) * out
                if rnn.config.get("go_backwards") or not (time_major or held):
                    cost += (reads * Ts) // Tn  # the input copied time-major (reversed)
                costs.append(cost)
            here += max(costs) if stacked else sum(costs)
        else:
            # (what the layer says it holds while it runs: its output and a temporary; a
            # LayerNormalization's two more, a masked GlobalAveragePooling1D's copy of its input
            # and the mask as floats: ``Layer.running_bytes``; a recurrent layer computed once,
            # its records and outputs and its input copied time-major, ``Recurrent.call``)
            src = node.inbound[0].layer if node.inbound else None
            read = sizes.get(src, given.get(src, 0)) if src is not None else 0
            if recurrent_halves(node.layer):  # (computed once: its record and the input it
                # keeps, the input copied (time-major, reversed, as columns) while it runs, and
                # its kernels reordered, up to twice their size (``recurrent``'s ``W_aug``, a
                # GRU's): each input step a feature, its kernel is steps x k.units floats, 29 MB
                # for an LSTM(512) over 3,000 steps, the most it holds at batch 1; the pass's
                # peak, tracemalloc, batch 1 / 8: LSTM(512) 0.52 / 0.65 of it, a Bidirectional
                # GRU(256) 0.95 / 0.91, a SimpleRNN(64) 0.52 / 0.89)
                here = stepless[name] + 2 * read + 2 * sum(int(np.asarray(w).nbytes) for w in node.layer.weights)
            else:
                here = node.layer.running_bytes(sizes[name] + stepless[name], read,
                                                B * own(src) * 4 if masked and src is not None else 0)
        if ahead is not None:  # this node and the one before at once: what was alive then
            # (its input, held till it ends), its own (its output among them) and this one's
            peak, ahead = max(peak, ahead + here), None
            continue
        if _pipelined(model, i, last, B, Tn, segment(K)):
            ahead = alive + here
            continue
        peak = max(peak, alive + here)
    return peak + keyframe_bytes(model, B, T, K, clocks)


def _floats(shape) -> int:
    """The floats of one sample of an output of ``shape`` (its batch axis first; an axis
    left open counted as 1)."""
    return int(np.prod([d or 1 for d in shape[1:]], dtype=np.int64))


def _masked(model) -> bool:
    """Whether a layer of ``model`` makes a mask (a Masking, an Embedding of mask_zero) or
    a node is given one."""
    return any(n.mask is not None or isinstance(n.layer, Masking) or (
        isinstance(n.layer, Embedding) and n.layer.config.get("mask_zero")) for n in model.nodes)


#: the input steps ``check_masks`` traces
PROBE_STEPS = 4 * CUT


def check_masks(model, arrays) -> None:
    """LstmvizError, before a pass, where a mask reaches a layer the pass holds whole
    (``_plan``'s ``held``: a Softmax(axis=1) over a masked sequence, attention over it,
    refuses the mask in one line, as a whole trace does), in that layer's own line: the
    planner knows shapes, not masks, which each layer's ``call`` hands on, so the pass met it
    only once the recurrent layers before it had run over the whole sequence (minutes for a
    long input). Whether a layer gets a mask does not depend on the number of steps: a trace
    of the input's first ``PROBE_STEPS`` steps up to those layers says it, in milliseconds
    (``MaskRefused``). Any other error of that small trace is left to the pass (a layer whose
    weights fix the length, a Conv1D of a longer kernel)."""
    if not _masked(model):  # (no mask anywhere: not even the plan, which ``pass_bytes`` makes next)
        return
    held: set = set()
    _, seq = _plan(model, arrays, held=held)
    if not held:
        return
    first = [np.ascontiguousarray(input_window(model, a, 0, PROBE_STEPS, k)) if seq[r.layer][0] else a
             for k, (r, a) in enumerate(zip(model.inputs, arrays))]
    try:
        model.trace(first if len(first) > 1 else first[0], needed=held)
    except MaskRefused:
        raise
    except (LstmvizError, ValueError):
        pass  # (the first steps refused where the whole input is not, by the engine or by NumPy's
        # broadcasting of a weight of the model's length: the pass says what it says, as before)
    finally:  # (the shapes of the whole input again, which the pass and the views read)
        model._infer_shapes([np.shape(a) for a in arrays])


def check_pass(model, arrays, every: int | None = None, masks: bool = True) -> None:
    """LstmvizError, before anything is allocated, when a keyframe pass over ``arrays``
    would hold more than the memory limit (``pass_bytes``), or a mask reaches a layer it
    holds whole (``check_masks``; ``masks`` False: the caller checked that of this model,
    whether a mask reaches a layer depending on neither the steps' count nor their values,
    so its probe runs once per pass: ``keyframe_pass(masks_checked=True)``)."""
    if masks:
        check_masks(model, arrays)
    T = input_steps(model, arrays[0])
    limits.check(pass_bytes(model, arrays, every),
                 f"the model's sequences over {T:,} steps (a long input's keyframe pass)")


def choose_every(model, batch: int, steps: int, budget: int | None = None, clocks: dict | None = None) -> int:
    """K: the smallest multiple of CUT (doubling from 16) whose keyframes take at most a
    quarter of the budget (a window then recomputes at most K + CUT steps per layer); each
    layer over its own steps where ``clocks`` (``_plan``'s) are given (``keyframe_bytes``)."""
    budget = trace_budget() if budget is None else budget
    every = CUT
    while every < steps and keyframe_bytes(model, batch, steps, every, clocks) > budget // 4:
        every *= 2
    return every


def trace_auto(model, x, budget: int | None = None, **kw):
    """``model.trace(x)`` when the whole trace fits the budget, else ``keyframe_pass``:
    a ``Trace`` or a ``WindowedTrace`` (``is_windowed`` tells them apart)."""
    budget = trace_budget() if budget is None else budget
    arr = x[0] if isinstance(x, (list, tuple)) else x
    shape = np.shape(arr)
    if len(shape) >= 2:
        model._infer_shapes([np.shape(a) for a in (x if isinstance(x, (list, tuple)) else [x])])
        if full_trace_bytes(model, input_samples(model, arr), input_steps(model, arr)) > budget:
            return keyframe_pass(model, x, budget=budget, **kw)
    return model.trace(x)


def is_windowed(trace) -> bool:
    return isinstance(trace, WindowedTrace)


def window_axes(model, arrays) -> dict[str, list[int | None]]:
    """Per layer, each output's steps axis in a long input's windows of ``model`` over
    inputs shaped as ``arrays`` (a window's own, or the whole sequence's: only shapes are
    read): the axis where the output holds the window's steps, None where it is whole
    (a tensor without the input's time axis: after a last step, a RepeatVector's of another
    length than the input's, computed once by the pass). What the views and
    ``app/scale.overviews`` read a layer's output of a window by; ``_plan``'s refusal where no window can be made."""
    axes: dict[str, list[int | None]] = {}
    _plan(model, arrays, axes)
    return axes


def input_steps_axis(model, arrays, name: str) -> int | None:
    """The axis layer ``name``'s (first) input holds the steps on in a long input's windows
    of ``model`` over inputs shaped as ``arrays`` (``window_axes`` of the tensor it reads:
    2 after a Permute((2, 1))), None where it holds none: what ``_merges_steps`` asks a
    layer about (``app/long_sequence.pass_first`` says why no step shows before the pass
    by it)."""
    node = next(n for n in model.nodes if n.layer.name == name)
    if not node.inbound:
        return None
    r = node.inbound[0]
    return window_axes(model, arrays)[r.layer][r.tensor_index]


# -- the plan: which tensors have a time axis -------------------------------------------
def _onnx_op(layer) -> bool:
    """Whether ``layer`` is an ONNX op other than a recurrent node (``onnx_layers.OnnxOp``)."""
    return bool(getattr(layer, "glue", None) is not None and str(layer.class_name).startswith("onnx.")
                and not onnx_node(layer))


def _shape_of(model, feed: dict, ref):
    """The shape of tensor ``ref`` as shapes are inferred (a given input's own)."""
    if ref.layer in feed:
        return tuple(np.shape(feed[ref.layer]))
    shapes = model.get_layer(ref.layer).output_shapes
    return tuple(shapes[ref.tensor_index]) if ref.tensor_index < len(shapes) else None


def _plan(model, arrays, axes: dict | None = None, tags: dict | None = None,
          clocks: dict | None = None, held: set | None = None) -> tuple[int, dict[str, list[bool]]]:
    """(T, per layer a list: True where that output has the input's time axis); ``axes``,
    when given, gets per layer each output's steps axis (None where it has none: 1, but
    0 for a time-major input and an ONNX recurrent node's layout-0 Y; an ONNX op's as
    ``onnx_time.follow`` says); ``tags``, per layer each output's ``onnx_time`` tag (where
    a tensor without steps holds the sequence's length); ``clocks``, per layer its own
    time axis (``_clocks``); ``held``, the layers acting along the steps whose whole output
    the pass holds (``Layer.along_steps``).
    Refuses, in one line, a model whose time axis a window cannot follow."""
    seq: dict[str, list[bool]] = {}
    axes = {} if axes is None else axes
    held = set() if held is None else held
    tags = {} if tags is None else tags
    T = None
    # (the model's own input length where it fixes one: ``repeats_input_steps``, ``weighs_input_steps``)
    model_length = fixed_input_length(model)
    feed = {r.layer: a for r, a in zip(model.inputs, arrays)}
    length = onnx_time.fixed_length(model)  # (a graph that runs on that many steps only)
    for node in model.nodes:
        layer = node.layer
        if isinstance(layer, InputLayer):
            a = feed[layer.name]
            ax = 0 if layer.config.get("time_major") else 1
            # (an ONNX node's sequence_lens and initial states: no steps)
            steps = a.ndim >= 2 and not layer.config.get("role")
            if steps and T is None:
                T = a.shape[ax]
            if steps and a.shape[ax] != T:
                raise LstmvizError(
                    f"inputs of {T} and {plural(a.shape[ax], 'step')}: a long sequence is traced by "
                    "windows only when every input has the same number of steps")
            if steps and length is not None and a.shape[ax] != length:
                # (``Model.check_inputs`` says it first: the graph runs on that many steps only)
                raise LstmvizError(onnx_time.fixed_words(length, a.shape[ax]))
            seq[layer.name] = [steps]
            axes[layer.name] = [ax if steps else None]
            tags[layer.name] = [None]
            continue
        ins = [seq[r.layer][r.tensor_index] for r in node.inbound]
        in_axes = [axes[r.layer][r.tensor_index] for r in node.inbound]
        in_tags = [tags[r.layer][r.tensor_index] for r in node.inbound]
        name = f"layer '{layer.name}' ({layer.class_name})"
        n_out = max(1, len(layer.output_shapes))
        tags[layer.name] = [None] * n_out
        if _onnx_op(layer):
            shapes = [_shape_of(model, feed, r) for r in node.inbound]
            ranks = [None if s is None else len(s) for s in layer.output_shapes] or [None]
            got, tags[layer.name] = onnx_time.follow(
                layer, onnx_time.operands(layer, in_axes, in_tags, shapes, length), ranks)
            axes[layer.name] = got
            seq[layer.name] = [a is not None for a in got]
            if len(ins) == 1 and ins[0] and layer.along_steps(in_axes[0]):
                held.add(layer.name)  # (a Softmax over the time axis: held whole, as a Keras one)
            continue
        if any(onnx_time.tagged(t) for t in in_tags) and any(ins) and not (
                isinstance(layer, Merge) and all(t is None or t is onnx_time.ANY for t in in_tags)):
            # (a Merge's tensor made of the whole sequence: computed once by the pass before it,
            # merged into each step, ``_check_stepless_operands``)
            raise LstmvizError(f"{name} reads, beside its steps, a tensor made of the whole sequence; "
                               "a long sequence cannot be traced by windows through it")
        if onnx_node(layer):
            want = _node_time_axis(layer)
            for slot, has, ax in zip(layer.config.get("slots", ["X"]), ins, in_axes):
                if slot == "X" and not has:
                    raise LstmvizError(
                        f"{name} steps over a sequence made inside the model, not over the "
                        "input's steps; a long sequence is traced by windows only where each "
                        "recurrent node steps over the input's time axis")
                if slot == "X" and ax != want:
                    raise LstmvizError(
                        f"{name} (layout {int(layer.config.get('layout', 0))}) reads its steps on "
                        f"axis {want} of a sequence whose steps are on axis {ax}; a long sequence is "
                        "traced by windows only where each node reads the input's time axis")
                if slot != "X" and has:
                    raise LstmvizError(
                        f"{name} takes its {slot} from a sequence; a long sequence is traced by "
                        "windows only where a node's sequence_lens and initial states have no steps")
            seq[layer.name] = [True] + [False] * (n_out - 1)
            axes[layer.name] = [want] + [None] * (n_out - 1)
            tags[layer.name] = [None] + [onnx_time.ANY] * (n_out - 1)  # (Y_h, Y_c: the last step's)
            continue
        if isinstance(layer, Dense) and layer.steps_first and in_axes[0] == 0:
            seq[layer.name], axes[layer.name] = [True], [0]  # (one product per step: its forward)
            continue
        if (isinstance(layer, Permute) and len(ins) == 1 and ins[0]
                and in_axes[0] is not None and 1 <= in_axes[0] <= len(layer.dims)):
            # (the steps where its dims put them: a Permute((2, 1)) over (batch, steps,
            # features) holds them on axis 2, another Permute((2, 1)) puts them back on axis 1;
            # each number copied, no arithmetic, so a window's steps are the whole's)
            seq[layer.name], axes[layer.name] = [True], [1 + layer.dims.index(in_axes[0])]
            tags[layer.name] = [None]
            continue
        if repeats_input_steps(layer, ins, model_length):
            # (a context on every step, an LSTM autoencoder's decoder input: the pass repeats it
            # as a whole trace does; a window's steps are its steps' copies, ``_Window.values``)
            seq[layer.name], axes[layer.name], tags[layer.name] = [True], [1], [None]
            continue
        if weighs_input_steps(layer, in_axes, model_length):
            # (the attention weights over time of a fixed-length model: computed once by the pass
            # from the whole sequence, as a whole trace calls it, and held; its axis 2 a sequence
            # of the input's steps, a window's a slice of it, the trace's bits)
            seq[layer.name], axes[layer.name], tags[layer.name] = [True], [2], [None]
            held.add(layer.name)
            continue
        if _once(node, seq, axes):
            # (a Flatten or a Reshape to one axis: every step side by side; a layer whose
            # weights read the steps as its features or channels: a channels_first Conv1D over
            # (batch, steps, features), a Dense or channels_last Conv1D over (batch, features,
            # steps), a recurrent layer over (batch, features, steps) stepping over the features:
            # no steps left, computed once by the pass from the whole sequence, as a whole trace
            # calls it (a recurrent layer's records too), the layers after it too)
            seq[layer.name], axes[layer.name] = [False] * n_out, [None] * n_out
            tags[layer.name] = [onnx_time.ANY] * n_out
            continue
        if any(ins) and layer.own_clock and layer.channels_first:  # (a Conv1D or pooling's: a
            # StepMap's are never, an ONNX op's followed above)
            if len(ins) == 1 and in_axes[0] is not None and layer.stepwise(in_axes[0]):
                # (a pooling over (batch, steps, features), no Permute before it: it pools each
                # step's features alone, tap after tap, its output keeping the steps as its
                # channels, on axis 1: a window's steps are the whole's, number for number,
                # its clock its input's, ``new_clock``)
                seq[layer.name], axes[layer.name], tags[layer.name] = [True], [in_axes[0]], [None]
                continue
            if in_axes[0] != 2:
                raise LstmvizError(
                    f"{name} reads its steps on axis 2 (channels_first) of a sequence whose steps are "
                    f"on axis 1, so it {layer.verb} each step's features; a long sequence is traced by windows "
                    "through a Conv1D or pooling of data_format 'channels_last', or of 'channels_first' "
                    "after a Permute((2, 1)) puts the steps on axis 2, a pooling of 'channels_first' "
                    "pooling each step's features (its steps kept as its channels) and a Conv1D of "
                    "'channels_first' reading the steps as its channels (no steps left) (a shorter input, "
                    "or more memory for a whole trace, File > Memory limit, shows it)")
            # (its output's steps on axis 2 too, reading input steps ``reads_of`` theirs:
            # ``conv.window``; its own time axis, ``_clocks``)
            seq[layer.name], axes[layer.name], tags[layer.name] = [True], [2], [None]
            continue
        if len(ins) == 1 and ins[0] and in_axes[0] in (1, 2) and callable(getattr(layer, "reduces", None)) \
                and layer.reduces(in_axes[0]):
            # (a GlobalMaxPooling1D / GlobalAveragePooling1D over the steps, channels_last over
            # (batch, steps, features), channels_first over (batch, channels, steps) after a
            # Permute((2, 1)): no time axis left, computed once by the pass from the whole
            # sequence, as a whole trace calls it; a Flatten's above)
            seq[layer.name], axes[layer.name], tags[layer.name] = [False], [None], [onnx_time.ANY]
            continue
        if ins and all(has and ax == 2 for has, ax in zip(ins, in_axes)) and layer.stepwise(2):
            # (a Dropout, an Activation but softmax, a ReLU, a BatchNormalization of the
            # features, an Add of two such sequences ...: each number alone; a Softmax(axis=1),
            # a LayerNormalization(axis=1), a Concatenate(axis=1) of two such sequences: each
            # step's features alone, summed in one order at every step (``layers_more._reduced``:
            # NumPy's own order over axis 1 changed with the steps' count, a one-step window's
            # sums were other bits); so its output holds the steps on axis 2 too, and a window's
            # steps are the whole's. A softmax of the last axis shares the steps: held below)
            # (a channels_last GlobalAveragePooling1D / GlobalMaxPooling1D pools each step's
            # features, axis 1: its steps on axis 1 of (batch, steps), ``stepwise_axis``)
            seq[layer.name], axes[layer.name], tags[layer.name] = [True], [layer.stepwise_axis(2)], [None]
            continue
        if len(ins) == 1 and ins[0] and in_axes[0] in (1, 2) and layer.along_steps(in_axes[0]):
            # (a Softmax(axis=1) over the steps, attention weights over time (its step t needs
            # every step), a LayerNormalization over the steps and features, a
            # BatchNormalization(axis=1) (a statistic per step position); a Softmax(axis=2)
            # or LayerNormalization(axis=2), an Activation('softmax') (its last axis) of
            # (batch, features, steps) after a Permute((2, 1)):
            # computed once by the pass from the whole sequence, as a whole trace calls it, and
            # held; a window's steps are a slice of it on its input's steps axis, the trace's bits)
            seq[layer.name], axes[layer.name], tags[layer.name] = [True], [in_axes[0]], [None]
            held.add(layer.name)
            continue
        if (ins and all(has and ax == 2 for has, ax in zip(ins, in_axes)) and isinstance(layer, Merge)
                and layer.output_shapes and layer.joined_axis(len(layer.output_shapes[0])) == 2):
            # (its steps one sequence's, then the other's: a window of input steps is no window
            # of them; of axis 1 there, each step's features joined: ``stepwise``, above)
            raise LstmvizError(
                f"{name} joins its inputs' steps one after the other (axis 2, where a Permute((2, 1)) put "
                "them); a long sequence is traced by windows only through a Concatenate of each step's "
                "features (axis 1 of (batch, features, steps), axis -1 of (batch, steps, features))")
        if any(has and ax == 2 for has, ax in zip(ins, in_axes)):
            # (a recurrent layer over (batch, features, steps) is computed once, above)
            raise LstmvizError(
                f"{name} reads a sequence whose steps are on axis 2 (after a Permute((2, 1))); a long "
                "sequence is traced by windows through one only by a Conv1D or pooling of data_format "
                "'channels_first', a layer acting on each number alone (Dropout, Activation but softmax "
                "and log_softmax, ReLU, LeakyReLU, ELU, BatchNormalization(axis=1); Add, Subtract, Multiply, "
                "Average, Maximum, Minimum of two such sequences), one acting on each step's features "
                "(Softmax(axis=1), LayerNormalization(axis=1), GlobalMaxPooling1D and GlobalAveragePooling1D of "
                "data_format 'channels_last'; Concatenate(axis=1) of two such sequences), one "
                "acting along the steps (a Softmax, LayerNormalization or BatchNormalization over axis 2, an "
                "Activation softmax or log_softmax, a Masking of each feature's row), a Flatten or Reshape to "
                "one axis, a GlobalMaxPooling1D or GlobalAveragePooling1D of data_format 'channels_first' "
                "(pooling the steps), a Dense, a channels_last Conv1D or a recurrent layer (LSTM, GRU, SimpleRNN, "
                "Bidirectional, RNN([cells])) reading the steps as its features (no steps left) or a "
                "Permute((2, 1)) putting the steps back on axis 1")
        if any(has and ax != 1 for has, ax in zip(ins, in_axes)):
            # (its shape as it is: after a reduction over the batch, (time, features), no batch)
            shape = _shape_of(model, feed, next(r for r, has, ax in zip(node.inbound, ins, in_axes)
                                                if has and ax != 1))
            said = "time, ..." if not shape else ", ".join(["time", *(str(d) for d in shape[1:])])
            raise LstmvizError(
                f"{name} reads a sequence whose steps are on its first axis ({said}); "
                "a long sequence is traced by windows only where every layer but an ONNX "
                "op or recurrent node reads (batch, time, ...), a MatMul of a constant matrix "
                "(time, batch, features) too")
        if recurrent_halves(layer):
            if not ins[0]:
                raise LstmvizError(
                    f"{name} steps over a sequence made inside the model (a RepeatVector's of "
                    "another length than the model's fixed input length, say), not over the input's steps; "
                    "a long sequence is traced by windows only where each recurrent layer steps over the "
                    "input's time axis (a RepeatVector of the model's fixed input length too)")
            rnn = recurrent_halves(layer)[0][1]
            # (an RNN([cells])'s first cell returns its sequence to the next: the layer's says)
            rs = (layer if isinstance(layer, StackedRNN) else rnn).config.get("return_sequences")
            seq[layer.name] = [bool(rs)] + [False] * (n_out - 1)
            if isinstance(layer, Bidirectional) and layer.merge_mode is None:
                seq[layer.name][1] = seq[layer.name][0]
        elif isinstance(layer, TIMEWISE) or getattr(layer, "timewise", False) or (isinstance(layer, AnyOp)
                                            and int(layer.config.get("axis", -1)) == -1):
            rank = len(layer.output_shapes[0]) if layer.output_shapes else 0
            if any(ins) and not all(ins) and isinstance(layer, Merge):
                _check_stepless_operands(model, feed, node, ins, name, rank)
            if any(ins) and isinstance(layer, Merge) and rank > 1 and layer.joined_axis(rank) == 1:
                # (its steps one sequence's, then the other's: a window of input steps is no
                # window of them)
                raise LstmvizError(
                    f"{name} joins its inputs' steps one after the other (axis 1); a long sequence is "
                    "traced by windows only through a Concatenate of sequences' features (axis -1)")
            seq[layer.name] = [any(ins)] * max(1, len(layer.output_shapes))
        elif any(ins) and (layer.own_clock or isinstance(layer, StepMap)):
            # (a Conv1D or pooling, engine/conv.py (channels_first ones above); a Cropping1D,
            # ZeroPadding1D or UpSampling1D, no mask handed on: its output's steps read input
            # steps ``reads_of`` theirs, ``_Window.values``; its own time axis, ``_clocks``,
            # fewer steps where strides > 1 or padding 'valid', more where it pads or repeats)
            seq[layer.name] = [True]
        elif any(ins):
            # (any other layer keeping its input's shape that is not per-step acts along the
            # steps in a way not followed)
            shape = _shape_of(model, feed, node.inbound[0]) if len(node.inbound) == 1 else None
            out = tuple(layer.output_shapes[0]) if len(layer.output_shapes) == 1 else ()
            kept = shape is not None and len(shape) == len(out) and all(
                a is None or b is None or a == b for a, b in zip(shape, out))
            raise LstmvizError(
                f"{name} {'acts along the time axis' if kept else 'reshapes the time axis'}; "
                "a long sequence is traced by windows "
                "only through recurrent layers (RNN([cells]) too), per-step layers (a Reshape or "
                "Permute keeping the batch and time axes), Permute((2, 1)), Conv1D and pooling layers "
                "(channels_first after a Permute((2, 1)); a channels_first pooling of each step's "
                "features), Cropping1D, ZeroPadding1D, UpSampling1D, "
                "GlobalMaxPooling1D, GlobalAveragePooling1D, Flatten and Reshape to one axis, a Dense, "
                "Conv1D or recurrent layer reading the steps as features (after a Permute((2, 1)), or a "
                "channels_first Conv1D: no steps left), "
                "and a Softmax, LayerNormalization or BatchNormalization over the steps (axis 1, or 2 after a "
                "Permute((2, 1))) of one sequence")
        else:
            seq[layer.name] = [False] * max(1, len(layer.output_shapes))
        axes[layer.name] = [1 if s else None for s in seq[layer.name]]
        # (made of the whole sequence: no op over the steps may read it, see onnx_time)
        made = any(ins) or any(onnx_time.tagged(t) for t in in_tags)
        tags[layer.name] = [onnx_time.ANY if made and not s else None for s in seq[layer.name]]
    if clocks is not None:
        clocks.update(_clocks(model, T or 0, seq, axes))
    return (T or 0), seq


def _check_stepless_operands(model, feed: dict, node, ins: list, name: str, rank: int) -> None:
    """A Merge of a sequence with a tensor without steps (squeeze-and-excitation over time: a
    GlobalAveragePooling1D -> Dense -> Reshape((1, F)) times the sequence; a context vector
    added to every step): followed where it is an elementwise one (Add, Subtract, Multiply,
    Average, Maximum, Minimum) and each tensor without steps has no time axis, or one of size
    1 (Keras 3 broadcasts it over the steps, ``Merge``: a (batch, F) brought to (batch, 1,
    F)): the pass computes that tensor once, over the whole sequence, before the merge (the
    nodes run in order) and every window merges its steps with those very numbers, each
    number of a step alone, so the whole trace's bits. Refuses, in one line, a Concatenate
    or a tensor that spans steps of its own (a RepeatVector of the input's steps is a
    sequence, ``repeats_input_steps``: followed as any)."""
    if not isinstance(node.layer, Merge) or not node.layer.elementwise(1):
        raise LstmvizError(
            f"{name} joins a sequence with a tensor without the input's steps (a RepeatVector's of "
            "another length, say); a long sequence is traced by windows only where such a tensor is "
            "merged into every step by an Add, Subtract, Multiply, Average, Maximum or Minimum, or "
            "repeated onto every step by a RepeatVector of the model's fixed input length")
    for r, has in zip(node.inbound, ins):
        shape = _shape_of(model, feed, r)
        if has or shape is None or len(shape) < rank or shape[1] == 1:
            continue
        raise LstmvizError(
            f"{name} merges a sequence with a tensor of {'unknown' if shape[1] is None else shape[1]} "
            "steps of its own (a RepeatVector's of another length, say); a long sequence is traced by "
            "windows only where a tensor merged into every step has no time axis or one of size 1, "
            "or is a RepeatVector of the model's fixed input length, or a Dense of that many units over the "
            "steps after a Permute((2, 1)) (an attention block's weight per step) put back by a Permute((2, 1))")


def repeats_input_steps(layer, ins: list, length: int | None) -> bool:
    """Whether ``layer`` is a RepeatVector(n) of a tensor without steps (``ins``: whether
    each input has the input's steps) whose n is ``length``, the input length the model fixes
    (an encoder's last step repeated onto every step, joined by a Concatenate to a sequence or
    read by an LSTM autoencoder's decoder): its output is a sequence on the input's time
    axis, every step the same copy, so a window of it is its steps' copies and the layers
    after it follow it as any sequence (``_plan``, ``_clocks``). The model's length, not the
    arrays' (a window's own inputs, ``window_axes``: a head's RepeatVector(4) over a window
    of 4 steps is no sequence of them). A RepeatVector of another n, or in a model of an
    open length, has steps of its own, refused where a sequence of the input's meets them."""
    return (isinstance(layer, RepeatVector) and bool(ins) and not any(ins) and length is not None
            and int(layer.config["n"]) == int(length))


def _check_repeats(model, seq: dict, T: int) -> None:
    """Refuses a pass over ``T`` steps where a RepeatVector followed as a sequence of the
    input's steps (``repeats_input_steps``: its n the length the model fixes) repeats onto
    another number of them: given fewer steps than it fixes, the model (as Keras runs it)
    repeats onto its n, steps of its own, which the pass counted as the input's (10^7 of a
    decoder's 64 units, 2.4 GiB allocated past the memory limit: MemoryError)."""
    for node in model.nodes:
        layer = node.layer
        if isinstance(layer, RepeatVector) and seq.get(layer.name) == [True] and int(layer.config["n"]) != T:
            n = int(layer.config["n"])
            raise LstmvizError(
                f"layer '{layer.name}' (RepeatVector) repeats onto the {n:,} steps the model fixes its input "
                f"to, and the input has {T:,}; a long sequence is traced by windows through a RepeatVector "
                f"only where the input has the model's length (give it {n:,} steps)")


def weighs_input_steps(layer, in_axes: list, length: int | None) -> bool:
    """Whether ``layer`` is a Dense of ``length`` units (the input length the model fixes)
    over (batch, features, steps) after a Permute((2, 1)) (``in_axes``: each input's steps
    axis), the attention block of blog-era Keras LSTM models (``Permute((2, 1))`` ->
    ``Dense(TIME_STEPS, activation='softmax')`` -> ``Permute((2, 1))`` -> ``Multiply`` with
    the sequence): each output number reads every step, but its output's axis 2 is a sequence
    of the model's steps, a weight per step, which the second Permute puts back on axis 1. The
    pass computes it once from the whole sequence and holds it (``_plan``'s ``held``); a window
    takes its steps' slice. The model's length, not the arrays' (``repeats_input_steps``); in
    a model of an open length, or of other units, it has no steps (``_once``), refused where a
    sequence of the input's meets them."""
    return (isinstance(layer, Dense) and len(in_axes) == 1 and in_axes[0] == 2 and layer.reads_whole_axis(2)
            and length is not None and int(layer.config["units"]) == int(length))


def fixed_input_length(model) -> int | None:
    """The input length ``model`` fixes (its first input's batch shape on the time axis, 32 of
    a blog-era attention model's ``Input((32, 3))``), None where it is left open: what
    ``weighs_input_steps`` asks of a whole trace's graph (``cell_ref.steps_axes``,
    ``_steps_on_two``) and ``_plan``: one answer for the views and the windows (an ONNX
    graph's that fixes its length: ``onnx_time.fixed_length``)."""
    shape, ax = next(onnx_time.declared_inputs(model), ([], 1))
    return shape[ax] if len(shape) > max(ax, 1) and isinstance(shape[ax], int) else None


def _merges_steps(layer, axis: int) -> bool:
    """Whether ``layer``'s output has no axis of its input's steps, on ``axis`` (1 or 2),
    though it reads them all: a Flatten or Reshape to one axis (``Layer.merges_steps``), or a
    layer whose weights contract that axis (``Layer.reads_whole_axis``: the steps its
    features or channels). The pass computes it once, as a whole trace calls it."""
    return layer.merges_steps or layer.reads_whole_axis(axis)


def _once(node, seq: dict, axes: dict) -> bool:
    """Whether ``node`` reads one sequence whose every step it takes at once, so that its
    output has no axis of the input's steps (``_merges_steps``: a Flatten, a Dense over
    (batch, features, steps), a recurrent layer stepping over those features, each step
    reading all the input's steps as its inputs): the pass computes it once, as a whole
    trace calls it (a recurrent layer's records with it, over its own few steps, no
    keyframes: ``_clocks`` gives it no time axis), and every window holds it as it is."""
    if len(node.inbound) != 1:
        return False
    ref = node.inbound[0]
    if not seq[ref.layer][ref.tensor_index]:
        return False
    ax = axes[ref.layer][ref.tensor_index]
    return ax in (1, 2) and _merges_steps(node.layer, ax)


def features_stepped(layer) -> int | None:
    """The steps of a recurrent layer computed once over (batch, features, steps) after a
    Permute((2, 1)) (``_once``): its input's axis 1, the features it steps over, whatever
    the long input's length (None where not known)."""
    shapes = layer.input_shapes
    return shapes[0][1] if shapes else None


def record_bytes(layer, batch: int, steps: int) -> int:
    """The bytes of a whole trace's record of recurrent ``layer`` (each half's, each cell's)
    over ``steps`` of its own: every key a view may ask for (``CellKind.record_floats``)."""
    return sum(batch * steps * rnn.cell.record_floats(rnn.units) * 4 for _, rnn in recurrent_halves(layer))


def _clocks(model, T: int, seq: dict, axes: dict) -> dict[str, Clock | None]:
    """Per layer its own time axis, ``(steps, scale)``: the steps of its outputs' time axis
    (a recurrent layer's: the sequence it steps over, whether it returns it or not), and
    how many of the model's input steps one of them stands for. The input's are ``(T,
    1)``; a Conv1D or pooling of strides s over ``(n, S)`` (an ONNX Conv, MaxPool or
    AveragePool too: ``own_clock``) gives ``(out_steps(n), S*s)``
    (its step t stands for input step ``t*S*s``, the first its window starts at but for the
    padding: on a keeps-steps layer t for t); every other layer keeps its input's. None:
    no time axis (a recurrent layer computed once, ``_once``: its own steps are not the
    input's). Refuses, in one line, a layer merging sequences of different scales (a pooled
    branch with one that is not): no window of input steps is a window of both."""
    clocks: dict[str, Clock | None] = {}
    for node in model.nodes:
        layer = node.layer
        name = layer.name
        if isinstance(layer, InputLayer):
            clocks[name] = (T, 1) if seq[name][0] else None
            continue
        got: list[Clock] = [c for c in (clocks.get(r.layer) for r in node.inbound
                                                   if seq[r.layer][r.tensor_index]) if c]
        if not got:  # (a RepeatVector of the input's steps, ``repeats_input_steps``: the input's)
            clocks[name] = (T, 1) if isinstance(layer, RepeatVector) and seq[name][0] else None
            continue
        if len({c[1] for c in got}) > 1:
            every = " and ".join(sorted({plural(c[1], "input step") if isinstance(c[1], int)
                                         else f"{c[1]} input step" for c in got}))
            raise LstmvizError(
                f"layer '{layer.name}' ({layer.class_name}) reads sequences of different time scales "
                f"(a step every {every}); a long sequence is traced by windows only where the "
                "sequences a layer reads step alike")
        steps, scale = got[0]
        r = node.inbound[0]
        if new_clock(layer, axes[r.layer][r.tensor_index]):  # (a Conv1D or pooling; an ONNX Conv,
            # MaxPool or AveragePool; a Cropping1D, ZeroPadding1D, UpSampling1D: scale 1, or
            # 1/size; not a channels_first pooling of each step's features)
            steps, scale = layer.steps_out(steps), whole_scale(scale * layer.stride)
        stepping = recurrent_halves(layer) and not _once(node, seq, axes)
        clocks[name] = (steps, scale) if any(seq[name]) or stepping else None
    return clocks


class WindowedTrace:
    """A long sequence's trace held as keyframes (see the module's docstring).

    ``outputs``/``output`` are what the model returns (as ``Trace``); ``timesteps`` the
    sequence's length (the input's steps); ``steps_of(layer)`` a layer's own (fewer after
    a strided Conv1D or pooling); ``window(a, b)`` a ``Trace`` of processing steps a..b-1."""

    def __init__(self, model, inputs, T, every, seq, keyframes, static, masks, in_masks,
                 outputs, static_records, axes: dict | None = None, tags: dict | None = None,
                 clocks: dict | None = None, held: dict | None = None,
                 held_stats: dict | None = None) -> None:
        self.model = model
        self.inputs = inputs
        self.timesteps = T
        self.every = every
        self._seq = seq
        #: per layer, each output's steps axis (``_plan``; None where it has none)
        self._axes = axes if axes is not None else {
            k: [1 if s else None for s in v] for k, v in seq.items()}
        #: per layer, each output's ``onnx_time`` tag (a size made of the sequence's length)
        self._tags = tags or {}
        #: per layer its own time axis, (steps, input steps a step stands for): ``_clocks``
        self._clocks: dict = clocks or {}
        #: the steps each record's ``total`` says (``steps_of``'s by default): a pass over an
        #: input's first steps standing for the whole sequence's says the whole's
        #: (``app/long_sequence._head``: ``told``)
        self.told: dict[str, int] = {}
        self.keyframes: dict[tuple[str, str], Keyframes] = keyframes
        self._static = static          # layer -> outputs, None where the output is a sequence
        #: layer acting along the steps -> its outputs over the whole sequence (``_plan``'s
        #: ``held``): a window's steps are sliced from them
        self._held: dict[str, list] = held or {}
        #: and their numbers over the whole sequence each step reads (``LayerTrace.stats``: a
        #: Softmax over the steps' m and S), computed by the same call: each window's record
        self._held_stats: dict[str, dict] = held_stats or {}
        self._masks = masks            # layer -> masks of its outputs (whole sequence)
        self._in_masks = in_masks      # recurrent layer -> the mask its input carries
        self.outputs = outputs
        self._static_records = static_records
        self.batch = input_samples(model, inputs[0])
        #: per recurrent half: its kernels as the kernels step them (``recurrent._prepared``),
        #: made by the first window and reused by the next (the weights stay with the pass)
        self._prepared: dict[tuple[str, str], dict] = {}

    @property
    def output(self):
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    @property
    def nbytes(self) -> int:
        """Bytes held: keyframes, masks, outputs and tensors without steps."""
        arrays = [a for kf in self.keyframes.values() for a in
                  list(kf.states.values()) + ([kf.prev_out] if kf.prev_out is not None else [])]
        arrays += [m for ms in self._masks.values() for m in ms if m is not None]
        arrays += [o for o in self.outputs]
        arrays += [v for vs in self._static.values() for v in vs if v is not None]
        arrays += [v for vs in self._held.values() for v in vs]
        arrays += [v for vs in self._held_stats.values() for v in vs.values()]
        arrays += _record_arrays(self._static_records)  # (a recurrent layer's computed once)
        seen, total = set(), 0
        for a in arrays:
            if id(a) not in seen:
                seen.add(id(a))
                total += a.nbytes
        return total

    def steps_of(self, layer: str | None = None) -> int:
        """The steps of ``layer``'s own time axis (a recurrent layer's: the sequence it steps
        over): the input's ``timesteps`` but after a Conv1D or pooling of strides s (T/s)
        or padding 'valid' (fewer by its window less one); the input's for None or a
        layer without a time axis."""
        return _own_steps(self._clocks, layer, self.timesteps) if layer is not None else self.timesteps

    def once(self, layer: str) -> bool:
        """Whether ``layer``'s record is the whole trace's, computed once by the pass
        (``_once``: a recurrent layer over (batch, features, steps), its own few steps the
        features; a Flatten; a layer after a last step): every window holds it whole, none
        of its steps the input's."""
        return layer in self._static_records

    def scale_of(self, layer: str | None = None) -> int | Fraction:
        """How many of the input's steps one step of ``layer`` stands for (its strides and
        those before it multiplied, an UpSampling1D(k)'s 1/k; 1 without): its step t stands
        for input step t x it."""
        clock = self._clocks.get(layer) if layer is not None else None
        return whole_scale(clock[1]) if clock else 1

    def steps_for(self, layer: str | None, a: int, b: int, of: str | None = None) -> tuple[int, int]:
        """The steps of ``layer``'s own time axis (None: the input's) a window of steps
        ``a .. b-1`` of layer ``of`` (None: of the input) holds (``clock_window``)."""
        return clock_window(self._clocks, self.timesteps, layer, a, b, of)

    def window(self, a: int, b: int, needed=None, by_input: bool = False, of: str | None = None) -> Trace:
        """Processing steps ``a .. b-1`` of every layer, recomputed from keyframes.

        ``a``, ``b`` are steps of the model's input, or of layer ``of`` where given: a
        layer after a Conv1D or pooling of strides s (padding 'valid': fewer steps than it
        reads) has its own steps, and its record holds those the window's input steps
        stand for (``steps_for``: input steps 1000..1200 are steps 500..600 after a
        MaxPooling1D(2)); each ``LayerTrace.start`` is its own first step, and its
        ``total`` its own steps (``steps_of``). The ``Trace``'s ``start`` and
        ``total_steps`` are the input's (its ``inputs`` the window's input steps).

        ``needed``: the layers whose records are wanted now (``Model.trace``'s): in a plain
        stack without state, the layers after the last of them run when their record (or
        the outputs) is first asked for (``LaterTrace``), from the same keyframes and
        kernels: the same numbers as a window of every layer at once.

        ``by_input``: input steps ``a .. b-1`` of every layer instead: a half that runs
        backwards (go_backwards, a Bidirectional's) records its processing steps
        ``T-b .. T-a-1``, which read those input steps (its ``LayerTrace.start``), so that
        every record of the window stands under the same input steps (the app's views)."""
        a, b = int(a), int(b)
        n = self.steps_of(of)
        if not 0 <= a < b <= n:
            where = "" if of is None else f" of layer '{safe_name(of)}'"
            raise LstmvizError(f"steps {a}:{b} are not a window of 0:{n}{where}")
        return _Window(self, by_input).trace(a, b, needed, of)


def _steps_slice(recorded, derived, lo, hi) -> Steps:
    def cut(make):
        return lambda: make()[lo:hi].transpose(1, 0, 2)
    return Steps({k: v[lo:hi].transpose(1, 0, 2) for k, v in recorded.items()},
                 {k: cut(f) for k, f in derived.items()})


class _Window:
    """One window's evaluation: tensors over step ranges, recurrent runs from keyframes
    (memoized: a layer's run serves its record and the layers reading it)."""

    def __init__(self, wt: WindowedTrace, by_input: bool = False):
        self.wt = wt
        self.by_input = by_input
        self.model = wt.model
        #: each layer's output sequence over the input turned around (``steps_reversed``):
        #: by input steps, its record holds its own steps T-b .. T-a-1
        self.rev = steps_reversed(wt.model)
        self.rev_in = inputs_reversed(wt.model, self.rev)  # (the sequence each layer reads)
        self.by_rev = self.rev if by_input else {}
        self.T = wt.timesteps
        #: the sequence length the graph fixes (``onnx_time.fixed_length``; None: open)
        self.length = onnx_time.fixed_length(wt.model)
        self.nodes = {n.layer.name: n for n in wt.model.nodes}
        self.feed = {r.layer: a for r, a in zip(wt.model.inputs, wt.inputs)}
        self._values: dict = {}
        self._runs: dict = {}

    # a recurrent half over processing steps [lo, hi), from the keyframe before lo
    def run(self, node, side, rnn, lo, hi, record):
        K, T = self.wt.every, self.wt.steps_of(node.layer.name)  # (its own steps)
        k = lo // K
        start = k * K
        end = min(-(-hi // CUT) * CUT, T)
        key = (node.layer.name, side, start, end)
        got = self._runs.get(key)
        if got is not None and (got[1] is not None or not record):
            return got
        backwards = bool(rnn.config["go_backwards"])
        i0, i1 = (T - end, T - start) if backwards else (start, end)
        ref = node.inbound[0]
        below = cell_below(node.layer, side)
        if below is not None:  # (a later cell of an RNN([cells]): the cell before's output
            # over the same processing steps, from its keyframe at the same step)
            s, _, _, y, _, _ = self.run(node, below[0], below[1], start, end, False)
            x = y[start - s:end - s].transpose(1, 0, 2)
        else:
            x = self.values(ref.layer, i0, i1)[ref.tensor_index]
        if onnx_node(node.layer) and _node_time_axis(node.layer) == 0:
            x = x.transpose(1, 0, 2)  # (its X in the node's layout: time first)
        mask = self.wt._in_masks.get(node.layer.name)
        # (in its processing order: a later cell of an RNN([cells]) of go_backwards reads
        # the mask turned around, as the first cell does)
        flip = backwards or (below is not None and reads_backwards(node.layer, rnn))
        mask = None if mask is None else (mask[:, T - end:T - start][:, ::-1] if flip else mask[:, i0:i1])
        if backwards:
            x = x[:, ::-1]
        xs = np.ascontiguousarray(np.asarray(x, np.float32).transpose(1, 0, 2))
        mask_t = None if mask is None else np.ascontiguousarray(mask.T)
        states, prev = self.wt.keyframes[(node.layer.name, side)].at(k)
        prepared = self.wt._prepared.setdefault((node.layer.name, side), {})
        recorded, derived, out, _ = rnn._run(xs, [np.ascontiguousarray(s) for s in states],
                                             mask_t, record=record, keep_sequence=True,
                                             prev_out=prev, prepared=prepared)
        got = (start, recorded if record else None, derived, out, states, mask)
        self._runs[key] = got
        return got

    def values(self, name, lo, hi) -> list:
        """The outputs of layer ``name`` over steps [lo, hi) of their time axis (whole
        where an output has none)."""
        key = (name, lo, hi)
        if key in self._values:
            return self._values[key]
        node = self.nodes[name]
        layer = node.layer
        static = self.wt._static[name]
        seq = self.wt._seq[name]
        if not any(seq):
            out = list(static)
        elif name in self.wt._held:  # (its whole output, held: the window's steps of it)
            out = [_take(v, ax, lo, hi) for v, ax in zip(self.wt._held[name], self.wt._axes[name])]
        elif isinstance(layer, InputLayer):
            out = [_take(self.feed[name], self.wt._axes[name][0], lo, hi)]
        elif isinstance(layer, RepeatVector):  # (of the input's steps: its vector, computed once,
            # on each of the window's steps, the same copies as the whole's)
            ref = node.inbound[0]
            out = [layer.repeat(self.values(ref.layer, lo, hi)[ref.tensor_index], hi - lo)]
        elif onnx_node(layer):  # Y over input steps lo..hi-1 in the node's layout
            from lstmviz.engine.onnx_layers import node_arrays

            ys = []
            n = self.wt.steps_of(name)  # (its own steps: after a strided Conv or pool, fewer)
            for side, rnn in recurrent_halves(layer):
                back = bool(rnn.config["go_backwards"])
                p0, p1 = (n - hi, n - lo) if back else (lo, hi)
                s, _, _, y, _, _ = self.run(node, side, rnn, p0, p1, False)
                y = y[p0 - s:p1 - s]
                ys.append((y[::-1] if back else y).transpose(1, 0, 2))
            out = node_arrays(layer, ys, None) + list(static[1:])
        elif isinstance(layer, Bidirectional):
            (_, f), (_, bk) = recurrent_halves(layer)
            T = self.wt.steps_of(name)
            s, _, _, yf, _, _ = self.run(node, "forward", f, lo, hi, False)
            s2, _, _, yb, _, _ = self.run(node, "backward", bk, T - hi, T - lo, False)
            yf = yf[lo - s:hi - s].transpose(1, 0, 2)
            yb = yb[T - hi - s2:T - lo - s2].transpose(1, 0, 2)
            merged = layer.merge(yf, yb)
            out = merged + list(static[len(merged):])
        elif isinstance(layer, StackedRNN):  # (its last cell's sequence, in processing order)
            side, cell = recurrent_halves(layer)[-1]
            s, _, _, y, _, _ = self.run(node, side, cell, lo, hi, False)
            out = [y[lo - s:hi - s].transpose(1, 0, 2)] + list(static[1:])
        elif recurrent_halves(layer):
            s, _, _, y, _, _ = self.run(node, "", layer, lo, hi, False)
            out = [y[lo - s:hi - s].transpose(1, 0, 2)] + list(static[1:])
        elif (layer.own_clock and not _onnx_op(layer)
              and new_clock(layer, self.wt._axes[node.inbound[0].layer][node.inbound[0].tensor_index])):
            # (the steps of its input its outputs read; a Cropping1D's, ZeroPadding1D's or
            # UpSampling1D's too, but one that keeps them: channels_first, nothing cropped; a
            # channels_first pooling of each step's features: its steps' alone, below)
            src = node.inbound[0]
            out = [layer.window(lambda i0, i1: self.values(src.layer, i0, i1)[src.tensor_index],
                                lo, hi, self.wt.steps_of(src.layer), self.wt.batch)]
        elif _onnx_op(layer) and callable(getattr(layer, "window", None)):  # (an ONNX Conv or pooling,
            # ``onnx_time.follow``: the steps its outputs read, on axis 2, any strides and pads)
            src = node.inbound[0]
            rest = [self.values(r.layer, lo, hi)[r.tensor_index] for r in node.inbound[1:]]
            out = [layer.window(lambda i0, i1: self.values(src.layer, i0, i1)[src.tensor_index],
                                lo, hi, self.wt.steps_of(src.layer), self.wt.batch, rest)]
        elif _onnx_op(layer) and onnx_time.reversed_steps(layer):  # (whole sequences reversed)
            src = node.inbound[0]
            n = self.wt.steps_of(name)  # (its own steps: after a strided Conv, fewer)
            x = self.values(src.layer, n - hi, n - lo)[src.tensor_index]
            out = [np.ascontiguousarray(np.flip(x, axis=self.wt._axes[name][0]))]
        else:
            ins = [self.values(r.layer, lo, hi)[r.tensor_index] for r in node.inbound]
            # (a Reshape's shape holding the length: the window's there)
            tags = [(self.wt._tags.get(r.layer) or [None] * (r.tensor_index + 1))[r.tensor_index]
                    for r in node.inbound]
            ins = [onnx_time.window_operand(v, t, hi - lo) for v, t in zip(ins, tags)]
            ims = [self._mask(r, lo, hi) for r in node.inbound]
            if _onnx_op(layer) and self.length is not None:  # (a graph fixing its length: the window's)
                with np.errstate(invalid="ignore", over="ignore"):  # (as ``run_layer``)
                    # (a constant of the graph's steps, ``onnx_time.spans``: the window's steps of it)
                    own = self.wt.steps_of(name)
                    spans = onnx_time.spans(layer, [self.wt._axes[r.layer][r.tensor_index] for r in node.inbound],
                                            [np.ndim(v) for v in ins], self.length if own == self.length else None)
                    first = node.inbound[0] if node.inbound else None  # (its data's time axis)
                    axis = None if first is None else self.wt._axes[first.layer][first.tensor_index]
                    out, _, _ = layer.call(ins, ims, window=(self.length, own, hi - lo, axis),
                                           cut={j: (axis, lo, hi) for j, axis in spans.items()})
            else:
                out, _, _ = run_layer(layer, ins, ims)
        self._values[key] = out
        return out

    def _mask(self, ref, lo, hi):
        m = self.wt._masks[ref.layer][ref.tensor_index]
        return None if m is None else m[:, lo:hi]

    def record(self, node, side, rnn, a, b) -> LayerTrace:
        """Processing steps ``a .. b-1`` of a recurrent half (of input steps ``a .. b-1``
        where the window is by input and the half runs backwards)."""
        wa, wb = a, b  # the window's steps of the layer's time axis
        own = self.wt.steps_of(node.layer.name)  # (its own steps)
        rev_in = self.rev_in.get(node.layer.name, False)
        turned = reads_backwards(node.layer, rnn) != rev_in
        if self.by_input and turned:
            a, b = own - wb, own - wa  # (a half over the input turned around: a forward LSTM
            # after a go_backwards one reads input step T-1-t at its step t)
        start, recorded, derived, out, states, mask = self.run(node, side, rnn, a, b, True)
        lo, hi = a - start, b - start
        if lo == 0:
            initial = dict(zip(rnn.state_names, states))
        else:
            initial = {n: np.ascontiguousarray(recorded[n][lo - 1]) for n in rnn.state_names}
        outputs = []
        if onnx_node(node.layer) and side == "":  # Y (in input order) over the window's steps
            outputs = list(self.values(node.layer.name, wa, wb))
        elif side == "":
            static = self.wt._static[node.layer.name]
            # (a backward layer's output sequence is in its processing order: the layers
            # after it read steps wa..wb-1 of it, whatever steps its record holds)
            # (by input steps, a sequence over the input turned around: its steps T-wb ..
            # T-wa-1, those standing over the window's input steps)
            oa, ob = (own - wb, own - wa) if self.by_rev.get(node.layer.name) else (wa, wb)
            seq = (out[lo:hi].transpose(1, 0, 2) if (a, b) == (oa, ob)
                   else self.values(node.layer.name, oa, ob)[0])
            outputs = [seq if rnn.config["return_sequences"] else static[0]] + list(static[1:])
        backwards = bool(rnn.config["go_backwards"])
        flipped = onnx_time.reads_reversed(node.layer)  # (its X the input's steps turned around)
        if cell_below(node.layer, side) is None:  # (or its layer's input, a sequence turned
            flipped = flipped != rev_in  # around: a forward LSTM after a go_backwards one)
        given, input_start = None, a
        if cell_below(node.layer, side) is not None and turned:
            input_start = own - b  # (a later cell of an RNN([cells]) run backwards: the input
            # steps its steps stand under, the first cell's; its input is that cell's output)
        if backwards or flipped:
            # the input its steps read, in the input's order: steps n0 .. n1-1 of its own
            # input (run() read them), the model's input steps T-n1 .. T-n0-1 where that
            # input is the model's turned around
            T, ref = own, node.inbound[0]
            end = min(-(-b // CUT) * CUT, T)
            i0, i1 = (T - end, T - start) if backwards else (start, end)
            n0, n1 = (T - b, T - a) if backwards else (a, b)
            x = self.values(ref.layer, i0, i1)[ref.tensor_index]
            if onnx_node(node.layer) and _node_time_axis(node.layer) == 0:
                x = x.transpose(1, 0, 2)  # (batch, steps, features), as every record holds it
            if np.ndim(x) >= 2:
                given = x[:, n0 - i0:n1 - i0]
                given = given[:, ::-1] if flipped else given
            input_start = T - n1 if flipped else n0
        return LayerTrace(rnn.name if side else node.layer.name, rnn.class_name if side else node.layer.class_name,
                          outputs, steps=_steps_slice(recorded, derived, lo, hi),
                          initial_state=initial,
                          mask=None if mask is None else mask[:, lo:hi],
                          go_backwards=backwards,
                          input_start=input_start, input_window=given, start=a,
                          total=self.wt.told.get(node.layer.name, own))

    def trace(self, a, b, needed=None, of=None) -> Trace:
        later = self.model._later(needed)
        first = self.model.nodes[:len(self.model.nodes) - len(later)]
        # the recurrent layers before a needed one whose records nobody asked for: run
        # states only (their outputs, which the needed layers read), recorded when first
        # asked for, from the same keyframes (the same numbers: a summary of the second of
        # two LSTM(512) spent ~15% of its time recording the first)
        known = bool(needed) and set(needed) <= {n.layer.name for n in self.model.nodes}
        waiting = [n for n in first if known and n.layer.name not in needed and self._deferrable(n)]
        first = [n for n in first if n not in waiting]
        layers: dict[str, LayerTrace] = {}
        # (each layer's own steps: those input steps x0 .. x1-1 stand for)
        spans = {n.layer.name: self.wt.steps_for(n.layer.name, a, b, of) for n in self.model.nodes}
        self._records(first, layers, spans)
        # (what the views count a layer's columns from, ``trace.steps_first``: a tensor without
        # the input's time axis, computed once, from its own 0: a RepeatVector's, a Dense's over
        # (batch, features, steps), the window's input steps before (its 128 features were
        # labelled steps 1,408 .. 1,535))
        shown = {k: v if self.wt._clocks.get(k) else (0, 0) for k, v in spans.items()}
        x0, x1 = (a, b) if of is None else self.wt.steps_for(None, a, b, of)  # (the input's)
        x1 = min(x1, self.T)
        inputs = [_take(x, self.wt._axes[r.layer][0], x0, x1)
                  for r, x in zip(self.model.inputs, self.wt.inputs)]
        if not later and not waiting:
            return Trace(layers, list(self.wt.outputs), inputs, start=x0, total_steps=self.T, end=x1, spans=shown)

        def finish() -> list:
            self._records(waiting + later, layers, spans)
            return list(self.wt.outputs)

        # (``layers`` a Mapping, not a dict; ``outputs`` the property that runs them)
        order = [n.layer.name for n in self.model.nodes if n.layer.name in layers
                 or n in waiting or n in later]
        return LaterTrace(LaterLayers(layers, [n.layer.name for n in waiting + later], finish,  # type: ignore[arg-type]
                                      order=order),
                          [], inputs, start=x0, total_steps=self.T, end=x1, spans=shown)

    def _deferrable(self, node) -> bool:
        """A recurrent layer (a Bidirectional's halves too) of a plain stack without state,
        whose record can wait: its outputs come from its states-only run."""
        model = self.model
        layer = node.layer
        return (model.is_sequential and not model.stateful and not onnx_node(layer)
                and layer.name not in self.wt._static_records and bool(recurrent_halves(layer)))

    def _records(self, nodes, layers: dict, spans: dict) -> None:
        """The records of ``nodes`` into ``layers``, each over its own steps ``spans[name]``
        (``WindowedTrace.steps_for``)."""
        for node in nodes:
            layer = node.layer
            name = layer.name
            if isinstance(layer, InputLayer):
                continue
            a, b = spans[name]
            own = self.wt.told.get(name, self.wt.steps_of(name))
            if self.by_rev.get(name) and not recurrent_halves(layer):
                # (by input steps, a sequence over the input turned around: its own steps
                # standing over them, ``steps_reversed``; a Dense after a go_backwards LSTM)
                n = self.wt.steps_of(name)
                a, b = n - b, n - a
            if name in self.wt._static_records:
                layers[name] = self.wt._static_records[name]
            elif isinstance(layer, (Bidirectional, StackedRNN)):  # (its halves, or its cells)
                children = {side: self.record(node, side, rnn, a, b) for side, rnn in recurrent_halves(layer)}
                n = self.wt.steps_of(name)  # (its merged or last cell's sequence: ``steps_reversed``)
                oa, ob = (n - b, n - a) if self.by_rev.get(name) else (a, b)
                outs = self.values(name, oa, ob) if any(self.wt._seq[name]) else self.wt._static[name]
                m = self.wt._in_masks.get(name)
                layers[name] = LayerTrace(name, layer.class_name, list(outs), children=children,
                                          mask=None if m is None else m[:, a:b], start=a, total=own)
            elif recurrent_halves(layer):
                layers[name] = self.record(node, "", layer, a, b)
            else:
                outs = self.values(name, a, b)
                steps = any(self.wt._seq[name])  # (its window's first step and its own steps)
                # (the mask its output carries, as a whole trace's record: ``keep_output_mask``)
                m = (self.wt._masks.get(name) or [None])[0] if isinstance(layer, Masking) or steps else None
                # (a mask of the features of (batch, features, steps), a Masking's after a
                # Permute((2, 1)): none of the window's steps, the whole trace's, whole)
                whole = self.wt._axes[name][:1] == [2]
                m = None if m is None or np.ndim(m) != 2 else m if whole else m[:, a:b]
                if m is not None and not isinstance(layer, Masking) and m.shape != np.shape(outs[0])[:2]:
                    m = None  # (not a mask of its output's steps)
                layers[name] = LayerTrace(name, layer.class_name, list(outs), mask=m,
                                          start=a if steps else 0, total=own if steps else None,
                                          stats=dict(self.wt._held_stats.get(name, {})))


# -- the pass ---------------------------------------------------------------------------
#: Steps a recurrent half runs at once in a keyframe pass (rounded to a multiple of K): a
#: cancelled pass keeps every stretch it finished (``Cancelled.partial``) and a resumed one
#: continues from the keyframe starting the stretch it stopped in, so it runs at most this
#: many steps again. The stretches are the same in every pass, resumed or not: the same
#: products, the same bits.
SEGMENT = 1024


def segment(every: int) -> int:
    """Steps of a stretch of a keyframe pass at keyframes every ``every`` steps."""
    return every * max(1, SEGMENT // every)


class _Half:
    """Where a recurrent half of a keyframe pass is: its keyframes, the steps it has run
    (``done``, a keyframe's step), the states entering step ``done``, the output before it
    (under a mask a step repeats it), the output sequence so far (when it is kept)."""

    def __init__(self, rnn, B: int, T: int, K: int, masked: bool, init) -> None:
        self.kf = Keyframes(K, T, B, rnn.units, rnn.state_names, masked)
        self.done = 0
        self.states = rnn._initial_states(B, init)
        self.prev = None
        self.out: np.ndarray | None = None
        self.prepared: dict = {}  # the kernels as they are stepped, made once for every stretch


class PassState:
    """A keyframe pass under way: the layers it ran, the recurrent halves it is running and
    how far. A cancelled pass hands it on (``Cancelled.partial``); ``keyframe_pass(model,
    x, resume=partial)`` goes on from there."""

    def __init__(self, model, arrays, T: int, seq, K: int, segment: int, clocks: dict | None = None) -> None:
        self.model, self.arrays, self.T, self.seq, self.every = model, arrays, T, seq, K
        self.segment = segment
        #: per layer its own time axis (``_clocks``): a recurrent half's steps are its own
        self.clocks: dict = clocks or {}
        self.node = 0  # the next node to run
        self.values: dict[str, list] = {}
        self.masks: dict[str, list] = {}
        self.in_masks: dict[str, np.ndarray] = {}
        self.static: dict[str, list] = {}
        #: the layers acting along the steps (``_plan``'s ``held``) and, once run, their
        #: outputs over the whole sequence, held to the end
        self.held_names: set[str] = set()
        self.held: dict[str, list] = {}
        #: and their records' numbers over the whole sequence (``LayerTrace.stats``), tiny
        self.held_stats: dict[str, dict] = {}
        self.keyframes: dict[tuple[str, str], Keyframes] = {}
        self.static_records: dict[str, LayerTrace] = {}
        self.halves: dict[tuple[str, str], _Half] = {}
        self.parts: dict[tuple[str, str], int] = {}  # steps run per recurrent half
        self.axes: dict[str, list] = {}  # per layer, each output's steps axis (``_plan``)
        self.tags: dict[str, list] = {}  # per layer, each output's ``onnx_time`` tag (``_plan``)

    @property
    def done(self) -> int:
        """Steps run, summed over the recurrent halves (what ``progress`` is told)."""
        return sum(self.parts.values())

    @property
    def nbytes(self) -> int:
        """Bytes it holds beyond the pass's inputs: the sequences of the layers it ran that
        later layers still read, the keyframes, masks and tensors without steps, and each
        half under way's keyframes, states and output sequence (each buffer once, views of
        it counted as it)."""
        arrays: list = [v for vs in self.values.values() for v in vs]
        arrays += [m for ms in self.masks.values() for m in ms] + list(self.in_masks.values())
        arrays += [v for vs in self.static.values() for v in vs]
        arrays += [v for vs in self.held.values() for v in vs]
        arrays += [v for vs in self.held_stats.values() for v in vs.values()]
        kfs = list(self.keyframes.values()) + [h.kf for h in self.halves.values()]
        arrays += [a for kf in kfs for a in list(kf.states.values()) + [kf.prev_out]]
        for h in self.halves.values():
            arrays += list(h.states) + [h.prev, h.out]
        arrays += _record_arrays(self.static_records)
        given = {id(_base(a)) for a in self.arrays}
        seen: dict[int, int] = {}
        for a in arrays:
            if isinstance(a, np.ndarray):
                b = _base(a)
                if id(b) not in given:
                    seen[id(b)] = b.nbytes
        return sum(seen.values())


def _keep_whole(rec: LayerTrace, x) -> None:
    """A recurrent layer's record computed once by the pass (``_once``), kept to its end and
    held by every window: its derived keys computed now (``x_proj``, ``h_proj``, ``pre``,
    small, F x units; their functions held the layer's input copied time-major, B x F x
    steps floats), and the input it read (a view of the sequence before it, (batch,
    features, steps)) as ``input_window`` of it and its halves (from ``input_start`` 0):
    what the Cell view's x_t reads, all the steps at once, as on a whole trace."""
    for r in (rec, *rec.children.values()):
        for key in list(r.steps):
            r.steps[key]
        r.input_window, r.input_start = x, 0


def _record_arrays(records: dict) -> list:
    """The arrays the records of the layers computed once hold now (their outputs, a
    recurrent record's steps and its halves'), deriving none (``Steps.made``)."""
    got: list = []
    for rec in records.values():
        for r in (rec, *rec.children.values()):
            steps = r.steps
            got += list(r.outputs) + (steps.made if isinstance(steps, Steps) else list(steps.values()))
            got += [r.input_window] if r.input_window is not None else []
    return got


def _base(a: np.ndarray) -> np.ndarray:
    """The array owning ``a``'s memory (``a`` itself when it owns it)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _pass_recurrent(rnn, x, mask, half: _Half, segment: int, keep_sequence, progress,
                    feed: _Feed | None = None, made: _Feed | None = None):
    """Runs a recurrent half on from ``half.done`` to the end, a stretch of ``segment``
    steps at a time (each from the keyframe starting it, as a window is computed).
    Returns (the output sequence (T, B, u) when kept, final states, keyframes, the last
    step's output). ``feed``: ``x`` is the sequence a half on another thread is making
    (each stretch waited for); ``made``: this half's own feed, told of each stretch."""
    T = x.shape[1]
    K = half.kf.every
    if rnn.config["go_backwards"]:
        x = x[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    while half.done < T:
        s = half.done
        e = min(s + segment, T)
        if feed is not None:
            feed.wait(e)
        xs = np.ascontiguousarray(np.asarray(x[:, s:e], np.float32).transpose(1, 0, 2))
        mask_t = None if mask is None else np.ascontiguousarray(mask[:, s:e].T)
        _, _, out, final = rnn._run(
            xs, half.states, mask_t, record=False, keep_sequence=keep_sequence,
            keyframes=half.kf.part(s // K, -(-(e - s) // K)), prev_out=half.prev,
            on_chunk=lambda n, s=s: progress(s + n), prepared=half.prepared)
        if keep_sequence:
            if s == 0 and e == T and half.out is None:
                half.out = out
            else:
                if half.out is None:
                    half.out = np.empty((T,) + out.shape[1:], np.float32)
                half.out[s:e] = out
        half.prev = None if out is None or mask is None else out[-1].copy()
        half.states, half.done = final, e
        if made is not None:
            made.moved()
    if rnn.config["stateful"]:
        rnn.states = [s.copy() for s in half.states]
    return half.out, half.states, half.kf, half.prev if half.prev is not None else half.states[0]


class _Feed:
    """A recurrent half run on a thread of its own while the next layer reads its output
    sequence as it is made (a pipelined pass, ``_pipelined``): the reader waits for each
    stretch (``wait``), the half tells it of each one it finished (``moved``). ``stop``
    asks the half to stop at its next chunk (its reader failed or was cancelled)."""

    def __init__(self, half: _Half) -> None:
        self.half = half
        self.cond = threading.Condition()
        self.stop = False
        self.result: tuple | None = None
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def start(self, run) -> None:
        def body():
            try:
                self.result = run()
            except BaseException as err:  # (handed to the reader: ``wait``, ``join``)
                self.error = err
            finally:
                self.moved()
        self.thread = threading.Thread(target=body, name="lstmviz-pass", daemon=True)
        self.thread.start()

    def moved(self) -> None:
        with self.cond:
            self.cond.notify_all()

    def wait(self, e: int) -> None:
        """Until the half has run its steps before ``e``; its error if it stopped first."""
        with self.cond:
            while self.half.done < e and self.error is None:
                self.cond.wait()
        if self.half.done < e:
            raise _Stopped() from self.error

    def join(self) -> tuple:
        """The half's result once it finished (its error if it stopped)."""
        assert self.thread is not None
        self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result

    def halt(self) -> None:
        """Stops the half (at its next chunk) and waits for it; its error is dropped (the
        reader's is the one raised)."""
        self.stop = True
        if self.thread is not None:
            self.thread.join()


class _Stopped(Exception):
    """A pipelined pass's reader found the half it reads stopped (``_Feed.wait``): the
    half's own error (its ``__cause__``) is raised instead."""


def _plain_half(layer) -> Recurrent | None:
    """The recurrent layer when ``layer`` is one (not a Bidirectional, not an ONNX node)."""
    if isinstance(layer, Recurrent) and not onnx_node(layer):
        return layer
    return None


def _pipelined(model, i: int, last: dict, B: int, T: int, segment: int) -> bool:
    """Whether node ``i`` of a keyframe pass runs on a thread of its own while node ``i+1``
    reads its output sequence stretch by stretch, at once (a stack of layers on two cores
    instead of one: at batch 1 a layer has no batch to split). Both run the very stretches
    and calls they run one after the other, so the same bits. Only where the engine has
    threads the layers' batch blocks do not fill, the input is longer than a stretch, node
    ``i`` is a recurrent layer returning its sequence (and no states) read by node ``i+1``
    alone, and node ``i+1`` a recurrent layer reading it from its first step on (not
    backwards), with no initial states or mask of its own."""
    if recurrent.threads() < 2 or len(recurrent.batch_blocks(B)) >= recurrent.threads():
        return False
    if T <= segment or i + 1 >= len(model.nodes):
        return False
    node, nxt = model.nodes[i], model.nodes[i + 1]
    a, b = _plain_half(node.layer), _plain_half(nxt.layer)
    if a is None or b is None:
        return False
    name = node.layer.name
    return (bool(a.config["return_sequences"]) and not a.config["return_state"]
            and last.get(name, -1) == i + 1
            and [(r.layer, r.tensor_index) for r in nxt.inbound] == [(name, 0)]
            and not nxt.initial_state and nxt.mask is None and not b.config["go_backwards"])


def _directions(fns):
    """A Bidirectional's two halves at once; a Cancelled raised once both have stopped
    (neither goes on under a pass resumed meanwhile)."""
    def caught(fn):
        try:
            return fn()
        except Cancelled as err:
            return err
    got = recurrent.run_parallel([lambda f=f: caught(f) for f in fns], pool="directions")
    for g in got:
        if isinstance(g, Cancelled):
            raise g
    return got


def keyframe_pass(model, x, every: int | None = None, budget: int | None = None,
                  progress=None, cancel=None, resume: PassState | None = None,
                  masks_checked: bool = False) -> WindowedTrace:
    """One run of ``model`` over ``x`` keeping keyframes every ``every`` steps (default
    ``choose_every``). ``progress(done, total)`` is called as steps are run (summed over
    recurrent layers); ``cancel()`` returning True stops the pass (``Cancelled``, whose
    ``partial`` is where it stopped). ``resume``: that ``partial``, of a pass of the same
    model over the same ``x``: the pass goes on from the keyframe starting the stretch
    (``SEGMENT``) each recurrent half stopped in, the layers it ran kept, and gives the
    very keyframes and outputs of a pass never cancelled. ``masks_checked``: the caller ran
    ``check_pass`` (its ``check_masks``) for this model already (the app, on the main thread,
    before the pass runs on a worker): its probe is not run again."""
    if resume is not None:
        st = resume
        arrays = st.arrays
        if st.model is not model or [a.shape for a in arrays] != [
                np.shape(a) for a in (x if isinstance(x, (list, tuple)) else [x])]:
            raise LstmvizError("a keyframe pass resumes only for the model and the input it was cancelled on")
        T, seq, K, B = st.T, st.seq, st.every, input_samples(model, arrays[0])
    else:
        arrays = model.check_inputs(x)
        model._infer_shapes([a.shape for a in arrays])
        axes: dict = {}
        tags: dict = {}
        clocks: dict = {}
        held: set = set()
        T, seq = _plan(model, arrays, axes, tags, clocks, held)
        _check_repeats(model, seq, T)
        B = input_samples(model, arrays[0])
        K = every or choose_every(model, B, T, budget, clocks)
        check_pass(model, arrays, K, masks=not masks_checked)
        if K % CUT:
            raise LstmvizError(f"keyframes every {K} steps: K must be a multiple of {CUT}")
        st = PassState(model, arrays, T, seq, K, segment(K), clocks)
        st.axes, st.tags, st.held_names = axes, tags, held
    # (each half's own steps: fewer after a strided Conv1D or pooling)
    # (a recurrent layer computed once, without a clock, ``_once``: not counted, its few steps
    # run at once by the whole trace's call)
    total = max(1, sum(len(recurrent_halves(n.layer)) * _own_steps(st.clocks, n.layer.name, T)
                       for n in model.nodes if st.clocks.get(n.layer.name)))
    parts = st.parts  # steps run per recurrent half (halves may run at once)
    lock = threading.Lock()  # (``progress`` and ``cancel`` called by one thread at a time)

    def tick_for(key, feed: _Feed | None = None):
        def tick(steps):
            with lock:
                if cancel is not None and cancel() or feed is not None and feed.stop:
                    raise Cancelled("the keyframe pass was cancelled")
                parts[key] = steps
                if progress is not None:
                    progress(min(total, sum(parts.values())), total)
        return tick

    if resume is not None:  # where it stopped: the halves under way go on from a stretch's start
        parts.update({key: half.done for key, half in st.halves.items()})
        if progress is not None:
            progress(min(total, st.done), total)
    try:
        _run_nodes(model, st, tick_for)
    except Cancelled as err:
        err.partial = st
        raise
    if progress is not None:
        progress(total, total)
    outputs = [st.values[r.layer][r.tensor_index] for r in model.outputs]
    if any(o is None for o in outputs):  # pragma: no cover - outputs are never dropped
        raise LstmvizError("internal: a model output was dropped")
    return WindowedTrace(model, arrays, T, K, seq, st.keyframes, st.static, st.masks, st.in_masks,
                         outputs, st.static_records, st.axes, st.tags, st.clocks, st.held, st.held_stats)


def layer_clocks(model, arrays) -> dict[str, Clock | None]:
    """Per layer its own time axis over inputs shaped as ``arrays`` (``_clocks``: its steps,
    and the input steps one of them stands for; only shapes are read), without a pass: what
    the app counts a layer's steps by before the keyframe pass has run. Refuses, in one
    line, a model whose time axis a window cannot follow (``_plan``)."""
    clocks: dict = {}
    _plan(model, arrays, clocks=clocks)
    return clocks


def whole_sequence_layer(model, arrays):
    """The first layer whose numbers at an input's first steps depend on every later step,
    so a plain trace of the first steps cannot give the whole sequence's (``app/long_sequence``
    then shows no step before the pass): one acting along the steps (``_plan``'s ``held``: a
    Softmax(axis=1)'s shares over the first steps are not the whole's), or one merging them
    into its features (``Layer.merges_steps``: a Flatten, the Dense after it taking the whole
    length; ``_merges_steps``: a layer whose weights read the steps as its features, a
    channels_first Conv1D over (batch, steps, features)), or one reading beside a sequence a
    tensor made of the whole sequence (``reads_whole``: a Multiply by a GlobalAveragePooling1D's
    excitation, a decoder started from an encoder's last states; the first steps alone would
    give it other numbers). None where there is none, or where ``_plan`` refuses the model (the
    pass says why)."""
    held: set = set()
    axes: dict = {}
    tags: dict = {}
    try:
        _, seq = _plan(model, arrays, axes, tags=tags, held=held)
    except LstmvizError:
        return None
    return next((n.layer for n in model.nodes if n.layer.name in held or _once(n, seq, axes)
                 or reads_whole(n, seq, tags)), None)


def reads_whole(node, seq: dict, tags: dict) -> bool:
    """Whether ``node`` reads a sequence and, beside it (an input or an initial state), a
    tensor without steps made of the whole sequence (``_plan``'s ``tags``: ``onnx_time.ANY``,
    a pooling's, a last step's, the layers after them), or makes a sequence of one (a
    RepeatVector of an encoder's last step, ``repeats_input_steps``)."""
    refs = list(node.inbound) + list(node.initial_state)
    return ((any(seq[r.layer][r.tensor_index] for r in refs) or any(seq[node.layer.name]))
            and any(tags[r.layer][r.tensor_index] is onnx_time.ANY for r in refs))


def clock_window(clocks: dict, T: int, layer: str | None, a: int, b: int,
                 of: str | None = None) -> tuple[int, int]:
    """The steps of ``layer``'s own time axis (None: the input's, of ``T`` steps) a window
    of steps ``a .. b-1`` of layer ``of`` (None: of the input) holds: those standing for
    input steps ``a*S .. b*S-1`` (S ``of``'s scale, ``clocks``: ``_clocks``), at least one
    (a window of fewer input steps than one step of ``layer`` stands for holds the step it
    is in). A layer of ``of``'s clock gets ``a .. b-1`` itself. A window to the input's
    end holds the layer's steps to its end: those past the input's last step too (an ONNX
    pool's ``ceil_mode``, or pads beyond its window: 5,000 steps pooled by 2 into 2,501)."""
    def clock(name):
        got = clocks.get(name) if name is not None else None
        return (int(got[0]), whole_scale(got[1])) if got else (int(T), 1)
    if of is not None and clock(of) == clock(layer):
        return a, b
    x0, x1 = a * clock(of)[1], b * clock(of)[1]
    n, s = clock(layer)
    lo, hi = min(-(-x0 // s), n), min(-(-x1 // s), n)
    if x1 >= T:  # (to the input's end: the steps standing past it too)
        hi = n
    if hi <= lo:  # (a window narrower than one of its steps: the step it starts in)
        lo = max(0, min(x0 // s, n - 1))
        hi = lo + 1
    return lo, hi


def _own_steps(clocks: dict, name: str, T: int) -> int:
    """Layer ``name``'s own steps (``_clocks``; ``T``, the input's, where it has no time axis)."""
    clock = clocks.get(name)
    return int(clock[0]) if clock else int(T)


def _run_nodes(model, st: PassState, tick_for) -> None:
    """The nodes of the pass from ``st.node`` on (``keyframe_pass``); a node that
    ``_pipelined`` allows runs on a thread of its own beside the next one."""
    ahead: list = []  # the node running on its own thread: (its feed, its index, its input mask)
    try:
        _run_nodes_from(model, st, tick_for, ahead)
    except BaseException as err:
        if ahead:
            ahead[0][0].halt()
        if isinstance(err, _Stopped) and err.__cause__ is not None:
            raise err.__cause__ from None  # (the half read stopped: its own error)
        raise


def _run_nodes_from(model, st: PassState, tick_for, ahead: list) -> None:
    last = last_reads(model)
    T, seq, K, segment = st.T, st.seq, st.every, st.segment
    B = input_samples(model, st.arrays[0])
    values, masks, static, keyframes = st.values, st.masks, st.static, st.keyframes
    feed = {r.layer: a for r, a in zip(model.inputs, st.arrays)}
    for i in range(st.node, len(model.nodes)):
        node = model.nodes[i]
        layer = node.layer
        name = layer.name
        Tn = _own_steps(st.clocks, name, T)  # (a recurrent half's steps)
        if isinstance(layer, InputLayer):
            outs, oms = [feed[name]], [None]
        else:
            ins = [values[r.layer][r.tensor_index] for r in node.inbound]
            ims = [masks[r.layer][r.tensor_index] for r in node.inbound]
            if node.mask is not None:
                ims[0] = np.asarray(values[node.mask.layer][node.mask.tensor_index]).astype(bool)
            init = [values[r.layer][r.tensor_index] for r in node.initial_state] or None
            # (a recurrent layer computed once, ``_once``: the whole trace's call below)
            halves = recurrent_halves(layer) if not _once(node, seq, st.axes) else []
            if onnx_node(layer):
                outs, oms = _pass_onnx(layer, name, ins, st, keep=last.get(name, -1) > i, tick_for=tick_for)
            elif isinstance(layer, StackedRNN) and halves:
                outs, oms = _pass_stacked(layer, name, ins[0], ims[0], init, st,
                                          seq[name][0] and last.get(name, -1) > i, tick_for)
            elif halves:
                keep = seq[name][0] and last.get(name, -1) > i
                rs = bool(halves[0][1].config["return_sequences"])
                inits = [init] if len(halves) == 1 else (
                    [init[:len(init) // 2], init[len(init) // 2:]] if init else [None, None])
                run = {}
                for (side, rnn), s0 in zip(halves, inits):
                    half = st.halves.get((name, side))
                    if half is None:
                        half = st.halves[(name, side)] = _Half(rnn, B, Tn, K, ims[0] is not None, s0)
                    run[side] = (rnn, half)
                if isinstance(layer, Bidirectional):
                    res = _directions(
                        [lambda r=rnn, h=half, k=(name, side): _pass_recurrent(  # noqa: B023 (run now)
                            r, ins[0], ims[0], h, segment, keep, tick_for(k))  # noqa: B023
                         for side, (rnn, half) in run.items()])
                    (fo, ff, fk, fl), (bo, bf, bk, bl) = res
                    keyframes[(name, "forward")], keyframes[(name, "backward")] = fk, bk
                    if keep:
                        merged = layer.merge(fo.transpose(1, 0, 2), bo.transpose(1, 0, 2))
                    elif rs:
                        merged = [None] * (1 if layer.merge_mode is not None else 2)
                    else:
                        merged = layer.merge(fl, bl)
                    outs = merged + [np.ascontiguousarray(s) for s in ff + bf] * bool(
                        halves[0][1].config["return_state"])
                    m = ims[0] if rs else None
                    oms = [m] * len(merged) + [None] * (len(outs) - len(merged))
                elif not ahead and _pipelined(model, i, last, B, Tn, segment):
                    # on a thread of its own; the next node reads its sequence as it is made (a
                    # pair: that node runs here, on this thread)
                    rnn, half = run[""]
                    if half.out is None:
                        half.out = np.empty((Tn, B, rnn.units), np.float32)
                    own = _Feed(half)
                    tick = tick_for((name, ""), own)
                    own.start(lambda r=rnn, h=half, x=ins[0], m=ims[0], f=own, t=tick: _pass_recurrent(
                        r, x, m, h, segment, True, t, made=f))
                    ahead.append((own, i, ims[0]))
                    values[name], masks[name] = [half.out.transpose(1, 0, 2)], [ims[0]]
                    static[name] = [None]
                    continue  # (finished, and its inputs dropped, once the next node ran: below)
                else:
                    rnn, half = run[""]
                    src = node.inbound[0].layer
                    reads = ahead[0][0] if ahead and model.nodes[ahead[0][1]].layer.name == src else None
                    out, final, kf, lst = _pass_recurrent(rnn, ins[0], ims[0], half, segment, keep,
                                                          tick_for((name, "")), feed=reads)
                    keyframes[(name, "")] = kf
                    if rs:
                        first = out.transpose(1, 0, 2) if keep else None
                    else:
                        first = np.ascontiguousarray(lst)
                    outs = [first] + ([np.ascontiguousarray(s) for s in final]
                                      if layer.config["return_state"] else [])
                    oms = [ims[0] if rs else None] + [None] * (len(outs) - 1)
            if halves:
                _halves_ran(st, name, [side for side, _ in halves], Tn, ims[0], onnx_node(layer))
            else:
                outs, oms, rec = run_layer(layer, ins, ims, init)
                if recurrent_halves(layer):  # (computed once, ``_once``: its whole record kept)
                    _keep_whole(rec, ins[0])
                if _onnx_op(layer) and st.axes.get(name, [None])[0] is not None:
                    onnx_time.check_run(layer, ins, [st.axes[r.layer][r.tensor_index] for r in node.inbound],
                                        outs[0], st.axes[name][0], Tn)
                if not any(seq[name]):
                    st.static_records[name] = rec
                if name in st.held_names:  # (its whole output, by the whole trace's call: held)
                    st.held[name] = list(outs)
                    st.held_stats[name] = dict(rec.stats)
        values[name], masks[name] = list(outs), list(oms)
        static[name] = [None if s else o for s, o in zip(seq[name], outs)]
        if ahead:  # the node before ran beside this one: finished now
            own, j, in_mask = ahead.pop()
            done = model.nodes[j].layer.name
            keyframes[(done, "")] = own.join()[2]
            _halves_ran(st, done, [""], _own_steps(st.clocks, done, T), in_mask)
            _drop_read(last, seq, values, j)
        _drop_read(last, seq, values, i)
        st.node = i + 1


def _halves_ran(st: PassState, name: str, sides: list, T: int, in_mask, onnx: bool = False) -> None:
    """Layer ``name``'s recurrent halves ``sides`` ran to the end: their steps counted, their
    state under way dropped (their keyframes are in ``st.keyframes``), the mask its input
    carries kept (an ONNX node's is kept by ``_pass_onnx``)."""
    for side in sides:
        st.parts[(name, side)] = T
        st.halves.pop((name, side), None)
    if not onnx:
        st.in_masks[name] = in_mask


def _drop_read(last: dict, seq: dict, values: dict, i: int) -> None:
    """Drops the sequences node ``i`` was the last to read."""
    for other, j in last.items():
        if j == i and other in values:
            values[other] = [None if s else v for s, v in zip(seq[other], values[other])]


def _pass_stacked(layer, name: str, x, mask, init, st: PassState, keep: bool, tick_for):
    """An RNN([cells]) in a keyframe pass: each cell a half of its own (``_pass_recurrent``,
    keyframes of its states), one after the other as ``StackedRNN.call`` steps them: a
    later cell reads the cell before's output sequence (in its processing order, the mask
    turned around with it where the layer runs backwards), which is held until it ran and
    dropped then. A cancelled pass keeps each cell's half; resumed, a cell that ran to the
    end is not run again. (outputs, masks) as the layer gives them."""
    cells = recurrent_halves(layer)
    B, T, K = input_samples(st.model, st.arrays[0]), _own_steps(st.clocks, name, st.T), st.every
    back = bool(layer.config.get("go_backwards"))
    at, finals = 0, []
    got: tuple = ()  # (the last cell's: its sequence, final states, keyframes, last output)
    for k, (side, cell) in enumerate(cells):
        n = len(cell.state_names)
        half = st.halves.get((name, side))
        if half is None:
            s0 = init[at:at + n] if init else None
            half = st.halves[(name, side)] = _Half(cell, B, T, K, mask is not None, s0)
        at += n
        last = k == len(cells) - 1
        m = mask if k == 0 or mask is None or not back else mask[:, ::-1]
        if half.done < T:
            got = _pass_recurrent(cell, x, m, half, st.segment, keep or not last, tick_for((name, side)))
        else:  # (ran to the end before a Cancel: its sequence kept for the next cell)
            got = (half.out, half.states, half.kf, half.prev if half.prev is not None else half.states[0])
        st.keyframes[(name, side)] = got[2]
        finals += [np.ascontiguousarray(s) for s in got[1]]
        if k > 0:  # (the sequence it read: dropped)
            st.halves[(name, cells[k - 1][0])].out = None
        if not last:  # (batch, steps, units) in its processing order (None: the next ran already)
            x = None if got[0] is None else got[0].transpose(1, 0, 2)
    out, _, _, lst = got
    rs = bool(layer.config.get("return_sequences"))
    first = (out.transpose(1, 0, 2) if keep else None) if rs else np.ascontiguousarray(lst)
    outs = [first] + (finals if layer.config.get("return_state") else [])
    return outs, [mask if rs else None] + [None] * (len(outs) - 1)


def _pass_onnx(layer, name: str, ins: list, st: PassState, keep: bool, tick_for):
    """An ONNX recurrent node in a keyframe pass: each direction a half as a Keras layer's
    (``_pass_recurrent``), from its X in batch-major order (a view: a stretch is copied at
    a time), the mask its sequence_lens make and its initial states; (outputs, masks) as
    the node gives them (``onnx_layers.node_arrays``; Y None where no later layer reads it)."""
    from lstmviz.engine.onnx_layers import node_arrays, node_inputs, prepare_node

    halves = recurrent_halves(layer)
    x_bm, mask, inits = prepare_node(layer, node_inputs(layer, ins), len(halves), copy=False)
    B, T, K = x_bm.shape[0], _own_steps(st.clocks, name, st.T), st.every  # (its own steps)
    run = []
    for (side, rnn), s0 in zip(halves, inits):
        half = st.halves.get((name, side))
        if half is None:
            half = st.halves[(name, side)] = _Half(rnn, B, T, K, mask is not None, s0)
        run.append((side, rnn, half))
    fns = [lambda r=rnn, h=half, k=(name, side): _pass_recurrent(r, x_bm, mask, h, st.segment, keep, tick_for(k))
           for side, rnn, half in run]
    res = _directions(fns) if len(fns) == 2 else [fns[0]()]
    ys, finals = [], []
    for (side, rnn, _), (out, final, kf, _) in zip(run, res):
        st.keyframes[(name, side)] = kf
        finals.append([np.ascontiguousarray(f) for f in final])
        if keep:  # (processing order, (T, B, u)) -> input order, (B, T, u)
            ys.append((out[::-1] if rnn.config["go_backwards"] else out).transpose(1, 0, 2))
    st.in_masks[name] = mask
    if keep:
        outs = node_arrays(layer, ys, finals)
    else:
        outs = [None] + node_arrays(layer, [np.zeros((B, 0, rnn.units), np.float32) for _, rnn, _ in run],
                                    finals)[1:]
    return outs, [None] * len(outs)


def parse_steps(text: str) -> tuple[int, int | None]:
    """``"A:B"`` (or ``"A:"`` to the end, ``":B"`` from 0) as (A, B or None), A and B in
    plain decimal digits (``text.whole_number``: int() took '+1:+3', '1_0:2_0' and other
    scripts' digits too); one-line errors otherwise."""
    parts = str(text).split(":")
    given = [p.strip() != "" for p in parts]
    nums = [whole_number(p) if g else None for p, g in zip(parts, given)]
    a = (nums[0] if given[0] else 0) if len(parts) == 2 else None
    b = nums[1] if len(parts) == 2 else None
    if a is None or (given[-1] and b is None) or (b is not None and b <= a):
        raise LstmvizError(f"steps {text!r}: give a window as A:B with 0 <= A < B in decimal digits "
                           "('A:' to the end, ':B' from 0), e.g. 1000:1200")
    return a, b


def trace_steps(model, x, a: int, b: int | None, **kw) -> Trace:
    """Processing steps a..b-1 (b None: to the end) of ``model`` on ``x``, from one
    keyframe pass: the memory of the window and the keyframes, not of the sequence. A
    window past the input's end, or whose every step would exceed the trace budget (as a
    whole trace would), is refused before the pass runs."""
    arrays = model.check_inputs(x)  # (checked and cast once: the pass takes them as they are)
    model._infer_shapes([np.shape(v) for v in arrays])
    T, _ = _plan(model, arrays)
    _check_window(model, input_samples(model, arrays[0]), int(T), a, b)
    wt = keyframe_pass(model, arrays if isinstance(x, (list, tuple)) else arrays[0], **kw)
    return wt.window(a, wt.timesteps if b is None else b)


def _check_window(model, batch: int, T: int, a: int, b: int | None) -> None:
    """Steps a..b-1 (b None: to the end) are a window of ``T`` steps whose every step fits
    the trace budget; else one line saying which window to give."""
    if (T if b is None else b) > T or a >= T:  # ('A:' from the end on: as given, not 'A:A')
        raise LstmvizError(f"steps {f'from {a}' if b is None else f'{a}:{b}'}: the input has "
                           f"{numbered(T, 'step')} (give a window within 0:{T})")
    end = T if b is None else b
    need, budget = full_trace_bytes(model, batch, end - a), trace_budget()
    if need > budget:
        raise LstmvizError(
            f"steps {a}:{end}: every step of the window (batch {batch} x {end - a:,} steps) would "
            f"take {limits.fmt_bytes(need)}, more than the trace budget {limits.fmt_bytes(budget)} "
            f"(half the memory limit: --max-memory or {BUDGET_ENV}); take a shorter window")
