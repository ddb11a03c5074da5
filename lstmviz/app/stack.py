"""The editable stack's data, with no Qt: its layers (``LayerEntry``: Keras class, config,
name, loaded weights), its input (``InputSpec``), and a frozen copy of both for undo
(``Snapshot``, taken by ``history.History``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from lstmviz.app.options import default_config, get_option
from lstmviz.app.selection import Cursor
from lstmviz.engine import LayerSpec, Model


@dataclass
class LayerEntry:
    """One layer of the editable stack: Keras class, config, name and (loaded) weights."""

    class_name: str
    config: dict
    name: str | None = None
    weights: list | None = None

    def spec(self) -> LayerSpec:
        cfg = {k: v for k, v in self.config.items() if k != "name"}
        return LayerSpec(self.class_name, copy.deepcopy(cfg), name=self.name)

    def label(self) -> str:
        if self.class_name in ("Bidirectional", "TimeDistributed"):
            inner = get_option(self.config, "layer.class_name", "?")
            return f"{self.class_name}({inner})"
        return self.class_name

    def duplicate(self) -> "LayerEntry":
        return LayerEntry(self.class_name, copy.deepcopy(self.config), None,
                          None if self.weights is None else [np.array(w) for w in self.weights])


@dataclass
class InputSpec:
    """What the stack is fed: ``batch_size`` samples of ``timesteps`` steps of ``input_dim``
    numbers, made by ``source`` (a generator name, ``"text"``, or ``"data"`` for an imported
    or hand-edited array) with ``seed``. ``others``: a read-only model's inputs after the
    first, the user's own arrays given or imported for them (each as the model takes it,
    held (batch, time, ...); None for one not given), whatever the first input is; an input
    without one is made up (``tracing.inputs_for``)."""

    batch_size: int = 4
    timesteps: int = 20
    input_dim: int = 1
    source: str = "sine"
    seed: int = 0
    period: float = 12.0
    text: str = "hello world"
    data: np.ndarray | None = field(default=None, repr=False)
    others: tuple = field(default=(), repr=False)
    #: what the input is called where the app, not the user, chose it (a demo's own array:
    #: "demo: sine wave", ``demos.input_label``); "" for the user's own; cleared by any
    #: change of the input (``input_edits``), kept by undo and sessions with the rest
    label: str = ""


#: ``InputSpec``'s fields that hold arrays (compared by identity, saved as ``.npy`` members)
ARRAY_FIELDS = ("data", "others")


@dataclass(frozen=True)
class TrainData:
    """The Train tab's own data ("Your model and data"): the inputs and targets the user
    opened there, as read for the model (``app.train_user.user_data``: token ids int32, else
    float32), the names of the files they came from, the loss and validation split picked
    with them. Held by the state (``StateBase.train_data``) so a session keeps them (the
    files may be gone when it is opened again); arrays read-only, replaced, never changed."""

    inputs: np.ndarray = field(repr=False)
    targets: np.ndarray = field(repr=False)
    input_name: str = "inputs"
    target_name: str = "targets"
    loss: str = "mse"
    validation_split: float = 0.2


class HeldInput:
    """A snapshot's input array: the array itself (read-only, shared with the state and
    the snapshots next to it), or, once the snapshot after it in its history holds the array
    an edit made of it, only the numbers where it differs from that one (``patch``;
    ``history._pack``): a long input edited number by number was kept whole at every edit,
    100,000 steps of 64 features 25.6 MB an edit. ``value`` makes the array again."""

    __slots__ = ("array", "base", "where", "values")

    def __init__(self, array: np.ndarray | None):
        self.array = array
        #: the newer one it differs from, at flat indices ``where`` by ``values``
        self.base: HeldInput | None = None
        self.where: np.ndarray | None = None
        self.values: np.ndarray | None = None

    def patch(self, newer: HeldInput, where: np.ndarray) -> None:
        """Keep only what differs from ``newer``'s array at flat indices ``where``."""
        assert self.array is not None
        self.values = np.ascontiguousarray(self.array).reshape(-1)[where].copy()
        self.where, self.base, self.array = where, newer, None

    def value(self) -> np.ndarray | None:
        """The array (a patched one made again from the newest array of its chain, read-only)."""
        chain: list[HeldInput] = []
        held = self
        while held.array is None and held.base is not None:
            chain.append(held)
            held = held.base
        if not chain or held.array is None:
            return held.array
        out = np.array(held.array)
        flat = out.reshape(-1)
        for step in reversed(chain):  # (the one nearest the whole array first)
            flat[step.where] = step.values
        out.setflags(write=False)
        return out


@dataclass(frozen=True)
class Snapshot:
    """An immutable copy of the stack and the input (weights and data read-only). Its
    input's array is ``held`` (``HeldInput``: whole, or a patch of a newer snapshot's);
    ``input`` gives the spec with it."""

    layers: tuple  # of (class_name, config, name, tuple of arrays or None)
    spec: InputSpec  # (its ``data`` None: ``held``'s)
    model: Model | None = None  # a read-only model, shown as it is
    path: str | None = None
    keras_version: str = "3"  # the stack's Keras generation (``StateBase.keras_version``)
    model_name: str | None = None  # the stack's model name (``StateBase.model_name``)
    compiled: dict | None = None  # what the stack's model was compiled with (``StateBase.compiled``)
    #: the cursor (step, sample, layer, unit, side) when it was taken: an undo or redo puts
    #: it back with the rest (an edit that clamped the step is undone with its step)
    cursor: Cursor | None = None
    #: the training snapshot whose weights the stack held (``StateBase.shown_weights``): an
    #: undo or redo of a scrub puts the views' "weights of update 80 of 160" back with them
    shown: ShownWeights | None = None
    held: HeldInput = field(default_factory=lambda: HeldInput(None), compare=False)

    @cached_property
    def weights_by_name(self) -> dict:
        """Each named layer's frozen weights (a tuple of arrays), found once: a snapshot's
        layers never change (``history._earlier`` looks a layer up in every snapshot)."""
        return {n: w for _c, _cfg, n, w in self.layers if n is not None and w is not None}

    @cached_property
    def weight_bytes(self) -> dict[int, int]:
        """Its weights' arrays and the other inputs of a read-only model, by ``id``, with
        their bytes, found once (``history.held_bytes`` joins those of every snapshot)."""
        arrays = {id(a): a.nbytes for _c, _cfg, _n, w in self.layers for a in w or ()}
        arrays.update((id(a), a.nbytes) for a in self.spec.others if isinstance(a, np.ndarray))
        return arrays

    @property
    def input(self) -> InputSpec:
        """The input as it was (its array made again where it is kept as a patch)."""
        spec = replace(self.spec)
        spec.data = self.held.value()
        return spec


@dataclass(frozen=True)
class ShownWeights:
    """The weights the views show are a training run's snapshot (the Train tab's Snapshots
    slider, ``train_user.Scrubber``): those after update ``update`` of the run ``run``
    (``TrainingSession.run_id``: the session and its generation, which Reset and a new
    configuration change). ``replaced``: the run's own model (a task's) was opened in place
    of the user's, not only its weights put on the user's stack."""

    update: int
    run: tuple
    replaced: bool = False

    def forms(self, session=None) -> tuple[str, ...]:
        """What the views' header says of it, whole then shorter forms for a narrow header:
        "weights of update 80 of 160" while ``session`` (the Train tab's, duck-typed: its
        ``run_id`` and ``planned_updates``) is still that run, "... of an earlier run" once
        it was reset, configured anew or replaced (the weights shown are still that run's;
        the Train tab's slider no longer reaches them)."""
        n = f"{self.update:,}"
        same = session is not None and tuple(session.run_id) == tuple(self.run)
        if same:
            total = f"{int(session.planned_updates):,}"
            return (f"weights of update {n} of {total}", f"weights of update {n}", f"update {n} of {total}",
                    f"update {n}")
        return (f"weights of update {n} of an earlier run", f"update {n} of an earlier run",
                f"update {n}, earlier run", f"update {n}")


def default_layers() -> list[LayerEntry]:
    """The built-in stack shown when no demo exists: LSTM(8, seq) -> LSTM(4) -> Dense(1)."""
    a = default_config("LSTM", units=8)
    a["return_sequences"] = True
    return [LayerEntry("LSTM", a), LayerEntry("LSTM", default_config("LSTM", units=4)),
            LayerEntry("Dense", default_config("Dense"))]
