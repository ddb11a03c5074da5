"""What every part of the app state shares, with no Qt: the data (stack, input, model,
trace, cursor, error, undo stacks), the events that say what changed, and the grouping of
one operation's events into one ``changed``.

``AppState`` (``app/state.py``) is composed of parts, each a class over this base in its
own module: ``edits.Edits`` (the layers), ``input_edits.InputEdits`` (the input),
``tracing.Tracing`` (building, tracing, the cursor, stateful batches), ``opening.Opening``
(models and weights files) and ``history.History`` (undo/redo, lessons). A part reaches
another only through the methods declared at the end of ``StateBase`` (for the type
checker; ``AppState`` has them all).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from lstmviz.app.events import Change, Event
from lstmviz.app.selection import Cursor
from lstmviz.app.stack import InputSpec, LayerEntry, ShownWeights, Snapshot, TrainData, default_layers
from lstmviz.engine import Model, Trace

if TYPE_CHECKING:
    from lstmviz.app.long_sequence import LongSequence

#: the events every operation may emit, by the field of ``Change`` they set
EVENTS = ("stack", "model", "error", "cursor", "input", "history")


class StateBase:
    """The app state's data and events (see ``app/state.py`` for what each event says)."""

    def __init__(self, layers: list[LayerEntry] | None = None, spec: InputSpec | None = None,
                 seed: int = 0):
        self.layers: list[LayerEntry] = list(default_layers() if layers is None else layers)
        self.input: InputSpec = spec or InputSpec()
        self.seed = seed
        #: the Keras generation whose semantics the editable stack follows: an opened Keras 1
        #: or 2 file's (its hard_sigmoid is not Keras 3's), "3" for a stack made here
        self.keras_version = "3"
        #: the editable stack's model name: an opened model's own ('my_forecaster'), kept
        #: through its edits; None for the app's stacks (built as Keras' "sequential")
        self.model_name: str | None = None
        #: the editable stack's layers an opened file says how it converted (a PyTorch
        #: state_dict's gate order and biases: ``source["layer_notes"]``), each with the
        #: weights that is true of; a rebuilt model says it of the layers that still hold them
        self.layer_notes: dict[str, tuple[str, list[np.ndarray]]] = {}
        #: what the editable stack's model was compiled with (an opened ``.keras`` file's
        #: ``source["compile"]``, ``engine.compiled``), kept through its edits: the Train
        #: tab's defaults; None for the app's stacks
        self.compiled: dict | None = None
        #: the Train tab's own inputs and targets (``stack.TrainData``: "Your model and data"),
        #: kept in a session; None until the user opened them there
        self.train_data: TrainData | None = None
        self.model: Model | None = None
        self.trace: Trace | None = None
        self.x: np.ndarray | None = None
        self.cursor = Cursor()
        self.error: str | None = None
        #: a loaded model that is not a plain stack (several inputs ...): shown read-only
        self.readonly = False
        self.path: str | None = None
        #: trace every sample of the batch (default: only the shown one, see ``Tracing._trace``)
        self.trace_all_samples = False
        self.traced_sample: int | None = None
        #: stateful models: which batch the trace shows (0: states start from zeros; k: the
        #: stateful layers started from the states batch k-1 left, see ``next_batch``)
        self.batch_index = 0
        #: the states the stateful layers carried into that batch (``Model.carried_states()``
        #: before it ran; None at batch 0): a session keeps them, to trace that batch alone
        self.states_in: list | None = None
        #: a long input (its full trace over the trace budget, over ``LONG_STEPS`` steps or over
        #: ``FULL_TRACE_WORK`` multiply-adds):
        #: ``app.long_sequence.LongSequence``,
        #: and ``trace`` is the exact window around the cursor's step (``follow_long``)
        self.long: LongSequence | None = None
        #: each layer's steps on its own time axis, for the trace they were read from
        #: (``Tracing.steps_of``: the clock's range on the selected layer)
        self._steps_known: tuple[object, dict[str, int]] = (None, {})
        #: the layer an edit is rebuilding for (``Edits._edited``): traced at once with the
        #: cursor's, the layers after both when first asked for (``Tracing._trace``)
        self.edit_target: str | None = None
        #: traces made ahead of an edit of units (``Edits.draw_ahead``, on its thread): (the
        #: layer's name, its config then, the trace they reused, the trace), which that edit
        #: takes records from (``Tracing._trace``; the engine checks each to the bit)
        self._traced_ahead: list[tuple] = []
        #: what the last ``set_model`` left out of the input, in a sentence (the user's data
        #: that the model cannot take), said with "Opened ..."; None when nothing
        self.input_note: str | None = None
        #: the training snapshot whose weights the views show (the Train tab's Snapshots
        #: slider, ``train_user.Scrubber``), None for the stack's own: the views' header
        #: says it ("weights of update 80 of 160"); it goes as soon as the weights shown are
        #: no longer those (``Tracing.rebuild``: an edit, another model), and undo and redo
        #: carry it with the weights (``Snapshot.shown``)
        self.shown_weights: ShownWeights | None = None
        #: what ``shown_weights`` was checked against: the model (read-only) or each layer's
        #: weights as last seen; None: the weights a ``restore`` brings back, taken as they are
        self._shown_arrays: Model | list | None = None
        self.stack_changed = Event("stack_changed")
        self.model_changed = Event("model_changed")
        self.error_changed = Event("error_changed")
        self.cursor_changed = Event("cursor_changed")
        self.input_changed = Event("input_changed")
        #: undo/redo: snapshots of (layers, input) taken before each edit (see ``undo``)
        self.undo_stack: list[Snapshot] = []
        self.redo_stack: list[Snapshot] = []
        self.history_changed = Event("history_changed")
        #: once per operation (an edit, undo, opening a model, a step ...): a ``Change``
        #: saying what it changed, after the events above said it one by one
        self.changed = Event("changed")
        #: ``notice(text)``: what an operation did that the user may not see (an edit that
        #: drew new weights over an opened file's): one line for the status bar
        self.notice = Event("notice")
        #: the opened file's weights an edit may replace (``Edits._edited``), by layer name
        self._weights_before: dict = {}
        #: (old name, index) of a layer whose kind an edit changed (its file's weights went)
        self._kind_changed: tuple[str, int] | None = None
        self._depth = 0
        self._pending: set[str] = set()
        for what in EVENTS:
            getattr(self, f"{what}_changed").connect(lambda *_, w=what: self._mark(w))

    # -- what changed ----------------------------------------------------------------------
    @contextmanager
    def changes(self) -> Iterator[None]:
        """Group what the operations inside change into one ``changed`` event."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._pending:
                what, self._pending = self._pending, set()
                self.changed.emit(Change(**{w: True for w in what}))

    def _mark(self, what: str) -> None:
        self._pending.add(what)
        if self._depth == 0:  # outside any operation: say it at once
            with self.changes():
                pass

    def _set_error(self, message: str | None) -> None:
        if message != self.error:
            self.error = message
            self.error_changed.emit(message)

    # -- what the stack is -------------------------------------------------------------------
    @property
    def embedding_first(self) -> bool:
        return bool(self.layers) and self.layers[0].class_name == "Embedding"

    def index_of(self, name: str | None) -> int | None:
        for i, e in enumerate(self.layers):
            if e.name == name:
                return i
        return None

    if TYPE_CHECKING:  # the parts' methods other parts call (AppState has them all)
        def rebuild(self) -> bool: ...
        def set_cursor(self, **changes: object) -> Cursor: ...
        def follow_long(self) -> None: ...
        def make_input(self) -> np.ndarray: ...
        def input_shape(self) -> tuple: ...
        def snapshot(self) -> Snapshot: ...
        def restore(self, snap: Snapshot) -> None: ...
        def next_batch(self) -> None: ...
        def remember_replaced(self) -> None: ...
        def _remember(self) -> None: ...
        def _push_history(self, snap: Snapshot) -> None: ...
        def _edited(self, select: int | None = None) -> None: ...
        def _clamped(self, cur: Cursor) -> Cursor: ...
        def _inputs_for(self, model: Model) -> list[np.ndarray]: ...
        def _misfit(self, data: np.ndarray) -> str | None: ...
        def set_input_data(self, data: np.ndarray, names=None, labels=None, others=None) -> None: ...
        @property
        def time_major(self) -> bool: ...
