"""The Train tab's Qt-free state: tasks, one update at a time, reset to the same weights,
the learning rate changed mid-run, updates per epoch, per-step gradient norms."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.app import tasks
from lstmviz.app.training import Settings, TrainingSession
from lstmviz.engine.train import trainable_arrays


@pytest.mark.parametrize("name", list(tasks.TASKS))
def test_every_task_generates_and_trains(name):
    task = tasks.get(name)
    data = task.data(samples=20, seed=1)
    assert len(data.x_train) == 16 and len(data.x_val) == 4
    model = task.model(units=4)
    s = TrainingSession(Settings(task=name, units=4, batch_size=8, epochs=1))
    before = [a.copy() for a in trainable_arrays(s.model)]
    upd = s.step()
    assert np.isfinite(upd.loss)
    assert any(not np.array_equal(a, b) for a, b in zip(before, trainable_arrays(s.model)))
    assert model.output_shapes()[0][1:] == s.model.output_shapes()[0][1:]


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("name", list(tasks.TASKS))
def test_every_task_learns_at_its_defaults(name, cell):
    """A playground task that never learns teaches the wrong lesson: at its defaults (steps,
    units, samples, epochs, learning rate; the seed 0 the tab starts with) a whole run on
    each cell the task's cell box offers ends with the validation loss (the best of its last
    five epochs) under a quarter of what guessing scores (the targets' variance, or the loss
    before the first update for the crossentropies) and a classification task's validation
    accuracy at 0.9 or more. Parity at 8 steps, 256 samples and 40 epochs stayed at 0.5;
    delay's GRU and adding's LSTM at their old defaults did not move from guessing."""
    task = tasks.get(name)
    s = TrainingSession(Settings(task=name, cell=cell))
    if task.loss == "mse":
        guess = float(np.var(s.data.y_val))
    else:  # (the untrained model's loss: ln 2 for parity, about ln 30 for next_char)
        from lstmviz.engine.train import evaluate

        guess = evaluate(s.model, s.data.x_val, s.data.y_val, s.loss)
    while not s.trainer.done:
        s.step()
    h = s.history
    assert len(h.val_loss) == task.epochs
    # (the best of the last five epochs: adding's SimpleRNN, 0.15x guessing at epoch 19, spiked
    # to 0.46x at epoch 20 on an AVX2 machine, whose NumPy float32 tanh and exp differ from an
    # AVX-512 machine's in the last bits; a run that learned and then lost it for good still fails)
    assert min(h.val_loss[-5:]) < guess / 4, (h.val_loss[0], h.val_loss[-5:], guess)
    if task.metrics:
        assert h.val_metrics[-1]["accuracy"] >= 0.9, [m["accuracy"] for m in h.val_metrics]


def test_known_answers():
    x, y = tasks._adding(5, 10, np.random.default_rng(0), {})
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * x[..., 1]).sum(1), rtol=1e-6)
    assert np.all(x[..., 1].sum(1) == 2)
    x, y = tasks._parity(5, 7, np.random.default_rng(0), {})
    np.testing.assert_array_equal(y[:, 0], x.sum((1, 2)) % 2)
    x, y = tasks._brackets(3, 9, np.random.default_rng(0), {})
    depth = np.cumsum(x[..., 0] - x[..., 1], axis=1)
    np.testing.assert_array_equal(y[..., 0], depth)
    assert depth.min() >= 0
    x, y = tasks._delay(4, 6, np.random.default_rng(0), {})
    np.testing.assert_array_equal(y, x[:, 0])


def test_reset_restores_the_same_initial_weights_and_run():
    s = TrainingSession(Settings(task="delay", units=4, batch_size=32, epochs=2))
    first = [s.step().loss for _ in range(3)]
    assert s.view().iteration == 3
    s.reset()
    assert s.view().iteration == 0 and s.view().history.loss == []
    again = [s.step().loss for _ in range(3)]
    assert again == first


def test_updates_per_epoch_and_epoch_end_validation():
    s = TrainingSession(Settings(task="delay", units=4))
    assert s.updates_text() == "256 samples / batch 32 = 8 updates per epoch"
    for _ in range(8):
        s.step()
    v = s.view()
    assert v.epoch == 1 and v.history.epoch_iterations == [8] and len(v.history.val_loss) == 1
    s2 = TrainingSession(Settings(task="delay", units=4, batch_size=100))
    assert s2.updates_text() == "256 samples / batch 100 \u2192 3 updates per epoch"


def test_learning_rate_changes_mid_run():
    s = TrainingSession(Settings(task="sine", units=4, optimizer="sgd", learning_rate=0.1))
    s.step()
    s.set_learning_rate(1e-4)
    assert s.view().learning_rate == 1e-4
    before = [a.copy() for a in trainable_arrays(s.model)]
    upd = s.step()
    moved = max(float(np.abs(a - b).max()) for a, b in zip(before, trainable_arrays(s.model)))
    assert 0 < moved <= 1e-4 * upd.grad_norm * 1.001  # SGD: |dw| = lr |g| <= lr ||g||


def test_step_norms_are_the_gradients_norms():
    s = TrainingSession(Settings(task="delay", units=4))
    upd = s.step()
    v = s.view()
    dh = upd.grads.layers[s.model.layers[0].name].steps["dh"]
    np.testing.assert_allclose(v.dh_norm, np.linalg.norm(dh.astype(np.float64), axis=-1).mean(0))
    assert v.dh_norm.shape == (20,) and v.dc_norm.shape == (20,)


def test_step_norms_of_a_model_whose_first_recurrent_layer_is_a_stack_of_cells():
    """Your model whose recurrent layer is an RNN of stacked cells (Keras'
    ``RNN(StackedRNNCells)``): the Train tab's gradient through time stayed empty, without a
    word, though the gradient views show those cells. It is the first cell's
    ``||dL/dh_t||``, the engine's gradients' norms."""
    from lstmviz.app.train_user import output_shape
    from lstmviz.engine import layers as L

    model = _stacked_cells_model()
    assert isinstance(model.layers[0], L.StackedRNN)
    x = np.random.default_rng(0).normal(size=(12, 5, 3)).astype(np.float32)
    y = np.random.default_rng(1).normal(size=(12,) + output_shape(model, x)[1:]).astype(np.float32)
    data = tasks.Data(x[:8], y[:8], x[8:], y[8:])
    s = TrainingSession(Settings(batch_size=8, epochs=1), model=model, data=data, loss="mse")
    upd = s.step()
    v = s.view()
    dh = upd.grads.layers["rnn_stacked"].children["cell_0"].steps["dh"]
    assert v.dh_norm is not None and v.dh_norm.shape == (5,)
    np.testing.assert_allclose(v.dh_norm, np.linalg.norm(dh.astype(np.float64), axis=-1).mean(0))
    assert v.dc_norm is None  # (a GRU cell: no cell state)


def _stacked_cells_model():
    """A model whose recurrent layer is an RNN of stacked cells, GRU(3) then SimpleRNN(2),
    on inputs of 5 steps of 3 features (the k3_rnn_cells fixture's second layer)."""
    from pathlib import Path

    import lstmviz
    from lstmviz.engine.model import Model
    from lstmviz.engine.spec import ModelSpec

    spec = lstmviz.load(Path(__file__).parent / "fixtures" / "k3_rnn_cells" / "model.keras").to_spec()
    stacked = next(layer for layer in spec.layers if layer.name == "rnn_stacked")
    stacked.inbound, stacked.weights = [], None  # (first, on the input of 3 features)
    return Model.from_spec(ModelSpec([spec.layers[0], stacked], [], [], "stacked", spec.keras_version, None))


def test_the_title_of_a_run_of_stacked_cells_names_them():
    """The Train tab's header over your model of stacked cells read "Training stacked ·
    5 timesteps · your model 'stacked'": no cell named (the model's name twice). It names
    each cell and its units, as for a layer."""
    model = _stacked_cells_model()
    x = np.zeros((4, 5, 3), np.float32)
    data = tasks.Data(x, np.zeros((4, 2), np.float32), x[:0], np.zeros((0, 2), np.float32))
    s = TrainingSession(Settings(), model=model, data=data, loss="mse")
    assert s.titles() == [
        "Training RNN (GRU (3 units) + SimpleRNN (2 units)) \u00b7 5 timesteps \u00b7 your model 'stacked'",
        "RNN (GRU (3 units) + SimpleRNN (2 units)) \u00b7 5 timesteps \u00b7 your model 'stacked'",
        "RNN(GRU(3)+SimpleRNN(2)) \u00b7 5 steps \u00b7 your model 'stacked'"]


def test_the_title_of_a_cnn_lstm_run_says_the_steps_its_recurrent_layer_runs():
    """A Conv1D and a MaxPooling1D before the LSTM: the Train tab's header said "LSTM (3 units)
    · 20 timesteps" while the LSTM ran 9 steps (as the Input box now says). It says the
    recurrent layer's own count, the trace's."""
    from lstmviz.engine import LayerSpec, Model

    layers = [LayerSpec("Conv1D", {"filters": 4, "kernel_size": 3}), LayerSpec("MaxPooling1D", {"pool_size": 2}),
              LayerSpec("LSTM", {"units": 3}), LayerSpec("Dense", {"units": 1})]
    model = Model.sequential((None, 20, 2), layers, seed=0)
    x = np.zeros((4, 20, 2), np.float32)
    data = tasks.Data(x, np.zeros((4, 1), np.float32), x[:0], np.zeros((0, 1), np.float32))
    s = TrainingSession(Settings(), model=model, data=data, loss="mse")
    runs = model.trace(x[:1]).layers["lstm"].steps["h"].shape[1]
    assert runs == 9 and s.cell_steps() == runs
    assert s.titles() == [f"Training LSTM (3 units) \u00b7 {runs} timesteps \u00b7 your model '{model.name}'",
                          f"LSTM (3 units) \u00b7 {runs} timesteps \u00b7 your model '{model.name}'",
                          f"LSTM(3) \u00b7 {runs} steps \u00b7 your model '{model.name}'"]
    task = TrainingSession(Settings(task="delay", units=4, steps=12))
    assert task.cell_steps() == 12 and "12 timesteps" in task.title()


def test_snapshots_scrub_training_time():
    s = TrainingSession(Settings(task="delay", units=4), snapshot_every=2)
    init = [a.copy() for a in trainable_arrays(s.model)]
    for _ in range(4):
        s.step()
    np.testing.assert_array_equal(s.weights_at(1)[0], init[0])
    at4 = s.weights_at(4)
    for a, b in zip(at4, trainable_arrays(s.model)):
        np.testing.assert_array_equal(a, b)


def test_view_since_copies_only_what_followed():
    s = TrainingSession(Settings(task="delay", units=3, steps=6, batch_size=64))  # 4 updates per epoch
    for _ in range(3):
        s.step()
    first = s.view()
    assert first.start == 0 and first.since == (s.generation, 3, 0)
    for _ in range(2):
        s.step()
    tail = s.view(first.since)
    full = s.view().history
    assert (tail.start, tail.epoch_start) == (3, 0)
    assert tail.history.iterations == [4, 5] and tail.history.loss == full.loss[3:]
    assert tail.history.epoch_iterations == [4] and tail.history.val_loss == full.val_loss
    assert s.view(tail.since).history.iterations == []
    s.reset()  # another run: all of it again
    again = s.view(tail.since)
    assert again.start == 0 and again.history.iterations == []


def test_an_update_runs_on_one_blas_thread_whatever_the_pool():
    """The window's updates (lessons, One update) and the training process's give the same
    bits: both run on one BLAS thread, whatever the pool is set to around them."""
    from lstmviz.app.train_user import user_session
    from lstmviz.engine import LayerSpec, Model, blas
    from lstmviz.engine.optimizers import make
    from lstmviz.engine.train import Trainer

    def model():
        return Model.sequential((None, 100, 32), [LayerSpec("LSTM", {"units": 128, "return_sequences": True})],
                                seed=3)

    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 100, 32)).astype(np.float32)  # sizes where two BLAS threads round differently
    y = rng.normal(size=(64, 100, 128)).astype(np.float32)
    data = tasks.Data(x, y, x[:0], y[:0])
    before = blas.threads()
    try:
        if before is not None:
            blas.set_threads(2)
        s = user_session(model(), data, "mse", Settings(optimizer="adam", batch_size=32, epochs=2, shuffle=False))
        for _ in range(3):
            s.step()
        assert blas.threads() == (None if before is None else 2)  # the pool is put back
        ref = model()
        with blas.single_threaded():
            tr = Trainer(ref, x, y, "mse", make("adam", None), 32, 2, False, 0)
            for _ in range(3):
                tr.step()
    finally:
        if before is not None:
            blas.set_threads(before)
    for a, b in zip(trainable_arrays(s.model), trainable_arrays(ref)):
        assert np.array_equal(a, b)


def _budget_of(monkeypatch, session: TrainingSession, snapshots: int) -> int:
    """A memory limit whose snapshot budget keeps ``snapshots`` of ``session``'s weights,
    beside the room of two on their way from the training process (one each message, at
    such a budget: ``TrainingSession.in_flight_most``)."""
    from lstmviz import limits

    budget = (snapshots + 2) * sum(a.nbytes for a in trainable_arrays(session.model))
    monkeypatch.setattr(limits, "SNAPSHOT_SHARE", (budget + 0.5) / limits.memory_limit(), raising=False)
    return budget


def _held(session: TrainingSession) -> int:
    """The bytes the session's snapshots hold, each array once."""
    return sum({id(a): a.nbytes for _, arrays in session.snapshots for a in arrays}.values())


def test_snapshots_are_thinned_within_their_budget_and_stay_exact(monkeypatch):
    # a run snapshotted every update kept a copy of its weights per update without end (an
    # LSTM(512) stack: 4 MB an update, gigabytes in a long Play); now the snapshots hold at
    # most their budget, thinned evenly over the run, each still the weights of its update
    def run():
        return TrainingSession(Settings(task="delay", units=4, steps=6, epochs=40), snapshot_every=1)

    s = run()
    budget = _budget_of(monkeypatch, s, 12)
    for i in range(1, 301):
        s.step()
        if i in (77, 150):  # paused there (One update): where the run stopped is kept
            s.keep_current()
        assert _held(s) <= budget, i
    assert s.snapshot_bytes() == _held(s)
    assert 300 - s.snapshots[-1][0] < s.snapshot_stride  # the latest one due
    s.keep_current()  # the run stops (the tab keeps where it stopped)
    assert _held(s) <= budget
    its = [it for it, _ in s.snapshots]
    assert len(its) <= 12 and its == sorted(its)
    assert its[0] == 0 and its[-1] == 300 and {77, 150} <= set(its)  # first, latest, the stops
    stride = s.snapshot_stride
    assert stride > 1 and stride & (stride - 1) == 0  # every 2nd, 4th, ... of those due
    assert all(it % stride == 0 for it in its if it not in (77, 150, 300))
    # the slider still spans the run: no gap wider than twice the spacing
    assert max(b - a for a, b in zip(its, its[1:])) <= 2 * stride
    assert s.snapshot_note().startswith(f"snapshots kept every {stride} updates (not every 1)")

    ref = run()  # an independent run of the same updates, without a budget
    monkeypatch.undo()
    weights = {0: [a.copy() for a in trainable_arrays(ref.model)]}
    for i in range(1, 301):
        ref.step()
        weights[i] = [a.copy() for a in trainable_arrays(ref.model)]
    assert len(ref.snapshots) == 301 and ref.snapshot_note() == ""  # (within the default budget)
    for it, arrays in s.snapshots:
        assert all(np.array_equal(a, b) for a, b in zip(arrays, weights[it], strict=True)), it
        assert all(np.array_equal(a, b) for a, b in zip(s.weights_at(it), weights[it], strict=True))
    assert s.weights_at(301)[0].tobytes() == weights[300][0].tobytes()


def test_thinned_snapshots_follow_a_new_spacing_and_a_reset(monkeypatch):
    s = TrainingSession(Settings(task="delay", units=4, steps=6, epochs=40), snapshot_every=1)
    _budget_of(monkeypatch, s, 6)
    for _ in range(40):
        s.step()
    assert s.snapshot_stride > 1 and len(s.snapshots) <= 6
    s.snapshot_every = 3  # the user's spacing: kept as a multiple of it, no closer than thinned
    assert s.snapshot_stride % 3 == 0 and s.snapshot_stride >= 3
    for _ in range(200):
        s.step()
        assert len(s.snapshots) <= 6
    assert s.snapshots[-1][0] == 240 or s.snapshots[-1][0] % s.snapshot_stride == 0
    s.reset()
    assert s.snapshot_stride == 3 and s.snapshot_note() == "" and len(s.snapshots) == 1


def test_a_model_whose_two_snapshots_pass_the_budget_keeps_the_first_and_the_latest(monkeypatch):
    s = TrainingSession(Settings(task="delay", units=4, steps=6, epochs=40), snapshot_every=1)
    _budget_of(monkeypatch, s, 1)
    for _ in range(20):
        s.step()
        s.keep_current()
    assert [it for it, _ in s.snapshots] == [0, 20]
    assert s.snapshots[0][1] is s.initial  # the first is the initial weights, no second copy


def test_the_validation_loss_is_keras_val_loss_in_batches_of_the_batch_size():
    """Keras' ``fit`` takes ``val_loss`` in batches of ``batch_size``, averaged weighted by
    their samples (``evaluate(..., batch_size=...)``), as ``lstmviz.fit`` does; the Train
    tab (and ``lstmviz train``) took it in one batch, another number where the output is
    masked (a batch's loss is the mean over its own kept steps)."""
    from lstmviz.app.train_user import user_session
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.engine.train import evaluate

    model = Model.sequential((None, 6, 2), [LayerSpec("Masking", {"mask_value": 0.0}),
                                            LayerSpec("LSTM", {"units": 3, "return_sequences": True})], seed=4)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(12, 6, 2)).astype(np.float32)
    for k in range(12):  # each sample its own number of kept steps
        x[k, 1 + k % 5:] = 0.0
    y = rng.normal(size=(12, 6, 3)).astype(np.float32)
    data = tasks.Data(x[:4], y[:4], x[4:], y[4:])
    s = user_session(model, data, "mse", Settings(optimizer="sgd", batch_size=3, epochs=1, shuffle=False))
    while not s.history.val_loss:
        s.step()
    batched = evaluate(s.model, x[4:], y[4:], "mse", 3)
    whole = evaluate(s.model, x[4:], y[4:], "mse")
    assert abs(batched - whole) > 1e-4  # (the case where the two differ)
    assert s.history.val_loss == [batched]


def test_a_classification_task_records_accuracy_as_fit_records_it():
    """The parity task (binary_crossentropy, a sigmoid unit) and next_char (sparse targets, a
    softmax) are compiled with accuracy (``Task.metrics``): each epoch's ``accuracy`` and
    ``val_accuracy`` are those of ``lstmviz.fit``'s History of the same run; a regression task
    has none."""
    import lstmviz

    for name in ("parity", "next_char"):
        s = TrainingSession(Settings(task=name, units=4, epochs=2))
        assert s.metric_names() == ["accuracy"]
        while s.step() is not None:
            pass
        task, h = tasks.get(name), s.view().history
        data = task.data()
        fitted = lstmviz.fit(task.model(units=4), data.x_train, data.y_train, task.loss, task.optimizer, 32, 2,
                             True, 0, task.learning_rate, validation_data=(data.x_val, data.y_val),
                             metrics=list(task.metrics))
        assert sorted(fitted.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
        assert [m["accuracy"] for m in h.epoch_metrics] == fitted.history["accuracy"]
        assert [m["accuracy"] for m in h.val_metrics] == fitted.history["val_accuracy"]
        assert h.epoch_loss == fitted.history["loss"] and h.val_loss == fitted.history["val_loss"]
    s = TrainingSession(Settings(task="delay", units=4, epochs=1))
    while s.step() is not None:
        pass
    assert s.metric_names() == [] and s.view().history.epoch_metrics == [{}]


def test_the_users_run_records_the_metrics_the_model_was_compiled_with_as_keras_fit():
    """A file compiled with accuracy, top-k, mse, Precision, Recall, AUC, crossentropy: the
    Train tab's run of it on its data has Keras 3.15's fit History (``tests/fixtures/metrics``),
    each epoch's and its validation's."""
    import json

    import lstmviz
    from helpers import FIXTURES
    from lstmviz.app.train_user import compiled_settings, user_session
    from lstmviz.engine.train import split_at

    here = FIXTURES / "metrics"
    npz = np.load(here / "fit.npz")
    model = lstmviz.load(here / "categorical.keras")
    x, y = npz["x"], npz["y_categorical"]
    cut = split_at(len(x), 0.25)
    data = tasks.Data(x[:cut], y[:cut], x[cut:], y[cut:])
    settings, _ = compiled_settings(model, Settings(batch_size=5, epochs=3, shuffle=False))
    s = user_session(model, data, "categorical_crossentropy", settings)
    while s.step() is not None:
        pass
    h = s.view().history
    keys = [k for k in json.loads(str(npz["categorical__keys"])) if "loss" not in k]
    names = [k for k in keys if not k.startswith("val_")]
    assert sorted(s.metric_names()) == sorted(names) and len(names) >= 4 and "AUC" in names
    for key in keys:
        got = [m[key.removeprefix("val_")] for m in (h.val_metrics if key.startswith("val_") else h.epoch_metrics)]
        np.testing.assert_allclose(got, npz[f"categorical__{key}"], rtol=1e-5, err_msg=key)


def test_a_task_run_saved_as_keras_keeps_its_accuracy(tmp_path):
    """Save as .keras of a classification task's run writes its metrics in the compile_config
    (Keras 3's fit of the file then has accuracy and val_accuracy: scripts/check_keras_metrics.py)."""
    import json
    import zipfile

    from lstmviz.app.train_user import save_snapshot

    s = TrainingSession(Settings(task="parity", units=4, epochs=1))
    s.step()
    s.keep_current()
    save_snapshot(s, s.iteration, tmp_path / "parity.keras")
    with zipfile.ZipFile(tmp_path / "parity.keras") as z:
        assert json.loads(z.read("config.json"))["compile_config"]["metrics"] == ["accuracy"]
