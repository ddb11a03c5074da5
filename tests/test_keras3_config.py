"""The one Keras 3 layer config writer (``lstmviz/io/keras3_config.py``, used by the app's
JSON export and ``lstmviz train``'s ``.keras`` writer) against real Keras 3.15
``get_config()`` output (``tests/fixtures/keras3_layer_configs.json``, made by
``scripts/make_keras3_configs.py``): the same layer built in lstmviz from the same
arguments gives the same keys and values."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import FIXTURES
from lstmviz.app import export_data
from lstmviz.app.state import AppState
from lstmviz.engine import LayerSpec, Model
from lstmviz.engine.model import spec_config
from lstmviz.engine.spec import ModelSpec
from lstmviz.io.keras3_config import INITIALIZERS, initializer_config, jsonable, layer_config
from lstmviz.io.keras_writer import model_config

KERAS = json.loads((FIXTURES / "keras3_layer_configs.json").read_text())
CASES = KERAS["cases"]


def _without_build_config(obj):
    """Keras adds each layer's ``build_config`` (its input shape): Keras builds a loaded
    model from its input, so lstmviz leaves it out of inner layers."""
    if isinstance(obj, dict):
        return {k: _without_build_config(v) for k, v in obj.items() if k != "build_config"}
    if isinstance(obj, list):
        return [_without_build_config(v) for v in obj]
    return obj


def _model(case: dict, name: str) -> Model:
    first = LayerSpec("InputLayer", {"batch_shape": case["input_shape"], "dtype": case["input_dtype"]},
                      name="input_layer")
    return Model.from_spec(ModelSpec([first, LayerSpec(case["class_name"], case["config"], name=name)],
                                     keras_version="3"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_config_is_keras3s(name):
    case = CASES[name]
    layer = _model(case, name).layers[0]
    ours = jsonable(layer_config(layer.class_name, spec_config(layer), layer.name))
    assert ours == _without_build_config(case["keras"])


@pytest.mark.parametrize("name", ["lstm_options", "bidirectional", "rnn_stacked", "embedding",
                                  "time_distributed"])
def test_both_writers_give_keras3s_config(name):
    case = CASES[name]
    model = _model(case, name)
    want = _without_build_config(case["keras"])
    written = model_config(model)["config"]["layers"][1]  # lstmviz train's .keras
    assert _without_build_config(written) == want
    state = AppState()
    state.set_model(model)
    assert not state.readonly  # a plain stack: the app edits and exports it
    exported = export_data.keras_config(state)["config"]["layers"][1]
    assert _without_build_config(exported) == want


def test_initializer_names_as_keras_serialises_them():
    for name, want in KERAS["initializers"].items():
        assert initializer_config(name) == want, name
    assert set(KERAS["initializers"]) == set(INITIALIZERS)
    custom = {"class_name": "VarianceScaling", "config": {"scale": 2.0}}
    assert initializer_config(custom) == custom  # a dict from a file is kept as it is


def test_the_fixture_is_real_keras3():
    assert KERAS["keras_version"].startswith("3.") and len(CASES) >= 20
    lstm = CASES["lstm"]["keras"]["config"]
    assert lstm["kernel_initializer"]["class_name"] == "GlorotUniform" and np.isclose(lstm["dropout"], 0.0)


@pytest.mark.parametrize("name", [n for n in sorted(CASES) if CASES[n]["class_name"] in ("SimpleRNN", "LSTM", "GRU")])
def test_a_recurrent_layers_config_holds_only_its_kinds_keys(name):
    """A layer's config (``layer.config``, ``Model.to_spec()``) holds Keras' keys of its own
    kind: every recurrent layer's defaults held LSTM's ``unit_forget_bias`` and a gated
    cell's ``recurrent_activation`` (a SimpleRNN's spec said both)."""
    case = CASES[name]
    layer = _model(case, name).layers[0]
    keras_keys = set(case["keras"]["config"])
    assert set(layer.config) <= keras_keys, set(layer.config) - keras_keys
    spec = _model(case, name).to_spec().layers[1]
    assert set(spec.config) <= keras_keys, set(spec.config) - keras_keys
