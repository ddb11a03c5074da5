"""Bugs met reproducing the seed texts' models (issue 14), each with the test that would
have caught it: axes of counts, one-step curves, names with "_" in equations, lecture keys
in a focused spin box, the window's width, and the smaller ones."""

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app import tours
from lstmviz.app.options import default_config
from lstmviz.app.state import AppState, InputSpec, LayerEntry
from lstmviz.ui.views._common import fmt
from lstmviz.ui.views.cell import CellView, to_html
from lstmviz.ui.views.over_time import OverTimeView
from lstmviz.ui.views.unrolled import UnrolledView
from lstmviz.ui.views.weights import WeightsView


def settle():
    for _ in range(3):
        QtWidgets.QApplication.processEvents()


def one_layer(kind="LSTM", units=1, timesteps=20, input_dim=1, **options):
    cfg = default_config(kind, units=units)
    cfg.update(return_sequences=True, **options)
    return AppState([LayerEntry(kind, cfg)], InputSpec(batch_size=1, timesteps=timesteps, input_dim=input_dim))


def show(view_cls, st, qtbot, size=(1200, 800)):
    v = view_cls()
    qtbot.addWidget(v)
    v.resize(*size)
    v.show()
    v.set_data(st.model, st.trace, st.x)
    v.set_cursor(st.trace_cursor)
    settle()
    return v


def axes_of(view):
    import pyqtgraph as pg

    for gv in view.findChildren(pg.GraphicsView):
        if not gv.isVisible():
            continue
        for item in gv.scene().items():
            if isinstance(item, pg.AxisItem) and item.isVisible() and item.style.get("showValues", True):
                yield item


def tick_values(axis):
    """The tick values the axis draws (explicit ticks, else its automatic ones)."""
    if axis._tickLevels is not None:
        return [v for level in axis._tickLevels for v, _ in level]
    lo, hi = axis.range
    levels = axis.tickValues(min(lo, hi), max(lo, hi), 400)
    return [v for _, vals in levels for v in vals]


COUNT_LABELS = ("unit", "step", "feature", "from unit", "input step")


def count_axes(view):
    for ax in axes_of(view):
        text = ax.labelText or ""
        if ax.orientation in ("left", "bottom") and any(w in text for w in COUNT_LABELS):
            yield ax


@pytest.mark.parametrize("units,timesteps,input_dim", [(1, 20, 1), (2, 20, 1), (1, 1, 1), (2, 1, 2)])
@pytest.mark.parametrize("view_cls", [OverTimeView, UnrolledView, WeightsView])
def test_axes_of_counts_have_whole_ticks_and_no_si_factor(qtbot, view_cls, units, timesteps, input_dim):
    st = one_layer(units=units, timesteps=timesteps, input_dim=input_dim)
    v = show(view_cls, st, qtbot)
    found = list(count_axes(v))
    assert found, "the view labels its count axes"
    for ax in found:
        assert not ax.autoSIPrefix and ax.autoSIPrefixScale == 1.0, ax.labelString()
        assert "(x" not in ax.labelString(), ax.labelString()
        values = tick_values(ax)
        assert values, ax.labelText
        assert all(float(x).is_integer() for x in values), (ax.labelText, values)


def test_units_1_gate_heatmaps_are_drawn(qtbot):
    """units=1 over 20 steps: every heatmap shows its 20 values (it drew nothing)."""
    st = one_layer(units=1, timesteps=20)
    v = show(OverTimeView, st, qtbot)
    rec = st.trace.layers[st.layers[0].name]
    for slot in v.slots:
        if slot.key is None:
            continue
        img = slot.image.image
        assert img.shape == (1, 20)
        np.testing.assert_array_equal(img[0], rec.steps[slot.key][0, :, 0])
        # and it is painted: the rendered heatmap is not the empty background
        pix = slot.widget.grab().toImage()
        r = slot.plot.getViewBox().sceneBoundingRect().toRect()
        colours = {pix.pixel(x, r.center().y()) for x in range(r.left() + 3, r.right() - 3, 7)}
        assert len(colours) > 3, slot.key


def test_one_timestep_curves_draw_a_symbol(qtbot):
    st = one_layer(units=1, timesteps=1)
    v = show(OverTimeView, st, qtbot)
    for key in ("i", "f", "c", "h"):
        curve = v.curves[key]
        assert curve.opts["symbol"] is not None, key
        assert len(curve.getData()[0]) == 1


@pytest.mark.parametrize("act", ["hard_sigmoid", "leaky_relu", "hard_silu"])
def test_underscores_in_names_are_not_subscripts(qtbot, act):
    assert "<sub>" not in to_html(f"{act}(x)")
    st = one_layer(units=2, timesteps=3, recurrent_activation=act if act != "leaky_relu" else "sigmoid",
                   activation=act if act == "leaky_relu" else "tanh")
    v = show(CellView, st, qtbot)
    html = v.eq_label.text()
    assert act in html and f"<sub>{act.split('_', 1)[1]}" not in html
    assert "W<sub>i</sub>" in html or "W<sub>i</sub>" in to_html("W_i")


def test_no_bias_no_b_in_the_footer(qtbot):
    st = one_layer(units=2, timesteps=3, use_bias=False)
    v = show(CellView, st, qtbot)
    foot = v.eq_label.text().rsplit("<p", 1)[1]
    assert "U·h" in foot and ", b," not in foot
    st2 = one_layer(units=2, timesteps=3)
    v2 = show(CellView, st2, qtbot)
    assert ", b," in v2.eq_label.text().rsplit("<p", 1)[1]


def test_simple_rnn_weights_title_names_no_gates(qtbot):
    st = one_layer("SimpleRNN", units=3, timesteps=4)
    v = show(WeightsView, st, qtbot)
    titles = [s.plot.titleLabel.text for s in v.matrices if s.name]
    assert titles and not any("gates" in t for t in titles), titles
    st = one_layer("LSTM", units=3, timesteps=4)
    v = show(WeightsView, st, qtbot)
    assert any("gates" in s.plot.titleLabel.text for s in v.matrices if s.name)


def test_dropout_selected_unrolled_header_says_what_it_is(qtbot):
    cfg = default_config("LSTM", units=3)
    cfg["return_sequences"] = True
    st = AppState([LayerEntry("LSTM", cfg), LayerEntry("Dropout", default_config("Dropout")),
                   LayerEntry("LSTM", default_config("LSTM", units=2))], InputSpec(batch_size=1, timesteps=5))
    st.set_cursor(layer=st.layers[1].name)
    v = show(UnrolledView, st, qtbot)
    text = v.header.text()
    assert "select a layer" not in text and "dropout" in text.lower() and "unchanged" in text


# -- in the window ------------------------------------------------------------------------------
@pytest.fixture
def window(make_window):
    return make_window((1920, 1080))


def focus_units_spin(window):
    panel = window.stack_panel
    panel.cards.setCurrentRow(0)
    settle()
    spin = panel.option_widgets["units"]
    window.activateWindow()
    spin.setFocus()
    settle()
    assert QtWidgets.QApplication.focusWidget() is spin
    return spin


def test_lecture_keys_drive_the_lesson_from_a_focused_spin_box(window, qtbot):
    p = window.presenter
    p.tour.start(0)
    settle()
    spin = focus_units_spin(window)
    units = spin.value()
    assert p.tour.index == 0
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_PageDown)  # a presenter remote's "next"
    settle()
    assert p.tour.index == 1, "PgDn went to the spin box, not to the lesson"
    assert spin.value() == units and window.state.layers[0].config["units"] == units
    spin.setFocus()
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_PageUp)
    settle()
    assert p.tour.index == 0 and window.state.layers[0].config["units"] == units
    spin.setFocus()
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_F5)
    settle()
    assert p.active, "F5 from a spin box starts presentation mode"
    p.fullscreen = False
    p.leave()
    p.tour.end()


def test_pgdn_in_a_spin_box_steps_the_time_outside_a_lesson(window, qtbot):
    spin = focus_units_spin(window)
    units = spin.value()
    step = window.state.cursor.step
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_PageDown)
    settle()
    assert spin.value() == units
    assert window.state.cursor.step == step + 1


def test_l_from_a_spin_box_opens_the_lessons_but_is_typed_into_a_text_field(window, qtbot):
    p = window.presenter
    opened = []
    p.pick_lesson = lambda: opened.append(1)
    p.actions["lessons"].triggered.disconnect()
    p.actions["lessons"].triggered.connect(p.pick_lesson)
    spin = focus_units_spin(window)
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_L)
    settle()
    assert opened == [1]
    edit = QtWidgets.QLineEdit(window.stack_panel)
    edit.show()
    edit.setFocus()
    settle()
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_L)
    settle()
    assert edit.text() == "l" and opened == [1]


def test_window_never_wider_than_the_screen_with_a_masked_step(window, qtbot):
    st = window.state
    cfg = default_config("LSTM", units=4)
    cfg["return_sequences"] = True
    st.layers = [LayerEntry("Masking", default_config("Masking")), LayerEntry("LSTM", cfg)]
    x = np.ones((1, 12, 1), np.float32)
    x[0, 8:] = 0.0
    st.set_input_data(x)
    st.set_cursor(layer=st.layers[1].name, step=9)
    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        settle()
        assert window.width() <= 1920 and window.minimumSizeHint().width() <= 1920, window.tabs.tabText(k)
    window.presenter.fullscreen = False
    window.presenter.enter()
    window.resize(1920, 1080)
    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        settle()
        assert window.width() <= 1920 and window.minimumSizeHint().width() <= 1920, window.tabs.tabText(k)
    assert "masked" in window.views[2].header.text()


def tooltip_width(text, widget):
    QtWidgets.QToolTip.showText(QtCore.QPoint(10, 10), text, widget)
    settle()
    labels = [w for w in QtWidgets.QApplication.topLevelWidgets()
              if w.inherits("QLabel") and w.objectName() == "qtooltip_label" and w.isVisible()]
    assert labels
    width = labels[0].width()
    QtWidgets.QToolTip.hideText()
    return width


def test_tooltips_wrap(window):
    panel = window.stack_panel
    panel.cards.setCurrentRow(0)
    settle()
    for key in ("units", "dropout", "recurrent_dropout"):
        w = panel.option_widgets[key]
        assert tooltip_width(w.toolTip(), w) < 520, key
    assert tooltip_width(panel.batch_spin.toolTip(), panel.batch_spin) < 520


def test_unit_forget_bias_is_off_without_a_bias(window):
    st = window.state
    panel = window.stack_panel
    panel.cards.setCurrentRow(0)
    settle()
    assert panel.option_widgets["unit_forget_bias"].isEnabled()
    st.set_layer_option(0, "use_bias", False)
    settle()
    assert not panel.option_widgets["unit_forget_bias"].isEnabled()
    assert "use_bias" in panel.option_widgets["unit_forget_bias"].toolTip()


def test_a_cells_unit_forget_bias_is_off_without_its_bias_and_its_dropout_noted(window, tmp_path):
    """Keras' RNN(LSTMCell(use_bias=False)): the form's 'cell.unit_forget_bias' and
    'cell.bias_initializer' stayed enabled (an LSTM's and a Bidirectional's greyed out, the
    cell's options were looked for in the RNN's own config), and the cell's dropout had no
    note that it does nothing here."""
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    cell = {"class_name": "LSTMCell", "config": {"units": 4, "use_bias": False, "dropout": 0.25}}
    model = Model.sequential((None, 6, 3), [LayerSpec("RNN", {"cell": cell})], seed=0)
    save_keras(model, tmp_path / "m.keras")
    assert window.open_file(tmp_path / "m.keras")
    panel = window.stack_panel
    panel.cards.setCurrentRow(0)
    settle()
    assert panel.option_widgets["cell.use_bias"].isEnabled()
    for key in ("cell.unit_forget_bias", "cell.bias_initializer"):
        w = panel.option_widgets[key]
        assert not w.isEnabled(), key
        assert "Off now: needs use_bias" in w.toolTip(), key
    assert "dropout 0.25, recurrent_dropout 0: nothing changes here" in panel.info_label.text()
    window.state.set_layer_option(0, "cell.use_bias", True)
    settle()
    assert panel.option_widgets["cell.unit_forget_bias"].isEnabled()
    assert "Off now" not in panel.option_widgets["cell.unit_forget_bias"].toolTip()


def test_a_stack_of_cells_selected_says_each_cells_kind_and_options(window):
    """Keras 3's RNN([GRUCell(3), SimpleRNNCell(2)]) selected: the "Selected" box was one
    empty field (a form without rows: a stack of cells is not edited) above the in/out
    line. It holds a read-only row for each cell (kind, units, options), one for the
    layer's options, and says why none can be edited here."""
    from helpers import FIXTURES

    assert window.open_file(FIXTURES / "k3_rnn_cells" / "model.keras")
    panel = window.stack_panel
    panel.cards.setCurrentRow(1)
    settle()
    form = panel.form_layout
    rows = {}
    for r in range(form.rowCount()):
        label = form.itemAt(r, QtWidgets.QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(r, QtWidgets.QFormLayout.ItemRole.FieldRole)
        if label is not None and field is not None:
            rows[label.widget().text()] = field.widget().text()
    # (named as the views name a cell, "cell 0": ``cell_ref.cell_name``)
    assert rows["cell 0"].startswith("GRU, 3 units")
    assert "recurrent_activation sigmoid" in rows["cell 0"] and "reset_after on" in rows["cell 0"]
    assert rows["cell 1"].startswith("SimpleRNN, 2 units") and "activation tanh" in rows["cell 1"]
    assert "return_sequences off" in rows["layer"]
    why = panel.findChild(QtWidgets.QLabel, "read-only:why")
    assert why is not None and why.text().startswith("read-only")
    assert panel.option_widgets == {}
    panel.cards.setCurrentRow(0)  # the one cell: its form again, no read-only rows
    settle()
    assert "cell.units" in panel.option_widgets
    labels = [form.itemAt(r, QtWidgets.QFormLayout.ItemRole.LabelRole) for r in range(form.rowCount())]
    assert "cell 0" not in [item.widget().text() for item in labels if item is not None]


def test_cards_are_not_cut_off(window):
    st = window.state
    st.add_layer("TimeDistributed", None, 1)
    settle()
    panel = window.stack_panel
    delegate = panel.cards.itemDelegate()
    for row in range(panel.cards.count()):
        card = panel.cards.item(row).data(QtCore.Qt.ItemDataRole.UserRole + 2)
        width = panel.cards.viewport().width() - 28
        font = panel.cards.font()
        bold = QtGui.QFont(font)
        bold.setBold(True)
        fm = QtGui.QFontMetrics(bold)
        shown = card["title"] if fm.horizontalAdvance(card["title"] + "  " + card["params"]) <= width else card["short"]
        assert fm.horizontalAdvance(shown + "  " + card["params"]) <= width, shown
        small = QtGui.QFont(font)
        small.setPointSizeF(max(11.0, font.pointSizeF() * 0.9))
        for part in card["detail"].split("\n"):
            assert QtGui.QFontMetrics(small).horizontalAdvance(part) <= width, part
        assert delegate is not None


def test_every_lesson_step_fits_the_projector(window, qtbot):
    """Presentation mode at 1920x1080: no lesson step makes the window grow past the
    screen (long headers, written-out terms), and the Cell view's bars keep their room."""
    p = window.presenter
    p.fullscreen = False
    p.enter()
    window.resize(1920, 1080)
    settle()
    for k, les in enumerate(tours.LESSONS):
        p.tour.start(k)
        for n in range(len(les.steps)):
            if n:
                p.tour.next()
            settle()
            assert (window.width(), window.height()) == (1920, 1080), (les.title, n)
            if window.tabs.currentIndex() == 1:
                cell = window.views[1]
                shown = [bp.widget for bp in cell.bars.values() if bp.widget.isVisible()]
                assert shown and min(w.height() for w in shown) >= 120, (les.title, n)
        p.tour.end()


def test_cell_view_writes_the_terms_out(qtbot):
    st = one_layer(units=3, timesteps=4, input_dim=2)
    v = show(CellView, st, qtbot)
    assert not any(line.startswith("W_i·x_t =") for line in v.equation_lines())
    v.expand_box.setChecked(True)
    lines = v.equation_lines()
    wx = next(line for line in lines if line.startswith("W_i·x_t ="))
    assert wx.startswith("W_i·x_t = W_i[0]·x_t[0] + W_i[1]·x_t[1] = ")
    uh = next(line for line in lines if line.startswith("U_i·h_{t-1} ="))
    assert all(f"h_{{t-1}}[{j}]" in uh for j in range(3))
    assert "not independent" in v.eq_label.text()
    v.set_expanded(False)
    assert not v.expand_box.isChecked()


def test_form_switches_kind_and_add_goes_where_asked(window):
    panel = window.stack_panel
    st = window.state
    panel.cards.setCurrentRow(0)
    QtWidgets.QApplication.processEvents()
    combo = panel.option_widgets["class_name"]
    assert combo.currentText() == "LSTM"
    combo.setCurrentIndex(combo.findData("GRU"))
    QtWidgets.QApplication.processEvents()
    assert st.layers[0].class_name == "GRU" and st.layers[0].config["units"] == 8
    assert len(st.layers) == 3 and st.error is None
    panel.where_actions["at the top"].trigger()
    panel.add_actions["Dense"].trigger()
    assert st.layers[0].class_name == "Dense"
    st.undo()
    panel.where_actions["below the selected layer"].trigger()
    panel.cards.setCurrentRow(0)
    panel.add_actions["Masking"].trigger()  # a Masking goes first anyway
    assert st.layers[0].class_name == "Masking" and st.error is None
    for label in ("Activation", "Flatten", "RepeatVector"):
        assert label in panel.add_actions


def test_return_state_outputs_named_on_the_card(window):
    st = window.state
    st.set_layer_option(1, "return_state", True)
    QtWidgets.QApplication.processEvents()
    card = window.stack_panel.cards.item(1).data(QtCore.Qt.ItemDataRole.UserRole + 2)
    assert "output (None, 4), h (None, 4), c (None, 4)" in card["detail"]
    window.stack_panel.cards.setCurrentRow(1)
    QtWidgets.QApplication.processEvents()
    assert "h (None, 4), c (None, 4)" in window.stack_panel.info_label.text()


@pytest.mark.parametrize("case, pooled", [
    # (a channels_last GlobalAveragePooling1D after a Permute((2, 1)): each step's features)
    ("k3_cf_pooled_lstm", {"gap": ("over each step's features, keepdims", "(batch, steps)", "(batch, 1, steps)")}),
    # (channels_first after a Permute((2, 1)): the steps)
    ("k3_cf_global_pooling", {"gap": ("over the steps", "(batch, features)", "(batch, features, 1)"),
                              "gmp": ("over the steps", "(batch, features)", "(batch, features, 1)")}),
    # (a channels_first GlobalMaxPooling1D over (batch, steps, features): each step's
    # features; a channels_last one without a Permute: the steps)
    (None, {"cf": ("over each step's features, keepdims", "(batch, steps)", "(batch, steps, 1)"),
            "cl": ("over the steps", "(batch, features)", "(batch, 1, features)")})])
def test_global_pooling_said_over_what_it_pools(window, case, pooled):
    """A global pooling's words on its card and in the Unrolled view's say what it pools
    where it stands (``cell_ref.layer_words``): the steps, or each step's features where its
    input holds the steps on the axis it keeps (not "over the steps" there); so does its
    keepdims option's tip in the side panel's form, with the shapes it gives there (it said
    "the mean of every feature over the steps: (batch, steps, features) becomes (batch,
    features)" wherever it stood)."""
    import lstmviz
    from helpers import FIXTURES, tip_text
    from lstmviz.app.accessible import unrolled_view
    from lstmviz.app.selection import Cursor
    from lstmviz.engine import LayerSpec, Model

    if case is not None:
        model = lstmviz.load(FIXTURES / case / "model.keras", isolate=False)
        x = np.load(FIXTURES / case / "x.npy")
    else:
        model = Model.sequential((None, 6, 3), [
            LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="lstm"),
            LayerSpec("GlobalMaxPooling1D", {"data_format": "channels_first", "keepdims": True}, name="cf"),
            LayerSpec("GlobalAveragePooling1D", {}, name="cl")], seed=0)
        x = np.random.default_rng(0).normal(size=(2, 6, 3)).astype(np.float32)
    window.state.set_model(model)
    window.state.set_input_data(x)
    settle()
    cards = window.stack_panel.cards
    details = {}
    for i in range(cards.count()):
        card = cards.item(i).data(QtCore.Qt.ItemDataRole.UserRole + 2)
        details[card["title"].split()[-1]] = card["detail"].split("\n")[0]
    said = unrolled_view(model, window.state.trace, Cursor(layer="lstm", step=0, unit=0))
    panel = window.stack_panel
    for name, (words, becomes, kept) in pooled.items():
        kind = model.get_layer(name).class_name
        assert details[name] == words, details
        assert f"{name} ({kind}, {words})" in said, said
        cards.setCurrentRow(next(i for i in range(cards.count())
                                 if cards.item(i).data(QtCore.Qt.ItemDataRole.UserRole + 2)["title"]
                                 .split()[-1] == name))
        QtWidgets.QApplication.processEvents()
        box = panel.option_widgets["keepdims"]
        over = words.split(", keepdims")[0]
        for about in (box.toolTip(), panel.form_layout.labelForField(box).toolTip()):
            about = tip_text(about)
            if over == "over the steps":
                assert about.startswith(f"{kind}: the ") and "over the steps: " in about, about
            else:
                assert about.startswith(f"{kind}, here {over}: "), about
                assert "over the steps" not in about, about
            assert f"becomes {becomes}" in about and f"length 1, {kept}, instead" in about, about


def test_cell_bar_titles_are_not_cut_off(qtbot):
    """x_t's title read "input step" with its number cut off at the widget's edge."""
    st = one_layer(units=6, timesteps=20, input_dim=1)
    st.set_cursor(step=6)
    v = show(CellView, st, qtbot, size=(1230, 800))
    for key, bp in v.bars.items():
        if not bp.widget.isVisible():
            continue
        # (the nine charts share one view: each chart's own coordinates, its cell's width)
        geo = bp.plot.titleLabel.mapRectToItem(bp.plot, bp.plot.titleLabel.boundingRect())
        assert bp.plot.size().width() == bp.widget.width(), key
        assert geo.right() <= bp.widget.width() + 1, (key, bp.plot.titleLabel.text)
        # the title's second row (this step's number) is an item of its own
        row = bp.value_item.mapRectToItem(bp.plot, bp.value_item.boundingRect())
        assert row.left() >= -1 and row.right() <= bp.widget.width() + 1, (key, bp.value_item.text())
    # (one feature: x_t's value, as over every other chart; the header says the input step)
    assert v.bars["x"].value_item.text() == fmt(np.asarray(st.x)[0, 6, 0], 3)


def test_lecture_keys_from_a_spin_box_as_a_display_delivers_them(window, qtbot):
    """Under a real display a key reaches the window's QWindow before the focused spin box
    (keyClick on the spin box skips that): the lecture keys' filter took the key there and
    dropped it, so in the app F5, PgDn and L did nothing while a spin box had the focus."""
    from PySide6.QtTest import QTest

    p = window.presenter
    p.fullscreen = False
    handle = window.windowHandle()
    p.tour.start(0)
    settle()
    spin = focus_units_spin(window)
    units = spin.value()
    QTest.keyClick(handle, QtCore.Qt.Key.Key_PageDown)
    settle()
    assert p.tour.index == 1, "PgDn from the spin box went nowhere"
    assert spin.value() == units
    p.tour.end()
    settle()
    spin = focus_units_spin(window)
    QTest.keyClick(handle, QtCore.Qt.Key.Key_F5)
    settle()
    assert p.active, "F5 from a spin box starts presentation mode"
    p.leave()
    settle()
    spin = focus_units_spin(window)
    spin.lineEdit().selectAll()
    QTest.keyClick(handle, QtCore.Qt.Key.Key_5)  # other keys still edit the spin box
    QTest.keyClick(handle, QtCore.Qt.Key.Key_Return)
    settle()
    assert window.state.layers[0].config["units"] == 5
