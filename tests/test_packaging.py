"""What an install and the package index see: the license, the sdist's contents, README
images, the optional MP4 extra."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
