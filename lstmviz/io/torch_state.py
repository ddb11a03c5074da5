"""PyTorch state_dicts of ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` (+ ``nn.Linear``) -> ``ModelSpec``.

Reads what ``torch.save(model.state_dict(), path)`` writes, in both container formats:

- ``torch-zip`` (torch >= 1.6): a zip holding ``<root>/data.pkl`` (the object, tensors as
  persistent ids), ``<root>/data/<key>`` (each storage's raw bytes) and ``<root>/byteorder``;
- ``torch-pickle`` (torch < 1.6, or ``_use_new_zipfile_serialization=False``): a sequence of
  pickles (magic number, protocol, sys_info, the object, the storage keys) followed by each
  storage's raw bytes, prefixed by its 8-byte element count.

Neither torch is imported nor any pickled code run: a restricted unpickler resolves only a
fixed allow-list of names (``collections.OrderedDict``, torch's tensor/parameter rebuild
functions and storage types, a few harmless helpers) to lstmviz's own stand-ins, which build
NumPy arrays from the raw bytes; any other name raises ``LstmvizError`` before anything runs.

Mapping onto Keras' layout (what the engine computes):

- LSTM (torch gates i, f, g, o = Keras i, f, c, o): ``kernel = W_ih.T``,
  ``recurrent_kernel = W_hh.T``, ``bias = b_ih + b_hh``;
- GRU (torch gates r, z, n -> Keras z, r, h), ``reset_after=True``: kernel and recurrent
  kernel transposed with their gate blocks reordered, ``bias = [b_ih, b_hh]`` (2, 3u)
  reordered the same way. torch's ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``,
  ``h' = (1 - z) * n + z * h`` is exactly Keras' reset_after GRU;
- RNN -> SimpleRNN, ``bias = b_ih + b_hh``, activation tanh (the nonlinearity is not stored);
- ``num_layers > 1`` -> stacked layers; ``_reverse`` keys -> ``Bidirectional(concat)``;
- ``nn.Linear`` (``weight (out, in)``) -> ``Dense(kernel = weight.T)``;
- an ``nn.Embedding`` (``weight (ids, dim)`` alone, ``dim`` the recurrent input size), named
  so (``emb``) or registered before the recurrent stack -> ``Embedding`` (the same table),
  the input token ids (see ``_embedding``).

The forward() code is not in the file, so the common pattern is assumed (and written into
``spec.source["notes"]``): recurrent stack (batch_first) -> last timestep -> Linear layers.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import pickle
import pickletools
import re
import struct
import warnings
import zipfile
from collections import OrderedDict, deque
from typing import Any, Callable

import numpy as np

from .. import limits
from ..engine.cells import CELLS, CellKind
from ..engine.spec import LayerSpec, ModelSpec
from ..errors import LstmvizError, is_whole
from ..limits import HINT, MemoryBudget
from ..text import archive_error, clean_spec_names, kind_of
from . import torch_around
from ._util import Fail as FileFail
from ._util import first_repeat, fmt_shape, narrow_floats, read_head

__all__ = ["read_torch_state_dict", "looks_like_torch_file"]

#: recurrent modules put in the order their widths chain when the file's does not (at most
#: this many: their orders are tried one by one)
MAX_REORDERED = 7
SUPPORTED = ("supported: PyTorch state_dicts of nn.LSTM / nn.GRU / nn.RNN (+ nn.Linear heads) "
             "saved with torch.save(model.state_dict()), zip or legacy pickle format")

MAX_FILE_BYTES = 2 * 1024 ** 3          # whole file
MAX_PICKLE_BYTES = 32 * 1024 ** 2       # data.pkl / the object pickle
MAX_TENSORS = 100_000
MAX_NDIM = 16
MAX_DEPTH = 4                            # where to look for the state_dict in a checkpoint
MAX_KEY_CHARS = 1024                     # a state_dict key: a module path, not a novel
MAX_KEY_DOTS = 64
#: Opcodes checked before unpickling (``_scan_pickle`` costs about 1.5 us each, so this
#: bounds it at seconds; a state_dict takes some 30 per tensor).
MAX_PICKLE_OPS = 2_000_000
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

# storage type name -> (NumPy dtype code, element size); bfloat16 is decoded by hand.
STORAGE_DTYPES = {
    "DoubleStorage": ("f8", 8), "FloatStorage": ("f4", 4), "HalfStorage": ("f2", 2),
    "BFloat16Storage": ("bf16", 2), "LongStorage": ("i8", 8), "IntStorage": ("i4", 4),
    "ShortStorage": ("i2", 2), "CharStorage": ("i1", 1), "ByteStorage": ("u1", 1),
    "BoolStorage": ("?", 1), "ComplexFloatStorage": ("c8", 8),
    "ComplexDoubleStorage": ("c16", 16),
    # (torch.save writes a dtype without a storage class of its own, float8 say, as bytes:
    # an UntypedStorage, its dtype given to _rebuild_tensor_v3)
    "UntypedStorage": ("u1", 1),
}

#: torch dtypes a tensor of an UntypedStorage may have (``_rebuild_tensor_v3``) -> the
#: ``_util.NARROW_FLOATS`` name it is read by; the others, known by name, are refused.
V3_DTYPES = {"float8_e4m3fn": "float8_e4m3fn", "float8_e5m2": "float8_e5m2"}
TORCH_DTYPES = ("float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2",
                "uint16", "uint32", "uint64", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
                "float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32",
                "int64", "bool", "complex32", "complex64", "complex128", "qint8", "quint8",
                "qint32", "quint4x2", "quint2x4") + tuple(V3_DTYPES)
#: What a refused tensor dtype is told (the float dtypes a .pt's weights are read in).
READ_DTYPES = "float32, float64, float16, bfloat16, float8_e4m3fn, float8_e5m2"

#: a recurrent module's parameter; its layer number any digits, so that one torch never
#: writes (``_l00``, ``_l99999999999``) is refused by ``_modules``, not left out unseen
# (DOTALL and \Z: a module name may hold any character but ".", a line break too, which
# `.` and `$` would not take)
RNN_KEY = re.compile(r"(?:(.*)\.)?(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l([0-9]+)(_reverse)?\Z",
                     re.DOTALL)
# gate blocks -> the cell kind, and its torch module (engine/cells.py describes both)
GATES = {c.k: c.name for c in CELLS.values() if c.torch_module}
TORCH_NAMES = {c.name: c.torch_module for c in CELLS.values() if c.torch_module}
_GATE_COUNTS = " or ".join(", ".join(f"{k} ({TORCH_NAMES[n][3:]})" for k, n in GATES.items()).rsplit(", ", 1))


class Fail(Exception):
    """Internal: ``what`` is wrong; ``supported`` says what would work."""

    def __init__(self, what: str, supported: str = SUPPORTED):
        super().__init__(what)
        self.what, self.supported = what, supported


# ------------------------------------------------------------------ stand-ins

class _Frozen:
    """Base of the stand-ins: no instance dict, no attribute setting, no pickle BUILD."""

    __slots__ = ()

    def __setattr__(self, name, value):
        raise Fail("the pickle tries to change an object's attributes")

    def __setstate__(self, state):
        raise Fail("the pickle tries to change an object's state")


class _StorageType(_Frozen):
    __slots__ = ("name", "dtype", "itemsize")
    name: str
    dtype: str  # a NumPy dtype code, or "bf16"
    itemsize: int

    def __init__(self, name: str):
        code, size = STORAGE_DTYPES[name]
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "dtype", code)
        object.__setattr__(self, "itemsize", size)

    def __call__(self, *args):
        raise Fail(f"the pickle calls torch.{self.name} directly")


class _TorchDType(_Frozen):
    """A torch dtype named by the pickle (``torch.float8_e4m3fn``): a name, never called."""

    __slots__ = ("name",)
    name: str

    def __init__(self, name: str):
        object.__setattr__(self, "name", name)

    def __call__(self, *args):
        raise Fail(f"the pickle calls torch.{self.name} directly")


class _Storage(_Frozen):
    """A storage named by a persistent id: its bytes are fetched when a tensor needs them."""

    __slots__ = ("stype", "key", "numel", "offset", "loader")
    stype: _StorageType
    key: str
    numel: int
    offset: int
    loader: Callable[[str, _StorageType], np.ndarray]

    def __init__(self, stype, key, numel, loader, offset=0):
        for k, v in (("stype", stype), ("key", key), ("numel", numel), ("loader", loader),
                     ("offset", offset)):
            object.__setattr__(self, k, v)

    def array(self) -> np.ndarray:
        """The storage's elements as a flat little/native-order NumPy array (read-only)."""
        flat = self.loader(self.key, self.stype)
        return flat[self.offset:self.offset + self.numel]


class _Tensor(_Frozen):
    """A tensor: where its elements are (storage, offset, size, stride) until the storages'
    bytes are known, then ``array``. Pickle cannot modify it."""

    __slots__ = ("storage", "offset", "size", "stride", "array")
    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]
    array: np.ndarray | None

    def __init__(self, storage, offset, size, stride):
        for k, v in (("storage", storage), ("offset", offset), ("size", size),
                     ("stride", stride), ("array", None)):
            object.__setattr__(self, k, v)

    def fault(self, held: int | None = None) -> str | None:
        """What is wrong with where the tensor's elements are (None: every one of them in its
        storage of ``held`` elements, by default the number the pickle gives it), in words
        saying its size, stride, offset and storage and what a tensor needs; counted on
        its numbers (each within int64: ``_int``), before anything is allocated."""
        size, stride, off = self.size, self.stride, self.offset
        held = self.storage.numel if held is None else held
        where = f"has size {list(size)}, stride {list(stride)} and storage offset {off}"
        storage = f"storage {self.storage.key}, which holds {held:,} elements"
        if off < 0 or any(s < 0 for s in size) or any(st < 0 for st in stride):
            return (f"{where}: a size, stride or offset below 0, which torch never writes (storage "
                    f"{self.storage.key} holds {held:,} elements)")
        numel = 1
        for s in size:
            numel *= s
        if numel == 0:  # (no element to read, but NumPy makes no array of (0, 2**62, 2**62))
            fault = limits.shape_fault(size)
            return f"{where}: a size that {fault}" if fault else None
        last = off + sum((s - 1) * st for s, st in zip(size, stride))
        if last >= held:
            return (f"{where}: its last element would be at {_count(last)} in {storage} (offset + "
                    "(size - 1) x stride, summed, must be below that)")
        if numel > held:  # (a stride of 0 repeats elements: no more than are stored)
            return (f"{where}: {_count(numel)} elements read from {storage} (a tensor repeating "
                    "elements with a stride of 0 is not read)")
        return None

    def materialize(self, budget: "_Budget", name: str = "a tensor") -> None:
        """Copy the elements out of the storage (bounds checked, ``fault``), once; ``name``:
        how a refusal names the tensor."""
        if self.array is not None:
            return
        fault = self.fault()
        flat = None if fault else self.storage.array()
        if flat is not None and flat.size < self.storage.numel:  # (checked against the file already)
            fault = self.fault(flat.size)
        if fault or flat is None:
            raise Fail(f"{name} {fault}; the file is damaged")
        size, stride, off = self.size, self.stride, self.offset
        numel = 1
        for s in size:
            numel *= s
        if numel == 0:
            arr = np.zeros(size, dtype=flat.dtype)
        else:
            budget.take(numel * flat.itemsize)
            item = flat.itemsize
            view = np.lib.stride_tricks.as_strided(
                flat[off:], shape=size, strides=tuple(st * item for st in stride),
                writeable=False)
            arr = np.array(view, copy=True)
        object.__setattr__(self, "array", arr)

    def value(self) -> np.ndarray:
        """The elements, once ``materialize`` has run (every tensor is, before a state_dict
        is looked for)."""
        if self.array is None:
            raise Fail("a tensor's elements were not read")
        return self.array


def _brief(v: Any, n: int = 40) -> str:
    """A short text for a value from the pickle: a string's start or a number, else what
    kind of thing it is (``_kind``). Never ``str(v)[:n]``: the text of a list naming one
    long string a hundred thousand times (memo references, a few bytes each) is
    gigabytes."""
    if isinstance(v, str):
        return v[:n]
    if isinstance(v, (bytes, bytearray)):
        return repr(bytes(v[:n]))
    if isinstance(v, (bool, float)) or (isinstance(v, int) and v.bit_length() <= 64):
        return str(v)[:n]
    return _kind(v)


def _kind(v: Any) -> str:
    """What a value from the pickle is, in words: "a tensor", "an OrderedDict" (torch's and
    Python's names for what the pickle names), "text", "a list", "a whole number" ... never
    Python's type name ("str", "tuple", "NoneType") or lstmviz's stand-ins' ("_Tensor")."""
    named = _KIND_NAMES.get(type(v))
    if named is not None:
        return ("an " if named[:1].lower() in "aeiou" else "a ") + named
    return kind_of(v, mapping="a dictionary")


def _quoted(v: Any, n: int = 40) -> str:
    """``v`` for a refusal: a string quoted (its start), anything else as ``_brief`` says
    it, unquoted ("unknown tensor reference a list", not "'a list'")."""
    return repr(v[:n]) if isinstance(v, str) else _brief(v, n)


class _Device(_Frozen):
    __slots__ = ("spec",)

    def __init__(self, *args):
        object.__setattr__(self, "spec", " ".join(_brief(a, 32) for a in args[:2])[:64])


class _Call(_Frozen):
    """An allowed global: calls our own function, never the named one."""

    __slots__ = ("label", "fn")

    def __init__(self, label, fn):
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "fn", fn)

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise Fail(f"unexpected keyword arguments to {self.label}")
        return self.fn(*args)


def _int(v, what) -> int:
    """A tensor's or storage's size, stride or offset: an integer torch's int64 holds."""
    if not is_whole(v):
        raise Fail(f"a tensor's {what} is {_kind(v)}, not an integer")
    if not -2 ** 63 <= v < 2 ** 63:
        raise Fail(f"a tensor's {what} is an integer of {v.bit_length():,} bits, beyond torch's 64")
    return v


def _count(n: int) -> str:
    """A count for a refusal: "2,102", or "about 2.1e+40" past what is read at a glance."""
    return f"{n:,}" if n < 10 ** 15 else f"about {float(n):.2g}"


def _int_tuple(v, what) -> tuple[int, ...]:
    if not isinstance(v, (tuple, list)) or len(v) > MAX_NDIM:
        raise Fail(f"a tensor's {what} is not a tuple of at most {MAX_NDIM} integers")
    return tuple(_int(x, what) for x in v)


class _Budget:
    """Caps the total bytes of decoded tensors, so views cannot multiply a storage."""

    def __init__(self, limit: int):
        self.left = limit

    def take(self, nbytes: int) -> None:
        self.left -= nbytes
        if self.left < 0:
            raise Fail("the tensors add up to far more data than the file holds")


def _rebuild_tensor(made: list, storage, storage_offset, size, stride, *_rest) -> _Tensor:
    if not isinstance(storage, _Storage):
        raise Fail("a tensor is rebuilt from something that is not a storage")
    off = _int(storage_offset, "storage offset")
    size = _int_tuple(size, "size")
    stride = _int_tuple(stride, "stride")
    if len(size) != len(stride):
        raise Fail("a tensor's size and stride have different lengths")
    # (a size, stride or offset below 0 or past the storage: refused before its elements
    # are read, naming the tensor, ``_materialize``)
    if len(made) >= MAX_TENSORS:
        raise Fail(f"the file holds more than {MAX_TENSORS} tensors")
    t = _Tensor(storage, off, size, stride)
    made.append(t)
    return t


def _rebuild_tensor_v2(made, storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None, *_rest) -> _Tensor:
    return _rebuild_tensor(made, storage, storage_offset, size, stride)


def _rebuild_tensor_v3(made, storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, dtype=None, metadata=None, *_rest) -> _Tensor:
    """A tensor of a dtype without a storage class (float8): its storage's bytes read as
    that dtype, each element exactly its value in float32 (``_util.narrow_floats``)."""
    if not isinstance(storage, _Storage) or storage.stype.name != "UntypedStorage":
        raise Fail("a tensor is rebuilt from something that is not a storage of bytes")
    if not isinstance(dtype, _TorchDType):
        raise Fail("a tensor's dtype is not one of torch's dtypes")
    kind = V3_DTYPES.get(dtype.name)
    if kind is None:
        raise Fail(f"a tensor has dtype torch.{dtype.name}, which lstmviz does not read",
                   f"supported: weights of dtype {READ_DTYPES}; save the state_dict as float32")
    base, key = storage.loader, storage.key

    def loader(_key: str, _stype: _StorageType) -> np.ndarray:
        return narrow_floats(base(key, storage.stype).tobytes(), kind)

    typed = _Storage(storage.stype, key, storage.numel, loader, offset=storage.offset)
    return _rebuild_tensor(made, typed, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_rest) -> _Tensor:
    if not isinstance(data, _Tensor):
        raise Fail("a parameter is rebuilt from something that is not a tensor")
    return data


def _rebuild_from_type_v2(func, new_type, args, state=None) -> _Tensor:
    if not isinstance(func, _Call) or not isinstance(args, tuple):
        raise Fail("a tensor subclass is rebuilt with an unexpected function")
    out = func(*args)
    if not isinstance(out, _Tensor):
        raise Fail("a tensor subclass is rebuilt from something that is not a tensor")
    return out


def _codecs_encode(text, encoding="latin1") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise Fail("unexpected arguments to _codecs.encode")
    return text.encode("latin1")


class _DType(_Frozen):
    """numpy.dtype as pickled with a NumPy scalar: only plain numeric codes, byte order."""

    __slots__ = ("dtype",)
    dtype: np.dtype

    def __init__(self, code, align=False, copy=False):
        if not isinstance(code, str) or not re.fullmatch(r"[<>=|]?[fiucb?][0-9]{0,2}", code):
            raise Fail(f"unexpected NumPy dtype {_quoted(code, 20)}")
        try:
            dt = np.dtype(code)
        except TypeError as exc:
            raise Fail(f"unexpected NumPy dtype {code!r}") from exc
        object.__setattr__(self, "dtype", dt)

    def __setstate__(self, state):
        if not isinstance(state, tuple) or len(state) < 2 or state[1] not in ("<", ">", "|", "="):
            raise Fail("unexpected NumPy dtype state")
        if state[1] in "<>" and self.dtype.itemsize > 1:
            object.__setattr__(self, "dtype", self.dtype.newbyteorder(state[1]))


def _np_scalar(dtype, data=None) -> Any:
    if not isinstance(dtype, _DType) or not isinstance(data, bytes) \
            or len(data) != dtype.dtype.itemsize:
        raise Fail("unexpected NumPy scalar")
    return np.frombuffer(data, dtype=dtype.dtype)[0]


def _size(*args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return _int_tuple(args[0], "size")
    return _int_tuple(args, "size")


class _PickledOrderedDict(OrderedDict):
    """An OrderedDict from the pickle: its attributes (torch's ``_metadata``) are set once
    and are few. Without this, the pickle's BUILD updates the dict's ``__dict__`` from a
    state of any size, as often as the memo names the two: 20,000 entries set 20,000
    times were 8 s for a 31 KB file."""

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict) or len(state) > 4 or self.__dict__:
            raise Fail("a pickled OrderedDict is given attributes other than torch's _metadata")
        self.__dict__.update(state)


#: what the refusal calls lstmviz's stand-ins for the classes a pickle names
_KIND_NAMES = {_PickledOrderedDict: "OrderedDict", _Device: "torch.device", _Tensor: "tensor"}


def _ordered_dict(*args):
    if args and not (len(args) == 1 and isinstance(args[0], (list, tuple))):
        raise Fail("unexpected arguments to collections.OrderedDict")
    return _PickledOrderedDict(args[0] if args else ())


class _Unpickler(pickle.Unpickler):
    """Resolves only an allow-list of names, each to lstmviz's own stand-in."""

    def __init__(self, stream, storage_loader=None) -> None:
        super().__init__(stream, encoding="latin1")
        self.loader = storage_loader
        self.storages: dict[str, _Storage] = {}
        self.tensors: list[_Tensor] = []
        b = self.tensors
        # What the calls below make, together, is bounded by the pickle's own size: each
        # string a real pickle encodes, each item list it gives OrderedDict, is written in
        # it once; the memo can name one a hundred thousand times in a few bytes each.
        with stream.getbuffer() as view:
            made = [view.nbytes + 1024]

        def counted(fn, size):
            def call(*args):
                made[0] -= size(args)
                if made[0] < 0:
                    raise Fail("the pickle makes far more data than it holds (one string or "
                               "list named many times over)")
                return fn(*args)
            return call

        self.allowed: dict[tuple[str, str], _Call | _StorageType | _TorchDType] = {
            ("collections", "OrderedDict"):
                _Call("collections.OrderedDict",
                      counted(_ordered_dict, lambda a: len(a[0]) if a and isinstance(a[0], (list, tuple)) else 0)),
            ("torch._utils", "_rebuild_tensor_v2"):
                _Call("torch._utils._rebuild_tensor_v2", lambda *a: _rebuild_tensor_v2(b, *a)),
            ("torch._utils", "_rebuild_tensor_v3"):
                _Call("torch._utils._rebuild_tensor_v3", lambda *a: _rebuild_tensor_v3(b, *a)),
            ("torch._utils", "_rebuild_tensor"):
                _Call("torch._utils._rebuild_tensor", lambda *a: _rebuild_tensor(b, *a)),
            ("torch._utils", "_rebuild_parameter"):
                _Call("torch._utils._rebuild_parameter", _rebuild_parameter),
            ("torch._utils", "_rebuild_parameter_with_state"):
                _Call("torch._utils._rebuild_parameter_with_state", _rebuild_parameter),
            ("torch._tensor", "_rebuild_from_type_v2"):
                _Call("torch._tensor._rebuild_from_type_v2", _rebuild_from_type_v2),
            ("torch", "device"): _Call("torch.device", _Device),
            ("torch", "Size"): _Call("torch.Size", _size),
            ("_codecs", "encode"):
                _Call("_codecs.encode",
                      counted(_codecs_encode, lambda a: len(a[0]) if a and isinstance(a[0], str) else 0)),
            ("numpy", "dtype"): _Call("numpy.dtype", _DType),
            ("numpy.core.multiarray", "scalar"): _Call("numpy scalar", _np_scalar),
            ("numpy._core.multiarray", "scalar"): _Call("numpy scalar", _np_scalar),
        }
        # placeholder classes torch uses as a type argument (never called)
        for mod, name in (("torch", "Tensor"), ("torch.nn.parameter", "Parameter"),
                          ("torch._tensor", "Tensor")):
            self.allowed[(mod, name)] = _Call(f"{mod}.{name}", self._no_call(f"{mod}.{name}"))
        for name in STORAGE_DTYPES:
            self.allowed[("torch", name)] = _StorageType(name)
        self.allowed[("torch.storage", "UntypedStorage")] = _StorageType("UntypedStorage")
        for name in TORCH_DTYPES:
            self.allowed[("torch", name)] = _TorchDType(name)

    @staticmethod
    def _no_call(label):
        def fn(*_a):
            raise Fail(f"the pickle calls {label} directly")
        return fn

    def find_class(self, module, name):
        target = self.allowed.get((module, name))
        if target is None:
            raise Fail(f"the file asks to run {module}.{name}, which lstmviz never does",
                       _refusal_hint(module, name))
        return target

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid:
            raise Fail("a tensor reference (persistent id) is not a tuple")
        if pid[0] == "module":
            raise Fail("the file holds a pickled module with its source code, which lstmviz "
                       "never runs")
        if pid[0] != "storage" or len(pid) not in (5, 6):
            raise Fail(f"unknown tensor reference {_quoted(pid[0])}")
        stype, key, _location, numel = pid[1:5]
        view = pid[5] if len(pid) == 6 else None
        if not isinstance(stype, _StorageType):
            raise Fail("a storage's type is not one of torch's storage types")
        if not (isinstance(key, str) or is_whole(key)) or len(str(key)) > 64:
            raise Fail("a storage key is not a short string")
        key = str(key)
        numel = _int(numel, "storage size")
        if numel < 0 or numel * stype.itemsize > MAX_FILE_BYTES:
            raise Fail(f"a storage claims {numel} elements")
        if self.loader is None:
            raise Fail("a tensor appears where none is expected")
        base = self.storages.get(key)
        if base is None:
            base = self.storages[key] = _Storage(stype, key, numel, self.loader)
        if view is None:
            return base
        if not isinstance(view, tuple) or len(view) != 3:
            raise Fail("a storage view is malformed")
        voff, vsize = _int(view[1], "view offset"), _int(view[2], "view size")
        if voff < 0 or vsize < 0 or voff + vsize > numel:
            raise Fail("a storage view reaches past its storage")
        return _Storage(stype, key, vsize, self.loader, offset=voff)


#: what a quantized model's state_dict asks to build first (torch.ao.quantization's packed
#: weights, quantized tensors and their schemes)
QUANTIZED = {("torch", "ScriptObject"), ("torch._utils", "_rebuild_qtensor"), ("torch", "per_tensor_affine"),
             ("torch", "per_channel_affine"), ("torch", "qint8"), ("torch", "quint8"), ("torch", "qint32"),
             ("torch", "QInt8Storage"), ("torch", "QUInt8Storage"), ("torch", "QInt32Storage")}


def _refusal_hint(module: str, name: str) -> str:
    if (module, name) in QUANTIZED or module.startswith(("torch.ao.", "torch.nn.quantized")):
        return ("this is a quantized model (torch.ao.quantization: packed, quantized weights); "
                "supported: the float model's state_dict, saved with torch.save(model.state_dict(), "
                "path) before quantizing")
    if module == "__torch__" or module.startswith("__torch__."):  # (torch.jit.save's classes)
        return ("this is a TorchScript module (torch.jit.save); "
                "supported: its state_dict, saved with torch.save(torch.jit.load(path)"
                ".state_dict(), 'state_dict.pt')")
    if module.startswith("torch.nn") or module == "__main__":
        return ("this looks like a whole pickled model (torch.save(model)); supported: its "
                "state_dict, saved with torch.save(model.state_dict(), path)")
    return SUPPORTED + "; read without running any code from the file"


def _scan_pickle(data: bytes) -> int:
    """Check a pickle's opcodes before unpickling; return where it ends (after STOP).

    The stdlib unpickler sizes its memo from the indices a pickle names, so one crafted
    ``LONG_BINPUT`` could make it allocate gigabytes: indices beyond the pickle's own
    length (a real pickler numbers them from 0) are refused here, as are out-of-band
    buffers and pickles that never stop.
    """
    stream = io.BytesIO(data)
    limit = len(data)
    count = 0
    try:
        with _quiet():
            for op, arg, _pos in pickletools.genops(stream):
                count += 1
                if count > MAX_PICKLE_OPS:
                    raise Fail(f"the pickle holds more than {MAX_PICKLE_OPS:,} operations, far more "
                               f"than a state_dict of up to {MAX_TENSORS:,} tensors needs")
                if op.name in ("PUT", "BINPUT", "LONG_BINPUT") and \
                        (not isinstance(arg, int) or not 0 <= arg <= limit):
                    raise Fail(f"the pickle names memo slot {str(arg)[:20]}, beyond its size")
                if op.name in ("NEXT_BUFFER", "READONLY_BUFFER"):
                    raise Fail("the pickle asks for out-of-band buffers")
    except Fail:
        raise
    except Exception as exc:  # unknown opcode, truncated argument, no STOP ...
        raise Fail("the pickle is truncated or corrupt") from exc
    return stream.tell()


@contextlib.contextmanager
def _quiet():
    """Python's escape decoding warns of a damaged pickle's string ("DeprecationWarning:
    invalid escape sequence '\\R'", from ``pickletools`` and the unpickler alike) on
    stderr, before the refusal or the reading says what the file is: no warning for the
    user to read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _load_pickle(u: _Unpickler) -> Any:
    try:
        with _quiet():
            return u.load()
    except Fail:
        raise
    except RecursionError as exc:
        raise Fail("the pickle is nested too deeply") from exc
    except MemoryError as exc:
        raise Fail("the pickle asks for more memory than it could hold") from exc
    except Exception as exc:  # corrupt pickle: the pickle module's many errors ("unpickling
        # stack underflow", a class built from arguments it does not take ...)
        raise Fail("the pickle is truncated or corrupt") from exc


def _materialize(tensors: list[_Tensor], obj, budget: _Budget) -> None:
    """Every tensor's elements out of its storage; one whose size, stride or offset reaches
    outside it (``_Tensor.fault``) refused by its name in the object (``_tensor_name``)."""
    for t in tensors:
        t.materialize(budget, _tensor_name(obj, t) if t.fault() else "a tensor")


def _tensor_name(obj, tensor: _Tensor) -> str:
    """How a refusal names ``tensor``: "tensor 'lstm.weight_ih_l0'" by its key in the dict
    holding it (a checkpoint's "['state_dict'] 'lstm...'"), looked for up to ``MAX_DEPTH``
    dicts down, each once; "a tensor" where no dict holds it."""
    seen: set[int] = set()
    todo: deque[tuple[Any, str, int]] = deque([(obj, "", 0)])  # (popped from the left in O(1))
    while todo:
        o, where, depth = todo.popleft()
        if not isinstance(o, dict) or id(o) in seen:
            continue
        seen.add(id(o))
        for k, v in o.items():
            if v is tensor:
                return f"tensor {where}{_quoted(k, 80)}"
            if depth < MAX_DEPTH and isinstance(v, dict):
                todo.append((v, f"{where}[{_quoted(k)}] ", depth + 1))
    return "a tensor"


# ------------------------------------------------------------------ containers

def _decode(raw: bytes | memoryview, stype: _StorageType, big_endian: bool) -> np.ndarray:
    order = ">" if big_endian else "<"
    if stype.dtype == "bf16":
        return narrow_floats(raw, "bfloat16", big_endian)
    if stype.dtype in ("?", "u1", "i1"):
        return np.frombuffer(raw, dtype=stype.dtype)
    if stype.dtype.startswith("c"):
        return np.frombuffer(raw, dtype=order + stype.dtype).astype(np.complex128)
    return np.frombuffer(raw, dtype=order + stype.dtype).astype(stype.dtype, copy=False)


def _read_zip(path: str, size: int):
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise Fail(f"the zip archive is truncated or corrupt ({archive_error(exc)})") from exc
    with zf:
        try:
            infos = zf.infolist()
        except Exception as exc:  # pragma: no cover - zipfile reads the directory on open
            raise Fail("the zip directory is corrupt") from exc
        if len(infos) > MAX_TENSORS + 16:
            raise Fail(f"the zip archive has {len(infos)} entries")
        by_name = {i.filename: i for i in infos}
        twice = first_repeat(i.filename for i in infos) if len(by_name) != len(infos) else None
        if twice is not None:  # (as a .keras or session archive is refused)
            raise Fail(f"the zip archive holds two members named '{twice[:200]}', "
                       "and which one torch reads is not defined: the file is damaged")
        pkl = [n for n in by_name if n == "data.pkl" or n.endswith("/data.pkl")]
        if not pkl:
            names = ", ".join(sorted(by_name)[:5]) or "nothing"
            if "config.json" in by_name or "model.weights.h5" in by_name:
                raise Fail("this is a Keras .keras archive, not a PyTorch file")
            raise Fail(f"the zip archive holds no data.pkl (found {names}); it is not a "
                       "PyTorch file")
        pkl.sort(key=len)
        prefix = pkl[0][: -len("data.pkl")]

        read_left = [2 * size + 64 * 1024 ** 2]  # all bytes read out of the archive, together
        memory = MemoryBudget("the tensors in the file")
        # torch stores its members uncompressed: one deflated a thousand times, or several
        # together, is a zip bomb (a 62 KB file inflated a 64 MB storage of zeros, 128 MB
        # with its decoding, for a tensor of 24 of its numbers), as in a .keras or a session
        packed = limits.Inflation()  # the members read so far (each once: storages are cached)

        def read(name: str, limit: int, what: str) -> bytes:
            info = by_name.get(name)
            if info is None:
                raise Fail(f"the archive lacks {what} ({name})")
            if info.file_size > limit or info.file_size > read_left[0]:
                raise Fail(f"{what} ({name}) claims {info.file_size} bytes, more than the "
                           "file could hold")
            together = packed.add(info)
            bomb = limits.inflate_excess(name, info.compress_size, info.file_size)
            if bomb is None and together:
                bomb = f"the archive's members read would inflate {packed.words()}): a zip bomb, not saved tensors"
            if bomb:
                raise Fail(bomb)
            read_left[0] -= info.file_size
            over = memory.excess(info.file_size)
            if over:
                raise Fail(over, HINT)
            try:
                with zf.open(info) as fh:
                    data = fh.read(info.file_size + 1)
            except Exception as exc:
                raise Fail(f"cannot read {what} from the archive ({archive_error(exc)}); "
                           "the file is truncated or corrupt") from exc
            if len(data) != info.file_size:
                raise Fail(f"{what} ({name}) is truncated")
            return data

        big = False
        if prefix + "byteorder" in by_name:
            order = read(prefix + "byteorder", 16, "the byte order").strip()
            if order not in (b"little", b"big"):
                raise Fail(f"unknown byte order {order[:16]!r}")
            big = order == b"big"
        cache: dict[str, np.ndarray] = {}

        def loader(key: str, stype: _StorageType) -> np.ndarray:
            if key not in cache:
                raw = read(f"{prefix}data/{key}", MAX_FILE_BYTES, f"storage {key}")
                if len(raw) % stype.itemsize:
                    raise Fail(f"storage {key} is {len(raw)} bytes, not a whole number of "
                               f"{stype.name} elements")
                cache[key] = _decode(raw, stype, big)
            return cache[key]

        # torch stores its pickle uncompressed: one deflated a thousand times is built to
        # make objects (2 KB made two million dicts, 220 MB, in the window's process)
        info = by_name[pkl[0]]
        bomb = limits.inflate_excess(pkl[0], info.compress_size, info.file_size,
                                     limits.SMALL_RATIO_FLOOR, "a saved pickle")
        if bomb:
            raise Fail(bomb)
        data = read(pkl[0], MAX_PICKLE_BYTES, "the pickled object")
        end = _scan_pickle(data)
        u = _Unpickler(io.BytesIO(data[:end]), loader)
        obj = _load_pickle(u)
        for st in u.storages.values():  # sizes the pickle states must match the data
            have = loader(st.key, st.stype).size
            if have < st.offset + st.numel:
                raise Fail(f"storage {st.key} holds {have} elements but the pickle says "
                           f"{st.offset + st.numel}")
        _materialize(u.tensors, obj, _Budget(4 * size + 1024 * 1024))
        return obj


def _read_legacy(blob: bytes):
    pos = 0  # the pickles follow each other; each is checked, then read, up to its STOP

    def load_one(loader=None):
        nonlocal pos
        chunk = blob[pos:pos + MAX_PICKLE_BYTES]
        end = _scan_pickle(chunk)
        u = _Unpickler(io.BytesIO(chunk[:end]), loader)
        obj = _load_pickle(u)
        pos += end
        return obj, u

    magic, _ = load_one()
    if magic != LEGACY_MAGIC:
        raise Fail("this pickle is not a PyTorch file (no torch magic number)")
    proto, _ = load_one()
    if proto != LEGACY_PROTOCOL:
        raise Fail(f"unsupported torch pickle protocol {_brief(proto, 20)}")
    sys_info, _ = load_one()
    little = True
    if isinstance(sys_info, dict):
        little = bool(sys_info.get("little_endian", True))
    storages: dict[str, np.ndarray] = {}

    def loader(key: str, stype: _StorageType) -> np.ndarray:
        arr = storages.get(key)
        if arr is None:
            raise Fail(f"storage {key} is referenced but not stored in the file")
        return arr

    obj, u = load_one(loader)
    keys, _ = load_one()
    if not isinstance(keys, list) or len(keys) > MAX_TENSORS:
        raise Fail("the list of storage keys is malformed")
    view = memoryview(blob)
    for key in keys:
        key = _brief(key, 64)
        st = u.storages.get(key)
        if st is None:
            raise Fail(f"storage {key} is listed but never referenced")
        if key in storages:
            raise Fail(f"storage {key} is listed twice")
        if pos + 8 > len(blob):
            raise Fail(f"storage {key} is truncated")
        (count,) = struct.unpack("<q" if little else ">q", blob[pos:pos + 8])
        pos += 8
        nbytes = count * st.stype.itemsize
        if count < 0 or pos + nbytes > len(blob):
            raise Fail(f"storage {key} claims {count} elements but the file ends first")
        storages[key] = _decode(view[pos:pos + nbytes], st.stype, not little)
        pos += nbytes
    for st in u.storages.values():
        if st.key not in storages:
            raise Fail(f"storage {st.key} is referenced but not stored in the file")
        if storages[st.key].size < st.offset + st.numel:
            raise Fail(f"storage {st.key} holds {storages[st.key].size} elements but the "
                       f"pickle says {st.offset + st.numel}")
    _materialize(u.tensors, obj, _Budget(4 * len(blob) + 1024 * 1024))
    return obj


# ------------------------------------------------------------------ state_dict discovery

def _tensors_of(d) -> dict[str, np.ndarray] | None:
    """The name -> array pairs of a dict that looks like a state_dict, else None."""
    if not isinstance(d, dict):
        return None
    out = {}
    for k, v in d.items():
        if isinstance(k, str) and isinstance(v, _Tensor):
            out[k] = v.value()
    return out if out else None


PREFERRED_KEYS = ("state_dict", "model_state_dict", "model", "net", "model_state", "network",
                  "state", "weights", "params")


def _find_state_dict(obj) -> Any:
    """(tensors, where, owner): the dict of tensors with recurrent keys (the object itself
    or one held in it, up to MAX_DEPTH dicts down), a label for where, and that dict.

    Each dict is visited once: a pickle can share one dict many times over (memo).
    """
    seen: set[int] = set()

    def walk(o, depth):
        if not isinstance(o, dict) or id(o) in seen:
            return None
        seen.add(id(o))
        own = _tensors_of(o)
        if own and any(RNN_KEY.match(k) for k in own):
            return own, "", o
        if depth >= MAX_DEPTH:
            return None
        keys = [k for k in PREFERRED_KEYS if k in o] + [k for k in o if k not in PREFERRED_KEYS]
        for k in keys:
            found = walk(o[k], depth + 1)
            if found:
                return found[0], f"[{_brief(k)!r}]" + found[1], found[2]
        return None

    return walk(obj, 0) or (None, "", None)


def _other_state_dicts(obj, owner, limit: int = 8) -> list[str]:
    """Where a checkpoint holds recurrent state_dicts besides ``owner`` (the one shown):
    an encoder's beside a decoder's, a model's EMA copy, a GAN's two networks. Walked as
    ``_find_state_dict`` walks (each dict once, up to MAX_DEPTH dicts down); at most
    ``limit`` labels, as ``_find_state_dict`` writes them (``['decoder']``)."""
    seen: set[int] = {id(owner)}
    found: list[str] = []
    todo = deque([(obj, "", 0)])
    while todo and len(found) < limit:
        o, where, depth = todo.popleft()
        if not isinstance(o, dict) or id(o) in seen:
            continue
        seen.add(id(o))
        if any(isinstance(k, str) and isinstance(v, _Tensor) and RNN_KEY.match(k)
               for k, v in o.items()):
            found.append(where)
            continue
        if depth < MAX_DEPTH:
            todo.extend((v, f"{where}[{_brief(k)!r}]", depth + 1) for k, v in o.items()
                        if isinstance(v, dict) and id(v) not in seen)
    return found


_CELL_KEY = re.compile(r"(?:(.*)\.)?weight_(ih|hh)\Z", re.DOTALL)
_CELL_NAMES = {4: "nn.LSTMCell", 3: "nn.GRUCell", 1: "nn.RNNCell"}


def _no_recurrent(sd: dict[str, np.ndarray]) -> str:
    """Why a state_dict of tensors maps to no recurrent layer, naming its keys; an
    ``nn.LSTMCell`` / ``GRUCell`` / ``RNNCell`` (``weight_ih``, ``weight_hh`` without a
    layer number) is said to be one: its loop over the steps is forward() code."""
    keys = ", ".join(k[:80] for k in list(sd)[:8]) + (", ..." if len(sd) > 8 else "")
    for key, ih in sd.items():
        m = _CELL_KEY.match(key)
        if m is None or m.group(2) != "ih":
            continue
        hh = sd.get(key[:-2] + "hh")
        if hh is None or ih.ndim != 2 or hh.ndim != 2 or not hh.shape[1] or ih.shape[0] != hh.shape[0]:
            continue
        cell = _CELL_NAMES.get(hh.shape[0] // hh.shape[1]) if hh.shape[0] % hh.shape[1] == 0 else None
        if cell:
            return (f"{m.group(1) or '(top level)'} holds an {cell}'s weights (weight_ih, weight_hh, "
                    f"no layer number): a cell is stepped by a loop in forward(), code that is not "
                    f"in the file (keys: {keys})")
    return f"the state_dict holds no nn.LSTM / nn.GRU / nn.RNN weights (keys: {keys})"


def _any_tensors(obj) -> dict[str, np.ndarray]:
    """The first dict of tensors found (for the refusal message)."""
    seen: set[int] = set()
    todo = deque([(obj, 0)])
    while todo:
        o, depth = todo.popleft()
        if not isinstance(o, dict) or id(o) in seen:
            continue
        seen.add(id(o))
        own = _tensors_of(o)
        if own:
            return own
        if depth < MAX_DEPTH:
            todo.extend((v, depth + 1) for v in o.values() if isinstance(v, dict) and id(v) not in seen)
    return {}


# ------------------------------------------------------------------ mapping

def _f32(a: np.ndarray, what: str) -> np.ndarray:
    """A weight as float32: floats only (integers in a weight's place are no weights
    lstmviz can use: a quantized model's need their scales, which a state_dict keeps apart)."""
    if a.dtype.kind in "iu":
        raise Fail(f"{what} has dtype {a.dtype}, an integer type: weights are floats, and "
                   "integer tensors are not weights lstmviz can use",
                   SUPPORTED.replace(", zip", f" with weights of dtype {READ_DTYPES}, zip"))
    if a.dtype.kind != "f":
        raise Fail(f"{what} has dtype {a.dtype}, not a real number type")
    from ..engine.model import check_float32

    # (a float64 1e300 became infinity without a word; refused as every other reader's is)
    check_float32(a, f"{what} holds")
    with np.errstate(over="ignore", invalid="ignore"):
        return np.ascontiguousarray(a, dtype=np.float32)


def _keras_order(a: np.ndarray, cell: CellKind, axis: int) -> np.ndarray:
    """torch's gate blocks -> Keras' order along ``axis`` (GRU: r, z, n -> z, r, h)."""
    if cell.torch_letters == cell.letters:
        return a
    blocks = dict(zip(cell.torch_letters, np.split(a, cell.k, axis=axis)))
    return np.concatenate([blocks[x] for x in cell.letters], axis=axis)


class _RnnModule:
    def __init__(self, prefix: str, params: dict[tuple[str, int, bool], np.ndarray]):
        self.prefix = prefix
        label = prefix or "(top level)"
        if any(p == "weight_hr" for p, _, _ in params):
            raise Fail(f"recurrent module {label} is an LSTM with proj_size (weight_hr_l*), "
                       "which lstmviz does not compute",
                       SUPPORTED.replace("nn.LSTM", "nn.LSTM (without proj_size)"))
        layers = sorted({k for _, k, _ in params})
        if layers != list(range(len(layers))):
            raise Fail(f"recurrent module {label} has layers {layers}, not 0..n-1")
        self.num_layers = len(layers)
        self.bidirectional = any(rev for _, _, rev in params)
        hh = params.get(("weight_hh", 0, False))
        ih = params.get(("weight_ih", 0, False))
        if hh is None or ih is None or hh.ndim != 2 or ih.ndim != 2 or hh.shape[1] < 1:
            raise Fail(f"recurrent module {label} lacks 2-D weight_ih_l0 / weight_hh_l0")
        self.units = h = hh.shape[1]
        if hh.shape[0] % h or hh.shape[0] // h not in GATES:
            r, c = hh.shape
            if r >= 1 and c % r == 0 and c // r in GATES:  # (hidden, k*hidden): transposed
                kind = TORCH_NAMES[GATES[c // r]]
                raise Fail(f"recurrent module {label}: weight_hh_l0 has shape {fmt_shape(hh.shape)}, "
                           f"the transpose of an {kind}'s (k*hidden, hidden) = {fmt_shape((c, r))} "
                           f"for hidden {r}: save the tensors as PyTorch lays them out, not transposed")
            raise Fail(f"recurrent module {label}: weight_hh_l0 has shape {fmt_shape(hh.shape)}, "
                       f"which is not (k*hidden, hidden) with k = {_GATE_COUNTS}")
        self.k = hh.shape[0] // h
        self.kind = GATES[self.k]
        if ih.shape[0] != self.k * h:
            raise Fail(self._ih_fault(label, "weight_ih_l0", ih.shape, hh.shape, None))
        self.input_size = ih.shape[1]
        if self.input_size < 1:  # (it was refused as the engine's "layer 'input' (InputLayer):
            # batch_shape is [None, None, 0]", of a layer the file does not hold)
            raise Fail(f"recurrent module {label}: weight_ih_l0 has shape {fmt_shape(ih.shape)}, "
                       f"an {TORCH_NAMES[self.kind]} of no input features (input_size 0)")
        self.use_bias = any(p.startswith("bias") for p, _, _ in params)
        self.params = params
        dirs = (False, True) if self.bidirectional else (False,)
        for layer in range(self.num_layers):
            want_in = self.input_size if layer == 0 else h * len(dirs)
            for rev in dirs:
                sfx = f"_l{layer}" + ("_reverse" if rev else "")
                shapes: dict[str, tuple[int, ...]] = {"weight_ih": (self.k * h, want_in),
                                                      "weight_hh": (self.k * h, h)}
                if self.use_bias:
                    shapes.update(bias_ih=(self.k * h,), bias_hh=(self.k * h,))
                for pname, shape in shapes.items():
                    arr = params.get((pname, layer, rev))
                    if arr is None:
                        raise Fail(f"recurrent module {label} lacks {pname}{sfx}")
                    if tuple(arr.shape) != shape and pname == "weight_ih":
                        raise Fail(self._ih_fault(label, pname + sfx, arr.shape, hh.shape, want_in))
                    if tuple(arr.shape) != shape:
                        raise Fail(f"recurrent module {label}: {pname}{sfx} has shape "
                                   f"{fmt_shape(arr.shape)}"
                                   + (", transposed" if tuple(arr.shape[::-1]) == shape else "")
                                   + f"; an {TORCH_NAMES[self.kind]}'s is {fmt_shape(shape)} for hidden "
                                   f"{h} (from weight_hh_l0's {fmt_shape(hh.shape)})")

    def _ih_fault(self, label: str, name: str, got: tuple[int, ...], hh: tuple[int, ...],
                  want_in: int | None) -> str:
        """What is wrong with a weight_ih of shape ``got``, in the module's own sizes: the
        hidden size read from weight_hh_l0 (never from the bad array), the transpose named."""
        k, h = self.k, self.units
        kind = TORCH_NAMES[self.kind]
        rows = f"{k}*hidden" if k > 1 else "hidden"
        want = fmt_shape((k * h, want_in)) if want_in is not None else f"({k * h}, input)"
        what = (f"recurrent module {label}: {name} has shape {fmt_shape(got)}; an {kind}'s is "
                f"({rows}, input) = {want} for hidden {h} (from weight_hh_l0's {fmt_shape(hh)})")
        if len(got) == 2 and got[1] == k * h and (want_in is None or got[0] == want_in):
            what += f": this one is transposed (input {got[0]}), save it as PyTorch lays it out"
        return what

    @property
    def out_width(self) -> int:
        return self.units * (2 if self.bidirectional else 1)

    def keras_weights(self, layer: int, rev: bool) -> list[np.ndarray]:
        p = self.params
        sfx = f"_l{layer}" + ("_reverse" if rev else "")
        at = f"{self.prefix}." if self.prefix else ""
        w_ih = _f32(p[("weight_ih", layer, rev)], at + "weight_ih" + sfx)
        w_hh = _f32(p[("weight_hh", layer, rev)], at + "weight_hh" + sfx)
        b_ih = _f32(p[("bias_ih", layer, rev)], at + "bias_ih" + sfx) if self.use_bias else None
        b_hh = _f32(p[("bias_hh", layer, rev)], at + "bias_hh" + sfx) if self.use_bias else None
        cell = CELLS[self.kind]
        out = [_keras_order(w_ih, cell, 0).T.copy(), _keras_order(w_hh, cell, 0).T.copy()]
        if b_ih is not None and b_hh is not None:
            b_ih, b_hh = _keras_order(b_ih, cell, 0), _keras_order(b_hh, cell, 0)
            if cell.bias_rows(cell.torch_config) == 2:  # GRU: [bias_ih, bias_hh] as rows
                out.append(np.stack([b_ih, b_hh]))
            else:  # one bias: their sum
                out.append((b_ih.astype(np.float64) + b_hh).astype(np.float32))
        return out

    def layout(self, layer: int) -> str:
        """How layer ``layer``'s arrays became Keras' (the Weights view says it beside the
        layer's formula): transposed, gate blocks reordered, biases summed or stacked."""
        cell = CELLS[self.kind]
        sfx = f"_l{layer}"
        what = f"PyTorch {TORCH_NAMES[self.kind]}: W = weight_ih{sfx}ᵀ, U = weight_hh{sfx}ᵀ"
        if cell.torch_letters != cell.letters:
            torch_gates = ", ".join("n" if g == "h" else g for g in cell.torch_letters)  # (torch's n is h̃)
            what += f", torch's gate order {torch_gates} reordered into Keras' {', '.join(cell.letters)}"
        elif cell.k > 1:  # (LSTM: torch's g is Keras' c, the order the same)
            what += (f", torch's gates {', '.join('g' if g == 'c' else g for g in cell.letters)} are "
                     f"Keras' {', '.join(cell.letters)}")
        if not self.use_bias:
            return what + "; no bias (bias=False)"
        if cell.bias_rows(cell.torch_config) == 2:
            return what + f"; bias rows: b = bias_ih{sfx}, b' = bias_hh{sfx} (reordered the same way)"
        return what + f"; b = bias_ih{sfx} + bias_hh{sfx}, torch's two biases summed into Keras' one"

    def describe(self) -> str:
        s = (f"{TORCH_NAMES[self.kind]}({self.input_size}, {self.units}"
             + (f", num_layers={self.num_layers}" if self.num_layers > 1 else "")
             + (", bidirectional=True" if self.bidirectional else "")
             + ("" if self.use_bias else ", bias=False") + ")")
        return f"{self.prefix or '(top level)'} = {s}"


#: ``torch.nn.utils.parametrizations.weight_norm``'s keys: ``<module>.parametrizations.<name>.original0``
#: (g) and ``original1`` (v), the module's own ``<name>`` gone from the state_dict
_PARAMETRIZED = re.compile(r"(?:(.*)\.)?parametrizations\.([^.]*)\.original([01])\Z", re.DOTALL)


def _weight_norm_parts(sd: dict[str, np.ndarray]) -> dict[str, tuple[str, str]]:
    """weight name -> (its g key, its v key), for the weights ``weight_norm`` split in two:
    the old ``torch.nn.utils.weight_norm`` (``<name>_g``, ``<name>_v``) and the
    parametrization (``parametrizations.<name>.original0`` / ``original1``)."""
    parts: dict[str, tuple[str, str]] = {}
    for key in sd:
        if key.endswith("_g") and key[:-2] + "_v" in sd and key[:-2] not in sd:
            parts[key[:-2]] = (key, key[:-2] + "_v")
        m = _PARAMETRIZED.match(key)
        if m and m.group(3) == "0":
            name = (m.group(1) + "." if m.group(1) is not None else "") + m.group(2)
            v = key[:-1] + "1"
            if v in sd and name not in sd:
                parts[name] = (key, v)
    return parts


def _fold_weight_norm(sd: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], list[str]]:
    """The state_dict with each weight ``weight_norm`` split into g and v made whole again,
    as torch computes it in forward(): ``w = v * (g / ||v||)``, the norm over the axes
    where g has size 1 (``dim``, which the file does not store, is the axis g keeps; none:
    ``dim=None``, one norm over v); the weight in its g's place (file order). Also the
    names folded, for the notes."""
    parts = _weight_norm_parts(sd)
    if not parts:
        return sd, []
    at = {keys[0]: name for name, keys in parts.items()}
    taken = {k for keys in parts.values() for k in keys}
    out: dict[str, np.ndarray] = {}
    for key, arr in sd.items():
        if key in at:
            name = at[key]
            g, v = sd[parts[name][0]], sd[parts[name][1]]
            if g.dtype.kind != "f" or v.dtype.kind != "f":  # (refused as weights later)
                out[parts[name][0]], out[parts[name][1]] = g, v
                continue
            if g.ndim and (g.ndim != v.ndim or any(a not in (1, b) for a, b in zip(g.shape, v.shape))):
                raise Fail(f"{name} is split by weight_norm into g {fmt_shape(g.shape)} and v "
                           f"{fmt_shape(v.shape)}, shapes torch's weight_norm never writes together")
            axes = tuple(i for i in range(v.ndim) if not g.ndim or g.shape[i] == 1)
            v64 = v.astype(np.float64)
            norm = np.sqrt(np.sum(v64 * v64, axis=axes, keepdims=True))
            with np.errstate(divide="ignore", invalid="ignore"):
                out[name] = (v64 * (g.astype(np.float64) / norm)).astype(np.result_type(g, v))
        elif key not in taken:
            out[key] = arr
    return out, sorted(parts)


def _modules(sd: dict[str, np.ndarray]):
    """Recurrent modules, Linear candidates and the other keys, in file order."""
    rnn: dict[str, dict] = {}
    order: list[tuple[str, str]] = []  # (kind, prefix) in first-appearance order
    plain: dict[str, dict[str, np.ndarray]] = {}
    for key, arr in sd.items():
        m = RNN_KEY.match(key)
        if m:
            prefix, digits = m.group(1) or "", m.group(3)
            if len(digits) > 9 or (len(digits) > 1 and digits[0] == "0"):
                # (a layer 0..n-1 is numbered as torch writes it: l0, l1, ... l10; another
                # number, read as one, would be a layer run after a gap, or l00 standing for
                # l0 and one of them silently lost, as a gap is refused)
                shown = digits if len(digits) <= 24 else digits[:12] + "..." + digits[-4:]
                raise Fail(f"recurrent module {prefix or '(top level)'} has a layer numbered "
                           f"{shown} ({key[:120]}), not 0..n-1 as torch numbers a module's "
                           "layers (l0, l1, ...)")
            if prefix not in rnn:
                rnn[prefix] = {}
                order.append(("rnn", prefix))
            rnn[prefix][(m.group(2), int(digits), bool(m.group(4)))] = arr
            continue
        prefix, _, pname = key.rpartition(".")
        if prefix in rnn:
            plain.setdefault(f"{prefix}.", {})[pname] = arr
            continue
        if prefix not in plain:
            plain[prefix] = {}
            order.append(("plain", prefix))
        plain[prefix][pname] = arr
    return rnn, plain, order


def _is_linear(params: dict[str, np.ndarray]) -> bool:
    w, b = params.get("weight"), params.get("bias")
    if w is None or w.ndim != 2 or min(w.shape) < 1 or set(params) - {"weight", "bias"}:
        return False
    return b is None or (b.ndim == 1 and b.shape[0] == w.shape[0])


def _chained(rnns: list[_RnnModule]) -> list[_RnnModule] | None:
    """The recurrent modules in an order where each takes the previous one's output: the
    file's when it does (a .pt's, the order they were registered), else the one order that
    does (a .safetensors file keeps its tensors sorted by name: lstm(3 -> 8) then gru(8 ->
    4) come as gru, lstm); None when no order, or several, chain."""
    def chains(seq) -> bool:
        return all(b.input_size == a.out_width for a, b in zip(seq, seq[1:]))

    if chains(rnns):
        return rnns
    if len(rnns) > MAX_REORDERED:
        return None
    found = [list(p) for p in itertools.permutations(rnns) if chains(p)]
    return found[0] if len(found) == 1 else None


def _natural(name: str) -> tuple:
    """A module name's sort key with its numbers as numbers: ``head.9`` before ``head.10``
    (``nn.Sequential`` / ``nn.ModuleList`` indices, ``fc2`` before ``fc10``); a number's
    digits compared by their count first, so no digits are converted."""
    parts = re.split(r"(\d+)", name)
    return tuple((len(p.lstrip("0")), p.lstrip("0"), p) if k % 2 else p for k, p in enumerate(parts))


def _stem(name: str) -> str:
    """A module name with its numbers left out: siblings numbered in one container
    (``head.0``, ``head.2``; ``fc1``, ``fc2``) share it."""
    return re.sub(r"\d+", "#", name)


def _chain_by_name(prefixes: list[str], plain: dict[str, dict[str, np.ndarray]],
                   width: int, table_width: int) -> list[str]:
    """Linear modules of a file that keeps no order of modules (a .safetensors file's are
    sorted by name) in the order their widths chain from ``width``: at each step the one
    taking the width before it. Where several take it, their names decide only when they
    are numbered siblings (``head.9`` before ``head.10``: in their numbers' order); else
    the one of them that keeps the width (``fc`` (16 -> 16) before ``out`` (16 -> 2): each
    used); anything else is refused as an order the file does not give. A bias-free one
    that may be the ``nn.Embedding`` before the first recurrent module (of vectors of
    ``table_width``: ``_embedding`` decides) gives way to the others where they tie."""
    def w_in(p: str) -> int:
        return int(plain[p]["weight"].shape[1])

    def w_out(p: str) -> int:
        return int(plain[p]["weight"].shape[0])

    takes: dict[int, list[str]] = {}
    for p in sorted(prefixes, key=_natural, reverse=True):
        takes.setdefault(w_in(p), []).append(p)  # (each list: its last the first by name)
    out: list[str] = []
    w = width
    while takes.get(w):
        tied = takes[w]
        heads = [p for p in tied if not _table_of(plain[p], table_width)] or tied
        pick = min(heads, key=_natural)
        if len(heads) > 1 and len({_stem(p) for p in heads}) > 1:
            keeping = [p for p in heads if w_out(p) == w]
            if len(keeping) == 1:
                pick = keeping[0]
            elif len({_stem(p) for p in keeping}) == 1:
                pick = min(keeping, key=_natural)
            else:
                a, b = sorted(keeping or heads, key=_natural)[:2]
                raise Fail(f"Linear modules {a or '(top level)'} ({w} -> {w_out(a)}) and "
                           f"{b or '(top level)'} ({w} -> {w_out(b)}) both take the {w} features "
                           "before them, and neither their widths nor their names give their "
                           "order (a .safetensors file keeps no order of modules; numbered ones "
                           "such as head.0, head.1 are taken in their numbers' order)")
        tied.remove(pick)
        out.append(pick)
        w = w_out(pick)
    return out


def _table_of(params: dict[str, np.ndarray], width: int) -> bool:
    """Whether a module's parameters are an ``nn.Embedding``'s of vectors of ``width``: a 2-D
    ``weight`` alone, ``(ids, width)``."""
    w = params.get("weight")
    return (set(params) == {"weight"} and w is not None and w.ndim == 2 and min(w.shape) >= 1
            and int(w.shape[1]) == width)


def _embedding(order: list[tuple[str, str]], plain: dict[str, dict[str, np.ndarray]],
               width: int, heads: list[str], named: list[str]) -> str | None:
    """The prefix of the ``nn.Embedding`` feeding the first recurrent module (of input size
    ``width``), or None. ``named``: the tables whose name says so (``emb``), wherever they
    are (a .safetensors file keeps its tensors sorted by name, not in the order they were
    registered); without one, the one table registered before the first recurrent module
    that is not square (a bias-free ``nn.Linear(width, width)`` feeding it is as likely)
    and not one of the ``heads`` (a bias-free head has that shape when its input width is
    ``width`` too)."""
    if named:
        return named[0] if len(named) == 1 else None
    first = next(i for i, (kind, _) in enumerate(order) if kind == "rnn")
    found = [p for kind, p in order[:first] if kind == "plain" and p not in heads
             and _table_of(plain[p], width) and plain[p]["weight"].shape[0] != width]
    return found[0] if len(found) == 1 else None


def _layer_name(base: str, used: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", base) or "layer"
    out, i = name, 1
    while out in used:
        out = f"{name}_{i}"
        i += 1
    used.add(out)
    return out


def _rnn_config(mod: _RnnModule, name: str, seqs: bool) -> dict:
    cfg = {"name": name, "units": mod.units, "return_sequences": seqs,
           "use_bias": mod.use_bias, "activation": "tanh"}
    cell = CELLS[mod.kind]
    if cell.gated:
        cfg["recurrent_activation"] = "sigmoid"
    cfg.update(cell.torch_config)  # GRU: reset_after=True, as torch computes it
    return cfg


def _build_spec(sd: dict[str, np.ndarray], path: str, fmt: str, where: str,
                extra_modules: list[str], others: list[str] | None = None) -> ModelSpec:
    sd, normed = _fold_weight_norm(sd)
    # (a parametrization's own module, _WeightNorm, holds no weights: it is what was folded)
    folded = tuple(f"{w.rpartition('.')[0]}.parametrizations.{w.rpartition('.')[2]}.".lstrip(".")
                   for w in normed)
    extra_modules = [m for m in extra_modules if not (m + ".").startswith(folded)] if folded else extra_modules
    rnn_params, plain, order = _modules(sd)
    if not rnn_params:
        raise Fail(_no_recurrent(sd))
    rnns = [_RnnModule(p, rnn_params[p]) for kind, p in order if kind == "rnn"]
    chained = _chained(rnns)
    reordered = chained is not None and chained != rnns
    rnns = chained or rnns
    layouts: dict[str, str] = {}  # layer name -> how its arrays became Keras' (``layout``)
    for a, b in zip(rnns, rnns[1:]):
        if b.input_size != a.out_width:
            raise Fail(f"recurrent modules {a.prefix or '(top level)'} (output width "
                       f"{a.out_width}) and {b.prefix or '(top level)'} (input size "
                       f"{b.input_size}) do not chain; lstmviz runs one recurrent stack")
    # Linear heads: in file order, each taking the previous width; those registered after
    # the last recurrent module first (the usual __init__ order), else any of them. A
    # .safetensors file keeps its tensors sorted by name (``head`` (8 -> 16) came after
    # ``classifier`` (16 -> 2), which was left out): there, the heads chain by width alone
    by_name = fmt == "safetensors"
    width = rnns[-1].out_width
    last_rnn = max(i for i, (kind, _) in enumerate(order) if kind == "rnn")
    named = [p for kind, p in order if kind == "plain" and "emb" in p.lower()
             and _table_of(plain[p], rnns[0].input_size)]
    linears = [(i, p) for i, (kind, p) in enumerate(order)
               if kind == "plain" and p not in named and _is_linear(plain[p])]

    def chain(candidates):
        w, out = width, []
        if by_name:
            return _chain_by_name([p for _, p in candidates], plain, w, rnns[0].input_size)
        for _, p in candidates:
            if plain[p]["weight"].shape[1] == w:
                out.append(p)
                w = int(plain[p]["weight"].shape[0])
        return out

    head_prefixes = (chain(linears) if by_name  # (there, no module is "after" another)
                     else chain([c for c in linears if c[0] > last_rnn]) or chain(linears))
    emb = _embedding(order, plain, rnns[0].input_size, head_prefixes, named)
    # nn.LayerNorm / nn.BatchNorm1d / nn.Conv1d around the stack (io/torch_around.py)
    left: dict[str, str] = {}
    found: list[torch_around.Around] = []
    for i, (kind, p) in enumerate(order):
        if kind == "plain" and p not in head_prefixes and p != emb:
            near, why = torch_around.classify(p, plain[p], i)
            if near is not None:
                found.append(near)
            elif why:
                left[p] = why
    rnn_at = {p: i for i, (kind, p) in enumerate(order) if kind == "rnn"}
    # (modules the recurrent ones were reordered past keep no order of the file's either)
    unordered = by_name or reordered
    convs = [m for m in found if not m.norm]
    if emb is not None:
        left.update((c.prefix, f"{c.label} ({c.describe()}) comes with an nn.Embedding, before "
                     "which lstmviz places no nn.Conv1d") for c in convs)
        convs = []
    else:
        convs, why_not = torch_around.convs_before(convs, rnns[0].input_size, min(rnn_at.values()),
                                                   unordered)
        left.update(why_not)
    emb_at = next((i for i, (kind, p) in enumerate(order) if kind == "plain" and p == emb), -1)
    points = [torch_around.Point(convs[0].width if convs else rnns[0].input_size, True,
                                 None if emb is None else emb or "(top level)", emb_at)]
    points += [torch_around.Point(c.out, True, c.label, c.index) for c in convs]
    rnn_points = [torch_around.Point(r.out_width, r is not rnns[-1], r.prefix or "(top level)",
                                     rnn_at[r.prefix]) for r in rnns]
    head_at = {p: i for i, (kind, p) in enumerate(order) if kind == "plain"}
    head_points = [torch_around.Point(int(plain[p]["weight"].shape[0]), False, p or "(top level)",
                                      head_at[p]) for p in head_prefixes]
    left.update(torch_around.place([m for m in found if m.norm],
                                   points + rnn_points + head_points, unordered))
    around_notes: list[str] = []
    used: set[str] = set()

    def around(point: torch_around.Point) -> None:
        for m in point.modules:
            cls, cfg, weights, note = torch_around.keras_layer(m, _f32)
            name = _layer_name(m.prefix or m.kind.lower(), used)
            layers.append(LayerSpec(cls, dict(cfg, name=name), name=name, weights=weights))
            layouts[name] = note
            around_notes.append(f"{m.label} = {m.describe()} {point.where()}"
                                + (" (over each step: forward() is taken to hand it (batch, "
                                   "features, time), the one way BatchNorm1d takes a sequence of "
                                   "any length)" if point.seq and m.kind == "BatchNorm1d" else ""))

    if emb is None:
        layers = [LayerSpec("InputLayer", {"batch_shape": [None, None, points[0].width]},
                            name=_layer_name("input", used))]
    else:  # token ids (batch, time) into the table's rows
        table = plain[emb]["weight"]
        layers = [LayerSpec("InputLayer", {"batch_shape": [None, None], "dtype": "int32"},
                            name=_layer_name("input", used))]
        name = _layer_name(emb or "embedding", used)
        layers.append(LayerSpec("Embedding", {
            "name": name, "input_dim": int(table.shape[0]), "output_dim": int(table.shape[1]),
            "mask_zero": False}, name=name, weights=[_f32(table, f"{emb or '(top level)'}.weight")]))
        layouts[name] = (f"PyTorch nn.Embedding: embeddings = {emb or '(top level)'}.weight, "
                         "row k the vector of id k, as Keras' (padding_idx masks nothing in "
                         "torch either)")
    around(points[0])
    for conv, point in zip(convs, points[1:]):
        cls, cfg, weights, note = torch_around.keras_layer(conv, _f32)
        name = _layer_name(conv.prefix or "conv", used)
        layers.append(LayerSpec(cls, dict(cfg, name=name), name=name, weights=weights))
        layouts[name] = note
        around_notes.append(f"{conv.label} = {conv.describe()} before the recurrent stack")
        around(point)
    total = sum(r.num_layers for r in rnns)
    done = 0
    for mod, point in zip(rnns, rnn_points):
        base = mod.prefix or mod.kind.lower()
        for layer in range(mod.num_layers):
            done += 1
            seqs = done < total
            name = _layer_name(base if mod.num_layers == 1 else f"{base}_l{layer}", used)
            cfg = _rnn_config(mod, name, seqs)
            layouts[name] = mod.layout(layer) + ("; the backward half's from the _reverse arrays"
                                                 if mod.bidirectional else "")
            weights = mod.keras_weights(layer, False)
            if mod.bidirectional:
                weights += mod.keras_weights(layer, True)
                layers.append(LayerSpec("Bidirectional", {
                    "name": name, "merge_mode": "concat",
                    "layer": {"class_name": mod.kind, "config": cfg}}, name=name,
                    weights=weights))
            else:
                layers.append(LayerSpec(mod.kind, cfg, name=name, weights=weights))
        around(point)

    heads, skipped, other = [], [], []
    for prefix, point in zip(head_prefixes, head_points):
        params, label = plain[prefix], prefix or "(top level)"
        w = params["weight"]
        heads.append(label)
        name = _layer_name(prefix or "linear", used)
        weights = [_f32(w, f"{label}.weight").T.copy()]
        if "bias" in params:
            weights.append(_f32(params["bias"], f"{label}.bias"))
        layers.append(LayerSpec("Dense", {
            "name": name, "units": int(w.shape[0]), "activation": "linear",
            "use_bias": "bias" in params}, name=name, weights=weights))
        around(point)
    placed = {m.prefix for p in points + rnn_points + head_points for m in p.modules}
    placed.update(c.prefix for c in convs)
    for kind, prefix in order:
        if kind != "plain" or prefix in head_prefixes or prefix == emb or prefix in placed \
                or prefix in left:
            continue
        params, label = plain[prefix], prefix or "(top level)"
        if _is_linear(params):
            w = params["weight"]
            skipped.append(f"{label} (Linear {w.shape[1]}->{w.shape[0]})")
        else:
            other.append(f"{label} ({', '.join(sorted(params))[:80]})")
    for prefix, params in plain.items():
        if prefix.endswith(".") and prefix[:-1] in rnn_params:
            other.append(f"{prefix}{'/'.join(sorted(params))}")

    fname = os.path.basename(path)
    tanh_assumed = ("nn.RNN's nonlinearity is not stored in the state_dict: assumed tanh (the default; "
                    "a model built with nonlinearity='relu' will differ)."
                    if any(r.kind == "SimpleRNN" for r in rnns) else None)
    unused = [
        f"Not used (not a Linear head that follows the recurrent output): {', '.join(skipped)}."
        if skipped else None,
        f"Other weights in the file, not used: {', '.join(other)}." if other else None,
        f"Not applied: {'; '.join(left.values())}." if left else None,
        f"nn.Conv1d {', '.join(c.label for c in convs)}: stride 1, padding 0, dilation 1, "
        "groups 1 assumed (torch's defaults; a state_dict does not store them, and a model "
        "built with others computes other numbers)." if convs else None,
        f"Modules without weights in the file, not applied (their place in forward() is "
        f"unknown): {', '.join(extra_modules)}." if extra_modules else None,
        f"The checkpoint holds other recurrent state_dicts, not shown: {', '.join(others)} "
        f"(shown: the one under {where}; to see another, save it alone: "
        f"torch.save(checkpoint{others[0]}, 'state_dict.pt'))." if others else None,
    ]
    notes = [
        "PyTorch state_dict" + (f" (found under {where})" if where else "") + ": "
        + (f"{emb or '(top level)'} = nn.Embedding({plain[emb]['weight'].shape[0]}, "
           f"{plain[emb]['weight'].shape[1]}); " if emb is not None else "")
        + "; ".join(r.describe() for r in rnns)
        + (f"; Linear head {', '.join(heads)}" if heads else "; no Linear head"),
        "The forward() code is not in the file: assumed "
        + ("token ids (batch, time) -> the Embedding -> " if emb is not None else "")
        + ("the Conv1d layers over the steps (x.transpose(1, 2) in, the output turned back) -> "
           if convs else "")
        + "recurrent stack (batch_first input "
        "(batch, time, features), zero initial states) -> the last timestep's output -> "
        + (("the Linear layers chained by their widths (a .safetensors file keeps no order of "
            "modules; numbered ones in their numbers' order)" if by_name
            else "the Linear layers in file order (those registered after the recurrent "
            "module first)") + ", with no activation between them"
           if heads else "no head") + ".",
        f"Around the recurrent stack: {'; '.join(around_notes)}"
        + (f"; each norm's eps {torch_around.EPS_TEXT} (torch's default: a state_dict does "
           "not store eps)" if placed - {c.prefix for c in convs} else "") + "."
        if around_notes else None,
        f"The recurrent modules are taken in the one order their widths chain "
        f"({', '.join(r.prefix or '(top level)' for r in rnns)}), not the file's."
        if reordered else None,
        "torch's LSTM gates i, f, g, o are Keras' i, f, c, o; bias = bias_ih + bias_hh."
        if any(r.kind == "LSTM" for r in rnns) else None,
        "torch's GRU gates r, z, n are reordered to Keras' z, r, h (reset_after=True, "
        "bias rows = [bias_ih, bias_hh])." if any(r.kind == "GRU" for r in rnns) else None,
        tanh_assumed,
        f"weight_norm: {', '.join(normed)} computed as torch's forward() does from the state_dict's "
        f"g and v, w = v * (g / ||v||)." if normed else None,
        "Bidirectional: the head gets the final hidden state of each direction "
        "(torch.cat([h_n[-2], h_n[-1]], 1), as Keras' Bidirectional); output[:, -1] in torch "
        "would give the backward direction after a single step instead."
        if rnns[-1].bidirectional else None,
        *unused,
    ]
    return ModelSpec(layers=layers, name=os.path.splitext(fname)[0] or "torch_model",
                     keras_version="3",
                     source={"path": str(path), "format": fmt, "weights_only": False,
                             "framework": "pytorch", "notes": [n for n in notes if n],
                             # what may make the model shown compute other numbers than the
                             # one saved (the window's "Opened" message says them)
                             "warnings": [n for n in (*unused, tanh_assumed) if n],
                             "layer_notes": layouts})


def _weightless_modules(obj, sd_keys) -> list[str]:
    """Names in the state_dict's ``_metadata`` (every submodule) that hold no weights."""
    meta = getattr(obj, "__dict__", {}).get("_metadata") if isinstance(obj, OrderedDict) else None
    if not isinstance(meta, dict):
        return []
    prefixes = set()
    for k in sd_keys:
        if k.count(".") > MAX_KEY_DOTS:  # refused by the caller; bounded here too
            continue
        parts = k.split(".")
        for i in range(len(parts)):
            prefixes.add(".".join(parts[:i]))
    out = []
    for name in list(meta)[:1000]:
        # every dot-boundary prefix of every key is in ``prefixes``: one lookup says
        # whether ``name`` is a module holding weights (no scan over all prefixes)
        if isinstance(name, str) and name and name not in prefixes:
            out.append(name)
    return out[:20]


# ------------------------------------------------------------------ entry points

def looks_like_torch_file(path) -> bool:
    """True when the bytes look like a torch.save file (zip with data.pkl, or the legacy
    pickle's magic number). Never raises."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
        if head.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(path) as zf:
                return any(n == "data.pkl" or n.endswith("/data.pkl") for n in zf.namelist())
        return head[:1] == b"\x80" and LEGACY_MAGIC.to_bytes(10, "little") in head[:32]
    except Exception:
        return False


def load_torch_object(path) -> tuple[Any, str]:
    """The object a torch.save file holds (tensors as NumPy arrays) and its format.

    Tensors inside plain dicts, lists and tuples are converted; raises ``LstmvizError``.
    """
    obj, fmt = _load_raw(path)
    return _to_numpy(obj), fmt


def _to_numpy(obj) -> Any:
    """``obj`` with tensors replaced by arrays; a container shared in the pickle is
    converted once and stays shared (so a pickle's memo cannot blow it up)."""
    done: dict[int, Any] = {}

    def conv(o, depth):
        if isinstance(o, _Tensor):
            return o.array
        if depth > 50 or not isinstance(o, (dict, list, tuple)):
            return o
        if id(o) in done:
            return done[id(o)]
        if isinstance(o, dict):
            out = OrderedDict() if isinstance(o, OrderedDict) else {}
            done[id(o)] = out
            for k, v in o.items():
                out[k] = conv(v, depth + 1)
        elif isinstance(o, list):
            out = []
            done[id(o)] = out
            out.extend(conv(v, depth + 1) for v in o)
        else:
            out = tuple(conv(v, depth + 1) for v in o)
            done[id(o)] = out
        return out

    return conv(obj, 0)


def _load_raw(path) -> tuple[Any, str]:
    fname = os.path.basename(str(path))
    try:
        try:
            head, size = read_head(path, 512)
        except FileFail as exc:
            raise Fail(exc.what) from exc
        if size == 0:
            raise Fail("the file is empty")
        if size > MAX_FILE_BYTES:
            raise Fail(f"the file is {limits.fmt_bytes(size)}, larger than lstmviz reads "
                       f"({limits.fmt_bytes(MAX_FILE_BYTES)})")
        if head.startswith(b"PK\x03\x04"):
            return _read_zip(os.fspath(path), size), "torch-zip"
        if head[:1] == b"\x80" and head[1:2] in b"\x02\x03\x04\x05":
            over = limits.excess(2 * size, "reading this legacy checkpoint (the file and its "
                                           "tensors)")
            if over:
                raise Fail(over, limits.HINT)
            with open(path, "rb") as fh:
                blob = fh.read(size + 1)  # not MAX_FILE_BYTES: read(n) allocates n first
            return _read_legacy(blob), "torch-pickle"
        if len(head) > 262 and head[257:262] == b"ustar":
            raise Fail("this is a tar archive (torch < 0.4's format or another archive), "
                       "which lstmviz does not read")
        if head.startswith(b"\x89HDF"):
            raise Fail("this is an HDF5 file, not a PyTorch file")
        raise Fail("unrecognised content (neither a torch zip archive nor a torch pickle)")
    except Fail as f:
        raise LstmvizError(f"{fname}: {f.what}; {f.supported}") from None
    except LstmvizError:
        raise
    except MemoryError as exc:
        raise LstmvizError(f"{fname}: the file asks for more memory than it could hold; "
                           f"{SUPPORTED}") from exc
    except RecursionError as exc:
        raise LstmvizError(f"{fname}: the file is nested too deeply; {SUPPORTED}") from exc
    except Exception as exc:  # a corrupt file must still give one line
        raise LstmvizError(f"{fname}: the file is truncated or corrupt; {SUPPORTED}") from exc


def read_torch_state_dict(path) -> ModelSpec:
    """A ``ModelSpec`` from a PyTorch state_dict file (``torch.save(model.state_dict())``).

    Accepts the zip format (torch >= 1.6) and the legacy pickle format, a bare state_dict
    or a checkpoint dict holding one (``"state_dict"``, ``"model_state_dict"``, ...). Reads
    ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` modules (stacked, bidirectional, with or without
    biases) and ``nn.Linear`` heads; the assumptions about forward() are in
    ``spec.source["notes"]``. Never imports torch nor runs code from the file; every failure
    is an ``LstmvizError`` with one line ``"<file>: <what is wrong>; <what is supported>"``.
    """
    fname = os.path.basename(str(path))
    obj, fmt = _load_raw(path)
    try:
        sd, where, owner = _find_state_dict(obj)
        if sd is None:
            found = _any_tensors(obj)
            if found:
                raise Fail(_no_recurrent(found))
            kind = _KIND_NAMES.get(type(obj), type(obj).__name__)
            keys = ", ".join(_brief(k) for k in list(obj)[:8]) if isinstance(obj, dict) else ""
            article = "an" if kind[:1].lower() in "aeiou" else "a"
            raise Fail(f"the file holds {article} {kind}" + (f" (keys: {keys})" if keys else "")
                       + " with no tensors")
        long = next((k for k in sd if len(k) > MAX_KEY_CHARS or k.count(".") > MAX_KEY_DOTS),
                    None)
        if long is not None:
            raise Fail(f"a key of the state_dict is {len(long):,} characters long with "
                       f"{long.count('.'):,} dots, not a module path (at most "
                       f"{MAX_KEY_CHARS} characters and {MAX_KEY_DOTS} levels)")
        extra = _weightless_modules(owner, list(sd))
        others = _other_state_dicts(obj, owner) if where else []
        return clean_spec_names(_build_spec(sd, str(path), fmt, where, extra, others))
    except Fail as f:
        raise LstmvizError(f"{fname}: {f.what}; {f.supported}") from None
    except LstmvizError:
        raise
    except Exception as exc:  # pragma: no cover - a bug, but still one line for the user
        raise LstmvizError(f"{fname}: cannot map the state_dict ({exc.__class__.__name__}: "
                           f"{exc}); {SUPPORTED}") from None
