"""The gradient views' numbers (app/grad_stats.py) against independent computations:
connectivity against float64 central finite differences of the model's output, gate
saturation and update sizes against plain NumPy over the trace and the fused weights."""

from __future__ import annotations

import numpy as np
import pytest
from test_grad_finite_diff import _randomize, float64_engine, seq

from lstmviz.app import grad_stats as G
from lstmviz.app.training import Settings, TrainingSession
from lstmviz.engine import LayerSpec, Model
from lstmviz.engine.gradients import gradients


def fd_connectivity(model, x, eps=1e-6):
    """||dy_T/dx_t||_F by central differences of the output at the last step."""
    def y_last(a):
        y = model.trace(a).outputs[0]
        return y[0] if y.ndim == 2 else y[0, -1]

    T, d = x.shape[1], x.shape[2]
    out = np.zeros(T)
    for t in range(T):
        total = 0.0
        for k in range(d):
            up, down = x.copy(), x.copy()
            up[0, t, k] += eps
            down[0, t, k] -= eps
            col = (y_last(up) - y_last(down)) / (2 * eps)
            total += float(np.sum(col ** 2))
        out[t] = np.sqrt(total)
    return out


CONN_CASES = [
    ("LSTM", [("LSTM", {"units": 4}), ("Dense", {"units": 2})]),
    ("GRU-seq", [("GRU", {"units": 3, "return_sequences": True}),
                 ("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 2}}})]),
    ("SimpleRNN-back", [("SimpleRNN", {"units": 4, "go_backwards": True}), ("Dense", {"units": 3})]),
    ("Bidirectional", [("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"units": 3}}}),
                       ("Dense", {"units": 1, "activation": "sigmoid"})]),
]


@pytest.mark.parametrize("name,layers", CONN_CASES, ids=[c[0] for c in CONN_CASES])
def test_connectivity_equals_float64_finite_differences(name, layers):
    rng = np.random.default_rng(3)
    with float64_engine():
        model = seq((None, 6, 3), *layers)
        _randomize(model, rng, scale=0.7)
        x = rng.normal(size=(1, 6, 3))
        got = G.connectivity(model, x)
        want = fd_connectivity(model, x)
    assert got.shape == (6,)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    assert want.max() > 1e-3  # a real signal, not zeros on both sides


def test_connectivity_of_token_ids_is_over_the_embedding_vectors():
    """Token ids: x_t is the embedding vector at step t; the same model fed those vectors
    directly, differentiated by finite differences, gives the same norms."""
    rng = np.random.default_rng(5)
    with float64_engine():
        model = Model.sequential((None, 5), [LayerSpec("Embedding", {"input_dim": 7, "output_dim": 3}),
                                             LayerSpec("GRU", {"units": 4}), LayerSpec("Dense", {"units": 2})])
        _randomize(model, rng, scale=0.7)
        ids = np.array([[1, 4, 2, 6, 3]])
        got = G.connectivity(model, ids)
        rest = Model.sequential((None, 5, 3), [LayerSpec("GRU", {"units": 4}), LayerSpec("Dense", {"units": 2})])
        rest.layers[0].set_weights(model.layers[1].weights)
        rest.layers[1].set_weights(model.layers[2].weights)
        for ly in rest.layers[:2]:
            ly.weights = [w.astype(np.float64) for w in ly.weights]
        vectors = model.layers[0].weights[0][ids]
        want = fd_connectivity(rest, vectors)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_signed_log_scale():
    v, m = G.signed_log(np.array([[2.0, -0.02, 2e-5, 0.0, -2e-9]]), decades=4)
    assert m == 2.0
    np.testing.assert_allclose(v, [[1.0, -0.5, 0.0, 0.0, -0.0]], atol=1e-12)
    v, m = G.signed_log(np.zeros((2, 3)))
    assert m == 0.0 and not v.any()


def test_gate_stats_equal_a_plain_count_with_masked_steps_left_out():
    rng = np.random.default_rng(2)
    model = seq((None, 6, 2), ("Masking", {}), ("LSTM", {"units": 5, "return_sequences": True}))
    for w in model.layers[1].weights:
        w[...] = rng.normal(size=w.shape) * 2
    x = rng.normal(size=(4, 6, 2)).astype(np.float32)
    x[1, 4:] = 0.0  # masked
    rec = model.trace(x).layers[model.layers[1].name]
    stats = G.gate_stats(rec, model.layers[1].cell)
    assert list(stats) == ["i", "f", "o"]  # the gates squashed to 0..1, in Keras' order
    keep = [(b, t) for b in range(4) for t in range(6) if not (b == 1 and t >= 4)]
    for key, s in stats.items():
        vals = np.array([[rec.steps[key][b, t, u] for b, t in keep] for u in range(5)])
        np.testing.assert_allclose(s.mean, vals.mean(1), rtol=1e-6)
        np.testing.assert_allclose(s.low, (vals < 0.1).mean(1))
        np.testing.assert_allclose(s.high, (vals > 0.9).mean(1))
    assert any(s.high.any() or s.low.any() for s in stats.values())


@pytest.mark.parametrize("kind,cfg,letters", [("LSTM", {}, "ifco"), ("GRU", {}, "zrh"),
                                              ("GRU", {"reset_after": False}, "zrh"), ("SimpleRNN", {}, "")])
def test_update_blocks_are_the_gate_columns(kind, cfg, letters):
    rng = np.random.default_rng(0)
    u = 3
    model = seq((None, 4, 2), (kind, {"units": u, **cfg}), ("Dense", {"units": 1}))
    from lstmviz.engine.train import trainable_arrays

    before = [rng.normal(size=a.shape).astype(np.float32) for a in trainable_arrays(model)]
    after = [a + rng.normal(size=a.shape).astype(np.float32) * 0.01 for a in before]
    ref = G.recurrent_layers(model)[0]
    blocks = G.update_blocks(model, ref, before, after)
    k = max(1, len(letters))
    assert [(b.weight, b.letter) for b in blocks] == [
        (w, g) for w in ("kernel", "recurrent_kernel", "bias") for g in (letters or [""])]
    for b in blocks:
        j = ("kernel", "recurrent_kernel", "bias").index(b.weight)
        g = letters.index(b.letter) if letters else 0
        cols = slice(g * u, (g + 1) * u)
        w0, w1 = before[j][..., cols].astype(np.float64), after[j][..., cols].astype(np.float64)
        assert before[j].shape[-1] == k * u
        assert b.delta == pytest.approx(np.sqrt(((w1 - w0) ** 2).sum()), rel=1e-9)
        assert b.ratio == pytest.approx(b.delta / np.sqrt((w0 ** 2).sum()), rel=1e-9)


def test_probe_draws_the_engine_numbers_of_one_validation_sample():
    s = TrainingSession(Settings(task="delay", cell="LSTM", units=4, steps=8, seed=0))
    probe = G.Probe(s)
    v0 = probe.compute(sample=2)
    assert v0.updates is None and v0.iteration == 0
    for _ in range(3):
        s.step()
    v = probe.compute(sample=2)
    x, y = s.data.x_val[2:3], s.data.y_val[2:3]
    g = gradients(s.model, x, y, s.loss)
    # the probe's own copy of the model: float32 products may round in the last bit
    np.testing.assert_allclose(v.dh, g.layers["lstm"].steps["dh"][0].T, rtol=1e-5, atol=1e-10)
    assert v.loss == pytest.approx(g.loss, rel=1e-6)
    np.testing.assert_allclose(v.connectivity, G.connectivity(s.model, x), rtol=1e-5)
    # the update shown is the last one: weights before it, weights now
    from lstmviz.engine.train import trainable_arrays

    blocks = G.update_blocks(s.model, v.ref, s.before_last, trainable_arrays(s.model))
    assert [b.ratio for b in v.updates] == pytest.approx([b.ratio for b in blocks])
    assert all(b.delta > 0 for b in v.updates)
    # at the initial weights: the same numbers as before training
    np.testing.assert_allclose(v.connectivity0, v0.connectivity, rtol=1e-6)
    np.testing.assert_allclose(v.gates0["f"].mean, v0.gates["f"].mean, rtol=1e-6)
    np.testing.assert_allclose(v0.gates["f"].mean, 1 / (1 + np.exp(-1)), atol=0.05)  # forget bias 1


def test_probe_of_a_users_bidirectional_and_stacked_model():
    """Every recurrent cell is offered: a Bidirectional's halves and a stacked RNN's cells,
    each with its own dL/dh (the engine's child record) and gates."""
    from lstmviz.app.tasks import Data

    rng = np.random.default_rng(0)
    model = Model.sequential((None, 6, 2), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 3, "return_sequences": True}}}),
        LayerSpec("RNN", {"cell": [{"class_name": "LSTMCell", "config": {"units": 4}},
                                   {"class_name": "SimpleRNNCell", "config": {"units": 2}}]}),
        LayerSpec("Dense", {"units": 1})], seed=1)
    x = rng.normal(size=(10, 6, 2)).astype(np.float32)
    y = rng.normal(size=(10, 1)).astype(np.float32)
    s = TrainingSession(Settings(batch_size=5, epochs=1), model=model, data=Data(x[:8], y[:8], x[8:], y[8:]),
                        loss="mse")
    s.step()
    probe = G.Probe(s)
    refs = G.recurrent_layers(model)
    bidi, stacked = model.layers[0].name, model.layers[1].name
    assert [(r.layer, r.child, r.cell.name, r.units) for r in refs] == [
        (bidi, "forward", "GRU", 3), (bidi, "backward", "GRU", 3),
        (stacked, "cell_0", "LSTM", 4), (stacked, "cell_1", "SimpleRNN", 2)]
    g = gradients(s.model, x[9:10], y[9:10], "mse")
    for k, ref in enumerate(refs):
        v = probe.compute(layer=k, sample=1)
        want = g.layers[ref.layer].children[ref.child].steps["dh"][0].T
        np.testing.assert_allclose(v.dh, want, rtol=1e-5, atol=1e-9)
        assert tuple(v.gates) == G.squashed_gates(ref.cell)
        assert [b.weight for b in v.updates][::max(1, ref.cell.k)] == ["kernel", "recurrent_kernel", "bias"]


def test_a_probe_of_a_diverged_run_warns_nothing():
    """A GRU trained with sgd at a learning rate of 10 overflows at update 11 and the run
    stops, quietly; the gradient views' probe of those weights then printed NumPy's
    "RuntimeWarning: overflow encountered in multiply" (losses, gradients, backward) to the
    terminal, five warnings for one look at the dL/dh tab. It computes quietly, and leaves
    NumPy's error state as it was."""
    import math
    import warnings

    s = TrainingSession(Settings(task="delay", cell="GRU", units=4, steps=8, optimizer="sgd",
                                 learning_rate=10.0, seed=0))
    while not s.stopped and s.iteration < 100:
        s.step()
    assert s.stopped and not math.isfinite(s.view().history.loss[-1])
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = G.Probe(s).compute()
    assert np.geterr() == before
    assert not math.isfinite(v.loss) or not np.all(np.isfinite(v.dh))
