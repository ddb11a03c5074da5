"""Weights-only files: infer layer classes and configs from group names and weight shapes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lstmviz.engine.cells import CELLS
from lstmviz.engine.layers import LAYER_CLASSES
from lstmviz.text import snake_case

from ._layers import RNN_CLASSES, WEIGHTLESS, convert_keras1
from ._util import Fail, fmt_shape

#: (not Keras 3's mask ops, ``Layer.mask_only``: a weights-only file's chain has no mask to compute)
_WEIGHTLESS_BY_SNAKE = {snake_case(c): c for c in WEIGHTLESS
                        if not getattr(LAYER_CLASSES.get(c), "mask_only", False)}
#: Keras 1's per-gate weight letters of every kind (W_i, W_z, ...).
KERAS1_LETTERS = "".join(sorted({x for c in CELLS.values() for x in c.keras1_letters}))


@dataclass
class Group:
    """One layer group of a weights file: name, arrays (file order), their names, parts."""

    name: str
    arrays: list[np.ndarray] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    kind: str = "plain"   # "plain", "rnn" (Keras 3 cell), "rnn_stacked" (RNN([cells])),
    #                       "bidirectional", "time_distributed"
    parts: list["Group"] = field(default_factory=list)  # forward/backward, inner layer, cells
    ordered: bool = True  # parts are in Keras order (False: Keras 3 lists them alphabetically)


def _base(n: str) -> str:
    return n.split("/")[-1].split(":")[0]


def infer_plain(g: Group, gru_default: bool) -> tuple[str, dict, list[np.ndarray]] | None:
    arrays, names = g.arrays, g.names
    bases = [_base(n) for n in names]
    # Keras 1 per-gate names
    if names and any(re.search(rf"(^|_)W_[{KERAS1_LETTERS}]$", b) for b in bases):
        # the kind whose every per-gate kernel W_<letter> is there
        cls = next((c.name for c in CELLS.values() if c.keras1_letters and all(
            any(b.endswith(f"W_{x}") for b in bases) for x in c.keras1_letters)), None)
        conv = arrays if cls is None else convert_keras1(cls, {}, arrays, names, g.name)
        if conv is not arrays:
            arrays = conv
    elif names and len(arrays) == 3 and [re.sub(r".*_", "", b) for b in bases] == ["W", "U", "b"]:
        arrays = convert_keras1("SimpleRNN", {}, arrays, names, g.name)
    if len(arrays) in (2, 3) and all(a.ndim == 2 for a in arrays[:2]):
        k, rk = arrays[0], arrays[1]
        u = rk.shape[0]
        if u > 0 and rk.shape[1] == k.shape[1] and rk.shape[1] % u == 0:
            n = rk.shape[1] // u
            cell = next((c for c in CELLS.values() if c.k == n), None)
            if cell:
                cls, key = cell.name, cell.two_bias_rows  # key: GRU's reset_after
                cfg: dict[str, Any] = {"units": int(u), "use_bias": len(arrays) == 3}
                if len(arrays) == 3:
                    b = arrays[2]
                    if key and b.shape == cell.bias_shape(u, {key: True}):
                        cfg[key] = True
                    elif b.shape == (n * u,):
                        if key:
                            cfg[key] = False
                    else:
                        return None
                elif key:
                    cfg[key] = gru_default
                return cls, cfg, arrays
    if len(arrays) == 2 and arrays[0].ndim == 2 and arrays[1].ndim == 1 \
            and arrays[1].shape[0] == arrays[0].shape[1]:
        return "Dense", {"units": int(arrays[0].shape[1]), "use_bias": True}, arrays
    if len(arrays) == 1 and arrays[0].ndim == 2:
        base = bases[0] if bases else ""
        if base == "embeddings" or "embedding" in g.name.lower() or base.endswith("W") and \
                "embedding" in g.name.lower():
            e = arrays[0]
            return "Embedding", {"input_dim": int(e.shape[0]), "output_dim": int(e.shape[1])}, arrays
        return "Dense", {"units": int(arrays[0].shape[1]), "use_bias": False}, arrays
    if len(arrays) == 4 and all(a.ndim == 1 and a.shape == arrays[0].shape for a in arrays):
        return "BatchNormalization", {}, arrays
    if arrays[0].ndim == 3 and (len(arrays) == 1 or len(arrays) == 2 and arrays[1].shape == arrays[0].shape[2:]):
        # a Conv1D's kernel (kernel_size, channels, filters): its padding, strides, dilation
        # and activation are not in the file (Keras' defaults: valid, 1, 1, linear)
        size, _, filters = (int(d) for d in arrays[0].shape)
        return "Conv1D", {"filters": filters, "kernel_size": size, "use_bias": len(arrays) == 2}, arrays
    return None


_GENERIC_RNN = re.compile(r"rnn(_\d+)?")
_CELL_SUFFIX = re.compile(r"^(.*?)(?:_(\d{1,9}))?$")


def _cell_entry(r: tuple[str, dict, list[np.ndarray]]) -> dict:
    return {"class_name": r[0] + "Cell", "config": dict(r[1])}


def _stacked_order(parts: list[Group], cells: list[tuple[str, dict, list[np.ndarray]]]
                   ) -> list[int] | None:
    """An order of cells whose widths chain (each kernel takes the previous cell's units)
    and that keeps Keras' per-class numbering (``gru_cell`` before ``gru_cell_1``)."""
    n = len(cells)
    keys = []
    for p in parts:
        m = _CELL_SUFFIX.match(p.name.split("/")[-1])
        keys.append((m.group(1), int(m.group(2) or 0)) if m else (p.name, 0))
    order: list[int] = []
    used = [False] * n
    budget = [20000]

    def ok_next(i: int) -> bool:
        base, num = keys[i]
        if any(not used[j] and keys[j][0] == base and keys[j][1] < num for j in range(n)):
            return False
        if order:
            prev = cells[order[-1]]
            return int(cells[i][2][0].shape[0]) == int(prev[1]["units"])
        return True

    def dfs() -> bool:
        if len(order) == n:
            return True
        budget[0] -= 1
        if budget[0] < 0:
            return False
        for i in range(n):
            if used[i] or not ok_next(i):
                continue
            used[i] = True
            order.append(i)
            if dfs():
                return True
            order.pop()
            used[i] = False
        return False

    return list(order) if n <= 16 and dfs() else None


def _infer_stacked(g: Group, gru_default: bool) -> tuple[str, dict, list[np.ndarray]] | None:
    found = [infer_plain(p, gru_default) for p in g.parts]
    cells = [c for c in found if c is not None and c[0] in RNN_CLASSES]
    if not cells or len(cells) < len(found):
        return None
    order = list(range(len(cells))) if g.ordered else _stacked_order(g.parts, cells)
    if order is None:
        return None
    cells = [cells[i] for i in order]
    cfg = {"cell": {"class_name": "StackedRNNCells",
                    "config": {"cells": [_cell_entry(c) for c in cells]}}}
    return "RNN", cfg, [a for c in cells for a in c[2]]


def infer_group(g: Group, gru_default: bool) -> tuple[str, dict, list[np.ndarray]] | None:
    if g.kind == "rnn_stacked":
        return _infer_stacked(g, gru_default)
    if g.kind in ("rnn", "plain") and _GENERIC_RNN.fullmatch(g.name.split("/")[-1]):
        r = infer_plain(g, gru_default)
        if r is None or r[0] not in RNN_CLASSES:
            return r
        return "RNN", {"cell": _cell_entry(r)}, r[2]
    if g.kind == "bidirectional" and len(g.parts) == 2:
        f = infer_plain(g.parts[0], gru_default)
        b = infer_plain(g.parts[1], gru_default)
        if not f or not b or f[0] not in RNN_CLASSES:
            return None
        bcfg = dict(b[1], go_backwards=True)
        cfg = {"merge_mode": "concat", "layer": {"class_name": f[0], "config": f[1]}}
        if b[0] != f[0] or b[1] != f[1]:
            cfg["backward_layer"] = {"class_name": b[0], "config": bcfg}
        return "Bidirectional", cfg, f[2] + b[2]
    if g.kind == "time_distributed":
        inner = g.parts[0] if g.parts else g
        r = infer_plain(inner, gru_default)
        if not r:
            return None
        return "TimeDistributed", {"layer": {"class_name": r[0], "config": r[1]}}, r[2]
    return infer_plain(g, gru_default)


def split_legacy_group(name: str, arrays: list[np.ndarray], names: list[str]) -> Group:
    """A legacy ``save_weights`` group -> Group, spotting Bidirectional / TimeDistributed."""
    g = Group(name, arrays, names)
    segs = [[s for s in n.split("/")] for n in names]
    fw = [i for i, s in enumerate(segs) if any(p.startswith("forward_") for p in s)]
    bw = [i for i, s in enumerate(segs) if any(p.startswith("backward_") for p in s)]
    stacked = [next((s[k + 1] for k in range(len(s) - 1) if s[k].startswith("stacked_rnn_cells")),
                    None) for s in segs]
    stacked_names = [s for s in stacked if s]
    if names and len(stacked_names) == len(stacked):
        cells: dict[str, list[int]] = {}
        for i, c in enumerate(stacked_names):
            cells.setdefault(c, []).append(i)
        g.kind = "rnn_stacked"
        g.parts = [Group(c, [arrays[i] for i in idx], [names[i] for i in idx])
                   for c, idx in cells.items()]
    elif fw and bw and len(fw) + len(bw) == len(names):
        g.kind = "bidirectional"
        g.parts = [Group(name + "/forward", [arrays[i] for i in fw], [names[i] for i in fw]),
                   Group(name + "/backward", [arrays[i] for i in bw], [names[i] for i in bw])]
    elif re.match(r"time_distributed", name):
        g.kind = "time_distributed"
        g.parts = [Group(name + "/layer", arrays, names)]
    return g


def weightless_class(name: str) -> str | None:
    base = re.sub(r"_\d+$", "", name)
    cls = _WEIGHTLESS_BY_SNAKE.get(base)
    if cls in UNPLACED:
        return None
    return cls


#: weightless layers a weights-only file names but does not place (Keras 3 lists its layers
#: by name, not in order) nor size (a pooling's pool_size): left out of the layers it implies
UNPLACED = ("InputLayer", "MaxPooling1D", "AveragePooling1D")


def _dims(cls: str, cfg: dict, arrays: list[np.ndarray]) -> tuple[Any, int]:
    if cls == "Embedding":
        return "embedding", cfg["output_dim"]
    if cls == "Bidirectional":
        inner = cfg["layer"]["config"]
        back = cfg.get("backward_layer", cfg["layer"])["config"]
        return int(arrays[0].shape[0]), inner["units"] + back["units"]
    if cls == "TimeDistributed":
        return _dims(cfg["layer"]["class_name"], cfg["layer"]["config"], arrays)
    if cls == "BatchNormalization":
        return int(arrays[0].shape[0]), int(arrays[0].shape[0])
    if cls == "Conv1D":
        return int(arrays[0].shape[1]), int(cfg["filters"])
    if cls == "RNN":
        cells = _rnn_cell_cfgs(cfg)
        return int(arrays[0].shape[0]), int(cells[-1]["units"])
    return int(arrays[0].shape[0]), int(cfg["units"])


def chain_order(items: list[tuple[str, dict, list[np.ndarray]]]) -> list[int] | None:
    """An order of the weighted layers where each layer's input width is the previous
    layer's output width (file order preferred); None if there is none."""
    dims = [_dims(c, cfg, a) for c, cfg, a in items]
    n = len(dims)
    if n == 0 or n > 40:
        return None
    seq_first_classes = set(RNN_CLASSES) | {"Embedding", "Bidirectional", "RNN", "Conv1D"}
    seq_first = any(c in seq_first_classes for c, _, _ in items)
    budget = [20000]
    order: list[int] = []
    used = [False] * n

    def dfs(prev_out: Any) -> bool:
        if len(order) == n:
            return True
        budget[0] -= 1
        if budget[0] < 0:
            return False
        for i in range(n):
            if used[i]:
                continue
            d_in = dims[i][0]
            if order and (d_in == "embedding" or d_in != prev_out):
                continue
            if not order and seq_first and items[i][0] not in seq_first_classes:
                continue
            used[i] = True
            order.append(i)
            if dfs(dims[i][1]):
                return True
            order.pop()
            used[i] = False
        return False

    return list(order) if dfs(None) else None


def unchained_text(items: list[tuple[str, str, dict, list[np.ndarray]]]) -> str:
    """Why weighted layers (name, class, config, arrays) make no one stack, each one's
    input and output widths as ``chain_order`` reads them: ``dense 128→357, embedding
    228 ids→64``, and what two Embeddings or more mean (several inputs)."""
    parts = []
    for name, cls, cfg, arrays in items:
        d_in, d_out = _dims(cls, cfg, arrays)
        parts.append(f"{name} {f'{arrays[0].shape[0]} ids' if d_in == 'embedding' else d_in}\u2192{d_out}")
    text = ("its layers make no single stack: in no order does each take the previous one's "
            f"output width ({', '.join(parts)})")
    n = sum(1 for _, cls, _, _ in items if cls == "Embedding")
    if n > 1:
        text += (f"; {n} Embeddings read {n} inputs (an encoder and a decoder?), a wiring "
                 "that a weights file does not record")
    return text


def set_return_sequences(layers: list[tuple[str, dict]]) -> None:
    """RNNs followed (past weightless layers) by an RNN or TimeDistributed return sequences."""
    seq_consumers = set(RNN_CLASSES) | {"Bidirectional", "TimeDistributed", "RNN", "Conv1D"}
    passthrough = {"Dropout", "SpatialDropout1D", "Masking", "Activation", "GaussianNoise",
                   "GaussianDropout", "AlphaDropout", "BatchNormalization"}
    for i, (cls, cfg) in enumerate(layers):
        if cls not in RNN_CLASSES and cls not in ("Bidirectional", "RNN"):
            continue
        nxt = None
        for c2, _ in layers[i + 1:]:
            if c2 in passthrough:
                continue
            nxt = c2
            break
        rs = nxt in seq_consumers
        targets = [cfg] if cls in RNN_CLASSES or cls == "RNN" else [cfg["layer"]["config"]] + (
            [cfg["backward_layer"]["config"]] if "backward_layer" in cfg else [])
        for t in targets:
            t["return_sequences"] = rs


def _rnn_cell_cfgs(cfg: dict) -> list[dict]:
    cell = cfg["cell"]
    cells = cell["config"]["cells"] if cell.get("class_name") == "StackedRNNCells" else [cell]
    return [c["config"] for c in cells]


def describe_failure(g: Group) -> Fail:
    shapes = ", ".join(fmt_shape(a.shape) for a in g.arrays) or "none"
    return Fail(f"cannot tell what kind of layer group '{g.name}' is from its weights ({shapes})",
                "supported in weights-only files: LSTM, GRU, SimpleRNN, RNN(cells), Dense, "
                "Embedding, Conv1D, Bidirectional and TimeDistributed layers")
