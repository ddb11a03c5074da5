"""The mouse wheel over a scrolling panel scrolls the panel: a spin box, combo box or
slider it passes under the pointer keeps its value unless the user picked it first (a
click or Tab gives it the focus; then the wheel turns it, as before)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


def wheel(widget: QtWidgets.QWidget, notches: int) -> None:
    """``notches`` of a mouse wheel over the middle of ``widget`` (negative: down)."""
    at = QtCore.QPointF(widget.rect().center())
    event = QtGui.QWheelEvent(at, QtCore.QPointF(widget.mapToGlobal(at)), QtCore.QPoint(0, 0),
                              QtCore.QPoint(0, 120 * notches), QtCore.Qt.MouseButton.NoButton,
                              QtCore.Qt.KeyboardModifier.NoModifier, QtCore.Qt.ScrollPhase.NoScrollPhase,
                              False)
    QtWidgets.QApplication.sendEvent(widget, event)
    QtWidgets.QApplication.processEvents()


def test_the_wheel_scrolls_the_side_panel_past_its_boxes(make_window):
    """Scrolling the side panel down to a real model's options with the wheel, the GRU's
    units box came under the pointer and took the rest of the turns: units 32 became 29
    and the file's trained weights were replaced by new initial ones ("New initial weights
    for gru ..."); over the layer box the wheel turned an LSTM into a GRU."""
    w = make_window((1280, 600))
    panel = w.stack_panel
    panel.cards.setCurrentRow(0)
    QtWidgets.QApplication.processEvents()
    bar = panel.body_scroll.verticalScrollBar()
    assert bar.maximum() > 0
    units = panel.option_widgets["units"]
    kind = next(c for c in panel.findChildren(QtWidgets.QComboBox)
                if c.isVisibleTo(panel) and c.currentText() == "LSTM")
    batch = w.state.input.batch_size
    config = dict(w.state.layers[0].config)
    for box in (units, kind, panel.option_widgets["activation"], panel.batch_spin):
        panel.body_scroll.ensureWidgetVisible(box)
        QtWidgets.QApplication.processEvents()
        bar.setValue(0)
        assert not box.hasFocus()
        wheel(box, -2)
        assert bar.value() > 0, box  # the panel scrolled instead
        assert not box.hasFocus()
    assert w.state.layers[0].class_name == "LSTM"
    assert w.state.layers[0].config == config
    assert w.state.input.batch_size == batch == panel.batch_spin.value()
    # a box the user picked turns with the wheel, as before
    units.setFocus()
    QtWidgets.QApplication.processEvents()
    before = units.value()
    wheel(units, 1)
    assert units.value() == before + 1
    assert w.state.layers[0].config["units"] == before + 1


def test_the_wheel_scrolls_the_train_controls_past_their_boxes(make_window):
    """Scrolling the Train tab's controls down to "Your model and data", the pointer
    passed over "Snapshot every", which went from 10 to 2; the snapshots' slider, under
    the pointer, would show another snapshot's weights."""
    w = make_window((1280, 600))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    QtWidgets.QApplication.processEvents()
    bar = panel.controls.verticalScrollBar()
    assert bar.maximum() > 0
    every = panel.snap_spin.value()
    for box in (panel.snap_spin, panel.time_slider):
        panel.controls.ensureWidgetVisible(box)
        QtWidgets.QApplication.processEvents()
        bar.setValue(0)
        wheel(box, -3)
        assert bar.value() > 0, box
    assert panel.snap_spin.value() == every
    assert panel.session.snapshot_every == every
