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

import dataclasses
import math
import re
from dataclasses import dataclass, field

import numpy as np

from lstmviz.app.options import default_config, set_option
from lstmviz.app.views import VIEW_KEYS
from lstmviz.engine.cells import cell_kind

VIEWS = VIEW_KEYS


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
    expand: bool | None = None         # the Cell view writes W·x_t and U·h_(t-1) out term by term
    #: a Train-tab step: Settings fields to change, ``updates`` to run, ``pin`` (see
    #: ``ui.train_panel.TrainPanel.lesson_step``), ``grad_view`` (a gradient view to show:
    #: ``dh``, ``connectivity``, ``gates``, ``updates``), ``curve`` (the curves' plot it is
    #: about, ``loss`` or ``gradient``: alone where a projector has room for one); its
    #: caption may quote {updates_per_epoch}, {samples}, {batch_size}, {iteration}, {cell},
    #: {first}, {last}, {ratio}, and with a
    #: ``grad_view`` the numbers of ``app.grad_stats.forget_facts`` (``mark_unit``: the unit
    #: they name, ``f_unit``, ringed and named on the gates view's saturation plot);
    #: ``step_setup`` gives a step reached out of order the run the steps before it leave
    train: dict | None = None


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple
    #: the key that starts it in the Lessons menu, a letter of its title (lessons 1-9 have
    #: their number; 10 and on, a letter: "10" has no key of its own)
    key: str = ""


def facts(state) -> dict:
    """Numbers of the selected layer that captions may quote."""
    out = {"timesteps": state.timesteps, "last_step": state.timesteps - 1, "batch": state.batch,
           "input_dim": int(state.input.input_dim),
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
        cell = cell_kind(inner)
        g = cell.k if cell is not None else 1
        out["gates"] = g
        if len(shapes) >= 2:
            d = shapes[0][0]
            b = sum(math.prod(s) for s in shapes[2:])
            out["formula"] = f"{d}\u00d7{g * u} + {u}\u00d7{g * u} + {b} = {d * g * u + u * g * u + b:,}"
    if layer.output_shapes:
        shape = layer.output_shapes[0]
        out["output_shape"] = "(" + ", ".join("batch" if s is None else str(s) for s in shape) + ")"
    return out


def stack_words(layers) -> str:
    """A stack (``LayerEntry``s, or anything with ``class_name`` and ``config``) in a few
    words, first layer first: "LSTM(8) \u2192 LSTM(4)" (a layer's units where it has them)."""
    words = []
    for e in layers:
        units = e.config.get("units") if isinstance(e.config, dict) else None
        words.append(f"{e.class_name}({units})" if isinstance(units, int) else e.class_name)
    return " \u2192 ".join(words)


def caption_text(step: TourStep, state) -> str:
    try:
        return step.caption.format(**facts(state))
    except (KeyError, IndexError, ValueError):
        return step.caption


#: a subscript in a caption, written as in plain text: one letter (a tilde over it at most;
#: a derivative's, after "/d": dL/dc_t) then ``_`` and a letter, a number or ``(...)``: x_t,
#: h_(t\u22121), x_0, y_T, U_i; never a Keras name (input_dim, return_sequences: a word
#: before the ``_``). A caption writes no Unicode subscript (\u209c, \u1d62): the caption bar
#: sets these as the views set theirs, a Unicode one is a glyph a hall cannot read
SUBSCRIPT = re.compile(r"(?:(?<![\w\u0303])|(?<=/d))([A-Za-z]\u0303?)_(\(([^()\s]+)\)|[0-9]+(?![\w])|[A-Za-z](?![\w]))")


def caption_parts(text: str) -> list[tuple[str, bool]]:
    """``text`` (a caption) in pieces: (text, is a subscript), for the caption bar to set
    its subscripts as the views set theirs (x_t as x with a lowered t, h_(t\u22121) without
    the brackets)."""
    parts: list[tuple[str, bool]] = []
    at = 0
    for m in SUBSCRIPT.finditer(text):
        parts.append((text[at:m.start()] + m.group(1), False))
        parts.append((m.group(3) or m.group(2), True))
        at = m.end()
    parts.append((text[at:], False))
    return [(piece, sub) for piece, sub in parts if piece]


#: what a step sets up that the steps after it keep unless they set it too
_KEPT = ("stack", "input", "batch", "layer", "unit", "side", "step", "expand")


#: a Train step's keys that are not its run's settings: what the step does to the run,
#: and what it shows of it (its own, not kept by the steps after it)
TRAIN_DOES = ("updates", "pin")
TRAIN_SHOWS = ("curve", "grad_view", "mark_unit")


def step_setup(lesson: Lesson, k: int, state=None, session=None) -> TourStep:
    """``lesson.steps[k]`` with what it leaves to the steps before it (its stack, input,
    batch, layer, unit, side, timestep, terms written out; a Train step's run) as they
    leave it: the state it shows however it is reached (straight from step 1 to step 3,
    back from a later step with another stack), not the last step shown's. With ``state``,
    a stack or input the state already has is left out (no rebuild: the model, its batch
    and the cursor stay); with ``session`` (the Train tab's ``TrainingSession``), so is a
    run it already is (no updates run again; the rest of them where it is on the way).

    A Train step's run is the one the steps before it leave, as a step of its own
    (``train``): the settings every step since the lesson's task named (a new run: walking,
    each step that names one starts a run), the updates run since the last of them (not the
    step's own alone: PgUp to a step of 480 updates ran them again on the 480 shown, and a
    jump past it ran none), ``pin`` whether a curve is pinned then, and ``pinned_at`` the
    step that pinned it (the run the step before that one left), for the caller to pin."""
    setup: dict = {}
    run: dict | None = None  # the Train tab's run the steps leave
    for j, step in enumerate(lesson.steps[:k + 1]):
        if step.stack is not None:  # a new stack: its first layer's unit 0 (``_apply_step``)
            setup.update(layer=None, unit=0, side=None)
        setup.update({name: getattr(step, name) for name in _KEPT if getattr(step, name) is not None})
        if step.train is not None:
            run = _run_after(run, step.train, j)
    if state is not None:
        if "stack" in setup and [(e.class_name, e.config) for e in state.layers] == \
                [(l.class_name, l.config()) for l in setup["stack"]] and state.model is not None:
            del setup["stack"]
        if "input" in setup and _same_input(state.input, setup["input"]):
            del setup["input"]
    step = dataclasses.replace(lesson.steps[k], **{name: setup.get(name) for name in _KEPT})
    if step.train is None or run is None:
        return step
    settings, updates = run["settings"], run["updates"]
    left = None if session is None else _updates_left(session, settings, updates)
    if left is not None:  # the run on the tab, or the same run fewer updates in: the rest of them
        settings, updates = {}, left
    shows = {key: v for key, v in step.train.items() if key in TRAIN_SHOWS}
    return dataclasses.replace(step, train={**settings, "updates": updates, "pin": run["pinned_at"] is not None,
                                            "pinned_at": run["pinned_at"], **shows})


def _run_after(run: dict | None, spec: dict, j: int) -> dict:
    """The Train tab's run after step ``j`` (``spec``, its ``train``) on ``run`` (the one the
    steps before it left; None: the run on the tab): {settings, updates, pinned_at}. A step
    naming a task starts the lesson's run from the defaults, its pinned curve dropped; any
    setting starts a new run (``TrainPanel.lesson_step``); a pin pins the run before it."""
    settings = {key: v for key, v in spec.items() if key not in TRAIN_DOES + TRAIN_SHOWS}
    if run is None or "task" in settings:
        run = {"settings": {}, "updates": 0, "pinned_at": None}
    pinned_at = j if spec.get("pin") else run["pinned_at"]
    if settings:
        run = {"settings": {**run["settings"], **settings}, "updates": 0, "pinned_at": pinned_at}
    return {**run, "updates": run["updates"] + int(spec.get("updates", 0)), "pinned_at": pinned_at}


def _updates_left(session, settings: dict, updates: int) -> int | None:
    """How many updates the TrainingSession ``session`` is short of the run of these
    ``settings`` (a task's from the defaults, else on the session's own) after ``updates``
    updates: 0 where it is that run, None where it is another (other settings, the user's
    own model, more updates, a learning rate changed on the way)."""
    from lstmviz.app.training import Settings

    if session.task is None:  # the user's own model: never a lesson's run
        return None
    base = Settings() if "task" in settings else session.settings
    try:
        want = dataclasses.replace(base, **settings)
    except TypeError:
        return None
    done = session.iteration
    same = session.settings == want and len(session.learning_rates) <= 1 and session.blown is None
    return updates - done if same and done <= updates else None


def _same_input(spec, fields: dict) -> bool:
    """Whether the InputSpec ``spec`` is the one ``fields`` make (arrays compared by value)."""
    from lstmviz.app.state import InputSpec

    want = InputSpec(**fields)
    for name in want.__dataclass_fields__:
        a, b = getattr(spec, name), getattr(want, name)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)):
                return False
        elif name != "others" and a != b:
            return False
    return not spec.others and not want.others


def apply_step(state, step: TourStep) -> None:
    """Set up ``state`` for ``step``: stack and input first (one rebuild), then the cursor;
    one ``changed`` event for all of it."""
    with state.changes():
        _apply_step(state, step)


def _apply_step(state, step: TourStep) -> None:
    from lstmviz.app.state import InputSpec, LayerEntry

    state.show_stack(None if step.stack is None else [LayerEntry(l.class_name, l.config()) for l in step.stack],
                     None if step.input is None else InputSpec(**step.input))
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
        TourStep("LSTM(units=4): h, c and each gate hold 4 numbers: 4 bars per chart, one per unit "
                 "(x_t has {input_dim}: input_dim).",
                 stack=(lay("LSTM", units=4, return_sequences=True),), input=SINE, view="cell",
                 step=3, layer=0, unit=0),
        TourStep("At every step all 4 units update together: all their bars move at once.",
                 view="cell", step=5),
        TourStep("Over time: one row per unit in every map (4 rows); the curves below are unit {unit}'s.",
                 view="over_time", unit=2, step=8),
        TourStep("Unrolled: one box per STEP ({timesteps} of them), coloured by one unit, "
                 "unit [{unit}] (↑↓ picks another).",
                 view="unrolled", step=8),
        TourStep("units=8: 8 bars per gate and state chart, x_t still {input_dim}. "
                 "units is NOT timesteps, NOT input_dim.",
                 stack=(lay("LSTM", units=8, return_sequences=True),), view="cell", step=8, layer=0),
    )),
    Lesson("`timesteps` vs `input_dim`", (
        TourStep("Input shape (batch, timesteps, input_dim) = (1, {timesteps}, {input_dim}): "
                 "{timesteps} steps of {input_dim} number each.",
                 stack=(lay("LSTM", units=4, return_sequences=True),), input=SINE, view="unrolled",
                 step=0, layer=0),
        TourStep("timesteps = how many times the SAME cell runs: one column per step.",
                 view="unrolled", step=-1),
        TourStep("input_dim = how many numbers x_t holds at EACH step: now {input_dim}, the {input_dim} bars of x_t.",
                 input=SINE3, view="cell", step=3, layer=0),
        TourStep("More timesteps adds columns, not weights: still {params} parameters.",
                 input=dict(SINE3, timesteps=24), view="unrolled", step=20, layer=0),
        TourStep("Keras' input_shape=({timesteps}, {input_dim}) leaves the batch out: {timesteps} columns "
                 "(the cell runs {timesteps}\u00d7), {input_dim} numbers in each.",
                 view="unrolled", layer=0),
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
        TourStep("return_sequences=False (default): only the LAST step's h goes up, "
                 "one arrow, at step {last_step}: {output_shape}, for a Dense.",
                 stack=(lay("LSTM", units=8), lay("Dense", units=4)), view="unrolled",
                 layer=0, step=-1),
        TourStep("An LSTM on top cannot be built (not drawn): {error}",
                 stack=(lay("LSTM", units=8), lay("LSTM", units=4)), view="unrolled",
                 expect_error=True),
        TourStep("The fix: return_sequences=True on every recurrent layer that feeds another one.",
                 stack=(lay("LSTM", units=8, return_sequences=True), lay("LSTM", units=4)),
                 view="unrolled", layer=0, step=-1),
        TourStep("The last LSTM may keep it off: only its last step's h goes out, "
                 "{output_shape}, one vector per sample.",
                 view="unrolled", layer=1, step=-1),
    )),
    Lesson("`stateful`", (
        TourStep("stateful=False: every batch starts from h = c = 0 (the empty h_(t\u22121), c_(t\u22121) charts).",
                 stack=(lay("LSTM", units=4, return_sequences=True),),
                 input=dict(SINE, batch_size=2), view="cell", layer=0, step=0),
        TourStep("stateful=True: the last state of a batch becomes the first state of the next.",
                 stack=(lay("LSTM", units=4, return_sequences=True, stateful=True),),
                 input=dict(SINE, batch_size=2), view="unrolled", layer=0, step=0, batch=0),
        TourStep("The next batch (N): its h and c at t = 0 start where batch 0 ended, not at 0.",
                 view="cell", step=0, batch=1),
        TourStep("Batch 1's sample 0 continues batch 0's sample 0: so the batch size must stay fixed.",
                 view="over_time", step=6, batch=1),
        TourStep("Shift+N (model.reset_states()): back to batch 0, states from 0. Do it between unrelated sequences.",
                 view="unrolled", step=-1, batch=0),
    )),
    Lesson("`go_backwards` and Bidirectional", (
        TourStep("go_backwards=True: the LSTM reads the last input step first.",
                 stack=(lay("LSTM", units=4, return_sequences=True, go_backwards=True),),
                 input=SINE, view="unrolled", layer=0, step=0),
        TourStep("Its output sequence comes out reversed too: step t = 0 is input step {last_step}.",
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
    Lesson("Block, cell, unit", (
        TourStep("One LSTM layer is ONE block: one LSTMCell, one kernel {kernel} for all {units} units.",
                 stack=(lay("LSTM", units=4, return_sequences=True),), input=SINE3, view="weights",
                 layer=0, step=3, unit=1),
        TourStep("The diagram's single cell (scalar c, h) is one unit: these equations are unit {unit}'s. "
                 "{units} units: {units} bars.", view="cell", step=3, expand=False),
        TourStep("But the units are not independent: U feeds EVERY unit's h_(t\u22121) into unit {unit}'s gates "
                 "(the U_i\u00b7h_(t\u22121) terms).", view="cell", step=3, expand=True),
        TourStep("'The cell runs N times' is the time loop: the same LSTMCell once per step, "
                 "{timesteps} columns, not once per unit.", view="unrolled", step=-1, expand=False),
        TourStep("So LSTM(16) is 1 block (this layer) with 16 memory cells, units: the 16 rows of each map. "
                 "LSTMCell = the diagram.", stack=(lay("LSTM", units=16, return_sequences=True),), view="over_time",
                 layer=0, step=6),
    )),
    Lesson("SimpleRNN vs LSTM, and `unroll`", (
        TourStep("SimpleRNN: h_t = tanh(W\u00b7x_t + U\u00b7h_(t\u22121) + b). No gates, ONE state h.",
                 stack=(lay("SimpleRNN", units=4, return_sequences=True),), input=SINE, view="cell",
                 layer=0, step=4),
        TourStep("SimpleRNN(4) on input_dim 1: kernel {kernel}, {params} parameters = 4\u00b7(4 + 1 + 1).",
                 view="weights"),
        TourStep("LSTM: four blocks i, f, c\u0303, o and a SECOND state c, the memory the gates protect.",
                 stack=(lay("LSTM", units=4, return_sequences=True),), view="cell", layer=0, step=4),
        TourStep("LSTM(4): kernel {kernel}, 4 times as wide: {params} parameters.", view="weights"),
        TourStep("The f_t map: the share of c_(t\u22121) each unit keeps at each step. A SimpleRNN has no f: "
                 "it rewrites h every step.",
                 view="over_time", step=8, unit=0),
        TourStep("unroll=True: Keras writes the loop out, one cell copy per step: these {timesteps} boxes. "
                 "Same numbers as the loop.",
                 stack=(lay("LSTM", units=4, return_sequences=True, unroll=True),), view="unrolled",
                 layer=0, step=8),
    )),
)


# -- lessons on the Train tab ---------------------------------------------------------------
def _train(caption: str, **spec) -> TourStep:
    return TourStep(caption, view="train", train=spec)


#: a Train step's figures read from its run once trained: gradients, gate means, the step
#: the output depends on. Float sums taken in another order (another CPU, BLAS library or
#: thread count) give other bits at each update, and over hundreds of updates other figures
#: (step 0's gradient in lesson 10: 2e-07 on one machine, 5.2e-14 on another), so a page
#: that quotes them (resources/lessons/README.md) says they are its machine's
RUN_FIGURES = frozenset({"first", "last", "ratio", "f_rose", "f_unit", "f_unit_now", "f_unit_start",
                         "f_high", "conn_peak", "conn_ratio", "conn0_peak"})
#: what that page says under such a caption (``scripts/make_lesson_screenshots.py``)
RUN_FIGURES_NOTE = ("(Figures of the machine that made this page: another CPU or BLAS library adds floats "
                    "in another order at every update, and after the run's updates gets other figures, "
                    "a vanishing gradient's by orders of magnitude. The lesson's caption quotes the run "
                    "on screen.)")


def quotes_run_figures(step: TourStep) -> bool:
    """Whether ``step``'s caption quotes figures of its trained run (``RUN_FIGURES``)."""
    import string

    fields = {name for _, name, _, _ in string.Formatter().parse(step.caption) if name}
    return step.train is not None and bool(fields & RUN_FIGURES)


TRAIN_LESSONS: tuple[Lesson, ...] = (
    Lesson("Why LSTM: the vanishing gradient", (
        _train("SimpleRNN(8), recall input 0 of 50: after {iteration} updates step 0 gets {first}, "
               "{ratio} less gradient than step 49.",
               task="delay", cell="SimpleRNN", units=8, steps=50, seed=0, epochs=20, updates=160,
               curve="gradient"),
        _train("Pinned (dashed): the SimpleRNN. An LSTM(8) on the same data: step 0 gets "
               "{first}, {ratio} less than step 49.", pin=True, cell="LSTM", updates=160, curve="gradient"),
        _train("\u2016dL/dc_t\u2016: the forget gate f multiplies it at every step. Where f "
               "stays near 1, it passes back almost unchanged.", updates=0,
               curve="gradient"),
    ), key="V"),
    Lesson("batch_size and updates", (
        _train("{samples} sequences at batch_size {batch_size}: {updates_per_epoch} updates per "
               "epoch, one per batch, each from that batch's mean loss.",
               task="delay", cell="LSTM", batch_size=32, updates=8, curve="loss"),
        _train("batch_size {batch_size}: {updates_per_epoch} update per epoch. That one update sees "
               "every sample, but the weights move only once per pass.", batch_size=256, updates=1,
               curve="loss"),
        _train("batch_size {batch_size}: {updates_per_epoch} updates per epoch: noisier updates, "
               "many more of them.", batch_size=8, updates=32, curve="loss"),
    ), key="B"),
    Lesson("What the forget gate learns", (
        _train("An LSTM({units}) must recall the first of 20 inputs. Untrained, every unit's "
               "forget gate f averages {f_start}: bias 1, sigmoid(1) \u2248 0.73.",
               task="delay", cell="LSTM", units=8, steps=20, seed=0, epochs=60, optimizer="adam",
               learning_rate=None, batch_size=None, shuffle=True, updates=0, grad_view="gates"),
        _train("After {iteration} updates f is higher in {f_rose} of {units} units (bars; lines: update 0). "
               "Unit {f_unit} keeps {f_unit_now} of its cell state per step, up from {f_unit_start}.",
               updates=480, grad_view="gates"),
        _train("Unit {f_unit}'s f is above 0.9 on {f_high} of the steps (right: a point per unit): "
               "c keeps input 0 there, and its gradient.",
               grad_view="gates", mark_unit=True),
        _train("y_T depends most on x_{conn_peak}, {conn_ratio} the median step (the task: x_0). "
               "At update 0 (dashed): x_{conn0_peak}.",
               grad_view="connectivity"),
    ), key="F"),
)


# -- lessons after the Train tab's (numbered on from them) ----------------------------------
def _padded(pre: bool) -> dict:
    """One sample of 8 real steps (a sine that is nowhere 0) padded with zeros to 12, after
    them (``pad_sequences(padding="post")``) or before (``"pre"``, Keras' default)."""
    real = [round(1.5 * math.sin(2 * math.pi * t / 8 + 2.66), 3) for t in range(8)]
    values = [0.0] * 4 + real if pre else real + [0.0] * 4
    return {"batch_size": 1, "timesteps": 12, "input_dim": 1, "source": "data",
            "data": np.array(values, np.float32).reshape(1, 12, 1)}


PADDED, PRE_PADDED = _padded(False), _padded(True)

MORE_LESSONS: tuple[Lesson, ...] = (
    Lesson("Padding and `Masking`", (
        TourStep("8 real steps padded with zeros to {timesteps} (padding='post'). No Masking: the zeros are "
                 "read as data, h still changes.",
                 stack=(lay("LSTM", units=4, return_sequences=True),), input=PADDED,
                 view="over_time", layer=0, step=9, unit=0),
        TourStep("Masking(mask_value=0): steps whose features are ALL 0 are masked (grey): h and c stay as "
                 "they were at step 7.",
                 stack=(lay("Masking"), lay("LSTM", units=4, return_sequences=True)), input=PADDED,
                 view="over_time", layer=1, step=9, unit=0),
        TourStep("Masked step t = 9: the cell still runs (its gates above), but its h and c are dropped: "
                 "step 7's are carried over.",
                 view="cell", layer=1, step=9),
        TourStep("return_sequences=False: the output {output_shape} is step 7's h (the last real step), "
                 "carried to the end.",
                 stack=(lay("Masking"), lay("LSTM", units=4), lay("Dense", units=1)), input=PADDED,
                 view="unrolled",
                 layer=1, step=-1),
        TourStep("padding='pre' (pad_sequences' default): zeros first; h = c = 0 is carried until the "
                 "data starts at step 4.",
                 stack=(lay("Masking"), lay("LSTM", units=4, return_sequences=True)), input=PRE_PADDED,
                 view="over_time", layer=1, step=2, unit=0),
    ), key="P"),
)
ALL_LESSONS = LESSONS + TRAIN_LESSONS + MORE_LESSONS


def menu_key(k: int) -> str:
    """The key that starts ``ALL_LESSONS[k]`` in the Lessons menu: its number for 1-9, else
    the letter its ``key`` names (V for the Vanishing gradient, ...)."""
    return str(k + 1) if k < 9 else ALL_LESSONS[k].key


def menu_text(k: int) -> str:
    """``ALL_LESSONS[k]``'s entry in the Lessons menu, its key marked with "&" (Qt's
    mnemonic, drawn underlined): "&1  What units means", and from 10 on the letter also
    after a tab (Qt's column of shortcuts, at the menu's right edge, where an underline
    alone is easy to miss): "10  Why LSTM: the &vanishing gradient\tV"."""
    title = ALL_LESSONS[k].title.replace("`", "").replace("&", "&&")
    if k < 9:
        return f"&{k + 1}  {title}"
    key = ALL_LESSONS[k].key
    at = re.search(rf"\b{re.escape(key)}", title, re.IGNORECASE) if key else None
    if at is None:
        return f"{k + 1}  {title}"
    return f"{k + 1}  {title[:at.start()]}&{title[at.start():]}\t{key}"


def step_label(step: TourStep, width: int = 56) -> str:
    """A lesson step's entry in its lesson's step list: the caption's opening words, up to
    the first number it quotes from the state ("{units}": what the step sets up decides
    it) where that leaves a few words, else with such numbers written "…"; cut at a word
    within ``width`` characters."""
    text = " ".join(step.caption.split())
    quote = text.find("{")
    if quote >= 20:
        text = text[:quote].rstrip(" ,:;·(=") + "…"
    text = re.sub(r"\{[^{}]*\}", "…", text)
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[:cut if cut > width // 2 else width - 1].rstrip(" ,:;·(") + "…"


def step_menu_text(les: Lesson, k: int) -> str:
    """Step ``k``'s entry in the lesson's step list, its number the key that goes there
    (Qt's mnemonic: "&3  The backward half: its own weights ...")."""
    label = step_label(les.steps[k]).replace("&", "&&")
    return f"&{k + 1}  {label}" if k < 9 else f"{k + 1}  {label}"


def lesson(index_or_title) -> Lesson:
    if isinstance(index_or_title, int):
        return ALL_LESSONS[index_or_title]
    for les in ALL_LESSONS:
        if les.title == index_or_title:
            return les
    raise KeyError(index_or_title)


def find_lesson(name: str) -> int:
    """The index in ``ALL_LESSONS`` of the lesson ``name`` names (``lstmviz --lesson``):
    its number as the Lessons menu numbers it (1 on), its title, or words of one title
    (case, backticks and runs of spaces aside: "forget gate", "stateful"); else a
    one-line ``LstmvizError`` listing the lessons."""
    from lstmviz.errors import LstmvizError

    def plain(text: str) -> str:
        return " ".join(text.replace("`", "").split()).lower()

    want = plain(name)
    titles = [plain(les.title) for les in ALL_LESSONS]
    if want.isascii() and want.isdigit() and 1 <= int(want) <= len(ALL_LESSONS):
        return int(want) - 1
    if want in titles:
        return titles.index(want)
    hits = [k for k, title in enumerate(titles) if want and want in title]
    if len(hits) == 1:
        return hits[0]

    def listed(ks) -> str:
        return "; ".join(f"{k + 1} {ALL_LESSONS[k].title.replace('`', '')}" for k in ks)

    if hits:
        raise LstmvizError(f"lesson {name!r} is in the titles of {len(hits)} lessons ({listed(hits)}): "
                           "give its number or more of its title")
    raise LstmvizError(f"no lesson {name!r}: give a lesson's number or words of its title "
                       f"({listed(range(len(ALL_LESSONS)))})")


__all__ = ["L", "lay", "TourStep", "Lesson", "LESSONS", "TRAIN_LESSONS", "ALL_LESSONS", "VIEWS", "apply_step",
           "MORE_LESSONS", "caption_parts", "caption_text", "facts", "find_lesson", "lesson", "step_setup", "menu_key",
           "menu_text", "stack_words", "step_label", "step_menu_text"]
