"""app/unrolled.py without Qt: the Unrolled view's rows, time axes and places."""

from __future__ import annotations

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES, exploding_stack, onnx_lstm_then, read_inputs
from lstmviz.app.unrolled import (
    BIDI_GAP,
    OWN_SCALE_SHARE,
    ROW_GAP,
    ROW_H,
    colour_levels,
    layout,
    step_ticks,
    strip_values,
    thin_links,
)
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
    assert dec.states_from == [("encoder", "h", "h"), ("encoder", "c", "c")] and enc.kind_name == "LSTM"
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


def test_a_layer_tiny_against_an_exploding_one_gets_its_own_scale():
    """pawra_lstm_model.h5: a ReLU LSTM reached +-1e11 and every recurrent row shared its
    scale, so the Bidirectional under it (values within 0.43) drew all black. A recurrent
    layer whose values are all under OWN_SCALE_SHARE of the shared scale is coloured on its
    own, both halves of a Bidirectional on one; the exploding layer keeps the shared scale
    (the colour bar's), and a head keeps its own as before."""
    model, trace, x = exploding_stack(1e3)
    lay = layout(model, trace, [x])
    rows = {r.key: r for r in lay.rows}
    shared = colour_levels(lay.rows)
    big = float(np.abs(trace["big"].steps["h"]).max())
    small = max(float(np.abs(trace["bi"].children[side].steps["h"]).max()) for side in ("forward", "backward"))
    assert big > 1e4 and small < 1 and small < OWN_SCALE_SHARE * big
    assert shared == pytest.approx((-big, big))
    assert rows["big"].levels == shared and not rows["big"].own_scale
    for key in ("bi/forward", "bi/backward"):
        assert rows[key].own_scale and rows[key].levels == pytest.approx((-small, small)), key
    m = float(np.abs(trace["head"].output).max())
    assert rows["head"].own_scale and rows["head"].levels == pytest.approx((-m, m))
    assert not rows["input"].own_scale  # (an input's levels are the view's)


def test_a_long_inputs_strip_follows_each_rows_scale():
    """A long input's overview strip is one image on the shared levels: a row on its own
    scale in the window below (here by the whole sequence's magnitudes, ``whole``) has its
    line scaled by shared / its own, so it takes its cells' colours; the others' lines
    are given back as they are."""
    model, trace, x = exploding_stack(1e3)
    lay = layout(model, trace, [x])
    cells = [r for r in lay.rows if r.kind == "rnn"]
    whole = {r.key: 2 * float(np.abs(r.data).max()) for r in cells}  # (the whole sequence's)
    shared = colour_levels(lay.rows, whole)
    rows = {r.key: r for r in cells}
    small = max(whole["bi/forward"], whole["bi/backward"])
    assert shared[1] == pytest.approx(whole["big"])
    assert rows["bi/forward"].own_scale and rows["bi/forward"].levels == pytest.approx((-small, small))
    lines = np.array([[small, -small / 2], [small / 4, 0.0], [shared[1], -shared[1]]], np.float32)
    order = [rows["bi/forward"], rows["bi/backward"], rows["big"]]
    got = strip_values(lines, order, shared)
    np.testing.assert_allclose(got, [[shared[1], -shared[1] / 2], [shared[1] / 4, 0.0], lines[2]], rtol=1e-6)
    # comparable rows: the lines as they are
    model, trace, x = exploding_stack(1.0)
    lay = layout(model, trace, [x])
    shared = colour_levels(lay.rows)
    assert strip_values(lines, [r for r in lay.rows if r.kind == "rnn"], shared) is lines


def test_comparable_layers_keep_the_one_shared_scale():
    """Rows that are comparable share the colour bar's scale (a teaching point: their
    colours compare): the same stack without the exploding weights, and one whose
    largest values are a few times the other's."""
    for gain in (1.0, 3.0):
        model, trace, x = exploding_stack(gain)
        lay = layout(model, trace, [x])
        shared = colour_levels(lay.rows)
        m = max(float(np.abs(r.data).max()) for r in lay.rows if r.kind == "rnn")
        assert shared == pytest.approx((-m, m))
        for r in lay.rows:
            if r.kind == "rnn":
                assert r.levels == shared and not r.own_scale, (gain, r.key)


def test_step_ticks_stay_about_twenty():
    assert [c for c, _ in step_ticks(5)] == [0, 1, 2, 3, 4]
    assert len(step_ticks(1000)) == 20 and step_ticks(1000)[1] == (50.0, "50")
    # a window of a long input, from step 31,104: round steps, at their columns
    ticks = step_ticks(256, first=31104)
    assert ticks[0] == (16.0, "31,120") and ticks[1] == (36.0, "31,140")
    assert all(int(label.replace(",", "")) - 31104 == c and int(label.replace(",", "")) % 20 == 0 for c, label in ticks)


def test_step_ticks_stand_apart_as_asked_and_keep_two_where_they_fit():
    """``apart``: the least columns between two labels (their room on screen). A pooled
    block of 5 steps on an axis of 17 columns, labels 2.2 columns apart: every 5th would
    leave "0" alone; its first and last steps instead, and 0, 2, 4 where 2 columns hold a
    label; a block too narrow for two keeps its first."""
    assert step_ticks(5, width=17, apart=0.0) == [(float(c), str(c)) for c in range(5)]
    assert step_ticks(5, width=17, apart=2.0) == [(0.0, "0"), (2.0, "2"), (4.0, "4")]
    assert step_ticks(5, width=17, apart=2.2) == [(0.0, "0"), (4.0, "4")]
    assert step_ticks(5, width=17, apart=4.5) == [(0.0, "0")]
    assert step_ticks(10, width=17, apart=3.0) == [(0.0, "0"), (5.0, "5")]
    # a window from step 31,104: round steps still, each at least ``apart`` columns on
    ticks = step_ticks(256, first=31104, apart=30.0)
    assert [label for _, label in ticks[:2]] == ["31,150", "31,200"]
    assert all(b - a >= 30 for (a, _), (b, _) in zip(ticks, ticks[1:]))
    # too few round steps in a window: its first and last steps, exact
    assert step_ticks(40, first=31104, apart=30.0) == [(0.0, "31,104"), (39.0, "31,143")]


def test_a_backward_row_of_a_long_inputs_window_holds_the_input_steps_of_its_columns():
    """A window of input steps 40..71 of a 300-step input (``window(by_input=True)``, as the
    app asks): every row's cells stand under the input steps they hold. A backward half (and
    a go_backwards layer) held processing steps 40..71 there, input steps 228..259, drawn
    under the columns of 40..71 with only the legend to say so; it now holds processing steps
    228..259, the ones that read input steps 40..71, and its cells, in input order, are the
    full trace's at those input steps."""
    from lstmviz.engine.windows import keyframe_pass

    T = 300
    model = Model.sequential((None, None, 2), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM",
                                              "config": {"units": 3, "return_sequences": True}}}, name="bi"),
        LayerSpec("LSTM", {"units": 2, "go_backwards": True, "return_sequences": True}, name="back")], seed=1)
    x = np.random.default_rng(0).normal(size=(1, T, 2)).astype(np.float32)
    win = keyframe_pass(model, x, every=64).window(40, 72, by_input=True)
    rows = {r.key: r for r in layout(model, win, [x[:, 40:72]]).rows}
    full = model.trace(x)
    np.testing.assert_array_equal(rows["bi/forward"].data[0], full["bi"].children["forward"].steps["h"][0, 40:72])
    for key in ("bi/backward", "back"):
        half = full["bi"].children["backward"] if key == "bi/backward" else full["back"]
        assert rows[key].ref.rec.start == T - 72 and rows[key].ref.input_step(0, 40) == 71
        # column c (input step 40 + c) holds processing step T - 1 - (40 + c)
        by_column = rows[key].data[0, ::-1]
        np.testing.assert_array_equal(by_column, half.steps["h"][0, T - 1 - np.arange(40, 72)])


def _inference_decoder(steps: int = 3) -> Model:
    """A seq2seq's decoder run on its own (Keras' inference-model recipe): its initial
    states are inputs of the model, (batch, units) vectors fed to no layer as data
    (``steps``: 1 as the recipe runs it, a token at a time)."""
    from lstmviz.engine import ModelSpec, TensorRef

    layers = [
        LayerSpec("InputLayer", {"batch_shape": [None, steps, 2]}, "dec_in"),
        LayerSpec("InputLayer", {"batch_shape": [None, 4]}, "h_in"),
        LayerSpec("InputLayer", {"batch_shape": [None, 4]}, "c_in"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, "dec", inbound=[TensorRef("dec_in")],
                  initial_state=[TensorRef("h_in"), TensorRef("c_in")]),
        LayerSpec("Dense", {"units": 2}, "out", inbound=[TensorRef("dec")]),
    ]
    return Model.from_spec(ModelSpec(layers, [TensorRef("dec_in"), TensorRef("h_in"), TensorRef("c_in")],
                                     [TensorRef("out")], keras_version="3"))


def test_an_initial_state_given_as_an_input_is_no_row_of_token_ids():
    """A decoder's state inputs (batch, 4) were drawn as rows of token ids ('h_in (ids)'),
    made up as ids (1s and 2s), with no arrow into the decoder. They are made up as zeros,
    the state Keras starts from, and said at the decoder's row, whose first cell they start."""
    from lstmviz.app.stack import InputSpec
    from lstmviz.app.tracing import inputs_for

    model = _inference_decoder()
    assert model.state_inputs() == {"h_in", "c_in"}
    xs = inputs_for(model, InputSpec(batch_size=3, timesteps=3, input_dim=2))
    assert [x.shape for x in xs] == [(3, 3, 2), (3, 4), (3, 4)]
    assert xs[1].dtype == np.float32 and not np.any(xs[1]) and not np.any(xs[2])
    lay = layout(model, model.trace(xs), xs)
    assert [r.key for r in lay.rows if r.kind == "input"] == ["input"]
    dec = next(r for r in lay.rows if r.key == "dec")
    assert dec.state_inputs == ["h_in", "c_in"] and lay.domains == [3]
    # given states (the user's arrays): the trace starts from them, as Keras does
    h = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    trace = model.trace([xs[0], h, xs[2]])
    np.testing.assert_array_equal(trace["dec"].initial_state["h"], h)


def test_an_onnx_nodes_initial_state_input_is_no_row_fanned_to_every_step():
    """An ONNX GRU's h0 input (its InputLayer's role: initial_state) was a block of its own
    with an arrow up from it into every step of the forward row, as if each step read it:
    it starts the forward row, said at its first cell, and is no row."""
    case = FIXTURES / "onnx_hand_gru_clip_bidir"
    model = lstmviz.load(case / "model.onnx", isolate=False)
    xs = [np.load(case / "x.npy"), np.load(case / "h0.npy")]
    assert model.state_inputs() == {"h0"}
    lay = layout(model, model.trace(xs), xs)
    assert [r.key for r in lay.rows if r.kind == "input"] == ["input"] and len(lay.domains) == 1
    rnn = [r for r in lay.rows if r.kind == "rnn"]
    assert rnn[0].state_inputs == ["h0"] and all("input:h0" not in r.sources for r in lay.rows)


def test_an_onnx_nodes_sequence_lengths_are_no_row():
    """An ONNX GRU's sequence lengths (one number a sample) were a row of empty cells
    between the input and the layer, an arrow up from each: they are no row."""
    case = FIXTURES / "onnx_hand_gru_seqlens_reverse"
    model = lstmviz.load(case / "model.onnx", isolate=False)
    xs = [np.load(case / "x.npy"), np.load(case / "seq_lens.npy")]
    lay = layout(model, model.trace(xs), xs)
    assert [r.key for r in lay.rows] == ["input", next(r.key for r in lay.rows if r.kind == "rnn")]


def encoder_into_bidirectional(kind: str = "LSTM", encoder_bidirectional: bool = False, steps=(6, 5)) -> Model:
    """An encoder's final states start a Bidirectional decoder: a layer's ``[h, c]`` given to
    both halves (``initial_state=[h, c, h, c]``), or a Bidirectional encoder's
    ``[h_f, c_f, h_b, c_b]``, each half its own (GRU: ``[h, h]``, ``[h_f, h_b]``)."""
    from lstmviz.engine import ModelSpec, TensorRef

    n = 2 if kind == "LSTM" else 1
    layers = [LayerSpec("InputLayer", {"batch_shape": [None, steps[0], 2]}, "enc_in"),
              LayerSpec("InputLayer", {"batch_shape": [None, steps[1], 2]}, "dec_in")]
    if encoder_bidirectional:
        cell = {"class_name": kind, "config": {"units": 3, "return_state": True}}
        layers.append(LayerSpec("Bidirectional", {"layer": cell}, "encoder", inbound=[TensorRef("enc_in")]))
        states = [TensorRef("encoder", i) for i in range(1, 1 + 2 * n)]  # (after the merged output)
    else:
        layers.append(LayerSpec(kind, {"units": 3, "return_state": True}, "encoder", inbound=[TensorRef("enc_in")]))
        states = [TensorRef("encoder", i) for i in range(1, 1 + n)] * 2
    cell = {"class_name": kind, "config": {"units": 3, "return_sequences": True}}
    layers += [LayerSpec("Bidirectional", {"layer": cell}, "decoder", inbound=[TensorRef("dec_in")],
                         initial_state=states),
               LayerSpec("Dense", {"units": 2}, "out", inbound=[TensorRef("decoder")])]
    return Model.from_spec(ModelSpec(layers, [TensorRef("enc_in"), TensorRef("dec_in")], [TensorRef("out")],
                                     keras_version="3"))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("encoder_bidirectional", [False, True])
def test_each_half_of_a_bidirectional_is_started_by_the_states_it_reads(kind, encoder_bidirectional):
    """A Bidirectional decoder given an encoder's states: every state was said to start its
    forward row (the backward row looked as if it started from zeros), and a Bidirectional
    encoder's states all came from its backward row. Each half now says the states it
    reads, Keras' split (the forward half the first half of ``initial_state=``), from the
    row whose final state each is; the engine's trace starts each half from exactly those,
    and the Cell view names the encoder's half they come from."""
    from lstmviz.app.cell_ref import StateSource, state_sources

    model = encoder_into_bidirectional(kind, encoder_bidirectional)
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2,) + tuple(s[1:])).astype(np.float32) for s in model.input_shapes()]
    trace = model.trace(xs)
    rows = {r.key: r for r in layout(model, trace, xs).rows}
    keys = ("h", "c") if kind == "LSTM" else ("h",)
    for side in ("forward", "backward"):
        source = f"encoder/{side}" if encoder_bidirectional else "encoder"
        assert rows[f"decoder/{side}"].states_from == [(source, k, k) for k in keys], side
    for side in ("forward", "backward"):
        target = rows[f"decoder/{side}"]
        for source, there, here in target.states_from:
            final = rows[source].ref.rec.steps[there][:, -1]  # (its last processed step)
            np.testing.assert_array_equal(target.ref.rec.initial_state[here], final)
        # the Cell view's "h, c from encoder backward": the half that made them
        part = f" {side}" if encoder_bidirectional else ""
        assert state_sources(model, target.ref) == {k: StateSource("encoder", False, part) for k in keys}


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_a_bidirectionals_halves_run_from_their_own_half_of_the_initial_states(kind):
    """Keras' Bidirectional(initial_state=[h_f, c_f, h_b, c_b]): the forward layer runs from
    the first half, the backward layer (go_backwards) from the rest. The engine's halves
    equal a layer of their own run from their half."""
    model = encoder_into_bidirectional(kind, encoder_bidirectional=True)
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(2,) + tuple(s[1:])).astype(np.float32) for s in model.input_shapes()]
    trace = model.trace(xs)
    n = 2 if kind == "LSTM" else 1
    finals = trace["encoder"].outputs[1:1 + 2 * n]
    bi = model.get_layer("decoder")
    for side, sub, given in (("forward", bi.forward_layer, finals[:n]), ("backward", bi.backward_layer, finals[n:])):
        alone = Model.sequential((None, 5, 2), [LayerSpec(kind, {"units": 3, "return_sequences": True,
                                                                 "go_backwards": side == "backward"})], seed=0)
        alone.layers[0].set_weights([w.copy() for w in sub.weights])
        out, _, _ = alone.layers[0].call([xs[1]], [None], list(given))
        np.testing.assert_array_equal(out[0], trace["decoder"].children[side].outputs[0])


def concatenated_into_decoder(kind: str = "LSTM", other: bool = False) -> Model:
    """Keras' usual seq2seq with a Bidirectional encoder: its halves' final states joined by
    ``state_h = Concatenate()([forward_h, backward_h])`` (and ``state_c``), the initial
    states of a decoder twice as wide (``other``: ``state_h`` joins the forward h with
    a Dense layer's output, which is no final state)."""
    from lstmviz.engine import ModelSpec, TensorRef

    n = 2 if kind == "LSTM" else 1
    cell = {"class_name": kind, "config": {"units": 3, "return_state": True}}
    layers = [LayerSpec("InputLayer", {"batch_shape": [None, 6, 2]}, "enc_in"),
              LayerSpec("InputLayer", {"batch_shape": [None, 5, 2]}, "dec_in"),
              LayerSpec("Bidirectional", {"layer": cell}, "encoder", inbound=[TensorRef("enc_in")])]
    if other:
        layers.append(LayerSpec("Dense", {"units": 3}, "other", inbound=[TensorRef("encoder", 1 + n)]))
    for i, name in enumerate(["state_h", "state_c"][:n]):
        second = TensorRef("other") if other and i == 0 else TensorRef("encoder", 1 + n + i)
        layers.append(LayerSpec("Concatenate", {"axis": -1}, name, inbound=[TensorRef("encoder", 1 + i), second]))
    layers += [LayerSpec(kind, {"units": 6, "return_sequences": True}, "decoder", inbound=[TensorRef("dec_in")],
                         initial_state=[TensorRef(name) for name in ["state_h", "state_c"][:n]]),
               LayerSpec("Dense", {"units": 2}, "out", inbound=[TensorRef("decoder")])]
    return Model.from_spec(ModelSpec(layers, [TensorRef("enc_in"), TensorRef("dec_in")], [TensorRef("out")],
                                     keras_version="3"))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_states_joined_by_a_concatenate_start_the_decoder_from_both_halves(kind):
    """A Bidirectional encoder's final states concatenated (``state_h = Concatenate()([fh,
    bh])``) and given to a decoder: no row was said to start it (the Unrolled view drew no
    state into it) and the Cell view named the Concatenate layer ('from state_h'). Each of
    the decoder's states comes from both of the encoder's rows, in the Concatenate's order,
    the engine's initial state being exactly their final states side by side, and the Cell
    view names the encoder's halves; a Concatenate of a state and something else is no
    hand-over of states."""
    from lstmviz.app.cell_ref import StateSource, final_states_of, state_sources
    from lstmviz.engine import TensorRef

    model = concatenated_into_decoder(kind)
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2,) + tuple(s[1:])).astype(np.float32) for s in model.input_shapes()]
    trace = model.trace(xs)
    rows = {r.key: r for r in layout(model, trace, xs).rows}
    dec = rows["decoder"]
    keys = ("h", "c") if kind == "LSTM" else ("h",)
    assert dec.states_from == [(f"encoder/{side}", k, k) for k in keys for side in ("forward", "backward")]
    for k in keys:
        finals = [rows[src].ref.rec.steps[there][:, -1] for src, there, here in dec.states_from if here == k]
        np.testing.assert_array_equal(dec.ref.rec.initial_state[k], np.concatenate(finals, axis=-1))
    assert state_sources(model, dec.ref) == {k: StateSource("encoder", False, " forward and backward") for k in keys}
    # a state joined with a Dense layer's output: only the untouched c is a hand-over
    model = concatenated_into_decoder(kind, other=True)
    trace = model.trace(xs)
    dec = next(r for r in layout(model, trace, xs).rows if r.key == "decoder")
    assert final_states_of(model, TensorRef("state_h")) == ()
    assert dec.states_from == ([(f"encoder/{side}", "c", "c") for side in ("forward", "backward")]
                               if kind == "LSTM" else [])


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_an_encoders_last_output_given_as_initial_states_is_a_hand_over(kind):
    """The katakana seq2seq (realworld ``katakana_seq2seq.h5``): ``encoder = LSTM(64)(x)``,
    then ``LSTM(64, return_sequences=True)(y, initial_state=[encoder, encoder])``: the
    encoder's output, its last step's h, starts the decoder's h and c. The Unrolled view
    drew no state into the decoder, as if it started from zeros; its rows now say the
    encoder's final h starts each of the decoder's states, which the engine's initial
    states equal to the bit (a masked encoder: its last output is its final state too)."""
    from lstmviz.app.cell_ref import final_states_of
    from lstmviz.engine import ModelSpec, TensorRef

    n = 2 if kind == "LSTM" else 1
    layers = [LayerSpec("InputLayer", {"batch_shape": [None, 6, 2]}, "enc_in"),
              LayerSpec("InputLayer", {"batch_shape": [None, 5, 2]}, "dec_in"),
              LayerSpec("Masking", {"mask_value": 0.0}, "mask", inbound=[TensorRef("enc_in")]),
              LayerSpec(kind, {"units": 3}, "encoder", inbound=[TensorRef("mask")]),
              LayerSpec(kind, {"units": 3, "return_sequences": True}, "decoder", inbound=[TensorRef("dec_in")],
                        initial_state=[TensorRef("encoder")] * n),
              LayerSpec("Dense", {"units": 2}, "out", inbound=[TensorRef("decoder")])]
    model = Model.from_spec(ModelSpec(layers, [TensorRef("enc_in"), TensorRef("dec_in")], [TensorRef("out")],
                                      keras_version="3"))
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2,) + tuple(s[1:])).astype(np.float32) for s in model.input_shapes()]
    xs[0][0, 4:] = 0.0  # (sample 0's last two steps masked)
    trace = model.trace(xs)
    rows = {r.key: r for r in layout(model, trace, xs).rows}
    dec = rows["decoder"]
    keys = ("h", "c")[:n]
    assert dec.states_from == [("encoder", "h", k) for k in keys]
    for k in keys:
        np.testing.assert_array_equal(dec.ref.rec.initial_state[k], rows["encoder"].ref.rec.steps["h"][:, -1])
    # a layer's whole sequence is no final state
    layers[3].config["return_sequences"] = True
    head = LayerSpec("Dense", {"units": 2}, "out", inbound=[TensorRef("encoder")])
    model = Model.from_spec(ModelSpec(layers[:4] + [head], [TensorRef("enc_in")], [TensorRef("out")],
                                      keras_version="3"))
    assert final_states_of(model, TensorRef("encoder")) == ()


def test_row_heights_finds_the_rows_a_connection_passes_as_a_scan_of_every_row_does():
    """The Unrolled view's lanes: a connection runs left of its block where another layer's
    row of its time axis stands between its ends. That was a scan of every row for every
    connection (1.6 s for a graph of 5,000 rows); ``RowHeights`` answers from the rows
    sorted by height, the same answer as the scan."""
    from lstmviz.app.unrolled import Row, RowHeights

    rng = np.random.default_rng(0)
    rows = [Row(key=f"r{k}", label="", layer=f"l{k // 2 if k % 3 == 0 else k}", y=float(y), domain=int(d))
            for k, (y, d) in enumerate(zip(rng.integers(0, 40, 300) * 0.5, rng.integers(0, 3, 300)))]
    heights = RowHeights(rows)
    for _ in range(2000):
        a, b = rng.choice(len(rows), 2)
        src, upper = rows[a], rows[b]
        lo, hi = sorted((src.y, upper.y))
        scan = any(lo < r.y < hi and r.domain == upper.domain and r.layer not in (src.layer, upper.layer)
                   for r in rows)
        assert heights.crossed(lo, hi, upper.domain, (src.layer, upper.layer)) == scan


def _conv_case(case="k3_conv_lstm", x=None):
    model = lstmviz.load(FIXTURES / case / "model.keras", isolate=False)
    x = np.load(FIXTURES / case / "x.npy") if x is None else x
    return model, layout(model, model.trace(x), [x])


def test_a_conv_and_a_pool_are_linked_to_exactly_the_steps_they_read():
    model, lay = _conv_case()
    rows = {r.key: r for r in lay.rows}
    conv, pool, lstm = rows["conv"], rows["pool"], rows["lstm"]
    # causal Conv1D(kernel 3) over 10 steps: step t reads steps t-2..t, on the input's axis
    assert conv.domain == rows["input"].domain and conv.sources == ["input"]
    assert conv.links == sorted({(i, t) for t in range(10) for i in range(t - 2, t + 1) if i >= 0},
                                key=lambda link: (link[1], link[0]))
    # MaxPooling1D(2): a time axis of its own, step t from conv steps 2t, 2t+1
    assert pool.domain != conv.domain and pool.T == 5
    assert pool.links == [(2 * t + j, t) for t in range(5) for j in range(2)]
    assert pool.links == [(int(i), t) for t, row in enumerate(model.get_layer("pool").read_steps(10)) for i in row]
    assert lstm.links is None and (conv.unit_word, pool.unit_word, lstm.unit_word) == ("filter", "channel", "unit")


def test_channels_first_layers_are_drawn_steps_first_and_not_linked_to_a_row_of_channels():
    model, lay = _conv_case("k3_conv_pool_options")
    rows = {r.key: r for r in lay.rows}
    x = np.load(FIXTURES / "k3_conv_pool_options" / "x.npy")
    out = model.trace(x)["conv_cf"].output  # (batch, 3 filters, 3 steps): the 9 rows of x are its channels
    np.testing.assert_array_equal(rows["conv_cf"].data, out.transpose(0, 2, 1))
    assert rows["conv_cf"].T == 3 and rows["conv_cf"].units == 3 and rows["conv_cf"].links is None
    assert rows["conv_cf"].domain != rows["input"].domain
    # a channels_first pooling pools each step's features alone: the input's 9 steps, its
    # clock (one column per input step), the trace's numbers, no links of its own
    for name in ("avg_cf", "max_cf"):
        out = model.trace(x)[name].output  # (batch, 9 steps, 2 pooled features)
        np.testing.assert_array_equal(rows[name].data, out)
        assert rows[name].T == x.shape[1] == 9 and rows[name].units == 2
        assert rows[name].domain == rows["input"].domain and rows[name].links is None
    # channels last: linked; same padding with strides 2 reads steps 2t-1 .. 2t+1 that exist
    assert rows["conv_same_s2"].links[:5] == [(0, 0), (1, 0), (1, 1), (2, 1), (3, 1)]


def test_sub_sequences_are_rows_of_their_own_a_stripe_per_sub_step():
    model = lstmviz.load(FIXTURES / "k3_td_conv" / "model.keras", isolate=False)
    x = np.load(FIXTURES / "k3_td_conv" / "x.npy")
    trace = model.trace(x)
    rows = {r.key: r for r in layout(model, trace, [x]).rows}
    td = rows["td_conv"]
    assert td.kind == "sub" and td.domain == rows["input"].domain and td.sources == ["input"]
    assert (td.sub_steps, td.units, td.unit_word) == (5, 3, "filter")
    np.testing.assert_array_equal(td.data, trace["td_conv"].output)
    assert rows["td_pool"].kind == "sub" and rows["td_pool"].sources == ["td_conv"]
    assert rows["td_flat"].sources == ["td_pool"]


def test_thin_links_keep_every_kth_column():
    links = [(t + j, t) for t in range(200) for j in range(3)]
    shown, every = thin_links(links, 200)
    assert every == 10 and {c for _, c in shown} == set(range(0, 200, 10))
    assert len(shown) == 60
    assert thin_links(links[:30], 10) == (links[:30], 1)


def _onnx_case(case):
    model = lstmviz.load(FIXTURES / case / "model.onnx", isolate=False)
    x = np.load(FIXTURES / case / "x.npy")
    trace = model.trace(x)
    return model, trace, layout(model, trace, [x])


@pytest.mark.parametrize("case,conv,pool,lstm", [
    ("onnx_torch_dynamo_cnn_lstm_max", "node_conv1d", "node_max_pool1d", "rnn.lstm"),
    ("onnx_torch_classic_cnn_lstm_max", "conv.Conv", "pool.MaxPool", "rnn.LSTM"),
    ("onnx_torch_classic_cnn_avgpool_lstm", "conv.Conv", "pool.AveragePool", "rnn.LSTM"),
    ("onnx_torch_dynamo_cnn_avgpool_lstm", "node_conv1d", "node_avg_pool1d", "rnn.lstm"),
])
def test_onnx_channels_first_layers_are_drawn_on_their_steps_and_linked_to_the_steps_they_read(case, conv, pool, lstm):
    # an ONNX Conv / pool outputs (N, C, L): its columns are L, each linked to the steps it reads,
    # and the LSTM after the pool (through a Transpose) runs on the pool's axis
    model, trace, lay = _onnx_case(case)
    rows = {r.key: r for r in lay.rows}
    steps = np.load(FIXTURES / case / "x.npy").shape[1]
    for name in [conv, pool] + [r.layer for r in lay.rows if r.kind == "seq" and r.layer not in (conv, pool)]:
        out = trace[name].output  # (N, C, L)
        np.testing.assert_array_equal(rows[name].data, out.transpose(0, 2, 1))
        assert rows[name].T == out.shape[2] and rows[name].units == out.shape[1]
    assert rows[conv].T == steps and rows[conv].domain == rows["input"].domain
    for name, below in ((conv, steps), (pool, rows[conv].T)):
        reads = model.get_layer(name).read_steps(below)
        assert rows[name].links == sorted({(int(i), t) for t, taps in enumerate(reads) for i in taps if i >= 0},
                                          key=lambda link: (link[1], link[0]))
    assert rows[pool].domain != rows[conv].domain and rows[pool].T == trace[pool].output.shape[2]
    assert rows[lstm].kind == "rnn" and rows[lstm].domain == rows[pool].domain
    assert rows[lstm].T == rows[pool].T == trace[lstm].timesteps
    assert (rows[conv].unit_word, rows[pool].unit_word) == ("filter", "channel")


def test_an_onnx_time_major_head_is_drawn_on_the_lstms_steps():
    # torch's nn.LSTM without batch_first, then a Linear over every step: (T, N, out)
    model, trace, lay = _onnx_case("onnx_torch_classic_lstm_timemajor_seq")
    rows = {r.key: r for r in lay.rows}
    head = rows["heads.0.MatMul"]
    np.testing.assert_array_equal(head.data, trace["heads.0.MatMul"].output.transpose(1, 0, 2))
    assert head.domain == rows["rnn.LSTM"].domain and head.T == rows["rnn.LSTM"].T == 5


@pytest.mark.parametrize("op, attrs, every", [("Softmax", {"axis": 0}, True), ("Softmax", {"axis": 3}, False),
                                              ("Relu", {}, False)])
@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_an_onnx_op_over_a_nodes_y_is_a_row_on_its_steps_and_a_softmax_over_them_reads_every_step(
        tmp_path, op, attrs, every, direction):
    """Issue 13: an ONNX Softmax over the time axis of an LSTM node's Y (time, directions,
    batch, hidden), as a Keras Softmax(axis=1) after an LSTM, had no row in the Unrolled view
    (nor had any op over the 4-D Y): its row now stands on the node's steps, the directions'
    units side by side (a Keras Bidirectional's concat), its numbers the engine's, and a
    Softmax over the steps reads every step (the bus and fan, ``Row.reads_all``), also in a
    long input's window, where its steps are those of the whole sequence's output; the unit
    box picks each of its units (``Tracing.units_of``: a bidirectional node's 8, not 4)."""
    from lstmviz.app.state import AppState
    from lstmviz.engine.windows import keyframe_pass

    model = onnx_lstm_then(tmp_path, op, direction, **attrs)
    st = AppState()
    st.set_model(model)
    x = np.random.default_rng(0).normal(size=(2, 600, 3)).astype(np.float32)
    full = model.trace(x)
    whole = full["op"].output.transpose(2, 0, 1, 3).reshape(2, 600, -1)  # (batch, steps, dirs x hidden)
    for trace, (a, b) in ((full, (0, 600)), (keyframe_pass(model, x, every=64).window(128, 384), (128, 384))):
        rows = {r.key: r for r in layout(model, trace, [x[:, a:b]]).rows}
        lstm = [k for k in rows if k.startswith("lstm")]
        assert len(lstm) == (2 if direction == "bidirectional" else 1)
        row = rows["op"]
        assert row.kind == "seq" and row.T == b - a and row.units == 4 * len(lstm) == st.units_of("op")
        np.testing.assert_array_equal(row.data, whole[:, a:b])
        assert row.domain == rows[lstm[0]].domain and row.sources == [lstm[-1]]
        assert row.reads_all is every and model.get_layer("op").reads_every_step(0) is every


def test_cropping_padding_and_upsampling_are_linked_to_the_steps_they_read_in_a_long_inputs_window_too():
    """A Cropping1D((3, 2)), a ZeroPadding1D((2, 1)) and an UpSampling1D(2) each have a time
    axis of their own (a block of columns), also in a long input's window, where the crop
    holds as many steps as the input (256 of each: it was drawn on the input's columns, its
    step 6,912 under input step 6,912, which it does not read); each column is linked to the
    step it reads, the whole sequence's (the crop's first to the input's fourth column), as
    in a whole trace."""
    from lstmviz.engine.windows import keyframe_pass

    model = lstmviz.load(FIXTURES / "k3_steps_moved_lstm" / "model.keras")
    x = np.random.default_rng(0).normal(size=(1, 2000, 3)).astype(np.float32)
    for trace, first in ((model.trace(x[:, :40]), 0), (keyframe_pass(model, x, every=64).window(512, 768), 512)):
        rows = {r.key: r for r in layout(model, trace).rows}
        assert len({rows[k].domain for k in ("input", "crop", "pad", "up")}) == 4
        assert rows["lstm"].domain == rows["crop"].domain and rows["gru"].domain == rows["up"].domain
        n = rows["crop"].T
        cropped = [(t + 3, t) for t in range(n) if t + 3 < rows["input"].T]
        assert rows["crop"].links == cropped, first
        padded = [(t - 2, t) for t in range(rows["pad"].T) if 0 <= t - 2 < rows["lstm"].T]
        assert rows["pad"].links == padded, first
        up_first = trace["up"].start if first else 0  # (the pad's steps it repeats, 2 each)
        pad_first = trace["pad"].start if first else 0
        ups = [((up_first + t) // 2 - pad_first, t) for t in range(rows["up"].T)]
        assert rows["up"].links == [(i, t) for i, t in ups if 0 <= i < rows["pad"].T], first


def test_blocks_beside_their_source_stand_a_level_apart_the_farthest_lowest():
    """k3_around_rnn: a GlobalMaxPooling1D(keepdims), a Cropping1D, a ZeroPadding1D and an
    UpSampling1D read the LSTM, each on a time axis of its own: their four blocks stood
    side by side on the level above the LSTM, and its connections into them ran nearly
    level over one another along their bottom edges. They stand a level apart now, the
    farthest from the LSTM's block lowest, within the levels the LSTM's own block has (the
    drawing no taller); a seq2seq's encoder and decoder still share their level."""
    case = FIXTURES / "k3_around_rnn"
    model = lstmviz.load(case / "model.keras", isolate=False)
    xs = read_inputs(case)
    lay = layout(model, model.trace(xs), xs)
    rows = {r.key: r for r in lay.rows}
    lstm = rows["lstm"]
    beside = sorted((r for r in lay.rows if r.sources == ["lstm"] and r.domain != lstm.domain),
                    key=lambda r: r.offset)
    assert [r.key for r in beside] == ["gmp_keep", "crop", "pad", "up"], [r.key for r in beside]
    ys = [r.y for r in beside]
    assert ys == sorted(ys, reverse=True) and len(set(ys)) == len(ys), ys  # (the farthest lowest)
    assert beside[-1].y == lstm.y + ROW_H + ROW_GAP  # (the farthest on the level just above)
    own = max(r.y for r in lay.rows if r.domain == lstm.domain)
    assert max(ys) <= own and lay.top == own + ROW_H + ROW_GAP
    # (the seq2seq's encoder and decoder: test_a_seq2seq_gets_one_block_of_columns_per_time_axis)


@pytest.mark.parametrize("spec, every, axis", [
    (LayerSpec("Softmax", {"axis": 1}, name="n"), True, 1),
    (LayerSpec("Softmax", {"axis": [1, 2]}, name="n"), True, 1),
    (LayerSpec("LayerNormalization", {"axis": 1}, name="n"), True, 1),
    (LayerSpec("LayerNormalization", {"axis": [1, 2]}, name="n"), True, 1),
    (LayerSpec("Softmax", {}, name="n"), False, 1),  # (over the features: each step alone)
    (LayerSpec("LayerNormalization", {}, name="n"), False, 1),
    (LayerSpec("Activation", {"activation": "softmax"}, name="n"), False, 1),
    # (at inference each step by its own position's moving statistics, though along the steps)
    (LayerSpec("BatchNormalization", {"axis": 1}, name="n"), False, 1),
    # after a Permute((2, 1)): (batch, features, steps), a softmax of the last axis the steps'
    (LayerSpec("Softmax", {}, name="n"), True, 2),
    (LayerSpec("Activation", {"activation": "softmax"}, name="n"), True, 2),
    (LayerSpec("Activation", {"activation": "log_softmax"}, name="n"), True, 2),
    (LayerSpec("Activation", {"activation": "tanh"}, name="n"), False, 2)])
def test_a_layer_reading_every_step_is_a_row_each_of_whose_steps_reads_every_step(spec, every, axis):
    """Issue 13: a Softmax or LayerNormalization over the steps reads every step at each of
    its steps (its sum, its mean over them), which the Unrolled view drew as "every step goes
    up" (step t from step t). ``Layer.reads_every_step`` says it, true of the numbers: a change
    of the first step below changes the last step's output exactly where it is said. So of an
    Activation('softmax') of (batch, features, steps) after a Permute((2, 1)) (``axis`` 2)."""
    turn = [LayerSpec("Permute", {"dims": [2, 1]}, name="p")] if axis == 2 else []
    model = Model.sequential((None, 8, 3), [LayerSpec("Dense", {"units": 2}, name="d"), *turn, spec], seed=1)
    x = np.random.default_rng(0).normal(size=(1, 8, 3)).astype(np.float32)
    layer = model.get_layer("n")
    assert layer.reads_every_step(axis) is every
    moved = x.copy()
    moved[0, 0] += 1.0
    last = np.take(model.trace(x)["n"].output[0], -1, axis=axis - 1)
    assert (not np.array_equal(last, np.take(model.trace(moved)["n"].output[0], -1, axis=axis - 1))) is every
    rows = {r.key: r for r in layout(model, model.trace(x), [x]).rows}
    assert rows["n"].reads_all is every and rows["n"].links is None and not rows["d"].reads_all


def test_attention_poolings_softmax_over_the_steps_reads_every_step_its_neighbours_their_own():
    model = lstmviz.load(FIXTURES / "k3_attention_pooling" / "model.keras", isolate=False)
    x = np.load(FIXTURES / "k3_attention_pooling" / "x.npy")[:, :40]
    rows = {r.key: r for r in layout(model, model.trace(x), [x]).rows}
    assert rows["a"].reads_all and rows["a"].sources == ["e"] and rows["a"].domain == rows["e"].domain
    assert [k for k, r in rows.items() if r.reads_all] == ["a"]  # (the Multiply by it: step by step)


def test_keras3s_saved_mask_ops_are_no_rows_and_their_masks_grey_the_rows_they_mask():
    """Keras 3 saves a masked merge's mask as ops (NotEqual, Any, ExpandDims, ZerosLike,
    OnesLike, LogicalOr and a Concatenate of them, ``Model.mask_ops``): booleans, no values.
    They had a row each (22 of the fixture's 50 layers, lines from lstm_a into its ZerosLike);
    now none, and no row is said to read one, while every other layer keeps its row, and a
    recurrent layer given one as mask= greys the steps that mask drops."""
    case = FIXTURES / "k3_masked_merges"
    model = lstmviz.load(case / "model.keras", isolate=False)
    xs = read_inputs(case)
    trace = model.trace(xs)
    masks = model.mask_ops
    kinds = {model.get_layer(n).class_name for n in masks}
    assert kinds == {"NotEqual", "Any", "ExpandDims", "ZerosLike", "OnesLike", "LogicalOr", "Concatenate"}
    assert len(masks) == 22 and "concat" not in masks  # (the Concatenate of the LSTM's and GRU's sequences)
    rows = layout(model, trace, xs).rows
    drawn = {r.layer for r in rows if r.kind != "input"}
    assert drawn == {l.name for l in model.layers if l.class_name != "InputLayer"} - masks
    keys = {r.key for r in rows}
    assert all(set(r.sources) <= keys for r in rows)
    row = next(r for r in rows if r.layer == "concat_lstm")
    assert row.mask is not None and not row.mask.all()
    np.testing.assert_array_equal(row.mask, trace["any"].output)  # (its mask= the Any op's)


_GRU = {"class_name": "GRU", "config": {"units": 2}}


@pytest.mark.parametrize("spec", [
    LayerSpec("LSTM", {"units": 3}, name="w"),
    LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="w"),
    LayerSpec("Bidirectional", {"layer": _GRU, "merge_mode": "sum"}, name="w"),
    LayerSpec("Bidirectional", {"layer": {**_GRU, "config": {"units": 2, "return_sequences": True}}}, name="w"),
    LayerSpec("RNN", {"cell": [{"class_name": "GRUCell", "config": {"units": 3}},
                               {"class_name": "SimpleRNNCell", "config": {"units": 2}}]}, name="w"),
], ids=["lstm_last", "lstm_seq", "bidirectional_last", "bidirectional_seq", "rnn_cells_last"])
def test_a_featurewise_recurrent_layer_is_drawn_on_its_own_steps(spec):
    """A recurrent layer over (batch, features, steps) after a Permute((2, 1)) steps over the
    4 features, each step reading all the input's 300 steps. One returning its last step (a
    Bidirectional's halves, an RNN([cells])'s cells) was drawn on the input's 6 (or, in a
    long input's window, 64 of its 300) columns, its 4 cells' values stretched across them; each row of
    it now stands on a block of its own 4 columns holding the trace's steps, in a whole
    trace and in a long input's window alike, as one returning its sequence always did."""
    from lstmviz.engine.windows import keyframe_pass

    model = Model.sequential((None, 300, 4), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
                                               LayerSpec("Permute", {"dims": [2, 1]}, name="p"), spec], seed=2)
    x = np.random.default_rng(0).normal(size=(1, 300, 4)).astype(np.float32)
    for trace in (model.trace(x), keyframe_pass(model, x, every=64).window(64, 128, by_input=True)):
        lay = layout(model, trace)
        rows = [r for r in lay.rows if r.layer == "w"]
        assert rows and {r.kind for r in rows} == {"rnn"}
        assert len({r.domain for r in rows}) == 1 and rows[0].domain != next(r for r in lay.rows if r.key == "l").domain
        for r in rows:
            assert lay.domains[r.domain] == r.T == 4 == r.data.shape[1], r.key
            np.testing.assert_array_equal(r.data, r.ref.rec.steps["h"])
    # (the fixture: a Masking after the Permute, a masked LSTM and a Bidirectional GRU beside it
    # on one block of their 4 steps, the input's 6 on another)
    case = FIXTURES / "k3_featurewise_masked_rnn"
    model = lstmviz.load(case / "model.keras", isolate=False)
    xs = read_inputs(case)
    trace = model.trace(xs)
    lay = layout(model, trace, xs)
    rows = {r.key: r for r in lay.rows}
    drawn = [rows[k] for k in ("masked_lstm", "masked_bi_gru/forward", "masked_bi_gru/backward")]
    assert {r.domain for r in drawn} == {drawn[0].domain} and lay.domains[drawn[0].domain] == 4
    assert lay.domains[rows["input"].domain] == 6
    for r, rec in zip(drawn, (trace["masked_lstm"], *trace["masked_bi_gru"].children.values())):
        np.testing.assert_array_equal(r.data, rec.steps["h"])


def test_the_attention_blocks_weights_per_step_stand_over_the_steps_they_weigh():
    """Issue 13: the attention block of blog-era Keras models (Permute((2, 1)) -> Dense(32,
    softmax) -> Permute((2, 1)) -> Multiply, ``windows.weighs_input_steps``) holds a weight per
    input step, on its Dense's axis 2 and on the second Permute's axis 1. Both stood in a block
    of 3 (4) columns of their own at the right edge, the weights of step t in no column of t;
    now every row of the block is on the input's 32 columns, its column t the trace's numbers
    of input step t, the Dense's each reading every step; in a long input's window alike (its
    columns the window's 16 steps, the whole trace's numbers at them)."""
    from lstmviz.engine.windows import keyframe_pass

    case = FIXTURES / "k3_attention_steps"
    model = lstmviz.load(case / "model.keras", isolate=False)
    x = np.load(case / "x.npy")
    full = model.trace(x)
    for trace, first in ((full, 0), (keyframe_pass(model, x, every=16).window(16, 32, by_input=True), 16)):
        lay = layout(model, trace, [x[:, first:first + 16]] if first else [x])
        rows = {r.key: r for r in lay.rows}
        assert len(lay.domains) == 1 and lay.domains[0] == 32 - first
        for side, n in (("before", 3), ("after", 4)):
            weights, probs = rows[f"{side}_weights"], rows[f"{side}_probs"]
            assert weights.T == probs.T == 32 - first and weights.units == probs.units == n
            # (the Dense's (batch, features, steps) turned: column t, feature k = its [k, t])
            np.testing.assert_array_equal(weights.data,
                                          full[f"{side}_weights"].output[:, :, first:].transpose(0, 2, 1))
            np.testing.assert_array_equal(probs.data, full[f"{side}_probs"].output[:, first:])
            assert weights.reads_all and not probs.reads_all and probs.sources == [f"{side}_weights"]
            assert weights.final_cols == list(range(32 - first))
        assert [k for k, r in rows.items() if r.reads_all] == ["before_weights", "after_weights"]
