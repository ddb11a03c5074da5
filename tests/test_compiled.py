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
from lstmviz.engine.compiled import CLASSES, compiled_optimizer, describe, of, read_compile_config
from lstmviz.engine.optimizers import SGD, Adagrad, Adam, RMSprop
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
    # its metric is computed: the only part said as compiled with, and no note of it
    assert "Compiled with: metrics mae\n" in text and "metric" not in text.partition("Note:")[2]
    assert _refusal(lambda: lstmviz.fit(model, npz["x"], npz["y"])).startswith(
        "this model's compile_config: loss 'huber' is not one lstmviz computes: give fit a loss (mse, mae")
    assert _refusal(lambda: lstmviz.fit(model, npz["x"], npz["y"], "mse")).startswith(
        "this model's compile_config: optimizer 'AdamW' is not one lstmviz computes: give fit an optimizer (sgd")
    before = [a.copy() for a in trainable_arrays(model)]
    lstmviz.fit(model, npz["x"], npz["y"], "mse", "adam")  # (given both: trains)
    assert not np.array_equal(trainable_arrays(model)[0], before[0])


@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd", "adagrad"])
def test_fit_of_a_keras_trained_file_goes_on_from_its_saved_optimizer_state_as_keras_does(name):
    """A model compiled, fitted 2 updates and saved by Keras: lstmviz.fit of one more epoch
    equals Keras' load_model + fit (its optimizer state restored: Adam's moments interleaved,
    RMSprop's velocities, momentums and average gradients in blocks, SGD's momentums,
    Adagrad's accumulators, and the iterations Adam's bias correction goes on from)."""
    _goes_on_as_keras(HERE / f"trained_{name}.keras", f"resumed_{name}")


def _goes_on_as_keras(path, key: str) -> None:
    """One more epoch of lstmviz.fit of ``path`` (a file Keras trained 2 updates) equals
    Keras' load_model + fit of it (``fit.npz``'s ``<key>_loss`` and ``<key>_w<k>``), and the
    saved state is what makes it so: the same optimizer from scratch ends elsewhere."""
    npz = _npz()
    model = lstmviz.load(path)
    assert "its state saved after 2 updates goes on in fit" in model.summary_text()
    history = lstmviz.fit(model, npz["x"], npz["y"], batch_size=4, epochs=1, shuffle=False)
    np.testing.assert_allclose(history.history["loss"], npz[f"{key}_loss"], rtol=1e-5)
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_allclose(a, npz[f"{key}_w{k}"], atol=2e-6)
    fresh = lstmviz.load(path)
    opt = CLASSES[of(fresh)["optimizer"]["class"]](**of(fresh)["optimizer"]["options"])
    lstmviz.fit(fresh, npz["x"], npz["y"], optimizer=opt, batch_size=4, epochs=1, shuffle=False)
    assert opt.restored_iterations == 0
    assert max(float(np.abs(a - npz[f"{key}_w{k}"]).max()) for k, a in enumerate(trainable_arrays(fresh))) > 1e-5


def _weights_h5(path, change) -> bytes:
    """``path`` (a .keras zip) with its model.weights.h5 changed by ``change(h5)``."""
    import h5py

    src = zipfile.ZipFile(path)
    raw = io.BytesIO(src.read("model.weights.h5"))
    with h5py.File(raw, "r+") as h5:
        change(h5)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.namelist():
            dst.writestr(item, raw.getvalue() if item == "model.weights.h5" else src.read(item))
    return out.getvalue()


def _drop_last(h5):
    del h5[f"optimizer/vars/{len(h5['optimizer/vars']) - 1}"]


def _reshape_slot(h5):
    del h5["optimizer/vars/3"]
    h5["optimizer/vars/3"] = np.zeros((12, 2), np.float32)


def _float_iterations(h5):
    del h5["optimizer/vars/0"]
    h5["optimizer/vars/0"] = np.float32(2.0)


def _no_group(h5):
    del h5["optimizer/vars"]
    h5["optimizer/vars"] = np.zeros(3, np.float32)


def _too_many(h5):
    for k in range(12, 40):
        h5[f"optimizer/vars/{k}"] = np.zeros(1, np.float32)


@pytest.mark.parametrize("change, note", [
    (_drop_last, "is not taken: it holds 9 slots, Adam keeps 10 for this model's 5 trainable weights; "
                 "the optimizer starts afresh"),
    (_reshape_slot, "is not taken: optimizer/vars/3 (v of weight 0) has shape (12, 2), the weight (2, 12)"),
    (_float_iterations, "is not read (its iterations (optimizer/vars/0) are 'float32' of shape (), not a count)"),
    (_no_group, "is not read ('optimizer/vars' is not a group): fit starts Adam afresh"),
    (_too_many, "is not read ('optimizer' holds 40 variables)"),
])
def test_a_saved_optimizer_state_that_does_not_fit_is_one_note_and_a_fresh_optimizer(change, note):
    npz = _npz()
    model = lstmviz.load(_weights_h5(HERE / "trained_adam.keras", change), isolate=False)
    lines = [line for line in model.summary_text().splitlines() if "optimizer's state" in line]
    assert len(lines) == 1 and note in lines[0] and lines[0].isprintable(), lines
    assert "goes on in fit" not in model.summary_text()
    lstmviz.fit(model, npz["x"], npz["y"], batch_size=4, epochs=1, shuffle=False)  # (trains: no crash)
    fresh = lstmviz.load(HERE / "trained_adam.keras")
    lstmviz.fit(fresh, npz["x"], npz["y"], optimizer=Adam(0.01), batch_size=4, epochs=1, shuffle=False)
    for a, b in zip(trainable_arrays(model), trainable_arrays(fresh)):
        np.testing.assert_array_equal(a, b)  # (as a fresh Adam)


def test_a_saved_optimizer_state_is_taken_only_while_the_weights_are_the_files():
    """The state is the file's weights' own: on other weights (a stack edited, a snapshot put
    on it) the optimizer starts afresh, and the summary says why."""
    model = lstmviz.load(HERE / "trained_adam.keras")
    trainable_arrays(model)[0][0, 0] += 0.5
    assert ("Note: compile_config: the optimizer's state saved after 2 updates is not taken: the model's "
            "weights are no longer the file's; the optimizer starts afresh") in model.summary_text()
    assert compiled_optimizer(model).restored_iterations == 0
    again = lstmviz.Model.from_spec(lstmviz.load(HERE / "trained_adam.keras").to_spec())  # (a copy: its state)
    assert compiled_optimizer(again).restored_iterations == 2


def test_a_second_fit_of_a_trained_file_goes_on_from_where_the_first_left():
    npz = _npz()
    model = lstmviz.load(HERE / "trained_adam.keras")
    lstmviz.fit(model, npz["x"][:8], npz["y"][:8], batch_size=4, epochs=1, shuffle=False)
    lstmviz.fit(model, npz["x"][8:], npz["y"][8:], batch_size=4, epochs=1, shuffle=False)
    for k, a in enumerate(trainable_arrays(model)):  # (the 3 updates of one fit, in two)
        np.testing.assert_allclose(a, npz[f"resumed_adam_w{k}"], atol=2e-6)
    assert compiled_optimizer(model).restored_iterations + compiled_optimizer(model).iterations == 5


def test_a_keras2_files_training_config_is_read_as_a_compile_config():
    """tf-keras 2.21 (Keras 2) HDF5: its training_config (MeanAbsoluteError, Custom>RMSprop
    with its settings) is fit's default, and fit of it equals tf-keras' load_model + fit."""
    npz = _npz()
    model = lstmviz.load(HERE / "legacy_rmsprop_mae.h5")
    assert of(model)["loss"] == "mae" and of(model)["config"] == "training_config"
    assert of(model)["optimizer"] == {"class": "RMSprop", "options": {
        "clipnorm": 1.0, "learning_rate": 0.004999999888241291, "rho": 0.8, "momentum": 0.0, "epsilon": 1e-07,
        "centered": False}}
    assert "Compiled with: loss mae, optimizer RMSprop(clipnorm=1.0, learning_rate=0.005" in model.summary_text()
    history = lstmviz.fit(model, npz["x"], npz["y"], batch_size=4, epochs=2, shuffle=False)
    np.testing.assert_allclose(history, npz["legacy_loss"], rtol=1e-5)
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_allclose(a, npz[f"legacy_w{k}"], atol=2e-6)


def _legacy_copy(tmp_path, change):
    import shutil

    import h5py

    path = tmp_path / "legacy.h5"
    shutil.copy(HERE / "legacy_rmsprop_mae.h5", path)
    with h5py.File(path, "r+") as h5:
        change(h5)
    return path


def test_a_keras2_files_optimizer_state_and_what_is_not_computed_are_notes(tmp_path):
    def trained(h5):
        del h5["optimizer_weights/iteration:0"]
        h5["optimizer_weights/iteration:0"] = np.int64(3)
        config = json.loads(h5.attrs["training_config"])
        config["optimizer_config"]["config"]["decay"] = 0.01  # (Keras 2's learning-rate decay)
        config["loss"] = "\x1b[2Jhuber"
        h5.attrs["training_config"] = json.dumps(config)

    model = lstmviz.load(_legacy_copy(tmp_path, trained))
    notes = model.source["notes"]
    assert notes == ["training_config: loss '\\x1b[2Jhuber' is not one lstmviz computes; fit and the Train tab need "
                     "a loss given (mse, mae, binary_crossentropy, categorical_crossentropy, "
                     "sparse_categorical_crossentropy)",
                     "training_config: optimizer RMSprop's decay=0.01 is not computed here; fit and the Train tab use "
                     "the optimizer given (sgd, adam, rmsprop, adagrad)"]
    assert _refusal(lambda: lstmviz.fit(model, _npz()["x"], _npz()["y"])).startswith(
        "this model's training_config: loss '\\x1b[2Jhuber' is not one")

    def state(h5):
        del h5["optimizer_weights/iteration:0"]
        h5["optimizer_weights/iteration:0"] = np.int64(3)

    model = lstmviz.load(_legacy_copy(tmp_path, state))  # (3 updates, but no slots: not RMSprop's state)
    assert not model.source["notes"]
    assert ("Note: training_config: the optimizer's state saved after 3 updates is not taken: it holds 0 slots, "
            "RMSprop keeps 5 for this model's 5 trainable weights; the optimizer starts afresh") in model.summary_text()

    def not_json(h5):
        h5.attrs["training_config"] = "{loss"

    model = lstmviz.load(_legacy_copy(tmp_path, not_json))  # (opens: a note)
    assert of(model)["optimizer"] is None and len(model.source["notes"]) == 1
    assert model.source["notes"][0].startswith("training_config: the training_config attribute is not valid JSON")


def test_train_without_loss_or_optimizer_takes_the_compiled_ones(tmp_path, capsys):
    from lstmviz import cli

    npz = _npz()
    np.save(tmp_path / "x.npy", npz["x"])
    np.save(tmp_path / "y.npy", npz["y"])
    files = ["-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy")]
    out = tmp_path / "out.keras"
    assert cli.main(["train", str(HERE / "trained_adam.keras"), *files, "--batch-size", "4", "--no-shuffle",
                     "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "adam lr 0.01, loss mse (as compiled, from update 2 of the file)" in err
    for k, a in enumerate(trainable_arrays(lstmviz.load(out))):
        np.testing.assert_allclose(a, npz[f"resumed_adam_w{k}"], atol=2e-6)
    assert cli.main(["train", str(HERE / "legacy_rmsprop_mae.h5"), *files, "--batch-size", "4", "--epochs", "2",
                     "--no-shuffle", "-o", str(out)]) == 0
    assert "rmsprop lr 0.005, loss mae (as compiled)" in capsys.readouterr().err
    for k, a in enumerate(trainable_arrays(lstmviz.load(out))):
        np.testing.assert_allclose(a, npz[f"legacy_w{k}"], atol=2e-6)
    for model, said in [
        (HERE / "adamw_huber.keras", "lstmviz: this model's compile_config: loss 'huber' is not one lstmviz computes: "
                                     "give --loss (mse, mae"),
        (FIXTURES / "k3_lstm_default" / "model.keras", "lstmviz: train needs --loss: this model was not compiled "
                                                        "with one (give --loss mse, mae, binary_crossentropy, ...)"),
    ]:
        assert cli.main(["train", str(model), *files, "-o", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(said) and len(err.splitlines()) == 1
    assert cli.main(["train", str(HERE / "adamw_huber.keras"), *files, "--loss", "mse", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstmviz: this model's compile_config: optimizer 'AdamW' is not one lstmviz computes: "
                          "give --optimizer (sgd") and len(err.splitlines()) == 1


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
     "optimizer Adam's ExponentialDecay's initial_learning_rate=None is not a number"),  # (one lacking its settings)
    ({"loss": "mse", "optimizer": _optimizer(learning_rate={"class_name": "CyclicLR", "config": {}})},
     "optimizer Adam's learning-rate schedule 'CyclicLR' is not one lstmviz computes (ExponentialDecay"),
    ({"loss": "mse", "optimizer": _optimizer(weight_decay=0.1)}, "optimizer Adam's weight_decay=0.1 is not computed"),
    ({"loss": "mse", "optimizer": _optimizer(amsgrad=True)}, "optimizer Adam's amsgrad=True is not computed here"),
    ({"loss": "mse", "optimizer": _optimizer(learning_rate="0.01")},
     "optimizer Adam's learning_rate='0.01': give a positive"),
    ({"loss": "mse", "optimizer": _optimizer(momentum=2.0, class_name="SGD")},
     "optimizer SGD's momentum=2.0: give a number from 0"),
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
    assert compiled == {"loss": "mse", "optimizer": {"class": "SGD", "options": {}}, "notes": [],
                        "config": "compile_config"}
    assert describe(compiled) == "loss mse, optimizer SGD()"


def test_the_short_description_leaves_out_keras_defaults():
    compiled = read_compile_config({"loss": "mae", "optimizer": {"class_name": "RMSprop", "config": {
        "name": "rmsprop", "learning_rate": 0.004999999888241291, "rho": 0.8, "momentum": 0.0, "epsilon": 1e-07,
        "centered": False, "clipnorm": 1.0, "clipvalue": None}}})
    assert describe(compiled, short=True) == "loss mae, optimizer RMSprop(learning_rate=0.005, rho=0.8, clipnorm=1.0)"
    assert describe(compiled) == ("loss mae, optimizer RMSprop(learning_rate=0.005, rho=0.8, momentum=0.0, "
                                  "epsilon=1e-07, centered=False, clipnorm=1.0)")
    adam = read_compile_config({"optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.0010000000474974513,
                                                                               "beta_1": 0.9, "epsilon": 1e-07}}})
    assert describe(adam, short=True) == "optimizer Adam()"


@pytest.mark.parametrize("name", ["rmsprop", "adam"])
def test_fit_of_a_keras2_file_trained_goes_on_from_its_optimizer_weights_as_tf_keras_does(name):
    """tf-keras 2.21 HDF5 files saved after 2 updates: their optimizer_weights (legacy
    RMSprop's ``RMSprop/iter:0`` and ``.../rms:0``, ``momentum:0``, ``mg:0`` blocks; Adam's
    ``iteration:0`` and ``Adam/m/...``, ``Adam/v/...`` interleaved) restored as tf-keras'
    load_model restores them: one more epoch equals tf-keras' fit of the loaded file."""
    _goes_on_as_keras(HERE / f"legacy_trained_{name}.h5", f"legacy_resumed_{name}")


def _renamed(old, new):
    def change(h5):
        g = h5["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
        k = names.index(old)
        names[k] = new
        g[new] = np.asarray(g[old])
        del g[old]
        g.attrs["weight_names"] = np.array([n.encode() for n in names])
    return change


def _many(h5):
    g = h5["optimizer_weights"]
    names = np.array([n if isinstance(n, bytes) else n.encode() for n in g.attrs["weight_names"]]
                     + [f"RMSprop/x{k}/rms:0".encode() for k in range(20)])
    for k in range(20):
        g[f"RMSprop/x{k}/rms:0"] = np.zeros(1, np.float32)
    g.attrs["weight_names"] = names


def _missing(h5):
    del h5["optimizer_weights/RMSprop/dense/bias/mg:0"]


@pytest.mark.parametrize("change, note", [
    (_renamed("RMSprop/dense/bias/mg:0", "training/RMSprop/Variable\x1b:0"),
     "is not read (its weight 'training/RMSprop/Variable\\x1b:0' is not a slot RMSprop keeps)"),
    (_renamed("RMSprop/dense/bias/mg:0", "RMSprop/dense/other/rms:0"),
     "is not read (it holds 6 velocity, 5 momentum, 4 average_gradient: not one of each per weight)"),
    (_renamed("RMSprop/iter:0", "RMSprop/step:0"), "is not read (no iterations among its weight names)"),
    (_many, "is not read ('optimizer_weights' lists 36 weights)"),
    (_missing, "is not read (its weight 'RMSprop/dense/bias/mg:0' is listed but not in the file)"),
])
def test_a_keras2_files_optimizer_weights_that_do_not_fit_are_one_note_and_a_fresh_optimizer(tmp_path, change, note):
    import shutil

    import h5py

    path = tmp_path / "legacy.h5"
    shutil.copy(HERE / "legacy_trained_rmsprop.h5", path)
    with h5py.File(path, "r+") as h5:
        change(h5)
    model = lstmviz.load(path)
    lines = [line for line in model.summary_text().splitlines() if "optimizer's state" in line]
    assert len(lines) == 1 and note in lines[0] and lines[0].isprintable(), lines
    assert "fit starts RMSprop afresh" in lines[0]
    assert compiled_optimizer(model).restored_iterations == 0


def _opt(name):
    return {"adam": lambda: Adam(0.01), "rmsprop": lambda: RMSprop(0.005, rho=0.8, momentum=0.5, centered=True),
            "sgd": lambda: SGD(0.05, momentum=0.9, nesterov=True), "adagrad": lambda: Adagrad(0.05)}[name]()


@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd", "adagrad"])
def test_a_model_fitted_here_and_saved_goes_on_when_read_back_as_if_never_saved(tmp_path, name):
    """fit, save_keras, load, fit: the same numbers to the bit as a second fit of the model
    kept in memory with its optimizer (its compile_config and optimizer state in the file);
    and the file holds them as Keras 3.15 writes them (a Keras-trained file of the same
    optimizer: the same compile_config, the same variables' shapes and types)."""
    import h5py

    from lstmviz.io.keras_writer import save_keras

    npz = _npz()
    model, opt = lstmviz.load(HERE / "rmsprop_mae.keras"), _opt(name)
    lstmviz.fit(model, npz["x"], npz["y"], "mse", opt, batch_size=5, epochs=1, shuffle=False)
    save_keras(model, tmp_path / "m.keras")
    again = lstmviz.load(tmp_path / "m.keras")
    assert "its state saved after 2 updates goes on in fit" in again.summary_text()
    ours = lstmviz.fit(again, npz["x"], npz["y"], batch_size=4, epochs=2)
    kept = lstmviz.fit(model, npz["x"], npz["y"], "mse", opt, batch_size=4, epochs=2)
    assert ours.history == kept.history
    for a, b in zip(trainable_arrays(again), trainable_arrays(model)):
        np.testing.assert_array_equal(a, b)
    with zipfile.ZipFile(tmp_path / "m.keras") as mine, zipfile.ZipFile(HERE / f"trained_{name}.keras") as keras:
        written, theirs = (json.loads(z.read("config.json"))["compile_config"] for z in (mine, keras))
        theirs["optimizer"]["config"]["name"] = written["optimizer"]["config"]["name"]  # (Keras numbers a 2nd one)
        assert written == theirs
        with h5py.File(io.BytesIO(mine.read("model.weights.h5"))) as a, \
                h5py.File(io.BytesIO(keras.read("model.weights.h5"))) as b:
            assert a["optimizer/vars"].attrs["name"] == written["optimizer"]["config"]["name"]
            def layout(h5):
                return [(h5[f"optimizer/vars/{k}"].shape, h5[f"optimizer/vars/{k}"].dtype)
                        for k in range(len(h5["optimizer/vars"]))]

            assert layout(a) == layout(b)


def test_lstmviz_train_saves_its_optimizer_so_a_second_run_goes_on_as_one_longer_run(tmp_path, capsys):
    from lstmviz import cli

    npz = _npz()
    np.save(tmp_path / "x.npy", npz["x"])
    np.save(tmp_path / "y.npy", npz["y"])
    files = ["-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"), "--batch-size", "4", "--no-shuffle"]
    model = str(HERE / "rmsprop_mae.keras")  # (its compiled loss and optimizer replaced: no state)
    given = ["--loss", "mae", "--optimizer", "rmsprop", "--lr", "0.01", "--momentum", "0.5"]
    assert cli.main(["train", model, *files, *given, "--epochs", "2", "-o", str(tmp_path / "two.keras")]) == 0
    assert cli.main(["train", model, *files, *given, "-o", str(tmp_path / "one.keras")]) == 0
    err = capsys.readouterr().err
    assert ("the file keeps rmsprop's state after update 3 and loss mae: Keras' load_model and fit go on from it, "
            "as this run would\n") in err
    assert cli.main(["train", str(tmp_path / "one.keras"), *files, "-o", str(tmp_path / "then.keras")]) == 0
    assert "rmsprop lr 0.01, loss mae (as compiled, from update 3 of the file)" in capsys.readouterr().err
    for a, b in zip(trainable_arrays(lstmviz.load(tmp_path / "then.keras")),
                    trainable_arrays(lstmviz.load(tmp_path / "two.keras"))):
        np.testing.assert_array_equal(a, b)


def test_the_train_tabs_save_keeps_the_runs_optimizer_where_the_run_stands(tmp_path):
    from lstmviz.app.train_user import save_snapshot
    from lstmviz.app.training import Settings, TrainingSession

    session = TrainingSession(Settings(task="delay", optimizer="adam", learning_rate=0.02, batch_size=8, epochs=2),
                              snapshot_every=1)
    for _ in range(3):
        session.step()
    it, said, _ = save_snapshot(session, session.iteration, tmp_path / "now.keras")
    assert it == 3 and said == ""
    it, said, _ = save_snapshot(session, 2, tmp_path / "before.keras")  # (a snapshot before where the run stands)
    assert it == 2 and said == ("the Adam state is not saved, it is kept only where the run stands: Keras' fit of "
                                "this file starts Adam afresh")
    before = lstmviz.load(tmp_path / "before.keras")
    assert of(before)["optimizer"]["class"] == "Adam" and "state" not in of(before)
    loaded = lstmviz.load(tmp_path / "now.keras")
    assert "its state saved after 3 updates goes on in fit" in loaded.summary_text()
    data = session.data
    ours = lstmviz.fit(loaded, data.x_train, data.y_train, batch_size=8, epochs=1, shuffle=False)
    kept = lstmviz.fit(session.model, data.x_train, data.y_train, session.loss, session.trainer.optimizer,
                       batch_size=8, epochs=1, shuffle=False)  # (the run's model and optimizer, going on)
    assert ours.history == kept.history
    for a, b in zip(trainable_arrays(loaded), trainable_arrays(session.model)):
        np.testing.assert_array_equal(a, b)


def test_a_saved_state_read_in_the_readers_child_equals_the_one_read_here():
    """The reader's child (``io/isolated.py``) sends the spec back pickled: its saved
    optimizer state was another object, "equal only to itself", so the window's spec and an
    in-process read of the same file differed. Equal by its numbers now, read-only again."""
    import pickle

    state = lstmviz.load(HERE / "trained_adam.keras").source["compile"]["state"]
    again = pickle.loads(pickle.dumps(state))
    assert again is not state and again == state and hash(again) == hash(state)
    assert all(not slot.flags.writeable for slot in again.slots)
    other = pickle.loads(pickle.dumps(state))
    other.slots[0].flags.writeable = True
    other.slots[0][...] += 1
    assert other != state


def test_gradients_and_grad_take_the_compiled_loss_as_fit_does(tmp_path, capsys):
    """``lstmviz.gradients(model, x, y)`` and ``lstmviz grad MODEL`` without a loss needed one
    even where the file was compiled with one: they take it, as ``fit`` does (grad says so);
    a model compiled with none, or with one lstmviz does not compute, is refused in one line."""
    from lstmviz import cli
    from lstmviz.engine.gradients import gradients

    npz = _npz()
    model = lstmviz.load(HERE / "rmsprop_mae.keras")
    given, taken = gradients(model, npz["x"], npz["y"], "mae"), lstmviz.gradients(model, npz["x"], npz["y"])
    assert taken.loss == given.loss and given.loss != gradients(model, npz["x"], npz["y"], "mse").loss
    for (_, a), (_, b) in zip(sorted(given.weight_grads(model).items()), sorted(taken.weight_grads(model).items())):
        np.testing.assert_array_equal(a, b)
    plain = lstmviz.load(FIXTURES / "k3_lstm_default" / "model.keras")
    x = np.load(FIXTURES / "k3_lstm_default" / "x.npy")
    assert _refusal(lambda: gradients(plain, x, plain.predict(x))) == (
        "gradients needs a loss: give gradients a loss (mse, mae, binary_crossentropy, categorical_crossentropy, "
        "sparse_categorical_crossentropy); this model was not compiled with one")
    assert _refusal(lambda: gradients(lstmviz.load(HERE / "adamw_huber.keras"), npz["x"], npz["y"])).startswith(
        "this model's compile_config: loss 'huber' is not one lstmviz computes: give gradients a loss (mse, ")

    np.save(tmp_path / "x.npy", npz["x"])
    np.save(tmp_path / "y.npy", npz["y"])
    files = ["-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"), "-o", str(tmp_path / "g.npz")]
    assert cli.main(["grad", str(HERE / "rmsprop_mae.keras"), *files]) == 0
    assert f"loss {given.loss:.6g} (mae, as compiled)" in capsys.readouterr().out
    with np.load(tmp_path / "g.npz") as g:
        assert float(g["loss"]) == pytest.approx(given.loss)
    assert cli.main(["grad", str(HERE / "rmsprop_mae.keras"), *files, "--loss", "mse"]) == 0
    assert "(mse)" in capsys.readouterr().out
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", plain.predict(x))
    assert cli.main(["grad", str(FIXTURES / "k3_lstm_default" / "model.keras"), *files]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("lstmviz: grad needs a loss: give --loss (mse, mae, binary_crossentropy, categorical_crossentropy, "
                   "sparse_categorical_crossentropy); this model was not compiled with one")
