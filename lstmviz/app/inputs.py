"""Example inputs for the stack: seeded generators, typed text, and files.

Every generator returns ``(batch, timesteps, features)`` float32; sample ``b`` differs
from sample 0 by a phase/offset/seed so the batch is worth picking through. Text becomes
either one-hot vectors (``features`` = size of the alphabet) or integer ids for an
``Embedding`` (0 is kept free for padding, as ``mask_zero=True`` expects).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from lstmviz import limits
from lstmviz.engine.model import check_finite, check_float32
from lstmviz.errors import LstmvizError
from lstmviz.files import check_regular
from lstmviz.io.csv_numbers import check_text, csv_numbers, empty, ids_layout
from lstmviz.io.npy import read_npy
from lstmviz.text import dtype_words, safe_name, system_reason

#: Generator names in the order the input panel lists them, with a label for humans.
GENERATORS: dict[str, str] = {
    "sine": "Sine wave",
    "mixed_sines": "Mixed sines",
    "square": "Square wave",
    "sawtooth": "Sawtooth",
    "noise": "Noise (normal)",
    "random_walk": "Random walk",
    "impulse": "Impulse (one spike)",
    "step": "Step (0 then 1)",
    "counting": "Counting 1, 2, 3 ...",
    "text": "Typed text",
}

#: The generators that draw from the seed (phases, noise, where a spike or a step falls);
#: counting, typed text and the user's data are the same whatever the seed.
SEEDED = ("sine", "mixed_sines", "square", "sawtooth", "noise", "random_walk", "impulse", "step")

#: Characters of typed text; anything else maps to the last entry ("?").
ALPHABET = " abcdefghijklmnopqrstuvwxyz.?"


def generate(kind: str, batch: int, timesteps: int, features: int, seed: int = 0,
             period: float = 12.0, batch_index: int = 0) -> np.ndarray:
    """A ``(batch, timesteps, features)`` float32 signal of kind ``kind`` (see GENERATORS).

    ``batch_index`` k (a stateful model's next batches): the same signal's steps k*T ..
    (k+1)*T, where batch k-1 ended: a sine goes on in phase, a random walk from where it
    was, noise with the next draws of the same generator, an impulse or a step as placed
    in batch 0 (one spike, one step), mixed sines scaled as in batch 0. Batch 0 is the
    same whatever is asked after it."""
    batch, timesteps, features = int(batch), int(timesteps), int(features)
    k = int(batch_index)
    if batch < 1 or timesteps < 1 or features < 1:
        raise LstmvizError(
            f"the input needs at least 1 sample, 1 timestep and 1 feature; got batch {batch}, "
            f"timesteps {timesteps}, input_dim {features}"
        )
    # before generating: float64 intermediates of the declared size (mixed_sines: 3 of them)
    limits.check_input_shape((batch, timesteps, features), "the generated input")
    limits.check(limits.nbytes_of((batch, timesteps, features), 8 * 4), "generating the input")
    if not math.isfinite(float(period)):
        raise LstmvizError(f"the input's period is {period}, not a finite number of steps")
    if k < 0:
        raise LstmvizError(f"the input's batch index is {k}; batches count from 0")
    if k:  # the signal so far, as long as a generated input may be (noise draws all of it)
        limits.check_input_shape((batch, (k + 1) * timesteps, features),
                                 f"the generated input continued to batch {k:,}")
    rng = np.random.default_rng(seed)
    first = k * timesteps
    t = np.arange(first, first + timesteps, dtype=np.float64)[None, :, None]
    b = np.arange(batch, dtype=np.float64)[:, None, None]
    f = np.arange(features, dtype=np.float64)[None, None, :]
    period = max(float(period), 2.0)
    phase = rng.uniform(0, 2 * np.pi, size=(batch, 1, features))
    if kind == "sine":
        x = np.sin(2 * np.pi * t / period + phase + f * np.pi / 4)
    elif kind == "mixed_sines":
        freqs = rng.uniform(0.5, 3.0, size=(batch, 1, features, 3))
        amps = rng.uniform(0.2, 1.0, size=(batch, 1, features, 3))
        ph = rng.uniform(0, 2 * np.pi, size=(batch, 1, features, 3))
        def sines(t):
            return np.sum(amps * np.sin(2 * np.pi * freqs * t[..., None] / period + ph), axis=-1)
        x = sines(t)
        # scaled to peak at 1 over batch 0's steps (every batch by the same number)
        x /= np.max(np.abs(x if not k else sines(t - first))) or 1.0
    elif kind == "square":
        x = np.sign(np.sin(2 * np.pi * t / period + phase))
        x[x == 0] = 1.0
    elif kind == "sawtooth":
        x = 2.0 * (((t + phase / (2 * np.pi) * period) / period) % 1.0) - 1.0
    elif kind == "noise":
        _earlier_draws(rng, 1.0, k, (batch, timesteps, features))
        x = rng.normal(0.0, 1.0, size=(batch, timesteps, features))
    elif kind == "random_walk":  # from where the walk stands after batches 0..k-1
        start = _earlier_draws(rng, 0.3, k, (batch, timesteps, features))
        x = start + np.cumsum(rng.normal(0.0, 0.3, size=(batch, timesteps, features)), axis=1)
    elif kind == "impulse":
        at = rng.integers(0, timesteps, size=(batch, 1, features)) if batch > 1 else np.zeros((1, 1, features))
        at[0] = 0  # sample 0: the spike comes first, so "remember the first input" is visible
        x = (t == at).astype(np.float64)
    elif kind == "step":
        at = np.full((batch, 1, features), timesteps // 2)
        if batch > 1:
            at[1:] = rng.integers(1, max(timesteps, 2), size=(batch - 1, 1, features))
        x = (t >= at).astype(np.float64)
    elif kind == "counting":
        x = (t + 1 + b + 0 * f) / max(timesteps, 1)
    else:
        raise LstmvizError(f"unknown input generator {kind!r}; choose one of {', '.join(GENERATORS)}")
    return np.ascontiguousarray(np.broadcast_to(x, (batch, timesteps, features)), dtype=np.float32)


def _earlier_draws(rng, scale: float, k: int, shape: tuple[int, int, int]) -> np.ndarray:
    """Draw what batches 0..k-1 of a ``shape`` (batch, T, features) signal drew from
    ``rng`` (each batch's normals after the batches before it: n draws of one call are
    those of n calls) and return their sum over the steps, (batch, 1, features): a few
    million numbers at a time, whatever the batch's size."""
    per = int(np.prod(shape))
    total = np.zeros((shape[0], 1, shape[2]))
    left = k
    while left:
        n = min(left, max(1, (1 << 22) // max(per, 1)))
        total += rng.normal(0.0, scale, size=(n,) + shape).sum(axis=(0, 2))[:, None, :]
        left -= n
    return total


#: How a character token is shown where a blank or a line break would show nothing: a
#: space as an open box, a line feed as the Enter key's arrow, a tab as the Tab key's, a
#: carriage return as the carriage going back to the line's start ("\r\n": "←↵"). Each is
#: a glyph DejaVu Sans has (U+240D, "␍", is in no usual Linux desktop's font: an empty box)
SHOWN = {" ": "\u2423", "\n": "\u21b5", "\t": "\u21e5", "\r": "\u2190"}
#: Longest token shown (a vocabulary's "[UNK]" whole, a long word token cut)
TOKEN_LIMIT = 12
#: Most token ids given labels
MAX_LABELS = 1 << 20


def shown_token(token: str) -> str:
    """A token as the views write it: a space, line break or tab as a visible sign, any
    other control character escaped, a long token cut (a vocabulary file is a stranger's)."""
    if token in SHOWN:
        return SHOWN[token]
    return safe_name(token, TOKEN_LIMIT)


def alphabet_labels() -> tuple[str, ...]:
    """What each id of the app's own characters stands for (id 0: padding)."""
    return ("",) + tuple(shown_token(c) for c in ALPHABET)


def vocabulary_labels(vocabulary: dict[str, int], size: int | None = None) -> tuple[str, ...]:
    """What each id of ``vocabulary`` (token -> id) below ``size`` (a model's vocabulary
    size) stands for, as shown (ids no token has: empty). A file's ids past the first
    million are not labelled (an id of 10**9 in a few bytes of JSON asks for no table)."""
    size = min(max(vocabulary.values(), default=-1) + 1, size or MAX_LABELS, MAX_LABELS)
    labels = [""] * size
    for token, i in vocabulary.items():
        if 0 <= i < size and not labels[i]:
            labels[i] = shown_token(token)
    return tuple(labels)


def char_index(ch: str) -> int:
    i = ALPHABET.find(ch.lower())
    return i if i >= 0 else len(ALPHABET) - 1


def text_ids(text: str, batch: int = 1, timesteps: int | None = None) -> np.ndarray:
    """Token ids ``(batch, timesteps)`` int32, 1..len(ALPHABET) (0 is padding).

    Sample ``b`` is the text rotated by ``b`` characters; a text shorter than
    ``timesteps`` is padded with 0 at the end.
    """
    text = text or " "
    n = len(text) if timesteps is None else int(timesteps)
    limits.check_input_shape((batch, n, len(ALPHABET)), "the text input")
    ids = np.zeros((batch, n), dtype=np.int32)
    base = np.array([1 + char_index(c) for c in text], dtype=np.int32)
    for s in range(batch):
        row = np.roll(base, -s)[:n]
        ids[s, :len(row)] = row
    return ids


def text_onehot(text: str, batch: int = 1, timesteps: int | None = None,
                features: int | None = None) -> np.ndarray:
    """One-hot ``(batch, timesteps, features)`` float32 of typed text (padding: all zeros).

    ``features`` defaults to ``len(ALPHABET)``; with fewer features the character index
    wraps around (the stack's ``input_dim`` decides, as it would in Keras).
    """
    features = len(ALPHABET) if features is None else int(features)
    ids = text_ids(text, batch, timesteps)
    out = np.zeros(ids.shape + (features,), dtype=np.float32)
    b, t = np.nonzero(ids)
    out[b, t, (ids[b, t] - 1) % features] = 1.0
    return out


def counting_ids(batch: int, timesteps: int, vocab: int, first: int = 0) -> np.ndarray:
    """Token ids ``(batch, timesteps)`` int32 that count as "Counting 1, 2, 3 ..." says:
    sample ``b`` at step ``t`` (``first``: the step the array starts at, a stateful batch's
    continuation) has id ``1 + (t + b)``, wrapping round within ``1..vocab-1`` (0 is padding)."""
    if vocab <= 1:
        return np.zeros((batch, timesteps), dtype=np.int32)
    t = np.arange(first, first + timesteps, dtype=np.int64)[None, :]
    b = np.arange(batch, dtype=np.int64)[:, None]
    return (1 + (t + b) % (vocab - 1)).astype(np.int32)


def ids_for_vocab(x: np.ndarray, vocab: int) -> np.ndarray:
    """Turn any signal into token ids ``1..vocab-1`` (for an Embedding fed by a generator)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3:
        x = x[..., 0]
    if vocab <= 1:
        return np.zeros(x.shape, dtype=np.int32)
    lo, hi = float(np.min(x)), float(np.max(x))
    span = (hi - lo) or 1.0
    return (1 + np.floor((x - lo) / span * (vocab - 2) + 0.5)).astype(np.int32).clip(1, vocab - 1)


def _read_numbers(path) -> tuple[Path, np.ndarray]:
    """``.npy`` or ``.csv`` as it is (a CSV: a row per line), numbers only."""
    path = Path(path)
    suffix = path.suffix.lower()
    check_regular(path, path.name)
    try:
        if suffix == ".npy":
            arr = read_npy(path, path.name)  # header checked before reading
        elif suffix in (".csv", ".txt"):
            arr = _read_csv(path)
        else:
            raise LstmvizError(f"{path.name}: inputs are read from .npy or .csv files, not {suffix or 'this file'}")
    except LstmvizError:
        raise
    except (OSError, ValueError) as err:
        # (Python's words were put in parentheses: "([Errno 2] No such file or directory:
        # '/whole/path/x.csv')", "(embedded null byte)")
        if isinstance(err, OSError):
            why = system_reason(err)
        elif "\0" in str(path):
            why = " (its name holds a NUL character, which no file's name can)"
        else:
            why = " (the file may be damaged)"
        raise LstmvizError(f"{path.name}: cannot read it as {suffix[1:] or 'an array'}{why}") from err
    arr = np.asarray(arr)
    # (a bool .npy is read as 0 and 1, as ``lstmviz trace --input`` and the Train tab read
    # it and as ``read_npy``'s refusals say: "numbers (bool, integer or float)")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise LstmvizError(f"{path.name}: holds {dtype_words(arr.dtype)}, not numbers")
    return path, arr


def as_sequence(arr: np.ndarray, name: str, ids: bool = False, time_major: bool = False) -> np.ndarray:
    """An input file's array as ``(batch, timesteps, features)``: 1-D is one sample of one
    feature, 2-D one sample with a row per step (``ids``, a model of token ids: a row per
    sample, as Keras takes them), 3-D as it is (``time_major``: as a model of a (time,
    batch, features) input takes it, so swapped); else refused in one line."""
    if arr.ndim == 1:
        return arr[None, :, None]
    if arr.ndim == 2:
        return arr[:, :, None] if ids else arr[None]
    if arr.ndim == 3:
        return np.swapaxes(arr, 0, 1) if time_major else arr
    raise LstmvizError(f"{name}: has shape {arr.shape}; expected (timesteps,), "
                       "(timesteps, features) or (batch, timesteps, features)")


def load_array(path, ids: bool = False, time_major: bool = False) -> np.ndarray:
    """Read ``.npy`` or ``.csv`` into ``(batch, timesteps, features)`` float32.

    A 1-D array is one sample with one feature; a 2-D array (and every ``.csv``) is one
    sample with rows as timesteps and columns as features; 3-D arrays are taken as is.
    ``ids`` (a model that takes token ids): a 2-D array is ``(batch, timesteps)``, a row per
    sample (what Keras' ``predict`` and ``lstmviz trace`` take), held as ``(batch,
    timesteps, 1)``; an editable stack starting with an Embedding reads them through
    ``load_ids``, which also checks them against its vocabulary. ``time_major``: a 3-D
    array is ``(time, batch, features)``, as a model whose input is so takes it (``lstmviz
    trace`` and ``--input``), held ``(batch, time, features)``.
    """
    path, arr = _read_numbers(path)
    arr = as_sequence(arr, path.name, ids, time_major)
    if arr.size == 0:
        raise LstmvizError(f"{path.name}: is empty (shape {arr.shape})")
    check_float32(arr, f"{path.name}: holds")
    arr = arr.astype(np.float32)
    check_finite(arr, f"{path.name}: holds")
    return arr


def load_ids(path, vocab: int) -> np.ndarray:
    """Token ids ``(batch, timesteps)`` int32 for a stack starting with an Embedding, read
    as ``lstmviz MODEL --input`` reads them: a ``.npy`` of ``(timesteps,)``, ``(batch,
    timesteps)`` or ``(batch, timesteps, 1)``; a ``.csv`` with a row per sample and a
    column per step. Whole numbers ``0 .. vocab-1``, else refused in one line."""
    path, arr = _read_numbers(path)
    if path.suffix.lower() != ".npy" and arr.ndim == 2:  # a column of ids: one sample (ids_layout)
        arr = arr.reshape(ids_layout(arr.shape[0], arr.shape[1]))
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    elif arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2:
        raise LstmvizError(
            f"{path.name}: has shape {arr.shape}; the stack starts with an Embedding, which reads "
            "token ids: (timesteps,), (batch, timesteps) or (batch, timesteps, 1)")
    if arr.size == 0:
        raise LstmvizError(f"{path.name}: is empty (shape {arr.shape})")
    check_token_ids(arr, vocab, path.name)
    return arr.astype(np.int32)


def check_token_ids(x, vocab: int, name: str, first: str = "the stack", block: int = 1 << 20) -> None:
    """Token ids read from a file for an Embedding of ``vocab`` ids (``first``: what starts
    with it, "the stack" or "the model"): whole numbers ``0 .. vocab-1``, else refused in one
    line; ``block`` numbers at a time (a memory-mapped file is not read whole at once)."""
    flat = np.asarray(x).reshape(-1)
    for s in range(0, flat.size, block):
        part = np.asarray(flat[s:s + block])
        if np.issubdtype(part.dtype, np.floating) and (
                not np.all(np.isfinite(part)) or np.any(part != np.round(part))):
            raise LstmvizError(f"{name}: {first} starts with an Embedding, which reads whole-number "
                               f"token ids 0..{vocab - 1}; the file holds fractions or NaN")
        lo, hi = part.min(), part.max()
        if lo < 0 or hi >= vocab:
            raise LstmvizError(f"{name}: token id {int(hi if hi >= vocab else lo)} is outside the "
                               f"Embedding's vocabulary (input_dim {vocab}: ids 0..{vocab - 1})")


def _read_csv(path: Path) -> np.ndarray:
    """A CSV's numbers, a row per line (``io.csv_numbers``: streamed, stopped at
    ``limits.csv_cell_limit()``, a header line and ``#`` lines skipped; its refusals)."""
    if path.stat().st_size == 0:
        raise LstmvizError(empty(path.name))
    # (bytes that are not UTF-8 read as U+FFFD: a header in another encoding is read, a
    # number cell holding them is refused by its line and column)
    check_text(path.name, path)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        flat, width = csv_numbers(path.name, fh)
    return np.frombuffer(flat, dtype=np.float64).reshape(-1, width).copy()


def use_array(state, x, names=None) -> None:
    """Trace ``state``'s model on ``x`` (``lstmviz MODEL --input X``, ``lstmviz.show(m, x)``).

    ``x`` must fit the model's first input as it is: ``(batch, timesteps, features)`` (or
    ``(timesteps, features)`` for one sample), or ``(batch, timesteps)`` whole-number token
    ids for a model starting with an Embedding. A shape the model does not take is refused
    (the stack is not rebuilt around the data: that would re-initialise its first layer).
    ``names``: its features' names (a CSV's header), kept with it (``feature_names``).
    For a model of several inputs, ``x`` is the first input's array (the others are made),
    or a list or tuple of an array per input, each as the model takes it and with as many
    samples as the first (``check_others``).
    """
    from lstmviz.engine.layers import fmt_shape

    if state.model is None:
        raise LstmvizError("there is no model to run the input through")
    shapes = state.model.input_shapes()
    shape = tuple(shapes[0])
    rest = None
    if len(shapes) > 1 and isinstance(x, (list, tuple)) and len(x) == len(shapes):
        x, rest = x[0], x[1:]
    elif (isinstance(x, (list, tuple)) and x
          and all(isinstance(a, np.ndarray) and a.ndim >= len(shape) for a in x)):
        # a list of the model's whole inputs (as model.trace([x]) takes it), not of its
        # samples: stacked, [x] was "the input has shape (1, 1, 5, 3)" (for a model of
        # several inputs too: [x] is its first input alone, as x is)
        kind = type(x).__name__
        if len(x) > 1 and len(shapes) == 1:
            raise LstmvizError(
                f"the model takes 1 input, got a {kind} of {len(x)} arrays (a {kind} holds one "
                f"array per input); give this model's one input as one array {fmt_shape(shape)} "
                "(samples first)")
        if len(x) > 1:
            raise LstmvizError(
                f"the model takes {len(shapes)} inputs, got a {kind} of {len(x)} arrays (a {kind} "
                "holds one array per input); give an array per input, or the first input's alone")
        x = x[0]
    try:
        x = np.asarray(x)
    except ValueError:  # a list of arrays of different shapes
        raise LstmvizError(f"the input is a list of arrays of different shapes; give one array "
                           f"{fmt_shape(shape)} (samples first)") from None
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise LstmvizError(f"the input holds {dtype_words(x.dtype)}, not numbers")
    if np.iscomplexobj(x):  # (as a .npy of them is refused: the imaginary parts would be dropped)
        raise LstmvizError("the input holds complex numbers (their imaginary part would be lost); "
                           "give real numbers (bool, integer or float)")
    given = x.shape  # what the user gave, for the messages
    time_major = bool(state.time_major)  # (an ONNX graph's (time, batch, ...) input)
    if len(shape) == 3 and x.ndim == 2:  # one sample
        x = x[:, None] if time_major else x[None]
    if x.ndim != len(shape) or x.size == 0:
        raise LstmvizError(f"the input has shape {given} but the model takes {fmt_shape(shape)}")
    # an editable stack takes the input's number of steps (a long input too)
    bad = [k for k, d in enumerate(shape) if d is not None and d != x.shape[k]
           and not (k == 1 and not state.readonly)]
    if bad:
        from lstmviz.engine.onnx_time import fixed_refusal  # (an ONNX graph that runs on its length only)
        steps = x.shape[0 if time_major else 1] if x.ndim >= 2 else 0
        raise LstmvizError(fixed_refusal(state.model, steps)
                           or f"the input has shape {given} but the model takes {fmt_shape(shape)}")
    if len(shape) == 2:
        if not np.all(np.isfinite(x)) or np.any(x != np.round(x)) or x.min() < 0:
            raise LstmvizError("the model starts with an Embedding, which needs whole-number "
                               "token ids (0 or more)")
        emb = next((l for l in state.model.layers if l.class_name == "Embedding"), None)
        vocab = int(emb.config.get("input_dim", 0)) if emb is not None else 0
        if vocab and x.max() >= vocab:
            raise LstmvizError(f"token id {int(x.max())} is outside the Embedding's vocabulary "
                               f"(input_dim {vocab}: ids 0..{vocab - 1})")
        x = x.astype(np.float32)[..., None]
    else:
        check_finite(x, "the input holds")
        check_float32(x, "the input holds")
    if time_major and x.ndim == 3:  # checked as the model takes it; held (batch, time, ...)
        x = np.ascontiguousarray(np.swapaxes(x, 0, 1))
    others = None if rest is None else state.check_others(rest, batch=len(x))
    state.set_input_data(x, names=names, others=others)
    if state.error:
        raise LstmvizError(state.error)
