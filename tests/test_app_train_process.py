"""Training in a process of its own (app/train_process.py): a run played there gives, to the
bit, the weights, histories and snapshots of the same updates run here, across a pause and
a learning rate changed while it plays; a reset while it plays drops what comes back; a
child that dies takes the run back to where Play started."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from lstmviz.app.train_process import TrainProcess
from lstmviz.app.training import Settings, TrainingSession
from lstmviz.engine.train import trainable_arrays


def _tiny(**kw) -> TrainingSession:
    # 8 updates per epoch with a validation loss at each epoch's end; snapshots every 3
    return TrainingSession(Settings(task="delay", units=3, steps=6, **kw), snapshot_every=3)


def _until(cond, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.002)


def _assert_same_run(a: TrainingSession, b: TrainingSession) -> None:
    assert a.iteration == b.iteration and a.view().epoch == b.view().epoch
    for x, y in zip(trainable_arrays(a.model), trainable_arrays(b.model), strict=True):
        assert np.array_equal(x, y)
    assert a.history == b.history  # every loss, norm, epoch and validation loss, exactly
    assert [it for it, _ in a.snapshots] == [it for it, _ in b.snapshots]
    for (_, x), (_, y) in zip(a.snapshots, b.snapshots):
        assert all(np.array_equal(p, q) for p, q in zip(x, y, strict=True))
    assert np.array_equal(a.dh_norm, b.dh_norm) and np.array_equal(a.dc_norm, b.dc_norm)
    assert all(np.array_equal(p, q) for p, q in zip(a.before_last, b.before_last, strict=True))
    assert a.learning_rates == b.learning_rates


@pytest.fixture(scope="module")
def process():
    p = TrainProcess()
    yield p
    p.close()


def test_a_run_played_in_the_process_equals_steps_here(process):
    played = _tiny(shuffle=True)
    assert process.play(played), process.reason
    assert process.playing and process.alive and process.pid != os.getpid()
    _until(lambda: played.iteration >= 5)
    played.set_learning_rate(0.02)  # while it plays: taken at the child's next update
    process.set_learning_rate(0.02)
    # the child may be updates ahead of what has come back: wait until the new rate was taken
    _until(lambda: len(played.learning_rates) == 2 and played.iteration >= 12)
    process.pause()
    assert not process.playing and process.error == ""
    paused_at = played.iteration
    time.sleep(0.05)
    assert played.iteration == paused_at  # paused means paused
    assert len(played.learning_rates) == 2 and played.learning_rates[1][1] == 0.02
    assert played.trainer.optimizer.iterations == paused_at  # the trainer's state came back

    assert process.play(played, until=paused_at + 20)  # resume: the same child, no data sent again
    assert process.wait(30) and played.iteration == paused_at + 20

    here = _tiny(shuffle=True)
    rates = dict(played.learning_rates)
    for i in range(1, played.iteration + 1):
        if i in rates:
            here.set_learning_rate(rates[i])
        here.step()
    _assert_same_run(played, here)
    assert len(played.snapshots) == 1 + played.iteration // 3 and played.history.val_loss
    played.step()  # a step here after the process: the optimizer's moments and the order came back
    here.step()
    _assert_same_run(played, here)


def test_reset_while_playing_restores_the_initial_weights(process):
    s = _tiny()
    fresh = _tiny()
    assert process.play(s)
    _until(lambda: s.iteration >= 4)
    s.reset()  # without pausing first: what the child sends for the old run is dropped
    assert s.iteration == 0
    time.sleep(0.1)
    process.pause()
    assert s.iteration == 0 and s.history.loss == [] and len(s.snapshots) == 1
    for a, w in zip(trainable_arrays(s.model), s.initial, strict=True):
        assert np.array_equal(a, w)
    s.step()
    fresh.step()
    _assert_same_run(s, fresh)


def test_a_new_configuration_is_sent_again(process):
    s = _tiny()
    assert process.play(s, until=3) and process.wait(30)
    s.configure(Settings(task="sine", cell="GRU", units=2, steps=5))
    assert process.play(s, until=4) and process.wait(30)
    here = TrainingSession(Settings(task="sine", cell="GRU", units=2, steps=5), snapshot_every=3)
    for _ in range(4):
        here.step()
    _assert_same_run(s, here)


def test_a_child_that_dies_takes_the_run_back_to_play():
    p = TrainProcess()
    try:
        s = _tiny()
        for _ in range(2):
            s.step()
        at_play = [a.copy() for a in trainable_arrays(s.model)]
        assert p.play(s)
        _until(lambda: s.iteration >= 6)
        os.kill(p.pid, signal.SIGKILL)
        assert p.wait(30) and not p.playing
        assert "the training process ended" in p.error and "update 2" in p.error
        assert s.iteration == 2 and len(s.history.loss) == 2
        for a, w in zip(trainable_arrays(s.model), at_play, strict=True):
            assert np.array_equal(a, w)
        assert p.play(s, until=3) and p.wait(30)  # a new child
        assert s.iteration == 3
    finally:
        p.close()


def test_no_process_says_why(monkeypatch):
    from lstmviz.app import train_process

    def refuse(_method):
        raise OSError("no processes here")

    monkeypatch.setattr(train_process.multiprocessing, "get_context", refuse)
    p = TrainProcess()
    s = _tiny()
    assert not p.play(s) and not p.playing
    assert "could not start" in p.reason and "no processes here" in p.reason


def _assert_same_probe(a, b) -> None:
    """Two ``grad_stats.ProbeView``s hold the same numbers, to the bit."""
    from dataclasses import fields

    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name in ("gates", "gates0"):
            assert list(x) == list(y)
            for key in x:
                for part in ("mean", "low", "high"):
                    assert np.array_equal(getattr(x[key], part), getattr(y[key], part)), (f.name, key, part)
        elif isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert np.array_equal(x, y), f.name
        elif f.name == "loss":
            assert np.array_equal(x, y, equal_nan=True)
        else:
            assert x == y, f.name


@pytest.mark.parametrize(("cell", "layer", "sample", "parts"), [
    ("LSTM", 0, 3, ("dh", "connectivity", "gates", "updates")), ("GRU", 0, 1, ("gates",)),
    ("SimpleRNN", 0, 0, ("updates", "dh"))])
def test_the_probe_computed_in_the_process_equals_the_one_here(process, cell, layer, sample, parts):
    """While it plays, the child computes what the gradient view on screen asks for (the
    window's interpreter stays free): the same numbers as ``Probe.compute`` here at the same
    update, and at the end of a run that finishes by itself, that update's."""
    from lstmviz.app import grad_stats as G

    played = _tiny(cell=cell)
    process.request_probe((layer, sample, parts))
    assert process.play(played, until=9) and process.wait(30)
    got = process.probe
    assert got is not None and got.error == "" and got.request == (layer, sample, parts)
    assert got.generation == played.generation and got.iteration == 9  # probed where it finished
    here = _tiny(cell=cell)
    for _ in range(got.iteration):
        here.step()
    want = G.Probe(here).compute(layer, sample, parts)
    _assert_same_probe(got.view, want)
    assert (got.view.updates is not None) == ("updates" in parts)
    assert (got.view.gates0 != {}) == ("gates" in parts)
    process.request_probe(None)
    assert process.play(played, until=12) and process.wait(30)
    assert process.probe is None  # nothing asked: nothing computed


def test_a_probe_computed_while_it_plays_is_that_updates(process):
    from lstmviz.app import grad_stats as G

    played = _tiny()
    request = (0, 2, ("gates", "updates"))
    process.request_probe(request)
    assert process.play(played)
    _until(lambda: process.probe is not None)
    process.pause()  # a pause computes no probe: the one that came back is from under way
    got = process.probe
    here = _tiny()
    for _ in range(got.iteration):
        here.step()
    _assert_same_probe(got.view, G.Probe(here).compute(*request))
    process.request_probe(None)


def test_a_probe_that_fails_in_the_process_does_not_stop_the_run(process):
    s = _tiny()
    process.request_probe(("not a layer", 0, ("gates",)))
    assert process.play(s, until=5) and process.wait(30)
    assert s.iteration == 5 and process.error == ""
    got = process.probe
    assert got.view is None and got.error.startswith("the probe failed: TypeError")
    process.request_probe(None)


def test_a_run_played_in_the_process_keeps_its_snapshots_within_their_budget(process, monkeypatch):
    # the budget is the window's: snapshots thinned there, the child told the wider spacing
    from lstmviz import limits

    def run():
        return TrainingSession(Settings(task="delay", units=3, steps=6, epochs=40), snapshot_every=1)

    played = run()
    budget = 10 * sum(a.nbytes for a in trainable_arrays(played.model))
    monkeypatch.setattr(limits, "SNAPSHOT_SHARE", (budget + 0.5) / limits.memory_limit())
    assert process.play(played, until=150), process.reason
    assert process.wait(60) and played.iteration == 150 and process.error == ""
    assert len(played.snapshots) <= 10 and played.snapshot_stride >= 16
    assert process._play is not None and process._play.stride == played.snapshot_stride
    here = run()
    for _ in range(150):
        here.step()
    _assert_same_run(played, here)  # the same snapshots, the same bits
    played.keep_current()
    assert played.snapshots[-1][0] == 150 and len(played.snapshots) <= 10


def test_snapshots_on_their_way_from_the_process_are_counted_in_the_budget(process, monkeypatch):
    """Records of quick updates come in one message per 20 ms: the delay task's tiny model
    snapshotted every update sent 29 snapshots in one message while its budget held 10, so
    those kept plus those on their way were 3 to 4 times the budget. A message now carries
    at most ``in_flight_most`` snapshots and the session keeps room for two such (the one
    read here, the one the child writes meanwhile): never more than the budget in all."""
    from lstmviz import limits

    def run():
        return TrainingSession(Settings(task="delay", units=3, steps=6, epochs=40), snapshot_every=1)

    played = run()
    nbytes = sum(a.nbytes for a in trainable_arrays(played.model))
    budget = 10 * nbytes
    monkeypatch.setattr(limits, "SNAPSHOT_SHARE", (budget + 0.5) / limits.memory_limit())
    seen = []
    apply = played.apply_records

    def spy(generation, records, before, after):
        held = sum({id(a): a.nbytes for _, arrays in played.snapshots for a in arrays}.values())
        seen.append((held, sum(r.snapshot is not None for r in records)))
        return apply(generation, records, before, after)

    monkeypatch.setattr(played, "apply_records", spy)
    assert process.play(played, until=300), process.reason
    assert process.wait(60) and played.iteration == 300 and process.error == ""
    assert len(seen) > 3
    for held, coming in seen:  # kept, the message read now, and one more the child writes
        assert held + 2 * coming * nbytes <= budget, (held // nbytes, coming)
    here = run()
    for _ in range(300):
        here.step()
    _assert_same_run(played, here)  # the same snapshots as training in the window
