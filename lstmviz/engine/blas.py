"""The threads of NumPy's BLAS (the OpenBLAS NumPy's wheels bundle), read and set by ctypes.

When the engine steps independent batch blocks (or a Bidirectional's two directions) on
its own threads, each matrix product should run on the thread that called it: OpenBLAS
spreading each small product over every core as well would only make the threads wait
for each other. ``single_threaded()`` sets one BLAS thread while such work runs and puts
the previous count back after the last of them (nested uses are counted). Without an
OpenBLAS found (another BLAS), everything here does nothing.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np

_found = None
_corename = None  # OpenBLAS's openblas_get_corename, where it has one
_lock = threading.Lock()
_depth = 0
_saved = None


def _openblas():
    """(get, set) of the OpenBLAS library in numpy.libs, or (None, None)."""
    global _found, _corename
    if _found is None:
        _found = (None, None)
        libdir = Path(np.__file__).resolve().parent.parent / "numpy.libs"
        for path in sorted(glob.glob(str(libdir / "*openblas*.so*"))):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for suffix in ("64_", "_64_", ""):
                for prefix in ("scipy_openblas", "openblas"):
                    get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                    put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                    if get is not None and put is not None:
                        get.restype = ctypes.c_int
                        _found = (get, put)
                        _corename = getattr(lib, f"{prefix}_get_corename{suffix}", None)
                        if _corename is not None:
                            _corename.restype = ctypes.c_char_p
                        return _found
    return _found


def kernels() -> str:
    """The kernels OpenBLAS runs ("Haswell", "SkylakeX", ...), and whether the environment
    chose them (``OPENBLAS_CORETYPE``: a machine that sets an older core than its CPU has,
    as the machine this project is measured on sets Haswell on a CPU with AVX-512, runs NumPy's products up
    to 2x slower), for the benchmarks' first lines."""
    _openblas()
    name = _corename().decode(errors="replace") if _corename is not None else "unknown"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if forced:
        return (f"{name} (OPENBLAS_CORETYPE={forced} in the environment; "
                "`env -u OPENBLAS_CORETYPE` lets OpenBLAS choose for this CPU)")
    return f"{name} (OpenBLAS's own choice for this CPU)"


def threads() -> int | None:
    """OpenBLAS's thread count, or None when no OpenBLAS was found."""
    get, _ = _openblas()
    return int(get()) if get else None


def set_threads(n: int) -> None:
    _, put = _openblas()
    if put:
        put(ctypes.c_int(int(n)))


@contextmanager
def single_threaded():
    """One BLAS thread inside (counted: the count comes back after the outermost use)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = threads()
            if _saved not in (None, 1):
                set_threads(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved not in (None, 1):
                set_threads(_saved)
