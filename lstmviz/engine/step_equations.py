"""What a layer that maps each step on its own with weights computes for one output
number, as the Cell view prints it (its step page: ``app/step_ref.py`` fills the numbers
in): a Dense's ``y_t[u] = act(W[:,u]·x_t + b[u])``, a Conv1D's sum over its kernel's taps
in the same form; a Softmax's or LayerNormalization's over the steps, with what it reads of
every step (``softmax_over_steps``, ``norm_over_steps``). Said once here, as ``cells.py``
says the recurrent cells' equations; ``layers.Dense.equations``, ``conv.Conv1D.equations``
and ``layers_more``' ``Softmax.equations`` and ``LayerNormalization.equations`` give them."""

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


#: taps written out one by one in a convolution's equations up to this many, else their sum
TERMS_MAX = 8


def tap_index(stride: int, dilation: int, before: int) -> str:
    """Which input step tap ``k`` of output step ``t`` reads, as the equations write it:
    ``t·stride + k·dilation − zeros before`` ("t+k", "2t+k-1"): a Keras Conv1D's or
    pooling's (``conv._OverSteps.read_index``) and an ONNX Conv's or pool's
    (``onnx_layers.OnnxWindowOp.read_index``)."""
    text = ("t" if stride == 1 else f"{stride}t") + "+" + ("k" if dilation == 1 else f"{dilation}k")
    return text + (f"-{before}" if before else "")


def conv_equations(config: dict, index: str, taps: int, groups: int,
                   kernel: str = "W_k[:,f]") -> list[EquationTemplate]:
    """A convolution's equation templates for its output number ``f`` at a step: ``y_t[f] =
    act(Σₖ W_k[:,f]·x_{t+k} + b[f])`` (``dense_equations``' form), ``index`` the input step
    tap k reads (``tap_index``), ``kernel`` how one tap's weights of filter f are written
    (Keras' ``W_k[:,f]``, ONNX's ``W[f,:,k]``); the fields ``{w0}``, ``{w1}``, ... each tap's
    product with its step (0 where it reads the padding), or ``{wx}`` their sum past
    ``TERMS_MAX`` taps, ``{b}``, ``{pre}``, ``{y}``."""
    group = "[g]" if groups > 1 else ""  # (a filter reads its group's channels)
    wx = f"Σₖ {kernel}·x_{{{index}}}{group}"
    terms = ("{w0}" + "".join(f" + {{w{k}:t}}" for k in range(1, taps))) if taps <= TERMS_MAX else "{wx}"
    return dense_equations(config, True, "f", wx, terms)


def pool_equations(takes: str, index: str, taps: int, reads: list[bool], note: str,
                   count: int | None = None) -> list[EquationTemplate]:
    """A pooling's equation templates for its output number ``y_t[c]``: the largest
    (``takes`` "max") or the mean of channel c over its window's taps, ``index`` the input
    step tap k reads (``tap_index``); the fields ``{x0}``, ``{x1}``, ... each tap's number,
    of the taps that read a step (``reads``: the padding is never read), ``{sum}`` (a
    mean's, added tap after tap) and ``{y}``; a mean divides by ``count`` (the taps that
    read a step where None; an ONNX AveragePool of count_include_pad its pads too), ``note``
    what k runs over and what n is, in words ("the padding not read")."""
    got = [k for k, r in enumerate(reads) if r]
    x = f"x_{{{index}}}[c]"
    ks = f"k = 0…{taps - 1}" + (f", {note}" if note else "")
    if takes == "max":
        return [EquationTemplate("y", f"y_t[c] = maxₖ {x}  ({ks})",
                                 "max(" + ", ".join(f"{{x{k}}}" for k in got) + ") = {y}")]
    n = len(got) if count is None else int(count)
    said = "the steps it reads" if count is None else "the taps it counts"
    terms = " + ".join(f"{{x{k}}}" if i == 0 else f"{{x{k}:t}}" for i, k in enumerate(got))
    return [EquationTemplate("y", f"y_t[c] = Σₖ {x} / n  ({ks}; n: {said})",
                             f"({terms}) / {n} = {{sum}} / {n} = {{y}}")]


def softmax_over_steps() -> list[EquationTemplate]:
    """A Softmax over the steps' (attention weights over time) templates for its output
    number ``y_t[u]``: unit u's share at step t of its exp over every step s of the sequence,
    less their largest, m[u], first (``layers_more.Softmax.forward``). Fields ``{x}``
    (x_t[u]), ``{m}``, ``{S}`` (Σₛ exp(x_s[u] − m[u])), ``{e}`` (exp(x_t[u] − m[u])) and
    ``{y}``; m and S are the trace's record of the layer (``LayerTrace.stats``)."""
    return [EquationTemplate(
        "y", "y_t[u] = exp(x_t[u] − m[u]) / S[u]  (m[u] = maxₛ x_s[u], S[u] = Σₛ exp(x_s[u] − m[u]); "
             "s: every step of the sequence)",
        "exp({x} − {m:t}) / {S} = {e} / {S} = {y}")]


def norm_over_steps(features: bool, epsilon: float, gamma: bool, beta: bool,
                    rms: bool = False) -> list[EquationTemplate]:
    """A LayerNormalization over the steps' templates for its output number ``y_t[u]``: x_t[u]
    less the mean μ over every step (of feature u, or of every feature too: ``features``),
    times r = 1 / √(σ² + ε), times γ, plus β, in ``layers_more.LayerNormalization``'s order
    (Keras 3's ``rms_scaling``: x_t[u] · r · γ, not less μ). Fields ``{x}`` (x_t[u]),
    ``{mean}``, ``{var}``, ``{r}``, ``{gamma}``, ``{beta}`` and ``{y}``; μ and σ² are the
    trace's record of the layer (``LayerTrace.stats``)."""
    at = "" if features else "[u]"
    over = "every step and feature" if features else "every step s of feature u"
    idx = "[t,u]" if features else "[t]"  # (γ and β along its axes: each step's own)
    lhs = f"x_t[u] · r{at}" if rms else f"(x_t[u] − μ{at}) · r{at}"
    num = "{x} · {r}" if rms else "({x} − {mean:t}) · {r}"
    if gamma:
        lhs, num = lhs + f" · γ{idx}", num + " · {gamma:t}"
    if beta:
        lhs, num = lhs + f" + β{idx}", num + " + {beta:t}"
    stats = f"σ²{at}: the variance" if rms else f"μ{at}, σ²{at}: the mean and variance"
    return [EquationTemplate("r", f"r{at} = 1 / √(σ²{at} + ε)  ({stats} of x over {over}; ε = {epsilon:g})",
                             f"1 / √({{var}} + {epsilon:g}) = {{r}}"),
            EquationTemplate("y", f"y_t[u] = {lhs}", f"{num} = {{y}}")]


def unit_name(letter: str) -> str:
    """A unit's letter in words: ``f`` a Conv1D's filter, else a unit."""
    return "filter" if letter == "f" else "unit"
