"""Plain words the side panel and the views show about a layer: its outputs by name,
which options do nothing in the current config, and what an option does at inference.

Qt-free (the panel and the tests call the same functions).
"""

from __future__ import annotations

from lstmviz.app.options import get_option
from lstmviz.engine.layers import fmt_shape


def output_names(layer) -> list[str]:
    """Names of a layer's outputs: with ``return_state`` an LSTM gives output, h, c (a GRU
    or SimpleRNN output, h; a Bidirectional each half's states); else one output."""
    n = len(layer.output_shapes)
    if n <= 1:
        return ["output"] * n
    inner = getattr(layer, "forward_layer", None)
    if inner is not None:
        states = list(getattr(inner, "state_names", ("h",)))
        names = ["output"] + [f"{s}_{side}" for side in ("fwd", "bwd") for s in states]
    else:
        names = ["output"] + list(getattr(layer, "state_names", ()))
    if len(names) != n:
        names = ["output"] + [f"output {k}" for k in range(1, n)]
    return names


def output_text(layer) -> str:
    """``(None, 8)``, or with several outputs each named: ``output (None, 8), h (None, 8), c (None, 8)``."""
    shapes = layer.output_shapes
    if len(shapes) == 1:
        return fmt_shape(shapes[0])
    return ", ".join(f"{n} {fmt_shape(s)}" for n, s in zip(output_names(layer), shapes))


#: option -> (the option it depends on, why it is off when that one is off)
DEPENDS = {
    "unit_forget_bias": ("use_bias", "needs use_bias: without a bias there is no forget-gate bias to start at 1"),
    "bias_initializer": ("use_bias", "needs use_bias: without a bias there is nothing to initialise"),
}


def inner_prefix(class_name: str) -> str:
    """Where a layer's cell options are in its config, as the form's keys name them: a
    Bidirectional's inner layer's (``layer.``), Keras' ``RNN(LSTMCell(...))``'s cell's
    (``cell.``), else the layer's own."""
    return {"Bidirectional": "layer.", "RNN": "cell."}.get(class_name, "")


def disabled_options(config: dict, prefix: str = "") -> dict[str, str]:
    """Options that do nothing in ``config`` (key -> why), for the form to grey out."""
    out = {}
    for key, (needs, why) in DEPENDS.items():
        if get_option(config, prefix + needs) is False:
            out[prefix + key] = why
    return out


def inference_notes(class_name: str, config: dict) -> list[str]:
    """What the training-only options of a layer do to what is on screen: nothing."""
    prefix = inner_prefix(class_name)
    notes = []
    d = float(get_option(config, prefix + "dropout", 0.0) or 0.0)
    rd = float(get_option(config, prefix + "recurrent_dropout", 0.0) or 0.0)
    if d or rd:
        notes.append(
            f"dropout {d:g}, recurrent_dropout {rd:g}: nothing changes here. They act only while "
            "training: x_t (dropout) and h_(t\u22121) (recurrent_dropout) are multiplied by random "
            "masks before the kernels, one mask for the whole sequence (the same numbers dropped at "
            "every step), the numbers kept scaled by 1/(1\u2212rate); the kernels themselves are "
            "never dropped. At inference (predict, what you see) every number is used.")
    if get_option(config, ("" if class_name == "RNN" else prefix) + "unroll"):  # (RNN(cell): the layer's)
        notes.append(
            "unroll: Keras writes the time loop out as one copy of the cell per step (faster for "
            "short sequences, more memory). The numbers are exactly the same as the loop's, so "
            "the views do not change: the Unrolled view always draws one column per step.")
    return notes
