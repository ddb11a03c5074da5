"""The stack unrolled over time: a column per timestep, a cell per layer per step.

Columns are INPUT time (x_0 on the left). A model with several time axes (a seq2seq
encoder and decoder, a RepeatVector) gets one block of columns per axis, side by side,
and a row sits one level above the rows feeding it (so an encoder and its decoder share
a level); arrows follow the model's graph (a connection that would cross another row runs in a
lane left of the cells), and final states handed to another layer as its initial
states are elbow arrows between the blocks. Each recurrent cell is coloured by its
layer's h for the selected unit (the same unit index, clamped, in the other layers);
arrows show the states carried to the next processed step (right-to-left for
go_backwards and a Bidirectional's backward row), which outputs go up to the next
layer (only the last processed step's when return_sequences=False) and the state from
the previous batch of a stateful layer. Everything is built in ``set_data``;
``set_cursor`` only moves two rectangles and recolours the rows when the sample or unit
changed (one small RGBA image per row). Where the rows go is computed without Qt, in
``app/unrolled.py``; this module draws it.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app import accessible, scale
from lstmviz.app.cell_ref import (
    across_said,
    fed_by,
    layer_below,
    mixed_said,
    moved_output_said,
    moved_said,
    reversed_steps,
    steps_below,
    token_words,
)
from lstmviz.app.counts import count, tick_labels
from lstmviz.app.output_ref import OUTPUT_KEY, window_axis
from lstmviz.app.selection import Cursor
from lstmviz.app.step_ref import so_far
from lstmviz.app.unrolled import (  # noqa: F401
    ROW_GAP,
    ROW_H,
    Row,
    RowHeights,
    block_titles,
    colour_levels,
    layout,
    step_ticks,
    strip_values,
    thin_every,
    thin_links,
    tokens_around,
)
from lstmviz.engine import Model, Trace
from lstmviz.engine.layers import IDENTITY_CLASSES
from lstmviz.engine.trace import held_whole, steps_first, whole_steps
from lstmviz.text import markup, safe_name
from lstmviz.ui import theme as th
from lstmviz.ui.density import PathItem
from lstmviz.ui.labels import text_tip
from lstmviz.ui.plot_tools import (
    ColorBar,
    NanKey,
    add_plot,
    bar_foreground,
    label_room,
    labels_measured,
    measure_labels,
    set_ticks,
    steady_axes,
)
from lstmviz.ui.views._common import (
    UNCAPPED,
    QuietLabel,
    clamp,
    cosmetic_pen,
    count_axis,
    ground,
    hint,
    hints_shown,
    holds_nan,
    rect_item,
    widest_header,
)
from lstmviz.ui.views.base import TraceView
from lstmviz.ui.views.overview_strip import HEIGHT as STRIP_HEIGHT
from lstmviz.ui.views.overview_strip import OverviewStrip

SUB = 10         # image sub-pixels per column (cell + gap) when gaps are drawn
#: a row's cell at least this share of its name's height (``_fit_legend``)
ROW_LEAST = 0.75
#: the most of the view's height the legend takes: past it (or past what the rows leave
#: it) its entries of least rank give way, the whole legend in its tooltip (``_fit_legend``;
#: a seq2seq at 800 x 600 presenting beside the side panel: eleven lines, the rows 150 px)
LEGEND_SHARE = 0.25
#: between the legend's entries
LEGEND_SEP = "  ·  "
#: an arrow head at most this share of a step's width on screen, none under HEAD_LEAST px
#: (``_fit_heads``)
HEAD_SHARE = 0.6
HEAD_LEAST = 5.0
#: a connection into another block whose first column lies more than this many columns
#: past its source's column goes to that block's first and last columns only: lines that
#: long run side by side, one black wedge (k3_around_rnn: from the LSTM's 6 steps into the
#: blocks of a Cropping1D, a ZeroPadding1D and an UpSampling1D beside it, 10 to 45 columns on)
FAN_REACH = 8
#: how far right of its block (in columns) a line into a block on a higher level leaves
#: the source's block, in the gap over the source's row (``_build_static``)
EXIT_OUT = 0.3
#: a cell's outline only where its box is at least this many pixels wide (``_fit_outlines``):
#: narrower, the 1.2 px outlines on both its sides fill most of it, in the grey a masked
#: step is filled with (a row of 90 token ids read as a masked row)
OUTLINE_LEAST = 9.0
#: the view's room over its top row (row units): its block names and notes
TOP_ROOM = 0.55
#: the selected row's dashed box: this far (row units) above and below its cells
BOX_ABOVE = 0.1
#: a row's texts on its top edge (a stateful row's note "zero state (first batch)", a block's
#: name, "initial state") stand ``EDGE_CLEAR`` pixels over that box's edge (and the cursor's
#: column's, 0.08 above the cells): the edge struck through a seq2seq's "lstm_1" and
#: "initial state" (``UnrolledView._edge_rise``); ``NOTE_RISE`` until the view is sized
EDGE_CLEAR = 4.0
#: pixels round an edge text's letters where the room up to the row above is short
TIGHT_MARGIN = 1.0
NOTE_RISE = 0.12
#: pixels round the letters of a backward row's note beside its block's name
#: (``UnrolledView._fit_tail_note``)
TAIL_MARGIN = 2.0


def map_bytes(cmap: pg.ColorMap, x: np.ndarray) -> np.ndarray:
    """``cmap.map(x, mode="byte")`` for a 1-d float64 ``x``, the very same bytes, several
    times faster: pyqtgraph interpolates each of the 4 channels with its own ``np.interp``
    (a binary search over the map's 256 stops per value and channel: 3.7 ms for a
    64-feature input row of 256 steps). Here each value's stop is found once (from its
    position on evenly spaced stops, checked against the stops) and NumPy's interpolation
    is repeated as it computes it: the slope of the stop's interval in float64, times the
    distance from the stop, plus the stop's colour; from the last stop on, its colour."""
    pos, color = cmap.getStops(cmap.BYTE)
    pos = np.asarray(pos, np.float64)
    n = len(pos)
    if (cmap.mapping_mode != cmap.CLIP or n < 2 or x.ndim != 1 or not np.all(np.isfinite(x))
            or not (x.min(initial=pos[0]) >= pos[0])):
        return cmap.map(x, mode="byte")
    fp = np.asarray(color, np.float64)
    # pos[j] <= x < pos[j + 1] (j = n - 1 past the last stop), as np.interp's search finds it
    j = np.clip(((x - pos[0]) * ((n - 1) / (pos[-1] - pos[0]))).astype(np.intp), 0, n - 1)
    j -= np.take(pos, j) > x
    j += (j < n - 1) & (np.take(pos, np.minimum(j + 1, n - 1)) <= x)
    found = ((j >= 0) & (np.take(pos, np.maximum(j, 0)) <= x)
             & ((j == n - 1) | (np.take(pos, np.minimum(j + 1, n - 1)) > x)))
    if not found.all():
        j = np.searchsorted(pos, x, side="right") - 1  # stops far from evenly spaced
    jj = np.minimum(j, n - 2)
    slopes = (fp[1:] - fp[:-1]) / (pos[1:] - pos[:-1])[:, None]
    out = np.take(slopes, jj, axis=0) * (x - np.take(pos, jj))[:, None] + np.take(fp, jj, axis=0)
    out[j == n - 1] = fp[-1]  # on the last stop or past it (elsewhere on a stop: x - pos = 0)
    return out.astype(color.dtype)


def _value_range(data: np.ndarray) -> tuple[float, float] | None:
    """The least and largest finite number of ``data`` (None: none is finite)."""
    finite = data[np.isfinite(data)]
    return (float(finite.min()), float(finite.max())) if finite.size else None


def _state_in(row: Row) -> bool:
    """Whether a state comes into ``row``'s first processed cell from outside the trace: a
    stateful layer's (zeros, or the previous batch's) or one the model gives as an input
    (``Row.state_inputs``); drawn as an arrow with its note. (Not into a long input's
    window that starts later: the steps before it hand it on.)"""
    return row.kind == "rnn" and row.ref is not None and int(row.ref.rec.start) == 0 and bool(
        row.ref.layer.config.get("stateful") or row.state_inputs)


def _states_enter(row: Row) -> bool:
    """Whether ``row``'s window starts at its first processed step where states the model
    gives it come in (an input's, another layer's, a stateful layer's): only there an arrow
    and its note say where they come from (a later window's steps before it hand them on),
    so a window there draws other arrows than the windows after it."""
    return row.kind == "rnn" and row.ref is not None and int(row.ref.rec.start) == 0 and bool(
        row.state_inputs or row.states_from or row.ref.layer.config.get("stateful"))


def _fresh(row: Row) -> bool:
    """Whether ``row``'s layer starts from zeros (a stateful layer's first batch), not
    from the state a previous batch left."""
    init = (row.ref.rec.initial_state or {}).get("h") if row.ref is not None else None
    return init is None or not np.any(init)


def _drawn_from(row: Row) -> tuple:
    """What of ``row``'s cell and trace its static items are drawn from besides its place
    and names (``UnrolledView._signature`` without numbers): its states (an LSTM's c
    arrows), its ends' columns, where its states come from and what its note says."""
    ref = row.ref
    cell = (tuple(ref.cell.states), ref.input_index(0), ref.input_index(row.T - 1)) if ref is not None else ()
    return (row.mixed, tuple(row.state_inputs or ()), cell, _state_in(row), _fresh(row))


KEPT_LAYOUTS = 4  # static sets kept for a long input's windows (the chunk, the window, ends)



#: a level's joined names at most this long are written whole even where they are cut short
BRIEF_CHARS = 24
#: the cells' least pixels a step, for up to ``STEPS_HELD`` steps (a longer input's cells
#: may be narrower): the view's least width holds them (``minimumSizeHint``). The header's
#: words before the layer and unit boxes held it so at the window's least size, until they
#: gave way so that a 760 x 540 window fits in the projector theme
STEP_LEAST, STEPS_HELD = 2, 60


def _brief(rows: list[Row], whole: str) -> str:
    """A level's name where its rows' names do not fit (``_fit_row_ticks``): the whole
    where short, else what its rows share (the halves of Bidirectional layers: "▶ fwd",
    "◀ bwd"), else the first row's name and how many more rows share its level: "encoder_input
    (+1 more)" ("+1" alone read as a number; the legend says what they are)."""
    if len(rows) == 1 or len(whole) <= BRIEF_CHARS:
        return whole
    sides = {r.side for r in rows}
    if sides == {"forward"}:
        return "▶ fwd"
    if sides == {"backward"}:
        return "◀ bwd"
    return more(rows[0].label, len(rows) - 1)


#: the most of the view's width (names and cells) the rows' names take: a name longer
#: than that and than ``BRIEF_CHARS`` is elided at its end (``_elided``)
NAME_SHARE = 0.35
#: the fewest letters an elided name keeps
ELIDED_LEAST = 12
#: the fewest letters a block's name over it keeps, cut; else it is not written
#: (``_fit_block_names``)
NAME_LEAST = 3
#: a level's name cut to its first row's: "(+1 more)" (``more``)
_MORE = re.compile(r"\s+\(\+\d+ more\)$")
#: a row's unit after its name: "  [3]"
_UNIT = re.compile(r"\s+\[\d+\]$")


def _elided(metrics: QtGui.QFontMetricsF, text: str, width: float) -> str:
    """``text`` in ``width`` pixels: a text that fits as it is; else its name elided at its
    end, its unit ("[3]") kept whole, a "(+1 more)" left out, which would leave the name
    itself a few letters ("lstm_stat… (+1 more)"; a level's other rows are named over their
    blocks where there is room, every row whole in the names' tooltip):
    "lstm_state_return_0…"."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    text = _MORE.sub("", text)
    unit = _UNIT.search(text)
    tail = unit.group(0) if unit is not None else ""
    name = text[:len(text) - len(tail)]
    if metrics.horizontalAdvance(text) <= width:
        return text
    room = max(width - metrics.horizontalAdvance(tail), metrics.horizontalAdvance(name[:ELIDED_LEAST] + "\u2026"))
    return metrics.elidedText(name, QtCore.Qt.TextElideMode.ElideRight, room) + tail


def _line(xs: list[float], ys: list[float], start: tuple[float, float], end: tuple[float, float],
          bend: tuple[float, float] | None) -> None:
    """A connection from ``start`` to ``end`` added to the pairs ``xs``, ``ys`` (a line
    item's ``connect="pairs"``): straight, or in two segments through ``bend``."""
    if bend is None:
        xs.extend((start[0], end[0]))
        ys.extend((start[1], end[1]))
    else:
        xs.extend((start[0], bend[0], bend[0], end[0]))
        ys.extend((start[1], bend[1], bend[1], end[1]))


def _own_scale(row: Row, full: str = "") -> str:
    """How a row on its own levels is coloured, in words: "its own scale, ±0.65" (and
    ``full``, " at full colour"), or, a row whose numbers are all >= 0 (``Row.from_zero``),
    "its own scale, 0 to 0.65 in the gates' colours" (the sequential map, as Over time
    colours it; it read "from 0, 0 to 0.65", a number twice)."""
    if row.from_zero:
        return f"its own scale, 0 to {row.levels[1]:.2g} in the gates' colours"
    return f"its own scale, ±{row.levels[1]:.2g}{full}"


def _joined(parts: list[tuple[int, str]], keep: list[int]) -> str:
    """The legend's entries ``keep`` (indexes into ``parts``), in their order."""
    return LEGEND_SEP.join(parts[k][1] for k in keep if parts[k][0] < 2) + "".join(
        parts[k][1] for k in keep if parts[k][0] == 2)


def more(first: str, n: int) -> str:
    """A level's name cut to its first row's and how many more rows share the level."""
    return f"{first} (+{n} more)"


class _Static:
    """One layout's static items: an image per row (``images``, ``rects``), the state and
    output arrows, the cell outlines, the texts; children of one group on ``plot``, shown or
    hidden together."""

    def __init__(self, plot: pg.PlotItem):
        self.group = pg.ItemGroup()
        plot.addItem(self.group)
        # notes over the cursor's boxes (z 20, 21), which would cross their words
        self.over = pg.ItemGroup()
        self.over.setZValue(22)
        plot.addItem(self.over)
        self.h_lines = pg.PlotCurveItem(connect="pairs")
        self.c_lines = pg.PlotCurveItem(connect="pairs")
        self.up_lines = pg.PlotCurveItem(connect="pairs")
        self.heads = pg.ScatterPlotItem(pxMode=True)
        self.outlines = PathItem()  # (its pen as wide at every density)
        for it in (self.outlines, self.h_lines, self.c_lines, self.up_lines, self.heads):
            self.add(it)
        self.outlines.setZValue(2)
        self.heads.setZValue(6)
        self.texts: list[pg.TextItem] = []
        self.images: dict[str, pg.ImageItem] = {}
        self.rects: dict[str, QtCore.QRectF] = {}
        self.id_texts: dict[str, list] = {}
        self.gap_texts: list = []  # ('every step goes up' item, its block's x from, to, its gap's lower edge)
        #: (a name or note on a row's top edge, its x, anchor x, the edge's y): the blocks'
        #: names, 'initial state', a row's note of the state it starts from (over the
        #: cursor's boxes)
        self.edge_texts: list = []
        self.room: dict[int, float] = {}  # an edge text's room up to the row above (row units)
        self.state_texts: list = []  # ('initial state' item, its arrow's x, its edge's y)
        self.lane_left = 0.0
        #: its blocks' names (``UnrolledView.block_names``, shown while this set is)
        self.block_names: list = []
        #: a full trace's set: its ``_signature`` without numbers (``_use_static``)
        self.same: tuple | None = None
        self.legend = ""
        #: the legend's entries: (rank, html), rank 0 the colours and arrows, 1 what a
        #: glance at the rows also tells, 2 the mouse's hint (``_legend_short``)
        self.legend_parts: list[tuple[int, str]] = []
        #: the rows with an arrow of their own into their first processed cell (``_state_in``,
        #: or another row's final state that no elbow brings: ``_state_links``)
        self.arrows_in: set[str] = set()
        #: rows over windows of steps whose connections are thinned: every k-th step's
        #: drawn (k), or the first and last step's only (0)
        self.thinned: dict[str, int] = {}

    def add(self, item) -> None:
        self.group.addItem(item)

    def set_visible(self, on: bool) -> None:
        self.group.setVisible(on)
        self.over.setVisible(on)

    def remove(self, plot: pg.PlotItem) -> None:
        plot.removeItem(self.group)
        plot.removeItem(self.over)
        self.texts, self.images, self.rects, self.id_texts = [], {}, {}, {}
        self.gap_texts, self.edge_texts, self.state_texts = [], [], []
        self.room = {}


#: pixels of a strip's height its step axis takes (the rest is its rows)
STRIP_AXIS_PX = 24
#: the most of the view's height a long input's strip takes to name each of its rows
#: (``STRIP_HEIGHT`` at least: below that, its rows share it and every k-th is named)
STRIP_SHARE = 0.15


class UnrolledView(TraceView):
    title = "Unrolled"

    def __init__(self, parent=None, theme: th.Theme | str | None = None):
        super().__init__(parent, theme)
        self.rows: list[Row] = []
        self._inputs = None
        #: what each token id stands for (``AppState.token_labels``), or None: ids as numbers
        self._labels: tuple[str, ...] | None = None
        self.T = 0
        self.gap = 0.0  # (a step's share between two cells: set_data's)
        #: the rows coloured on their own levels, not the colour bar's: their values' least
        #: and largest (None: no finite one), which the names' tooltip says
        self.own_scales: dict[str, tuple[float, float] | None] = {}
        self.sub = 1
        self.current_column = 0
        self.current_domain = 0  # (the block of columns of the selected row)
        self._color_key: tuple | None = None
        #: a long input's overviews ((layer, key) -> ``app.scale.Overview``), or None
        self.overviews: dict | None = None
        self._overview_stale = False
        self.strip_keys: list = []
        self.strip_backwards: tuple = ()
        self.strip_rows: list[Row] = []  # (the rows below whose h the strip draws, as strip_keys)
        self.strip_levels: tuple = (-1.0, 1.0)  # (the recurrent rows' shared scale: ``colour_levels``)
        self._bar_zero = False  # the colour bar on the gates' map (``_fit_colorbar``)

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        self.header = QuietLabel(hints_give_way=True)  # its text changes at every step: no layout pass for that
        lay.addWidget(self.header)
        self.glw = pg.GraphicsLayoutWidget()
        lay.addWidget(self.glw, 1)
        # a long input: every recurrent row over the whole sequence, above the exact window
        self.strip = OverviewStrip(self.glw.ci, 0, on_click=self.click_overview, label=None)
        self.plot: pg.PlotItem = add_plot(self.glw, row=1, col=0, axisItems=steady_axes("left", "bottom"))
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.vb: pg.ViewBox = self.plot.getViewBox()
        self.colorbar = ColorBar(values=(-1, 1), colorMap=th.diverging_cmap(self.theme),
                                        interactive=False, width=18, orientation="vertical")
        self.glw.addItem(self.colorbar, row=1, col=1)
        self.nan_key = NanKey(self.colorbar)  # under the bar while a cell shown is NaN
        self.legend = QuietLabel()
        lay.addWidget(self.legend)

        # Static items (arrows, outlines, texts, an image per row), built in set_data: one
        # set per layout; a long input's windows reuse theirs (``_Static``).
        self._statics: dict = {}  # layout signature -> _Static (long windows), newest last
        self.static = _Static(self.plot)
        self.lane_left = 0.0
        self._ranges: tuple = ()
        self._strip_key: tuple = ()
        self._align_key: tuple = ()
        self._ticks: list = []
        self._step_ticks: tuple | None = None  # (the step axis's labels, as last fitted: ``_fit_step_ticks``)
        self._step_ticks_for: tuple | None = None  # (what they were fitted for: ``_fit_step_ticks``)
        self._legend_short_shown = ""  # the legend where it gives way (``_legend_short``), or ""
        self._legend_fits: dict[tuple, tuple[str, int]] = {}  # (width, font, text, room, hints) -> it, its height
        self._more_said = ""  # "(+1 more)" of a level's name cut to its first row's (``_set_more_said``)
        self._names_least = 0.0  # the rows' names' least width: without "(+1 more)" (``_fit_row_ticks``)
        self._cells_least = 0  # the view's least width that leaves the cells theirs (``_fit_least``)
        # Cursor items: the current column, the selected row, the selected cell.
        self.column_box = rect_item(self.vb, cosmetic_pen(self.theme.highlight, 3), z=20)
        self.row_box = rect_item(self.vb, cosmetic_pen(self.theme.muted, 1.5, QtCore.Qt.PenStyle.DashLine), z=19)
        self.cell_box = rect_item(self.vb, cosmetic_pen(self.theme.highlight, 5), z=21)
        # the selected cell's own connections, of a layer over windows of steps: the steps it reads
        self.read_lines = pg.PlotCurveItem(connect="pairs")
        self.read_lines.setZValue(20)
        self.vb.addItem(self.read_lines, ignoreBounds=True)
        # an input row of ids too long to write one in each column (a long text's window):
        # its tokens around the cursor, written over the row there (it was a grey band)
        # and an output row's most likely tokens (a softmax over the same ids) the same way
        self.loupe = self._loupe_item()  # the input row's
        self.next_loupe = self._loupe_item()  # the output row's
        self._per = 0.0  # pixels a step, as last fitted
        self._per_y = 0.0  # pixels a row unit, as last fitted
        self.vb.scene().sigMouseClicked.connect(self._scene_clicked)
        # the axes laid out before a paint, not during it (two more paints then)
        self.axes = (self.plot.getAxis("left"), self.plot.getAxis("bottom"), self.colorbar.axis)
        labels_measured(*self.axes)
        self.plot.getAxis("left").geometryChanged.connect(self._fit_row_ticks)
        #: (text item, whole name, room in steps, a backward row's note at its arrow's tail
        #: beside it: ``_fit_tail_note``)
        self.block_names: list = []
        self._no_room: set[int] = set()  # edge texts hidden for lack of room beside each other
        self.vb.sigResized.connect(self._fit_texts)
        self.vb.sigResized.connect(self._fit_row_ticks)
        #: each block of columns' step axis title ((whole, shorter, ...) by block,
        #: ``block_titles``), and the text items that write them under their blocks where
        #: the blocks' steps are not all the input's (the axis's own title then unseen,
        #: keeping its height)
        self.block_titles: list[tuple[str, ...]] = []
        self.title_items: list[QtWidgets.QGraphicsTextItem] = []
        self.titles_apart = False  # (each block titled: the items' texts, where they fit)
        self.plot.getAxis("bottom").geometryChanged.connect(self._place_block_titles)
        # (once a range set, however many of its axes changed: a new x and y range, set in
        # one call, fitted the texts twice, the second time to the same ranges)
        self.vb.sigRangeChanged.connect(self._fit_texts)
        self.focus = False
        self.apply_theme(self.theme)
        self._show_empty()

    # the active set's items, as the rest of the view and the tests read them
    h_lines = property(lambda self: self.static.h_lines)
    c_lines = property(lambda self: self.static.c_lines)
    up_lines = property(lambda self: self.static.up_lines)
    heads = property(lambda self: self.static.heads)
    outlines = property(lambda self: self.static.outlines)
    texts = property(lambda self: self.static.texts)
    images = property(lambda self: self.static.images)

    # -- theme ----------------------------------------------------------------------------
    def apply_theme(self, theme: th.Theme) -> None:
        self.theme = t = theme
        self._drop_statics()
        self.static.same = None  # (drawn anew in this theme: an id may come again)
        self._ranges = self._strip_key = self._align_key = ()
        self._ticks = []
        self.glw.setBackground(t.background)
        th.style_plot(self.plot, t, bottom="input step  t", bottom_short="t")
        for item in getattr(self, "title_items", []):  # (made again in the theme's font)
            item.setParentItem(None)
            if item.scene() is not None:
                item.scene().removeItem(item)
        self.title_items = []
        self.block_titles = []
        self.titles_apart = False
        self.plot.getAxis("left").setStyle(tickFont=t.font(1.0, bold=True))
        self.header.setFont(t.font(1.15))
        self.legend.setFont(t.font(0.95))
        self.colorbar.setColorMap(th.diverging_cmap(t))
        self._bar_zero = False  # (the bar's map: the gates' where the selected row is >= 0)
        self.colorbar.axis.setStyle(tickFont=t.font(0.85))
        bar_foreground(self.colorbar, t.foreground)
        self.nan_key.style(t.font(0.85), t.nan, t.foreground)
        self.column_box.setPen(cosmetic_pen(t.highlight, 3))
        self.cell_box.setPen(cosmetic_pen(t.highlight, 5))
        self.row_box.setPen(cosmetic_pen(t.muted, 1.5, QtCore.Qt.PenStyle.DashLine))
        self.read_lines.setPen(cosmetic_pen(t.highlight, 3))
        font = t.font(0.95)
        font.setStyleHint(QtGui.QFont.StyleHint.Monospace)
        font.setFamily("monospace")
        back = pg.mkColor(t.background)
        back.setAlpha(235)
        for item in (self.loupe, self.next_loupe):
            item.setFont(font)
            item.fill = pg.mkBrush(back)
            item.border = cosmetic_pen(t.highlight, 1)
        self.strip.style(t)
        if self.model is not None:
            self.set_data(self.model, self.trace)
            self.set_cursor(self.cursor)

    def _show_empty(self):
        self.header.setText("Load or build a model to see it unrolled over time.")
        self.legend.setText("")

    # -- data -----------------------------------------------------------------------------
    def set_token_labels(self, labels: tuple[str, ...] | None) -> None:
        """What each token id of the input stands for (typed text: its characters), for the
        next ``set_data``: the input row writes them instead of the ids, and a row of
        probabilities over the same tokens its most likely one."""
        self._labels = tuple(labels) if labels is not None else None

    def set_data(self, model: Model, trace: Trace, inputs=None) -> None:
        self.model, self.trace = model, trace
        self._inputs = inputs
        self._overview_stale = False
        self._color_key = None
        lay = layout(model, trace, inputs, self._labels)
        self.rows, self.domains, self.offsets = lay.rows, lay.domains, lay.offsets
        T = self.T = lay.T
        longest = max(self.domains)
        self.gap = lay.cell_gap
        self.sub = SUB if self.gap else 1
        # a long input's window: the static items of a window of this layout, if drawn before
        # (the exact chunk after a seek and the whole window take turns: two layouts)
        sig = self._signature(lay) if getattr(trace, "total_steps", None) else None
        # a full trace: the set shown kept where the new one would be drawn the same (an
        # edit of a layer's units or activation: its arrows, outlines, texts and rectangles
        # are made of the rows' places and names, not of their numbers)
        same = None if sig is not None else (id(self.theme),) + self._signature(lay, numbers=False)
        reused = self._use_static(sig, same)
        y = lay.top
        for row in self.rows:
            if row.kind == "input" and row.data is not None:
                # a long input's window: the whole input's levels (its colours stay from
                # window to window, as the recurrent rows' do)
                name = model.inputs[0].layer if row.key == "input" else row.key.split(":", 1)[1]
                ov = scale.input_overview(self.overviews, name)
                row.levels = ov.levels(False) if ov is not None else th.symmetric_levels(row.data)
        # a long input: the recurrent rows over the whole sequence (strip), and the rows of
        # the other layers over its steps whose outputs it has overviews of (a TimeDistributed
        # head, a same Conv1D: ``scale.overviews``' OUTPUT_KEY), on levels that also cover the
        # whole sequence, so that the window and the strip agree
        strip_rows = [r for r in sorted(self.rows, key=lambda r: -r.y) if r.kind != "input" and (
            r.ref is not None or (r.kind == "seq" and (r.layer, OUTPUT_KEY) in (self.overviews or {})))]
        self.strip_keys = [(r.ref.name, f"{r.ref.side}/h" if r.ref.side else "h") if r.ref is not None
                           else (r.layer, OUTPUT_KEY) for r in strip_rows]
        # (input steps, as the rows below: a backward row's overview turned around)
        self.strip_backwards = tuple(r.backwards for r in strip_rows)
        whole = None
        if self.overviews and all(k in self.overviews for k in self.strip_keys) and self.strip_keys:
            whole = {r.key: self.overviews[k].levels(False)[1] for r, k in zip(strip_rows, self.strip_keys)}
        else:
            self.strip_keys = []
            strip_rows = []
        self.strip_rows = strip_rows
        # the recurrent rows share one scale (the colour bar's); a row without a cell, or a
        # recurrent layer too small to be seen on it, has its own (``colour_levels``)
        rnn_levels = colour_levels(self.rows, whole)
        self.strip.set_visible(bool(self.strip_keys))
        self.strip_levels = rnn_levels
        self.own_scales = {}
        for row in self.rows:
            if row.data is not None and row.ids is None and (row.kind == "input" or row.own_scale):
                self.own_scales[row.key] = _value_range(row.data)
            if reused:
                row.image = self.images[row.key]
                row.rect = self.static.rects[row.key]
                if row.key in self.static.id_texts:
                    row.id_texts = self.static.id_texts[row.key]
                continue
            img = pg.ImageItem(axisOrder="row-major")
            img.setZValue(1)
            self.static.add(img)
            if row.kind == "last":
                row.rect = QtCore.QRectF(row.offset - 0.5 + self.gap / 2, row.y - ROW_H / 2, row.T - self.gap, ROW_H)
            else:
                row.rect = QtCore.QRectF(row.offset - 0.5, row.y - ROW_H / 2, row.T, ROW_H)
            row.image = img
            self.images[row.key] = img
            self.static.rects[row.key] = row.rect
        self._fit_colorbar(self._row_of(self.cursor) if self.cursor is not None else None)
        if reused:
            self.lane_left = self.static.lane_left
            # (this set's names for _fit_block_names: it fitted those of the set drawn last,
            # and a kept set's names shown after a resize kept their old cuts)
            self.block_names = self.static.block_names
        else:
            self._build_static()
            self.static.same = same
            self.static.lane_left = self.lane_left
            self.static.block_names = self.block_names
            self.static.id_texts = {r.key: r.id_texts for r in self.rows if hasattr(r, "id_texts")}
            if sig is not None:
                self._statics[sig] = self.static
        # Axes: row names on the left, input steps below (per block of columns).
        self._row_ticks(self.cursor.unit if self.cursor is not None else 0)
        align = (tuple(self.strip_keys), tuple(r.label for r in self.rows), id(self.theme))
        if align != self._align_key:  # the same names again: the strip's axis stays
            self._align_key = align
            self._align_strip()
        # (room on the left for the arrow of a state carried in, or given as an input)
        # (and on the right, into a backward row's first cell; rows of the first and last
        # time axis: the others' arrows come from the gaps between the axes)
        ends = {(r.offset == 0 and not r.backwards, r.offset + r.T >= T and r.backwards)
                for r in self.rows if r.key in self.static.arrows_in}
        left = -0.5 - (max(1.4, longest * 0.08) if any(a for a, _ in ends) else 0.15)
        left = min(left, self.lane_left - 0.15)
        right = T - 0.5 + (max(1.4, longest * 0.08) if any(b for _, b in ends) else 0.15)
        ranges = ((left, right), (-ROW_H / 2 - 0.15, y - ROW_GAP - ROW_H / 2 + TOP_ROOM))
        if ranges != self._ranges:  # the same again would still update the view's transforms
            self._ranges = ranges
            self.vb.setRange(xRange=ranges[0], yRange=ranges[1], padding=0)
        self._fit_step_ticks()
        self._set_block_titles(block_titles(self.rows, self.domains))
        # a window's legend is made anew: the input's levels change once the whole
        # sequence has been read
        if not reused or getattr(trace, "total_steps", None) or same is not None:
            self.static.legend = self._legend_text()
        self.legend.setText(self.static.legend, self._legend_short_shown)  # (the same again: nothing done)
        measure_labels(*self.axes)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """The legend at most as tall as the rows leave it and at most ``LEGEND_SHARE`` of
        the view, its whole text in a tooltip where it gives way: where the view is short
        (a 1024 x 600 laptop beside the side panel, a long input's strip above the rows) the
        legend's five lines took the height the rows needed, and the rows' names ran into
        each other. The rows need a row's name's height a row (with the room between them),
        the step axis and the strip. What does not fit gives way entry by entry, those of
        least rank first (``_legend_short``), never cut in a phrase: at 800 x 600 presenting
        it read "cell colour = output of unit [n] at that…"; the legend keeps at least one
        line."""
        levels = len({row.y for row in self.rows})
        cap = head_cap = UNCAPPED
        short_text = ""
        if levels:
            name = QtGui.QFontMetrics(self.plot.getAxis("left").style["tickFont"] or self.font()).height()
            need = levels * name * (ROW_H + ROW_GAP) / ROW_H * ROW_LEAST + self.plot.getAxis("bottom").height()
            if self.strip.shown:
                need += self.strip.height + 4
            lay = self._outer()
            m = lay.contentsMargins()
            head = self.header.sizeHint().height()
            room = self.height() - m.top() - m.bottom() - 2 * lay.spacing() - head
            spare = int(room - need)
            short = self.header.short_height()
            whole = self.legend.sizeHint().height()
            line = self.legend.label.fontMetrics().lineSpacing()
            if spare < whole and short is not None and short < head:
                # the header's short form (a processing step that is the input step said
                # once) before the legend is cut: at the window's least size "= input step
                # 5" took a line of its own, and the legend kept two of its five
                head_cap, spare = short, spare + head - short
            allowed = max(line, min(spare, int(LEGEND_SHARE * self.height())))
            if allowed < whole:
                short_text, cap = self._legend_short(allowed)
        if short_text != self._legend_short_shown:
            self._legend_short_shown = short_text
            self.legend.setText(self.static.legend, short_text)
        if self.header.maximumHeight() != head_cap:
            self.header.setMaximumHeight(head_cap)
        if self.legend.maximumHeight() != cap:
            self.legend.setMaximumHeight(cap)
            # (and that height at least while it gives way: the layout shared the shortage with it)
            self.legend.setMinimumHeight(cap if cap != UNCAPPED else 0)

    def _legend_short(self, room: int) -> tuple[str, int]:
        """The legend in ``room`` px at its width, and the height it takes: its entries of
        rank 2, then 1 (``_legend_entries``), the last first, left out until it fits; where
        even those of rank 0 do not, as many of them as fit, then "+N more" (the rest in
        the tooltip). Measured once per width, font and text (a resize, not a seek)."""
        parts = self.static.legend_parts
        width = max(1, self.legend.width())
        key = (width, self.legend.label.font().key(), self.static.legend, room, hints_shown())
        got = self._legend_fits.get(key)
        if got is not None:
            return got
        keep = list(range(len(parts)))
        for rank in (2, 1):
            for k in reversed([k for k in keep if parts[k][0] == rank]):
                if self.legend.height_of(_joined(parts, keep)) <= room:
                    break
                keep.remove(k)
        text = _joined(parts, keep)
        if self.legend.height_of(text) > room:
            kept = [k for k in keep if parts[k][0] == 0]
            while len(kept) > 1:
                kept.pop()
                text = _joined(parts, kept) + f"{LEGEND_SEP}+{len(parts) - len(kept)} more"
                if self.legend.height_of(text) <= room:
                    break
        got = (text, max(math.ceil(self.legend.height_of(text)), 1))
        if len(self._legend_fits) > 32:
            self._legend_fits.clear()
        self._legend_fits[key] = got
        return got

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.strip_keys and self._fit_strip():
            self._align_strip()
        if self.rows:
            self._fit_legend()

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        hint = super().minimumSizeHint()
        return QtCore.QSize(max(hint.width(), self._cells_least), hint.height())

    def _steps_wide(self) -> float:
        """The steps the view's x range spans (its columns, the room beside them)."""
        (x0, x1), _ = self.vb.viewRange()
        return x1 - x0

    def _fit_least(self, steps: float) -> None:
        """The least width: what is beside the cells (the colour bar) as laid out now, the
        rows' names without a "(+1 more)" (``_names_least``: where the cells would get less,
        ``_fit_row_ticks`` leaves it out) and ``STEP_LEAST`` px a step for up to
        ``STEPS_HELD`` steps."""
        if self.vb.width() <= 1 or not self.rows:
            return
        beside = self.width() - self.vb.width() - self.plot.getAxis("left").width()
        least = math.ceil(beside + self._names_least + STEP_LEAST * min(steps, STEPS_HELD))
        if abs(least - self._cells_least) > 1:
            self._cells_least = least
            self.updateGeometry()

    def _signature(self, lay, numbers: bool = True) -> tuple:
        """What a long input's window draws besides the numbers: two windows with the same
        signature have the same arrows, outlines, texts and row rectangles. ``numbers``
        False: without the model and the rows' units, which none of those items is made of
        (``_use_static``'s ``same``: a full trace's set kept for the next full trace)."""
        rows = tuple((r.key, r.kind, r.label, r.y, r.offset, r.T, r.domain, r.backwards, r.units if numbers else 0,
                      tuple(r.sources), tuple(r.states_from), tuple(r.final_cols or ()),
                      r.ids is not None, r.predicted is not None, r.id_labels,
                      r.mask is not None, _states_enter(r), tuple(r.links or ()), r.reads_all, r.sub_steps)
                     + (() if numbers else _drawn_from(r)) for r in lay.rows)
        # (a merge of a turned and an unturned sequence: its crossed links are the window's
        # own, by where it stands in the whole sequence, ``_merged_links``; a window at input
        # step 2,744 drew those of the window before it)
        merged = tuple(self._domain_first(r.domain) for r in lay.rows if r.mixed == r.layer and r.kind == "seq")
        return (id(self.model) if numbers else 0, rows, tuple(lay.domains), tuple(lay.offsets), lay.T,
                lay.cell_gap, merged)

    def _use_static(self, sig, same: tuple | None = None) -> bool:
        """Show the static set drawn before for ``sig`` (True: its items are reused), or a
        new empty one to build (False; kept under ``sig`` once built, unless ``sig`` is
        None: a full trace's set is dropped with the next one, unless the next is a full
        trace whose set would be the same: ``same``, its ``_signature`` without numbers)."""
        if sig is None and same is not None and self.static.same == same and not self._statics:
            return True
        got = self._statics.pop(sig, None) if sig is not None else None
        if got is not None:
            self._statics[sig] = got  # the most recently used last
            if got is not self.static:
                self._hide(self.static)
                got.set_visible(True)
                self.static = got
            return True
        self._hide(self.static)
        if sig is None:
            self._drop_statics()
        while len(self._statics) >= KEPT_LAYOUTS:
            self._statics.pop(next(iter(self._statics))).remove(self.plot)
        self.static = _Static(self.plot)
        return False

    def _hide(self, static: _Static) -> None:
        """Hide a kept set; remove one that is not kept."""
        if any(s is static for s in self._statics.values()):
            static.set_visible(False)
        else:
            static.remove(self.plot)

    def _drop_statics(self) -> None:
        """Remove every kept set (a new theme, a full trace)."""
        statics = list(self._statics.values())
        self._statics.clear()
        for static in statics:
            static.remove(self.plot)

    def _row_ticks(self, unit: int) -> None:
        labels: dict[float, list[str]] = {}  # rows on one level: their names, left to right
        names: dict[float, list[str]] = {}  # the same without the unit (``_fit_row_ticks``)
        level: dict[float, list[Row]] = {}
        for row in sorted(self.rows, key=lambda r: r.offset):
            if row.kind == "input" or row.data is None:
                text = row.label
            else:
                text = f"{row.label}  [{clamp(unit, 0, row.units - 1)}]"
            labels.setdefault(row.y, []).append(text)
            names.setdefault(row.y, []).append(row.label)
            level.setdefault(row.y, []).append(row)

        def joined(texts: list[str]) -> str:
            # rows sharing a level also carry their names over their blocks (_build_static)
            text = " · ".join(texts)
            return text if len(texts) == 1 or len(text) <= 40 else more(texts[0], len(texts) - 1)
        ticks = sorted((y, joined(t)) for y, t in labels.items())
        short = sorted((y, joined(t)) for y, t in names.items())
        brief = sorted((y, _brief(level[y], joined(t))) for y, t in names.items())
        layer = self.cursor.layer if self.cursor is not None else None
        anchor = next((r.y for r in self.rows if layer is not None and r.layer == layer), None)
        # each level's names whole, with and without units (a row named 'x (+1 more)' is no cut name)
        whole = [{" · ".join(labels[y]), " · ".join(names[y])} for y in sorted(labels)]
        # (the same names again, another window: the axis stays drawn)
        if [ticks, anchor, short, brief, whole] != self._ticks:
            self._ticks = [ticks, anchor, short, brief, whole]
            self._fit_row_ticks()
        tip = self._names_tip(level)
        axis = self.plot.getAxis("left")
        if axis.toolTip() != tip:
            axis.setToolTip(tip)

    def _names_tip(self, level: dict[float, list[Row]]) -> str:
        """The rows' names, a line a row from the top, whole (a level's name on the axis
        may be cut to its first row's: "(+1 more)")."""
        lines = ["Rows, top to bottom:"]
        for y in sorted(level, reverse=True):
            for r in level[y]:
                line = f"  {r.label}"
                if r.key in self.own_scales:
                    span = self.own_scales[r.key]
                    line += f": {_own_scale(r, ' at full colour')}" + (
                        f" (values {span[0]:.2g} to {span[1]:.2g})" if span is not None else " (no number)")
                lines.append(line)
        return text_tip("\n".join(lines))

    def _fit_row_ticks(self) -> None:
        """The rows' names, as many as fit one above the other: all where they fit, else
        every 2nd, 3rd, ... one, the selected layer's among them (33 layers at 720 px drew
        33 names over each other, a black smear); fitted again when the axis is resized."""
        if not self._ticks:
            return
        ticks, anchor, short, brief, whole = self._ticks
        axis = self.plot.getAxis("left")
        if self.vb.width() > 1:
            metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font())
            st = axis.style
            room = self.vb.width() + axis.width()

            def need(texts) -> float:
                return max(metrics.horizontalAdvance(text) for _, text in texts) + st["tickTextOffset"][0] + 4
            # names without their unit ("lstm", not "lstm  [0]": the header names the unit)
            # where the whole names would take more than half of what they and the cells have
            # (at the window's least size the names took 150 px, 40 steps' cells 65)
            if short != ticks and need(ticks) > room / 2:
                ticks = short
            # and a level of several rows by what its rows share ("◀ bwd") where even so the
            # names would take more than a third (an encoder and a Bidirectional decoder at
            # 1024 x 768: "encoder ◀ bwd · decoder ◀ bwd" left their cells 220 px of 530);
            # each block carries its name over it
            if brief != ticks and need(ticks) > room / 3:
                ticks = brief
            # and at most NAME_SHARE of it even so: a name longer than BRIEF_CHARS (a short
            # one stays whole: "encoder_input (+1 more)") elided at its end (``_elided``),
            # whole in the names' tooltip (fdeep_lstm_stateful.h5 at 1280 x 720
            # in the projector theme: "lstm_state_return_0_st-True (+1 more)" took 440 px of
            # 830, the cells 290)
            cap = NAME_SHARE * room - st["tickTextOffset"][0] - 4
            if need(ticks) - st["tickTextOffset"][0] - 4 > cap:
                ticks = [(y, _elided(metrics, text, cap) if len(text) > BRIEF_CHARS else text) for y, text in ticks]
            # and a short name's "(+5 more)" left out where with it the cells would have less
            # than STEP_LEAST px a step: the view's least width counts the names without it
            # (``_fit_least``; k3_around_rnn's 22 layers at 800 x 600 beside the side panel:
            # "gap (once) (+5 more)" held the window at 812 px; that level's other rows are
            # named over their blocks)
            bare = [(y, _MORE.sub("", text)) for y, text in ticks]
            if bare != ticks and room - need(ticks) < STEP_LEAST * min(self._steps_wide(), STEPS_HELD):
                ticks = bare
            self._names_least = need(bare)
        room = label_room(axis, [text for _, text in ticks])
        cut = [text for (_, text), names in zip(ticks, whole) if text.endswith(" more)") and text not in names]
        self._set_more_said(cut[0][cut[0].rindex("(+"):] if cut else "")
        if room is not None and len(ticks) > room:
            every = next(k for k in (2, 3, 4, 5, 10, 20, 50, 100, 10**9) if -(-len(ticks) // k) <= room)
            first = next((i for i, (y, _) in enumerate(ticks) if y == anchor), 0)
            ticks = [tick for i, tick in enumerate(ticks) if (i - first) % every == 0]
        set_ticks(axis, [ticks, []])
        self._fit_least(self._steps_wide())

    def _set_more_said(self, said: str) -> None:
        """The "(+1 more)" of a level's name on the axis cut to its first row's, or "": the
        legend then says what the others are."""
        if said != self._more_said:
            self._more_said = said
            if self.rows:
                self.static.legend = self._legend_text()
                self.legend.setText(self.static.legend, self._legend_short_shown)

    def _fit_texts(self, *_) -> None:
        """The texts sized to the steps' width on screen, when the plot is resized or its
        range set: the blocks' names and the token ids."""
        (x0, x1), _ = self.vb.viewRange()
        per = self.vb.width() / max(x1 - x0, 1e-9)  # pixels a step
        self._fit_block_names(per)
        (y0, y1) = self.vb.viewRange()[1]
        per_y = self.vb.height() / max(y1 - y0, 1e-9)
        states = {id(e[0]) for e in self.static.state_texts}  # (their own fit says it: below)
        for item, edge in [(e[0], e[3]) for e in self.static.edge_texts]:
            self._fit_margin(item, per_y)
            y = edge + self._rise_for(item, per_y)
            if item.pos().y() != y:
                item.setPos(item.pos().x(), y)
            shown = self._fits_under(item, per_y) and id(item) not in self._no_room
            if id(item) not in states and item.isVisible() != shown:
                item.setVisible(shown)
        self._fit_state_texts(per, per_y)
        self._fit_id_texts(per)
        self._fit_gap_texts(per, per_y)
        self._fit_heads(per)
        self._fit_outlines(per)
        # a long input's window: the least its whole windows ask, its quick steps too (16
        # steps asked less: each far seek changed the view's least width twice, the quick
        # steps' and then its window's, and each change laid out the tab widget and
        # repainted its tab bar, the header and the legend)
        total = whole_steps(self.trace)
        self._fit_least(max(x1 - x0, total or 0))
        self._fit_step_ticks()
        self._place_block_titles()
        if per != self._per:
            self._per = per
            if self.cursor is not None and self.rows:
                self._show_loupe(self.cursor)

    def _fit_step_ticks(self) -> None:
        """The step axis's labels, each block's own (``step_ticks``) a label's width and an
        em apart on screen at the view's present width: fewer where the columns are narrow,
        two at least on a block of two steps or more where its first and last steps stand
        that far apart; never two over one another across blocks (a block's first label
        before the labels after the previous block's first: k3_around_rnn's six blocks at
        800 x 600, 2 px a column, wrote their "0"s over each other). Fitted at each layout
        and resize, not at a step."""
        if not self.rows:
            return
        axis = self.plot.getAxis("bottom")
        (x0, x1), _ = self.vb.viewRange()
        per = self.vb.width() / max(x1 - x0, 1e-9) if self.vb.width() > 1 else 0.0  # px a step
        font = axis.style.get("tickFont") or axis.font()
        # the labels follow from these alone: the same again (a layout's new range fitted
        # them through ``_fit_texts``, then ``set_data`` asked again) leaves them as they are
        fitted_for = (tuple(self.offsets), tuple(self.domains), self.T, x0, per, self.vb.width(), font.key(),
                      tuple(self._domain_first(d) for d in range(len(self.domains))))
        if fitted_for == self._step_ticks_for:
            return
        self._step_ticks_for = fitted_for
        metrics = QtGui.QFontMetricsF(font)
        em = metrics.horizontalAdvance("M")
        blocks = []
        for d, (off, length) in enumerate(zip(self.offsets, self.domains)):
            first = self._domain_first(d)
            widest = metrics.horizontalAdvance(count(first + max(length - 1, 0)))
            apart = (widest + em) / per if per > 0 else 0.0
            ticks = step_ticks(length, width=self.T, first=first, apart=apart)
            blocks.append((off, length, first, [(off + c, label) for c, label in ticks]))
        ticks = [tick for *_, block in blocks for tick in block]
        if per > 0:
            ticks = self._apart(blocks, per, metrics, em, x0 + self.vb.width() / per)
        spaced = per > 0
        if (ticks, spaced, self.T) == self._step_ticks:
            return
        self._step_ticks = (ticks, spaced, self.T)
        axis._lstmviz_spaced = spaced  # (count_axis thins them no more: ``plot_tools._fit``)
        count_axis(axis, self.T, ticks=ticks)

    @staticmethod
    def _apart(blocks: list, per: float, metrics: QtGui.QFontMetricsF, em: float, end: float) -> list:
        """The blocks' labels (``_fit_step_ticks``: (offset, columns, first step, labels) a
        block) with none closer to the one before than half of both and an em (``per``: px
        a column), none past the view's right end ``end`` (a column: pyqtgraph leaves such a
        label out, under the colour bar): a block's first label goes before the previous
        block's later ones, else the earlier label stays; a block left with one label of two
        steps or more gets its furthest column that stands clear of both neighbours (its
        steps exact, not round)."""
        def clear(a: tuple, b: tuple) -> bool:
            return (b[0] - a[0]) * per >= (metrics.horizontalAdvance(a[1]) + metrics.horizontalAdvance(b[1])) / 2 + em

        def inside(tick: tuple) -> bool:
            return (end - tick[0]) * per >= metrics.horizontalAdvance(tick[1]) / 2

        firsts = {block[0][0] for *_, block in blocks if block}
        kept: list = []
        for *_, block in blocks:
            for tick in filter(inside, block):
                while kept and not clear(kept[-1], tick) and tick[0] in firsts and kept[-1][0] not in firsts:
                    kept.pop()
                if not kept or clear(kept[-1], tick):
                    kept.append(tick)
        for off, length, first, _ in blocks:
            mine = [t for t in kept if off <= t[0] < off + length]
            if len(mine) != 1 or length < 2:
                continue
            k = kept.index(mine[0])
            after = kept[k + 1] if k + 1 < len(kept) else None
            for c in range(length - 1, 0, -1):
                tick = (off + c, tick_labels([first + c])[0])
                if tick[0] > mine[0][0] and inside(tick) and clear(mine[0], tick) and (
                        after is None or clear(tick, after)):
                    kept.insert(k + 1, tick)
                    break
        return kept

    def _set_block_titles(self, titles: list[tuple[str, ...]]) -> None:
        """Each block's step axis title (``block_titles``): the axis's own title where every
        block's steps are the input's, else a title under each block (after a MaxPooling1D(2)
        its block's steps are the pooling's, "step t of pool", each two input steps)."""
        if titles == self.block_titles:
            return
        self.block_titles = titles
        apart = len({forms[0] for forms in titles}) > 1
        axis = self.plot.getAxis("bottom")
        axis.label.setOpacity(0.0 if apart else 1.0)  # (shown, it keeps the axis's height)
        t = self.theme
        while len(self.title_items) < (len(titles) if apart else 0):
            item = QtWidgets.QGraphicsTextItem(axis)
            item.setFont(t.font(0.95))
            item.setDefaultTextColor(pg.mkColor(t.foreground))
            self.title_items.append(item)
        self.titles_apart = apart
        for k, item in enumerate(self.title_items):
            item.setVisible(apart and k < len(titles))
        self._place_block_titles()

    def _place_block_titles(self, *_) -> None:
        """The blocks' titles each centred under its block, in its longest form that fits
        between the blocks beside it (at the axis's own title's height); none under a block
        whose room does not hold even "t" (k3_around_rnn at 800 x 600: the "t" of a block of
        one column and the next one's stood over each other, "tt")."""
        if not self.titles_apart or len(self.block_titles) != len(self.domains):
            return  # (none shown, or another layout's, given its own titles next)
        axis = self.plot.getAxis("bottom")
        y = axis.label.pos().y()
        scene_x = [self.vb.mapViewToScene(QtCore.QPointF(float(x), 0.0)).x()
                   for off, n in zip(self.offsets, self.domains) for x in (off - 0.5, off + n - 0.5)]
        xs = [axis.mapFromScene(QtCore.QPointF(x, 0.0)).x() for x in scene_x]
        width = axis.size().width()  # (its bounding rectangle reaches past it: tick labels)
        for k, (forms, item) in enumerate(zip(self.block_titles, self.title_items)):
            a, b = xs[2 * k], xs[2 * k + 1]
            # (room: the block and half of each gap beside it, within the axis)
            lo = (xs[2 * k - 1] + a) / 2 if k else 0.0
            hi = (b + xs[2 * k + 2]) / 2 if 2 * k + 2 < len(xs) else width
            metrics = QtGui.QFontMetricsF(item.font())
            pad = 2 * item.document().documentMargin()
            text = next((f for f in forms if metrics.horizontalAdvance(f) + pad <= hi - lo), None)
            if item.isVisible() != (text is not None):
                item.setVisible(text is not None)
            if text is None:
                continue
            if item.toPlainText() != text:
                item.setPlainText(text)
            w = metrics.horizontalAdvance(text) + pad
            x = min(max((a + b) / 2 - w / 2, lo), max(lo, hi - w))
            if (item.pos().x(), item.pos().y()) != (x, y):
                item.setPos(x, y)

    def _fit_outlines(self, per: float) -> None:
        """The cells' outlines where a box is at least ``OUTLINE_LEAST`` px wide, else none
        (``per``: pixels a step): in the grid's grey, the colour of a masked step, they
        would turn a row of narrow unmasked boxes grey."""
        shown = per * (1.0 - self.gap) >= OUTLINE_LEAST
        if self.outlines.isVisible() != shown:
            self.outlines.setVisible(shown)

    def _fit_heads(self, per: float) -> None:
        """The arrow heads no wider than ``HEAD_SHARE`` of a step on screen (``per``: pixels a
        step), none under ``HEAD_LEAST`` px: 40 steps in a 1024 x 768 window's 290 px put an
        11 px head every 7 px, a black band over the row that hid its cells; the lines stay."""
        heads = self.heads
        base = getattr(heads, "_lstmviz_size", None)
        if base is None or per <= 0:
            return
        size = min(float(base), HEAD_SHARE * per)
        shown = size >= HEAD_LEAST
        if shown and getattr(heads, "_lstmviz_shown_size", None) != size:
            heads.setSize(np.full(len(heads.data), size))  # (each spot's: theirs are set)
            heads._lstmviz_shown_size = size
        if heads.isVisible() != shown:
            heads.setVisible(shown)

    @staticmethod
    def _edge_rise(per_y: float) -> float:
        """How far (row units) a row's edge texts stand above its cells, ``per_y`` pixels a
        row unit: ``EDGE_CLEAR`` pixels over the selected row's box."""
        return BOX_ABOVE + EDGE_CLEAR / max(per_y, 1e-9)

    def _rise_for(self, item, per_y: float) -> float:
        """``_edge_rise`` for an edge text, less where the row above comes closer (row units;
        a Bidirectional's two rows stand ``BIDI_GAP`` apart): its letters stay under that
        row's cells, over the box's edge where they can."""
        rise = self._edge_rise(per_y)
        room = self.static.room.get(id(item))
        if room is None:
            return rise
        # (a hair under it: at exactly the room, its box and the cells' overlapped by a
        # rounding, 1e-6 px, and a test that checks they do not failed at some sizes)
        return max(0.0, min(rise, room - self._tall(item, per_y) - 1e-6))

    @staticmethod
    def _tall(item, per_y: float) -> float:
        """An edge text's height (row units, ``per_y`` pixels one) that must stay under the
        row above: its letters, and its ground's margin above them where it has a ground
        (a row's note: it covered the bottom of the backward row's cells above it)."""
        text = item.textItem
        px = text.boundingRect().height()
        if item.fill is None or item.fill.style() == QtCore.Qt.BrushStyle.NoBrush:
            px -= text.document().documentMargin()
        return px / max(per_y, 1e-9)

    def _fit_margin(self, item, per_y: float) -> None:
        """An edge text's margin round its letters (its ground's, where it has one): the
        usual one where the room up to the row above holds it, else ``TIGHT_MARGIN`` (a
        small view: the ground of a Bidirectional's forward note covered the bottom of
        the backward row's cells, where its letters fitted)."""
        room = self.static.room.get(id(item))
        if room is None:
            return
        doc = item.textItem.document()
        usual = getattr(item, "_lstmviz_margin", None)
        if usual is None:
            usual = item._lstmviz_margin = doc.documentMargin()
        letters = item.textItem.boundingRect().height() - 2 * doc.documentMargin()
        want = usual if letters + 2 * usual <= room * per_y else min(usual, TIGHT_MARGIN)
        if doc.documentMargin() != want:
            doc.setDocumentMargin(want)
            item.updateTextPos()

    def _fits_under(self, item, per_y: float) -> bool:
        """Whether an edge text (``_tall``) fits the room up to the row above (``per_y``: pixels
        a row unit): where it does not even on its edge, it is hidden, not drawn over that
        row's cells (a Bidirectional's forward row's note and name, ``BIDI_TEXT_GAP`` under
        its backward row, in a small view)."""
        room = self.static.room.get(id(item))
        return room is None or self._tall(item, per_y) <= room + 1e-9

    def _fit_gap_texts(self, per: float, per_y: float) -> None:
        """'⇡ every step goes up ⇡' shown only where it fits its gap (``per``, ``per_y``:
        pixels a step, a row unit): wider than its block, or in a gap too short for it
        beside the block's name or 'initial state' on the edge below, it ran into them and
        past the block's end (a seq2seq at 1280x720 in the projector theme); the legend's
        '↑ output to the next layer' says it then. In the middle of its block unless the
        cursor's column runs through it there: then in the middle of the wider side of the
        column (a long input's window: it was drawn across the cursor's column), hidden
        where neither side holds it."""
        self._per_y = per_y
        column = None  # the cursor's column, with its box's half width and a few pixels
        if self.cursor is not None and self.rows and per > 0 and self.current_domain < len(self.offsets):
            column = (self.offsets[self.current_domain] + self.current_column,
                      (1.0 - self.gap) / 2 + 0.06 + 4 / per)
        for item, x_from, x_to, edge in self.static.gap_texts:
            metrics = QtGui.QFontMetricsF(item.textItem.font())
            w, h = metrics.horizontalAdvance(item.toPlainText()) + 4, metrics.height()
            centre, room = (x_from + x_to) / 2, x_to - x_from
            if column is not None and per > 0:
                x, half = column
                if x_from <= x <= x_to and abs(x - centre) < w / per / 2 + half:
                    left, right = x - half - x_from, x_to - x - half
                    centre, room = ((x_from + x - half) / 2, left) if left >= right else ((x + half + x_to) / 2, right)
            middle = centre * per
            gap = ROW_GAP * per_y
            fits = w <= room * per and h <= gap
            tall = item.textItem.boundingRect().height()  # (with its margins: its ground's height)
            lift = gap / 2  # its middle's height over the edge below (px): the gap's middle,
            for other, x, anchor, y in self.static.edge_texts:
                if not fits or abs(y - edge) > 1e-6 or not other.isVisible():
                    continue
                om = QtGui.QFontMetricsF(other.textItem.font())
                ow = om.horizontalAdvance(other.toPlainText())
                left = x * per - anchor * ow
                if left < middle + w / 2 and middle - w / 2 < left + ow:  # side by side they would touch:
                    # over the name or 'initial state' there (standing risen: the top of its
                    # letters), its ground clear of them, where the gap holds it
                    top = (self._edge_rise(per_y) * per_y + other.textItem.boundingRect().height()
                           - other.textItem.document().documentMargin())
                    lift = max(lift, top + 2 + tall / 2)
                    fits = lift + tall / 2 <= gap
            y = edge + lift / max(per_y, 1e-9)
            if (item.pos().x(), item.pos().y()) != (centre, y):
                item.setPos(centre, y)
            if item.isVisible() != fits:
                item.setVisible(fits)

    def _fit_block_names(self, per: float) -> None:
        """Each block's name (rows sharing a level) cut at its end to the room before the
        next block (``per``: pixels a step): 'lstm_state_return_0_st-True' ran over its
        neighbour's name."""
        self._no_room = set()
        for item, label, room, tail in self.block_names:
            metrics = QtGui.QFontMetricsF(item.textItem.font())
            width = max(room * per - metrics.horizontalAdvance("  "), metrics.horizontalAdvance("…"))
            if tail is not None:
                width = self._fit_tail_note(tail, per, width, item, label)
            text = metrics.elidedText(label, QtCore.Qt.TextElideMode.ElideRight, width)
            if text != label and len(text.rstrip("\u2026")) < min(len(label), NAME_LEAST):
                # (k3_around_rnn's blocks of one and three steps beside its LSTM said "…" and
                # "c…" at 1024 x 768 presenting: the level's names at the left say them whole)
                self._no_room.add(id(item))
            if text != item.toPlainText():
                item.setText(text)

    def _fit_tail_note(self, tail, per: float, width: float, name, label: str) -> float:
        """A backward row's note at its arrow's tail, on the edge its block's name stands on
        (``tail``: the note, its forms, the steps from the block's left end to the tail;
        ``per``: pixels a step): the longest form that fits there ('initial state: encoder
        ◀ bwd', 'state: encoder ◀ bwd', 'state: encoder', 'from encoder') beside the name
        ``label`` cut to three letters and '…' at least (a block keeps its name), hidden
        where none fits (1024 x 768 beside the side panel: joined to the name, the note was
        cut off, 'decod…'); gives the name's room in px, at most ``width``."""
        note, forms, span = tail
        doc = note.textItem.document()
        metrics = QtGui.QFontMetricsF(note.textItem.font())
        named = QtGui.QFontMetricsF(name.textItem.font())
        room = span * per  # px from the block's left end to the tail
        beside = 2 * name.textItem.document().documentMargin() + 1  # (px: the name's margins, a gap)
        least = min(named.horizontalAdvance(label), named.horizontalAdvance(label[:3] + "…")) + beside
        fits = [f for f in forms if metrics.horizontalAdvance(f) + 2 * doc.documentMargin() + least <= room]
        if not fits:
            self._no_room.add(id(note))
            return width
        if note.toPlainText() != fits[0]:
            note.setText(fits[0])
        return min(width, room - metrics.horizontalAdvance(fits[0]) - 2 * doc.documentMargin() - beside)

    def _fit_state_texts(self, per: float, per_y: float) -> None:
        """Each 'initial state' over its arrow, moved along the edge to clear the blocks'
        names beside it (``per``, ``per_y``: pixels a step, a row unit), hidden where it
        cannot (the legend says what the arrow is): a seq2seq of 85 and 45 steps at
        1280x800 wrote it over the decoder's name."""
        pad = 4.0
        for item, xm, edge in self.static.state_texts:
            metrics = QtGui.QFontMetricsF(item.textItem.font())
            w = metrics.horizontalAdvance(item.toPlainText()) + 4
            lo, hi = -math.inf, math.inf  # the room between the names either side, in px
            tall = item.textItem.boundingRect().height()  # (the line and the text's margins)
            for other, x, anchor, y in self.static.edge_texts:
                if other is item or not other.isVisible() or abs(y - edge) * per_y >= tall:
                    continue  # (texts on the same edge, or near enough to touch)
                ow = QtGui.QFontMetricsF(other.textItem.font()).horizontalAdvance(other.toPlainText())
                left = x * per - anchor * ow
                if left >= xm * per:
                    hi = min(hi, left - pad)
                elif left + ow > xm * per:  # (a name across the arrow: no room at all)
                    lo, hi = 0.0, -1.0
                else:
                    lo = max(lo, left + ow + pad)
            fits = hi - lo >= w and self._fits_under(item, per_y)
            if fits:
                centre = min(max(xm * per, lo + w / 2), hi - w / 2)
                item.setPos(centre / per, item.pos().y())  # (its height: _fit_texts)
            if item.isVisible() != fits:
                item.setVisible(fits)

    def _fit_id_texts(self, per: float) -> None:
        """Token ids in the input boxes at the largest size at which the widest id fits a
        box (``per``: pixels a step), else not at all: at 1280x720 in the projector theme,
        24 boxes of 16 px ran '10111213...' into each other."""
        rows = [r for r in self.rows if getattr(r, "id_texts", None)]
        if not rows:
            return
        box = per * (1.0 - self.gap)  # a box's width in px
        t = self.theme
        # (a theme's fonts stop at its least size: then the regular weight, a little narrower)
        fonts = [t.font(s, bold=True) for s in (0.9, 0.75, 0.6)] + [t.font(0.6)]
        was = self._predictions_shown()
        for row in rows:
            ids = getattr(row, "ids", None)
            digits = len(str(int(np.max(ids)))) if ids is not None and np.size(ids) else 1
            if row.id_labels:  # a token's text: the widest of the characters it may write, which
                # may cross the box's edge into the gap (one character a column: none overlap)
                font = next((f for f in fonts if max(QtGui.QFontMetricsF(f).horizontalAdvance(n)
                                                     for n in row.id_labels) <= per - 2), None)
            else:
                # a number inside its box, else (none fits there) over its box's edges into the
                # gap by a little, its neighbours' 4 px away: at 1366 x 768 the char demo's 18 px
                # boxes held no 2-digit id at the theme's least size (22 px), and the row showed none
                need = [(QtGui.QFontMetricsF(f).horizontalAdvance("0" * digits), f) for f in fonts]
                font = next((f for w, f in need if w <= box), None)
                if font is None:
                    font = next((f for w, f in need if w <= min(per - 4, 1.3 * box)), None)
            for item in row.id_texts:
                item.setVisible(font is not None)
                if font is not None and item.textItem.font() != font:
                    item.setFont(font)
        if self._predictions_shown() != was:  # the legend speaks of the letters only when written
            self.static.legend = self._legend_text()
            self.legend.setText(self.static.legend, self._legend_short_shown)

    def _room_above(self, row) -> float:
        """Row units from ``row``'s top edge to the cells of the row above it on its time
        axis, or to the view's top (inf: neither)."""
        above = [r.y - ROW_H / 2 for r in self.rows if r.domain == row.domain and r.y > row.y]
        if not above:  # the top row: up to the view's top (``TOP_ROOM``)
            return TOP_ROOM if max(r.y for r in self.rows) == row.y else math.inf
        return min(above) - (row.y + ROW_H / 2)

    def _predictions_shown(self) -> bool:
        return any(r.predicted is not None and getattr(r, "id_texts", None) and r.id_texts[0].isVisible()
                   for r in self.rows)

    def _build_static(self) -> None:
        t = self.theme
        # a row's state note, its x, anchor x, its shorter forms
        state_notes: dict[str, tuple[str, float, float, list[str]]] = {}
        half = (1.0 - self.gap) / 2
        # a long input's window (a chunk of 32 steps at first, then 256) is drawn the same
        # way at either width: no per-step outlines and arrow heads (and no rebuild of them)
        window = bool(getattr(self.trace, "total_steps", None))
        small = max(self.domains) <= 40 and not window
        # Outlines of every cell (only when cells are wide enough to read as boxes).
        path = QtGui.QPainterPath()
        if max(self.domains) <= 100 and not window:
            for row in self.rows:
                if row.kind == "last":
                    path.addRect(row.rect)
                    continue
                for c in range(row.T):
                    path.addRect(QtCore.QRectF(row.offset + c - half, row.y - ROW_H / 2, 2 * half, ROW_H))
        self.outlines.setPath(path)
        self.outlines.setPen(cosmetic_pen(t.grid, 1.2))
        by_key = {r.key: r for r in self.rows}
        elbows, stubs = self._state_links(by_key, half)
        # State arrows along each recurrent row, in processing order.
        hx, hy, cx, cy, heads = [], [], [], [], []
        ux: list[float] = []
        uy: list[float] = []
        for row in self.rows:
            if row.kind != "rnn":
                continue
            assert row.ref is not None  # (a recurrent row has its cell)
            lstm = "c" in row.ref.cell.states
            step = -1 if row.backwards else 1
            y_h = row.y - (0.18 if lstm else 0.0)
            y_c = row.y + 0.18
            for c in range(row.T - 1):
                a = c if not row.backwards else c + 1
                b = a + step
                x0, x1 = row.offset + a + step * half, row.offset + b - step * half
                if self.gap == 0:
                    continue
                hx += [x0, x1]
                hy += [y_h, y_h]
                if small:
                    heads.append((x1, y_h, "t2" if step > 0 else "t3", "h"))
                if lstm:
                    cx += [x0, x1]
                    cy += [y_c, y_c]
                    if small:
                        heads.append((x1, y_c, "t2" if step > 0 else "t3", "c"))
            if _state_in(row) or (row.key in stubs and int(row.ref.rec.start) == 0):
                self.static.arrows_in.add(row.key)
                # into the first processed cell: the left end's, or a backward row's right
                # end's (a row of one step too), its note from the arrow's tail over the row
                first = row.offset + row.ref.input_index(0)
                edge = first - half if not row.backwards else first + half
                reach = max(1.0, row.T * 0.06)
                x0 = row.offset - 0.5 - reach if not row.backwards else row.offset + row.T - 0.5 + reach
                hx += [x0, edge]
                hy += [y_h, y_h]
                heads.append((edge, y_h, "t3" if row.backwards else "t2", "h"))
                what = "zero state (first batch)" if _fresh(row) else "state from previous batch"
                forms = [what]
                srcs = stubs.get(row.key, [])
                if row.state_inputs or srcs:  # (given: what the stateful layer keeps is not used)
                    whole, short = (", ".join(safe_name(n) for n in dict.fromkeys(row.state_inputs + names))
                                    for names in ([r.label for r in srcs], [r.layer for r in srcs]))
                    # (shorter ones where a backward row's note has less room: _fit_block_names)
                    forms = list(dict.fromkeys([f"initial state: {whole}", f"state: {whole}", f"state: {short}",
                                                f"from {short}"]))
                    what = forms[0]
                state_notes[row.key] = (what, x0, 1.0 if row.backwards else 0.0, forms)
        # Outputs going up, along the model's graph. A connection that would pass through
        # another row of its time axis (a branch, a skip) runs in a lane left of the block.
        lanes = []
        heights = RowHeights(self.rows)
        for upper in self.rows:
            for src_key in upper.sources:
                src = by_key[src_key]
                lo, hi = sorted((src.y, upper.y))
                if src.domain == upper.domain and heights.crossed(lo, hi, upper.domain, (src.layer, upper.layer)):
                    lanes.append((hi - lo, src, upper))
                    continue
                cols = list(src.final_cols or [])
                # a Bidirectional's output is both halves' outputs: the forward row's too
                if src.side == "backward":
                    fwd = next((r for r in self.rows if r.layer == src.layer and r.side == "forward"), None)
                    if fwd is not None:
                        cols = sorted(set(cols) | set(fwd.final_cols))
                y0 = src.y + ROW_H / 2 if src.y < upper.y else src.y - ROW_H / 2
                y1 = upper.y - ROW_H / 2 if src.y < upper.y else upper.y + ROW_H / 2
                # into another block on a level past a row of the source's own block (the blocks
                # beside it a level apart: ``app.unrolled._stagger``): each line leaves the
                # source's block by the gap over it, bent where it ends (``bend``), and rises
                # right of the block to its row, not through the rows of the source's block
                # (straight, they crossed its ReLU's and poolings' rows and their arrows)
                bend = None
                if src.domain != upper.domain and heights.crossed(lo, hi, src.domain, (src.layer, upper.layer)):
                    right = upper.offset > src.offset
                    bend = (src.offset + (src.T - 0.5 + EXIT_OUT if right else -0.5 - EXIT_OUT),
                            y0 + (ROW_GAP if src.y < upper.y else -ROW_GAP) / 2)
                if upper.links is not None and src_key == upper.sources[0]:
                    # a layer over windows of steps (Conv1D, a pooling): each of its steps from
                    # the steps it reads (``app.unrolled.step_links``), every k-th step's where
                    # its steps are many (``thin_links``): 200 steps' 600 lines were a grey band
                    shown, every = thin_links(upper.links, upper.T)
                    far = src.domain != upper.domain and upper.offset - (src.offset + src.T - 1) > FAN_REACH
                    if (every > 1 or far) and src.domain != upper.domain:
                        # (into another block: long lines side by side made a black wedge; the
                        # first and last step reading one, a ZeroPadding1D's first and last past
                        # its padding)
                        reading = sorted({c for _, c in upper.links})
                        both = {reading[0], reading[-1]} if reading else set()
                        shown, every = [link for link in upper.links if link[1] in both], 0
                    for sc, c in shown:
                        _line(ux, uy, (src.offset + sc, y0), (upper.offset + c, y1), bend)
                    heads.extend((upper.offset + c, y1, "t1", "up") for c in sorted({c for _, c in shown}))
                    if every != 1:  # (said in the legend)
                        self.static.thinned[upper.key] = every
                    continue
                pooled = upper.kind == "last" and not small and len(cols) > 2 and src.domain == upper.domain
                if (upper.reads_all and src_key == upper.sources[0]) or pooled:
                    # each step reads every step below (a Softmax over the steps: its sum over
                    # them; ``Layer.reads_every_step``): every step up into a bus across the
                    # steps and the bus up into every step; past 40 steps a bracket, its ends
                    # alone, said in the gap, as every step into one box (a
                    # GlobalAveragePooling1D's mean: 3,000 lines were a black band); the
                    # selected step's fan from every step: ``_show_reads``
                    mid = y0 + (ROW_GAP if src.y < upper.y else -ROW_GAP) / 2
                    rims = (cols[0], cols[-1]) if pooled else (0, src.T - 1)
                    ux += [src.offset + rims[0], src.offset + rims[1]]
                    uy += [mid, mid]
                    for c in range(src.T) if small else rims:
                        ux += [src.offset + c, src.offset + c, src.offset + c, src.offset + c]
                        uy += [y0, mid, mid, y1]
                        heads.append((src.offset + c, y1, "t1", "up"))
                    if not small:
                        said = "every step goes up" if pooled else "each step reads every step"
                        item = self._text(f"⇡ {said} ⇡", (src.offset + (src.T - 1) / 2, mid),
                                          (0.5, 0.5), t.accent, t.font(0.85), over=True)
                        self.static.gap_texts.append((item, src.offset - 0.5, src.offset + src.T - 0.5,
                                                      y0 if src.y < upper.y else upper.y + ROW_H / 2))
                    continue
                crossed = self._merged_links(src, upper)
                if crossed is not None:
                    # a merge of a turned and an unturned sequence (``Row.mixed``): Keras joins
                    # step p of each, so an input in the other order goes up from its column
                    # of step p to the merge's, crossing (it was drawn straight up, as if the
                    # merge joined what stands over the same input step)
                    if not crossed:  # (a long input's window: every partner outside it, said
                        # in the gap, not "every step goes up", which reads straight up)
                        gap_y = y0 + (ROW_GAP if src.y < upper.y else -ROW_GAP) / 2
                        item = self._text("⇡ to column T−1−p, outside this window ⇡",
                                          (src.offset + (src.T - 1) / 2, gap_y), (0.5, 0.5), t.accent,
                                          t.font(0.85), over=True)
                        self.static.gap_texts.append((item, src.offset - 0.5, src.offset + src.T - 0.5,
                                                      y0 if src.y < upper.y else upper.y + ROW_H / 2))
                        continue
                    shown, every = thin_links(crossed, upper.T)
                    for sc, c in shown:
                        ux += [src.offset + sc, upper.offset + c]
                        uy += [y0, y1]
                    heads.extend((upper.offset + c, y1, "t1", "up") for c in sorted({c for _, c in shown}))
                    continue
                if src.domain != upper.domain:
                    # another time axis (e.g. a RepeatVector of a last output): from the
                    # last column that goes up, fanned out to every column above
                    x0 = src.offset + (cols[-1] if cols else src.T - 1)
                    far = abs(upper.offset - x0) > FAN_REACH  # (``FAN_REACH``)
                    targets = range(upper.T) if upper.T <= 40 and not far else sorted({0, upper.T - 1})
                    for c in targets:
                        _line(ux, uy, (x0, y0), (upper.offset + c, y1), bend)
                        heads.append((upper.offset + c, y1, "t1", "up"))
                elif upper.kind == "last" or small or len(cols) <= 2:
                    for c in cols:
                        ux += [src.offset + c, src.offset + c]
                        uy += [y0, y1]
                        heads.append((src.offset + c, y1, "t1", "up"))
                elif cols:
                    # too many steps for one arrow each: say it once, in the gap
                    # in the gap next to the source: the midway point may be another row's
                    gap_y = y0 + (ROW_GAP if src.y < upper.y else -ROW_GAP) / 2
                    item = self._text("⇡ every step goes up ⇡", (src.offset + (src.T - 1) / 2, gap_y),
                                      (0.5, 0.5), t.accent, t.font(0.85), over=True)
                    self.static.gap_texts.append((item, src.offset - 0.5, src.offset + src.T - 0.5,
                                           y0 if src.y < upper.y else upper.y + ROW_H / 2))
        # One lane a source, each layer it feeds branching off it (k3_around_rnn: fourteen
        # layers reading the LSTM's output ran in fourteen lanes side by side, 3 of its 6
        # columns' width: a black band at 800 x 600), the source with the shortest span nearest the cells
        self.lane_left = 0.0
        fed: dict[str, list] = {}
        for span, src, upper in lanes:
            fed.setdefault(src.key, []).append((span, src, upper))
        for k, group in enumerate(sorted(fed.values(), key=lambda g: max(span for span, _, _ in g))):
            src = group[0][1]
            x_lane = src.offset - 0.5 - 0.22 * (k + 1)
            self.lane_left = min(self.lane_left, x_lane)
            for up in (True, False):
                ends = [upper for _, _, upper in group if (src.y < upper.y) == up]
                if not ends:
                    continue
                y0 = src.y + (0.3 if up else -0.3)
                far = max(ends, key=lambda r: abs(r.y - src.y))
                ux += [src.offset - half, x_lane, x_lane, x_lane]
                uy += [y0, y0, y0, far.y - (0.3 if up else -0.3)]
                for upper in ends:
                    y1 = upper.y - (0.3 if up else -0.3)
                    x_end = upper.offset - half
                    ux += [x_lane, x_end]
                    uy += [y1, y1]
                    heads.append((x_end, y1, "t2", "up"))
        # Final states handed on as another layer's initial states: elbow arrows from the
        # source's last processed cell into the target's first processed cell (the rest:
        # arrows of their own into it, above).
        noted: set[str] = set()
        for row, src, src_state, state, x0, x1, over in elbows:
            assert row.ref is not None and src.ref is not None  # (_state_links: rows with cells)
            is_c = state == "c"
            dy = 0.18 if src_state == "c" else (-0.18 if "c" in src.ref.cell.states else 0.0)
            dy_to = 0.18 if is_c else (-0.18 if "c" in row.ref.cell.states else 0.0)
            y0, y1 = src.y + dy, row.y + dy_to
            xs_, ys_ = (cx, cy) if is_c else (hx, hy)
            end = src.offset + src.T - 1 + half  # (the source block's right end)
            points = [(x0, y0)]
            y_at = y0
            if over:  # (``_state_links``): c outside h, out of the left end and over the cells
                x_out = src.offset - 0.5 - (0.12 if is_c else 0.06)
                y_at = src.y + ROW_H / 2 + (0.1 if is_c else 0.04)
                points += [(x_out, y0), (x_out, y_at)]
            # blocks between the source's and the row's (another time axis): the line goes
            # over their cells, not through them (three inputs, the decoder's the third)
            lo, hi = min(y_at, y1), max(y_at, y1)
            hit = [r for r in self.rows if r.offset - half < x1 - 1e-6 and r.offset + r.T - 1 + half > end + 1e-6
                   and r.y - ROW_H / 2 < hi and r.y + ROW_H / 2 > lo]
            shift = 0.1 if is_c else -0.1
            if hit:
                xa = (end + min(r.offset for r in hit) - half) / 2 - shift  # (c outside h: no crossing)
                xm = (max(r.offset + r.T - 1 for r in hit) + half + x1) / 2 + shift
                y_over = max(r.y for r in hit) + ROW_H / 2 + (0.1 if is_c else 0.04)
                points += [(xa, y_at), (xa, y_over), (xm, y_over)]
            elif over:  # (right of the forward rows' elbows into the same cell)
                xm = (end + x1) / 2 + (0.35 if is_c else 0.25)
                points += [(xm, y_at)]
            else:
                xm = (x0 + x1) / 2 + shift
                points += [(xm, y0)]
            points += [(xm, y1), (x1, y1)]
            for (xa_, ya_), (xb_, yb_) in zip(points, points[1:]):
                xs_ += [xa_, xb_]
                ys_ += [ya_, yb_]
            if hit or over:  # (its note in the gap before the row's first cell)
                xm = (max((r.offset + r.T - 1 + half for r in hit), default=end) + x1) / 2
            heads.append((x1, y1, "t2" if x1 >= xm else "t3", "c" if is_c else "h"))
            edge = max(src.y, row.y) + ROW_H / 2 if not hit else row.y + ROW_H / 2
            if not is_c and row.key not in noted:
                noted.add(row.key)  # (one a row: a Concatenate's two states come in together)
                # over the cells, should they reach under it
                # on the rows' top edge (an LSTM's h line runs 0.18 below the middle: from
                # there the text stood across the top of the cells and the row's box)
                item = self._text("initial state", (xm, edge + NOTE_RISE), (0.5, 1.0),
                                  t.foreground, t.font(0.8), z=15)
                self.static.edge_texts.append((item, xm, 0.5, edge))
                self.static.room[id(item)] = min(self._room_above(row), math.inf if hit else self._room_above(src))
                self.static.state_texts.append((item, xm, edge))
        w = t.line_width
        self.h_lines.setData(np.array(hx, float), np.array(hy, float), pen=pg.mkPen(t.foreground, width=w * 0.8))
        self.c_lines.setData(np.array(cx, float), np.array(cy, float), pen=pg.mkPen(th.HUES["c"], width=w * 0.8))
        self.up_lines.setData(np.array(ux, float), np.array(uy, float), pen=pg.mkPen(t.accent, width=w * 0.7))
        # one brush a colour and one pen for all: pyqtgraph draws a symbol once for each
        # (symbol, size, pen, brush) objects it is given, not once for each head
        brushes = {what: pg.mkBrush(th.HUES["c"] if what == "c" else (t.accent if what == "up" else t.foreground))
                   for what in ("c", "up", "h")}
        no_pen = pg.mkPen(None)
        size = 11 if small else 9
        spots = [{"pos": (x, y), "symbol": sym, "size": size, "brush": brushes.get(what, brushes["h"]), "pen": no_pen}
                 for x, y, sym, what in heads]
        self.heads.setData(spots)
        self.heads._lstmviz_size = size  # (as wide as the steps on screen let it: _fit_heads)
        self.heads._lstmviz_shown_size = size
        self._fit_heads(self._per)
        # Rows sharing a level: each block's name over its top-left corner (with a stateful
        # layer's note, which stood there too), cut to the room before the next block.
        per_level: dict[float, list] = {}
        for row in self.rows:
            per_level.setdefault(row.y, []).append(row)
        self.block_names = []
        for row in self.rows:
            note = state_notes.get(row.key)
            if len(per_level[row.y]) > 1:
                after = [r.offset for r in per_level[row.y] if r.offset > row.offset]
                room = (min(after) if after else row.offset + row.T) - row.offset
                # a backward row's note at its arrow's tail, right of the block: joined to
                # the name, it was cut off ('decod…') where a lecturer needs to read it
                beside = note is not None and note[2] == 1.0
                label = row.label + (f" · {note[0]}" if note and not beside else "")
                # (above the selected row's dashed box, as a note: the box's edge struck
                # through a seq2seq's "lstm_1")
                # (on a ground of its own, over the cursor's boxes: where steps are narrower
                # than the name, the arrows up into the block and the cursor's column struck
                # through its letters, 1024 x 768 beside the side panel: 'encoder_input')
                item = self._text(label, (row.offset - 0.5, row.y + ROW_H / 2 + NOTE_RISE), (0, 1.0), t.muted,
                                  t.font(0.8), over=True)
                tail = None
                if beside:
                    assert note is not None  # (beside: a note)
                    what, x, anchor, forms = note
                    tail = self._text(what, (x, row.y + ROW_H / 2 + NOTE_RISE), (anchor, 1.0), t.foreground,
                                      t.font(0.8), over=True)
                    # (a narrower ground than a note's own: it shares the block's width with the name)
                    tail.textItem.document().setDocumentMargin(TAIL_MARGIN)
                    tail._lstmviz_margin = TAIL_MARGIN
                    tail.updateTextPos()
                    self.static.edge_texts.append((tail, x, anchor, row.y + ROW_H / 2))
                    self.static.room[id(tail)] = self._room_above(row)
                    tail = (tail, forms, x - (row.offset - 0.5))
                self.block_names.append((item, label, room, tail))
                self.static.edge_texts.append((item, row.offset - 0.5, 0.0, row.y + ROW_H / 2))
                self.static.room[id(item)] = self._room_above(row)
            elif note:  # above the selected row's dashed box, on a ground of its own: the box's
                # edge ran through its words, and the cursor's column through them at step 0
                # (a backward row's ends at its arrow's tail, right of the row)
                what, x, anchor, _ = note
                item = self._text(what, (x, row.y + ROW_H / 2 + NOTE_RISE), (anchor, 1.0), t.foreground,
                                  t.font(0.8), over=True)
                self.static.edge_texts.append((item, x, anchor, row.y + ROW_H / 2))
                self.static.room[id(item)] = self._room_above(row)
        # Token ids / the merge mode as small text when there is room.
        for row in self.rows:
            if row.T <= 30 and ((row.kind == "input" and row.ids is not None)
                                or (row.kind == "seq" and row.predicted is not None)):
                row.id_texts = []
                for c in range(row.T):
                    row.id_texts.append(self._text("", (row.offset + c, row.y), (0.5, 0.5),
                                                   t.foreground, t.font(0.9, bold=True), z=5))
        self._fit_texts()

    def _state_links(self, by_key: dict, half: float) -> tuple[list, dict[str, list[Row]]]:
        """Where each row's ``states_from`` (the final states of other rows that start it:
        a Bidirectional's halves each their own) is drawn: an elbow from the source's last
        processed cell into the row's first processed cell where the source hands its state
        on in the direction the row reads it, towards it (an encoder's right end to the left
        end of a decoder right of it: (row, source, its state, the row's state, x from, x
        to, over), ``over``: a backward row's left end to a forward row right of its block,
        around its cells (a Bidirectional encoder's h_b, concatenated with h_f or not));
        else, by row key, the source rows, named over an arrow of their own
        into the first processed cell (a backward row's, from the right): an elbow from an
        encoder's right end to a backward row's right end ran through the block, and
        the states a Bidirectional's backward half reads were drawn into its forward row."""
        elbows: list = []
        stubs: dict[str, list[Row]] = {}
        for row in self.rows:
            if row.ref is None:
                continue
            for src_key, src_state, state in row.states_from:
                src = by_key.get(src_key)
                if src is None or src.ref is None:
                    continue
                way_out, way_in = (-1 if src.backwards else 1), (-1 if row.backwards else 1)
                x0 = src.offset + src.ref.input_index(src.T - 1) + way_out * half
                x1 = row.offset + row.ref.input_index(0) - way_in * half
                if way_out == way_in and (x1 - x0) * way_in > 0:
                    elbows.append((row, src, src_state, state, x0, x1, False))
                elif way_out < 0 < way_in and x1 > src.offset + src.T - 1 + half:
                    # a backward row's final state (its left end) into a row right of its
                    # block that reads forward (a Bidirectional encoder's h_b, alone or
                    # concatenated with h_f, into a decoder): out of its left end, over
                    # its cells, down beside the row's first cell
                    elbows.append((row, src, src_state, state, x0, x1, True))
                else:
                    stubs.setdefault(row.key, []).append(src)
        return elbows, stubs

    def _text(self, text: str, pos, anchor, color, font, z: float | None = None,
              over: bool = False) -> pg.TextItem:
        """A text item on the plot, dropped with the others by the next ``set_data``
        (``over``: above the cursor's boxes, on a background of its own)."""
        item = pg.TextItem(text, color=color, anchor=anchor)
        item.setFont(font)
        item.setPos(*pos)
        if z is not None:
            item.setZValue(z)
        if over:
            item.fill = ground(self.theme)
            self.static.over.addItem(item)
        else:
            self.static.add(item)
        self.texts.append(item)
        return item

    def _legend_text(self) -> str:
        """The legend's whole text; its entries, ranked, in ``static.legend_parts``."""
        parts = self._legend_entries()
        self.static.legend_parts = parts
        return _joined(parts, list(range(len(parts))))

    def _legend_entries(self) -> list[tuple[int, str]]:
        """The legend's entries, (rank, html): 0 what the colours and arrows mean (an own
        scale too: a row read on the colour bar's is read wrong), 1 what the rows and their
        names also say, 2 the mouse's hint; the first to give way where room is short."""
        t = self.theme
        cm = th.diverging_cmap(t)
        neg, pos = cm.map(0.05, mode="qcolor").name(), cm.map(0.95, mode="qcolor").name()
        # (a Conv1D's numbers are its filters', a pooling's its channels': the unit box says so)
        words = " / ".join(dict.fromkeys(["unit"] + [r.unit_word for r in self.rows if r.kind != "input"]))
        parts: list = [f'<b>cell colour</b> = output of {words} [n] at that step '
                 f'(<span style="color:{neg}"><b>&lt; 0</b></span> · 0 · '
                 f'<span style="color:{pos}"><b>&gt; 0</b></span>)',
                 f'<span style="color:{t.foreground}"><b>⟶</b></span> h carried to the next step']
        # an input's cells are coloured on its own levels, not the colour bar's (the demo's
        # sine, up to 1, read as 0.3 against the bar's ±0.33)
        parts += [f"<b>{markup(r.label)}</b>: its own scale, ±{r.levels[1]:.2g} at full colour"
                  for r in self.rows if r.kind == "input" and r.data is not None and r.ids is None]
        if any(r.kind == "rnn" and r.ref is not None and "c" in r.ref.cell.states for r in self.rows):
            parts.append(f'<span style="color:{th.HUES["c"]}"><b>⟶</b></span> c carried')
        parts.append(f'<span style="color:{t.accent}"><b>↑</b></span> output to the next layer'
                     + (" (left lanes: to a layer further up)" if self.lane_left < 0 else ""))
        # what the grey steps are, and where the layers that compute them went (Keras 3's
        # saved mask ops, 22 of k3_masked_merges' 50 layers: no rows, ``unrolled.build_rows``):
        # before the rows' own scales, a dozen of which pushed them out at 1600 x 1000 (the
        # mask ops' entry gave way first, before the mouse's hint alone)
        if any(r.mask is not None for r in self.rows if r.kind == "rnn"):
            parts.append("grey cell = masked step (state carried over)")
        masks = len(self.model.mask_ops) if self.model is not None else 0
        if masks:
            parts.append(f"the model's {masks} mask ops (NotEqual, LogicalOr, …) are not drawn: "
                         "a mask shows as the grey steps of the rows it masks")
        own = [r for r in self.rows if r.kind not in ("rnn", "input") and r.key in self.own_scales]
        # (a row whose letters are shown: in the boxes, or the loupe's; rows by identity, as a
        # Row's == compares its arrays)
        letters = [r for r in self.rows if r.predicted is not None and (
            not getattr(r, "id_texts", None) or r.id_texts[0].isVisible())]
        lettered, owned = {id(r) for r in letters}, {id(r) for r in own}
        letter = "the letter is its most likely next character"
        # a row without a cell (a Dense head, an Embedding) on its own levels too, said as the
        # input's: "a row without a cell on its own scale" gave no range (its values in
        # the names' tooltip); a softmax head writing its letters says both in one entry (two
        # entries named the character demo's next_char twice)
        parts += [f"<b>{markup(r.label)}</b>: {_own_scale(r)}" + (f"; {letter}" if id(r) in lettered else "")
                  for r in own]
        # a recurrent layer too small to be seen on the colour bar's scale (beside one that
        # explodes): its own, once for both halves of a Bidirectional
        small = {r.layer: r.levels[1] for r in self.rows if r.kind == "rnn" and r.own_scale}
        parts += [f"<b>{markup(name or '')}</b>: its own scale, ±{m:.2g} at full colour"
                  for name, m in small.items()]
        parts += [f"<b>{markup(r.layer or r.label)}</b>: {letter}" for r in letters if id(r) not in owned]
        if any(r.kind == "rnn" and r.backwards for r in self.rows):
            parts.append("◀ = processes the input right to left")
        # (a merge of a turned sequence and one in input order: Keras joins their step p,
        # over input steps T-1-p and p; drawn in its first input's order, said so)
        for merge in dict.fromkeys(r.mixed for r in self.rows if r.mixed):
            parts.append(f"<b>{markup(merge)}</b> joins step p of a sequence turned around and of one in "
                         f"input order: input steps T−1−p and p mixed (drawn in its first input's order: the "
                         "other's step p joins its column T−1−p"
                         + ("; every row after it in that order too" if any(r.mixed == merge and r.layer != merge
                                                                             for r in self.rows) else "") + ")")
        # (what the rows' arrows and names also show: the first to give way)
        if any(r.side in ("forward", "backward") for r in self.rows):
            parts.append((1, "fwd and bwd rows both read the same input"))
        if any((r.side or "").startswith("cell_") for r in self.rows):  # (an RNN([cells]))
            parts.append((1, "cell k reads cell k−1's outputs"))
        if any(r.states_from for r in self.rows):
            parts.append((1, "initial state = a layer's final states start another layer"))
        linked = [r for r in self.rows if r.links is not None]
        if linked:
            def how(r: Row) -> str:
                every = self.static.thinned.get(r.key, 1)
                return ("" if every == 1 else " (its first and last step's drawn)" if every == 0
                        else f" (every {every}th step's drawn)")
            parts.append(f'<span style="color:{t.accent}"><b>╱</b></span> into '
                         + ", ".join(f"<b>{markup(r.label)}</b>{how(r)}" for r in linked[:3])
                         + (" …" if len(linked) > 3 else "")
                         + ": the steps each of its steps reads (the selected step's in the cursor's colour)")
        every = [r for r in self.rows if r.reads_all]
        if every:
            parts.append(f'<span style="color:{t.accent}"><b>┴┬</b></span> into '
                         + ", ".join(f"<b>{markup(r.label)}</b>" for r in every[:3]) + (" …" if len(every) > 3 else "")
                         + ": each of its steps reads every step below (the selected step's in the cursor's colour)")
        parts += [f"<b>{markup(r.label)}</b>: a stripe per sub-step ({r.sub_steps}), the first on top"
                  for r in self.rows if r.kind == "sub"]
        if len(self.domains) > 1:
            parts.append((1, "each block of columns is one time axis"))
        if self._more_said:
            parts.append((1, f"“{self._more_said}” after a row's name: the other rows on that level, "
                             "each named over its block"))
        ranked = [p if isinstance(p, tuple) else (0, p) for p in parts]
        return ranked + [(2, hint("click a cell to go there", LEGEND_SEP))]

    # -- cursor ---------------------------------------------------------------------------
    def describe(self) -> str:
        return accessible.unrolled_view(self.model, self.trace, self.cursor, self.sample_base)

    def set_cursor(self, cursor: Cursor) -> None:
        self.cursor = cursor
        if self.model is None or not self.rows:
            return
        if self._overview_stale:
            self.set_data(self.model, self.trace, self._inputs)
        sel = self._row_of(cursor)
        self._fit_colorbar(sel)
        key = (cursor.sample, cursor.unit, cursor.layer)
        if key != self._color_key:
            self._color_key = key
            self._recolour(cursor, sel)
            self._row_ticks(cursor.unit)
            # (the strip in the steps of the selected row's block of columns: each row binned
            # over its own steps, after a MaxPooling1D(2) half the input's, spans it whole)
            dom = sel.domain if sel is not None else 0
            strip = (id(self.overviews), tuple(self.strip_keys), cursor.unit, self.strip_levels,
                     tuple(r.levels for r in self.strip_rows if r.own_scale), id(self.theme), dom)
            if self.strip_keys and strip != self._strip_key:  # another window: the same strip
                assert self.overviews is not None  # (strip_keys: the overviews' keys)
                self._strip_key = strip
                total = self._domain_total(dom) or next(iter(self.overviews.values())).total
                lines = scale.unit_rows(self.overviews, self.strip_keys, cursor.unit, self.strip_backwards)
                # (a row on its own scale below is on it in the strip too: ``strip_values``)
                self.strip.show_rows(None if lines is None else self._strip_colours(lines),
                                     total, th.diverging_cmap(self.theme), self.strip_levels)
        # the selected row's block of columns (the first block with no row selected)
        domain = sel.domain if sel is not None else 0
        T, offset = self.domains[domain], self.offsets[domain]
        step = clamp(cursor.step, 0, T - 1)
        col = sel.column_of(step) if sel is not None else step  # (``Row.column_of``: a turned row's T-1-step)
        self.current_column, self.current_domain = col, domain
        x = offset + col
        first = self._domain_first(domain)  # (its own steps, as the columns)
        self.strip.set_window(first, T, first + col)
        # the column box spans the rows on this time axis
        ys = [r.y for r in self.rows if r.domain == domain] or [r.y for r in self.rows]
        top, bottom = max(ys) + ROW_H / 2 + 0.08, min(ys) - ROW_H / 2 - 0.08
        half = (1.0 - self.gap) / 2 + 0.06
        self.column_box.setRect(QtCore.QRectF(x - half, bottom, 2 * half, top - bottom))
        if sel is not None:
            self.row_box.setVisible(True)
            self.row_box.setRect(QtCore.QRectF(offset - 0.5, sel.y - ROW_H / 2 - BOX_ABOVE, T, ROW_H + 2 * BOX_ABOVE))
            self.cell_box.setVisible(True)
            if sel.kind == "last":
                self.cell_box.setRect(sel.rect)
            else:
                self.cell_box.setRect(QtCore.QRectF(x - half + 0.06, sel.y - ROW_H / 2, 2 * half - 0.12, ROW_H))
        else:
            self.row_box.setVisible(False)
            self.cell_box.setVisible(False)
        self._show_reads(sel, col)
        self._header(cursor, sel, step, col)
        self._apply_focus(sel)
        self._show_loupe(cursor)
        if self.static.gap_texts and self._per > 0:  # (clear of the cursor's column)
            self._fit_gap_texts(self._per, self._per_y)

    def _strip_colours(self, lines: np.ndarray) -> np.ndarray:
        """The strip's lines (a line per row of ``strip_rows``, by bins) as its image takes
        them: on the shared levels (``strip_values``), or, where a row's numbers are all
        >= 0 (``Row.from_zero``), every line coloured as its cells are (RGBA: such a row on
        its own levels from 0 on the gates' map, the others on the diverging one)."""
        values = strip_values(lines, self.strip_rows, self.strip_levels)
        if not any(r.from_zero for r in self.strip_rows):
            return values
        nan_rgba = np.array(QtGui.QColor(self.theme.nan).getRgb(), np.uint8)
        div, zero = th.diverging_cmap(self.theme), th.gate_cmap(self.theme)
        return np.stack([self._map(zero, line, r.levels, nan_rgba) if r.from_zero
                         else self._map(div, v, self.strip_levels, nan_rgba)
                         for r, line, v in zip(self.strip_rows, np.asarray(lines), values)])

    def _row_of(self, cursor: Cursor) -> Row | None:
        """The cursor's layer's row (its side's half), if it has one."""
        sel = next((r for r in self.rows if r.layer == cursor.layer and r.side in (None, cursor.side)), None)
        if sel is None:
            sel = next((r for r in self.rows if r.layer == cursor.layer), None)
        return sel

    def _fit_colorbar(self, sel: Row | None) -> None:
        """The colour bar: the recurrent rows' shared scale on the diverging map; where the
        selected row's numbers are all >= 0 (``Row.from_zero``: a Conv1D of relu, the pooling
        after it, a softmax head), that row's own levels from 0 on the gates' sequential map,
        the colours its cells take (as Over time's bar of that output)."""
        zero = sel is not None and sel.from_zero and sel.data is not None
        levels = tuple(sel.levels) if zero and sel is not None else tuple(self.strip_levels)
        if zero != self._bar_zero:
            self._bar_zero = zero
            self.colorbar.setColorMap(th.gate_cmap(self.theme) if zero else th.diverging_cmap(self.theme))
        if tuple(self.colorbar.levels()) != levels:
            self.colorbar.setLevels(levels)

    def _show_reads(self, sel: Row | None, col: int) -> None:
        """The selected cell's connections from the steps it reads (a Conv1D's or a
        pooling's, ``Row.links``), over the thinned ones: its own are always drawn."""
        src = None
        if sel is not None and (sel.links is not None or sel.reads_all) and sel.sources:
            src = next((r for r in self.rows if r.key == sel.sources[0]), None)
        if src is None or sel is None or (sel.links is None and not sel.reads_all):
            self.read_lines.setData([], [])
            return
        up = src.y < sel.y
        y0 = src.y + (ROW_H / 2 if up else -ROW_H / 2)
        y1 = sel.y - (ROW_H / 2 if up else -ROW_H / 2)
        xs, ys = [], []
        if sel.links is not None:
            links = sel.links
        else:  # (into a step reading every step: from every step up to 40, past them every
            # k-th step and the last: 3,000 lines were a black wedge)
            links = [(i, col) for i in sorted(set(range(0, src.T, thin_every(src.T, 40))) | {src.T - 1})]
        for i, c in links:
            if c == col:
                xs += [src.offset + i, sel.offset + c]
                ys += [y0, y1]
        # (a fan from every step: thin, or 40 lines of 3 pixels were a black wedge; the pen
        # set only where its width changes: a seek's every move passes here)
        width = 1.2 if sel.reads_all else 3
        if self.read_lines.opts["pen"].widthF() != width:
            self.read_lines.setPen(cosmetic_pen(self.theme.highlight, width))
        self.read_lines.setData(np.array(xs, float), np.array(ys, float))

    def _loupe_item(self) -> pg.TextItem:
        item = pg.TextItem(anchor=(0.5, 0.5))
        item.setZValue(23)  # (over the cursor's boxes)
        item.setVisible(False)
        self.plot.addItem(item, ignoreBounds=True)
        return item

    def _show_loupe(self, cursor: Cursor) -> None:
        """The input row's tokens around the cursor, where its columns are too narrow for
        one each (no ``id_texts``), and an output row's most likely ones (``predicted``): as
        many as fill about half the row, the cursor's marked, centred on its column and kept
        over the row."""
        def narrow(r, kind):
            return (r.kind == kind and r.domain == self.current_domain and not getattr(r, "id_texts", None)
                    and (getattr(r, "ids", None) if kind == "input" else r.predicted) is not None)
        for item, kind in ((self.loupe, "input"), (self.next_loupe, "seq")):
            row = next((r for r in self.rows if narrow(r, kind)), None)
            if row is None or self._per <= 0:
                item.setVisible(False)
                continue
            ids = row.ids if kind == "input" else row.predicted
            assert ids is not None  # (narrow: a row that has them)
            self._write_loupe(item, row, ids[clamp(cursor.sample, 0, ids.shape[0] - 1)])

    def _write_loupe(self, item: pg.TextItem, row: Row, ids: np.ndarray) -> None:
        col = clamp(self.current_column, 0, row.T - 1)
        metrics = QtGui.QFontMetricsF(item.textItem.font())
        room = row.T * self._per / 2  # (pixels: half the row)
        words, at = tokens_around(ids, row.id_labels, col, max(1, int(room // metrics.averageCharWidth())))
        sep = "" if all(len(w) <= 1 for w in words) else " "
        while len(words) > 1 and metrics.horizontalAdvance(sep.join(words)) > room:
            cut = 0 if at > len(words) - 1 - at else len(words) - 1  # (the longer side loses one)
            words.pop(cut)
            at -= cut == 0
        t = self.theme
        mark = (f'<span style="color:{t.background}; background-color:{t.highlight}">'
                f"{markup(words[at])}</span>")
        html = (markup(sep.join(words[:at]) + sep) if at else "") + mark + (
            markup(sep + sep.join(words[at + 1:])) if at + 1 < len(words) else "")
        item.setHtml(f'<span style="color:{t.foreground}; white-space:pre">{html}</span>')
        half = (metrics.horizontalAdvance(sep.join(words)) / 2 + 6) / self._per  # (in steps)
        lo, hi = row.offset - 0.5 + half, row.offset + row.T - 0.5 - half
        item.setPos(min(max(row.offset + col, lo), max(lo, hi)), row.y)
        item.setVisible(True)

    def set_focus(self, enabled: bool) -> None:
        """Focus mode: the selected layer's row (its selected unit) in full colour, the
        other rows faded."""
        self.focus = bool(enabled)
        if self.model is not None and self.rows:
            self.set_cursor(self.cursor)

    def _apply_focus(self, sel) -> None:
        for row in self.rows:
            if row.image is not None:
                row.image.setOpacity(0.22 if self.focus and sel is not None and row is not sel else 1.0)

    def _merged_links(self, src, upper) -> list[tuple[int, int]] | None:
        """(source column, column) of each step p where ``upper`` is a merge of a turned and
        an unturned sequence (``Row.mixed`` its own name) and ``src`` one of its inputs in
        the other order than it is drawn in: ``src``'s column of its step p to the merge's
        column of its step p; None where they are the same columns (drawn straight up). A
        long input's window counts p in the whole sequence (its column c is input step o + c,
        a turned row's own step T-1-(o+c)): a step whose partner stands outside the window
        has no link, none where all do ([]: each window was crossed about its own middle, as
        if it were the whole sequence: m's input step 1,408 went up to c's step 1,663, not
        to its step 1,408)."""
        if upper.mixed != upper.layer or upper.kind != "seq" or src.domain != upper.domain:
            return None
        total = self._domain_total(upper.domain)
        if not total:  # (a whole trace)
            pairs = [(src.column_of(p), upper.column_of(p)) for p in range(min(src.T, upper.T))]
            return sorted(pairs, key=lambda link: link[1]) if any(a != b for a, b in pairs) else None

        def turned(row) -> bool:  # (its column 0 its own last step of the window)
            return row.T > 1 and row.column_of(0) == row.T - 1

        if turned(src) == turned(upper):
            return None
        o, last = self._domain_first(upper.domain), int(total) - 1
        pairs = []
        for c in range(src.T):
            p = last - (o + c) if turned(src) else o + c  # (src's own step at column c)
            up = (last - p if turned(upper) else p) - o  # (the merge's column of its step p)
            if 0 <= up < upper.T:
                pairs.append((c, up))
        return sorted(pairs, key=lambda link: link[1])

    def _header(self, cursor, sel, step, col):
        t = self.theme
        short = widest = ""
        if sel is None and cursor.layer:
            what = f"<b>{markup(cursor.layer)}</b>{self._no_row(cursor.layer)}"
        elif sel is None:
            what = "select a layer"
        elif sel.ref is not None:
            unit = clamp(cursor.unit, 0, sel.units - 1)
            order = " (processing order runs right to left)" if sel.backwards else ""
            o = self._domain_first(sel.domain)
            # (a layer after a strided Conv1D or pooling reads that layer's steps: "= pool's step")
            below = steps_below(self.model, sel.ref.name)
            word = "input step" if below is None else f"{markup(below)}'s step"

            def moved(i):
                # (after a Cropping1D, ZeroPadding1D or UpSampling1D the input step it reads
                # at once, or "padding": "= crop's step 2" sent the student to the crop's
                # header for it, ``moved_said``)
                return moved_said(self.model, self.trace, sel.ref.name, i) if below is not None else None

            def said(p, i, moved=moved):
                # (its steps over two input steps: after a merge of a turned and an unturned
                # sequence, ``Row.mixed``; "= input step 6" named one)
                moved = moved(i)
                over = (mixed_said(i, self._domain_total(sel.domain) or sel.T) if sel.mixed
                        else f"{moved}{order}" if moved is not None
                        else f"{word} <b>{count(i)}</b>{order}")
                return (f"<b>{markup(sel.ref.label)}</b> · processing step <b>{count(p)}</b> = "
                        f"{over} · unit <b>{unit}</b>")

            what = said(step + sel.ref.rec.start, col + o)
            # (its height that of the last step's: the steps' numbers only grow wider)
            last = max(sel.ref.T - 1 + sel.ref.rec.start, sel.ref.T - 1 + o)
            widest = widest_header(lambda read: said(last, last) if read is None else said(last, last, lambda i: read),
                                   self.model, self.trace, sel.ref.name, last)
            now = moved(col + o)
            if now is not None and not sel.mixed:  # (where the header is cut: its step and the input step)
                short = (f"<b>{markup(sel.ref.label)}</b> · step <b>{count(step + sel.ref.rec.start)}</b> = "
                         f"{now}{order} · unit <b>{unit}</b>")
            elif step + sel.ref.rec.start == col + o and not order and not sel.mixed:  # (where the header is cut)
                # (after a pooling, its step: "lstm · pool's step 0", the k3_conv_lstm's header
                # at 800 x 600 beside the side panel took three lines, a "0" on its own)
                short = (f"<b>{markup(sel.ref.label)}</b> · {'step' if below is None else word} "
                         f"<b>{count(col + o)}</b> · unit <b>{unit}</b>")
            # the input the selected layer reads (``fed_by``: a seq2seq's encoder its input
            # 0, the decoder its input 1), when it is token ids on the layer's time axis
            k = fed_by(self.model, sel.ref.name) if self.model is not None else None
            names = [r.layer for r in self.model.inputs] if k is not None else []
            key = None if k is None or k >= len(names) else ("input" if k == 0 else f"input:{names[k]}")
            row = next((r for r in self.rows if r.kind == "input" and r.key == key), None)
            ids = getattr(row, "ids", None) if row is not None and row.T == sel.ref.T else None
            more = ""
            if ids is not None and 0 <= col < ids.shape[1]:  # (the boxes may be too narrow to say it)
                i = int(ids[clamp(cursor.sample, 0, ids.shape[0] - 1), col])
                more += f" · {token_words(i, row.id_labels)}"
            if getattr(self.trace, "total_steps", None) and not held_whole(sel.ref.rec):
                # (a record held whole, a whole trace's: its steps are all there, as in one)
                more += (f" · exact steps {count(o)}–{count(o + sel.ref.T - 1)} of "
                         f"{count(self._domain_total(sel.domain) or self.trace.total_steps)}" + self._strip_words())
            what += more
            widest += more
            short += more if short else ""
        else:
            # (a long input's window: its steps of the whole sequence, as a cell's row says)
            total = getattr(self.trace, "total_steps", None)
            windowed = bool(total) and self.model is not None and sel.layer is not None and \
                window_axis(self.model, self.trace, sel.layer) is not None
            # (a layer without steps, a pooling's over them or a last step's, "(once)" over its
            # block's columns: the step of the whole sequence too, not the window's column)
            o = self._domain_first(sel.domain) if windowed or sel.kind == "last" else 0
            own = (self._domain_total(sel.domain) or total) if windowed else total  # (its own steps)
            # (a Permute((2, 1))'s on a long input: its columns the input's steps, on its
            # units axis, its rows its own steps, the features, ``across_said``)
            across = (across_said(self.model, self.trace, sel.layer, step + o, clamp(cursor.unit, 0, sel.units - 1))
                      if windowed and sel.kind == "seq" and sel.data is not None else None)
            what = head = f"<b>{markup(sel.layer)}</b> · {across[0] if across else f'step <b>{count(step + o)}</b>'}"
            reads = None
            if sel.mixed and sel.kind in ("seq", "sub"):  # (each step over two input steps)
                n = (self._domain_total(sel.domain) if windowed else None) or sel.T
                own_step = n - 1 - (col + o) if sel.backwards else col + o
                what = (f"<b>{markup(sel.layer)}</b> · step <b>{count(own_step)}</b> = "
                        f"{mixed_said(col + o, n)}")
            elif sel.backwards and sel.kind in ("seq", "sub"):  # (its steps over the input turned around)
                n = (self._domain_total(sel.domain) if windowed else None) or sel.T
                what = (f"<b>{markup(sel.layer)}</b> · step <b>{count(n - 1 - (col + o))}</b> = "
                        f"input step <b>{count(col + o)}</b> (its steps run right to left)")
            if sel.kind in ("seq", "sub", "last") and sel.data is not None:
                what += (f" · {across[1]}" if across
                         else f" · {sel.unit_word} <b>{clamp(cursor.unit, 0, sel.units - 1)}</b>")
            if sel.kind == "sub":
                what += f" (a stripe per sub-step, {sel.sub_steps} a step, the first on top)"
            if sel.kind == "last" and so_far(self.trace):  # (a long input's first steps' vector)
                what += f" · {so_far(self.trace)}"
            if sel.links is not None:
                layer = self.model.get_layer(sel.layer) if windowed and self.model is not None else None
                if layer is not None and hasattr(layer, "read_steps"):
                    # (a window's links stop at its ends: its first steps read the steps before it;
                    # the steps below of the whole sequence: its input's own)
                    below = layer_below(self.model, sel.layer)
                    below_total = int(whole_steps(self.trace, self._record(below)) or total)
                    # (over a sequence turned around, its own step and the steps below it reads
                    # turned to the columns': ``reversed_steps``)
                    turned = reversed_steps(self.model)
                    at = own - 1 - (o + col) if sel.backwards else o + col
                    taps = layer.read_steps(below_total, at, at + 1)[0]
                    reads = sorted(below_total - 1 - int(i) if turned.get(below or "") else int(i)
                                   for i in taps if i >= 0)
                else:
                    reads = sorted(i + o for i, c in sel.links if c == col)
                if len(reads) == 1 or (reads and reads[0] == reads[-1]):  # (a causal step 0: "steps 0–0")
                    what += f" · reads step <b>{count(reads[0])}</b> below"
                elif reads:
                    what += f" · reads steps <b>{count(reads[0])}</b>–<b>{count(reads[-1])}</b> below"
            elif sel.reads_all:  # (a Softmax over the steps: its sum over them)
                what += " · reads <b>every step</b> below"
            if sel.kind in ("seq", "sub") and not sel.mixed and not sel.backwards and (moved := moved_output_said(
                    self.model, self.trace, sel.layer, col + o,
                    reads if sel.links is not None else None)) is not None:
                # (after a Cropping1D, ZeroPadding1D or UpSampling1D: the input step its step
                # reads, or "padding", beside its own step, as a recurrent row's header says it)
                what = f"{head} = {moved}{what[len(head):]}"
            if windowed:
                what += (f" · exact {across[2] if across else 'steps'} {count(o)}–{count(o + sel.T - 1)} of "
                         f"{count(own)}{self._strip_words()}")
        shown = cursor.sample + self.sample_base  # (the input's sample: the trace may hold it alone)
        colour = f'<span style="color:{t.foreground}">'
        self.header.set_widest(f"{colour}{widest} · sample {shown}</span>" if widest else "")
        self.header.setText(f"{colour}{what} · sample {shown}</span>",
                            short=f"{colour}{short} · sample {shown}</span>" if short else "")

    def _strip_words(self) -> str:
        """What the header says of a long input's strip: a row per recurrent layer, or per
        layer over the steps where the other layers' outputs have rows of their own there,
        not the input (its row below draws every feature; the strip a unit's line a row):
        "a row per layer" read as the input's too, whose overview exists."""
        if not self.strip_keys:
            return ""
        which = ("recurrent layer" if all(r.ref is not None for r in self.strip_rows)
                 else "layer, not the input")
        return f" (top strip: the whole sequence, a row per {which})"

    def _align_strip(self) -> None:
        """The strip's rows named like the rows below, its left axis as wide as theirs (a
        fixed width on both: the steps above and below line up)."""
        axis = self.plot.getAxis("left")
        if not self.strip_keys:
            axis.setWidth(None)
            return
        names = [f"{n} ({k.split('/')[0]})" if "/" in k else n for n, k in self.strip_keys]
        texts = [r.label for r in self.rows]
        fm = QtGui.QFontMetrics(self.theme.font(1.0, bold=True))
        width = max([fm.horizontalAdvance(x + "  [000]") for x in texts + names]) + 14
        axis.setWidth(width)
        ticks = [(float(i), name) for i, name in enumerate(names)]
        self._fit_strip()
        # rows thinner than a line of the axis's text (a short view): a name a layer, between
        # its rows (a Bidirectional's two halves), not four names run into each other in 30 px
        room = self.strip.height - STRIP_AXIS_PX
        line = self._strip_line()
        if room / max(1, len(names)) < line:
            layers: dict[str, list[int]] = {}
            for i, (n, _) in enumerate(self.strip_keys):
                layers.setdefault(n, []).append(i)
            cells = {n for n, k in self.strip_keys if k.startswith("cell_")}  # (an RNN([cells])'s)
            ticks = [(sum(rows) / len(rows), n + ((" (its cells)" if n in cells else " (both halves)")
                                                  if len(rows) > 1 else ""))
                     for n, rows in layers.items()]
            # still more names than lines (Conv1D, pooling, LSTM, LSTM in 38 pixels at 1280 x
            # 720: four names over one another): every k-th from the top, a line apart, each
            # row named in the axis's tooltip
            fit = max(1, int(room // line))
            if len(ticks) > fit:
                ticks = ticks[::-(-len(ticks) // fit)]
        tip = "Strip rows, top to bottom (as the rows below):\n" + "\n".join(f"  {n}" for n in names)
        self.strip.set_left(width, ticks, tip=text_tip(tip))

    def _strip_line(self) -> int:
        """A line of the strip's row names (its tick font), in pixels."""
        return QtGui.QFontMetrics(self.theme.font(0.8)).height()

    def _fit_strip(self) -> bool:
        """The strip as tall as its rows need to be named each (a line a row and its step
        axis) where that is at most ``STRIP_SHARE`` of the view, else ``STRIP_HEIGHT`` (the
        rows below keep their room: a strip a little taller named no more of them); True
        where its height changed. tests/fixtures/k3_attention_pooling's four rows (ctx, a,
        e, h) shared 38 pixels at 1600 x 1000 and only ctx and e were named."""
        was = self.strip.height
        need = STRIP_AXIS_PX + len(self.strip_keys) * self._strip_line()
        fits = need <= STRIP_SHARE * self.height()
        self.strip.set_height(need if fits else STRIP_HEIGHT, STRIP_HEIGHT, max(STRIP_HEIGHT, need))
        return self.strip.height != was

    @property
    def start(self) -> int:
        """The trace's first step in the whole sequence (a long input's window), else 0."""
        return int(getattr(self.trace, "start", 0) or 0)

    def _record(self, layer: str | None):
        """Layer ``layer``'s record in the trace (None: none, or the input)."""
        if layer is None or self.trace is None or layer not in self.trace.layers:
            return None
        return self.trace.layers[layer]

    def _domain_layer(self, domain: int) -> str | None:
        """A layer on block of columns ``domain``'s time axis (None: the input's)."""
        return next((r.layer for r in self.rows if r.domain == domain and r.layer is not None), None)

    def _domain_record(self, domain: int):
        """A record of block of columns ``domain``'s time axis (None: the input's)."""
        return self._record(self._domain_layer(domain))

    def _domain_first(self, domain: int) -> int:
        """A long input's window: the first step of block of columns ``domain`` in the whole
        sequence, in input order as the columns (its layers' own after a strided Conv1D or
        pooling, ``trace.steps_first``; the window's first input step else); 0 for a whole
        trace."""
        return steps_first(self.trace, self._domain_layer(domain))

    def _domain_total(self, domain: int) -> int | None:
        """A long input's window: the steps of block ``domain``'s time axis in the whole
        sequence (``trace.whole_steps``); None for a whole trace."""
        return whole_steps(self.trace, self._domain_record(domain))

    def set_overview(self, overviews: dict | None) -> None:
        """A long input's whole sequence (``LongSequence.overviews``): a strip above the
        rows, a row per recurrent layer coloured by its h of the selected unit, and per layer
        over the steps that has an overview of its output (a head, a Conv1D)."""
        if overviews is not self.overviews:
            self.overviews = overviews
            self._overview_stale = True  # laid out again at the next set_cursor (or set_data)

    def click_overview(self, step: int) -> None:
        """A click on the strip at input step ``step`` of the whole sequence: the selected
        layer's step that reads it (its processing step where it runs backwards), or stands
        over it (a Dense's after a go_backwards layer: its steps turned around)."""
        sel = self._row_of(self.cursor) if self.cursor is not None else None
        # (the strip is in the selected row's own steps, ``set_cursor``)
        total = (self._domain_total(sel.domain) if sel is not None else None) or \
            getattr(self.trace, "total_steps", None) or 0
        back = sel is not None and sel.backwards and total
        self.cursor_requested.emit({"step": total - 1 - int(step) if back else int(step)})

    def _no_row(self, name: str) -> str:
        """Why the selected layer has no row of its own (a Dropout, ...)."""
        if self.model is None:
            return ""
        try:
            layer = self.model.get_layer(name)
        except Exception:
            return ""
        if layer.class_name in IDENTITY_CLASSES:
            return (f" ({layer.class_name}): passes its input through unchanged at inference, "
                    "so it has no row of its own")
        if name in self.model.mask_ops:
            return (f" ({layer.class_name}): computes a mask, not values: no row of its own; "
                    "the rows it masks grey its masked steps")
        return f" ({layer.class_name}): not drawn as a row of its own"

    def _recolour(self, cursor: Cursor, sel: Row | None) -> None:
        cmap_div = th.diverging_cmap(self.theme)
        cmap_zero = th.gate_cmap(self.theme)  # (a row >= 0 from 0 up, ``Row.from_zero``)
        neutral = np.array(QtGui.QColor(self.theme.grid).getRgb(), np.uint8)
        nan_rgba = np.array(QtGui.QColor(self.theme.nan).getRgb(), np.uint8)
        any_nan = False
        for row in self.rows:
            if row.data is None:
                row.values = None
                rgba = np.zeros((1, row.T * self.sub, 4), np.uint8)
                rgba[..., :] = np.array(QtGui.QColor(self.theme.panel).getRgb(), np.uint8)
                if self.sub > 1:
                    rgba[:, self.sub - 2::self.sub] = 0
                    rgba[:, self.sub - 1::self.sub] = 0
                    rgba = np.roll(rgba, 1, axis=1)
                self._set_rgba(row, rgba)
                continue
            sample = clamp(cursor.sample, 0, row.data.shape[0] - 1)
            if row.kind == "sub":  # its sub-steps a stripe each, of the selected filter
                unit = clamp(cursor.unit, 0, row.units - 1)
                vals = row.data[sample, :, ::-1, unit].T  # (sub-steps, T), the first on top
                row.values = vals
                rgba = self._map(cmap_zero if row.from_zero else cmap_div, vals, row.levels, nan_rgba)
                any_nan = any_nan or holds_nan(vals)
            elif row.kind == "input":
                vals = row.data[sample].T  # (features, T)
                row.values = vals
                if row.ids is not None:
                    rgba = np.zeros((1, vals.shape[1], 4), np.uint8)
                    rgba[..., :] = np.array(QtGui.QColor(self.theme.panel).getRgb(), np.uint8)
                    names = row.id_labels
                    for c, ti in enumerate(getattr(row, "id_texts", [])):
                        i = int(row.ids[sample, c])
                        ti.setText(names[i] if names is not None and 0 <= i < len(names) else str(i))
                else:
                    rgba = self._map(cmap_div, vals, row.levels, nan_rgba)
                    any_nan = any_nan or holds_nan(vals)
            else:
                unit = clamp(cursor.unit, 0, row.units - 1)
                vals = row.data[sample, :, unit]
                if row.kind == "rnn" and row.backwards:
                    vals = vals[::-1]  # processing order -> input order
                row.values = vals
                rgba = self._map(cmap_zero if row.from_zero else cmap_div, vals[None, :], row.levels, nan_rgba)
                shown = vals if row.mask is None else vals[row.mask[sample].astype(bool)]  # (masked: grey)
                any_nan = any_nan or holds_nan(shown)
                if row.predicted is not None and row.id_labels is not None:
                    for c, ti in enumerate(getattr(row, "id_texts", [])):  # its most likely token
                        ti.setText(row.id_labels[int(row.predicted[sample, c])])
                if row.mask is not None:
                    masked = ~row.mask[sample].astype(bool)
                    rgba[0, masked] = neutral
            if self.sub > 1 and row.kind != "last":
                rgba = np.repeat(rgba, self.sub, axis=1)
                g = max(1, int(round(self.gap * self.sub / 2)))
                rgba[:, :g] = 0
                rgba[:, -g:] = 0
                w = rgba.shape[1]
                idx = np.arange(w) % self.sub
                rgba[:, (idx < g) | (idx >= self.sub - g)] = 0
            self._set_rgba(row, rgba)
        self.nan_key.show_for(any_nan)

    @staticmethod
    def _set_rgba(row: Row, rgba: np.ndarray) -> None:
        img = row.image
        old = None if img.image is None else img.image.shape
        img.setImage(rgba, autoLevels=False, levels=(0, 255))
        if old != rgba.shape:
            img.setRect(row.rect)

    @staticmethod
    def _map(cmap: pg.ColorMap, vals: np.ndarray, levels, nan_rgba=None) -> np.ndarray:
        """``vals``' colours at ``levels`` (an infinity, as any number past them, in the
        map's end colour); a NaN (a model whose weights hold NaN) in ``nan_rgba``, the
        theme's colour for no number (None: the current theme's), as the heatmaps draw it."""
        if nan_rgba is None:
            nan_rgba = np.array(QtGui.QColor(th.current().nan).getRgb(), np.uint8)
        lo, hi = levels
        norm = np.clip((np.asarray(vals, np.float64) - lo) / (hi - lo), 0.0, 1.0)
        nan = np.isnan(norm)
        if nan.any():
            norm[nan] = 0.0
        flat = map_bytes(cmap, norm.ravel())
        rgba = np.ascontiguousarray(flat.reshape(norm.shape + (4,)).astype(np.uint8))
        if nan.any():
            rgba[nan] = nan_rgba
        return rgba

    # -- clicks ---------------------------------------------------------------------------
    def _scene_clicked(self, ev):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton or not self.rows:
            return
        if not self.vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        p = self.vb.mapSceneToView(ev.scenePos())
        self.click_at(p.x(), p.y())

    def click_at(self, x: float, y: float) -> None:
        """Select the cell under data point (x, y): its layer (and side), then its step."""
        near = min(abs(r.y - y) for r in self.rows)
        if near > ROW_H / 2 + ROW_GAP / 2:
            return
        # rows on one level sit side by side: the one whose columns hold x
        row = next((r for r in self.rows if abs(r.y - y) == near
                    and 0 <= int(round(x - r.offset)) < r.T), None)
        if row is None:
            return
        col = int(round(x - row.offset))
        self.click_cell(row.key, col)

    def click_cell(self, row_key: str, column: int) -> None:
        """What a click on row ``row_key`` at input step ``column`` does: one request
        (``cursor_requested``) for its layer, its side and its step, the step counted as the
        cursor counts it (a row's own processing step; a long input's: of the sequence)."""
        row = next(r for r in self.rows if r.key == row_key)
        changes: dict = {}
        if row.layer is not None and row.layer != self.cursor.layer:
            changes["layer"] = row.layer
        if row.side is not None and row.side != self.cursor.side and not row.side.startswith("cell_"):
            changes["side"] = row.side  # (a stack's cells: one layer, its steps the cells' own)
        if row.ref is not None:
            changes["step"] = row.ref.rec.start + row.ref.step_of(column)
        elif row.kind != "last":
            sel = self._selected_row()
            if sel is not None and row.layer is None:  # the input: the selected layer's step
                assert sel.ref is not None  # (_selected_row: a row with a cell)
                changes["step"] = sel.ref.rec.start + sel.ref.step_of(column)
            else:  # a layer without a cell: its step is its own (the input's but after a pooling)
                changes["step"] = self._domain_first(row.domain) + column
                if row.backwards:  # (over the input turned around: its step T-1-t at column t)
                    total = (self._domain_total(row.domain) if getattr(self.trace, "total_steps", None)
                             else None) or row.T
                    changes["step"] = total - 1 - changes["step"]
        if changes:
            self.cursor_requested.emit(changes)

    def _selected_row(self) -> Row | None:
        """The selected layer's row with a cell (its selected half), if any."""
        return next((r for r in self.rows if r.layer == self.cursor.layer and r.ref is not None
                     and r.side in (None, self.cursor.side)), None) or next(  # (a stack's first cell)
            (r for r in self.rows if r.layer == self.cursor.layer and r.ref is not None), None)
