"""No module imports another package's private modules or names (``lstmviz.io._readers``
or ``lstmviz.io._ensure_input_layer`` from ``lstmviz.ui``, say): a package's public face is
what has no leading underscore, so its insides can change without breaking the others.
Inside one package (``lstmviz.io``, ``lstmviz.ui`` ...) private modules are shared freely.

Imports are read with ``ast`` by ``test_architecture.imports_of`` (relative imports
resolved, imports inside functions included).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_architecture import PKG, ROOT, imports_of, module_name


def _private_part(name: str) -> int | None:
    """Index of the first private component of a dotted lstmviz module name (``_x``, not
    ``__init__``/``__main__``), or None."""
    parts = name.split(".")
    if parts[0] != "lstmviz":
        return None
    for i, p in enumerate(parts):
        if p.startswith("_") and not (p.startswith("__") and p.endswith("__")):
            return i
    return None


def _package(name: str) -> str:
    """The part of lstmviz a module belongs to: ``lstmviz.io``, ``lstmviz.ui`` ... (a
    top-level module such as ``lstmviz.cli`` is a part of its own)."""
    return ".".join(name.split(".")[:2])


def violations(path: Path) -> list[tuple[int, str]]:
    """(line, name) of each import of a private module or name of another package."""
    mine = _package(module_name(path))
    return [(line, name) for line, name in imports_of(path)
            if _private_part(name) is not None and _package(name) != mine]


def _all_files() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


@pytest.mark.parametrize("path", _all_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_imports_of_another_packages_private_modules(path):
    bad = violations(path)
    assert not bad, f"{path.relative_to(ROOT)} imports private modules of other packages: {bad}"


def test_the_check_sees_a_private_import(monkeypatch):
    probe = PKG / "ui" / "_probe_does_not_exist.py"
    src = "from lstmviz.io._readers import h5_get\nfrom ..io import formats\nfrom . import _x\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: src)
    assert [n for _, n in violations(probe)] == ["lstmviz.io._readers", "lstmviz.io._readers.h5_get"]
