"""What a Keras model was compiled with (a ``.keras`` file's ``compile_config``, a Keras 2 /
tf.keras HDF5 file's ``training_config``: ``read_training_config``), read as names and
numbers only, for ``fit``'s and the Train tab's defaults.

``read_compile_config`` turns the file's JSON into plain data kept in ``ModelSpec.source``
(``"compile"``): the loss by ``losses.canonical`` (``"mae"``), the optimizer as its class
and settings (``{"class": "RMSprop", "options": {"learning_rate": 0.005, "rho": 0.8,
"clipnorm": 1.0}}``, checked by building ``optimizers.OPTIMIZERS``' class with them), and a
one-line note for each part lstmviz does not compute (a loss or optimizer it has not, an
optimizer setting such as ``weight_decay``, a learning-rate schedule, metrics, loss
weights, an optimizer state that cannot be read). Nothing in the config is imported, evaluated
or called: an unknown name is a note, never an error.

The optimizer state a Keras 3 file saved after training (``SavedState``: its iterations,
learning rate and slots, read by ``io/keras.py``; a Keras 2 / tf.keras HDF5 file's
``optimizer_weights`` by their names, ``legacy_state``) is kept beside it (``"state"``) and put on
the optimizer ``fit`` and the Train tab start (``restore``), as Keras' ``load_model``
restores it, where it fits the model: the compiled class and settings, a slot of each
weight's shape in Keras' order (``Optimizer.keras_layout``), and the model's weights still
the file's (a state is those weights' own); else a one-line note says why and the optimizer
starts afresh (``saved_state``).

``compiled_loss`` / ``compiled_optimizer`` give them back to ``fit`` (the optimizer made once
per model and kept, as Keras' ``model.optimizer``), or None where the model has none, or a
one-line refusal where it has one lstmviz does not compute (``fit`` is then given one).

The other way, ``for_keras``: what a ``.keras`` file lstmviz writes says the model was
compiled with, as Keras 3.15 writes it (``compile_config``: the loss, the optimizer's
``get_config``), and the optimizer's variables (``optimizer/vars``) where it was trained
here (``trained``: ``fit`` records its loss and optimizer on the model; ``lstmviz train`` and
the Train tab give theirs), so that Keras' ``load_model`` then ``fit`` goes on as a
second ``fit`` here would; else the file's own compile_config and state where they still
fit the model.
"""

from __future__ import annotations

import hashlib
import inspect
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstmviz.engine.losses import NAMES, canonical
from lstmviz.engine.optimizers import OPTIMIZERS, Optimizer
from lstmviz.errors import LstmvizError, is_number, is_whole
from lstmviz.text import plural, safe_name, safe_text

#: Keras' optimizer classes lstmviz computes, by the ``class_name`` a config gives
CLASSES = {cls.__name__: cls for cls in OPTIMIZERS.values()}
#: Keras 3 optimizer settings that compute what lstmviz computes only at these values
ONLY_AT = {"weight_decay": (None, 0), "use_ema": (False,), "loss_scale_factor": (None, 1),
           "gradient_accumulation_steps": (None, 1), "amsgrad": (False,)}
#: settings that change nothing here (its name; the EMA's, while ``use_ema`` is off; tf.keras'
#: ``jit_compile`` and ``is_legacy_optimizer``)
IGNORED = ("name", "ema_momentum", "ema_overwrite_frequency", "jit_compile", "is_legacy_optimizer")
#: Keras 2's spellings of a setting (Keras 2.0-2.2 wrote ``lr``), and settings it computes
#: as here only at these values (``decay``: its learning-rate decay per update)
KERAS2_NAMES = {"lr": "learning_rate"}
KERAS2_ONLY_AT = {"decay": (0,), "adaptive_epsilon": (False,)}
#: ``compile_config`` keys that change nothing of the loss and the updates
RUN_KEYS = ("run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss")


def _settings(cls: type[Optimizer]) -> tuple[str, ...]:
    """The settings ``cls`` takes: learning_rate, its own, the clipping."""
    own = [k for k in inspect.signature(cls.__init__).parameters if k not in ("self", "clip")]
    return (*own, "clipnorm", "clipvalue", "global_clipnorm")


def _shown(value: Any) -> str:
    return safe_text(repr(value), 60)


def _optimizer(spec: Any) -> tuple[dict | None, str | None]:
    """(the optimizer as ``{"class", "options"}``, None) or (None, why it is not computed)."""
    if isinstance(spec, str):  # (a name, as an older writer may keep it)
        cls = OPTIMIZERS.get(spec.lower())
        if cls is None:
            return None, f"optimizer {_shown(spec)} is not one lstmviz computes"
        return {"class": cls.__name__, "options": {}}, None
    if not isinstance(spec, dict):
        return None, f"optimizer {_shown(spec)} is not an optimizer's config"
    name, config = spec.get("class_name"), spec.get("config")
    if isinstance(name, str) and name.startswith("Custom>"):  # (tf.keras 2.11+ writes "Custom>Adam")
        name = name[len("Custom>"):]
    cls = CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        return None, f"optimizer {_shown(name)} is not one lstmviz computes"
    if not isinstance(config, dict):
        config = {}
    taken = _settings(cls)
    options: dict[str, Any] = {}
    only_at = {**ONLY_AT, **KERAS2_ONLY_AT}
    for key, value in config.items():
        key = KERAS2_NAMES.get(key, key)
        if key in IGNORED:
            continue
        if key in only_at:
            if not any(value is v or (is_number(value) and is_number(v) and value == v) for v in only_at[key]):
                return None, f"optimizer {name}'s {_shown(key)[1:-1]}={_shown(value)} is not computed here"
            continue
        if key not in taken:
            return None, f"optimizer {name}'s setting {_shown(key)} is not computed here"
        if key == "learning_rate" and isinstance(value, dict):
            schedule = _schedule(value)
            if isinstance(schedule, str):
                return None, f"optimizer {name}'s {schedule}"
            options["schedule"] = schedule
            continue
        if value is not None:
            options[key] = value
    if "schedule" in options:  # (the rate of its first update; the schedule gives each one's)
        options["learning_rate"] = float(options["schedule"](0))
        options["schedule"] = options["schedule"].plain()
    try:
        cls(**options)  # (its numbers checked as lstmviz.optimizers checks them)
    except (LstmvizError, TypeError) as err:
        said = str(err)
        if said.startswith(f"{cls.__name__} ") and ": " in said:  # ("SGD momentum=2.0: give ...")
            return None, f"optimizer {name}'s {safe_text(said[len(cls.__name__) + 1:], 200)}"
        return None, f"optimizer {name}: {safe_text(said.partition(': ')[2] or said, 200)}"
    return {"class": cls.__name__, "options": options}, None


@dataclass(eq=False)
class SavedState:
    """The optimizer state a Keras 3 file saved after training: ``iterations`` (its
    ``optimizer/vars/0``), ``learning_rate`` (``vars/1``), ``slots`` (``vars/2``, ...: read-only
    float32 arrays in Keras' order), and ``weights``, a digest of each weight array the file
    held (the state is those weights'). Not copied with the model's source (a copy's is the
    same one, as read-only as it); equal to a state of the same numbers (a file read in the
    reader's child comes back as another object: ``io/isolated.py``), its slots read-only
    again after a pickle."""

    iterations: int
    learning_rate: float
    slots: tuple
    weights: frozenset

    def __deepcopy__(self, memo) -> SavedState:
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SavedState):
            return NotImplemented
        return other is self or (
            (self.iterations, self.learning_rate, self.weights)
            == (other.iterations, other.learning_rate, other.weights)
            and len(self.slots) == len(other.slots)
            and all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(self.slots, other.slots)))

    def __hash__(self) -> int:
        return hash((self.iterations, self.weights))

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for slot in self.slots:
            if isinstance(slot, np.ndarray):
                slot.flags.writeable = False

    def __copy__(self) -> SavedState:
        return self


def digest(array) -> bytes:
    """A weight array's fingerprint (its float32 values and shape)."""
    a = np.ascontiguousarray(array, dtype=np.float32)
    h = hashlib.blake2b(str(a.shape).encode(), digest_size=16)
    h.update(a.tobytes())
    return h.digest()


def saved_state(iterations: Any, learning_rate: Any, slots: list, weights: list) -> SavedState | str | None:
    """A ``SavedState`` of what a file's ``optimizer/vars`` hold (``iterations``, the learning
    rate, the slots) and its weight arrays, None where it saved no update (``iterations`` 0:
    as a fresh optimizer), or why it cannot be one (a sentence for the note)."""
    if learning_rate is None:  # (an optimizer given a schedule keeps no rate: its schedule gives it)
        learning_rate = np.float32(1.0)
    it = np.asarray(iterations)
    if it.shape != () or it.dtype.kind not in "iu" or int(it) < 0:
        return f"its iterations (optimizer/vars/0) are {_shown(it.dtype.name)} of shape {it.shape}, not a count"
    if int(it) == 0:
        return None
    lr = np.asarray(learning_rate)
    if lr.shape != () or lr.dtype.kind != "f" or not (math.isfinite(float(lr)) and float(lr) > 0):
        return "its learning rate (optimizer/vars/1) is not a positive number"
    for k, a in enumerate(slots):
        if np.asarray(a).dtype.kind != "f":
            return f"optimizer/vars/{k + 2} holds {_shown(np.asarray(a).dtype.name)}, not floats"
    kept = []
    for a in slots:
        a = np.array(a, dtype=np.float32)
        a.flags.writeable = False
        kept.append(a)
    return SavedState(int(it), float(lr), tuple(kept), frozenset(digest(w) for w in weights))


def read_training_config(config: Any, state: SavedState | str | None = None, keras2: bool = True) -> dict | None:
    """A Keras 2 / tf.keras HDF5 file's ``training_config`` (its ``optimizer_config`` is the
    ``.keras`` file's ``optimizer``), read as ``read_compile_config`` reads a
    ``compile_config``. ``state``: the optimizer state its ``optimizer_weights`` hold
    (``legacy_state``), or why it cannot be read. ``keras2``: the file's model is Keras 1 / 2's
    (its metrics named as tf_keras names them), not Keras 3's legacy HDF5 writer's."""
    if not isinstance(config, dict) or not config:
        return None
    keys = ("loss", "loss_weights", "metrics", "weighted_metrics")
    return read_compile_config({**{k: config[k] for k in keys if k in config},
                                "optimizer": config.get("optimizer_config")}, state, "training_config", keras2)


#: a Keras 2 / tf.keras slot's name (``RMSprop/velocity/dense/kernel:0``, older
#: ``training/RMSprop/dense/kernel/rms:0``) -> lstmviz's slot, per optimizer class
LEGACY_SLOTS = {"Adam": {"m": "m", "v": "v"},
                "RMSprop": {"velocity": "velocity", "rms": "velocity", "momentum": "momentum",
                            "average_gradient": "average_gradient", "mg": "average_gradient"},
                "SGD": {"m": "momentum", "momentum": "momentum"},
                "Adagrad": {"accumulator": "accumulator"}}


def legacy_state(names: list[str], arrays: list, optimizer: dict | None,
                 weights: list) -> SavedState | str | None:
    """The optimizer state a Keras 2 / tf.keras HDF5 file's ``optimizer_weights`` hold
    (``weight_names`` and their arrays), as ``saved_state`` makes a Keras 3 file's: its
    iterations (``iteration:0``, older ``.../iter:0`` or ``.../iterations:0``), its slots put
    in Keras 3's order (``Optimizer.keras_layout``) by their names (tf.keras 2.11+:
    ``RMSprop/velocity/<weight>:0``, each kind a block or interleaved; before:
    ``[training/]RMSprop/<weight>/rms:0``, each kind a block), the k-th of a kind being the
    k-th trainable weight's; the learning rate is the config's (the file keeps none). None
    where it holds no update; why it cannot be read otherwise (a sentence for the note)."""
    if optimizer is None:
        return None
    counts = [k for k, n in enumerate(names) if n.split("/")[-1] in ("iteration:0", "iter:0", "iterations:0")]
    if len(counts) != 1:
        return "no iterations among its weight names" if not counts else "several iterations among its weight names"
    new_style = names[counts[0]] == "iteration:0"
    kinds = LEGACY_SLOTS[optimizer["class"]]
    found: dict[str, list] = {}
    for k, (name, array) in enumerate(zip(names, arrays)):
        if k == counts[0]:
            continue
        parts = name.removesuffix(":0").split("/")
        if parts and parts[0] == "training":
            parts = parts[1:]
        kind = (parts[1] if len(parts) > 2 else "") if new_style else parts[-1]
        if kind not in kinds:
            return f"its weight {_shown(name)} is not a slot {optimizer['class']} keeps"
        found.setdefault(kinds[kind], []).append(array)
    n = len(next(iter(found.values()))) if found else 0
    if any(len(v) != n for v in found.values()):
        return "it holds " + ", ".join(f"{len(v)} {k}" for k, v in found.items()) + ": not one of each per weight"
    cls = CLASSES[optimizer["class"]]
    try:
        layout = cls(**optimizer["options"]).keras_layout(n)
    except (LstmvizError, TypeError):
        return None
    if {name for _, name in layout} != set(found):
        return (f"it holds {', '.join(found) or 'no slots'}, {optimizer['class']} as compiled keeps "
                f"{', '.join(dict.fromkeys(name for _, name in layout)) or 'none'}")
    lr = optimizer["options"].get("learning_rate", _defaults(cls)["learning_rate"])
    return saved_state(arrays[counts[0]], np.float32(lr), [found[name][k] for k, name in layout], weights)


def read_compile_config(config: Any, state: SavedState | str | None = None,
                        what: str = "compile_config", keras2: bool = False) -> dict | None:
    """A ``.keras`` file's ``compile_config`` as ``{"loss": name or None, "optimizer": {...}
    or None, "notes": [...]}`` (see the module's doc), with ``"state"``, the optimizer's
    ``SavedState``, where the file saved one; None where the model was not compiled (no
    config, or an empty one). ``state``: the optimizer state saved with the weights (Keras
    saves it after training): a ``SavedState``, or why it could not be read. ``what``: the config's name in the file
    (``"training_config"`` for a Keras 2 file), which begins each note and is kept as
    ``"config"``. ``keras2``: a Keras 1 / 2 model's (a metric class given by name, ``"AUC"``,
    is then named in the History as tf_keras names it: ``engine.metrics.read``)."""
    if not isinstance(config, dict) or not config:
        return None
    notes: list[str] = []
    loss, why = None, None
    given = config.get("loss")
    if isinstance(given, (list, tuple)) or (isinstance(given, dict) and "class_name" not in given):
        why = "a loss per output is not computed here (one loss of one output is)"
    elif given is not None:
        try:
            loss = canonical(given)
        except LstmvizError as err:
            head = str(err).partition(";")[0]  # ("loss MeanSquaredError(from_logits=True): not supported")
            name = given.get("class_name") if isinstance(given, dict) else given
            why = head if head.endswith("not supported") else f"loss {_shown(name)} is not one lstmviz computes"
    if loss is not None and config.get("loss_weights") not in (None, 1, 1.0, [1], [1.0]):
        loss, why = None, f"loss_weights {_shown(config.get('loss_weights'))} are not computed here"
    if why:
        notes.append(f"{why}; fit and the Train tab need a loss given ({', '.join(NAMES)})")
    optimizer = None
    if config.get("optimizer") is not None:
        optimizer, why = _optimizer(config["optimizer"])
        if why:
            notes.append(f"{why}; fit and the Train tab use the optimizer given ({', '.join(OPTIMIZERS)})")
        elif optimizer is not None and isinstance(state, str):
            notes.append(f"the optimizer's state saved with the weights is not read ({state}): "
                         f"fit starts {optimizer['class']} afresh")
    metrics, why = _metrics(config.get("metrics"), config.get("weighted_metrics"), keras2)
    if why:
        notes.append(why)
    if loss is None and optimizer is None and not notes and not metrics:
        return None
    out: dict[str, Any] = {"loss": loss, "optimizer": optimizer, "notes": [f"{what}: {n}" for n in notes],
                           "config": what}
    if metrics:
        out["metrics"] = metrics
    if optimizer is not None and isinstance(state, SavedState):
        out["state"] = state
    return out


def _schedule(value: dict) -> Any:
    """A learning-rate schedule as a file keeps it (``engine.schedules.Schedule``), or why it
    is not computed: "learning-rate schedule 'CyclicLR' is not one lstmviz computes (...)"."""
    from lstmviz.engine import schedules

    got = schedules.read(value)
    if isinstance(got, str):
        return f"{got} ({', '.join(schedules.CLASSES)} and a fixed learning rate are)"
    return got


def _scheduled(opt: dict) -> str:
    """The compiled optimizer's learning-rate schedule in words, "" where it has none."""
    from lstmviz.engine import schedules

    plain = opt.get("options", {}).get("schedule")
    return schedules.from_plain(plain).words() if plain else ""


def _metrics(config: Any, weighted: Any = None, keras2: bool = False) -> tuple[list[dict], str]:
    """A compiled model's ``metrics`` and ``weighted_metrics`` as the metrics ``fit``
    computes (``engine.metrics``, as plain data: ``{"name", "kind", "options"}``, a weighted
    one's ``"weighted"`` its name as compiled) and a one-line note naming those it does not
    ("" for none)."""
    from lstmviz.engine import metrics as M

    given = M.count(config) + M.count(weighted)
    if given > MAX_METRICS:  # (read whole, a list of 10^6 took minutes; a session keeps 64)
        return [], (f"{plural(given, 'metric', sep=',')} compiled, more than the {MAX_METRICS} lstmviz "
                    "reads: the History leaves them out")
    found, missing = M.read(config, keras2)
    also, not_weighted = M.read_weighted(found, weighted, keras2)
    return [m.plain() for m in found + also], M.note(missing + not_weighted)


def compiled_metrics(model) -> list:
    """The metrics ``model`` was compiled with that ``fit`` computes (``engine.metrics.Metric``,
    ``"accuracy"`` not yet resolved), [] for none."""
    from lstmviz.engine.metrics import Metric

    return [Metric.from_plain(m) for m in (of(model) or {}).get("metrics", [])]


def state_of(model, optimizer: Optimizer | None = None) -> tuple[SavedState | None, str]:
    """(the optimizer state saved with ``model``'s file, "") where it fits ``model`` (and
    ``optimizer``, a fresh one, where given: the compiled class and settings, its learning
    rate aside); (None, why not) where the file saved one that does not, as a one-line note;
    (None, "") where the file saved none."""
    from lstmviz.engine.layers import trainable_arrays  # (when asked: the file readers do without it)

    compiled = of(model)
    state = (compiled or {}).get("state")
    opt = (compiled or {}).get("optimizer")
    if not isinstance(state, SavedState) or not opt:
        return None, ""
    saved = f"the optimizer's state saved after {plural(state.iterations, 'update', sep=',')}"
    afresh = f"{saved} is not taken: {{}}; the optimizer starts afresh"
    compiled_one = CLASSES[opt["class"]](**opt["options"])
    if optimizer is not None:
        if type(optimizer) is not type(compiled_one):
            return None, afresh.format(f"it is the compiled {opt['class']}'s, not {type(optimizer).__name__}'s")
        mine, theirs = _own(optimizer), _own(compiled_one)
        if mine != theirs:
            changed = ", ".join(f"{k}={_number(mine[k])} (compiled: {_number(theirs[k])})"
                                for k in mine if mine[k] != theirs[k])
            return None, afresh.format(f"it is the compiled {opt['class']}'s, and this one's {changed}")
        if optimizer.iterations or optimizer._slots:
            return None, afresh.format("this optimizer has updated weights already")
    arrays = trainable_arrays(model)
    layout = (optimizer or compiled_one).keras_layout(len(arrays))
    if len(layout) != len(state.slots):
        return None, afresh.format(f"it holds {plural(len(state.slots), 'slot')}, "
                                   f"{opt['class']} keeps {len(layout)} for this model's "
                                   f"{plural(len(arrays), 'trainable weight')}")
    for n, ((k, name), slot) in enumerate(zip(layout, state.slots)):
        if slot.shape != np.shape(arrays[k]):
            return None, afresh.format(f"optimizer/vars/{n + 2} ({name} of weight {k}) has shape "
                                       f"{slot.shape}, the weight {np.shape(arrays[k])}")
    if any(digest(a) not in state.weights for a in arrays):
        return None, afresh.format("the model's weights are no longer the file's")
    return state, ""


def _own(optimizer: Optimizer) -> dict:
    """An optimizer's settings but its learning rate (what its state depends on)."""
    keys = [k for k in _settings(type(optimizer)) if k != "learning_rate"]
    return {k: getattr(optimizer, k, None) for k in keys}


def restore(optimizer: Optimizer, model) -> tuple[int, str]:
    """Put the optimizer state saved with ``model``'s file on ``optimizer`` (a fresh one of
    the compiled class and settings; its learning rate stays its own) where it fits
    (``state_of``): (the updates it goes on from, ""); else (0, why not, "" where the file
    saved none)."""
    state, why = state_of(model, optimizer)
    if state is None:
        return 0, why
    from lstmviz.engine.layers import trainable_arrays

    arrays = trainable_arrays(model)
    slots: dict[int, dict[str, np.ndarray]] = {}
    for (k, name), slot in zip(optimizer.keras_layout(len(arrays)), state.slots):
        slots.setdefault(k, {})[name] = slot.copy()
    optimizer._slots = slots
    optimizer._shapes = [tuple(np.shape(a)) for a in arrays]
    optimizer.restored_iterations = state.iterations
    return state.iterations, ""


def describe(compiled: dict, short: bool = False) -> str:
    """"loss mae, optimizer RMSprop(learning_rate=0.005, rho=0.8, clipnorm=1.0)" (the parts
    lstmviz computes), "" for none; ``short``: the optimizer's settings that differ from
    Keras' defaults only (``RMSprop(learning_rate=0.005, rho=0.8)``, ``Adam()``)."""
    parts = []
    if compiled.get("loss"):
        parts.append(f"loss {compiled['loss']}")
    opt = compiled.get("optimizer")
    if opt:
        defaults = _defaults(CLASSES[opt["class"]]) if short else {}
        schedule = _scheduled(opt)
        args = ", ".join(f"{k}={_number(v)}" for k, v in opt["options"].items()
                         if not (k in defaults and _number(v) == _number(defaults[k]))
                         and not (schedule and k in ("learning_rate", "schedule")))
        parts.append(f"optimizer {opt['class']}({args})" + (f" with a {schedule}" if schedule else ""))
    if compiled.get("metrics") and not short:
        parts.append("metrics " + ", ".join(m["name"] for m in compiled["metrics"]))
    return ", ".join(parts)


def _defaults(cls: type[Optimizer]) -> dict[str, Any]:
    """Keras' default of each setting ``cls`` takes (lstmviz's classes take Keras 3's)."""
    params = inspect.signature(cls.__init__).parameters
    return {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}


def state_line(model) -> tuple[str, str]:
    """What the summary says of the optimizer state ``model``'s file saved: ("its state
    saved after 2 updates goes on in fit", "") where it is taken, ("", the note) where it is
    not, ("", "") where there is none."""
    state, why = state_of(model)
    if state is None:
        return "", why
    return f"its state saved after {plural(state.iterations, 'update', sep=',')} goes on in fit", ""


def _number(value: Any) -> str:
    """A setting as Keras writes it in code: a float32-rounded rate as it was typed (0.005)."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return f"{float(f'{value:.7g}')!r}"
    return repr(value)


def of(model) -> dict | None:
    """What ``model`` was compiled with (``read_compile_config``'s), None if nothing."""
    compiled = (getattr(model, "source", None) or {}).get("compile")
    return compiled if isinstance(compiled, dict) else None


def compiled_loss(model, give: str = "give fit a loss") -> str | None:
    """The loss ``model`` was compiled with, None if it was not compiled with one; refused
    in one line where its loss is one lstmviz does not compute, saying ``give`` (the
    command line's "give --loss")."""
    compiled = of(model)
    if compiled is None:
        return None
    if compiled.get("loss") is None:
        said = [n for n in compiled.get("notes", []) if "need a loss given" in n]
        if said:
            raise LstmvizError(f"this model's {said[0].partition('; ')[0]}: {give} "
                               f"({', '.join(NAMES)})")
    return compiled.get("loss")


def compiled_optimizer(model, learning_rate: float | None = None,
                       give: str = "give fit an optimizer") -> Optimizer | None:
    """The optimizer ``model`` was compiled with, None if it was not compiled with one;
    refused in one line where its optimizer is one lstmviz does not compute, saying
    ``give`` (the command line's "give --optimizer"). It starts from
    the state the file saved after training where that fits (``restore``), else afresh; it is
    kept on the model, so a second ``fit`` goes on with it. ``learning_rate`` given: another
    run than the compiled one, an optimizer of its own (from the file's state all the same
    while the model's weights are the file's) with that rate."""
    compiled = of(model)
    if compiled is None:
        return None
    opt = compiled.get("optimizer")
    if opt is None:
        said = [n for n in compiled.get("notes", []) if "use the optimizer given" in n]
        if said:
            raise LstmvizError(f"this model's {said[0].partition('; ')[0]}: {give} "
                               f"({', '.join(OPTIMIZERS)})")
        return None
    if learning_rate is not None:  # (another run than the compiled one: an optimizer of its own)
        own = CLASSES[opt["class"]](**{**opt["options"], "learning_rate": learning_rate})
        restore(own, model)
        return own
    kept = getattr(model, "_compiled_optimizer", None)
    owner = getattr(kept, "_owner", None)
    if not isinstance(kept, Optimizer) or (owner is not None and owner() is not model):  # (a copy's: its own)
        kept = CLASSES[opt["class"]](**opt["options"])
        restore(kept, model)  # (as Keras' load_model restores the state the file saved)
        model._compiled_optimizer = kept  # (Keras' model.optimizer: a second fit continues it)
    return kept


def trained(model, loss: str, optimizer: Optimizer) -> None:
    """Record that ``model`` was trained here with ``loss`` and ``optimizer`` (``fit``'s last
    run), which a ``.keras`` file of it keeps (``for_keras``), as Keras saves the compiled
    model's optimizer."""
    model._trained_with = (loss, optimizer)


def after_run(loss: str, optimizer: Optimizer, metrics: list, model, state: bool = True) -> dict:
    """What ``model``, trained by a run (the Train tab's, put on the stack), is compiled with,
    as a ``.keras`` file of it reads back (``read_compile_config`` of ``for_keras``'): the
    run's ``loss``, ``optimizer`` (its class and settings, a schedule's too) and ``metrics``,
    and ``state``: the optimizer's ``SavedState`` where the run stands, of ``model``'s weights
    (``restore`` puts it on the next run's optimizer while they are still its weights, as
    Keras' next ``fit`` goes on with the compiled optimizer's); False: no state (a snapshot
    before the run's latest update). ``"run"`` marks it the run's, not a file's."""
    from lstmviz.engine.layers import model_arrays, trainable_arrays

    shapes = [tuple(np.shape(a)) for a in trainable_arrays(model)]
    variables = optimizer.keras_variables(shapes) if state else None
    saved = None
    if variables is not None:
        scheduled = getattr(optimizer, "schedule", None) is not None  # (Keras keeps no rate then)
        rate, slots = (None, variables[1:]) if scheduled else (variables[1], variables[2:])
        saved = saved_state(variables[0], rate, slots, model_arrays(model))
    out = read_compile_config(keras_compile_config(loss, optimizer, metrics),
                              saved if isinstance(saved, SavedState) else None) or {}
    out["run"] = True
    return out


@dataclass(eq=False)
class ForKeras:
    """What a ``.keras`` file of a model keeps of its training: ``compile_config`` (as Keras
    3.15's ``get_compile_config`` writes it; None: not compiled), ``variables`` (its
    optimizer's, ``Optimizer.keras_variables``; None: no state) and ``note``, one line on
    what is left out ("" when nothing)."""

    compile_config: dict | None = None
    variables: list | None = None
    note: str = ""


#: the Keras 3 metric class of each metric kind ``engine.metrics`` computes
METRIC_CLASSES = {"binary_accuracy": "BinaryAccuracy", "categorical_accuracy": "CategoricalAccuracy",
                  "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
                  "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
                  "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy",
                  "mse": "MeanSquaredError", "mae": "MeanAbsoluteError", "mape": "MeanAbsolutePercentageError",
                  "msle": "MeanSquaredLogarithmicError", "binary_crossentropy": "BinaryCrossentropy",
                  "categorical_crossentropy": "CategoricalCrossentropy",
                  "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
                  "precision": "Precision", "recall": "Recall", "auc": "AUC"}


def keras_metric(metric) -> Any:
    """An ``engine.metrics.Metric`` as Keras 3.15's ``compile_config`` keeps it: ``"accuracy"``
    (``"acc"``) as the name compiled (Keras resolves it from the shapes, as ``fit`` here), any
    other as its serialised metric object under its name (a weighted one's as compiled), so
    Keras' History names it as this one's."""
    name = metric.weighted if metric.weighted is not None else metric.name
    if metric.kind == "accuracy":
        return name
    return {"module": "keras.metrics", "class_name": METRIC_CLASSES[metric.kind],
            "config": {"name": name, "dtype": "float32", **dict(metric.options)}, "registered_name": None}


def keras_compile_config(loss: str, optimizer: Optimizer, metrics: list | None = None) -> dict:
    """``compile_config`` as Keras 3.15 writes it for ``compile(loss=<name>, optimizer=...,
    metrics=..., weighted_metrics=...)`` (``metrics``: ``engine.metrics.Metric``s, the
    weighted ones going to ``weighted_metrics``; None where there are none)."""
    plain = [keras_metric(m) for m in metrics or [] if m.weighted is None]
    weighted = [keras_metric(m) for m in metrics or [] if m.weighted is not None]
    return {"optimizer": {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
                          "config": optimizer.config(), "registered_name": None},
            "loss": loss, "loss_weights": None, "metrics": plain or None, "weighted_metrics": weighted or None,
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def for_keras(model, loss: str | None = None, optimizer: Optimizer | None = None,
              state: bool | str = True, metrics: list | None = None) -> ForKeras:
    """What a ``.keras`` file of ``model`` keeps of its training (``ForKeras``): ``loss`` and
    ``optimizer`` (a run's: ``lstmviz train``'s, the Train tab's) where given, else the last
    ``fit``'s (``trained``), else what its own file was compiled with (its state while the
    weights are still the file's). ``state`` False, or why not: the optimizer's state is not
    this model's (a snapshot before the run's latest update): the compile_config only, and a
    note. ``metrics``: the run's (``engine.metrics.Metric``), else those the model was
    compiled with that lstmviz computes (``compiled_metrics``), kept in the compile_config."""
    from lstmviz.engine.layers import trainable_arrays

    if metrics is None:
        metrics = compiled_metrics(model)

    if optimizer is None:
        loss, optimizer = getattr(model, "_trained_with", None) or (None, None)
    shapes = [tuple(np.shape(a)) for a in trainable_arrays(model)]
    if optimizer is not None and loss is not None:
        variables = optimizer.keras_variables(shapes) if state is True else None
        done = optimizer.restored_iterations + optimizer.iterations
        note = ""
        if variables is None and done:
            why = (state if isinstance(state, str) else "its slots are not this model's weights'" if state
                   else "it is kept only where the run stands")
            cls = type(optimizer).__name__
            note = f"the {cls} state is not saved, {why}: Keras' fit of this file starts {cls} afresh"
        return ForKeras(keras_compile_config(loss, optimizer, metrics), variables, note)
    compiled = of(model)
    if not compiled:
        return ForKeras()
    opt = compiled.get("optimizer")
    if compiled.get("loss") is None or opt is None:
        what = "loss" if opt is not None else "optimizer" if compiled.get("loss") is not None else "loss nor optimizer"
        return ForKeras(note=f"the file's {compiled.get('config', 'compile_config')} is not saved: lstmviz "
                             f"computes {'neither its ' if 'nor' in what else 'not its '}{what}")
    fresh = CLASSES[opt["class"]](**opt["options"])
    saved, why = state_of(model, fresh) if state is True else (None, "")
    if saved is not None:
        restore(fresh, model)
    return ForKeras(keras_compile_config(compiled["loss"], fresh, metrics),
                    fresh.keras_variables(shapes) if saved is not None else None, why)


# -- kept in a session (``app/session.py``): names, numbers and the state's arrays, no pickle --
#: the keys a session keeps of what a model was compiled with (``read_compile_config``'s, and
#: the app's ``"file"``: the model file it was read from; ``after_run``'s ``"run"``)
SESSION_KEYS = ("loss", "optimizer", "metrics", "notes", "config", "file", "run")
MAX_METRICS = 64
MAX_NOTES = 64


def session_data(compiled: dict) -> tuple[dict, list[np.ndarray]]:
    """What a session keeps of ``compiled`` (``SESSION_KEYS``: JSON's names and numbers) and
    the slots of its saved optimizer state (``SavedState``: its iterations, learning rate and
    the digests of its weights in the data, as hex), one ``.npy`` member each."""
    data: dict[str, Any] = {k: compiled.get(k) for k in SESSION_KEYS if k in compiled}
    state = compiled.get("state")
    if not isinstance(state, SavedState):
        return data, []
    data["state"] = {"iterations": int(state.iterations), "learning_rate": float(state.learning_rate),
                     "weights": sorted(d.hex() for d in state.weights)}
    return data, list(state.slots)


def _session_metrics(data: Any) -> list[dict]:
    """A session's metrics (``Metric.plain()`` each), checked as a file's are: each one of
    those ``engine.metrics`` computes, read back as the same; else ValueError."""
    from lstmviz.engine import metrics as M

    if not isinstance(data, list) or len(data) > MAX_METRICS:
        raise ValueError("its metrics are not a list of metrics")
    out = []
    for item in data:
        if (not isinstance(item, dict) or not {"name", "kind", "options"} <= set(item)
                or not set(item) <= {"name", "kind", "options", "weighted"}
                or not isinstance(item["name"], str) or not isinstance(item["options"], dict)
                or not isinstance(item.get("weighted", ""), str) or item["kind"] not in M.KINDS.values()):
            raise ValueError(f"its metric {_shown(item)} is not one lstmviz computes")
        key = M.setting_not_computed(item["kind"], item["options"])
        if key is not None:
            raise ValueError(f"its metric {_shown(item['name'])}'s {_shown(key)} is not one lstmviz computes")
        item = {**item, "name": safe_name(item["name"])}  # (a History key, shown: as a file's are)
        if "weighted" in item:
            item["weighted"] = safe_name(item["weighted"])
        out.append(item)
    return out


def from_session_data(data: Any, slots: list) -> dict:
    """``session_data``'s the other way, checked as a file's ``compile_config`` is (the loss
    one lstmviz computes, the optimizer's class and settings built, notes as text, the state's
    numbers and slots as ``saved_state`` takes them): the dict ``read_compile_config`` gives,
    or ValueError saying what is wrong (the session refuses it in one line)."""
    if not isinstance(data, dict) or not set(data) <= {*SESSION_KEYS, "state"}:
        raise ValueError("it is not an object of loss, optimizer, metrics, notes, config, file, run and state")
    loss = data.get("loss")
    if loss is not None and (not isinstance(loss, str) or loss not in NAMES):
        raise ValueError(f"its loss {_shown(loss)} is not one lstmviz computes ({', '.join(NAMES)})")
    opt = data.get("optimizer")
    if opt is not None:
        if not isinstance(opt, dict) or set(opt) != {"class", "options"} or not isinstance(opt["options"], dict):
            raise ValueError("its optimizer is not a class and its settings")
        config = dict(opt["options"])
        if "schedule" in config:  # (kept as its plain form: given back as Keras gives it, a rate)
            config.pop("learning_rate", None)
            config["learning_rate"] = config.pop("schedule")
        made, why = _optimizer({"class_name": opt["class"], "config": config})
        if made is None or made != opt:
            raise ValueError(f"its {why or 'optimizer is not one lstmviz computes'}")
    metrics = _session_metrics(data.get("metrics", []))
    notes = data.get("notes", [])
    if not isinstance(notes, list) or len(notes) > MAX_NOTES or not all(isinstance(n, str) for n in notes):
        raise ValueError("its notes are not a list of texts")
    config_name = data.get("config", "compile_config")
    if config_name not in ("compile_config", "training_config"):
        raise ValueError(f"it names the config {_shown(config_name)} (compile_config or training_config)")
    file = data.get("file")
    if file is not None and (not isinstance(file, str) or not file or len(file) > 4096):
        raise ValueError("the file it names is not a path")
    out: dict[str, Any] = {"loss": loss, "optimizer": opt, "notes": [safe_text(n, 1000) for n in notes],
                           "config": config_name}
    if metrics:
        out["metrics"] = metrics
    if file is not None:
        out["file"] = safe_text(file, 4096)
    if data.get("run") is not None:  # (the Train tab's run put on the stack: ``after_run``)
        if data["run"] is not True:
            raise ValueError(f"its run mark {_shown(data['run'])} is not true")
        out["run"] = True
    state = data.get("state")
    if state is None:
        if slots:
            raise ValueError("it holds optimizer slots but no state")
        return out
    if opt is None or not isinstance(state, dict) or set(state) != {"iterations", "learning_rate", "weights"}:
        raise ValueError("its optimizer state is not iterations, a learning rate and weights of an optimizer")
    count, lr, weights = state["iterations"], state["learning_rate"], state["weights"]
    if not is_whole(count, 1, 2 ** 63 - 1):
        raise ValueError("its optimizer state's iterations are not a count of updates")
    if not (is_number(lr) and math.isfinite(lr) and lr > 0):
        raise ValueError("its optimizer state's learning rate is not a positive number")
    if not isinstance(weights, list) or not all(isinstance(h, str) and len(h) == 32 for h in weights):
        raise ValueError("its optimizer state's weights are not digests")
    try:
        digests = frozenset(bytes.fromhex(h) for h in weights)
    except ValueError:
        raise ValueError("its optimizer state's weights are not digests") from None
    made_state = saved_state(np.int64(count), np.float32(lr), slots, [])
    if not isinstance(made_state, SavedState):
        raise ValueError(f"its optimizer state cannot be read: {made_state}")
    out["state"] = SavedState(made_state.iterations, float(lr), made_state.slots, digests)
    return out
