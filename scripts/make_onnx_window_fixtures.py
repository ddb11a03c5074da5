#!/usr/bin/env python
"""Generate the hand-built ONNX fixtures of a CNN before an LSTM whose Conv / pooling nodes
keep the steps (strides 1, pads giving as many steps as they read), or change them (strides,
pads short of the window, VALID, SAME of strides 2, ceil_mode: the LSTM steps over steps of
its own), in
``tests/fixtures/onnx_<case>/``, with REAL onnx and onnxruntime (no torch: a venv of
``onnx`` and ``onnxruntime`` is enough; run it outside the test suite)::

    /tmp/ort/bin/python scripts/make_onnx_window_fixtures.py [--only 'onnx_hand_cnn_*']

Each case directory holds ``model.onnx``, ``x.npy``, ``expected.npz`` (onnxruntime's outputs
by graph output name) and ``meta.json``, as ``make_onnx_fixtures.py`` writes them, and
``x2.npy`` / ``expected2.npz``: another batch over 100 steps (more than a Conv's chunks). The
graphs' sequence length is left open, so the tests run them over long inputs too (a long
input's windows through them: ``tests/test_engine_windows.py``).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import shutil
import sys
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CASES = {}


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, name=outs[0], **attrs)


def cnn_lstm(name, description, front, inits, channels, x_shape=(2, 7, 3), units=5, out_steps="seq", head=(),
             opset=19):
    """x (batch, seq, features) -> Transpose to (N, C, L) -> ``front`` (nodes from "xc" to
    "f", of ``channels`` channels) -> Transpose to (L, N, C) -> LSTM(``units``) -> Squeeze ->
    Transpose to (N, L, units) -> MatMul + Add (2 outputs) as "y" (of ``out_steps`` steps: a
    name of its own where the front changes the steps), or as "ya" and ``head`` (nodes from
    "ya" to "y") after it; of ONNX opset ``opset`` (before 13: Squeeze's axes an attribute)."""
    def make():
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        shapes = dict(inits, W=(1, 4 * units, channels), R=(1, 4 * units, units), Bl=(1, 8 * units),
                      M=(units, 2), b=(2,))
        tensors = [numpy_helper.from_array((np.abs(rng.standard_normal(shape)) * 0.5 + 0.5 if n.endswith("var")
                                            else rng.standard_normal(shape) * 0.5).astype(np.float32), n)
                   for n, shape in shapes.items()]
        if opset >= 13:  # (Squeeze's axes)
            tensors.append(numpy_helper.from_array(np.array([1], np.int64), "one"))
        nodes = [node("Transpose", ["x"], ["xc"], perm=[0, 2, 1])] + front + [
            node("Transpose", ["f"], ["ft"], perm=[2, 0, 1]),
            helper.make_node("LSTM", ["ft", "W", "R", "Bl"], ["Y"], name="lstm", hidden_size=units),
            node("Squeeze", ["Y", "one"], ["ys"]) if opset >= 13 else node("Squeeze", ["Y"], ["ys"], axes=[1]),
            node("Transpose", ["ys"], ["yb"], perm=[1, 0, 2]),
            node("MatMul", ["yb", "M"], ["ym"]),
            node("Add", ["ym", "b"], ["ya" if head else "y"]), *head]
        g = helper.make_graph(
            nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", x_shape[2]])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", out_steps, 2])],
            initializer=tensors)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="make_onnx_window_fixtures")
        m.ir_version = 9
        onnx.checker.check_model(m)
        out = FIXTURES / name
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        onnx.save(m, out / "model.onnx")
        x = rng.standard_normal(x_shape).astype(np.float32)
        # (and another batch over more steps than a Conv's chunk of 16 output steps)
        x2 = rng.standard_normal((3, 100, x_shape[2])).astype(np.float32)
        sess = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]
        got = dict(zip(names, sess.run(names, {"x": x})))
        np.save(out / "x.npy", x)
        np.savez(out / "expected.npz", **got)
        np.save(out / "x2.npy", x2)
        np.savez(out / "expected2.npz", **dict(zip(names, sess.run(names, {"x": x2}))))
        meta = {"inputs": ["x"], "outputs": names, "description": description,
                "file_params": int(sum(np.prod(s) for s in shapes.values())), "files": ["model.onnx"],
                "case": name, "framework": "onnx", "onnx_version": onnx.__version__,
                "onnxruntime_version": ort.__version__}
        (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
        print("wrote", out.relative_to(ROOT), {k: v.shape for k, v in got.items()})
    make.__name__ = name
    CASES[name] = make


cnn_lstm("onnx_hand_cnn_lstm_same_causal",
         "x (batch, seq, 3) -> Transpose -> Conv(4, k 3, pads [1, 1]) -> Relu -> BatchNormalization -> "
         "Conv(4, k 3, group 2, "
         "dilation 2, causal pads [4, 0], no bias) -> MaxPool(2, SAME_UPPER) -> AveragePool(2, SAME_LOWER, "
         "count_include_pad 0) -> AveragePool(4, pads [2, 1], count_include_pad 1) -> Transpose -> "
         "LSTM(5) -> Squeeze -> Transpose -> MatMul + Add (2): every node keeps the steps",
         [node("Conv", ["xc", "W1", "B1"], ["c1"], pads=[1, 1]),
          node("Relu", ["c1"], ["r1"]),
          node("BatchNormalization", ["r1", "bn_scale", "bn_b", "bn_mean", "bn_var"], ["bn"]),
          node("Conv", ["bn", "W2"], ["c2"], group=2, dilations=[2], pads=[4, 0]),
          node("MaxPool", ["c2"], ["m"], kernel_shape=[2], auto_pad="SAME_UPPER"),
          node("AveragePool", ["m"], ["a1"], kernel_shape=[2], auto_pad="SAME_LOWER", count_include_pad=0),
          node("AveragePool", ["a1"], ["f"], kernel_shape=[4], pads=[2, 1], count_include_pad=1)],
         {"W1": (4, 3, 3), "B1": (4,), "W2": (4, 2, 3), "bn_scale": (4,), "bn_b": (4,), "bn_mean": (4,),
          "bn_var": (4,)}, channels=4)

cnn_lstm("onnx_hand_cnn_lstm_strided",
         "x (batch, seq, 3) -> Transpose -> Conv(4, k 5, strides 2, pads [2, 1]) -> Relu -> MaxPool(3, "
         "strides 2, pads [1, 1], ceil_mode 1) -> Conv(4, k 2, group 2, dilation 2, VALID, no bias) -> "
         "AveragePool(2, strides 2, SAME_UPPER, count_include_pad 0) -> AveragePool(3, SAME_LOWER, "
         "count_include_pad 1) -> Transpose -> LSTM(5) -> Squeeze -> Transpose -> MatMul + Add (2): the "
         "LSTM steps over one step of every 8 (40 steps: 5; 100: 12)",
         [node("Conv", ["xc", "W1", "B1"], ["c1"], strides=[2], pads=[2, 1]),
          node("Relu", ["c1"], ["r1"]),
          node("MaxPool", ["r1"], ["m"], kernel_shape=[3], strides=[2], pads=[1, 1], ceil_mode=1),
          node("Conv", ["m", "W2"], ["c2"], group=2, dilations=[2], auto_pad="VALID"),
          node("AveragePool", ["c2"], ["a1"], kernel_shape=[2], strides=[2], auto_pad="SAME_UPPER",
               count_include_pad=0),
          node("AveragePool", ["a1"], ["f"], kernel_shape=[3], auto_pad="SAME_LOWER", count_include_pad=1)],
         {"W1": (4, 3, 5), "B1": (4,), "W2": (4, 2, 2)}, channels=4, x_shape=(2, 40, 3), out_steps="pooled")

cnn_lstm("onnx_hand_lstm_softmax_opset12",
         "opset 12: x (batch, seq, 3) -> Transpose -> Relu -> Transpose -> LSTM(5) -> Squeeze (axes attribute) "
         "-> Transpose -> MatMul + Add (2) -> Softmax of its default axis 1: its input (N, T, 2) flattened to "
         "(N, T * 2), each sample's shares over every step (issue 13: held whole for windows)",
         [node("Relu", ["xc"], ["f"])], {}, channels=3, x_shape=(2, 40, 3),
         head=[node("Softmax", ["ya"], ["y"])], opset=12)

cnn_lstm("onnx_hand_lstm_logsoftmax_opset12",
         "opset 12: x (batch, seq, 3) -> Transpose -> Relu -> Transpose -> LSTM(5) -> Squeeze (axes attribute) "
         "-> Transpose -> MatMul + Add (2) -> Relu -> LogSoftmax of axis 1: (N, T, 2) flattened to (N, T * 2) "
         "(issue 13: held whole for windows) -> Add of the Relu (each number alone after it)",
         [node("Relu", ["xc"], ["f"])], {}, channels=3, x_shape=(2, 40, 3),
         head=[node("Relu", ["ya"], ["yr"]), node("LogSoftmax", ["yr"], ["yl"], axis=1),
               node("Add", ["yl", "yr"], ["y"])], opset=12)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="*")
    args = ap.parse_args()
    for name, fn in CASES.items():
        if fnmatch.fnmatch(name, args.only):
            fn()
    return 0


if __name__ == "__main__":
    sys.exit(main())
