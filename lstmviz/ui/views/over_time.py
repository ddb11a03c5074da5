"""The selected layer over time: a heatmap (units x steps) per gate, c and h, and the
selected unit's curves below, all with a cursor line at the current step.

Heatmaps are ``steps[key][sample].T`` (rows = units, columns = processing steps), with
levels fixed per trace: 0..1 for gates (sequential map), symmetric around 0 for signed
values (diverging map); a NaN cell in the theme's colour for no number, keyed "NaN" under
its colour bar (an infinity: the map's end colour). Masked steps (the layer's mask for the shown sample) are grey
columns in the heatmaps and grey bands behind the curves: there the states only carry
over. ``set_cursor`` moves lines; it calls ``setImage``/``setData``
only when the layer, side, sample or unit changed.

A layer that is not recurrent (a Conv1D, a pooling, an Embedding, a Dense or
TimeDistributed on a sequence) is drawn by the same items from its output over its steps
(``app/output_ref.py``: one record ``y``, one heatmap of its filters, channels or units by
its own steps, one curve); a layer whose output has no steps keeps a message saying what it
outputs and which layers have steps.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app import accessible
from lstmviz.app.cell_ref import (
    across_axes,
    across_said,
    mixed_said,
    mixed_steps,
    moved_output_said,
    moved_said,
    moved_shift,
    moved_step,
    steps_below,
    token_words,
)
from lstmviz.app.counts import count
from lstmviz.app.output_ref import OUTPUT_KEY, OutputRef, no_steps_text, output_ref, token_at
from lstmviz.app.scale import from_zero_levels, gate_levels, overview_of
from lstmviz.app.selection import Cursor
from lstmviz.engine import Model, Trace
from lstmviz.engine.cells import CELLS
from lstmviz.engine.trace import GATE_KEYS, whole_steps, window_first
from lstmviz.text import markup
from lstmviz.ui import theme as th
from lstmviz.ui.later import later
from lstmviz.ui.plot_tools import (
    ColorBar,
    NanKey,
    RowLegend,
    add_plot,
    bar_foreground,
    counted_ticks,
    exact_updates,
    fit_side_label,
    keep_pixels,
    label_share,
    labels_above_bottom,
    labels_inside,
    quiet_axes,
)
from lstmviz.ui.spotlight import DimMask
from lstmviz.ui.views._common import (
    Ahead,
    CellRef,
    GridAxis,
    IndexedImage,
    QuietLabel,
    Shifted,
    StepLine,
    StripCurve,
    StripCurveItem,
    cache_pixels,
    cell_ref,
    clamp,
    count_axis,
    empty_group,
    ground,
    header_row,
    hint,
    holds_nan,
    message_label,
    paint_axis_ahead,
    paints_nothing,
    set_levels,
    stacked_cell_refs,
    steady_axes,
)
from lstmviz.ui.views.base import TraceView
from lstmviz.ui.views.overview_strip import AXIS_WIDTH, OverviewStrip
from lstmviz.ui.views.overview_strip import BARE_HEIGHT as STRIP_BARE_HEIGHT
from lstmviz.ui.views.overview_strip import HEIGHT as STRIP_HEIGHT
from lstmviz.ui.views.overview_strip import MIN_HEIGHT as STRIP_MIN_HEIGHT

#: what the view draws: a recurrent cell's records, or a layer's output over its steps
#: (``app/output_ref.py``: the same items, one heatmap and one curve)
Shown = CellRef | OutputRef

MAX_SLOTS = 6
#: a record of the selected unit reaching past this (in absolute value) while others stay
#: within ``NARROW`` is drawn against the curves' right axis: on one axis, a cell state of
#: +-80 (a published seq2seq encoder's) left the gates' 0..1 curves a flat line at zero
WIDE, NARROW = 4.0, 1.5
#: step ticks at most under a heatmap and under the curves (``count_axis``; the window
#: painted ahead gives its axes the same)
HEAT_STEP_TICKS, CURVE_STEP_TICKS = 8, 24
#: a long input's quick steps (``TraceView.quick``: a far seek's 16 exact steps, its whole
#: window following) draw the unit's curves without antialiasing, with the same pens (False:
#: as the whole window, antialiased; the A/B of a benchmark)
ROUGH_QUICK = True
#: the heatmaps' columns kept as wide as each other (``_EvenGrid``)
EVEN_COLUMNS = True


def _rounded_out(lo: float, hi: float, from_zero: bool = False) -> tuple[float, float]:
    """``lo``..``hi`` widened to the multiples of a round step (the power of ten at or
    under its span, a tenth of that where the span is less than two of them): -0.3..0.3
    stays, 0..0.37 is 0..0.4, 0..37 is 0..40; -1..1 where it spans nothing (a unit that
    stays at 0), 0..1 for one whose numbers are never below 0 (``from_zero``: a relu's
    filter off at every step, as Units at scale draws it, ``scale.flat_range``)."""
    span = hi - lo
    if not (np.isfinite(span) and span > 0):
        return (0.0, 1.0) if from_zero else (-1.0, 1.0)
    step = 10.0 ** np.floor(np.log10(span))
    if span / step < 2:  # (0..0.15: 0..0.2 in tenths, not 0..1)
        step /= 10
    return (round(float(np.floor(lo / step + 1e-9) * step), 12), round(float(np.ceil(hi / step - 1e-9) * step), 12))


def _zero_aligned(left: tuple[float, float], right: tuple[float, float]) -> tuple[tuple, tuple]:
    """Two value ranges holding 0 (the left's also 1), widened as little as needed so that
    0 is at the same height on both axes (the zero line reads for both): the larger share
    below zero of the two, at most half where only the right goes below zero."""
    (lo, hi), (rlo, rhi) = left, right
    share = (-lo / (hi - lo), -rlo / (rhi - rlo) if rhi > rlo else 0.0)
    f = min(max(share), max(share[0], 0.5))

    def widened(a: float, b: float, now: float) -> tuple[float, float]:
        if f > now:
            return -f * b / (1.0 - f), b  # (b > 0 here)
        if f < now:
            return a, -a * (1.0 - f) / f  # (a < 0 here)
        return a, b
    return widened(lo, hi, share[0]), widened(rlo, rhi, share[1])


class MaskVeil:
    """Masked steps greyed out: an RGBA row over a heatmap (the theme's grid grey, nearly
    opaque, as the Unrolled view paints masked cells, so a masked column never reads as
    values), or a light band of it behind curves."""

    def __init__(self, plot: pg.PlotItem, behind: bool = False):
        self.item = pg.ImageItem(axisOrder="row-major")
        self.item.setZValue(-5 if behind else 5)  # heatmap: over it, under the cursor lines
        self.item.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)  # clicks go through
        plot.addItem(self.item, ignoreBounds=True)
        self.alpha = 90 if behind else 235
        self.rgb = (128, 128, 128)

    def style(self, t: th.Theme):
        c = pg.mkColor(t.grid)
        self.rgb = (c.red(), c.green(), c.blue())

    def show(self, masked: np.ndarray | None, rect: QtCore.QRectF) -> None:
        """``masked``: (T,) True where the step is masked; None hides the veil."""
        if masked is None or not masked.any():
            self.item.setVisible(False)
            return
        rgba = np.zeros((1, masked.size, 4), np.uint8)
        rgba[0, masked] = (*self.rgb, self.alpha)
        self.item.setImage(rgba, autoLevels=False, levels=(0, 255))
        self.item.setRect(rect)
        self.item.setVisible(True)


#: the least height of an exact heatmap's image under a long input's strip (pixels)
IMAGE_MIN = 40
#: and without a strip, at least this many pixels a unit's row, up to ``ROWS_SEEN`` rows:
#: presenting at 1024 x 768 the lesson about LSTM(16)'s "16 rows of each map" drew them
#: 2.8 px high each, a hall saw stripes, not 16 rows (more units than ``ROWS_SEEN`` are not
#: told apart row by row at any height a page has)
ROW_LEAST = 4
ROWS_SEEN = 16
#: below this (the strip at its least with its axis, the curves' share given), the strip
#: goes bare: its colours only (``OverviewStrip.bare``)
IMAGE_BARE = 24
#: the selected unit's curves' share of the page beside the heatmaps' 3, and while a long
#: input's strips leave a heatmap less than ``IMAGE_MIN`` pixels under them at their least
#: height (the projector theme at 1280 x 720 beside the side panel: 5 px for 8 units)
CURVES_STRETCH = 2
CURVES_STARVED = 1
#: the share of a word-wrapped line's width its words fill, about (``_fit_top``)
WRAP_SLACK = 0.8
#: rounds of fitting the strips after a resize (``_fit_strips``)
FIT_ROUNDS = 6
#: a heatmap's least height; the curves' least is their title's, axis' and label's rows and
#: ``CURVES_MIN_PLOT`` (their least was 68 px, all of it rows: presenting at 800 x 600 the
#: lesson's "the curves below are unit 2's" had no curves; a heatmap gave up 20 px for them)
HEATMAP_MIN = 100
CURVES_MIN_PLOT = 40
#: a heatmap's least width (200 held the window 1,074 px wide in the projector theme beside
#: the side panel: past a 1024 x 768 screen; 160, two to a row, 790 px at 760 x 540; at 154
#: each image is still ``IMAGE_MIN_WIDE`` wide at the window's least size: 152 was, while
#: the tabs' least held 4 px more than the page's, ``main_window.ViewTabs``)
HEATMAP_MIN_WIDTH = 154
#: a heatmap's least width where its page is narrower than its row of ``HEATMAP_MIN_WIDTH``
#: (``_fit_columns``): its share of the row, but not under this (the left axis' and colour
#: bar's labels and an image of ~40 px)
HEATMAP_NARROW_WIDTH = 112
#: an LSTM's six heatmaps two to a row, three rows, in a page too narrow for three to a
#: row (``_fit_columns``: at 800 x 600 beside the side panel three to a row held the window
#: 902 px wide): each image at least this high, without their step axes (the curves' below
#: say the steps, the step line the one shown); where the theme's type leaves that only
#: more than ``STACK_ROOM`` px taller than two rows of ``HEATMAP_MIN``, three to a row as
#: ever (three rows are 14 px taller in the dark theme, 26 in the projector theme: its
#: window at 800 x 600 then holds them, the curves' least measured, ``_fit_curves_least``;
#: three to a row held it 954 px wide)
IMAGE_STACKED = 34
STACK_ROOM = 30
#: heatmaps in rows above the curves, where an image with each heatmap's own step axis and
#: margins would keep fewer than this many pixels (presenting on an 800 x 600 projector:
#: 44 px, 5.5 a unit of 8 for a hall to tell apart): only the last row's step axes, which
#: the rows above share (the same steps, the same columns: the curves' below too), and
#: the margins above and below ``MARGIN_TIGHT`` (``compact``: the images 68 px, ``COMPACT_MOST``); back
#: ``ROOM_SLACK`` px past it
COMPACT_BELOW = 64
#: a heatmap widget's margins (pyqtgraph's), and the least it keeps where its image would
#: be less than ``IMAGE_MIN`` high or ``IMAGE_MIN_WIDE`` wide with them (``_Heatmap.fit_room``)
MARGIN, MARGIN_TIGHT = 9, 2
IMAGE_MIN_WIDE = 60
#: pixels more the image must have before the margins and the rows' label come back
ROOM_SLACK = 4
#: the tallest image of compact rows: what the rows with their own step axes and margins
#: keep at the least (``COMPACT_BELOW``, and ``ROOM_SLACK`` more before they come back),
#: so that growing the window never shrinks the images (presenting at 1024 x 662 compact
#: rows' images were 95 px; at 1024 x 668, each row with its own step axes, 71); a
#: compact row's room past it stands above and below its heatmap (``_Heatmap.fit_room``),
#: the curves' share as ever
COMPACT_MOST = COMPACT_BELOW + ROOM_SLACK


class _EvenGrid(QtWidgets.QGridLayout):
    """The heatmaps' grid, its columns as wide as each other: the pixel or two a width
    leaves over its shown columns' share (Qt gave it to some of them: 327, 328 and 327 px
    at 1400 x 800) is left empty at the grid's right. Alike step axes share one picture
    (``SteadyAxis.paint``): a heatmap one pixel wider had a step axis of its own, its
    picture made anew at every seek of a long input (and at every new window)."""

    def setGeometry(self, rect: QtCore.QRect) -> None:  # noqa: N802 (Qt's name)
        if EVEN_COLUMNS:
            n = sum(1 for c in range(self.columnCount())
                    if any((item := self.itemAtPosition(r, c)) is not None and not item.isEmpty()
                           for r in range(self.rowCount())))
            if n > 1:
                spare = (rect.width() - (n - 1) * max(0, self.horizontalSpacing())) % n
                if spare:
                    rect = QtCore.QRect(rect.x(), rect.y(), rect.width() - spare, rect.height())
        super().setGeometry(rect)


def _refit_central(widget: pg.GraphicsView) -> None:
    """``widget``'s plots laid out in its size again: where they needed more height than it
    had (a long input's strip with its axes), Qt held them at that least, and kept them so
    once they needed less (the strip gone bare): the image and colour bar ran past the
    widget's bottom, their end labels cut, until the widget was resized."""
    central = widget.centralWidget
    if central is not None and central.geometry() != widget.range:
        central.setGeometry(widget.range)


class _Heatmap:
    def __init__(self, view: "OverTimeView", index: int):
        self.view = view
        self.index = index  # (its place in the rows: ``OverTimeView.row_of``)
        self.key: str | None = None
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setMinimumSize(HEATMAP_MIN_WIDTH, HEATMAP_MIN)
        # a long input: the whole sequence above the exact window (hidden otherwise), under
        # the heatmap's title: above it, it read as the heatmap's above (``title_above``)
        self.strip = OverviewStrip(self.widget.ci, 1, on_click=lambda step: view.click_overview(step))
        self.plot: pg.PlotItem = add_plot(self.widget.ci, row=2, col=0, axisItems=steady_axes("left", "bottom"))
        self.title_above()
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.invertY(True)
        #: decoration given way to the image (``fit_room``): the least margins, no "unit"
        self.tight = False
        self._label_room = 0.0  # (the width the rows' label took before it went)
        self._tight_high = False  # (the margins above and below too)
        #: in compact rows, the room past ``COMPACT_MOST`` of image, above and below it (``fit_room``)
        self._pad = (0, 0)
        self._bar_margins: tuple | None = None  # (the colour bar's own, before)
        def refit(_vb) -> None:
            self.fit_room()
            self.fit_strip()
            self.fit_label()

        self.plot.vb.sigResized.connect(refit)
        self.image = IndexedImage(on_click=lambda c, r: view.click_image(self.key, c, r),
                                   axisOrder="row-major")
        self.plot.addItem(self.image)
        self.veil = MaskVeil(self.plot)
        self.cursor_line = StepLine()
        self.unit_line = StepLine(horizontal=True)  # the selected unit's row
        self.plot.addItem(self.cursor_line, ignoreBounds=True)
        self.plot.addItem(self.unit_line, ignoreBounds=True)
        self.colorbar = ColorBar(values=(0, 1), interactive=False, width=14)
        self.colorbar.setImageItem(self.image)
        self.widget.addItem(self.colorbar, row=2, col=1)
        self.nan_key = NanKey(self.colorbar)  # under the bar while the image holds a NaN
        self.mask = DimMask(self.plot.getViewBox())  # focus mode: dims all rows but one unit
        # the items in steps of the whole sequence, the plot's range over the window's
        # length: a seek to another window of the same length moves the group only
        self.shift = Shifted(self.plot)
        self.shift.adopt(self.image, self.veil.item, self.cursor_line, self.unit_line, *self.mask.rects)
        # a step moves the cursor line: the image and the axes beneath it are copied, not
        # drawn again (the scaled image cost ~1 ms a heatmap at every step)
        cache_pixels(self.image, self.plot.getAxis("left"), self.plot.getAxis("bottom"))
        # the title's and the unit axis's rich texts change with the layer or the theme, not
        # with an edit's numbers: copied, not laid out and drawn again, when the image beside
        # them is repainted (an edit: ~0.5 ms for Over time's fourteen texts)
        cache_pixels(self.plot.titleLabel.item, self.plot.getAxis("left").label)
        labels_inside(self.plot.getAxis("bottom"))  # (none under the colour bar)
        paints_nothing(self.widget.ci, self.plot, self.plot.titleLabel, self.colorbar)
        # a long input's next window, painted ahead (OverTimeView.prepare_ahead)
        self.twin_group = self.shift.twin()
        self.twin_image = IndexedImage(axisOrder="row-major")
        self.twin_image.setParentItem(self.twin_group)

    def title_above(self) -> None:
        """The plot's title in the widget's first row, over the strip's, not in the plot's
        own first row under the strip: the title, the whole sequence, the exact window. Its
        row in the plot has no height (``set_title`` gives it one: ``fit_title_row``)."""
        title = self.plot.titleLabel
        self.plot.layout.removeItem(title)
        self.widget.ci.addItem(title, row=0, col=0)
        self.widget.ci.layout.setRowSpacing(0, 0)
        self.fit_title_row()

    def fit_title_row(self) -> None:
        """The plot's own title row (empty: ``title_above``) of no height."""
        if self.plot.layout.rowMinimumHeight(0) or self.plot.layout.rowMaximumHeight(0):
            self.plot.layout.setRowFixedHeight(0, 0)

    def fit_strip(self) -> bool:
        """A long input's strip as tall as it is designed, or less where the exact heatmap
        under it would keep fewer than ``IMAGE_MIN`` pixels (in lecture mode on a 720-line
        projector the strips left each heatmap 2 px): called when the heatmap's view box is
        laid out; what the strip gives or takes, the view box takes or gives at the next
        layout, which then leaves the strip as it is. Where the strip at its least height
        with its step axis cannot give enough, the curves below give the heatmaps a share of
        theirs (``heatmaps_starved``); where the image would still keep less than
        ``IMAGE_BARE``, the strip goes bare, its colours alone (an 800 x 450 picture: the
        heatmaps had 9 px for 3 units), until the image keeps that beside it with axes.
        Whether it changed the strip's height or the curves' share (the view fits again)."""
        strip = self.strip
        if not strip.shown:
            # no strip: where the image keeps fewer than ``IMAGE_MIN`` pixels, the curves give
            # the heatmaps a share of theirs too (presenting at 800 x 600 an LSTM's images
            # were 22 px high, the curves 95); after another number of units, measured again
            # once laid out (a new layer's heatmaps pass through heights of 0 or 24 px)
            if self.short():
                if self.view.units_changed:
                    later(self.view, type(self.view).starve_if_short)
                    return False
                self.view.heatmaps_starved()
                return True
            return False
        was = (strip.height, self.view.starved)
        # (where the plots need more height than their widget has, the bottom of the
        # heatmap and its step axis are cut off: that much less of the image is seen)
        image = self.plot.vb.height() - max(0.0, self.widget.ci.geometry().height() - self.widget.viewport().height())
        at_least = image + strip.height - STRIP_MIN_HEIGHT  # the image beside the strip at its least with axes
        if self._tight_high:  # (and the margins above and below it had, which come back: fit_room)
            at_least -= 2 * (MARGIN - MARGIN_TIGHT)
        if strip.bare and not self.view.starved:
            # the curves have their share back (a resize): start again from the strip with
            # its axes, so that whatever the sizes before, a size ends alike
            strip.set_height(STRIP_MIN_HEIGHT)
        elif strip.bare or (self.view.starved and at_least < IMAGE_BARE):
            # bare while the image beside the strip with axes would be less than IMAGE_BARE
            strip.set_height(STRIP_MIN_HEIGHT if at_least >= IMAGE_BARE else STRIP_BARE_HEIGHT, STRIP_BARE_HEIGHT)
        else:
            spare = image - IMAGE_MIN
            if spare < 0 or strip.height < STRIP_HEIGHT:
                target = strip.height + int(np.floor(spare))
                if self.view.starved:  # what the curves gave is the heatmaps', not the strips'
                    target = min(target, STRIP_MIN_HEIGHT)
                elif target < STRIP_MIN_HEIGHT:  # the strip with its axis cannot give enough
                    self.view.heatmaps_starved()
                strip.set_height(target)
        if strip.height != was[0]:
            later(self.widget, _refit_central)
        return (strip.height, self.view.starved) != was

    def short(self) -> bool:
        """The image, shown without a strip, keeps less than ``image_least`` while the
        curves have their whole share."""
        return (not self.strip.shown and not self.view.starved and self.widget.isVisible()
                and 0 < self.plot.vb.height() < self.image_least())

    def image_least(self) -> float:
        """The least height (px) of the image without a strip before the curves give the
        heatmaps a share of theirs: ``IMAGE_MIN``, or ``ROW_LEAST`` a row of up to
        ``ROWS_SEEN`` units' rows."""
        ref = self.view.ref
        rows = min(ref.units, ROWS_SEEN) if ref is not None else 0
        return float(max(IMAGE_MIN, ROW_LEAST * rows))

    def fit_room(self) -> None:
        """Decoration gives way before data: where the image would keep less than
        ``IMAGE_MIN`` px of height or ``IMAGE_MIN_WIDE`` of width with the widget's margins
        and the rows' label ("unit"), the margins go to ``MARGIN_TIGHT`` (the colour bar
        keeps room for its end labels in its own margins) and the label goes (the header
        and the curves' title name the unit): at the window's least size beside the side
        panel the images were 37 x 26 px, at 800 x 600 with a long input 20 px wide.
        Above a long input's strip the height is ``fit_strip``'s to share (its axes go
        bare first): there only the margins at the sides give way. Decided from what the
        image would keep with margins and label, so that a size keeps one decision; they
        come back ``ROOM_SLACK`` px past it."""
        vb = self.plot.vb
        if vb.width() <= 1 or vb.height() <= 1:
            return
        self.fit_unit_labels()
        layout = self.widget.ci.layout
        left, top, _, bottom = layout.getContentsMargins()
        # (what the rows' label gave, or above a strip what the left axis gave)
        given = float(self.left_width(False) - self.left_width(True)) if self.strip.shown else self._label_room
        wide = vb.width() - 2 * (MARGIN - left) - (given if self.tight else 0.0)
        # (in compact rows the margins above and below are tight by design: not given way)
        high = vb.height() - 2 * (MARGIN_TIGHT if self.view.compact else MARGIN) + top + bottom
        slack = ROOM_SLACK if self.tight else 0
        sides = not self.strip.shown  # (the height too)
        short = high < IMAGE_MIN + (ROOM_SLACK if self._tight_high else 0)
        tight = (sides and short) or wide < IMAGE_MIN_WIDE + slack
        # above a bare strip (``fit_strip`` gave all it can) the margins above and below
        # give way too: at 760 x 540 they left a long input's images 24 px of 34
        tight_high = tight if sides else short and self.strip.bare
        tight_high = tight_high or self.view.compact  # (rows sharing their step axes: no room between)
        # compact rows' images no taller than the rows with their own step axes and margins
        # give them where those come back (``COMPACT_MOST``): the rest of a row's height
        # stands above and below the heatmap; growing the window never shrinks the images.
        # The rows' rests shared evenly among the gaps above, between and below them (half
        # of each row's above and below it left 27 px between two rows at 1024 x 732 in
        # the projector theme, 13 above and below): of R rows, row r's (R - r) / (R + 1)
        # above it, the rest below (the image at COMPACT_MOST to the pixel)
        extra = max(0, math.floor(high - COMPACT_MOST)) if self.view.compact and sides else 0
        row, rows = self.view.row_of(self.index) if extra else (0, 1)
        above = extra * (rows - row) // (rows + 1)
        pad = (above, extra - above)
        if (tight, tight_high, pad) == (self.tight, self._tight_high, self._pad):
            return
        self._pad = pad
        axis = self.plot.getAxis("left")
        if tight and not self.tight:
            self._label_room = label_share(axis) if axis.fixedWidth is None else 0.0
        self.tight, self._tight_high = tight, tight_high
        self.fit_left()
        m = MARGIN_TIGHT if tight else MARGIN
        h = MARGIN_TIGHT if self._tight_high else MARGIN
        layout.setContentsMargins(m, h + pad[0], m, h + pad[1])
        self.fit_unit_labels()
        later(self.widget, _refit_central)
        # the colour bar keeps room above and below for its end labels, half of each stands
        # out of the bar (the widget's margins gave it): in its own margins, off its height
        bar = self.colorbar.layout
        if self._bar_margins is None:
            self._bar_margins = bar.getContentsMargins()
        if self._tight_high:
            font = self.colorbar.axis.style.get("tickFont") or self.colorbar.axis.font()
            half = math.ceil(QtGui.QFontMetricsF(font).height() / 2) - h
            # (less where a compact row's room stands above and below: the bar as tall as the image)
            bar.setContentsMargins(self._bar_margins[0], max(1.0, half - pad[0]),
                                   self._bar_margins[2], max(1.0, half - pad[1]))
        else:
            bar.setContentsMargins(*self._bar_margins)
        self.fit_label()

    def fit_unit_labels(self) -> None:
        """The unit axis' labels within the widget: the last unit's label stands half a
        line past the image's bottom, where the least margin (``fit_room``) and no step
        axis below leave it 2 px (``labels_above_bottom``)."""
        bottom = self.plot.getAxis("bottom")
        _, _, _, margin = self.widget.ci.layout.getContentsMargins()
        room = margin + (bottom.height() if bottom.isVisible() else 0.0)
        labels_above_bottom(self.plot.getAxis("left"), math.floor(room))

    def left_width(self, tight: bool | None = None) -> int:
        """The left axis' width above which a long input's strip stands (the strip's the
        same, so that steps line up): ``AXIS_WIDTH``, or what its unit ticks' labels and
        the rows' label beside them take where that is more (as pyqtgraph measures them:
        52 px held "unit" against "200" and "400" for 512 units); where it gives way
        (``tight``) its unit ticks' labels'."""
        axis = self.plot.getAxis("left")
        st = axis.style
        units = self.view.ref.units if self.view.ref is not None else 1000
        text = QtGui.QFontMetricsF(st["tickFont"] or axis.font()).horizontalAdvance(str(max(units - 1, 0)))
        ticks = text + st["tickTextOffset"][0] + max(0, st["tickLength"])
        if not (self.tight if tight is None else tight):
            return max(AXIS_WIDTH, math.ceil(ticks + label_share(axis)))
        return min(AXIS_WIDTH, math.ceil(ticks + 4))

    def fit_left(self) -> None:
        """Above a long input's strip: the left axis at ``left_width``, the strip's too (a
        new layer, units, the rows' label shown or not, the decoration given way)."""
        if not self.strip.shown:
            return
        width = self.left_width()
        axis = self.plot.getAxis("left")
        if axis.fixedWidth != width:
            axis.setWidth(width)
        if (self.strip.narrow, self.strip.left_width) != (self.tight, width):
            self.strip.set_narrow(self.tight, width)

    def fit_label(self) -> None:
        """The rows' axis label ("unit") only where it is seen whole (an Over time picture
        of 640 x 400 cut it to "nit"), and not where the image needs its room (``fit_room``)."""
        if self.tight:
            axis = self.plot.getAxis("left")
            if axis.label.isVisible():
                axis.showLabel(False)
        else:
            fit_side_label(self.plot, self.widget, (self.view.unit_word,))
        self.fit_left()  # (the rows' label takes its share of the width, or gives it back)

    def style(self, t: th.Theme):
        self.widget.setBackground(t.background)
        th.style_plot(self.plot, t)
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).setStyle(tickFont=t.font(0.8))
        self.colorbar.axis.setStyle(tickFont=t.font(0.75))
        bar_foreground(self.colorbar, t.foreground)
        self.image.nan_color = self.twin_image.nan_color = t.nan
        self.nan_key.style(t.font(0.75), t.nan, t.foreground)
        self.cursor_line.setPen(pg.mkPen(t.highlight, width=2.5))
        self.unit_line.setPen(pg.mkPen(t.highlight, width=1.2, style=QtCore.Qt.PenStyle.DashLine))
        self.mask.style(t)
        self.veil.style(t)
        self.strip.style(t)


class OverTimeView(TraceView):
    title = "Over time"

    def __init__(self, parent=None, theme: th.Theme | str | None = None):
        super().__init__(parent, theme)
        self._drawn = True  # False: a step came while another tab was shown (set_cursor)
        self.ref: Shown | None = None
        self.inputs = None  # (the shown inputs: an Embedding's token ids, ``set_data``)
        self._labels: tuple[str, ...] | None = None  # (``set_token_labels``)
        self._data_key: tuple | None = None
        self._unit_key: tuple | None = None
        self._layout_key: tuple | None = None
        self._layout_units: int | None = None
        #: the units changed: the curves' share back, the heatmaps measured once laid out
        self.units_changed = False
        self._curve_range: tuple = ()
        #: a long input's overviews ((layer, key) -> ``app.scale.Overview``), or None
        self.overviews: dict | None = None

        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        self.stack = QtWidgets.QStackedWidget()
        outer.addWidget(self.stack)
        self.message = message_label("Select a layer to see it over its steps: a recurrent cell's gates and "
                                     "states, another layer's outputs.",
                                     self.theme)
        self.stack.addWidget(self.message)
        page = QtWidgets.QWidget()
        self.stack.addWidget(page)
        lay = QtWidgets.QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)  # (as the heatmaps': the style's 6 held the projector theme's window past 600 px)
        self._page_layout = lay
        self._curves_stretch = CURVES_STRETCH
        self._refits = 0  # (_fit_strips)
        self._head_need: tuple = ()  # (the header's and the curves' heights _fit_page counted)
        #: the heatmaps' rows share the last row's step axes, their margins tight (``_fit_compact``)
        self.compact = False
        # its text changes at every step: no layout pass for that (QuietLabel); a long
        # header wraps, it never widens the window
        # (never squeezed to nothing: a small window; never more than two lines: the
        # heatmaps keep their room, the short form shows, the whole text in the tooltip)
        self.header = QuietLabel(one_line=True, max_lines=2, hints_give_way=True)
        # (its short form whole at the least: the window's least size, settled, cut it to
        # "lstm · step t = 0 · unit 0…")
        self.header.set_short_whole(True)
        # (its lines at a new width, or a text of more lines, asks the page for a layout:
        # _fit_page)
        self.header.installEventFilter(self)
        page.installEventFilter(self)
        # a stack of cells (Keras' RNN([GRUCell(3), SimpleRNNCell(2)])): a button for each
        # cell beside the header, as the Weights view's (``_cell_buttons``, ``header_row``), or
        # under it where the header's short form would not keep its two lines beside them
        # (``_fit_top``); hidden otherwise
        top, self.cell_box = header_row(self.header, self.show_cell)
        lay.addLayout(top)
        self._top = top
        self._short_header = ""  # the header's short form, as last set (plain text)
        self._top_fit: tuple = ()  # (its length, the buttons' width) when last fitted
        grid = _EvenGrid()
        grid.setSpacing(4)
        lay.addLayout(grid, 3)
        self.slots = [_Heatmap(self, k) for k in range(MAX_SLOTS)]
        #: how many heatmaps are shown (the first ones): the layout's all six before a layer,
        #: then the layer's cell's (``_set_layer``, which hides the rest)
        self.shown_slots = MAX_SLOTS
        # the heatmaps side by side keep one width: their colour bars share one
        self.slots[0].colorbar.share_width(*(s.colorbar for s in self.slots[1:]))
        self.grid = grid
        self._columns = 0
        self._least: tuple = (HEATMAP_MIN_WIDTH, HEATMAP_MIN)  # the heatmaps' least size (_fit_columns)
        self._place(3)
        # The selected unit's curves.
        self.curve_widget = pg.PlotWidget(enableMenu=False,  # (made without the menu: ~4 ms)
                                         axisItems={"left": GridAxis("left"), **steady_axes("bottom")})
        self.curve_plot: pg.PlotItem = quiet_axes(self.curve_widget.getPlotItem())
        exact_updates(self.curve_widget, *(s.widget for s in self.slots))  # (a seek repaints what it moved)
        self.curve_plot.hideButtons()
        self.curve_plot.setMouseEnabled(False, False)
        self.curve_plot.showGrid(x=False, y=True, alpha=0.25)
        # the legend in the title's row, never over the curves (in a small plot, lesson 1's
        # at 1920 x 1080 or a projector's 1280 x 720, it hid i, f and o)
        self.legend = RowLegend(self.curve_plot, beside_title=True)
        self.curves: dict[str, StripCurve] = {}
        # (and a layer's output over its steps: ``app/output_ref.py``)
        for key in dict.fromkeys([*(k for cell in CELLS.values() for k in cell.records), OUTPUT_KEY]):
            self.curves[key] = StripCurve()  # stroked in strips: ~3 ms less a curve
            cache_pixels(self.curves[key].curve)  # redrawn when the unit changes, not at a step
        self.curve_cursor = StepLine()
        self.curve_plot.addItem(self.curve_cursor, ignoreBounds=True)
        self.zero_line = StepLine(horizontal=True, pos=0.0)
        self.curve_plot.addItem(self.zero_line, ignoreBounds=True)
        self.curve_veil = MaskVeil(self.curve_plot, behind=True)
        #: where the unit's curves stop (a diverged model's NaN, which no line draws): said
        #: in the plot, from that step (``_set_unit``); the plot was empty, nothing said why
        self.nan_note = pg.TextItem(anchor=(0, 0))
        self.nan_note.setZValue(20)  # (over the step line; on the theme's background: apply_theme)
        self.nan_note.hide()
        self.curve_plot.addItem(self.nan_note, ignoreBounds=True)
        self.curve_shift = Shifted(self.curve_plot)  # (as a heatmap's: _Heatmap.shift)
        self.curve_shift.adopt(self.curve_cursor, self.zero_line, self.curve_veil.item)
        self.curve_twin_group = self.curve_shift.twin()  # (prepare_ahead)
        # records far wider than the others (``_sides``) are drawn through these groups,
        # whose transforms (``_set_right``) map their values onto the left axis' range; the
        # right axis reads them
        self.right_group = empty_group(self.curve_shift)
        self.right_twin_group = empty_group(self.curve_twin_group)
        #: the records on the right axis, and the values its range spans (without padding)
        self.right_keys: tuple[str, ...] = ()
        self.right_range: tuple = ()
        self._right_look: tuple = ()  # (the keys and theme the legend's names are for)
        self._curve_keys: tuple[str, ...] = ()  # (the records whose curves are in the plot)
        self._candidates: set[str] = set()  # (their candidates' keys: c~, h~)
        right = self.curve_plot.getAxis("right")
        right.unlinkFromView()  # (its range: the right records' values, set by _fit_curves)
        for side in ("left", "right"):  # "0.2", not "200" under "value (x0.001)": a
            self.curve_plot.getAxis(side).enableAutoSIPrefix(False)  # SimpleRNN's h of +-0.4
        self.curve_twins: dict[str, StripCurveItem] = {}
        for key in self.curves:
            self.curve_twins[key] = StripCurveItem()
            self.curve_twins[key].setParentItem(self.curve_twin_group)
        #: a long input's next window being painted ahead: its trace, what is left to do,
        #: the heatmaps' arrays made for it (``prepare_ahead``)
        self._ahead_trace = None
        self._ahead_todo: list = []
        self._ahead_arrays: dict[str, np.ndarray] = {}
        self._ahead_timer = QtCore.QTimer(self)
        self._ahead_timer.setInterval(0)
        self._ahead_timer.timeout.connect(self._ahead_piece)
        cache_pixels(self.curve_plot.getAxis("left"), self.curve_plot.getAxis("bottom"), right)
        cache_pixels(self.curve_plot.titleLabel.item, self.curve_plot.getAxis("left").label)  # (as a heatmap's)
        paints_nothing(self.curve_plot, self.curve_plot.titleLabel)
        lay.addWidget(self.curve_widget, CURVES_STRETCH)
        # (the curves' least after the layout pass the legend's new rows came in: set inside it,
        # the plot's view kept its old height)
        def curves_resized(*_) -> None:
            later(self, type(self)._fit_curves_least)
            self._fit_curves_label()

        self.curve_plot.vb.sigResized.connect(curves_resized)
        self.images: dict[str, pg.ImageItem] = {}
        self.colorbars: dict[str, pg.ColorBarItem] = {}
        self.cursor_lines: list[StepLine] = []
        self.focus = False
        self.apply_theme(self.theme)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._drawn:
            self.set_cursor(self.cursor)

    def set_focus(self, enabled: bool) -> None:
        """Focus mode: dim every heatmap row but the selected unit's."""
        self.focus = bool(enabled)
        self._update_focus()

    def _update_focus(self) -> None:
        ref = self.ref
        for slot in self.slots:
            on = self.focus and ref is not None and slot.key is not None
            if on and ref is not None:
                u = clamp(self.cursor.unit, 0, ref.units - 1)
                o = self.offset
                slot.mask.set_band(u - 0.5, u + 0.5, (o - 0.5, o + ref.T - 0.5, -0.5, ref.units - 0.5), "y")
            slot.mask.set_visible(on)

    # -- theme ----------------------------------------------------------------------------
    def apply_theme(self, theme: th.Theme) -> None:
        self.theme = t = theme
        for slot in self.slots:
            slot.style(t)
        self.curve_widget.setBackground(t.background)
        th.style_plot(self.curve_plot, t, bottom="processing step  t")
        self._fit_curves_label()  # (_set_curves_stretch)
        self.curve_cursor.setPen(pg.mkPen(t.highlight, width=2.5))
        self.zero_line.setPen(pg.mkPen(t.muted, width=1))
        self.curve_veil.style(t)
        self.cell_box.set_font(t.font(1.0))  # (a stack of cells' buttons, in the theme's size)
        self.nan_note.fill = ground(t)  # (over the step line, readable)
        self.nan_note.setColor(t.muted)
        self.nan_note.setFont(t.font(0.95))
        self.header.setFont(t.font(1.15))
        self.message.setFont(t.font(1.3))
        self._fit_curves_least()
        self.legend.setLabelTextSize(f"{t.pt(0.95)}pt")
        self.legend.setLabelTextColor(t.foreground)
        self._data_key = None
        if self.model is not None:
            self.set_cursor(self.cursor)

    # -- data -----------------------------------------------------------------------------
    def heatmaps_starved(self) -> None:
        """A heatmap keeps less than ``IMAGE_MIN`` pixels under its strip at the strip's
        least height: the curves give the heatmaps a share of theirs (until the view is
        resized or the strips go)."""
        self._set_curves_stretch(CURVES_STARVED)

    def starve_if_short(self) -> None:
        """``heatmaps_starved`` where a heatmap without a strip is still short once laid out
        after another number of units (``units_changed``)."""
        self.units_changed = False
        if any(slot.short() for slot in self.slots):
            self.heatmaps_starved()
            self._fit_page()  # (the rows' heights as the curves' new share leaves them)

    @property
    def starved(self) -> bool:
        """The curves gave the heatmaps a share of their height (``heatmaps_starved``)."""
        return self._curves_stretch == CURVES_STARVED

    def _set_curves_stretch(self, k: int) -> None:
        if k != self._curves_stretch:
            self._curves_stretch = k
            self._page_layout.setStretchFactor(self.curve_widget, k)
            self._fit_curves_label()

    def _fit_curves_least(self) -> None:
        """The curves' least height: their title's row (the legend's rows where they are
        taller: a narrow page, the heatmaps two to a row at 800 x 600, put its six entries
        in two rows, which left the curves 23 px of plot), their step axis' tick labels and
        ``CURVES_MIN_PLOT``; not the steps' label, which gives way there
        (``_fit_curves_label``). Measured, not guessed from the theme's type: a line of it
        for each row was 10 px too many in the projector theme, and held its window past
        600 px tall with the heatmaps in three rows."""
        plot = self.curve_plot
        row = th.title_height(plot.titleLabel)
        if self.legend.items:
            row = max(row, self.legend.layout.effectiveSizeHint(QtCore.Qt.SizeHint.PreferredSize).height())
        axis = plot.getAxis("bottom")
        # (the axis' height without the label's share, as pyqtgraph's _updateHeight adds it)
        ticks = axis.minimumHeight() - label_share(axis)
        _, top, _, bottom = plot.layout.getContentsMargins()
        least = math.ceil(row + ticks + top + bottom) + CURVES_MIN_PLOT
        if self.curve_widget.minimumHeight() != least:
            self.curve_widget.setMinimumHeight(least)

    def _fit_curves_label(self) -> None:
        """The curves' steps' label ("processing step t") where it leaves them
        ``CURVES_MIN_PLOT`` of plot and they keep their share of the page; else it goes
        (their ticks and the header say it): in a window at its least (640 x 400 asked)
        the curves had 21 px of plot under it."""
        axis = self.curve_plot.getAxis("bottom")
        shown = axis.label.isVisible()
        label = axis.label.boundingRect().height()
        with_label = self.curve_plot.vb.height() - (0 if shown else label)
        want = self._curves_stretch == CURVES_STRETCH and (with_label >= CURVES_MIN_PLOT
                                                            or self.curve_plot.vb.height() <= 1)
        if want != shown:
            axis.showLabel(want)

    @property
    def curves_shown(self) -> bool:
        """The selected unit's curves are on the page (``_fit_page``: they give way where
        the page is too short for them beside the header and the heatmaps)."""
        return not self.curve_widget.isHidden()

    def _fit_page(self) -> None:
        """The curves below the heatmaps where the page holds the header's lines (its short
        form whole, two lines at most), the heatmaps at their least (``_fit_columns``: a
        long input's strips bare) and the curves at their least; else the curves give way,
        the heatmaps taking their height. In an 800 x 600 window (760 x 540 inside its
        frame) beside the side panel the page held all three only past its height: the
        window was laid out at 786 x 558 and shrunk to the screen, the header cut to
        "unit 0…", an LSTM(16)'s images 34 px high (2 px a unit), and a long input's strips
        left its images 4 px. A lecturer there needs every unit's gates and states over time
        (what the tab is for) more than one unit's curves, which the heatmaps' dashed row
        and the Cell view show too; they come back wherever the page holds them."""
        if self.stack.currentIndex() != 1:
            return
        m = self._outer().contentsMargins()
        room = self.height() - m.top() - m.bottom()
        gap = max(0, self._page_layout.spacing())
        head = self.header.sizeHint().height()
        if not self.cell_box.isHidden() and self._top.direction() == QtWidgets.QBoxLayout.Direction.TopToBottom:
            head += self.cell_box.sizeHint().height() + max(0, self._top.spacing())
        self._head_need = (self.header.sizeHint().height(), self.curve_widget.minimumHeight())
        n = self.shown_slots
        rows = -(-n // max(1, self._columns))
        heatmaps = rows * self._least[1] + (rows - 1) * max(0, self.grid.verticalSpacing())
        need = head + gap + heatmaps + gap + self.curve_widget.minimumHeight()
        show = room >= need
        if show != self.curves_shown:
            self.curve_widget.setHidden(not show)
            self._fit_step_axes()
        # rows of heatmaps whose images are alike high: the last row's step axis its own
        stretch = [0] * rows
        axis = math.ceil(self.slots[max(0, n - 1)].plot.getAxis("bottom").minimumHeight())  # (shown)
        if not show and rows > 1 and self._columns == 2 and n > 4:
            each = max(1.0, (room - head - gap - (rows - 1) * max(0, self.grid.verticalSpacing()) - axis) / rows)
            stretch = [round(each)] * (rows - 1) + [round(each) + axis]
        elif self.compact and rows > 1:  # (the rows' height as laid out: the curves' share is theirs)
            each = max(1.0, (self._rows_height(rows) - axis) / rows)
            stretch = [round(each)] * (rows - 1) + [round(each) + axis]
        elif show and rows > 1:
            # rows alike high: a pyqtgraph view's size hint is its present size, so rows that
            # were unlike (compact rows, the last taller by its step axes) stayed so without
            # (at 1000 x 710 in the dark theme after compact rows the images were 60 and 83 px)
            stretch = [1] * rows
        for r in range(MAX_SLOTS):
            want = stretch[r] if r < rows else 0
            if self.grid.rowStretch(r) != want:
                self.grid.setRowStretch(r, want)
        later(self, type(self)._fit_compact)  # (once laid out at this size)

    def row_of(self, index: int) -> tuple[int, int]:
        """The row of the heatmap ``index`` and the number of rows the shown heatmaps take."""
        n = self.shown_slots
        columns = max(1, self._columns)
        return index // columns, max(1, -(-n // columns))

    def _rows_height(self, rows: int) -> int:
        """The heatmaps' rows' heights together, as laid out (each row's first widget's)."""
        columns = max(1, self._columns)
        return sum(self.slots[r * columns].widget.height() for r in range(rows) if r * columns < len(self.slots))

    def _full_image(self) -> float | None:
        """The height each image would have with every heatmap's own step axis and its
        margins (``MARGIN``, or ``MARGIN_TIGHT`` where the heatmaps are too narrow for more:
        ``_Heatmap.fit_room``; counted as ``MARGIN`` there, presenting at 1024 x 732 the rows
        stayed compact, their images 68 px and 27 px of each row empty, where with their own
        step axes they had 83 px), from the rows' heights as laid out; None where the heatmaps
        are not in rows above the curves (one row, three rows without step axes, the curves
        given way, a long input's strips: their own fitting, ``fit_strip``)."""
        shown = self.slots[:self.shown_slots]
        n, columns = len(shown), max(1, self._columns)
        rows = -(-n // columns)
        if rows < 2 or (columns == 2 and n > 4) or not self.curves_shown or any(s.strip.shown for s in shown):
            return None
        slot = shown[-1]
        _, top, _, bottom = slot.plot.layout.getContentsMargins()
        title = max(th.title_height(s.plot.titleLabel) for s in shown)
        axis = math.ceil(slot.plot.getAxis("bottom").minimumHeight())
        margin = MARGIN_TIGHT if slot.tight else MARGIN
        return (self._rows_height(rows) - rows * (title + 2 * margin + top + bottom + axis)) / rows

    def _fit_compact(self) -> None:
        """The heatmaps' rows ``compact`` where an image with every step axis and margin
        would keep less than ``COMPACT_BELOW`` pixels, else each with its own; the step axes,
        the rows' heights and each heatmap's margins follow (``fit_room``)."""
        image = self._full_image()
        want = image is not None and 0 < image < COMPACT_BELOW + (ROOM_SLACK if self.compact else 0)
        if want == self.compact:
            return
        self.compact = want
        if want:  # (the curves' share back: the images gain the rows' room first, fit_strip)
            self._set_curves_stretch(CURVES_STRETCH)
        self._fit_step_axes()
        self._fit_page()
        for slot in self.slots:
            slot.fit_room()  # (their margins above and below: tight in compact rows)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if (watched is self.header and event.type() == QtCore.QEvent.Type.Resize) or (
                event.type() == QtCore.QEvent.Type.LayoutRequest and watched is self.stack.widget(1)):
            later(self, type(self)._fit_head)  # (after the header measured its lines)
        return super().eventFilter(watched, event)

    def _fit_head(self) -> None:
        """``_fit_page`` again where the header's lines or the curves' least changed (a
        new width wraps the header or the curves' legend otherwise): the curves' place was
        decided from those at the width before."""
        if (self.header.sizeHint().height(), self.curve_widget.minimumHeight()) != self._head_need:
            self._fit_page()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_top()
        self._fit_columns()
        self._fit_page()
        self._set_curves_stretch(CURVES_STRETCH)  # (the heatmaps measured again: fit_strip)
        if self.overviews is not None:
            # and fitted again once laid out: a heatmap whose height the new size leaves as
            # it was (none at both sizes) sends no resize, and kept the curves' full share
            self._refits = FIT_ROUNDS
            later(self, type(self)._fit_strips)

    def _fit_strips(self) -> None:
        """Fit every strip, and again after the next layout while that changed something
        (each fit moves one way at a given size: a few rounds at most)."""
        changed = False
        for slot in self.slots:
            if slot.strip.shown:
                changed = slot.fit_strip() or changed
        if changed and self._refits > 0:
            self._refits -= 1
            later(self, type(self)._fit_strips)

    def set_data(self, model: Model, trace: Trace, inputs=None) -> None:
        self.model, self.trace, self.inputs = model, trace, inputs
        self._data_key = None
        self._unit_key = None

    def set_token_labels(self, labels: tuple[str, ...] | None) -> None:
        """What each token id of the input stands for (typed text: its characters,
        ``InputEdits.token_labels``), or None (ids from a file: numbers): an Embedding's
        header names the token its step embeds."""
        self._labels = tuple(labels) if labels is not None else None

    def set_overview(self, overviews: dict | None) -> None:
        """A long input's whole sequence (``LongSequence.overviews``), drawn above each
        heatmap; None: no strip. ``trace`` is then a window (``trace.start``)."""
        if overviews is not self.overviews:
            self.overviews = overviews
            self._data_key = None
            if overviews is None:
                self._set_curves_stretch(CURVES_STRETCH)

    @property
    def offset(self) -> int:
        """The shown record's first processing step in the whole sequence (a long input's
        window: its first step, or for a half that runs backwards the first that reads the
        window's input steps), else 0."""
        if self.ref is not None:
            return int(self.ref.rec.start)
        return int(getattr(self.trace, "start", 0) or 0)

    def _overview(self, ref: Shown, key: str):
        return overview_of(self.overviews, ref.name, ref.side, key)

    def describe(self) -> str:
        return accessible.over_time_view(self.model, self.trace, self.cursor, self.sample_base)

    def set_cursor(self, cursor: Cursor) -> None:
        self.cursor = cursor
        if self.model is not None and self.hidden_in_window():
            self._drawn = False  # another tab is shown: drawn when this one is (showEvent)
            return
        self._drawn = True
        if self.model is None:
            return
        ref: Shown | None = cell_ref(self.model, self.trace, cursor.layer, cursor.side)
        cells = stacked_cell_refs(self.model, self.trace, cursor.layer) if ref is None else []
        # a stack of cells: the records of the cell picked beside the header
        ref = self.cell_box.show_stack(cells, self.theme.font(1.0)) or ref
        if ref is None and not cells:  # a layer that is not recurrent: its output over its steps
            ref = output_ref(self.model, self.trace, cursor.layer)
        self.ref = ref
        if ref is None:
            # (what the view shows, what the layer outputs, and the layers to pick)
            self.message.setText(no_steps_text(self.model, self.trace, cursor.layer))
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        s, t, u = ref.clamp_cursor(cursor)
        dkey = (id(self.trace), ref.name, ref.side, s)
        if dkey != self._data_key:
            # what the layout is made of: the cell's records, the units, the overviews, the
            # theme (not the model: an edit elsewhere in the stack keeps this layer's layout)
            lkey = (id(ref.cell), ref.name, ref.side, s, id(self.overviews), id(self.theme))
            if lkey == self._layout_key:
                # a new trace of the same layout (an edit, a long input's next window): only
                # the numbers, the steps and the units move
                if ref.units != self._layout_units:
                    self._set_units(ref)
                self._set_window(ref, s)
            else:
                self._set_layer(ref, s)
                self._layout_key = lkey
            if self._layout_units not in (None, ref.units) and self.overviews is None:
                # the share the curves gave the heatmaps was for the units before (without a
                # strip ``image_least`` counts them): back, until ``fit_strip`` measures again
                # (lesson 8's LSTM(16) left lesson 9's LSTM(4) curves 59 px at 1280 x 720)
                self._set_curves_stretch(CURVES_STRETCH)
                self.units_changed = True
            self._layout_units = ref.units
            self._data_key = dkey
            self._unit_key = None
        if (dkey, u) != self._unit_key:
            self._set_unit(ref, s, u)
            self._unit_key = (dkey, u)
        o = self.offset
        for line in self.cursor_lines:
            line.setPos(o + t)
        for slot in self.slots:
            if slot.key is not None:
                slot.strip.set_window(o, ref.T, o + t)
        if isinstance(ref, OutputRef):
            self._output_header(ref, s, t, u)
            return
        tau = ref.input_step(t, window_first(self.trace, ref.rec))  # (a pooled layer's: its own)
        t = t + o
        # (a stack's cell as the Unrolled rows and the Cell view name it: "r (cell 1)")
        side = markup(ref.label[len(ref.name):]) if cells else (f" {ref.side}" if ref.side else "")
        order = " (processed right to left)" if ref.backwards else ""
        masked = ' · <span style="color:#D55E00"><b>masked step</b></span>' if ref.masked(s, t - o) else ""
        veiled = (" · grey columns: masked steps (states carried over)"
                  if ref.masked_steps(s) is not None else "")
        total = whole_steps(self.trace, ref.rec)  # (its own: fewer after a strided pooling)
        exact = ""
        if total:
            # (the short form without "exact": at 760 x 540 it cut "of 20,000" off)
            exact = f" · steps {count(o)}–{count(o + ref.T - 1)} of {count(total)}"
            veiled += " · exact" + exact[2:] + (" (top strips: the whole sequence)" if self.overviews else "")
        # a stack of cells: the unit box counts the widest cell's units; a smaller cell
        # shows its last unit, and says so (it showed it as if asked)
        fewer = f" (this cell has no unit {cursor.unit}: its last)" if cells and cursor.unit > u else ""
        data = f" · unit <b>{u}</b>{fewer} · sample {s + self.sample_base}{masked}"
        rest = data + veiled + hint("click a heatmap to pick a step and unit")
        # where the header is cut (a window at its least size, or past two lines), the unit
        # and the sample before the kind and an input step that is the step itself, the
        # long input's window without its words about the strips, no hint
        # (a layer after a strided Conv1D or pooling reads that layer's steps: "= pool's step")
        below = steps_below(self.model, ref.name)
        word = "input step" if below is None else f"{markup(below)}'s step"
        over, mixed = f"{word} {count(tau)}{order}", self._mixed(ref)
        if mixed:  # (its steps each over two input steps: after a merge of a turned and an unturned one)
            over = mixed_said(tau, whole_steps(self.trace, ref.rec) or ref.T, bold=False)
        elif below is not None and (moved := moved_said(self.model, self.trace, ref.name, tau, bold=False)):
            # (after a Cropping1D, ZeroPadding1D or UpSampling1D the input step it reads at
            # once, or "padding": "= crop's step 2" sent the student to the crop's header)
            over = f"{moved}{order}"
        same = "" if tau == t and below is None and not mixed else f" = {over}"
        short = f"<b>{markup(ref.name)}</b>{side} · step <b>t = {count(t)}</b>{same}{data}{exact}"
        self.header.setText(f"<b>{markup(ref.name)}</b>{side} ({ref.kind}) · step <b>t = {count(t)}</b> = "
                            f"{over}{rest}", short=short)
        self._fit_head()  # (another line)
        if not self.cell_box.isHidden():  # (its length changes with a layer, a cell, the digits)
            plain = QtGui.QTextDocumentFragment.fromHtml(short).toPlainText()
            fit = (len(plain), self.cell_box.sizeHint().width())
            if fit != self._top_fit:
                self._short_header, self._top_fit = plain, fit
                self._fit_top()

    def _output_header(self, ref: OutputRef, s: int, t: int, u: int) -> None:
        """A layer's output over its steps: its name and class, the step (its own: a
        strided Conv1D's step is no input step) and, for a layer over windows of steps,
        the steps below it reads (``OutputRef.read_steps``), for an Embedding the token it
        embeds (``token_at``: its character where the app knows it), the filter, channel
        or unit, the sample, a long input's window (its steps of the whole sequence); a
        masked step where its output carries a mask (a Dense after a masked LSTM's sequence:
        ``OutputRecord.mask``), its grey columns said as a cell's are."""
        masked = ' · <span style="color:#D55E00"><b>masked step</b></span>' if ref.masked(s, t) else ""
        data = f" · {ref.word} <b>{u}</b> · sample {s + self.sample_base}{masked}"
        reads, taps = "", ref.read_steps(t)
        if taps:  # (a Conv1D's or a pooling's window, as the Unrolled view says it)
            if len(taps) == 1:
                steps = f"step <b>{count(taps[0])}</b>"
            elif taps[-1] - taps[0] == len(taps) - 1 or len(taps) > 4:  # (a run, or a long dilated one)
                steps = f"steps <b>{count(taps[0])}</b>–<b>{count(taps[-1])}</b>"
            else:  # (a dilated window: "steps 0, 2, 4")
                steps = "steps " + ", ".join(f"<b>{count(i)}</b>" for i in taps)
            reads = f" · reads input {steps}" if ref.below is None else f" · reads {steps} of {markup(ref.below)}"
        elif ref.every:  # (a Softmax over the steps: its sum over them, as the Unrolled view draws it)
            reads = (" · reads <b>every step</b> of the input" if ref.below is None
                     else f" · reads <b>every step</b> of {markup(ref.below)}")
        token = token_at(self.model, self.trace, ref, s, t, self.inputs)
        if token is not None:  # (an Embedding's step: the token it embeds, as the Unrolled view names it)
            reads = f" · {token_words(token[0], self._labels if token[1] else None)}"
        # (a Permute((2, 1))'s on a long input: its columns the input's steps, on its units
        # axis, its rows its own steps, the features: "step t = 1 · unit 2" said them wrong)
        across = across_said(self.model, self.trace, ref.name, t + ref.rec.start, u, "t = ")
        if across is not None:
            data = f" · {across[1]} · sample {s + self.sample_base}{masked}"
        total, exact, whole = whole_steps(self.trace, ref.rec), "", ""
        if total:  # a long input's window, as a cell's header says it
            o = ref.rec.start
            exact = f" · {across[2] if across else 'steps'} {count(o)}–{count(o + ref.T - 1)} of {count(total)}"
            whole = " · exact" + exact[2:] + (" (top strip: the whole sequence)" if self.overviews else "")
        if ref.masked_steps(s) is not None:  # (the mask the layer's input carried, handed on)
            whole = " · grey columns: masked steps" + whole
        over = ""
        if self._mixed(ref):  # (its steps each over two input steps: after a merge of a turned and an unturned one)
            over = f" = {mixed_said(ref.input_step(t, window_first(self.trace, ref.rec)), total or ref.T)}"
        elif ref.backwards:  # (its steps over the input turned around: a Dense after a go_backwards LSTM)
            tau = ref.input_step(t, window_first(self.trace, ref.rec))
            over = f" = input step <b>{count(tau)}</b> (its steps run right to left)"
        elif (moved := moved_output_said(self.model, self.trace, ref.name, t + ref.rec.start,
                                         taps if ref.reads is not None else None)) is not None:
            # (its steps moved by a Cropping1D, ZeroPadding1D or UpSampling1D: the input step
            # its step reads, or "padding"; a Dense after them said its own step alone, an
            # UpSampling1D "reads step 2 of pad", the pad's own header then the input step)
            over = f" = {moved}"
        t += ref.rec.start
        # (cut to its short form: the filter and the sample first, then the steps read, as
        # a cell's input step comes after its unit and sample there; the input step a turned
        # step stands over beside it: after the sample it read "sample 0 = input step 1,234")
        step = across[0] if across else f"step <b>t = {count(t)}</b>"
        short = f"<b>{markup(ref.name)}</b> · {step}{over}{data}{reads}{exact}"
        axes = across_axes(self.model, self.trace, ref.name)  # (its rows its steps, its columns input steps)
        pick = f"an {axes[1]} and {axes[0]}" if axes else f"a step and {ref.word}"
        self.header.setText(f"<b>{markup(ref.name)}</b> ({markup(ref.kind)} output) · {step}"
                            f"{over}{reads}{data}{whole}" + hint(f"click the heatmap to pick {pick}"),
                            short=short)
        self._fit_head()

    def _mixed(self, ref: Shown) -> bool:
        """Whether ``ref``'s steps each stand over two input steps (``cell_ref.mixed_steps``:
        a merge of a turned and an unturned sequence, the layers after it)."""
        return ref.name in mixed_steps(self.model)

    @property
    def unit_word(self) -> str:
        """What a heatmap's row is: "unit", a Conv1D's "filter", a pooling's "channel", a
        Permute((2, 1))'s "its step" on a long input (``across_axes``: its columns the
        input's steps)."""
        if not isinstance(self.ref, OutputRef):
            return "unit"
        axes = across_axes(self.model, self.trace, self.ref.name)
        return axes[0] if axes else self.ref.word

    def _fit_top(self) -> None:
        """A stack of cells' buttons beside the header where its short form (bold, at its
        width) takes at most about two lines of the room they leave it, else under the
        header, whose two lines then have the page's width (at 800 x 600 beside the side
        panel the buttons left the header 170-210 px: 4 lines, or 2 cut at its step)."""
        box = self.cell_box
        beside = True
        if not box.isHidden() and self._short_header:
            room = self.contentsRect().width() - box.sizeHint().width() - max(0, self._top.spacing())
            font = QtGui.QFont(self.header.label.font())
            font.setBold(True)
            need = QtGui.QFontMetrics(font).horizontalAdvance(self._short_header)
            beside = need <= WRAP_SLACK * 2 * room
        want = (QtWidgets.QBoxLayout.Direction.LeftToRight if beside
                else QtWidgets.QBoxLayout.Direction.TopToBottom)
        if self._top.direction() != want:
            self._top.setDirection(want)

    def show_cell(self, k: int) -> None:
        """Show the records of cell ``k`` of a stack of cells."""
        self.cell_box.pick(k)
        if self.cursor is not None:
            self.set_cursor(self.cursor)

    def _levels(self, ref: Shown, key: str):
        ov = self._overview(ref, key)
        if key in GATE_KEYS:  # 0..1, or past it (a file's relu gates), as the Cell view's charts
            return ov.levels(True) if ov is not None else gate_levels(ref.rec.steps[key])
        zero = self._from_zero(ref, key)
        if ov is not None:  # the whole sequence's levels: the same colours in every window
            return ov.levels(False, from_zero=zero)
        return from_zero_levels(ref.rec.steps[key]) if zero else th.symmetric_levels(ref.rec.steps[key])

    @staticmethod
    def _from_zero(ref: Shown, key: str) -> bool:
        """An output whose numbers are all >= 0 (a relu's: ``OutputRef.nonneg``): its
        colours run from 0 up on the sequential map, not over half of a diverging one."""
        return key == OUTPUT_KEY and bool(getattr(ref, "nonneg", False))

    def _cmap(self, ref: Shown, key: str):
        return th.gate_cmap(self.theme) if self._from_zero(ref, key) else th.cmap_for(key, self.theme)

    def _stacked_least(self) -> int | None:
        """The least height (px) of a heatmap in three rows: its title's row, its image
        ``IMAGE_STACKED`` high, no step axis, the tight margins; None where three rows of
        them need more than ``STACK_ROOM`` px more than two rows of ``HEATMAP_MIN``."""
        slot = self.slots[0]
        title = math.ceil(max(th.title_height(s.plot.titleLabel) for s in self.slots))
        _, top, _, bottom = slot.plot.layout.getContentsMargins()
        least = title + 2 * MARGIN_TIGHT + math.ceil(top + bottom) + IMAGE_STACKED
        gap = self.grid.verticalSpacing()
        if 3 * least + 2 * gap > 2 * HEATMAP_MIN + gap + STACK_ROOM:
            return None
        return least

    def _fit_columns(self) -> None:
        """The heatmaps three to a row (a GRU's four two to a row), or an LSTM's six two to a
        row, three rows without step axes, where the page is narrower than three
        ``HEATMAP_MIN_WIDTH`` wide and the theme's type leaves three rows their images
        (``_stacked_least``): at 800 x 600 beside the side panel three to a row held the
        window 902 px wide, past an 800-px screen. Three to a row are as narrow, at the
        least, as two to a row, so that the window can be narrowed to them; three rows need
        at most ``STACK_ROOM`` px more height than two (14 in the dark theme)."""
        n = self.shown_slots
        wide = 2 if n == 4 else 3
        columns, least = wide, (HEATMAP_MIN_WIDTH, HEATMAP_MIN)
        stacked = self._stacked_least() if n > 4 else None
        if stacked is not None:
            m = self._outer().contentsMargins()
            gap = self.grid.horizontalSpacing()
            if self.width() - m.left() - m.right() < wide * HEATMAP_MIN_WIDTH + (wide - 1) * gap:
                columns, least = 2, (HEATMAP_MIN_WIDTH, stacked)
            else:  # (as narrow as two to a row, at the least: the window can be narrowed to it)
                two = 2 * HEATMAP_MIN_WIDTH + gap
                least = (-(-(two - (wide - 1) * gap) // wide), HEATMAP_MIN)
        if columns == wide and self.width() > 0:
            # a page narrower than its row's least (presenting at 800 x 600 beside the side
            # panel a Bidirectional's page was 374 px for three of 152: the widgets overlapped,
            # each colour bar's labels under its right neighbour, the third's past the
            # window's edge): each heatmap the row's share, down to HEATMAP_NARROW_WIDTH
            # (its image, its colour bar and their labels within it: ``fit_room``)
            m = self._outer().contentsMargins()
            gap = self.grid.horizontalSpacing()
            share = (self.width() - m.left() - m.right() - (columns - 1) * gap) // columns
            if share < least[0]:
                least = (max(HEATMAP_NARROW_WIDTH, share), least[1])
        strips = [slot for slot in self.slots[:self.shown_slots] if slot.strip.shown]
        if strips:  # a long input's strip above each image: at least bare (fit_strip)
            strip = strips[0].strip
            below = max(0.0, strip.layout.layout.rowSpacing(strip.row))  # (the strip's row's)
            least = (least[0], least[1] + STRIP_BARE_HEIGHT + math.ceil(below))
        self._place(columns)
        self._least = least
        self._fit_step_axes()

    def _fit_step_axes(self) -> None:
        """Step axes under the heatmaps, but an LSTM's three rows (``_fit_columns``) leave
        them to the curves below; where the curves gave way (``_fit_page``), the last row's
        say the steps, its heatmaps that much taller at the least."""
        n = self.shown_slots
        columns = max(1, self._columns)
        stacked = columns == 2 and n > 4
        last = (n - 1) // columns
        shown = []
        for k, slot in enumerate(self.slots):
            steps = not stacked or (not self.curves_shown and k // columns == last)
            if self.compact and not stacked:  # (the rows above share the last row's)
                steps = k // columns == last
            if slot.plot.getAxis("bottom").isVisible() != steps:
                slot.plot.showAxis("bottom", steps)
                slot.fit_unit_labels()
            shown.append(steps)
        # (compact: the rows' least as before, shared so that their images are alike high:
        # the last row's step axes its own, the window's least height kept; the height of
        # its last slot's axis, measured once it is shown: a hidden axis is 0 high, which
        # the rows above took where that axis was shown in the same pass)
        rows = last + 1
        share = (math.ceil(self.slots[n - 1].plot.getAxis("bottom").minimumHeight())
                 if self.compact and not stacked and self.slots else 0)
        for slot, steps in zip(self.slots, shown):
            width, height = self._least
            if stacked and steps:
                height += math.ceil(slot.plot.getAxis("bottom").minimumHeight())
            elif self.compact and not stacked:
                height += share - share // rows if steps else -(share // rows)
            if (slot.widget.minimumWidth(), slot.widget.minimumHeight()) != (width, height):
                slot.widget.setMinimumSize(width, height)

    def _place(self, columns: int) -> None:
        """The heatmaps row by row, ``columns`` to a row (moved only when that changes)."""
        if columns == self._columns:
            return
        for slot in self.slots:
            self.grid.removeWidget(slot.widget)
        for k, slot in enumerate(self.slots):
            self.grid.addWidget(slot.widget, k // columns, k % columns)
        self._columns = columns

    def _set_layer(self, ref: Shown, s: int) -> None:
        t = self.theme
        keys = ref.cell.records
        self.images, self.colorbars = {}, {}
        self.cursor_lines = [self.curve_cursor]
        self.shown_slots = min(len(keys), len(self.slots))
        for k, slot in enumerate(self.slots):
            if k >= len(keys):
                slot.widget.setVisible(False)
                slot.key = None
                continue
            key = keys[k]
            slot.key = key
            slot.widget.setVisible(True)
            slot.colorbar.setColorMap(self._cmap(ref, key))
            slot.strip.show(self._overview(ref, key), self._cmap(ref, key), self._levels(ref, key))
            # the meaning's first words ("hidden state", not "hidden state / output"); the
            # symbol alone where that is wider than the heatmap (a projector's 1280 x 720)
            symbol = f"{th.symbol_html(key)}<sub>t</sub>"
            meaning = th.MEANINGS[key] if key != OUTPUT_KEY else f"{markup(ref.name)}'s output"
            name = f"{symbol} · {meaning.split(' / ')[0]}"

            def coloured(text: str, key: str = key) -> str:
                return t.subscripts(f'<span style="color:{t.hue(key)}"><b>{text}</b></span>')
            th.set_title(slot.plot, coloured(name), short=coloured(symbol), size=f"{t.pt(1.0)}pt")
            slot.fit_title_row()
            slot.plot.setLabel("left", self.unit_word, color=t.foreground, **{"font-size": f"{t.pt(0.85)}pt"})
            slot.fit_label()
            if not slot.strip.shown:
                slot.plot.getAxis("left").setWidth(None)
            slot.fit_left()
            self.images[key] = slot.image
            self.colorbars[key] = slot.colorbar
            self.cursor_lines.append(slot.cursor_line)
        # a GRU's four heatmaps two by two: three to a row left the fourth (h) alone under
        # the first, two thirds of its row empty and every heatmap a third of the width
        self._fit_columns()
        self._fit_page()
        # the heatmaps' titles whole or short together, not some of each
        th.titles_together(*(slot.plot for slot in self.slots if slot.key is not None))
        for slot in self.slots:
            if slot.key is None:
                th.titles_together(slot.plot)  # (out of the grid's group)
        # curves: only this kind's keys, in the legend too
        self.legend.clear()
        for curve in self.curves.values():
            if curve.scene() is not None:
                self.curve_plot.removeItem(curve)
        for key in keys:
            curve = self.curves[key]
            width = t.line_width * (1.4 if key == "h" else 1.0)
            curve.setPen(pg.mkPen(t.hue(key), width=width))
            curve.setSymbolBrush(t.hue(key))
            curve.setSymbolPen(None)
            self.curve_plot.addItem(curve)
            self.curve_shift.adopt(curve)
            self.legend.addItem(curve, th.symbol_html(key))
        self._curve_keys = tuple(keys)  # (the curves in the plot; the others out of its scene)
        self._candidates = {g.key for g in ref.cell.gates if g.role == "candidate"}
        for key in self._candidates & set(keys):
            self.legend.set_names(self.curves[key], *self._legend_names(key, False))
        self._right_look = ()  # (the entries' names: _set_right)
        keep_pixels(self.legend)
        self.curve_plot.setLabel("left", "value", color=t.foreground, **{"font-size": f"{t.pt(0.85)}pt"})
        self._curve_range = ()
        for shifted in [slot.shift for slot in self.slots] + [self.curve_shift]:
            shifted.reset()
        self._set_units(ref)
        self._set_window(ref, s)

    def _set_units(self, ref: Shown) -> None:
        """The heatmaps' unit axes (an edit of ``units`` changes only these)."""
        U = ref.units
        for slot in self.slots:
            if slot.key is not None:
                slot.plot.setYRange(-0.5, U - 0.5, padding=0)
                slot.cursor_line.set_span(-0.5, U - 0.5)
                count_axis(slot.plot.getAxis("left"), U, max_ticks=4)  # units and steps are counts
                slot.fit_left()  # (more digits: more width)

    def _set_window(self, ref: Shown, s: int) -> None:
        """What changes with the trace (a long input's window): the heatmaps' numbers and
        levels, and the steps they span; the rest of the layout stays."""
        T, U = ref.T, ref.units
        o = self.offset
        reach = whole_steps(self.trace, ref.rec) or o + T  # (every window's steps: below it)
        made = {}
        if self._ahead_trace is self.trace and self._ahead_key == (ref.name, ref.side, s):
            made, self._ahead_arrays = self._ahead_arrays, {}  # (made ahead: prepare_ahead)
        for slot in self.slots:
            if slot.key is None:
                continue
            image = made.get(slot.key)
            if image is None:
                # a contiguous copy: pyqtgraph draws nothing from some strided views (units=1)
                image = np.ascontiguousarray(ref.rec.steps[slot.key][s].T)
            slot.image.setImage(image, autoLevels=False)
            slot.nan_key.show_for(holds_nan(image))
            set_levels(slot.colorbar, self._levels(ref, slot.key))
            slot.image.setRect(QtCore.QRectF(o - 0.5, -0.5, T, U))
            slot.shift.set_window(o, T)  # (the plot's range is set only when no exact map exists)
            slot.unit_line.set_span(o - 0.5, o + T - 0.5)
            count_axis(slot.plot.getAxis("bottom"), T, first=o, max_ticks=HEAT_STEP_TICKS,
                       place=slot.shift.to_range, reach=reach)
            slot.veil.show(ref.masked_steps(s), QtCore.QRectF(o - 0.5, -0.5, T, U))
        for key in ref.cell.records:
            # one step draws no line: a symbol shows the point (a few steps: both)
            self.curves[key].setSymbol("o" if T <= 3 else None)
            self.curves[key].setSymbolSize(12 if T == 1 else 8)
        self._steps_label(ref)
        self.curve_shift.set_window(o, T)
        self.zero_line.set_span(o - 0.5, o + T - 0.5)
        count_axis(self.curve_plot.getAxis("bottom"), T, first=o, max_ticks=CURVE_STEP_TICKS,
                   place=self.curve_shift.to_range, reach=reach)  # whole steps only

    def _steps_label(self, ref: Shown) -> None:
        """The curves' steps' label: a recurrent record's "processing step t", a layer's
        output's "step t" (its own steps, processed in no order of their own); where its
        steps stand over the input turned around (a backward half, a go_backwards layer, a
        Dense or SimpleRNN after one: drawn in their own order, as Keras' arrays hold them)
        the input step each is, "= input step 11 − t" (a Dense's said "step t" alone under a
        header naming the input step), "pool's step" after a strided layer; after a
        Cropping1D the input step too ("= input step 37 − t": the crop's shift added,
        ``moved_shift``), after a ZeroPadding1D or UpSampling1D no formula (its headers say
        each step's input step or padding; "= crop's step 34 − t" named steps no header
        names). Set where it changed (a trace of another length: once per trace, not per seek)."""
        t = self.theme
        axes = across_axes(self.model, self.trace, ref.name) if isinstance(ref, OutputRef) else None
        steps = f"{axes[1]}  t" if axes else "step  t" if isinstance(ref, OutputRef) else "processing step  t"
        if ref.backwards and not self._mixed(ref):  # (a mixed one's: the header's two input steps)
            below = steps_below(self.model, ref.name)
            last = (whole_steps(self.trace, ref.rec) or ref.T) - 1
            shift = moved_shift(self.model, self.trace, ref.name) if below is not None else None
            if below is None:
                steps += f"  =  input step  {count(last)} \u2212 t"
            elif shift is not None:  # (a crop's: one formula)
                steps += f"  =  input step  {count(last + shift)} \u2212 t"
            elif moved_step(self.model, self.trace, ref.name, 0) is None:  # (a strided layer's steps)
                steps += f"  =  {markup(below)}'s step  {count(last)} \u2212 t"
        if self.curve_plot.getAxis("bottom").labelText != steps:
            th.axis_title(self.curve_plot, "bottom", steps, None, t.foreground, f"{t.pt(0.95)}pt")
            self._fit_curves_label()

    def _unit_spans(self, ref: Shown, u: int) -> dict[str, tuple[float, float]]:
        """The least and the largest value of each of unit ``u``'s records over the whole
        sequence and every sample traced (a long input's: from its overviews); a record
        without a finite value has none."""
        spans = {}
        for key in ref.cell.records:
            ov = self._overview(ref, key)
            col = (np.concatenate([ov.lo[:, u], ov.hi[:, u]]) if ov is not None
                   else ref.rec.steps[key][..., u])
            col = col[np.isfinite(col)]
            if col.size:
                spans[key] = (float(col.min()), float(col.max()))
        return spans

    @staticmethod
    def _sides(spans: dict[str, tuple[float, float]]) -> tuple[str, ...]:
        """The records drawn against the right axis: those reaching past ``WIDE`` while
        others stay within ``NARROW`` (none else: one axis)."""
        extent = {key: max(-lo, hi) for key, (lo, hi) in spans.items()}
        wide = tuple(key for key, m in extent.items() if m > NARROW)
        if wide and len(wide) < len(extent) and max(extent[k] for k in wide) > WIDE:
            return wide
        return ()

    def _fit_curves(self, ref: Shown, s: int, u: int) -> None:
        """The curves' value range: the selected unit's own values, 0..1 at least where
        the cell has gates (a SimpleRNN's: its values and 0, rounded out) (with
        the layer's widest cell state, a published model's +-17, every other unit's curves
        were flat lines); the same at every step of the unit. A record far wider than the
        others (``_sides``: a cell state of +-80 beside gates of 0..1) is drawn against the
        right axis, whose range is its own values and 0."""
        spans = self._unit_spans(ref, u)
        right = self._sides(spans)
        left = [span for key, span in spans.items() if key not in right]
        least = min((lo for lo, _ in left), default=0.0)
        most = max((hi for _, hi in left), default=1.0)
        if ref.cell.gated:
            lo, hi = min(0.0, least), max(1.0, most)
        else:  # (no gate in 0..1 to show: a SimpleRNN's h of +-0.3 was drawn against 0..1)
            lo, hi = _rounded_out(min(0.0, least), max(0.0, most),
                                  from_zero=all(self._from_zero(ref, key) for key in spans))
        if right:
            rlo = min(0.0, min(spans[k][0] for k in right))
            rhi = max(0.0, max(spans[k][1] for k in right))
            (lo, hi), (rlo, rhi) = _zero_aligned((lo, hi), (rlo, rhi))
            self._set_right(right, (rlo, rhi), (lo, hi))
        else:
            self._set_right((), (), (lo, hi))
        if (lo, hi) != self._curve_range:
            self.curve_plot.setYRange(lo, hi, padding=0.05)
            pad = 0.05 * (hi - lo)  # the range pyqtgraph shows
            self.curve_cursor.set_span(lo - pad, hi + pad)
            self._curve_range = (lo, hi)
        pad = 0.1 * (hi - lo)  # beyond the view's own padding: the band spans the plot
        self.curve_veil.show(ref.masked_steps(s),
                             QtCore.QRectF(self.offset - 0.5, lo - pad, ref.T, hi - lo + 2 * pad))

    def _legend_names(self, key: str, right: bool) -> tuple[str, str]:
        """A curve's legend entry, whole and short: a candidate's says "cand." after its
        symbol (at the legend's size h̃'s tilde was lost on the h's ascender: it read as a
        second h), as the Cell view's chart titles do; on the right axis "(right axis)",
        short "→"."""
        symbol = th.symbol_html(key)
        name = f"{symbol} cand." if key in self._candidates else symbol
        return (f"{name} (right axis)", f"{symbol} →") if right else (name, symbol)

    def _set_right(self, keys: tuple[str, ...], right: tuple, left: tuple) -> None:
        """Records ``keys`` drawn against the right axis (none: the axis hidden): the
        values ``right`` (rlo, rhi) mapped onto the left axis' ``left`` (lo, hi) (the
        curves keep their values: a transform draws them), the axis' numbers in the
        records' colour and their legend entries saying "(right axis)" or "→" (a title rotated
        beside the axis read "c" as a "u")."""
        for key in self._curve_keys:
            curve, on_right = self.curves[key], key in keys
            for item, home, mapped in ((curve, self.curve_shift, self.right_group),
                                       (self.curve_twins[key], self.curve_twin_group, self.right_twin_group)):
                parent = mapped if on_right else home
                if item.parentItem() is not parent:
                    item.setParentItem(parent)
        self.right_keys = keys
        look = (keys, id(self.theme))
        if look != self._right_look:
            self._right_look = look
            for key in self._curve_keys:
                self.legend.set_names(self.curves[key], *self._legend_names(key, key in keys))
        axis = self.curve_plot.getAxis("right")
        if not keys:
            if self.right_range:
                self.curve_plot.showAxis("right", False)
            self.right_range = ()
            return
        (rlo, rhi), (lo, hi) = right, left
        k = (hi - lo) / (rhi - rlo)
        transform = QtGui.QTransform(1.0, 0.0, 0.0, k, 0.0, lo - k * rlo)
        for group in (self.right_group, self.right_twin_group):
            group.setTransform(transform)
        pad = 0.05 * (rhi - rlo)  # (the left's padding, in the right's values)
        axis.setRange(rlo - pad, rhi + pad)
        hue = pg.mkPen(self.theme.hue(keys[0]))
        if axis.textPen().color() != hue.color():
            axis.setTextPen(hue)
        if not self.right_range:
            self.curve_plot.showAxis("right", True)
        self.right_range = (rlo, rhi)

    # -- a long input's next window, painted ahead ---------------------------------------
    _ahead_key: tuple = ()

    def prepare_ahead(self, trace) -> None:
        """A long input's next window (``LongSequence.next_window``: the one stepping forward
        shows next, computed): its heatmaps' arrays made, and its images, curves and step
        axes painted as they will be painted (``Ahead``, ``paint_axis_ahead``), one
        piece at each turn of the event loop (each a millisecond or two, between the steps
        of a playback), so that the step that shows it copies them instead of drawing its
        heatmaps, curves and axes anew in one frame. What the step shows is its own trace
        as ever: a piece whose item then holds other numbers (another unit, sample) is
        painted as before; where another layer is shown, the pieces left are dropped (its
        heatmaps hold other records)."""
        if trace is self._ahead_trace or trace is self.trace or self.model is None or self.ref is None:
            return
        if not self.isVisible() or getattr(trace, "start", None) is None:
            return
        self._ahead_trace = trace
        self._ahead_arrays = {}
        self._ahead_todo = []
        for item in [slot.image for slot in self.slots] + [curve.curve for curve in self.curves.values()]:
            item._ahead = None  # (an earlier window's, never shown: another size, unit ...)
        ref = self.ref
        nref: Shown | None = (output_ref(self.model, trace, ref.name) if isinstance(ref, OutputRef)
                              else cell_ref(self.model, trace, ref.name, ref.side))
        if (nref is None or nref.cell is not ref.cell or nref.T != ref.T or nref.units != ref.units
                or not self._layout_key):
            return
        s, _, u = ref.clamp_cursor(self.cursor)
        self._ahead_key = (ref.name, ref.side, s)
        start = int(nref.rec.start)  # (a backward half's: the steps reading the window's input)
        slots = [slot for slot in self.slots if slot.key is not None]
        todo: list = [(self._ahead_image, nref, slot, s, start) for slot in slots]
        if self.curves_shown:  # (gave way: _fit_page)
            todo += [(self._ahead_curve, nref, key, s, u, start) for key in nref.cell.records]
        todo.append((self._ahead_axes, nref, start))
        self._ahead_todo = todo
        self._ahead_timer.start()

    def _ahead_piece(self) -> None:
        # (another layer shown since: its slots hold other records, the pieces are dropped)
        ref = self.ref
        if not self._ahead_todo or self._ahead_trace is None or self._ahead_trace is self.trace \
                or not self.isVisible() or ref is None or self._ahead_key[:2] != (ref.name, ref.side):
            self._ahead_todo = []
            self._ahead_timer.stop()
            return
        piece, *args = self._ahead_todo.pop(0)
        piece(*args)

    def _ahead_image(self, nref: Shown, slot: _Heatmap, s: int, start: int) -> None:
        assert slot.key is not None  # (prepare_ahead: the slots with a key)
        image = np.ascontiguousarray(nref.rec.steps[slot.key][s].T)
        self._ahead_arrays[slot.key] = image
        shown = slot.image
        mapping = slot.shift.map_of(start, nref.T)
        view = slot.widget
        if mapping is None or shown.lut is None or view is None:
            return
        twin = slot.twin_image
        twin.setLookupTable(shown.lut, update=False)
        levels = self._levels(nref, slot.key)
        twin.setImage(image, autoLevels=False, levels=(float(levels[0]), float(levels[1])))
        twin.setRect(QtCore.QRectF(start - 0.5, -0.5, nref.T, nref.units))
        slot.twin_group.setTransform(slot.shift.transform_of(*mapping))
        world = twin.deviceTransform(view.viewportTransform())
        shown._ahead = Ahead.paint(twin, world, view.renderHints(), twin.ahead_content(),
                                   view.devicePixelRatioF())

    def _ahead_curve(self, nref: Shown, key: str, s: int, u: int, start: int) -> None:
        shown = self.curves[key].curve
        mapping = self.curve_shift.map_of(start, nref.T)
        if mapping is None or nref.T <= 3:
            return
        twin = self.curve_twins[key]
        twin.opts["antialias"] = shown.opts["antialias"]
        twin.setPen(shown.opts["pen"])
        x = np.arange(start, start + nref.T)
        twin.setData(x=x, y=nref.rec.steps[key][s, :, u], connect="finite", skipFiniteCheck=False)
        self.curve_twin_group.setTransform(self.curve_shift.transform_of(*mapping))
        view = self.curve_widget
        world = twin.deviceTransform(view.viewportTransform())
        shown._ahead = Ahead.paint(twin, world, view.renderHints(), twin.ahead_content(),
                                   view.devicePixelRatioF())

    def _ahead_axes(self, nref: Shown, start: int) -> None:
        T = nref.T
        plots = [(slot.plot, slot.shift, HEAT_STEP_TICKS) for slot in self.slots if slot.key is not None]
        for plot, shift, most in plots + [(self.curve_plot, self.curve_shift, CURVE_STEP_TICKS)]:
            mapping = shift.map_of(start, T)
            if mapping is not None:  # (as _set_window gives the axis its ticks)
                axis = plot.getAxis("bottom")
                place = lambda v, sh=shift, m=mapping: sh.to_range(v, m)  # noqa: E731
                paint_axis_ahead(axis, counted_ticks(axis, T, start, most, place=place))

    def _set_unit(self, ref: Shown, s: int, u: int) -> None:
        x = np.arange(self.offset, self.offset + ref.T)
        self._fit_curves(ref, s, u)
        # a far seek's quick steps: the curves aliased, the same pen (Qt's antialiased fill of
        # a 2.5 px line ~0.3 ms a curve, aliased ~0.03); the whole window, a moment later,
        # antialiased as ever
        smooth = not (self.quick and ROUGH_QUICK)
        for key in ref.cell.records:
            self.curves[key].opts["antialias"] = smooth
            self.curves[key].set_line(x, ref.rec.steps[key][s, :, u])
        for slot in self.slots:
            if slot.key is not None:
                slot.unit_line.setPos(u)
        self._update_focus()
        self._note_nan(ref, s, u)
        word = self.unit_word
        axes = across_axes(self.model, self.trace, ref.name) if isinstance(ref, OutputRef) else None
        over = f"over the {axes[1]}s" if axes else "over time"  # (a Permute's its step over the input steps)
        th.set_title(self.curve_plot, f"{word} {u} {over}", short=f"{word} {u}", color=self.theme.foreground,
                     size=f"{self.theme.pt(1.0)}pt", justify="left")  # (the legend: at the right)

    @contextlib.contextmanager
    def drawn_settled(self) -> Iterator[None]:
        """The unit's curves antialiased while it is held, where the quick steps drew them
        aliased (``ROUGH_QUICK``): an export made then is the picture of those steps drawn
        as their whole window is, not the seek's cheaper one; aliased again after (the
        window as it is, until the whole window replaces them)."""
        rough = [c for c in self.curves.values() if not c.curve.opts["antialias"]] if self.quick else []
        for item in rough:
            item.opts["antialias"] = item.curve.opts["antialias"] = True
            item.curve.update()  # (its cached pixmap, painted aliased, painted anew)
        try:
            yield
        finally:
            for item in rough:
                item.opts["antialias"] = item.curve.opts["antialias"] = False
                item.curve.update()

    def _note_nan(self, ref: Shown, s: int, u: int) -> None:
        """"no number (NaN) from step k" at the top of the curves' plot where unit ``u``'s
        first record becomes NaN (reading into the empty part; from its right end where
        that is the last third); hidden where every record is a number."""
        first = [int(np.argmax(bad)) for bad in (np.isnan(ref.rec.steps[key][s, :, u])
                                                  for key in ref.cell.records) if bad.any()]
        note = self.nan_note
        if not first:
            note.hide()
            return
        k = min(first)
        note.setText(f"no number (NaN) from step {self.offset + k}")
        lo, hi = self._curve_range
        top = hi + 0.05 * (hi - lo)  # (the view's top: its padding)
        early = k < 2 * ref.T / 3
        note.setAnchor((0, 0) if early else (1, 0))
        note.setPos(self.offset + (k - 0.5 if early else ref.T - 1), top)
        note.show()

    # -- clicks ---------------------------------------------------------------------------
    def click_overview(self, step: int) -> None:
        """A click on a strip: ``step`` of the whole sequence (asked in the trace's steps)."""
        self.step_requested.emit(int(step) - self.offset)

    def click_image(self, key: str | None, column: int, row: int) -> None:
        """A click on heatmap ``key`` at (step ``column``, unit ``row``)."""
        if self.ref is None or key is None:
            return
        if 0 <= row < self.ref.units:
            self.unit_requested.emit(int(row))
        if 0 <= column < self.ref.T:
            self.step_requested.emit(int(column))
