"""Helpers shared by the views: finding a recurrent cell's record, step order, numbers.

Nothing here computes recurrent math: it only looks values up in a ``Trace``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.engine import Model, Trace
from lstmviz.engine.layers import Bidirectional, InputLayer, Recurrent, TimeDistributed
from lstmviz.engine.trace import LayerTrace
from lstmviz.ui import theme as th

# Every view draws arrays as (rows, columns): set once, idempotent.
pg.setConfigOptions(imageAxisOrder="row-major")

MINUS = "\u2212"


def fmt(v, nd: int = 3) -> str:
    """A number as the views print it: ``nd`` decimals, a true minus sign, no ``-0.000``."""
    v = float(v)
    s = f"{v:.{nd}f}"
    if float(s) == 0.0:
        s = f"{0.0:.{nd}f}"
    return s.replace("-", MINUS)


def fmt_term(v, nd: int = 3) -> str:
    """``fmt`` in parentheses when negative, for sums: ``0.41 + (−0.12)``."""
    s = fmt(v, nd)
    return f"({s})" if s.startswith(MINUS) else s


@dataclass
class CellRef:
    """One recurrent cell of the model, with its record in a trace."""

    name: str                 # the Keras layer name (the Bidirectional's for its halves)
    side: str | None          # "forward"/"backward" inside a Bidirectional, else None
    layer: Recurrent          # the cell's layer (a Bidirectional's half)
    rec: LayerTrace           # its record (a Bidirectional's child)
    top: object               # the model's layer (Bidirectional, or == layer)

    @property
    def kind(self) -> str:
        return self.layer.class_name

    @property
    def units(self) -> int:
        return self.layer.units

    @property
    def T(self) -> int:
        return self.rec.timesteps

    @property
    def backwards(self) -> bool:
        return bool(self.rec.go_backwards)

    @property
    def label(self) -> str:
        return self.name if self.side is None else f"{self.name} ({self.side})"

    def clamp_cursor(self, cursor) -> tuple[int, int, int]:
        """(sample, step, unit) of ``cursor``, each within this cell's record."""
        return (clamp(cursor.sample, 0, self.rec.steps["h"].shape[0] - 1),
                clamp(cursor.step, 0, self.T - 1), clamp(cursor.unit, 0, self.units - 1))

    def input_index(self, step: int) -> int:
        """Input-time index of processing step ``step``."""
        return self.T - 1 - step if self.backwards else step

    def step_of(self, input_index: int) -> int:
        """Processing step of input-time index ``input_index`` (its own inverse)."""
        return self.input_index(input_index)

    def prev(self, key: str, sample: int, step: int) -> np.ndarray:
        """State ``key`` entering ``step`` (the previous step's, or the initial state)."""
        if step > 0:
            return self.rec.steps[key][sample, step - 1]
        return self.rec.initial_state[key][sample]

    def masked(self, sample: int, step: int) -> bool:
        m = self.rec.mask
        return m is not None and not bool(m[sample, step])

    def masked_steps(self, sample: int) -> np.ndarray | None:
        """(T,) True at the masked processing steps of ``sample``, or None if none are."""
        m = self.rec.mask
        if m is None:
            return None
        masked = ~np.asarray(m[sample], dtype=bool)
        return masked if masked.any() else None


def cell_refs(model: Model, trace: Trace, name: str) -> list[CellRef]:
    """The recurrent cells of layer ``name``: one, or a Bidirectional's two halves."""
    if name is None or trace is None or name not in trace.layers:
        return []
    try:
        layer = model.get_layer(name)
    except Exception:
        return []
    rec = trace.layers[name]
    if isinstance(layer, Bidirectional):
        return [CellRef(name, side, sub, rec.children[side], layer)
                for side, sub in (("forward", layer.forward_layer), ("backward", layer.backward_layer))
                if side in rec.children]
    if isinstance(layer, Recurrent) and rec.steps:
        return [CellRef(name, None, layer, rec, layer)]
    return []


def cell_ref(model: Model, trace: Trace, name: str, side: str | None = "forward") -> CellRef | None:
    refs = cell_refs(model, trace, name)
    if not refs:
        return None
    for r in refs:
        if r.side == side:
            return r
    return refs[0]


def recurrent_names(model: Model) -> list[str]:
    return [l.name for l in model.layers if isinstance(l, (Recurrent, Bidirectional))]


def model_inputs(trace: Trace, inputs=None) -> list[np.ndarray] | None:
    """The model's input arrays, if known (``Trace.inputs`` when the engine records it)."""
    got = inputs if inputs is not None else getattr(trace, "inputs", None)
    if got is None:
        return None
    if isinstance(got, np.ndarray):
        return [got]
    return [np.asarray(a) for a in got]


def layer_input(model: Model, trace: Trace, name: str, inputs=None) -> np.ndarray | None:
    """The array that layer ``name`` received as its (first) input, or None if unknown."""
    node = next((n for n in model.nodes if n.layer.name == name), None)
    if node is None or not node.inbound:
        return None
    ref = node.inbound[0]
    rec = trace.layers.get(ref.layer)
    if rec is not None:
        return rec.outputs[ref.tensor_index]
    xs = model_inputs(trace, inputs)
    if xs is None:
        return None
    for k, r in enumerate(model.inputs):
        if r.layer == ref.layer and k < len(xs):
            return xs[k]
    return None


def clamp(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(v)))


def cosmetic_pen(color, width: float = 1.0, style=QtCore.Qt.PenStyle.SolidLine) -> QtGui.QPen:
    pen = QtGui.QPen(QtGui.QColor(color))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setStyle(style)
    return pen


def rect_item(parent_vb: pg.ViewBox, pen: QtGui.QPen, brush=None, z: float = 10) -> QtWidgets.QGraphicsRectItem:
    item = QtWidgets.QGraphicsRectItem()
    item.setPen(pen)
    item.setBrush(QtGui.QBrush(QtGui.QColor(brush)) if brush is not None else QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
    item.setZValue(z)
    parent_vb.addItem(item, ignoreBounds=True)
    return item


def message_label(text: str, t: th.Theme) -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel(text)
    lab.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
    lab.setWordWrap(True)
    lab.setFont(t.font(1.3))
    return lab


def is_dense_like(layer) -> bool:
    inner = layer.inner if isinstance(layer, TimeDistributed) else layer
    return inner.class_name == "Dense"


def is_input(layer) -> bool:
    return isinstance(layer, InputLayer)


class ClickableImage(pg.ImageItem):
    """An ImageItem that reports left clicks as (column, row) in image pixels."""

    def __init__(self, on_click=None, on_hover=None, **kw):
        super().__init__(**kw)
        self._on_click = on_click
        self._on_hover = on_hover
        if on_hover is not None:
            self.setAcceptHoverEvents(True)

    def mouseClickEvent(self, ev):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton or self._on_click is None:
            return
        p = ev.pos()
        ev.accept()
        self._on_click(int(np.floor(p.x())), int(np.floor(p.y())))

    def hoverEvent(self, ev):
        if self._on_hover is None:
            return
        if ev.isExit():
            self._on_hover(None, None)
            return
        p = ev.pos()
        self._on_hover(int(np.floor(p.x())), int(np.floor(p.y())))

