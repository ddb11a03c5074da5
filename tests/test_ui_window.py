"""The main window driven as a user would: side panel widgets, keys, slider, files."""

import contextlib
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from helpers import settle, tip_text
from lstmviz.ui.stack_panel import ROLE_CARD

FIX = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def window(make_window):
    return make_window((1400, 900))


@pytest.fixture(autouse=True)
def no_window_left(qtbot):
    yield
    QtWidgets.QApplication.processEvents()
    left = [w for w in QtWidgets.QApplication.topLevelWidgets()
            if w.isVisible() and not isinstance(w, (QtWidgets.QMenu,))]
    assert not left, f"windows left open: {left}"


def card(window, row):
    return window.stack_panel.cards.item(row).data(ROLE_CARD)


def record_cursors(window):
    """Wrap every view's set_cursor to see that the window moves all of them."""
    seen = {}
    for view in window.views:
        orig = view.set_cursor

        def wrapped(cursor, orig=orig, view=view):
            seen[view.title] = cursor
            return orig(cursor)
        view.set_cursor = wrapped
    return seen


def press(qtbot, window, key):
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, key)


# -- the side panel ----------------------------------------------------------------------
def test_units_spin_box_rebuilds_with_keras_param_count(window):
    panel = window.stack_panel
    panel.cards.setCurrentRow(0)
    panel.option_widgets["units"].setValue(5)
    layer = window.state.model.layers[0]
    d, u = 1, 5
    assert layer.units == 5
    assert card(window, 0)["params"] == f"{4 * (d * u + u * u + u):,}"
    assert "= 140" in panel.info_label.text()
    assert "Total params" in panel.total_label.text()
    assert str(window.state.model.count_params()) in panel.total_label.text().replace(",", "")
    # every view got the new trace: the unrolled view's record has 5 units now
    assert window.state.trace["lstm"].steps["h"].shape[-1] == 5


def test_a_card_keeps_the_start_of_a_long_layer_name(make_window, monkeypatch):
    """Three LSTMs of a published model (fdeep_lstm_stateful.h5: 'lstm_sequences_0_st-True',
    ...) were three cards reading 'LSTM': a name too long for the card was dropped whole.
    Its start shows, cut with an ellipsis; only where not even that fits, the class alone."""
    from lstmviz.app.options import default_config
    from lstmviz.app.state import AppState, InputSpec, LayerEntry
    from lstmviz.ui import stack_panel

    names = ["lstm_sequences_0_st-True_with_a_long_tail", "lstm_sequences_1_st-False_with_a_long_tail"]
    state = AppState([LayerEntry("LSTM", {**default_config("LSTM", None, units=3), "return_sequences": True}, n)
                      for n in names], InputSpec())
    w = make_window((1200, 800), state)
    cards = w.stack_panel.cards
    texts = []
    real_draw = QtGui.QPainter.drawText

    def draw(painter, *args):
        if len(args) == 3 and isinstance(args[2], str):
            texts.append(args[2])
        return real_draw(painter, *args)
    monkeypatch.setattr(QtGui.QPainter, "drawText", draw)
    image = QtGui.QImage(cards.viewport().size(), QtGui.QImage.Format.Format_ARGB32)
    cards.viewport().render(image)
    monkeypatch.undo()
    titles = [t for t in texts if t.startswith("LSTM")]
    assert len(titles) == 2, texts
    for text, name in zip(titles, names):
        assert text.startswith(f"LSTM  {name[:10]}") and text.endswith("\u2026"), text
    real = stack_panel.card_title
    bold = QtGui.QFont(cards.font())
    bold.setBold(True)
    fm = QtGui.QFontMetrics(bold)
    assert real(fm, f"LSTM  {names[0]}", "LSTM", fm.horizontalAdvance("LSTM  lst")) == "LSTM"
    assert real(fm, "LSTM  lstm", "LSTM", 10_000) == "LSTM  lstm"


def test_a_card_of_a_long_class_keeps_its_short_name(window):
    """Four 'Bidirectional(LSTM)  bi1' cards with a seven-digit count: the name was dropped,
    so the cards read the same; the class is cut instead and the name stays whole."""
    from lstmviz.ui import stack_panel
    bold = QtGui.QFont(window.stack_panel.cards.font())
    bold.setBold(True)
    fm = QtGui.QFontMetrics(bold)
    room = fm.horizontalAdvance("Bidirectional(LSTM)  bi")
    got = stack_panel.card_title(fm, "Bidirectional(LSTM)  bi1", "Bidirectional(LSTM)", room)
    assert got.endswith("\u2026  bi1") and got.startswith("Bidir"), got
    assert fm.horizontalAdvance(got) <= room
    # no room for four letters of the class with the name: the class alone, as before
    tiny = fm.horizontalAdvance("Bid\u2026  bi1")
    assert stack_panel.card_title(fm, "Bidirectional(LSTM)  bi1", "Bidirectional(LSTM)", tiny) \
        == fm.elidedText("Bidirectional(LSTM)", QtCore.Qt.TextElideMode.ElideRight, tiny)


def test_option_widgets_have_plain_tooltips(window):
    panel = window.stack_panel
    panel.cards.setCurrentRow(0)
    assert "hidden state" in panel.option_widgets["units"].toolTip()
    assert isinstance(panel.option_widgets["activation"], QtWidgets.QComboBox)
    assert isinstance(panel.option_widgets["return_sequences"], QtWidgets.QCheckBox)
    for w in panel.option_widgets.values():
        assert w.toolTip()


def test_invalid_stack_shows_message_and_keeps_last_trace(window, qtbot):
    panel = window.stack_panel
    trace = window.state.trace
    panel.cards.setCurrentRow(1)  # lstm_1 returns only its last step
    panel.add_actions["GRU"].trigger()
    assert panel.error_label.isVisible()
    text = panel.error_label.text()
    assert "return_sequences=True" in text and "lstm_1" in text
    assert window.state.trace is trace
    assert "?" in panel.total_label.text()
    # the fix, through the form: select lstm_1 and tick return_sequences
    panel.cards.setCurrentRow(1)
    panel.option_widgets["return_sequences"].setChecked(True)
    assert not panel.error_label.isVisible()
    assert [l.class_name for l in window.state.model.layers] == ["LSTM", "LSTM", "GRU", "Dense"]


def test_add_duplicate_remove_and_drag_reorder(window):
    panel = window.stack_panel
    panel.cards.setCurrentRow(2)
    panel.add_actions["TimeDistributed(Dense)"].trigger()
    assert window.state.error  # TimeDistributed after a 2-D output: a message, not a crash
    panel.cards.setCurrentRow(3)
    panel.remove_button.click()
    assert window.state.error is None and panel.cards.count() == 3
    panel.cards.setCurrentRow(0)
    panel.duplicate_button.click()
    assert panel.cards.count() == 4 and window.state.error is None
    # drag the Dense card to the top: the model moves the row as a drop would
    model = panel.cards.model()
    assert model.moveRow(QtCore.QModelIndex(), 3, QtCore.QModelIndex(), 0)
    QtWidgets.QApplication.processEvents()
    QtCore.QCoreApplication.sendPostedEvents()
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert window.state.layers[0].class_name == "Dense"
    assert card(window, 0)["title"].startswith("Dense")


def test_input_spec_and_panel(window):
    panel = window.stack_panel
    panel.timesteps_spin.setValue(30)
    assert window.state.x.shape[1] == 30 and window.player.slider.maximum() == 29
    panel.input_dim_spin.setValue(3)
    assert window.state.model.layers[0].weights[0].shape[0] == 3
    ip = window.input_panel
    ip.source.setCurrentIndex(ip.source.findData("random_walk"))
    assert window.state.input.source == "random_walk"
    table = ip.table.model()
    assert table.rowCount() == 30 and table.columnCount() == 3
    assert [table.data(table.index(t, 2)) for t in (0, 29)] == [f"{window.state.x[0, t, 2]:.3f}" for t in (0, 29)]
    assert table.setData(table.index(4, 1), "2.5")  # what the table's editor hands over
    assert window.state.input.source == "data" and window.state.x[0, 4, 1] == pytest.approx(2.5)
    assert table.data(table.index(4, 1)) == "2.500"
    assert not table.setData(table.index(5, 1), "abc")
    assert "'abc' is not a number" in ip.message.text()
    assert table.data(table.index(5, 1)) == f"{window.state.x[0, 5, 1]:.3f}"  # unchanged


def test_input_boxes_write_counts_with_separators_at_a_plain_boxs_least_width(window, qtbot):
    """The Input box's batch, timesteps and input_dim wrote a long input's 30000 steps
    without separators, while every text beside them writes 30,000. They now write them
    with the locale's group separators; their size hints are a plain spin box's of the same
    range (written with separators, the timesteps box's 100,000,000 top widened its least
    width and a long layer name's side panel left its width: the revert dcfdbbf); a number
    typed without separators is still taken."""
    panel = window.stack_panel
    for spin in (panel.batch_spin, panel.timesteps_spin, panel.input_dim_spin):
        sep = spin.locale().groupSeparator()
        assert sep and spin.textFromValue(30_000) == f"30{sep}000"
        plain = QtWidgets.QSpinBox()
        plain.setRange(spin.minimum(), spin.maximum())
        plain.setFont(spin.font())
        plain.setStyle(spin.style())
        plain.setKeyboardTracking(False)
        assert (spin.minimumSizeHint(), spin.sizeHint()) == (plain.minimumSizeHint(), plain.sizeHint())
        plain.deleteLater()
    spin = panel.timesteps_spin
    wide = QtWidgets.QSpinBox()
    wide.setRange(spin.minimum(), spin.maximum())
    wide.setGroupSeparatorShown(True)
    assert wide.minimumSizeHint().width() > spin.minimumSizeHint().width()  # (what the hints leave out)
    wide.deleteLater()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "1200")
    qtbot.keyClick(spin.lineEdit(), QtCore.Qt.Key.Key_Return)
    assert window.state.input.timesteps == 1200 and spin.text() == f"1{spin.locale().groupSeparator()}200"


def test_input_table_shows_every_step_of_a_long_input_without_an_object_per_number(window, qtbot):
    """The table reads the array when it shows a cell: all 20,000 steps of a 2-sample input
    are rows, the numbers of the sample shown, and filling it makes no object per number
    (128,000 widget items once: ~0.7 s, and every garbage collection walked them)."""
    import gc

    window.stack_panel.input_dim_spin.setValue(3)
    x = np.random.default_rng(5).normal(size=(2, 20_000, 3)).astype(np.float32)
    ip = window.input_panel
    window.side.setCurrentWidget(ip)
    gc.collect()
    before = len(gc.get_objects())
    window.state.set_input_data(x)
    table = ip.table.model()
    assert len(gc.get_objects()) - before < 5_000  # not 60,000 items
    assert (table.rowCount(), table.columnCount()) == (20_000, 3)
    assert table.headerData(19_999, QtCore.Qt.Orientation.Vertical) == "t=19999"
    assert table.data(table.index(19_999, 2)) == f"{x[0, 19_999, 2]:.3f}"
    assert "20,000 timesteps" in ip.table_label.text()
    # (the table laid out for its rows first, as the event loop does before a user scrolls: a
    # long input's progress bar had painted the whole window where the input was set)
    QtWidgets.QApplication.processEvents()
    ip.table.scrollTo(table.index(15_000, 0))  # the view shows a row far down
    QtWidgets.QApplication.processEvents()
    assert ip.table.rowAt(ip.table.viewport().height() // 2) > 14_000
    window.state.set_cursor(sample=1)  # the other sample's numbers
    assert table.data(table.index(15_000, 1)) == f"{x[1, 15_000, 1]:.3f}"
    # an edit through the table's own editor, as a double-click and typing do
    index = table.index(15_000, 1)
    ip.table.setCurrentIndex(index)
    ip.table.edit(index)
    editor = QtWidgets.QApplication.focusWidget()
    assert isinstance(editor, QtWidgets.QLineEdit) and editor.text() == f"{x[1, 15_000, 1]:.3f}"
    editor.setText("\u22121.25")
    qtbot.keyClick(editor, QtCore.Qt.Key.Key_Return)
    QtWidgets.QApplication.processEvents()  # the delegate commits in a queued call
    assert window.state.x[1, 15_000, 1] == pytest.approx(-1.25)
    assert table.data(index) == "-1.250"


def test_input_table_of_token_ids_is_read_only(window):
    state = window.state
    state.add_layer("Embedding", index=0)
    state.set_input_spec(source="text", text="hello world")
    assert state.error is None and state.embedding_first
    table = window.input_panel.table.model()
    assert table.headerData(0, QtCore.Qt.Orientation.Horizontal) == "id"
    assert [table.data(table.index(t, 0)) for t in range(table.rowCount())] == [
        str(int(v)) for v in np.asarray(state.x[0]).reshape(-1)]
    assert not table.flags(table.index(0, 0)) & QtCore.Qt.ItemFlag.ItemIsEditable
    assert not table.setData(table.index(0, 0), "3")


# -- one clock -----------------------------------------------------------------------------
def test_hidden_tabs_take_a_new_trace_when_shown(window, qtbot):
    """An edit redraws the tab on screen at once; the others catch up when shown."""
    window.tabs.setCurrentIndex(0)
    seen = record_cursors(window)
    window.state.set_cursor(step=3)
    seen.clear()
    window.state.set_layer_option(0, "units", 5)
    assert set(seen) == {window.views[0].title}  # only the tab on screen redrew
    for k, view in enumerate(window.views):
        window.tabs.setCurrentIndex(k)
        assert seen[view.title].step == window.state.trace_cursor.step


def test_keys_and_slider_move_every_view(window, qtbot):
    for k in range(len(window.views)):  # show every tab once: each then holds the trace
        window.tabs.setCurrentIndex(k)
    window.tabs.setCurrentIndex(0)
    seen = record_cursors(window)
    press(qtbot, window, QtCore.Qt.Key.Key_Right)
    assert window.state.cursor.step == 1
    assert set(seen) == {v.title for v in window.views} and all(c.step == 1 for c in seen.values())
    press(qtbot, window, QtCore.Qt.Key.Key_End)
    assert window.state.cursor.step == 19
    press(qtbot, window, QtCore.Qt.Key.Key_PageUp)
    assert window.state.cursor.step == 18
    press(qtbot, window, QtCore.Qt.Key.Key_Home)
    assert window.state.cursor.step == 0
    press(qtbot, window, QtCore.Qt.Key.Key_PageDown)
    assert window.state.cursor.step == 1
    press(qtbot, window, QtCore.Qt.Key.Key_Left)
    assert window.state.cursor.step == 0
    window.player.slider.setValue(7)
    assert window.state.cursor.step == 7 and all(c.step == 7 for c in seen.values())
    assert window.player.step_label.text() == "t = 7 / 19"
    unrolled = window.views[0]
    if hasattr(unrolled, "current_column"):
        assert unrolled.current_column == 7
    cell = window.views[1]
    if hasattr(cell, "equation_lines"):
        lines7 = list(cell.equation_lines())
        window.player.slider.setValue(8)
        assert cell.equation_lines() != lines7


def test_space_plays_and_pauses(window, qtbot):
    window.player.speed.setCurrentIndex(window.player.speed.findData(60))
    press(qtbot, window, QtCore.Qt.Key.Key_Space)
    assert window.player.playing
    qtbot.waitUntil(lambda: window.state.cursor.step >= 2, timeout=15000)
    press(qtbot, window, QtCore.Qt.Key.Key_Space)
    assert not window.player.playing


def test_number_keys_switch_tabs(window, qtbot):
    for k, key in enumerate((QtCore.Qt.Key.Key_1, QtCore.Qt.Key.Key_2, QtCore.Qt.Key.Key_3, QtCore.Qt.Key.Key_4)):
        press(qtbot, window, key)
        assert window.tabs.currentIndex() == k
    assert [window.tabs.tabText(i) for i in range(4)] == ["Unrolled", "Cell", "Over time", "Weights"]


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_tab_of_the_window_is_in_sight_at_800_by_600(make_window, theme):
    """On a 13" laptop's 800 x 600 window the views' tab bar had 380 px of the 448 its names
    take: Train behind scroll arrows. The names give way as the Train tab's inner tabs do
    (``labels.TabNames``: Over time's short title, less padding, then cut at their end):
    every tab in sight, no scroll arrows, on every tab and at the window's least size; a
    wide window keeps the whole names."""
    from lstmviz.app.views import VIEWS

    window = make_window((800, 600))
    window.set_theme(theme)
    bar = window.tabs.tabBar()
    assert bar.tabText(2) == "Time" and "Over time" in bar.tabToolTip(2)

    def in_sight(k):
        for i in range(bar.count()):
            rect = bar.tabRect(i)
            assert rect.left() >= 0 and rect.right() < bar.width(), (k, i, bar.tabText(i), rect, bar.width())
        assert not [b for b in bar.findChildren(QtWidgets.QToolButton) if b.isVisible()], k

    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        QtWidgets.QApplication.processEvents()
        in_sight(k)
    # at the window's least size (Unrolled's, 714 px wide) the names are cut at their end,
    # every tab still in sight
    window.tabs.setCurrentIndex(0)
    for _ in range(2):
        window.resize(window.minimumSizeHint())
        QtWidgets.QApplication.processEvents()
    assert window.width() < 800
    in_sight("least")
    window.resize(1600, 1000)
    QtWidgets.QApplication.processEvents()
    assert [bar.tabText(i) for i in range(bar.count())] == [t for _, _, t in VIEWS] + ["Train"]


def test_selection_is_shared(window):
    seen = record_cursors(window)
    window.views[0].layer_requested.emit("lstm_1")
    assert window.state.cursor.layer == "lstm_1"
    assert window.stack_panel.cards.currentRow() == 1
    assert window.layer_combo.currentData() == "lstm_1"
    window.views[0].unit_requested.emit(3)
    assert window.state.cursor.unit == 3 and window.unit_spin.value() == 3
    window.views[0].step_requested.emit(5)
    assert all(c.step == 5 and c.layer == "lstm_1" and c.unit == 3 for c in seen.values())



def test_a_click_on_a_backward_cell_selects_that_half_and_the_cell(window):
    """A Bidirectional's backward row clicked at column 2 of 12: the cursor stayed on the
    forward half (the view's side request reached nothing) at processing step 9, so the
    column box jumped to column 9 and the Cell view showed the forward half. Now the half,
    its step (11 - 2) and the box on the clicked column, in every view; the Weights view's
    half too."""
    from lstmviz import LayerSpec, Model

    model = Model.sequential((None, 12, 2), [LayerSpec("Bidirectional", {"layer": {
        "class_name": "LSTM", "config": {"units": 3, "return_sequences": True}}}, name="bi")], seed=0)
    window.state.set_model(model)
    view = window.views[0]
    QtWidgets.QApplication.processEvents()
    assert window.state.cursor.side == "forward"
    view.click_cell("bi/backward", 2)
    QtWidgets.QApplication.processEvents()
    cur = window.state.cursor
    assert (cur.layer, cur.side, cur.step) == ("bi", "backward", 9)
    assert view.current_column == 2 and window.side_combo.currentText() == "backward"
    window.views[3].side_requested.emit("forward")  # (the Weights view's half)
    assert window.state.cursor.side == "forward"

# -- files ---------------------------------------------------------------------------------
def test_an_input_of_other_features_says_the_model_s_input_weights_are_new(window, tmp_path):
    """File > Open of a .npy of 5 features on an opened LSTM of 3 said only "Input read from
    x.npy" while the stack took input_dim 5 and its LSTM's kernel was drawn anew: the user's
    trained weights were gone from the screen without a word."""
    assert window.open_file(FIX / "k3_lstm_default" / "model.keras")
    kernel = np.array(window.state.model.layers[0].weights[0])
    np.save(tmp_path / "x.npy", np.zeros((2, 5, 5), np.float32))
    assert window.open_file(tmp_path / "x.npy")
    assert window.state.model.layers[0].weights[0].shape == (5, 16)
    assert window.last_message == ("Input read from x.npy; input_dim 3 \u2192 5, the file's features: the "
                                   "weights that read the input are drawn anew (Ctrl+Z brings the model back)")
    window.state.undo()
    np.testing.assert_array_equal(window.state.model.layers[0].weights[0], kernel)
    np.save(tmp_path / "same.npy", np.zeros((2, 5, 3), np.float32))
    assert window.open_file(tmp_path / "same.npy")
    assert window.last_message == "Input read from same.npy"


def test_a_keras_folder_saved_unzipped_opens_by_its_config_json_under_its_folder_name(window, tmp_path):
    """File > Open picks files, so a Keras model saved unzipped (model.save(path,
    zipped=False), as the Hugging Face Hub keeps one) is opened by its config.json, which
    the dialog's filter offers: the model opens, and the title, the message and the
    recent files name its folder, not "config.json"."""
    import zipfile

    from lstmviz.io import formats

    folder = tmp_path / "hub_model"
    folder.mkdir()
    with zipfile.ZipFile(FIX / "k3_lstm_default" / "model.keras") as z:
        z.extractall(folder)
    assert "config.json" in formats.dialog_filter().split(";;")[0]
    assert window.open_file(folder / "config.json"), window.last_message
    assert window.last_message.startswith("Opened hub_model: 2 layers"), window.last_message
    assert window.windowTitle() == "lstmviz \u2014 hub_model[*]"
    assert window.recent_menu.actions()[0].text() == "hub_model"
    assert window.state.model.layers[0].weights[0].shape == (3, 16)


def test_opening_a_model_keeps_the_users_data_where_it_fits_and_says_where_not(window, tmp_path):
    """File > Open x.npy, then File > Open model.keras: the model was traced on a generated
    sine, the user's data dropped without a word even where the model takes it exactly (as
    'lstmviz model.keras --input x.npy' traces it). Now data that fits stays, and data that
    does not is said to be left out, with both shapes, where the model opens."""
    import lstmviz

    case = FIX / "k3_lstm_default"
    x = np.load(case / "x.npy")  # (2, 5, 3): what model.keras takes
    np.save(tmp_path / "x.npy", x)
    assert window.open_file(tmp_path / "x.npy")
    assert window.open_file(case / "model.keras")
    assert window.state.input.source == "data"
    np.testing.assert_array_equal(window.state.x, x)
    want = lstmviz.load(case / "model.keras").trace(x[window.state.cursor.sample:][:1]).outputs[0]
    np.testing.assert_allclose(window.state.trace.outputs[0], want, atol=1e-6)
    assert window.last_message.startswith("Opened model.keras") and "left out" not in window.last_message
    window.new_stack()
    np.save(tmp_path / "x4.npy", np.ones((2, 5, 4), np.float32))
    assert window.open_file(tmp_path / "x4.npy")
    assert window.open_file(case / "model.keras")
    assert window.state.x.shape == (2, 5, 3) and window.state.input.source != "data"
    assert window.last_message.startswith("Opened model.keras")
    assert ("the input data (2, 5, 4) was left out: the model takes (None, 5, 3); it is traced on a "
            "generated input") in window.last_message


def test_the_note_on_left_out_data_names_a_file_menu_entry_that_exists(window, tmp_path):
    """Opening a model that cannot take the imported data said it was traced on a generated
    input "(File > Open an input that fits)": the File menu has no such entry (seen opening
    a realworld BiLSTM after the sine demo). The note names the entry that reads an input."""
    case = FIX / "k3_lstm_default"
    np.save(tmp_path / "x4.npy", np.ones((2, 5, 4), np.float32))
    assert window.open_file(tmp_path / "x4.npy")
    assert window.open_file(case / "model.keras")
    said = window.last_message
    assert "was left out" in said
    named = said.split("(File > ", 1)[1].split(")", 1)[0]
    file_menu = window.menuBar().actions()[0].menu()
    entries = [a.text().replace("&", "") for a in file_menu.actions() if a.text()]
    assert any(named.startswith(e.split(" (")[0].rstrip("\u2026")) for e in entries), (named, entries)


def test_a_model_without_a_file_keeps_its_name_in_the_title_through_edits_and_undo(window):
    """A model given without a file (lstmviz.show of a Keras model, then New stack and
    Undo) was titled "built-in stack" once it was the editable stack: its name was gone.
    The title names it through its edits and when Undo brings it back."""
    from lstmviz.engine import LayerSpec, Model

    model = Model.sequential((None, 6, 3), [LayerSpec("GRU", {"units": 5})], seed=0, name="my_forecaster")
    window.state.set_model(model)
    assert window.windowTitle() == "lstmviz \u2014 my_forecaster[*]"
    window.state.set_layer_option(0, "units", 7)
    assert window.windowTitle() == "lstmviz \u2014 my_forecaster[*]"
    window.new_stack()
    assert window.windowTitle() == "lstmviz \u2014 built-in stack[*]"
    window.state.undo()
    assert window.windowTitle() == "lstmviz \u2014 my_forecaster[*]" and window.state.model.layers[0].units == 7


def test_new_stack_says_what_it_did(window):
    """File > New stack left the last message ("Opened model.keras: 2 layers, ...") in
    the status bar over the built-in stack; it says the new stack and how to go back."""
    assert window.open_file(FIX / "k3_lstm_default" / "model.keras")
    assert window.statusBar().currentMessage().startswith("Opened model.keras")
    new = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&New stack")
    new.trigger()
    model = window.state.model
    said = (f"New stack: the built-in editable stack, {len(model.layers)} layers, "
            f"{model.count_params():,} parameters (Ctrl+Z brings model.keras back)")
    assert window.statusBar().currentMessage() == window.last_message == said
    window.new_stack()  # (again: the stack it replaces is the built-in one)
    assert window.last_message.endswith("parameters (Ctrl+Z brings the stack before it back)"), window.last_message


def test_open_model_file_fills_panel_and_views(window):
    path = FIX / "k3_lstm_default" / "model.keras"
    if not path.exists():
        pytest.skip("fixture missing")
    assert window.open_file(path)
    assert [window.stack_panel.cards.item(i).data(ROLE_CARD)["title"] for i in range(2)] == \
        ["LSTM  lstm", "Dense  dense"]
    assert card(window, 0)["params"] == "128"
    assert window.state.x.shape[1:] == (5, 3)
    assert "model.keras" in window.windowTitle()
    assert window._recent()[0].endswith("model.keras")
    # the weights-only file fits this stack; a GRU's does not: a message, no exception
    assert window.open_file(FIX / "k3_lstm_default" / "model.weights.h5")
    other = first_existing("k3_gru_reset_after/model.weights.h5", "k2_gru_reset_after/weights.h5")
    if other is not None:
        assert not window.open_file(other)
        assert "do not fit" in window.last_message
        assert window.state.model.layers[0].class_name == "LSTM"


def test_the_cell_tab_leaves_an_800_x_600_window_its_side_panel(make_window):
    """Once the Cell tab had been shown, the window's least width was ~970 px (nine charts
    of 60 px in one row beside the side panel): an 800 x 600 screen could not hold it.
    Where the view is narrower than that row, the charts go into two rows."""
    window = make_window((800, 600))
    window.tabs.setCurrentIndex(1)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    window.resize(800, 600)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    view = window.views[1]
    assert window.side.isVisible() and window.side.width() > 0
    assert window.minimumSizeHint().width() <= 800 and window.width() <= 800
    shown = [bp.widget.geometry() for bp in view.bars.values() if bp.widget.isVisible()]
    assert len(shown) == 9 and len({c.top() for c in shown}) == 2
    assert all(c.width() >= 60 and c.right() < view.width() for c in shown)
    window.resize(1600, 900)  # room for one row: one row again
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert len({bp.widget.geometry().top() for bp in view.bars.values() if bp.widget.isVisible()}) == 1


def test_only_the_tab_on_screen_sets_the_windows_least_size(make_window):
    """A QTabWidget takes the largest least size of all its pages: a tab shown once held
    the window to it for good (lesson 7 at 800 x 600: after its Weights step, its Over time
    step needed 622 px of height; after the Cell tab, the window could not be narrower than
    the Cell tab's charts). Now a tab's least size counts while it is on screen only. (The
    Weights and Cell tabs' pages scroll where the view is shorter than them: Over time's
    heatmaps are the tallest least now, and the Cell tab the one compared.)"""
    def settle():
        for _ in range(3):
            QtWidgets.QApplication.processEvents()

    def least(win):
        return win.minimumSizeHint().width(), win.minimumSizeHint().height()

    fresh = make_window((1400, 900))
    fresh.tabs.setCurrentIndex(1)  # Cell, no other tab shown but the first
    settle()
    alone = least(fresh)
    window = make_window((1400, 900))
    for k in (2, 3, 1):  # Over time, Weights, then Cell
        window.tabs.setCurrentIndex(k)
        settle()
        if k == 2:
            over_time = least(window)
    assert over_time[1] > alone[1]  # (the Over time tab needs more height than Cell)
    assert least(window) == alone
    window.tabs.setCurrentIndex(2)
    settle()
    assert least(window)[1] > alone[1]  # (and it holds the window while on screen)


def test_the_tabs_least_is_the_bar_and_the_pages_least(window):
    """The views' tabs (document mode: no frame round the page) as small as their least
    size give the page on screen its own least, not 4 px more: Qt's least added Fusion's
    frame (``CT_TabWidget``), and a long input's Over time at 760 x 540 held its window at
    543 px whenever the window read the tabs' least again (``ViewTabs``)."""
    from lstmviz.ui.main_window import ViewTabs

    assert isinstance(window.tabs, ViewTabs) and window.tabs.documentMode()
    given = {}
    for kind in (ViewTabs, QtWidgets.QTabWidget):
        tabs = kind()
        tabs.setDocumentMode(True)
        page = QtWidgets.QWidget()
        page.setMinimumSize(300, 363)
        tabs.addTab(page, "Over time")
        tabs.addTab(QtWidgets.QWidget(), "Cell")
        tabs.resize(tabs.minimumSizeHint())
        tabs.show()
        settle()
        given[kind] = page.size().toTuple()
        assert tabs.size() == tabs.minimumSizeHint()
        tabs.close()
        tabs.deleteLater()
    assert given[ViewTabs] == (300, 363)
    assert given[QtWidgets.QTabWidget][1] > 363  # (Qt's own: the frame it does not draw)


@contextlib.contextmanager
def window_at(theme, size):
    """``lstmviz --theme THEME`` on the demo, sized ``size`` and then shown, as
    ``--size`` and a window under a display are; disposed of after."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window

    w = make_window(None, theme, quiet=True)
    try:
        w.resize(*size)
        w.show()
        settle()
        yield w
    finally:
        dispose(w)
        th.apply("dark", QtWidgets.QApplication.instance())


@contextlib.contextmanager
def projector_tab_at_800_x_600(k):
    """``window_at`` in the projector theme at 800 x 600 on tab ``k``, asked that size
    again once the tab is shown; gives the window and the tab's view, the window 800 x 600
    beside the side panel."""
    with window_at("projector", (800, 600)) as w:
        w.tabs.setCurrentIndex(k)
        settle()
        w.resize(800, 600)
        settle()
        assert (w.width(), w.height()) == (800, 600) and w.side.isVisible()
        yield w, w.views[k]


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_a_window_asked_800_x_600_opens_800_x_600(qapp, theme):
    """``lstmviz --size 800x600`` (and the window under a display) opened 808 px wide (907
    in the projector theme) before any tab was chosen, and only a second resize gave 800:
    the header's Bidirectional side box, hidden after the layouts had measured it but
    before the window was first shown, stayed in their cached least widths."""
    with window_at(theme, (800, 600)) as w:
        assert not w.side_combo.isVisible()
        assert (w.width(), w.height()) == (800, 600), theme
        least = w.minimumSizeHint()
        assert least.width() <= 800 and least.height() <= 600, least


def test_the_cell_tab_fits_an_800_x_600_window_in_the_projector_theme(qapp):
    """In the projector theme beside the side panel the Cell tab held an 800 x 600 window
    1022 px wide: too short for two rows of charts under a header of three lines, the view
    kept one row of nine charts 60 px wide, beside a check box as wide as its whole words.
    It takes two rows, the header its short form (the unit and the step, not the layer's
    kind), the check box its short words; the charts keep their least width and the
    equations their first line."""
    with window_at("projector", (800, 600)) as w:
        w.tabs.setCurrentIndex(1)
        settle()
        view = w.views[1]
        least = w.minimumSizeHint()
        assert least.width() <= 800 and least.height() <= 600, least
        assert (w.width(), w.height()) == (800, 600) and w.side.isVisible()
        charts = [bp.widget.geometry() for bp in view.bars.values() if bp.widget.isVisible()]
        assert len(charts) == 9 and len({c.top() for c in charts}) == 2
        assert all(c.width() >= 60 and c.right() < view.width() for c in charts)
        box = view.expand_box
        assert box.text() == "Write out W·xₜ and U·hₜ₋₁" and box.width() >= box.minimumSizeHint().width()
        line = QtGui.QFontMetrics(view.eq_label.font()).lineSpacing()
        assert view.eq_scroll.viewport().height() >= line
        header = QtGui.QTextDocumentFragment.fromHtml(view.header.label.text()).toPlainText()
        assert header.startswith("lstm · step t = 0 · unit 0 · sample 0"), header
        w.resize(1600, 1000)  # room: the whole words again
        settle()
        assert box.text() == "Write W·xₜ and U·hₜ₋₁ out term by term"


def test_the_cell_tab_says_how_many_equations_are_below_its_fold(qapp):
    """Presenting at 1280 x 720 beside the side panel the Cell tab showed two of an LSTM's
    six equations, a thin scroll bar the only sign of the other four. The check box's row
    says how many are not wholly in sight ("4 more equations below"), a link that scrolls
    to the next; none when all are in sight; not in an exported picture."""
    from lstmviz.ui import export as ex

    def in_sight(view):  # the equations wholly in the viewport, counted from their rows
        area, width = view.eq_scroll, view.eq_scroll.viewport().width()
        edge = area.verticalScrollBar().value() + area.viewport().height()
        per = 2 if view.eq_label.row_bottom(len(view._eqs), width) is not None else 1
        return sum(view.eq_label.row_bottom((k + 1) * per - 1, width) <= edge + 1 for k in range(len(view._eqs)))

    with window_at("projector", (1280, 720)) as w:
        w.tabs.setCurrentIndex(1)
        settle()
        view, label = w.views[1], w.views[1].more_below
        assert w.side.isVisible() and len(view._eqs) == 6
        shown = in_sight(view)
        assert 0 < shown < 6 and label.isVisible()
        words = QtGui.QTextDocumentFragment.fromHtml(label.text()).toPlainText()
        assert words == f"{6 - shown} more equations below ▾"
        # on the box's row, right of its words, inside the view
        box = view.expand_box
        assert label.parentWidget() is box and label.geometry().right() < box.width()
        assert label.x() > box.fontMetrics().horizontalAdvance(box.text())
        label.linkActivated.emit("more")  # the link: the next one brought into sight
        settle()
        assert in_sight(view) > shown
        words = QtGui.QTextDocumentFragment.fromHtml(label.text()).toPlainText()
        assert not label.isVisible() or words.startswith(f"{6 - in_sight(view)} more")
        view.eq_scroll.verticalScrollBar().setValue(view.eq_scroll.verticalScrollBar().maximum())
        settle()
        assert in_sight(view) == 6 and not label.isVisible()
        view.eq_scroll.verticalScrollBar().setValue(0)
        settle()
        assert label.isVisible()
        with ex.exported():  # (a control: not in a picture)
            assert not label.isVisible()
        settle()
        assert label.isVisible()
        w.resize(1600, 1000)  # room for all six: nothing said
        settle()
        assert in_sight(view) == 6 and not label.isVisible()


def test_the_over_time_tab_fits_an_800_x_600_window_in_the_projector_theme(qapp):
    """In the projector theme beside the side panel the Over time tab held an 800 x 600
    window 954 px wide: its type left three rows of heatmaps too little height, so an
    LSTM's six stayed three to a row, 160 px wide each at the least. They are two to a
    row, three rows without step axes, as in the dark theme (the curves' least measured,
    not guessed from the type; their legend's two rows a line apart, the page's parts
    4 px apart): each image at least ``IMAGE_STACKED`` high and ``IMAGE_MIN_WIDE`` wide
    under its whole title, the curves ``CURVES_MIN_PLOT`` of plot under their legend.

    There the header's short form takes two lines (it was cut to "lstm · step t = 0 · unit
    0…"): the curves give way (``OverTimeView._fit_page``), the images ~62 px high, the last
    row's step axes saying the steps; a little taller, the curves are back at their least."""
    from helpers import over_time_legible
    from lstmviz.ui.views.over_time import CURVES_MIN_PLOT, IMAGE_MIN_WIDE, IMAGE_STACKED

    with projector_tab_at_800_x_600(2) as (w, view):
        slots = [slot for slot in view.slots if slot.key is not None]
        boxes = [slot.widget.geometry() for slot in slots]
        assert len(slots) == 6 and len({b.top() for b in boxes}) == 3 and len({b.left() for b in boxes}) == 2
        assert not view.curves_shown
        over_time_legible(view, IMAGE_STACKED)
        for slot, box in zip(slots, boxes):
            image = slot.plot.vb.sceneBoundingRect()
            assert image.height() >= IMAGE_STACKED and image.width() >= IMAGE_MIN_WIDE, (slot.key, image)
            title = slot.plot.titleLabel.item.sceneBoundingRect()
            assert 0 <= title.left() and title.right() <= box.width() and title.bottom() <= image.top() + 0.5
            assert box.bottom() < view.stack.currentWidget().height()
        assert [s.plot.getAxis("bottom").isVisible() for s in slots] == [False] * 4 + [True] * 2
        w.resize(800, 660)  # (a taller screen: the curves back, at their least)
        settle()
        assert view.curves_shown
        curves = view.curve_widget.geometry()
        assert all(slot.widget.geometry().bottom() < curves.top() for slot in slots)
        plot = view.curve_plot
        assert plot.vb.height() >= CURVES_MIN_PLOT, plot.vb.height()
        assert not view.legend.sceneBoundingRect().intersects(plot.vb.sceneBoundingRect())
        assert curves.bottom() < view.stack.currentWidget().height()


def test_the_weights_tab_fits_an_800_x_600_window_in_the_projector_theme(qapp):
    """In the projector theme beside the side panel the Weights tab held an 800 x 600
    window 649 px tall: the demo's kernel (one input feature) and bias, a row each, kept
    5.5 lines of type (132 px) each for their gate labels. Where the window has no more
    height a thin matrix keeps its title, its row a tick label high and its gates named in
    its columns' axis (with room, 1280 x 720, the labels over it again: test_views_weights),
    the recurrent kernel at least ``MATRIX_MIN``, the formula a line and the hover's line
    under them."""
    from lstmviz.ui.views.weights import MATRIX_MIN

    with projector_tab_at_800_x_600(3) as (w, view):
        shown = [m for m in view.matrices if m.name is not None]
        assert [m.name for m in shown] == ["kernel", "recurrent_kernel", "bias"]
        for m in shown:
            axis = m.plot.getAxis("left")
            assert m.plot.vb.height() >= QtGui.QFontMetricsF(axis.style["tickFont"]).height(), m.name
            assert m.widget.geometry().bottom() < view.hover_label.geometry().top()
        for m in (shown[0], shown[2]):
            assert m.gates_below and [name for _, name in m._gate_ticks] == ["i", "f", "c", "o"]
        assert shown[1].widget.height() >= MATRIX_MIN
        assert view.formula.height() >= QtGui.QFontMetrics(view.formula.label.font()).height()
        hover = view.hover_label
        assert hover.height() >= hover.fontMetrics().height()
        assert hover.geometry().bottom() < view.stack.currentWidget().height()


@pytest.mark.parametrize("theme, tab", [(theme, tab) for theme in ("dark", "projector") for tab in range(5)])
def test_every_tab_holds_an_800_x_600_window_beside_the_side_panel(qapp, theme, tab):
    """Each tab chosen in an 800 x 600 window (not presenting, the side panel shown)
    leaves the window 800 x 600, its least size within the screen: the Over time tab held
    it 902 px wide (three heatmaps of 160 px side by side; now two to a row, three rows),
    954 in the projector theme, the Cell tab 1022 there, and the Weights tab held it 649
    px tall there."""
    with window_at(theme, (800, 600)) as w:
        w.tabs.setCurrentIndex(tab)
        settle()
        w.resize(800, 600)
        settle()
        least = w.minimumSizeHint()
        assert least.width() <= 800 and least.height() <= 600, (w.tabs.tabText(tab), least)
        assert (w.width(), w.height()) == (800, 600), w.tabs.tabText(tab)
        assert w.side.isVisible() == (tab < 4)  # (the Train tab takes the side panel's room on 4:3)



def small_screen_stacks(tmp_path) -> dict:
    """The stacks that held a 760 x 540 or 800 x 600 window wider in the projector theme:
    the demo (the header's words beside the side panel), a Bidirectional layer (its
    forward/backward box too), a stateful model (the player's batch), by their files."""
    from lstmviz import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    bidi = Model.sequential((None, 10, 3), [LayerSpec("Bidirectional", {"layer": {
        "class_name": "LSTM", "config": {"units": 6, "return_sequences": True}}}, name="bi")], seed=0)
    save_keras(bidi, tmp_path / "bidi.keras")
    return {"demo": None, "bidi": str(tmp_path / "bidi.keras"),
            "stateful": str(FIX / "k3_stateful_lstm" / "model.keras"),
            "peepholes": str(FIX / "onnx_hand_lstm_peepholes" / "model.onnx")}


def reachable_and_readable(w, view) -> None:
    """The Cell or Weights view in a window of a small size asked: its page laid out at
    least as tall as its least (what the view has not the height for is scrolled to,
    ``TallPage``, not squeezed), at least as wide, never wider than its viewport (it does
    not scroll sideways); the Cell view's charts with a value axis of a label's height
    and more, the Weights view's matrices at their least, each with room for a row's label."""
    from PySide6 import QtGui

    scroll = view.page_scroll
    page = scroll.widget()
    assert view.stack.currentWidget() is scroll and scroll.isVisible()
    least = page.minimumSizeHint()
    assert page.height() >= least.height() and page.width() >= least.width(), (page.size(), least)
    assert page.width() <= scroll.viewport().width()
    bar = scroll.verticalScrollBar()
    assert bar.maximum() == max(0, page.height() - scroll.viewport().height())
    if least.height() <= scroll.height():  # (a page that fits does not scroll)
        assert page.height() == scroll.viewport().height() == scroll.height() and not bar.isVisible()
    assert w.rect().contains(QtCore.QRect(scroll.mapTo(w, QtCore.QPoint(0, 0)), scroll.size()))
    if view.title == "Cell":
        shown = [bp for bp in view.bars.values() if not bp.widget.isHidden()]
        assert shown
        for bp in shown:
            axis = bp.plot.getAxis("left")
            line = QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font()).height()
            assert bp.plot.getViewBox().height() >= line, bp.key
            assert page.rect().contains(bp.widget.geometry()), bp.key
    else:
        from lstmviz.ui.views.weights import MATRIX_MIN

        shown = [m for m in view.matrices if m.name is not None]
        assert shown
        for m in shown:
            axis = m.plot.getAxis("left")
            assert m.widget.height() >= min(MATRIX_MIN, m.widget.minimumHeight()), m.name
            assert m.plot.vb.height() >= QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font()).height(), m.name
            assert page.rect().contains(m.widget.geometry()), m.name


def input_page_whole(w) -> None:
    """The side panel's Input page at least as wide as its least (its boxes not squeezed
    below theirs, none cut at the panel's edge)."""
    page = w.input_panel
    assert page.isVisible()
    assert page.width() >= page.minimumSizeHint().width(), (page.width(), page.minimumSizeHint())
    for part in (page.source, page.seed, page.period, page.text, page.sample, page.import_button, page.table):
        box = QtCore.QRect(part.mapTo(page, QtCore.QPoint(0, 0)), part.size())
        assert page.rect().contains(box), part
        assert part.width() >= part.minimumSizeHint().width(), (part, part.width(), part.minimumSizeHint())


@pytest.mark.parametrize("theme", ["dark", "projector"])
@pytest.mark.parametrize("stack", ["demo", "bidi", "stateful", "peepholes"])
def test_a_760_x_540_or_800_x_600_window_is_the_size_asked_in_either_theme(qapp, tmp_path, theme, stack):
    """In the projector theme the demo's window asked for 760 x 540 (an 800 x 600 screen
    less its frame) stood 799 px wide on the Unrolled tab (the header's "layer" and "unit"
    words beside the side panel's 442 px), a Bidirectional layer's 798, the Over time tab
    790 (two heatmaps of 160 px a row), and a stateful model's player (its batch beside the
    speed box) held it 817 px wide at 800 x 600 (770 at 760 x 540 in the dark theme). Now
    the header's words give way, the speed box says "4/s" and the heatmaps may be 140 px
    wide: the window is the size asked, with the layer box, the unit box, the speed box, the
    sample box and the slider whole inside it.

    The Cell tab held it 1002-1022 px wide at 760 x 540 (842 for an Embedding -> GRU ->
    LSTM), one row of nine charts at their least width where two rows lacked the height,
    and the Weights tab 549-592 px tall there, an ONNX LSTM's with peepholes 655-698 at
    either size (its three matrices' least): now their pages scroll vertically where the
    view is shorter than them (``TallPage``), the charts in two rows. The side panel's
    Input page asked for 477 px in the projector theme where the panel gave it 418 (the
    source box's longest item): it is squeezed no more."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window
    from lstmviz.ui.main_window import STACK_SCOPE
    from lstmviz.ui.player import SLIDER_MIN

    w = make_window(small_screen_stacks(tmp_path)[stack], theme, quiet=True)
    try:
        for size in ((760, 540), (800, 600)):
            for tab in (0, 1, 2, 3):  # Unrolled, Cell, Over time, Weights
                w.resize(*size)
                w.show()
                w.tabs.setCurrentIndex(tab)
                settle()
                w.resize(*size)
                settle(8)
                assert (w.width(), w.height()) == size, (size, w.tabs.tabText(tab))
                assert w.side.isVisible()
                if tab in (1, 3):
                    reachable_and_readable(w, w.views[tab])
                player = w.player
                parts = [w.layer_combo, w.unit_spin, player.speed, player.sample, player.slider,
                         player.buttons["play"]] + ([w.side_combo] if stack == "bidi" else []) + \
                    ([player.batch_label] if stack == "stateful" else [])
                for part in parts:
                    box = QtCore.QRect(part.mapTo(w, QtCore.QPoint(0, 0)), part.size())
                    assert part.isVisible() and w.rect().contains(box), (size, tab, part)
                    assert part.width() >= min(part.minimumSizeHint().width(), SLIDER_MIN), (size, tab, part)
                assert player.speed.currentText() in ("4 steps/s", "4/s") and player.speed.currentData() == 4
            w.side.setCurrentWidget(w.input_panel)
            settle()
            w.resize(*size)
            settle(8)
            assert (w.width(), w.height()) == size
            input_page_whole(w)
            w.side.setCurrentWidget(w.stack_panel)
            if stack == "demo":  # the Train tab: the player says whose steps it moves, and
                # in the room of the parts it spares (first said, it held 800 x 600 817 px wide)
                w.tabs.setCurrentWidget(w.train_panel)
                settle()
                w.resize(*size)
                settle(8)
                assert (w.width(), w.height()) == size
                scope, first = w.player.scope, w.player.buttons["back"]
                box = QtCore.QRect(scope.mapTo(w, QtCore.QPoint(0, 0)), scope.size())
                assert scope.isVisible() and scope.text() in STACK_SCOPE and w.rect().contains(box), size
                assert scope.fontMetrics().horizontalAdvance(scope.text()) <= scope.width()
                assert box.right() < first.mapTo(w, QtCore.QPoint(0, 0)).x()
                w.tabs.setCurrentIndex(0)
                settle()
    finally:
        dispose(w)
        th.apply("dark", QtWidgets.QApplication.instance())


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_the_tabs_titles_are_whole_in_an_800_x_600_window(qapp, theme):
    """In the projector theme at 800 x 600 the views' tabs read "Unrol…", "Cell", "Ti…",
    "Weig…", "Tr…": their short names with compact padding took 392 px of the bar's 370.
    Before they are cut, the tabs take less padding again (``TAB_PADDING_TIGHT``): each
    tab shows its whole or short title, unelided, whichever tab is selected."""
    from PySide6 import QtGui

    from lstmviz.app.views import SHORT_TITLES, VIEWS
    from lstmviz.ui.labels import TAB_PADDING_TIGHT

    titles = [(title, SHORT_TITLES.get(key, title)) for key, _, title in VIEWS] + [("Train", "Train")]
    with window_at(theme, (800, 600)) as w:
        bar = w.tabs.tabBar()
        for tab in range(bar.count()):
            w.tabs.setCurrentIndex(tab)
            settle()
            w.resize(800, 600)
            settle()
            assert (w.width(), w.height()) == (800, 600)
            assert not w.tab_names.elided and bar.elideMode() != QtCore.Qt.TextElideMode.ElideRight
            for i in range(bar.count()):
                text = bar.tabText(i)
                assert text in titles[i], (tab, text)
                font = QtGui.QFont(bar.font())
                font.setBold(i == tab)  # (the selected tab's title bold)
                need = QtGui.QFontMetrics(font).horizontalAdvance(text) + 2 * TAB_PADDING_TIGHT
                assert bar.tabRect(i).width() >= need, (tab, text, bar.tabRect(i).width(), need)
                assert bar.rect().contains(bar.tabRect(i)), (tab, text)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_a_window_resized_from_1024_x_768_on_the_cell_tab_becomes_800_x_600(qapp, theme, monkeypatch):
    """From 1024 x 768 on the Cell tab, ``resize(800, 600)`` left the window 800 x 724: at
    the new width the view's header and equations asked for more height, the window grew
    with them, and their compact forms (less height) came after; a user's drag converged,
    a single resize (``--size``, a script) did not. The window now asks for the size again
    as its least size comes down; a size set otherwise afterwards is kept. The asking lasts
    ``RESIZE_SETTLE`` s of the window thread's CPU time, not of wall time: 1 s of wall time
    ran out before the 40 turns of the loop below on a machine running two suites and
    three more jobs. Here each reading of the wall clock says half a second has passed."""
    from lstmviz.ui import main_window

    class Crawling:
        """``time`` for main_window, its wall clock half a second on at each reading."""

        def __init__(self):
            self.readings = 0

        def monotonic(self) -> float:
            self.readings += 1
            return time.monotonic() + 0.5 * self.readings

        def __getattr__(self, name):
            return getattr(time, name)

    monkeypatch.setattr(main_window, "time", Crawling())
    with window_at(theme, (1024, 768)) as w:
        w.tabs.setCurrentIndex(1)
        settle()
        w.resize(800, 600)
        for _ in range(40):
            QtWidgets.QApplication.processEvents()
        assert (w.width(), w.height()) == (800, 600)
        w.setGeometry(QtCore.QRect(w.x(), w.y(), 1000, 700))  # (the export putting it back)
        for _ in range(10):
            QtWidgets.QApplication.processEvents()
        assert (w.width(), w.height()) == (1000, 700)


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_a_bidirectional_models_header_holds_an_800_x_600_window(qapp, theme):
    """A Bidirectional layer's forward/backward box beside the layer box held an 800 x 600
    window 831 px wide beside the side panel (929 in the projector theme). Where the header
    has no room the box says "fwd"/"bwd" and the word "layer" gives way; with room, the
    whole words; either way the box picks the half it names."""
    from lstmviz import LayerSpec, Model

    model = Model.sequential((None, 10, 3), [LayerSpec("Bidirectional", {"layer": {
        "class_name": "LSTM", "config": {"units": 6, "return_sequences": True}}}, name="bi")], seed=0)
    with window_at(theme, (1280, 800)) as w:
        w.state.set_model(model)
        w.state.set_cursor(layer="bi", side="backward")
        settle()
        label = w.stack_header.layout().itemAt(0).widget()
        assert w.side_combo.currentText() == "backward" and label.width() >= label.sizeHint().width()
        for tab in range(4):
            w.tabs.setCurrentIndex(tab)
            settle()
            w.resize(800, 600)
            settle()
            assert (w.width(), w.height()) == (800, 600), w.tabs.tabText(tab)
            assert w.minimumSizeHint().width() <= 800
        assert w.side_combo.isVisible() and w.side_combo.currentText() == "bwd"
        w.side_combo.setCurrentIndex(0)
        assert w.state.cursor.side == "forward" and w.side_combo.currentText() == "fwd"
        w.state.set_cursor(side="backward")
        assert w.side_combo.currentIndex() == 1

def test_a_layer_box_narrower_than_its_name_ends_it_in_an_ellipsis(qapp):
    """Beside a Bidirectional layer's forward/backward box at 1024 x 768 (projector theme)
    the layer box was cut at its edge, mid-letter: 'bidi_concat (Bidirectic'. A box
    narrower than its text shows it cut to "…", painted as the style paints that text; a
    box with room, the whole text; its list, every name whole."""
    from lstmviz import LayerSpec, Model

    name = "bidi_concat_1"
    model = Model.sequential((None, 10, 3), [LayerSpec("Bidirectional", {"layer": {
        "class_name": "LSTM", "config": {"units": 6, "return_sequences": True}}}, name=name)], seed=0)
    with window_at("projector", (1024, 768)) as w:
        w.state.set_model(model)
        w.state.set_cursor(layer=name, side="backward")
        settle()
        box = w.layer_combo
        whole = box.currentText()
        assert whole == f"{name} (Bidirectional)"
        shown = box.shown_text()
        assert shown.endswith("…") and whole.startswith(shown[:-1]) and len(shown) > 4, shown
        plain = QtWidgets.QComboBox(box.parentWidget())  # what the style paints for the cut text
        plain.setFont(box.font())
        plain.addItem(shown)
        plain.setGeometry(box.geometry())
        plain.show()
        settle()
        argb = QtGui.QImage.Format.Format_ARGB32
        assert box.grab().toImage().convertToFormat(argb) == plain.grab().toImage().convertToFormat(argb)
        plain.deleteLater()
        assert box.itemText(box.currentIndex()) == whole  # (the list: whole)
        w.resize(1900, 1000)
        settle()
        assert box.shown_text() == whole


def test_an_opened_models_initializer_config_shows_as_keras_writes_its_call(window, tmp_path):
    """An opened model's kernel_initializer RandomUniform(minval=-0.5, maxval=0.5) showed
    in the side panel as the dict's repr, "{'class_name': 'RandomUniform', 'config': {...}}";
    now as the call, its arguments what the edit draws with, kept through an edit."""
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    init = {"module": "keras.initializers", "class_name": "RandomUniform",
            "config": {"minval": -0.5, "maxval": 0.5, "seed": None}, "registered_name": None}
    model = Model.sequential((None, 6, 3), [LayerSpec("LSTM", {"units": 5, "kernel_initializer": init})], seed=0)
    save_keras(model, tmp_path / "m.keras")
    assert window.open_file(tmp_path / "m.keras")
    for _ in range(2):
        box = window.stack_panel.findChild(QtWidgets.QComboBox, "option:kernel_initializer")
        assert box.currentText() == "RandomUniform(minval=-0.5, maxval=0.5)"
        assert [box.itemText(i) for i in range(box.count())].count(box.currentText()) == 1
        window.state.set_layer_option(0, "units", 7)
    kernel = window.state.model.layers[0].weights[0]
    assert kernel.shape == (3, 28) and np.abs(kernel).max() > 0.4  # (drawn from +-0.5)


def test_an_initializer_config_holding_an_int_past_64_bits_opens_and_edits(window, tmp_path):
    """A stranger's .keras whose kernel_initializer config is 2**63 (the weights are in the
    file: the forward pass never draws from it) loaded, then crashed the window: the side
    panel's box handed the value to Qt (``findData``: OverflowError, found by fuzzing).
    It now opens, the box shows the initializer by its name, and picking another edits."""
    import json
    import zipfile

    src = zipfile.ZipFile(FIX / "k3_gru_reset_before" / "model.keras")
    config = json.loads(src.read("config.json"))
    layer = next(x for x in config["config"]["layers"] if x["class_name"] == "GRU")

    def saved(name: str):  # the fixture with the config as it is now
        with zipfile.ZipFile(tmp_path / name, "w") as out:
            for member in src.namelist():
                out.writestr(member, json.dumps(config) if member == "config.json" else src.read(member))
        return tmp_path / name

    layer["config"]["kernel_initializer"]["config"] = 2 ** 63
    assert window.open_file(saved("m.keras"))
    row = next(i for i, e in enumerate(window.state.layers) if e.class_name == "GRU")
    window.stack_panel.cards.setCurrentRow(row)
    box = window.stack_panel.findChild(QtWidgets.QComboBox, "option:kernel_initializer")
    assert box.currentText() == "glorot_uniform"
    box.setCurrentIndex(box.findText("orthogonal"))
    assert window.state.error is None
    assert window.state.layers[row].config["kernel_initializer"] == "orthogonal"
    # one no listed name means: added to the box as its call, held in Python alone (Qt's
    # conversion, even caught, went to sys.excepthook: pytest-qt fails the test on it)
    odd = {"class_name": "RandomUniform", "config": {"minval": -(2 ** 70), "maxval": 0.5}}
    layer["config"]["kernel_initializer"] = odd
    assert window.open_file(saved("odd.keras"))
    window.stack_panel.cards.setCurrentRow(row)
    box = window.stack_panel.option_widgets["kernel_initializer"]
    assert box.currentText() == f"RandomUniform(minval={-(2 ** 70)}, maxval=0.5)"
    box.setCurrentIndex(box.findText("zeros"))
    box.setCurrentIndex(box.findText(f"RandomUniform(minval={-(2 ** 70)}, maxval=0.5)"))
    assert window.state.layers[row].config["kernel_initializer"] == odd


def test_a_model_whose_weights_hold_nan_opens_says_where_and_draws_without_warnings(window, tmp_path):
    """A model saved after its training diverged (a NaN in the forget gate's bias) opened
    with no word of why every number on screen was NaN, and drawing it printed NumPy's
    warnings (the Unrolled view cast NaN colours to bytes). Now the open message names the
    first NaN by gate block, every tab draws without a warning, the NaN cells in the
    theme's colour for no number, as the heatmaps draw them, and ``lstmviz summary`` says it in a note."""
    import warnings

    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    model = Model.sequential((None, 12, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                                             LayerSpec("Dense", {"units": 1})], seed=0)
    model.layers[0].weights[2][5] = np.nan  # bias_f, unit 1
    model.layers[0].weights[1][0, 0] = np.inf
    save_keras(model, tmp_path / "nan.keras")
    assert model.nonfinite_weights() == "lstm's recurrent_kernel_i[0, 0] is infinity (2 such numbers in the model)"
    model.layers[0].weights[1][0, 0] = 0.5
    assert model.nonfinite_weights() == "lstm's bias_f[1] is NaN"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert window.open_file(tmp_path / "nan.keras")
        assert window.last_message.endswith(
            "; lstm's recurrent_kernel_i[0, 0] is infinity (2 such numbers in the model): "
            "every number it reaches is NaN")
        for k in range(len(window.views)):
            window.tabs.setCurrentIndex(k)
            window.grab()
    unrolled = window.views[0]
    assert not np.isfinite(window.state.trace["lstm"].steps["h"][0, 1]).any()
    cells = [r for r in unrolled.rows if r.image.image is not None]
    nan = np.array(QtGui.QColor(unrolled.theme.nan).getRgb(), np.uint8)  # (NaN cells: its colour)
    assert any((r.image.image == nan).all(axis=-1).any() for r in cells)
    out = subprocess.run([sys.executable, "-m", "lstmviz", "summary", str(tmp_path / "nan.keras")],
                         capture_output=True, text=True, check=True).stdout
    assert out.rstrip().endswith("Note: lstm's recurrent_kernel_i[0, 0] is infinity (2 such numbers in the "
                                 "model); every number it reaches is NaN.")
    # a signalling NaN (damaged bytes, found by fuzzing): NumPy's arithmetic on it warns
    # "invalid value" where a quiet one does not, in the engine and in pyqtgraph's render
    model.layers[0].weights[0][1, 2] = np.array([0x7FA00000], np.uint32).view(np.float32)[0]
    save_keras(model, tmp_path / "snan.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert window.open_file(tmp_path / "snan.keras")
        assert "lstm's kernel_i[1, 2] is NaN (2 such numbers in the model)" in window.last_message
        for k in range(len(window.views)):
            window.tabs.setCurrentIndex(k)
            window.grab()


def test_an_initializers_call_cut_by_a_narrow_side_panel_is_whole_in_its_tooltip(make_window, tmp_path):
    """At 800 x 600 the side panel's initializer box showed 'RandomUniform(min' and no more:
    its tooltip said what a kernel_initializer is, not which one this is. The tooltip now
    starts with the whole call (escaped: a config's names come from the file)."""
    from lstmviz.app.options import choice_text
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    window = make_window((800, 600))
    init = {"module": "keras.initializers", "class_name": "RandomUniform",
            "config": {"minval": -0.5, "maxval": 0.5, "seed": None}, "registered_name": None}
    model = Model.sequential((None, 6, 3), [LayerSpec("LSTM", {"units": 5, "kernel_initializer": init})], seed=0)
    save_keras(model, tmp_path / "m.keras")
    assert window.open_file(tmp_path / "m.keras")
    QtWidgets.QApplication.processEvents()
    box = window.stack_panel.findChild(QtWidgets.QComboBox, "option:kernel_initializer")
    full = "RandomUniform(minval=-0.5, maxval=0.5)"
    assert box.currentText() == full
    assert box.fontMetrics().horizontalAdvance(full) > box.width()  # (cut on screen)
    shown = tip_text(box.toolTip())
    assert shown.startswith(full) and "kernel" in shown, shown
    window.state.set_layer_option(0, "kernel_initializer", "zeros")  # a listed name: its own
    QtWidgets.QApplication.processEvents()
    box = window.stack_panel.findChild(QtWidgets.QComboBox, "option:kernel_initializer")
    assert tip_text(box.toolTip()).startswith("zeros")
    # a file's names escaped, not shown raw (an escape sequence, a bidi override)
    odd = {"class_name": "Random\x1b[2JUniform\u202e", "config": {"min\x07val": 1}}
    assert choice_text(odd) == "Random\\x1b[2JUniform\\u202e(min\\x07val=1)"


def test_an_opened_models_initializer_of_default_arguments_shows_by_its_name(window, tmp_path):
    """A Keras 3 file writes every initializer as a config: once shown as its call, the side
    panel read 'Orthogonal(gain=1.0)', 'Zeros()' and 'GlorotUniform()' beside the list's own
    'orthogonal', 'zeros' and 'glorot_uniform'. With Keras' default arguments it is the
    listed name (no second item); with others, its call."""
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    def init(name, **cfg):
        return {"module": "keras.initializers", "class_name": name, "config": {**cfg, "seed": None},
                "registered_name": None}
    glorot = init("VarianceScaling", scale=1.0, mode="fan_avg", distribution="uniform")
    layer = {"units": 5, "kernel_initializer": glorot,
             "recurrent_initializer": init("Orthogonal", gain=1.0), "bias_initializer": init("Zeros")}
    model = Model.sequential((None, 6, 3), [LayerSpec("LSTM", layer)], seed=0)
    save_keras(model, tmp_path / "m.keras")
    assert window.open_file(tmp_path / "m.keras")
    for key, name in (("kernel_initializer", "glorot_uniform"), ("recurrent_initializer", "orthogonal"),
                      ("bias_initializer", "zeros")):
        box = window.stack_panel.findChild(QtWidgets.QComboBox, f"option:{key}")
        texts = [box.itemText(i) for i in range(box.count())]
        assert box.currentText() == name and texts.count(name) == 1 and not any("(" in t for t in texts), texts
    layer["recurrent_initializer"] = init("Orthogonal", gain=2.0)
    save_keras(Model.sequential((None, 6, 3), [LayerSpec("LSTM", layer)], seed=0), tmp_path / "g.keras")
    assert window.open_file(tmp_path / "g.keras")
    box = window.stack_panel.findChild(QtWidgets.QComboBox, "option:recurrent_initializer")
    assert box.currentText() == "Orthogonal(gain=2.0)"


def first_existing(*names):
    for n in names:
        if (FIX / n).exists():
            return FIX / n
    return None


def test_functional_model_is_read_only(window):
    path = first_existing("k3_merge_branches/model.keras", "k2_merge_branches/model.h5",
                          "k3_two_outputs/model.keras", "k2_two_outputs/model.h5")
    if path is None:
        pytest.skip("no functional fixture")
    assert window.open_file(path), window.last_message
    assert window.state.readonly
    panel = window.stack_panel
    assert panel.cards.count() == len(window.state.model.layers)
    assert not panel.form_box.isEnabled() and not panel.add_button.isEnabled()
    assert panel.readonly_label.isVisible()
    assert "read-only" in window.windowTitle()
    window.new_stack()
    assert not window.state.readonly and panel.add_button.isEnabled()


def test_the_read_only_note_says_why_this_model_is_read_only(window):
    """The side panel said 'This model has several inputs or branches' of every read-only
    model: of an ONNX graph of one input and of a functional model that is a plain chain
    (two published melody models) too. It says which of them it is, and so does the
    refusal of an edit."""
    from lstmviz.engine import LayerSpec, Model, ModelSpec, TensorRef
    from lstmviz.errors import LstmvizError

    # a chain with a layer returning its states: not the Sequential stack it looks like
    chain = Model.from_spec(ModelSpec(
        layers=[LayerSpec("InputLayer", {"batch_shape": [None, 5, 3]}, name="x"),
                LayerSpec("LSTM", {"units": 2, "return_state": True}, name="lstm", inbound=[TensorRef("x")]),
                LayerSpec("Dense", {"units": 1}, name="dense", inbound=[TensorRef("lstm")])],
        inputs=[TensorRef("x")], outputs=[TensorRef("dense")], name="chain"), seed=0)
    cases = [(FIX / "onnx_torch_classic_lstm" / "model.onnx", "This is an ONNX graph: "),
             (FIX / "k3_seq2seq_lstm" / "model.keras", "This model has 2 inputs: "),
             (FIX / "k3_merge_branches" / "model.keras", "This model has branches: "),
             (chain, "This is a functional model (the editable stack is a Sequential one): ")]
    panel = window.stack_panel
    for what, says in cases:
        if isinstance(what, Path):
            assert window.open_file(what), window.last_message
        else:
            window.state.set_model(what, "chain.keras")
        assert window.state.readonly and panel.readonly_label.isVisible()
        assert panel.readonly_label.text().startswith(says + "its layers are shown read-only"), \
            panel.readonly_label.text()
        with pytest.raises(LstmvizError, match=re.escape(says)):
            window.state.add_layer("LSTM")


def test_a_functional_chain_opens_as_the_editable_stack_it_equals(window, tmp_path):
    """A functional Keras model whose layers form one chain (Input -> LSTM -> Dense, as
    ``keras.Model(inputs, outputs)`` saves it; three published models in the corpus) was
    read-only: its layers could not be edited. It opens as the Sequential stack it equals,
    with the same numbers, and says so."""
    from lstmviz.engine import LayerSpec, Model, ModelSpec, TensorRef

    functional = Model.from_spec(ModelSpec(
        layers=[LayerSpec("InputLayer", {"batch_shape": [None, 6, 3]}, name="x"),
                LayerSpec("Masking", {"mask_value": 0.0}, name="mask", inbound=[TensorRef("x")]),
                LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="lstm",
                          inbound=[TensorRef("mask")]),
                LayerSpec("GRU", {"units": 3}, name="gru", inbound=[TensorRef("lstm")]),
                LayerSpec("Dense", {"units": 2}, name="dense", inbound=[TensorRef("gru")])],
        inputs=[TensorRef("x")], outputs=[TensorRef("dense")], name="chain"), seed=3)
    st = window.state
    # opened as a file is (read: what the reading child would give for it)
    assert window.open_file(FIX / "k3_tiny_stacked" / "model.keras", read=lambda p: functional)
    assert ": 4 layers, " in window.last_message  # the stack's, not the file's InputLayer too
    assert "shown as the Sequential stack it equals" in window.last_message
    assert not st.readonly and not window.stack_panel.readonly_label.isVisible()
    assert window.stack_panel.add_button.isEnabled()
    assert [e.class_name for e in st.layers] == ["Masking", "LSTM", "GRU", "Dense"]
    x = st.trace.inputs[0].copy()
    x[0, 2:4] = 0.0  # masked steps
    st.set_input_data(x)
    want = functional.trace(x)
    np.testing.assert_array_equal(st.trace.output, want.output)
    for name in ("lstm", "gru"):
        assert want[name].steps
        for key, arr in want[name].steps.items():
            np.testing.assert_array_equal(st.trace[name].steps[key], arr, err_msg=f"{name}/{key}")
    st.set_layer_option(2, "units", 5)  # an edit, as on any stack
    assert st.error is None and st.trace["gru"].steps["h"].shape[-1] == 5
    assert st.undo() and st.layers[2].config["units"] == 3


def test_bad_files_are_messages(window, tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"not a zip")
    assert not window.open_file(bad)
    assert window.last_message and "Traceback" not in window.last_message
    assert not window.open_file(tmp_path / "missing.h5")
    assert window.state.error is None and window.state.model is not None


def test_drop_a_file_opens_it(window, qtbot):
    path = FIX / "k3_simplernn_default" / "model.keras"
    if not path.exists():
        pytest.skip("fixture missing")
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    pos = QtCore.QPointF(50, 50)
    enter = QtGui.QDragEnterEvent(pos.toPoint(), QtCore.Qt.DropAction.CopyAction, mime,
                                  QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(pos, QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.state.path is not None, timeout=3000)
    assert window.state.model.layers[0].class_name == "SimpleRNN"


def _drop(window, paths):
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QtCore.QPointF(50, 50)
    enter = QtGui.QDragEnterEvent(pos.toPoint(), QtCore.Qt.DropAction.CopyAction, mime,
                                  QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    if enter.isAccepted():
        window.dropEvent(QtGui.QDropEvent(pos, QtCore.Qt.DropAction.CopyAction, mime,
                                          QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier))
    return enter.isAccepted()


def test_a_dropped_file_is_read_by_its_bytes_not_its_name(window, qtbot, tmp_path):
    """A model saved without a suffix ('lstm_model', as the README says: the format is read
    from the bytes) was refused at the drag, silently: no drop, no word why. It opens, and
    a picture dropped by mistake is refused in one line while the stack stays."""
    import shutil

    bare = tmp_path / "lstm_model"
    shutil.copy(FIX / "k3_simplernn_default" / "model.keras", bare)
    picture = tmp_path / "plot.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert _drop(window, [picture, bare])  # the first of them (neither is named as a model)
    qtbot.waitUntil(lambda: window.last_message != "", timeout=3000)
    assert window.last_message.startswith("plot.png: ") and "supported" in window.last_message
    assert "\n" not in window.last_message and window.state.path is None
    assert _drop(window, [bare])
    qtbot.waitUntil(lambda: window.state.path == str(bare), timeout=3000)
    assert window.state.model.layers[0].class_name == "SimpleRNN"
    assert window.windowTitle() == "lstmviz \u2014 lstm_model[*]"
    # of several files, the one named as a model opens
    assert _drop(window, [picture, FIX / "k3_lstm_default" / "model.keras"])
    qtbot.waitUntil(lambda: window.state.path == str(FIX / "k3_lstm_default" / "model.keras"), timeout=3000)
    assert not _drop(window, [])


def test_a_model_over_the_memory_limit_names_the_windows_own_setting(window, tmp_path):
    """A model whose input alone is over the memory limit (10^9 steps declared) was
    refused with the command line's advice only (--max-memory, a variable): a window
    started from the desktop has neither; it has File > Memory limit."""
    import json
    import zipfile

    with zipfile.ZipFile(FIX / "k3_lstm_default" / "model.keras") as z:
        members = {n: z.read(n) for n in z.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, 10 ** 9, 3]
    members["config.json"] = json.dumps(config).encode()
    path = tmp_path / "long.keras"
    with zipfile.ZipFile(path, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    before = window.state.model
    assert not window.open_file(path)
    assert window.state.model is before and "\n" not in window.last_message
    assert "over the memory limit" in window.last_message
    assert "File > Memory limit" in window.last_message
    file_menu = window.menuBar().actions()[0].menu()
    assert any(a.text().replace("&", "").startswith("Memory limit") for a in file_menu.actions())


def test_exception_in_event_loop_becomes_a_message(window):
    from lstmviz.ui.app import install_excepthook

    old = sys.excepthook
    try:
        install_excepthook(lambda: window)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        assert "boom" in window.last_message
    finally:
        sys.excepthook = old


# -- headless rendering ------------------------------------------------------------------
@pytest.mark.parametrize("args,size", [((None, 3, (800, 500), "light"), (800, 500)),
                                       (("MODEL", 2, None, "projector"), (1600, 1000))])
def test_screenshot_writes_png_of_requested_size(tmp_path, args, size):
    out = tmp_path / "shot.png"
    model, step, sz, theme = args
    if model == "MODEL":
        model = str(FIX / "k3_lstm_default" / "model.keras")
    code = ("import sys; from lstmviz.ui.app import run_app; "
            f"sys.exit(run_app({model!r}, {str(out)!r}, {step!r}, {sz!r}, {theme!r}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == size


def test_screenshot_of_a_bad_model_is_one_line(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"nope")
    code = ("import sys; from lstmviz.ui.app import run_app; "
            f"sys.exit(run_app({str(bad)!r}, {str(tmp_path / 'o.png')!r}, None, None, None))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "lstmviz:" in r.stderr


def _slowed(monkeypatch, name: str, seconds: float) -> list[bool]:
    """Slows ``lstmviz.<name>`` down; returns a list that records, per call, whether it
    ran on the UI thread."""
    import time as _time

    from lstmviz import loading  # what the window reads files with

    real = getattr(loading, name)
    on_ui_thread: list[bool] = []

    def slow(p, *a, **k):
        on_ui_thread.append(QtCore.QThread.currentThread() is QtCore.QCoreApplication.instance().thread())
        _time.sleep(seconds)
        return real(p, *a, **k)

    monkeypatch.setattr(loading, name, slow)
    return on_ui_thread


def _open_counting_ticks(window, path) -> tuple[bool, int]:
    """``window.open_file(path)`` with a 50 ms timer running: (result, timer ticks)."""
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(50)
    try:
        ok = window.open_file(path)
    finally:
        timer.stop()
    return ok, len(ticks)


def test_a_slow_file_keeps_the_window_painting(window, monkeypatch):
    """Reading runs on a worker thread: Qt events (paints, timers) go on meanwhile, and
    the model still arrives and fills the window."""
    on_ui_thread = _slowed(monkeypatch, "load", 0.6)
    ok, ticks = _open_counting_ticks(window, FIX / "k3_lstm_default" / "model.keras")
    assert ok and on_ui_thread == [False]
    assert ticks >= 3  # the event loop ran while the file was read
    assert [l.name for l in window.state.model.layers] == ["lstm", "dense"]


def test_a_failing_read_on_the_worker_is_a_message(window, monkeypatch):
    import lstmviz

    def broken(p, *a, **k):
        raise lstmviz.LstmvizError(f"{p}: the HDF5 library crashed reading this file")

    monkeypatch.setattr(lstmviz.loading, "load", broken)
    assert not window.open_file(FIX / "k3_lstm_default" / "model.keras")
    assert "crashed" in window.last_message


def test_a_weights_file_is_read_on_the_worker_and_can_be_undone(window, monkeypatch):
    case = FIX / "k3_lstm_default"
    assert window.open_file(case / "model.keras")
    st = window.state
    trained = [np.array(w) for w in st.model.layers[0].weights]
    for layer in st.model.layers:
        layer.set_weights([w * 0 for w in layer.weights])
    for entry, layer in zip(st.layers, st.model.layers):
        entry.weights = list(layer.weights)
    st.rebuild()
    zeros_trace = st.trace.output.copy()

    on_ui_thread = _slowed(monkeypatch, "read_weights", 0.4)
    ok, ticks = _open_counting_ticks(window, case / "model.weights.h5")
    assert ok and on_ui_thread == [False] and ticks >= 3
    for got, want in zip(st.model.layers[0].weights, trained):
        np.testing.assert_array_equal(got, want)
    assert "put on the current stack" in window.last_message
    assert st.undo()
    np.testing.assert_array_equal(st.trace.output, zeros_trace)


def test_every_model_input_reaches_the_views(window):
    # a seq2seq model has two inputs; the Unrolled view draws both, each on its time axis
    assert window.open_file(FIX / "k3_seq2seq_lstm" / "model.keras")
    view = next(v for v in window.views if v.title == "Unrolled")
    window.tabs.setCurrentWidget(view)
    QtWidgets.QApplication.instance().processEvents()
    keys = [r.key for r in view.rows]
    assert "input" in keys and "input:decoder_input" in keys
    dec_in = next(r for r in view.rows if r.key == "input:decoder_input")
    s = window.state.cursor.sample
    traced = window.state.trace.inputs[1]
    np.testing.assert_array_equal(dec_in.values, traced[min(s, len(traced) - 1)].T)


def test_weights_that_do_not_fit_open_as_the_layers_they_imply(window, tmp_path):
    st = window.state
    st.set_layer_option(0, "units", 5)  # the default stack: does not fit the file
    mine = st.snapshot()
    weights = FIX / "k3_bidi_lstm_stacked" / "model.weights.h5"
    assert window.open_file(weights)
    assert "do not fit the current stack" in window.last_message
    assert "Ctrl+Z" in window.last_message
    assert "((" not in window.last_message and "))" not in window.last_message  # no nested brackets
    assert st.error is None
    assert [l.class_name for l in st.model.layers] == ["Bidirectional", "Bidirectional", "Dense"]
    import lstmviz

    want = lstmviz.load(FIX / "k3_bidi_lstm_stacked" / "model.keras")
    for got_layer, want_layer in zip(st.model.layers, want.layers):
        for a, b in zip(got_layer.weights, want_layer.weights):
            np.testing.assert_array_equal(a, b)
    assert st.undo() and not st.readonly
    assert [e[0] for e in st.snapshot().layers] == [e[0] for e in mine.layers]
    assert st.layers[0].config["units"] == 5


def test_weights_that_fit_nothing_say_both_reasons(window, tmp_path):
    import h5py

    path = tmp_path / "odd.weights.h5"
    with h5py.File(path, "w") as f:  # a Keras 3 weights file with a layer lstmviz cannot rebuild
        g = f.create_group("layers/conv2d/vars")
        g.create_dataset("0", data=np.zeros((3, 3, 2, 4), np.float32))
    before = [(e.class_name, dict(e.config)) for e in window.state.layers]
    assert not window.open_file(path)
    msg = window.last_message
    # (the file's own reason first: the stack on screen is not one they were saved for)
    assert msg.startswith("odd.weights.h5: cannot tell what kind of layer group 'conv2d' is"), msg
    ours = ", ".join(l.name for l in window.state.model.layers if l.weights)
    assert f"Nor do its weights fit the current stack (layers with weights: {ours})" in msg
    assert [(e.class_name, dict(e.config)) for e in window.state.layers] == before


def test_weights_that_fit_nothing_name_the_file_and_say_each_advice_once(window, tmp_path):
    """sh_translation.weights.h5 (a seq2seq's weights) opened over a SimpleRNN stack: the
    refusal ran to some 700 characters, the file's whole path in its first half, its name
    in the second, and told to open the full model file twice ("Build a matching stack
    first ..., or open the full model file (.keras/.h5). Nor can lstmviz build ...: ...
    Open the full model file, or load these weights onto a matching stack")."""
    import h5py

    from lstmviz.errors import LstmvizError

    path = tmp_path / "odd.weights.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("layers/conv2d/vars")
        g.create_dataset("0", data=np.zeros((3, 3, 2, 4), np.float32))
    assert not window.open_file(path)
    msg = window.last_message
    assert "Nor do its weights fit the current stack" in msg and "\n" not in msg
    assert str(tmp_path) not in msg and msg.count("odd.weights.h5") >= 1
    assert msg.lower().count("full model file") == 1, msg
    # a seq2seq's weights (two Embeddings: no single stack), whose reason says to open the
    # full model file itself
    from helpers import REALWORLD

    seq2seq = REALWORLD / "models" / "sh_translation.weights.h5"
    if seq2seq.exists():
        assert not window.open_file(seq2seq)
        msg = window.last_message
        assert msg.startswith("sh_translation.weights.h5: its layers make no single stack"), msg
        assert "Nor do its weights fit the current stack" in msg and str(seq2seq.parent) not in msg
        assert msg.lower().count("full model file") == 1, msg
    # alone (the stack would take other weights), the first reason keeps its advice
    st = window.state
    with pytest.raises(LstmvizError) as err:
        st.load_weights_file(path)
    assert "full model file" in str(err.value) and str(tmp_path) not in str(err.value)


def test_n_traces_the_next_batch_of_a_stateful_stack(window, qtbot):
    st = window.state
    assert not window.player.next_batch_action.isEnabled()  # the default stack is not stateful
    st.set_layer_option(0, "stateful", True)
    assert window.player.next_batch_action.isEnabled() and window.player.batch_label.text() == "batch 0"
    before = np.array(st.trace.output)
    window.activateWindow()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_N)
    assert st.batch_index == 1 and window.player.batch_label.text() == "batch 1"
    assert not np.array_equal(st.trace.output, before)
    view = next(v for v in window.views if v.title == "Unrolled")
    window.tabs.setCurrentWidget(view)
    QtWidgets.QApplication.instance().processEvents()
    lstm = next(r for r in view.rows if r.ref is not None)
    unit = min(st.cursor.unit, lstm.units - 1)
    np.testing.assert_array_equal(lstm.values, st.trace[lstm.layer].steps["h"][st.cursor.sample, :, unit])
    qtbot.keyClick(window, QtCore.Qt.Key.Key_N, QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert st.batch_index == 0
    np.testing.assert_array_equal(st.trace.output, before)


def test_a_keras3_rnn_of_cells_opens_and_every_view_draws_it(window):
    # RNN(LSTMCell(...)) and RNN([LSTMCell, GRUCell]): the kind is the cell's (issue 10)
    case = FIX / "k3_rnn_cells"
    assert window.open_file(case / "model.keras"), window.last_message
    assert window.last_message.startswith("Opened model.keras")
    state = window.state
    assert state.error is None and [l.name for l in state.model.layers] == ["rnn_lstm", "rnn_stacked"]
    import lstmviz

    engine = lstmviz.load(case / "model.keras", isolate=False)
    want = engine.trace(state.x[:1] if state.traced_sample == 0 else state.x)["rnn_lstm"]
    s, t, u = 0, 3, 2
    state.set_cursor(layer="rnn_lstm", step=t, unit=u, sample=s)
    views = {v.title: v for v in window.views}
    for k in range(len(window.views)):  # show every tab: each draws the trace
        window.tabs.setCurrentIndex(k)
        QtWidgets.QApplication.processEvents()
    assert not window.view_errors, window.view_errors
    cell = views["Cell"]
    lines = cell.equation_lines()
    assert [l.split(" = ")[0] for l in lines] == ["i_t", "f_t", "c~_t", "o_t", "c_t", "h_t"]
    assert lines[-1].endswith("= " + _fmt(want.steps["h"][s, t, u]))
    np.testing.assert_array_equal(cell.bars["g1"].values, want.steps["f"][s, t])
    over = views["Over time"]
    assert set(over.images) == {"i", "f", "c_tilde", "o", "c", "h"}
    np.testing.assert_array_equal(over.images["c"].image, want.steps["c"][s].T)
    unrolled = views["Unrolled"]
    row = next(r for r in unrolled.rows if r.kind == "rnn" and r.ref.name == "rnn_lstm")
    np.testing.assert_array_equal(row.values, want.steps["h"][s, :, u])
    kernel = engine.get_layer("rnn_lstm").weights[0]  # (3, 16): drawn as it is
    np.testing.assert_array_equal(views["Weights"].images["kernel"].image, kernel)


def test_a_model_that_cannot_be_shown_keeps_the_last_one_and_says_so(window, monkeypatch):
    from lstmviz.errors import LstmvizError

    before = window.state.model
    shown = [l.name for l in before.layers]

    trace, calls = window.state._trace, []

    def refuse(model, xs):  # the opened model cannot be traced; the one before can
        calls.append(model)
        if len(calls) == 1:
            raise LstmvizError("tracing batch 4 x 9 steps would need 99 GB")
        return trace(model, xs)

    monkeypatch.setattr(window.state, "_trace", refuse)
    assert not window.open_file(FIX / "k3_lstm_default" / "model.keras")
    assert "cannot be shown" in window.last_message and "99 GB" in window.last_message
    assert not window.last_message.startswith("Opened") and len(calls) == 2
    assert [l.name for l in window.state.model.layers] == shown and window.state.error is None
    assert window.state.path is None and not window.state.redo_stack


def _fmt(v):
    from lstmviz.app.cell_ref import fmt

    return fmt(v)


def test_one_edit_redraws_the_view_on_screen_once(window):
    window.tabs.setCurrentIndex(0)
    view = window.views[0]
    calls = []
    for name in ("set_data", "set_cursor"):
        orig = getattr(view, name)
        setattr(view, name, lambda *a, orig=orig, name=name: (calls.append(name), orig(*a))[1])
    window.state.add_layer("GRU", index=0)  # a new trace, and the new layer selected
    assert calls == ["set_data", "set_cursor"]
    calls.clear()
    window.state.set_cursor(step=2)
    assert calls == ["set_cursor"]


def test_one_edit_refreshes_each_panel_once(make_window, monkeypatch):
    """The panels redraw on the state's one ``changed`` per operation, not on each of the
    events an edit emits (model, input, cursor, stack)."""
    from lstmviz.ui.input_panel import InputPanel
    from lstmviz.ui.stack_panel import StackPanel

    calls = []
    for cls in (StackPanel, InputPanel):  # before the window connects its panels
        real = cls.refresh
        monkeypatch.setattr(cls, "refresh", lambda self, real=real: (calls.append(type(self)), real(self))[1])
    window = make_window((1400, 900))
    calls.clear()
    window.state.set_layer_option(0, "units", 5)
    assert calls.count(StackPanel) == 1 and calls.count(InputPanel) == 1
    params = window.stack_panel.cards.item(0).data(ROLE_CARD)["params"]
    assert params == f"{window.state.model.layers[0].count_params():,}"  # what the edit made


def test_tabs_are_built_when_first_shown(make_window):
    """Only the tab on screen is built with the window; another view (or the Train tab)
    is built when its tab is first shown or asked for, and then draws the current trace."""
    from lstmviz.app.views import VIEWS

    window = make_window((1400, 900))
    assert [window.views.is_built(k) for k in range(len(VIEWS))] == [True, False, False, False]
    assert window._train_panel is None and window.tabs.tabText(len(VIEWS)) == "Train"
    assert [window.tabs.tabText(k) for k in range(len(VIEWS))] == [title for _, _, title in VIEWS]
    window.state.set_cursor(step=2, unit=1)
    window.tabs.setCurrentIndex(2)  # Over time: built, in its tab, given the trace
    view = window.views[2]
    assert window.tabs.widget(2) is view and window.tabs.currentIndex() == 2
    assert view.model is window.state.model and view.trace is window.state.trace
    rec = view.ref.rec
    np.testing.assert_array_equal(view.images["h"].image, rec.steps["h"][view.cursor.sample].T)
    assert all(line.value() == 2 for line in view.cursor_lines)
    assert not window.views.is_built(1) and not window.views.is_built(3)
    panel = window.train_panel  # built when asked for, in the last tab, the current tab kept
    assert window.tabs.widget(window.tabs.count() - 1) is panel and window.tabs.currentIndex() == 2


def test_an_edit_of_the_shown_layers_units_redraws_over_time(window):
    """The Over time view keeps its layout across edits (titles, legend) and follows the
    new units: the heatmaps are the new trace's, as tall as the units."""
    window.tabs.setCurrentIndex(2)
    view = window.views[2]
    layer = window.state.cursor.layer
    index = [e.name for e in window.state.layers].index(layer)
    legend = len(view.legend.items)
    for units in (3, 9):
        window.state.set_layer_option(index, "units", units)
        rec = window.state.trace[window.state.cursor.layer]
        for key, img in view.images.items():
            np.testing.assert_array_equal(img.image, rec.steps[key][view.cursor.sample].T)
            assert img.image.shape[0] == units
        lo, hi = view.slots[0].plot.getViewBox().viewRange()[1]
        assert (lo, hi) == (-0.5, units - 0.5)
        assert len(view.legend.items) == legend


def test_a_long_layer_name_keeps_the_side_panel_inside_its_width(make_window):
    """The option form's title ("Selected: Bidirectional(LSTM) bidirectional_74") once made
    the side panel's content wider than the panel: the input's input_dim box and every
    card's parameter count were cut off at its right edge (no horizontal scroll bar)."""
    from lstmviz import LayerSpec, Model

    name = "bidirectional_encoder_of_a_published_model"
    model = Model.sequential((None, 6, 2), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"units": 3}}}, name=name),
        LayerSpec("Dense", {"units": 1}, name="dense")], seed=0)
    window = make_window((1280, 720))
    window.state.set_model(model)
    panel = window.stack_panel
    panel.cards.setCurrentRow(0)
    QtWidgets.QApplication.processEvents()
    scroll = panel.findChild(QtWidgets.QScrollArea)
    view = scroll.viewport()
    assert scroll.widget().width() <= view.width()
    for w in (panel.input_dim_spin, panel.cards, panel.form_box):
        assert w.mapTo(view, QtCore.QPoint(w.width(), 0)).x() <= view.width(), w
    box = panel.form_box
    assert box.full_title == tip_text(box.toolTip()) == f"Selected: Bidirectional(LSTM) {name}"
    assert box.title().endswith("\u2026") and box.full_title.startswith(box.title()[:-1])
    bold = QtGui.QFont(box.font())
    bold.setBold(True)
    assert QtGui.QFontMetrics(bold).horizontalAdvance(box.title()) < box.width()
    panel.cards.setCurrentRow(1)  # a short one is whole
    QtWidgets.QApplication.processEvents()
    assert box.title() == box.full_title == "Selected: Dense dense"


def test_a_squeezed_step_label_is_whole_or_hidden(make_window):
    """The header's 't = 0 / 999', squeezed by a long layer name (a projector's 1280 x 720),
    was cut at its right end and read 't = 0 / 99', and at 1024 x 768 't = 2 / 3' read '3';
    now it shows its text whole or not at all (the player below says the step too): the
    words and the layer box give way first, and where the label's widest text still has no
    room, its room goes to them. (On the Cell tab, whose least width is less than the
    Unrolled view's of 1000 steps, the window gets that narrow.)"""
    from lstmviz import LayerSpec, Model

    model = Model.sequential((None, 1000, 2), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 3}}},
                  name="bidirectional_encoder_of_a_published_model")], seed=0)
    window = make_window((1400, 900))
    window.state.set_model(model)
    window.tabs.setCurrentIndex(1)
    label = window.cursor_label
    slot = label.parentWidget()

    def shown():
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        if not label.isVisible():
            return None
        assert label.geometry().right() == slot.rect().right()
        region = label.visibleRegion().boundingRect()
        assert region.right() == label.rect().right()
        return region.width()

    window.state.set_cursor(step=998)
    assert label.text() == "t = 998 / 999" and shown() == label.width()
    width, seen = 1400, []
    while window.width() == width and width > 300:  # narrower, down to the window's least
        window.state.set_cursor(step=998 if width % 8 else 5)  # its widest text, and a narrower one
        seen.append(shown())
        assert seen[-1] is None or seen[-1] >= label.text_width(), (width, label.text())
        width -= 4
        window.resize(width, 900)
    assert seen[0] and None in seen  # whole at first, gone (not cut) where there is no room
    window.resize(1400, 900)
    window.state.set_cursor(step=998)
    assert shown() == label.width()


def test_a_long_layer_name_leaves_the_header_its_step(make_window):
    """The layer box was as wide as its longest entry: a long layer name (an ONNX graph's,
    a published model's) took the header's width, and at a projector's 1280 x 720 the step
    label went. Now the box stops at ~32 characters; its list shows every name whole and
    each entry's tooltip is the name."""
    from lstmviz import LayerSpec, Model

    name = "encoder_bidirectional_lstm_block_number_one_of_the_stack"
    model = Model.sequential((None, 12, 3), [
        LayerSpec("LSTM", {"units": 8, "return_sequences": True}, name=name),
        LayerSpec("Dense", {"units": 1}, name="dense")], seed=0)
    window = make_window((1280, 720))
    window.state.set_model(model)
    for _ in range(4):
        QtWidgets.QApplication.processEvents()
    combo = window.layer_combo
    fm = combo.fontMetrics()
    entry = f"{name} (LSTM)"
    assert combo.itemText(0) == entry and tip_text(combo.itemData(0, QtCore.Qt.ItemDataRole.ToolTipRole)) == name
    assert combo.width() < fm.horizontalAdvance(entry)
    assert combo.view().minimumWidth() >= fm.horizontalAdvance(entry)
    assert window.cursor_label.isVisible() and window.cursor_label.visibleRegion().boundingRect().width() \
        >= window.cursor_label.text_width()
    short = Model.sequential((None, 12, 3), [LayerSpec("LSTM", {"units": 8}, name="lstm")], seed=0)
    window.state.set_model(short)  # a short name: the box as wide as it
    QtWidgets.QApplication.processEvents()
    assert combo.width() < fm.horizontalAdvance("n" * 32)


@pytest.mark.parametrize("model", [None, FIX / "k3_bidi_lstm_stacked" / "model.keras"])
def test_the_headers_words_give_way_whole_before_its_step_label(qapp, model):
    """At 1024 x 768 beside the side panel (the demo, the projector theme) the header was a
    few pixels short of what its parts ask for, and the layout took the same few pixels
    from each of them: the words "layer" and "unit" were squeezed to blank room (a word
    squeezed paints nothing) and the step label, short of its text, was hidden. Now the
    words give way whole, the layer box's room beyond its entry before "unit", and the
    step label stays; with room again, every word comes back."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window

    w = make_window(str(model) if model else None, "projector", quiet=True)
    try:
        w.resize(1024, 768)
        w.show()
        settle()
        label, slot = w.cursor_label, w.cursor_label.parentWidget()
        words = (w.layer_label, w.unit_label)
        assert w.side.isVisible() and w.stack_header.sizeHint().width() <= w.stack_header.width()
        assert label.isVisible() and slot.width() >= label.text_width(), label.text()
        for word in words:  # whole or not there: no blank room where a word was
            assert word.isHidden() or word.width() >= word.sizeHint().width(), word.text()
        if model is None:  # the box's room beyond "lstm (LSTM)" went before the word "unit"
            assert w.unit_label.isVisible() and w.layer_label.isHidden()
            fm = w.layer_combo.fontMetrics()
            assert w.layer_combo.width() > fm.horizontalAdvance(w.layer_combo.currentText()) + 20
        w.resize(1600, 768)
        settle()
        assert all(word.isVisible() and word.width() >= word.sizeHint().width() for word in words)
        assert label.isVisible()
    finally:
        dispose(w)
        th.apply("dark", QtWidgets.QApplication.instance())


def test_started_on_a_weights_file_speaks_of_no_stack_the_user_never_had(tmp_path):
    """``lstmviz FILE.weights.h5``: the weights were tried on the app's own built-in stack
    first, and the messages said "these weights do not fit the current stack: ... layer
    'lstm' (LSTM) needs [(1, 32), (8, 32), (32,)]" about a stack nobody had built."""
    import h5py

    from lstmviz.errors import LstmvizError
    from lstmviz.ui.app import dispose, make_window

    weights = FIX / "k3_bidi_lstm_stacked" / "model.weights.h5"
    w = make_window(str(weights), theme="dark", quiet=True)
    try:
        msg = w.last_message
        assert msg.startswith("model.weights.h5 holds weights only: lstmviz opened the layers they imply: ")
        assert "current stack" not in msg and "Ctrl+Z" not in msg
        assert [l.class_name for l in w.state.model.layers] == ["Bidirectional", "Bidirectional", "Dense"]
    finally:
        dispose(w)
    path = tmp_path / "odd.weights.h5"
    with h5py.File(path, "w") as f:  # a Keras 3 weights file with a layer lstmviz cannot rebuild
        f.create_group("layers/conv2d/vars").create_dataset("0", data=np.zeros((3, 3, 2, 4), np.float32))
    with pytest.raises(LstmvizError) as info:
        make_window(str(path), theme="dark", quiet=True)
    assert "current stack" not in str(info.value) and "Nor can" not in str(info.value)
    assert "cannot tell what kind of layer group 'conv2d' is" in str(info.value)


def test_the_typed_text_note_fits_the_side_panel(window):
    """The note under the text field (what the letters become) is read whole: its letters
    were one unbreakable word that ran past the panel's edge, its closing quote cut."""
    from lstmviz.app import inputs as gen

    ip = window.input_panel
    window.side.setCurrentWidget(ip)
    ip.source.setCurrentIndex(ip.source.findData("text"))
    QtWidgets.QApplication.processEvents()
    note = ip.text_note
    assert note.isVisible() and f"input_dim {len(gen.ALPHABET)}" in note.text()
    assert gen.ALPHABET == " abcdefghijklmnopqrstuvwxyz.?"  # what the note says in words
    # a word-wrapped label's minimum width is its longest word's
    assert note.minimumSizeHint().width() <= note.width()
    right = note.mapTo(window.side, QtCore.QPoint(note.width(), 0)).x()
    assert right <= window.side.width()


def test_a_failed_import_message_goes_when_another_input_comes(window, tmp_path):
    """'bad.csv: a value is not a number' stayed in red under the Import button after a
    new stack, an opened session or another source had replaced the input."""
    ip = window.input_panel
    window.side.setCurrentWidget(ip)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,x\n")
    ip.import_file(str(bad))
    assert ip.message.isVisible() and "bad.csv" in ip.message.text()
    ip.source.setCurrentIndex(ip.source.findData("square"))  # another source: fine
    assert window.state.input.source == "square"
    assert not ip.message.isVisible()
    ip.import_file(str(bad))
    assert ip.message.isVisible()
    window.sessions.undo_action.trigger()  # back to the sine wave
    assert window.state.input.source != "square"
    assert not ip.message.isVisible()


def test_every_menu_item_key_is_its_own(window):
    """A menu's underlined letters are unique, so the letter opens the item: Alt+F, E only
    moved between Save session and Export, S between Open session and Save screenshot,
    Alt+H, K between Keys and Presentation keys; Theme and Pointer shared T, the Export
    items N and V; in the lessons menu 1 was lesson 1's and 10-12's."""
    from PySide6 import QtGui

    def walk(menu, path):
        menu.aboutToShow.emit()  # menus filled when they open (recent files, screens)
        seen = {}
        for a in menu.actions():
            if a.isSeparator() or not a.isVisible():
                continue
            key = QtGui.QKeySequence.mnemonic(a.text()).toString()
            if key:
                assert key not in seen, f"{path} {a.text()!r} and {seen[key]!r} share {key}"
                seen[key] = a.text()
            if a.menu() is not None:
                walk(a.menu(), f"{path} > {a.text()}")

    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    assert [m.title() for m in menus] == ["&File", "&Edit", "&View", "&Play", "&Help"]
    for m in menus:
        walk(m, m.title())


def test_the_status_bar_says_when_an_edit_replaced_an_opened_files_weights(make_window):
    from tests.helpers import FIXTURES

    window = make_window((1400, 900))
    assert window.open_file(FIXTURES / "k3_lstm_stacked_td" / "model.keras")
    assert window.last_message.startswith("Opened model.keras")
    window.state.set_layer_option(0, "units", 7)
    assert window.last_message.startswith("New initial weights for ")
    assert window.statusBar().currentMessage() == window.last_message


def test_help_keys_is_the_one_list_of_every_key(window):
    """Help had 'Keys' (a line of five player keys) and 'Presentation keys' (the F1
    overlay); now one 'Keys' item (F1) opens the overlay, which lists the player's keys
    and the presentation keys."""
    from lstmviz.ui.presentation import KEYS, PLAYER_KEYS

    helpm = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    keys = [a for a in helpm.actions() if a.text().replace("&", "").startswith("Keys")]
    assert len(keys) == 1 and "Presentation keys" not in [a.text().replace("&", "") for a in helpm.actions()]
    keys[0].trigger()
    overlay = window.presenter.help
    assert overlay.isVisible()
    text = overlay.label.text()
    for _, what in PLAYER_KEYS:
        assert what in text
    for name, _, _, what in KEYS:
        if name not in ("tour_next", "tour_prev"):
            assert what in text
    # it fits the window: at 1280 x 720 its last keys and 'Esc or F1 closes this' ran off
    for size in ((1280, 720), (1024, 600)):
        window.resize(*size)
        QtWidgets.QApplication.processEvents()
        assert overlay.label.sizeHint().height() <= window.height(), size
        assert overlay.label.font().pointSize() >= 9
    overlay.toggle(False)


@pytest.mark.parametrize("size", [(1400, 900), (1024, 600), (800, 500)])
def test_the_cell_view_names_the_typed_character_x_t_embeds(make_window, size):
    """The character demo (typed text) on the Cell tab: x_t said 'input 4'; it names the
    token the LSTM's input embeds, its character from the labels the Unrolled view writes
    (the window hands them to both), 'f (id 7)', or the character alone where the charts
    are close, never running into h_(t-1)'s number; the header still says the step."""
    from lstmviz.app.cell_ref import token_text
    from lstmviz.app.demos import load_demos

    w = make_window(size)
    demo = next(d for d in load_demos() if "Character" in d["title"])
    assert w.open_demo(demo)
    st = w.state
    labels = st.token_labels()
    assert labels is not None
    view = next(v for v in w.views if v.title == "Cell")
    w.tabs.setCurrentWidget(view)
    ids = st.trace.inputs[0][0]
    gap = QtGui.QFontMetricsF(view.theme.font(0.85)).horizontalAdvance(" ") * 0.5
    for t in range(len(demo["text"])):
        st.set_cursor(step=t, layer="lstm")
        QtWidgets.QApplication.processEvents()
        tight = view._numbers[1]
        i = int(ids[t])
        assert labels[i] == demo["text"][t].replace(" ", "␣")
        got = view.bars["x"].value_item.text()
        assert got == token_text(i, labels, short=tight) == (labels[i] if tight else f"{labels[i]} (id {i})")
        x, h = (view.bars[k].value_item for k in ("x", "h_prev"))
        assert x.mapRectToScene(x.boundingRect()).right() + gap <= h.mapRectToScene(h.boundingRect()).left(), t
        assert f"input step {t}" in view.header.text()


@pytest.mark.parametrize("how", ["demos menu", "path", "link", "copy"])
def test_the_character_demo_opens_on_text_written_as_characters(window, how, tmp_path):
    """Help > Demos > Character-level language model opened on an array of ids, written as
    numbers. It opens on typed text (the app's alphabet), which the Unrolled view writes
    as characters, the model's most likely next characters above them; opened from its
    path (``lstmviz char_model.keras``, File > Open; a link to it) too: it started on
    generated counting ids. A copy elsewhere is the user's file: opened as any other."""
    import shutil

    from lstmviz.app.demos import load_demos

    demo = next(d for d in load_demos() if "Character" in d["title"])
    if how == "demos menu":
        assert window.open_demo(demo)
    else:
        path = demo["model"]
        if how != "path":
            path = tmp_path / "char_model.keras"
            path.symlink_to(demo["model"]) if how == "link" else shutil.copyfile(demo["model"], path)
        assert window.open_file(str(path))
    st = window.state
    if how == "copy":
        assert st.input.source == "counting"  # (generated ids, as for any model of ids)
        assert not window.statusBar().currentMessage().startswith("Demo:")
        return
    assert window.statusBar().currentMessage().startswith(f"Demo: {demo['title']}")
    assert st.input.source == "text" and st.input.text == demo["text"]
    view = next(v for v in window.views if v.title == "Unrolled")
    window.tabs.setCurrentWidget(view)
    QtWidgets.QApplication.processEvents()
    x = next(r for r in view.rows if r.key == "input")
    assert "".join(t.toPlainText() for t in x.id_texts) == demo["text"].replace(" ", "␣")
    head = next(r for r in view.rows if r.predicted is not None)
    np.testing.assert_array_equal(head.predicted, st.trace.output.argmax(-1))


@pytest.mark.parametrize("title", ["Sine wave", "Remember the first"])
def test_a_demos_own_input_is_said_as_the_demos_until_edited(window, title, tmp_path):
    """The sine and remember-first demos open on their own arrays, which the stack panel
    said "your data" and the Input tab "Your data (imported / edited)" of, before any
    edit. The input's label (``InputSpec.label``) says the demo's until the input is
    edited; undo brings it back, a session saved and opened again keeps it."""
    from lstmviz.app import session as ses
    from lstmviz.app.demos import input_label, load_demos

    demo = next(d for d in load_demos() if d["title"].startswith(title))
    assert window.open_demo(demo)
    said = input_label(demo)
    assert said == {"Sine wave": "demo: sine wave", "Remember the first": "demo: remember the first input"}[title]
    st, panel, box = window.state, window.stack_panel, window.input_panel.source
    QtWidgets.QApplication.processEvents()
    assert st.input.source == "data" and st.input.label == said
    assert panel.input_source_button.text() == f"{said} \u25be"
    assert box.currentData() == "data" and box.currentText() == "D" + said[1:]
    x = np.array(st.input.data)
    st.set_input_value(0, 2, 0, float(x[0, 2, 0]) + 1.0)  # the first edit: the user's data now
    QtWidgets.QApplication.processEvents()
    assert st.input.label == "" and panel.input_source_button.text() == "your data \u25be"
    assert box.currentText() == "Your data (imported / edited)"
    assert window.sessions.undo()
    QtWidgets.QApplication.processEvents()
    assert st.input.label == said and panel.input_source_button.text() == f"{said} \u25be"
    saved = tmp_path / "demo.lstmviz"
    ses.save_session(st, saved)
    st.set_input_spec(source="sine")  # (another source: no label)
    assert st.input.label == ""
    assert window.open_file(str(saved))
    QtWidgets.QApplication.processEvents()
    assert st.input.label == said and box.currentText() == "D" + said[1:]
    np.testing.assert_array_equal(st.input.data, x)


@pytest.mark.parametrize("steps", [60, 6000])  # a whole trace, a long input's window
def test_every_views_header_names_the_sample_the_player_shows(make_window, steps):
    # the window traces the shown sample only, so the views index it as sample 0: each
    # header said "sample 0" under the player's "sample 2 of 3" (the numbers were sample 2's)
    from lstmviz.app.options import default_config
    from lstmviz.app.state import AppState, InputSpec, LayerEntry

    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec(input_dim=2))
    w = make_window((1400, 900), state)
    x = np.random.default_rng(0).normal(size=(3, steps, 2)).astype(np.float32)
    state.set_input_data(x)
    w.long_runner.wait(120)
    state.set_cursor(sample=2, step=steps // 2)
    w.long_runner.wait(120)
    assert state.traced_sample == 2
    for k in range(3):  # Unrolled, Cell, Over time
        w.tabs.setCurrentIndex(k)
        QtWidgets.QApplication.processEvents()
        text = re.sub("<[^>]+>", "", w.views[k].header.text())
        assert " · sample 2" in text and "sample 0" not in text, (k, text)
    if state.long is not None:  # the whole window (the quick steps came first)
        state.long.wait_prefetch()
        w.long_runner.poll()
    w.tabs.setCurrentIndex(1)  # (a hidden tab takes the trace when it is shown)
    QtWidgets.QApplication.processEvents()
    h = state.model.trace(x[2:3])[state.model.layers[0].name].steps["h"]
    cell = w.views[1]
    assert cell.trace.layers[state.model.layers[0].name].steps["h"][0, state.trace_cursor.step].tolist() == \
        h[0, steps // 2].tolist()  # (the numbers were sample 2's already)


def test_a_status_message_the_bar_cuts_is_whole_on_hover(make_window):
    """A weights-only file's "opened the layers they imply: ..." ran past the status bar's
    edge at 1600 px, cut mid-word with no way to read the rest: where the bar cuts a
    message, its tooltip holds the whole of it (escaped: a name from a file is text)."""
    w = make_window()
    w.resize(900, 600)
    bar = w.statusBar()
    long = "opened the layers they imply: " + ", ".join(f"<b>layer_{k}</b>" for k in range(40))
    bar.showMessage(long)
    assert "layer_39" in bar.toolTip() and "&lt;b&gt;" in bar.toolTip()
    bar.showMessage("Opened m.keras")
    assert bar.toolTip() == ""


def test_a_status_message_the_bar_cuts_ends_in_an_ellipsis(make_window, qtbot):
    """The demo's description at 1366 x 768 (projector theme) ran past the status bar's edge, cut mid-word
    ("... the next value of a sine"). A message wider than its room ends in "…", painted
    where and as Qt paints a message; its room ends before the permanent widgets (a long
    input's progress bar); ``currentMessage`` stays whole; a message that fits is whole."""
    w = make_window()
    w.resize(1024, 768)
    w.show()
    qtbot.waitExposed(w)
    bar = w.statusBar()
    long = ("Demo: Sine wave: predict the next value. LSTM(8, return_sequences) -> "
            "TimeDistributed(Dense(1)) predicting the next value of a sine wave, step by step.")
    bar.showMessage(long)
    shown = bar.shown_message()
    assert bar.currentMessage() == long
    assert shown.endswith("…") and long.startswith(shown[:-1]) and len(shown) > 40, shown
    room = bar.message_room()
    assert bar.fontMetrics().horizontalAdvance(shown) <= room.width() < bar.fontMetrics().horizontalAdvance(long)
    assert "step by step" in bar.toolTip()
    # painted as Qt paints that text as the message of a bar of the same size and look
    plain = QtWidgets.QStatusBar()
    plain.setSizeGripEnabled(bar.isSizeGripEnabled())
    plain.setFont(bar.font())
    plain.setPalette(bar.palette())
    plain.resize(bar.size())
    plain.show()
    plain.showMessage(shown)
    QtWidgets.QApplication.processEvents()
    argb = QtGui.QImage.Format.Format_ARGB32
    assert bar.grab().toImage().convertToFormat(argb) == plain.grab().toImage().convertToFormat(argb)
    plain.deleteLater()
    # a permanent widget shown: the message stops 2 px before it
    box = QtWidgets.QLabel("a progress bar's room " * 2)
    bar.addPermanentWidget(box)
    QtWidgets.QApplication.processEvents()
    assert bar.message_room().right() < box.x() - 1
    assert bar.fontMetrics().horizontalAdvance(bar.shown_message()) <= bar.message_room().width()
    bar.removeWidget(box)
    box.deleteLater()
    bar.showMessage("Opened m.keras")
    assert bar.shown_message() == "Opened m.keras" and bar.toolTip() == ""


def test_an_activation_keras_3_saved_in_full_form_shows_by_its_name(window, tmp_path):
    """Keras 3 may save a built-in activation in full form ({"module": "keras.activations",
    "class_name": "function", "config": "tanh", ...}); the side panel showed 'function()',
    an item added after the list's own. It is the listed name ('tanh', 'hard_sigmoid'), and a
    name not listed is shown as its name too."""
    from lstmviz.app.options import choice_text
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    def full(name):
        return {"module": "keras.activations", "class_name": "function", "config": name, "registered_name": None}

    model = Model.sequential((None, 6, 3), [LayerSpec("LSTM", {"units": 5, "activation": full("tanh"),
                                                               "recurrent_activation": full("hard_sigmoid")})], seed=0)
    save_keras(model, tmp_path / "m.keras")
    assert window.open_file(tmp_path / "m.keras")
    assert window.state.model.layers[0].config["activation"]["class_name"] == "function"  # (kept as saved)
    QtWidgets.QApplication.processEvents()
    for key, name in (("activation", "tanh"), ("recurrent_activation", "hard_sigmoid")):
        box = window.stack_panel.findChild(QtWidgets.QComboBox, f"option:{key}")
        texts = [box.itemText(i) for i in range(box.count())]
        assert box.currentText() == name and texts.count(name) == 1 and "function()" not in texts, texts
    assert choice_text(full("my_act")) == "my_act"


@pytest.mark.parametrize("dec_steps", [3, 8])
def test_a_decoders_steps_are_the_ones_the_header_and_the_player_count(make_window, qtbot, tmp_path, dec_steps):
    """katakana_seq2seq.h5 on its decoder (45 steps, the encoder 85): the header and the
    player said 't = 60 / 84' while the Unrolled, Cell and Over time views all showed the
    decoder's step 44; a decoder longer than its encoder had steps the player never
    reached. On the decoder they count its own steps, End goes to its last, and an
    animation of it has a frame per decoder step."""
    from helpers import encoder_decoder
    from lstmviz.app.state import AppState
    from lstmviz.ui import export as ex

    state = AppState()
    state.set_model(encoder_decoder(dec_steps), "s2s.keras")
    window = make_window((1400, 900), state)
    last = dec_steps - 1
    state.set_cursor(layer="decoder", step=last)
    settle()
    assert state.cursor.step == last
    assert window.cursor_label.text() == window.player.step_label.text() == f"t = {last} / {last}"
    assert window.player.slider.maximum() == last
    window.player.slider.setValue(0)
    window.player.last_action.trigger()
    assert state.cursor.step == last
    assert len(list(ex.iter_frames(window, "view", (320, 200)))) == dec_steps
    state.set_cursor(layer="encoder")
    settle()
    assert window.player.step_label.text() == f"t = {min(last, 4)} / 4" and window.player.slider.maximum() == 4


def test_a_full_model_named_weights_h5_opens_as_the_model_it_is(window, tmp_path):
    """Keras 2's model.save('m.weights.h5'): a full model (a model_config attribute) under a
    weights file's name was taken for weights only; they did not fit the stack and the
    message said "m.weights.h5 holds weights only and they do not fit the current stack,
    so lstmviz opened the layers they imply: ... (inferred)". The file's root decides."""
    import shutil

    import lstmviz

    path = tmp_path / "m.weights.h5"
    shutil.copy(FIX / "k2_lstm_default" / "model.h5", path)
    assert window.open_file(path)
    msg = window.last_message
    assert msg.startswith("Opened m.weights.h5 (a Keras 1/2/3 or tf.keras HDF5 model, not Keras 3 "
                          "weights as its name says): "), msg
    assert "weights only" not in msg and "inferred" not in msg and "imply" not in msg
    assert not window.state.model.source.get("weights_only")
    want = lstmviz.load(FIX / "k2_lstm_default" / "model.h5")
    assert [l.class_name for l in window.state.model.layers] == [l.class_name for l in want.layers]


def test_weights_with_a_transposed_kernel_say_which_layer_and_array_do_not_fit(window, tmp_path):
    """model.h5 open, then its weights.h5 (legacy save_weights) with the LSTM kernel saved
    transposed: the window said "cannot tell what kind of layer group 'lstm' is" (the
    file's layers inferred before the weights were tried on the stack), nothing about the
    open model. Now the misfit names the layer, the array and both shapes; the model and
    the undo history are as they were."""
    import shutil

    import h5py

    case = FIX / "k2_lstm_default"
    assert window.open_file(case / "model.h5")
    st = window.state
    kept = [np.array(w) for l in st.model.layers for w in l.weights]
    undo = len(st.undo_stack)
    path = tmp_path / "weights.h5"
    shutil.copy(case / "weights.h5", path)
    with h5py.File(path, "r+") as f:
        key = "lstm/lstm/lstm_cell/kernel:0"
        kernel = f[key][()]
        del f[key]
        f.create_dataset(key, data=kernel.T)
    assert not window.open_file(path)
    msg = window.last_message
    assert "\n" not in msg
    assert ("these weights do not fit the current stack: " in msg
            and "weights 'lstm' have shapes [(16, 3), (4, 16), (16,)] but layer 'lstm' (LSTM) needs "
                "[(3, 16), (4, 16), (16,)]: its kernel is (16, 3), transposed, the layer's (3, 16)" in msg), msg
    assert msg.index("do not fit the current stack") < msg.index("cannot tell what kind")
    assert sum(len(l.weights) for l in st.model.layers) == len(kept)
    for got, want in zip((w for l in st.model.layers for w in l.weights), kept):
        np.testing.assert_array_equal(got, want)
    assert len(st.undo_stack) == undo and st.path == str(case / "model.h5")


def _icon_alpha(icon: QtGui.QIcon, side: int, ratio: float = 1.0) -> np.ndarray:
    """The icon's alpha at ``side`` logical pixels (times ``ratio``), as its engine draws it."""
    pix = icon.pixmap(QtCore.QSize(side, side), ratio)
    img = pix.toImage().convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return a[:, :img.width(), 3].copy()


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_the_batch_actions_icons_draw_something_of_their_own(window, theme):
    """Play > Next batch and Reset states asked the player for icons it had no picture for:
    they drew nothing (a blank in the menu beside the five others). Now each is a picture
    in the theme's foreground, like the others (a batch stepping on; an arrow turning back),
    at 100% and at 200%, unlike each other and unlike the five."""
    from lstmviz.ui import theme as th

    window.set_theme(theme)
    fg = QtGui.QColor(th.current().foreground).rgb()
    actions = window.player.actions_by_name
    for ratio in (1.0, 2.0):
        drawn = {name: _icon_alpha(a.icon(), 28, ratio) for name, a in actions.items()}
        for name in ("next_batch", "reset_states"):
            alpha = drawn[name]
            assert (alpha >= 128).sum() > 0.08 * alpha.size, (name, ratio, (alpha >= 128).sum())
            others = [k for k in drawn if k != name]
            assert all((np.abs(alpha.astype(int) - drawn[k]) > 128).sum() > 0.05 * alpha.size
                       for k in others), (name, ratio)
    for name in ("next_batch", "reset_states"):  # in the theme's foreground, as the five
        pix = actions[name].icon().pixmap(28, 28).toImage()
        solid = {pix.pixelColor(x, y).rgb() for x in range(28) for y in range(28)
                 if pix.pixelColor(x, y).alpha() == 255}
        assert solid == {fg}, (name, theme)


def resized_as_a_user_would(w, tab, size=(760, 540)):
    """``w`` shown at 1400 x 800 on tab ``tab``, then ``resize(*size)``: a user's window
    made small (not one opened at that size)."""
    w.resize(1400, 800)
    w.show()
    w.tabs.setCurrentIndex(tab)
    settle()
    w.resize(*size)
    settle(8)


def opened_and_resized_to(theme, tab, size, out):
    """The demo's window in ``theme`` on tab ``tab``: opened at ``size`` as ``--screenshot
    --size`` opens it (its PNG ``out``), and shown at 1400 x 800 then ``resize(*size)`` as
    a user's window is; gives each one's (side panel width, views' width), opened first."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, render

    widths = []
    for opened in (True, False):
        w = make_window(None, theme, quiet=True)
        try:
            w.tabs.setCurrentIndex(tab)
            if opened:
                render(w, out, size=size)
            else:
                resized_as_a_user_would(w, tab, size)
            assert (w.width(), w.height()) == size
            widths.append((w.side.width(), w.tabs.width()))
        finally:
            dispose(w)
            th.apply("dark", QtWidgets.QApplication.instance())
    return widths


@pytest.mark.parametrize("theme", ["dark", "projector"])
@pytest.mark.parametrize("tab", [0, 3])
def test_a_window_resized_to_760_x_540_gives_the_views_the_room_of_one_opened_at_it(qapp, tmp_path, theme, tab):
    """Opened at 760 x 540 the side panel was 422 px wide in the projector theme (382 in
    the dark one); a window shown at 1400 x 800 and resized to 760 x 540 kept the 442 px
    (390) it had there on the Weights tab, 436 on the Unrolled tab: the splitter sized the
    side once, at the first resize, and then took every later change from the views.
    The side panel's width now follows the window's by one rule (``fit_side``) until the
    user drags the splitter's handle."""
    (side, views), (side_resized, views_resized) = opened_and_resized_to(theme, tab, (760, 540), tmp_path / "shot.png")
    assert abs(side_resized - side) <= 2, (side, side_resized)
    assert abs(views_resized - views) <= 2, (views, views_resized)


def test_the_side_panel_keeps_the_width_the_user_dragged_it_to(qapp):
    """Once the user drags the splitter's handle, the side panel keeps that width as the
    window is resized (it no longer follows the window's: ``fit_side``)."""
    with window_at("dark", (1400, 800)) as w:
        assert w.side_follows
        w.splitter.setSizes([520, 1400 - 520])
        w.splitter.splitterMoved.emit(520, 1)  # (as a drag of the handle says it)
        settle()
        w.resize(1100, 700)
        settle()
        assert not w.side_follows and w.side.width() == 520


def whole_tab_titles(w, tab) -> None:
    """Each of the window's view tabs shows its whole, short or shorter title (the tooltip
    naming the view whole), not cut: the title's width (bold on the selected tab) and the
    least padding inside its tab, every tab inside the bar."""
    from PySide6 import QtGui

    from lstmviz.app.views import SHORT_TITLES, SHORTER_TITLES, VIEWS
    from lstmviz.ui.labels import TAB_PADDING_TIGHT

    shorter = dict(SHORTER_TITLES)
    titles = [(title, SHORT_TITLES.get(key, title), shorter.get(key, title)) for key, _, title in VIEWS]
    bar = w.tabs.tabBar()
    assert not w.tab_names.elided and bar.elideMode() != QtCore.Qt.TextElideMode.ElideRight
    for i in range(bar.count()):
        text = bar.tabText(i)
        if i < len(titles):
            assert text in titles[i] and titles[i][0] in bar.tabToolTip(i), (tab, text, bar.tabToolTip(i))
        font = QtGui.QFont(bar.font())
        font.setBold(i == tab)  # (the selected tab's title bold)
        need = QtGui.QFontMetrics(font).horizontalAdvance(text) + 2 * TAB_PADDING_TIGHT
        assert bar.tabRect(i).width() >= need, (tab, text, bar.tabRect(i).width(), need)
        assert bar.rect().contains(bar.tabRect(i)), (tab, text)


@pytest.mark.parametrize("opened", [True, False])
def test_the_tabs_titles_are_whole_in_a_760_x_540_projector_window(qapp, tmp_path, opened):
    """In the projector theme at 760 x 540 (an 800 x 600 screen less the window's frame)
    the views' tabs read "Unrol…", "Cell", "Ti…", "Weig…", "Tr…", opened at that size or
    resized to it: beside the side panel's least (422 px) the bar had 330 px, and the short
    titles with the least padding took 352. Now "Unrolled" is "Unroll" there (and, with
    less room still, "Weights" "Wts": ``SHORTER_TITLES``), the tooltip naming the view."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, render

    w = make_window(None, "projector", quiet=True)
    try:
        if not opened:
            w.resize(1400, 800)
            w.show()
            settle()
        for tab in range(4):
            w.tabs.setCurrentIndex(tab)
            if opened:
                render(w, tmp_path / "shot.png", size=(760, 540))
            else:
                settle()
                w.resize(760, 540)
                settle(8)
            assert (w.width(), w.height()) == (760, 540)
            whole_tab_titles(w, tab)
    finally:
        dispose(w)
        th.apply("dark", QtWidgets.QApplication.instance())


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_the_cell_tabs_equations_are_readable_in_a_window_resized_to_760_x_540(qapp, theme):
    """A window shown at 1400 x 800 on the Cell tab and resized to 760 x 540 (dark theme)
    left the equations 18 px tall, a scroll area's arrows and nothing of them, and the
    header's short form a line cut to 18 px: their least was capped by the room the view
    had beside two rows of charts. Now the equations keep two lines of their text (the
    first row and its numbers) and the header its line, and the page scrolls where the
    view is shorter than that (``TallPage``)."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window

    w = make_window(None, theme, quiet=True)
    try:
        resized_as_a_user_would(w, 1)
        assert (w.width(), w.height()) == (760, 540)
        view = w.views[1]
        reachable_and_readable(w, view)
        page = view.page_scroll.widget()
        lines = QtGui.QFontMetrics(view.eq_label.font()).lineSpacing()
        shown = view.eq_scroll.viewport()
        assert shown.height() >= 2 * lines, (shown.height(), lines)
        where = QtCore.QRect(view.eq_scroll.mapTo(page, QtCore.QPoint(0, 0)), view.eq_scroll.size())
        assert page.rect().contains(where), where
        assert view.header.height() >= view.header.line_height(), view.header.height()
    finally:
        dispose(w)
        th.apply("dark", QtWidgets.QApplication.instance())


@pytest.mark.parametrize("theme", ["dark", "projector"])
@pytest.mark.parametrize("opened", [True, False])
def test_the_weights_formula_is_whole_at_760_x_540(qapp, tmp_path, theme, opened):
    """At 760 x 540 the Weights view's formula ("lstm (LSTM) · params = 4·(...) = 320")
    was one line ending in "…" (two lines in the dark theme, three in the projector one,
    given one), opened at that size or resized to it: its least was a line. It now shows
    all its lines, and the page scrolls where the view is shorter than them and the
    matrices' least (``TallPage``)."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, render

    w = make_window(None, theme, quiet=True)
    try:
        if opened:
            w.tabs.setCurrentIndex(3)
            render(w, tmp_path / "shot.png", size=(760, 540))
        else:
            resized_as_a_user_would(w, 3)
        assert (w.width(), w.height()) == (760, 540)
        view = w.views[3]
        reachable_and_readable(w, view)
        formula = view.formula
        whole = QtWidgets.QLabel()  # (its whole text at its width: what the label shows may be cut)
        whole.setWordWrap(True)
        whole.setFont(formula.label.font())
        whole.setText(formula.text())
        need = whole.heightForWidth(formula.width())
        assert need > formula.line_height()  # (more than a line at this width)
        assert formula.height() >= need, (formula.height(), need)
        assert "\u2026" not in formula.label.text() and "params" in formula.label.text()
    finally:
        dispose(w)
        th.apply("dark", QtWidgets.QApplication.instance())


@pytest.mark.parametrize("opened", [True, False])
def test_the_weights_parameter_count_shows_presenting_at_800_x_600(qapp, tmp_path, opened):
    """At 800 x 600 in the projector theme the Weights view's header had two lines for
    "lstm (LSTM) · params = 4·(d·u + u·u + u) = 4·(1·8 + 8·8 + 8) = 320" and ended
    "... + 8) =…": the count the formula comes to, what a student asks about, was cut.
    Where the lines cut it, the formula shows without the layer's name (the layer box
    names it), to its count."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, render

    w = make_window(None, "projector", quiet=True)
    try:
        if opened:
            w.tabs.setCurrentIndex(3)
            render(w, tmp_path / "shot.png", size=(800, 600))
        else:
            resized_as_a_user_would(w, 3, (800, 600))
        assert (w.width(), w.height()) == (800, 600)
        view = w.views[3]
        layer = view.layer
        count = f"= {layer.count_params():,}"
        shown = re.sub("<[^>]*>", "", view.formula.label.text()).strip()
        assert count in view.formula.text() and layer.name in view.formula.text()
        assert shown.endswith(count) and "\u2026" not in shown, shown
        assert view.formula.short_height() <= view.formula.height()  # (its lines whole)
    finally:
        dispose(w)
        th.apply("dark", QtWidgets.QApplication.instance())


@pytest.mark.parametrize("theme, size", [("dark", (1280, 720)), ("projector", (1280, 720)),
                                         ("dark", (1024, 768)), ("projector", (1024, 768)),
                                         ("projector", (800, 600))])
def test_the_demos_status_message_is_whole_or_ends_after_a_whole_word(qapp, tmp_path, theme, size):
    """``lstmviz`` on its demo (``./scripts/run``) at 800 x 600 said "Demo: Sine wave:
    predict the next value. LSTM(8, return_sequences) -> TimeDistrib…": cut mid-word. The
    message now ends after its last whole word that fits, before "…" (without the "->"
    left hanging), its whole text in the bar's tooltip. And at 1280 x 720 and 1024 x 768
    it was still cut ("... a sine wave at…"): the demo's title and description, 200
    characters, make no status line. It says the title and the demo's short line, whole
    there (the description stays Help > Demos' tooltip)."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, render
    from lstmviz.ui.main_window import load_demos

    demo = load_demos()[0]
    w = make_window(None, theme, quiet=True)
    try:
        render(w, tmp_path / "shot.png", size=size)
        bar = w.statusBar()
        message, shown = bar.currentMessage(), bar.shown_message()
        assert message == f"Demo: {demo['title']}. {demo['line']}" and demo["line"]
        assert demo["description"] not in message
        if size != (800, 600):
            assert shown == message and bar.toolTip() == ""
            assert bar.fontMetrics().horizontalAdvance(message) <= bar.message_room().width()
            if size == (1280, 720):  # an edit takes it (it said "40 steps each" over 20 steps)
                w.state.set_cursor(step=3)  # (a step is no edit)
                assert bar.currentMessage() == message
                w.state.set_input_spec(timesteps=20)
                QtWidgets.QApplication.processEvents()
                assert w.state.timesteps == 20 and "40 steps" not in bar.currentMessage()
            return
        assert bar.fontMetrics().horizontalAdvance(message) > bar.message_room().width()
        assert shown.endswith("\u2026") and message.startswith(shown[:-1]), shown
        kept = shown[:-1]
        assert not message[len(kept)].isalnum(), (shown, message[len(kept):len(kept) + 12])  # (a word's end)
        assert not kept.endswith((" ", "-", ">", ",")), shown
        assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_room().width()
        assert len(shown) > 40, shown  # (not cut further back than its last whole word)
        assert demo["line"][-12:] in bar.toolTip()
    finally:
        dispose(w)
        th.apply("dark", QtWidgets.QApplication.instance())


def test_the_menus_kept_for_later_outlive_pysides_record_of_their_parents(window):
    """The menus and actions the window keeps to use later (File > Open recent, Help >
    Demos, View > Presentation screen, the View menu's tab keys) were made in C++
    (``menu.addMenu(text)`` / ``addAction(text)``), as Edit > Undo was: PySide marks such a
    wrapper deleted when a wrapper above it in its record of parents is invalidated (Undo:
    "Internal C++ object (QAction) already deleted" at a lesson's end, Ctrl+Z dead after
    it). Made in Python, they stay usable whatever that record says; ``shiboken6.invalidate``
    on each top menu's wrapper does what PySide does then (the menus stay in Qt)."""
    import shiboken6

    window.findChildren(QtWidgets.QWidget)  # (as Tab's ``tab_stops`` does)
    for action in window.menuBar().actions():
        if action.menu() is not None:
            shiboken6.invalidate(action.menu())
    window._fill_recent()
    window._fill_demos()
    window.presenter._fill_screens()
    assert window.demos_menu.actions() and window.presenter.screens_menu.actions()
    window.tab_actions[2].trigger()
    assert window.tabs.currentIndex() == 2


def test_opening_a_state_dict_says_what_the_model_shown_leaves_out(make_window, tmp_path):
    """A PyTorch state_dict's weights no layer uses, or its modules without weights (an
    nn.ReLU, not applied: its place in forward() is unknown), were said by 'lstmviz
    summary' only: the window's "Opened chrisprasanna_gas_lstm.pt: 3 layers, 53,825
    parameters" showed the model as if whole. The "Opened" message now says them; a file
    whose every weight is used says nothing more."""
    from tests.test_io_torch import _entries_with, _tensor_pickle, _write

    w = make_window()
    entries, storages = _entries_with([("fc", 1, 2), ("aux", 1, 7)])
    path = _write(tmp_path, "zip", _tensor_pickle(entries), storages, name="extra.pt")
    assert w.open_file(str(path))
    msg = w.last_message
    assert msg.startswith("Opened extra.pt: ")
    assert "; not used (not a Linear head that follows the recurrent output): aux (Linear 7->1)" in msg, msg
    entries, storages = _entries_with([("fc", 1, 2)])
    path = _write(tmp_path, "zip", _tensor_pickle(entries), storages, name="clean.pt")
    assert w.open_file(str(path))
    assert "not used" not in w.last_message and ";" not in w.last_message, w.last_message


def test_the_unit_box_says_filter_for_a_conv1d_and_channel_for_a_pooling(window):
    import lstmviz

    model = lstmviz.load(FIX / "k3_conv_pool_options" / "model.keras", isolate=False)
    window.state.set_model(model)
    window.state.set_input_data(np.load(FIX / "k3_conv_pool_options" / "x.npy"))
    for layer, word, most in (("conv_same_s2", "filter", 3), ("conv_cf", "filter", 2),
                              ("avg_cf", "channel", 1), ("max_same", "channel", 3)):
        window.state.set_cursor(layer=layer, unit=0)
        QtWidgets.QApplication.processEvents()
        assert window.unit_label.text() == word and window.unit_spin.accessibleName() == word.capitalize()
        assert window.unit_spin.maximum() == most  # (conv_cf: its filters are axis 1; avg_cf: its 2 pooled features)
        assert window.unit_spin.text() == "0"
    window.state.set_cursor(layer="conv_cf", step=2)  # (channels first: 3 steps, its last axis)
    assert window.state.cursor.step == 2 and window.state.steps_of("conv_cf") == 3
    # (a channels_first pooling of each step's features: the input's 9 steps, axis 1)
    window.state.set_cursor(layer="avg_cf", step=8)
    assert window.state.cursor.step == 8 and window.state.steps_of("avg_cf") == 9



def test_the_unit_box_says_its_step_on_a_permute_whose_rows_are_its_steps(make_window, monkeypatch):
    """Issue 13: on a long input a Permute((2, 1)) over a sequence is drawn by its own steps
    (its rows, Keras' axis 1) over the input's (its columns), as Over time says
    (``cell_ref.across_axes``); the unit box said "unit" of its rows. It says "its step" now,
    and "unit" again of the LSTM under it; a whole trace, on which its rows are its units as
    any layer's, keeps "unit"."""
    from helpers import long_window
    from lstmviz.engine import LayerSpec, Model

    model = Model.sequential((None, None, 3), [
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="lstm"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="permute")], seed=0)
    window, state, _, _ = long_window(make_window, monkeypatch, model, 600)
    for layer, word in (("permute", "its step"), ("lstm", "unit"), ("permute", "its step")):
        state.set_cursor(layer=layer, unit=1)
        QtWidgets.QApplication.processEvents()
        assert window.unit_label.text() == word and window.unit_spin.accessibleName() == word.capitalize()
        assert window.unit_spin.maximum() == 2
    monkeypatch.undo()  # (a whole trace: its rows its units)
    state.set_input_data(np.zeros((1, 40, 3), np.float32))
    assert state.long is None
    state.set_cursor(layer="permute", unit=0)
    QtWidgets.QApplication.processEvents()
    assert window.unit_label.text() == "unit"

def test_an_onnx_cnn_lstms_unit_box_and_clock_follow_each_layers_steps(window):
    # (N, C, L) tensors: a Conv's filters and a pool's channels are axis 1, their steps axis 2;
    # the LSTM after the pool runs over the pool's 2 steps, not the input's 5
    import lstmviz

    case = FIX / "onnx_torch_dynamo_cnn_lstm_max"
    window.state.set_model(lstmviz.load(case / "model.onnx", isolate=False))
    window.state.set_input_data(np.load(case / "x.npy"))
    trace = window.state.trace
    for layer, word in (("node_conv1d", "filter"), ("node_relu", "unit"), ("node_max_pool1d", "channel"),
                        ("rnn.lstm", "unit")):
        window.state.set_cursor(layer=layer, unit=0, step=0)
        QtWidgets.QApplication.processEvents()
        out = trace[layer].output
        channels, steps = (out.shape[1], out.shape[2]) if out.ndim == 3 else (out.shape[-1], trace[layer].timesteps)
        assert window.unit_label.text() == word
        assert window.unit_spin.maximum() == channels - 1
        assert window.state.steps_of(layer) == window.state.clock_steps == steps
        window.state.set_cursor(step=99)
        assert window.state.cursor.step == steps - 1


def test_a_conv1d_or_pooling_added_below_a_recurrent_layer_goes_before_it_as_in_a_cnn_lstm(window):
    from lstmviz.app.options import add_position

    panel = window.stack_panel
    assert [e.class_name for e in window.state.layers] == ["LSTM", "LSTM", "Dense"]
    panel.cards.setCurrentRow(1)  # the second LSTM: a Conv1D after it would read its outputs
    panel.add_actions["Conv1D"].trigger()
    assert window.state.error is None
    assert [e.class_name for e in window.state.layers] == ["Conv1D", "LSTM", "LSTM", "Dense"]
    assert panel.selected_index() == 0  # (the new card selected)
    panel.add_actions["MaxPooling1D"].trigger()  # below the Conv1D, still before the LSTM
    assert [e.class_name for e in window.state.layers] == ["Conv1D", "MaxPooling1D", "LSTM", "LSTM", "Dense"]
    model, trace = window.state.model, window.state.trace
    names = [l.name for l in model.layers]
    conv, pool, lstm = (window.state.layers[k].name for k in (0, 1, 2))
    assert names.index(conv) < names.index(pool) < names.index(lstm)
    assert trace[lstm].timesteps == trace[pool].output.shape[1]  # (the LSTM steps through the pool's)
    # the other choices are kept: at the bottom, at the top, and below a front-end layer
    classes = ["Embedding", "Conv1D", "LSTM", "Dense"]
    assert add_position("Conv1D", "at the bottom", 2, 4, classes) == 4
    assert add_position("AveragePooling1D", "at the top", 3, 4, classes) == 0
    assert add_position("AveragePooling1D", "below the selected layer", 1, 4, classes) == 2
    assert add_position("AveragePooling1D", "below the selected layer", 3, 4, classes) == 2
    assert add_position("Conv1D", "below the selected layer", None, 4, classes) == 2
    assert add_position("Dense", "below the selected layer", 2, 4, classes) == 3  # (others as ever)
    assert add_position("Conv1D", "below the selected layer", 0, 1, ["Dense"]) == 1  # (no recurrent layer)
