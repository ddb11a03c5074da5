"""Desktop integration on Linux (freedesktop.org): ``lstmviz --install-desktop``.

Writes, under ``$XDG_DATA_HOME`` (default ``~/.local/share``), for the current user only:

- ``applications/lstmviz.desktop``: the menu entry (Exec: this installation's ``lstmviz``),
  opening ``.lstmviz`` sessions;
- ``mime/packages/lstmviz.xml``: the MIME type ``application/x-lstmviz-session`` for
  ``*.lstmviz`` (a zip of a JSON manifest and arrays), with its own file icon;
- ``icons/hicolor/{scalable,256x256}/apps/lstmviz.{svg,png}`` and the same picture as
  ``mimetypes/application-x-lstmviz-session`` (the session files' icon);

then asks ``update-mime-database``, ``update-desktop-database`` and
``gtk-update-icon-cache`` to notice (each when present; a missing tool is not an error).
``--uninstall-desktop`` removes exactly those files, the MIME database the tool built from
them where no other package is in it (else it is built again), and the folders left
empty. No Qt here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent / "icons"
APP_ID = "lstmviz"
MIME_TYPE = "application/x-lstmviz-session"
MIME_ICON = MIME_TYPE.replace("/", "-")
MARK = "X-lstmviz-Installed-By=lstmviz --install-desktop"

MIME_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{MIME_TYPE}">
    <comment>lstmviz session</comment>
    <sub-class-of type="application/zip"/>
    <icon name="{MIME_ICON}"/>
    <glob pattern="*.lstmviz" weight="60"/>
  </mime-type>
</mime-info>
"""


def data_home(env=None) -> Path:
    env = os.environ if env is None else env
    value = env.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):  # the spec: a relative value is ignored
        return Path(value)
    return Path(env.get("HOME") or Path.home()) / ".local" / "share"


def exec_command() -> str:
    """How the menu entry starts this installation: its ``lstmviz`` script beside this
    Python, else on PATH, else ``python -m lstmviz``; quoted as the Desktop Entry spec asks."""
    beside = Path(sys.executable).parent / "lstmviz"
    script = str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which("lstmviz")
    argv = [script] if script else [sys.executable, "-m", "lstmviz"]
    return " ".join(_desktop_quote(a) for a in argv)


def _desktop_quote(arg: str) -> str:
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'.replace("%", "%%")


def desktop_entry() -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=lstmviz",
        "GenericName=Recurrent network visualiser",
        "Comment=See the unrolled computation of LSTM, GRU and SimpleRNN layers, step by step",
        f"Exec={exec_command()} %f",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;Science;ArtificialIntelligence;DataVisualization;",
        "Keywords=LSTM;GRU;RNN;Keras;neural network;recurrent;",
        f"MimeType={MIME_TYPE};",
        "StartupWMClass=lstmviz",
        MARK,
        "",
    ])


def planned_files(root: Path) -> dict[Path, bytes]:
    """Every file ``install`` writes, with its contents."""
    svg = (ICONS / "lstmviz.svg").read_bytes()
    png = (ICONS / "lstmviz-256.png").read_bytes()
    hicolor = root / "icons" / "hicolor"
    return {
        root / "applications" / f"{APP_ID}.desktop": desktop_entry().encode("utf-8"),
        root / "mime" / "packages" / f"{APP_ID}.xml": MIME_XML.encode("utf-8"),
        hicolor / "scalable" / "apps" / f"{APP_ID}.svg": svg,
        hicolor / "256x256" / "apps" / f"{APP_ID}.png": png,
        hicolor / "scalable" / "mimetypes" / f"{MIME_ICON}.svg": svg,
        hicolor / "256x256" / "mimetypes" / f"{MIME_ICON}.png": png,
    }


#: what ``update-mime-database`` writes beside ``mime/packages`` (its cache of them)
MIME_CACHE = ("aliases", "generic-icons", "globs", "globs2", "icons", "magic", "mime.cache",
              "subclasses", "treemagic", "types", "version", "XMLnamespaces")


def _refresh(root: Path, run=None, mime: bool = True) -> list[str]:
    """Tell the desktop about the change (``mime``: the MIME database too); the tools that ran."""
    run = run or subprocess.run
    ran = []
    for cmd in (["update-mime-database", str(root / "mime")],
                ["update-desktop-database", str(root / "applications")],
                ["gtk-update-icon-cache", "-f", "-t", str(root / "icons" / "hicolor")]):
        if shutil.which(cmd[0]) is None or (cmd[0] == "update-mime-database" and not mime):
            continue
        try:
            run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False)
            ran.append(cmd[0])
        except (OSError, subprocess.SubprocessError):
            pass
    return ran


def install(env=None, run=None) -> list[Path]:
    """Write the files (see the module docstring); returns their paths."""
    from lstmviz.app.session import write_atomic

    root = data_home(env)
    written = []
    for path, data in planned_files(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        written.append(path)
    _refresh(root, run)
    return written


def uninstall(env=None, run=None) -> list[Path]:
    """Remove what ``install`` wrote (a ``.desktop`` file lstmviz did not write is kept),
    and what it made: the MIME database ``update-mime-database`` built from its package,
    where no other package is left in it (else the database is built again without it, as
    installers do), and the folders left empty (``applications`` and ``icons`` kept)."""
    root = data_home(env)
    removed = []
    for path in planned_files(root):
        if not path.is_file():
            continue
        if path.suffix == ".desktop" and MARK not in path.read_text(encoding="utf-8", errors="replace"):
            continue
        path.unlink()
        removed.append(path)
    if removed:
        cache = _remove_mime_cache(root / "mime")
        _refresh(root, run, mime=not cache)
        removed += cache
        for path in removed:
            _remove_empty_folders(path.parent, root)
    return removed


def _remove_mime_cache(mime: Path) -> list[Path]:
    """The files of a MIME database no package is left in (``MIME_CACHE`` and the
    session type's own entry, as ``update-mime-database`` wrote them from lstmviz's
    package), removed; [] where another package remains (its database is rebuilt)."""
    packages = mime / "packages"
    if not mime.is_dir() or (packages.is_dir() and any(packages.iterdir())):
        return []
    made = [mime / name for name in MIME_CACHE] + [mime / f"{MIME_TYPE}.xml"]
    gone = [path for path in made if path.is_file()]
    for path in gone:
        path.unlink()
    return gone


def _remove_empty_folders(folder: Path, root: Path) -> None:
    """``folder`` and its parents below ``root`` removed while empty (``root/applications``
    and ``root/icons``, which the desktop keeps, are left)."""
    keep = {root, root / "applications", root / "icons"}
    while folder not in keep and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # (not empty, or gone)
            return
        folder = folder.parent


def main(action: str, env=None) -> int:
    """``lstmviz --install-desktop`` / ``--uninstall-desktop``: report, exit status."""
    if not sys.platform.startswith("linux"):
        print(f"lstmviz: --{action}-desktop is for Linux desktops (freedesktop.org menus)",
              file=sys.stderr)
        return 2
    if action == "install":
        paths = install(env)
        root = data_home(env)
        print(f"Installed the lstmviz menu entry, icon and the .lstmviz file type under {root}:")
        for p in paths:
            print(f"  {p}")
        print(f"Menu entry runs: {exec_command()}. Remove with: lstmviz --uninstall-desktop")
        return 0
    paths = uninstall(env)
    if not paths:
        print(f"lstmviz: nothing to remove under {data_home(env)}")
        return 0
    print("Removed:")
    for p in paths:
        print(f"  {p}")
    return 0


__all__ = ["install", "uninstall", "desktop_entry", "data_home", "main"]
