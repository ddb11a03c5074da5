"""Convolution and pooling over the steps: Keras' ``Conv1D``, ``MaxPooling1D`` and
``AveragePooling1D``, each layer described once here (config, weights, shapes, forward and
its exact backward), named in ``layers.LAYER_CLASSES`` (``CLASSES``).

As Keras (3 and 2) computes them, float32:

- ``Conv1D``: ``y[b, t, f] = act(sum_j sum_c xp[b, t*s + j*d, c] * W[j, c, f] + bias[f])``,
  ``W`` of shape ``(kernel_size, in // groups, filters)``, ``xp`` the input padded:
  ``valid`` not at all, ``causal`` ``d*(k-1)`` zeros before the first step, ``same`` as
  TensorFlow's SAME (``ceil(T/s)`` output steps, the padding's odd zero after the last
  step). ``groups`` splits the input's and the output's channels alike. Keras refuses
  ``strides > 1`` with ``dilation_rate > 1``; so does lstmviz.
- ``MaxPooling1D`` / ``AveragePooling1D``: the maximum / mean of ``pool_size`` steps every
  ``strides`` (default ``pool_size``); ``same`` pads as TensorFlow's SAME, a maximum never
  reads the padding and a mean divides by the steps it read.
- ``data_format="channels_first"``: (batch, channels, steps), the same computation.
- a mask reaching any of them is dropped (Keras 3 warns and "destroys the mask", tf.keras
  drops it): the layers after see every step.

Each layer runs in chunks of output steps, each chunk's input steps padded on their own
where they reach past the sequence's ends (never the whole input copied padded): a
100,000-step input costs its output, not 3 x its input. The convolution is one product per
chunk and group over ``sliding_window_view``'s windows; its backward is the same products
transposed. A chunk of a Conv1D holds ``chunk_steps`` output steps, a power of two of at
most ``recurrent.CUT`` (16), counted from step 0 (``CHUNK`` floats of windows copied at
most): BLAS sums a row of a product differently in products of different heights, so a
long input's window (``window``, ``engine/windows.py``) computes the very chunks of a whole
trace, and the first steps of a causal one traced alone (a multiple of 16) are the whole
sequence's, to the bit. A pooling is elementwise over its taps (each tap's step added or
compared in turn), so any chunk gives each step the same bits.

A layer of ``strides`` 1 and padding ``same`` or ``causal`` (channels last: ``keeps_steps``)
gives as many steps as it reads, step t reading input steps ``t - before .. t + after``
(``reach``). A long input's windows follow any one (``window``): output steps ``lo ..
hi-1`` read input steps ``reads_of(lo, hi)``, whatever its strides and padding; a
channels_first one where a Permute((2, 1)) put the steps on axis 2 (``engine/windows.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lstmviz.engine import activations, blas
from lstmviz.engine import derivatives as D
from lstmviz.engine.cells import EquationTemplate
from lstmviz.engine.layer_base import Layer
from lstmviz.engine.recurrent import CUT
from lstmviz.engine.step_equations import conv_equations, pool_equations, tap_index
from lstmviz.engine.trace import LayerTrace
from lstmviz.errors import LstmvizError, is_whole
from lstmviz.text import plural, safe_text

#: floats of windows copied for one product (16 MiB): a long input is convolved in chunks
CHUNK = 4 * 1024 * 1024
#: steps a window (a Conv1D's kernel_size x dilation_rate, a pool_size) may reach past its
#: input's steps: the input is padded by about that many (a 3 KB file asked for 10^9)
MAX_OVERHANG = 4096


def chunk_steps_of(width: int) -> int:
    """Output steps of a convolution's chunk whose windows' rows are ``width`` floats
    together (batch x a window row: (channels / groups) x taps): the largest power of two
    of at most ``CUT`` whose windows copy at most ``CHUNK`` floats (``Conv1D.chunk_steps``;
    an ONNX Conv's too, ``onnx_ops.window_part``)."""
    every = CUT
    while every > 1 and every * max(1, int(width)) > CHUNK:
        every //= 2
    return every


def _one(layer: Layer, key: str) -> int:
    """A config's size of one axis, as Keras takes it: a whole number >= 1, or a list of one."""
    value = layer.config.get(key)
    got = value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value
    if not (is_whole(got) and 1 <= got <= 2 ** 31 - 1):
        raise LstmvizError(f"layer '{layer.name}' ({layer.class_name}): {key} is "
                           f"{safe_text(repr(value), 60)}; accepted: a whole number from 1 (or a list of one)")
    return int(got)


def _choice(layer: Layer, key: str, accepted: tuple[str, ...]) -> str:
    """A config's word as Keras takes it (lower-cased: Keras' ``standardize_padding``)."""
    value = layer.config.get(key)
    word = value.lower() if isinstance(value, str) else value
    if word not in accepted:
        raise LstmvizError(f"layer '{layer.name}' ({layer.class_name}): {key} is "
                           f"{safe_text(repr(value), 60)}; accepted: {', '.join(accepted)}")
    return str(word)


def same_padding(steps: int, span: int, stride: int) -> tuple[int, int, int]:
    """(output steps, zeros before, zeros after) of TensorFlow's SAME padding."""
    out = -(-steps // stride)
    total = max((out - 1) * stride + span - steps, 0)
    return out, total // 2, total - total // 2


class WindowReads:
    """Which input steps a layer reading a window of ``taps`` taps ``dilation`` apart
    (``span`` steps) every ``stride`` steps reads, padded ``pads(steps)``: said once for
    Keras' Conv1D and poolings (``_OverSteps``) and an ONNX Conv, MaxPool or AveragePool
    (``onnx_layers.OnnxWindowOp``), each of which gives ``stride``, ``dilation``,
    ``taps``, ``span``, ``pads`` and ``steps_out``."""

    if TYPE_CHECKING:  # (read-only to these methods: a class attribute, or a property's)
        @property
        def stride(self) -> int: ...

        @property
        def dilation(self) -> int: ...

        @property
        def taps(self) -> int: ...

        @property
        def span(self) -> int: ...

    def pads(self, steps: int) -> tuple[int, int]:
        """(zeros before, zeros after) over an input of ``steps`` steps."""
        raise NotImplementedError

    def steps_out(self, steps: int) -> int:
        """Output steps of an input of ``steps`` steps."""
        raise NotImplementedError

    def reads_at(self, step, steps: int) -> np.ndarray:
        """(taps,) int: the input step each tap of output step ``step`` reads (-1: the
        padding, or past it: an ONNX pool's ceil_mode), ``read_steps``' row without the
        others (a long input's window asks one step of millions: ``app/step_ref.py``);
        ``step`` a column of steps gives their rows."""
        before, _ = self.pads(steps)
        idx = np.asarray(step) * self.stride + np.arange(self.taps) * self.dilation - before
        idx[(idx < 0) | (idx >= steps)] = -1
        return idx

    def read_index(self, steps: int) -> str:
        """Which input step tap ``k`` of output step ``t`` reads, as the equations write
        it: ``t·strides + k·dilation − padding before`` (``step_equations.tap_index``:
        ``2t+k-1``; ``read_steps`` the numbers), for an input of ``steps``."""
        return tap_index(self.stride, self.dilation, self.pads(steps)[0])

    def reads_of(self, lo: int, hi: int, steps: int) -> tuple[int, int]:
        """The input steps ``i0 .. i1-1`` output steps ``lo .. hi-1`` read, clipped to the
        sequence's ``steps`` (any strides and padding: output step t reads ``t*strides -
        zeros before`` on, ``span`` steps); ``reach`` generalised."""
        before, _ = self.pads(steps)
        return (max(0, lo * self.stride - before),
                max(0, min(steps, (hi - 1) * self.stride + self.span - before)))

    def chunks_read(self, lo: int, hi: int, steps: int, every: int | None) -> tuple[int, int, int, int]:
        """(a, b, i0, i1) of a long input's window of output steps ``lo .. hi-1``: the
        output steps ``a .. b-1`` a whole trace computes them in (whole chunks of ``every``
        output steps counted from step 0, ``chunk_steps_of``; ``lo .. hi-1`` where
        ``every`` is None: any chunk the same bits) and the input steps ``i0 .. i1-1``
        those read (``reads_of``), so that a window's numbers are a whole trace's to the
        bit (``window``)."""
        a, b = (lo, hi) if every is None else (lo // every * every, min(self.steps_out(steps), -(-hi // every) * every))
        return (a, b, *self.reads_of(a, b, steps))


class _OverSteps(WindowReads, Layer):
    """What Conv1D and the poolings share: a window of ``span`` steps every ``stride``,
    padded by ``padding``, over (batch, steps, channels) or channels first."""

    passes_mask = False  # (Keras: "this layer does not support masking ... will destroy the mask")
    PADDINGS: tuple[str, ...] = ("valid", "same")

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.padding = _choice(self, "padding", self.PADDINGS)
        fmt = self.config.get("data_format") or "channels_last"  # (Keras: None is the default)
        self.config["data_format"] = fmt
        self.channels_first = _choice(self, "data_format", ("channels_last", "channels_first")) == "channels_first"

    # the window (Conv1D: kernel_size and dilation_rate; pooling: pool_size)
    span: int = 1
    stride: int = 1
    #: what it does to the steps it reads, in a user's words ("it convolves each step's features")
    verb = "convolves"

    @property
    def own_clock(self) -> bool:
        """Steps of its own, whatever its strides and padding (``Layer.own_clock``)."""
        return True

    def _steps_axis(self) -> int:
        return 2 if self.channels_first else 1

    def _channels(self, shape) -> int | None:
        return shape[1] if self.channels_first else shape[2]

    def out_steps(self, steps: int | None) -> int | None:
        """Output steps of an input of ``steps`` (None: unknown); refused when a ``valid``
        window does not fit."""
        if steps is None:
            return None
        if self.span > steps + MAX_OVERHANG:  # (padded by about the window: 10^9 zeros allocated)
            raise LstmvizError(
                f"layer '{self.name}' ({self.class_name}) reads windows of {plural(self.span, 'step', sep=',')} "
                f"over an input of {plural(steps, 'step', sep=',')}; supported: windows of at most "
                f"{MAX_OVERHANG:,} steps more than the input has")
        if self.padding == "same":
            return same_padding(steps, self.span, self.stride)[0]
        if self.padding == "causal":
            return -(-steps // self.stride)
        if steps < self.span:
            raise LstmvizError(
                f"layer '{self.name}' ({self.class_name}) reads windows of {plural(self.span, 'step')} "
                f"with padding 'valid' but gets {plural(steps, 'step')}; give at least {self.span} "
                "or use padding 'same'")
        return (steps - self.span) // self.stride + 1

    def steps_out(self, steps: int) -> int:
        """``out_steps`` of a known number of steps."""
        n = self.out_steps(steps)
        assert n is not None
        return n

    def pads(self, steps: int) -> tuple[int, int]:
        if self.padding == "same":
            return same_padding(steps, self.span, self.stride)[1:]
        if self.padding == "causal":
            return self.span - 1, 0
        return 0, 0

    #: taps of a window (a pooling's steps; a Conv1D's kernel_size, ``dilation`` apart)
    taps: int = 1
    dilation: int = 1

    def read_steps(self, steps: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """(output steps, taps) int: the input step each tap of each output step reads, -1
        where it reads the padding: output step t reads ``t*strides + j*dilation - zeros
        before`` (the Unrolled view draws these connections); output steps ``lo .. hi-1``
        alone where given (a long input's window: not a row of every step made)."""
        n = self.steps_out(steps)
        hi = n if hi is None else min(int(hi), n)
        return self.reads_at(np.arange(max(0, int(lo)), max(int(lo), hi))[:, None], steps)

    def compute_output_shapes(self, input_shapes):
        s = input_shapes[0]
        self._need_rank(s, 3, "an input (batch, steps, channels)" if not self.channels_first
                        else "an input (batch, channels, steps)")
        ax = self._steps_axis()
        out = list(s)
        out[ax] = self.out_steps(s[ax])
        out[3 - ax] = self._out_channels(self._channels(s))
        return [tuple(out)]

    def _out_channels(self, channels):
        return channels

    def _steps_last(self, x) -> np.ndarray:
        """(batch, steps, channels) float32, whatever the data format."""
        x = np.asarray(x, np.float32)
        return x.transpose(0, 2, 1) if self.channels_first else x

    def _back(self, y):
        return np.ascontiguousarray(y.transpose(0, 2, 1)) if self.channels_first else y

    def call(self, inputs, masks, initial_state=None):
        x = inputs[0]
        if np.ndim(x) != 3:
            self._need_rank(np.shape(x), 3, "an input")
        out = self._back(self.forward_steps(self._steps_last(x)))
        return [out], [None], LayerTrace(self.name, self.class_name, [out])

    def forward_steps(self, x):
        raise NotImplementedError

    def backward(self, x, y, dy, mask=None):
        """(dL/dx, [dL/d weight ...]) for the output ``y`` of input ``x`` (as called); ``mask``
        unused (a mask stops here)."""
        dx, grads = self.backward_steps(self._steps_last(x), self._steps_last(y), self._steps_last(dy))
        return self._back(dx), grads

    def backward_steps(self, x, y, dy):
        raise NotImplementedError

    @property
    def keeps_steps(self) -> bool:
        """As many output steps as input steps, output step t reading input steps around t
        (``reach``): strides 1, padding ``same`` or ``causal`` (or a window of one step),
        channels last."""
        return (self.stride == 1 and not self.channels_first
                and (self.padding in ("same", "causal") or self.span == 1))

    def changes_steps(self) -> str:
        """How this layer changes the steps, in a user's words ("" where it keeps them:
        ``keeps_steps``)."""
        if self.channels_first:
            return "reads its steps on its last axis (channels_first)"
        if self.stride > 1:
            return f"gives one step of every {self.stride} (strides {self.stride})"
        if self.padding == "valid" and self.span > 1:
            return f"gives {self.span - 1} steps fewer than it reads (padding 'valid')"
        return ""

    def reach(self) -> tuple[int, int]:
        """(before, after): output step t of a layer that ``keeps_steps`` reads input steps
        ``t - before .. t + after`` (the padding's zeros before and after, whatever the
        steps: stride 1)."""
        return self.pads(self.span)

    def chunk_steps(self, batch: int) -> int | None:
        """Output steps of a chunk whose numbers depend on the chunk (a Conv1D's products:
        ``Conv1D.chunk_steps``); None: any chunk gives each step the same bits."""
        return None

    def window(self, read, lo: int, hi: int, steps: int, batch: int) -> np.ndarray:
        """Output steps ``lo .. hi-1`` (of its own steps: ``out_steps``) of this layer over
        an input of ``steps`` steps (a long input's window, ``engine/windows._Window``),
        any strides and padding, ``read(i0, i1)`` giving the input's steps ``i0 .. i1-1``
        (channels first: on axis 2, a Permute((2, 1))'s, the output's there too): the input
        steps the outputs read (``reads_of``), padded at the sequence's own ends as the layer
        pads them, computed in the very chunks of a whole trace (``chunk_steps``, from
        output step 0), so to the bit the same steps of ``call`` over the whole input."""
        a, b, i0, i1 = self.chunks_read(lo, hi, steps, self.chunk_steps(batch))
        x = self._steps_last(read(i0, i1))  # (as ``call`` turns a channels_first input)
        with np.errstate(invalid="ignore", over="ignore"):  # (as ``layers.run_layer``)
            y = self.forward_part(x, i0, steps, a, b)
        return self._back(y[:, lo - a:hi - a])

    def _input_part(self, x, first: int, steps: int, lo: int, hi: int, fill: float) -> np.ndarray:
        """Padded input steps ``lo .. hi-1`` (before step 0 and from ``steps`` on: the
        padding, ``fill``) of an input of ``steps`` steps whose steps ``first ..`` ``x``
        holds."""
        part = np.full((x.shape[0], hi - lo, x.shape[2]), fill, np.float32)
        a, b = max(lo, 0), min(hi, steps)
        if b > a:
            part[:, a - lo:b - lo] = x[:, a - first:b - first]
        return part

    def forward_part(self, x, first: int, steps: int, a: int, b: int) -> np.ndarray:
        """Output steps ``a .. b-1`` (channels last) of an input of ``steps`` steps, from
        ``x`` holding its steps ``first ..`` (at least those the outputs read), a chunk of
        ``chunk_steps`` at a time from ``a``."""
        raise NotImplementedError

    def _chunks(self, x, first: int, steps: int, a: int, b: int, every: int, fill: float):
        """(c0, c1, the windows of output steps c0 .. c1-1: (batch, c1 - c0, channels,
        span)), chunk by chunk from ``a``: views of ``x``'s windows, but where a chunk
        reads the padding (its input steps padded on their own)."""
        before, _ = self.pads(steps)
        s, span = self.stride, self.span
        inner = sliding_window_view(x, span, axis=1) if x.shape[1] >= span else None
        for c0 in range(a, b, every):
            c1 = min(b, c0 + every)
            lo, hi = c0 * s - before, (c1 - 1) * s + span - before  # (the input steps they read)
            if inner is not None and lo >= 0 and hi <= steps:
                yield c0, c1, inner[:, lo - first:lo - first + (c1 - c0 - 1) * s + 1:s]
            else:
                part = self._input_part(x, first, steps, lo, hi, fill)
                yield c0, c1, sliding_window_view(part, span, axis=1)[:, ::s][:, :c1 - c0]

    def _padded(self, x, fill=0.0):
        before, after = self.pads(x.shape[1])
        if not before and not after:
            return x
        return np.pad(x, ((0, 0), (before, after), (0, 0)), constant_values=np.float32(fill))

    def _windows(self, xp, n, dilation=1):
        """(batch, n, channels, taps): the window of each of the ``n`` output steps."""
        return sliding_window_view(xp, self.span, axis=1)[:, ::self.stride][:, :n, :, ::dilation]

    def _chunk(self, batch, width) -> int:
        return max(1, CHUNK // max(1, batch * width))


class Conv1D(_OverSteps):
    """Keras' ``Conv1D`` (``Convolution1D``)."""

    class_name = "Conv1D"
    activated = True
    required = ("filters", "kernel_size")
    PADDINGS = ("valid", "same", "causal")
    defaults = {"strides": 1, "padding": "valid", "data_format": "channels_last", "dilation_rate": 1,
                "groups": 1, "activation": "linear", "use_bias": True,
                "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros"}

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.filters = _one(self, "filters")
        self.kernel_size = _one(self, "kernel_size")
        self.stride = _one(self, "strides")
        self.dilation = _one(self, "dilation_rate")
        self.groups = _one(self, "groups")
        if self.stride > 1 and self.dilation > 1:
            raise LstmvizError(
                f"layer '{name}' (Conv1D): strides {self.stride} with dilation_rate {self.dilation}; "
                "accepted, as Keras: strides > 1 or dilation_rate > 1, not both")
        if self.filters % self.groups:
            raise LstmvizError(
                f"layer '{name}' (Conv1D): filters {self.filters} are not a multiple of groups "
                f"{self.groups}; accepted, as Keras: filters divisible by groups")
        self.span = self.dilation * (self.kernel_size - 1) + 1
        self.taps = self.kernel_size
        self.act = activations.get(self.config["activation"], keras_major)
        # (as Keras' get_config() writes them: a tuple of one, a list in JSON)
        self.config.update(kernel_size=[self.kernel_size], strides=[self.stride], dilation_rate=[self.dilation])

    def _out_channels(self, channels):
        return self.filters

    def reads_whole_axis(self, axis: int) -> bool:
        """Its channels' axis (``Layer.reads_whole_axis``): 1 where channels_first, else 2."""
        return axis == (1 if self.channels_first else 2)

    def weight_specs(self, input_shapes):
        s = input_shapes[0]
        self._need_rank(s, 3, "an input")
        c = self._channels(s)
        if c is None:
            raise LstmvizError(f"layer '{self.name}' (Conv1D) needs a known number of input channels")
        if c % self.groups:
            raise LstmvizError(
                f"layer '{self.name}' (Conv1D): its input's {plural(c, 'channel')} are not a multiple "
                f"of groups {self.groups}; accepted, as Keras: channels divisible by groups")
        specs = [("kernel", (self.kernel_size, c // self.groups, self.filters),
                  self.config["kernel_initializer"])]
        if self.config["use_bias"]:
            specs.append(("bias", (self.filters,), self.config["bias_initializer"]))
        return specs

    def _group_kernels(self) -> list[np.ndarray]:
        """Per group, the kernel as a (channels·taps, filters) matrix, the windows' order."""
        W = self.weights[0]
        k, cg, f = W.shape
        fg = f // self.groups
        return [np.ascontiguousarray(W[:, :, g * fg:(g + 1) * fg].transpose(1, 0, 2).reshape(cg * k, fg))
                for g in range(self.groups)]

    def chunk_steps(self, batch: int) -> int:
        """Output steps of a chunk (one product per group): the largest power of two of at
        most ``CUT`` whose windows copy at most ``CHUNK`` floats. A window of a long input
        computes whole chunks counted from step 0, and a causal layer's first steps traced
        alone (a multiple of ``CUT``) make its first chunks: the same products, the same bits."""
        return chunk_steps_of(batch * self.weights[0].shape[1] * self.kernel_size)  # (a window row: (c/g)·k)

    def _z(self, x) -> np.ndarray:
        """The sums before the activation, (batch, out steps, filters)."""
        T = x.shape[1]
        return self._z_part(x, 0, T, 0, self.steps_out(T))

    def _z_part(self, x, first: int, steps: int, a: int, b: int) -> np.ndarray:
        """Output steps ``a .. b-1``' sums before the activation (``forward_part``)."""
        B, _, C = x.shape
        z = np.empty((B, b - a, self.filters), np.float32)
        cg, fg, k = C // self.groups, self.filters // self.groups, self.kernel_size
        kernels = self._group_kernels()
        with blas.single_threaded():  # (products of a few rows: OpenBLAS's threads only wait)
            for c0, c1, win in self._chunks(x, first, steps, a, b, self.chunk_steps(B), 0.0):
                win = win[..., ::self.dilation]
                for g, Wg in enumerate(kernels):
                    # (rows copied whole whatever the input's layout, a channels_first one's
                    # transposed view or a window's, or a reshape's view: the same BLAS call)
                    cols = np.ascontiguousarray(win[:, :, g * cg:(g + 1) * cg].reshape(B * (c1 - c0), cg * k))
                    z[:, c0 - a:c1 - a, g * fg:(g + 1) * fg] = (cols @ Wg).reshape(B, c1 - c0, fg)
        if self.config["use_bias"]:
            z += self.weights[1]
        return z

    def forward_part(self, x, first, steps, a, b):
        z = self._z_part(x, first, steps, a, b)
        return self.act(z, out=z)

    def forward_steps(self, x):
        z = self._z(x)
        return self.act(z, out=z)

    def equations(self, steps: int) -> list[EquationTemplate]:
        """What one output number is, as the Cell view prints it (see ``layers.Dense``'s,
        whose form it shares: ``step_equations.dense_equations``): ``y_t[f] = act(Σₖ
        W_k[:,f]·x_{t+k} + b[f])`` for an input of ``steps``; the fields ``{w0}``,
        ``{w1}``, ... each tap's ``W_k[:,f]·x`` (0 where it reads the padding), or
        ``{wx}`` their sum past ``step_equations.TERMS_MAX`` taps, ``{b}``, ``{pre}``, ``{y}``."""
        return conv_equations(self.config, self.read_index(steps), self.kernel_size, self.groups)

    def backward_steps(self, x, y, dy):
        z = None if self.act in D.FROM_OUTPUT else self._z(x)
        dz = np.asarray(D.grad(self.act, z, y, dy), np.float32)
        B, T, C = x.shape
        n = dz.shape[1]
        before, after = self.pads(T)
        xp = self._padded(x)
        win = self._windows(xp, n, self.dilation)
        cg, fg, k = C // self.groups, self.filters // self.groups, self.kernel_size
        kernels = self._group_kernels()
        dW = [np.zeros((cg * k, fg), np.float32) for _ in kernels]
        dxp = np.zeros(xp.shape, np.float32)
        d, s = self.dilation, self.stride
        step = self._chunk(B, cg * k)
        for a in range(0, n, step):
            b = min(n, a + step)
            for g, Wg in enumerate(kernels):
                dzg = dz[:, a:b, g * fg:(g + 1) * fg].reshape(B * (b - a), fg)
                cols = win[:, a:b, g * cg:(g + 1) * cg].reshape(B * (b - a), cg * k)
                dW[g] += cols.T @ dzg
                dcols = (dzg @ Wg.T).reshape(B, b - a, cg, k)
                for j in range(k):  # tap j of output step t read padded step t*s + j*d
                    first = a * s + j * d
                    dxp[:, first:first + (b - a - 1) * s + 1:s, g * cg:(g + 1) * cg] += dcols[..., j]
        kernel = np.concatenate([w.reshape(cg, k, fg).transpose(1, 0, 2) for w in dW], axis=2)
        grads = [np.ascontiguousarray(kernel)]
        if self.config["use_bias"]:
            grads.append(dz.sum(axis=(0, 1)))
        return dxp[:, before:before + T], grads

    def param_formula(self):
        k, cg, f = self.weights[0].shape
        letters = "k·(c/g)·f" if self.groups > 1 else "k·c·f"
        bias = (" + f", f" + {f}", f) if self.config["use_bias"] else ("", "", 0)
        return f"{letters}{bias[0]} = {k}·{cg}·{f}{bias[1]} = {k * cg * f + bias[2]:,}"

    def describe(self):
        bits = [plural(self.filters, "filter"), f"kernel {self.kernel_size}"]
        if self.stride > 1:
            bits.append(f"strides {self.stride}")
        if self.dilation > 1:
            bits.append(f"dilation {self.dilation}")
        if self.padding != "valid":
            bits.append(self.padding)
        if self.groups > 1:
            bits.append(f"groups {self.groups}")
        act = self.config["activation"]
        if act not in (None, "linear"):
            bits.append(str(act))
        if self.channels_first:
            bits.append("channels_first")
        return ", ".join(bits)


class _Pooling1D(_OverSteps):
    keeps_sign = True  # (the max or the mean of its inputs' numbers, its padding left out)
    verb = "pools"
    defaults = {"pool_size": 2, "strides": None, "padding": "valid", "data_format": "channels_last"}

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        self.span = self.taps = _one(self, "pool_size")
        self.stride = self.span if self.config.get("strides") is None else _one(self, "strides")
        self.config.update(pool_size=[self.span], strides=[self.stride])  # (Keras' get_config())

    def stepwise(self, axis: int) -> bool:
        """A channels_first pooling whose steps are on ``axis`` 1, its channels (a (batch, steps,
        features) input with no Permute before it): it pools each step's features alone, tap
        after tap (each step's bits whatever the others, ``Layer.stepwise``), its output
        keeping the steps as its channels, so a long input's windows follow it as a per-step
        layer (``windows._plan``), not on a clock of its own."""
        return self.channels_first and axis == 1

    def describe(self):
        bits = [f"pool {self.span}"] + ([f"strides {self.stride}"] if self.stride != self.span else [])
        return ", ".join(bits + ([self.padding] if self.padding != "valid" else [])
                         + (["channels_first"] if self.channels_first else []))

    #: a pool's padding (a maximum never reads it)
    FILL = 0.0

    def forward_steps(self, x):
        T = x.shape[1]
        return self.forward_part(x, 0, T, 0, self.steps_out(T))

    def forward_part(self, x, first, steps, a, b):
        B, _, C = x.shape
        out = np.empty((B, b - a, C), np.float32)
        every = max(1, CHUNK // max(1, B * C * self.span))  # (an edge's padded copy: at most CHUNK floats)
        for c0, c1, win in self._chunks(x, first, steps, a, b, every, self.FILL):
            part = out[:, c0 - a:c1 - a]
            part[...] = win[..., 0]
            for j in range(1, self.span):  # (tap after tap: each step's bits whatever the chunk)
                self._fold(part, win[..., j])
        return self._finish(out, steps, a, b)

    def _fold(self, acc, tap) -> None:
        raise NotImplementedError

    #: what it takes of a window's numbers, as its equation writes it ("max", "mean")
    TAKES = ""

    def equations(self, steps: int, reads: list[bool] | None = None) -> list[EquationTemplate]:
        """What one output number is, as the Cell view prints it: ``y_t[c]`` the largest
        (the mean) of channel c over the window's steps, for an input of ``steps``; the
        fields ``{x0}``, ``{x1}``, ... each tap's number, of the taps that read a step
        (``reads``: the padding is never read, a mean divides by the steps read), ``{sum}``
        (a mean's, added tap after tap as the layer adds them) and ``{y}``."""
        reads = [True] * self.taps if reads is None else list(reads)
        note = "the padding not read" if self.padding == "same" else ""
        return pool_equations(self.TAKES, self.read_index(steps), self.taps, reads, note)

    def _finish(self, out, steps: int, a: int, b: int) -> np.ndarray:
        return out


class MaxPooling1D(_Pooling1D):
    class_name = "MaxPooling1D"
    FILL = -np.inf
    TAKES = "max"

    def _fold(self, acc, tap) -> None:
        np.maximum(acc, tap, out=acc)

    def backward_steps(self, x, y, dy):
        # the gradient of each window goes to the step its maximum came from (the first of equals)
        B, T, C = x.shape
        n = dy.shape[1]
        before, _ = self.pads(T)
        xp = self._padded(x, -np.inf)
        where = self._windows(xp, n).argmax(axis=-1)  # (batch, n, channels): a tap
        dxp = np.zeros(xp.shape, np.float32)
        b_i, t_i, c_i = np.indices(where.shape, sparse=True)
        np.add.at(dxp, (b_i, t_i * self.stride + where, c_i), dy)
        return dxp[:, before:before + T], []


class AveragePooling1D(_Pooling1D):
    class_name = "AveragePooling1D"
    TAKES = "mean"

    def _fold(self, acc, tap) -> None:
        np.add(acc, tap, out=acc)

    def _finish(self, out, steps, a, b):
        out /= self._counts(steps, a, b)
        return out

    def _counts(self, T, a, b) -> np.ndarray:
        """(b - a, 1): how many input steps the windows of output steps ``a .. b-1`` read
        (fewer at a same padding's ends)."""
        before, _ = self.pads(T)
        first = np.arange(a, b) * self.stride - before
        read = np.minimum(first + self.span, T) - np.maximum(first, 0)
        return read.astype(np.float32)[:, None]

    def backward_steps(self, x, y, dy):
        B, T, C = x.shape
        n = dy.shape[1]
        before, after = self.pads(T)
        share = (dy / self._counts(T, 0, n)).astype(np.float32)
        dxp = np.zeros((B, T + before + after, C), np.float32)
        for j in range(self.span):
            dxp[:, j:j + (n - 1) * self.stride + 1:self.stride] += share
        return dxp[:, before:before + T], []


#: the classes this module describes, by Keras class name (in ``layers.LAYER_CLASSES``)
CLASSES: dict[str, Any] = {"Conv1D": Conv1D, "MaxPooling1D": MaxPooling1D, "AveragePooling1D": AveragePooling1D}
