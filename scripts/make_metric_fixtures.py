"""Compiled Keras models with metrics and learning-rate schedules, and what Keras' ``fit``
records of them, for ``lstmviz.fit``'s History and its schedules (``tests/test_metrics.py``).

Writes ``tests/fixtures/metrics/`` (each model an LSTM(3) on inputs of 4 steps and 2
features, saved compiled before any training, its members deflated; 12 samples):

- ``categorical.keras``: Dense(3, softmax), categorical_crossentropy, SGD(0.5),
  ``metrics=["accuracy", TopKCategoricalAccuracy(k=2), "mse", Precision(), Recall(), "AUC",
  "categorical_crossentropy"]``
  ("AUC": Keras' default AUC of the three outputs flattened; more AUCs in
  ``scripts/make_auc_fixtures.py``);
- ``binary.keras``: Dense(1, sigmoid), binary_crossentropy, Adam(0.05),
  ``metrics=["accuracy", "mae", "mape", "msle"]``, targets of shape (n,);
- ``sparse.keras``: Dense(4, softmax), sparse_categorical_crossentropy, RMSprop(0.05),
  ``metrics=["acc", "sparse_top_k_categorical_accuracy", "sparse_categorical_crossentropy"]``;
- ``masked.keras``: Masking -> LSTM(3, return_sequences) -> Dense(1), mse, SGD(0.2),
  ``metrics=["mae", "mse"]``, inputs with masked steps;
- ``legacy_binary.h5``: the binary model built and compiled with tf_keras 2.21 (Keras 2),
  ``metrics=["accuracy", "mae"]``, saved as HDF5 (its ``training_config`` holds
  ``MeanMetricWrapper``s);
- ``schedule_<name>.keras``: Dense(1), mse, SGD with each of Keras' learning-rate schedules
  (``SCHEDULES``); ``schedule_trained.keras``: Adam with a PolynomialDecay, fitted 3 updates
  then saved (its optimizer's iterations: the schedule goes on from them);
- ``legacy_schedule.h5``: tf_keras' Adam with a PolynomialDecay (cycle), saved as HDF5;
- ``fit.npz``: ``x``, ``x_masked``, ``y_<case>``, and Keras'
  ``fit(x, y, batch_size=5, epochs=3, shuffle=False, validation_split=0.25)`` of each file
  loaded back: ``<case>__<key>`` for each History key, ``<case>_w<k>`` the weights after.

Run from the repository root in the fixtures venv (TensorFlow 2.21, Keras 3.15, tf_keras 2.21):
    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_metric_fixtures.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from make_compiled_fixtures import deflated  # noqa: E402 (its re-zip of a .keras)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "metrics"
FIT = {"batch_size": 5, "epochs": 3, "shuffle": False, "validation_split": 0.25, "verbose": 0}

S = keras.optimizers.schedules
SCHEDULES = {
    "exponential": lambda: S.ExponentialDecay(0.3, decay_steps=2, decay_rate=0.5),
    "exponential_staircase": lambda: S.ExponentialDecay(0.3, decay_steps=2, decay_rate=0.5, staircase=True),
    "polynomial": lambda: S.PolynomialDecay(0.3, decay_steps=4, end_learning_rate=0.01, power=2.0),
    "polynomial_cycle": lambda: S.PolynomialDecay(0.3, decay_steps=3, end_learning_rate=0.01, power=1.5,
                                                  cycle=True),
    "piecewise": lambda: S.PiecewiseConstantDecay([2, 5], [0.3, 0.1, 0.02]),
    "inverse_time": lambda: S.InverseTimeDecay(0.3, decay_steps=2, decay_rate=0.7),
    "inverse_time_staircase": lambda: S.InverseTimeDecay(0.3, decay_steps=2, decay_rate=0.7, staircase=True),
    "cosine": lambda: S.CosineDecay(0.3, decay_steps=5, alpha=0.1),
    "cosine_warmup": lambda: S.CosineDecay(0.01, decay_steps=4, alpha=0.2, warmup_target=0.3, warmup_steps=3),
    "cosine_restarts": lambda: S.CosineDecayRestarts(0.3, first_decay_steps=2, t_mul=2.0, m_mul=0.5, alpha=0.1),
}


def build(k, head, masked=False, name="metrics"):
    """A Sequential of ``k`` (Keras 3 or tf_keras): an LSTM(3) over (4, 2) inputs (masked:
    a Masking before it, its sequences out) and ``head``."""
    layers = [k.Input(shape=(4, 2))]
    if masked:
        layers += [k.layers.Masking(0.0, name="mask"), k.layers.LSTM(3, return_sequences=True, name="lstm")]
    else:
        layers += [k.layers.LSTM(3, name="lstm")]
    layers += [head]
    return k.Sequential(layers, name=name)


def record_history(out, case, hist):
    """A fit's History into ``out``: ``<case>__<key>`` each key's values, ``<case>__keys`` their order."""
    for key, values in hist.history.items():
        out[f"{case}__{key}"] = np.asarray(values, np.float32)
    out[f"{case}__keys"] = np.array(json.dumps(list(hist.history)))


def record(out, case, model, x, y, hist):
    record_history(out, case, hist)
    for n, w in enumerate(model.get_weights()):
        out[f"{case}_w{n}"] = w


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (12, 4, 2)).astype(np.float32)
    xm = x.copy()
    xm[::3, 2:] = 0.0  # (masked steps at the end of every third sample)
    score = x[:, 0, 0] - x[:, -1, 1]
    classes3 = np.digitize(score, [-0.4, 0.4])
    classes4 = np.digitize(score, [-0.6, 0.0, 0.6])
    out = {"x": x, "x_masked": xm,
           "y_categorical": np.eye(3, dtype=np.float32)[classes3],
           "y_binary": (score > 0).astype(np.float32),
           "y_sparse": classes4.astype(np.float32),
           "y_masked": (xm[:, :, :1] * 0.5 + 0.1).astype(np.float32),
           "y_schedule": (0.5 * score[:, None]).astype(np.float32)}
    M = keras.metrics
    cases = {
        "categorical": (lambda: keras.layers.Dense(3, activation="softmax", name="dense"), "categorical_crossentropy",
                        lambda: keras.optimizers.SGD(0.5),
                        ["accuracy", M.TopKCategoricalAccuracy(k=2), "mse", M.Precision(), M.Recall(), "AUC",
                         "categorical_crossentropy"], False),
        "binary": (lambda: keras.layers.Dense(1, activation="sigmoid", name="dense"), "binary_crossentropy",
                   lambda: keras.optimizers.Adam(0.05), ["accuracy", "mae", "mape", "msle"],
                   False),
        "sparse": (lambda: keras.layers.Dense(4, activation="softmax", name="dense"),
                   "sparse_categorical_crossentropy", lambda: keras.optimizers.RMSprop(0.05),
                   ["acc", "sparse_top_k_categorical_accuracy", "sparse_categorical_crossentropy"], False),
        "masked": (lambda: keras.layers.Dense(1, name="dense"), "mse", lambda: keras.optimizers.SGD(0.2),
                   ["mae", "mse"], True),
    }
    cases.update({f"schedule_{name}": (lambda: keras.layers.Dense(1, name="dense"), "mse",
                                       (lambda make=make: keras.optimizers.SGD(make())), [], False)
                  for name, make in SCHEDULES.items()})
    for case, (head, loss, opt, metrics, masked) in cases.items():
        model = build(keras, head(), masked)
        model.compile(loss=loss, optimizer=opt(), metrics=metrics)
        path = OUT / f"{case}.keras"
        model.save(path)
        deflated(path)
        loaded = keras.saving.load_model(path)
        data = xm if masked else x
        target = out["y_" + ("schedule" if case.startswith("schedule_") else case)]
        hist = loaded.fit(data, target, **FIT)
        record(out, case, loaded, data, target, hist)

    # a schedule that goes on from the iterations a trained file saved
    model = build(keras, keras.layers.Dense(1, name="dense"))
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(S.PolynomialDecay(0.05, 6, 0.001, power=2.0)))
    model.fit(x, out["y_schedule"], batch_size=4, epochs=1, shuffle=False, verbose=0)
    path = OUT / "schedule_trained.keras"
    model.save(path)
    deflated(path)
    loaded = keras.saving.load_model(path)
    out["schedule_trained_before"] = np.array(int(loaded.optimizer.iterations.numpy()))
    hist = loaded.fit(x, out["y_schedule"], **FIT)
    record(out, "schedule_trained", loaded, x, out["y_schedule"], hist)

    legacy(x, out)
    out["versions"] = np.array(json.dumps({"keras": keras.__version__}))
    np.savez_compressed(OUT / "fit.npz", **out)
    print(f"wrote {OUT}: {sorted(p.name for p in OUT.iterdir())}")


def legacy(x, out) -> None:
    """The tf_keras (Keras 2) files and tf_keras' fit of them loaded back."""
    import tf_keras

    specs = {"legacy_binary": (lambda: tf_keras.layers.Dense(1, activation="sigmoid", name="dense"),
                               "binary_crossentropy", lambda: tf_keras.optimizers.Adam(0.05), ["accuracy", "mae"],
                               out["y_binary"]),
             "legacy_schedule": (lambda: tf_keras.layers.Dense(1, name="dense"), "mse",
                                 lambda: tf_keras.optimizers.Adam(tf_keras.optimizers.schedules.PolynomialDecay(
                                     0.05, 3, 0.001, power=1.5, cycle=True)), [], out["y_schedule"])}
    for case, (head, loss, opt, metrics, y) in specs.items():
        model = build(tf_keras, head())
        model.compile(loss=loss, optimizer=opt(), metrics=metrics)
        path = OUT / f"{case}.h5"
        model.save(path)
        loaded = tf_keras.models.load_model(path)
        hist = loaded.fit(x, y, **FIT)
        record(out, case, loaded, x, y, hist)
    out["legacy_version"] = np.array(tf_keras.__version__)


if __name__ == "__main__":
    main()
