"""What the views need to know about a recurrent cell, computed without Qt.

``CellRef`` is one recurrent cell of a model with its record in a trace (a Bidirectional
has two); ``layer_input`` is the array a layer received; ``equations`` are the Cell view's
lines with this step's numbers, the templates of ``engine/cells.py`` filled in from the
trace. Nothing here computes recurrent math: every number is looked up in a ``Trace`` (or
in the layer's bias), so what is printed is exactly what the engine (= Keras) did.
"""

from __future__ import annotations

import math
import string
import weakref
from dataclasses import dataclass

import numpy as np

from lstmviz.app.counts import count
from lstmviz.engine import Model, Trace
from lstmviz.engine.cells import CellKind, act_name
from lstmviz.engine.layers import IDENTITY_CLASSES, Bidirectional, Merge, Recurrent, StackedRNN
from lstmviz.engine.layers_more import Permute, StepMap
from lstmviz.engine.onnx_time import drawn_axes, reads_reversed
from lstmviz.engine.trace import LayerTrace, whole_steps
from lstmviz.engine.windows import cell_below as windows_cell_below
from lstmviz.engine.windows import (
    features_as_steps,
    fixed_input_length,
    inputs_reversed,
    recurrent_halves,
    steps_across,
    steps_moved,
    steps_reversed,
    strides_of,
    weighs_input_steps,
)
from lstmviz.text import markup

MINUS = "\u2212"


def fmt(v, nd: int = 3) -> str:
    """A number as the views print it: ``nd`` decimals, a true minus sign, no ``-0.000``;
    no number as ``NaN`` (the heatmaps' key says it so), an infinity as ``inf``/``−inf``."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    s = f"{v:.{nd}f}"
    if float(s) == 0.0:
        s = f"{0.0:.{nd}f}"
    return s.replace("-", MINUS)


def fmt_term(v, nd: int = 3) -> str:
    """``fmt`` in parentheses when negative, for sums: ``0.41 + (−0.12)``."""
    s = fmt(v, nd)
    return f"({s})" if s.startswith(MINUS) else s


def cell_name(side: str) -> str:
    """A side as the views write it: a stack of cells' cell ``cell_1`` (the key of its
    record, of the engine's windows and of a session) as "cell 1", the Unrolled rows', the
    headers' and ``CellButtons``' word; a Bidirectional's ``forward`` as it is."""
    return f"cell {side[len('cell_'):]}" if side.startswith("cell_") else side


def clamp(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(v)))


@dataclass
class CellRef:
    """One recurrent cell of the model, with its record in a trace."""

    name: str                 # the Keras layer name (the Bidirectional's for its halves)
    side: str | None          # "forward"/"backward" inside a Bidirectional, "cell_k" of a stack of cells, else None
    layer: Recurrent          # the cell's layer (a Bidirectional's half)
    rec: LayerTrace           # its record (a Bidirectional's child)
    top: object               # the model's layer (Bidirectional, or == layer)
    #: its input is the model's turned around, so its step t reads input step T-1-t where
    #: its record runs forwards (and step t input step t where its record runs backwards):
    #: a later cell of a stack of cells that runs backwards (it steps in its first cell's
    #: order, its record's own ``go_backwards`` False), an ONNX node fed through a
    #: ReverseSequence (tf2onnx's go_backwards, ``onnx_time.reads_reversed``), a layer after
    #: a go_backwards layer's sequence (``reversed_steps``; each of these XOR the others)
    reversed_input: bool = False

    @property
    def cell(self) -> CellKind:
        """The cell's description (``engine/cells.py``)."""
        return self.layer.cell

    @property
    def kind(self) -> str:
        """"LSTM", "GRU" or "SimpleRNN", also for Keras' ``RNN(LSTMCell(...))``."""
        return self.cell.name

    @property
    def units(self) -> int:
        return self.layer.units

    @property
    def T(self) -> int:
        return self.rec.timesteps

    @property
    def backwards(self) -> bool:
        return bool(self.rec.go_backwards) != self.reversed_input

    @property
    def label(self) -> str:
        """Its name as the views write it: "bi (backward)", "r (cell 1)" (the Unrolled rows'
        words; the side's key is ``cell_1``)."""
        return self.name if self.side is None else f"{self.name} ({cell_name(self.side)})"

    def clamp_cursor(self, cursor) -> tuple[int, int, int]:
        """(sample, step, unit) of ``cursor``, each within this cell's record."""
        return (clamp(cursor.sample, 0, self.rec.steps["h"].shape[0] - 1),
                clamp(cursor.step, 0, self.T - 1), clamp(cursor.unit, 0, self.units - 1))

    def input_index(self, step: int) -> int:
        """Input-time index of processing step ``step``."""
        return self.T - 1 - step if self.backwards else step

    def input_step(self, step: int, start: int = 0) -> int:
        """The input step of the whole sequence that processing step ``step`` of this
        record reads (``start``: the window's first input step, a long input's); a window's
        record of a backward half says its own (``LayerTrace.input_start``), and so does a
        later cell of a stack of cells (its steps stand under its first cell's input steps:
        in a window of a stack run backwards, not under its own ``start``'s)."""
        if self.rec.input_window is not None or cell_below(self) is not None:
            return self.rec.input_start + self.input_index(step)
        return start + self.input_index(step)

    def step_of(self, input_index: int) -> int:
        """Processing step of input-time index ``input_index`` (its own inverse)."""
        return self.input_index(input_index)

    def prev(self, key: str, sample: int, step: int) -> np.ndarray:
        """State ``key`` entering ``step`` (the previous step's, or the initial state)."""
        if step > 0:
            return self.rec.steps[key][sample, step - 1]
        return self.rec.initial_state[key][sample]

    def masked(self, sample: int, step: int) -> bool:
        m = self.rec.mask
        return m is not None and not bool(m[sample, step])

    def masked_steps(self, sample: int) -> np.ndarray | None:
        """(T,) True at the masked processing steps of ``sample``, or None if none are."""
        m = self.rec.mask
        if m is None:
            return None
        masked = ~np.asarray(m[sample], dtype=bool)
        return masked if masked.any() else None


def _traced_layer(model: Model, trace: Trace, name: str | None):
    """Layer ``name`` of ``model`` where ``trace`` has its record, else None."""
    if name is None or trace is None or name not in trace.layers:
        return None
    try:
        return model.get_layer(name)
    except Exception:
        return None


def cell_refs(model: Model, trace: Trace, name: str) -> list[CellRef]:
    """The recurrent cells of layer ``name``: one, or a Bidirectional's two halves."""
    layer = _traced_layer(model, trace, name)
    if layer is None:
        return []
    rec = trace.layers[name]
    # (its input turned around: an ONNX node's through a ReverseSequence, or a layer's after
    # a go_backwards layer's sequence, ``reversed_steps``: its step t over input step T-1-t)
    flipped = reads_reversed(layer) != reads_reversed_steps(model, name)
    if isinstance(layer, Bidirectional):
        return [CellRef(name, side, sub, rec.children[side], layer, reversed_input=flipped)
                for side, sub in (("forward", layer.forward_layer), ("backward", layer.backward_layer))
                if side in rec.children]
    if isinstance(layer, Recurrent) and rec.steps:
        return [CellRef(name, None, layer, rec, layer, reversed_input=flipped)]
    return []


def stacked_cell_refs(model: Model, trace: Trace, name: str | None) -> list[CellRef]:
    """The cells of a stack of cells (Keras' ``RNN([GRUCell(3), SimpleRNNCell(2)])``), each
    with its own record (``side`` ``cell_0``, ``cell_1``, ...; cell k > 0 steps through the
    outputs of cell k-1); [] for any other layer. Not in ``cell_refs``: a later cell's x_t is
    the cell before's h, not the layer's input, which the Cell view's equations read."""
    layer = _traced_layer(model, trace, name)
    if not isinstance(layer, StackedRNN):
        return []
    rec = trace.layers[layer.name]
    return [CellRef(layer.name, f"cell_{k}", cell, rec.children[f"cell_{k}"], layer,
                    reversed_input=reads_turned(model, layer.name, f"cell_{k}"))
            for k, cell in enumerate(layer.cells) if f"cell_{k}" in rec.children]


def reads_turned(model: Model, name: str, side: str | None = None) -> bool:
    """Whether the record of layer ``name`` (of its cell ``side`` in a stack of cells) steps
    through the input turned around where its own ``go_backwards`` flag does not say so: a
    layer after a go_backwards layer's sequence (``reads_reversed_steps``: a forward
    SimpleRNN's, a Dense's output), a later cell of a stack of cells run backwards (it steps
    in its first cell's order, its own flag False), each XOR the other. So a record's step t
    stands over input step T-1-t where this XOR its flag (and an ONNX node's
    ``reads_reversed``) holds: the cells' ``reversed_input``, Units at scale's pairing of a
    step with the input's feature (``scale._feature_of``)."""
    turned = reads_reversed_steps(model, name)  # (after a go_backwards layer)
    if side is not None and side.startswith("cell_") and side != "cell_0":
        layer = _layer_named(model, name)
        cells = getattr(layer, "cells", None) if isinstance(layer, StackedRNN) else None
        if cells and cells[0].config.get("go_backwards"):
            turned = not turned
    return turned


def _layer_named(model: Model, name: str):
    """Layer ``name`` of ``model``, None where it has none."""
    try:
        return model.get_layer(name)
    except Exception:
        return None


def layer_below(model: Model, name: str | None) -> str | None:
    """The layer whose output layer ``name`` reads first (its first input; a model input's
    name too), None where it reads none or is not in the model."""
    node = next((n for n in model.nodes if n.layer.name == name), None)
    return node.inbound[0].layer if node is not None and node.inbound else None


def layer_words(model: Model | None, layer) -> str:
    """What ``layer`` is in a few words where it stands in ``model`` (``Layer.describe_at`` of
    the axis its input holds the steps on, ``steps_axes``): a GlobalAveragePooling1D after a
    Permute((2, 1)) pools each step's features, not the steps. The side panel's cards and the
    Unrolled view's words say it so."""
    below = layer_below(model, layer.name) if model is not None else None
    return layer.describe_at(steps_axis(model, below) if model is not None and below is not None else None)


#: ``steps_below`` of every layer of each model (a model's graph and strides never change:
#: an edit makes a new model), so a seek asks a dict, not a walk of the graph
_BELOW_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def steps_below(model: Model | None, name: str) -> str | None:
    """Whose steps layer ``name``'s steps read, where they are not the model input's: the
    layer below it (its first input) after a strided Conv1D or pooling, whose own steps they
    are (an LSTM after a MaxPooling1D(2): its step 30,000 reads the pooling's step 30,000,
    which reads input steps 60,000 and 60,001), or after a Cropping1D, ZeroPadding1D or
    UpSampling1D (``windows.steps_moved``: after a Cropping1D((3, 0)) the LSTM's step t reads
    the crop's step t, input step t+3; the views then say the input step at once,
    ``moved_said``, where ``_moved_chain`` finds one); None where they are the input's, one
    for one. The views then say "= pool's step 30,000", not "= input step 30,000"; of an
    ONNX graph the layer below the ops that only move data (a Transpose). Every layer's found
    at the model's first call (``strides_of``) and kept.

    Its walk down is not ``step_ref.source_of``'s, and they do not agree: this one names
    whose step numbers a layer's are, so it goes through an ONNX graph's ops alone and
    names any layer below (an LSTM after a MaxPooling1D(2) and a Dropout: "= dropout's
    step", the pooling's steps handed on), the model's input layer too, and only for a
    layer whose steps are not the input's; ``source_of`` names what a layer reads and
    from which layer that is computed (x_t, h_t, y_t), so it goes through the layers that
    hand it on unchanged too (the Dropout: the pooling's y_t) and names no input layer."""
    if model is None:
        return None
    below = _BELOW_KNOWN.get(model)
    if below is None:
        strides, moved = strides_of(model), steps_moved(model)
        features = _features_read(model)
        nodes = {n.layer.name: n for n in model.nodes}

        def named(layer: str) -> str:
            # (through an ONNX graph's ops that only move data: torch's LSTM reads the
            # pool's steps through a Transpose, "rnn.Transpose's step" named none the
            # user knows)
            seen = set()
            while (node := nodes.get(layer)) is not None and getattr(node.layer, "glue", False) \
                    and node.inbound and layer not in seen:
                seen.add(layer)
                layer = node.inbound[0].layer
            return layer
        below = {n.layer.name: named(n.inbound[0].layer) for n in model.nodes
                 if (strides.get(n.layer.name, 1) != 1 or moved.get(n.layer.name)
                     or features.get(n.layer.name)) and n.inbound}
        _BELOW_KNOWN[model] = below
    return below.get(name)


def _features_read(model: Model) -> dict[str, bool]:
    """Per recurrent layer, whether its steps are its input's features, not input steps: a
    recurrent layer over (batch, features, steps) after a Permute((2, 1))
    (``windows.features_as_steps``), whose step t reads feature t of every input step; the
    views name its steps so (``moved_said``) and the Permute's (``steps_below``). Found at
    the model's first call and kept."""
    got = _FEATURES_KNOWN.get(model)
    if got is None:
        read = features_as_steps(model)
        got = _FEATURES_KNOWN[model] = {n.layer.name: bool(recurrent_halves(n.layer)) and read[n.layer.name]
                                        for n in model.nodes}
    return got


#: ``_features_read`` of each model (its graph never changes: an edit makes a new model)
_FEATURES_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


#: ``_moved_chain`` of every layer of each model (kept as ``steps_below``'s)
_CHAIN_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _moved_chain(model: Model, name: str) -> tuple[int, list] | None:
    """(the model input's index, the StepMaps from it up to ``steps_below``'s layer, first
    the lowest) where every other layer between hands its steps on one for one (an LSTM, a
    Dense: no stride, no window of steps, none turned, no merge of turned steps); None where
    its steps are not moved or another layer changes them (a strided Conv1D: the views
    then name the layer below's steps, ``steps_below``)."""
    known = _CHAIN_KNOWN.setdefault(model, {})
    if name in known:
        return known[name]
    below = steps_below(model, name)
    got = None
    if below is not None and steps_moved(model).get(name):
        nodes = {n.layer.name: n for n in model.nodes}
        inputs = [r.layer for r in model.inputs]
        turned, mixed = reversed_steps(model), mixed_steps(model)
        maps: list = []
        layer, seen = below, set()
        while layer not in inputs and layer not in seen:
            seen.add(layer)
            node = nodes.get(layer)
            if node is None or not node.inbound:
                break
            lower = node.inbound[0].layer
            if isinstance(node.layer, StepMap) and node.layer.own_clock:
                maps.append(node.layer)
            elif (node.layer.own_clock or layer in mixed
                  or turned.get(layer, False) != turned.get(lower, False)):
                break
            layer = lower
        if layer in inputs and maps:
            got = (inputs.index(layer), maps[::-1])
    known[name] = got
    return got


def input_total(trace, k: int = 0) -> int | None:
    """The steps of the whole sequence of model input ``k``: a long input's window's
    (``trace.whole_steps`` of no record: the input's), else the steps the trace was given
    (a whole trace, where ``whole_steps`` says None); None where unknown."""
    total = whole_steps(trace)
    if total is not None:
        return total
    inputs = getattr(trace, "inputs", None) or []
    if k < len(inputs) and np.ndim(inputs[k]) >= 2:
        return int(np.shape(inputs[k])[1]) or None
    return None


def moved_step(model: Model | None, trace, name: str, step: int) -> int | None:
    """The input step of the whole sequence that step ``step`` (of ``steps_below``'s layer,
    as the views count its steps) of layer ``name`` reads where only a Cropping1D,
    ZeroPadding1D or UpSampling1D moved its steps (``_moved_chain``: after a Cropping1D((3,
    0)) the LSTM's step t reads input step t+3, after an UpSampling1D(2) step t reads step
    t//2), -1 where it reads a padded step (zeros: no input step), None where the layer's
    steps are not moved so (the input's own, or a strided layer's)."""
    chain = _moved_chain(model, name) if model is not None else None
    if chain is None or trace is None:
        return None
    k, maps = chain
    total = input_total(trace, k)
    if not total:
        return None
    steps = [int(total)]  # (each StepMap's input's steps, the input's first)
    for layer in maps[:-1]:
        steps.append(int(layer.steps_out(steps[-1])))
    i = int(step)
    for layer, n in zip(maps[::-1], steps[::-1]):
        i = int(layer.reads_at(i, n)[0])
        if i < 0:
            return -1
    return i


def moved_shift(model: Model | None, trace, name: str) -> int | None:
    """``a`` where only Cropping1Ds moved layer ``name``'s steps, so that its step t (of
    ``steps_below``'s layer) reads input step t + a, one formula for every step (after a
    Cropping1D((3, 2)): 3); None where a ZeroPadding1D or UpSampling1D moved them too (their
    padding and their repeated steps: no one formula, each step's header says its own) or
    they are not moved so. Over time's steps axis of a layer turned around says "= input
    step 37 − t" by it, not "= crop's step 34 − t" (the crop's steps, which its headers
    no longer name)."""
    from lstmviz.engine.layers_more import Cropping1D

    chain = _moved_chain(model, name) if model is not None else None
    if chain is None or not all(isinstance(layer, Cropping1D) for layer in chain[1]):
        return None
    first = moved_step(model, trace, name, 0)
    return None if first is None or first < 0 else first


def moved_said(model: Model | None, trace, name: str, step: int, bold: bool = True) -> str | None:
    """What step ``step`` (of ``steps_below``'s layer) of layer ``name`` reads, said at once
    where only a Cropping1D, ZeroPadding1D or UpSampling1D moved its steps (``moved_step``):
    "input step 12" (bold numbers for rich text), "padding" (zeros: no input step); None
    where its steps are not moved so (the views then say "= pool's step 6"). A recurrent
    layer stepping over its input's features (after a Permute((2, 1)), ``_features_read``):
    "feature 2 of all steps", its step 2 reading feature 2 of every input step."""
    if model is not None and _features_read(model).get(name):
        return f"feature {f'<b>{count(step)}</b>' if bold else count(step)} of all steps"
    i = moved_step(model, trace, name, step)
    if i is None:
        return None
    if i < 0:
        return "padding"
    return f"input step {f'<b>{count(i)}</b>' if bold else count(i)}"


#: ``steps_across`` of each model (its graph never changes: an edit makes a new model)
_ACROSS_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def across_axes(model: Model | None, trace, name: str) -> tuple[str, str] | None:
    """What the rows and the columns of layer ``name``'s heatmap are where a long input's
    window is on its units axis (``windows.steps_across``: a Permute((2, 1)) over a
    sequence, whose steps are the input's features, a layer acting on each number after
    it): ("its step", Keras' axis 1; "input step", on its axis 2). None where its steps are
    the window's (its rows its units, filters or channels, its columns its steps). Every
    word the views say of such a layer's axes comes from here (``across_said``, Over
    time's axes, curve title and hint, the screen reader's words)."""
    if model is None or not getattr(trace, "total_steps", None):
        return None
    across = _ACROSS_KNOWN.get(model)
    if across is None:
        across = _ACROSS_KNOWN[model] = steps_across(model)
    return ("its step", "input step") if across.get(name) else None


def across_said(model: Model | None, trace, name: str, step: int, unit: int,
                t: str = "", of: str = "", bold: bool = True) -> tuple[str, str, str] | None:
    """The step words of layer ``name``'s header where a long input's window is on its
    units axis (``across_axes``): the column ``step`` is an input step, on its axis 2, and
    the row ``unit`` its own step (axis 1); as (the column's words, the row's words, what
    the window's steps are): ("input step <b>t = 1</b> (its axis 2)", "its step <b>2</b>
    (axis 1)", "input steps"); ``t`` written before the step ("t = "), ``of`` after it
    (" of 5,000"), plain numbers where not ``bold`` (the screen reader's). None where its
    steps are the window's (the views say "step t = 1 · unit 2 · exact steps ...")."""
    axes = across_axes(model, trace, name)
    if axes is None:
        return None
    row, column = axes
    b, nb = ("<b>", "</b>") if bold else ("", "")
    return (f"{column} {b}{t}{count(step)}{nb}{of} (its axis 2)", f"{row} {b}{count(unit)}{nb} (axis 1)",
            f"{column}s")


def moved_output_said(model: Model | None, trace, name: str, step: int, reads=None,
                      bold: bool = True) -> str | None:
    """``moved_said`` of a layer's output step ``step`` (of the whole sequence): a layer
    reading windows of steps says it by ``reads``, the steps of the layer below it reads
    (an UpSampling1D's one, a ZeroPadding1D's none on its padding: "padding"; a window
    of several: None, its header names them); another (a Dense) by its own step, the
    layer below's. Over time's and the Unrolled view's output headers."""
    if model is None:
        return None
    if reads is None:
        return moved_said(model, trace, name, step, bold)
    if len(reads) == 1:
        return moved_said(model, trace, name, int(reads[0]), bold)
    layer = _layer_named(model, name)
    if not len(reads) and isinstance(layer, StepMap) and moved_step(model, trace, name, 0) is not None:
        return "padding"
    return None


#: ``reversed_steps`` of each model (its graph never changes: an edit makes a new model)
_REVERSED_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def reversed_steps(model: Model | None) -> dict[str, bool]:
    """Per layer, whether its output sequence stands over the input steps turned around
    (``windows.steps_reversed``: after ``LSTM(go_backwards=True, return_sequences=True)``
    a Dense's step t, a forward SimpleRNN's, stands over input step T-1-t; a recurrent layer
    running backwards turns it back), found at the model's first call and kept: the rows
    of the Unrolled view turn such a sequence's columns, ``cell_refs`` its cells'."""
    return _reversed_known(model)[0]


def reads_reversed_steps(model: Model | None, name: str) -> bool:
    """Whether layer ``name`` reads a sequence standing over the input turned around (the
    ``reversed_steps`` of the layer its first input comes from), kept per model as those."""
    return _reversed_known(model)[1].get(name, False)


def _reversed_known(model: Model | None) -> tuple[dict[str, bool], dict[str, bool]]:
    if model is None:
        return {}, {}
    got = _REVERSED_KNOWN.get(model)
    if got is None:
        out = steps_reversed(model)
        got = _REVERSED_KNOWN[model] = (out, inputs_reversed(model, out))
    return got


#: ``mixed_steps`` of each model (its graph never changes: an edit makes a new model)
_MIXED_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def mixed_steps(model: Model | None) -> dict[str, str]:
    """Per layer whose output steps each join steps standing over two input steps, the
    merge that joins them: a Concatenate, Add, ... of a sequence standing over the input
    turned around (``reversed_steps``: ``LSTM(go_backwards=True, return_sequences=True)``'s)
    and one in input order: Keras joins element p of each, the turned one's over input
    step T-1-p, the other's over input step p (a hand-made bidirectional layer without its
    backward sequence turned back); and every layer with steps after it (a Dense, an LSTM
    reading them). Its step p, or T-1-p, is then over input steps p and T-1-p both: no view
    says one input step for it (``mixed_said``). The merge draws as its first input's order
    (``windows.steps_reversed``). Found at the model's first call and kept."""
    if model is None:
        return {}
    got = _MIXED_KNOWN.get(model)
    if got is None:
        turned = reversed_steps(model)
        steps: dict[str, bool] = {}
        got = {}
        for node in model.nodes:
            layer = node.layer
            shapes = getattr(layer, "output_shapes", None) or []
            steps[layer.name] = bool(shapes) and len(shapes[0]) >= 3
            ins = [r.layer for r in node.inbound]
            merge = next((got[n] for n in ins if n in got), None)
            if merge is None and isinstance(layer, Merge):
                orders = {turned.get(n, False) for n in ins if steps.get(n)}
                merge = layer.name if len(orders) > 1 else None
            if merge is not None and steps[layer.name]:
                got[layer.name] = merge
        _MIXED_KNOWN[model] = got
    return got


def mixed_said(step: int, total: int, bold: bool = True) -> str:
    """What step ``step`` (an input step, or its own: the pair is the same) of a layer of
    ``mixed_steps`` stands over, of ``total`` steps: "input steps 2 and 9 mixed" (bold
    numbers for rich text), "input step 5" in the middle."""
    a, b = sorted((int(step), int(total) - 1 - int(step)))

    def num(v: int) -> str:
        return f"<b>{count(v)}</b>" if bold else count(v)
    return f"input step {num(a)}" if a == b else f"input steps {num(a)} and {num(b)} mixed"


def cell_ref(model: Model, trace: Trace, name: str | None, side: str | None = "forward") -> CellRef | None:
    refs = cell_refs(model, trace, name) if name is not None else []  # (no layer selected)
    if not refs:
        return None
    for r in refs:
        if r.side == side:
            return r
    return refs[0]


@dataclass(frozen=True)
class StateSource:
    """Where a cell's initial state comes from when the model gives it one: ``name`` is a
    model input's (``is_input``: an inference decoder's ``h_in``, an ONNX node's ``h0``) or
    the layer whose output it is (a seq2seq encoder's final states into its decoder)."""

    name: str
    is_input: bool
    #: the part of it this cell reads, as the views write it after the name: an ONNX
    #: bidirectional node's halves read ``h0[0]`` and ``h0[1]`` (its directions' axis); a
    #: Bidirectional layer's final state, the half that made it (``encoder backward``)
    part: str = ""


def state_sources(model: Model, ref: CellRef) -> dict[str, StateSource]:
    """The initial states the model gives ``ref``, by state key (``h``, ``c``): Keras'
    ``initial_state=`` tensors in the cell's state order (a Bidirectional's forward half
    takes their first half, its backward half the rest, as Keras splits them), or an ONNX
    node's ``initial_h`` / ``initial_c`` inputs (both directions read theirs from the same
    tensor) where a model input or a layer the views draw makes them (torch's zeros made
    by shape ops are not named). A state not in it starts as zeros, or as what a stateful
    layer kept from the previous batch."""
    node = next((n for n in model.nodes if n.layer.name == ref.name), None)
    if node is None:
        return {}
    inputs = {r.layer for r in model.inputs}
    keys = tuple(ref.layer.state_names)
    given, parts = {}, {}
    for k, r in state_refs(model, ref).items():
        given[k] = r.layer
        finals = final_states_of(model, r)  # (a Bidirectional's half: which one made it)
        if len(finals) == 1 and finals[0][1] is not None:
            parts[k] = f" {finals[0][1]}"
        elif len(finals) > 1:  # (Keras' state_h = Concatenate()([fh, bh])): the halves it joins
            said: dict[str, list[str]] = {}
            for name, side, _ in finals:
                said.setdefault(name, []).append(side or "")
            text = " and ".join((name + " " + " and ".join(s for s in sides if s)).strip()
                                for name, sides in said.items())  # ("encoder forward and backward")
            given[k] = finals[0][0]
            parts[k] = text[len(finals[0][0]):]
    if node.layer.class_name.startswith("onnx."):
        for slot, r in zip(node.layer.config.get("slots") or (), node.inbound):
            if slot in ("initial_h", "initial_c") and slot[-1] in keys:
                source = model.get_layer(r.layer)
                if r.layer in inputs or not getattr(source, "glue", False):
                    given[slot[-1]] = r.layer
        if ref.side is not None:  # (both directions' states in one tensor, direction first)
            parts = dict.fromkeys(given, "[0]" if ref.side == "forward" else "[1]")
    return {k: StateSource(name, name in inputs, parts.get(k, "")) for k, name in given.items()}


def state_refs(model: Model, ref: CellRef) -> dict:
    """The ``initial_state=`` tensors (``TensorRef``) that ``ref`` reads, by state key: all
    of them for a layer of its own, a Bidirectional's forward half the first half of the
    list and its backward half the rest, as Keras' ``Bidirectional`` splits them
    (``[h_f, c_f, h_b, c_b]``; a GRU's ``[h_f, h_b]``), and as the engine runs them."""
    node = next((n for n in model.nodes if n.layer.name == ref.name), None)
    if node is None:
        return {}
    refs = list(node.initial_state)
    if refs and ref.side is not None:
        half = len(refs) // 2
        refs = refs[:half] if ref.side == "forward" else refs[half:]
    return dict(zip(tuple(ref.layer.state_names), refs))


def final_state_of(model: Model, tensor) -> tuple[str, str | None, str] | None:
    """Which recurrent cell's final state the tensor ``tensor`` (a ``TensorRef``) is: its
    layer's name, its half (``"forward"`` / ``"backward"`` in a Bidirectional, else None)
    and its state key (``h``, ``c``), from where ``return_state=True`` puts the states among
    the layer's outputs (a layer's ``[out, h, c]``; a Bidirectional's merged output(s),
    then the forward half's states, then the backward half's), or a layer's last-step
    output, its final h (the katakana seq2seq's ``initial_state=[encoder, encoder]``: a
    decoder's h and c both from it). Through layers that hand
    their input on unchanged (Dropout and its kin); None for any other tensor."""
    node, index = _made_by(model, tensor)
    if node is None:
        return None
    layer = node.layer
    if isinstance(layer, Bidirectional):
        keys = tuple(layer.forward_layer.state_names)
        k = index - (2 if layer.merge_mode is None else 1)
        if 0 <= k < 2 * len(keys) and layer.forward_layer.config.get("return_state"):
            return layer.name, ("forward" if k < len(keys) else "backward"), keys[k % len(keys)]
        return None
    if isinstance(layer, Recurrent) and not layer.class_name.startswith("onnx."):
        if index == 0 and not layer.config.get("return_sequences"):
            return layer.name, None, "h"  # (its last output: the final h, a mask's too)
        keys = tuple(layer.state_names)
        if layer.config.get("return_state") and 1 <= index <= len(keys):
            return layer.name, None, keys[index - 1]
    return None


def _made_by(model: Model, tensor):
    """The node whose output ``tensor`` is, and which of its outputs, through layers that
    hand their input on unchanged (Dropout and its kin); (None, index) for a model input."""
    by_name = {n.layer.name: n for n in model.nodes}
    node = by_name.get(tensor.layer)
    index = int(tensor.tensor_index)
    while node is not None and node.layer.class_name in IDENTITY_CLASSES and node.inbound:
        tensor = node.inbound[0]
        node, index = by_name.get(tensor.layer), int(tensor.tensor_index)
    return node, index


def final_states_of(model: Model, tensor) -> tuple[tuple[str, str | None, str], ...]:
    """The recurrent cells' final states the tensor ``tensor`` holds (``final_state_of``
    each): one, or those a ``Concatenate`` along their units joins (Keras' ``state_h =
    Concatenate()([forward_h, backward_h])``, a Bidirectional encoder's two halves given
    to a decoder twice as wide), in their order there, where every part is one (else
    nothing: what else it holds comes from elsewhere); () for any other tensor."""
    one = final_state_of(model, tensor)
    if one is not None:
        return (one,)
    node, _ = _made_by(model, tensor)
    if node is None or not isinstance(node.layer, Merge) or len(node.inbound) < 2:
        return ()
    if node.layer.joined_axis(2) != 1:  # (states are (batch, units): a Concatenate of their units)
        return ()
    parts = [final_states_of(model, r) for r in node.inbound]
    if not all(parts):
        return ()
    return tuple(p for got in parts for p in got)


def recurrent_names(model: Model) -> list[str]:
    return [l.name for l in model.layers if isinstance(l, (Recurrent, Bidirectional))]


def model_inputs(trace: Trace, inputs=None) -> list[np.ndarray] | None:
    """The model's input arrays, if known (``Trace.inputs`` when the engine records it)."""
    got = inputs if inputs is not None else getattr(trace, "inputs", None)
    if got is None:
        return None
    if isinstance(got, np.ndarray):
        return [got]
    return [np.asarray(a) for a in got]


def fed_by(model: Model, name: str) -> int | None:
    """Which of the model's inputs layer ``name`` reads, following each layer's first input
    back to an input layer (a seq2seq's encoder its input 0 through its Embedding, the
    decoder its input 1 through its own); None where none is reached. A model of one input:
    that one."""
    if len(model.inputs) == 1:
        return 0
    inputs = [r.layer for r in model.inputs]
    nodes = {n.layer.name: n for n in model.nodes}
    seen: set[str] = set()
    while name not in seen:
        seen.add(name)
        if name in inputs:
            return inputs.index(name)
        node = nodes.get(name)
        if node is None or not node.inbound:
            return None
        name = node.inbound[0].layer
    return None


def input_token(model: Model, trace: Trace, ref: CellRef, sample: int, step: int,
                inputs=None) -> int | None:
    """The token id that processing step ``step`` of ``ref`` reads, looked up in the model
    input it reads (``fed_by``) when that is token ids (an Embedding first; a seq2seq's
    encoder and decoder each their own): its column at the step's input step
    (``CellRef.input_step``; a long input's window counts from its ``start``), when the
    cell runs on that input's time axis (as many steps); else None (a later cell of a
    stack of cells reads the cell before's h)."""
    if cell_below(ref) is not None:
        return None
    k = fed_by(model, ref.name)
    xs = model_inputs(trace, inputs)
    ids = xs[k] if xs and k is not None and k < len(xs) else None
    if ids is None or ids.ndim != 2 or ref.T != ids.shape[1]:
        return None
    start = int(getattr(trace, "start", 0) or 0)
    col = ref.input_step(step, start) - start
    if not 0 <= col < ids.shape[1]:
        return None  # (a step outside the steps traced)
    return int(ids[clamp(sample, 0, ids.shape[0] - 1), col])


def token_label(i: int, labels: tuple[str, ...] | None) -> str | None:
    """What token id ``i`` stands for in ``labels`` (what the ids mean when the app made
    them from typed text: ``InputEdits.token_labels``), or None: ids from a file mean what
    the model's vocabulary says, which lstmviz does not know, and id 0 is padding."""
    if labels is None or not 0 <= i < len(labels) or not labels[i]:
        return None
    return labels[i]


def token_words(i: int, labels: tuple[str, ...] | None) -> str:
    """Token id ``i`` in the Unrolled view's header (rich text): its character beside it
    where the app knows it ("token <b>f</b> (id 7)"), else the id ("token id <b>7</b>")."""
    label = token_label(i, labels)
    return f"token <b>{markup(label)}</b> (id {i})" if label is not None else f"token id <b>{i}</b>"


def token_text(i: int, labels: tuple[str, ...] | None, short: bool = False) -> str:
    """Token id ``i`` as plain text (the Cell view's x_t): "f (id 7)", or "id 7" where the
    app does not know what it stands for; ``short`` (a narrow column): "f" or "id 7"."""
    label = token_label(i, labels)
    if label is None:
        return f"id {i}"
    return label if short else f"{label} (id {i})"


def layer_input(model: Model, trace: Trace, name: str, inputs=None) -> np.ndarray | None:
    """The array that layer ``name`` received as its (first) input, or None if unknown; in
    the input's order where the layer reads it turned around (an ONNX node fed through a
    ReverseSequence: ``onnx_time.reads_reversed``), as a go_backwards layer's input is."""
    node = next((n for n in model.nodes if n.layer.name == name), None)
    if node is None or not node.inbound:
        return None
    ref = node.inbound[0]
    rec = trace.layers.get(ref.layer)
    time_major = int(getattr(node.layer, "config", {}).get("layout", 1)) == 0 \
        and node.layer.class_name.startswith("onnx.")  # an ONNX node's (time, batch, d)
    flipped = reads_reversed(node.layer)

    def batch_major(out):
        out = out.transpose(1, 0, 2) if time_major and np.ndim(out) == 3 else out
        return out[:, ::-1] if flipped and np.ndim(out) == 3 else out
    if rec is not None:
        return batch_major(rec.outputs[ref.tensor_index])
    xs = model_inputs(trace, inputs)
    if xs is None:
        return None
    for k, r in enumerate(model.inputs):
        if r.layer == ref.layer and k < len(xs):
            return batch_major(xs[k])
    return None


def cell_below(ref: CellRef) -> str | None:
    """The side (``cell_0``) of the cell whose h a later cell of a stack of cells
    (``RNN([LSTMCell(3), GRUCell(2)])``'s ``cell_1``) reads as its x_t at the same step;
    None for a stack's first cell and any other cell (those read their layer's input)."""
    got = windows_cell_below(ref.top, ref.side or "")  # (the engine's rule, its windows')
    return None if got is None else got[0]


def input_source(ref: CellRef) -> str | None:
    """Where a later cell of a stack of cells takes its x_t from, as the views write it
    ("h_t of r (cell 0)", as the step page names a layer's input from another layer);
    None where x_t is the layer's input."""
    below = cell_below(ref)
    return None if below is None else f"h_t of {ref.name} ({cell_name(below)})"


def cell_input(model: Model, trace: Trace, ref: CellRef, inputs=None) -> np.ndarray | None:
    """The array the steps of ``ref`` read, in the input's order, so that its step t's x_t
    is at ``ref.input_index(t)`` as a go_backwards layer's is: ``layer_input``, turned
    around where its layer reads a sequence standing over the input turned around (the
    forward SimpleRNN after a go_backwards LSTM: ``reversed_steps``); a long input's
    window of a half that runs backwards, the input steps its record holds
    (``LayerTrace.input_window``); a later cell of a stack of cells, the cell before's h
    (``cell_below``: cell k reads cell k-1's h_t at its own step t, in the processing
    order they share, turned to the input's where the stack runs backwards)."""
    below = cell_below(ref)
    if below is not None:
        rec = trace.layers[ref.name].children.get(below)
        if rec is None:
            return None
        h = rec.steps["h"]
        return h[:, ::-1] if ref.backwards else h
    if ref.rec.input_window is not None:
        return ref.rec.input_window
    x = layer_input(model, trace, ref.name, inputs)
    if x is not None and np.ndim(x) == 3 and reads_reversed_steps(model, ref.name):
        return x[:, ::-1]
    return x


# -- the equations with this step's numbers ---------------------------------------------------
@dataclass
class Equation:
    key: str        # the quantity it defines (its hue)
    symbolic: str   # "f_t = sigmoid(W_f·x_t + U_f·h_{t-1} + b_f)"
    numeric: str    # "sigmoid(0.412 + (−0.120) + 1.000) = sigmoid(1.292) = 0.784"

    @property
    def line(self) -> str:
        return f"{self.symbolic} = {self.numeric}" if self.numeric else self.symbolic


_PARSED: dict[str, list] = {}


def _parsed(template: str) -> list:
    """(literal, field, spec) of a ``str.format`` template, parsed once."""
    got = _PARSED.get(template)
    if got is None:
        got = _PARSED[template] = [(lit, field, spec) for lit, field, spec, _ in
                                   string.Formatter().parse(template)]
    return got


def equations(ref: CellRef, sample: int, step: int, unit: int) -> list[Equation]:
    """The cell's equations at ``step`` for ``unit``, with the trace's numbers: each field
    of a template (see ``engine.cells.EquationTemplate``) is looked up in the trace;
    ``{name:t}`` prints a term of a sum."""
    steps, s, t, u, U = ref.rec.steps, sample, step, unit, ref.units
    fused = {"xp": "x_proj", "hp": "h_proj", "pre": "pre"}
    out = []
    if ref.layer.class_name.startswith("onnx."):
        return _onnx_equations(ref, sample, step, unit)
    config = ref.layer.config
    for tpl in ref.cell.equations(config, masked=ref.masked(s, t)):
        parts = []
        for literal, field, spec in _parsed(tpl.numeric):
            parts.append(literal)
            if field is None:
                continue
            if field in fused or field == "b":
                if tpl.block is None:
                    raise ValueError(f"equation {tpl.key!r} uses {{{field}}} without a gate block")
                col = tpl.block * U + u
                v = steps[fused[field]][s, t, col] if field in fused else ref.layer.weights[2][col]
            elif field.endswith("_prev"):
                v = ref.prev(field[:-len("_prev")], s, t)[u]
            else:
                v = steps[field][s, t, u]
            parts.append(fmt_term(v) if spec == "t" else fmt(v))
        out.append(Equation(tpl.key, tpl.symbolic, "".join(parts)))
    return out


def _onnx_equations(ref: CellRef, sample: int, step: int, unit: int) -> list[Equation]:
    """An ONNX node's equations (``engine/onnx_layers.py``): the file's two bias halves,
    peepholes, clip, input_forget and its own activations, with the trace's numbers."""
    rec, layer, U = ref.rec, ref.layer, ref.units
    s, t, u = sample, step, unit
    act = act_name(layer.config.get("activation"))
    ract = act_name(layer.config.get("recurrent_activation"))
    use_bias = bool(layer.config.get("use_bias", True))
    bias = layer.weights[2] if use_bias else None
    # an ONNX node's bias halves [Wb; Rb] are inside x_proj and h_proj already
    halves = bias is not None and bias.ndim == 2 and ref.kind in ("LSTM", "SimpleRNN")
    out: list[Equation] = []

    def blk(key, g):
        return float(rec.steps[key][s, t, g * U + u])

    masked = ref.masked(s, t)
    # ONNX options (never set for Keras layers): clip, input_forget, peepholes, h's activation
    clip = layer.config.get("clip")
    out_act = act_name(layer.config.get("output_activation", layer.config.get("activation")))
    peep = "p_proj" in rec.steps

    def call(fn, parts: list[str], pre: float, val: float) -> str:
        inner = " + ".join(parts)
        if clip is not None:
            inner = f"clip({inner}, ±{clip:g})"
        return f"{fn}({inner}) = {fn}({fmt(pre)}) = {fmt(val)}"

    def wrap(fn, text: str) -> str:
        return f"{fn}(clip({text}))" if clip is not None else f"{fn}({text})"

    if ref.kind == "LSTM":
        i_val = float(rec.steps["i"][s, t, u])
        for g, (letter, key) in enumerate(zip("ifco", ("i", "f", "c_tilde", "o"))):
            fn = act if key == "c_tilde" else ract
            sym = {"c_tilde": "c~", "h_tilde": "h~"}.get(key, key)
            val = float(rec.steps[key][s, t, u])
            if key == "f" and layer.config.get("input_forget"):
                out.append(Equation(key, "f_t = 1 − i_t  (input_forget)", f"1 − {fmt(i_val)} = {fmt(val)}"))
                continue
            xp, hp, pre = blk("x_proj", g), blk("h_proj", g), blk("pre", g)
            if halves:
                terms = f"(W_{letter}·x_t + b_{letter}) + (U_{letter}·h_{{t-1}} + b'_{letter})"
                parts = [fmt(xp), fmt_term(hp)]
            elif bias is not None:
                terms = f"W_{letter}·x_t + U_{letter}·h_{{t-1}} + b_{letter}"
                parts = [fmt(xp), fmt_term(hp), fmt_term(float(bias[g * U + u]))]
            else:
                terms = f"W_{letter}·x_t + U_{letter}·h_{{t-1}}"
                parts = [fmt(xp), fmt_term(hp)]
            if peep and key != "c_tilde":
                terms += f" + P_{letter}·c_{{t-1}}" if key != "o" else f" + P_{letter}·c_t"
                parts.append(fmt_term(blk("p_proj", g)))
            out.append(Equation(key, f"{sym}_t = {wrap(fn, terms)}", call(fn, parts, pre, val)))
        i, f, ct, o = (float(rec.steps[k][s, t, u]) for k in ("i", "f", "c_tilde", "o"))
        c_prev, h_prev = float(ref.prev("c", s, t)[u]), float(ref.prev("h", s, t)[u])
        c, h = float(rec.steps["c"][s, t, u]), float(rec.steps["h"][s, t, u])
        if masked:
            out.append(Equation("c", "c_t = c_{t-1}  (masked: state carried over)", fmt(c)))
            out.append(Equation("h", "h_t = h_{t-1}  (masked: state carried over)", fmt(h)))
        else:
            out.append(Equation("c", "c_t = f_t·c_{t-1} + i_t·c~_t",
                                f"{fmt(f)}·{fmt_term(c_prev)} + {fmt(i)}·{fmt_term(ct)} = {fmt(c)}"))
            out.append(Equation("h", f"h_t = o_t·{out_act}(c_t)", f"{fmt(o)}·{out_act}({fmt(c)}) = {fmt(h)}"))
    elif ref.kind == "GRU":
        reset_after = bool(layer.config.get("reset_after", True))
        two_rows = bias is not None and bias.ndim == 2  # Keras reset_after, or an ONNX file
        for g, (letter, key) in enumerate(zip("zr", ("z", "r"))):
            xp, hp, pre = blk("x_proj", g), blk("h_proj", g), blk("pre", g)
            val = float(rec.steps[key][s, t, u])
            if two_rows:
                terms = f"(W_{letter}·x_t + b_{letter}) + (U_{letter}·h_{{t-1}} + b'_{letter})"
            elif use_bias:
                terms = f"(W_{letter}·x_t + b_{letter}) + U_{letter}·h_{{t-1}}"
            else:
                terms = f"W_{letter}·x_t + U_{letter}·h_{{t-1}}"
            out.append(Equation(key, f"{key}_t = {wrap(ract, terms)}",
                                call(ract, [fmt(xp), fmt_term(hp)], pre, val)))
        xp, hp, pre = blk("x_proj", 2), blk("h_proj", 2), blk("pre", 2)
        r = float(rec.steps["r"][s, t, u])
        ht = float(rec.steps["h_tilde"][s, t, u])
        bx = " + b_h" if use_bias else ""
        bh = " + b'_h" if two_rows else ""
        if reset_after:
            symbolic = f"h~_t = {wrap(act, f'(W_h·x_t{bx}) + r_t·(U_h·h_{{t-1}}{bh})')}"
            numeric = call(act, [fmt(xp), f"{fmt(r)}·{fmt_term(hp)}"], pre, ht)
        else:
            rh = f"(U_h·(r_t·h_{{t-1}}){bh})" if bh else "U_h·(r_t·h_{t-1})"
            symbolic = f"h~_t = {wrap(act, f'(W_h·x_t{bx}) + {rh}')}"
            numeric = call(act, [fmt(xp), fmt_term(hp)], pre, ht)
        out.append(Equation("h_tilde", symbolic, numeric))
        z = float(rec.steps["z"][s, t, u])
        h_prev, h = float(ref.prev("h", s, t)[u]), float(rec.steps["h"][s, t, u])
        if masked:
            out.append(Equation("h", "h_t = h_{t-1}  (masked: state carried over)", fmt(h)))
        else:
            out.append(Equation("h", "h_t = z_t·h_{t-1} + (1 − z_t)·h~_t",
                                f"{fmt(z)}·{fmt_term(h_prev)} + (1 − {fmt(z)})·{fmt_term(ht)} = {fmt(h)}"))
    else:
        xp, hp, pre = blk("x_proj", 0), blk("h_proj", 0), blk("pre", 0)
        h = float(rec.steps["h"][s, t, u])
        if masked:
            out.append(Equation("h", "h_t = h_{t-1}  (masked: state carried over)", fmt(h)))
        elif halves:
            out.append(Equation("h", "h_t = " + wrap(act, "(W·x_t + b) + (U·h_{t-1} + b')"),
                                call(act, [fmt(xp), fmt_term(hp)], pre, h)))
        elif clip is not None:  # an ONNX RNN without B
            out.append(Equation("h", f"h_t = {wrap(act, 'W·x_t + U·h_{t-1}')}",
                                call(act, [fmt(xp), fmt_term(hp)], pre, h)))
        elif bias is not None:
            b = float(bias[u])
            out.append(Equation("h", f"h_t = {act}(W·x_t + U·h_{{t-1}} + b)",
                                f"{act}({fmt(xp)} + {fmt_term(hp)} + {fmt_term(b)}) = {act}({fmt(pre)}) = {fmt(h)}"))
        else:
            out.append(Equation("h", f"h_t = {act}(W·x_t + U·h_{{t-1}})",
                                f"{act}({fmt(xp)} + {fmt_term(hp)}) = {act}({fmt(pre)}) = {fmt(h)}"))
    return out


def activation_names(ref: CellRef) -> list[str]:
    """The activations the cell's equations use, each once: (recurrent_activation,)
    activation (, an ONNX LSTM's output_activation, h's own)."""
    if not ref.cell.gated:
        names = [act_name(ref.layer.config.get("activation"))]
    else:
        names = [act_name(ref.layer.config.get("recurrent_activation")),
                 act_name(ref.layer.config.get("activation"))]
    if ref.layer.config.get("output_activation") is not None:
        names.append(act_name(ref.layer.config.get("output_activation")))
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def unit_word(layer) -> str:
    """What one of ``layer``'s output numbers a step is called in the views and the unit
    box: a Conv1D's ``filter``, a pooling's ``channel``, else ``unit`` (a recurrent
    layer's, a Dense's); TimeDistributed's its inner layer's."""
    inner = getattr(layer, "inner", None) or getattr(layer, "layer", None)
    if layer.class_name == "TimeDistributed" and inner is not None and hasattr(inner, "class_name"):
        layer = inner
    if layer.class_name in ("Conv1D", "onnx.Conv"):
        return "filter"
    if layer.class_name in ("MaxPooling1D", "AveragePooling1D", "onnx.MaxPool", "onnx.AveragePool",
                            "onnx.BatchNormalization"):
        return "channel"
    return "unit"


def _own_axes(layer, ranks: list) -> list:
    """The steps axis of each output (of ``ranks``) of ``layer``, not an ONNX op (see
    ``steps_axes``)."""
    if getattr(layer, "onnx_op", None):  # an ONNX recurrent node: Y on its layout's time axis
        return [0 if int(layer.config.get("layout", 0)) == 0 else 1] + [None] * (len(ranks) - 1)
    out: list[int | None] = []
    for r in ranks:
        if r is None or r < 3:
            out.append(None)
        elif getattr(layer, "channels_first", False) and r == 3:
            out.append(2)
        elif getattr(layer, "steps_first", False):
            out.append(0)
        else:
            out.append(1)
    return out


#: ``steps_axes`` of each model while its layers are the same objects of the same shapes
_AXES_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def steps_axes(model: Model) -> dict[str, list]:
    """For every layer, the axis of each of its outputs that holds steps (None: none): what
    the views draw as columns and the player counts. A Keras layer's by its data format
    (axis 2 channels first, else 1: a (batch, steps, ...) output; none for (batch,
    features)), the attention block's Dense of a weight per input step on axis 2 (``windows.
    weighs_input_steps``), a Permute's where its dims put its input's steps (a Permute((2, 1))'s on
    axis 2, where a channels_first Conv1D after it reads them), a layer acting on each
    number alone or on each step's features where its inputs' are (``Layer.stepwise``: a ReLU or
    a Softmax(axis=1) after a channels_first Conv1D holds them on axis 2 too, a channels_first
    pooling over (batch, steps, features) on axis 1, its input's steps: the axes a long input's
    windows hold them on, ``windows.window_axes``); an ONNX graph's followed
    from its inputs (axis 0 of a time-major one) op by op, as ``onnx_time.drawn_axes`` says
    (a Transpose moves them, a Conv or a pooling makes new ones on axis 2, a Relu or
    BatchNormalization keeps them, a ReduceMax over them leaves none)."""
    from lstmviz.engine.layers import InputLayer

    key = tuple((id(n.layer), str(n.layer.output_shapes), getattr(n.layer, "channels_first", None))
                for n in model.nodes)
    known = _AXES_KNOWN.get(model)
    if known is not None and known[0] == key:
        return known[1]
    length = fixed_input_length(model)  # (the attention block's Dense: ``weighs_input_steps``)
    axes: dict[str, list] = {}
    tags: dict[str, list] = {}  # (an ONNX tensor's: where it holds the sequence's length, ``onnx_time``)
    shapes: dict[str, list] = {}
    for node in model.nodes:
        layer = node.layer
        shapes[layer.name] = [tuple(s) if s is not None else None for s in (layer.output_shapes or [None])]
        if isinstance(layer, InputLayer):
            shape = list(layer.config.get("batch_shape") or [])
            steps = len(shape) >= 2 and not layer.config.get("role")
            axes[layer.name] = [(0 if layer.config.get("time_major") else 1) if steps else None]
            tags[layer.name] = [None]
            continue
        def of(table: dict[str, list], r) -> object:
            got = table.get(r.layer) or []
            return got[r.tensor_index] if r.tensor_index < len(got) else None

        in_axes = [of(axes, r) for r in node.inbound]
        ranks = [None if s is None else len(s) for s in shapes[layer.name]]
        if str(layer.class_name).startswith("onnx.") and hasattr(layer, "op"):
            axes[layer.name], tags[layer.name] = drawn_axes(
                layer, in_axes, [of(tags, r) for r in node.inbound], [of(shapes, r) for r in node.inbound], ranks)
        else:
            axes[layer.name] = _own_axes(layer, ranks)
            dims = list(layer.dims) if isinstance(layer, Permute) else []
            ax = in_axes[0] if in_axes else None
            if weighs_input_steps(layer, in_axes, length):
                # (the attention block's Dense over (batch, features, steps) of the model's
                # length: a weight per input step, on axis 2 still, as a long input's windows
                # hold it; the Permute((2, 1)) after it puts them back on axis 1)
                axes[layer.name] = [2]
            elif dims and isinstance(ax, int) and 1 <= ax <= len(dims) and ranks[:1] == [len(dims) + 1]:
                # (a Permute moves the steps where its dims put them: a Permute((2, 1))'s on
                # axis 2, as a long input's windows hold them, ``windows._plan``)
                axes[layer.name] = [1 + dims.index(ax)]
            elif (ax in (1, 2) and all(a == ax for a in in_axes) and len(ranks) == 1 and (ranks[0] or 0) >= 3
                  and (layer.stepwise(ax) or (ax == 2 and len(in_axes) == 1 and layer.along_steps(2)))):
                # (a layer acting on each step alone on the axis its inputs hold the steps on
                # (``Layer.stepwise``) keeps them there, its steps its input's, one clock, as
                # ``windows._plan`` follows it (``windows.new_clock``): a Dropout, an
                # Activation, a ReLU ... after a channels_first Conv1D: each number alone; a
                # Softmax(axis=1), LayerNormalization(axis=1), Concatenate(axis=1): each step's
                # features, on axis 2, a 4-D one's after a Permute((2, 1, 3)) too; a
                # channels_first pooling over (batch, steps, features), pooling each step's
                # features, on axis 1 (not its own pooled features drawn as steps); a
                # Softmax(axis=2) or LayerNormalization(axis=2) after a channels_first Conv1D,
                # along the steps (held whole by a long input's pass), on axis 2)
                axes[layer.name] = [ax]
    _AXES_KNOWN[model] = (key, axes)
    return axes


def steps_axis(model: Model, name: str, axes: dict[str, list] | None = None) -> int | None:
    """The axis of layer ``name``'s (first) output that holds steps (``steps_axes``)."""
    got = (axes if axes is not None else steps_axes(model)).get(name) or [None]
    return got[0]


def steps_in(model: Model, name: str, shape) -> int | None:
    """How many steps an output of layer ``name`` of ``shape`` holds: its size on the axis
    ``steps_axes`` says holds them (a Dense over (batch, features, steps) after a Permute((2,
    1)): its features, axis 1; a channels_first Conv1D's: axis 2); None where it holds none
    or the size is not known. What a whole trace counts a layer's steps by
    (``tracing._steps_of``), and a long input a layer computed once (``LongSequence``)."""
    ax = steps_axis(model, name)
    if ax is None or len(shape) <= ax or shape[ax] is None:
        return None
    return int(shape[ax])


def steps_first_view(out: np.ndarray, axis: int | None) -> np.ndarray:
    """A 3-D (or 4-D) output ``out`` as (batch, steps, channels), its steps on ``axis`` (None: 1,
    as it is): a channels-first (N, C, L) output turned to (N, L, C), a time-major (T, N,
    C) one to (N, T, C); a time-major 4-D one, an ONNX node's Y (T, directions, N, H) or an op
    keeping its shape (a Softmax over its axis 0), to (N, T, directions x H), the directions'
    features side by side as a Keras Bidirectional's concat (a copy)."""
    if out.ndim == 4 and axis == 0:
        return out.transpose(2, 0, 1, 3).reshape(out.shape[2], out.shape[0], -1)
    if out.ndim != 3 or axis in (None, 1):
        return out
    return out.transpose(0, 2, 1) if axis == 2 else out.transpose(1, 0, 2)
