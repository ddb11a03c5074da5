"""The Cell view on Keras' ``RNN([LSTMCell(3), GRUCell(2)])`` (StackedRNNCells): a button
for each cell beside the header (Over time's ``CellButtons``), the picked cell's page as a
layer of that cell's (gates, states, equations with the trace's numbers), cell k's x_t cell
k-1's h_t at the same step (``cell_ref.cell_input``), the header naming the cell. The view
said "'r' (RNN) steps 2 cells together ...: the Cell view looks inside a layer of one cell"."""

import re

import numpy as np
import pytest

from lstmviz.app.selection import Cursor
from lstmviz.engine import LayerSpec, Model
from lstmviz.ui.views._common import fmt, fmt_term
from lstmviz.ui.views.cell import CellView

CELLS = [{"class_name": "LSTMCell", "config": {"units": 3}}, {"class_name": "GRUCell", "config": {"units": 2}}]
GATES = {0: ("i", "f", "c_tilde", "o"), 1: ("z", "r", "h_tilde")}


def stack(back: bool = False) -> Model:
    spec = [LayerSpec("RNN", {"cell": CELLS, "return_sequences": True, "go_backwards": back}, name="r"),
            LayerSpec("Dense", {"units": 2}, name="d")]
    return Model.sequential((None, None, 3), spec, seed=1)


def _x(batch=2, steps=7, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, steps, 3)).astype(np.float32)


def _said(view) -> str:
    return re.sub("<[^>]+>", "", view.header.text())


def _check_page(view, trace, k: int, s: int, t: int, u: int, x_t: np.ndarray) -> None:
    """The page of cell ``k`` at (s, t, u): its charts and equations the trace's numbers,
    its x_t's bars ``x_t``."""
    cell = trace["r"].children[f"cell_{k}"]
    assert view.message_text() is None
    np.testing.assert_array_equal(view.bars["x"].values, x_t)
    for g, key in enumerate(GATES[k]):
        np.testing.assert_array_equal(view.bars[f"g{g}"].values, cell.steps[key][s, t])
    np.testing.assert_array_equal(view.bars["h"].values, cell.steps["h"][s, t])
    np.testing.assert_array_equal(view.bars["h_prev"].values,
                                  cell.steps["h"][s, t - 1] if t else cell.initial_state["h"][s])
    lines = view.equation_lines()
    U = view.ref.units
    for g, key in enumerate(GATES[k]):  # (each gate's line: its x_proj and h_proj block, its value)
        line = lines[g]
        assert fmt(cell.steps["x_proj"][s, t, g * U + u]) in line, line
        assert fmt_term(cell.steps["h_proj"][s, t, g * U + u]) in line, line
        assert line.endswith("= " + fmt(cell.steps[key][s, t, u])), line
    assert lines[-1].startswith("h_t = ") and lines[-1].endswith("= " + fmt(cell.steps["h"][s, t, u]))


@pytest.fixture
def view(qtbot):
    v = CellView()
    qtbot.addWidget(v)
    v.resize(1300, 800)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_a_stack_of_cells_shows_each_cells_page(view):
    """Cell 0's page reads the layer's input; a click on cell_1 shows the GRU's page, its
    x_t cell 0's h_t at the same step, titled by where it comes from; the picked cell stays
    at a new step and in a new trace of the layer; another layer hides the buttons."""
    model, x = stack(), _x()
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    s, t, u = 1, 3, 1
    view.set_cursor(Cursor(step=t, sample=s, layer="r", unit=u))
    # (named as the header and the Unrolled rows name a cell, ``cell_ref.cell_name``: they said "cell_0")
    assert [b.text() for b in view.cell_box.buttons] == ["cell 0", "cell 1"]
    assert [b.toolTip() for b in view.cell_box.buttons] == [
        "cell 0: LSTMCell(3), stepping through the layer's input",
        "cell 1: GRUCell(2), stepping through cell 0's outputs"]
    assert not view.cell_box.isHidden() and view.cell_box.buttons[0].isChecked()
    _check_page(view, trace, 0, s, t, u, x[s, t])
    assert _said(view).startswith("r (cell 0) (LSTM, 3 units) · step t = 3"), _said(view)
    view.cell_box.buttons[1].click()
    assert view.cell_box.index == 1 and view.ref.side == "cell_1"
    h0 = trace["r"].children["cell_0"].steps["h"]
    _check_page(view, trace, 1, s, t, u, h0[s, t])
    assert _said(view).startswith("r (cell 1) (GRU, 2 units) · step t = 3 = input step 3"), _said(view)
    assert "h<sub>t</sub> of r (cell 0)" in view.bars["x"].plot.titleLabel.text
    # (in words for a screen reader: the cell shown, where x_t comes from, its numbers)
    words = view.describe()
    assert words.startswith("r (cell 1) (GRU, 2 units), step 3") and "x_t is h_t of r (cell 0)" in words, words
    assert fmt(trace["r"].children["cell_1"].steps["h"][s, t, u]) in words
    # (its written-out terms sum cell 0's h too: W_z[k]·x_t[k] with x_t[k] its number)
    view.set_expanded(True)
    assert any(f"·{fmt_term(h0[s, t, 2])}" in line and "W_z[2]" in line for line in view.equation_lines()), \
        view.equation_lines()
    view.set_expanded(False)
    # another step, then a new trace of the same layer: cell 1 still shown, its numbers new
    view.set_cursor(Cursor(step=5, sample=0, layer="r", unit=0))
    _check_page(view, trace, 1, 0, 5, 0, h0[0, 5])
    x2 = _x(seed=4)
    trace2 = model.trace(x2)
    view.set_data(model, trace2, inputs=[x2])
    view.set_cursor(Cursor(step=2, sample=1, layer="r", unit=1))
    assert view.cell_box.buttons[1].isChecked()
    _check_page(view, trace2, 1, 1, 2, 1, trace2["r"].children["cell_0"].steps["h"][1, 2])
    # the unit box counts the widest cell's units: cell 1 shows its last and says so
    view.set_cursor(Cursor(step=2, sample=1, layer="r", unit=2))
    assert "unit 1 (this cell has no unit 2: its last)" in _said(view)
    # a layer of one cell: no buttons
    view.set_cursor(Cursor(step=2, layer="d"))
    assert view.cell_box.isHidden()


def test_a_later_cells_x_t_says_its_source_over_the_charts_where_its_title_cannot(view, qtbot):
    """RNN([GRUCell(2), LSTMCell(3)]): the LSTM's nine charts at 900 px leave x_t's title
    no room for "= h_t of r (cell 0)" (it would cut every title to its symbol): the "in"
    over the charts says it (its tooltip where even that has no room), x_t's title its
    symbol; at 1300 px a GRU's six charts leave it the room (the first test)."""
    spec = [LayerSpec("RNN", {"cell": CELLS[::-1], "return_sequences": True}, name="r")]
    model, x = Model.sequential((None, None, 3), spec, seed=1), _x()
    trace = model.trace(x)
    view.resize(900, 700)
    qtbot.wait(10)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=2, layer="r"))
    view.show_cell(1)
    qtbot.wait(10)
    title = view.bars["x"].plot.titleLabel.text
    over = view.col_titles[0]
    assert "of r (cell 0)" not in title and "x<sub>t</sub>" in title, title
    assert "x_t = h_t of r (cell 0)" in over.toolTip()
    np.testing.assert_array_equal(view.bars["x"].values, trace["r"].children["cell_0"].steps["h"][0, 2])


def test_a_go_backwards_stacks_later_cell_says_the_input_step_it_reads(view):
    """RNN([LSTMCell(3), GRUCell(2)], go_backwards=True): cell 1 steps in cell 0's order,
    its step t over input step T-1-t, its x_t cell 0's h at its own step t."""
    model, x = stack(back=True), _x()
    trace = model.trace(x)
    T = x.shape[1]
    view.set_data(model, trace, inputs=[x])
    s, t, u = 0, 2, 1
    view.set_cursor(Cursor(step=t, sample=s, layer="r", unit=u))
    _check_page(view, trace, 0, s, t, u, x[s, T - 1 - t])
    view.show_cell(1)
    _check_page(view, trace, 1, s, t, u, trace["r"].children["cell_0"].steps["h"][s, t])
    said = _said(view)
    assert said.startswith(f"r (cell 1) (GRU, 2 units) · step t = {t} = input step {T - 1 - t} "
                           "(processed right to left)"), said


@pytest.mark.parametrize("back", [False, True])
def test_a_stacks_cells_on_a_long_input_show_the_whole_traces_numbers_at_a_seek(make_window, monkeypatch, back):
    """A long input of 3,000 steps (windowed: TRACE_SHARE tiny): at a seek each cell's page
    holds the numbers of a trace of the whole sequence at that step, cell 1's x_t cell 0's
    h_t there."""
    import pyqtgraph as pg

    from helpers import long_window

    n = 3000
    w, state, x, full = long_window(make_window, monkeypatch, stack(back), n)
    k = next(i for i, v in enumerate(w.views) if v.title == "Cell")
    w.tabs.setCurrentIndex(k)
    view = w.views[k]
    for step, cell in ((2345, 1), (17, 0), (1800, 1)):
        state.set_cursor(step=step, layer="r", unit=1)
        assert w.long_runner.wait(60)
        w.long_runner.poll()
        view.show_cell(cell)
        pg.QtWidgets.QApplication.processEvents()
        assert state.trace["r"].children["cell_1"].timesteps < n  # (a window, not the whole sequence)
        rec = full["r"].children[f"cell_{cell}"]
        h0 = full["r"].children["cell_0"].steps["h"]
        x_t = h0[0, step] if cell else x[0, n - 1 - step if back else step]
        np.testing.assert_array_equal(view.bars["x"].values, x_t)
        np.testing.assert_array_equal(view.bars["h"].values, rec.steps["h"][0, step])
        np.testing.assert_array_equal(view.bars["g0"].values, rec.steps[GATES[cell][0]][0, step])
        lines = view.equation_lines()
        assert lines[-1].endswith("= " + fmt(rec.steps["h"][0, step, 1])), lines
        assert fmt(rec.steps["x_proj"][0, step, 1]) in lines[0]
        said = _said(view)
        assert f"r (cell {cell})" in said and f"step t = {step:,}" in said, said
        assert f"input step {n - 1 - step if back else step:,}" in said, said
    # Over time's header of cell 1 names the same input step (``CellRef.input_step``)
    k = next(i for i, v in enumerate(w.views) if v.title == "Over time")
    w.tabs.setCurrentIndex(k)
    over = w.views[k]
    over.show_cell(1)
    pg.QtWidgets.QApplication.processEvents()
    said = re.sub("<[^>]+>", "", over.header.text())
    assert f"step t = 1,800 = input step {n - 1 - 1800 if back else 1800:,}" in said, said


def test_the_cell_buttons_stay_out_of_a_picture_exported_as_the_stack_is_first_shown(view):
    """The CLI's --export-png of the Cell view on a stack: the layer first shown while the
    picture is made, its buttons (made then) stood in it. They show only in the window;
    the header names the cell drawn."""
    from lstmviz.ui.labels import hints_hidden

    model, x = stack(), _x()
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    with hints_hidden():
        view.set_cursor(Cursor(step=1, layer="r"))
        assert view.cell_box.buttons and view.cell_box.isHidden()
        assert _said(view).startswith("r (cell 0) (LSTM, 3 units)")
    view.set_cursor(Cursor(step=2, layer="r"))
    assert not view.cell_box.isHidden()


def test_a_session_keeps_the_cell_each_view_shows(make_window, tmp_path):
    """The Cell view's cell 1 and Over time's cell 0 of r, saved and reopened, came back
    as cell 0 in both (the pick lived in the buttons alone); now the session keeps each
    view's (``session.CELL_PICKS``), the Weights tab's too (its cell 1 came back as cell 0),
    and an older session without them opens at cell 0."""
    import pyqtgraph as pg

    from lstmviz.app.state import AppState
    from lstmviz.app.views import VIEW_KEYS

    def tab(w, key):
        k = VIEW_KEYS.index(key)
        w.tabs.setCurrentIndex(k)
        pg.QtWidgets.QApplication.processEvents()
        return w.views[k]

    state = AppState()
    state.set_model(stack())
    a = make_window((1300, 850), state)
    x = _x()
    state.set_input_data(x)
    state.set_cursor(step=3, layer="r", unit=1)
    tab(a, "over_time").show_cell(0)
    tab(a, "cell").cell_box.buttons[1].click()
    assert a.views[VIEW_KEYS.index("cell")].ref.side == "cell_1"
    tab(a, "weights").cell_box.buttons[1].click()  # (the Weights tab's pick: was not kept)
    ui = a.sessions.ui_state()
    assert (ui["cell_view_cell"], ui["over_time_cell"], ui["weights_cell"]) == (1, 0, 1)
    path = a.sessions.save_to(tmp_path / "cells.lstmviz")

    b = make_window((1300, 850))
    assert b.open_file(str(path))
    cell = tab(b, "cell")
    assert cell.ref.side == "cell_1" and cell.cell_box.buttons[1].isChecked()
    assert _said(cell).startswith("r (cell 1) (GRU, 2 units) · step t = 3"), _said(cell)
    trace = b.state.trace
    _check_page(cell, trace, 1, 0, 3, 1, trace["r"].children["cell_0"].steps["h"][0, 3])
    assert tab(b, "over_time").ref.side == "cell_0"
    weights = tab(b, "weights")  # (cell 1's arrays drawn, its button checked)
    assert weights.cell_box.buttons[1].isChecked() and weights.shown_name() == "r (cell 1)"
    np.testing.assert_array_equal(weights.images["kernel"].image,
                                  b.state.model.get_layer("r").named_weights()["cell_1/kernel"])
    # the Over time view's pick too, applied to a view already showing the stack
    b.sessions.apply_ui({"over_time_cell": 1}, geometry=False)
    over = tab(b, "over_time")
    assert over.ref.side == "cell_1" and over.cell_box.buttons[1].isChecked()
    np.testing.assert_array_equal(over.images["h"].image, trace["r"].children["cell_1"].steps["h"][0].T)
    # an older session (its manifest without the picks) opens at each view's first cell,
    # and so does one whose pick is past the stack's cells
    from tests.test_hostile_sessions import _with_manifest, _write

    for edit in ({}, {"cell_view_cell": 5, "over_time_cell": 2, "weights_cell": 2}):
        def manifest(m, edit=edit):
            m["ui"] = {**{k: v for k, v in m["ui"].items() if not k.endswith("_cell")}, **edit}
        old = _write(tmp_path, _with_manifest(path.read_bytes(), manifest), "old.lstmviz")
        c = make_window((1300, 850))
        assert c.open_file(str(old))
        assert tab(c, "cell").ref.side == "cell_0" and tab(c, "over_time").ref.side == "cell_0", edit
        assert tab(c, "weights").shown_name() == "r (cell 0)", edit


def test_a_stacks_gru_cell_at_1024x768_presenting_gives_its_charts_the_headers_second_line(make_window):
    """RNN([LSTMCell(4), GRUCell(3)]) at 1024 x 768 presenting, cell 1 (the GRU, its four
    equations two lines each): the header's two lines left each chart 53 px of plot. Where
    the whole header would leave the charts less than PLOT_LEAST, it gives its short form's
    one line (the whole text in its tooltip) and the charts take the line; x_t's source
    ("= h_t of r (cell 0)") stays on screen, its bars cell 0's h_t."""
    from helpers import present_on, settle

    cells = [{"class_name": "LSTMCell", "config": {"units": 4}}, {"class_name": "GRUCell", "config": {"units": 3}}]
    spec = [LayerSpec("RNN", {"cell": cells, "return_sequences": True}, name="r"),
            LayerSpec("Dense", {"units": 2}, name="d")]
    w = make_window((1024, 768))
    w.state.set_model(Model.sequential((None, 10, 3), spec, seed=1))
    w.tabs.setCurrentIndex(next(i for i, v in enumerate(w.views) if v.title == "Cell"))
    view = next(v for v in w.views if v.title == "Cell")
    present_on(w, 1024, 768)
    settle()
    view.show_cell(1)
    settle(8)
    line = view.header.label.fontMetrics().lineSpacing()
    assert view.header.height() < 2 * line, view.header.height()  # (one line)
    shown = re.sub("<[^>]+>", "", view.header.label.text()).replace("\xa0", " ")
    # (its hint for the mouse gives way, which took a line: the whole text fits that line,
    # no short form, the hint in its tooltip; before, "r (cell 1) · step t = 0 · unit 0 ·
    # sample 0", the whole text in its tooltip)
    assert "r (cell 1) (GRU, 3 units) · step t = 0 = input step 0 · unit 0 · sample 0" in shown, shown
    assert view.header.toolTip() == "click a bar to pick its unit"
    plots = [b.plot.vb.height() for b in view.bars.values() if b.plot.isVisible()]
    assert len(plots) == 6 and min(plots) >= 70, plots
    assert "of r (cell 0)" in view.bars["x"].plot.titleLabel.text
    trace = w.state.trace
    np.testing.assert_array_equal(view.bars["x"].values, trace["r"].children["cell_0"].steps["h"][0, 0])
