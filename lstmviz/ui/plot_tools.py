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
        axis.picture = axis_picture(axis)


def axis_picture(axis: pg.AxisItem) -> QtGui.QPicture:
    """What ``AxisItem.paint`` draws when its picture is gone, without playing it: the
    labels laid out (``generateDrawSpecs``) and drawn into a new picture."""
    picture = QtGui.QPicture()
    painter = QtGui.QPainter(picture)
    try:
        if axis.style["tickFont"]:
            painter.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(painter)
        if specs is not None:
            axis.drawPicture(painter, *specs)
    finally:
        painter.end()
    return picture


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


def count_ticks(n: int, first: int = 0, max_ticks: int = 16) -> list:
    """Whole-number ticks for an axis of ``n`` counted things (units, steps, features)
    from ``first`` on: every 1, 2, 5, 10, ... so that at most ``max_ticks`` show, at
    multiples of that spacing."""
    n = max(int(n), 1)
    every = next(k for k in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10**4,
                             2 * 10**4, 5 * 10**4, 10**5, 2 * 10**5, 5 * 10**5, 10**6, 10**9)
                 if n / k <= max_ticks)
    start = -(-int(first) // every) * every  # round numbers (a long input's window: 12,200 ...)
    return [(float(i), str(i)) for i in range(start, first + n, every)]


def count_axis(axis: pg.AxisItem, n: int, first: int = 0, max_ticks: int = 16, ticks=None,
               place=None) -> None:
    """An axis of counts: whole-number ticks only (``ticks`` or ``count_ticks``) and never
    an SI scale factor in its label (pyqtgraph writes "unit (x0.001)" over a range of 1).
    ``place``: where the plot's range puts a count (``Shifted.to_range``: items drawn
    through a ``Shifted`` group); each tick is placed there and keeps its label.

    No more labels than the axis has room for side by side (pyqtgraph draws every label of
    its first level, overlapping: "3115031200" under a narrow heatmap of a long input's
    window): ``count_ticks`` gets fewer ticks, given ``ticks`` are thinned to every 2nd,
    5th, ... one; again when the axis is resized. The same ticks again (an edit that kept
    the steps) leave the axis as it is: pyqtgraph would draw it anew (~1 ms an axis)."""
    axis._lstmviz_counts = (n, first, max_ticks, ticks, place)
    if not getattr(axis, "_lstmviz_refit", False):
        axis._lstmviz_refit = True
        ref = weakref.ref(axis)
        axis.geometryChanged.connect(lambda: _fit_counts(ref()))
    _fit_counts(axis)


def label_room(axis: pg.AxisItem, labels: list[str]) -> int | None:
    """How many of ``labels`` fit along ``axis`` side by side (a horizontal axis: the widest
    label and a gap of one em each; a vertical one: a font ascent each), or None before
    the axis has a size."""
    horizontal = axis.orientation in ("top", "bottom")
    length = axis.width() if horizontal else axis.height()
    if length <= 1 or not labels:
        return None
    font = axis.style.get("tickFont") or axis.font()
    metrics = QtGui.QFontMetricsF(font)
    if horizontal:
        each = max(metrics.horizontalAdvance(t) for t in labels) + metrics.horizontalAdvance("M")
    else:
        each = metrics.ascent()  # digits: an ascent apart they do not touch
    return max(1, int(length / each))


_FITTED: dict = {}  # _fit_counts' answers: (counts, axis length, font) -> ticks


def _fit(axis: pg.AxisItem, n: int, first: int, max_ticks: int, ticks) -> list:
    """The ticks of ``count_axis`` that fit along ``axis`` (before ``place``)."""
    if ticks is None:
        ticks = count_ticks(n, first, max_ticks)
        room = label_room(axis, [t for _, t in ticks])
        while room is not None and len(ticks) > room and max_ticks > 1:
            max_ticks = min(max_ticks - 1, max(1, len(ticks) - 1))
            ticks = count_ticks(n, first, max_ticks)
    else:
        room = label_room(axis, [t for _, t in ticks])
        if room is not None and len(ticks) > room:
            stride = next(k for k in (2, 5, 10, 20, 25, 50, 100, 10**9) if -(-len(ticks) // k) <= room)
            ticks = ticks[::stride]
    return list(ticks)


def _fit_counts(axis: pg.AxisItem | None) -> None:
    if axis is None or not shiboken6.isValid(axis):  # a resize while the plot is deleted
        return
    ticks = counted_ticks(axis, *axis._lstmviz_counts)
    if axis.autoSIPrefix or axis.autoSIPrefixScale != 1.0 or axis.labelUnitPrefix != "":
        # (only then is its label set anew: ~0.1 ms an axis, at every new window of steps)
        axis.enableAutoSIPrefix(False)
        axis.autoSIPrefixScale, axis.labelUnitPrefix = 1.0, ""  # what the range just set (0.001, "m")
        axis._updateLabel()
    set_ticks(axis, [ticks, []])


def counted_ticks(axis: pg.AxisItem, n: int, first: int = 0, max_ticks: int = 16, given=None,
                  place=None) -> list:
    """The ticks ``count_axis(axis, n, first, max_ticks, given, place)`` gives ``axis`` at
    its present size (its first level), without giving them."""
    horizontal = axis.orientation in ("top", "bottom")
    font = axis.style.get("tickFont") or axis.font()
    # alike axes (a seek's six heatmaps' step axes) fit the same counts once
    key: tuple | None = (n, first, max_ticks, None if given is None else tuple(given), horizontal,
                         axis.width() if horizontal else axis.height(), font.key())
    try:
        ticks = _FITTED.get(key)
    except TypeError:  # ticks given as lists: fitted each time
        ticks = key = None
    if ticks is None:
        ticks = _fit(axis, n, first, max_ticks, given)
        if key is not None:
            if len(_FITTED) > 256:
                _FITTED.clear()
            _FITTED[key] = ticks
    if place is not None:
        return [(place(v), text) for v, text in ticks]
    return list(ticks)
