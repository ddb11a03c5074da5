"""Where Keras 3's ``saving_lib`` puts a layer's variables in a weights file: one rule.

A layer saved under ``path`` (``layers/lstm``, ``layers/bidirectional_1`` ...) keeps its
variables in ``<object>/vars/0, 1, ...`` of the objects ``var_paths`` names, in Keras'
``get_weights()`` order: a recurrent layer in ``path/cell``, a generic ``RNN`` of stacked
cells in ``path/cell/cells/<snake_case(cell class)>[_n]``, a ``Bidirectional`` in its
``forward_layer`` then ``backward_layer``, a ``TimeDistributed`` in ``layer``, anything
else in ``path`` itself. The readers (from a Keras config) and the weight matching (from
an engine layer) describe a layer by its ``Layout`` and ask ``var_paths``.
"""

from __future__ import annotations

from typing import Any

from lstmviz.text import snake_case

__all__ = ["Layout", "var_paths", "class_names", "config_layout", "layer_layout"]

#: ("plain",) | ("cell",) | ("cells", [cell class names]) | ("pair", forward, backward)
#: | ("inner", layout)
Layout = tuple

def class_names(classes: list[str]) -> list[str]:
    """Keras 3 ``saving_lib`` names of the objects of a list: snake_case(class), then
    ``_1``, ``_2`` ... for later objects of the same class."""
    used: dict[str, int] = {}
    out = []
    for c in classes:
        n = snake_case(c)
        if n in used:
            used[n] += 1
            n = f"{n}_{used[n]}"
        else:
            used[n] = 0
        out.append(n)
    return out


def var_paths(layout: Layout, path: str) -> list[str]:
    """The objects holding the variables of a layer of ``layout`` saved under ``path``."""
    kind = layout[0]
    if kind == "cell":
        return [f"{path}/cell"]
    if kind == "cells":
        return [f"{path}/cell/cells/{n}" for n in class_names(list(layout[1]))]
    if kind == "pair":
        return (var_paths(layout[1], f"{path}/forward_layer")
                + var_paths(layout[2], f"{path}/backward_layer"))
    if kind == "inner":
        return var_paths(layout[1], f"{path}/layer")
    return [path]


def config_layout(cls: str, cfg: dict) -> Layout:
    """The layout of a layer from its Keras class name and (normalised) config."""
    from ._layers import RNN_CLASSES, is_stacked_cell, rnn_cell_list

    if cls in RNN_CLASSES:
        return ("cell",)
    if cls == "RNN":
        if is_stacked_cell(cfg):
            return ("cells", [c["class_name"] for c in rnn_cell_list(cfg) or []])
        return ("cell",)
    if cls == "Bidirectional":
        inner = cfg["layer"]
        back = cfg.get("backward_layer", inner)
        return ("pair", config_layout(inner["class_name"], inner["config"]),
                config_layout(back["class_name"], back["config"]))
    if cls == "TimeDistributed":
        inner = cfg["layer"]
        return ("inner", config_layout(inner["class_name"], inner["config"]))
    return ("plain",)


def layer_layout(layer: Any) -> Layout:
    """The layout of an engine layer (``lstmviz.engine.layers``)."""
    from ..engine.layers import Bidirectional, Recurrent, StackedRNN, TimeDistributed

    if isinstance(layer, StackedRNN):
        return ("cells", [f"{c.kind}Cell" for c in layer.cells])
    if isinstance(layer, Recurrent):
        return ("cell",)
    if isinstance(layer, Bidirectional):
        return ("pair", layer_layout(layer.forward_layer), layer_layout(layer.backward_layer))
    if isinstance(layer, TimeDistributed):
        return ("inner", layer_layout(layer.inner))
    return ("plain",)
