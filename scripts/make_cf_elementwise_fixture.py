#!/usr/bin/env python
"""Writes ``tests/fixtures/k3_cf_elementwise_lstm/`` with REAL Keras 3: Keras' channels_first
CNN before an LSTM with layers acting on each number alone between its channels_first
layers, the long-input case whose steps stay on axis 2 through them (``lstmviz trace
--steps`` through windows of them)::

    x (None, 3) -> Permute((2, 1)) -> Conv1D(6, 5, causal, channels_first) -> BatchNormalization(axis=1)
      -> Activation('relu') -> Dropout(0.3) -> Conv1D(4, 3, strides 2, channels_first) = c2
      -> Add(LeakyReLU(0.2)(c2), c2) -> MaxPooling1D(2, channels_first) -> Permute((2, 1)) -> LSTM(4)

Files: ``model.keras``; ``x.npy`` (2 samples of 300 steps, 3 features); ``expected.npz``
with Keras' ``predict`` of the layers ``relu`` (2, 6, 300), ``add`` (2, 4, 149) and the
model's ``output`` (the LSTM's 74 steps). Small on purpose (a few tens of KB). Run with
TensorFlow 2.21 / Keras 3 installed::

    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_cf_elementwise_fixture.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "k3_cf_elementwise_lstm"


def main() -> None:
    import keras

    L = keras.layers
    keras.utils.set_random_seed(14)
    inp = keras.Input((None, 3), name="x")
    y = L.Permute((2, 1), name="p1")(inp)
    y = L.Conv1D(6, 5, padding="causal", data_format="channels_first", name="conv")(y)
    y = L.BatchNormalization(axis=1, name="bn")(y)
    y = L.Activation("relu", name="relu")(y)
    y = L.Dropout(0.3, name="drop")(y)
    c2 = L.Conv1D(4, 3, strides=2, data_format="channels_first", name="conv2")(y)
    y = L.Add(name="add")([L.LeakyReLU(negative_slope=0.2, name="leaky")(c2), c2])
    y = L.MaxPooling1D(2, data_format="channels_first", name="pool")(y)
    y = L.Permute((2, 1), name="p2")(y)
    y = L.LSTM(4, return_sequences=True, name="lstm")(y)
    model = keras.Model(inp, y, name="cf_elementwise")
    rng = np.random.default_rng(14)
    weights = []
    for var in model.weights:  # (moving variances > 0: the BatchNormalization's inference)
        w = rng.uniform(-1, 1, var.shape) * 0.8
        weights.append((np.abs(w) + 0.2 if "variance" in var.path else w).astype(np.float32))
    model.set_weights(weights)
    x = rng.normal(size=(2, 300, 3)).astype(np.float32)
    names = ("relu", "add")
    probe = keras.Model(inp, [model.get_layer(n).output for n in names] + [model.output])
    *layers, out = probe.predict(x, verbose=0)
    OUT.mkdir(parents=True, exist_ok=True)
    model.save(OUT / "model.keras")
    np.save(OUT / "x.npy", x)
    np.savez(OUT / "expected.npz", output=np.asarray(out, np.float32),
             **{f"layer:{n}": np.asarray(v, np.float32) for n, v in zip(names, layers)})
    print(OUT, [v.shape for v in layers], out.shape)


if __name__ == "__main__":
    main()
