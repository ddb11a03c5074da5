"""The Unrolled view's layout, computed without Qt: which rows stand for which layers
(following the model's graph), the time axes (one block of columns each, side by side),
and each row's place. ``ui/views/unrolled.py`` draws it.

Columns are INPUT time (x_0 on the left). A row sits one level above the rows feeding it,
so rows on other time axes share a level (a seq2seq encoder beside its decoder; blocks
that only read one row of another axis stand a level apart where the drawing has the
levels, ``_stagger``); a Bidirectional's halves sit close together.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lstmviz.app.cell_ref import (
    CellRef,
    cell_refs,
    final_states_of,
    mixed_steps,
    model_inputs,
    reversed_steps,
    stacked_cell_refs,
    state_refs,
    state_sources,
    steps_axes,
    steps_first_view,
    token_label,
    unit_word,
)
from lstmviz.app.counts import tick_labels
from lstmviz.app.output_ref import nonnegative
from lstmviz.app.scale import from_zero_levels, largest, symmetric_levels
from lstmviz.engine import Model, Trace
from lstmviz.engine.layers import IDENTITY_CLASSES, InputLayer
from lstmviz.engine.layers_more import StepMap
from lstmviz.engine.trace import whole_steps, window_first
from lstmviz.errors import LstmvizError

ROW_H = 1.0      # cell height (data units)
ROW_GAP = 0.9    # vertical room between rows for the "output goes up" arrows
BIDI_GAP = 0.3   # between a Bidirectional's forward and backward rows
#: the same where the forward row has words on its top edge (the note of the state it starts
#: from, 'initial state', its block's name): at 0.3 they ran into the backward row's cells
#: (at 1024 x 768 in the projector theme); a view too small for them even so hides them
BIDI_TEXT_GAP = 0.6
DOMAIN_GAP = 0.05  # room between two time axes, as a share of all their columns (>= 1)
#: a recurrent layer whose rows' largest |value| is under this share of the shared scale
#: (the colour bar's) is coloured on its own scale: beside a layer that explodes (a ReLU
#: LSTM's +-1e11, pawra_lstm_model.h5) a layer of values up to 0.43 drew all black
OWN_SCALE_SHARE = 0.01


class RowHeights:
    """The rows of each time axis by height, for whether a connection between two heights
    passes another layer's row (``crossed``: it then runs in a lane left of the block), in
    logarithmic time: every row scanned for every connection was quadratic, 1.6 s for a
    stranger's graph of 5,000 rows."""

    def __init__(self, rows: list[Row]):
        by: dict[int, list[Row]] = {}
        for r in rows:
            by.setdefault(r.domain, []).append(r)
        self._rows = {d: sorted(rs, key=lambda r: r.y) for d, rs in by.items()}
        self._ys = {d: [r.y for r in rs] for d, rs in self._rows.items()}

    def crossed(self, lo: float, hi: float, domain: int, skip: tuple) -> bool:
        """Whether a row of time axis ``domain`` stands strictly between heights ``lo`` and
        ``hi`` that is of none of the layers ``skip`` (the connection's own two: a
        Bidirectional's other half)."""
        rows, ys = self._rows.get(domain, []), self._ys.get(domain, [])
        # (a layer has two rows at most, a Bidirectional's: the loop ends within three)
        return any(rows[k].layer not in skip for k in range(bisect_right(ys, lo), bisect_left(ys, hi)))


@dataclass
class Row:
    """One drawn row: the input, a recurrent cell row, or another layer's outputs."""

    key: str                      # "input", "<layer>", "<layer>/forward", ...
    label: str
    layer: str | None             # Keras layer name to select when clicked (None: input)
    side: str | None = None
    kind: str = "layer"           # "input", "rnn", "seq" (per-step), "last" (one box)
    ref: CellRef | None = None
    y: float = 0.0
    data: np.ndarray | None = None   # (batch, T, n) values in PROCESSING order (rnn) / input order
    levels: tuple = (-1.0, 1.0)
    #: coloured on its own levels, not the shared scale of the recurrent rows (the colour
    #: bar's): a row without a cell beside cells, a recurrent row too small to be seen on
    #: the shared scale (``colour_levels``); an input's are its own always
    own_scale: bool = False
    #: a row without a cell whose every number is >= 0 whatever the input (a Conv1D of relu,
    #: the pooling after it, a softmax head: ``output_ref.nonnegative``): its own levels run
    #: from 0 up (``scale.from_zero_levels``), coloured on the gates' sequential map, as Over
    #: time and Units at scale colour that output
    from_zero: bool = False
    mask: np.ndarray | None = None   # (batch, T) input order, True = kept
    #: its steps run right to left: a recurrent row processing the input from its last step
    #: (``CellRef.backwards``: go_backwards, a forward layer after a go_backwards layer's
    #: sequence), a row of a sequence standing over the input turned around
    #: (``cell_ref.reversed_steps``: its ``data`` and ``mask`` turned to input order)
    backwards: bool = False
    final_cols: list = field(default_factory=list)  # columns whose output goes up
    image: Any = None                # the view's image item for the row
    values: np.ndarray | None = None  # what the cells show now, input order (T,)
    units: int = 1
    rect: Any = None                 # the view's rectangle of the row's cells
    domain: int = 0               # which time axis (block of columns) the row runs on
    offset: float = 0.0           # x of the row's column 0
    T: int = 1                    # the row's columns
    sources: list = field(default_factory=list)      # keys of the rows feeding this one
    #: initial states that other rows' final states give this recurrent row, each
    #: (source row key, the source's state key, this row's state key): a Bidirectional's
    #: halves each their own half of ``initial_state=`` (``cell_ref.state_refs``), from the
    #: half that made it (``cell_ref.final_state_of``), each state a ``Concatenate`` joins
    #: (``cell_ref.final_states_of``: a Bidirectional encoder's ``h_f``, ``h_b`` both, the
    #: same state key here); drawn into this row's first processed cell (a backward row's
    #: right end)
    states_from: list = field(default_factory=list)
    #: the model's inputs that give this recurrent row its initial states (``Model.state_inputs``,
    #: ``cell_ref.state_sources``: drawn as the arrow into its first processed cell, the
    #: left end's or a backward row's right end's, not as rows of their own)
    state_inputs: list = field(default_factory=list)
    ids: np.ndarray | None = None    # an input of token ids: (batch, T)
    #: what each token id stands for (``token_labels``): the input row's ids, and an output
    #: row's most likely token (``predicted``), are shown as these texts
    id_labels: tuple[str, ...] | None = None
    predicted: np.ndarray | None = None  # an output row over the tokens: its argmax (batch, T)
    kind_name: str | None = None     # a recurrent row's cell kind
    #: a layer that reads windows of steps (Conv1D, a pooling: ``engine/conv.py``): the
    #: connections (source column, this row's column) from its source row (``sources[0]``),
    #: each output step from the steps it reads (``reads``); None: every column from the one
    #: below it, or a fan from the source's last column (another time axis)
    links: list[tuple[int, int]] | None = None
    #: each of its steps reads every step of its source row (``sources[0]``, on its time
    #: axis): a Softmax or LayerNormalization over the steps (``Layer.reads_every_step``),
    #: drawn as a bus across the steps (and the selected step's fan), not "every step goes up"
    reads_all: bool = False
    #: a row of a layer over sub-sequences (a 4-D output, TimeDistributed(Conv1D)): its
    #: sub-steps a stripe each in a cell of its step, of the selected filter (``kind`` "sub")
    sub_steps: int = 0
    #: what the unit box picks in this row: "unit", a Conv1D's "filter", a pooling's "channel"
    unit_word: str = "unit"
    id_texts: list = field(default_factory=list)  # the view's text items of its ids (none: not written)
    #: its steps each join steps over two input steps, t and T-1-t (``cell_ref.mixed_steps``:
    #: a merge of a turned sequence and one in input order, and the layers after it): the
    #: merge's name, which the legend and header say; "" else. (Drawn in the merge's first
    #: input's order, ``reversed_steps``.)
    mixed: str = ""

    def column_of(self, step: int) -> int:
        """The column of the row's own step ``step`` (a recurrent row's processing step,
        ``CellRef.input_index``; a sequence over the input turned around: T-1-step)."""
        if self.ref is not None:
            return self.ref.input_index(step) if self.ref.T == self.T else int(step)
        return self.T - 1 - int(step) if self.backwards and self.kind in ("seq", "sub") else int(step)

    def step_at(self, column: int) -> int:
        """The row's own step at ``column`` (``column_of`` is its own inverse)."""
        return self.column_of(column)


def _over_tokens(values: np.ndarray, labels: tuple[str, ...] | None) -> np.ndarray | None:
    """The most likely token at each (sample, step) of ``values`` (..., units) when they
    are probabilities over the tokens ``labels`` names (a softmax over the vocabulary:
    one unit per token, each sample and step summing to 1); else None."""
    if labels is None or values.shape[-1] != len(labels) or values.size == 0:
        return None
    if np.min(values) < 0 or not np.allclose(values.sum(-1), 1.0, atol=1e-3):
        return None
    return np.argmax(values, axis=-1)


def _turn(values: np.ndarray | None, turn: bool) -> np.ndarray | None:
    """``values`` (batch, steps, ...) with its steps turned around where ``turn``."""
    return values[:, ::-1] if turn and values is not None else values


def step_links(model: Model, layer, source: Row, columns: int, steps: int,
               in_axis: int | None = 1, window: tuple[int, int, int] | None = None) -> list[tuple[int, int]] | None:
    """(source column, column) for every step a layer over windows of steps (``read_steps``:
    Conv1D, MaxPooling1D, AveragePooling1D, ONNX's Conv, MaxPool, AveragePool) reads from
    ``source``, its row below, of ``columns`` columns, into its ``steps`` columns; None
    where the source's columns are not the steps the layer reads: its input holds its
    steps on axis ``in_axis`` (``cell_ref.steps_axes``), the layer reads axis 2 channels
    first, else 1 (a channels-first layer over a row whose columns are its channels).
    ``window``: a long input's, ``(the source's steps of the whole sequence, the layer's
    first step, the source's first step)``: the steps its columns read of the whole
    sequence, those the source's columns hold (a Cropping1D((3, 0))'s first column reads
    the input's fourth, not a window of its own over the input's columns)."""
    if source.data is None:
        return None
    if in_axis != (2 if getattr(layer, "channels_first", False) else 1):
        return None
    try:
        if window is not None and isinstance(layer, StepMap):
            total, start, below = window
            idx = layer.read_steps(int(total), start, start + steps) - below
            idx[(idx < 0) | (idx >= columns)] = -1  # (outside the source's columns: not drawn)
        else:
            idx = layer.read_steps(int(columns))
    except LstmvizError:  # (a valid window longer than the row: not this row's steps)
        return None
    if idx.shape[0] != steps:
        return None
    # a sequence over the input turned around (a go_backwards layer's, in its processing
    # order, and the layers' after it: ``cell_ref.reversed_steps``) has its step i at column
    # T-1-i, and so has this layer's own where it keeps that order
    turned = reversed_steps(model)
    turn = source.layer is not None and turned.get(source.layer, False)
    own = turned.get(layer.name, False)
    links = []
    for t, taps in enumerate(idx.tolist()):
        for i in taps:
            if i >= 0:
                links.append((columns - 1 - i if turn else i, steps - 1 - t if own else t))
    return sorted(set(links), key=lambda link: (link[1], link[0]))


#: at most this many columns of a row over windows of steps have their connections drawn
#: (every k-th column, k round: ``thin_links``); 200 steps' 600 lines were a grey band
LINKED_COLUMNS = 24


def thin_links(links: list[tuple[int, int]], columns: int,
               most: int = LINKED_COLUMNS) -> tuple[list[tuple[int, int]], int]:
    """The connections into every k-th of ``columns`` columns (k the least of 1, 2, 5, 10,
    20, 50, ... giving at most ``most``), and k. (The view draws the selected step's own
    connections over them.)"""
    every = thin_every(columns, most)
    return [link for link in links if link[1] % every == 0], every


def thin_every(columns: int, most: int = LINKED_COLUMNS) -> int:
    """k, the least of 1, 2, 5, 10, 20, 50, ... that leaves at most ``most`` of ``columns``
    columns in every k-th (``thin_links``; the steps a fan into a step reading every step
    comes from)."""
    return next(k for k in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10**9) if -(-columns // k) <= most)


def build_rows(model: Model, trace: Trace, inputs=None,
               labels: tuple[str, ...] | None = None) -> tuple[list[Row], list[int]]:
    """The rows, each on a time axis (``domains``: the columns of each axis), and which
    rows feed which, following the model's graph. (An input row's ``levels`` are the
    view's to set: they are colours.) ``labels``: what each token id of the (one) input
    stands for, when the app knows it (``token_labels``)."""
    rows: list[Row] = []
    domains: list[int] = []
    dom_of: dict[str, int | None] = {}   # layer name -> its time axis
    feeds: dict[str, list[str]] = {}     # layer name -> keys of the rows standing for it
    undecided: list[Row] = []            # inputs without known values: their axis comes last
    own_domains: dict[tuple, int] = {}   # (tensor read, steps) -> the axis of recurrent layers over it

    def new_domain(length: int) -> int:
        domains.append(max(1, int(length)))
        return len(domains) - 1

    xs = model_inputs(trace, inputs)
    names = [r.layer for r in model.inputs]
    axes = steps_axes(model)  # (where each layer's output holds steps: columns are steps)
    in_axis: dict[str, int | None] = {}  # layer name -> the steps axis of its first input
    states = model.state_inputs()
    nonneg = nonnegative(model)
    turned = reversed_steps(model)  # (the sequences standing over the input turned around)
    mixed = mixed_steps(model)  # (and those whose steps join a turned one's and another's)
    masks = model.mask_ops  # (Keras 3's saved mask ops: no row, their mask the greyed steps)
    for k, name in enumerate(names):
        key = "input" if k == 0 else f"input:{name}"
        # a recurrent layer's initial state: said at its row's first cell; an ONNX node's
        # sequence lengths (a number a sample): its masked steps say them (a row of 20 empty
        # cells stood between the input and the layer, as if each step read it)
        if name in states or model.get_layer(name).config.get("role") == "sequence_lens":
            dom_of[name], feeds[name] = None, []
            continue
        label = "input x" if len(names) == 1 else name
        x = np.asarray(xs[k]) if xs is not None and k < len(xs) else None
        if x is not None and x.ndim == 3 and model.get_layer(name).config.get("time_major"):
            x = x.transpose(1, 0, 2)  # an ONNX graph's (time, batch, features) input
        dom: int | None = None
        if x is not None and x.ndim >= 2:
            if x.ndim == 2:  # token ids
                known = labels if len(names) == 1 else None
                row = Row(key, ("x (text)" if known else "x (ids)") if len(names) == 1 else f"{name} (ids)",
                          None, kind="input", data=x[..., None].astype(np.float32))
                row.ids, row.id_labels = x, known
            else:
                row = Row(key, label, None, kind="input",
                          data=x.reshape(x.shape[0], x.shape[1], -1).astype(np.float32))
            dom = row.domain = new_domain(x.shape[1])
        else:
            row = Row(key, label, None, kind="input", data=None)
            undecided.append(row)
        rows.append(row)
        dom_of[name] = dom
        feeds[name] = [key]
    for node in model.nodes:
        layer = node.layer
        if isinstance(layer, InputLayer):
            continue
        if layer.name in masks:  # (booleans, no values: drawn as the masked steps of the rows they mask)
            dom_of[layer.name], feeds[layer.name] = None, []
            continue
        srcs = [r.layer for r in node.inbound]
        up = list(dict.fromkeys(k for s in srcs for k in feeds.get(s, [])))
        d_src = next((dom_of[s] for s in srcs if dom_of.get(s) is not None), None)
        rec = trace.layers.get(layer.name)
        out = None if rec is None else np.asarray(rec.output)
        ax = (axes.get(layer.name) or [None])[0]
        first = node.inbound[0] if node.inbound else None
        below = (axes.get(first.layer) or []) if first is not None else []
        in_axis[layer.name] = (below[first.tensor_index] if first is not None and first.tensor_index < len(below)
                               else None)
        drawn = rec is not None and layer.class_name not in IDENTITY_CLASSES and not getattr(layer, "glue", False)
        refs = cell_refs(model, trace, layer.name) if drawn else []
        # (an RNN([cells]): a row a cell, cell k reading cell k-1's outputs, as a
        # Bidirectional's halves are two rows; it was one row of its output)
        stack = [] if refs or not drawn else stacked_cell_refs(model, trace, layer.name)
        # a recurrent layer's row stands on its own steps, whatever it returns: over
        # (batch, features, steps) after a Permute((2, 1)) its features (a Bidirectional
        # returning its last step was drawn on its input's steps, its 4 cells over 6 columns)
        own = (refs or stack)[0].T if refs or stack else None
        if own is None and out is not None and out.ndim == 3 and not getattr(layer, "glue", False):
            own = out.shape[ax if ax is not None else 1]
        if own is not None:
            steps = int(own)
            # (a channels-first layer over a row whose columns are its channels: a time axis of
            # its own, but a pooling acting on each of its input's steps alone, keeping them on
            # their axis, ``steps_axes``: its steps its input's)
            # (a Cropping1D, ZeroPadding1D or UpSampling1D: steps of its own, also where a long
            # input's window holds as many of them as of the input's: ``StepMap.own_clock``)
            same = (d_src is not None and domains[d_src] == steps
                    and not (getattr(layer, "channels_first", False) and in_axis[layer.name] != 2
                             and (ax is None or in_axis[layer.name] != ax))
                    and not (isinstance(layer, StepMap) and layer.own_clock))
            # (recurrent layers reading the same tensor step over the same steps: one block)
            read = (first.layer, first.tensor_index, steps) if (refs or stack) and first is not None else None
            if same:
                dom_of[layer.name] = d_src
            else:
                shared = own_domains.get(read) if read is not None else None
                dom_of[layer.name] = mine = shared if shared is not None else new_domain(steps)
                if read is not None:
                    own_domains[read] = mine
        else:
            dom_of[layer.name] = d_src
        # (an ONNX Shape reads no value: the zeros of an initial state made from the input's
        # batch size are not fed by the input; drawn as such, they fanned from its last step)
        feeds[layer.name] = [] if getattr(layer, "op", None) == "Shape" else up
        if not drawn:
            continue
        d = dom_of[layer.name]
        if d is None:  # no time axis below (a plain vector input): one column of its own
            d = dom_of[layer.name] = new_domain(1)
        made: list[Row] = []
        if refs or stack:
            for ref in refs or stack:
                label = layer.name
                if ref.side is not None and ref.side.startswith("cell_"):
                    label = ref.label + (" ◀" if ref.backwards else "")
                elif ref.side is not None:
                    label = f"{layer.name} {'▶ fwd' if ref.side == 'forward' else '◀ bwd'}"
                elif ref.backwards:
                    label = f"{layer.name} ◀"
                key = layer.name if ref.side is None else f"{layer.name}/{ref.side}"
                mask = None
                if ref.rec.mask is not None:
                    mask = ref.rec.mask[:, ::-1] if ref.backwards else ref.rec.mask
                seqs = bool(ref.layer.config["return_sequences"])  # (a stack's cells but its last: True)
                final = list(range(ref.T)) if seqs else [ref.input_index(ref.T - 1)]
                row = Row(key, label, layer.name, ref.side, "rnn", ref, data=ref.rec.steps["h"],
                          mask=mask, backwards=ref.backwards, final_cols=final, units=ref.units)
                row.kind_name = ref.kind
                # the model's inputs that start it: a Bidirectional's backward half its own
                # (the second half of initial_state=), an ONNX node's halves the same h0
                row.state_inputs = list(dict.fromkeys(
                    s.name for s in state_sources(model, ref).values() if s.name in states))
                # other layers' final states that start it (each half its own half)
                # (each state a Concatenate joins: a Bidirectional encoder's h_f and h_b)
                for key_here, tensor in state_refs(model, ref).items():
                    for name, side, key_there in final_states_of(model, tensor):
                        row.states_from.append((name if side is None else f"{name}/{side}", key_there, key_here))
                if made and stack:  # (cell k steps through cell k-1's outputs)
                    row.sources = [made[-1].key]
                made.append(row)
        elif out is not None and (out.ndim == 3 or (out.ndim == 4 and ax == 0)):
            # (batch, channels, steps) and the like, an ONNX op over a node's Y (time,
            # directions, batch, hidden): columns are steps
            out = steps_first_view(out, ax)
            # (the mask its output carries: a Masking's, a Dense's after a masked LSTM's
            # sequence, ``trace.keep_output_mask``: its masked cells grey as a cell's)
            kept = rec.mask if rec.mask is not None and np.shape(rec.mask) == out.shape[:2] else None
            # a sequence over the input turned around (after a go_backwards layer's: its step t
            # over input step T-1-t, ``reversed_steps``): its columns turned, input order
            turn = turned.get(layer.name, False)
            seq = out[:, ::-1] if turn else out
            made.append(Row(layer.name, layer.name, layer.name, None, "seq", data=seq.astype(np.float32),
                            units=out.shape[-1], mask=_turn(kept, turn), backwards=turn,
                            unit_word=unit_word(layer)))
        elif out is not None and out.ndim == 4 and d_src is not None and domains[d_src] == out.shape[1]:
            # over sub-sequences (batch, steps, sub-steps, channels): a cell a step, a stripe a sub-step
            turn = turned.get(layer.name, False)
            sub = out[:, ::-1] if turn else out
            made.append(Row(layer.name, layer.name, layer.name, None, "sub", data=sub.astype(np.float32),
                            units=out.shape[-1], sub_steps=out.shape[2], backwards=turn,
                            unit_word=unit_word(layer)))
        elif out is not None and out.ndim == 2:
            made.append(Row(layer.name, f"{layer.name} (once)", layer.name, None, "last",
                            data=out[:, None, :].astype(np.float32), units=out.shape[-1]))
        if made and made[-1].kind in ("seq", "last") and made[-1].data is not None:
            made[-1].predicted = _over_tokens(made[-1].data, labels)
            made[-1].id_labels = labels if made[-1].predicted is not None else None
        if not made:
            continue
        for row in made:
            row.domain = d
            row.from_zero = row.kind != "rnn" and nonneg.get(layer.name, False)
            row.mixed = mixed.get(layer.name, "")
        made[0].sources = up  # (a stack's later cells: the cell before, above)
        rows.extend(made)
        feeds[layer.name] = [made[-1].key]
    # an input without known values takes the columns of the first row it feeds
    for row in undecided:
        user = next((r for r in rows if row.key in r.sources), None)
        row.domain = user.domain if user is not None else (0 if domains else new_domain(1))
    # Which columns of a per-step row feed upward: all of them for "seq"/"input".
    for row in rows:
        if row.kind in ("seq", "input", "sub"):
            row.final_cols = list(range(domains[row.domain]))
    # a layer reading windows of steps: each of its steps from exactly the steps it reads
    by_key_ = {r.key: r for r in rows}
    for row in rows:
        if row.kind == "seq" and row.sources and hasattr(model.get_layer(row.layer), "read_steps"):
            src = by_key_.get(row.sources[0])
            if src is not None:
                under = trace.layers.get(src.layer) if src.layer is not None else None
                whole = whole_steps(trace, under)  # (a long input's window: its steps of the whole)
                window = ((whole, window_first(trace, trace.layers.get(row.layer)), window_first(trace, under))
                          if whole else None)
                row.links = step_links(model, model.get_layer(row.layer), src, domains[src.domain],
                                       domains[row.domain], in_axis.get(row.layer or ""), window)
        if row.kind == "seq" and row.sources and row.layer is not None:
            src = by_key_.get(row.sources[0])
            axis = in_axis.get(row.layer)
            row.reads_all = (src is not None and src.domain == row.domain and axis is not None
                             and model.get_layer(row.layer).reads_every_step(axis))
    # a row of one box (a Dense head after a last step) hands its output up where the row
    # below handed it in (a recurrent row's last processed step), else at its last column
    # (it fed no column: a second Dense over the first had no arrow into it)
    # (a Bidirectional's output: both halves' last processed steps, the view's arrows in)
    by_key = {r.key: r for r in rows}
    for row in rows:
        if row.kind == "last" and not row.final_cols:
            given: set[int] = set()
            for k in row.sources:
                src = by_key.get(k)
                if src is not None and src.domain == row.domain:
                    given.update(src.final_cols)
                    if src.side == "backward":
                        given.update(by_key.get(f"{src.layer}/forward", src).final_cols)
            row.final_cols = [max(given) if given else domains[row.domain] - 1]
    return rows, domains


def colour_levels(rows: list[Row], whole: dict[str, float] | None = None) -> tuple[float, float]:
    """Each row's colour levels but an input's (the view's to set, from a long input's
    overview) and the recurrent rows' shared scale, the colour bar's, which it gives back.

    The recurrent rows share one scale, so that rows are comparable; a row without a cell
    (a Dense head's logits, an Embedding) has its own, as an input has (on the shared one, a
    head's 450 made the cells' -1..1 black), and so has a recurrent layer whose values are
    all under ``OWN_SCALE_SHARE`` of the shared scale (both halves of a Bidirectional
    together): it would be drawn black. Without recurrent rows the rows share one scale,
    but those whose numbers are all >= 0 (``Row.from_zero``), which have their own from 0
    up (``from_zero_levels``: a relu's half of a symmetric scale was all one colour) (with
    recurrent rows too). ``whole``: a long input's rows' largest magnitude over the whole
    sequence by row key (their overviews: a recurrent row's, and a row without a cell over
    the steps, whose own levels then cover it), so that a window's colours stay from window
    to window; the shared scale covers the recurrent rows' (every row's, without recurrent
    rows)."""
    cells = [r for r in rows if r.kind == "rnn" and r.data is not None]
    others = [r for r in rows if r.kind != "input" and r.data is not None]
    # (without cells: the rows that are not all >= 0; those have their own from 0 always)
    sharing = cells or [r for r in others if not r.from_zero]
    shared = symmetric_levels(*[r.data for r in sharing])
    on_shared = {id(r) for r in sharing}  # (rows are dataclasses of arrays: by identity)
    whole = whole or {}
    held = [whole[r.key] for r in (cells or [r for r in rows if r.kind != "input" and id(r) in on_shared])
            if r.key in whole]
    if held:
        m = max([shared[1], *held])
        shared = (-m, m)
    # a recurrent layer's magnitude: over its rows (a Bidirectional's halves), the whole
    # sequence's where a long input's overviews give it
    size: dict[str | None, float] = {}
    for r in cells:
        size[r.layer] = max(size.get(r.layer, 0.0), largest(r.data), whole.get(r.key, 0.0))
    own_layers = {name: m for name, m in size.items() if 0.0 < m < OWN_SCALE_SHARE * shared[1]}
    for row in rows:
        row.own_scale = False
        if row.kind == "input":
            continue
        if row.kind == "rnn" and row.layer in own_layers:
            m = own_layers[row.layer]
            row.levels, row.own_scale = (-m, m), True
        elif row.kind == "rnn" or (not cells and id(row) in on_shared):
            row.levels = shared
        elif row.data is not None:
            levels = from_zero_levels if row.from_zero else symmetric_levels
            row.levels = levels(row.data, [whole.get(row.key, 0.0)])
            row.own_scale = True
        else:
            row.levels = shared
    return shared


def strip_values(values: np.ndarray, rows: list[Row], shared: tuple[float, float]) -> np.ndarray:
    """A long input's overview strip (``values``: a line per row of ``rows``, by bins) put
    on ``shared``, the levels of the strip's one image (the colour bar's): a row coloured
    on its own scale in the window below (``colour_levels``, ``Row.own_scale``) is scaled
    by shared / its own, so that its line in the strip takes the colours of its cells, by
    the same rule; a tiny layer beside one that explodes drew black there. Other lines are
    given back as they are."""
    values = np.asarray(values)
    factors = [shared[1] / r.levels[1] if r.own_scale and r.levels[1] > 0 else 1.0 for r in rows]
    if all(f == 1.0 for f in factors):
        return values
    out = values.astype(np.float64)  # (a factor of 1e11 on float32 values: no overflow)
    for i, f in enumerate(factors):
        if f != 1.0:
            out[i] *= f
    return out


def place_rows(rows: list[Row]) -> float:
    """Each row's height: one level above the rows that feed it, so rows on other time
    axes share a level (a seq2seq encoder beside its decoder), rows on one axis never;
    a Bidirectional's halves sit close together. Returns the top of the drawing."""
    level: dict[str, int] = {}
    taken: set[tuple[int, int]] = set()
    for row in rows:
        fwd = f"{row.layer}/forward" if row.side == "backward" else None
        if fwd in level:
            lv = level[fwd] + 1  # a Bidirectional's backward half: right above its forward
        else:
            lv = 1 + max((level[k] for k in row.sources if k in level), default=-1)
        while (row.domain, lv) in taken:
            lv += 1
        level[row.key] = lv
        taken.add((row.domain, lv))
    _stagger(rows, level, taken)
    rows_at: dict[int, list[Row]] = {}
    for row in rows:
        rows_at.setdefault(level[row.key], []).append(row)
    def says_on_top(row: Row) -> bool:
        """Whether the view writes on ``row``'s top edge: its block's name (rows of other
        time axes beside it), the note of a state coming in, 'initial state'."""
        return bool(len(rows_at[level[row.key]]) > 1 or row.state_inputs or row.states_from
                    or (row.ref is not None and row.ref.layer.config.get("stateful")))

    y_of, y = {}, 0.0
    for lv in range(max(level.values(), default=0) + 1):
        if lv > 0:
            tight = all(r.side == "backward" and level.get(f"{r.layer}/forward") == lv - 1
                        for r in rows_at.get(lv, [None]) if r is not None) and lv in rows_at
            words = any(says_on_top(r) for r in rows_at.get(lv - 1, []))
            y += ROW_H + ((BIDI_TEXT_GAP if words else BIDI_GAP) if tight else ROW_GAP)
        y_of[lv] = y
    for row in rows:
        row.y = y_of[level[row.key]]
    return y + ROW_H + ROW_GAP

def _stagger(rows: list[Row], level: dict[str, int], taken: set[tuple[int, int]]) -> None:
    """Rows on time axes of their own that read one row of another axis, their blocks side
    by side on one level (k3_around_rnn: a GlobalMaxPooling1D's of one step, a Cropping1D's,
    a ZeroPadding1D's and an UpSampling1D's blocks right of the LSTM's, all on the level
    above it), stand a level apart, the farthest from the source lowest, where the drawing
    has those levels anyway (never taller) and nothing stands there on their axes: their
    connections rise from the source at slopes of their own, under the nearer blocks (side
    by side, nearly level, they ran along the bottom edges of the blocks between, over one
    another: at 1024 x 768 presenting one black wedge from the LSTM to the UpSampling1D).
    Only rows no other row reads, nor takes states from (its readers keep their levels
    above it); ``level`` and ``taken`` are changed in place."""
    by_key = {r.key: r for r in rows}
    read = {k for r in rows for k in r.sources} | {s[0] for r in rows for s in r.states_from}
    top = max(level.values(), default=0)
    groups: dict[tuple[str, int], list[Row]] = {}
    for r in rows:
        src = by_key.get(r.sources[0]) if len(r.sources) == 1 else None
        if (src is not None and src.domain != r.domain and r.side is None and r.key not in read
                and not r.states_from and not r.state_inputs):
            groups.setdefault((src.key, level[r.key]), []).append(r)
    for (src_key, lv), group in groups.items():
        if len(group) < 2:
            continue
        here = by_key[src_key].domain
        group.sort(key=lambda r: (-abs(r.domain - here), r.domain))  # (the farthest first: lowest)
        for k, r in enumerate(group):
            to = lv + k
            if to > top or (to != lv and (r.domain, to) in taken):
                break
            taken.discard((r.domain, lv))
            taken.add((r.domain, to))
            level[r.key] = to


def step_ticks(T: int, width: int | None = None, first: int = 0, apart: float = 0.0) -> list:
    """Ticks of one time axis of T columns showing steps ``first``..``first+T-1``, spaced for
    ``width`` columns in all (~20 labels), at round steps (a long input's window from step
    31,104 on: 31,120, 31,140, ..., not 31,124, 31,144), in the compact form of
    ``counts.tick_labels``; ``apart``: the least columns between two labels (a label's room
    on screen), the finest round spacing at least that far. Where that leaves fewer than
    two labels on a block of two steps or more, its first and last steps, where they stand
    that far apart (a MaxPooling1D(2)'s five steps beside the side panel at 800 x 600 said
    "0" alone: the whole axis was thinned to every 5th label, whichever block each was in;
    they say "0" and "4", or "0, 2, 4")."""
    cols = max(T, width or T)
    every = next(k for k in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 10**9)
                 if cols / k <= 20 and k >= apart)
    cols_at: list[int] = list(range(-first % every, T, every))
    if len(cols_at) < 2 and T > 1 and T - 1 >= apart:
        cols_at = [0, T - 1]
    return list(zip((float(c) for c in cols_at), tick_labels(c + first for c in cols_at)))


def block_titles(rows: list[Row], domains: list[int]) -> list[tuple[str, ...]]:
    """What the steps of each block of columns are, as the step axis says under it, whole
    then shorter: "input step t" where a model input's row is on it (the input's steps),
    else "step t of pool", the steps of the first layer on it (rows in the model's order:
    the one whose steps they are, a strided Conv1D's, a pooling's, a RepeatVector's), then
    "t (pool)", then "t". Names as the file gives them: the view writes them as plain text.
    (Every block said "input step t", also one of a MaxPooling1D(2)'s steps, each two input
    steps.)"""
    titles: list[tuple[str, ...]] = []
    for d in range(len(domains)):
        on = [r for r in rows if r.domain == d]
        if not on or any(r.kind == "input" for r in on) or on[0].layer is None:
            titles.append(("input step  t", "t"))
        else:
            titles.append((f"step t of {on[0].layer}", f"t ({on[0].layer})", "t"))
    return titles


@dataclass
class Layout:
    """Where everything goes: the rows (each with its ``offset``, ``T`` and ``y``), the time
    axes' columns (``domains``) and where each starts (``offsets``), all columns with
    the gaps between axes (``T``), the gap between two cells (``cell_gap``, narrower for
    long axes) and the top of the drawing (``top``)."""

    rows: list[Row]
    domains: list[int]
    offsets: list[float]
    T: int
    cell_gap: float
    top: float


def layout(model: Model, trace: Trace, inputs=None, labels: tuple[str, ...] | None = None) -> Layout:
    """The Unrolled view's layout of ``trace``: rows along the model's graph, one block
    of columns per time axis (``labels``: see ``build_rows``)."""
    rows, domains = build_rows(model, trace, inputs, labels)
    offsets = []
    gap = max(1.0, round(DOMAIN_GAP * sum(domains)))
    x = 0.0
    for length in domains:
        offsets.append(x)
        x += length + gap
    T = max(1, int(round(x - gap)))  # columns in all, gaps included
    longest = max(domains)
    cell_gap = 0.4 if longest <= 40 else 0.2 if longest <= 100 else 0.0
    for row in rows:
        row.offset = offsets[row.domain]
        row.T = domains[row.domain]
    top = place_rows(rows)
    return Layout(rows, domains, offsets, T, cell_gap, top)


def tokens_around(ids: np.ndarray, labels: tuple[str, ...] | None, column: int, n: int) -> tuple[list[str], int]:
    """The ``n`` tokens of ``ids`` (one sample's row of a window) around ``column`` as the
    views write them (``labels``: what each id stands for, else the id), and the index of
    ``column``'s among them: the Unrolled view's input row where a window has more columns
    than it can write a token in (a long text's 256 steps), read around the cursor."""
    T = len(ids)
    n = max(1, min(int(n), T))
    column = max(0, min(int(column), T - 1))
    a = max(0, min(column - n // 2, T - n))
    words = []
    for i in ids[a:a + n]:
        label = token_label(int(i), labels)
        words.append(label if label is not None else str(int(i)))
    return words, column - a
