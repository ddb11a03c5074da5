"""The layers after a go_backwards layer, and an RNN([cells]) of go_backwards, drawn in
input order: Keras' ``LSTM(go_backwards=True, return_sequences=True)`` returns its sequence
in its processing order, so a forward SimpleRNN after it processes the input right to left
and a Dense after it has its step t over input step T-1-t (``cell_ref.reversed_steps``).
Every row's column c holds what was computed from input step c's side of the flow, and the
Cell view names the input step each step stands over."""

import re

import numpy as np
import pytest

from lstmviz.app.cell_ref import cell_refs, reversed_steps
from lstmviz.app.output_ref import OUTPUT_KEY
from lstmviz.app.selection import Cursor
from lstmviz.app.unrolled import layout
from lstmviz.engine import LayerSpec, Model
from lstmviz.ui.views.cell import CellView
from lstmviz.ui.views.unrolled import UnrolledView

T = 6
CELLS = [{"class_name": "LSTMCell", "config": {"units": 3}}, {"class_name": "GRUCell", "config": {"units": 2}}]


def three() -> Model:
    """The go_backwards LSTM, a forward SimpleRNN reading its sequence, a Dense after."""
    spec = [LayerSpec("LSTM", {"units": 3, "return_sequences": True, "go_backwards": True}, name="l"),
            LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True}, name="s"),
            LayerSpec("Dense", {"units": 2}, name="d")]
    return Model.sequential((None, None, 3), spec, seed=1)


def stack() -> Model:
    """Keras' RNN([LSTMCell(3), GRUCell(2)], go_backwards=True, return_sequences=True), a Dense after."""
    spec = [LayerSpec("RNN", {"cell": CELLS, "go_backwards": True, "return_sequences": True}, name="r"),
            LayerSpec("Dense", {"units": 2}, name="d")]
    return Model.sequential((None, None, 3), spec, seed=1)


def joined(merge: str = "Concatenate", first_turned: bool = True) -> Model:
    """A hand-made bidirectional layer without the backward sequence turned back: a
    go_backwards LSTM's sequence and a forward LSTM's, both on the input, joined by a
    ``merge`` (its first input the turned one, or the other), a Dense, then a forward
    SimpleRNN reading the Dense."""
    from lstmviz.engine import ModelSpec, TensorRef

    back = LayerSpec("LSTM", {"units": 2, "return_sequences": True, "go_backwards": True}, name="l",
                     inbound=[TensorRef("x")])
    fwd = LayerSpec("LSTM", {"units": 2, "return_sequences": True}, name="m", inbound=[TensorRef("x")])
    pair = [TensorRef("l"), TensorRef("m")] if first_turned else [TensorRef("m"), TensorRef("l")]
    spec = ModelSpec(
        layers=[LayerSpec("InputLayer", {"batch_shape": [None, None, 3]}, name="x"), back, fwd,
                LayerSpec(merge, {"axis": -1} if merge == "Concatenate" else {}, name="c", inbound=pair),
                LayerSpec("Dense", {"units": 2}, name="d", inbound=[TensorRef("c")]),
                LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True}, name="s", inbound=[TensorRef("d")])],
        inputs=[TensorRef("x")], outputs=[TensorRef("s")])
    return Model.from_spec(spec, seed=1)


def _x(batch=2, steps=T) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(batch, steps, 3)).astype(np.float32)


def test_the_walk_says_which_sequences_stand_over_the_input_turned_around():
    """rev_out = rev_in XOR go_backwards for recurrent layers, rev_in for the rest; a
    backward LSTM after the turned sequence turns it back; a last step is never turned."""
    spec = [LayerSpec("LSTM", {"units": 3, "return_sequences": True, "go_backwards": True}, name="l"),
            LayerSpec("Dense", {"units": 2}, name="d"),
            LayerSpec("Bidirectional", {"layer": {"class_name": "GRU",
                                                  "config": {"units": 2, "return_sequences": True}}}, name="bi"),
            LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True, "go_backwards": True}, name="s"),
            LayerSpec("Dense", {"units": 2}, name="d2"),
            LayerSpec("LSTM", {"units": 2, "go_backwards": True}, name="last")]
    model = Model.sequential((None, None, 3), spec, seed=1)
    got = reversed_steps(model)
    assert {k: got[k] for k in ("l", "d", "bi", "s", "d2", "last")} == {
        "l": True, "d": True, "bi": True, "s": False, "d2": False, "last": False}
    trace = model.trace(_x())
    # (the Bidirectional's halves over the turned sequence: its forward half runs right to left)
    assert [(r.side, r.backwards) for r in cell_refs(model, trace, "bi")] == [("forward", True), ("backward", False)]
    assert [r.backwards for r in cell_refs(model, trace, "s")] == [False]


def test_a_merge_of_a_turned_and_an_unturned_sequence_mixes_input_steps():
    """Keras' Concatenate (Add) joins element p of each input: l's processing step p, over
    input step T-1-p, and m's step p, over input step p. ``reversed_steps`` gives it its
    first input's order; ``mixed_steps`` says its steps, and those of every layer with steps
    after it, mix two input steps (the merge named), and two sequences in one order do not."""
    from lstmviz.app.cell_ref import mixed_said, mixed_steps

    for merge in ("Concatenate", "Add"):
        for first in (True, False):
            model = joined(merge, first)
            assert mixed_steps(model) == {"c": "c", "d": "c", "s": "c"}
            assert reversed_steps(model)["c"] is first
    trace = joined().trace(_x())  # (its numbers: l's step p beside m's step p, as Keras joins them)
    np.testing.assert_array_equal(trace["c"].output, np.concatenate([trace["l"].output, trace["m"].output], -1))
    assert mixed_steps(three()) == {} and mixed_steps(stack()) == {}
    assert mixed_said(1, T) == f"input steps <b>1</b> and <b>{T - 2}</b> mixed"
    assert mixed_said(T - 2, T, bold=False) == f"input steps 1 and {T - 2} mixed"
    assert mixed_said(2, 5, bold=False) == "input step 2"


def _viewing(qtbot, make, model: Model | None = None):
    """``model`` (``three()``) traced on ``_x()`` and shown by a new view ``make()`` (its
    input given): (model, x, trace, view)."""
    model = model if model is not None else three()
    x = _x()
    trace = model.trace(x)
    view = make()
    qtbot.addWidget(view)
    view.set_data(model, trace, inputs=[x])
    return model, x, trace, view


@pytest.fixture
def unrolled(qtbot):
    v = UnrolledView()
    qtbot.addWidget(v)
    return v


def _row(view, key):
    return next(r for r in view.rows if r.key == key)


def test_the_rows_after_a_go_backwards_layer_hold_each_input_steps_numbers_in_its_column(unrolled):
    """``s`` and ``d`` were drawn with their step t at column t, under input step t, linked
    to ``l``'s cell there, which is l's processing step T-1-t: s's step t reads l's output
    step t, l's processing step t, at column T-1-t. Now every row's column c is what the
    flow computed from input step c's side, and its links join the same column."""
    model = three()
    x = _x()
    trace = model.trace(x)
    rows = layout(model, trace, inputs=[x]).rows
    by = {r.key: r for r in rows}
    assert [(r.key, r.kind, r.backwards) for r in rows] == [
        ("input", "input", False), ("l", "rnn", True), ("s", "rnn", True), ("d", "seq", True)]
    for t in range(T):
        # (s's step t reads l's output step t, l's processing step t; d's step t reads s's)
        assert by["s"].column_of(t) == by["l"].column_of(t) == by["d"].column_of(t) == T - 1 - t
        assert by["s"].ref.input_step(t) == T - 1 - t
    unrolled.set_data(model, trace, inputs=[x])
    for unit in (0, 1):
        unrolled.set_cursor(Cursor(step=1, sample=1, layer="s", unit=unit))
        for c in range(T):
            assert _row(unrolled, "l").values[c] == trace["l"].steps["h"][1, T - 1 - c, unit]
            assert _row(unrolled, "s").values[c] == trace["s"].steps["h"][1, T - 1 - c, unit]
            assert _row(unrolled, "d").values[c] == trace["d"].output[1, T - 1 - c, unit]
    assert unrolled.current_column == T - 2  # (s's processing step 1 reads input step 4)
    said = re.sub("<[^>]+>", "", unrolled.header.text())
    assert f"processing step 1 = input step {T - 2} (processing order runs right to left)" in said, said
    # the Dense's own step 1 stands over input step 4, and a click on its column 4 is its step 1
    unrolled.set_cursor(Cursor(step=1, sample=0, layer="d", unit=0))
    assert unrolled.current_column == T - 2
    said = re.sub("<[^>]+>", "", unrolled.header.text())
    assert f"d · step 1 = input step {T - 2}" in said, said
    asked = []
    unrolled.cursor_requested.connect(asked.append)
    unrolled.click_cell("d", T - 2)
    unrolled.click_cell("s", 0)
    assert asked == [{"step": 1}, {"layer": "s", "step": T - 1}]


def test_the_cell_view_says_the_input_step_a_step_after_a_go_backwards_layer_reads(qtbot):
    model, x, trace, view = _viewing(qtbot, CellView)
    for t in (0, 2, T - 1):
        view.set_cursor(Cursor(step=t, sample=0, layer="s", unit=0))
        said = re.sub("<[^>]+>", "", view.header.text())
        assert f"= input step {T - 1 - t} (processed right to left)" in said, said
        # (its x_t: l's output at its own step t, the one it reads)
        np.testing.assert_array_equal(view.bars["x"].values, trace["l"].output[0, t])


def test_the_dense_step_page_after_a_go_backwards_layer_says_the_input_step(qtbot):
    """The Cell view's page of d said 'd (Dense, 2 units) · step t = 1' and 'h_t of s, step 1'
    alone: d's step t stands over input step T-1-t, as s's page said of s's step."""
    from lstmviz.app import accessible

    model, x, trace, view = _viewing(qtbot, CellView)
    for t in (0, 1, T - 1):
        view.set_cursor(Cursor(step=t, sample=1, layer="d", unit=1))
        page = view.step_page
        said = re.sub("<[^>]+>", "", page.header.text())
        assert f"d (Dense, 2 units) · step t = {t} = input step {T - 1 - t} (its steps run right to left)" in said, said
        assert page.bars["x"].value_item.text() == f"step {t} = input step {T - 1 - t}"
        np.testing.assert_array_equal(page.bars["x"].values, trace["s"].steps["h"][1, t])
        np.testing.assert_array_equal(page.bars["y"].values, trace["d"].output[1, t])
        words = accessible.step_view(view._step, Cursor(step=t, sample=1, layer="d", unit=1), trace)
        assert f"step {t} of {T} (input step {T - 1 - t}, its steps running right to left)" in words, words
    # (a Dense on the input itself: its step is the input step, nothing more said)
    spec = [LayerSpec("Dense", {"units": 2}, name="e")]
    plain = Model.sequential((None, None, 3), spec, seed=1)
    view.set_data(plain, plain.trace(x), inputs=[x])
    view.set_cursor(Cursor(step=1, layer="e"))
    said = re.sub("<[^>]+>", "", view.step_page.header.text())
    assert "step t = 1 · unit" in said and "input step" not in said, said


def test_an_rnn_of_cells_run_backwards_is_a_row_a_cell_in_input_order(unrolled):
    """RNN([LSTMCell, GRUCell], go_backwards=True) was one 'seq' row of its output in its
    processing order under input columns. Now each cell is a recurrent row (cell 1 reading
    cell 0's outputs), both running right to left, and the Dense after it is turned."""
    model = stack()
    x = _x()
    trace = model.trace(x)
    unrolled.set_data(model, trace, inputs=[x])
    assert [(r.key, r.kind, r.backwards, r.sources) for r in unrolled.rows] == [
        ("input", "input", False, []), ("r/cell_0", "rnn", True, ["input"]),
        ("r/cell_1", "rnn", True, ["r/cell_0"]), ("d", "seq", True, ["r/cell_1"])]
    assert [r.label for r in unrolled.rows[1:3]] == ["r (cell 0) ◀", "r (cell 1) ◀"]
    rec = trace["r"].children
    unrolled.set_cursor(Cursor(step=2, sample=1, layer="r", unit=1))
    for c in range(T):
        assert _row(unrolled, "r/cell_0").values[c] == rec["cell_0"].steps["h"][1, T - 1 - c, 1]
        assert _row(unrolled, "r/cell_1").values[c] == rec["cell_1"].steps["h"][1, T - 1 - c, 1]
        assert _row(unrolled, "d").values[c] == trace["d"].output[1, T - 1 - c, 1]
    assert unrolled.current_column == T - 3
    # (the header names the cell as its row does: it said "r (cell_0)", its key)
    said = re.sub("<[^>]+>", "", unrolled.header.text())
    assert said.startswith("r (cell 0) · processing step 2 = input step 3"), said
    # (its last cell's output is the layer's: the Dense reads it, step for step)
    np.testing.assert_array_equal(rec["cell_1"].steps["h"], trace["r"].output)


def _long_unrolled(make_window, monkeypatch, model, n=3000):
    """``model`` in a 1400 x 900 window on a long input of ``n`` random steps (the windowed
    route forced), its pass run, the Unrolled tab on screen: (n, window, state, x, the full
    trace, the view)."""
    from helpers import long_window

    w, state, x, full = long_window(make_window, monkeypatch, model, n)
    return n, w, state, x, full, _tab(w, "Unrolled")


def _seek(w, state, **cursor) -> None:
    """The cursor moved in window ``w`` on a long input, the window its step needs computed
    and shown."""
    import pyqtgraph as pg

    state.set_cursor(**cursor)
    assert w.long_runner.wait(60)
    w.long_runner.poll()
    pg.QtWidgets.QApplication.processEvents()


def _tab(w, title):
    k = next(i for i, v in enumerate(w.views) if v.title == title)
    w.tabs.setCurrentIndex(k)
    return w.views[k]


@pytest.mark.parametrize("which", ["three", "stack"])
def test_on_a_long_input_a_seek_puts_every_rows_cursor_on_the_input_steps_column(make_window, monkeypatch, which):
    """A long input (windowed: TRACE_SHARE tiny) of 3,000 steps. A window by input steps
    held s's processing steps a..b-1 and d's steps a..b-1, which stand over input steps
    T-b..T-a-1: each row's cells stood under other input steps than the columns said. Now at
    a seek to input step k (each layer's own step reading it) the cursor's column is k's in
    the window, and every row's value there is the full trace's at that input step."""
    import pyqtgraph as pg

    model = three() if which == "three" else stack()
    n, w, state, x, full, view = _long_unrolled(make_window, monkeypatch, model)
    if which == "three":
        rows = {"l": full["l"].steps["h"], "s": full["s"].steps["h"], "d": full["d"].output}
        layers = ("s", "d", "l")
    else:
        rows = {"r/cell_0": full["r"].children["cell_0"].steps["h"],
                "r/cell_1": full["r"].children["cell_1"].steps["h"], "d": full["d"].output}
        layers = ("r", "d")
    for k, layer in [(1234, layers[0]), (17, layers[1]), (n - 1, layers[0]), (2600, layers[-1])]:
        _seek(w, state, step=n - 1 - k, layer=layer, unit=1)  # (its own step over input step k)
        a = state.trace.start
        assert view.current_column == k - a, (layer, k, a)
        for key, values in rows.items():
            drawn = next(r for r in view.rows if r.key == key)
            # (every column of the window: input step a + c, the full trace's step n-1-(a+c))
            want = values[0, n - 1 - (a + np.arange(len(drawn.values))), 1]
            np.testing.assert_array_equal(drawn.values, want, err_msg=f"{key} at {k}")
            assert drawn.values[k - a] == values[0, n - 1 - k, 1]
    if which == "three":  # the Cell view of s at its step reading input step k: that step's x and h
        cell = _tab(w, "Cell")
        for k in (1234, 5):
            _seek(w, state, step=n - 1 - k, layer="s", unit=1)
            said = re.sub("<[^>]+>", "", cell.header.text())
            assert f"step t = {n - 1 - k:,} = input step {k:,} (processed right to left)" in said, said
            np.testing.assert_array_equal(cell.bars["x"].values, full["l"].output[0, n - 1 - k])
            np.testing.assert_array_equal(cell.bars["h"].values, full["s"].steps["h"][0, n - 1 - k])
            # (the Dense's step page at its step over input step k: its window's step, said whole)
            _seek(w, state, step=n - 1 - k, layer="d", unit=1)
            said = re.sub("<[^>]+>", "", cell.step_page.header.text())
            assert f"step t = {n - 1 - k:,} = input step {k:,} (its steps run right to left)" in said, said
            np.testing.assert_array_equal(cell.step_page.bars["y"].values, full["d"].output[0, n - 1 - k])
        # Over time's header of d at its step over input step k (its window's own T-1-t
        # added to its first step said input step 1,674 for 1,234), short or whole
        over = _tab(w, "Over time")
        for k in (1234, 5):
            _seek(w, state, step=n - 1 - k, layer="d", unit=1)
            for text in (over.header.text(), over.header._short):
                said = re.sub("<[^>]+>", "", text)
                assert f"step t = {n - 1 - k:,} = input step {k:,} (its steps run right to left) · unit 1" in said, said
            a = over.ref.rec.start
            np.testing.assert_array_equal(over.images[OUTPUT_KEY].image, full["d"].output[0, a:a + over.ref.T].T)
        view = _tab(w, "Unrolled")
    # the overview strip above: a row a recurrent row, a stack's cells each (as a
    # Bidirectional's halves), turned to input order as the rows below
    from lstmviz.ui.export import long_settled

    long_settled(w)
    state.set_cursor(step=5, layer=layers[0])
    pg.QtWidgets.QApplication.processEvents()
    assert state.long.overviews is not None and view.strip.shown
    want = ([("l", "h"), ("s", "h"), ("d", OUTPUT_KEY)] if which == "three"
            else [("r", "cell_0/h"), ("r", "cell_1/h"), ("d", OUTPUT_KEY)])
    assert sorted(view.strip_keys) == sorted(want)
    assert all(view.strip_backwards)
    # a click on the strip at input step 700 with the Dense selected: its step over it
    state.set_cursor(step=5, layer="d")
    pg.QtWidgets.QApplication.processEvents()
    asked = []
    view.cursor_requested.connect(asked.append)
    view.click_overview(700)
    assert asked == [{"step": n - 1 - 700}]
    if which == "stack":  # (three rows: each named where the view has room for a line each)
        ticks = [t for _, t in view.strip.plot.getAxis("left")._tickLevels[0]]
        assert sorted(ticks) == ["d", "r (cell_0)", "r (cell_1)"], ticks
        # (thinner than a line in a shorter window: a name a layer, the stack's not "both halves")
        w.resize(w.width(), 600)
        pg.QtWidgets.QApplication.processEvents()
        ticks = [t for _, t in view.strip.plot.getAxis("left")._tickLevels[0]]
        assert ticks == ["d", "r (its cells)"] or ticks == ["r (its cells)", "d"], (ticks, view.height())


def test_over_time_says_the_input_step_a_dense_after_a_go_backwards_layer_stands_over(qtbot):
    """The Dense's Over time header said 'step t = 1' alone: its step 1 stands over input
    step T-2 (the SimpleRNN's header said so already)."""
    from lstmviz.ui.views.over_time import OverTimeView

    model, x, trace, view = _viewing(qtbot, OverTimeView)
    for layer in ("d", "s"):
        view.set_cursor(Cursor(step=1, sample=0, layer=layer, unit=0))
        said = re.sub("<[^>]+>", "", view.header.text())
        assert f"step t = 1 = input step {T - 2} (" in said, said


def test_over_time_says_on_its_step_axis_which_input_step_a_turned_records_step_is(qtbot):
    """Over time draws a record in its own steps' order, as Keras' arrays hold it (the
    cursor's step, the header's 't'); where those steps stand over the input turned around
    (l, going backwards; s, a forward SimpleRNN reading l's turned sequence; d, the Dense
    after them; a Bidirectional's backward half) the step axis said 'processing step t' or,
    the Dense's, 'step t' alone under a header naming the input step. It now says which
    input step each is; a layer in input order's axis as before."""
    from lstmviz.ui.views.over_time import OverTimeView

    model, x, trace, view = _viewing(qtbot, OverTimeView)

    def axis() -> str:
        return re.sub(r"\s+", " ", view.curve_plot.getAxis("bottom").labelText)

    for layer, key, record in (("l", "h", trace["l"].steps["h"]), ("s", "h", trace["s"].steps["h"]),
                               ("d", OUTPUT_KEY, trace["d"].output)):
        for t in (1, 4):
            view.set_cursor(Cursor(step=t, sample=1, layer=layer, unit=0))
            said = re.sub("<[^>]+>", "", view.header.text())
            assert f"step t = {t} = input step {T - 1 - t} (" in said, said
            assert axis() == ("step t" if layer == "d" else "processing step t") + f" = input step {T - 1} \u2212 t"
            # (its numbers the trace's in its own order, the cursor on its own step t)
            np.testing.assert_array_equal(view.images[key].image, record[1].T)
            assert view.curve_cursor.value() == t
    # (in words for a screen reader too)
    words = view.describe()
    assert f"step 4 (input step {T - 5}, its steps running right to left), sample 1" in words, words
    # a Bidirectional's backward half, and a layer in input order
    spec = [LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 2,
                                                                                  "return_sequences": True}}},
                      name="bi"), LayerSpec("Dense", {"units": 2}, name="e")]
    bi = Model.sequential((None, None, 3), spec, seed=1)
    view.set_data(bi, bi.trace(x))
    view.set_cursor(Cursor(step=1, layer="bi", side="backward"))
    assert axis() == f"processing step t = input step {T - 1} \u2212 t"
    view.set_cursor(Cursor(step=1, layer="bi", side="forward"))
    assert axis() == "processing step t"
    view.set_cursor(Cursor(step=1, layer="e"))
    assert axis() == "step t"


def test_a_conv1d_after_a_go_backwards_layer_reads_the_columns_around_its_own(make_window, monkeypatch, qtbot):
    """A same Conv1D over the go_backwards LSTM's sequence: its step p stands over input
    step T-1-p and reads the LSTM's steps p-1..p+1, input steps T-2-p..T-p. Its row, links
    and header say so on a short input and on a long one (windowed), where the header's
    'reads steps' came from its step numbered as the column's."""

    spec = [LayerSpec("LSTM", {"units": 3, "return_sequences": True, "go_backwards": True}, name="l"),
            LayerSpec("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "same"}, name="c")]
    model = Model.sequential((None, None, 3), spec, seed=1)
    x = _x()
    trace = model.trace(x)
    view = UnrolledView()
    qtbot.addWidget(view)
    view.set_data(model, trace, inputs=[x])
    c = _row(view, "c")
    # (each column from the LSTM's columns beside it: its step p reads l's steps p-1..p+1)
    assert c.links == [(s, col) for col in range(T) for s in range(max(0, col - 1), min(T, col + 2))]
    view.set_cursor(Cursor(step=1, sample=0, layer="c", unit=1))
    said = re.sub("<[^>]+>", "", view.header.text())
    assert f"c · step 1 = input step {T - 2}" in said and f"reads steps {T - 3}–{T - 1} below" in said, said
    np.testing.assert_array_equal(c.values, trace["c"].output[0, ::-1, 1])

    n, w, state, xs, full, view = _long_unrolled(make_window, monkeypatch, model)
    for k in (1234, 2000):
        _seek(w, state, step=n - 1 - k, layer="c", unit=1)
        a = state.trace.start
        assert view.current_column == k - a
        drawn = _row(view, "c")
        np.testing.assert_array_equal(drawn.values, full["c"].output[0, n - 1 - (a + np.arange(len(drawn.values))), 1])
        said = re.sub("<[^>]+>", "", view.header.text())
        assert f"c · step {n - 1 - k:,} = input step {k:,}" in said, said
        assert f"reads steps {k - 1:,}–{k + 1:,} below" in said, said
    # the Cell view's step page of c at its step over input step k: its own step said (its
    # window's steps were counted from the input's first, 'step t = 1,325' for 1,765) and
    # what it reads, l's processing steps p-1..p+1, the full trace's numbers
    cell = _tab(w, "Cell")
    for k in (1234, 2000):
        p = n - 1 - k
        _seek(w, state, step=p, layer="c", unit=1)
        assert cell.message_text() is None, cell.message_text()
        said = re.sub("<[^>]+>", "", cell.step_page.header.text())
        assert (f"step t = {p:,} = input step {k:,} (its steps run right to left) "
                f"reads steps {p - 1:,}, {p:,}, {p + 1:,} of l") in said, said
        np.testing.assert_array_equal(cell.step_page.bars["y"].values, full["c"].output[0, p])
        np.testing.assert_array_equal(cell.step_page.bars["x"].values, full["l"].output[0, p - 1:p + 2].ravel())


@pytest.mark.parametrize("which", ["three", "stack"])
def test_units_at_scale_correlates_each_step_with_the_input_step_it_stands_over(which):
    """Units at scale's correlation with an input feature paired a record's step t with
    input step t where the record ran forwards by its own flag: s (a forward SimpleRNN over
    l's turned sequence), d (the Dense after it) and a go_backwards stack's cell 1 (its own
    flag False, stepping in cell 0's order) stand over input step T-1-t. Each is now
    correlated with the input step it reads, as l's own (go_backwards) always was; pooled
    over the samples too, and on a long input's windows."""
    from lstmviz.app.scale import pool, summarize
    from lstmviz.engine.windows import keyframe_pass

    model = three() if which == "three" else stack()
    x = np.random.default_rng(3).normal(size=(2, 40, 3)).astype(np.float32)
    trace = model.trace(x)
    if which == "three":
        records = {("l", "h"): trace["l"].steps["h"], ("s", "h"): trace["s"].steps["h"],
                   ("d", OUTPUT_KEY): trace["d"].output}
    else:
        records = {("r", f"cell_{k}/h"): trace["r"].children[f"cell_{k}"].steps["h"] for k in (0, 1)}
        records[("d", OUTPUT_KEY)] = trace["d"].output

    def r(values, feature, rows):  # (Pearson's r of each unit with the feature at the input step read)
        v = np.concatenate([values[s] for s in rows]).astype(np.float64)
        f = np.concatenate([x[s, ::-1, feature] for s in rows]).astype(np.float64)
        return np.array([np.corrcoef(v[:, u], f)[0, 1] for u in range(v.shape[1])])

    windowed = keyframe_pass(model, x)
    for (layer, key), values in records.items():
        for feature in (0, 2):
            _, stats = summarize(trace, layer, key, sample=1, feature=feature)
            np.testing.assert_allclose(stats.correlation, r(values, feature, [1]), atol=1e-6, err_msg=f"{layer} {key}")
            np.testing.assert_allclose(pool(None, trace, layer, key, [0, 1], feature=feature).correlation,
                                       r(values, feature, [0, 1]), atol=1e-6)
            _, stats = summarize(windowed, layer, key, sample=0, feature=feature)
            np.testing.assert_allclose(stats.correlation, r(values, feature, [0]), atol=1e-6)


@pytest.mark.parametrize("first", [True, False])
def test_the_views_say_a_merged_step_mixes_two_input_steps(unrolled, qtbot, first):
    """c = Concatenate([l (go_backwards), m]) (or [m, l]): its step p holds l's step p, over
    input step T-1-p, and m's step p, over input step p. The views named one input step for
    it, its first input's ('c · step 1 = input step 4 (its steps run right to left)', or
    'step 1' alone), and so for the Dense and the SimpleRNN after it. Now each says its step
    mixes input steps p and T-1-p; the Unrolled legend says what c joins and in whose order
    it is drawn; the numbers are the trace's."""
    from lstmviz.ui.views.over_time import OverTimeView

    model = joined(first_turned=first)
    x = _x()
    trace = model.trace(x)
    p = 1
    mixed = f"input steps {p} and {T - 1 - p} mixed"

    def plain(text: str) -> str:
        return re.sub("<[^>]+>", "", text)

    unrolled.set_data(model, trace, inputs=[x])
    for layer, head in (("c", f"c · step {p} = {mixed} · unit 0"), ("d", f"d · step {p} = {mixed} · unit 0"),
                        ("s", f"s · processing step {p} = {mixed} · unit 0")):
        unrolled.set_cursor(Cursor(step=p, sample=1, layer=layer, unit=0))
        said = plain(unrolled.header.text())
        assert said.startswith(head), said
        assert "its steps run right to left" not in said and "processing order runs" not in said, said
    # (drawn in its first input's order: its step p at column T-1-p where that is l)
    c = _row(unrolled, "c")
    np.testing.assert_array_equal(c.values, trace["c"].output[1, ::-1, 0] if first else trace["c"].output[1, :, 0])
    legend = plain(unrolled.legend.text())
    assert ("c joins step p of a sequence turned around and of one in input order: input steps T−1−p and p mixed "
            "(drawn in its first input's order: the other's step p joins its column T−1−p; every row after it in "
            "that order too)") in legend, legend
    # (the other input's step p goes up to c's column of its step p: crossed, it went straight up)
    other, same = (_row(unrolled, "m"), _row(unrolled, "l")) if first else (_row(unrolled, "l"), _row(unrolled, "m"))
    assert unrolled._merged_links(other, c) == [(T - 1 - col, col) for col in range(T)]
    assert unrolled._merged_links(same, c) is None and unrolled._merged_links(c, _row(unrolled, "d")) is None

    over = OverTimeView()
    qtbot.addWidget(over)
    over.set_data(model, trace)
    for layer, kind in (("c", "Concatenate output"), ("d", "Dense output"), ("s", "SimpleRNN")):
        over.set_cursor(Cursor(step=p, sample=1, layer=layer, unit=0))
        said = plain(over.header.text())
        assert said.startswith(f"{layer} ({kind}) · step t = {p} = {mixed} · unit 0"), said
        assert "input step " + str(T - 1 - p) not in said.replace(mixed, ""), said
    np.testing.assert_array_equal(over.images["h"].image, trace["s"].steps["h"][1].T)
    assert f"step {p} of {T} ({mixed}), sample 1" in over.describe(), over.describe()
    over.set_cursor(Cursor(step=p, sample=1, layer="c", unit=0))
    assert f"step {p} ({mixed}), sample 1" in over.describe(), over.describe()

    cell = CellView()
    qtbot.addWidget(cell)
    cell.set_data(model, trace, inputs=[x])
    cell.set_cursor(Cursor(step=p, sample=1, layer="d", unit=0))
    said = plain(cell.step_page.header.text())
    assert said.startswith(f"d (Dense, 2 units) · step t = {p} = {mixed} · unit 0"), said
    assert cell.step_page.bars["x"].value_item.text() == f"step {p} = {mixed}"
    np.testing.assert_array_equal(cell.step_page.bars["x"].values, trace["c"].output[1, p])
    assert f"step {p} of {T} ({mixed}), sample 1" in cell.describe(), cell.describe()
    cell.set_cursor(Cursor(step=p, sample=1, layer="s", unit=0))
    said = plain(cell.header.text())
    assert said.startswith(f"s (SimpleRNN, 2 units) · step t = {p} = {mixed} · unit 0"), said
    # (its x_t: d's step p, the step of d it reads, not 'input 4')
    assert cell.bars["x"].value_item.text() == f"step {p}"
    np.testing.assert_array_equal(cell.bars["x"].values, trace["d"].output[1, p])


@pytest.mark.parametrize("merge", ["Concatenate", "Add"])
@pytest.mark.parametrize("first", [True, False])
def test_on_a_long_input_a_merged_steps_links_cross_by_the_whole_sequence(make_window, monkeypatch, first, merge):
    """c = Concatenate([l (go_backwards), m]) (or [m, l]; or an Add) on a long input (windows
    of 256 of 3,000 steps). The other input's links into c crossed about the window's own middle, as if
    the window were the whole sequence (m's input step 1,408 went up to c's step 1,663), and a
    window's links were those of the window drawn before it. Now each link joins the other
    input's step p to c's step p of the whole sequence, by the numbers drawn; a window where
    every partner is outside it has none, and says so in the gap; the header says the two
    input steps a step of c mixes."""
    n, w, state, x, full, view = _long_unrolled(make_window, monkeypatch, joined(merge, first_turned=first))
    other_key = "m" if first else "l"
    for k in (1400, 1500, 100):
        _seek(w, state, step=k, layer="c", unit=0)
        c, other = _row(view, "c"), _row(view, other_key)
        o = state.trace.start  # (the window's first input step: c's column 0)
        said = re.sub("<[^>]+>", "", view.header.text())
        lo, hi = sorted((k, n - 1 - k))
        assert said.startswith(f"c · step {k:,} = input steps {lo:,} and {hi:,} mixed · unit 0"), said
        # (c drawn in its first input's order: its step k at input step k's column, or T-1-k's)
        col = (n - 1 - k if first else k) - o
        assert view.current_column == col
        assert c.values[col] == full["c"].output[0, k, 0]
        links = view._merged_links(other, c)
        turned = other_key == "l"  # (the other input's own step at its column j: o + j, or T-1-(o+j))
        steps = {j: n - 1 - (o + j) if turned else o + j for j in range(other.T)}
        for j, up in links:  # (each link: the other's step p and c's step p, by the values drawn)
            p = steps[j]
            assert other.values[j] == full[other_key].output[0, p, 0]
            assert c.values[up] == full["c"].output[0, p, 0], (j, up, p)
        partners = {j for j, p in steps.items() if 0 <= (p if not first else n - 1 - p) - o < c.T}
        assert {j for j, _ in links} == partners, k
        gap = [item.isVisible() for item, *_ in view.static.gap_texts
               if item.toPlainText() == "⇡ to column T−1−p, outside this window ⇡"]
        if first:  # (m right under c: its links drawn, or, none in the window, said in the gap)
            assert gap == ([True] if not partners else [])
        assert bool(partners) == (k != 100)


@pytest.mark.parametrize("below", ["crop", "up"])
def test_a_turned_layers_steps_axis_says_the_input_step_or_leaves_it_to_the_headers(qtbot, below):
    """An LSTM(go_backwards=True) on the crop's steps: Over time's steps axis said "= crop's
    step 34 − t" where its headers say "= input step 33" (the crop's step no header names).
    It now says the input step, the crop's shift added ("= input step 37 − t"), each step's
    header the one the formula gives, as the numbers show (its processing step t reads the
    crop's step 34 − t, input step 37 − t). On the up's steps (padding, each step twice: no
    one formula) it says "processing step t" alone, the headers each step's input step."""
    from lstmviz.ui.views.over_time import OverTimeView
    from tests.helpers import FIXTURES, steps_moved
    from tests.test_views_steps_moved import CROP, _check, _plain, _read

    model = steps_moved(backwards=below)
    x = np.load(FIXTURES / "k3_steps_moved_lstm" / "x.npy")[:, :40]
    trace = model.trace(x)
    view = OverTimeView()
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    view.set_data(model, trace, inputs=[x])
    last = trace[below].outputs[0].shape[1] - 1
    for t in (0, 1, 4, 20, last - 1, last):
        view.set_cursor(Cursor(step=t, layer="back"))
        axis = re.sub(r"\s+", " ", view.curve_plot.getAxis("bottom").labelText)
        step = _read(_plain(view.header.text()), f"step t = {t}")
        assert "'s step" not in axis, axis
        if below == "crop":
            assert axis == f"processing step t = input step {last + CROP} \u2212 t", axis
            assert step == last + CROP - t
            # (the numbers: processing step t reads the crop's step last - t, x's step)
            np.testing.assert_array_equal(trace["crop"].outputs[0][:, last - t], x[:, step])
        else:
            assert axis == "processing step t", axis
            _check(trace, x, "up", last - t, step)
