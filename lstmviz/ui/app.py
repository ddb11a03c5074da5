"""Start the desktop app, or render it offscreen to a PNG.

``run_app(model_path, screenshot, step, size, theme) -> int`` is what ``lstmviz`` (no
subcommand) calls:

- ``model_path``: a file of any format ``lstmviz.io.formats`` registers (a weights-only
  file goes on the built-in stack); None opens the first bundled demo
  (``lstmviz/resources/demos/demos.json``) or, without demos, a built-in LSTM(8) ->
  LSTM(4) -> Dense(1) stack on a sine.
- ``screenshot``: a PNG path: build the window offscreen at ``size`` (default 1600x1000),
  seek to ``step``, save the whole window, exit. Returns 0, or 2 with a one-line message
  on stderr when the model cannot be opened, traced or drawn by the view shown (no
  picture is written then: it would show another model).
- interactive: ``show_window`` restores the saved geometry (unless ``size`` is given);
  once shown, the window offers a leftover crash-recovery autosave. A file it cannot open:
  the one line on stderr, exit 2, and, started without a terminal (the desktop's menu
  entry, a file manager's "Open with"), the same line in a message box (``refuse``).
- ``theme``: ``dark`` (default), ``light`` or ``projector``.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import logging
import os
import sys
import threading
import traceback
from pathlib import Path

log = logging.getLogger("lstmviz")
DEFAULT_SIZE = (1600, 1000)
#: what a window's frame (title bar, borders) adds to its size on most desktops (px): a
#: window as tall as the screen's free area had its status bar below the edge (1600 x 1000
#: on a 1600 x 1000 area under openbox; a 1680 x 1050 screen under a 40 px panel)
FRAME_ROOM = (16, 48)


def limit_blas_threads(n: int = 1) -> None:
    """One BLAS thread: the app's matrices are small, and on a busy 2-core machine a
    multi-threaded OpenBLAS QR/matmul can be 100x slower than a single thread."""
    from lstmviz import limits

    limits.blas_threads(os.environ, n)
    try:
        import numpy

        libs = glob.glob(str(Path(numpy.__file__).parent.parent / "numpy.libs" / "*openblas*"))
        for lib in libs:
            dll = ctypes.CDLL(lib)
            for fn in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                       "openblas_set_num_threads64_", "openblas_set_num_threads"):
                if hasattr(dll, fn):
                    getattr(dll, fn)(int(n))
                    break
    except OSError:
        pass


class Preread:
    """What the window will open (``model_path``, else the first demo) read on a thread
    started before Qt, pyqtgraph and the window are: the reading child process
    (``io/isolated.py``) runs beside the start-up instead of after it. A model file is read
    by ``lstmviz.load``, a session by ``app.session.read_session``, a weights-only file by
    ``lstmviz.read_weights`` (the window puts them on its stack). ``take(path, kind)`` waits
    for it and gives what was read, or raises the reader's error, once
    (``MainWindow.open_file(path, read=...)``); calling it with a path is ``take(path,
    "model")``. An input file is not read here, and any other path or kind is read then,
    as without it. ``peek`` says a refusal before any window is built (``lstmviz.picture``)."""

    READERS = {"model": ("lstmviz.loading", "load"), "session": ("lstmviz.app.session", "read_session"),
               "weights": ("lstmviz.loading", "read_weights")}

    def __init__(self, model_path: str | None):
        self.path: str | None = None
        self.kind = "model"
        self._limit: int | None = None
        self._result: dict = {}
        self._fault: Exception | None = None  # (a missing file, or no model file: peek raises it)
        self._given = model_path
        # shiboken's start-up (its signature support, ~50 ms, on importing PySide6) walks
        # sys.modules without a copy: with this thread importing the engine beside it, one
        # start in a few hundred aborted ("dictionary changed size during iteration",
        # "Fatal Python error: libshiboken/signature: could not initialize part 2"). It is
        # done before the thread starts.
        import shiboken6  # noqa: F401
        self._thread = threading.Thread(target=self._run, args=(model_path,), name="lstmviz-preread",
                                        daemon=True)
        self._thread.start()

    @classmethod
    def reader(cls, kind: str):
        import importlib

        module, name = cls.READERS[kind]
        return getattr(importlib.import_module(module), name)

    def _run(self, model_path) -> None:
        self._sniff(model_path)
        if self.path is None:
            return
        try:
            self._result["value"] = self.reader(self.kind)(self.path)
        except BaseException as err:  # raised where open_file reads it
            self._result["error"] = err

    def _sniff(self, model_path) -> None:
        try:
            from lstmviz import errors
            from lstmviz.io import formats

            if model_path is None:
                from lstmviz.app.demos import load_demos

                demos = load_demos()
                model_path = demos[0]["model"] if demos else None
            if model_path is None or str(model_path).lower().endswith((".npy", ".csv", ".txt")):
                return
            if not Path(model_path).exists():  # (open_file's words for it: kept for peek)
                self._fault = errors.LstmvizError(f"{model_path}: no such file")
                return
            try:
                fmt = formats.sniff(str(model_path))
            except errors.LstmvizError as err:  # (open_file's words for it: kept for peek)
                self._fault = err
                return
            self.kind = "session" if fmt.kind == "session" else "weights" if fmt.weights_only else "model"
            from lstmviz import limits

            self._limit = limits.memory_limit()
        except BaseException:  # open_file reads it again and says what is wrong
            return
        self.path = str(model_path)

    #: the files ``refuse_early`` waits for, by name: a session's or weights file's read is
    #: short, and the window would read it anyway before its first picture
    EARLY_SUFFIXES = (".lstmviz", ".weights.h5")

    def refuse_early(self) -> None:
        """Raise the refusal of a missing file (at once), and of a session or weights-only
        file by its name (``EARLY_SUFFIXES``) that is none or cannot be read (waiting for
        its read), before Qt is imported (``lstmviz FILE --screenshot``). A model file's
        read goes on beside Qt's start, not waited for (the sniffing alone took 0.8-1.5 s
        on a busy machine): its refusal comes when the window opens it, as before."""
        given = self._given
        if given is None or str(given).lower().endswith((".npy", ".csv", ".txt")):
            return
        if not Path(given).exists():
            from lstmviz.errors import LstmvizError

            raise LstmvizError(f"{given}: no such file")
        if not str(given).lower().endswith(self.EARLY_SUFFIXES):
            return
        self._thread.join()
        if self._fault is not None:
            raise self._fault
        if self.path is not None and "error" in self._result:
            raise self._result["error"]

    def peek(self):
        """The model read (waiting for it) or the reader's error raised, kept for the window's
        ``open_file`` (``lstmviz.picture`` reads it before building a window): a missing
        file, a damaged session or weights file is refused before Qt is imported. None
        where no model is read here (an input, a session, a weights-only file)."""
        self._thread.join()
        if self.path is None:
            if self._fault is not None:
                raise self._fault
            return None
        if "error" in self._result:
            raise self._result["error"]
        model = self._result["value"]
        if self.kind != "model" or (getattr(model, "source", None) or {}).get("weights_only"):
            return None
        return model

    def take(self, path, kind: str = "model"):
        """``kind``'s reader on ``path``: what was read here for them (once: a second open
        reads the file again), else read now."""
        from lstmviz import limits

        self._thread.join()
        # another file or kind, or the memory budget changed since (the window's preferences set it)
        if (self.path is None or str(path) != self.path or kind != self.kind
                or limits.memory_limit() != self._limit):
            self.path = None
            return self.reader(kind)(path)
        self.path = None  # once: a second open reads the file again
        if "error" in self._result:
            raise self._result.pop("error")
        return self._result.pop("value")

    def __call__(self, path):
        return self.take(path, "model")


def install_excepthook(window_getter) -> None:
    """Any exception reaching the event loop: logged, shown in a dialog, the app goes on."""
    import shiboken6
    from PySide6 import QtWidgets

    from lstmviz.errors import LstmvizError
    from lstmviz.ui.labels import plain_box

    def hook(etype, value, tb):
        if issubclass(etype, KeyboardInterrupt):
            QtWidgets.QApplication.quit()
            return
        text = "".join(traceback.format_exception(etype, value, tb))
        log.error("uncaught exception:\n%s", text)
        window = window_getter()
        if window is not None and not shiboken6.isValid(window):  # (closed and deleted since)
            window = None
        if isinstance(value, LstmvizError):
            msg, details = str(value), None
        else:
            msg = (f"Something went wrong inside lstmviz ({etype.__name__}: {value}). "
                   "The app goes on; the details below help a bug report.")
            details = text
        if window is not None:
            window.last_message = msg
            window.statusBar().showMessage(msg, 20000)
            if window.quiet:
                return
        box = plain_box(QtWidgets.QMessageBox(window))
        box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
        box.setWindowTitle("lstmviz: error")
        box.setText(msg)
        if details:
            box.setDetailedText(details)
        box.open()

    sys.excepthook = hook


#: Qt warnings that say nothing to a user (the offscreen plugin's, on every headless run)
QUIET_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",
                     "This plugin does not support raise()")
_previous_handler = None


def _qt_message(mode, context, message):
    if message in QUIET_QT_MESSAGES:
        return
    if _previous_handler is not None:
        _previous_handler(mode, context, message)
    else:
        sys.stderr.write(message + "\n")


def install_message_filter() -> None:
    """Drop the few Qt warnings listed in ``QUIET_QT_MESSAGES`` (uncategorised warnings,
    which QT_LOGGING_RULES cannot switch off); every other message goes where it went."""
    global _previous_handler
    from PySide6 import QtCore

    previous = QtCore.qInstallMessageHandler(_qt_message)
    if previous is not None and previous is not _qt_message:
        _previous_handler = previous


def _app(offscreen: bool):
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6 import QtWidgets

    install_message_filter()

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication([sys.argv[0] if sys.argv else "lstmviz"])
        app.setApplicationName("lstmviz")
        app.setOrganizationName("lstmviz")
    if not app.property("lstmviz_icon"):
        set_app_icon(app)
    return app


_collector = None


def collect_on_gui_thread():
    """Python's cyclic garbage collector run by a timer on the window's thread only
    (pyqtgraph's ``GarbageCollector``: automatic collection off, each generation collected
    when it passed its threshold, checked every half second). Otherwise a collection runs
    in whichever thread allocates when a threshold is passed: the engine's threads (a long
    input's window, the gradient views' probe) would then delete cycles of Qt objects the
    window dropped (an Unrolled layout's items, a closed dialog) away from the thread that
    owns them, which Qt does not allow (a test once hung so). The collector of the first
    call, kept; the Train tab's ``gc.freeze`` while it plays works as before. Only for the
    app's own process (``run_app``): a notebook's kernel outlives its Qt event loop, and
    with automatic collection off its cycles would never be collected."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=0.5)
    return _collector


def app_icon():
    """The application icon (``lstmviz/icons``: the SVG, and a 256 px PNG where SVG fails)."""
    from PySide6 import QtGui

    here = Path(__file__).resolve().parents[1] / "icons"
    icon = QtGui.QIcon(str(here / "lstmviz.svg"))
    icon.addFile(str(here / "lstmviz-256.png"))
    return icon


def set_app_icon(app) -> None:
    """Window icon of every window, and the .desktop entry the desktop matches it with
    (``lstmviz --install-desktop``; on Wayland the icon comes from there)."""
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("lstmviz")
    app.setProperty("lstmviz_icon", True)


@contextlib.contextmanager
def _held_logs():
    """The records of the 'lstmviz' logger, held back in a list instead of emitted."""
    held: list = []

    class Hold(logging.Handler):
        def emit(self, record):
            held.append(record)

    handlers, propagate = log.handlers[:], log.propagate
    log.handlers, log.propagate = [Hold()], False
    try:
        yield held
    finally:
        log.handlers, log.propagate = handlers, propagate


def make_window(model_path: str | None = None, theme: str | None = None, quiet: bool = False,
                settings=None, inputs=None, model=None, strict: bool = False, read=None):
    """The main window, themed, on ``model_path`` or the demo. Raises LstmvizError.

    ``inputs``: an array, or a function of the opened model returning one (``--input``),
    to trace the model on (see ``lstmviz.app.inputs.use_array``). ``model``: an lstmviz
    ``Model`` to show instead of a file (``lstmviz.show``). ``strict`` (headless runs): also
    when the model was opened but cannot be traced, so that a picture never shows another
    model than the one asked for. ``read``: a ``Preread`` started earlier (else
    ``lstmviz.load`` reads the file when the window opens it)."""
    import pyqtgraph as pg
    from PySide6 import QtWidgets

    from lstmviz.app.state import AppState
    from lstmviz.errors import LstmvizError
    from lstmviz.ui import theme as th
    from lstmviz.ui.main_window import MainWindow, apply_chrome, load_demos

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    try:
        th.apply(theme or "dark")  # (the application's)
    except ValueError as err:
        raise LstmvizError(str(err)) from None
    apply_chrome(QtWidgets.QApplication.instance())
    demos = [] if model is not None or model_path else load_demos()
    # the built-in stack is built (and drawn) only when no model replaces it at once (a
    # file may be weights or an input for it: built then)
    window = MainWindow(AppState(build=model is None and not demos), settings=settings, quiet=True)
    window.keeps_recent = not strict  # (a headless run's files are not the user's recent ones)
    try:
        if model is not None:
            window.state.set_model(model)
            if window.state.error:
                msg = window.state.error
                dispose(window)
                raise LstmvizError(msg)
            from lstmviz.text import safe_name

            window.source_label = f"{safe_name(model.name)} (from Python)"
            window.state.clear_history()  # (as for a file: no built-in stack before it)
            window.update_title()
        elif model_path:
            with _held_logs() as held:  # a failure is raised (the caller says it once), not logged too
                opened = window.open_file(model_path, read=read, fresh=True)
            if not opened:
                msg = window.last_message
                window.close()
                window.deleteLater()
                raise LstmvizError(msg)
            for record in held:
                log.handle(record)
            window.sessions.started_on = str(model_path)  # (a leftover autosave asks before replacing it)
            # the file is where the history starts: Ctrl+Z went back to the built-in stack,
            # never built nor shown (after a restore in the file's place, the second Ctrl+Z)
            window.state.clear_history()
            if strict and window.state.error:
                msg = f"{Path(model_path).name}: opened, but it cannot run: {window.state.error}"
                dispose(window)
                raise LstmvizError(msg)
        elif demos:
            window.open_demo(demos[0], read=read)
            if inputs is not None:  # not the demo's own input: its description would say so
                window.message(f"Demo model: {demos[0]['title']}")
        if window.state.model is None and not window.state.error:  # the demo did not open
            window.state.rebuild()  # the built-in stack, as without demos
        if inputs is not None:
            from lstmviz.app.inputs import use_array

            try:
                x = read_given(inputs, window.state.model)
                use_array(window.state, x, names=getattr(inputs, "names", None))  # (a CSV's header)
            except LstmvizError as err:
                dispose(window)
                raise named_source(err, inputs) from None
            window.sessions.mark_saved()  # the input given with the model is no edit of it
            assert window.state.model is not None  # (use_array refuses a state without one)
            shapes = [" x ".join(f"{n:,}" for n in getattr(a, "shape", ())) for a in
                      (x if isinstance(x, (list, tuple)) and len(x) == len(window.state.model.inputs) > 1 else [x])]
            if len(shapes) == 1 and getattr(x, "ndim", 0) >= 2:  # as the command line says it
                from lstmviz.io.csv_numbers import samples_steps
                b, t = x.shape[:2]
                shapes = [samples_steps(*((t, b) if window.state.time_major else (b, t)),
                                        x.shape[2] if x.ndim == 3 else None)]
            # (a long input whose pass must run before any step is shown is not traced yet:
            # the veil over the views says so, and the status bar did not)
            from lstmviz.ui.long_runner import TRACING_GIVEN

            on = TRACING_GIVEN if window.long_runner.pending() else "traced on the given input"
            said = (f"{on}s ({', '.join(shapes)})" if len(shapes) > 1 else
                    f"{on} ({shapes[0]})")  # after what opening said, if it said anything
            # (the long runner says "N steps traced" in its place once the pass has run)
            window.message(f"{window.last_message} \u00b7 {said}" if window.last_message
                           else said[0].upper() + said[1:])
    except BaseException:  # (a fault past the refusals above: no half-built window left
        # behind, whose teardown at a later collection crashed Qt in a fuzzed run)
        import shiboken6

        if shiboken6.isValid(window):
            dispose(window)
        raise
    window.quiet = quiet
    return window


def read_given(inputs, model):
    """``make_window``'s ``inputs`` for ``model``: an array as given, a function of the
    model (``--input``'s file) called, its refusal naming the file (``named_source``)."""
    from lstmviz.errors import LstmvizError

    try:
        return inputs(model) if callable(inputs) else inputs
    except LstmvizError as err:
        raise named_source(err, inputs) from None


def named_source(err, inputs):
    """``err`` saying the file ``inputs`` was read from first (``--input``'s), once."""
    from lstmviz.errors import LstmvizError

    source = getattr(inputs, "source", None)
    return LstmvizError(f"{source}: {err}") if source and not str(err).startswith(str(source)) else err


def adopt_menus(window) -> None:
    """Make the parentless widgets pyqtgraph gives the window's plots (a PlotItem's "Plot
    Options" menu, a ViewBox's menu, an export dialog) children of ``window``, so that Qt
    deletes them with it. Left to Python, they outlived the window in reference cycles,
    alive in Qt's list of every widget, until a garbage collection deleted them at whatever
    moment it ran: one set off while PySide read that list (``theme.widgets_held``) left
    it a deleted widget, a segfault in ``lstmviz.picture`` after a presented window was
    disposed. The collector is held while the scenes' items are read, for the same reason."""
    import shiboken6
    from PySide6 import QtWidgets

    from lstmviz.ui.theme import collector_held

    with collector_held():
        for view in window.findChildren(QtWidgets.QGraphicsView):
            scene = view.scene()
            for obj in ([scene, *scene.items()] if scene is not None else []):
                for value in list(getattr(obj, "__dict__", {}).values()):
                    if (isinstance(value, QtWidgets.QWidget) and value is not window
                            and shiboken6.isValid(value) and value.parent() is None
                            and shiboken6.ownedByPython(value)):
                        value.setParent(window, value.windowFlags())


def dispose(window) -> None:
    """Close and delete a window now (not at interpreter exit, where PySide6 and
    pyqtgraph tear down in an order that can crash), and with it the widgets pyqtgraph
    made for its plots without a parent (``adopt_menus``)."""
    from PySide6 import QtCore, QtWidgets

    window.close()
    adopt_menus(window)
    window.deleteLater()
    app = QtWidgets.QApplication.instance()
    if app is not None:
        app.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
        app.processEvents()


def check_drawn(window, views=None) -> None:
    """Raise LstmvizError when the model cannot run or one of ``views`` (default: the
    shown tab) could not draw it: a headless run then exits 2 instead of saving a picture
    of something else."""
    from lstmviz.errors import LstmvizError

    if window.state.error:
        raise LstmvizError(f"the model cannot run: {window.state.error}")
    runner = getattr(window, "long_runner", None)
    if runner is not None and runner.pending():  # (a pass that must come first failed)
        seq = window.state.long
        raise LstmvizError(f"the input could not be traced: {seq.error or 'its keyframe pass did not run'}")
    views = [window.tabs.currentWidget()] if views is None else views
    for view in views:
        why = window.view_errors.get(getattr(view, "title", ""))
        if why:
            raise LstmvizError(f"the {view.title} view could not draw this model: {why}")


def show_window(window, size=None, step: int | None = None) -> None:
    """The interactive start: the saved geometry (unless ``size`` is given; none saved:
    ``DEFAULT_SIZE``, or maximized on a screen smaller than that), then show.
    Once shown, the sessions restore the preferences and offer a leftover autosave.
    Raises LstmvizError for a ``step`` the input does not have."""
    restored = window.sessions.restore_preferences(geometry=size is None)
    if step is not None:
        seek(window, step)
    if restored:
        window.show()
    else:
        show_sized(window, parse_size(size), asked=size is not None)


def present_lesson(window, lesson: int) -> None:
    """``lstmviz --lesson NAME``'s start, once the window is shown: a lesson is for the hall,
    so it is presented (F5: full screen, the projector's sizes) and then started, as F5
    then L would start it; Esc ends the lesson, Esc again leaves presentation mode for the
    window as it was shown (its size, its theme)."""
    window.presenter.enter()
    window.presenter.tour.start(lesson)


def show_sized(window, size: tuple[int, int], asked: bool) -> None:
    """Show ``window`` at ``size``; a size nobody asked for (the default of a first start,
    of ``lstmviz.show``) that does not fit the screen's available area opens maximized
    instead (1600 x 1000 on a 1280 x 720 projector hid the player off its edge)."""
    from PySide6 import QtGui

    w, h = size
    window.resize(w, h)
    screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else None
    fx, fy = FRAME_ROOM  # (the frame is not known before the window is shown)
    fits = room is None or (w + fx <= room.width() and h + fy <= room.height())
    window.show() if asked or fits else window.showMaximized()


def seek(window, step: int) -> None:
    """The cursor to ``step`` (``--step``); LstmvizError, one line, for a step the input
    does not have (it was moved to the last step without a word)."""
    check_step(window, step)
    window.state.set_cursor(step=int(step))


def check_step(window, step: int) -> None:
    """LstmvizError, one line, for a ``--step`` the input does not have: said before a long
    input's keyframe pass is waited for (it was said once the pass and its overviews had
    run, minutes on a long input)."""
    from lstmviz.errors import LstmvizError

    st = window.state
    last = max(1, int(st.clock_steps)) - 1  # (the selected layer's steps: a decoder's own)
    if not 0 <= int(step) <= last:
        raise LstmvizError(f"--step {int(step)}: {st.steps_said(st.cursor.layer)}")


def parse_size(size) -> tuple[int, int]:
    if size is None:
        return DEFAULT_SIZE
    if isinstance(size, str):
        w, h = size.lower().split("x")
        return int(w), int(h)
    w, h = size
    return int(w), int(h)


def painted(window):
    """The window as painted: offscreen (``--screenshot``) the platform's copy of what was
    painted (the same pixels as ``grab()``, which paints the whole window a second time);
    elsewhere ``grab()``."""
    from PySide6 import QtGui, QtWidgets

    if QtGui.QGuiApplication.platformName() == "offscreen" and window.isVisible():
        for _ in range(2):  # what is still to paint (a paint can ask for another), painted now
            QtWidgets.QApplication.sendPostedEvents()
        screen = window.screen()
        pix = screen.grabWindow(window.winId()) if screen is not None else None
        if pix is not None and not pix.isNull() and pix.size() == window.size() * pix.devicePixelRatio():
            return pix
    return window.grab()


def render(window, out, step: int | None = None, size=None) -> Path:
    """Lay out ``window`` at ``size``, seek to ``step``, save a PNG of the whole window."""
    from PySide6 import QtCore, QtWidgets

    w, h = parse_size(size)
    window.resize(w, h)
    window.show()
    for turn in range(30):  # (a view's least size reaches the window a layout a turn, and
        QtWidgets.QApplication.processEvents()  # the window asks for w x h again: MainWindow.resize)
        if turn >= 2 and (window.width(), window.height()) == (w, h):
            break
    from lstmviz.ui.export import at_rest, fit_widget, long_settled, pass_reporter, settled_quick

    if window.width() > w or window.height() > h:  # below the layout's minimum: of the same shape
        fit_widget(window, window, (w, h))
    if step is not None:
        check_step(window, step)  # (before the pass is waited for)
    report = pass_reporter(sys.stderr)  # (a long input's pass: minutes at ten million steps)
    long_settled(window, report=report)
    if step is not None:
        seek(window, step)
        long_settled(window, report=report)
    at_rest(window)  # the picture is what the window shows once its layout is done
    if window.width() > w or window.height() > h:  # (its minimum grew on the way: of the same shape)
        fit_widget(window, window, (w, h))
        at_rest(window)
    check_drawn(window)
    out = Path(out)
    with settled_quick(window):  # (a long input's quick steps as settled: painted anew in painted())
        pix = painted(window)
    # the screen's pixels, as it shows them (QT_SCALE_FACTOR=2: twice --size each way; it
    # was scaled down to --size, every text and line smoothed)
    ratio = pix.devicePixelRatio()
    device = QtCore.QSize(w, h) * ratio  # (Qt's rounding: 1027 x 1.5 is 1541, Python's round 1540)
    pw, ph = device.width(), device.height()
    if (pix.width(), pix.height()) != (pw, ph):  # (a size below the layout's minimum)
        pix = pix.scaled(pw, ph, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                         QtCore.Qt.TransformationMode.SmoothTransformation)
        pix.setDevicePixelRatio(ratio)
    # PNG is lossless at any level: zlib's level for quality 80 writes the same pixels in
    # ~60% of the default level's time, the file ~9% larger
    if not pix.save(str(out), "PNG", 80):
        raise OSError(f"{out}: could not write the PNG")
    return out


def run_app(model_path: str | None = None, screenshot: str | None = None, step: int | None = None,
            size: tuple[int, int] | None = None, theme: str | None = None,
            view: str | None = None, inputs=None, lesson: int | None = None) -> int:
    """Run the desktop app (or, with ``screenshot``, render one PNG offscreen and exit).

    ``view`` (unrolled, cell, over_time, weights or 1-4, train) picks the tab shown first;
    ``lesson`` (an index in ``tours.ALL_LESSONS``) starts that lesson, as Help > Lessons
    does, once the window is shown, presented (``present_lesson``; a screenshot: its first
    step, in the window as drawn)."""
    limit_blas_threads(1)
    read = Preread(model_path)  # the file's reading child starts now, beside Qt's start
    headless = screenshot is not None
    if headless:
        from lstmviz.errors import LstmvizError

        try:
            read.refuse_early()  # (a window, Qt even, is built for no file)
        except LstmvizError as err:
            refuse(err, shown=False)
            return 2
    # Headless runs report failures as one line on stderr (below): no log echo of it.
    logging.basicConfig(level=logging.ERROR if headless else logging.INFO,
                        format="lstmviz: %(message)s")
    if headless:
        os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    app = _app(offscreen=headless)
    collect_on_gui_thread()  # the app's process: its event loop runs as long as it lives
    from lstmviz.errors import LstmvizError

    holder: dict = {}
    install_excepthook(lambda: holder.get("window"))
    try:
        follow = theme is None and screenshot is None
        if follow:  # the theme the user picked, else the system's light/dark setting
            from lstmviz.ui.system_theme import startup_theme

            theme = startup_theme()
        window = make_window(model_path, theme, quiet=headless, strict=headless, inputs=inputs, read=read)
        if follow:
            from lstmviz.ui.system_theme import follow_system

            follow_system(window)
        if view not in (None, "window"):
            from lstmviz.ui.export import TAB_NAMES, target_widget, view_index

            target_widget(window, TAB_NAMES[view_index(view)])  # (a view, or the Train tab)
    except LstmvizError as err:
        refuse(err, shown=not headless)
        return 2
    holder["window"] = window
    if screenshot is not None:
        try:
            if lesson is not None:
                window.presenter.tour.start(lesson)
            render(window, screenshot, step, size)
        except (OSError, ValueError, LstmvizError) as err:
            print(f"lstmviz: {' '.join(str(err).split())}", file=sys.stderr)
            return 2
        finally:
            dispose(window)
        return 0
    try:
        show_window(window, size, step)
        if lesson is not None:
            present_lesson(window, lesson)
    except LstmvizError as err:
        dispose(window)
        refuse(err, shown=True)
        return 2
    with ending_on_signals():
        return int(app.exec())


#: how often the event loop gives Python a turn while nothing else happens (ms): Python runs
#: a signal's handler at its next bytecode, and Qt's event loop runs none while it waits
SIGNAL_TURN_MS = 250
#: the signals that end the app as a close does (SIGHUP: not on Windows)
END_SIGNALS = ("SIGTERM", "SIGHUP")


@contextlib.contextmanager
def ending_on_signals():
    """While the app's event loop runs (``run_app``), SIGTERM (the desktop logging out,
    ``kill``) and SIGHUP (the terminal closed) end the app as closing its windows does,
    without a question nobody is there to answer: each window's
    ``SessionManager.end_by_signal`` (preferences, edits not saved kept in its autosave),
    then the windows close and the event loop ends. Python's default was to die at once:
    no preferences, and the last 30 s of edits not in the autosave. A timer gives Python
    its turns (``SIGNAL_TURN_MS``); the handler itself only asks the event loop to end the
    app (a dialog's nested loop too: ``_end_windows`` closes it). The handlers that were
    there before are put back after the loop."""
    import signal

    from PySide6 import QtCore

    def handler(signum, _frame) -> None:
        name = signal.Signals(signum).name
        log.info("ending on %s", name)
        QtCore.QTimer.singleShot(0, lambda: _end_windows(name))

    before = {}
    for name in END_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None:
            before[sig] = signal.signal(sig, handler)
    timer = QtCore.QTimer()
    timer.setInterval(SIGNAL_TURN_MS)
    timer.timeout.connect(lambda: None)  # (a turn of Python's, for the handler)
    timer.start()
    try:
        yield
    finally:
        timer.stop()
        for sig, was in before.items():
            signal.signal(sig, was)


def _end_windows(signal_name: str = "") -> None:
    """Every main window's work kept as ``end_by_signal`` keeps it (on ``signal_name``, said
    at the next start), any dialog open closed (a question's answer is not waited for),
    every window closed, the event loop ended."""
    import shiboken6
    from PySide6 import QtWidgets

    from lstmviz.ui.session_ui import SessionManager

    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    for w in list(QtWidgets.QApplication.topLevelWidgets()):
        sessions = getattr(w, "sessions", None)
        if isinstance(sessions, SessionManager) and shiboken6.isValid(w):
            try:
                sessions.end_by_signal(signal_name)
            except Exception:  # (the other windows' work all the same)
                log.exception("ending: keeping a window's work failed")
    while (modal := QtWidgets.QApplication.activeModalWidget()) is not None:
        if isinstance(modal, QtWidgets.QDialog):
            modal.reject()
        modal.close()
        if QtWidgets.QApplication.activeModalWidget() is modal:
            break
    QtWidgets.QApplication.closeAllWindows()
    app.quit()


def no_terminal(stream=None) -> bool:
    """Whether ``stream`` (stderr) reaches no terminal: the desktop's menu entry or a file
    manager's "Open with" started the app (``Terminal=false``), its stderr a log nobody
    reads, or none at all."""
    stream = sys.stderr if stream is None else stream
    try:
        return stream is None or not stream.isatty()
    except (AttributeError, ValueError, OSError):  # (a closed or foreign stream)
        return True


def on_a_screen() -> bool:
    """Whether Qt draws on a screen someone sees (not the offscreen or minimal platform: a
    test's or a script's run without a terminal, where a modal box would wait for ever)."""
    from PySide6 import QtGui

    return QtGui.QGuiApplication.platformName() not in ("offscreen", "minimal")


def refuse(err, shown: bool = False) -> None:
    """Why the window could not open its file, on stderr in one line; and, for a window
    (``shown``) started without a terminal, in a message box too: a damaged session or a
    model lstmviz cannot run double-clicked in a file manager ended the process with the
    line in a log nobody reads, and no window came up."""
    line = " ".join(str(err).split())
    print(f"lstmviz: {line}", file=sys.stderr)
    if not shown or not no_terminal() or not on_a_screen():
        return
    from PySide6 import QtWidgets

    from lstmviz.ui.labels import plain_box

    box = plain_box(QtWidgets.QMessageBox())
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
    box.setWindowTitle("lstmviz: cannot open this file")
    box.setText(line)
    box.exec()


def prepare_view(window, target: str, step: int | None = None, cursor: dict | None = None):
    """A headless picture's window (``--export-*``, ``lstmviz.picture``): laid out at
    1600 x 1000 and shown, moved to ``step`` and ``cursor`` (layer, unit, sample), on the tab
    ``target`` names (or the whole window); its widget, once checked drawn (a view that
    could not draw the model raises LstmvizError)."""
    from lstmviz.ui.export import _settle, long_settled, pass_reporter, target_widget

    window.resize(1600, 1000)
    window.show()
    _settle()
    if step is not None and "layer" not in (cursor or {}):  # (before the pass is waited for)
        check_step(window, step)
    report = pass_reporter(sys.stderr)
    long_settled(window, report=report)
    if cursor:  # (the layer first: the step is one of its steps, a decoder's own)
        window.state.set_cursor(**cursor)
    if step is not None:
        seek(window, step)
    long_settled(window, report=report)
    widget = target_widget(window, target)
    check_drawn(window)
    return widget


def export_from_cli(model_path, out, kind: str, view: str | None = None, size=None, fps=None,
                    scale: float = 1.0, step: int | None = None, theme: str | None = None,
                    inputs=None, steps: tuple[int, int | None] | None = None) -> int:
    """``lstmviz MODEL --export-KIND OUT``: render offscreen, write, exit 0 (2 on bad input);
    the files are ``ui/export.py``'s. ``steps``: an animation's (A, B or None: to the end),
    ``--steps A:B``."""
    from lstmviz.app.views import TRAIN_KEY, TRAIN_NOT_ANIMATED
    from lstmviz.errors import LstmvizError
    from lstmviz.ui.export import (
        DEFAULT_FPS,
        MP4_MISSING,
        TAB_NAMES,
        _check_fps,
        ffmpeg_exe,
        fitted_at_rest,
        save_gif,
        save_mp4,
        save_png,
        save_svg,
        view_index,
    )
    from lstmviz.ui.tall_page import whole_pages

    def fail(msg) -> int:
        print(f"lstmviz: {' '.join(str(msg).split())}", file=sys.stderr)
        return 2

    limit_blas_threads(1)
    # as a headless run_app: failures are one line on stderr (fail), no log echo of them
    logging.basicConfig(level=logging.ERROR, format="lstmviz: %(message)s")
    try:
        target = view if view in (None, "view", "window") else TAB_NAMES[view_index(view, ("window",))]
        target = target or "view"
        if target == TRAIN_KEY and kind in ("gif", "mp4"):  # (its picture: --export-png/svg)
            return fail(TRAIN_NOT_ANIMATED)
        if fps is not None:
            _check_fps(fps)
        if kind not in ("gif", "mp4", "png", "svg"):
            return fail(f"unknown export {kind!r}")
        if kind == "mp4" and ffmpeg_exe() is None:
            return fail(MP4_MISSING)
        out = Path(out)
        if not out.parent.is_dir():
            return fail(f"{out}: the folder {out.parent} does not exist")
    except LstmvizError as err:
        return fail(err)
    read = Preread(model_path)
    _app(offscreen=True)
    holder: dict = {}
    install_excepthook(lambda: holder.get("window"))
    try:
        window = make_window(model_path, theme, quiet=True, inputs=inputs, strict=True, read=read)
    except LstmvizError as err:
        return fail(err)
    holder["window"] = window
    try:
        frames = None
        if steps is not None and kind in ("gif", "mp4"):  # (before the pass is waited for)
            total = window.state.clock_steps
            a, b = steps[0], total if steps[1] is None else steps[1]
            if b > total or a >= total:  # ('A:' from the end on: 'no steps to animate')
                given = f"from {a}" if steps[1] is None else f"{a}:{b}"
                raise LstmvizError(f"steps {given}: {window.state.steps_said(window.state.cursor.layer)} "
                                   f"(give a window within 0:{total})")
            frames = range(a, b)
        widget = prepare_view(window, target, step)
        if kind in ("png", "svg"):
            # (a view fitted and drawn with its page whole: no scroll bar in a picture; without
            # a size, at the size the window shows it, its whole page scaled down to that where
            # it is taller: the Cell view's written-out terms in the projector theme were cut
            # under a scroll bar, 386 px of their 652 in sight. The window is drawn as it is,
            # its Cell page's equations whole wherever its room holds them, as on screen)
            if size is None and widget is not window:
                size = (widget.width(), widget.height())
            with whole_pages(widget is not window):
                shrink = fitted_at_rest(window, widget, size)
                if kind == "png":
                    save_png(widget, out, scale * shrink)
                else:
                    save_svg(widget, out, shrink)
        else:
            (save_gif if kind == "gif" else save_mp4)(window, out, target, size, fps or DEFAULT_FPS,
                                                       steps=frames)
        try:
            check_drawn(window)  # a step the view could not draw: no half-true animation
        except LstmvizError:
            out.unlink(missing_ok=True)
            raise
    except (LstmvizError, OSError, ValueError) as err:
        return fail(err if not isinstance(err, OSError) or not err.strerror else f"{out}: {err.strerror}")
    finally:
        dispose(window)
    return 0
