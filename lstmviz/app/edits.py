"""Editing the stack's layers, with no Qt: add, remove, duplicate, move a layer, set one
of its options, change its kind. A part of ``AppState`` (see ``app/base.py``).

Every edit checks the stack is editable, remembers it for undo (``History._remember``)
just before it changes anything, then ``_edited``: one rebuild and trace, the cursor on
the edited layer, ``stack_changed``. An edit that changes nothing remembers nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from lstmviz.app.base import StateBase
from lstmviz.app.events import operation as _operation
from lstmviz.app.options import RECURRENT, convert_config, default_config, get_option, set_option, trains_all
from lstmviz.app.stack import LayerEntry
from lstmviz.engine.cells import cell_kind
from lstmviz.errors import LstmvizError, is_whole

#: layers that take a sequence: a layer inserted before one of them returns every step
SEQUENCE_CONSUMERS = RECURRENT + ("RNN", "Bidirectional", "TimeDistributed")


def new_entry(class_name: str, inner: str | None, later: list[str], units: int = 8) -> LayerEntry:
    """A fresh layer ``class_name`` (``inner``: a wrapper's layer) to insert before the
    layers ``later`` (their classes): it returns sequences if one of them consumes them."""
    entry = LayerEntry(class_name, default_config(class_name, inner, units=units))
    if any(c in SEQUENCE_CONSUMERS for c in later):
        # a sequence-consuming layer follows: hand it every step, as it needs
        key = "layer.return_sequences" if class_name == "Bidirectional" else "return_sequences"
        if get_option(entry.config, key) is not None:
            entry.config = set_option(entry.config, key, True)
    return entry


def check_kind_change(entry: LayerEntry, class_name: str) -> None:
    """LstmvizError unless ``entry`` and ``class_name`` are both recurrent kinds."""
    if entry.class_name not in RECURRENT or class_name not in RECURRENT:
        raise LstmvizError(f"only a recurrent layer can change kind ({', '.join(RECURRENT)}); "
                           f"this one is a {entry.class_name}")


def _record_bytes(units: int, x, every: bool) -> int:
    """About the bytes of a recurrent layer's trace record of ``units`` over input ``x``
    (its steps, the sample shown or ``every`` one; ~12 numbers a unit and step: an LSTM's
    gates, states and sums), bounding what a trace made ahead holds and takes."""
    return 4 * 12 * int(units) * int(np.shape(x)[1]) * (int(np.shape(x)[0]) if every else 1)


def _build_and_trace(build, x, sample: int, every: bool, base, needed: set, key: tuple, made: list) -> None:
    """``build()``, then its trace of the sample shown as the edit's ``Tracing._trace`` makes
    it (``shown_sample``, reusing ``base``, the layers in ``needed`` at once), put in ``made``
    under ``key`` (the layer's name, its config, ``base``): on ``draw_ahead``'s thread; not
    traced where a later request or an edit has passed it by (``draw_ahead.stopped``)."""
    from lstmviz.app import draw_ahead
    from lstmviz.app.tracing import shown_sample

    model = build()
    if draw_ahead.stopped():
        return
    xs, _ = shown_sample(model, [x], sample, every)
    made.append((*key, model.trace(xs[0], reuse=base, needed=needed)))


class Edits(StateBase):
    """The layer edits of ``AppState``."""

    def _check_editable(self) -> None:
        if self.readonly:
            from lstmviz.app.opening import readonly_reason

            raise LstmvizError(readonly_reason(self.model) if self.model is not None else
                               "this model's layers are shown read-only; File > New stack starts an editable one")

    def _edited(self, select: int | None = None, near_cell: bool = False) -> None:
        """After an edit: rebuild and trace, put the cursor on layer ``select`` (with
        ``near_cell``, on the layer with a cell nearest to it, the one before on a tie,
        where ``select`` has none: a removal leaves the views on a cell to show)."""
        self.edit_target = self.layers[select].name if select is not None and 0 <= select < len(self.layers) else None
        before, self._weights_before = self._weights_before, {}
        try:
            built = self.rebuild()
        finally:
            self.edit_target = None
        if built and before:
            self._say_replaced(before)
        if near_cell and select is not None and self.model is not None:
            select = self._nearest_cell(select)
        if select is not None and 0 <= select < len(self.layers):
            name = self.layers[select].name
            if name:
                self.set_cursor(layer=name)
        self.stack_changed.emit()

    def _nearest_cell(self, index: int) -> int:
        """The index of the layer with a cell nearest to ``index`` (``index`` itself when
        it has one, or when no layer has)."""
        assert self.model is not None
        names = {layer.name for layer in self.model.layers if cell_kind(layer) is not None}
        with_cell = [i for i, e in enumerate(self.layers) if e.name in names]
        return min(with_cell, key=lambda i: (abs(i - index), i), default=index)

    def _say_replaced(self, before: dict) -> None:
        """A notice naming the layers of an opened file whose weights the edit replaced by
        new initial ones (all of them, or some: a new kernel after a width changed)."""
        said: list[str] = []
        if self._kind_changed is not None:  # renamed with its new kind: not in ``before``
            renamed, index = self._kind_changed
            said.append(f"{renamed} (now {self.layers[index].name})" if index < len(self.layers) else renamed)
        for e in self.layers:
            old = before.get(e.name)
            if not old or not e.weights:  # (a layer without weights: Activation, Dropout ...)
                continue
            new = [w for w, o in zip(e.weights, old) if w.shape != o.shape or not np.array_equal(w, o)]
            if len(new) == len(e.weights) or len(e.weights) != len(old):
                said.append(str(e.name))
            elif new:
                said.append(f"{e.name} (partly)")
        if said:
            self.notice.emit(f"New initial weights for {', '.join(said)}: the edit changed what "
                             "their file's weights fit. Ctrl+Z brings those back.")

    @_operation
    def add_layer(self, class_name: str, inner: str | None = None, index: int | None = None) -> int:
        self._check_editable()
        index = len(self.layers) if index is None else max(0, min(int(index), len(self.layers)))
        entry = new_entry(class_name, inner, [e.class_name for e in self.layers[index:]])
        self._remember()
        self.layers.insert(index, entry)
        self._edited(select=index)
        return index

    @_operation
    def remove_layer(self, index: int) -> None:
        self._check_editable()
        self.layers[index]  # IndexError before anything is remembered
        self._remember()
        del self.layers[index]
        self._edited(select=min(index, len(self.layers) - 1) if self.layers else None, near_cell=True)

    @_operation
    def duplicate_layer(self, index: int) -> int:
        self._check_editable()
        entry = self.layers[index].duplicate()
        self._remember()
        self.layers.insert(index + 1, entry)
        self._edited(select=index + 1)
        return index + 1

    @_operation
    def move_layer(self, src: int, dst: int) -> None:
        """Move layer ``src`` so that it ends up at index ``dst``."""
        self._check_editable()
        if src == dst or not (0 <= src < len(self.layers)):
            return
        self._remember()
        entry = self.layers.pop(src)
        dst = max(0, min(int(dst), len(self.layers)))
        self.layers.insert(dst, entry)
        self._edited(select=dst)

    @_operation
    def set_layer_option(self, index: int, key: str, value: Any) -> None:
        self._check_editable()
        entry = self.layers[index]
        if key == "class_name":  # the panel's "layer" choice: LSTM <-> GRU <-> SimpleRNN
            return self.change_kind(index, value)
        now = trains_all(entry.config, self.keras_major()) if key == "trainable" else get_option(entry.config, key)
        if now == value:
            return
        new_config = set_option(entry.config, key, value)
        self._remember()
        entry.config = new_config
        if key != "trainable":  # (freezing a layer keeps its weights: only training changes)
            entry.weights = None  # a new option means a freshly initialised layer (from the seed)
        self._edited(select=index)

    def draw_ahead(self, index: int, values: Sequence[int] | None = None) -> int:
        """Have the models built that an edit of recurrent layer ``index``'s units to one
        more or one fewer (or to each of ``values``: a number being typed) would build, on
        ``app/draw_ahead``'s thread, from what the stack
        holds now (the same arguments as the edit's ``build_model``): their orthogonal draws
        are remembered (``engine/initializers``), and that edit takes them, the same bits,
        without their QR; each is traced there too, as the edit would trace it (the sample
        shown, from the trace shown: ``_build_and_trace``), and the edit takes the edited
        layer's record from it (``Tracing._reused``). The panel asks after an edit and
        while a units box has focus, and for the number in it as it is typed.
        Returns how many builds were asked for (none where an edit of units draws no
        orthogonal factor, the model is read-only, or the layer is large:
        ``draw_ahead.MAX_AHEAD_BYTES``)."""
        from lstmviz.app import draw_ahead
        from lstmviz.app.options import options_for
        from lstmviz.app.tracing import build_stack
        from lstmviz.engine import LayerSpec, initializers

        if self.readonly or not 0 <= index < len(self.layers):
            return 0
        entry = self.layers[index]
        prefix = {"Bidirectional": "layer."}.get(entry.class_name, "")
        inner = get_option(entry.config, "layer.class_name") if prefix else entry.class_name
        units = get_option(entry.config, prefix + "units")
        option = next((o for o in options_for(entry.class_name, entry.config) if o.key == prefix + "units"), None)
        if inner not in RECURRENT or option is None or not is_whole(units, 1):
            return 0
        try:
            init = get_option(entry.config, prefix + "recurrent_initializer", "orthogonal")
            if not initializers.orthogonal_work(init, (2, 2)):
                return 0
        except LstmvizError:
            return 0
        values = [v for v in ((units + 1, units - 1) if values is None else values)
                  if is_whole(v, 1) and v != units and option.minimum <= v <= option.maximum
                  and 8 * 4 * v * v * (2 if prefix else 1) <= draw_ahead.MAX_AHEAD_BYTES]
        shape = self.input_shape()
        # the edited layer traced ahead too, on the sample shown, from the trace shown: where
        # that trace is of the whole input and of every layer's state from zeros, as the
        # edit's will be (not a long input's window, not a stateful batch past the first)
        base, x = self.trace, self.x
        traced = base is not None and x is not None and self.long is None and self.model is not None \
            and not self.model.stateful and entry.name is not None and np.ndim(x) >= 2 \
            and _record_bytes(max(values, default=units), x, self.traced_sample is None) <= draw_ahead.MAX_TRACE_BYTES
        made: list[tuple] = []
        self._traced_ahead = made  # (what builds asked for before put theirs elsewhere)
        needed = {n for n in (self.cursor.layer, entry.name) if n is not None}
        builds, keys = [], []
        for v in values:
            layers = [(e.spec(), e.weights) for e in self.layers]
            new = set_option(entry.config, prefix + "units", v)
            config = {k: x for k, x in new.items() if k != "name"}
            layers[index] = (LayerSpec(entry.class_name, config, name=entry.name), None)
            build = functools.partial(build_stack, shape, layers, self.seed, self.keras_version,
                                      self.model_name or "sequential")
            if traced:
                build = functools.partial(_build_and_trace, build, x, self.cursor.sample, self.trace_all_samples,
                                          base, needed, (entry.name, new, base), made)
            builds.append(build)
            keys.append((entry.name, new, base, made if traced else None))  # (what ``Tracing._built_ahead`` may take)
        draw_ahead.request(builds, keys)
        return len(builds)

    def keras_major(self) -> int:
        """The stack's Keras generation as a number (3, 2 or 1)."""
        from lstmviz.engine.model import keras_major_of

        return keras_major_of(self.keras_version)

    @_operation
    def change_kind(self, index: int, class_name: str) -> None:
        """Make recurrent layer ``index`` another kind (LSTM -> GRU -> SimpleRNN) in place,
        keeping units and the options both kinds have; its weights start afresh."""
        self._check_editable()
        entry = self.layers[index]
        if class_name == entry.class_name:
            return
        check_kind_change(entry, class_name)
        self._remember()
        if entry.name in self._weights_before:  # an opened file's weights go: the notice says so
            self._kind_changed = (str(entry.name), index)
        entry.config = convert_config(entry.config, class_name)
        entry.class_name = class_name
        entry.weights = None
        entry.name = None  # a new layer: the model names it after its kind (gru, simple_rnn ...)
        try:
            self._edited(select=index)
        finally:
            self._kind_changed = None
