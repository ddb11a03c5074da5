"""Helpers shared by the views: pens, items, labels. What a view needs to know about a
cell (``CellRef``, a layer's input, numbers as printed) is Qt-free, in ``app/cell_ref.py``,
and re-exported here for the views.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions_qimage
from pyqtgraph.graphicsItems.PlotDataItem import PlotDataset
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.cell_ref import (  # noqa: F401
    MINUS,
    CellRef,
    cell_below,
    cell_input,
    cell_name,
    cell_ref,
    cell_refs,
    clamp,
    fmt,
    fmt_term,
    input_source,
    input_total,
    layer_input,
    model_inputs,
    moved_step,
    recurrent_names,
    stacked_cell_refs,
)
from lstmviz.app.counts import count
from lstmviz.engine.layers import InputLayer, TimeDistributed
from lstmviz.ui import theme as th
from lstmviz.ui.density import LineItem, RectItem, dense_paint
from lstmviz.ui.labels import HintLabel, QuietLabel, hint, hints_shown  # noqa: F401 (the views import them from here)
from lstmviz.ui.plot_tools import (  # noqa: F401 (the views import them from here)
    KeptLabel,
    SteadyAxis,
    UncrowdedLabels,
    _pen_key,
    axis_picture,
    cache_pixels,
    cache_state,
    count_axis,
    count_ticks,
    label_room,
    paints_nothing,
    set_ticks,
    steady_axes,
)
from lstmviz.ui.tall_page import TallPage  # noqa: F401 (the views import it from here)

# Every view draws arrays as (rows, columns): set once, idempotent.
pg.setConfigOptions(imageAxisOrder="row-major")

#: Qt's QWIDGETSIZE_MAX: a widget's maximum height or width that is none
UNCAPPED = (1 << 24) - 1


def widest_header(said, model, trace, name: str, last: int, bold: bool = True) -> str:
    """The widest text a view's header says of recurrent layer ``name``, which its label
    takes its height from (``set_widest``: the steps' numbers only grow wider): ``said(None)``,
    its text at its last step ``last``; where only a Cropping1D, ZeroPadding1D or
    UpSampling1D moved its steps (``moved_step``) the longer of that and ``said(read)``, the
    same header with ``read`` ("input step N", N the whole sequence's steps,
    ``input_total``; bold numbers for rich text) in place of what the last step reads (it
    may read padding: "padding" is shorter than an input step of the sequence's digits).
    The Cell view's and the Unrolled view's headers, said once."""
    widest = said(None)
    if moved_step(model, trace, name, last) is None:
        return widest
    total = count(input_total(trace) or last)
    return max(widest, said(f"input step {f'<b>{total}</b>' if bold else total}"), key=len)


def ground(theme: th.Theme) -> QtGui.QBrush:
    """The ground of a text over a plot's lines (a note over the cursor's column or step
    line): the theme's background, nearly opaque."""
    back = QtGui.QColor(theme.background)
    back.setAlpha(220)
    return QtGui.QBrush(back)


def set_levels(colorbar: pg.ColorBarItem, levels) -> None:
    """``colorbar.setLevels`` unless it shows ``levels`` already: pyqtgraph would draw its
    axis anew (~2 ms) for the same numbers (a gate's 0..1 after an edit)."""
    levels = (float(levels[0]), float(levels[1]))
    if tuple(colorbar.levels()) != levels:
        colorbar.setLevels(levels)


class Ahead:
    """An item's next painting into its pixmap cache (``cache_pixels``), made ahead of time:
    what a long input's next window of steps will show, painted while the current one is
    on screen (``OverTimeView.prepare_ahead``), so that the step that shows it copies it.

    ``paint(twin, world, hints)`` paints ``twin`` (an item of the same kind holding the
    next window's numbers, hidden, its transform the one the item will have: ``world`` is
    its device transform) as Qt paints an item into its cache (``_q_paintIntoCache``): a
    transparent ARGB32 pixmap of the item's bounds on the device and a pixel more each
    way, at the view's device pixel ``ratio`` (a 200% screen: twice the pixels each way,
    the pens as wide as Qt's cache paint makes them), the painter given the view's hints
    and the transform moved to it. ``use(item, p,
    content)`` in the item's paint: when Qt paints the item into its cache with that very
    state, and the item holds what the twin held (``content``), the painting is drawn
    onto the transparent pixmap (source over transparent: the very bytes) and True;
    else False and the item paints itself."""

    used = 0  # (tests: how many paintings were copied)

    def __init__(self, content, state: tuple, image: QtGui.QImage):
        self.content, self.state, self.image = content, state, image

    @classmethod
    def paint(cls, twin: QtWidgets.QGraphicsItem, world: QtGui.QTransform, hints, content,
              ratio: float = 1.0) -> "Ahead | None":
        rect = world.mapRect(twin.boundingRect()).toRect().adjusted(-1, -1, 1, 1)
        if rect.isEmpty():
            return None
        image = QtGui.QImage(rect.size() * ratio, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(image)
        try:
            p.setRenderHints(p.renderHints(), False)
            p.setRenderHints(hints, True)
            p.setWorldTransform(world * QtGui.QTransform.fromTranslate(-rect.left(), -rect.top()), True)
            t = p.transform()
            state = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), image.width(), image.height(),
                     image.devicePixelRatio(), int(p.renderHints().value))
            p.save()
            twin.paint(p, QtWidgets.QStyleOptionGraphicsItem(), None)
            p.restore()
        finally:
            p.end()
        return cls(content, state, image)

    @staticmethod
    def use(item, p: QtGui.QPainter, content) -> bool:
        ahead = item._ahead
        if ahead is None or cache_state(item, p) != ahead.state or not ahead.same(content):
            return False
        item._ahead = None  # (used once: the pixmap cache holds it now)
        p.save()
        p.resetTransform()
        p.drawImage(0, 0, ahead.image)
        p.restore()
        Ahead.used += 1
        return True

    def same(self, content) -> bool:
        """Whether ``content`` is what the painting was made of (arrays: the same bytes)."""
        a, b = self.content, content
        return len(a) == len(b) and all(x is y or _same(x, y) for x, y in zip(a, b, strict=True))


def _same(x, y) -> bool:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
            return False
        return x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    return bool(x == y)


def paint_axis_ahead(axis: SteadyAxis, ticks: list) -> bool:
    """Paint step axis ``axis`` with ``ticks`` (as ``count_axis`` will give it: a long
    input's next window) as it paints into its pixmap cache (the state of its last such
    paint: an axis stays where it is), and keep the pixmap for the alike axes
    ``SteadyAxis.paint`` copies: the axis given those ticks then draws nothing anew (an
    ``Ahead`` for axes). Its own ticks and picture stay."""
    state = axis._last_state
    if state is None:
        return False
    saved, saved_height = axis._tickLevels, axis._spec_height
    axis._tickLevels = [list(ticks), []]
    try:
        look = axis._look()
        if look is None:
            return False
        if (look, state) in SteadyAxis._drawn:
            return True
        m11, m12, m21, m22, dx, dy, width, height, ratio, hints = state
        pixmap = QtGui.QPixmap(width, height)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        axis._spec_height = None
        picture = axis_picture(axis)
        p = QtGui.QPainter(pixmap)
        try:
            p.setRenderHints(p.renderHints(), False)
            p.setRenderHints(QtGui.QPainter.RenderHint(hints), True)
            p.setWorldTransform(QtGui.QTransform(m11, m12, m21, m22, dx, dy), True)
            picture.play(p)
        finally:
            p.end()
        if axis._spec_height is None:
            return False
        if len(SteadyAxis._drawn) > 16:
            SteadyAxis._drawn.clear()
        SteadyAxis._drawn[(look, state)] = (pixmap, axis._spec_height)
        return True
    finally:
        axis._tickLevels, axis._spec_height = saved, saved_height


class GridAxis(KeptLabel, UncrowdedLabels, pg.AxisItem):
    """An axis whose labels never overlap (``UncrowdedLabels``) and whose grid lines
    (``showGrid``) are filled one-pixel rectangles: the same
    pixels as pyqtgraph's aliased lines, but Qt's raster engine blends a translucent
    aliased line pixel by pixel (~0.3 ms a line across a wide plot, ~5-9 ms for a grid),
    a rectangle as spans (~0.01 ms). Its lines, grid lines and labels are made in
    ``SteadyAxis``' fewer steps (``_made_specs``, a grid's too: pyqtgraph's very specs), an
    edit's and a long input's seek's new value range laid out in ~half the time."""

    _measurer = SteadyAxis._measurer
    _made_specs = SteadyAxis._made_specs

    def generateDrawSpecs(self, p):  # noqa: N802 (pyqtgraph's name)
        if self.style["stopAxisAtTick"] != (False, False):
            return super().generateDrawSpecs(p)
        return self._made_specs(p)

    def boundingRect(self):  # noqa: N802 (Qt's name)
        rect = super().boundingRect()
        if self.grid is not False and self.orientation in ("left", "right"):
            # a value axis lets its labels stand past its ends as it does without a grid
            # (pyqtgraph's bounds with a grid leave that out): at the window's least size
            # Over time's curves, 43 px of plot from -2.2 to 1.2, were labelled "0" alone,
            # -2 hidden for 5 px of its label past the plot's bottom
            hide = self.style["hideOverlappingLabels"]
            past = 0 if hide is True else 15 if hide is False else int(hide)
            rect.adjust(0, -past, 0, past)
        return rect

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802 (pyqtgraph's name)
        lines, grid = [], []
        for spec in tickSpecs:
            pen, p1, p2 = spec
            flat = p1.x() == p2.x() or p1.y() == p2.y()
            if flat and pen.widthF() <= 1.0 and pen.isCosmetic() and pen.style() == QtCore.Qt.PenStyle.SolidLine \
                    and max(abs(p2.x() - p1.x()), abs(p2.y() - p1.y())) > 40:
                grid.append(spec)
            else:
                lines.append(spec)
        p.setRenderHint(p.RenderHint.Antialiasing, False)
        for pen, p1, p2 in grid:
            x0, x1 = sorted((p1.x(), p2.x()))
            y0, y1 = sorted((p1.y(), p2.y()))
            # the pixels an aliased cosmetic line covers: from its first point's pixel on
            if y0 == y1:
                rect = QtCore.QRectF(x0 - 0.5, y0 - 0.5, x1 - x0 + 1.0, 1.0)
            else:
                rect = QtCore.QRectF(x0 - 0.5, y0 - 0.5, 1.0, y1 - y0 + 1.0)
            p.fillRect(rect, pen.color())
        super().drawPicture(p, axisSpec, lines, textSpecs)


class StripCurveItem(pg.PlotCurveItem):
    """A ``PlotCurveItem`` whose line (x increasing, finite, a plain pen) is stroked in
    strips of ``STRIP`` steps, each clipped to its own columns of pixels.

    Qt's raster engine strokes a wide antialiased 200-point polyline over the whole plot
    in ~3.5 ms (its cost grows with the path's extent); strips of 16 steps take a
    fraction of it (of ``WIDE_STRIP`` steps where a step is wider than the pen reaches).
    Each strip runs on past both of its ends, so every pixel is
    drawn once, by the strip whose columns hold it, from the same outline as the whole
    line: the same pixels (no bead where strips meet, as separate segments would give)."""

    STRIP = 16
    #: steps a strip at least where each is wider than the pen's reach (``paint``): a
    #: 16-point line stroked whole took ~0.40 ms, in three strips ~0.32 (six curves at
    #: every seek)
    WIDE_STRIP = 5

    def _plain(self, x, y) -> bool:
        # (longer than two strips of ``WIDE_STRIP``: a long input's 16 exact steps are
        # stroked in strips too; ``paint`` strokes a line whole where it is not longer than
        # two of its strips)
        o = self.opts
        pen, shadow = o["pen"], o["shadowPen"]
        return (x is not None and len(x) > 2 * self.WIDE_STRIP and o["fillLevel"] is None and not o["stepMode"]
                and (shadow is None or shadow.style() == QtCore.Qt.PenStyle.NoPen)
                and isinstance(o["connect"], str) and o["connect"] in ("all", "finite")  # all finite here
                and o["compositionMode"] is None
                and self._exportOpts is False and pen is not None and pen.style() != QtCore.Qt.PenStyle.NoPen
                and bool(np.all(np.isfinite(x))) and bool(np.all(np.isfinite(y)))
                and bool(np.all(np.diff(x) > 0)))

    _ahead: "Ahead | None" = None  # the next window's line, painted ahead (Ahead)

    def ahead_content(self) -> tuple:
        """What this line's painting is made of (``Ahead``): its points and pen."""
        x, y = self.getData()
        o = self.opts
        pen = o["pen"]
        return (x, y, None if pen is None else _pen_key(pen), o["antialias"], o["connect"], o["fillLevel"],
                o["stepMode"], o["shadowPen"] is None, o["compositionMode"])

    @dense_paint
    def paint(self, p, opt, widget):
        if self._ahead is not None and Ahead.use(self, p, self.ahead_content()):
            return
        x, y = self.getData()
        tr = p.transform()
        if not self._plain(x, y) or tr.m12() != 0 or tr.m21() != 0 or tr.m11() <= 0:
            return super().paint(p, opt, widget)
        pen = self.opts["pen"]
        p.setRenderHint(p.RenderHint.Antialiasing, self.opts["antialias"])
        p.setPen(pen)
        n = len(x)
        # a strip runs on past its columns for as many points as the pen's width (and its
        # antialiased edge) reach: its pixels there are drawn from the whole line's outline
        step_px = tr.m11() * float(np.min(np.diff(x)))
        width = pen.widthF() if pen.isCosmetic() else pen.widthF() * tr.m11()
        reach = max(width, 1.0) + 3.0
        if step_px > reach:
            # steps wider than that (a long input's 16 exact steps: ~58 px each): the points
            # next to a strip's ends, whose joins are drawn, and no more (the caps there
            # stand a step beyond its columns); strips of a few steps, or as wide as
            # ``STRIP`` steps of the pen's reach where steps are barely wider (200 steps
            # across 1,100 px: strips of 5 steps stroked the six curves in ~3.5 ms, of 16 in ~2.8)
            pad, strip = 1, max(self.WIDE_STRIP, math.ceil(self.STRIP * reach / step_px))
        else:
            pad = 1 + int(np.ceil(reach / max(step_px, 1e-9)))
            strip = max(self.STRIP, 4 * pad)
        if n <= 2 * strip:
            return super().paint(p, opt, widget)
        ends = list(range(0, n - 1, strip)) + [n - 1]  # the strips' first and last points
        cols = [int(np.floor(tr.m11() * float(x[i]) + tr.dx() + 0.5)) for i in ends]
        far = 1 << 22
        for k in range(len(ends) - 1):
            a, b = ends[k], ends[k + 1]
            lo = -far if k == 0 else cols[k]
            hi = far if k == len(ends) - 2 else cols[k + 1]
            if hi <= lo:
                continue
            sl = slice(max(a - pad, 0), min(b + pad + 1, n))
            p.save()
            p.resetTransform()
            p.setClipRect(QtCore.QRect(lo, -far, hi - lo, 2 * far), QtCore.Qt.ClipOperation.IntersectClip)
            p.setTransform(tr)
            # (a polyline: Qt strokes it as the path of the same points, the same pixels,
            # without a QPainterPath built in Python for each strip)
            p.drawPolyline(pg.functions.arrayToQPolygonF(x[sl], y[sl]))
            p.restore()


class StripCurve(pg.PlotDataItem):
    """A ``PlotDataItem`` whose line is a ``StripCurveItem`` (symbols, legend as usual)."""

    _dataset: PlotDataset | None  # (pyqtgraph's: the data setData was given)
    #: the line item holds ``set_line``'s points as given (no mapping, not clipped), and
    #: nothing since changed them (``setData``, ``updateItems``)
    _line = False

    def __init__(self, *args, **kwargs):
        super().__init__()
        plain = self.curve
        self.curve = StripCurveItem()
        self.curve.setParentItem(self)
        self.curve.stackBefore(self.scatter)
        self.curve.sigClicked.connect(self.sigClicked)
        plain.setParentItem(None)
        if args or kwargs:
            self.setData(*args, **kwargs)

    def _plain(self) -> bool:
        """Whether the options map nothing (what ``set_line`` takes)."""
        o = self.opts
        return not (o["connect"] != "auto" or o["symbol"] is not None or o["pen"] is None or o["stepMode"]
                    or o["fftMode"] or o["derivativeMode"] or o["phasemapMode"] or o["subtractMeanMode"]
                    or any(o["logMode"]) or o["downsample"] != 1 or o["autoDownsample"] or o["clipToView"])

    def _unclipped(self, y: np.ndarray) -> bool:
        """Whether setData's display data is ``y`` itself at the view's height now: values
        spanning at most ``dynamicRangeHyst`` x ``dynamicRangeLimit`` x 2 view heights are
        not clipped (pyqtgraph's ``_getDisplayDataset``)."""
        o = self.opts
        limit = o["dynamicRangeLimit"]
        if limit is None:
            return True
        view = self.getViewBox()
        height = view.viewRect().height() if view is not None else 0.0
        return height > 0 and not float(y.max()) - float(y.min()) > 2 * o["dynamicRangeHyst"] * limit * height

    def setData(self, *args, **kwargs):  # noqa: N802 (pyqtgraph's name)
        self._line = False
        super().setData(*args, **kwargs)

    def updateItems(self, styleUpdate: bool = True):  # noqa: N802 (pyqtgraph's name)
        self._line = False
        super().updateItems(styleUpdate)

    def clear(self):
        self._line = False
        super().clear()

    def viewRangeChanged(self, vb=None, ranges=None, changed=None):  # noqa: N802 (pyqtgraph's name)
        """pyqtgraph's, but a line ``set_line`` gave, still unclipped at the new range, is
        not given to the line item again: pyqtgraph's ``updateItems`` (its display data made
        anew, the line item's ``setData``) would give it the very points it holds (~0.1 ms
        a curve; Over time's six at every edit and every unit picked, whose value range
        changes with the unit's values)."""
        if self._line and self._dataset is not None and self._plain() and self._unclipped(self._dataset.y):
            # (as pyqtgraph marks it: the display data is made anew when next asked)
            if changed is None or changed[0]:
                self.setProperty("xViewRangeWasChanged", True)
            if changed is None or changed[1]:
                self.setProperty("yViewRangeWasChanged", True)
            return
        super().viewRangeChanged(vb, ranges, changed)

    def set_line(self, x: np.ndarray, y: np.ndarray) -> None:
        """``setData(x, y)`` for a line of finite points, as the Over time view sets one
        at each seek: what ``setData`` gives the line item (the points, connected, with the
        style it holds already, antialiased as ``opts`` says: a long input's quick steps are
        not), without its general mapping (log, fft, downsampling,
        clipping) which a plain line does not use (~0.1 ms a curve: ``setData`` ~0.1 ms,
        this ~0.02). Anything else is ``setData``'s."""
        view = self.getViewBox()
        x = np.asarray(x).view(np.ndarray)
        y = np.asarray(y).view(np.ndarray)
        if (self._dataset is None or view is None or not self._plain() or x.ndim != 1 or x.shape != y.shape
                or len(x) < 2 or x.dtype.kind != "f" and x.dtype.kind not in "iu" or y.dtype.kind != "f"
                or not (np.isfinite(x).all() and np.isfinite(y).all())):
            return self.setData(x, y)
        if not self._unclipped(y):  # setData clips data spanning more than a million view heights
            return self.setData(x, y)
        self._dataset = PlotDataset(x, y)
        self._datasetMapped = None
        self._datasetDisplay = None
        self._adsLastValue = 1
        # (what setData hands on: its display data has not counted the non-finite points)
        self.curve.setData(x=x, y=y, connect="finite", skipFiniteCheck=False, antialias=self.opts["antialias"])
        self.curve.show()
        self.scatter.hide()
        self.informViewBoundsChanged()
        self.sigPlotChanged.emit(self)
        self._line = True


def holds_only(group: QtWidgets.QGraphicsRectItem) -> QtWidgets.QGraphicsRectItem:
    """``group`` made an item that paints nothing (``paints_nothing``, no pen), only holds
    others: its transform moves or scales them together (``Shifted``)."""
    paints_nothing(group)
    group.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
    return group


def empty_group(parent: QtWidgets.QGraphicsItem | None = None) -> QtWidgets.QGraphicsRectItem:
    """A new ``holds_only`` item (``Shifted``'s twin, the Over time curves' value map)."""
    return holds_only(QtWidgets.QGraphicsRectItem(parent))


class Shifted(QtWidgets.QGraphicsRectItem):
    """A group of a plot's items drawn in the plot's range of a window of steps while their
    coordinates stay the whole sequence's steps (a line's ``value()``, a curve's data, an
    image's rectangle): the group maps steps ``start - 0.5 .. start + n - 0.5`` onto the
    plot's range ``-0.5 .. span - 0.5``, which is set only when no exact map exists.

    A long input's seek shows another window (the 16 steps holding the step, then the
    whole window of 256): moving or scaling this one item (a Qt transform) replaces
    setting every plot's range (pyqtgraph's range change: Python signals, the axes' and
    view's updates, ~0.15 ms a plot, and a settle pass before the paint). The map is
    exact in binary floating point (a shift by whole steps, a scale by a power of two:
    ``n`` and ``span`` a power of two apart, else the range is set to ``n``), so the items
    land on the pixels they had with the range in the sequence's steps."""

    def __init__(self, plot: pg.PlotItem):
        super().__init__()
        holds_only(self)
        self.plot = plot
        self.span: int | None = None  # the plot's range: -0.5 .. span - 0.5
        self.map: tuple = (0, 1.0)  # (start, scale) of the group's transform
        plot.getViewBox().addItem(self, ignoreBounds=True)

    def adopt(self, *items: QtWidgets.QGraphicsItem) -> None:
        """Draw ``items`` (already added to the plot) through the group's map."""
        for item in items:
            item.setParentItem(self)

    @staticmethod
    def _exact(a: int, b: int) -> bool:
        lo, hi = min(a, b), max(a, b)
        q, r = divmod(hi, lo)
        return r == 0 and q & (q - 1) == 0

    def set_window(self, start: int, n: int) -> None:
        """Show steps ``start .. start + n - 1`` with half a step of room at either end."""
        n = max(int(n), 1)
        if self.span is None or not self._exact(self.span, n):
            self.plot.setXRange(-0.5, n - 0.5, padding=0)
            self.span = n
        k = self.span / n  # a power of two
        if (int(start), k) != self.map:
            self.map = (int(start), k)
            self.setTransform(self.transform_of(*self.map))

    @staticmethod
    def transform_of(start: int, k: float) -> QtGui.QTransform:
        """The group's transform for a map: x -> (x - start + 0.5) * k - 0.5."""
        return QtGui.QTransform(k, 0.0, 0.0, 1.0, (0.5 - int(start)) * k - 0.5, 0.0)

    def map_of(self, start: int, n: int) -> tuple | None:
        """The map ``set_window(start, n)`` would give, without a new range (None: it would
        set the plot's range)."""
        n = max(int(n), 1)
        if self.span is None or not self._exact(self.span, n):
            return None
        return (int(start), self.span / n)

    def to_range(self, x: float, map: tuple | None = None) -> float:
        """Step ``x`` in the plot's range (where the axis puts it); ``map``: another map's."""
        start, k = self.map if map is None else map
        return (x - start + 0.5) * k - 0.5

    def twin(self) -> QtWidgets.QGraphicsRectItem:
        """A hidden group beside this one, for items holding a window not shown yet
        (``Ahead``): given ``transform_of`` a map, its items' device transforms are the
        ones this group's would have with that map (Qt makes both from the same parent)."""
        twin = empty_group()
        twin.setVisible(False)
        self.plot.getViewBox().addItem(twin, ignoreBounds=True)
        return twin

    def reset(self) -> None:
        """The plot's range is set again at the next ``set_window`` (a new layout)."""
        self.span = None


class StepLine(LineItem):
    """A line at a step (vertical) or at a value (``horizontal``: a unit's row, zero):
    across the plot's range the other way, Qt's own item (a pyqtgraph ``InfiniteLine``
    measures its bounds and paints itself in Python, ~0.15 ms a plot at every repaint).
    ``setPos(v)`` / ``value()`` as the InfiniteLine's; ``set_span`` follows the plot's
    range the other way (the ViewBox clips the pen's caps, as it clipped the infinite
    line, which spans the view's range exactly). Its pen as wide at every density
    (``density.LineItem``)."""

    def __init__(self, horizontal: bool = False, pos: float = 0.0):
        super().__init__()
        self.horizontal = horizontal
        self._x = float(pos)
        self._span = (0.0, 1.0)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)  # clicks go to the plot
        self._draw()

    def _draw(self) -> None:
        a, b = self._span
        if self.horizontal:
            self.setLine(a, self._x, b, self._x)
        else:
            self.setLine(self._x, a, self._x, b)

    # (one x, as InfiniteLine's setPos takes it: not QGraphicsItem's point)
    def setPos(self, x) -> None:  # type: ignore[override]  # noqa: N802 (InfiniteLine's name)
        x = float(x)
        if x != self._x:
            self._x = x
            self._draw()

    def value(self) -> float:
        return self._x

    def set_span(self, a: float, b: float) -> None:
        if (a, b) != self._span:
            self._span = (a, b)
            self._draw()


def cosmetic_pen(color, width: float = 1.0, style=QtCore.Qt.PenStyle.SolidLine) -> QtGui.QPen:
    pen = QtGui.QPen(QtGui.QColor(color))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setStyle(style)
    return pen


def rect_item(parent_vb: pg.ViewBox, pen: QtGui.QPen, brush=None, z: float = 10) -> QtWidgets.QGraphicsRectItem:
    item = RectItem()  # (its pen as wide at every density)
    item.setPen(pen)
    item.setBrush(QtGui.QBrush(QtGui.QColor(brush)) if brush is not None
                  else QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
    item.setZValue(z)
    parent_vb.addItem(item, ignoreBounds=True)
    return item


def message_label(text: str, t: th.Theme) -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel(text)
    lab.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # (it names layers from files)
    lab.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
    lab.setWordWrap(True)
    lab.setFont(t.font(1.3))
    return lab


def is_dense_like(layer) -> bool:
    inner = layer.inner if isinstance(layer, TimeDistributed) else layer
    return inner.class_name == "Dense"


def is_input(layer) -> bool:
    return isinstance(layer, InputLayer)


class ClickableImage(pg.ImageItem):
    """An ImageItem that reports left clicks as (column, row) in image pixels."""

    qimage: QtGui.QImage | None  # (pyqtgraph's: the image render made)

    def __init__(self, on_click=None, on_hover=None, **kw):
        super().__init__(**kw)
        self._on_click = on_click
        self._on_hover = on_hover
        if on_hover is not None:
            self.setAcceptHoverEvents(True)

    #: the colour of a NaN cell (``Theme.nan``; None: the current theme's)
    nan_color: str | None = None

    def render(self):
        # a file's NaN may be a signalling one (damaged bytes): pyqtgraph's arithmetic on it
        # warned "invalid value" on stderr
        with np.errstate(invalid="ignore", over="ignore"):  # (and 1e38's overflow)
            super().render()
        self._paint_nans()

    def _paint_nans(self) -> None:
        """NaN cells in the theme's colour for no number (``Theme.nan``): pyqtgraph leaves
        them clear, and a diverged model's NaN then read as an empty cell (the background
        through it). Infinities are pyqtgraph's: past the levels, the colour map's ends."""
        where = getattr(self, "_imageNanLocations", None)  # (pyqtgraph's, as it drew them clear)
        if not getattr(self, "_imageHasNans", False) or self.qimage is None or where is None:
            return
        rows, cols = where
        if not len(rows):
            return
        qimage = self.qimage.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
        pixels = pg.functions.ndarray_from_qimage(qimage)  # (H, W, 4): B, G, R, A
        c = QtGui.QColor(self.nan_color or th.current().nan)
        pixels[rows, cols] = (c.blue(), c.green(), c.red(), 255)
        self.qimage = qimage

    def mouseClickEvent(self, ev):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton or self._on_click is None:
            return
        p = ev.pos()
        ev.accept()
        self._on_click(int(np.floor(p.x())), int(np.floor(p.y())))

    def hoverEvent(self, ev):
        if self._on_hover is None:
            return
        if ev.isExit():
            self._on_hover(None, None)
            return
        p = ev.pos()
        self._on_hover(int(np.floor(p.x())), int(np.floor(p.y())))



def holds_nan(a) -> bool:
    """Whether float array ``a`` holds a NaN (its NaN key shown: ``plot_tools.NanKey``)."""
    a = np.asarray(a)
    if a.size == 0 or a.dtype.kind not in "fc":
        return False
    with np.errstate(invalid="ignore"):  # (a signalling NaN)
        return bool(np.isnan(a.min()))


class IndexedImage(ClickableImage):
    """A ``ClickableImage`` of float numbers shown through a colour map of at most 256
    colours: pyqtgraph scales them to colour indices and makes an Indexed8 ``QImage``
    (``functions_qimage.try_make_qimage``), building its colour table anew at every
    render (256 ``qRgb`` calls in Python, ~0.1 ms an image). Here the same indices, from
    pyqtgraph's own scaling, with the table made once for each colour map: the same
    pixels, kept as the ARGB32 image Qt would convert them to at each paint. Anything else
    (NaNs, RGB, another lut) is pyqtgraph's render (NaNs then coloured:
    ``ClickableImage._paint_nans``)."""

    _tables: dict = {}  # the lut's bytes -> its colour table (shared: a few colour maps)
    _ahead: "Ahead | None" = None  # the next window's image, painted ahead (Ahead)

    def ahead_content(self) -> tuple:
        """What this image's painting is made of (``Ahead``): its numbers, levels, colours."""
        return (self.image, None if self.levels is None else np.asarray(self.levels, float), self.lut,
                self.paintMode, self.border, self.axisOrder, self.opacity(), self.nan_color)

    def paint(self, p, *args):
        if self._ahead is not None and Ahead.use(self, p, self.ahead_content()):
            return
        super().paint(p, *args)

    def render(self):
        image, lut, levels = self.image, self.lut, self.levels
        if (image is None or image.ndim != 2 or image.size == 0 or image.dtype.kind != "f"
                or not isinstance(lut, np.ndarray) or lut.dtype != np.uint8 or lut.ndim != 2
                or lut.shape[1] != 3 or not 0 < lut.shape[0] <= 256 or levels is None
                or np.ndim(levels) != 1 or self.autoDownsample or self.axisOrder != "row-major"
                or self._xp is not np):
            return super().render()
        if self._imageHasNans is None:  # (as pyqtgraph: NaNs are its render's)
            self._imageHasNans = bool(np.isnan(image.min()))
            self._imageNanLocations = None
        if self._imageHasNans:
            return super().render()
        indices, colors = functions_qimage._rescale_and_lookup_float(
            np, image, np.asarray(levels), lut, forceApplyLut=False)
        if indices.dtype != np.uint8 or colors is not lut:
            return super().render()
        key = lut.tobytes()
        table = self._tables.get(key)
        if table is None:
            if len(self._tables) > 64:
                self._tables.clear()
            table = self._tables[key] = [QtGui.qRgb(*rgb) for rgb in lut.tolist()]
        qimage = pg.functions.ndarray_to_qimage(np.ascontiguousarray(indices), QtGui.QImage.Format.Format_Indexed8)
        qimage.setColorTable(table)
        # drawn as ARGB32: Qt converts an Indexed8 image to that at every paint, and its
        # scaled draw of one took ~0.2 ms a heatmap against ~0.06 (the same pixels; as
        # premultiplied or RGB32 it samples the scaled pixels otherwise)
        qimage = qimage.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
        self._processingBuffer = None
        self._displayBuffer = None
        self.qimage = qimage
        self._renderRequired = False
        self._unrenderable = False


class CellButtons(QtWidgets.QWidget):
    """A checkable button for each cell of a stack of cells (Keras' ``RNN([GRUCell(3),
    SimpleRNNCell(2)])``), beside a view's header (Over time's, the Cell view's, the Weights
    view's formula); hidden for any other layer. ``index`` is the cell shown; a click calls ``on_pick(k)``."""

    def __init__(self, on_pick, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._row = QtWidgets.QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self.buttons: list[QtWidgets.QPushButton] = []
        self._group = QtWidgets.QButtonGroup(self)
        self._group.setExclusive(True)
        self._of: tuple | None = None  # the layer the buttons were made for
        self._on_pick = on_pick
        self.index = 0
        #: (layer, cell) to show when the buttons are next made for that layer (``keep``)
        self._kept: tuple[str, int] | None = None
        self.setVisible(False)

    def set_cells(self, key: tuple | None, cells: list[tuple[str, str]], font: QtGui.QFont) -> None:
        """A button (text, tooltip) for each of ``cells``, made again when ``key`` (the
        layer and its cells) changes, the first cell then shown; the same layer in a new
        trace or model keeps the cell shown. No cells: hidden."""
        if key != self._of:
            self._of = key
            for b in self.buttons:
                self._group.removeButton(b)
                b.deleteLater()
            self.buttons = []
            self.index = 0
            kept = self._kept
            if kept is not None and key is not None and cells and key[0] == kept[0]:
                self.index = kept[1] if kept[1] < len(cells) else 0  # (a session's: ``keep``)
                self._kept = None
            for k, (text, tip) in enumerate(cells):
                b = QtWidgets.QPushButton(text)
                b.setToolTip(tip)
                b.setCheckable(True)
                b.setFont(font)
                b.clicked.connect(lambda _=False, k=k: self._on_pick(k))
                self._group.addButton(b)
                self._row.addWidget(b)
                self.buttons.append(b)
        if self.buttons:
            self.buttons[min(self.index, len(self.buttons) - 1)].setChecked(True)
        parent = self.parentWidget()
        # (not shown while a picture is exported, ``labels.control_only``: the Cell view's,
        # made at the CLI's --export-png, stood in its picture)
        if ((self.isVisibleTo(parent) if parent is not None else self.isVisible()) != bool(cells)
                and (not cells or hints_shown())):
            self.setVisible(bool(cells))

    def show_stack(self, cells: list[CellRef], font: QtGui.QFont) -> CellRef | None:
        """A button for each of ``cells`` (``stacked_cell_refs``: none, hidden, for any
        other layer), made again for another such layer (the same layer in a new trace
        keeps the cell picked); the cell picked, or None. Over time's and the Cell view's
        buttons, one rule."""
        key = (cells[0].name, tuple(f"{r.kind}({r.units})" for r in cells)) if cells else None
        # (named as the headers and the Unrolled rows name them, "cell 1": ``cell_name``)
        names = [cell_name(r.side or f"cell_{k}") for k, r in enumerate(cells)]
        self.set_cells(key, [
            (names[k], f"{names[k]}: {r.cell.cell_class}({r.units}), stepping through "
             + (f"{names[k - 1]}'s outputs" if k else "the layer's input"))
            for k, r in enumerate(cells)], font)
        return cells[min(self.index, len(cells) - 1)] if cells else None

    def pick(self, k: int) -> None:
        """Cell ``k`` shown (its button checked; a click has checked it already)."""
        self.index = k
        if 0 <= k < len(self.buttons) and not self.buttons[k].isChecked():
            self.buttons[k].setChecked(True)

    def picked_of(self, layer: str | None) -> int | None:
        """The cell picked where the buttons are those of layer ``layer`` (what a session
        keeps), else None."""
        return self.index if self._of is not None and layer is not None and self._of[0] == layer else None

    def keep(self, layer: str, k: int) -> None:
        """Cell ``k`` of layer ``layer`` picked (a session opened): at once where the buttons
        are that layer's (``on_pick(k)``: the view shows it anew, as at a click), else when
        they are next made for it (a view built later, or drawn when its tab is first
        shown). A cell past the layer's last is not picked: its first is shown."""
        if self.picked_of(layer) is None:
            self._kept = (layer, int(k))
            return
        self._kept = None
        if 0 <= k < len(self.buttons):
            self.pick(k)
            self._on_pick(k)

    def set_font(self, font: QtGui.QFont) -> None:
        for b in self.buttons:
            b.setFont(font)


def header_row(header: QtWidgets.QWidget, on_pick) -> tuple[QtWidgets.QBoxLayout, CellButtons]:
    """A view's header with a stack of cells' buttons beside it (``CellButtons``, a click
    calling ``on_pick(k)``; hidden for any other layer, and in an exported picture, where
    the header names the cell drawn: ``labels.control_only``), the buttons at the top left
    of their room: Over time's and the Cell view's row, one rule (each view moves the
    buttons under the header where beside it they would cost it a line: ``_fit_top``)."""
    from lstmviz.ui.labels import control_only

    top = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.LeftToRight)
    top.setContentsMargins(0, 0, 0, 0)
    top.addWidget(header, 1)
    box = control_only(CellButtons(on_pick))
    top.addWidget(box, 0, QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
    return top, box


class RichText(QtWidgets.QWidget):
    """Rich text drawn from one ``QTextDocument`` this widget lays out itself.

    What the Cell view's equations need at every step, without a QLabel's cost: a new
    ``QLabel`` text asks its parent for a layout pass and is measured several times over
    (a word-wrapped label tries widths), ~10 ms for the equations' table at each step.
    Here a new text is parsed once, laid out once at the widget's width, and painted from
    that layout; ``heightForWidth`` answers from it too. The text is not selectable: the
    context menu copies it as plain text.

    ``set_filled`` goes further for text whose only change from step to step is plain
    text at the end of table cells (the equations' numbers): the rest, ``static``, is
    parsed and laid out once, and each fill is drawn as plain text where the rich text
    would have put it (after the ``=`` that is all its cell holds in ``static``). Parsing
    and laying the table out again cost ~3 ms a step. When a fill would not fit on the
    cell's line (the full text would wrap it), the full text is parsed and drawn as
    ``setText`` does.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.doc = QtGui.QTextDocument(self)
        self.doc.setDocumentMargin(0)  # as a QLabel draws its text
        self.doc.setUndoRedoEnabled(False)
        self.doc.setDefaultFont(self.font())
        self._html = ""          # the whole text (what is shown)
        self._doc_html = ""      # what the document holds: _html, or _static with fills
        self._static: str | None = None  # set_filled: the text without its fills
        self._fills: list[str] = []  # (with _static None: no fills, plain setText)
        #: ((static, width), [(x, baseline, bold font, colour, its metrics)], one a fill)
        self._anchors: tuple = ((None, 0), [])
        self._fill_rects: list[QtCore.QRectF] = []
        self._rects_of: tuple = (None, [], [])  # (anchors, fills, their rectangles): _rects
        self._fit_answer: tuple = (None, False)  # ((anchors' key, fills), do they fit)
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QtGui.QAction("Copy", self)
        copy.triggered.connect(self.copy)
        self.addAction(copy)

    def text(self) -> str:
        return self._html

    def setText(self, html: str) -> None:  # noqa: N802 (QLabel's name)
        # parsed when it is measured or painted: a view on a hidden tab parses nothing
        if html != self._html or self._static is not None:
            self._html = html
            self._static, self._fills = None, []
            self.update()

    def set_filled(self, static: str, fills: list[str], html: str) -> None:
        """Show ``html``, which is ``static`` with ``fills[k]`` (plain text, bold, after
        one space) in the k-th table cell that ``static`` leaves at ``=`` alone (or ``=`` and
        zero-width spaces, a subscript that sets its line as its row's others)."""
        if html == self._html and static == self._static:
            return
        same = static == self._static and len(fills) == len(self._fills)
        self._html, self._static, self._fills = html, static, list(fills)
        old = self._fill_rects
        if same and self._doc_html == static and self._anchors[0] == (static, self.width()) and self._fits():
            # only the fills change: repaint their old and new places
            self._fill_rects = self._rects()
            region = QtGui.QRegion()
            for r in old + self._fill_rects:
                region += r.toAlignedRect().adjusted(-2, -2, 2, 2)
            self.update(region)
        else:
            self.update()

    def changeEvent(self, event) -> None:  # noqa: N802
        # the font the widget ends up with (a style sheet's polish may override setFont's,
        # as it does a QLabel's)
        if event.type() == QtCore.QEvent.Type.FontChange and self.doc.defaultFont() != self.font():
            self.doc.setDefaultFont(self.font())
            self._anchors = ((None, 0), [])
            self.update()
        super().changeEvent(event)

    def plain_text(self) -> str:
        doc = QtGui.QTextDocument()
        doc.setDefaultFont(self.doc.defaultFont())
        doc.setHtml(self._html)
        # (no zero-width struts, word spaces for thin and no-break ones: cell.STRUT,
        # cell._THIN_OPS, cell._EQUALS)
        return doc.toPlainText().replace("\u200b", "").replace("\u2009", " ").replace("\u00a0", " ")

    def copy(self) -> None:
        QtWidgets.QApplication.clipboard().setText(self.plain_text())

    def _hold(self, html: str, width: int) -> None:
        """The document holds ``html``, laid out at ``width``."""
        if self._doc_html != html:
            self.doc.setHtml(html)
            self._doc_html = html
        if self.doc.textWidth() != width:
            self.doc.setTextWidth(width)

    def _find_anchors(self, width: int) -> None:
        """Where each fill goes in ``static`` laid out at ``width``."""
        assert self._static is not None
        self._hold(self._static, width)
        self.doc.size()  # laid out
        found = []
        cursor = QtGui.QTextCursor(self.doc)
        layout = self.doc.documentLayout()
        for table in (f for f in self.doc.rootFrame().childFrames() if isinstance(f, QtGui.QTextTable)):
            for row in range(table.rows()):
                cell = table.cellAt(row, table.columns() - 1)
                first, last = cell.firstCursorPosition().position(), cell.lastCursorPosition().position()
                block = self.doc.findBlock(first)
                # ("=" alone, or with a zero-width subscript after it: cell.STRUT)
                text = block.text()
                if last != first + len(text) or text.rstrip("\u200b") != "=":
                    continue
                line = block.layout().lineForTextPosition(1)
                if not line.isValid():
                    continue
                origin = layout.blockBoundingRect(block).topLeft()
                cursor.setPosition(first + 1)  # (the "=": not a strut after it, cell.STRUT)
                form = cursor.charFormat()
                font = QtGui.QFont(form.font())
                bold = QtGui.QFont(font)
                bold.setBold(True)
                x = origin.x() + line.cursorToX(1)[0] + QtGui.QFontMetricsF(font).horizontalAdvance(" ")
                found.append((x, origin.y() + line.y() + line.ascent(), bold, form.foreground(),
                              QtGui.QFontMetricsF(bold)))
        self._anchors = ((self._static, width), found)

    def _fits(self) -> bool:
        """Every fill on its cell's line, within the width (else the full text wraps)."""
        key = (self._anchors[0], self._fills)
        if self._fit_answer[0] != key:
            anchors = self._anchors[1]
            width = self._anchors[0][1]
            ok = len(anchors) == len(self._fills) and all(
                x + fm.horizontalAdvance(text) + 4 <= width
                for (x, _, _, _, fm), text in zip(anchors, self._fills, strict=True))
            self._fit_answer = (key, ok)
        return self._fit_answer[1]

    def _rects(self) -> list[QtCore.QRectF]:
        """The fills' rectangles, measured again only for new fills or anchors (a step's
        layout asks for them at every measure: ``row_bottom``, ``heightForWidth``, paint)."""
        anchors, fills, rects = self._rects_of
        if anchors is not self._anchors[1] or fills != self._fills:
            rects = [QtCore.QRectF(x, base - fm.ascent(), fm.horizontalAdvance(text), fm.height())
                     for (x, base, _, _, fm), text in zip(self._anchors[1], self._fills, strict=True)]
            self._rects_of = (self._anchors[1], list(self._fills), rects)
        return rects

    def _layout(self, width: int) -> None:
        if self._static is not None:
            if self._anchors[0] != (self._static, width):
                self._find_anchors(width)
            if self._fits():
                self._hold(self._static, width)
                self._fill_rects = self._rects()
                return
        self._fill_rects = []
        self._hold(self._html, width)

    def row_bottom(self, row: int, width: int) -> float | None:
        """The bottom (px) of row ``row`` of the text's table laid out at ``width`` (None
        without such a row)."""
        self._layout(width)
        tables = [f for f in self.doc.rootFrame().childFrames() if isinstance(f, QtGui.QTextTable)]
        if not tables or not 0 <= row < tables[0].rows():
            return None
        table, layout = tables[0], self.doc.documentLayout()
        bottom = 0.0
        for col in range(table.columns()):
            block = self.doc.findBlock(table.cellAt(row, col).lastCursorPosition().position())
            bottom = max(bottom, layout.blockBoundingRect(block).bottom())
        return bottom

    def row_lines(self, row: int, width: int) -> list[tuple[float, float]]:
        """The (top, bottom) of every line (px) of row ``row`` of the text's table laid out
        at ``width``, each of its cells' ([] without such a row)."""
        self._layout(width)
        tables = [f for f in self.doc.rootFrame().childFrames() if isinstance(f, QtGui.QTextTable)]
        if not tables or not 0 <= row < tables[0].rows():
            return []
        table, layout = tables[0], self.doc.documentLayout()
        lines = []
        for col in range(table.columns()):
            cell = table.cellAt(row, col)
            block = self.doc.findBlock(cell.firstCursorPosition().position())
            end = cell.lastCursorPosition().position()
            while block.isValid() and block.position() <= end:
                top = layout.blockBoundingRect(block).top()
                text = block.layout()
                for k in range(text.lineCount()):
                    line = text.lineAt(k)
                    lines.append((top + line.y(), top + line.y() + line.height()))
                block = block.next()
        return lines

    def lines_below_table(self, width: int) -> list[tuple[float, float]]:
        """The (top, bottom) of every line (px) of text after the text's table (its
        legend) laid out at ``width`` (not the empty block Qt puts after a table, which it
        places over the table's last row)."""
        self._layout(width)
        tables = [f for f in self.doc.rootFrame().childFrames() if isinstance(f, QtGui.QTextTable)]
        if not tables:
            return []
        layout, lines = self.doc.documentLayout(), []
        block = self.doc.findBlock(tables[0].lastPosition() + 1)
        while block.isValid():
            top = layout.blockBoundingRect(block).top()
            text = block.layout()
            for k in range(text.lineCount() if block.text() else 0):
                line = text.lineAt(k)
                lines.append((top + line.y(), top + line.y() + line.height()))
            block = block.next()
        return lines

    def text_without_fills(self) -> str:
        """The text less its numbers (``set_filled``'s ``static``; without fills, the text)."""
        return self._static if self._static is not None else self._html

    def laid_out(self, width: int) -> str:
        """The text the document lays out at ``width``: the static part while the fills fit
        (its height is then the full text's), else the full text."""
        if self._static is not None:
            if self._anchors[0] != (self._static, width):
                self._find_anchors(width)
            if self._fits():
                return self._static
        return self._html

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        self._layout(width)
        return int(np.ceil(self.doc.size().height()))

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def paintEvent(self, event) -> None:  # noqa: N802
        self._layout(self.width())
        p = QtGui.QPainter(self)
        ctx = QtGui.QAbstractTextDocumentLayout.PaintContext()
        ctx.palette = self.palette()
        ctx.palette.setColor(QtGui.QPalette.ColorRole.Text, self.palette().color(QtGui.QPalette.ColorRole.WindowText))
        ctx.clip = QtCore.QRectF(event.rect())
        p.setClipRect(event.rect())
        self.doc.documentLayout().draw(p, ctx)
        if self._fill_rects:
            clip = QtCore.QRectF(event.rect())
            for (x, base, bold, brush, _), text, rect in zip(self._anchors[1], self._fills, self._fill_rects,
                                                             strict=True):
                if rect.intersects(clip):
                    p.setFont(bold)
                    p.setPen(QtGui.QPen(brush.color() if brush.style() != QtCore.Qt.BrushStyle.NoBrush
                                        else ctx.palette.color(QtGui.QPalette.ColorRole.Text)))
                    p.drawText(QtCore.QPointF(x, base), text)
        p.end()
