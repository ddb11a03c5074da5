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
