"""Keras files saved after training a partly frozen model, and Keras' fit of them loaded.

Writes ``tests/fixtures/frozen/``:

- ``trained_frozen_<optimizer>.keras`` (Keras 3.15): an LSTM(3, return_sequences) frozen
  with ``layer.trainable = False``, then an LSTM(2) and a Dense(1), compiled with ``mse``
  and ``Adam(0.01)`` (``adam``) or ``RMSprop(0.005, rho=0.8, momentum=0.5, centered=True)``
  (``rmsprop``), fitted one epoch of 2 updates and saved: its optimizer's slots are the
  trainable weights' only (``model.trainable_variables``); re-zipped deflated (a few KB);
- ``legacy_trained_frozen_adam.h5`` (tf_keras 2.21): the same model and training with
  tf_keras' ``Adam(0.01)``, saved as HDF5 (its ``optimizer_weights`` name the trainable
  weights only);
- ``fit.npz``: ``x``, ``y``, the initial weights ``w<k>`` (``get_weights()`` order) and,
  per file, ``resumed_<key>_loss`` / ``resumed_<key>_w<k>``: ``load_model(file).fit(x, y,
  batch_size=4, epochs=1, shuffle=False)`` (the saved state restored, as Keras restores it;
  every weight after it, the frozen ones unmoved), ``<key>`` the file's stem.

Run from the repository root in a venv of the ``fixtures`` extra (TensorFlow 2.21.0,
Keras 3.15.1, tf-keras 2.21.0):
    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_frozen_fixtures.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from make_compiled_fixtures import deflated  # noqa: E402 (its re-zip of a .keras)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "frozen"


def build(K, weights):
    model = K.Sequential([K.Input(shape=(4, 2)), K.layers.LSTM(3, return_sequences=True, name="first"),
                          K.layers.LSTM(2, name="second"), K.layers.Dense(1, name="head")], name="frozen")
    model.set_weights(weights)
    model.get_layer("first").trainable = False  # (as a practitioner freezes it)
    return model


def trained(K, optimizer, path: Path, x, y, w0, out, load) -> None:
    model = build(K, w0)
    model.compile(loss="mse", optimizer=optimizer)
    model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)  # (2 updates)
    assert len(model.trainable_variables) == 5  # (the second LSTM's 3 and the Dense's 2)
    model.save(path)
    if path.suffix == ".keras":
        deflated(path)
    loaded = load(path)
    hist = loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    key = f"resumed_{path.stem}"
    out[f"{key}_loss"] = np.asarray(hist.history["loss"], np.float32)
    for k, w in enumerate(loaded.get_weights()):
        out[f"{key}_w{k}"] = w
    for k in range(3):  # (the frozen LSTM's weights: left where they were)
        assert np.array_equal(out[f"{key}_w{k}"], w0[k])


def main() -> None:
    import tf_keras

    OUT.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(11)
    rng = np.random.default_rng(11)
    x = rng.uniform(-1, 1, (10, 4, 2)).astype(np.float32)
    y = (x[:, 0, :1] - 0.5 * x[:, -1, 1:]).astype(np.float32)
    shapes = [(2, 12), (3, 12), (12,), (3, 8), (2, 8), (8,), (2, 1), (1,)]
    w0 = [(rng.uniform(-1, 1, s) * 0.8).astype(np.float32) for s in shapes]
    out = {"x": x, "y": y, **{f"w{k}": w for k, w in enumerate(w0)}}
    trained(keras, keras.optimizers.Adam(0.01), OUT / "trained_frozen_adam.keras", x, y, w0, out,
            keras.saving.load_model)
    trained(keras, keras.optimizers.RMSprop(0.005, rho=0.8, momentum=0.5, centered=True),
            OUT / "trained_frozen_rmsprop.keras", x, y, w0, out, keras.saving.load_model)
    trained(tf_keras, tf_keras.optimizers.Adam(0.01), OUT / "legacy_trained_frozen_adam.h5", x, y, w0, out,
            tf_keras.models.load_model)
    out["versions"] = np.array(json.dumps({"keras": keras.__version__, "tf_keras": tf_keras.__version__,
                                           "tensorflow": tf.__version__}))
    np.savez_compressed(OUT / "fit.npz", **out)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
