"""What each view draws, in words, for a screen reader (no Qt: ``ui/accessible.py`` sets
the words as the view's accessible description). Every number is read from the trace or
the model the view draws (the record at the cursor's sample, step and unit), printed as
the views print it (``cell_ref.fmt``), never computed again; a name from a file is
written as it is (the words are plain text, never markup)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from lstmviz.app.cell_ref import (
    CellRef,
    across_axes,
    across_said,
    cell_ref,
    fmt,
    input_source,
    layer_words,
    mixed_said,
    mixed_steps,
    moved_output_said,
    moved_said,
    steps_below,
)
from lstmviz.app.counts import count
from lstmviz.app.output_ref import output_ref
from lstmviz.app.step_ref import StepRef, same_weights, step_ref
from lstmviz.app.step_ref import equations as step_equations
from lstmviz.engine.cells import CELLS
from lstmviz.engine.trace import steps_first, whole_steps
from lstmviz.text import plural

#: a record's name in words: the gates by their meaning (engine/cells.py), the states
MEANING: dict[str, str] = {
    **{g.key: f"{g.meaning} {g.key}" if g.meaning != "candidate" else "candidate"
       for kind in CELLS.values() if kind.k > 1 for g in kind.gates},
    "h": "hidden state h",
    "c": "cell state c",
}


def _said(keys: Iterable[str], value) -> str:
    return ", ".join(f"{MEANING.get(k, k)} = {fmt(value(k))}" for k in keys)


def cell_at(ref: CellRef, s: int, t: int, u: int) -> str:
    """Unit ``u``'s numbers at step ``t`` of sample ``s``, as the Cell view's charts show
    them: the states entering the step, each gate, the states it leaves."""
    rec = ref.rec
    states = [k for k in ("h", "c") if k in ref.cell.states]
    parts = []
    entering = _said(states, lambda k: ref.prev(k, s, t)[u])
    if entering:
        parts.append(f"entering: {entering}")
    gates = _said(ref.cell.gate_keys, lambda k: rec.steps[k][s, t, u])
    if gates:
        parts.append(gates)
    parts.append("out: " + _said(states, lambda k: rec.steps[k][s, t, u]))
    said = "; ".join(parts) + "."
    if ref.masked(s, t):
        said += " Masked step: the states are carried over."
    return said


def _where(ref: CellRef, s: int, t: int, u: int, total: int | None, start: int, sample_base: int,
           model=None, trace=None) -> str:
    """"lstm (LSTM, 8 units), step 5 of 40, sample 0, unit 3" (the step as the header
    counts it: a long input's window adds its start; the input step where it differs; after
    a strided Conv1D or pooling, the step of the layer below it reads, "(pool's step 5)", as
    the views' headers say it: ``steps_below``)."""
    o = int(ref.rec.start)
    step = t + o
    of = f" of {count(total)}" if total else ""
    below = steps_below(model, ref.name)
    moved = None
    if below is not None:  # (its columns' steps: the layer's own, in input order)
        read = steps_first(trace, ref.name) + ref.input_index(t)
        word = f"{below}'s step"
        # (after a Cropping1D, ZeroPadding1D or UpSampling1D: the input step read, at once)
        moved = moved_said(model, trace, ref.name, read, bold=False)
    else:
        read = ref.input_step(t, o if ref.rec.total is not None and not ref.backwards else start)
        word = "input step"
    again = f" ({word} {count(read)}{', processed right to left' if ref.backwards else ''})" \
        if read != step or ref.backwards or below is not None else ""
    if model is not None and ref.name in mixed_steps(model):  # (over two input steps, as the header says)
        again = f" ({mixed_said(read, total or ref.T, bold=False)})"
    elif moved is not None:
        again = f" ({moved}{', processed right to left' if ref.backwards else ''})"
    side = f" {ref.side}" if ref.side else ""
    if ref.side and ref.side.startswith("cell_"):  # (a stack of cells' cell: "r (cell 1)", as the views say it)
        side = ref.label[len(ref.name):]
    return (f"{ref.name}{side} ({ref.kind}, {plural(ref.units, 'unit')}), step {count(step)}{of}{again}, "
            f"sample {s + sample_base}, unit {u}")


def _total(trace, ref: CellRef) -> int:
    total = whole_steps(trace, ref.rec)
    return int(total) if total else ref.T + int(ref.rec.start)


def _ref(model, trace, cursor) -> CellRef | None:
    if model is None or trace is None or cursor.layer is None:
        return None
    return cell_ref(model, trace, cursor.layer, cursor.side)


def cell_view(model, trace, cursor, sample_base: int = 0, ref: CellRef | None = None) -> str:
    """The Cell view's picture in words: where the cursor is and its unit's numbers
    ("lstm (LSTM, 8 units), step 5 of 40, sample 0, unit 3: entering: hidden state h =
    0.102, ...; input gate i = 0.512, ...; out: ..."); ``ref``: the cell shown where the
    view picks it (a stack of cells' cell, its buttons'), else the cursor's."""
    ref = ref if ref is not None else _ref(model, trace, cursor)
    if ref is None:
        step = step_ref(model, trace, cursor.layer) if model is not None and trace is not None else None
        if step is not None:
            return step_view(step, cursor, trace, sample_base)
        return f"No recurrent cell selected ({cursor.layer or 'no layer'}): the Cell view shows a recurrent layer's."
    s, t, u = ref.clamp_cursor(cursor)
    start = int(getattr(trace, "start", 0) or 0)
    source = input_source(ref)  # (a later cell of a stack of cells: the cell before's h)
    reads = f" x_t is {source}." if source is not None else ""
    return (f"{_where(ref, s, t, u, _total(trace, ref), start, sample_base, model, trace)}: {cell_at(ref, s, t, u)}"
            f"{reads} Bars: every unit's values of each, unit {u} marked; below, the equations with these numbers.")


def step_view(ref: StepRef, cursor, trace, sample_base: int = 0) -> str:
    """The Cell view's page of a layer that maps each step on its own with weights (a
    Dense, TimeDistributed(Dense), a Conv1D: ``step_ref``): where the cursor is, what the
    layer reads, the equation with its numbers and the line on the weights."""
    s, t, u = ref.clamp_cursor(cursor)
    said = ref.outside(t)
    if said is not None:  # (a long input's window without the step's taps: the view's message)
        return said
    word = ref.unit_word
    # (its own steps of the whole sequence: fewer after a strided Conv1D or pooling)
    total = whole_steps(trace, trace.layers[ref.name] if ref.name in trace.layers else None) or ref.T + ref.start
    where = (f"step {count(t + ref.start)} of {count(total)}" if ref.steps else "one step")
    over = ref.input_step(t)
    if over is not None:  # (its steps over the input turned around: after a go_backwards layer)
        where += f" (input step {count(over)}, its steps running right to left)"
    elif ref.steps and ref.over_input(t):  # (over two input steps: after a merge of a turned and
        # an unturned sequence; the input step read after a Cropping1D, ZeroPadding1D or UpSampling1D)
        where += f" ({ref.over_input(t, bold=False)})"
    reads = [r for r in ref.reads(t) if r >= 0]
    taps = ", ".join(count(r + ref.x_first) for r in reads)
    # (a layer's steps where it reads one's: a pooling after a Conv1D of strides 2 reads
    # the Conv1D's steps 6, 7, which are not the input's)
    kind = "input step" if ref.source.layer is None else "step"
    src = ref.source.words + (f", {kind}{'s' if len(reads) != 1 else ''} {taps}" if ref.windowed else "")
    eqs = " ".join(f"{eq.line}." for eq in step_equations(ref, s, t, u))
    return (f"{ref.name} ({ref.kind}, {plural(ref.units, word)}), {where}, sample {s + sample_base}, {word} {u}: "
            f"reads {src}. {eqs} {same_weights(ref)} Bars: the input it reads, and every {word}'s output, "
            f"{word} {u} marked.")


def _output_at(model, trace, out, cursor, sample_base: int) -> tuple[str, str]:
    """What a layer that is not recurrent shows (``out``: its ``output_ref``), "3 units by 40
    steps; curve of unit 2", and its selected number in words, "unit 2, step 5 of 40,
    sample 0: y = 0.102" (a Permute((2, 1))'s on a long input by its own steps and the
    input's, ``across_said``; the input step of one over two, turned around or moved): what
    Over time and the Unrolled view say of it."""
    s, t, u = out.clamp_cursor(cursor)
    total = whole_steps(trace, out.rec)  # (a long input's window: its steps of the whole)
    of = f" of {count(total)}" if total else ""
    what = f"{plural(out.units, out.word)} by {plural(out.T, 'step')}; curve of {out.word} {u}"
    at = f"{out.word} {u}, step {count(t + out.rec.start)}"
    # (a Permute((2, 1))'s on a long input: its rows its own steps, its columns the
    # input's steps, as the header says them; "unit 2, step 65" said them wrong)
    axes = across_axes(model, trace, out.name)
    said = across_said(model, trace, out.name, t + out.rec.start, u, of=of, bold=False)
    if axes is not None and said is not None:
        row, column = axes
        what = f"{count(out.units)} of {row}s (axis 1) by {plural(out.T, column)} (its axis 2); curve of {row} {u}"
        at, of = f"{said[1]}, {said[0]}", ""
    elif out.name in mixed_steps(model):  # (over two input steps, as the header says)
        of += f" ({mixed_said(out.input_step(t), total or out.T, bold=False)})"
    elif out.backwards:  # (its steps over the input turned around: a Dense after a go_backwards layer)
        of += f" (input step {count(out.input_step(t))}, its steps running right to left)"
    elif (moved := moved_output_said(model, trace, out.name, t + out.rec.start,
                                     out.read_steps(t) if out.reads is not None else None,
                                     bold=False)) is not None:
        of += f" ({moved})"  # (after a Cropping1D, ZeroPadding1D or UpSampling1D, as the header says)
    return what, (f"{at}{of}, sample {s + sample_base}: y = {fmt(out.values[s, t, u])}."
                  + (" Masked step: the mask its input carried, handed on." if out.masked(s, t) else ""))


def over_time_view(model, trace, cursor, sample_base: int = 0) -> str:
    """The Over time view: which heatmaps (units by steps) and the selected unit's curves,
    and that unit's numbers at the cursor's step."""
    ref = _ref(model, trace, cursor)
    out = output_ref(model, trace, cursor.layer) if ref is None and model is not None else None
    if out is not None:  # a layer that is not recurrent: its output over its steps
        what, at = _output_at(model, trace, out, cursor, sample_base)
        return (f"Heatmap of {out.name}'s output ({out.kind}), {what} below it. At the cursor, {at}"
                + (f" Each of its steps reads every step of {out.below or 'the input'}." if out.every else ""))
    if ref is None:
        return (f"No layer with steps selected ({cursor.layer or 'no layer'}): Over time shows a recurrent "
                "layer's gates and states, or another layer's outputs, over its steps.")
    s, t, u = ref.clamp_cursor(cursor)
    start = int(getattr(trace, "start", 0) or 0)
    keys = [k for k in ref.cell.records if k in ref.rec.steps]
    shown = ", ".join(MEANING.get(k, k) for k in keys)
    where = _where(ref, s, t, u, _total(trace, ref), start, sample_base, model, trace)
    return (f"Heatmaps of {ref.label}, {plural(ref.units, 'unit')} by {plural(ref.T, 'step')}: {shown}; "
            f"curves of unit {u} below them. At the cursor, {where}: {cell_at(ref, s, t, u)}")


def unrolled_view(model, trace, cursor, sample_base: int = 0) -> str:
    """The Unrolled view: its rows (the model's layers) over the steps, and the selected
    unit's hidden state at the cursor's step."""
    if model is None or trace is None:
        return "No model."
    rows = []
    for layer in model.layers:
        if layer.name not in trace.layers:
            continue
        about = layer_words(model, layer)
        rows.append(f"{layer.name} ({layer.class_name}{', ' + about if about else ''})")
    said = f"The model unrolled over its steps, a row per layer: {'; '.join(rows)}."
    ref = _ref(model, trace, cursor)
    if ref is not None:
        s, t, u = ref.clamp_cursor(cursor)
        start = int(getattr(trace, "start", 0) or 0)
        said += (f" Selected: {_where(ref, s, t, u, _total(trace, ref), start, sample_base, model, trace)}: "
                 f"hidden state h = {fmt(ref.rec.steps['h'][s, t, u])}.")
        return said
    out = output_ref(model, trace, cursor.layer) if cursor.layer is not None else None
    if out is not None:  # (a layer that is not recurrent: its row's selected cell, as Over time says it)
        said += f" Selected: {out.name} ({out.kind}), {_output_at(model, trace, out, cursor, sample_base)[1]}"
    return said


def weights_view(name: str, blocks: Iterable[tuple[str, np.ndarray]], formula: str = "") -> str:
    """The Weights view: each matrix drawn (``blocks``: its title and the array the view
    draws) by its shape and the range of its values, and the parameter formula's line."""
    mats = []
    for what, arr in blocks:
        arr = np.asarray(arr)
        shape = " by ".join(str(n) for n in arr.shape)
        finite = arr[np.isfinite(arr)]
        span = f", from {fmt(finite.min())} to {fmt(finite.max())}" if finite.size else ""
        mats.append(f"{what}, {shape}{span}")
    said = f"Weights of {name}" + (": " + "; ".join(mats) if mats else "") + "."
    return said + (f" {formula}" if formula else "")
