"""Exports: pictures (PNG at a scale, SVG, clipboard), the animation over the steps (GIF,
MP4), the trace (``.npz``, ``.csv``) and the stack as a Keras JSON config.

What is exported:

- a *target*: ``"view"`` (the current tab, or a view by name: ``unrolled``, ``cell``,
  ``over_time``, ``weights``) or ``"window"`` (the whole window);
- PNG: the widget rendered into a pixmap of ``scale`` x its size (device pixel ratio =
  ``scale``, so text and lines are drawn sharp, not enlarged; the plots' items that keep
  a pixmap of the screen's density are painted anew at the picture's: ``uncached``, their
  lines as thick as on screen: ``ui/density.py``);
- SVG: the widget painted into ``QSvgGenerator``; the root ``width``/``height`` are the
  widget's size in px; heatmaps are blocks of one colour a cell in any reader
  (``svg_crisp_images``); a scroll area's content is cut to its viewport (``cut_areas``);
- every picture (PNG, SVG, the clipboard, an animation's frames, ``lstmviz.picture``) is
  for a slide: it leaves out the labels' hints for the mouse ("click a bar to pick its
  unit": ``ui/labels.hint``), which the window shows again afterwards (``exported``);
  File > Save screenshot and ``--screenshot`` show the window as it is, hints and all;
- GIF / MP4: one frame per timestep, rendered offscreen by seeking the cursor step by
  step (the step is put back afterwards); GIF with Pillow, MP4 (H.264, yuv420p) with the
  ffmpeg that the ``imageio-ffmpeg`` wheel ships (the optional extra ``lstmviz[mp4]``),
  or one on PATH, or IMAGEIO_FFMPEG_EXE;
- ``.npz``: ``trace.flat()`` as ``np.savez_compressed`` (the keys ``lstmviz trace`` writes,
  with their index ``lstmviz:keys``);
- ``.csv``: one long table ``layer,key,sample,step,unit,value``: ``layer`` is the layer's
  whole name, ``key`` the rest (``""`` for the layer's output, ``output:1`` ... for its
  extra outputs, ``i``, ``f``,
  ``forward/h`` ...). Arrays are ``(sample, step, unit)``; ``(sample, unit)`` arrays (a
  final output, ``initial_h``) leave ``step`` empty; trailing dimensions beyond the third
  are flattened into ``unit``. ``sample`` is the index in the input batch;
- JSON: ``{"module": "keras", "class_name": "Sequential", "config": {"name", "trainable",
  "dtype", "layers": [InputLayer, ...], "build_input_shape"}, ...}`` in Keras 3's own
  shape (``keras.models.model_from_json`` builds it; weights are not part of a config).

``lstmviz MODEL --export-gif/--export-mp4/--export-png/--export-svg OUT`` writes these
files too, through ``ui.app.export_from_cli`` (the start path, beside ``--screenshot``):
offscreen, exit status 0, or 2 with one line on bad input.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.counts import count
from lstmviz.app.session import new_file_mode, write_atomic
from lstmviz.app.views import TAB_KEYS, TRAIN_KEY, TRAIN_NOT_ANIMATED_HERE, VIEW_KEYS, VIEWS, tab_key
from lstmviz.errors import LstmvizError, pip_install
from lstmviz.files import resolved
from lstmviz.text import file_stem, plural, safe_text
from lstmviz.ui.accessible import name_form
from lstmviz.ui.labels import hints_hidden
from lstmviz.ui.tall_page import whole_pages

VIEW_NAMES = VIEW_KEYS
#: what a picture may show: the views, then the Train tab (``view_index``)
TAB_NAMES = TAB_KEYS
DEFAULT_FPS = 4.0
MAX_FRAMES = 2000
#: the steps an animation of a sequence longer than MAX_FRAMES offers, from the step shown
RANGE_FRAMES = 200


# -- what to export ------------------------------------------------------------------------
def view_index(name: str, also: tuple[str, ...] = ()) -> int:
    """``unrolled``/``cell``/``over_time`` (or ``over-time``, ``Over time``)/``weights`` or 1-4,
    or ``train`` (the Train tab, after the views): its index in ``TAB_NAMES``.
    ``also``: the other names the caller takes (``window``), said in the refusal too."""
    key = tab_key(name)
    if key is not None:
        return TAB_NAMES.index(key)
    raise LstmvizError(f"unknown view {name!r}: use one of {', '.join(TAB_NAMES + tuple(also))}")


def target_widget(window, target: str = "view") -> QtWidgets.QWidget:
    """The widget a picture of ``target`` shows (``view``: the tab on screen; ``window``;
    a tab's name, ``view_index``'s), that tab made the current one."""
    if target == "window":
        return window
    if target == "view":
        return window.tabs.currentWidget()
    k = view_index(target)
    if TAB_NAMES[k] == TRAIN_KEY:  # (built when asked for: ``MainWindow.train_panel``)
        panel = window.train_panel
        window.tabs.setCurrentWidget(panel)
        return panel
    window.tabs.setCurrentIndex(k)
    return window.tabs.widget(k)


def long_settled(window, turn=None, report=None) -> None:
    """A picture of a long input (``--screenshot``, ``--export-*``, ``lstmviz.picture``,
    an animation's frames) shows its overview and the whole exact window around the step,
    never only the quick chunk a seek draws first: what it shows does not depend on how
    quickly the machine computed them, nor on how long the pass takes (it waited 120 s at
    most, then drew without the overview). ``turn``: called while the keyframe pass runs,
    the window's events turning between its calls (an animation exported from the window:
    it stood frozen for the whole pass, its progress dialog's Cancel unanswered).
    ``report``: called with the ``LongSequence`` while its pass runs (``pass_reporter``:
    a command's picture of ten million steps took minutes and said nothing meanwhile)."""
    runner = getattr(window, "long_runner", None)
    if runner is None:
        return
    runner.start_due()  # (a worker waiting for the window's paint: not waited for in vain)
    while runner.busy():
        if turn is not None:
            turn()
            QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if report is not None and runner.seq is not None:
            report(runner.seq)
        worker = runner.worker
        if worker is not None:
            worker.join(0.05 if turn is not None else 0.25)
    runner.wait()
    if report is not None and runner.seq is not None:
        report(runner.seq, final=True)


def pass_reporter(stream, after: float = 1.0, every: float = 5.0, clock=None):
    """A ``report`` for ``long_settled`` that writes the pass's progress to ``stream`` as
    lines of ``lstmviz: 10,000,000 steps: keyframes 37%``: nothing in the first ``after``
    seconds (a quick pass says nothing), then at most one line every ``every`` seconds, and
    not the same line twice; ``final``: once it is over, a last line where it said any
    (``... steps: traced``, or why not), so the last one is not 'overview 18%'."""
    import time

    clock = clock or time.monotonic
    start = clock()
    last: list = [None, -every]  # (the line said last, when)

    def report(seq, final: bool = False) -> None:
        now = clock()
        if final:
            if last[0] is not None:
                end = "traced" if seq.ready and not seq.error else (seq.error or "stopped")
                print(f"lstmviz: {count(seq.steps)} steps: {end}", file=stream, flush=True)
                last[0] = None
            return
        if now - start < after or now - last[1] < every:
            return
        line = f"lstmviz: {count(seq.steps)} steps: {seq.phase} {int(100 * seq.done / max(1, seq.total))}%"
        if line != last[0]:
            print(line, file=stream, flush=True)
            last[0], last[1] = line, now

    return report


def frames_label(window, frames: int, name: str) -> str:
    """The progress dialog's words for an animation's frames: while a long input's pass
    runs, that the frames wait for it (the dialog said "Rendering ..." at 0% meanwhile,
    up to the pass's minutes, as if stuck)."""
    runner = getattr(window, "long_runner", None)
    if runner is not None and runner.busy():
        return (f"Rendering {frames:,} frames of {name}: waiting for the pass over the long "
                "input first (its progress is in the status bar)\u2026")
    return f"Rendering {frames:,} frames of {name}\u2026"


def _settle(n: int = 3) -> None:
    for _ in range(n):
        QtWidgets.QApplication.processEvents()


class _LayoutRequests(QtCore.QObject):
    """Counts the layout requests delivered while it is installed (``layouts_done``)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QtCore.QEvent.Type.LayoutRequest:
            self.seen += 1
        return False


def layouts_done(most: int = 50) -> None:
    """Deliver the posted layout requests, and those they post, until none is left (at most
    ``most`` rounds): a widget whose least size changed asks its parent's layout in a request
    posted for the next turn, which asks its parent's ..., so a long input's least reached the
    tabs after one turn and the window after seven, none moving a widget on the way."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    seen = _LayoutRequests()
    app.installEventFilter(seen)  # (only while they are delivered: every event passes it)
    try:
        for _ in range(most):
            seen.seen = 0
            QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
            if not seen.seen:
                return
    finally:
        app.removeEventFilter(seen)


def at_rest(window, turns: int = 20) -> None:
    """Turn the event loop until no shown widget of ``window`` moved in the last turn (at
    most ``turns``): a layout asked for in one turn can ask for its parent's in the next (the
    Cell view's charts going into two rows took five turns to reach the window), so a
    picture taken after a fixed few turns showed a layout on its way. Each turn delivers the
    chain of layout requests to its end (``layouts_done``): a least size climbing to the
    window moves nothing until it gets there, so a turn in its middle looked at rest (right
    after a long input's pass the window's least was 500 px of its 556)."""
    last = None
    for _ in range(turns):
        QtWidgets.QApplication.processEvents()
        layouts_done()
        now = (window.size(), [c.geometry() for c in window.findChildren(QtWidgets.QWidget) if c.isVisible()])
        if now == last:
            return
        last = now


def fit_widget(window, widget, size) -> float:
    """Resize ``window`` so that ``widget`` gets ``size`` (w, h) as near as the layout
    allows. Where the layout cannot be that small, the widget gets the smallest size of
    the same shape it can, so that its picture scaled down evenly comes to ``size`` (it
    was scaled from the layout's minimum, squeezed out of shape). Returns that scale
    (1.0 where the widget fits)."""
    w, h = (int(v) for v in size)
    tw, th = w, h
    # (a view's picture holds its whole page, ``whole_pages``; the window's is the window
    # as on screen, its pages scrolled where they scroll)
    with whole_pages(widget is not window):
        for _ in range(4):  # (a layout's least height can depend on its width: text wraps)
            _fit(window, widget, tw, th)
            # (its least too: a view whose whole page grew past the size it has, the window's
            # least not yet told, was drawn squeezed, its page's foot cut)
            _settle()
            least = widget.minimumSizeHint()
            width, height = max(widget.width(), least.width()), max(widget.height(), least.height())
            if width <= tw and height <= th:
                break
            grow = max(width / w, height / h)
            tw, th = math.ceil(w * grow), math.ceil(h * grow)
    return min(1.0, w / widget.width(), h / widget.height())


def fitted_at_rest(window, widget, size=None) -> float:
    """A picture's layout (``--export-png/svg``, ``lstmviz.picture``): ``widget`` fitted to
    ``size`` (``fit_widget``; None: the size it has), then the window at rest (``at_rest``:
    the layout requests' chain delivered to its end), fitted again where the layout moved
    on the way. Returns the scale that brings the widget's picture to ``size``. A few turns
    after the fit (``_settle``) took the picture amid a long input's layout requests, as
    ``--screenshot`` did before ``at_rest`` waited for them."""
    shrink = 1.0 if size is None else fit_widget(window, widget, size)
    fitted = widget.size()
    at_rest(window)
    if size is None:
        return shrink
    if widget.size() != fitted:  # (its least grew on the way: of the same shape again)
        fit_widget(window, widget, size)
        at_rest(window)
    w, h = (int(v) for v in size)
    return min(1.0, w / widget.width(), h / widget.height())


def _fit(window, widget, w: int, h: int) -> None:
    if widget is window:
        window.resize(w, h)
        _settle()
        return
    # the side panel keeps its width while the window is sized for the view (it follows the
    # window's at a resize, ``MainWindow.fit_side``: each step then gave the view 74% of
    # what it asked, a 6000 px view 5915)
    follows = getattr(window, "side_follows", None)
    if follows is not None:
        window.side_follows = False
    try:
        for k in range(3):
            dw, dh = w - widget.width(), h - widget.height()
            if dw == 0 and dh == 0 and k == 0:
                # (the size it has: laid out first with its page whole, then looked at again;
                # a view asked for its own size, an export without one, was taken as fitted
                # before its whole page's least was laid out, and its page then scrolled)
                _settle()
                continue
            if dw == 0 and dh == 0:
                break
            window.resize(max(200, window.width() + dw), max(200, window.height() + dh))
            _settle()
    finally:
        if follows is not None:
            window.side_follows = follows


# -- pictures ------------------------------------------------------------------------------
@contextlib.contextmanager
def exported(hints: bool = False):
    """While it is held, the window is drawn as an exported picture shows it: without the
    hints for the mouse (``ui/labels.hints_hidden``), laid out again without them; the window
    shows them again afterwards. ``hints=True``: the window as it is (a screenshot)."""
    if hints:
        yield
        return
    with hints_hidden():
        _settle()  # (a header without its hint may take fewer lines)
        yield


@contextlib.contextmanager
def settled_quick(widget):
    """While it is held, the views under ``widget`` (or it) that show a long input's quick
    steps (``TraceView.quick``: a far seek's 16 exact steps, drawn at once in a cheaper form
    while their whole window is computed) draw them as a whole window is drawn
    (``TraceView.drawn_settled``: Over time's curves antialiased): a picture taken then
    (File > Export picture, the clipboard, an animation's frame, ``--screenshot``) is
    the settled drawing of those steps, not the seek's aliased curves; a seek is not
    slowed (nothing changes until a picture is taken)."""
    from lstmviz.ui.views.base import TraceView

    found = ([widget] if isinstance(widget, TraceView) else []) + widget.findChildren(TraceView)
    with contextlib.ExitStack() as held:
        for view in found:
            if view.quick:
                held.enter_context(view.drawn_settled())
        yield


def render_pixmap(widget, scale: float = 1.0, hints: bool = False) -> QtGui.QPixmap:
    """The widget drawn at ``scale`` x its size (sharp: device pixel ratio = scale), as
    exported (``exported``: no hints for the mouse unless ``hints``; a long input's quick
    steps as settled, ``settled_quick``)."""
    from lstmviz.limits import check_picture_scale

    scale = float(scale)
    w, h = check_picture_scale(widget.width(), widget.height(), scale)
    with exported(hints), uncached(widget, scale), settled_quick(widget):
        pix = QtGui.QPixmap(w, h)
        pix.setDevicePixelRatio(scale)
        pix.fill(widget.palette().color(QtGui.QPalette.ColorRole.Window))
        widget.render(pix)
    return pix


@contextlib.contextmanager
def uncached(widget, ratio: float):
    """While it is held, the plots' items under ``widget`` that keep their painting as a
    pixmap (``plot_tools.cache_pixels``: curves, heatmaps, axes, legends) paint themselves
    anew, where a picture is drawn at another density than the screen's ``ratio``: Qt
    copies an item's cached pixmap, made at the screen's density, into the picture scaled
    (a PNG at scale 2 from a 100% screen had its curves and lines doubled from the screen's
    pixels, jagged, beside sharp texts; one at scale 1 from a 200% screen, halved). Their
    pens are as thick at the picture's density as on screen (``ui/density.py``). Their
    caches are made again at the next paint on screen."""
    views = widget.findChildren(QtWidgets.QGraphicsView)
    if isinstance(widget, QtWidgets.QGraphicsView):
        views.append(widget)
    changed = []
    if abs(float(ratio) - widget.devicePixelRatioF()) > 1e-9:
        cached = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
        for view in views:
            scene = view.scene()
            for item in scene.items() if scene is not None else ():
                if item.cacheMode() == cached:
                    item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.NoCache)
                    changed.append(item)
    try:
        yield
    finally:
        for item in changed:
            item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


def png_bytes(widget, scale: float = 1.0, what: str = "the picture", hints: bool = False) -> bytes:
    """The widget drawn at ``scale`` (``render_pixmap``) as a PNG file's bytes."""
    data = png_of(render_pixmap(widget, scale, hints).toImage())
    if data is None:
        raise LstmvizError(f"{what}: the PNG could not be encoded")
    return data


def png_of(image: QtGui.QImage) -> bytes | None:
    """``image`` encoded as a PNG file's bytes (None: Qt could not encode it)."""
    data = QtCore.QByteArray()
    buf = QtCore.QBuffer(data)
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    # (PySide6's stub types the format bytes, but the binding takes only a str: b"PNG" raises)
    if not image.save(buf, "PNG"):  # type: ignore[call-overload]
        return None
    buf.close()
    return bytes(data.data())  # (bytes already: the stub says any buffer)


def save_png(widget, path, scale: float = 1.0, hints: bool = False) -> Path:
    path = Path(path)
    return write_atomic(path, png_bytes(widget, scale, str(path), hints))


@contextlib.contextmanager
def symbols_as_shapes(widget):
    """While it is held, the plots' symbols under ``widget`` (the Unrolled view's arrow heads,
    a curve's markers) are painted one by one as shapes, not stamped from pyqtgraph's
    atlas of symbols (``drawPixmapFragments``): QSvgGenerator ignores a fragment's source
    rectangle, so each symbol became the whole atlas squeezed into the symbol's square."""
    import pyqtgraph as pg

    changed = []
    views = widget.findChildren(QtWidgets.QGraphicsView)
    for view in views + ([widget] if isinstance(widget, QtWidgets.QGraphicsView) else []):
        scene = view.scene()
        for item in scene.items() if scene is not None else ():
            if isinstance(item, pg.ScatterPlotItem) and item.opts.get("useCache"):
                item.opts["useCache"] = False
                changed.append(item)
    try:
        yield
    finally:
        for item in changed:
            item.opts["useCache"] = True


class _Pixels(QtWidgets.QGraphicsEffect):
    """A widget's graphics effect that paints a picture of the widget taken before instead
    of the widget (``clipped_as_pixels``)."""

    def __init__(self, pixmap: QtGui.QPixmap, parent=None):
        super().__init__(parent)
        self.pixmap = pixmap

    def draw(self, painter: QtGui.QPainter) -> None:
        painter.save()
        # (smoothed where a reader scales it: not the heatmaps' ``optimizeSpeed``)
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawPixmap(QtCore.QRectF(QtCore.QPointF(0, 0), self.pixmap.deviceIndependentSize()),
                           self.pixmap, QtCore.QRectF(self.pixmap.rect()))
        painter.restore()


#: the widgets whose style paints through a clip: a slider fills its groove up to the
#: handle, a progress bar its chunk up to the value (Fusion clips a whole fill)
CLIPPED_WIDGETS = (QtWidgets.QSlider, QtWidgets.QProgressBar)
#: the density of their pictures in an SVG (twice the screen's: sharp when it is enlarged)
CLIPPED_RATIO = 2.0


@contextlib.contextmanager
def clipped_as_pixels(widget):
    """While it is held, the sliders and progress bars under ``widget`` paint a picture of
    themselves taken at once (``CLIPPED_RATIO`` times their pixels), not their style's
    drawing: QSvgGenerator writes no clip, and the style fills a slider's groove up to the
    handle by clipping a fill of the whole groove (a whole-window SVG's player at step 20
    of 40 was blue from end to end)."""
    held = []
    for w in widget.findChildren(QtWidgets.QWidget) + [widget]:
        if not isinstance(w, CLIPPED_WIDGETS) or not w.isVisibleTo(widget) or w.graphicsEffect() is not None:
            continue
        pixmap = QtGui.QPixmap(w.size() * CLIPPED_RATIO)
        pixmap.setDevicePixelRatio(CLIPPED_RATIO)
        pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        w.render(pixmap, QtCore.QPoint(0, 0), QtGui.QRegion(), QtWidgets.QWidget.RenderFlag.DrawChildren)
        w.setGraphicsEffect(_Pixels(pixmap, w))
        held.append(w)
    try:
        yield
    finally:
        for w in held:
            w.setGraphicsEffect(None)


#: CSS's generic font families: a reader's last resort in an SVG's ``font-family``
GENERIC_FAMILIES = ("sans-serif", "serif", "monospace", "cursive", "fantasy", "system-ui")


def svg_font_families(value: str) -> str:
    """An SVG text's ``font-family`` as a reader without our fonts' aliases draws it: the
    family Qt drew the text in first (QSvgGenerator writes the one asked for: "Sans
    Serif", fontconfig's alias, is no family a browser knows, and it drew the texts in its
    default serif at places laid out for DejaVu Sans), then the names written, then a
    generic family (``serif`` for a serif face, ``monospace`` for a fixed pitch one)."""
    names = [n.strip().strip("'\"") for n in html.unescape(value).split(",")]
    names = [n for n in names if n]
    if not names:
        return value
    given = [n for n in names if n not in GENERIC_FAMILIES]  # (Qt's "Monospace" is an alias)
    generic = next((n.lower() for n in names if n.lower() in GENERIC_FAMILIES), None)
    drawn = QtGui.QFontInfo(QtGui.QFont(given[0])).family() if given else ""
    if generic is None:
        lower = (drawn or names[0]).lower()
        generic = ("monospace" if drawn and QtGui.QFontDatabase.isFixedPitch(drawn)
                   else "serif" if "serif" in lower and "sans" not in lower else "sans-serif")
    out = list(dict.fromkeys(([drawn] if drawn else []) + given))
    quoted = [n if re.fullmatch(r"[A-Za-z][A-Za-z0-9 _-]*", n) else "'" + n.replace("'", "") + "'" for n in out]
    return html.escape(",".join(quoted + [generic]), quote=True)


#: a group QSvgGenerator writes: its state (pen, brush, transform) and what it draws
_SVG_GROUP = re.compile(r'(<g\b[^>]*?)\stransform="matrix\(([^)]*)\)"([^>]*>)((?:(?!<g\b|</g>).)*)(</g>)', re.S)
_SVG_SHAPE = re.compile(r'<(path|polyline|polygon|rect|line)\b([^>]*?)/>', re.S)
_SVG_NUMBER = re.compile(r'[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?')
_NON_SCALING = ' vector-effect="non-scaling-stroke"'


def _group_matrix(g: re.Match) -> tuple | None:
    """The matrix (a, b, c, d, e, f) of a group ``_SVG_GROUP`` found; None where it is not
    six numbers."""
    try:
        m = tuple(float(v) for v in g.group(2).split(","))
    except ValueError:
        return None
    return m if len(m) == 6 else None


def _num(v: float) -> str:
    return format(v + 0.0, ".7g")  # (+ 0.0: no "-0")


def _baked_shape(tag: str, attrs: str, m: tuple) -> str | None:
    """One shape of a group drawn with a cosmetic pen, its coordinates through the group's
    matrix ``m`` (a, b, c, d, e, f), without the ``vector-effect``; None where it is not
    what QSvgGenerator writes (absolute M/L/C/Z paths, points, rectangles unrotated)."""
    a, b, c, d, e, f = m

    def point(x: float, y: float) -> tuple[float, float]:
        return a * x + c * y + e, b * x + d * y + f

    def pairs(values: list[str]) -> list[str] | None:
        if len(values) % 2:
            return None
        out = []
        for x, y in zip(values[::2], values[1::2]):
            px, py = point(float(x), float(y))
            out.append(f"{_num(px)},{_num(py)}")
        return out

    attrs = attrs.replace(_NON_SCALING, "")
    if tag == "path":
        found = re.search(r'\sd="([^"]*)"', attrs)
        if found is None:
            return None
        parts: list[str] = []
        nums: list[str] = []
        for token in _SVG_NUMBER.findall(found.group(1)) + ["Z"]:
            if token.isalpha():
                if token not in "MLCQSTZ":
                    return None  # (relative or arc commands: not what Qt writes)
                done = pairs(nums)
                if done is None:
                    return None
                parts += done
                parts.append(token)
                nums = []
            else:
                nums.append(token)
        d_text = " ".join(parts[:-1]) + " "
        return f'<{tag}{attrs[:found.start(1)]}{d_text}{attrs[found.end(1):]}/>'
    if tag in ("polyline", "polygon"):
        found = re.search(r'\spoints="([^"]*)"', attrs)
        if found is None:
            return None
        done = pairs(re.findall(r'[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?', found.group(1)))
        if done is None:
            return None
        return f'<{tag}{attrs[:found.start(1)]}{" ".join(done)} {attrs[found.end(1):]}/>'
    if b or c:
        return None  # (a rectangle or line under a rotation: left as written)
    keys = ("x", "y", "width", "height") if tag == "rect" else ("x1", "y1", "x2", "y2")
    vals = {}
    for k in keys:
        found = re.search(rf'\s{k}="([^"]*)"', attrs)
        if found is None and tag == "line":
            return None
        vals[k] = float(found.group(1)) if found is not None else 0.0
    if tag == "rect":
        x0, y0 = point(vals["x"], vals["y"])
        x1, y1 = point(vals["x"] + vals["width"], vals["y"] + vals["height"])
        new = {"x": min(x0, x1), "y": min(y0, y1), "width": abs(x1 - x0), "height": abs(y1 - y0)}
    else:
        (p0x, p0y), (p1x, p1y) = point(vals["x1"], vals["y1"]), point(vals["x2"], vals["y2"])
        new = {"x1": p0x, "y1": p0y, "x2": p1x, "y2": p1y}
    for k in keys:
        attrs = re.sub(rf'\s{k}="[^"]*"', "", attrs)
    attrs = "".join(f' {k}="{_num(v)}"' for k, v in new.items()) + attrs
    return f"<{tag}{attrs}/>"


def svg_thin_lines(text: str) -> str:
    """An SVG's cosmetic lines (a plot's outlines, arrows, cursor, zero line: pens of a
    width in pixels, drawn in the plot's data coordinates) in the picture's own pixels:
    QSvgGenerator writes them under the plot's scaling with ``vector-effect=
    "non-scaling-stroke"``, SVG 2's, which librsvg, CairoSVG, resvg (Inkscape, LaTeX's
    and Typst's SVG) ignore: their 1 to 5 px lines came out 60 to 100 times as wide,
    black slabs over the views. Each group of such lines gets its coordinates through
    its matrix, no matrix and no ``vector-effect``: the same picture everywhere (and its
    lines scale with it, as its texts do, where a slide enlarges it)."""

    def one(g: re.Match) -> str:
        body = g.group(4)
        if _NON_SCALING not in body:
            return g.group(0)
        m = _group_matrix(g)
        if m is None:
            return g.group(0)
        if _SVG_SHAPE.sub("", body).strip():
            return g.group(0)  # (a text or image among them: left as written)
        shapes = []
        for shape in _SVG_SHAPE.finditer(body):
            baked = _baked_shape(shape.group(1), shape.group(2), m)
            if baked is None:
                return g.group(0)
            shapes.append(baked)
        return g.group(1) + g.group(3) + "\n" + "\n".join(shapes) + "\n" + g.group(5)

    return _SVG_GROUP.sub(one, text)


_SVG_IMAGE = re.compile(r'<image\b([^>]*?)/>', re.S)
_SVG_PNG = re.compile(r'(\shref|\sxlink:href)="data:image/png;base64,([^"]*)"')
#: what QSvgGenerator writes on an image Qt drew without smoothing (a heatmap's cells)
_UNSMOOTHED = 'image-rendering="optimizeSpeed"'
#: a heatmap's image in an SVG holds at most this many pixels once its cells are repeated
CRISP_PIXELS = 4_000_000


def _png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's width and height from its header (None: not a PNG)."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _repeated_png(data: bytes, kx: int, ky: int) -> bytes | None:
    """The PNG ``data`` with each pixel repeated ``kx`` times across and ``ky`` down."""
    img = QtGui.QImage.fromData(data)  # (a PNG: _crisp_image read its header)
    if img.isNull():
        return None
    img = img.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    arr = np.frombuffer(img.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)[:, :w * 4]
    big = np.ascontiguousarray(np.repeat(np.repeat(arr.reshape(h, w, 4), ky, axis=0), kx, axis=1))
    return png_of(QtGui.QImage(big.data, w * kx, h * ky, w * kx * 4, QtGui.QImage.Format.Format_ARGB32))


def _crisp_image(attrs: str, m: tuple | None) -> str:
    """One ``<image>``'s attributes (inside a group of matrix ``m``, or None) for a reader
    that smooths what it enlarges: ``image-rendering:pixelated`` (browsers, Inkscape), and
    where it is drawn larger than its pixels, those pixels repeated up to the size it is
    drawn at (librsvg, CairoSVG, which smooth whatever it says: each cell keeps its
    colour, its edges a pixel of blend)."""
    if _UNSMOOTHED not in attrs or "style=" in attrs:
        return attrs
    attrs = attrs.replace(_UNSMOOTHED, _UNSMOOTHED + ' style="image-rendering:pixelated"')
    found = _SVG_PNG.search(attrs)
    if m is None or m[1] or m[2] or found is None:
        return attrs  # (rotated, or not an embedded PNG: as written)
    width, height = re.search(r'\swidth="([^"]*)"', attrs), re.search(r'\sheight="([^"]*)"', attrs)
    if width is None or height is None:
        return attrs
    try:
        w, h = float(width.group(1)), float(height.group(1))
        data = base64.b64decode(found.group(2))
    except ValueError:
        return attrs
    size = _png_size(data)
    if size is None or not all(size):
        return attrs
    kx = max(1, round(abs(m[0] * w) / size[0]))
    ky = max(1, round(abs(m[3] * h) / size[1]))
    over = size[0] * kx * size[1] * ky / CRISP_PIXELS
    if over > 1:
        kx, ky = max(1, int(kx / math.sqrt(over))), max(1, int(ky / math.sqrt(over)))
    if kx * ky == 1:
        return attrs
    big = _repeated_png(data, kx, ky)
    if big is None:
        return attrs
    return (attrs[:found.start(2)] + base64.b64encode(big).decode("ascii") + attrs[found.end(2):])


def svg_crisp_images(text: str) -> str:
    """An SVG's heatmaps as the window draws them, a block of one colour a cell: Qt draws
    their small images enlarged without smoothing and writes them with
    ``image-rendering="optimizeSpeed"``, which librsvg, Inkscape and browsers smoothed:
    blurred cells. See ``_crisp_image``."""

    def group(g: re.Match) -> str:
        m = _group_matrix(g)
        body = _SVG_IMAGE.sub(lambda i: f"<image{_crisp_image(i.group(1), m)}/>", g.group(4))
        return g.group(0)[:g.start(4) - g.start(0)] + body + g.group(5)

    text = _SVG_GROUP.sub(group, text)
    # (an image in no group of a matrix: said pixelated, its size unknown)
    return _SVG_IMAGE.sub(lambda i: f"<image{_crisp_image(i.group(1), None)}/>", text)


def cut_areas(widget) -> list[QtWidgets.QScrollArea]:
    """The scroll areas under ``widget`` (itself included) whose content runs past their
    viewport (the side panel's cards, the Cell view's equations), the outermost ones."""
    areas = [a for a in widget.findChildren(QtWidgets.QScrollArea)
             + ([widget] if isinstance(widget, QtWidgets.QScrollArea) else [])
             if a.widget() is not None and a.widget().isVisible()
             and (a is widget or a.isVisibleTo(widget))
             and not a.viewport().rect().contains(a.widget().geometry())]
    return [a for a in areas if not any(o is not a and o.widget().isAncestorOf(a) for o in areas)]


class _Mark(QtWidgets.QGraphicsEffect):
    """A widget's graphics effect that paints a text of its own instead of the widget: where
    an SVG drew the widget."""

    def __init__(self, text: str, parent=None):
        super().__init__(parent)
        self.text = text

    def draw(self, painter: QtGui.QPainter) -> None:
        painter.drawText(QtCore.QPointF(0, 0), self.text)


def _svg_painted(widget, title: str, dpi: int, prefix: str = "") -> str:
    """``widget`` painted into ``QSvgGenerator``, as it writes it, but for the content of
    each scroll area (``cut_areas``): QSvgGenerator clips nothing, so a whole-window SVG drew
    the side panel's cards past their scroll area, over the player and the status bar.
    Each is painted apart, its viewport as an SVG of its own put at its place, clipped to
    its viewport's box."""
    from PySide6.QtSvg import QSvgGenerator

    w, h = widget.width(), widget.height()
    data = QtCore.QByteArray()
    buf = QtCore.QBuffer(data)
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(QtCore.QSize(w, h))
    gen.setViewBox(QtCore.QRect(0, 0, w, h))
    # fonts' point sizes become px at the screen's dpi, where the layout measured the texts
    # (at the generator's own 72 dpi they came out 3/4 of their size, apart from each other)
    gen.setResolution(dpi)
    gen.setTitle(title)
    gen.setDescription("exported by lstmviz")
    areas = cut_areas(widget)
    marks = [f"lstmviz-cut-{prefix}{n}" for n in range(len(areas))]
    contents = [area.widget() for area in areas]
    for content, mark in zip(contents, marks):  # (not painted here: a mark in its place, no layout changed)
        if content is not None:
            content.setGraphicsEffect(_Mark(mark, content))
    painter = QtGui.QPainter()
    try:
        if not painter.begin(gen):
            raise LstmvizError("the SVG painter could not start")
        try:
            widget.render(painter, QtCore.QPoint(0, 0))
        finally:
            painter.end()
    finally:
        for content in contents:
            if content is not None:
                # (PySide6's stub takes no None here; Qt's nullptr removes the effect)
                content.setGraphicsEffect(None)  # type: ignore[arg-type]
    buf.close()
    text = bytes(data.data()).decode("utf-8")
    for n, area in enumerate(areas):
        port = area.viewport()
        at = port.mapTo(widget, QtCore.QPoint(0, 0))
        inner = _svg_painted(port, title, dpi, f"{prefix}s{n}_")
        body = inner[inner.index(">", inner.index("<svg")) + 1:inner.rindex("</svg>")]
        body = re.sub(r"<title>.*?</title>|<desc>.*?</desc>", "", body, flags=re.S)
        # (its gradients' names apart from the picture's: both count from gradient1)
        tag = f"{prefix}s{n}_"
        body = re.sub(r'(\sid="|url\(#|href="#)', rf"\g<1>{tag}", body)  # (tag: letters, digits, _)
        # (a clip path, SVG 1.1's, which librsvg, browsers and Inkscape draw; Qt's own
        # renderer ignores it, and would skip a nested <svg>, SVG Tiny's rule)
        clip = f"{tag}cut"
        cut = (f'<defs><clipPath id="{clip}"><rect x="{at.x()}" y="{at.y()}" width="{port.width()}" '
               f'height="{port.height()}"/></clipPath></defs>\n<g clip-path="url(#{clip})">'
               f'<g transform="translate({at.x()},{at.y()})">{body}</g></g>\n')
        # where the content was painted (a reader that clips nothing, Qt's, draws what
        # was painted after it over it, as the window does), else at the end
        found = re.search(rf"<g\b[^>]*>\s*<text\b[^>]*>{marks[n]}</text>\s*</g>\n?", text)
        end = text.rindex("</svg>")
        text = (text[:found.start()] + cut + text[found.end():]) if found else (text[:end] + cut + text[end:])
    return text


def svg_bytes(widget, title: str = "lstmviz", scale: float = 1.0) -> bytes:
    """``widget`` as an SVG file's bytes; its size ``scale`` x the widget's (``--size`` below
    what the layout can take: the picture of the smallest layout of that shape, said at the
    size asked for, as a PNG is scaled: ``fit_widget``)."""
    with exported(), symbols_as_shapes(widget), settled_quick(widget):
        # (the size painted: without the mouse's hints a view may be laid out narrower)
        w, h = widget.width(), widget.height()
        with clipped_as_pixels(widget):
            text = _svg_painted(widget, title, widget.logicalDpiX())
    # QSvgGenerator gives the size in mm; say it in px, the widget's own size (scaled)
    sw, sh = (max(1, round(v * float(scale))) for v in (w, h))  # (whole pixels, as a PNG's)
    text = re.sub(r'(<svg\b[^>]*?)\swidth="[^"]*"', rf'\1 width="{sw}px"', text, count=1)
    text = re.sub(r'(<svg\b[^>]*?)\sheight="[^"]*"', rf'\1 height="{sh}px"', text, count=1)
    text = svg_thin_lines(text)
    text = svg_crisp_images(text)
    families: dict[str, str] = {}
    text = re.sub(r'font-family="([^"]*)"', lambda m: 'font-family="{}"'.format(
        families.setdefault(m.group(1), svg_font_families(m.group(1)))), text)
    return text.encode("utf-8")


def save_svg(widget, path, scale: float = 1.0) -> Path:
    return write_atomic(path, svg_bytes(widget, scale=scale))


def copy_to_clipboard(widget, scale: float = 1.0) -> QtGui.QPixmap:
    pix = render_pixmap(widget, scale)
    QtGui.QGuiApplication.clipboard().setPixmap(pix)
    return pix


# -- the animation -------------------------------------------------------------------------
def image_to_array(img: QtGui.QImage) -> np.ndarray:
    """A QImage as an (h, w, 3) uint8 RGB array."""
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    arr = np.frombuffer(img.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
    return arr[:, :w * 3].reshape(h, w, 3).copy()


class Cancelled(LstmvizError):
    """An export the user cancelled (its ``progress`` said stop): nothing was written."""


def iter_frames(window, target: str = "view", size=None, steps=None, progress=None):
    """Yield one (h, w, 3) RGB frame per step (all steps by default), seeking the state's
    cursor; the cursor's step is put back at the end. Frames all have ``size`` (w, h), drawn
    as exported (``exported``: no hints for the mouse).
    ``progress(done, total)`` is called before each frame and at the end; when it returns
    False, ``Cancelled`` is raised."""
    state = window.state
    total = state.clock_steps  # (the selected layer's steps: a decoder's own)
    steps = list(range(total)) if steps is None else list(steps)
    if len(steps) > MAX_FRAMES:
        raise LstmvizError(f"{count(len(steps))} steps are more frames than an animation can hold "
                           f"({MAX_FRAMES:,}): animate a range of steps (--steps A:B)")
    outside = [t for t in steps if not 0 <= int(t) < total]
    if outside:
        raise LstmvizError(f"step {count(outside[0])}: {state.steps_said(state.cursor.layer)}")
    old = state.cursor.step

    def going_on(done: int) -> None:
        if progress is not None and progress(done, len(steps)) is False:
            raise Cancelled("the export was cancelled")
    try:
        widget = target_widget(window, target)
        # (a view's frames as fitted: its page whole, ``whole_pages``, for every frame; without
        # a size, at the size the window shows it; the window's frames as it is)
        if size is None and widget is not window:
            size = (widget.width(), widget.height())
        with exported(), whole_pages(widget is not window):
            if steps and widget is not window:  # (fitted at the first frame's step: its page, not
                # the cursor's step's; the Cell view's equations at step 0 are shorter than at 3)
                state.set_cursor(step=int(steps[0]))
                long_settled(window, turn=lambda: going_on(0))
            if size is not None:
                fit_widget(window, widget, size)
            _settle()
            w, h = (int(v) for v in size) if size is not None else (widget.width(), widget.height())
            for done, t in enumerate(steps):
                going_on(done)
                state.set_cursor(step=int(t))
                long_settled(window, turn=lambda done=done: going_on(done))
                QtWidgets.QApplication.processEvents()
                layouts_done()  # (the layouts the step asked for, to the window: no frame amid them)
                img = frame_image(widget)
                if (img.width(), img.height()) != (w, h):
                    img = img.scaled(w, h, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                                     QtCore.Qt.TransformationMode.SmoothTransformation)
                yield image_to_array(img)
            going_on(len(steps))
    finally:
        state.set_cursor(step=old)


def frame_image(widget) -> QtGui.QImage:
    """An animation's frame of ``widget``: its grab on a screen of ratio 1; elsewhere the
    widget drawn at ratio 1 (``render_pixmap``, as exported: lines as thick, texts and
    heatmaps' cells sharp at the frame's pixels). A 200% screen's grab (twice the pixels
    each way) smoothed down to the frame's size made every text, line and cell edge soft."""
    if widget.devicePixelRatioF() == 1.0:
        with settled_quick(widget):
            return widget.grab().toImage()
    return render_pixmap(widget, 1.0, hints=True).toImage()  # (hints: already hidden, ``exported``)


def _check_fps(fps) -> float:
    fps = float(fps)
    if not (0.1 <= fps <= 60):
        raise LstmvizError(f"the speed must be between 0.1 and 60 frames per second, not {fps:g}")
    return fps


def save_gif(window, path, target: str = "view", size=None, fps: float = DEFAULT_FPS, progress=None,
             steps=None) -> Path:
    """An animated GIF, one frame per step (``steps``: those, else all), looping (Pillow).
    ``progress``: see iter_frames."""
    from PIL import Image

    fps = _check_fps(fps)
    frames = [Image.fromarray(a) for a in iter_frames(window, target, size, steps=steps, progress=progress)]
    if not frames:
        raise LstmvizError("there are no steps to animate")
    # one palette per frame (adaptive), no dithering: flat colours stay flat
    frames = [f.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) for f in frames]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], loop=0,
                   duration=max(20, round(1000 / fps)), disposal=1, optimize=False)
    return write_atomic(path, buf.getvalue())


#: MP4s need an ffmpeg; the 165 MB binary of imageio-ffmpeg is the optional extra ``mp4``.
MP4_MISSING = (f"MP4 needs ffmpeg: {pip_install('imageio-ffmpeg')} (the extra 'mp4'), "
               "or put ffmpeg on PATH; GIF works without it")


def ffmpeg_exe() -> str | None:
    """The ffmpeg that writes MP4s: imageio-ffmpeg's bundled binary, else one on PATH."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError, OSError):
        return shutil.which("ffmpeg")


def save_mp4(window, path, target: str = "view", size=None, fps: float = DEFAULT_FPS, progress=None,
             steps=None) -> Path:
    """An H.264 MP4 (yuv420p, even sizes), one frame per step (``steps``: those, else all).
    Needs ffmpeg (see ffmpeg_exe). ``progress``: see iter_frames (a cancelled MP4 leaves no
    file)."""
    import os
    import subprocess
    import tempfile

    fps = _check_fps(fps)
    exe = ffmpeg_exe()
    if exe is None:
        raise LstmvizError(MP4_MISSING)
    path = Path(path)
    if not path.parent.is_dir():
        raise LstmvizError(f"{path}: the folder {path.parent} does not exist")
    frames = iter_frames(window, target, size, steps=steps, progress=progress)
    first = next(frames, None)
    if first is None:
        raise LstmvizError("there are no steps to animate")
    h, w = first.shape[:2]
    ew, eh = w - w % 2, h - h % 2  # yuv420p wants even sizes
    mode = new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".mp4", dir=path.parent)
    os.close(fd)
    cmd = [exe, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{ew}x{eh}", "-r", f"{fps:g}", "-i", "-", "-an", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-preset", "medium", "-crf", "18", "-movflags", "+faststart", tmp]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stderr is not None  # (both PIPE)
    try:
        try:
            proc.stdin.write(np.ascontiguousarray(first[:eh, :ew]).tobytes())
            for frame in frames:
                proc.stdin.write(np.ascontiguousarray(frame[:eh, :ew]).tobytes())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        if proc.wait() != 0:
            raise LstmvizError(f"ffmpeg could not write the MP4: {err.splitlines()[-1] if err else proc.returncode}")
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# -- the trace and the stack: Qt-free, shared with `lstmviz trace --out` (app/export_data.py),
# imported when first used (the window's start needs none of them)
_DATA = {"csv_text", "keras_config", "save_csv", "save_keras_json", "save_npz", "trace_rows"}


def ask_save_name(parent, title: str, start: str, filt: str, suffix: str, exact: bool = False) -> str:
    """A name from the save dialog, ``suffix`` ('.png') added to one typed without it (in
    any case, or, ``exact``, as written: Keras saves only '.keras') ("" when cancelled). The
    dialog asked before replacing the name typed ('slide', or a model file 'mymodel'), not
    the one written ('slide.png'), which was replaced without a word: where that one
    exists, it is asked here (No is a cancel). Every File > Save/Export dialog."""
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, title, start, filt)
    if not path or (path.endswith(suffix) if exact else path.lower().endswith(suffix.lower())):
        return path or ""
    path += suffix
    if os.path.lexists(path):
        B = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            parent, title, f"{Path(path).name} already exists in {Path(path).parent}.\n"
                           "Do you want to replace it?", B.Yes | B.No, B.No)
        if answer != B.Yes:
            return ""
    return path


def __getattr__(name: str):
    if name in _DATA:
        from lstmviz.app import export_data

        return getattr(export_data, name)
    if name == "spec_from_keras_config":
        from lstmviz.io import spec_from_keras_config

        return spec_from_keras_config
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- the dialog ------------------------------------------------------------------------------
def _pair(first: QtWidgets.QWidget, between: str, second: QtWidgets.QWidget) -> QtWidgets.QHBoxLayout:
    """A form row's two fields with a word between them ("640 x 480", "12 to 211")."""
    row = QtWidgets.QHBoxLayout()
    row.addWidget(first)
    row.addWidget(QtWidgets.QLabel(between))
    row.addWidget(second)
    return row


class AnimationDialog(QtWidgets.QDialog):
    """Size and speed for an animation (and which part of the window). Over the Train tab,
    which does not change with the stack's steps (its frames were all alike, the window's
    too), it offers the views of the stack by name and says why (``TRAIN_NOT_ANIMATED_HERE``)."""

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.setWindowTitle("Export the animation")
        form = QtWidgets.QFormLayout(self)
        self.target = QtWidgets.QComboBox()
        self.note: QtWidgets.QLabel | None = None
        if window.on_train_tab():
            for key, _cls, title in VIEWS:
                self.target.addItem(title, key)
            self.note = QtWidgets.QLabel(TRAIN_NOT_ANIMATED_HERE)
            form.addRow(self.note)
        else:
            self.target.addItem("Current view", "view")
            self.target.addItem("Whole window", "window")
        form.addRow("Show", self.target)
        self._window = window
        self.width_spin = QtWidgets.QSpinBox()
        self.width_spin.setRange(64, 7680)
        self.height_spin = QtWidgets.QSpinBox()
        self.height_spin.setRange(64, 4320)
        self._offered: tuple[int, int] | None = None
        self._offer_size()
        self.target.currentIndexChanged.connect(self._offer_size)
        form.addRow("Size (px)", _pair(self.width_spin, "\u00d7", self.height_spin))
        self.fps = QtWidgets.QDoubleSpinBox()
        self.fps.setRange(0.1, 60)
        self.fps.setDecimals(1)
        self.fps.setValue(DEFAULT_FPS)
        self.fps.setSuffix(" steps/s")
        form.addRow("Speed", self.fps)
        # the steps: all of them where an animation holds them, else (a long input) the
        # next RANGE_FRAMES from the step on screen, as many as the user sets up to MAX_FRAMES
        last = max(0, window.state.clock_steps - 1)
        self.first_spin, self.last_spin = QtWidgets.QSpinBox(), QtWidgets.QSpinBox()
        for spin in (self.first_spin, self.last_spin):
            spin.setRange(0, last)
            spin.setGroupSeparatorShown(True)
        if last < MAX_FRAMES:
            self.first_spin.setValue(0)
            self.last_spin.setValue(last)
        else:
            start = min(max(0, int(window.state.cursor.step)), last)
            self.first_spin.setValue(start)
            self.last_spin.setValue(min(last, start + RANGE_FRAMES - 1))
        form.addRow("Steps", _pair(self.first_spin, "to", self.last_spin))
        self.frames_label = QtWidgets.QLabel()
        form.addRow("", self.frames_label)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        form.addRow(buttons)
        # a pair of bounds: one moved past the other takes it along (a first step typed after
        # the last disabled OK, "the first step comes after the last", until the last was moved)
        self.first_spin.valueChanged.connect(lambda _v: self._bound_set(first=True))
        self.last_spin.valueChanged.connect(lambda _v: self._bound_set(first=False))
        # what a screen reader calls them: a row's label names its one field; a pair's
        # fields by their own names (a spin box's value, "1006", is no name)
        for spin, name in ((self.width_spin, "Width (px)"), (self.height_spin, "Height (px)"),
                           (self.first_spin, "First step"), (self.last_spin, "Last step")):
            spin.setAccessibleName(name)
        name_form(form)
        self._count_frames()

    def _bound_set(self, first: bool) -> None:
        """A first step set after the last moves the last to it, a last step set before the
        first the first; then the frames are said (that move's own signal says them)."""
        lo, hi = self.first_spin.value(), self.last_spin.value()
        if lo > hi:
            (self.last_spin if first else self.first_spin).setValue(lo if first else hi)
        else:
            self._count_frames()

    def _count_frames(self, _value=None) -> None:
        """The frames the steps make, said under them; OK only for a range an animation holds."""
        n = self.last_spin.value() - self.first_spin.value() + 1
        total = self._window.state.clock_steps
        whole = f" ({count(total)} in the sequence)" if n < total else ""
        if n > MAX_FRAMES:
            text, ok = f"{n:,} frames: an animation holds at most {MAX_FRAMES:,}", False
        else:
            text, ok = f"{plural(n, 'frame', sep=',')}, one per timestep{whole}", True
        self.frames_label.setText(text)
        self.ok.setEnabled(ok)

    def _offer_size(self, _index=None) -> None:
        """The size of what is chosen (the view on screen or the whole window), even (an
        MP4 wants it so); a size the user typed is kept."""
        size = (self.width_spin.value(), self.height_spin.value())
        if self._offered is not None and size != self._offered:
            return
        shown = self._window if self.target.currentData() == "window" else self._window.tabs.currentWidget()
        self.width_spin.setValue(shown.width() - shown.width() % 2)
        self.height_spin.setValue(shown.height() - shown.height() % 2)
        self._offered = (self.width_spin.value(), self.height_spin.value())

    def values(self) -> dict:
        return {"target": self.target.currentData(),
                "size": (self.width_spin.value(), self.height_spin.value()),
                "fps": self.fps.value(),
                "steps": range(self.first_spin.value(), self.last_spin.value() + 1)}


class Exporter(QtCore.QObject):
    """The File > Export menu of a window."""

    menu: QtWidgets.QMenu  # (install: added to the window's File menu)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.last_dir: str | None = None  # where the last export went: the next starts there

    def add_menu(self, file_menu: QtWidgets.QMenu, before: QtGui.QAction | None = None) -> QtWidgets.QMenu:
        m = QtWidgets.QMenu("&Export", file_menu)
        if before is not None:
            file_menu.insertMenu(before, m)
        else:
            file_menu.addMenu(m)
        m.addAction("Current view as &PNG\u2026", lambda: self.picture("view", "png"))
        m.addAction("Current view as &SVG\u2026", lambda: self.picture("view", "svg"))
        m.addAction("Whole window as P&NG\u2026", lambda: self.picture("window", "png"))
        m.addAction("Whole window as S&VG\u2026", lambda: self.picture("window", "svg"))
        a = m.addAction("&Copy current view", lambda: self.clipboard("view"))
        a.setShortcut(QtGui.QKeySequence("Ctrl+Shift+C"))
        m.addSeparator()
        m.addAction("Animation as &GIF\u2026", lambda: self.animation("gif"))
        mp4 = m.addAction("Animation as &MP4\u2026", lambda: self.animation("mp4"))

        def check_mp4() -> None:  # ffmpeg looked for when the menu first opens, not at start-up
            m.aboutToShow.disconnect(check_mp4)
            if ffmpeg_exe() is None:
                mp4.setEnabled(False)
                mp4.setToolTip(MP4_MISSING)  # (a menu shows its actions' tooltips only when told to:
                m.setToolTipsVisible(True)   # the greyed item said nothing of why, or of the extra)
        m.aboutToShow.connect(check_mp4)
        m.addSeparator()
        m.addAction("&Trace as .npz\u2026", lambda: self.data("npz"))
        m.addAction("T&race as .csv\u2026", lambda: self.data("csv"))
        m.addAction("Stack as &Keras JSON config\u2026", lambda: self.data("json"))
        return m

    def _ask_path(self, title: str, what: str, kind: str) -> str:
        """Where to write an export of ``kind`` (its suffix added to a name typed without
        it, as Save session does: ``ask_save_name``): offered as '<model>_<what>.<kind>' in
        the folder of the last export, else the model's (not a bundled demo's: the
        installed package), else the working one."""
        default = f"{self.stem()}_{what}.{kind}" if what else f"{self.stem()}.{kind}"
        start = str(self.folder() / default)
        path = ask_save_name(self.window, title, start, f"{kind.upper()} (*.{kind})", f".{kind}")
        if not path:
            return ""
        self.last_dir = str(Path(path).parent)
        return path

    def stem(self) -> str:
        """The document's name for an export's or a session's file: what the title calls it
        (``MainWindow.document_name``), unescaped: the session's, the model file's, a model
        from Python's, the stack's model name, else "built-in stack" (the Keras model name
        the stack is built under, 'sequential', is no name the user sees)."""
        session = getattr(getattr(self.window, "sessions", None), "session_path", None)
        st = self.window.state
        python = st.model.name if getattr(self.window, "source_label", None) and st.model is not None else None
        name = (Path(session).stem if session else Path(st.path).stem if st.path
                else python or st.model_name or "built-in stack")
        return file_stem(name, "lstmviz")

    def folder(self) -> Path:
        from lstmviz.app.demos import DEMOS_DIR

        if self.last_dir and Path(self.last_dir).is_dir():
            return Path(self.last_dir)
        st = self.window.state
        where = resolved(st.path) if st.path else None  # (a restored session's: any text)
        if where is not None:
            here = where.parent
            if here.is_dir() and here != DEMOS_DIR.resolve():
                return here
        return Path.cwd()

    def shown(self, target: str) -> str:
        """What a picture of ``target`` shows, for its file name: 'cell_t3', 'window_t3'."""
        tabs = self.window.tabs
        what = "window" if target == "window" else target if target in VIEW_NAMES else (
            VIEW_NAMES[tabs.currentIndex()] if tabs.currentIndex() < len(VIEW_NAMES)
            else re.sub(r"\W+", "_", tabs.tabText(tabs.currentIndex()).replace("&", "")).strip("_").lower())
        return f"{what}_t{self.window.state.cursor.step}"

    def _run(self, fn, *args, done: str = "", **kwargs):
        try:
            out = fn(*args, **kwargs)
        except Cancelled:
            self.window.message("Export cancelled: nothing written")
            return None
        except (LstmvizError, OSError) as err:
            msg = (str(err) if isinstance(err, LstmvizError)
                   else safe_text(f"{getattr(err, 'filename', '')}: {err.strerror or err}"))
            self.window.message(msg, dialog=True, error=True, title="Cannot export")
            return None
        if done:
            self.window.message(safe_text(done))  # (it names the path the user typed)
        return out

    def picture(self, target: str, kind: str):
        if kind == "png":
            scale, ok = (1.0, True)
            if not self.window.quiet:
                # (what 1 is, in pixels: 'screen size' it said, half the screen's pixels at 200%)
                shown = target_widget(self.window, target)
                ratio = shown.devicePixelRatioF()
                label = f"Scale (1 = {shown.width()} \u00d7 {shown.height()} px"
                label += f"; this screen shows {ratio:g})" if ratio != 1 else ", as on screen)"
                scale, ok = QtWidgets.QInputDialog.getDouble(self.window, "Export PNG", label,
                                                             max(2.0, ratio), 0.25, 8.0, 2)
            if not ok:
                return None
            path = self._ask_path("Export PNG", self.shown(target), "png")
            if path:
                return self._run(save_png, target_widget(self.window, target), path, scale, done=f"Saved {path}")
        else:
            path = self._ask_path("Export SVG", self.shown(target), "svg")
            if path:
                return self._run(save_svg, target_widget(self.window, target), path, done=f"Saved {path}")
        return None

    def screenshot(self):
        """File > Save screenshot: the window as it is on screen, at its size in the
        screen's pixels (a 200% screen's: twice its size each way, not half its pixels)."""
        path = self._ask_path("Save a screenshot", self.shown("window"), "png")
        if path:
            return self._run(save_png, self.window, path, self.window.devicePixelRatioF(), hints=True,
                             done=f"Saved {path}")
        return None

    def clipboard(self, target: str = "view"):
        widget = target_widget(self.window, target)
        # (at the screen's density: from a 200% screen, not half its pixels)
        return self._run(copy_to_clipboard, widget, widget.devicePixelRatioF(),
                         done="Copied the view to the clipboard")

    def animation(self, kind: str):
        dlg = AnimationDialog(self.window)
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        v = dlg.values()
        steps = v["steps"]
        what = self.shown(v["target"]).rsplit("_t", 1)[0]  # (every step: no step in the name)
        if len(steps) < self.window.state.clock_steps:
            what += f"_t{steps[0]}-{steps[-1]}"
        path = self._ask_path(f"Export {kind.upper()}", what, kind)
        if not path:
            return None
        fn = save_gif if kind == "gif" else save_mp4
        # rendering needs the real size: the window grows for the export and comes back
        # (and to its tab: a view named from the Train tab is shown for the frames)
        geom, tab = self.window.geometry(), self.window.tabs.currentIndex()
        frames = len(steps)
        bar = QtWidgets.QProgressDialog(frames_label(self.window, frames, Path(path).name), "Cancel",
                                        0, frames, self.window)
        bar.setWindowTitle(f"Export {kind.upper()}")
        bar.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        bar.setMinimumDuration(500)  # (a short one comes and goes without it)
        bar.setAutoClose(False)
        bar.setAutoReset(False)

        def progress(done: int, total: int) -> bool:
            label = frames_label(self.window, total, Path(path).name)
            if bar.labelText() != label:  # (the frames wait for a long input's pass: said)
                bar.setLabelText(label)
            bar.setMaximum(total)
            bar.setValue(done)  # (the frames' seeks turn the event loop: Cancel is seen)
            return not bar.wasCanceled()
        try:
            return self._run(fn, self.window, path, v["target"], v["size"], v["fps"], progress=progress,
                             steps=steps, done=f"Saved {path}")
        finally:
            bar.close()
            bar.deleteLater()
            self.window.tabs.setCurrentIndex(tab)
            self.window.setGeometry(geom)

    def data(self, kind: str):
        from lstmviz.app.export_data import keras3_caveat, save_csv, save_keras_json, save_npz, window_of

        st = self.window.state
        if kind == "json":
            path = self._ask_path("Export Keras config", "", "json")
            caveat = keras3_caveat(st)
            done = f"Saved {path}" + (f" (note: {caveat})" if caveat else "")
            return self._run(save_keras_json, st, path, done=done) if path else None
        if st.trace is None:
            pending = st.long.pass_first if st.long is not None else None
            self.window.message("there is no trace to export yet" + (
                f": {pending}, so no step is traced before the keyframe pass has run" if pending else ""),
                dialog=True, error=True)
            return None
        # a long input's window, as ``lstmviz trace --steps`` writes it: processing steps
        # (the views' window is of input steps: a backward half holds others)
        tr = st.long.by_processing(st.trace) if st.long is not None else st.trace
        held = []  # what the file holds when it is not every sample and step: said when saved
        if st.traced_sample is not None:
            held.append(f"sample {st.traced_sample}")
        window = window_of(tr)
        if window is not None and window[1] > window[0]:
            held.append(f"steps {count(window[0])}-{count(window[1] - 1)} of {count(tr.total_steps)}")
        name = (f"trace_steps_{window[0]}-{window[1] - 1}" if window is not None and window[1] > window[0]
                else "trace")
        path = self._ask_path("Export trace", name, kind)
        if not path:
            return None
        done = f"Saved {path}" + (f" ({', '.join(held)})" if held else "")
        if kind == "npz":
            return self._run(save_npz, tr, path, st.traced_sample, done=done)
        return self._run(save_csv, tr, path, st.traced_sample or 0, done=done)


def install(window) -> Exporter:
    """Add File > Export to ``window`` (just before the File menu's last separator)."""
    exporter = Exporter(window)
    mb = window.menuBar()
    menus = [a.menu() for a in mb.actions() if a.menu() is not None]
    file_menu = menus[0] if menus else mb.addMenu("&File")
    seps = [a for a in file_menu.actions() if a.isSeparator()]
    exporter.menu = exporter.add_menu(file_menu, seps[-1] if seps else None)
    return exporter
