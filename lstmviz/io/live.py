"""Live model objects from a notebook -> ``ModelSpec``, without importing Keras or torch.

- A Keras model (Keras 3, tf.keras / tf_keras 2.x; ``Sequential`` or functional) is read
  through what it offers anyway: ``type(model).__name__``, ``model.get_config()`` (the same
  config a ``.keras`` or ``.h5`` file holds, parsed by the same code as files) and each
  layer's ``get_weights()`` (NumPy arrays, in the order Keras saves them). Its Keras
  version comes from the module the class lives in (``keras``, ``tf_keras``), already
  imported by the user. A subclassed model has no config graph: refused in one line.
- A PyTorch ``nn.Module`` holding ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` (and ``nn.Linear``
  heads), or a bare state_dict mapping: ``state_dict()``'s tensors become arrays by duck
  typing (``.detach().cpu().numpy()``) and are mapped exactly as a saved state_dict file
  (``torch_state``). What the module itself says and a file does not (``nn.RNN``'s
  ``nonlinearity``, modules with no weights) is used, and noted in the summary.

Nothing here runs code of the object beyond those calls. Every name the object gives is
escaped as a file's are (``_cleaned``: ``text.clean_spec_names``, on both readers' way out).
"""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from functools import wraps
from typing import Any, Callable

import numpy as np

from ..engine.spec import ModelSpec
from ..errors import LstmvizError
from ..text import clean_spec_names
from ._layers import MODEL_CLASSES, expected_count
from ._util import Fail

__all__ = ["is_keras_model", "is_torch_module", "spec_from_keras", "spec_from_torch",
           "spec_from_object"]

MAX_TENSORS = 100_000


def _cleaned(read: Callable[[Any], ModelSpec]) -> Callable[[Any], ModelSpec]:
    """``read``'s spec with every name made safe (``text.clean_spec_names``, as a file's
    reader does): a live object's layer, module and class names are the object's text,
    shown in the summary, the notes and the window as a file's are. The one place a live
    object's spec passes on its way out."""
    @wraps(read)
    def spec(obj: Any) -> ModelSpec:
        return clean_spec_names(read(obj))
    return spec


def is_keras_model(obj: Any) -> bool:
    return (callable(getattr(obj, "get_config", None)) and callable(getattr(obj, "get_weights", None))
            and hasattr(obj, "layers"))


def is_torch_module(obj: Any) -> bool:
    return callable(getattr(obj, "state_dict", None)) and callable(getattr(obj, "named_modules", None))


def _is_tensor(v: Any) -> bool:
    return callable(getattr(v, "detach", None)) or isinstance(v, np.ndarray)


def _jsonable(obj: Any) -> Any:
    """What ``json.dumps`` cannot take in a live config: NumPy scalars, TensorShapes, dtypes."""
    if isinstance(obj, np.generic):
        return obj.item()
    if callable(getattr(obj, "as_list", None)):  # tf.TensorShape
        try:
            return obj.as_list()
        except ValueError:
            return None
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=str)
    if hasattr(obj, "name") and isinstance(obj.name, str):  # a dtype object
        return obj.name
    return str(obj)


def _keras_version(model: Any) -> str:
    """The version of the Keras the object comes from (``keras`` 3.x, ``tf_keras`` 2.x...)."""
    root = type(model).__module__.split(".")[0]
    mod = sys.modules.get(root)
    version = getattr(mod, "__version__", None)
    if root == "tensorflow":  # tf.keras inside TensorFlow < 2.16: Keras 2
        version = getattr(getattr(mod, "keras", None), "__version__", None) or "2"
    return str(version) if version else "3"


def _layers_of(obj: Any) -> list:
    layers = getattr(obj, "layers", None)
    try:
        return list(layers) if layers is not None else []
    except TypeError:
        return []


def _find_layer(model: Any, name: str, group: str, nested: bool):
    """The live layer a parsed record stands for: by name at the top, or inside the nested
    model ``group`` (searched depth first)."""
    top = {getattr(l, "name", None): l for l in _layers_of(model)}
    if not nested:
        return top.get(name)
    stack = [top.get(group)]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        for inner in _layers_of(node):
            if getattr(inner, "name", None) == name:
                return inner
            stack.append(inner)
    return None


@_cleaned
def spec_from_keras(model: Any) -> ModelSpec:
    """A ``ModelSpec`` of a live Keras model (see the module docstring). Raises LstmvizError."""
    from ._graph import parse_model
    from .keras import _build_spec

    cls = type(model).__name__
    label = f"Keras model '{getattr(model, 'name', cls)}'"
    if cls not in MODEL_CLASSES:
        raise LstmvizError(f"{label}: a subclassed model ({cls}) has no layer graph lstmviz can "
                           "read; supported: Sequential and functional Keras models (or save it "
                           "with model.save and open the file)")
    try:
        config = model.get_config()
        config = json.loads(json.dumps(config, default=_jsonable))  # a plain copy, as in a file
    except NotImplementedError:
        raise LstmvizError(f"{label}: get_config() is not implemented; supported: Sequential "
                           "and functional Keras models") from None
    version = _keras_version(model)
    try:
        graph = parse_model(cls, config)
        weights: dict[str, tuple[list[np.ndarray], list[str]]] = {}
        for r in graph.recs:
            if expected_count(r.cls, r.cfg) == 0 or r.cls == "InputLayer":
                continue
            layer = _find_layer(model, r.name, r.group, r.nested)
            if layer is None:
                raise Fail(f"layer '{r.name}' of the config is not among the model's layers")
            arrays = [np.array(a) for a in layer.get_weights()]
            if arrays:
                weights[r.name] = (arrays, [])
        spec = _build_spec(graph, weights, version, "keras-object")
    except Fail as f:
        raise LstmvizError(f"{label}: {f.what}; {f.supported}") from None
    spec.source = {"format": "keras-object", "path": None, "weights_only": False,
                   "framework": "keras", "keras_version": version}
    return spec


def _to_array(name: str, value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    t = value.detach()
    if callable(getattr(t, "cpu", None)):
        t = t.cpu()
    try:
        return np.asarray(t.numpy())
    except TypeError:  # bfloat16 and friends have no NumPy dtype
        return np.asarray(t.float().numpy())


def _state_dict_arrays(sd: Any) -> "OrderedDict[str, np.ndarray]":
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    for k, v in list(sd.items())[:MAX_TENSORS + 1]:
        if len(out) >= MAX_TENSORS:
            raise LstmvizError(f"the state_dict holds more than {MAX_TENSORS} tensors")
        if isinstance(k, str) and _is_tensor(v):
            out[k] = _to_array(k, v)
    return out


@_cleaned
def spec_from_torch(module: Any) -> ModelSpec:
    """A ``ModelSpec`` of a live torch module (or a state_dict mapping). Raises LstmvizError."""
    from .torch_state import Fail as TorchFail
    from .torch_state import _build_spec as torch_build_spec

    label = type(module).__name__
    sd_obj = module.state_dict() if is_torch_module(module) else module
    if not hasattr(sd_obj, "items"):
        raise LstmvizError(f"{label}: not a torch module or a state_dict")
    sd = _state_dict_arrays(sd_obj)
    relu, extra, batch_second = [], [], []
    if is_torch_module(module):
        for name, sub in module.named_modules():
            kind = type(sub).__name__
            if kind == "RNN" and getattr(sub, "nonlinearity", "tanh") == "relu":
                relu.append(name)
            if kind in ("RNN", "LSTM", "GRU") and getattr(sub, "batch_first", True) is False:
                batch_second.append(name or kind)
            own = list(getattr(sub, "_parameters", {}) or {}) + list(getattr(sub, "_buffers", {}) or {})
            children = list(getattr(sub, "_modules", {}) or {})
            if name and not own and not children:
                extra.append(f"{name} ({kind})")
    try:
        spec = torch_build_spec(sd, label, "torch-module", "", extra[:20])
    except TorchFail as f:
        raise LstmvizError(f"{label}: {f.what}; {f.supported}") from None
    spec.name = label
    notes = spec.source.get("notes", [])
    if relu:
        for ls in spec.layers:
            cfgs = [ls.config] + ([ls.config["layer"]["config"]] if ls.class_name == "Bidirectional" else [])
            for prefix in relu:
                base = prefix or "simplernn"
                if ls.name is not None and (ls.name == base or ls.name.startswith(base + "_l")):
                    for cfg in cfgs:
                        cfg["activation"] = "relu"
        notes = [n.replace("nn.RNN's nonlinearity is not stored in the state_dict: assumed tanh "
                           "(the default; a model built with nonlinearity='relu' will differ).",
                           f"nn.RNN's nonlinearity read from the module: relu for "
                           f"{', '.join(p or '(top level)' for p in relu)}.") for n in notes]
    if batch_second:
        notes.append(f"{', '.join(batch_second)} has batch_first=False: lstmviz takes inputs as "
                     "(batch, time, features); transpose a (time, batch, features) tensor first.")
    spec.source.update({"path": None, "format": "torch-module", "notes": notes})
    return spec


def spec_from_object(obj: Any) -> ModelSpec:
    """Keras model, torch module or state_dict mapping -> ``ModelSpec``."""
    if is_keras_model(obj):
        return spec_from_keras(obj)
    if is_torch_module(obj) or (hasattr(obj, "items") and any(_is_tensor(v) for v in list(obj.values())[:64])):
        return spec_from_torch(obj)
    raise LstmvizError(f"lstmviz cannot read a {type(obj).__name__}: give a file path, an lstmviz "
                       "Model or Trace, a Keras Sequential/functional model, or a torch module "
                       "holding nn.LSTM / nn.GRU / nn.RNN")
