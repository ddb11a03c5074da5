"""The start-up path: ``lstmviz MODEL`` (make_window on a model, then show_window) and
the headless runs (``--screenshot``, ``--export-*``)."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstmviz.app import session as ses
from lstmviz.app.state import AppState
from lstmviz.errors import LstmvizError

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "tests" / "fixtures" / "k3_lstm_default" / "model.keras"


@pytest.fixture
def started(qtbot, tmp_path, monkeypatch):
    """``make`` starts a window as ``run_app`` does (without entering the event loop)."""
    from PySide6 import QtCore, QtWidgets

    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window

    made = []

    def make(model, settings, autosave_dir):
        # the autosave folder is fixed before the window exists, as QStandardPaths does it
        monkeypatch.setattr("lstmviz.ui.session_ui.default_autosave_path",
                            lambda: autosave_dir / "autosave-mine.lstmviz")
        w = make_window(str(model) if model else None, "dark", quiet=False, settings=settings)
        made.append(w)
        return w

    yield make
    for w in made:
        w.quiet = True
        w.sessions.wait()
        dispose(w)
    th.apply("dark", QtWidgets.QApplication.instance())
    assert QtCore  # imported for the fixture's users


def _settings(tmp_path, geometry_of=None):
    from PySide6 import QtCore

    s = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    if geometry_of is not None:
        s.setValue("geometry", geometry_of.saveGeometry())
        s.sync()
    return s


def test_started_on_a_model_restores_geometry_and_offers_the_autosave(started, make_window,
                                                                      tmp_path, qtbot,
                                                                      monkeypatch):
    from PySide6 import QtWidgets

    from lstmviz.ui.app import show_window

    # the geometry a previous run saved, and what restoring it gives on this screen
    before = make_window((1100, 650))
    settings = _settings(tmp_path, before)
    probe = make_window((1300, 780))
    probe.restoreGeometry(settings.value("geometry"))
    want = (probe.width(), probe.height())
    # a window of an earlier run that crashed left its autosave beside ours
    appdata = tmp_path / "appdata"
    appdata.mkdir()
    crashed = AppState()
    crashed.set_layer_option(0, "units", 3)
    left = ses.save_session(crashed, appdata / "autosave-999999-1.lstmviz")
    asked = []

    def answer(box):
        asked.append(box.text())
        return QtWidgets.QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", answer)
    w = started(MODEL, settings, appdata)
    # the event loop turns while the model is read (and here once more, whatever the
    # reading took): the window is not shown yet, so nothing is offered yet
    QtWidgets.QApplication.processEvents()
    assert w.state.path == str(MODEL) and not asked
    show_window(w)
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert "did not close cleanly" in asked[0]
    assert (w.width(), w.height()) == want
    assert w.state.layers[0].config["units"] == 3  # restored
    assert not left.exists()


def test_an_explicit_size_wins_over_the_saved_geometry(started, make_window, tmp_path, qtbot):
    from lstmviz.ui.app import show_window

    settings = _settings(tmp_path, make_window((1100, 650)))
    w = started(MODEL, settings, tmp_path)
    show_window(w, size=(1500, 950))
    qtbot.waitUntil(lambda: not w.sessions._restore_pending, timeout=5000)
    assert (w.width(), w.height()) == (1500, 950)


def _same_as_the_file(state):
    """The window's stack is MODEL as opened: its layers, configs and weights."""
    import lstmviz

    fresh = AppState(build=False)
    fresh.set_model(lstmviz.load(MODEL), str(MODEL))
    assert state.path == str(MODEL)
    assert [(e.class_name, e.config) for e in state.layers] == [(e.class_name, e.config) for e in fresh.layers]
    for a, b in zip(state.layers, fresh.layers):
        assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights)), a.name


def test_a_start_on_a_file_has_nothing_before_it_to_undo(qapp):
    """``lstmviz model.keras``: Ctrl+Z went back to the built-in stack, never built nor
    shown (the start's "before"); a model from Python (``lstmviz.show(model)``) too."""
    import lstmviz
    from lstmviz.ui.app import dispose
    from lstmviz.ui.app import make_window as start

    for w in (start(str(MODEL), "dark", quiet=True), start(None, "dark", quiet=True, model=lstmviz.load(MODEL))):
        try:
            assert w.state.model is not None and not w.state.undo_stack
            assert not w.sessions.undo() and w.last_message == "Nothing to undo"
            assert [ly.class_name for ly in w.state.model.layers] == ["LSTM", "Dense"]
            w.state.set_layer_option(0, "units", 5)
            assert w.sessions.undo() and w.state.layers[0].config["units"] == 4  # (edits still undo)
        finally:
            dispose(w)


def test_undo_after_a_restore_in_the_files_place_takes_the_restore_back(started, tmp_path, qtbot,
                                                                        monkeypatch):
    """`lstmviz model.keras`, a leftover autosave of its edits restored in its place: the
    first Ctrl+Z brought the file back saying the last edit of the restored work
    ("Undone: units of 'lstm' 6 -> 4"), the title kept its "*", a second Ctrl+Z went to the
    built-in stack nobody saw, and closing then asked about "the restored work". Undo now
    says what it does, the title and a close's question follow each step, the history
    starts at the file, and Redo brings the restored work back."""
    from PySide6 import QtWidgets

    import lstmviz
    from lstmviz.ui.app import show_window

    appdata = tmp_path / "appdata"
    appdata.mkdir()
    crashed = AppState(build=False)  # the last run: model.keras opened, its LSTM 4 -> 6 units
    crashed.set_model(lstmviz.load(MODEL), str(MODEL))
    crashed.set_layer_option(0, "units", 6)
    ses.save_session(crashed, appdata / "autosave-999999-1.lstmviz")
    asked = []

    def answer(box):
        asked.append(box.text())
        return QtWidgets.QMessageBox.StandardButton.Yes  # "Restore in its place"

    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", answer)
    w = started(MODEL, _settings(tmp_path), appdata)
    show_window(w)
    qtbot.waitUntil(lambda: not w.sessions._restore_pending, timeout=5000)
    assert len(asked) == 1 and "model.keras, which you asked to open" in asked[0]
    st, sm = w.state, w.sessions
    assert st.layers[0].config["units"] == 6 and w.isWindowModified()
    assert sm.unsaved() == "the restored work"
    st.set_layer_option(0, "units", 7)  # an edit of the restored work
    assert sm.undo() and w.last_message == "Undone: units of 'lstm' 7 \u2192 6"
    assert sm.undo() and w.last_message == "Undone: the restored work; model.keras as opened"
    _same_as_the_file(st)
    qtbot.waitUntil(lambda: not w.isWindowModified(), timeout=5000)  # the file as opened: no "*"
    assert w.windowTitle() == "lstmviz \u2014 model.keras[*]" and sm.unsaved() == ""
    assert sm.session_path is None
    assert not sm.undo() and w.last_message == "Nothing to undo"  # (no built-in stack before it)
    _same_as_the_file(st)
    # the restored work is only on the redo stack now: a close asks about it (the user's work is
    # never lost unasked), Cancel keeps the window and the work
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec",
                        lambda box: asked.append(box.text()) or QtWidgets.QMessageBox.StandardButton.Cancel)
    assert not sm.may_close() and len(asked) == 2
    assert "restored from the autosave was taken back by Edit > Undo" in asked[1]
    assert sm.redo() and w.last_message == "Redone: the restored work"
    assert st.layers[0].config["units"] == 6
    qtbot.waitUntil(w.isWindowModified, timeout=5000)
    assert sm.unsaved() == "the restored work"
    assert sm.redo() and st.layers[0].config["units"] == 7 and w.last_message == "Redone: units of 'lstm' 6 \u2192 7"
    assert sm.unsaved() == "the restored work"
    st.set_layer_option(0, "units", 8)
    for _ in range(3):
        assert sm.undo()
    assert w.last_message == "Undone: the restored work; model.keras as opened"
    st.set_layer_option(0, "units", 5)  # an edit of the file: the restored work is gone for good
    assert not sm.redo() and sm.unsaved() == "units of 'lstm' 4 \u2192 5"


# -- headless runs ---------------------------------------------------------------------------
@pytest.fixture
def headless(monkeypatch):
    """``run_app``/``export_from_cli`` in this process; sys.excepthook put back after."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    yield


def _boom_trace(monkeypatch):
    def fail(self, model, xs):
        raise LstmvizError("the trace failed on purpose")

    monkeypatch.setattr(AppState, "_trace", fail)


def _boom_cell_view(monkeypatch):
    from lstmviz.ui.views.cell import CellView

    def fail(self, *args, **kwargs):
        raise RuntimeError("cannot draw on purpose")

    monkeypatch.setattr(CellView, "set_data", fail)


@pytest.mark.parametrize("why", ["trace", "view", "session", "weights"])
def test_a_screenshot_of_a_model_that_cannot_be_shown_exits_2(headless, monkeypatch, tmp_path,
                                                              capsys, why):
    import lstmviz.ui.app as ui_app

    model = str(MODEL)
    if why in ("trace", "view"):
        (_boom_trace if why == "trace" else _boom_cell_view)(monkeypatch)
    else:  # a damaged session or weights-only file: refused before the window (or Qt's app)
        model = str(tmp_path / ("damaged.lstmviz" if why == "session" else "cut.weights.h5"))
        if why == "session":
            with zipfile.ZipFile(model, "w") as zf:
                zf.writestr("manifest.json", "{}")
        else:
            Path(model).write_bytes((MODEL.parent / "model.weights.h5").read_bytes()[:3000])

        def no_app(*args, **kwargs):
            raise AssertionError("Qt's application started for a file that is refused")
        monkeypatch.setattr(ui_app, "_app", no_app)
    out = tmp_path / "shot.png"
    rc = ui_app.run_app(model, str(out), None, (800, 500), "dark", "cell")
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1 and err[0].startswith("lstmviz: ")
    assert {"trace": "trace failed on purpose", "view": "Cell view could not draw",
            "session": "not a usable lstmviz session", "weights": "truncated or corrupt"}[why] in err[0]
    assert not out.exists()  # never a picture of another model


@pytest.mark.parametrize("why", ["trace", "view"])
def test_an_export_of_a_model_that_cannot_be_shown_exits_2(headless, monkeypatch, tmp_path,
                                                           capsys, why):
    from lstmviz.ui.app import export_from_cli

    (_boom_trace if why == "trace" else _boom_cell_view)(monkeypatch)
    out = tmp_path / "cell.png"
    rc = export_from_cli(str(MODEL), str(out), "png", view="cell", size=(600, 400))
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("lstmviz: ")
    assert not out.exists()


def test_a_screenshot_of_a_model_that_works_still_exits_0(headless, tmp_path, capsys):
    from PySide6 import QtGui

    from lstmviz.ui.app import run_app

    out = tmp_path / "shot.png"
    assert run_app(str(MODEL), str(out), 3, (800, 500), "dark", "cell") == 0
    assert QtGui.QImage(str(out)).width() == 800


def test_the_preread_model_is_what_lstmviz_load_reads(tmp_path, monkeypatch):
    """``Preread`` (the start-up's read, begun before Qt) hands over exactly the model
    ``lstmviz.load`` reads, once; another path, a changed memory budget or a second call
    read the file then; a file's error is raised where the window reads it."""
    import numpy as np

    from lstmviz import limits, loading
    from lstmviz.ui.app import Preread

    want = loading.load(str(MODEL))
    pre = Preread(str(MODEL))
    got = pre(str(MODEL))
    assert [l.name for l in got.layers] == [l.name for l in want.layers]
    for a, b in zip(got.layers, want.layers):
        for wa, wb in zip(a.weights, b.weights):
            np.testing.assert_array_equal(wa, wb)
    calls = []
    monkeypatch.setattr(loading, "load", lambda p: calls.append(str(p)) or want)
    assert pre(str(MODEL)) is want and calls == [str(MODEL)]  # once only
    other = Preread(str(MODEL))
    assert other("elsewhere.keras") is want and calls[-1] == "elsewhere.keras"
    monkeypatch.undo()
    changed = Preread(str(MODEL))
    changed._thread.join()
    monkeypatch.setattr(limits, "memory_limit", lambda: 12345)
    monkeypatch.setattr(loading, "load", lambda p: calls.append(("again", str(p))) or want)
    assert changed(str(MODEL)) is want and calls[-1] == ("again", str(MODEL))
    monkeypatch.undo()
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LstmvizError):
        Preread(str(bad))(str(bad))
    npy, keras = Preread(str(tmp_path / "input.npy")), Preread(str(MODEL))
    npy._thread.join()
    keras._thread.join()
    assert npy.path is None and keras.path == str(MODEL)  # inputs are not read here, models are
    # a session and a weights-only file are read here too (their readers'), handed over once,
    # refused before Qt (refuse_early); a model file's read is not waited for there
    ses.save_session(AppState(), tmp_path / "work.lstmviz")
    weights = MODEL.parent / "model.weights.h5"
    for path, kind, reader in ((tmp_path / "work.lstmviz", "session", (ses, "read_session")),
                               (weights, "weights", (loading, "read_weights"))):
        pre = Preread(str(path))
        pre.refuse_early()
        assert pre.peek() is None and pre.kind == kind
        got = pre.take(str(path), kind)
        assert got is not None
        monkeypatch.setattr(*reader, lambda p: ("again", str(p)))
        assert pre.take(str(path), kind) == ("again", str(path))  # once only
        monkeypatch.undo()
    with zipfile.ZipFile(tmp_path / "damaged.lstmviz", "w") as zf:
        zf.writestr("manifest.json", "{}")
    for path, said in ((tmp_path / "gone.keras", "no such file"),
                       (tmp_path / "damaged.lstmviz", "not a usable lstmviz session")):
        with pytest.raises(LstmvizError, match=said):
            Preread(str(path)).refuse_early()


@pytest.mark.parametrize("screen,maximized", [((1280, 720), True), ((1024, 768), True), ((1920, 1080), False),
                                             ((1600, 1000), True), ((1680, 1010), True)])
def test_the_first_start_fits_the_window_to_a_small_screen(started, tmp_path, qtbot, monkeypatch,
                                                           screen, maximized):
    """No saved geometry (a first start): the window opened at 1600 x 1000 on a 1280 x 720
    projector, its player and status bar below the screen's edge. On a screen smaller
    than that it now opens maximized; on a larger one at 1600 x 1000 as before. The frame
    counts too: on a free area of just 1600 x 1000 (or a 1680 x 1050 screen under a 40 px
    panel) the title bar pushed the status bar below the edge."""
    from PySide6 import QtCore, QtGui

    from lstmviz.ui.app import show_window

    room = QtCore.QRect(0, 0, *screen)
    monkeypatch.setattr(QtGui.QScreen, "availableGeometry", lambda self: room)
    w = started(MODEL, _settings(tmp_path), tmp_path)
    show_window(w)
    qtbot.waitUntil(lambda: not w.sessions._restore_pending, timeout=5000)
    assert bool(w.windowState() & QtCore.Qt.WindowState.WindowMaximized) == maximized
    if not maximized:
        assert (w.width(), w.height()) == (1600, 1000)


@pytest.mark.parametrize("terminal", [False, True])
def test_a_window_that_cannot_open_its_file_says_so_where_it_is_seen(tmp_path, terminal):
    """``lstmviz FILE`` (a window, not a picture) on a file it cannot open prints its one
    line on stderr and exits 2; started without a terminal (the desktop's menu entry, a file
    manager's "Open with": Terminal=false) it showed nothing at all, the line went to a
    log nobody reads. It now says it in a message box too, the same line; from a terminal
    the line alone, as before."""
    import os
    import subprocess

    bad = tmp_path / "damaged.lstmviz"
    bad.write_bytes(b"PK\x03\x04 not really a session")
    tty = ("class Tty:\n    def __init__(s, f): s.f = f\n    def isatty(s): return True\n"
           "    def __getattr__(s, n): return getattr(s.f, n)\n"
           "sys.stderr = Tty(sys.stderr)\n") if terminal else ""
    code = ("import sys\n" + tty +
            "from PySide6 import QtWidgets\n"
            "shown = []\n"
            "QtWidgets.QMessageBox.exec = lambda self: shown.append((self.windowTitle(), self.text())) or 0\n"
            "import lstmviz.ui.app as a\n"
            "a.on_a_screen = lambda: True  # (offscreen here: as on a desktop's screen)\n"
            "from lstmviz.ui.app import run_app\n"
            f"rc = run_app({str(bad)!r})\n"
            "print(repr(shown))\n"
            "sys.exit(rc)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180,
                       cwd=ROOT, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert r.returncode == 2, r.stderr
    err = [line for line in r.stderr.splitlines() if line.startswith("lstmviz: ")]
    assert len(err) == 1 and "damaged.lstmviz" in err[0] and "Traceback" not in r.stderr
    shown = eval(r.stdout.strip().splitlines()[-1])
    if terminal:
        assert shown == []
    else:
        assert len(shown) == 1
        title, text = shown[0]
        assert "cannot open" in title and "\n" not in text
        assert f"lstmviz: {text}" == err[0]


def test_without_a_terminal_or_a_screen_a_refusal_waits_for_no_one(tmp_path):
    """A script or a test (stderr no terminal) running ``lstmviz FILE`` on the offscreen
    platform: the refusal's message box would wait for a click nobody can give; the line
    on stderr and exit 2 only."""
    import os
    import subprocess

    bad = tmp_path / "damaged.lstmviz"
    bad.write_bytes(b"PK\x03\x04 not really a session")
    code = ("import sys\n"
            "from lstmviz.ui.app import run_app\n"
            f"sys.exit(run_app({str(bad)!r}))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=ROOT, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert r.returncode == 2 and "damaged.lstmviz" in r.stderr, r.stderr
