"""Shared test setup: Qt runs offscreen (no display needed), BLAS on one thread, and the
user's own lstmviz settings (recent files, theme, geometry) and autosaves are never
touched: QSettings and QStandardPaths point into a temporary folder, for this process and
for every process a test starts (``XDG_CONFIG_HOME``/``XDG_DATA_HOME`` are inherited)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

#: where the user's settings really are (tests/test_settings_isolation.py checks them)
REAL_CONFIG_HOME = Path(os.environ.get("LSTMVIZ_REAL_CONFIG_HOME")
                        or os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
REAL_DATA_HOME = Path(os.environ.get("LSTMVIZ_REAL_DATA_HOME")
                      or os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
SANDBOX = Path(tempfile.mkdtemp(prefix="lstmviz-tests-"))
atexit.register(shutil.rmtree, SANDBOX, ignore_errors=True)
os.environ["LSTMVIZ_REAL_CONFIG_HOME"] = str(REAL_CONFIG_HOME)
os.environ["LSTMVIZ_REAL_DATA_HOME"] = str(REAL_DATA_HOME)
os.environ["XDG_CONFIG_HOME"] = str(SANDBOX / "config")
os.environ["XDG_DATA_HOME"] = str(SANDBOX / "data")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _a_machine_with_64_gb(monkeypatch):
    """The largest memory limit (``limits.largest_limit``: the machine's memory) as on a
    64 GB machine: tests that give a limit of 8G or 16G must pass on a CI runner with less
    (tests about the machine's memory patch ``physical_memory`` themselves)."""
    from lstmviz import limits

    monkeypatch.setattr(limits, "physical_memory", lambda: 64 * 1024 ** 3)


@pytest.fixture(autouse=True)
def _the_dark_theme_after_each_test():
    """The dark theme (the app's default, which views made bare in tests start in) after
    every test: a test that made a window in the projector theme and disposed of it left
    that theme current, and tests after it in the same worker failed by the order they ran
    in (a dashed selected-units band, one row of Cell charts at 360 px)."""
    yield
    import sys

    th = sys.modules.get("lstmviz.ui.theme")
    if th is not None and th.current() is not th.get("dark"):
        from PySide6 import QtWidgets

        th.apply("dark", QtWidgets.QApplication.instance())


@pytest.fixture(scope="session", autouse=True)
def _settings_in_the_sandbox():
    """QSettings' user scope in the sandbox too (belt and braces beside XDG_CONFIG_HOME)."""
    from PySide6 import QtCore

    for fmt in (QtCore.QSettings.Format.NativeFormat, QtCore.QSettings.Format.IniFormat):
        QtCore.QSettings.setPath(fmt, QtCore.QSettings.Scope.UserScope, str(SANDBOX / "config"))
    yield


@pytest.fixture
def make_window(qtbot, tmp_path):
    """A factory of main windows (napari's make_napari_viewer, for lstmviz).

    Each window has its own settings file and autosave path, is shown at ``size``, and
    is closed *and deleted* after the test: a closed window that stays alive keeps its
    widgets, and every later style sheet is applied to all of them, so a suite that
    leaks windows slows down test after test.
    """
    from PySide6 import QtCore, QtWidgets

    from lstmviz.app.state import AppState
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose
    from lstmviz.ui.main_window import MainWindow, apply_chrome

    made = []

    def make(size=(1400, 900), state=None):
        app = QtWidgets.QApplication.instance()
        settings = QtCore.QSettings(str(tmp_path / f"settings{len(made)}.ini"),
                                    QtCore.QSettings.Format.IniFormat)
        th.apply("dark", app)
        apply_chrome(app)
        w = MainWindow(state or AppState(), settings=settings, quiet=True)
        w.sessions.autosave_path = tmp_path / "appdata" / f"autosave{len(made)}.lstmviz"
        w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.presenter.tour.end(restore=False)
        w.presenter.leave()
        w.player.pause()
        w.sessions.wait()
        dispose(w)
    if made:
        from lstmviz.ui import theme as th

        th.apply("dark", QtWidgets.QApplication.instance())


@pytest.fixture
def projector_demo(qapp, tmp_path):
    """``open(tab, step, size=(1600, 1000), theme="projector")``: the bundled sine demo in
    ``theme``, rendered at ``size`` on the tab named ``tab`` as ``lstmviz --screenshot``
    renders it; gives the window and that tab's view. The window is disposed and the dark
    theme restored after."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, render

    demo = Path(__file__).resolve().parents[1] / "lstmviz" / "resources" / "demos" / "sine_predictor.keras"
    made = []

    def open_on(tab, step, size=(1600, 1000), theme="projector"):
        w = make_window(str(demo), theme=theme, quiet=True)
        made.append(w)
        k = next(i for i, v in enumerate(w.views) if v.title == tab)
        w.tabs.setCurrentIndex(k)
        render(w, tmp_path / "shot.png", step=step, size=size)
        return w, w.views[k]

    yield open_on
    for w in made:
        dispose(w)
    th.apply("dark", qapp)
