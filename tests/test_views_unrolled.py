"""UnrolledView: one row per cell row, coloured by the trace's h, the current column at t."""

import numpy as np
import pytest

from lstmviz.app.selection import Cursor
from lstmviz.engine import LayerSpec, Model
from lstmviz.ui.views.unrolled import UnrolledView


def build(layers, T=6, d=3, batch=2, seed=0, shape=None):
    model = Model.sequential(shape or (None, T, d), layers, seed=seed)
    x = np.random.default_rng(seed).normal(size=(batch, T, d)).astype(np.float32)
    return model, model.trace(x), x


@pytest.fixture
def view(qtbot):
    v = UnrolledView()
    qtbot.addWidget(v)
    return v


def row(view, key):
    return next(r for r in view.rows if r.key == key)


def test_rows_values_and_cursor(view):
    model, trace, x = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                             LayerSpec("GRU", {"units": 3, "go_backwards": True}),
                             LayerSpec("Dense", {"units": 2})])
    view.set_data(model, trace, inputs=[x])
    assert [r.key for r in view.rows] == ["input", "lstm", "gru", "dense"]
    view.set_cursor(Cursor(step=2, sample=1, layer="lstm", unit=3))
    np.testing.assert_array_equal(row(view, "lstm").values, trace["lstm"].steps["h"][1, :, 3])
    # the backwards layer's row is in input order: processing step k is column T-1-k
    np.testing.assert_array_equal(row(view, "gru").values, trace["gru"].steps["h"][1, ::-1, 2])
    np.testing.assert_array_equal(row(view, "input").values, x[1].T)
    assert view.current_column == 2
    # with return_sequences=False only the last processed step goes up (input step 0 here)
    assert row(view, "gru").final_cols == [0]
    assert row(view, "lstm").final_cols == list(range(6))
    # selecting the backwards layer: its step 1 is input column 4
    view.set_cursor(Cursor(step=1, sample=0, layer="gru", unit=0))
    assert view.current_column == 4
    assert view.column_box.rect().center().x() == pytest.approx(4)


def test_click_selects_layer_side_and_step(view, qtbot):
    model, trace, _ = build([LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM",
                                                                   "config": {"units": 2, "return_sequences": True}}}),
                             LayerSpec("SimpleRNN", {"units": 2})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=0, layer="simple_rnn"))
    assert {"bidirectional/forward", "bidirectional/backward", "simple_rnn"} <= {r.key for r in view.rows}
    seen = []
    view.layer_requested.connect(lambda v: seen.append(("layer", v)))
    view.side_requested.connect(lambda v: seen.append(("side", v)))
    view.step_requested.connect(lambda v: seen.append(("step", v)))
    view.click_cell("bidirectional/backward", 1)
    # layer first, then side, then the step in that layer's order (backward: T-1-1)
    assert seen == [("layer", "bidirectional"), ("side", "backward"), ("step", 4)]
    r = row(view, "simple_rnn")
    with qtbot.waitSignal(view.step_requested) as blocker:
        view.click_at(3.1, r.y + 0.2)
    assert blocker.args == [3]


def test_masked_and_stateful_and_long(view):
    x = np.random.default_rng(0).normal(size=(2, 200, 4)).astype(np.float32)
    x[0, 150:] = 0
    model = Model.sequential((2, 200, 4), [LayerSpec("Masking", {}), LayerSpec("LSTM", {"units": 8, "stateful": True,
                                                                                     "return_sequences": True})])
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=199, layer="lstm", unit=2))
    r = row(view, "lstm")
    assert r.mask is not None and not r.mask[0, 160]
    assert view.current_column == 199
    assert any("previous batch" in t.toPlainText() for t in view.texts)
    np.testing.assert_array_equal(r.values, trace["lstm"].steps["h"][0, :, 2])
