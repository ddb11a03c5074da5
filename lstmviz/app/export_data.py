"""What the exports hold, computed without Qt: the trace as ``.npz`` (the arrays
``lstmviz trace --out`` writes too) or as one long ``.csv`` table, and the stack as Keras 3's
``Sequential`` JSON config. ``ui/export.py`` adds the pictures and the animations, and the
format of each file is described there.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import numpy as np

from lstmviz.app.session import write_atomic
from lstmviz.engine.cells import CELLS
from lstmviz.errors import LstmvizError


def save_npz(trace, path) -> Path:
    """``np.savez_compressed`` of ``trace.flat()`` (or of a dict of arrays) to exactly
    ``path`` (no '.npz' appended), atomically."""
    arrays = trace.flat() if hasattr(trace, "flat") else trace
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return write_atomic(path, buf.getvalue())


def trace_rows(trace, sample_offset: int = 0):
    """The long table's rows: (layer, key, sample, step, unit, value)."""
    for flat_key, arr in trace.flat().items():
        layer, _, key = flat_key.partition("/")
        a = np.asarray(arr)
        if a.ndim == 0:
            a = a.reshape(1, 1)
        if a.ndim == 1:
            a = a[None]
        if a.ndim > 3:
            a = a.reshape(a.shape[0], a.shape[1], -1)
        if a.ndim == 2:
            for s, u in np.ndindex(a.shape):
                yield layer, key, s + sample_offset, "", u, a[s, u]
        else:
            for s, t, u in np.ndindex(a.shape):
                yield layer, key, s + sample_offset, t, u, a[s, t, u]


def csv_text(trace, sample_offset: int = 0) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["layer", "key", "sample", "step", "unit", "value"])
    for layer, key, s, t, u, v in trace_rows(trace, sample_offset):
        w.writerow([layer, key, s, t, u, repr(float(v)) if np.issubdtype(type(v), np.floating) else int(v)])
    return out.getvalue()


def save_csv(trace, path, sample_offset: int = 0) -> Path:
    return write_atomic(path, csv_text(trace, sample_offset).encode("utf-8"))


_WRAPPED = ("layer", "backward_layer", "cell")
_RNN_KEYS = ("activation", "bias_constraint", "bias_initializer", "bias_regularizer", "dropout",
             "go_backwards", "kernel_constraint", "kernel_initializer", "kernel_regularizer",
             "recurrent_constraint", "recurrent_dropout", "recurrent_initializer",
             "recurrent_regularizer", "return_sequences", "return_state", "seed", "stateful",
             "units", "unroll", "use_bias", "activity_regularizer")
#: the config keys Keras 3.15's layers accept (their __init__ arguments), besides
#: name/trainable/dtype; anything else lstmviz keeps in a config is left out of the export
KERAS3_KEYS = {
    **{c.name: _RNN_KEYS + c.config_keys() + (("use_cudnn",) if c.cudnn_class else ())
       for c in CELLS.values()},
    "RNN": ("cell", "go_backwards", "return_sequences", "return_state", "stateful", "unroll",
            "zero_output_for_mask"),
    "Dense": ("activation", "activity_regularizer", "bias_constraint", "bias_initializer",
              "bias_regularizer", "kernel_constraint", "kernel_initializer", "kernel_regularizer",
              "units", "use_bias"),
    "Embedding": ("embeddings_constraint", "embeddings_initializer", "embeddings_regularizer",
                  "input_dim", "mask_zero", "output_dim"),
    "Bidirectional": ("backward_layer", "layer", "merge_mode"),
    "TimeDistributed": ("layer",),
    "Activation": ("activation",), "ActivityRegularization": ("l1", "l2"),
    "Dropout": ("noise_shape", "rate", "seed"), "AlphaDropout": ("noise_shape", "rate", "seed"),
    "GaussianDropout": ("rate", "seed"), "GaussianNoise": ("seed", "stddev"),
    "SpatialDropout1D": ("rate", "seed"), "Masking": ("mask_value",), "Flatten": ("data_format",),
    "RepeatVector": ("n",), "Reshape": ("target_shape",), "Concatenate": ("axis",),
    "Add": (), "Subtract": (), "Multiply": (), "Average": (), "Maximum": (), "Minimum": (),
}


def keras_layer_config(class_name: str, config: dict, name: str | None = None) -> dict:
    cfg = {k: v for k, v in copy.deepcopy(config).items() if not str(k).startswith("_")}
    keep = KERAS3_KEYS.get(class_name)
    if keep is not None:
        cfg = {k: v for k, v in cfg.items() if k in keep or k in ("name", "trainable", "dtype")}
    if name is not None:
        cfg["name"] = name
    cfg.setdefault("trainable", True)
    cfg.setdefault("dtype", "float32")
    for key in _WRAPPED:
        inner = cfg.get(key)
        if isinstance(inner, dict) and "class_name" in inner:
            cfg[key] = keras_layer_config(inner["class_name"], inner.get("config", {}))
    if isinstance(cfg.get("cells"), list):
        cfg["cells"] = [keras_layer_config(c["class_name"], c.get("config", {})) for c in cfg["cells"]
                        if isinstance(c, dict) and "class_name" in c]
    return {"module": "keras.layers", "class_name": class_name, "config": cfg, "registered_name": None}


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def keras_config(state, name: str = "sequential") -> dict:
    """The stack as Keras 3's ``Sequential.get_config()`` would write it (no weights)."""
    model = state.model
    if model is None:
        raise LstmvizError("there is no valid stack to export (fix the stack first)")
    if state.readonly or not model.is_sequential:
        raise LstmvizError("only a plain stack exports as a Keras Sequential config; this "
                           "model has several inputs or branches")
    shape = list(state.input_shape())
    dtype = "int32" if state.embedding_first else "float32"
    layers = [{"module": "keras.layers", "class_name": "InputLayer",
               "config": {"batch_shape": shape, "dtype": dtype, "sparse": False,
                          "name": "input_layer"}, "registered_name": None}]
    for layer in model.layers:
        layers.append(keras_layer_config(layer.class_name, layer.config, layer.name))
    return _jsonable({
        "module": "keras", "class_name": "Sequential",
        "config": {"name": name, "trainable": True,
                   "dtype": {"module": "keras", "class_name": "DTypePolicy",
                             "config": {"name": "float32"}, "registered_name": None},
                   "layers": layers, "build_input_shape": shape},
        "registered_name": None,
        "build_config": {"input_shape": shape},
    })


def save_keras_json(state, path) -> Path:
    text = json.dumps(keras_config(state), indent=2)
    return write_atomic(path, text.encode("utf-8"))
