"""The layers a recurrent Keras model is made of, each as Keras computes it at inference.

A layer knows its Keras class name, its config (Keras 2/3 keys, Keras' defaults for the
missing ones), the shapes its weights must have for a given input shape, and how to
``call`` itself on NumPy arrays, returning its outputs, their masks and its trace record.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmviz.engine import activations, cells, initializers
from lstmviz.engine.cells import EquationTemplate
from lstmviz.engine.config_check import RATES, check_config, keras_rate
from lstmviz.engine.conv import CLASSES as CONV_CLASSES
from lstmviz.engine.layer_base import (  # noqa: F401 (named here too, where they always were)
    BEYOND_FLOAT32,
    Layer,
    Shape,
    check_float32,
    fmt_shape,
)
from lstmviz.engine.layers_more import MORE_CLASSES
from lstmviz.engine.recurrent import run_gru, run_lstm, run_parallel, run_simple_rnn
from lstmviz.engine.step_equations import dense_equations
from lstmviz.engine.trace import LayerTrace, Steps
from lstmviz.errors import LstmvizError, is_whole
from lstmviz.text import plural, safe_text


def twice(formula: str, total: int) -> str:
    """A Bidirectional's parameter formula from one direction's ``letters = numbers =
    total``: ``2·[letters] = 2·[numbers] = total`` (not ``2·[letters = numbers]``)."""
    parts = formula.split(" = ")
    if len(parts) >= 3:
        return f"2·[{parts[0]}] = 2·[{parts[1]}] = {total:,}"
    return f"2·[{parts[0]}] = {total:,}"


def run_layer(layer, ins, ims, init=None):
    """``layer.call(ins, ims, init)`` as every pass runs it (a trace, a window of steps, a
    keyframe pass, the forward of gradients): without NumPy's warnings of invalid values
    and overflow, which a model's own numbers make (a weight of infinity times 0, a softmax
    of infinities): NaN and infinity as Keras computes them, silently. (The recurrent steps
    on the engine's threads set the same there: errstate is each thread's.)"""
    with np.errstate(invalid="ignore", over="ignore"):
        return layer.call(ins, ims, init)


# ---------------------------------------------------------------------------------------
class InputLayer(Layer):
    class_name = "InputLayer"

    @property
    def batch_shape(self) -> Shape:
        shape = self.config.get("batch_shape") or self.config.get("batch_input_shape")
        if shape is None:
            raise LstmvizError(f"input '{self.name}' has no shape in its config")
        return tuple(None if d is None else int(d) for d in shape)

    def compute_output_shapes(self, input_shapes):
        return [self.batch_shape]


class Identity(Layer):
    """Dropout, SpatialDropout1D, GaussianNoise, ...: the identity at inference."""

    class_name = "Dropout"
    keeps_sign = True

    def elementwise(self, axis: int) -> bool:
        """The identity at inference: each number itself."""
        return True


class Activation(Layer):
    class_name = "Activation"
    activated = True
    defaults = {"activation": "linear"}

    def forward(self, x):
        return activations.get(self.config["activation"], self.keras_major)(x.astype(np.float32))

    def elementwise(self, axis: int) -> bool:
        """Each number alone, but for softmax and log_softmax (a share of the last axis' numbers:
        the steps' there after a Permute((2, 1)))."""
        return activations.get(self.config["activation"], self.keras_major) not in activations.ROWWISE

    def along_steps(self, axis: int) -> bool:
        """A softmax or log_softmax over the steps: those of the last axis, where they are
        (``axis`` 2 of (batch, features, steps) after a Permute((2, 1))), as a Softmax
        layer of that axis (``layers_more.Softmax.along_steps``)."""
        return (bool(self.input_shapes) and not self.elementwise(axis)
                and axis == len(self.input_shapes[0]) - 1)

    def reads_every_step(self, axis: int) -> bool:
        """Its sum over the steps (``along_steps``): each step's share reads them all."""
        return self.along_steps(axis)

    def describe(self):
        return str(self.config["activation"])


class Dense(Layer):
    class_name = "Dense"
    activated = True
    required = ("units",)
    #: its 3-D input holds the steps on axis 0 (an ONNX graph's time-major sequence:
    #: ``onnx_time.mark_steps_first``), not on axis 1
    steps_first = False
    #: it reads straight from a Permute((2, 1)) (the attention block's Dense of a weight per
    #: step: its last axis the steps, as many as the model fixes; ``Model.from_spec`` marks it),
    #: said in the refusal of an input of another length there only
    after_permute = False
    defaults = {"activation": "linear", "use_bias": True,
                "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros"}

    def weight_specs(self, input_shapes):
        d = input_shapes[0][-1]
        if d is None:
            raise LstmvizError(f"layer '{self.name}' (Dense) needs a known last input dimension")
        u = int(self.config["units"])
        specs = [("kernel", (d, u), self.config["kernel_initializer"])]
        if self.config["use_bias"]:
            specs.append(("bias", (u,), self.config["bias_initializer"]))
        return specs

    def compute_output_shapes(self, input_shapes):
        if len(input_shapes[0]) < 2:
            self._need_rank(input_shapes[0], 2, "an input")
        return [tuple(input_shapes[0][:-1]) + (int(self.config["units"]),)]

    def reads_whole_axis(self, axis: int) -> bool:
        """Its last axis, of a (batch, a, b) input (``Layer.reads_whole_axis``; not an ONNX
        graph's time-major one)."""
        rank = len(self.input_shapes[0]) if self.input_shapes else 3
        return rank == 3 and axis == 2 and not self.steps_first

    def reads_every_step(self, axis: int) -> bool:
        """Its last axis where its input holds the steps there (the attention block's Dense
        of a weight per input step after a Permute((2, 1)), ``windows.weighs_input_steps``:
        each of its steps, a weight, made of every step; drawn and said so)."""
        return self.reads_whole_axis(axis)

    def product(self, x) -> np.ndarray:
        """``W·x`` (float32, no bias): the forward's own products, so a step of it (a
        sequence's ``x[:, t:t + 1]``) gives that step's numbers to the bit (the Cell
        view's ``app/step_ref.py`` prints them)."""
        x = x.astype(np.float32, copy=False)  # (a copy of a long sequence's input: not needed)
        d = self.weights[0].shape[0]
        if x.shape[-1:] != (d,):  # (the attention block's Dense of a weight per step of a model
            # fixing its length, given another: the steps after a Permute((2, 1)); a raw NumPy
            # "matmul: Input operand 1 has a mismatch in its core dimension 0" before)
            raise LstmvizError(f"layer '{self.name}' (Dense) reads {x.shape[-1] if x.ndim else 0:,} numbers "
                               f"along its last axis where its kernel takes {d:,}"
                               + (" (a Dense over the steps, after a Permute((2, 1)), takes as many steps "
                                  "as the model fixes)" if self.after_permute else ""))
        if x.ndim == 3 and not self.steps_first:
            # one product per timestep (batch rows each), however many steps: a window of
            # steps then gets the very numbers of the whole sequence (BLAS sums rows of
            # taller products differently); (steps, batch, ...): np.matmul makes one already
            return np.matmul(x.transpose(1, 0, 2), self.weights[0]).transpose(1, 0, 2)
        return np.matmul(x, self.weights[0])

    def forward(self, x):
        y = self.product(x)
        if self.config["use_bias"]:
            y += self.weights[1]
        return activations.get(self.config["activation"], self.keras_major)(y, out=y)

    def equations(self, steps: bool = True) -> list[EquationTemplate]:
        """What one output number is, as the Cell view prints it (the step page,
        ``app/step_ref.py`` fills the numbers in): ``y_t[u] = act(W[:,u]·x_t + b[u])``, or
        without ``_t`` where the input is a vector (``steps`` False). Fields: ``{wx}``
        (W[:,u]·x_t), ``{b}``, ``{pre}`` (their sum), ``{y}`` (the trace's output). A
        softmax is not a function of one number: the sum first, then the unit's share."""
        return dense_equations(self.config, steps)

    def param_formula(self):
        d, u = self.weights[0].shape
        if self.config["use_bias"]:
            return f"d·u + u = {d}·{u} + {u} = {d * u + u:,}"
        return f"d·u = {d}·{u} = {d * u:,}"

    def describe(self):
        act = self.config["activation"]
        return (plural(self.config['units'], 'unit')
                + ("" if act in (None, "linear") else f", {act}"))


class Embedding(Layer):
    class_name = "Embedding"
    required = ("input_dim", "output_dim")
    defaults = {"mask_zero": False, "embeddings_initializer": "uniform"}

    def weight_specs(self, input_shapes):
        return [("embeddings", (int(self.config["input_dim"]), int(self.config["output_dim"])),
                 self.config["embeddings_initializer"])]

    def compute_output_shapes(self, input_shapes):
        return [tuple(input_shapes[0]) + (int(self.config["output_dim"]),)]

    def call(self, inputs, masks, initial_state=None):
        x = np.asarray(inputs[0])
        n = self.weights[0].shape[0]
        bad = ~np.isfinite(x) | (x != np.round(x)) if x.size else np.zeros(0, bool)
        if np.any(bad):
            value = float(x[bad].flat[0])
            raise LstmvizError(
                f"layer '{self.name}' (Embedding) reads token ids, whole numbers 0..{n - 1}, but its "
                f"input holds {value:.6g}: it takes ids from the model's input (first in a stack), "
                "not another layer's float outputs")
        if x.size and (x.min() < 0 or x.max() >= n):  # (before the cast: 2**64 - 1 in a uint64
            # array, 1e30 in a float one were said as "token id -1", "-9223372036854775808")
            raise LstmvizError(
                f"layer '{self.name}' (Embedding): token id {int(x.max() if x.max() >= n else x.min())} "
                f"is outside the vocabulary 0..{n - 1}"
            )
        ids = x.astype(np.int64)
        out = self.weights[0][ids]
        mask = (ids != 0) if self.config["mask_zero"] else None
        return [out], [mask], LayerTrace(self.name, self.class_name, [out])

    def param_formula(self):
        v, d = self.weights[0].shape
        return f"vocab·dim = {v}·{d} = {v * d:,}"

    def describe(self):
        return (f"{self.config['input_dim']} -> {self.config['output_dim']}"
                + (", mask_zero" if self.config["mask_zero"] else ""))


class Masking(Layer):
    class_name = "Masking"
    keeps_sign = True
    defaults = {"mask_value": 0.0}

    def call(self, inputs, masks, initial_state=None):
        x = inputs[0].astype(np.float32)
        mask = np.any(x != np.float32(self.config["mask_value"]), axis=-1)
        out = x * mask[..., None].astype(np.float32)
        return [out], [mask], LayerTrace(self.name, self.class_name, [out], mask=mask)

    def along_steps(self, axis: int) -> bool:
        """Axis 2 of a 3-D input, the last, over which its mask is taken: after a
        Permute((2, 1)) each feature's row is kept or zeroed by all its steps at once, its
        mask (batch, features) the steps of a recurrent layer after it (``Layer.along_steps``:
        a long input's pass holds its whole output, ``windows._plan``)."""
        rank = len(self.input_shapes[0]) if self.input_shapes else 3
        return axis == 2 and rank == 3

    def describe(self):
        return f"mask_value={self.config['mask_value']}"


class Flatten(Layer):
    class_name = "Flatten"
    keeps_sign = True
    passes_mask = False

    def compute_output_shapes(self, input_shapes):
        rest = input_shapes[0][1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest))
        return [(input_shapes[0][0], size)]

    @property
    def merges_steps(self) -> bool:
        """Of a (batch, steps, ...) input (``Layer.merges_steps``)."""
        return bool(self.input_shapes) and len(self.input_shapes[0]) >= 3

    def running_bytes(self, out: int, read: int = 0, mask: int = 0) -> int:
        """Its output alone: a copy of its input (or a view of it, a contiguous one), no
        temporary."""
        return out

    def forward(self, x):
        return x.reshape(x.shape[0], -1)


class RepeatVector(Layer):
    class_name = "RepeatVector"
    keeps_sign = True
    required = ("n",)
    passes_mask = False

    def compute_output_shapes(self, input_shapes):
        self._need_rank(input_shapes[0], 2, "an input")
        return [(input_shapes[0][0], int(self.config["n"]), input_shapes[0][1])]

    def forward(self, x):
        return self.repeat(x, int(self.config["n"]))

    @staticmethod
    def repeat(x, n: int):
        """(batch, features) on each of ``n`` steps: copies (a long input's window of the
        input's steps, ``windows._Window.values``, holds its steps' n)."""
        return np.repeat(x[:, None, :], n, axis=1)

    def describe(self):
        return f"n={self.config['n']}"


class Reshape(Layer):
    class_name = "Reshape"
    keeps_sign = True
    required = ("target_shape",)
    passes_mask = False

    def compute_output_shapes(self, input_shapes):
        return [(input_shapes[0][0],) + self._target(input_shapes[0])]

    def _target(self, shape) -> tuple:
        """``target_shape`` with Keras' one ``-1`` worked out; its size must be the input's."""
        target = tuple(int(d) for d in self.config["target_shape"])
        dims = list(shape[1:])
        if any(d is None for d in dims):
            return target
        size = int(np.prod(dims, dtype=object)) if dims else 1
        known = int(np.prod([d for d in target if d != -1], dtype=object)) if target else 1
        if target.count(-1) > 1 or (-1 in target and (known == 0 or size % known)) \
                or (-1 not in target and known != size):
            raise LstmvizError(
                f"layer '{self.name}' (Reshape) cannot reshape {fmt_shape(tuple(shape))} to "
                f"{fmt_shape((None,) + target)}: the sizes differ")
        return tuple(size // known if d == -1 else d for d in target)

    @property
    def timewise(self) -> bool:
        """Each step reshaped alone: the batch and time axes kept (``target_shape[0]`` -1,
        or the input's steps), each step's known features reshaped to the rest (a long
        input's windows follow it: ``windows._plan``)."""
        if not self.input_shapes or len(self.input_shapes[0]) < 3:
            return False
        s = tuple(self.input_shapes[0])
        target = tuple(int(d) for d in self.config["target_shape"])
        if not target or target[0] not in (-1, s[1]) or -1 in target[1:] or any(d is None for d in s[2:]):
            return False
        return int(np.prod(s[2:], dtype=object)) == int(np.prod(target[1:], dtype=object))

    @property
    def merges_steps(self) -> bool:
        """A ``target_shape`` of one axis (``(-1,)``, ``(T * features,)``) of a (batch,
        steps, ...) input, a Flatten's (``Layer.merges_steps``)."""
        return (bool(self.input_shapes) and len(self.input_shapes[0]) >= 3
                and len(self.config["target_shape"]) == 1)

    def running_bytes(self, out: int, read: int = 0, mask: int = 0) -> int:
        """Its output alone (``Flatten.running_bytes``)."""
        return out

    def forward(self, x):
        if self.timewise:  # (each step's features: a window of steps as the whole sequence)
            return x.reshape(x.shape[:2] + tuple(int(d) for d in self.config["target_shape"][1:]))
        return x.reshape((x.shape[0],) + self._target(x.shape))


def op_axis(layer: Layer, rank: int) -> int:
    """``layer``'s ``axis`` (default -1) as an axis of a tensor of ``rank``, counted from 0:
    an ``Any``'s and a ``Concatenate``'s of their input, an ``ExpandDims``' of its output.
    Anything else one line (a file's ``"axis": "x"`` was Python's ValueError at load, an
    axis past the rank NumPy's AxisError at the first trace, or wrapped round by ``%``)."""
    axis = layer.config.get("axis", -1)
    if not is_whole(axis, -rank, rank - 1):
        raise LstmvizError(f"layer '{layer.name}' ({layer.class_name}): axis is {safe_text(repr(axis), 60)}; "
                           f"accepted: an axis of its {'output' if layer.class_name == 'ExpandDims' else 'input'}'s "
                           f"{rank}, a whole number from {-rank} to {rank - 1}")
    return axis % rank


class NotEqual(Layer):
    """Keras 3's serialized ``ops.not_equal(x, 0)``: how a functional model saves the mask
    an ``Embedding(mask_zero=True)`` hands to several branches. The engine propagates that
    mask itself, so this op only yields the boolean tensor."""

    class_name = "NotEqual"
    passes_mask = False
    mask_only = True

    def elementwise(self, axis: int) -> bool:
        """Each number alone (``Layer.elementwise``): after a Permute((2, 1)) too, where a
        Masking of each feature's row saves its mask as this op and an ``Any`` of the steps."""
        return True

    def forward(self, x):
        return np.asarray(x) != self.config.get("value", 0)


class AnyOp(Layer):
    """Keras 3's serialized ``ops.any(x, axis=-1)``, the other half of a saved Masking mask."""

    class_name = "Any"
    passes_mask = False
    mask_only = True

    def compute_output_shapes(self, input_shapes):
        axis = op_axis(self, len(input_shapes[0]))
        return [tuple(d for k, d in enumerate(input_shapes[0]) if k != axis)]

    def reads_whole_axis(self, axis: int) -> bool:
        """Of its last axis, the steps' on axis 2 after a Permute((2, 1)) (a Masking of each
        feature's row, saved by Keras 3 with a ``NotEqual`` before it): its (batch, features)
        has no steps left, computed once by a long input's pass (``Layer.reads_whole_axis``)."""
        rank = len(self.input_shapes[0]) if self.input_shapes else 0
        return rank == 3 and axis == 2 and op_axis(self, rank) == 2

    def forward(self, x):
        return np.any(x, axis=op_axis(self, np.ndim(x)))


class MaskOp(Layer):
    """Keras 3's other serialized ops of masks: a Concatenate of masked inputs saves its
    ``compute_mask`` in a functional model (``ops.expand_dims``, ``zeros_like``, ``ones_like``,
    ``logical_or``, then ``ops.concatenate``, a ``Merge`` here, and an ``Any``). Boolean
    tensors no output depends on (the engine carries masks itself), computed as Keras does."""

    class_name = "LogicalOr"
    passes_mask = False
    mask_only = True

    @property
    def timewise(self) -> bool:
        """Each step alone (a long input's window too), but an ExpandDims before the steps."""
        if self.class_name != "ExpandDims":
            return True
        rank = len(self.output_shapes[0]) if self.output_shapes else 0
        return rank > 2 and op_axis(self, rank) >= 2

    def compute_output_shapes(self, input_shapes):
        first = tuple(input_shapes[0])
        if self.class_name == "ExpandDims":
            at = op_axis(self, len(first) + 1)
            return [first[:at] + (1,) + first[at:]]
        if self.class_name == "LogicalOr" and len(input_shapes) > 1:
            both = _broadcast_dims(first[1:], tuple(input_shapes[1][1:]))
            if both is None:
                raise LstmvizError(f"layer '{self.name}' (LogicalOr) gets shapes that do not broadcast: "
                                   f"{fmt_shape(list(input_shapes))}")
            return [first[:1] + both]
        return [first]

    def call(self, inputs, masks, initial_state=None):
        x = np.asarray(inputs[0])
        op = self.class_name
        if op == "ExpandDims":
            out = np.expand_dims(x, op_axis(self, x.ndim + 1))
        elif op == "LogicalOr":
            out = np.logical_or(x, np.asarray(inputs[1]))
        else:  # ZerosLike, OnesLike (of Keras' dtype: bool for a mask)
            out = np.full(x.shape, op == "OnesLike", dtype=np.dtype(self.config.get("dtype") or "float32"))
        return [out], [None], LayerTrace(self.name, self.class_name, [out])


MASK_OPS = ("ExpandDims", "ZerosLike", "OnesLike", "LogicalOr")


def _broadcast_dims(a: tuple | None, b: tuple) -> tuple | None:
    """The dims (after the batch) of an elementwise merge of inputs of dims ``a`` and ``b``, as
    Keras 3 computes them (lined up from the last; a 1 takes the other's size, an unknown
    gives an unknown); None where they do not broadcast."""
    if a is None:
        return None
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    got = list(a[:len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is not None and j is not None and i != j and 1 not in (i, j):
            return None
        got.append(None if i is None or j is None else j if i == 1 else i)
    return tuple(got)


def ranked(xs: list) -> list:
    """Inputs of an elementwise merge of different ranks brought to the highest, each given
    axes of size 1 after the batch (Keras 3's ``Merge.call``: ``expand_dims(x, axis=1)``)."""
    top = max(np.ndim(x) for x in xs)
    return [x.reshape(x.shape[:1] + (1,) * (top - x.ndim) + x.shape[1:]) for x in xs]


class Merge(Layer):
    """Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum."""

    class_name = "Add"
    defaults = {"axis": -1}

    def nonnegative(self, inputs: list[bool]) -> bool:
        """>= 0 where every input is, but for a Subtract."""
        return self.class_name != "Subtract" and bool(inputs) and all(inputs)

    def compute_output_shapes(self, input_shapes):
        if len(input_shapes) < 2:
            raise LstmvizError(f"layer '{self.name}' ({self.class_name}) needs at least two inputs")
        first = input_shapes[0]
        axis = self.joined_axis(len(first))
        if axis is not None:
            total = 0
            for s in input_shapes:
                if len(s) != len(first) or any(a != b and None not in (a, b)
                                               for i, (a, b) in enumerate(zip(s, first)) if i != axis):
                    raise LstmvizError(f"layer '{self.name}' (Concatenate) gets shapes that do not line up: "
                                       f"{fmt_shape(list(input_shapes))}")
                total = None if total is None or s[axis] is None else total + s[axis]
            return [tuple(total if i == axis else d for i, d in enumerate(first))]
        # (Keras 3 broadcasts, ``Merge._compute_elemwise_op_output_shape``: each input's dims
        # after the batch lined up from the last, a 1 taking the other's size; a Multiply of an
        # LSTM's (batch, steps, 16) by attention weights (batch, steps, 1))
        out: tuple | None = tuple(first[1:])
        for s in input_shapes[1:]:
            out = _broadcast_dims(out, tuple(s[1:]))
            if out is None:
                raise LstmvizError(f"layer '{self.name}' ({self.class_name}) needs inputs of one shape "
                                   "or shapes that broadcast (a size 1 against any), gets "
                                   f"{fmt_shape(list(input_shapes))}")
        return [(first[0],) + out]

    def joined_axis(self, rank: int) -> int | None:
        """The axis a Concatenate joins its inputs along, of tensors of ``rank`` (its
        ``axis``, counted from 0: -1 of (batch, steps, features) is 2; 1 joins their steps,
        one sequence's then the other's, which a long input's windows refuse,
        ``windows._plan``); None for the other merges."""
        return op_axis(self, rank) if self.class_name == "Concatenate" else None

    def elementwise(self, axis: int) -> bool:
        """An Add, Subtract, Multiply, Average, Maximum or Minimum: each place's numbers of its
        inputs alone (not a Concatenate, which moves them)."""
        return self.class_name != "Concatenate"

    def stepwise(self, axis: int) -> bool:
        """Each ``elementwise`` merge, and a Concatenate of each step's features where the
        steps are on ``axis``: a Concatenate(axis=1) of (batch, features, steps) sequences
        (each number copied; not of axis 2, which joins their steps)."""
        if self.class_name != "Concatenate":
            return self.elementwise(axis)
        rank = len(self.output_shapes[0]) if self.output_shapes else 0
        return rank > axis and self.joined_axis(rank) not in (0, axis)

    def call(self, inputs, masks, initial_state=None):
        xs = [x.astype(np.float32) for x in inputs]
        op = self.class_name
        if op == "Concatenate":
            out = np.concatenate(xs, axis=int(self.config["axis"]))
        elif op in ("Maximum", "Minimum"):
            out = self.picks(xs, masks)[0]
        elif op == "Multiply":
            factors, keep = self.factors(xs, masks)
            out = factors[0]
            for x in factors[1:]:  # (pairwise, as Keras 3: ``out * x`` broadcasts either way)
                out = out * x
            out = out if keep is None else np.where(keep, out, np.float32(0))
        else:  # (an elementwise merge: its inputs of lower rank brought to the highest)
            xs = ranked(xs)
            if op == "Add":
                out = sum(xs[1:], xs[0].copy())
            elif op == "Subtract":
                out = xs[0] - xs[1]
            else:  # Average (of all its inputs, masked steps too, in Keras 2 and 3)
                out = sum(xs[1:], xs[0].copy()) / np.float32(len(xs))
        return [out], [self.output_mask(xs, masks)], LayerTrace(self.name, self.class_name, [out])

    # What Keras does with masked inputs (the steps a mask_zero Embedding or a Masking
    # marks, carried by the layers after it), said here once for the forward and
    # ``gradients._merge_backward``:
    # - Keras 3 (``keras/src/layers/merging``): the output mask is the inputs' masks ORed
    #   (a step is kept where any input keeps it), None where an input has none; a
    #   Concatenate's ORs too, an unmasked input counting as all kept. The values: Add,
    #   Subtract, Average and Concatenate merge every step as it is (Average divides by
    #   the number of inputs, masked or not); a Multiply takes a masked step of an input as 1
    #   and, where every input is masked and so the output, gives 0; a Maximum / Minimum
    #   folds pairwise, a masked step of either side taking the other's value (where both
    #   are masked, the first's). Only where the inputs have one rank: Keras reshapes
    #   inputs of different ranks, which drops their masks.
    # - Keras 2 (tf_keras): the values are merged as they are; the output mask is the
    #   inputs' masks ANDed (unmasked inputs left out), a Concatenate's too, an unmasked
    #   input counting as all kept.
    def _step_masks(self, xs: list, masks: list) -> list:
        """Each input's mask in its values' shape, where Keras 3's merge looks at it, else
        None (Keras 2, an unmasked input, inputs of different ranks)."""
        if self.keras_major < 3 or len({x.ndim for x in xs}) > 1:
            return [None] * len(xs)
        return [None if m is None else np.broadcast_to(m.reshape(m.shape + (1,) * (x.ndim - m.ndim)), x.shape)
                for x, m in zip(xs, masks)]

    def factors(self, xs: list, masks: list) -> tuple[list, np.ndarray | None]:
        """A Multiply's factors (a masked step taken as 1) and where their product is
        kept (None: everywhere), by Keras' rule above. ``xs`` float32."""
        steps = self._step_masks(xs, masks)
        ones = np.float32(1)
        factors = ranked([x if m is None else np.where(m, x, ones) for x, m in zip(xs, steps)])
        keep = None
        if all(m is not None for m in steps):
            keep = steps[0]
            for m in steps[1:]:
                keep = keep | m
        return factors, keep

    def picks(self, xs: list, masks: list) -> tuple[np.ndarray, np.ndarray]:
        """A Maximum's or Minimum's values and which input each came from (an int array of
        the output's shape; a tie goes to the earlier, as TensorFlow's gradient), folded
        pairwise by Keras' rule above. ``xs`` float32."""
        steps = self._step_masks(xs, masks)
        xs = ranked(xs)
        better = np.greater_equal if self.class_name == "Maximum" else np.less_equal
        out, src, kept = xs[0], np.zeros(xs[0].shape, np.int64), steps[0]
        for k, (x, m) in enumerate(zip(xs[1:], steps[1:]), start=1):
            x_src = np.full(x.shape, k, np.int64)
            if m is not None:
                x, x_src = np.where(m, x, out), np.where(m, x_src, src)
            if kept is not None:
                out, src = np.where(kept, out, x), np.where(kept, src, x_src)
            kept = kept | m if kept is not None and m is not None else None
            take = ~better(out, x)
            out, src = np.where(take, x, out), np.where(take, x_src, src)
        return out.astype(np.float32, copy=False), src

    def output_mask(self, xs: list, masks: list) -> np.ndarray | None:
        """The merge's output mask, by Keras' rule above."""
        if all(m is None for m in masks):
            return None
        if self.class_name == "Concatenate":
            axis = int(self.config["axis"])
            whole = [np.ones(x.shape, bool) if m is None
                     else np.broadcast_to(m.reshape(m.shape + (1,) * (x.ndim - m.ndim)), x.shape)
                     for x, m in zip(xs, masks)]
            joined = np.concatenate(whole, axis=axis)
            return np.asarray(joined.any(axis=-1) if self.keras_major >= 3 else joined.all(axis=-1))
        if self.keras_major >= 3:
            if any(m is None for m in masks):
                return None
            return np.asarray(np.logical_or.reduce(masks))
        return np.asarray(np.logical_and.reduce([m for m in masks if m is not None]))


# ---------------------------------------------------------------------------------------
class Recurrent(Layer):
    """SimpleRNN, LSTM and GRU: one cell stepped over time (see ``recurrent.py``); what
    the layer knows about its cell (gates, states, weights) is its ``cell`` description."""

    #: The cell's description (``engine/cells.py``), also when Keras' class is RNN(cell).
    cell: cells.CellKind = cells.SIMPLE_RNN
    #: Keras' defaults of every recurrent layer; a kind's own (a gated cell's
    #: ``recurrent_activation``, LSTM's ``unit_forget_bias``, GRU's ``reset_after``) are its
    #: cell description's, added by ``__init_subclass__``
    COMMON_DEFAULTS: dict[str, Any] = {
        "activation": "tanh", "use_bias": True,
        "return_sequences": False, "return_state": False, "go_backwards": False,
        "stateful": False,
        "kernel_initializer": "glorot_uniform", "recurrent_initializer": "orthogonal",
        "bias_initializer": "zeros",
    }
    defaults = COMMON_DEFAULTS

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "defaults" not in cls.__dict__:
            cls.defaults = {**Recurrent.COMMON_DEFAULTS,
                            **({"recurrent_activation": "sigmoid"} if cls.cell.gated else {}),
                            **cls.cell.config_defaults}

    def __init__(self, name, config=None, keras_major=3, class_name=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        if "units" not in self.config:
            raise LstmvizError(f"layer '{name}' ({self.class_name}) has no 'units' in its config")
        self.units = int(self.config["units"])
        if self.units < 1:
            raise LstmvizError(f"layer '{name}' ({self.class_name}): units must be at least 1, got {self.units}")
        self.zero_output_for_mask = bool(self.config.get("zero_output_for_mask", False))
        self.states: list[np.ndarray] | None = None
        self.act = activations.get(self.config["activation"], keras_major)
        self.rec = activations.get(self.config.get("recurrent_activation"), keras_major)

    @property
    def kind(self) -> str:
        """The cell type ("SimpleRNN", "LSTM", "GRU"), also when Keras' class is RNN(cell)."""
        return self.cell.name

    @property
    def gates(self) -> tuple[str, ...]:
        """The letters of the fused gate blocks, in Keras' order."""
        return self.cell.letters

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.cell.states

    @property
    def initial_state_names(self) -> tuple[str, ...]:
        return self.state_names

    @property
    def k(self) -> int:
        return self.cell.k

    def bias_shape(self):
        return self.cell.bias_shape(self.units, self.config)

    def weight_specs(self, input_shapes):
        d = input_shapes[0][-1]
        if d is None:
            raise LstmvizError(f"layer '{self.name}' ({self.class_name}) needs a known input_dim")
        init = {"kernel": self.config["kernel_initializer"],
                "recurrent_kernel": self.config["recurrent_initializer"],
                "bias": self.config["bias_initializer"]}
        return [(n, shape, init[n]) for n, shape in self.cell.weight_shapes(d, self.units, self.config)]

    def _initial(self, name, shape, init, rng):
        w = initializers.make(init, shape, rng)
        if name == "bias":
            w = self.cell.initial_bias(w, self.units, self.config)
        return w

    def compute_output_shapes(self, input_shapes):
        s = input_shapes[0]
        if len(s) != 3:
            raise LstmvizError(
                f"layer '{self.name}' ({self.class_name}) expects 3-D input (batch, timesteps, "
                f"features) but gets {fmt_shape(s)}"
            )
        u = self.units
        out = (s[0], s[1], u) if self.config["return_sequences"] else (s[0], u)
        shapes = [out]
        if self.config["return_state"]:
            shapes += [(s[0], u)] * len(self.state_names)
        return shapes

    def reads_whole_axis(self, axis: int) -> bool:
        """Axis 2 of its (batch, steps, features) input, its kernel's features
        (``Layer.reads_whole_axis``): a long input's steps there (after a Permute((2, 1)), a
        "feature-wise" LSTM) are every step's inputs, its own few steps the features; its
        output has no axis of the long steps. Not an ONNX node (its X's layout says)."""
        return axis == 2 and not getattr(self, "onnx_op", None)

    # -- weights by gate ----------------------------------------------------------------
    def gate_blocks(self):
        return self.cell.split(self.named_weights(), self.units)

    def param_formula(self):
        return self.cell.param_formula(self.weights[0].shape[0], self.units, self.config)[0]

    def describe(self):
        c = self.config
        bits = [plural(self.units, "unit")]
        bits.append("sequences" if c["return_sequences"] else "last step")
        for key in ("go_backwards", "stateful", "return_state"):
            if c[key]:
                bits.append(key)
        if not c["use_bias"]:
            bits.append("no bias")
        return ", ".join(bits)

    # -- forward ------------------------------------------------------------------------
    def reset_states(self):
        self.states = None

    def call(self, inputs, masks, initial_state=None):
        x = np.asarray(inputs[0], dtype=np.float32)
        B = x.shape[0]
        mask = masks[0]
        backwards = bool(self.config["go_backwards"])
        if backwards:
            x = x[:, ::-1]
            mask = None if mask is None else mask[:, ::-1]
        xs = np.ascontiguousarray(x.transpose(1, 0, 2))
        mask_t = None if mask is None else np.ascontiguousarray(mask.T)
        states = self._initial_states(B, initial_state)
        recorded, derived, out, final = self._run(xs, states, mask_t)
        if self.config["stateful"]:
            self.states = [s.copy() for s in final]
        steps = Steps({k: v.transpose(1, 0, 2) for k, v in recorded.items()},
                      {k: _batch_major(f) for k, f in derived.items()})
        seq = out.transpose(1, 0, 2)
        output = seq if self.config["return_sequences"] else np.ascontiguousarray(out[-1])
        outputs = [output]
        out_masks = [masks[0] if self.config["return_sequences"] else None]
        if self.config["return_state"]:
            outputs += [np.ascontiguousarray(s) for s in final]
            out_masks += [None] * len(final)
        record = LayerTrace(
            self.name, self.class_name, outputs, steps=steps,
            initial_state=dict(zip(self.state_names, states)),
            mask=mask, go_backwards=backwards,
        )
        return outputs, out_masks, record

    def _initial_states(self, batch, initial_state):
        if initial_state:
            fault = self.states_fault(len(initial_state))
            if fault:
                raise LstmvizError(fault)
            states = [np.asarray(s, dtype=np.float32) for s in initial_state]
        elif self.config["stateful"] and self.states is not None:
            states = self.states
            if states[0].shape[0] != batch:
                raise LstmvizError(
                    f"stateful layer '{self.name}' holds states for batch {states[0].shape[0]} "
                    f"but gets batch {batch}; reset its states or keep the batch size"
                )
        else:
            states = [np.zeros((batch, self.units), np.float32) for _ in self.state_names]
        for s in states:
            if s.shape != (batch, self.units):
                raise LstmvizError(
                    f"layer '{self.name}' ({self.class_name}): an initial state has shape "
                    f"{fmt_shape(s.shape)}, needs {fmt_shape((batch, self.units))}"
                )
        return [np.ascontiguousarray(s) for s in states]

    def _bias(self):
        return self.weights[2] if self.config["use_bias"] else None


class SimpleRNN(Recurrent):
    class_name = "SimpleRNN"
    cell = cells.SIMPLE_RNN

    def _run(self, xs, states, mask, **kw):
        return run_simple_rnn(xs, states[0], self.weights[0], self.weights[1], self._bias(),
                              self.act, mask, self.zero_output_for_mask, **kw)


class LSTM(Recurrent):
    class_name = "LSTM"
    cell = cells.LSTM

    def _run(self, xs, states, mask, **kw):
        return run_lstm(xs, states[0], states[1], self.weights[0], self.weights[1],
                        self._bias(), self.act, self.rec, mask, self.zero_output_for_mask, **kw)


class GRU(Recurrent):
    class_name = "GRU"
    cell = cells.GRU

    def _run(self, xs, states, mask, **kw):
        return run_gru(xs, states[0], self.weights[0], self.weights[1], self._bias(),
                       self.act, self.rec, bool(self.config["reset_after"]), mask,
                       self.zero_output_for_mask, **kw)

    def describe(self):
        return super().describe() + ("" if self.config["reset_after"] else ", reset_after=False")


def _batch_major(make):
    """A derived time-major array, handed out as (batch, time, ...) like the rest."""
    return lambda: make().transpose(1, 0, 2)


#: The layer class of each cell kind (engine/cells.py), by Keras class name.
RECURRENT = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


# ---------------------------------------------------------------------------------------
class TimeDistributed(Layer):
    """Applies its inner layer to every timestep (as one batch of batch*timesteps)."""

    class_name = "TimeDistributed"

    def nonnegative(self, inputs: list[bool]) -> bool:
        return self.inner.nonnegative(inputs)

    def __init__(self, name, config=None, keras_major=3, class_name=None, make_layer=None):
        super().__init__(name, config, keras_major, class_name)
        inner = self.config.get("layer")
        if not isinstance(inner, dict) or "class_name" not in inner:
            raise LstmvizError(f"layer '{name}' (TimeDistributed) has no inner layer in its config")
        self.inner = make_layer(inner["class_name"], inner.get("config", {}),
                                inner.get("config", {}).get("name") or f"{name}_inner")

    def _inner_shape(self, s):
        if len(s) < 3:
            raise LstmvizError(
                f"layer '{self.name}' (TimeDistributed) expects input (batch, timesteps, ...) "
                f"but gets {fmt_shape(s)}"
            )
        return (None,) + tuple(s[2:])

    def weight_specs(self, input_shapes):
        return self.inner.weight_specs([self._inner_shape(input_shapes[0])])

    def compute_output_shapes(self, input_shapes):
        s = input_shapes[0]
        inner = self.inner.compute_output_shapes([self._inner_shape(s)])[0]
        return [(s[0], s[1]) + tuple(inner[1:])]

    def build(self, input_shapes, rng, weights=None):
        self.inner.build([self._inner_shape(input_shapes[0])], rng, weights)
        self.weights = self.inner.weights
        self.input_shapes = list(input_shapes)
        self.output_shapes = self.compute_output_shapes(input_shapes)

    def set_weights(self, weights, specs=None):
        self.inner.set_weights(weights, specs)
        self.weights = self.inner.weights

    def call(self, inputs, masks, initial_state=None):
        x = inputs[0]
        B, T = x.shape[:2]
        if isinstance(self.inner, Dense) and x.ndim == 3:  # per step, as Dense does
            out = self.inner.call([x], [None])[0][0]
            return [out], [masks[0]], LayerTrace(self.name, self.class_name, [out])
        flat = x.reshape((B * T,) + x.shape[2:])
        outs, _, _ = self.inner.call([flat], [None])
        out = outs[0].reshape((B, T) + outs[0].shape[1:])
        return [out], [masks[0]], LayerTrace(self.name, self.class_name, [out])

    def param_formula(self):
        return self.inner.param_formula()

    def gate_blocks(self):
        return self.inner.gate_blocks()

    def describe(self):
        return f"{self.inner.class_name}({self.inner.describe()})"


class Bidirectional(Layer):
    """A forward and a backward copy of an RNN over the same input, merged."""

    class_name = "Bidirectional"
    defaults = {"merge_mode": "concat"}

    def __init__(self, name, config=None, keras_major=3, class_name=None, make_layer=None):
        super().__init__(name, config, keras_major, class_name)
        inner = self.config.get("layer")
        if not isinstance(inner, dict) or inner.get("class_name") not in (*RECURRENT, "RNN"):
            got = inner.get("class_name") if isinstance(inner, dict) else None
            raise LstmvizError(
                f"layer '{name}' (Bidirectional) wraps {got!r}; supported: {', '.join(cells.CELLS)}"
            )
        fcfg = dict(inner.get("config", {}))
        back = self.config.get("backward_layer")
        if isinstance(back, dict) and back.get("class_name") in (*RECURRENT, "RNN"):
            bcls, bcfg = back["class_name"], dict(back.get("config", {}))
        else:
            bcls, bcfg = inner["class_name"], dict(fcfg)
            bcfg["go_backwards"] = not fcfg.get("go_backwards", False)
        seqs = bool(fcfg.get("return_sequences", False))
        for key in ("return_sequences", "return_state"):  # (as Keras' Bidirectional checks them)
            if bool(fcfg.get(key, False)) != bool(bcfg.get(key, False)):
                raise LstmvizError(
                    f"layer '{name}' (Bidirectional): its forward layer's {key} is "
                    f"{bool(fcfg.get(key, False))} and its backward layer's {bool(bcfg.get(key, False))}; "
                    f"supported: both halves with the same {key}, as Keras requires")
        for cfg in (fcfg, bcfg):
            cfg["zero_output_for_mask"] = seqs  # as Keras' Bidirectional forces it
        base = fcfg.get("name", "rnn")
        self.forward_layer = make_layer(inner["class_name"], fcfg, f"forward_{base}")
        self.backward_layer = make_layer(bcls, bcfg, f"backward_{bcfg.get('name', base)}")
        for half in (self.forward_layer, self.backward_layer):
            if not isinstance(half, Recurrent):
                raise LstmvizError(
                    f"layer '{name}' (Bidirectional) wraps a stack of cells; supported: one "
                    f"{' or '.join(', '.join(cells.CELLS).rsplit(', ', 1))} (cell)"
                )
        self.merge_mode = self.config["merge_mode"]
        if self.merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise LstmvizError(
                f"layer '{name}' (Bidirectional): merge_mode {self.merge_mode!r} is not one of "
                "concat, sum, mul, ave, None"
            )

    @property
    def units(self):
        return self.forward_layer.units

    def weight_specs(self, input_shapes):
        f = [(f"forward_{n}", s, i) for n, s, i in self.forward_layer.weight_specs(input_shapes)]
        b = [(f"backward_{n}", s, i) for n, s, i in self.backward_layer.weight_specs(input_shapes)]
        return f + b

    def reads_whole_axis(self, axis: int) -> bool:
        """As its halves' (``Recurrent.reads_whole_axis``): axis 2, their features."""
        return self.forward_layer.reads_whole_axis(axis)

    def compute_output_shapes(self, input_shapes):
        fo = self.forward_layer.compute_output_shapes(input_shapes)
        bo = self.backward_layer.compute_output_shapes(input_shapes)
        main = fo[0]
        if self.merge_mode == "concat":
            outs = [tuple(main[:-1]) + (main[-1] + bo[0][-1],)]
        elif self.merge_mode is None:
            outs = [main, bo[0]]
        else:
            outs = [main]
        return outs + fo[1:] + bo[1:]

    def build(self, input_shapes, rng, weights=None):
        nf = len(self.forward_layer.weight_specs(input_shapes))
        nb = len(self.backward_layer.weight_specs(input_shapes))
        if weights is not None and len(weights) != nf + nb:
            raise LstmvizError(
                f"layer '{self.name}' (Bidirectional) has {len(weights)} weight arrays but "
                f"needs {nf + nb} (forward's {nf}, then backward's {nb})"
            )
        self.forward_layer.build(input_shapes, rng, None if weights is None else weights[:nf])
        self.backward_layer.build(input_shapes, rng, None if weights is None else weights[nf:])
        self.weights = self.forward_layer.weights + self.backward_layer.weights
        self.input_shapes = list(input_shapes)
        self.output_shapes = self.compute_output_shapes(input_shapes)

    def set_weights(self, weights, specs=None):
        self.build(self.input_shapes, None, weights)

    def gate_blocks(self):
        blocks = {}
        for side, layer in (("forward", self.forward_layer), ("backward", self.backward_layer)):
            for key, arr in layer.gate_blocks().items():
                blocks[f"{side}/{key}"] = arr
        return blocks

    def param_formula(self):
        forward, backward = self.forward_layer.param_formula(), self.backward_layer.param_formula()
        if forward.split(" = ")[:2] == backward.split(" = ")[:2]:
            return twice(forward, self.count_params())
        # a backward layer of its own (Keras' backward_layer=): each half with its numbers
        f, b = forward.split(" = "), backward.split(" = ")
        return f"[{f[0]}] + [{b[0]}] = [{f[1]}] + [{b[1]}] = {self.count_params():,}"

    def describe(self):
        return f"{self.forward_layer.class_name} {self.forward_layer.describe()}, merge {self.merge_mode}"

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    @property
    def initial_state_names(self) -> tuple[str, ...]:
        return tuple(f"{half} {n}" for half, layer in (("forward", self.forward_layer),
                                                       ("backward", self.backward_layer))
                     for n in layer.initial_state_names)

    def call(self, inputs, masks, initial_state=None):
        fs = bs = None
        if initial_state:
            half = len(initial_state) // 2
            fs, bs = initial_state[:half], initial_state[half:]
        # the two directions are independent: on two threads when the engine has them
        (fo, _, frec), (bo, _, brec) = run_parallel(
            [lambda: self.forward_layer.call(inputs, masks, fs),
             lambda: self.backward_layer.call(inputs, masks, bs)], pool="directions")
        merged = self.merge(fo[0], bo[0])
        outputs = merged + fo[1:] + bo[1:]
        seqs = bool(self.forward_layer.config["return_sequences"])
        m = masks[0] if seqs else None
        out_masks = [m] * len(merged) + [None] * (len(fo) - 1 + len(bo) - 1)
        record = LayerTrace(self.name, self.class_name, outputs,
                            children={"forward": frec, "backward": brec}, mask=masks[0])
        return outputs, out_masks, record

    def merge(self, y, y_rev):
        """The merged output(s) of the forward output ``y`` and the backward one as
        processed (a sequence runs from the last input step: it is reversed first)."""
        if self.forward_layer.config["return_sequences"]:
            y_rev = y_rev[:, ::-1]
        if self.merge_mode == "concat":
            merged = [np.concatenate([y, y_rev], axis=-1)]
        elif self.merge_mode == "sum":
            merged = [y + y_rev]
        elif self.merge_mode == "ave":
            merged = [(y + y_rev) / np.float32(2)]
        elif self.merge_mode == "mul":
            merged = [y * y_rev]
        else:
            merged = [y, np.ascontiguousarray(y_rev)]
        return merged


RNN_OPTIONS = ("return_sequences", "return_state", "go_backwards", "stateful",
               "zero_output_for_mask")


def rnn_cells(config: dict, name: str) -> list[tuple[str, dict]]:
    """The (layer class, config) of each cell of a Keras ``RNN(cell)`` layer."""
    cell = config.get("cell")
    given = cell if isinstance(cell, list) else [cell]
    if len(given) == 1 and isinstance(given[0], dict) and given[0].get("class_name") == "StackedRNNCells":
        given = given[0].get("config", {}).get("cells", [])
    out = []
    for c in given:
        kind = cells.CELL_CLASSES.get(str(c.get("class_name"))) if isinstance(c, dict) else None
        if kind is None or not isinstance(c, dict):
            got = c.get("class_name") if isinstance(c, dict) else c
            raise LstmvizError(
                f"layer '{name}' (RNN) has a cell {got!r}; supported cells: "
                f"{', '.join(cells.CELL_CLASSES)} (or a stack of them)"
            )
        cfg = {k: v for k, v in c.get("config", {}).items() if k != "name"}
        out.append((kind.name, cfg))
    if not out:
        raise LstmvizError(f"layer '{name}' (RNN) has no cell in its config")
    return out


class StackedRNN(Layer):
    """Keras ``RNN([cell_a, cell_b, ...])``: the cells stepped together, each feeding the
    next at every step; the same as a stack of layers that return sequences."""

    class_name = "RNN"

    def __init__(self, name, config=None, keras_major=3, class_name=None, make_layer=None) -> None:
        super().__init__(name, config, keras_major, class_name)
        cells = rnn_cells(self.config, name)
        self.cells: list[Recurrent] = []
        for k, (kind, cfg) in enumerate(cells):
            last = k == len(cells) - 1
            cfg = {**cfg, "return_sequences": bool(self.config.get("return_sequences")) if last else True,
                   "go_backwards": bool(self.config.get("go_backwards")) and k == 0,
                   "stateful": bool(self.config.get("stateful")), "return_state": True,
                   "zero_output_for_mask": bool(self.config.get("zero_output_for_mask"))}
            self.cells.append(RECURRENT[kind](f"{name}_cell_{k}", cfg, keras_major))

    @property
    def initial_state_names(self) -> tuple[str, ...]:
        return tuple(f"{n} of cell {k}" for k, c in enumerate(self.cells) for n in c.state_names)

    def _chain(self, input_shapes):
        shapes = [input_shapes[0]]
        for cell in self.cells:
            shapes.append(cell.compute_output_shapes([shapes[-1]])[0])
        return shapes

    def weight_specs(self, input_shapes):
        shapes = self._chain(input_shapes)
        return [(f"cell_{k}/{n}", s, i) for k, cell in enumerate(self.cells)
                for n, s, i in cell.weight_specs([shapes[k]])]

    def reads_whole_axis(self, axis: int) -> bool:
        """As its cells' (``Recurrent.reads_whole_axis``): axis 2, their features."""
        return self.cells[0].reads_whole_axis(axis)

    def compute_output_shapes(self, input_shapes):
        shapes = self._chain(input_shapes)
        outs = [shapes[-1]]
        if self.config.get("return_state"):
            outs += [(input_shapes[0][0], c.units) for c in self.cells for _ in c.state_names]
        return outs

    def build(self, input_shapes, rng, weights=None):
        shapes = self._chain(input_shapes)
        counts = [len(c.weight_specs([shapes[k]])) for k, c in enumerate(self.cells)]
        if weights is not None and len(weights) != sum(counts):
            raise LstmvizError(
                f"layer '{self.name}' (RNN) has {len(weights)} weight arrays but its cells need {sum(counts)}"
            )
        at = 0
        for k, cell in enumerate(self.cells):
            cell.build([shapes[k]], rng, None if weights is None else weights[at:at + counts[k]])
            at += counts[k]
        self.weights = [w for c in self.cells for w in c.weights]
        self.input_shapes, self.output_shapes = list(input_shapes), self.compute_output_shapes(input_shapes)

    def set_weights(self, weights, specs=None):
        self.build(self.input_shapes, None, weights)

    def reset_states(self):
        for c in self.cells:
            c.reset_states()

    def describe(self):
        return " + ".join(f"{c.cell.cell_class}({c.units})" for c in self.cells)

    def call(self, inputs, masks, initial_state=None):
        x, mask = inputs[0], masks[0]
        states, children = [], {}
        at = 0
        for k, cell in enumerate(self.cells):
            n = len(cell.state_names)
            init = initial_state[at:at + n] if initial_state else None
            at += n
            outs, oms, rec = cell.call([x], [mask], init)
            x = outs[0]
            if k == 0 and cell.config["go_backwards"] and mask is not None:
                mask = mask[:, ::-1]  # later cells see the sequence in processing order
            states += outs[1:]
            children[f"cell_{k}"] = rec
        outputs = [x] + (states if self.config.get("return_state") else [])
        m = masks[0] if self.config.get("return_sequences") else None
        record = LayerTrace(self.name, self.class_name, outputs, children=children, mask=masks[0])
        return outputs, [m] + [None] * (len(outputs) - 1), record


def make_rnn(config: dict, name: str, keras_major: int) -> Layer:
    """Keras' generic ``RNN`` layer: one cell becomes that cell's layer (class name RNN)."""
    cells = rnn_cells(config, name)
    options = {k: config[k] for k in RNN_OPTIONS if k in config}
    if len(cells) == 1:
        kind, cfg = cells[0]
        if keras_major < 3 and not trains(config):  # (tf_keras: a frozen RNN freezes its cell)
            cfg = {**cfg, "trainable": False}
        layer = RECURRENT[kind](name, {**cfg, **options}, keras_major)
        layer.class_name = "RNN"
        return layer
    return StackedRNN(name, config, keras_major)


IDENTITY_CLASSES = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise",
                    "GaussianDropout", "AlphaDropout", "ActivityRegularization")
MERGE_CLASSES = ("Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")

LAYER_CLASSES: dict[str, type[Layer]] = {
    "InputLayer": InputLayer, "Dense": Dense, "Embedding": Embedding, "Masking": Masking,
    "Activation": Activation, "Flatten": Flatten, "RepeatVector": RepeatVector,
    "Reshape": Reshape, "TimeDistributed": TimeDistributed, "NotEqual": NotEqual, "Any": AnyOp,
    **{c: MaskOp for c in MASK_OPS},
    "Bidirectional": Bidirectional,
    **RECURRENT,
    **{c: Identity for c in IDENTITY_CLASSES},
    **{c: Merge for c in MERGE_CLASSES},
    # the layers around recurrent ones: pooling, normalisation, the time axis's shape,
    # activation layers (engine/layers_more.py)
    **MORE_CLASSES,
    # convolution and pooling over the steps (engine/conv.py)
    **CONV_CLASSES,
}
SUPPORTED = sorted(LAYER_CLASSES)


def holds_weights(class_name: str) -> bool:
    """Whether a layer of class ``class_name`` holds weights (the side panel offers Keras'
    ``trainable`` for it): its class says its weights (a ``weight_specs`` of its own; asked
    when called, so a class put in ``LAYER_CLASSES`` later counts too), or it is an ``RNN``
    (``make_rnn``: a recurrent layer, or a ``StackedRNN`` of cells)."""
    cls = LAYER_CLASSES.get(class_name)
    return class_name == "RNN" or (cls is not None and cls.weight_specs is not Layer.weight_specs)


#: Layer families named "<family>.<Class>" (not Keras'): family -> its factory, put in by
#: the module that defines them (``onnx_layers`` registers "onnx"), imported when a layer
#: of the family is first made (``FAMILY_MODULES``: a Keras model never imports them).
LAYER_FAMILIES: dict[str, Any] = {}
FAMILY_MODULES = {"onnx": "lstmviz.engine.onnx_layers"}


def keras_rates(class_name: str, config: Any, name: str) -> Any:
    """A copy of ``config`` with each recurrent layer's and cell's ``dropout`` /
    ``recurrent_dropout`` as Keras' cells keep it (``config_check.keras_rate``:
    ``min(1.0, max(0.0, x))``), in the layers and cells it wraps too (an ``RNN``'s cell or
    ``StackedRNNCells``, a ``Bidirectional``'s or ``TimeDistributed``'s layer): the model's
    config is then the one Keras' ``get_config()`` writes."""
    if not isinstance(config, dict):
        return config
    out = dict(config)
    if class_name in RECURRENT or class_name in cells.CELL_CLASSES:
        for key in RATES:
            if key in out:
                out[key] = keras_rate(out[key], name, class_name, key)
    for key in ("cell", "cells", "layer", "backward_layer"):
        inner = out.get(key)
        parts = [{**p, "config": keras_rates(p["class_name"], p["config"], name)}
                 if isinstance(p, dict) and isinstance(p.get("class_name"), str) else p
                 for p in (inner if isinstance(inner, list) else [inner])]
        if inner is not None:
            out[key] = parts if isinstance(inner, list) else parts[0]
    return out


def make_layer(class_name: str, config: dict | None, name: str, keras_major: int = 3) -> Layer:
    """A layer of Keras class ``class_name`` with ``config`` (Keras 2/3 keys)."""
    family = None
    if "." in class_name:
        prefix = class_name.partition(".")[0]
        if prefix not in LAYER_FAMILIES and prefix in FAMILY_MODULES:
            import importlib

            importlib.import_module(FAMILY_MODULES[prefix])  # registers the family
        family = LAYER_FAMILIES.get(prefix)
    if family is not None:  # e.g. "onnx.LSTM", a node of an ONNX graph (see onnx_layers.py)
        return family(class_name, dict(config or {}), name, keras_major)
    check_config(class_name, config, name)  # wrong types and sizes: one sentence
    config = keras_rates(class_name, config, name)
    if class_name == "RNN":
        return make_rnn(dict(config or {}), name, keras_major)
    cls = LAYER_CLASSES.get(class_name)
    if cls is None:
        if class_name == "Lambda":
            raise LstmvizError(
                f"layer '{name}' is a Lambda layer: it holds Python code, which lstmviz never runs"
            )
        raise LstmvizError(
            f"layer '{name}' is a {class_name}, which lstmviz does not compute; "
            f"supported: {', '.join(c for c in SUPPORTED if c != 'InputLayer')}"
        )
    config = dict(config or {})
    config.setdefault("name", name)

    def inner(cn, cfg, nm):
        return make_layer(cn, cfg, nm, keras_major)

    if cls in (TimeDistributed, Bidirectional):
        return cls(name, config, keras_major, class_name, make_layer=inner)
    return cls(name, config, keras_major, class_name)


def trainable_arrays(model) -> list[np.ndarray]:
    """Every weight array the optimizer moves, in the order ``Gradients`` lists them (Keras'
    ``model.trainable_variables``, the order its optimizer's slots follow): a
    BatchNormalization's gamma and beta, not its moving statistics (``model_arrays``), and
    none of a layer frozen with ``trainable: false`` (``weight_trains``)."""
    out: list[np.ndarray] = []
    for layer in model.layers:
        out.extend(a for a, t in zip(layer_arrays(layer), weight_trains(layer)) if t)
    return out


def trains(config: dict) -> bool:
    """Keras' ``trainable`` flag of a layer's (or cell's) config: True unless it says false."""
    return config.get("trainable", True) is not False


def weight_trains(layer) -> list[bool]:
    """For each of ``layer_arrays(layer)``: whether training moves it (Keras' ``trainable``).
    A weight trains where the layer holding it does: an LSTM's, a cell's, a wrapped layer's own
    flag. Keras 3.15 looks at that flag only (``Bidirectional(LSTM(2), trainable=False)``
    still trains its LSTM; ``layer.trainable = False`` sets every layer it wraps, so a file
    saved after it says false inside too); Keras 2 (tf_keras) freezes whatever a frozen
    wrapper or ``RNN`` holds (its flag and the inner one's both; ``make_rnn`` puts an
    ``RNN(cell)``'s on the cell's layer). A model's own flag moves nothing in either (Keras 3
    does not read it from a file; tf_keras does not write it)."""
    return [flag for holder, flag in _holders(layer) for _ in layer_arrays(holder)]


def frozen_arrays(layer) -> int:
    """How many of ``layer_arrays(layer)`` training leaves where they are (``trainable: false``)."""
    return sum(not t for t in weight_trains(layer))


def _holders(layer, outer: bool = True) -> list[tuple[Layer, bool]]:
    """The layers holding ``layer``'s weights (itself, or those it wraps or steps, in
    ``layer_arrays`` order), each with whether training moves them."""
    own = trains(layer.config)
    if isinstance(layer, (Bidirectional, StackedRNN, TimeDistributed)):
        inner = ([layer.forward_layer, layer.backward_layer] if isinstance(layer, Bidirectional)
                 else list(layer.cells) if isinstance(layer, StackedRNN) else [layer.inner])
        passed = outer and (own or layer.keras_major >= 3)
        return [h for part in inner for h in _holders(part, passed)]
    return [(layer, outer and own)]


def model_arrays(model) -> list[np.ndarray]:
    """Every weight array training changes, each layer's in its ``get_weights()`` order: the
    trainable ones and a BatchNormalization's moving statistics, which ``fit`` moves too
    (what a snapshot of a run keeps, what a copy of the weights copies)."""
    out = []
    for layer in model.layers:
        out.extend(layer_arrays(layer, every=True))
    return out


def layer_arrays(layer, every: bool = False) -> list[np.ndarray]:
    """A layer's trainable arrays (``every``: its moving statistics too)."""
    if isinstance(layer, Bidirectional):
        return layer.forward_layer.weights + layer.backward_layer.weights
    if isinstance(layer, StackedRNN):
        return [w for c in layer.cells for w in c.weights]
    if isinstance(layer, TimeDistributed):
        return layer_arrays(layer.inner, every)
    if not every and hasattr(layer, "trainable_weights"):  # (a BatchNormalization)
        return layer.trainable_weights()
    return layer.weights
