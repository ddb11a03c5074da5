"""Keras' learning-rate schedules (``keras/src/optimizers/schedules/learning_rate_schedule.py``,
Keras 3.15; tf_keras 2.21's compute the same), as an optimizer compiled with one computes its
rate for each update: ``schedule(step)``, ``step`` the optimizer's ``iterations`` before the
update (0 for a fresh optimizer's first; a restored one's go on from the file's count), in
float32 as Keras computes it from a float ``initial_learning_rate``.

``read`` takes a schedule as a file keeps it (``{"class_name": "PolynomialDecay", "config":
{...}}``, Keras 3's with ``"module"``, tf_keras' without), or says in a few words why it is not
computed; ``Schedule.words`` says it for the Train tab and the summary; ``Schedule.keras`` is
what Keras 3's optimizer ``get_config`` writes of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstmviz.errors import is_number, within_float32
from lstmviz.text import plural, safe_text

f32 = np.float32

#: each schedule's settings with Keras' defaults (None: required)
CLASSES: dict[str, dict] = {
    "ExponentialDecay": {"initial_learning_rate": None, "decay_steps": None, "decay_rate": None,
                         "staircase": False},
    "PiecewiseConstantDecay": {"boundaries": None, "values": None},
    "PolynomialDecay": {"initial_learning_rate": None, "decay_steps": None, "end_learning_rate": 0.0001,
                        "power": 1.0, "cycle": False},
    "InverseTimeDecay": {"initial_learning_rate": None, "decay_steps": None, "decay_rate": None,
                         "staircase": False},
    "CosineDecay": {"initial_learning_rate": None, "decay_steps": None, "alpha": 0.0, "warmup_target": None,
                    "warmup_steps": 0},
    "CosineDecayRestarts": {"initial_learning_rate": None, "first_decay_steps": None, "t_mul": 2.0,
                            "m_mul": 1.0, "alpha": 0.0},
}
FLAGS = ("staircase", "cycle")
#: most boundaries of a PiecewiseConstantDecay (each update's rate looks through them: a
#: file of 10^6 took seconds to read and wrote a line of megabytes)
MAX_BOUNDARIES = 1000
#: the pieces ``words`` writes out of a PiecewiseConstantDecay (the rest: "N more")
WORDS_PIECES = 4


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule: its Keras class and settings (every one, Keras' defaults
    filled in), plain data a model's ``source`` can keep."""

    kind: str
    settings: tuple

    @property
    def s(self) -> dict:
        return dict(self.settings)

    def __call__(self, step: int) -> np.float32:
        """The rate of the update after ``step`` updates, as Keras computes it (float32)."""
        s = self.s
        t = f32(step)
        with np.errstate(all="ignore"):
            if self.kind == "PiecewiseConstantDecay":
                bounds, values = s["boundaries"], [f32(v) for v in s["values"]]
                for b, v in zip(bounds, values):
                    if step <= b:
                        return v
                return values[-1]
            lr0 = f32(s["initial_learning_rate"])
            if self.kind in ("ExponentialDecay", "InverseTimeDecay"):
                p = t / f32(s["decay_steps"])
                if s["staircase"]:
                    p = np.floor(p)
                if self.kind == "ExponentialDecay":
                    return f32(lr0 * np.power(f32(s["decay_rate"]), p))
                return f32(lr0 / (f32(1) + f32(s["decay_rate"]) * p))
            if self.kind == "PolynomialDecay":
                end, steps = f32(s["end_learning_rate"]), f32(s["decay_steps"])
                if s["cycle"]:
                    steps = steps * (f32(1) if step == 0 else np.ceil(t / steps))
                else:
                    t = min(t, steps)
                return f32((lr0 - end) * np.power(f32(1) - t / steps, f32(s["power"])) + end)
            if self.kind == "CosineDecay":
                steps, alpha = f32(s["decay_steps"]), f32(s["alpha"])
                target = s["warmup_target"]
                if target is None:
                    return _cosine(min(t, steps), steps, lr0, alpha)
                warm = f32(s["warmup_steps"])
                t = min(t, steps + warm)
                if t < warm:
                    return f32((f32(target) - lr0) * (t / warm) + lr0)
                return _cosine(t - warm, steps, f32(target), alpha)
            # CosineDecayRestarts
            first, alpha = f32(s["first_decay_steps"]), f32(s["alpha"])
            t_mul, m_mul = f32(s["t_mul"]), f32(s["m_mul"])
            done = t / first
            if t_mul == f32(1):
                restart = np.floor(done)
                done = done - restart
            else:
                restart = np.floor(np.log(f32(1) - done * (f32(1) - t_mul)) / np.log(t_mul))
                sum_r = (f32(1) - np.power(t_mul, restart)) / (f32(1) - t_mul)
                done = (done - sum_r) / np.power(t_mul, restart)
            decayed = f32(0.5) * np.power(m_mul, restart) * (f32(1) + np.cos(f32(math.pi) * done))
            return f32(lr0 * ((f32(1) - alpha) * decayed + alpha))

    def words(self) -> str:
        """The schedule in words, for the Train tab and the summary."""
        s = self.s
        n = _n
        if self.kind == "PiecewiseConstantDecay":
            v, b = s["values"], s["boundaries"]
            parts = [f"{n(v[0])} while iterations <= {_c(b[0])}"] + [f"{n(x)} while <= {_c(hi)}"
                                                                     for x, hi in zip(v[1:-1], b[1:])]
            if len(parts) > WORDS_PIECES + 1:  # (one line: the first pieces, the last)
                parts = parts[:WORDS_PIECES] + [f"{plural(len(parts) - WORDS_PIECES - 1, 'piece')} more",
                                                parts[-1]]
            return "learning rate " + ", ".join(parts) + f", then {n(v[-1])} (PiecewiseConstantDecay)"
        lr0 = n(s["initial_learning_rate"])
        if self.kind == "ExponentialDecay":
            how = "every" if s["staircase"] else "over each"
            return (f"learning rate {lr0} times {n(s['decay_rate'])} {how} {_u(s['decay_steps'])}"
                    + (" (in steps)" if s["staircase"] else "") + " (ExponentialDecay)")
        if self.kind == "InverseTimeDecay":
            return (f"learning rate {lr0} / (1 + {n(s['decay_rate'])} x updates / {_c(s['decay_steps'])}"
                    + (", in steps" if s["staircase"] else "") + ") (InverseTimeDecay)")
        if self.kind == "PolynomialDecay":
            again = ", again and again over multiples of them" if s["cycle"] else ""
            return (f"learning rate {lr0} down to {n(s['end_learning_rate'])} over {_u(s['decay_steps'])} "
                    f"(power {n(s['power'])}{again}; PolynomialDecay)")
        if self.kind == "CosineDecay":
            warm = ""
            top = lr0
            if s["warmup_target"] is not None:
                top = n(s["warmup_target"])
                warm = f"up from {lr0} to {top} over {_u(s['warmup_steps'])}, then "
            return (f"learning rate {warm}{top} down a cosine to {n(f32(s['alpha']) * f32(float(top)))} over "
                    f"{_u(s['decay_steps'])} (CosineDecay)")
        return (f"learning rate {lr0} down a cosine over {_u(s['first_decay_steps'])}, restarting "
                f"(periods x{n(s['t_mul'])}, peaks x{n(s['m_mul'])}; CosineDecayRestarts)")

    def keras(self) -> dict:
        """As Keras 3.15's optimizer ``get_config`` writes it (``schedules.serialize``)."""
        config = {k: list(v) if isinstance(v, tuple) else v for k, v in self.s.items()}
        return {"module": "keras.optimizers.schedules", "class_name": self.kind,
                "config": {**config, "name": self.kind}, "registered_name": None}

    def plain(self) -> dict:
        return {"class_name": self.kind, "config": {k: list(v) if isinstance(v, tuple) else v
                                                    for k, v in self.s.items()}}


def _cosine(step, steps, top, alpha):
    decayed = f32(0.5) * (f32(1) + np.cos(f32(math.pi) * (step / steps)))
    return f32(top * ((f32(1) - alpha) * decayed + alpha))


def _c(value) -> str:
    """A count of updates as the Train tab writes its others, with thousands commas
    ("7,812,500", as ``text.plural(..., sep=",")``); ``_n``'s where it is not whole."""
    said = _n(value)
    return f"{int(said):,}" if said.lstrip("-").isdigit() else said


def _u(value) -> str:
    """"7,812,500 updates", "1 update": a count of updates in ``text.plural``'s form, as the
    Train tab says its others ("1,362,326 updates"); ``_n``'s where it is not whole."""
    said = _n(value)
    return plural(int(said), "update", sep=",") if said.lstrip("-").isdigit() else f"{said} updates"


def _n(value) -> str:
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{float(f'{value:.7g}')!r}" if isinstance(value, float) else str(value)


def read(spec) -> Schedule | str:
    """The schedule a file keeps as ``spec``, or why it is not computed (a few words)."""
    if not isinstance(spec, dict):
        return f"learning rate {safe_text(repr(spec), 40)} is not a number nor a schedule"
    kind = spec.get("class_name")
    config: dict = spec["config"] if isinstance(spec.get("config"), dict) else {}
    name = safe_text(repr(kind), 40)
    if not isinstance(kind, str) or kind not in CLASSES:
        return f"learning-rate schedule {name} is not one lstmviz computes"
    settings: dict[str, Any] = {}
    for key, default in CLASSES[kind].items():
        value = config.get(key, default)
        if key in FLAGS:
            if not isinstance(value, bool):
                return f"{kind}'s {key}={safe_text(repr(value), 40)} is not True or False"
        elif key in ("boundaries", "values"):
            if isinstance(value, (list, tuple)) and len(value) > MAX_BOUNDARIES + 1:
                return (f"{kind}'s {len(value):,} {key}: lstmviz computes up to {MAX_BOUNDARIES:,} "
                        f"boundaries ({MAX_BOUNDARIES + 1:,} values)")
            if (not isinstance(value, (list, tuple)) or not value or not all(is_number(v) for v in value)
                    or not all(math.isfinite(v) for v in value if isinstance(v, float))):
                return f"{kind}'s {key} are not numbers"
            if not all(within_float32(v) for v in value):  # (an int past a float's: math.isfinite's
                # OverflowError, not a note)
                return f"{kind}'s {key} hold a number beyond float32's range"
        elif value is None and key == "warmup_target":
            pass
        elif not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
            # (an int of 400 digits is a number: beyond float32's range, below; math.isfinite
            # raised OverflowError on it, an unhandled error opening the file)
            return f"{kind}'s {key}={safe_text(repr(value), 40)} is not a number"
        elif not within_float32(value):  # (Keras computes in float32: it would be inf, the rates nan)
            return f"{kind}'s {key}={safe_text(repr(value), 40)} is beyond float32's range"
        settings[key] = tuple(value) if isinstance(value, list) else value
    extra = [k for k in config if k not in CLASSES[kind] and k != "name"]
    if extra:
        return f"{kind}'s setting {safe_text(repr(extra[0]), 40)} is not computed here"
    if kind == "PiecewiseConstantDecay" and len(settings["values"]) != len(settings["boundaries"]) + 1:
        return "PiecewiseConstantDecay needs one value more than boundaries"
    steps = settings.get("decay_steps", settings.get("first_decay_steps"))
    if steps is not None and not f32(steps) > 0:  # (1e-300 is 0 in float32: every rate nan)
        how = " in float32, as Keras computes them" if steps > 0 else ""
        return f"{kind}'s decay steps {safe_text(repr(steps), 40)} are not positive{how}"
    return Schedule(kind, tuple(settings.items()))


def from_plain(data: dict) -> Schedule:
    got = read(data)
    assert isinstance(got, Schedule)
    return got
