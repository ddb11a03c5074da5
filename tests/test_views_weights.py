"""WeightsView: matrices are the layer's weights, split into the engine's gate blocks."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui

from helpers import demo_at_least_size, settle
from lstmviz.app.selection import Cursor
from lstmviz.engine import LayerSpec, Model
from lstmviz.ui.views._common import fmt
from lstmviz.ui.views.weights import WeightsView


def build(layers, T=5, d=3, seed=0):
    model = Model.sequential((None, T, d), layers, seed=seed)
    x = np.random.default_rng(seed).normal(size=(1, T, d)).astype(np.float32)
    return model, model.trace(x)


@pytest.fixture
def view(qtbot):
    v = WeightsView()
    qtbot.addWidget(v)
    return v


def blocks_drawn(view, name, k, u):
    img = view.images[name].image
    return [img[:, g * u:(g + 1) * u] for g in range(k)]


def test_lstm_gate_blocks_formula_and_hover(view):
    model, trace = build([LayerSpec("LSTM", {"units": 4}), LayerSpec("Dense", {"units": 2})])
    layer = model.get_layer("lstm")
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="lstm"))
    blocks = layer.gate_blocks()
    for name in ("kernel", "recurrent_kernel"):
        for g, letter in enumerate("ifco"):
            np.testing.assert_array_equal(blocks_drawn(view, name, 4, 4)[g], blocks[f"{name}_{letter}"])
    np.testing.assert_array_equal(view.images["bias"].image[0, 4:8], blocks["bias_f"])
    assert layer.param_formula() in view.formula.text()
    assert "kernel (3, 16)" in view.matrices[0].plot.titleLabel.text
    sep = [l.value() for l in view.matrices[1].separators if l.isVisible()]
    assert sep == [3.5, 7.5, 11.5]
    text = view.hover_text("recurrent_kernel", 6, 2)
    assert text.startswith("recurrent_kernel[2, 6] · gate f (forget gate), unit 2 · value ")
    for m, name in enumerate(("kernel", "recurrent_kernel", "bias")):  # each on its own scale
        lo, hi = view.images[name].levels
        assert lo == -hi == -float(np.abs(layer.weights[m]).max())
        assert tuple(view.matrices[m].colorbar.levels()) == (lo, hi)


def test_gru_reset_after_bias_rows_and_dense(view):
    model, trace = build([LayerSpec("GRU", {"units": 2, "return_sequences": True}),
                          LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 3}}})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="gru"))
    np.testing.assert_array_equal(view.images["bias"].image, model.get_layer("gru").weights[2])
    assert view.images["bias"].image.shape == (2, 6)
    view.set_cursor(Cursor(layer="time_distributed"))
    assert set(view.images) == {"kernel", "bias"}
    np.testing.assert_array_equal(view.images["kernel"].image, model.get_layer("time_distributed").weights[0])
    assert not any(l.isVisible() for l in view.matrices[0].separators)


def test_a_bias_of_zeros_reads_a_scale_of_one(view):
    """A GRU's initial bias is all zeros: its colour bar read "1e-06, 5e-07, 0, -5e-07,
    -1e-06" (lesson 7), as if its numbers were of that size. It reads a scale of 1, every
    cell in the middle colour."""
    model, trace = build([LayerSpec("GRU", {"units": 4})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="gru"))
    assert not np.any(model.get_layer("gru").weights[2])
    bias = next(m for m in view.matrices if m.name == "bias")
    assert tuple(bias.colorbar.levels()) == (-1.0, 1.0)
    labels = [text for _, level in bias.colorbar.axis.tickValues(-1.0, 1.0, 100) for text in
              bias.colorbar.axis.tickStrings(level, 1.0, 1.0)]
    assert labels and not any("e-" in text for text in labels), labels


def test_bidirectional_toggle(view, qtbot):
    model, trace = build([LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 2}}})])
    layer = model.get_layer("bidirectional")
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="bidirectional", side="forward"))
    blocks = layer.gate_blocks()
    np.testing.assert_array_equal(blocks_drawn(view, "kernel", 3, 2)[1], blocks["forward/kernel_r"])
    with qtbot.waitSignal(view.side_requested) as blocker:
        view.side_buttons["backward"].click()
    assert blocker.args == ["backward"]
    np.testing.assert_array_equal(blocks_drawn(view, "kernel", 3, 2)[1], blocks["backward/kernel_r"])
    with qtbot.waitSignal(view.unit_requested) as blocker:
        view.click_weight("kernel", 3, 0)
    assert blocker.args == [1]


@pytest.mark.parametrize("size,want", [((1920, 1080), ["kernel_i", "recurrent_kernel_i", "bias_i"]),
                                       ((1280, 720), ["kernel_i", "U_i", "bias_i"])])
def test_every_gate_label_fits_its_block_in_the_projector_theme(projector_demo, size, want):
    """At a projector's 1280x720 'recurrent_kernel_i' was wider than its block and was cut
    at the separators ('ecurrent_kerne'): the longest of its names that fits is shown. Over
    a one-row kernel or bias the label's box lets the weights under it be seen."""
    _, view = projector_demo("Weights", step=3, size=size)
    shown = [m for m in view.matrices if m.name is not None]
    assert [m.name for m in shown] == ["kernel", "recurrent_kernel", "bias"]
    see_through: set[str] = set()
    for m, first in zip(shown, want):
        labels = [lab for lab in m.labels if lab.isVisible()]
        assert [lab.toPlainText() for lab in labels][0] == first
        (x0, x1), _ = m.plot.vb.viewRange()
        for g, lab in enumerate(labels):
            block = m.plot.vb.mapViewToScene(pg.Point(g * view.units - 0.5, 0)).x(), \
                m.plot.vb.mapViewToScene(pg.Point((g + 1) * view.units - 0.5, 0)).x()
            text = lab.textItem.sceneBoundingRect()
            assert block[0] - 0.5 <= text.left() and text.right() <= block[1] + 0.5, lab.toPlainText()
            if _seen_under_label(m, lab, view.theme):
                see_through.add(m.name)
    assert see_through == {"kernel", "bias"}  # (one row each; the recurrent kernel's 8 under opaque boxes)


def _seen_under_label(m, lab, theme) -> bool:
    """Whether the weight under a gate label's box, off its letters (under the first
    letter's foot), is seen: its pixel nearer the weight's own colour than a box of the
    theme's background at ``LABEL_ALPHA`` over it would leave it (the labels' box hid most
    of a 1- or 2-row kernel's weights at 1024 x 768 presenting). Checked where the labels
    cover more than ``SEE_THROUGH`` of the matrix's height; elsewhere the box is opaque."""
    from lstmviz.ui.views.weights import LABEL_ALPHA, SEE_THROUGH

    box = lab.textItem.sceneBoundingRect()
    if QtGui.QFontMetricsF(lab.textItem.font()).height() <= SEE_THROUGH * m.plot.vb.height():
        return False
    at = QtCore.QPointF(box.left() + 2.5, box.bottom() - 1.5)  # (below the "k"'s or "b"'s foot)
    img = m.widget.grab().toImage()
    seen = img.pixelColor(m.widget.mapFromScene(at))
    data = m.plot.vb.mapSceneToView(at)
    m.image.render()
    own = m.image.qimage.pixelColor(round(data.x()), round(data.y()))
    bg = pg.mkColor(theme.background)
    a = LABEL_ALPHA / 255

    def gap(c):
        return max(abs(c[k] - v) for k, v in enumerate(own.getRgb()[:3]))

    boxed = [a * b + (1 - a) * o for b, o in zip(bg.getRgb()[:3], own.getRgb()[:3])]
    assert gap(boxed) > 12, (m.name, lab.toPlainText())  # (a weight the box would hide)
    assert gap(seen.getRgb()[:3]) < 0.75 * gap(boxed), (m.name, lab.toPlainText(), seen.name(), own.name())
    return True


@pytest.mark.parametrize("theme", ["dark", "projector"])
@pytest.mark.parametrize("units", [6, 128])
def test_column_j_of_w_u_and_b_stand_one_above_the_other(qtbot, theme, units):
    """The bias has no axis title: its plot began ~20 px further left than the kernels',
    so a gate's columns in b stood off those of W and U above them. Every matrix's column
    j is now at one x on screen (first and last column, in window coordinates)."""
    v = WeightsView(theme=theme)
    qtbot.addWidget(v)
    v.resize(1100, 800)
    v.show()
    model, trace = build([LayerSpec("LSTM", {"units": units})], d=120)
    v.set_data(model, trace)
    v.set_cursor(Cursor(layer="lstm"))
    qtbot.waitUntil(lambda: all(m.plot.vb.width() > 100 for m in v.matrices[:3]))
    pg.QtWidgets.QApplication.processEvents()
    cols = 4 * units
    xs = []
    for m in v.matrices[:3]:
        vb = m.plot.vb
        ends = [vb.mapViewToScene(pg.Point(c, 0)).x() for c in (0, cols - 1)]
        left = m.widget.mapTo(v, pg.QtCore.QPoint(0, 0)).x()  # (the scene is the widget's own)
        xs.append([left + x for x in ends])
    for a, b in zip(xs, xs[1:]):  # (to within the rounding of a layout in whole pixels)
        assert abs(a[0] - b[0]) <= 1 and abs(a[1] - b[1]) <= 1, xs
    v.grab()  # painted: each axis has measured its labels (pyqtgraph's textWidth)
    for m in v.matrices[:3]:  # nothing cut: each axis at least as wide as its labels need
        axis = m.plot.getAxis("left")
        assert axis.width() >= axis.textWidth + axis.style["tickTextOffset"][0], m.name


@pytest.mark.parametrize("size,theme,want", [((1280, 720), "projector", ["input feature", "from unit"]),
                                             ((1024, 600), "dark", ["feature", "from unit"])])
def test_the_rows_label_is_seen_whole_or_in_a_shorter_form(projector_demo, size, theme, want):
    """The rows' label runs past its heatmap over the title and the step axis; at 1024 x 600
    beside the side panel "input feature" ran past its widget's edges as well, cut to
    "nput featur". The longest of its names seen whole is shown ("feature"), none where
    none is; where there is room, the whole name."""
    _, view = projector_demo("Weights", step=3, size=size, theme=theme)
    shown = [m for m in view.matrices if m.name in ("kernel", "recurrent_kernel")]
    got = []
    for m in shown:
        axis = m.plot.getAxis("left")
        r = m.widget.mapFromScene(axis.label.mapRectToScene(axis.label.boundingRect())).boundingRect()
        assert axis.label.isVisible() and 0 <= r.top() and r.bottom() <= m.widget.viewport().height()
        got.append(axis.labelText)
    assert got == want


def test_a_nan_or_infinite_weight_is_drawn_keyed_and_read_as_what_it_is(view):
    """A weight of NaN was left clear (the background showed through, an empty cell) and
    its hover read "value nan"; one infinity put every other weight of its matrix at the
    colour bar's ends (levels of 1e-6). Now a NaN is drawn in the theme's NaN colour with a
    "NaN" key under the colour bar, and hovers as NaN; the levels are the finite weights',
    an infinity drawn in the bar's end colour and said so."""
    from lstmviz.ui import theme as th

    model, trace = build([LayerSpec("LSTM", {"units": 4})])
    kernel = model.layers[0].weights[0]
    finite = float(np.abs(kernel).max())
    kernel[0, 2], kernel[1, 3] = np.nan, np.inf
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="lstm"))
    slot = view.matrices[0]
    assert slot.nan_key.isVisible() and not view.matrices[1].nan_key.isVisible()
    assert tuple(slot.colorbar.levels()) == (-finite, finite)
    slot.image.render()
    assert slot.image.qimage.pixelColor(2, 0).name() == th.get(view.theme).nan
    assert slot.image.qimage.pixelColor(2, 0).alpha() == 255
    top = th.diverging_cmap(view.theme).getLookupTable(nPts=256)[-1, :3]
    assert slot.image.qimage.pixelColor(3, 1).getRgb()[:3] == tuple(int(c) for c in top)
    assert view.hover_text("kernel", 2, 0).endswith("· value NaN (no number: the magenta key)")
    assert view.hover_text("kernel", 3, 1).endswith("· value inf (past the colour bar: its end colour)")


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_at_the_windows_least_size_no_gate_label_hides_a_matrix_and_titles_stay_on_their_plots(qapp, theme):
    """At the window's least size beside the side panel the recurrent kernel's 8 rows had
    22 px under gate labels 20 px tall (decoration over the data), and its title ran past
    both ends of its plot, under the colour bar. Where the labels would cover more than
    ``LABEL_SHARE`` of a matrix they name the gates in its columns' axis instead (the
    column numbers give way), and each title is the longest of its forms its plot holds.
    (The window's least height is no longer the matrices': where the view is shorter, its
    page scrolls, ``TallPage``, its scroll bar taking 14 px of the width; here the window
    is at its least width and as tall as the page needs without scrolling, as its least
    size was.)"""
    from PySide6 import QtGui

    from lstmviz.ui.views.weights import LABEL_SHARE

    with demo_at_least_size("Weights", theme) as (w, view):
        scroll = view.page_scroll
        w.resize(w.width(), w.height() + max(0, scroll.widget().minimumSizeHint().height() - scroll.height()))
        settle()
        assert not scroll.verticalScrollBar().isVisible()
        shown = [m for m in view.matrices if m.name is not None]
        assert len(shown) == 3
        below = 0
        for m in shown:
            image = m.plot.vb.sceneBoundingRect()
            labels = [lab for lab, forms in zip(m.labels, m.label_forms) if forms]
            ticks = [text for _, text in m.plot.getAxis("bottom")._tickLevels[0]]
            if m.gates_below:
                below += 1
                assert not any(lab.isVisible() for lab in labels) and ticks == ["i", "f", "c", "o"], m.name
            else:
                assert all(lab.isVisible() for lab in labels)
                tall = max(QtGui.QFontMetricsF(lab.textItem.font()).height() for lab in labels)
                assert tall <= LABEL_SHARE * image.height()
                assert all(t.isdigit() for t in ticks)
            title = m.plot.titleLabel.item.sceneBoundingRect()
            plot = m.plot.sceneBoundingRect()
            assert title.left() >= plot.left() - 1 and title.right() <= plot.right() + 1, (m.name, title, plot)
        assert below >= 1  # (the recurrent kernel's, at least)


def test_a_stack_of_cells_shows_every_cells_weights_in_its_gate_blocks(view, qtbot):
    """Keras' RNN([GRUCell(3), SimpleRNNCell(2)]) holds six arrays; the view has room for
    four matrices and drew the first four (cell_0's three and cell_1's kernel), without
    gate blocks: cell_1's recurrent kernel and bias, counted in "params = 84", were nowhere.
    Each cell is now shown on its own (a button each), as a layer of its kind: its three
    matrices, its gate blocks and labels, its parameter formula, hovers on its weights."""
    cells = [{"class_name": "GRUCell", "config": {"units": 3}},
             {"class_name": "SimpleRNNCell", "config": {"units": 2}}]
    model, trace = build([LayerSpec("RNN", {"cell": cells}), LayerSpec("Dense", {"units": 1})])
    layer = model.layers[0]
    named = layer.named_weights()
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer=layer.name))
    assert view.cell_box.isVisibleTo(view) and not view.side_box.isVisibleTo(view)
    assert [b.text() for b in view.cell_box.buttons] == ["cell 0", "cell 1"]
    assert [b.toolTip() for b in view.cell_box.buttons] == ["cell 0: GRUCell(3)", "cell 1: SimpleRNNCell(2)"]
    drawn = {}
    for k, cell in enumerate(layer.cells):
        view.cell_box.buttons[k].click()
        assert view.cell_box.buttons[k].isChecked()
        assert set(view.images) == {"kernel", "recurrent_kernel", "bias"}
        for name, image in view.images.items():
            want = named[f"cell_{k}/{name}"]
            np.testing.assert_array_equal(image.image, want if want.ndim == 2 else want.reshape(1, -1))
            drawn[f"cell_{k}/{name}"] = True
        assert cell.param_formula() in view.formula.text() and f"cell {k} (" in view.formula.text()
        assert f"({cell.cell.cell_class} in RNN)" in view.formula.text()
        kernel = view.matrices[0]
        letters = [forms[-1] for forms in kernel.label_forms if forms]
        assert letters == (["z", "r", "h"] if k == 0 else [])
        col = cell.units + 1 if k == 0 else 1
        text = view.hover_text("kernel", col, 2)
        assert text.startswith(f"kernel[2, {col}] · ")
        assert text.endswith(f"value {fmt(named[f'cell_{k}/kernel'][2, col], 4)}")
        if k == 0:
            assert "gate r (reset gate), unit 1" in text
    assert set(drawn) == set(named)  # every weight the layer counts, drawn
    view.set_cursor(Cursor(layer="dense"))  # another layer: no cell buttons
    assert not view.cell_box.isVisibleTo(view)


def test_a_two_row_bias_says_which_row_is_the_recurrent_one(qapp, tmp_path):
    """A GRU's bias (reset_after) has two rows, input b and recurrent b'. Only the title's
    whole form said so, and at 1024 x 768 presenting the title was "bias": the hover over
    row 1 read "bias[1, 5] · gate r (reset gate), unit 1", as row 0's did. The hover now
    names the row's bias (input b_r, recurrent b'_r) with its value, and the title's short
    form keeps the rows' names."""
    from lstmviz.io.keras_writer import save_keras
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, render

    model = Model.sequential((None, 12, 3), [LayerSpec("GRU", {"units": 4}), LayerSpec("Dense", {"units": 1})],
                             seed=3)
    model.layers[0].weights[2][...] = np.random.default_rng(1).normal(size=(2, 12))  # (not zeros)
    path = save_keras(model, tmp_path / "gru.keras")
    w = make_window(str(path), theme="projector", quiet=True)
    try:
        w.tabs.setCurrentIndex(next(i for i, v in enumerate(w.views) if v.title == "Weights"))
        render(w, tmp_path / "shot.png", step=3, size=(1024, 768))
        view = w.views[w.tabs.currentIndex()]
        bias = w.state.model.get_layer("gru").weights[2]
        for row, says in ((0, "input bias b_r"), (1, "recurrent bias b'_r")):
            text = view.hover_text("bias", 5, row)
            assert text == f"bias[{row}, 5] · {says} · gate r (reset gate), unit 1 · value {fmt(bias[row, 5], 4)}"
        slot = next(m for m in view.matrices if m.name == "bias")
        shown = slot.plot.titleLabel.item.toPlainText()
        assert "b'" in shown and "b" in shown.replace("bias", ""), shown
        assert slot.plot.titleLabel.item.boundingRect().width() <= slot.plot.vb.width() + 1
    finally:
        dispose(w)
        th.apply("dark", qapp)


@pytest.mark.parametrize("backward", [None, {"class_name": "LSTM", "config": {"units": 5, "go_backwards": True}},
                                      {"class_name": "GRU", "config": {"units": 2, "go_backwards": True,
                                                                       "use_bias": False}}])
def test_a_bidirectionals_formula_adds_up_to_its_count(view, backward):
    """Bidirectional(LSTM(3), backward_layer=GRU(5, use_bias=False)) read "params =
    2·[4·(d·u + u·u + u)] = 2·[4·(3·3 + 3·3 + 3)] = 204": twice the forward half's, which
    is 168. Halves of their own are now written each with its own numbers, and the
    numbers shown compute the count shown."""
    config = {"layer": {"class_name": "LSTM", "config": {"units": 3}}}
    if backward is not None:
        config["backward_layer"] = backward
    model, trace = build([LayerSpec("Bidirectional", config)])
    layer = model.layers[0]
    view.set_data(model, trace)
    for side in ("forward", "backward"):
        view.set_cursor(Cursor(layer=layer.name, side=side))
        text = view.formula.text()
        formula = text.split("params = <b>", 1)[1].split("</b>", 1)[0]
        *_, numbers, total = formula.split(" = ")
        assert int(total.replace(",", "")) == layer.count_params()
        assert eval(numbers.replace("·", "*").replace("[", "(").replace("]", ")")) == layer.count_params(), formula
        for half in (layer.forward_layer, layer.backward_layer):  # (each half's own numbers)
            assert half.param_formula().split(" = ")[1] in formula


def test_a_stack_of_cells_keeps_the_window_within_800_x_600(qapp, tmp_path):
    """The cell buttons of RNN([GRUCell(3), SimpleRNNCell(2)]) read "cell_0 GRUCell(3)" and
    "cell_1 SimpleRNNCell(2)": side by side they gave the Weights view a least width of
    466 px, and at 800 x 600 presenting the window was drawn 916 x 687. The buttons name
    their cells (the formula and their tooltips the class): the window keeps its size."""
    from pathlib import Path

    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, render

    w = make_window(str(Path(__file__).parent / "fixtures" / "k3_rnn_cells" / "model.keras"),
                    theme="projector", quiet=True)
    try:
        k = next(i for i, v in enumerate(w.views) if v.title == "Weights")
        w.tabs.setCurrentIndex(k)
        w.state.set_cursor(layer="rnn_stacked")
        render(w, tmp_path / "shot.png", step=0, size=(800, 600))
        view = w.views[k]
        assert view.cell_box.isVisible() and len(view.cell_box.buttons) == 2
        assert (w.width(), w.height()) == (800, 600)
    finally:
        dispose(w)
        th.apply("dark", qapp)


def test_a_one_dimensional_weight_is_hovered_by_one_index(view):
    """An ONNX graph's Add of a constant vector (dense_2_1.BiasAdd's add_0, shape (2,)) is
    drawn as one row; its hover read "add_0[0, 1]", an index its array does not have (only
    a weight named bias was read by one). A weight of one axis is hovered by one index,
    with its value."""
    from pathlib import Path

    import lstmviz

    case = Path(__file__).parent / "fixtures" / "onnx_keras_bidi_lstm_seq"
    model = lstmviz.load(case / "model.onnx")
    trace = model.trace(np.load(case / "x.npy"))
    add = model.get_layer("dense_2_1.BiasAdd").named_weights()["add_0"]
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="dense_2_1.BiasAdd"))
    assert view.hover_text("add_0", 1, 0) == f"add_0[1] · output 1 · value {fmt(add[1], 4)}"


def test_a_later_cell_of_a_stack_names_its_kernels_rows_as_the_cell_befores_units(view):
    """cell_1 of RNN([GRUCell(3), SimpleRNNCell(2)]) steps through cell_0's outputs, but its
    kernel's rows were labelled "input feature" and its title "kernel W (input → h)": they
    are cell_0's units ("from cell_0 unit", the title and hover saying so); cell_0's are the
    layer's input features."""
    cells = [{"class_name": "GRUCell", "config": {"units": 3}},
             {"class_name": "SimpleRNNCell", "config": {"units": 2}},
             {"class_name": "LSTMCell", "config": {"units": 2}}]
    model, trace = build([LayerSpec("RNN", {"cell": cells})], d=4)
    layer = model.layers[0]
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer=layer.name))
    for k, rows in ((0, 4), (1, 3), (2, 2)):
        view.show_cell(k)
        kernel = next(m for m in view.matrices if m.name == "kernel")
        assert kernel.array.shape[0] == rows
        label = kernel.plot.getAxis("left").labelText
        title = kernel.titles[0]
        text = view.hover_text("kernel", 1, rows - 1)
        if k == 0:
            assert kernel.left_forms[0] == "input feature" and label in kernel.left_forms
            assert "input →" in title and "from cell" not in text
        else:
            # (the cell named as the buttons and headers name it: "cell 0", ``cell_ref.cell_name``)
            assert kernel.left_forms == (f"from cell {k - 1} unit", f"cell {k - 1} unit", "unit")
            assert label in kernel.left_forms and "feature" not in label
            assert f"cell {k - 1}'s h →" in title and "input" not in title
            assert f" · from cell {k - 1} unit {rows - 1} · " in text


def test_a_torch_layer_says_how_its_arrays_became_keras(make_window):
    """A PyTorch state_dict's GRU is drawn in Keras' gate order z, r, h (torch's is r, z, n)
    with its two biases as rows, and an LSTM's bias is torch's bias_ih + bias_hh summed: the
    view drew them without a word of it. Beside the formula it now says so (what it says
    checked against the file's own arrays), while the layer holds the file's weights: an
    edit that draws them anew leaves it out, undo brings it back; a Keras model has none."""
    from pathlib import Path

    from lstmviz.io.torch_state import load_torch_object

    fixtures = Path(__file__).parent / "fixtures"
    w = make_window((1280, 800))
    k = next(i for i, v in enumerate(w.views) if v.title == "Weights")
    w.tabs.setCurrentIndex(k)
    view = w.views[k]

    def shown(layer):  # (the note: in the formula's tooltip, see the test below)
        w.state.set_cursor(layer=layer)
        return ({m.name: m.array for m in view.matrices if m.name is not None},
                view.formula.text() + view.formula.label.toolTip())

    def opened(fixture, layer):  # the file's state_dict; the layer's arrays and texts shown
        path = fixtures / fixture / "model.pt"
        assert w.open_file(path)
        return (load_torch_object(path)[0], *shown(layer))

    # GRU: torch's r, z, n blocks reordered into z, r, h; bias rows b = bias_ih, b' = bias_hh
    sd, arrays, text = opened("torch_gru_1layer", "gru")
    assert ("PyTorch nn.GRU: W = weight_ih_l0ᵀ, U = weight_hh_l0ᵀ, torch's gate order r, z, n reordered "
            "into Keras' z, r, h; bias rows: b = bias_ih_l0, b' = bias_hh_l0 (reordered the same way)") in text
    u = view.units

    def torch_blocks(key):  # torch's r, z, n thirds of an array, by letter
        return dict(zip("rzn", np.split(sd[key], 3)))

    kernel, bias_ih, bias_hh = (torch_blocks(f"gru.{k}_l0") for k in ("weight_ih", "bias_ih", "bias_hh"))
    for g, letter in enumerate("zrn"):
        cols = slice(g * u, (g + 1) * u)
        np.testing.assert_array_equal(arrays["kernel"][:, cols], kernel[letter].T)
        np.testing.assert_array_equal(arrays["bias"][0, cols], bias_ih[letter])
        np.testing.assert_array_equal(arrays["bias"][1, cols], bias_hh[letter])
    # LSTM: the same gate order (g is c), one bias: the two summed
    sd, arrays, text = opened("torch_lstm_1layer", "lstm")
    assert ("PyTorch nn.LSTM: W = weight_ih_l0ᵀ, U = weight_hh_l0ᵀ, torch's gates i, f, g, o are Keras' "
            "i, f, c, o; b = bias_ih_l0 + bias_hh_l0, torch's two biases summed into Keras' one") in text
    np.testing.assert_array_equal(arrays["kernel"], sd["lstm.weight_ih_l0"].T)
    np.testing.assert_allclose(arrays["bias"][0], sd["lstm.bias_ih_l0"] + sd["lstm.bias_hh_l0"], rtol=1e-6)
    assert "PyTorch" not in shown("fc")[1]  # (a Linear head: transposed, nothing reordered)
    w.state.set_layer_option(0, "units", 5)  # new weights drawn: not the file's
    assert "PyTorch" not in shown("lstm")[1]
    w.state.undo()
    assert "torch's two biases summed" in shown("lstm")[1]
    assert w.open_file(fixtures / "k3_rnn_cells" / "model.keras")
    assert "PyTorch" not in shown("rnn_lstm")[1]


def test_a_torch_layers_note_is_one_word_beside_the_formula_its_whole_text_in_the_tooltip(make_window):
    """At 800 x 600 the note of a PyTorch state_dict's GRU ("PyTorch nn.GRU: W =
    weight_ih_l0ᵀ, ... torch's gate order r, z, n reordered into Keras' z, r, h; ...") took
    a line of its own under the formula, cut to "PyTorch nn.GRU: W = weight_ih_l0ᵀ, U =…",
    from the matrices' room. The formula ends in "· PyTorch" (and "(hover)" in the window),
    the whole note in the formula's tooltip: the formula keeps its two lines."""
    from pathlib import Path

    from PySide6 import QtGui, QtWidgets

    w = make_window((800, 600))
    k = next(i for i, v in enumerate(w.views) if v.title == "Weights")
    w.tabs.setCurrentIndex(k)
    view = w.views[k]
    assert w.open_file(Path(__file__).parent / "fixtures" / "torch_gru_1layer" / "model.pt")
    w.state.set_cursor(layer="gru")
    QtWidgets.QApplication.processEvents()
    text = view.formula.text()
    assert "<i>PyTorch</i>" in text and "weight_ih_l0" not in text
    assert view.layout_note is not None and view.layout_note.startswith("PyTorch nn.GRU: W = weight_ih_l0")
    tip = QtGui.QTextDocumentFragment.fromHtml(view.formula.label.toolTip()).toPlainText()
    assert view.layout_note in tip
    line = view.formula.line_height()
    assert view.formula.height() <= 2 * line + 1, (view.formula.height(), line)
    # the 3-row kernel's rows: a tick each, "0" and "2" labelled (it said "0" alone)
    kernel = next(m for m in view.matrices if m.name == "kernel")
    major, minor = kernel.plot.getAxis("left")._tickLevels
    assert [t for _, t in major] == ["0", "2"] and [v for v, _ in minor] == [1.0], (major, minor)
    w.state.set_cursor(layer="fc")  # (a Linear head: no note, no tooltip of one)
    assert "PyTorch" not in view.formula.text() and view.formula.label.toolTip() == ""


def test_a_small_matrixs_rows_have_a_tick_each_and_the_labels_that_fit(view):
    """cell_1 of RNN([GRUCell(3), SimpleRNNCell(2)]) at 800 x 600: its 3-row kernel, 26 px
    high, said "0" alone on its rows' axis (the labels were counted as if spread over the
    axis, a font's ascent each). The labels are every k-th row whose digits stand apart
    ("0" and "2" there), each where rows are tall enough, the first alone where none are
    (a tick mark at every row: the test above)."""
    from lstmviz.ui.plot_tools import _row_labels

    cells = [{"class_name": "GRUCell", "config": {"units": 3}},
             {"class_name": "SimpleRNNCell", "config": {"units": 2}}]
    model, trace = build([LayerSpec("RNN", {"cell": cells})], d=4)
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer=model.layers[0].name))
    view.show_cell(1)
    kernel = next(m for m in view.matrices if m.name == "kernel")
    axis = kernel.plot.getAxis("left")
    given = [(float(i), str(i)) for i in range(3)]
    for height, want in ((26, ["0", "2"]), (60, ["0", "1", "2"]), (12, ["0"])):
        axis.resize(axis.width(), height)
        labelled = _row_labels(axis, 3, given)
        assert [t for _, t in labelled] == want, (height, labelled)


def test_index_axes_of_a_layer_of_thousands_of_units_write_counts_as_the_app_does(view, qtbot):
    """A SimpleRNN(1200)'s matrices: their row and column axes labelled "1000" where every
    other axis of counts (and the header, the hover) writes "1,000"; and the comma's tail
    of a column axis is drawn whole (pyqtgraph clips a label to its axis)."""
    from PySide6 import QtWidgets

    from helpers import axis_labels, labels_cut
    from lstmviz.app.counts import tick_labels

    model, trace = build([LayerSpec("SimpleRNN", {"units": 1200})], T=2)
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="simple_rnn"))
    view.resize(1400, 1000)
    view.show()
    qtbot.waitExposed(view)
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    seen = []
    for matrix in view.matrices:
        for side in ("left", "bottom"):
            axis = matrix.plot.getAxis(side)
            if axis._tickLevels is None:  # (the bias's one row: no count to write)
                continue
            ticks = [(v, t) for v, t in axis._tickLevels[0] if t]
            assert [t for _, t in ticks] == tick_labels(v for v, _ in ticks), (side, ticks)
            seen += [t for _, t in ticks]
            assert labels_cut(axis) == [], (side, labels_cut(axis))
        assert all(t for _, t in axis_labels(matrix.plot.getAxis("bottom")))
    assert "1,000" in seen


def _shown(view, name):
    return next(m for m in view.matrices if m.name == name)


@pytest.mark.parametrize("groups", [1, 2])
def test_a_conv1d_kernel_is_drawn_per_tap_rows_input_channel_columns_filter(view, groups):
    # Conv1D kernel (3 taps, 8 channels / groups, 8 filters): a block of filters per tap
    model, trace = build([LayerSpec("Conv1D", {"filters": 8, "kernel_size": 3, "groups": groups})], T=6, d=8)
    layer = model.get_layer("conv1d")
    kernel = layer.weights[0]
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="conv1d"))
    m = _shown(view, "kernel")
    per = 8 // groups
    assert view.images["kernel"].image.shape == (per, 3 * 8)
    for j in range(3):  # tap j's block: rows the input channels, columns the filters
        np.testing.assert_array_equal(view.images["kernel"].image[:, j * 8:(j + 1) * 8], kernel[j])
    assert [line.value() for line in m.separators if line.isVisible()] == [7.5, 15.5]
    assert [lab.toPlainText() for lab in m.labels if lab.isVisible()] == ["tap 0", "tap 1", "tap 2"]
    assert m.left_forms[-1] == "channel"
    text = view.hover_text("kernel", 13, 2)  # tap 1, filter 5
    group = " (group 1)" if groups == 2 else ""
    channel = 2 + (per if groups == 2 else 0)
    assert text == (f"kernel[1, 2, 5] · tap 1, input channel {channel}{group} → filter 5 · "
                    f"value {fmt(kernel[1, 2, 5], 4)}")
    assert view.hover_text("bias", 3, 0) == f"bias[3] · filter 3 · value {fmt(layer.weights[1][3], 4)}"


def test_norm_weights_are_labelled_vectors_of_the_layers_numbers(view):
    model, trace = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                          LayerSpec("BatchNormalization", {}), LayerSpec("LayerNormalization", {})])
    bn = model.get_layer("batch_normalization")
    rng = np.random.default_rng(2)
    bn.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in bn.weights])
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="batch_normalization"))
    titles = {m.name: m.titles[0] for m in view.matrices if m.name is not None}  # (their longest forms)
    assert list(titles) == ["gamma", "beta", "moving_mean", "moving_variance"]
    for name, says in (("gamma", "γ"), ("beta", "β"), ("moving_mean", "μ"), ("moving_variance", "σ²")):
        assert says in titles[name] and "one a feature" in titles[name], titles[name]
        w = bn.named_weights()[name]
        np.testing.assert_array_equal(view.images[name].image[0], w)
        assert view.hover_text(name, 2, 0) == f"{name}[2] · feature 2 · value {fmt(w[2], 4)}"
    view.set_cursor(Cursor(layer="layer_normalization"))
    assert [m.name for m in view.matrices if m.name is not None] == ["gamma", "beta"]


def test_a_weight_without_words_for_it_is_titled_by_its_name_once(view):
    """A weight the view has no words for is titled by its name and shape: it said the
    name twice, its 'meaning' being its name ("alpha alpha (6, 4)", a PReLU's slope;
    "embeddings embeddings (10, 4)")."""
    from lstmviz.ui.accessible import plain

    model = Model.sequential((None, 5), [LayerSpec("Embedding", {"input_dim": 10, "output_dim": 4}),
                                         LayerSpec("LSTM", {"units": 3})], seed=0)
    view.set_data(model, model.trace(np.array([[1, 2, 3, 4, 5]])))
    view.set_cursor(Cursor(layer="embedding"))
    titles = [plain(t).split() for t in _shown(view, "embeddings").titles]
    assert titles[0] == ["embeddings", "(10,", "4)"], titles
    assert all(t.count("embeddings") == 1 for t in titles), titles
    view.set_cursor(Cursor(layer="lstm"))  # (a weight it has words for: those, then its name)
    assert plain(_shown(view, "kernel").titles[0]).split()[-3:] == ["kernel", "(4,", "12)"]


@pytest.mark.parametrize("case,conv,norm", [
    ("onnx_torch_dynamo_cnn_lstm_max", "node_conv1d", "node__native_batch_norm_legit_no_training__0"),
    ("onnx_torch_classic_cnn_lstm_max", "conv.Conv", "bn.BatchNormalization"),
])
def test_an_onnx_conv_kernel_and_batchnorm_are_drawn_as_their_keras_twins(view, case, conv, norm):
    import lstmviz
    from helpers import FIXTURES

    model = lstmviz.load(FIXTURES / case / "model.onnx", isolate=False)
    trace = model.trace(np.load(FIXTURES / case / "x.npy"))
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer=conv))
    w = model.get_layer(conv).weights[0]  # (filters, channels, taps)
    image = view.images["conv_0"].image
    filters, channels, taps = w.shape
    assert image.shape == (channels, taps * filters)
    for j in range(taps):
        np.testing.assert_array_equal(image[:, j * filters:(j + 1) * filters], w[:, :, j].T)
    assert view.hover_text("conv_0", filters + 2, 1) == (
        f"conv_0[2, 1, 1] · tap 1, input channel 1 → filter 2 · value {fmt(w[2, 1, 1], 4)}")
    view.set_cursor(Cursor(layer=norm))
    layer = model.get_layer(norm)
    for name, says in zip(layer.named_weights(), ("scale γ", "B β", "mean μ", "variance σ²")):
        assert _shown(view, name).titles[0].startswith(f"<b>{says}")
        np.testing.assert_array_equal(view.images[name].image[0], layer.named_weights()[name])
        assert view.hover_text(name, 1, 0).startswith(f"{name}[1] · channel 1 · value ")


def test_a_torch_conv_and_batchnorm_read_into_keras_layers_are_drawn_alike(view):
    import lstmviz
    from helpers import FIXTURES

    model = lstmviz.load(FIXTURES / "torch_conv_lstm" / "model.pt", isolate=False)
    view.set_data(model, model.trace(np.load(FIXTURES / "torch_conv_lstm" / "x.npy")))
    view.set_cursor(Cursor(layer="conv"))
    kernel = model.get_layer("conv").weights[0]
    np.testing.assert_array_equal(view.images["kernel"].image, kernel.transpose(1, 0, 2).reshape(kernel.shape[1], -1))
    view.set_cursor(Cursor(layer="bn"))
    assert "moving variance σ²" in _shown(view, "moving_variance").titles[0]


def test_a_conv_kernel_is_readable_at_1280x720_presenting(qapp, tmp_path):
    # the taps' labels and the filters' numbers seen whole, the title within its plot
    from lstmviz.io.keras_writer import save_keras
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window, render

    model = Model.sequential((None, 12, 8), [LayerSpec("Conv1D", {"filters": 8, "kernel_size": 3}),
                                             LayerSpec("LSTM", {"units": 4})], seed=1)
    path = save_keras(model, tmp_path / "conv.keras")
    w = make_window(str(path), theme="projector", quiet=True)
    try:
        w.tabs.setCurrentIndex(next(i for i, v in enumerate(w.views) if v.title == "Weights"))
        w.state.set_cursor(layer="conv1d")
        render(w, tmp_path / "shot.png", step=3, size=(1280, 720))
        view = w.views[w.tabs.currentIndex()]
        m = _shown(view, "kernel")
        labels = [lab for lab in m.labels if lab.isVisible()]
        assert [lab.toPlainText() for lab in labels] == ["tap 0", "tap 1", "tap 2"]
        for g, lab in enumerate(labels):  # each within its block
            left = m.plot.vb.mapViewToScene(pg.Point(g * 8 - 0.5, 0)).x()
            right = m.plot.vb.mapViewToScene(pg.Point((g + 1) * 8 - 0.5, 0)).x()
            text = lab.textItem.sceneBoundingRect()
            assert left - 0.5 <= text.left() and text.right() <= right + 0.5
        assert m.plot.titleLabel.item.boundingRect().width() <= m.plot.vb.width() + 1
        ticks = m.plot.getAxis("bottom")._tickLevels[0]
        assert [label for _, label in ticks] == [str(f) for _ in range(3) for f in range(8)]
    finally:
        dispose(w)
        th.apply("dark", qapp)
