"""Keras 3's optimizers, update rule for update rule (float32, in place).

Defaults and rules as in ``keras/src/optimizers/*.py`` (Keras 3):

- SGD(lr=0.01, momentum=0, nesterov=False): ``w -= lr g``; with momentum
  ``m = mu m - lr g``, then ``w += m`` (nesterov: ``w += mu m - lr g``).
- Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7): ``t = iterations + 1``,
  ``alpha = lr sqrt(1 - b2^t) / (1 - b1^t)``, ``m += (g - m)(1 - b1)``,
  ``v += (g^2 - v)(1 - b2)``, ``w -= alpha m / (sqrt(v) + eps)`` (epsilon outside the bias
  correction, unlike PyTorch).
- RMSprop(lr=0.001, rho=0.9, momentum=0, epsilon=1e-7, centered=False):
  ``v = rho v + (1 - rho) g^2``; ``inc = lr g / sqrt(v + eps)`` (centered: ``v - a^2 + eps``);
  ``w -= inc`` or with momentum ``m = mu m + inc; w -= m``.
- Adagrad(lr=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
  ``acc += g^2; w -= lr g / sqrt(acc + eps)``.

An Embedding's gradient reaches Keras' optimizer as TensorFlow's IndexedSlices, one row per
looked-up position: Keras squares (and clips) those rows before duplicates are summed, so a
token seen twice in a batch adds ``g1^2 + g2^2`` to Adam's / RMSprop's / Adagrad's second
moment, not ``(g1 + g2)^2``. ``SparseRows`` gradients get exactly that; the update is still
dense (rows absent from a batch move with their momentum), as in Keras.

A Keras 3 file saved after training holds the optimizer's variables (``optimizer/vars/0``,
``1``, ...: its iterations, its learning rate, then each class's slots in the order its
``build`` makes them, ``keras_layout``); ``engine.compiled.restore`` puts them on a fresh
optimizer (``restored_iterations``: Keras' count before this optimizer's first update, which
Adam's bias correction goes on from; ``iterations`` counts this optimizer's own updates).

``clipnorm`` clips each gradient to that L2 norm, ``global_clipnorm`` all of them together,
``clipvalue`` each element (one of the three, as Keras allows). The learning rate may be
changed between updates (``opt.learning_rate = ...``).
"""

from __future__ import annotations

import numpy as np

from lstmviz.errors import LstmvizError
from lstmviz.text import plural

f32 = np.float32

DEFAULT_LR = {"sgd": 0.01, "adam": 0.001, "rmsprop": 0.001, "adagrad": 0.001}


#: Keras 3's optimizer arguments lstmviz does not compute (refused, not left out silently)
KERAS_ONLY = ("weight_decay", "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
              "gradient_accumulation_steps", "amsgrad", "name")


def _number(owner: str, key: str, value, low: float = 0.0, high: float = np.inf, low_open: bool = True) -> float:
    """``value`` as a finite float above ``low`` (or from it: ``low_open=False``) and at most
    ``high``, else refused in one line (a string, None, NaN, 0 or a negative rate)."""
    try:
        if isinstance(value, (str, bytes, bool, np.bool_)):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if np.isfinite(number) and (number > low if low_open else number >= low) and number <= high:
        return number
    if high == np.inf:
        where = "a positive number" if low_open and low == 0 else f"a number of at least {low:g}"
    else:
        where = f"a number from {low:g} to {high:g}"
    raise LstmvizError(f"{owner} {key}={value!r}: give {where}")


class Optimizer:
    name = "optimizer"

    def __init__(self, learning_rate: float, clipnorm=None, clipvalue=None, global_clipnorm=None, schedule=None,
                 **other):
        owner = type(self).__name__
        if other:
            key = next(iter(other))
            said = ("Keras 2's name for learning_rate" if key == "lr" else
                    "a Keras 3 argument lstmviz does not compute" if key in KERAS_ONLY else "not an argument")
            raise LstmvizError(f"{owner}: {key}={other[key]!r} is {said}; {owner} takes learning_rate, "
                               f"{', '.join(self._own())}, clipnorm, clipvalue, global_clipnorm")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise LstmvizError("only one of clipnorm, clipvalue and global_clipnorm can be set")
        # (Adam(0), Adam(-1), Adam(nan) were taken: the run stood still, climbed the loss or went NaN)
        self.learning_rate = _number(owner, "learning_rate", learning_rate)
        clipnorm, clipvalue, global_clipnorm = (None if c is None else _number(owner, k, c) for k, c in (
            ("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)))
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        #: a learning-rate schedule (``engine.schedules``, or its plain form) that gives each
        #: update's rate in place of ``learning_rate`` (Keras' optimizer given a schedule)
        self.schedule = _schedule(schedule)
        self.iterations = 0
        #: the updates of the state this optimizer was restored from (Keras' ``iterations`` is
        #: ``restored_iterations + iterations``); 0 for a fresh one
        self.restored_iterations = 0
        self._slots: dict[int, dict[str, np.ndarray]] = {}
        self._shapes: list[tuple] | None = None  # (the weights' shapes it was first applied to)

    def _own(self) -> tuple[str, ...]:
        import inspect

        params = inspect.signature(type(self).__init__).parameters
        return tuple(k for k in params if k not in ("self", "learning_rate", "clip"))

    def bind(self, model) -> None:
        """Refuse, in one line, to update another model's weights than the one this optimizer
        began on (its moments are that model's: Keras' optimizer refuses "variables it was not
        built with"); the same model again continues the run, as Keras' second ``fit`` does."""
        import weakref

        owner = getattr(self, "_owner", None)
        if owner is not None and owner() is not model:
            raise LstmvizError(f"this {type(self).__name__} has trained another model "
                               f"({plural(self.iterations, 'update', sep=',')}): its state is that model's; give "
                               "this model an optimizer of its own")
        if owner is None and self.iterations == 0:
            self._owner = weakref.ref(model)

    def __getstate__(self):  # (a run handed to a training process: the owner stays behind)
        return {k: v for k, v in vars(self).items() if k != "_owner"}

    def _slot(self, k: int, w: np.ndarray, name: str, fill: float = 0.0) -> np.ndarray:
        slots = self._slots.setdefault(k, {})
        if name not in slots:
            slots[name] = np.full(w.shape, fill, np.float32)
        return slots[name]

    def clip(self, grads: list) -> list:
        """Keras' clipping; a ``SparseRows`` gradient is clipped row by row (per looked-up
        position), as TensorFlow clips IndexedSlices."""
        if self.clipnorm:
            c = f32(self.clipnorm)
            return [_scaled(g, c / max(np.sqrt(_sum_sq(g)), c)) for g in grads]
        if self.global_clipnorm:
            c = f32(self.global_clipnorm)
            norm = np.sqrt(sum(_sum_sq(g) for g in grads))
            scale = c * min(f32(1.0) / norm, f32(1.0) / c) if norm > 0 else f32(1.0)
            return [_scaled(g, scale) for g in grads]
        if self.clipvalue:
            v = f32(self.clipvalue)
            return [_clipped(g, v) for g in grads]
        return grads

    def apply(self, weights: list[np.ndarray], grads: list) -> None:
        """One update of every array in ``weights`` (in place) from its gradient (an array,
        or an Embedding's ``SparseRows``: Keras squares those row by row before summing
        duplicates, which Adam, RMSprop and Adagrad see)."""
        shapes = [tuple(np.shape(w)) for w in weights]
        known = getattr(self, "_shapes", None)
        if known is None:
            self._shapes = shapes
        elif shapes != known:  # (another model's weights: the moments would not fit them)
            raise LstmvizError(f"this {type(self).__name__} was first applied to weights of other shapes "
                               "(another model's); give each model an optimizer of its own")
        grads = self.clip([g if hasattr(g, "indices") else np.asarray(g, np.float32) for g in grads])
        lr = f32(self.current_rate())
        for k, (w, g) in enumerate(zip(weights, grads)):
            if hasattr(g, "indices"):
                sq = np.zeros(g.shape, np.float32)
                np.add.at(sq, g.indices, np.square(g.values))
                self.update(k, w, g.dense(), lr, sq)
            else:
                self.update(k, w, g, lr, None)
        self.iterations += 1

    def current_rate(self) -> float:
        """The rate of the next update: the schedule's at Keras' ``iterations`` (the restored
        ones and this optimizer's own), else ``learning_rate``."""
        schedule = getattr(self, "schedule", None)
        if schedule is not None:
            return float(schedule(self.restored_iterations + self.iterations))
        return self.learning_rate

    def keras_layout(self, n: int) -> list[tuple[int, str]]:
        """The slots Keras 3 keeps for ``n`` trainable weights, in the order its ``build``
        makes them (after ``iterations`` and ``learning_rate``): (weight index, slot name) each."""
        raise NotImplementedError  # pragma: no cover - each class's

    def update(self, k, w, g, lr, g2):  # pragma: no cover - abstract
        """``g2``: the squared gradient as Keras computes it (None: ``g ** 2``)."""
        raise NotImplementedError

    def config(self) -> dict:
        """What Keras 3.15's optimizer ``get_config`` holds, key for key and in its order
        (``base_optimizer.get_config``, then the class's own settings): the name Keras gives
        it by default (``rm_sprop``), the learning rate as its float32 variable reads back
        (``0.009999999776482582``), the settings not computed here at their defaults."""
        from lstmviz.text import snake_case

        schedule = getattr(self, "schedule", None)
        rate = schedule.keras() if schedule is not None else float(f32(self.learning_rate))
        return {"name": snake_case(type(self).__name__), "learning_rate": rate,
                "weight_decay": None, "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": 0.99,
                "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
                **{k: getattr(self, k) for k in self._own() if k not in ("clipnorm", "clipvalue", "global_clipnorm")},
                **({"amsgrad": False} if isinstance(self, Adam) else {})}

    def keras_variables(self, shapes: list[tuple]) -> list[np.ndarray] | None:
        """This optimizer's state as Keras 3 saves it (``optimizer/vars/0``, ``1``, ...): its
        iterations (int64: the restored ones and its own), its learning rate (float32), then
        its slots in ``keras_layout``'s order, for trainable weights of ``shapes``; None where
        it has made no update (a fresh optimizer: Keras saves none) or its slots are not
        those weights' (another model's)."""
        done = self.restored_iterations + self.iterations
        if done == 0 or (self._shapes is not None and list(self._shapes) != [tuple(s) for s in shapes]):
            return None
        slots = []
        for k, name in self.keras_layout(len(shapes)):
            slot = self._slots.get(k, {}).get(name)
            if slot is None or slot.shape != tuple(shapes[k]):
                return None
            slots.append(np.array(slot, np.float32))
        if getattr(self, "schedule", None) is not None:  # (Keras keeps no learning-rate variable then)
            return [np.array(done, np.int64), *slots]
        return [np.array(done, np.int64), np.array(self.learning_rate, np.float32), *slots]


class SGD(Optimizer):
    name = "sgd"

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **clip):
        super().__init__(learning_rate, **clip)
        self.momentum = _number("SGD", "momentum", momentum, 0.0, 1.0, low_open=False)
        self.nesterov = bool(nesterov)

    def keras_layout(self, n):
        """Keras: ``momentums`` only where ``momentum != 0``."""
        return [(k, "momentum") for k in range(n)] if self.momentum != 0 else []

    def update(self, k, w, g, lr, g2=None):
        if self.momentum != 0:
            m = self._slot(k, w, "momentum")
            mu = f32(self.momentum)
            np.subtract(m * mu, g * lr, out=m)
            if self.nesterov:
                w += m * mu - g * lr
            else:
                w += m
        else:
            w -= g * lr


class Adam(Optimizer):
    name = "adam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **clip):
        super().__init__(learning_rate, **clip)
        self.beta_1, self.beta_2 = (_number("Adam", k, b, 0.0, 1.0, low_open=False)
                                    for k, b in (("beta_1", beta_1), ("beta_2", beta_2)))
        self.epsilon = _number("Adam", "epsilon", epsilon, low_open=False)

    def keras_layout(self, n):
        """Keras: ``add_optimizer_variables(vars, ["momentum", "velocity"])`` interleaves them."""
        return [(k, s) for k in range(n) for s in ("m", "v")]

    def update(self, k, w, g, lr, g2=None):
        t = f32(self.restored_iterations + self.iterations + 1)
        b1p = np.power(f32(self.beta_1), t)
        b2p = np.power(f32(self.beta_2), t)
        alpha = lr * np.sqrt(f32(1) - b2p) / (f32(1) - b1p)
        m = self._slot(k, w, "m")
        v = self._slot(k, w, "v")
        m += (g - m) * f32(1 - self.beta_1)
        v += ((np.square(g) if g2 is None else g2) - v) * f32(1 - self.beta_2)
        w -= (m * alpha) / (np.sqrt(v) + f32(self.epsilon))


class RMSprop(Optimizer):
    name = "rmsprop"

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **clip):
        super().__init__(learning_rate, **clip)
        self.rho, self.momentum = (_number("RMSprop", k, v, 0.0, 1.0, low_open=False)
                                   for k, v in (("rho", rho), ("momentum", momentum)))
        self.epsilon = _number("RMSprop", "epsilon", epsilon, low_open=False)
        self.centered = bool(centered)

    def keras_layout(self, n):
        """Keras: every velocity, then every momentum (``momentum > 0``), then every average
        gradient (``centered``), each a block."""
        names = ["velocity"] + ["momentum"] * (self.momentum > 0) + ["average_gradient"] * self.centered
        return [(k, s) for s in names for k in range(n)]

    def update(self, k, w, g, lr, g2=None):
        rho = f32(self.rho)
        v = self._slot(k, w, "velocity")
        v[...] = rho * v + f32(1 - self.rho) * (np.square(g) if g2 is None else g2)
        if self.centered:
            a = self._slot(k, w, "average_gradient")
            a[...] = rho * a + f32(1 - self.rho) * g
            denom = v - np.square(a) + f32(self.epsilon)
        else:
            denom = v + f32(self.epsilon)
        inc = (lr * g) / np.sqrt(denom)
        if self.momentum > 0:
            m = self._slot(k, w, "momentum")
            m[...] = f32(self.momentum) * m + inc
            w -= m
        else:
            w -= inc


class Adagrad(Optimizer):
    name = "adagrad"

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **clip):
        super().__init__(learning_rate, **clip)
        self.initial_accumulator_value = _number("Adagrad", "initial_accumulator_value",
                                                 initial_accumulator_value, low_open=False)
        self.epsilon = _number("Adagrad", "epsilon", epsilon, low_open=False)

    def keras_layout(self, n):
        return [(k, "accumulator") for k in range(n)]

    def update(self, k, w, g, lr, g2=None):
        acc = self._slot(k, w, "accumulator", self.initial_accumulator_value)
        acc += np.square(g) if g2 is None else g2
        w -= (lr * g) / np.sqrt(acc + f32(self.epsilon))


def _schedule(schedule):
    """A schedule given as ``engine.schedules.Schedule`` or its plain form, else refused."""
    if schedule is None:
        return None
    from lstmviz.engine import schedules

    if isinstance(schedule, schedules.Schedule):
        return schedule
    got = schedules.read(schedule)
    if isinstance(got, str):
        raise LstmvizError(f"schedule: {got}; give one of {', '.join(schedules.CLASSES)}")
    return got


def _sum_sq(g):
    vals = g.values if hasattr(g, "indices") else g
    return np.sum(np.square(vals), dtype=np.float32)


def _scaled(g, scale):
    if hasattr(g, "indices"):
        return type(g)(g.indices, (g.values * f32(scale)).astype(np.float32), g.shape)
    return (g * f32(scale)).astype(np.float32)


def _clipped(g, v):
    if hasattr(g, "indices"):
        return type(g)(g.indices, np.clip(g.values, -v, v), g.shape)
    return np.clip(g, -v, v)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}


def make(name: str, learning_rate: float | None = None, **options) -> Optimizer:
    """An optimizer by Keras name (``sgd``, ``adam``, ``rmsprop``, ``adagrad``)."""
    cls = OPTIMIZERS.get(str(name).lower())
    if cls is None:
        raise LstmvizError(f"unknown optimizer {name!r}; supported: {', '.join(OPTIMIZERS)}")
    if learning_rate is None:
        learning_rate = DEFAULT_LR[cls.name]
    _number(cls.__name__, "learning_rate", learning_rate)  # (said by its owner's name: "Adam learning_rate=...")
    options = {k: v for k, v in options.items() if v is not None}
    try:
        return cls(learning_rate, **options)
    except TypeError as err:
        raise LstmvizError(f"{name}: {err}") from None
