"""Models compiled with ``AUC`` and what Keras' ``fit`` records of them, and Keras' own
``AUC`` of chosen predictions, for ``engine.metrics``' AUC (``tests/test_metrics.py``).

Writes into ``tests/fixtures/metrics/`` (each model an LSTM(3) on inputs of 4 steps and 2
features, saved compiled before any training, its members deflated; 40 samples):

- ``auc_binary.keras``: Dense(1, sigmoid), binary_crossentropy, Adam(0.05), ``metrics=[AUC(),
  AUC(curve="PR"), AUC(num_thresholds=50, summation_method="minoring"), AUC(curve="PR",
  summation_method="majoring"), AUC(thresholds=[0.1, 0.35, 0.5, 0.9]), "AUC"]`` (Keras names
  them ``auc``, ``auc_1``, ... and the last ``AUC``), targets of shape (n,);
- ``auc_logits.keras``: Dense(1) (no activation), mse, SGD(0.2), ``metrics=[AUC(from_logits=True),
  AUC()]`` (the second takes the outputs as they are: Keras clips them to 0..1);
- ``auc_multi.keras``: Dense(3, sigmoid), binary_crossentropy, Adam(0.05), three labels a sample,
  ``metrics=[AUC(multi_label=True), AUC(multi_label=True, num_labels=3, label_weights=[0.5, 1, 2],
  curve="PR"), AUC(label_weights=[1, 0.5, 2], summation_method="majoring")]`` (Keras 3.15 writes
  ``label_weights`` as a ``{"class_name": "__tensor__", ...}`` object that its own ``load_model``
  does not read back: ``fit`` is of the model saved, not of the file loaded);
- ``auc_steps.keras``: Masking -> LSTM(3, return_sequences) -> Dense(1, sigmoid), binary_crossentropy,
  SGD(0.5), ``metrics=["auc"]``, masked inputs: every step is counted (Keras 3 gives AUC no mask);
- ``legacy_auc.h5``: the binary model built and compiled with tf_keras 2.21 (Keras 2),
  ``metrics=[AUC(), AUC(curve="PR", num_thresholds=20)]``, saved as HDF5 (its ``training_config``);
- ``legacy_auc_steps.h5``: the model of ``auc_steps.keras`` built with tf_keras, Adam(0.05),
  ``metrics=[AUC(), Precision(), Recall()]``: tf_keras weighs their counts by the output's mask
  (its ``MetricsContainer`` hands every metric the mask as ``sample_weight``), Keras 3 does not;
- ``legacy_auc_names.keras``: the binary model built with tf_keras and saved in its ``.keras``
  format, ``metrics=["AUC", "Precision", "AUC", "MeanSquaredError", "mae"]``: tf_keras names
  the classes given by name as the classes name themselves (``auc``, ``precision``, ``auc_1``,
  ``mean_squared_error``), Keras 3 by the names given;
- ``auc.npz``: ``x``, ``x_masked``, ``y_<case>``, and Keras' ``fit(x, y, batch_size=8, epochs=3,
  shuffle=False, validation_split=0.25)`` of each file loaded back: ``<case>__<key>`` for each
  History key (``<case>__keys`` their order); and ``direct_y1``, ``direct_p1``, ``direct_y2``,
  ``direct_p2`` (two batches of 16 x 3 targets and predictions: 0, 1, values on thresholds,
  below 0 and above 1), ``direct_cases`` (``DIRECT`` as JSON), then for each ``DIRECT`` case
  Keras 3's (``k3_``) and tf_keras' (``k2_``) AUC updated by both batches: ``<gen>_<case>__result``, and for Keras 3's
  ``KEPT_VARIABLES`` ``__tp``, ``__fp``, ``__tn``, ``__fn`` (its confusion variables).

Run from the repository root in the fixtures venv (TensorFlow 2.21, Keras 3.15, tf_keras 2.21):
    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_auc_fixtures.py
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
from make_metric_fixtures import build as metric_model  # noqa: E402 (the metric fixtures' model)
from make_metric_fixtures import record_history as record  # noqa: E402 (a History into the .npz)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "metrics"
FIT = {"batch_size": 8, "epochs": 3, "shuffle": False, "validation_split": 0.25, "verbose": 0}

#: AUC settings updated directly by two batches (the same for Keras 3 and tf_keras)
DIRECT = {
    "roc": {},
    "pr": {"curve": "PR"},
    "minoring": {"summation_method": "minoring"},
    "pr_majoring": {"curve": "PR", "summation_method": "majoring"},
    "three": {"num_thresholds": 3},
    "uneven": {"thresholds": [0.3, 0.5, 0.71]},
    "even_given": {"thresholds": [0.25, 0.5, 0.75]},
    "logits": {"from_logits": True},
    "multi": {"multi_label": True},
    "multi_pr_weights": {"multi_label": True, "label_weights": [1.0, 2.0, 0.5], "curve": "PR"},
    "label_weights": {"label_weights": [1.0, 2.0, 0.5]},
    "prgain": {"curve": "PRGAIN"},
}


#: the ``DIRECT`` cases whose confusion variables are kept too (Keras 3's; the file stays small)
KEPT_VARIABLES = ("roc", "uneven", "multi")


def build(k, head, masked=False):
    return metric_model(k, head, masked, name="auc")


def direct(k, gen, out) -> None:
    """Each ``DIRECT`` AUC of ``k`` (keras or tf_keras) updated by the two batches."""
    for case, settings in DIRECT.items():
        m = k.metrics.AUC(**settings)
        m.update_state(out["direct_y1"], out["direct_p1"])
        m.update_state(out["direct_y2"], out["direct_p2"])
        out[f"{gen}_{case}__result"] = np.asarray(m.result(), np.float32)
        if gen != "k3" or case not in KEPT_VARIABLES:
            continue
        for short, var in (("tp", m.true_positives), ("fp", m.false_positives), ("tn", m.true_negatives),
                           ("fn", m.false_negatives)):
            out[f"{gen}_{case}__{short}"] = np.asarray(var, np.float32)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(5)
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (40, 4, 2)).astype(np.float32)
    xm = x.copy()
    xm[::3, 2:] = 0.0  # (masked steps at the end of every third sample)
    score = x[:, 0, 0] - x[:, -1, 1] + rng.normal(0, 0.4, 40)  # (noisy: no classifier is perfect)
    y_multi = np.stack([score > 0, x[:, 1, 0] > 0.2, x[:, 2, 1] + x[:, 3, 0] > 0], axis=-1).astype(np.float32)
    out = {"x": x, "x_masked": xm,
           "y_binary": (score > 0).astype(np.float32),
           "y_logits": (score > 0.3).astype(np.float32),
           "y_multi": y_multi,
           "y_steps": (np.cumsum(xm[:, :, :1], axis=1) > 0).astype(np.float32)}
    grid = np.array([0.0, 1.0, 0.5, 0.25, 1 / 199, 2 / 199, 0.75, 0.3, 0.71, -0.2, 1.3, 0.99], np.float32)
    p = rng.uniform(0, 1, (2, 16, 3)).astype(np.float32)
    p[0].flat[:grid.size] = grid
    p[1].flat[-grid.size:] = grid[::-1]
    yy = (rng.uniform(0, 1, (2, 16, 3)) < 0.3 + 0.4 * p).astype(np.float32)
    yy[1, 0, 0] = 2.0  # (a target of 2 is true: Keras casts targets to bool)
    out.update({"direct_y1": yy[0], "direct_p1": p[0], "direct_y2": yy[1], "direct_p2": p[1]})
    A = keras.metrics.AUC
    cases = {
        "auc_binary": (lambda: keras.layers.Dense(1, activation="sigmoid", name="dense"), "binary_crossentropy",
                       lambda: keras.optimizers.Adam(0.05),
                       lambda: [A(), A(curve="PR"), A(num_thresholds=50, summation_method="minoring"),
                                A(curve="PR", summation_method="majoring"), A(thresholds=[0.1, 0.35, 0.5, 0.9]),
                                "AUC"], False, "y_binary"),
        "auc_logits": (lambda: keras.layers.Dense(1, name="dense"), "mse", lambda: keras.optimizers.SGD(0.2),
                       lambda: [A(from_logits=True), A()], False, "y_logits"),
        "auc_multi": (lambda: keras.layers.Dense(3, activation="sigmoid", name="dense"), "binary_crossentropy",
                      lambda: keras.optimizers.Adam(0.05),
                      lambda: [A(multi_label=True),
                               A(multi_label=True, num_labels=3, label_weights=[0.5, 1, 2], curve="PR"),
                               A(label_weights=[1, 0.5, 2], summation_method="majoring")], False, "y_multi"),
        "auc_steps": (lambda: keras.layers.Dense(1, activation="sigmoid", name="dense"), "binary_crossentropy",
                      lambda: keras.optimizers.SGD(0.5), lambda: ["auc"], True, "y_steps"),
    }
    for case, (head, loss, opt, metrics, masked, y) in cases.items():
        model = build(keras, head(), masked)
        model.compile(loss=loss, optimizer=opt(), metrics=metrics())
        path = OUT / f"{case}.keras"
        model.save(path)
        deflated(path)
        if case == "auc_multi":  # (Keras 3.15 cannot load its own file back: see the docstring)
            loaded = model
        else:
            loaded = keras.saving.load_model(path)
        hist = loaded.fit(xm if masked else x, out[y], **FIT)
        record(out, case, hist)
    out["direct_cases"] = np.array(json.dumps(DIRECT))
    direct(keras, "k3", out)
    legacy(x, out)
    out["versions"] = np.array(json.dumps({"keras": keras.__version__}))
    np.savez_compressed(OUT / "auc.npz", **out)
    print(f"wrote {OUT}: {sorted(p.name for p in OUT.iterdir() if 'auc' in p.name)}")


def legacy(x, out) -> None:
    """The tf_keras (Keras 2) files, tf_keras' fit of each loaded back, and its direct AUCs."""
    import tf_keras

    model = build(tf_keras, tf_keras.layers.Dense(1, activation="sigmoid", name="dense"))
    model.compile(loss="binary_crossentropy", optimizer=tf_keras.optimizers.Adam(0.05),
                  metrics=[tf_keras.metrics.AUC(), tf_keras.metrics.AUC(curve="PR", num_thresholds=20)])
    path = OUT / "legacy_auc.h5"
    model.save(path)
    loaded = tf_keras.models.load_model(path)
    record(out, "legacy_auc", loaded.fit(x, out["y_binary"], **FIT))
    model = build(tf_keras, tf_keras.layers.Dense(1, activation="sigmoid", name="dense"), masked=True)
    model.compile(loss="binary_crossentropy", optimizer=tf_keras.optimizers.Adam(0.05),
                  metrics=[tf_keras.metrics.AUC(), tf_keras.metrics.Precision(), tf_keras.metrics.Recall()])
    path = OUT / "legacy_auc_steps.h5"
    model.save(path)
    loaded = tf_keras.models.load_model(path)
    record(out, "legacy_auc_steps", loaded.fit(out["x_masked"], out["y_steps"], **FIT))
    # metric classes given by name, in tf_keras' own .keras format: named by their classes
    model = build(tf_keras, tf_keras.layers.Dense(1, activation="sigmoid", name="dense"))
    model.compile(loss="binary_crossentropy", optimizer=tf_keras.optimizers.Adam(0.05),
                  metrics=["AUC", "Precision", "AUC", "MeanSquaredError", "mae"])
    path = OUT / "legacy_auc_names.keras"
    model.save(path)
    deflated(path)
    tf_keras.backend.clear_session()  # (names made as in a process that only loads the file)
    loaded = tf_keras.models.load_model(path)
    record(out, "legacy_auc_names", loaded.fit(x, out["y_binary"], **FIT))
    direct(tf_keras, "k2", out)
    out["legacy_version"] = np.array(tf_keras.__version__)


if __name__ == "__main__":
    main()
