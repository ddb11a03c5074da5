"""app/unrolled.py without Qt: the Unrolled view's rows, time axes and places."""

from __future__ import annotations

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES, read_inputs
from lstmviz.app.unrolled import BIDI_GAP, ROW_GAP, ROW_H, layout, step_ticks
from lstmviz.engine import LayerSpec, Model


def test_a_seq2seq_gets_one_block_of_columns_per_time_axis():
    case = FIXTURES / "k3_seq2seq_lstm"
    model = lstmviz.load(case / "model.keras", isolate=False)
    xs = read_inputs(case)
    lay = layout(model, model.trace(xs), xs)
    rows = {r.key: r for r in lay.rows}
    assert lay.domains == [5, 4] and lay.offsets == [0.0, 6.0] and lay.T == 10
    enc, dec = rows["encoder"], rows["decoder"]
    assert (enc.offset, enc.T, dec.offset, dec.T) == (0.0, 5, 6.0, 4)
    assert enc.y == dec.y == ROW_H + ROW_GAP and rows["input"].y == rows["input:decoder_input"].y == 0.0
    assert dec.states_from == [("encoder", 1), ("encoder", 2)] and enc.kind_name == "LSTM"
    np.testing.assert_array_equal(dec.data, model.trace(xs)["decoder"].steps["h"])
    assert lay.cell_gap == 0.4 and lay.top > enc.y


def test_a_bidirectional_sits_close_and_a_last_step_layer_feeds_one_column():
    model = Model.sequential((None, 6, 2), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 3}}}, name="bi"),
        LayerSpec("Dense", {"units": 1}, name="out")])
    x = np.ones((1, 6, 2), np.float32)
    lay = layout(model, model.trace(x), [x])
    rows = {r.key: r for r in lay.rows}
    fwd, bwd, out = rows["bi/forward"], rows["bi/backward"], rows["out"]
    assert bwd.y - fwd.y == pytest.approx(ROW_H + BIDI_GAP) and bwd.backwards and not fwd.backwards
    assert fwd.final_cols == [5] and bwd.final_cols == [0]  # last processed step each
    assert out.kind == "last" and out.sources == ["bi/backward"] and rows["input"].final_cols == list(range(6))


def test_step_ticks_stay_about_twenty():
    assert [c for c, _ in step_ticks(5)] == [0, 1, 2, 3, 4]
    assert len(step_ticks(1000)) == 20 and step_ticks(1000)[1] == (50.0, "50")
    # a window of a long input, from step 31,104: round steps, at their columns
    ticks = step_ticks(256, first=31104)
    assert ticks[0] == (16.0, "31120") and ticks[1] == (36.0, "31140")
    assert all(int(label) - 31104 == c and int(label) % 20 == 0 for c, label in ticks)


def test_a_backward_rows_window_of_a_long_input_names_its_own_input_steps():
    """A window of processing steps 40..71 of a 300-step input: the forward rows hold input
    steps 40..71, the columns below them; a backward half's (and a go_backwards layer's)
    hold input steps 228..259. Their rows were drawn under the window's columns without a
    word; the layout now knows the input steps their cells hold, for the legend."""
    from lstmviz.engine.windows import keyframe_pass

    T = 300
    model = Model.sequential((None, None, 2), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM",
                                              "config": {"units": 3, "return_sequences": True}}}, name="bi"),
        LayerSpec("LSTM", {"units": 2, "go_backwards": True, "return_sequences": True}, name="back")], seed=1)
    x = np.random.default_rng(0).normal(size=(1, T, 2)).astype(np.float32)
    win = keyframe_pass(model, x, every=64).window(40, 72)
    rows = {r.key: r for r in layout(model, win, [x[:, 40:72]]).rows}
    assert rows["bi/forward"].own_steps is None
    for key in ("bi/backward", "back"):
        assert rows[key].own_steps == (228, 259)  # (the view's legend names them)
        # and they do: the cells' reversed values are the full trace's at input steps 228..259
        full = model.trace(x)
        half = full["bi"].children["backward"] if key == "bi/backward" else full["back"]
        np.testing.assert_array_equal(rows[key].data[0, ::-1], half.steps["h"][0, T - 1 - 259:T - 228][::-1])
    # the whole sequence (not a window): no such note
    assert all(r.own_steps is None for r in layout(model, model.trace(x[:, :30]), [x[:, :30]]).rows)
