"""The Keras loaders: Keras model and weights files -> ``ModelSpec`` (``lstmviz.io``
gives their names, importing this module when one is first asked for).

Which format a file is, and which reader reads it, is ``lstmviz.io.formats``' registry
(from the bytes, never the name). The Keras readers here:

- ``keras3-zip``: a Keras 3 ``.keras`` zip (``config.json`` + ``model.weights.h5``);
- ``keras3-folder``: the same files in a folder (``model.save(path, zipped=False)``);
- ``keras3-weights-h5``: a Keras 3 ``.weights.h5`` (``layers/<name>/vars/<i>``, no config);
- ``legacy-h5-model``: ``model.save()`` HDF5 from Keras 1.x/2.x, tf.keras or Keras 3's
  legacy writer (``model_config`` attribute + ``model_weights`` group);
- ``legacy-h5-weights``: ``save_weights()`` HDF5 (``layer_names`` at the root).

The loaders only read data: they never unpickle, unmarshal or evaluate anything, and refuse
layers that carry code (``Lambda``). Every failure is an ``LstmvizError`` with one line:
``"<file name>: <what is wrong>; <what is supported>"``.
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

from ..engine.compiled import SavedState, read_compile_config, read_training_config
from ..engine.config_check import check_config
from ..engine.spec import LayerSpec, ModelSpec, keras_major_of
from ..errors import LstmvizError
from ..limits import fmt_bytes
from ..text import clean_spec_names, safe_name, system_reason
from ._graph import Graph, parse_model
from ._h5safe import open_h5
from ._infer import (
    Group,
    chain_order,
    describe_failure,
    infer_group,
    set_return_sequences,
    unchained_text,
    weightless_class,
)
from ._layers import RNN_CLASSES, expected_count, prepare_weights, strip_private
from ._readers import (
    assign_legacy,
    attr_text,
    h5_get,
    is_dataset,
    is_group,
    k3_all_vars,
    k3_layer_arrays,
    k3_vars,
    k3_weight_groups,
    legacy_weight_groups,
    read_folder,
    read_zip,
)
from ._util import (
    MAX_WEIGHTS_BYTES,
    Fail,
    as_array,
    keras_folder_of,
    parse_json,
    read_attr,
    read_budget,
    to_str_list,
)
from .keras3_paths import class_names

__all__ = ["read_model_file", "read_weights_file", "read_keras3_zip", "read_keras3_folder", "read_hdf5_model",
           "read_hdf5_weights", "spec_from_keras_config", "class_names"]

MAX_FILE_BYTES = MAX_WEIGHTS_BYTES + 64 * 1024 * 1024


def _version_defaults(version: str | None) -> tuple[bool, bool]:
    """(is Keras 1, GRU reset_after default) for a stored keras_version."""
    v = (version or "").strip()
    if v.startswith("1."):
        return True, False
    if v.startswith("3") or v.endswith("-tf"):
        return False, True
    try:
        parts = [int(p) for p in v.split("-")[0].split(".")[:2]]
        if parts[0] == 2 and len(parts) > 1 and parts[1] >= 4:
            return False, True  # Keras 2.4+ is tf.keras
    except (ValueError, IndexError):
        pass
    return False, False


# ------------------------------------------------------------------ full models

def _build_spec(graph: Graph, weights: dict[str, tuple[list[np.ndarray], list[str]]],
                version: str | None, fmt: str) -> ModelSpec:
    _, gru_default = _version_defaults(version)
    layers: list[LayerSpec] = []
    for r in graph.recs:
        _check_values(r.cls, r.cfg, r.name)
    for r in graph.recs:
        arrays, names = weights.get(r.name, (None, []))
        if arrays is not None:
            arrays = prepare_weights(r.cls, r.cfg, arrays, names, r.name, gru_default)
            if not arrays:
                arrays = None
        else:
            exp = expected_count(r.cls, r.cfg)
            if exp:
                raise Fail(f"layer '{r.name}' ({r.cls}) has no weights in the file")
            if r.cls == "GRU" and "reset_after" not in r.cfg:
                r.cfg["reset_after"] = gru_default
        layers.append(LayerSpec(class_name=r.cls, config=strip_private(r.cfg), name=r.name,
                                weights=arrays, inbound=list(r.inbound),
                                initial_state=list(r.initial_state), mask=r.mask))
    if not layers:
        raise Fail("the model has no layers")
    spec = ModelSpec(layers=layers, inputs=list(graph.inputs), outputs=list(graph.outputs),
                     name=graph.name, keras_version=version)
    if graph.sequential:
        _ensure_input_layer(spec)
    return spec


def _check_values(cls: Any, cfg: Any, name: str) -> None:
    """Config values of the wrong type or size, refused in the engine's words before the
    loader uses them (``engine.config_check``), and for wrappers their inner layers too."""
    try:
        check_config(cls, cfg, name)
        if isinstance(cfg, dict):
            for key in ("layer", "backward_layer"):
                inner = cfg.get(key)
                if isinstance(inner, dict) and isinstance(inner.get("config"), dict):
                    check_config(str(inner.get("class_name")), inner["config"], name)
    except LstmvizError as err:
        raise Fail(str(err), "") from None  # the engine's sentence says what is accepted


def _ensure_input_layer(spec: ModelSpec) -> None:
    """A sequential stack always starts with an explicit InputLayer."""
    first = spec.layers[0]
    if first.class_name == "InputLayer":
        cfg = first.config
        if "batch_shape" not in cfg:
            cfg["batch_shape"] = _guess_shape(spec.layers[1:])
        cfg.setdefault("dtype", "float32")
        return
    cfg = first.config
    shape = cfg.get("batch_shape", cfg.get("batch_input_shape"))
    if first.class_name in ("Bidirectional", "TimeDistributed") and shape is None:
        inner = cfg.get("layer", {}).get("config", {})
        shape = inner.get("batch_shape", inner.get("batch_input_shape"))
    if shape is None:
        shape = _guess_shape(spec.layers)
    dtype = cfg.get("dtype") if isinstance(cfg.get("dtype"), str) else None
    if dtype is None:
        dtype = "int32" if first.class_name == "Embedding" else "float32"
    name = f"{first.name or 'layer'}_input"
    spec.layers.insert(0, LayerSpec("InputLayer", {"batch_shape": list(shape), "dtype": dtype,
                                                   "name": name}, name=name))


def _guess_shape(layers: list[LayerSpec]) -> list:
    for l in layers:
        if l.class_name == "Embedding":
            return [None, None]
        if l.weights:
            return [None, None, int(l.weights[0].shape[0])]
    return [None, None, None]


def _read_legacy_model(h5: Any, cfg_text: Any) -> tuple[ModelSpec, str | None]:
    version = attr_text(h5.attrs, "keras_version")
    mw = h5_get(h5, "model_weights")
    if version is None and mw is not None and is_group(mw):
        version = attr_text(mw.attrs, "keras_version")
    cfg = parse_json(cfg_text, "the model_config attribute")
    if not isinstance(cfg, dict):
        raise Fail("the model_config attribute is not a JSON object")
    graph = parse_model(cfg.get("class_name"), cfg.get("config"))
    if mw is None or not is_group(mw):
        raise Fail("the file has a model config but no model_weights group")
    weights = assign_legacy(graph, mw)
    return _build_spec(graph, weights, version, "legacy-h5-model"), version


def _read_keras3_zip(data: bytes) -> tuple[ModelSpec, str | None]:
    return _read_keras3_parts(*read_zip(data))


def _read_keras3_parts(cfg_text: Any, wbytes: bytes, meta: dict,
                       where: str = "inside the archive") -> tuple[ModelSpec, str | None]:
    """A Keras 3 model from a ``.keras`` archive's members (or an unzipped folder's files)."""
    version = meta.get("keras_version") if isinstance(meta.get("keras_version"), str) else None
    cfg = parse_json(cfg_text, "config.json")
    if not isinstance(cfg, dict):
        raise Fail("config.json is not a JSON object")
    graph = parse_model(cfg.get("class_name"), cfg.get("config"))
    if not wbytes.startswith(b"\x89HDF"):
        raise Fail(f"model.weights.h5 {where} is not an HDF5 file")
    h5 = open_h5(io.BytesIO(wbytes))
    try:
        weights: dict[str, tuple[list[np.ndarray], list[str]]] = {}
        for r in graph.recs:
            exp = expected_count(r.cls, r.cfg)
            arrays = k3_layer_arrays(h5, r.k3path, r.cls, r.cfg)
            if arrays is None:
                arrays = k3_layer_arrays(h5, f"layers/{r.name}", r.cls, r.cfg)
            if arrays is None or (not arrays and exp):
                if exp == 0 or (exp is None and arrays is None):
                    continue
                raise Fail(f"the weights of layer '{r.name}' ({r.cls}) are missing from "
                           f"model.weights.h5 (looked in '{r.k3path}')")
            if arrays:
                weights[r.name] = (arrays, [])
        compile_config = cfg.get("compile_config")
        state = _optimizer_state(h5, weights, _scheduled(compile_config)) if compile_config else None
    finally:
        h5.close()
    spec = _build_spec(graph, weights, version or "3", "keras3-zip")
    compiled = read_compile_config(cfg.get("compile_config"), state, keras2=keras_major_of(version) < 3)
    if compiled is not None:  # (what fit and the Train tab take by default; notes for the summary)
        spec.source = {"compile": compiled, "notes": list(compiled["notes"])}
    return spec, version or "3"


def _scheduled(compile_config: Any) -> bool:
    """Whether a ``compile_config``'s optimizer was given a learning-rate schedule (Keras then
    saves no learning-rate variable: ``optimizer/vars/1`` is the first slot)."""
    opt = compile_config.get("optimizer") if isinstance(compile_config, dict) else None
    config = opt.get("config") if isinstance(opt, dict) else None
    return isinstance(config, dict) and isinstance(config.get("learning_rate"), dict)


def _optimizer_state(h5: Any, weights: dict, scheduled: bool = False) -> SavedState | str | None:
    """The optimizer state a Keras 3 ``model.weights.h5`` saved after training
    (``optimizer/vars/0``, ``1``, ...: iterations, learning rate, the slots in Keras' order) as
    ``engine.compiled.SavedState`` with the digests of ``weights`` (the file's, whose state it
    is); None where it saved none (or no update); why it cannot be read, for the note: a
    state that cannot be read leaves the model as it is (its optimizer starts afresh). Its
    arrays count against the read budget as every array does; at most
    ``3 * weights + 2`` of them (Keras' RMSprop keeps three slots a weight)."""
    from ..engine.compiled import saved_state

    try:
        group = h5_get(h5, "optimizer")
        if group is None or not is_group(group):
            return None
        arrays = [a for pair in weights.values() for a in pair[0]]
        found = k3_vars(group, "optimizer", most=3 * len(arrays) + 2)
    except Fail as err:
        return str(err)
    if not found:
        return None
    if scheduled:
        return saved_state(found[0], None, found[1:], arrays)
    if len(found) < 2:
        return "it holds its iterations but no learning rate"
    return saved_state(found[0], found[1], found[2:], arrays)


def _training_config(h5: Any, spec: ModelSpec) -> dict | None:
    """What a Keras 2 / tf.keras HDF5 model was compiled with (its ``training_config``
    attribute, ``engine.compiled.read_training_config``), None where it was not; a config
    that is not JSON is a note (the model opens all the same). The optimizer state its
    ``optimizer_weights`` hold (``_legacy_state``) goes with it, as a ``.keras`` file's."""
    text = attr_text(h5.attrs, "training_config")
    if text is None:
        return None
    try:
        config = parse_json(text, "the training_config attribute")
    except Fail as err:
        return {"loss": None, "optimizer": None, "notes": [f"training_config: {err}"], "config": "training_config"}
    keras2 = keras_major_of(spec.keras_version) < 3
    compiled = read_training_config(config, keras2=keras2)
    optimizer = (compiled or {}).get("optimizer")
    if optimizer is None:
        return compiled
    return read_training_config(config, _legacy_state(h5, spec, optimizer), keras2)


def _legacy_state(h5: Any, spec: ModelSpec, optimizer: dict) -> SavedState | str | None:
    """The optimizer state a Keras 2 / tf.keras HDF5 file's ``optimizer_weights`` group holds
    (``weight_names`` and their arrays, ``engine.compiled.legacy_state``) with the digests of
    the model's weights; None where it holds none; why it cannot be read, for the note. Its
    arrays count against the read budget as every array does; at most ``3 * weights + 1``
    of them (RMSprop keeps three slots a weight)."""
    from ..engine.compiled import legacy_state

    arrays = [w for layer in spec.layers for w in (layer.weights or [])]
    try:
        group = h5_get(h5, "optimizer_weights")
        if group is None or not is_group(group):
            return None
        names = to_str_list(read_attr(group.attrs, "weight_names"))
        if len(names) > 3 * len(arrays) + 1:
            return f"'optimizer_weights' lists {len(names)} weights"
        found = []
        for name in names:
            ds = h5_get(group, name)
            if ds is None or not is_dataset(ds):
                return f"its weight '{safe_name(name)}' is listed but not in the file"
            found.append(as_array(ds, f"optimizer weight '{safe_name(name)}'"))
    except Fail as err:
        return str(err)
    if not names:
        return None
    return legacy_state(names, found, optimizer, arrays)


def spec_from_keras_config(config: Any) -> ModelSpec:
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


# ------------------------------------------------------------------ weights only

def _spec_from_groups(groups: list[Group], version: str | None, keep_order: bool) -> ModelSpec:
    is_k1, gru_default = _version_defaults(version)
    entries: list[tuple[str, str, dict, list[np.ndarray] | None]] = []
    for g in groups:
        if not g.arrays:
            cls = weightless_class(g.name)
            if cls:
                entries.append((g.name, cls, {}, None))
            continue
        r = infer_group(g, gru_default)
        if r is None:
            raise describe_failure(g)
        entries.append((g.name, r[0], r[1], r[2]))
    weighted = [i for i, e in enumerate(entries) if e[3] is not None]
    if not weighted:
        raise Fail("the weights file holds no layer weights")
    unchained = None
    if not keep_order:
        order = chain_order([(entries[i][1], entries[i][2], entries[i][3] or []) for i in weighted])
        if order is None and len(weighted) > 1:  # said if the file's order does not build either
            unchained = unchained_text([(e[0], e[1], e[2], e[3] or []) for e in (entries[i] for i in weighted)])
        if order is not None and order != list(range(len(weighted))):
            # weightless layers stay right after the weighted layer they followed
            after: dict[int, list[int]] = {}
            last = -1
            for i, e in enumerate(entries):
                if e[3] is None:
                    after.setdefault(last, []).append(i)
                else:
                    last = i
            new = list(after.get(-1, []))
            for k in order:
                wi = weighted[k]
                new.append(wi)
                new.extend(after.get(wi, []))
            entries = [entries[i] for i in new]
    rec_act = "hard_sigmoid" if (is_k1 or not gru_default and version and
                                 not version.startswith(("2.3", "2.4"))) else "sigmoid"
    if version and version.startswith("2."):
        try:
            minor = int(version.split(".")[1].split("-")[0])
            rec_act = "hard_sigmoid" if minor < 3 and not version.endswith("-tf") else "sigmoid"
        except (ValueError, IndexError):
            pass
    layers: list[tuple[str, dict, str, list[np.ndarray] | None]] = []
    for name, cls, cfg, arrays in entries:
        cfg = dict(cfg, name=name)
        for c in _rnn_cfgs(cls, cfg):
            c.setdefault("activation", "tanh")
            if c.get("_cls") != "SimpleRNN":
                c.setdefault("recurrent_activation", rec_act)
            c.pop("_cls", None)
        if cls == "Dense" or (cls == "TimeDistributed" and cfg["layer"]["class_name"] == "Dense"):
            (cfg if cls == "Dense" else cfg["layer"]["config"]).setdefault("activation", "linear")
        layers.append((cls, cfg, name, arrays))
    set_return_sequences([(l[0], l[1]) for l in layers])
    spec = ModelSpec(layers=[LayerSpec(c, cfg, n, w) for c, cfg, n, w in layers],
                     name="weights", keras_version=version)
    if unchained:
        spec.source["unchained"] = unchained
    _ensure_input_layer(spec)
    return spec


def _rnn_cfgs(cls: str, cfg: dict) -> list[dict]:
    if cls in RNN_CLASSES:
        cfg["_cls"] = cls
        return [cfg]
    if cls == "RNN":
        cell = cfg["cell"]
        cells = cell["config"]["cells"] if cell["class_name"] == "StackedRNNCells" else [cell]
        for c in cells:
            c["config"]["_cls"] = c["class_name"][:-len("Cell")]
        return [c["config"] for c in cells]
    if cls == "Bidirectional":
        out = []
        for key in ("layer", "backward_layer"):
            if key in cfg:
                cfg[key]["config"]["_cls"] = cfg[key]["class_name"]
                out.append(cfg[key]["config"])
        return out
    return []


# ------------------------------------------------------------------ the readers of the registry

def _unreadable(exc: OSError) -> Fail:
    """The system's words of why the file cannot be read ("Permission denied"), without
    the errno and the whole path that ``str(exc)`` adds."""
    return Fail("cannot read the file" + system_reason(exc))


def _check_size(path: Any) -> None:
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise _unreadable(exc) from exc
    if size > MAX_FILE_BYTES:
        raise Fail(f"the file is larger than {fmt_bytes(MAX_FILE_BYTES)}")


def read_keras3_zip(path: Any) -> ModelSpec:
    """A Keras 3 ``.keras`` zip (``config.json`` + ``model.weights.h5``). Raises Fail."""
    with read_budget("the weights in the file"):
        return clean_spec_names(_read_keras3_zip_file(path))


def _read_keras3_zip_file(path: Any) -> ModelSpec:
    _check_size(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise _unreadable(exc) from exc
    spec, version = _read_keras3_zip(data)
    spec.source = {**spec.source, "format": "keras3-zip", "weights_only": False,
                   "keras_version": version, "backend": None}
    return spec


def read_keras3_folder(path: Any) -> ModelSpec:
    """A Keras 3 model saved unzipped (``model.save(path, zipped=False)``, as the Hugging
    Face Hub keeps one): its folder, or the ``config.json`` in it, read as the ``.keras``
    archive of the same files would be. Raises Fail."""
    folder = keras_folder_of(path)
    if folder is None:  # (sniffed as one, then changed)
        raise Fail("this is no longer a folder of a Keras model's config.json and model.weights.h5")
    with read_budget("the weights in the folder"):
        spec, version = _read_keras3_parts(*read_folder(folder), where="in the folder")
        spec = clean_spec_names(spec)
    spec.source = {**spec.source, "format": "keras3-folder", "weights_only": False,
                   "keras_version": version, "backend": None}
    return spec


def _read_hdf5(path: Any, want_groups: bool) -> Any:
    """A Keras HDF5 file, of the registry's HDF5 format its root says it is."""
    from .formats import hdf5_format

    _check_size(path)
    h5 = open_h5(path)
    try:
        version = attr_text(h5.attrs, "keras_version")
        backend = attr_text(h5.attrs, "backend")
        fmt = hdf5_format(h5)
        if fmt is None:
            if "model_weights" in set(h5.keys()):
                raise Fail("the file has a model_weights group but no model_config attribute")
            raise Fail("this HDF5 file holds no Keras model config or Keras weights")
        if not fmt.weights_only:
            spec, version = _read_legacy_model(h5, attr_text(h5.attrs, "model_config"))
            mw = h5_get(h5, "model_weights")
            backend = backend or (attr_text(mw.attrs, "backend") if mw is not None else None)
            spec.source = {"format": fmt.key, "weights_only": False,
                           "keras_version": version, "backend": backend}
            compiled = _training_config(h5, spec)
            if compiled is not None:  # (as a .keras file's compile_config: fit's and the Train tab's defaults)
                spec.source.update({"compile": compiled, "notes": list(compiled["notes"])})
            return spec
        if fmt.key == "keras3-weights-h5":
            groups = k3_weight_groups(h5)
            version = version or "3"
        else:
            groups = legacy_weight_groups(h5)
        if want_groups:
            return groups, version, (k3_all_vars(h5) if fmt.key == "keras3-weights-h5" else None)
        spec = _spec_from_groups(groups, version, keep_order=fmt.key != "keras3-weights-h5")
        note = ("layers inferred from weight shapes, chained in the file's order; the wiring, "
                "activations and return_sequences are guesses: a weights file records none of them")
        spec.source = {**spec.source, "format": fmt.key, "weights_only": True, "keras_version": version,
                       "backend": backend, "note": note,
                       # the summary says so under its table: its shapes are not the file's word
                       "notes": [f"weights-only file: {note}"]}
        return spec
    finally:
        try:
            h5.close()
        except Exception:
            pass


def read_hdf5_model(path: Any) -> ModelSpec:
    """A Keras HDF5 model or weights file (layers inferred for weights). Raises Fail."""
    with read_budget("the weights in the file"):
        return clean_spec_names(_read_hdf5(path, want_groups=False))


def read_hdf5_weights(path: Any) -> tuple[list, dict | None]:
    """(entries, Keras 3 vars or None) of a Keras HDF5 model or weights file."""
    with read_budget("the weights in the file"):
        res = _read_hdf5(path, want_groups=True)
    if isinstance(res, ModelSpec):
        res = clean_spec_names(res)
        return [(l.name or "", l.weights) for l in res.layers if l.weights], None
    groups, version, k3vars = res
    _, gru_default = _version_defaults(version)
    out = []
    for g in groups:
        if not g.arrays:
            continue
        r = infer_group(g, gru_default)
        out.append((safe_name(g.name), r[2] if r else list(g.arrays)))
    return out, k3vars


def read_model_file(path: Any) -> ModelSpec:
    """Read any registered model file into a ``ModelSpec`` in this process (see
    ``lstmviz.io.formats``; ``lstmviz.load`` reads HDF5 in a child process)."""
    from .formats import read_model

    return read_model(path, isolate=False)


def read_weights_file(path: Any, paths: bool = False) -> Any:
    """(layer name, arrays in Keras ``get_weights()`` order) for every layer with weights,
    in file order. Works on weights-only files and on full-model files.

    With ``paths=True`` returns ``(entries, vars)``: ``vars`` maps the path of every object
    holding variables in a Keras 3 ``.weights.h5`` (``layers/lstm/cell``,
    ``layers/rnn_1/cell/cells/gru_cell`` ...) to its arrays, or is None for other files."""
    from .formats import read_weights

    entries, k3vars = read_weights(path, isolate=False)
    return (entries, k3vars) if paths else entries
