#!/usr/bin/env python
"""Generate ``tests/fixtures/onnx_keras_<case>/``: Keras 3 models as practitioners turn them
into ONNX (``model.export()`` to a SavedModel, then tf2onnx), with REAL TensorFlow, Keras,
tf2onnx and onnxruntime (run with a fixture venv, never from the test suite)::

    python -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.21.0 tf2onnx onnxruntime onnx
    TF_CPP_MIN_LOG_LEVEL=3 /tmp/tfenv/bin/python scripts/make_keras_onnx_fixtures.py

Each case directory holds what ``scripts/make_onnx_fixtures.py`` writes (``model.onnx``,
``x.npy``, ``expected.npz`` with onnxruntime's outputs by graph output name, ``meta.json``),
plus ``x2.npy`` / ``expected2.npz`` at another batch and sequence length (the graphs' axes
are symbolic), and Keras' own ``model.predict`` under ``keras`` in ``expected.npz``
(onnxruntime and Keras are checked to agree here, to 1e-5, before anything is written).

tf2onnx (1.17) turns a Keras LSTM into an ONNX LSTM node, but keeps Keras' GRU and
SimpleRNN as a ``Loop`` over a subgraph: ``refused_onnx_keras_gru/model.onnx`` is such a
file, which lstmviz refuses in one line (tests/test_io_onnx.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
L = keras.layers
OPSET = 17


def _float_input(batch, steps):
    return np.random.default_rng(batch * 100 + steps).normal(size=(batch, steps, 3)).astype(np.float32)


def _ids(batch, steps):
    return np.random.default_rng(batch * 100 + steps).integers(0, 20, size=(batch, steps)).astype(np.int32)


#: name -> (layers after the input, description, input maker, input spec)
CASES = {
    "lstm_dense": (lambda: [L.LSTM(8), L.Dense(2)], "LSTM(8) -> Dense(2)", _float_input, (None, 3)),
    "lstm_stacked": (lambda: [L.LSTM(8, return_sequences=True), L.LSTM(4), L.Dense(1)],
                     "LSTM(8, return_sequences) -> LSTM(4) -> Dense(1)", _float_input, (None, 3)),
    "bidi_lstm_seq": (lambda: [L.Bidirectional(L.LSTM(4, return_sequences=True)), L.Dense(2)],
                      "Bidirectional(LSTM(4, return_sequences)) -> Dense(2) on every step",
                      _float_input, (None, 3)),
    "lstm_backwards": (lambda: [L.LSTM(5, go_backwards=True), L.Dense(1)],
                       "LSTM(5, go_backwards) -> Dense(1)", _float_input, (None, 3)),
    "embedding_lstm": (lambda: [L.Embedding(20, 4), L.LSTM(6), L.Dense(3, activation="softmax")],
                       "Embedding(20, 4) -> LSTM(6) -> Dense(3, softmax)", _ids, (None,)),
}


def _model(layers, shape, ids: bool):
    keras.utils.set_random_seed(0)
    inp = keras.Input(shape, dtype="int32" if ids else "float32")
    model = keras.Sequential([inp] + layers())
    rng = np.random.default_rng(1)
    for w in model.weights:  # biases away from Keras' zeros / ones, so that they are read
        if "bias" in w.path:
            w.assign(rng.normal(size=w.shape).astype(np.float32) * 0.3)
    return model


def _convert(model, folder: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        model.export(str(Path(tmp) / "sm"), verbose=False)
        out = folder / "model.onnx"
        subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--saved-model", str(Path(tmp) / "sm"),
                        "--output", str(out), "--opset", str(OPSET)], check=True, capture_output=True)
    return out


def _ort(path: Path, x) -> dict:
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, {sess.get_inputs()[0].name: x})))


def make(name: str) -> None:
    layers, description, maker, shape = CASES[name]
    ids = maker is _ids
    model = _model(layers, shape, ids)
    out = FIXTURES / f"onnx_keras_{name}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    path = _convert(model, out)
    proto = onnx.load(str(path))
    inputs = [i.name for i in proto.graph.input if i.name not in {t.name for t in proto.graph.initializer}]
    files = []
    for suffix, (batch, steps) in (("", (2, 7)), ("2", (3, 11))):
        x = maker(batch, steps)
        got = _ort(path, x)
        want = model.predict(x, verbose=0)
        first = next(iter(got.values()))
        err = float(np.abs(first - want).max())
        assert err < 1e-5, (name, err)
        np.save(out / f"x{suffix}.npy", x)
        if suffix:
            np.savez(out / "expected2.npz", y=first)
            files += ["x2.npy", "expected2.npz"]
        else:
            np.savez(out / "expected.npz", keras=want, **got)
    ops = sorted({n.op_type for n in proto.graph.node})
    # what the file holds: Keras' parameters, and the zeros tf2onnx adds (an ONNX LSTM's
    # second bias, Rb, where Keras has one bias)
    held = sum(int(np.prod(t.dims)) for t in proto.graph.initializer
               if t.data_type == onnx.TensorProto.FLOAT and int(np.prod(t.dims)) > 1)
    meta = {"case": out.name, "framework": "onnx", "exporter": "tf2onnx", "inputs": inputs,
            "outputs": [o.name for o in proto.graph.output], "description": description,
            "file_params": held, "keras_params": int(model.count_params()), "ops": ops, "files": ["model.onnx"] + files,
            "tensorflow_version": tf.__version__, "keras_version": keras.__version__,
            "tf2onnx_version": tf2onnx.__version__, "onnx_version": onnx.__version__,
            "onnxruntime_version": ort.__version__, "opset": OPSET}
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print("wrote", out.relative_to(ROOT), ops)


def make_refused() -> None:
    """A Keras GRU through tf2onnx: a Loop node, which lstmviz refuses (no meta.json: not a
    case the equality tests run)."""
    model = _model(lambda: [L.GRU(3), L.Dense(1)], (None, 2), False)
    out = FIXTURES / "refused_onnx_keras_gru"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    path = _convert(model, out)
    ops = sorted({n.op_type for n in onnx.load(str(path)).graph.node})
    assert "Loop" in ops and "GRU" not in ops, ops
    print("wrote", out.relative_to(ROOT), ops)


if __name__ == "__main__":
    only = sys.argv[1:]
    for case in CASES:
        if not only or case in only:
            make(case)
    if not only or "refused" in only:
        make_refused()
