"""A long input in the app, without Qt: the first steps at once, the first window and the
keyframe pass on a worker thread, and the exact window around any step on demand.

``LongSequence(model, x)`` (``x`` one array, or one per model input: the first the
sequence, the others, an ONNX graph's sequence_lens or initial states, as they are):
- ``first_steps()``: a plain trace of the first ``QUICK_STEPS`` steps, what the views draw
  at once on opening; ``first_window()``: of the first ``window`` steps, computed by the
  worker before its pass (``refinable`` then says the first steps can give way to it).
  Both are the same numbers as those steps of the whole sequence (a run from step 0 makes
  the same products); what has no time axis (a Dense after a last-step LSTM, the model's
  output) is, before the pass, that of a sequence ending there, and after it the whole
  sequence's (the pass computes the first window again from its keyframes). Only where
  every layer runs forward: a backward half
  (go_backwards, a Bidirectional) starts at the last step, as an ONNX ReverseSequence's
  first steps are the last, so there they are None; and None where an input is an ONNX
  node's sequence_lens (lengths past the first steps): ``pass_first`` says why, and no
  step is shown before the pass has run;
- ``run_pass(progress, cancel)``: the first window, then the keyframe pass
  (``engine.windows``), meant for a worker thread; ``ready`` says it finished, ``error``
  holds a refusal or "cancelled" (after ``resume`` the next ``run_pass`` goes on from where
  the cancelled one stopped);
- ``window_at(step, quick)``: ``(trace, local step)``: the exact window holding input
  step ``step`` (windows start at multiples of half a window, so stepping across a
  boundary recomputes once; the next window is computed ahead on a thread). Windows are
  by input steps (``WindowedTrace.window(by_input=True)``): a half that runs backwards
  records the processing steps that read the window's input steps, so every record stands
  under the same input steps; ``input_step(layer, side, step)`` is the input step a
  record's processing step reads. ``quick``: a window not computed
  yet is first the exact ``QUICK_STEPS`` (16) steps holding ``step`` (of the layers needed:
  after a strided Conv1D or pooling 16 of their own, ``quick_steps``) while the window is
  computed on a thread (``refinable``), so that a seek far away shows its step at once;
  before the pass ends only the first window is there; a window the thread could not
  compute is kept for the main window to say (``take_window_error``), the quick steps stay;
- ``summary(layer, key, ...)``: the record's overview and unit statistics (``app.scale``);
- ``run_overviews()``: after the pass, every record's overview of sample 0 (and each
  other layer's output over the steps: a TimeDistributed head, a Conv1D) in one more
  pass (``scale.overviews``; on the worker thread), kept in ``overviews``.

The main window (``AppState.long``) and the long-sequence window both use it.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
import weakref
from fractions import Fraction

import numpy as np

from lstmviz.app import scale
from lstmviz.engine.onnx_time import fixed_length
from lstmviz.engine.recurrent import CHUNK, CUT
from lstmviz.engine.trace import Trace
from lstmviz.engine.windows import (
    Cancelled,
    PassState,
    WindowedTrace,
    check_pass,
    clock_window,
    features_stepped,
    full_trace_bytes,
    full_trace_work,
    input_samples,
    input_steps,
    input_window,
    keyframe_pass,
    layer_clocks,
    pass_bytes,
    recurrent_halves,
    steps_within,
    trace_budget,
    whole_scale,
)
from lstmviz.errors import LstmvizError
from lstmviz.text import safe_text

log = logging.getLogger("lstmviz")

DEFAULT_WINDOW = 256
#: Longer inputs are shown as a long input (an overview of the whole sequence beside the
#: exact window around the step) even where their full trace fits the budget: a plot a
#: thousand or so pixels wide cannot show each of more steps than this, and a heatmap of
#: them would average or skip steps instead of showing each bin's minimum and maximum.
LONG_STEPS = 4096
#: Inputs whose full trace is more work than this (``windows.full_trace_work``, multiply-
#: adds: ~0.2 s on one core of this machine, twice that on a laptop half as fast) are
#: shown as a long input too, however few their steps: the app traces at every edit and
#: every other sample chosen, and a whole trace of 4,000 steps through 2 x LSTM(512) held
#: the window still for 0.6-1.4 s at each (its first steps are shown at once instead, the
#: rest computed on a worker thread).
FULL_TRACE_WORK = 2_500_000_000
#: Exact windows kept (each ``window`` steps of every record: about 256 x units x 40 bytes
#: per recurrent layer and sample, 10 MiB for two LSTM(512) at batch 1), at most as many as
#: ``CACHE_SHARE`` of the trace budget holds.
CACHE_WINDOWS = 16
#: The share of the trace budget the exact windows kept may hold together: a window steps
#: the whole batch, so 16 windows of a batch of 16 through 2 x LSTM(256) held 1.4 GB (the
#: budget 1 GiB), 5 GB at a batch of 32 and 512 units. A window is at most a quarter of it
#: (fewer steps than ``DEFAULT_WINDOW`` where a batch's are more: ``fitted_window``).
CACHE_SHARE = 0.25
#: ... and at least this many bytes, whatever the budget: the app shows a window at all.
CACHE_FLOOR = 64 << 20


def cache_room() -> int:
    """Bytes the exact windows kept may hold together (``CACHE_SHARE``, ``CACHE_FLOOR``)."""
    return max(int(trace_budget() * CACHE_SHARE), CACHE_FLOOR)


def fitted_window(model, samples: int, window: int = DEFAULT_WINDOW) -> int:
    """``window`` steps, or fewer (a multiple of the engine's chunk, at least one chunk)
    where that many steps of every record of ``samples`` samples (``full_trace_bytes``)
    would take more than a quarter of the windows' room (``cache_room``): at least four
    windows are kept (the one shown, the next, ...)."""
    return min(steps_within(model, samples, cache_room() // 4, CHUNK), max(CHUNK, int(window) // CHUNK * CHUNK))


#: Steps recomputed at once after a seek far away (the engine's CUT, so they start at a
#: cut of the input products; with keyframes every 16 steps, 16 steps of each layer:
#: ~9 ms for two LSTM(512) layers at batch 1 on the shared machine; the window follows).
QUICK_STEPS = CUT
#: Summaries kept (``LongSequence.summary``: a record's overview and statistics, ~4 MiB at
#: 512 units; Units at scale asks one per record, sample and feature shown), the latest.
CACHE_SUMMARIES = 32
#: Whole series of single units kept (``LongSequence.crossings``: the latest units searched,
#: one number a step each: 1.2 MB for 300,000 steps), together at most ``SERIES_SHARE`` of
#: the trace budget (a series over it alone is not kept: each search recomputes it).
CACHE_SERIES = 8
SERIES_SHARE = 1 / 16


def failure(what: str, err: BaseException) -> str:
    """One line for a worker's unexpected exception (a fault of lstmviz, not a refusal of
    the input): what failed and how; the traceback goes to the log. Kept as the
    sequence's (or the summary's) ``error``, so no caller starts the worker again."""
    log.error("the %s failed", what, exc_info=err)
    return f"the {what} failed: {safe_text(f'{type(err).__name__}: {err}')} (please report this)"


#: A worker's longest turn with the interpreter before it lets the window's thread have it
#: (seconds; see ``Turns``).
TURN = 0.005


class Turns:
    """Called at each chunk of a worker's steps: every ``TURN`` seconds it lets the other
    threads (the window's) take the interpreter. Stepping a small model, a worker lets go of
    the GIL and takes it back at every NumPy product; CPython forces a switch to a waiting
    thread only when none happened meanwhile, so the window's thread waited 0.2-0.7 s at a
    time while a pass ran (keys and clicks answered seconds late)."""

    def __init__(self, clock=time.perf_counter, sleep=time.sleep):
        self.clock, self.sleep = clock, sleep
        self.last = clock()
        self.given = 0  # turns given (tests)

    def __call__(self) -> None:
        now = self.clock()
        if now - self.last >= TURN:
            self.sleep(0)  # lets go of the GIL in a system call: a waiting thread takes it
            self.given += 1
            self.last = self.clock()


#: The sequences whose cancelled pass is kept for "Trace all" (``LongSequence._partial``),
#: oldest first: the stretches they ran count against the trace budget
#: (``limits.trace_budget``), with the trace or pass about to be made (``make_room``).
_resumable: list[weakref.ref] = []
_resumable_lock = threading.Lock()


def kept_bytes() -> int:
    """Bytes the cancelled passes kept for resuming hold, all sequences together."""
    with _resumable_lock:
        return sum(s.held for s in (r() for r in _resumable) if s is not None)


def make_room(need: int, keep: LongSequence | None = None) -> None:
    """Frees the stretches kept by cancelled passes (the oldest first; not ``keep``'s)
    until they and ``need`` more bytes fit the trace budget: a trace or a pass about to be
    made has room first (a resumed pass then starts again from step 0)."""
    budget = trace_budget()
    with _resumable_lock:
        kept = [s for s in (r() for r in _resumable) if s is not None]
    total = sum(s.held for s in kept)
    for s in kept:
        if total + need <= budget:
            break
        if s is not keep:
            total -= s.held
            s.drop_partial()


def moving(last: int | None, step: int, window: int) -> int:
    """1 or -1 when ``last`` -> ``step`` is a step on (to the right or the left, within
    half a window: playing, an arrow key), else 0 (a seek, or no step)."""
    if last is None or not 0 < abs(step - last) <= window // 2:
        return 0
    return 1 if step > last else -1


def _much_work(model, x) -> bool:
    """Whether a full trace of ``x`` is more work than ``FULL_TRACE_WORK``."""
    try:
        return full_trace_work(model, input_samples(model, x), input_steps(model, x)) > FULL_TRACE_WORK
    except LstmvizError:
        return False


def trace_or_window(model, xs: list, window: int = DEFAULT_WINDOW, reuse=None, needed=None, step: int = 0,
                    wait: bool = True):
    """``(trace, None)`` when the whole trace of ``xs`` fits the trace budget
    (``limits.trace_budget``), has at most ``LONG_STEPS`` steps and is at most
    ``FULL_TRACE_WORK`` multiply-adds, else ``(first steps,
    LongSequence)``: the first ``QUICK_STEPS`` steps when ``step`` (the cursor's) is among
    them, else the first window; the first window and the keyframe pass are still to run
    (``run_pass``, on a worker thread). Where a layer runs backwards there is
    no first window before the pass (``pass_first``), so the pass runs here, or, with
    ``wait`` False (a window whose worker runs the pass: ``LongRunner``), the trace is None
    until it has run (``follow_long``). ``reuse``: an earlier trace
    whose unchanged layers a whole trace takes as they are; ``needed``: the layers a whole
    trace (or the first steps) runs at once, the rest when first asked for (``Model.trace``).
    ``xs``: one array per model input; where there are several (an ONNX graph's
    sequence_lens or initial states as graph inputs), the first is the sequence, windowed,
    the others are taken as they are (the engine's windows, ``lstmviz trace --steps``)."""
    x = xs[0]
    # a model of several inputs (an ONNX graph's sequence_lens, initial states): the first
    # the sequence, the others as they are (``LongSequence``), as the engine windows them
    given = xs if len(xs) > 1 else x
    if np.ndim(x) < 2 or getattr(model, "stateful", False) or (len(xs) > 1 and not holds_steps(model, 0)):
        return model.trace(given, reuse=reuse, needed=needed), None
    try:
        model._infer_shapes([np.shape(a) for a in xs])
        # (its steps on the model's steps axis: a time-major input's (time, batch, ...) is
        # an ONNX layout-0 node's)
        need = full_trace_bytes(model, input_samples(model, x), input_steps(model, x))
    except LstmvizError:
        need = 0  # model.trace says what is wrong with the input, in its words
    fits = need <= trace_budget()
    if fits and input_steps(model, x) <= LONG_STEPS and not _much_work(model, x):
        make_room(need)  # (a cancelled pass's stretches give way to the trace)
        return model.trace(given, reuse=reuse, needed=needed), None
    try:
        check_pass(model, xs)  # (its sequences over the memory limit: refused now, not on the worker)
    except LstmvizError:
        if not fits:
            raise
        # windows cannot follow the model (an ONNX export's Shape and Gather around its
        # recurrent node), or their pass would not fit, but the whole trace does: traced
        # whole, as the command line traces it (it was refused past LONG_STEPS)
        make_room(need)
        return model.trace(given, reuse=reuse, needed=needed), None
    make_room(pass_bytes(model, xs))  # (a cancelled pass's stretches give way to this one)
    seq = LongSequence(model, given, window)
    seq.masks_checked = True  # (``check_pass`` above: its pass does not probe the masks again)
    first = seq.first_steps(needed) if step < seq.quick_steps(needed) else seq.first_window()
    if first is None:
        if not wait:
            return None, seq
        if not seq.run_pass():
            raise LstmvizError(seq.error or "the keyframe pass failed")
        first = seq.window_at(0)[0]
    return first, seq


def holds_steps(model, k: int) -> bool:
    """Whether the model's input ``k`` is a sequence (its steps windowed), not an ONNX
    node's sequence_lens or initial state (``role``), taken whole by every window."""
    try:
        layer = model.get_layer(model.inputs[k].layer)
    except (IndexError, LstmvizError):
        return False
    return len(layer.config.get("batch_shape") or ()) >= 2 and not layer.config.get("role")


class LongSequence:
    """A long input ``x`` of ``model``: one array, or a list of one per model input (an
    ONNX graph's sequence_lens or initial states beside it), the first the sequence (its
    steps windowed), the others taken as they are."""

    def __init__(self, model, x, window: int = DEFAULT_WINDOW, every: int | None = None):
        self.model = model
        #: every input (``inputs``), and the sequence, the first (``x``)
        self.inputs = list(x) if isinstance(x, (list, tuple)) else [x]
        x = self.inputs[0]
        self.x = x
        self.steps = input_steps(model, x)  # (axis 0 of a time-major input)
        self.samples = input_samples(model, x)
        #: per layer its own time axis (``windows.layer_clocks``: (steps, input steps a step
        #: stands for)): after a Conv1D or pooling of strides s, T/s steps of its own
        try:
            self.clocks = layer_clocks(model, self.inputs)
        except LstmvizError:  # (the pass says it, in its words)
            self.clocks = {}
        # a multiple of the engine's chunk: the first window, traced alone, then makes the
        # very products of the whole sequence's first steps
        # (fewer steps where a batch's records would not leave room for several: ``fitted_window``)
        # (after a MaxPooling1D(2), twice the input steps: the recurrent layers' windows as
        # many of their own steps as they would have without it)
        # (after an UpSampling1D(3), a third: as many input steps, whose LSTM steps are more)
        scale = max([math.ceil(c[1]) for name, c in self.clocks.items()
                     if c and recurrent_halves(model.get_layer(name))] or [1])
        self.window = min(fitted_window(model, self.samples, window * scale), self.steps)
        self._window_bytes = full_trace_bytes(model, self.samples, self.window)
        self.every = every
        #: whether ``windows.check_masks`` ran for this model (``trace_or_window``'s
        #: ``check_pass``): its passes then do not run its probe again (``masks_checked``)
        self.masks_checked = False
        self.windowed: WindowedTrace | None = None
        self.error: str | None = None
        self.done = 0
        self.total = 1
        self._cancel = threading.Event()  # the pass, the overviews (the user's Cancel)
        self._closed = threading.Event()  # everything, windows too (the sequence dropped)
        self._cancels = 0  # cancels so far: a summary stops at one made while it runs
        self._pass_lock = threading.Lock()
        #: where a cancelled keyframe pass stopped (``engine.windows.PassState``), to go on
        #: from; kept while it fits the trace budget beside the other traces (``make_room``)
        self._partial: PassState | None = None
        #: its bytes (``PassState.nbytes``), counted against the trace budget
        self.held = 0
        #: the stretches a cancelled pass ran were freed (another trace needed the room, or
        #: they alone were over the budget): ``resume`` starts the pass again from step 0
        self.freed = False
        self._lock = threading.Lock()  # the window cache and the prefetch thread
        self._quick: Trace | None = None
        #: the input steps ``(first, end)`` the quick steps hold (``quick_steps``: their span
        #: follows the layers needed)
        self._quick_at: tuple[int, int] | None = None
        self._wanted: int | None = None
        self._fetcher: threading.Thread | None = None
        #: the window a quick chunk stands for, not started yet (``start_deferred``)
        self.deferred: int | None = None
        self._cache: dict[int, object] = {}
        #: the last window the thread could not compute: (its first step, its end, why),
        #: until the main window takes it to say (``take_window_error``)
        self._window_error: tuple[int, int, str] | None = None
        self._last_step: int | None = None  # the step window_at was last asked for
        self._first: Trace | None = None
        self._first_lock = threading.Lock()  # the first window: computed once, by whoever asks first
        self._summaries: dict = {}
        #: (layer, key) -> ``scale.Overview`` of sample 0, once ``run_overviews`` ran
        self.overviews: dict | None = None
        #: what the worker is doing, for a progress bar: "keyframes" or "overview"
        self.phase = "keyframes"
        #: the input's samples where this sequence holds one of them (the app traces the
        #: sample shown alone): ``(samples, the one held, inputs_of(k))``, ``inputs_of`` giving
        #: sample k alone as the app traces it (``pooled_stats`` runs a pass of each other);
        #: None where it holds every sample of the input
        self.samples_of: tuple | None = None
        self._pooled: dict = {}
        #: (layer, key, row, unit) -> the unit's whole series, the latest searched
        #: (``crossings``); a new input or an edit is another sequence, without them
        self._series: dict = {}
        self._series_lock = threading.Lock()

    #: what a worker's chunks call to let the window's thread have its turns (``Turns``)
    turns = Turns
    #: what Units at scale's progress bar says while the pass runs; its Cancel stops it
    pass_name = "keyframe pass"
    cancellable = True

    def row(self, sample: int) -> int:
        """The traces' row of sample ``sample`` of the sequence (its windows step the batch)."""
        return int(sample)

    def _clock(self, layer: str | None) -> tuple[int, int | Fraction]:
        """(steps, scale) of ``layer``'s time axis: its own, or where it has none (a Dense
        after a last-step LSTM) that of the layer it reads, as a whole trace's steps go
        (``tracing.steps_of``); the input's for None. A layer computed once whose output
        has steps of its own (``once``) counts those, scale 1, as a whole trace does."""
        return self._clock_of(layer)[:2]

    def once(self, layer: str | None) -> bool:
        """Whether ``layer``'s steps (or those of the layer it takes its time axis from) are
        those of a layer computed once by the pass, held whole by every window, counted from
        0 (``windows._merges_steps``: a Dense over (batch, features, steps) after a
        Permute((2, 1)), its features; a channels_first Conv1D reading the steps as its
        channels), not the input's."""
        return self._clock_of(layer)[2]

    def _clock_of(self, layer: str | None) -> tuple[int, int | Fraction, bool]:
        from lstmviz.app.cell_ref import steps_in
        seen: set = set()
        nodes = {n.layer.name: n for n in self.model.nodes}
        while layer is not None and layer not in seen:
            seen.add(layer)
            got = self.clocks.get(layer)
            if got:
                return int(got[0]), whole_scale(got[1]), False
            node = nodes.get(layer)
            if layer in self.clocks and node is not None:  # (no steps in the windows: computed once)
                shapes = node.layer.output_shapes or [None]
                own = steps_in(self.model, layer, shapes[0]) if shapes[0] is not None else None
                if recurrent_halves(node.layer) and node.layer.input_shapes:
                    # (a recurrent layer over (batch, features, steps): its steps the features,
                    # its record's, whether it returns them or its last step alone)
                    own = features_stepped(node.layer)
                if own:
                    return own, 1, True
            layer = node.inbound[0].layer if node is not None and node.inbound else None
        return self.steps, 1, False

    def steps_of(self, layer: str | None) -> int:
        """The steps of ``layer``'s records: the sequence's, but after a Conv1D or pooling of
        strides s (or padding 'valid') its own, fewer (``windows._clocks``: the LSTM after a
        MaxPooling1D(2) steps over half the input's)."""
        return self._clock(layer)[0]

    def scale_of(self, layer: str | None) -> int | Fraction:
        """How many input steps one step of ``layer`` stands for (1 but after a strided
        Conv1D or pooling; a Fraction, 1/k, after an UpSampling1D(k)): its step t stands for
        input step t x this."""
        return self._clock(layer)[1]

    def own_window(self, layer: str | None, side: str | None, a: int, b: int) -> tuple[int, int]:
        """The processing steps ``(lo, hi)`` of ``layer`` (its half ``side``) that a window of
        input steps ``a .. b-1`` by input steps holds (``WindowedTrace.window(by_input=True)``):
        its own steps those stand for (``windows.clock_window``), turned around where the half
        runs backwards; all of a layer computed once (``once``)."""
        n, scale, once = self._clock_of(layer)
        if once:  # (every window holds all its steps)
            return 0, n
        lo, hi = clock_window({"": (n, scale)}, self.steps, "", a, b)
        return (n - hi, n - lo) if self.runs_backwards(layer, side) else (lo, hi)

    def record_window(self, layer: str, key: str, row: int, step: int):
        """``(window trace, first step, values (steps, units))``: record ``key`` of ``layer``
        (``side/key`` in a Bidirectional) for row ``row`` in the exact window holding its
        processing step ``step`` (windows are of input steps: a half that runs backwards
        holds the steps reading them); ``(None, 0, None)`` while there is none."""
        side, _, name = key.rpartition("/")
        trace, _ = self.window_at(self.input_step(layer, side or None, step))
        if trace is None:
            return None, 0, None
        rec = trace[layer]
        half = rec.children[side] if side else rec
        return trace, int(half.start), np.asarray(half.steps[name][row])

    def holds(self, model, xs: list) -> bool:
        """Whether this is a sequence of ``model`` on the inputs ``xs`` (their values)."""
        return (model is self.model and len(xs) == len(self.inputs)
                and all(np.shape(a) == np.shape(b) and np.array_equal(a, b) for a, b in zip(xs, self.inputs)))

    @property
    def ready(self) -> bool:
        return self.windowed is not None

    @property
    def closed(self) -> bool:
        """The sequence was dropped (``close``): a search over it stops."""
        return self._closed.is_set()

    @property
    def forward_only(self) -> bool:
        """Every layer runs forward from the first step: no backward half, and no ONNX
        ReverseSequence turning the input around (tf2onnx's go_backwards: its first steps
        are the sequence's last, ``onnx_time.reversed_steps``)."""
        from lstmviz.engine.onnx_time import reversed_steps
        from lstmviz.engine.windows import recurrent_halves
        return all(not rnn.config["go_backwards"] for n in self.model.nodes
                   for _, rnn in recurrent_halves(n.layer)) and not any(
            reversed_steps(n.layer) and str(n.layer.class_name).startswith("onnx.") for n in self.model.nodes)

    @functools.cached_property
    def ahead(self) -> int:
        """How many steps after a step the model's numbers of it may read: the steps after
        each step that its Conv1D and pooling layers of padding 'same' read (``engine/conv.py``'s
        ``reach``), summed over them (0: none; a causal one reads none)."""
        return sum(node.layer.reach()[1] for node in self.model.nodes
                   if getattr(node.layer, "keeps_steps", False))

    @property
    def plain_first(self) -> bool:
        """The first steps traced alone are the whole sequence's (``first_window``,
        ``first_steps``): every layer runs forward from the first step, no input is an
        ONNX node's sequence_lens (lengths past the first steps: the pass's window instead),
        the graph leaves its sequence length open (one that fixes it runs on that length only:
        ``onnx_time.fixed_length``), and no layer acts along the whole sequence's steps or holds
        them side by side (a Softmax over the steps, whose shares over the first steps alone are
        other numbers; a Flatten, whose Dense takes the whole length) or reads beside them a
        tensor made of the whole sequence (a Multiply by a pooling of the steps, a decoder from
        an encoder's last states: ``windows.whole_sequence_layer``)."""
        return self.forward_only and not any(
            self.model.get_layer(r.layer).config.get("role") == "sequence_lens" for r in self.model.inputs
        ) and self._whole_sequence_layer is None and fixed_length(self.model) is None

    @functools.cached_property
    def _whole_sequence_layer(self):
        """The first layer whose first steps depend on every later one (a Softmax over the
        steps, a Flatten of them: ``windows.whole_sequence_layer``), or None."""
        from lstmviz.engine.windows import whole_sequence_layer
        return whole_sequence_layer(self.model, self.inputs)

    @functools.cached_property
    def pass_first(self) -> str | None:
        """Why no step can be shown before the keyframe pass has run (None where the first
        steps can, ``plain_first``), in a user's words: the first layer that reads the input
        from its last step (its first steps shown depend on every later one), that acts along
        the whole sequence's steps or holds them side by side (a Softmax over the steps, a
        Flatten), merges each step with a tensor made of the whole sequence, repeats one onto
        every step (a RepeatVector of the input's steps) or starts from states made of it, an
        ONNX graph's sequence lengths, or a graph that fixes its length."""
        if self.plain_first:
            return None
        from lstmviz.engine.layers import Merge, RepeatVector
        from lstmviz.engine.onnx_time import ELEMENTWISE, reversed_steps
        from lstmviz.engine.windows import input_steps_axis, recurrent_halves
        from lstmviz.text import safe_name
        for node in self.model.nodes:
            layer = node.layer
            # (a recurrent layer computed once steps over the features, backwards or not: ``once``)
            for side, rnn in [] if self.once(layer.name) else recurrent_halves(layer):
                if rnn.config["go_backwards"]:
                    half = " (its backward half)" if side == "backward" else ""
                    return f"layer '{safe_name(layer.name)}'{half} reads the input from its last step"
            if reversed_steps(layer) and str(layer.class_name).startswith("onnx."):
                return f"node '{safe_name(layer.name)}' turns the input around (its first step is the input's last)"
            if layer is self._whole_sequence_layer:
                # (the axis its input holds the steps on, as the planner has it: ``_merges_steps``')
                axis = input_steps_axis(self.model, self.inputs, layer.name)
                does = ("holds every step side by side" if layer.merges_steps
                        else "reads every step at once (as its features or channels)"
                        if axis is not None and layer.reads_whole_axis(axis)
                        else "starts from states made of the whole sequence" if recurrent_halves(layer)
                        else "repeats a tensor made of the whole sequence onto every step"
                        if isinstance(layer, RepeatVector)
                        else "merges each step with a tensor made of the whole sequence"
                        if isinstance(layer, Merge) or getattr(layer, "op", None) in ELEMENTWISE
                        else "acts along the whole sequence's steps")
                return f"layer '{safe_name(layer.name)}' ({layer.class_name}) {does}"
        if (n := fixed_length(self.model)) is not None:
            return f"the graph fixes its sequence length to {n:,} steps (it runs on no fewer)"
        return "the model's sequence_lens input gives each sample's length over the whole sequence"

    def _head(self, steps: int, needed=None):
        """The first ``steps`` steps, the whole sequence's numbers: a plain trace of them
        (the engine cuts its input products at multiples of ``CUT``, a causal Conv1D's
        chunks divide it: the same products), or where a layer reads later steps
        (``ahead``: a same Conv1D's last steps would read its padding where the sequence
        goes on) the window of them of a keyframe pass over as many more steps as they
        read, rounded up to ``CUT``."""
        if self.changes_steps:
            more = self._prefix(steps)
            wt = keyframe_pass(self.model, self._first_inputs(more), masks_checked=self.masks_checked)
            wt.told = {name: int(c[0]) for name, c in self.clocks.items() if c}  # (the whole's steps)
            got = wt.window(0, min(steps, more), needed=needed)
        elif not self.ahead:
            more = steps
            got = self.model.trace(self._first_inputs(steps), needed=needed)
        else:
            more = min(self.steps, steps + -(-self.ahead // CUT) * CUT)
            got = keyframe_pass(self.model, self._first_inputs(more), masks_checked=self.masks_checked).window(
                0, min(steps, more), needed=needed)
        got.start, got.total_steps = 0, self.steps
        # (what has no time axis, a last step or a pooling over the steps, is the prefix's:
        # the views say so until the pass gives the whole sequence's)
        got.static_through = int(more) if more < self.steps else None
        return got

    @functools.cached_property
    def changes_steps(self) -> bool:
        """A Conv1D or pooling of the model gives fewer steps than it reads (strides > 1,
        padding 'valid'): the layers after it have their own steps (``steps_of``)."""
        return any(getattr(n.layer, "keeps_steps", True) is False for n in self.model.nodes)

    def _prefix(self, steps: int) -> int:
        """Input steps whose keyframe pass gives the first ``steps`` input steps' window
        the whole sequence's numbers where a layer changes the steps (``changes_steps``):
        every layer's own steps of the window, rounded up to a cut of ``CUT``, a chunk and
        the steps its Conv1D and pooling layers read past them, within the prefix's own
        steps (its chunks and cuts the whole sequence's), and as many input steps as the
        whole sequence modulo every layer's scale, so that a padding 'same' of strides s
        pads the prefix's steps as the sequence's (TensorFlow's SAME puts its odd zero by
        the input's length modulo s)."""
        # (an UpSampling1D(k)'s 1/k repeats steps: whole in any prefix; its numerator's strides)
        scale = math.lcm(*[Fraction(c[1]).numerator for c in self.clocks.values() if c] or [1])
        reach = sum(int(getattr(n.layer, "span", 0)) for n in self.model.nodes
                    if getattr(n.layer, "keeps_steps", None) is not None)
        more = steps + scale * (2 * CUT + reach)
        more += (self.steps - more) % scale
        return min(self.steps, more)

    def _first_inputs(self, steps: int):
        """What a plain trace of the first ``steps`` steps takes: the sequences' first
        steps, the other inputs as they are (one array for a model of one input)."""
        xs = [np.ascontiguousarray(input_window(self.model, a, 0, steps, k)) if holds_steps(self.model, k) else a
              for k, a in enumerate(self.inputs)]
        return xs if len(xs) > 1 else xs[0]

    def first_window(self):
        """The first window, traced alone (``_head``; None when a layer runs backwards, or an input is
        an ONNX node's sequence_lens: ``plain_first``). Computed once (the worker computes
        it before its pass; a caller meanwhile waits for it)."""
        if self._first is None and self.plain_first:
            with self._first_lock:
                if self._first is None:
                    self._first = self._head(self.window)
        return self._first

    def quick_steps(self, needed=None) -> int:
        """Input steps of the quick steps (``first_steps``, ``window_at(quick=True)``):
        ``QUICK_STEPS`` of the ``needed`` layers' own (of every layer's where none is
        named), the input steps they read: 16 but after a strided Conv1D or pooling, 512
        for an LSTM after five MaxPooling1D(2) (16 input steps held one of its steps); at
        most a window's."""
        names = list(needed) if needed else [n.layer.name for n in self.model.nodes]
        # (at most the window they stand for: pools after the last recurrent layer are at a
        # scale the windows, sized by the recurrent layers', do not hold 16 steps of)
        return min(max(1, math.ceil(QUICK_STEPS * max([self.scale_of(name) for name in names] or [1]))),
                   max(QUICK_STEPS, self.window))

    def first_steps(self, needed=None):
        """The first ``quick_steps`` steps, traced alone (``_head``): what the views draw at
        once on opening (a fraction of the first window's time, and the same numbers: the
        engine cuts its input products at multiples of ``QUICK_STEPS``). The worker computes the
        first window before its pass (``run_pass``); ``refinable`` says when it is there.
        The first window itself when it is computed already or is at most twice as long;
        None when a layer runs backwards (``plain_first``). ``needed``: the layers recorded
        at once, those after them when first asked for (``Model.trace``)."""
        if self._first is not None or not self.plain_first:
            return self._first
        steps = self.quick_steps(needed)
        if self.window <= 2 * steps:  # (a short first window costs about as little)
            return self.first_window()
        got = self._quick
        if got is None or self._quick_at != (0, steps):
            got = self._quick = self._head(steps, needed)
            self._quick_at = (0, steps)
        return got

    @property
    def shown_steps(self) -> int:
        """How many steps from the first the views can show: all of them once the pass ran,
        before (or after a Cancel) the first window's (Play waits at its edge), none where
        no step can be shown before the pass (``pass_first``)."""
        if self.ready:
            return self.steps
        return 0 if self.pass_first is not None else self.window

    def shown_of(self, layer: str | None) -> int:
        """``shown_steps`` in ``layer``'s own steps (after a MaxPooling1D(2), half as many:
        the player on it holds at the first window's last step of its own)."""
        shown = self.shown_steps
        if shown in (0, self.steps):
            return self.steps_of(layer) if shown else 0
        return self.first_of(layer)

    def first_of(self, layer: str | None) -> int:
        """The first window's steps of ``layer``'s own (``window`` but after a strided Conv1D
        or pooling: fewer)."""
        return clock_window({"": self._clock(layer)}, self.steps, "", 0, self.window)[1]

    @property
    def cancelled(self) -> bool:
        """The user's Cancel stopped the pass or the overviews (not a refusal, nor ``close``):
        ``resume`` may run them again."""
        return self._cancel.is_set() and not self._closed.is_set() and (not self.ready or self.overviews is None)

    def resume(self) -> bool:
        """After a Cancel, lets ``run_pass`` and ``run_overviews`` run again (the pass goes
        on from where it stopped: the keyframe starting the stretch each recurrent half was
        in, ``keyframe_pass(resume=)``, the progress from there; after a pass that finished,
        only the overviews run); False when nothing was cancelled. The caller starts them
        once the cancelled run stopped."""
        if not self.cancelled:
            return False
        with self._pass_lock:
            self._cancel.clear()
            self.error = None
            if not self.ready:
                self.phase = "keyframes"
                partial = self._partial
                # (the bar starts where the pass stopped, or at 0 where that was freed)
                self.done = min(self.total, partial.done) if partial is not None else 0
        return True

    @property
    def resumable(self) -> bool:
        """A cancelled pass's stretches are kept: ``resume`` goes on from where it stopped."""
        return self._partial is not None

    def _keep_partial(self, partial: PassState | None) -> None:
        """Keep a cancelled pass's state for ``resume`` while it fits the trace budget, the
        other sequences' kept ones given up first (the oldest first); else free it."""
        if partial is None or self._closed.is_set():
            return
        held = partial.nbytes
        if held > trace_budget():
            self.freed = True
            return
        with _resumable_lock:
            self._partial, self.held = partial, held
            _resumable[:] = [r for r in _resumable if r() is not None and r() is not self] + [weakref.ref(self)]
        make_room(0, keep=self)

    def drop_partial(self) -> None:
        """Free a cancelled pass's stretches (``resume`` then starts the pass again)."""
        with _resumable_lock:
            if self._partial is not None:
                self.freed = True
            self._partial, self.held = None, 0
            _resumable[:] = [r for r in _resumable if r() is not None and r() is not self]

    def cancel(self) -> None:
        """Stop the keyframe pass or the overviews (Cancel in the status bar): the windows
        are still computed, from the keyframes there are (after a cancel during the
        overviews, every far seek showed its 16 quick steps for good)."""
        self._cancels += 1
        self._cancel.set()

    def close(self) -> None:
        """Stop everything, the windows' thread too: the sequence is no longer shown."""
        self._closed.set()
        self._cancel.set()
        self.drop_partial()

    def run_pass(self, progress=None) -> bool:
        """The keyframe pass (on a worker thread); True when it finished. One pass however
        many callers: a second waits for the first and shares its result."""
        with self._pass_lock:
            if self.ready:
                return True
            if self.error:
                return False
            return self._run_pass(progress)

    def _run_pass(self, progress=None) -> bool:
        turns = self.turns()

        def tick(done, total):
            self.done, self.total = done, total
            turns()
            if progress is not None:
                progress(done, total)
        resume = self._partial
        self.drop_partial()  # (in use again: no longer kept; the pass holds it)
        self.freed = False
        try:
            self.first_window()  # (the views drew its first steps; None where a layer runs backwards)
            if resume is None:  # a pass from step 0: room for it first
                make_room(pass_bytes(self.model, self.inputs, self.every), keep=self)
            windowed = keyframe_pass(self.model, self.inputs, every=self.every, progress=tick,
                                     cancel=self._cancel.is_set, resume=resume,
                                     masks_checked=self.masks_checked)
            if self._first is not None:
                # the first window traced alone: its steps are the sequence's, but what has
                # no time axis (a Dense after a last-step LSTM, the model's output) is that
                # of a sequence ending at its last step; from the keyframes, the sequence's
                self._first = windowed.window(0, self.window, by_input=True)
            self.windowed = windowed
            self.done = self.total
            return True
        except Cancelled as err:
            self._keep_partial(err.partial)  # (``resume``: the next pass goes on from there)
            self.error = ("cancelled: only the first window can be shown" if self.pass_first is None
                          else "cancelled: no step can be shown before the pass has run")
        except LstmvizError as err:
            self.error = str(err)
        except Exception as err:  # a fault of ours: said once, not run again and again
            self.error = failure("keyframe pass", err)
        return False

    def run_overviews(self, bins: int = 511) -> bool:
        """Every record's overview over the whole sequence, and each other layer's output's
        over the steps (``scale.overviews``; after the pass, on a worker thread); True when
        done."""
        if not self.ready:
            return False
        self.phase, self.done, self.total = "overview", 0, self.steps
        turns = self.turns()

        def tick(done, total):
            self.done, self.total = done, total
            turns()
        try:
            self.overviews = scale.overviews(self.windowed, 0, bins, progress=tick,
                                             cancel=self._cancel.is_set)
            return True
        except LstmvizError as err:
            self.error = "cancelled: no overview" if self._cancel.is_set() else str(err)
        except Exception as err:  # (a fault of ours: said once)
            self.error = failure("overview", err)
        return False

    def runs_backwards(self, layer: str | None, side: str | None = None) -> bool:
        """Whether the recurrent half ``side`` of ``layer`` (a Bidirectional's forward half
        when ``side`` is None) reads the input from its last step (``windows.reads_backwards``:
        go_backwards, a Bidirectional's backward half, an ONNX node fed through a
        ReverseSequence); False for a layer without one. A layer that is
        not a Bidirectional has one half whatever ``side`` says (the cursor says 'forward'
        on every layer: a go_backwards GRU was taken as running forwards). An RNN([cells])'s
        cells all run as its first does (``cell_0``: each reads the one before's output in
        its processing order). A half reading a sequence turned around (a forward LSTM after a
        go_backwards one, ``windows.steps_reversed``) runs backwards over the input, and a
        layer without a half over such a sequence (the Dense after it) counts its steps so too."""
        from lstmviz.app.cell_ref import reads_reversed_steps, reversed_steps
        from lstmviz.engine.windows import reads_backwards, recurrent_halves
        try:
            top = self.model.get_layer(layer)
        except Exception:  # (no such layer, None: nothing runs backwards)
            return False
        halves = dict(recurrent_halves(top))
        rnn = halves[""] if "" in halves else halves.get(side or "forward", halves.get("cell_0"))
        if rnn is None:  # (a layer over a sequence turned around: a Dense after a go_backwards LSTM)
            return bool(reversed_steps(self.model).get(top.name))
        return reads_backwards(top, rnn) != reads_reversed_steps(self.model, top.name)

    def input_step(self, layer: str | None, side: str | None, step: int) -> int:
        """The input step that processing step ``step`` of ``layer`` (its half ``side``)
        reads, or after a strided Conv1D or pooling stands for (its own step t: input step
        t x ``scale_of``): the step the window holding it is chosen by."""
        n, scale = self._clock(layer)
        t = n - 1 - int(step) if self.runs_backwards(layer, side) else int(step)
        return max(0, min(int(t * scale), self.steps - 1))  # (after an UpSampling1D(k): t // k)

    def by_processing(self, trace):
        """``trace`` (a window from ``window_at``) as a window of processing steps: the same
        steps of every layer, also of a half that runs backwards (what a trace file holds,
        ``lstmviz trace --steps``); ``trace`` itself where no half runs backwards."""
        if self.windowed is None or self.forward_only or not getattr(trace, "total_steps", None):
            return trace
        end = getattr(trace, "end", None)  # (the window's input steps: a pooled layer's are fewer)
        steps = max(r.timesteps for r in trace.layers.values())
        return self.windowed.window(trace.start, end if end is not None else trace.start + steps)

    def start_of(self, step: int) -> int:
        """First step of the window that shows ``step`` (half-window hops, clamped)."""
        hop = max(1, self.window // 2)
        a = max(0, int(step) - hop // 2) // hop * hop
        return max(0, min(a, self.steps - self.window))

    def window_at(self, step: int, quick: bool = False, needed=None):
        """(trace of the window holding input step ``step``, ``step``'s index in it).

        ``quick``: when that window is not computed yet, the exact ``QUICK_STEPS`` steps
        of the ``needed`` layers' own (``quick_steps``) holding ``step`` (recomputed from
        the keyframe before it: a fraction of a window's time); the whole window is
        computed on a thread when ``start_deferred`` is called (``refinable`` says when it
        is there); the views show the step at once and the window a moment later.
        ``needed``: the layers the quick steps record at once, the layers after them when
        first asked for (``WindowedTrace.window``)."""
        step = max(0, min(int(step), self.steps - 1))
        last, self._last_step = self._last_step, step
        if self.windowed is None:
            steps = self._quick if self._first is None else None
            if steps is not None and self._quick_at is not None and self._quick_at[0] == 0 \
                    and step < self._quick_at[1]:
                return steps, step  # (opening: the first window follows from the worker)
            first = self.first_window()
            return first, min(step, self.window - 1)  # (None, ..) before a backward pass
        a = self.start_of(step)
        if step >= a + self.window or step < a:  # pragma: no cover - start_of keeps it inside
            a = max(0, min(step, self.steps - self.window))
        trace = self._cache.get(a)
        if trace is None and a == 0 and self._first is not None:
            trace = self._first
        if trace is None and quick:
            # (16 of the needed layers' own steps, from a cut of theirs: ``quick_steps``)
            span = self.quick_steps(needed)
            q = step // span * span
            e = min(q + span, self.steps)
            got = self._quick
            if got is None or self._quick_at != (q, e):
                got = self._quick = self.windowed.window(q, e, needed=needed, by_input=True)
                self._quick_at = (q, e)
            # the whole window once asked (``start_deferred``): a thread started now would
            # compete with the quick steps and with the views drawing them
            self.deferred = a
            return got, step - q
        if trace is None:
            trace = self.windowed.window(a, a + self.window, by_input=True)
        self._store(a, trace)
        # stepping on (playing, the arrow key): the next window ahead, in the direction of
        # the steps (a layer that runs backwards plays its input right to left). Not after a
        # seek, nor when the whole window comes in: a thread computing a window nobody
        # asked for takes the interpreter lock in turns with the next seek's views
        # (a seek at 512 units measured ~1.6x as long beside it). Nor at the step that
        # enters this window, whose views draw all of it anew: from the next step on (the
        # thread's start alone waited ~3 ms for the lock there)
        way = moving(last, step, self.window)
        nxt = self.start_of(step + way * (self.window // 2))
        if way and last is not None and self.start_of(last) == a and nxt != a and nxt not in self._cache:
            self.prefetch(nxt)
        return trace, step - a

    def next_window(self, step: int, way: int = 1):
        """The window that stepping on from input step ``step`` (``way``: 1 to the right, -1
        to the left) shows next, if it is computed (prefetched while stepping), else None: a
        view may draw it ahead of time."""
        if self.windowed is None:
            return None
        hop = max(1, self.window // 2)
        a = self.start_of(step)
        # the first step past this window's share, either way
        nxt = self.start_of(a + hop + hop // 2) if way > 0 else self.start_of(a + hop // 2 - 1)
        if nxt == a:
            return None
        return self._cache.get(nxt)

    def refinable(self, trace, step: int) -> bool:
        """Whether ``trace`` (a quick chunk from ``window_at``) can give way to the whole
        window around ``step``, now computed."""
        if trace is None or trace is not self._quick:
            return False
        if not self.ready:
            return self._first is not None  # the first steps on opening: the first window
        a = self.start_of(step)
        return a in self._cache or (a == 0 and self._first is not None)  # (as window_at finds it)

    def _store(self, a: int, trace) -> None:
        room = cache_room() // max(1, self._window_bytes)
        with self._lock:
            if a not in self._cache:
                while self._cache and len(self._cache) >= min(CACHE_WINDOWS, max(1, room)):
                    self._cache.pop(next(iter(self._cache)))
                self._cache[a] = trace

    def prefetch(self, a: int) -> None:
        """Compute the window starting at ``a`` on a thread (the latest asked first)."""
        if not self.ready or a in self._cache:
            return
        with self._lock:
            self._wanted = a
            if self._fetcher is not None and self._fetcher.is_alive():
                return
            self._fetcher = threading.Thread(target=self._fetch, name="lstmviz-window", daemon=True)
            self._fetcher.start()

    def _fetch(self) -> None:
        while not self._closed.is_set():
            with self._lock:
                a, self._wanted = self._wanted, None
                if a is None:
                    self._fetcher = None
                    return
            if a not in self._cache and self.windowed is not None:
                b = min(a + self.window, self.steps)
                try:
                    trace = self.windowed.window(a, b, by_input=True)
                except LstmvizError as err:  # (the memory limit: said, the quick steps stay)
                    self._failed(a, b, safe_text(str(err)))
                    continue
                except Exception as err:  # a fault of ours: said, not left on the quick steps unsaid
                    log.error("the window of steps %d-%d failed", a, b - 1, exc_info=err)
                    self._failed(a, b, safe_text(f"{type(err).__name__}: {err}") + ", please report this")
                    continue
                self._store(a, trace)

    def _failed(self, a: int, b: int, why: str) -> None:
        with self._lock:
            self._window_error = (a, b, why)

    def take_window_error(self) -> tuple[int, int, str] | None:
        """(first step, end, why) of the last window the thread could not compute, once
        (then None): the views stay on the quick steps; a seek into it again tries again."""
        with self._lock:
            failed, self._window_error = self._window_error, None
        return failed

    @property
    def quick_at(self) -> tuple[int, int] | None:
        """The input steps ``(first, end)`` the quick steps hold (``quick_steps`` of the
        layers they were made for), or None before any."""
        return self._quick_at

    def is_quick(self, trace) -> bool:
        """Whether ``trace`` is the quick steps ``window_at`` gave for a window not computed."""
        return trace is not None and trace is self._quick

    def start_deferred(self) -> None:
        """Start computing the window a quick chunk stands for (``window_at(quick=True)``
        leaves it to the caller: the main window asks once the seeking pauses and the step
        is painted, ``ui/long_runner.py``)."""
        a, self.deferred = self.deferred, None
        if a is not None:
            self.prefetch(a)

    def wait_prefetch(self, timeout: float = 60.0) -> None:
        """Block until the windows asked for are computed, a deferred one too (tests,
        benchmarks)."""
        self.start_deferred()
        fetcher = self._fetcher
        if fetcher is not None:
            fetcher.join(timeout)

    @property
    def all_samples(self) -> int:
        """The samples of the input (``samples_of``'s where this holds one of them)."""
        return int(self.samples_of[0]) if self.samples_of is not None else self.samples

    def pooled_stats(self, layer: str, key: str, feature: int | None = None, progress=None):
        """``scale.UnitStats`` of a record over every step of every sample of the input
        (``scale.pool``; after the pass): the rows of this sequence's windows (a window
        steps the whole batch: one pass), or where it holds the sample shown alone
        (``samples_of``), its own keyframes for that one and a keyframe pass of each other
        sample, traced alone as the app traces it, one at a time (one sample's keyframes,
        as this one's, held at once: within the memory budget), each dropped once read.
        The latest ``CACHE_SUMMARIES`` kept; stopped as ``summary`` is."""
        if self.windowed is None:
            raise LstmvizError("the keyframe pass has not finished")
        k = (layer, key, feature)
        if k in self._pooled:
            return self._pooled[k]
        turns = self.turns()
        cancels = self._cancels

        def stop() -> bool:
            return self._closed.is_set() or self._cancels != cancels
        n = self.all_samples

        def part(i: int, total_parts: int):
            def tick(done, total):
                turns()
                if progress is not None:
                    progress(i * total + done, total_parts * total)
            return tick
        if self.samples_of is None:
            stats = scale.pool(None, self.windowed, layer, key, range(self.samples), feature,
                               progress=part(0, 1), cancel=stop)
        else:
            _, shown, inputs_of = self.samples_of
            stats = None
            for i in range(n):  # (two parts a sample not held: its pass, then its windows)
                if i == shown:
                    stats = scale.pool(stats, self.windowed, layer, key, [0], feature,
                                       progress=part(2 * i, 2 * n), cancel=stop)
                    continue
                xs = inputs_of(i)
                make_room(pass_bytes(self.model, xs, self.every), keep=self)
                try:
                    # (the shown sample's pass checked the masks: the same model and shapes)
                    other = keyframe_pass(self.model, xs, every=self.every, progress=part(2 * i, 2 * n),
                                          cancel=stop, masks_checked=True)
                except Cancelled as err:
                    raise LstmvizError("cancelled") from err
                stats = scale.pool(stats, other, layer, key, [0], feature,
                                   progress=part(2 * i + 1, 2 * n), cancel=stop)
                del other
        while len(self._pooled) >= CACHE_SUMMARIES:
            self._pooled.pop(next(iter(self._pooled)))
        self._pooled[k] = stats
        return stats

    def crossings(self, layer: str, key: str, unit: int, threshold: float, direction: str = "up",
                  sample: int = 0, progress=None, cancel=None) -> np.ndarray:
        """``scale.find_crossings`` of ``unit`` over the whole sequence (after the pass): of
        sample 0 once the overviews ran (``run_overviews``: each record's exact min and max
        per bin, held already), only the bins where the unit may cross the threshold are
        recomputed from the keyframes (``scale.crossing_spans``: a threshold few steps reach
        or cross, a few windows), where they are at most ``scale.BINNED_SHARE`` of the
        sequence; else the first search on a unit recomputes the sequence (45 s for a GRU(64)
        over 300,000 steps under load) and keeps the unit's series as it goes
        (``CACHE_SERIES``, ``SERIES_SHARE``); another threshold or direction on that unit then
        answers from it at once. The same steps every way (``scale.crossings`` of the whole
        series is that of its blocks). A cancelled search keeps nothing."""
        if self.windowed is None:
            raise LstmvizError("the keyframe pass has not finished")
        k = (layer, key, int(sample), int(unit))
        with self._series_lock:
            series = self._series.get(k)
        if series is not None:
            return scale.crossings(series, threshold, direction)
        room = int(trace_budget() * SERIES_SHARE)
        blocks: list | None = []
        held = steps = 0

        def seen(start: int, col) -> None:
            nonlocal blocks, held, steps
            if blocks is None:
                return
            held += col.nbytes
            if held > room or start != steps:
                blocks = None  # (over its share: not kept; each search recomputes it)
                return
            steps += len(col)
            blocks.append(np.array(col))  # (a copy: not a view holding the block's units)
        overview = self.overviews.get((layer, key)) if self.overviews and int(sample) == 0 else None
        found = scale.find_crossings(self.windowed, layer, key, unit, threshold, direction, sample,
                                     progress=progress, cancel=cancel, seen=seen, overview=overview)
        if blocks:
            series = np.concatenate(blocks)
            with self._series_lock:
                while self._series and (len(self._series) >= CACHE_SERIES or
                                        sum(a.nbytes for a in self._series.values()) + series.nbytes > room):
                    self._series.pop(next(iter(self._series)))  # (the oldest given up)
                self._series[k] = series
        return found

    def summary(self, layer: str, key: str, sample: int = 0, feature: int | None = None,
                bins: int = 1023, progress=None, pooled: bool = False):
        """(Overview, UnitStats) of a record over the whole sequence (after the pass);
        ``pooled``: the statistics over every sample (``pooled_stats``), the overview still
        that of ``sample``."""
        if self.windowed is None:
            raise LstmvizError("the keyframe pass has not finished")
        if pooled:
            overview = self.summary(layer, key, sample, feature, bins, progress)[0]
            return overview, self.pooled_stats(layer, key, feature, progress)
        k = (layer, key, sample, feature, bins)
        if k not in self._summaries:
            turns = self.turns()
            # stopped by a cancel made while it runs (or the sequence closed), not by one
            # made before it was asked for (the overviews cancelled: Units at scale then
            # said "cancelled" and drew nothing, for good)
            cancels = self._cancels

            def stop() -> bool:
                return self._closed.is_set() or self._cancels != cancels

            def tick(done, total):
                turns()
                if progress is not None:
                    progress(done, total)
            got = scale.summarize(self.windowed, layer, key, sample, feature, bins, progress=tick, cancel=stop)
            while len(self._summaries) >= CACHE_SUMMARIES:  # (the oldest given up)
                self._summaries.pop(next(iter(self._summaries)))
            self._summaries[k] = got
        return self._summaries[k]
