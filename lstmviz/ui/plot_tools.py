"""Plots drawn again only where something changed: helpers shared by the views
(``ui/views``), the Train tab and its gradient views.

pyqtgraph repaints an item's whole area, asks every item's bounds in Python at each repaint,
and lays an axis out and draws it anew whenever it is given ticks, even the same ones. These
three calls tell Qt and pyqtgraph what did not change.
"""

from __future__ import annotations

import math
import weakref

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.counts import tick_labels
from lstmviz.text import power_of_ten
from lstmviz.ui import density
from lstmviz.ui.theme import html_width, keep_beside_title, title_height

density.install()  # (pyqtgraph's items' lines as thick at every density)


class _PlotWithoutMenu(pg.PlotItem):
    """A ``PlotItem`` made without its ViewBox's context menu (``enableMenu=False``): the
    views switch the menu off at once, and making it first (two axis forms of ~40 widgets
    each) took ~4 ms a plot."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("enableMenu", False)
        super().__init__(*args, **kwargs)


class _BarPlot(_PlotWithoutMenu):
    """The plot a ``ColorBar`` is: its axes are ``_BarAxis``es (``SteadyAxis``: laid out in
    fewer steps when new levels come: an edit's colour bars)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("axisItems", {side: _BarAxis(side) for side in ("left", "right", "top", "bottom")})
        super().__init__(*args, **kwargs)


#: The width pyqtgraph gives a vertical colour bar's value axis, and the least a
#: ``ColorBar`` gives it (its labels and ticks; wider where they need it).
BAR_AXIS_WIDTH = 45


def bar_foreground(bar: pg.ColorBarItem, color) -> None:
    """A colour bar's value labels and frame (its four axes' lines and ticks) in ``color``.
    Left unset, pyqtgraph draws the frame in the foreground configured when each axis makes
    its picture, and keeps that picture: a bar painted before a theme switch kept the old
    theme's frame (the Unrolled bar's near-white after dark -> light, where a window opened
    in light draws it dark)."""
    pen = pg.mkPen(color)
    for key in ("left", "right", "top", "bottom"):
        bar.getAxis(key).setPen(pen)
    bar.axis.setTextPen(pen)


class ColorBar(pg.ColorBarItem, _BarPlot):
    """``pg.ColorBarItem`` (same arguments, same drawing) without the ViewBox menu it makes
    and then switches off itself (``ColorBarItem.__init__`` calls ``setMenuEnabled(False)``),
    with ``SteadyAxis`` axes, whose value axis is as wide as its labels.

    pyqtgraph gives that axis a fixed 45 px and leaves out every label wider than that:
    at the views' fonts "-0.05", "-0.004", "2000" (the negative half of a record's or a
    weight's scale showed no number). ``fit_labels`` (at new levels, a new tick font or
    a new height) widens it to its widest label, never below 45 px; bars side by side in
    a view share one width (``share_width``), so that their plots stay aligned."""

    def __init__(self, *args, **kwargs):
        self._group: list = [weakref.ref(self)]
        self._needs: tuple = (None, 0.0)
        self._picture: tuple | None = None  # (the value axis drawn by label_room, at its geometry)
        super().__init__(*args, **kwargs)
        self.axis._bar = weakref.ref(self)
        self.axis.odd_steps = True  # (-0.3, 0, 0.3 rather than 0 alone: UncrowdedLabels)
        self.axis.geometryChanged.connect(self.fit_labels)
        self.fit_labels()

    def setLevels(self, *args, **kwargs):  # noqa: N802 (pyqtgraph's name)
        super().setLevels(*args, **kwargs)
        self.fit_labels()

    def share_width(self, *bars: "ColorBar") -> None:
        """This bar and ``bars`` keep one width, the widest any of them needs."""
        group = [weakref.ref(b) for b in (self, *bars)]
        for bar in (self, *bars):
            bar._group = group
        self.fit_labels()

    def label_room(self) -> float:
        """The width the value axis needs for the labels pyqtgraph lays out at its levels,
        height and font (its ticks and their gap included), at least ``BAR_AXIS_WIDTH``."""
        axis = self.axis
        if not self.horizontal:
            st = axis.style
            font = st["tickFont"]
            key = (tuple(axis.range), axis.geometry().height(), None if font is None else font.key(),
                   st["tickLength"], st["tickTextOffset"][0], st["showValues"])
            if self._needs[0] != key:
                # laid out and drawn as its paint would (the picture it plays if the width
                # stays: ``fit_labels``); every label measured, those the box left out too
                # (pyqtgraph's ``textWidth``)
                self._picture = axis_picture(axis), axis.geometry()
                text = float(axis.textWidth) if st["showValues"] else 0.0
                need = text + max(0, st["tickLength"]) + st["tickTextOffset"][0] + 2 if text else 0.0
                self._needs = (key, float(max(BAR_AXIS_WIDTH, math.ceil(need))))
            return self._needs[1]
        return float(BAR_AXIS_WIDTH)

    def fit_labels(self) -> None:
        """The value axes of this bar's group as wide as the widest of them needs."""
        # (a window being disposed deletes a bar's axis before the bar, and the axis' last
        # geometryChanged may still call here: a bar without its axis has nothing to fit)
        bars = [b for b in (r() for r in self._group)
                if b is not None and shiboken6.isValid(b) and shiboken6.isValid(b.axis)]
        if not bars or any(b.horizontal for b in bars):
            return
        width = max(b.label_room() for b in bars)
        for bar in bars:
            if bar.axis.fixedWidth != width:
                bar.axis.setWidth(width)
            elif bar.axis.picture is None and bar._picture is not None and bar._picture[1] == bar.axis.geometry():
                bar.axis.picture = bar._picture[0]  # (what its paint would make again)
            bar._picture = None


class NanKey(pg.GraphicsWidget):
    """A colour bar's key for NaN: a swatch of the theme's colour for no number
    (``Theme.nan``) and the word "NaN", at the bottom of the bar's own plot while the picture
    beside it holds a NaN (``show_for``): the bar gives the key its height, the heatmap none;
    out of the bar's layout otherwise."""

    TEXT = "NaN"

    def __init__(self, bar: pg.PlotItem):
        super().__init__()
        self._bar = bar
        self._font = QtGui.QFont()
        self._color, self._pen = QtGui.QColor("#ff00ff"), QtGui.QColor("#ffffff")
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self.setToolTip("this colour: no number (NaN), as a model that diverged computes")
        self.setVisible(False)

    def style(self, font: QtGui.QFont, color: str, text_color: str) -> None:
        self._font, self._color, self._pen = QtGui.QFont(font), QtGui.QColor(color), QtGui.QColor(text_color)
        self.updateGeometry()
        self.update()

    def show_for(self, any_nan: bool) -> None:
        """In the bar's layout, under the bar, where the picture holds a NaN; else out of it."""
        if bool(any_nan) == self.isVisible():
            return
        if any_nan:
            self._bar.layout.addItem(self, 4, 0, 1, 3)  # (the row under the bar's bottom axis)
            self._bar.layout.setAlignment(self, QtCore.Qt.AlignmentFlag.AlignLeft)
            self.setVisible(True)
        else:
            self._bar.layout.removeItem(self)
            self.setVisible(False)

    def _box(self) -> float:
        return float(QtGui.QFontMetricsF(self._font).ascent())

    def sizeHint(self, which, constraint=None):  # noqa: N802 (Qt's name)
        metrics = QtGui.QFontMetricsF(self._font)
        return QtCore.QSizeF(self._box() + 4 + metrics.horizontalAdvance(self.TEXT) + 2, metrics.height() + 2)

    def paint(self, p, *args):
        metrics = QtGui.QFontMetricsF(self._font)
        box, height = self._box(), self.size().height()
        p.setPen(QtGui.QPen(self._pen, 1))
        p.setBrush(QtGui.QBrush(self._color))
        p.drawRect(QtCore.QRectF(1.5, (height - box) / 2 + 0.5, box - 1, box - 1))
        p.setFont(self._font)
        p.drawText(QtCore.QPointF(box + 4, (height + metrics.ascent() - metrics.descent()) / 2), self.TEXT)


def add_plot(layout: pg.GraphicsLayout, **kwargs) -> pg.PlotItem:
    """``layout.addPlot(**kwargs)`` for a plot whose menu is switched off: made without it;
    its top and right axes, where none is given, ``KeptAxis`` (hidden unless shown, they
    follow the view's range all the same: pyqtgraph laid their empty label's HTML out again
    at every new range, the Unrolled view's at every seek of a long input)."""
    kwargs.setdefault("enableMenu", False)
    given = kwargs.get("axisItems") or {}
    hidden = [side for side in ("top", "right") if side not in given]
    kwargs["axisItems"] = {**{side: KeptAxis(side) for side in hidden}, **given}
    plot = layout.addPlot(**kwargs)
    for side in hidden:  # (pyqtgraph shows every axis it is given)
        plot.hideAxis(side)
    return quiet_axes(plot)  # (a hidden left or bottom one of pyqtgraph's too)


def fit_side_label(plot: pg.PlotItem, widget: pg.GraphicsView, forms: tuple[str, ...]) -> None:
    """The left axis' label: the longest of ``forms`` (longest first) seen whole. Centred
    on the view box, it may run over the title and the step axis, not past ``widget``'s
    edges (cut there to "nit" or "nput featur" in small pictures); none where none fits."""
    if not forms:
        return
    axis = plot.getAxis("left")
    font = QtGui.QFont(axis.label.font())
    size = str(axis.labelStyle.get("font-size", ""))
    if size.endswith("pt"):
        font.setPointSizeF(float(size[:-2]))
    metrics = QtGui.QFontMetricsF(font)
    margin = 2 * axis.label.document().documentMargin()
    middle = widget.mapFromScene(plot.vb.sceneBoundingRect().center()).y()
    room = 2 * min(middle, widget.viewport().height() - middle)
    text = next((f for f in forms if metrics.horizontalAdvance(f) + margin <= room), None)
    if text is None:
        if axis.label.isVisible():
            axis.showLabel(False)
    elif text != axis.labelText:
        axis.setLabel(text)  # (shows it, in its style)
        axis.resizeEvent()  # centred now, for its new length (the layout's pass comes later)
    elif not axis.label.isVisible():
        axis.showLabel(True)


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
        density.axis_ratio(axis, view.devicePixelRatioF())  # (drawn with the pens of its view's density)
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


def exact_updates(*views: QtWidgets.QGraphicsView) -> None:
    """Repaint what changed in each view, not 2 px more around it (Qt widens every changed
    rectangle so for items drawn antialiased past their bounds; pyqtgraph's items keep
    their pens within theirs). A long input's seek moved the overview strips' bands and
    step lines 1 px below the heatmaps' titles, and its step axes beside the colour bars:
    the titles and the bars' axes were painted again at every seek (Over time: ~1 ms of a
    seek's ~16; the window's backing store then equals the window painted anew, test)."""
    for view in views:
        view.setOptimizationFlag(QtWidgets.QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)


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


#: a log axis whose values all lie in [PLAIN_LOW, PLAIN_HIGH) is labelled in plain decimals
#: ("0.0001", "0.02", "500"); one reaching past either end in powers of ten, all of it
PLAIN_LOW, PLAIN_HIGH = 1e-4, 1e5


def log_labels(values, lo: float | None = None, hi: float | None = None) -> list[str]:
    """Labels of a log axis' tick ``values`` (the values, not their logs), in one format for
    the whole axis: plain decimals ("0.001", "0.5", "20") while the axis (``lo``..``hi``,
    else the values themselves) stays within [``PLAIN_LOW``, ``PLAIN_HIGH``), else powers of
    ten ("10\u207b\u2076", "2\u00d710\u207b\u2075", "10\u2070"). ``f"{v:g}"`` switched by itself
    between 0.0001 and 1e-05, so that one axis read "0.01, 0.0001, 1e-06, 1e-08"."""
    vals = [float(v) for v in values]
    lo = min(vals, default=1.0) if lo is None else lo
    hi = max(vals, default=1.0) if hi is None else hi
    if PLAIN_LOW * (1 - 1e-9) <= lo and hi < PLAIN_HIGH:
        return [f"{v:g}" for v in vals]
    out = []
    for v in vals:
        if not (v > 0 and math.isfinite(v)):
            out.append(f"{v:g}")
            continue
        out.append(power_of_ten(v))  # (1.5 x 10^k among the ticks of a range under a decade)
    return out


def log_tick_list(lo: float, hi: float, most: int = 7, gap: float = 0.0) -> list | None:
    """Ticks on a log axis within [lo, hi], at most ``most`` of them, as
    ``AxisItem.setTicks`` takes them (pyqtgraph's own crowd the labels of a range under one
    decade, or leave a short axis bare): at 1, 2, 3, 5 x 10^k, else the first of 1-2-5,
    1-3 or decades alone that fits (a decade is never left out for its neighbours: "0.02,
    0.05, 0.2, 0.5" had no 0.1), every k-th decade when even those are too many, the middle
    one when one fits; ``gap``: the least distance between two ticks, in decades (where
    their labels would overlap, fewer of them). Labelled in one format
    (``plot_tools.log_labels``). None (pyqtgraph's) when there is no data."""
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        return None
    most = max(1, most)
    powers = range(int(np.floor(np.log10(lo))) - 1, int(np.ceil(np.log10(hi))) + 1)

    def at(mantissas) -> list[float]:
        return [v for k in powers for m in mantissas if lo <= (v := m * 10.0 ** k) <= hi]

    def apart(vals) -> bool:
        return all(math.log10(b / a) >= gap for a, b in zip(vals, vals[1:]))

    ticks: list[float] = []
    for mantissas in ((1, 2, 3, 5), (1, 2, 5), (1, 3), (1,)):
        ticks = at(mantissas)
        if 0 < len(ticks) <= most and apart(ticks):
            break
    else:
        decades = at((1,))
        if len(decades) >= 2:  # a wide range: every k-th decade
            ticks = decades[::max(math.ceil(len(decades) / most), math.ceil(gap))]
        if not (0 < len(ticks) <= most and apart(ticks)):  # the middle one
            every = at((1, 2, 3, 5))
            ticks = [every[len(every) // 2]] if every else []
    if len(ticks) < 2 and most >= 2:
        # two labels at least where two fit: a loss plot framed 0.056 .. 0.18 read "0.1"
        # alone, no scale a reader could tell; there round steps of the values themselves
        # ("0.1, 0.15"; "0.08, 0.1, 0.12, 0.14"), else the round values nearest its ends
        ticks = _linear_log_ticks(lo, hi, most, apart) or ticks
    return [list(zip(np.log10(ticks).tolist(), log_labels(ticks))), []] if ticks else None


def _linear_log_ticks(lo: float, hi: float, most: int, apart) -> list[float]:
    """Two to ``most`` ticks within [lo, hi] (a range under a decade or so, where 1, 2, 3, 5 x
    10^k leave one at most) whose labels stand ``apart``, a decade between them among them:
    every 1, 2 or 5 x 10^k of the values themselves, the finest step that fits; else the
    round values (one significant digit, or 1.5 x 10^k) nearest the range's ends, with the
    decade between them where it fits, else without it. [] where none fit."""
    if not (0 < lo < hi):
        return []
    decades = [10.0 ** k for k in range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1)]

    def fits(vals) -> bool:
        inner = [d for d in decades if vals[0] < d < vals[-1]]
        return 2 <= len(vals) <= most and apart(vals) and all(
            any(math.isclose(d, v) for v in vals) for d in inner)

    top = math.floor(math.log10(hi - lo))
    for k in range(top - 2, top + 1):
        for m in (1, 2, 5):
            first, last = math.ceil(lo / (m * 10.0 ** k) - 1e-9), math.floor(hi / (m * 10.0 ** k) + 1e-9)
            if 2 <= last - first + 1 <= most and fits(vals := [float(f"{i * m}e{k}") for i in range(first, last + 1)]):
                return vals
    powers = range(math.floor(math.log10(lo)), math.floor(math.log10(hi)) + 1)
    near = sorted(v for k in powers for m in (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9) if lo <= (v := float(f"{m}e{k}")) <= hi)
    if len(near) < 2:
        return []
    low, high = near[0], near[-1]
    between = [d for d in decades if low < d < high][:1]
    for vals in ([low, *between, high], [low, *between], [*between, high]):
        if fits(vals):
            return vals
    # (the decade left out only here: two labels, a scale, rather than the decade alone)
    return [low, high] if apart([low, high]) else []


class LogLabelAxis(pg.AxisItem):
    """pyqtgraph's axis with its log-mode labels in one format (``log_labels``, from the
    range the axis shows): its own wrote "0.0001" and then "10\u207b\u2075" on one axis.
    Upright, its ticks are ``log_tick_list``'s, a line and a quarter apart and none at its
    very ends: pyqtgraph's own labelled every 1..9 x 10^k of a range under two decades,
    "0.02, 0.01, 0.009, 0.008, ..., 0.0003" drawn over each other (the connectivity plot)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802 (pyqtgraph)
        span = float(maxVal) - float(minVal)
        if self.orientation not in ("left", "right") or not (size > 0 and span > 0):
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        line = QtGui.QFontMetricsF(self.style["tickFont"] or QtGui.QFont()).height()
        per = span / size  # decades a pixel
        edge = 0.5 * line * per  # (pyqtgraph leaves out a label that sticks out of the axis)
        most = max(1, int(size / (1.25 * line)))
        ticks = log_tick_list(10.0 ** (minVal + edge), 10.0 ** (maxVal - edge), most, 1.25 * line * per)
        if ticks is None:
            return [(None, [])]
        return [(None, [v for v, _ in ticks[0]])]

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph)
        lo, hi = sorted(self.range)
        return log_labels([10.0 ** float(v) * scale for v in values], 10.0 ** lo, 10.0 ** hi)


class CommaRoom(pg.AxisItem):
    """An ``AxisItem`` whose bottom axis with no label under its ticks keeps the room of a
    comma's tail below its labels where one of them has a comma ("12,175"). pyqtgraph counts
    0.8 of a label's height and clips its drawing to the axis: at the foot of a view the
    tails were cut off and "1,000" read as "1.000" (Units at scale's curves, Over time's in
    a long input's window). The app's axes of counts (``SteadyAxis``, ``StepAxis``)."""

    def _descends(self) -> bool:
        """Whether a given tick label reaches below its digits' baseline (a comma: "12,175"),
        or one may in another of its windows (``count_axis(reach=)``: a count of 1,000 or more)."""
        reach = getattr(self, "_lstmviz_reach", None)
        if reach is not None and reach > 1000:
            return True
        levels = getattr(self, "_tickLevels", None) or ()
        return any("," in str(text) for level in levels for _, text in level)

    def _updateHeight(self):  # noqa: N802 (pyqtgraph's name)
        """pyqtgraph's height; and, for a bottom axis with no label under its ticks whose
        labels have a comma, the rest of the labels' height: pyqtgraph counts 0.8 of it,
        and a comma's tail reaches below that. At the foot of its view (Over time's curves
        in a long input's window, their label given up for room) the tails were cut off,
        and "12,175" read as "12.175"."""
        super()._updateHeight()
        st = self.style
        if (self.orientation == "bottom" and self.isVisible() and self.fixedHeight is None and st["showValues"]
                and not self.label.isVisible() and self._descends()):
            text = self.textHeight if st["autoExpandTextSpace"] else st["tickTextHeight"]
            h = self.minimumHeight() + math.ceil(text / 0.8 - text)
            self.setMaximumHeight(h)
            self.setMinimumHeight(h)

    def setTicks(self, ticks):  # noqa: N802 (pyqtgraph's name)
        descended = self._descends()
        super().setTicks(ticks)
        if self._descends() != descended:
            self._updateHeight()


class StepAxis(CommaRoom):
    """An axis of counts with pyqtgraph's own ticks, for a plot that zooms (View > Units at
    scale's steps): ticks at whole counts only, labelled in the compact form of steps
    (``app/counts.tick_labels``: ``1,000``, ``50k``, ``123,400``; pyqtgraph wrote
    ``100000``, and ``1500.5`` zoomed in), never an SI scale factor, and, at the foot of a
    view, the room of a comma's tail (``CommaRoom``: "1,000" read as "1.000")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.enableAutoSIPrefix(False)  # counts: "2,000", never "2 (x1000)"

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        """pyqtgraph's levels of ticks, those a whole count apart or more (a step of 1
        where none is: a plot zoomed to a few steps)."""
        levels = [(spacing, offset) for spacing, offset in super().tickSpacing(minVal, maxVal, size)
                  if spacing >= 1]
        return levels or [(1.0, 0.0)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph)
        if all(float(v * scale).is_integer() for v in values):
            return tick_labels(v * scale for v in values)
        return super().tickStrings(values, scale, spacing)

    def boundingRect(self):  # noqa: N802 (Qt's name)
        """pyqtgraph's bounds, which a label must fit inside to be drawn, reaching half a
        "0" past the axis's left end (into the corner under the plot's left axis): a whole
        sequence's steps begin at 0, a column's half-step from the left end, and its "0" was
        left out where it stood a pixel or two past it (Units at scale's whole sequence at
        760 x 540, or in the projector theme's larger font: "5k  10k", no "0")."""
        rect = super().boundingRect()
        if self.orientation in ("top", "bottom"):
            font = self.style.get("tickFont") or self.font()
            rect.adjust(-math.ceil(QtGui.QFontMetricsF(font).horizontalAdvance("0") / 2) - 1, 0, 0, 0)
        return rect

    def _descends(self) -> bool:
        """A given label with a comma, or pyqtgraph's own ticks over a range that reaches a
        count of 1,000 (whose label is "1,000")."""
        shown = getattr(self, "range", None) or (0.0, 0.0)  # (none while pyqtgraph makes it)
        if getattr(self, "_tickLevels", None) is None and max(abs(v) for v in shown) >= 1000:
            return True
        return super()._descends()

    def setRange(self, mn, mx):  # noqa: N802 (pyqtgraph's name)
        descended = self._descends()
        super().setRange(mn, mx)
        if self._descends() != descended:
            self._updateHeight()


def count_ticks(n: int, first: int = 0, max_ticks: int = 16) -> list:
    """Whole-number ticks for an axis of ``n`` counted things (units, steps, features)
    from ``first`` on: every 1, 2, 5, 10, ... so that at most ``max_ticks`` show, at
    multiples of that spacing."""
    n = max(int(n), 1)
    every = next(k for k in _ROUND_SPACINGS if n / k <= max_ticks)
    start = -(-int(first) // every) * every  # round numbers (a long input's window: 12,200 ...)
    values = range(start, first + n, every)
    return list(zip((float(i) for i in values), tick_labels(values)))  # (the compact form: app/counts)


def count_axis(axis: pg.AxisItem, n: int, first: int = 0, max_ticks: int = 16, ticks=None,
               place=None, middle: bool = False, rows: bool = False, reach: int | None = None) -> None:
    """An axis of counts: whole-number ticks only (``ticks`` or ``count_ticks``) and never
    an SI scale factor in its label (pyqtgraph writes "unit (x0.001)" over a range of 1).
    ``place``: where the plot's range puts a count (``Shifted.to_range``: items drawn
    through a ``Shifted`` group); each tick is placed there and keeps its label.

    No more labels than the axis has room for side by side (pyqtgraph draws every label of
    its first level, overlapping: "3115031200" under a narrow heatmap of a long input's
    window): ``count_ticks`` gets fewer ticks, given ``ticks`` are thinned to every 2nd,
    5th, ... one (from the first; ``middle``: those kept centred among them, so that one
    left is the middle one); again when the axis is resized. The same ticks again (an
    edit that kept the steps) leave the axis as it is: pyqtgraph would draw it anew (~1
    ms an axis).

    ``rows``: a vertical axis of a matrix's rows (the Weights view's): a tick mark at every
    given tick, labels at the finest round stride whose digits stand two pixels apart
    (half of one may stand past the axis's ends, as a row's label centred on its row): a
    3-row kernel 26 px high at 800 x 600 said "0" alone, it says "0" and "2" with a mark
    at 1.

    ``reach``: the counts this axis shows in any of its windows lie below it (a long
    input's steps: the window moves): a bottom ``SteadyAxis`` keeps the room of a comma's
    tail from the start where some count has one (>= 1,000), so its height, and the
    plots above it, stay put from window to window (a seek from a window labelled
    "5,800" to one labelled "19k" moved every heatmap of Over time by 5 px and laid the
    view out and painted it anew)."""
    if reach != getattr(axis, "_lstmviz_reach", None):
        axis._lstmviz_reach = reach
        if isinstance(axis, SteadyAxis):
            axis._updateHeight()
    axis._lstmviz_counts = (n, first, max_ticks, ticks, place, middle)
    axis._lstmviz_rows = bool(rows) and ticks is not None and axis.orientation in ("left", "right")
    if not getattr(axis, "_lstmviz_refit", False):
        axis._lstmviz_refit = True
        ref = weakref.ref(axis)
        axis.geometryChanged.connect(lambda: _fit_counts(ref()))
    _fit_counts(axis)


def label_share(axis: pg.AxisItem) -> float:
    """The room (px) pyqtgraph gives an axis's label across it: 0.8 of the label's bounding
    box where the label is shown (its ``_updateWidth`` / ``_updateHeight``), else 0."""
    return axis.label.boundingRect().height() * 0.8 if axis.label.isVisible() else 0.0


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


def _label_apart(axis: pg.AxisItem, labels: list[str]) -> tuple[float, float] | None:
    """(the axis's length, the room a label takes: the widest and an em) of a horizontal
    axis with a size, else None."""
    if axis.orientation not in ("top", "bottom") or axis.width() <= 1 or not labels:
        return None
    metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font())
    return axis.width(), max(metrics.horizontalAdvance(t) for t in labels) + metrics.horizontalAdvance("M")


_FITTED: dict = {}  # counted_ticks' answers: (counts, axis length, font) -> ticks


def _fit(axis: pg.AxisItem, n: int, first: int, max_ticks: int, ticks, middle: bool = False) -> list:
    """The ticks of ``count_axis`` that fit along ``axis`` (before ``place``)."""
    if ticks is None:
        ticks = count_ticks(n, first, max_ticks)
        room = label_room(axis, [t for _, t in ticks])
        # neighbours a label's room apart too: round-number ticks are not spread over the
        # whole axis (2 ticks 100 steps apart on a window of 256 stand 0.39 of it apart:
        # '2220022300' under a 132-px heatmap in the projector theme, where 'room' was 2)
        apart = _label_apart(axis, [t for _, t in ticks]) if room is not None else None
        while room is not None and max_ticks > 1 and (
                len(ticks) > room or (apart is not None and len(ticks) > 1
                                      and (ticks[1][0] - ticks[0][0]) * apart[0] / max(n, 1) < apart[1])):
            max_ticks = min(max_ticks - 1, max(1, len(ticks) - 1))
            fewer = count_ticks(n, first, max_ticks)
            if not fewer:  # (every 500 on 256 steps: none at all) the first of those before
                ticks = ticks[:1]
                break
            ticks = fewer
        if room is not None and len(ticks) < 2 and n > 1:
            # one label left ('0' under a 59-px heatmap of 40 steps in the projector theme:
            # '20' is wider than '0', but the widest label twice was too much for 0 and 20,
            # and the next spacing, 50, holds only 0): a few that fit, at a round spacing
            # (0 and 20; 0 and 25, 30), apart by their own widths
            ticks = _few_that_fit(axis, n, first) or ticks
    else:
        room = label_room(axis, [t for _, t in ticks])
        # (not ticks their caller spaced on screen: the Unrolled view's, block by block)
        if room is not None and len(ticks) > room and not getattr(axis, "_lstmviz_spaced", False):
            stride = next(k for k in (2, 5, 10, 20, 25, 50, 100, 10**9) if -(-len(ticks) // k) <= room)
            last = len(ticks) - 1
            ticks = ticks[(last - last // stride * stride) // 2 if middle else 0::stride]
        if middle and room is not None and len(ticks) < 2 and n > 1:
            # counts from 0 (the Cell view's units) thinned to one ('2' under a 25-px chart
            # of 8 units at 800 x 600): a few at a round spacing where they fit an em apart,
            # else a space apart
            ticks = (_few_that_fit(axis, n, first, spacings=_ROUND_SPACINGS)
                     or _few_that_fit(axis, n, first, gap=" ", spacings=_ROUND_SPACINGS) or ticks)
    return list(ticks)


#: ``count_ticks``' spacings (1, 2, 5, 10, 20, 25, 50 ...)
_ROUND_SPACINGS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10**4,
                   2 * 10**4, 5 * 10**4, 10**5, 2 * 10**5, 5 * 10**5, 10**6, 10**9)
#: the spacings ``_few_that_fit`` tries: round ones, finer than ``count_ticks``' between 2 and 5
_FEW_SPACINGS = sorted({int(b * 10**m) for m in range(10) for b in (1, 2, 2.5, 3, 4, 5) if b * 10**m % 1 == 0})


def _few_that_fit(axis: pg.AxisItem, n: int, first: int, gap: str = "M", spacings=None) -> list:
    """Two or more counts at the finest round spacing (of ``spacings``, else
    ``_FEW_SPACINGS``) whose labels fit along a horizontal ``axis`` of ``n`` columns from
    ``first``: neighbours apart by half of each label and an em (``gap``'s width) between
    them (as ``_fit``'s widest label and an em, for labels of one width), the last inside
    the axis's right end (a colour bar stands there: ``SteadyAxis.boundingRect``); [] where
    none do."""
    if axis.orientation not in ("top", "bottom") or axis.width() <= 1:
        return []
    metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font())
    length, apart = axis.width(), metrics.horizontalAdvance(gap)
    px = length / n
    for every in _FEW_SPACINGS if spacings is None else spacings:
        if every >= n:
            break
        if n / every > length / max(apart, 1.0) + 1:
            # more labels than the axis has gaps for: none fit (not made: a 20,000,000-step
            # overview's strip made and measured a label for every step, then every 2nd ...,
            # minutes and gigabytes on the window's thread)
            continue
        start = -(-int(first) // every) * every
        values = range(start, first + n, every)
        if len(values) < 2:
            continue
        labels = tick_labels(values)
        widths = [metrics.horizontalAdvance(t) for t in labels]
        if (values[-1] - first + 0.5) * px + widths[-1] / 2 > length + 2:
            continue
        if all(every * px >= (a + b) / 2 + apart for a, b in zip(widths, widths[1:])):
            return list(zip((float(v) for v in values), labels))
    return []


def _fit_counts(axis: pg.AxisItem | None) -> None:
    if axis is None or not shiboken6.isValid(axis):  # a resize while the plot is deleted
        return
    ticks = counted_ticks(axis, *axis._lstmviz_counts)
    if axis.orientation in ("top", "bottom") and ticks:
        # the first count's label may stand half out of the axis's left end ('0' under a
        # heatmap's first column of 2 px): pyqtgraph left out every label that does not fit
        # inside, so a narrow heatmap's step axis said only '20'
        font = axis.style.get("tickFont") or axis.font()
        over = math.ceil(QtGui.QFontMetricsF(font).horizontalAdvance(ticks[0][1]) / 2) + 1
        if axis.style["hideOverlappingLabels"] != over:
            axis.setStyle(hideOverlappingLabels=over)
    if axis.autoSIPrefix or axis.autoSIPrefixScale != 1.0 or axis.labelUnitPrefix != "":
        # (only then is its label set anew: ~0.1 ms an axis, at every new window of steps)
        axis.enableAutoSIPrefix(False)
        axis.autoSIPrefixScale, axis.labelUnitPrefix = 1.0, ""  # what the range just set (0.001, "m")
        axis._updateLabel()
    below = getattr(axis, "_lstmviz_below", None)
    if below is not None and ticks and axis.orientation in ("left", "right"):
        ticks = _above_bottom(axis, ticks, below)
    if getattr(axis, "_lstmviz_rows", False):
        labelled = _row_labels(axis, axis._lstmviz_counts[0], list(axis._lstmviz_counts[3]))
        kept = {v for v, _ in labelled}
        set_ticks(axis, [labelled, [(float(v), "") for v, _ in axis._lstmviz_counts[3] if float(v) not in kept]])
        return
    set_ticks(axis, [ticks, []])


def _row_labels(axis: pg.AxisItem, n: int, given: list) -> list:
    """The row ticks of ``given`` (``count_axis(rows=True)``) labelled along vertical
    ``axis`` of ``n`` rows at its present height: every one where a digit's height and two
    pixels fit a row, else every k-th from the first at the finest round k (2, 3, 4, 5,
    10, ...) whose labels stand that far apart; all before the axis has a size."""
    length = axis.height()
    if length <= 1 or n < 1 or len(given) < 2:
        return [(float(v), t) for v, t in given]
    metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font())
    apart = metrics.tightBoundingRect("0123456789").height() + 2  # (digits two pixels apart)
    per = length / n * (float(given[1][0]) - float(given[0][0]))  # px between given ticks
    for k in (1, 2, 3, 4, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if k * per >= apart:
            return [(float(v), t) for v, t in given[::k]]
    return [(float(v), t) for v, t in given[:1]]


def counted_ticks(axis: pg.AxisItem, n: int, first: int = 0, max_ticks: int = 16, given=None,
                  place=None, middle: bool = False) -> list:
    """The ticks ``count_axis(axis, n, first, max_ticks, given, place, middle)`` gives
    ``axis`` at its present size (its first level), without giving them."""
    horizontal = axis.orientation in ("top", "bottom")
    font = axis.style.get("tickFont") or axis.font()
    # alike axes (a seek's six heatmaps' step axes) fit the same counts once
    key: tuple | None = (n, first, max_ticks, None if given is None else tuple(given), horizontal,
                         axis.width() if horizontal else axis.height(), font.key(), middle)
    try:
        ticks = _FITTED.get(key)
    except TypeError:  # ticks given as lists: fitted each time
        ticks = key = None
    if ticks is None:
        ticks = _fit(axis, n, first, max_ticks, given, middle)
        if key is not None:
            if len(_FITTED) > 256:
                _FITTED.clear()
            _FITTED[key] = ticks
    if place is not None:
        ticks = [(place(v), text) for v, text in ticks]
    if horizontal and ticks and getattr(axis, "_lstmviz_inside", False):
        ticks = _inside_right(axis, ticks, font)
    return list(ticks)


def labels_inside(axis: pg.AxisItem) -> None:
    """``count_axis`` keeps ``axis``'s labels inside its right end, where a colour bar
    stands (a heatmap's step axis): a label that would run past it is left out, the tick
    stays. A long input's window under a narrow heatmap (800 x 600 beside the side panel)
    had one label, '149,800', wider than the image, half of it under the colour bar."""
    axis._lstmviz_inside = True


def labels_above_bottom(axis: pg.AxisItem, room: float | None) -> None:
    """A vertical ``count_axis``'s labels stand at most ``room`` px past its bottom end (the
    widget's edge below it); one that would run further keeps its tick, not its label.
    None: as far as pyqtgraph lets them. Over time's heatmaps at their least margins: the
    last unit's label ("5" of 6 units, "500" of 512) was cut by the widget's edge."""
    if getattr(axis, "_lstmviz_below", None) != room:
        axis._lstmviz_below = room
        if getattr(axis, "_lstmviz_counts", None) is not None:
            _fit_counts(axis)


def _above_bottom(axis: pg.AxisItem, ticks: list, room: float) -> list:
    """``ticks`` of vertical ``axis``, labelled where the label (centred on its tick) ends
    within ``room`` px past the axis's bottom end, at its present range and height (as
    pyqtgraph places them); as they are before the axis has a size."""
    r0, r1 = (float(v) for v in axis.range)
    height = axis.height()
    if height <= 1 or r1 == r0:
        return ticks
    half = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font()).height() / 2
    return [(v, text if height - (float(v) - r0) * height / (r1 - r0) + half <= height + room else "")
            for v, text in ticks]


def _inside_right(axis: pg.AxisItem, ticks: list, font: QtGui.QFont) -> list:
    """``ticks`` whose labels end inside horizontal ``axis``'s right end (2 px of slack),
    at its present range and width; as they are before the axis has a size."""
    lo, hi = (float(v) for v in axis.range)
    width = axis.width()
    if width <= 1 or not hi > lo:
        return ticks
    metrics = QtGui.QFontMetricsF(font)
    return [(v, text) for v, text in ticks
            if (v - lo) / (hi - lo) * width + metrics.horizontalAdvance(text) / 2 <= width + 2]


#: Room a value axis's major label needs between ticks, in its font's line heights (80%
#: of it is what pyqtgraph counts a label's height: its crowding rule's measure)
LABEL_ROOM = 1.0


_LINE_HEIGHTS: dict[str, float] = {}


def _line_height(key: str, font: QtGui.QFont) -> float:
    """``font``'s line height in pixels, measured once for each font (``key``)."""
    height = _LINE_HEIGHTS.get(key)
    if height is None:
        if len(_LINE_HEIGHTS) > 64:
            _LINE_HEIGHTS.clear()
        height = _LINE_HEIGHTS[key] = QtGui.QFontMetricsF(font).height()
    return height


class UncrowdedLabels:
    """An ``AxisItem`` mixin: a value axis' major labels never over one another
    (``tickSpacing``). The value axes of the views' plots, a grid's too (``GridAxis``)."""

    #: the line heights a major label needs between ticks (``LABEL_ROOM``; more on an axis
    #: whose labels should stand apart: ``ValueAxis``)
    label_room = LABEL_ROOM
    #: the major labels a wider step leaves at least (else they stay closer)
    least_labels = 1
    #: a step of 3, 6 or 8 x 10^k where the step that fits leaves one label at most (a colour bar's
    #: axis: ``ColorBar``; a chart's value axis keeps 0 alone rather than take the room of
    #: its other axis: the Cell view's unit axes at 800 x 600 kept one label then)
    odd_steps = False

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        """pyqtgraph's tick values, in its steps, a lower level's tick within a hundredth
        of its spacing of a higher level's left out by one comparison of the differences,
        as ``np.isclose(rtol=0)`` compares them (its Python, ~30 us a level, three levels
        an axis, was a third of laying out a colour bar's axis: three of them at an edit in
        Over time); pyqtgraph's own on a log axis or at numbers that are not finite."""
        lo, hi = sorted((minVal, maxVal))
        scale = self.scale
        if self.logMode or not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(scale)) or not scale:
            return super().tickValues(minVal, maxVal, size)
        lo *= scale
        hi *= scale
        ticks = []
        seen = np.array([])
        for spacing, offset in self.tickSpacing(lo, hi, size):
            start = (math.ceil((lo - offset) / spacing) * spacing) + offset
            num = int((hi - start) / spacing) + 1
            values = (np.arange(num) * spacing + start) / scale
            if seen.size:
                near = np.abs(seen - values[:, np.newaxis]) <= spacing / scale * 0.01
                values = values[~near.any(axis=-1)]
            seen = np.concatenate([seen, values])
            ticks.append((spacing / scale, values.tolist()))
        return ticks

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        """pyqtgraph's tick levels; on a value axis (left or right) whose major labels
        would overlap, a wider major step (the next of 1, 2, 4, 5 x 10^k: -0.4, 0, 0.4
        where 0.5 would leave 0 alone) and the old one as its minor ticks. pyqtgraph draws
        its first level's labels however crowded (its crowding rule spares that level): a
        Cell tab chart 52 px tall in the projector theme wrote 0, 0.2, ... 1.0 over each
        other. A label needs ``label_room`` of its font's line height between ticks."""
        levels = super().tickSpacing(minVal, maxVal, size)
        dif = abs(maxVal - minVal)
        if self.orientation not in ("left", "right") or not levels or dif == 0 or size <= 0:
            return levels
        font = self.style["tickFont"] or QtGui.QFont()
        line = _line_height(font.key(), font)
        major = levels[0][0]
        if major * size / dif >= self.label_room * line:
            return levels
        lo, hi = min(minVal, maxVal), max(minVal, maxVal)

        def digits(step: float) -> tuple[int, int]:  # (m, e) of m x 10^e
            m, e = f"{step:e}".split("e")
            return round(float(m)), int(e)

        def step_after(step: float) -> float:
            m, e = digits(step)
            return {1: 2.0, 2: 4.0, 4: 5.0}.get(m, 10.0) * 10.0 ** e

        def labels(step: float) -> int:
            return math.floor(hi / step) - math.ceil(lo / step) + 1

        wider = major
        while wider * size / dif < self.label_room * line and wider < dif:
            if self.least_labels > 1 and labels(step_after(wider)) < self.least_labels:
                break  # (closer than ``label_room``, rather than fewer labels than that)
            wider = step_after(wider)
        if digits(wider)[0] == 4 and labels(step_after(wider)) >= 2:
            wider = step_after(wider)  # 0, 0.5, 1 rather than 0, 0.4, 0.8
        if labels(wider) < 2 and self.odd_steps:
            # a step of 3, 6 or 8 x 10^k where the step that fits leaves one label at most: a
            # colour bar of +-0.35 on 48 px (projector, 800 x 600) read "0" alone (0.2 too
            # close, +-0.4 past its ends): -0.3, 0, 0.3 there; one of -0.64 .. 0.9 (levels
            # +-0.9, k3_around_rnn's candidate) "0" alone too (0.5 too close, 1 past its
            # ends): -0.8, 0, 0.8
            e = digits(wider)[1]
            for step in sorted(m * 10.0 ** k for k in (e - 1, e) for m in (3.0, 6.0, 8.0)):
                if major < step < wider and step * size / dif >= self.label_room * line and labels(step) >= 2:
                    wider = step
                    break
        return [(wider, 0), (major, 0)]


class ValueAxis(UncrowdedLabels, pg.AxisItem):
    """pyqtgraph's value axis with its major labels two line heights apart (a wider step
    where they would be closer), but two labels at least where the axis spans two of a
    step: Units at scale's curves, whose value axis wrote five labels in ~80 px at 760 x
    540 ("0.54 0.52 0.50 0.48 0.46", a column of numbers, not a scale)."""

    label_room = 2.0
    least_labels = 2


class KeptLabel:
    """An ``AxisItem`` mixin: its label's text given to Qt only when it changed. pyqtgraph
    sets it again at every new range (where the range could change its SI prefix): the same
    HTML laid out anew in a ``QGraphicsTextItem`` (nine axes of Over time at an edit of
    ``units``, six unit axes and three colour bars). The rest is pyqtgraph's: the axis's
    size fitted, its picture drawn anew."""

    def _updateLabel(self):  # noqa: N802 (pyqtgraph's name)
        html = self.labelString()
        if html != self.__dict__.get("_label_html"):
            self.label.setHtml(html)
            self._label_html = html
        self._adjustSize()
        self.picture = None
        self.update()


class KeptAxis(KeptLabel, pg.AxisItem):
    """pyqtgraph's axis, its label's text given to Qt only when it changed (``KeptLabel``):
    a plot's top and right axes (``add_plot``)."""


class SteadyAxis(KeptLabel, UncrowdedLabels, CommaRoom):
    """An ``AxisItem`` whose bounds are measured once for each geometry: pyqtgraph's
    ``boundingRect`` (Python, ~10 us) is asked some twenty times an axis at every repaint of
    its view (by Qt, and by pyqtgraph for each tick label it places). An axis with a grid
    spans its view's rectangle: measured each time, as pyqtgraph does."""

    _bounds: tuple = (None, None, None)
    #: generateDrawSpecs' answers (shared: alike axes, a seek's six heatmaps', make them once)
    _specs: dict = {}
    #: what a step axis painted into its pixmap cache, for alike axes (see ``paint``)
    _drawn: dict = {}
    _spec_height: float | None = None  # (generateDrawSpecs' text height, its own steps)
    _last_state: tuple | None = None  # the painter's state at its last paint into its cache

    def boundingRect(self):  # noqa: N802 (Qt's name)
        if self.grid is not False:
            return super().boundingRect()
        geometry = self.geometry()
        levels = self._tickLevels
        several = bool(levels) and len(levels[0]) > 1
        counted = (self.orientation == "bottom" and getattr(self, "_lstmviz_counts", None) is not None
                   and not isinstance(self.style["hideOverlappingLabels"], bool))
        key = (self.style["tickLength"], self.style["hideOverlappingLabels"], several,
               (tuple(levels[0]), tuple(self.range)) if counted and levels else None)
        known, known_key, rect = self._bounds
        if known is None or key != known_key or geometry != known:
            rect = super().boundingRect()
            if counted:
                own = self.mapRectFromParent(geometry)
                if several:
                    # a count axis (``count_axis``) lets its first label stand half out at the
                    # left (the empty corner under the left axis), not its last at the right:
                    # a colour bar or the next chart stands there, and a step 3 columns from a
                    # long input's window's end was labelled half under the colour bar ("15014").
                    # Its only label stays (a narrow heatmap's axis was left without a number)
                    rect.setRight(min(rect.right(), own.right() + 2))
                if key[3] is not None:
                    self._labels_only(rect, own)
            self._bounds = (geometry, key, rect)
        return QtCore.QRectF(rect)

    def _follows_labels(self) -> bool:
        """Whether this axis's bounds follow its labels (``_labels_only``): a count axis
        along the bottom that lets its labels stand past its ends."""
        return (self.orientation == "bottom" and getattr(self, "_lstmviz_counts", None) is not None
                and not isinstance(self.style["hideOverlappingLabels"], bool))

    def setTicks(self, ticks):  # noqa: N802 (pyqtgraph's name)
        if self._follows_labels():
            self.prepareGeometryChange()  # (Qt repaints where it painted it last, as the bounds change)
        super().setTicks(ticks)

    def setRange(self, mn, mx):  # noqa: N802 (pyqtgraph's name)
        if hasattr(self, "range") and (mn, mx) != tuple(self.range) and self._follows_labels():
            self.prepareGeometryChange()
        super().setRange(mn, mx)

    def _labels_only(self, rect: QtCore.QRectF, own: QtCore.QRectF) -> None:
        """A count axis's bounds past its own ends trimmed to where its labels stand (each
        as wide as pyqtgraph measures it, and a pixel or two more): Qt repaints what an
        item's bounds cover when its ticks change, and a step axis's room for a label at
        either end reached into the colour bar beside its heatmap and the unit axis
        before it, repainted at every seek though no label stood there."""
        font = self.style["tickFont"] or self.font()
        metrics = QtGui.QFontMetricsF(font)
        r0, r1 = self.range[0], self.range[1]
        scale = own.width() / (r1 - r0) if r1 != r0 else 0.0
        lo, hi = own.left() - 2, own.right() + 2  # (the axis line runs a pixel past its ends)
        for v, text in self._tickLevels[0]:
            # (every label's room, within pyqtgraph's bounds: a label that fits those fits
            # these, one that does not fits neither)
            x = (float(v) - r0) * scale + own.left()
            half = math.ceil(metrics.horizontalAdvance(str(text))) / 2.0 + 3.0
            lo, hi = min(lo, x - half), max(hi, x + half)
        rect.setLeft(max(rect.left(), math.floor(lo)))
        rect.setRight(min(rect.right(), math.ceil(hi)))

    def _steady(self) -> bool:
        """Whether this axis is what ``generateDrawSpecs`` makes in its own steps: a step
        axis (bottom, given ticks of one level, no grid, plain style), or a left axis of
        the same kind (the counts of units under the heatmaps, ``count_axis``: an edit of
        ``units`` gave Over time's six alike unit axes a new range, each laid out and drawn)."""
        levels, st = self._tickLevels, self.style
        return not (self.orientation not in ("bottom", "left") or levels is None or len(levels) != 2 or levels[1]
                    or not levels[0] or self.grid is not False or st["stopAxisAtTick"] != (False, False)
                    or st["tickAlpha"] is not None or not st["showValues"] or st["maxTextLevel"] < 0
                    or self.logMode)

    def _look(self) -> tuple | None:
        """What this step axis's picture is made of (its ticks, place, size, range, style,
        pens and font), or None for an axis drawn as pyqtgraph draws it."""
        st = self.style
        if not self._steady() or st["tickFont"] is None:
            return None
        try:
            return (tuple(self._tickLevels[0]), self.mapRectFromParent(self.geometry()).getRect(),
                    self.boundingRect().getRect(), tuple(self.range), st["tickLength"], tuple(st["tickTextOffset"]),
                    st["tickFont"].key(), self.orientation, _pen_key(self.tickPen()), _pen_key(self.pen()),
                    _pen_key(self.textPen()))
        except TypeError:  # (ticks given as lists)
            return None

    def _cache_state(self, p) -> tuple | None:
        return cache_state(self, p)

    def paint(self, p, opt, widget):
        """pyqtgraph's paint (a picture made for new ticks, played at each paint); and an
        axis kept as a pixmap (``cache_pixels``) alike to one painted before (the same
        ticks, place, size, range, style, and the same painter's transform, size and
        hints: a seek's six heatmaps' step axes) copies that one's pixmap instead of
        making and playing a picture (~0.15 ms an axis, its labels laid out anew). Qt
        paints a cached item alone into a transparent pixmap of its bounds on the device,
        so an alike axis's pixmap holds the very pixels it would paint."""
        density.axis_ratio(self, density.ratio_of(p))  # (its picture drawn with the pens of p's density)
        state = self._cache_state(p) if self.picture is None else None
        if state is not None:
            self._last_state = state
        look = self._look() if state is not None else None
        if look is not None:
            known = SteadyAxis._drawn.get((look, state))
            if known is not None:
                pixmap, height = known
                self._updateMaxTextSize(height)  # (as generateDrawSpecs does)
                p.save()
                p.resetTransform()
                p.drawPixmap(0, 0, pixmap)
                p.restore()
                return  # (its picture is made when it is painted otherwise)
        if self.picture is None:
            self._spec_height = None
            self.picture = axis_picture(self)
        self.picture.play(p)
        if look is not None and self._spec_height is not None:
            if len(SteadyAxis._drawn) > 16:
                SteadyAxis._drawn.clear()
            SteadyAxis._drawn[(look, state)] = (p.device().copy(), self._spec_height)

    def generateDrawSpecs(self, p):  # noqa: N802 (pyqtgraph's name)
        """pyqtgraph's specs (lines, ticks and labels in the same places: tests compare
        them), made in fewer steps (``_made_specs``) for an axis without a grid; a step
        axis's (a bottom axis of given ticks, one level, no grid: a new window of steps
        gives every step axis new ticks at each seek) shared between alike axes, made
        once; an axis with a grid as pyqtgraph makes it."""
        levels, st = self._tickLevels, self.style
        if not self._steady():
            if self.grid is not False or st["stopAxisAtTick"] != (False, False):
                return super().generateDrawSpecs(p)
            return self._made_specs(p)
        if st["tickFont"] is not None:
            p.setFont(st["tickFont"])
        # the six heatmaps' step axes are alike (size, range, ticks, font, pens): made once
        spec_key: tuple | None = (
            p.font().key(), type(p.device()), self.mapRectFromParent(self.geometry()).getRect(),
            self.boundingRect().getRect(), tuple(self.range), tuple(levels[0]), st["tickLength"],
            tuple(st["tickTextOffset"]), self.orientation, _pen_key(self.tickPen()), _pen_key(self.pen()))
        try:
            known = SteadyAxis._specs.get(spec_key)
        except TypeError:  # ticks given as lists: made each time
            known = spec_key = None
        if known is not None:
            specs, height = known
            self._updateMaxTextSize(height)
            self._spec_height = height
            return specs
        specs = self._made_specs(p)
        if specs is not None and spec_key is not None:
            if len(SteadyAxis._specs) > 64:
                SteadyAxis._specs.clear()
            SteadyAxis._specs[spec_key] = (specs, self._spec_height)
        return specs

    def _measurer(self, p):
        """A label's size as pyqtgraph measures it with ``p`` (its ``boundingRect``, 80% of
        its height), each text measured once for this axis and font (~10 us a label)."""
        sizes = self.__dict__.setdefault("_lstmviz_text_sizes", {})
        key = (p.font().key(), type(p.device()))

        def measure(text: str) -> QtCore.QRectF:
            br = sizes.get((key, text))
            if br is None:
                br = p.boundingRect(QtCore.QRectF(0, 0, 100, 100), QtCore.Qt.AlignmentFlag.AlignCenter, text)
                br.setHeight(br.height() * 0.8)  # as pyqtgraph: its boundingRect is a bit too large
                if len(sizes) > 4096:
                    sizes.clear()
                sizes[(key, text)] = br
            return br
        return measure

    def _made_specs(self, p):
        """``AxisItem.generateDrawSpecs`` of an axis without a grid (and not stopped at its
        ticks), step for step: the same tick levels and labels (pyqtgraph's ``tickValues``
        and ``tickStrings``), lengths, alphas, places and the same crowding rule; labels
        measured once (``_measurer``), the axis's bounds asked once, ticks' ends as
        ``QPointF``. An edit lays out a dozen axes anew (the Cell tab's nine charts): ~0.6
        ms an axis in pyqtgraph's steps."""
        st = self.style
        if st["tickFont"] is not None:
            p.setFont(st["tickFont"])
        bounds = self.mapRectFromParent(self.geometry())
        side = self.orientation
        point = QtCore.QPointF
        if side == "left":
            span = (bounds.topRight() + point(-1.0, -1.0), bounds.bottomRight() + point(-1.0, 1.0))
            stop, direction, axis = bounds.right(), -1, 0
        elif side == "right":
            span = (bounds.topLeft() + point(1.0, -1.0), bounds.bottomLeft() + point(1.0, 1.0))
            stop, direction, axis = bounds.left(), 1, 0
        elif side == "top":
            span = (bounds.bottomLeft() + point(-1.0, -1.0), bounds.bottomRight() + point(1.0, -1.0))
            stop, direction, axis = bounds.bottom(), -1, 1
        else:
            span = (bounds.topLeft() + point(-1.0, 1.0), bounds.topRight() + point(1.0, 1.0))
            stop, direction, axis = bounds.top(), 1, 1
        linked = self.linkedView()
        grid = self.grid is not False and linked is not None
        if grid:  # (its ticks are grid lines across the linked view, from its far side)
            far = linked.mapRectToItem(self, linked.boundingRect())
            start = {"left": far.right(), "right": far.left(), "top": far.bottom(), "bottom": far.top()}[side]
        ends = [self.mapToDevice(x) for x in span]
        if None in ends:
            return None
        d = ends[1] - ends[0]
        pixels = (d.x() ** 2 + d.y() ** 2) ** 0.5  # (as pyqtgraph's Point.length)
        if pixels == 0:
            return None
        if self._tickLevels is None:
            levels = self.tickValues(self.range[0], self.range[1], pixels)
            given = None
        else:
            levels = [(None, [v for v, _ in level]) for level in self._tickLevels]
            given = [[s for _, s in level] for level in self._tickLevels]
        r0, r1 = self.range[0], self.range[1]
        dif = r1 - r0
        if dif == 0:
            scale, offset = 1, 0
        elif axis == 0:
            scale = -bounds.height() / dif
            offset = r0 * scale - bounds.height()
        else:
            scale = bounds.width() / dif
            offset = r0 * scale
        ends_x = [x * scale - offset for x in self.range]
        lo, hi = min(ends_x), max(ends_x)
        alpha, base = st["tickAlpha"], self.tickPen()
        solid = base.brush().style() == QtCore.Qt.BrushStyle.SolidPattern
        places, tick_specs = [], []
        for i, (_, ticks) in enumerate(levels):
            tip = stop + st["tickLength"] / ((i * 0.5) + 1.0) * direction
            if alpha is None:
                line_alpha = 255 / (i + 1)
                if grid:  # (pyqtgraph's: fainter where the lines stand closer)
                    line_alpha *= self.grid / 255. * min(max(0.05 * pixels / (len(ticks) + 1), 0.0), 1.0)
            elif isinstance(alpha, float):
                line_alpha = min(255, max(0, int(round(alpha * 255))))
            elif isinstance(alpha, int) and 0 <= alpha <= 255:
                line_alpha = alpha
            else:
                return super().generateDrawSpecs(p)  # (pyqtgraph says what is wrong)
            pen = base
            if solid:
                pen = QtGui.QPen(base)
                color = QtGui.QColor(pen.color())
                color.setAlpha(int(line_alpha))
                pen.setColor(color)
            at: list = []
            for v in ticks:
                x = v * scale - offset
                if x < lo or x > hi:
                    at.append(None)
                    continue
                at.append(x)
                if grid:
                    tick_specs.append((pen, point(start, x), point(stop, x)) if axis == 0 else
                                      (pen, point(x, start), point(x, stop)))
                elif axis == 0:
                    tick_specs.append((pen, point(stop, x), point(tip, x)))
                else:
                    tick_specs.append((pen, point(x, stop), point(x, tip)))
            places.append(at)
        axis_spec = (self.pen(), span[0], span[1])
        text_specs: list = []
        if not st["showValues"]:
            return axis_spec, tick_specs, text_specs
        measure = self._measurer(p)
        gap = max(0, st["tickLength"]) + st["tickTextOffset"][axis]
        box = self.boundingRect()
        flags = QtCore.Qt.TextFlag.TextDontClip | {
            "left": QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter,
            "right": QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
            "top": QtCore.Qt.AlignmentFlag.AlignHCenter | QtCore.Qt.AlignmentFlag.AlignBottom,
            "bottom": QtCore.Qt.AlignmentFlag.AlignHCenter | QtCore.Qt.AlignmentFlag.AlignTop}[side]
        measured: list = []  # every label measured so far, all levels (pyqtgraph's textRects)
        last_size2 = 0
        for i in range(min(len(levels), st["maxTextLevel"] + 1)):
            if given is None:
                spacing, values = levels[i]
                strings = list(self.tickStrings(values, self.autoSIPrefixScale * self.scale, spacing))
            else:
                strings = list(given[i])
            if not strings:
                continue
            rects: list = []
            for j, text in enumerate(strings):
                if places[i][j] is None:
                    strings[j] = None
                    rects.append(None)
                else:
                    rects.append(measure(text))
                    measured.append(rects[-1])
            if measured:
                along = [r.height() if axis == 0 else r.width() for r in measured]
                across = [r.width() if axis == 0 else r.height() for r in measured]
                size, size2 = np.sum(along), np.max(across)  # (as pyqtgraph sums them)
            else:
                size = size2 = 0
            if i > 0 and any(len(text_specs) >= n and float(size) / pixels >= limit
                             for n, limit in st["textFillLimits"]):
                break  # too crowded: no labels of this level or finer
            last_size2 = size2
            for j, text in enumerate(strings):
                if text is None:
                    continue
                x, br = places[i][j], rects[j]
                h, w = br.height(), br.width()
                if side == "left":
                    rect = QtCore.QRectF(stop - gap - w, x - (h / 2), w, h)
                elif side == "right":
                    rect = QtCore.QRectF(stop + gap, x - (h / 2), w, h)
                elif side == "top":
                    rect = QtCore.QRectF(x - w / 2., stop - gap - h, w, h)
                else:
                    rect = QtCore.QRectF(x - w / 2., stop + gap, w, h)
                if box & rect == rect:
                    text_specs.append((rect, flags, text))
        self._updateMaxTextSize(last_size2)
        self._spec_height = last_size2  # (a step axis's pixmap, shared: ``paint``)
        return axis_spec, tick_specs, text_specs


def cache_state(item: QtWidgets.QGraphicsItem, p: QtGui.QPainter) -> tuple | None:
    """The painter's state when Qt paints ``item``, alone, into its pixmap cache
    (``cache_pixels``): the whole pixmap, transparent, at the item's place (its transform,
    the pixmap's size and ratio, the hints); else None (a direct paint, a part exposed)."""
    device = p.device()
    if (item.cacheMode() != QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
            or not isinstance(device, QtGui.QPixmap) or p.hasClipping() or p.opacity() != 1.0
            or p.compositionMode() != QtGui.QPainter.CompositionMode.CompositionMode_SourceOver
            or p.backgroundMode() != QtCore.Qt.BGMode.TransparentMode):
        return None
    t = p.transform()
    # Qt's cache pixmap spans the item's bounds on the device and a pixel more each way (in
    # logical pixels: its size that rectangle's times the device's ratio, rounded as Qt does)
    rect = t.mapRect(item.boundingRect()).toRect().adjusted(-1, -1, 1, 1)
    if rect.topLeft() != QtCore.QPoint(0, 0) or rect.size() * device.devicePixelRatio() != device.size():
        return None
    return (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), device.width(), device.height(),
            device.devicePixelRatio(), int(p.renderHints().value))


def _pen_key(pen: QtGui.QPen) -> tuple:
    """What of a pen an axis's specs hold (its lines are drawn with it)."""
    return (pen.color().rgba(), pen.widthF(), pen.style(), pen.capStyle(), pen.joinStyle(), pen.isCosmetic(),
            pen.brush().style())


def steady_axes(*sides: str) -> dict:
    """``axisItems`` for a plot whose ``sides`` are ``SteadyAxis``."""
    return {side: SteadyAxis(side) for side in sides}


def quiet_axes(plot: pg.PlotItem) -> pg.PlotItem:
    """``plot``'s hidden sides that are pyqtgraph's own axes made ``KeptAxis``, for a plot
    not made by ``add_plot`` (still hidden, still linked to its view, which sets their same
    empty label at every new range: an edit of ``units``, thirteen in the Cell tab, six in
    Over time, ~35 us each; one shown later draws as pyqtgraph's); the plot."""
    hidden = [side for side in ("left", "bottom", "right", "top")
              if type(plot.getAxis(side)) is pg.AxisItem and not plot.getAxis(side).isVisible()]
    if hidden:
        plot.setAxisItems({side: KeptAxis(side) for side in hidden})  # (pyqtgraph shows them)
        for side in hidden:
            plot.showAxis(side, False)
    return plot


def bar_number(value: float) -> str:
    """A colour bar's end as its tooltip writes it: two significant digits ("-0.47", "1.2")."""
    text = f"{value:.2g}"
    return "0" if text == "-0" else text


def bar_end(value: float) -> float:
    """``value`` to one significant digit, toward 0 (0.97 -> 0.9, -0.47 -> -0.4, 12 -> 10):
    a colour bar's label near its end, within it, no wider than its odd steps' labels."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    e = math.floor(math.log10(abs(value)))
    digit = min(9, math.floor(abs(value) / 10.0 ** e + 1e-9))
    return math.copysign(float(f"{digit}e{e}"), value)


def bar_end_text(value: float) -> str:
    """A ``bar_end`` as its label: "0.9", "-0.04", "10"."""
    if value == 0:
        return "0"
    return f"{value:.{max(0, -math.floor(math.log10(abs(value))))}f}"


class _BarAxis(SteadyAxis):
    """A ``ColorBar``'s axis: a new tick font widens the bar's value axis to its labels
    (``ColorBar.fit_labels``)."""

    _bar = None  # (a weak reference to the bar whose value axis this is)
    #: what a value axis shows in place of one lone label (``tickValues``): () pyqtgraph's
    #: labels, (lo, hi) its ends, or None: no label, the range in its tooltip
    _ends: tuple | None = ()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        """The labels ``UncrowdedLabels`` gives, but never one alone: a signed bar 29 px tall
        (Over time's c, h and candidate beside a Bidirectional model's header at 800 x 600)
        read "0" alone, no scale. Near its two ends instead (``bar_end``: -0.9 and 0.9 of
        +-0.97, a digit as the odd steps' labels, as wide) where the axis holds them
        ``label_room`` line heights apart, else no label and its range in the tooltip."""
        ticks = super().tickValues(minVal, maxVal, size)
        lo, hi = sorted((minVal, maxVal))
        ends: tuple | None = ()
        if (self.orientation in ("left", "right") and ticks and len(ticks[0][1]) < 2
                and math.isfinite(lo) and math.isfinite(hi) and hi > lo):
            font = self.style["tickFont"] or QtGui.QFont()
            a, b = bar_end(lo), bar_end(hi)
            apart = (b - a) / (hi - lo) * size >= self.label_room * _line_height(font.key(), font)
            ends = (a, b) if b > a and apart else None
        if ends != self._ends:
            self._ends = ends
            self.setToolTip(f"colours from {bar_number(lo)} to {bar_number(hi)}" if ends is None else "")
        if ends == ():
            return ticks
        return [(hi - lo, list(ends) if ends else [])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph)
        if self._ends and list(values) == list(self._ends):
            return [bar_end_text(v * scale) for v in values]
        return super().tickStrings(values, scale, spacing)


#: Qt's largest widget size (``QWIDGETSIZE_MAX``): no maximum
QWIDGETSIZE_MAX = 16777215


class RowLegend(pg.LegendItem):
    """A legend in a row of its own between a plot's title and its view (where pyqtgraph
    keeps the hidden top axis), or at the right end of the title's row (``beside_title``),
    right-aligned: it takes a line or two of the plot's height at most and covers none of
    its curves. As many entries side by side as the plot's width holds (``fit``, at each
    resize and new entry); never wider than the plot. Not draggable.

    An entry may have shorter names (``set_names``): the first form that puts the entries
    in the fewest rows is shown (a narrow plot: the Train tab's loss legend beside the side
    panel in a projector's 1280 x 720 took three rows of its short plot); within
    ``limit_rows`` the first form that leaves no entry out (one metric's "train" and "val"
    rather than "+2 more" beside the loss at 800 x 600).

    In a row of its own it may take at most a number of rows (``limit_rows``), fewer where
    its view would be lower than a least height: the entries that do not fit then end in
    one "+N more", their names in its tooltip (the Train tab's metric plot with six AUCs
    left its curves a strip of 71 px under six rows of names)."""

    GAP = 10  # px between an entry's sample and label, and between entries
    _beside = False  # (beside_title)
    _shown = True  # (setVisible: a hidden legend beside a title keeps it no room)
    _below = False  # (beside a title: under it, where one column of entries is wider than its room)

    def __init__(self, plot: pg.PlotItem, beside_title: bool = False) -> None:
        """``beside_title``: in the title's row, at its right end (the title then left-
        aligned: ``theme.set_title(..., justify="left")``), where a short plot keeps its
        height for the curves."""
        # rows a line apart: each label's text has its document's margins of 4 px above and
        # below (spaced -4, two rows beside the Over time curves' title took 4 px more of
        # the projector theme's 800 x 600 window than its text)
        super().__init__(colCount=1, verSpacing=-8, horSpacing=self.GAP)
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.plot = plot
        self._beside = beside_title
        if beside_title:  # (the title's cell is the title's: the legend is placed over it)
            # a child of the plot, not of its title: a child of the title crashed Qt (a
            # segmentation fault) deleting the window after the Over time tab's entries
            # changed (a layer's kind, LSTM -> GRU)
            self.setParentItem(plot)
            self.setZValue(10)
            plot.titleLabel.geometryChanged.connect(self._place)
        else:
            plot.layout.removeItem(plot.getAxis("top"))  # hidden, never shown here
            plot.layout.addItem(self, 1, 1)
            plot.layout.setAlignment(self, QtCore.Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(10)  # the plot's width decides the columns, not the other way
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Maximum, QtWidgets.QSizePolicy.Policy.Preferred)
        self._names: dict[int, tuple[str, ...]] = {}  # id(item) -> (name, shorter names, ...)
        #: ``limit_rows``: the most rows (0: any), the view's least height, the "+N more"
        #: entry's text for N, the entries never counted in it (by id of their item), the
        #: entry itself, and what the layout holds (columns, the entries shown)
        self._rows_at_most = 0
        self._least = 0.0
        self._more_text = "+{} more".format
        self._kept: set[int] = set()
        self.more: pg.LabelItem | None = None
        self._laid: tuple | None = None
        plot.vb.sigResized.connect(lambda *_: self.fit())

    def limit_rows(self, rows: int, least: float = 0.0, more=None) -> None:
        """At most ``rows`` rows of entries (0: as many as they take), fewer where the view
        would be lower than ``least`` px; the entries that do not fit are left out, counted
        in a last entry ``more(N)`` (rich text; "+N more") whose tooltip names them.
        Beside a title only ``least`` holds: where the names' forms (``set_names``) would
        all take more rows than that leaves, their form of empty names (``_form``)."""
        self._rows_at_most, self._least = int(rows), float(least)
        if more is not None:
            self._more_text = more
        self._laid = None
        self.fit()

    def keep(self, item) -> None:
        """The entry of ``item`` is never left out for "+N more" (a key to the curves'
        line styles)."""
        self._kept.add(id(item))
        self._laid = None
        self.fit()

    def set_names(self, item, name: str, *shorter: str) -> None:
        """The entry of ``item`` named ``name`` (rich text, as ``LabelItem.setText`` takes
        it), or the first of the ``shorter`` forms where that puts the entries in fewer rows
        (the same form of every entry: "update", "epoch" beside "validation")."""
        self._names[id(item)] = (name, *shorter)
        self._laid = None  # (laid out again in the names' new text: another theme's)
        label = next(label for sample, label in self.items if sample.item is item)
        label.setText(name)
        self.fit()

    def addItem(self, item, name) -> None:  # noqa: N802 (pyqtgraph's name)
        super().addItem(item, name)
        self._laid = None
        self.fit()

    def removeItem(self, item) -> None:  # noqa: N802 (pyqtgraph's name)
        super().removeItem(item)
        self._kept.discard(id(item))
        self._laid = None
        if self._rows_at_most:
            self.fit()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (Qt's name)
        """Shown or hidden; beside a title, a hidden one keeps it no room (the whole title,
        its row the title's height: the connectivity plot of a model's own probe, one
        curve and no legend)."""
        super().setVisible(visible)
        if bool(visible) != self._shown:
            self._shown = bool(visible)
            if not self._beside:  # (in its row: a hidden one keeps the view no room either)
                self.setMaximumHeight(QWIDGETSIZE_MAX if visible else 0)
            if self._beside:
                self.fit()
                self._place()

    def updateSize(self) -> None:  # noqa: N802 (pyqtgraph's name)
        """pyqtgraph's (which puts the legend at (0, 0) of its parent); beside a title,
        placed at the title's right end (``_place``)."""
        if self._beside:
            super().updateSize()
            self._place()
            return
        # (in its row: where the plot's layout put it, not pyqtgraph's (0, 0); and the plot
        # laid out again: its layout, invalidated while it lays out the plot (a fit at the
        # view's resize), stayed so with no request to lay out again, the legend's rows
        # over the view)
        pos = self.pos()
        super().updateSize()
        self.setPos(pos)
        self.updateGeometry()
        QtWidgets.QApplication.postEvent(self.plot, QtCore.QEvent(QtCore.QEvent.Type.LayoutRequest))

    def _place(self) -> None:
        """Beside a title: as large as its entries, its right end at the title's, centred
        on the title's row."""
        title = self.plot.titleLabel
        # (not once the window's items are being deleted: the Train tab's loss plot's title
        # moved as its plot went, after this legend's layout)
        if not all(shiboken6.isValid(o) for o in (self, title, self.layout, self.plot.layout)) \
                or self.parentItem() is None:
            return
        size = self.layout.effectiveSizeHint(QtCore.Qt.SizeHint.PreferredSize)
        row = title.geometry()  # (in the plot's coordinates, the legend's parent's)
        # the title's row as tall as the title (as theme.set_title makes it) or the legend in
        # rows (a narrow plot), whichever is taller
        below = self._below and self._shown
        tall = title_height(title) if title.isVisible() else 0.0  # (a title hidden: no row of its own)
        height = (tall + size.height() if below else max(tall, size.height() if self._shown else 0.0))
        if abs(height - row.height()) > 0.5:
            title.setMaximumHeight(height)
            self.plot.layout.setRowFixedHeight(0, height)
            return  # (placed when the title's new geometry comes)
        top = row.top() + tall if below else row.center().y() - size.height() / 2
        self.setGeometry(row.right() - size.width(), top, size.width(), size.height())

    def fit(self) -> None:
        """The most entries side by side that fit the view's width (beside a title: what
        the title's text leaves of it)."""
        if self._rows_at_most and not self._beside:
            self._fit_limited()
            return
        room = self.plot.vb.width()
        if self._beside:
            # the title's short form where its whole one leaves the entries less than a
            # row (the Over time curves' "unit 0 over time" at 640 x 400: two rows of
            # entries left their plot 23 px)
            widths = [(sample.width(), label.item.boundingRect().width()) for sample, label in self.items]
            keep_beside_title(self.plot, self._need(widths, len(widths)) + 2 * self.GAP
                              if widths and self._shown else 0.0)
            if getattr(self.plot.titleLabel, "_lstmviz_shown", self.plot.titleLabel.text):  # (not its short form "")
                room -= self.plot.titleLabel.item.boundingRect().width() + 2 * self.GAP
            else:  # (the title given up: its row's room left of the view too, over no axis)
                room += self._left_room()
        names = [self._names.get(id(sample.item)) for sample, _ in self.items]
        texts = [label.text for _, label in self.items]
        if not any(names):
            widths = [(sample.width(), label.item.boundingRect().width()) for sample, label in self.items]
            cols = self._columns(widths, room)
        else:  # the whole names, unless shorter ones take fewer rows
            allowed = self._rows_allowed() if self._least and self._beside else 0
            wider, cols, form = self._form(names, room, allowed)
            if wider and self._beside:  # (under the title: the forms that fit its whole width)
                wider, cols, form = self._form(names, self.plot.vb.width(), 0)
            self._use_form(names, form)
        if self._beside:
            # an entry wider than the room the title leaves (the connectivity's "update 0: 0
            # at 4 of 10 steps" in a narrow plot, drawn over the title): the entries under
            # the title, at its right end, the whole title back
            widths = [(sample.width(), label.item.boundingRect().width()) for sample, label in self.items]
            below = self._shown and bool(widths) and self._need(widths, 1) > room
            if below:
                keep_beside_title(self.plot, 0.0)
                cols = self._columns(widths, self.plot.vb.width())
            if below != self._below:
                self._below = below
                self._place()
        if cols != self.columnCount:
            self.setColumnCount(cols)
        elif not self._beside or texts == [label.text for _, label in self.items]:
            return
        if self._beside:
            # as large as its entries now: placed only when the title moved, the loss legend
            # kept the size of its whole names ("train, per update") where shorter ones were
            # shown, its first sample 33 px left of the plot, cut off, until a resize
            self._place()

    def _left_room(self) -> float:
        """Beside a title given up (its short form ""): the room left of the view's column
        in the title's row, above the left axis (whose labels stand beside the view, below
        that row), into which the legend, right-aligned, reaches: the Train tab's loss
        legend at 800 x 600 beside a metric, 161 px over the view, named its curves in
        no form that fit (their samples alone); 215 px hold "update", "epoch", "val" in
        two rows."""
        if not shiboken6.isValid(self.plot.vb) or not shiboken6.isValid(self.plot.layout):
            return 0.0
        return max(0.0, self.plot.vb.geometry().left() - self.plot.layout.contentsRect().left())

    def _fit_limited(self) -> None:
        """``fit`` within ``limit_rows``: every entry where they take no more rows than it
        allows, else the first ones that do with "+N more" after them (the kept ones
        last)."""
        if not shiboken6.isValid(self.plot.vb):
            return
        lines = [label.item.boundingRect().height() for _, label in self.items]
        line = max(lines) if lines else 0.0
        # rows r of labels take r * line - 8 * (r - 1) px (spaced -8: __init__); the view's
        # height and this legend's are what the plot gives the two
        total = self.plot.vb.height() + (self.geometry().height() if self._laid else 0.0)
        rows = self._rows_at_most
        if line > 8 and self._least:
            rows = max(1, min(rows, int((total - self._least - 8) // (line - 8))))
        room = self.plot.vb.width()
        entries = [(sample, label) for sample, label in self.items if id(sample.item) not in self._kept]
        kept = [(sample, label) for sample, label in self.items if id(sample.item) in self._kept]
        names = [self._names.get(id(sample.item)) for sample, _ in self.items]
        if self.more is None:
            self.more = pg.LabelItem("", color=self.opts["labelTextColor"], justify="left",
                                     size=self.opts["labelTextSize"])
            self.more.setParentItem(self)
            cache_pixels(self.more)
        self.more.opts.update(color=self.opts["labelTextColor"], size=self.opts["labelTextSize"])  # (measured so)
        # each form of the names (``set_names``): the fewest entries left out, then the
        # longer form (within the rows allowed: a metric's Keras keys in two rows where
        # they fit, "train" and "val" where they would be left out), then the fewest rows
        best = None
        for form in range(max((len(n) for n in names if n), default=1)):
            widths_of = self._widths(names, form)
            width = {id(label): w for (_, label), w in zip(self.items, widths_of)}
            for cut in range(len(entries) + 1):
                shown = entries[:len(entries) - cut]
                widths = [width[id(label)] for _, label in shown] + [width[id(label)] for _, label in kept]
                if cut:
                    widths.insert(len(shown), (0.0, _text_width(self.more, self._more_text(cut))))
                cols = self._columns(widths, room)
                if -(-len(widths) // cols) <= rows:
                    break
            key = (cut, form, -(-len(widths) // cols))
            if best is None or key < best[0]:
                best = (key, cols, shown)
        assert best is not None
        (cut, form, _), cols, shown = best
        laid = (cols, cut, form, tuple(id(label) for _, label in shown))
        if laid == self._laid:
            return
        self._laid = laid
        self._use_form(names, form)
        for k in range(self.layout.count() - 1, -1, -1):
            self.layout.removeAt(k)
        place = [*shown, None, *kept] if cut else [*shown, *kept]
        for sample, label in self.items:
            sample.setVisible((sample, label) in place)
            label.setVisible((sample, label) in place)
        self.more.setVisible(bool(cut))
        if cut:
            self.more.setText(self._more_text(cut))
            self.more.setToolTip(", ".join(  # (their whole names)
                QtGui.QTextDocumentFragment.fromHtml(self._names.get(id(sample.item), (label.text,))[0])
                .toPlainText().replace("\u200b", "") for sample, label in entries[len(shown):]))
        for k, entry in enumerate(place):
            row, col = divmod(k, cols)
            if entry is None:
                self.layout.addItem(self.more, row, 2 * col, 1, 2)
            else:
                self.layout.addItem(entry[0], row, 2 * col, alignment=QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.layout.addItem(entry[1], row, 2 * col + 1)
        self.columnCount = cols
        self.rowCount = -(-len(place) // cols)
        self.updateSize()

    def _form(self, names: list, room: float, allowed: int) -> tuple[bool, int, int]:
        """The form of the names (``set_names``) that puts the entries in the fewest rows of
        ``room`` px, the first of those: (whether its names are wider than ``room`` even
        alone in a row, its columns, the form). Where more than ``allowed`` rows (0: any)
        would leave the view under its least height (``limit_rows``), a form of empty
        names (the samples alone, each name in its tooltip) rather than such rows."""
        best = None
        for form in range(max(len(n) for n in names if n)):
            widths = self._widths(names, form)
            cols = self._columns(widths, room)
            rows = -(-len(widths) // cols)
            # (a form whose names are wider than the plot, even alone in a row, last: at
            # 1024 x 768 in the projector theme "train, per update" was cut to "train, per u")
            wider = self._need(widths, 1) > room
            bare = all(n is None or not n[min(form, len(n) - 1)] for n in names)
            key = (wider or bool(allowed) and rows > allowed, bare, rows, form)
            if best is None or key < best[0]:
                best = (key, cols, wider)
        assert best is not None
        return best[2], best[1], best[0][3]

    def _rows_allowed(self) -> int:
        """Beside a title: the most rows of entries that leave the view its least height
        (``limit_rows``), one at least (the rows the title's row holds cost nothing)."""
        lines = [label.item.boundingRect().height() for _, label in self.items]
        line = max(lines, default=0.0)
        title = title_height(self.plot.titleLabel)

        def extra(rows: int) -> float:  # (rows r of labels take r * line - 8 * (r - 1) px: __init__)
            return rows * (line - 8) + 8 - (0.0 if self._below else title)

        budget = self.plot.vb.height() + max(0.0, extra(self.rowCount if self._shown else 0)) - self._least
        rows = 1
        while line > 8 and rows < len(lines) and extra(rows + 1) <= budget:
            rows += 1
        return rows

    def _widths(self, names: list, form: int) -> list:
        """The (sample, label) widths of the entries, each named by its form ``form`` (its
        shortest where it has fewer; an entry without forms its own text)."""
        return [(sample.width(),
                 _text_width(label, n[min(form, len(n) - 1)]) if n else label.item.boundingRect().width())
                for (sample, label), n in zip(self.items, names)]

    def _use_form(self, names: list, form: int) -> None:
        """Each entry named by its form ``form`` (``_widths``), its whole name in its
        sample's and label's tooltips (a form of empty names shows the samples alone)."""
        for (sample, label), n in zip(self.items, names):
            if n and label.text != n[min(form, len(n) - 1)]:
                label.setText(n[min(form, len(n) - 1)])
                tip = QtGui.QTextDocumentFragment.fromHtml(n[0]).toPlainText().replace("\u200b", "")
                sample.setToolTip(tip)
                label.setToolTip(tip)

    def _columns(self, widths: list, room: float) -> int:
        """The most columns of entries of (sample, label) ``widths`` that fit ``room``."""
        cols = max(1, len(widths))
        while cols > 1:
            if self._need(widths, cols) <= room:
                break
            cols -= 1
        return cols

    def _need(self, widths: list, cols: int) -> float:
        """The width entries of (sample, label) ``widths`` take in ``cols`` columns."""
        rows = [widths[k:k + cols] for k in range(0, len(widths), cols)]
        return sum(max(r[c][0] for r in rows if c < len(r)) + max(r[c][1] for r in rows if c < len(r))
                   for c in range(cols)) + self.GAP * (2 * cols - 1)

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 (Qt)
        ev.ignore()


def _text_width(label: pg.LabelItem, text: str) -> float:
    """The width ``label`` (a pyqtgraph ``LabelItem``) takes showing ``text`` in its
    style, without setting it (``theme.html_width``)."""
    opts = label.opts
    style = [f"color: {pg.mkColor(opts.get('color') or pg.getConfigOption('foreground')).name()}"]
    style += [f"font-size: {opts['size']}"] if "size" in opts else []
    style += [f"font-weight: {'bold' if opts['bold'] else 'normal'}"] if opts.get("bold") in (True, False) else []
    return html_width(label.item.font(), f"<span style='{'; '.join(style)}'>{text}</span>")


def keep_pixels(item) -> None:
    """``item`` and everything in it (a legend: its samples and rich-text labels) painted
    from pixmaps: a curve moving under it repaints it, and drawing its text every time costs
    more than the curve."""
    cache_pixels(item)
    for child in item.childItems():
        keep_pixels(child)
