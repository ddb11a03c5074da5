"""The base every engine layer is built on: ``Layer`` (config with Keras' defaults, weight
shapes and their checks, ``build`` from a seed or given weights, ``call``), and the helpers
its checks use (``fmt_shape``, ``check_float32``). ``layers.py`` (the Keras layers a
recurrent model is made of) and ``layers_more.py`` (the layers around them) both build on
it; ``layers.py`` names everything here too, where it always was.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmviz.engine import initializers
from lstmviz.engine.activations import NONNEGATIVE
from lstmviz.engine.trace import LayerTrace
from lstmviz.errors import LstmvizError, within_float32

Shape = tuple  # of int | None, batch first


#: what a number past float32 is told, in a file or an array (a float64 one became infinity
#: in the model's float32, and was said to be "NaN or infinity" of finite numbers)
BEYOND_FLOAT32 = "beyond float32's range (\u00b13.4e38), the numbers a model takes; scale it down"


class MaskRefused(LstmvizError):
    """A layer given a mask it cannot take (a Softmax's, which Keras lines up against its
    input's last axes): what ``windows.check_masks`` looks for in a trace of an input's first
    steps, before a long input's pass."""


def check_float32(arr: np.ndarray, what: str) -> None:
    """Refuse a wider float than float32 holding a finite number past float32's range (it
    would become infinity in the model, then be said to be "NaN or infinity" of finite
    numbers): ``what`` ("x.npy: holds", "the input holds") and the number, in one line."""
    if np.issubdtype(arr.dtype, np.floating) and arr.itemsize > 4:  # (float64: a CSV's, a file's, an array's)
        big = np.isfinite(arr) & ~within_float32(arr)
        if big.any():
            at = tuple(int(i) for i in np.argwhere(big)[0])
            raise LstmvizError(f"{what} {float(arr[at]):.8g} (first at index {at}), {BEYOND_FLOAT32}")


def fmt_shape(shape) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(fmt_shape(s) for s in shape) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


class Layer:
    """Base: a layer with no weights that passes its input's mask through."""

    class_name = "Layer"
    defaults: dict[str, Any] = {}
    #: Config keys without a Keras default: a config lacking one is refused by name.
    required: tuple[str, ...] = ()
    passes_mask = True
    #: computes a mask (booleans no output's values depend on: Keras 3's saved mask ops,
    #: ``Model.mask_ops``), not values
    mask_only = False

    @property
    def initial_state_names(self) -> tuple[str, ...]:
        """The states a call takes as ``initial_state=``, in order (none: a layer that is no
        recurrent one)."""
        return ()

    def states_fault(self, given: int) -> str | None:
        """What is wrong with a call given ``given`` initial states (None: nothing; none
        given: each starts at zeros)."""
        names = self.initial_state_names
        if not given or given == len(names):
            return None
        return (f"layer '{self.name}' ({self.class_name}) takes {len(names)} initial state(s) "
                f"({', '.join(names)}), got {given}")

    def __init__(self, name: str, config: dict | None = None, keras_major: int = 3,
                 class_name: str | None = None):
        self.name = name
        self.keras_major = keras_major
        if class_name:
            self.class_name = class_name
        self.config = {**self.defaults, **(config or {})}
        if isinstance(self.config.get("name"), str):
            self.config["name"] = name  # (LayerSpec(name=) or a name made unique: the layer's)
        missing = [k for k in self.required if self.config.get(k) is None]
        if missing:
            raise LstmvizError(
                f"layer '{name}' ({self.class_name}) has no {', '.join(repr(k) for k in missing)} "
                "in its config (a weights-only file does not record it)"
            )
        self.weights: list[np.ndarray] = []
        self.input_shapes: list[Shape] = []
        self.output_shapes: list[Shape] = []

    #: its output's numbers are its input's, moved or picked (a Dropout at inference, a
    #: pooling, a Flatten): >= 0 where its inputs' are (``nonnegative``)
    keeps_sign = False

    def nonnegative(self, inputs: list[bool]) -> bool:
        """Whether every number of its output is >= 0, given which of its inputs' are
        (``inputs``): by its ``activation`` where its config has one (``activations.
        NONNEGATIVE``: a Dense or Conv1D of relu), by its inputs where it ``keeps_sign``;
        False otherwise. The Over time view's colours of such an output run from 0 up (a
        ReLU's output used half of a scale symmetric around 0)."""
        if self.keeps_sign:
            return bool(inputs) and all(inputs)
        act = self.config.get("activation") if self.activated else None
        return isinstance(act, str) and act in NONNEGATIVE

    #: its output is its ``activation`` of what it computes (a Dense, a Conv1D, an
    #: Activation layer; not a recurrent layer, whose ``activation`` is its cell's)
    activated = False

    def elementwise(self, axis: int) -> bool:
        """Whether each number of its output is made of its inputs' numbers at the same
        place alone (a constant of that place's feature aside), its inputs holding their
        steps on ``axis`` (2: (batch, features, steps) after a Permute((2, 1))): then its
        output holds them there too, and a window of those steps gives the same numbers
        (``windows._plan`` follows it). None here: a Dropout at inference, an Activation
        but softmax, a ReLU, a BatchNormalization of the features, an Add ... say so."""
        return False

    def stepwise(self, axis: int) -> bool:
        """Whether each step of its output is made of its inputs' same step alone, their steps
        on ``axis`` (2 after a Permute((2, 1))), in the same order of arithmetic whatever the
        other steps: then its output holds them there too, and a window of them gives the
        same bits (``windows._plan`` follows it; the views draw it so). Each ``elementwise``
        layer, and a Softmax(axis=1), LayerNormalization(axis=1) or Concatenate(axis=1) of
        (batch, features, steps), across each step's features."""
        return self.elementwise(axis)

    def stepwise_axis(self, axis: int) -> int:
        """The axis of its output holding the steps where it is ``stepwise`` on its inputs'
        ``axis``: that axis (a GlobalAveragePooling1D / GlobalMaxPooling1D pooling each step's
        features, axis 1 of (batch, features, steps), leaves them on axis 1 of (batch,
        steps), on axis 2 where it keeps its dims)."""
        return axis

    @property
    def merges_steps(self) -> bool:
        """Whether its output holds a sequence's steps side by side in one axis (a Flatten of
        a (batch, steps, ...) input, a Reshape of it to one axis): no steps left, as a pooling
        over them (a long input's keyframe pass computes it once: ``windows._plan``), but its
        size the steps' count times a step's, so an input's first steps alone give another
        shape (a Dense after it takes the whole length): the app shows no step of a long
        input before its pass (``windows.whole_sequence_layer``)."""
        return False

    def reads_whole_axis(self, axis: int) -> bool:
        """Whether its output has no axis of its (batch, a, b) input's ``axis``: the axis its
        weights contract (a Dense's last axis, a Conv1D's channels: axis 2, or 1 where
        channels_first), every output number made of all of it (of a group of it, a grouped
        Conv1D's). A long input's steps there (a channels_first Conv1D over (batch, steps,
        features) with no Permute before it, the steps its channels; a Dense or a
        channels_last Conv1D over (batch, features, steps) after a Permute((2, 1))): no steps
        left, so the keyframe pass computes it once from the whole sequence, as a Flatten
        (``windows._plan``). Not a pooling: it keeps its channels, the steps there."""
        return False

    def along_steps(self, axis: int) -> bool:
        """Whether its output is its input's shape, each number at its input number's place,
        but a step's numbers made of other steps' too, its input's steps on ``axis`` (a
        Softmax or LayerNormalization whose axes take it in; a BatchNormalization of it, a
        statistic per step position): a long input's keyframe pass computes its whole output
        once, by the very call a whole trace makes, and holds it; each window takes its steps
        from it (``windows._plan``)."""
        return False

    @property
    def own_clock(self) -> bool:
        """Whether its output has steps of its own, not its input's one for one, whatever its
        strides and padding (one that keeps the steps gives as many, at the same scale): a
        Conv1D or pooling (``conv._OverSteps``), an ONNX Conv, MaxPool or AveragePool
        (``onnx_layers.OnnxWindowOp``), a Cropping1D, ZeroPadding1D or UpSampling1D that moves
        the steps (``layers_more.StepMap``). Such a layer gives ``steps_out``, ``stride``,
        ``reads_of`` and ``window``, and a long input's windows follow it on a clock of its
        own (``windows._clocks``: its steps, how many input steps one stands for)."""
        return False

    def running_bytes(self, out: int, read: int = 0, mask: int = 0) -> int:
        """The bytes it holds while it runs in a long input's keyframe pass, its output among
        them (``windows.pass_bytes``, beside the sequences still alive): ``out`` its output
        sequence's bytes, ``read`` its (first) input's, ``mask`` the steps' mask as floats where
        the model has a mask (else 0). Here its output and one temporary of its size (a
        Dense's ``x @ kernel``, then its activation); a recurrent layer's are its kernels'
        stretches, counted by ``windows.pass_bytes`` itself."""
        return 2 * out

    def reads_every_step(self, axis: int) -> bool:
        """Whether each step of its output reads every step of its input, their steps on
        ``axis``: a Softmax or LayerNormalization over the steps (its sum, its mean and
        variance over them). Not a BatchNormalization(axis=1), though ``along_steps``: at
        inference each step by its own step position's statistics. The views draw and say
        it (``app/unrolled.step_links``, ``app/output_ref``: "reads every step")."""
        return False

    # -- shapes and weights -------------------------------------------------------------
    def weight_specs(self, input_shapes: list[Shape]) -> list[tuple[str, tuple, Any]]:
        """(name, shape, initializer) of each weight, in Keras' get_weights() order."""
        return []

    def compute_output_shapes(self, input_shapes: list[Shape]) -> list[Shape]:
        return [input_shapes[0]]

    def build(self, input_shapes: list[Shape], rng: np.random.Generator | None,
              weights: list[np.ndarray] | None = None) -> None:
        """Check shapes, then take ``weights`` (or keep/initialise our own)."""
        out = self.compute_output_shapes(input_shapes)
        specs = self.weight_specs(input_shapes)
        if weights is not None:
            self.set_weights(weights, specs)
        elif not self.weights or [w.shape for w in self.weights] != [s[1] for s in specs]:
            if rng is None:
                rng = np.random.default_rng(0)
            self.weights = [self._initial(name, shape, init, rng) for name, shape, init in specs]
        self.input_shapes, self.output_shapes = list(input_shapes), out

    def build_replaced(self, input_shapes: list[Shape], rng: np.random.Generator,
                       keep: list[np.ndarray]) -> None:
        """``build`` from ``rng``, each weight of ``keep`` that still fits its place taking
        the place of the initial one, as one step: the draws are made (``rng`` ends where
        ``build`` leaves it) but an initial weight that ``keep`` replaces is not computed
        (``initializers.skip``). So a layer whose input width changed (the units of the
        layer before it) draws a new kernel and keeps its recurrent kernel and bias. A
        ``keep`` of another number of arrays keeps nothing. Layers that build otherwise
        (wrappers) build, then take ``keep`` if every shape fits."""
        if type(self).build is not Layer.build or type(self).build_replaced is not Layer.build_replaced:
            self.build(input_shapes, rng)
            if [np.shape(w) for w in keep] == [w.shape for w in self.weights]:
                self.set_weights(keep)
            return
        out = self.compute_output_shapes(input_shapes)
        specs = self.weight_specs(input_shapes)
        fits = [tuple(np.shape(w)) == tuple(s[1]) for w, s in zip(keep, specs)] if len(keep) == len(specs) else []
        if not any(fits):
            self.weights = []  # initialised afresh, whatever this layer held
            self.build(input_shapes, rng)
            return
        weights = []
        for (name, shape, init), w, fit in zip(specs, keep, fits):
            if fit:
                initializers.skip(init, shape, rng)
                weights.append(w)
            else:
                weights.append(self._initial(name, shape, init, rng))
        self.set_weights(weights, specs)
        self.input_shapes, self.output_shapes = list(input_shapes), out

    def _initial(self, name, shape, init, rng):
        return initializers.make(init, shape, rng)

    def set_weights(self, weights, specs=None) -> None:
        specs = self.weight_specs(self.input_shapes) if specs is None else specs
        weights = [np.asarray(w) for w in weights]
        if len(weights) != len(specs):
            raise LstmvizError(
                f"layer '{self.name}' ({self.class_name}) has {len(weights)} weight arrays "
                f"but its config needs {len(specs)}: {', '.join(f'{n} {fmt_shape(s)}' for n, s, _ in specs) or 'none'}"
            )
        for w, (wname, shape, _) in zip(weights, specs):
            if tuple(w.shape) != tuple(shape):
                raise LstmvizError(
                    f"layer '{self.name}' ({self.class_name}): weight {wname} has shape "
                    f"{fmt_shape(w.shape)} but the config needs {fmt_shape(shape)}"
                )
            # (a float64 1e300 of a file became infinity, with NumPy's "RuntimeWarning: overflow
            # encountered in cast" on stderr)
            check_float32(w, f"layer '{self.name}' ({self.class_name}): weight {wname} holds")
        self.weights = [np.ascontiguousarray(w, dtype=np.float32) for w in weights]

    @property
    def weight_names(self) -> list[str]:
        return [n for n, _, _ in self.weight_specs(self.input_shapes)]

    def named_weights(self) -> dict[str, np.ndarray]:
        return dict(zip(self.weight_names, self.weights))

    def count_params(self) -> int:
        return int(sum(w.size for w in self.weights))

    def param_formula(self) -> str | None:
        return None

    def gate_blocks(self) -> dict[str, np.ndarray]:
        """Named per-gate views of the weights (``kernel_i``, ...); plain names otherwise."""
        return self.named_weights()

    def describe(self) -> str:
        """Key options in a few words, for summaries and the side panel."""
        return ""

    def describe_at(self, axis: int | None) -> str:
        """``describe`` where its (first) input holds the steps on ``axis`` (None: none or not
        known): the words a model's views and side panel give it (``cell_ref.layer_words``); a
        global pooling says there whether it pools the steps or each step's features."""
        return self.describe()

    # -- forward ------------------------------------------------------------------------
    def call(self, inputs, masks, initial_state=None):
        out = self.forward(inputs[0])
        mask = masks[0] if self.passes_mask else None
        return [out], [mask], LayerTrace(self.name, self.class_name, [out])

    def forward(self, x):
        return x

    def reset_states(self) -> None:
        pass

    def _need_rank(self, shape, rank, what):
        if len(shape) != rank:
            raise LstmvizError(
                f"layer '{self.name}' ({self.class_name}) expects {what} of rank {rank} "
                f"but gets {fmt_shape(shape)}"
            )
