"""Shared helpers for the loaders: the internal failure type, attribute decoding, limits."""

from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from ..limits import HINT, MAX_INFLATE_RATIO, Inflation, MemoryBudget, fmt_bytes, inflates_too_much, nbytes_of
from ..text import dtype_words, json_fault, kind_of, system_reason
from ._fail import Fail  # noqa: F401  (the readers import it from here)

# Sanity caps: a hostile file must not make us allocate or loop without bound.
MAX_CONFIG_BYTES = 64 * 1024 * 1024
MAX_WEIGHTS_BYTES = 4 * 1024 * 1024 * 1024
MAX_ARRAY_BYTES = 2 * 1024 * 1024 * 1024
#: the files of a Keras 3 model, as a ``.keras`` archive's members or a folder's (saved
#: unzipped), and the most each may hold
KERAS3_MEMBERS = {"config.json": MAX_CONFIG_BYTES, "metadata.json": 1024 * 1024,
                  "model.weights.h5": MAX_WEIGHTS_BYTES}
MAX_LAYERS = 5000
MAX_VARS_PER_LAYER = 256
MAX_NESTING = 20
MAX_ATTR_CHUNKS = 10000


def to_str(value: Any) -> str | None:
    """Decode an HDF5 attribute or JSON value that should hold one string."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        if value.size == 0:
            return None
        if value.size != 1:
            return None
        value = value.reshape(-1)[0]
    if isinstance(value, (bytes, bytearray, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (str, np.str_)):
        return str(value)
    return None


def to_str_list(value: Any) -> list[str]:
    """Decode an attribute that should hold a list of strings (``layer_names`` ...)."""
    if value is None:
        return []
    if isinstance(value, (bytes, bytearray, np.bytes_, str, np.str_)):
        s = to_str(value)
        return [s] if s else []
    if isinstance(value, np.ndarray):
        items = value.reshape(-1).tolist()
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise Fail(f"an attribute holds {kind_of(value)} where a list of names belongs")
    out = []
    for it in items:
        s = to_str(it)
        if s is None:
            raise Fail("an attribute holds a non-text entry where a list of names belongs")
        out.append(s)
    return out


MAX_ATTR_ELEMENTS = 1_000_000
MAX_ATTR_BYTES = MAX_CONFIG_BYTES
#: Address space one attribute read may add, in the reading child (``isolated``): a text
#: attribute's stored length is a 4-byte field libhdf5 allocates before it finds the text
#: shorter; a damaged one (2.3 GB in an 18 KB file) cost ~6 s of page faults within the
#: child's address-space cap. A read allowed only this much more fails at once.
ATTRIBUTE_ROOM = 4 * MAX_ATTR_BYTES + 64 * 1024 * 1024
#: Set by ``_child.main``: attribute reads are held to ``ATTRIBUTE_ROOM`` there (the
#: child is one thread; the caller's own process is never limited).
tight_attributes = False


def _tighten_for_one_attribute() -> tuple[int, int] | None:
    """In the reading child, the soft address-space limit lowered to what it uses now plus
    ``ATTRIBUTE_ROOM`` (Linux); gives the limits to put back, or None where nothing was
    lowered (not the child, no ``/proc``, a limit already as tight)."""
    if not tight_attributes:
        return None
    try:
        import resource

        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[0]) * resource.getpagesize()
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        tight = used + ATTRIBUTE_ROOM
        if soft != resource.RLIM_INFINITY and soft <= tight:
            return None
        resource.setrlimit(resource.RLIMIT_AS, (tight, hard))
    except (ImportError, OSError, ValueError, IndexError):
        return None
    return soft, hard


@contextmanager
def _room_for_one_attribute() -> Iterator[None]:
    """In the reading child, the address space capped at what it uses now plus
    ``ATTRIBUTE_ROOM`` while one attribute is read (Linux; elsewhere the child's cap)."""
    before = _tighten_for_one_attribute()
    try:
        yield
    finally:
        if before is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, before)


def _guarded_get(attrs: Any, name: str) -> Any:
    """Check an attribute's declared size before reading it: a corrupt dataspace can ask
    libhdf5 to allocate (and loop over) absurd amounts."""
    try:
        import h5py
        aid = h5py.h5a.open(attrs._id, name.encode("utf-8"))
        shape = aid.shape or ()
        n = 1
        for d in shape:
            n *= int(d)
        itemsize = int(aid.get_type().get_size())
        try:
            size = int(aid.get_storage_size())
        except Exception:  # empty dataspaces have no storage
            size = 0
    except Fail:
        raise
    except Exception as exc:
        raise _attribute_fault(attrs, name) from exc
    if n > MAX_ATTR_ELEMENTS or size > MAX_ATTR_BYTES or n * itemsize > MAX_ATTR_BYTES:
        raise Fail(f"attribute '{name}' is implausibly large; the file may be corrupt")
    with _room_for_one_attribute():
        return attrs[name]


def read_attr(attrs: Any, name: str) -> Any:
    """Read an attribute, joining Keras' chunked form (``name0``, ``name1``, ...)."""
    try:
        if name in attrs:
            return _guarded_get(attrs, name) if hasattr(attrs, "_id") else attrs[name]
        if f"{name}0" in attrs:
            parts: list[str] = []
            for i in range(MAX_ATTR_CHUNKS):
                key = f"{name}{i}"
                if key not in attrs:
                    break
                parts.extend(to_str_list(_guarded_get(attrs, key) if hasattr(attrs, "_id")
                                         else attrs[key]))
            return parts
    except Fail:
        raise
    except Exception as exc:  # h5py raises OSError/KeyError/TypeError on odd attributes
        raise _attribute_fault(attrs, name) from exc
    return None


def _attribute_fault(attrs: Any, name: str) -> Fail:
    """Why attribute ``name`` of ``attrs`` cannot be read, in a user's words, naming the
    group or array it belongs to: libhdf5 cannot read its header or its value (damaged), or
    h5py has no NumPy type for it (an HDF5 time, a variable-length list of numbers)."""
    owner = "the file"
    try:
        import h5py

        path = h5py.h5i.get_name(attrs._id)
        path = path.decode("utf-8", "replace") if isinstance(path, bytes) else str(path or "")
        if path.strip("/"):
            from ._h5safe import _name

            owner = f"'{_name(path)}'"
    except Exception:  # (a name libhdf5 cannot tell: the file's, then)
        pass
    return Fail(f"cannot read attribute '{name}' of {owner}: it is damaged, or of an HDF5 type "
                "lstmviz does not read")


def parse_json(text: Any, what: str) -> Any:
    s = to_str(text) if not isinstance(text, str) else text
    if s is None:
        raise Fail(f"{what} is empty or not text")
    if len(s) > MAX_CONFIG_BYTES:
        raise Fail(f"{what} is larger than {fmt_bytes(MAX_CONFIG_BYTES)}")
    try:
        return json.loads(s)
    except (ValueError, RecursionError) as exc:
        raise Fail(f"{what} is not valid JSON ({json_fault(exc)})") from exc


#: Arrays read from one file at most: a file whose groups link to one another (a DAG
#: of hard links) can name the same datasets millions of times.
MAX_ARRAYS_READ = 20_000


class _ReadBudget(threading.local):
    budget: MemoryBudget | None = None
    reads = 0
    #: bytes the HDF5 datasets read so far declare, and the bytes the file stores for
    #: them (each dataset once, however many links or names lead to it)
    inflation: Inflation | None = None


_READ = _ReadBudget()


@contextmanager
def read_budget(what: str = "the arrays read from the file") -> Iterator[MemoryBudget]:
    """Every ``as_array`` inside the block counts against one ``MemoryBudget``."""
    old = _READ.budget, _READ.reads, _READ.inflation
    _READ.budget, _READ.reads, _READ.inflation = MemoryBudget(what), 0, Inflation()
    try:
        yield _READ.budget
    finally:
        _READ.budget, _READ.reads, _READ.inflation = old


def _count_stored(obj: Any, declared: int, stored: int) -> None:
    """Refuse a file whose datasets together declare far more than it stores: many
    unwritten or highly compressed datasets each under ``RATIO_FLOOR``, or one dataset
    named by a thousand links, add up to gigabytes from a file of kilobytes."""
    read = _READ.inflation
    if read is not None and read.count(hash(obj.id), declared, stored):
        raise Fail(f"the weights read from the file so far declare {fmt_bytes(read.inflated)} but "
                   f"the file stores only {fmt_bytes(read.stored)} for them (unwritten chunks, data "
                   f"compressed more than {MAX_INFLATE_RATIO} times, or one array named many "
                   "times): not saved weights")


def take_bytes(nbytes: int) -> None:
    """Count ``nbytes`` about to be allocated for the file against the current budget."""
    budget = _READ.budget
    if budget is not None:
        _READ.reads += 1
        if _READ.reads > MAX_ARRAYS_READ:
            raise Fail(f"the file names more than {MAX_ARRAYS_READ:,} weight arrays (groups "
                       "linked into one another many times)")
        msg = budget.excess(nbytes)
        if msg:
            raise Fail(msg, HINT)


def as_array(obj: Any, what: str) -> np.ndarray:
    """Read an h5py dataset (or array) into a numpy array, with a size cap.

    A dataset is checked before it is read: its data must live in this file
    (``_h5safe.check_dataset``), its declared size must fit the read budget, and a large
    one must be stored (a 1 GB kernel declared in a 10 KB file is unwritten chunks)."""
    try:
        shape = tuple(int(d) for d in obj.shape)
        dtype = np.dtype(obj.dtype)
    except Exception as exc:
        raise Fail(f"{what} is not a dataset") from exc
    if dtype.kind not in "fiub":
        raise Fail(f"{what} holds {dtype_words(dtype)}, not real numbers (integers, floats or booleans)")
    n = nbytes_of(shape, dtype.itemsize)
    if n > MAX_ARRAY_BYTES:
        raise Fail(f"{what} is larger than {fmt_bytes(MAX_ARRAY_BYTES)}")
    if hasattr(obj, "id") and hasattr(obj, "is_virtual"):
        from ._h5safe import check_dataset

        check_dataset(obj, getattr(obj, "name", None) or what)
        try:
            stored = int(obj.id.get_storage_size())
        except Exception:
            stored = 0
        if inflates_too_much(stored, n):
            raise Fail(f"{what} declares {fmt_bytes(n)} but the file stores only "
                       f"{fmt_bytes(stored)} of it (unwritten chunks, or compressed more than "
                       f"{MAX_INFLATE_RATIO} times): not saved weights")
        _count_stored(obj, n, stored)
    take_bytes(n)
    try:
        arr = np.array(obj[()] if shape == () else obj[...])
    except Exception as exc:
        raise Fail(f"cannot read the stored data of {what}; the file may be truncated or "
                   "corrupt") from exc  # (libhdf5: "wrong B-tree signature", "filter returned failure")
    return arr


#: floats NumPy has no dtype for, read exactly into float32 by their bit layouts: name ->
#: bytes per element (bfloat16: a float32's upper 16 bits; float8 E4M3FN: sign, 4 exponent
#: bits of bias 7, 3 mantissa bits, no infinity, S.1111.111 NaN; float8 E5M2: a float16's
#: upper 8 bits). Every value of each is a float32 exactly.
NARROW_FLOATS = {"bfloat16": 2, "float8_e4m3fn": 1, "float8_e5m2": 1}


def _e4m3fn_table() -> np.ndarray:
    code = np.arange(256)
    exp, man = (code >> 3) & 0xF, code & 0x7
    mag = np.where(exp == 0, man / 8 * 2.0 ** -6, (1 + man / 8) * 2.0 ** (exp - 7))
    mag[(exp == 0xF) & (man == 0x7)] = np.nan
    return (np.where(code & 0x80, -mag, mag)).astype(np.float32)


_F8_TABLES: dict[str, np.ndarray] = {}


def narrow_floats(raw: bytes | memoryview, kind: str, big_endian: bool = False) -> np.ndarray:
    """The flat float32 array of ``raw`` holding ``kind`` (a ``NARROW_FLOATS`` name),
    each element exactly its value."""
    if kind == "bfloat16":
        u16 = np.frombuffer(raw, dtype=(">" if big_endian else "<") + "u2")
        return (u16.astype(np.uint32) << 16).view(np.float32)
    table = _F8_TABLES.get(kind)
    if table is None:
        if kind == "float8_e4m3fn":
            table = _e4m3fn_table()
        elif kind == "float8_e5m2":
            table = (np.arange(256, dtype=np.uint16) << 8).view(np.float16).astype(np.float32)
        else:
            raise ValueError(f"not a narrow float: {kind!r}")
        _F8_TABLES[kind] = table
    return table[np.frombuffer(raw, dtype=np.uint8)]


def first_repeat(names: Any) -> Any:
    """The first of ``names`` given a second time, None where each is given once (a zip
    member, an ONNX input or initializer: the later one silently replaced the first)."""
    seen: set = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def fmt_shape(shape: Any) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def keras_folder_of(path: Any) -> str | None:
    """The folder of a Keras model saved unzipped (Keras 3's ``model.save(path,
    zipped=False)``, as the Hugging Face Hub keeps one: a ``.keras`` archive's members as
    files) that ``path`` is, or whose ``config.json`` it is; None for anything else."""
    try:
        path = os.fspath(path)
        folder = path if os.path.isdir(path) else (
            os.path.dirname(os.path.abspath(path)) if os.path.basename(path) == "config.json" else None)
        if folder is None:
            return None
        if all(os.path.isfile(os.path.join(folder, n)) for n in ("config.json", "model.weights.h5")):
            return folder
    except (OSError, ValueError, TypeError):
        pass
    return None


def _other_folder(path: Any) -> str:
    """What a folder that is no model lstmviz reads is: a Keras model saved unzipped whose
    weights are not one model.weights.h5 (sharded: as the ``.keras`` reader says of such an
    archive), else a plain folder."""
    try:
        config = os.path.isfile(os.path.join(path, "config.json"))
        both = all(os.path.lexists(os.path.join(path, n)) for n in ("config.json", "model.weights.h5"))
        names = os.listdir(path)[:10000] if config else []
    except (OSError, ValueError, TypeError):
        names, config, both = [], False, False
    if both:  # (both there, one no regular file: a device, a pipe, a folder; a config.json
        # that is a pipe was said "a directory")
        odd = "model.weights.h5" if config else "config.json"
        return (f"this is a Keras model saved unzipped whose {odd} is not a file "
                "(a device, a pipe or a folder), which lstmviz does not read")
    if any(n.startswith("model.weights") for n in names):
        return ("this is a Keras model saved unzipped whose weights are in a form other than "
                "model.weights.h5 (sharded), which lstmviz does not read: save it whole with "
                "model.save('model.keras')")
    return "this is a directory, not a model file"


def model_bytes(path: Any) -> int:
    """The bytes a model's reader reads: the file's size, or a Keras folder's files' (0
    where they cannot be told)."""
    folder = keras_folder_of(path)
    names = [os.path.join(folder, n) for n in KERAS3_MEMBERS] if folder is not None else [path]
    total = 0
    for name in names:
        try:
            total += os.path.getsize(name)
        except (OSError, ValueError, TypeError):
            pass
    return total


def read_head(path: Any, n: int = 1024) -> tuple[bytes, int]:
    """The first ``n`` bytes of a file and its size, or Fail saying why it cannot be read."""
    from lstmviz.files import not_regular

    odd = not_regular(path)
    if odd:
        raise Fail(odd)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(n)
    except FileNotFoundError as exc:
        raise Fail("no such file") from exc
    except IsADirectoryError as exc:
        if os.path.isfile(os.path.join(path, "saved_model.pb")):
            raise Fail("this is a TensorFlow SavedModel folder, which lstmviz does not read: save "
                       "the model from TensorFlow as a file, e.g. tf.keras.models.load_model(folder)"
                       ".save('model.h5'), or its Keras model with model.save('model.keras')") from exc
        raise Fail(_other_folder(path)) from exc
    except OSError as exc:  # (its words without the path and errno: "Permission denied")
        raise Fail("cannot open the file" + system_reason(exc)) from exc
    except ValueError as exc:  # ("embedded null byte": no file of that name can exist)
        raise Fail("cannot open the file: its name holds a NUL character, which no file "
                   "name can") from exc
    except TypeError as exc:
        raise Fail("cannot open the file: the path given is not a file path (a text, bytes "
                   "or os.PathLike)") from exc
    return head, size
