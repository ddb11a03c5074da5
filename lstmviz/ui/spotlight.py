"""Pointing at things in front of a hall: a spotlight that follows the mouse, and the
dimming masks the views use in focus mode.

- ``Spotlight(parent)``: a transparent overlay widget over ``parent`` (the central area):
  a translucent dark veil with a bright, clear circle around the mouse pointer. It lets
  every mouse event through and follows the pointer by polling ``QCursor.pos()`` (child
  widgets without mouse tracking never report plain moves).
- ``DimMask(viewbox)``: two translucent rectangles in a plot's data coordinates that dim
  everything but one band (one unit's row of a heatmap, one unit's bar).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.ui import theme as th


class Spotlight(QtWidgets.QWidget):
    """A dark veil with a clear circle at the mouse pointer, over ``parent``."""

    def __init__(self, parent: QtWidgets.QWidget, radius: int = 150, veil: int = 150):
        super().__init__(parent)
        self.radius = radius
        self.veil = veil
        self.pos_: QtCore.QPoint | None = None
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(16)
        self.timer.timeout.connect(self._poll)
        parent.installEventFilter(self)
        self.hide()

    def set_active(self, on: bool) -> None:
        if on:
            parent = self.parentWidget()
            assert parent is not None  # made over a parent, never reparented
            self.setGeometry(parent.rect())
            self._poll()
            self.show()
            self.raise_()
            self.timer.start()
        else:
            self.timer.stop()
            self.hide()

    @property
    def active(self) -> bool:
        return self.isVisible()

    def move_to(self, pos: QtCore.QPoint) -> None:
        """Put the circle at ``pos`` (this widget's coordinates)."""
        if pos != self.pos_:
            old = self.pos_
            self.pos_ = QtCore.QPoint(pos)
            r = self.radius + 4
            if old is None:
                self.update()
            else:
                self.update(QtCore.QRect(old.x() - r, old.y() - r, 2 * r, 2 * r))
                self.update(QtCore.QRect(pos.x() - r, pos.y() - r, 2 * r, 2 * r))

    def _poll(self) -> None:
        self.move_to(self.mapFromGlobal(QtGui.QCursor.pos()))

    def eventFilter(self, obj, event):
        if obj is self.parentWidget() and event.type() == QtCore.QEvent.Type.Resize:
            parent = self.parentWidget()
            assert parent is not None  # made over a parent, never reparented
            self.setGeometry(parent.rect())
        return False

    def paintEvent(self, event):
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        path = QtGui.QPainterPath()
        path.addRect(QtCore.QRectF(self.rect()))
        if self.pos_ is not None:
            hole = QtGui.QPainterPath()
            hole.addEllipse(QtCore.QPointF(self.pos_), self.radius, self.radius)
            path = path.subtracted(hole)
        p.fillPath(path, QtGui.QColor(0, 0, 0, self.veil))
        if self.pos_ is not None:
            pen = QtGui.QPen(QtGui.QColor(th.OKABE_ITO["yellow"]))
            pen.setWidth(5)
            p.setPen(pen)
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            p.drawEllipse(QtCore.QPointF(self.pos_), self.radius, self.radius)
        p.end()


class DimMask:
    """Dims a plot except one band: ``set_band(lo, hi, extent, axis)``, in data coordinates.

    ``axis="y"`` keeps rows ``lo..hi`` (of ``extent = (x0, x1, y0, y1)``) clear, ``"x"``
    keeps columns. Two rectangle items, created once, updated in place."""

    def __init__(self, viewbox, z: float = 15):
        self.rects = [QtWidgets.QGraphicsRectItem() for _ in range(2)]
        for r in self.rects:
            r.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
            r.setZValue(z)
            r.setVisible(False)
            viewbox.addItem(r, ignoreBounds=True)
        self.style(th.current())

    def style(self, theme: th.Theme, alpha: int = 190) -> None:
        c = QtGui.QColor(theme.background)
        c.setAlpha(alpha)
        for r in self.rects:
            r.setBrush(QtGui.QBrush(c))

    def set_band(self, lo: float, hi: float, extent: tuple, axis: str = "y") -> None:
        x0, x1, y0, y1 = extent
        if axis == "y":
            a = QtCore.QRectF(x0, y0, x1 - x0, max(0.0, lo - y0))
            b = QtCore.QRectF(x0, hi, x1 - x0, max(0.0, y1 - hi))
        else:
            a = QtCore.QRectF(x0, y0, max(0.0, lo - x0), y1 - y0)
            b = QtCore.QRectF(hi, y0, max(0.0, x1 - hi), y1 - y0)
        self.rects[0].setRect(a)
        self.rects[1].setRect(b)

    def set_visible(self, on: bool) -> None:
        for r in self.rects:
            r.setVisible(bool(on))

    @property
    def visible(self) -> bool:
        return self.rects[0].isVisible()
