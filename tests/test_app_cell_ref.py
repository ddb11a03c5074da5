"""app/cell_ref.py without Qt: which cell a layer is, its input, and the Cell view's
equations filled with the trace's own numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES, read_inputs
from lstmviz.app.cell_ref import cell_ref, cell_refs, equations, fmt, layer_input
from lstmviz.engine import LayerSpec, Model

NUM = re.compile(r"\(?(−?\d+\.\d{3})\)?")


def _num(text: str) -> float:
    return float(text.replace("−", "-"))


def test_an_rnn_of_one_cell_is_that_cell_everywhere():
    # Keras 3's RNN(LSTMCell(...)): the kind is the cell's, not the class name "RNN"
    case = FIXTURES / "k3_rnn_cells"
    model = lstmviz.load(case / "model.keras", isolate=False)
    trace = model.trace(read_inputs(case))
    ref = cell_ref(model, trace, "rnn_lstm")
    assert ref.layer.class_name == "RNN" and ref.kind == "LSTM" and ref.cell.records[-1] == "h"
    rec = ref.rec
    s, t, u = 1, 3, 2
    eqs = equations(ref, s, t, u)
    assert [e.key for e in eqs] == ["i", "f", "c_tilde", "o", "c", "h"]
    for e in eqs:  # the last number of each line is the trace's value of its key
        assert e.numeric.endswith("= " + fmt(rec.steps[e.key][s, t, u])), e.line
    f_line = eqs[1]
    xp, hp, b, pre = (_num(m) for m in NUM.findall(f_line.numeric)[:4])
    U = ref.units
    assert xp == pytest.approx(float(rec.steps["x_proj"][s, t, U + u]), abs=5e-4)
    assert hp == pytest.approx(float(rec.steps["h_proj"][s, t, U + u]), abs=5e-4)
    assert b == pytest.approx(float(ref.layer.weights[2][U + u]), abs=5e-4)
    assert pre == pytest.approx(float(rec.steps["pre"][s, t, U + u]), abs=5e-4)
    # the stacked RNN of two cells is no single cell: its cells are not offered
    assert cell_refs(model, trace, "rnn_stacked") == []


def test_masked_step_says_the_state_is_carried_and_layer_input_is_the_masking_output():
    model = Model.sequential((None, 4, 2), [LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
                                            LayerSpec("GRU", {"units": 3, "return_sequences": True}, name="g")])
    x = np.ones((1, 4, 2), np.float32)
    x[0, 2] = 0.0
    trace = model.trace(x)
    ref = cell_ref(model, trace, "g")
    lines = [e.line for e in equations(ref, 0, 2, 1)]
    assert lines[-1] == f"h_t = h_{{t-1}}  (masked: state carried over) = {fmt(ref.rec.steps['h'][0, 2, 1])}"
    assert lines[2].startswith("h~_t = tanh((W_h·x_t + b_h) + r_t·(U_h·h_{t-1} + b'_h)) = ")
    assert "masked" not in " ".join(e.line for e in equations(ref, 0, 1, 1))
    np.testing.assert_array_equal(layer_input(model, trace, "g"), trace["m"].output)
