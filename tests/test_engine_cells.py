"""engine/cells.py: one description per cell kind, and every layer that reads it."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine import LayerSpec, Model, cells
from lstmviz.engine.cells import CELLS, cell_kind, kind_of
from lstmviz.engine.layers import Bidirectional, make_layer


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


@pytest.mark.parametrize("key", ["return_sequences", "return_state"])
def test_a_bidirectionals_halves_that_disagree_are_refused_in_one_line(key):
    """Keras refuses a Bidirectional whose forward and backward layers differ in
    return_sequences or return_state; a file saying so was traced until the merge of a
    sequence with a last step raised NumPy's error."""
    from lstmviz.errors import LstmvizError

    config = {"layer": {"class_name": "LSTM", "config": {"units": 2, key: True}},
              "backward_layer": {"class_name": "LSTM", "config": {"units": 2, "go_backwards": True}}}
    with pytest.raises(LstmvizError) as err:
        make_layer("Bidirectional", config, "b")
    assert "\n" not in str(err.value) and f"same {key}" in str(err.value)
    config["backward_layer"]["config"][key] = True
    assert isinstance(make_layer("Bidirectional", config, "b"), Bidirectional)


def test_records_states_and_gates_are_consistent():
    for cell in CELLS.values():
        assert cell.records[-1] == "h" and set(cell.states) <= set(cell.records)
        assert set(cell.gate_keys) <= set(cell.records)
        eqs = cell.equations({"activation": "tanh", "recurrent_activation": "sigmoid"})
        assert [e.key for e in eqs if e.key in cell.states][-1] == "h"
        masked = cell.equations({"activation": "tanh"}, masked=True)
        assert all("masked" in e.symbolic for e in masked if e.key in cell.states)
    from lstmviz.engine import backward

    # each description names its own backward step (what the gradients call)
    assert cells.LSTM.backward is backward.lstm_backward and cells.GRU.backward is backward.gru_backward
    assert cells.SIMPLE_RNN.backward is backward.simple_rnn_backward


def test_every_cell_kind_has_its_layer_class():
    from lstmviz.engine.layers import RECURRENT

    assert set(RECURRENT) == set(CELLS)
    assert all(RECURRENT[name].cell is cell for name, cell in CELLS.items())
    # a kind's own options reach its layer's defaults as its description says them
    assert all(RECURRENT[name].defaults[key] == default
               for name, cell in CELLS.items() for key, default, _ in cell.options)


NEW_KIND = r"""
import dataclasses, json
import numpy as np
from lstmviz.engine import cells
# a new cell kind, added where ARCHITECTURE.md says: its description (cells.py) ...
TOY = dataclasses.replace(cells.SIMPLE_RNN, name="ToyRNN", torch_module="")
cells.CELLS["ToyRNN"] = TOY
cells.CELL_CLASSES[TOY.cell_class] = TOY
from lstmviz.engine import layers
# ... and its layer class (layers.py; its fast kernel here is SimpleRNN's, in recurrent.py)
class ToyRNN(layers.SimpleRNN):
    class_name = "ToyRNN"
    cell = TOY
layers.RECURRENT["ToyRNN"] = layers.LAYER_CLASSES["ToyRNN"] = ToyRNN
# everything else derives what it needs
from lstmviz.app.options import ADDABLE, default_config, options_for
from lstmviz.app.cell_ref import cell_ref, equations
from lstmviz.io.keras3_config import KEYS
from lstmviz.engine import LayerSpec, Model
from lstmviz.engine.trace import RECURRENT_KEYS
from lstmviz.io._layers import check_weights, expected_count
m = Model.sequential((None, 4, 2), [LayerSpec("ToyRNN", {"units": 3, "return_sequences": True}, name="t"),
                                     LayerSpec("RNN", {"cell": {"class_name": "ToyRNNCell", "config": {"units": 2}}},
                                               name="r")])
tr = m.trace(np.ones((1, 4, 2), np.float32))
ref = cell_ref(m, tr, "t")
from lstmviz.engine.gradients import gradients
g = gradients(m, np.ones((1, 4, 2), np.float32), np.ones((1, 2), np.float32), "mse")
check_weights("ToyRNN", {"units": 3}, m.get_layer("t").weights, "t")
# the Cell view's "Write out W·x_t and U·h_{t-1}" (app/terms.py) reads the cell's gates too
from lstmviz.app.terms import projection_terms
terms = projection_terms(m.get_layer("t"), np.ones(2), np.zeros(3), 0)
from lstmviz.ui import train_panel  # (the Train tab offers every kind: its module, not a window)
print(json.dumps({
    "terms": [t.symbol for t in terms], "train": "ToyRNN" in train_panel.CELLS,
    "addable": "ToyRNN" in ADDABLE, "options": [o.key for o in options_for("ToyRNN")],
    "default": default_config("ToyRNN", units=3), "keys": RECURRENT_KEYS["ToyRNN"],
    "kind": ref.kind, "eq": [e.line for e in equations(ref, 0, 1, 2)],
    "count": expected_count("ToyRNN", {}), "keras": "units" in KEYS["ToyRNN"] and "units" in KEYS["ToyRNNCell"],
    "rnn": cell_ref(m, tr, "r").kind, "summary": "t (ToyRNN)" in m.summary_text(),
    "grad": sorted(g.layers["t"].steps), "dw": bool(np.abs(g.layers["t"].weights[0]).sum() > 0)}))
"""


def test_a_new_cell_kind_is_its_description_its_kernel_and_its_layer_class():
    # the promise of ARCHITECTURE.md's "How to add a cell kind": the rest derives from them
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    res = subprocess.run([sys.executable, "-c", NEW_KIND], capture_output=True, text=True,
                         timeout=120, cwd=root)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["addable"] and got["keras"] and got["summary"], got
    assert got["options"][:4] == ["class_name", "units", "activation", "use_bias"] and got["keys"] == ["h"]
    assert got["options"][-1] == "trainable"  # (its weights, from its class: engine/layers.holds_weights)
    assert got["default"]["units"] == 3 and "recurrent_activation" not in got["default"]
    assert got["kind"] == "ToyRNN" and got["rnn"] == "ToyRNN" and got["count"] == 3
    assert got["eq"][0].startswith("h_t = tanh(W·x_t + U·h_{t-1} + b) = tanh(")
    assert got["grad"] == ["dh", "dpre"] and got["dw"]  # its backward step from its description
    assert got["terms"] == ["W·x_t", "U·h_{t-1}"]  # (a KeyError once: app/terms.py had its own table)
    assert got["train"]  # the Train tab's cell box (it listed LSTM, GRU, SimpleRNN by name)


@pytest.mark.parametrize("path", ["k3_bidi_lstm_stacked/model.keras", "k3_bidi_gru_last/model.keras",
                                  "onnx_torch_dynamo_lstm_bidir_2layer/model.onnx",
                                  "onnx_hand_rnn_bidir_nobias/model.onnx"])
def test_a_bidirectional_formula_reads_as_arithmetic(path):
    """The Weights view's title and the summary read '2·[4·(d·u + u·u + u) = 4·(3·3 +
    3·3 + 3)] = 168': a bracket around an equation. Now each side is its own product, and
    its numbers make the count."""
    from pathlib import Path

    import lstmviz

    model = lstmviz.load(Path(__file__).parent / "fixtures" / path)
    seen = 0
    for layer in model.layers:
        if not isinstance(layer, Bidirectional):
            continue
        text = layer.param_formula()
        parts = text.split(" = ")
        assert len(parts) == 3 and all(p.startswith("2·[") for p in parts[:2]), text
        numbers = parts[1].replace("·", "*").replace("[", "(").replace("]", ")")
        assert eval(numbers, {}) == layer.count_params() == int(parts[2].replace(",", "")), text  # noqa: S307
        seen += 1
    assert seen


@pytest.mark.parametrize("features, said", [(1, "1 feature"), (2, "2 features")])
def test_an_input_of_the_wrong_width_is_counted_in_the_singular_and_the_plural(features, said):
    """'the input has 1 features but the model expects 3'."""
    from lstmviz.errors import LstmvizError

    model = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 2})])
    with pytest.raises(LstmvizError) as err:
        model.trace(np.zeros((1, 5, features), np.float32))
    assert f"has {said} but the model expects 3: shape (1, 5, {features})" in str(err.value)


@pytest.mark.parametrize("files, affinity, expected", [
    ({}, 8, 8),                                                    # no control group
    ({"cpu.max": "max 100000\n"}, 8, 8),                           # version 2, no quota
    ({"cpu.max": "200000 100000\n"}, 64, 2),                       # 2 CPUs of 64
    ({"cpu.max": "150000 100000\n"}, 64, 2),                       # 1.5 CPUs: rounded up
    ({"cpu.max": "50000 100000\n"}, 64, 1),                        # half a CPU: 1
    ({"cpu.max": "400000 100000\n"}, 2, 2),                        # quota above affinity
    ({"cpu/cpu.cfs_quota_us": "300000", "cpu/cpu.cfs_period_us": "100000"}, 16, 3),  # v1
    ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, 16, 16),     # v1 none
    ({"cpu.max": "garbage\n"}, 4, 4),                              # unreadable: ignored
])
def test_the_engine_uses_the_cores_its_affinity_and_control_group_allow(
        tmp_path, monkeypatch, capsys, files, affinity, expected):
    from lstmviz.engine import recurrent

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(recurrent, "CGROUP_ROOT", str(tmp_path))
    monkeypatch.setattr(recurrent.os, "sched_getaffinity", lambda pid: set(range(affinity)),
                        raising=False)
    assert recurrent.cores() == expected
    monkeypatch.setattr(recurrent, "_threads", None)
    monkeypatch.delenv("LSTMVIZ_THREADS", raising=False)
    assert recurrent.threads() == expected
    monkeypatch.setattr(recurrent, "_threads", None)
    monkeypatch.setenv("LSTMVIZ_THREADS", "3")
    assert recurrent.threads() == 3
    assert capsys.readouterr().err == ""
    for bad in ("abc", "0", "-2", "+3"):  # (ignored without a word: now said once, every core used)
        monkeypatch.setattr(recurrent, "_threads", None)
        monkeypatch.setenv("LSTMVIZ_THREADS", bad)
        assert recurrent.threads() == expected and recurrent.threads() == expected
        assert capsys.readouterr().err == (f"lstmviz: LSTMVIZ_THREADS {bad!r} is not a whole number of threads "
                                           f"of 1 or more; using every core the process may use ({expected})\n")
    for many, used in ((4 * expected, 4 * expected), (4 * expected + 1, 4 * expected), (10 ** 6, 4 * expected)):
        monkeypatch.setattr(recurrent, "_threads", None)  # (10**6 was taken: a pool of that many threads)
        monkeypatch.setenv("LSTMVIZ_THREADS", str(many))
        assert recurrent.threads() == used and recurrent.threads() == used
        assert capsys.readouterr().err == ("" if many == used else
                                           f"lstmviz: LSTMVIZ_THREADS '{many}' is more than 4 threads a core the "
                                           f"process may use ({expected}); using {used}\n")
    monkeypatch.setattr(recurrent, "_threads", None)
