"""The ONNX operators exporters put around recurrent nodes, evaluated in NumPy.

Each function takes the node's attributes (a plain dict), its opset version and its
input arrays (``None`` for an omitted optional input) and returns its output arrays,
with the semantics of the ONNX operator specification (float32 stays float32, shape
tensors are int64). Edge cases kept: ``Gather`` with negative indices, ``Slice`` ends
beyond the dimension (``INT64_MAX``) and negative steps, ``Reshape``'s ``0`` (copy that
dimension unless ``allowzero``) and ``-1``, ``Expand``'s two-way broadcast.

No file is read here: the loader (``lstmviz.io.onnx_model``) turns a graph into layers
that call ``evaluate``. An output larger than ``MAX_ELEMENTS`` is refused before it is
allocated, so a few bytes of a file (``ConstantOfShape([10**9, 10**9])``) cannot cost GB.
"""

from __future__ import annotations

import contextlib
import contextvars
import math

import numpy as np

from lstmviz.errors import LstmvizError, is_number
from lstmviz.text import plural

#: The newest opset of the default domain lstmviz reads: ONNX 1.23's (its
#: ``helper.VERSION_TABLE``), the newest when it was set. A later opset may change an op
#: these compute, so a graph or a kept node of a later one (or of an opset below 1) is
#: refused (``io.onnx_model``, ``onnx_layers.check_node_config``).
MAX_OPSET = 28
#: The largest tensor any op may produce (elements) when tracing a user's input.
MAX_ELEMENTS = 1 << 28
#: The cap while a file is being read (folding its constants, sizing its tensors): what
#: the file alone asks for, before anyone chose an input.
LOAD_ELEMENTS = 1 << 22
_limit = contextvars.ContextVar("onnx_ops_limit", default=MAX_ELEMENTS)
#: Multiply-adds allowed per byte of the memory budget: time grows with them, so they
#: grow with the limit, as a trace's steps do (2 GB: 1.4e11, seconds of BLAS; a Dense of
#: 512 x 512 over the 262,144 steps 2 GB allow needs half of it).
WORK_PER_BYTE = 64
#: [bytes the ops may still make, all together; that bound when a file is being read;
#: multiply-adds MatMul and Gemm may still do] (None: not counted). A trace keeps every
#: tensor the graph makes, and the cap above is per tensor: a kilobyte of graph making
#: ten 64M-element tensors for a 20-step input took 2.7 GB; the products of tensors sized
#: by the input took 35 s (three 8000 x 8000 squares, from 753 bytes) for 20 steps.
_left: contextvars.ContextVar[list | None] = contextvars.ContextVar("onnx_ops_left", default=None)


@contextlib.contextmanager
def counted(nbytes: int):
    """Within the block, the tensors every op makes together take at most ``nbytes``
    (the memory limit less what else a trace or a file's reading holds)."""
    token = _left.set([int(nbytes), None, int(nbytes) * WORK_PER_BYTE])
    try:
        yield
    finally:
        _left.reset(token)


def lower_budget(nbytes: int) -> None:
    """Within the current ``counted`` block, at most ``nbytes`` more (a file being read:
    once its own tensors are known, what folding and sizing may make is bounded by them)."""
    left = _left.get()
    if left is not None and int(nbytes) < left[0]:
        left[0], left[1] = int(nbytes), int(nbytes)
        left[2] = min(left[2], int(nbytes) * WORK_PER_BYTE)


def _over_budget(op: str, need: int) -> LstmvizError:
    from lstmviz import limits

    left = _left.get()
    lowered = left[1] if left is not None else None
    if lowered is not None:  # a file being read
        return _fail(op, f"the tensors the graph makes while it is read would need more than "
                         f"{limits.fmt_bytes(lowered)} (this op alone {limits.fmt_bytes(need)}), "
                         "far more than the tensors the file holds")
    return _fail(op, f"the tensors the graph makes would need more than the memory limit of "
                     f"{limits.fmt_bytes(limits.memory_limit())} (this op alone "
                     f"{limits.fmt_bytes(need)}); use fewer samples or steps, or {limits.HINT}")


def _check_product(op: str, a, b) -> None:
    """Before a matrix product: its output's size, and its multiply-adds against what the
    ops may still do (``counted``)."""
    if a.ndim == 0 or b.ndim == 0:  # (NumPy's words for these were the file's refusal:
        # "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc
        # signature ...", said as "its graph holds something the reader does not handle")
        raise _fail(op, f"multiplies tensors of shapes {list(a.shape)} and {list(b.shape)}, "
                        "where a product needs two of rank 1 or more")
    inner = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    try:
        if a.shape[-1] != inner:
            raise ValueError
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise _fail(op, f"cannot multiply tensors of shapes {list(a.shape)} and "
                        f"{list(b.shape)}: they do not fit") from None
    m = a.shape[-2] if a.ndim >= 2 else 1
    n = b.shape[-1] if b.ndim >= 2 else 1
    _check_size(op, batch + (m, n))
    left = _left.get()
    if left is None:
        return
    work = m * n * int(a.shape[-1])
    for d in batch:
        work *= int(d)
    left[2] -= work
    if left[2] < 0:
        from lstmviz import limits

        if left[1] is not None:  # a file being read
            raise _fail(op, f"would take {work:,} multiply-adds while the file is read, far "
                            "more than the tensors it holds need")
        raise _fail(op, f"would take {work:,} multiply-adds, over what a trace may do with the "
                        f"memory limit of {limits.fmt_bytes(limits.memory_limit())} "
                        f"({limits.memory_limit() * WORK_PER_BYTE:,} in all); use fewer samples "
                        f"or steps, or {limits.HINT}")


@contextlib.contextmanager
def limited(elements: int):
    """Within the block, no op may make a tensor of more than ``elements`` elements."""
    token = _limit.set(elements)
    try:
        yield
    finally:
        _limit.reset(token)

#: ONNX TensorProto data types -> NumPy (the ones these ops can meet).
DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
          7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32,
          13: np.uint64}

#: Ops that only move, reshape or compute shapes and indices (drawn by no view; see
#: ``OnnxOp.glue``). tf2onnx writes ``ReduceProd`` for a Dense layer's shapes,
#: ``ReverseSequence`` for a backward layer, comparisons and logic for an Embedding's
#: index check.
GLUE_OPS = frozenset({"Transpose", "Squeeze", "Unsqueeze", "Slice", "Gather", "Concat",
                      "Reshape", "Expand", "ConstantOfShape", "Cast", "Identity", "Shape",
                      "Flatten", "ReduceProd", "ReverseSequence", "Less", "LessOrEqual",
                      "Greater", "GreaterOrEqual", "Equal", "Not", "And", "Or", "Xor"})
#: Ops computing values (shown as a layer of their own).
VALUE_OPS = frozenset({"MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Relu", "Tanh",
                       "Sigmoid", "Softmax", "LogSoftmax", "Where", "Pow", "Sqrt",
                       "ReduceMean", "ReduceMax", "LayerNormalization", "BatchNormalization",
                       "Conv", "MaxPool", "AveragePool"})
#: Ops whose float initializers are the parameters they compute with (weights, counted and
#: drawn as a layer's): a product's matrix, a bias, a norm's scale and statistics, a kernel.
WEIGHTED_OPS = frozenset({"MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "LayerNormalization",
                          "BatchNormalization", "Conv"})
#: Ops over windows of steps: a 1-D Conv / pooling over (N, C, L), channels first, whose
#: output's axis 2 holds new steps, each read from the input steps ``window_steps`` gives
#: (``onnx_time.drawn_axes``: the steps axis of every op's output, for the views).
WINDOW_OPS = frozenset({"Conv", "MaxPool", "AveragePool"})
#: Ops that compute per channel (axis 1 of (N, C, ...)) and keep every other axis apart.
CHANNEL_OPS = frozenset({"BatchNormalization"})
#: Ops of optional outputs beyond the first, computed only where the node names them.
OPTIONAL_OUTPUTS = frozenset({"LayerNormalization"})
SUPPORTED = GLUE_OPS | VALUE_OPS


def _fail(op: str, what: str) -> LstmvizError:
    return LstmvizError(f"ONNX {op}: {what}")


def _check_size(op: str, shape) -> tuple:
    shape = tuple(int(d) for d in shape)
    if any(d < 0 for d in shape):
        raise _fail(op, f"negative dimension in shape {list(shape)}")
    n, limit = 1, _limit.get()
    for d in shape:
        n *= d
        if n > limit:
            raise _fail(op, f"would make a tensor of shape {list(shape)}, more than "
                            f"{limit:,} elements")
    left = _left.get()
    if left is not None and 4 * n > left[0]:  # (4: the smallest item these ops make in bulk)
        raise _over_budget(op, 4 * n)
    return shape


def check_size(what: str, shape) -> tuple:
    """``shape`` as ints, refused (LstmvizError) when larger than the current cap."""
    return _check_size(what, shape)


def _ints(a) -> list[int]:
    return [int(v) for v in np.asarray(a).reshape(-1)]


def _axis(op: str, axis: int, rank: int) -> int:
    if not -rank <= axis < max(rank, 1):
        raise _fail(op, f"axis {axis} is outside a tensor of rank {rank}")
    return axis % max(rank, 1)


def flag(op: str, attrs: dict, name: str, default: int) -> bool:
    """A 0-or-1 attribute of ``op`` (a reduction's keepdims, noop_with_empty_axes): another
    integer is refused, for ONNX says none and its readers part ways over one (onnxruntime's
    kernels take keepdims 2 as 0, ONNX's shape inference as 1: lstmviz kept the axis,
    onnxruntime did not)."""
    v = attrs.get(name, default)
    if v not in (0, 1):
        raise _fail(op, f"has {name} {v}, where ONNX takes 0 or 1")
    return bool(v)


def _float_result(a, like):
    return a.astype(like.dtype, copy=False) if np.issubdtype(like.dtype, np.floating) else a


def evaluate(op: str, attrs: dict, inputs: list, opset: int = 17) -> list[np.ndarray]:
    """Outputs of ONNX op ``op`` on ``inputs`` (see the module docstring)."""
    fn = _OPS.get(op)
    if fn is None:
        raise _fail(op, "is not an operator lstmviz computes")
    # (x/0 is infinity, 0/0, inf*0 and a cast of NaN or infinity NaN or an arbitrary
    # integer, as onnxruntime computes them: silently. NumPy's RuntimeWarnings said so in
    # two lines each, at load (constants folded, dry runs on inputs of zeros) and in a
    # trace; errstate is this thread's, exceptions pass as ever.)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        outs = fn(attrs, inputs, opset)
    left = _left.get()
    if left is not None:  # what is new (not a view of an input) counts
        made = sum(int(o.nbytes) for o in map(np.asarray, outs)
                   if not any(isinstance(i, np.ndarray) and np.may_share_memory(o, i) for i in inputs))
        left[0] -= made
        if left[0] < 0:
            raise _over_budget(op, made)
    return outs


# ------------------------------------------------------------------ shape and data movement

def _transpose(attrs, ins, opset):
    x = ins[0]
    perm = attrs.get("perm")
    if perm is None:
        perm = list(range(x.ndim))[::-1]
    if sorted(perm) != list(range(x.ndim)):
        raise _fail("Transpose", f"perm {perm} does not fit a tensor of rank {x.ndim}")
    return [np.ascontiguousarray(np.transpose(x, perm))]


def _axes_arg(attrs, ins, opset):
    if len(ins) > 1 and ins[1] is not None:
        return _ints(ins[1])
    return attrs.get("axes")


def _squeeze(attrs, ins, opset):
    x = ins[0]
    axes = _axes_arg(attrs, ins, opset)
    if axes is None:
        return [x.reshape([d for d in x.shape if d != 1])]
    axes = sorted({_axis("Squeeze", a, x.ndim) for a in axes})
    for a in axes:
        if x.shape[a] != 1:
            raise _fail("Squeeze", f"axis {a} has size {x.shape[a]}, not 1")
    return [np.squeeze(x, axis=tuple(axes))]


def _unsqueeze(attrs, ins, opset):
    x = ins[0]
    axes = _axes_arg(attrs, ins, opset)
    if axes is None:
        raise _fail("Unsqueeze", "has no axes")
    rank = x.ndim + len(axes)
    axes = sorted(_axis("Unsqueeze", a, rank) for a in axes)
    if len(set(axes)) != len(axes):
        raise _fail("Unsqueeze", f"repeats an axis in {axes}")
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return [x.reshape(shape)]


def _slice(attrs, ins, opset):
    x = ins[0]
    if opset < 10:
        starts, ends = attrs.get("starts", []), attrs.get("ends", [])
        axes, steps = attrs.get("axes"), None
    else:
        starts, ends = _ints(ins[1]), _ints(ins[2])
        axes = _ints(ins[3]) if len(ins) > 3 and ins[3] is not None else None
        steps = _ints(ins[4]) if len(ins) > 4 and ins[4] is not None else None
    if axes is None:
        axes = list(range(len(starts)))
    if steps is None:
        steps = [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise _fail("Slice", "starts, ends, axes and steps differ in length")
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        a = _axis("Slice", a, x.ndim)
        dim = x.shape[a]
        if st == 0:
            raise _fail("Slice", "has a step of 0")
        s = s + dim if s < 0 else s
        e = e + dim if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), dim), min(max(e, 0), dim)
            index[a] = slice(s, e, st)
        else:
            s, e = min(max(s, 0), dim - 1), min(max(e, -1), dim - 1)
            index[a] = slice(s, None if e < 0 else e, st)
    return [np.ascontiguousarray(x[tuple(index)])]


def _gather(attrs, ins, opset):
    x, idx = ins[0], np.asarray(ins[1])
    axis = _axis("Gather", int(attrs.get("axis", 0)), x.ndim)
    dim = x.shape[axis]
    if idx.size and (idx.min() < -dim or idx.max() >= dim):
        raise _fail("Gather", f"an index is outside -{dim}..{dim - 1}")
    return [np.take(x, idx.astype(np.int64), axis=axis)]


def _concat(attrs, ins, opset):
    xs = [np.asarray(a) for a in ins if a is not None]
    if "axis" not in attrs:
        raise _fail("Concat", "has no axis")
    axis = _axis("Concat", int(attrs["axis"]), xs[0].ndim)
    _check_size("Concat", [sum(a.shape[axis] for a in xs)] + [d for k, d in enumerate(xs[0].shape) if k != axis])
    return [np.concatenate(xs, axis=axis)]


def _reshape(attrs, ins, opset):
    x = ins[0]
    shape = _ints(ins[1]) if opset >= 5 else list(attrs.get("shape", []))
    allowzero = bool(attrs.get("allowzero", 0))
    out = []
    for k, d in enumerate(shape):
        if d == 0 and not allowzero:
            if k >= x.ndim:
                raise _fail("Reshape", f"keeps dimension {k} of a tensor of rank {x.ndim}")
            out.append(x.shape[k])
        else:
            out.append(d)
    if out.count(-1) > 1:
        raise _fail("Reshape", f"shape {shape} has more than one -1")
    try:
        return [x.reshape(out)]
    except ValueError:
        raise _fail("Reshape", f"cannot reshape {list(x.shape)} to {shape}") from None


def _flatten(attrs, ins, opset):
    x = ins[0]
    axis = int(attrs.get("axis", 1))
    if not -x.ndim <= axis <= x.ndim:  # (ONNX's range: the rank itself flattens to (n, 1))
        raise _fail("Flatten", f"axis {axis} is outside -{x.ndim}..{x.ndim} for a tensor of "
                               f"rank {x.ndim}")
    axis = axis + x.ndim if axis < 0 else axis
    # (both sizes said: -1 cannot be inferred beside a 0, and a (0, 2) was refused)
    return [x.reshape(math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))]


def _expand(attrs, ins, opset):
    x, shape = ins[0], _ints(ins[1])
    try:
        out = np.broadcast_shapes(x.shape, tuple(shape))
    except ValueError:
        raise _fail("Expand", f"cannot broadcast {list(x.shape)} to {shape}") from None
    _check_size("Expand", out)
    return [np.array(np.broadcast_to(x, out))]


def _constant_of_shape(attrs, ins, opset):
    shape = _check_size("ConstantOfShape", _ints(ins[0]))
    value = attrs.get("value")
    if value is None:
        return [np.zeros(shape, np.float32)]
    v = np.asarray(value["data"], dtype=DTYPES.get(value["dtype"], np.float32)).reshape(-1)
    if v.size != 1:
        raise _fail("ConstantOfShape", "value holds more than one element")
    return [np.full(shape, v[0], dtype=v.dtype)]


def _cast(attrs, ins, opset):
    to = int(attrs.get("to", 1))
    dt = DTYPES.get(to)
    if dt is None:
        raise _fail("Cast", f"to data type {to}, which lstmviz does not handle")
    return [np.asarray(ins[0]).astype(dt)]


def _reduce_prod(attrs, ins, opset):
    x = np.asarray(ins[0])
    if opset >= 18:  # the axes an input, no longer an attribute
        axes = _ints(ins[1]) if len(ins) > 1 and ins[1] is not None else []
        if not axes and flag("ReduceProd", attrs, "noop_with_empty_axes", 0):
            return [x]
    else:
        axes = list(attrs.get("axes") or [])
    axes = sorted({_axis("ReduceProd", a, x.ndim) for a in axes} if axes else range(x.ndim))
    return [np.prod(x, axis=tuple(axes), keepdims=flag("ReduceProd", attrs, "keepdims", 1), dtype=x.dtype)]


def _reduce_axes(op, attrs, ins, opset, x) -> tuple[int, ...] | None:
    """A Reduce* node's axes (None: none, with ``noop_with_empty_axes``)."""
    if opset >= 18:  # the axes an input, no longer an attribute
        axes = _ints(ins[1]) if len(ins) > 1 and ins[1] is not None else []
        if not axes and flag(op, attrs, "noop_with_empty_axes", 0):
            return None
    else:
        axes = list(attrs.get("axes") or [])
    return tuple(sorted({_axis(op, a, x.ndim) for a in axes} if axes else range(x.ndim)))


def _reduce(op, fn):
    def run(attrs, ins, opset):
        x = np.asarray(ins[0])
        axes = _reduce_axes(op, attrs, ins, opset, x)
        if axes is None:
            return [x]
        if op == "ReduceMax" and any(x.shape[a] == 0 for a in axes):
            raise _fail(op, "takes the maximum of no elements")
        return [fn(x, axis=axes, keepdims=flag(op, attrs, "keepdims", 1)).astype(x.dtype, copy=False)]
    return run


def _pow(attrs, ins, opset):
    x, y = np.asarray(ins[0]), np.asarray(ins[1])
    _broadcast("Pow", x.shape, y.shape)
    if np.issubdtype(x.dtype, np.floating) and y.size == 1 and float(y.reshape(-1)[0]) == 2.0:
        return [np.square(x)]  # (x * x, as onnxruntime computes a square)
    return [np.power(x, y.astype(x.dtype, copy=False))]


def _broadcasts(shape, to) -> bool:
    """Whether ``shape`` broadcasts to ``to`` (ONNX's unidirectional broadcasting)."""
    return len(shape) <= len(to) and all(a in (1, b) for a, b in zip(shape[::-1], to[::-1]))


def _epsilon(op: str, attrs: dict) -> np.float32:
    """A norm's ``epsilon`` (default 1e-5), refused where it is negative or not finite: the
    specification's is the small positive number added to the variance, and a negative one
    made ``sqrt(variance + epsilon)`` NaN wherever the variance is below it."""
    eps = attrs.get("epsilon", 1e-5)
    number = is_number(eps)
    if not (number and math.isfinite(eps) and eps >= 0):
        said = f"{eps:.6g}" if number else repr(str(eps)[:20])
        raise _fail(op, f"has epsilon {said}, where lstmviz computes a finite epsilon of 0 or more "
                    "(a negative one makes the square root of variance + epsilon NaN)")
    return np.float32(eps)


def _layer_normalization(attrs, ins, opset):
    """ONNX LayerNormalization (opset 17): over the axes from ``axis`` to the last; Y, and
    the Mean and InvStdDev it names, in float32 (``stash_type`` 1)."""
    x, scale = np.asarray(ins[0]), np.asarray(ins[1])
    bias = ins[2] if len(ins) > 2 and ins[2] is not None else None
    if int(attrs.get("stash_type", 1)) != 1:
        raise _fail("LayerNormalization", f"has stash_type {attrs.get('stash_type')}, where lstmviz "
                    "computes 1 (float32 statistics, the default)")
    axis = _axis("LayerNormalization", int(attrs.get("axis", -1)), x.ndim)
    axes = tuple(range(axis, x.ndim))
    for what, p in (("Scale", scale), ("B", bias)):
        if p is not None and np.ndim(p) and not _broadcasts(np.shape(p), x.shape[axis:]):
            raise _fail("LayerNormalization", f"has a {what} of shape {list(np.shape(p))} for the "
                        f"normalised axes {list(x.shape[axis:])} of an input {list(x.shape)}")
    xf = x.astype(np.float32, copy=False)
    mean = np.mean(xf, axis=axes, keepdims=True, dtype=np.float32)
    d = xf - mean
    inv = np.float32(1) / np.sqrt(np.mean(d * d, axis=axes, keepdims=True, dtype=np.float32)
                                  + _epsilon("LayerNormalization", attrs))
    y = d * inv * scale
    if bias is not None:
        y = y + bias
    return [y.astype(x.dtype, copy=False), mean, inv]


def _channels(op, x, *params):
    """Per-channel parameters (axis 1 of ``x``, (N, C, ...)) shaped to broadcast."""
    if x.ndim < 2:
        raise _fail(op, f"takes an input of rank {x.ndim}, where lstmviz computes it over (N, C, ...)")
    shape = (x.shape[1],) + (1,) * (x.ndim - 2)
    out = []
    for p in params:
        p = np.asarray(p)
        if p.size != x.shape[1]:
            raise _fail(op, f"has a parameter of {p.size} values for {x.shape[1]} channels")
        out.append(p.reshape(shape))
    return out


def _batch_normalization(attrs, ins, opset):
    """ONNX BatchNormalization at inference: ``(x - mean) / sqrt(var + epsilon) * scale + B``
    per channel (axis 1), computed as onnxruntime's CPU kernel folds it,
    ``x * s + (B - mean * s)`` with ``s = scale / sqrt(var + epsilon)``: the same bits, and
    the same NaN and infinities where ``var + epsilon`` is 0 (``s`` infinite: a channel whose
    mean is 0 is NaN throughout, not ``(x - mean) * inf``'s infinities)."""
    if int(attrs.get("training_mode", 0)) or (opset < 9 and int(attrs.get("spatial", 1)) != 1):
        raise _fail("BatchNormalization", "normalises by the batch's own statistics (training_mode) "
                    "or per element (spatial 0), where lstmviz computes inference with running "
                    "statistics, per channel")
    x = np.asarray(ins[0])
    scale, b, mean, var = _channels("BatchNormalization", x, *ins[1:5])
    s = np.float32(1) / np.sqrt(var + _epsilon("BatchNormalization", attrs)) * scale
    return [(x * s + (b - mean * s)).astype(x.dtype, copy=False)]


def _window_1d(op, attrs, x, kernel: int):
    """Padding and output length of a 1-D Conv / pooling over ``x`` (N, C, L): (begin, end,
    stride, dilation, out). ``ceil_mode`` as onnxruntime: the last window starts within the
    input or its begin padding."""
    if x.ndim != 3:
        raise _fail(op, f"runs over {x.ndim - 2} spatial axes, where lstmviz computes one (an input (N, C, L))")
    return _window_of(op, attrs, x.shape[2], kernel)


def window_of(op: str, attrs: dict, steps: int, kernel: int) -> tuple[int, int, int, int, int]:
    """(zeros before, zeros after, stride, dilation, output steps) of a ``WINDOW_OPS`` node
    of ``kernel`` taps over an input of ``steps`` steps, as it computes them (``pads`` or
    ``auto_pad``, ``ceil_mode``): a long input's windows count its own steps by it
    (``OnnxWindowOp.steps_out``, ``engine/windows._clocks``). One line where lstmviz does not
    compute it (an ``auto_pad`` other than NOTSET, VALID, SAME_UPPER, SAME_LOWER; negative
    pads; a window longer than the padded input)."""
    return _window_of(op, attrs, int(steps), int(kernel))


def _window_of(op, attrs, L: int, kernel: int):
    """``_window_1d`` of an input of ``L`` steps."""
    (s,) = attrs.get("strides") or [1]
    (d,) = attrs.get("dilations") or [1]
    if s < 1 or d < 1 or kernel < 1:
        raise _fail(op, f"has kernel {kernel}, stride {s}, dilation {d}, where each must be 1 or more")
    span = (kernel - 1) * d + 1
    auto = attrs.get("auto_pad", "NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = -(-L // s)
        total = max((out - 1) * s + span - L, 0)
        b = total // 2 if auto == "SAME_UPPER" else total - total // 2
        return b, total - b, s, d, out
    if auto == "VALID":
        b = e = 0
    elif auto in ("NOTSET", ""):
        b, e = (attrs.get("pads") or [0, 0])[:2]
    else:
        raise _fail(op, f"has auto_pad {auto[:20]!r}, where lstmviz computes NOTSET, VALID, SAME_UPPER and SAME_LOWER")
    if b < 0 or e < 0:
        raise _fail(op, f"has pads {[b, e]}, where each must be 0 or more")
    room = L + b + e - span
    if room < 0:
        raise _fail(op, f"has a window of {span} over {L} steps and pads {[b, e]}")
    out = room // s + 1
    if int(attrs.get("ceil_mode", 0)) and room % s:
        out += 1
        if (out - 1) * s >= L + b:
            out -= 1
    return b, e, s, d, out


def window_kernel(op: str, attrs: dict, weight_shapes) -> int:
    """The taps of a ``WINDOW_OPS`` node: its ``kernel_shape``, else (a Conv) its kernel's
    last axis (the weight (M, C / group, k))."""
    shape = attrs.get("kernel_shape")
    if shape:
        return int(shape[0])
    if op == "Conv" and weight_shapes and len(weight_shapes[0]) == 3:
        return int(weight_shapes[0][2])
    raise _fail(op, "has no kernel_shape and no kernel of shape (M, C / group, k)")


def window_steps(op: str, attrs: dict, kernel: int, steps: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """(output steps, taps) int of a ``WINDOW_OPS`` node over an input of ``steps`` steps
    (axis 2 of (N, C, L)): the input step each tap of each output step reads, -1 where it
    reads the padding (or, with ``ceil_mode``, past it), as ``conv._OverSteps.read_steps``
    says of Keras' Conv1D and poolings (the Unrolled view draws them); output steps
    ``lo .. hi-1`` alone where given (a long input's window: not a row of every step made)."""
    b, _, s, d, out = _window_of(op, attrs, int(steps), int(kernel))
    hi = out if hi is None else min(int(hi), out)
    idx = np.arange(max(0, int(lo)), max(int(lo), hi))[:, None] * s + np.arange(kernel)[None, :] * d - b
    idx[(idx < 0) | (idx >= steps)] = -1
    return idx


def changes_steps(op: str, attrs: dict, kernel: int) -> str:
    """How a ``WINDOW_OPS`` node changes the steps, in a user's words ("" where it keeps
    them: strides 1 and pads that give as many steps as it reads, symmetric, ``auto_pad``
    SAME_UPPER / SAME_LOWER, or causal ``[k-1, 0]``; output step t then reads input steps
    ``t - before .. t + after``, ``window_reach``). One that changes them has steps of its
    own in a long input's windows (``OnnxWindowOp.steps_out``)."""
    (s,) = attrs.get("strides") or [1]
    if s > 1:
        return f"gives one step of every {s} (strides {s})"
    span = (kernel - 1) * ((attrs.get("dilations") or [1])[0]) + 1
    b, e, _, _, _ = _window_of(op, attrs, span, kernel)  # (strides 1: the same pads whatever the steps)
    if b + e != span - 1:
        more = b + e - (span - 1)
        return (f"gives {plural(abs(more), 'step')} {'more' if more > 0 else 'fewer'} than it reads "
                f"(a window of {span} with pads {[b, e]})")
    return ""


def window_reach(op: str, attrs: dict, kernel: int) -> tuple[int, int]:
    """(before, after): output step t of a node that keeps its steps (``changes_steps`` "")
    reads input steps ``t - before .. t + after`` (its pads: strides 1)."""
    span = (kernel - 1) * ((attrs.get("dilations") or [1])[0]) + 1
    b, e, _, _, _ = _window_of(op, attrs, span, kernel)
    return b, e


def _chunks(x, first: int, steps: int, a: int, b: int, every: int, before: int, s: int, span: int, fill):
    """(c0, c1, the windows of output steps c0 .. c1-1: (N, C, c1 - c0, span)), chunk by
    chunk from ``a``, of an input (N, C, ``steps``) of which ``x`` holds steps ``first ..``:
    views of ``x``'s windows, but where a chunk reads the padding (its input steps padded
    with ``fill`` on their own, never the whole input copied padded)."""
    inner = np.lib.stride_tricks.sliding_window_view(x, span, axis=2) if x.shape[2] >= span else None
    for c0 in range(a, b, every):
        c1 = min(b, c0 + every)
        lo, hi = c0 * s - before, (c1 - 1) * s + span - before  # (the input steps they read)
        if inner is not None and lo >= max(0, first) and hi <= min(steps, first + x.shape[2]):
            yield c0, c1, inner[:, :, lo - first:lo - first + (c1 - c0 - 1) * s + 1:s]
        else:
            part = np.full(x.shape[:2] + (hi - lo,), fill, x.dtype)
            i0, i1 = max(lo, 0), min(hi, steps)
            if i1 > i0:
                part[:, :, i0 - lo:i1 - lo] = x[:, :, i0 - first:i1 - first]
            yield c0, c1, np.lib.stride_tricks.sliding_window_view(part, span, axis=2)[:, :, ::s][:, :, :c1 - c0]


def window_part(op: str, attrs: dict, x, params: list, first: int, steps: int, a: int, b: int) -> np.ndarray:
    """Output steps ``a .. b-1`` of the ``WINDOW_OPS`` node ``op`` over an input (N, C,
    ``steps``) of which ``x`` holds steps ``first ..`` (at least those the outputs read);
    ``params``: a Conv's kernel (M, C / group, k) and bias (or None). In chunks of output
    steps from ``a``, each reading its input padded on its own where it reaches past the
    sequence's ends: a Conv one product per chunk and group, ``conv.chunk_steps_of``
    output steps as Keras' Conv1D makes them (BLAS sums a row differently in products of
    other heights: a long input's window, ``OnnxWindowOp.window``, computes the whole
    trace's chunks, counted from step 0, and gets its bits), a pooling tap after tap
    (elementwise: any chunk the same bits). What ``_conv`` and the poolings compute over
    the whole input (``first`` 0, every output step) and a window of them."""
    from lstmviz.engine import blas
    from lstmviz.engine.conv import CHUNK, chunk_steps_of

    x = np.asarray(x)
    N, C = x.shape[:2]
    if op == "Conv":
        w = np.asarray(params[0])
        bias = params[1] if len(params) > 1 else None
        M, cg, k = w.shape
        before, _, s, d, _ = _window_of(op, attrs, steps, k)
        span = (k - 1) * d + 1
        mg = M // (C // cg)
        kernels = [np.ascontiguousarray(w[i * mg:(i + 1) * mg].reshape(mg, cg * k).T) for i in range(C // cg)]
        out = np.empty((N, M, b - a), np.result_type(x.dtype, w.dtype))
        with blas.single_threaded():  # (products of a few rows: OpenBLAS's threads only wait)
            for c0, c1, win in _chunks(x, first, steps, a, b, chunk_steps_of(N * cg * k), before, s, span, 0):
                win = win[..., ::d]  # (N, C, n, k)
                n = c1 - c0
                for i, wi in enumerate(kernels):
                    cols = win[:, i * cg:(i + 1) * cg].transpose(0, 2, 1, 3).reshape(N * n, cg * k)
                    out[:, i * mg:(i + 1) * mg, c0 - a:c1 - a] = (cols @ wi).reshape(N, n, mg).transpose(0, 2, 1)
        if bias is not None:
            out += np.asarray(bias).reshape(1, M, 1)
        return out.astype(x.dtype, copy=False)
    (k,) = attrs.get("kernel_shape") or [0]
    before, after, s, d, _ = _window_of(op, attrs, steps, k)
    span = (k - 1) * d + 1
    out = np.empty((N, C, b - a), x.dtype)
    big = op == "MaxPool"
    every = max(1, CHUNK // max(1, N * C * span))  # (an edge's padded copy: at most CHUNK floats)
    for c0, c1, win in _chunks(x, first, steps, a, b, every, before, s, span, -np.inf if big else 0):
        part = out[:, :, c0 - a:c1 - a]
        part[...] = win[..., 0]
        for j in range(1, k):  # (tap after tap: each step's bits whatever the chunk)
            (np.maximum if big else np.add)(part, win[..., j * d], out=part)
    if not big:
        # the elements counted: the input's, and its pads with count_include_pad (not the
        # steps past them that ceil_mode adds), as onnxruntime divides
        at = np.arange(a, b)[:, None] * s + np.arange(k)[None, :] * d - before
        lo, hi = (-before, steps + after) if int(attrs.get("count_include_pad", 0)) else (0, steps)
        out /= ((at >= lo) & (at < hi)).sum(axis=1).astype(x.dtype)
    return out


class _Shaped:
    """A product's operand by its shape alone (``_check_product`` reads no more)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape, self.ndim = shape, len(shape)


def _conv(attrs, ins, opset):
    """ONNX Conv over one spatial axis: (N, C, L) * W (M, C / group, k) + B, in chunks of
    output steps (``window_part``)."""
    x, w = np.asarray(ins[0]), np.asarray(ins[1])
    bias = ins[2] if len(ins) > 2 and ins[2] is not None else None
    g = int(attrs.get("group", 1))
    if x.ndim != 3 or w.ndim != 3:
        what = (f"runs over {x.ndim - 2} spatial axes" if x.ndim != 3 else
                f"has a kernel of shape {list(w.shape)} for an input {list(x.shape)}")
        raise _fail("Conv", f"{what}, where lstmviz computes a Conv over one axis (an input (N, C, L), "
                    "a kernel (M, C / group, k))")
    M, cg, k = w.shape
    if g < 1 or x.shape[1] != cg * g or M % g:
        raise _fail("Conv", f"has {x.shape[1]} input channels, group {g} and a kernel {list(w.shape)}, "
                    "which do not fit")
    _, _, _, _, out = _window_1d("Conv", attrs, x, k)
    _check_size("Conv", (x.shape[0], M, out))
    _check_product("Conv", _Shaped((x.shape[0] * out, cg * k)), _Shaped((cg * k, M)))
    return [window_part("Conv", attrs, x, [w, bias], 0, x.shape[2], 0, out)]


def _pool(op):
    def run(attrs, ins, opset):
        x = np.asarray(ins[0])
        (k,) = attrs.get("kernel_shape") or [0]
        if op == "MaxPool" and int(attrs.get("storage_order", 0)):
            raise _fail(op, "has storage_order 1, where lstmviz computes 0 (row-major indices)")
        _, _, _, _, out = _window_1d(op, attrs, x, k)
        _check_size(op, (x.shape[0], x.shape[1], out))
        return [window_part(op, attrs, x, [], 0, x.shape[2], 0, out)]
    return run


def _reverse_sequence(attrs, ins, opset):
    x, lens = np.asarray(ins[0]), _ints(ins[1])
    batch_axis, time_axis = int(attrs.get("batch_axis", 1)), int(attrs.get("time_axis", 0))
    if x.ndim < 2 or {batch_axis, time_axis} != {0, 1}:
        raise _fail("ReverseSequence", f"batch_axis {batch_axis} and time_axis {time_axis} "
                                       f"are not 0 and 1 of a tensor of rank {x.ndim}")
    batch, steps = x.shape[batch_axis], x.shape[time_axis]
    if len(lens) != batch or any(not 0 <= n <= steps for n in lens):
        raise _fail("ReverseSequence", f"sequence_lens {lens[:8]} do not fit {batch} "
                                       f"sequences of {plural(steps, 'step')}")
    if all(n == steps for n in lens):
        return [np.ascontiguousarray(np.flip(x, axis=time_axis))]
    y = np.array(x)  # the steps beyond each length stay where they are
    for b, n in enumerate(lens):
        dst = [slice(None)] * x.ndim
        dst[batch_axis], dst[time_axis] = b, slice(0, n)
        src = list(dst)
        src[time_axis] = slice(n - 1, None, -1) if n else slice(0, 0)
        y[tuple(dst)] = x[tuple(src)]
    return [y]


def _identity(attrs, ins, opset):
    return [ins[0]]


def _shape(attrs, ins, opset):
    shape = list(np.asarray(ins[0]).shape)
    start, end = int(attrs.get("start", 0)), attrs.get("end")
    rank = len(shape)
    start = min(max(start + rank if start < 0 else start, 0), rank)
    end = rank if end is None else int(end)
    end = min(max(end + rank if end < 0 else end, 0), rank)
    return [np.array(shape[start:end], dtype=np.int64)]


# ------------------------------------------------------------------ values

def _broadcast(op: str, *shapes) -> tuple:
    """The shape ``shapes`` broadcast to (ONNX's multidirectional broadcasting, NumPy's),
    its size capped; shapes that do not broadcast are refused naming them (NumPy's words
    were the file's refusal, under "its graph holds something the reader does not
    handle")."""
    try:
        out = np.broadcast_shapes(*shapes)
    except ValueError:
        said = " and ".join(str(list(s)) for s in shapes)
        raise _fail(op, f"cannot broadcast tensors of shapes {said} together") from None
    return _check_size(op, out)


def _binary(op: str, fn):
    def run(attrs, ins, opset):
        a, b = np.asarray(ins[0]), np.asarray(ins[1])
        _broadcast(op, a.shape, b.shape)
        return [fn(a, b)]
    return run


def _div(a, b):
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer):
        if np.any(b == 0):
            raise _fail("Div", "divides an integer by zero")
        return (np.trunc(a / b)).astype(a.dtype)
    return np.divide(a, b)


def _where(attrs, ins, opset):
    c, a, b = (np.asarray(v) for v in ins[:3])
    _broadcast("Where", c.shape, a.shape, b.shape)
    return [np.where(c.astype(bool), a, b).astype(np.result_type(a, b), copy=False)]


def _matmul(attrs, ins, opset):
    a, b = ins
    _check_product("MatMul", a, b)
    return [np.matmul(a, b)]


def _gemm(attrs, ins, opset):
    a, b = ins[0], ins[1]
    c = ins[2] if len(ins) > 2 else None
    if np.ndim(a) != 2 or np.ndim(b) != 2:  # (as ONNX defines it, and onnxruntime refuses others)
        raise _fail("Gemm", f"multiplies tensors of shapes {list(np.shape(a))} and {list(np.shape(b))}, "
                            "where Gemm takes two of rank 2 (a MatMul takes others)")
    if attrs.get("transA", 0):
        a = a.T
    if attrs.get("transB", 0):
        b = b.T
    alpha, beta = np.float32(attrs.get("alpha", 1.0)), np.float32(attrs.get("beta", 1.0))
    _check_product("Gemm", a, b)
    y = np.matmul(a, b)
    if alpha != 1:
        y = y * alpha
    if c is not None:
        y = y + (c if beta == 1 else beta * c)
    return [_float_result(y, a)]


def _softmax(log: bool):
    def run(attrs, ins, opset):
        x = ins[0]
        axis = int(attrs.get("axis", -1 if opset >= 13 else 1))
        axis = _axis("Softmax", axis, x.ndim)
        if opset < 13:  # the input is coerced to 2-D at ``axis``
            flat = x.reshape(int(np.prod(x.shape[:axis])) if axis else 1, -1)
            return [run({"axis": 1}, [flat], 13)[0].reshape(x.shape)]
        m = np.max(x, axis=axis, keepdims=True)
        e = np.exp(x - m)
        s = np.sum(e, axis=axis, keepdims=True)
        return [(x - m - np.log(s)) if log else e / s]
    return run


def _unary(fn):
    return lambda attrs, ins, opset: [fn(ins[0])]


def _sigmoid(x):
    return (np.float32(1.0) / (np.float32(1.0) + np.exp(-x))).astype(x.dtype, copy=False)


#: each binary op, reduction and pool is named once: its runner made from its name (the
#: name its refusals say) and its NumPy function
_BINARY = (("Less", np.less), ("LessOrEqual", np.less_equal), ("Greater", np.greater),
           ("GreaterOrEqual", np.greater_equal), ("Equal", np.equal), ("And", np.logical_and),
           ("Or", np.logical_or), ("Xor", np.logical_xor), ("Add", np.add), ("Sub", np.subtract),
           ("Mul", np.multiply), ("Div", _div))
_REDUCE = (("ReduceMean", lambda x, **k: np.mean(
               x, dtype=x.dtype if np.issubdtype(x.dtype, np.floating) else None, **k)),
           ("ReduceMax", np.max))
_OPS = {
    "Transpose": _transpose, "Squeeze": _squeeze, "Unsqueeze": _unsqueeze, "Slice": _slice,
    "Gather": _gather, "Concat": _concat, "Reshape": _reshape, "Expand": _expand,
    "ConstantOfShape": _constant_of_shape, "Cast": _cast, "Identity": _identity,
    "Shape": _shape, "Flatten": _flatten, "ReduceProd": _reduce_prod,
    "ReverseSequence": _reverse_sequence, "Not": _unary(np.logical_not), "Where": _where,
    "MatMul": _matmul, "Gemm": _gemm,
    "Relu": _unary(lambda x: np.maximum(x, np.zeros((), x.dtype))),
    "Tanh": _unary(np.tanh), "Sigmoid": _unary(_sigmoid),
    "Softmax": _softmax(False), "LogSoftmax": _softmax(True),
    "Pow": _pow, "Sqrt": _unary(np.sqrt),
    "LayerNormalization": _layer_normalization, "BatchNormalization": _batch_normalization,
    "Conv": _conv,
    **{name: _binary(name, fn) for name, fn in _BINARY},
    **{name: _reduce(name, fn) for name, fn in _REDUCE},
    **{name: _pool(name) for name in ("MaxPool", "AveragePool")},
}
