"""The long-sequence window: the whole sequence as an overview beside the exact window
around the current step, the keyframe pass's progress with a Cancel button, and units at
scale (ranked by variance, saturation or correlation; threshold crossings).

Everything it shows comes from ``app.long_sequence.LongSequence`` and ``app.scale``: the
pass and the summaries run on a worker thread (NumPy releases the GIL), a timer reads
their progress, and the window only draws (items created once, then ``setImage`` /
``setData``). Colour levels are fixed per record: 0..1 for gates, symmetric around 0 for
signed values, the same in the overview and the window.
"""

from __future__ import annotations

import contextlib
import threading
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app import scale
from lstmviz.app.cell_ref import unit_word
from lstmviz.app.counts import count
from lstmviz.app.long_sequence import LONG_STEPS, LongSequence, failure
from lstmviz.app.output_ref import OUTPUT_KEY, nonnegative
from lstmviz.app.whole_input import WholeInput
from lstmviz.engine.trace import GATE_KEYS
from lstmviz.errors import LstmvizError
from lstmviz.text import markup, plural
from lstmviz.ui import theme as th
from lstmviz.ui.accessible import name_parts
from lstmviz.ui.background import Job
from lstmviz.ui.density import RectItem
from lstmviz.ui.labels import ElidedCombo, FigureSpin, FlowRow, ShrinkCombo
from lstmviz.ui.plot_tools import StepAxis, ValueAxis, count_ticks, label_room

#: ranked rows named on a heatmap's axis before it has a height (then as many as it holds
#: apart, ``_name_rows``)
MAX_ROW_NAMES = 16
#: a ranking's rows named every k-th: the finest of these whose names fit apart
ROW_STRIDES = (1, 2, 3, 4, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 10**9)
#: crossings listed at most (the status counts them all)
MAX_LISTED = 1000
#: finding crossings: a progress dialog with Cancel once it has taken this long (s)
CROSSINGS_QUIET_S = 0.1
#: the crossings' box before crossings are found, its tooltip, and the characters it holds
#: whole ("12,345 crossings", the count it says once they are: ``find_crossings``)
NONE_FOUND = "steps found"
CROSSINGS_TIP = "The steps where the unit crosses the threshold: pick one to go there"
CROSSINGS_CHARS = 16
#: a feature's name shown in its box at most (longer ones cut)
FEATURE_NAME_CHARS = 24
#: the heatmaps' titles (a ranking adds ", units by variance" ...)
OVER_TITLE = "whole sequence (min/max per bin)"
#: the overview's title where its bins are one step each (at most 1,023 steps: no min/max)
OVER_STEPS_TITLE = "whole sequence (every step)"
WINDOW_TITLE = "exact window"
#: the exact window's title where it holds every step (``_fit_columns``: no overview beside)
EVERY_TITLE = "every step"
OVER_SHORT = "whole sequence"
#: the heatmaps' share of the plots' height beside the curves' (the selected unit's two
#: plots); the curves give more of theirs where the heatmaps show more rows than
#: ``ROWS_WIDE`` (a layer of hundreds of units, model order): at 760 x 540 (an 800 x 600
#: screen) its heatmaps had 105 px for 512 units, the curves as much for one unit
HEATMAPS_STRETCH = 2
CURVES_STRETCH = 2
CURVES_NARROW = 1
ROWS_WIDE = 64
#: pixels between the dashed line above a unit ranked below the top ones and its row's outline
BELOW_GAP_PX = 3


class _ColumnAxis:
    """A left axis as wide as the other left axis of its column (``pair``): the heatmap's
    (unit numbers and "unit") and the curve's (values) were as wide as their own labels,
    so the plots under one another started at different x and step t of the curve stood
    off step t of the heatmap above it. pyqtgraph's own width (``_updateWidth``) is kept
    as ``natural``; both take the larger."""

    natural = 0.0
    partner: _ColumnAxis | None = None

    def pair(self, other: _ColumnAxis) -> None:
        self.partner, other.partner = other, self
        self._updateWidth()

    def _updateWidth(self) -> None:  # noqa: N802 (pyqtgraph's)
        super()._updateWidth()  # type: ignore[misc]
        natural = float(self.maximumWidth())  # type: ignore[attr-defined]
        changed = natural != self.natural
        self.natural = natural
        self._widen()
        if changed and self.partner is not None:
            self.partner._widen()

    def _widen(self) -> None:
        w = max(self.natural, self.partner.natural if self.partner is not None else 0.0)
        if self.isVisible() and self.maximumWidth() != w:  # type: ignore[attr-defined]
            self.setMaximumWidth(w)  # type: ignore[attr-defined]
            self.setMinimumWidth(w)  # type: ignore[attr-defined]
            self.picture = None


class _HeatmapLeft(_ColumnAxis, pg.AxisItem):
    """A heatmap's unit axis, as wide as its curve's value axis below (``_ColumnAxis``)."""


class _CurveLeft(_ColumnAxis, ValueAxis):
    """A curve's value axis, as wide as its heatmap's unit axis above (``_ColumnAxis``)."""


class _OneLine(QtWidgets.QLabel):
    """A label that wraps where it has less room than its text, but asks for its text on
    one line (a wrapping QLabel asks for less, and wrapped beside empty room)."""

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        hint = super().sizeHint()
        m = self.contentsMargins()
        line = self.fontMetrics().horizontalAdvance(self.text()) + 2 * self.margin() + m.left() + m.right() + 2
        return QtCore.QSize(max(hint.width(), line), hint.height())


class LongSequenceWindow(QtWidgets.QWidget):
    """A window on one long input of one model."""

    #: a crossing picked in the list: (step, layer, side or "", unit), for the main window's
    #: cursor (it stayed where it was: the crossing was shown here only)
    crossing_picked = QtCore.Signal(int, str, str, int)
    #: a unit picked by a click on its row of a heatmap: (layer, side or "", unit), for the
    #: main window's selected unit (its views and unit box)
    unit_picked = QtCore.Signal(str, str, int)

    def __init__(self, model=None, x=None, window: int = 256, parent=None, start: bool = True,
                 seq: LongSequence | WholeInput | None = None, feature_names=None, sample_base: int = 0,
                 own: bool = False, resume_pass=None):
        super().__init__(parent)
        #: the main window's long input: what goes on with its pass after a Cancel (the main
        #: window's Trace all, ``LongRunner.resume``: True where it did), for "Go on" here
        self.resume_pass = resume_pass
        #: the input's sample that the sequence's sample 0 is (the main window traces the
        #: sample it shows alone: its long input holds that one; the sample box names it)
        self.sample_base = int(sample_base)
        #: ``seq``: the main window's long input (its pass shared, not run again), unless
        #: ``own`` (an input traced whole, ``WholeInput``: its trace of the sample shown);
        #: else its own ``LongSequence`` of ``x``
        self.owns = seq is None or own
        self.seq: LongSequence | WholeInput = seq if seq is not None else LongSequence(model, x, window)
        model = self.seq.model
        self._titled_steps: int | None = None
        self._fit_title()
        self.setWindowFlag(QtCore.Qt.WindowType.Window)
        # (the layers that are not recurrent too, their outputs over their steps: from the
        # same windows on a long input, the trace's own on an input traced whole)
        self.choices = scale.records(model, self.seq.inputs)
        feats = int(np.shape(self.seq.x)[2]) if np.ndim(self.seq.x) == 3 else 1
        #: the input's features' names (a CSV header's, escaped: ``long_data.header_name``), or None
        self.feature_names = (tuple(feature_names) if feature_names is not None and len(feature_names) == feats
                              else None)
        if not self.choices:
            # (nothing over the steps: a GlobalAveragePooling1D, then a Dense)
            over = "a long sequence" if self.seq.steps > LONG_STEPS else "its steps"
            raise LstmvizError(f"the model has no layer to follow over {over}: none is recurrent or "
                               "gives an output a step")
        self.step = 0
        self.order: np.ndarray | None = None
        #: every unit ranked (``order`` is its top ones): the rank of a unit below them
        self._ranking: np.ndarray | None = None
        #: the selected unit ranked below the top ones shown: (unit, its rank from 1, units)
        #: (its row is added under theirs, past a dashed line: ``redraw``)
        self._below: tuple[int, int, int] | None = None
        self._rows: np.ndarray = np.zeros(0, np.int64)
        self.summary = None
        self._summary_key = None
        self._worker: threading.Thread | None = None
        self._pending: tuple | None = None
        self._summary_progress = (0, 1)
        self._summary_error: str | None = None  # (this window's: the sequence's is its pass's)
        #: the unit ``show_at`` asked for before the record's units were known (a half that
        #: runs backwards shows no step before the pass: the unit box was held to 0 and the
        #: main window's unit lost), set once they are (``redraw``)
        self._unit_wanted: int | None = None
        #: saturation was chosen and a record without it picked: ranked by variance meanwhile,
        #: by saturation again on a record that has it (``_fit_saturation``), unless the user
        #: picks another ranking meanwhile
        self._saturation_left = False
        self._ranking_by_code = False
        self._build()
        self._fit_saturation()
        self._fit_feature()
        self._offer_find()
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._poll)
        if start:
            self.start()
        self.redraw()

    # -- layout ------------------------------------------------------------------------
    def _build(self):
        t = th.current()
        lay = QtWidgets.QVBoxLayout(self)
        top = QtWidgets.QHBoxLayout()
        # (as wide as its longest record where there is room, its text cut to "…" where
        # not: a Bidirectional's long name held the window past a 1024 px screen)
        self.record_combo = ShrinkCombo(least=16)
        for layer, key in self.choices:
            self.record_combo.addItem(f"{layer}: {key}", (layer, key))
        self.record_combo.currentIndexChanged.connect(lambda _: self._record_changed())
        self.sample_spin = QtWidgets.QSpinBox()
        self.sample_spin.setRange(self.sample_base, self.sample_base + self.seq.samples - 1)
        self.sample_spin.setPrefix("sample ")
        self.sample_spin.valueChanged.connect(lambda _: self._sample_changed())
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat(f"{self.seq.pass_name} %p%")
        # (the summary's progress names the record, not its layer too: the box beside names it)
        self.progress.setMinimumWidth(self.progress.fontMetrics().horizontalAdvance(
            f"{max((b for _, b in self.choices), key=len)} over all steps 100%") + 40)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel_clicked)
        self.status = QtWidgets.QLabel("")
        self.status.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # (an error may name a layer or file)
        self.status.setWordWrap(True)  # (two lines rather than a window past the screen)
        for w in (QtWidgets.QLabel("record"), self.record_combo, self.sample_spin, self.progress,
                  self.cancel_button):
            top.addWidget(w)
        top.addWidget(self.status, 1)
        lay.addLayout(top)

        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground(t.background)
        # (their steps in the compact form of every step axis: "100k", not "100000")
        # (step t of a curve under step t of its heatmap: their left axes as wide, their
        # steps' ranges the same, ``_fit_steps``; a heatmap's column of step t spans
        # t - 0.5 .. t + 0.5, as in Over time, not t .. t + 1)
        self.over_plot = self.glw.addPlot(row=0, col=0, axisItems={"bottom": StepAxis("bottom"),
                                                                   "left": _HeatmapLeft("left")})
        self.win_plot = self.glw.addPlot(row=0, col=1, axisItems={"bottom": StepAxis("bottom"),
                                                                  "left": _HeatmapLeft("left")})
        # (their values' labels two lines apart at least: five stood in ~80 px at 760 x 540)
        self.curve_over = self.glw.addPlot(row=1, col=0, axisItems={"bottom": StepAxis("bottom"),
                                                                    "left": _CurveLeft("left")})
        self.curve_win = self.glw.addPlot(row=1, col=1, axisItems={"bottom": StepAxis("bottom"),
                                                                   "left": _CurveLeft("left")})
        for top, below in ((self.over_plot, self.curve_over), (self.win_plot, self.curve_win)):
            top.getAxis("left").pair(below.getAxis("left"))
        self._ranges: dict = {}  # (each plot's steps range set last: ``_fit_steps``)
        self._value_ranges: dict = {}  # (each curve's value range set last, None: its own: ``_fit_values``)
        for p in (self.over_plot, self.win_plot):
            p.invertY(True)
        for p in (self.over_plot, self.win_plot, self.curve_over, self.curve_win):
            for side in ("left", "bottom"):  # counts and values, never "unit (x0.001)"
                p.getAxis(side).enableAutoSIPrefix(False)
        self._titles: dict = {}
        self._set_title(self.over_plot, self._over_title(), OVER_SHORT)
        self._set_title(self.win_plot, WINDOW_TITLE)
        #: the exact window holds every step: the overview, the same numbers, is not shown
        self._one_column = False
        self._named: tuple | None = None  # (what the rows' names are of: ``_name_rows``)
        self._row_args: tuple | None = None  # (the rows ``_name_rows`` named last: (order, units))
        self._fit_steps(self.over_plot, self.curve_over, 0, self._steps())  # (before its summary)
        self.over_img = pg.ImageItem(axisOrder="row-major")
        self.win_img = pg.ImageItem(axisOrder="row-major")
        self.over_plot.addItem(self.over_img)
        self.win_plot.addItem(self.win_img)
        self.over_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(t.highlight, width=2))
        self.win_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(t.highlight, width=2))
        self.over_plot.addItem(self.over_line)
        self.win_plot.addItem(self.win_line)
        # the selected unit's row, outlined in both heatmaps (a click on a row selects it)
        self._marks: dict = {}  # (each outline's row, x and width: ``_mark_again``)
        self.over_row = self._row_mark(self.over_plot, t)
        self.win_row = self._row_mark(self.win_plot, t)
        # above the selected unit's row where it is ranked below the top ones shown
        self.over_sep = self._below_line(self.over_plot, t)
        self.win_sep = self._below_line(self.win_plot, t)
        self.band_lo = self.curve_over.plot(pen=pg.mkPen((120, 160, 220)))
        self.band_hi = self.curve_over.plot(pen=pg.mkPen((120, 160, 220)))
        self.band = pg.FillBetweenItem(self.band_lo, self.band_hi, brush=pg.mkBrush(120, 160, 220, 90))
        self.curve_over.addItem(self.band)
        self.unit_curve = self.curve_win.plot(pen=pg.mkPen((230, 140, 40), width=2))
        self.curve_line = pg.InfiniteLine(angle=90)
        self.curve_win.addItem(self.curve_line)
        self.over_img.mouseClickEvent = self._overview_clicked
        self.win_img.mouseClickEvent = self._window_clicked
        self.over_img.setToolTip("Click a row to select its unit, here and in the main window, and "
                                 "go to the step")
        self.win_img.setToolTip("Click a row to select its unit, here and in the main window")
        self._style_plots(t)
        th.titles_together(self.curve_over, self.curve_win)  # (both short, or both whole)
        #: units a heatmap's image row holds (``scale.fold_rows``): 1 while its rows fit its pixels
        self._fold = 1
        self._curves_stretch = 0
        self._set_curves_stretch(CURVES_STRETCH)
        self.win_plot.vb.sigResized.connect(lambda _vb: self._refold())
        for p in (self.over_plot, self.win_plot):  # (rows a pixel changed: the outlines' gap)
            p.vb.sigYRangeChanged.connect(lambda *_: self._mark_again())
        lay.addWidget(self.glw, 1)

        seek = QtWidgets.QHBoxLayout()
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, self._steps() - 1)
        self.slider.valueChanged.connect(self.seek)
        self.step_label = QtWidgets.QLabel("")
        self.step_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # (a layer's name)
        seek.addWidget(self.slider, 1)
        seek.addWidget(self.step_label)
        lay.addLayout(seek)

        # token ids ((batch, steps): an Embedding first) have no feature to correlate with:
        # no correlation ranking, feature box or r (every unit said r +0.000, and ranked by
        # correlation stood in model order)
        ids = np.ndim(self.seq.x) == 2
        self.rank_combo = ElidedCombo()
        self.rank_combo.addItems(["model order", *(r for r in scale.RANKINGS if not (ids and r == "correlation"))])
        self.rank_combo.currentIndexChanged.connect(lambda _: self._rank_picked())
        self.feature_spin = QtWidgets.QSpinBox()
        feats = int(np.shape(self.seq.x)[2]) if np.ndim(self.seq.x) == 3 else 1
        self.feature_spin.setRange(0, max(0, feats - 1))
        self._fed: int | None = 0  # the model input whose features the box counts (``_fit_feature``)
        self.feature_spin.setPrefix("feature ")
        self.feature_spin.setToolTip("The input feature the units' r is their correlation with"
                                     + (" (named by the CSV's header)" if self.feature_names else ""))
        self._name_feature(0)
        self.feature_spin.setVisible(not ids)
        self.feature_spin.valueChanged.connect(self._name_feature)
        self.feature_spin.valueChanged.connect(lambda _: self._record_changed())
        # the statistics of the sample shown, or pooled over every sample of the input (which
        # units track a feature across the data, not in one sample): ``seq.pooled_stats``
        self.pool_combo = QtWidgets.QComboBox()
        self.pool_combo.addItems(["this sample", f"all {self.seq.all_samples:,} samples"])
        self.pool_combo.setToolTip(
            "What the scores and the ranking are over: the sample shown, or every step of every "
            "sample of the input (variance over them all, r over their steps concatenated); the "
            "heatmaps and curves show the sample shown either way")
        self.pool_combo.setVisible(self.seq.all_samples > 1)
        self.pool_combo.currentIndexChanged.connect(lambda _: self._record_changed())
        self.top_spin = QtWidgets.QSpinBox()
        self.top_spin.setRange(1, 100000)
        self.top_spin.setValue(64)
        self.top_spin.setPrefix("top ")
        self.top_spin.setToolTip("How many units a ranking shows, most first")
        self.top_spin.setEnabled(False)  # (model order shows every unit: it would do nothing)
        self.top_spin.valueChanged.connect(lambda _: self._rank())
        self.unit_spin = QtWidgets.QSpinBox()
        self.unit_spin.setPrefix(f"{self._word()} ")
        self.unit_spin.valueChanged.connect(self._unit_changed)
        self._unit_by_code = False  # the unit box set by the window, not by the user
        # the selected unit's scores over the whole sequence, those the ranking sorts by
        self.scores_label = _OneLine("")
        self.scores_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.scores_label.setWordWrap(True)  # (two lines where the ranking has its own row and no more)
        self.scores_label.setToolTip(
            "The selected unit over the whole sequence: the variance of its values; saturation, "
            "the share of steps a gate is below 0.1 or above 0.9 (|value| above 0.9 for a state; "
            "a layer's output y by its activation: a sigmoid's or softmax's as a gate's, a tanh's "
            "as a state's, a relu's the steps it is 0; none of a linear one); "
            "r, its correlation with the input feature chosen beside")
        self.threshold_edit = FigureSpin()  # (0.0005 stays 0.0005: a unit of tiny amplitude)
        self.threshold_edit.setRange(-1e6, 1e6)
        self.threshold_edit.setSingleStep(0.1)
        self.threshold_edit.setPrefix("threshold ")
        self.direction_combo = QtWidgets.QComboBox()
        self.direction_combo.addItems(["up", "down", "both"])
        self.find_button = QtWidgets.QPushButton("Find crossings")
        self.find_button.clicked.connect(self.find_crossings)
        self.crossing_list = QtWidgets.QComboBox()
        self.crossing_list.setMinimumContentsLength(CROSSINGS_CHARS)
        self.crossing_list.setPlaceholderText(NONE_FOUND)
        self.crossing_list.setToolTip(CROSSINGS_TIP)
        self.crossing_list.activated.connect(self._crossing_activated)
        self._listed: tuple | None = None  # (what the crossings listed are of, the status' count)
        self.threshold_edit.valueChanged.connect(lambda _: self._forget_crossings())
        self.direction_combo.currentIndexChanged.connect(lambda _: self._forget_crossings())
        # the ranking and the crossings, side by side, or one above the other where the
        # window is narrower than both (a 1024 or 1280 px screen: in one row they held the
        # window 1270 px wide at the least, past such a screen's edge)
        # (the scores a part of their own: beside the ranking's boxes in a window of 760 px,
        # an 800 x 600 screen's, they had 133 px, wrapped to four lines in the room of three,
        # cut at the top and the bottom; on a line of their own where they do not fit beside)
        self.units_bar = FlowRow([(QtWidgets.QLabel("units by"), self.rank_combo, self.pool_combo,
                                   self.feature_spin, self.top_spin, self.unit_spin), (self.scores_label,),
                                  (self.threshold_edit, self.direction_combo, self.find_button,
                                   self.crossing_list)])
        lay.addWidget(self.units_bar)
        self._name_controls()
        # as large as it was designed, but never past the screen it opens on
        parent = self.parentWidget()
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(min(1400, screen.width() - 40), min(800, screen.height() - 60))

    def _name_controls(self) -> None:
        """What a screen reader calls each control (``ui/accessible.py``; a combo box's item
        or a spin box's value is no name: Qt on Linux named the record box "l: h"), and the
        plots after the window ("Units at scale: whole sequence ...")."""
        for widget, name in ((self.record_combo, "record"), (self.sample_spin, "sample"),
                             (self.slider, "step"), (self.rank_combo, "units by"),
                             (self.pool_combo, "scores over"), (self.feature_spin, "input feature"),
                             (self.top_spin, "units shown"), (self.unit_spin, "unit"),
                             (self.threshold_edit, "threshold"), (self.direction_combo, "crossing direction"),
                             (self.crossing_list, "crossings found")):
            widget.setAccessibleName(name)
        name_parts(self, "Units at scale")

    def _set_curves_stretch(self, stretch: int) -> None:
        """The curves' share of the plots' height beside the heatmaps' ``HEATMAPS_STRETCH``."""
        if stretch != self._curves_stretch:
            self._curves_stretch = stretch
            grid = self.glw.ci.layout
            grid.setRowStretchFactor(0, HEATMAPS_STRETCH)
            grid.setRowStretchFactor(1, stretch)

    def _fold_for(self, rows: int) -> int:
        """Units an image row of a heatmap of ``rows`` rows holds: 1 where each row has a
        pixel of the exact window's plot at least, else as many as fit one (none dropped by
        Qt's scaling: ``scale.fold_rows``)."""
        px = int(self.win_plot.vb.height())
        return 1 if rows <= 0 or px < 8 or rows <= px else -(-rows // px)

    def _refold(self) -> None:
        """The plots resized: the heatmaps drawn again where their rows fold otherwise now,
        else their rows named again (as many names as their new height holds) and outlined
        again (``_mark_row``)."""
        if self._fold_for(len(self._rows)) != self._fold:
            self.redraw()
            return
        if self._row_args is not None:
            self._name_rows(*self._row_args)
        self._mark_again()

    def _style_plots(self, t: th.Theme) -> None:
        """The plots' background, axes, titles and marks in theme ``t``."""
        self.glw.setBackground(t.background)
        for p in (self.over_plot, self.win_plot):
            th.style_plot(p, t, left=self._word(), bottom="step")
        for p in (self.curve_over, self.curve_win):
            th.style_plot(p, t)
        for plot, (title, short) in self._titles.items():
            self._set_title(plot, title, short)
        for line in (self.over_line, self.win_line):
            line.setPen(pg.mkPen(t.highlight, width=2))
        for mark in (self.over_row, self.win_row):
            pen = mark.pen()
            pen.setColor(QtGui.QColor(t.highlight))
            mark.setPen(pen)
        for sep in (self.over_sep, self.win_sep):
            sep.setPen(pg.mkPen(t.foreground, width=1, style=QtCore.Qt.PenStyle.DashLine))

    def apply_theme(self, theme: th.Theme) -> None:
        """View > Theme (``theme.apply`` calls it): the plots in the new theme's colours and
        sizes (they kept the theme the window was opened in: a dark plot in a light window),
        the heatmaps in its colour maps."""
        self._style_plots(theme)
        self.redraw()

    def _set_title(self, plot, title: str, short: str | None = None) -> None:
        """A plot's title in the theme's size and colour (read in the back row; pyqtgraph's
        were 9 pt in every theme), its short form where the whole one is wider than the plot
        (a long layer's name widened the grid's left column and pushed the right one out of
        the window)."""
        t = th.current()
        self._titles[plot] = (title, short)
        th.set_title(plot, title, short=short, color=t.foreground, size=f"{t.pt(1.1)}pt")

    def _name_feature(self, k: int) -> None:
        """The feature box says the feature's name where the input's header gave one
        ("feature 2: pressure"), cut to ``FEATURE_NAME_CHARS``."""
        names = self.feature_names if self._fed == 0 else None  # (the header is the first input's)
        name = names[k] if names and 0 <= k < len(names) else ""
        if len(name) > FEATURE_NAME_CHARS:
            name = name[:FEATURE_NAME_CHARS - 1] + "\u2026"
        suffix = f": {name}" if name else ""
        if self.feature_spin.suffix() != suffix:
            self.feature_spin.setSuffix(suffix)

    @staticmethod
    def _row_mark(plot, t: th.Theme) -> QtWidgets.QGraphicsRectItem:
        pen = QtGui.QPen(QtGui.QColor(t.highlight))
        pen.setWidthF(2.0)
        pen.setCosmetic(True)
        item = RectItem()  # (its pen as wide at every density)
        item.setPen(pen)
        item.setBrush(QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
        item.setZValue(10)
        item.setVisible(False)
        plot.vb.addItem(item, ignoreBounds=True)
        return item

    @staticmethod
    def _below_line(plot, t: th.Theme) -> pg.InfiniteLine:
        """A dashed line across a heatmap above the row of a unit ranked below the top ones."""
        line = pg.InfiniteLine(angle=0, pen=pg.mkPen(t.foreground, width=1, style=QtCore.Qt.PenStyle.DashLine))
        line.setZValue(9)
        line.setVisible(False)
        plot.addItem(line, ignoreBounds=True)
        return line

    def _mark_row(self, item: QtWidgets.QGraphicsRectItem, row: int | None, x0: float, width: float) -> None:
        """Outline heatmap row ``row`` (None: the unit is not among the rows shown). The row
        of a unit ranked below the top ones (``_below``, the last) is outlined from
        ``BELOW_GAP_PX`` under its top edge: the dashed line above it stands on that edge, and
        the outline's 2 px pen, centred there, hid it but for its ends past the image."""
        self._marks[item] = (row, x0, width)
        item.setVisible(row is not None)
        if row is not None:
            gap = 0.0
            if self._below is not None and row == len(self._rows) - 1:
                plot = self.over_plot if item is self.over_row else self.win_plot
                per_px = abs(float(plot.vb.viewPixelSize()[1]))  # (rows a pixel)
                gap = min(0.4, BELOW_GAP_PX * per_px) if np.isfinite(per_px) else 0.0
            rect = QtCore.QRectF(x0, row + gap, width, 1.0 - gap)
            if item.rect() != rect:
                item.setRect(rect)

    def _mark_again(self) -> None:
        """The rows' outlines placed anew (the plots resized: the gap below a dashed line
        is in pixels)."""
        for item, args in list(self._marks.items()):
            self._mark_row(item, *args)

    # -- the pass and the summaries (worker thread) ------------------------------------
    def start(self):
        if self._worker is not None and self._worker.is_alive():
            return  # (one that ended, not yet seen by ``_poll``, is replaced)
        want = self._wanted()
        self._worker = threading.Thread(target=self._work, args=(self.seq, want), name="lstmviz-keyframes",
                                        daemon=True)
        self._worker.start()
        self.timer.start()

    def _wanted(self):
        """What the summary is of (read on the UI thread, handed to the worker): the record,
        the row of the sample shown in the sequence's traces, the feature."""
        layer, key = self.record_combo.currentData()
        return layer, key, self.row(), self.feature_spin.value(), self.pooled()

    def pooled(self) -> bool:
        """The scores and the ranking are over every sample of the input (the box beside
        the ranking), not the sample shown."""
        return self.pool_combo.currentIndex() == 1 and self.seq.all_samples > 1

    def _over_what(self) -> str:
        """What the scores are over, said before them where the input has several samples:
        "all 3 samples: ", "sample 2: " ("" for an input of one)."""
        if self.seq.all_samples <= 1:
            return ""
        return (f"all\u00a0{self.seq.all_samples:,}\u00a0samples: " if self.pooled()
                else f"sample\u00a0{self.sample_spin.value():,}: ")

    def sample(self) -> int:
        """The sample shown, counted in the sequence (the box counts the input's)."""
        return self.sample_spin.value() - self.sample_base

    def row(self) -> int:
        """The row of the sample shown in the sequence's traces (0 where it is traced alone)."""
        return self.seq.row(self.sample())

    def _work(self, seq, want):
        if seq.ready or seq.run_pass():
            self._summarize(seq, want)

    def _summarize(self, seq, want):
        def tick(done, total):  # read by _poll on the UI thread
            self._summary_progress = (done, total)

        self._summary_progress = (0, 1)
        layer, key, row, feature, pooled = want
        try:
            result = seq.summary(layer, key, row, feature, progress=tick, pooled=pooled)
        except LstmvizError as err:
            if seq is self.seq:  # (not that of a sample no longer shown, stopped)
                self._summary_error = str(err)
            return
        except Exception as err:  # a fault of ours: said once (``_poll`` started it again every 100 ms)
            self._summary_error = failure("summary", err)
            return
        self._pending = (seq, want, result)

    def cancel(self):
        self.seq.cancel()

    def can_go_on(self) -> bool:
        """Whether the pass was cancelled and has stopped: it may go on from where it
        stopped (``go_on``): its own (a ``LongSequence`` made of a model and an input), or
        the main window's long input's, through its Trace all (``resume_pass``)."""
        busy = self._worker is not None and self._worker.is_alive()
        return (self.owns or self.resume_pass is not None) and self.seq.cancelled and not busy

    def go_on(self) -> bool:
        """The pass, cancelled, goes on (the Cancel button, then "Go on"): its own here (it
        stayed cancelled for good, the ranking never made), the main window's by its Trace
        all (``resume_pass``, which has this window follow: ``resume``; a Cancel here left
        the button disabled, and Trace all below the main window as the only way on).
        False where there was nothing to go on with."""
        if not self.can_go_on():
            return False
        if not self.owns:
            if not self.resume_pass():
                return False
        elif not self.seq.resume():
            return False
        else:
            self.resume()
        self._fit_cancel(busy=True)
        return True

    def _cancel_clicked(self) -> None:
        if not self.go_on():
            self.cancel()

    def _fit_cancel(self, busy: bool) -> None:
        """The button beside the progress: Cancel while the pass runs, "Go on" once its own
        pass was cancelled (``can_go_on``), else disabled."""
        go_on = not busy and self.can_go_on()
        text = "Go on" if go_on else "Cancel"
        if self.cancel_button.text() != text:
            self.cancel_button.setText(text)
            self.cancel_button.setToolTip(("Go on with the pass from where it stopped" + (
                "" if self.owns else " (as Trace all in the main window)")) if go_on else "")
        self.cancel_button.setEnabled(go_on or (busy and not self.seq.ready))

    def resume(self) -> None:
        """The pass goes on after a Cancel (the main window's Trace all): the summary of
        what is shown follows it (this window's worker had ended, its timer stopped; or is
        still ending, clicked within milliseconds of the Cancel: ``_poll`` then starts one)."""
        self._summary_error = None
        self.start()

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the worker is done (tests, screenshots), and the summary it starts
        when it was of a record no longer shown; then draw."""
        end = time.monotonic() + timeout
        while True:
            worker = self._worker
            if worker is not None:
                worker.join(max(0.0, end - time.monotonic()))
            self._poll()
            if self._worker is None or self._worker is worker or time.monotonic() >= end:
                return self._worker is None or not self._worker.is_alive()

    def _offer_find(self) -> None:
        """Find crossings once there are keyframes to find them from: clicked while the
        pass ran, it listed nothing and its word was written over by the progress at once."""
        ready = self.seq.ready
        if self.find_button.isEnabled() != ready:
            self.find_button.setEnabled(ready)
            self.find_button.setToolTip(
                "The steps where the unit crosses the threshold, over the whole sequence" if ready
                else "Finds crossings once the keyframe pass has run")

    def _poll(self):
        s = self.seq
        self._offer_find()
        busy = self._worker is not None and self._worker.is_alive()
        if s.ready and busy:  # the pass is done: the record's summary over the whole sequence
            done, total = self._summary_progress
            every = " of all samples" if self.pooled() else ""
            self.progress.setFormat(f"{self.record_combo.currentData()[1]} over all steps{every} %p%")
        else:
            done, total = s.done, s.total
            self.progress.setFormat(f"{s.pass_name} %p%")
        self.progress.setValue(int(1000 * done / max(1, total)))
        self._fit_cancel(busy)
        self.progress.setVisible(not s.ready or busy)
        self.cancel_button.setVisible(not s.ready and s.cancellable)  # (the pass, not a summary)
        # (the overviews' error, "cancelled: no overview", is the main window's strips')
        error = self._summary_error or (s.error if not s.ready else None)
        # (the crossings found keep their count: a summary that ended after them wrote its
        # line over "41 crossings", the list still holding them)
        self.status.setText(error or (self._listed[1] if self._listed is not None else "")
                            or self._status_line(busy))
        if self._pending is not None:
            seq, want, result = self._pending
            self._pending = None
            if seq is self.seq and want == self._wanted():
                self.summary, self._summary_key = result, want
                self._rank()
            # else: the summary of a record, sample or feature no longer shown (changed
            # while it was computed: opened from the main window, the first record's, then
            # its layer's h): the one shown is summarized next
        if not busy:
            self._worker = None
            if not s.ready and s.error is None:
                # the pass runs again (Trace all came as this worker, which saw it
                # cancelled, was ending: its resume() found it there): follow it
                self.start()
                return
            self.timer.stop()
            self.progress.setVisible(not s.ready)
            self.cancel_button.setVisible(not s.ready and s.cancellable)
            self._fit_cancel(busy=False)
            if s.ready and self.summary is None and not error:
                self._record_changed()  # (starts the summary of what is shown)
            else:
                self.redraw()

    def _status_line(self, busy: bool) -> str:
        """What the status says without an error: the pass, the summary, or what is held."""
        s, steps = self.seq, plural(self._steps(), 'step', sep=',')
        if s.ready and busy:
            return f"{steps}: every unit's min, max and statistics\u2026"
        w = s.windowed  # (s.ready: the pass made it)
        if w is not None and (isinstance(s, WholeInput) or s.steps <= LONG_STEPS):
            return steps  # (an input traced whole: its keyframes say nothing)
        if w is not None:
            return f"{steps}; keyframes every {count(w.every)} steps; {w.nbytes / 2**20:.1f} MiB held"
        if isinstance(s, WholeInput):
            return f"{steps}: tracing sample {self.sample_spin.value()}\u2026"
        return f"{steps}: tracing keyframes\u2026"

    def _crossings_key(self) -> tuple:
        """What a list of crossings is of: record, sample, unit, threshold, direction."""
        return (self.record_combo.currentData(), self.sample_spin.value(), self.unit_spin.value(),
                self.threshold_edit.value(), self.direction_combo.currentText())

    def _forget_crossings(self) -> None:
        """The crossings listed go (and the status' count of them) once the record, sample,
        unit, threshold or direction they were found for changes: they stayed, and a step
        picked from them was handed to the main window as a crossing of the unit shown now."""
        if self._listed is None or self._listed[0] == self._crossings_key():
            return
        found = self._listed[1]
        self._listed = None
        self.crossing_list.clear()
        self.crossing_list.setPlaceholderText(NONE_FOUND)
        self.crossing_list.setToolTip(CROSSINGS_TIP)
        if self.status.text() == found:
            busy = self._worker is not None and self._worker.is_alive()
            self.status.setText(self._status_line(busy))

    def _steps(self) -> int:
        """The steps of the record shown (a seq2seq's decoder has its own time axis)."""
        data = self.record_combo.currentData() if hasattr(self, "record_combo") else None
        return self.seq.steps_of(data[0] if data else None)

    def _fit_title(self) -> None:
        """The window's title says the steps of the record shown."""
        steps = self._steps() if hasattr(self, "record_combo") else self.seq.steps
        if steps != self._titled_steps:
            self._titled_steps = steps
            long = "a long sequence" if steps > LONG_STEPS else "a sequence"
            self.setWindowTitle(f"lstmviz: units at scale, {long} of {plural(steps, 'step', sep=',')}")
            if hasattr(self, "slider"):  # (built: the slider and the whole sequence's plots follow)
                self.slider.setRange(0, steps - 1)
                self._fit_steps(self.over_plot, self.curve_over, 0, steps)

    def _sample_changed(self) -> None:
        """Another sample shown: of an input traced whole, its own trace (``WholeInput.
        for_sample``: the sample's, made on the worker; the one before stops), then its
        summary; of a long input, its summary."""
        seq = self.seq
        if isinstance(seq, WholeInput) and seq.sample != self.sample():
            self.seq = seq.for_sample(self.sample())
            seq.close()
            if not self.seq.ready:
                self.start()  # (a worker still ending: ``_poll`` starts it once it has)
        self._record_changed()

    def _fit_feature(self) -> None:
        """The feature box counts the features of the input the record's layer reads (a
        seq2seq decoder's own, ``scale.feature_input``), hidden (no r) where it reads none
        over its steps (token ids; a RepeatVector's decoder)."""
        layer = self.record_combo.currentData()[0]
        fed = scale.feature_input(self.seq.model, self.seq.inputs, layer, self._steps())
        self._fed = fed[0] if fed is not None else None
        feats = int(fed[1].shape[2]) if fed is not None else 0
        self.feature_spin.blockSignals(True)  # (a narrower range: the record's summary follows)
        self.feature_spin.setRange(0, max(0, feats - 1))
        self.feature_spin.blockSignals(False)
        self.feature_spin.setVisible(feats > 0)
        self._name_feature(self.feature_spin.value())

    def _word(self) -> str:
        """What one number of the record shown is called: a Conv1D's output's "filter", a
        pooling's "channel" (``cell_ref.unit_word``, as the other views and the main
        window's unit box say), else "unit"."""
        data = self.record_combo.currentData() if hasattr(self, "record_combo") else None
        if not data or data[1] != OUTPUT_KEY:
            return "unit"
        return unit_word(self.seq.model.get_layer(data[0]))

    def _fit_word(self) -> None:
        """The unit box and the heatmaps' unit axes name the record's numbers (``_word``)."""
        word = self._word()
        if self.unit_spin.prefix() != f"{word} ":
            self.unit_spin.setPrefix(f"{word} ")
            for p in (self.over_plot, self.win_plot):
                th.style_plot(p, th.current(), left=word, bottom="step")

    def _fit_saturation(self) -> None:
        """The ranking by saturation offered where the record's saturation is counted (a
        layer's linear output has none: ``scale.saturation_rule``), the reason its tooltip.
        Chosen when a record without it is picked, the ranking goes to variance (the box
        stayed on its greyed choice, the units in model order) and the scores say why
        (``_saturation_left``); on a record with it again, back to saturation."""
        layer, key = self.record_combo.currentData()
        _, why = scale.saturation_rule(self.seq.model, layer, key)
        at = self.rank_combo.findText("saturation")
        item = self.rank_combo.model().item(at) if at >= 0 else None
        if item is None:
            return
        if item.isEnabled() == bool(why):
            item.setEnabled(not why)
            item.setToolTip(why)
        if why and self.rank_combo.currentIndex() == at:
            self._saturation_left = True
            self._set_ranking("variance")
        elif not why and self._saturation_left:
            self._set_ranking("saturation")

    def _set_ranking(self, by: str) -> None:
        """The rank box set to ``by`` by the window, not the user (``_saturation_left`` kept)."""
        self._ranking_by_code = True
        try:
            self.rank_combo.setCurrentText(by)
        finally:
            self._ranking_by_code = False

    def _record_changed(self):
        self.order = self._ranking = None
        self.summary = None  # (before the ranking may change: not the record before's)
        self._fit_word()
        self._fit_saturation()
        self._fit_feature()
        self._summary_error = None
        if self.seq.ready and self._worker is None:
            self._worker = threading.Thread(target=self._summarize, args=(self.seq, self._wanted()),
                                            daemon=True)
            self._worker.start()
            self.timer.start()
        self.redraw()

    def _rank_picked(self) -> None:
        """Another ranking in the box: the user's choice stands (not ``_saturation_left``'s)."""
        if not self._ranking_by_code:
            self._saturation_left = False
        self._rank()

    def _rank(self):
        by = self.rank_combo.currentText()
        self.top_spin.setEnabled(by != "model order")
        if self.summary is None or by == "model order":
            self.order = self._ranking = None
        elif by == "saturation" and not self.summary[1].saturates:
            self.order = self._ranking = None  # (its scores say why: a linear output's)
        else:
            self._ranking = scale.rank_units(self.summary[1], by)
            self.order = self._ranking[:self.top_spin.value()]
        self.redraw()

    # -- seeking and drawing -----------------------------------------------------------
    def _crossing_activated(self, i: int) -> None:
        if i < 0:
            return
        step = int(self.crossing_list.itemData(i))
        self.seek(step)
        layer, key = self.record_combo.currentData()
        side = key.split("/", 1)[0] if "/" in key else ""
        self.crossing_picked.emit(self.step, layer, side, int(self.unit_spin.value()))

    def show_at(self, step: int, layer: str | None = None, unit: int | None = None,
                side: str | None = None, sample: int | None = None) -> None:
        """Where the main window is: its step, and its layer's hidden state ``h`` (the
        ``side``'s of a Bidirectional), or the output ``y`` of a layer that is not recurrent
        (a Conv1D's filters), unit and sample where this window shows them."""
        if layer is not None:
            want = [(layer, f"{side}/h" if side else "h"), (layer, "forward/h"), (layer, "h"), (layer, OUTPUT_KEY)]
            data = [tuple(self.record_combo.itemData(i)) for i in range(self.record_combo.count())]
            at = next((data.index(w) for w in want if w in data), -1)  # (findData: no tuples)
            if at >= 0:
                self.record_combo.setCurrentIndex(at)
        if sample is not None:
            self.sample_spin.setValue(int(sample))
        if unit is not None:  # (the record's redraw set the unit's range)
            self._unit_wanted = int(unit)
            self._set_unit(int(unit))
        self.seek(step)

    def seek(self, step: int):
        self.step = max(0, min(int(step), self._steps() - 1))
        if self.slider.value() != self.step:
            self.slider.blockSignals(True)
            self.slider.setValue(self.step)
            self.slider.blockSignals(False)
        self.redraw()

    def _overview_clicked(self, ev):
        """A click on the overview: its row's unit picked (``pick_row``), its bin sought."""
        if ev.button() == QtCore.Qt.MouseButton.LeftButton and self.summary is not None:
            ov = self.summary[0]  # the event is in image pixels: bins, rows
            b = int(max(0, min(ov.bins - 1, ev.pos().x())))
            self.pick_row(self._row_at(ov.extreme()[b], ev.pos().y()))
            self.seek(int(ov.edges()[b]))
            ev.accept()

    def _window_clicked(self, ev):
        """A click on the exact window: its row's unit picked (``pick_row``)."""
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            _, _, values = self.window_values()
            column = None
            if values is not None and len(values):
                column = values[int(max(0, min(len(values) - 1, ev.pos().x())))]
            self.pick_row(self._row_at(column, ev.pos().y()))
            ev.accept()

    def _row_at(self, column, y: float) -> int:
        """The heatmap row under image row ``y``: where an image row holds several units
        (``scale.fold_rows``), the one whose value is drawn there, in ``column`` (the
        clicked step's or bin's values of every unit; None: the group's first)."""
        group = int(y)
        if self._fold <= 1 or column is None:
            return group * self._fold
        return scale.folded_row(np.asarray(column)[self._rows], group, self._fold)

    def pick_row(self, row: int) -> None:
        """The unit of heatmap row ``row`` (ranked, row k is unit ``order[k]``) selected here
        (its curves, its crossings) and in the main window (``unit_picked``)."""
        rows = self._rows
        if not 0 <= row < len(rows):
            return
        unit = int(rows[row])
        self._set_unit(unit)
        self._emit_unit(unit)

    @contextlib.contextmanager
    def _unit_by_window(self):
        """The unit box changed by this window (the main window's unit, a row picked, a
        narrower range): not a pick of the user's to hand on (``_unit_changed``)."""
        self._unit_by_code = True
        try:
            yield
        finally:
            self._unit_by_code = False

    def _set_unit(self, unit: int) -> None:
        with self._unit_by_window():
            self.unit_spin.setValue(unit)

    def _unit_changed(self, unit: int) -> None:
        self.redraw()
        if not self._unit_by_code:  # the user's: the main window follows, as for a row
            self._emit_unit(int(unit))

    def _emit_unit(self, unit: int) -> None:
        layer, key = self.record_combo.currentData()
        self.unit_picked.emit(layer, key.split("/", 1)[0] if "/" in key else "", unit)

    def levels(self, key, values) -> tuple[float, float]:
        """A record's colour levels over ``values``' finite numbers (a state that overflowed
        to inf, then NaN, made them (nan, nan) and nothing was drawn, its finite steps too):
        a gate's 0..1 widened as ``scale.gate_levels``, an output whose every number is >= 0
        (a relu's: ``_from_zero``) 0 .. its largest, else symmetric around 0."""
        if key.rsplit("/", 1)[-1] in GATE_KEYS:
            return scale.gate_levels(values)
        values = np.asarray(values)
        m = float(np.max(np.abs(values), where=np.isfinite(values), initial=0.0))
        return (0.0 if self._from_zero() else -(m or 1.0)), (m or 1.0)

    def _from_zero(self) -> bool:
        """The record shown is a layer's output whose every number is >= 0 (a Conv1D of
        relu, the pooling after it: ``output_ref.nonnegative``): coloured from 0 up on the
        gates' sequential map, as the Over time view colours it."""
        layer, key = self.record_combo.currentData()
        return key == OUTPUT_KEY and nonnegative(self.seq.model).get(layer, False)

    def window_values(self):
        """(window trace, first step, (steps, units) exact values of the shown record)."""
        layer, key = self.record_combo.currentData()
        if key == OUTPUT_KEY:  # (a layer that is not recurrent: its output's window)
            return scale.output_window(self.seq, layer, self.row(), self.step)
        return self.seq.record_window(layer, key, self.row(), self.step)

    def redraw(self):
        self._forget_crossings()  # (of another record, sample or unit)
        self._fit_title()  # (another record: its own steps, a decoder's)
        self.step = min(self.step, self._steps() - 1)
        layer, key = self.record_combo.currentData()
        trace, start, values = self.window_values()
        self._fit_columns(values is not None and start == 0 and len(values) >= self._steps())
        cmap = th.gate_cmap() if self._from_zero() else th.cmap_for(key.rsplit("/", 1)[-1])
        units = values.shape[1] if values is not None else 0
        with self._unit_by_window():  # (a narrower range moves the unit)
            self.unit_spin.setRange(0, max(0, units - 1))
            if units and self._unit_wanted is not None:  # (the units are known now)
                self.unit_spin.setValue(min(self._unit_wanted, units - 1))
                self._unit_wanted = None
        unit = self.unit_spin.value()
        rows = self.order if self.order is not None else np.arange(units)
        # the selected unit ranked below the top ones: its row under theirs, past a dashed
        # line, its rank said (the curves showed it, no row was outlined, nothing said why)
        self._below = None
        if self.order is not None and self._ranking is not None and 0 <= unit < units \
                and not np.any(self.order == unit):
            rank = int(np.flatnonzero(self._ranking == unit)[0]) + 1
            self._below = (unit, rank, len(self._ranking))
            rows = np.r_[self.order, unit]
        for sep in (self.over_sep, self.win_sep):
            sep.setVisible(self._below is not None)
            if self._below is not None:
                sep.setValue(len(rows) - 1)
        self._rows = rows  # (the units of the heatmaps' rows, top first: pick_row)
        # hundreds of rows: the curves give the heatmaps room, and an image row holds
        # several units where the rows are still more than the image's pixels
        self._set_curves_stretch(CURVES_NARROW if len(rows) > ROWS_WIDE else CURVES_STRETCH)
        fold = self._fold = self._fold_for(len(rows))
        at = np.flatnonzero(np.asarray(rows) == unit)
        row = int(at[0]) if at.size else None  # (a unit ranked below the top ones: no row)
        self._name_rows(rows if self.order is not None else None, units)
        titled = (layer, key, unit)
        if titled != getattr(self, "_titled", None):  # a new title lays the plots out again
            self._titled = titled
            binned = " (min/max per bin)" if self._over_title() == OVER_TITLE else " (every step)"
            self._set_title(self.curve_over, f"{markup(layer)} {key}[{unit}] over the whole sequence{binned}",
                            f"{key}[{unit}], whole sequence")
            where = "at every step" if self._one_column else "in the exact window"
            self._set_title(self.curve_win, f"{markup(layer)} {key}[{unit}] {where}",
                            f"{key}[{unit}], {where.removeprefix('in the ')}")
        below = self._below
        if self.summary is not None:
            ov = self.summary[0]
            hi, lo = ov.hi, ov.lo
            levels = self.levels(key, np.r_[lo.ravel(), hi.ravel()])
            extreme = ov.extreme()  # the larger swing per bin
            self.over_img.setImage(scale.fold_rows(extreme[:, rows], fold).T, levels=levels, autoLevels=False)
            self.over_img.setColorMap(cmap)
            self.over_img.setRect(QtCore.QRectF(-0.5, 0, ov.total, len(rows)))  # x in steps
            self._mark_row(self.over_row, row, -0.5, ov.total)
            edges = ov.edges()
            self.over_line.setValue(self.step)
            x = (edges[:-1] + edges[1:] - 1) / 2  # (each bin's middle: a bin of one step at its step)
            self.band_lo.setData(x, lo[:, unit])
            self.band_hi.setData(x, hi[:, unit])
            self._fit_values(self.curve_over, lo[:, unit], hi[:, unit])
            st = self.summary[1]
            if unit < len(st.variance):
                # a unit NaN at any step: why it has no scores ("variance nan", its plots empty)
                # (a linear output's saturation is none: why, in its place)
                # (and a relu's says what its saturation is: the steps it is 0)
                at_zero = "\u00a0(at\u00a00)" if st.rule == "off" else ""
                # (saturation chosen before: ranked by variance here, said after why)
                left = ": ranked by variance" if self._saturation_left else ""
                sat = (f"saturation{at_zero}\u00a0{100 * st.saturation[unit]:.1f}%" if st.saturates
                       else st.why_not.replace(" ", "\u00a0", 1) + left)
                self.scores_label.setText(self._over_what() + (st.unscored(unit, f"{key}[{unit}]") or (
                    # (no line break inside a score where the label wraps)
                    f"variance\u00a0{st.variance[unit]:.4g} \u00b7 {sat}"
                    + ("" if self.feature_spin.isHidden() else f" \u00b7 r\u00a0{st.correlation[unit]:+.3f}")
                    + ("" if below is None else f" \u00b7 rank\u00a0{below[1]:,} of\u00a0{below[2]:,}, "
                       f"below the top\u00a0{len(rows) - 1:,}: its row last"))))
        else:
            self.scores_label.setText("")
            # (no overview yet: nothing of the record's or feature's before, whose rows were
            # ranked otherwise, and no outline, which the axis' new range showed again)
            self._mark_row(self.over_row, None, 0.0, 0.0)
            self.over_img.clear()
            self.band_lo.setData([], [])
            self.band_hi.setData([], [])
            levels = self.levels(key, values if values is not None else np.zeros(1))
            if units:  # the units the summary will fill (not an empty view's -0.4 .. 0.4)
                self.over_plot.setYRange(0, units, padding=0.02)
        if values is not None:
            self.win_img.setImage(scale.fold_rows(values[:, rows], fold).T, levels=levels, autoLevels=False)
            self.win_img.setColorMap(cmap)
            self.win_img.setRect(QtCore.QRectF(start - 0.5, 0, len(values), len(rows)))
            self._mark_row(self.win_row, row, start - 0.5, len(values))
            self._fit_steps(self.win_plot, self.curve_win, start, len(values))
            self.win_line.setValue(self.step)
            self.unit_curve.setData(np.arange(start, start + len(values)), values[:, unit])
            whole = self.summary[0] if self.summary is not None and unit < self.summary[0].lo.shape[1] else None
            self._fit_values(self.curve_win, values[:, unit], values[:, unit],
                             None if whole is None else (whole.lo[:, unit], whole.hi[:, unit]))
            self.curve_line.setValue(self.step)
            at = f"step {count(self.step)} of {count(self._steps())}"
            if start <= self.step < start + len(values):
                v = values[self.step - start, unit]
                self.step_label.setText(f"{at}   {key}[{unit}] = {v:.4f}")  # (its layer: the record box's)
            else:  # past the first window while the pass runs, or after a Cancel: its last
                # step's number was shown as this step's
                self.step_label.setText(f"{at}: shown once the keyframe pass has run")
            self.step_label.setMinimumWidth(self.step_label.sizeHint().width())
        else:
            self.win_row.setVisible(False)
            once = "the sample is traced" if isinstance(self.seq, WholeInput) else "the keyframe pass ends"
            self.step_label.setText(f"step {count(self.step)}: shown once {once}")

    def _fit_columns(self, one: bool) -> None:
        """Where the exact window holds every step of the record (an input traced whole of
        at most a window's steps), the whole sequence's column (min/max per bin, each bin a
        step: the very same numbers) is left out, and the titles' tooltips say why; else
        both columns, side by side."""
        if one == self._one_column:
            return
        self._one_column = one
        grid = self.glw.ci
        if one:
            for plot in (self.over_plot, self.curve_over):
                grid.removeItem(plot)
            # the curve's title on its own: grouped with the overview's curve's, out of the
            # grid and longer, it went short with it ("h[0], at every step" in a wide window)
            th.titles_together(self.curve_over)
            th.titles_together(self.curve_win)
        else:
            grid.addItem(self.over_plot, row=0, col=0)
            grid.addItem(self.curve_over, row=1, col=0)
            th.titles_together(self.curve_over, self.curve_win)
        why = (f"Every step of the record ({plural(self._steps(), 'step', sep=',')}) has a column of its own "
               "here: the whole sequence's overview would be the same numbers, so it is shown once. "
               f"A record of more than {count(self.seq.window)} steps shows both side by side." if one else "")
        for plot in (self.win_plot, self.curve_win):
            plot.titleLabel.setToolTip(why)
        self._named = None  # (the heatmap's title names its column anew)
        self._titled = None
        self._set_title(self.win_plot, EVERY_TITLE if one else WINDOW_TITLE)

    def _over_title(self) -> str:
        """The overview's title: min/max per bin, or "every step" where its bins are one
        step each (at most ``Overview.bins_for`` steps: it said "min/max per bin" of 1,000
        steps in 1,000 bins)."""
        ov = self.summary[0] if self.summary is not None else None
        steps = self._steps()
        per_step = ov.bins == ov.total if ov is not None else scale.Overview.bins_for(steps) == steps
        return OVER_STEPS_TITLE if per_step else OVER_TITLE

    def _fit_values(self, curve, lo, hi, whole=None) -> None:
        """A curve's value range: its plot's own over its values ``lo`` .. ``hi``, but where
        they are flat, ``scale.flat_range`` (a relu's output at 0 at every step: 0 up, as its
        colours, not pyqtgraph's +-0.03 kept from nothing; a gate's too), or, where the
        exact window's curve is flat and the unit's ``whole`` sequence (its overview's lo,
        hi) is not, that sequence's range. Set again only where it changed (a user's zoom
        kept until it does)."""
        def ends(*arrays) -> tuple[float, float]:
            v = np.concatenate([np.ravel(np.asarray(a, np.float64)) for a in arrays])
            v = v[np.isfinite(v)]
            return (float(v.min()), float(v.max())) if v.size else (np.nan, np.nan)
        key = self.record_combo.currentData()[1].rsplit("/", 1)[-1]
        rng = scale.flat_range(*ends(lo, hi), from_zero=self._from_zero() or key in GATE_KEYS)
        if rng is not None and whole is not None:
            a, b = ends(*whole)
            if b > a:  # (the window flat, the sequence not: the sequence's range)
                rng = (a, b)
        if self._value_ranges.get(curve, False) == rng:
            return
        self._value_ranges[curve] = rng
        if rng is None:
            curve.enableAutoRange(axis="y")
        else:
            curve.setYRange(*rng, padding=0.05)

    def _fit_steps(self, heatmap, curve, start: int, steps: int) -> None:
        """A heatmap and its curve below over the same steps, ``start .. start + steps - 1``,
        each step t at the same x (the heatmap's column t - 0.5 .. t + 0.5, the curve's point
        at t): set again only where they changed (a user's zoom kept until they do)."""
        span = (start - 0.5, start + max(1, steps) - 0.5)
        for plot in (heatmap, curve):
            if self._ranges.get(plot) != span:
                self._ranges[plot] = span
                plot.setXRange(*span, padding=0.02)

    def _name_rows(self, order, units: int) -> None:
        """Both heatmaps' rows: units 0.. in model order, else each row named by its unit
        (ranked, row k is not unit k); the overview spans the rows shown."""
        by = self.rank_combo.currentText()
        n = units if order is None else len(order)
        self._row_args = (order, units)  # (named again when the plots are resized)
        # as many names as the plot's height holds apart: a font ascent each, the rule of
        # every vertical axis of counts (``plot_tools.label_room``: Over time's units,
        # Unrolled's rows); at 760 x 540 a ranking of 64 named two rows, 88 and 21
        names = [str(int(u)) for u in order] if order is not None else [str(n - 1)]
        room = label_room(self.win_plot.getAxis("left"), names) or MAX_ROW_NAMES
        every = next(k for k in ROW_STRIDES if -(-n // k) <= max(2, room))
        below = self._below is not None  # (the last row: the selected unit's, always named)
        pooled = self.pooled() and order is not None
        named = (None if order is None else tuple(int(u) for u in order), units, by, every, room,
                 self._over_title(), below, pooled)
        if named == getattr(self, "_named", None):
            return
        self._named = named
        if order is None:  # units 0.. by round steps, each at its row's middle (pyqtgraph's own
            # ticks said 0, 0.2, ..., 1.0 beside a layer of one unit)
            ticks = [[(v + 0.5, text) for v, text in count_ticks(n, 0, max(2, room))], []]
        else:
            ticks = [[(k + 0.5, str(int(u))) for k, u in enumerate(order) if k % every == 0
                      and (not below or n - 1 - k >= every)], []]
            if below:
                ticks[0].append((n - 0.5, str(int(order[-1]))))
        # the ranking in the titles: "unit (by correlation)" on the left axis was cut to
        # "unit (by correl" where the plots are short (a 1280 x 720 screen)
        # (ranked over every sample: said, as the heatmaps show the sample shown)
        over = f" over all {self.seq.all_samples:,} samples" if pooled else ""
        ranked = "" if order is None else f", units by {by}{over}"
        window = EVERY_TITLE if self._one_column else WINDOW_TITLE
        for plot, title, short in ((self.over_plot, self._over_title(), OVER_SHORT), (self.win_plot, window, None)):
            plot.getAxis("left").setTicks(ticks)
            # (ranked, a short form for both: at 760 px, an 800 x 600 screen's window,
            # "exact window, units by correlation" was cut to "...by correlatio")
            self._set_title(plot, title + ranked, (short or title) + f", by {by}" + (" (all samples)" if pooled else "")
                            if ranked else short)
        if n:  # (the exact window's range follows its image)
            self.over_plot.setYRange(0, n, padding=0.02)

    def find_crossings(self):
        """Steps where the selected unit crosses the threshold (recomputed from keyframes the
        first time a unit is searched: ``_crossings_found``)."""
        if not self.seq.ready:
            self.status.setText("find crossings once the keyframe pass has finished")
            return []
        steps = self._crossings_found()
        if steps is None:  # (cancelled: what was listed stays)
            self.status.setText("finding crossings: cancelled")
            return np.zeros(0, np.int64)
        self.crossing_list.clear()
        for s in steps[:MAX_LISTED]:
            self.crossing_list.addItem(f"step {count(int(s))}", int(s))
        found = f"{plural(len(steps), 'crossing', sep=',')}" + (
            f" (the first {MAX_LISTED:,} listed)" if len(steps) > MAX_LISTED else "")
        self.status.setText(found)
        # the count in the box itself, where the user looks (it said "steps found" until
        # opened, the count only in the status line above the plots)
        self.crossing_list.setPlaceholderText(plural(len(steps), 'crossing', sep=',') if len(steps)
                                              else "no crossings")
        self.crossing_list.setToolTip(f"{found}: pick one to go there" if len(steps) else
                                      f"No step where the unit crosses {self.threshold_edit.value():g} "
                                      f"({self.direction_combo.currentText()})")
        self._listed = (self._crossings_key(), found)
        return steps

    def _crossings_found(self):
        """``seq.crossings`` of the selected unit, on a worker thread: a first search on a
        unit recomputes the whole sequence from the keyframes (seconds for a wide layer over
        100,000 steps, the window frozen meanwhile, with no progress and no way to stop;
        another threshold or direction on it then answers from its series, kept). Past
        ``CROSSINGS_QUIET_S`` a progress dialog with Cancel, the window painting; None when
        cancelled (or the sequence closed)."""
        layer, key = self.record_combo.currentData()
        unit, threshold = self.unit_spin.value(), self.threshold_edit.value()
        direction, sample, seq = self.direction_combo.currentText(), self.row(), self.seq
        stop = threading.Event()
        seen = [0, 1]
        turns = seq.turns()  # (the window's thread has its turns, as beside a summary)

        def tick(done, total):
            turns()
            seen[:] = [done, total]

        def stopped() -> bool:
            return stop.is_set() or seq.closed

        job = Job(lambda: seq.crossings(layer, key, unit, threshold, direction, sample,
                                        progress=tick, cancel=stopped),
                  "lstmviz-crossings")
        job.pump_with_progress(self, f"Finding the steps where {key}[{unit}] crosses {threshold:g}\u2026",
                               "Find crossings", stop, seen, CROSSINGS_QUIET_S)
        try:
            return job.result()
        except LstmvizError:
            if stopped():
                return None
            raise

    def closeEvent(self, event):
        if self.owns:  # the main window's long input goes on
            self.seq.close()
        super().closeEvent(event)
