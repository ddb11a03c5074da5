"""scripts/_venv.sh (what ./scripts/run and ./scripts/test source): a too-old Python is named
before anything is made, a broken .venv is recreated, installs happen once per pyproject.

Run in a temporary copy with a fake ``python`` that records its calls and stands in for
``venv`` and ``pip`` (nothing is downloaded or installed); other calls go to this Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

FAKE = """#!/usr/bin/env bash
echo "$0 $*" >> "{log}"
if [ "${{1:-}}" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin" && echo "home = x" > "$3/pyvenv.cfg" && cp "$0" "$3/bin/python"
    exit 0
fi
if [ "${{1:-}}" = "-m" ] && [ "$2" = "pip" ]; then
    [ -e "{fail}" ] && {{ echo "ERROR: no network" >&2; exit 1; }}
    exit 0
fi
exec "{real}" "$@"
"""

OLD = """#!/usr/bin/env bash
if [ "${1:-}" = "-c" ]; then echo 3.9.18; exit 1; fi
exit 1
"""


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "_venv.sh", root / "scripts" / "_venv.sh")
    (root / "pyproject.toml").write_text("[project]\nname = 'lstmviz'\n")
    fake = tmp_path / "python3"
    fake.write_text(FAKE.format(log=tmp_path / "calls.log", fail=tmp_path / "pip-fails",
                                real=sys.executable))
    fake.chmod(0o755)
    return root


def source(root: Path, python: Path, tmp: Path):
    env = dict(os.environ, PYTHON=str(python), PYTHONPATH=str(ROOT))
    env.pop("LSTMVIZ_VENV", None)
    proc = subprocess.run(["bash", "-c", 'source scripts/_venv.sh && echo "VENV=$VENV"'],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    log = tmp / "calls.log"
    calls = log.read_text().splitlines() if log.exists() else []
    if log.exists():
        log.unlink()
    return proc, calls


def pip_installs(calls):
    return [c for c in calls if " -m pip install" in c and "-e " in c]


def test_first_run_creates_installs_and_stamps_then_reuses(repo, tmp_path):
    proc, calls = source(repo, tmp_path / "python3", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (repo / ".venv" / "bin" / "python").exists()
    assert any(" -m venv " in c for c in calls)
    assert [c.split("-e ")[1] for c in pip_installs(calls)] == [f"{repo}[test,mp4]"]
    assert (repo / ".venv" / ".lstmviz-installed").read_text().strip()
    proc, calls = source(repo, tmp_path / "python3", tmp_path)
    assert proc.returncode == 0 and not pip_installs(calls) and "creating" not in proc.stderr


def test_changed_pyproject_reinstalls(repo, tmp_path):
    source(repo, tmp_path / "python3", tmp_path)
    (repo / "pyproject.toml").write_text("[project]\nname = 'lstmviz'\nversion = '2'\n")
    os.utime(repo / "pyproject.toml", (0, 0))  # an old mtime: the contents decide
    proc, calls = source(repo, tmp_path / "python3", tmp_path)
    assert proc.returncode == 0 and len(pip_installs(calls)) == 1


def test_broken_venv_is_recreated(repo, tmp_path):
    source(repo, tmp_path / "python3", tmp_path)
    broken = repo / ".venv" / "bin" / "python"
    broken.unlink()
    broken.write_text("#!/bin/sh\necho 'error while loading shared libraries' >&2; exit 127\n")
    broken.chmod(0o755)
    proc, calls = source(repo, tmp_path / "python3", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "is broken" in proc.stderr and "recreating" in proc.stderr
    assert any(" -m venv " in c for c in calls) and len(pip_installs(calls)) == 1
    assert broken.read_text().startswith("#!/usr/bin/env bash")  # the new one


def test_failed_install_leaves_no_stamp_and_the_next_run_retries(repo, tmp_path):
    (tmp_path / "pip-fails").touch()
    proc, _ = source(repo, tmp_path / "python3", tmp_path)
    assert proc.returncode == 1 and "failed" in proc.stderr and "next run tries again" in proc.stderr
    assert "VENV=" not in proc.stdout
    assert not (repo / ".venv" / ".lstmviz-installed").exists()
    (tmp_path / "pip-fails").unlink()
    proc, calls = source(repo, tmp_path / "python3", tmp_path)
    assert proc.returncode == 0 and len(pip_installs(calls)) == 1


def test_too_old_python_is_named_before_anything_is_made(repo, tmp_path):
    old = tmp_path / "python3.9"
    old.write_text(OLD)
    old.chmod(0o755)
    proc, _ = source(repo, old, tmp_path)
    assert proc.returncode == 1
    assert "is Python 3.9.18" in proc.stderr and "needs Python 3.11 or newer" in proc.stderr
    assert not (repo / ".venv").exists()


def test_a_folder_that_is_no_venv_is_left_alone(repo, tmp_path):
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "mine.txt").write_text("keep")
    proc, _ = source(repo, tmp_path / "python3", tmp_path)
    assert proc.returncode == 1 and "not a virtual environment" in proc.stderr
    assert (repo / ".venv" / "bin" / "mine.txt").read_text() == "keep"
