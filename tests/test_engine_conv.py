"""Conv1D, MaxPooling1D and AveragePooling1D (``engine/conv.py``) beyond the Keras fixtures
(``k3_conv_*``, ``k2_conv_*``, ``k?_emb_mask_conv``, ``k?_td_conv`` in test_engine_keras.py;
their gradients in test_grad_keras.py and test_grad_finite_diff.py): a plain NumPy
reference written out step by step, a mask that stops at them, long inputs in chunks, and
the configs Keras refuses, each refused in one line."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from helpers import FIXTURES
from lstmviz.engine import LayerSpec, Model
from lstmviz.errors import LstmvizError


def stack(shape, *layers):
    return Model.sequential(shape, [LayerSpec(c, cfg) for c, cfg in layers])


def conv_by_loops(x, W, b, stride, dilation, before, after, groups):
    """Conv1D written out: output step t, filter f reads padded steps t*s + j*d of its group."""
    xp = np.pad(x.astype(np.float64), ((0, 0), (before, after), (0, 0)))
    k, cg, F = W.shape
    fg = F // groups
    n = (xp.shape[1] - dilation * (k - 1) - 1) // stride + 1
    y = np.zeros((x.shape[0], n, F))
    for t in range(n):
        for f in range(F):
            g = f // fg
            for j in range(k):
                y[:, t, f] += xp[:, t * stride + j * dilation, g * cg:(g + 1) * cg] @ W[j, :, f]
    return y + (0 if b is None else b)


@pytest.mark.parametrize("cfg,pads", [
    ({"kernel_size": 3}, (0, 0)),
    ({"kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (4, 0)),
    ({"kernel_size": 4, "padding": "same", "strides": 3}, (1, 2)),  # (11 steps: 4 out, 3 padded)
    ({"kernel_size": 2, "padding": "same", "groups": 2, "use_bias": False}, (0, 1)),
])
def test_conv1d_equals_its_sum_written_out(cfg, pads):
    rng = np.random.default_rng(0)
    model = stack((None, 11, 4), ("Conv1D", {"filters": 6, **cfg}))
    layer = model.layers[-1]
    x = rng.normal(size=(2, 11, 4)).astype(np.float32)
    b = layer.weights[1] if len(layer.weights) > 1 else None
    want = conv_by_loops(x, layer.weights[0], b, cfg.get("strides", 1), cfg.get("dilation_rate", 1), *pads,
                         cfg.get("groups", 1))
    got = model.predict(x)
    assert got.shape == want.shape == model.output_shapes()[0][:0] + (2,) + tuple(model.output_shapes()[0][1:])
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_pooling_reads_windows_and_a_same_mean_divides_by_the_steps_read():
    x = np.arange(10, dtype=np.float32).reshape(1, 5, 2)  # steps 0..4 of (2t, 2t+1)
    mx = stack((None, 5, 2), ("MaxPooling1D", {"pool_size": 2, "padding": "same"})).predict(x)
    av = stack((None, 5, 2), ("AveragePooling1D", {"pool_size": 2, "padding": "same"})).predict(x)
    valid = stack((None, 5, 2), ("AveragePooling1D", {"pool_size": 3, "strides": 1})).predict(x)
    np.testing.assert_array_equal(mx[0], [[2, 3], [6, 7], [8, 9]])
    np.testing.assert_array_equal(av[0], [[1, 2], [5, 6], [8, 9]])  # (the last window: step 4 alone)
    np.testing.assert_array_equal(valid[0], [[2, 3], [4, 5], [6, 7]])


def test_a_mask_stops_at_a_conv1d_as_keras_drops_it():
    model = stack((None, 6), ("Embedding", {"input_dim": 5, "output_dim": 3, "mask_zero": True}),
                  ("Conv1D", {"filters": 2, "kernel_size": 2, "padding": "causal"}),
                  ("MaxPooling1D", {"pool_size": 2}), ("LSTM", {"units": 2, "return_sequences": True}))
    ids = np.array([[1, 2, 0, 0, 0, 0], [3, 4, 1, 2, 3, 4]])
    trace = model.trace(ids)
    lstm = model.layers[-1].name
    assert trace[lstm].mask is None
    alone = stack((None, 3, 2), ("LSTM", {"units": 2, "return_sequences": True}))
    alone.layers[-1].set_weights(model.layers[-1].weights)
    np.testing.assert_array_equal(trace.output, alone.trace(trace[model.layers[-2].name].outputs[0]).output)


def test_a_long_input_is_convolved_in_chunks_of_bounded_memory(monkeypatch):
    from lstmviz.engine import conv

    rng = np.random.default_rng(1)
    T = 100_000
    model = stack((None, T, 8), ("Conv1D", {"filters": 8, "kernel_size": 5, "padding": "causal",
                                            "activation": "relu"}),
                  ("MaxPooling1D", {"pool_size": 4}))
    x = rng.normal(size=(1, T, 8)).astype(np.float32)
    whole = model.predict(x)
    monkeypatch.setattr(conv, "CHUNK", 4096)
    layer = model.layers[0]
    tracemalloc.start()
    try:
        out = layer.call([x], [None])[0][0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the padded input and the output (3.2 MB each); the windows of all steps would be 16 MB
    assert peak < 2 * x.nbytes + out.nbytes
    np.testing.assert_allclose(model.layers[1].call([out], [None])[0][0], whole, atol=1e-5)
    # the first steps are the same model's on the first steps alone (causal: no step reads later ones)
    head = stack((None, 64, 8), *[(one.class_name, one.config) for one in model.layers])
    head.layers[0].set_weights(layer.weights)
    np.testing.assert_allclose(head.predict(x[:, :64]), whole[:, :16], atol=1e-6)


@pytest.mark.parametrize("layer,shape,said", [
    (("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}), (None, 9, 2),
     "strides 2 with dilation_rate 2; accepted, as Keras: strides > 1 or dilation_rate > 1, not both"),
    (("Conv1D", {"filters": 3, "kernel_size": 2, "groups": 2}), (None, 9, 4),
     "filters 3 are not a multiple of groups 2"),
    (("Conv1D", {"filters": 4, "kernel_size": 2, "groups": 2}), (None, 9, 3),
     "its input's 3 channels are not a multiple of groups 2"),
    (("Conv1D", {"filters": 4, "kernel_size": [3, 3]}), (None, 9, 3),
     "kernel_size is [3, 3]; accepted: a whole number from 1 (or a list of one)"),
    (("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "full"}), (None, 9, 3),
     "padding is 'full'; accepted: valid, same, causal"),
    (("MaxPooling1D", {"pool_size": 2, "padding": "causal"}), (None, 9, 3),
     "padding is 'causal'; accepted: valid, same"),
    (("AveragePooling1D", {"pool_size": 2, "data_format": "NWC"}), (None, 9, 3),
     "data_format is 'NWC'; accepted: channels_last, channels_first"),
    (("Conv1D", {"filters": 4, "kernel_size": 5}), (None, 3, 2),
     "reads windows of 5 steps with padding 'valid' but gets 3 steps; give at least 5 or use padding 'same'"),
    (("Conv1D", {"filters": 4}), (None, 9, 2), "has no 'kernel_size' in its config"),
    (("Conv1D", {"filters": 4, "kernel_size": 2}), (None, 9),
     "expects an input (batch, steps, channels) of rank 3 but gets (None, 9)"),
])
def test_what_keras_refuses_is_refused_in_one_line(layer, shape, said):
    with pytest.raises(LstmvizError) as err:
        stack(shape, layer)
    assert said in str(err.value)
    assert "\n" not in str(err.value) and f"({layer[0]})" in str(err.value)


def test_params_and_formula_are_keras_count_params():
    model = stack((None, 9, 4), ("Conv1D", {"filters": 6, "kernel_size": 3, "groups": 2}),
                  ("Conv1D", {"filters": 2, "kernel_size": 2, "use_bias": False}))
    grouped, plain = model.layers
    assert grouped.count_params() == 3 * 2 * 6 + 6 and grouped.param_formula().endswith("= 42")
    assert plain.param_formula() == "k·c·f = 2·6·2 = 24"


@pytest.mark.parametrize("layer", [
    ("Conv1D", {"filters": 2, "kernel_size": 3}),
    ("Conv1D", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}),
    ("MaxPooling1D", {"pool_size": 2}),
    ("AveragePooling1D", {"pool_size": 3, "strides": 1}),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}),
])
def test_a_sequence_beyond_the_trace_budget_predicts_through_any_channels_last_conv_or_pooling(monkeypatch, layer):
    # (strides > 1 or padding 'valid': the LSTM after it steps over its own, fewer steps;
    # test_engine_windows.py compares every window)
    from lstmviz.engine import windows

    model = stack((None, 64, 2), layer, ("LSTM", {"units": 2}))
    x = np.random.default_rng(0).normal(size=(1, 64, 2)).astype(np.float32)
    want = model.trace(x).output
    monkeypatch.setattr(windows, "trace_budget", lambda: 1)
    assert np.array_equal(model.predict(x), want)


@pytest.mark.parametrize("tail", [
    [("LSTM", {"units": 2})],
    [("Permute", {"dims": [2, 1]}), ("LSTM", {"units": 2})],
])
def test_a_sequence_beyond_the_trace_budget_predicts_through_a_channels_first_pooling_of_each_steps_features(
        monkeypatch, tail):
    # (no Permute before it: it pools each step's features, its output keeps the steps on axis 1
    # as its channels: followed per step, ``Layer.stepwise(1)``; an LSTM after a Permute((2, 1))
    # steps over the pooled features, each step reading every input step: computed once by the
    # pass; test_engine_windows.py compares every window. Refused until 7 Dec.)
    from lstmviz.engine import windows

    layer = ("MaxPooling1D", {"pool_size": 2, "data_format": "channels_first"})
    model = stack((None, 40, 6), layer, *tail)
    x = np.random.default_rng(0).normal(size=(2, 40, 6)).astype(np.float32)
    want = model.trace(x).output
    monkeypatch.setattr(windows, "trace_budget", lambda: 1)
    assert np.array_equal(model.predict(x), want)


@pytest.mark.parametrize("layer", [
    ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "same", "data_format": "channels_first"}),
    ("MaxPooling1D", {"pool_size": 2, "data_format": "channels_first"}),
])
def test_a_sequence_beyond_the_trace_budget_predicts_through_a_channels_first_conv_between_permutes(
        monkeypatch, layer):
    # (a Permute((2, 1)) puts the steps on axis 2, where the layer reads them, another puts
    # them back: test_engine_windows.py compares every window)
    from lstmviz.engine import windows

    model = stack((None, 64, 2), ("Permute", {"dims": [2, 1]}), layer, ("Permute", {"dims": [2, 1]}),
                  ("LSTM", {"units": 2}))
    x = np.random.default_rng(0).normal(size=(1, 64, 2)).astype(np.float32)
    want = model.trace(x).output
    monkeypatch.setattr(windows, "trace_budget", lambda: 1)
    assert np.array_equal(model.predict(x), want)


@pytest.mark.parametrize("cls,cfg", [
    ("Conv1D", {"filters": 2, "kernel_size": 3}),
    ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}),
    ("Conv1D", {"filters": 2, "kernel_size": 4, "padding": "same", "strides": 3}),
    ("Conv1D", {"filters": 2, "kernel_size": 2, "padding": "same", "dilation_rate": 3}),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("AveragePooling1D", {"pool_size": 2}),
])
def test_read_steps_are_the_steps_each_output_step_depends_on(cls, cfg):
    # which output steps move when one input step moves: exactly those whose reads name it
    T = 11
    model = stack((None, T, 2), (cls, cfg))
    layer = model.layers[-1]
    reads = layer.read_steps(T)
    x = np.random.default_rng(0).normal(size=(1, T, 2)).astype(np.float32)
    y = model.predict(x)
    assert reads.shape == (y.shape[1], layer.taps)
    for i in range(T):
        nudged = x.copy()
        nudged[0, i] += 1.0
        moved = np.any(model.predict(nudged) != y, axis=(0, 2))
        assert moved.tolist() == [i in row for row in reads.tolist()], i
    # a tap in the padding is -1, and the padding is where the layer reads no input step
    assert ((reads >= -1) & (reads < T)).all()


@pytest.mark.parametrize("op,attrs,kernel", [
    ("Conv", {"pads": [1, 1]}, 3),
    ("Conv", {"pads": [1, 1], "dilations": [2]}, 2),
    ("Conv", {"auto_pad": "SAME_LOWER", "strides": [2]}, 4),
    ("Conv", {"auto_pad": "SAME_UPPER", "strides": [3]}, 2),
    ("MaxPool", {"kernel_shape": [2], "strides": [2]}, 2),
    ("MaxPool", {"kernel_shape": [3], "strides": [2], "pads": [1, 1], "ceil_mode": 1}, 3),
    ("AveragePool", {"kernel_shape": [3], "strides": [2], "pads": [1, 1], "ceil_mode": 1,
                     "count_include_pad": 1}, 3),
])
def test_onnx_window_steps_are_the_steps_each_output_step_depends_on(op, attrs, kernel):
    from lstmviz.engine import onnx_ops

    T = 11
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 2, T)).astype(np.float32)
    extra = [rng.normal(size=(3, 2, kernel)).astype(np.float32)] if op == "Conv" else []
    attrs = dict(attrs, **({} if op != "Conv" else {"kernel_shape": [kernel]}))
    y = onnx_ops.evaluate(op, attrs, [x, *extra])[0]
    reads = onnx_ops.window_steps(op, attrs, kernel, T)
    assert reads.shape == (y.shape[2], kernel)
    for i in range(T):
        nudged = x.copy()
        nudged[0, :, i] += 100.0  # (so that a maximum moves too)
        moved = np.any(onnx_ops.evaluate(op, attrs, [nudged, *extra])[0] != y, axis=(0, 1))
        assert moved.tolist() == [i in row for row in reads.tolist()], i
    assert ((reads >= -1) & (reads < T)).all()


def test_an_onnx_conv_without_kernel_shape_reads_its_kernels_taps():
    import lstmviz

    model = lstmviz.load(FIXTURES / "onnx_torch_dynamo_cnn_lstm_max" / "model.onnx", isolate=False)
    conv = model.get_layer("node_conv1d")
    attrs = {k: v for k, v in conv.config["attrs"].items() if k != "kernel_shape"}
    conv.config["attrs"] = attrs
    assert conv.kernel_taps() == conv.weights[0].shape[2] == 3
    assert conv.read_steps(5).tolist() == [[-1, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, -1]]
