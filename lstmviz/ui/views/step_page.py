"""The Cell view's page for a layer that maps each step on its own with weights (a Dense on
a sequence, TimeDistributed(Dense), a Dense on a vector, a Conv1D): at the cursor's step,
bars of what the layer reads (x_t, named by where it comes from) and of its outputs y_t,
the selected unit marked (a click on a bar picks it), and the equation of that unit with
its numbers, over one line saying that the same W and b serve every step. A MaxPooling1D's
or AveragePooling1D's page: the selected channel's numbers its window reads, tap by tap
(the one a max takes marked), its channels' outputs, ``y_t[c] = max(...)`` or the mean,
and the line saying it has no weights and how many steps it makes of how many. A Softmax
or LayerNormalization over the steps: x_t and y_t, its equation with m and S (μ and σ²)
of every step, the trace's.

Every number comes from ``app/step_ref.py`` (the trace's y, the layer's own sum): the page
draws, it computes nothing. Its charts are the cell page's (``cell._BarPlot``), each in a
graphics view of its own (two charts: the cell page's one view over a grid is for nine),
and its symbols are written by the cell page's ``to_html``: the Cell view hands both in
(this module imports nothing of it, which imports this one).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6 import QtCore, QtWidgets

from lstmviz.app.cell_ref import Equation, fmt
from lstmviz.app.counts import count
from lstmviz.app.selection import Cursor
from lstmviz.app.step_ref import StepRef, equations, same_weights
from lstmviz.engine.activations import formula
from lstmviz.engine.cells import act_name
from lstmviz.text import markup, plural
from lstmviz.ui import theme as th
from lstmviz.ui.views._common import QuietLabel, count_axis, hint


class _ChartView(pg.GraphicsView):
    """One bar chart (``chart``: the cell page's ``_BarPlot``) filling a graphics view of
    its own."""

    def __init__(self, key: str, chart: Callable):
        super().__init__()
        self.setCentralItem(None)
        self.setMinimumSize(140, 150)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding)
        self.chart = chart(self, self, key)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        rect = QtCore.QRectF(0, 0, self.width(), self.height())
        bp = getattr(self, "chart", None)  # (pyqtgraph's constructor resizes it first)
        if bp is not None and shiboken6.isValid(bp.plot):
            bp.frame.setRect(rect)
            bp.plot.setGeometry(rect)
            bp._place_title()


class StepPage(QtWidgets.QWidget):
    """The page (see the module docstring); ``picked`` is called with the unit a click on
    an output bar picks; ``chart(slot, view, key)`` makes a bar chart, ``to_html`` writes a
    plain equation's symbols as rich text (the cell page's)."""

    def __init__(self, picked: Callable[[int], object], chart: Callable, to_html: Callable[[str], str],
                 parent=None):
        super().__init__(parent)
        self._picked = picked
        self._html = to_html
        self.ref: StepRef | None = None
        self._eqs: list[Equation] = []
        self._setup_key: tuple | None = None
        self._theme: th.Theme | None = None
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.header = QuietLabel(hints_give_way=True)
        # (never squeezed: where the view is shorter than the page, the page scrolls, in the
        # Cell view's TallPage; at 800 x 600 presenting it was squeezed to nothing)
        self.header.set_whole(True)
        lay.addWidget(self.header)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(12)
        self.x_view, self.y_view = _ChartView("x", chart), _ChartView("y", chart)
        # between them, what maps one to the other: W and b, the same at every step
        self.arrow = QtWidgets.QLabel()
        self.arrow.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.arrow.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        row.addWidget(self.x_view, 1)
        row.addWidget(self.arrow, 0)
        row.addWidget(self.y_view, 1)
        self._separators: list = []  # a Conv1D's window: dashed lines between its taps
        lay.addLayout(row, 11)
        self.bars = {"x": self.x_view.chart, "y": self.y_view.chart}
        self.y_view.scene().sigMouseClicked.connect(self._clicked)
        # the equation, the line about the weights, the legend (one short text: a label)
        self.eq_label = QtWidgets.QLabel()
        self.eq_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.eq_label.setWordWrap(True)
        self.eq_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        self.eq_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Minimum)
        lay.addWidget(self.eq_label, 0)
        self._narrow: tuple | None = None  # the page's narrow and short form (``_fit``)

    #: below this width (px) the page takes its narrow form: the equation at the body's
    #: size and no arrow between the charts (the line on the weights says what it said);
    #: at 800 x 600 presenting beside the side panel the arrow took a third of the charts'
    #: width and the equation six lines
    NARROW = 760
    #: below this height (px) the equation is at the body's size too: presenting at 1280
    #: x 720 a softmax's two equations at 1.25 x left the charts 60 px of plot
    SHORT = 600

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """The narrow form or not, and the equation's least height: its text at the page's
        width (a word-wrapped label asks for less, and was cut at the page's bottom)."""
        t = self._theme
        if t is None:
            return
        thin, short = self.width() < self.NARROW, self.height() < self.SHORT
        if (thin, short) != self._narrow:
            self._narrow = (thin, short)
            self.eq_label.setFont(t.font(1.0 if thin or short else self.EQ_SCALE))
            self.arrow.setVisible(not thin)
        need = self.eq_label.heightForWidth(max(1, self.width()))
        if need > 0 and self.eq_label.minimumHeight() != need:
            self.eq_label.setMinimumHeight(need)

    # -- drawing --------------------------------------------------------------------------
    def show_step(self, ref: StepRef, cursor: Cursor, t: th.Theme, sample_base: int = 0) -> None:
        """Draw ``ref`` at ``cursor``'s step, sample and unit in theme ``t``."""
        if t is not self._theme:
            self._theme = t
            self.header.setFont(t.font(1.15))
            # (a line or two, and the room of a page of two charts: larger than the cell
            # page's six, for the back row; the body's size in a narrow page, ``_fit``)
            self.arrow.setFont(t.font(1.0))
            self._narrow = None
            self._setup_key = None
        self.ref = ref
        s, step, u = ref.clamp_cursor(cursor)
        key = (id(ref), id(t))
        if key != self._setup_key:
            self._setup(ref, t)
            self._setup_key = key
        word = ref.unit_word
        # (a pooling's input: the selected channel's numbers its window reads, tap by tap)
        xs = ref.tap_values(s, step, u) if ref.pool else ref.x_at(s, step)
        ys = ref.y_at(s, step)
        t_ = "<sub>t</sub>" if ref.steps else ""
        at = step + ref.start
        reads = ref.reads(step)
        if ref.windowed:
            real = [count(r + ref.x_first) for r in reads if r >= 0]
            pads = len(reads) - len(real)
            where = (f"step{'s' if len(real) > 1 else ''} {', '.join(real)}" if len(real) <= 4
                     else f"steps {real[0]}…{real[-1]}")
            if ref.source.layer is not None:  # (whose steps: "steps 6, 7 of conv", as Over time says)
                where += f" of {markup(ref.source.layer)}"
            if pads:
                where += f" + {pads} of padding"
        elif ref.steps:
            where = f"step {count(at)}"
            over = ref.input_step(step)
            if over is not None:  # (its steps over the input turned around: after a go_backwards layer)
                where += f" = input step {count(over)}"
            elif ref.mixed:  # (over two input steps: after a merge of a turned and an unturned sequence)
                where += f" = {ref.over_input(step, bold=False)}"
            elif ref.over_input(step):  # (after a Cropping1D, ZeroPadding1D or UpSampling1D)
                where = ref.over_input(step, bold=False).replace("input step", "input")
        else:
            where = "one vector"
        # (a MaxPooling1D's tap it takes marked, as a Dense's selected unit is)
        self.bars["x"].set(xs, ref.taken(s, step, u), self._x_title(ref, t, u), where, t)
        self._tap_ticks(ref, step)
        color = t.hue("h")
        self.bars["y"].set(ys, u, f'<span style="color:{color}"><b>y{t_}</b></span> out',
                           fmt(ys[u], ref.decimals(ys[u])), t)
        act = act_name(ref.layer.config.get("activation"))
        what = f"{ref.kind}, {plural(ref.units, word)}" + ("" if act == "linear" else f", {act}")
        if ref.steps:
            place = f"step <b>t = {count(at)}</b>"
            if ref.over_input(step):  # (as a recurrent page and Over time say it: after a go_backwards layer)
                place += f" = {ref.over_input(step)}"
            if ref.windowed:
                place += f" reads {'' if ref.source.layer is not None else 'input '}{where}"
        else:
            place = "one step (a vector in, a vector out)"
            if ref.so_far:  # (a long input's first steps: the vector is theirs, for now)
                place += f" {ref.so_far}"
        self.header.setText(
            f"<b>{markup(ref.name)}</b> ({markup(what)}) · {place} · {word} <b>{u}</b> · "
            f"sample {s + sample_base}" + hint(f"click a bar of y to pick its {word}"))
        self._eqs = equations(ref, s, step, u)
        self._show_equations(ref, t)

    def _x_title(self, ref: StepRef, t: th.Theme, unit: int = 0) -> str:
        """x_t's title: the symbol and where it comes from ("x_t = h_t of lstm_2"); a
        Conv1D's window ("x_t+k-2, k = 0…2"), a pooling's of the selected channel
        ("x_2t+k[3], k = 0…1")."""
        if ref.windowed:
            sym = self._html(f"x_{{{ref.over_steps.read_index(ref.total)}}}")
            channel = f"[{unit}]" if ref.pool else ""
            return f"<b>{sym}{channel}</b>, k = 0…{ref.over_steps.taps - 1}"
        t_ = "<sub>t</sub>" if ref.steps else ""
        src = ref.source
        if src.layer is None:
            return f"<b>x{t_}</b> (input)"
        said = self._html(src.symbol)
        return f"<b>x{t_}</b> = {said} of {markup(src.layer)}" if not src.last else \
            f"<b>x</b> = last {said} of {markup(src.layer)}"

    #: the equation's size relative to the body text
    EQ_SCALE = 1.25
    #: characters of a symbolic line with its note (in parentheses) up to which the note
    #: stays on the line; a longer one goes under the numbers
    NOTE_INLINE = 60

    def _setup(self, ref: StepRef, t: th.Theme) -> None:
        """The charts' ranges over every step (a new step moves no axis) and their style."""
        x = np.asarray(ref.x)
        n_x = ref.over_steps.taps if ref.pool else ref.x_at(0, 0).size
        for key, values, n in (("x", x, n_x), ("y", ref.y, ref.units)):
            lo, hi = th.symmetric_levels(values)
            finite = values[np.isfinite(values)] if values.size else values
            if finite.size and float(finite.min()) >= 0.0:
                lo = 0.0  # (a relu's, a sigmoid's, a softmax's: nothing below 0 to show)
            bp = self.bars[key]
            bp.style(t, t.hue("x" if key == "x" else "h"))
            bp.setup(n, (lo, hi), f"{key}:{ref.name}", t)
        plot = self.bars["x"].plot
        for line in self._separators:
            plot.removeItem(line)
        self._separators = []
        if ref.conv:  # (the window's taps, channels each: where one tap's end)
            c = int(ref.x.shape[-1])
            pen = pg.mkPen(t.muted, width=1, style=QtCore.Qt.PenStyle.DashLine)
            for k in range(1, ref.convolution.kernel_size):
                line = pg.InfiniteLine(k * c - 0.5, angle=90, pen=pen, movable=False)
                plot.addItem(line, ignoreBounds=True)
                self._separators.append(line)
        w, b = ref.shapes()
        said = (("share over" if ref.layer.class_name == "Softmax" else "normalised over") + "<br>every step"
                if ref.along else ref.pooling.TAKES if ref.pool
                else f"W ({w})" + (f"<br>+ b ({b})" if b else ""))
        self.arrow.setText(f'<div style="color:{t.muted}">{said}'
                           + f'</div><div style="font-size:{t.pt(1.6)}pt">⟶</div>')

    def _tap_ticks(self, ref: StepRef, step: int) -> None:
        """A Conv1D's window: each tap's channels under the input step it reads; a pooling's:
        each tap under its step."""
        if not ref.windowed:
            return
        c = 1 if ref.pool else int(ref.x.shape[-1])
        ticks = [((k + 0.5) * c - 0.5, f"step {count(r + ref.x_first)}" if r >= 0 else "padding")
                 for k, r in enumerate(ref.reads(step))]
        count_axis(self.bars["x"].plot.getAxis("bottom"), int(ref.x_at(0, 0).size), ticks=ticks, middle=True)

    def _show_equations(self, ref: StepRef, t: th.Theme) -> None:
        rows = []
        for eq in self._eqs:
            lhs, _, rhs = eq.symbolic.partition(" = ")
            note, below = "", ""
            if "  (" in rhs:
                rhs, _, said = rhs.partition("  (")
                note = f'<span style="color:{t.muted}">({self._html(said)}</span>'
                # (a long note on a row of its own under the numbers: a softmax's "(j: every
                # unit; m: the largest z[j])" wrapped its line at 1280 x 720 presenting)
                if len(lhs) + len(rhs) + len(said) > self.NOTE_INLINE:
                    below = (f'<tr><td></td><td style="padding:0 0 6px 0; font-size:{t.pt(0.85)}pt">'
                             f'{note}</td></tr>')
                    note = ""
                else:
                    note = " " + note
            hue = t.hue("h")
            rows.append(f'<tr><td align="right" style="padding:4px 8px 0 0"><span style="color:{hue}">'
                        f'<b>{self._html(lhs)}</b></span></td>'
                        f'<td style="padding:4px 0 0 0">= {self._html(rhs)}{note}</td></tr>'
                        f'<tr><td></td><td style="padding:0 0 {0 if below else 6}px 0">= '
                        f'<b>{self._html(eq.numeric)}</b></td></tr>{below}')
        act = act_name(ref.layer.config.get("activation"))
        major = getattr(ref.layer, "keras_major", 3)
        told = formula(act, major)
        # (a softmax's equation says what it computes: no formula again)
        acts = ("" if act in ("linear", "softmax", "log_softmax")
                else (f"{act}(x) = {told}" if told != f"{act}(x)" else f"{act}(x)") + " · ")
        wx = ("each tap's W[f,:,k]·x" if ref.onnx else "each tap's W_k·x") if ref.conv else "W·x"
        # (the weights' line and the legend at the body's size and less: the equation is
        # the page's news, and at 1280 x 720 presenting beside the side panel they took
        # four lines of the charts' height at its size)
        stats = "m[u] and S[u]" if ref.layer.class_name == "Softmax" else "μ and σ², 1 / √(σ² + ε)"
        own = (f"{self._html('x_t[u]')}, the trace's {stats} (its record of every step) and its y" if ref.along
               else f"{self._html(wx)}{', b' if ref.use_bias else ''}, their sum and the trace's y" if not ref.pool
               else "each tap's x[c]" + (", their sum as the layer adds them" if ref.pooling.TAKES == "mean" else "")
               + " and the trace's y")
        legend = (f'<p style="color:{t.muted}; margin-top:4px; font-size:{t.pt(0.85)}pt">{self._html(acts)}'
                  f"the numbers are the layer's own: {own}.</p>")
        same = f'<p style="margin-top:6px; font-size:{t.pt(1.0)}pt">{self._html(same_weights(ref))}</p>'
        html = (f'<table cellspacing="0" style="color:{t.foreground}">{"".join(rows)}</table>{same}{legend}')
        self.eq_label.setText(t.subscripts(html, legible=True))
        self._fit()

    def _clicked(self, ev) -> None:
        """A click on an output bar picks its unit."""
        if ev.button() != QtCore.Qt.MouseButton.LeftButton or self.ref is None:
            return
        vb = self.bars["y"].plot.getViewBox()
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        unit = int(np.floor(vb.mapSceneToView(ev.scenePos()).x() + 0.5))
        if 0 <= unit < self.ref.units:
            ev.accept()
            self._picked(unit)

    # -- for tests ------------------------------------------------------------------------
    def equation_lines(self) -> list[str]:
        return [eq.line for eq in self._eqs]
