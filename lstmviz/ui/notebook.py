"""``lstmviz.show(obj, x)``: the app's window from Python, a notebook or IPython.

- ``obj`` becomes a model: a path opens as the app opens files (``MainWindow.open_file``);
  an lstmviz ``Model`` is shown as a copy (the window never changes the caller's object);
  a ``Trace`` shows its model on the input it was traced on; a Keras model or a torch
  module goes through ``lstmviz.from_keras`` / ``from_torch``.
- One ``QApplication`` per process, reused by every call (Qt allows only one): closing the
  window and calling ``show`` again works.
- Inside IPython (terminal or Jupyter kernel) the kernel's Qt event loop integration is
  switched on (``get_ipython().enable_gui("qt")``, what ``%gui qt`` does) and ``show``
  returns at once: the window lives while the notebook goes on. Elsewhere, or when the
  integration is not available, ``show`` runs the event loop until the window is closed.
- Before Qt starts, ``preflight.check_window`` names a missing display or library.
"""

from __future__ import annotations

import os
import sys

from lstmviz.errors import LstmvizError, whole_number

#: windows opened without blocking: kept referenced until they are closed
OPEN_WINDOWS: list = []


def _ipython():
    """The running IPython shell, or None (IPython is not imported when it is not loaded)."""
    mod = sys.modules.get("IPython")
    get = getattr(mod, "get_ipython", None)
    try:
        return get() if callable(get) else None
    except Exception:
        return None


def _enable_qt_loop(ip) -> bool:
    """``%gui qt`` on ``ip``; False when this shell cannot integrate Qt's event loop."""
    enable = getattr(ip, "enable_gui", None)
    if not callable(enable):
        return False
    os.environ.setdefault("QT_API", "pyside6")  # IPython's Qt shim: the binding lstmviz uses
    try:
        enable("qt")
    except Exception:  # an IPython without Qt support for this binding, a kernel that refuses
        return False
    return True


def resolve(obj, x=None):
    """(model or None, path or None, input or None) for ``show``; ``x`` a file's path
    becomes a function reading it for the opened model, as ``--input`` reads it."""
    from lstmviz.engine import Model, Trace
    from lstmviz.io.live import spec_from_object

    paths = isinstance(x, (list, tuple)) and [isinstance(p, (str, os.PathLike)) for p in x]
    if paths and any(paths) and not all(paths):
        raise LstmvizError(f"x: a {type(x).__name__} of both file paths and arrays; give an array per "
                           "input, or a .npy or .csv file's path per input")
    if isinstance(x, (str, os.PathLike)) or (paths and len(paths) == 1 and all(paths)):
        x = _input_file(x if isinstance(x, (str, os.PathLike)) else x[0])  # (["x.npy"] as [x]: x)
    elif paths and all(paths):
        x = _input_files(x)  # (a file per input of a model of several)
    if obj is None or isinstance(obj, (str, os.PathLike)):
        return None, (os.fspath(obj) if obj is not None else None), x
    if isinstance(obj, Trace):
        if obj.model is None:
            raise LstmvizError("this Trace does not know its model (it was not made by "
                               "Model.trace); show the model and the input instead")
        if x is None and obj.inputs:  # its inputs: one array, or a list of an array per input
            x = obj.inputs[0] if len(obj.inputs) == 1 else list(obj.inputs)
        return Model.from_spec(obj.model.to_spec()), None, x
    if isinstance(obj, Model):
        return Model.from_spec(obj.to_spec()), None, x
    return Model.from_spec(spec_from_object(obj)), None, x


def _input_file(path):
    """An input file given as ``x`` (``.npy``, ``.csv``): read for the model once it is
    open, as ``lstmviz MODEL --input X`` reads it (``cli_inputs.model_input``)."""
    from lstmviz.cli_inputs import model_input

    return model_input(_existing([path])[0])


def _input_files(paths):
    """A file per input of a model of several (``x=["x0.npy", "x1.npy"]``): read for the
    model once it is open, as ``lstmviz MODEL -i x0.npy -i x1.npy`` reads them."""
    from lstmviz.cli_inputs import model_inputs

    return model_inputs(_existing(paths))


def _existing(paths, arg: str = "x") -> list[str]:
    """``x``'s file paths (or ``y``'s, ``arg="y"``), each one a file, else refused in one
    line naming the argument and the path."""
    from pathlib import Path

    paths = [os.fspath(p) for p in paths]
    for path in paths:
        if not Path(path).is_file():
            hint = ("give the targets as an array, or a .npy or .csv file's path" if arg == "y"
                    else "give an array, or a .npy or .csv file's path" if len(paths) == 1
                    else "give arrays, or .npy or .csv files' paths")
            raise LstmvizError(f"{arg}={path!r}: " + ("no such file" if not Path(path).exists() else "not a file")
                               + f"; {hint}")
    return paths


def show(obj=None, x=None, theme: str | None = None, size=None, block: bool | None = None):
    """See ``lstmviz.show``. Returns the window (a ``MainWindow``)."""
    from lstmviz.ui.preflight import check_window

    model, path, x = resolve(obj, x)  # a bad object is refused before Qt starts
    w, h = _size(size)  # (as is a size it cannot read)
    _check_theme(theme)  # (and a theme: before the display, which it does not depend on)
    problems = check_window()
    if problems:
        raise LstmvizError(f"{problems[0]}; in a notebook, lstmviz.picture(obj, x) draws a view "
                           "without a display")
    from lstmviz.ui.app import _app, install_excepthook, limit_blas_threads, make_window, show_sized

    limit_blas_threads(1)
    app = _app(offscreen=False)
    ip = _ipython()
    integrated = ip is not None and _enable_qt_loop(ip)
    if block is None:
        block = not integrated
    follow = theme is None
    if follow:
        from lstmviz.ui.system_theme import startup_theme

        theme = startup_theme()
    window = make_window(path, theme, quiet=False, inputs=x, model=model)
    if not block:  # on the kernel's loop: nothing may hold the kernel (a modal question)
        window.sessions.for_notebook()
    if follow:
        from lstmviz.ui.system_theme import follow_system

        follow_system(window)
    show_sized(window, (w, h), asked=size is not None)  # (a laptop's or a projector's screen)
    window.raise_()
    window.activateWindow()
    if block:
        from PySide6 import QtCore

        from lstmviz.ui.app import dispose

        hook = sys.excepthook
        install_excepthook(lambda: window)  # errors in the loop: a dialog, the app goes on
        loop = QtCore.QEventLoop()
        closer = _on_close(window, loop.quit)
        try:
            loop.exec()  # until this window closes (other windows may stay open)
        finally:
            sys.excepthook = hook
            window.removeEventFilter(closer)
            dispose(window)
        return window
    app.setQuitOnLastWindowClosed(False)  # closing it must not stop the kernel's Qt loop
    OPEN_WINDOWS.append(window)
    _on_close(window, lambda: _dispose_later(window))
    return window


def _on_close(window, then):
    """Call ``then()`` (on the next turn of the event loop) once ``window`` is closed."""
    from PySide6 import QtCore

    class _Closer(QtCore.QObject):
        def eventFilter(self, obj, event):
            if obj is window and event.type() == QtCore.QEvent.Type.Close:
                QtCore.QTimer.singleShot(0, lambda: then() if not window.isVisible() else None)
            return False

    closer = _Closer(window)
    window.installEventFilter(closer)
    return closer


def _dispose_later(window) -> None:
    if window in OPEN_WINDOWS:
        OPEN_WINDOWS.remove(window)
        from lstmviz.ui.app import adopt_menus

        adopt_menus(window)  # (its plots' menus deleted with it, not by a later collection)
        window.deleteLater()


# -- pictures without a window ---------------------------------------------------------------
class Picture:
    """A view drawn as a PNG (``lstmviz.picture``): Jupyter shows it inline
    (``_repr_png_``); ``data`` is the PNG file's bytes, ``save(path)`` writes them."""

    def __init__(self, data: bytes, width: int, height: int, what: str):
        self.data, self.width, self.height, self.what = data, width, height, what

    def _repr_png_(self) -> bytes:
        return self.data

    def save(self, path) -> str:
        """Write the PNG to ``path`` (atomically; its folder must exist); returns the path."""
        from pathlib import Path

        from lstmviz.files import write_atomic

        if Path(path).is_dir():  # (IsADirectoryError from inside files.py, else)
            raise LstmvizError(f"{path}: this is a folder; give the picture's file name in it, "
                               f"such as {str(Path(path) / 'picture.png')!r}")
        return str(write_atomic(path, self.data))

    def __repr__(self) -> str:
        return f"<lstmviz.Picture {self.what}, {self.width} x {self.height} px>"


#: a picture's (width, height) where none is given (``size=None`` too), as ``lstmviz.picture``
#: and the README say
PICTURE_SIZE = (1200, 750)


def picture(obj=None, x=None, view: str = "cell", step: int | None = None, layer: str | None = None,
            unit: int | None = None, sample: int | None = None, theme: str | None = "light",
            size=PICTURE_SIZE, scale: float = 1.0, y=None, loss: str | None = None) -> Picture:
    """See ``lstmviz.picture``."""
    from lstmviz.app.views import GRADIENT_PICTURES

    if not isinstance(view, str) or view.strip().isdigit():  # (a tab's number drew that tab)
        from lstmviz.text import safe_text

        raise LstmvizError(f"view={safe_text(repr(view), 60)}: give a view's name, one of {_views_said()}")
    key = view.strip().lower().replace("-", "_").replace(" ", "_")  # ("DH", " gates": as "Cell" and
    view = key if key in (*GRADIENT_PICTURES, "updates") else view  # "over-time" are the views')
    if view in (*GRADIENT_PICTURES, "updates"):
        return _gradient_picture(obj, x, view, step, layer, unit, sample, theme, size, scale, y, loss)
    if y is not None or loss is not None:
        given = " and ".join(k for k, v in (("y", y), ("loss", loss)) if v is not None)
        raise LstmvizError(f"{given}: for the gradient pictures ({_gradient_said()}); "
                           f"view={view!r} draws the trace of x")

    model, path, x = resolve(obj, x)
    _check_theme(theme)
    target = "window" if view == "window" else _picture_view(view)
    step, unit, sample = (_whole(k, v) for k, v in (("step", step), ("unit", unit), ("sample", sample)))
    w, h, scale = _picture_room(size, scale)  # (before a window is built for it)
    x, read = _read_first(model, path, x)  # (and before Qt and pyqtgraph are imported)
    from PySide6 import QtCore, QtGui

    from lstmviz.app.counts import count
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, prepare_view
    from lstmviz.ui.export import fitted_at_rest, png_bytes
    from lstmviz.ui.tall_page import whole_pages

    _start_qt()
    before = th.current().name if OPEN_WINDOWS else None  # (the app's theme is shared)
    window = make_window(path, theme or "light", quiet=True, inputs=x, model=model, strict=True, read=read)
    try:
        window.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        st = window.state
        if layer is not None and layer not in [e.name for e in st.layers] and (
                st.model is None or layer not in [ly.name for ly in st.model.layers]):
            names = [ly.name for ly in st.model.layers] if st.model is not None else [e.name for e in st.layers]
            shown = ", ".join(repr(n) for n in names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
            raise LstmvizError(f"layer {layer!r}: the model has no such layer; give one of its "
                               f"layers' names: {shown}")
        _check_cursor(st, step, layer, unit, sample)
        chosen = {k: v for k, v in (("layer", layer), ("unit", unit), ("sample", sample)) if v is not None}
        widget = prepare_view(window, target, step, chosen)  # (as export_from_cli: the same pixels)
        with whole_pages(widget is not window):  # (fitted and drawn whole: no scroll bar)
            shrink = fitted_at_rest(window, widget, (w, h))
            data = png_bytes(widget, scale * shrink)
        image = QtGui.QImage.fromData(data)  # (a PNG, read as one: PySide6's stub types the
        # format as bytes, which the binding refuses)
        what = f"{target.replace('_', ' ')} at step {count(st.cursor.step)}"
    finally:
        dispose(window)
        if before is not None:
            th.apply(before)  # (the application's)
    return Picture(data, image.width(), image.height(), what)


def _read_first(model, path, x):
    """(inputs, read) for ``make_window``, the model file and an input file read before any
    window is built: a bad one is refused at once in its one line (a 200-byte bad .npy took
    the window's 2 s to be). ``path``'s model is read by a ``Preread`` the window's
    ``open_file`` then takes (read once); ``x`` a file's reader (``_input_file``) becomes
    the array it reads for the model, keeping its CSV header's names. A session or a
    weights-only file, whose model the window makes, is read by the window, as before."""
    from pathlib import Path

    from lstmviz.cli_inputs import CSV_SUFFIXES, read_input
    from lstmviz.ui.app import Preread, read_given

    source = getattr(x, "source", None) if callable(x) else None
    if source is not None and Path(source).suffix.lower() not in CSV_SUFFIXES:
        read_given(lambda _model: read_input(source, long=True), None)  # (a .npy is read alike
        # for any model, its header checked: refused before the model is read)
    read = Preread(path) if model is None and path is not None else None
    opened = model if read is None else read.peek()
    if not callable(x) or opened is None:
        return x, read
    given = read_given(x, opened)

    def inputs(_model):
        return given
    inputs.names = getattr(x, "names", None)  # (set by reading a CSV with a header)
    inputs.source = getattr(x, "source", None)
    return inputs, read


def _picture_view(view) -> str:
    """The view a picture of ``obj`` on ``x`` shows: one of the views (``export.view_index``'s
    names), not the Train tab, which trains a toy task of its own (its picture is the
    command line's ``--view train``); its gradient pages on obj and x are ``GRADIENT_VIEWS``
    (``_gradient_picture``)."""
    from lstmviz.app.views import TRAIN_KEY, tab_key

    key = tab_key(view)
    if key == TRAIN_KEY:
        raise LstmvizError(f"view={view!r}: the Train tab trains a task of its own (its picture: lstmviz "
                           f"--screenshot OUT.png --view train); its gradient pages draw obj on x: "
                           f"{_gradient_said()}")
    if key is None:
        raise LstmvizError(f"unknown view {view!r}: use one of {_views_said()}")
    return key


def _views_said() -> str:
    """The views a picture draws, by name."""
    from lstmviz.app.views import GRADIENT_PICTURES, VIEW_KEYS

    return ", ".join((*VIEW_KEYS, "window", *GRADIENT_PICTURES))


def _gradient_said() -> str:
    return "view='dh' (with y and loss), 'connectivity' or 'gates'"


def _gradient_picture(obj, x, view, step, layer, unit, sample, theme, size, scale, y, loss) -> Picture:
    """A gradient page of the Train tab (``view``: dL/dh, connectivity, gates) of ``obj`` on
    ``x`` at its weights, without a run: its numbers are ``app.train_user.probe_model``'s
    (the Train tab's ``Probe``), drawn by the tab's own ``GradViews`` (``grad_views.probe_page``)
    offscreen, as ``picture`` draws a view."""
    from lstmviz.app.train_user import probe_model

    if step is not None:
        raise LstmvizError(f"step={step!r}: view={view!r} draws every step at once; leave step out")
    sample = _whole("sample", sample)
    unit = _whole("unit", unit)
    if unit is not None and view != "gates":
        raise LstmvizError(f"unit={unit}: view={view!r} draws every unit; unit rings one on "
                           "view='gates' (its keep gate's saturation)")
    if layer is not None and not isinstance(layer, str):
        raise LstmvizError(f"layer={layer!r}: give a recurrent layer's name")
    _check_theme(theme)
    w, h, scale = _picture_room(size, scale)
    if obj is None:
        raise LstmvizError(f"view={view!r} draws your model on x: give the model (a path, an lstmviz Model, "
                           "a Keras model or a torch module)")
    model, path, x = resolve(obj, x)
    if model is None:
        from lstmviz.loading import load

        model = load(path)
    if callable(x):  # (a file's path, read for the model as --input reads it)
        x = x(model)
    if isinstance(x, (list, tuple)) and len(x) == 1:  # ([x] of a model of one input: x)
        x = x[0]
    compiled = ""
    if loss is None and (y is not None or view == "dh"):  # (the compiled loss, as fit takes it)
        from lstmviz.engine.compiled import compiled_loss

        loss = compiled_loss(model, give="give picture a loss")
        compiled = f", loss {loss} as compiled" if loss is not None else ""
    if isinstance(y, (str, os.PathLike)) and loss is not None:  # (a .npy or .csv, read as
        # lstmviz grad --target reads it; without a loss, probe_model asks for one)
        from lstmviz.cli_inputs import read_target
        from lstmviz.engine.losses import canonical

        y = read_target(_existing([y], "y")[0], model, canonical(loss))
    v = probe_model(model, x, y, loss, view, layer, sample)
    if unit is not None and v.ref is not None and not 0 <= unit < v.ref.units:
        from lstmviz.text import numbered

        raise LstmvizError(f"unit={unit}: layer {v.ref.label!r} has {numbered(v.ref.units, 'unit')}")
    from PySide6 import QtCore, QtGui

    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose
    from lstmviz.ui.export import _settle, fitted_at_rest, png_bytes
    from lstmviz.ui.grad_views import TITLES, probe_page, sample_words

    _start_qt()
    before = th.current().name if OPEN_WINDOWS else None  # (the app's theme is shared)
    th.apply(theme or "light")
    page = None
    try:
        page = probe_page(v, view, unit)
        page.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        page.resize(w, h)
        page.show()
        _settle()
        shrink = fitted_at_rest(page, page, (w, h))
        data = png_bytes(page, scale * shrink)
        image = QtGui.QImage.fromData(data)
        name = v.ref.label if v.ref is not None and view != "connectivity" else ""
        what = (f"{TITLES[view]}{' of ' + name if name else ''}" + (f", {sample_words(v)}" if view != "gates" else "")
                + compiled + (f", {v.mode}" if view == "dh" and v.mode else ""))
    finally:
        if page is not None:
            dispose(page)
        if before is not None:
            th.apply(before)
    return Picture(data, image.width(), image.height(), what)


def _picture_room(size, scale) -> tuple[int, int, float]:
    """A picture's width and height (``_size``) and scale, the pixels they make within
    ``limits``' bounds, else refused in one line before anything is drawn."""
    from lstmviz.limits import check_picture_scale

    w, h = _size(PICTURE_SIZE if size is None else size)  # (not the window's default size)
    scale = _scale(scale)
    check_picture_scale(w, h, scale)
    return w, h, scale


def _start_qt() -> None:
    """What a picture draws in: one BLAS thread, and this process's first Qt offscreen where
    no window can open (a notebook on a server)."""
    from PySide6 import QtWidgets

    from lstmviz.ui.app import _app, limit_blas_threads
    from lstmviz.ui.preflight import check_window

    limit_blas_threads(1)
    if QtWidgets.QApplication.instance() is None:
        _app(offscreen=bool(check_window()))


def _scale(scale) -> float:
    try:
        return float(scale)
    except (TypeError, ValueError):
        raise LstmvizError(f"scale={scale!r}: give a number (1 = the size asked for)") from None


def _check_theme(theme) -> None:
    """``theme``: None or a theme's name (a ``Theme`` too), else refused in one line naming
    the themes, before a display or Qt is looked at (``show(theme="neon")`` without a
    display was told of the display, and then, with one, of the theme)."""
    from lstmviz.ui.preflight import THEMES  # (the names without Qt: lstmviz.ui.theme imports it)

    if theme is None or (isinstance(theme, str) and theme in THEMES):
        return
    loaded = sys.modules.get("lstmviz.ui.theme")  # (a Theme exists only once it is imported)
    if loaded is not None and isinstance(theme, loaded.Theme):
        return
    from lstmviz.text import safe_text

    raise LstmvizError(f"theme={safe_text(repr(theme), 60)}: unknown theme; themes: {', '.join(THEMES)}")


def _whole(name: str, value) -> int | None:
    """A picture's step, unit or sample: None or a whole number (NumPy's too)."""
    return None if value is None else whole_number(name, value)


def _size(size) -> tuple[int, int]:
    """A window's or a picture's size: (width, height) or 'WxH', as ``show`` and
    ``picture`` take it, each side within ``limits.PICTURE_SIDES`` (the CLI's ``--size``)."""
    from lstmviz.limits import check_picture_size
    from lstmviz.ui.app import parse_size

    try:
        w, h = parse_size(size)
    except (TypeError, ValueError):
        raise LstmvizError(f"size={size!r}: give (width, height) in pixels, e.g. (1200, 750)") from None
    return check_picture_size(w, h)


def _check_cursor(state, step, layer, unit, sample) -> None:
    """The cursor a picture asks for, each as the model and input have it (the window's
    controls clamp them: a picture of another unit than asked for must not come out)."""
    from lstmviz.text import numbered

    name = layer if layer is not None else state.cursor.layer
    last = max(1, int(state.steps_of(name))) - 1
    if step is not None and not 0 <= step <= last:
        raise LstmvizError(f"step={step}: {state.steps_said(name)}")
    if sample is not None and not 0 <= sample < state.batch:
        raise LstmvizError(f"sample={sample}: the input has {numbered(state.batch, 'sample')}")
    units = state.units_of(name) if name is not None else 0
    if unit is not None and units and not 0 <= unit < units:
        raise LstmvizError(f"unit={unit}: layer {name!r} has {numbered(units, 'unit')}")
