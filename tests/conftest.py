"""Shared test setup: Qt runs offscreen (no display needed), BLAS on one thread."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


import pytest  # noqa: E402


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
