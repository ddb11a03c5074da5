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


def _dropouts(given: dict, config: dict) -> list:
    """The dropout and recurrent_dropout of ``config`` (a layer's config or Keras') where
    ``given`` (the arguments it was built from) sets one, in the cells and layers it wraps too."""
    out = [config.get(k) for k in ("dropout", "recurrent_dropout") if k in given]
    for key in ("cell", "cells", "layer"):
        inner, theirs = given.get(key), config.get(key)
        if isinstance(inner, dict) and isinstance(inner.get("config"), dict) and isinstance(theirs, dict):
            out += _dropouts(inner["config"], theirs["config"])
        elif isinstance(inner, list):  # (RNN([cell, cell]): Keras' StackedRNNCells)
            cells = theirs["config"]["cells"] if isinstance(theirs, dict) else theirs
            for part, their in zip(inner, cells):
                out += _dropouts(part["config"], their["config"])
    return out


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.endswith("_dropout_clamped")))
def test_dropouts_outside_0_1_are_clamped_as_keras_cells_clamp_them(name):
    """Keras' SimpleRNNCell, LSTMCell and GRUCell keep ``min(1.0, max(0.0, x))`` (2 is 1.0, -1
    and NaN 0.0): ``LSTM(dropout=2)`` was refused while ``RNN(cell=LSTMCell(dropout=2))`` kept
    2 silently. Each case's dropouts are Keras' get_config() of the same arguments, by
    ``Model.sequential`` (Keras 3's keys checked) as by a spec."""
    case = CASES[name]
    given = case["config"]
    want = _dropouts(given, case["keras"]["config"])
    assert want and all(0.0 <= d <= 1.0 for d in want) and want != _dropouts(given, given)
    model = Model.sequential(case["input_shape"], [LayerSpec(case["class_name"], given, name=name)])
    assert _dropouts(given, model.to_spec().layers[1].config) == want
    layer = model.layers[0]
    parts = getattr(layer, "cells", None) or [getattr(layer, "forward_layer", layer)]
    kept = [p.config.get(k) for p in parts for k in ("dropout", "recurrent_dropout")]
    assert [d for d in kept if d is not None and d != 0.0] == [d for d in want if d != 0.0]  # (what the cells use)


def test_a_files_dropout_outside_0_1_opens_clamped_and_a_word_for_one_is_refused():
    import io
    import zipfile

    import lstmviz
    from lstmviz.errors import LstmvizError

    def with_dropout(value) -> bytes:
        src = zipfile.ZipFile(FIXTURES / "k3_lstm_default" / "model.keras")
        config = json.loads(src.read("config.json"))
        lstm = next(l for l in config["config"]["layers"] if l["class_name"] == "LSTM")
        lstm["config"]["dropout"] = value
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for item in src.namelist():
                dst.writestr(item, json.dumps(config) if item == "config.json" else src.read(item))
        return out.getvalue()

    model = lstmviz.load(with_dropout(2), isolate=False)
    assert next(l for l in model.layers if l.class_name == "LSTM").config["dropout"] == 1.0
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(with_dropout("\x1b[2Jhalf"), isolate=False)
    assert "dropout is '\\x1b[2Jhalf'; accepted: a number (Keras clamps it to 0..1)" in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", sorted(n for n in KERAS["refused"] if not n.startswith("regularizer_")))
def test_what_keras3s_constructor_refuses_is_refused_in_one_line(name):
    """``ActivityRegularization(l1=-1)`` (and NaN, infinity, a string): Keras 3's L1L2 refuses
    it ("expected a non-negative float"); lstmviz took it. Refused as Keras refuses it,
    naming the same argument; a Keras 2 stack is not held to it."""
    from lstmviz.errors import LstmvizError

    case = KERAS["refused"][name]
    key = next(iter(case["config"]))
    assert case["error"] == "ValueError" and f"argument {key}" in case["message"]
    with pytest.raises(LstmvizError) as err:
        Model.sequential((None, 5, 3), [LayerSpec(case["class_name"], case["config"])])
    said = str(err.value)
    assert "\n" not in said and said.startswith(f"layers[0] ({case['class_name']}): {key} is ")
    assert said.endswith(f"accepted: a finite number of at least 0 (or None: 0), as Keras 3's {case['class_name']} "
                         "takes it")
    Model.sequential((None, 5, 3), [LayerSpec(case["class_name"], case["config"])], keras_version="2")


def _regularizers(config: dict, where: str = "") -> list[tuple[str, str, dict]]:
    """(where, key, regularizer) of each ``*_regularizer`` in a config and the layers and cells
    it wraps ("its cell (SimpleRNNCell): ")."""
    out = [(where, k, v) for k, v in config.items() if k.endswith("_regularizer") and isinstance(v, dict)]
    for key in ("layer", "cell"):
        inner = config.get(key)
        for part in inner if isinstance(inner, list) else [inner] if isinstance(inner, dict) else []:
            out += _regularizers(part["config"], f"{where}its {key} ({part['class_name']}): ")
    return out


@pytest.mark.parametrize("name", sorted(n for n in KERAS["refused"] if n.startswith("regularizer_")))
def test_a_regularizer_keras3_refuses_is_refused_in_one_line_wherever_it_stands(name):
    """``LSTM(kernel_regularizer=L1L2(l1=-0.1))`` (NaN, infinity, a string; an L1, L2 or
    OrthogonalRegularizer; in an RNN's cell, a stack of cells, a Bidirectional's layer): Keras
    3's regularizers refuse the factor as the layer is built ("Invalid value for argument l1:
    expected a non-negative float"); lstmviz took it. Refused naming the layer, the key and the
    factor Keras names; a Keras 2 stack (which took any) is not held to it."""
    from lstmviz.errors import LstmvizError

    case = KERAS["refused"][name]
    (where, key, reg), = _regularizers(case["config"])
    factor = case["message"].split("argument ")[1].split(":")[0]
    assert case["error"] == "ValueError" and factor in reg["config"]
    shape = (None, 5) if case["class_name"] == "Embedding" else (None, 5, 3)
    with pytest.raises(LstmvizError) as err:
        Model.sequential(shape, [LayerSpec(case["class_name"], case["config"])])
    said = str(err.value)
    assert "\n" not in said
    assert said.startswith(f"layers[0] ({case['class_name']}): {where}{key}'s {factor} is "
                           f"{reg['config'][factor]!r}; accepted: a finite number of at least 0")
    assert said.endswith(f"as Keras 3's {reg['class_name'] if reg['class_name'] != 'l2' else 'L2'} takes it")
    Model.sequential(shape, [LayerSpec(case["class_name"], case["config"])], keras_version="2")
    fine = json.loads(json.dumps(case["config"]).replace(json.dumps(reg), json.dumps(
        {**reg, "config": {**reg["config"], factor: 0.01}})))  # (the same factor, one Keras takes)
    Model.sequential(shape, [LayerSpec(case["class_name"], fine)])


def test_a_regularizer_factor_of_none_is_taken_where_keras_takes_it():
    """L1, L2 and L1L2 take None as their default; OrthogonalRegularizer does not (Keras 3.15:
    ``validate_float_arg(None)`` raises); a regularizer by name is Keras' to judge."""
    from lstmviz.errors import LstmvizError

    for cls, key in (("L1", "l1"), ("L2", "l2"), ("L1L2", "l1")):
        Model.sequential((None, 5, 3), [LayerSpec("GRU", {"units": 2, "kernel_regularizer": {
            "class_name": cls, "config": {key: None}}})])
    Model.sequential((None, 5, 3), [LayerSpec("GRU", {"units": 2, "kernel_regularizer": "l1_l2"})])
    with pytest.raises(LstmvizError, match=r"kernel_regularizer's factor is None; accepted: a finite number of "
                                           r"at least 0, as Keras 3's OrthogonalRegularizer takes it$"):
        Model.sequential((None, 5, 3), [LayerSpec("Dense", {"units": 2, "kernel_regularizer": {
            "class_name": "OrthogonalRegularizer", "config": {"factor": None}}})])


def test_the_cells_of_stacked_rnn_cells_are_checked_as_an_rnns_cell_is():
    """``RNN(cell=StackedRNNCells([...]))`` (the form Keras' get_config writes for
    ``RNN([cell, cell])``): its cells' keys were not checked, where a single cell's are."""
    from lstmviz.errors import LstmvizError

    def cell(cls, **config):
        return {"class_name": cls, "config": config}

    stacked = {"cell": cell("StackedRNNCells", cells=[cell("LSTMCell", units=2), cell("GRUCell", units=2, unitz=3)])}
    with pytest.raises(LstmvizError) as err:
        Model.sequential((None, 5, 3), [LayerSpec("RNN", stacked)])
    assert str(err.value).startswith("layers[0] (RNN): its cell (StackedRNNCells): its cells (GRUCell): unknown "
                                     "config key 'unitz' (did you mean 'units'?); Keras 3's GRUCell takes: ")
    stacked["cell"]["config"]["cells"][1]["config"].pop("unitz")
    Model.sequential((None, 5, 3), [LayerSpec("RNN", stacked)])


def test_a_penalty_of_none_is_taken_as_keras_takes_it():
    case = CASES["activity_regularization_none"]
    assert case["keras"]["config"]["l1"] is None  # (Keras: L1L2 takes None as 0)
    model = Model.sequential(case["input_shape"], [LayerSpec(case["class_name"], case["config"])])
    assert model.layers[0].config["l1"] is None
