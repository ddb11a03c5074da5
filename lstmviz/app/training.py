"""The Train tab's state, without Qt: a training run on a built-in task (or the user's model
and data) that can be played, paused, stepped one update at a time and reset to the same
initial weights, with the histories the tab draws.

``TrainingSession.step()`` runs one update (the engine's ``Trainer``: forward, backward
through time, optimizer) and records the batch loss, the validation loss at each epoch's
end, the global gradient norm, and the per-step gradient norms of the first recurrent
layer: ``||dL/dh_t||`` and ``||dL/dc_t||`` (LSTM), the L2 norm over units averaged over the
batch, in processing order (vanishing or exploding gradients seen directly). Every
``snapshot_every`` updates it keeps a copy of the weights. A worker thread may call
``step()`` while the UI thread reads ``view()``: ``lock`` serialises the runs' operations
(an update, reset, configure) and is held for a whole update; what the tab reads (history,
snapshots, progress) is guarded by a second lock held only to record or copy it, so the
UI thread never waits for an update to finish (the window keeps its frame rate).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from lstmviz.app import tasks as T
from lstmviz.engine import layers as L
from lstmviz.engine.model import Model
from lstmviz.engine.optimizers import make
from lstmviz.engine.train import Trainer, evaluate, trainable_arrays
from lstmviz.errors import LstmvizError


@dataclass
class Settings:
    task: str = "delay"
    cell: str = "LSTM"
    units: int | None = None          # None: the task's suggestion
    steps: int | None = None
    optimizer: str = "adam"
    learning_rate: float | None = None
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


def _first_rnn(model):
    for layer in model.layers:
        if isinstance(layer, L.Recurrent):
            return layer.name, None
        if isinstance(layer, L.Bidirectional):
            return layer.name, "forward"
    return None, None


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
                    for a, w in zip(trainable_arrays(self.model), initial):
                        a[...] = w
            else:
                task = T.get(settings.task)
                self.task = task
                self.data = task.data(steps=settings.steps, seed=settings.seed)
                self.model = task.model(units=settings.units, cell=settings.cell,
                                        steps=settings.steps, seed=settings.seed)
                self.loss = task.loss
            self.initial = [a.copy() for a in trainable_arrays(self.model)]
            self._new_trainer()

    def _default(self, key, fallback):
        value = getattr(self.settings, key)
        if value is not None:
            return value
        return getattr(self.task, key) if self.task is not None else fallback

    def _new_trainer(self) -> None:
        s = self.settings
        lr = self._default("learning_rate", None)
        opt = make(s.optimizer, lr)
        self.trainer = Trainer(self.model, self.data.x_train, self.data.y_train, self.loss, opt,
                               self._default("batch_size", 32), self._default("epochs", 20),
                               s.shuffle, s.seed)
        with self.data_lock:
            self.history = History()
            self.snapshots: list[tuple[int, list[np.ndarray]]] = [(0, [a.copy() for a in self.initial])]
            self.dh_norm = self.dc_norm = None
            self.last = None
            #: the weights before the last update (the gradient views' update sizes)
            self.before_last: list[np.ndarray] | None = None
            self._progress = self._read_progress()

    def _read_progress(self) -> tuple:
        tr = self.trainer
        return (tr.optimizer.iterations, tr.epoch, tr.epochs, tr.batches_per_epoch, tr.n, tr.batch_size,
                tr.done)

    def reset(self) -> None:
        """Back to the same initial weights and an untouched optimizer."""
        with self.lock:
            for a, w in zip(trainable_arrays(self.model), self.initial):
                a[...] = w
            self._new_trainer()

    def set_learning_rate(self, lr: float) -> None:
        if not (lr > 0 and math.isfinite(lr)):
            raise LstmvizError(f"the learning rate must be a positive number, got {lr}")
        with self.data_lock:  # taken at the next update; never waits for this one
            self.settings.learning_rate = float(lr)
            self.trainer.optimizer.learning_rate = float(lr)

    # -- running ------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.trainer.done

    def step(self):
        """One update; returns the engine's ``Update`` (None when the run is finished)."""
        with self.lock:
            if self.trainer.done:
                return None
            self.before_last = [a.copy() for a in self.trainer.arrays]
            upd = self.trainer.step()
            name, child = _first_rnn(self.model)
            dh, dc = step_norms(upd.grads, name, child)
            val = None
            if upd.epoch_end and len(self.data.x_val):
                val = evaluate(self.model, self.data.x_val, self.data.y_val, self.loss)
            snap = None
            if self.snapshot_every and upd.iteration % self.snapshot_every == 0:
                snap = (upd.iteration, [a.copy() for a in trainable_arrays(self.model)])
            with self.data_lock:  # what the tab reads, recorded at once
                h = self.history
                h.iterations.append(upd.iteration)
                h.loss.append(upd.loss)
                h.grad_norm.append(upd.grad_norm)
                self.dh_norm, self.dc_norm = dh, dc
                if upd.epoch_end:
                    h.epoch_iterations.append(upd.iteration)
                    h.epoch_loss.append(upd.epoch_loss)
                    if val is not None:
                        h.val_loss.append(val)
                if snap is not None:
                    self.snapshots.append(snap)
                self.last = upd
                self._progress = self._read_progress()
            return upd

    def view(self) -> View:
        """A copy of what the tab draws; never waits for an update to finish."""
        with self.data_lock:
            h = self.history
            copy = History(list(h.iterations), list(h.loss), list(h.grad_norm),
                           list(h.epoch_iterations), list(h.epoch_loss), list(h.val_loss))
            it, epoch, epochs, per_epoch, n, batch, done = self._progress
            return View(copy, None if self.dh_norm is None else self.dh_norm.copy(),
                        None if self.dc_norm is None else self.dc_norm.copy(),
                        it, epoch, epochs, per_epoch, n, batch, done, self.trainer.optimizer.learning_rate)

    def updates_text(self) -> str:
        """'256 samples / batch 32 = 8 updates per epoch' (a short last batch rounds up)."""
        tr = self.trainer
        exact = tr.n % tr.batch_size == 0
        op = "=" if exact else "\u2192"
        return (f"{tr.n} samples / batch {tr.batch_size} {op} {tr.batches_per_epoch} "
                f"update{'s' if tr.batches_per_epoch != 1 else ''} per epoch")

    def weights_at(self, iteration: int) -> list[np.ndarray]:
        """The snapshot taken at or before ``iteration``."""
        with self.data_lock:
            best = self.snapshots[0]
            for it, arrays in self.snapshots:
                if it <= iteration:
                    best = (it, arrays)
            return [a.copy() for a in best[1]]
