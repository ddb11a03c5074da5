"""Pictures on a screen of another density (QT_SCALE_FACTOR=2 or 1.5, in a process of
their own): a screenshot and a copy at the screen's pixels; the PNG dialog's words; lines
as thick at every density, on the screen and in a PNG at scale 2 (``ui/density.py``)."""

import numpy as np
from PySide6 import QtGui, QtWidgets

from lstmviz.ui.export import render_pixmap

CACHED = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
NO_CACHE = QtWidgets.QGraphicsItem.CacheMode.NoCache

# -- a 200% screen (QT_SCALE_FACTOR=2, in a process of its own) ------------------------------
AT_200 = r'''
import json, sys
from PySide6 import QtGui, QtWidgets
from lstmviz.ui import app as A

out = sys.argv[1]
app = A._app(offscreen=True)
window = A.make_window(None, "dark", quiet=True)
window.resize(1280, 720)
window.show()
for _ in range(10):
    app.processEvents()
window.exporter._ask_path = lambda *args: out
window.exporter.screenshot()
window.exporter.clipboard("view")
clip = QtGui.QGuiApplication.clipboard().pixmap()
view = window.tabs.currentWidget()
asked = []
QtWidgets.QInputDialog.getDouble = lambda parent, title, label, value, *a: (asked.append(label), value, False)[1:]
window.quiet = False
window.exporter.picture("view", "png")
print(json.dumps({"ratio": window.devicePixelRatioF(), "clip": [clip.width(), clip.height()],
                  "view": [view.width(), view.height()], "window": [window.width(), window.height()],
                  "asked": asked}))
A.dispose(window)
'''


def at_200(*args, script=None, factor="2"):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=factor,
               PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = ["-c", script] if script else ["-m", "lstmviz"]
    cmd = [sys.executable, *run, *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=root)
    assert done.returncode == 0, done.stderr
    return done.stdout


def png_size(path):
    import struct

    head = open(path, "rb").read(24)
    return struct.unpack(">II", head[16:24])


def test_screenshot_on_a_200_percent_screen_has_the_screen_pixels(tmp_path):
    """``--screenshot`` under QT_SCALE_FACTOR=2 scaled the screen's picture down to --size,
    every text and line smoothed; it keeps the screen's pixels now."""
    out = tmp_path / "shot.png"
    at_200("--screenshot", out, "--size", "1280x720")
    assert png_size(out) == (2560, 1440)
    # at 150% a side of 1027 is 1540.5 device pixels: Qt's 1541, not scaled again to 1540
    # (Python's round), which smoothed the whole picture by a pixel
    at_200("--screenshot", out, "--size", "1027x769", factor="1.5")
    assert png_size(out) == (1541, 1154)


def test_save_screenshot_and_copy_on_a_200_percent_screen(tmp_path):
    """File > Save screenshot and Copy current view were drawn at scale 1: half the pixels a
    200% screen shows, blurred once pasted into a slide beside its own pictures."""
    import json

    out = tmp_path / "window.png"
    got = json.loads(at_200(out, script=AT_200).strip().splitlines()[-1])
    assert got["ratio"] == 2.0
    assert png_size(out) == tuple(2 * v for v in got["window"]), got
    assert got["clip"] == [2 * v for v in got["view"]], got
    # File > Export > PNG says what its scale 1 is there
    assert got["asked"] == [f"Scale (1 = {got['view'][0]} \u00d7 {got['view'][1]} px; this screen shows 2)"]


def test_export_png_dialog_says_what_scale_1_is_in_pixels(make_window, monkeypatch):
    """It said 'Scale (1 = screen size)': on a 200% screen scale 1 is half the screen's
    pixels. It names the pixels of scale 1 (and the screen's ratio where it is not 1)."""
    window = make_window((1280, 720))
    asked = {}

    def get_double(parent, title, label, value, *args):
        asked.update(label=label, value=value)
        return value, False  # (cancelled: nothing written)

    monkeypatch.setattr(QtWidgets.QInputDialog, "getDouble", get_double)
    monkeypatch.setattr(window, "quiet", False)
    view = window.tabs.currentWidget()
    window.exporter.picture("view", "png")
    assert f"1 = {view.width()} \u00d7 {view.height()} px" in asked["label"], asked
    assert asked["value"] == 2.0


# -- lines as thick at every density ----------------------------------------------------------
def shown_curves(view):
    """The Over time view's curves on screen (their line items)."""
    return [c.curve for c in view.curves.values() if c.isVisible() and c.curve.isVisible()]


def stroke_pixels(paint, curves) -> int:
    """How many device pixels the curves' strokes cover in ``paint()``'s picture: the
    pixels that differ from the same picture without them."""
    def array(image):
        image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
        bits = np.frombuffer(image.constBits(), np.uint8)
        return bits.reshape(image.height(), image.width(), 4)[..., :3].astype(int)

    shown = array(paint())
    for c in curves:
        c.setVisible(False)
    hidden = array(paint())
    for c in curves:
        c.setVisible(True)
    return int((np.abs(shown - hidden).max(axis=2) > 40).sum())


STROKES = r'''
import json
from PySide6 import QtWidgets
from lstmviz.ui import app as A
from tests.test_hidpi import shown_curves, stroke_pixels

app = A._app(offscreen=True)
window = A.make_window(None, "dark", quiet=True)
window.resize(1280, 720)
window.show()
window.state.set_cursor(step=5)
got = {}
for tab in (2, 0):  # Over time, Unrolled
    window.tabs.setCurrentIndex(tab)
    for _ in range(10):
        app.processEvents()
    view = window.tabs.currentWidget()
    got["ratio"] = view.devicePixelRatioF()
    if tab == 2:
        groups = {"curves": shown_curves(view), "cursor line": [view.curve_cursor]}
    else:
        groups = {"arrows": [view.h_lines], "cursor boxes": [view.column_box, view.cell_box],
                  "cell outlines": [view.static.outlines]}
    for name, items in groups.items():
        assert items and all(item.isVisible() for item in items), name
        got[name] = stroke_pixels(lambda: view.grab().toImage(), items)
print(json.dumps(got))
A.dispose(window)
'''

LINES = ("curves", "cursor line", "arrows", "cursor boxes", "cell outlines")


def test_lines_on_a_200_percent_screen_are_as_thick_as_at_100():
    """The plots' pens are cosmetic (a width in device pixels): on a 200% screen every
    line was half as thick as at 100% (its stroke covered twice the pixels of one at 100%,
    as long and as thin in device pixels, not four times): Over time's curves and cursor
    line (pyqtgraph's curve, Qt's line item), the Unrolled view's arrows, the cursor's
    boxes and the cells' outlines (Qt's rectangle and path items)."""
    import json

    got = {f: json.loads(at_200(script=STROKES, factor=f).strip().splitlines()[-1]) for f in ("1", "2")}
    assert got["1"]["ratio"] == 1.0 and got["2"]["ratio"] == 2.0
    for name in LINES:
        assert got["1"][name] > 0, name
        # twice as long in device pixels; as thick in logical ones: twice as thick in device ones
        thicker = got["2"][name] / got["1"][name] / 2
        # (about 2: the cursor's 2.5 px line is 2 device pixels wide at 100%, 5 at 200%)
        assert 1.6 < thicker < 2.6, (name, got)


def test_a_png_at_scale_2_has_lines_as_thick_and_sharp(make_window):
    """A PNG at scale 2 (File > Export's default) from a 100% screen copied the plots'
    cached pixmaps scaled (curves doubled from the screen's pixels, jagged beside the sharp
    texts); painted anew at scale 2 (``export.uncached``), their cosmetic pens were half as
    thick. Now painted anew with pens twice as wide: as thick as on screen, and sharp."""
    window = make_window((1280, 720))
    window.tabs.setCurrentIndex(2)  # Over time
    window.state.set_cursor(step=3)
    settle()
    view = window.tabs.currentWidget()
    assert view.devicePixelRatioF() == 1.0
    curves = shown_curves(view)
    assert curves
    one = stroke_pixels(lambda: render_pixmap(view, 1.0).toImage(), curves)
    two = stroke_pixels(lambda: render_pixmap(view, 2.0).toImage(), curves)
    assert 1.6 < two / one / 2 < 2.4, (one, two)
    for k in (2, 1):  # Over time, Cell
        window.tabs.setCurrentIndex(k)
        settle()
        view = window.tabs.currentWidget()
        view.grab()  # (painted on screen: the caches hold the screen's pixels)
        items = cached_items(view)
        assert items, "the view keeps pixmaps: the test measures something"
        picture = render_pixmap(view, 2.0).toImage()
        assert cached_items(view) == items  # (kept for the screen afterwards)
        for item in items:  # the reference: every item painted at the picture's density
            item.setCacheMode(NO_CACHE)
        direct = render_pixmap(view, 2.0).toImage()
        for item in items:
            item.setCacheMode(CACHED)
        assert (picture.width(), picture.height()) == (2 * view.width(), 2 * view.height())
        assert picture == direct, window.tabs.tabText(k)


def settle():
    for _ in range(5):
        QtWidgets.QApplication.processEvents()


def cached_items(widget):
    return [item for view in widget.findChildren(QtWidgets.QGraphicsView)
            for item in view.scene().items() if item.cacheMode() == CACHED]


def test_symbols_in_a_png_at_scale_2_are_sharp_and_as_a_direct_paint(qapp):
    """pyqtgraph stamps a scatter plot's symbols (the Unrolled view's arrow heads, the
    gradient views' markers) from an atlas drawn at the widget's density: a PNG at scale 2
    from a 100% window had them enlarged from the screen's pixels, in 2 x 2 blocks with
    the screen's soft edges. Now each is drawn as its shape at the picture's density: the
    same pixels as the symbol painted straight into the picture, and as few edge pixels
    for its outline as at scale 1 (twice the count: the outline is twice as long)."""
    import pyqtgraph as pg
    from PySide6 import QtCore

    from lstmviz.ui import plot_tools  # noqa: F401  (its density.install)
    from lstmviz.ui.export import image_to_array

    bg, fg = QtGui.QColor("#202020"), QtGui.QColor("#f0a000")
    holder = QtWidgets.QWidget()  # (a widget's render: a graphics view's own takes a painter)
    holder.setFixedSize(60, 60)
    gview = pg.GraphicsView(holder, background=bg)
    gview.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    gview.setGeometry(0, 0, 60, 60)
    gview.setRange(QtCore.QRectF(0, 0, 60, 60), padding=0)
    size, at = 13, (30.3, 29.6)
    dots = pg.ScatterPlotItem(pxMode=True)
    dots.setData([{"pos": at, "symbol": "t1", "size": size, "brush": pg.mkBrush(fg), "pen": pg.mkPen(None)}])
    gview.addItem(dots)
    holder.show()
    settle()
    assert gview.devicePixelRatioF() == 1.0 and dots.opts["useCache"]

    def direct(scale):  # the symbol's shape painted straight into a picture of that scale
        img = QtGui.QImage(60 * scale, 60 * scale, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(scale)
        img.fill(bg)
        p = QtGui.QPainter(img)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        p.translate(gview.viewportTransform().map(QtCore.QPointF(*at)))
        pg.graphicsItems.ScatterPlotItem.drawSymbol(p, "t1", size, pg.mkPen(None), pg.mkBrush(fg))
        p.end()
        return image_to_array(img)

    def edge(a):  # pixels of neither colour: the symbol's antialiased outline
        colour = a[..., :3].astype(int)
        plain = [np.all(colour == (c.red(), c.green(), c.blue()), axis=-1) for c in (bg, fg)]
        return int((~(plain[0] | plain[1])).sum())

    one, two = (image_to_array(render_pixmap(holder, s).toImage()) for s in (1, 2))
    assert edge(one) > 0 and (image_to_array(render_pixmap(holder, 1).toImage()) == one).all()
    assert edge(two) <= 2.5 * edge(one), (edge(one), edge(two))  # (enlarged: ~4 x, in 2 x 2 blocks)
    assert (two[..., :3] == direct(2)[..., :3]).all()
    assert dots.opts["useCache"]  # (the screen keeps its atlas)
    holder.close()


OUTLINE = r'''
import json
import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from lstmviz.ui import app as A
from lstmviz.ui import density, plot_tools  # noqa: F401  (its density.install)
from lstmviz.ui.export import image_to_array

app = A._app(offscreen=True)
bg, fg = QtGui.QColor("#202020"), QtGui.QColor("#f0a000")
gview = pg.GraphicsView(background=bg)
gview.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
gview.resize(60, 60)
gview.setRange(QtCore.QRectF(0, 0, 60, 60), padding=0)
pen = pg.mkPen(fg, width=1)  # (the gate saturation points' outline)
dots = pg.ScatterPlotItem(pxMode=True)
dots.setData([{"pos": (30, 30), "symbol": "o", "size": 30, "brush": None, "pen": pen}])
gview.addItem(dots)
gview.show()
for _ in range(5):
    app.processEvents()
ratio = gview.devicePixelRatioF()
assert dots.opts["useCache"]  # (stamped from pyqtgraph's atlas)
shot = image_to_array(gview.grab().toImage())[..., :3].astype(int)
# the reference: the ring's shape painted straight into a picture of the screen's density,
# its pen as wide as everywhere else (density.dense_pen)
img = QtGui.QImage(shot.shape[1], shot.shape[0], QtGui.QImage.Format.Format_ARGB32_Premultiplied)
img.setDevicePixelRatio(ratio)
img.fill(bg)
p = QtGui.QPainter(img)
p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
p.translate(gview.viewportTransform().map(QtCore.QPointF(30, 30)))
pg.graphicsItems.ScatterPlotItem.drawSymbol(p, "o", 30, density.dense_pen(pen, ratio), pg.mkBrush(None))
p.end()
direct = image_to_array(img)[..., :3].astype(int)
print(json.dumps({"ratio": ratio, "ring": int((np.abs(shot - 0x20).max(axis=2) > 40).sum()),
                  "as_direct": bool((shot == direct).all())}))
'''


def test_symbol_outlines_on_a_200_percent_screen_are_as_thick_as_at_100():
    """pyqtgraph draws a scatter plot's symbols (the gradient views' markers) once into an
    atlas at the screen's ratio and stamps them from it; it stroked their outlines with the
    cosmetic pen's width in device pixels, so on a 200% screen a ring's outline was half
    as thick as at 100% (twice the pixels of one at 100%: twice as long, as thin). Now
    twice as thick in device pixels, and sharp: the pixels of the ring painted straight
    into a picture of that density."""
    import json

    got = {f: json.loads(at_200(script=OUTLINE, factor=f).strip().splitlines()[-1]) for f in ("1", "2")}
    assert got["1"]["ratio"] == 1.0 and got["2"]["ratio"] == 2.0
    assert got["1"]["ring"] > 0
    # twice as long in device pixels; as thick in logical ones: twice as thick in device ones
    thicker = got["2"]["ring"] / got["1"]["ring"] / 2
    assert 1.6 < thicker < 2.4, got
    assert got["2"]["as_direct"], got


AHEAD = r'''
import json
import sys
import time

import numpy as np
from PySide6 import QtCore, QtWidgets
from lstmviz import limits
from lstmviz.app.options import default_config
from lstmviz.app.stack import InputSpec, LayerEntry
from lstmviz.app.state import AppState
from lstmviz.ui import app as A
from lstmviz.ui import theme as th
from lstmviz.ui.main_window import MainWindow, apply_chrome
from lstmviz.ui.views._common import Ahead

app = A._app(offscreen=True)
limits.TRACE_SHARE = 1e-5  # (a long input of 3,000 steps: keyframes and windows)
th.apply("dark", app)
apply_chrome(app)
state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=6))], InputSpec(input_dim=2))
settings = QtCore.QSettings(sys.argv[1], QtCore.QSettings.Format.IniFormat)
w = MainWindow(state, settings=settings, quiet=True)
w.resize(1400, 900)
w.show()
view = w.views[next(i for i, v in enumerate(w.views) if v.title == "Over time")]
w.tabs.setCurrentWidget(view)
t = np.arange(3000)
state.set_input_data(np.stack([np.sin(t / 50.0), np.sign(np.sin(t / 230.0))], -1)[None].astype(np.float32))
seq = state.long
assert w.long_runner.wait(120)
state.set_cursor(unit=3, step=1000)
seq.wait_prefetch()
w.long_runner.poll()
for _ in range(10):
    app.processEvents()
state.set_cursor(step=1001)  # a step forward: the next window computed, then painted ahead
seq.wait_prefetch()
w.long_runner.poll()
end = time.monotonic() + 60
while view._ahead_todo and time.monotonic() < end:
    app.processEvents()
slots = [s for s in view.slots if s.key]
widgets = [s.widget for s in slots] + [view.curve_widget]
ahead = sum(s.image._ahead is not None for s in slots) + sum(view.curves[s.key].curve._ahead is not None for s in slots)
used = Ahead.used
nxt = view._ahead_trace
enter = seq.start_of(1000) + seq.window // 2 + seq.window // 4  # the next window's first step
for step in range(1002, enter + 1):
    state.set_cursor(step=step)
    app.processEvents()
def pixels(widget):
    image = widget.grab().toImage()
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine()).copy()
copied = [pixels(v) for v in widgets]
used = Ahead.used - used
# the same window painted anew, nothing copied
sys.path.insert(0, 'tests')
from helpers import paint_anew  # noqa: E402

paint_anew(view, slots)
anew = [pixels(v) for v in widgets]
print(json.dumps({"ratio": view.devicePixelRatioF(), "entered": state.trace is nxt, "pieces": 2 * len(slots),
                  "ahead": ahead, "used": used, "same": all(np.array_equal(p, q) for p, q in zip(copied, anew))}))
A.dispose(w)
'''


def test_over_time_paints_a_long_inputs_next_window_ahead_on_a_200_percent_screen(tmp_path):
    """Over time paints a long input's next window ahead (``Ahead``) so that the step into
    it copies the paintings; at any ratio but 1 it painted nothing ahead (``Ahead.paint``
    gave up, and ``cache_state`` took Qt's cache pixmap, the item's bounds times the ratio,
    for another paint), so a 200% screen drew every heatmap and curve anew at that step.
    Now painted ahead at the screen's ratio and copied, the very pixels of a paint anew."""
    import json

    for factor in ("1", "2"):
        got = json.loads(at_200(tmp_path / f"settings{factor}.ini", script=AHEAD, factor=factor)
                         .strip().splitlines()[-1])
        assert got["ratio"] == float(factor) and got["entered"], got
        assert got["ahead"] == got["pieces"] == got["used"], got  # every heatmap and curve copied
        assert got["same"], got


FRAMES = r'''
import json
import sys

import numpy as np
from PySide6 import QtCore
from lstmviz.ui import app as A
from lstmviz.ui import export

app = A._app(offscreen=True)
window = A.make_window(None, "dark", quiet=True)
window.resize(900, 600)
window.show()
window.tabs.setCurrentIndex(export.view_index("over_time"))
for _ in range(10):
    app.processEvents()
frames = np.stack(list(export.iter_frames(window, "view", (800, 500), steps=[3, 4])))
np.save(sys.argv[1], frames)
view = window.tabs.currentWidget()
plots = [(slot.widget, slot.plot.vb) for slot in view.slots if slot.key is not None]
plots.append((view.curve_widget, view.curve_plot.vb))
rects = []
for widget, vb in plots:  # each plot's area (heatmap cells, curves, cursor lines: no text), in the frame
    r = widget.mapFromScene(vb.sceneBoundingRect()).boundingRect()
    at = widget.mapTo(view, QtCore.QPoint(0, 0))
    rects.append([r.x() + at.x() + 1, r.y() + at.y() + 1, r.width() - 2, r.height() - 2])
print(json.dumps({"ratio": view.devicePixelRatioF(), "view": [view.width(), view.height()], "plots": rects}))
A.dispose(window)
'''


def test_animation_frames_on_a_200_percent_screen_are_as_sharp_as_at_100(tmp_path):
    """A GIF's or MP4's frames on a 200% screen were the screen's grab (twice the pixels
    each way) smoothed down to the frame's size: every heatmap cell's edge, curve and
    cursor line soft. Now drawn at the frame's own pixels: inside the plots (the heatmaps'
    cells, the curves, the cursor's lines) the very pixels of the frames at 100%. (The
    texts' glyphs are rasterised with the 200% screen's hinting: a few pixels differ.)"""
    import json

    got = {}
    for factor in ("1", "2"):
        out = tmp_path / f"frames{factor}.npy"
        said = json.loads(at_200(out, script=FRAMES, factor=factor).strip().splitlines()[-1])
        assert said["ratio"] == float(factor) and said["view"] == [800, 500], said
        got[factor] = (np.load(out), said["plots"])
    one, plots = got["1"]
    two, plots_two = got["2"]
    assert plots == plots_two and len(plots) == 7, (plots, plots_two)
    assert one.shape == two.shape == (2, 500, 800, 3)
    for x, y, w, h in plots:
        assert w > 20 and h > 20, plots
        np.testing.assert_array_equal(two[:, y:y + h, x:x + w], one[:, y:y + h, x:x + w])


ICON_EDGES = r'''
import json
import numpy as np
from PySide6 import QtGui
from lstmviz.ui import app as A
from lstmviz.ui import theme as th
from lstmviz.ui.export import image_to_array

app = A._app(offscreen=True)
window = A.make_window(None, "dark", quiet=True)
window.resize(900, 600)
window.show()
for _ in range(10):
    app.processEvents()
fg = QtGui.QColor(th.current().foreground)
got = {"ratio": window.player.devicePixelRatioF()}
for name in ("first", "back", "play", "forward", "last"):
    button = window.player.buttons[name]
    a = image_to_array(button.grab().toImage())[..., :3].astype(int)
    bg = a[0, 0]
    plain = (np.abs(a - bg).max(axis=-1) <= 2) | (np.abs(a - (fg.red(), fg.green(), fg.blue())).max(axis=-1) <= 2)
    got[name] = [int((~plain).sum()), int((np.abs(a - bg).max(axis=-1) > 2).sum())]
print(json.dumps(got))
A.dispose(window)
'''


def test_player_icons_on_a_300_percent_screen_are_sharp():
    """The player's icons were a 64 px picture, which a 300% screen enlarged to the
    buttons' 84 device pixels: soft edges, some 2-3 px of blended pixels around each
    shape (7 x the blended pixels of 100%, for shapes three times as long round). Now
    drawn at the device's pixels: one pixel of edge, as at 100% (about 3 x its count).
    At 100% the icons are what they were (``media_icon``)."""
    import json

    got = {f: json.loads(at_200(script=ICON_EDGES, factor=f).strip().splitlines()[-1]) for f in ("1", "3")}
    assert got["1"]["ratio"] == 1.0 and got["3"]["ratio"] == 3.0
    for name in ("first", "back", "play", "forward", "last"):
        (edge1, shape1), (edge3, shape3) = got["1"][name], got["3"][name]
        assert edge1 > 0 and shape3 > 6 * shape1, (name, got)  # (the icon is there, 84 px)
        assert edge3 <= 3.5 * edge1, (name, got)
