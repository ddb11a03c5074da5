"""Check that a model trained in lstmviz and saved as ``.keras`` goes on training in Keras 3
exactly as lstmviz's own next ``fit`` does (its compile_config and optimizer state).

    .venv/bin/python scripts/check_keras_continue.py [--keras-python /tmp/kenv3/bin/python]

For each case (an LSTM -> Dense, a stack of Bidirectional LSTMs, a GRU, LSTMs with a TimeDistributed
Dense, a frozen first LSTM (a Keras 3 and a tf_keras file), a Bidirectional, TimeDistributed and
RNN frozen by their own flag only (a Keras 2 and a Keras 3 model); Adam, RMSprop with momentum,
centered and clipnorm, SGD with Nesterov momentum, plain SGD, Adagrad, each with mse or
mae), lstmviz fits the model 2 updates and saves it (``io/keras_writer.save_keras``); then
Keras' ``load_model`` + ``fit(batch_size=4, epochs=1, shuffle=False)`` of that file in the
Keras interpreter, and lstmviz's second ``fit`` of the same model, data and optimizer, are
compared: loss and every weight (``get_weights()``) within 2e-6 (float32 sums in another
order), the iterations Keras restored and its ``trainable_variables`` equal to lstmviz's. A
fresh optimizer's fit is reported beside it, to show the state is what makes them agree.
Exit 0 when all match. Not part of the test suite (needs Keras).
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

KERAS_SIDE = r"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np
import keras
out = {}
for name, case in json.load(open(sys.argv[1])).items():
    data = np.load(case["data"])
    model = keras.saving.load_model(case["file"])
    its = int(model.optimizer.iterations.numpy())
    moved = len(model.trainable_variables)
    hist = model.fit(data["x"], data["y"], batch_size=4, epochs=1, shuffle=False, verbose=0)
    fresh = keras.saving.load_model(case["file"], compile=False)
    fresh.compile(loss=model.loss, optimizer=model.optimizer.__class__.from_config(model.optimizer.get_config()))
    fresh.fit(data["x"], data["y"], batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.savez(case["out"], loss=np.float32(hist.history["loss"][-1]),
             **{f"w{k}": w for k, w in enumerate(model.get_weights())},
             **{f"fresh{k}": w for k, w in enumerate(fresh.get_weights())})
    out[name] = {"iterations": its, "optimizer": type(model.optimizer).__name__,
                 "keras": keras.__version__, "trainable": moved}
json.dump(out, open(sys.argv[2], "w"))
"""


def cases():
    from lstmviz.engine.optimizers import SGD, Adagrad, Adam, RMSprop

    lstm = ROOT / "tests" / "fixtures" / "compiled" / "rmsprop_mae.keras"
    bidi = ROOT / "tests" / "fixtures" / "k3_bidi_lstm_stacked" / "model.keras"
    gru = ROOT / "tests" / "fixtures" / "k3_gru_reset_after" / "model.keras"
    td = ROOT / "tests" / "fixtures" / "k3_lstm_stacked_td" / "model.keras"
    yield "lstm_adam", lstm, "mse", Adam(0.01)
    yield "lstm_rmsprop", lstm, "mae", RMSprop(0.005, rho=0.8, momentum=0.5, centered=True, clipnorm=1.0)
    yield "lstm_sgd_nesterov", lstm, "mse", SGD(0.05, momentum=0.9, nesterov=True)
    yield "lstm_sgd", lstm, "mse", SGD(0.1)
    yield "lstm_adagrad", lstm, "mse", Adagrad(0.05)
    yield "bidi_lstm_adam", bidi, "mse", Adam(0.02, beta_1=0.8, global_clipnorm=0.5)
    yield "gru_rmsprop", gru, "mse", RMSprop(0.01, momentum=0.3)
    yield "lstm_td_adagrad", td, "mae", Adagrad(0.1, initial_accumulator_value=0.2, clipvalue=0.05)
    # partly frozen (trainable: false): the state holds the trainable weights' slots only
    yield "frozen_lstm_adam", ROOT / "tests" / "fixtures" / "frozen" / "trained_frozen_adam.keras", "mse", Adam(0.01)
    yield "frozen_lstm_rmsprop", ROOT / "tests" / "fixtures" / "frozen" / "legacy_trained_frozen_adam.h5", "mae", \
        RMSprop(0.005, rho=0.8, momentum=0.5, centered=True)
    # a wrapper frozen by its own flag only: tf_keras freezes what it wraps (the file lstmviz
    # writes says so inside it too), Keras 3 does not
    for major in ("2", "3"):
        yield f"wrapper_flag_k{major}_adam", _wrapped(major), "mse", Adam(0.01)


def _wrapped(major: str):
    from lstmviz.engine import LayerSpec, Model

    return Model.sequential((None, 5, 3), [
        LayerSpec("Bidirectional", {"trainable": False, "merge_mode": "sum",
                                    "layer": {"class_name": "GRU", "config": {"units": 3, "return_sequences": True}}}),
        LayerSpec("TimeDistributed", {"trainable": False, "layer": {"class_name": "Dense", "config": {"units": 2}}}),
        LayerSpec("RNN", {"trainable": False, "cell": {"class_name": "SimpleRNNCell", "config": {"units": 2}},
                          "return_sequences": True}),
        LayerSpec("LSTM", {"units": 2}), LayerSpec("Dense", {"units": 1})], keras_version=major, seed=5)


def main() -> int:
    import lstmviz
    from lstmviz.engine.layers import model_arrays, trainable_arrays
    from lstmviz.io.keras_writer import save_keras

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keras-python", default="/tmp/kenv3/bin/python")
    args = parser.parse_args()
    rng = np.random.default_rng(3)
    ours: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        todo = {}
        for name, path, loss, opt in cases():
            model = lstmviz.load(path) if isinstance(path, Path) else path
            _, steps, features = model.input_shapes()[0]
            x = rng.uniform(-1, 1, (10, steps or 5, features)).astype(np.float32)
            y = rng.uniform(-1, 1, (10, *model.predict(x[:1]).shape[1:])).astype(np.float32)
            lstmviz.fit(model, x, y, loss, opt, batch_size=5, epochs=1, shuffle=False)  # (2 updates)
            file = Path(tmp) / f"{name}.keras"
            save_keras(model, file)
            np.savez(Path(tmp) / f"{name}_data.npz", x=x, y=y)
            saved = opt.restored_iterations + opt.iterations
            history = lstmviz.fit(model, x, y, loss, opt, batch_size=4, epochs=1, shuffle=False)
            ours[name] = (history[-1], [a.copy() for a in model_arrays(model)], saved, len(trainable_arrays(model)))
            todo[name] = {"file": str(file), "data": str(Path(tmp) / f"{name}_data.npz"),
                          "out": str(Path(tmp) / f"{name}_keras.npz")}
        (Path(tmp) / "cases.json").write_text(json.dumps(todo))
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
        subprocess.run([args.keras_python, "-c", KERAS_SIDE, str(Path(tmp) / "cases.json"),
                        str(Path(tmp) / "keras.json")], check=True, env=env)
        said = json.loads((Path(tmp) / "keras.json").read_text())
        ok = True
        for name, (loss, weights, iterations, moved) in ours.items():
            with np.load(todo[name]["out"]) as k:
                diff = max(float(np.abs(a - k[f"w{i}"]).max()) for i, a in enumerate(weights))
                fresh = max(float(np.abs(a - k[f"fresh{i}"]).max()) for i, a in enumerate(weights))
                dloss = abs(loss - float(k["loss"]))
            good = (diff <= 2e-6 and dloss <= 2e-6 * max(1.0, abs(loss)) and said[name]["iterations"] == iterations
                    and said[name]["trainable"] == moved)
            ok &= good
            print(f"{'ok  ' if good else 'FAIL'} {name}: Keras {said[name]['keras']} restored "
                  f"{said[name]['optimizer']} at iteration {said[name]['iterations']} (lstmviz {iterations}), "
                  f"{said[name]['trainable']} trainable weights (lstmviz {moved}); "
                  f"its fit vs lstmviz's: weights {diff:.2g}, loss {dloss:.2g}; "
                  f"a fresh optimizer's would differ by {fresh:.2g}")
    print("all match" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
