"""The Keras layers practitioners put around recurrent layers, each described once.

Global pooling over the steps (``GlobalAveragePooling1D``, ``GlobalMaxPooling1D``), the
layers that reshape the time axis (``Permute``, ``Cropping1D``, ``ZeroPadding1D``,
``UpSampling1D``), normalisation (``LayerNormalization``; ``BatchNormalization``, by its moving statistics
at inference and by the batch's in training) and the activation layers (``ReLU``, ``LeakyReLU``,
``ELU``, ``Softmax``). Each class holds Keras' config defaults, its weight shapes (in
``get_weights()`` order), its output shapes, its forward pass as Keras 3 and Keras 2
compute it at inference, and its exact backward pass as TensorFlow's gradients take it:
``backward(x, y, dy, mask) -> (dx, [weight gradients])`` (``x`` the input, ``y`` the
output, ``mask`` the input's mask), which ``gradients.layer_backward`` calls.

Masks: Keras 3 drops the mask at a layer that does not support masking and Keras 2
refuses to build such a model, so the shape layers and ``GlobalMaxPooling1D`` hand on no
mask; ``GlobalAveragePooling1D`` averages the unmasked steps only (Keras 3 with
``where``, Keras 2 multiplying by the mask: a NaN at a masked step differs).

``MORE_CLASSES`` is part of ``layers.LAYER_CLASSES``, so ``make_layer`` and every table
built from it know them; the classes build on ``layer_base.Layer`` as ``layers.py``'s do.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from lstmviz.engine import layer_base as L
from lstmviz.engine.cells import EquationTemplate
from lstmviz.engine.step_equations import norm_over_steps, softmax_over_steps
from lstmviz.engine.trace import LayerTrace
from lstmviz.errors import LstmvizError, is_number, is_whole
from lstmviz.text import plural, safe_text


def _refuse(layer, key: str, value: Any, accepted: str) -> LstmvizError:
    return LstmvizError(f"layer '{layer.name}' ({layer.class_name}): {key} is "
                        f"{safe_text(repr(value), 60)}; accepted: {accepted}")


def _number(layer, key: str, *, least: float | None = None, above: float | None = None,
            none: bool = False) -> float | None:
    """``config[key]`` as a finite float (None kept where ``none``), else one line."""
    value = layer.config.get(key)
    if value is None and none:
        return None
    ok = is_number(value) and math.isfinite(value)
    if ok and least is not None:
        ok = value >= least
    if ok and above is not None:
        ok = value > above
    if not ok:
        bound = (f" of at least {least:g}" if least is not None
                 else f" above {above:g}" if above is not None else "")
        raise _refuse(layer, key, value, f"a finite number{bound}" + (" (or None)" if none else ""))
    return float(value)


def _flag(layer, key: str) -> bool:
    value = layer.config.get(key)
    if not isinstance(value, bool):
        raise _refuse(layer, key, value, "true or false")
    return value


def _pair(layer, key: str) -> tuple[int, int]:
    """Keras' ``standardize_tuple(value, 2, allow_zero=True)``: an int or two ints >= 0."""
    value = layer.config.get(key)
    if isinstance(value, dict):  # (Keras 3 writes a tuple as {"class_name": "__tuple__", ...})
        value = value.get("config", {}).get("value") if isinstance(value.get("config"), dict) else None
    pair = [value, value] if is_whole(value) else value
    if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(is_whole(v, 0) for v in pair)):
        raise _refuse(layer, key, layer.config.get(key), "a whole number >= 0 or two of them")
    return int(pair[0]), int(pair[1])


def _data_format(layer) -> str:
    fmt = layer.config.get("data_format") or "channels_last"
    if fmt not in ("channels_last", "channels_first"):
        raise _refuse(layer, "data_format", fmt, "channels_last or channels_first")
    return fmt


def _float(x) -> np.ndarray:
    return np.asarray(x).astype(np.float32, copy=False)


# -- global pooling -------------------------------------------------------------------------
#: What a global pooling is where it pools each step's features, not the steps (``describe_at``),
#: the words the side panel's option tips are chosen by (``options.options_for``'s ``where``)
EACH_STEPS_FEATURES = "over each step's features"


class _GlobalPooling1D(L.Layer):
    keeps_sign = True
    defaults = {"data_format": "channels_last", "keepdims": False}
    passes_mask = False

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.steps_axis = 1 if _data_format(self) == "channels_last" else 2
        self.keepdims = _flag(self, "keepdims")

    def compute_output_shapes(self, input_shapes):
        s = tuple(input_shapes[0])
        self._need_rank(s, 3, "an input (batch, steps, features)")
        ax = self.steps_axis
        if self.keepdims:
            return [tuple(1 if k == ax else d for k, d in enumerate(s))]
        return [tuple(d for k, d in enumerate(s) if k != ax)]

    def describe(self):
        return "over the steps" + (", keepdims" if self.keepdims else "")

    def describe_at(self, axis: int | None) -> str:
        """Over the steps where it pools the axis its input holds them on (``reduces``), else
        over each step's features: a channels_last one after a Permute((2, 1)) (``stepwise``),
        a channels_first one over (batch, steps, features) (``timewise``)."""
        if axis is None or self.reduces(axis):
            return self.describe()
        return EACH_STEPS_FEATURES + (", keepdims" if self.keepdims else "")

    def reduces(self, axis: int) -> bool:
        """Whether it pools over its input's ``axis``, where a long input holds its steps (1:
        channels_last over (batch, steps, features); 2: channels_first over (batch, channels,
        steps) after a Permute((2, 1)), a channels_first CNN's head): a long input's keyframe
        pass computes it once from the whole sequence (``windows._plan``), a tensor without
        steps."""
        return self.steps_axis == axis

    @property
    def timewise(self) -> bool:
        """channels_first on a (batch, steps, features) input pools each step's features
        alone (axis 2): the steps stay, and a long input's windows follow it."""
        return self.steps_axis == 2

    def stepwise(self, axis: int) -> bool:
        """channels_last on (batch, features, steps) after a Permute((2, 1)) (the steps on
        ``axis`` 2) pools axis 1, each step's features alone (Keras 3 and tf_keras alike;
        the twin of a channels_first one with no Permute, ``timewise``): the steps stay, a
        window's the whole's to the bit (the mean summed in one order whatever the steps'
        count, ``_reduced``; the max in any order the same)."""
        return axis == 2 and self.steps_axis == 1

    def stepwise_axis(self, axis: int) -> int:
        """Its output's steps axis (``Layer.stepwise_axis``): axis 1 of (batch, steps) once
        axis 1 is pooled away, axis 2 of (batch, 1, steps) where it keeps its dims."""
        return axis if self.keepdims else axis - 1

    def _kept(self, dy):
        """``dy`` with the steps axis kept (length 1)."""
        return dy if self.keepdims else np.expand_dims(dy, self.steps_axis)


class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean over the steps; with a mask, over the unmasked steps only (a sample whose
    every step is masked: 0/0, NaN, as Keras gives)."""

    class_name = "GlobalAveragePooling1D"

    def _mask(self, mask, x):
        if mask is None:
            return None
        if self.steps_axis != 1:
            raise LstmvizError(
                f"layer '{self.name}' (GlobalAveragePooling1D, data_format channels_first) gets a "
                "mask of the steps of a (batch, steps, features) input, which Keras lines up against "
                "its last axis; supported: a mask with data_format channels_last")
        return np.expand_dims(np.asarray(mask, bool), 2)

    def call(self, inputs, masks, initial_state=None):
        x = _float(inputs[0])
        m = self._mask(masks[0], x)
        ax = self.steps_axis
        if m is None and ax == 1:
            # (summed in one order at every place whatever the other axes' sizes: a long input's
            # window of (batch, features, steps) gives the whole trace's bits, ``stepwise``)
            out = _reduced(np.mean, x, (1,), dtype=np.float32)
            out = out if self.keepdims else out[:, 0]
        elif m is None:
            out = np.mean(x, axis=ax, keepdims=self.keepdims, dtype=np.float32)
        else:
            # Keras 3 puts 0 at the masked steps (``where``), Keras 2 multiplies by the mask
            kept = np.where(m, x, np.float32(0)) if self.keras_major >= 3 else x * m.astype(np.float32)
            out = (np.sum(kept, axis=ax, keepdims=self.keepdims)
                   / np.sum(m.astype(np.float32), axis=ax, keepdims=self.keepdims))
        return [out], [None], LayerTrace(self.name, self.class_name, [out])

    def running_bytes(self, out: int, read: int = 0, mask: int = 0) -> int:
        """Its output and a temporary, and where a mask may reach it over the steps (``mask``:
        its bytes as floats) the mean over the unmasked steps' copy of its input, 0 at the
        masked ones, and the mask as floats (``call``); a GlobalMaxPooling1D makes its output
        alone (``Layer.running_bytes``)."""
        return 2 * out + (read + mask if mask and self.steps_axis == 1 else 0)

    def backward(self, x, y, dy, mask):
        x = _float(x)
        dy = self._kept(dy)
        m = self._mask(mask, x)
        if m is None:
            return np.broadcast_to(dy / np.float32(x.shape[self.steps_axis]), x.shape).copy(), []
        fm = m.astype(np.float32)
        return fm * (dy / np.sum(fm, axis=self.steps_axis, keepdims=True)), []


class GlobalMaxPooling1D(_GlobalPooling1D):
    """The largest value over the steps (a mask is not looked at, as in Keras)."""

    class_name = "GlobalMaxPooling1D"

    def forward(self, x):
        return np.max(_float(x), axis=self.steps_axis, keepdims=self.keepdims)

    def backward(self, x, y, dy, mask):
        # TensorFlow's reduce_max gradient: shared equally among the steps that hold the max
        x = _float(x)
        ax = self.steps_axis
        picked = (x == self._kept(y)).astype(np.float32)
        return picked / np.sum(picked, axis=ax, keepdims=True) * self._kept(dy), []


# -- the shape of the time axis ---------------------------------------------------------------
class Permute(L.Layer):
    """Reorders the axes after the batch: ``dims`` counts them from 1 (``(2, 1)`` swaps
    steps and features)."""

    class_name = "Permute"
    keeps_sign = True
    required = ("dims",)
    passes_mask = False

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        dims = self.config["dims"]
        if not (isinstance(dims, (list, tuple)) and dims and all(is_whole(d, 1) for d in dims)
                and sorted(dims) == list(range(1, len(dims) + 1))):
            raise _refuse(self, "dims", dims, "a permutation of 1, 2, ... n (the axes after the batch)")
        self.dims = tuple(int(d) for d in dims)
        self.config["dims"] = list(self.dims)

    def compute_output_shapes(self, input_shapes):
        s = tuple(input_shapes[0])
        self._need_rank(s, len(self.dims) + 1, "an input")
        return [(s[0],) + tuple(s[d] for d in self.dims)]

    def forward(self, x):
        return np.ascontiguousarray(np.asarray(x).transpose((0,) + self.dims))

    def backward(self, x, y, dy, mask):
        return np.ascontiguousarray(dy.transpose(np.argsort((0,) + self.dims))), []

    def describe(self):
        return f"dims={self.dims}"

    @property
    def timewise(self) -> bool:
        """The time axis left in place (``dims[0] == 1``: the features of each step reordered
        alone): a long input's windows follow it (``windows._plan``)."""
        return self.dims[0] == 1


# -- the layers that move the steps ----------------------------------------------------------
class StepMap(L.Layer):
    """What Cropping1D, ZeroPadding1D and UpSampling1D share: output step t is input step
    ``(t - shift) // repeat`` (-1, a zero step, where that is before the first or from the
    last on), over ``steps_out`` steps of their own. A long input's windows follow them as a
    Conv1D's (``engine/windows.py``: ``own_clock``, ``steps_out``, ``stride``, ``reads_of``,
    ``window``): a window of output steps lo..hi-1 reads the input steps they repeat, and
    is those steps of ``forward`` over the whole input to the bit (a copy, zeros, or each
    step repeated: no arithmetic). ``read_steps`` / ``reads_at``, as ``conv._OverSteps``'s:
    the input step each output step reads (the Unrolled view's links, Over time's "reads")."""

    #: output step t reads input step (t - shift) // repeat (Cropping1D((a, b)): shift -a)
    shift: int = 0
    repeat: int = 1
    #: steps it drops or adds around the sequence (a cropping's or padding's two sides)
    moved: int = 0
    #: one tap: each output step reads one input step (or none)
    taps: int = 1
    channels_first = False

    @property
    def own_clock(self) -> bool:
        """Whether its steps are not its input's one for one (``Layer.own_clock``: a
        layer of its own steps, ``steps_out``, ``stride``)."""
        return not self.keeps_steps

    @property
    def stride(self):
        """Input steps one of its steps stands for: 1, or ``Fraction(1, size)`` after an
        UpSampling1D (``windows._clocks``: its step t stands for input step t / size)."""
        return Fraction(1, self.repeat) if self.repeat > 1 else 1

    @property
    def keeps_steps(self) -> bool:
        """As many steps as its input, step t reading step t (nothing cropped, padded or
        repeated)."""
        return self.moved == 0 and self.repeat == 1

    def reach(self) -> tuple[int, int]:
        """(before, after): none (step t reads step t alone where it ``keeps_steps``)."""
        return 0, 0

    @property
    def span(self) -> int:
        """The steps it adds or drops around the sequence, and one (what a first window
        traced alone reads past its steps: ``app/long_sequence._prefix``)."""
        return 1 + self.moved

    def steps_out(self, steps: int) -> int:
        raise NotImplementedError

    def changes_steps(self) -> str:
        raise NotImplementedError

    def reads_at(self, step, steps: int) -> np.ndarray:
        """(1,) int: the input step output step ``step`` reads (-1: a zero step of the
        padding); a column of steps gives their rows (``read_steps``)."""
        idx = (np.asarray(step) - self.shift) // self.repeat
        idx = np.atleast_1d(idx) if np.ndim(step) == 0 else idx
        idx[(idx < 0) | (idx >= steps)] = -1
        return idx

    def read_steps(self, steps: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """(output steps, 1) int: the input step each output step reads, -1 on the padding;
        output steps ``lo .. hi-1`` alone where given (a long input's window)."""
        n = self.steps_out(steps)
        hi = n if hi is None else min(int(hi), n)
        return self.reads_at(np.arange(max(0, int(lo)), max(int(lo), hi))[:, None], steps)

    def reads_of(self, lo: int, hi: int, steps: int) -> tuple[int, int]:
        """The input steps ``i0 .. i1-1`` output steps ``lo .. hi-1`` read, clipped to the
        sequence's ``steps`` (``i1 <= i0``: none, all padding)."""
        i0 = (lo - self.shift) // self.repeat
        i1 = (hi - 1 - self.shift) // self.repeat + 1
        return min(max(0, i0), steps), max(0, min(steps, i1))

    def window(self, read, lo: int, hi: int, steps: int, batch: int) -> np.ndarray:
        """Output steps ``lo .. hi-1`` (of its own steps) over an input of ``steps`` steps,
        ``read(i0, i1)`` giving the input's steps ``i0 .. i1-1`` (``engine/windows._Window``):
        the input steps they read (``reads_of``), repeated and padded with zeros as
        ``forward`` does, so those steps of ``forward`` over the whole input to the bit."""
        i0, i1 = self.reads_of(lo, hi, steps)
        if i1 > i0:
            x = _float(read(i0, i1))
        else:  # (all zeros of the padding: a step's features, none of its numbers)
            k = min(i0, steps - 1)
            x = _float(read(k, k + 1))[:, :0]
            i1 = i0
        y = np.repeat(x, self.repeat, axis=1) if self.repeat > 1 else x
        first = i0 * self.repeat + self.shift  # (the output step y's first is)
        before, after = max(0, first - lo), max(0, hi - (first + y.shape[1]))
        if before or after:
            y = np.pad(y, ((0, 0), (before, after), (0, 0)))
        a = lo - first + before
        return np.ascontiguousarray(y[:, a:a + hi - lo])


class Cropping1D(StepMap):
    """Drops ``cropping[0]`` steps at the start and ``cropping[1]`` at the end."""

    class_name = "Cropping1D"
    keeps_sign = True
    defaults = {"cropping": [1, 1]}
    passes_mask = False

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.cropping = _pair(self, "cropping")
        self.config["cropping"] = list(self.cropping)  # (as Keras writes it)
        self.shift = -self.cropping[0]  # (its step t is its input's step t + cropping[0])
        self.moved = sum(self.cropping)

    def steps_out(self, steps: int) -> int:
        """Its steps over an input of ``steps`` (refused where none is left)."""
        n = self._length(steps)
        assert n is not None
        return n

    def changes_steps(self) -> str:
        a, b = self.cropping
        return f"drops {plural(a, 'step')} at the start and {b} at the end"

    def _length(self, steps):
        if steps is None:
            return None
        left = steps - sum(self.cropping)
        if left <= 0:
            raise LstmvizError(
                f"layer '{self.name}' (Cropping1D): cropping {self.cropping} leaves no step of the "
                f"input's {steps}; supported: cropping fewer steps than the input has")
        return left

    def compute_output_shapes(self, input_shapes):
        s = tuple(input_shapes[0])
        self._need_rank(s, 3, "an input (batch, steps, features)")
        return [(s[0], self._length(s[1]), s[2])]

    def forward(self, x):
        a, b = self.cropping
        self._length(x.shape[1])
        return np.ascontiguousarray(x[:, a:x.shape[1] - b])

    def backward(self, x, y, dy, mask):
        a, b = self.cropping
        return np.pad(dy, ((0, 0), (a, b), (0, 0))), []

    def describe(self):
        return f"cropping={self.cropping}"


class ZeroPadding1D(StepMap):
    """Adds ``padding[0]`` steps of zeros at the start and ``padding[1]`` at the end."""

    class_name = "ZeroPadding1D"
    keeps_sign = True
    defaults = {"padding": [1, 1], "data_format": "channels_last"}
    passes_mask = False

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.padding = _pair(self, "padding")
        self.config["padding"] = list(self.padding)  # (as Keras writes it)
        self.axis = 1 if _data_format(self) == "channels_last" else 2
        # (its step t is its input's step t - padding[0]; channels_first on (batch, steps,
        # features) pads each step's features: the steps stay, ``timewise``)
        self.shift = self.padding[0] if self.axis == 1 else 0
        self.moved = sum(self.padding) if self.axis == 1 else 0

    @property
    def timewise(self) -> bool:
        """channels_first on a (batch, steps, features) input pads each step's features
        alone (axis 2): a long input's windows follow it as a per-step layer."""
        return self.axis == 2

    def steps_out(self, steps: int) -> int:
        return int(steps) + (sum(self.padding) if self.axis == 1 else 0)

    def changes_steps(self) -> str:
        a, b = self.padding
        return f"adds {plural(a, 'step')} of zeros at the start and {b} at the end"

    def compute_output_shapes(self, input_shapes):
        s = list(input_shapes[0])
        self._need_rank(tuple(s), 3, "an input (batch, steps, features)")
        if s[self.axis] is not None:
            s[self.axis] += sum(self.padding)
        return [tuple(s)]

    def _widths(self, pad):
        return tuple(pad if k == self.axis else (0, 0) for k in range(3))

    def forward(self, x):
        return np.pad(_float(x), self._widths(self.padding))

    def backward(self, x, y, dy, mask):
        a, b = self.padding
        index = [slice(None)] * 3
        index[self.axis] = slice(a, dy.shape[self.axis] - b)
        return np.ascontiguousarray(dy[tuple(index)]), []

    def describe(self):
        return f"padding={self.padding}"


class UpSampling1D(StepMap):
    """Repeats every step ``size`` times."""

    class_name = "UpSampling1D"
    keeps_sign = True
    defaults = {"size": 2}
    passes_mask = False

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        if not is_whole(self.config["size"], 1):
            raise _refuse(self, "size", self.config["size"], "a whole number of at least 1")
        self.size = int(self.config["size"])
        self.repeat = self.size  # (its step t is its input's step t // size)

    def steps_out(self, steps: int) -> int:
        return int(steps) * self.size

    def changes_steps(self) -> str:
        return f"repeats every step {self.size} times"

    def compute_output_shapes(self, input_shapes):
        s = tuple(input_shapes[0])
        self._need_rank(s, 3, "an input (batch, steps, features)")
        return [(s[0], None if s[1] is None else s[1] * self.size, s[2])]

    def forward(self, x):
        return np.repeat(_float(x), self.size, axis=1)

    def backward(self, x, y, dy, mask):
        B, T = dy.shape[:2]
        return dy.reshape((B, T // self.size, self.size) + dy.shape[2:]).sum(axis=2), []

    def describe(self):
        return f"size={self.size}"


# -- normalisation ----------------------------------------------------------------------------
def _axes(layer, rank: int, many: bool) -> tuple[int, ...]:
    """The layer's ``axis`` (an int or, where ``many``, a list) as sorted positive axes of
    a tensor of ``rank``; the batch axis refused."""
    axis = layer.config.get("axis")
    given = list(axis) if isinstance(axis, (list, tuple)) and many else [axis]
    if isinstance(axis, (list, tuple)) and not many and len(axis) == 1:
        given = list(axis)
    if not given or not all(is_whole(a, -rank) and a < rank for a in given):
        what = "an axis or a list of axes" if many else "one axis"
        raise _refuse(layer, "axis", axis, f"{what} of the input's {rank} (not the batch's, 0)")
    out = sorted({int(a) % rank for a in given})
    if 0 in out:
        raise _refuse(layer, "axis", axis, "axes after the batch's (1, 2, ... or -1)")
    return tuple(out)


def _reduced(fn, x, axes: tuple[int, ...], **kw):
    """``fn(x, axis=axes, keepdims=True, **kw)`` (np.sum, np.mean, np.max) in an order that is
    the same at every place whatever ``x``'s other sizes and strides: NumPy sums more than 8
    numbers pairwise only along the axis its loop runs innermost, which over axis 1 of
    (batch, features, steps) depends on the steps' count (a window of one step summed its
    features pairwise, the whole sequence one by one: other bits). So the reduced axes are
    moved last, a block of places at a time copied contiguous, each place's numbers then
    summed as a last axis is, alone in its row (a window of steps on axis 2 the whole
    trace's to the bit, ``windows._plan``; float32 in and out)."""
    if axes == (x.ndim - 1,):
        return fn(x, axis=axes, keepdims=True, **kw)  # (the last axis: each row its own loop)
    last = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, last)  # (a view: copied a block of rows at a time, so a long
    # input's keyframe pass holds no second copy of the sequence, ``windows.pass_bytes``)
    lead = moved.shape[:-len(axes)]
    out = np.empty(lead + (1,) * len(axes), np.float32)  # (float32 in, float32 out: every caller's)
    rows = max(1, _REDUCED_BLOCK // max(1, int(np.prod(moved.shape[len(lead):], dtype=np.int64))))
    for at in np.ndindex(*lead[:-1]):
        for r in range(0, lead[-1], rows):
            block = np.ascontiguousarray(moved[at + (slice(r, r + rows),)])
            out[at + (slice(r, r + rows),)] = fn(block, axis=tuple(range(1, block.ndim)), keepdims=True, **kw)
    return np.moveaxis(out, last, axes)


#: the numbers ``_reduced`` copies at a time (256 KB of float32)
_REDUCED_BLOCK = 1 << 16


def _features_alone(layer, axes: tuple[int, ...], axis: int) -> bool:
    """Whether a layer reducing over ``axes`` (one axis, not ``axis``, where the steps are:
    axis 1 of (batch, features, steps)) acts on each step alone, the same bits in any window
    of them (``_reduced``)."""
    return bool(layer.input_shapes) and len(axes) == 1 and axis not in axes


def _param_shape(layer, shape, axes) -> tuple:
    dims = tuple(shape[a] for a in axes)
    if any(d is None for d in dims):
        raise LstmvizError(f"layer '{layer.name}' ({layer.class_name}) needs known sizes along its "
                           f"axis {list(axes)}, gets the input {L.fmt_shape(tuple(shape))}")
    return dims


def _broadcast(w, ndim, axes):
    shape = [1] * ndim
    for a, d in zip(axes, w.shape if w.ndim == len(axes) else (w.size,)):
        shape[a] = d
    return w.reshape(shape)


class LayerNormalization(L.Layer):
    """Normalises each sample over ``axis`` (its features by default): ``(x - mean) /
    sqrt(var + epsilon) * gamma + beta``; Keras 3's ``rms_scaling``: ``x / sqrt(var +
    epsilon) * gamma`` (the variance, not the mean square, as Keras 3.15 computes it)."""

    class_name = "LayerNormalization"
    defaults = {"axis": [-1], "epsilon": 1e-3, "center": True, "scale": True, "rms_scaling": False,
                "beta_initializer": "zeros", "gamma_initializer": "ones"}

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.epsilon = _number(self, "epsilon", least=0)
        self.center, self.scale = _flag(self, "center"), _flag(self, "scale")
        self.rms = _flag(self, "rms_scaling")
        axis = self.config["axis"]  # (a built Keras layer's: a sorted list)
        if is_whole(axis) or (isinstance(axis, (list, tuple)) and all(is_whole(a) for a in axis)):
            self.config["axis"] = sorted(axis) if isinstance(axis, (list, tuple)) else [axis]

    @property
    def has_gamma(self) -> bool:
        return self.scale or self.rms

    @property
    def has_beta(self) -> bool:
        return self.center and not self.rms

    @property
    def timewise(self) -> bool:
        """Each step normalised alone (a long input's windows follow it)."""
        return bool(self.input_shapes) and _axes(self, len(self.input_shapes[0]), True) == (
            len(self.input_shapes[0]) - 1,)

    def stepwise(self, axis: int) -> bool:
        """Normalising each step's features alone where the steps are on ``axis`` and its
        ``axis`` names only another (a LayerNormalization(axis=1) of (batch, features,
        steps): per sample and step, as Keras)."""
        return bool(self.input_shapes) and _features_alone(self, _axes(self, len(self.input_shapes[0]), True), axis)

    def along_steps(self, axis: int) -> bool:
        """Normalising over the steps (its ``axis`` takes in ``axis``, theirs)."""
        return bool(self.input_shapes) and axis in _axes(self, len(self.input_shapes[0]), True)

    def running_bytes(self, out: int, read: int = 0, mask: int = 0) -> int:
        """Three times its output with a gamma (``Layer.running_bytes``): two temporaries of
        its size beside it, x - mean and its square for the variance, then gamma /
        sqrt(var + eps) and -mean times it at every place (``_parts``, ``forward``: 3.06 x its
        output over 30,000 steps of 32 features, tracemalloc); without a gamma,
        1 / sqrt(var + eps) has a number a step or a sample, not a place: twice its output, as
        any layer's."""
        return 3 * out if self.has_gamma else 2 * out

    def reads_every_step(self, axis: int) -> bool:
        """Its mean and variance over the steps: each step reads them all."""
        return self.along_steps(axis)

    def reduced_axes(self, rank: int) -> tuple[int, ...]:
        """The axes it takes its mean and variance over, of an input of ``rank``."""
        return _axes(self, rank, True)

    def weight_specs(self, input_shapes):
        s = tuple(input_shapes[0])
        axes = _axes(self, len(s), True)
        if not (self.has_gamma or self.has_beta):  # (no weights: any length, as Keras 3 builds it)
            return []
        shape = _param_shape(self, s, axes)
        specs = []
        if self.has_gamma:
            specs.append(("gamma", shape, self.config["gamma_initializer"]))
        if self.has_beta:
            specs.append(("beta", shape, self.config["beta_initializer"]))
        return specs

    def compute_output_shapes(self, input_shapes):
        s = tuple(input_shapes[0])
        _axes(self, len(s), True)
        return [s]

    def _parts(self, x):
        axes = _axes(self, x.ndim, True)
        mean = _reduced(np.mean, x, axes, dtype=np.float32)
        var = _reduced(np.mean, np.square(x - mean), axes, dtype=np.float32)
        r = np.float32(1) / np.sqrt(var + np.float32(self.epsilon))
        w = iter(self.weights)
        gamma = _broadcast(next(w), x.ndim, axes) if self.has_gamma else None
        beta = _broadcast(next(w), x.ndim, axes) if self.has_beta else None
        return axes, mean, var, r, gamma, beta

    def call(self, inputs, masks, initial_state=None):
        x = _float(inputs[0])
        parts = self._parts(x)
        out, mean, var = self._normalised(x, parts), parts[1], parts[2]
        # (over the steps: what each step reads of every step, its mean and variance,
        # recorded: the Cell view's step page, ``equations``; a long input's by the pass)
        stats = {"mean": mean, "var": var} if self.along_steps(1) and x.ndim == 3 else {}
        mask = masks[0] if self.passes_mask else None
        return [out], [mask], LayerTrace(self.name, self.class_name, [out], stats=stats)

    def equations(self, features: bool) -> list[EquationTemplate]:
        """A LayerNormalization over the steps' output number at step t as the Cell view
        prints it (``norm_over_steps``): over every step of each feature, or of every feature
        too (``features``)."""
        return norm_over_steps(features, float(self.epsilon or 0), self.has_gamma, self.has_beta, self.rms)

    def forward(self, x):
        x = _float(x)
        return self._normalised(x, self._parts(x))

    def _normalised(self, x, parts):
        """Its output of ``x`` from ``_parts(x)``, in Keras' order of the products."""
        axes, mean, var, r, gamma, beta = parts
        if self.rms:
            out = x * r
            return out * gamma if gamma is not None else out
        inv = r * gamma if gamma is not None else r  # (Keras' order of the products)
        res = -mean * inv
        if beta is not None:
            res = res + beta
        return x * inv + res

    def backward(self, x, y, dy, mask):
        x = _float(x)
        axes, mean, _, r, gamma, beta = self._parts(x)
        rest = tuple(k for k in range(x.ndim) if k not in axes)
        n = np.float32(np.prod([x.shape[a] for a in axes]))
        g = dy * gamma if gamma is not None else dy
        grads = []
        if self.rms:
            if gamma is not None:
                grads.append(np.sum(dy * x * r, axis=rest).reshape(self.weights[0].shape))
            dx = g * r - r ** 3 * (x - mean) * (np.sum(g * x, axis=axes, keepdims=True) / n)
            return dx, grads
        xhat = (x - mean) * r
        if gamma is not None:
            grads.append(np.sum(dy * xhat, axis=rest).reshape(self.weights[0].shape))
        if beta is not None:
            grads.append(np.sum(dy, axis=rest).reshape(self.weights[-1].shape))
        dx = r * (g - np.mean(g, axis=axes, keepdims=True)
                  - xhat * np.mean(g * xhat, axis=axes, keepdims=True))
        return dx, grads

    def param_formula(self):
        n = int(np.prod(self.weights[0].shape)) if self.weights else 0
        parts = (["gamma"] if self.has_gamma else []) + (["beta"] if self.has_beta else [])
        if not parts:
            return None
        return f"{len(parts)}·d = {len(parts)}·{n} = {len(parts) * n:,}"

    def describe(self):
        return "rms_scaling" if self.rms else f"epsilon={self.epsilon:g}"


class BatchNormalization(L.Layer):
    """At inference (what ``predict`` and the trace compute): ``(x - moving_mean) /
    sqrt(moving_variance + epsilon) * gamma + beta`` along ``axis``. In training (``fit``,
    gradients in training mode: Keras' ``model(x, training=True)``) the batch's own mean and
    (biased) variance over every axis but ``axis`` take the moving ones' place (with a mask,
    the unmasked positions' only: ``moments``), the backward pass goes through them
    (``train_backward``), and ``move`` moves the moving statistics towards them, each as
    Keras 3.15 and tf_keras 2.21 compute it."""

    class_name = "BatchNormalization"
    defaults = {"axis": -1, "momentum": 0.99, "epsilon": 1e-3, "center": True, "scale": True,
                "beta_initializer": "zeros", "gamma_initializer": "ones",
                "moving_mean_initializer": "zeros", "moving_variance_initializer": "ones"}
    #: the weights the optimizer does not move (Keras' non-trainable variables): training
    #: moves them by ``move`` instead
    statistics = ("moving_mean", "moving_variance")

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.epsilon = _number(self, "epsilon", least=0)
        self.momentum = float(_number(self, "momentum") or 0.0)
        self.center, self.scale = _flag(self, "center"), _flag(self, "scale")
        for key, off, said in (("renorm", False, "renorm"), ("virtual_batch_size", None, "a virtual_batch_size"),
                               ("mode", 0, "a Keras 1 mode other than 0")):
            if self.config.get(key, off) not in (off, None):
                raise LstmvizError(
                    f"layer '{name}' (BatchNormalization) has {said}, which lstmviz does not compute; "
                    "supported: BatchNormalization without it (renorm off, no virtual batches, Keras 1's mode 0)")
        axis = self.config["axis"]  # (Keras 2 writes a list of one: Keras 3 takes an int)
        if isinstance(axis, (list, tuple)) and len(axis) == 1 and is_whole(axis[0]):
            self.config["axis"] = axis[0]

    @property
    def timewise(self) -> bool:
        return bool(self.input_shapes) and _axes(self, len(self.input_shapes[0]), False) == (
            len(self.input_shapes[0]) - 1,)

    def elementwise(self, axis: int) -> bool:
        """At inference each number alone, by the moving statistics of its place along
        ``axis`` (the features): where the steps are not on that axis (a
        BatchNormalization(axis=1) of (batch, features, steps))."""
        return bool(self.input_shapes) and axis not in _axes(self, len(self.input_shapes[0]), False)

    def along_steps(self, axis: int) -> bool:
        """Its statistics per step position (its ``axis`` the steps'; at a fixed length)."""
        return bool(self.input_shapes) and axis in _axes(self, len(self.input_shapes[0]), False)

    @property
    def trains(self) -> bool:
        """Normalises by the batch's statistics in training: Keras' ``training and
        self.trainable`` (a layer frozen with ``trainable=False`` stays at inference)."""
        return self.config.get("trainable", True) is not False

    def training_refusal(self) -> str:
        """Why training through this layer is not computed here ("" where it is)."""
        if self.config.get("synchronized"):
            return (f"layer '{self.name}' (BatchNormalization) has synchronized=True (statistics across "
                    "devices, computed as E[x^2] - E[x]^2), which lstmviz does not compute in training; "
                    "supported: synchronized=False")
        return ""

    def weight_specs(self, input_shapes):
        s = tuple(input_shapes[0])
        shape = _param_shape(self, s, _axes(self, len(s), False))
        c = self.config
        return ([("gamma", shape, c["gamma_initializer"])] if self.scale else []) \
            + ([("beta", shape, c["beta_initializer"])] if self.center else []) \
            + [("moving_mean", shape, c["moving_mean_initializer"]),
               ("moving_variance", shape, c["moving_variance_initializer"])]

    def trainable_weights(self) -> list[np.ndarray]:
        """gamma and beta (those there are): what the optimizer moves."""
        return [w for n, w in zip(self.weight_names, self.weights) if n not in self.statistics]

    def compute_output_shapes(self, input_shapes):
        s = tuple(input_shapes[0])
        _axes(self, len(s), False)
        return [s]

    def _named(self, x):
        axes = _axes(self, x.ndim, False)
        return axes, {n: _broadcast(w, x.ndim, axes) for n, w in zip(self.weight_names, self.weights)}

    def _normalise(self, x, named, mean, variance):
        # tf.nn.batch_normalization's order of the products
        inv = np.float32(1) / np.sqrt(variance + np.float32(self.epsilon))
        if self.scale:
            inv = inv * named["gamma"]
        shift = (named["beta"] - mean * inv) if self.center else -mean * inv
        return x * inv + shift

    def forward(self, x):
        x = _float(x)
        _, named = self._named(x)
        return self._normalise(x, named, named["moving_mean"], named["moving_variance"])

    # -- training -------------------------------------------------------------------------
    def moments(self, x, mask):
        """The batch's mean and variance (biased), kept dims, over every axis but ``axis``:
        ``tf.nn.moments``; with a mask (one per position but the last axis), over the
        unmasked positions only: Keras 3's ``_moments`` (sums over the count + 1e-7),
        Keras 2's ``tf.nn.weighted_moments`` (over the count; 0 where it is 0)."""
        axes = _axes(self, x.ndim, False)
        rest = tuple(k for k in range(x.ndim) if k not in axes)
        if mask is None:
            mean = np.mean(x, axis=rest, keepdims=True, dtype=np.float32)
            return mean, np.mean(np.square(x - mean), axis=rest, keepdims=True, dtype=np.float32)
        if np.ndim(mask) != x.ndim - 1:
            raise LstmvizError(
                f"layer '{self.name}' (BatchNormalization) gets a mask of shape {L.fmt_shape(np.shape(mask))} "
                f"for its input {L.fmt_shape(x.shape)}; Keras takes a mask of one dimension less than the input")
        m = np.broadcast_to(np.expand_dims(np.asarray(mask, bool), -1), x.shape)
        count = np.sum(m.astype(np.float32), axis=rest, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.keras_major >= 3:
                denom = count + np.float32(1e-7)
                mean = np.sum(np.where(m, x, np.float32(0)), axis=rest, keepdims=True) / denom
                var = np.sum(np.square(np.where(m, x - mean, np.float32(0))), axis=rest, keepdims=True) / denom
                return mean.astype(np.float32), var.astype(np.float32)
            w = m.astype(np.float32)
            mean = np.where(count > 0, np.sum(w * x, axis=rest, keepdims=True) / count, np.float32(0))
            var = np.sum(w * np.square(x - mean), axis=rest, keepdims=True)
            return mean.astype(np.float32), np.where(count > 0, var / count, np.float32(0)).astype(np.float32)

    def train_call(self, x, mask):
        """``(output, (mean, variance))`` in training: normalised by the batch's moments."""
        x = _float(x)
        _, named = self._named(x)
        mean, var = self.moments(x, mask)
        return self._normalise(x, named, mean, var), (mean, var)

    def move(self, moments) -> None:
        """Move the moving statistics towards a batch's ``(mean, variance)`` as Keras' update
        after a training batch: Keras 3 ``moving * momentum + batch * (1 - momentum)``, Keras 2
        (``_assign_moving_average``) ``moving - (moving - batch) * (1 - momentum)``."""
        names = self.weight_names
        m, d = np.float32(self.momentum), np.float32(1.0 - self.momentum)
        for stat, batch in zip(self.statistics, moments):
            k = names.index(stat)
            old = self.weights[k]
            new = batch.reshape(old.shape).astype(np.float32)
            # (in place: a run's lists of the model's arrays stay its arrays)
            old[...] = (old * m + new * d) if self.keras_major >= 3 else (old - (old - new) * d)

    def train_backward(self, x, dy, mask, moments):
        """``(dx, [dgamma, dbeta])`` in training: the full batch-norm backward, through the
        batch's mean and variance (which every position of the batch feeds, a masked one
        not)."""
        x, dy = _float(x), _float(dy)
        axes, named = self._named(x)
        rest = tuple(k for k in range(x.ndim) if k not in axes)
        mean, var = moments
        r = np.float32(1) / np.sqrt(var + np.float32(self.epsilon))
        g = named["gamma"] if self.scale else np.float32(1)
        xc = x - mean
        d_inv = np.sum(dy * xc, axis=rest, keepdims=True)   # inv = r * gamma
        d_var = d_inv * g * np.float32(-0.5) * r ** 3
        d_mean = -np.sum(dy, axis=rest, keepdims=True) * r * g
        if mask is None:
            n = np.float32(np.prod([x.shape[a] for a in rest]))
            dx = dy * (r * g) + d_mean / n + d_var * np.float32(2) * xc / n
        else:
            w = np.broadcast_to(np.expand_dims(np.asarray(mask, bool), -1), x.shape).astype(np.float32)
            count = np.sum(w, axis=rest, keepdims=True)
            denom = count + np.float32(1e-7) if self.keras_major >= 3 else count
            with np.errstate(invalid="ignore", divide="ignore"):
                d_mean = d_mean + d_var * np.float32(-2) * np.sum(w * xc, axis=rest, keepdims=True) / denom
                dx = dy * (r * g) + w * (d_mean + d_var * np.float32(2) * xc) / denom
            if self.keras_major < 3:
                dx = np.where(count > 0, dx, dy * (r * g))
        return dx.astype(np.float32), self._weight_grads(dy, xc * r, rest)

    def backward(self, x, y, dy, mask):
        """At inference (the moving statistics, constants): ``dy * gamma / sqrt(moving_variance
        + epsilon)``."""
        x, dy = _float(x), _float(dy)
        axes, named = self._named(x)
        rest = tuple(k for k in range(x.ndim) if k not in axes)
        r = np.float32(1) / np.sqrt(named["moving_variance"] + np.float32(self.epsilon))
        g = named["gamma"] if self.scale else np.float32(1)
        return dy * (r * g), self._weight_grads(dy, (x - named["moving_mean"]) * r, rest)

    def _weight_grads(self, dy, xhat, rest):
        shape = self.weights[0].shape
        return ([np.sum(dy * xhat, axis=rest).reshape(shape)] if self.scale else []) \
            + ([np.sum(dy, axis=rest).reshape(shape)] if self.center else [])

    def param_formula(self):
        d = self.weights[0].size if self.weights else 0
        k = len(self.weights)
        return f"{k}·d = {k}·{d} = {k * d:,} ({2 * d:,} moving statistics, not moved by the optimizer)"

    def describe(self):
        return f"epsilon={self.epsilon:g}, moving statistics"


# -- activation layers ------------------------------------------------------------------------
class _ActivationLayer(L.Layer):
    @property
    def timewise(self) -> bool:
        """Each element on its own (a long input's windows follow it)."""
        return True

    def elementwise(self, axis: int) -> bool:
        """Each number alone (a ReLU, LeakyReLU, ELU; not a Softmax, a share of an axis')."""
        return not isinstance(self, Softmax)


class ReLU(_ActivationLayer):
    """Keras' ``relu(x, negative_slope, max_value, threshold)``: ``x`` above ``threshold``
    (at most ``max_value``), ``negative_slope * (x - threshold)`` below it."""

    class_name = "ReLU"
    defaults = {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.max_value = _number(self, "max_value", least=0, none=True)
        self.slope = _number(self, "negative_slope", least=0)
        self.threshold = _number(self, "threshold", least=0)

    def forward(self, x):
        # the ops of Keras' ReLU.static_call (and Keras 2's backend.relu), in their order
        x = _float(x)
        slope, top, thr = np.float32(self.slope), self.max_value, np.float32(self.threshold)
        if self.slope != 0:
            if top is None and self.threshold == 0:
                return np.where(x > 0, x, x * slope)
            negative = np.maximum(-x + thr, np.float32(0)) if self.threshold != 0 else np.maximum(-x, np.float32(0))
        clip = top is not None
        if self.threshold != 0:
            y = x * (x > thr).astype(np.float32)
        elif top == 6:
            y, clip = np.clip(x, np.float32(0), np.float32(6)), False
        else:
            y = np.maximum(x, np.float32(0))
        if clip:
            y = np.clip(y, np.float32(0), np.float32(top))
        if self.slope != 0:
            y = y - slope * negative
        return y

    def backward(self, x, y, dy, mask):
        x = _float(x)
        slope, top, thr = np.float32(self.slope), self.max_value, np.float32(self.threshold)
        if self.slope != 0 and top is None and self.threshold == 0:
            return np.where(x > 0, dy, dy * slope), []
        # before the clip: x * (x > threshold), relu6 or relu; TensorFlow's kinks
        if self.threshold != 0:
            inner, passed = x * (x > thr), (x > thr)
        elif top == 6:
            inner, passed, top = x, (x > 0) & (x < 6), None
        else:
            inner, passed = np.maximum(x, np.float32(0)), x > 0
        if top is not None:  # clip_by_value passes its closed interval
            passed = passed & (inner >= 0) & (inner <= np.float32(top))
        dx = dy * passed.astype(np.float32)
        if self.slope != 0:
            dx = dx + slope * dy * ((-x + thr) > 0).astype(np.float32)
        return dx, []

    def nonnegative(self, inputs: list[bool]) -> bool:
        """0 or x above a threshold >= 0 (at most ``max_value``), without a negative slope;
        a slope keeps a number's sign."""
        return self.slope == 0 or (bool(inputs) and all(inputs))

    def describe(self):
        bits = [f"max_value={self.max_value:g}"] if self.max_value is not None else []
        bits += [f"negative_slope={self.slope:g}"] if self.slope else []
        bits += [f"threshold={self.threshold:g}"] if self.threshold else []
        return ", ".join(bits)


class LeakyReLU(_ActivationLayer):
    """``x`` above 0, ``negative_slope * x`` below (Keras 2 and 1 call it ``alpha``)."""

    class_name = "LeakyReLU"
    keeps_sign = True  # (a positive slope keeps a negative number negative)

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        config = dict(config or {})
        if "negative_slope" not in config:
            config["negative_slope"] = config.get("alpha", 0.3)
        config.pop("alpha", None)
        super().__init__(name, config, keras_major, class_name)
        self.slope = _number(self, "negative_slope", least=0)

    def forward(self, x):
        x = _float(x)
        return np.where(x > 0, x, x * np.float32(self.slope))

    def backward(self, x, y, dy, mask):
        return np.where(_float(x) > 0, dy, dy * np.float32(self.slope)), []

    def describe(self):
        return f"negative_slope={self.slope:g}"


class ELU(_ActivationLayer):
    """``x`` above 0, ``alpha * (exp(x) - 1)`` below. (Keras 3's ELU does not save its
    ``alpha``: its files open with 1.0, as Keras' own ``load_model`` opens them.)"""

    class_name = "ELU"
    defaults = {"alpha": 1.0}

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.alpha = _number(self, "alpha")

    def _elu(self, x):
        return np.where(x > 0, x, np.expm1(np.minimum(x, np.float32(0))))

    def forward(self, x):
        x = _float(x)
        res = self._elu(x)
        return res if self.alpha == 1 else np.where(x > 0, res, np.float32(self.alpha) * res)

    def backward(self, x, y, dy, mask):
        x = _float(x)
        res = self._elu(x)
        d = np.where(res < 0, res + np.float32(1), np.float32(1))  # TensorFlow's EluGrad
        if self.alpha != 1:
            d = np.where(x > 0, d, np.float32(self.alpha) * d)
        return dy * d, []

    def describe(self):
        return f"alpha={self.alpha:g}"


class Softmax(_ActivationLayer):
    """``exp(x) / sum(exp(x))`` over ``axis`` (an int or a list)."""

    class_name = "Softmax"
    defaults = {"axis": -1}

    def nonnegative(self, inputs: list[bool]) -> bool:
        return True

    def _axes(self, ndim):
        return _axes(self, ndim, True)

    @property
    def timewise(self) -> bool:
        return bool(self.input_shapes) and self._axes(len(self.input_shapes[0])) == (len(self.input_shapes[0]) - 1,)

    def stepwise(self, axis: int) -> bool:
        """A share of each step's features alone where the steps are on ``axis`` and its
        ``axis`` names only another (a Softmax(axis=1) of (batch, features, steps); not the
        default last axis, the steps' there)."""
        return bool(self.input_shapes) and _features_alone(self, self._axes(len(self.input_shapes[0])), axis)

    def along_steps(self, axis: int) -> bool:
        """A share over the steps (its ``axis`` takes in ``axis``: attention weights over time)."""
        return bool(self.input_shapes) and axis in self._axes(len(self.input_shapes[0]))

    def reads_every_step(self, axis: int) -> bool:
        """Its sum over the steps: each step's share reads them all."""
        return self.along_steps(axis)

    def reduced_axes(self, rank: int) -> tuple[int, ...]:
        """The axes it takes its shares over, of an input of ``rank``."""
        return self._axes(rank)

    @property
    def keeps_logits(self) -> bool:
        """Keras 3 keeps the logits of a softmax over one axis (``activations.softmax``),
        and its crossentropies take them: ``gradients._output_logits``."""
        return not isinstance(self.config["axis"], (list, tuple)) or len(self.config["axis"]) == 1

    def compute_output_shapes(self, input_shapes):
        self._axes(len(input_shapes[0]))
        return [tuple(input_shapes[0])]

    def call(self, inputs, masks, initial_state=None):
        if masks[0] is not None:
            raise L.MaskRefused(
                f"layer '{self.name}' (Softmax) gets the mask of a Masking or Embedding layer, which "
                "Keras lines up against its input's last axes; supported: a Softmax of an unmasked "
                "tensor (or Dense(activation='softmax'))")
        x = _float(inputs[0])
        e, m, total = self._parts(x)
        out = e / total
        # (over the steps: what each step's share reads of every step, its m and S, recorded:
        # the Cell view's step page, ``equations``; a long input's by the keyframe pass)
        stats = {"m": m, "S": total} if self.along_steps(1) and x.ndim == 3 else {}
        return [out], [None], LayerTrace(self.name, self.class_name, [out], stats=stats)

    def _parts(self, x):
        """exp(x - m), m (the largest x over ``axis``) and S (the sum of exp(x - m) over
        ``axis``), the reduced axes kept as 1."""
        axes = self._axes(x.ndim)
        m = np.max(x, axis=axes, keepdims=True)  # (a maximum: any order the same)
        e = np.exp(x - m)
        return e, m, _reduced(np.sum, e, axes)

    def forward(self, x):
        e, _, total = self._parts(_float(x))
        return e / total

    def equations(self) -> list[EquationTemplate]:
        """A Softmax over the steps' output number at step t as the Cell view prints it (its
        step page, ``app/step_ref.py`` fills the numbers in): unit u's share of its exp over
        every step of the sequence, less their largest first as Keras computes it
        (``softmax_over_steps``)."""
        return softmax_over_steps()

    def backward(self, x, y, dy, mask):
        axes = self._axes(y.ndim)
        return y * (dy - np.sum(dy * y, axis=axes, keepdims=True)), []

    def describe(self):
        return f"axis={self.config['axis']}"


#: Keras class name -> class (``layers.LAYER_CLASSES`` takes them)
MORE_CLASSES: dict[str, type[L.Layer]] = {
    c.class_name: c for c in (GlobalAveragePooling1D, GlobalMaxPooling1D, Permute, Cropping1D,
                              ZeroPadding1D, UpSampling1D, LayerNormalization, BatchNormalization,
                              ReLU, LeakyReLU, ELU, Softmax)}
