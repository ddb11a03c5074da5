"""The child process of ``lstmviz.io.isolated``: read one file, print the result pickled.

    python -m lstmviz.io._child KIND PATH [MEMORY_LIMIT_BYTES]

KIND is ``model`` (``formats.read_model``), ``weights`` (``formats.read_weights``) or
``format`` (``formats.sniff_contents``: the key of the format an HDF5 root says), all
read here in-process.
The child writes exactly one pickle to stdout: ``("ok", result)`` or ``("error", message)``
(a LstmvizError's message). Anything else the process prints (HDF5 diagnostics) goes to
stderr. It exits with ``os._exit`` so that no HDF5 clean-up runs on a damaged file.
"""

from __future__ import annotations

import os
import pickle
import sys


def _limit_memory(limit: int) -> None:
    """Cap the address space (Linux/macOS), so a damaged file cannot exhaust the machine."""
    try:
        import resource
    except ImportError:  # Windows
        return
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError, AttributeError):
        pass


def _read(kind: str, path: str) -> tuple[str, object]:
    from ..errors import LstmvizError
    from .formats import read_model, read_weights

    name = os.path.basename(path)
    try:
        if kind == "model":
            return "ok", read_model(path, isolate=False)
        if kind == "weights":
            return "ok", read_weights(path, isolate=False)
        if kind == "format":
            from .formats import sniff_contents

            return "ok", sniff_contents(path, isolate=False).key
        return "error", f"{name}: unknown request {kind!r}"
    except LstmvizError as exc:
        return "error", str(exc)
    except MemoryError:
        return "error", f"{name}: reading the file needs more memory than is allowed"
    except BaseException:  # the readers catch everything; this is the last guard
        from .formats import supported

        return "error", f"{name}: cannot read the file, which may be truncated or damaged; {supported()}"


def main(argv: list[str]) -> None:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # C-level prints from libhdf5 must not corrupt the pickle on stdout
    sys.stdout = sys.stderr
    if len(argv) < 2:
        result: tuple[str, object] = ("error", "usage: python -m lstmviz.io._child KIND PATH")
    else:
        if len(argv) > 2:
            _limit_memory(int(argv[2]))
        from . import _util

        _util.tight_attributes = True
        result = _read(argv[0], argv[1])
    try:
        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        blob = pickle.dumps(("error", f"{os.path.basename(argv[1])}: reading the file needs "
                                      "more memory than is allowed"))
    out.write(blob)
    out.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
