"""Checks made before Qt starts, so a missing piece gives one readable line, not Qt's abort.

Imports no Qt (it runs before PySide6 is imported; ``import lstmviz.ui.preflight`` is cheap).
``check_window()`` returns the problems that would stop the window from opening, each a
message with the one command that fixes it:

- Python older than 3.11 (what ``requires-python`` says);
- a PySide6 outside ``>=6.6,<6.12`` (a distribution's package found first, say): 6.12.0
  drops a reference to None on every call of a void Qt method and the process dies with
  "none_dealloc" after a few thousand calls (no fixed release on PyPI as of 6.12.0);
- on Linux: no display (neither ``DISPLAY`` nor ``WAYLAND_DISPLAY``): then the app cannot
  open a window, but ``--screenshot``, ``--export-*`` and the CLI work;
- on Linux with X11: the shared libraries Qt's xcb plugin loads. Qt's own message names
  libxcb-cursor0 whichever library is missing and then aborts; this check asks the dynamic
  loader (``ldd`` on the plugin, which lists every missing library at once) or, without
  ``ldd``, ``ctypes.util.find_library`` for a known list, and names the packages to
  install on Debian/Ubuntu (apt) or Fedora (dnf).

``LSTMVIZ_SKIP_CHECKS=1`` skips all of it (for a setup these checks misjudge).
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: the themes' names (``lstmviz.ui.theme.THEMES``, not imported: it imports Qt), for a
#: theme argument checked before the display (``notebook.show``)
THEMES = ("dark", "light", "projector")
MIN_PYTHON = (3, 11)
PYSIDE_RANGE = ((6, 6), (6, 12))  # >= low, < high (see pyproject.toml)

#: soname -> (Debian/Ubuntu package, Fedora package), for what Qt's xcb plugin loads
XCB_LIBS: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libICE.so.6": ("libice6", "libICE"),
    "libSM.so.6": ("libsm6", "libSM"),
}
#: checked with find_library when ldd cannot be asked (the ones Qt >= 6.5 needs most often)
FALLBACK_LIBS = ("xcb-cursor", "xcb-icccm", "xcb-keysyms", "xcb-image", "xcb-render-util",
                 "xcb-randr", "xcb-shape", "xcb-xkb", "xkbcommon-x11", "xkbcommon", "EGL",
                 "fontconfig", "X11-xcb")
NO_DISPLAY = ("no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set). "
              "Without one, render to a file with 'lstmviz MODEL --screenshot OUT.png' or "
              "'--export-gif OUT.gif', or use the command line: 'lstmviz summary MODEL', "
              "'lstmviz trace MODEL --input X.npy --out T.npz'")


def python_problem(version=None) -> str | None:
    v = tuple(version or sys.version_info[:3])
    if v[:2] < MIN_PYTHON:
        return (f"lstmviz needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; this is "
                f"Python {'.'.join(map(str, v))} ({sys.executable})")
    return None


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def pyside_location() -> Path | None:
    """The folder of the PySide6 that ``import PySide6`` would load (found, not imported)."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def pyside_version(location: Path | None) -> str | None:
    """PySide6's version from its own files (``_git_pyside_version.py``, or its dist-info)."""
    if location is None:
        return None
    try:
        text = (location / "_git_pyside_version.py").read_text(encoding="utf-8", errors="replace")
        parts = {k: v for k, v in re.findall(r'^(major|minor|patch)_version\s*=\s*"?(\d+)', text, re.M)}
        if {"major", "minor", "patch"} <= set(parts):
            return f"{parts['major']}.{parts['minor']}.{parts['patch']}"
    except OSError:
        pass
    from importlib import metadata

    for dist in ("PySide6-Essentials", "PySide6", "pyside6"):
        try:
            d = metadata.distribution(dist)
        except metadata.PackageNotFoundError:
            continue
        if Path(str(d.locate_file("PySide6"))).resolve() == location.resolve():
            return d.version
    return None


def pyside_problem(location: Path | None = None, version: str | None = None) -> str | None:
    if location is None:
        location = pyside_location()
        if location is None:  # cli.cmd_app's fallback prints the summary and says why
            return None
        version = pyside_version(location)
    if version is None:
        return None  # cannot tell: let Qt try
    v = _version_tuple(version)
    low, high = PYSIDE_RANGE
    if v[:2] >= high:
        why = ("PySide6 6.12 drops a reference to None on every call of a void Qt method and "
               "the app dies ('none_dealloc') after a few thousand calls")
    elif v[:2] < low:
        why = f"lstmviz needs PySide6 {low[0]}.{low[1]} or newer"
    else:
        return None
    return (f"PySide6 {version} is installed at {location}, but lstmviz needs "
            f"PySide6 >={low[0]}.{low[1]},<{high[0]}.{high[1]} ({why}). Install lstmviz in an "
            f"environment of its own, which brings the right one (pipx install of its folder or "
            f"wheel, or ./scripts/run), or pip install "
            f"'PySide6-Essentials>={low[0]}.{low[1]},<{high[0]}.{high[1]}' where it is")


def _platform_choice(env) -> str:
    """The Qt platform plugin that will be asked first: QT_QPA_PLATFORM's first entry, else
    wayland in a Wayland session, else xcb."""
    requested = (env.get("QT_QPA_PLATFORM") or "").split(";")[0].split(":")[0].strip()
    if requested:
        return requested
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"
    return "xcb"


def missing_from_ldd(plugin: Path, run=subprocess.run) -> list[str] | None:
    """Sonames ``ldd`` reports as "not found" for ``plugin`` (with every library it pulls
    in); None when ldd cannot answer."""
    ldd = shutil.which("ldd")
    if ldd is None or not plugin.is_file():
        return None
    try:
        out = run([ldd, str(plugin)], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 and "not found" not in out.stdout:
        return None
    missing = []
    for line in out.stdout.splitlines():
        name, _, rest = line.strip().partition("=>")
        if "not found" in rest and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def missing_from_find_library(find=ctypes.util.find_library) -> list[str]:
    """``lib<name>.so...`` for each of ``FALLBACK_LIBS`` the loader cannot find."""
    out = []
    for name in FALLBACK_LIBS:
        if find(name) is None:
            soname = next((s for s in XCB_LIBS if s.startswith(f"lib{name}.so")), f"lib{name}.so")
            out.append(soname)
    return out


def distro_family(os_release: Path = Path("/etc/os-release")) -> str:
    """"debian", "fedora" or "" (unknown) from /etc/os-release's ID and ID_LIKE."""
    try:
        text = os_release.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    ids = " ".join(v.strip().strip('"').lower() for k, v in
                   (line.partition("=")[::2] for line in text.splitlines()) if k in ("ID", "ID_LIKE"))
    if any(w in ids.split() for w in ("debian", "ubuntu")):
        return "debian"
    if any(w in ids.split() for w in ("fedora", "rhel", "centos")):
        return "fedora"
    return ""


def install_line(sonames: list[str], family: str) -> str:
    """The one command that installs ``sonames`` on ``family`` (both commands if unknown)."""
    deb = _unique(XCB_LIBS.get(s, (None, None))[0] for s in sonames)
    rpm = _unique(XCB_LIBS.get(s, (None, None))[1] for s in sonames)
    apt = f"sudo apt install {' '.join(deb)}" if deb else ""
    dnf = f"sudo dnf install {' '.join(rpm)}" if rpm else ""
    if family == "debian" and apt:
        return apt
    if family == "fedora" and dnf:
        return dnf
    both = [c for c in (f"Debian/Ubuntu: {apt}" if apt else "", f"Fedora: {dnf}" if dnf else "") if c]
    return "; ".join(both) or "install your distribution's packages for them"


def _unique(items) -> list[str]:
    out: list[str] = []
    for i in items:
        if i and i not in out:
            out.append(i)
    return out


def libraries_problem(location: Path | None, family: str | None = None,
                      ldd=None, find=None) -> str | None:
    ldd = ldd or missing_from_ldd
    find = find or missing_from_find_library
    plugin = (location / "Qt" / "plugins" / "platforms" / "libqxcb.so") if location else None
    missing = ldd(plugin) if plugin is not None else None
    if missing is None:
        missing = find()
    if not missing:
        return None
    family = distro_family() if family is None else family
    return (f"Qt's window system plugin (xcb) cannot load: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing. Install {'it' if len(missing) == 1 else 'them'} "
            f"with: {install_line(missing, family)}")


def x_display_reachable(display: str, timeout: float = 1.0) -> bool | None:
    """Whether an X server answers at ``display`` (":0", "localhost:10.0", "unix:1"); None
    when the name is not one this check understands."""
    import socket

    m = re.fullmatch(r"(?:([\w.\-]*)/)?([\w.\-]*):(\d+)(?:\.\d+)?", display.strip())
    if m is None:
        return None
    host, num = m.group(2), int(m.group(3))
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{num}"
        for addr in (path, "\0" + path):  # the socket file, then Linux's abstract name
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(timeout)
                    sock.connect(addr)
                    return True
            except OSError:
                continue
        return False
    try:
        with socket.create_connection((host, 6000 + num), timeout=timeout):
            return True
    except OSError:
        return False


def check_window(env=None, platform: str | None = None, location: Path | None = None,
                 window: bool = True, reachable=None) -> list[str]:
    """What would stop the window from opening, as messages (empty: go ahead). With
    ``window=False`` (``--screenshot``, ``--export-*``: offscreen) only Python and PySide6."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if env.get("LSTMVIZ_SKIP_CHECKS"):
        return []
    problems = [p for p in (python_problem(),) if p]
    loc = location if location is not None else pyside_location()
    problem = pyside_problem(loc, pyside_version(loc)) if loc is not None else pyside_problem()
    if problem:
        return problems + [problem]
    if not window or not platform.startswith("linux"):
        return problems
    choice = _platform_choice(env)
    if choice in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"):
        return problems
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return problems + [NO_DISPLAY]
    if choice == "xcb" or (choice == "wayland" and not env.get("WAYLAND_DISPLAY")):
        if env.get("DISPLAY"):
            lib = libraries_problem(loc)
            if lib:
                problems.append(lib)
            elif (reachable or x_display_reachable)(env["DISPLAY"]) is False:
                problems.append(f"no X server answers at DISPLAY={env['DISPLAY']} (is the "
                                f"desktop session running, or the ssh -X connection open?). "
                                + NO_DISPLAY.split(". ", 1)[1])
    return problems


def report(problems: list[str], prog: str = "lstmviz") -> None:
    for p in problems:
        print(f"{prog}: {p}", file=sys.stderr)
