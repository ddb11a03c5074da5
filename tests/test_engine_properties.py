"""Property tests of the engine (hypothesis): parameter counts, and the ways of running a
recurrent layer that must agree with one whole-sequence run.

No Keras is needed: each property compares the engine with itself under a transformation
(prefixes, reversal, stateful halves, an all-valid mask, Bidirectional's two halves).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmviz.engine import LayerSpec, Model, activations

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
ATOL = 2e-6  # a matmul over a different number of rows may round differently in BLAS

KINDS = ("LSTM", "GRU", "SimpleRNN")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "softsign")
RECURRENT_ACTIVATIONS = ("sigmoid", "hard_sigmoid", "tanh")


@st.composite
def rnn_configs(draw, kinds=KINDS):
    kind = draw(st.sampled_from(kinds))
    cfg = {
        "units": draw(st.integers(1, 6)),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "use_bias": draw(st.booleans()),
        "return_sequences": True,
    }
    if kind != "SimpleRNN":
        cfg["recurrent_activation"] = draw(st.sampled_from(RECURRENT_ACTIVATIONS))
    if kind == "GRU":
        cfg["reset_after"] = draw(st.booleans())
    if kind == "LSTM":
        cfg["unit_forget_bias"] = draw(st.booleans())
    return kind, cfg


def expected_params(kind: str, cfg: dict, d: int) -> int:
    u = cfg["units"]
    k = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[kind]
    n = k * (d * u + u * u)
    if cfg.get("use_bias", True):
        n += k * u
        if kind == "GRU" and cfg.get("reset_after", True):
            n += 3 * u
    return n


def single(kind, cfg, d, batch=None, timesteps=None, seed=0, weights=None, name="rnn", extra=()):
    return Model.sequential((batch, timesteps, d),
                            [LayerSpec(kind, dict(cfg), name=name, weights=weights), *extra], seed=seed)


def data(seed, shape):
    x = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    # keep every timestep distinct from an all-zero row (so a Masking layer masks nothing)
    x[np.abs(x) < 1e-3] = 0.5
    return x


def assert_steps_close(a: dict, b: dict, t: int | None = None, where=""):
    assert set(a) == set(b), where
    for key in a:
        want = b[key] if t is None else b[key][:, :t]
        np.testing.assert_allclose(a[key], want, rtol=1e-5, atol=ATOL, err_msg=f"{where} {key}")


# -- parameter counts ------------------------------------------------------------------------
@SETTINGS
@given(spec=rnn_configs(), d=st.integers(1, 9), bidi=st.booleans(),
       dense=st.integers(1, 5), dense_bias=st.booleans())
def test_param_counts_equal_formula(spec, d, bidi, dense, dense_bias):
    kind, cfg = spec
    cfg = {**cfg, "return_sequences": False}
    layer = (LayerSpec("Bidirectional", {"layer": {"class_name": kind, "config": cfg}})
             if bidi else LayerSpec(kind, cfg))
    model = Model.sequential((None, 4, d), [layer, LayerSpec("Dense", {"units": dense, "use_bias": dense_bias})])
    rnn_layer, dense_layer = model.layers
    want_rnn = expected_params(kind, cfg, d) * (2 if bidi else 1)
    u_in = cfg["units"] * (2 if bidi else 1)
    want_dense = u_in * dense + (dense if dense_bias else 0)
    assert rnn_layer.count_params() == want_rnn
    assert dense_layer.count_params() == want_dense
    assert model.count_params() == want_rnn + want_dense
    assert rnn_layer.param_formula().endswith(f"= {want_rnn:,}")
    assert f"Total params: {want_rnn + want_dense:,}" in model.summary_text()
    # the per-gate views tile the fused weights exactly
    blocks = rnn_layer.gate_blocks()
    assert sum(v.size for v in blocks.values()) == want_rnn


@pytest.mark.parametrize("kind,cfg,d,want", [
    ("LSTM", {"units": 4}, 3, 4 * (3 * 4 + 4 * 4 + 4)),
    ("GRU", {"units": 4}, 3, 3 * (3 * 4 + 4 * 4 + 4) + 3 * 4),
    ("GRU", {"units": 4, "reset_after": False}, 3, 3 * (3 * 4 + 4 * 4 + 4)),
    ("SimpleRNN", {"units": 4}, 3, 3 * 4 + 4 * 4 + 4),
    ("LSTM", {"units": 1, "use_bias": False}, 1, 4 * (1 + 1)),
])
def test_param_counts_known_values(kind, cfg, d, want):
    assert single(kind, cfg, d).layers[0].count_params() == want


# -- time: prefixes, one step at a time, reversal, stateful halves ------------------------------
@SETTINGS
@given(spec=rnn_configs(), d=st.integers(1, 4), batch=st.integers(1, 3), T=st.integers(2, 7),
       seed=st.integers(0, 2**16))
def test_prefix_trace_equals_first_steps(spec, d, batch, T, seed):
    kind, cfg = spec
    model = single(kind, cfg, d, seed=seed)
    x = data(seed, (batch, T, d))
    whole = model.trace(x)["rnn"]
    for t in range(1, T):
        part = model.trace(x[:, :t])["rnn"]
        assert_steps_close(part.steps, whole.steps, t, where=f"t={t}")
        np.testing.assert_allclose(part.output, whole.output[:, :t], rtol=1e-5, atol=ATOL)


@SETTINGS
@given(spec=rnn_configs(), d=st.integers(1, 4), batch=st.integers(1, 3), T=st.integers(1, 6),
       seed=st.integers(0, 2**16))
def test_stateful_one_step_at_a_time_equals_whole(spec, d, batch, T, seed):
    kind, cfg = spec
    plain = single(kind, cfg, d, seed=seed)
    weights = plain.get_layer("rnn").weights
    stepper = single(kind, {**cfg, "stateful": True}, d, batch=batch, weights=weights)
    x = data(seed, (batch, T, d))
    whole = plain.trace(x)["rnn"]
    for t in range(T):
        rec = stepper.trace(x[:, t:t + 1])["rnn"]
        for key, arr in rec.steps.items():
            np.testing.assert_allclose(arr[:, 0], whole.steps[key][:, t], rtol=1e-5, atol=ATOL,
                                       err_msg=f"step {t} {key}")
        if t == 0:
            for key, arr in rec.initial_state.items():
                np.testing.assert_array_equal(arr, whole.initial_state[key])
    # and reset_states starts over from zeros
    stepper.reset_states()
    rec = stepper.trace(x[:, :1])["rnn"]
    np.testing.assert_allclose(rec.steps["h"][:, 0], whole.steps["h"][:, 0], rtol=1e-5, atol=ATOL)


@SETTINGS
@given(spec=rnn_configs(), d=st.integers(1, 4), batch=st.integers(1, 3), T=st.integers(1, 7),
       seed=st.integers(0, 2**16), seqs=st.booleans())
def test_go_backwards_equals_reversed_input(spec, d, batch, T, seed, seqs):
    kind, cfg = spec
    cfg = {**cfg, "return_sequences": seqs}
    back = single(kind, {**cfg, "go_backwards": True}, d, seed=seed)
    fwd = single(kind, cfg, d, weights=back.get_layer("rnn").weights)
    x = data(seed, (batch, T, d))
    rb = back.trace(x)["rnn"]
    rf = fwd.trace(np.ascontiguousarray(x[:, ::-1]))["rnn"]
    assert rb.go_backwards and not rf.go_backwards
    assert_steps_close(rb.steps, rf.steps, where="processing order")
    # Keras' go_backwards returns the sequence in processing order (not flipped back)
    np.testing.assert_allclose(rb.output, rf.output, rtol=1e-5, atol=ATOL)


@SETTINGS
@given(spec=rnn_configs(), d=st.integers(1, 4), batch=st.integers(1, 3), T=st.integers(2, 8),
       seed=st.integers(0, 2**16), data_=st.data())
def test_stateful_two_halves_equal_one_call(spec, d, batch, T, seed, data_):
    kind, cfg = spec
    k = data_.draw(st.integers(1, T - 1), label="split")
    plain = single(kind, cfg, d, seed=seed)
    stateful = single(kind, {**cfg, "stateful": True}, d, batch=batch,
                      weights=plain.get_layer("rnn").weights)
    x = data(seed, (batch, T, d))
    whole = plain.trace(x)["rnn"]
    first = stateful.trace(x[:, :k])["rnn"]
    second = stateful.trace(x[:, k:])["rnn"]
    joined = {key: np.concatenate([first.steps[key], second.steps[key]], axis=1) for key in first.steps}
    assert_steps_close(joined, whole.steps, where=f"split {k}")
    np.testing.assert_allclose(np.concatenate([first.output, second.output], axis=1), whole.output,
                               rtol=1e-5, atol=ATOL)
    # the second half starts from the first half's final states
    np.testing.assert_array_equal(second.initial_state["h"], first.steps["h"][:, -1])


@pytest.mark.parametrize("kept, says", [
    (lambda h, c: [[], [[h[:, :3], c[:, :3]]]], "its state h kept with shape (2, 3), needs (batch, 4)"),
    (lambda h, c: [[], [[h, c[:1]]]], "its state c kept with shape (1, 4), needs (2, 4)"),
    (lambda h, c: [[], [[h[0], c[0]]]], "its state h kept with shape (4,), needs (batch, 4)"),
    (lambda h, c: [[], [[h]]], "carries 2 state(s) (h, c), 1 kept"),
])
def test_carried_states_of_another_shape_are_refused_and_nothing_changes(kept, says):
    model = single("LSTM", {"units": 4, "stateful": True}, 3, batch=2)
    x = data(0, (2, 5, 3))
    model.trace(x)
    before = model.carried_states()
    (h, c), = before[1]  # (node 0 is the input)
    with pytest.raises(ValueError) as err:
        model.carry_states(kept(h, c))
    assert says in str(err.value) and "layer 'rnn' (LSTM)" in str(err.value)
    after = model.carried_states()
    np.testing.assert_array_equal(after[1][0][0], h)
    np.testing.assert_array_equal(after[1][0][1], c)


# -- masks ------------------------------------------------------------------------------------
@SETTINGS
@given(spec=rnn_configs(), d=st.integers(1, 4), batch=st.integers(1, 3), T=st.integers(1, 6),
       seed=st.integers(0, 2**16), backwards=st.booleans())
def test_all_valid_mask_equals_no_mask(spec, d, batch, T, seed, backwards):
    kind, cfg = spec
    cfg = {**cfg, "go_backwards": backwards}
    plain = single(kind, cfg, d, seed=seed)
    weights = plain.get_layer("rnn").weights
    masked = Model.sequential((None, None, d), [LayerSpec("Masking", {"mask_value": 0.0}),
                                                LayerSpec(kind, dict(cfg), name="rnn", weights=weights)])
    x = data(seed, (batch, T, d))
    a, b = plain.trace(x)["rnn"], masked.trace(x)["rnn"]
    assert b.mask is not None and b.mask.all()
    assert_steps_close(b.steps, a.steps, where="masked")
    np.testing.assert_allclose(b.output, a.output, rtol=1e-5, atol=ATOL)


@SETTINGS
@given(spec=rnn_configs(), batch=st.integers(1, 3), T=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_embedding_mask_zero_without_zeros_equals_no_mask(spec, batch, T, seed):
    kind, cfg = spec
    layers = lambda mask_zero, w=None: [  # noqa: E731
        LayerSpec("Embedding", {"input_dim": 7, "output_dim": 3, "mask_zero": mask_zero}, name="emb",
                  weights=w and w[0]),
        LayerSpec(kind, dict(cfg), name="rnn", weights=w and w[1]),
    ]
    plain = Model.sequential((None, None), layers(False), seed=seed)
    w = [plain.get_layer("emb").weights, plain.get_layer("rnn").weights]
    masked = Model.sequential((None, None), layers(True, w))
    ids = np.random.default_rng(seed).integers(1, 7, size=(batch, T))
    a, b = plain.trace(ids)["rnn"], masked.trace(ids)["rnn"]
    assert b.mask is not None and b.mask.all()
    assert_steps_close(b.steps, a.steps, where="mask_zero")


# -- Bidirectional -------------------------------------------------------------------------------
@SETTINGS
@given(spec=rnn_configs(), d=st.integers(1, 4), batch=st.integers(1, 3), T=st.integers(1, 6),
       seed=st.integers(0, 2**16), seqs=st.booleans(),
       merge=st.sampled_from(["concat", "sum", "mul", "ave"]))
def test_bidirectional_equals_two_layers(spec, d, batch, T, seed, seqs, merge):
    kind, cfg = spec
    cfg = {**cfg, "return_sequences": seqs}
    bidi = Model.sequential((None, None, d), [LayerSpec(
        "Bidirectional", {"layer": {"class_name": kind, "config": dict(cfg)}, "merge_mode": merge},
        name="bi")], seed=seed)
    layer = bidi.get_layer("bi")
    fwd = single(kind, cfg, d, weights=layer.forward_layer.weights)
    bwd = single(kind, {**cfg, "go_backwards": True}, d, weights=layer.backward_layer.weights)
    x = data(seed, (batch, T, d))
    tb = bidi.trace(x)["bi"]
    rf, rb = fwd.trace(x)["rnn"], bwd.trace(x)["rnn"]
    yf, yb = rf.output, rb.output
    if seqs:
        yb = yb[:, ::-1]  # back to input order, as Bidirectional does
    want = {"concat": lambda: np.concatenate([yf, yb], axis=-1), "sum": lambda: yf + yb,
            "mul": lambda: yf * yb, "ave": lambda: (yf + yb) / 2}[merge]()
    np.testing.assert_allclose(tb.output, want, rtol=1e-5, atol=ATOL)
    assert_steps_close(tb.children["forward"].steps, rf.steps, where="forward")
    assert_steps_close(tb.children["backward"].steps, rb.steps, where="backward")
    assert tb.children["backward"].go_backwards


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_negative_is_right_from_a_16_byte_stride_into_a_strided_out(dtype):
    """NumPy 2.4.6's float negative read an input of innermost stride 16 bytes (float32;
    64 for float64: one unit's column of an LSTM's (n, 4) kernel) as if contiguous where its
    ``out`` was not contiguous: ``np.negative(k[:, 0], out=w[:, 0])`` gave ``-k.ravel()[:n]``,
    no error (found when the batch-1 kernel's input weights were made as columns). The
    engine negates through ``activations.negative`` (the sigmoid gates' weights, the
    sigmoid itself): the same bits as ``-x`` in every layout tried, NaN's sign too."""
    rng = np.random.default_rng(0)
    wide = 4 if dtype == np.float32 else 8  # (a stride of 16 / 64 bytes)
    for n in (1, 2, 3, 7, 16, 33):
        k = rng.standard_normal((n, wide)).astype(dtype)
        k[0, 0] = np.nan
        for out_cols in (2, 3, wide, 2 * wide):
            w = np.zeros((n, out_cols), dtype)
            activations.negative(k[:, 0], out=w[:, 0])
            assert w[:, 0].tobytes() == (-k[:, 0].copy()).tobytes(), (n, out_cols)
            got = activations.negative(k[:, :1].T, out=np.zeros((2, n), dtype)[:1])
            assert got.tobytes() == (-k[:, :1].T.copy()).tobytes()
        # the sigmoid over such a column, into a strided out, is the sigmoid of its copy
        out = np.zeros((n, 3), dtype)
        activations.sigmoid(k[:, 1], out=out[:, 2])
        assert out[:, 2].tobytes() == activations.sigmoid(k[:, 1].copy()).tobytes()
    # a random sweep of layouts: negative(x, out) is -x wherever out is
    for _ in range(300):
        shape = tuple(int(v) for v in rng.integers(1, 9, size=2))
        step = tuple(int(v) for v in rng.integers(1, 6, size=2))
        x = rng.standard_normal((shape[0] * step[0], shape[1] * step[1])).astype(dtype)[::step[0], ::step[1]]
        ostep = tuple(int(v) for v in rng.integers(1, 4, size=2))
        out = np.zeros((shape[0] * ostep[0], shape[1] * ostep[1]), dtype)[::ostep[0], ::ostep[1]]
        assert activations.negative(x, out=out) is out
        assert np.array_equal(out, -x.copy())
