"""Plots drawn again only where something changed: helpers shared by the views
(``ui/views``), the Train tab and its gradient views.

pyqtgraph repaints an item's whole area, asks every item's bounds in Python at each repaint,
and lays an axis out and draws it anew whenever it is given ticks, even the same ones. These
three calls tell Qt and pyqtgraph what did not change.
"""

from __future__ import annotations

import weakref

import pyqtgraph as pg
import shiboken6
from PySide6 import QtGui, QtWidgets


class _PlotWithoutMenu(pg.PlotItem):
    """A ``PlotItem`` made without its ViewBox's context menu (``enableMenu=False``): the
    views switch the menu off at once, and making it first (two axis forms of ~40 widgets
    each) took ~4 ms a plot."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("enableMenu", False)
        super().__init__(*args, **kwargs)


class ColorBar(pg.ColorBarItem, _PlotWithoutMenu):
    """``pg.ColorBarItem`` (same arguments, same drawing) without the ViewBox menu it makes
    and then switches off itself (``ColorBarItem.__init__`` calls ``setMenuEnabled(False)``)."""


def add_plot(layout: pg.GraphicsLayout, **kwargs) -> pg.PlotItem:
    """``layout.addPlot(**kwargs)`` for a plot whose menu is switched off: made without it."""
    kwargs.setdefault("enableMenu", False)
    return layout.addPlot(**kwargs)


def measure_labels(*axes: pg.AxisItem) -> None:
    """Lay each axis out now, as pyqtgraph's ``AxisItem.paint`` does when its picture is
    gone (new ticks, range or size): its labels measured (``generateDrawSpecs``: the
    widest sets a vertical axis's width, the tallest a horizontal one's height) and its
    picture drawn, which the paint then only plays. An axis that needs more room so takes
    it before the view is painted; measured while painting, it asked for a second paint
    of the whole view at once, and a third of its plot (the first picture of the window
    was painted three times). Only axes of a view on screen: at the size the paint has (a
    hidden view is laid out when shown, ``labels_measured``)."""
    for axis in axes:
        if axis is None or not shiboken6.isValid(axis) or axis.picture is not None:
            continue
        view = axis.getViewWidget()
        if view is None or not view.isVisible() or not axis.isVisible() or axis.linkedView() is None:
            continue
        picture = QtGui.QPicture()
        painter = QtGui.QPainter(picture)
        try:  # AxisItem.paint's own steps, without the play
            if axis.style["tickFont"]:
                painter.setFont(axis.style["tickFont"])
            specs = axis.generateDrawSpecs(painter)
            if specs is not None:
                axis.drawPicture(painter, *specs)
        finally:
            painter.end()
        axis.picture = picture


def labels_measured(*axes: pg.AxisItem) -> None:
    """``measure_labels`` of each axis whenever its size changes (the window shown, laid
    out, resized), before the paint that follows."""
    for axis in axes:
        if not getattr(axis, "_lstmviz_measured", False):
            axis._lstmviz_measured = True
            ref = weakref.ref(axis)
            axis.geometryChanged.connect(lambda ref=ref: measure_labels(ref()))


def cache_pixels(*items: QtWidgets.QGraphicsItem) -> None:
    """Keep each item's last painting as a pixmap (device coordinates): an item that does
    not change, under a cursor line that moves over it, is then copied instead of painted
    again (a heatmap's scaled image, an axis's ticks and labels, a curve of 200 points);
    the item's own ``update()`` (new data, new range) paints it anew."""
    for item in items:
        item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


def paints_nothing(*items: QtWidgets.QGraphicsItem) -> None:
    """Mark containers that paint nothing themselves (a plot, its title row, a layout:
    their children paint): Qt then neither asks their bounds (pyqtgraph's Python
    ``boundingRect``, ~5 us a call with the binding's) nor calls their paint at every
    repaint of their view."""
    for item in items:
        item.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)


def set_ticks(axis: pg.AxisItem, levels) -> None:
    """``axis.setTicks(levels)`` unless it shows them already (``None``: pyqtgraph's own):
    pyqtgraph lays the axis out and draws it again (1-2 ms) for the same ticks."""
    if axis._tickLevels != levels:
        axis.setTicks(levels)
