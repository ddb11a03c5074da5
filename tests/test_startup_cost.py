"""What start-up leaves out, and that what it leaves out is not missed: plots made without
the menus they switch off, the window's frame built before its parts (the same Tab order),
the built-in stack not built when a demo replaces it, modules the first picture does not
need not imported (README "Performance")."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def started(qtbot):
    """``make_window`` as ``run_app`` calls it (the demo unless a model is given)."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window

    made = []

    def make(*args, **kwargs):
        w = make_window(*args, quiet=True, **kwargs)
        made.append(w)
        return w

    yield make
    for w in made:
        w.sessions.wait()
        dispose(w)
    th.apply("dark", QtWidgets.QApplication.instance())


def _image(item, size=(60, 300)):
    """``item`` (a graphics widget) painted alone into an image of ``size``."""
    from PySide6 import QtGui, QtWidgets

    scene = QtWidgets.QGraphicsScene()
    scene.addItem(item)
    item.setGeometry(0, 0, *size)
    img = QtGui.QImage(*size, QtGui.QImage.Format.Format_ARGB32)
    img.fill(0)
    p = QtGui.QPainter(img)
    scene.render(p, QtCore_rect(size), QtCore_rect(size))
    p.end()
    scene.removeItem(item)
    return np.frombuffer(img.constBits(), np.uint8).reshape(size[1], size[0], 4).copy()


def QtCore_rect(size):
    from PySide6 import QtCore

    return QtCore.QRectF(0, 0, *size)


def test_colour_bar_without_menu_draws_as_pyqtgraphs(qtbot):
    """``plot_tools.ColorBar`` is pyqtgraph's colour bar made without the ViewBox menu it
    switches off: no menu, the same pixels, the same levels and colour map."""
    import pyqtgraph as pg

    from lstmviz.ui.plot_tools import ColorBar

    kw = dict(values=(-1, 1), colorMap=pg.colormap.get("CET-D1"), interactive=False, width=14)
    ours, theirs = ColorBar(**kw), pg.ColorBarItem(**kw)
    assert ours.getViewBox().menu is None and theirs.getViewBox().menu is None
    assert not ours.menuEnabled() and not theirs.menuEnabled()
    assert ours.levels() == theirs.levels() == (-1, 1)
    a, b = _image(ours), _image(theirs)
    assert a.any() and np.array_equal(a, b)


def test_the_views_plots_have_no_menu(make_window):
    """The views' plots are made without the ViewBox menus they switch off (right-click
    gives none), and draw their trace as before (the view tests check the values)."""
    window = make_window((1400, 900))
    unrolled = window.views[0]
    cell = window.views[1]
    weights = window.views[3]
    plots = [unrolled.plot, unrolled.colorbar] + [c.plot for c in cell.bars.values()] + \
        [p for m in weights.matrices for p in (m.plot, m.colorbar)]
    assert plots and all(p.getViewBox().menu is None and not p.getViewBox().menuEnabled() for p in plots)
    window.tabs.setCurrentIndex(3)  # shown: given the trace
    assert unrolled.model is weights.model is window.state.model
    assert any(m.image.image is not None and m.image.image.size for m in weights.matrices)


def test_the_tab_order_is_side_panel_header_views_player(make_window):
    """The window's frame is in the window before its parts; Tab still goes through the
    side panel's stack, its input, the header (layer, unit), the views and the player."""
    from PySide6 import QtCore

    window = make_window((1400, 900))
    chain, w = [], window.nextInFocusChain()
    while w is not window and len(chain) < 5000:
        if w.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus:
            chain.append(w)
        w = w.nextInFocusChain()

    def first(parent):
        return min(i for i, w in enumerate(chain) if w is parent or parent.isAncestorOf(w))

    order = [first(window.stack_panel), first(window.input_panel), chain.index(window.layer_combo),
             chain.index(window.unit_spin), first(window.tabs), first(window.player)]
    assert order == sorted(order)
    assert window.side.isAncestorOf(window.stack_panel) and window.splitter.isAncestorOf(window.side)


def test_a_start_on_the_demo_draws_only_the_demo(started, monkeypatch):
    """Started on the first demo, the built-in stack is neither built nor drawn; undo
    still brings it back, the same numbers as a built-in stack built at once."""
    from lstmviz.app.demos import load_demos
    from lstmviz.app.state import AppState
    from lstmviz.ui.views.unrolled import UnrolledView

    demos = load_demos()
    if not demos:
        pytest.skip("no bundled demos")
    drawn = []
    real = UnrolledView.set_data

    def recording(self, model, trace, *args):
        drawn.append([l.name for l in model.layers])
        return real(self, model, trace, *args)

    monkeypatch.setattr(UnrolledView, "set_data", recording)
    built = []
    real_build = AppState.build_model
    monkeypatch.setattr(AppState, "build_model",
                        lambda self: built.append([e.class_name for e in self.layers]) or real_build(self))
    w = started(None, "dark")
    assert w.state.path == str(demos[0]["model"]) and w.state.model is not None
    names = [l.name for l in w.state.model.layers]
    assert drawn == [names]  # the demo only
    demo = [l.class_name for l in w.state.model.layers]
    assert built and all(b == demo for b in built)  # the demo's stack only (it and its input)
    assert w.state.undo()
    while w.state.undo():  # the demo's input, then the demo
        pass
    fresh = AppState()
    assert [e.class_name for e in w.state.layers] == [e.class_name for e in fresh.layers]
    for a, b in zip(w.state.model.layers, fresh.model.layers):
        assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
    assert drawn[-1] == [l.name for l in fresh.model.layers]


def test_a_start_on_an_input_file_traces_the_built_in_stack_on_it(started, tmp_path):
    """A file that needs the built-in stack (an input for it) still finds it built."""
    from lstmviz.app.state import AppState

    fresh = AppState()
    x = np.linspace(-1, 1, 2 * 7 * fresh.input.input_dim, dtype=np.float32).reshape(2, 7, -1)
    path = tmp_path / "x.npy"
    np.save(path, x)
    w = started(str(path), "dark")
    assert w.state.model is not None and not w.state.error
    np.testing.assert_array_equal(w.state.x, x)
    for a, b in zip(w.state.model.layers, fresh.model.layers):
        assert all(np.array_equal(p, q) for p, q in zip(a.weights, b.weights))


def test_the_first_picture_paints_the_unrolled_view_once(started, qtbot):
    """A view's axes are laid out when the view takes a trace or a size, before the first
    paint (pyqtgraph measured their labels while painting, and the wider axis asked for
    two more paints): shown, the Unrolled view is painted once, and its axes are as wide
    as pyqtgraph's own measure makes them (painting again changes nothing)."""
    from PySide6 import QtCore, QtWidgets

    class Count(QtCore.QObject):
        n = 0

        def eventFilter(self, obj, ev):
            if ev.type() == QtCore.QEvent.Type.Paint:
                self.n += 1
            return False

    w = started(None, "dark")
    view = w.views[0]
    count = Count()
    view.glw.viewport().installEventFilter(count)
    w.resize(1400, 900)
    w.show()
    app = QtWidgets.QApplication.instance()
    for _ in range(4):
        app.processEvents()
    assert count.n == 1
    axes = [view.plot.getAxis("left"), view.plot.getAxis("bottom"), view.colorbar.axis]
    sizes = [(a.width(), a.height(), a.textWidth, a.textHeight) for a in axes]
    assert sizes[0][0] > 60  # the row names' room
    for a in axes:
        a.picture = None  # pyqtgraph measures the labels again at its next paint
    view.glw.viewport().repaint()
    for _ in range(4):
        app.processEvents()
    assert [(a.width(), a.height(), a.textWidth, a.textHeight) for a in axes] == sizes
    assert count.n == 2
    view.glw.viewport().removeEventFilter(count)


#: modules the first picture of ``lstmviz --screenshot`` (the demo, the Unrolled tab) does
#: not need: imported when their feature is first used
NOT_AT_START = ("lstmviz.display", "lstmviz.engine.onnx_layers", "lstmviz.engine.onnx_ops",
                "lstmviz.app.export_data", "lstmviz.io.keras3_config", "lstmviz.io.onnx_model",
                "lstmviz.io.torch_state", "lstmviz.engine.gradients", "lstmviz.app.training",
                "lstmviz.app.grad_stats", "lstmviz.ui.train_panel", "lstmviz.ui.grad_views",
                "lstmviz.ui.notebook", "lstmviz.ui.long_view", "lstmviz.ui.views.cell",
                "lstmviz.ui.views.over_time", "lstmviz.ui.views.weights", "csv",
                # the Keras readers: a child process reads the demo (io/isolated.py)
                "lstmviz.io.keras", "lstmviz.io._graph", "lstmviz.io._infer", "lstmviz.io._readers",
                "h5py")


def test_the_start_imports_only_what_the_first_picture_needs(tmp_path):
    """``lstmviz --screenshot`` (as the console script runs it) leaves the modules of the
    other tabs, training, exports, ONNX and the notebook unimported; they load when used
    (the test below and the suite's feature tests)."""
    import subprocess
    import sys

    code = ("import sys\n"
            "import lstmviz.ui.app as a\n"
            "take = a.dispose\n"
            "def dispose(w):\n"
            "    print(' '.join(sorted(sys.modules)))\n"
            "    take(w)\n"
            "a.dispose = dispose\n"
            "from lstmviz.cli import main\n"
            "sys.argv[0] = 'lstmviz'\n"
            "sys.exit(main())\n")
    out = tmp_path / "shot.png"
    r = subprocess.run([sys.executable, "-c", code, "--screenshot", str(out), "--size", "800x500"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.exists()
    loaded = set(r.stdout.split())
    assert "lstmviz.ui.views.unrolled" in loaded and "lstmviz.app.state" in loaded
    assert sorted(m for m in NOT_AT_START if m in loaded) == []


def test_what_the_start_leaves_out_loads_when_used(make_window, tmp_path):
    """The deferred modules load on first use: an ONNX layer is made (its family
    registered on the way), the summary prints, the trace exports as CSV."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from lstmviz.engine import Model\n"
            "from lstmviz.engine.layers import make_layer\n"
            "assert 'lstmviz.engine.onnx_layers' not in sys.modules\n"
            "print(type(make_layer('onnx.Relu', {}, 'relu')).__name__)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["OnnxOp"]
    window = make_window((900, 600))
    lines: list[str] = []
    window.state.model.summary(print_fn=lines.append)
    assert lines and "Total params" in lines[0]
    from lstmviz.ui import export

    path = tmp_path / "trace.csv"
    export.save_csv(window.state.trace, path, 0)
    assert path.read_text().count("\n") > 10
    assert export.spec_from_keras_config is not None


def test_the_app_starts_openblas_on_one_thread(tmp_path):
    """Parsing the command line imports no NumPy, and the app says "one BLAS thread"
    before NumPy starts OpenBLAS (started without it, OpenBLAS runs a spinning thread a
    core: ~0.1 s of CPU in a start-up on two cores)."""
    import os
    import subprocess
    import sys

    code = ("import os, sys\n"
            "seen = {}\n"
            "class Watch:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'numpy' and 'numpy' not in seen:\n"
            "            seen['numpy'] = os.environ.get('OPENBLAS_NUM_THREADS')\n"
            "        return None\n"
            "sys.meta_path.insert(0, Watch())\n"
            "from lstmviz.cli import build_parser, _normalise_argv\n"
            "build_parser().parse_args(_normalise_argv(['trace', 'm.keras', '-i', 'x.npy', '--out', 'o.npz']))\n"
            "build_parser().parse_args(['train', '--task', 'sine', '--lr', '0.01', '--out', 'o.keras'])\n"
            "print('parsed', 'numpy' in sys.modules)\n"
            "from lstmviz.cli import main\n"
            "rc = main(['--screenshot', sys.argv[1], '--size', '640x400'])\n"
            "print('numpy at', seen.get('numpy'), rc)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                             "MKL_NUM_THREADS")}
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "shot.png")], capture_output=True,
                       text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["parsed False", "numpy at 1 0"]


def test_the_preread_thread_starts_after_shibokens_own_start(tmp_path):
    """shiboken's signature support, set up when PySide6 is first imported, walks
    sys.modules without a copy; the thread that reads the model imports the engine beside
    the window's start-up. One start of the suite's (a fresh clone, 3 Dec) aborted:
    "RuntimeError: dictionary changed size during iteration", "Fatal Python error:
    libshiboken/signature: could not initialize part 2", the thread importing
    lstmviz/engine/cells.py. The thread now starts only once shiboken is set up."""
    import os
    import subprocess
    import sys

    code = ("import sys, threading\n"
            "seen = []\n"
            "start = threading.Thread.start\n"
            "def watched(self):\n"
            "    seen.append((self.name, 'signature_bootstrap' in sys.modules))\n"
            "    start(self)\n"
            "threading.Thread.start = watched\n"
            "from lstmviz.cli import main\n"
            "rc = main(['--screenshot', sys.argv[1], '--size', '640x400'])\n"
            "print('threads', [s for s in seen if s[0] == 'lstmviz-preread'], rc)\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "shot.png")], capture_output=True,
                       text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert "threads [('lstmviz-preread', True)] 0" in r.stdout, (r.stdout, r.stderr)
