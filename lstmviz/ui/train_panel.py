"""The Train tab: train a small recurrent net on a built-in task and watch it learn.

Controls on the left (task, cell, units, optimizer, learning rate (changeable while it
trains), batch size, epochs, seed; play / pause, one update, reset to the same initial
weights), plots on the right: the loss per update and per epoch with the validation loss,
the gradient norm per processing step ``||dL/dh_t||`` / ``||dL/dc_t||`` on a log scale (the
vanishing gradient seen directly), and the global gradient norm per update.

Play trains in a process of its own (``app.train_process.TrainProcess``: the run is handed
to it and its updates come back onto ``app.training.TrainingSession``), so the window's
interpreter stays free and the window keeps its frame rate; where no process can start, and
for "One update", a worker thread here does the work. A timer redraws the plots from a copy
of the session's state, one plot per tick of a 17 ms timer while it plays, updating plot
items created once (``setData``).
"""

from __future__ import annotations

import gc
import math
import sys
import threading
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app import tasks
from lstmviz.app.counts import tick_labels
from lstmviz.app.grad_stats import recurrent_layers
from lstmviz.app.options import RECURRENT
from lstmviz.app.train_process import TrainProcess
from lstmviz.app.train_user import save_snapshot, unkept_update
from lstmviz.app.training import Settings, TrainingSession
from lstmviz.errors import LstmvizError, is_number, is_whole
from lstmviz.text import file_label, plural, safe_text, times
from lstmviz.ui import grad_views
from lstmviz.ui import theme as th
from lstmviz.ui.accessible import described, name_form, plain
from lstmviz.ui.labels import TAB_BAR_FRAME, ElidedCombo, FigureSpin, SteadyLabel, TabNames, hints_shown, holds_hints
from lstmviz.ui.later import later, weakly
from lstmviz.ui.player import media_icon
from lstmviz.ui.plot_tools import RowLegend, keep_pixels, log_tick_list, paints_nothing, set_ticks
from lstmviz.ui.quick_curve import QuickCurve
from lstmviz.ui.stack_panel import error_colour
from lstmviz.ui.train_user_box import TimeScrub, UserBox
from lstmviz.ui.wheel import wheel_scrolls
from lstmviz.ui.whole_rows import WholeRows

#: the cell kinds a toy task's model can take: every one engine/cells.py describes
CELLS = RECURRENT
#: the toy tasks' units and steps (the user's model shows its own, greyed out, whatever they are)
UNITS_RANGE, STEPS_RANGE = (1, 512), (2, 500)
ONE_UPDATE = "lstmviz-one-update"  # the worker thread of the One update button
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad")


#: the learning-rate box's tooltip (where a compiled schedule sets the rate: what it says instead)
LR_TIP = "Learning rate: takes effect at the next update, also while training"
#: the loss plot's text before the first update of a run
EMPTY_HINT = "\u25b6 Play or One update to train"
#: the gradient-through-time plot's, until the first update (it drew nothing, said nothing)
GRAD_HINT = "each step's \u2016dL/dh\u2016, after the first update"
#: under the run's state when One update or Play is pressed at its end
FINISHED_NOTE = "The run is finished: more Epochs train on from here, Reset starts again"


class TrainPanel(QtWidgets.QWidget):
    title = "Train"

    def __init__(self, parent=None, settings: Settings | None = None):
        super().__init__(parent)
        self.session = TrainingSession(settings or Settings())
        self._thread: threading.Thread | None = None
        self._playing = threading.Event()  # a worker thread plays (no training process)
        self.process = TrainProcess()  # started at the first Play
        self._error = ""
        self._finished_note = ""  # said while the run is finished, after a press that trains
        self._said_stepping = False  # the status says One update is under way
        #: (from, to): the controls' scroll that showed the run's second line (_status_in_sight)
        self._scrolled_for_status: tuple[int, int] | None = None
        self._stepping_from = 0  # the update One update began at
        self._pinned: np.ndarray | None = None
        self._lesson_curve: str | None = None  # the curve a lesson step is about (_fit_plots)
        self._legend_names: dict[int, str] = {}
        self._drawn: tuple[int, int] | None = None       # (generation, update) drawn
        self._since: tuple[int, int, int] | None = None  # the history the curves hold (View.since)
        # (a loss or gradient norm of 0 or below: no point on the log axes, not one at 1e-30)
        self._series = {k: Series() for k in ("loss", "norm", "epoch", "val")}
        #: where a gradient curve is 0, in words (``grad_views.zero_steps``), said in its legend name
        self._zeros: dict[int, str] = {}
        self._norm_title = NORM_TITLE  # the gradient norm plot's title as set (``_draw_norm``)
        #: the last update's loss and the last validation loss, as the run has them (the
        #: series leave a loss of 0 or below out: the log plot has no point for it)
        self._last: dict[str, float | None] = {"loss": None, "val": None}
        self._frames: dict[int, tuple] = {}              # the range each plot's frame holds
        self._framed: tuple = ()                          # the run they hold (session key, generation)
        self._stages: list = []                          # the rest of a new update's drawing
        self._changed: dict[str, bool] = {}              # which series the last update changed
        self._old_switch: float | None = None             # the switch interval before Play
        self._title: tuple = (None, [""])                 # (session key, its titles) in the header
        self._update_of = (0, 0)                          # (update, updates in all) the header says
        self._slider_update = 0                           # the update of the slider's snapshot
        self._slider_key: tuple = ()                      # the snapshots the slider was set for
        #: the run's metrics (Keras' names) the metric plot has curves for, and their epochs'
        #: values: update of each epoch's end, {name: [value]}, and the validation's
        self._metric_names: list[str] = []
        self._metric_curves: dict[str, tuple] = {}
        self._metric_x: list[float] = []
        self._metric_y: dict[str, list[float]] = {}
        self._metric_val: dict[str, list[float]] = {}
        self._metric_frame: tuple = ()                    # (right end, y range) the plot shows
        self._metric_drawn = -1                           # the epochs its curves hold
        self._build()
        self._load_settings_into_controls()
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.apply_theme(th.current())
        self.refresh(force=True)

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QtWidgets.QHBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        left = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(left)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # a field goes under its label where the two do not fit side by side (a narrow tab)
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)
        self.task_combo = ElidedCombo()  # (where too wide, under its label: WrapLongRows)
        self.task_combo.setPlaceholderText("Your model and data")  # no task chosen: the user's run
        for name, task in tasks.TASKS.items():
            self.task_combo.addItem(task.title, name)
        self.task_about = QtWidgets.QLabel()
        self.task_about.setWordWrap(True)
        self.cell_combo = ElidedCombo()
        self.cell_combo.addItems(CELLS)
        self.units_spin = QtWidgets.QSpinBox()
        self.units_spin.setRange(*UNITS_RANGE)
        self.steps_spin = QtWidgets.QSpinBox()
        self.steps_spin.setRange(*STEPS_RANGE)
        self.opt_combo = ElidedCombo()
        self.opt_combo.addItems(OPTIMIZERS)
        self.lr_spin = FigureSpin()  # (3e-05 and 0.00025 as typed, not rounded to 5 decimals)
        self.lr_spin.setRange(0.00001, 10.0)
        self.lr_spin.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr_spin.setToolTip(LR_TIP)
        self.batch_spin = QtWidgets.QSpinBox()
        self.batch_spin.setRange(1, 4096)
        self.epochs_spin = QtWidgets.QSpinBox()
        self.epochs_spin.setRange(1, 10000)
        self.seed_spin = QtWidgets.QSpinBox()
        self.seed_spin.setRange(0, 2 ** 31 - 1)
        form.addRow("Task", self.task_combo)
        form.addRow(self.task_about)
        form.addRow("Cell", self.cell_combo)
        form.addRow("Units", self.units_spin)
        form.addRow("Timesteps", self.steps_spin)
        form.addRow("Optimizer", self.opt_combo)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Epochs", self.epochs_spin)
        # the first seed's numbers beside the settings they come from, the run's state under
        # its buttons: both in sight without scrolling the controls
        self.updates_label = QtWidgets.QLabel()
        self.updates_label.setWordWrap(True)
        form.addRow(self.updates_label)
        form.addRow("Seed", self.seed_spin)
        buttons = QtWidgets.QHBoxLayout()
        self.play_button = QtWidgets.QPushButton()
        self._play_look()
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Train until paused or the last epoch")
        self.step_button = QtWidgets.QPushButton("One update")
        self.reset_button = QtWidgets.QPushButton("Reset")
        self.reset_button.setToolTip("Back to the same initial weights")
        for b in (self.play_button, self.step_button, self.reset_button):
            buttons.addWidget(b)
        form.addRow(buttons)
        self.status_label = TwoLineLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # (an error may quote a file)
        form.addRow(self.status_label)
        self.pin_button = QtWidgets.QPushButton("Pin gradient curve")
        self.pin_button.setToolTip("Keep this run's ||dL/dh_t|| as a dashed line to compare "
                                   "another cell with (the vanishing gradient side by side)")
        form.addRow(self.pin_button)
        self.time_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.time_slider.setRange(0, 0)
        # (as wide as the run's last update: a plain label widened at update 10, 100, ... and
        # narrowed again as the slider went back, and the slider beside it jumped)
        self.time_label = SteadyLabel("update 0")
        self.time_slider.setToolTip(SLIDER_TIP)
        self.time_slider.setAccessibleName("Snapshots: training time")
        self.snap_spin = QtWidgets.QSpinBox()
        self.snap_spin.setRange(1, 10000)
        self.snap_spin.setValue(self.session.snapshot_every)
        self.snap_spin.setToolTip("Keep a copy of the weights every N updates")
        # where the snapshots were thinned to fit their memory budget: said beside the setting
        self.snap_note = QtWidgets.QLabel()
        self.snap_note.setWordWrap(True)
        self.snap_note.setVisible(False)
        self.show_button = QtWidgets.QPushButton("Put on the stack")
        self.show_button.setToolTip("Make the weights at this snapshot the stack's (Edit > Undo takes "
                                    "them back; File > Save session keeps them)")
        self.save_button = QtWidgets.QPushButton("Save as .keras\u2026")
        self.save_button.setToolTip("Save the model with the weights at this snapshot as a Keras 3 "
                                    ".keras file (keras.saving.load_model opens it)")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.time_slider, 1)
        row.addWidget(self.time_label)
        form.addRow("Snapshots", row)
        form.addRow("Snapshot every", self.snap_spin)
        form.addRow(self.snap_note)
        form.addRow(self.show_button)
        form.addRow(self.save_button)
        self.user_box = UserBox(self)
        form.addRow(self.user_box)
        name_form(form)
        self.scrub = TimeScrub(self)
        # the controls scroll rather than squeeze when lecture-sized type needs the room
        self.controls = QtWidgets.QScrollArea()
        self.controls.setAccessibleName("Training controls")
        self.controls.setWidget(left)
        wheel_scrolls(self.controls)  # (the wheel scrolls past the boxes: it turned "Snapshot every")
        self.controls.setWidgetResizable(True)
        self.controls.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        # (sideways only where the panel is too narrow for them: _fit_controls)
        self.controls.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._widest = 400  # the controls' width at most (460 with lecture-sized type)
        self.controls.setMaximumWidth(self._widest)
        self._whole_rows = WholeRows(self.controls)  # (no row cut by the bottom edge)
        outer.addWidget(self.controls)

        self.plots = pg.GraphicsLayoutWidget()
        self.loss_plot = self.plots.addPlot(row=0, col=0)
        self.step_plot = self.plots.addPlot(row=1, col=0)
        self.norm_plot = self.plots.addPlot(row=2, col=0)
        # the compiled metrics per epoch (accuracy climbing beside the loss falling), beside
        # the loss plot for a run that has metrics (``_fit_plots``); a linear axis
        self.metric_plot = pg.PlotItem()
        self.metric_plot.showGrid(x=False, y=True, alpha=0.25)
        self.metric_plot.getAxis("left").enableAutoSIPrefix(False)
        self.metric_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.metric_plot.vb.disableAutoRange()
        # its value axis as wide as its widest labels yet ("0.75"), not narrower again where
        # the view is too low for quarters: that left the view 10 px wider, the legend one
        # row, the view high enough for quarters, ... without end (``RowLegend.limit_rows``)
        self.metric_plot.getAxis("left").setStyle(autoReduceTextSpace=False)
        self.metric_plot.setVisible(False)
        self.metric_legend = RowLegend(self.metric_plot)
        # with two metrics or more, the legend names each metric once (its colour: its train
        # curve's sample) and this one key says how every validation curve is drawn (dashed,
        # squares): 12 names of six AUCs left the plot a strip (``_sync_metric_legend``)
        self._metric_val_key = QuickCurve(VAL_KEY, symbol="s")
        self._metric_right = FIRST_TOP  # (its update axis' right end, the loss plot's)
        self.metric_plot.vb.sigResized.connect(weakly(self, type(self)._frame_metrics))
        for plot in (self.loss_plot, self.step_plot, self.norm_plot):
            plot.setLogMode(y=True)
            plot.showGrid(x=False, y=True, alpha=0.25)
            left = plot.getAxis("left")
            left.enableAutoSIPrefix(False)  # "0.2", not "200 (x0.001)"
            left.setStyle(maxTextLevel=1)
            plot.getAxis("bottom").enableAutoSIPrefix(False)  # counts: "2000", not "2 (x1000)"
        # the legends above the plots, never over a curve (the lesson's point is where the
        # gradient curves end)
        self.legend = RowLegend(self.loss_plot, beside_title=True)
        self.step_legend = RowLegend(self.step_plot)
        # one row of text over the loss and metric plots where the loss plot is too narrow
        # for its legend's names in a row (beside the metrics at 800 x 600 in the projector
        # theme: the samples alone, unnamed, and the metric's "+2 more" with no name): the
        # two plots share the update axis and the curves' styles, so this one key names them
        # for both, each plot's own legend hidden (``_fit_key``)
        self.shared_key = pg.LabelItem(justify="center")
        # (no document margins: 8 px of the plots' height under it, a projector's 800 x 600
        # metric view then too low for its 0 and 1 apart)
        self.shared_key.item.document().setDocumentMargin(0)
        self.shared_key.setVisible(False)
        self._shared = False  # (the key shown, the plots' legends hidden)
        # QuickCurve, not pyqtgraph's PlotDataItem: set and drawn ~15 times a second while
        # training, each set and paint is a fraction of PlotDataItem's (quick_curve.py)
        self.curve_loss = QuickCurve("train, per update")
        self.curve_epoch = QuickCurve("train, per epoch", symbol="o")
        self.curve_val = QuickCurve("validation", symbol="s")
        self.curve_dh = QuickCurve("\u2016dL/dh<sub>t</sub>\u2016", symbol="o")
        self.curve_dc = QuickCurve("\u2016dL/dc<sub>t</sub>\u2016", symbol="t")
        self.pinned_dh = QuickCurve()  # in the legend once pinned
        self.curve_norm = QuickCurve()
        for plot, curves in ((self.loss_plot, (self.curve_loss, self.curve_epoch, self.curve_val)),
                             (self.step_plot, (self.curve_dh, self.curve_dc, self.pinned_dh)),
                             (self.norm_plot, (self.curve_norm,))):
            for curve in curves:
                plot.addItem(curve)
        for curve in (self.curve_loss, self.curve_epoch, self.curve_val):
            self.legend.addItem(curve, curve.name())
        # before the first update: what the empty plots are waiting for (in the view's pixels)
        # (a hint for the mouse: left out of exported pictures, ``labels.hints_hidden``)
        self.empty_hint = QtWidgets.QGraphicsSimpleTextItem(EMPTY_HINT)
        self.empty_hint.setParentItem(self.loss_plot.vb)
        self.grad_hint = QtWidgets.QGraphicsSimpleTextItem(GRAD_HINT)
        self.grad_hint.setParentItem(self.step_plot.vb)
        holds_hints(self)
        # a run whose loss became infinite or NaN (it stops there): said in the plot, over the
        # end of its curve (the log axis holds only the finite losses)
        self.diverged_note = QtWidgets.QGraphicsSimpleTextItem()
        self.diverged_note.setParentItem(self.loss_plot.vb)
        self.diverged_note.hide()
        self._diverged: tuple[str, ...] = ("", "", "")  # the note, whole, short and shortest
        self.loss_plot.vb.sigResized.connect(lambda *_: self._place_hint())
        self.step_plot.vb.sigResized.connect(lambda *_: self._place_hint())
        self.loss_plot.vb.sigRangeChanged.connect(lambda *_: self._place_note())  # (clear of the curves)
        # each plot's range is a frame a little wider than the data (``_place``), set only when
        # the data leaves it; pyqtgraph's auto range is off: with it on, every new point repaints
        # the whole plot (ViewBox.itemBoundsChanged), with it off only the curve that changed.
        # The view follows the frame until the user pans or zooms it; the "A" button (auto
        # range) hands it back to the frame. The metric plot's too (its frame: _frame_metrics;
        # it was set again whenever the frame changed, as the updates passed each step of its
        # axis or at each epoch for a metric outside 0..1: a user's zoom into it was lost).
        self._follow = {}
        # (the connections reach the panel through a weak reference: PySide kept two lambdas
        # of them, and through them the closed window's whole Python side, after their plots
        # were deleted)
        for plot in (*self._timed_plots(), self.metric_plot):
            plot.vb.disableAutoRange()
            key = id(plot.vb)
            self._follow[key] = True
            def unfollow(p: TrainPanel, key: int = key) -> None:
                p._unfollow(key)

            plot.vb.sigRangeChangedManually.connect(weakly(self, unfollow))
            plot.vb.sigStateChanged.connect(self._auto_range_asked)
        for k, plot in enumerate(self._timed_plots()):
            def place_ticks(p: TrainPanel, k: int = k) -> None:
                p._place_ticks(p._timed_plots()[k])

            plot.vb.sigResized.connect(weakly(self, place_ticks))  # labels for the new height
        for plot in (self.loss_plot, self.step_plot, self.norm_plot, self.metric_plot):
            for side in ("left", "bottom"):  # unchanged axes are copied, not drawn again
                plot.getAxis(side).setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # so are the curves that change once an epoch or never while it plays, under the
        # curve of each update that moves over them (~0.3 ms of each loss redraw)
        for curve in (self.curve_epoch, self.curve_val, self.pinned_dh):
            keep_pixels(curve)
        # containers that paint nothing themselves (their children do): Qt then neither asks
        # their bounds (pyqtgraph's Python boundingRect, ~40 calls a redraw) nor their paint
        plots = (self.loss_plot, self.step_plot, self.norm_plot, self.metric_plot)
        paints_nothing(self.plots.ci, self.legend, self.step_legend, self.metric_legend, *plots,
                       *(p.titleLabel for p in plots))
        self.window_ref = None
        # the curves, then the gradient views (ui/grad_views.py), as tabs
        self.plot_tabs = QtWidgets.QTabWidget()
        self.plot_tabs.setAccessibleName("Training plots")
        self.plot_tabs.addTab(self.plots, "Curves")
        # (a screen reader's: what the curves show, and the run's line under the buttons)
        described(self.plots, "Curves page", lambda: " ".join(
            plain(x) for x in ("The loss per update and per epoch, and the gradient through time "
                               "(||dL/dh_t|| per step) of the run.", self.metric_plot.titleLabel.text
                               if self.metric_plot.isVisible() else "", self.status_label.text(),
                               self.updates_label.text()) if x))
        self.plots.installEventFilter(self)  # (a third plot where they have the height: _fit_plots)
        self.grad_views = grad_views.install(self, self.plot_tabs)
        #: the tabs' whole names and, where those would not fit, the short ones
        self.tab_names = TabNames(self.plot_tabs, {i + 1: grad_views.SHORT_TITLES[k]
                                                   for i, k in enumerate(grad_views.TABS)
                                                   if k in grad_views.SHORT_TITLES})
        outer.addWidget(self.plot_tabs, 1)
        # a number is taken when typed (Enter, or focus leaving), as the side panel's: typing
        # "128" units built and reset a run of 1, then 12, then 128 units
        for spin in self.findChildren(QtWidgets.QAbstractSpinBox):
            spin.setKeyboardTracking(False)

        self.task_combo.currentIndexChanged.connect(self._task_changed)
        for w in (self.cell_combo, self.opt_combo):
            w.currentIndexChanged.connect(self._settings_changed)
        for number in (self.units_spin, self.steps_spin, self.batch_spin, self.seed_spin):
            number.valueChanged.connect(self._settings_changed)
        self.epochs_spin.valueChanged.connect(self._epochs_changed)
        self.lr_spin.valueChanged.connect(self._lr_changed)
        self.play_button.toggled.connect(self.set_playing)
        self.step_button.clicked.connect(self.one_update)
        self.reset_button.clicked.connect(self.reset)
        self.pin_button.clicked.connect(lambda: self.pin())
        self.time_slider.valueChanged.connect(self._slider_moved)
        self.time_slider.valueChanged.connect(self.scrub.moved)  # the user's moves only (see refresh)
        self.snap_spin.valueChanged.connect(self._snapshot_every_changed)
        self.show_button.clicked.connect(lambda: self.show_in_views())
        self.save_button.clicked.connect(lambda: self.save_keras())

    def _updates_font(self, t: th.Theme) -> None:
        """The updates per epoch large for the hall in a lecture theme, else the rows' text.
        Set again once the panel is in its tab (``install``): the style sheet put back the
        font it had before as the tab took it, so a Train tab first shown while presenting
        said it in plain body text."""
        self.updates_label.setFont(t.font(1.15, bold=True) if t.lecture else QtGui.QFont())

    def apply_theme(self, theme: th.Theme) -> None:
        self.theme = t = theme
        self.plots.setBackground(t.background)
        th.style_plot(self.loss_plot, t, left="loss", bottom="update")
        # its legend at the right of the title's row: the title left-aligned, and given up
        # where the legend needs its room (the axis says "loss")
        self._loss_title()
        th.style_plot(self.step_plot, t, title="Gradient through time (last update)",
                      left="norm (log)", bottom="processing step  t", short="Gradient through time")
        th.style_plot(self.norm_plot, t, title=NORM_TITLE, left="\u2016g\u2016 (log)",
                      bottom="update", short=NORM_SHORT)
        self._norm_title = NORM_TITLE  # (the title _draw_norm set last)
        self._style_metrics()
        w = t.line_width
        self.curve_loss.setPen(pg.mkPen(t.muted, width=max(1.0, w / 2)))
        self.curve_loss.setSymbolBrush(t.muted)  # (its points, marked where a run diverged)
        self.curve_epoch.setPen(pg.mkPen(t.foreground, width=w))
        self.curve_epoch.setSymbolBrush(t.foreground)
        self.curve_val.setPen(pg.mkPen(th.OKABE_ITO["orange"], width=w))
        self.curve_val.setSymbolBrush(th.OKABE_ITO["orange"])
        self.curve_dh.setPen(pg.mkPen(t.foreground, width=w))
        self.curve_dh.setSymbolBrush(t.foreground)
        self.curve_dc.setPen(pg.mkPen(t.hue("c"), width=w))
        self.curve_dc.setSymbolBrush(t.hue("c"))
        self.curve_norm.setPen(pg.mkPen(th.OKABE_ITO["sky_blue"], width=max(1.0, w / 2)))
        self.pinned_dh.setPen(pg.mkPen(t.muted, width=w, style=QtCore.Qt.PenStyle.DashLine))
        for legend in (self.legend, self.step_legend, self.metric_legend):
            legend.setLabelTextColor(t.foreground)
            legend.setLabelTextSize(f"{t.pt(0.9)}pt")
            for sample, label in legend.items:  # pyqtgraph restyles a label only on setText
                if legend is self.metric_legend:
                    continue  # (named after the loop: ``_name_metric_entries``)
                base = self._legend_names.setdefault(id(sample.item), label.text)
                if base in SHORT_NAMES:  # (where the plot is narrow: fewer rows of the legend)
                    self._short_names(legend, sample.item, base)
                else:
                    label.setText(legend_html(t, base))
            if legend is self.metric_legend:
                self._name_metric_entries()
            legend.fit()  # the names' new size
            keep_pixels(legend)
        line = QtGui.QFontMetricsF(t.font(1.0)).height()
        self._limit_metric_legend()
        # the loss legend beside its title: its names' shortest forms, then the samples alone
        # (names in their tooltips), rather than rows that leave the view under
        # LOSS_LEAST_LINES (in a row of its own its three rows left a projector's view 25-99 px)
        self.legend.limit_rows(0, LOSS_LEAST_LINES * line)
        # in a lecture theme the room goes to the two plots the lessons talk about, and the
        # updates per epoch are set large for the hall (elsewhere the rows' plain text: it
        # stayed large and bold after a lecture, or any change of theme)
        lecture = t.lecture
        self._updates_font(t)
        self.task_about.setVisible(not lecture)
        self._play_look()  # (its icon in the new foreground, as high as the new text)
        self._fit_plots()
        for hint in (self.empty_hint, self.grad_hint):
            hint.setFont(t.font(1.0))
            hint.setBrush(pg.mkBrush(t.muted))
        self.diverged_note.setFont(t.font(1.0, bold=True))
        self.diverged_note.setBrush(pg.mkBrush(error_colour()))
        self._place_hint()
        self._widest = 460 if lecture else 400
        self._fit_controls()
        self.tab_names.fit()  # (names of another size)
        for plot in (self.loss_plot, self.step_plot, self.norm_plot):  # labels of the new size
            self._place_ticks(plot)
        self._metric_frame = ()  # (its ticks of the new size: _draw_metrics)

    # -- settings --------------------------------------------------------------------------
    def _load_settings_into_controls(self) -> None:
        s = self.session
        task = s.task
        widgets = (self.task_combo, self.cell_combo, self.units_spin, self.steps_spin,
                   self.opt_combo, self.lr_spin, self.batch_spin, self.epochs_spin, self.seed_spin)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.units_spin.setRange(*(UNITS_RANGE if task is not None else (0, 2**31 - 1)))
            self.steps_spin.setRange(*(STEPS_RANGE if task is not None else (0, 2**31 - 1)))
            if task is not None:
                self.task_combo.setCurrentIndex(self.task_combo.findData(s.settings.task))
                self.task_about.setText(task.description)
                self.cell_combo.setCurrentText(s.settings.cell)
                self.units_spin.setValue(s.settings.units or task.units)
                self.steps_spin.setValue(s.settings.steps or task.steps)
            else:
                self.task_combo.setCurrentIndex(-1)
                self.task_about.setText("Your model with your data (a copy of the stack's model); "
                                        "pick a task to go back to the toy tasks")
                # (greyed out) what the user's model has, not the last task's numbers: its
                # first recurrent cell (a Bidirectional's half too), the steps of its data
                rnn = next(iter(recurrent_layers(s.model)), None)
                if rnn is not None:
                    self.cell_combo.setCurrentText(rnn.cell.name)
                    self.units_spin.setValue(rnn.units)
                x = s.data.x_train if s.data is not None else None
                x = x[0] if isinstance(x, list) else x  # (a model of several inputs: the first)
                if x is not None and np.ndim(x) >= 2:
                    self.steps_spin.setValue(int(np.shape(x)[1]))
            # (the text laid out again once the form has taken it: the form kept the last text's
            # line count, and a task's description of more lines was cut at both ends)
            later(self, lambda p: p.task_about.updateGeometry())
            for w in (self.cell_combo, self.units_spin, self.steps_spin):
                w.setEnabled(task is not None)
            self.opt_combo.setCurrentText(s.settings.optimizer)
            self.lr_spin.setValue(s.trainer.optimizer.learning_rate)
            # a compiled schedule gives each update's rate (Keras refuses setting one): the box
            # shows its first update's, greyed, and says why (another optimizer drops the schedule)
            scheduled = s.schedule_words()
            self.lr_spin.setEnabled(not scheduled)
            self.lr_spin.setToolTip(LR_TIP if not scheduled else
                                    f"Learning rate: set by the schedule the model was compiled with, "
                                    f"{scheduled}; the box shows its first update's rate. Pick another "
                                    "optimizer to set a rate of your own")
            self.batch_spin.setValue(s.trainer.batch_size)
            self.epochs_spin.setValue(s.trainer.epochs)
            self.seed_spin.setValue(s.settings.seed)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self.updates_label.setText(s.updates_text())

    def _task_changed(self) -> None:
        if self.task_combo.currentIndex() < 0:
            return
        task = tasks.get(self.task_combo.currentData())
        if self.session.task is None:  # from the user's model back to the tasks
            self.set_playing(False)
            self.session = TrainingSession(Settings(task=task.name), self.snapshot_every())
            self.user_box.follow(self.session)
        self.unpin()
        self.apply_settings(Settings(task=task.name, cell=self.cell_combo.currentText(),
                                     optimizer=self.opt_combo.currentText(),
                                     seed=self.seed_spin.value()))

    def _settings_changed(self) -> None:
        self.apply_settings(Settings(
            task=self.task_combo.currentData() or self.session.settings.task, cell=self.cell_combo.currentText(),
            units=self.units_spin.value(), steps=self.steps_spin.value(),
            optimizer=self.opt_combo.currentText(),
            learning_rate=(self.lr_spin.value() if self.opt_combo.currentText() == self.session.settings.optimizer
                           else None),
            optimizer_options=(self.session.settings.optimizer_options  # (a compiled model's rho, clipnorm, ...)
                               if self.opt_combo.currentText() == self.session.settings.optimizer else None),
            batch_size=self.batch_spin.value(), epochs=self.epochs_spin.value(),
            seed=self.seed_spin.value()))

    def _epochs_changed(self, epochs: int) -> None:
        """More (or fewer) epochs for the run under way: it goes on from where it is (a new
        run from the first weights threw away the updates done), playing on if it played."""
        was = self.playing
        self.set_playing(False)
        try:
            done = self.session.set_epochs(epochs)
        except LstmvizError as err:
            self._error = str(err)
        else:
            if done != epochs:  # (no lower than the epoch under way: its box says so)
                self.epochs_spin.blockSignals(True)
                self.epochs_spin.setValue(done)
                self.epochs_spin.blockSignals(False)
        if was:
            self.set_playing(True)
        self.refresh(force=True)

    def apply_settings(self, settings: Settings) -> None:
        """A new run with these settings (training pauses first)."""
        self.set_playing(False)
        try:
            self.session.configure(settings)
            self._error = ""
        except LstmvizError as err:
            self._error = str(err)
        self._load_settings_into_controls()
        self.refresh(force=True)

    def use_session(self, session: TrainingSession) -> None:
        """Switch to another run (the user's model): training pauses first."""
        self.set_playing(False)
        self.session = session
        self.user_box.follow(session)
        self._error = ""
        self._load_settings_into_controls()
        self.refresh(force=True)

    # -- sessions --------------------------------------------------------------------------
    def session_settings(self) -> dict:
        """The settings on screen, kept in a session's view settings (``ui``: ``train_<name>``,
        ``SessionManager.ui_state``); none while the run is the user's own model (its data
        are their files, which a session does not hold)."""
        if self.session.task is None:
            return {}
        return {"train_task": self.session.settings.task, "train_cell": self.cell_combo.currentText(),
                "train_units": self.units_spin.value(), "train_steps": self.steps_spin.value(),
                "train_optimizer": self.opt_combo.currentText(),
                "train_learning_rate": float(self.lr_spin.value()),
                "train_batch_size": self.batch_spin.value(), "train_epochs": self.epochs_spin.value(),
                "train_seed": self.seed_spin.value(), "train_snapshot_every": self.snap_spin.value()}

    def restore_session_settings(self, ui: dict) -> bool:
        """A new run with a session's settings (``session_settings``): a value the control
        would not take (a stranger's file) leaves the task's own. False when the settings
        name no task lstmviz has."""
        task = ui.get("train_task")
        if not isinstance(task, str) or task not in tasks.TASKS:
            return False

        def whole(key: str, lo: int, hi: int) -> int | None:
            v = ui.get(f"train_{key}")
            return v if is_whole(v, lo, hi) else None

        def listed(key: str, combo) -> str | None:
            v = ui.get(f"train_{key}")
            return v if v in [combo.itemText(i) for i in range(combo.count())] else None

        lr = ui.get("train_learning_rate")
        if not (is_number(lr) and self.lr_spin.minimum() <= lr <= self.lr_spin.maximum()):
            lr = None
        self.set_playing(False)
        if self.session.task is None:  # the user's model: back to the tasks
            self.session = TrainingSession(Settings(task=task), self.snapshot_every())
            self.user_box.follow(self.session)
        snap = whole("snapshot_every", self.snap_spin.minimum(), self.snap_spin.maximum())
        if snap is not None:
            self.snap_spin.setValue(snap)
        self.unpin()
        self.apply_settings(Settings(
            task=task, cell=listed("cell", self.cell_combo) or "LSTM",
            units=whole("units", *UNITS_RANGE), steps=whole("steps", *STEPS_RANGE),
            optimizer=listed("optimizer", self.opt_combo) or "adam",
            learning_rate=None if lr is None else float(lr),
            batch_size=whole("batch_size", self.batch_spin.minimum(), self.batch_spin.maximum()),
            epochs=whole("epochs", self.epochs_spin.minimum(), self.epochs_spin.maximum()),
            seed=whole("seed", self.seed_spin.minimum(), self.seed_spin.maximum()) or 0))
        return True

    def snapshot_every(self) -> int:
        return self.snap_spin.value()

    def _snapshot_every_changed(self, n: int) -> None:
        self.session.snapshot_every = int(n)
        self.process.set_snapshot_every(self.session.snapshot_stride)

    def set_error(self, message: str) -> None:
        self._error = message
        self.refresh(force=True)

    def _lr_changed(self, value: float) -> None:
        try:
            self.session.set_learning_rate(value)
            self.process.set_learning_rate(value)
        except LstmvizError as err:
            self._error = str(err)

    # -- running ---------------------------------------------------------------------------
    #: Play trains in a process of its own (False: on a worker thread of the window's)
    use_process = True

    @property
    def playing(self) -> bool:
        return self._playing.is_set() or self.process.playing

    def _say_finished(self) -> None:
        """One update or Play on a finished run: say so, and how to go on (they did nothing,
        without a word)."""
        if self.session.done and not self.session.stopped:
            self._finished_note = FINISHED_NOTE
            self.refresh(force=True)

    def set_playing(self, on: bool) -> None:
        if on:
            self._say_finished()
        self._window_first(on and not self.session.halted)
        if on and not self.session.halted:
            in_process = self.process.playing or (
                self.use_process and not self._playing.is_set() and self.process.play(self.session))
            if not in_process:
                if self.use_process and self.process.reason:
                    self._error = self.process.reason
                self._playing.set()
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="lstmviz-train", daemon=True)
                    self._thread.start()
        else:
            self._playing.clear()
            self._join()
            self.process.pause()  # its state comes back: a step or Play here continues it
            if self.process.error:
                self._error, self.process.error = self.process.error, ""
            self.session.keep_current()  # where it stopped, for "Put on the stack"
        self.play_button.blockSignals(True)
        self.play_button.setChecked(self.playing)
        self._play_look()
        self.play_button.blockSignals(False)

    def _play_look(self) -> None:
        """Play / Pause with the player's drawn icons, in the theme's foreground and as high as
        the button's text: "\u23f8 Pause" was an empty box where no font holds U+23F8 (DejaVu,
        Noto Sans: a usual Linux desktop's)."""
        b = self.play_button
        b.setText("Pause" if self.playing else "Play")
        b.setIcon(media_icon("pause" if self.playing else "play"))
        side = b.fontMetrics().height()
        b.setIconSize(QtCore.QSize(side, side))

    def _join(self) -> None:
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=10)
        self._thread = None

    #: the interpreter's switch interval while training plays (s): the UI thread takes the GIL
    #: within a millisecond of asking, instead of Python's 5 ms, from the threads of this
    #: process that work meanwhile (the training process' records coming back, the gradient
    #: views' probe, the worker where no process runs) (None: leave it)
    switch_interval: float | None = 0.001

    def _window_first(self, on: bool) -> None:
        """While training plays, the window's frames come first: the GIL within
        ``switch_interval`` of asking, and no full garbage collection over the window's
        objects (``_collector_sees_old_objects``); back as they were when it stops."""
        _collector_sees_old_objects(not on)
        if on and self.switch_interval and self._old_switch is None:
            self._old_switch = sys.getswitchinterval()
            sys.setswitchinterval(self.switch_interval)
        elif not on and self._old_switch is not None:
            sys.setswitchinterval(self._old_switch)
            self._old_switch = None

    def _run(self) -> None:
        try:
            while self._playing.is_set():
                try:
                    if self.session.step() is None:
                        break
                except LstmvizError as err:
                    self._error = str(err)
                    break
                time.sleep(0)  # let the UI thread take the GIL between updates
        finally:
            self._playing.clear()
            self.session.keep_current()

    def one_update(self) -> None:
        """One update on the worker thread (the window keeps drawing while it runs)."""
        if self.playing or self.session.halted:
            self._say_finished()
            return
        t = threading.Thread(target=self._one, daemon=True, name=ONE_UPDATE)
        self._thread, self._stepping_from = t, self.session.iteration
        t.start()
        self.refresh()  # (the status says it is under way)

    def _stepping(self) -> bool:
        """One update (the button's) is under way on the worker thread (not yet recorded)."""
        t = self._thread
        return (t is not None and t.name == ONE_UPDATE and t.is_alive()
                and self.session.iteration == self._stepping_from)

    def _one(self) -> None:
        try:
            self.session.step()
        except LstmvizError as err:
            self._error = str(err)
        self.session.keep_current()

    def reset(self) -> None:
        self.set_playing(False)
        self.session.reset()
        self._error = ""
        self.refresh(force=True)

    def wait(self, timeout: float = 30.0) -> None:
        """Until the worker or the training process is idle (tests, scripts)."""
        t = self._thread
        if t is not None:
            t.join(timeout)
        self.process.wait(timeout)

    def stop(self) -> None:
        """Training stops (its state comes back), the training process ends, no more redraws."""
        self._playing.clear()
        self._join()
        self.process.close()
        self.timer.stop()
        self._window_first(False)

    def pin(self, label: str | None = None) -> None:
        """Keep the current ||dL/dh_t|| as a dashed reference curve."""
        v = self.session.view()
        if v.dh_norm is None:  # (the button did nothing, without a word)
            self.set_error("No gradient curve to pin yet: press One update or Play first")
            return
        self._error = ""
        self.set_pinned((v.dh_norm, label or f"{self.session.settings.cell} (pinned)"))

    def pinned(self) -> tuple[np.ndarray, str] | None:
        """The pinned curve and its name (None: none pinned), for ``set_pinned``."""
        if self._pinned is None:
            return None
        return self._pinned.copy(), self._legend_names.get(id(self.pinned_dh), "")

    def set_pinned(self, pinned: tuple[np.ndarray, str] | None) -> None:
        """Pin this curve under this name (``pinned()``'s), or none: a lesson that pinned a
        curve of its own gives the user's back when it ends."""
        if pinned is None:
            self.unpin()
            return
        values, name = pinned
        self.pinned_dh.setData(np.arange(len(values)), real_positive(values))
        self.step_legend.removeItem(self.pinned_dh)  # named anew
        self._legend_names[id(self.pinned_dh)] = name
        self._pinned = np.array(values, copy=True)
        self._zeros[id(self.pinned_dh)] = grad_views.zero_steps(self._pinned)
        self._sync_step_legend(self.session.view().dc_norm is not None)
        self.refresh(force=True)  # the gradient plot's range holds it

    def unpin(self) -> None:
        """No reference curve (another task, another lesson)."""
        self.pinned_dh.setData([], [])
        self._pinned = None
        self._sync_step_legend(self.session.view().dc_norm is not None)

    def _short_names(self, legend: RowLegend, item, base: str) -> None:
        """``item``'s entry in ``legend`` named ``base`` or its ``SHORT_NAMES`` (the last,
        "", the sample alone)."""
        t = self.theme
        legend.set_names(item, legend_html(t, base),
                         *(legend_html(t, short) if short else "" for short in SHORT_NAMES[base]))

    def _sync_loss_legend(self) -> None:
        """The loss plot's legend names "validation" only for a run that has validation
        samples: with a validation split of 0 (your data) there is no such curve, and its
        entry sent the eye looking for one."""
        has_val = self._has_validation()
        shown = any(sample.item is self.curve_val for sample, _ in self.legend.items)
        if has_val == shown:
            return
        if has_val:
            name = self._legend_names.get(id(self.curve_val), self.curve_val.name() or "")
            self.legend.addItem(self.curve_val, legend_html(self.theme, name))
            self._short_names(self.legend, self.curve_val, name)
        else:
            self.legend.removeItem(self.curve_val)
            self.legend.fit()
        keep_pixels(self.legend)

    def _sync_step_legend(self, has_c: bool) -> None:
        """The gradient plot's legend names the curves it shows: ||dL/dc_t|| only for a cell
        with a cell state (not a GRU's or SimpleRNN's), the pinned curve once pinned."""
        want = [self.curve_dh] + [self.curve_dc] * has_c + [self.pinned_dh] * (self._pinned is not None)
        names = [legend_html(self.theme, self._step_name(curve)) for curve in want]
        if [(sample.item, label.text) for sample, label in self.step_legend.items] == list(zip(want, names)):
            return
        for curve in (self.curve_dh, self.curve_dc, self.pinned_dh):
            self.step_legend.removeItem(curve)
        for curve, name in zip(want, names):
            self.step_legend.addItem(curve, name)
        keep_pixels(self.step_legend)

    def _step_name(self, curve) -> str:
        """A gradient curve's legend name; the pinned one's with its steps where the run on
        the tab has another length (a SimpleRNN pinned at 200 steps beside an LSTM of 20
        read as the same sequence, their steps 0 side by side)."""
        name = self._legend_names.get(id(curve), curve.name() or "")
        if curve is self.pinned_dh and self._pinned is not None:
            n, now = len(self._pinned), self._timesteps()
            if now and n != now and name.endswith(" (pinned)"):
                name = f"{name[:-len(' (pinned)')]}, {plural(n, 'step')} (pinned)"
        zeros = self._zeros.get(id(curve), "")  # (no point for them on the log axis)
        return f"{name}: {zeros}" if zeros else name

    def _slider_moved(self, k: int) -> None:
        snaps = self.session.snapshots
        if 0 <= k < len(snaps):
            self._slider_update = snaps[k][0]
            self.time_label.set_widest(f"update {max(*self._update_of, snaps[-1][0])}")
            self.time_label.setText(f"update {snaps[k][0]}")

    def show_in_views(self, iteration: int | None = None, keep: bool = True):
        """Put the weights of a snapshot (the slider's, or the one at or before ``iteration``)
        on the window's model, an undoable edit (a task's model is opened in its place)."""
        if iteration is not None:
            snaps = self.session.snapshots
            k = max((i for i, (it, _) in enumerate(snaps) if it <= iteration), default=0)
            self.time_slider.blockSignals(True)
            self.time_slider.setValue(k)
            self.time_slider.blockSignals(False)
            self._slider_moved(k)
        return self.scrub.show(keep=keep)

    def save_keras(self, path=None) -> int | None:
        """The snapshot the slider is on saved as a Keras 3 ``.keras`` file (asked for where
        ``path`` is None); returns its update (None when nothing was saved)."""
        if path is None:
            from lstmviz.ui.export import ask_save_name

            path = ask_save_name(self, "Save the trained model", "trained.keras", "Keras 3 model (*.keras)",
                                 ".keras", exact=True)
            if not path:
                return None
        snaps = self.session.snapshots
        k = min(self.time_slider.value(), len(snaps) - 1)
        try:
            it, caveat, broken = save_snapshot(self.session, snaps[k][0], path)
        except (LstmvizError, OSError) as err:
            self.set_error(str(err) if isinstance(err, LstmvizError) else safe_text(f"{path}: {err.strerror or err}"))
            return None
        text = plain = f"Saved the model at update {it} to {file_label(str(path))}" + (f" ({caveat})" if caveat else "")
        # a diverged run is saved all the same (the user's work is never lost), and said: its
        # weights that are no numbers, as opening the file says them, or the update it diverged at
        blown = self.session.blown
        after = blown is not None and it >= blown[0]  # (a snapshot of the update it stopped at)
        if broken:
            text += f"; its weights are not all numbers: {broken}"
        if after and blown is not None:
            text += (f"; the run diverged at update {blown[0]}"
                     + ("" if broken else ", these weights are from where it stopped")
                     + " (an earlier snapshot on the Snapshots slider is from before it)")
        window = self.window_ref
        if window is not None and hasattr(window, "message"):
            warn = text != plain
            window.message(text, dialog=warn, error=warn, title="Saved a diverged run")
        self._error = ""
        self.refresh(force=True)
        return it

    def unkept_note(self) -> str:
        """What a session saved now leaves out of the training ("" when nothing): the run's
        weights when the stack holds none of them (File > Save session says it)."""
        window = self.window_ref
        it = unkept_update(self.session, window.state.model if window is not None else None)
        return (f"The Train tab's run (update {it}) is not part of a session: Put on the stack before "
                "saving keeps its weights; Save as .keras writes them") if it else ""

    # -- lessons ---------------------------------------------------------------------------
    def end_lesson(self) -> None:
        """The curves' layout without a lesson's step: both plots where one was alone."""
        self._lesson_curve = None
        self.grad_views.mark_unit(None)
        self._fit_plots()

    def lesson_step(self, spec: dict, pinned: tuple[np.ndarray, str] | None = None) -> dict:
        """Set up and run a lesson step: ``spec`` holds Settings fields to change (a new run
        when any does), ``updates`` to run now, ``pin`` to pin the curve first (a step naming
        its ``task``, a lesson's first, drops a pinned curve instead; ``pin=False``, what
        ``tours.step_setup`` says of a step under no pin, drops it too); ``pinned``: what such a
        step pinned when it was first shown (``pinned()``), pinned again when the lesson
        comes back to it (the run on the tab is by then a later step's). Returns the numbers
        a caption may quote."""
        spec = dict(spec)
        updates = int(spec.pop("updates", 0))
        grad_view = spec.pop("grad_view", "curves")  # a gradient view's key, or the curves
        mark = bool(spec.pop("mark_unit", False))  # the unit the caption names, marked
        # the curve the step is about: alone where a lecture has room for one plot only
        self._lesson_curve = spec.pop("curve", None)
        self._fit_plots()
        pin = spec.pop("pin", None)
        if pin:
            if pinned is not None:
                self.set_pinned(pinned)
            else:
                self.pin()
        elif pin is False or "task" in spec:  # (a lesson's first step: another lesson's pinned curve goes)
            self.unpin()
        if spec:
            # a lesson's first step starts from the defaults, not from the run on the tab:
            # what it leaves out (timesteps, batch size, optimizer ...) was the user's, or the
            # last lesson's (the batch_size lesson ran at 50 or 20 timesteps by which came first)
            cur = Settings() if "task" in spec else self.session.settings
            fields = {k: getattr(cur, k) for k in cur.__dataclass_fields__}
            fields.update(spec)
            if "task" in spec:  # a lesson's first step: a run of its own, the user's kept
                self.use_session(TrainingSession(Settings(**fields), snapshot_every=self.snapshot_every()))
            else:
                self.apply_settings(Settings(**fields))
        self.set_playing(False)
        if updates:  # (hundreds of them, on this thread: the window waits, and says so)
            QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            for _ in range(updates):
                if self.session.step() is None:
                    break
        finally:
            if updates:
                QtWidgets.QApplication.restoreOverrideCursor()
        self.session.keep_current()
        self.refresh(force=True)
        v = self.session.view()
        facts = {"updates_per_epoch": v.batches_per_epoch, "samples": v.samples,
                 "batch_size": v.batch_size, "iteration": v.iteration,
                 "cell": self.session.settings.cell, "first": "?", "last": "?", "ratio": "?"}
        if v.dh_norm is not None and len(v.dh_norm):
            first, last = float(v.dh_norm[0]), float(v.dh_norm[-1])
            facts.update(first=f"{first:.2g}", last=f"{last:.2g}",
                         ratio=times(last / first if first > 0 else math.inf))  # (read out: 2 figures)
        if grad_view == "curves":
            self.plot_tabs.setCurrentWidget(self.plots)
            self.grad_views.mark_unit(None)
        else:
            facts.update(self.grad_views.lesson_facts(grad_view, mark=mark))
        return facts

    # -- drawing ---------------------------------------------------------------------------
    def _follow_theme(self) -> bool:
        """Restyle when the window's theme changed (presentation mode, View > Theme)."""
        if th.current() is not self.theme:
            self.apply_theme(th.current())
            return True
        return False

    def _fit_controls(self) -> None:
        """The controls as wide as their widest row, but never more than half the panel (on
        a narrow window, presentation mode on a 1024x768 projector, a wider minimum laid the
        plots over the controls) and never less than their least width (their fields go
        under their labels first: no sideways scrolling); sideways only where the panel has
        not even that room beside the plots' least width."""
        width, need, share = self._controls_width(self.width())
        self.controls.setMinimumWidth(width)
        # and no wider than that where the panel is narrow: the plots keep the other half
        self.controls.setMaximumWidth(max(width, min(self._widest, share)))
        policy = QtCore.Qt.ScrollBarPolicy
        self.controls.setHorizontalScrollBarPolicy(policy.ScrollBarAlwaysOff if width >= need
                                                   else policy.ScrollBarAsNeeded)

    def _controls_width(self, panel: int) -> tuple[int, int, int]:
        """(the controls' least width in a panel ``panel`` px wide, the least that needs no
        sideways scrolling, their share of the panel at most): ``_fit_controls``' numbers."""
        bar = self.controls.verticalScrollBar().sizeHint().width()
        want = self._controls_page().sizeHint().width() + 12
        need = self._controls_page().minimumSizeHint().width() + bar  # (no sideways scrolling)
        beside = self._beside(panel)
        room = beside - self.plot_tabs.minimumSizeHint().width()
        share = int(panel * (CONTROLS_SHARE_LECTURE if self.theme.lecture else 0.5))
        # the plots' inner tabs whole where the controls can give them the room (at 1024 x 768
        # in the projector theme half the panel left them 490 of 542 px: "Updates" behind
        # scroll arrows); never below the controls' least without sideways scrolling
        share = min(share, max(need, beside - self.tab_names.width(self.tab_names.whole, False) - TAB_BAR_FRAME))
        return max(CONTROLS_LEAST, min(max(min(want, share), need), room)), need, share

    def plots_width(self, panel: int | None = None) -> int:
        """The plots' width (px) in a panel ``panel`` px wide (its own width when None), as
        ``_fit_controls`` lays it out: under ``PLOTS_LEAST`` the window's side panel gives way
        to the tab (``Presenter.fit_train_tab``)."""
        panel = self.width() if panel is None else panel
        return self._beside(panel) - self._controls_width(panel)[0]

    def run_in_sight(self, panel: int | None = None) -> bool:
        """Whether, in a panel ``panel`` px wide (its own width when None), the controls' view
        shows Play / One update / Reset and the run's first line under them without scrolling
        (``Presenter._squeezed``: beside the side panel in the projector theme at 1280 x 800
        the view cut the buttons in half, at 1280 x 720 they were below it).

        How far down the page that line reaches is the page's height at the controls' width
        less what lies below the line as laid out now: exact at the panel's own width, and
        never short of the truth at a narrower one (below the line, the snapshot controls and
        the user's data box wrap no less there)."""
        panel = self.width() if panel is None else panel
        page = self._controls_page()
        form = page.layout()
        if form is None:
            return True
        form.activate()
        label = self.status_label
        line = (label.mapTo(page, QtCore.QPoint(0, 0)).y() + label.contentsMargins().top()
                + label.fontMetrics().lineSpacing())
        below = form.heightForWidth(page.width()) - line  # (the page's own height may be the view's)
        width = self._controls_width(panel)[0]
        if width != self.controls.width():  # (its page beside the vertical scroll bar)
            width -= self.controls.verticalScrollBar().sizeHint().width()
        else:
            width = page.width()
        # (the view's whole height: ``WholeRows`` may end it above a row its edge would cut)
        seen = self.controls.viewport().height() + self.controls.viewportMargins().bottom()
        return form.heightForWidth(max(1, width)) - below <= seen

    def _controls_page(self) -> QtWidgets.QWidget:
        page = self.controls.widget()
        assert page is not None  # (set in __init__, never taken back)
        return page

    def _outer(self) -> QtWidgets.QLayout:
        outer = self.layout()
        assert outer is not None  # (set in __init__)
        return outer

    def _beside(self, panel: int) -> int:
        """The width (px) the controls and the plots share in a panel ``panel`` px wide."""
        outer = self._outer()
        m = outer.contentsMargins()
        return panel - m.left() - m.right() - outer.spacing()

    def _fit_plots(self) -> None:
        """The gradient norm's plot only where the curves have room for three plots and not
        in a lecture theme: hidden and out of the layout, the loss and the gradient through
        time (what the lessons talk about) take its height (at 1280 x 720 each of the three
        had a view ~55 px high, the loss' one value label). With room for one plot only
        under a lesson's caption (an 800 x 600 projector: two plots had no view at all; a
        1280 x 720 window in the projector theme, not presenting: two views ~46 px high, the
        vanishing gradient's seven decades under one label), the one the lesson's step is
        about (``lesson_step``'s ``curve``), presenting or not."""
        tall = self.plots.height()
        lecture = self.theme.lecture
        alone = self._lesson_curve if tall < TWO_PLOTS_LEAST else None
        # a run's metrics beside its loss (side by side: stacked, three plots left each a view
        # ~60 px high at 1280 x 720 in the projector theme); the others span both columns
        metrics = bool(self._metric_names) and alone in (None, "loss")
        layout = self.plots.ci
        # (the loss' legend holds three names, the metric's a name a metric and its title the
        # values: half the width each, whatever their texts ask: the titles' short forms and
        # legend rows follow the width, and a width following them had a plot shrink to its
        # shortest; at 3 : 2 for the metrics the loss view was 241 px wide at 1280 x 720 and
        # 77 px at 800 x 600 in the projector theme, narrower than one of its legend's names)
        layout.layout.setColumnStretchFactor(0, 1)
        layout.layout.setColumnStretchFactor(1, 1)
        for plot in (self.loss_plot, self.metric_plot):
            plot.setPreferredWidth(1.0 if metrics else -1.0)
        shared = metrics and self._key_needed()
        top = int(shared)  # (the shared key's row above them)
        places = ((0, 0, self.shared_key, shared),
                  (top, 0, self.loss_plot, alone in (None, "loss")), (top, 1, self.metric_plot, metrics),
                  (top + 1, 0, self.step_plot, alone in (None, "gradient")),
                  (top + 2, 0, self.norm_plot, not lecture and tall >= NORM_PLOT_LEAST))
        spans = [1 if col or (plot is self.loss_plot and metrics) else 2 for _, col, plot, _ in places]
        for (row, _, plot, show), span in zip(places, spans):  # (all out first: no cell taken twice)
            cells = layout.items.get(plot)  # (its cells: its span and row)
            if cells is not None and (not show or len(cells) != span or cells[0][0] != row):
                layout.removeItem(plot)
        self._fit_key(shared)
        for (row, col, plot, show), span in zip(places, spans):
            if show and plot not in layout.items:
                layout.addItem(plot, row=row, col=col, colspan=span)
            if plot.isVisible() != show:
                plot.setVisible(show)

    def _key_needed(self) -> bool:
        """Whether the loss plot beside the metrics (half the plots' width) is narrower than
        its legend's shortest named entries in one row ("update", "epoch", "validation",
        each with its sample, the title "Loss" given up): where it is, the legend would show
        its samples unnamed or take rows off its view, and the shared key names the curves.
        Only in the projector theme and a lecture's (their type: a second row of names
        leaves the loss view under ``LOSS_LEAST_LINES`` there; in the dark and light themes
        at 1280 x 720 beside the side panel two rows keep it, and each plot its own legend).
        (Decided from the width alone, at each resize: not from the legend's own fitting,
        which the key's row would change.)"""
        if not (self.theme.lecture or self.theme.name == "projector"):
            return False
        fm = QtGui.QFontMetricsF(self.theme.font(0.9))
        names = [short[-2] for short in SHORT_NAMES.values()][:2 + self._has_validation()]
        # (each label's text and its document's margins, its sample, the gaps between)
        need = sum(fm.horizontalAdvance(n) + LABEL_MARGINS + SAMPLE_WIDTH + RowLegend.GAP for n in names)
        need += RowLegend.GAP * (len(names) - 1)
        return self.plots.width() / 2 - 2 * RowLegend.GAP < need

    def _fit_key(self, shared: bool) -> None:
        """The shared key shown (``shared``) or not, its text in the theme's colours (each
        style's mark in its curve's colour); the loss plot's and one metric's legends hidden
        under it (the metrics' names by colour kept where there are several)."""
        t = self.theme
        val = self._has_validation()
        several = len(self._metric_curves) > 1

        def mark(colour: str, glyph: str) -> str:
            return f'<span style="color:{colour}">{glyph}</span>'

        orange = th.OKABE_ITO["orange"]
        val_mark = mark(orange, "\u25a0") + (f" {mark(t.muted, '- -')}" if several else "")
        fm = QtGui.QFontMetricsF(t.font(0.9))
        room = self.plots.width() - 2 * RowLegend.GAP
        text = ""
        for form in SHARED_KEY:  # (the longest form the plots' width holds, else the shortest)
            words = form[:2] + form[2:] * val
            text = " \u00b7 ".join(f"{m} {w}" for m, w in zip(
                (mark(t.muted, "\u2014"), mark(t.foreground, "\u25cf"), val_mark), words))
            plain = QtGui.QTextDocumentFragment.fromHtml(text).toPlainText()
            if fm.horizontalAdvance(plain) <= room:
                break
        if shared and self.shared_key.text != text:
            self.shared_key.setText(text, color=t.foreground, size=f"{t.pt(0.9)}pt")
        if self.shared_key.isVisible() != shared:
            self.shared_key.setVisible(shared)
        if shared != self._shared:
            self._shared = shared
            self.legend.setVisible(not shared)
            self._loss_title()
            self._sync_metric_legend()
            self._limit_metric_legend()
        self.metric_legend.setVisible(not shared or several)

    def _limit_metric_legend(self) -> None:
        """The metric legend in at most ``METRIC_LEGEND_ROWS`` rows, fewer where its view would
        go under ``METRIC_LEAST_LINES``; under the shared key (several metrics) one row at
        most, whatever the view's height, its count of the others "+N", so that it names a
        metric or more beside it (at 800 x 600 in the projector theme "+3 more" stood alone)."""
        t = self.theme
        line = QtGui.QFontMetricsF(t.font(1.0)).height()
        rows, least = (1, 0.0) if self._shared else (METRIC_LEGEND_ROWS, METRIC_LEAST_LINES * line)
        more = "+{}" if self._shared else "+{} more"  # (one row: "auc +2", not "+3 more" alone)
        self.metric_legend.limit_rows(rows, least, lambda n, t=t: legend_html(t, more.format(n)))

    def _loss_title(self) -> None:
        """The loss plot's title "Loss", left-aligned for its legend beside it; none under
        the shared key (its row the loss view's: the axis says "loss"; with it the key's row
        left the loss view 48 px at 800 x 600 in the projector theme)."""
        t = self.theme
        if self._shared:
            if self.loss_plot.titleLabel.isVisible():
                self.loss_plot.setTitle(None)
            return
        th.set_title(self.loss_plot, "Loss", short="", color=t.foreground, size=f"{t.pt(1.1)}pt", justify="left")

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt)
        if obj is self.plots and event.type() == QtCore.QEvent.Type.Resize:
            self._fit_plots()
        return False

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._fit_controls()
        presenter = getattr(self.window_ref, "presenter", None)
        if presenter is not None:
            presenter.train_tab_resized()  # (the side panel gives way where the plots are squeezed)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt)
        """As narrow as the controls' least (``CONTROLS_LEAST``) beside the plots' least, not
        the layout's: the controls' minimum follows the width they were given (``_fit_controls``),
        which held the window as wide as it once was (990 px after the Train tab was shown at
        1280 x 720, 848 px opened at 800 x 600). Narrower, the controls are fitted again."""
        outer = self._outer()
        m = outer.contentsMargins()
        least = (m.left() + m.right() + outer.spacing() + CONTROLS_LEAST
                 + self.plot_tabs.minimumSizeHint().width())
        return QtCore.QSize(least, super().minimumSizeHint().height())

    def showEvent(self, event) -> None:  # noqa: N802 (Qt)
        self._follow_theme()
        super().showEvent(event)

    def refresh(self, force: bool = False) -> None:
        """Draw what the run added since the last refresh: new points appended to the
        curves' arrays (the history is not copied again), a curve set again only when it
        changed, ticks and ranges only when the data leaves them.

        While it plays, a new update is drawn in stages, one at each tick of the timer: its
        copy and the texts, the loss plot, the gradient-through-time plot, the gradient-norm
        plot. Each stage's work and paint (of that plot only) then fits between two frames of
        the window, where drawing all three at once took a frame's time."""
        force = self._follow_theme() or force
        if self._stages and not force:
            if self.playing:
                self._stages.pop(0)()
                return
            stages, self._stages = self._stages, []  # paused: the rest of the update at once
            for stage in stages:
                stage()
        v = self.session.view(None if force else self._since)
        if not force and (v.generation, v.iteration) == self._drawn:
            if self._stepping() != self._said_stepping:  # One update began or ended
                self._draw_texts(v)
            if not self.playing and self.play_button.isChecked():
                self.set_playing(False)
            if self._snapshots_key() != self._slider_key:
                self._update_slider()  # the weights where the run stopped, kept after its last update
            return
        self._drawn = (v.generation, v.iteration)
        self._since = v.since
        self._take(v)
        stages = [lambda: self._draw_loss(v), lambda: self._draw_steps(v), lambda: self._draw_norm(v)]
        if force or not self.playing:
            for stage in stages:
                stage()
            self._draw_texts(v)
            self._stages = []
        else:
            self._draw_texts(v)  # with the copy: a label's text, no plot to paint
            self._stages = stages

    def _take(self, v) -> None:
        """The new points of the run's history into the curves' series."""
        h = v.history
        sr = self._series
        run = (self.session.key, v.generation)
        if run != self._framed:
            # another run (another session shown, a new configuration, a reset): frames around
            # its own data, not the last run's grown over them (the user's run shown again
            # after a lesson's: losses of 1.5 in a frame from 0.07 to 2), and followed (a
            # zoom into the last run's curves left the new run's out of sight)
            self._framed = run
            self._frames.clear()
            for key in self._follow:
                self._follow[key] = True
        if v.start == 0:
            sr["loss"].clear()
            sr["norm"].clear()
            self._last["loss"] = None
            self._sync_loss_legend()  # (another run: one without validation samples, maybe)
        if v.epoch_start == 0:
            sr["epoch"].clear()
            sr["val"].clear()
            self._last["val"] = None
            self._sync_metrics()
        if h.loss:
            self._last["loss"] = float(h.loss[-1])
        if h.val_loss:
            self._last["val"] = float(h.val_loss[-1])
        self._changed = {
            "loss": sr["loss"].extend(h.iterations, h.loss) or v.start == 0,
            "norm": sr["norm"].extend(h.iterations, h.grad_norm) or v.start == 0}
        epochs = sr["epoch"].extend(h.epoch_iterations, h.epoch_loss)
        self._metric_x.extend(float(i) for i in h.epoch_iterations)
        for values, into in ((h.epoch_metrics, self._metric_y), (h.val_metrics, self._metric_val)):
            for name, kept in into.items():
                kept.extend(float(m.get(name, math.nan)) for m in values)
        val = sr["val"]
        epochs = val.extend(sr["epoch"].x[val.n:val.n + len(h.val_loss)], h.val_loss) or epochs
        self._changed["epoch"] = epochs or v.epoch_start == 0

    def refresh_hints(self) -> None:
        """A picture's export began or ended (``labels.holds_hints``)."""
        self._place_hint()

    def _place_hint(self) -> None:
        """The empty loss plot's hint, and the gradient-through-time plot's, each centred in
        its plot, shown until the first update (and only where the plot holds it whole; not
        in an exported picture: ``labels.hints_shown``)."""
        empty = self._series["loss"].n == 0 and hints_shown()
        for hint, vb in ((self.empty_hint, self.loss_plot.vb), (self.grad_hint, self.step_plot.vb)):
            box = hint.boundingRect()
            fits = box.width() <= vb.width() - 8 and box.height() <= vb.height()
            hint.setVisible(empty and fits)
            hint.setPos((vb.width() - box.width()) / 2, (vb.height() - box.height()) / 2)
        self._place_note()

    def _place_note(self) -> None:
        """The diverged note (``_diverged``: whole, short, shortest; or ``below_note``'s) in a corner of the loss
        plot's view that holds none of its curves' points or lines: the longest text that
        has such a corner, the top right first (where the loss left the plot: the note stood
        there over the last finite losses); where none has, the shortest where it covers the
        fewest. Hidden where even that is wider or higher than the view."""
        note, vb = self.diverged_note, self.loss_plot.vb
        w, h = vb.width(), vb.height()
        boxes = []
        for text in (t for t in self._diverged if t):
            note.setText(text)
            box = note.boundingRect()
            if box.width() <= w - 8 and box.height() <= h:
                boxes.append((text, box.width(), box.height()))
        note.setVisible(bool(boxes))
        if not boxes:
            return
        (x0, x1), (y0, y1) = vb.viewRange()
        lines = []
        for curve in (self.curve_loss, self.curve_epoch, self.curve_val):
            xs, ys = curve.getData()
            if xs is None or not len(xs):
                continue
            # (the view's pixels; the log axis' y is log10, as the curve hands it back)
            px = (np.asarray(xs, np.float64) - x0) / max(x1 - x0, 1e-300) * w
            py = (y1 - np.asarray(ys, np.float64)) / max(y1 - y0, 1e-300) * h
            pad = curve.opts["size"] / 2 + 2 if curve.opts["symbol"] is not None else 3
            lines.append((px, py, pad))

        def places(bw: float, bh: float) -> list[tuple[int, tuple[float, float]]]:
            corners = [(w - bw - 4, 2), (4, 2), (w - bw - 4, h - bh - 2), (4, h - bh - 2)]
            return [(sum(covered(px, py, (x - pad, y - pad, x + bw + pad, y + bh + pad)) for px, py, pad in lines),
                     (x, y)) for x, y in corners]

        for text, bw, bh in boxes:
            free = [at for hits, at in places(bw, bh) if hits == 0]
            if free:
                note.setText(text)
                note.setPos(*free[0])
                return
        text, bw, bh = boxes[-1]
        note.setText(text)
        note.setPos(*min(places(bw, bh), key=lambda p: p[0])[1])

    def _draw_loss(self, v) -> None:
        sr = self._series
        last = self._last["loss"]
        diverged = last is not None and not math.isfinite(last)
        # the whole note, a short one, and the shortest (a narrow plot: a projector's 1024 x
        # 768 beside the side panel held neither of the others, and the plot said nothing)
        note = ((f"\u2191 loss {last} at update {int(self._last_update())}: the run diverged",
                 f"\u2191 {last} at update {int(self._last_update())}", f"\u2191 {last}")
                if diverged else below_note(sr["loss"].below, sr["epoch"].below + sr["val"].below))
        if note != self._diverged:
            self._diverged = note
            self._place_hint()
        # (either hint shown, to its plot: a hidden plot's hint is never visible, and a lesson's
        # gradient plot alone kept its hint over the curves its 160 updates drew)
        if sr["loss"].n == 0 or any(h.isVisibleTo(h.parentItem()) for h in (self.empty_hint, self.grad_hint)):
            self._place_hint()
        if self._changed["loss"]:
            # a diverged run's few finite losses marked: one alone draws no line
            # (and the first update's one point: a marker, not a dot of the thin line's width)
            _mark_points(((self.curve_loss, "o"),),
                         ((diverged or sr["loss"].below > 0) and sr["loss"].n <= MAX_SYMBOLS) or sr["loss"].n == 1)
            self.curve_loss.setData(*sr["loss"].data())
        if self._changed["epoch"]:
            _mark_points(((self.curve_epoch, "o"), (self.curve_val, "s")), sr["epoch"].n <= MAX_SYMBOLS)
            self.curve_epoch.setData(*sr["epoch"].data())
            self.curve_val.setData(*sr["val"].data())
        right = count_top(self._last_update(), v.epochs * v.batches_per_epoch)
        self._place(self.loss_plot, min(sr["loss"].lo, sr["val"].lo), max(sr["loss"].hi, sr["val"].hi), right)
        self._draw_metrics(right)
        if note[0]:
            self._place_note()  # (clear of the curves just set, in their new frame)

    # -- the metrics ----------------------------------------------------------------------
    def _sync_metrics(self) -> None:
        """Curves for the run's metrics (another run: maybe others, or none): each metric
        and its validation's, named as Keras' History names them ("accuracy", "val_accuracy"),
        the first in the loss' colours (train the foreground, validation orange)."""
        names = self.session.metric_names()
        self._metric_x = []
        self._metric_y = {n: [] for n in names}
        self._metric_val = {n: [] for n in names}
        self._metric_frame = ()
        self._metric_drawn = -1
        if names != self._metric_names:
            for train, val in self._metric_curves.values():
                for curve in (train, val):
                    self.metric_legend.removeItem(curve)
                    self.metric_plot.removeItem(curve)
            self._metric_names = names
            self._metric_curves = {n: (QuickCurve(n, symbol="o"), QuickCurve(f"val_{n}", symbol="s")) for n in names}
            for train, val in self._metric_curves.values():
                for curve in (train, val):
                    self.metric_plot.addItem(curve)
                    keep_pixels(curve)
            self._style_metrics()
            self._fit_plots()
        self._sync_metric_legend()
        for train, val in self._metric_curves.values():
            train.setData([], [])
            val.setData([], [])

    def _sync_metric_legend(self) -> None:
        """The metric legend names each metric, and its ``val_`` one where the run has
        validation samples (as the loss legend names "validation"); with two metrics or
        more, each metric once and one key to the validation curves ("val_…", dashed),
        in at most two rows, the metrics that do not fit in "+N more" (``RowLegend.limit_rows``)."""
        several = len(self._metric_curves) > 1
        val = self._has_validation()
        want = [c for train, v in self._metric_curves.values() for c in (train, v)
                if c is train or (val and not several)]
        if several and val and not self._shared:  # (under the shared key: its "- - validation")
            want.append(self._metric_val_key)
        if [sample.item for sample, _ in self.metric_legend.items] == want:
            return
        for sample, _ in list(self.metric_legend.items):
            self.metric_legend.removeItem(sample.item)
        for curve in want:
            self.metric_legend.addItem(curve, legend_html(self.theme, curve.name() or ""))
        self._name_metric_entries()
        self.metric_legend.keep(self._metric_val_key)
        self.metric_legend.fit()
        keep_pixels(self.metric_legend)

    def _style_metrics(self) -> None:
        """The metric plot's titles and its curves' colours in the theme."""
        t = getattr(self, "theme", None)
        if t is None:
            return
        names = self._metric_names
        left = names[0] if len(names) == 1 else "metric"
        th.style_plot(self.metric_plot, t, title=self._metric_title()[0], short=self._metric_title()[1],
                      left=left, bottom="update")
        # a hue per metric, eight apart (Okabe-Ito's; its yellow unread on white: grey there)
        hues = [t.foreground, th.OKABE_ITO["sky_blue"], th.OKABE_ITO["green"], th.OKABE_ITO["purple"],
                th.OKABE_ITO["vermillion"], th.OKABE_ITO["blue"], th.OKABE_ITO["orange"],
                th.OKABE_ITO["yellow"] if t.dark else "#8a8a8a"]
        w = t.line_width
        dashed = QtCore.Qt.PenStyle.DashLine
        one = len(self._metric_curves) == 1
        for k, (train, val) in enumerate(self._metric_curves.values()):
            hue = hues[k % len(hues)]
            # one metric: its validation as the loss' (orange); more: each validation in its
            # metric's hue, dashed, as the legend's one key draws it
            vhue = th.OKABE_ITO["orange"] if one else hue
            train.setPen(pg.mkPen(hue, width=w))
            train.setSymbolBrush(hue)
            val.setPen(pg.mkPen(vhue, width=w, style=QtCore.Qt.PenStyle.SolidLine if one else dashed))
            val.setSymbolBrush(vhue)
        self._metric_val_key.setPen(pg.mkPen(t.muted, width=w, style=dashed))
        self._metric_val_key.setSymbolBrush(t.muted)
        self._name_metric_entries()
        self.metric_legend.fit()

    def _name_metric_entries(self) -> None:
        """The metric legend's entries named by their curves' names (Keras' keys); one
        metric's also "train" and "val" (``METRIC_SHORT``), where its plot is too narrow
        for "accuracy" and "val_accuracy" in a row: the axis says the metric (beside the
        loss at 800 x 600 both were left out for "+2 more", which said nothing the hall
        could read)."""
        t = self.theme
        one = next(iter(self._metric_curves.values())) if len(self._metric_curves) == 1 else ()
        for sample, _ in self.metric_legend.items:
            item = sample.item
            short = METRIC_SHORT[one.index(item)] if item in one else ()
            self.metric_legend.set_names(item, legend_html(t, item.name() or ""),
                                         *(legend_html(t, name) for name in short))

    def _metric_words(self) -> list[str]:
        """The last finished epoch's metrics and their validation's, as Keras' progress bar
        writes them (["accuracy 0.8320", "val_accuracy 0.7969", "mae 0.1000", ...]); [] before
        the first epoch's end."""
        said = []
        for name in self._metric_names:
            train, val = self._metric_y.get(name) or [], self._metric_val.get(name) or []
            if train:
                said.append(f"{name} {train[-1]:.4f}")
            if val:
                said.append(f"val_{name} {val[-1]:.4f}")
        return said

    def _metric_title(self) -> tuple[str, tuple[str, ...]]:
        """The metric plot's title (whole, its short forms, the first that fits is shown:
        ``theme.set_title``): every metric's last epoch and its validation's, as Keras'
        progress bar writes them ("accuracy 0.8320 · val_accuracy 0.7969"); short, the
        first metric's and its validation's, the others counted ("auc 0.8320 · val 0.7969
        +5"), then with 3 and 2 digits, then without the count, then without the name (the
        axis' where it is one metric: "accuracy 1.0000 · val 1.0000" lost its last digit at
        1400 x 900); its names before the first epoch's end. The whole title is the plot
        title's tooltip."""
        names = self._metric_names
        if not names:
            return "", ()
        first = names[0]
        train, val = self._metric_y.get(first) or [], self._metric_val.get(first) or []
        more = f" +{len(names) - 1}" if len(names) > 1 else ""
        if not train:
            return ", ".join(names) + " (per epoch)", tuple(
                dict.fromkeys([f"{first}{more} (per epoch)", f"{first} (per epoch)", first]))

        def said(digits: int, more: str = "", name: bool = True) -> str:
            return ((f"{first} " if name else "") + f"{train[-1]:.{digits}f}"
                    + (f" \u00b7 val {val[-1]:.{digits}f}" if val else "") + more)

        forms = ([said(d, more) for d in (4, 3, 2)] if more else []) + [said(d) for d in (4, 3, 2)] + [
            said(2, name=False)]
        return " \u00b7 ".join(self._metric_words()), tuple(dict.fromkeys(forms))

    def _draw_metrics(self, right: float) -> None:
        """The metric curves (each finished epoch's value at its last update, as the loss'
        epoch curve), its title, and its frame: updates as the loss plot's, 0 to 1 for
        metrics within it, else around the values."""
        if not self._metric_names or self.metric_plot not in self.plots.ci.items:
            return
        x = np.asarray(self._metric_x, np.float64)
        if len(x) != self._metric_drawn:  # (a new epoch: set once an epoch)
            self._metric_drawn = len(x)
            for name, (train, val) in self._metric_curves.items():
                ys, vs = self._metric_y[name], self._metric_val[name]
                _mark_points(((train, "o"), (val, "s")), len(x) <= MAX_SYMBOLS)
                train.setData(x[:len(ys)], np.asarray(ys, np.float64))
                val.setData(x[:len(vs)], np.asarray(vs, np.float64))
        whole, short = self._metric_title()
        th.set_title(self.metric_plot, whole, short=short, color=self.theme.foreground,
                     size=f"{self.theme.pt(1.1)}pt")
        self.metric_plot.titleLabel.setToolTip(whole)  # (every value, whichever form shows)
        self._metric_right = right
        self._frame_metrics()

    def _frame_metrics(self) -> None:
        """The metric plot's frame and ticks for its data and size (set when they change)."""
        if not self._metric_names or self.metric_plot not in self.plots.ci.items:
            return
        right = self._metric_right
        within = self.session.metrics_within_one()
        if within:
            lo, hi = 0.0, 1.0
        else:
            values = [v for d in (self._metric_y, self._metric_val) for vs in d.values() for v in vs
                      if math.isfinite(v)]
            lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
            if hi - lo < 1e-12:
                lo, hi = lo - 0.5, hi + 0.5
        vb = self.metric_plot.vb
        follow = self._follow[id(vb)]
        frame = (right, lo, hi, within, vb.width(), vb.height(), follow)
        if frame != self._metric_frame:
            self._metric_frame = frame
            if not follow:  # (the user's pan or zoom, kept until "A": pyqtgraph's own labels
                # for it, not the whole frame's, which a zoom into 0.9 .. 1 left with one label)
                set_ticks(self.metric_plot.getAxis("bottom"), None)
                set_ticks(self.metric_plot.getAxis("left"), None)
                return
            # (x with pyqtgraph's padding, as the loss plot's; y with room for half a label
            # beyond 0 and 1, which pyqtgraph drops where it would stick out of its axis)
            line = QtGui.QFontMetricsF(self.metric_plot.getAxis("left").style["tickFont"] or QtGui.QFont()).height()
            pad = (hi - lo) * max(0.04, 0.6 * line / max(1.0, vb.height() - 1.2 * line))
            vb.setXRange(0, right)
            vb.setYRange(lo - pad, hi + pad, padding=0)
            wide = max(2, int(vb.width() / (6 * self.theme.pt() * 4 / 3)))
            set_ticks(self.metric_plot.getAxis("bottom"), count_tick_list(right, wide))
            # 0 to 1: 0, 0.5, 1, and quarters where the view holds their labels a line and a
            # half apart (pyqtgraph's own put five labels and nine grid lines in 90 px); 0 and
            # 1 alone where 0.5 would stand within 1.2 lines of them (a projector's 800 x 600:
            # the three labels over one another in a view two lines high)
            unit = vb.height() / (hi - lo + 2 * pad)  # (pixels from 0 to 1)
            steps = ((0.0, 0.25, 0.5, 0.75, 1.0) if vb.height() >= 6 * line
                     else (0.0, 0.5, 1.0) if unit / 2 >= 1.2 * line else (0.0, 1.0))
            set_ticks(self.metric_plot.getAxis("left"), [[(v, f"{v:g}") for v in steps], []]
                      if within else None)

    def _has_validation(self) -> bool:
        """The run has validation samples (with a validation split of 0, your data, none)."""
        data = getattr(self.session, "data", None)
        x_val = getattr(data, "x_val", None)
        x_val = x_val[0] if isinstance(x_val, list) and x_val else x_val
        return x_val is not None and len(x_val) > 0

    def _draw_steps(self, v) -> None:
        # norms of 0 (a step the loss does not depend on, a gradient of 0) and those not
        # numbers (an update whose loss is no longer one) are missing, not drawn at the log
        # axis' floor as gradients of 1e-30; the legend says where they are 0; the finite
        # ones marked where any is missing, as the loss curve marks a diverged run's losses
        last = self._last["loss"]
        if v.dh_norm is not None:
            t = np.arange(len(v.dh_norm))
            norms = [a for a in (v.dh_norm, v.dc_norm) if a is not None]
            gaps = any(not np.all(np.isfinite(a) & (a > 0)) for a in norms)
            _mark_points(((self.curve_dh, "o"), (self.curve_dc, "t")),
                         gaps or (last is not None and not math.isfinite(last)) or len(t) <= MAX_SYMBOLS)
            self.curve_dh.setData(t, real_positive(v.dh_norm))
            if v.dc_norm is not None:
                self.curve_dc.setData(t, real_positive(v.dc_norm))
            else:
                self.curve_dc.setData([], [])
            self._zeros[id(self.curve_dh)] = grad_views.zero_steps(v.dh_norm)
            self._zeros[id(self.curve_dc)] = grad_views.zero_steps(v.dc_norm)
            self._sync_step_legend(v.dc_norm is not None)
        else:
            self.curve_dh.setData([], [])
            self.curve_dc.setData([], [])
            self._zeros.pop(id(self.curve_dh), None)
            self._zeros.pop(id(self.curve_dc), None)
        steps = [a for a in (v.dh_norm, v.dc_norm, self._pinned) if a is not None and len(a)]
        lo, hi = value_range([real_positive(a) for a in steps])
        self._place(self.step_plot, lo, hi, max((max((len(a) for a in steps), default=0) or self._timesteps()) - 1, 1))

    def _timesteps(self) -> int:
        """The run's sequence length (its inputs' second axis), 0 when unknown."""
        x = getattr(getattr(self.session, "data", None), "x_train", None)
        return int(x.shape[1]) if x is not None and getattr(x, "ndim", 0) >= 2 else 0

    def _draw_norm(self, v) -> None:
        sr = self._series
        if self._changed["norm"]:
            self.curve_norm.setData(*sr["norm"].data())
        # a gradient of 0 is no point on the log axis: the title says at how many updates
        # (a run whose every gradient is 0 left the plot blank, without a word)
        # (set only when it changes: a hidden plot's title is laid out again at every set)
        zeros = sr["norm"].below
        title = NORM_TITLE + (f": 0 at {plural(zeros, 'update')}" if zeros else "")
        if title != self._norm_title:
            self._norm_title = title
            th.set_title(self.norm_plot, title, short=NORM_SHORT + (": 0" if zeros else ""),
                         color=self.theme.foreground, size=f"{self.theme.pt(1.1)}pt")
        self._place(self.norm_plot, sr["norm"].lo, sr["norm"].hi,
                    count_top(self._last_update(), v.epochs * v.batches_per_epoch))

    def _draw_texts(self, v) -> None:
        self._update_slider()
        epoch = v.epoch_shown
        loss, val_loss = self._last["loss"], self._last["val"]
        text = (f"update {v.iteration} \u00b7 epoch {epoch}/{v.epochs}"
                + (f" \u00b7 loss {loss:.4g}" if loss is not None else "")
                + (f" \u00b7 validation {val_loss:.4g}" if val_loss is not None else "")
                + "".join(f" \u00b7 {m}" for m in self._metric_words())  # (the last epoch's)
                + (" \u00b7 finished" if v.done else ""))
        if not v.done:
            self._finished_note = ""
        # a large model's update takes seconds: said while under way (the line read as
        # before the press, as if it had done nothing)
        self._said_stepping = stepping = self._stepping()
        busy = f"computing update {v.iteration + 1}\u2026" if stepping else ""
        for why in dict.fromkeys((self.session.stopped, self._error, self._finished_note, busy)):
            if why:
                text += f"\n{why}"
        if self.status_label.text() != text:
            said = "\n" in self.status_label.text()
            seen = self._status_line_seen()
            self.status_label.setText(text)
            if "\n" in text and not said:
                # why the run stopped (or what it waits for) said under the first line: in
                # sight, as the first line was (the controls scrolled; at 1024 x 768 in the
                # projector theme the reason ran below their bottom edge)
                later(self, type(self)._status_in_sight)
            elif said and "\n" not in text:
                self._status_out_of_sight()
            elif seen:
                # the line seen wraps to a second as it grows (its loss, its validation):
                # whole in sight too (presenting at 1280 x 720 the controls' edge cut its
                # second line and the row went out of sight, loss and all, for the whole run)
                later(self, type(self)._status_wrapped_in_sight)
        self._update_of = (v.iteration, v.epochs * v.batches_per_epoch)
        self.time_label.set_widest(f"update {max(self._update_of)}")
        self.sync_header()
        if not self.playing and self.play_button.isChecked():
            self.set_playing(False)

    def _status_line_seen(self) -> bool:
        """The run's line is in the controls' view: its first line at least."""
        label = self.status_label
        if not label.isVisible():
            return False
        top = label.mapTo(self.controls.viewport(), QtCore.QPoint(0, 0)).y()
        line = top + label.contentsMargins().top() + label.fontMetrics().lineSpacing()
        return top >= 0 and line <= self.controls.viewport().height()

    def _status_wrapped_in_sight(self) -> None:
        """``_status_in_sight`` for a line that wrapped to a second."""
        self._status_in_sight(wrapped=True)

    def _status_in_sight(self, wrapped: bool = False) -> None:
        """Scroll the controls so that the run's state is whole in their view (where it fits),
        to a row's edge: 21 px for 'computing update 1…' cut the "Task" label above in half
        (1024 x 768, projector theme). Where it scrolled from is kept for
        ``_status_out_of_sight``."""
        layout = self._controls_page().layout()
        if layout is not None:
            layout.activate()
        label = self.status_label
        if not label.isVisible() or not (wrapped or "\n" in label.text()):  # (gone again before this turn)
            return
        bar = self.controls.verticalScrollBar()
        before = bar.value()
        self.controls.ensureWidgetVisible(label, 0, 0)
        if bar.value() > before:
            bar.setValue(self._row_edge(bar.value()))
            self._scrolled_for_status = (before, bar.value())

    def show_in_controls(self, widget: QtWidgets.QWidget) -> None:
        """Scroll the controls so that ``widget`` (a line said under a button) is whole in
        their view, with the page laid out for what it says now (the box holding it, then
        the page, then the controls' scroll range: each waited for the next turn)."""
        page = self._controls_page()
        holder: QtWidgets.QWidget | None = widget
        while holder is not None:
            layout = holder.layout()
            if layout is not None:
                layout.activate()
            holder = None if holder is page else holder.parentWidget()
        QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
        if widget.isVisible():
            bar = self.controls.verticalScrollBar()
            before = bar.value()
            self.controls.ensureWidgetVisible(widget, 0, 6)
            if bar.value() > before:  # (to a row's edge: no control cut at the top)
                bar.setValue(self._row_edge(bar.value()))

    def _row_edge(self, v: int) -> int:
        """The least scroll from ``v`` down at which the controls' view cuts no control (a
        label, a box, a button) at its top edge; ``v`` where that is past the scroll's end."""
        content = self._controls_page()
        room = self.controls.viewport().height()
        spans = []
        for c in content.findChildren(QtWidgets.QWidget):
            if c.isVisible() and c.height() <= room / 2:  # (not a box holding many)
                top = c.mapTo(content, QtCore.QPoint(0, 0)).y()
                spans.append((top, top + c.height()))
        edge = v
        for _ in range(8):  # (moved past one control, the edge may cut the next)
            cut = [bottom for top, bottom in spans if top < edge < bottom]
            if not cut:
                break
            edge = max(cut)
        return edge if edge <= self.controls.verticalScrollBar().maximum() else v

    def _status_out_of_sight(self) -> None:
        """The run's second line gone: the controls scrolled back where ``_status_in_sight``
        took them from, unless the user scrolled them since."""
        scrolled, self._scrolled_for_status = self._scrolled_for_status, None
        bar = self.controls.verticalScrollBar()
        if scrolled is not None and bar.value() == scrolled[1]:
            bar.setValue(scrolled[0])

    def sync_header(self) -> None:
        """The window's header over this tab (while it is the tab shown): the run this tab
        trains and its update, not the stack's layer, unit and step."""
        w = self.window_ref
        if w is None or w.tabs.currentWidget() is not self:
            return
        if self._title[0] != self.session.key:
            self._title = (self.session.key, self.session.titles())
        it, total = self._update_of
        titles = self._title[1]
        w.show_train_header(titles[0], f"update {it:,} / {total:,}", f"update {total:,} / {total:,}",
                            shorter=tuple(titles[1:]))

    def _last_update(self) -> float:
        loss = self._series["loss"]
        return float(loss.x[loss.n - 1]) if loss.n else 0.0

    def _place(self, plot, lo: float, hi: float, right: float) -> None:
        """The plot's frame (its range) and ticks, set only when they change."""
        old = self._frames.get(id(plot))
        span = log_frame(lo, hi, None if old is None or old[1] is None else old[1:])
        # no data yet: the count axis only (0 to 10 updates, not pyqtgraph's 0.2, 0.4, ...)
        frame = (right,) + (span if span is not None else (None, None))
        if frame != old:
            self._frames[id(plot)] = frame
            self._show_frame(plot)
            self._place_ticks(plot)

    def _timed_plots(self) -> tuple:
        """The plots drawn along updates: the loss, the gradient by step, the gradient norm."""
        return (self.loss_plot, self.step_plot, self.norm_plot)

    def _place_ticks(self, plot) -> None:
        """The ticks over the plot's frame: they change when it does (or the plot's size),
        not with every update's values."""
        frame = self._frames.get(id(plot))
        # as many labels up the view as its height holds apart, none at its very edges
        # (pyqtgraph draws no label of a level whose labels would fill most of the axis)
        line = QtGui.QFontMetricsF(plot.getAxis("left").style["tickFont"] or QtGui.QFont()).height()
        most = max(1, int(plot.vb.height() / (1.25 * line)))
        ticks: list | None
        if frame is None:
            ticks = None
        elif frame[1] is None:  # no data: no values to label
            ticks = [[], []]
        else:
            lo, hi = frame[1] / 4, frame[2] / 4
            y0, y1 = plot.vb.viewRange()[1]  # (the frame with pyqtgraph's padding)
            # labels a line and a quarter apart, in decades: "0.2, 0.3, 0.5" in a short loss
            # plot (a lesson on a 720-line projector) were drawn over each other
            gap = 1.25 * line / max(1.0, plot.vb.height()) * (y1 - y0)
            ticks = log_tick_list(10.0 ** (lo + 0.05), 10.0 ** (hi - 0.05), most, gap)
            # pyqtgraph drops a label that would stick out of its axis (half of it, 0.4 of a
            # line): a short plot (a lesson on a 720-line projector) kept one label for six
            # decades. Then the ticks are chosen where labels fit.
            edge = 0.4 * line / max(1.0, plot.vb.height()) * (y1 - y0)
            if ticks and not all(y0 + edge <= v <= y1 - edge for v, _ in ticks[0]):
                ticks = log_tick_list(10.0 ** max(lo + 0.05, y0 + edge), 10.0 ** min(hi - 0.05, y1 - edge), most,
                                      gap)
            # one label is no scale: then two a line apart where they fit so (the gradient
            # through time at 800 x 600 in the projector theme: 48 px, a decade 23 px, read
            # "0.001" alone)
            if ticks and len(ticks[0]) < 2 and plot.vb.height() >= 2 * line:
                closer = log_tick_list(10.0 ** max(lo + 0.05, y0 + edge), 10.0 ** min(hi - 0.05, y1 - edge),
                                       max(most, 2), gap / 1.25)
                if closer and len(closer[0]) >= 2:
                    ticks = closer
        set_ticks(plot.getAxis("left"), ticks)
        # counts along x (updates, steps): whole numbers only, no minor ticks: pyqtgraph's
        # own three levels of ticks take ~1.7 ms of Python to lay out at each new range
        if frame is not None:
            wide = max(2, int(plot.vb.width() / (6 * self.theme.pt() * 4 / 3)))
            set_ticks(plot.getAxis("bottom"), count_tick_list(frame[0], wide))

    def _show_frame(self, plot) -> None:
        """The plot's range: its frame, unless the user has panned or zoomed it (with
        pyqtgraph's usual padding, as its auto range would give the same data)."""
        frame = self._frames.get(id(plot))
        if frame is None or not self._follow[id(plot.vb)]:
            return
        if frame[1] is None:
            plot.vb.setRange(xRange=(0, frame[0]))
        else:
            plot.vb.setRange(xRange=(0, frame[0]), yRange=(frame[1] / 4, frame[2] / 4))

    def _unfollow(self, key: int) -> None:
        """The user panned or zoomed the plot whose view box is ``key``: the frame no longer
        sets its range (the metric plot's labels become pyqtgraph's own for the new range)."""
        was = self._follow[key]
        self._follow[key] = False
        if was and key == id(self.metric_plot.vb):
            self._frame_metrics()

    def _auto_range_asked(self, vb) -> None:
        """The "A" button or View All: the frame takes the range back."""
        if any(a is not False for a in vb.state["autoRange"]):
            vb.disableAutoRange()
            self._follow[id(vb)] = True
            if vb is self.metric_plot.vb:
                self._frame_metrics()  # (a new frame: it holds whether the view follows)
                return
            plot = next(p for p in (self.loss_plot, self.step_plot, self.norm_plot) if p.vb is vb)
            self._show_frame(plot)

    def _snapshots_key(self) -> tuple:
        """What the slider depends on: the run, its snapshots' count, last update and spacing
        (thinning replaces some by fewer)."""
        s = self.session
        snaps = s.snapshots
        return (s.key[0], s.generation, len(snaps), snaps[-1][0], s.snapshot_stride)

    def _update_slider(self) -> None:
        key = self._snapshots_key()
        if key == self._slider_key:
            return
        self._slider_key = key
        snaps = self.session.snapshots
        n_snaps = len(snaps)
        at_end = self.time_slider.value() == self.time_slider.maximum()
        self.time_slider.blockSignals(True)  # training moves the slider, not the views
        self.time_slider.setRange(0, n_snaps - 1)
        if at_end:
            self.time_slider.setValue(n_snaps - 1)
        else:  # on the same update, or the one kept before it where it was thinned away
            self.time_slider.setValue(max((k for k, (it, _) in enumerate(snaps) if it <= self._slider_update),
                                          default=0))
        self.time_slider.blockSignals(False)
        self._slider_moved(self.time_slider.value())
        note = self.session.snapshot_note()
        sentence = f"{note[0].upper()}{note[1:]}" if note else ""
        self.time_slider.setToolTip(SLIDER_TIP + (f"\n\n{sentence}." if note else ""))
        short = f"Snapshots kept every {self.session.snapshot_stride} updates (memory)" if note else ""
        if self.snap_note.text() != short:
            self.snap_note.setText(short)
            self.snap_note.setToolTip(sentence)
            self.snap_note.setVisible(bool(note))


#: the snapshot slider's tooltip (where the snapshots were thinned, followed by what thinning did)
SLIDER_TIP = ("Training time: every view shows the model as it was at this snapshot (the player below "
              "the views scrubs sequence time)")
#: the controls' least width (px): narrower, they scroll sideways
CONTROLS_LEAST = 200
#: The controls' share of the tab at most in a lecture theme (the plots are what the
#: lessons talk about; elsewhere half)
CONTROLS_SHARE_LECTURE = 0.4
#: The plots' least width (px) beside the window's side panel: narrower (a 1024 x 768 screen,
#: 216 px in the projector theme: titles, legends and axis labels cut), the side panel gives
#: way on the Train tab, as it does presenting on a narrow screen (``Presenter.fit_train_tab``)
PLOTS_LEAST = 340
#: the curves' least height (px) that shows the gradient norm per update as a third plot
NORM_PLOT_LEAST = 570
#: Below this height of the curves (px), a lesson shows the one its step is about:
#: each plot's title, legend and axes take ~140 px of a lecture's sizes, so two plots in
#: less left views under ~100 px high (at 800 x 600 under a caption, without the player,
#: 391 px: two 54 px views)
TWO_PLOTS_LEAST = 480

#: the gradient curves mark each step, the epoch curves each epoch, up to this many points
#: (beyond, a line: markers would cover it, and drawing them costs more than the rest)
MAX_SYMBOLS = 40
#: the refresh timer's period (ms): a tick draws one stage of a new update. Not the 16-16.7 ms
#: of a frame, so that the stages' work does not fall into step with the window's frames
#: (with the same period, every stage would land at the same point of a frame, just before
#: its end in the worst case, for as long as both timers run). While it plays, a new update
#: is taken at most every fourth tick (its copy, then three plots): 14.7 a second
REFRESH_MS = 17


class TwoLineLabel(QtWidgets.QLabel):
    """A word-wrapped label at least two lines high: the run's state (one line until the
    first validation loss, then two) leaves the controls under it where they are. Its lines
    start at its top, right under Play / One update / Reset (QLabel's default centres them:
    one line stood half a line lower, and in the projector theme at 1024 x 768 the controls'
    bottom edge cut it through "update 0 · epoch 1/20")."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)

    def _two(self) -> int:
        return 2 * self.fontMetrics().lineSpacing() + self.contentsMargins().top() + self.contentsMargins().bottom()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt)
        return max(super().heightForWidth(width), self._two())

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt)
        hint = super().minimumSizeHint()
        return QtCore.QSize(hint.width(), max(hint.height(), self._two()))


#: the loss curves' shorter names, the first form that puts the legend in the fewest rows
#: (beside the side panel on a 1280 x 720 projector the whole ones took three rows of a plot
#: 84 px high; "update", "epoch" beside "validation" in one row); the last, "", the samples
#: alone where every named form's rows would leave the view under ``LOSS_LEAST_LINES``
SHORT_NAMES = {"train, per update": ("per update", "update", ""), "train, per epoch": ("per epoch", "epoch", ""),
               "validation": ("validation", "validation", "")}
#: the shared key's words over the loss and metric plots (``TrainPanel._fit_key``): the
#: longest form the plots' width holds (the update curve's, the epoch curves', validation's)
SHARED_KEY = (("loss per update", "per epoch", "validation"), ("per update", "per epoch", "validation"),
              ("update", "epoch", "validation"), ("update", "epoch", "val."))
#: a legend label's document margins around its text and a legend sample's width (px:
#: pyqtgraph's ``ItemSample``), as ``TrainPanel._key_needed`` counts an entry
LABEL_MARGINS = 8
SAMPLE_WIDTH = 20
#: the loss view's least height in lines of the theme's text: its legend takes no row that
#: would leave it lower (``RowLegend.limit_rows``)
LOSS_LEAST_LINES = 4.0
#: one metric's legend entries in shorter forms (its train curve's, its validation's), where
#: its plot is too narrow for its names in a row (``TrainPanel._name_metric_entries``)
METRIC_SHORT = (("train",), ("val",))
#: the metric legend's key to the validation curves (Keras' ``val_`` keys), with two
#: metrics or more (one metric: its ``val_`` name)
VAL_KEY = "val_\u2026"
#: the most rows of the metric legend, and its view's least height in lines of the theme's text
#: (six AUCs' names in one column left the view 71 px of a 1400 x 900 window)
METRIC_LEGEND_ROWS = 2
METRIC_LEAST_LINES = 4.0


def legend_html(theme: th.Theme, name: str) -> str:
    """A legend entry's rich text: every name with a subscript's line box (an empty one when
    it has none), so that a row of them shares one baseline."""
    return theme.subscripts(name if "<sub>" in name else name + "<sub>\u200b</sub>")


def _mark_points(curves, few: bool) -> None:
    """Each (curve, symbol) marks its points while they are ``few`` (a marker per point while
    they stay apart), else draws a plain line; set only when that changes."""
    for curve, symbol in curves:
        if (curve.opts["symbol"] is not None) != few:
            curve.setSymbol(symbol if few else None)


def _collector_sees_old_objects(yes: bool) -> None:
    """While training plays, the objects that existed when Play was pressed (the window's
    ~80,000: widgets, plot items, models) are out of the cyclic garbage collector's sight
    (``gc.freeze``): its full collections, ~20 ms each, would otherwise stop the window's
    frames from time to time. Paused, they are seen again (``gc.unfreeze``), so a cycle that
    became garbage meanwhile is still collected."""
    if yes:
        gc.unfreeze()
    elif not gc.get_freeze_count():
        gc.freeze()


#: the gradient norm plot's title, and where it does not fit
NORM_TITLE, NORM_SHORT = "Gradient norm per update", "Gradient norm"


def below_note(updates: int, epochs: int) -> tuple[str, str, str]:
    """The loss plot's note (whole, short, shortest) for losses of 0 or below, which its log
    axis has no point for (binary_crossentropy of targets outside 0..1 goes negative):
    ``updates`` per-update losses, ``epochs`` epoch or validation ones; empty for none."""
    if updates:
        return (f"\u2193 loss \u2264 0 at {plural(updates, 'update')}: no point on the log axis",
                f"\u2193 \u2264 0 at {plural(updates, 'update')}", "\u2193 \u2264 0")
    if epochs:
        return ("\u2193 an epoch's loss \u2264 0: no point on the log axis", "\u2193 \u2264 0", "\u2193 \u2264 0")
    return ("", "", "")


def positive(a) -> np.ndarray:
    """Values for a log axis: float64, at least 1e-30."""
    return np.maximum(np.asarray(a, np.float64), 1e-30)


def real_positive(a) -> np.ndarray:
    """``positive``, with zeros and values that are not finite missing (NaN: no point)."""
    y = np.asarray(a, np.float64)
    return np.where(np.isfinite(y) & (y > 0), np.maximum(y, 1e-30), np.nan)


class Series:
    """A curve's x and y that only grow (a run's history), appended in place: a refresh
    hands the curve views of them, without copying the history; ``lo``/``hi``: the range of
    the finite positive values."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        # new arrays: a curve may still hold views of the old ones
        self.x, self.y, self.n = np.empty(0), np.empty(0), 0
        self.lo, self.hi = math.inf, -math.inf
        #: how many values were 0 or below: missing (NaN, no point), as a log axis has them,
        #: not drawn at its floor (a negative loss or a gradient of 0 read "1e-30")
        self.below = 0

    def extend(self, xs, ys) -> bool:
        k = len(ys)
        if not k:
            return False
        if self.n + k > len(self.x):
            cap = max(256, 2 * (self.n + k))
            for name in ("x", "y"):
                grown = np.empty(cap)
                grown[:self.n] = getattr(self, name)[:self.n]
                setattr(self, name, grown)
        ys = np.asarray(ys, np.float64)
        below = ys <= 0
        self.below += int(np.count_nonzero(below))
        ys = np.where(below, np.nan, positive(ys))
        self.x[self.n:self.n + k] = xs
        self.y[self.n:self.n + k] = ys
        self.n += k
        finite = ys[np.isfinite(ys)]
        if finite.size:
            self.lo, self.hi = min(self.lo, float(finite.min())), max(self.hi, float(finite.max()))
        return True

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[:self.n], self.y[:self.n]


def covered(px: np.ndarray, py: np.ndarray, rect: tuple[float, float, float, float]) -> int:
    """How many of the points (px, py) and the lines between neighbours (both finite) lie in
    or cross ``rect`` (left, top, right, bottom), by Liang-Barsky's clipping."""
    left, top, right, bottom = rect
    ok = np.isfinite(px) & np.isfinite(py)
    inside = ok & (px >= left) & (px <= right) & (py >= top) & (py <= bottom)
    n = int(np.count_nonzero(inside))
    if len(px) < 2:
        return n
    a, b = slice(None, -1), slice(1, None)
    both = ok[a] & ok[b]
    xa, ya = np.where(both, px[a], 0.0), np.where(both, py[a], 0.0)
    dx, dy = np.where(both, px[b], 0.0) - xa, np.where(both, py[b], 0.0) - ya
    lo, hi = np.zeros(len(xa)), np.ones(len(xa))
    hit = both.copy()
    for p, q in ((-dx, xa - left), (dx, right - xa), (-dy, ya - top), (dy, bottom - ya)):
        flat = p == 0
        hit &= ~(flat & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(flat, 0.0, q / np.where(flat, 1.0, p))
        lo = np.where(~flat & (p < 0), np.maximum(lo, r), lo)
        hi = np.where(~flat & (p > 0), np.minimum(hi, r), hi)
    return n + int(np.count_nonzero(hit & (lo <= hi)))


def value_range(arrays) -> tuple[float, float]:
    """(min, max) of the finite positive values of ``arrays`` ((inf, -inf) when none)."""
    vals = [a[np.isfinite(a) & (a > 0)] for a in (np.asarray(a, np.float64) for a in arrays)]
    vals = [a for a in vals if a.size]
    if not vals:
        return math.inf, -math.inf
    return min(float(a.min()) for a in vals), max(float(a.max()) for a in vals)


#: the steps of an update axis' frame: its right end is the first of these x 10^k past the data
_COUNT_STEPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0)


def count_top(last: float, total: float = 0.0) -> float:
    """The right end of an update axis holding ``last`` with room for its marker: at least
    ``FIRST_TOP`` (a run's first updates, a few a second, would move it four times in its
    first second), then in steps of 33-67 %, six a decade, so the axis (and with it the whole
    plot) is rarely drawn again: a new range costs the window several milliseconds, a frame's
    share. A run of ``total`` updates in all ends at its last one: its axis is no longer than
    that (a finished run of 160 updates filled 0-160 of an axis to 200)."""
    want = last * 1.04 + 1
    if want <= FIRST_TOP:
        top = FIRST_TOP
    else:
        k = 10.0 ** math.floor(math.log10(want))
        top = next(m * k for m in _COUNT_STEPS if m * k >= want)
    if total > 0 and total >= last:
        top = min(top, total * 1.04 + 1)
    return top


#: the update axes' first frame: 0 to 10 updates
FIRST_TOP = 10.0


def log_frame(lo: float, hi: float, old: tuple[int, int] | None = None) -> tuple[int, int] | None:
    """A range on a log axis a little wider than [lo, hi] (room for the markers), in quarter
    decades: (qa, qb) for 10^(qa/4) .. 10^(qb/4). ``old`` is kept while the data stays inside
    it, and grown to take data beyond it, as long as the data fills a third of it (values that
    move from one update to the next, as a gradient's, leave the axis as it is). None without
    data."""
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        return None
    a, b = math.log10(lo), math.log10(hi)
    margin = max(0.1, 0.04 * (b - a))
    qa, qb = math.floor((a - margin) * 4), math.ceil((b + margin) * 4)
    if old is not None:
        ua, ub = min(qa, old[0]), max(qb, old[1])
        if (qb - qa) * 3 >= ub - ua:
            return (ua, ub)
    return (qa, qb)


def count_tick_list(right: float, most: int = 6) -> list:
    """Whole-number ticks from 0 to ``right`` every 1, 2 or 5 x 10^k, at most ``most`` + 1 of
    them, as ``AxisItem.setTicks`` takes them (no minor ticks), labelled as every axis of
    counts (``app/counts.tick_labels``: "2,000", "50k"; they read "2000")."""
    right = max(float(right), 1.0)
    k = 10 ** max(0, math.floor(math.log10(right / max(most, 1))))
    every = next(m * k for m in (1, 2, 5, 10) if right / (m * k) <= most)
    values = range(0, int(right) + 1, int(every))
    return [list(zip((float(v) for v in values), tick_labels(values))), []]  # ("2,000": app/counts)


def install(window) -> TrainPanel:
    """The Train tab's panel of ``window``, put in the place the window keeps for it (its
    empty ``train_page``, after the views): ``MainWindow.train_panel`` calls this the first
    time the tab is shown or the panel asked for."""
    panel = TrainPanel(window)
    panel.window_ref = window
    window.replace_tab(window.tabs.indexOf(window.train_page), panel)
    panel._updates_font(panel.theme)  # (the tab's style sheet put back the font it had before)
    def window_gone(*_) -> None:
        panel._playing.clear()
        panel.process.close()
        panel._window_first(False)

    window.destroyed.connect(window_gone)
    state = getattr(window, "state", None)
    if state is not None:  # (the box's defaults follow the window's model: a compiled one's loss)
        def follow(*_) -> None:  # (and its data: a session's own inputs and targets)
            panel.user_box.follow_model(state.model, state.path)
            panel.user_box.follow_data(state.train_data)

        state.changed.connect(follow)
        follow()
    return panel
