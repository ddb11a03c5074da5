"""Where the steps of a long sequence go through the ONNX ops around a recurrent node.

Real exports (``torch.onnx.export``, classic and dynamo; tf2onnx) surround an LSTM / GRU /
RNN node with Shape, Gather, Slice, Squeeze, Unsqueeze, Transpose, Concat, Reshape,
ConstantOfShape / Expand ...: the layout changed, the direction axis of Y squeezed, the
initial states made from the input's batch size, the last step picked. ``follow`` says,
for one such op (``engine/onnx_layers.OnnxOp``), on which axis each of its outputs holds
the input's steps (``None``: it holds none, and is computed once over the whole sequence
in a keyframe pass, as a whole trace computes it), from where its inputs hold them; or
refuses, in one line, an op a window of steps cannot be computed through.

A tensor without steps may still depend on the sequence's length: a Shape of a sequence
holds it. Such a tensor carries a *tag*: a boolean array of its shape, True where an
element is exactly the length (what Shape, then Gather, Slice, Concat, Unsqueeze, Cast ...
make of it; ``ALL`` where every element is, its shape known only when run), or ``ANY``
where it depends on the length otherwise (arithmetic on it) or on some of the steps (the
last step picked, a node's final states).
Without steps, tags are harmless: the tensor is computed once over the whole sequence,
in a window as in a whole trace (a Shape reading the length sees the whole sequence's);
but a plain trace of the first steps (the app's first view of a long input) would compute
it from those. So an op over a sequence takes a tagged operand only as an elementwise op's
operand tagged ``ANY`` (the last step, a ReduceMean over the steps: of size 1 on the time
axis, the pass's numbers merged into each step, and ``windows.whole_sequence_layer`` shows
no step before the pass; one holding the length is refused: a window's is not it), as a Reshape's shape,
whose tagged element is the time axis of its output: a window computes it with the window's length
there (``window_operand``); or as a ReverseSequence's lengths, every one the whole
length (tf2onnx's go_backwards): a window of it is the input's mirrored window turned
around (``reversed_steps``); anything else refused.

A Conv, MaxPool or AveragePool over (N, C, L) (``onnx_ops.WINDOW_OPS``: torch's Conv1d and
MaxPool1d / AvgPool1d before an LSTM) reads the steps around each step: followed where its
input holds the steps on axis 2, its output's on axis 2 too, output step t reading input steps
``t*stride - before`` on, a window of ``span`` (any strides, dilations, pads, ``auto_pad``
NOTSET / VALID / SAME_UPPER / SAME_LOWER, ``ceil_mode``: ``onnx_ops.window_of``). One that
keeps the steps (strides 1, pads giving as many steps as it reads: ``onnx_ops.changes_steps``
"") runs on the input's clock; one that changes them (torch's MaxPool1d(2): one step of every
2) has steps of its own, as Keras' strided Conv1D has (``engine/windows._clocks``:
``OnnxWindowOp.steps_out``, its scale times its stride), and the nodes after it, the LSTM
node's keyframes too, count those. A window computes it over the input steps its outputs
reach (``onnx_layers.OnnxWindowOp.window``: ``reads_of``, in a whole trace's chunks of output
steps). One over another axis, or of attributes lstmviz does not compute, is refused in one
line saying so (``_refuse_window``). A ReduceMean / ReduceMax over the steps (torch's
``out.max(dim=1)`` after the LSTM) leaves a tensor without steps, computed once over the whole
sequence by the pass as a last step picked is; over other axes it keeps each step apart. A
BatchNormalization between them (at inference, per channel: axis 1) computes each element on
its own, and is followed where the steps are on another axis.

A Softmax or LogSoftmax (opset 13 on: over its one ``axis``) of a sequence keeps its steps
where they are: off the time axis each step on its own, over it (attention weights over
time) each step's share reads every step: ``OnnxOp.along_steps`` says so, and the pass
computes its whole output once and holds it, each window's steps a slice of it
(``windows._plan``'s ``held``, as a Keras Softmax(axis=1)'s). Before opset 13 it flattens
its input to two axes at its ``axis`` (1 by default) and shares over the second: over (N, T,
F) of axis 1, T*F numbers, every step's, held whole alike (``along_steps`` asks whether the
time axis is among the flattened ones); over the time-major (T, 1, N, U) of axis 1 each
share is one step's numbers, each step on its own.

A LayerNormalization normalises over the axes from its ``axis`` to the last: where the time
axis is before them (torch's LayerNorm of an LSTM's features: the last axis) it computes each
step on its own, and its output (its Mean and InvStdDev too, of size 1 on the normalised
axes) keeps the steps on the input's axis (``_layer_norm_axis``); over the time axis each
step's numbers would be the whole sequence's, refused in one line. torch's export at opset 16
decomposes it into a ReduceMean over the last axis with keepdims (its steps kept), Sub, Pow,
Add, Sqrt, Div, Mul, Add (elementwise): followed op by op; a ReduceMean over the steps
subtracted from each step is a tensor made of the whole sequence beside the steps, followed
as above.
"""

from __future__ import annotations

import numpy as np

from lstmviz.errors import LstmvizError
from lstmviz.text import plural

#: The tag of a tensor that depends on the sequence's length otherwise than by holding it.
ANY = "any"
#: The tag of a tensor whose every element is the sequence's length (its shape known only
#: when run: an Expand of the length to the batch's size, tf2onnx's sequence lengths).
ALL = "all"

#: Ops that compute each element from the same element of their inputs (broadcasting; Pow
#: and Sqrt: torch's LayerNorm decomposed at opset 16, ``x - mean``, its square, the root).
ELEMENTWISE = frozenset({
    "Identity", "Cast", "Relu", "Tanh", "Sigmoid", "Not", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt",
    "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal", "And", "Or", "Xor", "Where"})
#: Ops whose constant input may hold a graph's fixed steps, step t beside the sequence's (``spans``).
SPANNING = ELEMENTWISE | {"Concat"}
#: Ops that move elements without computing: a tag goes where its element goes.
MOVING = frozenset({"Identity", "Cast", "Gather", "Slice", "Concat", "Unsqueeze", "Squeeze",
                    "Reshape", "Transpose", "Flatten", "Expand"})


class _In:
    """One ONNX input of an op: its steps axis, tag, rank, shape (None where unknown) and
    value (known for constants and weights only)."""

    def __init__(self, kind, axis=None, tag=None, rank=None, shape=None, value=None):
        self.kind, self.axis, self.tag, self.rank, self.shape, self.value = kind, axis, tag, rank, shape, value

    @property
    def known(self) -> bool:
        return self.value is not None


def operands(layer, in_axes, in_tags, in_shapes, length: int | None = None) -> list[_In]:
    """The op's ONNX inputs in order (``layer.config['slots']``) as ``_In``s, from its
    inbound tensors' axes, tags and shapes. In a graph that fixes its sequence length to
    ``length`` steps (``fixed_length``), a Reshape of a sequence whose constant shape names
    that length (torch's dynamo export of a time-major LSTM's Y: ``[T, -1, units]``) has
    that element tagged as the length, as if a Shape had read it (``window_shape``)."""
    out = []
    for j, slot in enumerate(layer.config["slots"]):
        kind = slot[0]
        if kind == "in":
            k = slot[1]
            shape = in_shapes[k]
            out.append(_In("in", in_axes[k], in_tags[k], None if shape is None else len(shape), shape))
        elif kind in ("weight", "const"):
            v = np.asarray(layer.weights[slot[1]] if kind == "weight" else layer._consts[slot[1]])
            tag = None
            if (length is not None and kind == "const" and j == 1 and getattr(layer, "op", None) == "Reshape"
                    and out and out[0].axis is not None and np.issubdtype(v.dtype, np.integer)
                    and bool(np.any(v == length))):
                tag = names_length(v, length, out[0].axis)
            out.append(_In(kind, None, tag, np.ndim(v), tuple(np.shape(v)), v))
        else:
            out.append(_In("none"))
    slots = layer.config["slots"]
    if all(s[0] != "in" or in_axes[s[1]] is None or (in_shapes[s[1]] is not None
                                                     and in_shapes[s[1]][in_axes[s[1]]] == length) for s in slots):
        for j, axis in spans(layer, in_axes, [None if s is None else len(s) for s in in_shapes], length).items():
            out[j].axis = axis  # (a constant of the graph's steps: followed as a sequence, sliced by windows)
    return out


def spans(layer, in_axes, in_ranks, length: int | None) -> dict[int, int]:
    """{input: its time axis} of each constant input of an elementwise op or a Concat
    (``SPANNING``) holding ``length`` steps (the length the graph fixes, ``fixed_length``) on
    the sequence's time axis, as broadcasting aligns it: torch's export without dynamic axes
    folds a positional term ``x + pe[:, :T]`` into a constant of the T steps it was traced on.
    Step t of the sequence meets step t of the constant, so a window of steps a..b-1 is
    computed with the constant's a..b-1 (``OnnxOp.call``'s ``cut``), the same numbers."""
    if length is None or length < 2 or getattr(layer, "op", None) not in SPANNING:
        return {}
    slots = layer.config["slots"]
    seq = [(in_axes[s[1]], in_ranks[s[1]]) for s in slots if s[0] == "in" and in_axes[s[1]] is not None]
    if not seq or any(r is None for _, r in seq):
        return {}
    consts = {j: np.shape(layer.weights[s[1]] if s[0] == "weight" else layer._consts[s[1]])
              for j, s in enumerate(slots) if s[0] in ("weight", "const")}
    rank = max([r for _, r in seq] + [len(sh) for sh in consts.values()])
    where = {a + rank - r for a, r in seq}
    if len(where) != 1:
        return {}
    ax = where.pop()
    return {j: ax - (rank - len(sh)) for j, sh in consts.items()
            if ax - (rank - len(sh)) >= 0 and sh[ax - (rank - len(sh))] == length}


def fixed_length(model) -> int | None:
    """The sequence length an ONNX graph fixes (its 3-D input declaring a number of steps:
    torch.onnx.export without dynamic axes, or a Reshape's constant naming them,
    ``io/onnx_model``'s ``FixedSteps``), None where it leaves it open or is no ONNX graph.
    Such a graph runs on that many steps only (``Model.check_inputs`` refuses others, as
    onnxruntime does); a long input of that length is traced by windows where each op is
    followed with that length as the sequence's (``operands``, ``window_shape``)."""
    if (getattr(model, "source", None) or {}).get("format") != "onnx":
        return None
    return next((int(shape[ax]) for shape, ax in declared_inputs(model)
                 if len(shape) == 3 and shape[ax] is not None), None)


def declared_inputs(model):
    """(batch shape, time axis: 0 where time-major) of each input of data the model
    declares, in order (not an ONNX node's sequence_lens or initial state): what
    ``fixed_length`` (an ONNX graph's, the first 3-D one fixing its steps) and
    ``windows.fixed_input_length`` (any model's, its first input) read."""
    from lstmviz.engine.layers import InputLayer

    for node in model.nodes:
        layer = node.layer
        if isinstance(layer, InputLayer) and not layer.config.get("role"):
            yield list(layer.config.get("batch_shape") or []), 0 if layer.config.get("time_major") else 1


def fixed_words(length: int, steps: int, which: str = "the input") -> str:
    """The one line refusing ``steps`` steps to a graph that runs on ``length`` only
    (``fixed_length``), said by every path: ``Model.check_inputs`` (lstmviz trace, grad,
    ``model.trace``), the pass of a long input (``windows``), the app's File > Open input,
    File > Open a long input, ``--input``, ``lstmviz.picture`` / ``show`` (``fixed_refusal``)."""
    n = plural(length, "step", sep=",")
    return (f"the graph fixes its sequence length to {n} and {which} has {steps:,}: give it {n}, "
            "or export the model with a dynamic sequence axis")


def fixed_refusal(model, steps: int) -> str | None:
    """``fixed_words`` where ``model`` is an ONNX graph that runs on another number of steps
    than ``steps`` (``fixed_length``), else None."""
    n = fixed_length(model)
    return fixed_words(n, steps) if n is not None and steps != n else None


def names_length(shape, length: int, axis: int | None):
    """Which elements of a Reshape's constant ``shape`` name the length ``length`` a graph
    fixes, its data holding the steps on ``axis``: those equal to it, or where several are
    (the units or the batch of that size too: ``[40, -1, 40]`` of an LSTM of 40 units over
    40 steps), the one at ``axis`` alone, the steps kept where they are (``check_run``
    checks it on the whole sequence; where it is not one of them, all: refused)."""
    tag = np.asarray(shape).reshape(-1) == length
    if int(tag.sum()) > 1 and axis is not None and axis < tag.size and tag[axis]:
        tag = np.arange(tag.size) == axis
    return tag


def window_shape(layer, k: int, value, length: int, steps: int, axis: int | None = None):
    """ONNX op ``layer``'s constant input ``k`` over a window of ``steps`` steps of a graph
    fixing its length to ``length``: a Reshape's shape with its element naming the length
    (the one ``follow`` kept the time axis at: ``operands``, ``names_length`` of its data's
    time axis ``axis``) the window's; others as they are."""
    if k != 1 or layer.op != "Reshape":
        return value
    v = np.asarray(value)
    if not np.issubdtype(v.dtype, np.integer) or not np.any(v == length):
        return value
    v = v.copy()
    v.reshape(-1)[names_length(v, length, axis)] = steps
    return v


def _refuse(layer, why: str) -> LstmvizError:
    return LstmvizError(
        f"layer '{layer.name}' ({layer.class_name}) {why}; a long sequence is traced by windows "
        "only through ops that keep each step apart (elementwise, Transpose, Squeeze, Unsqueeze, "
        "Slice or Gather off the time axis or of one step, Concat off it, Reshape keeping it, "
        "sizes from Shape, Conv and pooling nodes over (N, C, L), BatchNormalization, LayerNormalization "
        "off the time axis, ReduceMean or ReduceMax off the time axis or over it, Softmax and LogSoftmax)")


def _refuse_window(layer, why: str) -> LstmvizError:
    """A Conv / pooling node a window cannot follow, refused as Keras' Conv1D is
    (``windows._plan``): what it does to the steps, and what is followed."""
    return LstmvizError(
        f"layer '{layer.name}' ({layer.class_name}) {why}; a long sequence is traced by windows through "
        "ONNX Conv, MaxPool and AveragePool nodes over (N, C, L), their steps on axis 2 (any strides, "
        "dilations and pads 0 or more, auto_pad NOTSET, VALID, SAME_UPPER or SAME_LOWER, ceil_mode) "
        "(a shorter input, or more memory for a whole trace, File > Memory limit, shows it)")


def tagged(tag) -> bool:
    """Whether a tensor tagged ``tag`` depends on the sequence's length (or on some of its
    steps): holds it somewhere, or is ``ANY``."""
    return isinstance(tag, str) or (tag is not None and bool(np.any(tag)))


def _every_t(tag) -> bool:
    """Whether every element of a tensor tagged ``tag`` is the sequence's length."""
    return tag is ALL or (isinstance(tag, np.ndarray) and tag.size > 0 and bool(tag.all()))


def _as_tag(x: _In):
    """``x``'s tag as an array of its shape (None where its shape is not known)."""
    if isinstance(x.tag, np.ndarray):
        return x.tag
    known = x.shape is not None and all(isinstance(d, int) and d >= 0 for d in x.shape)
    if x.tag is ALL:
        return np.ones(x.shape, bool) if known else None
    if x.value is not None:
        return np.zeros(x.value.shape, bool)
    return np.zeros(x.shape, bool) if known else None


def _params(op: str, ins: list[_In]) -> list[int]:
    """Positions of the operands that hold data (the rest are indices, shapes, axes)."""
    if op == "Concat":
        return [k for k, x in enumerate(ins) if x.kind != "none"]
    if op == "Where":
        return [1, 2]
    return [0]


def follow(layer, ins: list[_In], out_ranks: list[int | None]) -> tuple[list, list]:
    """(each output's steps axis or None, each output's tag) of the ONNX op ``layer`` whose
    inputs are ``ins`` (see the module docstring); LstmvizError where the steps cannot be
    followed through it."""
    op = layer.op
    attrs = layer.config.get("attrs") or {}
    n_out = max(1, len(out_ranks))
    seqs = [x for x in ins if x.axis is not None]
    if op == "Shape":
        x = ins[0]
        if x.axis is None:
            return [None], [None if not tagged(x.tag) else ANY]
        if x.rank is None:
            return [None], [ANY]
        tag = np.zeros(x.rank, bool)
        tag[x.axis] = True
        rank = x.rank
        start, end = int(attrs.get("start", 0)), attrs.get("end")
        start = min(max(start + rank if start < 0 else start, 0), rank)
        end = rank if end is None else int(end)
        end = min(max(end + rank if end < 0 else end, 0), rank)
        return [None], [tag[start:end]]
    if not seqs:
        return [None] * n_out, [_static_tag(layer, op, attrs, ins)] * n_out
    for x in ins:
        if x.axis is None and tagged(x.tag) and not (op in ("Reshape", "ReverseSequence") and x is ins[1]) and not (
                op in ELEMENTWISE and x.tag is ANY):
            # (an elementwise op of a sequence and a tensor made of the whole sequence, a
            # ReduceMean over the steps, the last step: computed once by the pass before it,
            # each window's steps merged with those very numbers (``_seq_axis``: of size 1 on the
            # time axis); one holding the length is refused: a window's length is not it)
            raise _refuse(layer, "reads, beside its steps, " + (
                "a tensor made of the whole sequence (some of its steps), other than by an elementwise op"
                if x.tag is ANY else "the sequence's length"))
    ax = _seq_axis(layer, op, attrs, ins, out_ranks)
    if op == "LayerNormalization":  # (its Mean and InvStdDev too: a number a step, size 1 on the features)
        return [ax] * n_out, [None] * n_out
    # (some steps picked: a tensor of the whole sequence's, which no op over steps may read)
    return [ax] + [None] * (n_out - 1), [None if ax is not None else ANY] + [None] * (n_out - 1)


def _static_tag(layer, op, attrs, ins: list[_In]):
    """The tag of an op's output without steps."""
    data = set(_params(op, ins))
    if not any(tagged(x.tag) for x in ins):
        return None
    if any(x.tag is ANY for x in ins) or op not in MOVING:
        return ANY
    if any(tagged(x.tag) for k, x in enumerate(ins) if k not in data):
        return ANY  # (indices or a shape made of the length)
    # (moved where only running it says: every element still the length, or unknown)
    unknown = ALL if all(_every_t(x.tag) for k, x in enumerate(ins) if k in data and x.kind != "none") else ANY
    args: list = []
    for k, x in enumerate(ins):
        if x.kind == "none":
            args.append(None)
        elif k in data:
            t = _as_tag(x)
            if t is None:
                return unknown
            args.append(t)
        elif x.known:
            args.append(x.value)
        else:
            return unknown  # (an index or shape known only when run)
    try:
        from lstmviz.engine import onnx_ops  # (only for an ONNX graph: not at the app's start)

        got = onnx_ops.evaluate("Identity" if op == "Cast" else op, attrs, args, int(layer.config.get("opset", 17)))[0]
    except (LstmvizError, ValueError, TypeError, IndexError):
        return ANY
    return np.asarray(got).astype(bool)


def _axes_of(layer, attrs, ins, k: int):
    """Constant axes (an attribute, or the op's input ``k`` where it is a constant)."""
    if len(ins) > k and ins[k].kind != "none":
        if not ins[k].known:
            raise _refuse(layer, "takes its axes from a tensor known only when run")
        return [int(v) for v in ins[k].value.reshape(-1)]
    return attrs.get("axes")


def _seq_axis(layer, op, attrs, ins: list[_In], out_ranks):
    x = ins[0]
    out_rank = out_ranks[0] if out_ranks else None
    if op in ELEMENTWISE:
        if out_rank is None:
            raise _refuse(layer, "has an output of unknown rank")
        where = set()
        for y in ins:
            if y.kind == "none":
                continue
            if y.rank is None:
                raise _refuse(layer, "reads a tensor of unknown rank beside a sequence")
            if y.axis is not None:
                where.add(y.axis + out_rank - y.rank)
        if len(where) != 1:
            raise _refuse(layer, "combines sequences whose steps are on different axes")
        ax = where.pop()
        for y in ins:  # a tensor without steps: of size 1 (or absent) on the time axis
            if y.kind == "none" or y.axis is not None:
                continue
            pos = ax - (out_rank - y.rank)
            if pos >= 0 and (y.shape is None or y.shape[pos] != 1):
                raise _refuse(layer, "combines a sequence with a tensor that may span its steps")
        return ax
    if any(y.axis is not None and y.rank is None for y in ins) or x.rank is None:
        raise _refuse(layer, "reads a tensor of unknown rank")
    if op in ("Softmax", "LogSoftmax"):
        # (over the time axis, each step's share reads every step: ``OnnxOp.along_steps``,
        # its whole output computed once and held by a long input's pass, ``windows._plan``;
        # before opset 13 over every axis from its ``axis``, the input flattened there: held
        # where the steps are among them, else each share one step's, its rows one step's
        # numbers, summed alike whatever the rows' count)
        return x.axis
    if op == "LayerNormalization":
        return _layer_norm_axis(layer, attrs, ins)
    if any(y.axis is not None for y in ins[1:]) and op != "Concat":
        raise _refuse(layer, "takes indices, a shape or axes from a sequence")
    if op in _onnx_ops().WINDOW_OPS:
        return _window_axis(layer, attrs, ins)
    if op in _onnx_ops().CHANNEL_OPS:  # (BatchNormalization at inference: each element on its own)
        if x.axis == 1:
            raise _refuse(layer, "normalises its time axis as channels, a parameter a step")
        return x.axis
    if op == "Transpose":
        perm = attrs.get("perm") or list(range(x.rank))[::-1]
        return list(perm).index(x.axis)
    if op == "Squeeze":
        axes = _axes_of(layer, attrs, ins, 1)
        if axes is None:
            raise _refuse(layer, "squeezes every axis of size 1 (the steps' too, for a window of one)")
        axes = [a % x.rank for a in axes]
        if x.axis in axes:
            raise _refuse(layer, "squeezes the time axis")
        return x.axis - sum(a < x.axis for a in axes)
    if op == "Unsqueeze":
        axes = _axes_of(layer, attrs, ins, 1)
        if axes is None:
            raise _refuse(layer, "has no axes")
        rank = x.rank + len(axes)
        ax = x.axis
        for a in sorted(a % rank for a in axes):
            if a <= ax:
                ax += 1
        return ax
    if op == "Slice":
        if int(layer.config.get("opset", 17)) < 10:
            axes = attrs.get("axes") or list(range(len(attrs.get("starts", []))))
        else:
            if not all(y.known for y in ins[1:3]):
                raise _refuse(layer, "slices by bounds known only when run")
            n = ins[1].value.size
            axes = _axes_of(layer, attrs, ins, 3) or list(range(n))
        if x.axis in [a % x.rank for a in axes]:
            return None  # (a slice of steps: computed once over the whole sequence)
        return x.axis
    if op == "Gather":
        if not ins[1].known:
            raise _refuse(layer, "gathers by indices known only when run")
        axis = int(attrs.get("axis", 0)) % x.rank
        if axis == x.axis:
            return None  # (steps picked: computed once over the whole sequence)
        return x.axis + (ins[1].value.ndim - 1 if axis < x.axis else 0)
    if op == "Concat":
        axis = int(attrs["axis"]) % x.rank
        got = {y.axis for y in ins if y.kind != "none"}
        if got != {x.axis} or axis == x.axis:
            raise _refuse(layer, "joins a sequence with a tensor without its steps, or along the time axis")
        return x.axis
    if op == "Reshape":
        return _reshape_axis(layer, attrs, ins)
    if op == "ReverseSequence":  # (tf2onnx's go_backwards: every sequence reversed whole)
        lens = ins[1]
        if not (_every_t(lens.tag) and int(attrs.get("time_axis", 0)) == x.axis and x.axis in (0, 1)
                and int(attrs.get("batch_axis", 1)) == 1 - x.axis):
            raise _refuse(layer, "reverses sequences by lengths other than the whole sequence's")
        return x.axis  # (its steps lo..hi-1: the input's T-hi..T-lo-1 turned around: ``reversed_steps``)
    if op in ("ReduceMean", "ReduceMax"):
        return _reduce_axis(layer, attrs, ins)
    if op == "MatMul":
        if ins[1].rank != 2 or x.rank < 3 or x.axis >= x.rank - 2:
            raise _refuse(layer, "multiplies with the steps as rows of one product (a window's rows "
                                 "would be summed otherwise)")
        return x.axis
    mixes = ("Flatten", "Expand", "Gemm", "ReduceProd")
    raise _refuse(layer, "mixes or reorders the steps" if op in mixes else "is not followed step by step")


def _layer_norm_axis(layer, attrs, ins: list[_In]) -> int:
    """A LayerNormalization over the axes from ``axis`` to the last (torch's LayerNorm of
    the features after an LSTM: the last) computes each step on its own where the time axis
    is before them: its output, and its Mean and InvStdDev where it names them (of size 1
    on the normalised axes), keep the steps on the input's axis. Over the time axis, each
    step's numbers would be the whole sequence's: refused in one line."""
    x = ins[0]
    axis = int(attrs.get("axis", -1))
    first = axis % x.rank if -x.rank <= axis < x.rank else None
    if first is None or x.axis >= first:
        where = ("its last axis, the time axis" if first == x.axis == x.rank - 1 else
                 f"axes {first if first is not None else axis} to {x.rank - 1}, its time axis {x.axis} among them")
        raise _refuse(layer, f"normalises over {where} (each step's numbers made of the whole sequence's)")
    if any(y.axis is not None for y in ins[1:]):
        raise _refuse(layer, "takes its scale or bias from a sequence")
    return x.axis


def _reduce_axis(layer, attrs, ins: list[_In]):
    """A ReduceMean / ReduceMax: over other axes it keeps each step apart (its steps where
    the axes before them leave them); over the time axis (torch's ``out.max(dim=1)`` after
    an LSTM) its output has no steps and is computed once over the whole sequence in a
    keyframe pass, as a last step picked is (tagged: made of the steps)."""
    x = ins[0]
    got = _axes_of(layer, attrs, ins, 1) if int(layer.config.get("opset", 17)) >= 18 else attrs.get("axes")
    if not got:
        if got is not None and _onnx_ops().flag(layer.op, attrs, "noop_with_empty_axes", 0):
            return x.axis  # (no axes: the input as it is)
        return None  # (every axis reduced: the steps' too)
    reduced = [int(a) % x.rank for a in got]
    if x.axis in reduced:
        return None  # (over the steps: computed once over the whole sequence)
    return x.axis if _onnx_ops().flag(layer.op, attrs, "keepdims", 1) else x.axis - sum(a < x.axis for a in reduced)


def _onnx_ops():
    from lstmviz.engine import onnx_ops  # (only for an ONNX graph: not at the app's start)

    return onnx_ops


def _window_axis(layer, attrs, ins: list[_In]) -> int:
    """A Conv / MaxPool / AveragePool over (N, C, L) holds its output's steps on axis 2:
    output step t reads the input steps from ``t*stride - zeros before`` on (any strides,
    dilations, pads, ``auto_pad``, ``ceil_mode``: ``onnx_ops.window_of``); one that changes
    the steps has steps of its own (``engine/windows._clocks``: ``OnnxWindowOp.steps_out``,
    its scale times its stride); a window computes it over the input steps its outputs
    read (``onnx_layers.OnnxWindowOp.window``). One over another axis, or whose window
    lstmviz does not compute, is refused in one line saying why."""
    from lstmviz.engine import onnx_ops

    x = ins[0]
    if x.rank != 3 or x.axis != 2:
        raise _refuse_window(layer, f"reads a tensor of rank {x.rank} whose steps are on axis {x.axis}, "
                                    "not the last axis of (N, C, L)")
    w = ins[1] if layer.op == "Conv" and len(ins) > 1 else None
    kernel = onnx_ops.window_kernel(layer.op, attrs, [w.shape] if w is not None and w.shape is not None else [])
    try:  # (its pads are checked over an input of one window, its output steps at ``_clocks``)
        (s,), (d,) = attrs.get("strides") or [1], attrs.get("dilations") or [1]
        onnx_ops.window_of(layer.op, attrs, (kernel - 1) * int(d) + int(s), kernel)
    except (ValueError, TypeError):
        raise _refuse_window(layer, "has strides or dilations of more than one axis") from None
    except LstmvizError as err:
        raise _refuse_window(layer, str(err).split(": ", 1)[-1]) from None
    return 2


def drawn_axes(layer, in_axes: list, in_tags: list, in_shapes: list, out_ranks: list) -> tuple[list, list]:
    """(each output's steps axis or None, each output's tag) of the ONNX op ``layer``, for
    the views (the Unrolled view's columns, the player's clock), from where its inbound
    tensors hold steps (``in_axes``), their tags and shapes. Unlike ``follow`` (whether a
    window of steps can be computed through the op, which it answers for the ops that keep
    each step apart) it also goes through the ops that read several steps or channels at
    once: a ``onnx_ops.WINDOW_OPS`` node (Conv, MaxPool, AveragePool) makes new steps on
    axis 2 of (N, C, L), each read from the input steps ``onnx_ops.window_steps`` gives; a
    ``onnx_ops.CHANNEL_OPS`` node (BatchNormalization) keeps them where they were, also on
    axis 1; a ReduceMean / ReduceMax over them leaves none (``follow`` takes such a one beside
    the steps into an elementwise op only). None (no steps) where even ``follow`` cannot say."""
    from lstmviz.engine import onnx_ops  # (only for an ONNX graph: not at the app's start)

    op = layer.op
    attrs = layer.config.get("attrs") or {}
    n_out = max(1, len(out_ranks))
    rest = [None] * (n_out - 1)
    ins = operands(layer, in_axes, in_tags, in_shapes)
    x = ins[0] if ins else None
    if op in onnx_ops.WINDOW_OPS:
        return [2 if x is not None and x.axis == 2 and x.rank == 3 else None] + rest, [None] * n_out
    if x is not None and x.axis is not None and x.rank is not None:
        axis: int | None = x.axis
        if op in onnx_ops.CHANNEL_OPS:
            return [axis] + rest, [None] * n_out
        if op in ("ReduceMean", "ReduceMax"):
            try:
                got = (_axes_of(layer, attrs, ins, 1) if int(layer.config.get("opset", 17)) >= 18
                       else attrs.get("axes"))
            except LstmvizError:
                got = None
            if not got:
                axis = x.axis if got is not None and onnx_ops.flag(op, attrs, "noop_with_empty_axes", 0) else None
            else:
                reduced = [int(a) % x.rank for a in got]
                axis = (None if x.axis in reduced else x.axis if onnx_ops.flag(op, attrs, "keepdims", 1)
                        else x.axis - sum(a < x.axis for a in reduced))
            return [axis] + rest, [None] * n_out
    try:
        return follow(layer, ins, out_ranks)
    except LstmvizError:
        return [None] * n_out, [None] * n_out


def _reshape_axis(layer, attrs, ins: list[_In]):
    """A Reshape of a sequence keeps its steps apart when its shape's element that is the
    length (tagged), or an element 0 copying the time axis with only copies before it,
    stands where the elements before it hold what the input's before its time axis hold
    (checked on the arrays by ``check_run``)."""
    x, s = ins[0], ins[1]
    if int(layer.config.get("opset", 17)) < 5:
        raise _refuse(layer, "takes its shape from an attribute (opset < 5)")
    if isinstance(s.tag, np.ndarray) and s.tag.ndim == 1 and int(s.tag.sum()) == 1:
        return int(np.flatnonzero(s.tag)[0])
    if s.tag is None and s.known and not attrs.get("allowzero", 0):
        shape = [int(v) for v in s.value.reshape(-1)]
        if len(shape) > x.axis and all(v == 0 for v in shape[:x.axis + 1]):
            return x.axis
    raise _refuse(layer, "reshapes its input to a shape that does not keep the time axis apart")


def reversed_steps(layer) -> bool:
    """Whether ``layer``, an op ``follow`` kept the steps through, turns them around (a
    ReverseSequence of whole sequences): its steps lo..hi-1 are its input's T-hi..T-lo-1."""
    return getattr(layer, "op", None) == "ReverseSequence"


def check_run(layer, ins: list, in_axes: list, out, axis: int, T: int) -> None:
    """After a pass computed ``layer`` over the whole sequence: its output holds the
    ``T`` steps on ``axis``, and a Reshape put what came before the input's time axis
    before it (a window computes the same op over fewer steps)."""
    shape = np.shape(out)
    ok = len(shape) > axis and shape[axis] == T
    if ok and layer.op == "Reshape":
        x = np.asarray(ins[0])
        ok = int(np.prod(x.shape[:in_axes[0]], dtype=np.int64)) == int(np.prod(shape[:axis], dtype=np.int64))
    if not ok:
        raise _refuse(layer, f"gives {list(shape)} from a sequence of {T:,} steps, the steps not kept on axis {axis}")


def window_operand(value, tag, steps: int):
    """A Reshape's shape over a window of ``steps`` steps: its tagged element the window's
    length."""
    if not isinstance(tag, np.ndarray) or not tag.any():
        return value
    v = np.array(value)
    v[tag] = steps
    return v


def reads_reversed(layer) -> bool:
    """Whether the ONNX recurrent node ``layer`` reads the model's input turned around: a
    ReverseSequence of whole sequences feeds it (tf2onnx's ``go_backwards``), so its step t
    reads input step T-1-t, as a Keras go_backwards layer's does (``mark_steps_first``
    marks it)."""
    return bool(getattr(layer, "reversed_input", False))


def mark_steps_first(model) -> None:
    """In an ONNX graph, each Dense (a MatMul of a constant matrix) that reads a sequence
    with its steps on axis 0 (time-major: torch's nn.LSTM without batch_first, then a
    Linear over every step) makes one product per step (``Dense.steps_first``), as it does
    of a (batch, steps, ...) one: a window of steps then gets the very numbers of the
    whole sequence. Axes are followed from the inputs as ``follow`` says (their declared
    shapes); the first op it refuses ends the marking (such a graph gets no windows).
    On the way, each recurrent node whose input holds the input's steps turned around (a
    ReverseSequence of whole sequences before it, tf2onnx's go_backwards) is marked as
    reading its input reversed (``reads_reversed``)."""
    from lstmviz.engine.layers import Dense, InputLayer

    nodes = model.nodes
    if not any(str(n.layer.class_name).startswith("onnx.") for n in nodes):
        return
    axes: dict[str, list] = {}
    tags: dict[str, list] = {}
    shapes: dict[str, list] = {}
    #: per layer, whether each output's steps are the input's turned around (None: no steps)
    flips: dict[str, list] = {}
    length = fixed_length(model)
    for node in nodes:
        layer, name = node.layer, node.layer.name
        outs = [tuple(s) if s is not None else None for s in (layer.output_shapes or [None])]
        shapes[name] = outs
        if isinstance(layer, InputLayer):
            shape = list(layer.config.get("batch_shape") or [])
            steps = len(shape) >= 2 and not layer.config.get("role")
            axes[name] = [(0 if layer.config.get("time_major") else 1) if steps else None]
            tags[name] = [None]
            flips[name] = [False if steps else None]
            continue
        try:
            in_axes = [axes[r.layer][r.tensor_index] for r in node.inbound]
            in_tags = [tags[r.layer][r.tensor_index] for r in node.inbound]
            in_shapes = [shapes[r.layer][r.tensor_index] for r in node.inbound]
            in_flips = [flips[r.layer][r.tensor_index] for r in node.inbound]
        except (KeyError, IndexError):
            return
        n_out = max(1, len(layer.output_shapes or []))
        # (the steps of the inputs that hold them: all the input's in order, or all turned
        # around; None where none holds steps, or an op combines both orders)
        seen = {f for a, f in zip(in_axes, in_flips) if a is not None}
        flip = seen.pop() if len(seen) == 1 else None
        if getattr(layer, "onnx_op", None):  # a recurrent node: Y on its layout's time axis
            want = 0 if int(layer.config.get("layout", 0)) == 0 else 1
            if not in_axes or in_axes[0] != want:
                return
            axes[name], tags[name] = [want] + [None] * (n_out - 1), [None] + [ANY] * (n_out - 1)
            layer.reversed_input = bool(flip)  # (Y in the order of its input X)
        elif str(layer.class_name).startswith("onnx."):
            try:
                axes[name], tags[name] = follow(layer, operands(layer, in_axes, in_tags, in_shapes, length),
                                                [None if s is None else len(s) for s in outs])
            except LstmvizError:
                return
            if reversed_steps(layer) and flip is not None:
                flip = not flip
        elif isinstance(layer, Dense) and in_axes[0] in (0, 1) and len(in_shapes[0] or ()) == 3:
            layer.steps_first = in_axes[0] == 0
            axes[name], tags[name] = [in_axes[0]], [None]
        elif all(a is None for a in in_axes):
            axes[name], tags[name] = [None] * n_out, [None] * n_out
        else:
            return
        flips[name] = [None if a is None else flip for a in axes[name]]
