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
changed (one small RGBA image per row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.selection import Cursor
from lstmviz.engine import Model, Trace
from lstmviz.engine.layers import IDENTITY_CLASSES, InputLayer
from lstmviz.ui import theme as th
from lstmviz.ui.views._common import (CellRef, cell_refs, clamp, cosmetic_pen, model_inputs,
                                      rect_item)
from lstmviz.ui.views.base import TraceView

ROW_H = 1.0      # cell height (data units)
ROW_GAP = 0.9    # vertical room between rows for the "output goes up" arrows
BIDI_GAP = 0.3   # between a Bidirectional's forward and backward rows
SUB = 10         # image sub-pixels per column (cell + gap) when gaps are drawn
DOMAIN_GAP = 0.05  # room between two time axes, as a share of all their columns (>= 1)


@dataclass
class Row:
    """One drawn row: the input, a recurrent cell row, or another layer's outputs."""

    key: str                      # "input", "<layer>", "<layer>/forward", ...
    label: str
    layer: str | None             # Keras layer name to select when clicked (None: input)
    side: str | None = None
    kind: str = "layer"           # "input", "rnn", "seq" (per-step), "last" (one box)
    ref: CellRef | None = None
    y: float = 0.0
    data: np.ndarray | None = None   # (batch, T, n) values in PROCESSING order (rnn) / input order
    levels: tuple = (-1.0, 1.0)
    mask: np.ndarray | None = None   # (batch, T) input order, True = kept
    backwards: bool = False
    final_cols: list = field(default_factory=list)  # columns whose output goes up
    image: pg.ImageItem | None = None
    values: np.ndarray | None = None  # what the cells show now, input order (T,)
    units: int = 1
    rect: QtCore.QRectF | None = None
    domain: int | None = 0        # which time axis (block of columns) the row runs on
    offset: float = 0.0           # x of the row's column 0
    T: int = 1                    # the row's columns
    sources: list = field(default_factory=list)      # keys of the rows feeding this one
    states_from: list = field(default_factory=list)  # (row key, tensor index) of initial states


class UnrolledView(TraceView):
    title = "Unrolled"

    def __init__(self, parent=None, theme: th.Theme | str | None = None):
        super().__init__(parent, theme)
        self.rows: list[Row] = []
        self.T = 0
        self.current_column = 0
        self._color_key = None

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        self.header = QtWidgets.QLabel()
        self.header.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        lay.addWidget(self.header)
        self.glw = pg.GraphicsLayoutWidget()
        lay.addWidget(self.glw, 1)
        self.plot: pg.PlotItem = self.glw.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.vb: pg.ViewBox = self.plot.getViewBox()
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=th.diverging_cmap(self.theme),
                                        interactive=False, width=18, orientation="vertical")
        self.glw.addItem(self.colorbar, row=0, col=1)
        self.legend = QtWidgets.QLabel()
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        lay.addWidget(self.legend)

        # Static items, re-filled in set_data.
        self.h_lines = pg.PlotCurveItem(connect="pairs")
        self.c_lines = pg.PlotCurveItem(connect="pairs")
        self.up_lines = pg.PlotCurveItem(connect="pairs")
        self.heads = pg.ScatterPlotItem(pxMode=True)
        self.outlines = QtWidgets.QGraphicsPathItem()
        for it in (self.outlines, self.h_lines, self.c_lines, self.up_lines, self.heads):
            self.plot.addItem(it)
        self.outlines.setZValue(2)
        self.heads.setZValue(6)
        self.texts: list[pg.TextItem] = []
        self.images: dict[str, pg.ImageItem] = {}
        # Cursor items: the current column, the selected row, the selected cell.
        self.column_box = rect_item(self.vb, cosmetic_pen(self.theme.highlight, 3), z=20)
        self.row_box = rect_item(self.vb, cosmetic_pen(self.theme.muted, 1.5, QtCore.Qt.PenStyle.DashLine), z=19)
        self.cell_box = rect_item(self.vb, cosmetic_pen(self.theme.highlight, 5), z=21)
        self.vb.scene().sigMouseClicked.connect(self._scene_clicked)
        self.focus = False
        self.apply_theme(self.theme)
        self._show_empty()

    # -- theme ----------------------------------------------------------------------------
    def apply_theme(self, theme: th.Theme) -> None:
        self.theme = t = theme
        self.glw.setBackground(t.background)
        th.style_plot(self.plot, t, bottom="input step  t")
        self.plot.getAxis("left").setStyle(tickFont=t.font(1.0, bold=True))
        self.header.setFont(t.font(1.15))
        self.legend.setFont(t.font(0.95))
        self.colorbar.setColorMap(th.diverging_cmap(t))
        self.colorbar.axis.setStyle(tickFont=t.font(0.85))
        self.colorbar.axis.setTextPen(pg.mkPen(t.foreground))
        self.column_box.setPen(cosmetic_pen(t.highlight, 3))
        self.cell_box.setPen(cosmetic_pen(t.highlight, 5))
        self.row_box.setPen(cosmetic_pen(t.muted, 1.5, QtCore.Qt.PenStyle.DashLine))
        if self.model is not None:
            self.set_data(self.model, self.trace)
            self.set_cursor(self.cursor)

    def _show_empty(self):
        self.header.setText("Load or build a model to see it unrolled over time.")
        self.legend.setText("")

    # -- data -----------------------------------------------------------------------------
    def set_data(self, model: Model, trace: Trace, inputs=None) -> None:
        self.model, self.trace = model, trace
        self._color_key = None
        for img in self.images.values():
            self.plot.removeItem(img)
        for txt in self.texts:
            self.plot.removeItem(txt)
        self.images, self.texts = {}, []
        self.rows, self.domains = self._build_rows(model, trace, inputs)
        self.offsets = []
        gap = max(1.0, round(DOMAIN_GAP * sum(self.domains)))
        x = 0.0
        for length in self.domains:
            self.offsets.append(x)
            x += length + gap
        T = self.T = max(1, int(round(x - gap)))  # columns in all, gaps included
        longest = max(self.domains)
        self.gap = 0.4 if longest <= 40 else 0.2 if longest <= 100 else 0.0
        self.sub = SUB if self.gap else 1
        for row in self.rows:
            row.offset = self.offsets[row.domain]
            row.T = self.domains[row.domain]
        y = self._place_rows()
        rnn_levels = th.symmetric_levels(*[r.data for r in self.rows if r.kind != "input" and r.data is not None])
        for row in self.rows:
            if row.kind != "input":
                row.levels = rnn_levels
            img = pg.ImageItem(axisOrder="row-major")
            img.setZValue(1)
            self.plot.addItem(img)
            if row.kind == "last":
                row.rect = QtCore.QRectF(row.offset - 0.5 + self.gap / 2, row.y - ROW_H / 2, row.T - self.gap, ROW_H)
            else:
                row.rect = QtCore.QRectF(row.offset - 0.5, row.y - ROW_H / 2, row.T, ROW_H)
            row.image = img
            self.images[row.key] = img
        self.colorbar.setLevels(rnn_levels)
        self._build_static()
        # Axes: row names on the left, input steps below (per block of columns).
        self._row_ticks(self.cursor.unit if self.cursor is not None else 0)
        stateful = any(r.ref is not None and r.ref.layer.config.get("stateful") for r in self.rows)
        left = -0.5 - (max(1.4, longest * 0.08) if stateful else 0.15)
        left = min(left, self.lane_left - 0.15)
        self.vb.setRange(xRange=(left, T - 0.35), yRange=(-ROW_H / 2 - 0.15, y - ROW_GAP + 0.15 - ROW_H / 2 + 0.4),
                         padding=0)
        self.plot.getAxis("bottom").setTicks([
            [(off + c, label) for off, length in zip(self.offsets, self.domains)
             for c, label in self._step_ticks(length, width=T)], []])
        self._legend_text()

    def _place_rows(self) -> float:
        """Each row's height: one level above the rows that feed it, so rows on other time
        axes share a level (a seq2seq encoder beside its decoder), rows on one axis never;
        a Bidirectional's halves sit close together. Returns the top of the drawing."""
        level: dict[str, int] = {}
        taken: set[tuple[int, int]] = set()
        for row in self.rows:
            fwd = f"{row.layer}/forward" if row.side == "backward" else None
            if fwd in level:
                lv = level[fwd] + 1  # a Bidirectional's backward half: right above its forward
            else:
                lv = 1 + max((level[k] for k in row.sources if k in level), default=-1)
            while (row.domain, lv) in taken:
                lv += 1
            level[row.key] = lv
            taken.add((row.domain, lv))
        rows_at: dict[int, list[Row]] = {}
        for row in self.rows:
            rows_at.setdefault(level[row.key], []).append(row)
        y_of, y = {}, 0.0
        for lv in range(max(level.values(), default=0) + 1):
            if lv > 0:
                tight = all(r.side == "backward" and level.get(f"{r.layer}/forward") == lv - 1
                            for r in rows_at.get(lv, [None]) if r is not None) and lv in rows_at
                y += ROW_H + (BIDI_GAP if tight else ROW_GAP)
            y_of[lv] = y
        for row in self.rows:
            row.y = y_of[level[row.key]]
        return y + ROW_H + ROW_GAP

    @staticmethod
    def _step_ticks(T: int, width: int | None = None) -> list:
        """Ticks 0..T-1 of one time axis, spaced for ``width`` columns in all (~20 labels)."""
        cols = max(T, width or T)
        every = next(k for k in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 10**9) if cols / k <= 20)
        return [(float(c), str(c)) for c in range(0, T, every)]

    def _row_ticks(self, unit: int) -> None:
        labels: dict[float, list[str]] = {}  # rows on one level: their names, left to right
        for row in sorted(self.rows, key=lambda r: r.offset):
            if row.kind == "input" or row.data is None:
                text = row.label
            else:
                text = f"{row.label}  [{clamp(unit, 0, row.units - 1)}]"
            labels.setdefault(row.y, []).append(text)

        def joined(texts: list[str]) -> str:
            # rows sharing a level also carry their names over their blocks (_build_static)
            text = " · ".join(texts)
            return text if len(texts) == 1 or len(text) <= 40 else f"{texts[0]}  (+{len(texts) - 1} more)"
        self.plot.getAxis("left").setTicks([[(y, joined(t)) for y, t in labels.items()], []])

    def _build_rows(self, model: Model, trace: Trace, inputs) -> tuple[list[Row], list[int]]:
        """The rows, each on a time axis (``domains``: the columns of each axis), and which
        rows feed which, following the model's graph."""
        rows: list[Row] = []
        domains: list[int] = []
        dom_of: dict[str, int | None] = {}   # layer name -> its time axis
        feeds: dict[str, list[str]] = {}     # layer name -> keys of the rows standing for it

        def new_domain(length: int) -> int:
            domains.append(max(1, int(length)))
            return len(domains) - 1

        xs = model_inputs(trace, inputs)
        names = [r.layer for r in model.inputs]
        for k, name in enumerate(names):
            key = "input" if k == 0 else f"input:{name}"
            label = "input x" if len(names) == 1 else name
            x = np.asarray(xs[k]) if xs is not None and k < len(xs) else None
            if x is not None and x.ndim == 3 and model.get_layer(name).config.get("time_major"):
                x = x.transpose(1, 0, 2)  # an ONNX graph's (time, batch, features) input
            if x is not None and x.ndim >= 2:
                if x.ndim == 2:  # token ids
                    row = Row(key, "x (ids)" if len(names) == 1 else f"{name} (ids)", None,
                              kind="input", data=x[..., None].astype(np.float32))
                    row.ids = x
                else:
                    row = Row(key, label, None, kind="input",
                              data=x.reshape(x.shape[0], x.shape[1], -1).astype(np.float32))
                row.levels = th.symmetric_levels(row.data)
                row.domain = new_domain(row.data.shape[1])
            else:
                row = Row(key, label, None, kind="input", data=None, domain=None)
            rows.append(row)
            dom_of[name] = row.domain
            feeds[name] = [key]
        for node in model.nodes:
            layer = node.layer
            if isinstance(layer, InputLayer):
                continue
            srcs = [r.layer for r in node.inbound]
            up = list(dict.fromkeys(k for s in srcs for k in feeds.get(s, [])))
            d_src = next((dom_of[s] for s in srcs if dom_of.get(s) is not None), None)
            rec = trace.layers.get(layer.name)
            out = None if rec is None else np.asarray(rec.output)
            if out is not None and out.ndim == 3 and not getattr(layer, "glue", False):
                same = d_src is not None and domains[d_src] == out.shape[1]
                dom_of[layer.name] = d_src if same else new_domain(out.shape[1])
            else:
                dom_of[layer.name] = d_src
            feeds[layer.name] = up
            if rec is None or layer.class_name in IDENTITY_CLASSES or getattr(layer, "glue", False):
                continue
            d = dom_of[layer.name]
            if d is None:  # no time axis below (a plain vector input): one column of its own
                d = dom_of[layer.name] = new_domain(1)
            refs = cell_refs(model, trace, layer.name)
            made: list[Row] = []
            if refs:
                for ref in refs:
                    label = layer.name
                    if ref.side is not None:
                        label = f"{layer.name} {'▶ fwd' if ref.side == 'forward' else '◀ bwd'}"
                    elif ref.backwards:
                        label = f"{layer.name} ◀"
                    key = layer.name if ref.side is None else f"{layer.name}/{ref.side}"
                    mask = None
                    if ref.rec.mask is not None:
                        mask = ref.rec.mask[:, ::-1] if ref.backwards else ref.rec.mask
                    seqs = bool(ref.layer.config["return_sequences"])
                    final = list(range(ref.T)) if seqs else [ref.input_index(ref.T - 1)]
                    row = Row(key, label, layer.name, ref.side, "rnn", ref, data=ref.rec.steps["h"],
                              mask=mask, backwards=ref.backwards, final_cols=final, units=ref.units)
                    row.kind_name = ref.kind
                    made.append(row)
                # the two halves of a Bidirectional read the same input: arrows go to the first
                made[0].states_from = [(k, r.tensor_index) for r in node.initial_state
                                       for k in feeds.get(r.layer, [])[-1:]]
            elif out.ndim == 3:
                made.append(Row(layer.name, layer.name, layer.name, None, "seq", data=out.astype(np.float32),
                                units=out.shape[-1], mask=rec.mask if layer.class_name == "Masking" else None))
            elif out.ndim == 2:
                made.append(Row(layer.name, f"{layer.name} (once)", layer.name, None, "last",
                                data=out[:, None, :].astype(np.float32), units=out.shape[-1]))
            if not made:
                continue
            for row in made:
                row.domain = d
            made[0].sources = up
            rows.extend(made)
            feeds[layer.name] = [made[-1].key]
        # an input without known values takes the columns of the first row it feeds
        for row in rows:
            if row.domain is None:
                user = next((r for r in rows if row.key in r.sources and r.domain is not None), None)
                row.domain = user.domain if user is not None else (0 if domains else new_domain(1))
        # Which columns of a per-step row feed upward: all of them for "seq"/"input".
        for row in rows:
            if row.kind in ("seq", "input"):
                row.final_cols = list(range(domains[row.domain]))
        return rows, domains

    def _build_static(self) -> None:
        t = self.theme
        half = (1.0 - self.gap) / 2
        small = max(self.domains) <= 40
        # Outlines of every cell (only when cells are wide enough to read as boxes).
        path = QtGui.QPainterPath()
        if max(self.domains) <= 100:
            for row in self.rows:
                if row.kind == "last":
                    path.addRect(row.rect)
                    continue
                for c in range(row.T):
                    path.addRect(QtCore.QRectF(row.offset + c - half, row.y - ROW_H / 2, 2 * half, ROW_H))
        self.outlines.setPath(path)
        self.outlines.setPen(cosmetic_pen(t.grid, 1.2))
        # State arrows along each recurrent row, in processing order.
        hx, hy, cx, cy, heads = [], [], [], [], []
        ux, uy = [], []
        for row in self.rows:
            if row.kind != "rnn" or row.T < 2:
                continue
            lstm = row.ref.kind == "LSTM"
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
            if row.ref.layer.config.get("stateful"):
                first = row.offset + row.ref.input_index(0)
                edge = first - half if not row.backwards else first + half
                reach = max(1.0, row.T * 0.06)
                x0 = row.offset - 0.5 - reach if not row.backwards else row.offset + row.T - 0.5 + reach
                if not row.backwards:
                    hx += [x0, edge]
                    hy += [y_h, y_h]
                    heads.append((edge, y_h, "t2", "h"))
                    init = (row.ref.rec.initial_state or {}).get("h")
                    fresh = init is None or not np.any(init)
                    what = "zero state (first batch)" if fresh else "state from previous batch"
                    self._text(what, (x0, row.y + ROW_H / 2), (0, 1.0), t.foreground, t.font(0.8))
        # Outputs going up, along the model's graph. A connection that would pass through
        # another row of its time axis (a branch, a skip) runs in a lane left of the block.
        by_key = {r.key: r for r in self.rows}
        lanes = []
        for upper in self.rows:
            for src_key in upper.sources:
                src = by_key[src_key]
                lo, hi = sorted((src.y, upper.y))
                between = [r for r in self.rows if lo < r.y < hi and r.domain == upper.domain
                           and r.layer not in (src.layer, upper.layer)]
                if between and src.domain == upper.domain:
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
                if src.domain != upper.domain:
                    # another time axis (e.g. a RepeatVector of a last output): from the
                    # last column that goes up, fanned out to every column above
                    x0 = src.offset + (cols[-1] if cols else src.T - 1)
                    targets = range(upper.T) if upper.T <= 40 else [0, upper.T - 1]
                    for c in targets:
                        ux += [x0, upper.offset + c]
                        uy += [y0, y1]
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
                    self._text("⇡ every step goes up ⇡", (src.offset + (src.T - 1) / 2, gap_y),
                               (0.5, 0.5), t.accent, t.font(0.85))
        self.lane_left = 0.0
        lanes.sort(key=lambda lane: lane[0])  # short spans nearest the cells
        for k, (_, src, upper) in enumerate(lanes):
            x_lane = src.offset - 0.5 - 0.22 * (k + 1)
            self.lane_left = min(self.lane_left, x_lane)
            x_end = upper.offset - half
            y0 = src.y + (0.3 if src.y < upper.y else -0.3)
            y1 = upper.y - (0.3 if src.y < upper.y else -0.3)
            ux += [src.offset - half, x_lane, x_lane, x_lane, x_lane, x_end]
            uy += [y0, y0, y0, y1, y1, y1]
            heads.append((x_end, y1, "t2", "up"))
        # Final states handed on as another layer's initial states: elbow arrows from the
        # source's last processed cell into the target's first processed cell.
        for row in self.rows:
            for src_key, index in row.states_from:
                src = by_key.get(src_key)
                if src is None or src.ref is None or row.ref is None:
                    continue
                is_c = src.ref.kind == "LSTM" and index == 2
                dy = 0.18 if is_c else (-0.18 if src.ref.kind == "LSTM" else 0.0)
                dy_to = 0.18 if is_c else (-0.18 if row.ref.kind == "LSTM" else 0.0)
                last = src.offset + src.ref.input_index(src.T - 1)
                first = row.offset + row.ref.input_index(0)
                x0 = last + (half if not src.backwards else -half)
                x1 = first - half if not row.backwards else first + half
                xm = (x0 + x1) / 2 + (0.1 if is_c else -0.1)
                y0, y1 = src.y + dy, row.y + dy_to
                xs_, ys_ = (cx, cy) if is_c else (hx, hy)
                xs_ += [x0, xm, xm, xm, xm, x1]
                ys_ += [y0, y0, y0, y1, y1, y1]
                heads.append((x1, y1, "t2" if x1 >= xm else "t3", "c" if is_c else "h"))
                if not is_c:
                    # over the cells, should they reach under it
                    self._text("initial state", (xm, max(y0, y1) + ROW_H / 2), (0.5, 1.0),
                               t.foreground, t.font(0.8), z=15)
        w = t.line_width
        self.h_lines.setData(np.array(hx, float), np.array(hy, float), pen=pg.mkPen(t.foreground, width=w * 0.8))
        self.c_lines.setData(np.array(cx, float), np.array(cy, float), pen=pg.mkPen(th.HUES["c"], width=w * 0.8))
        self.up_lines.setData(np.array(ux, float), np.array(uy, float), pen=pg.mkPen(t.accent, width=w * 0.7))
        spots = []
        for x, y, sym, what in heads:
            col = th.HUES["c"] if what == "c" else (t.accent if what == "up" else t.foreground)
            spots.append({"pos": (x, y), "symbol": sym, "size": 11 if small else 9,
                          "brush": pg.mkBrush(col), "pen": pg.mkPen(None)})
        self.heads.setData(spots)
        # Rows sharing a level: each block's name over its top-left corner.
        per_level: dict[float, int] = {}
        for row in self.rows:
            per_level[row.y] = per_level.get(row.y, 0) + 1
        for row in self.rows:
            if per_level[row.y] > 1:
                self._text(row.label, (row.offset - 0.5, row.y + ROW_H / 2), (0, 1.0), t.muted,
                           t.font(0.8), z=15)
        # Token ids / the merge mode as small text when there is room.
        for row in self.rows:
            if row.kind == "input" and getattr(row, "ids", None) is not None and row.T <= 30:
                row.id_texts = []
                for c in range(row.T):
                    row.id_texts.append(self._text("", (row.offset + c, row.y), (0.5, 0.5),
                                                   t.foreground, t.font(0.9, bold=True), z=5))

    def _text(self, text: str, pos, anchor, color, font, z: float | None = None) -> pg.TextItem:
        """A text item on the plot, dropped with the others by the next ``set_data``."""
        item = pg.TextItem(text, color=color, anchor=anchor)
        item.setFont(font)
        item.setPos(*pos)
        if z is not None:
            item.setZValue(z)
        self.plot.addItem(item)
        self.texts.append(item)
        return item

    def _legend_text(self):
        t = self.theme
        cm = th.diverging_cmap(t)
        neg, pos = cm.map(0.05, mode="qcolor").name(), cm.map(0.95, mode="qcolor").name()
        parts = [f'<b>cell colour</b> = output of unit [n] at that step '
                 f'(<span style="color:{neg}"><b>&lt; 0</b></span> · 0 · <span style="color:{pos}"><b>&gt; 0</b></span>)',
                 f'<span style="color:{t.foreground}"><b>⟶</b></span> h carried to the next step']
        if any(r.kind == "rnn" and r.ref.kind == "LSTM" for r in self.rows):
            parts.append(f'<span style="color:{th.HUES["c"]}"><b>⟶</b></span> c carried')
        parts.append(f'<span style="color:{t.accent}"><b>↑</b></span> output to the next layer'
                     + (" (left lanes: to a layer further up)" if self.lane_left < 0 else ""))
        if any(r.mask is not None for r in self.rows if r.kind == "rnn"):
            parts.append("grey cell = masked step (state carried over)")
        if any(r.side for r in self.rows):
            parts.append("fwd and bwd rows both read the same input")
        if any(r.kind == "rnn" and r.backwards for r in self.rows):
            parts.append("◀ = processes the input right to left")
        if any(r.states_from for r in self.rows):
            parts.append("initial state = a layer's final states start another layer")
        if len(self.domains) > 1:
            parts.append("each block of columns is one time axis")
        parts.append("click a cell to go there")
        self.legend.setText("  ·  ".join(parts))

    # -- cursor ---------------------------------------------------------------------------
    def set_cursor(self, cursor: Cursor) -> None:
        self.cursor = cursor
        if self.model is None or not self.rows:
            return
        sel = next((r for r in self.rows if r.layer == cursor.layer and r.side in (None, cursor.side)), None)
        if sel is None:
            sel = next((r for r in self.rows if r.layer == cursor.layer), None)
        key = (cursor.sample, cursor.unit, cursor.layer)
        if key != self._color_key:
            self._color_key = key
            self._recolour(cursor, sel)
            self._row_ticks(cursor.unit)
        # the selected row's block of columns (the first block with no row selected)
        domain = sel.domain if sel is not None else 0
        T, offset = self.domains[domain], self.offsets[domain]
        step = clamp(cursor.step, 0, T - 1)
        col = sel.ref.input_index(step) if sel is not None and sel.ref is not None and sel.ref.T == T else step
        self.current_column = col
        x = offset + col
        # the column box spans the rows on this time axis
        ys = [r.y for r in self.rows if r.domain == domain] or [r.y for r in self.rows]
        top, bottom = max(ys) + ROW_H / 2 + 0.08, min(ys) - ROW_H / 2 - 0.08
        half = (1.0 - self.gap) / 2 + 0.06
        self.column_box.setRect(QtCore.QRectF(x - half, bottom, 2 * half, top - bottom))
        if sel is not None:
            self.row_box.setVisible(True)
            self.row_box.setRect(QtCore.QRectF(offset - 0.5, sel.y - ROW_H / 2 - 0.1, T, ROW_H + 0.2))
            self.cell_box.setVisible(True)
            if sel.kind == "last":
                self.cell_box.setRect(sel.rect)
            else:
                self.cell_box.setRect(QtCore.QRectF(x - half + 0.06, sel.y - ROW_H / 2, 2 * half - 0.12, ROW_H))
        else:
            self.row_box.setVisible(False)
            self.cell_box.setVisible(False)
        self._header(cursor, sel, step, col)
        self._apply_focus(sel)

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

    def _header(self, cursor, sel, step, col):
        t = self.theme
        if sel is None:
            what = "select a layer"
        elif sel.ref is not None:
            unit = clamp(cursor.unit, 0, sel.units - 1)
            order = " (processing order runs right to left)" if sel.backwards else ""
            what = (f"<b>{sel.ref.label}</b> · processing step <b>{step}</b> = input step "
                    f"<b>{col}</b>{order} · unit <b>{unit}</b>")
        else:
            what = f"<b>{sel.layer}</b> · step <b>{step}</b>"
        self.header.setText(f'<span style="color:{t.foreground}">{what} · sample {cursor.sample}</span>')

    def _recolour(self, cursor: Cursor, sel: Row | None) -> None:
        cmap_div = th.diverging_cmap(self.theme)
        neutral = np.array(QtGui.QColor(self.theme.grid).getRgb(), np.uint8)
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
            if row.kind == "input":
                vals = row.data[sample].T  # (features, T)
                row.values = vals
                if getattr(row, "ids", None) is not None:
                    rgba = np.zeros((1, vals.shape[1], 4), np.uint8)
                    rgba[..., :] = np.array(QtGui.QColor(self.theme.panel).getRgb(), np.uint8)
                    for c, ti in enumerate(getattr(row, "id_texts", [])):
                        ti.setText(str(int(row.ids[sample, c])))
                else:
                    rgba = self._map(cmap_div, vals, row.levels)
            else:
                unit = clamp(cursor.unit, 0, row.units - 1)
                vals = row.data[sample, :, unit]
                if row.kind == "rnn" and row.backwards:
                    vals = vals[::-1]  # processing order -> input order
                row.values = vals
                rgba = self._map(cmap_div, vals[None, :], row.levels)
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

    @staticmethod
    def _set_rgba(row: Row, rgba: np.ndarray) -> None:
        img = row.image
        old = None if img.image is None else img.image.shape
        img.setImage(rgba, autoLevels=False, levels=(0, 255))
        if old != rgba.shape:
            img.setRect(row.rect)

    @staticmethod
    def _map(cmap: pg.ColorMap, vals: np.ndarray, levels) -> np.ndarray:
        lo, hi = levels
        norm = np.clip((np.asarray(vals, np.float64) - lo) / (hi - lo), 0.0, 1.0)
        flat = cmap.map(norm.ravel(), mode="byte")
        return np.ascontiguousarray(flat.reshape(norm.shape + (4,)).astype(np.uint8))

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
        """What a click on row ``row_key`` at input step ``column`` does."""
        row = next(r for r in self.rows if r.key == row_key)
        if row.layer is not None and row.layer != self.cursor.layer:
            self.layer_requested.emit(row.layer)
        if row.side is not None and row.side != self.cursor.side:
            self.side_requested.emit(row.side)
        if row.ref is not None:
            self.step_requested.emit(row.ref.step_of(column))
        elif row.kind == "last":
            pass
        else:
            sel = next((r for r in self.rows if r.layer == self.cursor.layer and r.ref is not None
                        and r.side in (None, self.cursor.side)), None)
            self.step_requested.emit(sel.ref.step_of(column) if sel is not None and row.layer is None else column)
