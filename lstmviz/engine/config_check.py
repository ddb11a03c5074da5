"""Config values of the wrong type or size get one sentence, not a Python error.

A layer config comes from a file (a Keras model, a session), so any key may hold anything:
``units`` a list, ``batch_shape`` a string, ``RepeatVector``'s ``n`` zero, ``Masking``'s
``mask_value`` a dict, an activation saved as Keras 3's form of a custom Python function
(``{"class_name": "function", "config": "my_act", ...}``). ``check_config`` looks at the
keys the engine reads, before any layer uses them, and raises ``LstmvizError`` saying
which layer, which key, what it holds and what is accepted. Keys it does not know are
left alone (the layers keep their own checks).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from lstmviz.errors import LstmvizError, is_number, is_whole
from lstmviz.text import kind_of, safe_text

#: Largest count (units, n, vocabulary, a dimension) a config may hold: the memory
#: limit refuses most big ones before allocating; this keeps arithmetic on them sane.
MAX_COUNT = 2 ** 31 - 1
MAX_RANK = 8

POSITIVE_INTS = {"units", "n", "input_dim", "output_dim", "filters"}
BOOLS = {"return_sequences", "return_state", "go_backwards", "stateful", "use_bias", "unroll",
         "mask_zero", "reset_after", "time_major", "unit_forget_bias", "sparse", "ragged"}
NUMBERS = {"mask_value"}
#: a recurrent layer's or cell's dropouts: any number, which Keras' cells clamp (``keras_rate``)
RATES = ("dropout", "recurrent_dropout")
ACTIVATIONS = {"activation", "recurrent_activation"}
SHAPES = {"batch_shape", "batch_input_shape"}
#: Modules Keras 3 names for its own activation functions when it serializes one as a dict.
KERAS_MODULES = ("keras.activations", "keras.src.activations", "keras.src.activations.activations",
                 "tensorflow.keras.activations", "tf_keras.activations")


def _show(value: Any) -> str:
    if is_whole(value) and abs(value) > 10 ** 30:
        return f"an integer of {len(str(abs(value)))} digits"
    return safe_text(repr(value), 60)


def _fail(layer: str, cls: str, key: str, value: Any, accepted: str) -> LstmvizError:
    return LstmvizError(f"layer '{layer}' ({cls}): {key} is {_show(value)}; accepted: {accepted}")


def check_activation(value: Any, layer: str, cls: str, key: str) -> None:
    if value is None or isinstance(value, str):
        if isinstance(value, str) and len(value) > 64:
            raise _fail(layer, cls, key, value, "the name of a Keras activation (tanh, sigmoid, "
                        "relu, ...)")
        return
    if isinstance(value, dict):
        kind = value.get("class_name")
        cfg = value.get("config")
        module = value.get("module")
        if kind == "function":
            if isinstance(cfg, str) and isinstance(module, str) and module.startswith(KERAS_MODULES):
                return  # a Keras built-in, serialized in full
            fn = cfg if isinstance(cfg, str) else "?"
            where = f" from module '{safe_text(module, 60)}'" if isinstance(module, str) else ""
            raise LstmvizError(
                f"layer '{layer}' ({cls}): {key} is a custom Python function "
                f"'{safe_text(fn, 60)}'{where} (saved as {{\"class_name\": \"function\"}}), "
                "which lstmviz cannot run; accepted: Keras' built-in activations (tanh, sigmoid, "
                "relu, ...): rebuild the layer with one, or add a separate Activation layer")
        if isinstance(kind, str) and (cfg is None or isinstance(cfg, dict)):
            return  # {"class_name": "ReLU", "config": {...}} and the like: activations.get decides
        raise _fail(layer, cls, key, value, "the name of a Keras activation (tanh, sigmoid, relu, ...)")
    raise _fail(layer, cls, key, value, "the name of a Keras activation (tanh, sigmoid, relu, ...)")


def check_shape(value: Any, layer: str, cls: str, key: str, allow_minus_one: bool = False) -> None:
    ok = isinstance(value, (list, tuple)) and 1 <= len(value) <= MAX_RANK and all(
        (d is None and not allow_minus_one)
        or (is_whole(d) and (1 <= d <= MAX_COUNT or (allow_minus_one and d == -1)))
        for d in value) and (not allow_minus_one or list(value).count(-1) <= 1)
    if not ok:  # a size of 0 (an LSTM over zero steps) is as broken as a string
        what = ("a list of positive whole numbers (one may be -1), such as [4, 2]"
                if allow_minus_one else
                f"a list of up to {MAX_RANK} sizes (positive whole numbers or null), such as "
                "[null, 20, 3]")
        raise _fail(layer, cls, key, value, what)


def keras_rate(value: Any, layer: str, cls: str, key: str) -> float:
    """A recurrent layer's or cell's ``dropout`` / ``recurrent_dropout`` as Keras' cells
    keep it: ``min(1.0, max(0.0, value))`` (Keras 3's and tf.keras' ``SimpleRNNCell``,
    ``LSTMCell``, ``GRUCell``, which the layers and ``RNN(cell)`` build: ``LSTM(dropout=2)``
    is ``dropout=1.0``, -1 is 0.0, NaN 0.0, as Python's ``max`` and ``min`` give them); a value
    that is no number (Keras: a TypeError) refused in one line."""
    if not isinstance(value, numbers.Real):
        raise _fail(layer, cls, key, value, "a number (Keras clamps it to 0..1)")
    whole: Any = value  # (a Real: an int, a float, NumPy's)
    try:
        number = float(whole)
    except OverflowError:  # (an integer past a float's: Keras' max and min compare it as it is)
        number = math.inf if whole > 0 else -math.inf
    return min(1.0, max(0.0, number))  # (NaN: max gives 0.0, as it gives Keras)


def check_config(class_name: str, config: Any, name: str) -> None:
    """Raise LstmvizError for a config value of the wrong type or size (see module doc)."""
    if config is None:
        return
    if not isinstance(config, dict):
        raise LstmvizError(f"layer '{name}' ({class_name}): its config is "
                           f"{kind_of(config)}, not an object of settings")
    for key, value in config.items():
        if key in POSITIVE_INTS:
            if value is None and key in ("input_dim",) and class_name != "Embedding":
                continue
            if not (is_whole(value) and 1 <= value <= MAX_COUNT):
                raise _fail(name, class_name, key, value,
                            f"a whole number from 1 to {MAX_COUNT:,}")
        elif key in BOOLS:
            if not (isinstance(value, bool) or value in (0, 1) and is_whole(value)):
                raise _fail(name, class_name, key, value, "true or false")
        elif key in NUMBERS:
            try:
                number = float(value) if is_number(value) else math.nan
            except OverflowError:  # an integer such as 10**400
                number = math.inf
            if not (math.isfinite(number) and abs(number) <= 3.4e38):  # a float32
                raise _fail(name, class_name, key, value, "a finite number")
        elif key in RATES:
            keras_rate(value, name, class_name, key)
        elif key in ACTIVATIONS:
            check_activation(value, name, class_name, key)
        elif key in SHAPES:
            if value is not None:
                check_shape(value, name, class_name, key)
        elif key == "target_shape":
            check_shape(value, name, class_name, key, allow_minus_one=True)
        elif key == "merge_mode":
            if value is not None and value not in ("concat", "sum", "ave", "mul"):
                raise _fail(name, class_name, key, value, "concat, sum, ave, mul or null")
        elif key == "name" and value is not None and not isinstance(value, str):
            raise _fail(name, class_name, key, value, "text")
    if class_name == "InputLayer":
        _check_graph_input(config, name)


#: what an ONNX graph's input is to a recurrent node beside its sequence (``role``), and the
#: integer types of a ``sequence_lens`` input (the app makes one of its ``dtype``)
ROLES = ("sequence_lens", "initial_state")
INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def _check_graph_input(config: dict, name: str) -> None:
    """The keys the ONNX reader gives an input (``time_major``, ``batch_axis``, ``role``, a
    ``sequence_lens`` input's ``dtype``), read by the app when it makes an input: a session
    may hold any value in them (a batch axis of 'concat' or 3 of a 1-D input, a time-major
    input of one axis were Python's ValueError and IndexError from the window)."""
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    rank = len(shape) if isinstance(shape, (list, tuple)) else MAX_RANK
    if config.get("time_major") and rank < 2:
        raise _fail(name, "InputLayer", "time_major", config["time_major"],
                    "true only for an input of 2 axes or more, (time, batch, ...)")
    axis = config.get("batch_axis", 0)
    if not (is_whole(axis) and 0 <= axis < rank):
        raise _fail(name, "InputLayer", "batch_axis", axis,
                    f"the axis that holds the samples, a whole number from 0 to {rank - 1}")
    role = config.get("role")
    if role is not None and role not in ROLES:
        raise _fail(name, "InputLayer", "role", role, f"{', '.join(ROLES)} or null")
    if role == "sequence_lens" and config.get("dtype") is not None and config["dtype"] not in INTEGER_DTYPES:
        raise _fail(name, "InputLayer", "dtype", config["dtype"],
                    f"an integer type for sequence lengths ({', '.join(INTEGER_DTYPES)})")
