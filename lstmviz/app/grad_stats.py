"""What the Train tab's gradient views draw, computed without Qt.

All of it is measured on a *probe*: validation samples (the training samples when there
are none) at the run's current weights, and, for comparison, at its initial weights.

- ``dL/dh`` heatmap: ``dL/dh_t`` of one recurrent layer for one probe sample, the gradient
  of that sample's own Keras loss, ``(units, steps)`` in processing order (the engine's
  ``Gradients.steps["dh"]``). ``signed_log`` maps it for a colour scale symmetric around 0
  that spans ``decades`` powers of ten below the largest magnitude.
- Connectivity (Distill's "Memorization in RNNs"): for one sample,
  ``C_t = ||dy_T/dx_t||_F = sqrt(sum_j sum_k (d y_T[j] / d x_t[k])^2)``, the Frobenius norm of
  the Jacobian of the model's output at its last step ``y_T`` (every output unit ``j``; the
  output itself for a model that returns only its last step) with respect to the input
  vector at input step ``t`` (for token ids: the Embedding's output vector at ``t``). Exact:
  one backward pass from ``y_T`` per output unit, run as one batch of copies of the sample.
- Gate saturation (Karpathy, Johnson & Fei-Fei 2015): per unit and per gate squashed by
  ``recurrent_activation`` (LSTM i, f, o; GRU z, r: ``CellKind.gates``), the share of the
  probe's (sample, step) pairs where the gate is below 0.1 and above 0.9, and its mean.
  Masked steps are left out.
- dL/dh and connectivity are inference mode, as ``predict`` computes (``gradients(...,
  training=False)``): a BatchNormalization by its moving statistics (one sample's own
  statistics would be a batch of one); ``ProbeView.mode`` says so where it matters.
- Weight updates per gate block: ``||W_after - W_before|| / ||W_before||`` (Frobenius) for
  each gate block (``CellKind.split``) of kernel, recurrent_kernel and bias, from the
  weights before and after the last update.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstmviz.engine import blas
from lstmviz.engine import layers as L
from lstmviz.engine.cells import CellKind, cell_kind
from lstmviz.engine.gradients import backward, forward, gradients, mode_note
from lstmviz.engine.layers import layer_arrays, model_arrays, weight_trains
from lstmviz.engine.model import Model
from lstmviz.errors import LstmvizError
from lstmviz.text import times

LOW, HIGH = 0.1, 0.9
#: what a probe can compute (the gradient views, one each)
PARTS = ("dh", "connectivity", "gates", "updates")
#: how many probe samples the gate statistics use at most
MAX_GATE_SAMPLES = 64


# -- which recurrent layers ------------------------------------------------------------------
@dataclass(frozen=True)
class RnnRef:
    """A recurrent cell of a model: a layer, a Bidirectional's half or a stacked cell."""

    label: str
    layer: str
    child: str | None
    cell: CellKind
    units: int


def recurrent_layers(model) -> list[RnnRef]:
    out = []
    for layer in model.layers:
        if isinstance(layer, L.Recurrent):
            out.append(RnnRef(layer.name, layer.name, None, layer.cell, int(layer.units)))
        elif isinstance(layer, L.Bidirectional):
            for side in ("forward", "backward"):
                half = getattr(layer, f"{side}_layer")
                out.append(RnnRef(f"{layer.name} / {side}", layer.name, side, half.cell, int(half.units)))
        elif isinstance(layer, L.StackedRNN):
            for k, cell in enumerate(layer.cells):
                kind = cell_kind(cell)
                if kind is not None:
                    out.append(RnnRef(f"{layer.name} / cell {k}", layer.name, f"cell_{k}", kind,
                                      int(cell.units)))
    return out


def inner_layer(model, ref: RnnRef):
    """The engine layer whose weights ``ref`` names."""
    layer = model.get_layer(ref.layer)
    if ref.child in ("forward", "backward"):
        return getattr(layer, f"{ref.child}_layer")
    if ref.child is not None:
        return layer.cells[int(ref.child.split("_")[1])]
    return layer


def ref_frozen(model, ref: RnnRef) -> bool:
    """``ref``'s weights are frozen (``trainable: false``, ``layers.weight_trains``): training
    leaves them where they are."""
    top = model.get_layer(ref.layer)
    held = {id(w) for w in inner_layer(model, ref).weights}
    flags = [t for w, t in zip(layer_arrays(top), weight_trains(top)) if id(w) in held]
    return bool(flags) and not any(flags)


def pick(records: dict, ref: RnnRef):
    """``ref``'s entry in a trace's or a gradients' ``layers`` (its child when a half/cell)."""
    rec = records[ref.layer]
    return rec.children[ref.child] if ref.child is not None else rec


# -- the signed log colour scale -------------------------------------------------------------
def signed_log(a: np.ndarray, decades: float = 4.0) -> tuple[np.ndarray, float]:
    """``(v, m)``: ``m = max|a|`` and ``v = sign(a) * clip(1 + log10(|a| / m) / decades, 0, 1)``
    in [-1, 1]: +-1 is +-m, +-0.5 is +-m * 10^(-decades/2), 0 is ``|a| <= m * 10^-decades``."""
    a = np.asarray(a, np.float64)
    m = float(np.max(np.abs(a))) if a.size else 0.0
    if not (m > 0 and np.isfinite(m)):
        return np.zeros(a.shape), 0.0
    with np.errstate(divide="ignore"):
        mag = 1.0 + np.log10(np.abs(a) / m) / decades
    return np.sign(a) * np.clip(mag, 0.0, 1.0), m


# -- connectivity ----------------------------------------------------------------------------
def _first_embedding(model):
    ref = model.inputs[0]
    for node in model.nodes:
        if isinstance(node.layer, L.Embedding) and any(r.layer == ref.layer for r in node.inbound):
            return node.layer
    return None


def connectivity(model, x) -> np.ndarray:
    """``C_t = ||dy_T/dx_t||_F`` for one sample ``x`` (shape ``(1, T, ...)``), ``(T,)`` in
    input order (see the module docstring). Raises ``LstmvizError`` for a model it does not
    cover (several inputs, token ids not fed to an Embedding, output of rank > 3)."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise LstmvizError("connectivity needs a model with one input and one output")
    x = np.asarray(x)
    if x.shape[0] != 1:
        raise LstmvizError("connectivity is measured on one sample")
    emb = None
    if not np.issubdtype(x.dtype, np.floating):
        emb = _first_embedding(model)
        if emb is None:
            raise LstmvizError("connectivity: integer inputs must feed an Embedding")
    ref = model.outputs[0]
    y = forward(model, x).values[ref.layer][ref.tensor_index]
    if y.ndim not in (2, 3):
        raise LstmvizError(f"connectivity: an output of shape {tuple(y.shape)} has no last step")
    n = y.shape[-1]
    X = np.repeat(x, n, axis=0)
    fw = forward(model, X)
    y = fw.values[ref.layer][ref.tensor_index]
    seed = np.zeros_like(y)
    rows = np.arange(n)
    if y.ndim == 2:
        seed[rows, rows] = 1
    else:
        seed[rows, -1, rows] = 1
    g = backward(model, fw, seed, 0.0)
    # token ids: dL/d(embedded vector) per position, the Embedding's rows before summing
    dx = g.layers[emb.name].sparse[0].values if emb is not None else g.inputs[0]
    assert dx is not None  # a float input has a gradient
    dx = dx.reshape(n, x.shape[1], -1)
    return np.sqrt(np.square(dx, dtype=np.float64).sum(axis=(0, 2)))


# -- gates -----------------------------------------------------------------------------------
@dataclass
class GateStats:
    """One gate of one layer over the probe: per unit its mean and the shares of (sample,
    step) pairs below ``LOW`` and above ``HIGH``."""

    key: str
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def squashed_gates(cell: CellKind) -> tuple[str, ...]:
    """Trace keys of the gates in 0..1 (squashed by ``recurrent_activation``)."""
    return tuple(g.key for g in cell.gates if g.activation == "recurrent_activation")


def gate_stats(rec, cell: CellKind, low: float = LOW, high: float = HIGH) -> dict[str, GateStats]:
    """``rec``: a recurrent layer's trace record. Masked steps are left out."""
    out = {}
    mask = rec.mask
    for key in squashed_gates(cell):
        g = np.asarray(rec.steps[key], np.float64)  # (B, T, u)
        w = np.ones(g.shape[:2]) if mask is None else np.asarray(mask, np.float64)
        n = max(float(w.sum()), 1.0)
        ww = w[..., None]
        out[key] = GateStats(key, (g * ww).sum((0, 1)) / n, ((g < low) * ww).sum((0, 1)) / n,
                             ((g > high) * ww).sum((0, 1)) / n)
    return out


# -- weight updates --------------------------------------------------------------------------
@dataclass
class Block:
    weight: str       # kernel, recurrent_kernel, bias
    letter: str       # the gate's letter ("" for SimpleRNN's one block)
    key: str          # the gate's trace key (its colour)
    delta: float      # ||W_after - W_before||_F over the block
    norm: float       # ||W_before||_F over the block
    ratio: float      # delta / norm (inf when the block was all zeros)


def update_blocks(model, ref: RnnRef, before: list[np.ndarray], after: list[np.ndarray]) -> list[Block]:
    """Per gate block of ``ref``'s weights, the size of the update ``before -> after``
    (both in ``model_arrays(model)`` order)."""
    layer = inner_layer(model, ref)
    arrays = model_arrays(model)
    index = [next(k for k, a in enumerate(arrays) if a is w) for w in layer.weights]
    names = list(layer.weight_names)
    cell, u = ref.cell, ref.units
    b = cell.split({n: np.asarray(before[k], np.float64) for n, k in zip(names, index)}, u)
    a = cell.split({n: np.asarray(after[k], np.float64) for n, k in zip(names, index)}, u)
    out = []
    for name in names:
        for gate in cell.gates:
            key = f"{name}_{gate.letter}" if cell.k > 1 else name
            d = float(np.sqrt(np.sum(np.square(a[key] - b[key]))))
            w = float(np.sqrt(np.sum(np.square(b[key]))))
            out.append(Block(name, gate.letter, gate.key, d, w, d / w if w > 0 else float("inf")))
    return out


# -- the probe ---------------------------------------------------------------------------------
@dataclass
class ProbeView:
    """Everything the gradient views draw, for one layer and one probe sample."""

    refs: list[RnnRef]
    ref: RnnRef | None
    iteration: int
    sample: int
    samples: int
    loss: float = float("nan")
    dh: np.ndarray | None = None             # (units, steps), processing order
    connectivity: np.ndarray | None = None   # (T,), input order
    connectivity0: np.ndarray | None = None  # the same at the initial weights
    connectivity_error: str = ""
    gates: dict[str, GateStats] = field(default_factory=dict)
    gates0: dict[str, GateStats] = field(default_factory=dict)
    gate_samples: int = 0
    updates: list[Block] | None = None       # None before the first update
    kind: str = "validation"                 # the probe samples: "validation", or "training" without any
    # ("": the samples of a model's own inputs, ``train_user.probe_model``)
    #: a training run's probe (its update, update 0's numbers beside it); False: a model's own
    #: at its weights, no run (``train_user.probe_model``: ``lstmviz.picture``), nothing compared
    run: bool = True
    #: the mode the gradients are in, in words, where it matters (``gradients.mode_note``: a
    #: model holding a BatchNormalization); "" for every other model
    mode: str = ""
    #: ``ref``'s weights are frozen (``trainable: false``, ``ref_frozen``): no update moves them
    frozen: bool = False


@dataclass
class ProbeRun:
    """What a probe reads of a run besides its weights: the update they are at, the weights
    before that update (None before the first), the run's initial weights (None: no run, a
    model's own probe, nothing at update 0 to compare with), the probe samples and their
    targets (``probe_samples``; None where no dL/dh is asked for), the loss."""

    iteration: int
    before: list[np.ndarray] | None
    initial: list[np.ndarray] | None
    x: object
    y: np.ndarray | None
    loss: str | None
    kind: str = "validation"  # (``probe_samples``)


def probe_samples(data) -> tuple:
    """(x, y, kind) the probe measures on: the validation samples ("validation"), the
    training samples ("training") when there are none (a validation split of 0)."""
    has_val = len(np.asarray(data.x_val if not isinstance(data.x_val, list) else data.x_val[0]))
    x, y = (data.x_val, data.y_val) if has_val else (data.x_train, data.y_train)
    return x, np.asarray(y), "validation" if has_val else "training"


class Probe:
    """Computes ``ProbeView``s on a model of its own: for a ``TrainingSession`` (``compute``:
    the weights are copied under the session's lock, so training may go on meanwhile), or,
    without one, for weights handed to it (``set_weights`` and ``compute_on``: the training
    process probes the run it plays). On one BLAS thread wherever it runs, so the numbers are
    the same in the window's process and in the training process."""

    def __init__(self, session=None):
        self.session = session
        self._model = None
        self._for = None
        self._initial_cache: dict = {}

    def set_weights(self, model, weights) -> None:
        """Probe ``weights`` (in ``model_arrays`` order) on a copy of ``model`` (made once
        per model; results at the initial weights are kept while it stays the same)."""
        if self._for is not model:
            self._model = Model.from_spec(model.to_spec())
            self._for = model
            self._initial_cache = {}
        for a, w in zip(model_arrays(self._model), weights):
            a[...] = w

    def _sync(self) -> ProbeRun:
        """Copy the session's current weights (and what else is needed) under its lock."""
        s = self.session
        with s.lock:
            model = s.model
            self.set_weights(model, model_arrays(model))
            before = getattr(s, "before_last", None)
            before = None if before is None else [a.copy() for a in before]
            x, y, kind = probe_samples(s.data)
            return ProbeRun(s.iteration, before, [a.copy() for a in s.initial], x, y, s.loss, kind)

    def compute(self, layer: int = 0, sample: int = 0, parts: tuple[str, ...] = PARTS) -> ProbeView:
        """The views' numbers for recurrent layer ``layer`` (index into ``recurrent_layers``)
        and probe sample ``sample``; only ``parts`` (of ``PARTS``) are computed, the rest
        stay None / empty."""
        return self.compute_on(self._sync(), layer, sample, parts)

    def compute_on(self, run: ProbeRun, layer: int = 0, sample: int = 0,
                   parts: tuple[str, ...] = PARTS) -> ProbeView:
        """``compute`` at the weights last set (``set_weights``), of ``run``."""
        # weights that overflowed (a run stopped on its infinite loss) give infinities and
        # NaNs here too: the views say so, NumPy's warnings stay off the terminal
        # (errstate is this thread's); exceptions pass as ever
        with blas.single_threaded(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._compute(run, layer, sample, parts)

    def _compute(self, run: ProbeRun, layer: int, sample: int, parts: tuple[str, ...]) -> ProbeView:
        iteration, before, initial, x, y, loss = run.iteration, run.before, run.initial, run.x, run.y, run.loss
        model = self._model
        refs = recurrent_layers(model)
        n = int(np.asarray(x).shape[0])
        sample = int(min(max(sample, 0), max(n - 1, 0)))
        layer = min(max(layer, 0), max(len(refs) - 1, 0))
        ref = refs[layer] if refs else None
        view = ProbeView(refs, ref, iteration, sample, n, kind=run.kind, run=initial is not None,
                         frozen=ref is not None and ref_frozen(model, ref))
        if n == 0:
            return view
        xs = np.asarray(x)[sample:sample + 1]
        xg = np.asarray(x)[:MAX_GATE_SAMPLES]
        if "dh" in parts:
            if y is None or loss is None:
                raise LstmvizError("dL/dh needs the targets and the loss")
            # inference mode, as predict computes: one sample's own loss (a BatchNormalization by
            # its moving statistics, not by a batch of one sample's)
            g = gradients(model, xs, y[sample:sample + 1], loss, training=False)
            view.loss = g.loss
            view.mode = mode_note(model, False)
            if ref is not None:
                view.dh = np.asarray(pick(g.layers, ref).steps["dh"][0], np.float64).T
        if "connectivity" in parts:
            try:
                view.connectivity = connectivity(model, xs)
            except LstmvizError as err:
                view.connectivity_error = str(err)
            key = ("connectivity", sample)
            if initial is not None and key not in self._initial_cache:
                self._initial_cache[key] = self._at_initial(initial, lambda m: _connectivity_or_none(m, xs))
            view.connectivity0 = self._initial_cache[key] if initial is not None else None
        if "gates" in parts and ref is not None:
            view.gate_samples = int(xg.shape[0])
            view.gates = gate_stats(pick(model.trace(xg).layers, ref), ref.cell)
            key = ("gates", layer)
            if initial is not None and key not in self._initial_cache:
                self._initial_cache[key] = self._at_initial(
                    initial, lambda m: gate_stats(pick(m.trace(xg).layers, ref), ref.cell))
            view.gates0 = self._initial_cache[key] if initial is not None else {}
        if "updates" in parts and ref is not None and before is not None:
            view.updates = update_blocks(model, ref, before, model_arrays(model))
        return view

    def _at_initial(self, initial, fn):
        """``fn(model)`` at the run's initial weights (then the current weights back)."""
        arrays = model_arrays(self._model)
        now = [a.copy() for a in arrays]
        try:
            for a, w in zip(arrays, initial):
                a[...] = w
            return fn(self._model)
        finally:
            for a, w in zip(arrays, now):
                a[...] = w


def _connectivity_or_none(model, x):
    try:
        return connectivity(model, x)
    except LstmvizError:
        return None


# -- numbers the lesson quotes -------------------------------------------------------------------
def forget_facts(view: ProbeView) -> dict:
    """The forget gate (LSTM ``f``, GRU ``z``: the gate whose role is "keep") now and at the
    start: its mean over units (``f_start``, ``f_now``), how many units' means rose
    (``f_rose``), the unit whose mean is highest now (``f_unit``: its mean now and at the
    start, its share of steps above ``HIGH``); the input step the output depends on most
    (``conn_peak``, with ``conn_ratio`` its connectivity over the median step's) now and at
    the initial weights (``conn0_peak``)."""
    out: dict[str, object] = {"f_start": "?", "f_now": "?", "f_unit": "?", "f_unit_now": "?", "f_unit_start": "?",
           "f_high": "?", "f_rose": "?", "units": "?", "conn_peak": "?", "conn_ratio": "?",
           "conn0_peak": "?"}
    if view.ref is None:
        return out
    keep = next((g.key for g in view.ref.cell.gates if g.role == "keep"), None)
    if keep not in view.gates or keep not in view.gates0:
        return out
    now, start = view.gates[keep], view.gates0[keep]
    top = int(np.argmax(now.mean))
    out.update(f_start=f"{start.mean.mean():.2f}", f_now=f"{now.mean.mean():.2f}", f_unit=top,
               f_unit_now=f"{now.mean[top]:.2f}", f_unit_start=f"{start.mean[top]:.2f}",
               f_high=f"{100 * now.high[top]:.0f}%", f_rose=int(np.sum(now.mean > start.mean)),
               units=view.ref.units)
    c, c0 = view.connectivity, view.connectivity0
    if c is not None and len(c) > 1 and c.max() > 0:
        peak = int(np.argmax(c))
        out.update(conn_peak=peak, conn_ratio=times(c[peak] / np.median(c)))
    if c0 is not None and len(c0) and c0.max() > 0:
        out.update(conn0_peak=int(np.argmax(c0)))
    return out
