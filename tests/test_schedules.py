"""A compiled optimizer's learning-rate schedule, computed per update as Keras' ``fit`` does
(Keras 3.15's and tf_keras 2.21's weights and losses: ``scripts/make_metric_fixtures.py``),
going on from a restored optimizer's iterations, and said in words."""

from __future__ import annotations

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES
from lstmviz.engine import schedules as S
from lstmviz.engine.compiled import describe, of, read_compile_config
from lstmviz.engine.train import trainable_arrays
from lstmviz.io.keras_writer import save_keras

HERE = FIXTURES / "metrics"
FIT = {"batch_size": 5, "epochs": 3, "shuffle": False, "validation_split": 0.25}
CASES = ["exponential", "exponential_staircase", "polynomial", "polynomial_cycle", "piecewise", "inverse_time",
         "inverse_time_staircase", "cosine", "cosine_warmup", "cosine_restarts"]


def _npz():
    return np.load(HERE / "fit.npz")


def _fit_equals_keras(model, npz, case):
    history = lstmviz.fit(model, npz["x"], npz["y_schedule"], **FIT)
    np.testing.assert_allclose(history.history["loss"], npz[f"{case}__loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"], npz[f"{case}__val_loss"], rtol=1e-5)
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_allclose(a, npz[f"{case}_w{k}"], atol=2e-6)


@pytest.mark.parametrize("name", CASES)
def test_fit_with_a_compiled_schedule_is_keras_fit(name):
    npz = _npz()
    model = lstmviz.load(HERE / f"schedule_{name}.keras")
    assert model.source["notes"] == []
    _fit_equals_keras(model, npz, f"schedule_{name}")
    # a fixed rate (the schedule's first) moves the weights elsewhere: the schedule is what matched
    fixed = lstmviz.load(HERE / f"schedule_{name}.keras")
    lstmviz.fit(fixed, npz["x"], npz["y_schedule"], optimizer="sgd",
                learning_rate=float(S.from_plain(of(fixed)["optimizer"]["options"]["schedule"])(0)), **FIT)
    assert not np.allclose(trainable_arrays(fixed)[0], npz[f"schedule_{name}_w0"], atol=1e-5)


def test_a_schedule_goes_on_from_the_iterations_a_trained_file_saved():
    npz = _npz()
    model = lstmviz.load(HERE / "schedule_trained.keras")  # (Keras saves no learning-rate variable then)
    assert "its state saved after 3 updates goes on in fit" in model.summary_text()
    assert int(npz["schedule_trained_before"]) == 3
    _fit_equals_keras(model, npz, "schedule_trained")


def test_a_keras2_files_schedule_is_tf_keras_fit():
    _fit_equals_keras(lstmviz.load(HERE / "legacy_schedule.h5"), _npz(), "legacy_schedule")


def test_a_model_trained_here_keeps_its_schedule_in_the_file_it_saves(tmp_path):
    npz = _npz()
    model = lstmviz.load(HERE / "schedule_trained.keras")
    lstmviz.fit(model, npz["x"], npz["y_schedule"], batch_size=5, epochs=1, shuffle=False)
    save_keras(model, tmp_path / "again.keras")
    again = lstmviz.load(tmp_path / "again.keras")
    assert of(again)["optimizer"]["options"]["schedule"] == of(model)["optimizer"]["options"]["schedule"]
    assert "its state saved after 6 updates goes on in fit" in again.summary_text()
    # the rest of the run goes on as one longer run would
    whole = lstmviz.load(HERE / "schedule_trained.keras")
    lstmviz.fit(whole, npz["x"], npz["y_schedule"], batch_size=5, epochs=2, shuffle=False)
    lstmviz.fit(again, npz["x"], npz["y_schedule"], batch_size=5, epochs=1, shuffle=False)
    for a, b in zip(trainable_arrays(again), trainable_arrays(whole)):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("kind, config, at", [
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "end_learning_rate": 0.0}, {0: 0.1, 5: 0.05,
                                                                                                  20: 0.0}),
    ("PiecewiseConstantDecay", {"boundaries": [2, 4], "values": [1.0, 0.5, 0.1]}, {2: 1.0, 3: 0.5, 4: 0.5, 5: 0.1}),
    ("ExponentialDecay", {"initial_learning_rate": 1.0, "decay_steps": 2, "decay_rate": 0.5, "staircase": True},
     {1: 1.0, 2: 0.5, 5: 0.25}),
    ("CosineDecay", {"initial_learning_rate": 1.0, "decay_steps": 4, "alpha": 0.0}, {0: 1.0, 2: 0.5, 9: 0.0}),
])
def test_each_schedule_gives_keras_rate_at_a_step(kind, config, at):
    schedule = S.read({"class_name": kind, "config": config})
    for step, rate in at.items():
        assert schedule(step) == pytest.approx(rate, abs=1e-7)


@pytest.mark.parametrize("rate, note", [
    ({"class_name": "CyclicLR", "config": {}}, "learning-rate schedule 'CyclicLR' is not one lstmviz computes"),
    ({"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 0,
                                                   "decay_rate": 0.5}}, "decay steps 0 are not positive"),
    ({"class_name": "PolynomialDecay", "config": {"initial_learning_rate": "x\x1b", "decay_steps": 3}},
     "initial_learning_rate='x\\x1b' is not a number"),
    ({"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 10**400, "decay_steps": 3,
                                                   "decay_rate": 0.5}}, "is beyond float32's range"),
    ({"class_name": "PiecewiseConstantDecay", "config": {"boundaries": [10**400], "values": [1.0, 0.5]}},
     "boundaries hold a number beyond float32's range"),
    ({"class_name": "PiecewiseConstantDecay", "config": {"boundaries": [2], "values": [1.0, float("nan")]}},
     "values are not numbers"),
])
def test_a_schedule_not_computed_is_one_escaped_note(rate, note):
    compiled = read_compile_config({"loss": "mse", "optimizer": {"class_name": "Adam", "config": {
        "learning_rate": rate}}})
    (said,) = compiled["notes"]
    assert note in said and "\n" not in said and "\x1b" not in said
    assert said.startswith("compile_config: optimizer Adam's ")
    assert compiled["optimizer"] is None


def test_the_summary_and_the_train_tabs_line_say_the_schedule_in_words():
    model = lstmviz.load(HERE / "schedule_polynomial_cycle.keras")
    said = "learning rate 0.3 down to 0.01 over 3 updates (power 1.5, again and again over multiples of them"
    assert said in model.summary_text()
    assert describe(of(model), short=True) == f"loss mse, optimizer SGD() with a {said}; PolynomialDecay)"


def test_the_train_tabs_record_of_each_update_holds_the_schedules_rate():
    from types import SimpleNamespace

    from lstmviz.app.training import advance
    from lstmviz.engine.compiled import compiled_optimizer
    from lstmviz.engine.train import Trainer

    npz = _npz()
    model = lstmviz.load(HERE / "schedule_piecewise.keras")
    schedule = S.from_plain(of(model)["optimizer"]["options"]["schedule"])
    trainer = Trainer(model, npz["x"], npz["y_schedule"], "mse", compiled_optimizer(model), batch_size=2, epochs=2,
                      shuffle=False)
    data = SimpleNamespace(x_val=npz["x"][:0], y_val=npz["y_schedule"][:0])
    rates = [advance(model, trainer, data, "mse", 0)[1].learning_rate for _ in range(7)]
    assert rates == [float(schedule(k)) for k in range(7)] and len(set(rates)) == 3  # (0.3 x3, 0.1 x3, 0.02)


@pytest.mark.parametrize("cfg, said", [
    ({"class_name": "PolynomialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 7812500,
                                                  "end_learning_rate": 0.0001, "power": 1.0, "cycle": False}},
     "learning rate 0.1 down to 0.0001 over 7,812,500 updates (power 1; PolynomialDecay)"),
    ({"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.5,
                                                   "staircase": True}},
     "learning rate 0.1 times 0.5 every 1 update (in steps) (ExponentialDecay)"),
    ({"class_name": "PiecewiseConstantDecay",
      "config": {"boundaries": [100000, 2500000], "values": [0.1, 0.01, 0.001]}},
     "learning rate 0.1 while iterations <= 100,000, 0.01 while <= 2,500,000, "
     "then 0.001 (PiecewiseConstantDecay)"),
])
def test_a_schedules_counts_of_updates_are_written_as_the_train_tabs_others(cfg, said):
    """The Train tab said "over 7812500 updates" beside its "1,362,326 updates": the counts
    now take text.plural's thousands commas (and "1 update", not "1 updates")."""
    assert S.read(cfg).words() == said
