"""Lines as thick at every density: a pen meant to be W logical pixels wide strokes W x the
device pixel ratio device pixels wherever it is painted (a 150% or 200% screen, a PNG at
scale 2, a GIF's or MP4's frames), and is the very pen at ratio 1.

The plots' pens are cosmetic (pyqtgraph's ``mkPen``): a width in device pixels, which Qt
does not scale by the device pixel ratio, so on a 200% screen every curve, cursor line,
axis and arrow was half as thick as at 100%. One mechanism scales them, at paint time:

- ``dense_paint``: an item's ``paint`` made to stroke with ``dense_pen`` (each pen its
  painter is given in Python, ``QPainter.setPen``, scaled by its device's ratio);
  ``install`` gives it to pyqtgraph's items that the plots use (curves, infinite lines,
  images' borders, legends' samples, text items' borders, view boxes' borders), and
  lstmviz's own items' paints are decorated with it;
- an axis (pyqtgraph draws it into a ``QPicture``, played at each paint): its picture is
  drawn with the pens of the density it is played at, and drawn again where it is played
  at another (``axis_ratio``);
- a scatter plot's symbols: pyqtgraph stamps them from an atlas it draws at the widget's
  ratio, their outlines' pens scaled here (``_atlas_render``); where a picture's density
  is not the widget's, each is drawn as its shape (``_scatter_paint``);
- Qt's own line, rectangle and path items (``LineItem``, ``RectItem``, ``PathItem``) draw
  their shape with the scaled pen where the ratio is not 1, else Qt paints them.

An SVG (``QSvgGenerator``, ratio 1) keeps its widths (``export.svg_thin_lines``)."""

from __future__ import annotations

import contextlib
import functools
import math

import pyqtgraph as pg
from pyqtgraph.graphicsItems import ScatterPlotItem as scatter
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6 import QtCore, QtGui, QtWidgets

NO_PEN = QtCore.Qt.PenStyle.NoPen


def ratio_of(p: QtGui.QPainter) -> float:
    """The device pixel ratio of what ``p`` paints on (1 where it has none): its engine's
    device, which is the picture where a widget is rendered into one (``QWidget.render``
    redirects the widget's painter: ``p.device()`` is then the widget, at the screen's
    ratio)."""
    engine = p.paintEngine()
    device = None if engine is None else engine.paintDevice()
    if device is None:
        device = p.device()
    return 1.0 if device is None else float(device.devicePixelRatioF())


def dense_pen(pen, ratio: float):
    """``pen`` as wide at ``ratio`` as it is at 1: a cosmetic pen (a width in device pixels;
    width 0 is one pixel) ``ratio`` times wider; the pen itself at ratio 1, or when it is
    not a cosmetic ``QPen`` (a colour, a style, a pen in the item's coordinates, which the
    painter's transform scales with the density already)."""
    if ratio == 1.0 or not isinstance(pen, QtGui.QPen) or pen.style() == NO_PEN:
        return pen
    width = pen.widthF()
    if not pen.isCosmetic() and width != 0.0:
        return pen
    pen = QtGui.QPen(pen)
    pen.setCosmetic(True)
    pen.setWidthF(max(width, 1.0) * ratio)
    return pen


@contextlib.contextmanager
def dense_pens(p: QtGui.QPainter, ratio: float):
    """While it is held, each pen set on ``p`` from Python is ``dense_pen(pen, ratio)``.
    Nothing changes at ratio 1 or inside another such block on the same painter."""
    if ratio == 1.0 or "setPen" in p.__dict__:
        yield
        return
    set_pen = QtGui.QPainter.setPen

    def scaled(pen, *args):
        set_pen(p, dense_pen(pen, ratio), *args)

    p.setPen = scaled  # type: ignore[method-assign]  # (this painter's own, while it paints)
    try:
        yield
    finally:
        del p.setPen


def dense_paint(paint):
    """``paint(self, p, ...)`` with ``p``'s pens scaled by its device's ratio (``dense_pens``);
    at ratio 1 the paint itself, nothing more than the ratio asked."""
    if getattr(paint, "dense", False):
        return paint

    @functools.wraps(paint)
    def painted(self, p, *args):
        ratio = ratio_of(p)
        if ratio == 1.0:
            return paint(self, p, *args)
        with dense_pens(p, ratio):
            return paint(self, p, *args)

    painted.dense = True
    return painted


def axis_ratio(axis: pg.AxisItem, ratio: float) -> None:
    """An axis's picture is drawn with the pens of the ratio it is played at: before its
    paint at ``ratio`` (``ratio_of`` its painter), or before it is drawn ahead of its paint
    (``plot_tools.measure_labels``: the view's ratio), its picture is dropped if it was
    drawn at another ratio, and the next is drawn at this one."""
    ratio = float(ratio)
    if ratio != axis.__dict__.get("_dense_ratio", 1.0):
        axis._dense_ratio = ratio
        axis.picture = None


def _axis_paint(paint):
    @functools.wraps(paint)
    def painted(self, p, *args):
        axis_ratio(self, ratio_of(p))
        return paint(self, p, *args)

    painted.dense = True
    return painted


def _axis_draw(draw):
    @functools.wraps(draw)
    def drawn(self, p, *specs):
        with dense_pens(p, self.__dict__.get("_dense_ratio", 1.0)):
            return draw(self, p, *specs)

    drawn.dense = True
    return drawn


def _scatter_paint(paint):
    """A ``ScatterPlotItem``'s paint where its painter's density is not its widget's (a PNG
    at scale 2 from a 100% window, at scale 1 from a 200% one): each symbol drawn as its
    shape at that density, antialiased, with ``dense_pens``. pyqtgraph stamps its symbols
    from an atlas drawn at the widget's ratio, which such a picture enlarged (soft, in
    2 x 2 blocks) or shrank. Where the painter's ratio is the widget's (the screen, a
    picture at its density) the atlas, as before; where both are 1 the paint itself."""

    @functools.wraps(paint)
    def painted(self, p, option, widget=None):
        ratio = ratio_of(p)
        own = ratio if widget is None else float(widget.devicePixelRatioF())
        if ratio == own or not self.opts.get("useCache"):
            if ratio == 1.0:
                return paint(self, p, option, widget)
            with dense_pens(p, ratio):
                return paint(self, p, option, widget)
        # (antialiased, as the atlas draws them: pyqtgraph's one-by-one paint takes the
        # item's antialias option, off by default)
        aa = self.opts.get("antialias")
        self.opts["useCache"], self.opts["antialias"] = False, True
        try:
            with dense_pens(p, ratio):
                return paint(self, p, option, widget)
        finally:
            self.opts["useCache"], self.opts["antialias"] = True, aa

    painted.dense = True
    return painted


def _atlas_render(render):
    """pyqtgraph's ``renderSymbol`` as its scatter plots' atlas calls it (at the widget's
    ratio ``dpr``), with the symbol's outline ``dense_pen``: at 200% the atlas drew each
    symbol with the pen's width in device pixels, its outline half as thick as at 100%.
    The image is as large as pyqtgraph makes it for the pen itself (the outline it allows
    for is the logical one, ``dpr`` times wider in device pixels: what it now strokes);
    at ratio 1, or into a device given, the call itself."""

    @functools.wraps(render)
    def rendered(symbol, size, pen, brush, device=None, dpr=1.0):
        if dpr == 1.0 or device is not None:
            return render(symbol, size, pen, brush, device, dpr)
        side = int(math.ceil(dpr * (size + max(math.ceil(pen.widthF()), 1))))
        device = QtGui.QImage(side, side, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        device.setDevicePixelRatio(dpr)
        device.fill(QtCore.Qt.GlobalColor.transparent)
        return render(symbol, size, dense_pen(pen, dpr), brush, device, dpr)

    rendered.dense = True
    return rendered


def install() -> None:
    """Give pyqtgraph's items that the plots use ``dense_paint`` (once), and its scatter
    plots' symbols their shapes at a picture's own density (``_scatter_paint``) and their
    outlines as thick in the atlas they are stamped from (``_atlas_render``)."""
    for cls in (pg.PlotCurveItem, pg.InfiniteLine, pg.ImageItem, ItemSample, pg.LegendItem, pg.TextItem,
                pg.ViewBox):
        if not getattr(cls.paint, "dense", False):
            cls.paint = dense_paint(cls.__dict__["paint"])
    if not getattr(pg.ScatterPlotItem.paint, "dense", False):
        pg.ScatterPlotItem.paint = _scatter_paint(pg.ScatterPlotItem.__dict__["paint"])
    if not getattr(scatter.renderSymbol, "dense", False):
        scatter.renderSymbol = _atlas_render(scatter.renderSymbol)
    if not getattr(pg.AxisItem.paint, "dense", False):
        pg.AxisItem.paint = _axis_paint(pg.AxisItem.__dict__["paint"])
        pg.AxisItem.drawPicture = _axis_draw(pg.AxisItem.__dict__["drawPicture"])


class _DenseShape:
    """Qt's line, rectangle and path items with their pen as wide at every density
    (``dense_pen``): Qt paints them at ratio 1; elsewhere the shape is drawn here, its pen
    scaled (Qt's own paint sets the pen in C++, out of ``dense_pens``' reach)."""

    def paint(self, p, opt, widget=None):
        ratio = ratio_of(p)
        if ratio == 1.0:
            return super().paint(p, opt, widget)
        p.setPen(dense_pen(self.pen(), ratio))
        self.draw_shape(p)
        return None

    def draw_shape(self, p: QtGui.QPainter) -> None:
        raise NotImplementedError


class LineItem(_DenseShape, QtWidgets.QGraphicsLineItem):
    """Qt's line item, its pen as wide at every density."""

    def draw_shape(self, p):
        p.drawLine(self.line())


class RectItem(_DenseShape, QtWidgets.QGraphicsRectItem):
    """Qt's rectangle item, its pen as wide at every density."""

    def draw_shape(self, p):
        p.setBrush(self.brush())
        p.drawRect(self.rect())


class PathItem(_DenseShape, QtWidgets.QGraphicsPathItem):
    """Qt's path item, its pen as wide at every density."""

    def draw_shape(self, p):
        p.setBrush(self.brush())
        p.drawPath(self.path())
