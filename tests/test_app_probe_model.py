"""``train_user.probe_model``: the Train tab's gradient pages' numbers for a model on the
user's own inputs (and targets), at its weights, without a run: the engine's numbers (dL/dh,
connectivity, gates), nothing at update 0, the model untouched, and every refusal one line
saying what is wrong and what is supported."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lstmviz.app import grad_stats as G
from lstmviz.app.train_user import probe_model
from lstmviz.engine import LayerSpec, Model
from lstmviz.engine.gradients import gradients
from lstmviz.engine.train import trainable_arrays
from lstmviz.errors import LstmvizError

T = 12


def _model(kind="LSTM"):
    return Model.sequential((None, T, 2), [LayerSpec(kind, {"units": 4}), LayerSpec("Dense", {"units": 1})], seed=3)


def _data(n=70):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (n, T, 2))  # (float64, as a notebook makes it: taken as float32)
    return x, x[:, 0, :1] - x[:, 3, 1:]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_the_pages_numbers_are_the_engines_at_the_models_weights(kind):
    m = _model(kind)
    before = [a.copy() for a in trainable_arrays(m)]
    x, y = _data()
    x32 = x.astype(np.float32)
    v = probe_model(m, x, y, "mse", "dh", sample=5)
    assert (v.run, v.kind, v.sample, v.samples, v.ref.label) == (False, "", 5, 70, v.ref.layer)
    g = gradients(m, x32[5:6], y[5:6].astype(np.float32), "mse")
    np.testing.assert_array_equal(v.dh, g.layers[v.ref.layer].steps["dh"][0].T.astype(np.float64))
    assert v.dh.shape == (4, T) and v.loss == g.loss
    v = probe_model(m, x, part="connectivity", sample=5)
    np.testing.assert_array_equal(v.connectivity, G.connectivity(m, x32[5:6]))
    assert v.connectivity0 is None and v.dh is None
    for a, b in zip(trainable_arrays(m), before):  # (probed on a copy)
        np.testing.assert_array_equal(a, b)
    if kind == "SimpleRNN":  # (no gates: refused, not an empty picture)
        with pytest.raises(LstmvizError, match="^view='gates': layer 'simple_rnn' is a SimpleRNN, which has no "
                                               "gates \\(nothing saturates but h itself\\); view='dh' and "
                                               "'connectivity' draw it$"):
            probe_model(m, x, part="gates")
        return
    v = probe_model(m, x, part="gates")
    rec = m.trace(x32[:G.MAX_GATE_SAMPLES]).layers[v.ref.layer]
    keys = {"LSTM": ("i", "f", "o"), "GRU": ("z", "r")}[kind]
    assert tuple(v.gates) == keys and v.gates0 == {} and v.gate_samples == G.MAX_GATE_SAMPLES < 70
    for key in keys:
        np.testing.assert_allclose(v.gates[key].mean, rec.steps[key].mean(axis=(0, 1)), rtol=1e-6)
        np.testing.assert_array_equal(v.gates[key].high, (rec.steps[key] > 0.9).mean(axis=(0, 1)))


def test_a_bidirectional_half_is_picked_by_its_label_and_a_layer_by_its_name():
    gru = {"class_name": "GRU", "config": {"units": 3}}
    m = Model.sequential((None, T, 2), [LayerSpec("Bidirectional", {"layer": gru}), LayerSpec("Dense", {"units": 1})],
                         seed=0)
    x, y = _data(6)
    name = m.layers[0].name
    back = probe_model(m, x, y, "mse", "dh", layer=f"{name} / backward", sample=1)
    assert back.ref.label == f"{name} / backward"
    g = gradients(m, x[1:2].astype(np.float32), y[1:2].astype(np.float32), "mse")
    np.testing.assert_array_equal(back.dh, g.layers[name].children["backward"].steps["dh"][0].T)
    assert probe_model(m, x, y, "mse", "dh", layer=name).ref.label == f"{name} / forward"


def test_targets_one_axis_short_are_taken_as_keras_fit_takes_them():
    m = _model()
    x, y = _data(8)
    a = probe_model(m, x, y[:, 0], "mean_squared_error", "dh")  # (8,) for an output (None, 1)
    b = probe_model(m, x, y, "mse", "dh")
    np.testing.assert_array_equal(a.dh, b.dh)


def _refusal(**kw):
    m = kw.pop("model", None) or _model()
    x, y = _data(8)
    args = {"x": x, "y": None, "loss": None, "part": "dh", **kw}
    with pytest.raises(LstmvizError) as err:
        probe_model(m, **args)
    text = str(err.value)
    assert "\n" not in text
    return text


def test_every_refusal_is_one_line_saying_what_is_supported():
    x, y = _data(8)
    losses = "mse, mae, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy"
    assert _refusal() == ("view='dh' draws dL/dh, the gradient of a loss: give y and loss (y: one target per "
                          f"sample of x, shaped as the model's output; loss: one of {losses})")
    assert _refusal(y=y).startswith("view='dh' draws dL/dh, the gradient of a loss: give loss (")
    assert _refusal(part="gates", y=y) == f"y and loss go together: give loss too (loss: one of {losses})"
    assert _refusal(y=y[:5], loss="mse") == "y: 5 targets, but x has 8 samples; give one target per sample"
    assert _refusal(y=np.zeros((8, 3)), loss="mse") == ("y: targets of shape (8, 3), but the model outputs "
                                                       "(None, 1); mse expects shape (8, 1)")
    assert _refusal(y=y, loss="hinge") == f"unknown loss 'hinge'; supported: {losses}"
    assert _refusal(y=np.full((8, 1), np.nan), loss="mse") == ("y: the target holds NaN or infinity (first at "
                                                              "index (0, 0)); replace it with numbers")
    assert _refusal(part="updates") == ("view='updates' draws the size of a training update, and a model's own "
                                        "weights have none (the Train tab shows it); use one of dh, connectivity, "
                                        "gates")
    assert _refusal(part="gates", sample=2) == ("sample=2: the gates are drawn over every sample of x (the first "
                                                "64); leave sample out (dh and connectivity draw one sample)")
    assert _refusal(y=y, loss="mse", sample=8) == "sample=8: x has 8 samples: 0 to 7"
    assert _refusal(y=y, loss="mse", layer="dense") == ("layer='dense': not a recurrent layer of the model; give "
                                                        "its recurrent layer: 'lstm'")
    assert _refusal(part="connectivity", layer="lstm").startswith("layer='lstm': connectivity is how much the "
                                                                  "model's output depends on each input step")
    assert _refusal(x=None, part="connectivity") == ("view='connectivity' draws the model on your inputs: give x "
                                                     "(samples first, (None, 12, 2))")
    assert _refusal(x=np.zeros((8, 12)), part="connectivity") == ("x: inputs of shape (8, 12), but the model "
                                                                  "takes (None, 12, 2) (samples first)")
    assert _refusal(x=np.zeros((8, 12, 5)), part="connectivity") == ("x: the input has 5 features but the model "
                                                                     "expects 2: shape (8, 12, 5) vs (None, 12, 2)")
    assert _refusal(x=np.array([["a"]]), part="gates") == "x: holds text, not numbers"
    dense = Model.sequential((None, T, 2), [LayerSpec("Dense", {"units": 1})], seed=0)
    assert _refusal(model=dense, part="gates").startswith("view='gates' draws a recurrent layer (LSTM, GRU, "
                                                          "SimpleRNN, a Bidirectional or RNN of them), and the "
                                                          "model has none; view='connectivity' draws any model")
    assert probe_model(dense, x, part="connectivity").connectivity.shape == (T,)  # (any model: no refusal)


def test_a_batch_normalization_models_gradient_pages_are_inference_mode_and_say_so():
    # one sample's own loss: a BatchNormalization by its moving statistics (a batch of one
    # sample's own would be degenerate), the mode named; no such words for other models
    model = Model.sequential((None, T, 2), [LayerSpec("LSTM", {"units": 4}, name="lstm"),
                                            LayerSpec("BatchNormalization", {}), LayerSpec("Dense", {"units": 1})],
                             seed=3)
    bn = model.get_layer("batch_normalization")
    bn.weights[2][...] = [0.3, -0.2, 0.1, 0.0]  # (moving statistics that are not the identity's)
    bn.weights[3][...] = [0.5, 2.0, 1.5, 0.8]
    x, y = _data(8)
    v = probe_model(model, x, y, "mse", "dh", sample=2)
    want = gradients(model, x[2:3], y[2:3], "mse", training=False)
    assert v.loss == pytest.approx(want.loss)
    np.testing.assert_array_equal(v.dh, np.asarray(want.layers["lstm"].steps["dh"][0], np.float64).T)
    assert v.mode == "inference mode, as predict: BatchNormalization by its moving statistics"
    assert v.loss != pytest.approx(gradients(model, x[2:3], y[2:3], "mse").loss)  # (training mode differs)
    assert probe_model(_model(), x, y, "mse", "dh").mode == ""


def test_other_steps_are_taken_or_refused_as_keras_and_the_command_line_take_them(tmp_path, capsys):
    """``lstmviz.picture(model, x, view="dh")`` refused an x of 8 steps for a Sequential
    stack declared of 5 ("x: inputs of shape (3, 8, 3), but the model takes (None, 5, 3)")
    where ``lstmviz grad``, ``model.trace`` and the other views ran it. Keras 3.15.1 (with
    TensorFlow 2.21) runs a Sequential stack built on ``Input(shape=(5, 3))`` on 8 steps
    (predict, fit, no warning) and refuses them to a functional model ("Input 0 ... is
    incompatible with the layer: expected shape=(None, 5, 3), found shape=(3, 8, 3)"): the
    gradient pages and the Train tab now take what the engine takes, the Sequential's at the
    engine's numbers, and refuse the functional model's in the command line's words."""
    from helpers import FIXTURES
    from lstmviz import cli, load
    from lstmviz.app.train_user import user_data

    rng = np.random.default_rng(1)
    for case, steps, outputs, runs in (("k3_lstm_default", 8, 2, True), ("k3_dense_activations", 6, 57, False)):
        model = load(FIXTURES / case / "model.keras")
        declared = model.input_shapes()[0][1]
        assert declared is not None and declared != steps
        x = rng.normal(size=(3, steps, 3)).astype(np.float32)
        y = rng.normal(size=(3, outputs)).astype(np.float32)
        np.save(tmp_path / "x.npy", x)
        np.save(tmp_path / "y.npy", y)
        rc = cli.main(["grad", str(FIXTURES / case / "model.keras"), "-i", str(tmp_path / "x.npy"), "-y",
                       str(tmp_path / "y.npy"), "--loss", "mse", "-o", str(tmp_path / "g.npz")])
        err = capsys.readouterr().err.strip()
        if runs:
            assert rc == 0, err
            v = probe_model(model, x, y, "mse", "dh", sample=1)
            g = gradients(model, x[1:2], y[1:2], "mse")
            np.testing.assert_array_equal(v.dh, g.layers[v.ref.layer].steps["dh"][0].T.astype(np.float64))
            assert v.dh.shape[1] == steps
            data, _ = user_data(model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.0)  # (the Train tab's)
            np.testing.assert_array_equal(data.x_train, x)
        else:
            with pytest.raises(LstmvizError) as refused:
                probe_model(model, x, y, "mse", "dh")
            said = (f"the input has {steps} timesteps but the model expects {declared}: shape (3, {steps}, 3) "
                    f"vs (None, {declared}, 3)")
            assert rc == 2 and err == f"lstmviz: {tmp_path / 'x.npy'}: {said}"
            assert str(refused.value) == f"x: {said}"
            with pytest.raises(LstmvizError, match=f"^x.npy: {re.escape(said)}$"):
                user_data(model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.0)
