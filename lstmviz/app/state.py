"""The application's state, with no Qt: the layer stack, the input, the model, the trace,
the cursor, and events that tell the windows what changed.

Every edit goes through a method here (``add_layer``, ``set_layer_option``,
``set_input_spec`` ...). Each one rebuilds the ``Model`` from the stack, re-traces it on
the input and emits ``model_changed``; if the stack is invalid the engine's message is
kept in ``error`` (``error_changed``) and the last valid model and trace stay.

Events (see ``events.Event``):
- ``stack_changed()``: layers, their options or the input spec changed (redraw the panel);
- ``model_changed(model, trace)``: a new valid model/trace (redraw every view);
- ``error_changed(message or None)``;
- ``cursor_changed(cursor)``: step, sample, layer, unit or side changed;
- ``input_changed(x)``: the input array changed;
- ``history_changed()``: the undo/redo stacks changed;
- ``changed(Change)``: once per operation, after the above, what it changed in all (the
  views redraw on it, once per edit).

The parts: the stack's data in ``stack.py``, undo/redo and lessons' saved states in
``history.py`` (a part of ``AppState``), the inputs' generators in ``inputs.py``.
"""

from __future__ import annotations

import dataclasses
import os
from contextlib import contextmanager

import numpy as np

from lstmviz.app import inputs as gen
from lstmviz.app.events import Change, Event
from lstmviz.app.events import operation as _operation
from lstmviz.app.history import UNDO_LIMIT, History, Snapshot  # noqa: F401
from lstmviz.app.long_sequence import trace_or_window
from lstmviz.app.options import RECURRENT, convert_config, default_config, get_option, set_option
from lstmviz.app.selection import Cursor
from lstmviz.app.stack import InputSpec, LayerEntry, default_layers  # noqa: F401
from lstmviz.engine import Model, Trace
from lstmviz.engine.cells import cell_kind
from lstmviz.engine.model import spec_config
from lstmviz.errors import LstmvizError


def _token_ids(data, vocab: int | None):
    """``data`` ((batch, timesteps, 1) or (batch, timesteps)) as int32 token ids when it
    holds whole numbers in ``0..vocab-1``; else None."""
    if data is None:
        return None
    x = np.asarray(data)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[..., 0]
    if x.ndim != 2 or x.size == 0 or not np.all(np.isfinite(x)) or np.any(x != np.round(x)):
        return None
    if x.min() < 0 or (vocab is not None and x.max() >= vocab):
        return None
    return x.astype(np.int32)


class AppState(History):
    """Everything the window shows, and the only place that changes it."""

    def __init__(self, layers: list[LayerEntry] | None = None, spec: InputSpec | None = None,
                 seed: int = 0, build: bool = True):
        self.layers: list[LayerEntry] = list(default_layers() if layers is None else layers)
        self.input = spec or InputSpec()
        self.seed = seed
        self.model: Model | None = None
        self.trace: Trace | None = None
        self.x: np.ndarray | None = None
        self.cursor = Cursor()
        self.error: str | None = None
        #: a loaded model that is not a plain stack (several inputs ...): shown read-only
        self.readonly = False
        self.path: str | None = None
        #: trace every sample of the batch (default: only the shown one, see ``_trace``)
        self.trace_all_samples = False
        self.traced_sample: int | None = None
        #: stateful models: which batch the trace shows (0: states start from zeros; k: the
        #: stateful layers started from the states batch k-1 left, see ``next_batch``)
        self.batch_index = 0
        #: a long input (its full trace over the trace budget): ``app.long_sequence.LongSequence``,
        #: and ``trace`` is the exact window around the cursor's step (``follow_long``)
        self.long = None
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
        self._depth, self._pending = 0, set()
        for what in ("stack", "model", "error", "cursor", "input", "history"):
            getattr(self, f"{what}_changed").connect(lambda *_, w=what: self._mark(w))
        if build:
            self.rebuild()

    # -- what changed ----------------------------------------------------------------------
    @contextmanager
    def changes(self):
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

    # -- what the stack is ---------------------------------------------------------------
    @property
    def embedding_first(self) -> bool:
        return bool(self.layers) and self.layers[0].class_name == "Embedding"

    def input_shape(self) -> tuple:
        """The batch shape given to the model: batch is None unless a layer is stateful."""
        stateful = any(get_option(e.config, "stateful") or get_option(e.config, "layer.stateful")
                       for e in self.layers)
        batch = int(self.input.batch_size) if stateful else None
        if self.embedding_first:
            return (batch, int(self.input.timesteps))
        return (batch, int(self.input.timesteps), int(self.input.input_dim))

    @property
    def time_major(self) -> bool:
        """The model's first input is (time, batch, ...) (an ONNX graph's layout 0)."""
        return self.readonly and self.model is not None and _time_major(self.model, 0)

    @property
    def timesteps(self) -> int:
        if self.x is not None and self.x.ndim >= 2:
            return int(self.x.shape[0 if self.time_major else 1])
        return int(self.input.timesteps)

    @property
    def batch(self) -> int:
        if self.x is not None:
            return int(self.x.shape[1 if self.time_major and self.x.ndim >= 2 else 0])
        return int(self.input.batch_size)


    def index_of(self, name: str | None) -> int | None:
        for i, e in enumerate(self.layers):
            if e.name == name:
                return i
        return None

    # -- edits ---------------------------------------------------------------------------
    def _check_editable(self):
        if self.readonly:
            raise LstmvizError(
                "this model is not a plain stack (it has several inputs or branches), so its "
                "layers are shown read-only; build a new stack with File > New stack to edit"
            )

    @_operation
    def add_layer(self, class_name: str, inner: str | None = None, index: int | None = None) -> int:
        self._check_editable()
        units = 8
        entry = LayerEntry(class_name, default_config(class_name, inner, units=units))
        index = len(self.layers) if index is None else max(0, min(int(index), len(self.layers)))
        later = [e.class_name for e in self.layers[index:]]
        if any(c in RECURRENT + ("RNN", "Bidirectional", "TimeDistributed") for c in later):
            # a sequence-consuming layer follows: hand it every step, as it needs
            key = "layer.return_sequences" if class_name == "Bidirectional" else "return_sequences"
            if get_option(entry.config, key) is not None:
                entry.config = set_option(entry.config, key, True)
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
        self._edited(select=min(index, len(self.layers) - 1) if self.layers else None)

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
    def set_layer_option(self, index: int, key: str, value) -> None:
        self._check_editable()
        entry = self.layers[index]
        if key == "class_name":  # the panel's "layer" choice: LSTM <-> GRU <-> SimpleRNN
            return self.change_kind(index, value)
        if get_option(entry.config, key) == value:
            return
        new_config = set_option(entry.config, key, value)
        self._remember()
        entry.config = new_config
        entry.weights = None  # a new option means a freshly initialised layer (from the seed)
        self._edited(select=index)

    @_operation
    def change_kind(self, index: int, class_name: str) -> None:
        """Make recurrent layer ``index`` another kind (LSTM -> GRU -> SimpleRNN) in place,
        keeping units and the options both kinds have; its weights start afresh."""
        self._check_editable()
        entry = self.layers[index]
        if class_name == entry.class_name:
            return
        if entry.class_name not in RECURRENT or class_name not in RECURRENT:
            raise LstmvizError(f"only a recurrent layer can change kind ({', '.join(RECURRENT)}); "
                               f"this one is a {entry.class_name}")
        self._remember()
        entry.config = convert_config(entry.config, class_name)
        entry.class_name = class_name
        entry.weights = None
        entry.name = None  # a new layer: the model names it after its kind (gru, simple_rnn ...)
        self._edited(select=index)

    @_operation
    def set_input_spec(self, **changes) -> None:
        """Change ``batch_size``, ``timesteps``, ``input_dim``, ``source``, ``seed``,
        ``period`` or ``text``; choosing a generator drops imported/hand-edited data."""
        allowed = {f.name for f in dataclasses.fields(InputSpec)} - {"data"}
        bad = set(changes) - allowed
        if bad:
            raise LstmvizError(f"unknown input setting(s) {', '.join(sorted(bad))}")
        new = dataclasses.replace(self.input, **changes)
        if new.source != "data":
            new.data = None
        if "text" in changes or ("source" in changes and new.source == "text"):
            new.timesteps = max(1, len(new.text))
            if not self.embedding_first and "input_dim" not in changes:
                new.input_dim = len(gen.ALPHABET)
        if new.data is not None and ("timesteps" in changes or "batch_size" in changes or "input_dim" in changes):
            new.data = _fit(new.data, new.batch_size, new.timesteps, new.input_dim)
        if _same_spec(new, self.input):
            return
        self._remember()
        self.input = new
        self._edited(select=self.index_of(self.cursor.layer))

    @_operation
    def set_input_data(self, data: np.ndarray) -> None:
        """Use ``data`` (``(batch, timesteps, features)``) as the input, as imported/edited."""
        data = np.asarray(data, dtype=np.float32)
        if data.ndim == 2:
            data = data[None]
        if data.ndim != 3:
            raise LstmvizError(f"the input must be (batch, timesteps, features); got shape {data.shape}")
        b, t, d = data.shape
        self._remember()
        self.input = dataclasses.replace(self.input, source="data", data=data.copy(),
                                         batch_size=b, timesteps=t,
                                         input_dim=self.input.input_dim if self.embedding_first else d)
        self._edited(select=self.index_of(self.cursor.layer))

    @_operation
    def set_input_value(self, sample: int, step: int, feature: int, value: float) -> None:
        """One number of the input, edited by hand (the input becomes ``"data"``)."""
        x = np.array(self.make_input() if self.input.data is None else self.input.data, dtype=np.float32)
        if x.ndim == 2:
            x = x[..., None]
        x[sample, step, feature] = value
        self.set_input_data(x)

    @_operation
    def import_input(self, path) -> None:
        self.set_input_data(gen.load_array(path))

    # -- cursor --------------------------------------------------------------------------
    @_operation
    def set_cursor(self, **changes) -> Cursor:
        """Move the one clock / selection; values are clamped to what exists."""
        cur = dataclasses.replace(self.cursor, **changes)
        cur = self._clamped(cur)
        if cur != self.cursor:
            self.cursor = cur
            if self.traced_sample is not None and cur.sample != self.traced_sample and self.model is not None:
                self._retrace()
            self.follow_long()
            self.cursor_changed.emit(cur)
        return cur

    @_operation
    def step_by(self, delta: int) -> Cursor:
        return self.set_cursor(step=self.cursor.step + int(delta))

    def _clamped(self, cur: Cursor) -> Cursor:
        T = max(1, self.timesteps)
        step = max(0, min(int(cur.step), T - 1))
        sample = max(0, min(int(cur.sample), self.batch - 1))
        layer, unit, side = cur.layer, int(cur.unit), cur.side
        names = [l.name for l in self.model.layers] if self.model is not None else []
        if layer not in names:
            layer = self._default_layer()
        units = self.units_of(layer)
        unit = max(0, min(unit, units - 1)) if units else 0
        if side not in ("forward", "backward"):
            side = "forward"
        return Cursor(step, sample, layer, unit, side)

    def _default_layer(self) -> str | None:
        if self.model is None:
            return None
        for layer in self.model.layers:
            if cell_kind(layer) is not None:
                return layer.name
        return self.model.layers[0].name if self.model.layers else None

    def units_of(self, name: str | None) -> int:
        """How many units (or output features) layer ``name`` has; 0 if unknown."""
        if self.model is None or name is None:
            return 0
        layer = self.model.get_layer(name)
        if hasattr(layer, "units"):
            return int(layer.units)
        shape = layer.output_shapes[0] if layer.output_shapes else ()
        return int(shape[-1]) if shape and shape[-1] else 0

    # -- building ------------------------------------------------------------------------
    def make_input(self) -> np.ndarray:
        """The array the model is traced on (token ids when an Embedding comes first)."""
        s = self.input
        if s.source == "data" and s.data is not None:
            x = s.data
        elif s.source == "text":
            if self.embedding_first:
                return gen.text_ids(s.text, s.batch_size, s.timesteps)
            x = gen.text_onehot(s.text, s.batch_size, s.timesteps, s.input_dim)
        else:
            x = gen.generate(s.source, s.batch_size, s.timesteps, s.input_dim, s.seed, s.period)
        if self.embedding_first:
            vocab = int(get_option(self.layers[0].config, "input_dim", 2))
            if s.source == "data" and _token_ids(x, vocab) is not None:
                return _token_ids(x, vocab)  # given ids (lstmviz MODEL --input ids.npy) as they are
            return gen.ids_for_vocab(x, vocab)
        return x

    def _edited(self, select: int | None = None) -> None:
        self.rebuild()
        if select is not None and 0 <= select < len(self.layers) and self.layers[select].name:
            self.set_cursor(layer=self.layers[select].name)
        self.stack_changed.emit()

    def build_model(self) -> Model:
        if not self.layers:
            raise LstmvizError("the stack is empty: add a layer (LSTM, GRU, SimpleRNN, Dense ...)")
        shape = self.input_shape()
        if any(e.weights is not None for e in self.layers):
            # fast path: every layer keeps the weights it had (only an edited layer, whose
            # weights were dropped, is initialised), so an edit does not reshuffle the others
            specs = []
            for e in self.layers:
                spec = e.spec()
                spec.weights = e.weights
                specs.append(spec)
            try:
                return Model.sequential(shape, specs, seed=self.seed)
            except LstmvizError:
                pass  # some shapes changed (units upstream, input_dim): keep what still fits
        model = Model.sequential(shape, [e.spec() for e in self.layers], seed=self.seed)
        for entry, layer in zip(self.layers, model.layers):
            if entry.weights is not None and [np.shape(w) for w in entry.weights] == [w.shape for w in layer.weights]:
                layer.set_weights(entry.weights)
        return model

    @_operation
    def rebuild(self) -> bool:
        """Build and trace; on an invalid stack keep the last model/trace and set ``error``."""
        try:
            if self.readonly and self.model is not None:
                model = self.model
                xs = self._inputs_for(model)
            else:
                model = self.build_model()
                xs = [self.make_input()]
            trace = self._trace(model, xs)
            x = xs[0]
        except LstmvizError as err:
            self._set_error(str(err))
            return False
        self.model, self.trace, self.x = model, trace, x
        if not self.readonly:
            for entry, layer in zip(self.layers, model.layers):
                entry.name = layer.name
                entry.weights = list(layer.weights)
        self._set_error(None)
        self.cursor = self._clamped(self.cursor)
        self.input_changed.emit(x)
        self.model_changed.emit(model, trace)
        self.cursor_changed.emit(self.cursor)
        return True

    def _trace(self, model: Model, xs: list) -> Trace:
        """Trace the shown sample only (4x less work for a batch of 4), unless a stateful
        layer needs the whole batch or ``trace_all_samples`` is set."""
        model.reset_states()
        self.batch_index = 0
        axes = [_batch_axis(model, k) for k in range(len(xs))]  # 0, or 1 for ONNX layouts
        b = xs[0].shape[axes[0]]
        s = max(0, min(int(self.cursor.sample), b - 1))
        fixed = model.input_shapes()[0][axes[0]] is not None if xs[0].ndim > axes[0] else False
        if self.trace_all_samples or b == 1 or model.stateful or fixed:  # fixed: a file's own batch
            self.traced_sample = None
        else:
            self.traced_sample = s
            xs = [np.take(x, [s], axis=a) for x, a in zip(xs, axes)]
        trace, long = trace_or_window(model, xs)
        if self.long is not None and self.long is not long:
            self.long.cancel()  # its pass, prefetch and overviews stop
        self.long = long
        return trace

    @_operation
    def follow_long(self) -> None:
        """A long input: ``trace`` becomes the exact window around the cursor's step (once
        the keyframe pass ran; before, the first window; a window not computed yet is first the
        chunk of 32 steps around the step). The UI calls it again when the pass ends and when
        the whole window is there (``LongSequence.refinable``)."""
        if self.long is None or self.model is None:
            return
        trace, _ = self.long.window_at(self.cursor.step, quick=True)
        if trace is not None and trace is not self.trace:
            self.trace = trace
            self.model_changed.emit(self.model, trace)

    @_operation
    def next_batch(self) -> None:
        """Trace the next batch with every stateful layer starting from the states the
        last batch left, as Keras carries them from one call to the next (no reset). The
        input continues where the last batch ended (a generated signal: its next
        ``timesteps`` steps; data or text: the same batch again). Any edit, or
        ``reset_states``, starts over at batch 0."""
        model = self.model
        if model is None or not model.stateful:
            raise LstmvizError(
                "no layer is stateful, so every batch starts from zero states: set stateful=True "
                "on a recurrent layer to carry its states from one batch to the next")
        k = self.batch_index + 1
        xs = self._inputs_for(model) if self.readonly else [self._continued_input(k)]
        trace = model.trace(xs if len(xs) > 1 else xs[0])  # stateful layers keep their states
        self.batch_index = k
        self.trace, self.x, self.traced_sample = trace, xs[0], None
        self.input_changed.emit(self.x)
        self.model_changed.emit(model, trace)
        self.cursor = self._clamped(self.cursor)
        self.cursor_changed.emit(self.cursor)

    @_operation
    def reset_states(self) -> None:
        """Back to batch 0: the stateful layers start from zero states again."""
        self.rebuild()

    def _continued_input(self, k: int) -> np.ndarray:
        """Batch ``k`` of the input: steps k*T .. (k+1)*T of the generated signal."""
        s = self.input
        if s.source in ("data", "text") or s.source not in gen.GENERATORS:
            return self.make_input()
        T = int(s.timesteps)
        x = gen.generate(s.source, s.batch_size, T * (k + 1), s.input_dim, s.seed, s.period)[:, k * T:]
        if self.embedding_first:
            return gen.ids_for_vocab(x, int(get_option(self.layers[0].config, "input_dim", 2)))
        return np.ascontiguousarray(x)

    @property
    def trace_cursor(self) -> Cursor:
        """The cursor as the trace indexes it (sample 0 when only the shown one is traced;
        a long input's step counted from its window's first step)."""
        cur = self.cursor
        if self.traced_sample is not None:
            cur = dataclasses.replace(cur, sample=0)
        if self.long is not None and self.trace is not None:
            last = max([r.timesteps for r in self.trace.layers.values()] + [1]) - 1
            cur = dataclasses.replace(cur, step=max(0, min(cur.step - self.trace.start, last)))
        return cur

    def _retrace(self) -> None:
        """The shown sample changed: trace it (the model stays)."""
        try:
            trace = self._trace(self.model, self._inputs_for(self.model) if self.readonly else [self.x])
        except LstmvizError as err:
            self._set_error(str(err))
            return
        self.trace = trace
        self.model_changed.emit(self.model, trace)

    def _inputs_for(self, model: Model) -> list[np.ndarray]:
        xs = []
        for k, shape in enumerate(model.input_shapes()):
            cfg = _input_config(model, k)
            if k and cfg.get("role") in ("sequence_lens", "initial_state") and xs:
                # an ONNX recurrent node's extra inputs: every step of every sample, zero states
                B = xs[0].shape[_batch_axis(model, 0)]
                T = xs[0].shape[0 if _time_major(model, 0) else 1]
                axis = int(cfg.get("batch_axis", 0))
                dims = [B if i == axis or d is None else int(d) for i, d in enumerate(shape)]
                if cfg["role"] == "sequence_lens":
                    xs.append(np.full(dims, T, dtype=cfg.get("dtype") or "int32"))
                else:
                    xs.append(np.zeros(dims, np.float32))
                continue
            if _time_major(model, k):  # made (batch, time, ...) like every input, then swapped
                x = self._inputs_for_shape(k, (shape[1], shape[0]) + tuple(shape[2:]))
                xs.append(np.ascontiguousarray(np.swapaxes(x, 0, 1)))
                continue
            xs.append(self._inputs_for_shape(k, shape))
        return xs

    def _inputs_for_shape(self, k: int, shape) -> np.ndarray:
        """Input ``k`` of a read-only model, (batch, time, ...) of ``shape``."""
        s = self.input
        T = shape[1] if len(shape) > 1 and shape[1] else s.timesteps
        if len(shape) == 2:
            ids = _token_ids(s.data, None) if k == 0 and s.source == "data" else None
            if ids is not None and (not shape[1] or ids.shape[1] == shape[1]):
                return ids
            return gen.text_ids(s.text or "hello", s.batch_size, T) % 2 + 1
        D = shape[-1] or 1
        if k == 0 and s.source == "data" and s.data is not None and s.data.shape[1:] == (T, D):
            return s.data
        src = s.source if s.source in gen.GENERATORS and s.source != "text" else "sine"
        return gen.generate(src, shape[0] or s.batch_size, T, D, s.seed + k, s.period)

    def _set_error(self, message: str | None) -> None:
        if message != self.error:
            self.error = message
            self.error_changed.emit(message)

    # -- files ---------------------------------------------------------------------------
    @_operation
    def set_model(self, model: Model, path: str | None = None, spec: InputSpec | None = None) -> None:
        """``_replace_model``, all or nothing: when the model cannot be built and traced,
        LstmvizError, and the state (undo stack included) is as it was (``app.atomic``)."""
        from lstmviz.app.atomic import all_or_nothing

        with all_or_nothing(self, str(path) if path is not None else f"the model '{model.name}'"):
            self._replace_model(model, path, spec)

    def _replace_model(self, model: Model, path: str | None = None, spec: InputSpec | None = None) -> None:
        """Show a loaded model: a plain stack becomes the editable stack (with its weights);
        anything else is shown read-only. Undo brings back what was there. ``spec``: the
        input to trace it on (a session's); else one fitted to the model's input shape.
        A model that cannot be traced raises LstmvizError and what was shown stays."""
        before, redo, cursor = self.snapshot(), list(self.redo_stack), self.cursor
        self.remember_replaced()
        shapes = model.input_shapes()
        if spec is None:
            first = shapes[0]
            if _time_major(model, 0):
                first = (first[1], first[0]) + tuple(first[2:])
            spec = self._input_for_shape(first)
        self.path = path
        self.input = spec
        if model.sequential and len(shapes) == 1:
            self.readonly = False
            # each layer's config as make_layer takes it back (RNN(cell) rebuilt, not flat)
            self.layers = [LayerEntry(l.class_name, spec_config(l), l.name,
                                      [np.array(w) for w in l.weights]) for l in model.layers]
            if self.embedding_first and spec.source not in ("text",):
                spec.source = "counting"
            self.model = None
        else:
            self.readonly = True
            self.layers = [LayerEntry(l.class_name, spec_config(l), l.name) for l in model.layers]
            self.model = model
        self.cursor = Cursor()
        if not self.rebuild():
            error = self.error
            self.undo_stack.pop()
            self.redo_stack[:] = redo
            self.cursor = cursor
            self.restore(before)
            self.history_changed.emit()
            what = os.path.basename(str(path)) if path is not None else "the model"
            raise LstmvizError(f"{what} cannot be shown: {error}")
        self.stack_changed.emit()

    def _input_for_shape(self, shape) -> InputSpec:
        """The current input settings, fitted to a model's input ``shape``."""
        spec = dataclasses.replace(self.input, data=None if self.input.source == "data" else self.input.data)
        if spec.source == "data":
            spec.source = "sine"
        if shape and shape[0]:
            spec.batch_size = int(shape[0])
        if len(shape) > 1 and shape[1]:
            spec.timesteps = int(shape[1])
        if len(shape) == 3 and shape[2]:
            spec.input_dim = int(shape[2])
        return spec

    @_operation
    def load_weights_file(self, path, read=None) -> None:
        """Put a weights-only file onto the current stack (it must match); an edit that
        undo takes back. ``read``: the file as ``lstmviz.read_weights`` returned it."""
        from lstmviz import loading

        if self.model is None:
            raise LstmvizError("there is no model to put the weights on; build a stack first")
        before = None if self.readonly else self.snapshot()
        try:
            loading.load_weights(self.model, path, read=read)
        except LstmvizError as err:
            raise LstmvizError(
                f"these weights do not fit the current stack: {err}. Build a matching stack "
                "first (same layers, units and input_dim), or open the full model file (.keras/.h5)"
            ) from None
        if before is not None:
            self._push_history(before)
            for entry, layer in zip(self.layers, self.model.layers):
                entry.weights = [np.array(w) for w in layer.weights]
        self.path = str(path)
        self.rebuild()
        self.stack_changed.emit()

    @_operation
    def show_weights(self, model: Model, undoable: bool = False) -> None:
        """Trace ``model``, the current model with other weights (a training snapshot), in
        its place: an undoable edit when ``undoable``, else a preview that leaves the undo
        history alone (scrubbing training time). The stack's layers must match."""
        if self.model is None or [l.name for l in model.layers] != [l.name for l in self.model.layers]:
            raise LstmvizError("these weights belong to another model than the one shown")
        if undoable:
            self._push_history(self.snapshot())
        if self.readonly:
            self.model = model
        else:
            for entry, layer in zip(self.layers, model.layers):
                entry.weights = [np.array(w) for w in layer.weights]
        self.rebuild()
        if undoable:
            self.stack_changed.emit()

    @_operation
    def new_stack(self) -> None:
        """Back to the built-in editable stack (undo brings back what was there)."""
        self.remember_replaced()
        self.readonly = False
        self.model = None
        self.layers = default_layers()
        self.input = InputSpec()
        self.path = None
        self.rebuild()
        self.stack_changed.emit()


def _fit(data: np.ndarray, batch: int, timesteps: int, features: int) -> np.ndarray:
    """Crop or zero-pad an edited input to a new spec."""
    out = np.zeros((batch, timesteps, features), dtype=np.float32)
    b, t, d = (min(a, b) for a, b in zip(data.shape, out.shape))
    out[:b, :t, :d] = data[:b, :t, :d]
    return out


def _same_spec(a: InputSpec, b: InputSpec) -> bool:
    fields = [f.name for f in dataclasses.fields(InputSpec) if f.name != "data"]
    return all(getattr(a, n) == getattr(b, n) for n in fields) and a.data is b.data


def _input_config(model: Model, k: int) -> dict:
    try:
        return model.get_layer(model.inputs[k].layer).config
    except (IndexError, LstmvizError):
        return {}


def _time_major(model: Model, k: int) -> bool:
    """Input ``k`` of ``model`` is (time, batch, ...): its InputLayer says so (ONNX)."""
    return bool(_input_config(model, k).get("time_major"))


def _batch_axis(model: Model, k: int) -> int:
    """The axis of input ``k`` that holds the samples (0 but for some ONNX inputs)."""
    return int(_input_config(model, k).get("batch_axis", 1 if _time_major(model, k) else 0))
