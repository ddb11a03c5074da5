"""Plain descriptions of a model: what a loader produces and the engine builds from.

A ``ModelSpec`` is a graph of ``LayerSpec`` nodes in Keras' own vocabulary: class names
as Keras 2/3 spell them (``LSTM``, ``GRU``, ``Bidirectional``, ``TimeDistributed``,
``Dense``, ...), config dicts with Keras 2/3 key names (``units``, ``return_sequences``,
...), and weights as the list ``layer.get_weights()`` returns, in that order and layout.

Loaders translate older vocabularies (Keras 1's ``output_dim``, per-gate arrays, ...)
into this form; the engine never sees a file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class TensorRef:
    """One tensor in the graph: output ``tensor_index`` of layer ``layer`` (node 0)."""

    layer: str
    tensor_index: int = 0


@dataclass
class LayerSpec:
    """One layer: Keras class name, name, config, weights and where its inputs come from.

    - ``config``: Keras 2/3 keys; a wrapper (``Bidirectional``, ``TimeDistributed``)
      holds its inner layer as ``config["layer"] = {"class_name": ..., "config": {...}}``
      (and optionally ``config["backward_layer"]``).
    - ``weights``: ``None`` to initialise from the seed, or the arrays in Keras'
      ``get_weights()`` order (for Bidirectional: forward's then backward's).
    - ``inbound``: the tensors fed to the layer (empty for an ``InputLayer`` and for the
      first layer of a sequential stack, which takes the previous layer's output).
    - ``initial_state``: tensors passed as ``initial_state=`` to a recurrent layer.
    - ``mask``: a tensor passed as ``mask=`` (a recurrent layer's explicit mask, such as a
      boolean input), used instead of the mask Masking/Embedding would propagate.
    """

    class_name: str
    config: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    weights: list[np.ndarray] | None = None
    inbound: list[TensorRef] = field(default_factory=list)
    initial_state: list[TensorRef] = field(default_factory=list)
    mask: TensorRef | None = None


@dataclass
class ModelSpec:
    """A whole model: layers in Keras' order plus the graph's inputs and outputs.

    For a sequential model leave ``inputs``/``outputs`` empty and every layer's
    ``inbound`` empty: each layer then takes the previous one's output, and the first
    layer's ``config["batch_input_shape"]`` (or an ``InputLayer``) gives the input shape.
    ``source`` describes where it came from (file, format, Keras version) for messages.
    """

    layers: list[LayerSpec]
    inputs: list[TensorRef] = field(default_factory=list)
    outputs: list[TensorRef] = field(default_factory=list)
    name: str = "model"
    keras_version: str | None = None  # "1.2.2", "2.8.0", "3.4.1" ...: picks activation semantics
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sequential(self) -> bool:
        return not self.inputs and all(not l.inbound for l in self.layers)

    def as_chain(self) -> "ModelSpec | None":
        """The Sequential model this functional one equals, when its layers form one chain:
        an ``InputLayer`` first, each layer reading only the first output of the one before
        it (no initial state, no explicit mask, no ``return_state``), the last one's first
        output the only output. None for anything else (branches, several inputs)."""
        layers = self.layers
        if (self.is_sequential or len(self.inputs) != 1 or len(self.outputs) != 1 or len(layers) < 2
                or layers[0].class_name != "InputLayer" or self.inputs[0] != TensorRef(layers[0].name or "")
                or self.outputs[0] != TensorRef(layers[-1].name or "")):
            return None
        for before, layer in zip(layers, layers[1:]):
            inner = layer.config.get("layer", {})
            inner = inner.get("config", {}) if isinstance(inner, dict) else {}
            if (layer.inbound != [TensorRef(before.name or "")] or layer.initial_state or layer.mask
                    or layer.config.get("return_state") or inner.get("return_state")):
                return None
        return ModelSpec([dataclasses.replace(l, inbound=[]) for l in layers], name=self.name,
                         keras_version=self.keras_version, source=dict(self.source))


def keras_major_of(version: str | None) -> int:
    """1, 2 or 3 from a Keras version string such as '2.2.4-tf' (default 3). Here, beside
    ``ModelSpec.keras_version``, so the file readers ask it without the engine's layers."""
    try:
        return max(1, min(3, int(str(version).split(".")[0])))
    except (TypeError, ValueError):
        return 3
