"""app/cell_ref.py without Qt: which cell a layer is, its input, and the Cell view's
equations filled with the trace's own numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES, read_inputs
from lstmviz.app.cell_ref import cell_ref, cell_refs, equations, fmt, layer_input
from lstmviz.app.step_ref import no_page_text
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


def test_an_onnx_node_behind_tf2onnx_reverse_sequence_reads_its_input_as_keras_go_backwards():
    """tf2onnx exports Keras' LSTM(go_backwards=True) as a ReverseSequence of the input
    feeding a forward ONNX LSTM node. The app put the node's processing step t under input
    step t (its header, the Cell view's x_t, the Unrolled view's columns), where the Keras
    layer's step t reads input step T-1-t. The node is known as reading its input turned
    around: its steps map to input steps as a Keras go_backwards LSTM's do, x_t is the
    input step the node's own x_proj was computed from, and ``layer_input`` is the model's
    input in its own order (as a go_backwards layer's input is)."""
    case = FIXTURES / "onnx_keras_lstm_backwards"
    model = lstmviz.load(case / "model.onnx", isolate=False)
    x = np.load(case / "x.npy")
    trace = model.trace(x)
    ref = cell_ref(model, trace, "lstm_4_1")
    T = x.shape[1]
    keras = Model.sequential((None, T, 3), [LayerSpec("LSTM", {"units": 5, "go_backwards": True})])
    kref = cell_ref(keras, keras.trace(x), keras.layers[-1].name)
    assert ref.backwards and kref.backwards
    assert [ref.input_step(t) for t in range(T)] == [kref.input_step(t) for t in range(T)] == list(range(T))[::-1]
    assert [ref.step_of(i) for i in range(T)] == [kref.step_of(i) for i in range(T)]
    np.testing.assert_array_equal(layer_input(model, trace, "lstm_4_1"), x)
    kernel, bias = ref.layer.weights[0], ref.layer.weights[2][0]
    for t in range(T):  # the node's step t computed its input projection from input step T-1-t
        np.testing.assert_allclose(ref.rec.steps["x_proj"][:, t], x[:, ref.input_index(t)] @ kernel + bias,
                                   rtol=1e-5, atol=1e-6)


def test_a_long_input_of_tf2onnx_go_backwards_maps_its_steps_as_keras_does(monkeypatch):
    """A long input of the same export (windows by input step): the cursor's processing
    step p of the node was the window's input step p; it is input step T-1-p, the window
    around it holds that processing step, reading that input step (``input_window``, in
    input order), and its record is those steps of the whole trace to the bit."""
    from lstmviz import limits
    from lstmviz.app.long_sequence import LONG_STEPS, trace_or_window

    model = lstmviz.load(FIXTURES / "onnx_keras_lstm_backwards" / "model.onnx", isolate=False)
    steps = LONG_STEPS + 300
    x = np.random.default_rng(4).normal(size=(1, steps, 3)).astype(np.float32)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)
    _, seq = trace_or_window(model, [x], window=256)
    assert seq is not None and seq.run_pass()
    full = model.trace(x)["lstm_4_1"]
    assert seq.runs_backwards("lstm_4_1", "forward")
    for p in (0, 5, 1000, steps - 1):
        i = seq.input_step("lstm_4_1", "forward", p)
        assert i == steps - 1 - p
        win, _ = seq.window_at(i)
        ref = cell_ref(model, win, "lstm_4_1")
        assert ref.backwards and ref.rec.start <= p < ref.rec.start + ref.T
        local = p - ref.rec.start
        assert ref.input_step(local, win.start) == i
        np.testing.assert_array_equal(ref.rec.input_window[:, ref.input_index(local)], x[:, i])
        np.testing.assert_array_equal(ref.rec.steps["h"], full.steps["h"][:, ref.rec.start:ref.rec.start + ref.T])


def test_a_layer_without_a_page_is_told_what_the_cell_view_shows_and_what_to_pick():
    """An Embedding selected: the Cell view said "'embedding_1' (Embedding) has no recurrent
    cell." without naming a layer to pick; then that a recurrent cell is all it shows, while
    it shows one step of a Dense or Conv1D too (``step_ref``). It says what it shows and
    names the layers to pick, the recurrent ones first; a model without either says where
    its layers are shown instead; names from a file escaped."""
    model = Model.sequential((None, 6), [
        LayerSpec("Embedding", {"input_dim": 10, "output_dim": 3}, name="embedding_1"),
        LayerSpec("LSTM", {"units": 2, "return_sequences": True}, name="lstm_1"),
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 2}}}, name="bi"),
        LayerSpec("Dense", {"units": 1}, name="head")])
    shows = ("The Cell view looks inside a recurrent cell, or at one step of a Dense, Conv1D or pooling layer "
             "or a Softmax or LayerNormalization over the steps; ")
    assert no_page_text(model, "embedding_1") == (
        shows + "'embedding_1' (Embedding) is neither.\n\nPick in the layer box above a recurrent layer: "
        "lstm_1 or bi; or a layer shown one step at a time: head.")
    assert no_page_text(model, None).startswith(shows + "no layer is selected.\n\n")
    many = Model.sequential((None, 6, 2), [LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True},
                                                     name=f"r{k}") for k in range(8)] + [
        LayerSpec("LayerNormalization", {}, name="norm\n<b>")])
    assert no_page_text(many, "norm\n<b>") == (
        shows + "'norm\\x0a<b>' (LayerNormalization) is neither.\n\nPick in the layer box above a recurrent "
        "layer: r0, r1, r2, r3, r4 or 3 more.")
    dense = Model.sequential((None, 6, 2), [LayerSpec("Dense", {"units": 2}, name="head")])
    assert no_page_text(dense, None) == (
        shows + "no layer is selected.\n\nPick in the layer box above a layer shown one step at a time: head.")
    norm = Model.sequential((None, 6, 2), [LayerSpec("LayerNormalization", {}, name="norm")])
    assert no_page_text(norm, "norm") == (
        shows + "'norm' (LayerNormalization) is neither, nor is any layer of this model.\n\nThe Unrolled view "
        "shows its layers' outputs at every step, the Weights view their weights.")
    # a Softmax over the steps (issue 13's attention weights) has a page (its m and S: test_views_step)
    attention = lstmviz.load(FIXTURES / "k3_attention_pooling" / "model.keras", isolate=False)
    assert no_page_text(attention, "ctx") == (
        shows + "'ctx' (Multiply) is neither.\n\nPick in the layer box above a recurrent layer: h; or a layer "
        "shown one step at a time: e, a or y.")  # (the Multiply by it: step by step, no "every step")
    # a global pooling: what it pools where it stands (``layer_words``), each step's features
    # after a Permute((2, 1)) (not "over the steps"), the steps on a channels_first one's there
    for case, name, words in (("k3_cf_pooled_lstm", "gap", "GlobalAveragePooling1D, over each step's features, "
                                                           "keepdims"),
                              ("k3_cf_global_pooling", "gmp", "GlobalMaxPooling1D, over the steps")):
        pooled = lstmviz.load(FIXTURES / case / "model.keras", isolate=False)
        assert no_page_text(pooled, name).startswith(shows + f"'{name}' ({words}) is neither.\n\n"), \
            no_page_text(pooled, name)
    # a layer normalised over the steps has one too; a Softmax over the steps and features
    # none (one m and S a sample): what its step reads, said
    along = Model.sequential((None, 6, 2), [LayerSpec("LSTM", {"units": 2, "return_sequences": True}, name="h"),
                                            LayerSpec("LayerNormalization", {"axis": [1, 2]}, name="n"),
                                            LayerSpec("Softmax", {"axis": [1, 2]}, name="s")])
    assert no_page_text(along, "s") == (
        shows + "'s' (Softmax) is neither: each of its steps reads every step of n, as the Unrolled "
        "and Over time views show.\n\nPick in the layer box above a recurrent layer: h; or a layer shown one "
        "step at a time: n.")


def test_the_cell_view_names_an_onnx_node_without_a_page_for_what_it_is():
    """An ONNX graph's node the Cell view has no page for selected (torch's CNN-LSTM
    export's BatchNormalization): "is neither" said it was not what the line named. It
    names it an ONNX node shown in the Unrolled and Over time views, and lists the nodes to
    pick: the recurrent node, then the Conv and MaxPool nodes (shown a step at a time, as
    Keras' Conv1D and poolings are) and the Dense."""
    pytest.importorskip("onnx")
    model = lstmviz.load(FIXTURES / "onnx_torch_classic_cnn_lstm_max" / "model.onnx", isolate=False)
    said = no_page_text(model, "bn.BatchNormalization")
    assert ("'bn.BatchNormalization' is an ONNX BatchNormalization node, whose steps the Unrolled and Over "
            "time views show") in said
    assert "is neither" not in said and said.split("\n\n")[1] == (
        "Pick in the layer box above a recurrent layer: rnn.LSTM; or a layer shown one step at a time: "
        "conv.Conv, pool.MaxPool or fc.Gemm.")


class _CountedNodes(list):
    """A model's nodes that count the walks over them (each ``for`` over the list)."""

    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


def _pooled_stack(activation: str) -> Model:
    return Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal", "activation": activation},
                  name="c"),
        LayerSpec("MaxPooling1D", {"pool_size": 2}, name="p"),
        LayerSpec("LSTM", {"units": 2, "return_sequences": True}, name="l"),
        LayerSpec("Dense", {"units": 2, "activation": "relu"}, name="head")], seed=1)


def test_nonnegative_and_steps_below_walk_a_models_graph_once():
    """Over time asked ``output_ref.nonnegative`` and ``cell_ref.steps_below`` (through
    ``windows.strides_of``) at every seek, each a walk of the whole graph. Both are kept per
    model (an edit makes a new model: its own answers): the same answers, no walk again."""
    from lstmviz.app.cell_ref import steps_below
    from lstmviz.app.output_ref import nonnegative

    model = _pooled_stack("relu")
    model.nodes = _CountedNodes(model.nodes)
    first = dict(nonnegative(model))
    below = {name: steps_below(model, name) for name in ("c", "p", "l", "head")}
    walks = _CountedNodes.walks
    assert walks > 0
    assert {k: first[k] for k in ("c", "p", "l", "head")} == {"c": True, "p": True, "l": False, "head": True}
    assert below == {"c": None, "p": "c", "l": "p", "head": "l"}
    for _ in range(3):  # (a seek after another)
        assert dict(nonnegative(model)) == first
        assert {name: steps_below(model, name) for name in below} == below
    assert _CountedNodes.walks == walks
    assert steps_below(model, "no such layer") is None and steps_below(None, "l") is None
    edited = _pooled_stack("tanh")  # (an edit: a new model, answered anew)
    assert nonnegative(edited)["c"] is False and nonnegative(edited)["p"] is False
    assert nonnegative(edited)["head"] is True and steps_below(edited, "l") == "p"


def test_an_onnx_lstm_after_a_pool_reads_the_pools_steps_through_its_transpose():
    """torch's CNN-LSTM exported to ONNX: its LSTM node reads the MaxPool's steps through a
    Transpose (an op that only moves data). The headers said "= rnn.Transpose's step 9,000";
    now "= pool.MaxPool's step 9,000", the layer the user sees in the stack."""
    from lstmviz.app.cell_ref import steps_below

    pytest.importorskip("onnx")
    model = lstmviz.load(FIXTURES / "onnx_torch_classic_cnn_lstm_max" / "model.onnx", isolate=False)
    assert [r.layer for r in next(n for n in model.nodes if n.layer.name == "rnn.LSTM").inbound][0] == "rnn.Transpose"
    assert steps_below(model, "rnn.LSTM") == "pool.MaxPool"
    assert steps_below(model, "conv.Conv") is None


@pytest.mark.parametrize("back", [False, True])
def test_a_later_cell_of_a_stack_reads_the_cell_befores_h(back):
    """RNN([LSTMCell(3), GRUCell(2)]): cell 1's x_t is cell 0's h_t at the same step
    (``cell_input``, in the input's order: at ``input_index(t)``, T-1-t where the stack runs
    backwards), named "h_t of r (cell 0)"; cell 0 reads the layer's input; no token id."""
    from lstmviz.app.cell_ref import cell_below, cell_input, input_source, input_token, stacked_cell_refs

    cells = [{"class_name": "LSTMCell", "config": {"units": 3}}, {"class_name": "GRUCell", "config": {"units": 2}}]
    model = Model.sequential((None, None, 3), [LayerSpec("RNN", {"cell": cells, "return_sequences": True,
                                                                 "go_backwards": back}, name="r")], seed=1)
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    trace = model.trace(x)
    first, second = stacked_cell_refs(model, trace, "r")
    assert (cell_below(first), cell_below(second)) == (None, "cell_0")
    assert (input_source(first), input_source(second)) == (None, "h_t of r (cell 0)")
    np.testing.assert_array_equal(cell_input(model, trace, first, [x]), x)
    got = cell_input(model, trace, second, [x])
    h0 = trace["r"].children["cell_0"].steps["h"]
    for t in range(5):
        assert second.input_index(t) == (4 - t if back else t) == first.input_index(t)
        np.testing.assert_array_equal(got[:, second.input_index(t)], h0[:, t])
        assert second.input_step(t) == first.input_step(t)
    assert input_token(model, trace, second, 0, 1, [x]) is None
