"""engine/cells.py: one description per cell kind, and every layer that reads it."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine import LayerSpec, Model, cells
from lstmviz.engine.cells import CELLS, cell_kind, kind_of
from lstmviz.engine.layers import make_layer


@pytest.mark.parametrize("kind,cfg", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {"reset_after": True}),
                                      ("GRU", {"reset_after": False}), ("LSTM", {"use_bias": False})])
def test_weight_layout_and_formula_agree_with_a_built_layer(kind, cfg):
    cell = CELLS[kind]
    model = Model.sequential((None, 5, 3), [LayerSpec(kind, {"units": 4, **cfg}, name="rnn")])
    layer = model.get_layer("rnn")
    assert cell_kind(layer) is cell
    assert [(n, s) for n, s, _ in layer.weight_specs([(None, 5, 3)])] == cell.weight_shapes(3, 4, layer.config)
    text, value = cell.param_formula(3, 4, layer.config)
    assert value == layer.count_params() == cell.param_count(3, 4, layer.config)
    assert text.endswith(f"= {value:,}") and text == layer.param_formula()
    blocks = layer.gate_blocks()
    if cell.k == 1:
        assert set(blocks) == set(layer.named_weights())
    else:
        assert len(blocks) == cell.k * len(layer.weights)
        for g, letter in enumerate(cell.letters):
            np.testing.assert_array_equal(blocks[f"kernel_{letter}"], layer.weights[0][:, g * 4:(g + 1) * 4])


def test_gru_reset_after_has_two_bias_rows():
    assert CELLS["GRU"].bias_shape(5, {"reset_after": True}) == (2, 15)
    assert CELLS["GRU"].bias_shape(5, {"reset_after": False}) == (15,)
    assert CELLS["LSTM"].bias_shape(5, {"reset_after": True}) == (20,)
    text, value = CELLS["GRU"].param_formula(2, 3, {"reset_after": True})
    assert text == "3·(d·u + u·u + 2u) = 3·(2·3 + 3·3 + 2·3) = 63" and value == 63


def test_which_cell_one_answer_for_every_spelling():
    lstm = CELLS["LSTM"]
    assert kind_of("LSTM") is kind_of("LSTMCell") is kind_of("CuDNNLSTM") is lstm
    assert kind_of("RNN", {"cell": {"class_name": "LSTMCell", "config": {}}}) is lstm
    assert kind_of("Bidirectional", {"layer": {"class_name": "GRU", "config": {}}}) is CELLS["GRU"]
    assert kind_of("RNN", {"cell": [{"class_name": "LSTMCell"}, {"class_name": "GRUCell"}]}) is None
    assert kind_of("Dense", {}) is None
    rnn = make_layer("RNN", {"units": 2, "cell": {"class_name": "GRUCell", "config": {"units": 2}}}, "r")
    assert rnn.class_name == "RNN" and cell_kind(rnn) is CELLS["GRU"] and rnn.kind == "GRU"
    bi = make_layer("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"units": 2}}}, "b")
    assert cell_kind(bi) is cell_kind(bi.backward_layer) is lstm
    assert cell_kind(make_layer("Dense", {"units": 2}, "d")) is None


def test_records_states_and_gates_are_consistent():
    for cell in CELLS.values():
        assert cell.records[-1] == "h" and set(cell.states) <= set(cell.records)
        assert set(cell.gate_keys) <= set(cell.records)
        eqs = cell.equations({"activation": "tanh", "recurrent_activation": "sigmoid"})
        assert [e.key for e in eqs if e.key in cell.states][-1] == "h"
        masked = cell.equations({"activation": "tanh"}, masked=True)
        assert all("masked" in e.symbolic for e in masked if e.key in cell.states)
    assert cells.LSTM.backward is None  # the slot the backward pass plugs into
