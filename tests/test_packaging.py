"""What an install and the package index see: the wheel carries everything the app needs
at run time (the demo models above all) and an installed copy finds them where it is
installed; the license, the sdist's contents, README images, the optional MP4 extra.

The wheel is built from a copy of the sources in a temporary folder with the setuptools
of this environment (``pip wheel --no-deps --no-build-isolation``: no network), then
unpacked into a folder that is the only thing on ``sys.path`` of a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
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
    for name in ("pyproject.toml", "README.md", "LICENSE"):
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


def test_sdist_manifest_carries_the_tests_and_fixtures():
    lines = (ROOT / "MANIFEST.in").read_text().splitlines()
    assert "graft tests" in lines and "include LICENSE README.md ARCHITECTURE.md" in lines


def test_readme_images_are_relative_paths_that_exist():
    text = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)
    assert images
    for ref in images:
        assert not ref.startswith(("/", "file:")), ref
        assert (ROOT / ref).is_file() or ref.startswith("https://"), ref
