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


def test_state_sources_say_which_input_or_layer_gives_each_initial_state():
    """Where a cell's initial states come from, as the views name them: a seq2seq decoder's
    from its encoder, a Bidirectional's halves each from their own half of the inputs
    given (Keras' split), an ONNX node's from its h0 / c0 inputs (both directions), and
    none where they start as zeros (torch's zeros made by shape ops are no source)."""
    from lstmviz.app.cell_ref import StateSource, state_sources
    from lstmviz.engine import ModelSpec, TensorRef

    case = FIXTURES / "k3_seq2seq_lstm"
    model = lstmviz.load(case / "model.keras", isolate=False)
    trace = model.trace(read_inputs(case))
    assert state_sources(model, cell_ref(model, trace, "encoder")) == {}
    assert state_sources(model, cell_ref(model, trace, "decoder")) == {
        "h": StateSource("encoder", False), "c": StateSource("encoder", False)}
    bi = {"layer": {"class_name": "GRU", "config": {"units": 2, "return_sequences": True}}}
    layers = [LayerSpec("InputLayer", {"batch_shape": [None, 4, 3]}, "x"),
              LayerSpec("InputLayer", {"batch_shape": [None, 2]}, "h_fwd"),
              LayerSpec("InputLayer", {"batch_shape": [None, 2]}, "h_bwd"),
              LayerSpec("Bidirectional", bi, "bi", inbound=[TensorRef("x")],
                        initial_state=[TensorRef("h_fwd"), TensorRef("h_bwd")])]
    model = Model.from_spec(ModelSpec(layers, [TensorRef(n) for n in ("x", "h_fwd", "h_bwd")],
                                      [TensorRef("bi")], keras_version="3"))
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(1, 4, 3)), rng.normal(size=(1, 2)), rng.normal(size=(1, 2))]
    trace = model.trace([x.astype(np.float32) for x in xs])
    fwd, bwd = cell_refs(model, trace, "bi")
    assert state_sources(model, fwd) == {"h": StateSource("h_fwd", True)}
    assert state_sources(model, bwd) == {"h": StateSource("h_bwd", True)}
    np.testing.assert_array_equal(bwd.rec.initial_state["h"], xs[2].astype(np.float32))
    case = FIXTURES / "onnx_hand_lstm_seqlens_init"
    model = lstmviz.load(case / "model.onnx", isolate=False)
    trace = model.trace([np.load(case / f"{n}.npy") for n in ("x", "seq_lens", "h0", "c0")])
    refs = [r for n in model.layers for r in cell_refs(model, trace, n.name)]
    assert [r.side for r in refs] == ["forward", "backward"]
    for ref, part in zip(refs, ("[0]", "[1]")):  # (each direction its own part of h0 and c0)
        assert state_sources(model, ref) == {"h": StateSource("h0", True, part), "c": StateSource("c0", True, part)}
        np.testing.assert_array_equal(ref.rec.initial_state["h"], np.load(case / "h0.npy")[int(part[1])])
    case = FIXTURES / "onnx_torch_classic_lstm"
    model = lstmviz.load(case / "model.onnx", isolate=False)
    trace = model.trace([np.load(case / "x.npy")])
    assert all(state_sources(model, r) == {} for n in model.layers for r in cell_refs(model, trace, n.name))
