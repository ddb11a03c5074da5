#!/usr/bin/env python
"""Writes a fixture with REAL Keras 3: the attention-pooling classifier without a Lambda, whose
Softmax(axis=1) makes every step's weight of all the steps (``lstmviz trace --steps`` and the
app's long inputs hold its whole output once: ``engine/windows.py``)::

    x (None, 3) -> LSTM(16, return_sequences) = h -> Dense(1, tanh) = e -> Softmax(axis=1) = a
      -> Multiply()([h, a]) = ctx (Keras 3 broadcasts (b, T, 16) by (b, T, 1))
      -> GlobalAveragePooling1D = p -> Dense(2, softmax) = y

``tests/fixtures/k3_attention_pooling/``: ``model.keras``; ``x.npy``, 2 samples of 240 steps
of 3 features; ``expected.npz``, Keras' ``predict`` of the layers ``a`` (2, 240, 1), ``ctx``
(2, 240, 16) and the model's ``output`` (2, 2). Small on purpose (a few tens of KB). Run with
TensorFlow 2.21 / Keras 3 installed::

    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_attention_fixture.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "k3_attention_pooling"
SEED, STEPS, NAMED = 16, 240, ("a", "ctx")


def main() -> None:
    import keras

    L = keras.layers
    keras.utils.set_random_seed(SEED)
    x_in = keras.Input((None, 3), name="x")
    h = L.LSTM(16, return_sequences=True, name="h")(x_in)
    e = L.Dense(1, activation="tanh", name="e")(h)
    a = L.Softmax(axis=1, name="a")(e)
    ctx = L.Multiply(name="ctx")([h, a])
    p = L.GlobalAveragePooling1D(name="p")(ctx)
    y = L.Dense(2, activation="softmax", name="y")(p)
    model = keras.Model(x_in, y, name="attention_pooling")
    rng = np.random.default_rng(SEED)
    # (weights of some size: the attention's scores spread, not all about 1/T)
    model.set_weights([(rng.uniform(-1, 1, w.shape) * 1.5).astype(np.float32) for w in model.get_weights()])
    x = rng.normal(size=(2, STEPS, 3)).astype(np.float32)
    probe = keras.Model(x_in, [model.get_layer(n).output for n in NAMED] + [model.output])
    *layers, out = probe.predict(x, verbose=0)
    OUT.mkdir(parents=True, exist_ok=True)
    model.save(OUT / "model.keras")
    np.save(OUT / "x.npy", x)
    np.savez(OUT / "expected.npz", output=np.asarray(out, np.float32),
             **{f"layer:{n}": np.asarray(v, np.float32) for n, v in zip(NAMED, layers)})
    print(OUT, [v.shape for v in layers], out.shape)


if __name__ == "__main__":
    main()
