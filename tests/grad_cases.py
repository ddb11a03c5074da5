"""The models, data and training settings of the gradient / training fixtures.

Shared by ``scripts/make_grad_fixtures.py`` (which builds each with real Keras 3, takes
``tf.GradientTape`` gradients and runs ``model.fit``) and ``tests/test_grad_keras.py``
(which builds the same with lstmviz and compares). Layers are ``(class_name, config)``;
a wrapper holds its inner layer as ``{"class_name": ..., "config": ...}``; a functional
case has a ``graph`` of ``(name, class_name, config, inbound names)`` instead (``_masked_merge``).
"""

from __future__ import annotations

import numpy as np

#: optimizer runs per case: (key, Keras optimizer class name, options)
OPTIMIZERS = [
    ("sgd", "SGD", {"learning_rate": 0.1}),
    ("sgd_nesterov", "SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd_momentum_clipvalue", "SGD", {"learning_rate": 0.05, "momentum": 0.5, "clipvalue": 0.05}),
    ("adam", "Adam", {"learning_rate": 0.01}),
    ("adam_clipnorm", "Adam", {"learning_rate": 0.01, "clipnorm": 0.05}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.01}),
    ("rmsprop_momentum_centered", "RMSprop", {"learning_rate": 0.005, "momentum": 0.5, "centered": True}),
    ("adagrad", "Adagrad", {"learning_rate": 0.1}),
]
#: the runs a case keeps for a small file (the frozen layers', the merges' and the other
#: functional ones): momentum, Adam's two moments, RMSprop's centred three slots
SMALL_RUNS = ("sgd_nesterov", "adam", "rmsprop_momentum_centered")
FIT = {"batch_size": 4, "epochs": 3}  # 6 samples: batches of 4 and 2 (a short last batch)


def _td(units, activation="linear"):
    return ("TimeDistributed", {"layer": {"class_name": "Dense",
                                          "config": {"units": units, "activation": activation}}})


def _masked_merge(merge, head, loss, empty=True, runs=None):
    """A functional model (``graph``: ``(name, class_name, config, inbound names)`` in Keras'
    layer order; ``inputs``: how many inputs of ``shape``, ``data`` stacks them): two inputs
    padded at different steps (``data``), Masking -> LSTM and Masking -> GRU sequences merged by
    ``merge`` (Keras 3 ORs their masks, takes a Multiply's masked step as 1, a Maximum's the
    other input's; Keras 2 merges the values as they are and ANDs the masks), then ``head``.
    ``empty``: one sample's second input all padding (not before a GlobalAveragePooling1D: the
    Keras 2 AND leaves it no step, and tf_keras' average of none is NaN)."""
    seq = {"units": 3, "return_sequences": True}
    graph = [("in_a", "InputLayer", {}, []), ("in_b", "InputLayer", {}, []),
             ("mask_a", "Masking", {}, ["in_a"]), ("mask_b", "Masking", {}, ["in_b"]),
             ("lstm", "LSTM", seq, ["mask_a"]), ("gru", "GRU", seq, ["mask_b"]),
             ("merged", merge, {}, ["lstm", "gru"])]
    for k, (cls, cfg) in enumerate(head):
        graph.append((f"head{k}", cls, cfg, [graph[-1][0]]))
    case = dict(shape=(None, 6, 2), loss=loss, mask=True, keras2=True, inputs=2, graph=graph, empty=empty)
    return case if runs is None else {**case, "optimizers": runs}


def _bidi(kind, merge, **cfg):
    return ("Bidirectional", {"merge_mode": merge,
                              "layer": {"class_name": kind, "config": {"units": 3, **cfg}}})


CASES = {
    "lstm_last_mse": dict(shape=(None, 5, 3), loss="mse",
                          layers=[("LSTM", {"units": 4}), ("Dense", {"units": 2})]),
    "lstm_hard_sigmoid_mae": dict(shape=(None, 5, 3), loss="mae",
                                  layers=[("LSTM", {"units": 3, "recurrent_activation": "hard_sigmoid",
                                                    "return_sequences": True}), _td(2)]),
    "gru_seq_bce": dict(shape=(None, 5, 3), loss="binary_crossentropy",
                        layers=[("GRU", {"units": 3, "return_sequences": True}), _td(2, "sigmoid")]),
    "gru_reset_before_backwards_cce": dict(
        shape=(None, 5, 3), loss="categorical_crossentropy",
        layers=[("GRU", {"units": 3, "reset_after": False, "go_backwards": True}),
                ("Dense", {"units": 3, "activation": "softmax"})]),
    "simplernn_masked_mse": dict(shape=(None, 6, 2), loss="mse", mask=True,
                                 layers=[("Masking", {"mask_value": 0.0}),
                                         ("SimpleRNN", {"units": 4, "return_sequences": True}),
                                         _td(2)]),
    "lstm_masked_last_bce": dict(shape=(None, 6, 2), loss="binary_crossentropy", mask=True,
                                 layers=[("Masking", {"mask_value": 0.0}), ("LSTM", {"units": 3}),
                                         ("Dense", {"units": 1, "activation": "sigmoid"})]),
    "embedding_mask_zero_scce": dict(
        shape=(None, 6), loss="sparse_categorical_crossentropy", ids=7,
        layers=[("Embedding", {"input_dim": 7, "output_dim": 3, "mask_zero": True}),
                ("LSTM", {"units": 4, "return_sequences": True}),
                ("Dense", {"units": 5, "activation": "softmax"})]),
    "bidi_lstm_concat_mse": dict(shape=(None, 5, 3), loss="mse",
                                 layers=[_bidi("LSTM", "concat"), ("Dense", {"units": 2})]),
    "bidi_gru_sum_masked_seq": dict(shape=(None, 6, 2), loss="mse", mask=True,
                                    layers=[("Masking", {}), _bidi("GRU", "sum", return_sequences=True),
                                            _td(2)]),
    "bidi_simplernn_mul_ave": dict(shape=(None, 5, 3), loss="mse",
                                   layers=[_bidi("SimpleRNN", "mul", return_sequences=True),
                                           _bidi("LSTM", "ave"), ("Dense", {"units": 2})]),
    "repeat_vector_seq2seq": dict(shape=(None, 4, 2), loss="mse",
                                  layers=[("LSTM", {"units": 3}), ("RepeatVector", {"n": 3}),
                                          ("GRU", {"units": 3, "return_sequences": True}),
                                          ("Dropout", {"rate": 0.0}), _td(2, "tanh")]),
    "conv_pool_lstm_mse": dict(shape=(None, 8, 3), loss="mse",
                               layers=[("Conv1D", {"filters": 4, "kernel_size": 3, "activation": "relu",
                                                   "padding": "causal"}),
                                       ("MaxPooling1D", {"pool_size": 2}), ("LSTM", {"units": 3}),
                                       ("Dense", {"units": 2})]),
    "conv_options_flatten": dict(
        shape=(None, 9, 4), loss="mae",
        layers=[("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "same", "strides": 2,
                            "activation": "tanh"}),
                ("MaxPooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}),
                ("Conv1D", {"filters": 4, "kernel_size": 2, "dilation_rate": 2, "groups": 2,
                            "use_bias": False, "padding": "causal"}),
                ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}),
                # (channels first: Keras 3.15's eager Conv1D, which GradientTape runs, is wrong on
                # TensorFlow 2.21's CPU where filters equal the output's steps, predict right:
                # its gradient is checked by finite differences, tests/test_grad_finite_diff.py)
                ("AveragePooling1D", {"pool_size": 2, "data_format": "channels_first"}),
                ("Conv1D", {"filters": 3, "kernel_size": 2, "activation": "sigmoid"}),
                ("Flatten", {}), ("Dense", {"units": 2})]),
    # the layers around recurrent ones (engine/layers_more.py)
    "layernorm_gap_masked_mse": dict(
        shape=(None, 6, 2), loss="mse", mask=True,
        layers=[("Masking", {}), ("LSTM", {"units": 3, "return_sequences": True}),
                ("LayerNormalization", {}), ("LayerNormalization", {"rms_scaling": True}),
                ("GlobalAveragePooling1D", {}), ("Dense", {"units": 2})]),
    "pool_shape_act_cce": dict(
        shape=(None, 5, 3), loss="categorical_crossentropy",
        layers=[("LSTM", {"units": 3, "return_sequences": True}), ("UpSampling1D", {"size": 2}),
                ("Cropping1D", {"cropping": [1, 2]}), ("ZeroPadding1D", {"padding": [1, 0]}),
                ("ReLU", {"max_value": 0.6, "negative_slope": 0.1, "threshold": 0.05}),
                ("Permute", {"dims": [2, 1]}), ("GlobalMaxPooling1D", {}),
                ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {"alpha": 0.5}),
                ("Dense", {"units": 3}), ("Softmax", {})]),
    # BatchNormalization in training: the batch's statistics, the moving ones moved after each
    # update (``keras2``: also fitted with tf_keras, the Keras 2 form of the update)
    "lstm_batchnorm_dense_mse": dict(
        shape=(None, 5, 3), loss="mse", keras2=True,
        layers=[("LSTM", {"units": 4}), ("BatchNormalization", {"momentum": 0.8}), ("Dense", {"units": 2})]),
    "batchnorm_steps_lstm_mae": dict(
        shape=(None, 5, 3), loss="mae", keras2=True,
        layers=[("BatchNormalization", {"momentum": 0.7, "epsilon": 0.01}), ("LSTM", {"units": 3}),
                ("Dense", {"units": 2})]),
    "masked_batchnorm_lstm_mse": dict(
        shape=(None, 6, 2), loss="mse", mask=True, keras2=True,
        layers=[("Masking", {}), ("BatchNormalization", {"momentum": 0.6}),
                ("LSTM", {"units": 3, "return_sequences": True}), ("BatchNormalization", {"center": False}),
                _td(2)]),
    # frozen layers (``trainable: False``, ``frozen``: tests/test_frozen_training.py): fit moves only
    # the others, the optimizer's slots follow ``trainable_variables`` (``optimizers``: the runs of
    # ``OPTIMIZERS`` kept, for small files)
    "frozen_embedding_lstm_scce": dict(
        shape=(None, 6), loss="sparse_categorical_crossentropy", ids=7, keras2=True, frozen=True,
        optimizers=SMALL_RUNS,
        layers=[("Embedding", {"input_dim": 7, "output_dim": 3, "mask_zero": True, "trainable": False}),
                ("LSTM", {"units": 3}), ("Dense", {"units": 3, "activation": "softmax"})]),
    "frozen_first_lstm_batchnorm_mse": dict(
        shape=(None, 5, 3), loss="mse", keras2=True, frozen=True, optimizers=SMALL_RUNS,
        layers=[("LSTM", {"units": 3, "return_sequences": True, "trainable": False}),
                ("BatchNormalization", {"momentum": 0.8, "trainable": False}),
                ("LSTM", {"units": 3}), ("Dense", {"units": 2})]),
    # frozen as ``layer.trainable = False`` leaves it: the wrapper and the layer it wraps
    "frozen_bidi_lstm_mse": dict(
        shape=(None, 5, 3), loss="mse", keras2=True, frozen=True, optimizers=SMALL_RUNS,
        layers=[("Bidirectional", {"merge_mode": "concat", "trainable": False,
                                   "layer": {"class_name": "LSTM", "config": {"units": 3, "trainable": False}}}),
                ("Dense", {"units": 2})]),
    # only the wrappers' own flag (``Bidirectional(GRU(3), trainable=False)``): Keras 3.15 trains
    # what they wrap, tf_keras 2.21 does not
    "wrapper_flag_only_mse": dict(
        shape=(None, 5, 3), loss="mse", keras2=True, frozen=True, optimizers=SMALL_RUNS,
        layers=[("Bidirectional", {"merge_mode": "sum", "trainable": False,
                                   "layer": {"class_name": "GRU", "config": {"units": 3, "return_sequences": True}}}),
                ("TimeDistributed", {"trainable": False, "layer": {"class_name": "Dense", "config": {"units": 2}}}),
                ("LSTM", {"units": 2}), ("Dense", {"units": 2})]),
    # masked merges of two branches padded at different steps (engine/layers.py Merge), Keras 3 and 2
    "masked_multiply_gap_mse": _masked_merge(
        "Multiply", [("GlobalAveragePooling1D", {}), ("Dense", {"units": 2})], "mse", empty=False),
    "masked_maximum_lstm_cce": _masked_merge(
        "Maximum", [("LSTM", {"units": 3}), ("Dense", {"units": 3, "activation": "softmax"})],
        "categorical_crossentropy"),
    "masked_average_gap_bce": _masked_merge(
        "Average", [("GlobalAveragePooling1D", {}), ("Dense", {"units": 2, "activation": "sigmoid"})],
        "binary_crossentropy", empty=False),
    # (the optimizers' own steps are the cases' above: these keep ``SMALL_RUNS``, or two of them
    # where a case has more weights, for small files)
    "masked_add_gap_mse": _masked_merge(
        "Add", [("GlobalAveragePooling1D", {}), ("Dense", {"units": 2})], "mse", empty=False, runs=SMALL_RUNS),
    "masked_subtract_lstm_mse": _masked_merge(
        "Subtract", [("LSTM", {"units": 3}), ("Dense", {"units": 2})], "mse", runs=SMALL_RUNS[:2]),
    "masked_minimum_gap_bce": _masked_merge(
        "Minimum", [("GlobalAveragePooling1D", {}), ("Dense", {"units": 2, "activation": "sigmoid"})],
        "binary_crossentropy", empty=False, runs=SMALL_RUNS),
    "masked_concatenate_lstm_cce": _masked_merge(
        "Concatenate", [("LSTM", {"units": 3}), ("Dense", {"units": 3, "activation": "softmax"})],
        "categorical_crossentropy", runs=SMALL_RUNS[:2]),
    # attention pooling (the ``k3_attention_pooling`` fixture's model, small): an LSTM's sequence
    # weighted by a softmax over its steps of a Dense(1) score, broadcast by a Multiply
    "attention_pooling_cce": dict(
        shape=(None, 5, 3), loss="categorical_crossentropy", keras2=True, optimizers=SMALL_RUNS,
        graph=[("x", "InputLayer", {}, []), ("h", "LSTM", {"units": 3, "return_sequences": True}, ["x"]),
               ("e", "Dense", {"units": 1, "activation": "tanh"}, ["h"]), ("a", "Softmax", {"axis": 1}, ["e"]),
               ("ctx", "Multiply", {}, ["h", "a"]), ("p", "GlobalAveragePooling1D", {}, ["ctx"]),
               ("y", "Dense", {"units": 2, "activation": "softmax"}, ["p"])]),
    # a LayerNormalization over the steps and features together
    "layernorm_steps_features_mse": dict(
        shape=(None, 5, 3), loss="mse", keras2=True, optimizers=SMALL_RUNS,
        layers=[("LSTM", {"units": 3, "return_sequences": True}), ("LayerNormalization", {"axis": [1, 2]}),
                ("GlobalAveragePooling1D", {}), ("Dense", {"units": 2})]),
    # Keras' StackedRNNCells: RNN([LSTMCell, GRUCell]), each cell reading the one before at a step
    "stacked_cells_mse": dict(
        shape=(None, 5, 3), loss="mse", keras2=True, optimizers=SMALL_RUNS,
        layers=[("RNN", {"cell": [{"class_name": "LSTMCell", "config": {"units": 3}},
                                  {"class_name": "GRUCell", "config": {"units": 2}}],
                         "return_sequences": True}),
                ("GlobalAveragePooling1D", {}), ("Dense", {"units": 2})]),
    # a channels_first Conv1D between Permute((2, 1))s: the steps' features convolved (``xla``:
    # TensorFlow's CPU convolves channels_first only compiled, as Keras' fit runs it)
    "permuted_conv_channels_first_lstm_mse": dict(
        shape=(None, 6, 3), loss="mse", keras2=True, xla=True, optimizers=SMALL_RUNS,
        layers=[("Permute", {"dims": [2, 1]}),
                ("Conv1D", {"filters": 4, "kernel_size": 2, "activation": "tanh",
                            "data_format": "channels_first"}),
                ("Permute", {"dims": [2, 1]}), ("LSTM", {"units": 3}), ("Dense", {"units": 2})]),
}


def data(name: str):
    """(x, y) of a case: 6 samples, seeded by the case name."""
    case = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    shape = case["shape"]
    n = 6
    if "ids" in case:
        x = rng.integers(1, case["ids"], size=(n,) + shape[1:]).astype(np.int32)
        x[0, 4:] = 0
        x[3, 2:] = 0
    else:
        x = rng.normal(size=(n,) + shape[1:]).astype(np.float32)
        if case.get("mask"):
            x[0, 4:] = 0.0
            x[2, :2] = 0.0
            x[4, 3] = 0.0
        if case.get("inputs") == 2:  # the second input padded elsewhere (``empty``: sample 3's all of it)
            x2 = rng.normal(size=x.shape).astype(np.float32)
            x2[0, 3:] = 0.0
            x2[2, :2] = 0.0
            x2[3, 0 if case["empty"] else 2:] = 0.0
            x2[5, 1] = 0.0
            x = np.stack([x, x2])
    return x, rng, n


def model_inputs(name: str, x):
    """What the model takes of a case's ``x``: the stacked inputs of a two-input case as a list."""
    return list(x) if CASES[name].get("inputs") else x


def runs(name: str) -> list:
    """The optimizer runs of ``OPTIMIZERS`` a case's fixture holds."""
    keep = CASES[name].get("optimizers")
    return [o for o in OPTIMIZERS if keep is None or o[0] in keep]
