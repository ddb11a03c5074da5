"""What one forward pass recorded: every layer's outputs and every recurrent intermediate.

Arrays of a recurrent layer are ``(batch, timesteps, units)`` (or ``k*units`` for the
fused projections) with time in the order the layer *processed* it: for
``go_backwards`` (and a Bidirectional's backward half) step 0 is the last input step.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lstmviz.engine.cells import CELLS

#: Per-kind names of the recorded intermediates, in the order views show them.
RECURRENT_KEYS = {c.name: c.records for c in CELLS.values()}
#: Keys of gate values in 0..1 (drawn on the sequential scale); the rest are signed.
GATE_KEYS = frozenset(g.key for c in CELLS.values() for g in c.gates
                      if g.activation == "recurrent_activation")


class Steps(Mapping):
    """Intermediates by name: recorded arrays, plus arrays derived on first access.

    The input and recurrent projections (``x_proj``, ``h_proj``) are one matrix product
    each over what was recorded, so they are computed when a view first asks for them
    rather than stored on every step of every trace.
    """

    def __init__(self, recorded: dict[str, np.ndarray],
                 derived: dict[str, Callable[[], np.ndarray]] | None = None):
        self._arrays = dict(recorded)
        self._derived = dict(derived or {})

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._arrays:
            if key not in self._derived:
                raise KeyError(f"no {key!r} among this layer's steps; they are: "
                               + ", ".join(repr(k) for k in self))
            self._arrays[key] = self._derived.pop(key)()
        return self._arrays[key]

    def __contains__(self, key: object) -> bool:
        return key in self._arrays or key in self._derived

    def __iter__(self) -> Iterator[str]:
        yield from list(self._arrays)
        yield from list(self._derived)

    def __len__(self) -> int:
        return len(self._arrays) + len(self._derived)

    @property
    def made(self) -> list[np.ndarray]:
        """The arrays it holds now (recorded, and those derived so far), deriving none: what
        its memory is (``windows``' ``nbytes``)."""
        return list(self._arrays.values())


@dataclass
class LayerTrace:
    """One layer's record.

    - ``outputs``: what Keras returns from the layer (one array, or several with
      ``return_state`` / merge_mode=None); ``output`` is the first.
    - ``steps``: recurrent intermediates by name (see ``RECURRENT_KEYS``), plus
      ``x_proj`` (x_t @ kernel [+ input bias]), ``h_proj`` (h_{t-1} @ recurrent_kernel
      [+ recurrent bias]) and ``pre`` (the pre-activation sums), fused over the gates.
    - ``initial_state``: the states entering step 0, ``{"h": (batch, units), "c": ...}``.
    - ``mask``: ``(batch, timesteps)`` in processing order, or None.
    - ``go_backwards``: True when step 0 of ``steps`` is the last input step.
    - ``children``: a Bidirectional's ``"forward"`` and ``"backward"`` records.
    - ``input_start``, ``input_window``: a window of a long sequence of a half that runs
      backwards, or of an ONNX node that reads the input turned around
      (``onnx_time.reads_reversed``): its steps read input steps from ``input_start`` (step
      ``p`` of ``T`` reads input step ``input_start + T - 1 - p`` where it reads them
      backwards, ``windows.reads_backwards``), and ``input_window`` holds them (batch, steps,
      features) in input order; else 0 and None.
    - ``start``: the processing step of ``steps``' first (a long sequence's window; 0 in a
      whole trace). In a window by input steps (``WindowedTrace.window(a, b, by_input=True)``)
      the record of a half that reads the input backwards has ``T - b``, the others' ``a``.
      A layer after a strided Conv1D or pooling counts its own steps (fewer than the input's).
    - ``total``: a long sequence's window: the steps of the layer's own time axis in the
      whole sequence (``WindowedTrace.steps_of``: after a MaxPooling1D(2), half the input's);
      None in a whole trace and for a layer without steps.
    - ``stats``: a layer acting along the steps, its numbers over the whole sequence that
      each step reads, by name, shaped as its output with the steps' axis kept as 1 (a
      Softmax over the steps' ``m``, the largest input, and ``S``, the sum of exp(x - m):
      ``layers_more.Softmax.call``); a long input's window holds the keyframe pass's, which
      computed the whole output once (``windows``' held layers); else empty.
    """

    name: str
    class_name: str
    outputs: list[np.ndarray]
    steps: Mapping[str, np.ndarray] = field(default_factory=dict)
    initial_state: dict[str, np.ndarray] = field(default_factory=dict)
    mask: np.ndarray | None = None
    go_backwards: bool = False
    children: dict[str, "LayerTrace"] = field(default_factory=dict)
    input_start: int = 0
    input_window: np.ndarray | None = None
    start: int = 0
    total: int | None = None
    stats: dict[str, np.ndarray] = field(default_factory=dict)

    def __repr__(self) -> str:
        keys = ", ".join(list(self.steps)[:8]) + (", ..." if len(self.steps) > 8 else "")
        extra = f", steps: {keys}" if keys else ""
        halves = f", halves: {', '.join(self.children)}" if self.children else ""
        return (f"<lstmviz.LayerTrace {self.name!r} ({self.class_name}): output "
                f"{tuple(self.output.shape)}{extra}{halves}>")

    @property
    def output(self) -> np.ndarray:
        return self.outputs[0]

    @property
    def timesteps(self) -> int:
        for arr in self.steps.values():
            return arr.shape[1]
        for child in self.children.values():
            return child.timesteps
        return 0

    def gate(self, key: str, gate_index: int, units: int) -> np.ndarray:
        """Block ``gate_index`` of a fused array such as ``pre`` or ``x_proj``."""
        return self.steps[key][..., gate_index * units:(gate_index + 1) * units]


@dataclass
class Trace:
    """A forward pass: ``layers`` by Keras name, in the model's order, and the outputs."""

    layers: dict[str, LayerTrace]
    outputs: list[np.ndarray]
    #: The model's inputs as traced (float32, or ids for an Embedding), in input order.
    inputs: list[np.ndarray] = field(default_factory=list)
    #: A window of a long sequence (``engine.windows``): its per-step arrays hold the
    #: processing steps ``start .. start + timesteps - 1`` of ``total_steps``; 0 and None
    #: for a whole trace.
    start: int = 0
    total_steps: int | None = None
    #: The model that made it (``Model.trace`` sets it; ``lstmviz.show(trace)`` opens it).
    model: Any = field(default=None, repr=False, compare=False)
    #: What made each record, for a later ``Model.trace(reuse=this)`` (``Model.trace`` sets it).
    _flow: dict | None = field(default=None, repr=False, compare=False)
    #: A window of a long sequence: the input step after its last (``start .. end - 1``
    #: of the input; a layer after a strided Conv1D or pooling holds fewer steps of its
    #: own, ``LayerTrace.start`` and ``total``); None where the records say it.
    end: int | None = None
    #: A window of a long sequence: per layer, the steps ``(first, after the last)`` of its
    #: own time axis the window holds, in input order (``WindowedTrace.steps_for``; a half
    #: that runs backwards records them turned around, its ``LayerTrace.start``); None where
    #: every layer's are the input's.
    spans: dict | None = None
    #: A long input's first steps traced before its keyframe pass (``app.long_sequence``):
    #: what has no time axis (a last step, a pooling over the steps, the layers after them)
    #: is that of the sequence's first ``static_through`` input steps, not yet the whole
    #: sequence's; None where it is the whole sequence's (a whole trace, a window of a pass).
    static_through: int | None = None

    def __repr__(self) -> str:
        x = self.inputs[0].shape if self.inputs else None
        outs = (", ".join(str(tuple(o.shape)) for o in self.outputs) if len(self.outputs) <= 2
                else f"{len(self.outputs)} arrays")
        steps = max((rec.timesteps for rec in self.layers.values()), default=0)
        return (f"<lstmviz.Trace: {len(self.layers)} layers, input {x}, {steps} steps, "
                f"output {outs}>")

    @property
    def output(self):
        """``model.predict(x)``: one array, or a list for several outputs."""
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    def __getitem__(self, name: str) -> LayerTrace:
        try:
            return self.layers[name]
        except (KeyError, TypeError):  # (a KeyError still: `except KeyError` holds)
            raise KeyError(f"no layer {name!r} in this trace; give a layer's name: "
                           + ", ".join(repr(n) for n in self.layers)) from None

    def __contains__(self, name: object) -> bool:
        """Whether the trace holds a record of the layer so named (as ``LaterTrace``)."""
        try:
            return name in self.layers
        except TypeError:  # (an unhashable name)
            return False

    def flat(self) -> dict[str, np.ndarray]:
        """Every array under a flat key: ``output``/``output0..``, ``<layer>``,
        ``<layer>:<k>`` for extra outputs, ``<layer>/<step>`` for intermediates,
        ``<layer>/m``, ``<layer>/S`` (``mean``, ``var``) for what a layer acting along the
        steps reads of every step (``LayerTrace.stats``: the whole sequence's, a long input's
        window too) and ``<layer>/forward/<step>`` inside a Bidirectional; ``<layer>`` is the layer's name
        as ``key_name`` writes it (``flat_index`` says what each key holds)."""
        return {key: arr for key, (arr, _) in self._flat().items()}

    def flat_index(self) -> dict[str, tuple[str, str, str]]:
        """``flat()``'s keys, each mapped to ``(layer, part, record)``: the layer's own
        name ('' for the model's outputs), ``forward``/``backward`` inside a Bidirectional
        (else ''), and the record (``output``, ``output:1`` ..., ``f``, ``initial_h``,
        ``mask``; a Softmax over the steps' ``m`` and ``S``, a LayerNormalization's ``mean``
        and ``var``, each (batch, 1, units or 1): ``LayerTrace.stats``; the model's:
        ``output`` or ``output0`` ...). Derived arrays (``x_proj``)
        are not computed for it."""
        return {key: where for key, (_, where) in self._flat(arrays=False).items()}

    def _flat(self, arrays: bool = True) -> dict[str, tuple[Any, tuple[str, str, str]]]:
        out: dict[str, tuple[Any, tuple[str, str, str]]] = {}
        outs = self.outputs
        for k, arr in enumerate(outs):
            key = "output" if len(outs) == 1 else f"output{k}"
            out[key] = (arr, ("", "", key))
        for name, rec in self.layers.items():
            _flatten(rec, name, key_name(name), "", out, arrays)
        return out


def keep_output_mask(rec: LayerTrace, outs: list, masks: list) -> None:
    """A layer that is not recurrent keeps in its record the mask its output carries (the
    one the engine hands on to the next layer, as Keras propagates it: a Dense or
    TimeDistributed after a masked LSTM's sequence, a Dropout; none after a Conv1D or a
    pooling, which drop it), where it is (batch, steps) of that output: the Over time view
    greys those steps, as a recurrent record's. A recurrent record's (``steps``, a
    Bidirectional's ``children``) and one already set (a Masking's) are left as they are."""
    if rec.steps or rec.children or rec.mask is not None or not masks or masks[0] is None or not outs:
        return
    mask = np.asarray(masks[0])
    if mask.ndim == 2 and np.ndim(outs[0]) >= 3 and mask.shape == np.shape(outs[0])[:2]:
        rec.mask = mask


def whole_steps(trace, rec: Any = None) -> int | None:
    """A long input's window (``Trace.total_steps``): the steps of the whole sequence on
    ``rec``'s time axis: its own after a strided Conv1D or pooling (``LayerTrace.total``:
    after a MaxPooling1D(2), half the input's), else the input's; None for a whole trace."""
    total = getattr(trace, "total_steps", None)
    if not total or held_whole(rec):
        return None
    own = getattr(rec, "total", None) if rec is not None else None
    return int(own) if own else int(total)


def held_whole(rec: Any) -> bool:
    """Whether recurrent record ``rec`` (a half's too) of a long input's window is a whole
    trace's, of a layer the keyframe pass computed once (``windows._once``: over (batch,
    features, steps) after a Permute((2, 1)), its own few steps the features), which every
    window holds whole, its steps counted from 0 as a whole trace counts them: one without
    ``total`` (every other of a window has it) holding its whole input (``input_window``,
    ``windows._keep_whole``; a plain trace of a long input's first steps holds none)."""
    return (rec is not None and getattr(rec, "total", None) is None
            and getattr(rec, "input_window", None) is not None
            and bool(getattr(rec, "steps", None) or getattr(rec, "children", None)))


def window_first(trace, rec: Any = None) -> int:
    """A long input's window: the first step of ``rec``'s own time axis it holds (its
    ``start`` where its steps are its own, ``LayerTrace.total``), else the window's first
    input step (``Trace.start``; 0 for a whole trace)."""
    if rec is not None and getattr(rec, "total", None) is not None and getattr(trace, "total_steps", None):
        return int(rec.start)
    if held_whole(rec):  # (a whole trace's record, every window's: ``held_whole``)
        return 0
    return int(getattr(trace, "start", 0) or 0)


def steps_first(trace, name: str | None) -> int:
    """A long input's window: the first step of layer ``name``'s own time axis it holds,
    in input order (``Trace.spans``: its outputs' first, also where a half runs backwards),
    else the window's first input step (0 for a whole trace)."""
    spans = getattr(trace, "spans", None)
    if spans and name in spans:
        return int(spans[name][0])
    return int(getattr(trace, "start", 0) or 0)


#: Flat keys of a trace's model-level arrays; a layer of such a name has its first letter
#: escaped in its keys (``key_name``).
_MODEL_KEY = re.compile(r"output[0-9]*")


def key_name(name: str) -> str:
    """A layer's name as a flat key (``Trace.flat``, the ``.npz`` files) writes it: '%',
    '/', ':' and '\\' percent-encoded (``%25``, ``%2F``, ``%3A``, ``%5C``: a key's '/' and
    ':' are then only its own, and ``urllib.parse.unquote`` gives the name back); a name
    that is a key of the model's outputs (``output``, ``output0``, ...) its first letter
    too (``%6Futput``), and a name '.' or '..' its dots (``%2E%2E``: no member of a trace
    file is a path out of its folder). Every other name is as it is."""
    if any(c in name for c in "%/:\\"):
        name = (name.replace("%", "%25").replace("/", "%2F").replace(":", "%3A")
                .replace("\\", "%5C"))
    if _MODEL_KEY.fullmatch(name):
        name = f"%{ord(name[0]):02X}{name[1:]}"
    elif name in (".", ".."):
        name = "%2E" * len(name)
    return name


def _flatten(rec: LayerTrace, name: str, prefix: str, part: str, out: dict, arrays: bool) -> None:
    def put(key: str, record: str, source: Any, item: Any) -> None:
        out[key] = (source[item] if arrays else None, (name, part, record))

    if not part:
        for k in range(len(rec.outputs)):
            put(prefix if k == 0 else f"{prefix}:{k}", "output" if k == 0 else f"output:{k}",
                rec.outputs, k)
    for key in rec.steps:
        put(f"{prefix}/{key}", key, rec.steps, key)
    for key in rec.initial_state:
        put(f"{prefix}/initial_{key}", f"initial_{key}", rec.initial_state, key)
    if rec.mask is not None and rec.steps:
        put(f"{prefix}/mask", "mask", [rec.mask], 0)
    for key in rec.stats:  # (of the whole sequence, also in a long input's window)
        put(f"{prefix}/{key}", key, rec.stats, key)
    for child_name, child in rec.children.items():
        _flatten(child, name, f"{prefix}/{child_name}", child_name, out, arrays)


class LaterLayers(Mapping):
    """``Trace.layers`` of ``Model.trace(needed=...)``: the records made, then the names of
    the layers that run when first asked for. Names, ``in`` and ``len`` run nothing; the
    record of a later layer (``[]``, ``get``, ``values``, ``items``), the trace's
    ``outputs`` or a copy run them all first (``finish``: once, under a lock)."""

    def __init__(self, records: dict[str, "LayerTrace"], later: list[str],
                 finish: Callable[[], list[np.ndarray]], order: list[str] | None = None):
        self._records = records
        #: every layer's name in the model's order (``order``; default: the records made,
        #: then ``later``); ``later`` may hold layers before a record made (a window's
        #: layers whose records nobody needed yet: ``windows._Window.trace``)
        self._names = list(order) if order is not None else list(records) + [n for n in later if n not in records]
        self._later = set(later)
        self._finish: Callable[[], list[np.ndarray]] | None = finish
        self._outputs: list[np.ndarray] | None = None
        self._lock = threading.Lock()

    @property
    def pending(self) -> bool:
        """Later layers not run yet."""
        return self._finish is not None

    def complete(self) -> list[np.ndarray]:
        """Run the later layers (once); the model's outputs."""
        with self._lock:
            if self._finish is not None:
                self._outputs = self._finish()
                self._finish = None
                made = self._records
                self._records = {n: made[n] for n in self._names if n in made}  # (in order)
            assert self._outputs is not None
            return self._outputs

    def made(self) -> list["LayerTrace"]:
        """The records made so far (runs nothing)."""
        with self._lock:
            return list(self._records.values())

    def __getitem__(self, name: str) -> "LayerTrace":
        if name in self._later and self._finish is not None:
            self.complete()
        return self._records[name]

    def __contains__(self, name: object) -> bool:
        return name in self._records or name in self._later

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __reduce__(self):
        self.complete()
        return (dict, (dict(self._records),))

    def __copy__(self) -> dict:
        self.complete()
        return dict(self._records)

    def __deepcopy__(self, memo) -> dict:
        import copy

        self.complete()
        return copy.deepcopy(self._records, memo)


class LaterTrace(Trace):
    """A ``Trace`` whose last layers run when first asked for (``LaterLayers``): its
    ``outputs`` (the last layer's) run them first."""

    @property
    def outputs(self) -> list[np.ndarray]:
        return self.layers.complete()  # type: ignore[attr-defined]

    @outputs.setter
    def outputs(self, value) -> None:  # the dataclass' __init__ sets it (None)
        pass

    def __reduce__(self):  # a copy is the plain trace, every layer run
        plain = Trace(dict(self.layers), list(self.outputs), list(self.inputs), self.start,
                      self.total_steps, self.model, self._flow, self.end, self.spans,
                      self.static_through)
        return (_plain_trace, (plain,))


def _plain_trace(trace: Trace) -> Trace:
    return trace
