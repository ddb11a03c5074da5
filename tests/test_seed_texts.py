"""The five seed texts (../shared/seeds, issue 14): every model they build, built as a
student would in the side panel -- through the panel's own code (``app.options`` for the
option keys and where Add puts a layer, ``AppState`` for every edit) -- and every number
they quote checked against what lstmviz shows and against real Keras
(``tests/fixtures/seed_texts``, made by ``scripts/make_seed_fixtures.py``). Where a text is
wrong, the test checks that lstmviz shows what Keras does."""

import json
from pathlib import Path

import numpy as np
import pytest

from lstmviz.app import tours
from lstmviz.app.explain import inference_notes, output_names, output_text
from lstmviz.app.options import TIPS, add_position, options_for
from lstmviz.app.state import AppState
from lstmviz.app.terms import projection_terms

FIX = Path(__file__).parent / "fixtures" / "seed_texts"
KERAS = json.loads((FIX / "summary.json").read_text())["models"]
NUMBERS = np.load(FIX / "numbers.npz")


class Panel:
    """What a student does in the side panel, as the panel does it (StackPanel calls these)."""

    def __init__(self, timesteps, input_dim, batch=1):
        self.st = AppState()
        for _ in range(len(self.st.layers)):  # Remove, Remove, Remove
            self.st.remove_layer(0)
        self.st.set_input_spec(batch_size=batch, timesteps=timesteps, input_dim=input_dim)
        self.st.trace_all_samples = True

    def add(self, class_name, inner=None, where="at the bottom", **options):
        st = self.st
        selected = len(st.layers) - 1 if st.layers else None
        at = add_position(class_name, where, selected, len(st.layers))
        st.add_layer(class_name, inner, at)
        known = {o.key for o in options_for(class_name, st.layers[at].config)}
        for key, value in options.items():
            assert key in known, f"the panel has no widget for {key}"
            st.set_layer_option(at, key, value)
        return at

    def model(self):
        assert self.st.error is None, self.st.error
        return self.st.model

    def layer(self, k):
        return self.model().get_layer(self.st.layers[k].name)

    def put_weights(self, name):
        """The Keras model's weights on the stack (as opening its file would)."""
        for k, entry in enumerate(self.st.layers):
            ws = [NUMBERS[f"{name}/w{k}_{j}"] for j in range(len(self.layer(k).weights))]
            entry.weights = ws
        self.st.rebuild()
        assert self.st.error is None, self.st.error

    def run(self, x):
        self.st.set_input_data(x)
        last = self.st.layers[-1].name
        return self.st.trace.layers[last].outputs


def same_as_keras(panel, name):
    """Every layer's parameters, weight shapes and output shapes are Keras'."""
    want = KERAS[name]
    model = panel.model()
    assert model.count_params() == want["total"]
    for k, w in enumerate(want["layers"]):
        layer = panel.layer(k)
        assert layer.class_name == w["class_name"]
        assert layer.count_params() == w["params"], (name, k)
        assert [[n, list(a.shape)] for n, a in layer.named_weights().items()] == w["weights"], (name, k)
        assert [list(s) for s in layer.output_shapes] == w["outputs"], (name, k)


def predicts_as_keras(panel, name, outputs=1):
    panel.put_weights(name)
    got = panel.run(NUMBERS[f"{name}/x"])
    for j in range(outputs):
        np.testing.assert_allclose(got[j], NUMBERS[f"{name}/y{j}"], atol=1e-5)
    return got


# -- text 0: a blog post reading Keras' LSTM source ----------------------------------------------
def test_text0_lstm4_input_shape_1_2():
    """model.add(LSTM(4, input_shape=(1, 2))): timesteps 1, input_dim 2, 4 units."""
    p = Panel(timesteps=1, input_dim=2)
    p.add("LSTM", units=4)
    same_as_keras(p, "t0_lstm4")
    assert p.model().count_params() == 4 * (2 * 4 + 4 * 4 + 4) == 112
    lstm = p.layer(0)
    blocks = lstm.gate_blocks()
    for g in "ifco":  # "the dimension of self.kernel_i ... is (input_dim, num_units)"
        assert blocks[f"kernel_{g}"].shape == (2, 4)
        assert blocks[f"bias_{g}"].shape == (4,)
    predicts_as_keras(p, "t0_lstm4")
    # "timesteps is how many times a RNN cell runs": one recorded step per timestep
    assert p.st.trace.layers[p.st.layers[0].name].steps["h"].shape == (2, 1, 4)
    # "The largest difference ... LSTM has an extra hidden state": c beside h
    assert tuple(lstm.state_names) == ("h", "c")


def test_text0_batch_size_at_inference_and_in_training():
    """"batch_size controlled how often the network is updated" (256 / 32 = 8 updates): true
    for training; at inference a sample's numbers do not depend on the batch it is in."""
    from lstmviz.ui.stack_panel import BATCH_TIP

    assert "256 / 32 = 8 updates per epoch" in BATCH_TIP and "inference" in BATCH_TIP
    p = Panel(timesteps=5, input_dim=2, batch=4)
    p.add("LSTM", units=3, return_sequences=True)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 5, 2)).astype(np.float32)
    four = p.run(x)[0]
    one = p.run(x[2:3])[0]
    np.testing.assert_allclose(one[0], four[2], atol=1e-6)


def test_text0_dropout_masks_x_and_h_not_the_kernels_and_do_nothing_at_inference():
    """The source shows inputs * dp_mask and h_tm1 * rec_dp_mask (text 0); text 4 says
    dropout applies to the kernel and recurrent_kernel. lstmviz says what the code does,
    and shows Keras' predict: the same numbers with and without dropout."""
    tip = TIPS["dropout"] + TIPS["recurrent_dropout"]
    assert "x_t" in tip and "h_(t\u22121)" in tip and "not kernel weights" in tip and "not weights of U" in tip
    p = Panel(timesteps=6, input_dim=3)
    p.add("LSTM", units=4, return_sequences=True, dropout=0.5, recurrent_dropout=0.5)
    same_as_keras(p, "t4_dropout")
    notes = " ".join(inference_notes("LSTM", p.st.layers[0].config))
    assert "nothing changes here" in notes and "kernels themselves are never dropped" in notes
    got = predicts_as_keras(p, "t4_dropout")
    np.testing.assert_allclose(got[0], NUMBERS["t4_dropout/y_no_dropout"], atol=1e-5)


# -- text 1: "Multi dimensional input for LSTM in Keras" -------------------------------------------
@pytest.mark.parametrize("features,params,name", [(1, 12, "t1_f1"), (2, 16, "t1_f2")])
def test_text1_units1_timesteps1(features, params, name):
    p = Panel(timesteps=1, input_dim=features)
    p.add("LSTM", units=1)
    same_as_keras(p, name)
    units = 1
    assert p.model().count_params() == (4 * features * units) + (4 * units * units) + (4 * units) == params
    lstm = p.layer(0)
    assert lstm.gate_blocks()["kernel_c"].shape == (features, 1)   # kernel_c (1, 1) / (2, 1)
    assert lstm.gate_blocks()["bias_c"].shape == (1,)              # bias_c (1,)
    assert output_text(lstm) == "(None, 1)"
    predicts_as_keras(p, name)
    # "is x an array, and are the weights arrays?": the Cell view writes W_i·x_t out per feature
    st = p.st
    lstm = p.layer(0)
    rec = st.trace.layers[st.layers[0].name]
    terms = projection_terms(lstm, st.x[0, 0], rec.initial_state["h"][0], 0)
    wx = [t for t in terms if t.symbol == "W_i·x_t"][0]
    assert len(wx.factors) == features
    sym, num = wx.text()
    assert sym == "W_i·x_t = " + " + ".join(f"W_i[{k}]·x_t[{k}]" for k in range(features))
    np.testing.assert_allclose(wx.total, rec.steps["x_proj"][0, 0, 0], atol=1e-6)
    # "the state value C is always a scalar, one per unit"
    assert rec.steps["c"].shape[-1] == 1


# -- text 2: "what am I configuring with N units?" ------------------------------------------------
def test_text2_units_is_the_width_of_h_not_the_number_of_steps():
    p = Panel(timesteps=3, input_dim=2)
    p.add("LSTM", units=5, return_sequences=True)
    same_as_keras(p, "t2_seq")
    assert p.layer(0).output_shapes == [(None, 3, 5)]      # (batch_size, timespan, unit)
    predicts_as_keras(p, "t2_seq")
    # "one LSTM unit run for N iterations"? no: 3 steps (timesteps), each 5 numbers wide
    rec = p.st.trace.layers[p.st.layers[0].name]
    assert rec.steps["h"].shape[1:] == (3, 5)
    p.st.set_layer_option(0, "return_sequences", False)
    same_as_keras(p, "t2_last")
    assert p.layer(0).output_shapes == [(None, 5)]         # (batch_size, unit)
    predicts_as_keras(p, "t2_last")
    assert "Not the number of timesteps" in TIPS["units"]


def test_text2_units_are_not_independent_copies():
    """Solution 3: "n independent copies of such RNN". The recurrent kernel feeds every
    unit's h_{t-1} into every unit's gates: unit 0's gates move when only unit 3's h moves."""
    p = Panel(timesteps=3, input_dim=2)
    p.add("LSTM", units=5, return_sequences=True)
    lstm = p.layer(0)
    x_t = np.zeros(2, np.float32)
    h = np.zeros(5, np.float32)
    h3 = h.copy()
    h3[3] = 1.0
    before = {t.symbol: t.total for t in projection_terms(lstm, x_t, h, 0)}
    after = {t.symbol: t.total for t in projection_terms(lstm, x_t, h3, 0)}
    moved = [s for s in before if s.startswith("U") and abs(after[s] - before[s]) > 1e-3]
    assert moved, "unit 3's h_{t-1} feeds unit 0's gates"
    # and the terms the Cell view writes out are the trace's sums, at every step
    st = p.st
    rec = st.trace.layers[st.layers[0].name]
    for t in range(3):
        h_prev = rec.steps["h"][0, t - 1] if t else rec.initial_state["h"][0]
        for u in range(5):
            for g, term in enumerate(projection_terms(lstm, st.x[0, t], h_prev, u)):
                key = "x_proj" if term.symbol.startswith("W") else "h_proj"
                np.testing.assert_allclose(term.total, rec.steps[key][0, t, (g // 2) * 5 + u], atol=1e-5)
                if key == "h_proj":
                    assert len(term.factors) == 5  # every unit's h_{t-1}


def test_text2_keras_signature_options_all_have_widgets():
    """The LSTM signature text 2 quotes: every option that shapes the numbers or the
    training has a widget (regularizers, constraints and implementation are left out)."""
    keys = {o.key for o in options_for("LSTM")}
    for k in ("units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias", "dropout",
              "recurrent_dropout", "return_sequences", "return_state", "go_backwards", "stateful",
              "unroll"):
        assert k in keys, k


# -- text 3: "16 LSTM blocks with 1 cell each, or 1 block with 16 cells?" -------------------------
def test_text3_masking_lstm16_dense2_sigmoid():
    p = Panel(timesteps=10, input_dim=1, batch=2)
    p.add("LSTM", units=16)
    p.add("Dense", units=2)
    p.add("Activation", activation="sigmoid")
    p.add("Masking", where="below the selected layer")  # a Masking goes first anyway
    assert [e.class_name for e in p.st.layers] == ["Masking", "LSTM", "Dense", "Activation"]
    same_as_keras(p, "t3_mask")
    assert p.layer(1).count_params() == 4 * (1 * 16 + 16 * 16 + 16) == 1152
    got = predicts_as_keras(p, "t3_mask")
    assert ((got[0] > 0) & (got[0] < 1)).all()
    # one LSTM layer = ONE cell (one kernel for all 16 units), not 16 blocks
    assert [n for n in p.layer(1).named_weights()] == ["kernel", "recurrent_kernel", "bias"]


def test_text3_four_number_input_shape_the_screen_says_which_is_which():
    """input_shape=(BATCH_SIZE, MAX_LENGTH, 1) on the LSTM: the panel has one box each for
    batch, timesteps and input_dim, and spells out what the shape's numbers are."""
    from lstmviz.ui.stack_panel import shape_words

    p = Panel(timesteps=20, input_dim=30, batch=4)
    p.add("LSTM", units=10, return_sequences=True)
    assert p.model().input_shapes() == [(None, 20, 30)]
    words = shape_words((None, 20, 30))
    assert "20 steps (the cell runs 20\u00d7)" in words and "30 features each" in words
    # a model whose steps are open (an ONNX graph's symbolic length) never says "None steps"
    words = shape_words((None, None, 3))
    assert "None" not in words and "steps open" in words and "3 features each" in words
    # one step is one step (a Keras 1 model of input (None, 1, 1) read "1 steps")
    assert shape_words((None, 1, 1)) == "batch open \u00b7 1 step (the cell runs 1\u00d7) \u00b7 1 feature each"
    assert shape_words((None, 1)) == "batch open \u00b7 1 token id"
    # an ONNX graph's time-major input, (time, batch, features), in the shape's order
    assert shape_words((5, None, 3), time_major=True) == \
        "5 steps (the cell runs 5\u00d7) \u00b7 batch open \u00b7 3 features each (time-major)"
    assert shape_words((None, 500)) == "batch open \u00b7 500 token ids"
    # a long input's counts as the view's header and the status bar say them ("120000 steps"
    # stood in the side panel beside "of 120,000" in the header)
    assert shape_words((None, 300000)) == "batch open \u00b7 300,000 token ids"
    assert shape_words((None, 120000, 3)) == ("batch open \u00b7 120,000 steps (the cell runs 120,000\u00d7) "
                                              "\u00b7 3 features each")
    assert shape_words((None, None)) == "batch open \u00b7 any number of token ids"


def test_a_cnn_lstms_input_box_says_how_many_steps_the_cell_runs(make_window):
    """A Conv1D and a MaxPooling1D before the LSTM: the Input box said "20 steps (the cell
    runs 20\u00d7)" while the LSTM ran 9 steps (the Unrolled view's columns, its header
    "t = 0 / 8"). It now says the cell's own count and which layer hands the steps over; a
    'same' Conv1D, which keeps the count, says the input's as before."""
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.ui.stack_panel import cell_steps, shape_words

    layers = [LayerSpec("Conv1D", {"filters": 4, "kernel_size": 3}), LayerSpec("MaxPooling1D", {"pool_size": 2}),
              LayerSpec("Dropout", {"rate": 0.1}), LayerSpec("LSTM", {"units": 3, "return_sequences": True}),
              LayerSpec("GlobalAveragePooling1D", {}), LayerSpec("Dense", {"units": 1})]
    model = Model.sequential((None, 20, 2), layers, seed=0)
    lstm = model.get_layer("lstm")
    assert cell_steps(model) == (lstm.input_shapes[0][1], "max_pooling1d") == (9, "max_pooling1d")
    w = make_window()
    w.state.set_model(model)
    assert w.state.trace["lstm"].steps["h"].shape[1] == 9
    label = w.stack_panel.input_shape_label.text()
    assert "20 steps (the cell runs 9\u00d7, on max_pooling1d's 9 steps) \u00b7 2 features each" in label
    same = Model.sequential((None, 20, 2), [LayerSpec("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "same"}),
                                            LayerSpec("LSTM", {"units": 3})], seed=0)
    assert cell_steps(same) is None
    assert shape_words((None, 20, 2), runs=cell_steps(same)) == \
        "batch open \u00b7 20 steps (the cell runs 20\u00d7) \u00b7 2 features each"


def test_text3_lstm10_on_20x30_weights_and_not_unrolled_30_times():
    p = Panel(timesteps=20, input_dim=30)
    p.add("LSTM", units=10, return_sequences=True)
    same_as_keras(p, "t3_weights")
    shapes = [w.shape for w in p.layer(0).weights]
    assert shapes == [(30, 40), (10, 40), (40,)]
    # "unrolled ... 30 times": the cell runs once per TIMESTEP: 20, not 30 (the features)
    rec = p.st.trace.layers[p.st.layers[0].name]
    assert rec.steps["h"].shape[1] == 20


def test_text3_unroll_gives_the_same_numbers():
    p = Panel(timesteps=20, input_dim=3, batch=2)
    p.add("LSTM", units=4, return_sequences=True, unroll=True)
    same_as_keras(p, "t3_unroll")
    predicts_as_keras(p, "t3_unroll")
    assert "numbers are exactly the same" in " ".join(inference_notes("LSTM", p.st.layers[0].config))


def test_text3_the_words_block_cell_unit_are_answered_by_a_lesson():
    les = [le for le in tours.LESSONS if "block" in le.title.lower() or "cell" in le.title.lower()]
    assert les, "a lesson maps block / memory cell / unit onto Keras' words"
    text = " ".join(s.caption for s in les[0].steps)
    for word in ("block", "LSTMCell", "units", "not independent"):
        assert word in text, word


# -- text 4: "A practical guide to RNN and LSTM in Keras" ------------------------------------------
def test_text4_simple_rnn_stack_parameters():
    p = Panel(timesteps=10, input_dim=1)
    p.add("SimpleRNN", units=128, return_sequences=True)
    p.add("SimpleRNN", units=128, return_sequences=True)
    p.add("SimpleRNN", units=128)
    p.add("Dense", units=1)
    same_as_keras(p, "t4_rnn_stack")
    # units * (units + features + 1): 128 * (128 + 1 + 1) then 128 * (128 + 128 + 1)
    assert p.layer(0).count_params() == 128 * (128 + 1 + 1)
    assert p.layer(1).count_params() == p.layer(2).count_params() == 128 * (128 + 128 + 1) == 32896
    assert list(p.layer(0).named_weights()) == ["kernel", "recurrent_kernel", "bias"]


def test_text4_lstm_kernel_is_4_times_units_wide():
    p = Panel(timesteps=10, input_dim=1)
    p.add("LSTM", units=128)
    same_as_keras(p, "t4_lstm128")
    assert p.layer(0).weights[0].shape == (1, 128 * 4) == (1, 512)


def test_text4_flatten_and_time_distributed_after_return_sequences():
    p = Panel(timesteps=5, input_dim=2, batch=2)
    p.add("SimpleRNN", units=4, return_sequences=True)
    p.add("Flatten")
    p.add("Dense", units=1)
    same_as_keras(p, "t4_flatten")
    predicts_as_keras(p, "t4_flatten")
    p = Panel(timesteps=5, input_dim=2, batch=2)
    p.add("SimpleRNN", units=4, return_sequences=True)
    p.add("TimeDistributed")
    same_as_keras(p, "t4_td")
    predicts_as_keras(p, "t4_td")


def test_text4_return_state_outputs_are_named():
    p = Panel(timesteps=4, input_dim=2, batch=2)
    p.add("LSTM", units=3, return_state=True)
    same_as_keras(p, "t4_state")
    layer = p.layer(0)
    assert output_names(layer) == ["output", "h", "c"]
    assert output_text(layer) == "output (None, 3), h (None, 3), c (None, 3)"
    got = predicts_as_keras(p, "t4_state", outputs=3)
    np.testing.assert_array_equal(got[0], got[1])  # the output IS the last h
    p.st.change_kind(0, "GRU")
    assert output_names(p.layer(0)) == ["output", "h"]


def test_text4_initializers_are_seeded_and_reproducible():
    def build(init):
        p = Panel(timesteps=4, input_dim=2)
        p.add("SimpleRNN", units=3, kernel_initializer=init)
        return [w.copy() for w in p.layer(0).weights]

    a, b = build("glorot_uniform"), build("glorot_uniform")
    assert all((x == y).all() for x, y in zip(a, b))
    z = build("zeros")
    assert not z[0].any() and all((x == y).all() for x, y in zip(z, build("zeros")))
    o = build("ones")
    assert (o[0] == 1).all()


def test_switching_kind_keeps_units_and_options():
    p = Panel(timesteps=4, input_dim=2)
    p.add("LSTM", units=6, return_sequences=True, dropout=0.25, go_backwards=True)
    for kind, k in (("GRU", 3), ("SimpleRNN", 1), ("LSTM", 4)):
        p.st.set_layer_option(0, "class_name", kind)  # the form's "layer" choice
        e = p.st.layers[0]
        assert e.class_name == kind and p.layer(0).class_name == kind
        assert e.config["units"] == 6 and e.config["return_sequences"] and e.config["go_backwards"]
        assert e.config["dropout"] == 0.25
        assert p.layer(0).weights[0].shape == (2, k * 6)
    assert len(p.st.layers) == 1
    p.st.undo()
    assert p.st.layers[0].class_name == "SimpleRNN"


@pytest.mark.parametrize("kind,options", [("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}),
                                          ("SimpleRNN", {}), ("LSTM", {"use_bias": False})])
def test_written_out_terms_sum_to_the_traces_projections(kind, options):
    p = Panel(timesteps=4, input_dim=3)
    p.add(kind, units=3, return_sequences=True, **options)
    st, layer = p.st, p.layer(0)
    rec = st.trace.layers[st.layers[0].name]
    k = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[kind]
    for t in range(4):
        h_prev = rec.steps["h"][0, t - 1] if t else rec.initial_state["h"][0]
        gates = {"r": rec.steps["r"][0, t]} if kind == "GRU" else None
        for u in range(3):
            terms = projection_terms(layer, st.x[0, t], h_prev, u, gates)
            assert len(terms) == 2 * k
            for n, term in enumerate(terms):
                key = "x_proj" if n % 2 == 0 else "h_proj"
                np.testing.assert_allclose(term.total, rec.steps[key][0, t, (n // 2) * 3 + u], atol=1e-5)
