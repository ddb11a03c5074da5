"""Real Keras 3 layer configs, to check lstmviz's Keras 3 config writer against.

For each case below (a layer in Keras' vocabulary, with only the arguments a user would
give), builds ``Sequential([Input(shape), layer])`` in Keras 3 and stores the layer's
entry of ``model.get_config()`` next to the case. ``tests/test_keras3_config.py`` builds
the same layer in lstmviz and checks that ``lstmviz.io.keras3_config.layer_config`` gives
the same keys and values (what both the app's JSON export and ``lstmviz train``'s
``.keras`` writer use), and how Keras serialises each initializer name; ``REFUSED``: configs
Keras 3's constructor refuses, with Keras' exception (lstmviz refuses them too).
Written to ``tests/fixtures/keras3_layer_configs.json``.

Run with the fixture venv, from the repository root:
    $FIXENV/bin/python scripts/make_keras3_configs.py
(a venv of the pinned ``tensorflow-cpu``, the ``fixtures`` extra, with ``keras==3.15.1``)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "keras3_layer_configs.json"


def _cell(cls: str, **cfg) -> dict:
    return {"class_name": cls, "config": cfg}


# name -> (input shape without the batch (with it: a batch of that size), input dtype, class
# name, config)
CASES = {
    "lstm": ((5, 3), "float32", "LSTM", {"units": 4}),
    "lstm_options": ((5, 3), "float32", "LSTM",
                     {"units": 3, "activation": "relu", "recurrent_activation": "hard_sigmoid",
                      "use_bias": False, "unit_forget_bias": False, "return_sequences": True,
                      "return_state": False, "go_backwards": True, "dropout": 0.25}),
    "gru": ((5, 3), "float32", "GRU", {"units": 2}),
    "gru_reset_before": ((5, 3), "float32", "GRU",
                         {"units": 2, "reset_after": False, "return_sequences": True}),
    "simple_rnn": ((5, 3), "float32", "SimpleRNN", {"units": 5, "activation": "sigmoid"}),
    "stateful_lstm": ((2, 5, 3), "float32", "LSTM", {"units": 2, "stateful": True}),
    "bidirectional": ((5, 3), "float32", "Bidirectional",
                      {"layer": _cell("LSTM", units=2, return_sequences=True), "merge_mode": "sum"}),
    "bidirectional_gru": ((5, 3), "float32", "Bidirectional", {"layer": _cell("GRU", units=3)}),
    "rnn_cell": ((5, 3), "float32", "RNN", {"cell": _cell("GRUCell", units=2)}),
    "rnn_stacked": ((5, 3), "float32", "RNN",
                    {"cell": [_cell("LSTMCell", units=2), _cell("SimpleRNNCell", units=3)],
                     "return_sequences": True}),
    "dense": ((5, 3), "float32", "Dense", {"units": 2}),
    "dense_softmax": ((3,), "float32", "Dense", {"units": 4, "activation": "softmax", "use_bias": False}),
    "embedding": ((5,), "int32", "Embedding", {"input_dim": 10, "output_dim": 4, "mask_zero": True}),
    "time_distributed": ((5, 3), "float32", "TimeDistributed", {"layer": _cell("Dense", units=2)}),
    "dropout": ((5, 3), "float32", "Dropout", {"rate": 0.3}),
    "masking": ((5, 3), "float32", "Masking", {"mask_value": 0.0}),
    "repeat_vector": ((3,), "float32", "RepeatVector", {"n": 4}),
    "flatten": ((5, 3), "float32", "Flatten", {}),
    "reshape": ((6,), "float32", "Reshape", {"target_shape": [2, 3]}),
    "activation": ((5, 3), "float32", "Activation", {"activation": "tanh"}),
    "gaussian_noise": ((5, 3), "float32", "GaussianNoise", {"stddev": 0.1}),
    "gaussian_dropout": ((5, 3), "float32", "GaussianDropout", {"rate": 0.2}),
    "alpha_dropout": ((5, 3), "float32", "AlphaDropout", {"rate": 0.2}),
    "spatial_dropout": ((5, 3), "float32", "SpatialDropout1D", {"rate": 0.2}),
    "activity_regularization": ((5, 3), "float32", "ActivityRegularization", {"l1": 0.01}),
    "conv1d": ((6, 3), "float32", "Conv1D", {"filters": 4, "kernel_size": 3}),
    "conv1d_options": ((6, 4), "float32", "Conv1D",
                       {"filters": 4, "kernel_size": 2, "padding": "causal", "dilation_rate": 2, "groups": 2,
                        "activation": "relu", "use_bias": False}),
    "max_pooling1d": ((6, 3), "float32", "MaxPooling1D", {}),
    "average_pooling1d": ((6, 3), "float32", "AveragePooling1D",
                          {"pool_size": 3, "strides": 1, "padding": "same", "data_format": "channels_first"}),
    "bidirectional_td_masked": ((5, 3), "float32", "Bidirectional",
                                {"layer": _cell("SimpleRNN", units=2, return_sequences=True,
                                                zero_output_for_mask=False), "merge_mode": "ave"}),
    # dropouts outside 0..1: Keras' cells keep min(1.0, max(0.0, x)), in every cell kind
    "lstm_dropout_clamped": ((5, 3), "float32", "LSTM", {"units": 2, "dropout": 2, "recurrent_dropout": -0.5}),
    "rnn_cell_dropout_clamped": ((5, 3), "float32", "RNN", {"cell": _cell("LSTMCell", units=2, dropout=2)}),
    "rnn_stacked_dropout_clamped": ((5, 3), "float32", "RNN",
                                    {"cell": [_cell("GRUCell", units=2, recurrent_dropout=1.5),
                                              _cell("SimpleRNNCell", units=2, dropout=-1)]}),
    "bidirectional_dropout_clamped": ((5, 3), "float32", "Bidirectional",
                                      {"layer": _cell("GRU", units=2, dropout=3, recurrent_dropout=float("nan"))}),
    "simple_rnn_dropout_clamped": ((5, 3), "float32", "SimpleRNN", {"units": 2, "dropout": True,
                                                                     "recurrent_dropout": float("inf")}),
    "activity_regularization_none": ((5, 3), "float32", "ActivityRegularization", {"l1": None, "l2": 0.5}),
    # the layers around recurrent ones (engine/layers_more.py); ELU left out: Keras 3.15's
    # get_config writes no alpha, which lstmviz writes (engine/keras3_keys.DEFAULTS)
    "global_average_pooling": ((5, 3), "float32", "GlobalAveragePooling1D", {"keepdims": True}),
    "global_max_pooling": ((5, 3), "float32", "GlobalMaxPooling1D", {"data_format": "channels_first"}),
    "permute": ((5, 3), "float32", "Permute", {"dims": [2, 1]}),
    "cropping": ((5, 3), "float32", "Cropping1D", {"cropping": 2}),
    "zero_padding": ((5, 3), "float32", "ZeroPadding1D", {"padding": [0, 2]}),
    "up_sampling": ((5, 3), "float32", "UpSampling1D", {"size": 3}),
    "layer_normalization": ((5, 3), "float32", "LayerNormalization", {}),
    "layer_normalization_axes": ((5, 3), "float32", "LayerNormalization",
                                 {"axis": [2, 1], "epsilon": 0.01, "center": False}),
    "layer_normalization_rms": ((5, 3), "float32", "LayerNormalization", {"rms_scaling": True}),
    "batch_normalization": ((5, 3), "float32", "BatchNormalization", {}),
    "batch_normalization_options": ((5, 3), "float32", "BatchNormalization",
                                    {"axis": 1, "momentum": 0.9, "epsilon": 0.01, "scale": False}),
    "relu": ((5, 3), "float32", "ReLU", {"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}),
    "leaky_relu": ((5, 3), "float32", "LeakyReLU", {"negative_slope": 0.1}),
    "softmax": ((5, 3), "float32", "Softmax", {"axis": 1}),
}

#: configs Keras 3's constructor refuses: name -> (class name, config); the fixture keeps
#: Keras' exception (type and message) for each
REFUSED = {
    "activity_regularization_negative_l1": ("ActivityRegularization", {"l1": -1}),
    "activity_regularization_negative_l2": ("ActivityRegularization", {"l2": -0.01}),
    "activity_regularization_nan": ("ActivityRegularization", {"l1": float("nan")}),
    "activity_regularization_inf": ("ActivityRegularization", {"l2": float("inf")}),
    "activity_regularization_text": ("ActivityRegularization", {"l1": "0.1"}),
    # a layer's or cell's *_regularizer whose factor Keras' regularizers refuse
    # (validate_float_arg), wherever the layer or cell stands
    "regularizer_lstm_kernel_l1l2": ("LSTM", {"units": 2, "kernel_regularizer": _cell("L1L2", l1=-0.1, l2=0.0)}),
    "regularizer_gru_recurrent_l2_nan": ("GRU", {"units": 2, "recurrent_regularizer": _cell("L2", l2=float("nan"))}),
    "regularizer_simple_rnn_bias_l1": ("SimpleRNN", {"units": 2, "bias_regularizer": _cell("L1", l1=-1)}),
    "regularizer_dense_activity_inf": ("Dense", {"units": 2, "activity_regularizer": _cell("L1L2", l2=float("inf"))}),
    "regularizer_dense_kernel_orthogonal": ("Dense", {"units": 2, "kernel_regularizer":
                                                      _cell("OrthogonalRegularizer", factor=-0.5)}),
    "regularizer_embedding_text": ("Embedding", {"input_dim": 10, "output_dim": 2,
                                                 "embeddings_regularizer": _cell("l2", l2="0.1")}),
    "regularizer_rnn_cell": ("RNN", {"cell": _cell("LSTMCell", units=2, kernel_regularizer=_cell("L1", l1=-0.01))}),
    "regularizer_rnn_stacked_cells": ("RNN", {"cell": [_cell("GRUCell", units=2),
                                                       _cell("SimpleRNNCell", units=2,
                                                             recurrent_regularizer=_cell("L1L2", l1=-2))]}),
    "regularizer_bidirectional": ("Bidirectional", {"layer": _cell("GRU", units=2,
                                                                   bias_regularizer=_cell("L2", l2=-0.5))}),
}


#: initializer names as a config may give them (``keras.initializers.get``)
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                "lecun_normal", "orthogonal", "zeros", "ones", "uniform", "random_uniform",
                "random_normal", "normal", "truncated_normal", "identity")


def build(cls: str, cfg: dict):
    cfg = dict(cfg)
    for key in ("layer", "backward_layer"):
        if isinstance(cfg.get(key), dict):
            cfg[key] = build(cfg[key]["class_name"], cfg[key]["config"])
    if isinstance(cfg.get("cell"), (dict, list)):
        given = cfg["cell"] if isinstance(cfg["cell"], list) else [cfg["cell"]]
        made = [build(c["class_name"], c["config"]) for c in given]
        cfg["cell"] = made if isinstance(cfg["cell"], list) else made[0]
    return getattr(keras.layers, cls)(**cfg)


def main() -> None:
    out = {"keras_version": keras.__version__, "cases": {}}
    for name, (shape, dtype, cls, cfg) in CASES.items():
        keras.backend.clear_session()  # (each case's inner layers and cells named as the first of their kind)
        layer = build(cls, {**cfg, "name": name})
        batch_shape = (None, *shape) if name != "stateful_lstm" else shape
        model = keras.Sequential([keras.Input(batch_shape=batch_shape, dtype=dtype), layer])
        got = model.get_config()["layers"][1]
        got.pop("build_config", None)
        out["cases"][name] = {"input_shape": list(batch_shape), "input_dtype": dtype,
                              "class_name": cls, "config": cfg, "keras": got}
    out["refused"] = {}
    for name, (cls, cfg) in REFUSED.items():
        try:
            build(cls, cfg)
        except Exception as err:  # noqa: BLE001 - what Keras raises is what is kept
            out["refused"][name] = {"class_name": cls, "config": cfg, "error": type(err).__name__,
                                    "message": str(err)}
        else:
            raise SystemExit(f"{name}: Keras {keras.__version__} took {cls}({cfg}); it is no refusal")
    out["initializers"] = {name: keras.initializers.serialize(keras.initializers.get(name))
                           for name in INITIALIZERS}
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({len(CASES)} layers, Keras {keras.__version__})")


if __name__ == "__main__":
    main()
