"""Gradient and training fixtures from real Keras 3 (TensorFlow backend).

For every case of ``tests/grad_cases.py``: the initial weights, the data, Keras' loss and
``tf.GradientTape`` gradients of every weight an optimizer could move (a frozen layer's
too, watched as asked) and of a float input (through ``model.compute_loss``, the path
``fit`` takes), and the weights after ``model.fit(x, y, batch_size=4, epochs=3,
shuffle=False)`` with each optimizer of ``grad_cases.OPTIMIZERS`` (a case's
``optimizers`` only where it names them; every weight of ``get_weights()``: a BatchNormalization's moving
statistics too, which fit moves). A case marked ``keras2`` is fitted with tf_keras too
(``k2fit_*``: the same model, weights and data in Keras 2). A case's ``graph`` is built as a
functional model (its inputs stacked in ``x``, their gradients in ``dx``); one marked ``xla`` is
taped and fitted compiled by XLA (``jit_compile``). Written to
``tests/fixtures/grad/<case>.npz`` (a few KB each).

Run with the fixture venv, from the repository root:
    $FIXENV/bin/python scripts/make_grad_fixtures.py [case ...]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from grad_cases import CASES, FIT, data, model_inputs, runs  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "grad"


def build_layer(cls, cfg, lib=keras):
    cfg = dict(cfg)
    for key in ("layer", "backward_layer"):
        if isinstance(cfg.get(key), dict):
            cfg[key] = build_layer(cfg[key]["class_name"], cfg[key]["config"], lib)
    if isinstance(cfg.get("cell"), list):  # an RNN's cells (Keras stacks them: StackedRNNCells)
        cfg["cell"] = [build_layer(c["class_name"], c["config"], lib) for c in cfg["cell"]]
    return getattr(lib.layers, cls)(**cfg)


def build(case, lib=keras):
    """The case's model in ``lib`` (keras, or tf_keras for Keras 2): a stack, or its ``graph``."""
    shape = case["shape"][1:]
    dtype = "int32" if "ids" in case else "float32"
    if "graph" not in case:
        return lib.Sequential([lib.Input(shape=shape, dtype=dtype)]
                              + [build_layer(c, cfg, lib) for c, cfg in case["layers"]])
    made, inputs = {}, []
    for name, cls, cfg, inbound in case["graph"]:
        if cls == "InputLayer":
            made[name] = lib.Input(shape=shape, dtype=dtype, name=name)
            inputs.append(made[name])
        else:
            args = [made[i] for i in inbound]
            made[name] = build_layer(cls, {**cfg, "name": name}, lib)(args if len(args) > 1 else args[0])
    model = lib.Model(inputs if len(inputs) > 1 else inputs[0], made[case["graph"][-1][0]])
    # (lstmviz builds the graph in the case's order: Keras' get_weights() follows its layers')
    assert [layer.name for layer in model.layers] == [g[0] for g in case["graph"]], model.layers
    return model


def targets(case, out_shape, rng, n):
    shape = (n,) + tuple(out_shape[1:])
    loss = case["loss"]
    if loss == "sparse_categorical_crossentropy":
        return rng.integers(0, shape[-1], size=shape[:-1]).astype(np.int32)
    if loss == "categorical_crossentropy":
        return np.eye(shape[-1], dtype=np.float32)[rng.integers(0, shape[-1], size=shape[:-1])]
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, size=shape).astype(np.float32)
    return rng.normal(size=shape).astype(np.float32)


def make(name):
    case = CASES[name]
    keras.utils.set_random_seed(sum(map(ord, name)))
    x, rng, n = data(name)
    xs = model_inputs(name, x)
    model = build(case)
    # random, non-trivial weights (biases too) so every path carries gradient
    w0 = [(rng.normal(size=w.shape) * 0.5).astype(np.float32) for w in model.get_weights()]
    paths = [v.path for v in model.weights]
    w0 = [np.abs(w) + np.float32(0.5) if p.endswith("moving_variance") else w for w, p in zip(w0, paths)]
    model.set_weights(w0)
    y = targets(case, model.output_shape, rng, n)
    out = {"x": x, "y": y}
    for k, w in enumerate(w0):
        out[f"w{k}"] = w
    # (``xla``: the tape and the fits compiled by XLA, as Keras' predict and fit run them: TensorFlow's
    # CPU has no eager channels_first convolution)
    xla = bool(case.get("xla"))
    model.compile(loss=case["loss"], optimizer="sgd")
    xt = [tf.convert_to_tensor(a) for a in xs] if isinstance(xs, list) else tf.convert_to_tensor(x)
    # every weight the optimizer could move: a frozen layer's too (the tape watches them as
    # asked: lstmviz shows their gradients, marked frozen), a BatchNormalization's moving ones not
    variables = [v for v in model.weights if not v.path.endswith(("moving_mean", "moving_variance"))]

    def tape_gradients(xt, yt):
        xw = xt if isinstance(xt, list) else [xt]
        with tf.GradientTape() as tape:
            if x.dtype.kind == "f":
                for a in xw:
                    tape.watch(a)
            for v in model.weights:
                if not v.trainable:
                    tape.watch(v.value)
            y_pred = model(xt, training=True)
            loss = model.compute_loss(x=xt, y=yt, y_pred=y_pred)
        watched = [v if v.trainable else v.value for v in variables] + (xw if x.dtype.kind == "f" else [])
        return loss, tape.gradient(loss, watched)

    run = tf.function(tape_gradients, jit_compile=True) if xla else tape_gradients
    loss, grads = run(xt, tf.convert_to_tensor(y))
    out["loss"] = np.float32(loss.numpy())
    for k, g in enumerate(grads[:len(variables)]):
        out[f"g{k}"] = tf.convert_to_tensor(g).numpy()
    if x.dtype.kind == "f":
        dx = [g.numpy() for g in grads[len(variables):]]  # (stacked as x is, for two inputs)
        out["dx"] = np.stack(dx) if isinstance(xs, list) else dx[0]
    for key, cls, opts in runs(name):
        model.set_weights(w0)
        model.compile(loss=case["loss"], optimizer=getattr(keras.optimizers, cls)(**opts), jit_compile=xla)
        hist = model.fit(xs, y, shuffle=False, verbose=0, **FIT)
        for k, w in enumerate(model.get_weights()):
            out[f"fit_{key}_{k}"] = w
        out[f"fit_{key}_loss"] = np.asarray(hist.history["loss"], np.float32)
    versions = {"keras": keras.__version__, "tensorflow": tf.__version__}
    if case.get("keras2"):
        versions["tf_keras"] = fit_tf_keras(name, xs, y, w0, out)
    out["weight_paths"] = np.array(paths)
    out["versions"] = np.array(json.dumps(versions))
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / f"{name}.npz", **out)
    print(f"{name}: loss {float(loss):.6f}, {len(w0)} weights", flush=True)


def fit_tf_keras(name, x, y, w0, out):
    """``k2fit_<optimizer>_<k>`` / ``_loss``: the same fits with tf_keras (Keras 2)."""
    import tf_keras

    case = CASES[name]
    model = build(case, tf_keras)
    for key, cls, opts in runs(name):
        model.set_weights(w0)
        model.compile(loss=case["loss"], optimizer=getattr(tf_keras.optimizers, cls)(**opts),
                      jit_compile=bool(case.get("xla")))
        hist = model.fit(x, y, shuffle=False, verbose=0, **FIT)
        for k, w in enumerate(model.get_weights()):
            out[f"k2fit_{key}_{k}"] = w
        out[f"k2fit_{key}_loss"] = np.asarray(hist.history["loss"], np.float32)
    return tf_keras.__version__


if __name__ == "__main__":
    for name in sys.argv[1:] or list(CASES):
        make(name)
