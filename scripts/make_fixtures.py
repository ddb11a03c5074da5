#!/usr/bin/env python
"""Generate the reference fixtures in ``tests/fixtures/`` with REAL Keras.

The test suite compares lstmviz' NumPy engine and its file loaders against these
(atol 1e-5).  Every case is a small model with random (seeded) weights, saved in one or
more Keras file formats, together with an input and what Keras computed for it.

Needs TensorFlow, Keras 3 and tf_keras ("Keras 2"); install them with the ``fixtures``
extra of this project, preferably into a separate virtualenv::

    python -m venv /path/to/kvenv
    /path/to/kvenv/bin/pip install -e '.[fixtures]'

Run (from the repository root)::

    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_fixtures.py
    ... scripts/make_fixtures.py --only k3_lstm_default      # one case (repeatable, or a glob)
    ... scripts/make_fixtures.py --list                      # list the cases
    ... scripts/make_fixtures.py --no-verify                 # skip the reload check

Each case is written to ``tests/fixtures/<case>/`` (the directory is recreated) and then
verified: every model file written is reloaded in the Keras that wrote it (full-model
files with ``load_model``, weights-only files by rebuilding the architecture and
``load_weights``) and must reproduce the recorded outputs.  See ``tests/fixtures/README.md``
for the layout and key conventions.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import os
import shutil
import sys
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures"

WEIGHT_SCALE = 0.8  # weights ~ uniform(-1, 1) * 0.8, biases included
VERIFY_ATOL = 1e-6

# --------------------------------------------------------------------------------------
# Keras modules (imported lazily so that --list works without TensorFlow)
# --------------------------------------------------------------------------------------

_KERAS: dict[str, Any] = {}


def keras_module(version: str):
    """``"3"`` -> ``keras`` (Keras 3), ``"2"`` -> ``tf_keras`` (Keras 2)."""
    if version not in _KERAS:
        warnings.filterwarnings("ignore")
        logging.getLogger("absl").setLevel(logging.ERROR)
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        if version == "3":
            import keras

            _KERAS["3"] = keras
        else:
            import tf_keras

            _KERAS["2"] = tf_keras
        import tensorflow as tf

        tf.get_logger().setLevel(logging.ERROR)
        try:
            tf.config.set_visible_devices([], "GPU")
        except Exception:  # noqa: BLE001
            pass
    return _KERAS[version]


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


@dataclass
class In:
    """One model input: shape without batch, and how to fill it.

    kind: ``float`` uniform(-1, 1) * scale; ``masked`` float with whole timesteps equal
    to ``mask_value`` (leading, middle, trailing, and the last sample fully masked);
    ``masked_features`` float with whole features equal to ``mask_value`` at every step
    (``_feature_mask_pattern``); ``ids`` int32 token ids in [1, vocab) with a few zeros; ``ids_masked`` ids with the
    zeros placed like ``masked``; ``ids_masked_other`` ids with zeros at other steps
    (``_other_mask_pattern``: a second branch masked apart from, and partly with, the
    first); ``mask`` a bool (batch, timesteps) array, False at the
    steps ``masked`` would mask.
    """

    shape: tuple[int, ...]
    kind: str = "float"
    vocab: int = 10
    mask_value: float = 0.0
    scale: float = 1.0


def _mask_pattern(batch: int, t: int) -> np.ndarray:
    """bool (batch, t): True where the whole timestep is masked.

    sample 0: two leading masked steps and the last one; sample 1: one middle step and
    the two trailing ones; sample 2 (the last sample when batch >= 3): fully masked.
    """
    m = np.zeros((batch, t), bool)
    if t >= 4:
        m[0, :2] = True
        m[0, -1] = True
        if batch > 1:
            m[1, t // 2] = True
            m[1, -2:] = True
    elif t >= 2:
        m[0, 0] = True
        if batch > 1:
            m[1, -1] = True
    if batch >= 3:
        m[-1, :] = True
    return m


def _other_mask_pattern(batch: int, t: int) -> np.ndarray:
    """bool (batch, t), for t >= 7: masked steps other than ``_mask_pattern``'s, some the same.

    sample 0: steps 1 and 3 (1 masked in both); sample 1: the three leading steps and the
    last (the last in both); sample 2: the two trailing steps only (``_mask_pattern``'s
    sample 2 is fully masked: kept here where either input keeps a step, masked where both mask it).
    """
    m = np.zeros((batch, t), bool)
    m[0, [1, 3]] = True
    if batch > 1:
        m[1, :3] = True
        m[1, -1] = True
    if batch > 2:
        m[2, -2:] = True
    return m


def _feature_mask_pattern(batch: int, f: int) -> np.ndarray:
    """bool (batch, f), for f >= 3: True where a feature is masked at every step (what a Masking
    after a Permute((2, 1)) masks): sample 0: feature 1; sample 1: the first and the last
    feature; sample 2 (batch >= 3): every feature (fully masked)."""
    m = np.zeros((batch, f), bool)
    m[0, 1] = True
    if batch > 1:
        m[1, [0, -1]] = True
    if batch >= 3:
        m[2:, :] = True
    return m


def make_input(spec: In, batch: int, rng: np.random.Generator) -> np.ndarray:
    if spec.kind == "float":
        return (rng.uniform(-1, 1, (batch, *spec.shape)) * spec.scale).astype(np.float32)
    if spec.kind == "masked":
        x = (rng.uniform(-1, 1, (batch, *spec.shape)) * spec.scale).astype(np.float32)
        x[_mask_pattern(batch, spec.shape[0])] = spec.mask_value
        return x
    if spec.kind == "masked_features":  # a feature zero at every step (a row after a Permute((2, 1)))
        x = (rng.uniform(-1, 1, (batch, *spec.shape)) * spec.scale).astype(np.float32)
        x[np.broadcast_to(_feature_mask_pattern(batch, spec.shape[-1])[:, None, :], x.shape)] = spec.mask_value
        return x
    if spec.kind == "ids":
        x = rng.integers(1, spec.vocab, (batch, *spec.shape)).astype(np.int32)
        x[0, 1] = 0  # a zero id is an ordinary token when mask_zero=False
        return x
    if spec.kind == "mask":  # a boolean mask given to a layer as mask=
        return ~_mask_pattern(batch, spec.shape[0])
    if spec.kind == "ids_masked":
        x = rng.integers(1, spec.vocab, (batch, *spec.shape)).astype(np.int32)
        x[_mask_pattern(batch, spec.shape[0])] = 0
        return x
    if spec.kind == "ids_masked_other":
        x = rng.integers(1, spec.vocab, (batch, *spec.shape)).astype(np.int32)
        x[_other_mask_pattern(batch, spec.shape[0])] = 0
        return x
    raise ValueError(spec.kind)


# --------------------------------------------------------------------------------------
# Case registry
# --------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    keras: str  # "2" or "3"
    build: Callable[[Any], Any]  # K -> model (weights not yet randomised)
    inputs: list[In]
    description: str
    batch: int = 2
    formats: tuple[str, ...] = ()
    stateful: bool = False
    scales: dict[str, float] = field(default_factory=dict)  # layer name -> weight scale


CASES: list[Case] = []

# Files written per case.  Every case has one full-model file in the native format of its
# Keras (Keras 3: model.keras; Keras 2: model.h5).  Keras writes 15-30 KB per HDF5/zip file
# however small the model, so to keep tests/fixtures small the other formats (Keras 3's
# legacy full-model model.h5, and the weights-only files) are written for a representative
# subset of the cases only (``legacy_h5=True`` / ``weights_file=True``).
NATIVE = {"3": "model.keras", "2": "model.h5"}
WEIGHTS = {"3": "model.weights.h5", "2": "weights.h5"}


def register(name: str, description: str, inputs: list[In], *, versions=("3", "2"),
             batch: int = 2, stateful: bool = False, weights_file: bool = False,
             legacy_h5: bool = False, scales: dict[str, float] | None = None):
    """Decorator: register ``build(K)`` as case ``k3_<name>`` and/or ``k2_<name>``.

    ``build(K)`` gets the Keras module (``keras`` or ``tf_keras``) and returns a model
    whose weights are then randomised; it is called again to verify weights-only files.
    """

    def deco(build):
        for v in versions:
            fmts = [NATIVE[v]]
            if v == "3" and legacy_h5:
                fmts.append("model.h5")
            if weights_file:
                fmts.append(WEIGHTS[v])
            CASES.append(Case(f"k{v}_{name}", v, build, inputs, description, batch,
                              tuple(fmts), stateful, dict(scales or {})))
        return build

    return deco


def seq(K, input_shape, layers, *, batch_size=None, dtype="float32", name="model"):
    """A Sequential model that starts with an explicit Input."""
    inp = K.Input(shape=input_shape, batch_size=batch_size, dtype=dtype, name="input")
    return K.Sequential([inp, *layers], name=name)


def branches(K, input_shape, layers, *, dtype="float32", stem=None, name="model"):
    """Functional model: every layer of ``layers`` applied to the same input (after the
    optional ``stem`` layer); the outputs are all their outputs in order (a layer with
    several outputs contributes all of them)."""
    inp = K.Input(shape=input_shape, dtype=dtype, name="input")
    h = stem(inp) if stem is not None else inp
    outs = []
    for layer in layers:
        o = layer(h)
        outs.extend(o if isinstance(o, (list, tuple)) else [o])
    return K.Model(inp, outs, name=name)


def is_k3(K) -> bool:
    return K.__name__ == "keras"


# ---- 1. LSTM defaults ----------------------------------------------------------------

@register("lstm_default", "LSTM(4) with default options (return_sequences=False) -> Dense(2); input_dim 3, 5 timesteps",
          [In((5, 3))], legacy_h5=True, weights_file=True)
def _(K):
    L = K.layers
    return seq(K, (5, 3), [L.LSTM(4, name="lstm"), L.Dense(2, name="dense")])


# ---- 2. return_sequences, stacking ------------------------------------------------------

@register("lstm_stacked_td", "LSTM(5, return_sequences) -> LSTM(4, return_sequences) -> Dense(5, softmax) "
          "applied directly to the 3-D sequence "
          "-> TimeDistributed(Dense(2)) -> Activation(relu)", [In((6, 3))])
def _(K):
    L = K.layers
    return seq(K, (6, 3), [L.LSTM(5, return_sequences=True, name="lstm_1"),
                           L.LSTM(4, return_sequences=True, name="lstm_2"),
                           L.Dense(5, activation="softmax", name="dense_3d"),
                           L.TimeDistributed(L.Dense(2, name="dense"), name="td"),
                           L.Activation("relu", name="activation")])


# ---- 3. LSTM options -------------------------------------------------------------------

@register("lstm_options", "parallel LSTM(4) branches on one input: activation=relu + unit_forget_bias=False (seq); "
          "use_bias=False (seq); "
          "go_backwards (seq, reversed order); go_backwards (last); outputs in that order",
          [In((6, 3))])
def _(K):
    L = K.layers
    return branches(K, (6, 3), [
        L.LSTM(4, activation="relu", unit_forget_bias=False, return_sequences=True, name="lstm_relu"),
        L.LSTM(4, use_bias=False, return_sequences=True, name="lstm_no_bias"),
        L.LSTM(4, go_backwards=True, return_sequences=True, name="lstm_backwards_seq"),
        L.LSTM(4, go_backwards=True, name="lstm_backwards_last")])


@register("hard_sigmoid", "recurrent_activation=hard_sigmoid (Keras 2: clip(0.2x+0.5); Keras 3: clip(x/6+0.5)) "
          "with large weights so the clip is hit: "
          "parallel LSTM(4, seq), GRU(4, seq), GRU(3, reset_after=False, seq), "
          "SimpleRNN(3, activation=hard_sigmoid, seq)",
          [In((6, 3), scale=2.0)],
          scales={"lstm": 2.0, "gru_after": 2.0, "gru_before": 2.0, "rnn": 2.0})
def _(K):
    L = K.layers
    return branches(K, (6, 3), [
        L.LSTM(4, recurrent_activation="hard_sigmoid", return_sequences=True, name="lstm"),
        L.GRU(4, recurrent_activation="hard_sigmoid", return_sequences=True, name="gru_after"),
        L.GRU(3, recurrent_activation="hard_sigmoid", reset_after=False, return_sequences=True, name="gru_before"),
        L.SimpleRNN(3, activation="hard_sigmoid", return_sequences=True, name="rnn")])


# ---- 4. GRU -----------------------------------------------------------------------------

@register("gru_reset_after", "GRU(4, reset_after=True, return_sequences) -> Dense(2) on 3-D", [In((6, 3))])
def _(K):
    L = K.layers
    return seq(K, (6, 3), [L.GRU(4, reset_after=True, return_sequences=True, name="gru"), L.Dense(2, name="dense")])


@register("gru_reset_before", "GRU(4, reset_after=False, return_sequences) -> GRU(3, reset_after=False) -> Dense(2)",
          [In((6, 3))], legacy_h5=True)
def _(K):
    L = K.layers
    return seq(K, (6, 3), [L.GRU(4, reset_after=False, return_sequences=True, name="gru_1"),
                           L.GRU(3, reset_after=False, name="gru_2"), L.Dense(2, name="dense")])


@register("gru_options", "parallel GRU branches on one input: go_backwards (seq); "
          "go_backwards + reset_after=False (last); use_bias=False; "
          "use_bias=False + reset_after=False; activation=relu + recurrent_activation=tanh (seq); "
          "activation=softsign + reset_after=False (seq)",
          [In((6, 3))])
def _(K):
    L = K.layers
    return branches(K, (6, 3), [
        L.GRU(4, go_backwards=True, return_sequences=True, name="gru_backwards_seq"),
        L.GRU(3, go_backwards=True, reset_after=False, name="gru_backwards_before"),
        L.GRU(4, use_bias=False, name="gru_no_bias"),
        L.GRU(3, use_bias=False, reset_after=False, name="gru_no_bias_before"),
        L.GRU(4, activation="relu", recurrent_activation="tanh", return_sequences=True, name="gru_relu_tanh"),
        L.GRU(3, activation="softsign", reset_after=False, return_sequences=True, name="gru_softsign_before")])


# ---- 5. SimpleRNN -------------------------------------------------------------------------

@register("simplernn_default", "SimpleRNN(4) with default options -> Dense(2)", [In((5, 3))])
def _(K):
    L = K.layers
    return seq(K, (5, 3), [L.SimpleRNN(4, name="rnn"), L.Dense(2, name="dense")])


@register("simplernn_options", "parallel SimpleRNN branches: activation=relu (seq); use_bias=False (seq); "
          "go_backwards (seq); go_backwards (last)",
          [In((6, 3))])
def _(K):
    L = K.layers
    return branches(K, (6, 3), [
        L.SimpleRNN(4, activation="relu", return_sequences=True, name="rnn_relu"),
        L.SimpleRNN(4, use_bias=False, return_sequences=True, name="rnn_no_bias"),
        L.SimpleRNN(4, go_backwards=True, return_sequences=True, name="rnn_backwards_seq"),
        L.SimpleRNN(3, go_backwards=True, name="rnn_backwards_last")])


# ---- 6. return_state ----------------------------------------------------------------------

@register("lstm_return_state", "functional: LSTM(4, return_sequences, return_state); outputs [seq, h, c]",
          [In((5, 3))])
def _(K):
    L = K.layers
    inp = K.Input((5, 3), name="input")
    s, h, c = L.LSTM(4, return_sequences=True, return_state=True, name="lstm")(inp)
    return K.Model(inp, [s, h, c], name="model")


@register("gru_simplernn_return_state", "functional: GRU(4, return_sequences, return_state) and "
          "SimpleRNN(3, return_state) (last) "
          "on one input; outputs [gru_seq, gru_h, rnn_last, rnn_h]", [In((5, 3))])
def _(K):
    L = K.layers
    return branches(K, (5, 3), [L.GRU(4, return_sequences=True, return_state=True, name="gru"),
                                L.SimpleRNN(3, return_state=True, name="rnn")])


# ---- 7. Bidirectional -------------------------------------------------------------------------

_MODES = ("concat", "sum", "mul", "ave", None)


@register("bidi_lstm_merge_modes", "parallel Bidirectional(LSTM(3, return_sequences)) with "
          "merge_mode concat, sum, mul, ave, None; "
          "outputs [concat, sum, mul, ave, None-forward, None-backward]", [In((5, 3))])
def _(K):
    L = K.layers
    return branches(K, (5, 3), [L.Bidirectional(L.LSTM(3, return_sequences=True, name="lstm"), merge_mode=m,
                                                name=f"bidi_{str(m).lower()}") for m in _MODES])


@register("bidi_gru_last", "parallel Bidirectional(GRU(3)) (return_sequences=False) with merge_mode concat, mul, None; "
          "outputs [concat, mul, None-forward, None-backward]", [In((5, 3))])
def _(K):
    L = K.layers
    return branches(K, (5, 3), [L.Bidirectional(L.GRU(3, name="gru"), merge_mode=m,
                                                name=f"bidi_{str(m).lower()}") for m in ("concat", "mul", None)])


@register("bidi_lstm_stacked", "Sequential: Bidirectional(LSTM(3, return_sequences)) "
          "-> Bidirectional(LSTM(2)) (last, concat) -> Dense(2)",
          [In((5, 3))], legacy_h5=True, weights_file=True)
def _(K):
    L = K.layers
    return seq(K, (5, 3), [L.Bidirectional(L.LSTM(3, return_sequences=True, name="lstm_1"), name="bidi_1"),
                           L.Bidirectional(L.LSTM(2, name="lstm_2"), name="bidi_2"),
                           L.Dense(2, name="dense")])


@register("bidi_misc", "parallel: Bidirectional(SimpleRNN(3, return_sequences), merge_mode=ave); "
          "Bidirectional(LSTM(3, return_sequences), backward_layer=GRU(3, return_sequences, go_backwards)) concat",
          [In((5, 3))])
def _(K):
    L = K.layers
    fwd = L.LSTM(3, return_sequences=True, name="fwd_lstm")
    bwd = L.GRU(3, return_sequences=True, go_backwards=True, name="bwd_gru")
    return branches(K, (5, 3), [
        L.Bidirectional(L.SimpleRNN(3, return_sequences=True, name="rnn"), merge_mode="ave", name="bidi_rnn"),
        L.Bidirectional(fwd, backward_layer=bwd, name="bidi_lstm_gru")])


@register("bidi_return_state", "Bidirectional with return_state: LSTM(3, return_sequences) concat "
          "-> [seq, fwd_h, fwd_c, bwd_h, bwd_c]; "
          "GRU(3) (last) merge_mode=sum -> [out, fwd_h, bwd_h]; outputs all 8 in that order",
          [In((5, 3))])
def _(K):
    L = K.layers
    return branches(K, (5, 3), [
        L.Bidirectional(L.LSTM(3, return_sequences=True, return_state=True, name="lstm"), name="bidi_lstm"),
        L.Bidirectional(L.GRU(3, return_state=True, name="gru"), merge_mode="sum", name="bidi_gru")])


# ---- 8. Embedding / Masking --------------------------------------------------------------------

@register("emb_gru_lstm", "Embedding(10, 4, mask_zero=False) -> GRU(4, return_sequences) -> LSTM(3) -> Dense(2); "
          "id 0 is an ordinary token",
          [In((6,), "ids")])
def _(K):
    L = K.layers
    return seq(K, (6,), [L.Embedding(10, 4, name="emb"), L.GRU(4, return_sequences=True, name="gru"),
                         L.LSTM(3, name="lstm"), L.Dense(2, name="dense")], dtype="int32")


@register("emb_mask_lstm", "Embedding(10, 4, mask_zero=True) -> LSTM(4, return_sequences) -> LSTM(3) -> Dense(2); "
          "zero ids leading/middle/trailing and a fully-zero sample",
          [In((7,), "ids_masked")], batch=3)
def _(K):
    L = K.layers
    return seq(K, (7,), [L.Embedding(10, 4, mask_zero=True, name="emb"),
                         L.LSTM(4, return_sequences=True, name="lstm_1"),
                         L.LSTM(3, name="lstm_2"), L.Dense(2, name="dense")], dtype="int32")


@register("emb_mask_gru_simplernn", "Embedding(10, 4, mask_zero=True) "
          "-> [GRU(4, return_sequences) -> GRU(3, reset_after=False)] and "
          "[SimpleRNN(4, return_sequences)]; outputs [gru_2, rnn]", [In((7,), "ids_masked")], batch=3)
def _(K):
    L = K.layers
    inp = K.Input((7,), dtype="int32", name="input")
    e = L.Embedding(10, 4, mask_zero=True, name="emb")(inp)
    g = L.GRU(3, reset_after=False, name="gru_2")(L.GRU(4, return_sequences=True, name="gru_1")(e))
    r = L.SimpleRNN(4, return_sequences=True, name="rnn")(e)
    return K.Model(inp, [g, r], name="model")


@register("masking_lstm", "Masking(0.0) -> LSTM(4, return_sequences) -> LSTM(3) -> Dense(2); "
          "masked steps leading/middle/trailing and a fully-masked sample",
          [In((7, 3), "masked")], batch=3)
def _(K):
    L = K.layers
    return seq(K, (7, 3), [L.Masking(0.0, name="mask"), L.LSTM(4, return_sequences=True, name="lstm_1"),
                           L.LSTM(3, name="lstm_2"), L.Dense(2, name="dense")])


@register("masking_lstm_backwards", "Masking(0.0) -> LSTM(4, go_backwards, return_sequences) -> LSTM(3, go_backwards)",
          [In((7, 3), "masked")], batch=3)
def _(K):
    L = K.layers
    return seq(K, (7, 3), [L.Masking(0.0, name="mask"),
                           L.LSTM(4, go_backwards=True, return_sequences=True, name="lstm_1"),
                           L.LSTM(3, go_backwards=True, name="lstm_2")])


@register("masking_bidi_lstm_seq", "Masking(0.0) -> Bidirectional(LSTM(3, return_sequences)) "
          "-> TimeDistributed(Dense(2))",
          [In((7, 3), "masked")], batch=3, legacy_h5=True)
def _(K):
    L = K.layers
    return seq(K, (7, 3), [L.Masking(0.0, name="mask"),
                           L.Bidirectional(L.LSTM(3, return_sequences=True, name="lstm"), name="bidi"),
                           L.TimeDistributed(L.Dense(2, name="dense"), name="td")])


@register("masking_gru_bidi_last", "Masking(0.0) -> [GRU(4, return_sequences, reset_after=False) -> GRU(3)] and "
          "[Bidirectional(LSTM(3), merge_mode=sum) (last)]; outputs [gru_2, bidi]", [In((7, 3), "masked")], batch=3)
def _(K):
    L = K.layers
    inp = K.Input((7, 3), name="input")
    m = L.Masking(0.0, name="mask")(inp)
    g = L.GRU(3, name="gru_2")(L.GRU(4, return_sequences=True, reset_after=False, name="gru_1")(m))
    b = L.Bidirectional(L.LSTM(3, name="lstm"), merge_mode="sum", name="bidi")(m)
    return K.Model(inp, [g, b], name="model")


@register("masking_value_simplernn", "Masking(mask_value=-1.0) -> SimpleRNN(4, return_sequences) "
          "-> Bidirectional(GRU(2, return_sequences), ave)",
          [In((7, 3), "masked", mask_value=-1.0)], batch=3)
def _(K):
    L = K.layers
    return seq(K, (7, 3), [L.Masking(-1.0, name="mask"),
                           L.SimpleRNN(4, return_sequences=True, name="rnn"),
                           L.Bidirectional(L.GRU(2, return_sequences=True, name="gru"), merge_mode="ave", name="bidi")])


# ---- 9. other layers ------------------------------------------------------------------------------

@register("misc_layers", "Dropout -> LSTM(5, return_sequences, dropout=0.3, recurrent_dropout=0.3) "
          "-> SpatialDropout1D -> "
          "Activation(tanh) -> Flatten -> Dense(3, softmax) (dropouts are identities at inference)",
          [In((6, 3))])
def _(K):
    L = K.layers
    return seq(K, (6, 3), [L.Dropout(0.3, name="dropout"),
                           L.LSTM(5, return_sequences=True, dropout=0.3, recurrent_dropout=0.3, name="lstm"),
                           L.SpatialDropout1D(0.2, name="spatial_dropout"),
                           L.Activation("tanh", name="activation"),
                           L.Flatten(name="flatten"),
                           L.Dense(3, activation="softmax", name="dense")])


@register("repeat_vector", "encoder LSTM(4) -> RepeatVector(4) -> decoder LSTM(4, return_sequences) "
          "-> TimeDistributed(Dense(2))",
          [In((5, 3))])
def _(K):
    L = K.layers
    return seq(K, (5, 3), [L.LSTM(4, name="encoder"), L.RepeatVector(4, name="repeat"),
                           L.LSTM(4, return_sequences=True, name="decoder"),
                           L.TimeDistributed(L.Dense(2, name="dense"), name="td")])


_ACTS_COMMON = ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign",
                "swish", "gelu", "exponential", "hard_sigmoid", "mish"]
_ACTS_K3 = ["silu", "relu6", "leaky_relu", "hard_silu", "log_softmax"]


@register("dense_activations", "LSTM(5) -> one Dense(3, activation=a) head per activation name (weights x1.5) "
          "-> Concatenate; "
          "Keras 2: " + ", ".join(_ACTS_COMMON) + "; Keras 3 also " + ", ".join(_ACTS_K3),
          [In((4, 3))], scales={f"dense_{a}": 1.5 for a in _ACTS_COMMON + _ACTS_K3})
def _(K):
    L = K.layers
    acts = _ACTS_COMMON + (_ACTS_K3 if is_k3(K) else [])
    inp = K.Input((4, 3), name="input")
    h = L.LSTM(5, name="lstm")(inp)
    heads = [L.Dense(3, activation=a, name=f"dense_{a}")(h) for a in acts]
    return K.Model(inp, L.Concatenate(name="concat")(heads), name="model")


# ---- 10. functional graphs ---------------------------------------------------------------------------

@register("merge_branches", "functional: [LSTM(3), LSTM(4, go_backwards)] -> Concatenate -> Dense(2) (output 0); "
          "[LSTM(4, return_sequences), GRU(4, return_sequences)] -> Add -> TimeDistributed(Dense(2)) (output 1)",
          [In((5, 3))])
def _(K):
    L = K.layers
    inp = K.Input((5, 3), name="input")
    a = L.LSTM(3, name="lstm_a")(inp)
    b = L.LSTM(4, go_backwards=True, name="lstm_b")(inp)
    o1 = L.Dense(2, name="dense")(L.Concatenate(name="concat")([a, b]))
    c = L.LSTM(4, return_sequences=True, name="lstm_c")(inp)
    d = L.GRU(4, return_sequences=True, name="gru_d")(inp)
    o2 = L.TimeDistributed(L.Dense(2, name="dense_td"), name="td")(L.Add(name="add")([c, d]))
    return K.Model(inp, [o1, o2], name="model")


@register("masked_merges", "two masked branches, Embedding(mask_zero) -> LSTM(3, return_sequences) = a and "
          "-> GRU(3, return_sequences) = b (zeros at other steps, some the same), and an unmasked one "
          "Embedding -> GRU(3, return_sequences) = u: Add -> LSTM(2), Multiply -> GAP, Average -> LSTM(2), "
          "Maximum -> GAP, Minimum -> LSTM(2), Subtract -> GAP, Concatenate -> LSTM(2), "
          "Multiply(a, u) -> GAP, Maximum(a, u) -> GAP, Concatenate(a, u) -> LSTM(2), the model's outputs "
          "(Keras 3 ORs the masks and takes a masked step of a Multiply as 1, of a Maximum / Minimum the "
          "other's; Keras 2 ANDs them: ``Merge`` in engine/layers.py)",
          [In((7,), "ids_masked"), In((7,), "ids_masked_other")], batch=3)
def _(K):
    L = K.layers
    ia = K.Input((7,), dtype="int32", name="ids_a")
    ib = K.Input((7,), dtype="int32", name="ids_b")
    a = L.LSTM(3, return_sequences=True, name="lstm_a")(L.Embedding(10, 4, mask_zero=True, name="emb_a")(ia))
    b = L.GRU(3, return_sequences=True, name="gru_b")(L.Embedding(10, 4, mask_zero=True, name="emb_b")(ib))
    u = L.GRU(3, return_sequences=True, name="gru_u")(L.Embedding(10, 4, name="emb_u")(ib))
    heads = [("add", L.Add, (a, b), "lstm"), ("multiply", L.Multiply, (a, b), "gap"),
             ("average", L.Average, (a, b), "lstm"), ("maximum", L.Maximum, (a, b), "gap"),
             ("minimum", L.Minimum, (a, b), "lstm"), ("subtract", L.Subtract, (a, b), "gap"),
             ("concat", L.Concatenate, (a, b), "lstm"), ("multiply_u", L.Multiply, (a, u), "gap"),
             ("maximum_u", L.Maximum, (a, u), "gap"), ("concat_u", L.Concatenate, (a, u), "lstm")]
    outs = []
    for name, merge, ins, after in heads:
        m = merge(name=name)(list(ins))
        h = (L.LSTM(2, name=f"{name}_lstm") if after == "lstm"
             else L.GlobalAveragePooling1D(name=f"{name}_gap"))(m)  # (reads the merge's mask)
        outs.append(h)
    return K.Model([ia, ib], outs, name="model")


@register("seq2seq_lstm", "two inputs: encoder LSTM(4, return_state) "
          "-> decoder LSTM(4, return_sequences, initial_state=[h, c]) -> TimeDistributed(Dense(3, softmax))",
          [In((5, 3)), In((4, 2))], legacy_h5=True, weights_file=True)
def _(K):
    L = K.layers
    enc_in = K.Input((5, 3), name="encoder_input")
    dec_in = K.Input((4, 2), name="decoder_input")
    _, h, c = L.LSTM(4, return_state=True, name="encoder")(enc_in)
    d = L.LSTM(4, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    out = L.TimeDistributed(L.Dense(3, activation="softmax", name="dense"), name="td")(d)
    return K.Model([enc_in, dec_in], out, name="model")


@register("seq2seq_gru", "two inputs: encoder GRU(4, return_state) "
          "-> decoder GRU(4, return_sequences, initial_state=h) -> Dense(2) on 3-D",
          [In((5, 3)), In((4, 2))])
def _(K):
    L = K.layers
    enc_in = K.Input((5, 3), name="encoder_input")
    dec_in = K.Input((4, 2), name="decoder_input")
    _, h = L.GRU(4, return_state=True, name="encoder")(enc_in)
    d = L.GRU(4, return_sequences=True, name="decoder")(dec_in, initial_state=h)
    return K.Model([enc_in, dec_in], L.Dense(2, name="dense")(d), name="model")


@register("explicit_mask", "two inputs: x and a bool mask given as LSTM(4, return_sequences)(x, mask=m) "
          "-> GRU(3)(.., mask=m) -> Dense(2); the mask comes from an input, not from Masking/Embedding",
          [In((6, 3)), In((6,), kind="mask")], batch=3)
def _(K):
    L = K.layers
    x = K.Input((6, 3), name="x")
    m = K.Input((6,), dtype="bool", name="m")
    s = L.LSTM(4, return_sequences=True, name="lstm")(x, mask=m)
    h = L.GRU(3, name="gru")(s, mask=m)
    return K.Model([x, m], L.Dense(2, name="dense")(h), name="model")


@register("two_outputs", "functional: LSTM(4, return_sequences) "
          "-> [TimeDistributed(Dense(2)), LSTM(3) -> Dense(1, sigmoid)]",
          [In((5, 3))])
def _(K):
    L = K.layers
    inp = K.Input((5, 3), name="input")
    s = L.LSTM(4, return_sequences=True, name="lstm_1")(inp)
    o1 = L.TimeDistributed(L.Dense(2, name="dense_seq"), name="td")(s)
    o2 = L.Dense(1, activation="sigmoid", name="dense_last")(L.LSTM(3, name="lstm_2")(s))
    return K.Model(inp, [o1, o2], name="model")


# ---- 11. stateful --------------------------------------------------------------------------------------

@register("stateful_lstm", "LSTM(4, stateful, return_sequences), batch fixed to 2 -> Dense(2); two consecutive calls",
          [In((4, 3))], stateful=True, legacy_h5=True)
def _(K):
    L = K.layers
    return seq(K, (4, 3), [L.LSTM(4, stateful=True, return_sequences=True, name="lstm"), L.Dense(2, name="dense")],
               batch_size=2)


@register("stateful_gru", "GRU(4, stateful) (last), batch fixed to 2 -> Dense(2); two consecutive calls",
          [In((4, 3))], stateful=True)
def _(K):
    L = K.layers
    return seq(K, (4, 3), [L.GRU(4, stateful=True, name="gru"), L.Dense(2, name="dense")], batch_size=2)


# ---- 12. odd sizes ------------------------------------------------------------------------------------

@register("tiny_units1", "units=1, input_dim=1, timesteps=1: "
          "LSTM(1), GRU(1), SimpleRNN(1) side by side (three outputs)",
          [In((1, 1))])
def _(K):
    L = K.layers
    return branches(K, (1, 1), [L.LSTM(1, name="lstm"), L.GRU(1, name="gru"), L.SimpleRNN(1, name="rnn")])


@register("tiny_stacked", "input_dim=1: LSTM(1, return_sequences) -> GRU(1, return_sequences, reset_after=False) "
          "-> Dense(1) over 5 timesteps",
          [In((5, 1))])
def _(K):
    L = K.layers
    return seq(K, (5, 1), [L.LSTM(1, return_sequences=True, name="lstm"),
                           L.GRU(1, return_sequences=True, reset_after=False, name="gru"),
                           L.Dense(1, name="dense")])


# ---- 13. activations inside cells ----------------------------------------------------------------------

@register("cell_activations", "stacked LSTMs with activation sigmoid; "
          "linear + recurrent_activation tanh; elu; softsign",
          [In((5, 3))])
def _(K):
    L = K.layers
    return seq(K, (5, 3), [L.LSTM(4, activation="sigmoid", return_sequences=True, name="lstm_sigmoid"),
                           L.LSTM(4, activation="linear", recurrent_activation="tanh", return_sequences=True,
                                  name="lstm_linear_tanh"),
                           L.LSTM(4, activation="elu", return_sequences=True, name="lstm_elu"),
                           L.LSTM(3, activation="softsign", name="lstm_softsign")])


# ---- generic RNN wrapper with cells ----------------------------------------------------------------------

@register("rnn_cells", "generic RNN layers: RNN(LSTMCell(4), return_sequences) "
          "-> RNN([GRUCell(3), SimpleRNNCell(2)]) (stacked cells)",
          [In((5, 3))], legacy_h5=True, weights_file=True)
def _(K):
    L = K.layers
    return seq(K, (5, 3), [L.RNN(L.LSTMCell(4, name="lstm_cell"), return_sequences=True, name="rnn_lstm"),
                           L.RNN([L.GRUCell(3, name="gru_cell"), L.SimpleRNNCell(2, name="rnn_cell")],
                                 name="rnn_stacked")])


# ---- convolution and pooling over the steps (CNN-LSTM) ----------------------------------------------------

@register("conv_lstm", "the common CNN-LSTM: Conv1D(4, 3, relu, causal) -> MaxPooling1D(2) -> LSTM(3) -> Dense(1) "
          "over 10 steps of 3 features", [In((10, 3))], weights_file=True)
def _(K):
    L = K.layers
    return seq(K, (10, 3), [L.Conv1D(4, 3, activation="relu", padding="causal", name="conv"),
                            L.MaxPooling1D(2, name="pool"), L.LSTM(3, name="lstm"), L.Dense(1, name="dense")])


@register("conv_pool_options", "Conv1D and pooling options side by side on one (9, 4) input: Conv1D same+strides 2; "
          "causal+dilation 2, tanh, no bias; valid, groups 2; channels_first (9 channels of 4 steps); "
          "MaxPooling1D(3, strides 2, same); AveragePooling1D(3, strides 2, same); AveragePooling1D(2) "
          "channels_first; MaxPooling1D(2, same) channels_first; AveragePooling1D(4, strides 1)",
          [In((9, 4))])
def _(K):
    L = K.layers
    return branches(K, (9, 4), [
        L.Conv1D(4, 3, padding="same", strides=2, name="conv_same_s2"),
        L.Conv1D(2, 2, padding="causal", dilation_rate=2, activation="tanh", use_bias=False, name="conv_causal_d2"),
        L.Conv1D(4, 3, groups=2, name="conv_groups"),
        L.Conv1D(3, 2, data_format="channels_first", name="conv_cf"),
        L.MaxPooling1D(3, strides=2, padding="same", name="max_same"),
        L.AveragePooling1D(3, strides=2, padding="same", name="avg_same"),
        L.AveragePooling1D(2, data_format="channels_first", name="avg_cf"),
        L.MaxPooling1D(2, padding="same", data_format="channels_first", name="max_cf"),
        L.AveragePooling1D(4, strides=1, name="avg_s1")])


@register("emb_mask_conv", "Embedding(10, 4, mask_zero) -> Conv1D(3, 3, same) -> AveragePooling1D(2) -> LSTM(2): "
          "the mask stops at the Conv1D (Keras drops it), the LSTM reads every step", [In((8,), "ids_masked")],
          batch=3)
def _(K):
    L = K.layers
    return seq(K, (8,), [L.Embedding(10, 4, mask_zero=True, name="emb"), L.Conv1D(3, 3, padding="same", name="conv"),
                         L.AveragePooling1D(2, name="pool"), L.LSTM(2, name="lstm")], dtype="int32")


@register("conv_steps_lstm", "a long input's windowed CNN-LSTM, every layer keeping the steps (strides 1): "
          "Conv1D(4, 3, relu, causal, dilation 2) -> Conv1D(4, 4, same, groups 2) -> MaxPooling1D(3, strides 1, "
          "same) -> AveragePooling1D(4, strides 1, same) -> LSTM(3, return_sequences) -> Conv1D(2, 3, same) over "
          "40 steps of 2 features (tests/test_engine_windows.py: windows of it equal its full trace)",
          [In((40, 2))], batch=3)
def _(K):
    L = K.layers
    return seq(K, (40, 2), [
        L.Conv1D(4, 3, activation="relu", padding="causal", dilation_rate=2, name="causal"),
        L.Conv1D(4, 4, padding="same", groups=2, name="same"),
        L.MaxPooling1D(3, strides=1, padding="same", name="max"),
        L.AveragePooling1D(4, strides=1, padding="same", name="avg"),
        L.LSTM(3, return_sequences=True, name="lstm"),
        L.Conv1D(2, 3, padding="same", name="head")])


@register("td_conv", "sub-sequences: TimeDistributed(Conv1D(3, 2, relu)) -> TimeDistributed(MaxPooling1D(2)) "
          "-> TimeDistributed(Flatten) -> LSTM(3) over (4 sub-sequences, 6 steps, 2 features)",
          [In((4, 6, 2))])
def _(K):
    L = K.layers
    return seq(K, (4, 6, 2), [L.TimeDistributed(L.Conv1D(3, 2, activation="relu", name="conv"), name="td_conv"),
                              L.TimeDistributed(L.MaxPooling1D(2, name="pool"), name="td_pool"),
                              L.TimeDistributed(L.Flatten(name="flat"), name="td_flat"),
                              L.LSTM(3, name="lstm")])


# ---- the layers around recurrent ones ------------------------------------------------------------------

@register("around_rnn", "LSTM(4, return_sequences) -> one branch per layer practitioners put around recurrent "
          "ones: global average/max pooling (keepdims, channels_first), Permute, Cropping1D, ZeroPadding1D, "
          "UpSampling1D, LayerNormalization (features; steps and features), BatchNormalization (features; "
          "steps), ReLU (plain; max_value + negative_slope + threshold; leaky), LeakyReLU, ELU, Softmax "
          "(features; steps); Keras 3 also LayerNormalization(rms_scaling), Keras 2 ELU(alpha=0.5) "
          "(Keras 3's ELU does not save its alpha)",
          [In((6, 3))])
def _(K):
    L = K.layers
    k3 = is_k3(K)
    inp = K.Input((6, 3), name="input")
    h = L.LSTM(4, return_sequences=True, name="lstm")(inp)
    outs = [L.GlobalAveragePooling1D(name="gap")(h),
            L.GlobalMaxPooling1D(keepdims=True, name="gmp_keep")(h),
            L.GlobalAveragePooling1D(data_format="channels_first", keepdims=True, name="gap_first")(h),
            L.Permute((2, 1), name="permute")(h),
            L.Cropping1D((1, 2), name="crop")(h),
            L.ZeroPadding1D((2, 1), name="pad")(h),
            L.UpSampling1D(3, name="up")(h),
            L.LayerNormalization(name="ln")(h),
            L.LayerNormalization(axis=[1, 2], center=False, epsilon=0.1, name="ln_steps_features")(h),
            L.BatchNormalization(name="bn")(h),
            L.BatchNormalization(axis=1, scale=False, epsilon=0.01, name="bn_steps")(h),
            L.ReLU(name="relu")(h),
            L.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.2, name="relu_options")(h),
            L.ReLU(negative_slope=0.2, name="relu_leaky")(h),
            L.LeakyReLU(name="leaky")(h),
            L.LeakyReLU(**{"negative_slope" if k3 else "alpha": 0.05}, name="leaky_005")(h),
            L.ELU(name="elu")(h),
            L.Softmax(name="softmax")(h),
            L.Softmax(axis=1, name="softmax_steps")(h)]
    if k3:
        outs.append(L.LayerNormalization(rms_scaling=True, name="ln_rms")(h))
    else:
        outs.append(L.ELU(alpha=0.5, name="elu_half")(h))
    return K.Model(inp, outs, name="model")


@register("masked_pooling", "Masking -> LSTM(4, return_sequences) -> LayerNormalization -> ReLU -> "
          "GlobalAveragePooling1D (the unmasked steps' mean; the fully masked sample: NaN) -> Dense(3) -> Softmax",
          [In((6, 3), kind="masked")], batch=3)
def _(K):
    L = K.layers
    return seq(K, (6, 3), [L.Masking(name="masking"), L.LSTM(4, return_sequences=True, name="lstm"),
                           L.LayerNormalization(name="ln"), L.ReLU(name="relu"),
                           L.GlobalAveragePooling1D(name="gap"), L.Dense(3, name="dense"),
                           L.Softmax(name="softmax")])


@register("masked_excitation", "Masking -> LSTM(4, return_sequences) -> GlobalAveragePooling1D -> Dense(4, sigmoid) "
          "-> Reshape((1, 4)) -> Multiply with the LSTM's sequence (squeeze-and-excitation over time) -> GRU(3, "
          "return_sequences) -> Dense(2)", [In((6, 3), kind="masked")], batch=3)
def _(K):
    L = K.layers
    inp = K.Input(shape=(6, 3), name="input")
    seq_ = L.LSTM(4, return_sequences=True, name="lstm")(L.Masking(name="masking")(inp))
    excite = L.Dense(4, activation="sigmoid", name="excite")(L.GlobalAveragePooling1D(name="gap")(seq_))
    scaled = L.Multiply(name="scale")([seq_, L.Reshape((1, 4), name="reshape")(excite)])
    out = L.Dense(2, name="dense")(L.GRU(3, return_sequences=True, name="gru")(scaled))
    return K.Model(inp, out, name="model")


@register("featurewise_rnn", "recurrent layers over (batch, features, steps) after a Permute((2, 1)) (a "
          "\"feature-wise\" RNN: 4 steps, one a feature, each reading the 6 input steps as its inputs; issue 13): "
          "LSTM(3) -> Dense(2); GRU(3, return_sequences); Bidirectional(LSTM(2, return_sequences)); "
          "LSTM(3, go_backwards, return_sequences) on the input -> Permute((2, 1)) -> LSTM(2, return_sequences)",
          [In((6, 4))])
def _(K):
    L = K.layers
    inp = K.Input(shape=(6, 4), name="input")
    p = L.Permute((2, 1), name="permute")(inp)
    back = L.LSTM(3, go_backwards=True, return_sequences=True, name="backwards")(inp)
    return K.Model(inp, [L.Dense(2, name="dense")(L.LSTM(3, name="lstm_last")(p)),
                         L.GRU(3, return_sequences=True, name="gru_seq")(p),
                         L.Bidirectional(L.LSTM(2, return_sequences=True), name="bi_lstm_seq")(p),
                         L.LSTM(2, return_sequences=True, name="after_backwards")(
                             L.Permute((2, 1), name="permute_back")(back))], name="model")


@register("featurewise_masked_rnn", "a Masking after a Permute((2, 1)) masks the features zero at every step "
          "(sample 0: feature 1; sample 1: the first and last; sample 2: every one) for recurrent layers over "
          "(batch, features, steps) (issue 13): LSTM(3, return_sequences); Bidirectional(GRU(2), merge_mode=sum)",
          [In((6, 4), kind="masked_features")], batch=3)
def _(K):
    L = K.layers
    inp = K.Input(shape=(6, 4), name="input")
    m = L.Masking(name="masking")(L.Permute((2, 1), name="permute")(inp))
    return K.Model(inp, [L.LSTM(3, return_sequences=True, name="masked_lstm")(m),
                         L.Bidirectional(L.GRU(2), merge_mode="sum", name="masked_bi_gru")(m)], name="model")


@register("pool_cf_per_step", "channels_first poolings over (batch, steps, features) with no Permute before them, "
          "each pooling a step's features (issue 13): Masking -> LSTM(5, return_sequences) -> "
          "AveragePooling1D(3, strides 2) -> GRU(4, return_sequences) -> MaxPooling1D(2, same) -> "
          "AveragePooling1D(3, strides 1, same) -> LSTM(2, return_sequences), the poolings channels_first",
          [In((6, 3), kind="masked")], batch=3)
def _(K):
    L = K.layers
    return seq(K, (6, 3), [
        L.Masking(name="masking"), L.LSTM(5, return_sequences=True, name="lstm"),
        L.AveragePooling1D(3, strides=2, data_format="channels_first", name="avg"),
        L.GRU(4, return_sequences=True, name="gru"),
        L.MaxPooling1D(2, padding="same", data_format="channels_first", name="max"),
        L.AveragePooling1D(3, strides=1, padding="same", data_format="channels_first", name="avg_same"),
        L.LSTM(2, return_sequences=True, name="lstm_after")])


@register("context_repeat", "a context on every step through a RepeatVector of the model's own length (issue 13): "
          "Masking -> LSTM(4) (an encoder's last step) -> RepeatVector(6), joined by a Concatenate onto each step "
          "of an LSTM(3, return_sequences) -> LSTM(3, return_sequences), and read by a decoder LSTM(2, "
          "return_sequences) (an LSTM autoencoder's) -> Concatenate of the two -> Dense(2)",
          [In((6, 3), kind="masked")], batch=3)
def _(K):
    L = K.layers
    inp = K.Input(shape=(6, 3), name="input")
    m = L.Masking(name="masking")(inp)
    rep = L.RepeatVector(6, name="repeat")(L.LSTM(4, name="encoder")(m))
    joined = L.Concatenate(name="joined")([L.LSTM(3, return_sequences=True, name="lstm")(m), rep])
    decoded = L.LSTM(2, return_sequences=True, name="decoder")(rep)
    both = L.Concatenate(name="both")([L.LSTM(3, return_sequences=True, name="after")(joined), decoded])
    return K.Model(inp, L.Dense(2, name="dense")(both), name="model")


@register("attention_steps", "the attention block of blog-era Keras LSTM models (philipperemy's keras-attention-"
          "mechanism; issue 13) over a model of 32 steps: Permute((2, 1)) -> Dense(32, softmax), a weight per step "
          "-> Permute((2, 1)) -> Multiply with the input, before an LSTM(4, return_sequences), and again after it -> "
          "Flatten -> Dense(2), and -> GRU(2, return_sequences)", [In((32, 3))], batch=3)
def _(K):
    L = K.layers

    def attention(x, name):
        w = L.Dense(32, activation="softmax", name=f"{name}_weights")(L.Permute((2, 1), name=f"{name}_turn")(x))
        return L.Multiply(name=f"{name}_mul")([x, L.Permute((2, 1), name=f"{name}_probs")(w)])

    inp = K.Input(shape=(32, 3), name="input")
    seq_ = attention(L.LSTM(4, return_sequences=True, name="lstm")(attention(inp, "before")), "after")
    return K.Model(inp, [L.Dense(2, name="dense")(L.Flatten(name="flatten")(seq_)),
                         L.GRU(2, return_sequences=True, name="gru")(seq_)], name="model")


@register("cf_global_pooling", "channels_first global poolings over an LSTM's steps after a Permute((2, 1)) (a "
          "channels_first CNN's head; issue 13): LSTM(4, return_sequences) -> Permute((2, 1)) -> MaxPooling1D(2, same, "
          "channels_first) -> GlobalAveragePooling1D(channels_first), and GlobalMaxPooling1D(channels_first) of the "
          "Permute's (both over the steps, on axis 2) -> Concatenate -> Dense(2) (TensorFlow's CPU has no "
          "channels_first Conv1D to save one with)", [In((6, 3))], batch=3)
def _(K):
    L = K.layers
    inp = K.Input(shape=(6, 3), name="input")
    turned = L.Permute((2, 1), name="permute")(L.LSTM(4, return_sequences=True, name="lstm")(inp))
    pooled = L.MaxPooling1D(2, padding="same", data_format="channels_first", name="pool")(turned)
    joined = L.Concatenate(name="pooled")([
        L.GlobalAveragePooling1D(data_format="channels_first", name="gap")(pooled),
        L.GlobalMaxPooling1D(data_format="channels_first", name="gmp")(turned)])
    return K.Model(inp, L.Dense(2, name="dense")(joined), name="model")


@register("features_pooled_per_step", "channels_last global poolings after a Permute((2, 1)) pool axis 1, "
          "each step's features (issue 13): LSTM(10, return_sequences) -> Permute((2, 1)) -> "
          "GlobalAveragePooling1D(keepdims) (batch, 1, steps) -> Concatenate(axis=1) with the Permute's (each "
          "step's features joined) -> Permute((2, 1)) -> GRU(3, return_sequences) -> Dense(2), and "
          "GlobalMaxPooling1D of the Permute's (batch, steps)", [In((6, 3))], batch=3)
def _(K):
    L = K.layers
    inp = K.Input(shape=(6, 3), name="input")
    turned = L.Permute((2, 1), name="permute")(L.LSTM(10, return_sequences=True, name="lstm")(inp))
    mean = L.GlobalAveragePooling1D(keepdims=True, name="gap")(turned)
    joined = L.Concatenate(axis=1, name="joined")([turned, mean])
    seq_ = L.GRU(3, return_sequences=True, name="gru")(L.Permute((2, 1), name="back")(joined))
    return K.Model(inp, [L.Dense(2, name="dense")(seq_), L.GlobalMaxPooling1D(name="gmp")(turned)], name="model")


# --------------------------------------------------------------------------------------
# Running a case
# --------------------------------------------------------------------------------------


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def randomize(model, rng: np.random.Generator, scales: dict[str, float]) -> None:
    """Set every float weight (kernels, recurrent kernels, biases, embeddings) at random."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        s = scales.get(layer.name, WEIGHT_SCALE)
        ws = [(rng.uniform(-1, 1, w.shape) * s).astype(w.dtype)
              if np.issubdtype(w.dtype, np.floating) else w for w in ws]
        if type(layer).__name__ == "BatchNormalization":  # a variance: positive
            ws[-1] = (np.abs(ws[-1]) + 0.2).astype(ws[-1].dtype)
        layer.set_weights(ws)


def reset_states(model) -> None:
    for layer in model.layers:
        if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
            layer.reset_states()


def _as_list(v) -> list[np.ndarray]:
    if isinstance(v, dict):
        v = list(v.values())
    if isinstance(v, (list, tuple)):
        return [np.asarray(a) for a in v]
    return [np.asarray(v)]


def run(model, xs: list[np.ndarray], stateful: bool) -> list[np.ndarray]:
    feed = xs[0] if len(xs) == 1 else list(xs)
    if stateful:
        return _as_list(model(feed, training=False))
    return _as_list(model.predict(feed, batch_size=len(xs[0]), verbose=0))


def _shape(t) -> list:
    return [None if d is None else int(d) for d in tuple(t.shape)]


def layer_outputs(K, model, xs, stateful):
    """{"layer:<name>[:k]": array} for every non-input layer, via one sub-model."""
    keys, tensors = [], []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        out = layer.output
        if isinstance(out, (list, tuple)):
            for k, t in enumerate(out):
                keys.append(f"layer:{layer.name}:{k}")
                tensors.append(t)
        else:
            keys.append(f"layer:{layer.name}")
            tensors.append(out)
    sub = K.Model(model.inputs, tensors)
    vals = run(sub, xs, stateful)
    assert len(vals) == len(keys), (keys, len(vals))
    return dict(zip(keys, vals))


def layer_meta(model) -> list[dict]:
    res = []
    for layer in model.layers:
        try:
            out = layer.output
            shape = [_shape(t) for t in out] if isinstance(out, (list, tuple)) else _shape(out)
        except Exception:  # noqa: BLE001
            shape = None
        res.append({"name": layer.name, "class": type(layer).__name__,
                    "params": int(layer.count_params()), "output_shape": shape})
    return res


def output_keys(n: int) -> list[str]:
    return ["output"] if n == 1 else [f"output{i}" for i in range(n)]


def input_names(n: int, suffix: str = "") -> list[str]:
    return [f"x{suffix}.npy"] if n == 1 else [f"x{i}{suffix}.npy" for i in range(n)]


def generate(case: Case) -> Path:
    K = keras_module(case.keras)
    K.backend.clear_session()
    rng = _rng(case.name)
    model = case.build(K)
    randomize(model, rng, case.scales)
    xs = [make_input(s, case.batch, rng) for s in case.inputs]
    xs1 = [make_input(s, case.batch, rng) for s in case.inputs] if case.stateful else None

    d = OUT / case.name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)

    expected: dict[str, np.ndarray] = {}
    reset_states(model)
    expected.update(layer_outputs(K, model, xs, case.stateful))
    reset_states(model)
    outs = run(model, xs, case.stateful)
    expected.update(dict(zip(output_keys(len(outs)), outs)))
    if case.stateful:
        outs1 = run(model, xs1, True)
        for k, a in zip(output_keys(len(outs)), outs):
            expected[f"call0:{k}"] = a
        for k, a in zip(output_keys(len(outs1)), outs1):
            expected[f"call1:{k}"] = a
        reset_states(model)

    for name, x in zip(input_names(len(xs)), xs):
        np.save(d / name, x)
    if xs1 is not None:
        for name, x in zip(input_names(len(xs1), "_call1"), xs1):
            np.save(d / name, x)
    np.savez(d / "expected.npz", **{k: np.asarray(v, np.float32) for k, v in expected.items()})

    for f in case.formats:
        if f.endswith(".weights.h5") or f == "weights.h5":
            model.save_weights(str(d / f))
        else:
            model.save(str(d / f))

    meta = {
        "case": case.name,
        "keras": case.keras,
        "keras_version": K.__version__,
        "files": list(case.formats),
        "inputs": len(xs),
        "outputs": len(outs),
        "batch": case.batch,
        "stateful": case.stateful,
        "total_params": int(model.count_params()),
        "layers": layer_meta(model),
        "description": case.description,
    }
    (d / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return d


def verify(case: Case) -> str:
    """Reload every file of a case in its own Keras; return a one-line report."""
    K = keras_module(case.keras)
    d = OUT / case.name
    meta = json.loads((d / "meta.json").read_text())
    exp = dict(np.load(d / "expected.npz"))
    xs = [np.load(d / n) for n in input_names(meta["inputs"])]
    keys = output_keys(meta["outputs"])
    parts = []
    for f in meta["files"]:
        K.backend.clear_session()
        if f.endswith("weights.h5"):
            model = case.build(K)
            model.load_weights(str(d / f))
        else:
            model = K.models.load_model(str(d / f), compile=False)
        reset_states(model)
        got = run(model, xs, case.stateful)
        diff = max(float(np.max(np.abs(g - exp[k]))) for g, k in zip(got, keys))
        if case.stateful:
            xs1 = [np.load(d / n) for n in input_names(meta["inputs"], "_call1")]
            got1 = run(model, xs1, True)
            diff = max(diff, *(float(np.max(np.abs(g - exp[f"call1:{k}"]))) for g, k in zip(got1, keys)))
        if len(got) != len(keys) or diff > VERIFY_ATOL:
            raise AssertionError(f"{case.name}/{f}: reload differs (max |diff| {diff:.3g})")
        parts.append(f"{f} {diff:.1e}")
    return ", ".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="case name or glob (repeatable); default: all cases")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--no-verify", action="store_true", help="skip reloading the written files")
    ap.add_argument("--keras", choices=["2", "3"], help="only cases of this Keras version")
    args = ap.parse_args(argv)

    cases = [c for c in CASES
             if (not args.only or any(fnmatch.fnmatchcase(c.name, p) for p in args.only))
             and (not args.keras or c.keras == args.keras)]
    if args.list:
        for c in cases:
            print(f"{c.name:34s} {','.join(c.formats):40s} {c.description}")
        return 0
    if not cases:
        print("no case matches", args.only, file=sys.stderr)
        return 2

    skipped, failed = [], []
    for c in cases:
        try:
            generate(c)
        except Exception as e:  # noqa: BLE001  (a combination this Keras refuses)
            msg = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]
            print(f"SKIP   {c.name}: {msg}", flush=True)
            skipped.append((c.name, msg))
            shutil.rmtree(OUT / c.name, ignore_errors=True)
            continue
        if args.no_verify:
            print(f"wrote  {c.name}", flush=True)
            continue
        try:
            print(f"ok     {c.name}: {verify(c)}", flush=True)
        except Exception as e:  # noqa: BLE001
            print(f"FAIL   {c.name}: {type(e).__name__}: {e}", flush=True)
            failed.append(c.name)
    total = sum(f.stat().st_size for c in CASES for f in (OUT / c.name).glob("*") if f.is_file())
    print(f"\n{len(cases) - len(skipped) - len(failed)} ok, {len(skipped)} skipped, {len(failed)} failed; "
          f"the Keras fixtures (all cases) take {total / 1e6:.2f} MB")
    for n, m in skipped:
        print(f"  skipped {n}: {m}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
