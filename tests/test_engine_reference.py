"""The engine's cells against a plain reference written like Keras' own cell code.

The engine steps an LSTM units-major, with its gates reordered, the sigmoid gates'
weights halved and the recurrent product split into small blocks (all for speed). This
reference (the readable step of ``engine/cells.py``) does none of that: one timestep at a
time, batch-major, one gate at a time, as ``keras/src/layers/rnn/lstm.py`` and ``gru.py``
read. Every recorded intermediate must agree, for the fused default activations, the general path,
activations that normalise over the units (softmax: Keras applies them per gate), masks, and sizes
on both sides of the block-splitting rule.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine import LayerSpec, Model, activations, cells

ATOL = 2e-5


def assert_all_close(steps, want):
    # float32 sums taken in another order differ by rounding that grows with their size
    # (log_softmax states over 256 units give pre-activations in the tens), and a gate
    # inherits its sum's rounding
    scale = max([1.0] + [float(np.abs(v).max(initial=0.0)) for v in want.values()])
    for key, value in want.items():
        np.testing.assert_allclose(steps[key], value, rtol=1e-5, atol=ATOL * scale, err_msg=key)


def _data(seed, batch, T, d, masked_steps=()):
    x = np.random.default_rng(seed).normal(size=(batch, T, d)).astype(np.float32)
    x[np.abs(x) < 1e-3] = 0.5
    mask = np.ones((batch, T), bool)
    for b, t in masked_steps:
        x[b, t] = 0.0  # Masking(mask_value=0) masks exactly these
        mask[b, t] = False
    return x, mask


def _model(kind, cfg, d, seed):
    layers = [LayerSpec("Masking", {"mask_value": 0.0}, name="mask"),
              LayerSpec(kind, {**cfg, "return_sequences": True}, name="rnn")]
    model = Model.sequential((None, None, d), layers, seed=seed)
    layer = model.get_layer("rnn")
    rng = np.random.default_rng(seed + 7)
    # bias drawn at random so a bias mapped to the wrong gate cannot pass
    ws = [w if w.ndim == 2 else rng.normal(scale=0.5, size=w.shape).astype(np.float32)
          for w in layer.weights]
    layer.set_weights(ws)
    return model, layer


def reference_lstm(x, mask, kernel, rec_kernel, bias, act, rec):
    # the readable step of engine/cells.py, one timestep and one gate at a time
    ws = [kernel, rec_kernel] + ([] if bias is None else [bias])
    return cells.LSTM.run(x, ws, act, rec, mask)


def reference_gru(x, mask, kernel, rec_kernel, bias, act, rec, reset_after):
    ws = [kernel, rec_kernel] + ([] if bias is None else [bias])
    got = cells.GRU.run(x, ws, act, rec, mask, reset_after=reset_after)
    return {k: got[k] for k in ("z", "r", "h_tilde", "h")}


# (units, batch): small; 128 units at batch 32 and 256 at batch 8 take the split
# recurrent product; batch 64 keeps one product
SIZES = [(1, 1), (5, 3), (128, 32), (256, 8), (16, 64)]
ACTS = [("tanh", "sigmoid"), ("relu", "hard_sigmoid"), ("softmax", "sigmoid"),
        ("tanh", "softmax"), ("log_softmax", "tanh"), ("linear", "sigmoid")]


@pytest.mark.parametrize("units,batch", SIZES)
@pytest.mark.parametrize("act,rec", ACTS)
@pytest.mark.parametrize("use_bias", [True, False])
def test_lstm_equals_reference(units, batch, act, rec, use_bias):
    d, T = 3, 4
    model, layer = _model("LSTM", {"units": units, "activation": act,
                                   "recurrent_activation": rec, "use_bias": use_bias}, d, seed=units)
    masked = [(0, 1)] + ([(batch - 1, 0), (batch - 1, 3)] if batch > 1 else [])
    x, mask = _data(units + batch, batch, T, d, masked)
    steps = model.trace(x)["rnn"].steps
    want = reference_lstm(x, mask, *layer.weights[:2], layer.weights[2] if use_bias else None,
                          activations.get(act), activations.get(rec))
    assert_all_close({**steps, "output": model.trace(x)["rnn"].output[mask]},
                     {**want, "output": want["h"][mask]})


@pytest.mark.parametrize("units,batch", [(5, 3), (64, 32), (128, 32), (256, 8)])
@pytest.mark.parametrize("act,rec", [("tanh", "sigmoid"), ("tanh", "softmax"), ("softmax", "hard_sigmoid")])
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_equals_reference(units, batch, act, rec, reset_after):
    d, T = 3, 4
    model, layer = _model("GRU", {"units": units, "activation": act, "recurrent_activation": rec,
                                  "reset_after": reset_after}, d, seed=units)
    x, mask = _data(units + batch, batch, T, d, [(0, 2)])
    steps = model.trace(x)["rnn"].steps
    want = reference_gru(x, mask, *layer.weights, activations.get(act), activations.get(rec),
                         reset_after)
    assert_all_close(steps, want)


@pytest.mark.parametrize("units,batch", [(5, 3), (128, 32)])
def test_lstm_gates_are_their_recorded_sums_activated_to_the_bit(units, batch):
    # `pre` is put in Keras order and scale on access: still the very sums the steps used
    model, _ = _model("LSTM", {"units": units}, 4, seed=3)
    x, _ = _data(5, batch, 6, 4, [(0, 2)])
    steps = model.trace(x)["rnn"].steps
    pre = np.split(steps["pre"], 4, axis=-1)
    for gate, z in zip(("i", "f", "o"), (pre[0], pre[1], pre[3])):
        np.testing.assert_array_equal(steps[gate], activations.sigmoid(z), err_msg=gate)
    np.testing.assert_array_equal(steps["c_tilde"], np.tanh(pre[2]))


def test_lstm_pre_is_its_projections_plus_bias():
    model, layer = _model("LSTM", {"units": 64}, 4, seed=2)
    x, _ = _data(4, 32, 5, 4, [(1, 1)])
    for order in (("pre", "h_proj", "x_proj"), ("h_proj", "x_proj", "pre")):
        steps = model.trace(x)["rnn"].steps
        got = {k: steps[k] for k in order}  # derived in this order
        np.testing.assert_allclose(got["pre"], got["x_proj"] + got["h_proj"] + layer.weights[2],
                                   rtol=1e-5, atol=1e-5)


def test_a_model_rebuilt_from_its_own_spec_is_the_same_model():
    # what sessions rely on to keep read-only models: every fixture model, both formats
    import lstmviz
    from helpers import fixture_cases, read_inputs

    checked = 0
    for case in fixture_cases():
        for name in ("model.keras", "model.h5"):
            if not (case / name).exists():
                continue
            model = lstmviz.load(case / name, isolate=False)
            again = Model.from_spec(model.to_spec())
            assert again.summary_text() == model.summary_text(), case.name
            xs = read_inputs(case)
            a, b = model.trace(xs), again.trace(xs)
            for layer, rec in a.layers.items():
                for u, v in zip(rec.outputs, b.layers[layer].outputs):
                    np.testing.assert_array_equal(u, v, err_msg=f"{case.name}/{name}: {layer}")
            checked += 1
    assert checked >= 80  # every k2_/k3_ fixture model (82 files)


def test_an_explicit_mask_of_the_wrong_shape_is_a_clear_error():
    from lstmviz.engine import ModelSpec, TensorRef
    from lstmviz.errors import LstmvizError

    spec = ModelSpec([
        LayerSpec("InputLayer", {"batch_shape": [None, 6, 3]}, name="x"),
        LayerSpec("InputLayer", {"batch_shape": [None, 5], "dtype": "bool"}, name="m"),
        LayerSpec("LSTM", {"units": 2}, name="lstm", inbound=[TensorRef("x")], mask=TensorRef("m")),
    ], inputs=[TensorRef("x"), TensorRef("m")], outputs=[TensorRef("lstm")])
    with pytest.raises(LstmvizError, match="mask 'm' of shape \\(None, 5\\).*a mask is \\(batch, timesteps\\)"):
        Model.from_spec(spec)


#: every cell kind engine/cells.py describes, with its defaults and each of its own
#: yes/no options turned (GRU's reset_after): a new kind is compared without a line here
KINDS = [(name, {}) for name in cells.CELLS] + [
    (name, {key: not default}) for name, cell in cells.CELLS.items()
    for key, default, _ in cell.options if isinstance(default, bool)]


@pytest.mark.parametrize("kind,options", KINDS, ids=[f"{k}-{'-'.join(f'{o}={v}' for o, v in opts.items()) or 'default'}"
                                                     for k, opts in KINDS])
@pytest.mark.parametrize("use_bias", [True, False])
def test_every_record_of_every_cell_kind_equals_its_readable_step(kind, options, use_bias):
    # every record the trace holds (projections and sums included), from cells.py's step
    cell = cells.CELLS[kind]
    model, layer = _model(kind, {"units": 6, "use_bias": use_bias, **options}, 3, seed=4)
    x, mask = _data(9, 3, 5, 3, [(0, 1), (2, 4)])
    steps = model.trace(x)["rnn"].steps
    want = cell.run(x, layer.weights, layer.act, layer.rec, mask, **options)
    assert set(want) == set(cell.records) | {"x_proj", "h_proj", "pre"} == set(steps)
    assert_all_close(steps, want)


def test_a_trace_leaves_the_input_layers_declared_shape():
    """Tracing a batch of 2 samples of 7 steps once turned the InputLayer's shape into
    (2, 7, 3): the summary then said ``(2, 7, 3)`` above ``(None, None, 4)`` and the side
    panel's card of a published functional model read ``(1, 4, 1)``."""
    from lstmviz.engine import ModelSpec, TensorRef

    spec = ModelSpec([
        LayerSpec("InputLayer", {"batch_shape": [None, None, 3]}, name="x"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="lstm", inbound=[TensorRef("x")]),
    ], inputs=[TensorRef("x")], outputs=[TensorRef("lstm")])
    model = Model.from_spec(spec, seed=0)
    before = model.summary_text()
    model.trace(np.zeros((2, 7, 3), np.float32))
    layer = model.get_layer("x")
    assert layer.output_shapes == layer.input_shapes == [(None, None, 3)]
    assert model.summary_text() == before
    assert "(None, None, 3)" in before
