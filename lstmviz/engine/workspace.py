"""Memory for the large arrays of a trace, recycled once no array uses it any more.

A trace of a big layer records tens of megabytes. Fresh memory from the system costs a
page fault per page on first write, which measured about a fifth of a whole trace
(batch 32, 200 steps, 256 units: ~10 of ~50 ms). Re-tracing is what the app does on
every edit and the benchmark does in a loop, so large arrays are cut from blocks this
module keeps: a block is handed out again once every array cut from it is gone (NumPy
views keep their block as ``base``, so the block's reference count says when). Arrays
below ``MIN_BYTES`` come from ``np.empty`` as usual. At most ``CAPACITY`` bytes of
blocks are kept; ``release()`` lets go of every block no array uses.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

MIN_BYTES = 1 << 20
CAPACITY = 256 << 20

_lock = threading.Lock()
_blocks: list[np.ndarray] = []  # oldest first


def _free(i: int) -> bool:
    """True when only the pool refers to block ``i`` (its list slot, plus the argument)."""
    return sys.getrefcount(_blocks[i]) == 2


def empty(shape, dtype=np.float32) -> np.ndarray:
    """Like ``np.empty(shape, dtype)``: contents undefined, C-contiguous."""
    dtype = np.dtype(dtype)
    shape = tuple(int(s) for s in (shape if isinstance(shape, tuple) else (shape,)))
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes < MIN_BYTES:
        return np.empty(shape, dtype)
    with _lock:
        found = next((i for i in range(len(_blocks))
                      if nbytes <= _blocks[i].nbytes <= 2 * nbytes and _free(i)), None)
        _blocks.append(np.empty(nbytes, np.uint8) if found is None else _blocks.pop(found))
        _trim(CAPACITY)
        return _blocks[-1][:nbytes].view(dtype).reshape(shape)


def _trim(capacity: int) -> None:
    """Drops free blocks, oldest first, then the oldest blocks in use, down to ``capacity``
    (a block in use that leaves the pool lives on until its arrays are gone)."""
    total = sum(b.nbytes for b in _blocks)
    i = 0
    while total > capacity and i < len(_blocks) - 1:
        if _free(i):
            total -= _blocks.pop(i).nbytes
        else:
            i += 1
    while total > capacity and len(_blocks) > 1:
        total -= _blocks.pop(0).nbytes


def release() -> int:
    """Lets go of every block no array uses; returns how many bytes that was."""
    with _lock:
        before = sum(b.nbytes for b in _blocks)
        for i in reversed(range(len(_blocks))):
            if _free(i):
                del _blocks[i]
        return before - sum(b.nbytes for b in _blocks)


def held() -> tuple[int, int]:
    """(bytes in blocks some array uses, bytes in blocks kept only for reuse)."""
    with _lock:
        free = sum(_blocks[i].nbytes for i in range(len(_blocks)) if _free(i))
        return sum(b.nbytes for b in _blocks) - free, free
