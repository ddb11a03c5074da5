"""Desktop integration and start-up niceties: --install-desktop / --uninstall-desktop into a
temporary XDG_DATA_HOME, the application icon, the theme that follows the system's
light/dark setting until the user picks one, --help, Qt's headless chatter."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui

import lstmviz
from lstmviz import cli, desktop

ROOT = Path(__file__).resolve().parents[1]
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop.org only")


@linux
def test_install_and_uninstall_desktop_in_xdg_data_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    ran = []
    monkeypatch.setattr(desktop.subprocess, "run", lambda cmd, **kw: ran.append(cmd[0]))
    assert cli.main(["--install-desktop"]) == 0
    out = capsys.readouterr().out
    root = tmp_path / "share"
    entry = root / "applications" / "lstmviz.desktop"
    assert str(entry) in out
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str
    ini.read_string(entry.read_text())
    e = ini["Desktop Entry"]
    assert e["Type"] == "Application" and e["Icon"] == "lstmviz" and e["Terminal"] == "false"
    assert e["MimeType"] == "application/x-lstmviz-session;" and e["Exec"].endswith(" %f")
    mime = ET.parse(root / "mime" / "packages" / "lstmviz.xml").getroot()
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    t = mime.find("m:mime-type", ns)
    assert t.get("type") == "application/x-lstmviz-session"
    assert t.find("m:glob", ns).get("pattern") == "*.lstmviz"
    assert t.find("m:icon", ns).get("name") == "application-x-lstmviz-session"
    for sub in ("scalable/apps/lstmviz.svg", "256x256/apps/lstmviz.png",
                "scalable/mimetypes/application-x-lstmviz-session.svg"):
        assert (root / "icons" / "hicolor" / sub).stat().st_size > 500
    for tool in ran:
        assert tool in ("update-mime-database", "update-desktop-database", "gtk-update-icon-cache")
    assert oct(entry.stat().st_mode & 0o777) != oct(0o600)

    mine = root / "applications" / "other.desktop"
    mine.write_text("[Desktop Entry]\nName=other\n")
    assert cli.main(["--uninstall-desktop"]) == 0
    assert [p for p in root.rglob("*") if p.is_file()] == [mine]
    assert cli.main(["--uninstall-desktop"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


@linux
@pytest.mark.skipif(shutil.which("update-mime-database") is None, reason="no shared-mime-info")
def test_the_mime_database_knows_lstmviz_sessions_after_install(tmp_path):
    """Uninstalling left the database update-mime-database built from lstmviz's package
    (globs2, mime.cache ... and their folders) in a data home that had none: removed now,
    with the folders install made; beside another package, the database is built again
    without lstmviz's type and the other's kept."""
    env = {"XDG_DATA_HOME": str(tmp_path)}
    desktop.install(env)
    assert "application/x-lstmviz-session:*.lstmviz" in (tmp_path / "mime" / "globs2").read_text()
    desktop.uninstall(env)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["applications", "icons"]

    other = tmp_path / "mime" / "packages" / "other.xml"
    other.parent.mkdir(parents=True)
    other.write_text(desktop.MIME_XML.replace("lstmviz", "other"))
    desktop.install(env)
    desktop.uninstall(env)
    globs = (tmp_path / "mime" / "globs2").read_text()
    assert "lstmviz" not in globs and "application/x-other-session:*.other" in globs and other.is_file()


@linux
def test_a_desktop_entry_lstmviz_did_not_write_is_kept(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path)}
    entry = tmp_path / "applications" / "lstmviz.desktop"
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nName=lstmviz (the distribution's)\n")
    desktop.uninstall(env, run=lambda *a, **k: None)
    assert entry.exists()


def test_xdg_data_home_default_and_relative_values_are_ignored(tmp_path):
    assert desktop.data_home({"HOME": str(tmp_path)}) == tmp_path / ".local" / "share"
    assert desktop.data_home({"HOME": str(tmp_path), "XDG_DATA_HOME": "rel/share"}) == tmp_path / ".local" / "share"
    assert desktop.data_home({"XDG_DATA_HOME": "/x/share"}) == Path("/x/share")


def test_exec_line_quotes_paths_with_spaces():
    assert desktop._desktop_quote("/opt/my apps/lstmviz") == '"/opt/my apps/lstmviz"'
    assert desktop._desktop_quote("/usr/bin/lstmviz") == "/usr/bin/lstmviz"
    assert desktop._desktop_quote('/a b/$x"') == '"/a b/\\$x\\""'


def test_the_icon_is_package_data_and_is_the_windows_icon(qapp):
    from lstmviz.ui.app import _app

    icon = QtGui.QIcon(str(Path(lstmviz.__file__).parent / "icons" / "lstmviz.svg"))
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()
    app = _app(offscreen=True)
    assert not app.windowIcon().isNull()
    img = app.windowIcon().pixmap(64, 64).toImage()
    assert img.pixelColor(32, 5).alpha() == 255  # the rounded square, not a blank
    import tomllib
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "icons/*" in conf["tool"]["setuptools"]["package-data"]["lstmviz"]


# -- the theme follows the system -----------------------------------------------------------
@pytest.fixture
def settings(tmp_path):
    return QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)


def test_startup_theme_is_the_systems_until_the_user_picks(settings, monkeypatch):
    from lstmviz.ui import system_theme as st

    monkeypatch.setattr(st, "system_theme", lambda app=None, scheme=None: "light")
    assert st.startup_theme(settings) == "light"
    settings.setValue("theme", "dark")  # saved on close, not picked: the system still leads
    assert st.startup_theme(settings) == "light"
    st.mark_picked(settings, "projector")
    assert st.startup_theme(settings) == "projector"
    monkeypatch.setattr(st, "system_theme", lambda app=None, scheme=None: None)
    assert st.startup_theme(QtCore.QSettings(str(Path(settings.fileName()).with_name("n.ini")),
                                             QtCore.QSettings.Format.IniFormat)) == "dark"


def test_system_scheme_names():
    from lstmviz.ui.system_theme import system_theme

    assert system_theme(scheme=QtCore.Qt.ColorScheme.Light) == "light"
    assert system_theme(scheme=QtCore.Qt.ColorScheme.Dark) == "dark"
    assert system_theme(scheme=QtCore.Qt.ColorScheme.Unknown) is None


def test_a_system_change_switches_the_window_until_a_theme_is_picked(make_window):
    from lstmviz.ui import theme as th
    from lstmviz.ui.system_theme import on_scheme_changed

    w = make_window()
    assert th.current().name == "dark"
    assert on_scheme_changed(w, QtCore.Qt.ColorScheme.Light) == "light"
    assert th.current().name == "light"
    w.pick_theme("dark")  # View > Theme
    assert on_scheme_changed(w, QtCore.Qt.ColorScheme.Light) is None
    assert th.current().name == "dark"


def test_view_theme_menu_marks_the_pick(make_window):
    from lstmviz.ui.system_theme import picked

    w = make_window()
    act = next(a for a in w.findChildren(QtGui.QAction) if a.text() == "Light")
    assert not picked(w.settings)
    act.trigger()
    assert picked(w.settings) and w.settings.value("theme") == "light"


# -- command line ---------------------------------------------------------------------------
def test_top_level_help_shows_the_app_options_and_theme_choices(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for opt in ("--screenshot", "--input", "--export-gif", "--install-desktop", "{dark,light,projector}"):
        assert opt in out
    from lstmviz.ui import theme as th
    assert tuple(th.THEMES) == cli.THEMES
    assert cli.main(["m.keras", "--theme", "blue"]) == 2
    assert "invalid choice: 'blue' (choose from" in capsys.readouterr().err


def test_headless_runs_print_no_qt_chatter(tmp_path):
    code = ("from lstmviz.ui.app import _app; from PySide6 import QtCore; _app(True);"
            "QtCore.qWarning('This plugin does not support propagateSizeHints()');"
            "QtCore.qWarning('a real warning')")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert "propagateSizeHints" not in out.stderr
    assert "a real warning" in out.stderr
