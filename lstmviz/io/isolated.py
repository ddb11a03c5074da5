"""The file readers, run in a child process so that a damaged HDF5 file cannot hang or
crash the caller.

libhdf5 (under h5py) can loop forever or segfault on a mutated file, inside calls that no
Python code can guard. ``formats.read_model_file_isolated`` / ``read_weights_file_isolated`` run
``read_model_file`` / ``read_weights_file`` in ``python -m lstmviz.io._child`` with a time
limit and (on Linux/macOS) a memory limit, and turn a hang or a crash into a
``LstmvizError``. The child sends its result back as a pickle of our own dataclasses and
NumPy arrays on its stdout (never anything from the file itself); the parent unpickles
it with an unpickler that only knows ``lstmviz.engine.spec`` and NumPy's array
reconstruction, so even a compromised child cannot make the parent run code.

Which files go to a child is the registry's ``Format.isolated`` (``lstmviz.io.formats``:
HDF5 files and Keras 3 zips, which hold an HDF5 member); ``formats.read_model``/
``read_weights`` call ``run_isolated`` for them and read every other file in-process.
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
from typing import Any

from ..errors import LstmvizError
from ..text import system_reason
from ._util import model_bytes

__all__ = ["run_isolated",
           "child_command", "DEFAULT_TIMEOUT"]

#: Seconds a child may take to read a small file; larger files get more
#: (``_timeout_for``: plus one second per 50 MB, so 4 GB of weights get about two minutes).
DEFAULT_TIMEOUT = 30.0
_BYTES_PER_SECOND = 50 * 1024 ** 2
#: Address-space cap of the child: at least this, more for large files (see ``_memory_limit``).
MIN_MEMORY_BYTES = 4 * 1024 ** 3

_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def child_command(kind: str, path: str, memory_limit: int) -> list[str]:
    """The command that reads ``path`` in a child (tests replace it to simulate hangs)."""
    return [sys.executable, "-m", "lstmviz.io._child", kind, path, str(memory_limit)]


def _timeout_for(path: Any) -> float:
    size = model_bytes(path)
    return DEFAULT_TIMEOUT + size / _BYTES_PER_SECOND


def _memory_limit(path: Any) -> int:
    """Room for the interpreter plus a few copies of the file's arrays (read, pickled).

    The arrays read are bounded by the memory limit (``lstmviz.limits``) before they are
    allocated; this address-space cap is the backstop for what libhdf5 does on its own."""
    from ..limits import memory_limit

    size = model_bytes(path)
    return max(MIN_MEMORY_BYTES, 2 * 1024 ** 3 + 4 * size,
               min(2 * memory_limit(), 2 * 1024 ** 3 + 8 * size) + 1024 ** 3)


_ALLOWED = {
    ("lstmviz.engine.spec", "ModelSpec"), ("lstmviz.engine.spec", "LayerSpec"),
    ("lstmviz.engine.spec", "TensorRef"),
    ("lstmviz.engine.compiled", "SavedState"),  # (a compiled model's optimizer state: arrays and numbers)
    ("numpy", "dtype"), ("numpy", "ndarray"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "scalar"),
}


class _ResultUnpickler(pickle.Unpickler):
    """Unpickles only what our child sends: spec dataclasses, arrays and plain data."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a reader result")


def _run(kind: str, path: Any, timeout: float | None) -> Any:
    name = os.path.basename(str(path))
    if timeout is None:
        timeout = _timeout_for(path)
    target = os.path.abspath(os.fspath(path))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    # the child does no linear algebra: one BLAS thread starts faster and reserves far less
    # address space (OpenBLAS maps buffers per core, which counts against the memory limit)
    from ..limits import blas_threads

    blas_threads(env, 1, override=True)
    try:
        proc = subprocess.run(child_command(kind, target, _memory_limit(path)),
                              capture_output=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL, cwd=_PACKAGE_ROOT)
    except subprocess.TimeoutExpired:
        secs = f"{timeout:.0f}" if timeout >= 1 else f"{timeout:g}"
        raise LstmvizError(f"{name}: reading the file took longer than {secs} s; the file is "
                           "probably damaged") from None
    except OSError as exc:
        # (the system's words only: str(exc) adds the errno and the interpreter's path)
        raise LstmvizError(f"{name}: cannot start the reader process{system_reason(exc)}") from exc
    if proc.returncode < 0 or (os.name == "nt" and proc.returncode >= 0xC0000000):
        raise LstmvizError(f"{name}: the HDF5 library crashed reading this file; it is "
                           "damaged or not a Keras file")
    try:
        status, value = _ResultUnpickler(io.BytesIO(proc.stdout)).load()
    except Exception:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        tail = f": {detail[-1][:200]}" if detail else ""
        raise LstmvizError(f"{name}: the reader process failed (exit code "
                           f"{proc.returncode}{tail})") from None
    if status != "ok":
        raise LstmvizError(str(value).replace("\n", " "))
    if not _expected_shape(kind, value):
        raise LstmvizError(f"{name}: the reader process returned something unexpected")
    return value


def _expected_shape(kind: str, value: Any) -> bool:
    from ..engine.spec import ModelSpec

    if kind == "model":
        return isinstance(value, ModelSpec)
    if kind == "format":
        return isinstance(value, str)
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], list)
            and (value[1] is None or isinstance(value[1], dict)))


def run_isolated(kind: str, path: Any, timeout: float | None = None) -> Any:
    """Read ``path`` in a child: ``kind`` ``"model"`` gives a ``ModelSpec``, ``"weights"``
    gives ``(entries, keras3 vars or None)`` (``formats.read_model``/``read_weights``),
    ``"format"`` the key of the file's format (``formats.sniff_contents``).

    ``timeout`` in seconds; None: ``DEFAULT_TIMEOUT`` plus a second per 50 MB of file."""
    value = _run(kind, path, timeout)
    if kind == "model":
        value.source["path"] = str(path)
    return value
