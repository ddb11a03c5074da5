"""Inside one cell at step t: what comes in, every gate per unit, what goes out, and the
equations with this step's numbers for the selected unit.

Every number is read from the trace (``x_proj``/``h_proj``/``pre`` blocks, the gates,
the states) or from the layer's weights (the bias): the view prints them, it never
recomputes them, so the printed arithmetic is exactly what the engine (= Keras) did.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np
import pyqtgraph as pg
import shiboken6
from pyqtgraph.Qt import internals
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app import accessible
from lstmviz.app.cell_ref import (  # noqa: F401
    Equation,
    activation_names,
    equations,
    fed_by,
    input_token,
    mixed_said,
    mixed_steps,
    moved_said,
    moved_step,
    state_sources,
    steps_below,
    token_text,
)
from lstmviz.app.counts import count
from lstmviz.app.scale import gate_levels, input_overview, overview_of
from lstmviz.app.selection import Cursor
from lstmviz.app.step_ref import StepRef, no_page_text, step_ref, step_refusal
from lstmviz.app.terms import projection_terms
from lstmviz.engine import Model, Trace
from lstmviz.engine.activations import formula
from lstmviz.engine.cells import CELLS
from lstmviz.engine.trace import GATE_KEYS, window_first
from lstmviz.text import markup, plural
from lstmviz.ui import theme as th
from lstmviz.ui.density import LineItem, RectItem, dense_paint
from lstmviz.ui.labels import ShortCheckBox, control_only, text_tip
from lstmviz.ui.later import later
from lstmviz.ui.plot_tools import counted_ticks, quiet_axes
from lstmviz.ui.spotlight import DimMask
from lstmviz.ui.tall_page import held as whole_pages_held
from lstmviz.ui.views._common import (
    UNCAPPED,
    CellRef,
    QuietLabel,
    RichText,
    TallPage,
    cache_pixels,
    cell_below,
    cell_input,
    cell_ref,
    cosmetic_pen,
    count_axis,
    count_ticks,
    fmt,
    header_row,
    hint,
    input_source,
    message_label,
    paints_nothing,
    stacked_cell_refs,
    steady_axes,
    widest_header,
)
from lstmviz.ui.views.base import TraceView
from lstmviz.ui.views.step_page import StepPage

_HEAD_WIDTHS: dict = {}  # (css, title) -> its width (_BarPlot.fits)



def _word(meaning: str) -> str:
    """A gate's meaning in a word, for the chart titles: "forget gate" -> "forget"."""
    word = meaning.split()[0]
    return "cand." if word == "candidate" else word


#: the check box that writes the products out, whole and short (``ShortCheckBox``; a
#: lecture theme writes its scripts at the text's size: ``Theme.plain_scripts``)
EXPAND_WORDS = ("Write W·xₜ and U·hₜ₋₁ out term by term", "Write out W·xₜ and U·hₜ₋₁")
#: The bars' short words by trace key, from each cell kind's gates (engine/cells.py): a
#: gated kind's gates (a SimpleRNN's one block is its state h, titled "out" as c and h are)
SHORT = {g.key: _word(g.meaning) for kind in CELLS.values() if kind.k > 1 for g in kind.gates}


# A subscript follows a one-letter symbol (W_i, x_t, c~_t, b'_h, h_{t-1}); an underscore
# inside a name (hard_sigmoid, leaky_relu, hard_silu) is part of the name.
_SYMBOL = r"(?<![A-Za-z0-9_])([A-Za-z][~']?)"
_SUB_BRACE = re.compile(_SYMBOL + r"_\{([^}]*)\}")
_SUB = re.compile(_SYMBOL + r"_([A-Za-z0-9']+)")


#: the compact equations' line height (%): closer than their lecture-sized subscripts set them
COMPACT_LINE = 80
#: a subscript of nothing (a zero-width space) in each cell of a one-row equation: a
#: lecture theme's subscripts (``Theme.subscripts``) make their line taller, and Qt lays a
#: table's cells out from the top (it ignores vertical-align: baseline), so the numbers'
#: cell, without one, sat its baseline ~8 px above the formula's. The same script in
#: every cell sets every cell's first line alike (no-op outside a lecture theme).
STRUT = "<sub>\u200b</sub>"
#: the sigmoid of an equation (not hard_sigmoid's), written σ in the compact rows
_SIGMOID = re.compile(r"(?<![A-Za-z0-9_])sigmoid\(")


#: a formula's binary + and − (spaced), set closer in the compact rows: thin spaces
#: (U+2009, which Qt's rich text keeps only under white-space: pre) about them keep a
#: GRU's compact table within 1000 px at 1024 x 768 presenting, where word spaces took
#: it 7 px past (at the lecture's least size) and its equations two rows each
_THIN_OPS = re.compile(r" ([+−]) ")


#: "= " inside the numbers, made "=" and a no-break space: where the numbers wrap (the two
#: rows' form at 1024 x 768 beside the side panel) they wrap before an "=", which goes to
#: the next line with what it equals, not after it ("= σ(0.217) =" over a lone "0.554")
_EQUALS = re.compile(r" = (?=\S)")


def _table(html: str) -> str:
    """The equations' table, without the legend below it (which wraps)."""
    end = html.find("</table>")
    return html if end < 0 else html[:end + len("</table>")]


def _sigma(text: str) -> str:
    return _SIGMOID.sub("σ(", text)


_TILDE_HTML = "<span style=\"font-family:'DejaVu Serif', serif\">{}&#771;</span>"


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.lru_cache(maxsize=4096)  # the equations' symbols and formulas come back at every step
def to_html(text: str) -> str:
    """Plain equation text to rich text: subscripts, and c~/h~ as c̃/h̃ (a serif font
    draws the combining tilde in place, where Qt's sans rich text misplaces it)."""
    text = _escaped(text)
    text = _SUB_BRACE.sub(lambda m: f"{m.group(1)}<sub>{m.group(2).replace('-', '−')}</sub>", text)
    text = _SUB.sub(r"\1<sub>\2</sub>", text)
    return re.sub(r"([ch])~", lambda m: _TILDE_HTML.format(m.group(1)), text)


_SCALED = {QtGui.QTransform.TransformationType.TxNone, QtGui.QTransform.TransformationType.TxTranslate,
           QtGui.QTransform.TransformationType.TxScale}


class _Bars(pg.GraphicsObject):
    """Bars over units as pyqtgraph's ``PlotCurveItem(stepMode="center", fillLevel=0)``
    draws them: each value filled down to 0, the steps between them outlined (no
    antialiasing), at a fraction of the cost.

    ``set_data`` only keeps the values (a view on a hidden tab makes nothing of them); the
    paint draws the fill as one rectangle a bar and the outline's segments as rectangles as
    wide as the pen (Qt fills axis-aligned rectangles as spans: the step polygon's fill
    cost ~1 ms a chart of 128 bars, its 1.5 px outline stroked as lines ~0.4 ms). The
    rectangles' columns that only change with the edges or the scale are kept from one
    paint to the next. The bounds are the plot's range (``set_extent``, never fitted to
    the data), widened only for a value beyond it, so a new step repaints them without a
    geometry change."""

    def __init__(self):
        super().__init__()
        self._edges = np.zeros(1)
        self._values: np.ndarray | None = None
        self._finite = True
        self._extent = QtCore.QRectF()
        self._rect = QtCore.QRectF()
        self._fills = internals.PrimitiveArray(QtCore.QRectF, 4)
        self._lines = internals.PrimitiveArray(QtCore.QRectF, 4)
        self._segments = internals.PrimitiveArray(QtCore.QLineF, 4)
        self._fill_key: tuple | None = None  # what the fills' constant columns were made for
        self._line_key: tuple | None = None  # the outline's
        # drawRects' arguments (a pointer to the rectangles' memory: numpy's ctypes
        # attribute cost more than the drawing of a small chart), made with the columns
        self._fill_args: tuple = ()
        self._line_args: tuple = ()
        self._ends = (np.zeros(1), np.zeros(1), np.zeros(1))  # value before / after each edge, their difference
        self._pen = pg.mkPen(None)
        self._brush = pg.mkBrush(None)
        self._outline = QtGui.QBrush()
        self._filled = False
        self._stroked = False  # a solid cosmetic pen, drawn as rectangles
        self._dashed = False   # another pen, drawn as the curve draws it

    def setPen(self, pen) -> None:  # noqa: N802 (pyqtgraph's names)
        self._pen = pg.mkPen(pen)
        self._outline = self._pen.brush()
        drawn = self._pen.style() != QtCore.Qt.PenStyle.NoPen
        self._stroked = drawn and self._pen.style() == QtCore.Qt.PenStyle.SolidLine and self._pen.isCosmetic()
        self._dashed = drawn and not self._stroked
        self.update()

    def setBrush(self, brush) -> None:  # noqa: N802
        self._brush = pg.mkBrush(brush)
        self._filled = self._brush.style() != QtCore.Qt.BrushStyle.NoBrush
        self.update()

    def set_extent(self, rect: QtCore.QRectF) -> None:
        """The bounds the bars are drawn in (the plot's view range)."""
        self._extent = QtCore.QRectF(rect)
        self._bound()

    def set_data(self, edges: np.ndarray, values: np.ndarray) -> None:
        """``values[k]`` between ``edges[k]`` and ``edges[k + 1]``, filled down to 0."""
        v = np.asarray(values, dtype=float).ravel()
        if edges is not self._edges:
            self._edges = edges = np.asarray(edges, dtype=float)
            self._fill_key = self._line_key = None
        self._values = v[: max(edges.size - 1, 0)]
        self._bound()
        self.update()

    def _bound(self) -> None:
        rect = self._extent
        v = self._values
        self._finite = True
        if v is not None and v.size:
            lo, hi = float(v.min()), float(v.max())
            self._finite = math.isfinite(lo) and math.isfinite(hi)
            if not self._finite:
                finite = v[np.isfinite(v)]
                lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
            lo, hi = min(lo, 0.0), max(hi, 0.0)
            x0, x1 = float(self._edges[0]), float(self._edges[v.size])
            if rect.isNull() or not (rect.left() <= x0 and x1 <= rect.right() and rect.top() <= lo
                                     and hi <= rect.bottom()):
                # beyond the range: the data's rectangle and a few pixels for the outline
                data = QtCore.QRectF(QtCore.QPointF(x0, lo), QtCore.QPointF(x1, hi))
                px, py = (self.pixelLength(pg.Point(1, 0)) or 0.0), (self.pixelLength(pg.Point(0, 1)) or 0.0)
                rect = rect.united(data.adjusted(-3 * px, -3 * py, 3 * px, 3 * py))
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QtCore.QRectF(rect)

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        return self._rect

    @dense_paint
    def paint(self, p, *args) -> None:
        v = self._values
        if v is None or not v.size:
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        tr = p.transform()
        if not self._finite or tr.type() not in _SCALED:
            self._paint_curve(p)
            return
        n, x = v.size, self._edges
        if self._filled:
            if self._fill_key != (n,):
                self._fills.resize(n)
                r = self._fills.ndarray()
                r[:, 0], r[:, 2] = x[:n], np.diff(x[: n + 1])
                self._fill_key = (n,)
                self._fill_args = self._fills.drawargs()  # its memory stays until resized
            r = self._fills.ndarray()
            np.minimum(v, 0.0, out=r[:, 1])
            np.abs(v, out=r[:, 3])
            p.setPen(QtCore.Qt.PenStyle.NoPen)
            p.setBrush(self._brush)
            p.drawRects(*self._fill_args)
        if self._stroked:
            # each segment as the cosmetic pen strokes it: pen-wide, square caps
            half = max(self._pen.widthF(), 1.0) / 2
            wx, wy = half / max(abs(tr.m11()), 1e-300), half / max(abs(tr.m22()), 1e-300)
            if self._line_key != (n, wx, wy):
                self._lines.resize(2 * n + 1)
                r = self._lines.ndarray()
                r[:n, 0], r[:n, 2], r[:n, 3] = x[:n] - wx, np.diff(x[: n + 1]) + 2 * wx, 2 * wy  # the tops
                r[n:, 0], r[n:, 2] = x[: n + 1] - wx, 2 * wx  # the steps at each edge
                self._ends = (np.zeros(n + 1), np.zeros(n + 1), np.zeros(n + 1))
                self._line_key = (n, wx, wy)
                self._line_args = self._lines.drawargs()
            r = self._lines.ndarray()
            before, after, step = self._ends  # the values left and right of each edge (0 at the ends)
            before[1:] = v
            after[:-1] = v
            np.subtract(v, wy, out=r[:n, 1])
            np.minimum(before, after, out=r[n:, 1])
            r[n:, 1] -= wy
            np.subtract(before, after, out=step)
            np.abs(step, out=r[n:, 3])
            r[n:, 3] += 2 * wy
            p.setPen(QtCore.Qt.PenStyle.NoPen)
            p.setBrush(self._outline)
            p.drawRects(*self._line_args)
        elif self._dashed:
            self._paint_curve(p, fill=False)

    def _paint_curve(self, p, fill: bool = True) -> None:
        """The curve's own way (non-finite values, which it drops; a rotated view; a pen
        other than a solid cosmetic one)."""
        v = self._values
        if v is None:
            return
        x = np.repeat(self._edges[: v.size + 1], 2)
        y = np.zeros(x.size)
        y[1:-1] = np.repeat(v, 2)
        finite = np.isfinite(y)
        if not finite.all():
            x, y = x[finite], y[finite]
        if x.size < 2:
            return
        if fill and self._filled:
            p.fillPath(pg.arrayToQPath(x, y, connect="all", finiteCheck=False), self._brush)
        if self._stroked or self._dashed:
            self._segments.resize(x.size - 1)
            seg = self._segments.ndarray()
            seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3] = x[:-1], y[:-1], x[1:], y[1:]
            p.setPen(self._pen)
            p.drawLines(*self._segments.drawargs())


class _Slot(pg.GraphicsView):
    """A chart's cell in the Cell view's grid: laid out as the chart's own graphics view
    was (the same size hints), painting nothing; ``moved`` is called when it moves or
    resizes (the charts' one view follows)."""

    def __init__(self, moved):
        self._moved = lambda: None  # (pyqtgraph's constructor resizes it)
        super().__init__()
        self._moved = moved
        self.setCentralItem(None)
        self.setUpdatesEnabled(False)  # under the charts' view: never painted
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding)

    def _notify(self) -> None:
        # (while the window is torn down Qt still sends events: the Python side may have
        # lost its attributes, the view its C++ objects)
        moved = getattr(self, "_moved", None)
        if moved is not None:
            try:
                moved()
            except RuntimeError:
                pass

    _PLACED = (QtCore.QEvent.Type.Resize, QtCore.QEvent.Type.Move, QtCore.QEvent.Type.Hide,
               QtCore.QEvent.Type.Show)

    def event(self, ev):
        done = super().event(ev)
        if ev.type() in self._PLACED:  # (after the widget's own handling, as before)
            self._notify()
        return done


class _BarPlot:
    """One small bar chart over units (or input features) with the selected unit marked."""

    def __init__(self, slot: QtWidgets.QWidget, view: pg.GraphicsView, key: str):
        #: the chart's cell of the window's grid (where it sits, whether it is shown); the
        #: chart is drawn by ``view``, the one graphics view of the nine charts
        self.widget = slot
        self.view = view
        # the chart clipped to its cell, as its own view clipped it (a chart whose axes and
        # title need more than its cell is cut at the cell's edge, not drawn over the next)
        self.frame = RectItem()
        self.frame.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.frame.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        view.scene().addItem(self.frame)
        # no context menu (not even made); axes laid out in fewer steps (SteadyAxis)
        self.plot = quiet_axes(pg.PlotItem(enableMenu=False, axisItems=steady_axes("left", "bottom")))
        self.plot.setParentItem(self.frame)
        self.key = key
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        # axis-aligned bars: antialiasing only slows the fill down
        self.curve = _Bars()
        self.plot.addItem(self.curve, ignoreBounds=True)  # the ranges are set, never fitted
        # the zero line across the range (setup): Qt's own item, painted without Python at
        # every step (an InfiniteLine measures and paints itself in Python each time)
        self.zero = LineItem()
        self.plot.addItem(self.zero, ignoreBounds=True)
        self.band = RectItem()
        self.band.setZValue(-5)
        self.plot.getViewBox().addItem(self.band, ignoreBounds=True)
        self.mask = DimMask(self.plot.getViewBox())  # focus mode: dims all bars but one unit
        self.focus = False
        self.n = 0
        self.yr = (0.0, 1.0)
        self._set_up = False  # setup has drawn the ranges and ticks of (n, yr, title)
        self.title = ""
        self.values: np.ndarray | None = None
        self._styled: tuple[th.Theme, str] | None = None
        # The title's second row (this step's number) is a plain text item over a blank
        # row of the rich-text title, which is parsed and laid out again only when its
        # first row changes (a new rich text and its layout in nine titles cost ~5 ms a
        # step); placed where the rich text put that row, the title centred as before.
        label = self.plot.titleLabel
        self.value_item = QtWidgets.QGraphicsSimpleTextItem(label.item)
        self._head_key: tuple | None = None
        self._head_width = 0.0
        self._value_at = QtCore.QPointF()
        self._metrics: QtGui.QFontMetricsF | None = None
        self._placed: float | None = None  # the overhang the title was last placed for
        label.geometryChanged.connect(self._place_title)
        # the title's rich text and the axes change with the trace or the theme, not with
        # the step: painted from pixmaps when the bars and the number beside them change
        cache_pixels(label.item, self.plot.getAxis("left"), self.plot.getAxis("bottom"))
        paints_nothing(self.plot, label)

    def style(self, t: th.Theme, color: str):
        if self._styled is not None and self._styled[0] is t and self._styled[1] == color:
            return  # restyling nine plots on every new trace cost more than drawing them
        self._styled = (t, color)
        th.style_plot(self.plot, t)
        self.plot.getAxis("left").setStyle(tickFont=t.font(0.75))
        self.plot.getAxis("bottom").setStyle(tickFont=t.font(0.75))
        self.view.setBackground(t.background)
        c = QtGui.QColor(color)
        # the bars' colour at 200/255 over the background, as an opaque colour: Qt blends
        # a translucent fill ~8x slower, nine charts at every step (the selected unit's
        # band, drawn beneath, no longer tints its own bar)
        bg = QtGui.QColor(t.background)
        a = 200 / 255
        fill = QtGui.QColor.fromRgbF(*(a * getattr(c, ch)() + (1 - a) * getattr(bg, ch)()
                                       for ch in ("redF", "greenF", "blueF")))
        self.curve.setPen(pg.mkPen(c, width=1.5))
        self.curve.setBrush(pg.mkBrush(fill))
        # a cosmetic pen of width 0 draws the same pixel-wide line as width 1, and the
        # item's bounds are its line (with width 1 Qt strokes a path to find them)
        self.zero.setPen(pg.mkPen(t.muted, width=0))
        # the selected unit's band: on a light theme its highlight is black, and a grey
        # band in a solid outline read as a bar of data (an all-zero h_t-1 seemed to hold
        # -1..1); there a faint tint in a dashed outline
        hl = QtGui.QColor(t.highlight)
        hl.setAlpha(70 if t.dark else 20)
        self.band.setBrush(QtGui.QBrush(hl))
        self.band.setPen(cosmetic_pen(t.highlight, 2, QtCore.Qt.PenStyle.SolidLine if t.dark
                                      else QtCore.Qt.PenStyle.DashLine))
        self.mask.style(t, alpha=200)

    def setup(self, n: int, yr: tuple, title: str, t: th.Theme):
        if (n, yr, title) == (self.n, self.yr, self.title) and self._set_up:
            return  # the same chart (a long input's next window on the sequence's levels)
        self._set_up = True
        self.n, self.yr = n, yr
        # the units' range padded by 2% of its span, the levels' by 5% (as pyqtgraph pads a
        # range: padding x its span), set in one call: an edit of units set up nine charts,
        # each laid out for its new x range and then again for its y range
        xs, ys = max(n, 1) * 0.02, (yr[1] - yr[0]) * 0.05
        self.plot.setRange(xRange=(-0.5 - xs, max(n, 1) - 0.5 + xs), yRange=(yr[0] - ys, yr[1] + ys), padding=0)
        # the bars' bounds: that range
        self.curve.set_extent(QtCore.QRectF(QtCore.QPointF(-0.5 - xs, yr[0] - ys),
                                            QtCore.QPointF(max(n, 1) - 0.5 + xs, yr[1] + ys)))
        self.zero.setLine(-0.5 - xs, 0.0, max(n, 1) - 0.5 + xs, 0.0)
        self.x = np.arange(n + 1, dtype=float) - 0.5
        # round numbers from 0, at most five (0, 10, 20, 30, 40 for 50 units, not 13, 26,
        # 39; the "0" under a narrow first bar stands half out of the axis: count_axis lets
        # it), thinned from the middle where they do not fit (one left: the middle unit)
        ticks = count_ticks(n, max_ticks=5)
        count_axis(self.plot.getAxis("bottom"), n, ticks=ticks, middle=True)
        self.title = title

    def set(self, values: np.ndarray, unit: int | None, label: str, value: str, t: th.Theme):
        self.values = values
        self.curve.set_data(self.x, values)
        if unit is None:
            self.band.setVisible(False)
        else:
            self.band.setVisible(True)
            lo, hi = self.yr
            self.band.setRect(QtCore.QRectF(unit - 0.5, lo, 1.0, hi - lo))
            if self.focus:
                pad = (hi - lo) * 0.1
                self.mask.set_band(unit - 0.5, unit + 0.5, (-0.6, self.n - 0.4, lo - pad, hi + pad), "x")
        self.mask.set_visible(self.focus and unit is not None)
        self._set_title(label, value, t)

    def _set_title(self, head: str, value: str, t: th.Theme) -> None:
        """The title: ``head`` (rich text) over ``value`` (plain, this step's)."""
        key = (head, t.foreground, t.pt(0.85), t.min_pt)
        if key != self._head_key:
            th.set_title(self.plot, t.subscripts(head) + "<br>&nbsp;", color=t.foreground, size=f"{t.pt(0.85)}pt")
            doc = self.plot.titleLabel.item.document()
            block = doc.lastBlock()
            lines = block.layout()
            first, second = lines.lineAt(0), lines.lineAt(lines.lineCount() - 1)
            self._head_width = max(lines.lineAt(k).naturalTextWidth() for k in range(lines.lineCount() - 1)) \
                if lines.lineCount() > 1 else first.naturalTextWidth()
            self._value_at = lines.position() + QtCore.QPointF(second.x(), second.y())
            end = QtGui.QTextCursor(doc)
            end.movePosition(QtGui.QTextCursor.MoveOperation.End)
            font = end.charFormat().font()
            self.value_item.setFont(font)
            self.value_item.setBrush(QtGui.QColor(t.foreground))
            self._metrics = QtGui.QFontMetricsF(font)
            self._head_key = key
            self._placed = None
        if value != self.value_item.text():
            self.value_item.setText(value)
        # the block moves only when the number's overhang past the first row changes, or a
        # new head (whole or short) was laid out (moving the title repaints it and its row:
        # most steps it stays); a new head over the same number stayed where the whole one
        # had it (h_t's "-0.155" cut to "-0.1" at the charts' right edge)
        if self._overhang(value) != self._placed:
            self._place_title()

    def title_span(self, head: str, t: th.Theme) -> tuple[float, float] | None:
        """Where the title ``head`` (rich text) would reach, left and right, in the grid's
        coordinates (centred over the chart as the title is); None before the chart has
        a title (its style is known then)."""
        label = self.plot.titleLabel
        css = getattr(label, "_lstmviz_css", None)
        if css is None or not shiboken6.isValid(label):
            return None
        key = (css, head)
        width = _HEAD_WIDTHS.get(key)
        if width is None:
            doc = QtGui.QTextDocument()
            doc.setDefaultFont(label.item.font())
            doc.setHtml(f"<span style='{css}'>{t.subscripts(head)}</span>")
            doc.size()  # (laid out)
            block = doc.firstBlock().layout()
            width = _HEAD_WIDTHS[key] = block.lineAt(0).naturalTextWidth() if block.lineCount() else 0.0
            if len(_HEAD_WIDTHS) > 512:
                _HEAD_WIDTHS.clear()
        centre = self.widget.geometry().left() + label.geometry().center().x()
        return centre - width / 2, centre + width / 2

    @property
    def clipped(self) -> bool:
        """Whether the chart is cut at its cell's edges (it needs more than its cell)."""
        return bool(self.frame.flags() & QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)

    def _overhang(self, value: str) -> float:
        return max(0.0, self._metrics.horizontalAdvance(value) - self._head_width) if self._metrics else 0.0

    def _place_title(self) -> None:
        """Centre the title's two rows as one block, as the rich text did with the number
        in it (a number wider than the first row widens the block)."""
        if self._metrics is None or not shiboken6.isValid(self.plot):
            return  # (also called while the plot is being deleted)
        label = self.plot.titleLabel
        if not shiboken6.isValid(label):
            return
        item = label.item
        wide = self._overhang(self.value_item.text())
        self._placed = wide
        item.setPos(0, 0)
        bounds = label.itemRect()
        bounds.setWidth(bounds.width() + wide)
        bounds.moveCenter(label.rect().center())
        item.setPos(bounds.topLeft() - label.itemRect().topLeft())
        self.value_item.setPos(self._value_at)
        # inside the charts' view: the last chart's number (h_t's, -0.155) was centred over
        # its chart past the view's right edge and lost its last digit at 800 x 500
        drawn = item.mapRectToScene(item.boundingRect() | item.childrenBoundingRect())
        shift = min(0.0, self.view.width() - drawn.right())
        shift = max(shift, -drawn.left())
        if shift:
            item.setPos(item.pos() + QtCore.QPointF(shift, 0.0))


class _PageShown:
    """What a cell's page shows (``CellView._page_shown``): ``objects`` equal where they are
    the same objects, ``values`` where they are equal."""

    __slots__ = ("objects", "values")

    def __init__(self, objects: tuple, values: tuple):
        self.objects, self.values = objects, values

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, _PageShown) and len(self.objects) == len(other.objects)
                and all(a is b for a, b in zip(self.objects, other.objects)) and self.values == other.values)

    __hash__ = None  # type: ignore[assignment]


class CellView(TraceView):
    title = "Cell"

    def __init__(self, parent=None, theme: th.Theme | str | None = None):
        super().__init__(parent, theme)
        self.inputs = None
        #: a long input's overviews ((layer, key) -> ``app.scale.Overview``), or None
        self.overviews: dict | None = None
        #: what the input's token ids stand for (``set_token_labels``), or None
        self._labels: tuple[str, ...] | None = None
        self.ref: CellRef | None = None
        self._cells = 0  # the cells of the stack of cells shown (0: a layer of one cell)
        self._eqs: list[Equation] = []
        self._setup_key: tuple | None = None
        self._charts_look: tuple | None = None  # what the charts' layout was fitted to (_setup)
        self._page: _PageShown | None = None  # what the page shows, a long input's (_page_shown)
        self._height_cache: tuple = (None,)  # their height at that answer (_show_equations)
        self._tall_cache: dict = {}  # one-row texts' heights, full and compact (_too_tall)
        self._masked_in_sight: tuple | None = None  # where a masked step's rows were brought into sight
        self._terms_in_sight: int | None = None  # where the written-out terms were scrolled to (y, px)
        self._fit_cache: dict = {}  # the equations' one-row answers, full and compact (_show_equations)
        self._sliver_key: tuple | None = None  # what _drop_sliver measured last
        self._eq_level: tuple = (None, 0)  # (what it holds for, the equations' form): _show_equations
        self._static_width: dict = {}  # one-row texts' ideal widths without numbers (_widest)
        self._drawn = True  # False: a step came while another tab was shown (set_cursor)
        self._charts: list = []  # the shown charts and their whole titles (_too_narrow)
        #: the same, h_t-1 and c_t-1 naming where the model gives them at step 0 (_update)
        self._named_charts: list = []
        self._plain_charts: list = []  # the titles as at a step after the first (_title_mode)
        self._init = False  # whether h_t-1's and c_t-1's titles say "(init.)" (_title_mode)
        self._short = False  # the charts show their symbols alone (_update)
        self._named = False  # h_t-1 and c_t-1 name their source over their charts (_update)
        self._sources: dict = {}  # the initial states the model gives the cell (_setup)
        self._in_note = ""  # where they come from, at step 0 (the "in" title's, _fit_in_title)
        #: where a later cell of a stack of cells takes x_t from (rich text, "x_t = h_t of r
        #: (cell 0)"), or None; whether x_t's chart says it (else the "in" does: _x_fits)
        self._x_source: str | None = None
        self._x_words = ""  # (the same in plain text: "h_t of r (cell 0)")
        self._x_whole = False
        self._shown_titles: list = []  # the charts' titles as shown (_update)
        self._showing = False  # in _show (which decides that itself)
        self._layout_serial = 0  # counts the charts' layouts (_place_bars)
        self._titles_pending = False  # their titles measured again soon (_titles_laid_out)
        self._ticks_pending = False  # their count axes made alike soon (_same_ticks)
        self._narrow: dict = {}  # whether titles run into each other, by titles and layout
        self._tight_key: tuple = ()  # (_numbers_tight)
        self._tight = False
        self._pitch: tuple | None = None  # (the charts' pitch in px, the numbers' metrics)
        self._numbers: tuple = (3, False, None)  # the charts' numbers' last decimals, tightness, pitch
        self._placing = False  # in _place_bars (the grid laying its cells out): _fit_rows waits
        self._fit_pending = False
        #: a layer that maps each step on its own with weights (``_show_step``): its page,
        #: made when first shown, and its ``StepRef`` (or why a long input's window has none)
        self.step_page: StepPage | None = None
        self.step_scroll: TallPage | None = None  # (the page in it)
        self._step: StepRef | None = None
        self._step_refusal: str | None = None
        self._step_key: tuple | None = None
        self._focus = False  # focus mode (``set_focus``)
        self._equations_shown = True  # (``set_equations_visible``)

        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        self.stack = QtWidgets.QStackedWidget()
        outer.addWidget(self.stack)
        self.message = message_label("Select a recurrent layer (LSTM, GRU, SimpleRNN or "
                                     "Bidirectional) to look inside its cell.", self.theme)
        self.stack.addWidget(self.message)
        page = QtWidgets.QWidget()
        # (scrolling where the view is shorter than two rows of charts and the equations'
        # least: a narrow, short view, 760 x 540 beside the side panel in the projector theme)
        self.page_scroll = TallPage(page)
        self.stack.addWidget(self.page_scroll)
        # (in a picture the equations are whole, never scrolled: ``_show_equations``)
        self.page_scroll.whole.connect(self._pages_whole)
        lay = QtWidgets.QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self._page_layout = lay
        self.header = QuietLabel(hints_give_way=True)  # its text changes at every step: no layout pass for that
        # a stack of cells (Keras' RNN([LSTMCell(3), GRUCell(2)])): a button for each cell
        # beside the header, Over time's (``CellButtons.show_stack``, ``header_row``), picking
        # the cell whose page is shown, or under the header where beside it they would cost
        # it a line (``_fit_top``); hidden otherwise
        top, self.cell_box = header_row(self.header, self.show_cell)
        lay.addLayout(top)
        self._top = top
        self._widest_text = ""  # the header's widest text without its hint (_fit_top)
        self._top_key: tuple = ()  # (what _fit_top measured last, and its answer)
        self._beside = True
        # Top: in -> gates -> out, as bars over units (one row, read left to right).
        grid = QtWidgets.QGridLayout()
        grid.setHorizontalSpacing(2)
        grid.setVerticalSpacing(0)
        lay.addLayout(grid, 11)
        self.bars: dict[str, _BarPlot] = {}
        self.bar_view: pg.GraphicsView | None = None
        self.col_titles = []
        slots: list[tuple[str, _Slot]] = []
        for head, keys in self.GROUPS:
            lab = QtWidgets.QLabel(head)
            lab.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            self.col_titles.append(lab)
            for key in keys:
                slot = _Slot(self._place_bars)
                slots.append((key, slot))
        # (the "in" may say where the initial states come from, when it fits: _fit_in_title)
        self.col_titles[0].setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                         QtWidgets.QSizePolicy.Policy.Preferred)
        self._grid = grid
        self._slot_of = dict(slots)
        self._two_rows: bool | None = None
        self._arranged: tuple | None = None  # the charts shown in two rows (_arrange)
        self._columns: set | None = None  # the grid's columns of two rows
        self._hint = True  # the header's words for the mouse (_fit_rows)
        self._hold = True
        self._short_head = False  # two rows without the height for them (_fit_rows)
        #: the header's short form where its whole text would leave the charts
        #: ``PLOT_READABLE`` only (``_show_equations``)
        self._head_gives_way = False
        self._col_of: dict[str, int] = {}
        self._arrange(False)
        # The nine charts are drawn in one graphics view over their grid cells (nine views
        # cost a paint each, ~0.2 ms whatever changed, at every step): each chart is placed
        # where its cell is (_place_bars), the cells themselves paint nothing.
        self.bar_view = pg.GraphicsView(page)
        self.bar_view.setCentralItem(None)
        # a step changes every chart: one rectangle around what changed is repainted
        # (a few more pixels) rather than a region of ~30 rectangles, which clipped each
        # bar, axis and number drawn (~0.4 ms a step)
        self.bar_view.setViewportUpdateMode(QtWidgets.QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.bar_view.raise_()
        for key, slot in slots:
            self.bars[key] = _BarPlot(slot, self.bar_view, key)
            # a title moves inside its chart after the charts' layout (its axis takes its
            # width at its first paint): the titles are measured again then (_title_moved)
            self.bars[key].plot.titleLabel.geometryChanged.connect(self._title_moved)
            # alike charts' count axes tick alike (_same_ticks), again when one is resized
            self.bars[key].plot.getAxis("bottom").geometryChanged.connect(self._axis_moved)
            # the header's words for the mouse decided again once the plots are measured:
            # decided at a resize before they were laid out, they stayed (2 x LSTM(64) in a
            # window opened at 800 x 600: a header of three lines, 26 px of plot a chart)
            self.bars[key].plot.getViewBox().sigResized.connect(lambda *_: self._fit_rows())
        self.bar_view.scene().sigMouseClicked.connect(self._bar_clicked)
        for lab in self.col_titles:  # (two rows: the lower row's titles lie over the view)
            lab.raise_()
        # Below: the equations, large, one per row: symbol | formula | = numbers.
        # one text layout per step (a QLabel's cost ~10 ms: RichText); long equations move
        # their numbers to a second row (_show_equations) and the legend wraps, rather than
        # widening the window past the screen
        self.eq_label = RichText()
        self.eq_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        #: the equations' size relative to the body text: the body size, as the window has
        #: always shown them (1.3 here was undone by the style sheet's polish at the first
        #: show, then took effect at the first theme switch or Esc from presentation mode,
        #: which grew the equations to two rows each and a scroll bar)
        self.eq_scale = 1.0
        #: write W·x_t and U·h_{t-1} out term by term (per input feature, per unit)
        self.expanded = False
        # (its short form beside the side panel at 800 x 600 in the projector theme)
        self.expand_box = ShortCheckBox(*EXPAND_WORDS)
        self.expand_box.setToolTip(
            "<p>x<sub>t</sub> holds input_dim numbers, and each unit's gate has one weight per "
            "feature: W<sub>i</sub>·x<sub>t</sub> = W<sub>i</sub>[0]·x<sub>t</sub>[0] + "
            "W<sub>i</sub>[1]·x<sub>t</sub>[1] + … The U·h<sub>t−1</sub> terms show every "
            "unit's h<sub>t−1</sub> feeding this unit's gates: the units are not independent.</p>")
        self.expand_box.toggled.connect(self.set_expanded)
        control_only(self.expand_box)  # (not in an exported picture: the equations say what it did)
        lay.addWidget(self.expand_box)
        # where the equations scroll, the check box's row says at its right end how many
        # are out of sight, a link that scrolls to the next (presenting at 1280 x 720 beside
        # the side panel two of an LSTM's six stood in sight, a thin scroll bar the only
        # sign of the four below). A child of the box, laid over its empty right end: the
        # page's layout, measured to the pixel for the charts' room, is not changed
        self.more_below = QtWidgets.QLabel(self.expand_box)
        self.more_below.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.more_below.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.more_below.setToolTip("The equations scroll: more room for them with S (the side panel "
                                   "away) or F5 (presenting)")
        self.more_below.linkActivated.connect(lambda *_: self._next_below())
        self.more_below.hide()
        self._below: list[int] = []  # the last rows of the equations out of sight (_place_more)
        self.expand_box.installEventFilter(self)  # (its right end moves with its width)
        # the equations scroll when they are taller than their room (terms written out on
        # a projector): the bars above keep theirs
        self.eq_scroll = QtWidgets.QScrollArea()
        # the label is sized by _show_equations (to the height its rows were measured at),
        # not by the scroll area, which would lay the whole table out again at every step
        self.eq_scroll.setWidgetResizable(False)
        self.eq_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.eq_scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.eq_scroll.setWidget(self.eq_label)
        self.eq_scroll.viewport().setAutoFillBackground(False)
        self.eq_label.setAutoFillBackground(False)
        lay.addWidget(self.eq_scroll, 9)
        self.eq_scroll.viewport().installEventFilter(self)  # the label follows its width
        # (a row the viewport's bottom edge cuts to a sliver: out of sight, _drop_sliver)
        self.eq_scroll.verticalScrollBar().valueChanged.connect(lambda *_: self._drop_sliver())
        self.apply_theme(self.theme)

    #: the charts in their groups, read left to right: in -> gates -> out
    GROUPS = (("in", ("x", "h_prev", "c_prev")), ("gates", ("g0", "g1", "g2", "g3")), ("out", ("c", "h")))
    #: a chart's least width and height (px) in its cell; in two rows a little less tall,
    #: so that the equations below keep a few lines, and a little narrower, so that five
    #: charts in a row leave the page's scroll bar its room (``TallPage``: at 760 x 540
    #: in the projector theme, 60 px each held the window 768 px wide once it showed)
    SLOT_LEAST = (60, 120)
    SLOT_LEAST_TWO_ROWS = (56, 100)
    #: a chart's plot height (px) the equations leave where a compact form of them can
    #: (``_show_equations``): a back row reads the bars the lessons speak of
    PLOT_LEAST = 80
    #: a chart's plot height (px) the equations leave in any case where they keep two lines
    #: (at 800 x 600 they left 26 px: a value axis of one label)
    PLOT_READABLE = 44
    #: a chart's least width (px) in one row where the view has the height for two rows:
    #: its plot, beside its value axis, holds two unit labels (at 1024 x 768 one row of nine
    #: left each plot 25 px, its unit axis one label, "2" under 8 units)
    SLOT_ONE_ROW = 90

    def _arrange(self, two_rows: bool, hold: bool = True) -> None:
        """The charts in one row (in, gates, out), or, where the view is narrower than
        that row's least width, in two: in and out above, the gates below, each row's
        charts sharing its width (one row of nine held the window ~970 px wide beside the
        side panel, past an 800 x 600 screen; in above, gates and out below left six charts
        in a row of 374 px at 800 x 600, each plot ~25 px wide: a unit axis of one label).
        In one row a chart's least width is ``SLOT_LEAST``'s only where the view has not
        the height for two rows (``hold``): elsewhere one row gives way to two before its
        charts are narrower than that."""
        shown = tuple(key for key, slot in self._slot_of.items() if not slot.isHidden())
        if (two_rows, hold, shown if two_rows else None) == (self._two_rows, self._hold, self._arranged):
            return
        self._two_rows, self._hold, self._arranged = two_rows, hold, shown if two_rows else None
        grid = self._grid
        for lab in self.col_titles:
            grid.removeWidget(lab)
        for slot in self._slot_of.values():
            grid.removeWidget(slot)
        col_of: dict[str, int] = {}
        # (1, not 0: a least width of 0 is "none", and the layout takes the view's own, 68)
        least_w, least_h = (self.SLOT_LEAST_TWO_ROWS if two_rows
                            else (self.SLOT_LEAST[0] if hold else 1, self.SLOT_LEAST[1]))
        if two_rows:
            (in_keys, gate_keys, out_keys) = ([k for k in keys if k in shown] for _, keys in self.GROUPS)
            above = in_keys + out_keys
            # each row's charts share its width: spans of a grid of lcm(above, below) columns
            width = math.lcm(max(1, len(above)), max(1, len(gate_keys)))
            for row, keys in ((0, above), (2, gate_keys)):
                span = width // max(1, len(keys))
                for j, key in enumerate(keys):
                    slot = self._slot_of[key]
                    slot.setMinimumSize(least_w, least_h)
                    grid.addWidget(slot, row + 1, j * span, 1, span)
                    col_of[key] = j * span
            span = width // max(1, len(above))
            grid.addWidget(self.col_titles[0], 0, 0, 1, max(1, len(in_keys)) * span)
            grid.addWidget(self.col_titles[2], 0, len(in_keys) * span, 1, max(1, len(out_keys)) * span)
            grid.addWidget(self.col_titles[1], 2, 0, 1, width)
            self._columns = set(range(width))
        else:
            first = 0
            for lab, (_, group) in zip(self.col_titles, self.GROUPS):
                grid.addWidget(lab, 0, first, 1, len(group))
                for j, key in enumerate(group):
                    slot = self._slot_of[key]
                    slot.setMinimumSize(least_w, least_h)
                    grid.addWidget(slot, 1, first + j)
                    col_of[key] = first + j
                first += len(group)
            self._columns = None
        self._col_of = col_of
        grid.setRowStretch(1, 1)
        grid.setRowStretch(3, 1 if two_rows else 0)
        self._stretch_columns()

    def _stretch_columns(self) -> None:
        """Columns of shown charts share the width; the others take none."""
        shown = self._columns if self._columns is not None else {
            self._col_of[key] for key, slot in self._slot_of.items() if not slot.isHidden()}
        for col in range(max(self._grid.columnCount(), sum(len(g[1]) for g in self.GROUPS))):
            stretch = 1 if col in shown else 0
            if self._grid.columnStretch(col) != stretch:  # (a new stretch lays the page out)
                self._grid.setColumnStretch(col, stretch)

    def _fit_rows(self) -> None:
        """One row of charts where the view holds them ``SLOT_ONE_ROW`` wide, else two
        where the view has the height for them (a header of three lines, two rows of charts and titles,
        the check box and two lines of equations: at 800 x 500 it has not, and two rows
        squeezed the header out), else one row at the charts' least width, as ever."""
        if getattr(self, "eq_scroll", None) is None:
            return  # (being made)
        if self._placing:
            # (a chart resized while the grid lays its cells out, _place_bars: the grid's
            # items moved in the middle of its own setGeometry crashed Qt (a GRU's terms
            # written out at 800 x 600 presenting); the rows are fitted after it)
            if not self._fit_pending:
                self._fit_pending = True
                later(self, type(self)._fit_rows_later)
            return
        n = sum(not slot.isHidden() for slot in self._slot_of.values())
        m = self._outer().contentsMargins()
        one_row = n * self.SLOT_ONE_ROW + max(0, n - 1) * self._grid.horizontalSpacing()
        titles = max(lab.sizeHint().height() for lab in self.col_titles)
        # (the header's height as three lines, not as it is laid out now: that changes with
        # the width, which two rows change in turn)
        head_line = QtGui.QFontMetrics(self.header.label.font()).lineSpacing()
        head = 3 * head_line
        need = (head + 2 * (titles + self.SLOT_LEAST_TWO_ROWS[1])
                + self.expand_box.sizeHint().height() + 2 * QtGui.QFontMetrics(self.eq_label.font()).lineSpacing()
                + m.top() + m.bottom() + 3 * max(0, self._page_layout.spacing()))
        tall = self.height() >= need
        width = self.width() - m.left() - m.right()
        # a view narrower than one row at the charts' least width (800 x 600 beside the side
        # panel in the projector theme: one row held the window 1022 px wide) takes two rows
        # (the header's short form where they leave it a line and the equations their two;
        # where they leave less, at 800 x 500 or 760 x 540, the page scrolls: TallPage)
        # (within half a chart of it: a window asked narrower than one row at that least
        # width is held a few px past it, and the row stayed: a GRU's six charts at 800 x 600
        # in the projector theme held the window 822 px wide, the view 4 px past that least)
        narrow = width < (n + 0.5) * self.SLOT_LEAST[0] + max(0, n - 1) * self._grid.horizontalSpacing()
        # (one row at the charts' least width, where two lacked the height, held a 760 x
        # 540 window 1002 px wide)
        self._arrange((tall or narrow) and width < one_row, hold=not tall)
        self._short_head = bool(self._two_rows) and not tall
        # two rows, a line of the header and two of equations taller than the view: the page
        # scrolls (TallPage), and the header keeps its whole text (squeezed to nothing else)
        fits = self.height() >= need - head + head_line
        self.header.set_whole(bool(self._two_rows) and not fits)
        # its short form's lines never squeezed (the equations' two lines are their least,
        # ``_show_equations``: at 760 x 540 the layout cut the header's line to 18 px)
        self.header.set_short_whole(self._short_head or self._head_gives_way)
        # the header's words for the mouse ("click a bar to pick its unit", a line of it in a
        # narrow view) give way where two rows of charts would otherwise have less than
        # PLOT_READABLE of plot above two lines of equations (800 x 600)
        shown = [bp for bp in self.bars.values() if not bp.widget.isHidden()]
        beside = (shown[0].widget.height() - shown[0].plot.getViewBox().height()
                  if shown and shown[0].widget.height() > 1 else 0)
        hint = not (self._two_rows and beside and self.height() < need + 2 * max(
            0, beside + self.PLOT_READABLE - self.SLOT_LEAST_TWO_ROWS[1]))
        # (and where a stack of cells' buttons stand under the header, taking a row of the
        # charts' height: presenting at 1024 x 768 beside the side panel)
        hint = hint and not self._under()
        if hint != self._hint:
            self._hint = hint
            if self._charts and self._drawn and not self._showing and self.ref is not None:
                self._show(self.cursor)  # the header with or without it

    def _fit_rows_later(self) -> None:
        self._fit_pending = False
        if shiboken6.isValid(self):
            self._fit_rows()

    def _place_bars(self) -> None:
        """The charts' view over the grid cells of the shown charts, each chart over its
        cell (as a view of its own in that cell showed it)."""
        if self.bar_view is None:
            return  # (the cells are being made)
        self._placing = True
        try:
            self._place_bars_now()
        finally:
            self._placing = False

    def _place_bars_now(self) -> None:
        assert self.bar_view is not None  # (_place_bars: made)
        self._layout_serial += 1  # the charts' titles measured again (_too_narrow)
        shown = [bp for bp in self.bars.values() if not bp.widget.isHidden()]
        if not shown:
            self.bar_view.setVisible(False)
            return
        area = shown[0].widget.geometry()
        for bp in shown[1:]:
            area = area.united(bp.widget.geometry())
        if self.bar_view.geometry() != area:
            self.bar_view.setGeometry(area)
        self.bar_view.setVisible(True)
        for bp in self.bars.values():
            on = not bp.widget.isHidden()
            if on:
                cell = bp.widget.geometry()
                bp.frame.setPos(QtCore.QPointF(cell.topLeft() - area.topLeft()))
                rect = QtCore.QRectF(0, 0, cell.width(), cell.height())
                if bp.frame.rect() != rect:
                    bp.frame.setRect(rect)
                if bp.plot.geometry() != rect:
                    # (a chart needing more than its cell keeps its minimum width: once its
                    # axes need less, e.g. after a new range, it fits its cell again)
                    bp.plot.setGeometry(rect)
                # clipped only where the chart needs more than its cell (a clip of its own
                # rounds a pixel at the view box's edge otherwise)
                over = bp.plot.geometry().width() > rect.width() or bp.plot.geometry().height() > rect.height()
                bp.frame.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, over)
            if bp.frame.isVisible() != on:
                bp.frame.setVisible(on)
            if on:
                bp._place_title()  # (kept inside the view: it may have moved under the title)
        self._fit_titles()

    def _title_moved(self) -> None:
        """A chart's title moved in its chart: the titles measured again on the next turn
        of the event loop (once for all that moved). Opened on the Cell tab at 1280 x 720,
        they were measured before c_t-1's axis took its width, found apart, and
        "h_t-1 (init.)" ran into "c_t-1 (init.)" until the next resize."""
        if not self._titles_pending:
            self._titles_pending = True
            QtCore.QTimer.singleShot(0, self._titles_laid_out)

    def _axis_moved(self) -> None:
        """A chart's count axis changed its size: the charts' count axes made alike on the
        next turn of the event loop (once for all that moved)."""
        if not self._ticks_pending:
            self._ticks_pending = True
            later(self, type(self)._same_ticks)

    def _same_ticks(self) -> None:
        """Charts of as many bars tick their count axes alike: the ticks that fit the
        narrowest of them (each fitted its own: at 1280 x 720 presenting, the charts whose
        value axis reads "0.5" had room for "0 2" under their bars, the others "0 1 2 3")."""
        self._ticks_pending = False
        if not shiboken6.isValid(self):
            return
        groups: dict[int, list] = {}
        for bp in self.bars.values():
            if not bp.widget.isHidden() and bp._set_up:
                groups.setdefault(bp.n, []).append(bp.plot.getAxis("bottom"))
        for n, axes in groups.items():
            full = count_ticks(n, max_ticks=5)
            narrowest = min(axes, key=lambda a: a.width())
            if narrowest.width() <= 1:
                continue  # (not laid out yet: again when it is)
            ticks = counted_ticks(narrowest, n, 0, 16, full, None, True)
            for axis in axes:
                count_axis(axis, n, ticks=ticks, middle=True)

    def _titles_laid_out(self) -> None:
        self._titles_pending = False
        if shiboken6.isValid(self) and self.bar_view is not None:
            self._layout_serial += 1
            self._fit_titles()

    def _fit_titles(self) -> None:
        """The charts' titles whole, or their symbols alone where the whole ones run into
        each other, and their numbers' decimals, as the charts' places now ask."""
        if (self._charts and self._drawn and not self._showing and self.ref is not None
                and (self._title_mode() != (self._named, self._short, self._init)
                     or self._number_look() != self._numbers or self._x_fits() != self._x_whole)):
            self._show(self.cursor)  # the titles whole or short again
        elif self._charts:
            self._fit_in_title()

    def _title_mode(self) -> tuple[bool, bool, bool]:
        """(named, short, init): h_t-1 and c_t-1 name the input or layer their initial states
        come from ("h_t-1 = input_2") where the whole titles fit so; else the titles are
        those of any other step and the "in" over the charts says it (``_fit_in_title``),
        and where even those run into each other, every chart shows its symbol alone. Short
        or not is chosen by the titles of the steps after the first, at every step: at step
        0 "h_t-1 (init.)" and "c_t-1 (init.)" say "(init.)" where it fits (``init``), else
        they read as at any other step (playing the demo at 1280 x 800, every title went
        from "i_t" at step 0 to "i_t input" at step 1 and back to "i_t" at step 0)."""
        # (an em apart at least: "h_t-1 = input_4 c_t-1 = input_5", a space apart, read as one)
        named = self._named_charts != self._charts and not self._too_narrow(self._named_charts, "\u2003")
        short = not named and self._too_narrow(self._plain_charts)
        init = (not named and not short and self._charts != self._plain_charts
                and not self._too_narrow(self._charts))
        return named, short, init

    def _too_narrow(self, charts: list, gap: str = " ") -> bool:
        """Whether the charts' whole titles ``charts`` run into each other (or are cut at
        a chart's cell or at the charts' edge): then every chart shows its symbol alone
        (h<sub>t−1</sub>, not h<sub>t−1</sub> (init.)), all together. At 1024 x 768 the
        nine titles of an LSTM read as one run of words. (``gap``: the least room
        between two titles.)"""
        key = (self._layout_serial, id(self.theme), gap, tuple(lab for _, lab in charts))
        if key in self._narrow:  # (a step: the same titles over the same charts)
            return self._narrow[key]
        shown = [(bp, lab) for bp, lab in charts if not bp.widget.isHidden()]
        if not shown or self.bar_view is None:
            return False
        if len(self._narrow) > 8:  # (kept: a step's two forms of titles, for one layout)
            self._narrow.clear()
        narrow = self._narrow[key] = self._measure_narrow(shown, gap)
        return narrow

    def _x_fits(self) -> bool:
        """Whether x_t's title naming where a later cell of a stack of cells takes it from
        ("x_t = h_t of r (cell 0)") stands clear of the other charts' titles as they are
        shown; else x_t alone, and the "in" over the charts says it (``_fit_in_title``):
        an LSTM's nine charts at 1280 x 800 beside the side panel, whose titles it would
        have cut to their symbols alone."""
        if self._x_source is None:
            return False
        return not self._too_narrow([(bp, self._x_title() if bp.key == "x" else lab)
                                     for bp, lab in self._shown_titles])

    def _x_title(self) -> str:
        """x_t's chart's title naming its source (``_x_source``), its symbol bold."""
        return "<b>x<sub>t</sub></b>" + (self._x_source or "")[len("x<sub>t</sub>"):]

    def _fit_in_title(self) -> None:
        """The "in" over the charts, followed at step 0 by where the model's initial states
        come from ("in · h, c from lstm_1") where h_t-1 and c_t-1 cannot say it themselves
        (``_title_mode``), and by where a later cell of a stack takes x_t from where its
        chart's title cannot say it (``_x_fits``), if that fits over the charts (its whole
        text in its tooltip)."""
        lab = self.col_titles[0]
        note = self._in_note if not self._named else ""
        html = markup(note)
        said = f"at step 0: {note}" if note else ""
        if self._x_source is not None and not self._x_whole:
            words = f"x_t = {self._x_words}"
            note = f"{words}; {note}" if note else words
            html = f"{self._x_source}; {html}" if html else self._x_source
            said = f"{words}; {said}" if said else words
        text = "in"
        if note:
            bold, plain = QtGui.QFontMetricsF(lab.font()), QtGui.QFontMetricsF(self.theme.font(0.85))
            if bold.horizontalAdvance("in ") + plain.horizontalAdvance(f"· {note}") + 4 <= lab.width():
                text = (f'in <span style="font-weight:normal; font-size:{self.theme.pt(0.85)}pt">'
                        f"· {html}</span>")
        tip = text_tip(said) if said else ""
        if lab.text() != text:
            lab.setText(text)
        if lab.toolTip() != tip:
            lab.setToolTip(tip)

    def _measure_narrow(self, shown: list, gap: str = " ") -> bool:
        assert self.bar_view is not None  # (_too_narrow: made)
        spans = []
        for bp, lab in shown:
            span = bp.title_span(lab, self.theme)
            if span is None:
                self._layout_serial += 1  # (measured again once the charts have titles)
                return False
            cell = bp.widget.geometry()
            if bp.clipped and (span[0] < cell.left() or span[1] > cell.right() + 1):
                return True
            spans.append(span)
        spans.sort()
        area = self.bar_view.geometry()
        room = QtGui.QFontMetricsF(self.theme.font(0.85)).horizontalAdvance(gap)
        return (spans[0][0] < area.left() or spans[-1][1] > area.right() + 1
                or any(a[1] + room > b[0] for a, b in zip(spans, spans[1:])))

    def _decimals(self) -> int:
        """The charts' numbers' decimals: 3, as the equations below them write them, or 2
        where a number of 3 ("−0.000") and a space are wider than the charts are apart (at
        800 x 500 h_t-1's and c_t-1's read as one number, "−0.476−1.250"). Measured, in the
        theme's type: lecture-sized type alone took 2 (presenting at 1280 x 720, c_t-1
        "0.00" and c_t "0.02" over "= 0.731·0.004 + ... = 0.018", where 3 fitted)."""
        return 2 if self._numbers_tight() else 3

    def _number_look(self) -> tuple:
        """What the charts' numbers are written by: their decimals, whether they are tight,
        and the charts' pitch (x_t's "input 2,222" or "2,222" by it: a new layout's wider
        pitch, two rows at 700 x 500, wrote the short form on until the next step)."""
        nd, tight = self._decimals(), self._numbers_tight()
        return nd, tight, None if self._pitch is None else self._pitch[0]

    def _numbers_tight(self) -> bool:
        key = (self._layout_serial, id(self.theme))
        if key == self._tight_key:  # (a step: the same charts)
            return self._tight
        # side by side: in two rows, the charts of each row (the last of one row and the
        # first of the next were taken for neighbours, a negative pitch: 2 decimals for all,
        # "0.62" over the chart where the equations say 0.624)
        # (a number stands under its title, centred over the chart's plot, right of its
        # cell's centre by its value axis, and a row's last number is moved in from the
        # charts' right edge, ``_place_title``: at 800 x 500 in the projector theme the
        # cells' centres were 69 px apart, c_t's and h_t's numbers 62.5, "−0.155" touching
        # "0.122")
        shown = sorted(((bp.widget.geometry(), bp) for bp in self.bars.values() if not bp.widget.isHidden()),
                       key=lambda gb: (gb[0].top(), gb[0].left()))
        pairs = [(a, b) for a, b in zip(shown, shown[1:]) if a[0].top() == b[0].top()]
        tight = False
        self._pitch = None
        if pairs:
            assert self.bar_view is not None  # (charts shown: made by _place_bars)
            metrics = QtGui.QFontMetricsF(self.theme.font(0.85))
            edge = self.bar_view.geometry().right() + 1 - metrics.horizontalAdvance("−0.000") / 2

            def centre(g: QtCore.QRect, bp: _BarPlot) -> float:
                return min(g.left() + bp.plot.titleLabel.geometry().center().x(), edge)

            pitch = min(centre(*b) - centre(*a) for a, b in pairs)
            tight = metrics.horizontalAdvance("−0.000 ") > pitch
            self._pitch = (pitch, metrics)
        self._tight_key, self._tight = key, tight
        return tight

    def _fits(self, text: str) -> bool:
        """``text`` fits above its chart beside the next chart's number (``_numbers_tight``)."""
        if self._pitch is None:
            return True
        pitch, metrics = self._pitch
        return metrics.horizontalAdvance(text + " ") <= pitch

    def _bar_clicked(self, ev) -> None:
        """A click on a bar over units picks that unit (the input's bars are features)."""
        if ev.button() != QtCore.Qt.MouseButton.LeftButton or self.ref is None:
            return
        hit = [bp for bp in self.bars.values() if bp.frame.isVisible()
               and bp.frame.sceneBoundingRect().contains(ev.scenePos())
               and bp.plot.getViewBox().sceneBoundingRect().contains(ev.scenePos())]
        if not hit or hit[0].key == "x":
            return
        bp = hit[0]
        vb = bp.plot.getViewBox()
        unit = int(np.floor(vb.mapSceneToView(ev.scenePos()).x() + 0.5))
        if 0 <= unit < min(bp.n, self.ref.units):
            ev.accept()
            self.unit_requested.emit(unit)

    # -- theme ----------------------------------------------------------------------------
    def set_focus(self, enabled: bool) -> None:
        """Focus mode: dim every bar but the selected unit's."""
        for bp in self.bars.values():
            bp.focus = bool(enabled)
        self._focus = bool(enabled)
        if self.step_page is not None:  # (its outputs' chart: the input's bars are features)
            self.step_page.bars["y"].focus = self._focus
            self.step_page.eq_label.setVisible(self._equations_shown)
        self._setup_key = self._charts_look = None
        if self.model is not None:
            self._show(self.cursor)

    def set_equations_visible(self, visible: bool) -> None:
        self.eq_scroll.setVisible(bool(visible))
        self.eq_label.setVisible(bool(visible))
        self.expand_box.setVisible(bool(visible))
        self._equations_shown = bool(visible)
        if self.step_page is not None:  # (its equation, the line on the weights and the legend)
            self.step_page.eq_label.setVisible(self._equations_shown)

    def set_expanded(self, on: bool) -> None:
        """Write each gate's W·x_t and U·h_{t-1} out term by term (or not)."""
        self.expanded = bool(on)
        if self.expand_box.isChecked() != self.expanded:
            self.expand_box.setChecked(self.expanded)
        self._fit_cache = {}
        self._height_cache = (None,)
        if self.model is not None and self.ref is not None:
            self._show(self.cursor)

    def _with_terms(self, eqs: list, ref: CellRef, s: int, t: int, u: int) -> list:
        """``eqs`` with each gate's W·x_t and U·h_{t-1} rows after its equation."""
        if self._x is None:
            return eqs
        gates = {key: ref.rec.steps[key][s, t] for key in ref.layer.cell.gate_keys if key in ref.rec.steps}
        terms = projection_terms(ref.layer, self._x[s, ref.input_index(t)], ref.prev("h", s, t), u, gates)
        # the first gate written out (i, z, or a SimpleRNN's h): the others are the same
        # sums with their own columns of W and U, and the bars keep their room
        first = terms[0].key
        out = []
        for eq in eqs:
            # a one-gate cell (SimpleRNN) computes h itself: its sums come before its line
            after = ref.cell.k == 1 and eq.key == first
            if not after:
                out.append(eq)
            for term in terms:
                if term.key == eq.key == first:
                    out.append(Equation(eq.key, *term.text()))
            if after:
                out.append(eq)
        return out

    def apply_theme(self, theme: th.Theme) -> None:
        self.theme = t = theme
        self.header.setFont(t.font(1.15))
        self.cell_box.set_font(t.font(1.0))  # (a stack of cells' buttons, as Over time's)
        self.message.setFont(t.font(1.3))
        for lab in self.col_titles:
            lab.setFont(t.font(1.0, bold=True))
        self.eq_label.setFont(t.font(self.eq_scale))
        # (its t's at the text's size where the sizes are a hall's: "W·x_t")
        self.expand_box.set_forms(*(t.plain_scripts(words) for words in EXPAND_WORDS))
        self._setup_key = self._charts_look = None
        if self.model is not None:
            self._show(self.cursor)

    # -- data -----------------------------------------------------------------------------
    def set_data(self, model: Model, trace: Trace, inputs=None) -> None:
        self.model, self.trace, self.inputs = model, trace, inputs
        self._setup_key = None  # (the charts' layout stays where the charts do: _setup)
        self._step_key = None

    def set_token_labels(self, labels: tuple[str, ...] | None) -> None:
        """What each token id of the input stands for (typed text: its characters,
        ``InputEdits.token_labels``), or None (ids from a file: numbers): the header names
        the token x_t embeds, from the next ``set_data`` on."""
        self._labels = tuple(labels) if labels is not None else None

    def set_overview(self, overviews: dict | None) -> None:
        """A long input's whole sequence (``LongSequence.overviews``): the charts of h and
        c take its levels; None: each trace's own. ``trace`` is then a window."""
        if overviews is not self.overviews:
            self.overviews = overviews
            self._setup_key = self._charts_look = None

    def _overview(self, ref: CellRef, key: str):
        return overview_of(self.overviews, ref.name, ref.side, key)

    def set_cursor(self, cursor: Cursor) -> None:
        self._show(cursor, later=self.hidden_in_window())

    def describe(self) -> str:
        # (a stack of cells: the cell its buttons picked)
        return accessible.cell_view(self.model, self.trace, self.cursor, self.sample_base,
                                    ref=self.ref if self._cells else None)

    def _show(self, cursor: Cursor, later: bool = False) -> None:
        """Draw ``cursor``'s step; ``later``: only its equations' numbers now, the rest
        when the view is shown (another tab is on screen)."""
        self._showing = True
        try:
            self._show_now(cursor, later)
        finally:
            self._showing = False

    def _show_now(self, cursor: Cursor, later: bool) -> None:
        self.cursor = cursor
        if self.model is None:
            self.stack.setCurrentWidget(self.message)
            return
        ref = cell_ref(self.model, self.trace, cursor.layer, cursor.side)
        cells = stacked_cell_refs(self.model, self.trace, cursor.layer) if ref is None else []
        # a stack of cells: the page of the cell picked beside the header
        ref = self.cell_box.show_stack(cells, self.theme.font(1.0)) or ref
        self.ref, self._cells = ref, len(cells)
        if ref is None:  # (another page: the cell's drawn anew when it comes back)
            self._page = None
        if ref is None and self._show_step(cursor, later):
            return
        if ref is None:  # (what the view shows, and the layers to pick: as Over time says it)
            self.message.setText(no_page_text(self.model, cursor.layer))
            self._eqs = []
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        s, t, u = ref.clamp_cursor(cursor)
        skey = (id(self.trace), ref.name, ref.side)
        if skey != self._setup_key:
            self._setup(ref)
            self._setup_key = skey
        if later:
            self._page = None
            self._eqs = equations(ref, s, t, u)
            if self.expanded:
                self._eqs = self._with_terms(self._eqs, ref, s, t, u)
            self._drawn = False
            return
        self._drawn = True
        self._update(ref, s, t, u)

    def _show_step(self, cursor: Cursor, later: bool) -> bool:
        """A layer that maps each step on its own with weights (a Dense, TimeDistributed(
        Dense), a Conv1D: ``app/step_ref.py``) on its page (``step_page.StepPage``), or in a
        long input's window without what its step reads, the message why; False for any other."""
        key = (id(self.trace), id(self.inputs), cursor.layer)
        if key != self._step_key:
            self._step_key = key
            self._step = step_ref(self.model, self.trace, cursor.layer, self.inputs)
            self._step_refusal = (step_refusal(self.model, self.trace, cursor.layer, self.inputs)
                                  if self._step is None else None)
        said = self._step_refusal
        if self._step is not None:  # (a long input's window without the step's taps: ``StepRef.outside``)
            said = self._step.outside(self._step.clamp_cursor(cursor)[1])
        elif said is None:
            return False
        if said is not None:
            self.message.setText(said)
            self._eqs = []
            self.stack.setCurrentIndex(0)
            return True
        assert self._step is not None
        if self.step_page is None or self.step_scroll is None:
            self.step_page = StepPage(self.unit_requested.emit, _BarPlot, to_html)  # (this page's charts)
            # (scrolling where the view is shorter than the page's least: 800 x 600 presenting)
            self.step_page.bars["y"].focus = self._focus
            self.step_page.eq_label.setVisible(self._equations_shown)
            self.step_scroll = TallPage(self.step_page)
            self.stack.addWidget(self.step_scroll)
        self._eqs = []
        self.stack.setCurrentWidget(self.step_scroll)
        if later:
            self._drawn = False
            return True
        self._drawn = True
        self.step_page.show_step(self._step, cursor, self.theme, self.sample_base)
        return True

    def show_cell(self, k: int) -> None:
        """Show the page of cell ``k`` of a stack of cells (its button clicked)."""
        self.cell_box.pick(k)
        if self.model is not None:
            self._show(self.cursor, later=self.hidden_in_window())

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._drawn and self.model is not None:
            self._show(self.cursor)

    def _levels_of(self, ref: CellRef, key: str):
        if key in ("x",):
            below = cell_below(ref)  # (a later cell of a stack of cells: the cell before's h)
            ov = (input_overview(self.overviews, ref.name) if below is None
                  else overview_of(self.overviews, ref.name, below, "h"))
            if ov is not None:  # a long input's window: the whole sequence's input, as for h and c
                return ov.levels(False)
            arr = self._x
            return (0, 1) if arr is None else th.symmetric_levels(arr)
        if key in GATE_KEYS:
            ov = self._overview(ref, key)
            return ov.levels(True) if ov is not None else gate_levels(ref.rec.steps[key])
        ov = self._overview(ref, key)
        if ov is not None:
            # a long input's window: the whole sequence's levels (as the Over time view's
            # colours), so another window of it changes no chart's range
            lo, hi = ov.levels(False)
            first = ref.rec.start == 0
            if first and key in ref.rec.initial_state and ref.rec.initial_state[key].size:
                m = float(np.max(np.abs(ref.rec.initial_state[key])))
                if np.isfinite(m) and m > hi:  # the states the sequence starts from
                    lo, hi = -m, m
            return lo, hi
        return th.symmetric_levels(ref.rec.steps[key],
                                   *([ref.rec.initial_state[key]] if key in ref.rec.initial_state else []))

    def _setup(self, ref: CellRef) -> None:
        assert self.model is not None  # (_show_now: a model to show)
        t = self.theme
        U = ref.units
        # (in the input's order: a long input's window of a half that runs backwards, the
        # input steps its record holds; a later cell of a stack of cells, the cell before's h)
        self._x = cell_input(self.model, self.trace, ref, self.inputs)
        if self._x is not None and np.asarray(self._x).ndim != 3:
            self._x = None
        gates = ref.cell.gate_keys
        # where the model gives the cell its initial states (an input, another layer's):
        # said over h_t-1 and c_t-1 at step 0 instead of "(init.)"
        self._sources = state_sources(self.model, ref)
        self._slots = {"x": "x", "h_prev": "h", "h": "h"}
        if "c" in ref.cell.states:
            self._slots.update({"c_prev": "c", "c": "c"})
        for g, gate_key in enumerate(gates):
            self._slots[f"g{g}"] = gate_key
        charts: list[tuple] = []  # what the charts' layout is made of (below)
        for slot, bp in self.bars.items():
            key = self._slots.get(slot)
            shown = key is not None and (slot != "x" or self._x is not None)
            bp.widget.setVisible(shown)
            if key is None:
                charts.append((slot, None))
                continue
            n = U if slot != "x" else (self._x.shape[-1] if self._x is not None else 1)
            yr = self._levels_of(ref, key)
            bp.style(t, t.hue(key))
            bp.setup(n, yr, key, t)
            charts.append((slot, shown, key, n, tuple(float(v) for v in yr)))
        self.col_titles[1].setVisible(bool(gates))
        # the same charts in the same places (a long input's next window, each seek's quick
        # steps: the sequence's levels, the same units, theme and focus): nothing of their
        # layout to fit again (the rows, the columns' stretch, the charts' places and
        # titles' room, their counts made alike); a resize fits them itself (resizeEvent,
        # the plots' sigResized)
        look = (tuple(charts), bool(gates), id(t), self._focus, ref.name, ref.side, self._cells)
        if look != self._charts_look:
            self._charts_look = look
            self._fit_rows()
            self._stretch_columns()
            self._place_bars()
            self._axis_moved()  # (new charts: their counts made alike)
        major = self.model.keras_major
        seen = activation_names(ref)
        self._act_legend = " · ".join(f"{n}(x) = {formula(n, major)}" if formula(n, major) != f"{n}(x)" else f"{n}(x)"
                                      for n in seen)

    def _update(self, ref: CellRef, s: int, t: int, u: int) -> None:
        th_ = self.theme
        rec = ref.rec
        # a later cell of a stack of cells: x_t is the cell before's h_t at this step
        # ("x_t = h_t of r (cell 0)", as the step page titles a layer's input from another)
        source = input_source(ref)
        tau = ref.input_index(t)
        o = int(ref.rec.start)  # a long input's window: the record's first step
        start = window_first(self.trace, rec)  # (a layer's own steps after a strided pooling)
        read = ref.input_step(t, start)  # the input step x_t is
        # charts too close for numbers of 3 decimals: 2, so the numbers fit above them
        self._numbers = self._number_look()
        nd, tight = self._numbers[:2]
        charts: list[tuple] = []  # (chart, values, unit, whole title, its symbol alone, number)
        named: dict[str, str] = {}  # h_t-1's and c_t-1's whole titles naming their source
        plain: dict[str, str] = {}  # their titles as at any other step (without "(init.)")
        for slot, key in self._slots.items():
            bp = self.bars[slot]
            if slot == "x":
                if self._x is None:
                    continue
                vals = np.asarray(self._x[s, tau], np.float32)
                # short: a narrow column cut off 'input step 6'; narrower still, 'input 12'
                # ran into h_t-1's number: x_t is the input's step 12, x[12] (as a long
                # input's 'input 7005' did where 0.000 fitted)
                # (after a strided Conv1D or pooling x_t is that layer's output at its step
                # ``read``: "pool 6,000", not "input 6,000", which is input step 12,000)
                below = steps_below(self.model, ref.name)
                # (a later cell of a stack: the step of the cell before it reads, "step 3")
                whose = "step" if source is not None else "input" if below is None else below
                moved = (moved_step(self.model, self.trace, ref.name, read)
                         if below is not None and source is None else None)
                if ref.name in mixed_steps(self.model):
                    # (its input's steps each over two input steps, ``mixed_steps``: the step of
                    # that sequence it reads, the header says the two; it said "input 6")
                    whose, shown = "step", t + o if not ref.rec.go_backwards else (
                        getattr(self.trace, "total_steps", None) or ref.T) - 1 - (t + o)
                elif moved is not None:
                    # (after a Cropping1D, ZeroPadding1D or UpSampling1D the input step it
                    # reads, or the padding's zeros: "up 5" named the upsampling's step)
                    whose, shown = "input", moved
                else:
                    shown = read
                where = f"{whose} {count(shown)}" if moved is None or moved >= 0 else "padding"
                # (the form chosen for the widest step of the layer's, at every step: at
                # 1024 x 768 presenting, "input 9" fitted and "input 10" did not, and x_t's
                # number changed its form as the steps went by and back)
                widest = max((ref.input_step(k, start) for k in (0, max(0, ref.T - 1))),
                             key=lambda r: len(count(r)))
                if tight or not self._fits(f"{whose} {count(widest)}"):
                    # (x[1234], not x[1,234], which reads as two indices; after a Cropping1D,
                    # ZeroPadding1D or UpSampling1D the input step it reads, or its padding)
                    at = read if moved is None else moved
                    where = (f"x[{at}]" if widest < 1000 and self._fits(f"x[{widest}]") else count(at)) \
                        if moved is None or moved >= 0 else "padding"
                # a token's embedding (an Embedding first): which token, its character where
                # the app made the ids from typed text (the header says the step)
                i = input_token(self.model, self.trace, ref, s, t, self.inputs)
                if i is not None:  # (the labels are the first input's: a decoder's ids by number)
                    where = token_text(i, self._labels if fed_by(self.model, ref.name) == 0 else None,
                                       short=tight)
                elif vals.size == 1:
                    # one feature: its value, as every other chart shows its selected unit's
                    # (the header says which input step it is)
                    where = fmt(vals.reshape(-1)[0], nd)
                # (its source, a later cell's, in its title where that fits: _x_fits)
                charts.append((bp, vals, None, "<b>x<sub>t</sub></b>", "<b>x<sub>t</sub></b>", where))
                continue
            if slot in ("h_prev", "c_prev"):
                vals = ref.prev(key, s, t)
                symbol = f"{key}<sub>t−1</sub>"
                first = t + o == 0
                lab = symbol + (" (init.)" if first and key not in self._sources else "")
                if first and key in self._sources:
                    named[slot] = symbol + self._source_note(key)
            else:
                vals = rec.steps[key][s, t]
                symbol = f"{th.symbol_html(key)}<sub>t</sub>" if key not in ("h", "c") else f"{key}<sub>t</sub>"
                lab = f"{symbol} {SHORT.get(key, '')}" if key not in ("h", "c") else f"{symbol} out"
            # the selected unit's value: the band marks which bar, the header which unit
            if slot in ("h_prev", "c_prev") and lab != symbol:
                plain[slot] = f'<span style="color:{th_.hue(key)}"><b>{symbol}</b></span>'
            lab, symbol = (f'<span style="color:{th_.hue(key)}"><b>{x}</b></span>' for x in (lab, symbol))
            if slot in named:
                named[slot] = f'<span style="color:{th_.hue(key)}"><b>{named[slot]}</b></span>'
            charts.append((bp, vals, u, lab, symbol, fmt(vals[u], nd)))
        self._charts = [(bp, lab) for bp, _, _, lab, _, _ in charts]
        self._named_charts = [(bp, named.get(bp.key, lab)) for bp, lab in self._charts]
        self._plain_charts = [(bp, plain.get(bp.key, lab)) for bp, lab in self._charts]
        self._in_note = self._sources_said() if named else ""
        self._named, self._short, self._init = self._title_mode()
        shown = [(bp, symbol if self._short else whole if self._named else lab if self._init else other)
                 for (bp, _, _, lab, symbol, _), (_, whole), (_, other) in zip(
                     charts, self._named_charts, self._plain_charts)]
        self._shown_titles = shown
        self._x_source = None
        if source is not None:  # (the symbol written as the equations write it)
            symbol, of = source.split(" of ", 1)
            self._x_source = f"x<sub>t</sub> = {to_html(symbol)} of {markup(of)}"
            self._x_words = source
        self._x_whole = self._x_fits()
        sets = [(bp, vals, unit, self._x_title() if bp.key == "x" and self._x_whole else title, value)
                for (bp, vals, unit, _, _, value), (_, title) in zip(charts, shown)]
        eqs = equations(ref, s, t, u)
        if self.expanded:
            eqs = self._with_terms(eqs, ref, s, t, u)
        page = self._page_shown(ref, s, t + o, u, ref.masked(s, t), sets, eqs)
        same = page is not None and page == self._page
        self._page = page
        if not same:
            for bp, vals, unit, title, value in sets:
                bp.set(vals, unit, title, value, th_)
            self._fit_in_title()
        order = ""
        if ref.backwards:
            order = " (processed right to left)"
        side, fewer = (f" {ref.side}" if ref.side else ""), ""
        if self._cells:  # a stack's cell, as the Unrolled rows name it: "r (cell 1)"
            side = markup(ref.label[len(ref.name):])
            # (the unit box counts the widest cell's units: a smaller cell shows its last,
            # and says so, as Over time's header does)
            if self.cursor.unit > u:
                fewer = f" (this cell has no unit {self.cursor.unit}: its last)"
        masked = ref.masked(s, t)
        mtxt = ' · <span style="color:#D55E00"><b>masked: state carried over</b></span>' if masked else ""
        # (short: where the view has not the height for it beside two rows of charts, the
        # data first: the kind, and an input step that is the step itself, left out)
        # (a layer after a strided Conv1D or pooling reads that layer's steps: "= pool's step")
        below = steps_below(self.model, ref.name)
        word = "input step" if below is None else f"{markup(below)}'s step"
        # (its steps each over two input steps: after a merge of a turned and an unturned
        # sequence, ``mixed_steps``; "= input step 6 (processed right to left)" named one)
        mixed = ref.name in mixed_steps(self.model)
        total = (getattr(self.trace, "total_steps", None) or ref.T) if mixed else 0

        def over(read, moved_text=None) -> str:
            # (after a Cropping1D, ZeroPadding1D or UpSampling1D the input step it reads at
            # once, or "padding": "= up's step 5" sent the student through two headers;
            # ``moved_text`` said in its place, ``widest_header``)
            moved = (None if mixed or below is None
                     else moved_text or moved_said(self.model, self.trace, ref.name, read, bold=False))
            return (mixed_said(read, total, bold=False) if mixed else f"{moved}{order}" if moved is not None
                    else f"{word} {count(read)}{order}")
        again = ("" if count(read) == count(t + o) and not order and below is None and not mixed
                 else f" = {over(read)}")

        def said(step, read, mouse=True, moved_text=None):
            return (f"<b>{markup(ref.name)}</b>{side} ({ref.kind}, {plural(ref.units, 'unit')}) · "
                    f"step <b>t = {count(step)}</b> = {over(read, moved_text)}"
                    f" · unit <b>{u}</b>{fewer} · sample {s + self.sample_base}{mtxt}"
                    + (hint("click a bar to pick its unit") if self._hint and mouse else ""))

        # (its height that of the last step's: the steps' numbers only grow wider; at 1024 x
        # 768 presenting, the header took a third line at step 100 and the charts moved down)
        last = max(ref.T - 1 + o, ref.input_step(0, start), ref.input_step(ref.T - 1, start))
        if self._cells:  # (the buttons beside it or under it: its widest text's lines, without
            # its words for the mouse, which give way where the buttons stand under it)
            said_widest = said(last, last, mouse=False)
            if said_widest != self._widest_text:
                self._widest_text = said_widest
                self._fit_top()
        self.header.set_widest(widest_header(lambda read: said(last, last, moved_text=read), self.model,
                                             self.trace, ref.name, last, bold=False))
        self.header.setText(
            said(t + o, read),
            short=f"<b>{markup(ref.name)}</b>{side} · step <b>t = {count(t + o)}</b>{again} · unit <b>{u}</b>{fewer} · "
                  f"sample {s + self.sample_base}{mtxt}")
        self._eqs = eqs
        if not same:  # (the header above, always: its widest text is the window's last step's)
            self._show_equations()

    def _page_shown(self, ref: CellRef, s: int, step: int, u: int, masked: bool,
                    sets: list, eqs: list[Equation]) -> _PageShown | None:
        """What a cell's page shows but its header, where a long input's whole window comes
        after a seek's quick steps (``LongSequence``: the same overviews, model and theme):
        its charts' values, units, titles and numbers, its equations, the step, unit and
        sample, the masking, the charts' look and the view's size and modes; None elsewhere
        (any other trace draws its page). Equal to the last drawn: the page shows it
        already, to the pixel (a far seek's window holds the quick steps' numbers to the bit:
        the charts, titles and equations not set again nor repainted, ~8 ms of the swap's
        CPU; the equations are still computed, to be compared)."""
        if self.overviews is None:
            return None
        return _PageShown((self.overviews, self.model, self.theme, ref.layer), (
            ref.name, ref.side, s, step, u, bool(masked), self.cursor.unit,
            self.sample_base, self._cells, self._labels, self.expanded, self._equations_shown,
            self._focus, self._hint, self._charts_look, self._numbers, self.width(), self.height(),
            tuple((bp.key, np.asarray(vals).dtype.str, np.asarray(vals).tobytes(), unit, title, value)
                  for bp, vals, unit, title, value in sets),
            tuple(eqs)))

    def _source_note(self, key: str) -> str:
        """Where the model gives h_t-1 or c_t-1 (``key``) at the sequence's first step
        from: the model input that holds it (" = input_2"), or the layer whose state it is
        (" (from lstm_1)": a seq2seq's encoder). (Zeros, or a stateful layer's kept state,
        are " (init.)".)"""
        source = self._sources[key]
        name = markup(source.name + source.part)
        return f" = {name}" if source.is_input else f" (from {name})"

    def _sources_said(self) -> str:
        """The given initial states in one line (plain text): "h = h_in, c = c_in",
        "h, c from lstm_1"."""
        parts: list[str] = []
        by_layer: dict[str, list[str]] = {}
        for key in self.ref.cell.states if self.ref is not None else ():
            source = self._sources.get(key)
            if source is None:
                continue
            if source.is_input:
                parts.append(f"{key} = {source.name}{source.part}")
            else:
                by_layer.setdefault(source.name + source.part, []).append(key)
        parts += [f"{', '.join(keys)} from {name}" for name, keys in by_layer.items()]
        return ", ".join(parts)

    def _show_equations(self) -> None:
        """One row per equation when it fits the width; else one compact row (σ for
        sigmoid, closer rows) when that fits; else the numbers on a second row: the type
        keeps its size (a lecture hall reads it) instead of being cut off. Presenting at
        1024 x 768, two rows each took the view's height from the charts (38 px of plot
        each) and still scrolled; one compact row each leaves the charts 80 px."""
        sub = functools.partial(self.theme.subscripts, legible=True)  # (the projector theme's too)
        vw = max(1, self.eq_scroll.viewport().width())  # the label's width (set below)
        room = max(200, vw - 8)
        font = self.theme.font(self.eq_scale)
        key = (room, font.key(), self.ref.name if self.ref else None, self.ref.side if self.ref else None)
        compact = False
        html, static, fills = self._eq_html(stacked=False)
        html = sub(html)
        # the form chosen (0: one row at the equations' size, 1, 2: compact at a size, 3: two
        # rows each, 4: two rows each with σ, below) goes only further while the width,
        # type, layer and its side stay: a step whose numbers are wider takes it further,
        # and it stays for the steps after (playing the demo at 1280 x 800 the type went
        # from 13 to 12 pt and back as the numbers changed, and the rows jumped with it)
        held = (self.eq_scroll.width(), font.key(), key[2], key[3], self.expanded)
        level = self._eq_level[1] if self._eq_level[0] == held else 0
        fits = level == 0 and self._one_row_fits(html, sub(static), fills, room, key, font)
        chosen = 0
        if not fits or self._too_tall(html, font, vw, compact=False):
            # compact: σ for sigmoid, closer rows, a legend that fits a line; at the
            # equations' size where that fits the width, else at the theme's least size
            # (a lecture's floor)
            c_html, c_static, c_fills = self._eq_html(stacked=False, compact=True)
            c_html = sub(c_html)
            # (measured without the scroll bar, which the two-row text's height brought)
            c_room = max(200, self.eq_scroll.width() - 8)
            c_key = (c_room,) + key[1:]
            sizes = sorted({font.pointSize(), min(font.pointSize(), self.theme.min_pt)}, reverse=True)
            chosen = 3
            for j, pt in enumerate(sizes, start=1 if len(sizes) == 2 else 2):
                if j < level:
                    continue
                if pt < font.pointSize() and not self._too_tall(sub(self._eq_html(stacked=True)[0]), font, vw,
                                                                compact=False, stacked=True):
                    # type smaller than the equations' only where their two rows each, at
                    # their size, would leave the charts less than their least: a Cell view
                    # exported at 1024 x 768 in the projector theme set them one row each at
                    # 12 pt (subscripts of 8) over 200 px of nothing, where two rows at 15 fit
                    break
                small = QtGui.QFont(font)
                small.setPointSize(pt)
                # (the larger size only where it, too, leaves the charts their least: at
                # 1024 x 768 under a caption of three lines its legend took a second line)
                if (self._one_row_fits(_table(c_html), _table(sub(c_static)), c_fills, c_room, c_key, small, True)
                        and (pt == sizes[-1] or not self._too_tall(c_html, small, c_room + 8, compact=True))):
                    fits = compact = True
                    html, static, fills, font = c_html, c_static, c_fills, small
                    chosen = j
                    break
        if self.eq_label.font() != font:
            self.eq_label.setFont(font)
        # the numbers are drawn as plain text over the rest, which is laid out again only
        # when it changes (a new layer, unit or masked step; RichText.set_filled)
        if not fits:
            html, static, fills = self._eq_html(stacked=True)
            html = sub(html)
            if level < 4:
                self.eq_label.set_filled(sub(static), fills, html)
            if level >= 4 or self.eq_label.laid_out(vw) != self.eq_label.text_without_fills():
                # two rows each, their numbers with σ for sigmoid where the words wrapped
                # them (1024 x 768 beside the side panel: "= sigmoid(0.090 + (−0.335) +
                # 0.714) = sigmoid(0.469) =" over "0.615", and each step's text parsed
                # and laid out anew, ~3 ms); the legend says what σ is
                html, static, fills = self._eq_html(stacked=True, sigma=True)
                html = sub(html)
                chosen = 4
        self._eq_level = (held, chosen)
        self.eq_label.set_filled(sub(static), fills, html)
        # as tall as the equations need, up to half the view: beyond that they scroll. The
        # height (a text layout, ~5 ms) changes with the rows, their layout, font and width,
        # not with the numbers of a step: measured again only when one of those changes.
        # one row per equation never wraps; two-row equations and written-out terms may,
        # so their height is measured at every new text
        wrap = self.eq_label.laid_out(vw) if (not fits or self.expanded) else None
        head = self.header.sizeHint().height()
        if self._short_head or self._head_gives_way:  # (the header's short form: two rows
            head = min(head, self.header.short_height() or head)  # without their height, or the charts')
        # (the room is in the key: the charts going into two rows change it at the same
        # size; measured before that, at 800 x 600 the equations kept one row's room, the
        # view's minimum grew past its height, the header was squeezed to nothing and the
        # window grew taller than asked)
        room = self._room_for_equations(head)
        # written out, the terms leave the charts ``PLOT_LEAST`` of plot and scroll beyond
        extra = self._charts_extra() if self.expanded else None
        # and in any case the charts keep ``PLOT_READABLE`` where two lines of equations stay
        keep = self._charts_extra(self.PLOT_READABLE)
        # a picture of the view (``tall_page.whole_pages``) holds them whole, without a scroll
        # bar: the page's least grows by what they need, and a picture of a size its page
        # does not fit is the whole page scaled down (``export.fit_widget``; the Cell view
        # exported at 800 x 500 drew the equations' scroll bar, four of six in sight)
        whole = whole_pages_held()
        hkey = (key, fits, compact, len(self._eqs), vw, self.height(), self.eq_scale, wrap, head, room, extra, keep,
                whole)
        if self._height_cache[0] != hkey and whole:
            need = self.eq_label.heightForWidth(vw)
            self._height_cache = (hkey, need, need + 4, None)
            self._terms_in_sight = None
        elif self._height_cache[0] != hkey:
            need = self.eq_label.heightForWidth(vw)
            # all of them where the room holds them (presenting at 1280 x 720, half the view
            # left the legend's line cut in two under a scroll bar), else half the view
            least = need + 4 if need + 4 <= room else min(need + 4, int(self.height() * 0.5))
            first = None
            if self.expanded and len(self._eqs) >= 3:
                # written out, the first gate's equation with its W·x and U·h rows in sight
                # where the charts leave room, else scrolled to (presenting at 800 x 600 the
                # lesson about the U·h terms had their numbers below the fold)
                first = self.eq_label.row_bottom(3 * (1 if fits else 2) - 1, vw)
                if first is not None:
                    least = max(least, min(need, int(first) + 4))
            if extra is not None:
                # but not past the charts' readable height: presenting at 1024 x 768 the
                # lesson about the U·h terms left them 25-38 px of plot under the written-out
                # terms (what the caption speaks of, h_t-1's bars, unreadable); the terms
                # keep at least their first equation and scroll to the U·h row
                one = self.eq_label.row_bottom((1 if fits else 2) - 1, vw)
                least = min(least, max(room - extra, int(one or 0) + 4))
            most = None  # (the equations may take what the layout has to spare beyond it)
            # (two lines: the first row and a line of the numbers in bold under it, so
            # that the viewport's edge falls between two lines, not across one)
            bold = QtGui.QFont(self.eq_label.font())
            bold.setBold(True)
            top = self.eq_label.row_bottom(0, vw) or QtGui.QFontMetrics(self.eq_label.font()).lineSpacing()
            two = min(need + 4, math.ceil(top) + QtGui.QFontMetrics(bold).lineSpacing() + 4)
            if keep and least > max(room - keep, 0):
                least = most = min(least, max(room - keep, two))
            # and those two lines where the view has not their room beside the charts: the
            # page is taller than the view and scrolls (``TallPage``; a window resized to
            # 760 x 540 on the Cell tab left the equations 18 px, a scroll bar's arrows)
            self._height_cache = (hkey, need, max(two, min(least, room)), most)
            self._terms_in_sight = None
            if first is not None and first + 4 > self._height_cache[2]:
                bottom = int(first) + 4
                self._terms_in_sight = bottom
                later(self, lambda view: view._bring_into_sight(bottom))
        # the header's short form where with its whole text the equations would leave the
        # charts less than PLOT_LEAST of plot in one row (a stack's GRU cell at 1024 x 768
        # presenting: its two lines left the plots 53 px, the short form's one line 75; in
        # two rows the header stays whole, ``_fit_rows`` decides there)
        full, short = self.header.sizeHint().height(), self.header.short_height()
        under = self._charts_extra(self.PLOT_LEAST)
        gives = (not self._two_rows and under is not None and short is not None and short < full
                 and self._height_cache[1] + 4 > self._room_for_equations(full) - under)
        cap = short if gives and short is not None else UNCAPPED
        if self.header.maximumHeight() != cap:
            self.header.setMaximumHeight(cap)
        if gives != self._head_gives_way:
            self._head_gives_way = gives
            self.header.set_short_whole(self._short_head or gives)
            self._show_equations()
            return
        self.eq_scroll.setMinimumHeight(self._height_cache[2])
        # (held to that where the charts would have less than PLOT_READABLE: what the
        # layout has to spare then goes to the charts)
        most = self._height_cache[3]
        self.eq_scroll.setMaximumHeight(UNCAPPED if most is None else max(most, self._height_cache[2]))
        if self.eq_label.size() != QtCore.QSize(vw, self._height_cache[1]):
            self.eq_label.resize(vw, self._height_cache[1])
        self._drop_sliver()
        self._masked_rows_in_sight(fits, vw)

    def _pages_whole(self, _whole: bool) -> None:
        """A picture's fitting or drawing began or ended (``TallPage.whole``): the
        equations' room again, whole in a picture (``_show_equations``)."""
        if self._eqs and shiboken6.isValid(self):
            self._show_equations()

    def _too_tall(self, html: str, font: QtGui.QFont, width: int, compact: bool, stacked: bool = False) -> bool:
        """Whether the one-row text ``html`` (``stacked``: the two-row one) is taller than
        the room the charts leave where they keep ``PLOT_LEAST`` of plot (presenting at
        1280 x 720, six full rows and their legend left the charts 53 px). Measured once for
        each layer, font, width and height of the view (it changes with them, not with a
        step's numbers)."""
        key = (compact, stacked, len(self._eqs), self.expanded, self.ref.name if self.ref else None, font.key(),
               width)
        if key not in self._tall_cache:
            if len(self._tall_cache) >= 8:  # (a few layers' texts)
                self._tall_cache.clear()
            doc = QtGui.QTextDocument()
            doc.setDefaultFont(font)
            doc.setHtml(html)
            doc.setTextWidth(width)
            self._tall_cache[key] = doc.size().height()
        extra = self._charts_extra()
        if extra is None:
            return False  # (not laid out yet: measured again when it is)
        return self._tall_cache[key] + 4 > self._room_for_equations(self.header.sizeHint().height()) - extra

    def _charts_extra(self, plot: int | None = None) -> int | None:
        """What the shown charts need beyond their least height for ``plot`` px of plot
        each (``PLOT_LEAST``; in one row or two), or None before they are laid out."""
        shown = [bp for bp in self.bars.values() if not bp.widget.isHidden()]
        if not shown or shown[0].widget.height() <= 1:
            return None
        bp = shown[0]
        # what a chart takes beside its plot (its title, number and count axis)
        beside = bp.widget.height() - bp.plot.getViewBox().height()
        rows = 2 if self._two_rows else 1
        return rows * max(0, beside + (self.PLOT_LEAST if plot is None else plot) - bp.widget.minimumHeight())

    def _one_row_fits(self, html: str, static: str, fills: list[str], room: int, key: tuple,
                      font: QtGui.QFont, compact: bool = False) -> bool:
        """Whether the one-row text ``html`` (``compact`` or not) fits ``room`` in ``font``.

        Laying the text out to measure it cost ~2 ms a step. While the room, font and
        layer stay, the answer holds for text no longer than what fitted with a tenth to
        spare, or no shorter than what overflowed by a tenth (numbers change by a few
        characters from step to step)."""
        n = len(html)
        cached = self._fit_cache.get((compact, font.key()))
        if cached is not None and cached[0] == key:
            if cached[1] and n <= cached[2]:
                return True
            if not cached[1] and n >= cached[2]:
                return False
        if self._widest(static, fills, font) <= room - 2:
            return True  # (the widest it can be fits: nothing to lay out)
        doc = QtGui.QTextDocument()
        doc.setDefaultFont(font)
        doc.setHtml(html)
        width = max(1.0, doc.idealWidth())
        fits = width <= room
        self._fit_cache[(compact, font.key())] = (key, fits,
                                                  int(n * (0.9 * room / width if fits else 1.1 * room / width)))
        return fits

    def _masked_rows_in_sight(self, one_row: bool, width: int) -> None:
        """A masked step's news is its carried-over rows (c_t = c_t-1, h_t = h_t-1), the
        table's last: where the equations scroll, they come into sight when a masked step
        is shown (or laid out anew), and the top when an unmasked one follows (presenting
        at 1024 x 768, the padding lesson's caption about them had them below the fold,
        under i_t ... o_t). Only then: a scroll of the user's own between steps stays."""
        masked = [k for k, eq in enumerate(self._eqs) if "(masked" in eq.symbolic]
        if not masked:
            if self._masked_in_sight is not None:
                self._masked_in_sight = None
                bar = self.eq_scroll.verticalScrollBar()
                QtCore.QTimer.singleShot(0, self, lambda: bar.setValue(0))
            return
        row = (masked[-1] + 1) * (1 if one_row else 2) - 1
        key = (row, width)
        if key != self._masked_in_sight:
            self._masked_in_sight = key
            later(self, lambda view: view._show_row(row))

    def _drop_sliver(self) -> None:
        """A row of the equations that the viewport's bottom edge cuts to less than a line
        is left out of sight, the viewport ending above it (at 800 x 600 a GRU's equations
        showed 6 px of their third row under the first two, h\u0303's tilde alone), and so
        is a later line of a row that it cuts (at 1024 x 768 the top half of c\u0303's
        "−0.883" under its numbers' first line); the scroll bar brings them whole."""
        area = self.eq_scroll
        margin = area.viewportMargins().bottom()
        height = area.viewport().height() + margin  # (the viewport's height without a cut)
        edge = area.verticalScrollBar().value() + height
        width = area.viewport().width()
        # (the rows' places change with the text laid out, not with a step's numbers while
        # they fit their cells: measured again only when the text, font or edge change)
        key = (bool(self._eqs) and self.eq_scroll.isVisible(), edge, height, width,
               self.eq_label.laid_out(width), self.eq_label.font().key())
        if (key, margin) == self._sliver_key:
            return
        cut, top, row = 0, 0.0, 0
        if self._eqs and self.eq_scroll.isVisible() and height > 0:
            line = QtGui.QFontMetrics(self.eq_label.font()).lineSpacing()
            while (bottom := self.eq_label.row_bottom(row, width)) is not None:
                if top < edge < bottom:
                    if edge - top < line:
                        cut = int(math.ceil(edge - top))
                    else:  # (a line whole: the line the edge cuts, if one, and the row
                        # with it where less than a line of the row would be left above it)
                        tops = [a for a, b in self.eq_label.row_lines(row, width) if a < edge < b]
                        if tops:
                            cut = int(math.ceil(edge - (min(tops) if min(tops) - top >= line else top)))
                    break
                top, row = bottom, row + 1
            else:  # (below the table: the legend's lines, each whole or out of sight)
                cut = next((int(math.ceil(edge - a)) for a, b in self.eq_label.lines_below_table(width)
                            if a < edge < b), 0)
        if cut != margin:
            area.setViewportMargins(0, 0, 0, cut)
        self._sliver_key = (key, cut)
        self._place_more()

    def _place_more(self) -> None:
        """Count the equations not wholly in sight below the equations' viewport and say
        so at the right end of the check box's row (``more_below``), where it has room."""
        label, area = self.more_below, self.eq_scroll
        width = area.viewport().width()
        below: list[int] = []
        if self._eqs and area.isVisible() and width > 0:
            edge = area.verticalScrollBar().value() + area.viewport().height()
            per = 2 if self.eq_label.row_bottom(len(self._eqs), width) is not None else 1
            for k in range(len(self._eqs)):
                bottom = self.eq_label.row_bottom((k + 1) * per - 1, width)
                if bottom is not None and bottom > edge + 1:
                    below.append((k + 1) * per - 1)
        self._below = below
        if not below:
            label.hide()
            return
        n = len(below)
        # (written out, the rows are the equations and their terms: not counted as equations)
        rows = f"{n} more rows" if self.expanded else f"{n} more equation{'s' if n > 1 else ''}"
        box = self.expand_box
        style, pm = box.style(), QtWidgets.QStyle.PixelMetric
        used = (style.pixelMetric(pm.PM_IndicatorWidth, None, box)
                + style.pixelMetric(pm.PM_CheckBoxLabelSpacing, None, box)
                + box.fontMetrics().horizontalAdvance(box.text()) + 24)
        label.setFont(box.font())
        for what in (f"{rows} below ▾", f"{n} more below ▾", f"{n} more ▾"):  # (the first with room)
            text = f'<a href="more" style="color:{self.theme.accent}; text-decoration:none">{what}</a>'
            if label.text() != text:
                label.setText(text)
                label.adjustSize()
            if used + label.width() <= box.width():
                label.move(box.width() - label.width() - 4, max(0, (box.height() - label.height()) // 2))
                label.show()
                return
        label.hide()  # (no room beside the box's words: the scroll bar alone says it)

    def _next_below(self) -> None:
        """Scroll the equations to bring the first of those out of sight below into it."""
        if self._below:
            self._show_row(self._below[0])

    def _show_row(self, row: int) -> None:
        """Scroll the equations so that row ``row`` of their table is in sight."""
        bottom = self.eq_label.row_bottom(row, self.eq_scroll.viewport().width())
        if bottom is not None:
            self._bring_into_sight(int(bottom) + 4)

    def _bring_into_sight(self, y: int) -> None:
        """Scroll the equations so that ``y`` (px down their text) is in sight, no line cut
        at the top edge: a line the edge would cut is scrolled past where ``y`` stays in
        sight and the text goes on, else brought whole into sight (a masked step's rows at
        1024 x 768 presenting: o_t's "= 0.541" cut in half; a GRU's written-out terms: the
        top half of z_t's "= hard_sigmoid(−0.067 + 0.004)")."""
        self.eq_scroll.ensureVisible(0, y, 0, 0)
        width = self.eq_scroll.viewport().width()
        bar = self.eq_scroll.verticalScrollBar()
        edge, k = bar.value(), 0
        while self.eq_label.row_bottom(k, width) is not None:
            cut = [(a, b) for a, b in self.eq_label.row_lines(k, width) if a < edge < b]
            if cut:
                past = int(math.ceil(max(b for _, b in cut)))
                keeps = past <= bar.maximum() and past + self.eq_scroll.viewport().height() >= y
                bar.setValue(past if keeps else int(min(a for a, _ in cut)))
                return
            k += 1

    def _room_for_equations(self, head: int) -> int:
        """The most the equations may ask for: the page's height less the header's whole
        ``head`` height, the charts' least and the check box (the header has no minimum
        of its own, see ``QuietLabel``: a minimum of half the view for the equations
        squeezed it to one cut line at 800 x 500, to nothing at 800 x 600 presenting)."""
        outer, page = self._outer().contentsMargins(), self._page_layout.contentsMargins()
        margins = outer.top() + outer.bottom() + page.top() + page.bottom()
        others = self._grid.minimumSize().height() + self.expand_box.sizeHint().height()
        gaps = 3 * max(0, self._page_layout.spacing())  # between the four rows
        return self.height() - margins - head - others - gaps

    def _widest(self, static: str, fills: list[str], font: QtGui.QFont) -> float:
        """The most the equations' one-row text (``static`` with each of ``fills`` after its
        cell's "=", as ``RichText.set_filled`` shows them) can need: the ideal width of
        ``static``'s table with the widest fill's " " and bold number on top of its
        cell's "=", or of the legend below it if wider (each laid out once for each text
        and font: it changes with the layer, unit or a masked step, not with a step's
        numbers). A step of numbers near the width (2 x LSTM(512):
        ~93% of it) was laid out in full at every step (~1 ms) to answer the same."""
        key = (static, font.key())
        if key not in self._static_width:
            end = static.find("</table>")  # the table, then the legend
            cut = len(static) if end < 0 else end + len("</table>")
            widths = []
            for part in (static[:cut], static[cut:]):
                doc = QtGui.QTextDocument()
                doc.setDefaultFont(font)
                doc.setHtml(part)
                widths.append(doc.idealWidth())
            bold = QtGui.QFont(font)
            bold.setBold(True)
            if len(self._static_width) >= 8:  # (a few layers' texts, full and compact)
                self._static_width.clear()
            self._static_width[key] = (widths, QtGui.QFontMetricsF(font), QtGui.QFontMetricsF(bold))
        (table, legend), plain, bold_metrics = self._static_width[key]
        if fills:  # (Qt lays a table's cells out on whole pixels: one more)
            table = math.ceil(table + plain.horizontalAdvance(" ") + max(bold_metrics.horizontalAdvance(f)
                                                                          for f in fills)) + 1.0
        return max(table, legend)

    def _under(self) -> bool:
        """Whether a stack of cells' buttons stand under the header (``_fit_top``)."""
        return bool(self._cells) and self._top.direction() == QtWidgets.QBoxLayout.Direction.TopToBottom

    def _fit_top(self) -> None:
        """A stack of cells' buttons beside the header where its widest text (at the
        sequence's last step, without its words for the mouse) takes no more lines in the
        room they leave it than in the page's width, else under the header, whose words for
        the mouse then give way (``_fit_rows``): presenting at 1024 x 768 beside the side
        panel, beside it they left the header 390 px, four lines, the charts 40 px tall."""
        box, beside = self.cell_box, True
        if not box.isHidden() and self._widest_text:
            m = self._outer().contentsMargins()
            whole = self.width() - m.left() - m.right()
            room = whole - box.sizeHint().width() - max(0, self._top.spacing())
            key = (self._widest_text, whole, room, self.header.label.font().key())
            if key != self._top_key:
                doc = QtGui.QTextDocument()
                doc.setDocumentMargin(0)
                doc.setDefaultFont(self.header.label.font())
                doc.setHtml(self._widest_text)

                def lines(width: int) -> int:
                    doc.setTextWidth(max(1, width))
                    doc.documentLayout().documentSize()  # (laid out at that width)
                    block, n = doc.begin(), 0
                    while block.isValid():
                        n += block.layout().lineCount()
                        block = block.next()
                    return n
                self._top_key, self._beside = key, lines(room) <= lines(whole)
            beside = self._beside
        want = (QtWidgets.QBoxLayout.Direction.LeftToRight if beside
                else QtWidgets.QBoxLayout.Direction.TopToBottom)
        if self._top.direction() != want:
            self._top.setDirection(want)
            self._fit_rows()  # (the header's words for the mouse give way under it, or come back)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_top()
        self._fit_rows()
        if self._eqs:
            self._show_equations()

    def eventFilter(self, obj, event):
        if (event.type() == QtCore.QEvent.Type.Resize and self._eqs
                and obj is self.eq_scroll.viewport() and self.eq_label.width() != obj.width()):
            self._show_equations()
        elif (event.type() == QtCore.QEvent.Type.Resize and self._masked_in_sight is not None
              and obj is self.eq_scroll.viewport()):  # (a lower room: the rows again in sight)
            row = self._masked_in_sight[0]
            later(self, lambda view: view._show_row(row))
        elif (event.type() == QtCore.QEvent.Type.Resize and self._terms_in_sight is not None
              and obj is self.eq_scroll.viewport() and event.size().height() != event.oldSize().height()):
            # the written-out terms' first U·h row again in sight in a room of another height
            # (the room it was brought into sight in was the layout's on its way: in the
            # projector theme at 1024 x 768 a GRU's row ended 6 px under the viewport)
            bottom = self._terms_in_sight
            later(self, lambda view: view._bring_into_sight(bottom))
        if event.type() == QtCore.QEvent.Type.Resize and obj is self.eq_scroll.viewport():
            self._drop_sliver()
        elif event.type() == QtCore.QEvent.Type.Resize and obj is self.expand_box:
            self._place_more()
        return False

    def _eq_html(self, stacked: bool = False, compact: bool = False,
                 sigma: bool = False) -> tuple[str, str, list[str]]:
        """The equations as rich text, that text with each plain-text numbers cell left at
        "=", and those numbers (``RichText.set_filled``). ``compact``: one row each,
        σ for sigmoid (the legend says so), the rows closer together; ``sigma``: σ for
        sigmoid in any form."""
        t = self.theme
        sigma = sigma or compact
        short = _sigma if sigma else (lambda text: text)
        pad = 1 if compact else 4
        # (compact: lines closer than the lecture-sized subscripts would set them)
        tight, end = (f'<p style="line-height:{COMPACT_LINE}%; margin:0">', "</p>") if compact else ("", "")
        rows: list[str] = []
        bare_rows: list[str] = []
        numbers_out: list[str] = []
        for eq in self._eqs:
            lhs, _, rhs = short(eq.symbolic).partition(" = ")
            numeric = _EQUALS.sub(" =\u00a0", short(eq.numeric))
            note = ""
            if "(masked" in rhs:
                rhs, _, note = rhs.partition("  (")
                note = f' <span style="color:{t.muted}">({note}</span>'
            formula = to_html(rhs)
            if compact:  # (thin spaces about the formula's + and −, kept as written: pre)
                formula = ('<span style="white-space:pre">'
                           + _THIN_OPS.sub(lambda m: f"\u2009{m.group(1)}\u2009", formula) + "</span>")
            strut = "" if stacked else STRUT  # (one row: its cells on one baseline)
            head = (f'<td align="right" style="padding:{pad}px {3 if compact else 6}px {pad}px 0">{tight}'
                    f'<span style="color:{t.hue(eq.key)}"><b>{to_html(lhs)}</b></span>{strut}{end}</td>')
            numbers = f'{tight}={strut} <b>{to_html(numeric)}</b>{end}'
            if compact and note:
                # (after the numbers, not the formula: in the formula's column "(masked:
                # state carried over)" widened the table by 60 px past 1024 x 768's width)
                numbers, note = f'{tight}={strut} <b>{to_html(numeric)}</b>{note}{end}', ""
            bare = numbers
            if to_html(numeric) == _escaped(numeric) and numbers.endswith(f"</b>{end}"):
                bare = f"{tight}={strut}{end}"
                numbers_out.append(numeric)
            for out, cell in ((rows, numbers), (bare_rows, bare)):
                if stacked:
                    out.append(f'<tr>{head}<td style="padding:4px 0 0 0">= {to_html(rhs)}{note}</td></tr>'
                               f'<tr><td></td><td style="padding:0 0 6px 0">{cell}</td></tr>')
                else:
                    out.append(f'<tr>{head}<td style="padding:{pad}px {4 if compact else 14}px {pad}px 0">'
                               f'{tight}={strut} {formula}{note}{end}</td>'
                               f'<td style="padding:{pad}px 0">{cell}</td></tr>')
        bias = ", b" if self.ref is not None and self.ref.layer.config.get("use_bias", True) else ""
        acts = self._act_legend
        if sigma and _SIGMOID.search("".join(eq.symbolic + eq.numeric for eq in self._eqs)):
            # (the legend's "sigmoid(x) = 1 / ...": "σ = sigmoid: 1 / ...")
            acts = re.sub(r"(?<![A-Za-z0-9_])sigmoid\(x\)( = )?",
                          lambda m: "σ = sigmoid: " if m.group(1) else "σ = sigmoid", acts, count=1)
        if compact:  # (in a line where it can be: the room is the charts')
            legend = (f'<p style="color:{t.muted}; margin-top:4px">{to_html(acts)} · numbers from the trace: '
                      f'W·x<sub>t</sub>, U·h<sub>t−1</sub>{bias}, the sums, the results</p>')
        else:
            legend = (f'<p style="color:{t.muted}; margin-top:8px">{to_html(acts)}  ·  '
                      f'the numbers are the trace\'s: W·x<sub>t</sub>, U·h<sub>t−1</sub>{bias}, '
                      'the sums and the results</p>')
        if self.expanded and self.ref is not None:
            n = self.ref.units
            # the gates after the first written out (engine/cells.py's, c~ as c̃)
            others = ", ".join(g.key.replace("_tilde", "\u0303") for g in self.ref.cell.gates[1:])
            same = f" {others}: the same sums with their own columns of W and U." if others else ""
            legend += (f'<p style="color:{t.muted}">x<sub>t</sub>[k]: input feature k · '
                       f'h<sub>t−1</sub>[j]: unit j\'s last output. All {n} units\' h<sub>t−1</sub> '
                       f'feed this unit\'s gates through U: the units are not independent.{same}</p>')
        table = f'<table cellspacing="0" style="color:{t.foreground}">'
        return (f'{table}{"".join(rows)}</table>{legend}', f'{table}{"".join(bare_rows)}</table>{legend}',
                numbers_out)

    # -- for tests and the main window ---------------------------------------------------
    def equation_lines(self) -> list[str]:
        """The equations on screen, one plain-text line each (symbolic = numbers)."""
        if self.step_page is not None and self.stack.currentWidget() is self.step_scroll:
            return self.step_page.equation_lines()
        return [eq.line for eq in self._eqs]

    def message_text(self) -> str | None:
        """The plain message shown instead of the cell (non-recurrent layer), else None."""
        return self.message.text() if self.stack.currentIndex() == 0 else None
