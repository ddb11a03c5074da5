"""A Keras model config (a dict, as ``model.to_json()`` holds it) read into a ``ModelSpec``
without weights, through the loaders' own config parser: an exported config reads back
like a file's."""

from __future__ import annotations

from lstmviz.engine.spec import LayerSpec, ModelSpec
from lstmviz.errors import LstmvizError

from . import _ensure_input_layer
from ._graph import parse_model
from ._layers import strip_private
from ._util import Fail


def spec_from_keras_config(config: dict) -> ModelSpec:
    """A ``ModelSpec`` (no weights) from a Keras model config dict, through the loaders'
    own config parser (so an exported config reads back like a file's)."""
    if not isinstance(config, dict):
        raise LstmvizError("a Keras config is a JSON object")
    try:
        graph = parse_model(config.get("class_name"), config.get("config"))
    except Fail as err:
        raise LstmvizError(f"not a usable Keras config: {err}") from None
    layers = [LayerSpec(r.cls, strip_private(r.cfg), r.name, None, list(r.inbound), list(r.initial_state))
              for r in graph.recs]
    spec = ModelSpec(layers=layers, inputs=list(graph.inputs), outputs=list(graph.outputs),
                     name=graph.name, keras_version="3")
    if graph.sequential:
        _ensure_input_layer(spec)
    return spec
