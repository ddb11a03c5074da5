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
