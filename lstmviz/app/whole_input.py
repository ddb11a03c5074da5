"""Units at scale on an input traced whole (not a long input), without Qt.

``WholeInput(model, xs, sample, alone)``: the model's inputs, every sample, and the one
sample shown. Its "pass" is the trace the main window makes to show that sample (the
sample alone, ``tracing.sample_inputs``, where the app traces one sample at a time:
``alone``; else the whole batch), so every number it shows is the main window's, to the
bit, and it costs that one trace (the main window's own trace is handed in where it is of
that sample: nothing to compute). Another sample is another ``WholeInput``
(``for_sample``), its trace made when it is shown; the last ``KEPT_TRACES`` are kept.

A stateful model is shown as the main window shows it: its batch, the whole batch traced
at once from the states carried into it (``batch``, the main window's ``batch_index``),
the main window's trace handed in; it is never traced here (that would start from the
states the batch left, and carry its own on).

Every recurrent layer is on its own time axis (a seq2seq's encoder and decoder,
``steps_of``): nothing is windowed, so a model a long input's windows cannot follow (inputs
of other lengths, a RepeatVector's decoder, a Flatten after the last step) is ranked too.
The layers that are not recurrent are listed as on a long input (``scale.records``), each
over its own steps (a pooling's fewer).

It answers what the long-sequence window asks of a ``LongSequence`` (``ui/long_view.py``):
``run_pass``, ``ready``, ``summary``, ``record_window``, ``crossings`` (``scale.find_crossings``
of ``windowed``, the trace), ``holds``, ``close``.
"""

from __future__ import annotations

import threading

import numpy as np

from lstmviz.app import scale
from lstmviz.app.long_sequence import CACHE_SUMMARIES, DEFAULT_WINDOW, Turns, failure
from lstmviz.app.output_ref import over_steps
from lstmviz.app.tracing import sample_inputs
from lstmviz.engine.windows import input_samples, input_steps
from lstmviz.errors import LstmvizError

#: Traces of samples kept (the one shown and the one before: going back costs nothing)
KEPT_TRACES = 2


class WholeInput:
    """Sample ``sample`` of the inputs ``xs`` (one array per model input, every sample) of
    ``model``, traced as the main window traces it (``alone``: that sample as a batch of
    one; else the whole batch). ``trace``: the main window's trace of it, if at hand."""

    #: what the window's progress bar says while the trace is made
    pass_name = "tracing the sample"
    #: a trace (one sample, at most the app's full-trace work) cannot be stopped half-way
    cancellable = False
    turns = Turns

    def __init__(self, model, xs: list, sample: int = 0, alone: bool = True, trace=None,
                 batch: int = 0, _kept: dict | None = None, _pooled: dict | None = None):
        self.model = model
        #: a stateful model's batch shown (0: its states start from zeros)
        self.batch = int(batch)
        self.inputs = list(xs)
        self.x = self.inputs[0]
        self.samples = input_samples(model, self.x)
        self.sample = max(0, min(int(sample), self.samples - 1))
        self.alone = bool(alone)
        self.steps = input_steps(model, self.x)  # (the first input's; a layer's own: ``steps_of``)
        self.window = DEFAULT_WINDOW
        #: traces by sample (None: the whole batch), shared with ``for_sample``'s
        self._kept: dict = _kept if _kept is not None else {}
        if trace is not None and getattr(trace, "model", None) is model:
            self._keep(trace)
        self.error: str | None = None
        self.done, self.total = 0, 1
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._summaries: dict = {}
        #: statistics over every sample (``pooled_stats``), shared with ``for_sample``'s: the
        #: same whichever sample is shown
        self._pooled: dict = _pooled if _pooled is not None else {}

    # -- what is traced --------------------------------------------------------------------
    @property
    def _key(self):
        return self.sample if self.alone else None

    def _keep(self, trace) -> None:
        kept = self._kept
        kept.pop(self._key, None)
        kept[self._key] = trace
        while len(kept) > KEPT_TRACES:
            kept.pop(next(iter(kept)))

    @property
    def windowed(self):
        """The trace of the sample shown once made (else None): ``scale.stream`` reads it whole."""
        return self._kept.get(self._key)

    @property
    def ready(self) -> bool:
        return self.windowed is not None

    def row(self, sample: int) -> int:
        """The trace's row of the input's sample ``sample``: 0 where it is traced alone."""
        return 0 if self.alone else int(sample)

    def for_sample(self, sample: int) -> WholeInput:
        """The same inputs with ``sample`` shown (its trace made by its ``run_pass``; one
        kept, or the whole batch's, taken as it is)."""
        return WholeInput(self.model, self.inputs, sample, self.alone, batch=self.batch, _kept=self._kept,
                          _pooled=self._pooled)

    def holds(self, model, xs: list, batch: int = 0) -> bool:
        """Whether this is ``model`` on the inputs ``xs`` (their values, every sample), at
        stateful batch ``batch`` (the same data at the next batch starts from other states)."""
        return (model is self.model and int(batch) == self.batch and len(xs) == len(self.inputs)
                and all(np.shape(a) == np.shape(b) and np.array_equal(a, b) for a, b in zip(xs, self.inputs)))

    def run_pass(self, progress=None) -> bool:
        """The trace of the sample shown (on a worker thread), as the main window makes it;
        True when it is there."""
        with self._lock:
            if self.ready:
                return True
            if self.error or self.closed:
                return False
            if self.model.stateful:  # (its trace is the main window's, handed in: see above)
                self.error = ("a stateful model's batch is traced by the main window alone, from the "
                              "states carried into it: open Units at scale from there")
                return False
            try:
                xs = sample_inputs(self.model, self.inputs, self.sample) if self.alone else self.inputs
                trace = self.model.trace(xs if len(xs) > 1 else xs[0])
            except LstmvizError as err:
                self.error = str(err)
                return False
            except Exception as err:  # a fault of ours: said once
                self.error = failure("trace", err)
                return False
            self._keep(trace)
            self.done = self.total
            return True

    # -- what the window asks --------------------------------------------------------------
    def steps_of(self, layer: str | None) -> int:
        """The steps of ``layer``'s records (its own time axis: a seq2seq's decoder has its
        own; a layer that is not recurrent, its output's, ``output_ref.over_steps``: half
        the input's after a MaxPooling1D(2)); the first input's before the trace, or for a
        layer it does not hold."""
        trace = self.windowed
        if trace is None or layer is None or layer not in trace:
            return self.steps
        if trace[layer].steps or trace[layer].children:
            return int(trace[layer].timesteps) or self.steps
        out = over_steps(self.model, trace, layer)
        return int(out.shape[1]) if out is not None else self.steps

    def input_step(self, layer, side, step: int) -> int:
        """A whole trace is indexed by processing steps: ``step`` itself."""
        return int(step)

    def start_of(self, step: int, steps: int) -> int:
        """First step of the ``window`` steps shown around ``step`` of ``steps`` (half-window
        hops, as a long input's windows)."""
        hop = max(1, self.window // 2)
        a = max(0, int(step) - hop // 2) // hop * hop
        return max(0, min(a, steps - self.window))

    def record_window(self, layer: str, key: str, row: int, step: int):
        """``(trace, first step, values (steps, units))``: record ``key`` of ``layer`` (``side/key``
        in a Bidirectional) for trace row ``row`` over the ``window`` steps around ``step``
        (every step where the record has no more): slices of the trace, its very numbers;
        ``(None, 0, None)`` before it is made."""
        trace = self.windowed
        if trace is None:
            return None, 0, None
        side, _, name = key.rpartition("/")
        rec = trace[layer]
        half = rec.children[side] if side else rec
        arr = half.steps[name]
        a = self.start_of(step, arr.shape[1])
        return trace, a, np.asarray(arr[row, a:a + self.window])

    @property
    def all_samples(self) -> int:
        """The samples of the input (``pooled_stats`` pools them)."""
        return self.samples

    def pooled_stats(self, layer: str, key: str, feature: int | None = None, progress=None):
        """``scale.UnitStats`` of a record over every step of every sample of the input
        (``scale.pool``): the rows of the whole batch's trace, or where the app traces each
        sample alone (``alone``), each sample's own trace, as the main window makes it (a
        kept one taken as it is, the others made one at a time and dropped: one trace held
        beside the kept ones), so every number pooled is one the main window shows."""
        if self.windowed is None:
            raise LstmvizError("the sample has not been traced")
        k = (layer, key, feature)
        if k not in self._pooled:
            turns = self.turns()
            n = 1 if not self.alone else self.samples

            def part(i: int):
                def tick(done, total):
                    turns()
                    if progress is not None:
                        progress(i * total + done, n * total)
                return tick
            if not self.alone:
                stats = scale.pool(None, self.windowed, layer, key, range(self.samples), feature,
                                   progress=part(0), cancel=self._closed.is_set)
            else:
                stats = None
                for i in range(self.samples):
                    trace = self._kept.get(i)
                    if trace is None:
                        if self.closed:
                            raise LstmvizError("cancelled")
                        xs = sample_inputs(self.model, self.inputs, i)
                        trace = self.model.trace(xs if len(xs) > 1 else xs[0])
                    stats = scale.pool(stats, trace, layer, key, [0], feature, progress=part(i),
                                       cancel=self._closed.is_set)
                    del trace
            while len(self._pooled) >= CACHE_SUMMARIES:
                self._pooled.pop(next(iter(self._pooled)))
            self._pooled[k] = stats
        return self._pooled[k]

    def crossings(self, layer: str, key: str, unit: int, threshold: float, direction: str = "up",
                  sample: int = 0, progress=None, cancel=None) -> np.ndarray:
        """``scale.find_crossings`` of ``unit`` in the trace (held whole: nothing recomputed)."""
        if self.windowed is None:
            raise LstmvizError("the sample has not been traced")
        return scale.find_crossings(self.windowed, layer, key, unit, threshold, direction, sample,
                                    progress=progress, cancel=cancel)

    def summary(self, layer: str, key: str, sample: int = 0, feature: int | None = None,
                bins: int = 1023, progress=None, pooled: bool = False):
        """(Overview, UnitStats) of a record of trace row ``sample`` over its steps;
        ``pooled``: the statistics over every sample (``pooled_stats``), the overview still
        the sample's."""
        trace = self.windowed
        if trace is None:
            raise LstmvizError("the sample has not been traced")
        if pooled:
            overview = self.summary(layer, key, sample, feature, bins, progress)[0]
            return overview, self.pooled_stats(layer, key, feature, progress)
        k = (layer, key, sample, feature, bins)
        if k not in self._summaries:
            turns = self.turns()

            def tick(done, total):
                turns()
                if progress is not None:
                    progress(done, total)
            got = scale.summarize(trace, layer, key, sample, feature, bins, progress=tick, cancel=self._closed.is_set)
            while len(self._summaries) >= CACHE_SUMMARIES:
                self._summaries.pop(next(iter(self._summaries)))
            self._summaries[k] = got
        return self._summaries[k]

    # -- stopping --------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def cancelled(self) -> bool:
        """Nothing of it is cancelled: its trace runs to its end (``cancellable``)."""
        return False

    def cancel(self) -> None:
        """A trace cannot be stopped half-way; the summaries stop at ``close``."""

    def resume(self) -> bool:
        return False

    def close(self) -> None:
        """No longer shown (the window closed, another sample shown): a summary under way
        stops."""
        self._closed.set()
