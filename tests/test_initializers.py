"""Initializers draw from Keras' distributions (the draws are lstmviz's own, not Keras' bits)."""

import numpy as np
import pytest

from lstmviz.engine import initializers as I
from lstmviz.errors import LstmvizError


def test_truncated_normal_is_cut_at_two_stddev_without_correction():
    w = I.make("truncated_normal", (400, 500), np.random.default_rng(0))
    assert w.dtype == np.float32
    assert np.abs(w).max() <= 0.1  # Keras' TruncatedNormal(stddev=0.05): |x| <= 2 x 0.05
    # a normal cut at 2 sigma has std 0.05 x 0.8796 (no variance correction, unlike VarianceScaling)
    assert abs(float(w.std()) - 0.05 * 0.87962566) < 5e-4


def test_random_normal_is_not_cut():
    w = I.make("random_normal", (400, 500), np.random.default_rng(0))
    assert np.abs(w).max() > 0.15
    assert abs(float(w.std()) - 0.05) < 5e-4


def test_variance_scaling_normals_are_corrected():
    # he_normal: stddev sqrt(2 / fan_in) after the cut (the correction undoes the cut's shrink)
    w = I.make("he_normal", (500, 400), np.random.default_rng(0))
    assert abs(float(w.std()) - np.sqrt(2 / 500)) < 0.01 * np.sqrt(2 / 500)
    assert np.abs(w).max() <= 2 * np.sqrt(2 / 500) / 0.87962566 + 1e-6


def test_skip_leaves_the_generator_where_make_leaves_it():
    # a layer whose initial weights are replaced draws them without computing them (an
    # orthogonal draw's QR): the next draw must be the one it would have been
    for init, shape in (("orthogonal", (12, 48)), ("orthogonal", (48, 12)), ("glorot_uniform", (5, 20)),
                        ("truncated_normal", (30, 40)), ("he_normal", (7, 3)), ("zeros", (4,)),
                        ("identity", (6, 6)), ({"class_name": "Orthogonal", "config": {}}, (8, 32))):
        a, b = np.random.default_rng(3), np.random.default_rng(3)
        I.make(init, shape, a)
        I.skip(init, shape, b)
        assert a.bit_generator.state == b.bit_generator.state, init


def test_keras_3_early_class_names_of_orthogonal_and_identity_are_known():
    """Keras 3.0-3.5 wrote an LSTM's recurrent initializer as {"class_name":
    "OrthogonalInitializer"} (3.15: "Orthogonal"): a published .keras model opened, then any
    edit that drew new weights (units, input_dim, an input of other features) failed with
    "unknown initializer 'OrthogonalInitializer'"."""
    from lstmviz.engine import Model
    from lstmviz.engine.spec import LayerSpec

    old = {"module": "keras.initializers", "class_name": "OrthogonalInitializer",
           "config": {"gain": 1.0, "seed": None}, "registered_name": None}
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    w = I.make(old, (8, 32), a)
    np.testing.assert_allclose(w @ w.T, np.eye(8), atol=1e-5)
    np.testing.assert_array_equal(w, I.make("orthogonal", (8, 32), b))
    assert I.orthogonal_work(old, (8, 32)) == I.orthogonal_work("orthogonal", (8, 32)) > 0
    c = np.random.default_rng(3)
    I.skip(old, (8, 32), c)
    assert c.bit_generator.state == a.bit_generator.state
    np.testing.assert_array_equal(I.make({"class_name": "IdentityInitializer", "config": {}}, (3, 3),
                                         np.random.default_rng(0)), np.eye(3))
    model = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4, "recurrent_initializer": old})], seed=0)
    u = model.layers[0].weights[1]  # the recurrent kernel (4, 16): orthonormal rows
    np.testing.assert_allclose(u @ u.T, np.eye(4), atol=1e-5)


def test_variance_scaling_configs_of_keras_2_are_the_named_initializers():
    """Keras 2.0-2.2 wrote glorot_uniform as {"class_name": "VarianceScaling", "config":
    {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}} (ten of the published
    models): an edit drawing new weights of such a model failed with "unknown initializer
    'VarianceScaling'"."""
    from lstmviz.engine import Model
    from lstmviz.engine.spec import LayerSpec
    from lstmviz.errors import LstmvizError

    def vs(scale, mode, dist):
        return {"class_name": "VarianceScaling",
                "config": {"scale": scale, "mode": mode, "distribution": dist, "seed": None}}

    for init, named in ((vs(1.0, "fan_avg", "uniform"), "glorot_uniform"),
                        (vs(1.0, "fan_avg", "normal"), "glorot_normal"),
                        (vs(2.0, "fan_in", "truncated_normal"), "he_normal"),
                        (vs(2, "fan_in", "uniform"), "he_uniform"),
                        (vs(1.0, "fan_in", "uniform"), "lecun_uniform")):
        a, b, c = (np.random.default_rng(5) for _ in range(3))
        np.testing.assert_array_equal(I.make(init, (30, 40), a), I.make(named, (30, 40), b), err_msg=named)
        I.skip(init, (30, 40), c)
        assert c.bit_generator.state == a.bit_generator.state, named
    w = I.make(vs(0.5, "fan_out", "uniform"), (3, 4), np.random.default_rng(0))  # (not a named one)
    assert np.abs(w).max() <= np.sqrt(3 * 0.5 / 4)
    with pytest.raises(LstmvizError, match="unknown initializer 'Variance'"):
        I.make({"class_name": "Variance", "config": {}}, (3, 4), np.random.default_rng(0))
    glorot = vs(1.0, "fan_avg", "uniform")
    model = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4, "kernel_initializer": glorot})], seed=0)
    lim = np.sqrt(6.0 / (3 + 16))
    assert 0 < np.abs(model.layers[0].weights[0]).max() <= lim


def test_skip_refuses_what_make_refuses():
    import pytest

    from lstmviz.errors import LstmvizError

    with pytest.raises(LstmvizError, match="orthogonal"):
        I.skip("orthogonal", (100_000, 400_000), np.random.default_rng(0))


def test_kept_weights_are_those_set_after_a_build_from_the_seed():
    # Model.sequential(keep=...) is "initialise everything from the seed, then put each
    # kept weight where its shape fits", without the replaced initial weights computed
    from lstmviz.engine import Model
    from lstmviz.engine.spec import LayerSpec

    def specs(units):
        return [LayerSpec("LSTM", {"units": u, "return_sequences": True}) for u in units]

    old = Model.sequential((None, 7, 3), specs([6, 5, 4, 2]), seed=11)
    keep = [[w + 1.0 for w in layer.weights] for layer in old.layers]  # not the seed's draws
    keep[1] = None  # the edited layer: drawn afresh
    new = Model.sequential((None, 7, 3), specs([6, 3, 4, 2]), seed=11, keep=keep)
    ref = Model.sequential((None, 7, 3), specs([6, 3, 4, 2]), seed=11)
    for layer, kept in zip(ref.layers, keep):
        if kept is not None:
            layer.set_weights([k if k.shape == w.shape else w for k, w in zip(kept, layer.weights)])
    assert [w.tobytes() for l in new.layers for w in l.weights] == [w.tobytes() for l in ref.layers for w in l.weights]
    assert np.array_equal(new.layers[0].weights[1], keep[0][1])  # the first layer kept its weights
    # the third layer's input narrowed: a new kernel (the seed's, as in ref), its recurrent
    # kernel and bias kept; the last layer's draws came after it: kept whole
    assert new.layers[2].weights[0].shape == (3, 16)
    assert np.array_equal(new.layers[2].weights[1], keep[2][1]) and np.array_equal(new.layers[2].weights[2], keep[2][2])
    assert all(np.array_equal(a, b) for a, b in zip(new.layers[3].weights, keep[3]))


def test_the_orthogonal_draw_has_the_bits_of_lapacks_qr_on_every_blas_thread_count():
    """The draw runs its QR on one BLAS thread (faster beside a busy core): the very
    numbers numpy's QR gives on the pool's usual count."""
    from lstmviz.engine import blas
    if blas.threads() is None:
        pytest.skip("no OpenBLAS found")
    before = blas.threads()
    I._DRAWN.clear()  # (each draw made here, none remembered)
    try:
        blas.set_threads(2)
        for shape in ((128, 512), (512, 128), (64, 256)):
            a = np.random.default_rng(5).normal(0.0, 1.0, (max(shape), min(shape)))
            q, r = np.linalg.qr(a)  # two threads
            q *= np.sign(np.diag(r))
            want = (q.T if shape[0] < shape[1] else q).reshape(shape).astype(np.float32)
            np.testing.assert_array_equal(I.make("orthogonal", shape, np.random.default_rng(5)), want)
    finally:
        blas.set_threads(before)


def test_skip_remembers_where_a_draw_left_the_generator():
    I._SKIPPED.clear()
    for _ in range(2):  # the second time from the memo
        a, b = np.random.default_rng(9), np.random.default_rng(9)
        I.make("orthogonal", (16, 64), a)
        I.make("glorot_uniform", (5, 64), a)
        I.skip("orthogonal", (16, 64), b)
        I.skip("glorot_uniform", (5, 64), b)
        assert a.bit_generator.state == b.bit_generator.state
        assert a.normal() == b.normal()
    assert len(I._SKIPPED) == 2


def test_deferred_skips_are_drawn_before_the_next_draw_and_never_after_the_last():
    # ``Model._build``: a kept weight's draws are made only where a later weight is drawn
    # (the same weights), and those no draw follows are left undrawn (the stream is dropped)
    I._SKIPPED.clear()
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    I.skip("orthogonal", (16, 64), a)
    I.skip("zeros", (64,), a)
    want = I.make("glorot_uniform", (24, 64), a)
    with I.deferred(b):
        I.skip("orthogonal", (16, 64), b)
        I.skip("zeros", (64,), b)
        assert b.bit_generator.state == np.random.default_rng(5).bit_generator.state  # nothing drawn yet
        got = I.make("glorot_uniform", (24, 64), b)
        assert b.bit_generator.state == a.bit_generator.state
        I.skip("orthogonal", (64, 256), b)  # the last: never drawn
        after = b.bit_generator.state
    assert after == a.bit_generator.state
    np.testing.assert_array_equal(got, want)
    c = np.random.default_rng(5)
    with I.deferred(c):
        I.skip("orthogonal", (16, 64), c)
    I.skip("glorot_uniform", (24, 64), c)  # (outside: drawn at once, the deferred ones dropped)
    assert c.bit_generator.state != a.bit_generator.state
    with pytest.raises(LstmvizError):  # what ``make`` refuses is refused at once, undeferred
        with I.deferred(np.random.default_rng(0)):
            I.skip("orthogonal", (1 << 16, 1 << 16), np.random.default_rng(0))


def test_a_typed_edit_of_units_builds_the_weights_it_built_with_every_skip_drawn(monkeypatch):
    # units of the middle LSTM to a new number: the last LSTM keeps its recurrent kernel,
    # whose draw no later one needs (left undrawn); the weights those of a build that draws
    # every skip at once (``deferred`` a plain context)
    import contextlib

    from lstmviz.app.options import default_config
    from lstmviz.app.state import AppState, InputSpec, LayerEntry

    def layer(kind):
        cfg = default_config(kind, units=24)
        cfg["return_sequences"] = True
        return LayerEntry(kind, cfg)

    built = []
    for defer in (True, False):
        if not defer:
            monkeypatch.setattr(I, "deferred", lambda rng: contextlib.nullcontext())
        I._DRAWN.clear()
        I._SKIPPED.clear()
        state = AppState([layer("LSTM"), layer("GRU"), layer("LSTM"), layer("SimpleRNN")],
                         InputSpec(batch_size=2, timesteps=9, input_dim=3))
        for index, units in ((1, 31), (2, 7), (0, 12), (3, 5)):
            state.set_layer_option(index, "units", units)
            assert state.error is None
            built.append([np.array(w) for layer_ in state.model.layers for w in layer_.weights])
    half = len(built) // 2
    for a, b in zip(built[:half], built[half:]):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)


def test_an_orthogonal_draw_again_from_where_it_started_is_remembered(monkeypatch):
    # an edit that draws a layer again from the same place in the stream (an option that
    # changes no weight's shape, units back to a number it had) takes the factor drawn
    # then: the same bits, the generator left where the draw leaves it, no QR made again
    I._DRAWN.clear()
    qrs = []
    real_qr = np.linalg.qr
    monkeypatch.setattr(np.linalg, "qr", lambda a: (qrs.append(a.shape), real_qr(a))[1])
    drawn, states = [], []
    for _ in range(2):
        rng = np.random.default_rng(11)
        rng.uniform(size=7)  # (not from the seed's start)
        w = I.make({"class_name": "Orthogonal", "config": {"gain": 2.0}}, (32, 128), rng)
        drawn.append(w)
        states.append((rng.bit_generator.state, rng.normal()))
    assert qrs == [(128, 32)]  # the second from the memo
    np.testing.assert_array_equal(drawn[1], drawn[0])
    assert states[1] == states[0]
    drawn[1][0, 0] = 5.0  # the caller's own array: the memo's stays as drawn
    again = I.make({"class_name": "Orthogonal", "config": {"gain": 2.0}}, (32, 128), _advanced(11, 7))
    np.testing.assert_array_equal(again, drawn[0])
    # another place in the stream or another shape: drawn anew
    I.make("orthogonal", (32, 128), np.random.default_rng(12))
    I.make("orthogonal", (128, 32), _advanced(11, 7))
    assert len(qrs) == 3
    np.testing.assert_array_equal(I.make("orthogonal", (64, 16), np.random.default_rng(3)),
                                  I.orthogonal((64, 16), np.random.default_rng(3)).astype(np.float32))


def test_a_large_draw_again_from_where_it_started_is_remembered(monkeypatch):
    # a kernel drawn again from the same place in the stream (a model built ahead of an
    # edit, then the edit) is taken from the memo: the same bits, the stream left where the
    # draw leaves it; a small draw (a bias) is not remembered
    I._DRAWN.clear()
    made = []
    real = I._make
    monkeypatch.setattr(I, "_make", lambda init, shape, rng: (made.append(shape), real(init, shape, rng))[1])
    out = []
    for _ in range(2):
        rng = _advanced(4, 3)
        out.append((I.make("glorot_uniform", (40, 512), rng), I.make("random_normal", (8, 8), rng),
                    rng.bit_generator.state))
    assert made == [(40, 512), (8, 8), (8, 8)]
    np.testing.assert_array_equal(out[1][0], out[0][0])
    assert out[1][0].dtype == np.float32 and out[1][0] is not out[0][0]
    assert out[1][2] == out[0][2]
    # other arguments, another place in the stream: drawn anew
    I.make({"class_name": "RandomUniform", "config": {"minval": -1.0, "maxval": 1.0}}, (40, 512), _advanced(4, 3))
    I.make("glorot_uniform", (40, 512), _advanced(4, 4))
    assert made[3:] == [(40, 512), (40, 512)]


def _advanced(seed: int, n: int) -> np.random.Generator:
    rng = np.random.default_rng(seed)
    rng.uniform(size=n)
    return rng


def _keras3(cls, **config):
    return {"module": "keras.initializers", "class_name": cls, "config": {**config, "seed": None},
            "registered_name": None}


def _keras2(cls, **config):
    return {"class_name": cls, "config": {**config, "seed": None}}


@pytest.mark.parametrize("spell", [_keras3, _keras2])
def test_an_initializers_arguments_are_drawn_by_keras_formulas(spell):
    """A config's arguments were ignored: RandomUniform(minval=-0.5, maxval=0.5) drew from
    +-0.05, RandomNormal(mean=1, stddev=0.3) from N(0, 0.05), Orthogonal(gain=2) an
    orthonormal matrix, Constant(0.25) and any VarianceScaling other than the named ones
    were refused. Each now draws as Keras' formula says (Keras 2's and 3's spellings)."""
    shape = (400, 500)
    fan_in, fan_out = shape

    def draw(cls, **config):
        return I.make(spell(cls, **config), shape, np.random.default_rng(1)).astype(np.float64)

    w = draw("RandomUniform", minval=-0.5, maxval=0.5)
    assert -0.5 <= w.min() < -0.499 and 0.499 < w.max() < 0.5
    w = draw("RandomUniform", minval=2, maxval=3)
    assert 2 <= w.min() and w.max() < 3 and abs(w.mean() - 2.5) < 0.01
    w = draw("RandomNormal", mean=1.0, stddev=0.3)
    assert abs(w.mean() - 1.0) < 0.003 and abs(w.std() - 0.3) < 0.003
    w = draw("TruncatedNormal", mean=-1.0, stddev=0.2)  # cut at 2 stddev, no correction
    assert np.abs(w + 1.0).max() <= 0.4 + 1e-6 and abs(w.mean() + 1.0) < 0.003
    assert abs(w.std() - 0.2 * 0.87962566103423978) < 0.002
    w = draw("VarianceScaling", scale=0.5, mode="fan_out", distribution="uniform")
    lim = np.sqrt(3 * 0.5 / fan_out)
    assert np.abs(w).max() <= lim and np.abs(w).max() > 0.999 * lim
    # (Keras lower-cases them: Keras 2.0-2.3 the mode too)
    np.testing.assert_array_equal(draw("VarianceScaling", scale=0.5, mode="FAN_OUT", distribution="Uniform"), w)
    w = draw("VarianceScaling", scale=3.0, mode="fan_avg", distribution="untruncated_normal")
    assert abs(w.std() / np.sqrt(3.0 / ((fan_in + fan_out) / 2)) - 1) < 0.01
    w = draw("VarianceScaling", scale=0.1, mode="fan_in", distribution="truncated_normal")
    std = np.sqrt(0.1 / fan_in)  # after the cut: the draw's is std / 0.8796
    assert abs(w.std() / std - 1) < 0.01 and np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-6
    w = draw("Orthogonal", gain=2.0)  # (400 x 500: orthogonal rows)
    np.testing.assert_allclose(w @ w.T, 4 * np.eye(fan_in), atol=1e-4)
    tall = I.make(spell("Orthogonal", gain=2.0), (32, 8), np.random.default_rng(0)).astype(np.float64)
    np.testing.assert_allclose(tall.T @ tall, 4 * np.eye(8), atol=1e-5)
    np.testing.assert_array_equal(I.make(spell("Constant", value=0.25), (3, 5), np.random.default_rng(0)),
                                  np.full((3, 5), 0.25, np.float32))
    np.testing.assert_array_equal(I.make(spell("Identity", gain=3.0), (4, 6), np.random.default_rng(0)),
                                  3 * np.eye(4, 6, dtype=np.float32))
    for init in (spell("RandomUniform", minval=-0.5, maxval=0.5), spell("Orthogonal", gain=2.0),
                 spell("VarianceScaling", scale=3.0, mode="fan_avg", distribution="untruncated_normal")):
        a, b = np.random.default_rng(4), np.random.default_rng(4)
        I.make(init, (6, 24), a)
        I.skip(init, (6, 24), b)
        assert a.bit_generator.state == b.bit_generator.state


def test_an_opened_models_initializer_arguments_hold_when_an_edit_draws_new_weights():
    """A Keras model with kernel_initializer RandomUniform(2, 3) opened, then its units
    changed in the side panel: the new kernel came from +-0.05, not from [2, 3)."""
    from lstmviz.app.state import AppState
    from lstmviz.engine import Model
    from lstmviz.engine.spec import LayerSpec

    cfg = {"units": 4, "kernel_initializer": _keras3("RandomUniform", minval=2.0, maxval=3.0),
           "recurrent_initializer": _keras3("Orthogonal", gain=0.5),
           "bias_initializer": _keras3("Constant", value=0.125)}
    model = Model.sequential((None, 5, 3), [LayerSpec("LSTM", cfg)], seed=0)
    st = AppState()
    st.set_model(model, None)
    st.set_layer_option(0, "units", 6)
    kernel, recurrent, bias = st.model.layers[0].weights
    assert kernel.shape == (3, 24) and 2 <= kernel.min() and kernel.max() < 3
    np.testing.assert_allclose(recurrent @ recurrent.T, 0.25 * np.eye(6), atol=1e-5)
    f = slice(6, 12)  # unit_forget_bias: the forget gate's part is 1, the rest the constant
    assert np.all(bias[f] == 1.0) and np.all(np.delete(bias, np.r_[f]) == np.float32(0.125))


@pytest.mark.parametrize("init,says", [
    (_keras3("RandomUniform", minval=float("nan"), maxval=0.5), "minval=nan is not a number"),
    (_keras3("RandomNormal", mean=0.0, stddev=float("inf")), "stddev=inf is not a number"),
    (_keras2("RandomNormal", mean=1e300, stddev=0.1), "mean=1e+300 is not a number of at most 1e+06"),
    (_keras3("Constant", value="0.5; import os"), "value='0.5; import os' is not a number"),
    (_keras3("Constant", value=[1, 2]), "value=[1, 2] is not a number"),
    (_keras3("Orthogonal", gain=True), "gain=True is not a number"),
    (_keras3("TruncatedNormal", stddev=-1.0), "stddev=-1.0 must be 0 or more"),
    (_keras3("VarianceScaling", scale=0.0), "scale=0.0 must be more than 0"),
    (_keras3("VarianceScaling", scale=1.0, mode="fan_sideways"), "mode='fan_sideways' is not one of Keras'"),
    (_keras3("VarianceScaling", distribution="x" * 500), "distribution='xxxx"),
    # Keras lower-cases a mode and a distribution, then takes only its own spellings (a
    # "fanin" or "truncated normal" was read as fan_in and truncated_normal, no Keras would)
    (_keras3("VarianceScaling", scale=1.0, mode="fanin"), "mode='fanin' is not one of Keras'"),
    (_keras3("VarianceScaling", scale=1.0, mode="fan-avg"), "mode='fan-avg' is not one of Keras'"),
    (_keras2("VarianceScaling", scale=1.0, distribution="truncated normal"),
     "distribution='truncated normal' is not one of Keras'"),
    (_keras3("Identity", gain=1.0), "an identity matrix is 2D"),
])
def test_hostile_initializer_arguments_are_refused_in_one_line(init, says):
    from lstmviz.engine import Model
    from lstmviz.engine.spec import LayerSpec
    from lstmviz.errors import LstmvizError

    shape = (7,) if init["class_name"] == "Identity" else (3, 4)
    with pytest.raises(LstmvizError) as err:
        I.make(init, shape, np.random.default_rng(0))
    msg = str(err.value)
    assert says in msg and "\n" not in msg and len(msg) < 200, msg
    if init["class_name"] == "Identity":
        return
    # a model whose file gives the weight opens (Keras drew it): an edit drawing it says why not
    cfg = {"units": 4, "kernel_initializer": init}
    given = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4})], seed=0).layers[0].weights
    model = Model.sequential((None, 5, 3), [LayerSpec("LSTM", cfg)], seed=0, keep=[given])
    np.testing.assert_array_equal(model.layers[0].weights[0], given[0])
    with pytest.raises(LstmvizError, match="initializer"):
        Model.sequential((None, 5, 2), [LayerSpec("LSTM", cfg)], seed=0, keep=[given])


@pytest.mark.parametrize("init", ["orthogonal", "glorot_uniform", "identity", "random_normal"])
@pytest.mark.parametrize("shape", [(6, 24), (24, 6), (5, 5)])
def test_a_drawn_weight_is_in_c_order_as_one_read_from_a_file(init, shape):
    """An orthogonal recurrent kernel (units, 4 x units) is the transpose of a QR factor,
    and it was kept in Fortran order: every trace of one sample reordered its gate columns
    reading across it (3-9 ms for 512 units, 0.3 ms in C order). Every draw is now in C
    order, as h5py reads a file's weight, with the values it had."""
    w = I.make(init, shape, np.random.default_rng(4))
    assert w.dtype == np.float32 and w.flags.c_contiguous
    if init == "orthogonal":
        flat = np.random.default_rng(4).normal(0.0, 1.0, (max(shape), min(shape)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        np.testing.assert_array_equal(w, (q.T if shape[0] < shape[1] else q).astype(np.float32))
