""".npy arrays from strangers: the header is checked before a byte of data is read.

``read_npy`` parses the header itself (``numpy.lib.format``'s header readers, which use
``ast.literal_eval``, never pickle), then refuses, each with one line:

- a header over 64 KB (NumPy's own refusal of it mentions ``allow_pickle``, which made it
  look like "a pickled array");
- object arrays (that would need pickle), and numbers lstmviz cannot feed to a model
  without losing something: complex (the imaginary part would vanish), timedelta,
  datetime, strings, records;
- a declared shape whose float32 copy exceeds the memory limit, or whose timesteps exceed
  the step limit (``lstmviz.limits``), before reading it;
- a file shorter than its header says (truncated).

Used by the CLI's ``--input``, the app's input files and sessions' arrays; ``map_npy``
maps a long input's instead, after the same checks.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from typing import BinaryIO

import numpy as np

from ..errors import LstmvizError
from ..limits import MAX_DIMS, check, check_input_shape, fmt_bytes, nbytes_of, shape_fault

MAGIC = b"\x93NUMPY"
MAX_HEADER = 64 * 1024
ACCEPTED = "accepted: .npy arrays of numbers (bool, integer or float)"
#: a long input's .npy of at least this many bytes of data is mapped (``map_npy``), not read
MAP_BYTES = 16 << 20


def npy_header(fh: BinaryIO, label: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) from the header at ``fh``'s position; LstmvizError."""
    from numpy.lib import format as npformat

    start = fh.read(8)
    if len(start) < 8 or not start.startswith(MAGIC):
        raise LstmvizError(f"{label}: not a .npy file (no NumPy header)")
    major = start[6]
    size_bytes = 2 if major == 1 else 4
    raw = fh.read(size_bytes)
    if len(raw) < size_bytes or major not in (1, 2, 3):
        raise LstmvizError(f"{label}: the .npy header is damaged (format version {major})")
    hlen = int.from_bytes(raw, "little")
    if hlen > MAX_HEADER:
        raise LstmvizError(f"{label}: the .npy header is {hlen:,} bytes long, over "
                           f"{fmt_bytes(MAX_HEADER)}: damaged or not written by NumPy; {ACCEPTED}")
    source: BinaryIO = fh
    if major == 3:  # (format 3's header is UTF-8, NumPy's public readers decode 1 and 2's as
        # latin-1: a non-ASCII key was garbled in the refusal. Its text is given to version 2's
        # reader with each non-ASCII character as its Python escape, the same string literal)
        head = fh.read(hlen)
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            raise LstmvizError(f"{label}: the .npy header cannot be read (its text is not UTF-8, "
                               f"as a version 3 header's is); {ACCEPTED}") from None
        plain = text.encode("ascii", "backslashreplace")
        source = io.BytesIO(len(plain).to_bytes(4, "little") + plain)
    else:
        fh.seek(-size_bytes, io.SEEK_CUR)  # the header readers start at the length field
    try:
        # (Python's parser warns of a damaged header's text on stderr, "SyntaxWarning: invalid
        # decimal literal", before the refusal below says what is wrong)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            if major == 1:
                shape, fortran, dtype = npformat.read_array_header_1_0(fh, max_header_size=MAX_HEADER)
            else:
                shape, fortran, dtype = npformat.read_array_header_2_0(source, max_header_size=4 * MAX_HEADER)
    except (RecursionError, MemoryError):  # (Python's parser, behind NumPy's, on thousands of
        # nested operators: "maximum recursion depth exceeded during ast construction", or a
        # MemoryError of no words, said "the .npy header cannot be read ()")
        raise LstmvizError(f"{label}: the .npy header cannot be read (its text nests thousands of "
                           f"operators or brackets deep, not the plain values NumPy writes); {ACCEPTED}") from None
    except Exception as err:  # NumPy parses the header's text: ValueError, SyntaxError, tokenize's TokenError...
        first = err.args[0] if err.args and isinstance(err.args[0], str) else str(err)  # (TokenError: (text, place))
        text = " ".join(first.split())
        if "malformed node or string" in text:  # (Python's literal_eval: a call or a name in it,
            # said as "<ast.Call object at 0x7f...>")
            text = "it holds an expression (a call or a name), not the plain values NumPy writes"
        text = re.sub(r" object at 0x[0-9a-fA-F]+", " object", text)[:160]
        raise LstmvizError(f"{label}: the .npy header cannot be read ({text}); {ACCEPTED}") from None
    shape = tuple(int(d) for d in shape)
    fault = shape_fault(shape)  # (NumPy's parser takes any number of dimensions, and an empty
    # array of (0, 10**30) passed every size check: NumPy's reshape then raised ValueError)
    if fault:
        shown = "" if len(shape) > MAX_DIMS else f" {shape_text(shape)}"
        raise LstmvizError(f"{label}: the .npy header is damaged (its shape{shown} {fault}); {ACCEPTED}")
    if any(d < 0 for d in shape):  # (NumPy's parser takes them: read_npy gave (-3, 4) as empty)
        raise LstmvizError(f"{label}: the .npy header is damaged (its shape {shape_text(shape)} has a "
                           f"negative dimension); {ACCEPTED}")
    return shape, bool(fortran), np.dtype(dtype)


def shape_text(shape: tuple[int, ...]) -> str:
    """A declared shape for a message, each dimension of more than 20 digits cut to its
    head and its number of digits (a header may declare one of thousands)."""
    def dim(d: int) -> str:
        text = str(d)
        return text if len(text) <= 20 else f"{text[:8]}...({len(text):,} digits)"

    return "(" + ", ".join(dim(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_length(need: int, held: int, label: str) -> None:
    """A file shorter than its header says (a copy or download that stopped): refused in
    one wording by both .npy readers (this one, and ``app.long_data``'s memory map, where
    NumPy said "mmap length is greater than file size")."""
    if held < need:
        raise LstmvizError(f"{label}: the .npy file is truncated (its header declares "
                           f"{need:,} bytes of data, the file holds {max(held, 0):,})")


def check_dtype(dtype: np.dtype, label: str) -> None:
    kind = dtype.kind
    if dtype.hasobject or kind == "O":
        raise LstmvizError(f"{label}: holds Python objects (a pickled array), which lstmviz "
                           f"never loads; {ACCEPTED}")
    what = {"c": "complex numbers (their imaginary part would be lost)",
            "m": "time differences (timedelta64)", "M": "dates (datetime64)",
            "S": "byte strings", "U": "text", "V": "records or raw bytes"}.get(kind)
    if what or kind not in "biuf":
        raise LstmvizError(f"{label}: holds {what or dtype}, not numbers a model takes; {ACCEPTED}")


def read_npy(path, label: str | None = None, steps: bool = True) -> np.ndarray:
    """A .npy file's array, checked as the module docstring says. Raises LstmvizError."""
    label = label or str(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            return read_npy_stream(fh, label, size, steps)
    except OSError as err:
        raise LstmvizError(f"{label}: {err.strerror or err}") from None


def map_npy(path, label: str | None = None) -> np.ndarray:
    """A long input's .npy mapped read-only, checked as ``read_npy(steps=False)`` checks
    it (its header, dtype, declared size against the memory limit, length), its steps read
    from the disk when used: ``lstmviz MODEL --input long.npy``, ``trace --steps``,
    ``show``/``picture`` of a path, as File > Open a long input maps it (``mapped``, which
    ``app.long_data.open_npy`` asks too). (Read whole, a
    400 MB input was held three times over, the bytes, their copy and the state's copy,
    and took 8 s before the window; mapped, the state keeps the map itself, ``frozen``.)
    One under ``MAP_BYTES``, an empty array, or a file that cannot be mapped, is read as
    ``read_npy`` reads it: a map reads the file as it is when used, and a small input
    saved again in its place (``np.save`` truncates it first) while a notebook's window
    shows it must not crash that window for the little a copy costs."""
    label = label or str(path)
    try:
        return mapped(path, label, read_below=max(MAP_BYTES, 1))
    except (OSError, ValueError):  # (a file system that maps nothing: read as ever)
        return read_npy(path, label, steps=False)


def mapped(path, label: str, read_below: int = 0, memory: bool = True) -> np.ndarray:
    """A .npy mapped read-only after its header's checks, each refused in one line as
    ``read_npy`` refuses it (``npy_header``: no NumPy header, a damaged one; ``check_dtype``:
    a pickled array, never unpickled, or no numbers; ``check``: a declared size past the
    memory limit, where ``memory``; ``check_length``: a file cut short); one of fewer
    than ``read_below`` bytes of data read whole (``read_npy``). The one mapping of both
    .npy readers of long inputs: ``map_npy`` (the command line's, which reads the file
    whole where it cannot be mapped) and ``app.long_data.open_npy`` (File > Open a long
    input, which maps any size and is held to no memory limit: a map holds no copy).
    Raises OSError or ValueError where the system or NumPy cannot open or map it: each
    caller says that its own way."""
    with open(path, "rb") as fh:
        shape, fortran, dtype = npy_header(fh, label)
        check_dtype(dtype, label)
        if memory:
            check(nbytes_of(shape, max(dtype.itemsize, 4)), f"{label}: the array")
        offset = fh.tell()
        need = nbytes_of(shape, dtype.itemsize)
        check_length(need, os.fstat(fh.fileno()).st_size - offset, label)
    if need < read_below:
        return read_npy(path, label, steps=False)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape,
                     order="F" if fortran else "C")


def read_npy_bytes(data: bytes, label: str, steps: bool = True) -> np.ndarray:
    return read_npy_stream(io.BytesIO(data), label, len(data), steps)


def read_npy_stream(fh: BinaryIO, label: str, size: int, steps: bool = True) -> np.ndarray:
    """``steps``: the array is an input (its axis 1 is time, checked against the step
    limit); else only its size is checked (weights)."""
    shape, fortran, dtype = npy_header(fh, label)
    check_dtype(dtype, label)
    if steps:
        check_input_shape(shape, f"{label}: the array")
    else:
        check(nbytes_of(shape, max(dtype.itemsize, 4)), f"{label}: the array")
    need = nbytes_of(shape, dtype.itemsize)
    check_length(need, size - fh.tell(), label)
    count = need // max(dtype.itemsize, 1)
    data = fh.read(need)
    arr = np.frombuffer(data, dtype=dtype, count=count)
    if fortran:
        arr = arr.reshape(shape[::-1]).transpose()
    else:
        arr = arr.reshape(shape)
    return np.array(arr)  # writable, owning its memory
