"""Check that a ``.keras`` file lstmviz writes keeps the compiled metrics (and
``weighted_metrics``): Keras 3 loads it, and its next ``fit`` History has the keys and the
values of lstmviz's own next ``fit`` of the same model.

    .venv/bin/python scripts/check_keras_metrics.py [--keras-python /tmp/kenv3/bin/python]

Cases: ``tests/fixtures/metrics/categorical.keras`` (accuracy, top-k, mse, Precision, Recall,
"AUC", crossentropy); ``auc_multi.keras`` (AUCs of multi_label, num_labels, label_weights, PR,
majoring: lstmviz writes the label weights as a list, which Keras 3.15's ``load_model`` reads,
where Keras' own save writes a tensor object it cannot read back); a model
Keras compiles here with ``metrics=["accuracy", "mae"]`` and ``weighted_metrics=["mae",
Precision()]`` (Keras names the first ``weighted_mae``); the Train tab's ``parity`` task saved
by ``app.train_user.save_snapshot`` (accuracy). lstmviz fits each 2 updates and saves it
(``io/keras_writer.save_keras``); Keras' ``load_model`` + ``fit(batch_size=4, epochs=1,
shuffle=False, validation_split=0.25)`` and lstmviz's next ``fit`` of the same data are
compared: the same History keys, every value within rtol 1e-5. Exit 0 when all match. Not
part of the test suite (needs Keras).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KERAS_ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}

#: writes a small model compiled with weighted_metrics (argv[1])
KERAS_MAKE = r"""
import sys
import keras
keras.utils.set_random_seed(1)
model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4), keras.layers.Dense(3, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy", "mae"],
              weighted_metrics=["mae", keras.metrics.Precision()])
model.save(sys.argv[1])
"""

#: loads each case's file, fits it, writes its History (argv[1]: the cases, argv[2]: out)
KERAS_FIT = r"""
import json, sys
import numpy as np
import keras
out = {}
for name, case in json.load(open(sys.argv[1])).items():
    data = np.load(case["data"])
    model = keras.saving.load_model(case["file"])
    hist = model.fit(data["x"], data["y"], batch_size=4, epochs=1, shuffle=False, validation_split=0.25,
                     verbose=0)
    out[name] = {"history": {k: [float(v) for v in vs] for k, vs in hist.history.items()},
                 "keras": keras.__version__}
json.dump(out, open(sys.argv[2], "w"))
"""


def main() -> int:
    import lstmviz
    from lstmviz.app.train_user import save_snapshot
    from lstmviz.app.training import Settings, TrainingSession
    from lstmviz.io.keras_writer import save_keras

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keras-python", default="/tmp/kenv3/bin/python")
    args = parser.parse_args()
    rng = np.random.default_rng(5)
    ours: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        weighted = here / "weighted_source.keras"
        subprocess.run([args.keras_python, "-c", KERAS_MAKE, str(weighted)], check=True, env=KERAS_ENV)
        todo = {}
        for name, path in (("categorical", ROOT / "tests" / "fixtures" / "metrics" / "categorical.keras"),
                           ("auc", ROOT / "tests" / "fixtures" / "metrics" / "auc_multi.keras"),
                           ("weighted", weighted)):
            model = lstmviz.load(path)
            _, steps, features = model.input_shapes()[0]
            x = rng.uniform(-1, 1, (12, steps or 5, features)).astype(np.float32)
            classes = model.predict(x[:1]).shape[-1]
            y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, 12)]
            lstmviz.fit(model, x[:10], y[:10], batch_size=5, epochs=1, shuffle=False)  # (2 updates)
            save_keras(model, here / f"{name}.keras")
            ours[name] = lstmviz.fit(model, x, y, batch_size=4, epochs=1, shuffle=False, validation_split=0.25)
            np.savez(here / f"{name}_data.npz", x=x, y=y)
            todo[name] = {"file": str(here / f"{name}.keras"), "data": str(here / f"{name}_data.npz")}
        # the Train tab's task, saved as its Save as .keras saves it
        session = TrainingSession(Settings(task="parity", units=4, batch_size=32, epochs=1))
        for _ in range(2):
            session.step()
        session.keep_current()
        save_snapshot(session, session.iteration, here / "parity.keras")
        x, y = session.data.x_val[:12], session.data.y_val[:12]
        ours["parity"] = lstmviz.fit(session.model, x, y, session.loss, session.trainer.optimizer, batch_size=4,
                                     epochs=1, shuffle=False, validation_split=0.25, metrics=["accuracy"])
        np.savez(here / "parity_data.npz", x=x, y=y)
        todo["parity"] = {"file": str(here / "parity.keras"), "data": str(here / "parity_data.npz")}
        (here / "cases.json").write_text(json.dumps(todo))
        subprocess.run([args.keras_python, "-c", KERAS_FIT, str(here / "cases.json"), str(here / "keras.json")],
                       check=True, env=KERAS_ENV)
        said = json.loads((here / "keras.json").read_text())
    ok = True
    for name, history in ours.items():
        theirs = said[name]["history"]
        same_keys = sorted(theirs) == sorted(history.history)
        worst = max((float(np.max(np.abs(np.subtract(history.history[k], theirs[k]))
                                  / np.maximum(np.abs(theirs[k]), 1e-12)))
                     for k in theirs if k in history.history), default=0.0)
        good = same_keys and worst <= 1e-5
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} {name}: Keras {said[name]['keras']} History keys "
              f"{sorted(theirs)}{'' if same_keys else f' vs lstmviz {sorted(history.history)}'}; "
              f"largest relative difference {worst:.2g}")
    print("all match" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
