"""A ``.keras`` file's ``compile_config``: the loss and optimizer a Keras user compiled the
model with are ``lstmviz.fit``'s defaults, as Keras' ``fit`` of the loaded model uses them
(Keras 3.15's numbers: ``scripts/make_compiled_fixtures.py``); what lstmviz does not compute
is a one-line note at load and a one-line refusal at ``fit`` only where nothing is given."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES
from lstmviz.engine.compiled import describe, of, read_compile_config
from lstmviz.engine.train import trainable_arrays
from lstmviz.errors import LstmvizError

HERE = FIXTURES / "compiled"


def _npz():
    return np.load(HERE / "fit.npz")


def _refusal(call) -> str:
    with pytest.raises(LstmvizError) as err:
        call()
    assert "\n" not in str(err.value)
    return str(err.value)


def test_fit_of_a_loaded_compiled_model_is_keras_fit_of_it():
    npz = _npz()
    model = lstmviz.load(HERE / "rmsprop_mae.keras")
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_array_equal(a, npz[f"w{k}"])  # (Keras' initial weights)
    history = lstmviz.fit(model, npz["x"], npz["y"], batch_size=4, epochs=2, shuffle=False)
    np.testing.assert_allclose(history, npz["compiled_loss"], rtol=1e-5)
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_allclose(a, npz[f"compiled_w{k}"], atol=2e-6)
    # the compiled MAE and RMSprop(rho=0.8, clipnorm=1), not fit's own default (adam) nor mse
    other = lstmviz.load(HERE / "rmsprop_mae.keras")
    lstmviz.fit(other, npz["x"], npz["y"], "mae", "rmsprop", learning_rate=0.005, batch_size=4, epochs=2,
                shuffle=False)
    assert not np.allclose(trainable_arrays(other)[0], npz["compiled_w0"], atol=1e-5)


def test_a_second_fit_goes_on_with_the_compiled_optimizer_as_keras_model_optimizer_does():
    npz = _npz()
    model = lstmviz.load(HERE / "rmsprop_mae.keras")
    first = lstmviz.fit(model, npz["x"], npz["y"], batch_size=4, epochs=1, shuffle=False)
    second = lstmviz.fit(model, npz["x"], npz["y"], batch_size=4, epochs=1, shuffle=False)
    np.testing.assert_allclose([first[0], second[0]], npz["compiled_loss"], rtol=1e-5)
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_allclose(a, npz[f"compiled_w{k}"], atol=2e-6)


def test_the_summary_says_what_the_model_was_compiled_with():
    model = lstmviz.load(HERE / "rmsprop_mae.keras")
    assert of(model)["loss"] == "mae" and of(model)["optimizer"]["class"] == "RMSprop"
    assert ("Compiled with: loss mae, optimizer RMSprop(learning_rate=0.005, clipnorm=1.0, rho=0.8, momentum=0.0, "
            "epsilon=1e-07, centered=False)") in model.summary_text()
    again = lstmviz.Model.from_spec(model.to_spec())  # (kept with the model: a session's copy too)
    assert of(again) == of(model)


def test_a_compile_config_lstmviz_does_not_compute_is_noted_and_fit_asks_for_one():
    npz = _npz()
    model = lstmviz.load(HERE / "adamw_huber.keras")  # (opens: not a crash)
    text = model.summary_text()
    assert "Note: compile_config: loss 'huber' is not one lstmviz computes; fit and the Train tab need a loss" in text
    assert "Note: compile_config: optimizer 'AdamW' is not one lstmviz computes" in text
    assert "Note: compile_config: metrics ['mae'] are not computed here" in text
    assert "Compiled with" not in text
    assert _refusal(lambda: lstmviz.fit(model, npz["x"], npz["y"])).startswith(
        "this model's compile_config: loss 'huber' is not one lstmviz computes: give fit a loss (mse, mae")
    assert _refusal(lambda: lstmviz.fit(model, npz["x"], npz["y"], "mse")).startswith(
        "this model's compile_config: optimizer 'AdamW' is not one lstmviz computes: give fit an optimizer (sgd")
    before = [a.copy() for a in trainable_arrays(model)]
    lstmviz.fit(model, npz["x"], npz["y"], "mse", "adam")  # (given both: trains)
    assert not np.array_equal(trainable_arrays(model)[0], before[0])


def test_a_trained_files_optimizer_state_is_said_not_read():
    model = lstmviz.load(HERE / "trained_adam.keras")
    assert of(model)["optimizer"]["class"] == "Adam"
    assert ("Note: compile_config: the optimizer's state saved after 2 updates (its moments) is not read: fit "
            "starts Adam afresh") in model.summary_text()


def test_a_model_compiled_with_nothing_needs_a_loss():
    model = lstmviz.load(FIXTURES / "k3_lstm_default" / "model.keras")
    assert of(model) is None and "Compiled with" not in model.summary_text()
    x = np.load(FIXTURES / "k3_lstm_default" / "x.npy")
    y = model.trace(x).output
    assert _refusal(lambda: lstmviz.fit(model, x, y)) == (
        "fit needs a loss: give one (loss='mse', 'mae', 'binary_crossentropy', ...); this model was not compiled "
        "with one")


def _with_compile_config(compile_config) -> bytes:
    src = zipfile.ZipFile(HERE / "rmsprop_mae.keras")
    config = json.loads(src.read("config.json"))
    config["compile_config"] = compile_config
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.namelist():
            dst.writestr(item, json.dumps(config) if item == "config.json" else src.read(item))
    return out.getvalue()


def _optimizer(class_name="Adam", **config):
    return {"module": "keras.optimizers", "class_name": class_name, "config": {"learning_rate": 0.01, **config}}


@pytest.mark.parametrize("compile_config, note", [
    ({"loss": "mse", "optimizer": _optimizer(learning_rate={"class_name": "ExponentialDecay", "config": {}})},
     "optimizer Adam's learning-rate schedule 'ExponentialDecay' is not computed here"),
    ({"loss": "mse", "optimizer": _optimizer(weight_decay=0.1)}, "optimizer Adam's weight_decay=0.1 is not computed"),
    ({"loss": "mse", "optimizer": _optimizer(amsgrad=True)}, "optimizer Adam's amsgrad=True is not computed here"),
    ({"loss": "mse", "optimizer": _optimizer(learning_rate="0.01")}, "optimizer Adam: give a positive number"),
    ({"loss": "mse", "optimizer": _optimizer(momentum=2.0, class_name="SGD")}, "optimizer SGD: give a number from 0"),
    ({"loss": "mse", "optimizer": _optimizer(class_name="\x1b[31mLion")}, "optimizer '\\x1b[31mLion' is not one"),
    ({"loss": "mse", "optimizer": _optimizer(lookahead=3)}, "optimizer Adam's setting 'lookahead' is not computed"),
    ({"loss": ["mse", "mae"], "optimizer": "adam"}, "a loss per output is not computed here"),
    ({"loss": {"out": "mse"}, "optimizer": "adam"}, "a loss per output is not computed here"),
    ({"loss": "mse", "loss_weights": [0.5], "optimizer": "adam"}, "loss_weights [0.5] are not computed here"),
    ({"loss": {"class_name": "MeanSquaredError", "config": {"reduction": "sum"}}, "optimizer": "adam"},
     "loss MeanSquaredError(reduction='sum'): not supported"),
    ({"loss": {"class_name": "\x1b]0;x\x07", "config": {}}, "optimizer": "adam"}, "loss '\\x1b]0;x\\x07' is not one"),
    ({"loss": 3, "optimizer": 7}, "optimizer 7 is not an optimizer's config"),
])
def test_what_a_compile_config_holds_that_lstmviz_does_not_compute_is_one_escaped_note(compile_config, note):
    model = lstmviz.load(_with_compile_config(compile_config), isolate=False)
    notes = model.source.get("notes", [])
    assert any(note in n for n in notes), notes
    assert all("\n" not in n and n.isprintable() and n.startswith("compile_config: ") for n in notes)
    assert all(f"Note: {n}" in model.summary_text() for n in notes)


@pytest.mark.parametrize("compile_config", [None, {}, [], "adam", {"optimizer": None, "loss": None}])
def test_no_compile_config_is_no_compiled_anything(compile_config):
    assert read_compile_config(compile_config) is None
    model = lstmviz.load(_with_compile_config(compile_config), isolate=False)
    assert of(model) is None and not model.source.get("notes")


def test_a_loss_name_and_an_optimizer_name_as_an_older_writer_keeps_them():
    compiled = read_compile_config({"loss": "MeanSquaredError", "optimizer": "SGD"})
    assert compiled == {"loss": "mse", "optimizer": {"class": "SGD", "options": {}}, "notes": []}
    assert describe(compiled) == "loss mse, optimizer SGD()"
