"""Checks before Qt starts (lstmviz/ui/preflight.py): the library lookups are replaced by
fakes, so each case is what a machine with that problem would see."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lstmviz.ui import preflight as pf

ROOT = Path(__file__).resolve().parents[1]
LDD_OUT = """\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /x/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x1)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibEGL.so.1 => /lib/x86_64-linux-gnu/libEGL.so.1 (0x2)
"""


def fake_pyside(tmp_path, version="6.11.3") -> Path:
    loc = tmp_path / "site" / "PySide6"
    (loc / "Qt" / "plugins" / "platforms").mkdir(parents=True)
    (loc / "Qt" / "plugins" / "platforms" / "libqxcb.so").write_bytes(b"\x7fELF")
    major, minor, patch = version.split(".")
    (loc / "_git_pyside_version.py").write_text(
        f'major_version = "{major}"\nminor_version = "{minor}"\npatch_version = "{patch}"\n')
    return loc


def test_ldd_output_gives_every_missing_library_once(tmp_path):
    plugin = fake_pyside(tmp_path) / "Qt/plugins/platforms/libqxcb.so"

    def run(cmd, **kw):
        assert cmd[1] == str(plugin)
        return subprocess.CompletedProcess(cmd, 0, LDD_OUT, "")
    assert pf.missing_from_ldd(plugin, run=run) == [
        "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0"]


@pytest.mark.parametrize("family, line", [
    ("debian", "sudo apt install libxcb-icccm4 libxkbcommon-x11-0"),
    ("fedora", "sudo dnf install xcb-util-wm libxkbcommon-x11"),
    ("", "Debian/Ubuntu: sudo apt install libxcb-icccm4 libxkbcommon-x11-0; "
         "Fedora: sudo dnf install xcb-util-wm libxkbcommon-x11"),
])
def test_missing_libraries_name_the_one_install_line(tmp_path, family, line):
    loc = fake_pyside(tmp_path)
    msg = pf.libraries_problem(loc, family, ldd=lambda p: ["libxcb-icccm.so.4", "libxkbcommon-x11.so.0"])
    assert msg.endswith(line)
    assert "libxcb-icccm.so.4, libxkbcommon-x11.so.0 are missing" in msg
    assert "libxcb-cursor" not in msg  # Qt's own message would name it; it is not missing


def test_without_ldd_find_library_is_asked(tmp_path):
    loc = fake_pyside(tmp_path)
    asked = []

    def find(name):
        asked.append(name)
        return None if name in ("xcb-cursor", "EGL") else f"lib{name}.so.1"
    msg = pf.libraries_problem(loc, "debian", ldd=lambda p: None,
                               find=lambda: pf.missing_from_find_library(find))
    assert set(asked) == set(pf.FALLBACK_LIBS)
    assert msg.endswith("sudo apt install libxcb-cursor0 libegl1")
    assert pf.libraries_problem(loc, "debian", ldd=lambda p: None, find=lambda: []) is None


def test_missing_from_find_library_uses_the_real_loader_when_all_is_there():
    # whatever this machine has, every name reported missing is really not found
    for soname in pf.missing_from_find_library():
        base = soname.split(".so")[0][3:]
        import ctypes.util
        assert ctypes.util.find_library(base) is None


def env_with(**kw):
    return {k: v for k, v in kw.items() if v is not None}


def test_no_display_says_to_use_screenshot_or_the_cli(tmp_path):
    loc = fake_pyside(tmp_path)
    problems = pf.check_window(env={}, platform="linux", location=loc)
    assert len(problems) == 1 and "--screenshot" in problems[0] and "lstmviz summary" in problems[0]
    # offscreen runs (screenshot, export) and an explicit offscreen platform need no display
    assert pf.check_window(env={}, platform="linux", location=loc, window=False) == []
    assert pf.check_window(env={"QT_QPA_PLATFORM": "offscreen"}, platform="linux", location=loc) == []
    assert pf.check_window(env={}, platform="darwin", location=loc) == []


def test_libraries_are_checked_on_x11_and_a_dead_display_is_named(tmp_path, monkeypatch):
    loc = fake_pyside(tmp_path)
    monkeypatch.setattr(pf, "missing_from_ldd", lambda p: ["libxcb-cursor.so.0"])
    monkeypatch.setattr(pf, "distro_family", lambda: "debian")
    env = {"DISPLAY": ":0"}
    assert pf.check_window(env=env, platform="linux", location=loc) == [
        "Qt's window system plugin (xcb) cannot load: libxcb-cursor.so.0 is missing. "
        "Install it with: sudo apt install libxcb-cursor0"]
    monkeypatch.setattr(pf, "missing_from_ldd", lambda p: [])
    assert pf.check_window(env=env, platform="linux", location=loc, reachable=lambda d: True) == []
    dead = pf.check_window(env=env, platform="linux", location=loc, reachable=lambda d: False)
    assert len(dead) == 1 and "no X server answers at DISPLAY=:0" in dead[0] and "--screenshot" in dead[0]
    # a Wayland session uses the wayland plugin: xcb's libraries do not matter
    monkeypatch.setattr(pf, "missing_from_ldd", lambda p: ["libxcb-cursor.so.0"])
    assert pf.check_window(env={"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
                           platform="linux", location=loc) == []
    assert pf.check_window(env=dict(env, LSTMVIZ_SKIP_CHECKS="1"), platform="linux", location=loc) == []


@pytest.mark.parametrize("version, bad", [("6.11.3", None), ("6.6.0", None), ("6.12.0", "none_dealloc"),
                                          ("6.13.1", "none_dealloc"), ("6.5.3", "6.6 or newer")])
def test_pyside_outside_the_pin_is_named_before_qt_starts(tmp_path, version, bad):
    loc = fake_pyside(tmp_path, version)
    assert pf.pyside_version(loc) == version
    problems = pf.check_window(env={}, platform="linux", location=loc, window=False)
    if bad is None:
        assert problems == []
    else:
        assert len(problems) == 1 and f"PySide6 {version} is installed at {loc}" in problems[0]
        assert bad in problems[0] and ">=6.6,<6.12" in problems[0] and "environment of its own" in problems[0]
        # lstmviz is on no package index (yet): no "pip install lstmviz" that fetches nothing, or another's
        assert "install lstmviz" not in problems[0]


def test_this_pyside_is_found_without_importing_it():
    code = ("import sys; from lstmviz.ui import preflight as pf; loc = pf.pyside_location(); "
            "print(pf.pyside_version(loc), 'PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    from importlib import metadata
    assert out.stdout.split() == [metadata.version("PySide6-Essentials"), "False"]


def test_too_old_python_is_named():
    assert pf.python_problem((3, 10, 12)).startswith("lstmviz needs Python 3.11 or newer; this is Python 3.10.12")
    assert pf.python_problem((3, 11, 0)) is None


@pytest.mark.parametrize("text, family", [
    ('ID=ubuntu\nID_LIKE=debian\n', "debian"), ('ID="debian"\n', "debian"),
    ('ID=fedora\n', "fedora"), ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "fedora"),
    ('ID=arch\n', ""),
])
def test_distro_family(tmp_path, text, family):
    (tmp_path / "os-release").write_text(text)
    assert pf.distro_family(tmp_path / "os-release") == family


def test_cli_without_display_prints_one_line_and_never_starts_qt():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "LSTMVIZ_SKIP_CHECKS")}
    env["PYTHONPATH"] = str(ROOT)
    code = ("import sys; from lstmviz.cli import main; rc = main([]); "
            "print(rc, sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=ROOT, env=env)
    assert out.stdout.strip() == "2 []"
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("lstmviz: no display")
