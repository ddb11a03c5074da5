"""What the Cell view shows of a layer that maps each step on its own with weights: a Dense
on a sequence, TimeDistributed(Dense), a Dense on a vector (one "step") and a Conv1D (a
window of steps), and of a MaxPooling1D or AveragePooling1D, computed without Qt. An ONNX
graph's Conv, MaxPool and AveragePool nodes (torch's Conv1d, MaxPool1d, AvgPool1d) are
shown alike (``ONNX_WINDOWS``): their (N, C, L) seen steps last, the node's own equations
(``onnx_layers.OnnxWindowOp.equations``), a Conv's y its sum (no activation).

``StepRef`` is such a layer with its input and output in a trace; ``equations`` its line
for one output number at a step with the numbers filled in: the layer's own equation
templates (``engine/layers.py``'s ``Dense.equations``, ``engine/conv.py``'s
``Conv1D.equations``), ``y`` read from the trace, the sum ``W·x_t + b`` computed by the
layer's own code (``Dense.product`` on that step, ``Conv1D._z_part`` over the chunk of
steps the trace computed it in), so it is the sum the engine (= Keras) took the activation
of, to the bit. ``same_weights`` says that the same W and b serve every step; ``source``
where the input comes from (an LSTM's h_t, the model's input ...).

A long input's window (``Trace.start``, ``Trace.total_steps``) holds a Conv1D's input and
output over the window's steps only: at a step whose taps read steps of the whole sequence
inside the window the page is shown as on a whole trace (its padding where the whole
sequence's ends are), at one whose taps reach past the window ``outside`` says so in one
line.

A Softmax or a LayerNormalization over the steps (``along_steps``: attention weights over
time) is shown alike, without weights: each step reads every step, through the numbers
the trace recorded of the whole sequence (``LayerTrace.stats``: m and S, μ and σ²; a long
input's window holds the keyframe pass's, which computed its whole output once), the page
its equation (``step_equations.softmax_over_steps`` / ``norm_over_steps``) with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Callable, Union

import numpy as np

from lstmviz.app.cell_ref import (
    Equation,
    _parsed,
    clamp,
    fmt,
    fmt_term,
    layer_below,
    layer_input,
    layer_words,
    mixed_said,
    mixed_steps,
    moved_said,
    moved_step,
    reversed_steps,
    steps_axis,
    steps_below,
    unit_word,
)
from lstmviz.app.counts import count
from lstmviz.app.output_ref import reads_every
from lstmviz.engine import Model, Trace
from lstmviz.engine.cells import act_name
from lstmviz.engine.conv import AveragePooling1D, Conv1D, MaxPooling1D
from lstmviz.engine.layers import IDENTITY_CLASSES, Bidirectional, Dense, Recurrent, TimeDistributed
from lstmviz.engine.layers_more import GlobalAveragePooling1D, GlobalMaxPooling1D, LayerNormalization, Softmax
from lstmviz.engine.trace import steps_first, whole_steps
from lstmviz.text import plural, safe_name

if TYPE_CHECKING:
    from lstmviz.engine.onnx_layers import OnnxWindowOp


def span(a: int, b: int) -> str:
    """Steps ``a`` to ``b`` as the page says them: "3,200" or "3,198…3,199"."""
    return count(a) if a == b else f"{count(a)}…{count(b)}"


def so_far(trace) -> str:
    """What a long input's tensors without steps (a last step, a pooling over the steps, the
    layers after them) stand for before its keyframe pass has run: the first steps' sequence
    (``Trace.static_through``), in a user's words; "" where they are the whole sequence's."""
    n = getattr(trace, "static_through", None)
    if not n:
        return ""
    return f"of input steps 0–{count(int(n) - 1)} so far (the whole sequence's once the keyframe pass has run)"


#: the poolings shown a step at a time (no weights: the max or the mean of a window)
POOLS = (MaxPooling1D, AveragePooling1D)
#: an ONNX graph's nodes shown a step at a time as Keras' Conv1D and poolings are (torch's
#: Conv1d and MaxPool1d / AvgPool1d: ``onnx_layers.OnnxWindowOp``, its data (N, C, L))
ONNX_WINDOWS = ("onnx.Conv", "onnx.MaxPool", "onnx.AveragePool")

#: a layer that reads a window of steps: Keras' Conv1D and poolings, an ONNX Conv or pool node
Windowed = Union[Conv1D, MaxPooling1D, AveragePooling1D, "OnnxWindowOp"]
#: a layer shown a step at a time: with weights, a window, or a Softmax over the steps
Stepped = Union[Dense, Windowed, "Along"]


def onnx_window(layer) -> bool:
    """Whether ``layer`` is an ONNX Conv, MaxPool or AveragePool node (``ONNX_WINDOWS``)."""
    return str(getattr(layer, "class_name", "")) in ONNX_WINDOWS


def step_layer(layer) -> Dense | Windowed | None:
    """The layer that computes each step of ``layer``: a Dense (of its own, or
    TimeDistributed's), a Conv1D, with their weights; a MaxPooling1D or AveragePooling1D
    (the max or mean of a window); an ONNX Conv node whose kernel is a weight of the file,
    MaxPool or AveragePool node (``ONNX_WINDOWS``); None for any other (a normalisation,
    an activation; TimeDistributed(Conv1D): sub-sequences)."""
    if onnx_window(layer):
        return layer if layer.op != "Conv" or layer.weight_of(1) is not None else None
    inner = layer.inner if isinstance(layer, TimeDistributed) else layer
    if isinstance(inner, Dense) and not inner.steps_first and inner.weights:
        return inner
    if isinstance(inner, Conv1D) and inner is layer and inner.weights:
        return inner
    if isinstance(inner, POOLS) and inner is layer:
        return inner
    return None


#: a layer acting along the steps shown a step at a time with its numbers over every step
Along = Union[Softmax, LayerNormalization]


def along_steps(model: Model, layer) -> Along | None:
    """``layer`` where it acts along the steps of a sequence (``reads_every``) and its step
    page shows it with the trace's numbers over every step (``LayerTrace.stats``): a
    Softmax over the steps alone (axis 1 of (batch, steps, features): each feature's
    attention weights over time, m and S), a LayerNormalization over the steps (axis 1, or
    [1, 2] with the features: μ and σ²); else None (a Softmax over the steps and features
    too: one m and S a sample, no page made for it)."""
    if not isinstance(layer, (Softmax, LayerNormalization)) or not layer.input_shapes \
            or len(layer.input_shapes[0]) != 3 or not reads_every(model, layer):
        return None
    axes = layer.reduced_axes(3)
    return layer if axes == (1,) or (isinstance(layer, LayerNormalization) and axes == (1, 2)) else None


def pools_each_step(model: Model, layer) -> bool:
    """Whether ``layer`` is a channels_first pooling over (batch, steps, features), no
    Permute before it: it pools each step's features alone, its steps its input's on axis 1
    (``steps_axes``, as a long input's windows follow it): no page of windows of steps."""
    return isinstance(layer, POOLS) and layer.channels_first and steps_axis(model, layer.name) == 1


def no_page_text(model: Model, name: str | None) -> str:
    """What the Cell view says in place of a layer it has no page for (a pooling, an
    Embedding, a normalisation, or no layer): what it shows, and the layers to pick in the
    layer box, recurrent ones first, then those it shows one step of; a model without either
    says where its layers are shown instead. Plain text. (The layers by their kind: a later
    layer's record would run it on a trace that runs them when first asked for.)"""
    try:
        layer = model.get_layer(name) if name else None
    except Exception:
        layer = None
    what = (f"'{safe_name(name)}' ({layer.class_name}) is neither" if layer is not None and name
            else f"'{safe_name(name)}' is neither" if name else "no layer is selected")
    if isinstance(layer, (GlobalAveragePooling1D, GlobalMaxPooling1D)) and name:
        # (not the pooling of windows of steps the line names: what it pools, ``layer_words``)
        what = f"'{safe_name(name)}' ({layer.class_name}, {layer_words(model, layer)}) is neither"
    shows = ("The Cell view looks inside a recurrent cell, or at one step of a Dense, Conv1D or pooling layer "
             "or a Softmax or LayerNormalization over the steps")
    op = str(getattr(layer, "class_name", "")) if layer is not None else ""
    if op.startswith("onnx."):
        # (an ONNX graph's Conv or MaxPool is a convolution or pooling, but not Keras': the
        # page reads Keras' layers' options; "is neither" said it was not one)
        what = (f"'{safe_name(name)}' is an ONNX {safe_name(op[5:])} node, whose steps the Unrolled "
                "and Over time views show")
    elif layer is not None and name and reads_every(model, layer):
        # (a Softmax over the steps: "is neither" said nothing of what its step reads)
        below = layer_below(model, name)
        what += (f": each of its steps reads every step of {safe_name(below) if below else 'the input'}, "
                 "as the Unrolled and Over time views show")
    cells = [l.name for l in model.layers if isinstance(l, (Bidirectional, Recurrent))]
    steps = [l.name for l in model.layers if (step_layer(l) is not None and not pools_each_step(model, l))
             or along_steps(model, l) is not None]
    if not cells and not steps:
        return (f"{shows}; {what}, nor is any layer of this model.\n\n"
                "The Unrolled view shows its layers' outputs at every step, the Weights view their weights.")

    def listed(names: list[str]) -> str:
        shown = [safe_name(n) for n in names] if len(names) <= 6 else [
            *map(safe_name, names[:5]), f"{len(names) - 5} more"]
        return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    picks = ([f"a recurrent layer: {listed(cells)}"] if cells else []) + (
        [f"a layer shown one step at a time: {listed(steps)}"] if steps else [])
    return f"{shows}; {what}.\n\nPick in the layer box above {'; or '.join(picks)}."


@dataclass(frozen=True)
class Source:
    """Where a layer's input comes from, as the step page names it: ``symbol`` what it is
    there (``h_t``, ``y_t``, ``x_t``; ``h`` of a last step), ``layer`` the layer that made it
    (None: the model's input), ``last``: a recurrent layer's last step (a vector)."""

    symbol: str
    layer: str | None
    last: bool = False

    @property
    def words(self) -> str:
        """Plain text: "h_t of lstm_2", "the last h of lstm", "the input"."""
        if self.layer is None:
            return "the model's input"
        if self.last:
            return f"the last {self.symbol} of {self.layer}"
        return f"{self.symbol} of {self.layer}"


@dataclass
class StepRef:
    """A layer that maps each step on its own with weights, with its record in a trace."""

    name: str          # the model's layer name
    top: object        # the model's layer (TimeDistributed, or == layer)
    layer: Stepped     # the layer that computes (TimeDistributed's inner)
    x: np.ndarray      # its input, (batch, steps, d) or (batch, d) (channels last)
    y: np.ndarray      # its output, (batch, steps, units) or (batch, units) (channels last)
    source: Source
    #: a long input's window: the processing step of the arrays' first (``Trace.start``;
    #: the layer's own after a strided Conv1D or pooling, ``trace.window_first``)
    start: int = 0
    #: the whole sequence's steps of the input (a long input's ``Trace.total_steps``, or its
    #: own, ``trace.whole_steps``; None: the steps ``x`` holds)
    total_steps: int | None = None
    #: a long input's window: the step of ``x``'s first of its own steps where they are not
    #: ``y``'s (a Conv1D of strides > 1 or padding 'valid'); None: ``start``
    x_start: int | None = None
    #: a vector without steps on a long input's first steps before its keyframe pass: what
    #: it stands for (``so_far``: "of input steps 0–255 so far (...)"); "" otherwise
    so_far: str = ""
    #: its steps stand over the input turned around (``cell_ref.reversed_steps``: a Dense
    #: after a go_backwards LSTM's sequence, its step t over input step T-1-t), one for one
    turned: bool = False
    #: its steps each stand over two input steps, t and T-1-t (``cell_ref.mixed_steps``: a
    #: Dense after a merge of a turned sequence and one in input order)
    mixed: bool = False
    #: its steps moved by a Cropping1D, ZeroPadding1D or UpSampling1D below it, each its own
    #: layer's step t: what its step of the whole sequence reads, ``(step, bold) -> "input
    #: step 8"`` or "padding" (``cell_ref.moved_said``; None: not so moved)
    moved: Callable[[int, bool], str | None] | None = None
    #: a layer acting along the steps (``along``): its numbers over the whole sequence, a
    #: Softmax's m and S, a LayerNormalization's mean and var, (batch, 1, units or 1), the
    #: trace's record of it (``LayerTrace.stats``; a long input's keyframe pass's)
    stats: dict = field(default_factory=dict)
    #: a Conv1D's sums (``pre``) by the output steps (a, b) they were computed over
    _z: dict = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        """"Dense", "TimeDistributed(Dense)", "Conv1D", "MaxPooling1D", "AveragePooling1D";
        an ONNX node's "ONNX Conv", "ONNX MaxPool", "ONNX AveragePool"."""
        if self.onnx:
            return f"ONNX {self.layer.class_name[5:]}"
        if self.along:
            return f"{self.layer.class_name} over the steps"
        top = getattr(self.top, "class_name", "")
        return f"{top}({self.layer.class_name})" if top == "TimeDistributed" else self.layer.class_name

    @property
    def onnx(self) -> bool:
        """An ONNX graph's Conv, MaxPool or AveragePool node (``ONNX_WINDOWS``): its data
        (N, C, L), its kernel (M, C / group, k), no activation."""
        return onnx_window(self.layer)

    @property
    def node(self) -> OnnxWindowOp:
        """The ONNX node where it is one (``onnx``)."""
        layer = self.layer
        assert self.onnx and not isinstance(layer, (Dense, Conv1D, MaxPooling1D, AveragePooling1D, Softmax,
                                                    LayerNormalization))
        return layer

    @property
    def along(self) -> bool:
        """A layer acting along the steps (``along_steps``): a Softmax's share of every
        step's exp, m and S the trace's (``stats``), a LayerNormalization's step less the
        mean over every step (its γ and β its weights)."""
        return isinstance(self.layer, (Softmax, LayerNormalization))

    @property
    def norm(self) -> LayerNormalization:
        """The layer where it is a LayerNormalization over the steps."""
        assert isinstance(self.layer, LayerNormalization)
        return self.layer

    @property
    def features(self) -> bool:
        """A LayerNormalization over the steps and the features (axis [1, 2]): one μ and σ²
        a sample."""
        return isinstance(self.layer, LayerNormalization) and self.layer.reduced_axes(3) == (1, 2)

    @property
    def conv(self) -> bool:
        return isinstance(self.layer, Conv1D) or (self.onnx and self.layer.class_name == "onnx.Conv")

    @property
    def pool(self) -> bool:
        """A MaxPooling1D or AveragePooling1D (an ONNX MaxPool or AveragePool): no weights,
        the max or mean of a window."""
        return isinstance(self.layer, POOLS) or (self.onnx and self.layer.class_name != "onnx.Conv")

    @property
    def windowed(self) -> bool:
        """Its output step reads a window of input steps (a Conv1D, a pooling, their ONNX nodes)."""
        return isinstance(self.layer, (Conv1D, *POOLS)) or self.onnx

    @property
    def over_steps(self) -> Windowed:
        """The layer where it reads windows of steps (``windowed``)."""
        assert self.windowed and not isinstance(self.layer, (Dense, Softmax, LayerNormalization))
        return self.layer

    @property
    def pooling(self) -> MaxPooling1D | AveragePooling1D | OnnxWindowOp:
        """The layer where it is a pooling (``pool``)."""
        assert self.pool and not isinstance(self.layer, (Dense, Conv1D, Softmax, LayerNormalization))
        return self.layer

    @property
    def convolution(self) -> Conv1D | OnnxWindowOp:
        """The layer where it is a Conv1D or an ONNX Conv (``conv``)."""
        assert self.conv and not isinstance(self.layer, (Dense, Softmax, LayerNormalization, *POOLS))
        return self.layer

    @property
    def dense(self) -> Dense:
        """The layer where it is a Dense (not ``conv``)."""
        assert isinstance(self.layer, Dense)
        return self.layer

    @property
    def steps(self) -> bool:
        """Whether it steps (a sequence in and out); False: a Dense on a vector, one "step"."""
        return self.y.ndim == 3

    @property
    def T(self) -> int:
        return int(self.y.shape[1]) if self.steps else 1

    @property
    def units(self) -> int:
        return int(self.y.shape[-1])

    @property
    def total(self) -> int:
        """The input's steps in the whole sequence (a long input's, else those ``x`` holds)."""
        return int(self.total_steps) if self.total_steps is not None else int(self.x.shape[1])

    @property
    def x_first(self) -> int:
        """The step of ``x``'s first in the whole sequence (``x_start``, else ``start``)."""
        return self.start if self.x_start is None else int(self.x_start)

    @property
    def whole(self) -> bool:
        """Whether ``x`` holds the whole input (not a long input's window of it)."""
        return self.x_first == 0 and self.start == 0 and self.total == int(self.x.shape[1])

    @property
    def unit_word(self) -> str:
        """"unit", a Conv1D's "filter", a pooling's "channel" (``cell_ref.unit_word``)."""
        return unit_word(self.layer)

    @property
    def use_bias(self) -> bool:
        if self.onnx:
            return self.conv and self.bias is not None
        return not self.pool and not self.along and bool(self.layer.config.get("use_bias", True))

    @property
    def kernel(self) -> np.ndarray:
        """The weights: a Dense's (d, units), a Conv1D's (k, channels / groups, filters), an
        ONNX Conv's as the file holds it, (M, C / group, k)."""
        if self.onnx:
            w = self.node.weight_of(1)
            assert w is not None
            return w
        return self.layer.weights[0]

    @property
    def bias(self) -> np.ndarray | None:
        """b (units,), None without."""
        if self.onnx:
            return self.node.weight_of(2) if self.conv else None
        return self.layer.weights[1] if self.use_bias else None

    def tap_kernel(self, unit: int) -> np.ndarray:
        """A convolution's weights of filter ``unit``, tap by tap: (taps, channels of its
        group), from Keras' (k, c/g, f) or ONNX's (M, C/g, k)."""
        return self.kernel[unit].T if self.onnx else self.kernel[:, :, unit]

    def input_step(self, step: int) -> int | None:
        """The input step of the whole sequence its step ``step`` (of ``y``) stands over
        where its steps are turned (``turned``: T-1-t, a window's counted from ``start``),
        else None (its step is the input's, or another layer's after a strided one)."""
        return self.total - 1 - (step + self.start) if self.turned and self.steps and not self.mixed else None

    def over_input(self, step: int, bold: bool = True) -> str:
        """What its step ``step`` stands over where that is not the input step of its own
        number: "input step 9 (its steps run right to left)" (``turned``), "input steps 2
        and 9 mixed" (``mixed``), "input step 8" or "padding" (``moved``); "" else."""
        if self.mixed and self.steps:
            return mixed_said(step + self.start, self.total, bold)
        if self.moved is not None and self.steps and not self.windowed:
            # (after a Cropping1D, ZeroPadding1D or UpSampling1D: the input step it reads)
            return self.moved(step + self.start, bold) or ""
        over = self.input_step(step)
        if over is None:
            return ""
        return f"input step {f'<b>{count(over)}</b>' if bold else count(over)} (its steps run right to left)"

    def decimals(self, y: float) -> int:
        """The decimals its numbers are printed with where its output is ``y``: 3, a layer
        acting along the steps' enough for three significant digits of y (a Softmax's
        shares of a long sequence's steps are small: 0.00228, not 0.002)."""
        y = abs(float(y))
        return min(8, 2 - math.floor(math.log10(y))) if self.along and 0 < y < 0.1 else 3

    def clamp_cursor(self, cursor) -> tuple[int, int, int]:
        """(sample, step, unit) of ``cursor`` within this layer's arrays."""
        return (clamp(cursor.sample, 0, self.y.shape[0] - 1), clamp(cursor.step, 0, self.T - 1),
                clamp(cursor.unit, 0, self.units - 1))

    def taps(self, step: int) -> list[int]:
        """A Conv1D's (a pooling's) input steps of the whole sequence (``start`` on in a long
        input's window) output step ``step`` (of ``y``) reads, tap by tap (``reads_at`` over
        the whole sequence's length; -1 a tap on the padding)."""
        return [int(r) for r in self.over_steps.reads_at(step + self.start, self.total)]

    def reads(self, step: int) -> list[int]:
        """The steps of ``x`` output step ``step`` reads: itself (a Dense), a Conv1D's window
        (``taps``, counted in ``x``; -1 a tap on the padding), where ``outside`` is None;
        [] for a vector."""
        if not self.steps:
            return []
        if self.windowed:
            return [r - self.x_first if r >= 0 else -1 for r in self.taps(step)]
        return [step]

    def outside(self, step: int) -> str | None:
        """Where a Conv1D's output step ``step`` in a long input's window reads input steps
        the window does not hold (before its first step, past its last): in one line, which
        it reads, which lie outside and the steps of this window that are shown; else None
        (nothing fetched: the window around a step, once computed, holds its taps)."""
        if not self.windowed or self.whole:
            return None
        n = int(self.x.shape[1])
        lo, hi = self.x_first, self.x_first + n
        reads = [r for r in self.taps(step) if r >= 0]
        out = [r for r in reads if not lo <= r < hi]
        if not out:
            return None
        side = ("before" if max(out) < lo else "after" if min(out) >= hi else "outside")
        layer = self.over_steps
        pad, s = layer.pads(self.total)[0], layer.stride
        # (the window's steps whose taps it holds: output step t reads from t*s - pad on,
        # ``span`` steps, but never past the sequence's ends; strides 1: ``reach`` back and on)
        first = -(-(lo + pad) // s) if lo else 0
        last = (hi - layer.span + pad) // s if hi != self.total else layer.steps_out(self.total) - 1
        shown = (f"; here steps {span(first, last)}" if first <= last else "")
        lie = f"step {count(out[0])} lies" if len(out) == 1 else f"steps {span(min(out), max(out))} lie"
        return (f"'{safe_name(self.name)}' ({self.kind}) at step {count(step + self.start)} reads input steps "
                f"{span(reads[0], reads[-1])}, and {lie} {side} this window of the long input (steps "
                f"{span(lo, hi - 1)}): its step is shown where the window holds every step it reads{shown}")

    def x_at(self, sample: int, step: int) -> np.ndarray:
        """The input the output step reads: ``x_t`` (d,), a Conv1D's (a pooling's) window
        tap by tap ((taps·channels,): zeros where a tap reads the padding), a vector's whole."""
        if not self.steps:
            return np.asarray(self.x[sample], np.float32)
        if not self.windowed:
            return np.asarray(self.x[sample, step], np.float32)
        rows = [self.x[sample, r] if r >= 0 else np.zeros(self.x.shape[-1], np.float32) for r in self.reads(step)]
        return np.concatenate(rows).astype(np.float32, copy=False)

    def tap_values(self, sample: int, step: int, unit: int) -> np.ndarray:
        """A pooling's numbers of channel ``unit`` its output step reads, tap by tap
        ((taps,): 0 where a tap is on the padding, which it never reads)."""
        return np.array([self.x[sample, r, unit] if r >= 0 else 0.0 for r in self.reads(step)], np.float32)

    def taken(self, sample: int, step: int, unit: int) -> int | None:
        """A MaxPooling1D's tap whose number its output is (the first of equals, as Keras'
        gradient goes to it; never one on the padding); None for any other layer."""
        if not self.pool or self.pooling.TAKES != "max":
            return None
        y = self.y_at(sample, step)[unit]
        for k, r in enumerate(self.reads(step)):
            if r >= 0 and self.x[sample, r, unit] == y:
                return k
        return None

    def y_at(self, sample: int, step: int) -> np.ndarray:
        """The output ``y_t`` (units,) as the trace holds it."""
        return self.y[sample, step] if self.steps else self.y[sample]

    def numbers(self, sample: int, step: int, unit: int) -> dict[str, float]:
        """The fields of the equation's template at (sample, step, unit): ``wx`` (W[:,u]·x_t,
        or a Conv1D's taps ``w0``, ``w1``, ... and their sum), ``b``, ``pre`` (the sum the
        activation takes, the layer's own: ``Dense.product`` + b, ``Conv1D._z``) and ``y``
        (the trace's); a Softmax over the steps' ``x`` (x_t[u]), ``m`` and ``S`` (the
        trace's, over every step) and ``e`` = exp(x_t[u] − m[u]), as the layer computes it;
        a LayerNormalization's ``x``, ``mean`` and ``var`` (the trace's), ``r`` = 1 / √(var
        + ε) as the layer computes it, ``gamma`` and ``beta`` of step t (and unit u)."""
        s, t, u = sample, step, unit
        if isinstance(self.layer, LayerNormalization):
            return self._normed(s, t, u)
        if self.along:
            x, m = np.float32(self.x[s, t, u]), np.float32(self.stats["m"][s, 0, u])
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(np.float32(x - m))
            return {"x": float(x), "m": float(m), "S": float(self.stats["S"][s, 0, u]), "e": float(e),
                    "y": float(self.y_at(s, t)[u])}
        if self.pool:  # (each tap's number; a mean's sum added tap after tap, as the layer adds)
            taps: dict[str, float] = {"y": float(self.y_at(s, t)[u])}
            total = None
            for k, r in enumerate(self.reads(t)):
                if r >= 0:
                    v = np.float32(self.x[s, r, u])
                    taps[f"x{k}"] = float(v)
                    total = v if total is None else np.float32(total + v)
            taps["sum"] = float(total if total is not None else 0.0)
            return taps
        bias = self.bias
        b = np.float32(bias[u]) if bias is not None else np.float32(0.0)
        out: dict[str, float] = {"y": float(self.y_at(s, t)[u])}
        if self.use_bias:
            out["b"] = float(b)
        if self.conv and self.onnx:  # (no activation: the node's output is its sum, the trace's y)
            pre = np.float32(self.y_at(s, t)[u])
            out["pre"], out["wx"] = float(pre), float(np.float32(pre - b))
            self._tap_terms(out, s, t, u)
            return out
        if self.conv:
            z = self._conv_sums(t)
            self._shares(out, z[s], u)
            pre = np.float32(z[s, u])
            out["pre"] = float(pre)
            out["wx"] = float(pre - b) if self.use_bias else float(pre)
            self._tap_terms(out, s, t, u)
            return out
        xs = self.x[:, t:t + 1] if self.steps else self.x
        prod = self.dense.product(np.asarray(xs))  # (the layer's own products: its numbers)
        wx = np.float32(prod[s, 0, u] if self.steps else prod[s, u])
        out["wx"] = float(wx)
        out["pre"] = float(np.float32(wx + b))
        row = (prod[s, 0] if self.steps else prod[s]).astype(np.float32)
        if self.use_bias:
            row = row + self.layer.weights[1]
        self._shares(out, row, u)
        return out

    def _normed(self, s: int, t: int, u: int) -> dict[str, float]:
        """A LayerNormalization over the steps' fields (``numbers``): its γ and β at step t
        (and unit u: ``features``), its statistics at sample s (and unit u)."""
        layer = self.norm
        at = (s, 0, 0 if self.features else u)
        var = np.float32(self.stats["var"][at])
        with np.errstate(divide="ignore", invalid="ignore"):  # (as the layer computes it)
            r = np.float32(1) / np.sqrt(var + np.float32(layer.epsilon))
        out = {"x": float(self.x[s, t, u]), "mean": float(self.stats["mean"][at]), "var": float(var),
               "r": float(r), "y": float(self.y_at(s, t)[u])}
        w = iter(layer.weights)
        for key, has in (("gamma", layer.has_gamma), ("beta", layer.has_beta)):
            if has:
                weight = next(w)
                out[key] = float(weight[t, u] if self.features else weight[t])
        return out

    def _tap_terms(self, out: dict, s: int, t: int, u: int) -> None:
        """A convolution's ``w0``, ``w1``, ...: each tap's weights of filter ``u`` times the
        input step it reads (its group's channels; 0 on the padding)."""
        W = self.tap_kernel(u)
        cg, fg = W.shape[1], self.units // self.convolution.groups
        g = u // fg
        for k, r in enumerate(self.reads(t)):
            xs = (self.x[s, r, g * cg:(g + 1) * cg] if r >= 0 else np.zeros(cg, np.float32))
            out[f"w{k}"] = float(np.dot(xs.astype(np.float32), W[k]))

    def _shares(self, out: dict, z: np.ndarray, u: int) -> None:
        """A softmax's (log_softmax's) numbers of unit ``u`` among the sums ``z`` of its step,
        as Keras takes them (less their largest, ``m``): ``e`` = exp(z[u] − m), ``sum`` =
        Σⱼ exp(z[j] − m) (printed only: y is the trace's)."""
        if act_name(self.layer.config.get("activation")) not in ("softmax", "log_softmax"):
            return
        z = np.asarray(z, np.float64)
        m = float(np.max(z))
        e = np.exp(z - m)
        out.update(m=m, e=float(e[u]), sum=float(np.sum(e)))

    def _conv_sums(self, step: int) -> np.ndarray:
        """A Conv1D's sums of output step ``step`` (batch, filters), by the layer's own code
        over the chunk of output steps the trace computed it in (``chunk_steps``, counted
        from the whole sequence's step 0), so the very products: the traced y is their
        activation to the bit. In a long input's window whose steps do not hold that
        chunk's input (a quick chunk's first and last steps), over the step alone (the same
        sum but for float32's last bits: a product of another height)."""
        layer = self.convolution
        assert isinstance(layer, Conv1D)  # (an ONNX Conv's sum is its output: ``numbers``)
        x = np.asarray(self.x, np.float32)
        at, n = step + self.start, int(x.shape[1])
        every = layer.chunk_steps(int(x.shape[0]))
        a = at // every * every
        b = min(layer.steps_out(self.total), a + every)
        if not self.whole:
            i0, i1 = layer.reads_of(a, b, self.total)  # (the input steps the chunk reads)
            if i0 < self.x_first or i1 > self.x_first + n:
                a, b = at, at + 1
        z = self._z.get((a, b))
        if z is None:
            with np.errstate(invalid="ignore", over="ignore"):  # (as the trace computed them)
                z = self._z[(a, b)] = layer._z_part(x, self.x_first, self.total, a, b)
        return z[:, at - a]

    def shapes(self) -> tuple[str, str]:
        """W's and b's shapes as the page writes them: ("5×2", "2"), a Conv1D's kernel
        (taps × channels a group × filters); ("", "") for a pooling (none)."""
        if self.pool or self.along:
            return "", ""
        w = "×".join(str(n) for n in self.kernel.shape)
        return w, (str(self.units) if self.use_bias else "")


def step_ref(model: Model, trace: Trace, name: str | None, inputs=None) -> StepRef | None:
    """Layer ``name`` as a ``StepRef`` where it maps each step on its own with weights
    (``step_layer``) and the trace holds what it needs (``step_refusal`` says why not), else
    None."""
    got = _step_parts(model, trace, name, inputs)
    return got if isinstance(got, StepRef) else None


def step_refusal(model: Model, trace: Trace, name: str | None, inputs=None) -> str | None:
    """Why layer ``name``, a layer ``step_layer`` knows, is not shown a step at a time (a
    channels_first pooling of each step's features, ``pools_each_step``; a long input's
    window of a channels_first Conv1D reading the steps as its channels, computed once by
    the pass), in one line; None where it is, or where it is not such a layer (a step
    outside a window: ``StepRef.outside``)."""
    got = _step_parts(model, trace, name, inputs)
    return got if isinstance(got, str) else None


def _step_parts(model: Model, trace: Trace, name: str | None, inputs=None) -> StepRef | str | None:
    if name is None or trace is None or name not in trace.layers:
        return None
    try:
        top = model.get_layer(name)
    except Exception:
        return None
    layer: Stepped | None = step_layer(top) or along_steps(model, top)
    if layer is None:
        return None
    x = layer_input(model, trace, name, inputs)
    y = trace.layers[name].outputs[0] if trace.layers[name].outputs else None
    if x is None or y is None:
        return None
    x, y = np.asarray(x), np.asarray(y)
    stats = dict(trace.layers[name].stats)
    if isinstance(layer, (Softmax, LayerNormalization)) and not stats:
        return None  # (a trace not recording them: the words in place of a page)
    over = isinstance(layer, (Conv1D, *POOLS)) or onnx_window(layer)  # (its input's steps: its own, fewer)
    if over:
        assert not isinstance(layer, (Dense, Softmax, LayerNormalization))
        if x.ndim != 3 or y.ndim != 3:
            return None
        below = layer_below(model, name)
        if isinstance(layer, POOLS) and pools_each_step(model, layer):  # (a page's taps are steps)
            return (f"'{safe_name(name)}' ({layer.class_name}, channels_first) pools each step's features "
                    f"alone: channel c of its step t is the {layer.TAKES} of a window of {layer.span} of the "
                    f"{x.shape[-1]} features of step t of {safe_name(below) if below else 'the input'} "
                    f"({layer.describe().removesuffix(', channels_first')}), its steps the input's, as the "
                    "Unrolled and Over time views and a long input's windows show them; the Cell view shows no "
                    "page of one step's features")
        x, y = layer._steps_last(x), layer._steps_last(y)
        total = getattr(trace, "total_steps", None)
        # (a long input's windows follow a channels-last Conv1D, a channels_first one where a
        # Permute((2, 1)) put its input's steps on axis 2 (turned here as ``call`` turns
        # them), an ONNX node over (N, C, L): ``windows._plan``; a channels_first one over
        # (batch, steps, features) reads the steps as its channels: computed once)
        if total is not None and layer.channels_first and not onnx_window(layer) and (
                below is None or steps_axis(model, below) != 2):
            kind = layer.class_name
            return (f"'{safe_name(name)}' ({kind}) {layer.changes_steps()}, reading the steps as its channels: "
                    "a long input's pass computes it once from the whole sequence, no steps left; its step "
                    "is shown on an input traced whole (shorter than the long-input threshold), or on a long "
                    f"input where the {kind} reads its steps channels last, or after a Permute((2, 1))")
        if total is None and y.shape[1] != layer.steps_out(x.shape[1]):
            why, kind = layer.changes_steps() or "reads windows of its input steps", layer.class_name
            return (f"'{safe_name(name)}' ({kind}) {why}: a long input's windows do not follow it; its step "
                    "is shown on an input traced whole (shorter than the long-input threshold), or on a long "
                    f"input where the {kind} reads its steps channels last, or after a Permute((2, 1))")
    elif x.ndim not in (2, 3) or x.ndim != y.ndim or (x.ndim == 3 and x.shape[1] != y.shape[1]):
        return None  # (a Dense on a 4-D input: no steps of one vector each)
    # (a long input's window: the layer's own first step and its input's, each its own after
    # a strided Conv1D or pooling, and the input's steps of the whole sequence)
    rec = trace.layers[name]
    below = layer_below(model, name)
    below_rec = trace.layers[below] if below is not None and below in trace.layers else None
    windowed = bool(getattr(trace, "total_steps", None))
    # (its steps over the input turned around, one for one: not after a strided layer,
    # whose steps are that layer's, ``steps_below``)
    turned = bool(reversed_steps(model).get(name)) and steps_below(model, name) is None
    # (a window of such steps holds its own T-b .. T-a-1, its record's ``start``: the input
    # order's first, ``steps_first``, numbered a Dense's step 1,765 over input step 1,234
    # as 1,325)
    start = (int(rec.start) if turned else steps_first(trace, name)) if windowed else 0
    # (and a same Conv1D's input then the turned sequence below it, its record's own steps)
    x_start = ((int(below_rec.start) if turned and below_rec is not None else steps_first(trace, below))
               if windowed and over else None)
    total = whole_steps(trace, below_rec if over else rec)
    return StepRef(name, top, layer, x, y, source_of(model, name, x.ndim == 3), start,
                   None if total is None else int(total), x_start,
                   so_far(trace) if x.ndim == 2 else "",
                   turned=turned, mixed=name in mixed_steps(model),
                   moved=None if moved_step(model, trace, name, 0) is None else partial(moved_said, model, trace, name),
                   stats=stats)


def source_of(model: Model, name: str, steps: bool = True) -> Source:
    """Where layer ``name``'s (first) input comes from, through layers that hand it on
    unchanged (Dropout and its kin; an ONNX graph's ops that only move data, ``glue``): the
    model's input, a recurrent layer's h_t (its last h
    where it returns the last step only), another layer's y_t. Not ``cell_ref.steps_below``'s
    walk, and they do not agree: that one names whose step numbers a layer's steps are (the
    layer right below, a Dropout too, the model's input layer too, through an ONNX
    graph's ops alone, and only where they are not the input's steps); this one names
    what is computed that the layer reads, through a Dropout and its kin as well (after a
    MaxPooling1D(2) and a Dropout: the pooling's y_t, where ``steps_below`` says the
    Dropout's steps)."""
    nodes = {n.layer.name: n for n in model.nodes}
    inputs = {r.layer for r in model.inputs}
    node = nodes.get(name)
    t = "_t" if steps else ""
    seen: set[str] = set()
    while node is not None and node.inbound:
        src = node.inbound[0].layer
        if src in inputs or src in seen:
            return Source(f"x{t}", None)
        seen.add(src)
        before = nodes.get(src)
        if before is None:
            return Source(f"x{t}", None)
        layer = before.layer
        if layer.class_name in IDENTITY_CLASSES or getattr(layer, "glue", False):
            node = before  # (an ONNX graph's Transpose, Squeeze ...: the data moved, not computed)
            continue
        if isinstance(layer, (Recurrent, Bidirectional)):
            inner = layer.forward_layer if isinstance(layer, Bidirectional) else layer
            sequences = bool(inner.config.get("return_sequences"))
            return Source(f"h{t}" if sequences else "h", src, last=not sequences)
        return Source(f"y{t}", src)
    return Source(f"x{t}", None)


def equations(ref: StepRef, sample: int, step: int, unit: int) -> list[Equation]:
    """The layer's line(s) for output ``unit`` at ``step`` of ``sample``, the template's
    fields filled in from ``StepRef.numbers``; ``{name:t}`` prints a term of a sum. A layer
    acting along the steps' numbers with three significant digits of its y at least (a
    Softmax's shares of a long sequence's steps are small: 0.00228, not 0.002)."""
    numbers = ref.numbers(sample, step, unit)
    nd = ref.decimals(numbers["y"])
    if ref.onnx:  # (an AveragePool of count_include_pad divides by its pads too: ``counted``)
        node = ref.node
        tpls = node.equations(ref.total, [r >= 0 for r in ref.reads(step)], node.counted(step + ref.start, ref.total))
    elif isinstance(ref.layer, LayerNormalization):
        tpls = ref.layer.equations(ref.features)
    elif isinstance(ref.layer, Softmax):
        tpls = ref.layer.equations()
    elif ref.pool:
        tpls = ref.pooling.equations(ref.total, [r >= 0 for r in ref.reads(step)])
    else:
        tpls = ref.convolution.equations(ref.total) if ref.conv else ref.dense.equations(ref.steps)
    out = []
    for tpl in tpls:
        parts = []
        for literal, name, spec in _parsed(tpl.numeric):
            parts.append(literal)
            if name is None:
                continue
            v = numbers[name]
            parts.append(fmt_term(v, nd) if spec == "t" else fmt(v, nd))
        out.append(Equation(tpl.key, tpl.symbolic, "".join(parts)))
    return out


def same_weights(ref: StepRef) -> str:
    """One line (plain text) saying which weights serve which steps: the same W and b at
    every step (the answer to "what does TimeDistributed(Dense) do"), a Dense on a vector's
    one step, a Conv1D's window of steps; a Softmax over the steps' m and S, read from every step."""
    if ref.along:
        # (a long input's first steps are never shown alone before its keyframe pass here:
        # ``windows.whole_sequence_layer``; m and S are always the whole sequence's)
        whose = f"the sequence's {count(ref.total)} steps"
        src = ref.source
        read = f"{safe_name(src.layer)}'s {src.symbol}" if src.layer is not None else "the model's input"
        if not isinstance(ref.layer, LayerNormalization):
            return (f"No weights: each step's share reads every step of {read}: m[u] and S[u] are "
                    f"over {whose}, the same at every step (the trace's record of the layer).")
        norm = ref.norm
        what = " and ".join(w for w, has in (("γ", norm.has_gamma), ("β", norm.has_beta)) if has)
        own = (f"{what} ({'×'.join(str(n) for n in norm.weights[0].shape)}), each step's own"
               + (" and each feature's" if ref.features else "")) if what else "no weights"
        stats = "σ² is" if norm.rms else "μ and σ² are"
        return (f"Each step reads every step of {read}: {stats} over {whose}"
                + (" and all its features" if ref.features else ", each feature's own")
                + f", the same at every step (the trace's record of the layer); {own}.")
    if ref.pool:
        pool = ref.pooling
        if ref.onnx:  # (an ONNX node's in the file's words)
            how = ref.node.window_words(ref.total)
        else:
            assert isinstance(pool, (MaxPooling1D, AveragePooling1D))
            how = [f"pool {pool.span}", f"strides {pool.stride}"]
            how += [f"padding {pool.padding}"] if pool.padding != "valid" else []
        n_in, n_out = ref.total, pool.steps_out(ref.total)
        fewer = (f": its {count(n_in)} input steps become {count(n_out)}" if n_out != n_in
                 else f": its {count(n_in)} steps stay {count(n_out)}")
        takes = "largest" if pool.TAKES == "max" else "mean"
        return (f"No weights: each output step takes, channel by channel, the {takes} of a window of "
                f"{plural(pool.span, 'input step')} ({', '.join(how)}){fewer}.")
    w, b = ref.shapes()
    wb = f"W ({w}) and b ({b})" if b else f"W ({w})"
    if ref.conv and ref.onnx:  # (an ONNX Conv: in the file's words)
        node = ref.node
        which = "every filter the same window" + (
            f", of its group's {ref.kernel.shape[1]} channels, x[g]" if node.groups > 1 else "")
        return (f"The same {wb} slide along the steps ({', '.join(node.window_words(ref.total))}): each output "
                f"step reads a window of {plural(node.taps, 'input step')}, {which}.")
    if ref.conv:
        layer = ref.convolution
        assert isinstance(layer, Conv1D)
        how = [f"kernel {layer.kernel_size}"]
        if layer.stride > 1:
            how.append(f"stride {layer.stride}")
        if layer.dilation > 1:
            how.append(f"dilation {layer.dilation}")
        if layer.padding != "valid":
            how.append(f"padding {layer.padding}")
        which = "every filter the same window"
        if layer.groups > 1:  # (the equation's x[g])
            how.append(f"groups {layer.groups}")
            which += f", of its group's {ref.kernel.shape[1]} channels, x[g]"
        return (f"The same {wb} slide along the steps ({', '.join(how)}): each output step reads "
                f"a window of {layer.kernel_size} input steps, {which}.")
    if not ref.steps:
        return (f"One step: the input is a vector ({ref.source.words}), not a sequence, so {wb} "
                "are applied once.")
    if ref.kind.startswith("TimeDistributed"):
        return (f"TimeDistributed(Dense) applies one Dense, the same {wb}, to every one of the "
                f"{ref.T} steps on its own: y_t depends on x_t alone.")
    return (f"A Dense on a sequence maps each of its {ref.T} steps on its own with the same {wb} "
            "(as TimeDistributed(Dense) would): y_t depends on x_t alone.")
