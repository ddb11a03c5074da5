"""CNN-LSTM models in the app (no Qt): a Conv1D -> MaxPooling1D -> LSTM file opens as the
editable stack and traces Keras' numbers on the file's input; a stack over sub-sequences
(TimeDistributed(Conv1D), a 4-D input) is shown read-only, saying why; a weights-only file
of a Conv1D opens as the layers it implies."""

from __future__ import annotations

import numpy as np
import pytest

import lstmviz
from lstmviz.app.opening import readonly_reason
from lstmviz.app.state import AppState
from lstmviz.engine import LayerSpec, Model
from tests.helpers import FIXTURES


def test_a_cnn_lstm_file_is_the_editable_stack_with_keras_numbers():
    case = FIXTURES / "k3_conv_lstm"
    st = AppState()
    st.set_model(lstmviz.load(case / "model.keras", isolate=False), str(case / "model.keras"))
    assert not st.readonly
    assert [e.class_name for e in st.layers] == ["Conv1D", "MaxPooling1D", "LSTM", "Dense"]
    st.set_input_data(np.load(case / "x.npy"))
    expected = np.load(case / "expected.npz")
    for sample in (0, 1):  # (the app traces the sample it shows)
        st.set_cursor(sample=sample)
        shown = slice(sample, sample + 1) if st.trace.output.shape[0] == 1 else slice(None)
        np.testing.assert_allclose(st.trace.output, expected["output"][shown], atol=1e-5)
        np.testing.assert_allclose(st.trace["pool"].output, expected["layer:pool"][shown], atol=1e-5)


def test_sub_sequences_are_shown_read_only_saying_why():
    case = FIXTURES / "k3_td_conv"
    model = lstmviz.load(case / "model.keras", isolate=False)
    st = AppState()
    st.set_model(model, str(case / "model.keras"))
    assert st.readonly and st.trace is not None
    assert st.x.shape[1:] == (4, 6, 2)
    assert readonly_reason(st.model).startswith("This model reads sub-sequences (None, 4, 6, 2)")


def test_a_conv1d_weights_file_implies_a_conv1d():
    model = lstmviz.load(FIXTURES / "k3_conv_lstm" / "model.weights.h5", isolate=False)
    assert [layer.class_name for layer in model.layers] == ["Conv1D", "LSTM", "Dense"]
    assert model.count_params() == 140


@pytest.mark.parametrize("cfg", [{"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
                                 {"filters": 3, "kernel_size": 4, "padding": "valid"},
                                 {"filters": 3, "kernel_size": 3, "padding": "causal"}])
def test_a_conv1ds_step_page_after_a_pooling_on_a_long_inputs_window_is_the_whole_traces(cfg):
    """The Cell view's step page of a Conv1D after a MaxPooling1D(2) (its input the pooling's
    own steps), of strides 2, padding 'valid' or causal, on a long input's windows (by input
    steps, as the app makes them; 16 steps, a seek's quick ones): at every step whose taps
    the window holds, its taps, y and equations are a whole trace's page's at the same
    step of the whole sequence (``Trace.spans``: the layer's and its input's own first
    steps); the others say in one line which steps it reads and which are shown."""
    from lstmviz.app.step_ref import equations, step_ref
    from lstmviz.engine.windows import keyframe_pass

    model = Model.sequential((None, None, 2), [LayerSpec("MaxPooling1D", {"pool_size": 2}, name="p"),
                                               LayerSpec("Conv1D", cfg, name="c"),
                                               LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l")],
                             seed=1)
    T = 3001
    x = np.random.default_rng(0).normal(size=(1, T, 2)).astype(np.float32)
    whole = step_ref(model, model.trace(x), "c")
    wt = keyframe_pass(model, x, every=16)
    shown = 0
    for a, b in [(0, 256), (1000, 1256), (T - 256, T), (1600, 1616)]:
        win = wt.window(a, b, by_input=True)
        ref = step_ref(model, win, "c")
        assert ref is not None
        lo = win.spans["c"][0]
        assert lo == wt.steps_for("c", a, b)[0] and ref.start == lo and ref.x_first == win.spans["p"][0]
        for t in range(ref.T):
            said = ref.outside(t)
            if said is not None:
                assert "\n" not in said and f"at step {lo + t:,} reads input steps" in said
                continue
            shown += 1
            np.testing.assert_array_equal(ref.x_at(0, t), whole.x_at(0, lo + t))
            np.testing.assert_array_equal(ref.y_at(0, t), whole.y_at(0, lo + t))
            assert [e.line for e in equations(ref, 0, t, 1)] == [e.line for e in equations(whole, 0, lo + t, 1)]
    assert shown > 150  # (strides 2: 64 steps a window of 256)


@pytest.mark.parametrize("kind, cfg", [
    ("Conv1D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}),
    ("Conv1D", {"filters": 3, "kernel_size": 4, "padding": "causal", "activation": "tanh"}),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"})])
@pytest.mark.parametrize("between", [[], [("BatchNormalization", {"axis": 1}), ("ReLU", {"negative_slope": 0.1})]])
def test_a_channels_first_conv_after_a_permute_on_a_long_inputs_window_has_the_whole_traces_step_page(
        kind, cfg, between):
    """Keras' Permute((2, 1)) (-> BatchNormalization(axis=1) -> ReLU, acting on each number
    alone: the steps stay on axis 2) -> Conv1D(channels_first) (or pooling) -> Permute((2,
    1)) -> LSTM on a long input's windows: the Cell view's step page of the channels_first
    layer (its input's steps on axis 2: followed by the windows) is not refused; at every
    step whose taps the window holds, its taps, y and equations are a whole trace's page's
    at the same step (the same sums to the bit). A channels_first one over steps on axis 1
    is still refused (``tests/test_views_step.py``)."""
    from lstmviz.app.step_ref import equations, step_ref, step_refusal
    from lstmviz.engine.windows import keyframe_pass

    model = Model.sequential((None, None, 2), [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        *[LayerSpec(c, cf, name=f"e{k}") for k, (c, cf) in enumerate(between)],
        LayerSpec(kind, dict(cfg, data_format="channels_first"), name="c"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p2"),
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l")], seed=1)
    T = 3001
    x = np.random.default_rng(0).normal(size=(1, T, 2)).astype(np.float32)
    whole = step_ref(model, model.trace(x), "c")
    assert whole is not None
    wt = keyframe_pass(model, x, every=16)
    shown = 0
    for a, b in [(0, 256), (1000, 1256), (T - 256, T)]:
        win = wt.window(a, b, by_input=True)
        assert step_refusal(model, win, "c") is None
        ref = step_ref(model, win, "c")
        assert ref is not None
        lo = win.spans["c"][0]
        for t in range(ref.T):
            if ref.outside(t) is not None:
                continue
            shown += 1
            np.testing.assert_array_equal(ref.x_at(0, t), whole.x_at(0, lo + t))
            np.testing.assert_array_equal(ref.y_at(0, t), whole.y_at(0, lo + t))
            unit = t % (3 if kind == "Conv1D" else 2)
            assert [e.line for e in equations(ref, 0, t, unit)] == [e.line for e in equations(whole, 0, lo + t, unit)]
    assert shown > 300
