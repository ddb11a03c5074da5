"""Built-in toy tasks with known answers: a data generator, a train / validation split and a
suggested model and training settings for each (no Qt here).

- ``delay``: remember the first input until the last step (the vanishing-gradient test).
- ``adding``: the adding problem (Hochreiter & Schmidhuber): sum the two marked values.
- ``parity``: is the number of ones in a bit sequence odd?
- ``sine``: the next value of a sine wave.
- ``brackets``: the nesting depth after each character of a bracket string.
- ``next_char``: the next character of a typed text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lstmviz.engine import LayerSpec, Model
from lstmviz.errors import LstmvizError

DEFAULT_TEXT = ("the quick brown fox jumps over the lazy dog. "
                "a long short-term memory remembers what a simple recurrent net forgets. ")


@dataclass
class Data:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    #: for next_char: the characters of the vocabulary, id 0 is padding
    vocab: str = ""


@dataclass
class Task:
    name: str
    title: str
    description: str
    loss: str
    generate: Callable[[int, int, np.random.Generator, dict], tuple[np.ndarray, np.ndarray]]
    layers: Callable[[int, str, dict], list]  # (units, cell kind, options) -> LayerSpecs after the input
    input_shape: Callable[[int, dict], tuple]
    steps: int = 20
    samples: int = 320  # 256 to train on (8 updates per epoch at batch 32), 64 to validate
    units: int = 8
    cell: str = "LSTM"
    optimizer: str = "adam"
    learning_rate: float = 0.01
    batch_size: int = 32
    epochs: int = 20
    options: dict = field(default_factory=dict)
    #: the metrics the task's model is compiled with (Keras' names, ``fit(metrics=)``): accuracy
    #: for the classification tasks, none for the regressions (their loss is the measure)
    metrics: tuple[str, ...] = ()

    def data(self, samples: int | None = None, steps: int | None = None, seed: int = 0,
             val_fraction: float = 0.2, **options) -> Data:
        """``samples`` sequences of ``steps`` steps, the last ``val_fraction`` held out."""
        n = int(samples or self.samples)
        T = int(steps or self.steps)
        if n < 2 or T < 2:
            raise LstmvizError(f"task '{self.name}' needs at least 2 samples of 2 steps")
        opts = {**self.options, **options}
        x, y = self.generate(n, T, np.random.default_rng(seed), opts)
        n_val = max(1, int(round(n * val_fraction))) if val_fraction > 0 else 0
        cut = n - n_val
        return Data(x[:cut], y[:cut], x[cut:], y[cut:], opts.get("vocab", ""))

    def model(self, units: int | None = None, cell: str | None = None, steps: int | None = None,
              seed: int = 0, **options) -> Model:
        opts = {**self.options, **options}
        if self.name == "next_char" and "vocab" not in opts:
            opts["vocab"] = _vocab(opts.get("text", DEFAULT_TEXT))
        return Model.sequential(self.input_shape(int(steps or self.steps), opts),
                                self.layers(int(units or self.units), cell or self.cell, opts),
                                seed=seed, name=self.name)


def _delay(n, T, rng, opts):
    x = rng.uniform(-1, 1, size=(n, T, 1)).astype(np.float32)
    return x, x[:, 0, :].copy()


def _adding(n, T, rng, opts):
    vals = rng.uniform(0, 1, size=(n, T)).astype(np.float32)
    marks = np.zeros((n, T), np.float32)
    half = max(1, T // 2)
    a = rng.integers(0, half, size=n)
    b = rng.integers(half, T, size=n)
    marks[np.arange(n), a] = 1
    marks[np.arange(n), b] = 1
    x = np.stack([vals, marks], axis=-1)
    return x, (vals * marks).sum(axis=1, keepdims=True).astype(np.float32)


def _parity(n, T, rng, opts):
    bits = rng.integers(0, 2, size=(n, T, 1)).astype(np.float32)
    return bits, (bits.sum(axis=(1, 2)) % 2).reshape(n, 1).astype(np.float32)


def _sine(n, T, rng, opts):
    freq = rng.uniform(0.1, 0.5, size=(n, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = np.arange(T + 1)[None, :]
    s = np.sin(freq * t + phase).astype(np.float32)
    return s[:, :T, None], s[:, T:T + 1]


def _brackets(n, T, rng, opts):
    x = np.zeros((n, T, 2), np.float32)
    y = np.zeros((n, T, 1), np.float32)
    for k in range(n):
        depth = 0
        for t in range(T):
            close = depth > 0 and rng.random() < 0.5
            depth += -1 if close else 1
            x[k, t, 1 if close else 0] = 1.0
            y[k, t, 0] = depth
    return x, y


def _vocab(text: str) -> str:
    return "".join(sorted(set(text)))


def _next_char(n, T, rng, opts):
    text = opts.get("text") or DEFAULT_TEXT
    if len(text) < T + 2:
        text = (text + " ") * (T // max(1, len(text)) + 2)
    vocab = _vocab(text)
    opts["vocab"] = vocab
    ids = np.array([vocab.index(c) + 1 for c in text], np.int32)  # 0 is padding
    starts = rng.integers(0, len(ids) - T - 1, size=n)
    x = np.stack([ids[s:s + T] for s in starts])
    y = np.stack([ids[s + 1:s + T + 1] for s in starts]) - 1  # classes 0..V-1
    return x.astype(np.int32), y.astype(np.int32)


def _rnn(kind, units, **cfg):
    return LayerSpec(kind, {"units": units, **cfg})


TASKS: dict[str, Task] = {t.name: t for t in [
    Task("delay", "Remember the first input",
         "The target is the first input value, read out after the last step: the gradient "
         "has to travel back through every step.", "mse", _delay,
         lambda u, c, o: [_rnn(c, u), LayerSpec("Dense", {"units": 1})],
         lambda T, o: (None, T, 1), steps=20, units=8, epochs=60),
    Task("adding", "The adding problem",
         "Each step holds a value and a marker; the target is the sum of the two marked values. "
         "Watch the loss fall from 0.17 (guessing 1); a SimpleRNN gets only part way.",
         "mse", _adding, lambda u, c, o: [_rnn(c, u), LayerSpec("Dense", {"units": 1})],
         lambda T, o: (None, T, 2), steps=20, units=16, samples=1280),
    Task("parity", "Parity over time",
         "Target 1 when the sequence holds an odd number of ones: the classic hard task for gradients. "
         "Loss 0.69 and accuracy 0.5 (guessing) for many epochs, then a sudden drop. "
         "5 steps (32 sequences): every cell finds it; 8 or more: rarely.",
         "binary_crossentropy",
         _parity, lambda u, c, o: [_rnn(c, u), LayerSpec("Dense", {"units": 1, "activation": "sigmoid"})],
         lambda T, o: (None, T, 1), steps=5, units=16, samples=1280, epochs=60, metrics=("accuracy",)),
    Task("sine", "Next value of a sine",
         "Given a window of a sine wave (random frequency and phase), predict the next value.",
         "mse", _sine, lambda u, c, o: [_rnn(c, u), LayerSpec("Dense", {"units": 1})],
         lambda T, o: (None, T, 1), steps=20, units=8),
    Task("brackets", "Counting brackets",
         "Inputs are '(' or ')' (one-hot); the target after each step is the nesting depth.",
         "mse", _brackets,
         lambda u, c, o: [_rnn(c, u, return_sequences=True),
                          LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 1}}})],
         lambda T, o: (None, T, 2), steps=16, units=8),
    Task("next_char", "Next character of a text",
         "Characters of a typed text as token ids; the target at each step is the next character.",
         "sparse_categorical_crossentropy", _next_char,
         lambda u, c, o: [LayerSpec("Embedding", {"input_dim": len(o["vocab"]) + 1, "output_dim": 8}),
                          _rnn(c, u, return_sequences=True),
                          LayerSpec("Dense", {"units": len(o["vocab"]), "activation": "softmax"})],
         lambda T, o: (None, T), steps=16, units=32, learning_rate=0.01, metrics=("accuracy",)),
]}


def get(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise LstmvizError(f"unknown task {name!r}; built-in tasks: {', '.join(TASKS)}") from None
