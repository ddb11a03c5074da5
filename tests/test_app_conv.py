"""CNN-LSTM models in the app (no Qt): a Conv1D -> MaxPooling1D -> LSTM file opens as the
editable stack and traces Keras' numbers on the file's input; a stack over sub-sequences
(TimeDistributed(Conv1D), a 4-D input) is shown read-only, saying why; a weights-only file
of a Conv1D opens as the layers it implies."""

from __future__ import annotations

import numpy as np

import lstmviz
from lstmviz.app.opening import readonly_reason
from lstmviz.app.state import AppState
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
