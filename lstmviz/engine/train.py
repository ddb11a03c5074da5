"""Training a ``Model`` as Keras' ``model.fit`` does: batches in order (or shuffled), one
optimizer update per batch from that batch's own mean loss, a short last batch divided by
its own size. With ``shuffle=False`` the weights after ``fit`` are the weights Keras'
``model.fit(x, y, batch_size=B, epochs=N, shuffle=False)`` gives (Dropout layers are the
identity here, so a model that drops during training in Keras differs).

``Trainer`` holds a run that can be stepped one update at a time (the app's play / pause
/ one update), with the learning rate changeable between updates; ``fit`` runs it to the
end. Every update hands an ``Update`` to the callback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from lstmviz.engine import layers as L
from lstmviz.engine.gradients import Gradients, check_model, check_trainable, gradients, targets
from lstmviz.engine.losses import canonical
from lstmviz.engine.optimizers import OPTIMIZERS, Optimizer, make
from lstmviz.errors import LstmvizError, whole_number


def trainable_arrays(model) -> list[np.ndarray]:
    """Every weight array the optimizer moves, in the order ``Gradients`` lists them."""
    out = []
    for layer in model.layers:
        out.extend(layer_arrays(layer))
    return out


def layer_arrays(layer) -> list[np.ndarray]:
    if isinstance(layer, L.Bidirectional):
        return layer.forward_layer.weights + layer.backward_layer.weights
    if isinstance(layer, L.StackedRNN):
        return [w for c in layer.cells for w in c.weights]
    if isinstance(layer, L.TimeDistributed):
        return layer.inner.weights
    return layer.weights


def flat_grads(model, grads: Gradients) -> list:
    """The gradients in ``trainable_arrays`` order, an Embedding's as ``SparseRows`` (as
    TensorFlow hands it to Keras' optimizer)."""
    out: list = []
    for layer in model.layers:
        if layer_arrays(layer):
            lg = grads.layers[layer.name]
            out.extend(lg.sparse.get(k, g) for k, g in enumerate(lg.weights))
    return out


@dataclass
class Update:
    """What one update did: where it was, the batch's loss, and its gradients."""

    iteration: int        # updates done so far, this one included
    epoch: int            # 0-based
    batch: int            # 0-based index within the epoch
    batches_per_epoch: int
    loss: float           # the batch's loss before the update
    epoch_loss: float     # running mean over the epoch so far (as Keras' progress bar)
    grads: Gradients
    grad_norm: float      # global L2 norm of the weight gradients
    epoch_end: bool


def take_rows(x, idx):
    if isinstance(x, (list, tuple)):
        return [np.asarray(a)[idx] for a in x]
    return np.asarray(x)[idx]


def _n_samples(x) -> int:
    first = x[0] if isinstance(x, (list, tuple)) else x
    return int(np.asarray(first).shape[0])


class Trainer:
    """A training run of ``model`` (updated in place) on ``(x, y)``."""

    def __init__(self, model, x, y, loss: str, optimizer: Optimizer | str = "adam",
                 batch_size: int | None = 32, epochs: int = 1, shuffle: bool = True, seed: int | None = 0,
                 learning_rate: float | None = None):
        check_model(model, "fit")
        self.model = model
        self.loss = canonical(loss)
        self.optimizer = _optimizer(optimizer, learning_rate)
        batch_size = 32 if batch_size is None else batch_size  # (Keras' fit: None is 32)
        self.batch_size = whole_number("batch_size", batch_size, least=1)
        self.epochs = whole_number("epochs", epochs, least=1)
        self.shuffle = _flag("shuffle", shuffle)
        seed = None if seed is None else whole_number("seed", seed, least=0)
        check_trainable(model)
        arrays = model.check_inputs(x)  # (a list of samples as one array, as Keras' fit takes it)
        self.x = arrays[0] if len(arrays) == 1 else arrays
        self.n = _n_samples(self.x)
        self.y = targets(model, y, self.loss, self.n)
        self.rng = np.random.default_rng(seed)
        self.batches_per_epoch = math.ceil(self.n / self.batch_size)
        self.epoch, self.batch = 0, 0
        self._order = self._new_order()
        self._loss_sum, self._seen = 0.0, 0
        self.arrays = trainable_arrays(model)
        self.history: list[float] = []  # loss per finished epoch

    #: what ``state()`` leaves out: the model, the data and the model's arrays (the receiver's own)
    _NOT_STATE = ("model", "x", "y", "arrays")

    def state(self) -> dict:
        """Where the run is, without its model and data: the optimizer (its moments and step
        count), the shuffling generator and this epoch's order, the position, the running
        loss. ``from_state`` / ``set_state`` with a copy of it continue the run exactly
        (the app hands a run to a training process and back)."""
        return {k: v for k, v in vars(self).items() if k not in self._NOT_STATE}

    def set_state(self, state: dict) -> None:
        """Continue from ``state`` (a copy: ``state()`` pickled and back) on this model and data."""
        vars(self).update({k: v for k, v in state.items() if k not in self._NOT_STATE})

    @classmethod
    def from_state(cls, model, x, y, state: dict) -> Trainer:
        """A run on ``model`` and ``(x, y)`` continuing from ``state`` (see ``state``)."""
        trainer = cls.__new__(cls)
        trainer.model, trainer.x, trainer.y = model, x, np.asarray(y)
        trainer.arrays = trainable_arrays(model)
        trainer.set_state(state)
        return trainer

    def _new_order(self):
        return self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    @property
    def done(self) -> bool:
        return self.epoch >= self.epochs

    def step(self) -> Update:
        """One update: forward, backward and the optimizer, on the next batch."""
        if self.done:
            raise LstmvizError("the training run is finished")
        lo = self.batch * self.batch_size
        idx = self._order[lo:lo + self.batch_size]
        grads = gradients(self.model, take_rows(self.x, idx), self.y[idx], self.loss)
        flat = flat_grads(self.model, grads)
        norm = float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64)))
                                 for lg in grads.layers.values() for g in lg.weights)))
        self.optimizer.apply(self.arrays, flat)
        self._loss_sum += grads.loss * len(idx)
        self._seen += len(idx)
        upd = Update(self.optimizer.iterations, self.epoch, self.batch, self.batches_per_epoch,
                     grads.loss, self._loss_sum / self._seen, grads, norm,
                     self.batch == self.batches_per_epoch - 1)
        self.batch += 1
        if self.batch == self.batches_per_epoch:
            self.history.append(self._loss_sum / self._seen)
            self.epoch += 1
            self.batch = 0
            self._loss_sum, self._seen = 0.0, 0
            self._order = self._new_order()
        return upd


def fit(model, x, y, loss: str, optimizer: Optimizer | str = "adam", batch_size: int | None = 32,
        epochs: int = 1, shuffle: bool = True, seed: int = 0, learning_rate: float | None = None,
        callback: Callable[[Update], object] | None = None) -> list[float]:
    """Train ``model`` in place like Keras' ``fit``; returns the loss of each epoch.
    ``callback(update)`` runs after every update; returning False stops the run. An
    optimizer instance keeps its state from one ``fit`` to the next of the same model and,
    as Keras' does, refuses another model's weights."""
    if callback is not None and not callable(callback):
        raise LstmvizError(f"callback={callback!r} is not a function: give a function "
                           "of an Update (returning False stops the run), or None")
    trainer = Trainer(model, x, y, loss, optimizer, batch_size, epochs, shuffle, seed, learning_rate)
    trainer.optimizer.bind(model)
    while not trainer.done:
        upd = trainer.step()
        if callback is not None and callback(upd) is False:
            break
    return trainer.history


def _optimizer(optimizer, learning_rate) -> Optimizer:
    """``fit``'s optimizer: a name (with ``learning_rate``, else Keras' default) or an
    instance (with its own learning rate), else refused in one line."""
    if isinstance(optimizer, str):
        return make(optimizer, learning_rate)
    if isinstance(optimizer, Optimizer):
        if learning_rate is not None:
            raise LstmvizError(f"learning_rate={learning_rate!r} goes with an optimizer's name ('adam'); this "
                               f"{type(optimizer).__name__} has its own: {type(optimizer).__name__}"
                               f"(learning_rate={learning_rate!r})")
        return optimizer
    names = ", ".join(OPTIMIZERS)
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        raise LstmvizError(f"optimizer is the class {optimizer.__name__}; give an instance, "
                           f"{optimizer.__name__}(learning_rate=...), or a name: {names}")
    raise LstmvizError(f"optimizer={optimizer!r}: give a name ({names}) or an instance "
                       "of lstmviz.optimizers (SGD, Adam, RMSprop, Adagrad)")


def _flag(name: str, value) -> bool:
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, int) and value in (0, 1)):
        return bool(value)
    extra = " (Keras' 'batch', shuffling within batch-sized chunks, is not supported)" if value == "batch" else ""
    raise LstmvizError(f"{name}={value!r}: give True or False{extra}")


def overflowed(loss: float, grad_norm: float) -> tuple[str, float] | None:
    """What of an update is no longer a number, ``("loss", value)`` or ``("gradient norm",
    value)`` (the weights overflowed: every update after it is NaN too), else None."""
    if not math.isfinite(loss):
        return "loss", loss
    if not math.isfinite(grad_norm):
        return "gradient norm", grad_norm
    return None


#: layers that act only while Keras trains (at random, or a penalty added to the loss), by
#: the config keys that switch them on; here, as at inference, they pass their input on
TRAINING_ONLY = {"Dropout": ("rate",), "SpatialDropout1D": ("rate",), "SpatialDropout2D": ("rate",),
                 "GaussianDropout": ("rate",), "AlphaDropout": ("rate",), "GaussianNoise": ("stddev",),
                 "ActivityRegularization": ("l1", "l2")}


def _parts(layer) -> list:
    """``layer`` and the layers inside it (a Bidirectional's halves, a stacked RNN's cells,
    a TimeDistributed's layer)."""
    if isinstance(layer, L.Bidirectional):
        return [layer, layer.forward_layer, layer.backward_layer]
    if isinstance(layer, L.StackedRNN):
        return [layer, *layer.cells]
    if isinstance(layer, L.TimeDistributed):
        return [layer, layer.inner]
    return [layer]


def _number(value) -> float:
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0


def left_out(model) -> list[str]:
    """What Keras' ``fit`` does with this model that training here leaves out, one entry per
    layer ("'lstm' (dropout 0.3, recurrent_dropout 0.3)"): Dropout-like layers and noise,
    ``dropout`` / ``recurrent_dropout`` of a recurrent layer, regularizers (a penalty Keras
    adds to the loss) and constraints (Keras projects the weights after each update)."""
    out = []
    for layer in model.layers:
        what: list[str] = []
        for part in _parts(layer):
            cfg = part.config
            keys = TRAINING_ONLY.get(part.class_name, ())
            on = [f"{k} {_number(cfg.get(k)):g}" for k in keys if _number(cfg.get(k)) > 0]
            if on:
                what.append(f"{part.class_name} {', '.join(on)}")
            if isinstance(part, L.Recurrent):
                what += [f"{k} {_number(cfg.get(k)):g}" for k in ("dropout", "recurrent_dropout")
                         if _number(cfg.get(k)) > 0]
            what += [k for k in sorted(cfg) if k.endswith(("_regularizer", "_constraint")) and cfg[k]]
        what = list(dict.fromkeys(what))  # (a Bidirectional's halves say the same)
        if what:
            out.append(f"'{layer.name}' ({', '.join(what)})")
    return out


def left_out_note(model) -> str:
    """One line saying what training here leaves out (``left_out``), "" when nothing."""
    parts = left_out(model)
    if not parts:
        return ""
    return ("training here leaves out what Keras' fit adds while it trains: " + "; ".join(parts)
            + ". Here they act as at inference, so the updates differ from Keras' fit of this model")


def evaluate(model, x, y, loss: str) -> float:
    """Keras' loss of ``model`` on ``(x, y)`` (one batch)."""
    from lstmviz.engine.gradients import _output_logits, forward
    from lstmviz.engine.losses import loss_and_grad

    loss = canonical(loss)
    fw = forward(model, x)
    ref = model.outputs[0]
    logits = _output_logits(model, fw, loss)
    value, _ = loss_and_grad(loss, y, fw.values[ref.layer][ref.tensor_index],
                             fw.masks[ref.layer][ref.tensor_index],
                             None if logits is None else logits[1])
    return float(value)
