"""How the Weights view lays out the weights that are not a recurrent layer's or a Dense's
matrix, computed without Qt: a convolution's kernel and a normalisation's vectors.

A Conv1D's kernel (Keras' ``(taps, input channels / groups, filters)``, an ONNX Conv's
``(filters, input channels / groups, taps)``) is drawn as one matrix: rows the input
channels, a block of columns per tap (a filter a column in it), so that a column of a block
is what one filter multiplies the input step that tap reads with; flattened it was a strip
of 1 x 192 labelled "input feature". A normalisation's gamma, beta, moving mean and
variance (Keras' and torch's LayerNormalization / BatchNormalization, ONNX's Scale, B,
mean and var) are vectors named by what they do, a number per feature or channel.

``weight_grid`` gives a ``Grid`` for such a weight (None: the view's own layout, a
recurrent kernel's gate blocks or a Dense's matrix); every number drawn is the weight's
own, ``Grid.index`` says which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: ONNX norms' weights in their inputs' order (``OnnxOp.weight_specs``: ``<op>_<k>``)
_ONNX_NORM = {"onnx.BatchNormalization": ("scale", "bias", "mean", "var"),
              "onnx.LayerNormalization": ("scale", "bias")}
#: what each normalisation weight does: (title, short title, symbol)
_NORM_MEANING = {
    "gamma": ("gamma γ", "scale: × the normalised value", "γ"),
    "scale": ("scale γ", "× the normalised value", "γ"),
    "beta": ("beta β", "shift: + after the scale", "β"),
    "bias": ("B β", "shift: + after the scale", "β"),
    "moving_mean": ("moving mean μ", "subtracted first", "μ"),
    "mean": ("mean μ", "subtracted first", "μ"),
    "moving_variance": ("moving variance σ²", "÷ √(σ² + ε)", "σ²"),
    "var": ("variance σ²", "÷ √(σ² + ε)", "σ²"),
}


@dataclass
class Grid:
    """One weight as the Weights view draws it."""

    array: np.ndarray                 # 2-D, as drawn (a vector: one row)
    titles: tuple[str, ...]           # its title, longest first (plain text)
    rows: tuple[str, ...]             # the rows' label, longest first (none: a vector)
    blocks: list[tuple[str, ...]]     # a label's forms for each block of columns (none: no blocks)
    block_columns: int                # columns a block
    #: the weight's own index of the drawn (row, column)
    index: Callable[[int, int], tuple[int, ...]]
    #: what the drawn (row, column) is: "tap 1, input channel 2 → filter 3"
    where: Callable[[int, int], str]


def _conv_grid(layer, name: str, w: np.ndarray, onnx: bool) -> Grid:
    # (taps, channels a group, filters) whichever the format
    k = w.transpose(2, 1, 0) if onnx else w
    taps, per_group, filters = k.shape
    groups = max(1, int(layer.config.get("groups", 1) if not onnx
                        else (layer.config.get("attrs") or {}).get("group", 1)))
    each = max(1, filters // groups)
    array = np.ascontiguousarray(k.transpose(1, 0, 2).reshape(per_group, taps * filters))

    def index(row: int, column: int) -> tuple[int, ...]:
        j, f = divmod(column, filters)
        return (f, row, j) if onnx else (j, row, f)

    def where(row: int, column: int) -> str:
        j, f = divmod(column, filters)
        g = f // each
        channel = g * per_group + row
        grouped = f" (group {g})" if groups > 1 else ""
        return f"tap {j}, input channel {channel}{grouped} → filter {f}"

    kind = "kernel W" if not onnx else f"kernel W ({name})"
    rows = ("input channel", "channel") if groups == 1 else ("channel of its group", "channel")
    return Grid(array, (f"{kind}  (rows: input channel · a block of filters per tap)", kind, "W"),
                rows, [(f"tap {j}", f"{j}") for j in range(taps)], filters, index, where)


def _norm_grid(layer, name: str, w: np.ndarray, role: str) -> Grid:
    short, does, symbol = _NORM_MEANING[role]
    what = "channel" if layer.class_name.startswith("onnx.") and "Batch" in layer.class_name else "feature"
    title = f"{short}  ({does}; one a {what})" if w.ndim == 1 else f"{short}  ({does})"
    if w.ndim == 1:
        array = w.reshape(1, -1)

        def index(row: int, column: int) -> tuple[int, ...]:
            return (column,)

        def where(row: int, column: int) -> str:
            return f"{what} {column}"

        return Grid(array, (title, short, symbol), (), [], max(1, w.size), index, where)
    array = w.reshape(w.shape[0], -1)  # (a LayerNormalization over steps and features: a row a step)

    def index2(row: int, column: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(row * array.shape[1] + column, w.shape))

    def where2(row: int, column: int) -> str:
        return ", ".join(str(i) for i in index2(row, column))

    return Grid(array, (title, short, symbol), ("row", "row"), [], array.shape[1], index2, where2)


def _bias_grid(w: np.ndarray, name: str, onnx: bool) -> Grid:
    """A convolution's bias: a number a filter."""
    kind = "bias b" if not onnx else f"bias b ({name})"
    return Grid(w.reshape(1, -1), (f"{kind}  (+ one a filter)", kind, "b"), (), [], max(1, w.size),
                lambda row, column: (column,), lambda row, column: f"filter {column}")


def weight_grid(layer, name: str, w: np.ndarray) -> Grid | None:
    """How the Weights view draws weight ``name`` (``w``) of ``layer``: a ``Grid`` for a
    convolution's kernel and a normalisation's weights, None for any other (the view's
    own layout)."""
    w = np.asarray(w)
    cls = str(layer.class_name)
    if w.ndim == 3 and ((cls == "Conv1D" and name == "kernel") or cls == "onnx.Conv"):
        return _conv_grid(layer, name, w, onnx=cls == "onnx.Conv")
    if w.ndim == 1 and ((cls == "Conv1D" and name == "bias") or cls == "onnx.Conv"):
        return _bias_grid(w, name, onnx=cls == "onnx.Conv")
    if cls in ("LayerNormalization", "BatchNormalization") and name in _NORM_MEANING:
        return _norm_grid(layer, name, w, name)
    if cls in _ONNX_NORM and w.ndim >= 1:
        # (weight k is the node's input at the slot that names it: X, then these in order)
        names = list(layer.named_weights())
        k = names.index(name) if name in names else -1
        slots = layer.config.get("slots") or []
        at = next((p for p, slot in enumerate(slots) if slot[0] == "weight" and slot[1] == k), 0)
        roles = _ONNX_NORM[cls]
        if 1 <= at <= len(roles):
            return _norm_grid(layer, name, w, roles[at - 1])
    return None
