"""Gradients and training against real Keras 3 (fixtures from scripts/make_grad_fixtures.py):
``tf.GradientTape`` gradients of every weight and input through ``model.compute_loss``, and
the weights after ``model.fit(..., shuffle=False)`` with each optimizer (every weight of
``get_weights()``: a BatchNormalization's moving statistics too)."""

from __future__ import annotations

import numpy as np
import pytest
from grad_cases import CASES, FIT, runs

from helpers import FIXTURES
from lstmviz.engine import LayerSpec, Model
from lstmviz.engine.gradients import gradients
from lstmviz.engine.layers import model_arrays
from lstmviz.engine.optimizers import make
from lstmviz.engine.train import fit

GRAD = FIXTURES / "grad"
NAMES = [n for n in CASES if (GRAD / f"{n}.npz").exists()]


def build(name, npz):
    case = CASES[name]
    model = Model.sequential(case["shape"], [LayerSpec(c, dict(cfg)) for c, cfg in case["layers"]])
    arrays = model_arrays(model)
    n = sum(1 for k in npz.files if k.startswith("w") and k[1:].isdigit())
    assert len(arrays) == n, (len(arrays), n)
    for k, a in enumerate(arrays):
        a[...] = npz[f"w{k}"]
    return model


def test_fixtures_exist():
    assert len(NAMES) == len(CASES), sorted(set(CASES) - set(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_gradients_equal_gradient_tape(name):
    npz = np.load(GRAD / f"{name}.npz")
    model = build(name, npz)
    g = gradients(model, npz["x"], npz["y"], CASES[name]["loss"])
    assert g.loss == pytest.approx(float(npz["loss"]), rel=1e-5, abs=1e-7)
    flat = [w for layer in model.layers if g.layers.get(layer.name) for w in g.layers[layer.name].weights]
    for k, got in enumerate(flat):
        want = npz[f"g{k}"]
        scale = max(1e-3, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5 * scale, err_msg=f"weight {k}")
    if "dx" in npz.files:
        want = npz["dx"]
        np.testing.assert_allclose(g.inputs[0], want, rtol=1e-4, atol=2e-5 * max(1e-3, float(np.abs(want).max())))


@pytest.mark.parametrize(("name", "opt"), [(n, o[0]) for n in NAMES for o in runs(n)])
def test_fit_equals_keras_fit(name, opt):
    npz = np.load(GRAD / f"{name}.npz")
    model = build(name, npz)
    _, cls, options = next(o for o in runs(name) if o[0] == opt)
    options = dict(options)
    lr = options.pop("learning_rate")
    history = fit(model, npz["x"], npz["y"], CASES[name]["loss"], make(cls, lr, **options),
                  shuffle=False, **FIT)
    np.testing.assert_allclose(history, npz[f"fit_{opt}_loss"], rtol=1e-4, atol=1e-6)
    for k, got in enumerate(model_arrays(model)):
        want = npz[f"fit_{opt}_{k}"]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=f"weight {k}")
