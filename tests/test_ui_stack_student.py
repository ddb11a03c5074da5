"""The side panel and the Input tab as a student uses them (building stacks, shaping the
input): every number a widget shows is the stack's, the words say what Keras does."""

import numpy as np
import pytest
from PySide6 import QtWidgets

from lstmviz.app.options import default_config
from lstmviz.app.state import AppState, InputSpec, LayerEntry


@pytest.fixture(autouse=True)
def no_window_left(qtbot):
    yield
    QtWidgets.QApplication.processEvents()
    left = [w for w in QtWidgets.QApplication.topLevelWidgets()
            if w.isVisible() and not isinstance(w, QtWidgets.QMenu)]
    assert not left, f"windows left open: {left}"


def big_state() -> AppState:
    lstm = default_config("LSTM", units=2000)
    dense = default_config("Dense")
    dense["units"] = 10000
    x = np.random.default_rng(0).normal(size=(300, 3, 1)).astype(np.float32)
    return AppState([LayerEntry("LSTM", lstm), LayerEntry("Dense", dense)],
                    InputSpec(batch_size=300, timesteps=3, input_dim=1, source="data", data=x))


def test_spin_boxes_show_values_past_their_usual_range(make_window):
    """An LSTM(2048) or a Dense(10000) head (a model file's, a session's) showed units 1024
    and 4096, a batch of 300 imported samples 256: a spin box clamps what it is given."""
    w = make_window((1280, 720), state=big_state())
    panel = w.stack_panel
    assert panel.batch_spin.value() == 300
    panel.cards.setCurrentRow(0)
    assert panel.option_widgets["units"].value() == 2000
    panel.cards.setCurrentRow(1)
    units = panel.option_widgets["units"]
    assert units.value() == 10000
    units.stepDown()  # the arrow down: one less than the model's, not the widget's cap - 1
    assert w.state.layers[1].config["units"] == 9999
    assert units.value() == 9999
    # a layer of usual size gets the option's own range back
    panel.cards.setCurrentRow(0)
    w.state.set_layer_option(0, "units", 8)
    QtWidgets.QApplication.processEvents()
    assert panel.option_widgets["units"].value() == 8
    assert panel.option_widgets["units"].maximum() == 1024
    w.state.set_input_spec(batch_size=4)
    QtWidgets.QApplication.processEvents()
    assert (panel.batch_spin.value(), panel.batch_spin.maximum()) == (4, 256)


def test_dropout_words_say_what_keras_does_while_training(make_window):
    """Keras' RNN cells draw one dropout mask per call (DropoutRNNCell caches it "for all
    incoming steps") for x_t as for h_(t-1), and keep the rest scaled by 1/(1-rate)
    (backend.random.dropout). The words said 'each step's input' and '0/1 masks'."""
    from helpers import tip_text

    w = make_window((1280, 720))
    panel = w.stack_panel
    panel.cards.setCurrentRow(0)
    panel.option_widgets["dropout"].setValue(0.3)
    QtWidgets.QApplication.processEvents()
    assert w.state.layers[0].config["dropout"] == pytest.approx(0.3)
    note = tip_text(panel.info_label.text())
    for text in (note, tip_text(panel.option_widgets["dropout"].toolTip()),
                 tip_text(panel.option_widgets["recurrent_dropout"].toolTip())):
        assert "one mask for the whole sequence" in text or "one random mask for the whole sequence" in text
        assert "scaled by 1/(1\u2212" in text
        assert "0/1" not in text
    assert "nothing changes here" in note


def test_input_seed_changes_the_input_not_the_weights(make_window):
    """The Input tab's seed said it gave 'the same initial weights' too: the weights have
    the stack's own seed. And it stayed enabled for sources it does nothing to."""
    from helpers import tip_text

    w = make_window((1280, 720))
    panel, st = w.input_panel, w.state
    panel.source.setCurrentIndex(panel.source.findData("noise"))
    QtWidgets.QApplication.processEvents()
    weights = [np.array(a) for a in st.model.layers[0].weights]
    x = np.array(st.x)
    assert panel.seed.isEnabled()
    panel.seed.setValue(7)
    QtWidgets.QApplication.processEvents()
    assert st.input.seed == 7
    assert not np.array_equal(st.x, x)  # another input ...
    for a, b in zip(weights, st.model.layers[0].weights):  # ... the same weights
        np.testing.assert_array_equal(a, b)
    assert "weights do not change" in tip_text(panel.seed.toolTip())
    for source, seeded in (("counting", False), ("text", False), ("sine", True), ("impulse", True)):
        panel.source.setCurrentIndex(panel.source.findData(source))
        QtWidgets.QApplication.processEvents()
        assert st.input.source == source
        assert panel.seed.isEnabled() == seeded, source
    st.set_input_value(0, 0, 0, 0.5)  # the user's data
    QtWidgets.QApplication.processEvents()
    assert st.input.source == "data" and not panel.seed.isEnabled()


def test_seeded_generators_are_those_the_seed_changes():
    from lstmviz.app import inputs as gen

    for kind in gen.GENERATORS:
        if kind == "text":
            continue
        a = gen.generate(kind, 4, 30, 2, seed=0)
        b = gen.generate(kind, 4, 30, 2, seed=1)
        assert (kind in gen.SEEDED) == (not np.array_equal(a, b)), kind


def test_typed_text_note_says_what_the_one_hot_is_at_every_input_dim(make_window):
    """With input_dim 10 the note still said 'input_dim 29' while the one-hot wrapped
    around: 'a' and 'k' went into one column and looked the same to the LSTM."""
    from lstmviz.app import inputs as gen

    w = make_window((1280, 720))
    ip, st = w.input_panel, w.state
    w.side.setCurrentWidget(ip)
    ip.source.setCurrentIndex(ip.source.findData("text"))
    ip.text.setText("ak")
    ip.text.editingFinished.emit()
    QtWidgets.QApplication.processEvents()
    assert st.x.shape[1:] == (2, len(gen.ALPHABET))
    assert not np.array_equal(st.x[0, 0], st.x[0, 1])
    assert ip.text_note.text().endswith(f"input_dim {len(gen.ALPHABET)}")
    w.stack_panel.input_dim_spin.setValue(10)
    QtWidgets.QApplication.processEvents()
    assert st.x.shape[1:] == (2, 10)
    np.testing.assert_array_equal(st.x[0, 0], st.x[0, 1])  # 'a' and 'k': one column ...
    assert int(np.argmax(st.x[0, 0])) == 1
    note = ip.text_note.text()  # ... as the note says
    assert "needs input_dim 29" in note and "10 columns" in note
    assert "\u201ca\u201d and \u201ck\u201d look the same (column 1)" in note
    assert ip.text_note.minimumSizeHint().width() <= ip.text_note.width()


def test_import_with_an_embedding_first_reads_token_ids(make_window, tmp_path):
    """Import of ids.csv (2 samples of 5 ids) with an Embedding first made ONE sample of 2
    steps, the first column's ids rescaled ([1, 31]); an id past the vocabulary or a
    fraction was rescaled silently. Now read as `lstmviz MODEL --input` reads it."""
    from lstmviz.app.options import default_config

    emb = LayerEntry("Embedding", default_config("Embedding"))  # input_dim 32
    w = make_window((1280, 720), state=AppState([emb, LayerEntry("LSTM", default_config("LSTM"))]))
    ip, st = w.input_panel, w.state
    w.side.setCurrentWidget(ip)
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 31, 0, 0]])
    (tmp_path / "ids.csv").write_text("\n".join(",".join(map(str, r)) for r in ids) + "\n")
    ip.import_file(str(tmp_path / "ids.csv"))
    QtWidgets.QApplication.processEvents()
    assert not ip.message.isVisible()
    np.testing.assert_array_equal(st.x, ids)
    assert (st.input.batch_size, st.input.timesteps) == (2, 5)
    table = [[int(ip.table_model.text(r, 0))] for r in range(5)]
    assert table == [[v] for v in ids[0]]
    table_emb = st.model.layers[0].weights[0]
    np.testing.assert_array_equal(st.trace["embedding"].outputs[0][0], table_emb[ids[0]])
    np.save(tmp_path / "ids.npy", ids.astype(np.int64))
    st.undo()
    ip.import_file(str(tmp_path / "ids.npy"))
    np.testing.assert_array_equal(st.x, ids)
    for text, said in (("1\n2\n40\n", "token id 40 is outside"), ("0.5,1.5\n", "whole-number token ids 0..31")):
        (tmp_path / "bad.csv").write_text(text)
        ip.import_file(str(tmp_path / "bad.csv"))
        assert ip.message.isVisible() and said in ip.message.text()
        np.testing.assert_array_equal(st.x, ids)  # refused: the input stays


def test_escape_puts_back_what_the_stack_holds(make_window, qtbot):
    """Typed into units, Escape left the typing in the box and the next click elsewhere
    took it: Escape now puts back the stack's value; Enter still takes the typing."""
    from PySide6 import QtCore

    w = make_window((1280, 720))
    panel, st = w.stack_panel, w.state
    w.activateWindow()
    panel.cards.setCurrentRow(0)
    units = panel.option_widgets["units"]
    before = st.layers[0].config["units"]
    units.setFocus()
    units.selectAll()
    qtbot.keyClicks(units, "16")
    assert units.text() == "16"
    qtbot.keyClick(units, QtCore.Qt.Key.Key_Escape)
    assert units.text() == str(before)
    panel.batch_spin.setFocus()  # the click elsewhere
    units.clearFocus()
    QtWidgets.QApplication.processEvents()
    assert st.layers[0].config["units"] == before and units.text() == str(before)
    assert panel.escape.pending(units) is None  # nothing typed: Escape goes on
    units.setFocus()
    units.selectAll()
    qtbot.keyClicks(units, "16")
    qtbot.keyClick(units, QtCore.Qt.Key.Key_Return)
    assert st.layers[0].config["units"] == 16
    # the Input tab's text field and period
    ip = w.input_panel
    w.side.setCurrentWidget(ip)
    ip.source.setCurrentIndex(ip.source.findData("text"))
    text = st.input.text
    ip.text.setFocus()
    ip.text.selectAll()
    qtbot.keyClicks(ip.text, "xyz")
    qtbot.keyClick(ip.text, QtCore.Qt.Key.Key_Escape)
    assert ip.text.text() == text
    ip.text.clearFocus()
    QtWidgets.QApplication.processEvents()
    assert st.input.text == text


def combo_text_room(combo) -> int:
    """The width a combo box draws its current text in (its edit field)."""
    opt = QtWidgets.QStyleOptionComboBox()
    combo.initStyleOption(opt)
    return combo.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_ComboBox, opt,
                                        QtWidgets.QStyle.SubControl.SC_ComboBoxEditField, combo).width()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_option_combos_show_their_default_whole(make_window, size):
    """'glorot_uniform' (every recurrent layer's default kernel_initializer) was drawn
    'glorot_uniforn' at 1024x768 and 1280x720: the combo kept its 8 characters' width
    beside room to spare in the form's field column."""
    w = make_window(size)
    panel = w.stack_panel
    w.state.add_layer("Bidirectional", "GRU", 0)
    for row in range(len(w.state.layers)):
        panel.cards.setCurrentRow(row)
        QtWidgets.QApplication.processEvents()
        for key, widget in panel.option_widgets.items():
            if isinstance(widget, QtWidgets.QComboBox):
                need = widget.fontMetrics().horizontalAdvance(widget.currentText())
                assert need <= combo_text_room(widget), (row, key, widget.currentText())
                right = widget.mapTo(panel, widget.rect().topRight()).x()
                assert right <= panel.width()


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_a_disabled_field_looks_disabled(make_window, theme):
    """A disabled spin box (the seed of a source it does not affect) drew its number in
    the same colour as an enabled one: the palette set every colour group alike. Its
    text is now drawn in the theme's muted colour."""
    from PySide6 import QtGui

    from lstmviz.ui import theme as th

    w = make_window((1280, 720))
    w.set_theme(theme)
    panel = w.input_panel
    panel.source.setCurrentIndex(panel.source.findData("counting"))
    QtWidgets.QApplication.processEvents()
    assert not panel.seed.isEnabled()
    pal = panel.seed.palette()
    G, R = QtGui.QPalette.ColorGroup, QtGui.QPalette.ColorRole
    t = th.current()
    assert pal.color(G.Active, R.Text).name() == QtGui.QColor(t.foreground).name()
    # faded, yet readable: in the theme's muted colour a disabled field of the projector
    # theme (#222222 on white, 15.9:1, beside black, 17.8:1) and of the light theme (a white
    # field among grey ones, 7:1) looked as enabled as any, from a hall or up close: the
    # Input tab's text box took no typing while it looked ready for it
    disabled = contrast(pal.color(G.Disabled, R.Text), pal.color(G.Disabled, R.Base))
    enabled = contrast(pal.color(G.Active, R.Text), pal.color(G.Active, R.Base))
    assert 3.0 <= disabled <= 5.0 and enabled >= 7.0, (theme, disabled, enabled)


def contrast(a, b) -> float:
    """WCAG's contrast ratio of two QColors."""
    def lum(c):
        rgb = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in (c.redF(), c.greenF(), c.blueF())]
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_a_small_float_option_shows_the_layers_own_value(make_window):
    """A model's Masking layer with mask_value 1e-4 showed "0.000" in the side panel (a box
    of three decimals, its value 0): the panel said the layer masks zeros. A float option
    keeps the layer's number (six significant figures shown), and what is typed."""
    from PySide6 import QtCore
    from PySide6.QtTest import QTest

    mask = default_config("Masking")
    mask["mask_value"] = 1e-4
    state = AppState([LayerEntry("Masking", mask), LayerEntry("LSTM", default_config("LSTM", units=4))],
                     InputSpec(batch_size=2, timesteps=5, input_dim=3))
    w = make_window((1280, 720), state=state)
    panel = w.stack_panel
    panel.cards.setCurrentRow(0)
    QtWidgets.QApplication.processEvents()
    box = panel.option_widgets["mask_value"]
    assert box.value() == 1e-4 and box.text() == "0.0001"
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), "-0.00025")
    QTest.keyClick(box.lineEdit(), QtCore.Qt.Key.Key_Return)
    QtWidgets.QApplication.processEvents()
    assert w.state.layers[0].config["mask_value"] == -0.00025
    assert panel.option_widgets["mask_value"].text() == "-0.00025"


def test_an_rnn_of_a_bare_list_of_cells_is_shown_not_edited(make_window):
    """Keras' RNN takes its cells as a list (``RNN([LSTMCell(4), GRUCell(3)])``), and the
    engine runs a config holding that list; selecting the layer in the side panel raised
    (its options were looked up in the list as in a cell's dict). As a StackedRNNCells'
    config: the stack is shown, not edited."""
    from lstmviz.engine import Model
    from lstmviz.engine.spec import LayerSpec

    cells = [{"class_name": "LSTMCell", "config": {"units": 4}},
             {"class_name": "GRUCell", "config": {"units": 3}}]
    model = Model.sequential((None, 5, 2), [LayerSpec("RNN", {"cell": cells, "return_sequences": True})], seed=0)
    w = make_window((1280, 720))
    w.state.set_model(model, None)
    panel = w.stack_panel
    panel.cards.setCurrentRow(0)
    QtWidgets.QApplication.processEvents()
    assert w.state.error is None
    assert "units" not in panel.option_widgets  # (a stack of cells: no cell's options)
    assert [layer.units for layer in w.state.model.layers[-1].cells] == [4, 3]
