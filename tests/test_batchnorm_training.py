"""BatchNormalization in training, against real Keras 3.15 and tf_keras 2.21 (the ``keras2``
cases of ``tests/grad_cases.py``, fixtures from ``scripts/make_grad_fixtures.py``): ``fit``'s
History and every weight after it, the moving mean and variance included, to the tolerance
of the other fit tests; the trace and the validation loss stay inference mode."""

from __future__ import annotations

import numpy as np
import pytest
from grad_cases import CASES, FIT, OPTIMIZERS

from helpers import FIXTURES, build_grad_case
from lstmviz.engine.gradients import gradients
from lstmviz.engine.layers import model_arrays, trainable_arrays
from lstmviz.engine.optimizers import make
from lstmviz.engine.train import evaluate, fit

GRAD = FIXTURES / "grad"
BN_CASES = [n for n, c in CASES.items() if any(cls == "BatchNormalization" for cls, _ in c.get("layers", ()))
            and not c.get("frozen")]
RTOL, ATOL = 1e-5, 2e-6


build = build_grad_case  # (tests/helpers.py)


def _optimizer(opt):
    _, cls, options = next(o for o in OPTIMIZERS if o[0] == opt)
    options = dict(options)
    return make(cls, options.pop("learning_rate"), **options)


def test_the_cases_hold_batch_normalization():
    assert len(BN_CASES) == 3
    for name in BN_CASES:
        npz = np.load(GRAD / f"{name}.npz")
        paths = [str(p) for p in npz["weight_paths"]]
        assert any(p.endswith("moving_variance") for p in paths)
        # Keras' get_weights() order is ours: gamma/beta, then the moving statistics, per layer
        model = build(name, npz)
        ours = [f"{layer.name}/{w}" for layer in model.layers for w in layer.weight_names]
        assert [p.rsplit("/", 1)[1] for p in paths] == [o.rsplit("/", 1)[1] for o in ours]


@pytest.mark.parametrize("major", ["3", "2"])
@pytest.mark.parametrize("opt", [o[0] for o in OPTIMIZERS])
@pytest.mark.parametrize("name", BN_CASES)
def test_fit_equals_keras_fit_moving_statistics_too(name, opt, major):
    npz = np.load(GRAD / f"{name}.npz")
    prefix = "fit" if major == "3" else "k2fit"
    model = build(name, npz, major)
    history = fit(model, npz["x"], npz["y"], CASES[name]["loss"], _optimizer(opt), shuffle=False, **FIT)
    np.testing.assert_allclose(history.history["loss"], npz[f"{prefix}_{opt}_loss"], rtol=RTOL, atol=ATOL)
    names = [f"{layer.name}/{w}" for layer in model.layers for w in layer.weight_names]
    moved = 0
    for k, (got, what) in enumerate(zip(model_arrays(model), names)):
        want = npz[f"{prefix}_{opt}_{k}"]
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"{what} (Keras {major})")
        if "moving_" in what:
            assert not np.allclose(want, npz[f"w{k}"]), what  # (Keras moved it: the check means something)
            moved += 1
    assert moved >= 2


def test_keras_2_and_3_move_the_statistics_in_their_own_float32_forms():
    # Keras 3: moving * momentum + batch * (1 - momentum); Keras 2: moving - (moving - batch) * (1 - momentum)
    npz = np.load(GRAD / "lstm_batchnorm_dense_mse.npz")
    x, y = npz["x"], npz["y"]
    for major in ("3", "2"):
        model = build("lstm_batchnorm_dense_mse", npz, major)
        bn = model.get_layer("batch_normalization")
        before = bn.named_weights()["moving_mean"].copy()
        g = gradients(model, x, y, "mse")
        mean = g.moments[bn.name][0].reshape(-1)
        m, d = np.float32(0.8), np.float32(1.0 - 0.8)
        want = before * m + mean * d if major == "3" else before - (before - mean) * d
        bn.move(g.moments[bn.name])
        assert np.array_equal(bn.named_weights()["moving_mean"], want)
        # the batch's statistics: the LSTM's outputs' mean and biased variance over the batch
        h = g.trace.layers["lstm"].outputs[0]
        np.testing.assert_allclose(mean, h.mean(axis=0), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(g.moments[bn.name][1].reshape(-1), h.var(axis=0), rtol=1e-5, atol=1e-7)


def test_gradient_tape_training_true_and_the_mode_named():
    npz = np.load(GRAD / "masked_batchnorm_lstm_mse.npz")
    model = build("masked_batchnorm_lstm_mse", npz)
    g = gradients(model, npz["x"], npz["y"], "mse")
    assert g.training is True and set(g.moments) == {"batch_normalization", "batch_normalization_1"}
    assert g.loss == pytest.approx(float(npz["loss"]), rel=RTOL)
    for k, got in enumerate(w for layer in model.layers for w in g.layers[layer.name].weights):
        want = npz[f"g{k}"]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5 * max(1e-3, float(np.abs(want).max())))
    # inference mode (training=False) differs here: the moving statistics, not the batch's
    g0 = gradients(model, npz["x"], npz["y"], "mse", training=False)
    assert g0.training is False and not g0.moments and g0.loss != pytest.approx(g.loss, rel=1e-3)
    assert len(g0.layers["batch_normalization_1"].weights) == 1  # (center=False: gamma only)


def test_the_trace_and_the_validation_loss_stay_inference_mode():
    npz = np.load(GRAD / "lstm_batchnorm_dense_mse.npz")
    model = build("lstm_batchnorm_dense_mse", npz)
    x, y = npz["x"], npz["y"]
    bn = model.get_layer("batch_normalization")
    stats = {k: v.copy() for k, v in bn.named_weights().items()}
    h = model.trace(x).layers["lstm"].outputs[0]
    want = (h - stats["moving_mean"]) / np.sqrt(stats["moving_variance"] + np.float32(1e-3)) * stats["gamma"] \
        + stats["beta"]
    np.testing.assert_allclose(model.trace(x).layers["batch_normalization"].outputs[0], want, rtol=1e-5, atol=1e-6)
    assert evaluate(model, x, y, "mse") == pytest.approx(gradients(model, x, y, "mse", training=False).loss)
    history = fit(model, x[:4], y[:4], "mse", "sgd", batch_size=4, epochs=1, shuffle=False,
                  validation_data=(x[4:], y[4:]))
    # val_loss: at the weights after the update, by the moving statistics after it (Keras' evaluate)
    assert history.history["val_loss"][0] == pytest.approx(evaluate(model, x[4:], y[4:], "mse"), rel=1e-6)
    assert history.history["val_loss"][0] != pytest.approx(
        gradients(model, x[4:], y[4:], "mse").loss, rel=1e-3)  # (not the batch's statistics)
    # the optimizer moves gamma and beta only; fit moves the moving statistics
    assert len(trainable_arrays(model)) == len(model_arrays(model)) - 2
    assert not np.array_equal(bn.named_weights()["moving_mean"], stats["moving_mean"])
