"""Building and tracing the shown model, and the cursor through its trace, with no Qt. A
part of ``AppState`` (see ``app/base.py``).

``rebuild`` builds the ``Model`` from the stack (or keeps a read-only one), traces it on
the input and emits ``input_changed``, ``model_changed`` and ``cursor_changed``; an
invalid stack keeps the last model and trace and sets ``error``. Only the shown sample is
traced unless the whole batch is needed (``_trace``); moving to another sample traces it.
Stateful models step through batches (``next_batch``, ``reset_states``). Read-only models
get an input for each of theirs (``_inputs_for``: ONNX layouts and extra inputs).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np

from lstmviz.app import inputs as gen
from lstmviz.app.base import StateBase
from lstmviz.app.cell_ref import across_axes, steps_axes, steps_in, unit_word
from lstmviz.app.events import operation as _operation
from lstmviz.app.input_edits import make_input, token_ids
from lstmviz.app.long_sequence import holds_steps, trace_or_window
from lstmviz.app.selection import Cursor
from lstmviz.app.stack import InputSpec
from lstmviz.engine import Model, Trace
from lstmviz.engine.cells import cell_kind
from lstmviz.errors import LstmvizError
from lstmviz.text import numbered, plural, safe_name


def input_config(model: Model, k: int) -> dict:
    """The config of the InputLayer of ``model``'s input ``k`` ({} if none)."""
    try:
        return model.get_layer(model.inputs[k].layer).config
    except (IndexError, LstmvizError):
        return {}


def is_time_major(model: Model, k: int) -> bool:
    """Input ``k`` of ``model`` is (time, batch, ...): its InputLayer says so (ONNX)."""
    return bool(input_config(model, k).get("time_major"))


def batch_axis(model: Model, k: int) -> int:
    """The axis of input ``k`` that holds the samples (0 but for some ONNX inputs)."""
    return int(input_config(model, k).get("batch_axis", 1 if is_time_major(model, k) else 0))


def samples_alone(model: Model, xs: list) -> bool:
    """Whether a sample of ``xs`` can be traced alone (``sample_inputs``): not where there
    is one, a stateful layer needs the whole batch, or the file fixes its batch size."""
    axis = batch_axis(model, 0)
    if xs[0].ndim <= axis or xs[0].shape[axis] == 1 or model.stateful:
        return False
    return model.input_shapes()[0][axis] is None


def sample_inputs(model: Model, xs: list, s: int) -> list:
    """Sample ``s`` of each input as a batch of one (on its batch axis): what the app
    traces to show that sample (``AppState._trace``; Units at scale's ``WholeInput``)."""
    return [np.take(x, [s], axis=batch_axis(model, k)) for k, x in enumerate(xs)]


def input_for_shape(spec: InputSpec, k: int, shape: tuple, vocab: int = 3) -> np.ndarray:
    """Input ``k`` of a read-only model, (batch, time, ...) of ``shape``, from ``spec``;
    token ids (a 2-D input) are the text's characters folded into ``1 .. vocab - 1`` (the
    smallest vocabulary of the model's Embeddings: ids every one of them takes)."""
    s = spec
    given = given_data(spec, k, shape)
    if given is not None:
        return given
    T = shape[1] if len(shape) > 1 and shape[1] else s.timesteps
    if len(shape) == 2:
        text = (s.text or "hello") + " "
        chars = gen.text_ids(text * (T // len(text) + 1), s.batch_size, T)  # no padding
        return ((chars - 1) % max(vocab - 1, 1) + 1).astype(np.int32)
    inner = tuple(d or 1 for d in shape[2:]) or (1,)  # (B, T, features); (B, T, steps, features):
    D = int(np.prod(inner))                            # sub-sequences, a TimeDistributed(Conv1D)'s
    src = s.source if s.source in gen.GENERATORS and s.source != "text" else "sine"
    x = gen.generate(src, shape[0] or s.batch_size, T, D, s.seed + k, s.period)
    return x if len(inner) == 1 else x.reshape(x.shape[:2] + inner)


def given_data(spec: InputSpec, k: int, shape: tuple) -> np.ndarray | None:
    """The imported data of ``spec`` as input ``k`` of a read-only model, (batch, time, ...)
    of ``shape``, when it fits (the first input: token ids of its steps for a 2-D input,
    else its steps and features; another: the array given for it (``InputSpec.others``),
    as many samples as the first); None where ``input_for_shape`` makes an input."""
    if k:  # (whatever the first input is: the user's data or made up, of as many samples)
        other = spec.others[k - 1] if k - 1 < len(spec.others) else None
        batch = spec.data.shape[0] if spec.source == "data" and spec.data is not None else spec.batch_size
        if other is None or other.ndim != len(shape) or other.shape[0] != batch or any(
                d is not None and d != n for d, n in zip(shape[1:], other.shape[1:])):
            return None
        return other
    if spec.source != "data" or spec.data is None:
        return None
    if len(shape) == 2:
        ids = token_ids(spec.data, None)
        return ids if ids is not None and (not shape[1] or ids.shape[1] == shape[1]) else None
    T = shape[1] if len(shape) > 1 and shape[1] else spec.timesteps
    return spec.data if spec.data.shape[1:] == (T, shape[-1] or 1) else None


def held_shape(model: Model, k: int = 0) -> tuple:
    """A read-only model's input ``k`` shape as the app holds its data: (batch, time, ...)
    (a time-major input's first two axes swapped)."""
    shape = tuple(model.input_shapes()[k])
    return (shape[1], shape[0]) + shape[2:] if is_time_major(model, k) else shape


def made_role(model: Model, spec: InputSpec, k: int, states: set[str] | None = None) -> str | None:
    """What input ``k`` of a read-only model is, where the app makes it up: an ONNX
    recurrent node's ``"sequence_lens"`` (every step) or ``"initial_state"`` (zeros), else
    its config's role or None. A decoder's initial state given as an input of its own and
    not given by the user is made as an ONNX node's: zeros, the state Keras starts from
    without one (made up as token ids, it was 1s and 2s)."""
    role = input_config(model, k).get("role")
    states = model.state_inputs() if states is None else states
    if not role and model.inputs[k].layer in states and given_data(
            spec, k, tuple(model.input_shapes()[k])) is None:
        role = "initial_state"
    return role


#: how the app makes up an input it is not given, in the words the side panel shows
MADE_AS = {"initial_state": "zeros (no state given)", "sequence_lens": "every step (no lengths given)"}


def inputs_for(model: Model, spec: InputSpec) -> list[np.ndarray]:
    """An input for each of a read-only ``model``'s inputs, made from ``spec``."""
    xs: list[np.ndarray] = []
    vocabs = [int(layer.config.get("input_dim") or 0) for layer in model.layers
              if layer.class_name == "Embedding"]
    vocab = min((v for v in vocabs if v > 1), default=3)
    states = model.state_inputs()
    for k, shape in enumerate(model.input_shapes()):
        cfg = input_config(model, k)
        role = made_role(model, spec, k, states)
        if k and role in ("sequence_lens", "initial_state") and xs:
            # an ONNX recurrent node's extra inputs: every step of every sample, zero states
            B = xs[0].shape[batch_axis(model, 0)]
            T = xs[0].shape[0 if is_time_major(model, 0) else 1]
            axis = int(cfg.get("batch_axis", 0))
            dims = [B if i == axis or d is None else int(d) for i, d in enumerate(shape)]
            if role == "sequence_lens":
                xs.append(np.full(dims, T, dtype=cfg.get("dtype") or "int32"))
            else:
                xs.append(np.zeros(dims, np.float32))
            continue
        if is_time_major(model, k):  # made (batch, time, ...) like every input, then swapped
            x = input_for_shape(spec, k, held_shape(model, k), vocab)
            xs.append(np.ascontiguousarray(np.swapaxes(x, 0, 1)))
            continue
        xs.append(input_for_shape(spec, k, tuple(shape), vocab))
    return xs


def kept_notes(notes: dict[str, tuple[str, list[np.ndarray]]], model: Model) -> dict[str, str]:
    """The notes (``StateBase.layer_notes``) of ``model``'s layers that still hold the
    weights each note is true of: an edit that drew a layer's weights anew (its units), or
    another stack, leaves its note out."""
    out = {}
    for layer in model.layers:
        note = notes.get(layer.name)
        if note is not None and len(note[1]) == len(layer.weights) and all(
                a is b or (a.shape == b.shape and np.array_equal(a, b)) for a, b in zip(note[1], layer.weights)):
            out[layer.name] = note[0]
    return out


def _steps_of(model: Model, trace: Trace, name: str) -> int | None:
    """``Tracing.steps_of`` from the trace: None where no record says (an input layer)."""
    seen: set[str] = set()
    by_name = {n.layer.name: n for n in model.nodes}
    while name not in seen:
        seen.add(name)
        if name in trace.layers:
            rec = trace.layers[name]
            if rec.timesteps:
                return int(rec.timesteps)
            out = np.asarray(rec.output) if rec.outputs else None
            # (a channels-first Conv1D's steps are its last axis, an ONNX Conv's and the
            # Relu after it too: ``steps_axes``)
            n = steps_in(model, name, out.shape) if out is not None else None
            if n is not None:
                return n
            if out is not None and out.ndim == 3:
                return int(out.shape[1])
        node = by_name.get(name)
        if node is None or not node.inbound:
            return None
        name = node.inbound[0].layer
    return None


def build_stack(shape: tuple, layers: list, seed: int, keras_version: str, name: str) -> Model:
    """The model of a stack: ``layers`` its (spec, kept weights or None) pairs, each spec
    the layer's own to change (``LayerEntry.spec`` copies). ``AppState.build_model`` builds
    with it, and a build ahead of an edit (``Edits.draw_ahead``, on another thread) with the
    same arguments the edit will give it, so that both draw from the same places."""
    if any(w is not None for _, w in layers):
        # fast path: every layer keeps the weights it had (only an edited layer, whose
        # weights were dropped, is initialised), so an edit does not reshuffle the others
        # (copies of the configs: the path below builds from the specs as given)
        specs = [dataclasses.replace(spec, config=copy.deepcopy(spec.config), weights=w) for spec, w in layers]
        try:
            return Model.sequential(shape, specs, seed=seed, keras_version=keras_version,
                                    name=name, check_keys=False)
        except LstmvizError:
            pass  # some shapes changed (units upstream, input_dim): keep what still fits
    # every layer initialised from the seed, then given the weights it kept where they
    # still fit (``keep``: their initial weights are drawn, not computed)
    return Model.sequential(shape, [spec for spec, _ in layers], seed=seed, keep=[w for _, w in layers],
                            keras_version=keras_version, name=name, check_keys=False)


def shown_sample(model: Model, xs: list, sample: int, every: bool) -> tuple[list, int | None]:
    """The inputs a trace of the shown sample runs on and that sample: ``sample`` alone
    (clamped) where the model's samples are independent, else every one (None), as with
    ``every`` (``trace_all_samples``). ``_trace`` and a trace made ahead of an edit."""
    b = xs[0].shape[batch_axis(model, 0)]  # (axis 0, or 1 for ONNX layouts)
    s = max(0, min(int(sample), b - 1))
    if every or not samples_alone(model, xs):
        return xs, None
    return sample_inputs(model, xs, s), s


class Tracing(StateBase):
    """The model, its trace and the cursor of ``AppState``."""

    #: A long input whose first steps cannot be shown before its keyframe pass (a layer
    #: reads it from its last step: ``LongSequence.pass_first``): False, the pass runs at
    #: once where the input is set (headless uses: the command line, pictures); True (a
    #: window whose ``LongRunner`` runs the pass on a thread), ``trace`` is None until
    #: the pass has run and ``follow_long`` gives the first window.
    background_pass = False

    # -- sizes -------------------------------------------------------------------------------
    @property
    def time_major(self) -> bool:
        """The model's first input is (time, batch, ...) (an ONNX graph's layout 0)."""
        return self.readonly and self.model is not None and is_time_major(self.model, 0)

    @property
    def timesteps(self) -> int:
        if self.x is not None and self.x.ndim >= 2:
            return int(self.x.shape[0 if self.time_major else 1])
        return int(self.input.timesteps)

    @property
    def clock_steps(self) -> int:
        """The steps the clock runs over: the selected layer's (``steps_of``)."""
        return self.steps_of(self.cursor.layer)

    def steps_of(self, name: str | None) -> int:
        """The steps of layer ``name``'s time axis: a recurrent layer's processed steps, a
        layer's per-step outputs', else (a head after a last step) the layer's it reads. A
        seq2seq decoder runs over its own input's steps, more or fewer than the first
        input's (katakana_seq2seq: 45 and 85), as does a layer after a RepeatVector or a
        pooling. The input's steps where the trace does not say; a long input's own
        (``LongSequence.steps_of``: its window's records are not its steps)."""
        T = self.timesteps
        trace, model = self.trace, self.model
        if self.long is not None and model is not None and name is not None:
            return int(self.long.steps_of(name))
        if trace is None or model is None or name is None or self.long is not None \
                or getattr(trace, "total_steps", None):
            return T
        known = self._steps_known if self._steps_known[0] is trace else (trace, {})
        self._steps_known = known
        if name not in known[1]:
            known[1][name] = _steps_of(model, trace, name) or T
        return known[1][name]

    def steps_said(self, name: str | None) -> str:
        """Whose steps a step or window out of range is refused against, and which they
        are: ``the input has 40 steps: 0 to 39``, ``layer 'dec' has 45 steps: 0 to 44`` (a
        layer over a time axis of its own); ``--step``, ``--steps`` and ``picture(step=)``."""
        n = max(1, int(self.steps_of(name)))
        who = "the input" if n == max(1, int(self.timesteps)) else f"layer {name!r}"
        return f"{who} has {numbered(n, 'step')}"

    @property
    def batch(self) -> int:
        if self.x is not None:
            return int(self.x.shape[1 if self.time_major and self.x.ndim >= 2 else 0])
        return int(self.input.batch_size)

    def units_of(self, name: str | None) -> int:
        """How many units (or output features) layer ``name`` has; 0 if unknown."""
        if self.model is None or name is None:
            return 0
        layer = self.model.get_layer(name)
        units = getattr(layer, "units", None)
        if units is not None:
            return int(units)
        cells = getattr(layer, "cells", None)  # a stack of cells: its widest (Over time shows each)
        if cells:
            return max(int(c.units) for c in cells)
        shape = tuple(layer.output_shapes[0]) if layer.output_shapes else ()
        axis = (steps_axes(self.model).get(name) or [None])[0]
        if len(shape) == 3 and axis == 2:
            return int(shape[1] or 0)  # (batch, filters, steps): an ONNX Conv's, the Relu's after it
        if len(shape) == 4 and axis == 0:  # (an ONNX op over a node's Y: its directions' units side
            return int(shape[1] or 0) * int(shape[3] or 0)  # by side, ``cell_ref.steps_first_view``)
        return int(shape[-1]) if shape and shape[-1] else 0

    def unit_word(self, name: str | None) -> str:
        """What the unit box picks in layer ``name``: "unit", a Conv1D's "filter", a
        pooling's "channel" (``cell_ref.unit_word``); a long input's window on its units axis
        (a Permute((2, 1)) over a sequence: its rows are its own steps, ``cell_ref.across_axes``,
        as Over time says): "its step"."""
        if self.model is None or name is None or name not in [l.name for l in self.model.layers]:
            return "unit"
        axes = across_axes(self.model, self.trace, name)
        return axes[0] if axes is not None else unit_word(self.model.get_layer(name))

    # -- cursor ------------------------------------------------------------------------------
    @_operation
    def set_cursor(self, **changes: Any) -> Cursor:
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
        sample = max(0, min(int(cur.sample), self.batch - 1))
        layer, unit, side = cur.layer, int(cur.unit), cur.side
        names = [l.name for l in self.model.layers] if self.model is not None else []
        if layer not in names:
            layer = self._default_layer()
        T = max(1, self.steps_of(layer))  # (the layer's own time axis: a decoder's)
        step = max(0, min(int(cur.step), T - 1))
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

    @property
    def trace_cursor(self) -> Cursor:
        """The cursor as the trace indexes it (sample 0 when only the shown one is traced;
        a long input's step counted from its window's first step)."""
        cur = self.cursor
        if self.traced_sample is not None:
            cur = dataclasses.replace(cur, sample=0)
        if self.long is not None and self.trace is not None:
            lo, hi = self._own_window()
            cur = dataclasses.replace(cur, step=max(0, min(cur.step - lo, hi - lo - 1)))
        return cur

    def _window_steps(self) -> int:
        """A long input's window: its steps (every recurrent record spans them: those
        recorded say how many; the layers after the one on screen run when a view asks)."""
        assert self.trace is not None
        layers = self.trace.layers
        made = layers.made() if getattr(layers, "pending", False) else []
        return max([r.timesteps for r in made] + [0]) or max([r.timesteps for r in layers.values()] + [1])

    def window_start(self) -> int:
        """The processing step of the selected layer that a long input's window starts at
        (0 for a whole trace): the window's first input step, or where the selected half
        runs backwards, ``T - b`` (the window is of input steps a..b-1, and its record of
        that half of the processing steps reading them); after a strided Conv1D or pooling
        the layer's own step those stand for (``LongSequence.own_window``)."""
        if self.long is None or self.trace is None:
            return 0
        return self._own_window()[0]

    def _own_window(self) -> tuple[int, int]:
        """A long input's window: the selected layer's (half's) own processing steps it
        holds, ``(first, after the last)``."""
        assert self.long is not None and self.trace is not None
        a = int(self.trace.start)
        end = getattr(self.trace, "end", None)
        b = int(end) if end is not None else a + self._window_steps()
        if end is None and self.long.changes_steps:  # (a plain trace of the first steps)
            b = a + int(np.shape(self.trace.inputs[0])[1]) if self.trace.inputs else b
        return self.long.own_window(self.cursor.layer, self.cursor.side, a, b)

    def long_step(self) -> int:
        """A long input: the input step the cursor's processing step reads (what the
        window around it is chosen by)."""
        assert self.long is not None
        return self.long.input_step(self.cursor.layer, self.cursor.side, self.cursor.step)

    # -- building and tracing ----------------------------------------------------------------
    def build_model(self) -> Model:
        if not self.layers:
            raise LstmvizError("the stack is empty: add a layer (LSTM, GRU, SimpleRNN, Dense ...)")
        return build_stack(self.input_shape(), [(e.spec(), e.weights) for e in self.layers], self.seed,
                           self.keras_version, self.model_name or "sequential")

    @_operation
    def rebuild(self) -> bool:
        """Build and trace; on an invalid stack keep the last model/trace and set ``error``."""
        try:
            if self.readonly and self.model is not None:
                model = self.model
                xs = self._inputs_for(model)
            else:
                model = self._built_ahead() or self.build_model()
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
            model.source["layer_notes"] = kept_notes(self.layer_notes, model)
            if self.compiled is not None:  # (an opened file's: fit and the Train tab take it)
                model.source["compile"] = self.compiled
        self._check_shown()
        self._set_error(None)
        self.cursor = self._clamped(self.cursor)
        self.input_changed.emit(x)
        self.model_changed.emit(model, trace)
        self.cursor_changed.emit(self.cursor)
        return True

    def _check_shown(self) -> None:
        """``shown_weights`` kept while the model shown holds those weights (every layer's,
        to the bit: an edit that drew new ones for a layer, another model opened, a weights
        file put on it end it; an edit of the input keeps it), else gone."""
        if self.shown_weights is None:
            self._shown_arrays = None
            return
        if self.readonly:
            now: Model | list = self.model if self.model is not None else []
            held = self._shown_arrays is None or now is self._shown_arrays
        else:
            now = [list(e.weights or []) for e in self.layers]
            was = self._shown_arrays
            held = was is None or (isinstance(was, list) and len(was) == len(now) and all(
                len(a) == len(b) and all(x is y or (np.shape(x) == np.shape(y) and np.array_equal(x, y))
                                         for x, y in zip(a, b)) for a, b in zip(was, now)))
        if held:
            self._shown_arrays = now  # (the arrays as they are now: the next check is by identity)
        else:
            self.shown_weights, self._shown_arrays = None, None

    def _trace(self, model: Model, xs: list) -> Trace:
        """Trace the shown sample only (4x less work for a batch of 4), unless a stateful
        layer needs the whole batch or ``trace_all_samples`` is set."""
        model.reset_states()
        self.batch_index = 0
        self.states_in = None
        b = xs[0].shape[batch_axis(model, 0)]  # (axis 0, or 1 for ONNX layouts)
        s = max(0, min(int(self.cursor.sample), b - 1))
        every = xs
        xs, self.traced_sample = shown_sample(model, xs, self.cursor.sample, self.trace_all_samples)
        # the layers an edit left as they were (before the edited one) keep their records;
        # those after the layer on screen and the edited one run when first asked for (a
        # view of one layer draws before they run; the Unrolled view runs them at once)
        needed = {n for n in (self.cursor.layer, self.edit_target) if n is not None} or None
        trace, long = trace_or_window(model, xs, reuse=self._reused(), needed=needed, step=self.cursor.step,
                                      wait=not self.background_pass)
        if self.long is not None and self.long is not long:
            self.long.close()  # its pass, prefetch and overviews stop
        if long is not None and self.traced_sample is not None:
            # (Units at scale's statistics over all samples: each other one traced alone too)
            long.samples_of = (b, s, lambda k: sample_inputs(model, every, k))
        self.long = long
        return trace

    def _built_ahead(self) -> Model | None:
        """The model a build ahead of this edit made (``Edits.draw_ahead``), where it is the
        one ``build_model`` would build now: the edited layer's config as it is now, built
        from the stack whose trace is shown (every edit since would have traced anew) by
        ``build_stack`` from the same arguments (the other layers' kept weight arrays
        themselves, the seed, the input shape, the Keras generation, the name), so the same
        model, every weight to the bit; the edit then builds nothing (~1 ms of Python, ~2-3
        at half speed). Where none is made yet but this very build is under way on the
        thread (Enter pressed while the typed number's build runs), the edit waits for it
        (``draw_ahead.take``: no longer than building it anew beside it would take) and takes
        what it made. None where none was made (``_reused`` then takes its trace)."""
        from lstmviz.app import draw_ahead

        entry = next((e for e in self.layers if self.edit_target is not None and e.name == self.edit_target), None)
        if entry is None:
            return None
        model = self._made_ahead(entry)
        if model is None:
            key = draw_ahead.take(lambda k: k[0] == entry.name and k[2] is self.trace and k[1] == entry.config)
            if key is not None and key[3] is not None and key[3] is not self._traced_ahead:
                self._traced_ahead = [*key[3], *self._traced_ahead]  # (asked for before the last request)
            if key is not None:
                model = self._made_ahead(entry)
        return model

    def _made_ahead(self, entry) -> Model | None:
        """The model of ``_traced_ahead`` that ``build_model`` would build now (``_built_ahead``)."""
        for name, config, base, trace in list(self._traced_ahead):
            model = getattr(trace, "model", None)
            if (name == entry.name and base is self.trace and config == entry.config and model is not None
                    and model.name == (self.model_name or "sequential") and model.keras_version == self.keras_version
                    and tuple(model.input_shapes()[0]) == tuple(self.input_shape())):
                return model
        return None

    def _reused(self) -> Trace | None:
        """The trace whose records a new trace may take: one made ahead of this edit (the
        edited layer's config as it is now, from the trace shown before it: its records of
        the layers before, and of the edited layer if the edit drew the same weights, as
        ``draw_ahead`` makes sure), else the trace shown. The engine takes a record only
        where the layer and its input are the same to the bit (``Model.trace(reuse=)``)."""
        ahead, self._traced_ahead = self._traced_ahead, []
        entry = next((e for e in self.layers if self.edit_target is not None and e.name == self.edit_target), None)
        for name, config, base, trace in list(ahead):
            if entry is not None and name == entry.name and base is self.trace and config == entry.config:
                return trace
        return self.trace

    @_operation
    def follow_long(self) -> None:
        """A long input: ``trace`` becomes the exact window around the cursor's step (once
        the keyframe pass ran; before, the first window; a window not computed yet is first the
        16 steps holding the step, ``LongSequence.QUICK_STEPS``). The UI calls it again when the pass ends and when
        the whole window is there (``LongSequence.refinable``)."""
        if self.long is None or self.model is None:
            return
        # the quick steps of the layer on screen at once, the layers after it when asked
        needed = {self.cursor.layer} if self.cursor.layer is not None else None
        trace, _ = self.long.window_at(self.long_step(), quick=True, needed=needed)
        if trace is not None and trace is not self.trace:
            self.trace = trace
            self.model_changed.emit(self.model, trace)

    def _retrace(self) -> None:
        """The shown sample changed: trace it (the model stays)."""
        model = self.model
        if model is None:
            return
        try:
            trace = self._trace(model, self._inputs_for(model) if self.readonly else [self.x])
        except LstmvizError as err:
            self._set_error(str(err))
            return
        self.trace = trace
        self.model_changed.emit(model, trace)

    def _inputs_for(self, model: Model) -> list[np.ndarray]:
        return inputs_for(model, self.input)

    def whole_inputs(self) -> tuple[Model, list[np.ndarray]]:
        """The shown model and every sample of its inputs, for View > Units at scale on an
        input traced whole (a long input has its own pass: ``long``): the units of a saved
        LSTM(512) ranked over a sentence, not only over a book, on the trace of the sample
        shown (``whole_input.WholeInput``: traced as here, so a model of inputs of other
        lengths, a seq2seq, is ranked too, each layer on its own time axis; a stateful
        model's batch shown, whole, as traced here from the states carried into it).
        Refused in one line where it cannot be (an invalid stack shows its last model; no
        sequence of steps)."""
        model = self.model
        if model is None or self.x is None:
            raise LstmvizError("there is no model to rank the units of")
        if self.error:
            raise LstmvizError(f"the stack is not valid ({self.error}): fix it to rank its units")
        xs = self._inputs_for(model) if self.readonly else [self.x]
        if np.ndim(xs[0]) < 2 or not holds_steps(model, 0):
            raise LstmvizError("the model's first input is not a sequence of steps: there is nothing "
                               "to follow over time")
        return model, xs

    def others_given(self) -> list[tuple[str, bool]]:
        """For each input of a read-only model after the first: (its name, whether it is
        traced on the array given for it (``InputSpec.others``), not on one made up)."""
        model = self.model
        if model is None or not self.readonly:
            return []
        return [(ref.layer, given_data(self.input, k, held_shape(model, k)) is not None)
                for k, ref in enumerate(model.inputs) if k]

    def others_made(self) -> list[str]:
        """For each input of a read-only model after the first, as ``others_given``: what
        the side panel says of it, "your data", or how it is made up (an ONNX node's or a
        decoder's initial state: "zeros (no state given)"; a node's lengths: "every step
        (no lengths given)"; any other: "made up")."""
        model = self.model
        if model is None or not self.readonly:
            return []
        states = model.state_inputs()
        return ["your data" if given else MADE_AS.get(made_role(model, self.input, k, states) or "", "made up")
                for k, (_, given) in enumerate(self.others_given(), 1)]

    @_operation
    def import_other(self, k: int, path) -> None:
        """A ``.npy``/``.csv`` as input ``k`` (after the first) of a read-only model, read as
        File > Import reads the first (``inputs.load_array``; token ids for a 2-D input) and
        checked as ``check_others`` checks it: as many samples as the user's first input, or
        a made-up first input (and the other inputs given) takes its samples. Undo takes it
        back."""
        from pathlib import Path

        model = self.model
        if model is None or not self.readonly or not 0 < k < len(model.inputs):
            raise LstmvizError(f"the model has no input {k} after its first")
        name = safe_name(Path(str(path)).name)
        shape = held_shape(model, k)
        data = gen.load_array(path, ids=len(shape) == 2, time_major=is_time_major(model, k))
        arr = data[..., 0] if len(shape) == 2 and data.ndim == 3 else data
        if is_time_major(model, k) and arr.ndim >= 2:
            arr = np.swapaxes(arr, 0, 1)  # (as the model takes it: check_others holds it)
        spec = self.input
        first = spec.data if spec.source == "data" else None  # (else made up: any batch)
        mine = first is not None
        try:
            (other,) = self.check_others([arr], start=k, batch=len(first) if first is not None else None)
        except LstmvizError as err:
            raise LstmvizError(f"{name}: {err}") from None
        others = list(spec.others) + [None] * (len(model.inputs) - 1 - len(spec.others))
        others[k - 1] = other
        if not mine and len(other) != spec.batch_size:  # the others' samples follow
            others = [o if o is None or len(o) == len(other) else None for o in others]
        self._remember()
        self.input = dataclasses.replace(spec, others=tuple(others),
                                         batch_size=spec.batch_size if mine else len(other))
        self._edited(select=self.index_of(self.cursor.layer))

    def check_others(self, arrays, start: int = 1, batch: int | None = None) -> tuple[np.ndarray, ...]:
        """The arrays given for a read-only model's inputs after the first (``use_array``;
        ``start``: the input the first is for), each checked as its input takes it
        (``Model.check_input``; one sample may come without its batch axis), with ``batch``
        samples, the first input's (None: any), and held (batch, time, ...), read-only
        (``InputSpec.others``). An ONNX graph's sequence lengths and initial states are
        made, not given."""
        model = self.model
        if model is None or not self.readonly:
            raise LstmvizError("only a model of several inputs takes an array per input")
        out = []
        for k, a in enumerate(arrays, start):
            role = input_config(model, k).get("role")
            if role:
                raise LstmvizError(f"input {k} ('{safe_name(model.inputs[k].layer)}') is the graph's "
                                   f"{role.replace('_', ' ')}, which lstmviz makes: give the first "
                                   "input's array alone")
            try:
                arr = np.asarray(a)
            except ValueError:  # a list of arrays of different shapes
                raise LstmvizError(f"input {k} is a list of arrays of different shapes; give one array") from None
            major = is_time_major(model, k)
            if len(model.input_shapes()[k]) == 3 and arr.ndim == 2:  # one sample
                arr = arr[:, None] if major else arr[None]
            arr = model.check_input(arr, k)
            if major:
                arr = np.swapaxes(arr, 0, 1)
            if batch is not None and len(arr) != batch:
                raise LstmvizError(f"input {k} ('{safe_name(model.inputs[k].layer)}') has "
                                   f"{plural(len(arr), 'sample', sep=',')} but the first input has "
                                   f"{batch:,}; give each input the same samples")
            arr = np.array(arr)  # (the caller's array may change later)
            arr.setflags(write=False)
            out.append(arr)
        return tuple(out)

    def _misfit(self, data: np.ndarray) -> str | None:
        """Why ``data`` (as ``set_input_data`` would hold it) is not what the read-only model's
        first input takes, so that it would be traced on an input made up in its place
        (``given_data``), in one line ("the input has shape ..."; the length an ONNX graph fixes:
        ``onnx_time.fixed_refusal``, as the engine says it); None when it fits, or the stack is
        editable (it takes any)."""
        from lstmviz.engine.layers import fmt_shape
        from lstmviz.engine.onnx_time import fixed_refusal

        if not self.readonly or self.model is None:
            return None
        shape = held_shape(self.model)
        trial = dataclasses.replace(self.input, source="data", data=data, timesteps=int(data.shape[1]))
        if given_data(trial, 0, shape) is not None:
            return None
        if (fixed := fixed_refusal(self.model, int(data.shape[1]))) is not None:
            return fixed
        held = data[..., 0] if len(shape) == 2 and data.ndim == 3 and data.shape[2] == 1 else data
        what = "whole-number token ids (0 or more) " if len(shape) == 2 else ""
        said = tuple(held.shape)
        if self.time_major and len(said) >= 2:  # (as the model takes it: (time, batch, ...))
            said = (said[1], said[0]) + said[2:]
        return (f"the input has shape {fmt_shape(said)}, but the model's first input "
                f"'{self.model.inputs[0].layer}' takes {what}{fmt_shape(self.model.input_shapes()[0])}")

    # -- stateful batches --------------------------------------------------------------------
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
        xs = self._inputs_for(model) if self.readonly else [make_input(self.input, self.layers, k)]
        states_in = model.carried_states()
        trace = model.trace(xs if len(xs) > 1 else xs[0])  # stateful layers keep their states
        self.batch_index, self.states_in = k, states_in
        self.trace, self.x, self.traced_sample = trace, xs[0], None
        self.input_changed.emit(self.x)
        self.model_changed.emit(model, trace)
        self.cursor = self._clamped(self.cursor)
        self.cursor_changed.emit(self.cursor)

    @_operation
    def reset_states(self) -> None:
        """Back to batch 0: the stateful layers start from zero states again."""
        self.rebuild()
