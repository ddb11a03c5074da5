"""The config keys of each Keras 3 layer, with Keras' defaults: what its ``get_config()``
writes (``DEFAULTS``, ``KEYS``; ``io/keras3_config.layer_config`` writes configs by them,
``tests/test_keras3_config.py`` checks them against real Keras 3.15 output), and what its
constructor takes (``unknown_key``: ``Model.sequential`` refuses a key Keras 3 refuses,
"Unrecognized keyword arguments passed to LSTM"). The recurrent layers' and cells' keys
are derived from the cell descriptions (``engine/cells.py``)."""

from __future__ import annotations

import difflib
import math
from typing import Any

from lstmviz.engine.cells import CELLS, CellKind
from lstmviz.text import safe_text

REQUIRED = object()  # a key Keras 3 has no default for: left out when lstmviz has none

#: What a recurrent cell's config holds (``LSTMCell``, ...) besides the cell kind's own keys,
#: with Keras 3's defaults.
CELL_DEFAULTS: dict[str, Any] = {
    "units": REQUIRED, "activation": "tanh", "use_bias": True,
    "kernel_initializer": "glorot_uniform", "recurrent_initializer": "orthogonal",
    "bias_initializer": "zeros", "kernel_regularizer": None, "recurrent_regularizer": None,
    "bias_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
    "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0, "seed": None}
#: What every recurrent layer's config holds around its cell's (Keras' ``RNN`` base).
RNN_DEFAULTS: dict[str, Any] = {
    "return_sequences": False, "return_state": False, "go_backwards": False, "stateful": False,
    "unroll": False, "zero_output_for_mask": False}


def _cell_defaults(cell: CellKind) -> dict[str, Any]:
    own = {"recurrent_activation": "sigmoid"} if cell.gated else {}
    return {**CELL_DEFAULTS, **own, **{k: default for k, default, _ in cell.options}}


#: Keras 3's convolution and pooling over the steps (``engine/conv.py``)
_POOL = {"pool_size": REQUIRED, "padding": "valid", "strides": REQUIRED, "data_format": "channels_last"}
CONV_DEFAULTS: dict[str, dict[str, Any]] = {
    "Conv1D": {"filters": REQUIRED, "kernel_size": REQUIRED, "strides": [1], "padding": "valid",
               "data_format": "channels_last", "dilation_rate": [1], "groups": 1, "activation": "linear",
               "use_bias": True, "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros",
               "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
               "kernel_constraint": None, "bias_constraint": None},
    "MaxPooling1D": _POOL, "AveragePooling1D": _POOL,
}


#: The config keys of each Keras 3 layer's ``get_config()`` besides name, trainable and
#: dtype, with Keras' default where it has one; anything else lstmviz keeps in a config
#: (Keras 2 keys, its own) is left out, and a key the config lacks is filled in.
DEFAULTS: dict[str, dict[str, Any]] = {
    **{c.name: {k: v for k, v in {**RNN_DEFAULTS, **_cell_defaults(c), "activity_regularizer": None}.items()
                if not (c.name == "SimpleRNN" and k == "seed")}  # Keras 3.15's SimpleRNN leaves it out
       for c in CELLS.values()},
    **{c.cell_class: _cell_defaults(c) for c in CELLS.values()},
    "RNN": {**RNN_DEFAULTS, "cell": REQUIRED},
    "StackedRNNCells": {"cells": REQUIRED},
    "Dense": {"units": REQUIRED, "activation": "linear", "use_bias": True,
              "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros",
              "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
              "bias_constraint": None, "quantization_config": None},
    "Embedding": {"input_dim": REQUIRED, "output_dim": REQUIRED, "embeddings_initializer": "uniform",
                  "embeddings_regularizer": None, "activity_regularizer": None,
                  "embeddings_constraint": None, "mask_zero": False, "quantization_config": None},
    "Bidirectional": {"layer": REQUIRED, "backward_layer": REQUIRED, "merge_mode": "concat"},
    "TimeDistributed": {"layer": REQUIRED},
    "Activation": {"activation": REQUIRED}, "ActivityRegularization": {"l1": 0.0, "l2": 0.0},
    "Dropout": {"rate": REQUIRED, "seed": None, "noise_shape": None},
    "AlphaDropout": {"rate": REQUIRED, "seed": None, "noise_shape": None},
    "GaussianDropout": {"rate": REQUIRED, "seed": None},
    "GaussianNoise": {"stddev": REQUIRED, "seed": None},
    "SpatialDropout1D": {"rate": REQUIRED, "seed": None}, "Masking": {"mask_value": 0.0},
    "Flatten": {"data_format": "channels_last"}, "RepeatVector": {"n": REQUIRED},
    "Reshape": {"target_shape": REQUIRED}, "Concatenate": {"axis": -1},
    "Add": {}, "Subtract": {}, "Multiply": {}, "Average": {}, "Maximum": {}, "Minimum": {},
    **CONV_DEFAULTS,
    # the layers around recurrent ones (engine/layers_more.py)
    "GlobalAveragePooling1D": {"data_format": "channels_last", "keepdims": False},
    "GlobalMaxPooling1D": {"data_format": "channels_last", "keepdims": False},
    "Permute": {"dims": REQUIRED}, "Cropping1D": {"cropping": [1, 1]},
    "ZeroPadding1D": {"padding": [1, 1], "data_format": "channels_last"}, "UpSampling1D": {"size": 2},
    "LayerNormalization": {"axis": [-1], "epsilon": 0.001, "center": True, "scale": True,
                           "rms_scaling": False, "beta_initializer": "zeros", "gamma_initializer": "ones",
                           "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
                           "gamma_constraint": None},
    "BatchNormalization": {"axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
                           "beta_initializer": "zeros", "gamma_initializer": "ones",
                           "moving_mean_initializer": "zeros", "moving_variance_initializer": "ones",
                           "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
                           "gamma_constraint": None, "synchronized": False, "renorm": False,
                           "renorm_clipping": None, "renorm_momentum": 0.99},
    "ReLU": {"max_value": None, "negative_slope": 0.0, "threshold": 0.0},
    "LeakyReLU": {"negative_slope": 0.3}, "Softmax": {"axis": -1},
    # (Keras 3.15's ELU writes no alpha, and reads its files with 1.0; written here so that a
    # model of another alpha, a Keras 2 file's, keeps it: its constructor takes it)
    "ELU": {"alpha": 1.0},
}
#: The keys of each layer's Keras 3 config (see ``DEFAULTS``).
KEYS: dict[str, tuple[str, ...]] = {cls: tuple(d) for cls, d in DEFAULTS.items()}

#: What every Keras 3 layer's constructor takes besides its own keys (``keras.layers.Layer``).
BASE_KEYS = ("name", "trainable", "dtype", "autocast", "activity_regularizer", "input_dim",
             "input_shape")
#: What a Keras 3 layer's constructor takes that its ``get_config()`` does not write.
CONSTRUCTOR_KEYS: dict[str, tuple[str, ...]] = {
    "LSTM": ("implementation", "use_cudnn"), "GRU": ("implementation", "use_cudnn"),
    "SimpleRNN": ("seed",),  # (3.15's get_config leaves it out: DEFAULTS)
    "LSTMCell": ("implementation",), "GRUCell": ("implementation",),
    "Dense": ("lora_rank", "lora_alpha"),
    "Embedding": ("input_length", "weights", "lora_rank", "lora_alpha"),
    "Bidirectional": ("weights",),
    "LeakyReLU": ("alpha",),  # (Keras 2's name of negative_slope, which Keras 3 takes)
}


def unknown_key(class_name: str, config: dict, own: tuple = ()) -> str | None:
    """The first key of ``config`` a Keras 3 ``class_name`` does not take, said as the end
    of a refusal ("unknown config key 'unitz' (did you mean 'units'?); Keras 3's LSTM
    takes: ..."); None when every key is one it takes, or the class is not in
    ``DEFAULTS`` (nothing known to check against). ``own``: keys lstmviz itself writes
    in such a config (an engine layer's defaults: a model's ``to_spec()`` holds them)."""
    keys = KEYS.get(class_name)
    if keys is None:
        return None
    taken = (*keys, *CONSTRUCTOR_KEYS.get(class_name, ()), *BASE_KEYS)
    for key in config:
        if key in taken or key in own:
            continue
        near = difflib.get_close_matches(str(key), taken, n=1, cutoff=0.75) if isinstance(key, str) else []
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        listed = sorted({*keys, *CONSTRUCTOR_KEYS.get(class_name, ())} - set(BASE_KEYS))
        return (f"unknown config key {safe_text(repr(key), 60)}{hint}; Keras 3's {class_name} takes: "
                f"{', '.join(listed)}; and, as every layer: {', '.join(BASE_KEYS[:3])}")
    return None


#: Layers whose constructor Keras 3 refuses a value of outside 0..1 (``Invalid value received
#: for argument `rate`. Expected a float value between 0 and 1``), by the key; Keras 2 took
#: any ``GaussianDropout``/``AlphaDropout`` rate and any ``GaussianNoise`` stddev, so a file's
#: config is not held to it (``Model.sequential(check_keys=False)``)
UNIT_RANGE = {"Dropout": "rate", "SpatialDropout1D": "rate", "SpatialDropout2D": "rate",
              "SpatialDropout3D": "rate", "GaussianDropout": "rate", "AlphaDropout": "rate",
              "GaussianNoise": "stddev"}


#: Layers whose constructor Keras 3 refuses a negative, infinite or NaN penalty of, by the
#: keys (``regularizers.L1L2``'s ``validate_float_arg``: "Invalid value for argument l1:
#: expected a non-negative float"); None is 0 there, and taken
PENALTIES = {"ActivityRegularization": ("l1", "l2")}


def _penalty(value) -> bool:
    """``value`` is a penalty Keras 3's ``validate_float_arg`` takes: an int or float (a bool
    too, as Python's), finite (an int past a float's range: Keras' OverflowError), not negative."""
    try:
        return isinstance(value, (int, float)) and 0 <= float(value) < math.inf
    except OverflowError:
        return False


#: Keras 3's regularizers (``keras.regularizers``, by class name and snake_case name, as
#: ``regularizers.get`` finds them) -> the factors their constructor checks by
#: ``validate_float_arg`` and whether None is taken there (L1, L2 and L1L2 take None as
#: their default; OrthogonalRegularizer passes its factor on unchecked for None: refused)
REGULARIZERS = {"L1": (("l1",), True), "L2": (("l2",), True), "L1L2": (("l1", "l2"), True),
                "OrthogonalRegularizer": (("factor",), False)}
_REGULARIZER_NAMES = {**{k: k for k in REGULARIZERS}, "l1": "L1", "l2": "L2", "l1_l2": "L1L2",
                      "orthogonal_regularizer": "OrthogonalRegularizer"}


def refused_regularizer(class_name: str, config: dict) -> str | None:
    """A ``*_regularizer`` of ``config`` (``kernel_regularizer``, ``recurrent_regularizer``,
    ``bias_regularizer``, ``activity_regularizer``, an Embedding's ``embeddings_regularizer``)
    whose factor Keras 3 refuses when it builds the layer (``regularizers.get`` of its config,
    ``validate_float_arg``: "Invalid value for argument l1: expected a non-negative float"),
    said as the end of a refusal ("kernel_regularizer's l1 is -0.1; accepted: a finite number of at
    least 0 (or None: its default), as Keras 3's L1L2 takes it"); None where
    each is one Keras takes, or one this does not know (its class is Keras' to judge)."""
    for key, value in config.items():
        if not (isinstance(key, str) and key.endswith("_regularizer")) or not isinstance(value, dict):
            continue
        name = value.get("class_name")
        cls = _REGULARIZER_NAMES.get(name) if isinstance(name, str) else None
        args = value.get("config")
        if cls is None or not isinstance(args, dict):
            continue
        factors, none_taken = REGULARIZERS[cls]
        for factor in factors:
            given = args.get(factor)
            if (given is None and (none_taken or factor not in args)) or (given is not None and _penalty(given)):
                continue
            return (f"{key}'s {factor} is {safe_text(repr(given), 60)}; accepted: a finite number of at least 0"
                    f"{' (or None: its default)' if none_taken else ''}, as Keras 3's {cls} takes it")
    return None


def refused_value(class_name: str, config: dict) -> str | None:
    """A value Keras 3's ``class_name`` refuses when it is built, said as the end of a
    refusal ("rate is 2; accepted: a number from 0 to 1, as Keras 3's Dropout takes it"),
    or a missing one it needs (a regularizer's factor too: ``refused_regularizer``); else None."""
    said = refused_regularizer(class_name, config)
    if said:
        return said
    for penalty in PENALTIES.get(class_name, ()):
        value = config.get(penalty)
        if value is not None and not _penalty(value):
            return (f"{penalty} is {safe_text(repr(value), 60)}; accepted: a finite number of at least 0 (or None: "
                    f"0), as Keras 3's {class_name} takes it")
    key = UNIT_RANGE.get(class_name)
    if key is None:
        return None
    if key not in config:
        return f"{key} is missing; Keras 3's {class_name} needs it: a number from 0 to 1"
    value = config[key]
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not 0 <= value <= 1):  # (NaN too, as Keras' "0 <= rate <= 1")
        return (f"{key} is {safe_text(repr(value), 60)}; accepted: a number from 0 to 1, as Keras 3's "
                f"{class_name} takes it")
    return None
