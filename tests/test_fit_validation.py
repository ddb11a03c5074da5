"""``lstmviz.fit``'s validation and its return value as Keras' ``Model.fit`` has them:
``validation_split`` holds back the last ``n - floor(n * (1 - split))`` samples before any
shuffling, ``validation_data`` is evaluated instead where given, ``val_loss`` is the loss at
each epoch's last weights, and the list of epoch losses is also Keras' ``History``."""

from __future__ import annotations

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES
from lstmviz import LayerSpec, Model
from lstmviz.engine.train import History, evaluate, split_at, trainable_arrays
from lstmviz.errors import LstmvizError


def _model(seed=0):
    return Model.sequential((None, 5, 2), [LayerSpec("GRU", {"units": 3}), LayerSpec("Dense", {"units": 1})],
                            seed=seed)


def _data(n=10):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(n, 5, 2)).astype(np.float32)
    return x, x[:, 0, :1] - x[:, -1, 1:]


def _refusal(call) -> str:
    with pytest.raises(LstmvizError) as err:
        call()
    text = str(err.value)
    assert "\n" not in text
    return text


def test_split_at_is_keras_floor_of_the_training_share():
    # Keras' train_validation_split: split_at = floor(n * (1 - validation_split))
    assert split_at(10, 0.25) == 7  # (not 10 - int(10 * 0.25) = 8)
    assert split_at(3, 0.5) == 1
    assert split_at(40, 0.2) == 32
    assert split_at(7, 0.0) == 7
    assert split_at(7, 0) == 7


def test_validation_split_trains_on_the_first_samples_alone_bit_for_bit():
    x, y = _data(10)
    cut = split_at(10, 0.25)
    held, alone = _model(), _model()
    got = lstmviz.fit(held, x, y, "mse", "adam", batch_size=3, epochs=3, shuffle=True, seed=5,
                      validation_split=0.25)
    want = lstmviz.fit(alone, x[:cut], y[:cut], "mse", "adam", batch_size=3, epochs=3, shuffle=True, seed=5)
    for a, b in zip(trainable_arrays(held), trainable_arrays(alone)):
        np.testing.assert_array_equal(a, b)
    assert list(got) == list(want) == got.history["loss"]
    assert len(got.history["val_loss"]) == 3 and "val_loss" not in want.history


@pytest.mark.parametrize("batch_size", [4, 2])
def test_val_loss_is_the_held_out_loss_at_each_epochs_last_weights(batch_size):
    x, y = _data(10)
    cut = split_at(10, 0.3)  # 7 train, 3 validate
    model = _model()
    at_epoch_end = []

    def keep(update):
        if update.epoch_end:
            at_epoch_end.append([a.copy() for a in trainable_arrays(model)])

    history = lstmviz.fit(model, x, y, "mse", "sgd", batch_size=batch_size, epochs=4, shuffle=False,
                          validation_split=0.3, callback=keep)
    assert len(at_epoch_end) == 4 and len(history.history["val_loss"]) == 4
    for weights, val_loss in zip(at_epoch_end, history.history["val_loss"]):
        probe = _model(seed=9)
        for a, w in zip(trainable_arrays(probe), weights):
            a[...] = w
        if batch_size >= 10 - cut:  # one batch: the model's loss on the held-out samples
            assert val_loss == evaluate(probe, x[cut:], y[cut:], "mse")
        else:  # Keras' evaluate: the batches' losses, weighted by their samples
            first = evaluate(probe, x[cut:cut + 2], y[cut:cut + 2], "mse")
            last = evaluate(probe, x[cut + 2:], y[cut + 2:], "mse")
            np.testing.assert_allclose(val_loss, (2 * first + last) / 3, rtol=1e-6)
    assert history.history["val_loss"][-1] != history.history["val_loss"][0]  # (it trained)


def test_validation_data_is_evaluated_and_overrides_validation_split():
    x, y = _data(10)
    xv, yv = _data(4)
    model, alone = _model(), _model()
    history = lstmviz.fit(model, x, y, "mse", batch_size=5, epochs=2, shuffle=False,
                          validation_data=(xv, yv), validation_split=0.5)  # (Keras: the split is not used)
    lstmviz.fit(alone, x, y, "mse", batch_size=5, epochs=2, shuffle=False)
    for a, b in zip(trainable_arrays(model), trainable_arrays(alone)):
        np.testing.assert_array_equal(a, b)  # every sample trained
    assert history.history["val_loss"][-1] == evaluate(model, xv, yv, "mse")
    # a list of two, as Keras takes it, and targets (n,) for an output of one unit
    listed = lstmviz.fit(_model(), x, y, "mse", batch_size=5, epochs=2, shuffle=False,
                         validation_data=[xv, yv[:, 0]])
    assert listed.history == history.history


def test_the_result_is_the_epoch_losses_and_keras_history():
    x, y = _data(10)
    history = lstmviz.fit(_model(), x, y, "mse", batch_size=4, epochs=3)
    assert isinstance(history, History) and isinstance(history, list) and len(history) == 3
    assert history == history.history["loss"] and list(history.history) == ["loss"]
    assert history.epoch == [0, 1, 2]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 3}


def _keras_compiled_model():
    """The compiled fixture's LSTM(3) -> Dense(1) at Keras' initial weights, and its data."""
    npz = np.load(FIXTURES / "compiled" / "fit.npz")
    model = Model.sequential((None, 4, 2), [LayerSpec("LSTM", {"units": 3}), LayerSpec("Dense", {"units": 1})])
    for k, a in enumerate(trainable_arrays(model)):
        a[...] = npz[f"w{k}"]
    return model, npz


def test_a_callback_that_stops_mid_epoch_records_that_epoch_as_keras_does(capsys):
    """Keras' fit with ``model.stop_training = True`` in ``on_train_batch_end`` of epoch 1's
    first batch: that epoch is recorded as far as it went (History's loss the mean of its one
    batch, val_loss at its weights, epoch [0, 1]); lstmviz left the epoch out. The numbers
    are Keras 3.15's (``scripts/make_compiled_fixtures.py``)."""
    model, npz = _keras_compiled_model()
    history = lstmviz.fit(model, npz["x"], npz["y"], "mse", lstmviz.optimizers.SGD(0.1), batch_size=3,
                          epochs=3, shuffle=False, validation_split=0.2, verbose=2,
                          callback=lambda u: not (u.epoch == 1 and u.batch == 0))
    assert history.epoch == npz["stopped_epoch"].tolist() == [0, 1]
    np.testing.assert_allclose(history.history["loss"], npz["stopped_loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"], npz["stopped_val_loss"], rtol=1e-5)
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_allclose(a, npz[f"stopped_w{k}"], atol=1e-6)
    assert list(history) == history.history["loss"]
    assert capsys.readouterr().out.splitlines()[-1].startswith("Epoch 2/3 - loss: ")  # (its line, as Keras' bar)
    at_end = lstmviz.fit(_model(), *_data(10), "mse", batch_size=4, epochs=5, validation_split=0.2,
                         callback=lambda u: not u.epoch_end)  # (stopped by an epoch's last update: that epoch)
    assert len(at_end) == 1 and at_end.epoch == [0] and len(at_end.history["val_loss"]) == 1


def test_verbose_prints_a_line_per_epoch_as_keras(capsys):
    x, y = _data(10)
    lstmviz.fit(_model(), x, y, "mse", epochs=2, validation_split=0.2)
    assert capsys.readouterr().out == ""  # (silent unless asked)
    for verbose in (1, 2, "auto"):
        history = lstmviz.fit(_model(), x, y, "mse", epochs=2, validation_split=0.2, verbose=verbose)
        lines = capsys.readouterr().out.splitlines()
        assert lines == [f"Epoch {k + 1}/2 - loss: {history[k]:.4f} - val_loss: {history.history['val_loss'][k]:.4f}"
                         for k in range(2)], verbose
    model = _model()
    close = model.trace(x).output + np.float32(2e-4)
    history = lstmviz.fit(model, x, close, "mae", "sgd", learning_rate=1e-9, epochs=1, verbose=2)
    assert capsys.readouterr().out == f"Epoch 1/1 - loss: {history[0]:.4e}\n"  # (Keras' small numbers)
    assert 1e-4 < history[0] < 1e-3


def test_a_masked_sequence_validates_batch_by_batch_as_keras_evaluates():
    """Keras' evaluate: each batch's loss (a mean over its kept steps), then their mean
    weighted by the batches' samples, not the mean over every kept step at once."""
    model = Model.sequential((None, 4, 1), [LayerSpec("Masking", {"mask_value": 0.0}),
                                            LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True}),
                                            LayerSpec("Dense", {"units": 1})], seed=2)
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.0, (3, 4, 1)).astype(np.float32)
    x[0, 1:] = 0.0  # one kept step in the first sample, four in the others
    y = rng.normal(size=(3, 4, 1)).astype(np.float32)
    whole = evaluate(model, x, y, "mse")
    first, last = evaluate(model, x[:2], y[:2], "mse"), evaluate(model, x[2:], y[2:], "mse")
    batched = evaluate(model, x, y, "mse", batch_size=2)
    np.testing.assert_allclose(batched, (2 * first + last) / 3, rtol=1e-6)
    assert abs(batched - whole) > 1e-3
    history = lstmviz.fit(model, np.concatenate([x, x]), np.concatenate([y, y]), "mse", "sgd",
                          learning_rate=1e-9, batch_size=2, validation_split=0.5)
    np.testing.assert_allclose(history.history["val_loss"][0], batched, rtol=1e-5)


@pytest.mark.parametrize("kw, words", [
    ({"validation_split": 1.0}, "validation_split=1.0: give a number at least 0 and under 1"),
    ({"validation_split": -0.1}, "validation_split=-0.1: give a number at least 0 and under 1"),
    ({"validation_split": "0.2"}, "validation_split='0.2': give a number"),
    ({"validation_split": True}, "validation_split=True: give a number"),
    ({"validation_split": float("nan")}, "validation_split=nan: give a number"),
    ({"verbose": 3}, "verbose=3: give 0 (silent), 1 or 2 (a line per epoch) or 'auto'"),
    ({"verbose": "loud"}, "verbose='loud': give 0"),
    ({"validation_data": "val.npy"}, "validation_data is a str; give (x_val, y_val)"),
    ({"validation_data": (np.zeros((2, 5, 2)),)}, "validation_data is a tuple of 1; give (x_val, y_val)"),
    ({"validation_data": (np.zeros((2, 5, 2)), np.zeros((2, 1)), np.ones(2))},
     "validation_data holds sample weights"),
    ({"validation_data": (np.zeros((2, 5, 2)), np.zeros((3, 1)))},
     "validation_data: y: 3 targets, but x has 2 samples"),
    ({"validation_data": (np.zeros((2, 5, 3)), np.zeros((2, 1)))}, "validation_data: "),
    ({"validation_data": (np.zeros((2, 5, 2)), np.zeros((2, 4)))},
     "validation_data: targets of shape (2, 4), but the model outputs (None, 1)"),
    ({"validation_data": (np.zeros((0, 5, 2)), np.zeros((0, 1)))}, "validation_data: the input is empty"),
])
def test_refusals_are_one_line(kw, words):
    x, y = _data(10)
    model = _model()
    before = [a.copy() for a in trainable_arrays(model)]
    assert _refusal(lambda: lstmviz.fit(model, x, y, "mse", **kw)).startswith(words)
    for a, b in zip(trainable_arrays(model), before):
        np.testing.assert_array_equal(a, b)  # (refused before any update)


def test_a_split_that_leaves_no_sample_to_train_on_is_refused_as_keras_refuses_it():
    x, y = _data(1)
    assert _refusal(lambda: lstmviz.fit(_model(), x, y, "mse", validation_split=0.5)) == (
        "1 sample leaves none to train on with a validation split of 0.5; give more samples or a smaller "
        "validation_split")
    x, y = _data(3)
    assert _refusal(lambda: lstmviz.fit(_model(), x, y, "mse", validation_split=0.9)).startswith(
        "3 samples leave none to train on")
    assert _refusal(lambda: lstmviz.fit(_model(), x, y, "mse", validation_split=1e-17)).startswith(
        "3 samples leave none to validate with a validation split of 1e-17")
    history = lstmviz.fit(_model(), x, y, "mse", validation_split=0.5)  # 1 trains, 2 validate
    assert history.params["steps"] == 1
