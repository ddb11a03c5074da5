"""Frozen layers (``trainable: False``) against real Keras 3.15 and tf_keras 2.21 (the ``frozen``
cases of ``tests/grad_cases.py``, fixtures from ``scripts/make_grad_fixtures.py``): ``fit``'s
History and every weight after it, to the tolerance of the other fit tests; a frozen layer's
weights left to the bit; the optimizer's slots only for the weights it moves; each generation's
rule for a wrapper's own flag (Keras 3 trains what it wraps, tf_keras does not)."""

from __future__ import annotations

import numpy as np
import pytest
from grad_cases import CASES, FIT, runs

from helpers import FIXTURES, build_grad_case
from lstmviz.engine import LayerSpec, Model
from lstmviz.engine.gradients import gradients
from lstmviz.engine.layers import frozen_arrays, layer_arrays, model_arrays, trainable_arrays, weight_trains
from lstmviz.engine.optimizers import make
from lstmviz.engine.train import Trainer, fit

GRAD = FIXTURES / "grad"
FROZEN = [n for n, c in CASES.items() if c.get("frozen")]
RTOL, ATOL = 1e-5, 2e-6


build = build_grad_case  # (tests/helpers.py)


def _optimizer(name, opt):
    _, cls, options = next(o for o in runs(name) if o[0] == opt)
    options = dict(options)
    return make(cls, options.pop("learning_rate"), **options)


def test_the_cases_freeze_something():
    assert len(FROZEN) == 4
    for name in FROZEN:
        npz = np.load(GRAD / f"{name}.npz")
        model = build(name, npz, "2")
        assert sum(frozen_arrays(layer) for layer in model.layers) > 0, name
        # Keras' get_weights() order is ours
        paths = [str(p).rsplit("/", 1)[1] for p in npz["weight_paths"]]
        assert paths == [w for layer in model.layers for w in _plain_names(layer)]


def _plain_names(layer):
    return [n.removeprefix("forward_").removeprefix("backward_") for n in layer.weight_names]


@pytest.mark.parametrize("major", ["3", "2"])
@pytest.mark.parametrize(("name", "opt"), [(n, o[0]) for n in FROZEN for o in runs(n)])
def test_fit_equals_keras_fit_frozen_weights_stay(name, opt, major):
    npz = np.load(GRAD / f"{name}.npz")
    prefix = "fit" if major == "3" else "k2fit"
    model = build(name, npz, major)
    history = fit(model, npz["x"], npz["y"], CASES[name]["loss"], _optimizer(name, opt), shuffle=False, **FIT)
    np.testing.assert_allclose(history.history["loss"], npz[f"{prefix}_{opt}_loss"], rtol=RTOL, atol=ATOL)
    stayed = moved = 0
    for k, got in enumerate(model_arrays(model)):
        want = npz[f"{prefix}_{opt}_{k}"]
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"weight {k} (Keras {major})")
        if np.array_equal(want, npz[f"w{k}"]):  # (Keras left it: so did lstmviz, to the bit)
            assert np.array_equal(got, npz[f"w{k}"]), f"weight {k} (Keras {major})"
            stayed += 1
        else:
            moved += 1
    assert moved >= 2
    assert stayed >= (0 if (name, major) == ("wrapper_flag_only_mse", "3") else 1)


def test_a_wrappers_own_flag_is_each_generations():
    npz = np.load(GRAD / "wrapper_flag_only_mse.npz")
    k3, k2 = build("wrapper_flag_only_mse", npz, "3"), build("wrapper_flag_only_mse", npz, "2")
    bidi, td = k3.layers[0], k3.layers[1]
    assert bidi.config["trainable"] is False and td.config["trainable"] is False
    assert all(weight_trains(bidi)) and all(weight_trains(td))  # Keras 3: the flag of the layer holding them
    assert not any(weight_trains(k2.layers[0])) and not any(weight_trains(k2.layers[1]))
    assert len(trainable_arrays(k3)) == 13 and len(trainable_arrays(k2)) == 5


def test_the_optimizer_keeps_slots_for_the_weights_it_moves_only():
    npz = np.load(GRAD / "frozen_first_lstm_batchnorm_mse.npz")
    model = build("frozen_first_lstm_batchnorm_mse", npz)
    opt = _optimizer("frozen_first_lstm_batchnorm_mse", "adam")
    trainer = Trainer(model, npz["x"], npz["y"], "mse", opt, batch_size=4, shuffle=False)
    trainer.step()
    moved = trainable_arrays(model)
    assert [a.shape for a in moved] == [(3, 12), (3, 12), (12,), (3, 2), (2,)]  # the second LSTM, the Dense
    assert sorted(opt._slots) == list(range(len(moved)))
    for k, a in enumerate(moved):
        assert opt._slots[k]["m"].shape == a.shape


@pytest.mark.parametrize("name", FROZEN)
def test_gradients_of_frozen_weights_are_shown_as_the_tape_gives_them(name):
    # lstmviz.gradients gives every weight's (a frozen layer's too: information, not an update);
    # the fixture's tape watched the frozen ones as asked
    npz = np.load(GRAD / f"{name}.npz")
    model = build(name, npz)
    g = gradients(model, npz["x"], npz["y"], CASES[name]["loss"])
    flat = [w for layer in model.layers if layer_arrays(layer) for w in g.layers[layer.name].weights]
    frozen = [not t for layer in model.layers for t in weight_trains(layer)]
    assert any(frozen) or name == "wrapper_flag_only_mse"
    for k, got in enumerate(flat):
        want = npz[f"g{k}"]
        assert np.abs(want).max() > 0
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5 * max(1e-3, float(np.abs(want).max())),
                                   err_msg=f"weight {k}")


# -- a Keras file saved after training partly frozen (scripts/make_frozen_fixtures.py) -----
HERE = FIXTURES / "frozen"


@pytest.mark.parametrize("stem", ["trained_frozen_adam", "trained_frozen_rmsprop", "legacy_trained_frozen_adam"])
def test_a_saved_state_of_a_partly_frozen_model_goes_on_as_keras(stem):
    import lstmviz
    from lstmviz.engine.compiled import CLASSES, of

    npz = np.load(HERE / "fit.npz")
    path = HERE / f"{stem}{'.h5' if stem.startswith('legacy') else '.keras'}"
    model = lstmviz.load(path)
    assert [frozen_arrays(layer) for layer in model.layers] == [3, 0, 0]
    assert "its state saved after 2 updates goes on in fit" in model.summary_text()
    history = lstmviz.fit(model, npz["x"], npz["y"], batch_size=4, epochs=1, shuffle=False)
    np.testing.assert_allclose(history.history["loss"], npz[f"resumed_{stem}_loss"], rtol=RTOL, atol=ATOL)
    for k, a in enumerate(model_arrays(model)):
        np.testing.assert_allclose(a, npz[f"resumed_{stem}_w{k}"], rtol=RTOL, atol=ATOL, err_msg=f"weight {k}")
    for k in range(3):  # the frozen LSTM's: the file's, to the bit
        assert np.array_equal(model_arrays(model)[k], npz[f"w{k}"])
    # the state is what makes it so: the same optimizer afresh ends elsewhere
    fresh = lstmviz.load(path)
    opt = CLASSES[of(fresh)["optimizer"]["class"]](**of(fresh)["optimizer"]["options"])
    lstmviz.fit(fresh, npz["x"], npz["y"], optimizer=opt, batch_size=4, epochs=1, shuffle=False)
    assert max(float(np.abs(a - npz[f"resumed_{stem}_w{k}"]).max())
               for k, a in enumerate(model_arrays(fresh))) > 1e-5


def test_a_keras_2_wrappers_flag_is_written_inside_it_for_keras_3(tmp_path):
    # tf_keras: a frozen Bidirectional, TimeDistributed or RNN freezes what it holds; Keras 3 reads
    # the inner layer's flag only, so the .keras file lstmviz writes says false inside too
    # (scripts/check_keras_continue.py: Keras 3's load_model + fit of it moves the same 5 weights)
    import json
    import zipfile

    import lstmviz
    from lstmviz.io.keras_writer import save_keras

    specs = [LayerSpec("Bidirectional", {"trainable": False, "layer": {"class_name": "GRU", "config": {
                 "units": 3, "return_sequences": True}}}),
             LayerSpec("TimeDistributed", {"trainable": False,
                                           "layer": {"class_name": "Dense", "config": {"units": 2}}}),
             LayerSpec("RNN", {"trainable": False, "cell": {"class_name": "SimpleRNNCell", "config": {"units": 2}},
                               "return_sequences": True}),
             LayerSpec("LSTM", {"units": 2}), LayerSpec("Dense", {"units": 1})]
    for major, moved in (("2", 5), ("3", 16)):
        model = Model.sequential((None, 5, 3), specs, keras_version=major)
        assert len(trainable_arrays(model)) == moved
        save_keras(model, tmp_path / f"k{major}.keras")
        again = lstmviz.load(tmp_path / f"k{major}.keras")
        assert len(trainable_arrays(again)) == moved
        config = json.loads(zipfile.ZipFile(tmp_path / f"k{major}.keras").read("config.json"))
        bidi = config["config"]["layers"][1]["config"]
        assert bidi["trainable"] is False and bidi["layer"]["config"]["trainable"] is (major == "3")


def test_the_summary_splits_trainable_and_non_trainable_params_as_keras():
    # Keras 3.15's summary of trained_frozen_adam.keras: Trainable params: 51, Non-trainable
    # params: 72 (the frozen LSTM's 4·(2·3 + 3·3 + 3)), Optimizer params: 104; its Total params (227)
    # counts the optimizer's too, lstmviz's the model's (count_params, Keras' model.count_params())
    import lstmviz

    model = lstmviz.load(HERE / "trained_frozen_adam.keras")
    text = model.summary_text()
    frozen = 4 * (2 * 3 + 3 * 3 + 3)
    assert f"Total params: {model.count_params():,}" in text
    assert frozen == 72 and model.count_params() - frozen == 51
    assert f"Trainable params: {model.count_params() - frozen:,}\nNon-trainable params: {frozen:,}" in text
    assert "Frozen (trainable: false): first" in text
    # a BatchNormalization's moving statistics are non-trainable too, a frozen one's gamma and beta also
    npz = np.load(GRAD / "frozen_first_lstm_batchnorm_mse.npz")
    model = build("frozen_first_lstm_batchnorm_mse", npz)
    second, dense = model.layers[2].count_params(), model.layers[3].count_params()
    assert model.count_trainable_params() == second + dense
    assert f"Non-trainable params: {model.count_params() - second - dense:,}" in model.summary_text()


def test_grad_and_train_say_what_is_frozen(tmp_path, capsys):
    import lstmviz
    from lstmviz import cli

    npz = np.load(HERE / "fit.npz")
    np.save(tmp_path / "x.npy", npz["x"])
    np.save(tmp_path / "y.npy", npz["y"])
    model_file = str(HERE / "trained_frozen_adam.keras")
    assert cli.main(["grad", model_file, "-i", str(tmp_path / "x.npy"), "--target", str(tmp_path / "y.npy"),
                     "--out", str(tmp_path / "g.npz")]) == 0
    out = capsys.readouterr().out
    assert ("note: frozen (trainable: false): 'first' (LSTM); its weights are not updated, as in Keras' fit; "
            "its gradients are given all the same, as information") in out
    with np.load(tmp_path / "g.npz") as g:  # (written: the tape's, as tested above)
        assert float(np.abs(g["first/kernel"]).max()) > 0
    assert cli.main(["train", model_file, "-i", str(tmp_path / "x.npy"), "--target", str(tmp_path / "y.npy"),
                     "--batch-size", "4", "--no-shuffle", "--out", str(tmp_path / "t.keras")]) == 0
    err = capsys.readouterr().err
    assert "note: frozen (trainable: false): 'first' (LSTM); its weights are not updated" in err
    trained = lstmviz.load(tmp_path / "t.keras")
    for k in range(3):  # the frozen LSTM's, to the bit; the run went on from the file's state, as Keras'
        assert np.array_equal(model_arrays(trained)[k], npz[f"w{k}"])
    for k, a in enumerate(model_arrays(trained)):
        np.testing.assert_allclose(a, npz[f"resumed_trained_frozen_adam_w{k}"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("major", ["3", "2"])
def test_the_train_tabs_run_leaves_frozen_layers_and_its_updates_page_says_so(major):
    # a Bidirectional frozen by its own flag, a frozen cell of a stacked RNN: the Train tab's run
    # (TrainingSession) moves what Keras' fit moves, and its probe marks each frozen cell
    from lstmviz.app import grad_stats as G
    from lstmviz.app.tasks import Data
    from lstmviz.app.training import Settings, TrainingSession

    rng = np.random.default_rng(0)
    model = Model.sequential((None, 6, 2), [
        LayerSpec("Bidirectional", {"trainable": False, "layer": {"class_name": "GRU", "config": {
            "units": 3, "return_sequences": True}}}),
        LayerSpec("RNN", {"cell": [{"class_name": "LSTMCell", "config": {"units": 4, "trainable": False}},
                                   {"class_name": "SimpleRNNCell", "config": {"units": 2}}]}),
        LayerSpec("Dense", {"units": 1})], seed=1, keras_version=major)
    x = rng.normal(size=(10, 6, 2)).astype(np.float32)
    y = rng.normal(size=(10, 1)).astype(np.float32)
    s = TrainingSession(Settings(batch_size=5, epochs=1), model=model, data=Data(x[:8], y[:8], x[8:], y[8:]),
                        loss="mse")
    before = [a.copy() for a in model_arrays(s.model)]
    s.step()
    trains = [t for layer in s.model.layers for t in weight_trains(layer)]
    assert trains == [major == "3"] * 6 + [False] * 3 + [True] * 3 + [True] * 2
    for a, b, t in zip(model_arrays(s.model), before, trains):
        assert np.array_equal(a, b) != t
    probe = G.Probe(s)
    frozen = [probe.compute(layer=k, parts=("updates",)).frozen for k in range(4)]
    assert frozen == [major == "2", major == "2", True, False]


def test_the_updates_page_says_a_frozen_cell_is_not_updated(qapp):
    from lstmviz.app import grad_stats as G
    from lstmviz.app.tasks import Data
    from lstmviz.app.training import Settings, TrainingSession
    from lstmviz.ui import grad_views

    rng = np.random.default_rng(0)
    model = Model.sequential((None, 6, 2), [LayerSpec("LSTM", {"units": 3, "return_sequences": True,
                                                               "trainable": False}),
                                            LayerSpec("GRU", {"units": 2}), LayerSpec("Dense", {"units": 1})], seed=1)
    x = rng.normal(size=(10, 6, 2)).astype(np.float32)
    y = rng.normal(size=(10, 1)).astype(np.float32)
    s = TrainingSession(Settings(batch_size=5, epochs=1), model=model, data=Data(x[:8], y[:8], x[8:], y[8:]),
                        loss="mse")
    s.step()
    probe = G.Probe(s)
    captions = []
    for k in range(2):
        v = probe.compute(layer=k, parts=("dh", "updates"))
        page = grad_views.probe_page(v, "dh")
        page.views._draw_updates(v)
        captions.append(page.views.captions["updates"].text())
        page.deleteLater()
    assert captions[0] == "lstm is frozen (trainable: false): not updated, as in Keras' fit; no bars."
    assert captions[1].startswith("Bar height:") and "update 1" in captions[1]


# -- the side panel: Keras' trainable option ------------------------------------------------
def test_the_trainable_option_freezes_keeps_weights_and_undoes():
    from lstmviz.app.options import options_for
    from lstmviz.app.state import AppState

    s = AppState()  # the demo stack: LSTM, LSTM, Dense
    assert all(o.key != "trainable" for o in options_for("Dropout", {"rate": 0.1}))
    assert [o.key for o in options_for("LSTM")][-1] == "trainable"
    name = s.layers[0].name
    before = [a.copy() for a in s.model.get_layer(name).weights]
    moved = len(trainable_arrays(s.model))
    s.set_layer_option(0, "trainable", False)
    assert s.error is None and s.layers[0].config["trainable"] is False
    layer = s.model.get_layer(name)
    assert frozen_arrays(layer) == 3 and len(trainable_arrays(s.model)) == moved - 3
    for a, b in zip(layer.weights, before):  # (freezing is no new layer: its weights stay)
        assert np.array_equal(a, b)
    assert s.undo() and frozen_arrays(s.model.get_layer(name)) == 0
    assert s.redo() and frozen_arrays(s.model.get_layer(name)) == 3


@pytest.mark.parametrize("major", ["3", "2"])
def test_the_trainable_box_of_a_wrapper_sets_what_it_wraps_as_keras_setter(major):
    from lstmviz.app.options import trains_all
    from lstmviz.app.state import AppState

    model = Model.sequential((None, 5, 3), [
        LayerSpec("Bidirectional", {"trainable": False, "layer": {"class_name": "GRU", "config": {
            "units": 3, "return_sequences": True}}}), LayerSpec("LSTM", {"units": 2})], keras_version=major)
    s = AppState()
    s.set_model(model, "m.keras")
    entry = s.layers[0]
    # the box shows whether every weight trains, by the stack's generation's rule
    assert trains_all(entry.config, s.keras_major()) is (major == "3")
    assert bool(frozen_arrays(s.model.layers[0])) is (major == "2")
    s.set_layer_option(0, "trainable", True)  # Keras' bidi.trainable = True: the GRU too (Keras 3: as it was)
    assert trains_all(entry.config, s.keras_major()) and frozen_arrays(s.model.layers[0]) == 0
    s.set_layer_option(0, "trainable", False)  # bidi.trainable = False: the GRU too, whatever Keras reads
    assert entry.config["trainable"] is False and entry.config["layer"]["config"]["trainable"] is False
    assert frozen_arrays(s.model.layers[0]) == 6


def test_the_side_panel_box_and_card_say_frozen(make_window):
    from PySide6 import QtWidgets

    from lstmviz.ui.stack_panel import ROLE_CARD

    w = make_window((1400, 900))
    panel = w.stack_panel
    panel.cards.setCurrentRow(0)
    box = panel.option_widgets["trainable"]
    assert isinstance(box, QtWidgets.QCheckBox) and box.isChecked() and "freezes" in box.toolTip()
    total = w.state.model.count_params()
    assert panel.total_label.text() == f"Total params   {total:,}"
    box.setChecked(False)  # the user unticks it
    QtWidgets.QApplication.processEvents()
    layer = w.state.model.layers[0]
    assert frozen_arrays(layer) == len(layer.weights)
    card = panel.cards.item(0).data(ROLE_CARD)
    assert card["params"] == f"frozen \u00b7 {layer.count_params():,}"
    assert card["detail"].startswith("frozen (trainable: false): not trained\n")
    assert panel.total_label.text() == f"Total params   {total:,}   (trainable {total - layer.count_params():,})"
    panel.cards.setCurrentRow(0)
    assert not panel.option_widgets["trainable"].isChecked()
    w.state.undo()
    QtWidgets.QApplication.processEvents()
    assert "frozen" not in panel.cards.item(0).data(ROLE_CARD)["params"]
