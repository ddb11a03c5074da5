"""A plot curve cheap enough to be set and drawn again many times a second: the Train tab's.

``pg.PlotDataItem`` (a ``PlotCurveItem`` and a ``ScatterPlotItem`` inside it) does much in
Python at every ``setData`` and paint: its data bounds with ``nanmin``/``nanmax``, log
mapping, clipping and downsampling decided again, signals, its pixel padding, a scatter
item's own paint. While a model trains, the Train tab sets its curves ~15 times a second
(measured in the running tab: 0.3-0.5 ms of the window's thread for each ``setData``).
``QuickCurve`` keeps one ``QPainterPath`` built from the arrays at ``setData``
(``pg.arrayToQPath``) with its bounds, and a ``paint`` that strokes that path and stamps
the markers.

It speaks enough of ``PlotDataItem``'s language for the code around it: ``setData``,
``getData`` (the values as drawn: log10 of y on a log axis, as pyqtgraph hands them back),
``setPen``, ``setSymbol``, ``setSymbolBrush``, ``name``, ``opts`` (what a legend's sample
reads), ``setLogMode`` (a ``PlotItem`` calls it), ``dataBounds`` (its "View All").
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6 import QtCore, QtGui

from lstmviz.ui.density import dense_paint

#: beyond this many points in view a curve is drawn from each bin's lowest and highest value
#: (2 points per bin: a few per pixel of any plot on screen), as pyqtgraph's "peak" mode
MAX_POINTS = 2000
#: a lone point's dot (pixels; a line through one point is nothing)
DOT_RADIUS = 3.0


class QuickCurve(pg.GraphicsObject):
    """A line through (x, y), x ascending, with optional markers of a fixed size in pixels."""

    def __init__(self, name: str | None = None, pen=None, symbol: str | None = None,
                 symbol_size: float = 10.0, symbol_brush=None) -> None:
        super().__init__()
        self._name = name
        self.opts = {"pen": pg.mkPen(pen if pen is not None else (200, 200, 200)), "symbol": symbol,
                     "size": symbol_size,
                     "brush": pg.mkBrush(symbol_brush if symbol_brush is not None else (50, 50, 150)),
                     "antialias": bool(pg.getConfigOption("antialias"))}  # as PlotDataItem takes it
        self._log_y = False
        self._raw: tuple[np.ndarray, np.ndarray] | None = None   # as given
        self._x = self._y = np.empty(0)                            # as drawn (log10 of y on a log axis)
        self._path = QtGui.QPainterPath()
        self._reduced = False           # the path holds a downsampled view of the data
        self._bounds = QtCore.QRectF()  # of the finite points, in data coordinates
        self._finite = False
        self._pixel = (0.0, 0.0)        # a pixel's width and height in data coordinates
        self._rect = QtCore.QRectF()

    # -- what the code around it asks ---------------------------------------------------------
    def name(self) -> str | None:
        return self._name

    def setPen(self, *args, **kw) -> None:  # noqa: N802 (pyqtgraph's names)
        self.opts["pen"] = pg.mkPen(*args, **kw)
        self._update_rect()
        self.update()

    def setSymbol(self, symbol: str | None) -> None:  # noqa: N802
        self.opts["symbol"] = symbol
        self._update_rect()
        self.update()

    def setSymbolBrush(self, *args, **kw) -> None:  # noqa: N802
        self.opts["brush"] = pg.mkBrush(*args, **kw)
        self.update()

    def setLogMode(self, x_mode: bool, y_mode: bool) -> None:  # noqa: N802
        if bool(y_mode) != self._log_y:
            self._log_y = bool(y_mode)
            if self._raw is not None:
                self.setData(*self._raw)

    def setData(self, x, y) -> None:  # noqa: N802
        """The curve through ``x`` (ascending) and ``y`` (positive values on a log axis)."""
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.float64)
        if x.shape != y.shape:
            raise ValueError(f"x and y differ in shape: {x.shape} and {y.shape}")
        self._raw = (x, y)
        if self._log_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(y)
        self._x, self._y = x, y
        finite = np.isfinite(x) & np.isfinite(y)
        self._finite = bool(finite.any())
        if self._finite:
            fx, fy = x[finite], y[finite]
            x0, x1, y0, y1 = float(fx.min()), float(fx.max()), float(fy.min()), float(fy.max())
            self._bounds = QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)
        else:
            self._bounds = QtCore.QRectF()
        self._build_path()
        self._update_rect()
        self.update()

    def getData(self):  # noqa: N802
        """(x, y) as drawn, or (None, None) without data (as ``PlotDataItem``)."""
        if not len(self._x):
            return None, None
        return self._x, self._y

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: N802
        if not self._finite:
            return None, None
        b = self._bounds
        return (b.left(), b.right()) if ax == 0 else (b.top(), b.bottom())

    # -- drawing ------------------------------------------------------------------------------
    def _build_path(self) -> None:
        x, y = self._x, self._y
        self._reduced = len(x) > MAX_POINTS
        if self._reduced:
            x, y = self._in_view(x, y)
        self._path = pg.arrayToQPath(x, y, connect="finite") if len(x) else QtGui.QPainterPath()

    def _in_view(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The points over the view's x range (and one beyond each side), at most MAX_POINTS:
        beyond, each bin's lowest and highest value."""
        vb = self.getViewBox()
        if vb is not None:
            lo, hi = vb.viewRange()[0]
            i0 = max(0, int(np.searchsorted(x, lo)) - 1)
            i1 = min(len(x), int(np.searchsorted(x, hi, side="right")) + 1)
            x, y = x[i0:i1], y[i0:i1]
        n = len(x)
        if n <= MAX_POINTS:
            return x, y
        k = math.ceil(n / (MAX_POINTS // 2))
        m = n // k * k
        bins = y[:m].reshape(-1, k)
        with np.errstate(invalid="ignore"):
            lows, highs = np.nanmin(bins, axis=1), np.nanmax(bins, axis=1)
        xs = np.repeat(x[:m:k], 2)
        ys = np.column_stack([lows, highs]).ravel()
        return np.concatenate([xs, x[m:]]), np.concatenate([ys, y[m:]])

    def viewRangeChanged(self) -> None:  # noqa: N802 (pyqtgraph calls it)
        if self._reduced:
            self._build_path()
            self.update()

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph calls it)
        pw, ph = self.pixelWidth(), self.pixelHeight()
        self._pixel = (abs(pw or 0.0), abs(ph or 0.0))
        self._update_rect()

    def _update_rect(self) -> None:
        if not self._finite:
            rect = QtCore.QRectF()
        else:
            pad = max(DOT_RADIUS, 2.0 * self.opts["pen"].widthF()) + 1.0  # (a lone point's dot: _dot)
            if self.opts["symbol"] is not None:
                pad += self.opts["size"] / 2
            dx, dy = pad * self._pixel[0], pad * self._pixel[1]
            rect = self._bounds.adjusted(-dx, -dy, dx, dy)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect

    def _dot(self, p: QtGui.QPainter) -> None:
        """The one finite point as a dot of the line's colour, four pen widths across and
        ``DOT_RADIUS`` at least (after a run's first update the loss and norm curves showed
        nothing)."""
        keep = np.isfinite(self._x) & np.isfinite(self._y)
        if keep.sum() != 1:
            return
        pen = self.opts["pen"]
        at = p.transform().map(QtCore.QPointF(float(self._x[keep][0]), float(self._y[keep][0])))
        r = max(DOT_RADIUS, 2.0 * pen.widthF())
        tr = p.transform()
        p.resetTransform()
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        p.setBrush(pen.color())
        p.drawEllipse(at, r, r)
        p.setTransform(tr)

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        return self._rect

    @dense_paint
    def paint(self, p: QtGui.QPainter, *args) -> None:
        if not self._finite:
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, self.opts["antialias"])
        p.setPen(self.opts["pen"])
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        if not self._path.isEmpty():  # (one point is a path Qt calls empty: its marker only)
            p.drawPath(self._path)
        symbol = self.opts["symbol"]
        if symbol is None:
            if self._path.elementCount() <= 1:  # one point, no marker: a dot, not nothing
                self._dot(p)
            return
        keep = np.isfinite(self._x) & np.isfinite(self._y)
        x, y = self._x[keep], self._y[keep]
        tr = p.transform()
        px = tr.m11() * x + tr.m21() * y + tr.dx()
        py = tr.m12() * x + tr.m22() * y + tr.dy()
        size = self.opts["size"]
        shape = QtGui.QTransform.fromScale(size, size).map(Symbols[symbol])
        p.resetTransform()
        p.setBrush(self.opts["brush"])  # outlined with the line's pen, as the legend's sample
        for a, b in zip(px.tolist(), py.tolist()):
            p.drawPath(shape.translated(a, b))
        p.setTransform(tr)
