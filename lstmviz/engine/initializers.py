"""Keras' weight initializers, drawn from a NumPy generator (same distributions as Keras,
not the same numbers: Keras' random streams are its backend's)."""

from __future__ import annotations

import contextlib
import math
import threading

import numpy as np

from lstmviz.engine import blas
from lstmviz.errors import LstmvizError


def _fans(shape):
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def _name_of(init):
    if init is None:
        return "zeros"
    if isinstance(init, dict):
        return str(init.get("class_name", "zeros"))
    return str(init)


def _alnum(text) -> str:
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


#: Keras' VarianceScaling (scale, mode, distribution) that are the named initializers (Keras
#: 2.0-2.2 wrote glorot_uniform so); "normal" was the truncated one before Keras 2.3 named it
_VARIANCE_SCALING = {(1.0, "fan_avg", "uniform"): "glorotuniform", (1.0, "fan_avg", "truncated_normal"): "glorotnormal",
                     (2.0, "fan_in", "uniform"): "heuniform", (2.0, "fan_in", "truncated_normal"): "henormal",
                     (1.0, "fan_in", "uniform"): "lecununiform", (1.0, "fan_in", "truncated_normal"): "lecunnormal"}


#: Keras 1/2 names that stand for another
_ALIASES = {"zero": "zeros", "one": "ones", "uniform": "randomuniform", "normal": "randomnormal"}


def _key(init) -> str:
    """An initializer's name as one key: "glorot_uniform", "GlorotUniform" -> "glorotuniform";
    Keras 3.0-3.5's class names "OrthogonalInitializer", "IdentityInitializer" (what their
    .keras files hold) -> "orthogonal", "identity"; a VarianceScaling config that is one of
    the named ones (``_VARIANCE_SCALING``) -> that one's key; an alias -> the name it stands
    for (``_ALIASES``: "zero" -> "zeros", "uniform" -> "randomuniform")."""
    key = _alnum(_name_of(init))
    key = _ALIASES.get(key, key)
    if key.endswith("initializer") and key != "initializer":
        key = key[:-len("initializer")]
    if key == "variancescaling":
        cfg = (init.get("config") if isinstance(init, dict) else None) or {}
        dist = str(cfg.get("distribution", "truncated_normal")).lower()  # (as Keras reads them: _MODES)
        try:
            scale = float(cfg.get("scale", 1.0))
        except (TypeError, ValueError):
            return key
        found = _VARIANCE_SCALING.get((scale, str(cfg.get("mode", "fan_in")).lower(),
                                       "truncated_normal" if dist == "normal" else dist))
        return found or key
    return key


#: Each initializer's arguments (Keras 2's and 3's config keys, with Keras' defaults); a
#: config's ``seed`` is not one: the draws are lstmviz's own, from the stack's seed
ARGUMENTS: dict[str, dict[str, float | str]] = {
    "randomuniform": {"minval": -0.05, "maxval": 0.05},
    "randomnormal": {"mean": 0.0, "stddev": 0.05},
    "truncatednormal": {"mean": 0.0, "stddev": 0.05},
    "variancescaling": {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"},
    "orthogonal": {"gain": 1.0}, "identity": {"gain": 1.0}, "constant": {"value": 0.0}}

#: The largest number an initializer's argument may be (a weight of a million already
#: saturates every gate; 1e300 made infinities, NaN none at all)
MAX_ARGUMENT = 1e6
#: A VarianceScaling's modes and distributions as Keras checks them: lower-cased, then
#: exactly these (Keras 2.0-2.3 lowered the mode too, tf.keras and Keras 3 only the
#: distribution; "normal" is Keras 2's truncated one): "fanin" or "fan-in" no Keras takes
_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform", "normal")


def _shown(value) -> str:
    """A value from a file in a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def arguments(init) -> dict:
    """The arguments ``make`` draws ``init`` with: its config's (Keras 2 or 3 spelling),
    Keras' defaults for those it leaves out, each checked (finite numbers of at most
    ``MAX_ARGUMENT``, a VarianceScaling's mode and distribution Keras' own, ``_MODES``,
    ``_DISTRIBUTIONS``); refused in one
    line. {} for an initializer without arguments (zeros, glorot_uniform, ...)."""
    key = _key(init)
    defaults = ARGUMENTS.get(key)
    if defaults is None:
        return {}
    cfg = (init.get("config") if isinstance(init, dict) else None) or {}
    if not isinstance(cfg, dict):
        cfg = {}
    name = _name_of(init)
    out: dict[str, float | str] = {}
    for arg, default in defaults.items():
        value = cfg.get(arg, default)
        if value is None:
            value = default
        if isinstance(default, str):
            if not isinstance(value, str) or value.lower() not in (_MODES if arg == "mode" else _DISTRIBUTIONS):
                allowed = ("fan_in, fan_out, fan_avg" if arg == "mode"
                           else "truncated_normal, untruncated_normal, uniform")
                raise LstmvizError(f"initializer {_shown(name)}: {arg}={_shown(value)} is not one of "
                                   f"Keras' ({allowed})")
            out[arg] = value.lower()
            continue
        try:
            if isinstance(value, (bool, str, bytes)) or np.ndim(value) != 0:
                raise TypeError
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = float("nan")
        if not np.isfinite(number) or abs(number) > MAX_ARGUMENT:
            raise LstmvizError(f"initializer {_shown(name)}: {arg}={_shown(value)} is not a number of at "
                               f"most {MAX_ARGUMENT:.0e} in size; give one such as {default}")
        if arg in ("stddev", "scale") and number < 0 or arg == "scale" and number == 0:
            raise LstmvizError(f"initializer {_shown(name)}: {arg}={_shown(value)} must be "
                               f"{'more than 0' if arg == 'scale' else '0 or more'}")
        out[arg] = number
    return out


def same(a, b) -> bool:
    """Whether initializers ``a`` and ``b`` (names or configs) draw alike: the same one with
    the same arguments (``arguments``; a config's seed is none), so a Keras 3 file's
    ``{"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}`` is
    "orthogonal"; False where either cannot be drawn."""
    try:
        return _key(a) == _key(b) and arguments(a) == arguments(b)
    except LstmvizError:
        return False


def make(init, shape, rng: np.random.Generator) -> np.ndarray:
    """An array of ``shape`` drawn as Keras' initializer ``init`` (name or config dict),
    with the config's arguments (``arguments``) in Keras' formulas. A draw of
    ``MEMO_LEAST`` numbers or more from a ``Generator`` is remembered with the others
    (``_DRAWN``) by where it started in the stream, the initializer, its arguments and
    the shape (the same draws: the same numbers, the stream left at the same place): a
    model built ahead of an edit (``app/draw_ahead``) leaves that edit its kernels drawn,
    as its orthogonal factors (``_orthogonal_drawn``). The caller's array is its own."""
    shape = tuple(int(s) for s in shape)
    key = _key(init)
    if key not in _FIXED:
        _skip_deferred(rng)  # (the draws a kept weight skipped before this one, first)
    if key in _FIXED or key == "orthogonal" or math.prod(shape) < MEMO_LEAST:
        return _make(init, shape, rng)
    before = _frozen_state(rng)
    try:
        memo = None if before is None else (before, key, tuple(sorted(arguments(init).items())), shape)
    except LstmvizError:
        memo = None  # (``_make`` refuses it, in its words)
    with _DRAWN_LOCK:
        known = _DRAWN.get(memo) if memo is not None else None
    if known is not None:
        out, after = known
        rng.bit_generator.state = after
        return out.copy()
    out = _make(init, shape, rng)
    if memo is not None:
        _keep(memo, out, rng.bit_generator.state)
    return out


#: initializers that draw nothing from the generator
_FIXED = ("zeros", "ones", "constant", "identity")

#: the fewest numbers of a draw ``make`` remembers (smaller ones cost less than the memo:
#: a bias, a kernel of a few inputs)
MEMO_LEAST = 4096


def _make(init, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """``make`` without the memo (but an orthogonal draw's own, ``_orthogonal_drawn``)."""
    name = _name_of(init)
    key = _key(init)
    args = arguments(init)
    fan_in, fan_out = _fans(shape)
    if key == "zeros":
        out = np.zeros(shape)
    elif key == "ones":
        out = np.ones(shape)
    elif key == "constant":
        out = np.full(shape, args["value"])
    elif key == "glorotuniform":
        lim = np.sqrt(6.0 / max(1, fan_in + fan_out))
        out = rng.uniform(-lim, lim, shape)
    elif key == "glorotnormal":
        out = _truncated(rng, np.sqrt(2.0 / max(1, fan_in + fan_out)), shape)
    elif key == "heuniform":
        lim = np.sqrt(6.0 / max(1, fan_in))
        out = rng.uniform(-lim, lim, shape)
    elif key == "henormal":
        out = _truncated(rng, np.sqrt(2.0 / max(1, fan_in)), shape)
    elif key == "lecununiform":
        lim = np.sqrt(3.0 / max(1, fan_in))
        out = rng.uniform(-lim, lim, shape)
    elif key == "lecunnormal":
        out = _truncated(rng, np.sqrt(1.0 / max(1, fan_in)), shape)
    elif key == "variancescaling":  # Keras' formula (the named ones above are its cases)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[args["mode"]]
        scale = args["scale"] / max(1.0, fan)
        dist = args["distribution"]
        if dist == "uniform":
            lim = np.sqrt(3.0 * scale)
            out = rng.uniform(-lim, lim, shape)
        elif dist == "untruncated_normal":
            out = rng.normal(0.0, np.sqrt(scale), shape)
        else:  # truncated_normal (Keras 2's "normal"): stddev after the cut sqrt(scale)
            out = _truncated(rng, np.sqrt(scale), shape)
    elif key == "randomuniform":
        out = rng.uniform(args["minval"], args["maxval"], shape)
    elif key == "randomnormal":
        out = rng.normal(args["mean"], args["stddev"], shape)
    elif key == "truncatednormal":  # Keras' TruncatedNormal: no variance correction
        out = _truncated(rng, args["stddev"], shape, corrected=False, mean=args["mean"])
    elif key == "orthogonal":
        out = args["gain"] * _orthogonal_drawn(shape, rng)
    elif key == "identity":
        if len(shape) != 2:
            raise LstmvizError(f"initializer {name!r}: an identity matrix is 2D, not of shape {shape}; "
                               "give this weight another initializer")
        out = args["gain"] * np.eye(*shape)
    else:
        raise LstmvizError(
            f"unknown initializer {name!r}; supported: glorot_uniform, glorot_normal, "
            "he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal, identity, zeros, "
            "ones, constant, random_uniform, random_normal, truncated_normal, variance_scaling"
        )
    # C order, as a weight read from a file is: an orthogonal draw of a recurrent kernel is
    # the transpose of a QR's factor, and the engine's gate reordering of its columns (each
    # trace of one sample) read it across: 3-9 ms a trace for 512 units, 0.3 in C order
    return out.astype(np.float32, order="C")


def skip(init, shape, rng: np.random.Generator) -> None:
    """Advance ``rng`` exactly as ``make(init, shape, rng)`` does, without its result: a
    layer whose initial weights are replaced at once still draws its numbers (the layers
    after it then draw what they would), but an orthogonal draw's QR (~4 ms for a
    recurrent kernel of 128 units) is not made."""
    key = _key(init)
    try:
        args = tuple(sorted(arguments(init).items()))
    except LstmvizError:  # ``make`` refuses them: a weight given in the file draws nothing
        return  # (its model opens; an edit that draws this weight says what is wrong)
    shape = tuple(int(s) for s in shape)
    if key == "orthogonal":
        _orthogonal_flat(shape)  # refuses what ``make`` refuses, before any draw
    pending = getattr(_DEFERRED, "skips", {}).get(id(rng))
    if pending is not None and key not in _FIXED:
        pending.append((init, shape))  # (drawn by the next ``make`` from ``rng``, if any)
        return
    before = _frozen_state(rng)
    memo = None if before is None else (before, key, args, shape)
    after = _SKIPPED.get(memo) if memo is not None else None
    if after is not None:  # the same draws from the same place: where they left the stream
        rng.bit_generator.state = after
        return
    if key == "orthogonal":
        rng.normal(0.0, 1.0, _orthogonal_flat(shape))
    else:
        make(init, shape, rng)  # cheap draws (or none): the same calls
    if memo is not None:
        if len(_SKIPPED) >= 64:
            _SKIPPED.clear()  # (one call: other threads' builds may use it too)
        _SKIPPED[memo] = rng.bit_generator.state


@contextlib.contextmanager
def deferred(rng: np.random.Generator):
    """Within it, ``skip(..., rng)`` on this thread only notes its draws, and the next
    ``make`` from ``rng`` makes them first, in order (the same stream, the same numbers);
    those no draw follows are never made. ``Model._build``: the stream is dropped after the
    last layer, so the skipped draws after the last drawn weight (a typed edit of units: the
    next layer keeps its recurrent kernel, whose orthogonal draw's ~65,000 normals for 128
    units moved a stream nobody reads again) cost nothing."""
    skips = _DEFERRED.__dict__.setdefault("skips", {})
    if id(rng) in skips:  # (nested: the outer one makes or drops them)
        yield
        return
    skips[id(rng)] = []
    try:
        yield
    finally:
        del skips[id(rng)]


def _skip_deferred(rng) -> None:
    """Make the draws ``skip`` deferred for ``rng`` (``deferred``), before a draw of its own."""
    pending = getattr(_DEFERRED, "skips", {}).get(id(rng))
    while pending:
        init, shape = pending.pop(0)
        skips, _DEFERRED.skips = _DEFERRED.skips, {}  # (each one drawn now, not noted again)
        try:
            skip(init, shape, rng)
        finally:
            _DEFERRED.skips = skips


#: per thread: generator id -> the draws ``skip`` noted for it (``deferred``)
_DEFERRED = threading.local()


#: Where ``skip`` left a generator: (its state before, initializer, its arguments, shape)
#: -> its state after. Each draw's consumption of the stream is a function of these alone
#: (the initializer's name, arguments and the shape fix the distribution and the count), so
#: the layers before an edited one, which draw the same numbers at every edit (a recurrent
#: kernel's orthogonal draw: ~0.8 ms of normals at 128 units), move the stream without
#: drawing.
_SKIPPED: dict = {}


def _orthogonal_drawn(shape, rng) -> np.ndarray:
    """``orthogonal(shape, rng)``, the last few draws remembered by where they started in
    the stream (``_DRAWN``): the same state and shape are the same normals and the same QR,
    so a layer drawn again from where it was drawn before (an edit of an option that draws
    no other weights, ``activation``, ``use_bias`` ...; ``units`` back to a number it had)
    takes the factor it had, and the stream is left where the draw leaves it. The caller
    gets an array of its own (never one the memo holds)."""
    before = _frozen_state(rng)
    memo = None if before is None else (before, tuple(int(s) for s in shape))
    with _DRAWN_LOCK:  # (builds on other threads use it too)
        known = _DRAWN.get(memo) if memo is not None else None
    if known is not None:
        q, after = known
        rng.bit_generator.state = after
        return q.copy()
    q = orthogonal(shape, rng)
    if memo is not None:
        _keep(memo, q, rng.bit_generator.state)
    return q


def _keep(memo: tuple, drawn: np.ndarray, after) -> None:
    """Remember ``drawn`` (a copy) and the generator's state ``after`` it under ``memo``,
    the oldest draws forgotten past ``_DRAWN_BYTES``."""
    if drawn.nbytes > _DRAWN_BYTES // 4:
        return
    with _DRAWN_LOCK:
        while _DRAWN and sum(v[0].nbytes for v in _DRAWN.values()) + drawn.nbytes > _DRAWN_BYTES:
            del _DRAWN[next(iter(_DRAWN))]  # (the oldest first)
        _DRAWN[memo] = (drawn.copy(), after)


#: the memo of draws: ``_orthogonal_drawn``'s, (the generator's state before, shape) -> (the
#: factor, its state after), and ``make``'s of other draws, (state before, initializer,
#: arguments, shape) -> (the float32 array, state after); oldest first, at most
#: ``_DRAWN_BYTES`` of arrays (a QR of 512 x 128 takes ~2-3 ms, ~6-10 on a machine half as
#: fast: most of an edit's model build; a kernel's uniform draw of 128 x 512, ~0.4)
_DRAWN: dict = {}
_DRAWN_BYTES = 64 << 20
_DRAWN_LOCK = threading.Lock()


def _frozen_state(rng) -> tuple | None:
    """A generator's bit generator state as a hashable key (None if it holds anything but
    numbers and names, or ``rng`` is not a ``Generator``)."""
    if not isinstance(rng, np.random.Generator):
        return None

    def freeze(v):
        if isinstance(v, dict):
            return tuple((k, freeze(x)) for k, x in sorted(v.items()))
        if isinstance(v, (int, str, float)) and not isinstance(v, bool):
            return v
        raise TypeError
    try:
        return freeze(rng.bit_generator.state)
    except TypeError:
        return None


def _truncated(rng, stddev, shape, corrected: bool = True, mean: float = 0.0):
    """A normal draw cut at two standard deviations from ``mean`` (values beyond are drawn
    again), as Keras' truncated normal; ``corrected``: variance-corrected as in
    VarianceScaling."""
    std = stddev / 0.87962566103423978 if corrected else stddev
    out = rng.normal(mean, std, shape)
    bad = np.abs(out - mean) > 2 * std
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = np.abs(out - mean) > 2 * std
    return out


#: Multiply-adds of the QR behind one orthogonal draw (rows * cols**2) allowed: a few
#: seconds (an LSTM(2048)'s recurrent kernel, 3.4e10: 3.5 s here, on one BLAS thread; it
#: was refused under 2e10, with "would take minutes"). LSTM(6000)'s, 8.6e11, would take
#: a minute and a half.
MAX_ORTHOGONAL_WORK = 4e10


#: The same, summed over every orthogonal draw of one model's initialisation: a stack of
#: seven 1,700-unit LSTMs without weights (a 16 KB session) took 37 s, each draw under
#: the bound above.
MAX_ORTHOGONAL_TOTAL = 1e11  # (two LSTM(2048) layers: 6.9e10, ~7 s here)


def orthogonal_work(init, shape) -> float:
    """The multiply-adds of the QR ``make(init, shape)`` does (0 for other initializers)."""
    key = _key(init)
    if key != "orthogonal":
        return 0.0
    return _qr_work(_flat(shape))


def _flat(shape) -> tuple[int, int]:
    """The (rows, columns) of the normal draw behind an orthogonal weight of ``shape``."""
    rows, cols = int(shape[0]), int(np.prod([int(d) for d in shape[1:]]))
    return max(rows, cols), min(rows, cols)


def _qr_work(flat: tuple[int, int]) -> float:
    """The multiply-adds of the QR of a ``flat`` (rows, columns) draw: rows * cols**2."""
    return float(flat[0]) * flat[1] * flat[1]


def _orthogonal_flat(shape) -> tuple[int, int]:
    """``_flat``, refused where its QR would take too long (``MAX_ORTHOGONAL_WORK``)."""
    flat = _flat(shape)
    if _qr_work(flat) > MAX_ORTHOGONAL_WORK:
        raise LstmvizError(
            f"drawing an orthogonal initial weight of shape {tuple(shape)} would take too long "
            f"({_qr_work(flat):.1e} multiply-adds of QR, at most {MAX_ORTHOGONAL_WORK:.0e}); "
            "give the layer its weights or fewer units"
        )
    return flat


def orthogonal(shape, rng):
    rows = shape[0]
    cols = int(np.prod(shape[1:]))
    a = rng.normal(0.0, 1.0, _orthogonal_flat(shape))
    # on one BLAS thread: the same bits (tested), and OpenBLAS's second thread made a
    # 512 x 128 QR ~6x slower (18 ms instead of 3) whenever the other core was busy
    with blas.single_threaded():
        q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return q.reshape(shape)
