"""Keras 1 files, which no Keras alive today can load: checked against a hand-written
reference of Keras 1's equations, reading the per-gate arrays straight from the file.

Keras 1.2 stores an LSTM as twelve arrays W_i, U_i, b_i, W_c, U_c, b_c, W_f, ... (gate
order i, c, f, o), calls the recurrent activation ``inner_activation`` and defines
``hard_sigmoid(x) = clip(0.2 x + 0.5, 0, 1)``. The loader fuses them into Keras 2's
``kernel (d, 4u)`` in order i, f, c, o; this test never looks at that fusion.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import lstmviz
from tests.helpers import REALWORLD

MODEL = REALWORLD / "models" / "dl4j_k1_simple_lstm_theano_model.h5"

if not MODEL.exists():
    pytest.skip(f"real-world corpus not found at {REALWORLD}", allow_module_level=True)


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def keras1_lstm_dense(f, x):
    """Keras 1.2's LSTM.step and Dense, one sample and one step at a time, float64."""
    g = f["model_weights"]
    lstm = {k: np.asarray(v, np.float64) for k, v in g["lstm_1"].items()}
    W = {gate: lstm[f"lstm_1_W_{gate}"] for gate in "icfo"}
    U = {gate: lstm[f"lstm_1_U_{gate}"] for gate in "icfo"}
    b = {gate: lstm[f"lstm_1_b_{gate}"] for gate in "icfo"}
    out = []
    for sample in x.astype(np.float64):
        h = np.zeros(U["i"].shape[0])
        c = np.zeros_like(h)
        for x_t in sample:
            i = hard_sigmoid(x_t @ W["i"] + b["i"] + h @ U["i"])
            f_ = hard_sigmoid(x_t @ W["f"] + b["f"] + h @ U["f"])
            c = f_ * c + i * np.tanh(x_t @ W["c"] + b["c"] + h @ U["c"])
            o = hard_sigmoid(x_t @ W["o"] + b["o"] + h @ U["o"])
            h = o * np.tanh(c)
        out.append(h)
    h_last = np.array(out)
    dense_w = np.asarray(g["dense_1"]["dense_1_W"], np.float64)
    dense_b = np.asarray(g["dense_1"]["dense_1_b"], np.float64)
    return h_last, h_last @ dense_w + dense_b


def test_keras1_lstm_equals_hand_written_keras1_reference():
    model = lstmviz.load(MODEL)
    x = np.random.default_rng(7).uniform(-2, 2, (4, 9, 1)).astype(np.float32)
    trace = model.trace(x)
    with h5py.File(MODEL, "r") as f:
        h_ref, y_ref = keras1_lstm_dense(f, x)
    np.testing.assert_allclose(trace["lstm_1"].output, h_ref, atol=1e-5)
    np.testing.assert_allclose(trace.output, y_ref, atol=1e-5)
    # the gates really are Keras 1's hard sigmoid: some saturate at exactly 0 or 1
    gates = np.concatenate([trace["lstm_1"].steps[k].ravel() for k in ("i", "f", "o")])
    assert gates.min() >= 0.0 and gates.max() <= 1.0
