"""Which Keras options each layer class has, their widgets' kinds, defaults and plain words.

The side panel builds its form from ``options_for(class_name)``; keys are Keras config
keys, or ``layer.<key>`` for the layer inside a Bidirectional / TimeDistributed wrapper,
or ``cell.<key>`` for the cell of Keras' ``RNN(cell)``.
Tooltips say what an option means and, where people confuse it, what it does not mean.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from lstmviz.app.cell_ref import cell_name
from lstmviz.engine.activations import SUPPORTED as ACTIVATIONS
from lstmviz.engine.cells import CELLS, kind_of
from lstmviz.engine.layers import RNN_OPTIONS, holds_weights, rnn_cells, trains
from lstmviz.engine.layers_more import EACH_STEPS_FEATURES
from lstmviz.text import escape

#: Layer classes the side panel can add, in menu order (label -> class, inner class).
ADDABLE: dict[str, tuple[str, str | None]] = {
    **{kind: (kind, None) for kind in CELLS},
    "Bidirectional(LSTM)": ("Bidirectional", "LSTM"),
    "Dense": ("Dense", None),
    "TimeDistributed(Dense)": ("TimeDistributed", "Dense"),
    "Embedding": ("Embedding", None),
    "Masking": ("Masking", None),
    "Dropout": ("Dropout", None),
    "Activation": ("Activation", None),
    "Flatten": ("Flatten", None),
    "RepeatVector": ("RepeatVector", None),
    "GlobalAveragePooling1D": ("GlobalAveragePooling1D", None),
    "GlobalMaxPooling1D": ("GlobalMaxPooling1D", None),
    "LayerNormalization": ("LayerNormalization", None),
    "BatchNormalization": ("BatchNormalization", None),
    "ReLU": ("ReLU", None),
    "LeakyReLU": ("LeakyReLU", None),
}

#: Where Add puts a layer: "first" for layers that only make sense at the top of a stack
#: (a Masking or an Embedding reads the input), else below the selected layer.
ADD_FIRST = ("Masking", "Embedding")

#: The Add menu's choices of where a new layer goes.
ADD_WHERE = ("below the selected layer", "at the top", "at the bottom")


#: Layers that read the input side of a recurrent layer (a CNN-LSTM's front end): added
#: "below the selected layer" where that is a recurrent layer or one after it (or none is
#: selected), they go just before the first recurrent layer (``add_position``).
ADD_BEFORE_RECURRENT = ("Conv1D", "MaxPooling1D", "AveragePooling1D")
#: The classes of the stack's recurrent layers (a Bidirectional's too), for that rule.
RECURRENT_CLASSES = (*CELLS, "Bidirectional", "RNN")


def add_position(class_name: str, where: str, selected: int | None, count: int,
                 classes: list[str] | tuple[str, ...] | None = None) -> int:
    """The index Add inserts ``class_name`` at: a Masking/Embedding always first; else
    ``where`` (one of ``ADD_WHERE``) relative to the ``selected`` index of ``count`` layers.
    ``classes``: the stack's layers' class names; with them, a Conv1D or a pooling
    (``ADD_BEFORE_RECURRENT``) added below a recurrent layer, below a layer after one, or
    with none selected goes just before the first recurrent layer, where a CNN-LSTM has
    it (after the LSTM it read the LSTM's outputs; "at the bottom" still puts it last)."""
    if class_name in ADD_FIRST or where == "at the top":
        return 0
    if where == "at the bottom":
        return count
    if class_name in ADD_BEFORE_RECURRENT and classes is not None:
        first = next((k for k, c in enumerate(classes) if c in RECURRENT_CLASSES), None)
        if first is not None and (selected is None or selected >= first):
            return first
    if selected is None:
        return count
    return min(selected + 1, count)


#: Initializers the engine draws (seeded from the stack's seed: the same seed, the same numbers).
INITIALIZERS = ("glorot_uniform", "glorot_normal", "orthogonal", "he_uniform", "he_normal",
                "lecun_uniform", "lecun_normal", "random_uniform", "random_normal", "zeros", "ones")

#: The recurrent layer classes (one per cell kind, engine/cells.py).
RECURRENT = tuple(CELLS)


def _kind_said(kind) -> str:
    """A cell kind in a few words, from its description: "GRU (3 blocks z, r, h~, state h)"."""
    blocks = (f"{kind.k} blocks " + ", ".join(g.key.replace("_tilde", "~") for g in kind.gates)
              if kind.k > 1 else "1 block")
    states = f"states {' and '.join(kind.states)}" if len(kind.states) > 1 else f"state {kind.states[0]}"
    return f"{kind.name} ({blocks}, {states})"


@dataclass(frozen=True)
class Option:
    key: str            # Keras config key, or "layer.<key>" inside a wrapper
    kind: str           # "int", "float", "bool", "choice"
    label: str
    tooltip: str
    choices: tuple = ()
    minimum: float = 0
    maximum: float = 4096
    step: float = 1


TIPS = {
    "units": ("units: the size of the hidden state h (and c for an LSTM): how many numbers the "
              "layer carries from step to step, and the width of its output. Not the number of "
              "timesteps, not the number of inputs."),
    "dense_units": "units: how many numbers this Dense layer outputs (one per neuron).",
    "activation": ("activation: the squashing function of the candidate (c~, h~) and of the "
                   "output h = o·tanh(c). tanh keeps values in -1..1."),
    "dense_activation": "activation: applied to W·x + b; 'linear' means none (regression outputs).",
    "recurrent_activation": ("recurrent_activation: the function of the gates (i, f, o / z, r). "
                             "sigmoid keeps each gate in 0..1: 0 closes it, 1 opens it fully."),
    "use_bias": "use_bias: add a learned offset b to every gate's sum. Off removes the bias weights.",
    "return_sequences": ("return_sequences: on, the layer outputs h at EVERY step "
                         "(batch, timesteps, units), which a next recurrent layer needs; off, only "
                         "the LAST step's h (batch, units)."),
    "return_state": ("return_state: also output the final states (h, and c for an LSTM) as extra "
                     "tensors. The next layer of a stack still gets the first output."),
    "go_backwards": ("go_backwards: read the sequence from the last step to the first. The output "
                     "sequence comes out in that reversed order too."),
    "stateful": ("stateful: keep the final states of this batch and start the next batch from them "
                 "instead of from zeros (sample i continues sample i). Needs a fixed batch size."),
    "merge_mode": ("merge_mode: how the forward and backward outputs are combined: concat (side by "
                   "side, 2·units wide), sum, mul, ave."),
    "inner": "the recurrent layer run once forwards and once backwards over the input.",
    "input_dim_emb": ("input_dim: the vocabulary size: token ids must be 0 .. input_dim-1. Not the "
                      "length of the sequence."),
    "output_dim": "output_dim: how many numbers represent each token (the embedding's width).",
    "mask_zero": ("mask_zero: treat id 0 as padding: recurrent layers skip those steps and carry "
                  "their state over unchanged."),
    "mask_value": ("mask_value: a step whose features ALL equal this value is padding: recurrent "
                   "layers skip it and carry their state over unchanged."),
    "rate": ("rate: the fraction of inputs dropped during training. At inference (what you see "
             "here) Dropout passes its input through unchanged."),
    "kind": ("layer: the kind of recurrent cell. Switching keeps units and the other options: "
             + ", ".join(_kind_said(kind) for kind in CELLS.values()) + "."),
    "dropout": ("dropout: while TRAINING, the fraction of x_t's features set to 0 before the "
                "kernel W (the rest scaled by 1/(1\u2212dropout)), with one random mask for the whole "
                "sequence: the same features of a sample are dropped at every step. At inference "
                "(predict, what you see here) it does nothing: every number is used. It drops "
                "inputs, not kernel weights."),
    "recurrent_dropout": ("recurrent_dropout: while TRAINING, the fraction of h_(t\u22121) set to 0 "
                          "before the recurrent kernel U (the rest scaled by 1/(1\u2212recurrent_dropout)), "
                          "with one mask for the whole sequence, as dropout's. At inference it does "
                          "nothing. It drops state values, not weights of U."),
    "unroll": ("unroll: Keras writes the time loop out as one copy of the cell per step (faster "
               "for short sequences, more memory, needs a fixed timesteps). The numbers are the "
               "same as the loop's: nothing changes here."),
    "kernel_initializer": ("kernel_initializer: how W starts before training (drawn from this "
                           "stack's seed: the same seed gives the same numbers). Training changes "
                           "them; at inference only the current numbers matter."),
    "recurrent_initializer": ("recurrent_initializer: how U starts before training (orthogonal by "
                              "default: keeps h from blowing up or dying over many steps). Seeded."),
    "bias_initializer": ("bias_initializer: how b starts (zeros; an LSTM's unit_forget_bias then "
                         "sets the forget gate's part to 1). Seeded."),
    "act_layer": ("activation: the function applied to every number of the input, e.g. sigmoid "
                  "after Dense(2) squeezes each output into 0..1. No weights."),
    "repeat_n": ("n: how many times the input vector is repeated: (batch, d) becomes (batch, n, d), "
                 "a sequence a decoder LSTM can read."),
    # a GlobalAveragePooling1D's and GlobalMaxPooling1D's keepdims, said where the pooling
    # stands (``_pooling_tip``): over the steps, or over each step's features
    "pool_avg": "GlobalAveragePooling1D: the mean of every feature over the steps",
    "pool_max": "GlobalMaxPooling1D: the largest value of every feature over the steps",
    "pool_steps_last": ": (batch, steps, features) becomes (batch, features).",
    "pool_steps_first": (": its input (batch, features, steps), the steps on axis 2 (after a Permute((2, 1)) "
                         "or a channels_first Conv1D), becomes (batch, features)."),
    "pool_mask_avg": " Masked steps (padding) are left out of the mean.",
    "pool_mask_max": " A mask is not looked at: a padded step counts.",
    "keepdims": ("keepdims: keep the steps axis with length 1, {kept}, instead of dropping it, "
                 "(batch, features). The numbers are the same."),
    "pool_avg_each": "GlobalAveragePooling1D, here over each step's features: the mean of each step's features",
    "pool_max_each": "GlobalMaxPooling1D, here over each step's features: the largest of each step's features",
    "pool_each_last": (", one number a step, the steps kept: its input (batch, features, steps), the steps "
                       "on axis 2 (after a Permute((2, 1)) or a channels_first Conv1D), becomes (batch, steps): "
                       "channels_last pools axis 1, its features here."),
    "pool_each_first": (", one number a step, the steps kept: its input (batch, steps, features) becomes "
                        "(batch, steps): channels_first pools the last axis, its features here."),
    "keepdims_each": ("keepdims: keep the pooled features axis with length 1, {kept}, instead of "
                      "dropping it, (batch, steps). The numbers are the same."),
    # (channels_first where what its input holds on which axis is not known: no model yet)
    "pool_first": ("{kind} (channels_first): the {what} over its input's last axis: the steps of "
                   "(batch, features, steps), as a channels_first Conv1D gives them; each step's "
                   "features of (batch, steps, features), the steps kept. keepdims: keep that axis "
                   "with length 1 instead of dropping it. The numbers are the same."),
    "epsilon_ln": ("epsilon: added to the variance before its square root, so a step whose features "
                   "are all alike is not divided by 0."),
    "epsilon_bn": ("epsilon: added to the moving variance before its square root. At inference "
                   "BatchNormalization uses the moving mean and variance it learned, not the batch's."),
    "center": "center: add the learned offset beta after normalising. Off: no beta weights.",
    "scale": "scale: multiply by the learned gamma after normalising. Off: no gamma weights.",
    "negative_slope": ("negative_slope: what an input below the threshold is multiplied by (0: "
                       "plain ReLU, every negative number becomes 0)."),
    "threshold": "threshold: inputs at or below it count as negative (0 by default).",
    "trainable": ("trainable: off freezes the layer (Keras' layer.trainable = False, what a "
                  "fine-tuned model does to its embedding or first LSTM): fit and the Train tab leave "
                  "its weights where they are, and the optimizer keeps no slots for them. Its "
                  "gradients are still shown. What you see here (inference) does not change; its "
                  "weights stay."),
}

TRAINABLE = Option("trainable", "bool", "trainable", TIPS["trainable"])


def inner_configs(config: dict) -> list[dict]:
    """The configs of what a layer wraps or steps: a wrapper's layer (and backward layer), an
    ``RNN``'s cell or cells (a ``StackedRNNCells``' too), each with what it holds in turn."""
    out: list[dict] = []
    for key in ("layer", "backward_layer", "cell", "cells"):
        inner = config.get(key)
        for part in inner if isinstance(inner, list) else [inner]:
            if isinstance(part, dict) and isinstance(part.get("config"), dict):
                out.append(part["config"])
                out.extend(inner_configs(part["config"]))
    return out


def trains_all(config: dict, keras_major: int = 3) -> bool:
    """Every weight of a layer of ``config`` trains (``engine.layers.weight_trains`` by the
    config: Keras 3 reads the flag of the layer holding the weights, a wrapper's what it wraps;
    Keras 2 a frozen wrapper's too): the side panel's ``trainable`` box."""
    inner = inner_configs(config)
    own = trains(config)
    if not inner:
        return own
    return all(trains(c) for c in inner) and (own or keras_major >= 3)


def set_trainable(config: dict, value: bool) -> dict:
    """A copy of ``config`` with ``trainable`` set on it and on all it wraps or steps, as
    Keras' ``layer.trainable = value`` sets it (so both generations read it alike)."""
    config = copy.deepcopy(config)
    config["trainable"] = bool(value)
    for inner in inner_configs(config):
        inner["trainable"] = bool(value)
    return config


def _recurrent_options(cls: str, prefix: str = "") -> list[Option]:
    p = prefix
    opts = [] if prefix else [Option("class_name", "choice", "layer", TIPS["kind"], RECURRENT)]
    opts += [Option(p + "units", "int", "units", TIPS["units"], minimum=1, maximum=1024),
             Option(p + "activation", "choice", "activation", TIPS["activation"], tuple(ACTIVATIONS))]
    cell = CELLS[cls]
    if cell.gated:
        opts.append(Option(p + "recurrent_activation", "choice", "recurrent_activation",
                           TIPS["recurrent_activation"], tuple(ACTIVATIONS)))
    opts.append(Option(p + "use_bias", "bool", "use_bias", TIPS["use_bias"]))
    for key, _, tip in cell.options:  # the kind's own (unit_forget_bias, reset_after)
        opts.append(Option(p + key, "bool", key, tip))
    for key in ("return_sequences", "return_state", "go_backwards", "stateful"):
        if prefix and key in ("go_backwards", "return_state"):
            continue  # a Bidirectional runs both directions itself
        opts.append(Option(p + key, "bool", key, TIPS[key]))
    # training-only and start-of-training options: shown, with what they do at inference
    opts += [Option(p + "dropout", "float", "dropout", TIPS["dropout"], minimum=0.0, maximum=0.95, step=0.05),
             Option(p + "recurrent_dropout", "float", "recurrent_dropout", TIPS["recurrent_dropout"],
                    minimum=0.0, maximum=0.95, step=0.05),
             Option(p + "unroll", "bool", "unroll", TIPS["unroll"])]
    for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        opts.append(Option(p + key, "choice", key, TIPS[key], INITIALIZERS))
    return opts


def options_for(class_name: str, config: dict | None = None, where: str | None = None) -> list[Option]:
    """The editable options of a layer (for wrappers, depends on the inner class); a layer
    holding weights (``engine/layers.holds_weights``) also Keras' ``trainable`` (``TRAINABLE``),
    last. ``where``: the layer's words where it stands in its model (``cell_ref.layer_words``),
    None where not known: a global pooling's tips say what it pools there (``_pooling_tip``)."""
    opts = _options_for(class_name, config, where)
    return [*opts, TRAINABLE] if opts and holds_weights(class_name) else opts


def _pooling_tip(class_name: str, config: dict, where: str | None) -> str:
    """A GlobalAveragePooling1D's or GlobalMaxPooling1D's keepdims tip: what it pools where it
    stands, as ``where`` (``Layer.describe_at``'s words) says: over the steps, or over each
    step's features (``EACH_STEPS_FEATURES``: a channels_last one after a Permute((2, 1)), a
    channels_first one over (batch, steps, features)), and the shapes its data format gives
    there; where not known (None), a channels_last one over the steps of (batch, steps,
    features), a channels_first one said both ways."""
    avg = class_name == "GlobalAveragePooling1D"
    first = config.get("data_format") == "channels_first"
    if where is not None and where.startswith(EACH_STEPS_FEATURES):
        return (TIPS["pool_avg_each" if avg else "pool_max_each"]
                + TIPS["pool_each_first" if first else "pool_each_last"] + " "
                + TIPS["keepdims_each"].format(kept="(batch, steps, 1)" if first else "(batch, 1, steps)"))
    if first and where is None:
        return TIPS["pool_first"].format(kind=class_name, what="mean" if avg else "largest value")
    # (a mask of the steps reaches a channels_last one alone: a channels_first one's is refused)
    return (TIPS["pool_avg" if avg else "pool_max"] + TIPS["pool_steps_first" if first else "pool_steps_last"]
            + ("" if first and avg else TIPS["pool_mask_avg" if avg else "pool_mask_max"]) + " "
            + TIPS["keepdims"].format(kept="(batch, features, 1)" if first else "(batch, 1, features)"))


def _options_for(class_name: str, config: dict | None = None, where: str | None = None) -> list[Option]:
    config = config or {}
    if class_name == "RNN":  # Keras' RNN(cell): the cell's options, then the layer's
        kind = kind_of("RNN", config)
        if kind is None or not isinstance(config.get("cell"), dict):
            return []  # a stack of cells is shown, not edited
        layer_keys = ("return_sequences", "return_state", "go_backwards", "stateful")
        return ([o for o in _recurrent_options(kind.name, "cell.") if o.label not in layer_keys]
                + [Option(key, "bool", key, TIPS[key]) for key in layer_keys])
    if class_name in RECURRENT:
        return _recurrent_options(class_name)
    if class_name in CONV_OPTIONS:
        return CONV_OPTIONS[class_name]
    if class_name == "Bidirectional":
        inner = (config.get("layer") or {}).get("class_name", "LSTM")
        return ([Option("layer.class_name", "choice", "layer", TIPS["inner"], RECURRENT),
                 Option("merge_mode", "choice", "merge_mode", TIPS["merge_mode"],
                        ("concat", "sum", "mul", "ave"))]
                + _recurrent_options(inner, "layer."))
    if class_name == "Dense":
        return [Option("units", "int", "units", TIPS["dense_units"], minimum=1, maximum=4096),
                Option("activation", "choice", "activation", TIPS["dense_activation"], tuple(ACTIVATIONS)),
                Option("use_bias", "bool", "use_bias", TIPS["use_bias"])]
    if class_name == "TimeDistributed":
        return [Option("layer.units", "int", "units", TIPS["dense_units"] + " Applied at every step.",
                       minimum=1, maximum=4096),
                Option("layer.activation", "choice", "activation", TIPS["dense_activation"], tuple(ACTIVATIONS)),
                Option("layer.use_bias", "bool", "use_bias", TIPS["use_bias"])]
    if class_name == "Embedding":
        return [Option("input_dim", "int", "input_dim (vocabulary)", TIPS["input_dim_emb"], minimum=1, maximum=100000),
                Option("output_dim", "int", "output_dim", TIPS["output_dim"], minimum=1, maximum=4096),
                Option("mask_zero", "bool", "mask_zero", TIPS["mask_zero"])]
    if class_name == "Masking":
        return [Option("mask_value", "float", "mask_value", TIPS["mask_value"], minimum=-1e6, maximum=1e6, step=0.1)]
    if class_name == "Dropout":
        return [Option("rate", "float", "rate", TIPS["rate"], minimum=0.0, maximum=0.99, step=0.05)]
    if class_name == "Activation":
        return [Option("activation", "choice", "activation", TIPS["act_layer"], tuple(ACTIVATIONS))]
    if class_name == "RepeatVector":
        return [Option("n", "int", "n", TIPS["repeat_n"], minimum=1, maximum=5000)]
    if class_name in ("GlobalAveragePooling1D", "GlobalMaxPooling1D"):
        return [Option("keepdims", "bool", "keepdims", _pooling_tip(class_name, config, where))]
    if class_name in ("LayerNormalization", "BatchNormalization"):
        tip = TIPS["epsilon_ln" if class_name == "LayerNormalization" else "epsilon_bn"]
        return [Option("epsilon", "float", "epsilon", tip, minimum=0.0, maximum=1.0, step=0.001),
                Option("center", "bool", "center", TIPS["center"]),
                Option("scale", "bool", "scale", TIPS["scale"])]
    if class_name == "ReLU":
        return [Option("negative_slope", "float", "negative_slope", TIPS["negative_slope"],
                       minimum=0.0, maximum=1.0, step=0.05),
                Option("threshold", "float", "threshold", TIPS["threshold"], minimum=0.0, maximum=10.0, step=0.1)]
    if class_name == "LeakyReLU":
        return [Option("negative_slope", "float", "negative_slope", TIPS["negative_slope"],
                       minimum=0.0, maximum=1.0, step=0.05)]
    return []


#: Why the side panel shows a stack of cells without widgets to edit it.
STACK_READ_ONLY = ("read-only: the side panel edits the options of one cell (RNN(cell), or a "
                   "layer such as GRU); a stack of cells is shown as its file holds it. To change "
                   "a cell, build the stack in Keras, or add a layer of that kind here.")


def stacked_cells(class_name: str, config: dict | None) -> list[tuple[str, str]]:
    """What the side panel says of Keras' ``RNN([GRUCell(3), SimpleRNNCell(2)])`` in place
    of the form it cannot offer (``options_for`` has none): a row for each cell, its kind,
    units and options ("cell 0": ``GRU, 3 units · activation tanh, ...``, ``cell_ref.cell_name``), and one for
    the layer's own options; [] for anything else, one cell included (it has its form)."""
    config = config or {}
    if class_name != "RNN" or options_for(class_name, config):
        return []
    try:
        cells = rnn_cells(config, "rnn")
    except Exception:  # noqa: BLE001 (a malformed config: the engine says what is wrong)
        return []
    if len(cells) < 2:
        return []

    def word(v) -> str:
        if isinstance(v, bool):
            return "on" if v else "off"
        if isinstance(v, float):
            return f"{v:g}"
        return choice_text(v)

    rows = []
    for k, (kind_name, cfg) in enumerate(cells):
        kind = CELLS[kind_name]
        units = cfg.get("units")
        head = f"{kind_name}, {units} unit{'' if units == 1 else 's'}" if isinstance(units, int) else kind_name
        keys = ["activation"] + (["recurrent_activation"] if kind.gated else []) + ["use_bias"]
        keys += [key for key, _, _ in kind.options]
        bits = [f"{key} {word(cfg[key])}" for key in keys if key in cfg]
        bits += [f"{key} {word(cfg[key])}" for key in ("dropout", "recurrent_dropout")
                 if isinstance(cfg.get(key), (int, float)) and cfg[key]]
        rows.append((cell_name(f"cell_{k}"), " \u00b7 ".join([head] + bits)))  # ("cell 0", as the views)
    flags = [f"{key} {word(config[key])}" for key in RNN_OPTIONS[:4] if isinstance(config.get(key), bool)]
    if flags:
        rows.append(("layer", " \u00b7 ".join(flags)))
    return rows


_RNN_DEFAULTS = {"activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
                 "return_sequences": False, "return_state": False, "go_backwards": False,
                 "stateful": False, "dropout": 0.0, "recurrent_dropout": 0.0, "unroll": False,
                 "kernel_initializer": "glorot_uniform", "recurrent_initializer": "orthogonal",
                 "bias_initializer": "zeros"}


def default_config(class_name: str, inner: str | None = None, units: int = 8) -> dict[str, Any]:
    """A new layer's Keras config, with every option the form shows filled in."""
    if class_name in RECURRENT:
        cell = CELLS[class_name]
        cfg = {"units": units, **_RNN_DEFAULTS, **cell.config_defaults}
        if not cell.gated:
            cfg.pop("recurrent_activation")
        return cfg
    if class_name == "Bidirectional":
        inner = inner or "LSTM"
        return {"layer": {"class_name": inner, "config": default_config(inner, units=units)},
                "merge_mode": "concat"}
    if class_name == "Dense":
        return {"units": 1, "activation": "linear", "use_bias": True}
    if class_name == "TimeDistributed":
        return {"layer": {"class_name": "Dense", "config": default_config("Dense")}}
    if class_name == "Embedding":
        return {"input_dim": 32, "output_dim": 8, "mask_zero": False}
    if class_name == "Masking":
        return {"mask_value": 0.0}
    if class_name == "Dropout":
        return {"rate": 0.2}
    if class_name == "Activation":
        return {"activation": "sigmoid"}
    if class_name == "RepeatVector":
        return {"n": 4}
    if class_name in CONV_DEFAULT_CONFIGS:
        return dict(CONV_DEFAULT_CONFIGS[class_name])
    if class_name in ("GlobalAveragePooling1D", "GlobalMaxPooling1D"):
        return {"keepdims": False}
    if class_name in ("LayerNormalization", "BatchNormalization"):
        return {"epsilon": 0.001, "center": True, "scale": True}
    if class_name == "ReLU":
        return {"negative_slope": 0.0, "threshold": 0.0}
    if class_name == "LeakyReLU":
        return {"negative_slope": 0.3}
    return {}


#: Options a recurrent layer keeps when its kind changes (the rest are the new kind's defaults).
KEPT_ON_KIND_CHANGE = ("units", "activation", "use_bias", "return_sequences", "return_state",
                       "go_backwards", "stateful", "dropout", "recurrent_dropout", "unroll",
                       "kernel_initializer", "recurrent_initializer", "bias_initializer")


def convert_config(config: dict, new_class: str) -> dict:
    """A recurrent layer's config for another kind (LSTM -> GRU -> SimpleRNN), keeping units
    and every option both kinds have; recurrent_activation too unless the new kind is a
    SimpleRNN (which has none)."""
    old = config or {}
    new = default_config(new_class, units=int(old.get("units", 8)))
    for k in KEPT_ON_KIND_CHANGE + ("recurrent_activation",):
        if k in old and k in new:
            new[k] = copy.deepcopy(old[k])
    return new


def same_choice(value, choices):
    """The one of ``choices`` that means ``value``: an opened Keras 3 file's initializer
    config with Keras' default arguments is the name in the list ('orthogonal' for
    ``Orthogonal(gain=1.0)``); None where none does (``choice_text`` then shows it)."""
    from lstmviz.engine.initializers import same

    if not isinstance(value, dict):
        return None
    name = function_name(value)
    if name is not None:  # (an activation in Keras 3's full form: 'tanh' is the listed 'tanh')
        return next((c for c in choices if c == name), None)
    return next((c for c in choices if isinstance(c, str) and same(value, c)), None)


def function_name(value) -> str | None:
    """The name of a function Keras 3 saved in full form, as it saves a built-in activation
    (``{"module": "keras.activations", "class_name": "function", "config": "tanh", ...}``:
    'tanh'); None for anything else."""
    if isinstance(value, dict) and value.get("class_name") == "function" and isinstance(value.get("config"), str):
        return value["config"]
    return None


def choice_text(value) -> str:
    """A choice's text in the form: a name as it is; an initializer's config (an opened
    Keras model's) as Keras writes the call, 'RandomUniform(minval=-0.5, maxval=0.5)'
    (the whole dict's repr was shown), its arguments without the seed (not drawn from);
    control characters escaped; an activation in Keras 3's full form by its name ('tanh',
    not 'function()')."""
    if function_name(value) is not None:
        text = str(function_name(value))
    elif isinstance(value, dict) and isinstance(value.get("class_name"), str):
        cfg = value.get("config")
        cfg = cfg if isinstance(cfg, dict) else {}
        args = ", ".join(f"{k}={v!r}" for k, v in cfg.items() if k != "seed" and v is not None)
        text = f"{value['class_name']}({args})"
    else:
        text = str(value)
    text = escape(text)  # (a config's names come from the file)
    return text if len(text) <= 80 else text[:79] + "\u2026"


def get_option(config: dict, key: str, default=None):
    if key in SIZE_KEYS and isinstance(config.get(key), list) and len(config[key]) == 1:
        return config[key][0]  # (Keras writes a Conv1D's kernel_size as a tuple of one: [3])
    if key.startswith(("layer.", "cell.")):
        wrapper, _, sub = key.partition(".")
        inner = config.get(wrapper)
        if not isinstance(inner, dict):  # (an RNN's cells given as a bare list: none edited)
            return default
        if sub == "class_name":
            return inner.get("class_name", default)
        return (inner.get("config") or {}).get(sub, default)
    return config.get(key, default)


def set_option(config: dict, key: str, value) -> dict:
    """A copy of ``config`` with ``key`` set (changing a wrapper's inner class keeps units)."""
    if key == "trainable":
        return set_trainable(config, bool(value))
    config = copy.deepcopy(config)
    if key.startswith("cell."):  # an RNN(cell)'s cell option
        config.setdefault("cell", {}).setdefault("config", {})[key[len("cell."):]] = value
        return config
    if key.startswith("layer."):
        inner = config.setdefault("layer", {"class_name": "LSTM", "config": {}})
        sub = key[len("layer."):]
        if sub == "class_name":
            config["layer"] = {"class_name": value, "config": convert_config(inner.get("config") or {}, value)}
        else:
            inner.setdefault("config", {})[sub] = value
        return config
    config[key] = value
    return config


# -- convolution and pooling over the steps (engine/conv.py): their own block ---------------
#: a size Keras writes as a tuple of one ([3]), shown and edited as the number
SIZE_KEYS = ("kernel_size", "strides", "dilation_rate", "pool_size")
_PADDING_TIP = ("padding: valid reads only whole windows (fewer steps out); same pads so that "
                "steps/strides come out; causal pads before the first step only, so step t never "
                "reads a later step (a forecast's rule).")
_POOL_OPTIONS = [
    Option("pool_size", "int", "pool_size", "pool_size: how many neighbouring steps each output step "
           "summarises. No weights.", minimum=1, maximum=1024),
    Option("strides", "int", "strides", "strides: how many steps the window moves; the same as "
           "pool_size by default, so the sequence gets that many times shorter.", minimum=1, maximum=1024),
    Option("padding", "choice", "padding", _PADDING_TIP.replace("; causal pads before the first step "
                                                                "only, so step t never reads a later step "
                                                                "(a forecast's rule)", ""),
           ("valid", "same")),
]
CONV_OPTIONS: dict[str, list[Option]] = {
    "Conv1D": [
        Option("filters", "int", "filters", "filters: how many patterns the layer looks for: the "
               "width of its output at every step (as a Dense's units).", minimum=1, maximum=4096),
        Option("kernel_size", "int", "kernel_size", "kernel_size: how many neighbouring steps one "
               "output step reads. Not the number of filters.", minimum=1, maximum=1024),
        Option("strides", "int", "strides", "strides: how many steps the window moves between two "
               "outputs (2 halves the sequence).", minimum=1, maximum=1024),
        Option("padding", "choice", "padding", _PADDING_TIP, ("valid", "same", "causal")),
        Option("dilation_rate", "int", "dilation_rate", "dilation_rate: the gap between the steps a "
               "window reads (2: every other step), widening what it sees without more weights.",
               minimum=1, maximum=1024),
        Option("activation", "choice", "activation", TIPS["dense_activation"], tuple(ACTIVATIONS)),
        Option("use_bias", "bool", "use_bias", TIPS["use_bias"]),
    ],
    "MaxPooling1D": _POOL_OPTIONS,
    "AveragePooling1D": _POOL_OPTIONS,
}
CONV_DEFAULT_CONFIGS: dict[str, dict[str, Any]] = {
    "Conv1D": {"filters": 8, "kernel_size": 3, "strides": 1, "padding": "causal", "dilation_rate": 1,
               "activation": "relu", "use_bias": True},
    "MaxPooling1D": {"pool_size": 2, "strides": 2, "padding": "valid"},
    "AveragePooling1D": {"pool_size": 2, "strides": 2, "padding": "valid"},
}
ADDABLE.update({name: (name, None) for name in CONV_OPTIONS})
