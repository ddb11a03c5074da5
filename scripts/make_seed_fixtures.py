#!/usr/bin/env python
"""Reference numbers for the seed texts' models (``tests/test_seed_texts.py``), from REAL Keras 3.

The five texts in ``../shared/seeds`` quote parameter counts, weight shapes and output shapes
of the models they build, and make claims (dropout acts on the kernels, the layer is unrolled
once per feature, ...). This script builds every one of their models in Keras and records
what Keras says: ``summary.json`` (per model: each layer's parameter count, weight shapes and
output shapes) and, for the small models, ``numbers.npz`` (weights, an input, and Keras'
``predict`` output), so the test can check that lstmviz, built through its side panel's own
code, shows what Keras does -- also where a text is wrong.

Run with the fixture venv (TensorFlow + Keras 3)::

    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= $FIXENV/bin/python scripts/make_seed_fixtures.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "seed_texts"


def models(keras):
    L = keras.layers

    def seq(shape, *layers):
        return keras.Sequential([keras.Input(shape=shape), *layers])

    # name -> (model, input shape (timesteps, features), keep the numbers?)
    return {
        # text 0: model.add(LSTM(4, input_shape=(1, 2)))
        "t0_lstm4": (seq((1, 2), L.LSTM(4)), True),
        # text 1: units = 1, timesteps = 1, features = 1 (12) and features = 2 (16)
        "t1_f1": (seq((1, 1), L.LSTM(1)), True),
        "t1_f2": (seq((1, 2), L.LSTM(1)), True),
        # text 2: LSTM(units=N), return_sequences on / off
        "t2_seq": (seq((3, 2), L.LSTM(5, return_sequences=True)), True),
        "t2_last": (seq((3, 2), L.LSTM(5)), True),
        # text 3: Masking -> LSTM(16) -> Dense(2) -> Activation('sigmoid'), MAX_LENGTH = 10
        "t3_mask": (seq((10, 1), L.Masking(mask_value=0.0), L.LSTM(16), L.Dense(2),
                        L.Activation("sigmoid")), True),
        # text 3: LSTM(10, input_shape=(20, 30), return_sequences=True); and unroll=True
        "t3_weights": (seq((20, 30), L.LSTM(10, return_sequences=True)), False),
        "t3_unroll": (seq((20, 3), L.LSTM(4, return_sequences=True, unroll=True)), True),
        # text 4: SimpleRNN(128) stacked three deep on 128-wide inputs, then Dense
        "t4_rnn_stack": (seq((10, 1), L.SimpleRNN(128, return_sequences=True),
                             L.SimpleRNN(128, return_sequences=True), L.SimpleRNN(128), L.Dense(1)), False),
        "t4_lstm128": (seq((10, 1), L.LSTM(128)), False),
        # text 4: dropout / recurrent_dropout (said to act on the kernels)
        "t4_dropout": (seq((6, 3), L.LSTM(4, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)), True),
        # text 4: Flatten / TimeDistributed after return_sequences, before Dense
        "t4_flatten": (seq((5, 2), L.SimpleRNN(4, return_sequences=True), L.Flatten(), L.Dense(1)), True),
        "t4_td": (seq((5, 2), L.SimpleRNN(4, return_sequences=True), L.TimeDistributed(L.Dense(1))), True),
        # text 4: return_state
        "t4_state": (seq((4, 2), L.LSTM(3, return_state=True)), True),
    }


def main():
    import keras

    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(14)
    summary, arrays = {}, {}
    for name, (model, keep) in models(keras).items():
        layers = []
        for layer in model.layers:
            out = layer.output
            outs = out if isinstance(out, (list, tuple)) else [out]
            layers.append({"class_name": type(layer).__name__, "params": int(layer.count_params()),
                           "weights": [[w.path.split("/")[-1], list(w.shape)] for w in layer.weights],
                           "outputs": [[None if d is None else int(d) for d in o.shape] for o in outs]})
        summary[name] = {"total": int(model.count_params()), "layers": layers}
        if keep:
            for k, layer in enumerate(model.layers):
                ws = [rng.uniform(-0.8, 0.8, w.shape).astype(np.float32) for w in layer.get_weights()]
                layer.set_weights(ws)
                for j, w in enumerate(ws):
                    arrays[f"{name}/w{k}_{j}"] = w
            shape = (2,) + tuple(model.input_shape[1:])
            x = rng.uniform(-1, 1, shape).astype(np.float32)
            if name == "t3_mask":
                x[0, 6:] = 0.0  # padding the Masking layer skips
                x[1, 8:] = 0.0
            arrays[f"{name}/x"] = x
            y = model.predict(x, verbose=0)
            ys = y if isinstance(y, (list, tuple)) else [y]
            for j, yy in enumerate(ys):
                arrays[f"{name}/y{j}"] = np.asarray(yy, np.float32)
            if name == "t4_dropout":  # dropout off, same weights: predict is the same
                bare = keras.Sequential([keras.Input(shape=(6, 3)), keras.layers.LSTM(4, return_sequences=True)])
                bare.set_weights(model.get_weights())
                arrays[f"{name}/y_no_dropout"] = np.asarray(bare.predict(x, verbose=0), np.float32)
        print(name, summary[name]["total"])
    (OUT / "summary.json").write_text(json.dumps({"keras": keras.__version__, "models": summary}, indent=1))
    np.savez_compressed(OUT / "numbers.npz", **arrays)


if __name__ == "__main__":
    main()
