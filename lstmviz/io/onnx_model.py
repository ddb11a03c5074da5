"""ONNX models (``.onnx``) -> ``ModelSpec``: recurrent nodes traced, the rest evaluated.

Parsed with the ``onnx`` package (the protobuf only: no onnxruntime, nothing from the
file is run). Entry points, each a registry entry: ``sniff(head)``, ``read_model(path)``,
``read_weights(path)``.

Mapping (every node of the graph becomes one layer, in the graph's order):

- ``LSTM`` / ``GRU`` / ``RNN`` -> ``onnx.LSTM`` ... layers (``engine.onnx_layers``): every
  attribute (direction, layout, activations with alpha/beta, clip, input_forget,
  linear_before_reset, hidden_size), inputs ``sequence_lens`` / ``initial_h`` /
  ``initial_c`` as graph tensors or constants, ``W`` / ``R`` / ``B`` / ``P`` constants
  held in Keras' layout (gate order i, f, c, o; the two bias halves as two rows);
- ``Gemm`` (alpha = beta = 1, no transA) with a constant matrix and bias, and ``MatMul``
  with a constant matrix (and the ``Add`` of a constant bias that only it feeds) ->
  ``Dense`` (kernel = the matrix, transposed for ``transB``);
- ``Constant`` nodes and nodes whose inputs are all constants are folded at load;
- every other supported op (``engine.onnx_ops.SUPPORTED``) -> an ``onnx.<Op>`` layer;
  any other op is refused in one line naming it.

Layer names come from the nodes: torch's classic exporter names weights anonymously
(``onnx::LSTM_117``) but nodes by module (``/rnn/LSTM`` -> ``rnn.LSTM``); the dynamo
exporter's module scopes (``pkg.torch.onnx.name_scopes``) name its recurrent and linear
nodes. Tensor shapes (with ``None`` for symbolic sizes such as batch and sequence) come
from running the graph twice on zeros with two different sizes for each symbolic one.

Files come from strangers: external data (the dynamo exporter's ``model.onnx.data``) is
read only from files inside the model's own folder (no absolute paths, no ``..``, no
symlink out), each tensor's bytes must match its shape, and sizes are capped.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

import numpy as np

from .. import limits
from ..engine import onnx_ops
from ..engine.spec import LayerSpec, ModelSpec, TensorRef
from ..errors import LstmvizError, pip_install
from ..text import clean_spec_names, plural
from ._util import NARROW_FLOATS, first_repeat, narrow_floats

__all__ = ["sniff", "read_model", "read_weights", "SUFFIXES"]

SUFFIXES = (".onnx",)
SUPPORTED = "supported: ONNX models whose recurrent nodes are LSTM, GRU or RNN"
#: said where a node's op is the trouble (a damaged file's message needs no list of ops)
SUPPORTED_OPS = (f"{SUPPORTED}, with " + ", ".join(sorted(onnx_ops.SUPPORTED))
                 + ", Constant around them")
MAX_FILE_BYTES = 2 * 1024 ** 3 - 1          # protobuf's own limit
MAX_EXTERNAL_BYTES = 4 * 1024 ** 3
MAX_NODES = limits.MAX_GRAPH_NODES
MAX_CONFIG_CONST = 1 << 16                  # elements of a constant kept in a layer config
FOLD_BYTES = 64 * 1024 ** 2                 # what folding and sizing may make beyond 4x the file's tensors
RECURRENT = {"LSTM": 4, "GRU": 3, "RNN": 1}
LSTM_ORDER = (0, 2, 3, 1)                   # Keras gate k (i, f, c, o) is ONNX block ...
ARITH = ("MatMul", "Gemm", "Add", "Sub", "Mul", "Div")
DEFAULT_ACTS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}
#: the newest IR version lstmviz reads: ONNX 1.23's (its ``helper.VERSION_TABLE``), whose
#: opset 28 is the newest the ops compute (``onnx_ops.MAX_OPSET``)
MAX_IR_VERSION = 14


#: what a refusal of a shape no array has says works (the family's "recurrent nodes are LSTM,
#: GRU or RNN" was said after "tensor 'w' has a negative dimension", as if the nodes were wrong)
SUPPORTED_SHAPES = (f"supported: tensors of at most {limits.MAX_DIMS} dimensions, each of 0 or more, "
                    "holding fewer than 2**63 elements (a NumPy array's)")
#: what a refusal of a recurrent node's shapes says works
SUPPORTED_RECURRENT = ("supported: LSTM, GRU and RNN nodes of a 3-D input (time, batch, features; layout 1: "
                       "batch first) and W, R, B, P of the shapes ONNX gives for their hidden_size and "
                       "direction")


def _supported_inputs() -> str:
    """What a refusal of a graph input's declared sizes says works."""
    return (f"supported: graph inputs whose declared sizes make at most {onnx_ops.LOAD_ELEMENTS:,} "
            "numbers (a symbolic size, such as 'batch' or 'seq', takes any)")


class Fail(Exception):
    def __init__(self, what: str, ops: bool = False, supported: str | None = None):
        super().__init__(what)
        self.what = what
        self.ops = ops  # the trouble is an op: the refusal lists the ops lstmviz computes
        self.supported = supported  # what works, where the family's words would mislead


# ------------------------------------------------------------------ sniffing

_MODEL_TAGS = {0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72}


def sniff(head: bytes) -> bool:
    """True when ``head`` (the file's first bytes) starts like an ONNX ModelProto:
    ``ir_version`` (field 1, a varint of at most 10 bytes) then another field of ModelProto.
    (Its value is the reader's to check, which names the versions it reads: an IR version
    past 127, or of 0, was "a protobuf / SavedModel file".)"""
    end = next((i for i in range(1, min(len(head), 11)) if not head[i] & 0x80), None)
    return (head[:1] == b"\x08" and end is not None and end + 1 < len(head)
            and head[end + 1] in _MODEL_TAGS)


# ------------------------------------------------------------------ tensors

#: ONNX's floats NumPy has no dtype for, read exactly into float32 (``_util.narrow_floats``).
NARROW = {16: "bfloat16", 17: "float8_e4m3fn", 19: "float8_e5m2"}
#: ONNX's names of its data types (TensorProto.DataType), for a refusal.
TYPE_NAMES = {1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
              8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64",
              14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16", 17: "FLOAT8E4M3FN",
              18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4",
              23: "FLOAT4E2M1", 24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2"}
#: What a refused data type is told.
READ_TYPES = "FLOAT, DOUBLE, FLOAT16, BFLOAT16, FLOAT8E4M3FN, FLOAT8E5M2, integers and BOOL"


def _dtype(code: int):
    dt = onnx_ops.DTYPES.get(int(code))
    if dt is None:
        name = TYPE_NAMES.get(int(code))
        raise Fail(f"a tensor has ONNX data type {code}{f' ({name})' if name else ''}, which lstmviz "
                   f"does not read (it reads {READ_TYPES})")
    return np.dtype(dt).newbyteorder("<")


def _narrow(t, kind: str, dims: list[int], n: int, folder: str, budget: list) -> np.ndarray:
    """A BFLOAT16 / FLOAT8 tensor as float32, each element exactly its value: its bytes
    (raw or external, little-endian) or its int32_data (each element's bits, as ONNX
    keeps a type narrower than 32 bits in that field)."""
    from onnx import TensorProto

    size = NARROW_FLOATS[kind]
    if t.data_location == TensorProto.EXTERNAL:
        raw = _external({e.key: e.value for e in t.external_data}, folder, n * size, t.name, budget)
    elif t.HasField("raw_data"):
        if len(t.raw_data) != n * size:
            raise Fail(f"tensor '{t.name[:80]}' holds {len(t.raw_data)} bytes but its shape "
                       f"{dims} needs {n * size}")
        raw = t.raw_data
    else:
        bits = np.asarray(t.int32_data, dtype=np.int64)
        if bits.size != n:
            raise Fail(f"tensor '{t.name[:80]}' holds {plural(bits.size, 'value')} but its shape needs {n}")
        if bits.size and (bits.min() < 0 or bits.max() >= 1 << (8 * size)):
            raise Fail(f"tensor '{t.name[:80]}' ({TYPE_NAMES[int(t.data_type)]}) holds a value "
                       f"that is not {8 * size} bits")
        raw = bits.astype("<u2" if size == 2 else "u1").tobytes()
    return narrow_floats(raw, kind).reshape(dims)


def _tensor(t, folder: str, budget: list, memory: limits.MemoryBudget | None = None) -> np.ndarray:
    """A TensorProto as an array; external data only from inside ``folder``; ``memory``:
    counted against it (the memory limit) before it is read."""
    from onnx import TensorProto, numpy_helper

    dims = [int(d) for d in t.dims]
    fault = limits.shape_fault(dims)  # (an empty tensor of (0, 2**62, 2**62) was said to hold
    # "values that do not fit its shape", and the shape of 100,000 dimensions was said whole)
    if fault:
        shown = "" if len(dims) > limits.MAX_DIMS else f" {dims}"
        raise Fail(f"the shape of tensor '{t.name[:80]}'{shown} {fault} (damaged)", supported=SUPPORTED_SHAPES)
    if any(d < 0 for d in dims):
        raise Fail(f"tensor '{t.name[:80]}' has a negative dimension (damaged)", supported=SUPPORTED_SHAPES)
    n = math.prod(dims)
    if n > onnx_ops.MAX_ELEMENTS:
        raise Fail(f"tensor '{t.name[:80]}' has {n:,} elements, more than lstmviz reads")
    narrow = NARROW.get(int(t.data_type))
    dt = np.dtype(np.float32) if narrow else _dtype(t.data_type)  # (a narrow one: read into float32)
    nbytes = n * dt.itemsize
    over = memory.excess(nbytes) if memory is not None else None
    if over:
        raise Fail(f"{over}; {limits.HINT}")
    if narrow:
        return _narrow(t, narrow, dims, n, folder, budget)
    if t.data_location == TensorProto.EXTERNAL:
        info = {e.key: e.value for e in t.external_data}
        raw = _external(info, folder, nbytes, t.name, budget)
        return np.frombuffer(raw, dtype=dt).reshape(dims).astype(dt.newbyteorder("="))
    if t.HasField("raw_data") and len(t.raw_data) != nbytes:
        raise Fail(f"tensor '{t.name[:80]}' holds {len(t.raw_data)} bytes but its shape "
                   f"{dims} needs {nbytes}")
    try:
        arr = numpy_helper.to_array(t)
    except ValueError:  # its typed fields hold fewer or more values than its shape
        raise Fail(f"tensor '{_clean(t.name)}' holds values that do not fit its shape "
                   f"{dims}") from None
    if arr.size != n:
        raise Fail(f"tensor '{t.name[:80]}' holds {plural(arr.size, 'value')} but its shape needs {n}")
    return np.asarray(arr)


def _external(info: dict, folder: str, nbytes: int, name: str, budget: list) -> bytes:
    loc = info.get("location", "")
    parts = re.split(r"[\\/]", loc)
    if (not loc or os.path.isabs(loc) or loc.startswith(("/", "\\")) or ":" in loc
            or ".." in parts or "\x00" in loc):
        raise Fail(f"tensor '{name[:80]}' points at external data {loc[:80]!r}: lstmviz reads "
                   "external data only from files beside the model (no absolute paths, no ..)")
    root = os.path.realpath(folder)
    full = os.path.realpath(os.path.join(root, *parts))
    if os.path.commonpath([root, full]) != root:
        raise Fail(f"external data {loc[:80]!r} leads outside the model's folder")
    if not os.path.isfile(full):
        raise Fail(f"the external data file {loc[:80]!r} (tensor '{name[:80]}') is not beside "
                   "the model")
    try:
        offset = int(info.get("offset", 0))
        length = int(info["length"]) if "length" in info else nbytes
    except ValueError:
        raise Fail(f"tensor '{name[:80]}' has a malformed external data offset or length") from None
    if offset < 0:  # (it was said as a length: "takes 192 bytes of external data but its
        # shape needs 192")
        raise Fail(f"tensor '{name[:80]}' starts at byte {offset} of its external data, "
                   "before the file's start")
    if length != nbytes:
        raise Fail(f"tensor '{name[:80]}' takes {length} bytes of external data but its shape "
                   f"needs {nbytes}")
    size = os.path.getsize(full)
    if offset + nbytes > size:
        raise Fail(f"tensor '{name[:80]}' reaches past the end of {loc[:80]!r}")
    budget[0] -= nbytes
    if budget[0] < 0:
        raise Fail(f"the external data adds up to more than {limits.fmt_bytes(MAX_EXTERNAL_BYTES)}")
    with open(full, "rb") as fh:
        fh.seek(offset)
        raw = fh.read(nbytes)
    if len(raw) != nbytes:
        raise Fail(f"tensor '{name[:80]}': {loc[:80]!r} is shorter than it says")
    return raw


def _const_spec(arr: np.ndarray) -> dict:
    arr = np.asarray(arr)
    code = next((k for k, v in onnx_ops.DTYPES.items() if np.dtype(v) == arr.dtype), 1)
    if arr.size > MAX_CONFIG_CONST:
        raise Fail(f"a constant of {arr.size:,} elements feeds a shape op")
    data = arr.reshape(-1).tolist()
    return {"dtype": code, "shape": list(arr.shape), "data": data}


# ------------------------------------------------------------------ attributes

#: attribute kinds no op lstmviz computes reads (AttributeProto's TENSORS, SPARSE_TENSOR,
#: SPARSE_TENSORS, TYPE_PROTO, TYPE_PROTOS): left out of a node's config, which holds numbers,
#: texts and constants only (a Constant's sparse_value is then no value it reads)
UNREAD_KINDS = frozenset({9, 11, 12, 13, 14})


def _attrs(node, folder: str, budget: list, memory: limits.MemoryBudget | None = None) -> dict:
    """A node's attributes; a tensor's external data (a Constant's value) is read as an
    initializer's is: from the model's ``folder`` only, counted in ``budget`` (it was
    looked for in the current directory, where an existing file got another refusal), and
    against ``memory``. A Constant's value stays an array (it may be a layer's weights, of
    any size, as an initializer may); another op's tensor goes into its layer's config."""
    from onnx import AttributeProto, helper

    out = {}
    for a in node.attribute:
        if a.type in UNREAD_KINDS:
            continue  # (kept, a TypeProto in a layer's config: its session could not be written)
        if a.type == AttributeProto.TENSOR:
            arr = _tensor(a.t, folder, budget, memory)
            out[a.name] = arr if node.op_type == "Constant" else _const_spec(arr)
        elif a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS):
            raise Fail(f"{_node(node)} holds a subgraph")
        else:
            v = helper.get_attribute_value(a)
            if isinstance(v, bytes):
                v = v.decode("utf-8", "replace")
            elif isinstance(v, list):
                v = [x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in v]
            if isinstance(v, float):
                v = float(np.float32(v))
            elif isinstance(v, list) and v and isinstance(v[0], float):
                v = [float(np.float32(x)) for x in v]
            out[a.name] = v
    return out


def _constant_value(node, attrs: dict) -> np.ndarray:
    for key, dt in (("value", None), ("value_float", np.float32), ("value_floats", np.float32),
                    ("value_int", np.int64), ("value_ints", np.int64)):
        if key in attrs:
            if dt is None:  # (the array ``_attrs`` read)
                return np.asarray(attrs[key])
            return np.asarray(attrs[key], dtype=dt)
    raise Fail(f"{_node(node)} holds no value lstmviz reads "
               "(value, value_float(s), value_int(s))")


# ------------------------------------------------------------------ names

def _clean(text: str) -> str:
    text = text.strip("/").replace("/", ".")
    text = re.sub(r"[^A-Za-z0-9_.:\-]", "_", text)
    return text[:80]


#: what NumPy raises on inputs an op's checks (``onnx_ops``) did not foresee
_NUMPY_FAULTS = (ArithmeticError, ValueError, TypeError, IndexError)


def _uncomputed(node, ins) -> Fail:
    """The refusal of ``node`` when NumPy could not compute it on ``ins``: its name and
    inputs (NumPy's words, "Integers to negative integer powers are not allowed", were
    said as "its graph holds something lstmviz's ONNX reader does not handle")."""
    said = ", ".join("none" if a is None else f"{np.asarray(a).dtype} {list(np.shape(a))}"
                     for a in ins[:4]) + (", ..." if len(ins) > 4 else "")
    return Fail(f"{_node(node)} cannot be computed on its inputs ({said}): the file is "
                "damaged or uses the op in a way lstmviz does not compute")


def _node(node, op: bool = True) -> str:
    """How a message names ``node``: ``node 'rnn.LSTM' (LSTM)``, its name cleaned (names
    from a file are shown escaped), or ``an unnamed LSTM node`` (a file's nodes may have no
    name: messages said ``node ''``). ``op``: the op type after a name too."""
    name = _clean(node.name or "")
    if not name:
        return f"an unnamed {_clean(node.op_type) or 'untyped'} node"
    return f"node '{name}'" + (f" ({_clean(node.op_type)})" if op else "")


def _label(node) -> str:
    """A readable layer name for ``node``: the dynamo exporter's module scope for the
    nodes of a module, else the node's name (``/rnn/LSTM`` -> ``rnn.LSTM``)."""
    meta = {p.key: p.value for p in node.metadata_props}
    scopes = meta.get("pkg.torch.onnx.name_scopes")
    if scopes and node.op_type in (*RECURRENT, "Gemm", "MatMul"):
        parts = re.findall(r"'([^']*)'", scopes)
        parts = [p for p in parts if p]
        if parts:
            return _clean(".".join(parts))
    return _clean(node.name) or node.op_type.lower()


def _tf_label(node, main: bool) -> str | None:
    """tf2onnx's nodes of a Keras model are named by TensorFlow's scopes,
    ``StatefulPartitionedCall/<model>/<layer>/...``: the Keras layer's name for the node
    that is the layer (its recurrent node, named ``LSTM__95`` by tf2onnx, has its input's
    scope; a Dense's MatMul, an Embedding's Gather), ``<layer>.<op>`` for the others
    (``dense_7_1.Softmax``). ``main``: the node is the layer."""
    for name in [node.name] + ([node.input[0]] if node.input else []):
        parts = name.split(":")[0].split("/")
        if parts[0] == "StatefulPartitionedCall":
            parts = parts[1:]
        if len(parts) >= 3:
            label = _clean(parts[1] if main else f"{parts[1]}.{parts[-1]}")
            if label:
                return label
    return None


def _unique(base: str, used: dict[str, int]) -> str:
    """``base``, or ``base_1``, ``base_2`` ... the first not taken; ``used`` maps each name
    taken to the next suffix to try for it as a base (20,000 Relu nodes, each looking
    from ``relu_1`` up, took 80 s)."""
    k = used.get(base, 0)
    name = base if k == 0 else f"{base}_{k}"
    while name in used:
        k += 1
        name = f"{base}_{k}"
    used[base] = k + 1
    used.setdefault(name, 1)
    return name


# ------------------------------------------------------------------ dry run (shapes)

def _recurrent_shapes(node, attrs, x_shape, weights_w) -> list[tuple]:
    dirs = 2 if attrs.get("direction", "forward") == "bidirectional" else 1
    H = int(attrs.get("hidden_size") or weights_w.shape[1] // RECURRENT[node.op_type])
    if len(x_shape) != 3:
        raise Fail(f"{_node(node)} gets an input of rank {len(x_shape)}, not 3", supported=SUPPORTED_RECURRENT)
    if int(attrs.get("layout", 0)) == 0:
        T, B = x_shape[0], x_shape[1]
        shapes = [(T, dirs, B, H), (dirs, B, H)]
    else:
        B, T = x_shape[0], x_shape[1]
        shapes = [(B, T, dirs, H), (B, dirs, H)]
    if node.op_type == "LSTM":
        shapes.append(shapes[1])
    return shapes


class FixedSteps(Fail):
    """A dry run's Reshape refused the symbolic sequence length ``symbol`` because the
    graph names its steps in a constant shape: it runs on ``steps`` steps only."""

    def __init__(self, what: str, symbol: str, steps: int):
        super().__init__(what)
        self.symbol, self.steps = symbol, steps


def _fixed_steps(node, ins, sizes: dict, steps_symbols: set, opset: int):
    """(symbol, N) where Reshape ``node`` failed because its constant shape names the
    sequence's steps as N where its data holds ``sizes[symbol]`` of them (a sequence
    length symbol of the graph's inputs, ``steps_symbols``): the same shape with that
    element the data's steps reshapes it. None otherwise."""
    x, shape = ins[0], ins[1] if len(ins) > 1 else None
    if (x is None or shape is None or opset < 5 or len(node.input) < 2
            or not np.issubdtype(np.asarray(shape).dtype, np.integer) or not hasattr(x, "shape")):
        return None
    dims = [int(v) for v in np.asarray(shape).reshape(-1)]
    for symbol in sorted(steps_symbols):
        got = sizes[symbol]
        for k, d in enumerate(dims[:x.ndim]):
            if x.shape[k] != got or d <= 0 or d == got:
                continue
            try:
                onnx_ops.evaluate("Reshape", {}, [x, np.array(dims[:k] + [got] + dims[k + 1:], np.int64)], opset)
            except LstmvizError:
                continue
            return symbol, d
    return None


def _dry_run(graph_inputs, nodes, consts, sizes, dtypes: dict | None = None,
             steps_symbols: set | None = None) -> dict[str, tuple]:
    """Every tensor's shape when each symbolic size takes the value in ``sizes`` (and its
    data type, in ``dtypes`` when given); ``FixedSteps`` where a Reshape's constant shape
    names the steps of a sequence whose length is symbolic (one of ``steps_symbols``)."""
    vals: dict[str, np.ndarray] = {}
    for name, dims, dtype in graph_inputs:
        shape = [sizes[d] if isinstance(d, str) else d for d in dims]
        try:
            onnx_ops.check_size(f"input '{_clean(name)}'", shape)
        except LstmvizError as err:
            raise Fail(str(err), supported=_supported_inputs()) from None
        vals[name] = np.zeros(shape, dtype=dtype)

    def get(n):
        if n == "":
            return None
        if n in vals:
            return vals[n]
        return consts[n]

    for node, attrs, opset in nodes:
        ins = [get(n) for n in node.input]
        if node.op_type in RECURRENT:
            shapes = _recurrent_shapes(node, attrs, ins[0].shape, ins[1])
            try:
                outs = [np.zeros(onnx_ops.check_size(node.op_type, s), np.float32) for s in shapes]
            except LstmvizError as err:
                raise Fail(f"{_node(node, op=False)}: {err}") from None
        else:
            try:
                outs = onnx_ops.evaluate(node.op_type, attrs, ins, opset)
            except _NUMPY_FAULTS as exc:
                raise _uncomputed(node, ins) from exc
            except LstmvizError as err:
                fixed = (_fixed_steps(node, ins, sizes, steps_symbols or set(), opset)
                         if node.op_type == "Reshape" and node.input[1] in consts else None)
                if fixed is not None:
                    raise FixedSteps(f"{_node(node, op=False)}: {err}", *fixed) from None
                raise Fail(f"{_node(node, op=False)}: {err}") from None
        for n, v in zip(node.output, outs):
            if n:
                vals[n] = v
    if dtypes is not None:
        dtypes.update((k, v.dtype) for k, v in vals.items())
    return {k: tuple(v.shape) for k, v in vals.items()}


def _tensordot_shapes(sx, s1, sm, s2) -> bool:
    """(a, b, k) reshaped to (a x b, k), multiplied to (a x b, n), reshaped to (a, b, n)."""
    return (None not in (sx, s1, s2, sm) and len(sx) == 3 and len(sm) == 2
            and list(s1) == [sx[0] * sx[1], sx[2]] and list(s2) == [sx[0], sx[1], sm[1]])


def _fold_tensordots(nodes: list, consts: dict, runs: tuple, graph_outputs: set) -> tuple[list, set]:
    """tf2onnx's Dense over every step (TensorFlow's Tensordot): a Reshape of (a, b, k) to
    (a x b, k), a MatMul of a constant (k, n), a Reshape back to (a, b, n), as one MatMul of
    the 3-D tensor: the same numbers, read as a Dense over every step (one product per
    step, so that windows of a long input follow it; one product of every step at once
    could not be cut into windows). The shapes are checked in both dry runs; the Shape
    ops that sized the Reshapes, read by nothing else, are dropped with them. Returns the
    nodes and the folded MatMuls' outputs (whose bias Add stays an op of its own, as the
    file has it)."""
    from onnx import helper

    producer = {o: i for i, (n, _, _) in enumerate(nodes) for o in n.output if o}
    readers: dict[str, list[int]] = {}
    for i, (n, _, _) in enumerate(nodes):
        for x in n.input:
            readers.setdefault(x, []).append(i)
    drop: set[int] = set()
    replace: dict[int, Any] = {}
    for i, (node, _, _) in enumerate(nodes):
        if node.op_type != "MatMul" or len(node.input) != 2 or node.input[1] not in consts \
                or np.ndim(consts[node.input[1]]) != 2 or node.output[0] in graph_outputs:
            continue
        j = producer.get(node.input[0])
        after = readers.get(node.output[0], [])
        if j is None or nodes[j][0].op_type != "Reshape" or len(after) != 1 \
                or readers.get(nodes[j][0].output[0]) != [i] or nodes[j][0].output[0] in graph_outputs:
            continue
        first, back = nodes[j][0], nodes[after[0]][0]
        if back.op_type != "Reshape" or back.input[0] != node.output[0]:
            continue
        x = first.input[0]
        names = (x, first.output[0], node.output[0], back.output[0])
        if all(_tensordot_shapes(*(run.get(n) for n in names)) for run in runs):
            drop |= {j, after[0]}
            replace[i] = helper.make_node("MatMul", [x, node.input[1]], [back.output[0]], name=node.name)
    if not replace:
        return nodes, set()
    kept = [(replace.get(i, n), a, o) for i, (n, a, o) in enumerate(nodes) if i not in drop]
    while True:  # (the sizes' ops, read by nothing now)
        read = {x for n, _, _ in kept for x in n.input}
        dead = [k for k, (n, _, _) in enumerate(kept) if n.op_type not in RECURRENT
                and not any(o in read or o in graph_outputs for o in n.output if o)]
        if not dead:
            break
        kept = [e for k, e in enumerate(kept) if k not in set(dead)]
    return kept, {n.output[0] for n in replace.values()}


# ------------------------------------------------------------------ the graph

def _load_proto(path):
    import onnx

    size = os.path.getsize(path)
    if size == 0:
        raise Fail("the file is empty")
    if size > MAX_FILE_BYTES:
        raise Fail(f"the file is {limits.fmt_bytes(size)}, larger than an ONNX protobuf can be (2 GiB)")
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return onnx.load_model_from_string(data)
    except Exception as exc:  # (protobuf: "Error parsing message with type 'onnx.ModelProto'")
        raise Fail("cannot parse the ONNX protobuf; the file is truncated or not an ONNX "
                   "model") from exc


def _opset(model) -> int:
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return int(o.version)
    return 1


def _check_versions(ir_version: int, opset: int) -> None:
    """The file's IR version and opset within what lstmviz reads (``MAX_IR_VERSION``,
    ``onnx_ops.MAX_OPSET``): an opset of 10**6 was read as the newest of each op."""
    most = onnx_ops.MAX_OPSET
    if not 1 <= opset <= most:
        raise Fail(f"the model's ONNX opset is {opset:,}, which lstmviz does not read (it reads "
                   f"opsets 1 to {most}: export the model with opset {most} or lower)")
    if not 1 <= ir_version <= MAX_IR_VERSION:  # (ONNX's first is 1: 0 is no version)
        raise Fail(f"the model's ONNX IR version is {ir_version:,}, which lstmviz does not read "
                   f"(it reads IR versions 1 to {MAX_IR_VERSION}, ONNX 1.23's)")


def _check_text(model) -> None:
    """Every name the model is read by is text: protobuf hands a string field whose bytes
    are not UTF-8 back as ``bytes`` (a damaged file), which no name lookup would match."""
    graph = model.graph

    def texts():
        yield from (graph.name, model.producer_name, model.producer_version)
        yield from (o.domain for o in model.opset_import)
        for vi in (*graph.input, *graph.output, *graph.value_info):
            yield vi.name
            if vi.type.HasField("tensor_type"):
                yield from (d.dim_param for d in vi.type.tensor_type.shape.dim)
        for t in graph.initializer:
            yield t.name
            yield from (x for e in t.external_data for x in (e.key, e.value))
        for node in graph.node:
            yield from (node.name, node.op_type, node.domain, *node.input, *node.output)
            yield from (a.name for a in node.attribute)
            yield from (x for p in node.metadata_props for x in (p.key, p.value))

    if any(not isinstance(text, str) for text in texts()):
        raise Fail("a name in the graph is not text (bytes that are not UTF-8): the file is damaged")


def _unshaped_input(graph, name: str, consts: dict) -> list:
    """The dims of a graph input that declares no shape (ONNX allows it: its rank is then
    unknown, and it was read as a scalar, 'an input of rank 0'): the X of a recurrent node
    as the file gives it, (time, batch, features) or (batch, time, features) by the node's
    layout, its features W's; else a refusal saying the shape is missing."""
    for node in graph.node:
        if node.op_type in RECURRENT and len(node.input) > 1 and node.input[0] == name \
                and node.input[1] in consts and np.ndim(consts[node.input[1]]) == 3:
            layout = next((int(a.i) for a in node.attribute if a.name == "layout"), 0)
            axes = [f"?{name}:time", f"?{name}:batch"]
            return (axes if layout == 0 else axes[::-1]) + [int(consts[node.input[1]].shape[2])]
    raise Fail(f"input '{_clean(name)}' declares no shape, so its rank is unknown: export the "
               "model with its inputs' shapes")


#: how a refusal says an attribute's kind (AttributeProto's codes)
_ATTRIBUTE_KINDS = {1: "a float", 2: "an integer", 3: "a string", 4: "a tensor", 5: "a graph",
                    6: "a list of floats", 7: "a list of integers", 8: "a list of strings",
                    9: "a list of tensors", 10: "a list of graphs", 11: "a sparse tensor",
                    12: "a list of sparse tensors", 13: "a type", 14: "a list of types"}


def _check_attribute_kinds(node, opset: int, kinds: dict) -> None:
    """Each attribute of ``node`` is of the kind ONNX's schema of its op gives (at the
    graph's ``opset``): an axis, a keepdims or a hidden_size stored as the FLOAT 1.5 was
    read through ``int()`` as 1 (a Concat on axis 1), where onnxruntime refuses the graph
    ("Mismatched attribute type"). Attributes the schema does not name are left to the
    ops' own checks. ``kinds`` caches each op's schema (a lookup is ~0.3 ms)."""
    from onnx import defs

    if node.op_type not in kinds:
        try:
            schema = defs.get_schema(node.op_type, opset, "")
            # (an AttrType, an IntEnum of AttributeProto's codes)
            kinds[node.op_type] = {k: a.type for k, a in schema.attributes.items()}
        except defs.SchemaError:
            kinds[node.op_type] = {}
    wanted = kinds[node.op_type]
    for a in node.attribute:
        want = wanted.get(a.name)
        if want is None or int(a.type) == want:
            continue
        value = f" ({float(a.f):g})" if a.type == 1 else f" ({int(a.i)})" if a.type == 2 else ""
        raise Fail(f"{_node(node)} gives its attribute '{_clean(a.name)}' as "
                   f"{_ATTRIBUTE_KINDS.get(int(a.type), 'no known kind')}{value}, where ONNX's "
                   f"{_clean(node.op_type)} takes {_ATTRIBUTE_KINDS[want]} (ONNX's checker refuses "
                   "such a node): the file is damaged")


def _check_wiring(graph, opset: int) -> None:
    """Each node reads only what the graph's inputs, its initializers or a node before it
    give (ONNX keeps its nodes in that order), each name is given once (an initializer
    may also be listed as an input, as IR 3 wrote them), and the graph's outputs are
    given. A name given twice has no one value (onnxruntime refuses such a graph); read
    in order, the later one silently replaced the first. So has a node's attribute given
    twice: its config took the last (an LSTM's direction "forward" then "reverse" ran
    backwards), where the layout of an input declaring no shape was read from the first."""
    for what, names in (("inputs", [vi.name for vi in graph.input]),
                        ("initializers", [t.name for t in graph.initializer])):
        twice = first_repeat(names)
        if twice is not None:
            raise Fail(f"the graph has two {what} named '{_clean(twice)}': the file is damaged")
    given = {vi.name for vi in graph.input} | {t.name for t in graph.initializer}
    kinds: dict = {}
    for node in graph.node:
        twice = first_repeat(a.name for a in node.attribute)
        if twice is not None:
            raise Fail(f"{_node(node)} gives its attribute '{_clean(twice)}' twice, so it has no "
                       "one value (ONNX's checker refuses such a node): the file is damaged")
        _check_attribute_kinds(node, opset, kinds)
        for name in node.input:
            if name and name not in given:
                raise Fail(f"{_node(node)} reads "
                           f"'{_clean(name)}', which no input, initializer or node before it "
                           "gives: the file is damaged or its nodes are out of order")
        for name in node.output:
            if name in given:
                raise Fail(f"{_node(node)} writes '{_clean(name)}', which an input, "
                           "initializer or node before it already gives: the file is damaged")
            if name:
                given.add(name)
    for vi in graph.output:
        if vi.name not in given:
            raise Fail(f"the graph's output '{_clean(vi.name)}' is given by no node: the file "
                       "is damaged")


def _build(path) -> ModelSpec:
    model = _load_proto(path)
    graph = model.graph
    _check_text(model)
    opset = _opset(model)
    _check_versions(int(model.ir_version), opset)
    folder = os.path.dirname(os.path.abspath(str(path)))
    fname = os.path.basename(str(path))
    if len(graph.node) > MAX_NODES:
        raise Fail(f"the graph has {len(graph.node):,} nodes, more than lstmviz reads ({MAX_NODES:,})")
    if len(graph.input) > limits.MAX_GRAPH_INPUTS:  # (each an input layer: a session keeps as many)
        raise Fail(f"the graph has {len(graph.input):,} inputs, more than lstmviz reads "
                   f"({limits.MAX_GRAPH_INPUTS:,})")
    loop = next((n for n in graph.node if n.op_type in ("Loop", "Scan")), None)
    if loop is not None:
        raise Fail(f"the graph steps a layer in a {loop.op_type} node "
                   f"('{_clean(loop.name) or loop.op_type}'), a subgraph lstmviz does not run "
                   "(tf2onnx, for one, writes Keras' GRU and SimpleRNN layers so, and only LSTMs "
                   "as LSTM nodes): open the model's Keras or PyTorch file instead")
    for node in graph.node:
        op = node.op_type
        if node.domain not in ("", "ai.onnx") or (op not in RECURRENT and op != "Constant"
                                                   and op not in onnx_ops.SUPPORTED):
            # (the domain and op type are a file's text, shown cleaned as names are)
            what = (f"{_clean(node.domain)}." if node.domain not in ("", "ai.onnx") else "") + (_clean(op) or "untyped")
            article = "an" if what[:1].lower() in "aeiou" else "a"
            raise Fail(f"the graph has {article} {what} node ('{_clean(node.name) or _clean(op)}'), which "
                       "lstmviz does not compute", ops=True)
    _check_wiring(graph, opset)
    budget = [MAX_EXTERNAL_BYTES]
    memory = limits.MemoryBudget("the tensors in the file")
    consts: dict[str, np.ndarray] = {}
    for t in graph.initializer:
        consts[t.name] = _tensor(t, folder, budget, memory)
    if len(graph.sparse_initializer):
        raise Fail("the graph holds sparse initializers, which lstmviz does not read")
    # the Constant nodes' values: tensors the file holds as its initializers are (some
    # exporters keep weights there), read before the budget below counts them
    constants = {k: _constant_value(node, _attrs(node, folder, budget, memory))
                 for k, node in enumerate(graph.node) if node.op_type == "Constant"}
    # folding constants and the dry runs make a few times what the file holds, at most:
    # 150 ConstantOfShape([4M]) folded were 4.7 GB and 10 s from an 11 KB file
    held = sum(int(c.nbytes) for c in consts.values()) + sum(int(c.nbytes) for c in constants.values())
    onnx_ops.lower_budget(FOLD_BYTES + 4 * held)

    # graph inputs (initializers listed as inputs are constants)
    graph_inputs = []
    negative: list[str] = []  # (the notes on sizes below 0 the inputs declare)
    for vi in graph.input:
        if vi.name in consts:
            continue
        tt = vi.type.tensor_type
        if not vi.type.HasField("tensor_type"):
            raise Fail(f"input '{_clean(vi.name)}' is not a tensor")
        dims: list = [] if tt.HasField("shape") else _unshaped_input(graph, vi.name, consts)
        for k, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(int(d.dim_value))
            else:
                # a size below 0 is no size (ONNX's checker lets it pass; some exporters
                # write -1 for "any"): onnxruntime clears it (graph.cc, RemoveInvalidValues),
                # so the axis takes any size, here too, and the notes say so
                if d.HasField("dim_value") and d.dim_value < 0:
                    negative.append(f"Input '{_clean(vi.name)}' declares {int(d.dim_value)} as its "
                                    f"size along axis {k}, which is no size: that axis takes any "
                                    "size, as onnxruntime reads it.")
                dims.append(d.dim_param or f"?{vi.name}:{k}")
        # (a rank past NumPy's was "its graph holds something lstmviz's ONNX reader does not
        # handle", from the dry runs below)
        fault = limits.shape_fault([d if isinstance(d, int) else 1 for d in dims])
        if fault:
            raise Fail(f"input '{_clean(vi.name)}' declares a shape that {fault}", supported=SUPPORTED_SHAPES)
        graph_inputs.append((vi.name, dims, _dtype(tt.elem_type or 1).newbyteorder("=")))
    if not graph_inputs:
        raise Fail("the graph has no inputs (everything in it is constant)")

    # fold constants; keep the rest with their attributes
    nodes = []
    for k, node in enumerate(graph.node):
        if k in constants:
            consts[node.output[0]] = constants[k]
            continue
        attrs = _attrs(node, folder, budget, memory)
        if node.op_type not in RECURRENT and all(n == "" or n in consts for n in node.input) \
                and any(n for n in node.input):
            ins = [consts.get(n) for n in node.input]
            try:
                folded = onnx_ops.evaluate(node.op_type, attrs, ins, opset)
            except _NUMPY_FAULTS as exc:
                raise _uncomputed(node, ins) from exc
            except LstmvizError as err:
                raise Fail(f"{_node(node, op=False)}: {err}") from None
            for n, v in zip(node.output, folded):
                if n:
                    consts[n] = v
            continue
        nodes.append((node, attrs, opset))
    if not nodes:
        raise Fail("the graph computes nothing from its inputs")

    # shapes: two dry runs with different symbolic sizes
    firsts = _time_major_inputs(nodes, consts) | _named_time_major(graph_inputs)
    # (the symbols naming a sequence's length: a 3-D input's time axis)
    steps_symbols = {dims[0 if name in firsts else 1] for name, dims, _ in graph_inputs
                     if len(dims) == 3 and isinstance(dims[0 if name in firsts else 1], str)}
    fixed: dict[str, int] = {}  # a symbol the graph names as a number of steps: that number
    longer = 0  # (steps added to the runs' sequences: see below)
    first: Fail | None = None
    while True:  # (each symbol fixed once: it leaves steps_symbols)
        symbols = sorted({d for _, dims, _ in graph_inputs for d in dims if isinstance(d, str)})
        dtypes: dict[str, np.dtype] = {}
        more = {s: longer if s in steps_symbols else 0 for s in symbols}
        try:
            run_a = _dry_run(graph_inputs, nodes, consts, {s: 2 + k + more[s] for k, s in enumerate(symbols)},
                             dtypes, steps_symbols)
            run_b = _dry_run(graph_inputs, nodes, consts, {s: 7 + 2 * k + more[s] for k, s in enumerate(symbols)},
                             steps_symbols=steps_symbols)
            break
        except FixedSteps as err:
            # an export that fixed its sequence length (torch's dynamo exporter, for one,
            # writes a time-major Linear over every step as a Reshape to the steps it was
            # traced on) though its input says any: that length in every run, and the input's
            fixed[err.symbol] = err.steps
            graph_inputs = [(name, [err.steps if d == err.symbol else d for d in dims], dtype)
                            for name, dims, dtype in graph_inputs]
            steps_symbols.discard(err.symbol)
        except Fail as err:
            # a few steps are too few for a Conv or pooling of strides and no padding (torch's
            # Conv1d(k=5) after a MaxPool1d(2) of 3 steps reads a window of 5 over 1): the runs
            # once more over sequences 64 steps longer, the first refusal kept where they fail too
            if first is not None or not steps_symbols:
                raise (first or err) from None
            first, longer = err, 64

    def shape_of(name):
        a, b = run_a.get(name), run_b.get(name)
        if a is None:
            return None
        if b is None or len(a) != len(b):
            return [None] * len(a)
        return [x if x == y else None for x, y in zip(a, b)]

    for node, _, _ in nodes:  # (a fixed number of features W does not take: it opened, and no
        # input could be traced, "needs 5 input features, gets 2", or the input's declared 2 refused 5)
        x_shape = shape_of(node.input[0])
        w = consts.get(node.input[1]) if len(node.input) > 1 else None
        if node.op_type in RECURRENT and x_shape and x_shape[-1] is not None and w is not None \
                and w.ndim == 3 and x_shape[-1] != w.shape[2]:
            raise Fail(f"{_node(node)} gets {x_shape[-1]} input features, where its W takes "
                       f"{w.shape[2]}", supported=SUPPORTED_RECURRENT)
    graph_outputs = {o.name for o in graph.output}
    nodes, tensordots = _fold_tensordots(nodes, consts, (run_a, run_b), graph_outputs)

    # consumers, for MatMul + Add fusion
    consumers: dict[str, int] = {}
    for node, _, _ in nodes:
        for n in node.input:
            consumers[n] = consumers.get(n, 0) + 1

    used: dict[str, int] = {}
    layers: list[LayerSpec] = []
    where: dict[str, TensorRef] = {}
    inputs: list[TensorRef] = []
    time_major = _time_major_inputs(nodes, consts) | _named_time_major(graph_inputs)
    roles = _state_inputs(nodes)
    for name, dims, dtype in graph_inputs:
        lname = _unique(_clean(name) or "input", used)
        cfg: dict[str, Any] = {"batch_shape": [None if isinstance(d, str) else d for d in dims],
               "dtype": str(dtype), "name": lname}
        if name in time_major:  # (time, batch, features): the app makes inputs accordingly
            cfg["time_major"] = True
            cfg["batch_axis"] = 1
        if name in roles:  # a recurrent node's sequence_lens / initial_h / initial_c
            cfg["role"], axis = roles[name]
            if axis:
                cfg["batch_axis"] = axis
        layers.append(LayerSpec("InputLayer", cfg, name=lname))
        where[name] = TensorRef(lname, 0)
        inputs.append(TensorRef(lname, 0))

    notes: list[str] = [f"The graph fixes its sequence length to {plural(n, 'step')} (a Reshape's constant "
                        "shape names them) where its input leaves the length open: it runs on "
                        f"{plural(n, 'step')} only (export it with a dynamic sequence axis for others)."
                        for n in fixed.values()] + negative
    skip: set[int] = set()
    tf2onnx = model.producer_name == "tf2onnx"
    for k, (node, attrs, op_opset) in enumerate(nodes):
        if k in skip:
            continue
        op = node.op_type
        table = _lookup_table(node, attrs, consts)  # (an Embedding's)
        main = op in (*RECURRENT, "MatMul", "Gemm") or table is not None
        lname = _unique((tf2onnx and _tf_label(node, main)) or _label(node), used)
        if op in RECURRENT:
            spec, note = _recurrent_spec(node, attrs, consts, where, lname)
            notes.append(note)
            outs = list(node.output)
        else:
            embedding = _embedding_spec(node, table, where, lname) if table is not None else None
            dense = None if embedding is not None else _dense_spec(
                node, attrs, consts, where, lname, nodes, k, consumers, graph_outputs, shape_of,
                fuse=node.output[0] not in tensordots)
            if embedding is not None:
                spec, outs = embedding, [node.output[0]]
            elif dense is not None:
                spec, fused = dense
                outs = [fused.output[0]] if fused is not None else [node.output[0]]
                if fused is not None:
                    skip.add(next(j for j, (n, _, _) in enumerate(nodes) if n is fused))
            else:
                spec = _op_spec(node, attrs, consts, where, lname, op_opset, shape_of)
                if all(n == "" or not np.issubdtype(dtypes.get(n, np.float32), np.floating)
                       for n in node.output):
                    spec.config["indices"] = True  # arithmetic on ids or sizes: no view draws it
                outs = list(node.output)
        layers.append(spec)
        for j, out_name in enumerate(outs):
            if out_name:
                where[out_name] = TensorRef(lname, j)

    outputs: list[TensorRef] = []
    for o in graph.output:
        if o.name not in where:
            raise Fail(f"the graph's output '{_clean(o.name)}' is an input or a constant, "
                       "not computed by a node")
        outputs.append(where[o.name])
    if not any(l.class_name in ("onnx.LSTM", "onnx.GRU", "onnx.RNN") for l in layers):
        notes.append("The graph has no LSTM, GRU or RNN node (an exporter may have unrolled "
                     "the recurrence into MatMul/Add/Tanh nodes per step).")
    held = sum(int(w.size) for l in layers for w in (l.weights or []))
    unique = sum(int(np.asarray(consts[n]).size) for n in {n for node, _, _ in nodes for n in node.input}
                 if n in consts and n in init_names_used(graph)
                 and np.issubdtype(np.asarray(consts[n]).dtype, np.floating) and np.asarray(consts[n]).size > 1)
    if unique < held:
        notes.append(f"Some initializers feed several nodes: the file holds {unique:,} parameters; "
                     f"the layers above count each use ({held:,}).")
    producer = f"{model.producer_name} {model.producer_version}".strip()
    return ModelSpec(layers=layers, inputs=inputs, outputs=outputs,
                     name=_clean(graph.name) or os.path.splitext(fname)[0] or "onnx_model",
                     keras_version="3",
                     source={"path": str(path), "format": "onnx", "weights_only": False,
                             "framework": "onnx", "opset": opset, "producer": producer,
                             "notes": [f"ONNX model (opset {opset}"
                                       + (f", made by {producer}" if producer else "")
                                       + "): parameters are counted as the file holds them."]
                             + notes})


_AXES_KEPT = {"Identity", "Cast", "Relu", "Tanh", "Sigmoid", "Add", "Sub", "Mul", "Div"}


def _time_major_inputs(nodes, consts) -> set[str]:
    """Graph inputs that reach a layout-0 recurrent node's X with their axes unchanged
    (through elementwise ops only): those are (time, batch, features)."""
    producer = {o: n for n, _, _ in nodes for o in n.output if o}
    found = set()
    for node, attrs, _ in nodes:
        if node.op_type not in RECURRENT or int(attrs.get("layout", 0)) != 0:
            continue
        name, seen = node.input[0], 0
        while name in producer and seen < 100:
            src = producer[name]
            live = [i for i in src.input if i and i not in consts]
            if src.op_type not in _AXES_KEPT or len(live) != 1:
                break
            name, seen = live[0], seen + 1
        if name not in producer and name not in consts:
            found.add(name)
    return found


def _named_time_major(graph_inputs) -> set[str]:
    """3-D graph inputs whose second axis the file names as the batch ("batch", "batch_size",
    ...) and whose first it does not: (time, batch, features), as an exporter that unrolled
    the recurrence into per-step ops (torch's dynamo, no recurrent node to say so) writes a
    time-major input."""
    def batchy(d):
        return isinstance(d, str) and "batch" in d.lower()
    return {name for name, dims, _ in graph_inputs
            if len(dims) == 3 and batchy(dims[1]) and not batchy(dims[0])}


def _state_inputs(nodes) -> dict[str, tuple[str, int]]:
    """Graph tensors fed straight to a recurrent node as sequence_lens (role, batch axis 0)
    or initial_h / initial_c (batch on axis 1 in layout 0, else 0)."""
    out: dict[str, tuple[str, int]] = {}
    for node, attrs, _ in nodes:
        if node.op_type not in RECURRENT:
            continue
        layout = int(attrs.get("layout", 0))
        for idx, role in ((4, "sequence_lens"), (5, "initial_state"), (6, "initial_state")):
            if len(node.input) > idx and node.input[idx]:
                out.setdefault(node.input[idx], (role, 0 if idx == 4 else (1 if layout == 0 else 0)))
    return out


def init_names_used(graph) -> set:
    return {t.name for t in graph.initializer}


def _weight(consts, name, node, what):
    if name == "" or name is None:
        return None
    if name not in consts:
        raise Fail(f"{_node(node)} computes its {what} in the "
                   "graph; lstmviz needs it stored in the file (an initializer)")
    return np.asarray(consts[name], dtype=np.float32)


def _brief(value: Any) -> str:
    return repr(value)[:40]


def _recurrent_spec(node, attrs, consts, where, lname):
    op = node.op_type
    G = RECURRENT[op]
    ins = list(node.input) + [""] * (8 - len(node.input))
    W = _weight(consts, ins[1], node, "W")
    R = _weight(consts, ins[2], node, "R")
    B = _weight(consts, ins[3], node, "B")
    P = _weight(consts, ins[7], node, "P") if op == "LSTM" else None
    direction = attrs.get("direction", "forward")
    if direction not in ("forward", "reverse", "bidirectional"):
        raise Fail(f"{_node(node, op=False)} has direction {direction!r}")
    # (the specification's only values: any other layout was run as 1, any clip clamped
    # every gate to an empty range or to NaN)
    if attrs.get("layout", 0) not in (0, 1):
        raise Fail(f"{_node(node, op=False)} has layout {_brief(attrs.get('layout'))}, not 0 "
                   "(time, batch, features) or 1 (batch, time, features)")
    clip = attrs.get("clip")
    from ..engine.onnx_layers import activation_specs, clip_fault

    if clip_fault(clip):
        raise Fail(f"{_node(node, op=False)} has clip {_brief(clip)}, {clip_fault(clip)}")
    dirs = 2 if direction == "bidirectional" else 1
    if W is None or R is None or W.ndim != 3 or R.ndim != 3:
        raise Fail(f"{_node(node)} has no 3-D W and R", supported=SUPPORTED_RECURRENT)
    H = int(attrs.get("hidden_size") or R.shape[-1])
    d = W.shape[2]
    want = {"W": (dirs, G * H, d), "R": (dirs, G * H, H), "B": (dirs, 2 * G * H), "P": (dirs, 3 * H)}
    for key, arr in (("W", W), ("R", R), ("B", B), ("P", P)):
        if arr is not None and tuple(arr.shape) != want[key]:
            raise Fail(f"{_node(node)}: {key} has shape {list(arr.shape)}, "
                       f"needs {list(want[key])} (hidden_size {H}, direction {direction})",
                       supported=SUPPORTED_RECURRENT)
    if op == "LSTM" and P is not None and not P.any():
        pass  # zero peepholes are still the file's parameters: kept and counted
    acts = attrs.get("activations") or DEFAULT_ACTS[op] * dirs
    if len(acts) != len(DEFAULT_ACTS[op]) * dirs:
        raise Fail(f"{_node(node)} lists {len(acts)} activations, needs "
                   f"{len(DEFAULT_ACTS[op]) * dirs}")
    alphas = list(attrs.get("activation_alpha") or [])
    betas = list(attrs.get("activation_beta") or [])
    n = len(DEFAULT_ACTS[op])
    try:
        per_dir = [activation_specs(acts[k * n:(k + 1) * n], alphas, betas, n, DEFAULT_ACTS[op])
                   for k in range(dirs)]
    except LstmvizError as err:
        raise Fail(f"{_node(node, op=False)}: {err}") from None

    def act_cfg(specs):
        cfg = {"recurrent_activation": specs[0], "activation": specs[1]} if op != "RNN" \
            else {"activation": specs[0]}
        if op == "LSTM":
            cfg["output_activation"] = specs[2]
        return cfg

    weights = []
    for k in range(dirs):
        def blocks(a):  # ONNX's i, o, f, c -> Keras' i, f, c, o for an LSTM
            return np.concatenate([a[j * H:(j + 1) * H] for j in LSTM_ORDER]) if op == "LSTM" else a

        weights.append(np.ascontiguousarray(blocks(W[k]).T))
        weights.append(np.ascontiguousarray(blocks(R[k]).T))
        if B is not None:
            weights.append(np.stack([blocks(B[k][:G * H]), blocks(B[k][G * H:])]))
        if P is not None:
            p = P[k]
            weights.append(np.stack([p[:H], p[2 * H:], p[H:2 * H]]))
    slots, consts_cfg, inbound = [], {}, []
    for idx, key in ((0, "X"), (4, "sequence_lens"), (5, "initial_h"), (6, "initial_c")):
        name = ins[idx]
        if not name:
            continue
        if name in where:
            slots.append(key)
            inbound.append(where[name])
        elif name in consts:
            consts_cfg[key] = _const_spec(consts[name])
        else:
            raise Fail(f"{_node(node, op=False)} reads '{_clean(name)}', which no node makes")
    if "X" not in slots:
        raise Fail(f"{_node(node)} runs on a constant input")
    layout = int(attrs.get("layout", 0))
    wnames = ", ".join(f"{k} '{_clean(nm)}'" for k, nm in zip("WRB", ins[1:4]) if nm)
    if op == "LSTM":
        file_layout = ("file: gates i,o,f,c in W [dirs, 4u, d], R, B = [Wb | Rb]"
                       + (", P i,o,f" if P is not None else ""))
    elif op == "GRU":
        file_layout = "file: gates z,r,h in W [dirs, 3u, d], R, B = [Wb | Rb]"
    else:
        file_layout = "file: W [dirs, u, d], R, B = [Wb | Rb]"
    cfg = {"name": lname, "units": H, "input_size": int(d), "direction": direction,
           "layout": layout, "slots": slots, "consts": consts_cfg,
           "go_backwards": direction == "reverse", "use_bias": B is not None,
           "peepholes": P is not None, "clip": None if clip is None else float(clip),
           "input_forget": bool(attrs.get("input_forget", 0)), "file_layout": file_layout,
           **act_cfg(per_dir[0])}
    if op == "GRU":
        cfg["linear_before_reset"] = int(attrs.get("linear_before_reset", 0))
    if dirs == 2:
        cfg["backward"] = act_cfg(per_dir[1])
    shown = {"LSTM": "kernel_i/f/c/o (W transposed, gates reordered from i,o,f,c)",
             "GRU": "kernel_z/r/h (W transposed; the same gate order)",
             "RNN": "kernel (W transposed)"}[op]
    note = (f"{op} node '{lname}' ({wnames}; direction {direction}, layout {layout}): shown as "
            f"{shown}; bias row 0 = Wb, row 1 = Rb as the file splits them"
            + ("; peephole rows i, f, o (the file: i, o, f)" if P is not None else "") + ".")
    return LayerSpec(f"onnx.{op}", cfg, name=lname, weights=weights, inbound=inbound), note


def _lookup_table(node, attrs, consts) -> np.ndarray | None:
    """The constant float table a Gather takes rows of (axis 0, 2-D): an Embedding's."""
    if node.op_type != "Gather" or len(node.input) != 2 or int(attrs.get("axis", 0)) != 0:
        return None
    if node.input[0] not in consts:
        return None
    w = np.asarray(consts[node.input[0]])
    return w if w.ndim == 2 and np.issubdtype(w.dtype, np.floating) and w.size >= 2 else None


def _embedding_spec(node, table: np.ndarray, where, lname):
    """A Gather of rows from ``table`` (``_lookup_table``) by computed ids as an Embedding
    layer holding the table (tf2onnx's Keras Embedding; torch's nn.Embedding), or None."""
    ids = node.input[1]
    if ids not in where:
        return None
    cfg = {"name": lname, "input_dim": int(table.shape[0]), "output_dim": int(table.shape[1]),
           "mask_zero": False}
    return LayerSpec("Embedding", cfg, name=lname, weights=[table.astype(np.float32)], inbound=[where[ids]])


def _dense_spec(node, attrs, consts, where, lname, nodes, k, consumers, graph_outputs, shape_of,
                fuse: bool = True):
    """A Gemm / MatMul (+ Add of a bias, unless not ``fuse``) with a constant matrix as a
    Dense layer, or None."""
    op = node.op_type
    if op not in ("Gemm", "MatMul") or len(node.input) < 2:
        return None
    a, b = node.input[0], node.input[1]
    if a not in where or b not in consts:
        return None
    w = np.asarray(consts[b])
    if w.ndim != 2 or not np.issubdtype(w.dtype, np.floating):
        return None
    bias = None
    fused = None
    if op == "Gemm":
        if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            return None
        if attrs.get("transB", 0):
            w = w.T
        if len(node.input) > 2 and node.input[2]:
            c = node.input[2]
            if c not in consts:
                return None
            bias = np.asarray(consts[c])
            if bias.size != w.shape[1] or bias.ndim > 2 or (bias.ndim == 2 and bias.shape[0] != 1):
                return None
            bias = bias.reshape(-1)
    else:
        out = node.output[0]
        if fuse and consumers.get(out) == 1 and out not in graph_outputs:
            nxt = next(((n, at) for n, at, _ in nodes[k + 1:] if out in n.input), None)
            if nxt is not None and nxt[0].op_type == "Add" and len(nxt[0].input) == 2:
                other = [x for x in nxt[0].input if x != out]
                if len(other) == 1 and other[0] in consts:
                    cand = np.asarray(consts[other[0]])
                    if cand.ndim == 1 and cand.size == w.shape[1] and np.issubdtype(cand.dtype, np.floating):
                        bias, fused = cand, nxt[0]
    in_shape = shape_of(a)
    if in_shape is None or len(in_shape) < 2 or in_shape[-1] != w.shape[0]:
        return None
    if op == "Gemm" and len(in_shape) != 2:  # (ONNX's Gemm is of 2-D inputs: the dry run refuses others)
        return None
    weights = [np.ascontiguousarray(w, dtype=np.float32)]
    if bias is not None:
        weights.append(np.ascontiguousarray(bias, dtype=np.float32))
    cfg = {"name": lname, "units": int(w.shape[1]), "activation": "linear",
           "use_bias": bias is not None}
    return LayerSpec("Dense", cfg, name=lname, weights=weights, inbound=[where[a]]), fused


def _op_spec(node, attrs, consts, where, lname, opset, shape_of):
    op = node.op_type
    slots, inbound, weights, consts_cfg = [], [], [], {}
    for j, name in enumerate(node.input):
        if not name:
            slots.append(["none"])
        elif name in where:
            slots.append(["in", len(inbound)])
            inbound.append(where[name])
        elif name in consts:
            arr = np.asarray(consts[name])
            if op in onnx_ops.WEIGHTED_OPS and np.issubdtype(arr.dtype, np.floating) and arr.size > 1:
                slots.append(["weight", len(weights)])
                weights.append(arr)
            else:
                key = str(j)
                consts_cfg[key] = _const_spec(arr)
                slots.append(["const", key])
        else:
            raise Fail(f"{_node(node, op=False)} reads '{_clean(name)}', which no node makes")
    if not inbound:
        raise Fail(f"{_node(node)} depends on no input")
    if op == "MatMul" and weights and any(w.dtype != np.float32 for w in weights):
        weights = [w.astype(np.float32) for w in weights]
    shapes = [shape_of(n) or [] for n in node.output if n]
    cfg = {"name": lname, "op": op, "attrs": attrs, "opset": opset, "slots": slots,
           "consts": consts_cfg, "output_shapes": shapes,
           "weight_shapes": [list(w.shape) for w in weights]}
    return LayerSpec(f"onnx.{op}", cfg, name=lname,
                     weights=[np.asarray(w, np.float32) for w in weights] or None, inbound=inbound)


# ------------------------------------------------------------------ entry points

def read_model(path) -> ModelSpec:
    """A ``ModelSpec`` from an ONNX file; every failure is one ``LstmvizError`` line."""
    fname = os.path.basename(str(path))
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise LstmvizError(f"{fname}: reading ONNX files needs the 'onnx' package: "
                           f"{pip_install('onnx', 'safetensors')} (the extra 'onnx')") from None
    try:
        with onnx_ops.limited(onnx_ops.LOAD_ELEMENTS), onnx_ops.counted(limits.memory_limit()):
            # (its notes quote the file's producer and graph names, as they are)
            return clean_spec_names(_build(path))
    except Fail as f:
        raise LstmvizError(f"{fname}: {f.what}; {f.supported or (SUPPORTED_OPS if f.ops else SUPPORTED)}") from None
    except LstmvizError as err:
        raise LstmvizError(f"{fname}: {err}; {SUPPORTED}") from None
    except MemoryError as exc:
        raise LstmvizError(f"{fname}: the file asks for more memory than lstmviz gives it; "
                           f"{SUPPORTED}") from exc
    except RecursionError as exc:
        raise LstmvizError(f"{fname}: the file is nested too deeply; {SUPPORTED}") from exc
    except OSError as exc:
        raise LstmvizError(f"{fname}: cannot read the file ({exc.strerror or exc})") from None
    except Exception as exc:  # a corrupt file still gives one line (its class and words,
        # such as "KeyError: 'x'", tell a user nothing: they stay chained, for a traceback)
        raise LstmvizError(f"{fname}: cannot read the model: its graph holds something "
                           f"lstmviz's ONNX reader does not handle; {SUPPORTED}") from exc


def read_weights(path) -> list[tuple[str, list[np.ndarray]]]:
    """(layer name, arrays in the layer's order) for every layer with weights."""
    spec = read_model(path)
    return [(l.name or "", list(l.weights)) for l in spec.layers if l.weights]
