"""What a layer that maps each step on its own with weights computes for one output
number, as the Cell view prints it (its step page: ``app/step_ref.py`` fills the numbers
in): a Dense's ``y_t[u] = act(W[:,u]·x_t + b[u])``, a Conv1D's sum over its kernel's taps
in the same form. Said once here, as ``cells.py`` says the recurrent cells' equations;
``layers.Dense.equations`` and ``conv.Conv1D.equations`` give them."""

from __future__ import annotations

from lstmviz.engine.cells import EquationTemplate, _esc, act_name


def dense_equations(config: dict, steps: bool = True, unit: str = "u", wx: str | None = None,
                    terms: str = "{wx}") -> list[EquationTemplate]:
    """A Dense's equation templates for its output number ``unit`` at a step (see
    ``Dense.equations``), a Conv1D's too (``conv.Conv1D.equations``: ``wx`` its sum over
    the kernel's taps, ``terms`` their fields). Fields: ``{wx}``, ``{b}``, ``{pre}``,
    ``{y}``; ``_t`` where the layer steps (``steps``)."""
    act = act_name(config.get("activation"))
    t = "_t" if steps else ""
    wx = wx or f"W[:,{unit}]·x{t}"
    z, y = f"z{t}", f"y{t}[{unit}]"
    use_bias = bool(config.get("use_bias", True))
    inner = f"{wx} + b[{unit}]" if use_bias else wx
    sums = f"{terms} + {{b:t}}" if use_bias else terms
    single = terms == "{wx}" and not use_bias  # (one number: nothing to add up)
    if act in ("softmax", "log_softmax"):
        # a unit's share of all the units' sums, as Keras computes it: less their largest,
        # m, first (``activations.softmax``); fields ``{m}``, ``{e}`` (exp(z[u] − m)) and
        # ``{sum}`` (Σⱼ exp(z[j] − m)) besides
        over = f"j: the step's {unit_name(unit)}s" if steps else f"j: every {unit_name(unit)}"
        first = EquationTemplate("pre", f"{z}[{unit}] = {inner}", "{pre}" if single else f"{sums} = {{pre}}")
        if act == "softmax":
            return [first, EquationTemplate(
                "y", f"{y} = exp({z}[{unit}] − m) / Σⱼ exp({z}[j] − m)  ({over}; m: the largest {z}[j])",
                "exp({pre} − {m:t}) / {sum} = {e} / {sum} = {y}")]
        return [first, EquationTemplate(
            "y", f"{y} = {z}[{unit}] − m − log Σⱼ exp({z}[j] − m)  ({over}; m: the largest {z}[j])",
            "{pre} − {m:t} − log({sum}) = {y}")]
    if act == "linear":
        return [EquationTemplate("y", f"{y} = {inner}", "{y}" if single else f"{sums} = {{y}}")]
    a = _esc(act)
    numeric = f"{a}({{wx}}) = {{y}}" if single else f"{a}({sums}) = {a}({{pre}}) = {{y}}"
    return [EquationTemplate("y", f"{y} = {act}({inner})", numeric)]


def unit_name(letter: str) -> str:
    """A unit's letter in words: ``f`` a Conv1D's filter, else a unit."""
    return "filter" if letter == "f" else "unit"
