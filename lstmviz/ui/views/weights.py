"""The selected layer's weights: kernel, recurrent kernel and bias as heatmaps split into
labelled gate blocks, their shapes, the value under the mouse, and the parameter count
with its formula filled in. Each matrix on its own symmetric diverging scale."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app import accessible
from lstmviz.app.counts import tick_labels
from lstmviz.app.selection import Cursor
from lstmviz.app.weight_grids import Grid, weight_grid
from lstmviz.engine import Model, Trace
from lstmviz.engine.layers import Bidirectional, Recurrent, StackedRNN, TimeDistributed, fmt_shape
from lstmviz.text import markup
from lstmviz.ui import theme as th
from lstmviz.ui.accessible import plain
from lstmviz.ui.labels import control_only, text_tip
from lstmviz.ui.later import later
from lstmviz.ui.plot_tools import ColorBar, NanKey, add_plot, bar_foreground, fit_side_label, label_share, steady_axes
from lstmviz.ui.views._common import (
    UNCAPPED,
    CellButtons,
    ClickableImage,
    HintLabel,
    QuietLabel,
    TallPage,
    cell_name,
    count_axis,
    fmt,
    hint,
    holds_nan,
    message_label,
    set_levels,
)
from lstmviz.ui.views.base import TraceView


def note_head(note: str) -> str:
    """A layout note's short form: where its arrays came from, its first word ("PyTorch
    nn.GRU: W = weight_ih_l0ᵀ, ..." is "PyTorch"), at most 20 characters."""
    words = note.split(":", 1)[0].split()
    head = words[0] if words else note
    return head if len(head) <= 20 else head[:19] + "\u2026"


MAX_MATRICES = 4  # kernel, recurrent kernel, bias (+ an ONNX LSTM's peepholes)
MAX_GATES = 4
#: the rows' label of each weight, longest first (the longest seen whole is shown)
LEFT_LABELS = {"kernel": ("input feature", "feature"), "recurrent_kernel": ("from unit", "unit"),
               "embeddings": ("token id", "id")}


def _int_ticks(n: int) -> list:
    every = next(k for k in (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 256, 500, 1000, 10**9)
                 if n / k <= 16)
    values = range(0, n, every)
    return list(zip((float(i) for i in values), tick_labels(values)))  # ("1,000", as every count)


def _block_ticks(grid: Grid) -> list:
    """A kernel's columns numbered within each tap's block (its filters: 0, 1, ... again
    after each separator), as many in a block as ``_int_ticks`` gives one."""
    n = grid.block_columns
    return [(j * n + at, label) for j in range(len(grid.blocks)) for at, label in _int_ticks(n)]


#: the share of a matrix's height its gate labels may cover; beyond it the gates are named
#: in the columns' axis (``_Matrix.fit_labels``)
LABEL_SHARE = 0.6
#: a gate label's box: the theme's background, this opaque (of 255), over a matrix it
#: covers less than ``SEE_THROUGH`` of the height of; over a shorter one (a kernel of one
#: or two input features, a bias: the box hid most of their weights) ``SEE_THROUGH_ALPHA``,
#: hugging its text, the weights seen under it (``_Matrix.fit_labels``)
LABEL_ALPHA = 200
SEE_THROUGH = 1 / 3
SEE_THROUGH_ALPHA = 130
#: a matrix's least height (of three rows or more): its title, ticks and a few rows (115
#: with the formula's line held the window 620 px tall presenting on an 800 x 600 screen)
MATRIX_MIN = 100
#: a matrix of this many rows or fewer (a kernel on one input feature, a bias) is thin: its
#: least height is what it shows (``_Matrix.thin_least``); beside a taller matrix it takes
#: more height first (its stretch ``THIN_FIRST``, a taller one's 4), up to its room for its
#: gate labels over it
THIN_ROWS = 2
THIN_FIRST = 1000


class _Matrix:
    def __init__(self, view: "WeightsView"):
        self.view = view
        self.name: str | None = None
        self.array: np.ndarray | None = None
        self.ndim = 2  # the weight's own axes (a vector is drawn as one row)
        #: a convolution's kernel or a normalisation's vector: how it is laid out
        #: (``app/weight_grids``), None for a recurrent layer's or a Dense's matrix
        self.grid: Grid | None = None
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setMinimumHeight(MATRIX_MIN)
        self.plot: pg.PlotItem = add_plot(self.widget, row=0, col=0, axisItems=steady_axes("left", "bottom"))
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.invertY(True)
        self.image = ClickableImage(on_hover=lambda c, r: view.hover(self.name, c, r),
                                    on_click=lambda c, r: view.click_weight(self.name, c, r),
                                    axisOrder="row-major")
        self.plot.addItem(self.image)
        self.separators = [pg.InfiniteLine(angle=90, movable=False) for _ in range(MAX_GATES - 1)]
        for line in self.separators:
            self.plot.addItem(line, ignoreBounds=True)
        self.labels = [pg.TextItem("", anchor=(0.5, 0.0)) for _ in range(MAX_GATES)]
        for lab in self.labels:
            self.plot.addItem(lab, ignoreBounds=True)
        #: each gate label's names, longest first ("recurrent_kernel_i", "U_i", "i"): the
        #: longest that fits its block is shown (``fit_labels``, at each resize)
        self.label_forms: list[tuple[str, ...]] = [()] * MAX_GATES
        self.block_columns = 1
        #: the rows' label, longest first ("input feature", "feature"; ``fit_left``)
        self.left_forms: tuple[str, ...] = ()
        #: the columns' axis: its numbers, or where the gate labels would cover the matrix
        #: the gates' names (``fit_labels``)
        self.columns = 0
        self.gates_below = False
        #: the gate labels' boxes see-through (they would cover most of a short matrix)
        self.see_through = False
        #: the title and its short forms, longest first (``fit_title``)
        self.titles: tuple[str, ...] = ()
        def refit(*_) -> None:
            self.fit_labels()
            self.fit_left()
            self.fit_title()

        self.plot.vb.sigResized.connect(refit)
        #: a new matrix is being shown (``WeightsView.show_side``): its columns' range set
        #: before its blocks and labels, which it fits itself once they are set
        self.filling = False
        self.plot.vb.sigXRangeChanged.connect(lambda *_: None if self.filling else self.fit_labels())
        self.colorbar = ColorBar(values=(-1, 1), interactive=False, width=14)
        self.colorbar.setImageItem(self.image)
        self.widget.addItem(self.colorbar, row=0, col=1)
        self.nan_key = NanKey(self.colorbar)  # under the bar while the matrix holds a NaN

    def ensure_blocks(self, n: int) -> None:
        """Separators and labels for ``n`` blocks of columns (a kernel of more taps than an
        LSTM has gates), styled as the first ones."""
        t = self.view.theme if hasattr(self.view, "theme") else None
        while len(self.labels) < n:
            lab = pg.TextItem("", anchor=(0.5, 0.0))
            self.plot.addItem(lab, ignoreBounds=True)
            self.labels.append(lab)
            self.label_forms.append(())
            if t is not None:
                self._style_label(lab, t, self.see_through)
        while len(self.separators) < n - 1:
            line = pg.InfiniteLine(angle=90, movable=False)
            self.plot.addItem(line, ignoreBounds=True)
            self.separators.append(line)
            if t is not None:
                line.setPen(pg.mkPen(t.foreground, width=2.5))

    @staticmethod
    def _style_label(lab: pg.TextItem, t: th.Theme, see_through: bool = False) -> None:
        bg = pg.mkColor(t.background)
        bg.setAlpha(SEE_THROUGH_ALPHA if see_through else LABEL_ALPHA)
        lab.setFont(t.font(0.95, bold=True))
        lab.fill = pg.mkBrush(bg)
        lab.textItem.document().setDocumentMargin(1 if see_through else 4)  # (Qt's 4 px)
        lab.updateTextPos()
        lab.update()

    def thin_least(self) -> int:
        """The least height (px) of a thin matrix: its title's row, its rows as high as a
        tick label, its columns' axis (the gates named there where their labels would cover
        it: ``fit_labels``) and the margins. A guess of 5.5 lines of the theme's type (132
        px in the projector theme) for each of the kernel and the bias of an input of one
        feature held the projector theme's window 649 px tall at 800 x 600, while the
        matrix of 8 rows between them kept its least."""
        axis = self.plot.getAxis("bottom")
        line = QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font()).height()
        _, top, _, bottom = self.widget.ci.layout.getContentsMargins()
        _, ptop, _, pbottom = self.plot.layout.getContentsMargins()
        return math.ceil(top + bottom + ptop + pbottom + th.title_height(self.plot.titleLabel)
                         + line + axis.minimumHeight())

    def fit_left(self) -> None:
        """The rows' label, the longest of its names seen whole (at 1024 x 600 beside the
        side panel "input feature" was cut to "nput featur")."""
        fit_side_label(self.plot, self.widget, self.left_forms)

    def fit_labels(self) -> None:
        """Each gate's label: the longest of its names as wide as its block on screen (a
        projector's 1280x720 cut "recurrent_kernel_i" to "ecurrent_kerne"). Where the
        labels would cover more than ``LABEL_SHARE`` of the matrix's height (at the
        window's least size the recurrent kernel's 8 rows had 22 px, its labels 20), the
        gates are named in the columns' axis instead, by their letters, the column numbers
        giving way (the hover still says a weight's column)."""
        (x0, x1), _ = self.plot.vb.viewRange()
        room = self.plot.vb.width() * self.block_columns / max(x1 - x0, 1e-9)
        gates = [forms for forms in self.label_forms if forms]
        high = self.plot.vb.height()
        tall = max((QtGui.QFontMetricsF(lab.textItem.font()).height()  # (its text, not the box's margins)
                    for lab, forms in zip(self.labels, self.label_forms) if forms), default=0.0)
        below = bool(gates) and high > 1 and tall > LABEL_SHARE * high
        see_through = not below and tall > SEE_THROUGH * high
        if see_through != self.see_through:
            self.see_through = see_through
            for lab in self.labels:
                self._style_label(lab, self.view.theme, see_through)
        ticks = []
        for g, (lab, forms) in enumerate(zip(self.labels, self.label_forms)):
            if not forms:
                continue
            metrics = QtGui.QFontMetricsF(lab.textItem.font())
            margin = 2 * lab.textItem.document().documentMargin()
            text = next((f for f in forms if metrics.horizontalAdvance(f) + margin <= room), forms[-1])
            if text != lab.toPlainText():
                lab.setText(text)
            if lab.isVisible() == below:
                lab.setVisible(not below)
            if below:  # (the gate's letter: the title names the matrix)
                ticks.append((g * self.block_columns + (self.block_columns - 1) / 2, forms[-1]))
        if below != self.gates_below or (below and ticks != getattr(self, "_gate_ticks", None)):
            self.gates_below = below
            self._gate_ticks = ticks
            count_axis(self.plot.getAxis("bottom"), self.columns,
                       ticks=ticks if below else _block_ticks(self.grid) if self.grid is not None and self.grid.blocks
                       else _int_ticks(self.columns))

    def fit_title(self) -> None:
        """The title: the longest of its forms as wide as the plot (at the window's least
        size even "recurrent kernel U  (h → gates)" ran past both ends of its plot, under
        the colour bar: there "recurrent kernel U", or "U" where even that is too wide)."""
        if not self.titles:
            return
        t = self.view.theme
        font = self.plot.titleLabel.item.font()
        font.setPointSize(t.pt(1.0))
        room = self.plot.vb.width()
        short = next((f for f in self.titles[1:] if th.html_width(font, f) <= room), self.titles[-1])
        th.set_title(self.plot, self.titles[0], short=short, color=t.foreground, size=f"{t.pt(1.0)}pt")

    def style(self, t: th.Theme):
        self.widget.setBackground(t.background)
        th.style_plot(self.plot, t)
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).setStyle(tickFont=t.font(0.8))
        self.colorbar.setColorMap(th.diverging_cmap(t))
        self.colorbar.axis.setStyle(tickFont=t.font(0.75))
        bar_foreground(self.colorbar, t.foreground)
        self.image.nan_color = t.nan
        self.nan_key.style(t.font(0.75), t.nan, t.foreground)
        for line in self.separators:
            line.setPen(pg.mkPen(t.foreground, width=2.5))
        for lab in self.labels:
            self._style_label(lab, t, self.see_through)


class WeightsView(TraceView):
    title = "Weights"

    def __init__(self, parent=None, theme: th.Theme | str | None = None):
        super().__init__(parent, theme)
        self.layer = None          # the model layer shown
        self.shown = None          # the layer whose weights are drawn (a Bidirectional's half)
        self.side = "forward"
        #: the cell shown of a stack of cells (Keras' ``RNN([cell_a, cell_b])``), whose
        #: arrays are each cell's own (``cell_0/kernel``, ...): one cell at a time
        self.before: str | None = None  # the cell whose outputs the shown cell steps through
        self.k, self.units = 1, 0
        self.images: dict[str, pg.ImageItem] = {}
        self._key: tuple | None = None

        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        self.stack = QtWidgets.QStackedWidget()
        outer.addWidget(self.stack)
        self.message = message_label("Select a layer with weights.", self.theme)
        self.stack.addWidget(self.message)
        page = QtWidgets.QWidget()
        # (scrolling where the view is shorter than the matrices' least: at 760 x 540, or an
        # ONNX peephole LSTM's three matrices at 800 x 600, held the window 579-685 px tall)
        self.page_scroll = TallPage(page)
        self.stack.addWidget(self.page_scroll)
        lay = QtWidgets.QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        top = self.formula_row = QtWidgets.QHBoxLayout()
        # its text changes with an edit (the parameter count): no layout pass of the window
        # for that (QuietLabel) unless it needs another height
        # a line at least; all its lines where the page scrolls anyway (``_fit_formula``:
        # at 760 x 540 it was one line ending in "…")
        self.formula = QuietLabel()
        #: how an opened file's arrays became the shown layer's (``Model.source``'s layer
        #: notes: a PyTorch state_dict's), its whole text in the formula's tooltip; or None
        self.layout_note: str | None = None
        top.addWidget(self.formula, 1)
        self.side_box = QtWidgets.QWidget()
        sb = QtWidgets.QHBoxLayout(self.side_box)
        sb.setContentsMargins(0, 0, 0, 0)
        self.side_buttons = {}
        group = QtWidgets.QButtonGroup(self)
        group.setExclusive(True)
        for side in ("forward", "backward"):
            b = QtWidgets.QPushButton(side)
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, s=side: self.show_side(s, emit=True))
            group.addButton(b)
            sb.addWidget(b)
            self.side_buttons[side] = b
        top.addWidget(self.side_box)
        # (the buttons, a Bidirectional's halves and a stack's cells, are not in an exported
        # picture: the formula's line names the half or the cell drawn)
        control_only(self.side_box)
        # a stack of cells: a button for each cell (made for the layer shown, _cell_buttons),
        # beside the formula as a Bidirectional's halves (in a row of their own they took
        # the height the matrices needed at 800 x 600 presenting: the window grew)
        self.cell_box = CellButtons(self.show_cell)
        control_only(self.cell_box)
        top.addWidget(self.cell_box)
        lay.addLayout(top)
        self.matrices = [_Matrix(self) for _ in range(MAX_MATRICES)]
        # the matrices one above the other keep one width: their colour bars share one
        self.matrices[0].colorbar.share_width(*(m.colorbar for m in self.matrices[1:]))
        for m in self.matrices:
            lay.addWidget(m.widget, 3)
            # shown when a layer's weights fill it: the four empty ones, laid out for a
            # moment by a view built on the tab's first showing, grew an 800 x 600 window
            m.widget.setVisible(False)
        self.hover_label = HintLabel(" ")
        self.hover_label.setWordWrap(True)
        self.hover_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        lay.addWidget(self.hover_label)
        self._lay = lay
        self.apply_theme(self.theme)

    # -- theme ----------------------------------------------------------------------------
    def apply_theme(self, theme: th.Theme) -> None:
        self.theme = t = theme
        for m in self.matrices:
            m.style(t)
        self._fit_formula()
        self.hover_label.setFont(t.font(1.1))
        self.message.setFont(t.font(1.3))
        for b in self.side_buttons.values():
            b.setFont(t.font(1.0))
        self.cell_box.set_font(t.font(1.0))
        self._key = None
        if self.model is not None:
            self.set_cursor(self.cursor)

    def _fit_formula(self) -> None:
        """The layer's name and parameter formula in large type (1.35) where it fits on one
        line, else in body type; a line of it at least, whatever the matrices' least heights
        ask (at 800 x 600 presenting they squeezed it out, and the lesson's caption quoted a
        formula no longer on screen), and all its lines where the page is taller than the
        view with that line already (``TallPage``: at 760 x 540 it was one line ending in
        "…"; ``QuietLabel.set_whole``). The font measured when the text, the theme or the
        width changes, not at a step."""
        self._fit_font()
        if self.window() is self:
            # (not in a window yet, as ``apply_theme`` when made: measuring the page then
            # polished its labels before the window's style sheet reached them, and the
            # hover's line lost its 1.1 type)
            return
        f = self.formula
        page = self.page_scroll.widget()
        assert page is not None  # (the scroll area is given its page when the view is built)
        one = QtGui.QFontMetrics(f.label.font()).height()
        held = f.minimumHeight() or f.minimumSizeHint().height()  # (its least in the layout now)
        least = page.minimumSizeHint().height() - held + one  # (the page's with a line of it)
        whole = least > self.page_scroll.maximumViewportSize().height()
        f.setMinimumHeight(0 if whole else one)  # (whole: its text's height, ``minimumSizeHint``)
        if whole != f.whole:
            f.set_whole(whole)
            # (the page fitted to its new least: its row's layout kept the formula's least
            # until activated, and at 800 x 600 after 760 x 540 the page stayed as tall as
            # with the whole formula)
            self.formula_row.invalidate()
            later(self, lambda view: view.page_scroll.fit())

    def _fit_font(self) -> None:
        t = self.theme
        big = t.font(1.35)
        doc = QtGui.QTextDocument()
        doc.setDefaultFont(big)
        doc.setHtml(self.formula.text())
        font = big if doc.idealWidth() <= max(1, self.formula.width()) else t.font(1.0)
        key = (font.key(), self.formula.text(), self.formula.width())
        if key == getattr(self, "_formula_key", None):
            return
        self._formula_key = key
        if self.formula.label.font().key() != font.key():
            self.formula.setFont(font)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_formula()

    # -- data -----------------------------------------------------------------------------
    def set_data(self, model: Model, trace: Trace, inputs=None) -> None:
        self.model, self.trace = model, trace
        self._key = None

    def describe(self) -> str:
        layer = getattr(self, "layer", None)
        if self.model is None or layer is None or self.stack.currentIndex() == 0:
            return plain(self.message.text())
        blocks = [(plain(slot.titles[1]) if len(slot.titles) > 1 else slot.name, slot.array)
                  for slot in self.matrices if slot.name is not None and slot.array is not None]
        return accessible.weights_view(self.shown_name(), blocks, plain(self.formula.text()))

    def shown_name(self) -> str:
        """The layer drawn, with its half or cell where it has them."""
        layer = self.layer
        if isinstance(layer, Bidirectional):
            return f"{layer.name} {self.side}"
        if isinstance(layer, StackedRNN):
            return f"{layer.name} ({cell_name(f'cell_{self.cell_box.index}')})"
        return layer.name if layer is not None else ""

    def set_cursor(self, cursor: Cursor) -> None:
        self.cursor = cursor
        if self.model is None:
            return
        key = (id(self.model), id(self.trace), cursor.layer, cursor.side)
        if key == self._key:
            return  # weights do not change with the step, sample or unit
        self._key = key
        try:
            layer = self.model.get_layer(cursor.layer) if cursor.layer else None
        except Exception:
            layer = None
        self.layer = layer
        if layer is None or not layer.weights:
            what = (f"'{cursor.layer}' ({layer.class_name}) has no weights." if layer is not None
                    else "No layer selected.")
            self.message.setText(f"{what}\n\nSelect a layer with weights (LSTM, GRU, SimpleRNN, Dense, ...).")
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        self.side_box.setVisible(isinstance(layer, Bidirectional))
        self._cell_buttons(layer)
        self.show_side(cursor.side if cursor.side in ("forward", "backward") else "forward")

    def _cell_buttons(self, layer) -> None:
        """A button for each cell of a stack of cells (``RNN([GRUCell(3), ...])``), made
        when another layer is shown; none for any other layer."""
        cells = layer.cells if isinstance(layer, StackedRNN) else []
        # (the same layer's cells in a new trace or model keep the cell shown; a button's
        # name alone: with the cell's class, "cell_0 GRUCell(3)", two buttons held the window
        # 916 px wide at 800 x 600 presenting; the formula names the class)
        self.cell_box.set_cells((layer.name, layer.describe()) if cells else None,
                                [(cell_name(f"cell_{k}"), f"{cell_name(f'cell_{k}')}: {cell.cell.cell_class}"
                                  f"({cell.units})") for k, cell in enumerate(cells)], self.theme.font(1.0))

    def show_cell(self, k: int) -> None:
        """Draw the weights of cell ``k`` of a stack of cells."""
        self.cell_box.pick(k)
        self.show_side(self.side)

    def show_side(self, side: str, emit: bool = False) -> None:
        """Draw the weights of ``side`` (a Bidirectional's half; ignored otherwise)."""
        layer = self.layer
        if layer is None:
            return
        self.side = side
        if isinstance(layer, Bidirectional):
            shown = layer.forward_layer if side == "forward" else layer.backward_layer
            self.side_buttons[side].setChecked(True)
            if emit and side != self.cursor.side:
                self.side_requested.emit(side)
        elif isinstance(layer, TimeDistributed):
            shown = layer.inner
        elif isinstance(layer, StackedRNN):
            shown = layer.cells[min(self.cell_box.index, len(layer.cells) - 1)]
        else:
            shown = layer
        self.shown = shown
        t = self.theme
        if isinstance(layer, StackedRNN):  # (the layer's arrays, by the cell's own names)
            prefix = f"cell_{layer.cells.index(shown)}/"
            named = [(n[len(prefix):], w) for n, w in layer.named_weights().items() if n.startswith(prefix)]
        else:
            named = list(shown.named_weights().items())
        rnn = isinstance(shown, Recurrent)
        # a stack of cells' later cell steps through the cell before's outputs, not the
        # layer's input features: its kernel's rows are that cell's units
        before = (cell_name(f"cell_{layer.cells.index(shown) - 1}")
                  if isinstance(layer, StackedRNN) and layer.cells.index(shown) > 0 else None)
        self.before = before
        self.k = shown.k if rnn else 1
        self.units = shown.units if rnn else 0
        self.images = {}
        heights = []
        for m, slot in enumerate(self.matrices):
            if m >= len(named):
                slot.widget.setVisible(False)
                slot.name = None
                continue
            name, w = named[m]
            grid = slot.grid = weight_grid(shown, name, w)  # (a conv's kernel, a norm's vectors)
            arr = grid.array if grid is not None else w if w.ndim == 2 else w.reshape(1, -1)
            slot.name, slot.array, slot.ndim = name, arr, w.ndim
            slot.widget.setVisible(True)
            slot.image.setImage(arr, autoLevels=False)
            slot.nan_key.show_for(holds_nan(arr))
            # each matrix on its own colour bar: one scale for all let a bias of 1 (the forget
            # gate's, unit_forget_bias) leave the kernels' ~0.05 nearly black
            set_levels(slot.colorbar, th.symmetric_levels(arr))
            rows, cols = arr.shape
            slot.image.setRect(QtCore.QRectF(-0.5, -0.5, cols, rows))
            # (both ranges in one call: the plot and its axes laid out once, not once for each;
            # the labels not fitted to it yet: they are the last matrix's, fitted below)
            slot.filling = True
            try:
                slot.plot.setRange(xRange=(-0.5, cols - 0.5), yRange=(-0.5, rows - 0.5), padding=0)
            finally:
                slot.filling = False
            count_axis(slot.plot.getAxis("left"), rows, ticks=_int_ticks(rows), rows=True)
            slot.columns = cols
            slot.gates_below = False
            count_axis(slot.plot.getAxis("bottom"), cols, ticks=_block_ticks(grid) if grid and grid.blocks
                       else _int_ticks(cols))
            into = "gates" if rnn and self.k > 1 else "h" if rnn else "outputs"  # a SimpleRNN has no gates
            source = f"{before}'s h" if before else "input"
            meaning = {"kernel": f"kernel W  ({source} → {into})",
                       "recurrent_kernel": f"recurrent kernel U  (h → {into})",
                       "bias": "bias b", "embeddings": "embeddings"}.get(name, name)
            if name == "bias" and arr.shape[0] == 2:
                meaning = "bias  (row 0: input b, row 1: recurrent b')"
            if name == "peephole":  # an ONNX LSTM's P, one row per gate
                meaning = "peephole P  (rows: i, f, o; × c)"
            title = f"<b>{markup(meaning)}</b>"
            # (a weight it has no words for is its name: said once, "alpha (6, 4)", not twice)
            said = f"{markup(name)} " if meaning != name else ""
            slot.titles = (f"{title}   {said}{fmt_shape(w.shape)}", title)
            if grid is not None:
                slot.titles = ((f"<b>{markup(grid.titles[0])}</b>   {markup(name)} {fmt_shape(w.shape)}",)
                               + tuple(f"<b>{markup(form)}</b>" for form in grid.titles))
            elif name == "bias" and arr.shape[0] == 2:  # (short, its rows still named: b, b')
                slot.titles += ("<b>bias  (rows: b, b')</b>", "<b>b, b'</b>")
            else:
                if "  (" in meaning:  # ("recurrent kernel U", without what it maps)
                    slot.titles += (f"<b>{markup(meaning.split('  (')[0])}</b>",)
                letter = {"kernel": "W", "recurrent_kernel": "U", "bias": "b", "peephole": "P"}.get(name)
                if letter:  # (the symbol alone: the hover names the weight)
                    slot.titles += (f"<b>{letter}</b>",)
            slot.fit_title()
            slot.left_forms = LEFT_LABELS.get(name, ()) if grid is None else grid.rows
            if before and name == "kernel":
                slot.left_forms = (f"from {before} unit", f"{before} unit", "unit")
            slot.plot.setLabel("left", slot.left_forms[0] if slot.left_forms else "", color=t.foreground,
                               **{"font-size": f"{t.pt(0.85)}pt"})
            slot.fit_left()
            gates = shown.gates if rnn and self.k > 1 and name != "peephole" else ()
            letter = {"kernel": "W", "recurrent_kernel": "U", "bias": "b"}.get(name)
            if grid is not None:  # (a kernel's taps: a block of filters each)
                blocks, u = grid.blocks, grid.block_columns
                hues = [t.foreground] * len(blocks)
            else:
                blocks = [(f"{name}_{g}",) + ((f"{letter}_{g}",) if letter else ()) + (g,) for g in gates]
                u = self.units
                hues = [t.hue(th.GATE_LETTER_KEY[g]) for g in gates]
            slot.ensure_blocks(len(blocks))
            for g, line in enumerate(slot.separators):
                line.setVisible(g + 1 < len(blocks))
                if g + 1 < len(blocks):
                    line.setPos((g + 1) * u - 0.5)
            slot.block_columns = u
            for g, lab in enumerate(slot.labels):
                if g < len(blocks):
                    forms = blocks[g]
                    slot.label_forms[g] = forms
                    lab.setText(forms[0])
                    lab.setColor(hues[g])
                    lab.setPos(g * u + (u - 1) / 2, -0.5)
                    lab.setVisible(True)
                else:
                    slot.label_forms[g] = ()
                    lab.setVisible(False)
            slot.fit_labels()
            self.images[name] = slot.image
            heights.append(rows)
        self._align_left_axes()
        # give each matrix room by its number of rows (bias stays thin): beside a taller
        # matrix a thin one takes the height its gate labels need over it first, then the
        # taller one the rest; at its least the gates are named in its columns' axis
        roomy = max(115, int(QtGui.QFontMetrics(t.font(1.0)).height() * 5.5))
        tall = any(rows > THIN_ROWS for rows in heights)
        for m, slot in enumerate(self.matrices):
            if slot.name is not None:
                thin = heights[m] <= THIN_ROWS
                self._lay.setStretch(self._lay.indexOf(slot.widget), THIN_FIRST if thin and tall else 1 if thin else 4)
                slot.widget.setMinimumHeight(slot.thin_least() if thin else MATRIX_MIN)
                slot.widget.setMaximumHeight(roomy if thin and tall else UNCAPPED)
        side = f" {side} half" if isinstance(layer, Bidirectional) else ""
        formula = layer.param_formula() or f"{layer.count_params():,}"
        kind = markup(layer.class_name)
        if isinstance(layer, StackedRNN):  # (the cell's formula, and the layer's count)
            side = f" {cell_name(f'cell_{layer.cells.index(shown)}')}"
            kind = f"{markup(shown.cell.cell_class)} in {kind}"
            formula = f"{shown.param_formula()}</b> of the layer's <b>{layer.count_params():,}"
        # how an opened file's arrays became these (a PyTorch state_dict's: transposed, gate
        # order, biases summed or stacked), while the layer holds them (``Model.source``)
        notes = (self.model.source.get("layer_notes") or {}) if self.model is not None else {}
        note = notes.get(layer.name) if isinstance(notes, dict) else None
        self.layout_note = note if isinstance(note, str) else None
        text = f'<b>{markup(layer.name)}</b>{side} ({kind}) · params = <b>{formula}</b>'
        # where the lines left cut it: the formula without the layer's name (the layer box
        # above names it), so the count it comes to still shows (at 800 x 600 presenting,
        # "lstm (LSTM) · params = 4·(d·u + u·u + u) = 4·(1·8 + 8·8 + 8) =…" hid the 320)
        short = f"params = <b>{formula}</b>"
        if self.layout_note is not None:
            # named after the formula (its source, "PyTorch nn.GRU"), the whole of it in the
            # tooltip: on a line of its own it took the matrices' room at 800 x 600
            text += f" · <i>{markup(note_head(self.layout_note))}</i>" + hint("(hover)", " ")
        self.formula.setText(text, short=short)
        self.formula.label.setToolTip(f"{text}<br>{text_tip(self.layout_note)}" if self.layout_note else "")
        self._fit_formula()
        self.hover_label.setText(hint("hover a weight to read it", ""))

    def _align_left_axes(self) -> None:
        """The matrices' left axes one width, the widest any needs (its tick labels and its
        title), so that column j of W, U and b stand one above the other: the bias, with no
        axis title, began ~20 px further left, its gate blocks out of line with the kernels'."""
        slots = [s for s in self.matrices if s.name is not None and s.array is not None]
        if not slots:
            return
        need = 0.0
        for slot in slots:
            assert slot.array is not None  # (slots: those with an array)
            axis = slot.plot.getAxis("left")
            st = axis.style
            metrics = QtGui.QFontMetricsF(st["tickFont"] or axis.font())  # (_Matrix.style's)
            text = max(metrics.horizontalAdvance(label) for _, label in _int_ticks(slot.array.shape[0]))
            width = text + st["tickTextOffset"][0] + max(0, st["tickLength"]) + 2  # (as pyqtgraph's)
            width += label_share(axis)
            need = max(need, width)
        for slot in slots:
            axis = slot.plot.getAxis("left")
            if axis.fixedWidth != math.ceil(need):
                axis.setWidth(math.ceil(need))

    # -- hover and clicks ----------------------------------------------------------------
    def hover_text(self, name: str, column: int, row: int) -> str:
        """What hovering weight ``name[row, column]`` shows: position, gate, unit, value."""
        slot = next((m for m in self.matrices if m.name == name), None)
        if (slot is None or slot.array is None
                or not (0 <= row < slot.array.shape[0] and 0 <= column < slot.array.shape[1])):
            return ""
        v = slot.array[row, column]
        shown = self.shown
        if slot.grid is not None:  # (a conv's kernel, a norm's vector: the weight's own index)
            where = slot.grid.where(row, column)
            idx = ", ".join(str(i) for i in slot.grid.index(row, column))
        elif name == "peephole" and isinstance(shown, Recurrent):
            key = th.GATE_LETTER_KEY["ifo"[row]]
            where = f"gate {th.SYMBOLS[key]} ({th.MEANINGS[key]}), unit {column}"
        elif isinstance(shown, Recurrent) and self.k > 1:
            g, unit = divmod(column, self.units)
            key = th.GATE_LETTER_KEY[shown.gates[g]]
            where = f"gate {th.SYMBOLS[key]} ({th.MEANINGS[key]}), unit {unit}"
            if name == "bias" and slot.array.shape[0] == 2:  # (the row's bias: input b, recurrent b')
                where = ("input bias b_" if row == 0 else "recurrent bias b'_") + f"{shown.gates[g]} · {where}"
        elif isinstance(shown, Recurrent):
            where = f"unit {column}"
            if name == "bias" and slot.array.shape[0] == 2:
                where = ("input bias b" if row == 0 else "recurrent bias b'") + f" · {where}"
        else:
            where = f"output {column}"
        if name == "kernel" and self.before:  # (a stack's later cell: its rows, the cell before's units)
            where = f"from {self.before} unit {row} · {where}"
        if slot.grid is None:
            idx = f"{column}" if slot.ndim == 1 else f"{row}, {column}"  # (a vector drawn as one row)
        value = fmt(v, 4)
        if math.isnan(v):
            value += " (no number: the magenta key)"
        elif math.isinf(v):
            value += " (past the colour bar: its end colour)"
        return f"{name}[{idx}] · {where} · value {value}"

    def hover(self, name, column, row) -> None:
        if name is None or column is None:
            return
        text = self.hover_text(name, column, row)
        if text:
            self.hover_label.setText(text)
            self.setToolTip(text_tip(text))

    def click_weight(self, name, column, row) -> None:
        """Clicking a weight of a recurrent layer selects its unit (not a stacked cell's:
        its units are not the layer's)."""
        if (isinstance(self.shown, Recurrent) and not isinstance(self.layer, StackedRNN)
                and self.units and column is not None and column >= 0):
            self.unit_requested.emit(int(column % self.units))
