"""Compiled Keras 3 models and what Keras' ``fit`` does with them, for ``lstmviz.fit``.

Writes ``tests/fixtures/compiled/``:

- ``rmsprop_mae.keras``: an LSTM(3) -> Dense(1) compiled with ``MeanAbsoluteError()`` and
  ``RMSprop(learning_rate=0.005, rho=0.8, clipnorm=1.0)``, saved before any training (its
  ``compile_config`` holds both; no optimizer state);
- ``adamw_huber.keras``: the same model compiled with ``loss="huber"``,
  ``optimizer="adamw"`` and a metric: a compile_config lstmviz does not compute;
- ``trained_adam.keras``: the same model compiled with ``Adam(0.01)``, fitted one epoch,
  then saved: its optimizer's state (moments, iterations) is in the file; likewise
  ``trained_rmsprop.keras`` (``RMSprop(0.005, rho=0.8, momentum=0.5, centered=True)``: its
  velocities, momentums and average gradients, each a block), ``trained_sgd.keras``
  (``SGD(0.05, momentum=0.9, nesterov=True)``) and ``trained_adagrad.keras``
  (``Adagrad(0.05)``), each re-zipped deflated (a few KB; Keras reads it as it wrote it);
- ``legacy_rmsprop_mae.h5``: the model of ``rmsprop_mae.keras`` built and compiled with
  tf-keras 2.21 (Keras 2) and saved as HDF5: its ``training_config`` attribute;
- ``legacy_trained_rmsprop.h5`` / ``legacy_trained_adam.h5``: the same model compiled with
  tf-keras 2.21's ``optimizers.legacy.RMSprop(0.005, rho=0.8, momentum=0.5, centered=True)``
  (its ``optimizer_weights`` named ``RMSprop/iter:0``, ``RMSprop/<weight>/rms:0``, ``.../momentum:0``,
  ``.../mg:0``, each kind a block) or ``optimizers.Adam(0.01)`` (``iteration:0``,
  ``Adam/m/<weight>:0`` and ``Adam/v/<weight>:0`` interleaved), fitted 2 updates and saved as HDF5;
- ``fit.npz``: ``x``, ``y``, the initial weights ``w<k>``, and Keras' numbers:
  ``compiled_*``: ``keras.saving.load_model("rmsprop_mae.keras").fit(x, y, batch_size=4,
  epochs=2, shuffle=False)`` (its ``loss`` history and weights); ``stopped_*``: the same
  model compiled with SGD(0.1) and mse, ``fit(x, y, batch_size=3, epochs=3, shuffle=False,
  validation_split=0.2)`` with a callback that sets ``model.stop_training = True`` in
  ``on_train_batch_end`` of epoch 1's first batch (Keras records that partial epoch:
  ``loss``, ``val_loss``, ``epoch``, and the weights after it); ``resumed_<optimizer>_*``:
  ``keras.saving.load_model("trained_<optimizer>.keras").fit(x, y, batch_size=4, epochs=1,
  shuffle=False)`` (the optimizer's state restored from the file, as Keras restores it);
  ``legacy_*``: ``tf_keras.models.load_model("legacy_rmsprop_mae.h5").fit(x, y, batch_size=4,
  epochs=2, shuffle=False)``; ``legacy_resumed_<optimizer>_*``:
  ``tf_keras.models.load_model("legacy_trained_<optimizer>.h5").fit(x, y, batch_size=4, epochs=1,
  shuffle=False)`` (the optimizer's state restored from ``optimizer_weights``).

Run from the repository root in a venv of the ``fixtures`` extra (TensorFlow 2.21.0,
Keras 3.15.1, and tf-keras 2.21.0 for the Keras 2 file):
    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_compiled_fixtures.py

``... make_compiled_fixtures.py legacy-state`` writes only the ``legacy_trained_*`` files and
their numbers into the ``fit.npz`` there is (its ``x``, ``y`` and ``w<k>``).
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "compiled"


def build(weights=None):
    model = keras.Sequential([keras.Input(shape=(4, 2)), keras.layers.LSTM(3, name="lstm"),
                              keras.layers.Dense(1, name="dense")], name="compiled")
    if weights is not None:
        model.set_weights(weights)
    return model


class StopAt(keras.callbacks.Callback):
    """Sets ``model.stop_training`` after batch ``batch`` of epoch ``epoch`` (0-based)."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch_now = (epoch, batch), 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_now = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch_now, batch) == self.at:
            self.model.stop_training = True


def deflated(path: Path) -> None:
    """``path`` (a ``.keras`` zip, stored by Keras) re-zipped with its members deflated."""
    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for name, data in members:
            dst.writestr(name, data)


TRAINED = {"adam": lambda: keras.optimizers.Adam(0.01),
           "rmsprop": lambda: keras.optimizers.RMSprop(0.005, rho=0.8, momentum=0.5, centered=True),
           "sgd": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
           "adagrad": lambda: keras.optimizers.Adagrad(0.05)}


def legacy(x, y, w0, out) -> None:
    """The Keras 2 (tf-keras) file and its fit."""
    import tf_keras

    model = tf_keras.Sequential([tf_keras.Input(shape=(4, 2)), tf_keras.layers.LSTM(3, name="lstm"),
                                 tf_keras.layers.Dense(1, name="dense")], name="compiled")
    model.set_weights(w0)
    model.compile(loss=tf_keras.losses.MeanAbsoluteError(),
                  optimizer=tf_keras.optimizers.RMSprop(learning_rate=0.005, rho=0.8, clipnorm=1.0))
    model.save(OUT / "legacy_rmsprop_mae.h5")
    loaded = tf_keras.models.load_model(OUT / "legacy_rmsprop_mae.h5")
    hist = loaded.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    out["legacy_loss"] = np.asarray(hist.history["loss"], np.float32)
    for k, w in enumerate(loaded.get_weights()):
        out[f"legacy_w{k}"] = w
    out["legacy_version"] = np.array(tf_keras.__version__)


LEGACY_TRAINED = {"rmsprop": lambda k: k.optimizers.legacy.RMSprop(0.005, rho=0.8, momentum=0.5, centered=True),
                  "adam": lambda k: k.optimizers.Adam(0.01)}


def legacy_trained(x, y, w0, out) -> None:
    """The Keras 2 (tf-keras) files saved after training, and tf-keras' fit of them loaded."""
    import tf_keras

    for name, make in LEGACY_TRAINED.items():
        model = tf_keras.Sequential([tf_keras.Input(shape=(4, 2)), tf_keras.layers.LSTM(3, name="lstm"),
                                     tf_keras.layers.Dense(1, name="dense")], name="compiled")
        model.set_weights(w0)
        model.compile(loss="mse", optimizer=make(tf_keras))
        model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
        path = OUT / f"legacy_trained_{name}.h5"
        model.save(path)
        loaded = tf_keras.models.load_model(path)
        hist = loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        out[f"legacy_resumed_{name}_loss"] = np.asarray(hist.history["loss"], np.float32)
        for k, w in enumerate(loaded.get_weights()):
            out[f"legacy_resumed_{name}_w{k}"] = w


def main() -> None:
    if sys.argv[1:] == ["legacy-state"]:
        with np.load(OUT / "fit.npz") as f:
            out = dict(f)
        w0 = [out[f"w{k}"] for k in range(len([k for k in out if k[0] == "w" and k[1:].isdigit()]))]
        legacy_trained(out["x"], out["y"], w0, out)
        np.savez_compressed(OUT / "fit.npz", **out)
        print(f"wrote {OUT}: legacy_trained_*.h5 and their numbers in fit.npz")
        return

    OUT.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (10, 4, 2)).astype(np.float32)
    y = (x[:, 0, :1] - 0.5 * x[:, -1, 1:]).astype(np.float32)
    w0 = [(rng.uniform(-1, 1, w.shape) * 0.8).astype(np.float32) for w in build().get_weights()]
    out = {"x": x, "y": y, **{f"w{k}": w for k, w in enumerate(w0)}}

    model = build(w0)
    model.compile(loss=keras.losses.MeanAbsoluteError(),
                  optimizer=keras.optimizers.RMSprop(learning_rate=0.005, rho=0.8, clipnorm=1.0))
    model.save(OUT / "rmsprop_mae.keras")
    loaded = keras.saving.load_model(OUT / "rmsprop_mae.keras")
    hist = loaded.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    out["compiled_loss"] = np.asarray(hist.history["loss"], np.float32)
    for k, w in enumerate(loaded.get_weights()):
        out[f"compiled_w{k}"] = w

    model = build(w0)
    model.compile(loss="huber", optimizer="adamw", metrics=["mae"])
    model.save(OUT / "adamw_huber.keras")

    for name, make in TRAINED.items():
        model = build(w0)
        model.compile(loss="mse", optimizer=make())
        model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
        path = OUT / f"trained_{name}.keras"
        model.save(path)
        deflated(path)
        loaded = keras.saving.load_model(path)
        hist = loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        out[f"resumed_{name}_loss"] = np.asarray(hist.history["loss"], np.float32)
        for k, w in enumerate(loaded.get_weights()):
            out[f"resumed_{name}_w{k}"] = w

    legacy(x, y, w0, out)
    legacy_trained(x, y, w0, out)

    model = build(w0)
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.1))
    hist = model.fit(x, y, batch_size=3, epochs=3, shuffle=False, validation_split=0.2, verbose=0,
                     callbacks=[StopAt(1, 0)])
    out["stopped_loss"] = np.asarray(hist.history["loss"], np.float32)
    out["stopped_val_loss"] = np.asarray(hist.history["val_loss"], np.float32)
    out["stopped_epoch"] = np.asarray(hist.epoch, np.int64)
    for k, w in enumerate(model.get_weights()):
        out[f"stopped_w{k}"] = w

    out["versions"] = np.array(json.dumps({"keras": keras.__version__, "tensorflow": tf.__version__}))
    np.savez_compressed(OUT / "fit.npz", **out)
    print(f"wrote {OUT}: {sorted(p.name for p in OUT.iterdir())} (Keras {keras.__version__}); "
          f"stopped run's history {hist.history}, epochs {hist.epoch}")


if __name__ == "__main__":
    main()
