"""What an install and the package index see: the wheel carries everything the app needs
at run time (the demo models above all) and an installed copy finds them where it is
installed; the license, the sdist's contents, README images, the optional MP4 extra.

The wheel is built from a copy of the sources in a temporary folder with the setuptools
of this environment (``pip wheel --no-deps --no-build-isolation``: no network), then
unpacked into a folder that is the only thing on ``sys.path`` of a fresh interpreter.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "lstmviz"


def _runtime_data() -> list[str]:
    """Every file under lstmviz/ that is not Python source: what the package needs besides
    its code (paths relative to the repository, as in the wheel)."""
    return sorted(str(p.relative_to(ROOT).as_posix()) for p in PKG.rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("setuptools")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, src / name)
    shutil.copytree(PKG, src / "lstmviz", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "--no-index", "-q", "-w", str(out), str(src)],
                       capture_output=True, text=True, timeout=300, cwd=tmp)
    assert r.returncode == 0, r.stdout + r.stderr
    wheels = list(out.glob("lstmviz-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_holds_the_demos_and_every_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    index = PKG / "resources" / "demos" / "demos.json"
    assert "lstmviz/resources/demos/demos.json" in names
    for item in json.loads(index.read_text(encoding="utf-8")):
        for key in ("file", "input"):
            assert f"lstmviz/resources/demos/{item[key]}" in names
    missing = [f for f in _runtime_data() if f not in names]
    assert missing == [], f"files the package holds but the wheel leaves out: {missing}"
    assert "lstmviz/io/_child.py" in names and "lstmviz/ui/views/cell.py" in names
    assert not [n for n in names if n.startswith(("tests/", "scripts/", "resources/"))]


PROBE = r"""
import json, sys
import lstmviz, lstmviz.cli
from lstmviz.app.demos import DEMOS_DIR, load_demos
demos = load_demos()
model = lstmviz.cli.demo_model()
print(json.dumps({
    "package": lstmviz.__file__, "demos_dir": str(DEMOS_DIR),
    "demos": [str(d["model"]) for d in demos], "inputs": [str(d["input"]) for d in demos],
    "first": [l.class_name for l in model.layers], "params": model.count_params(),
    "source": model.source.get("path"),
}))
"""


def test_an_installed_copy_finds_its_demos(wheel, tmp_path):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)  # a pure-Python wheel installed is its files on sys.path
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                       timeout=180, cwd=elsewhere, env=env)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert Path(got["package"]).resolve().parent == (site / "lstmviz").resolve()
    assert Path(got["demos_dir"]).resolve() == (site / "lstmviz" / "resources" / "demos").resolve()
    assert len(got["demos"]) == 3
    for p in got["demos"] + got["inputs"]:
        assert Path(p).resolve().is_relative_to(site.resolve()) and Path(p).is_file()
    # the demo the app starts on is the trained sine predictor, not the untrained fallback
    import lstmviz

    first = lstmviz.load(PKG / "resources" / "demos" / "sine_predictor.keras")
    assert got["first"] == [l.class_name for l in first.layers]
    assert got["params"] == first.count_params()
    assert Path(got["source"]).resolve().is_relative_to(site.resolve())


CONF = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_file_matches_the_declared_license():
    project = CONF["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text
    assert any(c.startswith("Programming Language :: Python :: 3.11") for c in project["classifiers"])
    assert project["requires-python"] == ">=3.11"


def test_ffmpeg_is_an_optional_extra_and_gif_stays_built_in():
    deps = " ".join(CONF["project"]["dependencies"])
    assert "imageio-ffmpeg" not in deps and "Pillow" in deps
    assert any(d.startswith("imageio-ffmpeg") for d in CONF["project"]["optional-dependencies"]["mp4"])


def test_pyside_pin_matches_the_start_up_check():
    from lstmviz.ui.preflight import PYSIDE_RANGE

    (lo, hi) = PYSIDE_RANGE
    dep = next(d for d in CONF["project"]["dependencies"] if d.startswith("PySide6"))
    assert f">={lo[0]}.{lo[1]}" in dep and f"<{hi[0]}.{hi[1]}" in dep


def _source_files() -> set[str]:
    """The repository's own files (what git tracks, without its VCS and CI plumbing)."""
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache",
            ".ruff_cache", "build", "dist", ".ci"}
    found = set()
    for p in ROOT.rglob("*"):
        rel = p.relative_to(ROOT)
        if p.is_file() and not skip & set(rel.parts) and not rel.parts[0].endswith(".egg-info") \
                and p.suffix not in (".pyc",) and rel.name != ".gitignore":
            found.add(rel.as_posix())
    return found


def test_the_sdist_carries_its_tests_fixtures_and_resources(tmp_path):
    """Built offline from a copy (setuptools' build_meta, as pip would), the sdist holds every
    file of the tests, their fixtures, the resources and scripts, and the README's images."""
    pytest.importorskip("setuptools")
    src = tmp_path / "src"
    files = _source_files()
    for rel in files:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, src / rel)
    code = "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))"
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "dist")], cwd=src,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    with tarfile.open(tmp_path / "dist" / r.stdout.strip().splitlines()[-1]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    needed = {f for f in files if f.startswith(("tests/", "resources/", "scripts/", "lstmviz/"))}
    assert needed and not needed - names, sorted(needed - names)[:10]
    assert {"LICENSE", "README.md", "ARCHITECTURE.md", "pyproject.toml", "setup.py"} <= names


def _index_readme():
    spec = importlib.util.spec_from_file_location("lstmviz_setup", ROOT / "setup.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # not "__main__": setup() is not called
    return mod


RELATIVE = re.compile(r"\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^)\s]+)\)")


def test_readme_images_are_relative_paths_that_exist():
    text = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)
    assert images
    for ref in images:
        assert not ref.startswith(("/", "file:")), ref
        assert (ROOT / ref).is_file() or ref.startswith("https://"), ref


def test_the_package_index_description_has_no_broken_images_or_links():
    """No public host yet: the index's README names the files (which the sdist carries)
    instead of showing broken images; with files-url set every relative target is under it."""
    setup = _index_readme()
    readme = (ROOT / "README.md").read_text()
    targets = RELATIVE.findall(readme)
    assert any(t.endswith(".png") for t in targets)
    bare = setup.index_readme(readme, "")
    assert RELATIVE.findall(bare) == [] and "![" not in bare
    for t in targets:
        assert f"`{t}` in the source distribution" in bare, t
    base = "https://files.example/lstmviz/v1"
    conf = {"tool": {"lstmviz": {"package-index": {"files-url": base + "/"}}}}  # a trailing slash
    hosted = setup.index_readme(readme, setup.files_url(conf))
    assert RELATIVE.findall(hosted) == []
    assert [t.removeprefix(base + "/") for t in re.findall(r"\]\((https://files\.example[^)\s]+)\)", hosted)] \
        == targets
    assert setup.index_readme("[x](#usage) [y](https://a.b/c)", "") == "[x](#usage) [y](https://a.b/c)"


def test_no_invented_project_urls():
    """Project URLs only once a public host exists: none is written before then, and the
    README's files URL is empty or a real https URL."""
    setup = _index_readme()
    files_url = setup.files_url(CONF)
    assert files_url == "" or files_url.startswith("https://")
    assert "urls" not in CONF["project"] or all(u.startswith("https://") for u in CONF["project"]["urls"].values())


def test_the_wheel_metadata_carries_the_index_description(wheel):
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    header, _, body = meta.partition("\n\n")
    assert "Description-Content-Type: text/markdown" in header
    assert body.startswith("# lstmviz") and RELATIVE.findall(body) == []
    files_url = _index_readme().files_url(CONF)
    assert ("in the source distribution" in body) == (files_url == "")
