"""Putting the weights a file holds onto the layers of a model (``lstmviz.load_weights``).

A Keras 3 ``.weights.h5`` names its groups by layer class and order, not by layer name;
layers are matched the way Keras 3 does it: model layer number k of class C reads
``layers/<snake_case(C)>[_n]`` (n counted per class, InputLayers included in a functional
model), and its variables from the objects ``keras3_paths.var_paths`` names. Other files
match by name when every name in the file is a layer of the model, else in order among
the layers that hold weights. The first mismatch of class, count or shape raises
LstmvizError naming both sides; nothing is set here (the caller sets what is staged).
"""

from __future__ import annotations

from typing import Any

from ..errors import LstmvizError
from ._util import fmt_shape
from .keras3_paths import class_names, layer_layout, var_paths

__all__ = ["stage_weights"]


def load_weights(model: Any, path: Any, isolate: bool = True, read: Any = None) -> None:
    """Put the weights of a weights-only file onto ``model``, whose layers must match
    (Keras 3 ``.weights.h5`` by Keras 3's class-based paths, other files by layer name or
    order). The first mismatch of class, count or shape raises LstmvizError naming both
    sides; then no layer has changed (``lstmviz.load_weights`` is this).

    ``isolate`` reads HDF5 files in a child process (see ``lstmviz.io.isolated``);
    ``read`` is what ``formats.read_weights(path)`` returned, if it was already read.
    """
    from .formats import read_weights

    entries, k3vars = read if read is not None else read_weights(path, isolate=isolate)
    for layer, arrays in stage_weights(model, path, entries, k3vars):
        layer.set_weights(arrays)


def stage_weights(model: Any, path: Any, entries: list, k3vars: dict | None) -> list[tuple[Any, list]]:
    """[(layer, arrays)] for every layer of ``model`` that takes weights from the file
    (``entries``, ``k3vars``: what ``formats.read_weights`` returned)."""
    staged = _match_keras3(model, path, k3vars) if k3vars else None
    if staged is None:
        staged = _match_by_name_or_order(model, path, entries)
    return staged


def _match_keras3(model: Any, path: Any, k3vars: dict) -> list | None:
    """[(layer, arrays)] by Keras 3 class-based paths; None when the file's layout is not
    this model's (e.g. it holds nested models), so the caller falls back to names/order."""
    layers = list(model.layers)
    groups = class_names([layer.class_name for layer in layers])
    staged, used = [], set()
    for layer, group in zip(layers, groups):
        if not layer.weights:
            continue
        want = [tuple(w.shape) for w in layer.weights]
        paths = var_paths(layer_layout(layer), f"layers/{group}")
        if not all(p in k3vars for p in paths):
            missing = next(p for p in paths if p not in k3vars)
            if any(k.startswith(f"layers/{group}/") or k == f"layers/{group}" for k in k3vars):
                raise LstmvizError(
                    f"{path}: layer '{layer.name}' ({layer.class_name}) reads its weights "
                    f"from '{missing}', which is not in the file (it holds "
                    f"{', '.join(k for k in k3vars if k.startswith(f'layers/{group}'))})"
                )
            return None
        arrays = [a for p in paths for a in k3vars[p]]
        got = [tuple(a.shape) for a in arrays]
        if got != want:
            raise LstmvizError(_misfit(path, group, got, layer))
        used.update(paths)
        staged.append((layer, arrays))
    # a whole layer group nobody reads means the file is another model's (RNG state of
    # dropout, ``seed_generator/vars``, is saved too but is not a weight)
    tops = {"/".join(p.split("/")[:2]) for p in used}
    extra = [k for k in k3vars if "/".join(k.split("/")[:2]) not in tops
             and "seed_generator" not in k.split("/")]
    if extra:
        raise LstmvizError(
            f"{path}: the file holds weights at {', '.join(extra[:5])} that no layer of the "
            f"model reads (the model's layers with weights: "
            f"{', '.join(l.name for l, _ in staged) or 'none'})"
        )
    return staged


def _match_by_name_or_order(model: Any, path: Any, entries: list) -> list:
    targets = [layer for layer in model.layers if layer.weights]
    by_name = {layer.name: layer for layer in targets}
    if len(entries) == len(targets) and all(name in by_name for name, _ in entries):
        targets = [by_name[name] for name, _ in entries]
    if len(entries) != len(targets):
        raise LstmvizError(
            f"{path}: the file holds weights for {len(entries)} layer(s) "
            f"({', '.join(n for n, _ in entries) or 'none'}) but the model has "
            f"{len(targets)} layer(s) with weights ({', '.join(l.name for l in targets) or 'none'})"
        )
    staged = []
    for (fname, arrays), layer in zip(entries, targets):
        want = [w.shape for w in layer.weights]
        got = [tuple(a.shape) for a in arrays]
        if want != got:
            raise LstmvizError(_misfit(path, fname, got, layer))
        staged.append((layer, arrays))
    return staged


def _misfit(path: Any, fname: str, got: list[tuple[int, ...]], layer: Any) -> str:
    """The file's weights ``fname`` (shapes ``got``) do not fit ``layer``: both sides, and
    the first array that differs by the layer's name for it (a transpose said so)."""
    want = [tuple(w.shape) for w in layer.weights]
    what = (f"{path}: weights '{fname}' have shapes {got} but layer '{layer.name}' "
            f"({layer.class_name}) needs {want}")
    if len(got) != len(want):
        return what
    try:
        names = list(layer.weight_names)
    except Exception:  # (a layer that names no weights: by their place)
        names = []
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            name = names[i] if i < len(names) else f"array {i}"
            turned = ", transposed" if len(g) == 2 and g[::-1] == w else ""
            return (f"{what}: its {name} is {fmt_shape(g)}{turned}, the layer's {fmt_shape(w)}")
    return what
