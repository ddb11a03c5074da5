"""What the exports hold, computed without Qt: the trace as ``.npz`` (the arrays
``lstmviz trace --out`` writes too) or as one long ``.csv`` table, and the stack as Keras 3's
``Sequential`` JSON config. ``ui/export.py`` adds the pictures and the animations, and the
format of each file is described there.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import numpy as np

from lstmviz.app.opening import not_a_stack
from lstmviz.app.session import write_atomic
from lstmviz.engine.model import spec_config
from lstmviz.engine.trace import key_name
from lstmviz.errors import LstmvizError
from lstmviz.io.keras3_config import DTYPE_POLICY, jsonable, layer_config

#: Keys of what a trace file holds when it is not every step or every sample: the window
#: ``[first step, step after the last, steps in the sequence]`` (of the input; a layer of
#: its own steps, after a strided Conv1D or pooling, has its own under
#: ``lstmviz:steps/<layer>``) and the input's sample the arrays are of (their batch axis is
#: then 1). No layer's key has this form (a ':' in a layer's name is written %3A:
#: ``engine.trace.key_name``).
STEPS_KEY, SAMPLE_KEY = "lstmviz:steps", "lstmviz:sample"
#: The key of a trace or gradient file's index: a ``(keys, 4)`` string array, a row
#: ``[key, layer, part, record]`` for each array of the file (``Trace.flat_index``,
#: ``Gradients.flat_index``).
KEYS_KEY = "lstmviz:keys"


def window_of(trace) -> tuple[int, int] | None:
    """The processing steps ``(first, after the last)`` a window of a long sequence holds
    (of the input: a layer after a strided Conv1D or pooling holds its own, ``own_windows``);
    None for a whole trace."""
    if trace.total_steps is None:
        return None
    if getattr(trace, "end", None) is not None:
        return trace.start, int(trace.end)
    steps = max((rec.timesteps for rec in trace.layers.values()), default=0)
    return trace.start, trace.start + steps


def own_windows(trace) -> dict[str, tuple[int, int, int]]:
    """Per layer of a long sequence's window whose steps are its own, not the input's (after
    a Conv1D or pooling of strides > 1 or padding 'valid'): ``(first, after the last, its
    steps in the whole sequence)`` (``LayerTrace.start``, ``total``); {} for a whole trace
    and where every layer's steps are the input's."""
    window = window_of(trace)
    if window is None:
        return {}
    got = {}
    spans = getattr(trace, "spans", None) or {}
    for name, rec in trace.layers.items():
        total = getattr(rec, "total", None)
        if total is None:
            continue
        if name in spans:  # (the window's own steps of it: an ONNX node's steps on any axis,
            # a Conv's (N, C, L) on its last, where axis 1 holds its channels)
            lo, hi = (int(v) for v in spans[name])
        else:
            lo = int(rec.start)
            hi = lo + (rec.timesteps or int(np.shape(rec.output)[1]))
        if (lo, hi, int(total)) != (*window, trace.total_steps):
            got[name] = (lo, hi, int(total))
    return got


def trace_arrays(trace, sample: int | None = None) -> dict:
    """``trace.flat()``, its index (``KEYS_KEY``: each key's layer, part and record) and,
    for a window of a long sequence or one traced sample, which steps or which sample the
    arrays hold (``STEPS_KEY``, ``SAMPLE_KEY``)."""
    arrays = dict(trace.flat())
    arrays[KEYS_KEY] = key_index(trace.flat_index())
    window = window_of(trace)
    if window is not None:
        arrays[STEPS_KEY] = np.array([*window, trace.total_steps], dtype=np.int64)
        for name, own in own_windows(trace).items():  # (a layer of its own steps: a pool's)
            arrays[f"{STEPS_KEY}/{key_name(name)}"] = np.array(own, dtype=np.int64)
    if sample is not None:
        arrays[SAMPLE_KEY] = np.array(int(sample), dtype=np.int64)
    return arrays


def grad_arrays(grads, model) -> dict:
    """What ``lstmviz grad`` writes: ``grads.flat(model)`` and its index (``KEYS_KEY``:
    each key's layer, part and record, as a trace file's)."""
    arrays = dict(grads.flat(model))
    arrays[KEYS_KEY] = key_index(grads.flat_index(model))
    return arrays


def key_index(index: dict) -> np.ndarray:
    """A ``flat_index()`` as the string array a trace or gradient file holds under
    ``KEYS_KEY`` (``np.load`` reads it without pickle): a row ``[key, layer, part,
    record]`` a key."""
    rows = [[key, *where] for key, where in index.items()]
    return np.array(rows, dtype=str).reshape(len(rows), 4)


def save_npz(trace, path, sample: int | None = None) -> Path:
    """``np.savez_compressed`` of ``trace_arrays(trace, sample)`` (or of a dict of arrays)
    to exactly ``path`` (no '.npz' appended), atomically."""
    arrays = trace_arrays(trace, sample) if hasattr(trace, "flat") else trace
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return write_atomic(path, buf.getvalue())


def trace_rows(trace, sample_offset: int = 0):
    """The long table's rows: (layer, key, sample, step, unit, value); steps counted in the
    whole sequence (a long input's window starts at ``trace.start``); a layer's numbers over
    every step (``LayerTrace.stats``: m and S, mean and var) have no step. A window's arrays over
    the whole sequence (the model's outputs: a ``WindowedTrace`` keeps them whole) give the
    rows of the window's steps only: the table is of the window."""
    window = window_of(trace)
    own = own_windows(trace)  # (a layer after a strided Conv1D or pooling: its own steps)
    # (a whole sequence's array, the model's outputs: the window's steps of it, by its length)
    whole = {lo_hi_total[2]: lo_hi_total[:2] for lo_hi_total in own.values()}
    if window is not None:
        whole[trace.total_steps] = window
    index = trace.flat_index()
    for flat_key, arr in trace.flat().items():
        where = index[flat_key]
        layer, key = _layer_and_key(*where)
        a = np.asarray(arr)
        if where[0] and not where[1] and key in getattr(trace.layers[where[0]], "stats", {}):
            a = a[:, 0]  # (over every step, of no one step: (batch, 1, units) a row a sample)
        span = own.get(where[0]) if where[0] else None
        start = int(span[0]) if span else int(getattr(trace, "start", 0) or 0)
        cut = whole.get(a.shape[1]) if window is not None and a.ndim >= 3 else None
        if cut is not None and span is None and cut[1] - cut[0] != a.shape[1]:
            a, start = a[:, cut[0]:cut[1]], int(cut[0])
        if a.ndim == 0:
            a = a.reshape(1, 1)
        if a.ndim == 1:
            a = a[None]
        if a.ndim > 3:
            a = a.reshape(a.shape[0], a.shape[1], -1)
        if a.ndim == 2:
            for s, u in np.ndindex(a.shape):
                yield layer, key, s + sample_offset, "", u, a[s, u]
        else:
            for s, t, u in np.ndindex(a.shape):
                yield layer, key, s + sample_offset, t + start, u, a[s, t, u]


def _layer_and_key(layer: str, part: str, record: str) -> tuple[str, str]:
    """The table's layer and key of an array (``Trace.flat_index``): the layer's whole name
    (a name from a file may hold a '/' or a ':'), and ``f``, ``forward/f``; a layer's
    output has key '' (its extra outputs ``output:1``, ...: a layer ``<layer>:1`` was a
    layer so named too), and the model's outputs are layer ``output`` (``output0``, ...)."""
    if not layer:
        return record, ""
    if record == "output":
        return layer, ""
    return layer, f"{part}/{record}" if part else record


#: How a cell a spreadsheet runs as a formula begins (OWASP's "CSV injection"): Excel and
#: LibreOffice run '=HYPERLINK("http://...?"&B2, "open")' or '@SUM(...)|cmd ...', quoted
#: or not, when the table is opened.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: str) -> str:
    """``text`` (a layer's name from a file) as a CSV cell a spreadsheet shows as text: one
    beginning as a formula does written after a ``'``, as OWASP advises; any other as it is."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(trace, sample_offset: int = 0) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["layer", "key", "sample", "step", "unit", "value"])
    names: dict[str, str] = {}
    for layer, key, s, t, u, v in trace_rows(trace, sample_offset):
        cell = names.get(layer)
        if cell is None:
            cell = names[layer] = text_cell(layer)
        w.writerow([cell, key, s, t, u, repr(float(v)) if np.issubdtype(type(v), np.floating) else int(v)])
    return out.getvalue()


def save_csv(trace, path, sample_offset: int = 0) -> Path:
    return write_atomic(path, csv_text(trace, sample_offset).encode("utf-8"))


def keras_config(state, name: str | None = None) -> dict:
    """The stack as Keras 3's ``Sequential.get_config()`` would write it (no weights), named
    ``name``, else the model's (an opened model's own, kept through edits)."""
    model = state.model
    if model is None or state.error:
        # (the last stack that worked is what the views show, not what the panel does)
        raise LstmvizError("there is no valid stack to export (fix the stack first)")
    if state.readonly or not model.is_sequential:  # (it said "several inputs or branches" of any)
        what = not_a_stack(model)
        raise LstmvizError(f"only a plain stack exports as a Keras Sequential config; "
                           f"{what[0].lower()}{what[1:]}")
    shape = list(state.input_shape())
    dtype = "int32" if state.embedding_first else "float32"
    layers = [{"module": "keras.layers", "class_name": "InputLayer",
               "config": {"batch_shape": shape, "dtype": dtype, "sparse": False,
                          "name": "input_layer"}, "registered_name": None}]
    for layer in model.layers:
        layers.append(layer_config(layer.class_name, spec_config(layer), layer.name))
    return jsonable({
        "module": "keras", "class_name": "Sequential",
        "config": {"name": name or model.name or "sequential", "trainable": True,
                   "dtype": copy.deepcopy(DTYPE_POLICY), "layers": layers, "build_input_shape": shape},
        "registered_name": None,
        "build_config": {"input_shape": shape},
    })


def keras3_caveat(state) -> str | None:
    """Why the stack's Keras 3 config computes other numbers in Keras 3 (an opened Keras
    1/2 file's hard_sigmoid), or None."""
    from lstmviz.io.keras_writer import keras3_caveat as caveat

    return caveat(state.model) if state.model is not None else None


def save_keras_json(state, path) -> Path:
    text = json.dumps(keras_config(state), indent=2)
    return write_atomic(path, text.encode("utf-8"))
