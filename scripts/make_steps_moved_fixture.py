#!/usr/bin/env python
"""Writes ``tests/fixtures/k3_steps_moved_lstm/`` with REAL Keras 3: a model whose steps a
Cropping1D, a ZeroPadding1D and an UpSampling1D move around two recurrent layers, the
long-input case of issue 13 (``lstmviz trace --steps`` through windows of their steps).

Files: ``model.keras``; ``x.npy`` (2 samples of 300 steps, 3 features); ``expected.npz``
with ``output`` (Keras' ``predict``: the GRU's sequence of (300 - 3 - 2 + 2 + 1) x 2 = 596
steps). Small on purpose (a few KB). Run with TensorFlow 2.21 / Keras 3 installed::

    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_steps_moved_fixture.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "k3_steps_moved_lstm"


def main() -> None:
    import keras

    keras.utils.set_random_seed(13)
    inp = keras.Input((None, 3), name="x")
    y = keras.layers.Cropping1D((3, 2), name="crop")(inp)
    y = keras.layers.LSTM(4, return_sequences=True, name="lstm")(y)
    y = keras.layers.ZeroPadding1D((2, 1), name="pad")(y)
    y = keras.layers.UpSampling1D(2, name="up")(y)
    y = keras.layers.GRU(3, return_sequences=True, name="gru")(y)
    model = keras.Model(inp, y, name="steps_moved")
    rng = np.random.default_rng(13)
    model.set_weights([(rng.uniform(-1, 1, w.shape) * 0.8).astype(np.float32) for w in model.get_weights()])
    x = rng.normal(size=(2, 300, 3)).astype(np.float32)
    out = model.predict(x, verbose=0)
    OUT.mkdir(parents=True, exist_ok=True)
    model.save(OUT / "model.keras")
    np.save(OUT / "x.npy", x)
    np.savez(OUT / "expected.npz", output=np.asarray(out, np.float32))
    print(OUT, out.shape)


if __name__ == "__main__":
    main()
