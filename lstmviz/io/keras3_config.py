"""A layer's config as Keras 3 writes it (``layer.get_config()`` inside
``Sequential.get_config()``): the one table both the app's JSON export
(``app/export_data.keras_config``) and ``lstmviz train``'s ``.keras`` writer
(``io/keras_writer``) use.

The recurrent layers' and cells' keys are derived from the cell descriptions
(``engine/cells.py``); ``tests/test_keras3_config.py`` checks the result against real Keras
3.15 ``get_config()`` output (``tests/fixtures/keras3_layer_configs.json``, made by
``scripts/make_keras3_configs.py``).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from lstmviz.engine.keras3_keys import CELL_DEFAULTS, DEFAULTS, KEYS, REQUIRED, RNN_DEFAULTS  # noqa: F401
from lstmviz.text import snake_case

#: Keras 3's dtype policy of a float32 layer (``"dtype"`` of every layer's config).
DTYPE_POLICY: dict[str, Any] = {"module": "keras", "class_name": "DTypePolicy",
                                "config": {"name": "float32"}, "registered_name": None}

#: Keras 3.15 writes these layers' dtype as a plain name and no ``trainable``.
_PLAIN_DTYPE = ("SpatialDropout1D",)
#: How Keras 3.15 serialises an initializer given by name (``keras.initializers.get``).
_VARIANCE = {"seed": None, "input_axes": None, "output_axes": None}
_UNIFORM = ("RandomUniform", {"minval": -0.05, "maxval": 0.05, "seed": None})
_NORMAL = ("RandomNormal", {"mean": 0.0, "stddev": 0.05, "seed": None})
INITIALIZERS: dict[str, tuple[str, dict[str, Any]]] = {
    "glorot_uniform": ("GlorotUniform", _VARIANCE), "glorot_normal": ("GlorotNormal", _VARIANCE),
    "he_uniform": ("HeUniform", _VARIANCE), "he_normal": ("HeNormal", _VARIANCE),
    "lecun_uniform": ("LecunUniform", _VARIANCE), "lecun_normal": ("LecunNormal", _VARIANCE),
    "orthogonal": ("Orthogonal", {"gain": 1.0, "seed": None}), "identity": ("Identity", {}),
    "zeros": ("Zeros", {}), "ones": ("Ones", {}), "uniform": _UNIFORM, "random_uniform": _UNIFORM,
    "normal": _NORMAL, "random_normal": _NORMAL,
    "truncated_normal": ("TruncatedNormal", {"mean": 0.0, "stddev": 0.05, "seed": None}),
}
_WRAPPED = ("layer", "backward_layer", "cell")


def initializer_config(value: Any) -> Any:
    """An initializer given by name as Keras 3 serialises it; anything else as it is."""
    known = INITIALIZERS.get(value) if isinstance(value, str) else None
    if known is None:
        return value
    return {"module": "keras.initializers", "class_name": known[0], "config": dict(known[1]),
            "registered_name": None}


def jsonable(obj: Any) -> Any:
    """``obj`` with NumPy scalars and arrays as plain numbers and lists, keys as strings."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def layer_config(class_name: str, config: dict, name: str | None = None) -> dict:
    """``{"module", "class_name", "config", "registered_name"}`` as Keras 3.15's
    ``get_config()`` serialises the layer: its keys (``DEFAULTS``, Keras' defaults filled
    in), name (Keras' default name for an unnamed inner layer or cell), trainable, Keras'
    dtype policy, initializers by name as Keras serialises them, and wrapped layers and
    cells the same way; a Bidirectional's backward layer as Keras derives it. ``config`` is
    in ``LayerSpec`` form (``RNN`` with its ``cell``: ``engine.model.spec_config``)."""
    cfg = {k: v for k, v in copy.deepcopy(config).items() if not str(k).startswith("_")}
    defaults = DEFAULTS.get(class_name)
    if defaults is not None:
        cfg = {k: v for k, v in cfg.items() if k in defaults or k in ("name", "trainable")}
        for key, value in defaults.items():
            if key not in cfg and value is not REQUIRED:
                cfg[key] = copy.deepcopy(value)
    for key, value in cfg.items():
        if key.endswith("_initializer"):
            cfg[key] = initializer_config(value)
        elif key == "activation" and value is None:
            cfg[key] = "linear"
    cfg["name"] = name if name is not None else cfg.get("name") or snake_case(class_name)
    if class_name in _PLAIN_DTYPE:
        cfg.pop("trainable", None)
        cfg["dtype"] = "float32"
    else:
        cfg.setdefault("trainable", True)
        cfg["dtype"] = copy.deepcopy(DTYPE_POLICY)
    for key in _WRAPPED:
        inner = cfg.get(key)
        if isinstance(inner, list):  # RNN([cell, cell]): Keras stacks them
            inner = {"class_name": "StackedRNNCells", "config": {"cells": inner}}
        if isinstance(inner, dict) and "class_name" in inner:
            cfg[key] = layer_config(inner["class_name"], inner.get("config") or {})
    if isinstance(cfg.get("cells"), list):
        cfg["cells"] = [layer_config(c["class_name"], c.get("config") or {}) for c in cfg["cells"]
                        if isinstance(c, dict) and "class_name" in c]
    if class_name == "Bidirectional" and isinstance(cfg.get("layer"), dict):
        _bidirectional_halves(cfg)
    return {"module": "keras.layers", "class_name": class_name, "config": cfg,
            "registered_name": None}


def _bidirectional_halves(cfg: dict) -> None:
    """Keras' Bidirectional renames its layer ``forward_<name>``, gives both halves
    ``zero_output_for_mask = return_sequences`` and, without a ``backward_layer``, makes
    one from the forward layer (``backward_<name>``, ``go_backwards`` flipped)."""
    fwd = cfg["layer"]["config"]
    own = fwd["name"]
    fwd["name"] = f"forward_{own}"
    if "return_sequences" in fwd:
        fwd["zero_output_for_mask"] = bool(fwd["return_sequences"])
    back = cfg.get("backward_layer")
    if not isinstance(back, dict):
        back = copy.deepcopy(cfg["layer"])
        back["config"]["name"] = f"backward_{own}"
        back["config"]["go_backwards"] = not fwd.get("go_backwards", False)
        cfg["backward_layer"] = back
    elif "return_sequences" in back["config"]:
        back["config"]["zero_output_for_mask"] = bool(back["config"]["return_sequences"])
