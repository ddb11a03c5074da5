"""The one budget every reader, session, input and trace obeys (no Qt, no engine imports).

A file of a few kilobytes must never cost minutes or gigabytes, so everything that is
about to allocate memory because a file (or an input) asked for it checks the size
first, against one number: the memory limit, 2 GiB unless the environment variable
``LSTMVIZ_MAX_MEMORY`` (``8G``, ``512M``, ``16GB``, plain bytes) or the CLI option
``--max-memory`` (which sets that variable, so reader child processes see it too) says
otherwise. What is checked against it:

- the trace a model would record for an input (``Model.trace``), RepeatVector's
  steps included, and the weights a model would initialise (``Model.from_spec``);
- the arrays read from one model, weights or checkpoint file, from their declared shape
  and dtype, before reading (``MemoryBudget``);
- an input file or a generated input, from its declared shape before reading or
  generating, and the cells of a CSV while it streams; the steps a trace runs
  (``step_limit``: time grows with them, so they grow with the limit);
- a session: members' and the archive's uncompressed sizes, the input and stack it
  declares, before anything is inflated;
- a training run's snapshots (``snapshot_budget``): a quarter of the limit, older ones
  thinned beyond it (``TrainingSession``);
- the trace budget (``trace_budget``): half of the limit. A full trace (every intermediate
  of every step) is kept while it fits; beyond it a long sequence is traced by keyframes
  (``engine.windows.trace_auto``) and the app shows it as an overview beside an exact
  window. The default 2 GiB gives 1 GiB of trace, what an 8 GB laptop holds beside the app.

Messages say what needed how much, the limit, and how to raise it (``HINT``).
"""

from __future__ import annotations

import functools
import os
import re
import struct
from collections.abc import Hashable

from lstmviz.errors import LstmvizError

ENV = "LSTMVIZ_MAX_MEMORY"
DEFAULT_MEMORY = 2 * 1024 ** 3
#: A zip member (session array, ``.keras`` weights) may inflate this many times its
#: compressed size when it is larger than ``RATIO_FLOOR``: beyond that it is a zip bomb
#: (float weights and inputs compress two to four times, not a thousand).
MAX_INFLATE_RATIO = 200
RATIO_FLOOR = 32 * 1024 ** 2
#: The same for a member that is parsed (a model's config, a session's manifest, a torch
#: pickle): JSON takes up to 25 times its size ('{},' is a dict of 64 bytes), a pickle a
#: hundred ('}' is one), so 15 MB of '{},' deflated to 20 KB were 800 MB; real configs
#: deflate 5 to 50 times, torch stores its pickle uncompressed.
SMALL_RATIO_FLOOR = 1024 ** 2
#: Bytes of memory per recurrent step allowed in a trace: time, not memory, is what a
#: long input costs (about 0.1 ms per step and layer), so the number of steps traced
#: grows with the limit: 2 GiB allow 262,144 steps.
BYTES_PER_STEP = 8192
#: Bytes of memory per number of one CSV row: a row is split and parsed as a whole (a line
#: of 16 MiB of '1,' was 8 million strings and floats, 370 MB), so 2 GiB allow 2,097,152.
BYTES_PER_CSV_CELL = 1024
#: Bytes of memory per number of a whole CSV: its numbers are parsed a block at a time by
#: NumPy's C reader into 8 bytes each (then 4 as float32), 15 bytes a number at the peak
#: (300,000 rows of 9, 40 MB, 5 s): 2 GiB allow 33,554,432 numbers. (At 1,024 bytes a number
#: as a row's, 2 GiB held a CSV to 2,097,152: a 300,000-row CSV of 9 columns was refused on
#: the command line while File > Open a long input read it.)
BYTES_PER_CSV_NUMBER = 64
#: how to raise the limit, where the user is: the command line's option, the window's menu
#: (a window started from the desktop has no command line), the variable
HINT = (f"to allow more, use --max-memory SIZE (in the window: File > Memory limit) or set {ENV}=SIZE "
        "(for example 16G)")

#: (binary all: "16GB" is 16 GiB, what a "16 GB" laptop holds; "2 GiB", as ``fmt_bytes`` shows a
#: limit and File > Memory limit offers it to be edited, is taken as it is shown)
_UNITS = {"": 1, "b": 1, **{f"{p}{b}": 1024 ** (i + 1) for i, p in enumerate("kmgt") for b in ("", "b", "ib")}}


#: the least memory limit: below it not even a small model's trace fits
MIN_MEMORY = 16 * 1024 ** 2
#: the largest memory limit where the machine's memory cannot be read (see ``largest_limit``)
MAX_MEMORY_UNKNOWN = 1024 ** 4


#: a cgroup memory limit at or above this is "no limit" (cgroup v1 writes 2**63 rounded
#: down to a page for it)
_NO_CGROUP_LIMIT = 1 << 60


def cgroup_memory(proc: str = "/proc/self/cgroup", root: str = "/sys/fs/cgroup") -> int | None:
    """The memory limit of the Linux control group this process runs in (a container's, a
    systemd slice's), the least over the group and the groups above it, cgroup v2
    (``memory.max``) and v1 (``memory.limit_in_bytes``) both; None where there is none or it
    cannot be read. The machine's memory is not what such a process may use: beyond the
    group's limit the kernel ends it."""
    try:
        with open(proc, encoding="ascii", errors="replace") as f:
            lines = f.read(65536).splitlines()
    except OSError:
        return None
    places = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3 or not parts[2].startswith("/"):
            continue
        if parts[0] == "0" and parts[1] == "":  # v2, mounted at the root or at root/unified
            places += [(os.path.join(root, sub), parts[2], "memory.max") for sub in ("", "unified")]
        elif "memory" in parts[1].split(","):
            places.append((os.path.join(root, "memory"), parts[2], "memory.limit_in_bytes"))
    least = None
    for base, path, name in places:
        parts = [p for p in path.split("/") if p and p not in (".", "..")]
        for depth in range(len(parts), -1, -1):  # the group, then each group above it
            try:
                with open(os.path.join(base, *parts[:depth], name), encoding="ascii") as f:
                    text = f.read(64).strip()
            except OSError:
                continue
            if text.isdigit() and 0 < int(text) < _NO_CGROUP_LIMIT:
                least = int(text) if least is None else min(least, int(text))
    return least


@functools.lru_cache(maxsize=1)
def physical_memory() -> int | None:
    """This machine's memory in bytes (``sysconf``; Windows' ``GlobalMemoryStatusEx``), or
    the memory limit of the control group it runs in where that is less (``cgroup_memory``:
    a container), or None where it cannot be read."""
    try:
        n = int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
        if n > 0:
            group = cgroup_memory()
            return min(n, group) if group is not None else n
    except (AttributeError, ValueError, OSError):
        pass
    try:  # Windows has no sysconf
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                        *((f, ctypes.c_ulonglong) for f in ("total", "avail", "page_total", "page_avail",
                                                            "virtual_total", "virtual_avail", "ext"))]

        status = _Status()
        status.dwLength = ctypes.sizeof(_Status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
            return int(status.total) or None
    except (AttributeError, OSError, ImportError):
        pass
    return None


def largest_limit() -> int:
    """The largest memory limit lstmviz takes: this machine's memory, rounded up to whole
    GiB (a "16 GB" laptop reports ~15.6 GiB; 16G is what its owner types). A limit is what
    lstmviz may allocate for one trace or file: beyond the memory there is, the machine
    swaps or the kernel ends the app, which the limit is there to prevent ("100T" was
    taken, and then any file could ask for it). Where the memory cannot be read: 1 TiB."""
    phys = physical_memory()
    if phys is None:
        return MAX_MEMORY_UNKNOWN
    return -(-phys // 1024 ** 3) * 1024 ** 3


def parse_size(text: str) -> int:
    """``"8G"``, ``"512 MB"``, ``"1.5g"``, ``"1000000"`` -> bytes, from ``MIN_MEMORY`` up to
    ``largest_limit()``; LstmvizError (one line saying what is taken) otherwise."""
    shown = repr(str(text)[:40])
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([a-zA-Z]*)\s*", str(text)[:40])
    unit = m.group(2).lower() if m else ""
    if not m or unit not in _UNITS:
        raise LstmvizError(f"memory limit {shown} is not a size such as 8G, 512M or 16GB")
    value = int(float(m.group(1)) * _UNITS[unit])
    if value < MIN_MEMORY:
        raise LstmvizError(f"memory limit {shown} is below 16M; lstmviz needs more")
    top = largest_limit()
    if value > top:
        where = ("this machine's memory" if physical_memory() is not None
                 else "lstmviz takes where it cannot read the machine's memory")
        raise LstmvizError(f"memory limit {shown} is more than {where}: give 16M up to {fmt_bytes(top)}")
    return value


#: A picture's least and largest side in pixels (``lstmviz.show``'s and ``lstmviz.picture``'s size, the CLI's
#: ``--size`` of a window, a screenshot and an export), before any scale
PICTURE_SIDES = (16, 8192)


def check_picture_size(w: int, h: int) -> tuple[int, int]:
    """``(w, h)`` where both sides are within ``PICTURE_SIDES``; LstmvizError otherwise
    (a 100000 x 100000 export would have asked for 40 GB of pixels)."""
    lo, hi = PICTURE_SIDES
    if not (lo <= w <= hi and lo <= h <= hi):
        raise LstmvizError(f"size {w} x {h}: give a width and a height between {lo} and {hi} pixels")
    return w, h


def check_picture_scale(w: int, h: int, scale: float) -> tuple[int, int]:
    """The pixels a picture of ``w`` x ``h`` at ``scale`` writes, where the scale is within
    0.1 to 8 and those pixels within ``PICTURE_SIDES``' largest side; LstmvizError
    otherwise. ``lstmviz.picture`` asks it of the size asked before it builds a window (it
    was asked only of the window's view, once built), every render of the view it draws."""
    scale = float(scale)
    if not (0.1 <= scale <= 8):
        raise LstmvizError(f"the scale must be between 0.1 and 8, not {scale:g}")
    pw, ph = max(1, round(w * scale)), max(1, round(h * scale))
    if max(pw, ph) > PICTURE_SIDES[1]:  # (the pixels written, not the size asked: 8192 at scale 8)
        raise LstmvizError(f"{w} x {h} at scale {scale:g} is {pw:,} x {ph:,} pixels; a picture has at "
                           f"most {PICTURE_SIDES[1]:,} a side: give a smaller size or scale")
    return pw, ph


def memory_limit() -> int:
    """The memory limit in bytes (``LSTMVIZ_MAX_MEMORY``, else 2 GiB or the machine's memory
    where that is less: a 1 GB container)."""
    text = os.environ.get(ENV)
    if not text:
        return min(DEFAULT_MEMORY, largest_limit())
    try:
        return parse_size(text)
    except LstmvizError as err:
        raise LstmvizError(f"{ENV}: {err}") from None


#: The share of the memory limit one full trace may take (the rest: the model, the input,
#: the app, the windows recomputed from keyframes).
TRACE_SHARE = 0.5


def trace_budget() -> int:
    """Bytes one full trace may hold: ``TRACE_SHARE`` of the memory limit (1 GiB by default)."""
    return int(memory_limit() * TRACE_SHARE)


#: The share of the memory limit a training run's snapshots (``TrainingSession.snapshots``:
#: a copy of the weights every "Snapshot every" updates) may take together: beyond it the
#: older ones are thinned (every 2nd, then every 4th, ...), so a long run of a large model
#: snapshotted every update keeps a quarter of the limit (512 MiB by default), not gigabytes.
SNAPSHOT_SHARE = 0.25


def snapshot_budget() -> int:
    """Bytes a training run's snapshots may hold together: ``SNAPSHOT_SHARE`` of the memory
    limit (512 MiB by default)."""
    return int(memory_limit() * SNAPSHOT_SHARE)


def blas_threads(env, n: int = 1, *, override: bool = False) -> None:
    """Set the thread counts of the BLAS libraries NumPy may load (OpenBLAS, OpenMP, MKL)
    in ``env`` (``os.environ`` or a child's environment) to ``n``; without ``override``,
    a count already given there stays. They are read when NumPy starts its BLAS, and
    OpenBLAS reserves buffers per thread, which count against the memory limit."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if override:
            env[var] = str(n)
        else:
            env.setdefault(var, str(n))


def set_memory_limit(text: str) -> int:
    """Set the limit for this process and the reader processes it starts (``--max-memory``)."""
    value = parse_size(text)
    os.environ[ENV] = str(value)
    return value


def fmt_bytes(n: float) -> str:
    """``n`` bytes as every message says them, in binary units: "512 bytes", "62 KiB", "1.5 MiB",
    "2 GiB" (1 MiB = 1024 ** 2 bytes: the units the memory limit takes, ``parse_size``; said
    "MB" they were 5% short of what they counted, 7% at GiB)."""
    n = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            if unit == "bytes":
                return f"{n:.0f} bytes"
            return f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return f"{n:.0f} TiB"  # pragma: no cover


def excess(nbytes: float, what: str, limit: int | None = None) -> str | None:
    """None when ``nbytes`` fits; else the sentence saying ``what`` needs more than allowed
    (without the hint: callers add ``HINT`` in their own form)."""
    limit = memory_limit() if limit is None else limit
    if nbytes <= limit:
        return None
    return f"{what} would need {fmt_bytes(nbytes)}, over the memory limit of {fmt_bytes(limit)}"


def check(nbytes: float, what: str, limit: int | None = None) -> None:
    """Raise LstmvizError (with how to raise the limit) when ``nbytes`` does not fit."""
    msg = excess(nbytes, what, limit)
    if msg:
        raise LstmvizError(f"{msg}; {HINT}")


def nbytes_of(shape, itemsize: int) -> int:
    """Bytes of an array of ``shape`` (Python ints: no overflow, whatever a file declares)."""
    n = int(itemsize)
    for d in shape:
        n *= max(int(d), 0)
    return n


#: the most dimensions a NumPy array has, and elements (its non-zero dimensions' product)
MAX_DIMS = 64
MAX_ELEMENTS = 2 ** 63 - 1


def shape_fault(shape) -> str | None:
    """Why a shape a file declares is no array's (None: an array may have it), in words
    that follow "its shape": more dimensions than NumPy's, or non-zero dimensions whose
    product passes 2**63 - 1. An empty array of (0, 10**30) passes every size check (it
    holds no bytes), then NumPy's reshape or zeros raised ValueError ("Maximum allowed
    dimension exceeded"), which readers said as "the file is truncated or corrupt"."""
    if len(shape) > MAX_DIMS:
        return f"has {len(shape):,} dimensions, a NumPy array at most {MAX_DIMS}"
    if nbytes_of([d for d in shape if d], 1) > MAX_ELEMENTS:
        return "is larger than any array can be (its dimensions multiply to 2**63 or more)"
    return None


class MemoryBudget:
    """A running total of bytes taken out of one file, checked before each allocation."""

    def __init__(self, what: str = "the arrays in the file", limit: int | None = None):
        self.what = what
        self.limit = memory_limit() if limit is None else limit
        self.used = 0

    def excess(self, nbytes: int) -> str | None:
        """None if ``nbytes`` more fit (and takes them), else the sentence why not."""
        total = self.used + int(nbytes)
        msg = excess(total, self.what, self.limit)
        if msg is None:
            self.used = total
        return msg

    def take(self, nbytes: int) -> None:
        msg = self.excess(nbytes)
        if msg:
            raise LstmvizError(f"{msg}; {HINT}")


#: The most nodes and inputs an ONNX graph may hold (``io.onnx_model``): with them, the most
#: layers a model read from any file may have (a Keras model's are fewer: ``io._util.MAX_LAYERS``).
#: A session keeps such a model whole, so it reads back as many (``app.session``)
MAX_GRAPH_NODES = 20_000
MAX_GRAPH_INPUTS = 5_000
MAX_MODEL_LAYERS = MAX_GRAPH_NODES + MAX_GRAPH_INPUTS

#: The most members a zip lstmviz opens may declare (a .keras holds 3, a torch zip one a
#: tensor, a session one an array): Python's zipfile keeps ~2 KB a member of its directory,
#: so 60,000 empty members (a 6 MB file) took 135 MB and a 100 MB file of them ~2 GB,
#: before a member was read
MAX_ZIP_MEMBERS = 20_000


#: The zip records ``zip_member_excess`` reads (APPNOTE.TXT 4.3.16, 4.3.15, 4.3.14, 4.3.12):
#: the end of central directory record, zip64's locator of its own end record, that record,
#: and the start of a member's header in the central directory (the sizes of its name,
#: extra field and comment at byte 28)
_END = struct.Struct("<4s4H2LH")
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_DIR_ENTRY = 46
_DIR_LENGTHS = struct.Struct("<3H")


def _zip_directory(fh) -> tuple[int, int, int] | None:
    """(members declared, where the central directory starts, its size) as Python's
    zipfile finds them: the end record in the last 22 bytes, else the last signature in
    the last 64 KB (a comment follows it), zip64's record before it where its locator is
    there, and the directory just before those. None where zipfile finds no record, or
    the archive spans disks (zipfile refuses both in its own words)."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    if size < _END.size:
        return None
    fh.seek(size - _END.size)
    record = fh.read(_END.size)
    at = size - _END.size
    if not (record[:4] == b"PK\x05\x06" and record[-2:] == b"\0\0"):
        start = max(size - (1 << 16) - _END.size, 0)
        fh.seek(start)
        tail = fh.read()
        found = tail.rfind(b"PK\x05\x06")
        if found < 0 or len(tail) - found < _END.size:
            return None
        record, at = tail[found:found + _END.size], start + found
    fields = _END.unpack(record)
    count, dir_size, dir_end = fields[4], fields[5], at
    if at >= _END64_LOCATOR.size:
        fh.seek(at - _END64_LOCATOR.size)
        locator = fh.read(_END64_LOCATOR.size)
        if len(locator) == _END64_LOCATOR.size and locator[:4] == b"PK\x06\x07":
            _sig, disk, _offset, disks = _END64_LOCATOR.unpack(locator)
            if disk != 0 or disks > 1:
                return None
            end64 = at - _END64_LOCATOR.size - _END64.size
            if end64 >= 0:
                fh.seek(end64)
                record64 = fh.read(_END64.size)
                if len(record64) == _END64.size and record64[:4] == b"PK\x06\x06":
                    fields64 = _END64.unpack(record64)
                    count, dir_size, dir_end = fields64[7], fields64[8], end64
    return count, dir_end - dir_size, dir_size


def _zip_listed_members(fh, start: int, dir_size: int, most: int) -> int:
    """How many members zipfile would read from the directory (``dir_size`` bytes at
    ``start``), counted up to ``most + 1``: it reads headers until their sizes add up to
    ``dir_size``, whatever the end record declares. Each header's 46 bytes are read, its
    name, extra field and comment skipped."""
    if start < 0:
        return 0
    fh.seek(start)
    listed = done = 0
    while done < dir_size and listed <= most:
        head = fh.read(_DIR_ENTRY)
        if len(head) < _DIR_ENTRY or head[:4] != b"PK\x01\x02":
            break  # (zipfile stops here too: a truncated or damaged directory)
        more = sum(_DIR_LENGTHS.unpack_from(head, 28))
        fh.seek(more, os.SEEK_CUR)
        done += _DIR_ENTRY + more
        listed += 1
    return listed


def zip_member_excess(fh) -> str | None:
    """Why a zip (``fh``: an open binary file) is refused before zipfile reads its
    directory: it declares more than ``MAX_ZIP_MEMBERS`` members (its end record's count,
    zip64's too), or its directory lists more, whatever it declares (each header's fixed
    part read, up to one more than the limit); None otherwise (or where no end record is
    found: zipfile then says so). Read with ``struct``, not zipfile's private reader of the
    record (a check that vanished with it would let every such zip through without a word)."""
    try:
        found = _zip_directory(fh)
        if found is None:
            return None
        count, start, dir_size = found
        listed = 0 if count > MAX_ZIP_MEMBERS else _zip_listed_members(fh, start, dir_size, MAX_ZIP_MEMBERS)
    except (OSError, ValueError, struct.error):  # (a read failing: zipfile then says it, as ever)
        return None
    finally:
        fh.seek(0)
    if count > MAX_ZIP_MEMBERS:
        return f"the zip archive declares {count:,} members, more than the {MAX_ZIP_MEMBERS:,} lstmviz opens"
    if listed > MAX_ZIP_MEMBERS:
        return (f"the zip archive's directory lists more than {MAX_ZIP_MEMBERS:,} members (its end "
                f"record declares {count:,}), more than lstmviz opens")
    return None


def inflates_too_much(compressed: int, size: int, floor: int = RATIO_FLOOR) -> bool:
    """``size`` bytes stored in ``compressed`` are a zip bomb's: more than ``floor`` and
    more than ``MAX_INFLATE_RATIO`` times what is stored (one member, or several together)."""
    return size > floor and size > MAX_INFLATE_RATIO * max(int(compressed), 1)


class Inflation:
    """The members of one zip archive read so far, together: the bytes they inflate to (each
    read counted: a member named by many layers is held as many times) and those the archive
    stores for them (each member once); too much together is a zip bomb's as one member's is
    (``inflates_too_much``): many members each under the one-member check, or one named many
    times. A session's arrays, a PyTorch zip's members; an HDF5 file's datasets
    (``io/_util.as_array``: the bytes each declares, those the file stores, by its object)."""

    def __init__(self) -> None:
        self.stored = 0
        self.inflated = 0
        self._seen: set[Hashable] = set()

    def add(self, info) -> bool:
        """Count zip member ``info`` (a ``zipfile.ZipInfo``) read once more; whether the
        members read so far inflate too much."""
        return self.count(info.filename, info.file_size, info.compress_size)

    def count(self, key: Hashable, inflated: int, stored: int) -> bool:
        """Count a read of ``inflated`` bytes of the thing ``key`` names, which the file
        stores in ``stored`` bytes (counted once a key); whether the reads so far inflate
        too much."""
        self.inflated += inflated
        if key not in self._seen:
            self._seen.add(key)
            self.stored += stored
        return inflates_too_much(self.stored, self.inflated)

    def words(self) -> str:
        """How much they inflate, for a refusal: "from 62 KiB to 128 MiB (more than 200 times"."""
        return (f"from {fmt_bytes(self.stored)} to {fmt_bytes(self.inflated)} (more than "
                f"{MAX_INFLATE_RATIO} times")


def inflate_excess(name: str, compressed: int, size: int, floor: int = RATIO_FLOOR,
                   what: str = "a saved array") -> str | None:
    """None for a plausible zip member, else why it is refused (a zip bomb). ``floor``:
    the size below which any ratio is taken (``SMALL_RATIO_FLOOR`` for JSON text and
    pickles: parsed, they take many times their size)."""
    if inflates_too_much(compressed, size, floor):
        return (f"'{name}' would inflate from {fmt_bytes(compressed)} to {fmt_bytes(size)} "
                f"(more than {MAX_INFLATE_RATIO} times): a zip bomb, not {what}")
    return None


def member_excess(name: str, compressed: int, size: int) -> str | None:
    """``inflate_excess`` of a member of a ``.keras`` or session archive: JSON text (its
    config, its manifest) by ``SMALL_RATIO_FLOOR``, an array by ``RATIO_FLOOR``."""
    if name.endswith(".json"):
        return inflate_excess(name, compressed, size, SMALL_RATIO_FLOOR, "JSON text")
    return inflate_excess(name, compressed, size)


def step_limit() -> int:
    """Recurrent steps (summed over layers and directions) one trace may run."""
    return memory_limit() // BYTES_PER_STEP


def csv_cell_limit() -> int:
    """Numbers one row of a CSV input may hold."""
    return memory_limit() // BYTES_PER_CSV_CELL


def csv_number_limit() -> int:
    """Numbers one CSV input may hold (its rows together)."""
    return memory_limit() // BYTES_PER_CSV_NUMBER


def check_input_shape(shape, what: str = "the input") -> None:
    """Refuse an input of ``shape`` (batch, timesteps, ...) before reading or generating it:
    its float32 copy must fit the memory limit and its timesteps the step limit."""
    shape = [int(d) for d in shape]
    check(nbytes_of(shape, 4), f"{what} of shape ({', '.join(map(str, shape))})")
    steps = shape[1] if len(shape) > 1 else shape[0] if shape else 1
    if steps > step_limit():
        raise LstmvizError(f"{what} has {steps:,} timesteps, over the limit of {step_limit():,} "
                           f"(it grows with the memory limit of {fmt_bytes(memory_limit())}); "
                           f"use a shorter input, or {HINT}")
