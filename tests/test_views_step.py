"""The Cell view's page for a layer that maps each step on its own with weights (Dense on a
sequence, TimeDistributed(Dense), Dense on a vector, Conv1D): its bars are the trace's
input and output at the cursor's step, its equation's numbers are W·x_t + b as the layer
sums them and the traced y, which equals Keras' (the fixtures' expected.npz)."""

import math
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore

import lstmviz
from lstmviz.app.cell_ref import fmt, fmt_term
from lstmviz.app.selection import Cursor
from lstmviz.app.step_ref import equations, same_weights, step_ref, step_refusal
from lstmviz.engine import LayerSpec, Model, activations
from lstmviz.engine.step_equations import dense_equations
from lstmviz.ui.views.cell import CellView

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name):
    path = FIXTURES / name / "model.keras"
    model = lstmviz.load(str(path if path.exists() else path.with_suffix(".h5")))
    x = np.load(FIXTURES / name / "x.npy")
    expected = np.load(FIXTURES / name / "expected.npz")
    return model, x, model.trace(x), expected


@pytest.fixture
def view(qtbot):
    v = CellView()
    qtbot.addWidget(v)
    return v


# -- the engine's templates and the app's numbers ---------------------------------------------
def test_dense_templates_say_one_unit_at_a_step():
    relu = dense_equations({"activation": "relu", "use_bias": True})
    assert [(e.symbolic, e.numeric) for e in relu] == [
        ("y_t[u] = relu(W[:,u]·x_t + b[u])", "relu({wx} + {b:t}) = relu({pre}) = {y}")]
    vector = dense_equations({"activation": "linear", "use_bias": False}, steps=False)
    assert [(e.symbolic, e.numeric) for e in vector] == [("y[u] = W[:,u]·x", "{y}")]
    soft = dense_equations({"activation": "softmax", "use_bias": True})
    assert [e.symbolic for e in soft] == [
        "z_t[u] = W[:,u]·x_t + b[u]",
        "y_t[u] = exp(z_t[u] − m) / Σⱼ exp(z_t[j] − m)  (j: the step's units; m: the largest z_t[j])"]
    assert soft[1].numeric == "exp({pre} − {m:t}) / {sum} = {e} / {sum} = {y}"


@pytest.mark.parametrize("act", ["softmax", "log_softmax"])
def test_a_softmax_is_each_units_share_of_its_steps_sums(act):
    """The units' sums z_t first, then the unit's share as Keras takes it (less the
    largest, m): the printed numbers give the traced y (to their decimals)."""
    model = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                                            LayerSpec("Dense", {"units": 6, "activation": act})], seed=2)
    x = np.random.default_rng(2).normal(size=(2, 5, 3)).astype(np.float32)
    trace = model.trace(x)
    ref = step_ref(model, trace, model.layers[-1].name)
    for s, t, u in ((0, 0, 0), (1, 3, 5)):
        got = ref.numbers(s, t, u)
        z = [ref.numbers(s, t, j)["pre"] for j in range(ref.units)]
        assert got["m"] == pytest.approx(max(z))
        share = (math.exp(got["pre"] - got["m"]) / got["sum"] if act == "softmax"
                 else got["pre"] - got["m"] - math.log(got["sum"]))
        assert share == pytest.approx(ref.y_at(s, t)[u], abs=1e-6)
        first, second = equations(ref, s, t, u)
        assert first.line.endswith("= " + fmt(got["pre"]))
        assert second.line.endswith("= " + fmt(ref.y_at(s, t)[u]))
        assert f"{fmt(got['pre'])} − {fmt_term(got['m'])}" in second.line


@pytest.mark.parametrize("fixture_name,layer", [
    ("k3_lstm_stacked_td", "td"), ("k3_lstm_stacked_td", "dense_3d"), ("k3_conv_lstm", "dense"),
    ("k3_conv_lstm", "conv"), ("k2_lstm_stacked_td", "td"), ("k3_dense_activations", "dense_softmax"),
    # (padding same and strides 2; causal, dilation 2, no bias; groups 2; channels first)
    ("k3_conv_pool_options", "conv_same_s2"), ("k3_conv_pool_options", "conv_causal_d2"),
    ("k3_conv_pool_options", "conv_groups"), ("k3_conv_pool_options", "conv_cf")])
def test_the_numbers_are_the_layers_sum_and_keras_output(fixture_name, layer):
    model, x, trace, expected = fixture(fixture_name)
    ref = step_ref(model, trace, layer)
    assert ref is not None
    keras_y = expected[f"layer:{layer}"]
    if getattr(ref.layer, "channels_first", False):  # (the page's steps-last of Keras' (N, C, L))
        keras_y = keras_y.transpose(0, 2, 1)
    np.testing.assert_allclose(ref.y, keras_y, atol=1e-5)  # (what the page reads: Keras' numbers)
    act = activations.get(ref.layer.config["activation"], model.keras_major)
    W = ref.kernel
    b = ref.layer.weights[1] if ref.use_bias else np.zeros(ref.units, np.float32)
    for s in range(ref.y.shape[0]):
        for t in range(ref.T):
            pre = np.array([ref.numbers(s, t, u)["pre"] for u in range(ref.units)], np.float32)
            # the activation of the shown sums is the traced output, to the bit
            np.testing.assert_array_equal(act(pre.copy()), ref.y_at(s, t))
            for u in range(ref.units):
                got = ref.numbers(s, t, u)
                assert got["y"] == ref.y_at(s, t)[u]
                assert got.get("b", 0.0) == b[u]
                if ref.conv:
                    reads = ref.layer.read_steps(ref.x.shape[1])[t]
                    c = W.shape[1]  # (a filter of group g reads channels g*c .. (g+1)*c)
                    g = u // (ref.units // ref.layer.groups)
                    taps = [ref.x[s, r, g * c:(g + 1) * c] @ W[k, :, u] if r >= 0 else 0.0
                            for k, r in enumerate(reads)]
                    assert got["pre"] == pytest.approx(sum(taps) + b[u], abs=1e-5)
                    assert [got[f"w{k}"] for k in range(len(reads))] == pytest.approx(taps, abs=1e-6)
                else:
                    xt = ref.x[s, t] if ref.steps else ref.x[s]
                    assert got["wx"] == pytest.approx(float(xt @ W[:, u]), abs=1e-6)
                    assert got["pre"] == pytest.approx(got["wx"] + got["b"], abs=1e-6)
                line = equations(ref, s, t, u)[-1].line
                assert line.endswith("= " + fmt(ref.y_at(s, t)[u]))
                if not ref.conv:
                    assert fmt(got["wx"]) in equations(ref, s, t, u)[0].line
                if ref.use_bias:
                    assert fmt_term(got["b"]) in equations(ref, s, t, u)[0].line


def test_where_the_input_comes_from_and_the_same_weights():
    model, _, trace, _ = fixture("k3_lstm_stacked_td")
    assert step_ref(model, trace, "dense_3d").source.words == "h_t of lstm_2"
    td = step_ref(model, trace, "td")
    assert td.source.words == "y_t of dense_3d"
    assert same_weights(td) == ("TimeDistributed(Dense) applies one Dense, the same W (5×2) and b (2), to every "
                                "one of the 6 steps on its own: y_t depends on x_t alone.")
    model, _, trace, _ = fixture("k3_conv_lstm")
    dense = step_ref(model, trace, "dense")
    assert dense.source.words == "the last h of lstm" and not dense.steps and dense.T == 1
    assert same_weights(dense).startswith("One step: the input is a vector (the last h of lstm)")
    conv = step_ref(model, trace, "conv")
    assert conv.source.words == "the model's input" and conv.unit_word == "filter"
    # (causal, kernel 3: step 0 reads two taps of padding and input step 0)
    assert conv.reads(0) == [-1, -1, 0] and conv.reads(4) == [2, 3, 4]
    np.testing.assert_array_equal(conv.x_at(1, 0)[-conv.x.shape[-1]:], conv.x[1, 0])
    assert not conv.x_at(1, 0)[:-conv.x.shape[-1]].any()
    pool = step_ref(model, trace, "pool")  # (no weights: the max of a window, no W and b)
    assert pool.source.words == "y_t of conv" and pool.unit_word == "channel" and pool.reads(3) == [6, 7]
    assert pool.shapes() == ("", "") and not pool.use_bias
    # a recurrent layer: none (the cell page shows it)
    assert step_ref(model, trace, "lstm") is None


def test_a_window_of_a_long_input_of_a_channels_first_conv_is_said_in_one_line():
    """A long input's windows follow a channels-last Conv1D of any strides and padding, a
    channels_first one after a Permute((2, 1)) (``tests/test_app_conv.py``: shown); one over
    (batch, steps, features) reads the steps as its channels, so a long input's pass computes
    it once (``windows._plan``): no window of its steps, its step page refused in one line,
    saying so."""
    model, _, trace, _ = fixture("k3_conv_pool_options")
    trace.total_steps = 50_000  # (as a long input's window says it: engine/windows.py)
    assert step_ref(model, trace, "conv_cf") is None
    said = step_refusal(model, trace, "conv_cf")
    assert said is not None and "\n" not in said
    assert said.startswith("'conv_cf' (Conv1D) reads its steps on its last axis (channels_first), reading the "
                           "steps as its channels: a long input's pass computes it once from the whole sequence")
    assert "channels last" in said


@pytest.mark.parametrize("long", [False, True])
def test_a_channels_first_pooling_of_each_steps_features_is_said_in_one_line(view, long):
    """A channels_first pooling over the model's (batch, steps, features) pools each step's
    features alone: its steps the input's (as Over time and Unrolled draw it, a long input's
    windows follow it step by step), no page of windows of steps (the old one's "steps"
    were the pooled features); on a whole trace as on a long input's window, one line."""
    model, x, trace, _ = fixture("k3_conv_pool_options")
    if long:
        trace.total_steps = 50_000  # (as a long input's window says it: engine/windows.py)
    for name, takes, how in (("avg_cf", "mean", "pool 2"), ("max_cf", "max", "pool 2, same")):
        assert step_ref(model, trace, name) is None
        said = step_refusal(model, trace, name)
        assert said == (f"'{name}' ({model.get_layer(name).class_name}, channels_first) pools each step's "
                        f"features alone: channel c of its step t is the {takes} of a window of 2 of the 4 "
                        f"features of step t of input ({how}), its steps the input's, as the Unrolled and Over "
                        "time views and a long input's windows show them; the Cell view shows no page of one "
                        "step's features")
        if not long:
            view.set_data(model, trace, inputs=[x])
            view.set_cursor(Cursor(step=8, sample=1, layer=name, unit=1))
            assert view.message_text() == said


# -- the view ---------------------------------------------------------------------------------
def test_the_page_shows_the_traces_numbers_and_follows_the_cursor(view):
    model, x, trace, _ = fixture("k3_lstm_stacked_td")
    view.set_data(model, trace, inputs=[x])
    before = trace["dense_3d"].outputs[0]
    out = trace["td"].outputs[0]
    W, b = model.get_layer("td").weights
    for s, t, u in ((0, 0, 0), (1, 3, 1), (1, 5, 0)):
        view.set_cursor(Cursor(step=t, sample=s, layer="td", unit=u))
        assert view.message_text() is None
        page = view.step_page
        assert view.stack.currentWidget() is view.step_scroll
        np.testing.assert_array_equal(page.bars["x"].values, before[s, t])
        np.testing.assert_array_equal(page.bars["y"].values, out[s, t])
        [line] = view.equation_lines()
        assert line == (f"y_t[u] = W[:,u]·x_t + b[u] = {fmt(before[s, t] @ W[:, u])} + {fmt_term(b[u])} = "
                        f"{fmt(out[s, t, u])}")
        assert f"step <b>t = {t}</b>" in page.header.text() and f"unit <b>{u}</b>" in page.header.text()
    assert "the same W (5×2) and b (2)" in page.eq_label.text()


def test_a_dense_on_a_vector_is_one_step(view):
    model, x, trace, expected = fixture("k3_conv_lstm")
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=3, sample=1, layer="dense", unit=0))
    page = view.step_page
    np.testing.assert_array_equal(page.bars["x"].values, trace["lstm"].outputs[0][1])
    np.testing.assert_allclose(page.bars["y"].values, expected["layer:dense"][1], atol=1e-5)
    assert view.equation_lines()[0].startswith("y[u] = W[:,u]·x + b[u] = ")
    assert "one step" in page.header.text()


def test_a_max_pooling_takes_the_largest_of_its_window_channel_by_channel(view):
    """A MaxPooling1D selected: the Cell view said it has no page ("'pool' (MaxPooling1D)
    has none"), and what a pooling does was nowhere on screen. Its page: the selected
    channel's numbers its window reads, tap by tap, the one it takes marked; every channel's
    output, the channel marked; y_t[c] = max(...) with the trace's (Keras') numbers; the
    line saying it has no weights and how many steps become how many."""
    model, x, trace, expected = fixture("k3_conv_lstm")
    view.set_data(model, trace, inputs=[x])
    below, out = trace["conv"].outputs[0], trace["pool"].outputs[0]
    assert out.shape[1] == 5 and below.shape[1] == 10
    for s, t, c in ((0, 0, 0), (1, 3, 2), (1, 4, 3), (0, 2, 1)):
        view.set_cursor(Cursor(step=t, sample=s, layer="pool", unit=c))
        assert view.message_text() is None and view.stack.currentWidget() is view.step_scroll
        page = view.step_page
        taps = below[s, 2 * t:2 * t + 2, c]
        np.testing.assert_array_equal(page.bars["x"].values, taps)
        np.testing.assert_array_equal(page.bars["y"].values, out[s, t])
        np.testing.assert_allclose(out[s, t], expected["layer:pool"][s, t], atol=1e-5, rtol=0)  # (Keras')
        assert out[s, t, c] == taps.max()
        [line] = view.equation_lines()
        assert line == (f"y_t[c] = maxₖ x_{{2t+k}}[c]  (k = 0…1) = max({fmt(taps[0])}, {fmt(taps[1])}) = "
                        f"{fmt(out[s, t, c])}")
        band = page.bars["x"].band
        assert band.isVisible() and band.rect().center().x() == float(np.argmax(taps))  # (the tap taken)
        assert page.bars["y"].band.rect().center().x() == c
        head = page.header.text()
        assert f"reads steps {2 * t}, {2 * t + 1} of conv" in head and f"channel <b>{c}</b>" in head
    said = page.eq_label.text()
    assert "No weights: each output step takes, channel by channel, the largest of a window of 2 input steps " \
           "(pool 2, strides 2): its 10 input steps become 5." in said
    assert "max" in page.arrow.text() and "W (" not in page.arrow.text()


def test_an_average_pooling_divides_by_the_steps_its_window_reads(view):
    """AveragePooling1D, padding 'same' (pool 3, strides 2 over 9 steps): its first and last
    windows reach onto the padding, which it never reads: the equation adds the taps that
    read a step, in the layer's order, and divides by their count, to the trace's bit (a
    channels_first one pools each step's features: no page, one line, above)."""
    model, x, trace, expected = fixture("k3_conv_pool_options")
    view.set_data(model, trace, inputs=[x])
    layer = model.get_layer("avg_same")
    out = trace["avg_same"].outputs[0]
    T = x.shape[1]
    for s, t, c in ((0, 0, 1), (1, out.shape[1] - 1, 0), (0, out.shape[1] // 2, out.shape[2] - 1)):
        view.set_cursor(Cursor(step=t, sample=s, layer="avg_same", unit=c))
        page = view.step_page
        assert view.message_text() is None
        reads = [int(r) for r in layer.reads_at(t, T)]
        real = [r for r in reads if r >= 0]
        taps = x[s, real, c]
        np.testing.assert_array_equal(page.bars["x"].values, [x[s, r, c] if r >= 0 else 0 for r in reads])
        total = np.float32(0)
        for v in taps:
            total = np.float32(total + v)
        assert np.float32(total / np.float32(len(real))) == out[s, t, c]  # (the layer's own sum)
        [line] = view.equation_lines()
        terms = " + ".join([fmt(taps[0])] + [fmt_term(v) for v in taps[1:]])
        assert line.endswith(f"= ({terms}) / {len(real)} = {fmt(total)} / {len(real)} = {fmt(out[s, t, c])}")
        assert not page.bars["x"].band.isVisible()  # (a mean takes every tap)
        if len(real) < len(reads):
            assert "padding" in page.header.text()
    said = "the mean of a window of 3 input steps (pool 3, strides 2, padding same): its 9 input steps become 5."
    assert said in page.eq_label.text()


def test_a_layer_without_a_page_still_says_what_the_view_shows(view):
    model, x, trace, _ = fixture("k3_misc_layers")
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=0, layer="flatten"))
    assert view.message_text() is not None and "'flatten' (Flatten) is neither" in view.message_text()


def test_a_conv_reads_its_window(view):
    model, x, trace, _ = fixture("k3_conv_lstm")
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=4, sample=0, layer="conv", unit=2))
    page = view.step_page
    np.testing.assert_array_equal(page.bars["x"].values, x[0, 2:5].reshape(-1))
    np.testing.assert_array_equal(page.bars["y"].values, trace["conv"].outputs[0][0, 4])
    [line] = view.equation_lines()
    assert line.startswith("y_t[f] = relu(Σₖ W_k[:,f]·x_{t+k-2} + b[f]) = relu(")
    assert line.endswith(fmt(trace["conv"].outputs[0][0, 4, 2]))
    assert "reads input steps 2, 3, 4" in page.header.text()


def test_a_click_on_an_output_bar_picks_its_unit(view, qtbot):
    model = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                                            LayerSpec("TimeDistributed", {"layer": {
                                                "class_name": "Dense", "config": {"units": 6}}})], seed=1)
    x = np.random.default_rng(1).normal(size=(1, 5, 3)).astype(np.float32)
    trace = model.trace(x)
    name = model.layers[-1].name
    view.resize(1200, 700)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=2, layer=name, unit=0))
    view.show()
    qtbot.waitExposed(view)
    seen = []
    view.unit_requested.connect(seen.append)

    def click(key, x_value):
        bp = view.step_page.bars[key]
        vb = bp.plot.getViewBox()
        pos = bp.view.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x_value, sum(bp.yr) / 2)))
        qtbot.mouseClick(bp.view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)

    click("y", 4.1)
    click("y", 1.0)
    click("x", 2.0)  # the input's bars are features, not units
    assert seen == [4, 1]
    view.set_cursor(Cursor(step=2, layer=name, unit=4))
    assert view.equation_lines()[0].endswith(fmt(trace[name].outputs[0][0, 2, 4]))
    # the page's unit marked where the cursor's unit is
    band = view.step_page.bars["y"].band
    assert band.isVisible() and band.rect().center().x() == pytest.approx(4.0)


def test_a_long_inputs_window_shows_a_dense_step(view):
    """A long input's window far along (``LongSequence.window_at`` after its pass) holds a
    TimeDistributed(Dense)'s input and output at its steps: the page shows them, the whole
    trace's numbers, and names the step of the whole sequence (a Conv1D's: below)."""
    from lstmviz.app.long_sequence import LongSequence

    model = Model.sequential((None, None, 2), [
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}),
        LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 2}}})], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 5000, 2)).astype(np.float32)
    long = LongSequence(model, x)
    assert long.run_pass()  # (the keyframes: a window far along)
    window, t = long.window_at(3000)
    lstm, td = (layer.name for layer in model.layers)
    assert window.start > 0 and window.total_steps == 5000 and window[td].outputs[0].shape[1] < 5000
    whole = model.trace(x)
    view.set_data(model, window, inputs=[x])
    view.set_cursor(Cursor(step=t, layer=td, unit=1))
    page = view.step_page
    at = window.start + t
    assert at == 3000
    np.testing.assert_array_equal(page.bars["y"].values, whole[td].outputs[0][0, at])
    np.testing.assert_array_equal(page.bars["x"].values, whole[lstm].outputs[0][0, at])
    assert view.equation_lines()[0].endswith(fmt(whole[td].outputs[0][0, at, 1]))
    assert "step <b>t = 3,000</b>" in page.header.text()


def _attention_page(view, model, trace, x, s, t, whole, at):
    """The page of the attention fixture's Softmax over the steps 'a' at step ``t`` of
    ``trace`` (``at`` of the whole sequence) and sample ``s``: its bars and equation the
    whole trace's numbers; the page's lines."""
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=t, sample=s, layer="a", unit=0))
    assert view.message_text() is None and view.stack.currentWidget() is view.step_scroll
    page = view.step_page
    e, y = whole["e"].outputs[0], whole["a"].outputs[0]
    np.testing.assert_array_equal(page.bars["x"].values, e[s, at])
    np.testing.assert_array_equal(page.bars["y"].values, y[s, at])
    # m and S, NumPy's over the scores of every step (what the record holds: the engine's)
    m = float(e[s, :, 0].max())
    S = float(np.exp(e[s, :, 0] - np.float32(m)).sum(dtype=np.float64))
    ref = step_ref(model, trace, "a")
    got = ref.numbers(s, t, 0)
    assert got["m"] == m and got["S"] == pytest.approx(S, rel=1e-6) and got["y"] == y[s, at, 0]
    assert got["e"] / got["S"] == pytest.approx(got["y"], rel=1e-6)
    [line] = view.equation_lines()
    nd = 2 - math.floor(math.log10(y[s, at, 0]))  # (three significant digits of a small share)
    assert line == ("y_t[u] = exp(x_t[u] − m[u]) / S[u]  (m[u] = maxₛ x_s[u], S[u] = Σₛ exp(x_s[u] − m[u]); "
                    f"s: every step of the sequence) = exp({fmt(e[s, at, 0], nd)} − {fmt_term(m, nd)}) / "
                    f"{fmt(got['S'], nd)} = {fmt(got['e'], nd)} / {fmt(got['S'], nd)} = {fmt(y[s, at, 0], nd)}")
    assert f"step <b>t = {at:,}</b>" in page.header.text() and "Softmax over the steps" in page.header.text()
    assert page.bars["y"].value_item.text() == fmt(y[s, at, 0], nd)  # (the bar's number as the equation's)
    return line, page.eq_label.text()


def test_a_softmax_over_the_steps_shows_m_and_s_of_every_step_whole_and_in_a_long_inputs_window(view):
    """Issue 13's attention weights (k3_attention_pooling: LSTM -> Dense(1, tanh) 'e' ->
    Softmax(axis=1) 'a' -> ...): the Cell view had only words for 'a'. Its page shows, at the
    selected step and sample, e_t, m and S over every step (the trace's record, NumPy's) and
    the share, the trace's output (which is Keras'), with three significant digits; a long
    input's window far along shows the whole trace's numbers (the keyframe pass's m and S)."""
    from lstmviz.app.long_sequence import LongSequence

    model, x, trace, expected = fixture("k3_attention_pooling")
    np.testing.assert_allclose(trace["a"].outputs[0], expected["layer:a"], atol=1e-6)
    for s, t in ((0, 0), (1, 17), (1, x.shape[1] - 1)):
        _, text = _attention_page(view, model, trace, x, s, t, trace, t)
    assert f"every step of e's y<sub>t</sub>: m[u] and S[u] are over the sequence's {x.shape[1]} steps" in text
    long_x = np.random.default_rng(4).normal(size=(2, 5000, x.shape[2])).astype(np.float32)
    long = LongSequence(model, long_x)
    assert long.run_pass()
    whole = model.trace(long_x)
    window, t = long.window_at(3000)
    assert window.start > 0 and window["a"].outputs[0].shape[1] < 5000
    line, _ = _attention_page(view, model, window, long_x, 1, t, whole, 3000)
    view.set_data(model, whole, inputs=[long_x])  # (the same line as the whole trace's page)
    view.set_cursor(Cursor(step=3000, sample=1, layer="a", unit=0))
    assert view.equation_lines() == [line]


def _normed_model(config):
    model = Model.sequential((None, 6, 2), [LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="h"),
                                            LayerSpec("LayerNormalization", config, name="n")], seed=1)
    norm = model.get_layer("n")  # (γ and β not Keras' ones and zeros: each step's own numbers)
    norm.set_weights([np.random.default_rng(k).normal(size=w.shape).astype(np.float32)
                      for k, w in enumerate(norm.weights)])
    x = np.random.default_rng(1).normal(size=(2, 6, 2)).astype(np.float32)
    return model, x, model.trace(x), None


@pytest.mark.parametrize("make,layer", [
    (lambda: fixture("k3_around_rnn"), "softmax_steps"), (lambda: fixture("k3_around_rnn"), "ln_steps_features"),
    (lambda: _normed_model({"axis": 1}), "n"), (lambda: _normed_model({"axis": 1, "rms_scaling": True}), "n"),
    (lambda: _normed_model({"axis": [1, 2], "center": False}), "n")])
def test_a_layer_acting_along_the_steps_shows_what_it_reads_of_every_step(view, make, layer):
    """A Softmax(axis=1) and a LayerNormalization over the steps (real Keras' of
    k3_around_rnn: its traced output Keras'; over the steps and features, over each feature's
    steps, rms_scaling, without β): the page's m and S, μ and σ² are NumPy's over the layer's
    input, every step of it; y the trace's output, the equation's last number; a
    LayerNormalization's γ and β those of the step (and feature)."""
    model, x, trace, expected = make()
    if expected is not None:
        np.testing.assert_allclose(trace[layer].outputs[0], expected[f"layer:{layer}"], atol=1e-5)
    view.set_data(model, trace, inputs=[x])
    ref = step_ref(model, trace, layer)
    xs = ref.x
    norm = ref.layer.class_name == "LayerNormalization"
    axes = tuple(ref.layer.reduced_axes(3))
    assert axes in ((1,), (1, 2)) and (norm or axes == (1,))
    for s, t, u in ((0, 0, 0), (1, 4, ref.units - 1), (1, ref.T - 1, 1)):
        view.set_cursor(Cursor(step=t, sample=s, layer=layer, unit=u))
        assert view.message_text() is None and view.stack.currentWidget() is view.step_scroll
        np.testing.assert_array_equal(view.step_page.bars["y"].values, ref.y[s, t])
        got = ref.numbers(s, t, u)
        over = xs[s, :, u] if axes == (1,) else xs[s]
        if norm:
            assert got["mean"] == pytest.approx(float(over.mean(dtype=np.float64)), abs=1e-6)
            assert got["var"] == pytest.approx(float(over.var(dtype=np.float64)), abs=1e-6)
            weights = iter(ref.layer.weights)
            for key, has in (("gamma", ref.layer.has_gamma), ("beta", ref.layer.has_beta)):
                w = next(weights) if has else None
                assert (key in got) == has and (w is None or got[key] == (w[t] if axes == (1,) else w[t, u]))
            r = 1 / math.sqrt(got["var"] + ref.layer.epsilon)
            want = (got["x"] - (0 if ref.layer.rms else got["mean"])) * r * got.get("gamma", 1) + got.get("beta", 0)
            assert got["r"] == pytest.approx(r, rel=1e-6) and want == pytest.approx(got["y"], abs=1e-5)
        else:
            assert got["m"] == float(over.max())
            assert got["S"] == pytest.approx(float(np.exp(over - over.max()).sum(dtype=np.float64)), rel=1e-6)
            assert got["e"] / got["S"] == pytest.approx(got["y"], rel=1e-6)
        assert got["y"] == ref.y[s, t, u] and got["x"] == xs[s, t, u]
        lines = view.equation_lines()
        y = abs(got["y"])
        nd = 3 if y >= 0.1 or y == 0 else 2 - math.floor(math.log10(y))  # (three significant digits)
        assert lines[-1].startswith("y_t[u] = ") and lines[-1].endswith(" = " + fmt(got["y"], nd))
    text = view.step_page.eq_label.text()
    assert f"over the sequence's {ref.T} steps" in text and f"{ref.layer.class_name} over the steps" in \
        view.step_page.header.text()


def _conv_model(padding):
    return Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 3, "padding": padding, "activation": "tanh"}),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True})], seed=3)


def _long_x(T=5000):
    t = np.arange(T)
    return np.stack([np.sin(t / 50.0), np.cos(t / 37.0) * t / T], -1)[None].astype(np.float32)


def _shown_ticks(page):
    axis = page.bars["x"].plot.getAxis("bottom")
    return [label for _, label in axis._tickLevels[0]]


@pytest.mark.parametrize("padding", ["causal", "same"])
def test_a_long_inputs_window_shows_a_convs_step_as_the_whole_trace(qtbot, padding):
    """A Conv1D that keeps its steps on a 5,000-step long input (its windows after the
    pass, ``LongSequence.window_at``): at a step in the middle of a window, at step 0 and
    at the last, the page reads the whole sequence's input steps (its padding at the
    sequence's own ends only), its bars are the whole trace's taps and y, its sums the
    whole trace's page's to the bit (the same chunk of products), its ticks and header
    name the whole sequence's steps."""
    from lstmviz.app.long_sequence import LongSequence

    model, x = _conv_model(padding), _long_x()
    conv = model.layers[0].name
    T = x.shape[1]
    long = LongSequence(model, x)
    assert long.run_pass()
    whole = model.trace(x)
    wref = step_ref(model, whole, conv)
    reads = model.layers[0].read_steps(T)  # (the whole sequence's taps, -1 the padding)
    shown, full = CellView(), CellView()
    for v in (shown, full):
        qtbot.addWidget(v)
        v.resize(1400, 900)
        v.show()
    full.set_data(model, whole, inputs=[x])
    for step, u in ((3210, 0), (2047, 2), (0, 1), (T - 1, 2)):
        window, t = long.window_at(step)
        assert window.total_steps == T and window.start + t == step
        n = window[conv].outputs[0].shape[1]
        assert n < T and (step in (0, T - 1) or 2 < t < n - 2)  # (0, T - 1: the sequence's ends)
        shown.set_data(model, window, inputs=list(window.inputs))
        shown.set_cursor(Cursor(step=t, layer=conv, unit=u))
        full.set_cursor(Cursor(step=step, layer=conv, unit=u))
        assert shown.message_text() is None
        page = shown.step_page
        taps = [x[0, r] if r >= 0 else np.zeros(2, np.float32) for r in reads[step]]
        np.testing.assert_array_equal(page.bars["x"].values, np.concatenate(taps))
        np.testing.assert_array_equal(page.bars["y"].values, whole[conv].outputs[0][0, step])
        assert shown.equation_lines() == full.equation_lines()
        ref = step_ref(model, window, conv)
        for f in range(3):  # (the sums themselves: the whole trace's, to the bit)
            assert ref.numbers(0, t, f) == wref.numbers(0, step, f)
        assert _shown_ticks(page) == [f"step {r:,}" if r >= 0 else "padding" for r in reads[step]]
        assert f"step <b>t = {step:,}</b>" in page.header.text()
        real = [f"{r:,}" for r in reads[step] if r >= 0]
        said = ", ".join(real)
        assert f"reads input step{'s' if len(real) > 1 else ''} {said}" in page.header.text()
        assert f"input step{'s' if len(real) > 1 else ''} {said}." in shown.describe()  # ("input step 0.")
    assert reads[0][0] == -1 and reads[T - 1][-1] == (-1 if padding == "same" else T - 1)


@pytest.mark.parametrize("padding", ["causal", "same"])
def test_a_step_whose_taps_lie_before_the_window_is_said_in_one_line(view, padding):
    """A seek's quick steps (``window_at(quick=True)``: 16 steps from a multiple of 16,
    while the window around them is computed) hold no input before their first step: there
    the page says in one line which steps the Conv1D reads, which lie before the window and
    which of its steps are shown; the next step whose taps the window holds shows the page,
    the whole trace's numbers (its sums over that step alone: to float32's last bits)."""
    from lstmviz.app.long_sequence import LongSequence

    model, x = _conv_model(padding), _long_x()
    conv = model.layers[0].name
    long = LongSequence(model, x)
    assert long.run_pass()
    whole = model.trace(x)
    wref = step_ref(model, whole, conv)
    quick, t = long.window_at(3200, quick=True)
    assert (quick.start, t, quick[conv].outputs[0].shape[1]) == (3200, 0, 16)
    view.set_data(model, quick, inputs=list(quick.inputs))
    view.set_cursor(Cursor(step=0, layer=conv, unit=1))
    said = view.message_text()
    assert said is not None and "\n" not in said
    first = 3202 if padding == "causal" else 3201
    last = 3215 if padding == "causal" else 3214
    reads = "3,198…3,200" if padding == "causal" else "3,199…3,201"
    lie = "steps 3,198…3,199 lie" if padding == "causal" else "step 3,199 lies"
    assert said == (f"'{conv}' (Conv1D) at step 3,200 reads input steps {reads}, and {lie} before this window "
                    "of the long input (steps 3,200…3,215): its step is shown where the window holds every step "
                    f"it reads; here steps {first:,}…{last:,}")
    assert view.describe() == said
    if padding == "same":  # (its last step reads the next window's first)
        view.set_cursor(Cursor(step=15, layer=conv, unit=1))
        assert "and step 3,216 lies after this window" in view.message_text()
    view.set_cursor(Cursor(step=first - 3200, layer=conv, unit=1))
    assert view.message_text() is None
    page = view.step_page
    taps = model.layers[0].read_steps(x.shape[1])[first]
    assert list(taps) == list(range(first - 2, first + 1) if padding == "causal" else range(first - 1, first + 2))
    np.testing.assert_array_equal(page.bars["x"].values, x[0, taps].reshape(-1))
    np.testing.assert_array_equal(page.bars["y"].values, whole[conv].outputs[0][0, first])
    ref = step_ref(model, quick, conv)
    for f in range(3):
        got, want = ref.numbers(0, first - 3200, f), wref.numbers(0, first, f)
        assert got.keys() == want.keys()
        for key in got:
            assert got[key] == pytest.approx(want[key], abs=1e-6)
    assert ref.numbers(0, first - 3200, 1)["y"] == wref.numbers(0, first, 1)["y"]  # (y: the trace's)


@pytest.mark.parametrize("layer, step, unit, said_first", [
    ("conv", 3, 2, "conv (Conv1D, 4 filters), step 3 of 10, sample 1, filter 2: reads the model's input, "
                   "input steps 1, 2, 3."),
    ("pool", 3, 2, "pool (MaxPooling1D, 4 channels), step 3 of 5, sample 1, channel 2: reads y_t of conv, "
                   "steps 6, 7.")])
def test_the_page_in_words_for_a_screen_reader(view, layer, step, unit, said_first):
    """``describe`` (the view's accessible description) says the page's numbers: the
    equation line the page shows, and the line on the weights (a pooling's: it has none)."""
    model, x, trace, _ = fixture("k3_conv_lstm")
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=step, sample=1, layer=layer, unit=unit))
    said = view.describe()
    assert said.startswith(said_first)
    assert view.equation_lines()[0] + "." in said
    assert same_weights(step_ref(model, trace, layer)) in said


def test_focus_mode_dims_every_output_bar_but_the_units(view):
    model, x, trace, _ = fixture("k3_lstm_stacked_td")
    view.set_data(model, trace, inputs=[x])
    view.set_focus(True)
    view.set_cursor(Cursor(step=1, layer="dense_3d", unit=3))
    y = view.step_page.bars["y"]
    assert y.focus and y.mask.visible
    assert not view.step_page.bars["x"].focus  # (features: no unit to keep)
    view.set_focus(False)
    assert not y.focus and not y.mask.visible


def test_names_from_a_file_are_shown_as_text(view):
    """A layer's name is a stranger's: the page's header, the input's title and the line on
    the weights show it escaped, never as markup."""
    lstm, head = "<i>lstm</i>&", "<b>head</b>"
    model = Model.sequential((None, 4, 2), [LayerSpec("LSTM", {"units": 3}, name=lstm),
                                            LayerSpec("Dense", {"units": 2}, name=head)], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 4, 2)).astype(np.float32)
    view.set_data(model, model.trace(x), inputs=[x])
    view.set_cursor(Cursor(step=0, layer=head, unit=1))
    page = view.step_page
    assert "<b>head</b>" not in page.header.text() and "&lt;b&gt;head&lt;/b&gt;" in page.header.text()
    title = page.bars["x"].plot.titleLabel.text
    assert "<i>lstm</i>" not in title and "&lt;i&gt;lstm&lt;/i&gt;&amp;" in title
    assert "<i>lstm</i>" not in page.eq_label.text() and "&lt;i&gt;lstm&lt;/i&gt;&amp;" in page.eq_label.text()


def test_equations_hidden_as_the_cell_pages_are(view):
    """A lesson's slide without equations (``set_equations_visible(False)``) hides the step
    page's too, before and after the page is made."""
    model, x, trace, _ = fixture("k3_lstm_stacked_td")
    view.set_data(model, trace, inputs=[x])
    view.set_equations_visible(False)
    view.set_cursor(Cursor(step=1, layer="td", unit=0))
    assert view.step_page.eq_label.isHidden()
    view.set_equations_visible(True)
    assert not view.step_page.eq_label.isHidden()
    view.set_equations_visible(False)
    assert view.step_page.eq_label.isHidden()


def _pooled_long(kind: str, config: dict):
    """A causal Conv1D of relu, a pooling ``kind`` of ``config``, an LSTM over the 5,000-step
    ``_long_x``: (model, x, its ``LongSequence`` after the pass, the whole trace)."""
    from lstmviz.app.long_sequence import LongSequence

    model = Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal", "activation": "relu"}),
        LayerSpec(kind, config),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True})], seed=3)
    x = _long_x()
    long = LongSequence(model, x)
    assert long.run_pass()
    return model, x, long, model.trace(x)


@pytest.mark.parametrize("kind", ["MaxPooling1D", "AveragePooling1D"])
def test_a_long_inputs_window_shows_a_poolings_step_as_the_whole_trace(view, kind):
    """A pooling that keeps its steps (pool 3, strides 1, padding same) on a 5,000-step long
    input: at a step far along, at step 0 and at the last, the page shows the whole trace's
    taps and y, the equation's numbers the whole trace's page's; the taps name the whole
    sequence's steps (its padding at the sequence's ends only)."""
    model, x, long, whole = _pooled_long(kind, {"pool_size": 3, "strides": 1, "padding": "same"})
    conv, pool = model.layers[0].name, model.layers[1].name
    wref = step_ref(model, whole, pool)
    for at, c in ((3000, 1), (0, 0), (4999, 2)):
        window, t = long.window_at(at)
        assert window.start + t == at and window.total_steps == 5000
        view.set_data(model, window, inputs=[x])
        view.set_cursor(Cursor(step=t, layer=pool, unit=c))
        page = view.step_page
        assert view.message_text() is None
        ref = step_ref(model, window, pool)
        assert ref.taps(t) == wref.taps(at) == [r if 0 <= r < 5000 else -1 for r in (at - 1, at, at + 1)]
        np.testing.assert_array_equal(page.bars["x"].values, wref.tap_values(0, at, c))
        np.testing.assert_array_equal(page.bars["y"].values, whole[pool].outputs[0][0, at])
        assert equations(ref, 0, t, c)[0].numeric == equations(wref, 0, at, c)[0].numeric
        assert f"step <b>t = {at:,}</b> reads steps " in page.header.text() and f" of {conv}" in page.header.text()


def test_a_long_note_goes_under_the_numbers_a_short_one_stays_on_its_line(view):
    """A softmax's "(j: every unit; m: the largest z[j])" after its symbolic line wrapped
    that line at 1280 x 720 presenting: a long note is a row of its own under the numbers,
    a short one (a pooling's "(k = 0…1)") stays beside the symbols."""
    model, x, trace, _ = fixture("k3_dense_activations")
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(layer="dense_softmax", unit=0))
    html = view.step_page.eq_label.text()
    assert html.index("j: every unit") > html.index("exp(") and html.index("j: every unit") > html.rindex("= <b>")
    model, x, trace, _ = fixture("k3_conv_lstm")
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(layer="pool", unit=0))
    html = view.step_page.eq_label.text()
    assert html.index("k = 0…1") < html.index("= <b>max(")


def test_a_strided_poolings_step_on_a_long_input_reads_the_steps_below_it_at_twice_its_own(view):
    """Conv1D -> MaxPooling1D(2) on a 5,000-step long input, its windows after the pass:
    the pooling's step t reads steps 2t and 2t+1 of the Conv1D (its own 2,500 steps); the
    page named them as its own window's offsets added to the pooling's first step ("reads
    steps 1,476, 1,477" at step 2,600, the taps of another step) and said "its 2,500 input
    steps become 1,250". Now: the Conv1D's steps, the whole trace's numbers."""
    model, x, long, whole = _pooled_long("MaxPooling1D", {"pool_size": 2})
    conv, pool = model.layers[0].name, model.layers[1].name
    below, out = whole[conv].outputs[0][0], whole[pool].outputs[0][0]
    assert out.shape[0] == 2500
    for own, c in ((1300, 1), (0, 0), (2499, 2)):
        window, _ = long.window_at(2 * own)
        rec = window[pool]
        t = own - rec.start
        assert 0 <= t < rec.outputs[0].shape[1]
        view.set_data(model, window, inputs=[x])
        view.set_cursor(Cursor(step=t, layer=pool, unit=c))
        page = view.step_page
        assert view.message_text() is None
        np.testing.assert_array_equal(page.bars["x"].values, below[2 * own:2 * own + 2, c])
        np.testing.assert_array_equal(page.bars["y"].values, out[own])
        assert view.equation_lines()[0].endswith(
            f"max({fmt(below[2 * own, c])}, {fmt(below[2 * own + 1, c])}) = {fmt(out[own, c])}")
        head = page.header.text()
        assert f"step <b>t = {own:,}</b> reads steps {2 * own:,}, {2 * own + 1:,} of {conv}" in head
        said = view.describe()
        assert f"of {conv}, steps {2 * own:,}, {2 * own + 1:,}." in said  # (the Conv1D's, not "input steps")
    assert "its 5,000 input steps become 2,500." in page.eq_label.text()


def test_a_layer_after_a_pooling_says_it_reads_the_poolings_steps(qtbot):
    """k3_conv_lstm's LSTM after its MaxPooling1D(2): its step 3 reads the pooling's step 3
    (input steps 6 and 7); the Cell, Over time and Unrolled headers said "= input step 3".
    Now "= pool's step 3"; a layer over the input's own steps still says "input step"."""
    from lstmviz.app.cell_ref import steps_below
    from lstmviz.ui.views.over_time import OverTimeView
    from lstmviz.ui.views.unrolled import UnrolledView

    model, x, trace, _ = fixture("k3_conv_lstm")
    assert steps_below(model, "lstm") == "pool" and steps_below(model, "conv") is None
    assert steps_below(model, "pool") == "conv"  # (its own steps: conv's, two a step)
    for make in (CellView, OverTimeView, UnrolledView):
        v = make()
        qtbot.addWidget(v)
        v.set_data(model, trace)
        v.set_cursor(Cursor(step=3, layer="lstm", unit=1))
        head = v.header.text()
        assert "= pool's step " in head and "= input step" not in head, (make.__name__, head)


def test_x_t_after_a_pooling_names_the_poolings_step_not_an_input_step(qtbot):
    """k3_conv_lstm's LSTM reads its MaxPooling1D(2)'s outputs: x_t at step 3 is the
    pooling's step 3 (input steps 6 and 7). Its number over the chart said "input 3"; now
    "pool 3" (x[3] where that does not fit; a layer over the input still says "input 3":
    test_views_cell)."""
    model, x, trace, _ = fixture("k3_conv_lstm")
    view = CellView()
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=3, layer="lstm", unit=0))
    assert view.bars["x"].value_item.text() == "pool 3"


# -- an ONNX graph's Conv, MaxPool and AveragePool nodes (torch's CNN-LSTM exports) ----------
#: (fixture, nodes): a Conv of pads [1, 1] and a MaxPool(2); a dilated Conv and an
#: AvgPool1d(3, 2, padding 1, ceil_mode) (torch's count_include_pad); the hand-built graph
#: of strides 2 and pads [2, 1], a ceil_mode MaxPool, a grouped dilated VALID Conv, an
#: AveragePool SAME_UPPER of strides 2; the hand-built nodes of each attribute (SAME_LOWER,
#: count_include_pad 0 and 1 ...) and the CNN of causal pads
ONNX_WINDOW_CASES = [("onnx_torch_classic_cnn_lstm_max", ("conv.Conv", "pool.MaxPool")),
                     ("onnx_torch_classic_cnn_avgpool_lstm", None), ("onnx_hand_cnn_lstm_strided", None),
                     ("onnx_hand_conv_pool_attrs", None), ("onnx_hand_cnn_lstm_same_causal", None)]


def _onnx_fixture(case):
    pytest.importorskip("onnx")
    model = lstmviz.load(FIXTURES / case / "model.onnx", isolate=False)
    x = np.load(FIXTURES / case / "x.npy")
    return model, x, model.trace(x)


def _onnx_taps(node, steps, t):
    """The input steps output step ``t`` of ONNX node ``node`` reads, tap by tap (-1 outside
    the input), and how many an AveragePool divides by, from the node's attributes as ONNX
    defines them (not lstmviz's window code)."""
    attrs = node.config["attrs"]
    w = node.weight_of(1)
    k = int((attrs.get("kernel_shape") or [w.shape[2]])[0])
    (s,), (d,) = attrs.get("strides") or [1], attrs.get("dilations") or [1]
    span = (k - 1) * d + 1
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        total = max((-(-steps // s) - 1) * s + span - steps, 0)
        b = total // 2 if auto == "SAME_UPPER" else total - total // 2
        e = total - b
    else:
        b, e = (attrs.get("pads") or [0, 0])[:2] if auto != "VALID" else (0, 0)
    at = [t * s + j * d - b for j in range(k)]
    counted = sum(1 for i in at if (-b <= i < steps + e if attrs.get("count_include_pad") else 0 <= i < steps))
    return [i if 0 <= i < steps else -1 for i in at], counted


@pytest.mark.parametrize("case,names", ONNX_WINDOW_CASES)
def test_an_onnx_conv_or_pool_nodes_step_is_the_traces_numbers(view, case, names):
    """An ONNX Conv / MaxPool / AveragePool node selected in the Cell view said "'pool.MaxPool'
    is an ONNX MaxPool node" without a page. Its page now, at every step, sample and a few
    units: the taps its output step reads (the input steps ONNX's pads, auto_pad, strides,
    dilations and ceil_mode give, the padding as 0), the outputs the trace's; a Conv's
    equation each tap's W[f,:,k]·x of the file's kernel (M, C / group, k), its group's
    channels, and the bias, their sum the traced y (no activation: the Relu is a node of
    its own); a MaxPool's the largest of its taps, the trace's y to the bit; an
    AveragePool's taps added in order and divided by what onnxruntime counts
    (count_include_pad: the pads too, not ceil_mode's steps past them), the trace's y to
    the bit; y itself onnxruntime's output through the graph (the fixture's expected)."""
    model, x, trace = _onnx_fixture(case)
    nodes = [n.layer for n in model.nodes if n.layer.class_name in ("onnx.Conv", "onnx.MaxPool", "onnx.AveragePool")]
    assert len(nodes) >= 2 and (names is None or [n.name for n in nodes] == list(names))
    kinds = set()
    view.set_data(model, trace, inputs=[x])
    for node in nodes:
        src = next(n for n in model.nodes if n.layer.name == node.name).inbound[0].layer
        below = trace[src].outputs[0] if src in trace.layers else x  # (the model's input (N, C, L))
        xs = below.transpose(0, 2, 1)  # ((N, C, L): steps first)
        ys = trace[node.name].outputs[0].transpose(0, 2, 1)
        T, op = xs.shape[1], node.class_name[5:]
        kinds.add(op)
        for s in range(xs.shape[0]):
            for t in range(ys.shape[1]):
                for u in sorted({0, t % ys.shape[2], ys.shape[2] - 1}):
                    view.set_cursor(Cursor(step=t, sample=s, layer=node.name, unit=u))
                    assert view.message_text() is None and view.stack.currentWidget() is view.step_scroll
                    page = view.step_page
                    reads, counted = _onnx_taps(node, T, t)
                    y = ys[s, t, u]
                    np.testing.assert_array_equal(page.bars["y"].values, ys[s, t])
                    [line] = view.equation_lines()
                    if op == "Conv":
                        W, b = node.weight_of(1), node.weight_of(2)
                        cg = W.shape[1]
                        g = u // (W.shape[0] // (xs.shape[2] // cg))
                        rows = [xs[s, r] if r >= 0 else np.zeros(xs.shape[2], np.float32) for r in reads]
                        np.testing.assert_array_equal(page.bars["x"].values, np.concatenate(rows))
                        terms = [float(np.dot(row[g * cg:(g + 1) * cg], W[u, :, k])) for k, row in enumerate(rows)]
                        bias = [] if b is None else [float(b[u])]
                        assert math.isclose(math.fsum(terms + bias), float(y), abs_tol=1e-5)
                        group = "[g]" if cg != xs.shape[2] else ""
                        said = " + b[f]" if b is not None else ""
                        assert line.startswith(f"y_t[f] = Σₖ W[f,:,k]·x_{{{node.read_index(T)}}}{group}{said} = ")
                        assert line.endswith(" = " + " + ".join([fmt(terms[0])] + [fmt_term(v) for v in terms[1:]]
                                                                + [fmt_term(v) for v in bias]) + f" = {fmt(y)}")
                        continue
                    taps = [xs[s, r, u] for r in reads if r >= 0]
                    np.testing.assert_array_equal(page.bars["x"].values, [xs[s, r, u] if r >= 0 else 0 for r in reads])
                    if op == "MaxPool":
                        assert y == max(taps)
                        assert line.endswith(f"= max({', '.join(fmt(v) for v in taps)}) = {fmt(y)}")
                    else:
                        total = np.float32(0)
                        for v in taps:
                            total = np.float32(total + v)
                        assert np.float32(total / np.float32(counted)) == y  # (the node's own sum and count)
                        said = " + ".join([fmt(taps[0])] + [fmt_term(v) for v in taps[1:]])
                        assert line.endswith(f"= ({said}) / {counted} = {fmt(total)} / {counted} = {fmt(y)}")
    expected = np.load(FIXTURES / case / "expected.npz")
    for got, key in zip(trace.outputs, ("y", "y2")):
        np.testing.assert_allclose(got, expected[key], atol=1e-5)
    assert kinds >= {"Conv"} and len(kinds) >= 2


def test_an_onnx_nodes_page_says_its_window_in_the_files_words(view):
    """The page of torch's Conv1d(3, 5, 3, padding 1) -> MaxPool1d(2) export: its header
    names the node an ONNX Conv of 5 filters reading the model's input (through the
    Transpose that only moves data) and the padding; its line the file's kernel shape and
    pads, the pool's kernel, strides and how many steps become how many."""
    model, x, trace = _onnx_fixture("onnx_torch_classic_cnn_lstm_max")
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=0, sample=0, layer="conv.Conv", unit=1))
    page = view.step_page
    head = page.header.text()
    assert "(ONNX Conv, 5 filters)" in head and "reads input steps 0, 1 + 1 of padding" in head, head
    said = page.eq_label.text()
    assert ("The same W (5×3×3) and b (5) slide along the steps (kernel 3, pads [1, 1]): each output step "
            "reads a window of 3 input steps, every filter the same window.") in said
    assert "W[f,:,k]·x, b, their sum and the trace" in said
    view.set_cursor(Cursor(step=1, sample=1, layer="pool.MaxPool", unit=0))
    head, said = page.header.text(), page.eq_label.text()
    assert "(ONNX MaxPool, 5 channels)" in head and "reads steps 2, 3 of bn.BatchNormalization" in head, head
    assert ("No weights: each output step takes, channel by channel, the largest of a window of 2 input steps "
            "(kernel 2, strides 2): its 5 input steps become 2.") in said
    assert "max" in page.arrow.text() and "W (" not in page.arrow.text()


@pytest.mark.parametrize("case,node", [("onnx_torch_classic_cnn_lstm_max", "conv.Conv"),
                                       ("onnx_torch_classic_cnn_lstm_max", "pool.MaxPool"),
                                       ("onnx_torch_classic_cnn_avgpool_lstm", "pool.AveragePool"),
                                       ("onnx_torch_classic_cnn_avgpool_lstm", "conv.Conv")])
def test_a_long_inputs_window_shows_an_onnx_nodes_step_as_the_whole_trace(view, case, node):
    """torch's CNN-LSTM exported to ONNX on a 5,001-step long input (its pool of strides 2
    has 2,500 or 2,501 steps of its own): at a step far along, at step 0 and at its last,
    the page of a window shows the whole trace's taps and y, and the equation the whole
    trace's page's numbers; its header the step of the node's own steps."""
    pytest.importorskip("onnx")
    from lstmviz.app.long_sequence import LongSequence

    model = lstmviz.load(FIXTURES / case / "model.onnx", isolate=False)
    T = 5001
    t_ = np.arange(T)
    x = np.stack([np.sin(t_ / 50.0), np.cos(t_ / 37.0) * t_ / T, np.sign(np.sin(t_ / 230.0))], -1)[None]
    x = x.astype(np.float32)
    long = LongSequence(model, x)
    assert long.run_pass()
    whole = model.trace(x)
    wref = step_ref(model, whole, node)
    own = long.steps_of(node)
    assert wref is not None and wref.T == own
    for at, c in ((own // 2 + 7, 1), (0, 0), (own - 1, 2)):
        window, _ = long.window_at(long.input_step(node, None, at))
        ref = step_ref(model, window, node)
        assert ref is not None and window.total_steps == T
        t = at - ref.start
        assert 0 <= t < ref.T
        view.set_data(model, window, inputs=[x])
        view.set_cursor(Cursor(step=t, layer=node, unit=c))
        assert view.message_text() is None, view.message_text()
        page = view.step_page
        assert ref.taps(t) == wref.taps(at)
        np.testing.assert_array_equal(page.bars["x"].values, wref.tap_values(0, at, c) if wref.pool
                                      else wref.x_at(0, at))
        np.testing.assert_array_equal(page.bars["y"].values, wref.y_at(0, at))
        assert equations(ref, 0, t, c)[0].numeric == equations(wref, 0, at, c)[0].numeric
        assert f"step <b>t = {at:,}</b> reads " in page.header.text()
