"""The Train tab's state, without Qt: a training run on a built-in task (or the user's model
and data) that can be played, paused, stepped one update at a time and reset to the same
initial weights, with the histories the tab draws.

``TrainingSession.step()`` runs one update (the engine's ``Trainer``: forward, backward
through time, optimizer) and records the batch loss, the validation loss at each epoch's
end, the global gradient norm, and the per-step gradient norms of the first recurrent
layer: ``||dL/dh_t||`` and ``||dL/dc_t||`` (LSTM), the L2 norm over units averaged over the
batch, in processing order (vanishing or exploding gradients seen directly). Every
``snapshot_every`` updates it keeps a copy of the weights, within a budget (a quarter of
the memory limit, ``limits.snapshot_budget``): beyond it the older ones are thinned (every
2nd, then every 4th, ... kept: ``snapshot_stride``), the first, the latest and those where
the run stopped kept, so the snapshots still span the run (``snapshot_note`` says so). A
snapshot kept is the weights at its update, to the bit. A worker thread may call
``step()`` while the UI thread reads ``view()``: ``lock`` serialises the runs' operations
(an update, reset, configure) and is held for a whole update; what the tab reads (history,
snapshots, progress) is guarded by a second lock held only to record or copy it, so the
UI thread never waits for an update to finish (the window keeps its frame rate).

An update is ``advance()``: the engine's step and the ``Record`` of what it adds to what the
tab reads. ``step()`` runs it here; the Train tab plays a run in a training process
(``app/train_process.py``), which runs ``advance()`` on a copy of the run and sends the
records back: ``apply_records`` puts them and the new weights on this session (records of a
run since reset or reconfigured are dropped: ``generation``), ``load_trainer_state`` takes
the run's position back when it pauses, so everything that reads the session reads it as if
it had trained here.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass, field

import numpy as np

from lstmviz import limits
from lstmviz.app import tasks as T
from lstmviz.engine import blas
from lstmviz.engine import layers as L
from lstmviz.engine.cells import cell_kind
from lstmviz.engine.compiled import compiled_metrics, restore
from lstmviz.engine.layers import model_arrays
from lstmviz.engine.metrics import Metric, auc, given
from lstmviz.engine.model import Model
from lstmviz.engine.optimizers import make
from lstmviz.engine.train import Trainer, Update, evaluate, overflowed
from lstmviz.errors import LstmvizError
from lstmviz.limits import fmt_bytes, snapshot_budget
from lstmviz.text import plural, safe_name

#: the metric kinds whose values lie in 0..1 (``engine.metrics.KINDS``' values)
WITHIN_ONE = ("binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
              "sparse_top_k_categorical_accuracy", "precision", "recall")
#: the share of the snapshots' budget one message from the training process may carry
#: (``TrainingSession.in_flight_most``); two of them are kept room for
IN_FLIGHT_SHARE = 1 / 16


@dataclass
class Settings:
    task: str = "delay"
    cell: str = "LSTM"
    units: int | None = None          # None: the task's suggestion
    steps: int | None = None
    optimizer: str = "adam"
    learning_rate: float | None = None
    #: the optimizer's settings besides its learning rate (a compiled model's: rho, clipnorm, ...)
    optimizer_options: dict | None = None
    batch_size: int | None = None
    epochs: int | None = None
    seed: int = 0
    shuffle: bool = True


@dataclass
class History:
    iterations: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)            # per update (the batch's)
    grad_norm: list[float] = field(default_factory=list)       # per update
    epoch_iterations: list[int] = field(default_factory=list)  # the update ending each epoch
    epoch_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    #: the compiled metrics of each finished epoch by their Keras names (``{"accuracy": 0.8}``,
    #: Keras' History's per epoch; ``{}`` for a run without metrics), and of its validation
    epoch_metrics: list[dict[str, float]] = field(default_factory=list)
    val_metrics: list[dict[str, float]] = field(default_factory=list)


@dataclass
class View:
    """A consistent copy of what the tab draws."""

    history: History
    dh_norm: np.ndarray | None
    dc_norm: np.ndarray | None
    iteration: int
    epoch: int
    epochs: int
    batches_per_epoch: int
    samples: int
    batch_size: int
    done: bool
    learning_rate: float
    generation: int = 0
    start: int = 0        # ``history`` holds the updates from this one on (``view(since=...)``)
    epoch_start: int = 0  # and the epochs from this one on

    @property
    def epoch_shown(self) -> int:
        """The epoch (1-based) the last update ran in, as Keras counts "Epoch 2/20" from the
        first batch of the second epoch on: after 8 updates of 8 per epoch, 1 (the first
        epoch done, the second not begun); 1 before the first update."""
        return min(max(1, -(-self.iteration // max(1, self.batches_per_epoch))), self.epochs)

    @property
    def since(self) -> tuple[int, int, int]:
        """What a caller holds after this view: ``view(since=...)`` copies only what follows."""
        return (self.generation, self.start + len(self.history.iterations),
                self.epoch_start + len(self.history.epoch_iterations))


@dataclass
class Record:
    """What one update adds to what the tab reads, made where the update ran (here, or in
    the training process, which sends it back)."""

    iteration: int
    loss: float
    grad_norm: float
    epoch_end: bool
    epoch_loss: float
    val_loss: float | None            # at an epoch's end, when there are validation samples
    dh_norm: np.ndarray | None
    dc_norm: np.ndarray | None
    learning_rate: float              # the rate this update ran with
    progress: tuple                   # ``read_progress`` after it
    snapshot: list[np.ndarray] | None  # the weights after it, when a snapshot was due
    #: the compiled metrics over the epoch so far (``Update.metrics``: at an epoch's end,
    #: Keras' History's), and the validation's at an epoch's end (None: no validation samples)
    metrics: dict[str, float] = field(default_factory=dict)
    val_metrics: dict[str, float] | None = None


def read_progress(trainer: Trainer) -> tuple:
    """(updates done, epoch, epochs, batches per epoch, samples, batch size, done)."""
    tr = trainer
    return (tr.optimizer.iterations, tr.epoch, tr.epochs, tr.batches_per_epoch, tr.n, tr.batch_size,
            tr.done)


def advance(model: Model, trainer: Trainer, data: T.Data, loss: str, snapshot_every: int) -> tuple[Update, Record]:
    """One update of ``trainer`` (on ``model``, in place) and its ``Record``: the per-step
    gradient norms of the first recurrent layer, the validation loss at an epoch's end, a
    copy of the weights every ``snapshot_every`` updates.

    On one BLAS thread, wherever it runs: the training process then leaves the window's
    process a core of its own on a two-core machine, and an update gives the same bits in
    the window (a lesson's steps, One update) and in the training process (a BLAS pool of
    another size rounds some products differently). Floating-point overflow in it is no
    warning: a loss that overflows stops the run (``blew_up``)."""
    rate = trainer.optimizer.current_rate()  # (a schedule's rate for this update)
    val_metrics = None
    # A run that diverges overflows float32 on its way to a loss that is no longer a number:
    # ``blew_up`` stops it there and the tab says why, so NumPy's overflow warnings (printed
    # by the window's or the training process's terminal) say nothing more. Only here, for
    # this update's arithmetic (errstate is this thread's): exceptions pass as ever.
    with blas.single_threaded(), np.errstate(over="ignore", invalid="ignore"):
        upd = trainer.step()
        val = None
        if upd.epoch_end and len(data.x_val):
            tracker = trainer.metrics.fresh()  # (Keras' val_ metrics: the same batches)
            val = evaluate(model, data.x_val, data.y_val, loss, trainer.batch_size, tracker)  # (in batches)
            val_metrics = tracker.result() if tracker.metrics else {}
        name, child = _first_rnn(model)
        dh, dc = step_norms(upd.grads, name, child)
    snap = None
    if snapshot_every and upd.iteration % snapshot_every == 0:
        snap = [a.copy() for a in model_arrays(model)]
    return upd, Record(upd.iteration, upd.loss, upd.grad_norm, upd.epoch_end, upd.epoch_loss, val, dh, dc,
                       rate, read_progress(trainer), snap, dict(upd.metrics), val_metrics)


def blew_up(record: Record, optimizer: str) -> str:
    """Why a run must stop after ``record`` ("" when it need not): its loss or gradient is
    no longer a number (the weights overflowed; every update after it is NaN too)."""
    bad = overflowed(record.loss, record.grad_norm)
    if bad is None:
        return ""
    what, value = bad
    return (f"training stopped: the {what} became {value} at update {record.iteration}: the weights "
            f"overflowed (learning rate {record.learning_rate:g} with {optimizer}). Reset, lower the "
            "learning rate and play again")


@dataclass
class Mark:
    """Where a session was (``TrainingSession.mark``), to go back to (``rollback``)."""

    generation: int
    weights: list[np.ndarray]
    lengths: tuple[int, ...]
    learning_rates: int
    progress: tuple
    norms: tuple
    before_last: list[np.ndarray] | None


_sessions = itertools.count(1)


def _first_rnn(model):
    """(layer, child) of the first recurrent cell: a layer, a Bidirectional's forward half,
    or the first cell of an RNN of stacked cells (as the gradient views name it)."""
    for layer in model.layers:
        if isinstance(layer, L.Recurrent):
            return layer.name, None
        if isinstance(layer, L.Bidirectional):
            return layer.name, "forward"
        if isinstance(layer, L.StackedRNN):
            for k, cell in enumerate(layer.cells):
                if cell_kind(cell) is not None:
                    return layer.name, f"cell_{k}"
    return None, None


def thinned(snapshots: list, stride: int, keep: set[int]) -> list:
    """``snapshots`` (``(update, weights)`` in order) with one per ``stride`` updates: the
    first of each span ``[k * stride, (k + 1) * stride)`` (``k * stride`` itself where the
    snapshots were a finer grid of it), and the first, the last and the updates in ``keep``
    (where the run stopped) whatever their span."""
    out = []
    prev = None
    last = len(snapshots) - 1
    for i, (it, arrays) in enumerate(snapshots):
        span = it // stride
        if i == 0 or i == last or span != prev or it in keep:
            out.append((it, arrays))
        prev = span
    return out


def step_norms(grads, name, child=None):
    """(||dL/dh_t||, ||dL/dc_t|| or None) per step: L2 over units, mean over the batch."""
    if name is None:
        return None, None
    rec = grads.layers[name]
    if child:
        rec = rec.children[child]
    out = []
    for key in ("dh", "dc"):
        a = rec.steps.get(key)
        out.append(None if a is None else np.sqrt(np.square(a, dtype=np.float64).sum(-1)).mean(0))
    return out[0], out[1]


class TrainingSession:
    def __init__(self, settings: Settings | None = None, snapshot_every: int = 10,
                 model=None, data: T.Data | None = None, loss: str | None = None):
        self.lock = threading.RLock()
        self.data_lock = threading.RLock()  # history, snapshots, progress: held briefly
        #: which run (reset and configure start another): records of an older one are dropped
        self.generation = 0
        #: (this session, its configuration): the training process keeps the model and data
        #: it was sent under this key, and is sent them again only when it changes
        self.key = (next(_sessions), 0)
        self.snapshot_every = int(snapshot_every)
        self._user: tuple[Model, T.Data, str] | None = None
        if model is not None:
            if data is None or loss is None:
                raise LstmvizError("a model to train needs its data and its loss")
            self._user = (model, data, loss)
        self.data: T.Data
        self.loss: str
        self.configure(settings or Settings())

    # -- setting up ---------------------------------------------------------------------
    def configure(self, settings: Settings) -> None:
        """A new run: the model and data from the settings (a task) or the user's, fresh
        initial weights from the seed."""
        with self.lock:
            self.settings = settings
            if self._user is not None:
                self.model, self.data, self.loss = self._user
                self.task = None
                initial: list[np.ndarray] | None = getattr(self, "initial", None)
                if initial is not None:  # a new run starts where the first did
                    for a, w in zip(model_arrays(self.model), initial):
                        a[...] = w
            else:
                task = T.get(settings.task)
                self.task = task
                self.data = task.data(steps=settings.steps, seed=settings.seed)
                self.model = task.model(units=settings.units, cell=settings.cell,
                                        steps=settings.steps, seed=settings.seed)
                self.loss = task.loss
            self.initial = [a.copy() for a in model_arrays(self.model)]
            #: the bytes of one snapshot (every one is a copy of the same arrays)
            self.snapshot_nbytes = sum(int(a.nbytes) for a in self.initial)
            self.key = (self.key[0], self.key[1] + 1)
            self._new_trainer()

    def _default(self, key, fallback):
        value = getattr(self.settings, key)
        if value is not None:
            return value
        return getattr(self.task, key) if self.task is not None else fallback

    def compiled_metrics(self) -> list[Metric]:
        """The metrics the run computes, as ``lstmviz.fit`` computes them: those the user's
        model was compiled with that lstmviz computes (``engine.compiled.compiled_metrics``),
        a task's own (``Task.metrics``: accuracy for the classification tasks)."""
        if self._user is not None:
            return compiled_metrics(self.model)
        return given(list(self.task.metrics)) if self.task is not None else []

    def metric_names(self) -> list[str]:
        """The run's metrics by their Keras names (its History's keys besides the loss)."""
        return [m.name for m in self.trainer.metrics.metrics]

    def metrics_within_one(self) -> bool:
        """Every metric of the run lies in 0..1 (accuracies, precision, recall, an AUC but a
        PR-gain one's, which can be below 0): the Train tab's metric axis is then 0 to 1, not
        a frame around the values."""
        return all(m.kind in WITHIN_ONE or (m.kind == "auc" and auc(m)["curve"] != "PRGAIN")
                   for m in self.trainer.metrics.metrics)

    def _new_trainer(self) -> None:
        s = self.settings
        lr = self._default("learning_rate", None)
        opt = make(s.optimizer, lr, **(s.optimizer_options or {}))
        #: the updates of the optimizer state the user's model's file saved, which this run's
        #: optimizer goes on from (``engine.compiled.restore``: its compiled optimizer, the
        #: file's weights), 0 where it starts afresh; ``resume_note``: why a saved one is not taken
        self.resumed, self.resume_note = restore(opt, self.model) if self._user is not None else (0, "")
        self.trainer = Trainer(self.model, self.data.x_train, self.data.y_train, self.loss, opt,
                               self._default("batch_size", 32), self._default("epochs", 20),
                               s.shuffle, s.seed, metrics=self.compiled_metrics())
        with self.data_lock:
            self.generation += 1
            self.history = History()
            #: (update, weights) in order; the first is the initial weights' arrays (never
            #: written: no second copy of them). Replaced, not changed in place, when thinned,
            #: so a reader holding the list reads one consistent list.
            self.snapshots: list[tuple[int, list[np.ndarray]]] = [(0, self.initial)]
            #: the updates where the run stopped (``keep_current``): kept when thinning
            self._stops: set[int] = set()
            #: the snapshots' spacing thinning has reached (0: never thinned); see ``snapshot_stride``
            self._thin_stride = 0
            self.dh_norm: np.ndarray | None = None
            self.dc_norm: np.ndarray | None = None
            #: the weights before the last update (the gradient views' update sizes)
            self.before_last: list[np.ndarray] | None = None
            #: (first update, rate) for each learning rate the run used, in order
            self.learning_rates: list[tuple[int, float]] = []
            #: (update, why) the run cannot go on, None while it can: its loss became NaN (``blew_up``)
            self.blown: tuple[int, str] | None = None
            self._progress = read_progress(self.trainer)

    @property
    def run_id(self) -> tuple[int, int]:
        """Which run this is: the session and its generation (Reset and a new configuration
        start another); what a training snapshot shown in the views is of (``ShownWeights``)."""
        return (int(self.key[0]), int(self.generation))

    @property
    def planned_updates(self) -> int:
        """The updates the run makes in all: its epochs times the updates of each (as the
        Train tab's header says "update 5 / 160")."""
        with self.data_lock:
            progress = self._progress
        return int(progress[2]) * int(progress[3])

    def reset(self) -> None:
        """Back to the same initial weights and an untouched optimizer."""
        with self.lock:
            for a, w in zip(model_arrays(self.model), self.initial):
                a[...] = w
            self._new_trainer()

    def keep_current(self) -> None:
        """A snapshot of the weights where the run stopped (paused, finished, after One
        update), unless one was kept there: "Put on the stack" and the views' scrubbing then
        reach the weights trained last, not only those of every ``snapshot_every``-th update
        (after 3 updates of a run snapshotted every 10 they gave the initial weights)."""
        with self.lock:  # (no update under way)
            with self.data_lock:
                if self.snapshots[-1][0] < self.iteration:
                    self.snapshots.append((self.iteration, [a.copy() for a in model_arrays(self.model)]))
                    self._stops.add(self.iteration)
                    self._within_budget()

    # -- the snapshots' memory ------------------------------------------------------------
    @property
    def snapshot_stride(self) -> int:
        """Every how many updates a snapshot is kept now: ``snapshot_every``, or where the
        snapshots were thinned (``limits.snapshot_budget``) the least multiple of it that is
        as far apart as they are. Training (here or in the training process) copies the
        weights at its multiples only."""
        every = max(1, int(self.snapshot_every))
        return every * max(1, -(-self._thin_stride // every))

    def snapshot_bytes(self) -> int:
        """The bytes the snapshots hold (each array once)."""
        with self.data_lock:
            seen = {id(a): int(a.nbytes) for _, arrays in self.snapshots for a in arrays}
            return sum(seen.values())

    def in_flight_most(self) -> int:
        """How many snapshots one message from the training process carries at most
        (``IN_FLIGHT_SHARE`` of the budget, one at least): the child sends its records
        early when they hold that many (``train_process._play``). At most two such messages
        are on their way at once (one the window reads, one the child writes: it waits for
        the pipe meanwhile), and ``snapshots_most`` leaves them room: a tiny model's quick
        updates sent 29 snapshots a message where its budget held 10."""
        return max(1, int(snapshot_budget() * IN_FLIGHT_SHARE) // max(1, self.snapshot_nbytes))

    def snapshots_most(self) -> int:
        """How many snapshots the budget holds (the first and the latest whatever it is),
        beside the room of those on their way from the training process (``in_flight_most``,
        kept free wherever the run trains, so that its snapshots are the same here and there)."""
        return max(2, snapshot_budget() // max(1, self.snapshot_nbytes) - 2 * self.in_flight_most())

    def snapshot_note(self) -> str:
        """What thinning did to the snapshots ("" while every one due is kept): 'snapshots
        kept every 8 updates (not every 1) to stay within 512 MB, a quarter of the memory
        limit: ...'."""
        every, stride = max(1, int(self.snapshot_every)), self.snapshot_stride
        if not self._thin_stride or stride <= every:
            return ""
        share = {0.25: "a quarter", 0.5: "half"}.get(limits.SNAPSHOT_SHARE, f"{limits.SNAPSHOT_SHARE:.0%}")
        return (f"snapshots kept every {plural(stride, 'update')} (not every {every}): "
                f"{plural(self.snapshots_most(), 'snapshot')} of {fmt_bytes(self.snapshot_nbytes)} and "
                f"room for {2 * self.in_flight_most()} on their way from the training process fill "
                f"{fmt_bytes(snapshot_budget())}, {share} of the memory limit, so older ones were "
                "thinned; the first, the latest and those where the run stopped are kept (a larger "
                "memory limit keeps more: File > Memory limit)")

    def _within_budget(self) -> None:
        """Thin the snapshots (under ``data_lock``) until they fit the budget: every 2nd kept,
        then every 4th, ..., the first, the latest and where the run stopped kept (these too
        thinned when they alone would fill more than half of it)."""
        most = self.snapshots_most()
        snaps = self.snapshots
        if len(snaps) <= most:
            return
        keep = self._stops if len(self._stops) <= (most - 2) // 2 else set()
        stride = self.snapshot_stride
        while len(snaps) > most:
            stride *= 2
            snaps = thinned(snaps, stride, keep)
        self._thin_stride = stride
        self._stops = {it for it, _ in snaps} & self._stops
        self.snapshots = snaps

    def schedule_words(self) -> str:
        """The run's learning-rate schedule in words (a compiled model's: each update's rate
        is the schedule's, ``engine.schedules``), "" where its rate is one number."""
        schedule = getattr(self.trainer.optimizer, "schedule", None)
        return schedule.words() if schedule is not None else ""

    def set_learning_rate(self, lr: float) -> None:
        if not (lr > 0 and math.isfinite(lr)):
            raise LstmvizError(f"the learning rate must be a positive number, got {lr}")
        scheduled = self.schedule_words()
        if scheduled:  # (Keras refuses setting it too: the schedule gives every update's rate)
            raise LstmvizError(f"the learning rate follows the compiled schedule ({scheduled}); pick another "
                               "optimizer to set a rate of your own")
        with self.data_lock:  # taken at the next update; never waits for this one
            self.settings.learning_rate = float(lr)
            self.trainer.optimizer.learning_rate = float(lr)

    def set_epochs(self, epochs: int) -> int:
        """The run's length, the run kept (its weights, optimizer, history): more epochs
        continue it, fewer than it has begun give it the epochs begun (one at an epoch's
        end is finished there, one within an epoch finishes that epoch: "update 11 / 8",
        "epoch 1/1" after 11 updates of 8 per epoch agreed with nothing). Returns the
        epochs set. Not while it plays elsewhere (the training process hands its state back
        on pause, epochs included)."""
        if int(epochs) < 1:
            raise LstmvizError(f"epochs must be at least 1, got {epochs}")
        with self.lock:
            tr = self.trainer
            epochs = max(int(epochs), tr.epoch + (1 if tr.batch else 0))
            self.settings.epochs = epochs
            tr.epochs = epochs
            with self.data_lock:
                self._progress = read_progress(self.trainer)
        return epochs

    # -- running ------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        """The run is finished (as the last update recorded says, wherever it ran)."""
        return bool(self._progress[6])

    @property
    def stopped(self) -> str:
        """Why the run cannot go on before it is finished ("" while it can): its loss or
        gradient became NaN or infinite (``blew_up``); Reset starts it again."""
        blown = self.blown
        return blown[1] if blown is not None else ""

    @property
    def halted(self) -> bool:
        """No update can follow: finished, or ``stopped``."""
        return self.done or self.blown is not None

    @property
    def iteration(self) -> int:
        """Updates recorded so far (wherever they ran)."""
        return int(self._progress[0])

    def step(self) -> Update | None:
        """One update; returns the engine's ``Update`` (None when the run is finished)."""
        with self.lock:
            if self.trainer.done or self.blown is not None:
                return None
            before = [a.copy() for a in model_arrays(self.model)]
            upd, rec = advance(self.model, self.trainer, self.data, self.loss, self.snapshot_stride)
            self._record([rec], before)
            return upd

    def _record(self, records: list[Record], before: list[np.ndarray] | None) -> None:
        with self.data_lock:  # what the tab reads, recorded at once
            h = self.history
            for rec in records:
                h.iterations.append(rec.iteration)
                h.loss.append(rec.loss)
                h.grad_norm.append(rec.grad_norm)
                if rec.epoch_end:
                    h.epoch_iterations.append(rec.iteration)
                    h.epoch_loss.append(rec.epoch_loss)
                    h.epoch_metrics.append(dict(rec.metrics))
                    if rec.val_loss is not None:
                        h.val_loss.append(rec.val_loss)
                        h.val_metrics.append(dict(rec.val_metrics or {}))
                if rec.snapshot is not None and (not self._thin_stride or rec.iteration % self.snapshot_stride == 0):
                    # (one copied at the spacing before thinning, by the training process, is not kept)
                    self.snapshots.append((rec.iteration, rec.snapshot))
                    self._within_budget()
                if not self.learning_rates or self.learning_rates[-1][1] != rec.learning_rate:
                    self.learning_rates.append((rec.iteration, rec.learning_rate))
                why = blew_up(rec, self.settings.optimizer) if self.blown is None else ""
                if why:
                    self.blown = (rec.iteration, why)
            if records:
                last = records[-1]
                self.dh_norm, self.dc_norm = last.dh_norm, last.dc_norm
                self._progress = last.progress
                self.before_last = before

    # -- a run played elsewhere (app/train_process.py) ---------------------------------
    def apply_records(self, generation: int, records: list[Record], before: list[np.ndarray],
                      after: list[np.ndarray]) -> bool:
        """Updates run elsewhere on a copy of this run: their records, and ``after`` (the
        weights after the last of them; ``before``: before it) into this model's arrays.
        False (nothing changed) when the run has been reset or reconfigured since."""
        with self.lock:
            if generation != self.generation:
                return False
            for a, w in zip(model_arrays(self.model), after):
                a[...] = w
            self._record(records, before)
            return True

    def load_trainer_state(self, generation: int, state: dict) -> bool:
        """Where the run played elsewhere stopped (``Trainer.state()``): the next update here
        continues it exactly. False when the run has been reset or reconfigured since."""
        with self.lock:
            if generation != self.generation:
                return False
            self.trainer.set_state(state)
            rate = self.settings.learning_rate  # a rate set here after the run's last update wins
            if rate is not None:
                self.trainer.optimizer.learning_rate = float(rate)
            with self.data_lock:
                self._progress = read_progress(self.trainer)
            return True

    def mark(self) -> Mark:
        """Where the run is now (``rollback`` returns to it)."""
        with self.lock, self.data_lock:
            h = self.history
            return Mark(self.generation, [a.copy() for a in model_arrays(self.model)],
                        tuple(len(getattr(h, f)) for f in History.__dataclass_fields__),
                        len(self.learning_rates), self._progress, (self.dh_norm, self.dc_norm), self.before_last)

    def rollback(self, mark: Mark) -> bool:
        """Back to ``mark`` (the updates recorded since are forgotten), when the trainer is
        still where it was then (a run played elsewhere that never came back)."""
        with self.lock, self.data_lock:
            if mark.generation != self.generation:
                return False
            for a, w in zip(model_arrays(self.model), mark.weights):
                a[...] = w
            h = self.history
            for f, n in zip(History.__dataclass_fields__, mark.lengths):
                del getattr(h, f)[n:]
            # (by update: thinning since the mark may have left fewer before it)
            self.snapshots = [(it, w) for it, w in self.snapshots if it <= mark.progress[0]]
            self._stops = {it for it in self._stops if it <= mark.progress[0]}
            del self.learning_rates[mark.learning_rates:]
            self._progress = mark.progress
            if self.blown is not None and self.blown[0] > mark.progress[0]:
                self.blown = None  # (it blew up after the mark)
            self.dh_norm, self.dc_norm = mark.norms
            self.before_last = mark.before_last
            self.generation += 1  # what readers hold of the forgotten updates is not this run's
            return True

    def view(self, since: tuple[int, int, int] | None = None) -> View:
        """A copy of what the tab draws; never waits for an update to finish. ``since``: what
        the caller holds of this run already (an earlier view's ``View.since``): only the
        history after it is copied (all of it when the run is another one since)."""
        with self.data_lock:
            h = self.history
            start = epoch_start = 0
            if (since is not None and since[0] == self.generation and since[1] <= len(h.iterations)
                    and since[2] <= len(h.epoch_iterations)):
                start, epoch_start = since[1], since[2]
            copy = History(h.iterations[start:], h.loss[start:], h.grad_norm[start:],
                           h.epoch_iterations[epoch_start:], h.epoch_loss[epoch_start:], h.val_loss[epoch_start:],
                           h.epoch_metrics[epoch_start:], h.val_metrics[epoch_start:])
            it, epoch, epochs, per_epoch, n, batch, done = self._progress
            return View(copy, None if self.dh_norm is None else self.dh_norm.copy(),
                        None if self.dc_norm is None else self.dc_norm.copy(),
                        it, epoch, epochs, per_epoch, n, batch, done, self.trainer.optimizer.learning_rate,
                        self.generation, start, epoch_start)

    def title(self) -> str:
        """What this run trains, for the window's header over the Train tab: its recurrent
        layers, the length of its sequences and the task (or the user's model), e.g.
        'Training LSTM (8 units) · 20 timesteps · Remember the first input'."""
        return self.titles()[0]

    def titles(self) -> list[str]:
        """``title()``, then shorter forms of it for a narrow header, the task kept whole
        (at 1024 x 768 lesson 10's ended "Remember the first i…"): 'LSTM (8 units) · 20
        timesteps · ...', then 'LSTM(8) · 20 steps · ...'."""
        cells, short = [], []
        for layer in self.model.layers:
            if isinstance(layer, L.StackedRNN):  # an RNN of stacked cells: each cell's kind and units
                kinds = [(kind.name, int(c.units)) for c in layer.cells
                         if (kind := cell_kind(c)) is not None]
                whole = " + ".join(f"{k} ({plural(u, 'unit')})" for k, u in kinds)
                cells.append(f"{layer.class_name} ({whole})")
                short.append(f"{layer.class_name}({'+'.join(f'{k}({u})' for k, u in kinds)})")
            elif cell_kind(layer) is not None:
                units = getattr(layer, "units", None) or getattr(getattr(layer, "forward_layer", None), "units", None)
                cells.append(f"{layer.class_name} ({plural(units, 'unit')})" if units else layer.class_name)
                short.append(f"{layer.class_name}({units})" if units else layer.class_name)
        what = self.task.title if self.task is not None else f"your model '{safe_name(self.model.name)}'"
        steps = self.cell_steps()

        def joined(first: str, layers: list[str], step_word: str) -> str:
            bits = [first + (" \u2192 ".join(layers) if layers else safe_name(self.model.name))]
            if steps is not None:
                bits.append(plural(steps, step_word))
            return " \u00b7 ".join(bits + [what])

        return [joined("Training ", cells, "timestep"), joined("", cells, "timestep"), joined("", short, "step")]

    def cell_steps(self) -> int | None:
        """The steps the first recurrent layer runs (the title's): its own input's count in a
        plain stack (a CNN-LSTM's pooling or strided Conv1D hands it fewer than the input's, as
        the side panel's Input box says), else the inputs' count; None for inputs of no steps."""
        x = self.data.x_train
        steps = int(np.shape(x)[1]) if np.ndim(x) >= 2 else None
        if self.task is not None or not self.model.is_sequential:
            return steps
        for layer in self.model.layers:
            if cell_kind(layer) is not None or isinstance(layer, L.StackedRNN):
                shapes = layer.input_shapes
                if shapes and len(shapes[0]) == 3 and isinstance(shapes[0][1], int):
                    return int(shapes[0][1])
                break
        return steps

    def updates_text(self) -> str:
        """'256 samples / batch 32 = 8 updates per epoch' (a short last batch rounds up)."""
        tr = self.trainer
        exact = tr.n % tr.batch_size == 0
        op = "=" if exact else "\u2192"
        return (f"{plural(tr.n, 'sample')} / batch {tr.batch_size} {op} "
                f"{plural(tr.batches_per_epoch, 'update')} per epoch")

    def weights_at(self, iteration: int) -> list[np.ndarray]:
        """The snapshot taken at or before ``iteration``."""
        with self.data_lock:
            best = self.snapshots[0]
            for it, arrays in self.snapshots:
                if it <= iteration:
                    best = (it, arrays)
            return [a.copy() for a in best[1]]
