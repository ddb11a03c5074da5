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

from ..engine.spec import ModelSpec, keras_major_of
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
    compiled = _compiled(model, version, [a for arrays, _ in weights.values() for a in arrays])
    if compiled is not None:  # (as a .keras file's compile_config: fit's and the Train tab's defaults)
        spec.source.update({"compile": compiled, "notes": list(compiled["notes"])})
    return spec


def _compiled(model: Any, version: str, arrays: list[np.ndarray]) -> dict | None:
    """What a live Keras model was compiled with, as names and numbers: its
    ``get_compile_config()`` (Keras 3 and tf.keras 2.13+: the ``compile_config`` a ``.keras``
    file holds; an older tf.keras: ``model.loss`` and ``model.optimizer.get_config()``), read
    by ``engine.compiled.read_compile_config`` as a file's is, with its optimizer's variables
    as the state a file saves after training (``_live_state``); None where it was not
    compiled. ``arrays``: the model's weights (the state is theirs)."""
    from ..engine.compiled import read_compile_config

    optimizer = getattr(model, "optimizer", None)
    try:
        get = getattr(model, "get_compile_config", None)
        if callable(get):
            config = get()
        else:
            config = {"loss": getattr(model, "loss", None),
                      "optimizer": None if optimizer is None else {
                          "class_name": type(optimizer).__name__, "config": optimizer.get_config()}}
        if not isinstance(config, dict) or not any(v is not None for v in config.values()):
            return None
        loss = config.get("loss")  # (a live loss object, as model.loss holds it: losses.canonical reads it)
        config = json.loads(json.dumps({k: v for k, v in config.items() if k != "loss"}, default=_jsonable))
        config["loss"] = json.loads(json.dumps(loss, default=_jsonable)) if isinstance(loss, (dict, list)) else loss
    except Exception as err:  # noqa: BLE001 - the object's own code: any failure is a note, not lstmviz's error
        why = f"compile_config: the live model's compile settings cannot be read ({type(err).__name__})"
        return {"loss": None, "optimizer": None, "notes": [why], "config": "compile_config"}
    keras2 = keras_major_of(version) < 3  # (tf_keras names a metric class given by name its own way)
    compiled = read_compile_config(config, keras2=keras2)
    if compiled is None or compiled.get("optimizer") is None or optimizer is None:
        return compiled
    return read_compile_config(config, _live_state(optimizer, version, compiled["optimizer"], arrays), keras2=keras2)


def _live_state(optimizer: Any, version: str, compiled: dict, arrays: list[np.ndarray]):
    """The state of a live model's optimizer, as ``engine.compiled`` reads a file's: Keras
    3's ``variables`` (iterations, learning rate, the slots: ``saved_state``, as a ``.keras``
    file's ``optimizer/vars``), tf.keras' by their names (``legacy_state``, as an HDF5 file's
    ``optimizer_weights``); None where it has made no update, or why it cannot be read. At
    most ``3 * weights + 2`` variables are read (Keras' RMSprop keeps three slots a weight)."""
    from ..engine.compiled import legacy_state, saved_state

    try:
        variables = getattr(optimizer, "variables", None)
        variables = list((variables() if callable(variables) else variables) or [])
        if len(variables) > 3 * len(arrays) + 2:
            return f"it holds {len(variables):,} variables, more than its model's weights need"
        names = [str(getattr(v, "path", None) or getattr(v, "name", "")) for v in variables]
        values = [np.array(v.numpy() if callable(getattr(v, "numpy", None)) else v) for v in variables]
    except Exception as err:  # noqa: BLE001 - the object's own code
        return f"its variables cannot be read ({type(err).__name__})"
    if not values:
        return None
    if keras_major_of(version) >= 3:
        if len(values) < 2:
            return "it holds its iterations but no learning rate"
        return saved_state(values[0], values[1], values[2:], arrays)
    return legacy_state(names, values, compiled, arrays)


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
