"""The engine equals real Keras: every fixture made by scripts/make_fixtures.py, every format.

Each case holds a model saved by Keras 3 or tf-keras (Keras 2), an input, and Keras'
own ``predict`` output plus every layer's output. Weights-only files are loaded onto
the architecture read from the case's full-model file.
"""

from __future__ import annotations

import numpy as np
import pytest

import lstmviz
from tests.helpers import FULL_MODEL_FILES, WEIGHTS_FILES, expected_outputs, fixture_cases, read_inputs, read_meta

ATOL = 1e-5
NOT_KERAS = (".onnx", ".safetensors")  # compared with onnxruntime / torch in test_io_onnx.py
CASES = [c for c in fixture_cases() if read_meta(c).get("framework", "keras") == "keras"
         and not any(f.endswith(NOT_KERAS) for f in read_meta(c).get("files", []))]
PARAMS = [(c, f) for c in CASES for f in read_meta(c)["files"]]

if not CASES:  # pragma: no cover - the fixtures are committed
    pytest.skip("tests/fixtures holds no cases: run scripts/make_fixtures.py", allow_module_level=True)


def _model_for(case, fname):
    if fname in WEIGHTS_FILES:
        full = next(f for f in FULL_MODEL_FILES if (case / f).exists())
        model = lstmviz.load(case / full, isolate=False)  # isolation: test_io_isolated.py
        for layer in model.layers:  # scramble, so only the weights file can make it right
            if layer.weights:
                layer.set_weights([np.zeros_like(w) for w in layer.weights])
        lstmviz.load_weights(model, case / fname, isolate=False)
        return model
    return lstmviz.load(case / fname, isolate=False)


@pytest.mark.parametrize("case,fname", PARAMS, ids=[f"{c.name}/{f}" for c, f in PARAMS])
def test_trace_equals_keras(case, fname):
    meta = read_meta(case)
    model = _model_for(case, fname)
    assert model.count_params() == meta["total_params"]
    for row in meta["layers"]:
        if row["class"] != "InputLayer":
            assert model.get_layer(row["name"]).count_params() == row["params"], row["name"]
    expected = np.load(case / "expected.npz")
    x = read_inputs(case)
    if meta.get("stateful"):
        first = model.trace(x)
        for got, want in zip(first.outputs, expected_outputs(expected, "call0:")):
            np.testing.assert_allclose(got, want, atol=ATOL)
        second = model.trace(read_inputs(case, "x_call1"))
        for got, want in zip(second.outputs, expected_outputs(expected, "call1:")):
            np.testing.assert_allclose(got, want, atol=ATOL)
        model.reset_states()
    trace = model.trace(x)
    outs = expected_outputs(expected)
    assert len(trace.outputs) == len(outs)
    for got, want in zip(trace.outputs, outs):
        np.testing.assert_allclose(got, want, atol=ATOL)
    for key in expected.files:
        if not key.startswith("layer:"):
            continue
        parts = key.split(":")
        k = int(parts[2]) if len(parts) > 2 else 0
        np.testing.assert_allclose(trace[parts[1]].outputs[k], expected[key], atol=ATOL,
                                   err_msg=f"layer output {key}")


PREDICT_CASES = [c for c in CASES if not read_meta(c).get("stateful")]


@pytest.mark.parametrize("case", PREDICT_CASES, ids=[c.name for c in PREDICT_CASES])
def test_predict_equals_keras_predict(case):
    """``model.predict(x)`` returns what Keras' ``predict`` returned for the case's input
    (one array, or a list for several outputs), the trace's output to the bit."""
    meta = read_meta(case)
    model = _model_for(case, meta["files"][0])
    x = read_inputs(case)
    want = expected_outputs(np.load(case / "expected.npz"))
    got = model.predict(x)
    got_list = got if isinstance(got, list) else [got]
    assert isinstance(got, list) == (len(want) > 1)
    assert len(got_list) == len(want)
    for g, w in zip(got_list, want):
        np.testing.assert_allclose(g, w, atol=ATOL)
    for g, t in zip(got_list, model.trace(x).outputs):
        assert np.array_equal(g, t, equal_nan=True)  # (a fully masked sample's mean: NaN, as Keras')


def test_predict_beyond_the_trace_budget_is_keyframed_with_the_same_numbers(monkeypatch):
    from lstmviz.engine import windows

    case = next(c for c in PREDICT_CASES if c.name == "k3_lstm_default")
    model = _model_for(case, read_meta(case)["files"][0])
    x = read_inputs(case)
    whole = model.trace(x).output
    passes = []
    real = windows.keyframe_pass
    monkeypatch.setattr(windows, "trace_budget", lambda: 1)
    monkeypatch.setattr(windows, "keyframe_pass", lambda *a, **k: passes.append(1) or real(*a, **k))
    got = model.predict(x)
    assert passes == [1]
    assert np.array_equal(got, whole)


@pytest.mark.parametrize("bad", [0, -1, 2.0, "32", True])
def test_predict_refuses_a_batch_size_keras_refuses(bad):
    model = lstmviz.Model.sequential((None, 3, 2), [lstmviz.LayerSpec("LSTM", {"units": 2})])
    with pytest.raises(lstmviz.LstmvizError, match="batch_size must be a whole number") as err:
        model.predict(np.zeros((1, 3, 2), np.float32), batch_size=bad)
    assert "\n" not in str(err.value)
    assert model.predict(np.zeros((1, 3, 2), np.float32), batch_size=8).shape == (1, 2)
