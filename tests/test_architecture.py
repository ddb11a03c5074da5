"""The dependency rules of ARCHITECTURE.md: only ``lstmviz/ui`` touches Qt.

``lstmviz/engine``, ``lstmviz/io`` and ``lstmviz/app`` (and ``import lstmviz`` itself, and
the CLI's module) import NumPy / h5py / the standard library only; dependencies point
``ui -> app -> engine`` and ``io -> engine``. Checked twice: statically, by walking every
source file's imports with ``ast`` (including imports inside functions), and dynamically,
by importing every module in a fresh interpreter and looking at ``sys.modules``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "lstmviz"
QT = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "pyqtgraph", "qtpy",
      "matplotlib")
HEADLESS = ("engine", "io", "app")
#: package -> lstmviz packages it must not import
FORBIDDEN_INTERNAL = {
    "engine": ("lstmviz.io", "lstmviz.app", "lstmviz.ui", "lstmviz.cli"),
    "io": ("lstmviz.app", "lstmviz.ui", "lstmviz.cli"),
    "app": ("lstmviz.ui", "lstmviz.cli"),
}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(name: str) -> bool:
    """Whether ``name`` (``lstmviz.x.y``) is a module or package of lstmviz."""
    if not name.startswith("lstmviz."):
        return False
    base = PKG.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path, modules_only: bool = False) -> list[tuple[int, str]]:
    """(line, absolute name) of every import in the file, relative ones resolved: for
    ``from a import b`` both ``a`` and ``a.b``, or with ``modules_only`` the module it loads
    (``a.b`` when that is a module, else ``a``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    mod = module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if modules_only:  # ``from a import b``: the module a.b if it is one, else a
                for a in node.names:
                    sub = f"{target}.{a.name}"
                    found.append((node.lineno, sub if _is_module(sub) else target))
            else:
                found.append((node.lineno, target))
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", ""))
              in ("import_module", "__import__") and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def headless_files() -> list[Path]:
    files = [PKG / "__init__.py", PKG / "errors.py"]
    for sub in HEADLESS:
        files += sorted((PKG / sub).rglob("*.py"))
    return [f for f in files if f.exists()]


def _is(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_headless_packages_exist():
    for sub in HEADLESS:
        assert (PKG / sub / "__init__.py").is_file(), f"lstmviz/{sub} is missing"


@pytest.mark.parametrize("path", headless_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_qt_imports_in_source(path):
    bad = [(line, name) for line, name in imports_of(path) if any(_is(name, q) for q in QT)]
    assert not bad, f"{path.relative_to(ROOT)} imports Qt: {bad}"


@pytest.mark.parametrize("path", headless_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_dependencies_point_one_way(path):
    rel = path.relative_to(PKG).parts
    sub = rel[0] if len(rel) > 1 else None
    forbidden = FORBIDDEN_INTERNAL.get(sub, ())
    allowed: tuple = ()
    if sub is None:  # lstmviz/__init__.py and errors.py: only engine and io, lazily
        forbidden = ("lstmviz.ui", "lstmviz.app", "lstmviz.cli")
        if rel == ("__init__.py",):
            # lstmviz.show() opens the window and lstmviz.picture() draws a view: their
            # bodies import the one UI entry point (importing lstmviz loads no Qt:
            # test_importing_headless_packages_loads_no_qt)
            allowed = ("lstmviz.ui.notebook", "lstmviz.ui.notebook.show", "lstmviz.ui.notebook.picture")
    bad = [(line, name) for line, name in imports_of(path)
           if any(_is(name, f) for f in forbidden) and name not in allowed]
    assert not bad, f"{path.relative_to(ROOT)} imports against the architecture: {bad}"


def names_in_strings(path: Path, forbidden: tuple) -> list[tuple[int, str]]:
    """(line, text) of every string constant in the file that names a forbidden package
    (``"lstmviz.app.session:read"``: an import in disguise, such as a registry's reader)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and any(_is(node.value.split(":")[0].strip(), f) for f in forbidden)]


@pytest.mark.parametrize("sub", sorted(FORBIDDEN_INTERNAL))
def test_no_string_names_a_package_above(sub):
    bad = {str(p.relative_to(ROOT)): found for p in sorted((PKG / sub).rglob("*.py"))
           if (found := names_in_strings(p, FORBIDDEN_INTERNAL[sub]))}
    assert not bad, f"strings naming a package {sub} must not depend on: {bad}"


def test_the_string_rule_itself(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('R = "lstmviz.app.session:read_model_spec"\nS = "lstmviz.io:read"\nT = "see lstmviz.app"\n')
    assert names_in_strings(probe, FORBIDDEN_INTERNAL["io"]) == [(1, "lstmviz.app.session:read_model_spec")]


def test_import_walker_sees_relative_and_nested_imports(tmp_path, monkeypatch):
    """The walker itself: relative imports resolve, imports inside functions count, and
    ``from a import b`` is the module ``a.b`` when there is one, else ``a``."""
    fake = PKG / "engine" / "_probe_does_not_exist.py"
    src = ("from ..ui import views\nfrom ..ui import no_such_name\ndef f():\n"
           "    import PySide6.QtCore\n    from . import layers\n")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: src)
    names = [n for _, n in imports_of(fake)]
    assert "lstmviz.ui" in names and "lstmviz.ui.views" in names
    modules = [n for _, n in imports_of(fake, modules_only=True)]
    assert modules.count("lstmviz.ui") == 1 and "lstmviz.ui.views" in modules
    assert "PySide6.QtCore" in names and "lstmviz.engine.layers" in names


PROBE = r"""
import importlib, json, pkgutil, sys
import lstmviz, lstmviz.cli
mods = ["lstmviz", "lstmviz.errors", "lstmviz.cli"]
failed = {}
for sub in SUBS:
    pkg = importlib.import_module("lstmviz." + sub)
    mods.append(pkg.__name__)
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        try:
            importlib.import_module(info.name)
            mods.append(info.name)
        except Exception as err:
            failed[info.name] = f"{type(err).__name__}: {err}"
qt = sorted(m for m in sys.modules if m.split(".")[0] in QT)
print(json.dumps({"mods": mods, "qt": qt, "failed": failed}))
"""


@pytest.mark.parametrize("sub", HEADLESS)
def test_importing_headless_packages_loads_no_qt(sub):
    code = f"SUBS = {[sub]!r}\nQT = {list(QT)!r}\n" + PROBE
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout.strip().splitlines()[-1])
    assert not report["failed"], report["failed"]
    assert report["qt"] == [], f"importing lstmviz.{sub} ({len(report['mods'])} modules) loaded {report['qt']}"


def test_cli_summary_runs_without_qt(tmp_path):
    """``lstmviz summary`` on the built-in demo never loads Qt (a headless server can use it)."""
    code = ("import sys, lstmviz.cli as c\n"
            "c.demo_model().summary()\n"
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {list(QT)!r})\n"
            "print('QT', bad)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "QT []"


# -- no import cycles, no other package's private modules ---------------------------------
def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PKG.rglob("*.py")}


def import_graph(mods: dict[str, Path]) -> dict[str, dict[str, int]]:
    """module -> {lstmviz module it imports: line}, imports inside functions included
    (``from a import b`` counts as importing ``a.b`` when that is a module, else ``a``)."""
    graph = {}
    for mod, path in mods.items():
        edges: dict[str, int] = {}
        for line, name in imports_of(path, modules_only=True):
            if name in mods and name != mod:
                edges.setdefault(name, line)
        graph[mod] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(graph.get(w, ()))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_no_import_cycles():
    graph = import_graph(package_modules())
    found = cycles(graph)
    detail = [[f"{m} -> {n} (line {graph[m][n]})" for m in comp for n in graph[m] if n in comp]
              for comp in found]
    assert not found, f"import cycles (imports inside functions count): {detail}"


def test_the_cycle_finder_finds_cycles_through_function_level_imports():
    graph = {"a": {"b": 1}, "b": {"c": 3}, "c": {"a": 9}, "d": {"a": 2}, "e": {}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []


def private_imports(mod: str, path: Path) -> list[tuple[int, str]]:
    """Imports of a ``_private`` module (or a private name) of another lstmviz package:
    ``lstmviz.io._graph`` is io's own; ``lstmviz.ui.export._settle`` is the ui package's."""
    bad = []
    for line, name in imports_of(path):
        parts = name.split(".")
        if parts[0] != "lstmviz":
            continue
        for k, part in enumerate(parts):
            if part.startswith("_") and not part.startswith("__"):
                owner = ".".join(parts[:k])
                if (ROOT / Path(*parts[:k])).with_suffix(".py").is_file():
                    owner = owner.rpartition(".")[0]  # a module's private name: its package's
                if not _is(mod, owner) and not any(l == line and _is(name, b) for l, b in bad):
                    bad.append((line, name))
                break
    return bad


@pytest.mark.parametrize("mod", sorted(package_modules()))
def test_no_imports_of_another_packages_private_modules(mod):
    path = package_modules()[mod]
    bad = private_imports(mod, path)
    assert not bad, f"{path.relative_to(ROOT)} imports private parts of another package: {bad}"


def test_private_import_rule_itself(monkeypatch):
    src = ("from lstmviz.io._graph import parse_model\nfrom lstmviz.io import _ensure\n"
           "from lstmviz.ui.views._common import fmt\nimport lstmviz.io.isolated\n"
           "from lstmviz.ui.export import _settle\nfrom lstmviz.app.state import _fit\n")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: src)
    path = PKG / "ui" / "views" / "_probe.py"
    assert [n for _, n in private_imports("lstmviz.ui.views.cell", path)] == [
        "lstmviz.io._graph", "lstmviz.io._ensure", "lstmviz.app.state._fit"]


def test_the_ui_calls_the_app_state_through_public_names_only():
    import re

    bad = []
    for path in sorted((PKG / "ui").rglob("*.py")):
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b(state|st)\._[a-z]", line):
                bad.append(f"{path.relative_to(ROOT)}:{k}: {line.strip()}")
    assert not bad, bad


def test_numpy_negative_into_an_out_is_called_only_through_activations_negative():
    """NumPy 2.4's float ``np.negative(x, out=o)`` is wrong where ``x``'s innermost stride
    is 16 bytes and ``o`` is not contiguous (``engine/activations.negative``, which the
    engine's four negations go through; its test is in test_engine_properties). A call of
    ``np.negative`` with an ``out`` anywhere else in lstmviz would bring the bug back."""
    found = []
    for path in sorted((ROOT / "lstmviz").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = {id(n): f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "negative" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("np", "numpy")
                    and (len(node.args) > 1 or any(k.arg == "out" for k in node.keywords))):
                found.append((str(path.relative_to(ROOT)), where.get(id(node))))
    assert found == [("lstmviz/engine/activations.py", "negative")], found


def test_whole_numbers_from_files_are_tested_in_one_place():
    """"Is this a whole number" (a Python int, not a bool) was written out again in the ONNX
    node check, the Keras config check, the session, safetensors and pickle readers, the
    graph reader and the Train tab, each a little differently worded. Every one asks
    ``errors.is_whole`` (and ``errors.is_number`` for an int or float not a bool) now; a
    copy written out anywhere else is found here."""
    import re

    copy = re.compile(r"isinstance\((\w[\w\[\]\.\"']*), (?:int|\(int, float\))\)\s+and\s+not\s+isinstance\(\1, bool\)"
                      r"|isinstance\((\w[\w\[\]\.\"']*), bool\)\s+or\s+not\s+isinstance\(\2, int\)"
                      r"|not\s+isinstance\((\w[\w\[\]\.\"']*), int\)\s+or\s+isinstance\(\3, bool\)")
    found = []
    for path in sorted((ROOT / "lstmviz").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}" for m in copy.finditer(text)]
    # (the two definitions, errors.is_whole and errors.is_number, and nothing else)
    assert [f.split(":")[0] for f in found] == ["lstmviz/errors.py"] * 2, found


def test_is_whole_and_is_number_take_what_files_give():
    import numpy as np

    from lstmviz.engine.onnx_layers import check_node_config
    from lstmviz.errors import LstmvizError, is_number, is_whole, whole_number

    assert is_whole(3) and is_whole(-2 ** 70) and is_whole(5, 1, 5) and is_whole(0, 0)
    for v in (True, False, 3.0, "3", None, np.int64(3), [3]):
        assert not is_whole(v), v
    assert not is_whole(0, 1) and not is_whole(6, 1, 5)
    assert is_number(1) and is_number(1.5) and is_number(float("nan"))
    assert not is_number(True) and not is_number("1") and not is_number(np.float32(1))
    assert whole_number("step", np.int64(3)) == 3  # (an API's argument: NumPy's integers too)
    node = {"slots": ["X"], "units": 2, "input_size": 3}
    check_node_config("n", "LSTM", dict(node, layout=1), recurrent=True)
    for layout in (True, 1.0, 2, "1"):  # (a float layout read as 1 before: a session's edit)
        with pytest.raises(LstmvizError, match="its layout is"):
            check_node_config("n", "LSTM", dict(node, layout=layout), recurrent=True)


def documented_modules(text: str) -> set[str]:
    """The modules ARCHITECTURE.md's tables give a row: each path in a row's first cell
    (``io/match.py`` beside ``lstmviz/io/keras3_paths.py`` is ``lstmviz/io/match.py``; a
    package's row, ``lstmviz/app/``, is its ``__init__.py``'s)."""
    import re

    out = set()
    for line in text.splitlines():
        cell = re.match(r"\| ([^|]*) \|", line)
        for name in re.findall(r"`([\w/.]+)`", cell.group(1)) if cell else []:
            name = name if name.startswith("lstmviz/") or "/" not in name else f"lstmviz/{name}"
            out.add(f"{name}__init__.py" if name.endswith("/") else name)
    return out


def test_every_module_has_a_row_in_architecture_md():
    """ARCHITECTURE.md says what each module holds: a module added without its row fails."""
    rows = documented_modules((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    modules = {str(p.relative_to(ROOT)) for p in PKG.rglob("*.py")}
    assert not modules - rows, f"modules without a row in ARCHITECTURE.md: {sorted(modules - rows)}"
    assert not {r for r in rows if r.startswith("lstmviz/")} - modules, "rows of no module"
    assert documented_modules("| `lstmviz/a.py`, `b/c.py` (part) | x |\n| `lstmviz/d/` | y |\n"
                              "text `lstmviz/e.py` |") == {"lstmviz/a.py", "lstmviz/b/c.py",
                                                          "lstmviz/d/__init__.py"}
