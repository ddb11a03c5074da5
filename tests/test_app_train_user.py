"""The user's own model trained on their own inputs and targets (a copy; the app's model is
untouched), shape refusals in one line, and scrubbing training time through the app state
without flooding the undo history."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from lstmviz.app import tasks
from lstmviz.app.state import AppState
from lstmviz.app.train_user import Scrubber, copy_model, snapshot_model, user_data, user_session
from lstmviz.app.training import Settings, TrainingSession
from lstmviz.engine.train import Trainer, trainable_arrays
from lstmviz.errors import LstmvizError


def _state_with_delay_model():
    state = AppState()
    state.set_model(tasks.get("delay").model(units=4, steps=10, seed=3))
    return state


def _files(tmp_path, n=40, T=10, y_shape=None):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (n, T, 1)).astype(np.float32)
    y = x[:, 0, :].copy() if y_shape is None else rng.normal(size=y_shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return x, y


def test_user_data_splits_like_keras_and_trains_a_copy(tmp_path):
    state = _state_with_delay_model()
    x, y = _files(tmp_path)
    data, loss = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mean_squared_error", 0.25)
    assert loss == "mse"
    np.testing.assert_array_equal(data.x_train, x[:30])  # Keras: the last quarter validates
    np.testing.assert_array_equal(data.x_val, x[30:])
    np.testing.assert_array_equal(data.y_val, y[30:])
    before = [a.copy() for a in trainable_arrays(state.model)]
    s = user_session(state.model, data, loss, Settings(optimizer="sgd", learning_rate=0.1, batch_size=8,
                                                       epochs=1, shuffle=False))
    for _ in range(4):
        s.step()
    assert s.view().history.val_loss  # an epoch ended: validation measured
    s.configure(Settings(optimizer="sgd", learning_rate=0.1, batch_size=4, epochs=1, shuffle=False))
    for a, b in zip(trainable_arrays(s.model), before):
        np.testing.assert_array_equal(a, b)  # new settings: a new run from the same weights
    assert s.view().iteration == 0 and s.trainer.batch_size == 4
    s.configure(Settings(optimizer="sgd", learning_rate=0.1, batch_size=8, epochs=1, shuffle=False))
    for _ in range(4):
        s.step()
    for a, b in zip(trainable_arrays(state.model), before):
        np.testing.assert_array_equal(a, b)  # the app's model is untouched
    # the same as the engine's own fit on the same copy
    ref = copy_model(state.model)
    tr = Trainer(ref, x[:30], y[:30], "mse", "sgd", 8, 1, False, 0, learning_rate=0.1)
    while not tr.done:
        tr.step()
    for a, b in zip(trainable_arrays(s.model), trainable_arrays(ref)):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("case, message", [
    ("targets", "y.npy: targets of shape (40, 3), but the model outputs (None, 1); mse expects shape (40, 1)"),
    ("count", "y.npy: 39 targets, but the inputs have 40 samples; expected one target per sample"),
    # (12 steps for the Sequential stack of 10 are taken, as Keras 3 takes them:
    # test_app_probe_model; 2 features for its 1 are not)
    ("inputs", "x.npy: the input has 2 features but the model expects 1: shape (40, 10, 2) vs (None, 10, 1)"),
])
def test_shape_refusals_say_what_is_wrong_and_expected(tmp_path, case, message):
    state = _state_with_delay_model()
    if case == "targets":
        _files(tmp_path, y_shape=(40, 3))
    elif case == "count":
        _files(tmp_path, y_shape=(39, 1))
    else:
        x, _ = _files(tmp_path)
        np.save(tmp_path / "x.npy", np.concatenate([x, x], axis=-1))
    with pytest.raises(LstmvizError) as err:
        user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse")
    assert str(err.value) == message and "\n" not in message


def test_csv_inputs_and_a_bad_loss(tmp_path):
    state = _state_with_delay_model()
    _files(tmp_path)
    np.savetxt(tmp_path / "x.csv", np.ones((10, 1)), delimiter=",")  # one sample, rows are steps
    with pytest.raises(LstmvizError, match="1 targets|40 targets|samples"):
        user_data(state.model, tmp_path / "x.csv", tmp_path / "y.npy", "mse")
    with pytest.raises(LstmvizError, match="unknown loss 'hinge'"):
        user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "hinge")


def test_inputs_without_samples_are_refused_naming_their_file(tmp_path):
    """An .npy of 0 samples (and targets of 0): the tab said "the input is empty: shape (0,
    10, 1)", the only refusal of its box that named no file; now the file's name first, as
    `lstmviz train` says it."""
    state = _state_with_delay_model()
    np.save(tmp_path / "x.npy", np.zeros((0, 10, 1), np.float32))
    np.save(tmp_path / "y.npy", np.zeros((0, 1), np.float32))
    with pytest.raises(LstmvizError) as err:
        user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse")
    assert str(err.value) == "x.npy: the input is empty: shape (0, 10, 1)"


def test_token_ids_an_embedding_refuses_are_refused_naming_their_file(tmp_path):
    """Token ids outside an Embedding's vocabulary, or not whole: the tab said the engine's
    "layer 'emb' (Embedding): token id 1009 is outside the vocabulary 0..9" naming no file,
    where `lstmviz train` says "x.npy: ..."; now the file's name first, as there."""
    import lstmviz

    fixture = Path(__file__).parent / "fixtures" / "k3_emb_gru_lstm"
    model = lstmviz.load(fixture / "model.keras")
    x = np.repeat(np.load(fixture / "x.npy"), 5, axis=0)
    from lstmviz.app.train_user import output_shape

    np.save(tmp_path / "y.npy", np.zeros((len(x),) + output_shape(model, x)[1:], np.float32))
    for values, said in ((x + 1000, "is outside the vocabulary"), (x + 0.5, "reads token ids")):
        np.save(tmp_path / "ids.npy", values)
        with pytest.raises(LstmvizError) as err:
            user_data(model, tmp_path / "ids.npy", tmp_path / "y.npy", "mse")
        assert str(err.value).startswith("ids.npy: layer 'emb' (Embedding)") and said in str(err.value)
    np.save(tmp_path / "ids.npy", x)
    user_data(model, tmp_path / "ids.npy", tmp_path / "y.npy", "mse")  # (the ids it reads: taken)


def test_a_csv_of_targets_for_a_sequence_output_says_it_holds_one_sample(tmp_path):
    """A model whose output is a sequence (Counting brackets: (None, 16, 1)) and its targets
    as a .csv of a row per sample: read (as documented) as ONE sample of a row per step, it
    was refused as "1 target, but the inputs have 50 samples", which the 50 rows belied.
    The refusal now says how a .csv is read there and the .npy shape to give instead;
    an .npy of the same targets is taken."""
    model = tasks.get("brackets").model()
    data = tasks.get("brackets").data()
    x, y = data.x_train[:50], data.y_train[:50]
    np.save(tmp_path / "x.npy", x)
    np.savetxt(tmp_path / "y.csv", y[:, :, 0], delimiter=",")
    with pytest.raises(LstmvizError) as err:
        user_data(model, tmp_path / "x.npy", tmp_path / "y.csv", "mse")
    assert str(err.value) == (
        "y.csv: 1 target, but the inputs have 50 samples; expected one target per sample; a .csv of "
        "targets for a sequence output is one sample, a row per step: give the 50 samples' targets as "
        ".npy of shape (50, 16, 1)")
    np.save(tmp_path / "y.npy", y)
    assert user_data(model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.2)[0].y_train.shape == (40, 16, 1)
    # (not said of an .npy, nor of a model whose output is not a sequence)
    np.save(tmp_path / "y.npy", y[:10])
    with pytest.raises(LstmvizError) as err:
        user_data(model, tmp_path / "x.npy", tmp_path / "y.npy", "mse")
    assert ".csv" not in str(err.value)


def test_scrubbing_shows_snapshot_weights_with_one_undo_entry(tmp_path):
    state = _state_with_delay_model()
    x, y = _files(tmp_path)
    original = [a.copy() for a in trainable_arrays(state.model)]
    data, loss = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.2)
    s = user_session(state.model, data, loss, Settings(batch_size=8, epochs=3), snapshot_every=2)
    for _ in range(8):
        s.step()
    depth = len(state.undo_stack)
    scrub = Scrubber(state)
    for k in (2, 6, 4, 8, 5):
        shown = scrub.show(s, k)
        assert shown == (k // 2) * 2
        want = snapshot_model(s, shown)
        for a, b in zip(trainable_arrays(state.model), trainable_arrays(want)):
            np.testing.assert_array_equal(a, b)
        ref = want.trace(state.x[:1])
        name = state.model.layers[0].name
        np.testing.assert_array_equal(state.trace.layers[name].steps["h"], ref.layers[name].steps["h"])
    assert len(state.undo_stack) == depth + 1  # a burst of scrubbing: one undo entry
    state.undo()
    for a, b in zip(trainable_arrays(state.model), original):
        np.testing.assert_array_equal(a, b)  # the user's model is back
    # an explicit keep is undoable, and the next scrub starts a new entry
    scrub.show(s, 8, keep=True)
    n = len(state.undo_stack)
    scrub.show(s, 2)
    assert len(state.undo_stack) == n + 1


def test_scrubbing_after_the_stack_changed_shows_the_trained_model_not_its_weights_in_another(tmp_path):
    """The stack's model trained on the Train tab, then a layer's activation changed on the
    stack (same names, same weight shapes): scrubbing put the trained weights into the
    changed model (tanh-trained weights in a relu layer, another output) and said "the
    weights at update 2 are shown". The trained model is opened in its place (one undo
    brings the changed stack back), its output the trained model's."""
    state = AppState()
    assert state.model.layers[0].config["activation"] == "tanh"
    _files(tmp_path, T=20)
    data, loss = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.2)
    run = user_session(state.model, data, loss, Settings(batch_size=8, epochs=1), snapshot_every=1)
    for _ in range(2):
        run.step()
    state.set_layer_option(0, "activation", "relu")
    scrub = Scrubber(state)
    assert scrub.show(run, 2) == 2
    assert scrub.replaced  # (the status bar then says the trained model replaced the user's)
    want = snapshot_model(run, 2)
    assert state.model.layers[0].config["activation"] == "tanh"
    x = data.x_val[:3]
    np.testing.assert_array_equal(state.model.trace(x).output, want.trace(x).output)
    state.undo()
    assert state.model.layers[0].config["activation"] == "relu"  # the user's change, back
    # the stack unchanged since: only the weights are swapped (no other undo entry)
    run2 = user_session(state.model, data, loss, Settings(batch_size=8, epochs=1), snapshot_every=1)
    run2.step()
    depth = len(state.undo_stack)
    scrub2 = Scrubber(state)
    scrub2.show(run2, 1)
    assert not scrub2.replaced and state.model.layers[0].config["activation"] == "relu"
    assert len(state.undo_stack) == depth + 1


def test_scrubbing_a_task_run_opens_its_model_once():
    state = AppState()
    s = Settings(task="delay", units=4, steps=8)
    from lstmviz.app.training import TrainingSession

    run = TrainingSession(s, snapshot_every=1)
    for _ in range(3):
        run.step()
    depth = len(state.undo_stack)
    scrub = Scrubber(state)
    scrub.show(run, 1)
    opened = len(state.undo_stack)
    assert opened > depth
    scrub.show(run, 3)
    scrub.show(run, 2)
    assert len(state.undo_stack) == opened
    for a, b in zip(trainable_arrays(state.model), run.weights_at(2)):
        np.testing.assert_array_equal(a, b)


def test_one_undo_after_scrubbing_a_task_run_brings_the_users_work_back():
    """Scrubbing a task's run opens its model on its validation inputs: one undo (as the
    status bar says) puts back the user's stack and input, not the task's model on a
    generated input."""
    state = AppState()
    state.set_input_spec(timesteps=13, source="square")
    before = state.snapshot()
    run = TrainingSession(Settings(task="delay", units=4, steps=8), snapshot_every=1)
    for _ in range(2):
        run.step()
    Scrubber(state).show(run, 2)
    x_val = np.asarray(run.data.x_val[:4], np.float32)
    np.testing.assert_array_equal(state.x, x_val)  # the views show the task's validation inputs
    state.undo()
    assert [e.name for e in state.layers] == [layer[2] for layer in before.layers]
    assert (state.input.source, state.input.timesteps) == ("square", 13)


def test_the_state_says_which_snapshot_its_weights_are_as_long_as_it_holds_them(tmp_path):
    """After scrubbing to update 80 every view showed the trained weights but only a fading
    status-bar message said so. The state says which snapshot they are (``shown_weights``,
    for the views' header): not the stack's own weights (update 0 of a run on them), and
    not once the weights shown are others (an undo, an edit that draws new ones, another
    model); undo and redo carry it with the weights, an input edit keeps it, and a Reset
    of the run makes it a snapshot of an earlier run."""
    state = _state_with_delay_model()
    _files(tmp_path)
    data, loss = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.2)
    s = user_session(state.model, data, loss, Settings(batch_size=8, epochs=3), snapshot_every=2)
    for _ in range(8):
        s.step()
    assert state.shown_weights is None
    scrub = Scrubber(state)
    scrub.show(s, 0)
    assert state.shown_weights is None  # update 0 of a run on the stack's model: its own weights
    scrub.show(s, 4)
    total = s.planned_updates
    assert total == 12  # (3 epochs of 4 updates)
    assert state.shown_weights.forms(s)[0] == "weights of update 4 of 12"
    assert state.shown_weights.forms(s)[-1] == "update 4"  # (the header's shortest form)
    scrub.show(s, 6)
    assert state.shown_weights.forms(s)[0] == "weights of update 6 of 12"
    state.undo()  # the burst of scrubbing, undone: the stack's own weights
    assert state.shown_weights is None
    state.redo()
    assert state.shown_weights.forms(s)[0] == "weights of update 6 of 12"
    state.set_input_spec(seed=5)  # another input: the same weights
    assert state.shown_weights is not None and state.shown_weights.update == 6
    state.undo()
    assert state.shown_weights is not None and state.shown_weights.update == 6
    s.reset()  # the run starts again: update 6 is of the run before
    assert state.shown_weights.forms(s)[0] == "weights of update 6 of an earlier run"
    assert state.shown_weights.forms(None)[0] == "weights of update 6 of an earlier run"
    state.set_layer_option(0, "units", 5)  # new initial weights
    assert state.shown_weights is None
    state.undo()
    assert state.shown_weights.update == 6
    state.new_stack()
    assert state.shown_weights is None
    state.undo()
    assert state.shown_weights.update == 6


def test_a_task_runs_model_shown_says_its_update_and_a_redo_says_what_it_brings_back(tmp_path):
    """Scrubbing a task's run opens its model in place of the user's. Undo, then Redo: the
    status bar said "Redone: back to the stack before" while the trained model was shown
    again; a redo says what it brings back."""
    from lstmviz.app.history import describe_change

    state = AppState()
    state.set_model(state.model, path="/models/mine.keras")  # (the user's opened model)
    run = TrainingSession(Settings(task="delay", units=4, steps=8), snapshot_every=1)
    for _ in range(3):
        run.step()
    Scrubber(state).show(run, 2)
    assert state.shown_weights.replaced
    assert state.shown_weights.forms(run)[0] == f"weights of update 2 of {run.planned_updates:,}"
    scrubbed = state.snapshot()
    assert state.undo()
    undone = state.snapshot()
    assert state.shown_weights is None and state.path == "/models/mine.keras"
    assert describe_change(scrubbed, undone) == "back to mine.keras"
    assert state.redo()
    assert state.shown_weights.update == 2
    assert describe_change(undone, state.snapshot(), redo=True) == "the trained model at update 2"
    # an undo of what came after it brings it back, and says it
    state.new_stack()
    assert state.shown_weights is None
    new = state.snapshot()
    assert state.undo() and state.shown_weights.update == 2
    assert describe_change(new, state.snapshot()) == "back to the trained model at update 2"
    # a redo of what replaced the model without a file, and of an opening, say so
    assert describe_change(scrubbed, undone, redo=True) == "mine.keras again"
    assert describe_change(undone, dataclasses.replace(undone, path=None, model=state.model),
                           redo=True) == "forward to the model after"
    # a run on the user's own model: its weights only, named by their update
    mine = _state_with_delay_model()
    _files(tmp_path)
    data, loss = user_data(mine.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.2)
    own = user_session(mine.model, data, loss, Settings(batch_size=8, epochs=1), snapshot_every=1)
    own.step()
    Scrubber(mine).show(own, 1)
    scrubbed = mine.snapshot()
    assert mine.undo()
    undone = mine.snapshot()
    assert describe_change(scrubbed, undone) == f"the weights of {mine.layers[0].name!r}"
    assert mine.redo()
    assert describe_change(undone, mine.snapshot(), redo=True) == "the weights of update 1"


def test_a_csv_of_targets_has_a_row_per_sample(tmp_path):
    """The Train tab's targets as .csv: the model outputs (None, 1), so each row is a sample's
    target, equal to the .npy of the same numbers."""
    state = _state_with_delay_model()
    x, y = _files(tmp_path)
    np.savetxt(tmp_path / "y.csv", y, delimiter=",", fmt="%.9g")
    from_npy, _ = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse")
    from_csv, _ = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.csv", "mse")
    np.testing.assert_array_equal(from_csv.y_train, from_npy.y_train)
    np.testing.assert_array_equal(from_csv.y_val, from_npy.y_val)
    assert from_csv.y_train.shape == (32, 1)


def test_a_model_that_cannot_be_trained_is_refused_when_its_data_is_opened(tmp_path):
    """A stateful layer (or an ONNX node) is refused when the data is opened, in one line,
    not when Play first computes a gradient."""
    state = AppState()
    state.set_model(tasks.get("delay").model(units=4, steps=10, seed=3))
    spec = state.model.to_spec()
    for ls in spec.layers:
        if ls.class_name == "LSTM":
            ls.config["stateful"] = True
    spec.layers[0].config["batch_shape"] = [40, 10, 1]
    from lstmviz.engine import Model
    model = Model.from_spec(spec)
    _files(tmp_path)
    with pytest.raises(LstmvizError, match="stateful; training needs stateless layers"):
        user_data(model, tmp_path / "x.npy", tmp_path / "y.npy", "mse")


@pytest.mark.parametrize("n, samples, targets", [(1, "1 sample", "2 targets"), (2, "2 samples", "1 target")])
def test_counts_in_refusals_and_the_updates_line_are_singular_for_one(tmp_path, n, samples, targets):
    """'1 targets, but the inputs have 1 samples', '1 samples / batch 32 = 1 updates per
    epoch': a count of one now takes its noun in the singular."""
    state = _state_with_delay_model()
    _files(tmp_path, n=n, y_shape=(3 - n, 1))
    with pytest.raises(LstmvizError) as err:
        user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.0)
    assert str(err.value) == f"y.npy: {targets}, but the inputs have {samples}; expected one target per sample"
    _files(tmp_path, n=n)
    data, loss = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.0)
    s = user_session(state.model, data, loss, Settings(batch_size=32))
    assert s.updates_text() == f"{samples} / batch 32 \u2192 1 update per epoch"


@pytest.mark.parametrize("width, said", [(1, "1 value"), (2, "2 values")])
def test_a_csv_row_of_one_value_is_said_so(tmp_path, width, said):
    from lstmviz.io.csv_numbers import csv_numbers

    path = tmp_path / "x.csv"
    path.write_text("1,2,3\n" + ",".join(["4"] * width) + "\n")
    with path.open() as fh, pytest.raises(LstmvizError) as err:
        csv_numbers(path, fh)
    assert f"line 2 has {said} but the rows before have 3;" in str(err.value)


@pytest.mark.parametrize("what, message", [
    ("nan_x", "x.npy: the input holds NaN or infinity (first at index (3, 4, 0)); replace it with numbers"),
    ("big_x", "x.npy: holds 1e+39 (first at index (0, 0, 0)), "),
    ("nan_y", "y.npy: the target holds NaN or infinity (first at index (2, 0)); replace it with numbers"),
    ("nan_csv", "x.csv: line 2, column 1: 'nan' is not a number a model takes (NaN or infinity); replace it"),
])
def test_inputs_and_targets_that_are_not_numbers_are_refused_by_their_file_name(tmp_path, recwarn, what, message):
    """The Train tab's own-data box took inputs holding NaN (a run that then did nothing, or
    stopped with "the weights overflowed, lower the learning rate"), refused float64 inputs
    past float32's range as "the input holds NaN or infinity" of finite numbers (naming no
    file, after NumPy's "overflow encountered in cast" warning), and named a NaN target or
    a .csv's 'nan' by the whole path ("/tmp/.../my data/y.npy: ..."). Each is refused in one
    line that starts with the file's name, as a shape refusal does, and warns nothing."""
    state = _state_with_delay_model()
    d = tmp_path / "my data"
    d.mkdir()
    x = np.random.default_rng(0).uniform(-1, 1, (8, 10, 1)).astype(np.float32)
    y = x[:, 0, :].copy()
    xp, yp = d / "x.npy", d / "y.npy"
    if what == "nan_x":
        x[3, 4, 0] = np.nan
    elif what == "big_x":
        x = np.full((8, 10, 1), 1e39)
    elif what == "nan_y":
        y[2, 0] = np.nan
    else:
        xp = d / "x.csv"
        xp.write_text("0.5\nnan\n" + "0.1\n" * 8)
    np.save(d / "x.npy", x)
    np.save(yp, y if what != "nan_csv" else y[:1])
    with pytest.raises(LstmvizError) as err:
        user_data(state.model, xp, yp, "mse", 0.2)
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value) and str(d) not in str(err.value)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_the_train_tab_takes_targets_of_shape_n_for_an_output_of_one_unit(tmp_path):
    """"Your model and data": targets saved as (40,) for the delay model's output (None, 1)
    were refused ("targets of shape (40,), but the model outputs (None, 1)"); they are one
    number a sample, taken as (40, 1). For a model of 3 outputs the refusal names both."""
    state = _state_with_delay_model()
    x, y = _files(tmp_path)
    np.save(tmp_path / "y1.npy", y[:, 0])
    data, _ = user_data(state.model, tmp_path / "x.npy", tmp_path / "y1.npy", "mse", 0.25)
    np.testing.assert_array_equal(data.y_train, y[:30])
    np.testing.assert_array_equal(data.y_val, y[30:])
    from lstmviz.engine import LayerSpec, Model
    three = Model.sequential((None, 10, 1), [LayerSpec("LSTM", {"units": 4}), LayerSpec("Dense", {"units": 3})],
                             seed=1)
    with pytest.raises(LstmvizError) as err:
        user_data(three, tmp_path / "x.npy", tmp_path / "y1.npy", "mse", 0.25)
    assert str(err.value) == ("y1.npy: targets of shape (40,), but the model outputs (None, 3); "
                              "mse expects shape (40, 3)")


def test_user_data_cuts_where_keras_fit_cuts(tmp_path):
    """The Train tab's split is Keras' (the engine's ``split_at``, as ``lstmviz.fit``'s):
    ``floor(n * (1 - split))`` train; it took ``n - int(n * split)``, one more here."""
    state = _state_with_delay_model()
    x, _ = _files(tmp_path, n=10)
    data, _ = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.25)
    np.testing.assert_array_equal(data.x_train, x[:7])
    np.testing.assert_array_equal(data.x_val, x[7:])
    _files(tmp_path, n=1)
    with pytest.raises(LstmvizError, match="^1 sample leaves none to train on with a validation split of 0.2;"):
        user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.2)


def test_a_users_batch_normalization_trains_by_batches_and_its_snapshots_keep_the_moving_statistics(tmp_path):
    # the Train tab's run of the user's model: each update as fit (the batch's statistics,
    # the moving ones moved); a snapshot holds the moving statistics, and the trace the
    # views show (scrubbed to it) normalises by them, as predict
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.engine.layers import model_arrays

    state = AppState()
    state.set_model(Model.sequential((None, 10, 1), [LayerSpec("LSTM", {"units": 4}, name="lstm"),
                                                     LayerSpec("BatchNormalization", {"momentum": 0.5}, name="bn"),
                                                     LayerSpec("Dense", {"units": 1})]))
    x, y = _files(tmp_path)
    data, loss = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.25)
    s = user_session(state.model, data, loss, Settings(optimizer="adam", learning_rate=0.01, batch_size=8,
                                                       epochs=1, shuffle=False), snapshot_every=2)
    for _ in range(4):
        s.step()
    ref = copy_model(state.model)
    tr = Trainer(ref, x[:30], y[:30], "mse", "adam", 8, 1, False, 0, learning_rate=0.01)
    while not tr.done:
        tr.step()
    for a, b in zip(model_arrays(s.model), model_arrays(ref)):
        np.testing.assert_array_equal(a, b)
    bn = s.model.get_layer("bn")
    mine = state.model.get_layer("bn").named_weights()
    assert not np.array_equal(bn.named_weights()["moving_mean"], mine["moving_mean"])
    shown = Scrubber(state).show(s, 2)
    want = snapshot_model(s, shown)
    for a, b in zip(model_arrays(state.model), model_arrays(want)):
        np.testing.assert_array_equal(a, b)  # the moving statistics after update 2 too
    stats = state.model.get_layer("bn").named_weights()
    h = state.trace.layers["lstm"].outputs[0]
    np.testing.assert_allclose(
        state.trace.layers["bn"].outputs[0],
        (h - stats["moving_mean"]) / np.sqrt(stats["moving_variance"] + np.float32(1e-3)) * stats["gamma"]
        + stats["beta"],
        rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("through_session", [False, True])
def test_a_run_put_on_the_stack_goes_on_with_its_optimizer_in_the_next_run(tmp_path, through_session):
    """After "Put on the stack" (and a session saved and reopened), the next run restarted
    Adam: Keras' next fit goes on with the compiled optimizer's state. N updates, put on the
    stack, M more are one run of N + M, to the bit."""
    from lstmviz.app.session import open_session, save_session
    from lstmviz.app.train_user import compiled_settings
    from lstmviz.engine.compiled import of, state_of

    state = _state_with_delay_model()
    _files(tmp_path)
    data, loss = user_data(state.model, tmp_path / "x.npy", tmp_path / "y.npy", "mse", 0.2)
    plain = Settings(batch_size=8, epochs=3, shuffle=False, learning_rate=0.01)  # (4 updates per epoch)
    whole = user_session(state.model, data, loss, plain)
    for _ in range(12):
        whole.step()
    first = user_session(state.model, data, loss, dataclasses.replace(plain))
    for _ in range(4):  # (one epoch: the next run begins its batches where the whole run's 2nd epoch does)
        first.step()
    first.keep_current()
    Scrubber(state).show(first, 4, keep=True)
    assert of(state.model)["run"] and state_of(state.model)[0].iterations == 4
    if through_session:
        save_session(state, tmp_path / "work.lstmviz")
        state = AppState()
        open_session(state, tmp_path / "work.lstmviz")
    settings, said = compiled_settings(state.model, Settings(batch_size=8, epochs=2, shuffle=False))
    assert said == "optimizer Adam(learning_rate=0.01) from the run put on the stack"
    second = user_session(state.model, data, loss, settings)
    assert second.resumed == 4 and second.resume_note == ""
    for _ in range(8):
        second.step()
    for a, b in zip(trainable_arrays(second.model), trainable_arrays(whole.model)):
        np.testing.assert_array_equal(a, b)
    # a snapshot before the run's latest update has no state of its own: the next run starts afresh
    earlier = AppState()
    earlier.set_model(tasks.get("delay").model(units=4, steps=10, seed=3))
    Scrubber(earlier).show(first, 0, keep=True)
    assert of(earlier.model)["run"] and state_of(earlier.model) == (None, "")
