"""The backward pass against float64 central finite differences, for every cell kind and
layer the backward pass covers.

The engine computes in float32; here its modules see a NumPy whose ``float32`` is
float64 (``float64_engine``), so the very same code runs in double precision and a
central difference with a step of 1e-6 is accurate to ~1e-9: the analytic gradient must
match it to 1e-6 relative.
"""

from __future__ import annotations

import contextlib
import types

import numpy as np
import pytest

from lstmviz.engine import LayerSpec, Model, ModelSpec, TensorRef
from lstmviz.engine.cells import CELLS
from tests.helpers import keras3_masked_concatenate

#: (``cells``: a kind's backward step may live beside its description, ARCHITECTURE.md)
MODULES = ("activations", "derivatives", "recurrent", "layer_base", "layers", "layers_more", "conv",
           "model", "backward", "cells", "gradients", "losses", "workspace", "trace")


@contextlib.contextmanager
def float64_engine():
    import importlib

    np64 = types.ModuleType("numpy64")
    np64.__dict__.update({k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    np64.float32 = np.float64
    mods = [importlib.import_module(f"lstmviz.engine.{m}") for m in MODULES]
    saved = [(m, m.np) for m in mods]
    ws = importlib.import_module("lstmviz.engine.workspace")
    empty = ws.empty
    try:
        for m in mods:
            m.np = np64
        ws.empty = lambda shape, dtype=np.float64: np.empty(shape, np.float64)
        rec = importlib.import_module("lstmviz.engine.recurrent")
        rec.workspace = types.SimpleNamespace(empty=ws.empty)
        yield
    finally:
        for m, orig in saved:
            m.np = orig
        ws.empty = empty
        rec.workspace = ws


def _randomize(model, rng, scale=0.5):
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([(rng.normal(size=w.shape) * scale).astype(np.float64)
                               for w in layer.weights])
            _to64(layer)


def _to64(layer):
    layer.weights = [w.astype(np.float64) for w in layer.weights]
    for sub in ("forward_layer", "backward_layer", "inner"):
        if hasattr(layer, sub):
            _to64(getattr(layer, sub))
            layer.weights = (layer.forward_layer.weights + layer.backward_layer.weights
                             if hasattr(layer, "forward_layer") else layer.inner.weights)
    for cell in getattr(layer, "cells", []):
        _to64(cell)
    if hasattr(layer, "cells"):
        layer.weights = [w for c in layer.cells for w in c.weights]


def _layer_weights(layer):
    """The arrays a gradient entry points at (the halves' own for a Bidirectional)."""
    if hasattr(layer, "forward_layer"):
        return layer.forward_layer.weights + layer.backward_layer.weights
    if hasattr(layer, "cells"):
        return [w for c in layer.cells for w in c.weights]
    if hasattr(layer, "inner"):
        return _layer_weights(layer.inner)
    if hasattr(layer, "trainable_weights"):  # a BatchNormalization: gamma, beta (its moving ones not)
        return layer.trainable_weights()
    return layer.weights


def _central_difference(f, flat, idx, eps):
    """(f(w + eps) - f(w - eps)) / 2 eps for the entry ``idx`` of ``flat`` (put back after)."""
    old = flat[idx]
    flat[idx] = old + eps
    up = f()
    flat[idx] = old - eps
    down = f()
    flat[idx] = old
    return (up - down) / (2 * eps)


def check(model, x, y, loss, rng, n_entries=4, eps=1e-6, rtol=2e-6, training=True):
    from lstmviz.engine.gradients import gradients

    with float64_engine():
        _randomize(model, rng)
        for layer in model.layers:  # (a moving variance is positive)
            stats = getattr(getattr(layer, "inner", layer), "statistics", ())
            inner = getattr(layer, "inner", layer)
            for name, w in zip(inner.weight_names, inner.weights):
                if name == "moving_variance" and name in stats:
                    w[...] = np.abs(w) + 0.5
        xs = [np.asarray(a, np.float64) if np.issubdtype(np.asarray(a).dtype, np.floating) else a
              for a in (x if isinstance(x, list) else [x])]
        x_in = xs if isinstance(x, list) else xs[0]
        g = gradients(model, x_in, y, loss, training=training)

        def f():
            return gradients(model, x_in, y, loss, training=training).loss

        checked = 0
        for layer in model.layers:
            arrays = _layer_weights(layer)
            if not arrays:
                continue
            lg = g.layers[layer.name].weights
            assert len(lg) == len(arrays), layer.name
            for w, gw in zip(arrays, lg):
                assert gw.shape == w.shape
                flat = w.reshape(-1)
                for idx in rng.choice(flat.size, size=min(n_entries, flat.size), replace=False):
                    num = _central_difference(f, flat, idx, eps)
                    ana = gw.reshape(-1)[idx]
                    assert abs(num - ana) <= rtol * max(1.0, abs(num)) + 1e-9, (
                        layer.name, w.shape, idx, num, ana)
                    checked += 1
        for k, a in enumerate(xs):
            if g.inputs[k] is None:
                continue
            flat = a.reshape(-1)
            live = np.flatnonzero(flat != 0)  # nudging a padded 0 would change the mask
            for idx in rng.choice(live, size=min(6, live.size), replace=False):
                num = _central_difference(f, flat, idx, eps)
                ana = g.inputs[k].reshape(-1)[idx]
                assert abs(num - ana) <= rtol * max(1.0, abs(num)) + 1e-9, ("input", idx, num, ana)
                checked += 1
        assert checked > 0
    return g


def seq(input_shape, *layers, keras_version="3"):
    return Model.sequential(input_shape, [LayerSpec(c, cfg) for c, cfg in layers],
                            keras_version=keras_version)


RNN_CASES = [
    ("LSTM", {}),
    ("LSTM", {"return_sequences": True}),
    ("LSTM", {"go_backwards": True, "return_sequences": True}),
    ("LSTM", {"activation": "relu", "recurrent_activation": "hard_sigmoid"}),
    ("LSTM", {"activation": "softsign", "recurrent_activation": "sigmoid", "use_bias": False}),
    ("GRU", {}),
    ("GRU", {"reset_after": False, "return_sequences": True}),
    ("GRU", {"go_backwards": True, "activation": "elu", "recurrent_activation": "hard_sigmoid"}),
    ("SimpleRNN", {"return_sequences": True}),
    ("SimpleRNN", {"activation": "swish", "go_backwards": True}),
]
# every other kind engine/cells.py describes (one added as ARCHITECTURE.md says), by default
RNN_CASES += [(name, {}) for name in CELLS if name not in {k for k, _ in RNN_CASES}]


@pytest.mark.parametrize("kind,cfg", RNN_CASES, ids=[f"{k}-{'-'.join(c) or 'default'}" for k, c in RNN_CASES])
def test_cells(kind, cfg):
    rng = np.random.default_rng(1)
    model = seq((None, 5, 3), (kind, {"units": 4, **cfg}), ("Dense", {"units": 2}))
    x = rng.normal(size=(3, 5, 3))
    out_shape = model.output_shapes()[0]
    y = rng.normal(size=(3,) + tuple(out_shape[1:]))
    check(model, x, y, "mse", rng)


@pytest.mark.parametrize("major", [2, 3])
def test_hard_sigmoid_per_generation(major):
    rng = np.random.default_rng(2)
    model = seq((None, 4, 2), ("LSTM", {"units": 3, "recurrent_activation": "hard_sigmoid"}),
                keras_version=str(major))
    check(model, rng.normal(size=(2, 4, 2)) * 2, rng.normal(size=(2, 3)), "mae", rng)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_masking_and_state_outputs(kind):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 6, 2))
    x[0, 4:] = 0.0  # a padded tail
    x[1, :2] = 0.0  # padded head
    x[2, 3] = 0.0   # a hole
    model = seq((None, 6, 2), ("Masking", {}), (kind, {"units": 3, "return_sequences": True}),
                ("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 2}}}))
    check(model, x, rng.normal(size=(3, 6, 2)), "mse", rng)
    last = seq((None, 6, 2), ("Masking", {}), (kind, {"units": 3, "go_backwards": True}))
    check(last, x, rng.normal(size=(3, 3)), "mse", rng)


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("seqs", [True, False])
def test_bidirectional(mode, seqs):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 5, 3))
    x[1, 3:] = 0.0
    model = seq((None, 5, 3), ("Masking", {}),
                ("Bidirectional", {"merge_mode": mode, "layer": {"class_name": "GRU", "config": {
                    "units": 3, "return_sequences": seqs}}}),
                ("Dense", {"units": 2, "activation": "tanh"}))
    y = rng.normal(size=(2, 5, 2) if seqs else (2, 2))
    check(model, x, y, "mse", rng)


def test_embedding_mask_zero_and_crossentropies():
    rng = np.random.default_rng(5)
    ids = np.array([[3, 1, 2, 0, 0], [4, 4, 1, 2, 3]])
    model = seq((None, 5), ("Embedding", {"input_dim": 6, "output_dim": 3, "mask_zero": True}),
                ("LSTM", {"units": 4, "return_sequences": True}),
                ("Dense", {"units": 5, "activation": "softmax"}))
    check(model, ids, rng.integers(0, 5, size=(2, 5)), "sparse_categorical_crossentropy", rng)
    onehot = np.eye(5)[rng.integers(0, 5, size=(2, 5))]
    check(model, ids, onehot, "categorical_crossentropy", rng)


@pytest.mark.parametrize("loss", ["binary_crossentropy", "categorical_crossentropy"])
def test_probability_losses_through_td(loss):
    rng = np.random.default_rng(6)
    act = "sigmoid" if loss == "binary_crossentropy" else "softmax"
    model = seq((None, 4, 2), ("SimpleRNN", {"units": 3, "return_sequences": True}),
                ("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 3, "activation": act}}}))
    y = rng.uniform(size=(2, 4, 3))
    if act == "softmax":
        y = y / y.sum(-1, keepdims=True)
    check(model, rng.normal(size=(2, 4, 2)), y, loss, rng)


def test_return_state_repeat_vector_activation_dropout():
    rng = np.random.default_rng(7)
    model = seq((None, 4, 2), ("LSTM", {"units": 3}), ("RepeatVector", {"n": 3}),
                ("Dropout", {"rate": 0.5}), ("GRU", {"units": 2, "return_sequences": True}),
                ("Activation", {"activation": "gelu"}))
    check(model, rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 3, 2)), "mse", rng)


def test_functional_concat_add_initial_state():
    """A graph: LSTM with return_state feeding a decoder's initial state, Concatenate, Add."""
    rng = np.random.default_rng(8)
    layers = [
        LayerSpec("InputLayer", {"batch_shape": [None, 4, 2]}, "enc_in"),
        LayerSpec("InputLayer", {"batch_shape": [None, 3, 2]}, "dec_in"),
        LayerSpec("LSTM", {"units": 3, "return_state": True}, "enc", inbound=[TensorRef("enc_in")]),
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, "dec", inbound=[TensorRef("dec_in")],
                  initial_state=[TensorRef("enc", 1), TensorRef("enc", 2)]),
        LayerSpec("SimpleRNN", {"units": 3, "return_sequences": True}, "side", inbound=[TensorRef("dec_in")]),
        LayerSpec("Concatenate", {"axis": -1}, "cat", inbound=[TensorRef("dec"), TensorRef("side")]),
        LayerSpec("Add", {}, "add", inbound=[TensorRef("dec"), TensorRef("side")]),
        LayerSpec("Concatenate", {"axis": -1}, "both", inbound=[TensorRef("cat"), TensorRef("add")]),
        LayerSpec("Dense", {"units": 2}, "out", inbound=[TensorRef("both")]),
    ]
    model = Model.from_spec(ModelSpec(layers, [TensorRef("enc_in"), TensorRef("dec_in")],
                                      [TensorRef("out")], keras_version="3"))
    g = check(model, [rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 3, 2))],
              rng.normal(size=(2, 3, 2)), "mse", rng)
    assert g.inputs[0].shape == (2, 4, 2) and g.inputs[1].shape == (2, 3, 2)


@pytest.mark.parametrize("op", ["Multiply", "Add", "Subtract", "Maximum", "Average"])
def test_attention_pooling_and_merges_that_broadcast(op):
    """Keras' attention pooling without a Lambda: an LSTM's sequence merged with its Softmax
    over the steps, (2, 5, 3) by (2, 5, 1) (Keras 3 broadcasts), pooled, a Dense: the gradient
    of the broadcast input summed over the features it was repeated along."""
    rng = np.random.default_rng(10)
    layers = [
        LayerSpec("InputLayer", {"batch_shape": [None, 5, 2]}, "x"),
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, "h", inbound=[TensorRef("x")]),
        LayerSpec("Dense", {"units": 1, "activation": "tanh"}, "e", inbound=[TensorRef("h")]),
        LayerSpec("Softmax", {"axis": 1}, "a", inbound=[TensorRef("e")]),
        LayerSpec(op, {}, "ctx", inbound=[TensorRef("h"), TensorRef("a")]),
        LayerSpec("GlobalAveragePooling1D", {}, "p", inbound=[TensorRef("ctx")]),
        LayerSpec("Dense", {"units": 2}, "y", inbound=[TensorRef("p")]),
    ]
    model = Model.from_spec(ModelSpec(layers, [TensorRef("x")], [TensorRef("y")], keras_version="3"))
    assert model.get_layer("ctx").output_shapes == [(None, 5, 3)]
    g = check(model, rng.normal(size=(2, 5, 2)), rng.normal(size=(2, 2)), "mse", rng)
    assert g.inputs[0].shape == (2, 5, 2)


@pytest.mark.parametrize("major", ["2", "3"])
@pytest.mark.parametrize("op,after", [("Multiply", "GlobalAveragePooling1D"), ("Maximum", "GlobalAveragePooling1D"),
                                      ("Minimum", "LSTM"), ("Add", "LSTM"), ("Average", "GlobalAveragePooling1D"),
                                      ("Concatenate", "LSTM"), ("Multiply", "unmasked"), ("Maximum", "unmasked")])
def test_merges_of_masked_sequences(op, after, major):
    """Two masked sequences (Masking -> LSTM, Masking -> GRU, padded at other steps, some the
    same) merged, then pooled or an LSTM (both read the merge's mask); ``unmasked``: the
    masked LSTM's merged with an unmasked GRU's. Keras 3 takes a Multiply's masked step as 1
    and a Maximum's / Minimum's as the other input's (``Merge``): no gradient to it there."""
    rng = np.random.default_rng(18)
    a, b = rng.normal(size=(3, 6, 2)), rng.normal(size=(3, 6, 2))
    a[0, :2], a[1, 3], a[1, 5], a[2, :3] = 0.0, 0.0, 0.0, 0.0
    b[0, 1], b[0, 4], b[1, :3], b[1, 5], b[2, 4:] = 0.0, 0.0, 0.0, 0.0, 0.0
    second = "b" if after != "unmasked" else "b_in"
    layers = [
        LayerSpec("InputLayer", {"batch_shape": [None, 6, 2]}, "a_in"),
        LayerSpec("InputLayer", {"batch_shape": [None, 6, 2]}, "b_in"),
        LayerSpec("Masking", {}, "a_mask", inbound=[TensorRef("a_in")]),
        LayerSpec("Masking", {}, "b_mask", inbound=[TensorRef("b_in")]),
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, "a", inbound=[TensorRef("a_mask")]),
        LayerSpec("GRU", {"units": 3, "return_sequences": True}, "b",
                  inbound=[TensorRef("b_mask" if second == "b" else "b_in")]),
        LayerSpec(op, {}, "merged", inbound=[TensorRef("a"), TensorRef("b")]),
        LayerSpec("LSTM" if after == "LSTM" else "GlobalAveragePooling1D",
                  {"units": 2} if after == "LSTM" else {}, "after", inbound=[TensorRef("merged")]),
        LayerSpec("Dense", {"units": 2}, "y", inbound=[TensorRef("after")]),
    ]
    model = Model.from_spec(ModelSpec(layers, [TensorRef("a_in"), TensorRef("b_in")], [TensorRef("y")],
                                      keras_version=major))
    check(model, [a, b], rng.normal(size=(3, 2)), "mse", rng, n_entries=12)


def test_concatenate_of_masked_sequences_as_keras_3_saves_it():
    """Keras 3 saves a Concatenate's mask in a functional model as ops (``MaskOp``: expand_dims,
    zeros_like, logical_or, concatenate, any) handed to the next LSTM as mask=: no gradient
    goes into them, the LSTMs' and the merge's as without them."""
    rng = np.random.default_rng(19)
    a, b = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 5, 2))
    a[0, :2], a[1, 4], b[0, 1], b[1, :3], b[2, 3:] = 0.0, 0.0, 0.0, 0.0, 0.0
    model = keras3_masked_concatenate(5)
    want = np.array([[1, 0, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]], bool)  # (either input's step)
    np.testing.assert_array_equal(model.trace([a, b])["mask"].outputs[0], want)
    check(model, [a, b], rng.normal(size=(3, 2)), "mse", rng, n_entries=8)


def test_stacked_rnn_cells():
    rng = np.random.default_rng(9)
    cells = [{"class_name": "GRUCell", "config": {"units": 3}},
             {"class_name": "LSTMCell", "config": {"units": 2}}]
    model = seq((None, 4, 2), ("RNN", {"cell": cells, "return_sequences": True}))
    check(model, rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 2)), "mse", rng)


@pytest.mark.parametrize("act", ["relu", "selu", "softplus", "leaky_relu", "mish", "hard_silu",
                                 "exponential", "log_softmax", "relu6", "linear"])
def test_dense_activations(act):
    rng = np.random.default_rng(10)
    model = seq((None, 3), ("Dense", {"units": 4, "activation": act}))
    check(model, rng.normal(size=(3, 3)), rng.normal(size=(3, 4)), "mse", rng)


CONV_CASES = [
    # (channels first: Keras 3.15's eager Conv1D, the one GradientTape runs, is wrong there on
    # TensorFlow's CPU; tests/fixtures/grad's permuted_conv_channels_first_lstm_mse is taped by XLA)
    ("channels_first", (None, 4, 7), [("Conv1D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
                                                  "data_format": "channels_first", "activation": "tanh"}),
                                      ("MaxPooling1D", {"pool_size": 2, "padding": "same",
                                                        "data_format": "channels_first"}),
                                      ("AveragePooling1D", {"pool_size": 2, "strides": 1,
                                                            "data_format": "channels_first"})]),
    ("overlapping_pools", (None, 9, 4), [("Conv1D", {"filters": 4, "kernel_size": 2, "dilation_rate": 3,
                                                     "groups": 2, "padding": "causal", "activation": "swish"}),
                                         ("MaxPooling1D", {"pool_size": 3, "strides": 1}),
                                         ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}),
                                         ("LSTM", {"units": 2})]),
    ("time_distributed", (None, 3, 6, 2), [("TimeDistributed", {"layer": {"class_name": "Conv1D", "config": {
                                               "filters": 3, "kernel_size": 2, "activation": "elu"}}}),
                                           ("TimeDistributed", {"layer": {"class_name": "AveragePooling1D",
                                                                          "config": {"pool_size": 2}}}),
                                           ("TimeDistributed", {"layer": {"class_name": "Flatten", "config": {}}}),
                                           ("GRU", {"units": 2})]),
]


@pytest.mark.parametrize("name,shape,layers", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv1d_and_pooling(name, shape, layers):
    rng = np.random.default_rng(12)
    model = seq(shape, *layers)
    out = model.output_shapes()[0]
    x = rng.normal(size=(2,) + shape[1:])
    check(model, x, rng.normal(size=(2,) + tuple(out[1:])), "mse", rng)


def test_per_step_records_are_dl_dh():
    """dh at step t is dL/dh_t: nudging the state the next step reads changes the loss by it."""
    from lstmviz.engine.gradients import gradients

    rng = np.random.default_rng(11)
    model = seq((None, 5, 2), ("LSTM", {"units": 3, "return_sequences": True}))
    x = rng.normal(size=(2, 5, 2))
    y = rng.normal(size=(2, 5, 3))
    g = gradients(model, x, y, "mse")
    rec = g.layers[model.layers[0].name]
    assert rec.steps["dh"].shape == (2, 5, 3) and rec.steps["dc"].shape == (2, 5, 3)
    assert rec.steps["dpre"].shape == (2, 5, 12)
    # at the last step dL/dh_T is the output gradient alone: 2 (h - y) / size
    h = g.trace.output
    np.testing.assert_allclose(rec.steps["dh"][:, -1], 2 * (h[:, -1] - y[:, -1]) / y.size, rtol=1e-5)


#: the layers around recurrent ones (engine/layers_more.py), each after an LSTM of sequences
AROUND = [
    ("GlobalAveragePooling1D", {"keepdims": True}),
    ("GlobalAveragePooling1D", {"data_format": "channels_first"}),
    ("GlobalMaxPooling1D", {}),
    ("GlobalMaxPooling1D", {"data_format": "channels_first", "keepdims": True}),
    ("Permute", {"dims": [2, 1]}),
    ("Cropping1D", {"cropping": 1}),
    ("ZeroPadding1D", {"padding": [0, 2], "data_format": "channels_first"}),
    ("UpSampling1D", {"size": 3}),
    ("LayerNormalization", {"axis": [1, 2], "epsilon": 0.01}),
    ("LayerNormalization", {"center": False}),
    ("LayerNormalization", {"scale": False}),
    ("LayerNormalization", {"rms_scaling": True}),
    ("LayerNormalization", {"rms_scaling": True, "scale": False, "axis": 1}),
    ("ReLU", {"max_value": 6.0}),
    ("ReLU", {"threshold": 0.1, "negative_slope": 0.3}),
    ("ReLU", {"max_value": 0.3, "negative_slope": 0.2}),
    ("LeakyReLU", {"negative_slope": 0.1}),
    ("ELU", {"alpha": 0.7}),
    ("Softmax", {"axis": 1}),
    ("Softmax", {"axis": [1, 2]}),
    ("TimeDistributed", {"layer": {"class_name": "LayerNormalization", "config": {}}}),
]


@pytest.mark.parametrize("cls,cfg", AROUND, ids=[f"{c}-{'-'.join(map(str, k.values())) or 'default'}"
                                                 for c, k in AROUND])
def test_layers_around_recurrent(cls, cfg):
    rng = np.random.default_rng(12)
    model = seq((None, 5, 3), ("LSTM", {"units": 4, "return_sequences": True}), (cls, cfg),
                ("Dense", {"units": 2}))
    x = rng.normal(size=(3, 5, 3)) * 2
    check(model, x, rng.normal(size=(3,) + tuple(model.output_shapes()[0][1:])), "mse", rng)


@pytest.mark.parametrize("major", ["2", "3"])
def test_average_of_the_unmasked_steps(major):
    rng = np.random.default_rng(13)
    x = rng.normal(size=(3, 6, 2))
    x[0, 4:] = 0.0
    x[1, :2] = 0.0
    model = seq((None, 6, 2), ("Masking", {}), ("GRU", {"units": 3, "return_sequences": True}),
                ("GlobalAveragePooling1D", {}), ("Softmax", {}), keras_version=major)
    check(model, x, np.eye(3)[[0, 2, 1]], "categorical_crossentropy", rng)


@pytest.mark.parametrize("major", ["2", "3"])
@pytest.mark.parametrize("training", [True, False])
def test_batch_normalization_after_an_lstm(major, training):
    # training: through the batch's mean and variance (over the batch); else the moving ones
    rng = np.random.default_rng(17)
    model = seq((None, 4, 2), ("LSTM", {"units": 3}), ("BatchNormalization", {"momentum": 0.8}),
                ("Dense", {"units": 2}), keras_version=major)
    g = check(model, rng.normal(size=(5, 4, 2)), rng.normal(size=(5, 2)), "mse", rng, training=training)
    assert g.training is training and (set(g.moments) == {"batch_normalization"}) is training


@pytest.mark.parametrize("major", ["2", "3"])
@pytest.mark.parametrize("options", [{}, {"center": False}, {"scale": False, "axis": 1}])
def test_batch_normalization_over_masked_steps(major, options):
    # before an LSTM over (batch, steps): the moments of the unmasked steps only (Keras 3:
    # over the count + 1e-7; Keras 2: tf.nn.weighted_moments); axis 1: one statistic per step
    rng = np.random.default_rng(19)
    x = rng.normal(size=(3, 5, 2))
    x[0, 3:] = 0.0
    x[2, :1] = 0.0
    model = seq((None, 5, 2), ("Masking", {}), ("BatchNormalization", options),
                ("LSTM", {"units": 3}), ("Dense", {"units": 1}), keras_version=major)
    check(model, x, rng.normal(size=(3, 1)), "mse", rng)


def test_time_distributed_batch_normalization_at_inference():
    rng = np.random.default_rng(23)
    model = seq((None, 4, 2), ("LSTM", {"units": 3, "return_sequences": True}),
                ("TimeDistributed", {"layer": {"class_name": "BatchNormalization", "config": {}}}))
    check(model, rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 3)), "mse", rng, training=False)


@pytest.mark.parametrize("case", ["time_distributed", "synchronized"])
def test_batch_normalization_training_refused_where_not_computed(case):
    from lstmviz.engine.gradients import gradients
    from lstmviz.errors import LstmvizError

    bn = (("BatchNormalization", {"synchronized": True}) if case == "synchronized" else
          ("TimeDistributed", {"layer": {"class_name": "BatchNormalization", "config": {}}}))
    model = seq((None, 4, 2), ("LSTM", {"units": 3, "return_sequences": True}), bn)
    x, y = np.ones((2, 4, 2), np.float32), np.ones((2, 4, 3), np.float32)
    with pytest.raises(LstmvizError) as err:
        gradients(model, x, y, "mse")
    said = str(err.value)
    assert "\n" not in said and "BatchNormalization" in said and "supported:" in said
    assert ("synchronized=False" if case == "synchronized" else "on its own") in said
    assert gradients(model, x, y, "mse", training=False).training is False  # (inference: computed)
