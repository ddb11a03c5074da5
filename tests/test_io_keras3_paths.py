"""Keras 3 ``.weights.h5`` layouts: class-based group names, generic RNN(cell) layers.

Files are written with h5py in the layout Keras 3's saving_lib uses (checked against the
``k3_*`` fixtures), with layer and cell orders where the alphabetical order h5py lists
groups in differs from the model's order.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import lstmviz
from lstmviz.engine.spec import LayerSpec
from lstmviz.io import read_model_file, read_weights_file


def _write(path, groups: dict[str, list[np.ndarray]]) -> None:
    with h5py.File(path, "w") as f:
        for gpath, arrays in groups.items():
            g = f.require_group(gpath + "/vars")
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=a)
        f.require_group("vars")


def _rand(rng, *shape):
    return rng.uniform(-1, 1, shape).astype("float32")


def _model():
    """Sequential: RNN([SimpleRNNCell(3), GRUCell(2)]) -> GRU(5) -> Dense(4) -> RNN(LSTMCell(6))."""
    cells = {"class_name": "StackedRNNCells", "config": {"cells": [
        {"class_name": "SimpleRNNCell", "config": {"units": 3}},
        {"class_name": "GRUCell", "config": {"units": 2}}]}}
    layers = [
        LayerSpec("RNN", {"cell": cells, "return_sequences": True}, name="stack"),
        LayerSpec("GRU", {"units": 5, "return_sequences": True}, name="g"),
        LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 4}}},
                  name="td"),
        LayerSpec("RNN", {"cell": {"class_name": "LSTMCell", "config": {"units": 6}}}, name="r"),
    ]
    return lstmviz.Model.sequential((None, 7, 8), layers, seed=1)


def _file_groups(rng):
    return {
        "layers/rnn/cell/cells/simple_rnn_cell": [_rand(rng, 8, 3), _rand(rng, 3, 3), _rand(rng, 3)],
        "layers/rnn/cell/cells/gru_cell": [_rand(rng, 3, 6), _rand(rng, 2, 6), _rand(rng, 2, 6)],
        "layers/gru/cell": [_rand(rng, 2, 15), _rand(rng, 5, 15), _rand(rng, 2, 15)],
        "layers/time_distributed/layer": [_rand(rng, 5, 4), _rand(rng, 4)],
        "layers/rnn_1/cell": [_rand(rng, 4, 24), _rand(rng, 6, 24), _rand(rng, 24)],
    }


def test_load_weights_matches_keras3_paths(tmp_path):
    groups = _file_groups(np.random.default_rng(0))
    p = tmp_path / "m.weights.h5"
    _write(p, groups)
    model = _model()
    lstmviz.load_weights(model, p, isolate=False)
    want = {
        "stack": groups["layers/rnn/cell/cells/simple_rnn_cell"]
        + groups["layers/rnn/cell/cells/gru_cell"],
        "g": groups["layers/gru/cell"],
        "td": groups["layers/time_distributed/layer"],
        "r": groups["layers/rnn_1/cell"],
    }
    for name, arrays in want.items():
        got = model.get_layer(name).weights
        assert len(got) == len(arrays)
        for a, b in zip(got, arrays):
            np.testing.assert_array_equal(a, b)


def test_load_weights_keras3_shape_mismatch_names_the_layer(tmp_path):
    groups = _file_groups(np.random.default_rng(0))
    groups["layers/gru/cell"] = [np.zeros((2, 12), "f4"), np.zeros((4, 12), "f4"),
                                 np.zeros((2, 12), "f4")]
    p = tmp_path / "bad.weights.h5"
    _write(p, groups)
    with pytest.raises(lstmviz.LstmvizError, match=r"weights 'gru' .* layer 'g' \(GRU\)"):
        lstmviz.load_weights(_model(), p, isolate=False)


def test_load_weights_keras3_missing_cell_is_named(tmp_path):
    groups = _file_groups(np.random.default_rng(0))
    groups["layers/rnn/cell/cells/gru_cell_1"] = groups.pop("layers/rnn/cell/cells/gru_cell")
    p = tmp_path / "bad.weights.h5"
    _write(p, groups)
    with pytest.raises(lstmviz.LstmvizError,
                       match=r"layer 'stack' \(RNN\) .*'layers/rnn/cell/cells/gru_cell'"):
        lstmviz.load_weights(_model(), p, isolate=False)


def test_weights_only_read_orders_stacked_cells_by_width(tmp_path):
    groups = _file_groups(np.random.default_rng(0))
    p = tmp_path / "m.weights.h5"
    _write(p, groups)
    spec = read_model_file(p)
    by = {l.name: l for l in spec.layers}
    cell = by["rnn"].config["cell"]
    assert by["rnn"].class_name == "RNN"
    assert [c["class_name"] for c in cell["config"]["cells"]] == ["SimpleRNNCell", "GRUCell"]
    assert [w.shape for w in by["rnn"].weights] == [(8, 3), (3, 3), (3,), (3, 6), (2, 6), (2, 6)]
    assert by["rnn_1"].class_name == "RNN"
    assert by["rnn_1"].config["cell"]["class_name"] == "LSTMCell"
    # layer order follows the widths: rnn -> gru -> time_distributed -> rnn_1
    assert [l.name for l in spec.layers if l.weights] == ["rnn", "gru", "time_distributed",
                                                          "rnn_1"]
    model = lstmviz.Model.from_spec(spec)
    assert model.trace(np.zeros((1, 7, 8), "float32")).outputs[0].shape == (1, 6)
    entries = dict(read_weights_file(p))
    assert [a.shape for a in entries["rnn"]] == [(8, 3), (3, 3), (3,), (3, 6), (2, 6), (2, 6)]


def test_weights_only_read_numbers_same_class_layers_as_keras_counts_them(tmp_path):
    """Keras 3 names the groups of twelve LSTMs lstm, lstm_1, ... lstm_11; h5py lists them
    alphabetically (lstm_10 and lstm_11 before lstm_2), and a stack whose widths are all
    equal was opened in that order, each layer holding another's weights. The counter
    decides the order of one class's groups."""
    from lstmviz.io.keras_writer import weights_h5

    layers = [LayerSpec("LSTM", {"units": 4, "return_sequences": k < 11}) for k in range(12)]
    model = lstmviz.Model.sequential((None, 5, 4), layers, seed=1)
    p = tmp_path / "stack.weights.h5"
    p.write_bytes(weights_h5(model))
    with h5py.File(p, "r") as f:
        assert list(f["layers"])[:3] == ["lstm", "lstm_1", "lstm_10"]  # h5py's order
    spec = read_model_file(p)
    assert [l.name for l in spec.layers if l.weights] == ["lstm"] + [f"lstm_{k}" for k in range(1, 12)]
    for mine, read in zip(model.layers, (l for l in spec.layers if l.weights)):
        for a, b in zip(mine.weights, read.weights):
            np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).standard_normal((2, 5, 4)).astype("float32")
    got = lstmviz.Model.from_spec(spec).trace(x).outputs[0]
    np.testing.assert_array_equal(got, model.trace(x).outputs[0])
    assert [n for n, _ in read_weights_file(p)] == [l.name for l in model.layers if l.weights]


def test_a_cell_numbered_with_thousands_of_digits_reads_as_a_name(tmp_path):
    """A stacked cell's group 'gru_cell_999...' of 5,000 digits reached int() and the file
    was refused with Python's advice ('use sys.set_int_max_str_digits()'); Keras never
    numbers so far, so the digits are the cell's name, and the stack reads."""
    rng = np.random.default_rng(0)
    groups = {"layers/rnn/cell/cells/simple_rnn_cell": [_rand(rng, 8, 3), _rand(rng, 3, 3), _rand(rng, 3)],
              "layers/rnn/cell/cells/gru_cell_" + "9" * 5000: [_rand(rng, 3, 6), _rand(rng, 2, 6),
                                                              _rand(rng, 2, 6)]}
    p = tmp_path / "m.weights.h5"
    _write(p, groups)
    spec = read_model_file(p)
    cells = spec.layers[1].config["cell"]["config"]["cells"]
    assert [c["class_name"] for c in cells] == ["SimpleRNNCell", "GRUCell"]
    assert lstmviz.Model.from_spec(spec).trace(np.zeros((1, 4, 8), "float32")).outputs[0].shape == (1, 2)


def test_rnn_lstm_cell_initialises_forget_bias_like_keras():
    """RNN(LSTMCell(unit_forget_bias=True)) starts with forget-gate bias ones, as LSTM does."""
    cell = {"class_name": "LSTMCell", "config": {"units": 3}}
    model = lstmviz.Model.sequential((None, 4, 2), [LayerSpec("RNN", {"cell": cell}, name="r")])
    bias = model.get_layer("r").weights[2]
    np.testing.assert_array_equal(bias, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])


def test_one_rule_for_the_paths_from_a_config_and_from_an_engine_layer():
    """The reader (Keras config) and the weight matching (engine layer) ask the same
    ``var_paths``; both give the groups the file holds, in get_weights() order."""
    from lstmviz.io.keras3_paths import class_names, config_layout, layer_layout, var_paths

    model = _model()
    spec = model.to_spec()
    layers = [l for l in model.layers]
    groups = class_names([l.class_name for l in layers])
    file_paths = list(_file_groups(np.random.default_rng(0)))
    from_engine = [p for layer, g in zip(layers, groups) if layer.weights
                   for p in var_paths(layer_layout(layer), f"layers/{g}")]
    assert from_engine == file_paths
    by_name = {ls.name: ls for ls in spec.layers}
    cfg = {"stack": _model_cfgs()[0], "r": _model_cfgs()[3]}
    assert var_paths(config_layout("RNN", cfg["stack"]), "layers/rnn") == file_paths[:2]
    assert var_paths(config_layout("RNN", cfg["r"]), "layers/rnn_1") == file_paths[-1:]
    assert var_paths(config_layout("GRU", {"units": 5}), "layers/gru") == ["layers/gru/cell"]
    td = by_name["td"].config
    assert var_paths(config_layout("TimeDistributed", td), "layers/time_distributed") == \
        ["layers/time_distributed/layer"]
    bidi = {"layer": {"class_name": "LSTM", "config": {}},
            "backward_layer": {"class_name": "LSTM", "config": {}}}
    assert var_paths(config_layout("Bidirectional", bidi), "layers/b") == \
        ["layers/b/forward_layer/cell", "layers/b/backward_layer/cell"]


def _model_cfgs():
    cells = {"class_name": "StackedRNNCells", "config": {"cells": [
        {"class_name": "SimpleRNNCell", "config": {"units": 3}},
        {"class_name": "GRUCell", "config": {"units": 2}}]}}
    return [{"cell": cells}, None, None, {"cell": {"class_name": "LSTMCell", "config": {"units": 6}}}]
