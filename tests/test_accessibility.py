"""What a screen reader is told: every control that takes the focus has a name (a button
without text, a combo box whose only text is its choice, a plot), and each view's
description carries the numbers it draws for the cursor (read from the trace)."""

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.cell_ref import fmt
from lstmviz.ui.accessible import unnamed

TAB = QtCore.Qt.Key.Key_Tab


def settle():
    for _ in range(3):
        QtWidgets.QApplication.processEvents()


def _described(w) -> str:
    return f"{type(w).__name__} {w.objectName()!r} in {type(w.parentWidget()).__name__} (tip {w.toolTip()[:60]!r})"


def _every_page(window):
    """Each view tab, each side panel tab, each page of the Train tab's plots, shown in
    turn (a widget is checked where it is shown)."""
    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        settle()
        for j in range(window.side.count()):
            window.side.setCurrentIndex(j)
            settle()
            yield f"tab {window.tabs.tabText(k)}, side {window.side.tabText(j)}"
        if window.on_train_tab():
            plots = window.train_panel.plot_tabs
            for j in range(plots.count()):
                plots.setCurrentIndex(j)
                settle()
                yield f"Train tab's {plots.tabText(j)}"


def test_every_focusable_control_has_a_name(make_window):
    window = make_window((1400, 900))
    missing = {}
    for where in _every_page(window):
        for w in unnamed(window):
            missing.setdefault(_described(w), where)
    assert not missing, "controls a screen reader has no name for: " + "; ".join(
        f"{w} ({where})" for w, where in missing.items())


def test_a_control_without_a_name_is_caught(make_window):
    """The check itself: an icon-only button, a combo box with items and no name, found;
    named, no longer."""
    window = make_window((1000, 700))
    button = QtWidgets.QToolButton(window.player)
    button.setIcon(window.player.play_action.icon())
    combo = QtWidgets.QComboBox(window.player)
    combo.addItems(["viridis", "magma"])
    for w in (button, combo):
        w.show()
    assert {button, combo} <= set(unnamed(window))
    button.setAccessibleName("Colour map")
    combo.setAccessibleName("Colours")
    assert not {button, combo} & set(unnamed(window))


def _labelled_by(w) -> list[str]:
    """The texts of the labels Qt's accessibility tells ``w`` is labelled by (its buddies:
    on Linux Qt names a combo box by its current item, and Orca reads these)."""
    face = QtGui.QAccessible.queryAccessibleInterface(w)
    return [other.text(QtGui.QAccessible.Text.Name)
            for other, _ in face.relations(QtGui.QAccessible.RelationFlag.Label)]


def test_option_boxes_are_named_by_their_option_not_their_choice(make_window):
    window = make_window((1400, 900))
    act = window.findChild(QtWidgets.QComboBox, "option:activation")
    box = window.findChild(QtWidgets.QCheckBox, "option:use_bias")
    assert act.accessibleName() == "activation" and _labelled_by(act)[0] == "activation"
    face = QtGui.QAccessible.queryAccessibleInterface(act)
    assert face.text(QtGui.QAccessible.Text.Value) == act.currentText()  # (its choice is its value)
    # (without a name a check box without text was the title of its group, "Selected: LSTM lstm")
    assert QtGui.QAccessible.queryAccessibleInterface(box).text(QtGui.QAccessible.Text.Name) == "use_bias"
    assert _labelled_by(window.player.speed) == ["speed"]
    assert _labelled_by(window.layer_combo) == ["layer"]


@pytest.fixture
def listening():
    """As when a screen reader is connected (Qt's AT-SPI bridge sets it)."""
    QtGui.QAccessible.setActive(True)
    yield
    QtGui.QAccessible.setActive(False)


def _cell_numbers(window):
    """The trace's numbers of the cursor's unit and step, as the views print them."""
    c = window.state.trace_cursor
    rec = window.state.trace.layers[c.layer]
    s, t, u = 0, c.step, c.unit  # (the window traces the shown sample alone: its sample 0)
    return {k: fmt(rec.steps[k][s, t, u]) for k in ("i", "f", "c_tilde", "o", "c", "h")}, rec


def _steps(window) -> int:
    return window.state.trace.layers[window.state.cursor.layer].steps["h"].shape[1]


def test_cell_view_description_carries_the_trace_numbers_of_the_cursor(make_window, qtbot, listening):
    window = make_window((1400, 900))
    window.tabs.setCurrentIndex(1)
    settle()
    view = window.views[1]
    window.state.set_cursor(step=7, unit=3)
    numbers, rec = _cell_numbers(window)
    words = {"i": "input gate i", "f": "forget gate f", "c_tilde": "candidate", "o": "output gate o",
             "h": "out: hidden state h"}
    qtbot.waitUntil(lambda: f"output gate o = {numbers['o']}" in view.accessibleDescription())
    said = view.accessibleDescription()
    assert f"step 7 of {_steps(window)}" in said and "unit 3" in said and "sample 0" in said
    for key in ("i", "f", "c_tilde", "o", "h"):
        assert f"{words[key]} = {numbers[key]}" in said, (key, said)
    assert f"cell state c = {numbers['c']}." in said
    # the states entering the step: step 6's
    h, c = fmt(rec.steps["h"][0, 6, 3]), fmt(rec.steps["c"][0, 6, 3])
    assert f"entering: hidden state h = {h}, cell state c = {c}" in said
    # another step and unit: the description follows
    window.state.set_cursor(step=12, unit=5)
    numbers, _ = _cell_numbers(window)
    qtbot.waitUntil(lambda: f"step 12 of {_steps(window)}" in view.accessibleDescription())
    assert f"forget gate f = {numbers['f']}" in view.accessibleDescription()
    assert "unit 5" in view.accessibleDescription()


def test_no_wording_while_no_screen_reader_listens(make_window, qtbot):
    """Stepping without an assistive technology words nothing (seeking stays as fast);
    the focus reaching the view words it at once."""
    assert not QtGui.QAccessible.isActive()
    window = make_window((1400, 900))
    window.tabs.setCurrentIndex(1)
    settle()
    view = window.views[1]
    window.state.set_cursor(step=3)
    qtbot.wait(2 * view.describer.DELAY)
    assert view.accessibleDescription() == ""
    assert not view.describer.timer.isActive()
    view.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
    settle()
    assert f"step 3 of {_steps(window)}" in view.accessibleDescription()


def test_tab_reaches_the_view_after_its_tabs_and_rings_it(make_window, qtbot):
    window = make_window((1400, 900))
    window.tabs.setCurrentIndex(1)
    settle()
    view = window.views[1]
    stops = window.tab_stops()
    bar = window.tabs.tabBar()
    assert stops.index(view) == stops.index(bar) + 1
    assert stops.index(view) < stops.index(window.player.speed)
    window.activateWindow()
    bar.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
    settle()
    qtbot.keyClick(bar, TAB)
    settle()
    assert QtWidgets.QApplication.focusWidget() is view
    ring = next(c for c in view.children() if type(c).__name__ == "FocusRing")
    assert ring.isVisible() and ring.geometry() == view.rect()
    assert view.accessibleDescription().startswith(f"lstm (LSTM, 8 units), step 0 of {_steps(window)}")
    # the player's keys still work there: Right steps
    qtbot.keyClick(view, QtCore.Qt.Key.Key_Right)
    settle()
    assert window.state.cursor.step == 1
    qtbot.keyClick(view, TAB)
    settle()
    assert not ring.isVisible()


def test_each_view_describes_what_it_draws(make_window):
    window = make_window((1400, 900))
    window.state.set_cursor(step=4, unit=2)
    numbers, rec = _cell_numbers(window)
    texts = {}
    for k in range(4):
        window.tabs.setCurrentIndex(k)
        settle()
        view = window.views[k]
        assert view.accessibleName() == f"{view.title} view"
        texts[view.title] = view.describe()
    assert f"hidden state h = {numbers['h']}" in texts["Unrolled"]
    assert "a row per layer: lstm (LSTM" in texts["Unrolled"]
    assert texts["Over time"].startswith(f"Heatmaps of lstm, 8 units by {_steps(window)} steps")
    assert f"input gate i = {numbers['i']}" in texts["Over time"]
    kernel = window.state.model.get_layer("lstm").named_weights()["kernel"]
    assert f"1 by 32, from {fmt(kernel.min())} to {fmt(kernel.max())}" in texts["Weights"]
    assert "params = 4·(d·u + u·u + u)" in texts["Weights"]


def test_a_control_tab_focused_is_ringed_and_a_clicked_one_not(make_window, qtbot):
    """Fusion's focus shade on a button is hardly seen (dark) or not at all (projector): a
    control Tab reached is ringed in the text's colour, one clicked is not."""
    from lstmviz.ui import theme as th

    window = make_window((1400, 900))
    dup = next(b for b in window.findChildren(QtWidgets.QPushButton) if b.text() == "Duplicate")
    remove = next(b for b in window.findChildren(QtWidgets.QPushButton) if b.text() == "Remove")
    window.activateWindow()
    settle()
    dup.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
    settle()
    qtbot.keyClick(dup, TAB)
    settle()
    assert QtWidgets.QApplication.focusWidget() is remove
    assert window.keyboard_ring.shown() is remove
    ring = window.keyboard_ring.ring
    assert ring.geometry().contains(remove.geometry()) and ring.parentWidget() is remove.parentWidget()
    # its outline in the theme's text colour, in the window's picture
    picture = window.grab().toImage()
    edge = ring.mapTo(window, QtCore.QPoint(ring.width() // 2, 1))
    ratio = picture.devicePixelRatio()
    pixel = picture.pixelColor(int(edge.x() * ratio), int(edge.y() * ratio))
    assert pixel.name() == QtGui.QColor(th.current().foreground).name()
    qtbot.mouseClick(dup, QtCore.Qt.MouseButton.LeftButton)
    settle()
    assert QtWidgets.QApplication.focusWidget() is dup and window.keyboard_ring.shown() is None


def test_the_window_shown_rings_nothing(qtbot):
    """The window shown gives its first control the focus (the side panel's tab bar) with
    no key pressed: it was ringed at start-up, a stray box in every screenshot."""
    from lstmviz.ui.app import make_window as make

    window = make(None, "dark", quiet=True)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    settle()
    assert QtWidgets.QApplication.focusWidget() is not None
    assert window.keyboard_ring.shown() is None
    window.close()


def test_the_layer_list_tab_focused_shows_one_focus_ring(make_window, qtbot):
    """Tab to the side panel's layer list showed the focus twice: the window's keyboard ring
    round the list and a dotted ring the card painter drew round the current card (at a
    click too). The list is ringed as every control is; the card is painted as without the
    focus."""
    from lstmviz.ui import theme as th

    window = make_window((1400, 900))
    cards = window.stack_panel.cards
    before = window.stack_panel.input_source_button
    window.activateWindow()
    settle()
    before.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
    settle()
    for _ in range(4):
        if QtWidgets.QApplication.focusWidget() is cards:
            break
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), TAB)
        settle()
    assert QtWidgets.QApplication.focusWidget() is cards and cards.currentRow() >= 0
    assert window.keyboard_ring.shown() is cards  # the one ring: the window's, round the list

    def painted(focused: bool) -> QtGui.QImage:
        index = cards.model().index(cards.currentRow(), 0)
        option = QtWidgets.QStyleOptionViewItem()
        cards.initViewItemOption(option)
        option.rect = QtCore.QRect(0, 0, cards.viewport().width(), cards.sizeHintForRow(cards.currentRow()))
        option.state |= QtWidgets.QStyle.StateFlag.State_Selected
        if focused:
            option.state |= QtWidgets.QStyle.StateFlag.State_HasFocus
        image = QtGui.QImage(option.rect.size(), QtGui.QImage.Format.Format_ARGB32)
        image.fill(QtGui.QColor(th.current().background))
        painter = QtGui.QPainter(image)
        cards.itemDelegate().paint(painter, option, index)
        painter.end()
        return image

    assert painted(True) == painted(False)  # (no second ring on the card)


def test_the_direction_box_of_a_bidirectional_layer_is_labelled(make_window):
    """A Bidirectional layer's forward / backward box in the header had no label: on Linux
    Qt names a combo box by its choice and Orca read only "forward". It has its word,
    "direction", shown beside it where the header has room (as "layer" and "unit") and
    its buddy, which Orca reads; hidden with the box for other layers."""
    from lstmviz import LayerSpec, Model

    window = make_window((1400, 900))
    model = Model.sequential((None, 10, 3), [LayerSpec("Bidirectional", {"layer": {
        "class_name": "LSTM", "config": {"units": 6, "return_sequences": True}}}, name="bi"),
        LayerSpec("LSTM", {"units": 4}, name="top")], seed=0)
    window.state.set_model(model)
    window.state.set_cursor(layer="bi", side="backward")
    settle()
    box, word = window.side_combo, window.side_label
    assert box.isVisible() and box.currentText() == "backward"
    assert _labelled_by(box) == ["direction"] and word.buddy() is box
    assert word.isVisible() and word.width() >= word.sizeHint().width()  # (shown whole)
    assert word.geometry().right() < box.geometry().left()  # (before its box)
    assert not unnamed(window.stack_header)
    window.state.set_cursor(layer="top")
    settle()
    assert not box.isVisible() and not word.isVisible()


def _unnamed_said(root) -> str:
    return "; ".join(_described(w) for w in unnamed(root))


def test_every_control_of_units_at_scale_has_a_name(make_window, qtbot):
    """View > Units at scale: its record box was read as "lstm: h", its spin boxes as their
    values ("sample 0", "top 64"), its plots as nothing; with a ranking, the box of what
    the scores are over (several samples) and crossings listed, each control named."""
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4))],
                     InputSpec(input_dim=2, batch_size=3, timesteps=60))
    window = make_window((1400, 900), state)
    lw = window.open_units_window()
    assert lw is not None and lw.wait(60)
    qtbot.waitExposed(lw)
    lw.rank_combo.setCurrentText("variance")
    lw.threshold_edit.setValue(0.0)
    lw.direction_combo.setCurrentText("both")
    lw.find_crossings()
    settle()
    assert lw.pool_combo.isVisible() and lw.top_spin.isEnabled() and lw.crossing_list.count()
    assert not unnamed(lw), "controls a screen reader has no name for: " + _unnamed_said(lw)
    assert (lw.record_combo.accessibleName(), lw.pool_combo.accessibleName()) == ("record", "scores over")
    assert lw.glw.accessibleName().startswith("Units at scale: ")


@pytest.mark.parametrize("tab", ["Cell", "Train"])
def test_every_control_of_the_animation_dialog_has_a_name(make_window, tab):
    """File > Export > Animation: its size and step boxes were read as "1006", "0"; over
    the Train tab it offers the views by name, in a box of its own."""
    from lstmviz.ui.export import AnimationDialog

    window = make_window((1400, 900))
    window.tabs.setCurrentIndex(next(k for k in range(window.tabs.count()) if window.tabs.tabText(k) == tab))
    settle()
    dialog = AnimationDialog(window)
    dialog.show()
    settle()
    try:
        assert not unnamed(dialog), "controls a screen reader has no name for: " + _unnamed_said(dialog)
        assert (dialog.width_spin.accessibleName(), dialog.last_spin.accessibleName()) == ("Width (px)", "Last step")
        assert _labelled_by(dialog.target) == ["Show"] and _labelled_by(dialog.fps) == ["Speed"]
    finally:
        dialog.reject()


def test_the_png_scale_dialog_names_its_field(make_window):
    """File > Export > PNG asks the scale in Qt's own dialog, whose field its label names
    (its buddy: what Qt tells a screen reader)."""
    window = make_window((1400, 900))
    window.quiet = False  # (a quiet window exports at scale 1 without asking)
    seen = []

    def look():
        dialog = QtWidgets.QApplication.activeModalWidget()
        seen.append((type(dialog).__name__, [_described(w) for w in unnamed(dialog)],
                     [QtGui.QAccessible.queryAccessibleInterface(w).text(QtGui.QAccessible.Text.Name)
                      for w in dialog.findChildren(QtWidgets.QDoubleSpinBox)]))
        dialog.reject()

    QtCore.QTimer.singleShot(50, look)
    window.exporter.picture("view", "png")
    assert len(seen) == 1
    kind, missing, names = seen[0]
    assert kind == "QInputDialog" and not missing, missing
    assert len(names) == 1 and names[0].startswith("Scale (1 = ")


def test_every_control_of_a_lesson_has_a_name(make_window):
    """Help > Lessons: the caption bar and each page a lesson's steps show."""
    window = make_window((1400, 900))
    tour = window.presenter.tour
    missing = {}
    for which in (0, 1):
        tour.start(which)
        for k in range(len(tour.lesson.steps)):
            tour.go(k)
            settle()
            for w in unnamed(window):
                missing.setdefault(_described(w), f"lesson {which + 1}, step {k + 1}")
    tour.end()
    assert not missing, "controls a screen reader has no name for: " + "; ".join(
        f"{w} ({where})" for w, where in missing.items())


def test_the_unrolled_views_words_name_a_layers_selected_step_and_unit_not_only_a_cells(make_window):
    """Issue 13: on a layer that is not recurrent (the attention block's weights, a
    Permute's) the Unrolled view's screen-reader text listed the rows and no more: the
    selected cell's step, unit and number were said of a recurrent layer only. Now they are,
    in Over time's words (``accessible._output_at``), its number the trace's; on a long
    input's window a Permute((2, 1))'s by its own steps and the input's, as its header."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.app.accessible import unrolled_view
    from lstmviz.app.selection import Cursor
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.engine.windows import keyframe_pass

    window = make_window((1400, 900))
    model = lstmviz.load(FIXTURES / "k3_attention_steps" / "model.keras", isolate=False)
    window.state.set_model(model)
    window.state.set_input_data(np.load(FIXTURES / "k3_attention_steps" / "x.npy"))
    window.tabs.setCurrentIndex(0)
    trace = window.state.trace
    for layer, kind in (("before_weights", "Dense"), ("after_probs", "Permute")):
        window.state.set_cursor(layer=layer, step=5, unit=2, sample=0)
        settle()
        said = window.views[0].describe()
        # (its row's column 5, unit 2: the Dense's (batch, features, steps) number [0, 2, 5])
        y = trace[layer].output[0, 2, 5] if kind == "Dense" else trace[layer].output[0, 5, 2]
        assert f"Selected: {layer} ({kind}), unit 2, step 5, sample 0: y = {fmt(y)}." in said, said
    x = np.random.default_rng(0).normal(size=(1, 200, 2)).astype(np.float32)
    featurewise = Model.sequential((None, 200, 2), [
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="lstm"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="permute")], seed=0)
    win = keyframe_pass(featurewise, x, every=64).window(64, 128)
    said = unrolled_view(featurewise, win, Cursor(layer="permute", step=1, unit=2))
    y = featurewise.trace(x)["permute"].output[0, 2, 65]
    assert f"Selected: permute (Permute), its step 2 (axis 1), input step 65 of 200 (its axis 2), sample 0: " \
           f"y = {fmt(y)}." in said, said
