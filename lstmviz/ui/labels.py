"""Labels and controls that change at every step without laying the window out again
(Qt only: the window imports this before pyqtgraph)."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets


class SteadyLabel(QtWidgets.QLabel):
    """A plain label whose text changes at every step (``t = 6 / 199``), held at a fixed
    size: as wide as the widest text it is told it will show (``set_widest``), as tall as
    its font. ``QLabel.setText`` asks the parent's layout for a pass when the widget's size
    can change, and that pass reached the window's splitter, which measured every tab
    again (1-2 ms a step); a widget of fixed size asks for none. The size follows the font
    (presentation mode, themes) and grows for a text wider than the widest."""

    def __init__(self, text: str = "", parent=None, minimum_width: int = 0):
        super().__init__(text, parent)
        self._widest = text
        self._minimum = int(minimum_width)
        # measured from the font only: sizeHint() would polish the label under the app's
        # style sheet now, and a polished label loses the font set on it (bold, larger)
        # when it is moved into the window
        self._fit()

    def set_widest(self, text: str) -> None:
        if text != self._widest:
            self._widest = text
            self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name)
        if text == self.text():
            return
        super().setText(text)
        if self._need(text) > self.width():
            self._widest = text
            self._fit()

    def _need(self, text: str) -> int:
        """The width ``text`` takes in this label: its advance and the label's margins."""
        fm = self.fontMetrics()
        m = self.contentsMargins()
        extra = m.left() + m.right() + 2 * self.margin() + max(0, self.indent())
        return math.ceil(fm.horizontalAdvance(text)) + extra + 2

    def _fit(self) -> None:
        w = max(self._minimum, self._need(self._widest), self._need(self.text()))
        m = self.contentsMargins()
        h = math.ceil(self.fontMetrics().height()) + m.top() + m.bottom() + 2 * self.margin()
        if self.minimumSize() != QtCore.QSize(w, h) or self.maximumSize() != QtCore.QSize(w, h):
            self.setFixedSize(w, h)
            holder = self.parentWidget()
            if isinstance(holder, LabelSlot):
                holder.follow()

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self._fit()


def set_if_changed(widget, maximum: int | None = None, value: int | None = None) -> None:
    """A spin box's or slider's maximum and value, each set only when it changes: Qt's
    ``setMaximum`` asks for a layout pass (and a repaint) even for the same maximum."""
    if maximum is not None and widget.maximum() != maximum:
        widget.setMaximum(maximum)
    if value is not None and widget.value() != value:
        widget.setValue(value)


class LabelSlot(QtWidgets.QWidget):
    """A place in a layout for a ``SteadyLabel`` that leaves the layout's minimum width
    alone: the slot asks for the label's size but can be squeezed (its minimum width is
    0), as a label whose minimum is its current text was. The label, a child outside any
    layout, keeps its fixed size; right-aligned in the slot when ``right``."""

    def __init__(self, label: SteadyLabel, right: bool = False, parent=None):
        super().__init__(parent)
        self.label = label
        self.right = right
        label.setParent(self)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed)
        self.follow()

    def follow(self) -> None:
        """The label's size changed: ask the layout for it, and place the label."""
        self.updateGeometry()
        self._place()

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802
        return self.label.size()

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802
        return QtCore.QSize(0, self.label.height())

    def _place(self) -> None:
        x = max(0, self.width() - self.label.width()) if self.right else 0
        self.label.move(x, max(0, (self.height() - self.label.height()) // 2))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place()
