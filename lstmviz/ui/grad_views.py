"""The Train tab's gradient views: tabs beside the loss curves, drawing what
``lstmviz.app.grad_stats.Probe`` computed (no math here, items created once and updated
with ``setImage`` / ``setData`` / ``setOpts``).

- dL/dh: a units x steps heatmap of one recurrent layer's ``dL/dh_t`` for one validation
  sample, colours symmetric around 0 on a signed log scale (4 decades) or linear.
- Connectivity: ``||dy_T/dx_t||_F`` per input step, now and at update 0 (dashed), log axis.
- Gates: each squashed gate's mean per unit (bars now, lines at update 0), and the share of
  steps each unit's gate spends below 0.1 (x) and above 0.9 (y).
- Weight updates: the last update's size relative to the weights, per gate block of
  kernel, recurrent_kernel and bias, on a log axis.

The layer and the sample are chosen above the tabs; a caption below says exactly what is
drawn (at most a quarter of the page's height: where it needs more, the lines that fit and
the whole text in its tooltip). A timer redraws when the run moved on and a gradient tab is on screen.

``probe_page``: one page drawing a probe handed to it, of no Train tab (``lstmviz.picture``'s
gradient pages: a model's own probe, ``app.train_user.probe_model``, at its weights, no run:
one connectivity curve and no update 0 to compare with, the captions saying so).
"""

from __future__ import annotations

import functools
import math
import threading
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.grad_stats import HIGH, LOW, PARTS, Probe, ProbeView, forget_facts, signed_log, squashed_gates
from lstmviz.errors import LstmvizError
from lstmviz.text import markup, plural
from lstmviz.ui import theme as th
from lstmviz.ui.accessible import described, name_parts, plain
from lstmviz.ui.labels import ElidedCombo, QuietLabel, WrapRow, hint
from lstmviz.ui.plot_tools import LogLabelAxis, RowLegend, bar_foreground, count_axis, log_labels, set_ticks

DECADES = 4.0
#: the most of a gradient view's page its caption takes (in a lecture theme: the lesson's
#: caption bar says what the plot shows), a line at least; cut to the lines that fit beyond
CAPTION_SHARE, CAPTION_SHARE_LECTURE = 0.25, 0.2
TABS = ("dh", "connectivity", "gates", "updates")
TITLES = {"dh": "dL/dh", "connectivity": "Connectivity", "gates": "Gates", "updates": "Updates"}
#: a tab's name where the whole ones would not fit its tab bar (an 800 x 600 projector):
#: the Jacobian it shows, as "dL/dh" names its page (the tooltip says it whole)
SHORT_TITLES = {"connectivity": "dy/dx"}
TOOLTIPS = {
    "dh": "dL/dh_t per unit and processing step for one validation sample's own loss",
    "connectivity": "||dy_T/dx_t||_F: the Frobenius norm of the Jacobian of the output at the last step "
                    "(all output units) with respect to the input at step t, exact",
    "gates": "Each gate's mean per unit, and the share of steps it spends below 0.1 and above 0.9",
    "updates": "||W_after - W_before|| / ||W_before|| of the last update, per gate block",
}
WEIGHT_LABELS = {"kernel": "kernel W", "recurrent_kernel": "recurrent U", "bias": "bias b"}
WEIGHT_SHORT = {"kernel": "W", "recurrent_kernel": "U", "bias": "b"}  # where the names do not fit


def _sym(key: str) -> str:
    return th.symbol_html(key)


class ShareAxis(pg.AxisItem):
    """The saturation plot's share axes (0 .. 1), along the bottom and up the left side,
    and the mean plot's 0 .. 1 up its left side: ticks every 0.2 where its labels fit
    apart, else every 0.5 (at 1280 x 720 they ran together, "0 0.20.40.60.8"; the mean
    plot's, pyqtgraph's, at 800 x 600 in the projector theme "1.0 0.8 ... 0" each over the
    next); one level (pyqtgraph's own added a minor tick every 0.02 along the bottom, and
    up the left side, which kept pyqtgraph's, every 0.04)."""

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph)
        if maxVal - minVal > 1.5:
            return super().tickSpacing(minVal, maxVal, size)
        fm = QtGui.QFontMetricsF(self.style["tickFont"] or QtGui.QFont())
        if self.orientation in ("left", "right"):
            need = 6 * 1.5 * fm.height()  # six labels, half a line between each
        else:
            need = 6 * (fm.horizontalAdvance("0.8") + fm.horizontalAdvance("0"))  # six labels, a gap each
        return [(0.5 if size < need else 0.2, 0.0)]


class GroupAxis(pg.AxisItem):
    """The Updates plot's weight axis: a label under each group of bars, the whole names
    ("kernel W", "recurrent U", "bias b") where they fit side by side, else the short ones
    ("W", "U", "b"; the caption says what they are), chosen again at each layout (at 1280 x
    720 in the projector theme the whole ones ran together, "kernel Wrecurrent U")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._groups: list[tuple[float, str, str]] = []
        self._px = 0.0  # pixels per unit of x at the last layout

    def set_groups(self, groups: list[tuple[float, str, str]]) -> None:
        """``(x, name, short name)`` per group of bars."""
        if groups != self._groups:
            self._groups = list(groups)
            self.picture = None
            self.update()

    def _fits(self, names: list[str]) -> bool:
        fm = QtGui.QFontMetricsF(self.style["tickFont"] or QtGui.QFont())
        xs = [g[0] for g in self._groups]
        gap = fm.horizontalAdvance("  ")
        return all((xs[k + 1] - xs[k]) * self._px >= (fm.horizontalAdvance(names[k])
                                                      + fm.horizontalAdvance(names[k + 1])) / 2 + gap
                   for k in range(len(xs) - 1))

    def groups_shown(self) -> tuple[list[float], list[str]]:
        """(the groups' x, the labels shown under them)."""
        names = [g[1] for g in self._groups]
        if not self._fits(names):
            names = [g[2] for g in self._groups]
        return [g[0] for g in self._groups], names

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph)
        self._px = size / (maxVal - minVal) if maxVal > minVal else 0.0
        return [(1.0, [g[0] for g in self._groups if minVal <= g[0] <= maxVal])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph)
        xs, names = self.groups_shown()
        return [names[xs.index(v)] if v in xs else "" for v in values]


class GradViews(QtCore.QObject):
    """The gradient views of a ``TrainPanel`` (its ``session``); ``pages`` are added to the
    panel's tab widget by ``install``. Without a panel (``probe_page``) they draw only the
    probe handed to ``draw_probe``, and no timer runs."""

    def __init__(self, panel, parent: QtCore.QObject | None = None):
        super().__init__(panel if panel is not None else parent)
        self.panel = panel
        self.probe = Probe(panel.session if panel is not None else None)
        self.view: ProbeView | None = None
        self._drawn: tuple | None = None
        self._ready: tuple | None = None  # (what it was computed for, ProbeView or None)
        self._worker: threading.Thread | None = None
        self._next_start = 0.0
        self._all = False  # compute every view's numbers, not only the one on screen
        self._error = ""
        self._ranges: dict[int, dict] = {}  # the last range each plot was given
        self.theme = th.current()
        self._build()
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(200)
        self.timer.timeout.connect(self.refresh)
        if panel is not None:
            self.timer.start()

    # -- layout ----------------------------------------------------------------------------
    def _page(self, key: str) -> tuple[QtWidgets.QWidget, pg.GraphicsLayoutWidget, QuietLabel]:
        page = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(page)
        lay.setContentsMargins(0, 4, 0, 0)
        row = QtWidgets.QHBoxLayout()
        lay.addLayout(row)
        self._control_rows[key] = row
        glw = pg.GraphicsLayoutWidget()
        lay.addWidget(glw, 1)
        # (an exported picture leaves its hints for the mouse out; cut to the lines that
        # fit where the page is short: _fit_caption)
        caption = QuietLabel()
        lay.addWidget(caption)
        page.installEventFilter(self)  # (its height sets the caption's: _fit_caption)
        self.pages[key], self.glws[key], self.captions[key] = page, glw, caption
        return page, glw, caption

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt)
        if event.type() == QtCore.QEvent.Type.Resize:
            for key, page in self.pages.items():
                if page is obj:
                    self._fit_caption(key)
            if obj is self.glws.get("gates"):
                self._fit_gates()
        return False

    def _fit_gates(self) -> None:
        """The gates' two plots side by side where each has ``GATE_PLOT_LEAST`` px of the
        page's width, else, where the page is tall enough for two of that height, the
        saturation plot under the means (side by side in a narrow page, each ~100 px wide,
        the unit axis had one label, "0", under 128 units' bars)."""
        glw = self.glws["gates"]
        beside = glw.width() >= 2 * GATE_PLOT_LEAST or glw.height() < 2 * GATE_PLOT_LEAST
        layout = glw.ci
        at = (0, 1) if beside else (1, 0)
        # the gates' legend in a row under them, across both where they are side by side
        row, span = (1, 2) if beside else (2, 1)
        if layout.items.get(self.sat_plot) != [at] or layout.items.get(self.sat_legend) != [
                (row, c) for c in range(span)]:
            for item in (self.sat_legend, self.sat_plot):  # (out of their cells before either moves in)
                if item in layout.items:
                    layout.removeItem(item)
            layout.addItem(self.sat_plot, *at)
            layout.addItem(self.sat_legend, row, 0, 1, span)
            layout.layout.setAlignment(self.sat_legend, QtCore.Qt.AlignmentFlag.AlignHCenter)

    def _fit_caption(self, key: str) -> None:
        """The caption at most ``CAPTION_SHARE`` of its page's height (``CAPTION_SHARE_LECTURE``
        in a lecture theme), a line at least: its last line then ends in "…" and its whole
        text is its tooltip (``QuietLabel``). At 1024 x 600 the captions' six or seven lines
        took the height their plots needed (the connectivity plot's view was 0 px high)."""
        page, cap = self.pages[key], self.captions[key]
        share = CAPTION_SHARE_LECTURE if self.theme.lecture else CAPTION_SHARE
        most = max(cap.label.fontMetrics().lineSpacing(), int(page.height() * share))
        if cap.maximumHeight() != most:
            cap.setMaximumHeight(most)

    def _build(self) -> None:
        self.pages: dict[str, QtWidgets.QWidget] = {}
        self.glws: dict[str, pg.GraphicsLayoutWidget] = {}
        self.captions: dict[str, QuietLabel] = {}
        self._control_rows: dict[str, QtWidgets.QHBoxLayout] = {}
        # one set of controls, moved to the page on screen
        self.layer_combo = ElidedCombo()
        self.layer_combo.setToolTip("The recurrent layer whose dL/dh, gates and weights are drawn")
        self.sample_spin = QtWidgets.QSpinBox()
        self.sample_spin.setToolTip("The validation sample the gradients and connectivity are "
                                    "measured on (its own loss, the current weights)")
        self.scale_combo = QtWidgets.QComboBox()
        self.scale_combo.addItems(["signed log", "linear"])
        self.scale_combo.setToolTip(f"Heatmap colours: signed log spans {DECADES:g} powers of ten "
                                    "below the largest |dL/dh| (vanishing gradients stay visible); "
                                    "linear is proportional to dL/dh")
        self.layer_label = QtWidgets.QLabel("Layer")
        self.sample_label = QtWidgets.QLabel("Validation sample")
        self.scale_label = QtWidgets.QLabel("Colours")
        for label, box in ((self.layer_label, self.layer_combo), (self.sample_label, self.sample_spin),
                           (self.scale_label, self.scale_combo)):
            label.setBuddy(box)
            box.setAccessibleName(label.text())  # (a combo box's own name is its choice)
        # side by side, or one above the other where the tab is narrower (a 1024 px screen)
        self.controls = WrapRow([(self.layer_label, self.layer_combo), (self.sample_label, self.sample_spin),
                                 (self.scale_label, self.scale_combo)])
        self.sample_pair, self.scale_pair = self.controls.parts[1:]

        _, glw, _ = self._page("dh")
        self.heat_plot = glw.addPlot(row=0, col=0)
        self.heat_image = pg.ImageItem(axisOrder="row-major")
        self.heat_plot.addItem(self.heat_image)
        self.heat_bar = pg.ColorBarItem(values=(-1, 1), interactive=False, width=18)
        self.heat_bar.setImageItem(self.heat_image)
        glw.addItem(self.heat_bar, row=0, col=1)
        self._bar_marks: list[tuple[float, float]] = []  # (the bar's marks: _fit_bar_ticks)
        self.heat_bar.axis.geometryChanged.connect(self._fit_bar_ticks)

        _, glw, _ = self._page("connectivity")
        self.conn_plot = glw.addPlot(row=0, col=0, axisItems={"left": LogLabelAxis("left")})
        self.conn_plot.setLogMode(y=True)
        # a decade in sight at least, so that a 1, 2, 3 or 5 x 10^k is labelled: one step's
        # point (LSTM(4, input_shape=(1, 2))) had 0.005 of a decade round it and no value
        self.conn_plot.vb.setLimits(minYRange=1.0)
        # the legend beside the plot's title, over no curve (either end of the curves may be
        # high: untrained, the last steps; trained to remember, the first), the title's short
        # form where both would not fit; in a row of its own under the plot it left the
        # plot ~75 px of a lesson's page at 1280 x 720 in the projector theme
        self.conn_curve = self.conn_plot.plot(symbol="o")
        self.conn_curve0 = self.conn_plot.plot(symbolSize=LONE_RING)  # (a symbol: _ring_lone_points)
        self.conn_legend = RowLegend(self.conn_plot, beside_title=True)
        self.conn_legend.addItem(self.conn_curve, "now")
        self.conn_legend.addItem(self.conn_curve0, "update 0")

        _, glw, _ = self._page("gates")
        self.mean_plot = glw.addPlot(row=0, col=0, axisItems={"left": ShareAxis("left")})
        self.sat_plot = glw.addPlot(row=0, col=1, axisItems={"bottom": ShareAxis("bottom"), "left": ShareAxis("left")})
        glw.installEventFilter(self)  # (side by side, or one above the other: _fit_gates)
        # the gates' legend (their hues, the bars' and the points') in a row of its own under
        # the plots, as the updates' is: in the saturation plot's empty upper triangle (x + y
        # <= 1 holds every point) its box reached over the dashed diagonal where the plot was
        # short (1024 x 600, a projector's 1280 x 720, a lesson's); beside the plot's title
        # it took two or three rows of its height (placed by _fit_gates)
        self.sat_legend = pg.LegendItem(colCount=4, horSpacing=RowLegend.GAP)
        self.sat_legend.layout.setContentsMargins(0, 0, 0, 0)  # (a line high: the plots keep the rest)
        # (as wide as its entries, centred: stretched across the page they stood far apart)
        self.sat_legend.setSizePolicy(QtWidgets.QSizePolicy.Policy.Maximum, QtWidgets.QSizePolicy.Policy.Fixed)
        self._fit_gates()
        self.mean_bars: dict[str, pg.BarGraphItem] = {}
        self.mean0: dict[str, pg.PlotCurveItem] = {}
        self.sat_points: dict[str, pg.ScatterPlotItem] = {}
        self.sat_diag = pg.PlotCurveItem([0, 1], [1, 0])
        self.sat_plot.addItem(self.sat_diag)
        self.sat_plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.04)
        self.sat_plot.setMouseEnabled(False, False)
        # the unit a lesson's caption names (``mark_unit``): a ring round its keep gate's
        # point and its name beside it
        self._mark_unit: int | None = None
        self.sat_mark = pg.ScatterPlotItem(symbol="o", size=34, brush=None)
        self.sat_mark_label = pg.TextItem(anchor=(-0.2, 0.5))
        # (the label is never hidden, its text empty instead: pyqtgraph's TextItem follows
        # the plot's scale from its first paint on, and one hidden then kept the identity
        # transform once shown, its text drawn hundreds of times too large, off the plot)
        for item in (self.sat_mark, self.sat_mark_label):
            item.setZValue(10)
            self.sat_plot.addItem(item)
        self.sat_mark.hide()

        _, glw, _ = self._page("updates")
        self.upd_plot = glw.addPlot(row=0, col=0, axisItems={"bottom": GroupAxis("bottom")})
        # the gate legend in a row of its own under the plot, as the connectivity's: inside
        # it, it lay over the tallest bars (a bias's first updates)
        self.upd_legend = pg.LegendItem(colCount=4)
        glw.addItem(self.upd_legend, row=1, col=0)
        self.upd_bars: dict[str, pg.BarGraphItem] = {}
        for plot in (self.heat_plot, self.conn_plot, self.mean_plot, self.sat_plot, self.upd_plot):
            plot.setMenuEnabled(False)
            plot.hideButtons()
            left = plot.getAxis("left")
            left.enableAutoSIPrefix(False)

        self._control_rows["dh"].addWidget(self.controls)
        self.layer_combo.currentIndexChanged.connect(lambda *_: self.refresh(force=True))
        self.sample_spin.valueChanged.connect(lambda *_: self.refresh(force=True))
        self.scale_combo.currentIndexChanged.connect(lambda *_: self.refresh())

    def attach(self, tabs: QtWidgets.QTabWidget) -> None:
        """Add the pages to ``tabs`` (the Train tab's plot tabs)."""
        self.tabs = tabs
        for key in TABS:
            tabs.setTabToolTip(tabs.addTab(self.pages[key], TITLES[key]), TOOLTIPS[key])
            # (a screen reader's: the page's name, what it draws and its caption's numbers)
            described(self.pages[key], f"{TITLES[key]} page", functools.partial(self._words, key))
            name_parts(self.pages[key], f"{TITLES[key]} page")
        tabs.currentChanged.connect(lambda *_: self.refresh(force=True))

    def _words(self, key: str) -> str:
        """Page ``key`` in words: what it draws (its tab's tooltip) and its caption."""
        return f"{TOOLTIPS[key]}. {plain(self.captions[key].text())}"

    def current_key(self) -> str | None:
        tabs = getattr(self, "tabs", None)
        if tabs is None:
            return None
        for key, page in self.pages.items():
            if tabs.currentWidget() is page:
                return key
        return None

    def show_view(self, key: str) -> None:
        self.tabs.setCurrentWidget(self.pages[key])
        self.refresh(force=True)

    # -- theme -----------------------------------------------------------------------------
    def apply_theme(self, theme: th.Theme) -> None:
        self.theme = t = theme
        for glw in self.glws.values():
            glw.setBackground(t.background)
        for plot in (self.heat_plot, self.conn_plot, self.mean_plot, self.sat_plot, self.upd_plot):
            th.style_plot(plot, t)
        th.style_plot(self.heat_plot, t, left="unit", bottom="processing step  t")
        th.style_plot(self.conn_plot, t, left=t.subscripts("\u2016\u2202y<sub>T</sub>/\u2202x<sub>t</sub>\u2016 (log)"),
                      bottom="input step  t")
        th.style_plot(self.mean_plot, t, left="mean over steps", bottom="unit")
        th.style_plot(self.sat_plot, t, left=f"share of steps &gt; {HIGH:g}", bottom=f"share of steps &lt; {LOW:g}",
                      left_short=f"share &gt; {HIGH:g}", bottom_short=f"share &lt; {LOW:g}")  # (narrow)
        # (a short plot, 800 x 600 in the projector theme: "ΔW / W", the caption says of which norms)
        th.style_plot(self.upd_plot, t, left="\u2016\u0394W\u2016 / \u2016W\u2016 (log)", left_short="\u0394W / W")
        self.heat_bar.setColorMap(th.diverging_cmap(t))
        self.heat_bar.axis.setStyle(tickFont=t.font(0.8))
        bar_foreground(self.heat_bar, t.foreground)
        # the labels at the bar's ends (+-1: +-m) stand half a line past them: the bar keeps
        # that room above and below inside its page, and its axis draws them there
        half = math.ceil(QtGui.QFontMetricsF(t.font(0.8)).height() / 2)
        left, _, right, _ = self.heat_bar.layout.getContentsMargins()
        self.heat_bar.layout.setContentsMargins(left, half, right, half)
        self.heat_bar.axis.setStyle(hideOverlappingLabels=half + 1)
        self.heat_bar.axis.setWidth(int(t.pt(0.8) * 6))  # room for '+2.9e+00'
        w = t.line_width
        self.conn_curve.setPen(pg.mkPen(t.foreground, width=w))
        self.conn_curve.setSymbolBrush(t.foreground)
        self.conn_curve.setSymbolPen(pg.mkPen(t.foreground))
        self.conn_curve0.setPen(pg.mkPen(t.muted, width=w, style=QtCore.Qt.PenStyle.DashLine))
        # (its ring, shown where a point has no line: _ring_lone_points)
        self.conn_curve0.setSymbolPen(pg.mkPen(t.muted, width=w))
        self.conn_curve0.setSymbolBrush(None)
        self.sat_diag.setPen(pg.mkPen(t.grid, width=1, style=QtCore.Qt.PenStyle.DashLine))
        self.sat_mark.setPen(pg.mkPen(t.foreground, width=3))
        self.sat_mark_label.setColor(t.foreground)
        self.sat_mark_label.setFont(t.font(0.9, bold=True))
        for legend in (self.conn_legend, self.sat_legend, self.upd_legend):
            if not isinstance(legend, RowLegend):  # (beside a title: over nothing, no box)
                legend.setBrush(pg.mkBrush(t.background + "d0"))
            legend.setLabelTextColor(t.foreground)
            legend.setLabelTextSize(f"{t.pt(0.9)}pt")
            for _sample, label in legend.items:
                label.setText(label.text)
        self._style_controls()
        for key, cap in self.captions.items():
            cap.setFont(t.font(0.9))
            cap.setStyleSheet(f"color: {t.foreground}")
            self._fit_caption(key)  # (a line of the new size at least)
        self._clear_gate_items()  # made again in this theme's hues when drawn
        self.sat_legend.clear()
        self.upd_legend.clear()
        self._drawn = None

    # -- drawing ---------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Draw the newest probe. While the training process plays, it computes the probe
        (``TrainProcess.request_probe``: the window's interpreter stays free); otherwise a
        worker thread here does (a large model's takes longer than a frame) when the run
        moved on. ``force`` computes it here and draws at once (lessons, tests, a changed
        theme)."""
        if self.panel is None:  # (a probe handed to it: drawn again, a theme or a scale changed)
            ready = self._ready
            if ready is not None and ready[1] is not None:
                if th.current() is not self.theme:
                    self.apply_theme(th.current())
                self._draw(ready[1])
            return
        key = self.current_key()
        process = self.panel.process
        if key is None:
            process.request_probe(None)
            return
        if th.current() is not self.theme:
            self.apply_theme(th.current())
            force = True
        if not force and not self.pages[key].isVisible():
            process.request_probe(None)
            return
        self._place_controls(key)
        s = self.panel.session
        if self.probe.session is not s:  # the user's model, or back to the tasks: the panel's run
            self.probe = Probe(s)
        # while it trains only the view on screen is computed; a lesson asks for all of them
        want = (s.iteration, id(s.model), max(0, self.layer_combo.currentIndex()),
                self.sample_spin.value(), None if self._all else key, s.generation)
        request = (want[2], want[3], PARTS if want[4] is None else (want[4],))
        process.request_probe(request)
        if force:
            self._join()
            self._compute(want)
        elif process.playing:
            got = process.probe
            if got is not None and got.request == request and got.generation == s.generation:
                self._take((got.iteration, *want[1:]), got.view, got.error)
        elif (self._ready is None or self._ready[0] != want) and self._worker is None \
                and time.monotonic() >= self._next_start:
            self._worker = threading.Thread(target=self._compute, args=(want,), daemon=True,
                                            name="lstmviz-grad-probe")
            self._worker.start()
        ready = self._ready
        if ready is None:
            return
        drawn = (ready[0], id(ready[1]), self.scale_combo.currentIndex(), key)
        if not force and drawn == self._drawn:
            return
        self._drawn = drawn
        self._draw(ready[1])

    def draw_probe(self, v: ProbeView, key: str, unit: int | None = None) -> QtWidgets.QWidget:
        """Draw ``v`` (computed for page ``key``) on that page, with no panel; ``unit``: the
        unit ringed on the saturation plot (``mark_unit``). Returns the page."""
        self._ready = ((v.iteration, None, 0, v.sample, key, None), v)
        self._drawn = None
        self._mark_unit = unit
        self._draw(v)
        return self.pages[key]

    def _take(self, want: tuple, v: ProbeView | None, error: str) -> None:
        """``v`` computed for ``want`` is the one to draw, unless a later update's is already."""
        ready = self._ready
        if ready is None or ready[0][1:] != want[1:] or ready[0][0] <= want[0]:
            self._ready, self._error = (want, v), error
        # (a probe begun here before Play may end after the training process sent a newer one)

    def _compute(self, want: tuple) -> None:
        start = time.monotonic()
        try:
            try:
                parts = PARTS if want[4] is None else (want[4],)
                v, error = self.probe.compute(want[2], want[3], parts), ""
            except LstmvizError as err:  # a model the backward pass does not cover
                v, error = None, str(err)
            self._take(want, v, error)
        finally:
            # while it trains, the probe takes at most a quarter of the time, and runs at
            # most 5 times a second
            self._next_start = time.monotonic() + max(0.2, 3 * (time.monotonic() - start))
            if threading.current_thread() is self._worker:
                self._worker = None

    def _join(self) -> None:
        worker = self._worker
        if worker is not None:
            worker.join(timeout=60)
        self._worker = None

    def _caption(self, key: str, text: str) -> None:
        """Rich text whose subscripts keep the lecture theme's smallest size."""
        text = self.theme.subscripts(text)
        if self.captions[key].text() != text:
            self.captions[key].setText(text)

    def _set_range(self, plot, **args) -> None:
        """``plot.setRange(**args)`` unless it was given the same last time: a view drawn
        again while training keeps its range, and its axes are not laid out anew."""
        if self._ranges.get(id(plot)) != args:
            self._ranges[id(plot)] = args
            plot.setRange(**args)

    def _style_controls(self) -> None:
        """The controls' fonts (again after they moved to another page: a move restyles them)."""
        t = self.theme
        for w in (self.layer_label, self.sample_label, self.scale_label, self.layer_combo,
                  self.sample_spin, self.sample_spin.lineEdit(), self.scale_combo):
            w.setFont(t.font(0.95))

    def _draw(self, v: ProbeView | None) -> None:
        if v is None:
            for cap in self.captions.values():
                cap.setText(markup(f"Not shown: {self._error}"))
            return
        self.view = v
        self._sync_controls(v)
        if v.dh is not None:
            self._draw_dh(v)
        if v.connectivity is not None or v.connectivity_error:
            self._draw_connectivity(v)
        if v.gates or v.ref is None or not squashed_gates(v.ref.cell) or self._computed("gates"):
            self._draw_gates(v)
        if v.updates is not None or self._computed("updates"):
            self._draw_updates(v)

    def _computed(self, key: str) -> bool:
        """Whether the probe drawn was asked for ``key``'s numbers."""
        ready = self._ready
        return ready is not None and ready[0][4] in (None, key)

    def _place_controls(self, key: str) -> None:
        row = self._control_rows[key]
        if self.controls.parent() is not self.pages[key]:
            row.addWidget(self.controls)
            self._style_controls()
        heat = key == "dh"
        self.scale_pair.setVisible(heat)
        one_sample = key in ("dh", "connectivity")  # gates: every sample; updates: the batch's
        self.sample_pair.setVisible(one_sample)
        self.controls.fit()

    def _sync_controls(self, v: ProbeView) -> None:
        labels = [r.label for r in v.refs]
        combo = self.layer_combo
        if [combo.itemText(k) for k in range(combo.count())] != labels:
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(labels)
            combo.setCurrentIndex(0 if v.ref is None else v.refs.index(v.ref))
            combo.blockSignals(False)
        # (training samples where none validate; a model's own probe: its inputs' samples)
        label = f"{v.kind.capitalize()} sample" if v.kind else "Sample"
        if self.sample_label.text() != label:
            self.sample_label.setText(label)
        spin = self.sample_spin
        if spin.maximum() != max(0, v.samples - 1):
            spin.blockSignals(True)
            spin.setRange(0, max(0, v.samples - 1))
            spin.blockSignals(False)

    def heat_values(self, v: ProbeView) -> tuple[np.ndarray, float]:
        """(the image's values in [-1, 1], the |dL/dh| that +-1 stands for)."""
        if v.dh is None:
            return np.zeros((1, 1)), 0.0
        # (a run whose weights overflowed: its NaNs and infinities in the middle colour, the
        # caption says how many; the finite values keep their scale)
        dh = np.where(np.isfinite(v.dh), v.dh, 0.0)
        if self.scale_combo.currentIndex() == 0:
            return signed_log(dh, DECADES)
        m = float(np.max(np.abs(dh))) if dh.size else 0.0
        return (dh / m if m > 0 else np.zeros_like(dh)), m

    def _draw_dh(self, v: ProbeView) -> None:
        assert v.dh is not None  # (_draw draws a dh it has)
        img, m = self.heat_values(v)
        self.heat_image.setImage(img, levels=(-1, 1), autoLevels=False)
        units, steps = img.shape
        self.heat_image.setRect(QtCore.QRectF(-0.5, -0.5, steps, units))
        self._set_range(self.heat_plot, xRange=(-0.5, steps - 0.5), yRange=(-0.5, units - 0.5), padding=0)
        count_axis(self.heat_plot.getAxis("left"), units)
        count_axis(self.heat_plot.getAxis("bottom"), steps)
        # the ends of the bar (+-m, said in the caption too) and the marks between; no
        # finite value but 0 (a run whose weights overflowed): no scale, "0" alone, not
        # "+0" and "-0" at fractions of a scale of 0
        if not m > 0:
            marks = []
        elif self.scale_combo.currentIndex() == 0:
            marks = [(1 - k / DECADES, m * 10.0 ** -k) for k in range(int(DECADES))]
        else:
            marks = [(1.0, m), (0.75, 0.75 * m), (0.5, 0.5 * m), (0.25, 0.25 * m)]
        self._bar_marks = marks
        self._fit_bar_ticks()
        name = markup(v.ref.label) if v.ref else "no recurrent layer"
        th.set_title(self.heat_plot,
                     self.theme.subscripts(f"dL/dh<sub>t</sub> of {name}, {sample_words(v)}"),
                     short=self.theme.subscripts(f"dL/dh<sub>t</sub>, sample {v.sample}"),
                     color=self.theme.foreground, size=f"{self.theme.pt(1.05)}pt")
        scale = (f"signed log: colour \u00b11 is \u00b1{m:.2g}, the middle of each half 100\u00d7 weaker, "
                 f"the middle colour below {m * 10 ** -DECADES:.1g}" if self.scale_combo.currentIndex() == 0
                 else f"linear: colour \u00b11 is \u00b1{m:.2g}")
        bad = int(np.size(v.dh) - np.count_nonzero(np.isfinite(v.dh)))
        if bad:  # the weights overflowed: no scale of zeros ("colour ±1 is ±0")
            text = (f"dL/dh<sub>t</sub> is not finite{at_update(v)}: NaN or infinite in "
                    f"{bad} of {np.size(v.dh)} cells (middle colour), this sample's loss {v.loss:.3g}; "
                    + ("the weights overflowed. Reset and lower the learning rate." if v.run else
                       "the model overflows on this sample (its weights or its input)."))
            if bad < np.size(v.dh) and m > 0:
                text += f" The finite cells: colours {scale}."
        elif not m > 0:  # a gradient of 0 everywhere: no scale of zeros either
            text = (f"dL/dh<sub>t</sub> is 0 in every cell (middle colour){at_update(v)}: "
                    f"this sample's own loss L ({v.loss:.3g}) does not change with {name}'s h here.")
        else:
            text = (f"Each cell: dL/dh<sub>t</sub> for one unit (row) at one processing step (column), "
                    f"L = this sample's own loss ({v.loss:.3g}){at_update(v)}. Colours {scale}.")
        if v.mode:  # (a model holding a BatchNormalization: which statistics normalised)
            text += f" In {v.mode}."
        self._caption("dh", text)

    def _draw_connectivity(self, v: ProbeView) -> None:
        c, c0 = v.connectivity, v.connectivity0
        if c is None:
            self.conn_curve.setData([], [])
            self.conn_curve0.setData([], [])
            self._ring_lone_points(np.empty(0))
        else:
            # a log axis has no 0: a step of no dependence is a gap in its curve, and the
            # legend and caption say which (drawn at a floor of 1e-30, zeros read as real,
            # tiny values and stretched the axis over 30 decades)
            for curve, a in ((self.conn_curve, c), (self.conn_curve0, c0)):
                y = real_positive(a if a is not None else [])
                if np.isfinite(y).any():
                    curve.setData(np.arange(len(y)), y, connect="finite")
                else:
                    curve.setData([], [])
            self._ring_lone_points(real_positive(c0 if c0 is not None else []))
            count_axis(self.conn_plot.getAxis("bottom"), len(c))
        zeros = [(name, zero_steps(a)) for name, a in (("now", c), ("update 0", c0))]
        for (name, said), curve in zip(zeros, (self.conn_curve, self.conn_curve0)):
            label = next(lab for sample, lab in self.conn_legend.items if sample.item is curve)
            text = f"{name}: {said}" if said else name
            if label.text != text:
                label.setText(text)
        # (a model's own probe: one curve, no update 0 to tell it from; its zeros in the caption)
        self.conn_legend.setVisible(v.run)
        th.set_title(self.conn_plot, self.theme.subscripts(
            f"How much y<sub>T</sub> depends on x<sub>t</sub>, {sample_words(v)}"),
            short=self.theme.subscripts(f"\u2202y<sub>T</sub>/\u2202x<sub>t</sub>, sample {v.sample}"),
            color=self.theme.foreground, size=f"{self.theme.pt(1.05)}pt",
            justify="left" if v.run else "center")  # (the legend at its right)
        self.conn_legend.fit()  # (its entries' new widths, beside this title)
        ring = ", a ring where a point has no line" if self.conn_curve0.opts["symbol"] else ""
        text = ("\u2016\u2202y<sub>T</sub>/\u2202x<sub>t</sub>\u2016 = the Frobenius norm of the Jacobian "
                "of the model's output at the last step y<sub>T</sub> (all output units) with respect "
                "to the input vector x<sub>t</sub> (for token ids: its embedding), exact, by one backward "
                "pass per output unit; "
                + ("at the model's own weights." if not v.run else
                   f"update {v.iteration} (solid) and update 0 (dashed{ring})." if v.iteration else
                   "no update yet: solid and dashed are one line."))
        gaps = "; ".join(f"{name} {said}" if v.run else said for name, said in zeros if said)
        if gaps:
            text += f" Zero, no point on the log axis (y<sub>T</sub> does not depend on x<sub>t</sub> there): {gaps}."
        if v.connectivity_error:
            text = f"Connectivity is not shown: {markup(str(v.connectivity_error))}."
        self._caption("connectivity", text)

    def _fit_bar_ticks(self) -> None:
        """The dL/dh colour bar's labels: 0 and its ends (+-m) always, the marks between
        where each label stands clear of the next (a bar of 114 px, the projector theme at
        800 x 600: nine labels touched), else every second of them, else none; the axis as
        wide as its longest label ("+0.00036": pyqtgraph leaves out one that is wider)."""
        axis = self.heat_bar.axis
        fm = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont())
        px = axis.geometry().height() / 2  # (px a unit of the bar's -1..1)
        ends = [(p, v) for p, v in self._bar_marks if p == 1.0]
        between = sorted(((p, v) for p, v in self._bar_marks if 0 < p < 1), reverse=True)
        marks = ends
        for keep in (between, between[1::2]):
            at = sorted([0.0, 1.0] + [p for p, _ in keep])
            if min(b - a for a, b in zip(at, at[1:])) * px >= fm.height() + 2:
                marks = ends + keep
                break
        # to two digits, as the caption's ±m ("+2e-02" stood for 0.017 beside "±0.17")
        ticks = [(0.0, "0")] + [(p, f"+{v:.2g}") for p, v in marks] + [(-p, f"\u2212{v:.2g}") for p, v in marks]
        width = int(math.ceil(max(fm.horizontalAdvance(label) for _, label in ticks)
                              + axis.style["tickTextOffset"][0] + max(0, axis.style["tickLength"]) + 2))
        if axis.width() != width:
            axis.setWidth(width)
        set_ticks(axis, [ticks, []])

    def _ring_lone_points(self, y: np.ndarray) -> None:
        """The dashed update-0 curve draws a line between points only: where one of its
        points has no neighbour (a run of one step, or a point between zeros) that point
        drew nothing, so its points are rings then, in the legend's sample too; else no
        symbol, the legend's look as ever. (The solid curve has its dots always.)"""
        symbol = "o" if lone_points(y) else None
        if self.conn_curve0.opts["symbol"] != symbol:
            self.conn_curve0.setSymbol(symbol)
            for sample, _ in self.conn_legend.items:
                if sample.item is self.conn_curve0:
                    sample.update()

    def _gate_items(self, keys: tuple[str, ...]) -> None:
        """Bars, update-0 lines and saturation points per gate (made once per set of gates)."""
        if tuple(self.mean_bars) == keys:
            return
        self._clear_gate_items()
        self.sat_legend.clear()
        t = self.theme
        for g, key in enumerate(keys):
            hue = t.hue(key)
            # no outline: a background-coloured one covered bars a pixel or two wide (128 units)
            bars = pg.BarGraphItem(x=[], height=[], width=0.2, brush=hue, pen=None)
            self.mean_plot.addItem(bars)
            dash = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(t.foreground, width=3))
            self.mean_plot.addItem(dash)
            # each gate's points smaller than the one before and over it: a unit's gates at
            # the same place (one unit: all at 0, 0) are rings round one another, each seen
            # (of one size, the last gate's points covered the others')
            pts = pg.ScatterPlotItem(symbol="o", size=sat_point_size(g, len(keys)), brush=hue,
                                     pen=pg.mkPen(t.foreground, width=1))
            pts.setZValue(g)
            self.sat_plot.addItem(pts)
            self.sat_legend.addItem(pts, _sym(key))
            self.mean_bars[key], self.mean0[key], self.sat_points[key] = bars, dash, pts

    def _clear_gate_items(self) -> None:
        for d, plot in ((self.mean_bars, self.mean_plot), (self.mean0, self.mean_plot),
                        (self.sat_points, self.sat_plot), (self.upd_bars, self.upd_plot)):
            for item in d.values():
                plot.removeItem(item)
            d.clear()

    def _draw_gates(self, v: ProbeView) -> None:
        keys = tuple(v.gates)
        self._gate_items(keys)
        k = max(1, len(keys))
        width = 0.8 / k
        units = v.ref.units if v.ref else 0
        for g, key in enumerate(keys):
            x = np.arange(units) - 0.4 + width * (g + 0.5)
            st = v.gates[key]
            self.mean_bars[key].setOpts(x=x, height=st.mean, width=width * 0.9)
            if key in v.gates0:  # a short line across each bar at update 0's mean
                m0 = v.gates0[key].mean
                self.mean0[key].setData(np.repeat(x, 2) + np.tile([-width / 2, width / 2], len(x)),
                                        np.repeat(m0, 2))
            else:  # (a model's own probe: nothing at update 0)
                self.mean0[key].setData([], [])
            self.sat_points[key].setData(st.low, st.high)
        self._draw_mark(v)
        self._set_range(self.mean_plot, xRange=(-0.6, units - 0.4), yRange=(0, 1.0), padding=0.02)
        count_axis(self.mean_plot.getAxis("bottom"), units)
        size = f"{self.theme.pt(1.05)}pt"
        th.set_title(self.mean_plot, "Mean per unit", short="Mean", color=self.theme.foreground, size=size)
        th.set_title(self.sat_plot, "Saturation per unit", short="Saturation", color=self.theme.foreground,
                     size=size)
        th.titles_together(self.mean_plot, self.sat_plot)
        if not keys:
            text = "A SimpleRNN has no gates: nothing saturates but h itself."
        else:
            names = ", ".join(_sym(k) for k in keys)
            if v.run:
                over = (f"{plural(v.gate_samples, v.kind + ' sample')} \u00d7 every step (masked steps left "
                        f"out), update {v.iteration}. Mean: bars now, lines at update 0.")
            else:  # (a model's own probe: the samples of its x, at most MAX_GATE_SAMPLES of them)
                # (no layer box above a picture: the caption names the layer)
                which = (f"the first {v.gate_samples} of x's {v.samples} samples" if v.gate_samples < v.samples
                         else f"{plural(v.gate_samples, 'sample')} of x")
                over = (f"{which} \u00d7 every step (masked steps left out), at the model's own weights. "
                        "Mean: bars.")
                names += f" of {markup(v.ref.label)}" if v.ref else ""
            text = (f"Gates {names} over {over} "
                    f"Saturation: the share of steps each unit's gate spends below {LOW:g} (x) and above "
                    f"{HIGH:g} (y); top left: nearly always open, bottom right: nearly always shut.")
        self._caption("gates", text)

    def _draw_updates(self, v: ProbeView) -> None:
        t = self.theme
        blocks = v.updates or []
        keys = tuple(dict.fromkeys(b.key for b in blocks))
        if tuple(self.upd_bars) != keys:
            for item in self.upd_bars.values():
                self.upd_plot.removeItem(item)
            self.upd_bars.clear()
            self.upd_legend.clear()
            for key in keys:
                bars = pg.BarGraphItem(x=[], height=[], y0=[], width=0.9, brush=t.hue(key),
                                       pen=pg.mkPen(t.background))
                self.upd_plot.addItem(bars)
                if len(keys) > 1:
                    self.upd_legend.addItem(bars, _sym(key))
                self.upd_bars[key] = bars
            self.upd_legend.setVisible(len(keys) > 1)  # (a SimpleRNN's one block: no row)
        ratios = np.array([b.ratio for b in blocks if b.ratio > 0 and math.isfinite(b.ratio)])
        floor = math.floor(np.log10(ratios.min())) if ratios.size else -4
        top = math.ceil(np.log10(ratios.max())) if ratios.size else 0
        k = max(1, len(keys))
        weights = list(dict.fromkeys(b.weight for b in blocks))
        for key, bars in self.upd_bars.items():
            xs, hs = [], []
            for b in blocks:
                if b.key != key or not (b.ratio > 0 and math.isfinite(b.ratio)):
                    continue
                xs.append(weights.index(b.weight) * (k + 1) + keys.index(key))
                hs.append(np.log10(b.ratio) - floor)
            bars.setOpts(x=xs, height=hs, y0=[floor] * len(xs))
        self.upd_plot.getAxis("bottom").set_groups(
            [(w * (k + 1) + (k - 1) / 2, WEIGHT_LABELS.get(name, name), WEIGHT_SHORT.get(name, name))
             for w, name in enumerate(weights)])
        # (no update yet: an empty plot, no values on its axis; "1" stood at its floor)
        powers = range(floor, top + 1) if blocks else range(0)
        labels = log_labels([10.0 ** e for e in powers])
        set_ticks(self.upd_plot.getAxis("left"), [list(zip(map(float, powers), labels)), []])
        if blocks:
            self._set_range(self.upd_plot, xRange=(-0.8, len(weights) * (k + 1) - 1.2),
                            yRange=(floor, max(top, floor + 1)), padding=0.02)
        # (a SimpleRNN's weights are one block each, no gates: per weight)
        gated = bool(v.ref and v.ref.cell.gate_keys)
        th.set_title(self.upd_plot, "The last update, per gate block" if gated else "The last update, per weight",
                     short="Last update", color=t.foreground, size=f"{t.pt(1.05)}pt")
        label = markup(v.ref.label) if v.ref else ""
        blocks_of = "each gate's block of " if gated else ""
        self._caption("updates",
            f"{label} is frozen (trainable: false): not updated, as in Keras' fit; no bars." if v.frozen else
            "No update yet." + hint("Press One update or Play.", " ") if not blocks else
            f"Bar height: \u2016W<sub>after</sub> \u2212 W<sub>before</sub>\u2016 / \u2016W<sub>before</sub>\u2016 "
            f"(Frobenius norms) of {blocks_of}{label}'s kernel W, recurrent kernel U and bias b, for "
            f"update {v.iteration}. A block that starts at zero (a bias) has no ratio until it moved."
            + _unbarred(blocks))

    def _draw_mark(self, v: ProbeView) -> None:
        """The ring and name of unit ``_mark_unit`` on the saturation plot: its keep gate's
        point (LSTM ``f``, GRU ``z``), from the probe the caption's numbers come from."""
        unit = self._mark_unit
        keep = next((g.key for g in v.ref.cell.gates if g.role == "keep"), None) if v.ref else None
        st = v.gates.get(keep) if keep is not None else None
        if unit is None or st is None or not 0 <= unit < len(st.low):
            self.sat_mark.hide()
            self.sat_mark_label.setText("")
            return
        x, y = float(st.low[unit]), float(st.high[unit])
        self.sat_mark.show()
        self.sat_mark.setData([x], [y])
        self.sat_mark_label.setText(f"unit {unit}")
        # beside the ring, on the side of the plot with room for it
        self.sat_mark_label.setAnchor((1.2, 0.5) if x > 0.6 else (-0.2, 0.5))
        self.sat_mark_label.setPos(x, y)

    # -- lessons ---------------------------------------------------------------------------
    def lesson_facts(self, key: str | None = None, mark: bool = False) -> dict:
        """Show view ``key`` (when given) and return the numbers it draws that a caption may
        quote (``grad_stats.forget_facts``); ``mark``: the unit they name (``f_unit``) ringed
        and named on the saturation plot."""
        self._all = True
        try:
            if key is not None:
                self.show_view(key)
            else:
                self.refresh(force=True)
        finally:
            self._all = False
        facts = forget_facts(self.view) if self.view is not None else {}
        unit = facts.get("f_unit")
        self.mark_unit(unit if mark and isinstance(unit, int) else None)
        return facts

    def mark_unit(self, unit: int | None) -> None:
        """Ring and name ``unit``'s keep-gate point on the saturation plot (None: no mark)."""
        self._mark_unit = unit
        if self.view is not None:
            self._draw_mark(self.view)
        else:
            self.sat_mark.hide()
            self.sat_mark_label.setText("")


#: the least width (px) of each gate plot side by side: narrower, one above the other where
#: each then has this height
GATE_PLOT_LEAST = 230
#: the saturation plot's smallest point (px), and how much larger each gate's before it is
SAT_POINT_LEAST, SAT_POINT_STEP = 10, 7


def sat_point_size(g: int, gates: int) -> int:
    """The saturation points' size (px) of gate ``g`` of ``gates``: the first the largest,
    each next one ``SAT_POINT_STEP`` smaller, so points at the same place stay rings."""
    return SAT_POINT_LEAST + SAT_POINT_STEP * (gates - 1 - g)


#: px across the ring round a point of the dashed update-0 curve that no line reaches
#: (wider than the solid curve's dots, 10 px: around one where they are the same value)
LONE_RING = 14


def lone_points(y) -> bool:
    """Whether some finite value of ``y`` has no finite neighbour: a point a curve drawn
    with ``connect="finite"`` joins to nothing (one step; a value between two gaps)."""
    fin = np.isfinite(np.asarray(y, np.float64))
    if not fin.size:
        return False
    alone = fin & ~np.r_[False, fin[:-1]] & ~np.r_[fin[1:], False]
    return bool(alone.any())


def real_positive(a) -> np.ndarray:
    """Values for a log axis: float64, zeros and values that are not finite missing (NaN)."""
    y = np.asarray(a, np.float64)
    return np.where(np.isfinite(y) & (y > 0), y, np.nan)


def zero_steps(a) -> str:
    """Where ``a`` (a norm per step) is 0, in words: "0 at every step", "0 at steps 3, 4",
    "0 at 12 of 20 steps"; "" where it is nowhere 0 (or ``a`` is None)."""
    if a is None or not len(a):
        return ""
    at = np.flatnonzero(np.asarray(a, np.float64) == 0)
    if not at.size:
        return ""
    if at.size == len(a):
        return "0 at every step"
    if at.size <= 3:
        return f"0 at {'step' if at.size == 1 else 'steps'} {', '.join(map(str, at))}"
    return f"0 at {at.size} of {len(a)} steps"


def sample_words(v: ProbeView) -> str:
    """The probe sample a title names: "validation sample 3", or a model's own (its inputs'
    samples, ``kind`` ""), "sample 3"."""
    return f"{v.kind} sample {v.sample}" if v.kind else f"sample {v.sample}"


def at_update(v: ProbeView) -> str:
    """" at update 12" where the probe is a run's; "" for a model's own (no run, no update)."""
    return f" at update {v.iteration}" if v.run else ""


def probe_page(v: ProbeView, key: str, unit: int | None = None) -> QtWidgets.QWidget:
    """A top-level widget showing gradient page ``key`` (``TABS``, not "updates") drawing
    ``v``, a probe computed for it (``app.train_user.probe_model``), in the current theme,
    by a ``GradViews`` of no Train tab: the same items, titles and captions as the tab's
    page. Its other pages and the controls are its hidden children (deleted with it); the
    views are its ``views``."""
    holder = QtWidgets.QWidget()
    lay = QtWidgets.QVBoxLayout(holder)
    margin = 8  # (the caption off the picture's edge, as the tab's frame keeps it)
    lay.setContentsMargins(margin, margin, margin, margin)
    views = GradViews(None, holder)
    for k, page in views.pages.items():
        if k == key:
            lay.addWidget(page)
        else:
            page.setParent(holder)
            page.hide()
    views.controls.setParent(holder)  # (one sample, one layer: the title names them)
    views.controls.hide()
    holder.setPalette(th.palette(th.current()))
    holder.setAutoFillBackground(True)
    views.apply_theme(th.current())
    views.draw_probe(v, key, unit)
    holder.views = views  # type: ignore[attr-defined]
    return holder


def _unbarred(blocks) -> str:
    """What the Updates plot has no bar for, and why (a saturated layer's gradient of 0
    leaves its blocks as they were; a diverged run's are no longer numbers): "" for none."""
    unchanged = sum(b.delta == 0 for b in blocks)
    bad = sum(b.delta != 0 and (not math.isfinite(b.delta) or math.isnan(b.ratio)) for b in blocks)
    parts = [f"{plural(n, 'block')} {why}" for n, why in ((unchanged, "unchanged (a gradient of 0)"),
                                                          (bad, "not finite (the weights overflowed)")) if n]
    return f" No bar for {' and '.join(parts)}, of {len(blocks)}." if parts else ""


def install(panel, tabs: QtWidgets.QTabWidget) -> GradViews:
    views = GradViews(panel)
    views.attach(tabs)
    views.apply_theme(th.current())
    return views
