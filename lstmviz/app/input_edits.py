"""Editing the stack's input, with no Qt: its settings (``set_input_spec``), imported or
hand-edited data (``set_input_data``, ``set_input_value``, ``import_input``), and the array
the model is traced on (``make_input``). A part of ``AppState`` (see ``app/base.py``); the
generators themselves are in ``app/inputs.py``.
"""

from __future__ import annotations

import dataclasses
import weakref
from pathlib import Path
from typing import Any

import numpy as np

from lstmviz.app import inputs as gen
from lstmviz.app.base import StateBase
from lstmviz.app.events import operation as _operation
from lstmviz.app.options import get_option
from lstmviz.app.stack import ARRAY_FIELDS, InputSpec, LayerEntry
from lstmviz.errors import LstmvizError
from lstmviz.text import safe_name


def mapped_read_only(a: np.ndarray) -> bool:
    """Whether ``a`` reads a file mapped read-only (``np.load(..., mmap_mode="r")``)."""
    b: Any = a
    while b is not None:
        if isinstance(b, np.memmap):
            return b.mode == "r"
        b = getattr(b, "base", None)
    return False


def frozen(data: np.ndarray, given: Any = None) -> np.ndarray:
    """``data`` (float32) as an input the state keeps: read-only and never written (an edit
    makes a new array), so undo snapshots, sessions and traces share it instead of copying
    it (``shared``). A copy only where ``data`` is ``given``'s memory, which its owner may
    change; a file mapped read-only (a long ``.npy``) stays mapped: its steps are read from
    the disk when used, not all held in memory."""
    if not data.flags.writeable and (mapped_read_only(data) or given is None):
        return data
    if given is not None and isinstance(given, np.ndarray) and np.may_share_memory(data, given):
        data = data.copy()
    data.setflags(write=False)
    return data


def shared(data: np.ndarray | None) -> np.ndarray | None:
    """The input array to keep in a snapshot or session: itself when read-only (see
    ``frozen``), else a read-only copy."""
    if data is None:
        return None
    if isinstance(data, np.ndarray) and not data.flags.writeable:
        return data
    out = np.array(data)
    out.setflags(write=False)
    return out


def token_ids(data: Any, vocab: int | None) -> np.ndarray | None:
    """``data`` ((batch, timesteps, 1) or (batch, timesteps)) as int32 token ids when it
    holds whole numbers in ``0..vocab-1``; else None."""
    if data is None:
        return None
    x = np.asarray(data)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[..., 0]
    if x.ndim != 2 or x.size == 0 or not np.all(np.isfinite(x)) or np.any(x != np.round(x)):
        return None
    if x.min() < 0 or (vocab is not None and x.max() >= vocab):
        return None
    return x.astype(np.int32)


def fit(data: np.ndarray, batch: int, timesteps: int, features: int) -> np.ndarray:
    """Crop or zero-pad an edited input to a new spec."""
    out = np.zeros((batch, timesteps, features), dtype=np.float32)
    b, t, d = (min(a, b) for a, b in zip(data.shape, out.shape))
    out[:b, :t, :d] = data[:b, :t, :d]
    return out


def same_spec(a: InputSpec, b: InputSpec) -> bool:
    """The same settings and the very same data array."""
    fields = [f.name for f in dataclasses.fields(InputSpec) if f.name not in ARRAY_FIELDS]
    return (all(getattr(a, n) == getattr(b, n) for n in fields) and a.data is b.data
            and len(a.others) == len(b.others) and all(x is y for x, y in zip(a.others, b.others)))


def spec_with(spec: InputSpec, changes: dict[str, Any], embedding_first: bool) -> InputSpec:
    """``spec`` with ``changes`` (InputSpec fields but ``data``): choosing a generator drops
    the data; typed text sets the steps (and one-hot width, unless an Embedding reads ids);
    data is cropped or zero-padded to a new shape."""
    allowed = {f.name for f in dataclasses.fields(InputSpec)} - set(ARRAY_FIELDS)
    bad = set(changes) - allowed
    if bad:
        raise LstmvizError(f"unknown input setting(s) {', '.join(sorted(bad))}")
    new = dataclasses.replace(spec, **changes)
    if "label" not in changes:  # (the input changed: no longer the demo's as it came)
        new.label = ""
    if new.source != "data":
        new.data = None
    if "text" in changes or ("source" in changes and new.source == "text"):
        new.timesteps = max(1, len(new.text))
        if not embedding_first and "input_dim" not in changes:
            new.input_dim = len(gen.ALPHABET)
    if new.data is not None and ("timesteps" in changes or "batch_size" in changes or "input_dim" in changes):
        new.data = frozen(fit(new.data, new.batch_size, new.timesteps, new.input_dim))
    if new.others and new.batch_size != spec.batch_size:
        # the other inputs' samples follow the first's: fewer kept, more not made up
        b = new.batch_size
        new.others = (tuple(None if o is None else frozen(o[:b]) for o in new.others)
                      if all(o is None or len(o) >= b for o in new.others) else ())
    return new


def vocab_of(layers: list[LayerEntry]) -> int:
    """The vocabulary of the Embedding that starts ``layers``."""
    return int(get_option(layers[0].config, "input_dim", 2))


def make_input(spec: InputSpec, layers: list[LayerEntry], batch_index: int = 0) -> np.ndarray:
    """The array a stack of ``layers`` is traced on for ``spec`` (token ids when an
    Embedding comes first). ``batch_index`` k (a stateful model's next batches): a generated
    signal's steps k*T .. (k+1)*T, where the last batch ended; data and typed text are the
    same batch again."""
    embedding_first = bool(layers) and layers[0].class_name == "Embedding"
    s = spec
    first = int(batch_index) * int(s.timesteps)
    if s.source == "data" and s.data is not None:
        x = s.data
    elif s.source == "text":
        if embedding_first:
            return gen.text_ids(s.text, s.batch_size, s.timesteps)
        x = gen.text_onehot(s.text, s.batch_size, s.timesteps, s.input_dim)
    elif s.source == "counting" and embedding_first:
        return gen.counting_ids(s.batch_size, s.timesteps, vocab_of(layers), first=first)
    else:
        x = gen.generate(s.source, s.batch_size, s.timesteps, s.input_dim, s.seed, s.period, batch_index)
    if embedding_first:
        vocab = vocab_of(layers)
        ids = token_ids(x, vocab) if s.source == "data" else None
        if ids is not None:
            return ids  # given ids (lstmviz MODEL --input ids.npy) as they are
        return gen.ids_for_vocab(x, vocab)
    return x


class InputEdits(StateBase):
    """The input edits of ``AppState``."""

    #: what was given with input arrays (``set_input_data(names=, labels=)``, a session's
    #: input): (a weak reference to the array, its features' names or None, what its token
    #: ids stand for or None), one entry per array still alive (the input and those undo
    #: may bring back); the arrays are not kept alive for them
    _given: tuple[tuple[weakref.ref, tuple[str, ...] | None, tuple[str, ...] | None], ...] = ()

    def give_with_input(self, data: np.ndarray, names=None, labels=None) -> None:
        """Keep ``names`` (one a feature of ``data``, else dropped) and ``labels`` with the
        array ``data`` (``feature_names``/``token_labels`` while the input is that array)."""
        if names is not None and (np.ndim(data) < 1 or len(names) != np.shape(data)[-1]):
            names = None
        names = None if names is None else tuple(str(n) for n in names)
        labels = None if labels is None else tuple(str(n) for n in labels)
        kept = tuple(g for g in self._given if g[0]() is not None and g[0]() is not data)
        self._given = kept + (((weakref.ref(data), names, labels),) if names or labels else ())

    def given_with_input(self) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        """(names, labels) given with the input array (``set_input_data``, a session's), while
        the input is that array: an edit or another input has none, an undo back to it has
        them again."""
        data = self.input.data
        if self.input.source != "data" or data is None:
            return None, None
        for ref, names, labels in self._given:
            if ref() is data:
                return names, labels
        return None, None

    def feature_names(self) -> tuple[str, ...] | None:
        """The names of the input's features, given with it (a long input's CSV header,
        escaped: ``long_data.header_name``)."""
        return self.given_with_input()[0]

    def token_labels(self) -> tuple[str, ...] | None:
        """What each token id stands for, when the app itself made the ids from text: typed
        text (its alphabet: id 0 is padding, 1.. the characters), or a text opened as a long
        input, given with its ids (``set_input_data(labels=)``: the app's characters or the
        vocabulary file's tokens) while the input is that array. The Unrolled and Cell views
        then show the characters, and an output over the same ids its most likely next one.
        None for ids from a file or a generator: what they mean is the model's vocabulary,
        which lstmviz does not know."""
        labels = self.given_with_input()[1]
        if labels is not None:
            return labels
        if self.readonly or self.input.source != "text" or not self.embedding_first:
            return None
        return gen.alphabet_labels()

    def input_shape(self) -> tuple:
        """The batch shape given to the model: batch is None unless a layer is stateful."""
        stateful = any(get_option(e.config, "stateful") or get_option(e.config, "layer.stateful")
                       for e in self.layers)
        batch = int(self.input.batch_size) if stateful else None
        if self.embedding_first:
            return (batch, int(self.input.timesteps))
        return (batch, int(self.input.timesteps), int(self.input.input_dim))

    def make_input(self) -> np.ndarray:
        """The array the model is traced on (token ids when an Embedding comes first)."""
        return make_input(self.input, self.layers)

    @_operation
    def set_input_spec(self, **changes: Any) -> None:
        """Change ``batch_size``, ``timesteps``, ``input_dim``, ``source``, ``seed``,
        ``period`` or ``text``; choosing a generator drops imported/hand-edited data."""
        new = spec_with(self.input, changes, self.embedding_first)
        if self.readonly and self.model is not None:
            # typed text sets the steps and one-hot width of a stack; a read-only model's
            # input keeps what the model fixes (its ids are the text's, over its steps)
            shape = tuple(self.model.input_shapes()[0])
            if self.time_major:  # (as the app holds its data: batch first, ``tracing.held_shape``)
                shape = (shape[1], shape[0]) + shape[2:]
            if len(shape) > 1 and shape[1] and "timesteps" not in changes:
                new.timesteps = int(shape[1])
            if "input_dim" not in changes:
                new.input_dim = self.input.input_dim
        if same_spec(new, self.input):
            return
        old_dim = self.input.input_dim
        self._remember()
        self.input = new
        self._edited(select=self.index_of(self.cursor.layer))
        if new.input_dim != old_dim and "input_dim" not in changes:  # (typed text: one-hot)
            self.notice.emit(f"input_dim {old_dim} → {new.input_dim}: typed text is one-hot over the "
                             f"{new.input_dim} characters the app reads (set input_dim after it for "
                             "another width)")

    @_operation
    def set_input_data(self, data: np.ndarray, names=None, labels=None, others=None, label: str = "") -> None:
        """Use ``data`` (``(batch, timesteps, features)``) as the input, as imported/edited.
        Kept read-only (``frozen``): a copy of the caller's array, a read-only memory-mapped
        file as it is. ``names``: its features' names (``feature_names``), one a feature;
        ``labels``: what its token ids stand for (``token_labels``); ``others``: a read-only
        model's other inputs given with it (``InputSpec.others``, checked: ``check_others``;
        None keeps those held); ``label``: what the input is called where the app chose it
        (``InputSpec.label``: a demo's), else "" (the user's own, an edit's)."""
        given = data
        data = np.asarray(data, dtype=np.float32)
        if data.ndim == 2:
            data = data[None]
        if data.ndim != 3:
            raise LstmvizError(f"the input must be (batch, timesteps, features); got shape {data.shape}")
        misfit = self._misfit(data)
        if misfit:  # (a read-only model would be traced on an input made up in its place)
            raise LstmvizError(misfit)
        b, t, d = data.shape
        data = frozen(data, given)
        self._remember()
        self.input = dataclasses.replace(self.input, source="data", data=data,
                                         batch_size=b, timesteps=t,
                                         input_dim=self.input.input_dim if self.embedding_first else d,
                                         others=self.input.others if others is None else tuple(others),
                                         label=label)
        if names is not None or labels is not None:
            self.give_with_input(data, names, labels)
        self._edited(select=self.index_of(self.cursor.layer))

    @_operation
    def set_input_value(self, sample: int, step: int, feature: int, value: float) -> None:
        """One number of the input, edited by hand (the input becomes ``"data"``)."""
        x = np.array(self.make_input() if self.input.data is None else self.input.data, dtype=np.float32)
        if x.ndim == 2:
            x = x[..., None]
        x[sample, step, feature] = value
        self.set_input_data(x)

    @_operation
    def import_input(self, path: Any, label: str = "") -> None:
        """A ``.npy``/``.csv`` as the input: token ids for a stack starting with an Embedding
        (a row of a CSV per sample, as ``lstmviz MODEL --input`` reads it, checked against its
        vocabulary) or for a read-only model whose first input is 2-D ``(batch, timesteps)``,
        else numbers (a row per timestep). ``label``: ``set_input_data``'s (a demo's input)."""
        if self.embedding_first and not self.readonly:
            ids = gen.load_ids(path, vocab_of(self.layers))
            self.set_input_data(ids[..., None].astype(np.float32), label=label)
        else:
            data = gen.load_array(path, ids=self.takes_ids, time_major=self.time_major)
            misfit = self._misfit(data)  # (a read-only model was traced on a made-up input)
            if misfit:
                raise LstmvizError(f"{safe_name(Path(str(path)).name)}: {misfit}")
            names = None
            if (Path(str(path)).suffix.lower() in (".csv", ".tsv", ".txt") and not self.takes_ids
                    and not self.time_major and data.shape[0] == 1):
                # a CSV's header names its features, one a column (rows are steps), as File >
                # Open a long input and --input keep them: Units at scale said 'feature 2'
                from lstmviz.app.long_data import csv_header
                names = csv_header(path, int(data.shape[-1]))
            self.set_input_data(data, names=names, label=label)

    @property
    def takes_ids(self) -> bool:
        """The model's (first) input is token ids, ``(batch, timesteps)``: an Embedding first
        in the stack, or a read-only model's 2-D first input."""
        if self.readonly and self.model is not None:
            return len(self.model.input_shapes()[0]) == 2
        return self.embedding_first
