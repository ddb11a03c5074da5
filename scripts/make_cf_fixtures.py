#!/usr/bin/env python
"""Writes three fixtures with REAL Keras 3: Keras' channels_first CNN before an LSTM with layers
between its channels_first layers that keep a long input's steps on axis 2 (``lstmviz trace
--steps`` through windows of them).

``tests/fixtures/k3_cf_elementwise_lstm/``, layers acting on each number alone::

    x (None, 3) -> Permute((2, 1)) -> Conv1D(6, 5, causal, channels_first) -> BatchNormalization(axis=1)
      -> Activation('relu') -> Dropout(0.3) -> Conv1D(4, 3, strides 2, channels_first) = c2
      -> Add(LeakyReLU(0.2)(c2), c2) -> MaxPooling1D(2, channels_first) -> Permute((2, 1)) -> LSTM(4)

(``x.npy``: 2 samples of 300 steps, 3 features; ``expected.npz``: Keras' ``predict`` of the
layers ``relu`` (2, 6, 300), ``add`` (2, 4, 149) and the model's ``output``, the LSTM's 74 steps.)

``tests/fixtures/k3_cf_stepwise_lstm/``, layers acting on each step's features alone (axis 1)::

    x (None, 3) -> Permute((2, 1)) = p1 -> Conv1D(12, 5, causal, channels_first)
      -> LayerNormalization(axis=1) -> Softmax(axis=1) = sm;  p1 -> Conv1D(3, 3, causal, channels_first) = c2
      -> Concatenate(axis=1)([sm, c2]) -> MaxPooling1D(2, channels_first) -> Permute((2, 1)) -> LSTM(4)

(12 features: NumPy sums more than 8 numbers pairwise, the order windows must keep. ``x.npy``:
2 samples of 160 steps; ``expected.npz``: ``ln`` (2, 12, 160), ``cat`` (2, 15, 160: ``sm``'s
numbers its first 12 features) and the model's ``output``, the LSTM's 80 steps.)

``tests/fixtures/k3_cf_pooled_lstm/``, a channels_last global pooling of each step's features::

    x (None, 3) -> LSTM(12) -> Permute((2, 1)) = p1 -> GlobalAveragePooling1D(keepdims) = gap (each
      step's mean: Keras pools axis 1) -> Concatenate(axis=1)([p1, gap]) -> MaxPooling1D(2, channels_first)
      -> Permute((2, 1)) -> LSTM(4)

(``expected.npz``: ``gap`` (2, 1, 160), ``cat`` (2, 13, 160) and the LSTM's 80 steps.)

Each: ``model.keras``, ``x.npy``, ``expected.npz``; small on purpose (a few tens of KB). Run
with TensorFlow 2.21 / Keras 3 installed::

    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_cf_fixtures.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def elementwise(keras, L, inp):
    y = L.Permute((2, 1), name="p1")(inp)
    y = L.Conv1D(6, 5, padding="causal", data_format="channels_first", name="conv")(y)
    y = L.BatchNormalization(axis=1, name="bn")(y)
    y = L.Activation("relu", name="relu")(y)
    y = L.Dropout(0.3, name="drop")(y)
    c2 = L.Conv1D(4, 3, strides=2, data_format="channels_first", name="conv2")(y)
    return L.Add(name="add")([L.LeakyReLU(negative_slope=0.2, name="leaky")(c2), c2])


def stepwise(keras, L, inp):
    p1 = L.Permute((2, 1), name="p1")(inp)
    y = L.Conv1D(12, 5, padding="causal", data_format="channels_first", name="conv")(p1)
    y = L.LayerNormalization(axis=1, name="ln")(y)
    y = L.Softmax(axis=1, name="sm")(y)
    c2 = L.Conv1D(3, 3, padding="causal", data_format="channels_first", name="conv2")(p1)
    return L.Concatenate(axis=1, name="cat")([y, c2])


def pooled(keras, L, inp):
    p1 = L.Permute((2, 1), name="p1")(L.LSTM(12, return_sequences=True, name="enc")(inp))
    mean = L.GlobalAveragePooling1D(keepdims=True, name="gap")(p1)
    return L.Concatenate(axis=1, name="cat")([p1, mean])


#: (directory, model name, seed, steps, the layers whose outputs expected.npz holds, the layers
#: between the Permutes)
CASES = (("k3_cf_elementwise_lstm", "cf_elementwise", 14, 300, ("relu", "add"), elementwise),
         ("k3_cf_stepwise_lstm", "cf_stepwise", 15, 160, ("ln", "cat"), stepwise),
         ("k3_cf_pooled_lstm", "cf_pooled", 16, 160, ("gap", "cat"), pooled))


def write(directory: str, name: str, seed: int, steps: int, names: tuple, between) -> None:
    import keras

    L = keras.layers
    keras.utils.set_random_seed(seed)
    inp = keras.Input((None, 3), name="x")
    y = between(keras, L, inp)
    y = L.MaxPooling1D(2, data_format="channels_first", name="pool")(y)
    y = L.Permute((2, 1), name="p2")(y)
    y = L.LSTM(4, return_sequences=True, name="lstm")(y)
    model = keras.Model(inp, y, name=name)
    rng = np.random.default_rng(seed)
    weights = []
    for var in model.weights:  # (gammas and betas each feature's own; moving variances > 0)
        w = rng.uniform(-1, 1, var.shape) * 0.8
        weights.append((np.abs(w) + 0.2 if "variance" in var.path else w).astype(np.float32))
    model.set_weights(weights)
    x = rng.normal(size=(2, steps, 3)).astype(np.float32)
    probe = keras.Model(inp, [model.get_layer(n).output for n in names] + [model.output])
    *layers, out = probe.predict(x, verbose=0)
    out_dir = FIXTURES / directory
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / "model.keras")
    np.save(out_dir / "x.npy", x)
    np.savez(out_dir / "expected.npz", output=np.asarray(out, np.float32),
             **{f"layer:{n}": np.asarray(v, np.float32) for n, v in zip(names, layers)})
    print(out_dir, [v.shape for v in layers], out.shape)


def main() -> None:
    import sys

    for case in CASES:  # (``--only NAME``: that directory's alone)
        if "--only" not in sys.argv or case[0] == sys.argv[sys.argv.index("--only") + 1]:
            write(*case)


if __name__ == "__main__":
    main()
