"""What a Keras 3 model was compiled with (a ``.keras`` file's ``compile_config``), read as
names and numbers only, for ``fit``'s and the Train tab's defaults.

``read_compile_config`` turns the file's JSON into plain data kept in ``ModelSpec.source``
(``"compile"``): the loss by ``losses.canonical`` (``"mae"``), the optimizer as its class
and settings (``{"class": "RMSprop", "options": {"learning_rate": 0.005, "rho": 0.8,
"clipnorm": 1.0}}``, checked by building ``optimizers.OPTIMIZERS``' class with them), and a
one-line note for each part lstmviz does not compute (a loss or optimizer it has not, an
optimizer setting such as ``weight_decay``, a learning-rate schedule, metrics, loss
weights, an optimizer state saved after training). Nothing in the config is imported,
evaluated or called: an unknown name is a note, never an error.

``compiled_loss`` / ``compiled_optimizer`` give them back to ``fit`` (the optimizer made once
per model and kept, as Keras' ``model.optimizer``), or None where the model has none, or a
one-line refusal where it has one lstmviz does not compute (``fit`` is then given one).
"""

from __future__ import annotations

import inspect
import math
from typing import Any

from lstmviz.engine.losses import NAMES, canonical
from lstmviz.engine.optimizers import OPTIMIZERS, Optimizer
from lstmviz.errors import LstmvizError, is_number
from lstmviz.text import safe_text

#: Keras' optimizer classes lstmviz computes, by the ``class_name`` a config gives
CLASSES = {cls.__name__: cls for cls in OPTIMIZERS.values()}
#: Keras 3 optimizer settings that compute what lstmviz computes only at these values
ONLY_AT = {"weight_decay": (None, 0), "use_ema": (False,), "loss_scale_factor": (None, 1),
           "gradient_accumulation_steps": (None, 1), "amsgrad": (False,)}
#: settings that change nothing here (its name; the EMA's, while ``use_ema`` is off)
IGNORED = ("name", "ema_momentum", "ema_overwrite_frequency")
#: ``compile_config`` keys that change nothing of the loss and the updates
RUN_KEYS = ("run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss", "weighted_metrics")


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
    cls = CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        return None, f"optimizer {_shown(name)} is not one lstmviz computes"
    if not isinstance(config, dict):
        config = {}
    taken = _settings(cls)
    options: dict[str, Any] = {}
    for key, value in config.items():
        if key in IGNORED:
            continue
        if key in ONLY_AT:
            if not any(value is v or (is_number(value) and is_number(v) and value == v) for v in ONLY_AT[key]):
                return None, f"optimizer {name}'s {_shown(key)[1:-1]}={_shown(value)} is not computed here"
            continue
        if key not in taken:
            return None, f"optimizer {name}'s setting {_shown(key)} is not computed here"
        if key == "learning_rate" and isinstance(value, dict):
            what = value.get("class_name")
            return None, (f"optimizer {name}'s learning-rate schedule {_shown(what)} is not computed here "
                          "(a fixed learning rate is)")
        if value is not None:
            options[key] = value
    try:
        cls(**options)  # (its numbers checked as lstmviz.optimizers checks them)
    except (LstmvizError, TypeError) as err:
        return None, f"optimizer {name}: {str(err).partition(': ')[2] or err}"
    return {"class": cls.__name__, "options": options}, None


def read_compile_config(config: Any, saved_updates: int = 0) -> dict | None:
    """A ``.keras`` file's ``compile_config`` as ``{"loss": name or None, "optimizer": {...}
    or None, "notes": [...]}`` (see the module's doc); None where the model was not compiled
    (no config, or an empty one). ``saved_updates``: the iterations of the optimizer state
    saved with the weights (Keras saves it after training), which lstmviz does not read."""
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
        elif saved_updates and optimizer is not None:
            notes.append(f"the optimizer's state saved after {saved_updates:,} update{'s' * (saved_updates != 1)} "
                         f"(its moments) is not read: fit starts {optimizer['class']} afresh")
    metrics = config.get("metrics")
    if metrics:
        notes.append(f"metrics {_shown(metrics)} are not computed here (the History holds loss and val_loss)")
    if loss is None and optimizer is None and not notes:
        return None
    return {"loss": loss, "optimizer": optimizer, "notes": [f"compile_config: {n}" for n in notes]}


def describe(compiled: dict) -> str:
    """"loss mae, optimizer RMSprop(learning_rate=0.005, rho=0.8, clipnorm=1.0)" (the parts
    lstmviz computes), "" for none."""
    parts = []
    if compiled.get("loss"):
        parts.append(f"loss {compiled['loss']}")
    opt = compiled.get("optimizer")
    if opt:
        args = ", ".join(f"{k}={_number(v)}" for k, v in opt["options"].items())
        parts.append(f"optimizer {opt['class']}({args})")
    return ", ".join(parts)


def _number(value: Any) -> str:
    """A setting as Keras writes it in code: a float32-rounded rate as it was typed (0.005)."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return f"{float(f'{value:.7g}')!r}"
    return repr(value)


def of(model) -> dict | None:
    """What ``model`` was compiled with (``read_compile_config``'s), None if nothing."""
    compiled = (getattr(model, "source", None) or {}).get("compile")
    return compiled if isinstance(compiled, dict) else None


def compiled_loss(model) -> str | None:
    """The loss ``model`` was compiled with, None if it was not compiled with one; refused
    in one line where its loss is one lstmviz does not compute."""
    compiled = of(model)
    if compiled is None:
        return None
    if compiled.get("loss") is None:
        said = [n for n in compiled.get("notes", []) if "need a loss given" in n]
        if said:
            raise LstmvizError(f"this model's {said[0].partition('; ')[0]}: give fit a loss "
                               f"({', '.join(NAMES)})")
    return compiled.get("loss")


def compiled_optimizer(model, learning_rate: float | None = None) -> Optimizer | None:
    """A fresh optimizer as ``model`` was compiled with (``learning_rate`` in place of its
    own where given), None if it was not compiled with one; refused in one line where its
    optimizer is one lstmviz does not compute."""
    compiled = of(model)
    if compiled is None:
        return None
    opt = compiled.get("optimizer")
    if opt is None:
        said = [n for n in compiled.get("notes", []) if "use the optimizer given" in n]
        if said:
            raise LstmvizError(f"this model's {said[0].partition('; ')[0]}: give fit an optimizer "
                               f"({', '.join(OPTIMIZERS)})")
        return None
    if learning_rate is not None:  # (another run than the compiled one: an optimizer of its own)
        return CLASSES[opt["class"]](**{**opt["options"], "learning_rate": learning_rate})
    kept = getattr(model, "_compiled_optimizer", None)
    owner = getattr(kept, "_owner", None)
    if not isinstance(kept, Optimizer) or (owner is not None and owner() is not model):  # (a copy's: its own)
        kept = CLASSES[opt["class"]](**opt["options"])
        model._compiled_optimizer = kept  # (Keras' model.optimizer: a second fit continues it)
    return kept
