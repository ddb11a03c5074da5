"""Sessions: the whole state in one ``.lstmviz`` file, with no Qt.

A session file is a zip archive:

- ``manifest.json``: ``{"format": "lstmviz-session", "version": 1, "lstmviz": "0.1.0",
  "seed": 0, "trace_all_samples": false, "path": ..., "layers": [{"class_name",
  "config", "name", "weights": ["layers/0/0.npy", ...] or null}, ...], "keras_version":
  "3" (the stack's Keras generation: an opened Keras 2 file's "2.8.0"; absent: "3"),
  "model_name": "my_forecaster" (an opened model's name, kept through edits; absent:
  Keras' "sequential"), "input":
  {"batch_size", "timesteps", "input_dim", "source", "seed", "period", "text",
  "data": "input/data.npy" or null, "feature_names": [...], "token_labels": [...],
  "others": ["input/others/0.npy" or null, ...]} (the names and labels only where given
  with the data: a CSV header's names, a text's tokens; "others" only for a read-only
  model's inputs after the first given by the user, null for one made up),
  "cursor": {"step", "sample", "layer", "unit", "side"}, "batch": 0, "states": [[["states/0/0/0.npy",
  ...] or null, ...], ...], "ui": {...}}``.
  ``batch`` is the stateful batch shown (0: the states start from zeros). ``states``
  (only at a batch past 0) are the states the stateful layers carried into it
  (``Model.carried_states()`` before it ran: per layer, per recurrent layer in it, its
  arrays or null): on opening they are put back and that batch alone is traced; they
  must be what the stack carries, to the shape, float32 and finite, or the session is
  refused. A session without them (written before they were kept) traces batches 1..k
  again, unless that is more than ``MAX_BATCH`` batches or ``REPLAY_BYTES`` of traces:
  then it opens at batch 0 and says so. ``ui`` is
  whatever the window hands over (view tab, theme, window geometry/state, splitter
  sizes) and is given back untouched.
- a read-only model (a graph: several inputs, branches, a seq2seq) is kept whole, as the
  engine holds it: ``"model": {"name", "keras_version", "inputs": [[layer, index]],
  "outputs": [...], "source": {...}, "layers": [{"class_name", "config", "name",
  "weights": ["model/0/0.npy", ...] or null, "inbound": [[layer, index]],
  "initial_state": [...], "mask": [[layer, index]] or null}]}`` (``"layers"`` is then
  empty); the file it came from is not needed to open the session again.
- the Train tab's own inputs and targets ("Your model and data", ``StateBase.train_data``)
  where the user opened some: ``"train_data": {"inputs": "train/inputs.npy", "targets":
  "train/targets.npy", "input_name", "target_name", "loss", "validation_split"}``, the
  arrays as the tab read them (float32 or int32 inputs, float32 targets, one per sample);
  absent in a session written before they were kept (it opens, with none).
- one ``.npy`` member per array, written with ``np.save(allow_pickle=False)`` and read
  with ``allow_pickle=False`` (a session never runs code).

``read_session`` parses and validates everything (format, version, every member, every
shape and type) before ``apply_session`` touches the state, so a damaged, older or newer
file gives one ``LstmvizError`` and never a half-loaded state. ``save_session`` is atomic:
a temporary file in the same folder, flushed and fsynced, then ``os.replace`` (a crash
mid-save leaves the previous file as it was). The zip is written here (``_archive``), each
member deflated once: a large read-only array's (the input's) deflated bytes are kept for
the next save of the same array, checked by their size and CRC-32 (``KEEP_BYTES``).
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import struct
import threading
import time
import weakref
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstmviz import limits
from lstmviz.app import inputs as gen
from lstmviz.app.atomic import all_or_nothing
from lstmviz.app.input_edits import frozen, shared
from lstmviz.app.selection import SPEEDS, Cursor
from lstmviz.app.stack import ARRAY_FIELDS, TrainData
from lstmviz.app.state import AppState, InputSpec, LayerEntry
from lstmviz.engine import LayerSpec, Model, ModelSpec, TensorRef
from lstmviz.engine.compiled import from_session_data, of, session_data
from lstmviz.errors import LstmvizError, is_number, is_whole
from lstmviz.files import check_regular, new_file_mode, not_regular, write_atomic  # noqa: F401  (exports import them from here)
from lstmviz.io import formats
from lstmviz.io.npy import read_npy_bytes
from lstmviz.text import NAME_LIMIT, archive_error, clean_spec_names, escape, json_fault, plural, safe_name
from lstmviz.version import __version__

FORMAT = "lstmviz-session"
VERSION = 1
SUFFIX = ".lstmviz"
MAX_MANIFEST = 16 * 1024 * 1024
MAX_MEMBERS = 100_000
MAX_LAYERS = 5000  # in the stack (as a Keras file's reader allows)
#: in a kept (read-only) model: as many as a model file's readers allow (an ONNX graph of
#: 5,002 nodes opened, and its saved session was refused as one of "more than 5,000")
MAX_KEPT_LAYERS = limits.MAX_MODEL_LAYERS
MAX_INPUTS = limits.MAX_GRAPH_INPUTS  # a kept model's inputs given with the data (an input is a layer)
MAX_DEPTH = 64  # nesting of the manifest's JSON (a config is a few levels deep)
MAX_BATCH = 1000  # a stateful stack's batch: restoring batch k traces k batches again ...
REPLAY_BYTES = 2 << 30  # ... each of its full trace's size: at most this much in all
STATE_ARRAYS = 8  # a recurrent layer's carried states (an LSTM's h and c: 2)
STATE_BYTES = 1 << 28  # the carried states' members together, before any is read
_INPUT_INTS = ("batch_size", "timesteps", "input_dim", "seed")


@dataclass
class Session:
    """Everything a session file holds, parsed and checked."""

    layers: list[LayerEntry]
    input: InputSpec
    seed: int = 0
    trace_all_samples: bool = False
    cursor: Cursor = field(default_factory=Cursor)
    ui: dict = field(default_factory=dict)
    path: str | None = None
    model: Model | None = None  # a read-only model, shown as it is
    keras_version: str = "3"  # the editable stack's Keras generation (an opened Keras 2 file's)
    model_name: str | None = None  # the editable stack's model name (an opened model's)
    batch: int = 0  # a stateful model: the batch shown (its states carried from batches 1..k-1)
    #: the states carried into batch ``batch`` (``Model.carried_states()`` before it ran);
    #: None: not kept (an older session), batches 1..``batch`` are traced again
    states: list | None = None
    #: given with the input data: its features' names (a CSV's header), what its token ids
    #: stand for (a text opened as a long input); ``AppState.given_with_input``
    feature_names: tuple[str, ...] | None = None
    token_labels: tuple[str, ...] | None = None
    #: what the model was compiled with (``engine.compiled``: the loss, the optimizer, its
    #: saved state, the file they were read from), the Train tab's and ``fit``'s defaults;
    #: None: not compiled, or a session written before it was kept
    compiled: dict | None = None
    #: the Train tab's own inputs and targets (``stack.TrainData``); None: none opened there,
    #: or a session written before they were kept
    train_data: TrainData | None = None


def capture(state: AppState, ui: dict | None = None) -> Session:
    """The state as a session (copies: the state may change while it is written)."""
    spec = dataclasses.replace(state.input)
    spec.data = shared(state.input.data)  # read-only: it is replaced, never changed
    names, labels = state.given_with_input()
    if state.readonly:
        if state.model is None:
            raise LstmvizError("there is no model to save")
        return Session([], spec, int(state.seed), bool(state.trace_all_samples), state.cursor,
                       dict(ui or {}), state.path, Model.from_spec(state.model.to_spec()),
                       batch=_batch(state), states=_states_in(state), feature_names=names,
                       token_labels=labels, compiled=of(state.model), train_data=state.train_data)
    layers = [LayerEntry(e.class_name, json.loads(json.dumps(e.config)), e.name,
                         None if e.weights is None else [np.array(w) for w in e.weights])
              for e in state.layers]
    return Session(layers, spec, int(state.seed), bool(state.trace_all_samples), state.cursor,
                   dict(ui or {}), state.path, keras_version=state.keras_version,
                   batch=_batch(state), states=_states_in(state), feature_names=names, token_labels=labels,
                   model_name=state.model_name, compiled=state.compiled, train_data=state.train_data)


def _batch(state: AppState) -> int:
    model = state.model
    return int(state.batch_index) if model is not None and model.stateful else 0


def _states_in(state: AppState) -> list | None:
    """The states carried into the stateful batch shown (copies), or None at batch 0."""
    if _batch(state) <= 0 or state.states_in is None:
        return None
    return [[None if s is None else [np.array(a) for a in s] for s in node] for node in state.states_in]


# -- writing --------------------------------------------------------------------------------
def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue()


@dataclass(frozen=True)
class _Packed:
    """One member as the archive holds it: ``data`` deflated (or stored), with the size and
    CRC-32 of the bytes it stands for."""

    data: bytes
    size: int
    crc: int
    method: int  # zipfile.ZIP_DEFLATED or zipfile.ZIP_STORED


#: A read-only array of at least this many bytes (the state's input: replaced, never
#: changed, see ``input_edits.frozen``) keeps its deflated member for the next save: an
#: autosave of an unchanged long input (244 MiB: 7.6 s of a core) does not deflate it
#: again. Its bytes are checked each time (their size and CRC-32, a fraction of a second).
#: Kept: the members of the last save's input arrays only (an edited input's are dropped
#: at the next save), so the memory they take is at most the compressed input's.
KEEP_BYTES = 1 << 20
_kept: list[tuple[weakref.ref, _Packed]] = []
_kept_lock = threading.Lock()


def _deflate(raw: bytes, crc: int) -> _Packed:
    """``raw`` deflated as zipfile does (level 1); stored as it is when it would deflate
    more than a reader takes from a stranger's zip (a long input that is mostly zeros: 228
    times), so the session opens again."""
    z = zlib.compressobj(1, zlib.DEFLATED, -15)
    data = z.compress(raw) + z.flush()
    if limits.inflates_too_much(len(data), len(raw), 0):
        return _Packed(raw, len(raw), crc, zipfile.ZIP_STORED)
    return _Packed(data, len(raw), crc, zipfile.ZIP_DEFLATED)


def _pack(raw: bytes, arr=None, kept: list | None = None) -> _Packed:
    """``raw`` (the npy bytes of ``arr``, when an array) as a member: a large read-only
    ``arr``'s is the one the last save deflated when its bytes are the same, and goes into
    ``kept`` (what the next save may reuse; see ``KEEP_BYTES``)."""
    crc = zlib.crc32(raw)
    keep = (kept is not None and isinstance(arr, np.ndarray) and not arr.flags.writeable
            and len(raw) >= KEEP_BYTES)
    packed = None
    if keep:
        with _kept_lock:
            packed = next((p for ref, p in _kept if ref() is arr and p.size == len(raw) and p.crc == crc), None)
    if packed is None:
        packed = _deflate(raw, crc)
    if keep and kept is not None:
        kept.append((weakref.ref(arr), packed))
    return packed


def _array_member(arr, kept: list | None = None) -> _Packed:
    return _pack(_npy(arr), arr, kept)


def _weight_members(weights, folder: str, members: dict) -> list[str] | None:
    """Adds ``folder/<k>.npy`` per array to ``members``; their names (None: no weights)."""
    if weights is None:
        return None
    names = [f"{folder}/{k}.npy" for k in range(len(weights))]
    members.update((n, _array_member(w)) for n, w in zip(names, weights))
    return names


def session_bytes(session: Session) -> bytes:
    """The ``.lstmviz`` file's bytes."""
    members: dict[str, _Packed] = {}
    kept: list[tuple[weakref.ref, _Packed]] = []  # the input arrays' members, for the next save
    layers = []
    for i, e in enumerate(session.layers):
        names = _weight_members(e.weights, f"layers/{i}", members)
        layers.append({"class_name": e.class_name, "config": e.config, "name": e.name,
                       "weights": names})
    spec = {f.name: getattr(session.input, f.name) for f in dataclasses.fields(InputSpec)
            if f.name not in ARRAY_FIELDS}
    spec["data"] = None
    if session.input.data is not None:
        spec["data"] = "input/data.npy"
        members["input/data.npy"] = _array_member(session.input.data, kept)
        if session.feature_names is not None:
            spec["feature_names"] = list(session.feature_names)
        if session.token_labels is not None:
            spec["token_labels"] = list(session.token_labels)
    if session.input.others:  # a read-only model's other inputs given or imported (None: made up)
        spec["others"] = [None if a is None else f"input/others/{k}.npy"
                          for k, a in enumerate(session.input.others)]
        members.update((n, _array_member(a, kept)) for n, a in zip(spec["others"], session.input.others) if n)
    manifest: dict = {
        "format": FORMAT, "version": VERSION, "lstmviz": __version__,
        "seed": int(session.seed), "trace_all_samples": bool(session.trace_all_samples),
        "path": session.path, "layers": layers, "keras_version": session.keras_version,
        **({"model_name": session.model_name} if session.model_name else {}), "input": spec,
        "cursor": dataclasses.asdict(session.cursor), "batch": int(session.batch), "ui": session.ui,
    }
    if session.states is not None and session.batch > 0:
        manifest["states"] = [[_weight_members(s, f"states/{i}/{j}", members) for j, s in enumerate(node)]
                              for i, node in enumerate(session.states)]
    if session.model is not None:
        manifest["model"] = _model_manifest(session.model.to_spec(), members)
    if session.compiled is not None:  # (names and numbers; the saved state's slots as members)
        said, slots = session_data(session.compiled)
        if "state" in said:
            said["state"]["slots"] = _weight_members(slots, "compiled/slots", members)
        manifest["compiled"] = said
    t = session.train_data
    if t is not None:  # (the Train tab's own data: its arrays as members, the rest by name)
        manifest["train_data"] = {"inputs": "train/inputs.npy", "targets": "train/targets.npy",
                                  "input_name": t.input_name, "target_name": t.target_name,
                                  "loss": t.loss, "validation_split": float(t.validation_split)}
        members["train/inputs.npy"] = _array_member(t.inputs, kept)
        members["train/targets.npy"] = _array_member(t.targets, kept)
    try:
        text = json.dumps(manifest, indent=1, allow_nan=True)
    except (TypeError, ValueError) as err:
        raise LstmvizError(f"the session cannot be written: {err}") from None
    data = _archive({"manifest.json": _pack(text.encode("utf-8")), **members})
    with _kept_lock:
        _kept[:] = kept
    return data


#: Sizes and offsets from this one on are written in zip64's fields (a test lowers it).
ZIP64_FROM = 0xFFFFFFFF


def _dos_now() -> tuple[int, int]:
    t = time.localtime()
    return (t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2,
            (max(t.tm_year, 1980) - 1980) << 9 | t.tm_mon << 5 | t.tm_mday)


def _archive(members: dict[str, _Packed]) -> bytes:
    """The zip archive of ``members`` as they are packed (none is deflated here): what
    zipfile writes (its local headers, central directory and end record, zip64's where a
    size or offset needs it), read back by zipfile like any zip."""
    dostime, dosdate = _dos_now()
    system = 0 if os.name == "nt" else 3
    parts: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, m in members.items():
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else 0x800
        big = max(m.size, len(m.data), offset) >= ZIP64_FROM
        version = 45 if big else 20
        if big:  # (each size and the offset in the zip64 field, their 32-bit fields all ones)
            local_extra = struct.pack("<HHQQ", 1, 16, m.size, len(m.data))
            central_extra = struct.pack("<HHQQQ", 1, 24, m.size, len(m.data), offset)
            size32 = packed32 = offset32 = 0xFFFFFFFF
        else:
            local_extra = central_extra = b""
            size32, packed32, offset32 = m.size, len(m.data), offset
        header = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", version, 0, flags, m.method, dostime,
                             dosdate, m.crc, packed32, size32, len(encoded), len(local_extra))
        parts += [header, encoded, local_extra, m.data]
        central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", version, system, version, 0,
                                   flags, m.method, dostime, dosdate, m.crc, packed32, size32,
                                   len(encoded), len(central_extra), 0, 0, 0, 0o600 << 16, offset32)
                       + encoded + central_extra)
        offset += len(header) + len(encoded) + len(local_extra) + len(m.data)
    start, size, count = offset, sum(map(len, central)), len(central)
    parts += central
    if max(start, size) >= ZIP64_FROM or count >= 0xFFFF:
        parts.append(struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, start))
        parts.append(struct.pack("<4sLQL", b"PK\x06\x07", 0, start + size, 1))
        count, size, start = min(count, 0xFFFF), min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF)
    parts.append(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, start, 0))
    return b"".join(parts)


def _refs(refs) -> list:
    return [[r.layer, int(r.tensor_index)] for r in refs]


def _model_manifest(spec: ModelSpec, members: dict) -> dict:
    layers = []
    for i, ls in enumerate(spec.layers):
        names = _weight_members(ls.weights, f"model/{i}", members)
        layers.append({"class_name": ls.class_name, "config": ls.config, "name": ls.name,
                       "weights": names, "inbound": _refs(ls.inbound),
                       "initial_state": _refs(ls.initial_state),
                       "mask": _refs([ls.mask]) if ls.mask is not None else None})
    try:  # (what it was compiled with: the manifest's "compiled", its state's arrays as members)
        source = json.loads(json.dumps({k: v for k, v in spec.source.items() if k != "compile"}))
    except (TypeError, ValueError):
        source = {}
    return {"name": spec.name, "keras_version": spec.keras_version, "inputs": _refs(spec.inputs),
            "outputs": _refs(spec.outputs), "source": source, "layers": layers}


def save_session(state: AppState, path, ui: dict | None = None) -> Path:
    return write_atomic(path, session_bytes(capture(state, ui)))


# -- reading --------------------------------------------------------------------------------
#: what the reader's last line of defence says: a manifest holding what no check foresaw
LAST_RESORT = "manifest.json holds something lstmviz's session reader did not foresee"


def _bad(path, why: str) -> LstmvizError:
    return LstmvizError(f"{path}: not a usable lstmviz session ({why})")


def _int(value, what, path, minimum=None) -> int:
    if not is_whole(value):
        raise _bad(path, f"{what} is not an integer")
    if minimum is not None and value < minimum:
        raise _bad(path, f"{what} is {value}, below {minimum}")
    return value


def read_session(path) -> Session:
    """Parse and check a ``.lstmviz`` file completely. Raises LstmvizError.

    The archive is read from the open file, member by member, as its checks allow: only
    what they accept is read (the whole file was read into memory first, a stranger's
    gigabytes named ``.lstmviz`` with it)."""
    check_regular(path, str(path))
    try:
        fh = open(path, "rb")
    except OSError as err:
        raise LstmvizError(f"{path}: {err.strerror or err}") from None
    with fh:
        try:
            return parse_session(fh, path)
        except OSError as err:  # (read while parsing: a file on a failing disk)
            raise LstmvizError(f"{path}: {err.strerror or err}") from None


def parse_session(data, path="session") -> Session:
    """``data``: the file's bytes, or the file open for reading in binary."""
    fh = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
    many = limits.zip_member_excess(fh)
    if many:
        raise _bad(path, many)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):  # (a zip version no reader knows)
        raise _bad(path, "the file is damaged or not a session: it is not a zip archive") from None
    with zf:
        try:
            infos = _checked_members(zf, path)
            if "manifest.json" not in infos:
                raise _bad(path, "manifest.json is missing")
            if infos["manifest.json"].file_size > MAX_MANIFEST:
                raise _bad(path, "manifest.json is too large")
            try:
                manifest = json.loads(_member(zf, infos, "manifest.json").decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError) as err:
                raise _bad(path, f"manifest.json is not valid JSON: {json_fault(err)}") from None
            depth = _depth(manifest)
            if depth > MAX_DEPTH:
                raise _bad(path, f"manifest.json nests {depth} levels deep (a session needs "
                                 f"fewer than {MAX_DEPTH})")
            budget = limits.MemoryBudget("the session's arrays")
            return _parse_manifest(manifest, _Members(zf, budget), infos, path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, RuntimeError,
                NotImplementedError) as err:
            raise _bad(path, f"the archive is damaged: {archive_error(err)}") from None
        except LstmvizError:
            raise
        except Exception as err:  # last line of defence: a check the manifest's parser lacks
            # (was Python's class and words: "(TypeError: '<' not supported between ...)")
            raise _bad(path, LAST_RESORT) from err


def _checked_members(zf, path) -> dict:
    """The archive's members by name, refused before anything is inflated when they are
    too many, named twice, would inflate like a zip bomb or beyond the memory limit."""
    listed = zf.infolist()
    if len(listed) > MAX_MEMBERS:
        raise _bad(path, f"the archive holds {len(listed):,} members (a session has a few)")
    infos: dict = {}
    for info in listed:
        if info.filename in infos:
            raise _bad(path, f"the archive holds two members named {info.filename!r}")
        bomb = limits.member_excess(info.filename, info.compress_size, info.file_size)
        if bomb:
            raise _bad(path, bomb)
        infos[info.filename] = info
    over = limits.excess(sum(i.file_size for i in listed), "its uncompressed contents")
    if over:
        raise LstmvizError(f"{path}: not opened: {over}; {limits.HINT}")
    return infos


def _member(zf, infos, name) -> bytes:
    """A member's bytes, never more than its directory entry declares."""
    info = infos[name]
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (ValueError, OverflowError) as err:  # offsets in the damaged directory ("negative seek value")
        raise zipfile.BadZipFile(f"{name} cannot be read: {archive_error(err)}") from None
    if len(data) != info.file_size:
        raise zipfile.BadZipFile(f"{name} does not hold the {info.file_size} bytes it declares")
    return data


class _Members:
    """The archive, with every array read counted against one memory budget (a member
    named by 32 layers is counted 32 times: it would be held 32 times)."""

    def __init__(self, zf, budget) -> None:
        self.zf = zf
        self.budget = budget
        self.inflation = limits.Inflation()  # every array read, each member stored once

    def count(self, info, path) -> None:
        """Refuse arrays that together inflate far beyond what the archive stores for them:
        many members each under the one-member check, or one member named by many layers
        (60 names of one 28 MB member of zeros: 1.7 GB and 7 s from a 33 KB session)."""
        if self.inflation.add(info):
            raise _bad(path, f"its arrays would inflate {self.inflation.words()}, or one array "
                             "named many times)")


def _depth(value, limit: int = MAX_DEPTH + 1) -> int:
    """How deep lists/dicts nest in ``value`` (iterative; stops counting past ``limit``)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, d)
            if d > limit:
                return d
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


def _array(zf, infos, name, path, what, steps: bool = False) -> np.ndarray:
    if not isinstance(name, str) or name not in infos:
        raise _bad(path, f"{what} ({str(name)[:80]!r}) is missing from the archive")
    info = infos[name]
    zf.count(info, path)
    over = zf.budget.excess(info.file_size)
    if over:
        raise LstmvizError(f"{path}: not opened: {over}; {limits.HINT}")
    try:
        arr = read_npy_bytes(_member(zf.zf, infos, name), f"{what} ({name})", steps=steps)
    except LstmvizError as err:
        raise _bad(path, str(err)) from None
    return arr


def _others(names, zf, infos, path) -> tuple[np.ndarray | None, ...]:
    """A read-only model's other inputs kept with the input (``InputSpec.others``): whether
    they fit the model is checked where they are used (``tracing.given_data``)."""
    if names is None:
        return ()
    if not isinstance(names, list) or len(names) > MAX_INPUTS:
        raise _bad(path, f"the other inputs are not a list of at most {MAX_INPUTS} arrays")
    arrays: list[np.ndarray | None] = []
    for k, name in enumerate(names, 1):
        if name is None:  # (an input made up, not given)
            arrays.append(None)
            continue
        arr = _array(zf, infos, name, path, f"input {k}'s data", steps=False)
        if arr.ndim < 2 or arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise _bad(path, f"input {k}'s data has shape {arr.shape} and dtype {arr.dtype}, "
                             "not numbers of (batch, timesteps, ...)")
        if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
            raise _bad(path, f"input {k}'s data holds NaN or infinity")
        arrays.append(frozen(arr))
    return tuple(arrays)


def _parse_manifest(m, zf, infos, path) -> Session:
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise _bad(path, "manifest.json does not describe an lstmviz session")
    version = m.get("version")
    if not is_whole(version):
        raise _bad(path, "the manifest has no format version")
    if version > VERSION:
        raise LstmvizError(f"{path}: this session was written by a newer lstmviz "
                           f"({m.get('lstmviz', '?')}, session format {version}); this is "
                           f"lstmviz {__version__}, which reads format {VERSION}: update lstmviz")
    if version < VERSION:
        raise LstmvizError(f"{path}: this session uses the old format {version}, which this "
                           f"lstmviz ({__version__}) no longer reads")
    layers_in = m.get("layers")
    if not isinstance(layers_in, list):
        raise _bad(path, "the manifest has no list of layers")
    if len(layers_in) > MAX_LAYERS:
        raise _bad(path, f"it lists {len(layers_in):,} layers")
    layers = [LayerEntry(*_parse_layer(item, f"layer {i}", zf, infos, path))
              for i, item in enumerate(layers_in)]

    s = m.get("input")
    if not isinstance(s, dict):
        raise _bad(path, "the manifest has no input settings")
    spec = InputSpec()
    for n in _INPUT_INTS:
        if n in s:
            setattr(spec, n, _int(s[n], f"input {n}", path, 0 if n == "seed" else 1))
    if spec.seed >= 2 ** 63:
        raise _bad(path, "input seed is larger than 2**63")
    try:  # before anything is generated: the declared size, then the trace it needs
        shape = (spec.batch_size, spec.timesteps, spec.input_dim)
        if s.get("data") is None:  # generated: float64 intermediates (see inputs.generate)
            limits.check_input_shape(shape, "its input")
            limits.check(limits.nbytes_of(shape, 8 * 4), "generating its input")
        else:  # given data (a long input too, traced by keyframes): its memory, not its steps
            limits.check(limits.nbytes_of(shape, 4), f"its input of shape {shape}")
    except LstmvizError as err:
        raise LstmvizError(f"{path}: not opened: {err}") from None
    if "source" in s:
        if not isinstance(s["source"], str):
            raise _bad(path, "input source is not text")
        spec.source = s["source"]
    if "text" in s:
        if not isinstance(s["text"], str):
            raise _bad(path, "input text is not text")
        spec.text = s["text"]
    if "label" in s:  # (a demo's input: "demo: sine wave"; shown escaped, cut as its box is)
        if not isinstance(s["label"], str) or len(s["label"]) > 200:
            raise _bad(path, "input label is not text of at most 200 characters")
        spec.label = escape(s["label"])  # (a line break or a right-to-left override: as \x0a, \u202e)
    if "period" in s:
        p = s["period"]
        try:
            pf = float(p) if is_number(p) else math.nan
        except OverflowError:  # an integer such as 10**400
            pf = math.inf
        if not (math.isfinite(pf) and 0 < pf <= 1e9):
            shown = (f"an integer of {len(str(abs(p)))} digits" if is_whole(p)
                     and abs(p) > 10 ** 30 else str(p)[:40])
            raise _bad(path, f"input period is {shown}, not a number of steps "
                             "between 0 and 10**9")
        spec.period = pf
    if s.get("data") is not None:
        # (the step limit is a whole trace's: the app saves long inputs it traces by keyframes)
        data = _array(zf, infos, s["data"], path, "the input data", steps=False)
        if data.ndim != 3:
            raise _bad(path, f"the input data has shape {data.shape}, not (batch, timesteps, features)")
        spec.data = frozen(data)
    elif spec.source == "data":
        raise _bad(path, "the input source is 'data' but the data is missing")
    spec.others = _others(s.get("others"), zf, infos, path)
    # (names of no data, or of another width: none shown, as after an edit)
    width = spec.data.shape[-1] if spec.data is not None else -1
    names = _names(s.get("feature_names"), "the input's feature names", path, NAME_LIMIT,
                   lambda n: n == width)
    labels = _names(s.get("token_labels"), "the input's token labels", path, gen.TOKEN_LIMIT,
                    lambda n: width > 0 and n <= gen.MAX_LABELS)

    cursor = _parse_cursor(m.get("cursor") or {}, path)
    ui = m.get("ui") or {}
    if not isinstance(ui, dict):
        raise _bad(path, "the view settings are not an object")
    ui = _plausible_ui(ui)
    seed = _int(m.get("seed", 0), "the seed", path)
    tas = m.get("trace_all_samples", False)
    if not isinstance(tas, bool):
        raise _bad(path, "trace_all_samples is not true/false")
    where = m.get("path")
    model = _parse_model(m["model"], zf, infos, path) if m.get("model") is not None else None
    keras = m.get("keras_version", "3")  # (sessions written before it was kept: a Keras 3 stack)
    if not isinstance(keras, str) or keras[:1] not in ("1", "2", "3"):
        raise _bad(path, f"the stack's Keras version is {keras!r}")
    batch = _int(m.get("batch", 0), "the stateful batch", path, 0)
    states = _parse_states(m.get("states"), zf, infos, path) if batch > 0 else None
    name = m.get("model_name")  # (written since it was kept; a name, as a file's model's)
    if name is not None and (not isinstance(name, str) or not name or len(name) > 256):
        raise _bad(path, "the stack's model name is not a name")
    compiled = _parse_compiled(m.get("compiled"), zf, infos, path)
    if model is not None:  # (a kept model's source held it before "compiled" was kept: read alike)
        older = model.source.pop("compile", None)
        if compiled is None and older is not None:
            compiled = _parse_compiled(older, zf, infos, path)
        if compiled is not None:
            model.source["compile"] = compiled
    return Session(layers, spec, seed, tas, cursor, ui, where if isinstance(where, str) else None, model,
                   keras_version=keras, batch=batch, states=states, feature_names=names, token_labels=labels,
                   model_name=name, compiled=compiled,
                   train_data=_parse_train_data(m.get("train_data"), zf, infos, path))


def _parse_train_data(value, zf, infos, path) -> TrainData | None:
    """The manifest's ``train_data`` (the Train tab's own inputs and targets), checked as
    the tab reads a file of them (numbers, finite, one target per sample; whether they fit
    the model is said when a run starts on them); None where absent (none opened there, or a
    session written before they were kept)."""
    if value is None:
        return None
    what = "the Train tab's data"
    if not isinstance(value, dict):
        raise _bad(path, f"{what} is not an object")
    from lstmviz.engine.losses import canonical

    names = [value.get("input_name", "inputs"), value.get("target_name", "targets")]
    if not all(isinstance(n, str) and 0 < len(n) <= NAME_LIMIT for n in names):
        raise _bad(path, f"{what}: its files' names are not names")
    loss, split = value.get("loss"), value.get("validation_split", 0.2)
    try:
        loss = canonical(loss) if isinstance(loss, str) else None
    except LstmvizError:
        loss = None
    if loss is None:
        raise _bad(path, f"{what}: its loss {str(value.get('loss'))[:40]!r} is not a loss lstmviz computes")
    if not (is_number(split) and 0 <= split <= 0.9):
        raise _bad(path, f"{what}: its validation split {str(split)[:40]} is not a share from 0 to 0.9")
    x = _array(zf, infos, value.get("inputs"), path, f"{what}'s inputs")
    y = _array(zf, infos, value.get("targets"), path, f"{what}'s targets")
    for arr, which, kinds in ((x, "inputs", (np.float32, np.int32)), (y, "targets", (np.float32,))):
        if arr.ndim < 1 or arr.dtype not in kinds or not len(arr):
            raise _bad(path, f"{what}'s {which} are {arr.dtype} of shape {arr.shape}, not "
                             f"{' or '.join(np.dtype(k).name for k in kinds)} samples")
        if arr.dtype == np.float32 and not np.isfinite(arr).all():
            raise _bad(path, f"{what}'s {which} hold NaN or infinity")
    if x.ndim < 2 or len(y) != len(x):
        raise _bad(path, f"{what}: inputs of shape {x.shape} and targets of shape {y.shape}, not one "
                         "target per sample of (samples, timesteps, ...)")
    return TrainData(frozen(x), frozen(y), safe_name(names[0]), safe_name(names[1]), loss, float(split))


def _parse_compiled(value, zf, infos, path) -> dict | None:
    """The manifest's ``compiled`` (``engine.compiled.session_data``): checked as a file's
    compile_config is (``from_session_data``), its state's slots read as members; None where
    absent (a session written before it was kept, or of a model not compiled)."""
    if value is None:
        return None
    slots: list = []
    state = value.get("state") if isinstance(value, dict) else None
    if isinstance(state, dict):
        names = state.pop("slots", [])
        if not isinstance(names, list) or len(names) > STATE_ARRAYS * MAX_LAYERS:
            raise _bad(path, "what the model was compiled with holds optimizer slots that are not a list")
        slots = [_array(zf, infos, n, path, f"the compiled optimizer's slot {k}") for k, n in enumerate(names)]
    try:
        return from_session_data(value, slots)
    except ValueError as err:
        raise _bad(path, f"what the model was compiled with: {err}") from None


def _parse_states(value, zf, infos, path) -> list | None:
    """The manifest's ``states``: per layer, per recurrent layer in it, its carried states
    (2-D float32 arrays, every value finite) or None; their shapes are checked against the
    stack once it is built (``_carried_in``). Their members together are at most
    ``STATE_BYTES``, refused before any is read."""
    if value is None:
        return None
    what = "the carried states"
    if not isinstance(value, list) or len(value) > MAX_LAYERS or not all(
            isinstance(node, list) and len(node) <= MAX_LAYERS and all(
                s is None or (isinstance(s, list) and len(s) <= STATE_ARRAYS) for s in node)
            for node in value):
        raise _bad(path, f"{what} are not a list per layer of arrays or null")
    names = [n for node in value for s in node if s is not None for n in s]
    declared = sum(infos[n].file_size for n in names if isinstance(n, str) and n in infos)
    if declared > STATE_BYTES:
        raise _bad(path, f"{what} take {limits.fmt_bytes(declared)}, more than a stack carries "
                         f"(at most {limits.fmt_bytes(STATE_BYTES)})")
    out: list = []
    for node in value:
        out.append([])
        for s in node:
            if s is None:
                out[-1].append(None)
                continue
            arrays = []
            for n in s:
                where = f"the carried state {safe_name(str(n))}"
                arr = _array(zf, infos, n, path, where)
                if arr.dtype != np.float32 or arr.ndim != 2:
                    raise _bad(path, f"{where} is {arr.dtype} of shape {arr.shape}, not a 2-D float32 array")
                if not np.isfinite(arr).all():
                    raise _bad(path, f"{where} holds values that are not finite numbers (NaN or infinity)")
                arrays.append(arr)
            out[-1].append(arrays)
    return out


def _parse_cursor(c, path) -> Cursor:
    """The manifest's (or a position file's) cursor, checked."""
    if not isinstance(c, dict):
        raise _bad(path, "the cursor is not an object")
    layer = c.get("layer")
    if layer is not None and not isinstance(layer, str):
        raise _bad(path, "the selected layer is not a name")
    side = c.get("side", "forward")
    if side not in ("forward", "backward"):
        raise _bad(path, f"the selected side is {side!r}")
    return Cursor(_int(c.get("step", 0), "the step", path, 0), _int(c.get("sample", 0), "the sample", path, 0),
                  None if layer is None else safe_name(layer), _int(c.get("unit", 0), "the unit", path, 0), side)


# -- the position alone, beside an autosave -------------------------------------------------
#: A file beside an autosave (``autosave-1.lstmviz.position``) holding only the cursor: where
#: the input is large, a cursor that moved without an edit is saved there, not by writing the
#: whole session again (``ui/session_ui.MOVED_SAVE_BYTES``). It names the session file it
#: goes with by its size and modification time, so one left from before a newer save of the
#: session is not taken.
POSITION_SUFFIX = ".position"
POSITION_FORMAT = "lstmviz-position"
MAX_POSITION = 64 * 1024


def position_path(path) -> Path:
    return Path(str(path) + POSITION_SUFFIX)


def _identity(path) -> list[int]:
    st = os.stat(path)
    return [int(st.st_size), int(st.st_mtime_ns)]


def write_position(path, cursor: Cursor) -> Path:
    """The cursor alone beside the session file ``path`` as it is on disk now (atomic; a few
    hundred bytes). Raises OSError/LstmvizError."""
    text = json.dumps({"format": POSITION_FORMAT, "version": VERSION, "session": _identity(path),
                       "cursor": dataclasses.asdict(cursor)})
    return write_atomic(position_path(path), text.encode("utf-8"))


def read_position(path) -> Cursor | None:
    """The cursor saved beside the session file ``path`` since it was written, or None (no
    such file, one of an older save of the session, or one that cannot be read: the
    session's own cursor stands)."""
    where = position_path(path)
    try:
        if not_regular(where):  # (a pipe there would hold the restore)
            return None
        with open(where, "rb") as fh:
            data = fh.read(MAX_POSITION + 1)
        if len(data) > MAX_POSITION:
            return None
        m = json.loads(data.decode("utf-8"))
        if (not isinstance(m, dict) or m.get("format") != POSITION_FORMAT or m.get("version") != VERSION
                or m.get("session") != _identity(path)):
            return None
        return _parse_cursor(m.get("cursor"), where)
    except (OSError, ValueError, LstmvizError):
        return None


def remove_position(path) -> None:
    """Remove the position file beside ``path``, if any."""
    try:
        position_path(path).unlink()
    except OSError:
        pass


def _names(value, what: str, path, limit: int, fits) -> tuple[str, ...] | None:
    """A list of names kept with the input, escaped and cut as names from files are; None
    when absent or when their number does not ``fits`` the input (looked at first)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(path, f"{what} are not a list of texts")
    return tuple(safe_name(v, limit) for v in value) if fits(len(value)) else None


#: The view settings a session keeps as true/false: Focus on the unit (F), Equations (E),
#: the Cell view's "Write W·xₜ and U·hₜ₋₁ out term by term" (``SessionManager.ui_state``).
VIEW_SETTINGS = ("focus", "equations", "cell_terms")
#: The cell of a stack of cells (``RNN([LSTMCell(3), GRUCell(2)])``) shown by each view that
#: picks one, by the view's key (``app/views.VIEW_KEYS``): the Cell view's page, Over time's
#: records, the Weights tab's arrays (``CellButtons.picked_of`` the cursor's layer; absent
#: where the view shows no stack, an older session's: the first cell, as before)
CELL_PICKS = {"cell": "cell_view_cell", "over_time": "over_time_cell", "weights": "weights_cell"}
#: a picked cell past this is no cell a window wrote: dropped (the first cell shown)
MOST_CELLS = 1024


def _plausible_ui(ui: dict) -> dict:
    """The window's settings, without entries no window wrote (a splitter at 1e30): they
    are preferences, so an odd one is dropped, not a reason to refuse the session."""
    out = {}
    for key, value in list(ui.items())[:64]:
        if key in ("tab", "side_tab"):
            ok = is_whole(value, 0, 63)
        elif key == "splitter":
            ok = isinstance(value, list) and len(value) <= 16 and all(
                is_whole(v, 0, 100_000) for v in value)
        elif key in ("theme", "geometry", "window_state"):
            ok = isinstance(value, str) and len(value) <= 64 * 1024
        elif key in VIEW_SETTINGS:  # (F, E, the Cell view's terms written out)
            ok = isinstance(value, bool)
        elif key in CELL_PICKS.values():  # (a stack of cells' cell a view shows)
            ok = is_whole(value, 0, MOST_CELLS - 1)
        elif key == "speed":  # one the player offers
            ok = is_number(value) and value in SPEEDS
        else:
            ok = isinstance(value, (str, int, float, bool)) and len(str(value)) <= 4096
        if ok:
            out[str(key)[:64]] = value
    return out


def _parse_layer(item, what: str, zf, infos, path) -> tuple:
    """(class_name, config, name, weights or None) of one layer's manifest entry."""
    if not isinstance(item, dict) or not isinstance(item.get("class_name"), str) \
            or not isinstance(item.get("config"), dict):
        raise _bad(path, f"{what} has no class_name/config")
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise _bad(path, f"{what} has a name that is not text")
    if name is not None:
        name = safe_name(name)  # shown in the window and written back: escaped and cut
    wnames = item.get("weights")
    if wnames is not None and not isinstance(wnames, list):
        raise _bad(path, f"{what}'s weights are not a list")
    weights = None if wnames is None else [
        _array(zf, infos, w, path, f"weight {k} of {what}") for k, w in enumerate(wnames)]
    return item["class_name"], item["config"], name, weights


def _parse_refs(value, what, path) -> list[TensorRef]:
    if not isinstance(value, list) or not all(
            isinstance(r, list) and len(r) == 2 and isinstance(r[0], str)
            and is_whole(r[1], 0, 1023)
            for r in value):
        raise _bad(path, f"{what} is not a list of [layer, index] pairs")
    return [TensorRef(r[0], r[1]) for r in value]


def _parse_model(m, zf, infos, path) -> Model:
    """A read-only model kept in the session, built (and so checked) before anything changes."""
    if not isinstance(m, dict) or not isinstance(m.get("layers"), list) or not m["layers"]:
        raise _bad(path, "the kept model has no layers")
    if len(m["layers"]) > MAX_KEPT_LAYERS:  # (200,000 Dropouts: 26 s and 1 GB, and it opened)
        raise _bad(path, f"the kept model lists {len(m['layers']):,} layers, more than {MAX_KEPT_LAYERS:,}")
    name, version = m.get("name", "model"), m.get("keras_version")
    if not isinstance(name, str) or (version is not None and not isinstance(version, str)):
        raise _bad(path, "the kept model's name or Keras version is not text")
    specs = []
    for i, item in enumerate(m["layers"]):
        what = f"layer {i} of the kept model"
        if not isinstance(item, dict):
            raise _bad(path, f"{what} is not an object")
        mask = item.get("mask")
        mask = None if mask is None else _parse_refs(mask, f"{what}'s mask", path)
        if mask is not None and len(mask) != 1:
            raise _bad(path, f"{what} has {len(mask)} masks")
        specs.append(LayerSpec(*_parse_layer(item, what, zf, infos, path),
                               _parse_refs(item.get("inbound", []), f"{what}'s inputs", path),
                               _parse_refs(item.get("initial_state", []), f"{what}'s initial states", path),
                               mask[0] if mask else None))
    source = m.get("source") if isinstance(m.get("source"), dict) else {}
    spec = ModelSpec(specs, _parse_refs(m.get("inputs", []), "the model's inputs", path),
                     _parse_refs(m.get("outputs", []), "the model's outputs", path), name, version, source)
    clean_spec_names(spec)
    try:
        return Model.from_spec(spec)
    except LstmvizError as err:
        raise _bad(path, f"the kept model cannot be built: {err}") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
            RecursionError) as err:
        # (was Python's class and words: "(KeyError: 'encoder_input')", "(AttributeError:
        # 'NoneType' object has no attribute 'get')", a check the kept model's parser lacks)
        raise _bad(path, "the kept model cannot be built: its layers' settings or connections "
                         "are damaged") from err


# -- applying -------------------------------------------------------------------------------
def apply_session(state: AppState, session: Session, path=None) -> None:
    """Put a parsed session onto ``state``; undo brings back what was there. All or
    nothing: when what it holds cannot be built or traced (over the memory limit, say),
    LstmvizError, and the state is exactly as before, undo stack included. One ``changed``
    event says what changed."""
    with all_or_nothing(state, str(path if path is not None else session.path or "the session")):
        with state.changes():
            _apply(state, session, path)


def _apply(state: AppState, session: Session, path) -> None:
    state.train_data = session.train_data  # (the Train tab's own data: the session's, or none)
    if session.input.data is not None:
        state.give_with_input(session.input.data, session.feature_names, session.token_labels)
    if session.model is not None:  # a read-only model: shown as opened, on the session's input
        if session.compiled is not None:  # (said by the Train tab as kept in this session)
            session.model.source["compile"] = _reopened(session.compiled, path)
        state.seed = session.seed
        state.trace_all_samples = session.trace_all_samples
        state.set_model(session.model, str(path) if path is not None else session.path,
                        spec=session.input)
        _to_batch(state, session, path)
        state.set_cursor(**dataclasses.asdict(session.cursor))
        return
    state.remember_replaced()
    state.shown_weights = None  # (a session's weights are its own, whatever training made them)
    state.readonly = False
    state.model = None
    state.layers = session.layers
    state.keras_version = session.keras_version
    state.model_name = session.model_name
    state.compiled = _reopened(session.compiled, path)  # (the Train tab's and fit's defaults)
    state.input = session.input
    state.seed = session.seed
    state.trace_all_samples = session.trace_all_samples
    state.path = str(path) if path is not None else session.path
    state.cursor = session.cursor
    given = [None if e.weights is None else [np.shape(w) for w in e.weights] for e in session.layers]
    state.rebuild()
    # the stack keeps the weights that fit and draws the others afresh (an edit's way):
    # a session's own weights that do not fit are a damaged file, not an edit (ten
    # arrays given to an LSTM opened it with initial weights, without a word)
    for k, (entry, shapes) in enumerate(zip(state.layers, given)):
        have = [np.shape(w) for w in entry.weights or []]
        if shapes is not None and have and shapes != have:
            shown = ", ".join(str(s) for s in shapes[:4]) + (", ..." if len(shapes) > 4 else "")
            raise _bad(path if path is not None else "the session",
                       f"layer {k} ({entry.class_name}) holds {plural(len(shapes), 'weight array')} "
                       f"({shown}) where its config needs "
                       f"{len(have)} ({', '.join(str(s) for s in have)})")
    state.stack_changed.emit()
    _to_batch(state, session, path)
    state.set_cursor(**dataclasses.asdict(session.cursor))


def _reopened(compiled: dict | None, path) -> dict | None:
    """What a session kept of the model's compile, with the session it was reopened from
    (``"session"``: the Train tab says where it came from, the file, kept in the session)."""
    if compiled is None:
        return None
    return {**compiled, "session": str(path)} if path is not None else dict(compiled)


def _to_batch(state: AppState, session: Session, path) -> None:
    """The stateful batch the session shows: from the states it kept, that batch alone
    traced (as ``next_batch`` traced it: the same numbers to the bit); without them (an
    older session), the batches before it traced again (``_next_batches``)."""
    model = state.model
    if model is None or not model.stateful or session.batch <= 0 or state.error is not None:
        return
    if session.states is None:
        _next_batches(state, session.batch)
        return
    where = path if path is not None else session.path or "the session"
    _carried_in(model, session.states, where)
    model.carry_states(session.states)
    state.batch_index = session.batch - 1
    try:
        state.next_batch()
    except LstmvizError as err:  # (a generated input continued to a batch past the memory limit)
        raise _bad(where, f"its stateful batch {session.batch:,} cannot be traced: {err}") from None


def _carried_in(model: Model, states: list, path) -> None:
    """Refuse ``states`` (a session's) unless they are what ``model``'s layers carry, layer
    for layer and to the shape: the stack has just traced batch 0, so its own carried
    states are the pattern (None where a layer carries none)."""
    pattern = model.carried_states()
    if len(states) != len(pattern):
        raise _bad(path, f"the carried states are given for {plural(len(states), 'layer')}, "
                         f"the stack has {len(pattern)}")
    for node, given, want in zip(model.nodes, states, pattern):
        name = node.layer.name  # (a session's names are escaped as it is read)
        if len(given) != len(want):
            raise _bad(path, f"layer '{name}' is given carried states for {plural(len(given), 'recurrent layer')}, "
                             f"it holds {len(want)}")
        for g, w in zip(given, want):
            if (g is None) != (w is None):
                raise _bad(path, f"layer '{name}' " + ("carries states the session does not give" if g is None
                                                       else "is given carried states but carries none"))
            if g is None or w is None:
                continue
            shapes, needed = [a.shape for a in g], [a.shape for a in w]
            if shapes != needed:
                raise _bad(path, f"layer '{name}' is given carried states of shapes "
                                 f"{', '.join(map(str, shapes[:4]))}, it carries {', '.join(map(str, needed))}")


def _next_batches(state: AppState, batch: int) -> None:
    """A stateful model's batch ``batch`` again: each batch before it traced, as the user
    stepped through them (the states carried from one to the next). More than
    ``MAX_BATCH`` batches or ``REPLAY_BYTES`` of traces (a file of a few KB may ask for a
    billion): batch 0, and a notice says so."""
    model = state.model
    if model is None or not model.stateful or batch <= 0:
        return
    from lstmviz.engine.windows import full_trace_bytes

    x = state.x
    each = full_trace_bytes(model, x.shape[0], x.shape[1]) if x is not None and x.ndim >= 2 else 0
    if batch > MAX_BATCH or batch * each > REPLAY_BYTES:
        state.notice.emit(f"Opened at stateful batch 0: the session was at batch {batch:,}, and "
                          f"lstmviz traces at most {MAX_BATCH:,} batches and "
                          f"{limits.fmt_bytes(REPLAY_BYTES)} of them again to restore one")
        return
    while state.batch_index < batch:
        state.next_batch()


def open_session(state: AppState, path) -> Session:
    """Read, check, then apply ``path``; on any problem the state is left as it was."""
    session = read_session(path)
    apply_session(state, session, path)
    return session


def read_model_spec(path) -> ModelSpec:
    """The model a session holds, as the spec that builds it: the registry's reader of
    ``.lstmviz`` files (``lstmviz.load``, ``lstmviz summary``/``trace``). Raises
    LstmvizError, also when the session's stack cannot run. A stack is built as the window
    builds it: under its model's name and Keras generation (they were left out: a session of
    an opened Keras 2 file's stack loaded as Keras 3's, another hard_sigmoid, and named
    "sequential" where the session and the window name it "model")."""
    session = read_session(path)
    if session.model is not None:
        spec = session.model.to_spec()
    else:
        state = AppState(session.layers, session.input, seed=session.seed, build=False)
        state.keras_version = session.keras_version
        state.model_name = session.model_name
        try:
            spec = state.build_model().to_spec()
        except LstmvizError as err:
            raise LstmvizError(f"{path}: the session's stack cannot run: {err}") from None
    spec.source = {"format": "lstmviz-session", "weights_only": False, "path": str(path),
                   "keras_version": spec.keras_version}
    if session.compiled is not None:  # (fit's defaults, as the file's were)
        spec.source.update({"compile": session.compiled, "notes": list(session.compiled["notes"])})
    return spec


# io's registry describes the session format; its reader is this module's (app -> io)
formats.register_reader("lstmviz-session", read_model_spec)
