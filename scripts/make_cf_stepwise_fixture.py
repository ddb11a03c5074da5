#!/usr/bin/env python
"""Writes ``tests/fixtures/k3_cf_stepwise_lstm/`` with REAL Keras 3: Keras' channels_first
CNN before an LSTM with layers acting on each step's features alone (axis 1) between its
channels_first layers, the long-input case whose steps stay on axis 2 through them
(``lstmviz trace --steps`` through windows of them)::

    x (None, 3) -> Permute((2, 1)) = p1 -> Conv1D(12, 5, causal, channels_first)
      -> LayerNormalization(axis=1) -> Softmax(axis=1) = sm;  p1 -> Conv1D(3, 3, causal, channels_first) = c2
      -> Concatenate(axis=1)([sm, c2]) -> MaxPooling1D(2, channels_first) -> Permute((2, 1)) -> LSTM(4)

(12 features: NumPy sums more than 8 numbers pairwise, the order windows must keep.)
Files: ``model.keras``; ``x.npy`` (2 samples of 160 steps, 3 features); ``expected.npz``
with Keras' ``predict`` of the layers ``ln`` (2, 12, 160), ``cat`` (2, 15, 160: ``sm``'s
numbers its first 12 features) and the model's ``output`` (the LSTM's 80 steps). Small on
purpose (a few tens of KB). Run with
TensorFlow 2.21 / Keras 3 installed::

    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_cf_stepwise_fixture.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "k3_cf_stepwise_lstm"


def main() -> None:
    import keras

    L = keras.layers
    keras.utils.set_random_seed(15)
    inp = keras.Input((None, 3), name="x")
    p1 = L.Permute((2, 1), name="p1")(inp)
    y = L.Conv1D(12, 5, padding="causal", data_format="channels_first", name="conv")(p1)
    y = L.LayerNormalization(axis=1, name="ln")(y)
    y = L.Softmax(axis=1, name="sm")(y)
    c2 = L.Conv1D(3, 3, padding="causal", data_format="channels_first", name="conv2")(p1)
    y = L.Concatenate(axis=1, name="cat")([y, c2])
    y = L.MaxPooling1D(2, data_format="channels_first", name="pool")(y)
    y = L.Permute((2, 1), name="p2")(y)
    y = L.LSTM(4, return_sequences=True, name="lstm")(y)
    model = keras.Model(inp, y, name="cf_stepwise")
    rng = np.random.default_rng(15)
    weights = []
    for var in model.weights:  # (gammas and betas not Keras' ones and zeros: each feature's own)
        weights.append((rng.uniform(-1, 1, var.shape) * 0.8).astype(np.float32))
    model.set_weights(weights)
    x = rng.normal(size=(2, 160, 3)).astype(np.float32)
    names = ("ln", "cat")  # (cat holds sm's numbers first: its features 0-11)
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
