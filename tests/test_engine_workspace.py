"""The engine recycles the memory of traces nobody holds, and never memory still in use."""

from __future__ import annotations

import gc

import numpy as np

from lstmviz.engine import LayerSpec, Model, workspace


def _big_model():
    # 128 units, batch 16, 40 steps: gates (40, 512, 16) float32 = 1.25 MiB, pooled
    return Model.sequential((None, None, 8), [LayerSpec("LSTM", {"units": 128,
                            "return_sequences": True}, name="lstm")], seed=0)


def _x(seed):
    return np.random.default_rng(seed).normal(size=(16, 40, 8)).astype(np.float32)


def _snapshot(trace):
    steps = trace["lstm"].steps
    return {k: np.array(steps[k]) for k in ("i", "f", "c_tilde", "o", "c", "h")}


def test_traces_alive_keep_their_own_numbers():
    model = _big_model()
    a = model.trace(_x(1))
    want_a = _snapshot(a)
    b = model.trace(_x(2))  # may not reuse a's memory: a is alive
    for k, v in want_a.items():
        np.testing.assert_array_equal(a["lstm"].steps[k], v, err_msg=k)
    assert not np.array_equal(a["lstm"].steps["h"], b["lstm"].steps["h"])


def test_a_view_kept_from_a_dropped_trace_keeps_its_numbers():
    model = _big_model()
    h = model.trace(_x(1))["lstm"].steps["i"][3]  # the trace itself is gone (gates: pooled)
    want = h.copy()
    gc.collect()
    for seed in range(2, 5):
        model.trace(_x(seed))
    np.testing.assert_array_equal(h, want)


def test_memory_of_dropped_traces_is_reused_and_can_be_released():
    model = _big_model()
    workspace.release()
    model.trace(_x(1))
    gc.collect()
    used, kept = workspace.held()
    assert used == 0 and kept > 0
    blocks = {id(b) for b in workspace._blocks}
    t = model.trace(_x(2))
    assert {id(b) for b in workspace._blocks} == blocks  # nothing new allocated
    assert workspace.held()[0] == kept
    del t
    gc.collect()
    assert workspace.release() == kept
    assert workspace.held() == (0, 0)


def test_small_arrays_are_plain_numpy():
    a = workspace.empty((4, 5))
    assert a.base is None and a.shape == (4, 5) and a.dtype == np.float32


def test_capacity_is_respected(monkeypatch):
    monkeypatch.setattr(workspace, "CAPACITY", 3 << 20)
    workspace.release()
    held = [workspace.empty((1 << 18,)) for _ in range(5)]  # 1 MiB each, all in use
    assert sum(b.nbytes for b in workspace._blocks) <= 3 << 20
    assert all(a.shape == (1 << 18,) for a in held)
    del held
    gc.collect()
    workspace.release()
