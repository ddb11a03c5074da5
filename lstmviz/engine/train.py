"""Training a ``Model`` as Keras' ``model.fit`` does: batches in order (or shuffled), one
optimizer update per batch from that batch's own mean loss, a short last batch divided by
its own size. With ``shuffle=False`` the weights after ``fit`` are the weights Keras'
``model.fit(x, y, batch_size=B, epochs=N, shuffle=False)`` gives (Dropout layers are the
identity here, so a model that drops during training in Keras differs). Each update is
Keras' training mode (``gradients(..., training=True)``): a BatchNormalization normalises
by the batch's statistics, and its moving statistics move after the update as Keras moves
them (``gradients.apply_moments``); the validation loss is inference mode, as Keras'
``evaluate``.

``Trainer`` holds a run that can be stepped one update at a time (the app's play / pause
/ one update), with the learning rate changeable between updates; ``fit`` runs it to the
end. Every update hands an ``Update`` to the callback, and leaves the loss and optimizer on
the model (``compiled.trained``: a ``.keras`` file of it keeps them, as Keras saves a
compiled model's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lstmviz.engine import layers as L
from lstmviz.engine.compiled import trained
from lstmviz.engine.gradients import (
    Gradients,
    apply_moments,
    check_model,
    check_targets,
    check_trainable,
    gradients,
    output_shape,
    targets,
)
from lstmviz.engine.layers import layer_arrays, trainable_arrays, weight_trains  # (the first two named here too)
from lstmviz.engine.losses import canonical
from lstmviz.engine.metrics import Metric, Tracker, resolve
from lstmviz.engine.optimizers import OPTIMIZERS, Optimizer, make
from lstmviz.errors import LstmvizError, whole_number


def flat_grads(model, grads: Gradients, dense: bool = False) -> list:
    """The gradients in ``trainable_arrays`` order (a frozen layer's left out: ``weight_trains``),
    an Embedding's as ``SparseRows`` (as TensorFlow hands it to Keras' optimizer; ``dense``:
    as an array)."""
    out: list = []
    for layer in model.layers:
        if layer_arrays(layer):
            lg = grads.layers[layer.name]
            out.extend(g if dense else lg.sparse.get(k, g)
                       for k, (g, t) in enumerate(zip(lg.weights, weight_trains(layer))) if t)
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
    grad_norm: float      # global L2 norm of the gradients the optimizer applied (no frozen layer's)
    epoch_end: bool
    #: the compiled metrics over the epoch so far, by their History names (Keras' running means)
    metrics: dict[str, float] = field(default_factory=dict)


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
                 learning_rate: float | None = None, metrics: list[Metric] | None = None):
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
        #: the metrics (``engine.metrics``), "accuracy" resolved from the targets' and output's shapes
        self.metrics = Tracker(resolve(list(metrics or []), self.y.shape, tuple(model.output_shapes()[0])),
                               masked=model.keras_major < 3)  # (tf_keras' confusion counts by the mask)

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
                                 for g in flat_grads(self.model, grads, dense=True))))
        tracker = getattr(self, "metrics", None)
        if tracker is not None and tracker.metrics:  # (Keras: on this batch's outputs, before the update)
            tracker.update(self.y[idx], grads.trace.outputs[0], grads.output_mask)
        self.optimizer.apply(self.arrays, flat)
        apply_moments(self.model, grads.moments)  # (a BatchNormalization's moving statistics, as Keras')
        trained(self.model, self.loss, self.optimizer)  # (a .keras file of it keeps them: io/keras_writer)
        self._loss_sum += grads.loss * len(idx)
        self._seen += len(idx)
        upd = Update(self.optimizer.iterations, self.epoch, self.batch, self.batches_per_epoch,
                     grads.loss, self._loss_sum / self._seen, grads, norm,
                     self.batch == self.batches_per_epoch - 1,
                     tracker.result() if tracker is not None and tracker.metrics else {})
        self.batch += 1
        if self.batch == self.batches_per_epoch:
            if tracker is not None:
                tracker.reset()
            self.history.append(self._loss_sum / self._seen)
            self.epoch += 1
            self.batch = 0
            self._loss_sum, self._seen = 0.0, 0
            self._order = self._new_order()
        return upd


class History(list):
    """What ``fit`` returns: the loss of each finished epoch (a list, as ``fit`` has always
    returned) and Keras' ``History`` beside it: ``history`` (``{"loss": [...]}``, with
    ``"val_loss"`` when there is validation data), ``epoch`` (the epochs' 0-based numbers)
    and ``params`` (``verbose``, ``epochs``, ``steps``: the updates per epoch)."""

    def __init__(self, params: dict):
        super().__init__()
        self.history: dict[str, list[float]] = {"loss": []}
        self.epoch: list[int] = []
        self.params = params

    def add(self, epoch: int, loss: float, val_loss: float | None, metrics: dict | None = None,
            val_metrics: dict | None = None) -> None:
        """An epoch: its loss, the compiled metrics (Keras' names), then ``val_loss`` and the
        ``val_`` metrics where there is validation data."""
        self.append(loss)
        self.epoch.append(epoch)
        self.history["loss"].append(loss)
        for k, v in (metrics or {}).items():
            self.history.setdefault(k, []).append(v)
        if val_loss is not None:
            self.history.setdefault("val_loss", []).append(val_loss)
            for k, v in (val_metrics or {}).items():
                self.history.setdefault(f"val_{k}", []).append(v)


def split_share(validation_split) -> float:
    """``validation_split`` as a float at least 0 and under 1, else refused in one line."""
    if (isinstance(validation_split, (bool, np.bool_)) or not isinstance(validation_split, (int, float, np.number))
            or not 0.0 <= float(validation_split) < 1.0):
        raise LstmvizError(f"validation_split={validation_split!r}: give a number at least 0 and under 1 "
                           "(the share of the samples, the last ones, that validates)")
    return float(validation_split)


def split_at(n: int, validation_split) -> int:
    """How many of ``n`` samples train with Keras' ``fit(validation_split=...)``: the first
    ``floor(n * (1 - validation_split))``, the rest (the last ones, taken before any
    shuffling) validate; ``n`` for a split of 0. Refused in one line as Keras refuses it:
    a split outside [0, 1), or one that leaves no sample to train on or none to validate."""
    from lstmviz.text import plural

    share = split_share(validation_split)
    if share == 0.0:
        return n
    cut = int(math.floor(n * (1.0 - share)))  # (Keras' train_validation_split)
    if cut == 0 or cut == n:
        left, other = ("none to train on", "smaller") if cut == 0 else ("none to validate", "larger")
        raise LstmvizError(f"{plural(n, 'sample')} leave{'s' if n == 1 else ''} {left} with a validation "
                           f"split of {validation_split}; give more samples or a {other} validation_split")
    return cut


def fit(model, x, y, loss=None, optimizer: Optimizer | str | None = None, batch_size: int | None = 32,
        epochs: int = 1, shuffle: bool = True, seed: int = 0, learning_rate: float | None = None,
        callback: Callable[[Update], object] | None = None, *, validation_split: float = 0.0,
        validation_data=None, verbose: int | str = 0, metrics=None) -> History:
    """Train ``model`` in place like Keras' ``fit``; returns the loss of each epoch, a list
    that is also Keras' ``History`` (``.history["loss"]``, ``["val_loss"]``, ``.epoch``).
    ``callback(update)`` runs after every update; returning False stops the run as Keras'
    ``model.stop_training = True`` in a callback's ``on_train_batch_end`` does: the epoch
    under way ends there and is recorded as Keras records it (its loss the mean over the
    batches it ran, its ``val_loss`` at those weights, a line printed). An optimizer
    instance keeps its state from one ``fit`` to the next of the same model and, as Keras'
    does, refuses another model's weights.

    As Keras' ``fit``: ``validation_split`` holds back the last share of the samples
    (before any shuffling; ``floor(n * (1 - validation_split))`` train), ``validation_data``
    ``(x_val, y_val)`` is used instead of it where both are given; the validation loss is
    Keras' ``val_loss``, at each epoch's end with that epoch's last weights, in batches of
    ``batch_size``. ``verbose``: 0 says nothing, 1, 2 or ``"auto"`` print a line per epoch
    ("Epoch 3/10 - loss: 0.1234 - val_loss: 0.2345").

    ``metrics``: Keras' metric names (``["accuracy", "mae"]``, ``engine.metrics.SUPPORTED``);
    None: those the model was compiled with that lstmviz computes. Each is in the History per
    epoch as Keras names it (``history["accuracy"]``, ``["val_accuracy"]``), Keras' running
    mean over the epoch's batches (each batch's outputs before its update).

    ``loss`` / ``optimizer`` None: what the model was compiled with (a ``.keras`` file's
    ``compile_config``, ``engine.compiled``; its optimizer made once per model and kept, so a
    second ``fit`` continues it as Keras' compiled optimizer does), else ``"adam"``; a model
    compiled with neither needs a loss. The model keeps the loss and optimizer of its last
    update (``Trainer.step``, ``compiled.trained``): a ``.keras`` file of it holds them and the optimizer's
    state, so Keras' ``fit`` of the loaded file goes on as a next ``fit`` here would."""
    from lstmviz.engine.compiled import compiled_loss, compiled_metrics, compiled_optimizer
    from lstmviz.engine.metrics import given

    if loss is None:
        loss = compiled_loss(model)
        if loss is None:
            raise LstmvizError("fit needs a loss: give one (loss='mse', 'mae', 'binary_crossentropy', ...); "
                               "this model was not compiled with one")
    if optimizer is None:
        optimizer = compiled_optimizer(model, learning_rate) or "adam"
        if isinstance(optimizer, Optimizer):
            learning_rate = None  # (in it)
    if callback is not None and not callable(callback):
        raise LstmvizError(f"callback={callback!r} is not a function: give a function "
                           "of an Update (returning False stops the run), or None")
    talk = _verbose(verbose)
    chosen = compiled_metrics(model) if metrics is None else given(metrics)
    share = split_share(validation_split)
    val = None
    if validation_data is None and share:  # (Keras: validation_data overrides validation_split)
        x, y, val = _split(model, x, y, loss, share)
    trainer = Trainer(model, x, y, loss, optimizer, batch_size, epochs, shuffle, seed, learning_rate, chosen)
    if val is None:  # (the targets' shape, in the words of lstmviz grad's; a split's checked whole in _split)
        check_targets(trainer.y.shape, output_shape(model, trainer.x), trainer.loss)
    if validation_data is not None:  # (once the model is one fit trains: run on a sample)
        val = _validation_data(model, validation_data, trainer.loss)
    trainer.optimizer.bind(model)
    history = History({"verbose": talk, "epochs": trainer.epochs, "steps": trainer.batches_per_epoch})
    while not trainer.done:
        # (a run whose numbers overflow goes on to inf and NaN as Keras' fit does, its History
        # saying so, without NumPy's warnings; errstate is this thread's, as the CLI's and the
        # Train tab's around their steps)
        with np.errstate(over="ignore", invalid="ignore"):
            upd = trainer.step()
        stop = callback is not None and callback(upd) is False
        if upd.epoch_end or stop:  # (Keras: an epoch a callback stops is recorded as far as it went)
            val_tracker = trainer.metrics.fresh()
            val_loss = None if val is None else evaluate(model, val[0], val[1], trainer.loss, trainer.batch_size,
                                                         val_tracker)
            history.add(upd.epoch, upd.epoch_loss, val_loss, upd.metrics, val_tracker.result())
            if talk:
                print(f"Epoch {upd.epoch + 1}/{trainer.epochs} - " + " - ".join(
                    f"{k}: {_keras_number(v[-1])}" for k, v in history.history.items()), flush=True)
        if stop:
            break
    return history


def _verbose(verbose) -> int:
    """Keras' ``verbose``: 0, 1, 2 or ``"auto"`` (1)."""
    if isinstance(verbose, str) and verbose == "auto":
        return 1
    if isinstance(verbose, (bool, np.bool_)) or (isinstance(verbose, (int, np.integer)) and verbose in (0, 1, 2)):
        return int(verbose)
    raise LstmvizError(f"verbose={verbose!r}: give 0 (silent), 1 or 2 (a line per epoch) or 'auto' (1)")


def _keras_number(value: float) -> str:
    """A loss as Keras' progress bar writes it."""
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _split(model, x, y, loss: str, validation_split):
    """``(x, y)`` cut as Keras' ``validation_split`` cuts them: ``(x_train, y_train, (x_val,
    y_val))``."""
    check_model(model, "fit")
    name = canonical(loss)
    arrays = model.check_inputs(x)
    x = arrays[0] if len(arrays) == 1 else arrays
    n = _n_samples(x)
    y = targets(model, y, name, n)
    check_targets(y.shape, output_shape(model, x), name)  # (all of them, before the cut)
    cut = split_at(n, validation_split)
    return take_rows(x, slice(0, cut)), y[:cut], (take_rows(x, slice(cut, n)), y[cut:])


def _validation_data(model, data, loss: str):
    """Keras' ``validation_data``, ``(x_val, y_val)`` (or ``(x_val, y_val, None)``), checked
    as ``fit`` checks ``x`` and ``y``: ``(x_val, y_val)``, or refused in one line."""
    check_model(model, "fit")
    name = canonical(loss)
    if isinstance(data, list):
        data = tuple(data)  # (as Keras takes a list)
    if not isinstance(data, tuple) or len(data) not in (2, 3):
        what = f"a tuple of {len(data)}" if isinstance(data, tuple) else f"a {type(data).__name__}"
        raise LstmvizError(f"validation_data is {what}; give (x_val, y_val)")
    if len(data) == 3 and data[2] is not None:
        raise LstmvizError("validation_data holds sample weights (x_val, y_val, sample_weight): "
                           "not supported; give (x_val, y_val)")
    try:
        arrays = model.check_inputs(data[0])
        x = arrays[0] if len(arrays) == 1 else arrays
        y = targets(model, data[1], name, _n_samples(x))
        check_targets(y.shape, output_shape(model, x), name, label="")
        evaluate(model, take_rows(x, slice(0, 1)), y[:1], name)  # (its shapes fit, before training)
    except LstmvizError as err:
        raise LstmvizError(f"validation_data: {err}") from None
    return x, y


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


def batch_norm_note(model) -> str:
    """One line saying how training here treats the model's BatchNormalization layers (as
    Keras' fit: the batch's statistics, the moving ones moved), and that the views and the
    validation loss take the moving ones; "" for a model without one."""
    from lstmviz.engine.gradients import trains_by_batch
    from lstmviz.text import safe_name

    names = [layer.name for layer in model.layers if trains_by_batch(layer)]
    if not names:
        return ""
    shown = ", ".join(f"'{safe_name(n)}'" for n in names[:3]) + (", ..." if len(names) > 3 else "")
    one = len(names) == 1
    return (f"BatchNormalization {'layer' if one else 'layers'} {shown} {'trains' if one else 'train'} as in "
            "Keras' fit, by each batch's mean and variance, the moving statistics moved after each update; "
            "the views and the validation loss use the moving statistics (inference, as predict)")


def frozen_note(model, gradients: bool = False) -> str:
    """One line naming the layers frozen with ``trainable: false`` (``layers.frozen_arrays``):
    fit leaves their weights where they are, as Keras' (``gradients``: their gradients are
    computed all the same, as information); "" where none is."""
    from lstmviz.text import safe_name

    frozen = [layer for layer in model.layers if L.frozen_arrays(layer)]
    if not frozen:
        return ""
    shown = ", ".join(f"'{safe_name(layer.name)}' ({layer.class_name}"
                      + (", in part" if L.frozen_arrays(layer) < len(L.layer_arrays(layer)) else "") + ")"
                      for layer in frozen[:4]) + (", ..." if len(frozen) > 4 else "")
    one = len(frozen) == 1
    said = (f"frozen (trainable: false): {shown}; {'its' if one else 'their'} weights are not updated, "
            "as in Keras' fit")
    if not trainable_arrays(model):
        said += "; no layer trains: fit computes the loss and updates nothing"
    return said + (f"; {'its' if one else 'their'} gradients are given all the same, as information"
                   if gradients else "")


def evaluate(model, x, y, loss: str, batch_size: int | None = None, metrics: Tracker | None = None) -> float:
    """Keras' loss of ``model`` on ``(x, y)``: in one batch, or as Keras' ``evaluate(...,
    batch_size=...)`` takes it, the batches' losses averaged weighted by their samples
    (Keras' ``Mean``, in float32). ``metrics``: a ``Tracker`` each batch updates (its
    ``result()`` then Keras' ``val_`` metrics)."""
    from lstmviz.engine.gradients import _output_logits, forward
    from lstmviz.engine.losses import loss_and_grad

    loss = canonical(loss)
    if batch_size is not None:
        y = np.asarray(y)
        total, count = np.float32(0.0), np.float32(0.0)
        for lo in range(0, len(y), batch_size):
            rows = slice(lo, lo + batch_size)
            size = np.float32(len(y[rows]))
            total += np.float32(evaluate(model, take_rows(x, rows), y[rows], loss, None, metrics)) * size
            count += size
        return float(total / count)
    fw = forward(model, x)
    ref = model.outputs[0]
    logits = _output_logits(model, fw, loss)
    value, _ = loss_and_grad(loss, y, fw.values[ref.layer][ref.tensor_index],
                             fw.masks[ref.layer][ref.tensor_index],
                             None if logits is None else logits[1])
    if metrics is not None and metrics.metrics:
        metrics.update(y, fw.values[ref.layer][ref.tensor_index], fw.masks[ref.layer][ref.tensor_index])
    return float(value)
