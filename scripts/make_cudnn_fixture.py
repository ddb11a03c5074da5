"""Fixture for CuDNNLSTM / CuDNNGRU files, made with real tf-keras (Keras 2).

No published CuDNN model was found, and the CuDNN layers only run on a GPU, so the
reference numbers come from Keras' own conversion: tf-keras writes a model of CuDNN
layers (on the CPU it can build and save them), then loads that file into the equivalent
standard model (LSTM with sigmoid gates; GRU with reset_after=True), converting the
weights itself, and predicts. lstmviz must read the CuDNN file and give those numbers.

Run with the `fixtures` extra: /work/kvenv/bin/python scripts/make_cudnn_fixture.py
Writes tests/fixtures/k2_cudnn/ (model.h5, x.npy, expected.npz, meta.json).
"""

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402
from tf_keras.src.layers.rnn.cudnn_gru import CuDNNGRU  # noqa: E402
from tf_keras.src.layers.rnn.cudnn_lstm import CuDNNLSTM  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "k2_cudnn"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    L = keras.layers
    cudnn = keras.Sequential([L.InputLayer(input_shape=(5, 3)),
                              CuDNNLSTM(4, return_sequences=True, name="cudnn_lstm"),
                              CuDNNGRU(3, name="cudnn_gru")], name="cudnn")
    cudnn.set_weights([rng.uniform(-0.8, 0.8, w.shape).astype("float32") for w in cudnn.get_weights()])
    cudnn.save(OUT / "model.h5")
    standard = keras.Sequential([L.InputLayer(input_shape=(5, 3)),
                                 L.LSTM(4, return_sequences=True, recurrent_activation="sigmoid",
                                        name="cudnn_lstm"),
                                 L.GRU(3, reset_after=True, recurrent_activation="sigmoid",
                                       name="cudnn_gru")], name="standard")
    standard.load_weights(OUT / "model.h5")  # Keras converts the CuDNN layout here
    x = rng.uniform(-1, 1, (2, 5, 3)).astype("float32")
    np.save(OUT / "x.npy", x)
    probe = keras.Model(standard.inputs, [layer.output for layer in standard.layers])
    outs = probe.predict(x, verbose=0)
    arrays = {"output": standard.predict(x, verbose=0)}
    arrays.update({f"layer:{layer.name}": o for layer, o in zip(standard.layers, outs)})
    np.savez(OUT / "expected.npz", **arrays)
    meta = {
        "case": "k2_cudnn", "keras": "2", "keras_version": keras.__version__,
        "files": ["model.h5"], "inputs": 1, "outputs": 1, "batch": 2, "stateful": False,
        # lstmviz shows the equivalent standard layers (one LSTM bias, GRU reset_after=True),
        # so the counts are those of Keras' standard model, not the CuDNN layers' own.
        "total_params": int(standard.count_params()),
        "layers": [{"name": layer.name, "class": type(layer).__name__,
                    "params": int(layer.count_params()),
                    "output_shape": list(layer.output_shape)} for layer in standard.layers],
        "description": "CuDNNLSTM(4, return_sequences) -> CuDNNGRU(3) written by tf-keras; the "
                       "numbers are Keras' own conversion into LSTM / GRU(reset_after=True)",
    }
    (OUT / "meta.json").write_text(json.dumps(meta, indent=1))
    print(f"wrote {OUT}: output {arrays['output'].ravel()[:3]}...")


if __name__ == "__main__":
    main()
