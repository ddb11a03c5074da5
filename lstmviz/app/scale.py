"""What views need of a long sequence, computed without Qt: overviews and units at scale.

- ``stream(trace, layer, key, sample)``: a record of one sample over the whole sequence in
  blocks ``(start, (steps, units))``: slices of a full ``Trace``, or windows recomputed
  from the keyframes of a ``WindowedTrace`` (memory of one block);
- ``Overview``: the whole sequence downsampled to ``bins`` columns, min and max per bin
  and unit (exact: every step is seen; a spike of one step stays visible), drawn on the
  record's own colour levels beside the exact window around the current step;
- ``overviews``: every record's ``Overview`` in one pass (the main window's Over time
  and Unrolled views draw them above the exact window);
- ``UnitStats``: per unit over the whole sequence: mean, variance, saturation (the share of
  steps a gate is below 0.1 or above 0.9, or |h| above 0.9: Karpathy et al. 2015; a layer's
  output by its activation, ``saturation_rule``) and the correlation with an input feature;
  ``rank_units`` sorts and filters units by them. A record is a recurrent layer's
  (``record_keys``) or ``(name, OUTPUT_KEY)``: the output of a layer that is not recurrent
  over the sequence's steps (``output_records``: a same Conv1D's filters, a TimeDistributed
  head's units), read from the same windows; ``records``: every record Units at scale lists,
  in the model's order, on a long input and on an input traced whole alike;
- ``crossings``: the steps where a unit crosses a threshold (LSTMVis' way of finding the
  cells that track quotes or line length); ``find_crossings`` over a long input, given the
  record's ``Overview``, recomputes only the bins its exact min and max do not put on one
  side of the threshold (``crossing_spans``).
"""

from __future__ import annotations

import math

import numpy as np

from lstmviz.app.cell_ref import fed_by, layer_input, model_inputs, reads_turned, steps_first_view
from lstmviz.app.output_ref import OUTPUT_KEY, output_layers, output_ref, over_steps
from lstmviz.engine import recurrent
from lstmviz.engine.onnx_time import reads_reversed
from lstmviz.engine.trace import GATE_KEYS, RECURRENT_KEYS
from lstmviz.engine.windows import recurrent_halves
from lstmviz.errors import LstmvizError

BLOCK_STEPS = 4096


def _record(rec, key):
    """A layer trace's record by key; ``forward/h`` reaches into a Bidirectional."""
    if "/" in key:
        side, key = key.split("/", 1)
        rec = rec.children[side]
    return rec.steps[key] if key in rec.steps else None


def _record_in(part, layer: str, key: str, model=None):
    """Record ``key`` of ``layer`` in trace ``part`` as (batch, steps, units): a recurrent
    layer's (``_record``), or ``OUTPUT_KEY`` of a layer that is not recurrent: its output
    over its steps as the Over time view draws it (``output_ref.over_steps``; a window's
    steps on a long input); None where it has none."""
    rec = part[layer]
    if key == OUTPUT_KEY and not rec.steps and not rec.children:
        model = model if model is not None else getattr(part, "model", None)
        return None if model is None else over_steps(model, part, layer)
    return _record(rec, key)


def output_records(model, inputs) -> list[tuple[str, str]]:
    """``(name, OUTPUT_KEY)`` of each layer whose output has the steps of a long input of
    ``model`` over ``inputs`` (``output_ref.output_layers``: a Conv1D or pooling keeping its
    steps, a Dense or TimeDistributed on the sequence, an Embedding), in the model's order:
    the records of layers that are not recurrent Units at scale ranks beside the recurrent
    ones' (``record_keys``)."""
    return [(name, OUTPUT_KEY) for name in output_layers(model, inputs)]


def records(model, inputs) -> list[tuple[str, str]]:
    """``(layer, key)`` of every record Units at scale lists for ``model`` over ``inputs``
    (one array per model input), in the model's order: each recurrent half's recorded
    states and gates (``forward/h`` inside a Bidirectional) and the output of each layer
    of ``output_records`` (``(name, OUTPUT_KEY)``). The one rule of a long input's windows
    and of an input traced whole (``WholeInput``), so both list the same records."""
    shown = {name for name, _ in output_records(model, inputs)}
    out = []
    for node in model.nodes:
        name = node.layer.name
        if name in shown:
            out.append((name, OUTPUT_KEY))
        for side, rnn in recurrent_halves(node.layer):
            out += [(name, f"{side}/{key}" if side else key) for key in RECURRENT_KEYS[rnn.kind]]
    return out


def output_window(seq, layer: str, row: int, step: int):
    """``(trace, first step, values (steps, units))`` of layer ``layer``'s output
    (``OUTPUT_KEY``) for trace row ``row``, as a sequence's ``record_window`` gives a
    recurrent record: a long input's exact window holding the layer's own step ``step``
    (``window_at`` of the input step it stands for, ``input_step``: a pooling's step 600 is
    input step 1,200; before the pass, its first steps), an input traced whole's ``window``
    steps around it (``start_of``); ``(None, 0, None)`` while there is none."""
    if hasattr(seq, "window_at"):
        trace, _ = seq.window_at(seq.input_step(layer, None, int(step)))
        ref = output_ref(seq.model, trace, layer) if trace is not None else None
        if ref is None:
            return None, 0, None
        return trace, int(ref.rec.start), np.asarray(ref.values[row])
    trace = seq.windowed
    values = over_steps(seq.model, trace, layer) if trace is not None else None
    if values is None:
        return None, 0, None
    a = seq.start_of(step, values.shape[1])
    return trace, a, np.asarray(values[row, a:a + seq.window])


def window_steps(trace, block: int = BLOCK_STEPS, at_once: int = 1) -> int:
    """Steps of each window a ``WindowedTrace`` is read in (``stream``, ``overviews``):
    whole keyframe intervals, at most ``block`` over ``at_once`` windows computed at once,
    and few enough that those windows' records (every record of every layer, of every
    sample: a window steps the whole batch) take at most ``WINDOW_SHARE`` of the trace
    budget together. Blocks of 4,096 steps of a batch of 8 through 2 x LSTM(256) took 1.0
    GB (a summary) and 1.5 GB (the overviews), over the budget, and 4 GB at a batch of 32."""
    from lstmviz.engine.windows import steps_within, trace_budget

    every, at_once = trace.every, max(1, at_once)
    fit = steps_within(trace.model, trace.batch, int(trace_budget() * WINDOW_SHARE) // at_once, every)
    return min(fit, max(every, block // at_once // every * every))


#: The share of the trace budget the windows a long input is read in may take together
#: (``window_steps``): the app's exact window and the cancelled passes kept hold the rest.
WINDOW_SHARE = 0.25

#: Windows ``overviews`` computes at once, at most (on the engine's threads: each steps
#: in NumPy calls that take the interpreter lock back at every step, so more threads than
#: a few wait on each other, and a machine's core count may be far more than its share)
OVERVIEW_AT_ONCE = 4

#: Windows ``stream`` computes at once, at most (on the engine's threads): its blocks are
#: cut for this many whatever the threads, so a record's statistics, merged block by
#: block, are the same numbers on one thread or several.
STREAM_AT_ONCE = 2


def stream(trace, layer: str, key: str, sample=0, block: int = BLOCK_STEPS,
           progress=None, cancel=None, span: tuple[int, int] | None = None):
    """Yields ``(start, array (steps, units))`` of record ``key`` of ``layer`` for one
    sample, in processing order, over the whole sequence (``sample`` a list of rows:
    ``(start, array (rows, steps, units))``, every row's steps of a window at once), or
    over its steps ``span`` = (first, end) alone. A ``WindowedTrace`` is recomputed in
    windows (``window_steps``; ``layer`` and the layers before it), up to
    ``STREAM_AT_ONCE`` of them at once on the engine's threads."""
    if not isinstance(sample, (int, np.integer)):
        sample = list(sample)
    windowed = hasattr(trace, "window")
    if not windowed:
        arr = _record_in(trace, layer, key)
        if arr is None:
            raise LstmvizError(f"layer '{layer}' records no '{key}'")
        first, total = span if span is not None else (0, int(arr.shape[1]))
        for s in range(first, total, block):
            e = min(total, s + block)
            if cancel is not None and cancel():
                raise LstmvizError("cancelled")
            yield s, np.asarray(arr[sample, s:e])
            if progress is not None:
                progress(e, total)
        return
    # (a layer's own steps: fewer after a strided Conv1D or pooling, ``WindowedTrace.steps_of``)
    first, total = span if span is not None else (0, trace.steps_of(layer))
    block = window_steps(trace, block * STREAM_AT_ONCE, STREAM_AT_ONCE)
    at_once = max(1, min(STREAM_AT_ONCE, recurrent.threads()))

    def one(s: int, e: int) -> np.ndarray:  # (steps s..e-1 of the layer's own)
        arr = _record_in(trace.window(s, e, needed=[layer], of=layer), layer, key, trace.model)
        if arr is None:
            raise LstmvizError(f"layer '{layer}' records no '{key}'")
        return np.asarray(arr[sample, :e - s])

    for spans, got in _at_once(total, block, at_once, one, cancel, first):
        for (s, e), arr in zip(spans, got):
            yield s, arr
            if progress is not None:
                progress(e, total)


def _at_once(total: int, block: int, at_once: int, work, cancel=None, first: int = 0):
    """Yields ``(spans, results)`` for the blocks of ``block`` steps of ``first .. total``
    in order, ``at_once`` at a time: each group's ``work(s, e)`` on the engine's threads, a
    cancel checked before each group (``stream``, ``overviews``)."""
    starts = list(range(first, total, block))
    for g in range(0, len(starts), at_once):
        if cancel is not None and cancel():
            raise LstmvizError("cancelled")
        spans = [(s, min(total, s + block)) for s in starts[g:g + at_once]]
        yield spans, recurrent.run_parallel([lambda s=s, e=e: work(s, e) for s, e in spans], pool="overviews")


class Overview:
    """Min and max per bin of a (steps, units) record over ``total`` steps.

    The bins are the same read from either end: bin k of the steps in processing order is
    bin ``bins - 1 - k`` of them read backwards, to the step. A record that runs backwards
    (go_backwards, a Bidirectional's backward half) then shows in input order as its bins
    turned around (``unit_rows``), under the same edges as a forward record's. Edges are
    ``k * total / bins`` rounded half up, with an odd number of bins (a step fewer than asked
    for, where that is even and less than the steps): no edge then falls half-way between
    two steps, where rounding from the two ends would differ."""

    def __init__(self, total: int, units: int, bins: int = 1023):
        self.total = int(total)
        self.bins = self.bins_for(self.total, bins)
        self.lo = np.full((self.bins, units), np.inf, np.float32)
        self.hi = np.full((self.bins, units), -np.inf, np.float32)
        self._levels: tuple[tuple[bool, bool], tuple[float, float]] | None = None

    @staticmethod
    def bins_for(total: int, bins: int = 1023) -> int:
        """The bins of an overview of ``total`` steps asked for ``bins``: at most one a
        step (``total`` of them where there are at most ``bins`` steps: a bin a step, no
        min/max of several), an odd number where fewer."""
        total = int(total)
        bins = max(1, min(int(bins), total))
        return bins - 1 if bins % 2 == 0 and bins < total else bins

    def bin_of(self, step):
        """The bin a step falls in (bins split the steps as evenly as whole steps can):
        the last k whose edge ``(2 k total + bins) // (2 bins)`` is at most the step."""
        return (self.bins * (2 * np.asarray(step, np.int64) + 1) - 1) // (2 * self.total)

    def edges(self) -> np.ndarray:
        """First step of each bin, and ``total`` last: bin k covers edges[k]..edges[k+1]-1
        (``total - edges[bins - k]`` is ``edges[k]``: the same edges from the other end)."""
        k = np.arange(self.bins + 1, dtype=np.int64)
        return (2 * k * self.total + self.bins) // (2 * self.bins)

    def extreme(self) -> np.ndarray:
        """(bins, units): per bin the min or the max, whichever swings further from 0 (what
        one colour per bin shows; a one-step spike stays visible)."""
        return _further(self.lo, self.hi)

    def extreme_of(self, unit: int) -> np.ndarray:
        """(bins,): ``extreme()`` of one unit (its column, without the others')."""
        return _further(self.lo[:, unit], self.hi[:, unit])

    def levels(self, gate: bool, from_zero: bool = False) -> tuple[float, float]:
        """Colour levels of the record over the whole sequence (the exact window takes the
        same, so colours agree): a gate's ``gate_levels``, an output >= 0's 0 .. its largest
        (``from_zero``), else symmetric around 0. Kept until the next ``add``: the views ask
        on every step (a gate's range over 2 x 1023 x 512 numbers took ~1 ms a heatmap at
        each seek)."""
        if self._levels is None or self._levels[0] != (gate, from_zero):
            if gate:
                got = gate_levels(self.lo, self.hi)
            else:
                # (bins no block has reached yet, +-inf, left out: not (-1, 1) half-way)
                m = max(float(np.max(np.abs(a), where=np.isfinite(a), initial=0.0)) for a in (self.lo, self.hi))
                m = m if m > 0 else 1.0
                got = (0.0, m) if from_zero else (-m, m)
            self._levels = ((gate, from_zero), got)
        return self._levels[1]

    def add(self, start: int, values: np.ndarray) -> None:
        """Steps ``start ..`` of the record, ``values (steps, units)``, into their bins.

        Each bin's run of steps is reduced by one call (``np.minimum.reduce`` over its rows):
        NumPy's ``reduceat`` along the steps took 73 ms for 4,096 steps of 2,048 numbers
        (a block of an LSTM(512)'s sums), these calls 3.4, the same numbers."""
        self._levels = None
        values = np.asarray(values, np.float32).reshape(len(values), -1)
        if not len(values):
            return
        bins = self.bin_of(np.arange(start, start + len(values)))
        cuts = np.flatnonzero(np.diff(bins)) + 1
        starts = np.r_[0, cuts]
        lo = np.empty((len(starts), values.shape[1]), np.float32)
        hi = np.empty_like(lo)
        for k, (a, b) in enumerate(zip(starts.tolist(), cuts.tolist() + [len(values)])):
            np.minimum.reduce(values[a:b], axis=0, out=lo[k])
            np.maximum.reduce(values[a:b], axis=0, out=hi[k])
        which = bins[starts]
        self.lo[which] = np.minimum(self.lo[which], lo)
        self.hi[which] = np.maximum(self.hi[which], hi)


def largest(*arrays) -> float:
    """The largest finite magnitude over ``arrays`` (0 where none is finite or they are
    empty): NaN and infinities left out, as the colour levels leave them."""
    m = 0.0
    for a in arrays:
        a = np.asarray(a)
        if a.size:
            ends = _finite_ends(a)
            m = max(m, max(abs(ends[0]), abs(ends[1])) if ends is not None else
                    float(np.max(np.abs(a), where=np.isfinite(a), initial=0.0)))
    return m


def _finite_ends(a: np.ndarray) -> tuple[float, float] | None:
    """The smallest and largest number of a non-empty float array where every number is
    finite (its least and greatest then are: min and max carry a NaN through), else None:
    two reductions and no copy, where the masks the levels need for NaN and infinities made
    an array of flags and a copy (~60-80 us for a 200 x 128 record, ~10 this way)."""
    if a.dtype.kind != "f":
        return None
    lo, hi = float(a.min()), float(a.max())
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else None


def symmetric_levels(*arrays, floor: float = 1e-6) -> tuple[float, float]:
    """(-m, m) with m the largest finite magnitude over ``arrays`` (at least ``floor``): one
    infinite weight had left every other at the floor's 1e-6, the whole matrix in its ends.
    Where every finite number is 0 (a bias of zeros), (-1, 1): the floor's scale had the
    colour bar read "1e-06 ... -1e-06", as if the numbers were of that size."""
    m = largest(*arrays)
    if m == 0.0:
        return (-1.0, 1.0)
    m = max(m, floor)
    return (-m, m)


def from_zero_levels(*arrays, floor: float = 1e-6) -> tuple[float, float]:
    """(0, m) with m the largest finite number over ``arrays`` (at least ``floor``; 1
    where every one is 0): the colour levels of an output whose numbers are all >= 0
    (``output_ref.nonnegative``: a relu's), its sequential map's whole range used."""
    m = largest(*arrays)
    return (0.0, max(m, floor) if m > 0 else 1.0)


def flat_range(lo: float, hi: float, from_zero: bool = False) -> tuple[float, float] | None:
    """The value range to draw a curve of values ``lo`` .. ``hi`` on where it is flat
    (``lo == hi``): 0 .. 1 for one at 0 whose numbers are >= 0 (a relu's output off at
    every step, a gate shut: ``from_zero``), -1 .. 1 for another at 0, a tenth of its size
    either side of any other value; None where it is not flat (or has no finite number):
    the plot's own range of its values. (pyqtgraph keeps the span a plot had for a range
    of nothing: a relu's 0 drew on +-0.03, or on the unit before's span.)"""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi > lo:
        return None
    if lo == 0:
        return (0.0, 1.0) if from_zero else (-1.0, 1.0)
    pad = abs(float(lo)) / 10
    return float(lo) - pad, float(lo) + pad


def gate_levels(*arrays) -> tuple[float, float]:
    """A gate's colour levels: 0..1, what sigmoid and hard_sigmoid give, widened to
    ``arrays``' finite values: a gate a file squashes with relu or linear (its
    ``recurrent_activation``) reaches past 1 or below 0 (a forget gate of 1.578 was drawn
    as 1)."""
    lo, hi = 0.0, 1.0
    for a in arrays:
        a = np.asarray(a)
        ends = _finite_ends(a) if a.size else None
        if ends is None:
            a = a[np.isfinite(a)]
            ends = (float(a.min()), float(a.max())) if a.size else None
        if ends is not None:
            lo, hi = min(lo, ends[0]), max(hi, ends[1])
    return lo, hi


def _further(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Elementwise the one of ``lo`` and ``hi`` that swings further from 0 (``hi`` on a tie)."""
    return np.where(np.abs(hi) >= np.abs(lo), hi, lo)


def fold_rows(values: np.ndarray, k: int) -> np.ndarray:
    """``values`` (steps or bins, units) with every ``k`` neighbouring units as one column:
    of each group, per step, the value that swings furthest from 0 (the rule of ``Overview.
    extreme``, NaN left out where a group has a number), the last group the units left.
    Units at scale draws a heatmap of more rows than its image has pixels so: drawn whole,
    Qt's scaling dropped rows (of 512 units in 105 px, four of five were never drawn)."""
    values = np.asarray(values)
    if k <= 1:
        return values
    steps, units = values.shape
    groups = -(-units // k)
    padded = np.full((steps, groups * k), np.nan, dtype=np.float64)
    padded[:, :units] = values
    blocks = padded.reshape(steps, groups, k)
    pick = np.argmax(_swing(blocks), axis=2)
    out = np.take_along_axis(blocks, pick[..., None], axis=2)[..., 0]
    return out.astype(values.dtype, copy=False)


def folded_row(column: np.ndarray, group: int, k: int) -> int:
    """The row of ``column`` (one step's or bin's values, a row per unit) that
    ``fold_rows(..., k)`` draws as its group ``group``: the one swinging furthest from 0
    (clicked there, the unit seen is the unit picked); ``group`` itself where ``k`` is 1."""
    if k <= 1:
        return group
    block = np.asarray(column, dtype=np.float64)[group * k:(group + 1) * k]
    if block.size == 0:
        return group * k
    return group * k + int(np.argmax(_swing(block)))


def _swing(values: np.ndarray) -> np.ndarray:
    """How far each value swings from 0, a NaN least (picked only where all are): the rule
    ``fold_rows`` draws a group by and ``folded_row`` picks its unit by."""
    return np.where(np.isnan(values), -1.0, np.abs(values))


def record_keys(trace) -> list[tuple[str, str]]:
    """(layer, key) of every per-step record of every recurrent layer of a trace (a
    Bidirectional's as ``forward/h`` ...), in the model's order."""
    out = []
    for name, rec in trace.layers.items():
        halves = [(f"{side}/", child) for side, child in rec.children.items()] if rec.children else [("", rec)]
        for prefix, sub in halves:
            out += [(name, prefix + key) for key in sub.steps if key not in ("x_proj", "h_proj")]
    return out


def input_overview(overviews: dict | None, name: str):
    """The ``Overview`` of the sequence layer ``name`` takes as its input (of the model's
    input, for an InputLayer's name) in ``overviews``, or None."""
    return overviews.get((name, "x")) if overviews else None


def overview_of(overviews: dict | None, name: str, side: str | None, key: str):
    """The ``Overview`` of layer ``name``'s record ``key`` (of its ``side`` half inside a
    Bidirectional) in ``overviews`` (``record_keys``' names), or None."""
    if not overviews:
        return None
    return overviews.get((name, f"{side}/{key}" if side else key))


def overviews(trace, sample: int = 0, bins: int = 511, block: int = BLOCK_STEPS,
              progress=None, cancel=None, model=None) -> dict[tuple[str, str], Overview]:
    """One pass over the whole sequence: the ``Overview`` of every record of every
    recurrent layer (``record_keys``) of one sample, and with the model (``model``, or a
    ``WindowedTrace``'s own) ``(name, "x")``: the sequence each recurrent layer takes as
    its input, and each of the model's inputs (``name`` its InputLayer's), so that the
    views' inputs keep their levels from window to window too (``input_overview``), and
    ``(name, OUTPUT_KEY)``: the output of each layer that is not recurrent over the
    sequence's steps (``output_ref.output_layers``: a TimeDistributed head, a same
    Conv1D; the Over time view draws it so). A ``WindowedTrace`` is recomputed a block
    at a time (each block's window computes every record and every layer's output
    anyway, so all of them cost what one does; nothing is kept of a block but its
    bins)."""
    windowed = hasattr(trace, "window")
    model = model if model is not None else getattr(trace, "model", None)
    total = trace.timesteps if windowed else max(r.timesteps for r in trace.layers.values())
    at_once = min(recurrent.threads(), OVERVIEW_AT_ONCE) if windowed else 1
    if windowed:  # on n threads n windows of a block's n-th each (``window_steps``)
        block = window_steps(trace, block, at_once)
    flipped = {n.layer.name for n in model.nodes if reads_reversed(n.layer)} if model is not None else set()
    outputs = output_layers(model, trace.inputs) if model is not None else {}
    out: dict[tuple[str, str], Overview] = {}

    def work(s: int, e: int) -> list:
        return _block_values(trace, model, s, e, total, sample, flipped, outputs)

    inputs = {r.layer for r in model.inputs} if model is not None else set()
    for spans, got in _at_once(total, block, at_once, work, cancel):
        for items in got:  # (in order: the same overviews on one thread or several)
            for key, start, values in items:
                if key not in out:  # (each layer over its own steps: after a pooling, fewer)
                    own = trace.steps_of(key[0]) if windowed and key[0] not in inputs else total
                    out[key] = Overview(own, values.shape[1], bins)
                out[key].add(start, values)
        if progress is not None:
            progress(spans[-1][1], total)
    return out


def _block_values(trace, model, s: int, e: int, total: int, sample: int, flipped,
                  outputs: dict | None = None) -> list:
    """``overviews``' numbers of steps ``s .. e-1``: ``(key, first step, values (steps,
    units))`` of each record, of each layer's input (``(name, "x")``) and of each layer of
    ``outputs`` (``(name, OUTPUT_KEY)``: its output, its steps on the axis given), a
    ``WindowedTrace``'s window computed here (on one of the engine's threads)."""
    windowed = hasattr(trace, "window")
    part = trace.window(s, e) if windowed else trace

    def first(name: str, key: str = "") -> int:
        """The window's first step of the record: its own after a strided Conv1D or pooling."""
        if not windowed:
            return s
        rec = part[name]
        side = key.split("/", 1)[0] if "/" in key else ""
        return int((rec.children[side] if side else rec).start) if rec.total is not None else s

    def own(name: str) -> int:
        """The window's steps of layer ``name``'s own: fewer after a strided Conv1D or
        pooling, k times as many after an UpSampling1D(k) (``WindowedTrace.steps_for``)."""
        lo, hi = trace.steps_for(name, s, e)
        return hi - lo
    items = []
    # (a recurrent layer computed once by the pass, every window holding its whole record over
    # its own few steps, none of the input's: no overview, ``WindowedTrace.once``)
    keys = [k for k in record_keys(part) if not (windowed and trace.once(k[0]))]
    for layer, key in keys:
        arr = _record(part[layer], key)
        values = np.asarray(arr[sample, :own(layer)] if windowed else arr[sample, s:e])
        items.append(((layer, key), first(layer, key), values))
    for name, axis in (outputs or {}).items():
        y = part[name].output
        # (as ``output_ref`` draws none: a mask's booleans; 4-D: an ONNX op over a recurrent
        # node's Y, its steps on axis 0, as ``output_layers`` lists it)
        if not isinstance(y, np.ndarray) or y.ndim not in (3, 4) or not np.issubdtype(y.dtype, np.floating):
            continue
        y = steps_first_view(y, axis)
        items.append(((name, OUTPUT_KEY), first(name), y[sample, :own(name)] if windowed else y[sample, s:e]))
    if model is not None:
        xs = model_inputs(part) or []
        seqs: list[tuple[str, np.ndarray | None]] = [(r.layer, _batch_major(model, k, x))
                                                     for k, (r, x) in enumerate(zip(model.inputs, xs))]
        seqs += [(name, layer_input(model, part, name)) for name in dict.fromkeys(n for n, _ in keys)]
        for name, x in seqs:
            if x is None or np.ndim(x) != 3:
                continue  # (token ids, or not known)
            values = np.asarray(x[sample, :own(name)] if windowed else x[sample, s:e], np.float32)
            # (a window of a node that reads the input turned around: its steps s..e-1
            # read input steps total-e..total-s-1, which layer_input gives in input order;
            # a layer after a strided Conv1D or pooling: its own steps the window holds)
            at = trace.steps_for(name, s, e)[0] if windowed else s
            items.append(((name, "x"), total - e if windowed and name in flipped else at, values))
    return items


def _batch_major(model, k: int, x):
    """Input ``k`` as (batch, time, ...): a time-major one (an ONNX layout-0 node's) swapped."""
    from lstmviz.engine.windows import input_axes

    return x.transpose(1, 0, 2) if np.ndim(x) == 3 and input_axes(model, k)[0] == 0 else x


def unit_rows(overviews: dict, keys: list, unit: int, backwards=()) -> np.ndarray | None:
    """(len(keys), bins): for each (layer, key) its ``Overview.extreme`` of ``unit``
    (clamped to the record's units), one row per record: the Unrolled view's strip, a
    row per layer as its cells are coloured, in input order (``backwards``: per key, True
    where the record runs backwards: its bins, in processing order, turned around, which
    are its bins of input steps, the same edges as a forward row's: ``Overview``). None
    when a key has no overview."""
    rows = []
    for k, back in zip(keys, list(backwards) + [False] * (len(keys) - len(backwards))):
        ov = overviews.get(k)
        if ov is None:
            return None
        row = ov.extreme_of(max(0, min(int(unit), ov.lo.shape[1] - 1)))
        rows.append(row[::-1] if back else row)
    return np.stack(rows) if rows else None


class UnitStats:
    """Running per-unit statistics of one record over the steps given to ``add``.

    Block by block, each block's count, mean and sum of squared deviations (M2) in float64,
    merged into the running ones (Chan, Golub & LeVeque 1979), and so the co-moment with
    the input feature: a unit that barely moves around a large mean over a long input keeps
    its variance (sum of squares / n - mean², over 100,000 steps, lost it to cancellation,
    or turned it negative)."""

    def __init__(self, units: int, gate: bool, rule: str | None = None, why_not: str = ""):
        self.gate = gate
        #: what a saturated step is (``SATURATED``'s keys; a gate's or a state's by ``gate``
        #: where not given), "" where nothing is counted, ``why_not`` saying why
        #: (``saturation_rule``: a layer's linear output)
        self.rule = rule if rule is not None else ("gate" if gate else "state")
        self.why_not = why_not
        self.n = 0
        self.mean = np.zeros(units)
        self.m2 = np.zeros(units)  # sum of squared deviations from the mean
        self.saturated = np.zeros(units)
        self.nonfinite = np.zeros(units, np.int64)  # steps NaN or infinite
        self.nans = np.zeros(units, np.int64)  # of them NaN
        self.x_mean = 0.0
        self.x_m2 = 0.0
        self.c = np.zeros(units)  # sum of (feature - its mean) * (value - its mean)

    def add(self, values: np.ndarray, feature: np.ndarray | None = None) -> None:
        v = np.asarray(values, np.float64)
        nb = len(v)
        if nb == 0:
            return
        self.nonfinite += (~np.isfinite(v)).sum(axis=0)
        self.nans += np.isnan(v).sum(axis=0)
        mb = v.mean(axis=0)
        d = v - mb
        m2b = (d * d).sum(axis=0)
        if self.rule == "gate":
            self.saturated += ((v < 0.1) | (v > 0.9)).sum(axis=0)
        elif self.rule == "state":
            self.saturated += (np.abs(v) > 0.9).sum(axis=0)
        elif self.rule == "off":
            self.saturated += (v == 0).sum(axis=0)
        na = self.n
        n = na + nb
        w = na * nb / n  # (0 for the first block: the merge is the block itself)
        delta = mb - self.mean
        if feature is not None:
            f = np.asarray(feature, np.float64).reshape(-1)
            fb = f.mean()
            df = f - fb
            dx = fb - self.x_mean
            self.c += df @ d + dx * delta * w
            self.x_m2 += float(df @ df) + dx * dx * w
            self.x_mean += dx * nb / n
        self.m2 += m2b + delta * delta * w
        self.mean += delta * nb / n
        self.n = n

    @property
    def scored(self) -> np.ndarray:
        """(units,) bool: the units whose every value is a number; the others' scores are no
        numbers (a variance of NaN) or say nothing (no step saturated, r 0): ``unscored``
        says why, ``rank_units`` puts them last."""
        return self.nonfinite == 0

    def unscored(self, unit: int, name: str) -> str:
        """Why unit ``unit`` (``name``: 'h[3]') has no scores, "" when it has: NaN (or
        infinite) at every step, or at some."""
        bad, n = int(self.nonfinite[unit]), self.n
        if not bad:
            return ""
        what = "NaN" if int(self.nans[unit]) == bad else "NaN or infinite"
        if bad == n:
            return (f"{name} is {what} at every step: the layer's numbers overflowed (or its "
                    "weights are not numbers); nothing to plot or score")
        return (f"{name} is {what} at {bad:,} of {n:,} steps (the layer's numbers overflowed): "
                "not scored, ranked last")

    @property
    def variance(self):
        return self.m2 / max(1, self.n)

    @property
    def saturates(self) -> bool:
        """Whether a saturated step is counted (``rule``): not of a linear output."""
        return bool(self.rule)

    @property
    def saturation(self):
        """The share of steps saturated (``rule``), NaN where nothing is counted."""
        if not self.saturates:
            return np.full(len(self.saturated), np.nan)
        return self.saturated / max(1, self.n)

    @property
    def correlation(self):
        """Pearson's r of each unit with the feature (0 where either is constant)."""
        n = max(1, self.n)
        den = np.sqrt(self.x_m2 / n * self.variance)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(den > 1e-12, self.c / n / np.where(den > 0, den, 1.0), 0.0)
        return np.clip(r, -1.0, 1.0)


#: what a saturated step is, by ``UnitStats.rule``: a gate's (a sigmoid's or a softmax's
#: output too), a state's (a tanh's), a relu's (its flat side, where no gradient flows)
SATURATED = {
    "gate": "below 0.1 or above 0.9",
    "state": "|value| above 0.9",
    "off": "at 0 (relu's flat side)",
}

#: a layer's output saturates as its activation does (``saturation_rule``)
ACTIVATION_RULES = {"sigmoid": "gate", "hard_sigmoid": "gate", "softmax": "gate",
                    "tanh": "state", "softsign": "state", "relu": "off"}


def _activation_of(model, name: str) -> tuple[str, str | None]:
    """``(layer, activation)``: the layer whose activation layer ``name``'s output is, and
    that activation's name (a Dense's, a Conv1D's, a TimeDistributed's inner layer's, an
    Activation layer's; a pooling's, a Dropout's that of the layer below, whose numbers
    they keep: ``Layer.keeps_sign``); None where none is (an Embedding, a normalization)."""
    nodes = {n.layer.name: n for n in model.nodes}
    seen: set[str] = set()
    while name in nodes and name not in seen:
        seen.add(name)
        node = nodes[name]
        layer = node.layer
        inner = getattr(layer, "inner", None) if layer.class_name == "TimeDistributed" else None
        own = inner if inner is not None else layer
        if getattr(own, "activated", False):
            act = own.config.get("activation")
            return name, act if isinstance(act, str) else None
        if getattr(own, "keeps_sign", False) and len(node.inbound) == 1:
            name = node.inbound[0].layer
            continue
        return name, None
    return name, None


def saturation_rule(model, layer: str, key: str) -> tuple[str, str]:
    """``(rule, why not)`` of record ``key`` of ``layer`` (``UnitStats``' ``rule`` and
    ``why_not``): a recurrent record's by its key (a gate's, a state's); a layer's output
    (``OUTPUT_KEY``) by the activation it is of (``ACTIVATION_RULES``: a sigmoid's or
    softmax's as a gate's, a tanh's as a state's, a relu's the steps it is 0); none of a
    linear output (a Conv1D or Dense of no activation, an Embedding), said in one line."""
    if key != OUTPUT_KEY or model is None:
        return ("gate" if key.rsplit("/", 1)[-1] in GATE_KEYS else "state"), ""
    try:
        below, act = _activation_of(model, layer)
    except Exception:  # (no such layer: as a state, the rule before outputs were ranked)
        return "state", ""
    rule = ACTIVATION_RULES.get(act or "")
    if rule:
        return rule, ""
    what = f"is {act}" if act else "has no activation"
    return "", (f"no saturation: '{below}' {what}, no flat range to count" if below == layer
                else f"no saturation: its numbers are those of '{below}', which {what}, no flat range to count")


def feature_input(model, inputs, layer: str, steps: int) -> tuple[int, np.ndarray] | None:
    """``(k, x)``: the model input ``k`` that ``layer`` reads (``cell_ref.fed_by``: a seq2seq
    decoder its own), batch-major ``(batch, steps, features)``, whose features a unit of it
    is correlated with; None where it reads none of features over its ``steps`` steps
    (token ids, an input of another length: a RepeatVector's decoder)."""
    k = fed_by(model, layer) if model is not None else 0
    if k is None or not inputs or k >= len(inputs):
        return None
    x = _batch_major(model, k, inputs[k]) if model is not None else inputs[k]
    if np.ndim(x) != 3 or np.shape(x)[1] != steps:
        return None
    return k, x


def summarize(trace, layer: str, key: str, sample: int = 0, feature: int | None = None,
              bins: int = 1023, progress=None, cancel=None) -> tuple[Overview, UnitStats]:
    """One pass over the sequence: the record's overview and its units' statistics
    (correlated with feature ``feature`` of the input the layer reads, ``feature_input``,
    at the same processing step)."""
    total, x, backwards = _feature_of(trace, layer, key, feature)
    rule = saturation_rule(getattr(trace, "model", None), layer, key)
    overview: Overview | None = None
    stats: UnitStats | None = None
    for s, arr in stream(trace, layer, key, sample, progress=progress, cancel=cancel):
        if overview is None or stats is None:
            overview = Overview(total, arr.shape[1], bins)
            stats = UnitStats(arr.shape[1], key.rsplit("/", 1)[-1] in GATE_KEYS, *rule)
        f = None
        if x is not None:
            idx = np.arange(s, s + len(arr))
            if backwards:
                idx = total - 1 - idx
            f = np.asarray(x[sample, idx, feature], np.float64)
        overview.add(s, arr)
        stats.add(arr, f)
    if overview is None or stats is None:
        raise LstmvizError(f"layer '{layer}' has no steps to summarize")
    return overview, stats


def _feature_of(trace, layer: str, key: str, feature: int | None):
    """``(total, x, backwards)`` of ``summarize``: the record's steps, the batch-major input
    whose ``feature`` its units are correlated with (None: none), and whether the record
    runs backwards over it (its step t reads input step total-1-t)."""
    windowed = hasattr(trace, "window")
    rec = trace.window(0, 1)[layer] if windowed else trace[layer]
    sub = rec.children[key.split("/", 1)[0]] if "/" in key else rec
    model = getattr(trace, "model", None)
    # (an ONNX node fed through a ReverseSequence reads the input turned around)
    flipped = model is not None and reads_reversed(model.get_layer(layer))
    backwards = bool(sub.go_backwards) != flipped
    if model is not None:  # (after a go_backwards layer, a go_backwards stack's later cell:
        # its own flag False, its step t over input step T-1-t, it was paired with step t)
        backwards ^= reads_turned(model, layer, key.split("/", 1)[0] if "/" in key else None)
    whole = None if windowed else _record_in(trace, layer, key)  # (a layer's output: its own steps)
    total = trace.steps_of(layer) if windowed else int(whole.shape[1]) if whole is not None else rec.timesteps
    fed = feature_input(model, trace.inputs, layer, total)
    x = fed[1] if fed is not None and feature is not None and 0 <= feature < fed[1].shape[2] else None
    return total, x, backwards


def pool(stats: UnitStats | None, trace, layer: str, key: str, rows, feature: int | None = None,
         progress=None, cancel=None) -> UnitStats:
    """``stats`` (None: new ones) with every step of trace rows ``rows`` of the record
    added, each row's steps beside its own input's feature: the statistics of several
    samples pooled, exactly as of their steps concatenated (``UnitStats`` merges blocks in
    any order: variance over every sample's steps, r over the concatenated steps, the
    saturated share of them all). A ``WindowedTrace`` steps every row of a window at once,
    so its rows cost one pass; each row's block is added on its own (float64 copies of one
    row's block at a time, not the batch's)."""
    rows = [int(r) for r in rows]
    total, x, backwards = _feature_of(trace, layer, key, feature)
    gate = key.rsplit("/", 1)[-1] in GATE_KEYS
    rule = saturation_rule(getattr(trace, "model", None), layer, key)
    for s, arr in stream(trace, layer, key, rows, progress=progress, cancel=cancel):
        if stats is None:
            stats = UnitStats(arr.shape[2], gate, *rule)
        idx = np.arange(s, s + arr.shape[1])
        if backwards:
            idx = total - 1 - idx
        for k, row in enumerate(rows):
            f = None if x is None else np.asarray(x[row, idx, feature], np.float64)
            stats.add(arr[k], f)
    if stats is None:
        raise LstmvizError(f"layer '{layer}' has no steps to summarize")
    return stats


RANKINGS = ("variance", "saturation", "correlation")


def rank_units(stats: UnitStats, by: str = "variance", minimum: float | None = None,
               top: int | None = None) -> np.ndarray:
    """Unit indices, most first by ``by`` (correlation by its size, either sign), keeping
    those with a score of at least ``minimum``, and at most ``top`` of them. A unit that is
    NaN or infinite at any step has no score (``UnitStats.scored``): last in every
    ranking (in unit order), and not kept by a ``minimum``."""
    if by not in RANKINGS:
        raise LstmvizError(f"units are ranked by {', '.join(RANKINGS)}, not {by!r}")
    if by == "saturation" and not stats.saturates:
        raise LstmvizError(f"{stats.why_not}: rank its units by variance or correlation")
    score = {"variance": stats.variance, "saturation": stats.saturation,
             "correlation": np.abs(stats.correlation)}[by]
    score = np.where(stats.scored, score, -np.inf)
    order = np.argsort(-score, kind="stable")
    if minimum is not None:
        order = order[score[order] >= minimum]
    return order[:top] if top is not None else order


def crossings(values, threshold: float, direction: str = "up", start: int = 0,
              before: float | None = None) -> np.ndarray:
    """Steps ``t`` (counted from ``start``) where ``values`` crosses ``threshold``: "up"
    (values[t-1] < threshold <= values[t]), "down", or "both". ``before`` is the value
    ahead of ``values[0]`` (a block of a longer sequence); none: step 0 is no crossing."""
    v = np.asarray(values, np.float64).reshape(-1)
    prev = np.r_[np.nan if before is None else before, v[:-1]]
    up = (prev < threshold) & (v >= threshold)
    down = (prev >= threshold) & (v < threshold)
    if direction not in ("up", "down", "both"):
        raise LstmvizError(f"a crossing goes up, down or both, not {direction!r}")
    hit = up if direction == "up" else down if direction == "down" else up | down
    return np.flatnonzero(hit) + start


#: ``find_crossings`` by an overview's bins recomputes the steps of the bins that may hold a
#: crossing where they are at most this share of the sequence (else every step, as without one)
BINNED_SHARE = 0.5


def crossing_spans(overview: Overview, unit: int, threshold: float, every: int = 1):
    """Where ``unit`` may cross ``threshold``, by ``overview``'s exact min and max per bin:
    ``(sides, spans)``, ``sides`` per bin +1 where every step is at least ``threshold``, -1
    where every step is below it, 0 where either may be (a NaN in it too: its min and max
    NaN); ``spans``: the steps ``(first, end)`` of the runs of 0-bins, their ends moved out
    to multiples of ``every`` (a window starts at a keyframe), those that then meet joined.
    A crossing at step t is ``values[t-1]`` and ``values[t]`` on two sides: inside a bin of
    one side there is none, at the first step of such a bin the side of the step before
    says."""
    lo, hi = overview.lo[:, unit], overview.hi[:, unit]
    th = np.float64(threshold)
    sides = np.where(lo.astype(np.float64) >= th, 1, np.where(hi.astype(np.float64) < th, -1, 0))
    edges = overview.edges()
    spans: list[list[int]] = []
    for k in np.flatnonzero(sides == 0).tolist():
        a = int(edges[k]) // every * every
        b = min(overview.total, -(-int(edges[k + 1]) // every) * every)
        if spans and a <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b)
        else:
            spans.append([a, b])
    return sides, [(a, b) for a, b in spans]


def _binned_crossings(trace, layer: str, key: str, unit: int, threshold: float, direction: str,
                      sample, overview: Overview, sides, spans, progress=None,
                      cancel=None) -> np.ndarray | None:
    """``find_crossings`` recomputing only ``spans`` (``crossing_spans``): each bin between
    them stands for its steps by one number of its side (+inf or -inf: compared with the
    threshold as any of its steps), at its first step outside a span; so the same steps as
    a search of every step. None where the record's blocks are not (steps, the overview's
    units)."""
    edges = overview.edges()
    side_value = {1: np.inf, -1: -np.inf}
    found: list[np.ndarray] = []
    before: float | None = None
    todo = max(1, sum(b - a for a, b in spans))
    done = 0

    def gap(p: int, q: int) -> None:  # (steps p..q-1: only bins of one side each)
        nonlocal before
        if p >= q:
            return
        for k in range(int(overview.bin_of(p)), int(overview.bin_of(q - 1)) + 1):
            v = side_value[int(sides[k])]
            found.append(crossings([v], threshold, direction, start=max(int(edges[k]), p), before=before))
            before = v
    p = 0
    for a, b in spans:
        gap(p, a)
        for s, arr in stream(trace, layer, key, sample, cancel=cancel, span=(a, b)):
            if arr.ndim != 2 or arr.shape[1] != overview.lo.shape[1]:
                return None  # (not the overview's units: a 4-D output's, flattened there)
            col = arr[:, unit]
            found.append(crossings(col, threshold, direction, start=s, before=before))
            before = float(col[-1])
            done += len(col)
            if progress is not None:
                progress(done, todo)
        p = b
    gap(p, overview.total)
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def find_crossings(trace, layer: str, key: str, unit: int, threshold: float,
                   direction: str = "up", sample: int = 0, progress=None, cancel=None,
                   seen=None, overview: Overview | None = None) -> np.ndarray:
    """Every step of the sequence where ``unit`` of record ``key`` crosses ``threshold``;
    ``seen(start, values)``: each block of the unit's series as it is read
    (``LongSequence.crossings`` keeps the whole series for the next search). ``overview``:
    the record's ``Overview`` of this sample over the whole sequence (its exact min and
    max per bin): only the bins that may hold a crossing are recomputed
    (``crossing_spans``), where they are at most ``BINNED_SHARE`` of the steps (nothing
    then ``seen``); the same steps."""
    if direction not in ("up", "down", "both"):
        raise LstmvizError(f"a crossing goes up, down or both, not {direction!r}")
    if overview is not None and hasattr(trace, "window") and overview.total == trace.steps_of(layer):
        sides, spans = crossing_spans(overview, unit, threshold, trace.every)
        if sum(b - a for a, b in spans) <= BINNED_SHARE * overview.total:
            got = _binned_crossings(trace, layer, key, unit, threshold, direction, sample, overview,
                                    sides, spans, progress, cancel)
            if got is not None:
                return got
    found, before = [], None
    for s, arr in stream(trace, layer, key, sample, progress=progress, cancel=cancel):
        col = arr[:, unit]
        if seen is not None:
            seen(s, col)
        found.append(crossings(col, threshold, direction, start=s, before=before))
        before = float(col[-1])
    return np.concatenate(found) if found else np.zeros(0, np.int64)
