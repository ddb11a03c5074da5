"""Undo and redo of the app state, with no Qt: every edit first pushes a frozen copy of
the stack, the input and the cursor (bounded by ``UNDO_LIMIT``, and its weights, each
array once: an array equal to an earlier snapshot's is that one, by ``UNDO_SHARE`` of the
memory limit); opening a model, a session or a new stack pushes one too
(``remember_replaced``); restoring re-traces, and an undo or redo puts the cursor back as
it was (a step an edit clamped, a layer a removal moved it from), as a failed opening and
a lesson's end do. Lessons keep what was there the same way (``lesson_saved`` /
``lesson_restore``), the undo history too: a lesson's edits are undone within it.

``History`` is a part of ``AppState`` (``app/state.py``) over ``base.StateBase``: it uses
the state's ``layers``, ``input``, ``model``, ``readonly``, ``path``, ``cursor`` and its
events.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from lstmviz import limits
from lstmviz.app.base import StateBase
from lstmviz.app.events import operation as _operation
from lstmviz.app.input_edits import mapped_read_only, shared
from lstmviz.app.selection import Cursor
from lstmviz.app.stack import ARRAY_FIELDS, HeldInput, InputSpec, LayerEntry, Snapshot
from lstmviz.engine.trace import Trace


class History(StateBase):
    """Undo/redo and lessons' saved states, as methods of ``AppState``."""

    def snapshot(self) -> Snapshot:
        """The stack (classes, configs, names, weights), the input and the cursor, frozen;
        a read-only model (which is never edited) is kept as it is, with the file it came
        from."""
        kept = self.undo_stack[::-1] + self.redo_stack[::-1]  # nearest first
        spec = _frozen_input(self.input)
        data, spec.data = spec.data, None
        # (the input as the nearest snapshot holds it, where it is that array: one holder,
        # which ``_pack`` makes a patch once for all of them)
        near = [s.held for s in self.undo_stack[-1:] + self.redo_stack[-1:]]
        held = next((h for h in near if h.array is not None and h.array is data), None) or HeldInput(data)
        return Snapshot(tuple(_frozen_entry(e, kept) for e in self.layers), spec,
                        self.model if self.readonly else None, self.path, self.keras_version,
                        self.model_name, compiled=self.compiled, cursor=self.cursor, shown=self.shown_weights,
                        held=held)

    def _push_history(self, snap: Snapshot) -> None:
        self.undo_stack.append(snap)
        _pack(self.undo_stack)
        del self.undo_stack[:-UNDO_LIMIT]
        budget = limits.memory_limit() * UNDO_SHARE
        while len(self.undo_stack) > 1 and held_bytes(self.undo_stack + self.redo_stack) > budget:
            del self.undo_stack[0]  # the oldest edits go first, as past UNDO_LIMIT
        self.redo_stack.clear()
        self.history_changed.emit()

    def _remember(self) -> None:
        """Called by every edit just before it changes anything: the layers' edits (refused
        first on a read-only model) and the input's (a read-only model's input is the
        user's to edit too: undo takes back that edit, not the opening of the model)."""
        self._push_history(self.snapshot())
        if not self.readonly:
            # an opened file's weights (trained): an edit that replaces them says so
            self._weights_before = ({e.name: e.weights for e in self.layers if e.weights is not None}
                                    if self.path else {})

    @_operation
    def remember_replaced(self) -> None:
        """Called before opening a model or a session, or a new stack, replaces everything:
        one undo brings the work back (read-only models included)."""
        self._push_history(self.snapshot())

    @_operation
    def one_step_since(self, depth: int) -> None:
        """What was done since the undo stack was ``depth`` deep is one step with the one
        that made it so (the snapshots pushed since dropped): a demo's input set after its
        model opened (``MainWindow.open_demo``), one Ctrl+Z brings the work from before it."""
        if len(self.undo_stack) > depth:
            del self.undo_stack[depth:]
            self.history_changed.emit()

    @_operation
    def clear_history(self) -> None:
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.history_changed.emit()

    @_operation
    def restore(self, snap: Snapshot) -> None:
        """Put a snapshot back (and re-trace); not itself an undoable edit."""
        self.layers = [LayerEntry(c, copy.deepcopy(cfg), n, None if w is None else [np.array(a) for a in w])
                       for c, cfg, n, w in snap.layers]
        spec = snap.input  # (its own copy of the spec; its array made again once, if a patch)
        spec.data = shared(spec.data)  # read-only: kept, never written
        self.input = spec
        self.path = snap.path
        self.keras_version = snap.keras_version
        self.model_name = snap.model_name
        self.compiled = snap.compiled
        if snap.model is not None or self.readonly:
            self.model = snap.model
        # (else the last model stays until the rebuild replaces it: a stack that cannot run
        # keeps the one its trace is of, as after an edit, not None beside that trace)
        self.readonly = snap.model is not None
        # (the snapshot's weights are those it says: ``rebuild`` takes them as they come back)
        self.shown_weights, self._shown_arrays = snap.shown, None
        self._edited(select=self.index_of(self.cursor.layer))

    @_operation
    def undo(self) -> bool:
        if not self.undo_stack:
            return False
        self.redo_stack.append(self.snapshot())
        _pack(self.redo_stack)
        self._back_to(self.undo_stack.pop())
        self.history_changed.emit()
        return True

    @_operation
    def redo(self) -> bool:
        if not self.redo_stack:
            return False
        self.undo_stack.append(self.snapshot())
        _pack(self.undo_stack)
        self._back_to(self.redo_stack.pop())
        self.history_changed.emit()
        return True

    def _back_to(self, snap: Snapshot) -> None:
        """``restore`` and the cursor the snapshot was taken with (clamped to what the
        restored stack has): an undo of timesteps 200,000 -> 100,000 put the steps back
        and left the cursor at 99,999, where the edit had clamped it from 150,000."""
        self.restore(snap)
        if snap.cursor is not None:
            self.set_cursor(**dataclasses.asdict(snap.cursor))

    # -- lessons ---------------------------------------------------------------------------
    @_operation
    def show_stack(self, layers: list[LayerEntry] | None = None, spec: InputSpec | None = None) -> None:
        """Show an editable stack of ``layers`` (LayerEntry) and/or the input ``spec`` with
        one rebuild, as a lesson's step does; not an undoable edit (``lesson_saved`` and
        ``lesson_restore`` put back what was there)."""
        if layers is not None:
            self.readonly = False
            self.path = None
            self.layers = list(layers)
            self.keras_version = "3"
            self.model_name = None
            self.compiled = None
        if spec is not None:
            self.input = spec
        if layers is not None or spec is not None:
            self.rebuild()
            self.stack_changed.emit()

    @_operation
    def lesson_saved(self) -> LessonSaved:
        """What a lesson puts back when it ends: the stack, input and cursor, the stateful
        batch shown, and the undo history, set aside: in the lesson Undo and Redo go through
        the edits made in it only (Ctrl+Z there undid the work from before it, under the
        lesson's caption)."""
        saved = (self.snapshot(), self.cursor, list(self.undo_stack), list(self.redo_stack),
                 self.batch_index, self._carried())
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.history_changed.emit()
        return saved

    def _carried(self) -> Carried | None:
        """A stateful model's batch past 0 as it is shown (its trace, input and the states
        it hands on to the next), for a lesson's end to put back as it was."""
        model = self.model
        if model is None or not model.stateful or self.batch_index <= 0 or self.error is not None \
                or self.trace is None:
            return None
        return Carried(self.trace, self.x, self.traced_sample, model.carried_states(), self.states_in)

    @_operation
    def lesson_restore(self, saved: LessonSaved) -> None:
        """The work from before the lesson back, with its undo history as it was (not the
        lesson's steps nor its edits: Redo after a lesson brought its stack back), at the
        stateful batch it showed (a lecturer at batch 2 of a stateful model was back at
        batch 0 after a lesson, other inputs and states under the same cursor): that batch's
        trace, input and carried states as they were kept, none of the batches before it run
        again (at batch 50 the window stood still while it traced 50 batches); where they
        cannot be put back, the batches run again from zero states, as N ran them."""
        snap, cursor, undo, redo, batch, carried = saved
        self.restore(snap)
        if self.model is not None and self.model.stateful and self.error is None and batch > 0:
            if not self._put_back(batch, carried):
                for _ in range(batch):
                    self.next_batch()
        self.set_cursor(**dataclasses.asdict(cursor))
        self.undo_stack[:] = undo
        self.redo_stack[:] = redo
        self.history_changed.emit()

    def _put_back(self, batch: int, carried: Carried | None) -> bool:
        """Show stateful batch ``batch`` from what ``_carried`` kept of it, on the model
        ``restore`` rebuilt from the same snapshot (the same layers and weights); False
        where nothing was kept or it does not fit that model."""
        model = self.model
        if carried is None or model is None:
            return False
        try:
            model.carry_states(carried.states)  # (all or nothing)
        except ValueError:
            return False
        self.batch_index, self.states_in = batch, carried.states_in
        self.trace, self.x, self.traced_sample = carried.trace, carried.x, carried.traced_sample
        self.input_changed.emit(self.x)
        self.model_changed.emit(model, self.trace)
        self.cursor = self._clamped(self.cursor)
        self.cursor_changed.emit(self.cursor)
        return True


@dataclasses.dataclass(frozen=True)
class Carried:
    """A stateful batch past 0 as shown: its trace, input (``x``), the sample traced, and
    the states the stateful layers carry into the next batch (``Model.carried_states``)
    and those they carried into this one (``states_in``: what a session keeps)."""

    trace: Trace
    x: np.ndarray | None
    traced_sample: int | None
    states: list
    states_in: list | None = None


#: ``History.lesson_saved``: the snapshot, the cursor, the undo and the redo stacks, the
#: stateful batch shown (``batch_index``) and what it was (``Carried``, or None)
LessonSaved = tuple[Snapshot, Cursor, list[Snapshot], list[Snapshot], int, "Carried | None"]


UNDO_LIMIT = 100
# the history's weights (each array once) take at most this share of the memory limit
UNDO_SHARE = 0.25


#: an older input is kept as a patch of the newer one where the numbers that differ take at
#: most this share of its bytes (their flat indices 8 bytes each, their values their own)
PATCH_SHARE = 0.25


def held_bytes(snaps: list[Snapshot]) -> int:
    """The memory ``snaps`` hold, each array once: their weights, their inputs' arrays (a
    patch by its numbers; a file mapped read-only, a long ``.npy``, none: it is on the disk)
    and the other inputs of a read-only model. Bounded by ``UNDO_SHARE`` of the memory limit:
    the inputs were not counted, and 100 edits of a long input's numbers held 100 copies."""
    arrays: dict[int, int] = {}
    for snap in snaps:
        arrays.update(snap.weight_bytes)  # (each snapshot's found once: 0.39 ms at 100 snapshots)
        held: HeldInput | None = snap.held
        while held is not None and id(held) not in arrays:
            if held.array is not None:
                arrays[id(held)] = 0
                if not mapped_read_only(held.array):
                    arrays[id(held.array)] = held.array.nbytes
                break
            arrays[id(held)] = (held.where.nbytes if held.where is not None else 0) + (
                held.values.nbytes if held.values is not None else 0)
            held = held.base
    return sum(arrays.values())


def _pack(stack: list[Snapshot]) -> None:
    """The snapshot before the last of ``stack`` (of the undo or the redo history) kept as
    a patch of the last one's input where that is its own array with a few numbers changed
    (``HeldInput.patch``: an edit of the input's numbers, one at a time), so a history holds
    one long input whole, not one a snapshot. Equal to the bit (a NaN its own bits); not an
    input of another shape, a file mapped read-only (no memory to save), or one that differs
    in more than ``PATCH_SHARE`` of its bytes."""
    if len(stack) < 2:
        return
    older, newer = stack[-2].held, stack[-1].held
    a, b = older.array, newer.array
    if (older is newer or a is None or b is None or a is b or a.shape != b.shape or a.dtype != b.dtype
            or a.dtype.hasobject or a.size == 0 or mapped_read_only(a)):
        return
    bits = np.dtype(f"u{a.itemsize}") if a.itemsize in (1, 2, 4, 8) else None
    if bits is None:
        return
    where = np.flatnonzero(np.ascontiguousarray(a).reshape(-1).view(bits)
                           != np.ascontiguousarray(b).reshape(-1).view(bits))
    if where.size * (8 + a.itemsize) <= PATCH_SHARE * a.nbytes:
        older.patch(newer, where.astype(np.int64))


def _readonly(a: object) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)
    return a


def _earlier(snaps: list[Snapshot], name: str, size: int):
    """The frozen weights (``size`` arrays) of layer ``name`` in ``snaps``, nearest first, one
    snapshot at a time as they are asked for (``Snapshot.weights_by_name``): an array no edit
    changed is the nearest one's, found at once. (Every snapshot's every layer was gathered
    first, at each edit: 0.33 ms a snapshot of 20 layers at 3 snapshots, 0.5-0.6 at 100; a
    scan of each layer's in every snapshot was quadratic in the layers, 1.8 s to open a
    stranger's model of 3,000 layers.)"""
    for snap in snaps:
        w = snap.weights_by_name.get(name)
        if w is not None and len(w) == size:
            yield w


def _frozen_entry(e: LayerEntry, kept: list[Snapshot] | None = None) -> tuple:
    """A layer's entry, frozen. An array equal (to the bit, dtype and shape) to the same
    layer's in ``kept`` (the snapshots of the history, nearest first: ``_earlier``) is that
    frozen array itself, not another copy: an Embedding of 30,000 words and a
    TimeDistributed Dense over them (46 MB) were copied again at every edit of another
    layer, 2.4 GB after 40 edits."""
    if e.weights is None:
        return (e.class_name, copy.deepcopy(e.config), e.name, None)
    name, size = e.name, len(e.weights)
    return (e.class_name, copy.deepcopy(e.config), e.name, tuple(
        _same_or_frozen(a, () if name is None else (w[k] for w in _earlier(kept or [], name, size)))
        for k, a in enumerate(e.weights)))


def _same_or_frozen(a: object, candidates) -> np.ndarray:
    a = np.asarray(a)
    if not a.dtype.hasobject:
        bits = np.ascontiguousarray(a).reshape(-1).view(np.uint8)
        seen: set[int] = set()
        for old in candidates:  # equal to the bit: -0.0 is not 0.0, a NaN equals its own bits
            if id(old) in seen or old.dtype != a.dtype or old.shape != a.shape:
                continue
            seen.add(id(old))
            theirs = np.ascontiguousarray(old).reshape(-1).view(np.uint8)
            if np.array_equal(theirs[:256], bits[:256]) and np.array_equal(theirs, bits):
                return old
    return _readonly(a)


def _frozen_input(spec: InputSpec) -> InputSpec:
    out = dataclasses.replace(spec)
    out.data = shared(spec.data)  # the state's read-only input itself: no copy per edit
    return out


# -- what an undo or redo changed --------------------------------------------------------------
def _short(value) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 24 else text[:23] + "…"


def _config_change(a: dict, b: dict, prefix: str = "") -> tuple[str, object, object] | None:
    """The first key (sorted, nested ones as 'layer.units') whose value differs."""
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key), b.get(key)
        if va == vb:
            continue
        if isinstance(va, dict) and isinstance(vb, dict):
            inner = _config_change(va, vb, f"{prefix}{key}.")
            if inner is not None:
                return inner
        return f"{prefix}{key}", va, vb
    return None


def describe_change(before: Snapshot, after: Snapshot, redo: bool = False) -> str:
    """What going from ``before`` to ``after`` changes, in a few words for the status bar
    ("units of 'lstm' 16 → 8", "layer 'gru' taken out", "the input's timesteps 20 → 40"),
    or "" when no difference is found. ``redo``: ``after`` is what a redo brings back, the
    state an edit or an opening made, not one from before it ("back to the stack before"
    was said of the trained model a redo showed again)."""
    from pathlib import Path

    from lstmviz.text import safe_name

    trained = after.shown is not None and after.shown.replaced and after.shown != before.shown
    if before.model is not after.model or before.path != after.path or trained:
        if trained and after.shown is not None:
            said = f"the trained model at update {after.shown.update:,}"
        elif after.path:
            said = safe_name(Path(after.path).name)
            if redo:
                return f"{said} again"
        elif redo:
            return "forward to the stack after" if after.model is None else "forward to the model after"
        else:
            said = "the stack before" if after.model is None else "the model before"
        return said if redo else f"back to {said}"
    if len(before.layers) != len(after.layers):
        more, fewer = ((before, after) if len(before.layers) > len(after.layers) else (after, before))
        # the first layer of the longer stack that the shorter one has not at that place
        k = next((i for i, (x, y) in enumerate(zip(more.layers, fewer.layers))
                  if (x[0], x[2]) != (y[0], y[2]) or x[1] != y[1]), len(fewer.layers))
        cls, _, name, _ = more.layers[k]
        what = f"layer {safe_name(name)!r}" if name else f"a {cls} layer"
        return f"{what} taken out" if more is before else f"{what} back"
    weights = ""  # (the first layer whose weights changed: said after the input, its cause)
    for (ca, cfg_a, name_a, w_a), (cb, cfg_b, name_b, w_b) in zip(before.layers, after.layers):
        name = safe_name(name_b or name_a or cb)
        if ca != cb:
            return f"{name!r} {ca} → {cb}"
        change = _config_change(cfg_a, cfg_b)
        if change is not None:
            key, va, vb = change
            return f"{key} of {name!r} {_short(va)} → {_short(vb)}"
        if name_a != name_b:
            return f"layer {safe_name(name_a)!r} named {safe_name(name_b)!r}"
        if not weights and ((w_a is None) != (w_b is None) or (w_a is not None and w_b is not None and (
                len(w_a) != len(w_b) or any(x is not y and not np.array_equal(x, y) for x, y in zip(w_a, w_b))))):
            weights = f"the weights of {name!r}"
            if after.shown is not None and after.shown != before.shown:  # (a training snapshot's)
                weights = f"the weights of update {after.shown.update:,}"
    # an input of another input_dim refits a file's weights: the input (what the user
    # opened, imported or edited) first, then the weights, not only "the weights of 'lstm'"
    said = _input_change(before, after)
    return f"{said}, and {weights}" if said and weights else said or weights


def _input_change(before: Snapshot, after: Snapshot) -> str:
    """``describe_change``'s words for the input, or "" when it is the same."""
    ia, ib = before.input, after.input
    values = (ia.data is None) != (ib.data is None) or (
        ia.data is not None and ib.data is not None and ia.data is not ib.data
        and (ia.data.shape != ib.data.shape or not np.array_equal(ia.data, ib.data)))
    if values or (ia.source != ib.source and "data" in (ia.source, ib.source)):
        # (an edited value made it data; an opened input replaced it: its shape too, not
        # "the input's batch_size 1 -> 4", the first field that differed)
        shapes = [(s.batch_size, s.timesteps, s.input_dim) for s in (ia, ib)]
        return "the input's values" + (f", shape {shapes[0]} \u2192 {shapes[1]}" if shapes[0] != shapes[1] else "")
    for f in dataclasses.fields(InputSpec):
        if f.name in ARRAY_FIELDS:
            continue
        va, vb = getattr(ia, f.name), getattr(ib, f.name)
        if va != vb:
            return f"the input's {f.name} {_short(va)} → {_short(vb)}"
    if len(ia.others) != len(ib.others) or any(
            x is not y and (x is None or y is None or x.shape != y.shape or not np.array_equal(x, y))
            for x, y in zip(ia.others, ib.others)):
        return "the model's other inputs"
    return ""
