"""Gradients and training against real Keras 3 (fixtures from scripts/make_grad_fixtures.py):
``tf.GradientTape`` gradients of every weight and input through ``model.compute_loss``, and
the weights after ``model.fit(..., shuffle=False)`` with each optimizer (every weight of
``get_weights()``: a BatchNormalization's moving statistics too)."""

from __future__ import annotations

import numpy as np
import pytest
from grad_cases import CASES, FIT, model_inputs, runs

from helpers import FIXTURES, build_grad_case
from lstmviz.engine.gradients import gradients
from lstmviz.engine.layers import model_arrays
from lstmviz.engine.optimizers import make
from lstmviz.engine.train import fit

GRAD = FIXTURES / "grad"
NAMES = [n for n in CASES if (GRAD / f"{n}.npz").exists()]


build = build_grad_case  # (tests/helpers.py)


def test_fixtures_exist():
    assert len(NAMES) == len(CASES), sorted(set(CASES) - set(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_gradients_equal_gradient_tape(name):
    npz = np.load(GRAD / f"{name}.npz")
    model = build(name, npz)
    g = gradients(model, model_inputs(name, npz["x"]), npz["y"], CASES[name]["loss"])
    assert g.loss == pytest.approx(float(npz["loss"]), rel=1e-5, abs=1e-7)
    flat = [w for layer in model.layers if g.layers.get(layer.name) for w in g.layers[layer.name].weights]
    for k, got in enumerate(flat):
        want = npz[f"g{k}"]
        scale = max(1e-3, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5 * scale, err_msg=f"weight {k}")
    if "dx" in npz.files:
        wants = model_inputs(name, npz["dx"])  # (one per input)
        for k, want in enumerate(wants if isinstance(wants, list) else [wants]):
            np.testing.assert_allclose(g.inputs[k], want, rtol=1e-4,
                                       atol=2e-5 * max(1e-3, float(np.abs(want).max())), err_msg=f"input {k}")


#: the cases fitted with tf_keras too (the Keras 2 merge of masked inputs, ...); the BatchNormalization
#: and frozen ``keras2`` cases' Keras 2 fits are tests/test_batchnorm_training.py's and test_frozen_training.py's
KERAS2 = [n for n in NAMES if CASES[n].get("keras2") and not CASES[n].get("frozen")
          and not any(c == "BatchNormalization" for c, _ in CASES[n].get("layers", ()))]


@pytest.mark.parametrize(("name", "opt", "major"), [(n, o[0], "3") for n in NAMES for o in runs(n)]
                         + [(n, o[0], "2") for n in KERAS2 for o in runs(n)])
def test_fit_equals_keras_fit(name, opt, major):
    npz = np.load(GRAD / f"{name}.npz")
    model = build(name, npz, major)
    _, cls, options = next(o for o in runs(name) if o[0] == opt)
    options = dict(options)
    lr = options.pop("learning_rate")
    history = fit(model, model_inputs(name, npz["x"]), npz["y"], CASES[name]["loss"], make(cls, lr, **options),
                  shuffle=False, **FIT)
    prefix = "fit" if major == "3" else "k2fit"
    # (assert_allclose takes NaN as equal to NaN: a fixture Keras trained to NaN would check nothing)
    assert np.isfinite(npz[f"{prefix}_{opt}_loss"]).all(), "Keras' fit gave NaN: make the case's data trainable"
    np.testing.assert_allclose(history, npz[f"{prefix}_{opt}_loss"], rtol=1e-4, atol=1e-6)
    for k, got in enumerate(model_arrays(model)):
        want = npz[f"{prefix}_{opt}_{k}"]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=f"weight {k} (Keras {major})")
