"""A long input's whole sequence as a strip above a view's exact window.

The strip draws an ``app.scale.Overview`` (min/max per bin of one record over every step,
computed by ``LongSequence.run_overviews``): one colour per bin and unit, the bin's value
furthest from 0 (``Overview.extreme``), on the colour map and levels of the exact heatmap
below it. A shaded band marks the steps the exact window holds, a line the current step;
a click asks for that step (``on_click(step)``, in steps of the whole sequence).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.ui import theme as th
from lstmviz.ui.density import PathItem, RectItem
from lstmviz.ui.plot_tools import add_plot
from lstmviz.ui.views._common import (
    ClickableImage,
    StepLine,
    cache_pixels,
    cosmetic_pen,
    count_axis,
    steady_axes,
)

#: Height of a strip in pixels, its step axis included (the exact window keeps the rest).
HEIGHT = 62
#: Its least height with its step axis, where the view below it is short (a projector's
#: 720 lines).
MIN_HEIGHT = 36
#: Its least height of all: the colours only, without the step axis and the row label,
#: where even ``MIN_HEIGHT`` leaves the view below no room (an 800 x 450 picture).
BARE_HEIGHT = 12
#: Width of the left axis of a strip and of the plot under it, so that both line up.
AXIS_WIDTH = 52


class OverviewStrip:
    """The strip in row ``row`` of ``layout``: its plot is made the first time a long input
    shows it (an empty row of no height until then), so a view costs nothing for it."""

    def __init__(self, layout: pg.GraphicsLayout, row: int, on_click=None, label: str | None = "all"):
        self.layout = layout
        self.label = label
        self.row = row
        self.on_click = on_click
        self.total = 1
        self.plot: pg.PlotItem | None = None
        self.image: ClickableImage | None = None
        self.band: QtWidgets.QGraphicsRectItem | None = None
        self.edges: QtWidgets.QGraphicsPathItem | None = None
        self.rows = 1  # the strip's rows (units or layers)
        self.region: tuple = ()  # the band's steps and rows as drawn
        self.line: StepLine | None = None
        self._theme: th.Theme | None = None
        self._left: tuple | None = None
        self.height = HEIGHT  # less where the view below would have no room (``set_height``)
        self.narrow = False  # its left axis narrow, no row label (``set_narrow``)
        self.shown = True
        self.set_visible(False)

    def _build(self) -> None:
        self.plot = add_plot(self.layout, row=self.row, col=0, axisItems=steady_axes("left", "bottom"))
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.invertY(True)
        left = self.plot.getAxis("left")
        left.setTicks([[], []])
        left.setWidth(AXIS_WIDTH)
        left.enableAutoSIPrefix(False)  # (its rows are units or layers: one row's -0.5..0.5 said "all (x0.001)")
        self.image = ClickableImage(on_click=self._clicked, axisOrder="row-major")
        self.plot.addItem(self.image)
        # the window's band: a filled rectangle and its two edges, plain Qt items (moved at
        # every seek: a pg.LinearRegionItem moves two lines that signal and repaint each)
        self.band = RectItem()  # (density: pens as wide at every density)
        self.band.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.band.setZValue(10)
        self.plot.addItem(self.band, ignoreBounds=True)
        self.edges = PathItem()
        self.edges.setZValue(10)
        self.plot.addItem(self.edges, ignoreBounds=True)
        self.line = StepLine()  # the current step
        self.line.setZValue(11)
        self.plot.addItem(self.line, ignoreBounds=True)
        # the image and axes change with the unit, not at a seek: copied under the moving
        # band and line instead of painted again (a 512-unit strip is 512 x 512 pixels scaled)
        cache_pixels(self.image, left, self.plot.getAxis("bottom"))
        if self._theme is not None:
            self.style(self._theme)
        if self._left is not None:
            self.set_left(*self._left)
        self._bare_axes()

    def style(self, t: th.Theme) -> None:
        self._theme = t
        if self.plot is None:
            return
        # (_build made them with the plot)
        assert self.image is not None and self.line is not None and self.band is not None and self.edges is not None
        th.style_plot(self.plot, t)
        self.image.nan_color = t.nan
        self.plot.getAxis("bottom").setStyle(tickFont=t.font(0.8))
        if self.label:
            self.plot.setLabel("left", self.label, color=t.foreground, **{"font-size": f"{t.pt(0.85)}pt"})
            self._bare_axes()  # (setLabel shows the label: a bare strip has none)
        self.plot.getAxis("left").setStyle(tickFont=t.font(0.8))
        c = pg.mkColor(t.highlight)
        self.line.setPen(pg.mkPen(c, width=2))
        fill = pg.mkColor(t.highlight)
        fill.setAlpha(60)
        self.band.setBrush(pg.mkBrush(fill))
        self.edges.setPen(cosmetic_pen(c, 1))

    def set_visible(self, on: bool) -> None:
        if on == self.shown:
            return
        self.shown = on
        if on and self.plot is None:
            self._build()
        if self.plot is not None:
            self.plot.setVisible(on)
        self.layout.layout.setRowFixedHeight(self.row, self.height if on else 0)
        self.layout.layout.setRowSpacing(self.row, 4 if on else 0)

    def set_height(self, height: int, least: int = MIN_HEIGHT, most: int = HEIGHT) -> None:
        """The strip's height in pixels (``most`` at most, ``HEIGHT`` unless a view gives its
        rows more; ``least`` at least, which may be down to ``BARE_HEIGHT``: below
        ``MIN_HEIGHT`` the strip is bare, its colours without its step axis and row label)."""
        height = int(min(most, max(BARE_HEIGHT, least, height)))
        if height != self.height:
            self.height = height
            self._bare_axes()
            if self.shown:
                self.layout.layout.setRowFixedHeight(self.row, height)

    @property
    def bare(self) -> bool:
        return self.height < MIN_HEIGHT

    def _bare_axes(self) -> None:
        if self.plot is None:
            return
        bottom = self.plot.getAxis("bottom")
        if bottom.isVisible() == self.bare:
            self.plot.showAxis("bottom", not self.bare)
        if self.label:
            self.plot.getAxis("left").showLabel(not self.bare and not self.narrow)

    def set_narrow(self, on: bool, width: int) -> None:
        """Its left axis ``width`` px, without the row label where ``on`` (the exact heatmap
        below needs the width: Over time's ``_Heatmap.fit_room``), else with it."""
        self.narrow = bool(on)
        self.set_left(width, *(self._left[1:] if self._left is not None else ()))
        self._bare_axes()

    def show(self, overview, cmap, levels) -> None:
        """Draw ``overview`` (an ``app.scale.Overview``; None hides the strip): one row per unit."""
        if overview is None:
            self.set_visible(False)
            return
        self.show_rows(overview.extreme().T, overview.total, cmap, levels)

    def show_rows(self, rows: np.ndarray | None, total: int, cmap, levels) -> None:
        """Draw ``rows`` (rows x bins, bins spanning ``total`` steps; None hides the strip),
        or rows already coloured (rows x bins x 4 bytes, RGBA; ``cmap`` and ``levels`` None:
        the Unrolled view's rows on maps of their own, a relu's from 0 on the gates' map)."""
        if rows is None:
            self.set_visible(False)
            return
        self.set_visible(True)
        assert self.plot is not None and self.image is not None and self.line is not None  # (built to be shown)
        n = rows.shape[0]
        self.total = int(total)
        self.rows = n
        if rows.ndim == 3:
            self.image.setLookupTable(None, update=False)
            self.image.setImage(np.ascontiguousarray(rows), autoLevels=False, levels=None)
        else:
            self.image.setImage(np.ascontiguousarray(rows), autoLevels=False, levels=levels)
            self.image.setColorMap(cmap)
        self.image.setRect(QtCore.QRectF(-0.5, -0.5, self.total, n))
        self.plot.setRange(xRange=(-0.5, self.total - 0.5), yRange=(-0.5, n - 0.5), padding=0)  # (laid out once)
        self.line.set_span(-0.5, n - 0.5)
        # (at most 5 ticks, as many as fit: a spacing fitted to the strip's width, 0 and
        # 500k where 0, 200k, ... 800k do not fit, not the first of those alone; the compact
        # form of count_ticks, as the exact axis below says its steps)
        count_axis(self.plot.getAxis("bottom"), self.total, max_ticks=5)

    @property
    def left_width(self) -> int | None:
        """Its left axis' width (``set_left``), None before it is given."""
        return self._left[0] if self._left is not None else None

    def set_left(self, width: int, ticks: list | None = None, tip: str | None = None) -> None:
        """The left axis: ``width`` pixels (as the plot's below, so that steps line up) and
        ``ticks`` [(row, text)] naming the rows (``tip``: its tooltip, every row's name
        where the ticks name some)."""
        self._left = (width, ticks, tip)
        if self.plot is None:
            return
        axis = self.plot.getAxis("left")
        axis.setWidth(width)
        axis.setTicks([ticks or [], []])
        if tip is not None and axis.toolTip() != tip:
            axis.setToolTip(tip)

    def set_window(self, start: int, n: int, step: int) -> None:
        """The exact window's steps ``start .. start + n - 1``; the current ``step``."""
        if not self.shown:
            return
        assert self.band is not None and self.edges is not None and self.line is not None  # (built when first shown)
        a, b = start - 0.5, start + n - 0.5
        if (a, b, self.rows) != self.region:
            self.region = (a, b, self.rows)
            lo, hi = -0.5, self.rows - 0.5  # the strip's rows: its whole height
            self.band.setRect(QtCore.QRectF(a, lo, b - a, hi - lo))
            path = QtGui.QPainterPath()
            for x in (a, b):
                path.moveTo(x, lo)
                path.lineTo(x, hi)
            self.edges.setPath(path)
        self.line.setPos(step)

    def _clicked(self, column: int, row: int) -> None:
        if self.on_click is not None and self.total and self.image is not None:
            bins = self.image.image.shape[1] if self.image.image is not None else 1
            # the image spans the steps: a pixel column is a bin, its first step is asked
            self.on_click(int(max(0, min(self.total - 1, -(-column * self.total // bins)))))
