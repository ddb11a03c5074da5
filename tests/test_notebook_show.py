"""``lstmviz.show``: the window from Python; non-blocking inside IPython (``%gui qt``),
blocking until closed elsewhere; one QApplication reused, so it works again after closing."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

import lstmviz
from helpers import FIXTURES, expected_outputs, read_inputs
from lstmviz.engine import LayerSpec, Model
from lstmviz.errors import LstmvizError
from lstmviz.ui import notebook as nb

CASE = FIXTURES / "k3_lstm_default"


@pytest.fixture(autouse=True)
def no_ipython(monkeypatch, qapp, tmp_path):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    monkeypatch.setattr("lstmviz.ui.system_theme.startup_theme", lambda *a, **k: "dark")
    yield
    for w in list(nb.OPEN_WINDOWS):
        w.close()
    QtWidgets.QApplication.processEvents()
    QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


def close_soon(ms=100):
    """Close the next MainWindow shown (polling: loading the model runs the event loop too)."""
    timer = QtCore.QTimer()
    timer.setInterval(ms)

    def close():
        for w in QtWidgets.QApplication.topLevelWidgets():
            if w.isVisible() and type(w).__name__ == "MainWindow" and w not in nb.OPEN_WINDOWS:
                timer.stop()
                w.close()
    timer.timeout.connect(close)
    timer.start()
    return timer


def shown_output(window, sample=0):
    window.state.set_cursor(sample=sample)
    return window.state.trace.output


def test_show_a_model_and_input_without_blocking_then_again_after_closing():
    model = lstmviz.load(CASE / "model.keras")
    x = read_inputs(CASE)
    want = expected_outputs(np.load(CASE / "expected.npz"))[0]
    app = QtWidgets.QApplication.instance()
    w = lstmviz.show(model, x, block=False)
    assert w.isVisible() and w in nb.OPEN_WINDOWS
    assert w.windowTitle() == f"lstmviz \u2014 {model.name} (from Python)[*]"  # not "built-in stack"
    assert repr(w) == f"<lstmviz window: {model.name} (from Python)>"  # (a notebook cell's echo)
    np.testing.assert_array_equal(w.state.x, x)
    np.testing.assert_allclose(shown_output(w, 1), want[1:2], atol=1e-5)
    lstm = next(l for l in model.layers if l.class_name == "LSTM")
    units, kernel = lstm.units, lstm.weights[0].copy()
    w.state.set_layer_option(w.state.index_of(lstm.name), "units", units + 1)  # an edit in the window ...
    assert w.windowTitle().endswith("(from Python)[*]")
    assert w.state.model.get_layer(lstm.name).units == units + 1
    assert lstm.units == units and np.array_equal(lstm.weights[0], kernel)  # ... not in the caller's model
    w.close()
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert nb.OPEN_WINDOWS == []
    w2 = lstmviz.show(model.trace(x[:1]), block=False)  # a Trace: its model, its input
    assert QtWidgets.QApplication.instance() is app
    np.testing.assert_array_equal(w2.state.x, x[:1])
    np.testing.assert_allclose(w2.state.trace.output, want[:1], atol=1e-5)


def test_show_blocks_until_closed_outside_ipython_and_works_twice():
    for _ in range(2):
        timer = close_soon()
        w = lstmviz.show(str(CASE / "model.keras"), block=None)  # returns only once closed
        assert not timer.isActive() and nb.OPEN_WINDOWS == []
        assert w.state.model.count_params() == lstmviz.load(CASE / "model.keras").count_params()
        # what a plain python prompt echoes then (Qt's repr raised: the window is deleted)
        assert repr(w) == "<lstmviz window: model.keras, closed>"


def test_in_ipython_the_qt_loop_is_integrated_and_show_returns(monkeypatch):
    calls = []
    shell = types.SimpleNamespace(enable_gui=lambda name: calls.append(name))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    w = lstmviz.show(str(CASE / "model.keras"))
    assert calls == ["qt"] and w.isVisible() and w in nb.OPEN_WINDOWS
    assert not QtWidgets.QApplication.instance().quitOnLastWindowClosed()


def test_an_ipython_without_gui_support_falls_back_to_blocking(monkeypatch):
    def refuse(name):
        raise RuntimeError("no gui")
    shell = types.SimpleNamespace(enable_gui=refuse)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    timer = close_soon()
    lstmviz.show(str(CASE / "model.keras"))
    assert not timer.isActive() and nb.OPEN_WINDOWS == []


def test_show_a_live_keras_object(monkeypatch):
    from test_live_objects import fake_keras_model

    obj, mod = fake_keras_model("k3_lstm_default")
    monkeypatch.setitem(sys.modules, "keras", mod)
    x = read_inputs(CASE)
    w = lstmviz.show(obj, x, block=False)
    np.testing.assert_allclose(shown_output(w, 0), expected_outputs(np.load(CASE / "expected.npz"))[0][:1],
                               atol=1e-5)


def test_problems_are_named_before_a_window_opens(monkeypatch):
    monkeypatch.setattr("lstmviz.ui.preflight.check_window", lambda **k: ["no display to open a window on"])
    before = len(QtWidgets.QApplication.topLevelWidgets())
    with pytest.raises(LstmvizError, match="no display") as err:
        lstmviz.show(str(CASE / "model.keras"), block=False)
    assert "lstmviz.picture(obj, x)" in str(err.value)  # what a notebook on a server can do
    assert len(QtWidgets.QApplication.topLevelWidgets()) == before
    monkeypatch.undo()
    with pytest.raises(LstmvizError, match=r"shape \(1, 5, 4\) but the model takes \(None, 5, 3\)"):
        lstmviz.show(str(CASE / "model.keras"), np.zeros((1, 5, 4), np.float32), block=False)
    assert nb.OPEN_WINDOWS == []


def test_in_ipython_a_leftover_autosave_does_not_hold_the_kernel(monkeypatch):
    """A leftover autosave (a kernel restarted with a window open) was offered with a modal
    question: the kernel ran no cell until it was answered (never, without a display). A
    notebook's window neither offers one nor autosaves; the desktop app still offers it."""
    from lstmviz.app.session import save_session
    from lstmviz.app.state import AppState
    from lstmviz.ui.session_ui import default_autosave_path

    leftover = default_autosave_path().with_name("autosave-1-1.lstmviz")
    leftover.parent.mkdir(parents=True, exist_ok=True)
    save_session(AppState(), leftover)
    asked = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", lambda box: asked.append(box.text()) or
                        QtWidgets.QMessageBox.StandardButton.No)
    shell = types.SimpleNamespace(enable_gui=lambda name: None)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    try:
        w = lstmviz.show(str(CASE / "model.keras"))
        for _ in range(5):
            QtWidgets.QApplication.processEvents()
        assert asked == [] and leftover.exists()
        assert not w.sessions._restore_pending and not w.sessions.autosave(force=False)
        w.close()
        QtWidgets.QApplication.processEvents()
        monkeypatch.delitem(sys.modules, "IPython")
        timer = close_soon(300)  # a script's (blocking) window is the app's: it asks
        lstmviz.show(str(CASE / "model.keras"), block=True)
        assert not timer.isActive() and len(asked) == 1 and not leftover.exists()
    finally:
        leftover.unlink(missing_ok=True)


# -- lstmviz.picture: a view without a window ------------------------------------------------
DEMO = FIXTURES.parent.parent / "lstmviz" / "resources" / "demos" / "sine_predictor.keras"


def _image(data: bytes):
    from PySide6 import QtGui

    img = QtGui.QImage.fromData(data, "PNG")
    assert not img.isNull()
    return img.convertToFormat(QtGui.QImage.Format.Format_RGB32)


@pytest.mark.parametrize("view, step", [("cell", 12), ("over_time", 3), ("weights", None)])
def test_a_picture_is_the_export_of_the_same_view(tmp_path, view, step):
    """lstmviz.picture draws a view as a PNG without a window (a notebook on a server has
    no display): the same pixels as 'lstmviz MODEL --export-png OUT --view VIEW', which
    Jupyter shows inline through _repr_png_; no window is left open."""
    from lstmviz.ui.app import export_from_cli

    pic = lstmviz.picture(str(DEMO), view=view, step=step, size=(900, 600), theme="dark")
    assert pic._repr_png_() is pic.data and pic.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (pic.width, pic.height) == (900, 600)
    out = tmp_path / "cli.png"
    assert export_from_cli(str(DEMO), out, "png", view, (900, 600), step=step, theme="dark") == 0
    assert _image(pic.data) == _image(out.read_bytes())
    assert pic.save(tmp_path / "p.png") == str(tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes() == pic.data
    assert not [w for w in QtWidgets.QApplication.topLevelWidgets()
                if type(w).__name__ == "MainWindow" and w.isVisible()]


def test_a_picture_takes_the_cursor_and_refuses_in_one_line():
    m = lstmviz.load(DEMO)
    x = np.sin(np.arange(40, dtype=np.float32) / 4)[None, :, None]
    a = lstmviz.picture(m, x, view="cell", step=5, unit=0, size=(700, 450))
    b = lstmviz.picture(m, x, view="cell", step=5, unit=3, size=(700, 450))
    assert _image(a.data) != _image(b.data)  # the unit picked is drawn
    assert "cell at step 5" in repr(a)
    for kw, words in (({"step": 40}, "^step=40: the input has 40 steps: 0 to 39$"),
                      ({"view": "curves"}, "^unknown view 'curves': use one of unrolled, cell, over_time, "
                                           "weights, window, dh, connectivity, gates$"),
                      ({"view": "train"}, "^view='train': the Train tab trains a task of its own "
                                          r"\(its picture: lstmviz --screenshot OUT.png --view train\); its "
                                          r"gradient pages draw obj on x: view='dh' \(with y and loss\), "
                                          "'connectivity' or 'gates'$"),
                      ({"layer": "nope"}, "no such layer"), ({"size": (5, 5)}, "between 16")):
        with pytest.raises(LstmvizError, match=words) as err:
            lstmviz.picture(m, x, **kw)
        assert "\n" not in str(err.value)


def test_a_picture_of_one_step_or_sample_says_it_as_a_user_reads_it():
    """step=5 of a model of one timestep said "the input has steps 0 to 0" (sample=3 of a
    batch of one "samples 0 to 0"); now the count and the one number there is."""
    m = Model.sequential((None, 1, 2), [LayerSpec("LSTM", {"units": 2})])
    x = np.ones((1, 1, 2), np.float32)
    for kw, words in (({"step": 5}, "step=5: the input has 1 step: 0"),
                      ({"sample": 3}, "sample=3: the input has 1 sample: 0"),
                      ({"unit": 2}, "unit=2: layer 'lstm' has 2 units: 0 to 1")):
        with pytest.raises(LstmvizError) as err:
            lstmviz.picture(m, x, **kw)
        assert str(err.value) == words


def test_a_picture_of_an_unknown_layer_lists_the_layers_it_has():
    """picture(path, layer=0) (an index, as a notebook user tries first) said only "layer 0:
    the model has no such layer"; now the names to give, a long model's first ones."""
    m = lstmviz.load(DEMO)
    with pytest.raises(LstmvizError) as err:
        lstmviz.picture(m, layer=0)
    names = ", ".join(repr(ly.name) for ly in m.layers)
    assert str(err.value) == f"layer 0: the model has no such layer; give one of its layers' names: {names}"
    big = lstmviz.Model.sequential((None, 4, 2), [lstmviz.LayerSpec("Dense", {"units": 2}) for _ in range(10)])
    with pytest.raises(LstmvizError, match=r"give one of its layers' names: 'dense', .*, \.\.\. \(10 in all\)$"):
        lstmviz.picture(big, layer="nope")


def test_a_picture_refuses_a_unit_or_sample_it_cannot_draw_and_names_its_arguments():
    """picture(unit=99) of a 4-unit layer drew unit 3 and picture(sample=9) of a batch of 2
    sample 1, without a word (a report's figure of another unit than asked); step=12 was
    refused as '--step 12', a command-line option the notebook never used; a size as
    text ('800x600', which show() takes) or a scale not a number failed deep in Python. Each
    is one line naming the argument as it was passed."""
    m = lstmviz.load(DEMO)
    x = np.sin(np.arange(20, dtype=np.float32) / 4).reshape(1, 20, 1).repeat(2, axis=0)
    units = m.layers[0].units
    for kw, words in (({"unit": units},
                       rf"^unit={units}: layer '{m.layers[0].name}' has {units} units: 0 to {units - 1}$"),
                      ({"unit": -1}, "^unit=-1: layer "),
                      ({"sample": 9}, "^sample=9: the input has 2 samples: 0 to 1$"),
                      ({"step": -1}, "^step=-1: the input has 20 steps: 0 to 19$"),
                      ({"step": 1.5}, r"^step=1\.5: give a whole number$"),
                      ({"unit": "a"}, "^unit='a': give a whole number$"),
                      ({"size": (800,)}, r"^size=\(800,\): give \(width, height\) in pixels"),
                      ({"size": "big"}, "^size='big': give "),
                      ({"scale": "big"}, "^scale='big': give a number")):
        with pytest.raises(LstmvizError, match=words):
            lstmviz.picture(m, x, **kw)
    a = lstmviz.picture(m, x, view="cell", step=3, unit=units - 1, sample=1, size="640x400")
    assert (a.width, a.height) == (640, 400)  # a size as text, as show() takes it
    b = lstmviz.picture(m, x, view="cell", step=np.int64(3), unit=np.int64(units - 1), sample=1, size=(640, 400))
    assert _image(a.data) == _image(b.data)


def test_a_pictures_scale_is_refused_before_a_window_is_built(monkeypatch):
    """picture(scale=9), or a size and scale past 8192 pixels a side, was refused only once
    the window had been built, traced and laid out (the view's render): now at once, in
    the same one line as the render's."""
    import lstmviz.ui.app as ui_app

    def no_window(*args, **kwargs):
        raise AssertionError("a window was built for a picture that is refused")
    monkeypatch.setattr(ui_app, "make_window", no_window)
    for kw, words in (({"scale": 9}, "^the scale must be between 0.1 and 8, not 9$"),
                      ({"size": (4000, 3000), "scale": 4},
                       r"^4000 x 3000 at scale 4 is 16,000 x 12,000 pixels; a picture has at most 8,192 a side")):
        with pytest.raises(LstmvizError, match=words):
            lstmviz.picture(DEMO, **kw)


def test_a_bad_input_or_model_file_is_refused_before_a_window_is_built(monkeypatch, tmp_path):
    """picture(model, "bad.npy") built the window and opened the model before reading the
    input: a 200-byte .npy declaring terabytes took 2 s to be refused. The model file and the
    input are now read first, each refused in its own line with no window built."""
    import lstmviz.ui.app as ui_app

    def no_window(*args, **kwargs):
        raise AssertionError("a window was built for a picture that is refused")
    monkeypatch.setattr(ui_app, "make_window", no_window)
    huge = tmp_path / "huge.npy"
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 999999999999, 1), }".ljust(117) + "\n"
    huge.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
    (tmp_path / "words.csv").write_text("a,b\nx,y\n")
    (tmp_path / "model.keras").write_bytes(b"not a zip")
    m = lstmviz.load(DEMO)
    for obj in (DEMO, m):
        with pytest.raises(LstmvizError, match=r"^\S*huge.npy: the array would need 3.6 TiB, over the memory limit"):
            lstmviz.picture(obj, huge)
        with pytest.raises(LstmvizError, match=r"^\S*words.csv: .*not (a number|numbers)"):
            lstmviz.picture(obj, str(tmp_path / "words.csv"))
    np.save(tmp_path / "x.npy", np.zeros((1, 40, 1), np.float32))
    with pytest.raises(LstmvizError, match=r"^\S*model.keras: ") as err:
        lstmviz.picture(tmp_path / "model.keras", tmp_path / "x.npy")
    assert "\n" not in str(err.value)
    # a missing path, a damaged session, a truncated weights-only file: the window was built
    # (and the built-in stack traced) before their refusal
    import zipfile

    with zipfile.ZipFile(tmp_path / "damaged.lstmviz", "w") as zf:
        zf.writestr("manifest.json", "{}")
    weights = (FIXTURES / "k3_lstm_default" / "model.weights.h5").read_bytes()
    (tmp_path / "cut.weights.h5").write_bytes(weights[:3000])
    for name, said in (("gone.keras", "no such file"), ("damaged.lstmviz", "not a usable lstmviz session"),
                       ("cut.weights.h5", "the file is truncated or corrupt")):
        with pytest.raises(LstmvizError, match=rf"^\S*{name}: .*{said}") as err:
            lstmviz.picture(tmp_path / name)
        assert "\n" not in str(err.value)


def test_a_list_of_arrays_is_an_array_per_input_else_refused_in_one_line():
    """picture(seq2seq, [x_encoder, x_decoder]) failed deep in NumPy with a ValueError
    ('inhomogeneous shape'), and a list of arrays of different shapes for one input too;
    then the pair was refused (the window made the decoder's input up). The pair now feeds
    the model's two inputs: the same picture as its Trace's; the first input alone still
    draws (the decoder's input made up), and one input's ragged list is one line."""
    s2s = FIXTURES / "k3_seq2seq_lstm"
    pair = [np.load(s2s / "x0.npy"), np.load(s2s / "x1.npy")]
    m = lstmviz.load(DEMO)
    with pytest.raises(LstmvizError, match=r"^the input is a list of arrays of different shapes; give one "
                                           r"array \(None, 40, 1\) \(samples first\)$"):
        lstmviz.picture(m, [np.zeros((40, 1)), np.zeros((30, 1))])
    with pytest.raises(LstmvizError, match=r"^input 1 \('\w+'\) has 3 features but the model expects 2"):
        lstmviz.picture(s2s / "model.keras", [pair[0], np.zeros((2, 4, 3))])
    assert lstmviz.picture(s2s / "model.keras", pair[0], view="unrolled", size=(400, 300)).width == 400
    kw = {"view": "unrolled", "size": (500, 320), "sample": 1}
    given = lstmviz.picture(s2s / "model.keras", pair, **kw)
    made = lstmviz.picture(s2s / "model.keras", pair[0], **kw)
    trace = lstmviz.load(s2s / "model.keras").trace(pair)
    assert _image(lstmviz.picture(trace, **kw).data) == _image(given.data)
    assert _image(given.data) != _image(made.data)  # (the decoder's input shows)
    files = [s2s / "x0.npy", str(s2s / "x1.npy")]  # (or their files, as -i x0.npy -i x1.npy)
    assert _image(lstmviz.picture(s2s / "model.keras", files, **kw).data) == _image(given.data)
    with pytest.raises(LstmvizError, match=r"^x='nope.npy': no such file; give arrays, or .npy or .csv"):
        lstmviz.picture(s2s / "model.keras", [files[0], "nope.npy"])


def test_x_may_be_an_input_files_path_as_for_input(tmp_path):
    """picture(m, "x.npy") said 'the input holds <U5 values, not numbers' (the path taken for
    an array of text); a path is now read as `lstmviz MODEL --input x.npy` reads it, the same
    pixels as the array itself, and a missing one is named in one line."""
    m = lstmviz.load(DEMO)
    x = np.sin(np.arange(40, dtype=np.float32) / 4)[None, :, None]
    np.save(tmp_path / "x.npy", x)
    (tmp_path / "x.csv").write_text("value\n" + "".join(f"{v!r}\n" for v in x[0, :, 0].tolist()))
    given = lstmviz.picture(m, x, view="cell", step=7, size=(500, 300))
    for path in (tmp_path / "x.npy", str(tmp_path / "x.csv")):
        assert _image(lstmviz.picture(m, path, view="cell", step=7, size=(500, 300)).data) == _image(given.data)
    with pytest.raises(LstmvizError, match=r"^x='nope.npy': no such file; give an array, or a .npy or "
                                           r"\.csv file's path$"):
        lstmviz.picture(m, "nope.npy")


def test_a_picture_needs_no_display(tmp_path):
    """A kernel on a server: no DISPLAY, no QT_QPA_PLATFORM, no Qt started yet. picture()
    starts Qt offscreen by itself and draws (show() would say there is no display)."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "LSTMVIZ_SKIP_CHECKS")}
    code = ("import lstmviz, sys; p = lstmviz.picture(sys.argv[1], view='unrolled', size=(640, 400)); "
            "p.save(sys.argv[2]); print(p.width, p.height)")
    out = tmp_path / "u.png"
    run = subprocess.run([sys.executable, "-c", code, str(DEMO), str(out)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["640", "400"] and out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("screen, maximized", [((1280, 720), True), ((1920, 1080), False)])
def test_show_fits_a_small_screen(monkeypatch, screen, maximized):
    """lstmviz.show opened at 1600 x 1000 whatever the screen: on a 1280 x 720 projector
    its player was below the edge. Without a size asked for, it opens maximized on a
    screen smaller than that, as the app's first start does."""
    from PySide6 import QtGui

    room = QtCore.QRect(0, 0, *screen)
    monkeypatch.setattr(QtGui.QScreen, "availableGeometry", lambda self: room)
    w = lstmviz.show(str(CASE / "model.keras"), block=False)
    assert bool(w.windowState() & QtCore.Qt.WindowState.WindowMaximized) == maximized
    if not maximized:
        assert (w.width(), w.height()) == (1600, 1000)
    w.close()


def test_show_refuses_a_size_it_cannot_read_in_one_line_before_a_window_opens():
    """show(size='big') failed with 'not enough values to unpack' after its window was made
    (and left it behind); now one line naming the argument, as picture says it."""
    from lstmviz.ui import notebook

    before = len(notebook.OPEN_WINDOWS)
    for size in ("big", (800,), ("a", "b")):
        with pytest.raises(LstmvizError, match=r"^size=.*: give \(width, height\) in pixels"):
            lstmviz.show(str(CASE / "model.keras"), size=size, block=False)
    assert len(notebook.OPEN_WINDOWS) == before
    assert not [w for w in QtWidgets.QApplication.topLevelWidgets()
                if type(w).__name__ == "MainWindow" and w.isVisible()]


def test_show_refuses_a_size_beyond_the_sides_picture_and_size_allow_before_a_window_opens():
    """show(size=(100000, 100000)) resized a window to it (the rule of picture's size and
    the CLI's --size, limits.check_picture_size, was not asked); now the same one line."""
    from lstmviz.ui import notebook

    before = len(notebook.OPEN_WINDOWS)
    for size in ((100000, 100000), "5x5", (800, 0)):
        with pytest.raises(LstmvizError, match=r"^size .*: give a width and a height between 16 and 8192"):
            lstmviz.show(str(CASE / "model.keras"), size=size, block=False)
    assert len(notebook.OPEN_WINDOWS) == before


def test_a_fault_while_the_window_is_made_leaves_no_window_behind(monkeypatch):
    """A fault past make_window's refusals (the side panel's OverflowError on a fuzzed
    file, since fixed) left a half-built MainWindow alive; a later collection of it crashed
    Qt (a segfault in a long fuzzed run). make_window now disposes of it and re-raises."""
    from lstmviz.ui.main_window import MainWindow

    def broken(self, *a, **k):
        raise RuntimeError("a fault while opening")

    monkeypatch.setattr(MainWindow, "open_file", broken)
    before = {id(w) for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, MainWindow)}
    with pytest.raises(RuntimeError, match="a fault while opening"):
        lstmviz.picture(str(DEMO), view="cell", size=(400, 300))
    QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    left = [w for w in QtWidgets.QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and id(w) not in before]
    assert not left


def test_a_picture_saved_to_a_folder_is_refused_in_one_line(tmp_path):
    # pic.save("figures/") raised IsADirectoryError from inside lstmviz/files.py
    pic = nb.Picture(b"\x89PNG\r\n\x1a\n", 1, 1, "cell at step 0")
    with pytest.raises(LstmvizError) as err:
        pic.save(tmp_path)
    text = str(err.value)
    assert "\n" not in text and str(tmp_path) in text and "folder" in text and ".png" in text
    assert list(tmp_path.iterdir()) == []


def test_a_list_of_one_array_is_a_one_input_models_input():
    """picture(m, [x]) on a model of one input said "the input has shape (1, 2, 5, 3) but
    the model takes (None, 5, 3)": the list stacked into a shape the user never wrote.
    A list holds an array per input (as model.trace([x]) takes it): [x] is x, and a list of
    two whole inputs is refused saying to give one array; a list of samples still stacks."""
    m = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4})], seed=0)
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    want = _image(lstmviz.picture(m, x, size=(300, 200)).data)
    assert _image(lstmviz.picture(m, [x], size=(300, 200)).data) == want
    assert _image(lstmviz.picture(m, [x[0], x[1]], size=(300, 200)).data) == want
    for given, kind in (([x, x], "list"), ((x, x), "tuple")):
        with pytest.raises(LstmvizError) as err:
            lstmviz.picture(m, given)
        assert str(err.value) == (f"the model takes 1 input, got a {kind} of 2 arrays (a {kind} holds one "
                                  "array per input); give this model's one input as one array (None, 5, 3) "
                                  "(samples first)")


def test_a_list_of_one_array_is_a_several_input_models_first_input():
    """picture(seq2seq, [x_encoder]) said "the input has shape (1, 2, 5, 3) but the model
    takes (None, 5, 3)" while picture(seq2seq, x_encoder) and picture(seq2seq,
    ["x0.npy"]) drew it (the README: a list of one, [x] or ["x.npy"], is that one). [x] is
    x for a model of several inputs too, and a list of more arrays than the model has
    inputs is refused in one line saying how many it takes."""
    s2s = FIXTURES / "k3_seq2seq_lstm"
    x0, x1 = np.load(s2s / "x0.npy"), np.load(s2s / "x1.npy")
    m = lstmviz.load(s2s / "model.keras")
    kw = {"view": "unrolled", "size": (400, 300)}
    want = _image(lstmviz.picture(m, x0, **kw).data)
    assert _image(lstmviz.picture(m, [x0], **kw).data) == want
    assert _image(lstmviz.picture(m, (x0,), **kw).data) == want
    with pytest.raises(LstmvizError) as err:
        lstmviz.picture(m, [x0, x1, x1])
    assert str(err.value) == ("the model takes 2 inputs, got a list of 3 arrays (a list holds one array "
                              "per input); give an array per input, or the first input's alone")


def test_a_list_of_one_input_files_path_is_that_path(tmp_path):
    """picture(m, ["x.npy"]) said "the input holds <U16 values, not numbers" while
    picture(m, [x]) with the array drew it: a list holds an input per input, so a list of
    one path is that path, for show as for picture (both resolve x alike); a list of both
    paths and arrays is refused in one line saying what to give."""
    m = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4})], seed=0)
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    want = _image(lstmviz.picture(m, x, size=(300, 200)).data)
    for given in ([str(tmp_path / "x.npy")], (tmp_path / "x.npy",)):
        assert _image(lstmviz.picture(m, given, size=(300, 200)).data) == want
        _, _, read = nb.resolve(m, given)  # (show's x)
        assert read.source == str(tmp_path / "x.npy") and np.array_equal(read(m), x)
    for mixed in ([x, str(tmp_path / "x.npy")], (str(tmp_path / "x.npy"), x)):
        with pytest.raises(LstmvizError) as err:
            lstmviz.picture(m, mixed)
        assert str(err.value) == (f"x: a {type(mixed).__name__} of both file paths and arrays; give an "
                                  "array per input, or a .npy or .csv file's path per input")


@pytest.mark.parametrize("theme", ["neon", 3, ["dark"]])
def test_an_unknown_theme_is_refused_before_the_display_is_looked_at(monkeypatch, theme):
    """show(theme="neon") without a display said there was no display; given one, it then
    said the theme was unknown. The argument is checked first, in one line naming the
    themes (picture's too, before Qt draws anything)."""
    from lstmviz.ui import preflight
    from lstmviz.ui import theme as th

    assert preflight.THEMES == tuple(th.THEMES)  # (the names checked before Qt are the themes')
    monkeypatch.setattr("lstmviz.ui.preflight.check_window", lambda **k: ["no display to open a window on"])
    said = f"theme={theme!r}: unknown theme; themes: dark, light, projector"
    with pytest.raises(LstmvizError) as err:
        lstmviz.show(str(CASE / "model.keras"), theme=theme, block=False)
    assert str(err.value) == said
    with pytest.raises(LstmvizError) as err:
        lstmviz.picture(str(CASE / "model.keras"), theme=theme)
    assert str(err.value) == said
    with pytest.raises(LstmvizError, match="no display"):  # (a theme it has: on to the display)
        lstmviz.show(str(CASE / "model.keras"), theme="projector", block=False)
    assert nb.OPEN_WINDOWS == []


# -- a window presented and disposed, then a picture: no widget left to the collector -------
def test_qts_list_of_every_widget_is_read_with_the_collector_held(monkeypatch):
    """Restyling reads QApplication.allWidgets() with the garbage collector held: PySide
    makes a Python object per widget while it reads the list, and a collection set off by
    them deleted a widget further down the list (a closed window's pyqtgraph menu, in a
    reference cycle), which PySide then read: a segfault in lstmviz.picture after
    tests/test_presentation.py had run in the same process."""
    import gc

    from lstmviz.ui import theme as th

    real = QtWidgets.QApplication.allWidgets
    collector_on = []

    def all_widgets():
        collector_on.append(gc.isenabled())
        return real()

    monkeypatch.setattr(QtWidgets.QApplication, "allWidgets", staticmethod(all_widgets))
    # (automatic collection on, as in a notebook; off in a process that ran the app's own
    # loop, ``collect_on_gui_thread``, as a test before this one in the same worker may have)
    was = gc.isenabled()
    try:
        for on in (True, False):
            (gc.enable if on else gc.disable)()
            collector_on.clear()
            th.apply("dark", QtWidgets.QApplication.instance())
            assert collector_on and not any(collector_on)
            assert gc.isenabled() is on  # (given back as it was)
    finally:
        (gc.enable if was else gc.disable)()


PRESENTED_THEN_PICTURED = """
import gc, sys
import shiboken6
from PySide6 import QtWidgets
import lstmviz
from lstmviz.ui.app import _app, dispose, make_window

app = _app(offscreen=True)
window = make_window(sys.argv[1], "dark", quiet=True)
window.resize(1280, 720)
window.show()
window.presenter.fullscreen = False
window.presenter.enter()  # F5
app.processEvents()
window.presenter.leave()
scenes = [v.scene() for v in window.findChildren(QtWidgets.QGraphicsView) if v.scene() is not None]
menus = [m for s in scenes for it in s.items() for m in (getattr(it, "ctrlMenu", None), getattr(it, "menu", None))
         if isinstance(m, QtWidgets.QMenu)]
assert menus, "the window's plots have pyqtgraph menus"
dispose(window)
del window, scenes
left = [m for m in menus if shiboken6.isValid(m)]
assert not left, f"{len(left)} of the window's {len(menus)} plot menus outlived it"
del menus, left
gc.collect()
pic = lstmviz.picture(sys.argv[1], view="cell", size=(600, 400))
print(pic.width, pic.height)
"""


def test_a_picture_after_a_presented_window_was_disposed():
    """A notebook user shows a window, presents it (F5), closes it and asks for a picture:
    the window's pyqtgraph menus (a plot's "Plot Options", a ViewBox's menu: widgets
    without a parent, owned by Python) are deleted with it, not left alive in reference
    cycles for a later collection to delete in the middle of Qt's list of every widget
    (a segfault). In a child process, so that a crash fails this test only."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p)}
    run = subprocess.run([sys.executable, "-X", "faulthandler", "-c", PRESENTED_THEN_PICTURED, str(DEMO)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split() == ["600", "400"]
