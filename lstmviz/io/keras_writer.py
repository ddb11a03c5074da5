"""Saving a ``Model`` as a Keras 3 ``.keras`` file that Keras 3's ``load_model`` opens.

The zip holds what Keras 3.x writes: ``metadata.json``, ``config.json`` (a ``Sequential``
config: an ``InputLayer`` then each layer's config as Keras 3's ``get_config()`` writes it,
``io/keras3_config.layer_config``) and ``model.weights.h5``, whose groups follow Keras' own saving walk
(``saving_lib``): ``layers/<snake_case class name>[_k]`` per layer, ``cell/vars/0..`` for a
recurrent layer, ``forward_layer``/``backward_layer`` in a Bidirectional, ``layer`` in a
TimeDistributed, ``cell/cells/<cell class>[_k]`` in a stacked ``RNN``; a model trained here
(``engine.compiled.for_keras``) also gets ``compile_config`` in ``config.json`` and its
optimizer's variables in ``optimizer/vars`` (iterations, learning rate, the slots in Keras'
order), so Keras' ``load_model`` then ``fit`` goes on from them. Only a plain stack
(``Sequential``) is written; a graph model is refused with a message.
"""

from __future__ import annotations

import copy
import io
import json
import time
import zipfile
from pathlib import Path

import numpy as np

from lstmviz.engine import layers as L
from lstmviz.engine.compiled import ForKeras, for_keras
from lstmviz.errors import LstmvizError
from lstmviz.files import write_atomic
from lstmviz.io.keras3_config import DTYPE_POLICY, jsonable, layer_config
from lstmviz.text import snake_case

KERAS_VERSION = "3.15.1"

def _activations(config) -> set:
    """Every activation a layer config names, its inner layers' and cells' too."""
    found = set()
    if isinstance(config, dict):
        for key, value in config.items():
            if key in ("activation", "recurrent_activation") and isinstance(value, str):
                found.add(value)
            else:
                found |= _activations(value)
    elif isinstance(config, list):
        for value in config:
            found |= _activations(value)
    return found


def keras3_caveat(model) -> str | None:
    """Why a Keras 3 file (a .keras, a config) of a Keras 1/2 ``model`` computes other
    numbers than the model, or None: a file names an activation only, and Keras 3's
    hard_sigmoid is not Keras 1/2's."""
    if model.keras_major >= 3:
        return None
    names = [layer.name for layer in model.layers if "hard_sigmoid" in _activations(layer.config)]
    if not names:
        return None
    return (f"this Keras {model.keras_major} model's hard_sigmoid ({', '.join(names)}) is clip(0.2x + 0.5, "
            "0, 1); a Keras 3 file names the activation only, and Keras 3's hard_sigmoid is "
            "relu6(x + 3) / 6: the saved model computes other numbers")


def model_config(model) -> dict:
    if not model.is_sequential:
        raise LstmvizError("only a plain stack (Sequential) can be saved as .keras; this model "
                           "has several inputs or branches")
    shape = list(model.input_shapes()[0])
    first = model.layers[0]
    dtype = "int32" if isinstance(first, L.Embedding) else "float32"
    layers = [{"module": "keras.layers", "class_name": "InputLayer",
               "config": {"batch_shape": shape, "dtype": dtype, "sparse": False, "ragged": False,
                          "name": "input_layer", "optional": False}, "registered_name": None}]
    for layer in model.layers:
        if isinstance(layer, (L.NotEqual, L.AnyOp)):
            raise LstmvizError(f"layer '{layer.name}' ({layer.class_name}) cannot be saved as .keras")
        cfg = dict(layer.config)
        if layer.class_name == "RNN":
            from lstmviz.engine.model import spec_config

            cfg = spec_config(layer)
        cfg["name"] = layer.name
        if layer.keras_major < 3 and not L.trains(cfg):
            cfg = _frozen_inside(cfg)
        layers.append(layer_config(layer.class_name, cfg))
    return jsonable({
        "module": "keras", "class_name": "Sequential",
        "config": {"name": model.name or "sequential", "trainable": True,
                   "dtype": copy.deepcopy(DTYPE_POLICY), "layers": layers},
        "registered_name": None,
        "build_config": {"input_shape": shape},
    })


def _frozen_inside(cfg: dict) -> dict:
    """A frozen wrapper's or RNN's config (a Keras 2 file's: what it holds trains no more,
    ``layers.weight_trains``) with what it wraps frozen too, as Keras 3's ``layer.trainable =
    False`` leaves it: Keras 3 reads only the flag of the layer holding the weights."""
    cfg = copy.deepcopy(cfg)
    for key in ("layer", "backward_layer", "cell", "cells"):
        inner = cfg.get(key)
        for part in inner if isinstance(inner, list) else [inner]:
            if isinstance(part, dict) and isinstance(part.get("config"), dict):
                part["config"]["trainable"] = False
                part["config"].update(_frozen_inside(part["config"]))
    return cfg


def _vars(group, arrays, name):
    v = group.create_group("vars")
    v.attrs["name"] = name
    for k, a in enumerate(arrays):
        v.create_dataset(str(k), data=np.asarray(a, np.float32))


def _cell_name(kind: str) -> str:
    return snake_case(kind) + "_cell"


def _write_layer(g, layer) -> None:
    if isinstance(layer, L.Bidirectional):
        _vars(g, [], layer.name)
        for side, half in (("forward_layer", layer.forward_layer), ("backward_layer", layer.backward_layer)):
            _write_layer(g.create_group(side), half)
        return
    if isinstance(layer, L.TimeDistributed):
        _vars(g, [], layer.name)
        _write_layer(g.create_group("layer"), layer.inner)
        return
    if isinstance(layer, L.StackedRNN):
        _vars(g, [], layer.name)
        cell = g.create_group("cell")
        _vars(cell, [], "stacked_rnn_cells")
        cells = cell.create_group("cells")
        used: dict[str, int] = {}
        for c in layer.cells:
            name = _unique(snake_case(f"{c.kind}Cell"), used)
            _vars(cells.create_group(name), c.weights, _cell_name(c.kind))
        return
    if isinstance(layer, L.Recurrent):
        _vars(g, [], layer.name)
        _vars(g.create_group("cell"), layer.weights, _cell_name(layer.kind))
        return
    _vars(g, layer.weights, layer.name)


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def weights_h5(model, training: ForKeras | None = None) -> bytes:
    import h5py

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        root = f.create_group("layers")
        used: dict[str, int] = {}
        for layer in model.layers:
            _write_layer(root.create_group(_unique(snake_case(type_name(layer)), used)), layer)
        if training is not None and training.variables is not None and training.compile_config is not None:
            # (Keras' saving walk: the optimizer's variables after the layers', iterations as int64)
            v = f.create_group("optimizer").create_group("vars")
            v.attrs["name"] = training.compile_config["optimizer"]["config"]["name"]
            for k, a in enumerate(training.variables):
                v.create_dataset(str(k), data=a)
        v = f.create_group("vars")
        v.attrs["name"] = model.name or "sequential"
    return buf.getvalue()


def type_name(layer) -> str:
    """The Keras class whose snake-case name keys the layer's weights group."""
    if layer.class_name == "RNN":
        return "RNN"
    return layer.class_name


def keras_bytes(model, training: ForKeras | None = None) -> bytes:
    """The ``.keras`` file's bytes; ``training``: what it keeps of the model's training
    (``engine.compiled.for_keras``'s, by default of the model itself)."""
    config = model_config(model)
    if training is None:
        training = for_keras(model)
    if training.compile_config is not None:
        config["compile_config"] = jsonable(training.compile_config)
    meta = {"keras_version": KERAS_VERSION,
            "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S", time.gmtime())}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("metadata.json", json.dumps(meta))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", weights_h5(model, training))
    return out.getvalue()


def save_keras(model, path, training: ForKeras | None = None) -> Path:
    """Write ``model`` (weights included) to ``path`` as a Keras 3 ``.keras`` file, atomically;
    with what it was compiled and trained with (``training``, by default
    ``engine.compiled.for_keras(model)``: the last ``fit``'s loss and optimizer state)."""
    path = Path(path)
    if path.is_dir():
        raise LstmvizError(f"{path}: is a directory; give a file name ending in .keras")
    if path.suffix != ".keras":
        raise LstmvizError(f"{path}: a Keras 3 model file must end in .keras")
    return write_atomic(path, keras_bytes(model, training))
