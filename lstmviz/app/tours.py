"""Guided tours: short built-in lessons, as plain data (no Qt).

A ``Lesson`` is a title and 3-6 ``TourStep``s. Each step may set up the stack (a list of
``L(class_name, **options)``), the input (``InputSpec`` fields), the view tab
(``"unrolled"``, ``"cell"``, ``"over_time"``, ``"weights"``), the step ``t``, the selected
layer (index in the stack) and unit, and shows ONE short caption. Captions may name facts
of the model the step built (``{units}``, ``{input_dim}``, ``{kernel}``, ``{params}`` ...,
see ``facts``), so the numbers on screen are the model's, not the lesson writer's.

``apply_step(state, step)`` puts a step onto an ``AppState``; the Qt side (``ui.tours``
runner in ``ui.presentation``) switches the tab and shows the caption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lstmviz.app.options import default_config, set_option

VIEWS = ("unrolled", "cell", "over_time", "weights")


@dataclass(frozen=True)
class L:
    """One layer of a lesson's stack: a Keras class and the options that differ from the
    side panel's defaults (``inner=`` for a Bidirectional's layer, ``layer.key=`` via a
    dict in ``options``)."""

    class_name: str
    options: dict = field(default_factory=dict)
    inner: str | None = None

    def config(self) -> dict:
        units = int(self.options.get("units", self.options.get("layer.units", 8)))
        cfg = default_config(self.class_name, self.inner, units=units)
        for key, value in self.options.items():
            cfg = set_option(cfg, key, value)
        return cfg


def lay(class_name: str, inner: str | None = None, **options) -> L:
    return L(class_name, dict(options), inner)


@dataclass(frozen=True)
class TourStep:
    caption: str
    stack: tuple | None = None         # tuple of L; None keeps the current stack
    input: dict | None = None          # InputSpec fields; None keeps the input
    view: str | None = None            # one of VIEWS
    step: int | None = None            # the timestep t (negative: counted from the end)
    layer: int | None = None           # index in the stack
    unit: int | None = None
    side: str | None = None            # "forward"/"backward" in a Bidirectional
    expect_error: bool = False         # this step's stack is meant to fail (the lesson shows why)
    batch: int | None = None           # a stateful stack: trace this batch (0: from zero states)
    #: a Train-tab step: Settings fields to change, ``updates`` to run, ``pin`` (see
    #: ``ui.train_panel.TrainPanel.lesson_step``); its caption may quote {updates_per_epoch},
    #: {samples}, {batch_size}, {iteration}, {cell}, {first}, {last}, {ratio}
    train: dict | None = None


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple


def facts(state) -> dict:
    """Numbers of the selected layer that captions may quote."""
    out = {"timesteps": state.timesteps, "batch": state.batch, "input_dim": int(state.input.input_dim),
           "error": state.error or "", "t": state.cursor.step, "unit": state.cursor.unit,
           "total_params": 0, "units": "?", "kernel": "?", "recurrent_kernel": "?", "bias": "?",
           "params": "?", "gates": "?", "layer": state.cursor.layer or "?", "class_name": "?",
           "output_shape": "?", "formula": "?"}
    model = state.model
    if model is None:
        return out
    out["total_params"] = f"{model.count_params():,}"
    name = state.cursor.layer
    try:
        layer = model.get_layer(name)
    except Exception:
        return out
    out["class_name"] = layer.class_name
    out["layer"] = name
    inner = getattr(layer, "forward_layer", None) or layer
    shapes = [tuple(w.shape) for w in inner.weights]
    if shapes:
        out["kernel"] = str(shapes[0])
    if len(shapes) > 1:
        out["recurrent_kernel"] = str(shapes[1])
    if len(shapes) > 2:
        out["bias"] = str(shapes[2])
    out["params"] = f"{layer.count_params():,}"
    if hasattr(inner, "units"):
        u = int(inner.units)
        out["units"] = u
        g = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}.get(inner.class_name, 1)
        out["gates"] = g
        if len(shapes) >= 2:
            d = shapes[0][0]
            b = sum(math.prod(s) for s in shapes[2:])
            out["formula"] = f"{d}\u00d7{g * u} + {u}\u00d7{g * u} + {b} = {d * g * u + u * g * u + b:,}"
    if layer.output_shapes:
        shape = layer.output_shapes[0]
        out["output_shape"] = "(" + ", ".join("batch" if s is None else str(s) for s in shape) + ")"
    return out


def caption_text(step: TourStep, state) -> str:
    try:
        return step.caption.format(**facts(state))
    except (KeyError, IndexError, ValueError):
        return step.caption


def apply_step(state, step: TourStep) -> None:
    """Set up ``state`` for ``step``: stack and input first (one rebuild), then the cursor."""
    from lstmviz.app.state import InputSpec, LayerEntry

    rebuild = False
    if step.stack is not None:
        state.readonly = False
        state.path = None
        state.layers = [LayerEntry(l.class_name, l.config()) for l in step.stack]
        rebuild = True
    if step.input is not None:
        state.input = InputSpec(**step.input)
        rebuild = True
    if rebuild:
        state.rebuild()
        state.stack_changed.emit()
    if step.batch is not None and state.model is not None and state.model.stateful \
            and state.batch_index != step.batch:
        if state.batch_index > step.batch:
            state.reset_states()
        while state.batch_index < step.batch:
            state.next_batch()
    changes = {}
    if step.layer is not None and state.model is not None:
        k = step.layer if step.layer >= 0 else len(state.layers) + step.layer
        if 0 <= k < len(state.layers) and state.layers[k].name:
            changes["layer"] = state.layers[k].name
    if step.unit is not None:
        changes["unit"] = int(step.unit)
    elif step.stack is not None:
        changes["unit"] = 0
    if step.side is not None:
        changes["side"] = step.side
    if step.step is not None:
        changes["step"] = step.step if step.step >= 0 else state.timesteps + step.step
    if changes:
        state.set_cursor(**changes)


# -- the lessons ----------------------------------------------------------------------------
SINE = {"batch_size": 1, "timesteps": 12, "input_dim": 1, "source": "sine", "seed": 0, "period": 12.0}
SINE3 = dict(SINE, input_dim=3)

LESSONS: tuple[Lesson, ...] = (
    Lesson("What `units` means", (
        TourStep("LSTM(units=4): the layer carries 4 numbers from step to step. Each row of h is one unit.",
                 stack=(lay("LSTM", units=4, return_sequences=True),), input=SINE, view="unrolled",
                 step=0, layer=0, unit=0),
        TourStep("At every step all 4 units update together: the whole column moves.",
                 view="unrolled", step=5),
        TourStep("One unit, unit 2: its gates and state change over time, in one row of each map.",
                 view="over_time", unit=2, step=8),
        TourStep("units=8: h and c are now 8 numbers wide. units is NOT timesteps, NOT inputs.",
                 stack=(lay("LSTM", units=8, return_sequences=True),), view="unrolled", step=8, layer=0),
    )),
    Lesson("`timesteps` vs `input_dim`", (
        TourStep("Input shape (batch, timesteps, input_dim) = (1, {timesteps}, {input_dim}): "
                 "{timesteps} steps of {input_dim} number each.",
                 stack=(lay("LSTM", units=4, return_sequences=True),), input=SINE, view="unrolled",
                 step=0, layer=0),
        TourStep("timesteps = how many times the SAME cell runs: one column per step.",
                 view="unrolled", step=-1),
        TourStep("input_dim = how many numbers x_t holds at EACH step; now {input_dim}.",
                 input=SINE3, view="cell", step=3, layer=0),
        TourStep("More timesteps adds columns, not weights: still {params} parameters.",
                 input=dict(SINE3, timesteps=24), view="unrolled", step=20, layer=0),
    )),
    Lesson("Why the kernel is (input_dim, 4\u00b7units)", (
        TourStep("LSTM(units={units}) on input_dim={input_dim}: four gates i, f, c\u0303, o, each {units} wide.",
                 stack=(lay("LSTM", units=4),), input=SINE3, view="weights", layer=0, step=0),
        TourStep("kernel W is {kernel}: input_dim rows \u00d7 4\u00b7units columns, the 4 gates side by side.",
                 view="weights"),
        TourStep("recurrent_kernel U is {recurrent_kernel}: h_(t\u22121) feeds all 4 gates too; bias {bias}.",
                 view="weights"),
        TourStep("Parameters: {formula}. Keras' count for this layer: {params}.", view="weights"),
        TourStep("units=8 doubles the columns: kernel {kernel}, {params} parameters.",
                 stack=(lay("LSTM", units=8),), view="weights", layer=0),
    )),
    Lesson("`return_sequences` when stacking", (
        TourStep("LSTM(8) \u2192 LSTM(4): the second LSTM needs a sequence (batch, timesteps, 8).",
                 stack=(lay("LSTM", units=8, return_sequences=True), lay("LSTM", units=4)),
                 input=SINE, view="unrolled", layer=0, step=0),
        TourStep("Turn return_sequences OFF on the first: it outputs only the last h. Error:\n{error}",
                 stack=(lay("LSTM", units=8), lay("LSTM", units=4)), view="unrolled",
                 expect_error=True),
        TourStep("The fix: return_sequences=True on every recurrent layer that feeds another one.",
                 stack=(lay("LSTM", units=8, return_sequences=True), lay("LSTM", units=4)),
                 view="unrolled", layer=0, step=-1),
        TourStep("The last LSTM may keep it off: output {output_shape}, one vector per sample.",
                 view="unrolled", layer=1, step=-1),
    )),
    Lesson("`stateful`", (
        TourStep("stateful=False: every batch starts from h = c = 0.",
                 stack=(lay("LSTM", units=4, return_sequences=True),),
                 input=dict(SINE, batch_size=2), view="cell", layer=0, step=0),
        TourStep("stateful=True: the last state of a batch becomes the first state of the next.",
                 stack=(lay("LSTM", units=4, return_sequences=True, stateful=True),),
                 input=dict(SINE, batch_size=2), view="unrolled", layer=0, step=0, batch=0),
        TourStep("The next batch (N): its h and c at t = 0 start where batch 0 ended, not at 0.",
                 view="cell", step=0, batch=1),
        TourStep("So it needs a fixed batch size: sample i continues sample i of the last batch.",
                 view="over_time", step=6, batch=1),
        TourStep("Reset the states between independent sequences (model.reset_states(); Shift+N here).",
                 view="unrolled", step=-1, batch=0),
    )),
    Lesson("`go_backwards` and Bidirectional", (
        TourStep("go_backwards=True: the LSTM reads the last input step first.",
                 stack=(lay("LSTM", units=4, return_sequences=True, go_backwards=True),),
                 input=SINE, view="unrolled", layer=0, step=0),
        TourStep("Its output sequence comes out reversed too: step t = 0 is input step {timesteps}\u22121.",
                 view="cell", step=0),
        TourStep("Bidirectional(LSTM(4)): one LSTM forwards, a second one backwards.",
                 stack=(lay("Bidirectional", inner="LSTM", **{"layer.units": 4,
                                                              "layer.return_sequences": True}),),
                 view="unrolled", layer=0, step=0, side="forward"),
        TourStep("The backward half: its own weights, reading from the end.",
                 view="cell", step=0, side="backward"),
        TourStep("merge_mode=concat: the two h side by side, output {output_shape}; {params} parameters.",
                 view="unrolled", step=-1, side="forward"),
    )),
    Lesson("GRU vs LSTM", (
        TourStep("LSTM: four gate blocks (i, f, c\u0303, o) and TWO states, h and c.",
                 stack=(lay("LSTM", units=4, return_sequences=True),), input=SINE, view="cell",
                 layer=0, step=4),
        TourStep("LSTM(4) on input_dim 1: kernel {kernel}, {params} parameters.", view="weights"),
        TourStep("GRU: three blocks (z, r, h\u0303) and ONE state h: no separate cell state c.",
                 stack=(lay("GRU", units=4, return_sequences=True),), view="cell", layer=0, step=4),
        TourStep("GRU(4): kernel {kernel}, {params} parameters (reset_after adds a second bias row).",
                 view="weights"),
        TourStep("z decides how much of h_(t\u22121) to keep, like f and i together.",
                 view="over_time", step=8),
    )),
)


# -- lessons on the Train tab ---------------------------------------------------------------
def _train(caption: str, **spec) -> TourStep:
    return TourStep(caption, view="train", train=spec)


TRAIN_LESSONS: tuple[Lesson, ...] = (
    Lesson("Why LSTM: the vanishing gradient", (
        _train("A SimpleRNN(8) must remember the first of 50 inputs until the last step. "
               "After {iteration} updates the gradient reaching h at the first step is {first}: "
               "{ratio} times weaker than at the last. It has vanished.",
               task="delay", cell="SimpleRNN", units=8, steps=50, seed=0, epochs=20, updates=160),
        _train("Pinned (dashed). The same task, data and seed with an LSTM(8): at the first "
               "step its gradient is {first} ({ratio} times weaker than at the last): the cell "
               "state carries it back.", pin=True, cell="LSTM", updates=160),
        _train("Look at \u2016dL/dc\u209c\u2016: the forget gate multiplies it at every step. "
               "Where f stays near 1, the gradient passes through almost unchanged.", updates=0),
    )),
    Lesson("batch_size and updates", (
        _train("{samples} sequences at batch_size {batch_size}: {updates_per_epoch} updates per "
               "epoch, one per batch, each from that batch's mean loss.",
               task="delay", cell="LSTM", batch_size=32, updates=8),
        _train("batch_size {batch_size}: {updates_per_epoch} update per epoch. Each step sees "
               "every sample, but the weights move only once per pass.", batch_size=256, updates=1),
        _train("batch_size {batch_size}: {updates_per_epoch} updates per epoch: noisier steps, "
               "many more of them.", batch_size=8, updates=32),
    )),
)
ALL_LESSONS = LESSONS + TRAIN_LESSONS


def lesson(index_or_title) -> Lesson:
    if isinstance(index_or_title, int):
        return ALL_LESSONS[index_or_title]
    for les in ALL_LESSONS:
        if les.title == index_or_title:
            return les
    raise KeyError(index_or_title)


__all__ = ["L", "lay", "TourStep", "Lesson", "LESSONS", "TRAIN_LESSONS", "ALL_LESSONS", "VIEWS", "apply_step", "caption_text",
           "facts", "lesson"]
