"""Per-layer knowledge: class names, config normalisation, weight conversion and checks.

Everything here works on plain dicts and numpy arrays; no file access.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from lstmviz.engine.cells import CELLS
from lstmviz.engine.layers import LAYER_CLASSES, MERGE_CLASSES, holds_weights
from lstmviz.errors import is_whole
from lstmviz.text import plural

from ._util import Fail, fmt_shape

# What io knows about recurrent cells comes from their descriptions (engine/cells.py):
# layer class -> gate blocks; RNN(cell) cell class and CuDNN class -> the layer class.
RNN_CLASSES = {c.name: c.k for c in CELLS.values()}
CELL_CLASSES = {c.cell_class: c.name for c in CELLS.values()}
CUDNN = {c.cudnn_class: c.name for c in CELLS.values() if c.cudnn_class}
WRAPPERS = {"Bidirectional", "TimeDistributed"}
MODEL_CLASSES = {"Sequential", "Model", "Functional"}
#: the most inputs a call of a layer of each kind takes, as Keras takes them (None: any
#: number, up to a model's most layers); a kind not named takes one. A recurrent layer's
#: initial states are no inputs (``_graph._parse_node`` parts them).
MOST_INPUTS: dict[str, int | None] = {**dict.fromkeys(MERGE_CLASSES), "Subtract": 2, "LogicalOr": 2}
SUPPORTED_INPUTS = ("supported: one input for each layer, but for a merge ("
                    f"{', '.join(c for c in MOST_INPUTS if MOST_INPUTS[c] is None)}: two or more; "
                    "Subtract: two) and Keras' logical_or (two)")


def inputs_fault(cls: str, n: int) -> str | None:
    """What is wrong with a call of a layer of class ``cls`` on ``n`` inputs, in words that
    follow "layer 'name' (cls)" (None: nothing; too few is the engine's to say)."""
    from ._util import MAX_LAYERS

    most = MOST_INPUTS.get(cls, 1)
    if n <= (MAX_LAYERS if most is None else most):
        return None
    if most is None:
        return f"is called with {n:,} inputs, more than lstmviz reads ({MAX_LAYERS:,}, as a model's layers)"
    return f"is called with {n:,} inputs, and Keras' {cls} takes {'one' if most == 1 else most}"

#: Keras classes that hold no weights which the engine does not compute (so it cannot say
#: they hold none): kept here by hand, the only ones (a file naming one is sized here, and
#: refused by the engine by its class)
KERAS_WEIGHTLESS = frozenset({"Dot", "Identity", "ThresholdedReLU"})
#: Layers that hold no weights (Keras 2/3 names): the engine's, as it says them
#: (``engine.layers.holds_weights``: a second hand-kept list lacked Keras 3's mask ops),
#: and ``KERAS_WEIGHTLESS``
WEIGHTLESS = frozenset(c for c in LAYER_CLASSES if not holds_weights(c)) | KERAS_WEIGHTLESS

# Class-name aliases from older Keras versions.
CLASS_ALIASES = {
    "SimpleRNNCell": "SimpleRNN",
    "MaxPool1D": "MaxPooling1D", "AvgPool1D": "AveragePooling1D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "Convolution1D": "Conv1D",
}

# Keras 1 merge-layer modes -> Keras 2 classes.
MERGE_MODES = {"concat": "Concatenate", "sum": "Add", "mul": "Multiply", "ave": "Average",
               "max": "Maximum"}

_DROP_KEYS = {"time_major", "implementation", "consume_less", "init", "inner_init",
              "forget_bias_init", "input_dtype", "W_regularizer", "U_regularizer",
              "b_regularizer", "W_constraint", "U_constraint", "b_constraint",
              "W_learning_rate_multiplier", "b_learning_rate_multiplier"}


def code_error(layer_name: str, cls: str) -> Fail:
    return Fail(
        f"layer '{layer_name}' ({cls}) holds Python code; lstmviz never runs code from a file",
        "supported: models built from standard Keras layers (no Lambda or custom-code layers)",
    )


def check_no_code(obj: Any, layer_name: str, depth: int = 0) -> None:
    """Refuse anything that carries serialized Python code (Lambda, __lambda__ ...)."""
    if depth > 60:
        raise Fail(f"the config of layer '{layer_name}' is nested too deeply")
    if isinstance(obj, dict):
        cls = obj.get("class_name")
        if cls in ("Lambda", "__lambda__", "TFOpLambda", "SlicingOpLambda"):
            raise code_error(layer_name, str(cls))
        if obj.get("function_type") == "lambda" or obj.get("output_shape_type") == "lambda":
            raise code_error(layer_name, str(cls or "layer"))
        for v in obj.values():
            check_no_code(v, layer_name, depth + 1)
    elif isinstance(obj, list):
        for v in obj:
            check_no_code(v, layer_name, depth + 1)


def _clean_value(v: Any) -> Any:
    """Keras 3 nested objects -> {class_name, config}; dtype policies -> their name."""
    if isinstance(v, dict):
        if "class_name" in v and "config" in v:
            out = {"class_name": v["class_name"], "config": v["config"]}
            if v["class_name"] == "function" and isinstance(v.get("module"), str):
                out["module"] = v["module"]  # built-in or custom: engine.config_check decides
            return out
        return v
    return v


def _dtype_name(v: Any) -> Any:
    if isinstance(v, dict):
        cfg = v.get("config")
        if isinstance(cfg, dict) and isinstance(cfg.get("name"), str):
            return cfg["name"]
        return None
    return v


def rnn_cell_list(cfg: dict) -> list[dict] | None:
    """The cells of an ``RNN`` layer's config in Keras order (``{"class_name", "config"}``
    each), for one cell, a list of cells or a ``StackedRNNCells``; None if malformed."""
    cell = cfg.get("cell")
    if isinstance(cell, dict) and cell.get("class_name") == "StackedRNNCells":
        inner = cell.get("config")  # (a damaged file's true or 3: no cells)
        cells = inner.get("cells") if isinstance(inner, dict) else None
    elif isinstance(cell, dict):
        cells = [cell]
    else:
        cells = cell
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        return None
    return cells


def is_stacked_cell(cfg: dict) -> bool:
    """Whether an ``RNN`` layer holds a stack of cells (Keras: ``StackedRNNCells``)."""
    cell = cfg.get("cell")
    return isinstance(cell, list) or (isinstance(cell, dict)
                                      and cell.get("class_name") == "StackedRNNCells")


def _normalize_cell(cell: Any, name: str) -> dict:
    if not isinstance(cell, dict):
        raise Fail(f"layer '{name}' (RNN) has a cell that is not a JSON object")
    ccls, ccfg = cell.get("class_name"), cell.get("config")
    if not isinstance(ccls, str) or ccls not in CELL_CLASSES:
        raise Fail(f"layer '{name}' (RNN) has a cell of class {ccls!r}",
                   f"supported cells in RNN layers: {', '.join(CELL_CLASSES)} "
                   "(one, or a list / StackedRNNCells of them)")
    if ccfg is None:
        ccfg = {}
    if not isinstance(ccfg, dict):
        raise Fail(f"layer '{name}' (RNN) has a {ccls} whose config is not a JSON object")
    ccfg = {k: _clean_value(v) for k, v in ccfg.items() if k not in _DROP_KEYS}
    if "dtype" in ccfg:
        ccfg["dtype"] = _dtype_name(ccfg["dtype"])
    units = ccfg.get("units")
    if not is_whole(units, 1):
        raise Fail(f"layer '{name}' (RNN) has a {ccls} with no valid 'units'")
    return {"class_name": ccls, "config": ccfg}


def _normalize_rnn_cells(cfg: dict, name: str) -> None:
    """An ``RNN`` layer's ``cell`` -> one cell dict or ``StackedRNNCells`` of cell dicts."""
    cell = cfg.get("cell")
    if cell is None:
        raise Fail(f"layer '{name}' (RNN) has no cell in its config")
    cells = rnn_cell_list(cfg)
    if cells is None:
        raise Fail(f"layer '{name}' (RNN) has a cell config that is neither a cell nor a "
                   "list of cells")
    if not cells:
        raise Fail(f"layer '{name}' (RNN) has an empty list of cells")
    if len(cells) > 64:
        raise Fail(f"layer '{name}' (RNN) stacks {len(cells)} cells")
    norm = [_normalize_cell(c, name) for c in cells]
    if is_stacked_cell(cfg):
        cfg["cell"] = {"class_name": "StackedRNNCells", "config": {"cells": norm}}
    else:
        cfg["cell"] = norm[0]


def cell_layers(cfg: dict) -> list[tuple[str, dict]]:
    """(layer class, config) of each cell of a normalised ``RNN`` config."""
    return [(CELL_CLASSES[c["class_name"]], c["config"]) for c in rnn_cell_list(cfg) or []
            if isinstance(c, dict) and c.get("class_name") in CELL_CLASSES]


def is_keras1_config(cls: str, cfg: dict) -> bool:
    if cls in RNN_CLASSES or cls == "Dense" or cls in CUDNN:
        return "output_dim" in cfg and "units" not in cfg
    return False


def normalize_layer(cls: Any, cfg: Any, name: str, depth: int = 0) -> tuple[str, dict]:
    """Return (class_name, config) in Keras 2/3 vocabulary (recursing into wrappers)."""
    if depth > 10:
        raise Fail(f"layer '{name}' wraps layers too deeply")
    if not isinstance(cls, str) or not cls:
        raise Fail(f"layer '{name}' has no class name in the config")
    if not isinstance(cfg, dict):
        if cfg is None:
            cfg = {}
        else:
            raise Fail(f"layer '{name}' ({cls}) has a config that is not a JSON object")
    check_no_code(cfg, name)
    cls = CLASS_ALIASES.get(cls, cls)
    cfg = {k: _clean_value(v) for k, v in cfg.items()}
    if "dtype" in cfg:
        cfg["dtype"] = _dtype_name(cfg["dtype"])
    keras1 = is_keras1_config(cls, cfg)
    for k in list(cfg):
        if k in _DROP_KEYS:
            del cfg[k]
    if keras1:
        cfg["units"] = cfg.pop("output_dim")
        if "inner_activation" in cfg:
            cfg["recurrent_activation"] = cfg.pop("inner_activation")
        if "dropout_W" in cfg:
            cfg["dropout"] = cfg.pop("dropout_W")
        if "dropout_U" in cfg:
            cfg["recurrent_dropout"] = cfg.pop("dropout_U")
        if cls == "Dense":
            cfg["use_bias"] = bool(cfg.pop("bias", True))
        else:
            cfg.setdefault("use_bias", True)
        if cls == "LSTM":
            cfg.setdefault("unit_forget_bias", True)
        if cls == "GRU":
            cfg["reset_after"] = False
        cfg["_keras1"] = True
    if cls == "Dropout" and "p" in cfg and "rate" not in cfg:
        cfg["rate"] = cfg.pop("p")
    if cls == "UpSampling1D" and "length" in cfg and "size" not in cfg:  # (Keras 1's name)
        cfg["size"] = cfg.pop("length")
    if cls == "Embedding" and "W_regularizer" in cfg:
        cfg.pop("W_regularizer", None)
    if cls == "Merge":
        mode = cfg.get("mode")
        if isinstance(mode, str) and mode in MERGE_MODES:
            cls = MERGE_MODES[mode]
            if cls == "Concatenate":
                cfg["axis"] = cfg.get("concat_axis", -1)
        elif not isinstance(mode, str):
            raise code_error(name, "Merge")
    # Keras 1 input_dim / input_length on the first layer -> batch_input_shape
    if "batch_input_shape" not in cfg and "batch_shape" not in cfg:
        if cls in RNN_CLASSES and cfg.get("input_dim") is not None:
            cfg["batch_input_shape"] = [None, cfg.get("input_length"), cfg["input_dim"]]
        elif cls == "Dense" and keras1 and cfg.get("input_dim") is not None:
            cfg["batch_input_shape"] = [None, cfg["input_dim"]]
        elif cls == "Embedding" and "input_length" in cfg and depth == 0:
            cfg["batch_input_shape"] = [None, cfg.get("input_length")]
    if cls in RNN_CLASSES or cls in CUDNN:
        if cls in RNN_CLASSES and keras1:
            cfg.pop("input_dim", None)
            cfg.pop("input_length", None)
        if cls in CUDNN:
            base = CUDNN[cls]
            cfg.setdefault("activation", "tanh")
            cfg.setdefault("recurrent_activation", "sigmoid")
            cfg.setdefault("use_bias", True)
            if base == "LSTM":
                cfg.setdefault("unit_forget_bias", True)
            else:
                cfg["reset_after"] = True
            cfg["_cudnn"] = True
            cls = base
    if cls == "RNN":
        _normalize_rnn_cells(cfg, name)
    if cls in WRAPPERS:
        inner = cfg.get("layer")
        if not isinstance(inner, dict):
            raise Fail(f"wrapper layer '{name}' ({cls}) has no inner layer in its config")
        icls, icfg = normalize_layer(inner.get("class_name"), inner.get("config"),
                                     f"{name}/inner", depth + 1)
        cfg["layer"] = {"class_name": icls, "config": icfg}
        back = cfg.get("backward_layer")
        if isinstance(back, dict):
            bcls, bcfg = normalize_layer(back.get("class_name"), back.get("config"),
                                         f"{name}/backward", depth + 1)
            cfg["backward_layer"] = {"class_name": bcls, "config": bcfg}
        elif "backward_layer" in cfg:
            cfg.pop("backward_layer")
        if cls == "Bidirectional":
            cfg.setdefault("merge_mode", "concat")
    if cls == "InputLayer":
        shape = cfg.get("batch_shape", cfg.get("batch_input_shape"))
        if shape is None and isinstance(cfg.get("shape"), list):
            shape = [None] + list(cfg["shape"])
        if shape is not None:
            cfg["batch_shape"] = shape
    return cls, cfg


def expected_count(cls: str, cfg: dict) -> int | None:
    """How many arrays ``get_weights()`` returns for this layer; None if unknown."""
    use_bias = bool(cfg.get("use_bias", True))
    if cls in RNN_CLASSES:  # the layer's own weight layout
        return len(CELLS[cls].weight_shapes(None, 1, cfg))
    if cls == "Dense":
        return 2 if use_bias else 1
    if cls == "Embedding":
        return 1
    if cls in ("Conv1D", "SeparableConv1D"):
        return 2 if use_bias else 1
    if cls == "BatchNormalization":
        return int(bool(cfg.get("scale", True))) + int(bool(cfg.get("center", True))) + 2
    if cls == "LayerNormalization":  # (Keras 3's rms_scaling: gamma, and no beta)
        rms = bool(cfg.get("rms_scaling", False))
        return int(bool(cfg.get("scale", True)) or rms) + int(bool(cfg.get("center", True)) and not rms)
    if cls == "RNN":
        cells = rnn_cell_list(cfg)
        if not cells or any(c.get("class_name") not in CELL_CLASSES for c in cells):
            return None
        return sum(expected_count(k, c) or 0 for k, c in cell_layers(cfg))
    if cls == "Bidirectional":
        inner = cfg.get("layer", {})
        back = cfg.get("backward_layer", inner)
        a = expected_count(inner.get("class_name", ""), inner.get("config", {}))
        b = expected_count(back.get("class_name", ""), back.get("config", {}))
        return None if a is None or b is None else a + b
    if cls == "TimeDistributed":
        inner = cfg.get("layer", {})
        return expected_count(inner.get("class_name", ""), inner.get("config", {}))
    if cls in WEIGHTLESS or cls in ("Merge",):
        return 0
    return None


# ---------------------------------------------------------------- weight conversion

_K1_RE = re.compile(r"(?:^|_)(W|U|b)(?:_([a-z]))?$")


def _k1_key(name: str) -> tuple[str, str] | None:
    base = name.split("/")[-1]
    base = base.split(":")[0]
    m = _K1_RE.search(base)
    if not m:
        return None
    return m.group(1), m.group(2) or ""


def convert_keras1(cls: str, cfg: dict, arrays: list[np.ndarray], names: list[str],
                   lname: str) -> list[np.ndarray]:
    """Keras 1 per-gate arrays -> fused Keras 2 arrays, matched by name suffix."""
    if cls == "Bidirectional":
        inner = cfg["layer"]
        half = len(arrays) // 2
        fw_idx = [i for i, n in enumerate(names) if "forward" in n.split("/")[-1]]
        bw_idx = [i for i, n in enumerate(names) if "backward" in n.split("/")[-1]]
        if len(fw_idx) != half or len(bw_idx) != len(arrays) - half:
            fw_idx, bw_idx = list(range(half)), list(range(half, len(arrays)))
        back = cfg.get("backward_layer", inner)
        return (convert_keras1(inner["class_name"], inner["config"], [arrays[i] for i in fw_idx],
                               [names[i] for i in fw_idx], lname)
                + convert_keras1(back["class_name"], back["config"], [arrays[i] for i in bw_idx],
                                 [names[i] for i in bw_idx], lname))
    if cls == "TimeDistributed":
        inner = cfg["layer"]
        return convert_keras1(inner["class_name"], inner["config"], arrays, names, lname)
    keyed: dict[tuple[str, str], np.ndarray] = {}
    for a, n in zip(arrays, names):
        k = _k1_key(n)
        if k is None:
            return arrays  # not Keras 1 names: leave as they are
        if k in keyed:
            raise Fail(f"layer '{lname}' has two weights named like '{n}'")
        keyed[k] = a
    gates = CELLS[cls].keras1_letters if cls in CELLS else None
    try:
        if gates:
            present = all((p, g) in keyed for p in "WU" for g in gates)
            if not present:
                return arrays
            out = [np.concatenate([keyed[("W", g)] for g in gates], axis=-1),
                   np.concatenate([keyed[("U", g)] for g in gates], axis=-1)]
            if all(("b", g) in keyed for g in gates):
                out.append(np.concatenate([keyed[("b", g)] for g in gates], axis=-1))
            return out
        order = {"SimpleRNN": ["W", "U", "b"], "Dense": ["W", "b"], "Embedding": ["W"]}.get(cls)
        if order:
            return [keyed[(p, "")] for p in order if (p, "") in keyed]
    except ValueError as exc:
        raise Fail(f"layer '{lname}' ({cls}): Keras 1 gate weights have inconsistent shapes") from exc
    return arrays


def convert_cudnn(cls: str, arrays: list[np.ndarray], units: int, lname: str) -> list[np.ndarray]:
    """CuDNNLSTM/CuDNNGRU weights -> LSTM / GRU(reset_after=True), as Keras converts them."""
    n = RNN_CLASSES[cls]
    if len(arrays) != 3:
        raise Fail(f"layer '{lname}' (CuDNN{cls}) has {plural(len(arrays), 'weight')}; expected 3")
    k, rk, b = arrays
    if (k.ndim != 2 or rk.shape != (units, n * units) or k.shape[1] != n * units
            or b.shape != (2 * n * units,)):
        raise Fail(f"layer '{lname}' (CuDNN{cls}, units={units}) has weights of shapes "
                   f"{', '.join(fmt_shape(a.shape) for a in arrays)}; expected "
                   f"(in, {n * units}), {fmt_shape((units, n * units))}, ({2 * n * units},)")
    kk = np.hstack([g.T.reshape(g.shape, order="F") for g in np.hsplit(k, n)])
    rr = np.hstack([g.T for g in np.hsplit(rk, n)])
    if CELLS[cls].two_bias_rows is None:  # LSTM: one bias, the sum of cuDNN's two
        bb = np.sum(np.split(b, 2, axis=0), axis=0)
    else:  # GRU(reset_after=True): cuDNN's input and recurrent biases as two rows
        bb = b.reshape((2, -1))
    return [kk, rr, bb]


def _shape_err(lname: str, cls: str, detail: str, arrays: list[np.ndarray]) -> Fail:
    return Fail(f"layer '{lname}' ({cls}) has weights of shapes "
                f"{', '.join(fmt_shape(a.shape) for a in arrays)}, which disagree with its "
                f"config ({detail})")


def check_weights(cls: str, cfg: dict, arrays: list[np.ndarray], lname: str) -> None:
    """Check the count and shapes of ``arrays`` against the (normalised) config."""
    exp = expected_count(cls, cfg)
    if exp is not None and len(arrays) != exp:
        raise Fail(f"layer '{lname}' ({cls}) has {len(arrays)} weight arrays in the file; "
                   f"its config needs {exp}")
    if cls in RNN_CLASSES:
        units = cfg.get("units")
        if not is_whole(units, 1):
            raise Fail(f"layer '{lname}' ({cls}) has no valid 'units' in its config")
        # the shapes the layer's own weight layout needs, for the file's input width
        d = arrays[0].shape[0] if arrays[0].ndim else None
        want = [shape for _, shape in CELLS[cls].weight_shapes(d, units, cfg)]
        if [tuple(a.shape) for a in arrays] != want:
            key = CELLS[cls].two_bias_rows
            extra = f", {key}={cfg.get(key)}" if key else ""
            raise _shape_err(lname, cls, f"units={units}{extra}", arrays)
    elif cls == "RNN":
        at, prev = 0, None
        for k, (kind, ccfg) in enumerate(cell_layers(cfg)):
            n = expected_count(kind, ccfg) or 0
            part = arrays[at:at + n]
            check_weights(kind, ccfg, part, f"{lname}/cell_{k}")
            if prev is not None and part[0].shape[0] != prev:
                raise Fail(f"layer '{lname}' (RNN): cell {k} has a kernel of shape "
                           f"{fmt_shape(part[0].shape)} but the cell before it outputs {prev} "
                           "units")
            prev = ccfg["units"]
            at += n
    elif cls == "Dense":
        units = cfg.get("units")
        kernel = arrays[0]
        ok = isinstance(units, int) and kernel.ndim == 2 and kernel.shape[1] == units
        if len(arrays) == 2:
            ok = ok and arrays[1].shape == (units,)
        if not ok:
            raise _shape_err(lname, cls, f"units={units}", arrays)
    elif cls == "Embedding":
        e = arrays[0]
        ok = e.ndim == 2
        if ok and isinstance(cfg.get("input_dim"), int):
            ok = e.shape[0] == cfg["input_dim"]
        if ok and isinstance(cfg.get("output_dim"), int):
            ok = e.shape[1] == cfg["output_dim"]
        if not ok:
            raise _shape_err(lname, cls, f"input_dim={cfg.get('input_dim')}, "
                             f"output_dim={cfg.get('output_dim')}", arrays)
    elif cls == "Bidirectional":
        inner = cfg["layer"]
        back = cfg.get("backward_layer", inner)
        nf = expected_count(inner["class_name"], inner["config"])
        if nf is None:
            return
        check_weights(inner["class_name"], inner["config"], arrays[:nf], lname + "/forward")
        check_weights(back["class_name"], back["config"], arrays[nf:], lname + "/backward")
    elif cls == "TimeDistributed":
        inner = cfg["layer"]
        check_weights(inner["class_name"], inner["config"], arrays, lname)


def fix_gru_reset_after(cls: str, cfg: dict, arrays: list[np.ndarray], default: bool) -> None:
    """Decide a missing GRU ``reset_after`` from the bias shape (or the version default)."""
    if cls == "GRU":
        if "reset_after" not in cfg or cfg.get("reset_after") is None:
            if len(arrays) >= 3 and arrays[2].ndim == 2:
                cfg["reset_after"] = True
            elif len(arrays) >= 3:
                cfg["reset_after"] = False
            else:
                cfg["reset_after"] = default
    elif cls == "RNN":
        at = 0
        for kind, ccfg in cell_layers(cfg):
            n = expected_count(kind, ccfg) or 0
            fix_gru_reset_after(kind, ccfg, arrays[at:at + n], default)
            at += n
    elif cls in WRAPPERS:
        inner = cfg["layer"]
        if cls == "Bidirectional":
            nf = expected_count(inner["class_name"], inner["config"]) or 0
            fix_gru_reset_after(inner["class_name"], inner["config"], arrays[:nf], default)
            back = cfg.get("backward_layer")
            if back:
                fix_gru_reset_after(back["class_name"], back["config"], arrays[nf:], default)
        else:
            fix_gru_reset_after(inner["class_name"], inner["config"], arrays, default)


def prepare_weights(cls: str, cfg: dict, arrays: list[np.ndarray], names: list[str],
                    lname: str, reset_after_default: bool) -> list[np.ndarray]:
    """Convert file arrays (Keras 1, CuDNN) to Keras 2/3 layout and check them."""
    arrays = [np.asarray(a) for a in arrays]
    arrays = convert_keras1(cls, cfg, arrays, names, lname) if names else arrays
    arrays = _convert_cudnn_tree(cls, cfg, arrays, lname)
    fix_gru_reset_after(cls, cfg, arrays, reset_after_default)
    check_weights(cls, cfg, arrays, lname)
    return arrays


def _convert_cudnn_tree(cls: str, cfg: dict, arrays: list[np.ndarray], lname: str):
    if cls in RNN_CLASSES and cfg.get("_cudnn"):
        units = cfg.get("units")
        if not isinstance(units, int) or units <= 0:
            raise Fail(f"layer '{lname}' (CuDNN{cls}) has no valid 'units'")
        return convert_cudnn(cls, arrays, units, lname)
    if cls == "Bidirectional":
        inner = cfg["layer"]
        back = cfg.get("backward_layer", inner)
        nf = expected_count(inner["class_name"], inner["config"])
        if nf is None or not (inner["config"].get("_cudnn") or back["config"].get("_cudnn")):
            return arrays
        return (_convert_cudnn_tree(inner["class_name"], inner["config"], arrays[:nf], lname)
                + _convert_cudnn_tree(back["class_name"], back["config"], arrays[nf:], lname))
    if cls == "TimeDistributed":
        inner = cfg["layer"]
        return _convert_cudnn_tree(inner["class_name"], inner["config"], arrays, lname)
    return arrays


def strip_private(cfg: dict) -> dict:
    """Remove our private markers (``_keras1``, ``_cudnn``) recursively."""
    out = {k: v for k, v in cfg.items() if k not in ("_keras1", "_cudnn")}
    for key in ("layer", "backward_layer"):
        if isinstance(out.get(key), dict) and isinstance(out[key].get("config"), dict):
            out[key] = {"class_name": out[key]["class_name"],
                        "config": strip_private(out[key]["config"])}
    return out
