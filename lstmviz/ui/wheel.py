"""``wheel_scrolls(area)``: the mouse wheel over a scrolling panel scrolls it, past its spin
boxes, combo boxes and sliders.

Qt turns a spin box, combo box or slider that the wheel passes over, focused or not, and
the box takes the turn, so the panel it sits in stops scrolling: scrolling the side panel
down to a model's options, the units box came under the pointer and took the rest of the
turns (a GRU(32) of a file became GRU(29), its trained weights new initial ones); over the
layer box an LSTM became a GRU. Here such a box turns with the wheel only once the user
picked it (a click, or Tab: the keyboard focus); otherwise the turn scrolls the panel. The
boxes outside a scrolling panel (the unit and sample boxes by the views) keep turning.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

#: the widgets Qt turns with the wheel (not a scroll bar: that scrolls)
TURNED = (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox, QtWidgets.QAbstractSlider)


def turned(widget: QtCore.QObject) -> bool:
    return isinstance(widget, TURNED) and not isinstance(widget, QtWidgets.QScrollBar)


class WheelScrolls(QtCore.QObject):
    """Watches the widgets of ``area``'s page, those shown there later too (a rebuilt form): a
    box turned by the wheel gets no focus from it (``StrongFocus``, not ``WheelFocus``)
    and, unfocused, hands the turn to the area."""

    def __init__(self, area: QtWidgets.QAbstractScrollArea, page: QtWidgets.QWidget):
        super().__init__(area)
        self.area = area
        self.watch(page)

    def watch(self, widget: QtWidgets.QWidget) -> None:
        widget.installEventFilter(self)
        if turned(widget):
            if widget.focusPolicy() == QtCore.Qt.FocusPolicy.WheelFocus:
                widget.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
            return  # (its own parts, a spin box's line edit, hand the wheel to it)
        for child in widget.findChildren(QtWidgets.QWidget, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly):
            self.watch(child)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QtCore.QEvent.Type.ChildPolished:  # (whole: a ChildAdded's is half made)
            child = event.child()
            if isinstance(child, QtWidgets.QWidget) and not child.isWindow():
                self.watch(child)
        elif kind == QtCore.QEvent.Type.Wheel and turned(obj) and not obj.hasFocus():
            viewport = self.area.viewport()
            at = QtCore.QPointF(viewport.mapFromGlobal(event.globalPosition().toPoint()))
            turn = type(event)(at, event.globalPosition(), event.pixelDelta(), event.angleDelta(),
                               event.buttons(), event.modifiers(), event.phase(), event.inverted(),
                               event.source())
            QtWidgets.QApplication.sendEvent(viewport, turn)
            return True
        return False


def wheel_scrolls(area: QtWidgets.QScrollArea) -> WheelScrolls:
    """Makes the wheel scroll ``area`` (its page set) past the boxes on its page."""
    page = area.widget()
    assert page is not None, "set the area's page first"
    return WheelScrolls(area, page)
