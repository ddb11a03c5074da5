"""The recurrent cells, stepped one timestep at a time, recording every intermediate.

Each ``run_*`` takes the input already in processing order and time-major,
``xs (T, B, d)``, the initial states ``(B, units)``, an optional mask ``(T, B)``
(True = keep) and the cell's weights in Keras' fused layout, and returns a dict of
time-major arrays ``(T, B, ...)``. Each step costs its matrix products and a handful
of in-place NumPy calls; large records are cut from ``workspace`` (memory of dropped
traces, reused without page faults). ``run_lstm`` and ``run_gru`` step units-major
(``(units, batch)`` per step) with each step's products as stacks of small matrix
products: see ``run_lstm``'s docstring.

Masked steps follow Keras: the states carry over unchanged; the output is the previous
step's output (zeros before the first), or zeros with ``zero_output_for_mask`` (Keras
sets that inside a Bidirectional that returns sequences).

Equations (Keras' gate orders; ``act``/``rec`` = activation/recurrent_activation):

LSTM, gates i, f, c, o::

    z   = x_t @ W + h_{t-1} @ U + b
    i   = rec(z_i)    f = rec(z_f)    c~ = act(z_c)    o = rec(z_o)
    c_t = f * c_{t-1} + i * c~
    h_t = o * act(c_t)

GRU, gates z, r, h (reset_after=True: bias (2, 3u), input row and recurrent row)::

    z  = rec(x_z + b_z + h_{t-1} @ U_z + b'_z)      r = rec(... r ...)
    h~ = act(x_h + b_h + r * (h_{t-1} @ U_h + b'_h))        (reset_after=True)
    h~ = act(x_h + b_h + (r * h_{t-1}) @ U_h)               (reset_after=False)
    h_t = z * h_{t-1} + (1 - z) * h~

SimpleRNN::

    h_t = act(x_t @ W + h_{t-1} @ U + b)
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..text import whole_number
from . import activations, blas, workspace

# -- threads and blocks -------------------------------------------------------------------
#: Steps made per round: the input products ``x_t @ W + b`` of CHUNK steps are made
#: before stepping them (``on_chunk`` is called after each).
CHUNK = 32
#: Steps per input product where one product spans several steps (one column: the steps'
#: ``x_t`` as rows of one product; ``x_proj``; a SimpleRNN's inputs): traces, windows and
#: keyframe passes all cut time at multiples of CUT counted from the first step of a run,
#: so the same products are made the same way, and a window can start at any multiple of
#: CUT (keyframes every K steps, K a multiple of CUT; see windows.py). 16, not 32: a window
#: around a step then recomputes as few as 16 steps from the keyframe before it. (8 made
#: the keyframe pass of 2 x LSTM(512) ~12% slower: each product reads the whole kernel,
#: 4 MB for the second layer; 16 costs about half that.)
CUT = 16
#: Columns (samples) per batch block: a batch is stepped as independent column blocks of
#: 32 to 63 samples (a batch below 64 is one block). Each block's matrix products are its
#: own (BLAS sums a column differently in products of different widths); the elementwise
#: calls of a step run over all the blocks a thread holds at once (their numbers do not
#: depend on how columns are grouped), so one thread steps a batch of 128 with four
#: products per step and one set of elementwise calls, and threads take runs of blocks.
#: Blocks of 16 (a batch of 32 on two threads) were measured on 30 Nov 2026: one thread
#: 12-15% slower (two 16-column products cost more than one of 32 and cannot give its
#: bits), two threads slower still on the shared machine (each thread takes the GIL back
#: ~16 times a step): see README, "Long sequences and every core".
BLOCK_COLUMNS = 32

_pools: dict[str, ThreadPoolExecutor] = {}
_pool_lock = threading.Lock()
_threads = None


#: Where a control group's CPU limit is read (version 2, then version 1); tests point
#: this at a directory of their own.
CGROUP_ROOT = "/sys/fs/cgroup"


def _cgroup_quota(root: str) -> float | None:
    """CPUs a control group's quota allows (``cpu.max``: "QUOTA PERIOD" or "max PERIOD";
    version 1: ``cpu/cpu.cfs_quota_us`` over ``cpu/cpu.cfs_period_us``, -1 = none), or None
    where there is no quota or it cannot be read."""
    def read(name: str) -> str | None:
        try:
            with open(os.path.join(root, name), encoding="ascii") as f:
                return f.read(200).strip()
        except (OSError, UnicodeDecodeError):
            return None

    try:
        text = read("cpu.max")
        if text is not None:
            quota, _, period = text.partition(" ")
            if quota == "max":
                return None
            return int(quota) / int(period or 100000)
        v1 = read("cpu/cpu.cfs_quota_us"), read("cpu/cpu.cfs_period_us")
        if v1[0] is None or v1[1] is None or int(v1[0]) <= 0:
            return None
        return int(v1[0]) / int(v1[1])
    except (ValueError, ZeroDivisionError):
        return None


def cores() -> int:
    """The cores this process may run on: the CPUs its affinity allows
    (``os.sched_getaffinity``, where the system has it, else ``os.cpu_count()``), fewer
    where a control group's quota allows fewer (a container given 2 CPUs on a 64-core
    host: 2), rounded up; at least 1."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = _cgroup_quota(CGROUP_ROOT)
    if quota is not None and quota > 0:
        n = min(n, -int(-quota // 1))
    return max(1, n)


#: the most threads ``LSTMVIZ_THREADS`` gives the engine, per core the process may use: more
#: only wait for the cores (10**6 made a pool of as many threads as a batch has blocks)
MOST_THREADS_PER_CORE = 4


def threads() -> int:
    """Threads the engine steps independent batch blocks (and a Bidirectional's two
    directions) on: ``LSTMVIZ_THREADS`` if set, else ``cores()``. A setting that is no whole
    number of 1 or more ('abc', '0') is said once on stderr and every core used (it was
    ignored without a word); one of more than ``MOST_THREADS_PER_CORE`` threads a core
    (10**6) is said once too, and that many used."""
    global _threads
    if _threads is None:
        text = os.environ.get("LSTMVIZ_THREADS", "").strip()
        n = whole_number(text) if text else None
        if n is None or n < 1:
            n = cores()
            if text:
                print(f"lstmviz: LSTMVIZ_THREADS {text[:40]!r} is not a whole number of threads of 1 "
                      f"or more; using every core the process may use ({n})", file=sys.stderr)
        elif n > MOST_THREADS_PER_CORE * cores():
            most = MOST_THREADS_PER_CORE * cores()
            print(f"lstmviz: LSTMVIZ_THREADS {text[:40]!r} is more than {MOST_THREADS_PER_CORE} threads a "
                  f"core the process may use ({cores()}); using {most}", file=sys.stderr)
            n = most
        _threads = n
    return _threads


def set_threads(n: int) -> None:
    """Use ``n`` threads from now on (benchmarks; the numbers do not change)."""
    global _threads
    _threads = max(1, int(n))
    with _pool_lock:
        for pool in _pools.values():
            pool.shutdown(wait=False)
        _pools.clear()


def run_parallel(fns, pool: str = "blocks"):
    """Calls each of ``fns`` (no arguments) and returns their results in order (with one
    BLAS thread each, see ``_one_blas_thread``): on the
    engine's threads when there are several, else one after another. NumPy releases the
    GIL inside its matrix products and ufunc loops, so independent work really overlaps.
    ``pool`` keeps nested uses (directions, then their blocks) on separate threads."""
    fns = list(fns)
    n = threads()
    if n == 1 or len(fns) == 1:
        with blas.single_threaded():
            return [fn() for fn in fns]
    with _pool_lock:
        ex = _pools.get(pool)
        if ex is None:
            ex = _pools[pool] = ThreadPoolExecutor(max_workers=n, thread_name_prefix=f"lstmviz-{pool}")
    with blas.single_threaded():  # each product on the thread that asked for it
        futures = [ex.submit(fn) for fn in fns]
        return [f.result() for f in futures]


def _one_blas_thread(run):
    """Steps run with one BLAS thread: a step's small products gain nothing from a second
    one, and on a busy machine OpenBLAS's waiting threads cost far more than they give.
    Quietly, too: a weight that is infinity times a state of 0 gives NaN, as Keras
    computes it, without NumPy's warning (the app names such a weight when it opens it)."""
    @functools.wraps(run)
    def wrapped(*args, **kw):
        with blas.single_threaded(), np.errstate(invalid="ignore"):
            return run(*args, **kw)
    return wrapped


def batch_blocks(batch: int) -> list[tuple[int, int]]:
    """The column blocks a batch is stepped in: a function of the batch size only (never
    of the number of threads), so a trace has the same numbers on one thread or many:
    BLAS sums a product's columns differently for different widths."""
    n = max(1, batch // BLOCK_COLUMNS)
    edges = [batch * k // n for k in range(n + 1)]
    return list(zip(edges[:-1], edges[1:]))


def thread_groups(blocks: list[tuple[int, int]], n: int) -> list[list[tuple[int, int]]]:
    """``blocks`` as at most ``n`` runs of neighbouring blocks, one per thread (a run's
    elementwise calls cover all its columns at once; the products stay per block)."""
    n = max(1, min(n, len(blocks)))
    edges = [len(blocks) * k // n for k in range(n + 1)]
    return [blocks[i:j] for i, j in zip(edges[:-1], edges[1:])]


def _chunk_columns(xs, s, e, b0, b1):
    """``x_t`` for steps s..e-1 and samples b0..b1-1 as columns ``(d, (e-s)*(b1-b0))``."""
    xc = xs[s:e, b0:b1]
    if not xc.flags.c_contiguous:
        xc = np.ascontiguousarray(xc)
    return xc.reshape((e - s) * (b1 - b0), xs.shape[2]).T


@_one_blas_thread
def _chunked_projection(xs, matrix, prepared: dict | None = None):
    """``xs (T, B, d) @ matrix`` as (T, B, n), made of the same products a run makes
    (per batch block, per CUT of steps), so a window's projection equals the trace's.
    ``prepared``: see ``_prepared``."""
    T, B, _ = xs.shape
    out = workspace.empty((T, B, matrix.shape[1]))
    mt = _prepared(prepared, "kernel_rows", lambda: np.ascontiguousarray(matrix.T))
    for b0, b1 in batch_blocks(B):
        for s in range(0, T, CUT):
            e = min(s + CUT, T)
            p = np.matmul(mt, _chunk_columns(xs, s, e, b0, b1))  # (n, steps*cols)
            out[s:e, b0:b1] = p.reshape(-1, e - s, b1 - b0).transpose(1, 2, 0)
    return out


def _prepared(cache: dict | None, key: str, make):
    """``make()``, kept in ``cache`` (a dict the caller holds for one layer whose weights do
    not change meanwhile: a long sequence's windows) so that each window does not reorder
    and copy the kernels again (4 MB each for an LSTM(512): ~10 ms a window)."""
    if cache is None:
        return make()
    got = cache.get(key)
    if got is None:
        got = cache[key] = make()
    return got


class Keyframes:
    """The states entering every ``every``-th step of a run, ``(n, B, units)`` per state
    (and the output before it, which a masked step repeats), filled while stepping."""

    def __init__(self, every: int, steps: int, batch: int, units: int, names, masked: bool):
        n = (steps + every - 1) // every if steps else 0
        self.every = every
        self.states = {k: np.zeros((n, batch, units), np.float32) for k in names}
        self.prev_out = np.zeros((n, batch, units), np.float32) if masked else None

    def part(self, k: int, n: int) -> Keyframes:
        """Keyframes ``k .. k+n-1`` as keyframes of their own, views of these: a run from
        step ``k * every`` (a stretch of a keyframe pass) fills them here."""
        kf = Keyframes(self.every, 0, 0, 0, (), False)
        kf.states = {name: a[k:k + n] for name, a in self.states.items()}
        kf.prev_out = None if self.prev_out is None else self.prev_out[k:k + n]
        return kf

    def at(self, k: int):
        """(states, previous output or None) entering step ``k * every``."""
        return ([self.states[n][k] for n in self.states],
                None if self.prev_out is None else self.prev_out[k])

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.states.values()) + (
            0 if self.prev_out is None else self.prev_out.nbytes)


def _mask_outputs(h_all, mask, zero_output_for_mask, prev=None):
    """Outputs per step under a mask: h where kept, else previous output or zeros
    (``prev``: the output before step 0, zeros by default)."""
    out = h_all.copy()
    prev = np.zeros_like(h_all[0]) if prev is None else prev
    for t in range(h_all.shape[0]):
        keep = mask[t][:, None]
        if zero_output_for_mask:
            out[t] = np.where(keep, h_all[t], 0.0)
        else:
            out[t] = np.where(keep, h_all[t], prev)
        prev = out[t]
    return out


def _h_prev(h0, h_all):
    """h_{t-1} for every step: the initial state, then the states carried (T, B, u)."""
    return np.concatenate([h0[None], h_all[:-1]], axis=0)


@_one_blas_thread
def _projection(a, matrix):
    """``a (T, B, n) @ matrix``, one product per step (so a window's equal the trace's)."""
    T, B, n = a.shape
    out = workspace.empty((T, B, matrix.shape[1]))
    np.matmul(a, matrix, out=out)
    return out


def _row_block(rows: int, inner: int, batch: int) -> int:
    """Rows per block for ``(rows, inner) @ (inner, batch)`` as a stack of small products.

    OpenBLAS multiplies small matrices without packing them first; measured here
    (scripts/bench_engine.py), blocks of at most 2**19 multiply-adds run the recurrent
    product of a 256-unit LSTM at batch 32 in 21 ms per 200 steps instead of 31 ms. It
    loses for wide batches and tiny blocks, so those keep one product (``rows``).
    """
    r = rows
    while r % 2 == 0 and r * inner * batch > 2 ** 19:
        r //= 2
    if r == rows or batch > 32 or r < 32:
        return rows
    return r


def _to_batch_major(a):
    """Units-major ``(T, rows, B)`` as held while stepping -> the batch-major
    ``(T, B, rows)`` view a trace hands out."""
    return a.transpose(0, 2, 1)


def _input_columns(kernel_rows, bias_rows, xs):
    """``(W, xa)`` with ``W @ xa[t] == x_t @ kernel + bias``: the kernel as rows
    ``(k*units, d)`` with the bias as one more column, and every ``x_t`` as columns
    ``(T, d + 1, B)`` over a row of ones (so one small product adds the bias too)."""
    T, B, d = xs.shape
    W = np.zeros((kernel_rows.shape[0], d + 1), np.float32)
    W[:, :d] = kernel_rows
    if bias_rows is not None:
        W[:, d] = bias_rows
    xa = np.empty((T, d + 1, B), np.float32)
    xa[:, :d] = xs.transpose(0, 2, 1)
    xa[:, d] = 1.0
    return W, xa


def _apply(fn, z, out, u):
    """``fn`` over gate blocks held as (units, batch): softmax-like ones see units last."""
    if fn in activations.ROWWISE:
        for k in range(0, z.shape[0], u):
            fn(z[k:k + u].T, out=out[k:k + u].T)
    else:
        fn(z, out=out)


#: The constant of the steps' elementwise calls as a 0-d float32 array: the same numbers as
#: Python floats (NumPy computes those in float32 too), but a call with a Python float
#: converts it every time (~0.45 us a call here, a step at batch 1 costs ~30 us). Read only.
ONE = np.full((), 1.0, np.float32)
ONE.flags.writeable = False

#: Batches below this, states only, step through ``_lstm_states_small`` (calls grouped:
#: at a few columns a call's overhead outweighs its per-element cost).
SMALL_BATCH = 8

#: From this batch on, each step's sums are one joint product ``[U | W b] @ [h; x_t; 1]``
#: (see ``run_lstm``); at batch 8 it was ~5% slower than the separate input products
#: (17-18 ms against 17 per 200 steps of LSTM(256)), at 16 as fast, at 32-128 8-17% faster.
#: At least SMALL_BATCH: a batch size takes one way whether it records or not.
JOINT_BATCH = 16


def run_lstm(xs, h0, c0, kernel, recurrent_kernel, bias, act, rec, mask=None,
             zero_output_for_mask=False, *, record=True, keep_sequence=True,
             keyframes: Keyframes | None = None, prev_out=None, on_chunk=None,
             prepared: dict | None = None):
    """Returns (recorded arrays, lazily derived arrays, outputs, final states).

    Stepping holds every array units-major, ``(units, batch)`` per step, with the gates
    in the order i, f, o, c~ so the recurrent activation covers one contiguous block.
    From a batch of JOINT_BATCH samples on, each step's sums are one product per column
    block, ``z = [U | W b] @ [h_{t-1}; x_t; 1]`` (the recurrent and input kernels side by
    side, the bias as a last column against a row of ones), as a stack of small matrix
    products (see ``_row_block``) written straight into ``z``: 48-52 instead of 58-63 ms
    per 200 steps of ``bench_engine.py``'s LSTM(256) at batch 32 (a product of 321 columns
    instead of 256, but no input products of their own, no add, and no chunk of them
    written and read back). Below that batch the input products ``x_t @ W + b`` of CHUNK
    steps are made before stepping them (one product for one column) and each step adds
    its recurrent product to them, as the states-only steps of a small batch do
    (``_lstm_states_small``). A batch size always takes the same way, recording or not, so
    windows and keyframe passes agree with full traces to the bit. Every elementwise call
    runs over a block of columns. The batch is stepped as independent column blocks
    (``batch_blocks``), on the engine's threads when there are several.

    With Keras' default activations (sigmoid, tanh) the sigmoid gates' weights are held
    scaled by -1 (exact), so ``sigmoid(z) = 1 / (1 + exp(z'))`` is three calls over the
    three gates (it is ``activations.sigmoid`` to the bit); ``tanh(c)`` is one
    ``np.tanh`` (NumPy 2's float32 ``tanh`` is vectorised: 0.45 ns an element here, five
    calls through ``exp`` took twice as long). The arrays handed back are (T, B, ...) views in Keras'
    order; ``pre`` (recorded as held) is put in Keras' order and scale when first asked
    for, and ``x_proj`` and ``h_proj`` are computed then (from a batch of JOINT_BATCH on,
    as products of their own: their sum equals ``pre`` to float32 rounding, not to the
    bit).

    ``record=False`` is the states-only pass: nothing per step is kept but ``h`` (when
    ``keep_sequence``, the layer's output sequence) and the ``keyframes``; the numbers are
    the very ones a recording run computes (the same calls on arrays of the same shapes
    and strides). ``prev_out`` is the output before step 0 (a window that starts mid-sequence
    under a mask repeats it). ``on_chunk(steps_done)`` is called after each CHUNK of steps
    (it may raise to stop the run). ``prepared``: a dict kept by the caller for this layer
    while its weights stay (``_prepared``), which keeps the reordered kernels.

    At one column (batch 1) a recording run also keeps each step's recurrent product as
    ``h_proj`` (the very product the step adds), which is otherwise recomputed on first
    access (as many products again as steps).
    """
    T, B, d = xs.shape
    u = recurrent_kernel.shape[0]
    dt = np.float32
    order = np.r_[0:2 * u, 3 * u:4 * u, 2 * u:3 * u]  # Keras i f c o -> i f o c
    fused = rec is activations.sigmoid and act is activations.tanh
    small = B < SMALL_BATCH
    scale = np.ones(4 * u, dt)
    if fused:
        scale[:3 * u] = -1.0

    def make_w_aug():
        W_aug = np.zeros((4 * u, d + 1), dt)  # the kernel as rows, the bias as one more column
        _gate_rows(kernel, u, fused, W_aug[:, :d])
        if bias is not None:
            W_aug[:, d] = bias[order] * scale
        return W_aug

    def make_w_cols():
        # one column: the input products are ``[x_t 1] @ W_cols``, W_aug transposed, made
        # block by block without a transposing copy (the same numbers: 1.0 against 5.4 ms
        # for a 512-input LSTM(512), which first made W_aug and then transposed it back)
        W_cols = np.zeros((d + 1, 4 * u), dt)
        _gate_cols(kernel, u, fused, W_cols[:d])
        if bias is not None:
            W_cols[d] = bias[order] * scale
        return W_cols

    # the input kernel and bias as the input products take them: (4u, d + 1) as rows, for
    # one column (d + 1, 4u) (see _ChunkInputs)
    W_aug = (_prepared(prepared, f"W_cols{int(fused)}", make_w_cols) if B == 1
             else _prepared(prepared, f"W_aug{int(fused)}", make_w_aug))
    if B == 1:
        # one column: each step's product is ``h @ U_cols`` (u, 4u), wherever a step's
        # recurrent product is made (recording, states only, ``h_proj``). OpenBLAS's sgemv
        # for this layout: 15.6 us a 256-unit states-only step, against 16.1 for
        # ``U_rows @ h`` (A/B in one run, one thread, Haswell kernels)
        U_rows = None
        U_cols = _prepared(prepared, f"U_cols{int(fused)}",
                           lambda: _gate_cols(recurrent_kernel, u, fused, np.empty((u, 4 * u), dt)))
    else:
        U_rows = _prepared(prepared, f"U_rows{int(fused)}",
                           lambda: _gate_rows(recurrent_kernel, u, fused, np.empty((4 * u, u), dt)))  # (4u, u)
        U_cols = None
    keep_seq = record or keep_sequence or mask is not None
    if record:
        gates = workspace.empty((T, 4 * u, B))
        c_all = workspace.empty((T, u, B))
        pre_all = workspace.empty((T, 4 * u, B))  # the sums, as held (see keras_order)
    h_all = workspace.empty((T, u, B)) if keep_seq else None
    hp_all = workspace.empty((T, 4 * u, 1)) if record and B == 1 else None  # see the docstring
    keep_not = None if mask is None else ~mask
    h0_t = np.ascontiguousarray(h0.T)
    c0_t = np.ascontiguousarray(c0.T)
    K = keyframes.every if keyframes is not None else 0

    def group(blks):
        # exp(large) = inf gives sigmoid 0, tanh -1: exact; (on the engine's threads too:
        # errstate is each thread's) a weight of infinity times a state of 0 gives NaN
        with np.errstate(over="ignore", invalid="ignore"):
            if fused and small and not record and keep_not is None:
                return _lstm_states_small(xs, h0_t, c0_t, W_aug, U_rows, U_cols, h_all, keyframes, on_chunk)
            return _lstm_group(blks)

    def _lstm_group(blks):
        # the blocks blks (neighbours, columns b0:b1 of the batch) stepped together: one
        # product per block, every elementwise call over all their columns at once
        b0, b1 = blks[0][0], blks[-1][1]
        cols = b1 - b0
        whole = cols == B
        one = cols == 1
        # every per-step array is a column slice of a (rows, B) array whatever the grouping
        wide = B if not whole else cols
        joint = B >= JOINT_BATCH  # see run_lstm: the sums as one product per step

        def col(a):
            return a if whole else a[:, b0:b1]

        def flat(a):  # one column: (rows, 1) as (rows,)
            return a[:, 0] if one else a

        local = [(c0 - b0, c1 - b0) for c0, c1 in blks]
        if joint:  # z = [U | W b] @ [h; x_t; 1]: one product per step and block, into z
            UW = _prepared(prepared, f"UW{int(fused)}", lambda: np.concatenate([U_rows, W_aug], axis=1))
            hx = np.ones((CHUNK, u + d + 1, cols), dt)  # [h entering the step; x_t; 1] per step
            joints = []
            for c0, c1 in local:
                r = _row_block(4 * u, u + d + 1, c1 - c0)
                joints.append((UW.reshape(-1, r, u + d + 1), slice(c0, c1), r, c1 - c0))
        else:  # z = x_t @ W + b (made a chunk of steps at a time) + h @ U
            hu_g = np.empty((4 * u, cols), dt)
            prods = []  # (one column: ``h @ U_cols``)
            for c0, c1 in ([] if one else local):
                r = _row_block(4 * u, u, c1 - c0)
                prods.append((U_rows.reshape(-1, r, u), slice(c0, c1),
                              hu_g[:, c0:c1].reshape(-1, r, c1 - c0)))
            hu = flat(hu_g)
            chunk = _ChunkInputs(W_aug, d, u, cols, local)
        tmp = flat(np.empty((u, cols), dt))
        if not record:
            gt_s = flat(col(np.empty((4 * u, wide), dt)))
            z_s = flat(col(np.empty((4 * u, wide), dt)))
            c_s = [flat(col(np.empty((u, wide), dt))) for _ in range(2)]
            h_s = [flat(col(np.empty((u, wide), dt))) for _ in range(2)]
        h, c = flat(h0_t[:, b0:b1]), flat(c0_t[:, b0:b1])
        u2, u3 = 2 * u, 3 * u
        matmul, add, multiply, divide, tanh, exp, copyto = (
            np.matmul, np.add, np.multiply, np.divide, np.tanh, np.exp, np.copyto)
        act_tanh = act is activations.tanh
        next_kf = 0 if K else -1  # the next step whose entering states are a keyframe
        for s in range(0, T, CHUNK):
            e = min(s + CHUNK, T)
            if joint:
                hx[:e - s, u:u + d] = xs[s:e, b0:b1].transpose(0, 2, 1)
                copyto(hx[0, :u], h)
            else:
                xp = chunk.make(xs, s, e, b0, b1)
            for t in range(s, e):
                if t == next_kf:
                    keyframes.states["h"][t // K, b0:b1] = h.T if not one else h
                    keyframes.states["c"][t // K, b0:b1] = c.T if not one else c
                    next_kf += K
                if record:
                    gt, z, ct = flat(col(gates[t])), flat(col(pre_all[t])), flat(col(c_all[t]))
                else:
                    gt, z, ct = gt_s, z_s, c_s[t & 1]
                ht = flat(col(h_all[t])) if keep_seq else h_s[t & 1]
                if joint:
                    v = hx[t - s]
                    for Mb, cs, r, n in joints:
                        matmul(Mb, v[:, cs], out=z[:, cs].reshape(-1, r, n))
                else:
                    if one:
                        if hp_all is not None:
                            hu = hp_all[t, :, 0]
                        matmul(h, U_cols, out=hu)
                    else:
                        for Ub, hcols, out in prods:
                            matmul(Ub, h[:, hcols], out=out)
                    add(xp[t - s], hu, z)
                g_sig, g_i, g_f, g_o, g_c = gt[:u3], gt[:u], gt[u:u2], gt[u2:u3], gt[u3:]
                if fused:
                    exp(z[:u3], g_sig)
                    add(g_sig, ONE, g_sig)
                    divide(ONE, g_sig, g_sig)
                    tanh(z[u3:], g_c)
                else:
                    _apply(rec, z[:u3], gt[:u3], u)
                    _apply(act, z[u3:], g_c, u)
                multiply(g_f, c, ct)
                multiply(g_i, g_c, tmp)
                add(ct, tmp, ct)
                if act_tanh:
                    tanh(ct, ht)
                else:
                    _apply(act, ct, ht, u)
                multiply(ht, g_o, ht)
                if keep_not is not None:
                    kn = keep_not[t, b0:b1]
                    copyto(ct, c, where=kn)
                    copyto(ht, h, where=kn)
                h, c = ht, ct
                if joint and t + 1 < e:
                    copyto(hx[t + 1 - s, :u], h)
            if on_chunk is not None and b0 == 0:
                on_chunk(e)
        if one:
            return h.reshape(u, 1).copy(), c.reshape(u, 1).copy()
        return h.copy(), c.copy()

    finals = run_parallel([lambda g=g: group(g) for g in thread_groups(batch_blocks(B), threads())])
    h_last = np.concatenate([f[0] for f in finals], axis=1).T if T else h0
    c_last = np.concatenate([f[1] for f in finals], axis=1).T if T else c0

    h_seq = _to_batch_major(h_all) if h_all is not None else None
    out = h_seq
    if mask is not None:
        out = _mask_outputs(h_seq, mask, zero_output_for_mask, prev_out)
    _keyframe_outputs(keyframes, out, prev_out, T)
    final = [np.ascontiguousarray(h_last), np.ascontiguousarray(c_last)]
    if not record:
        return {}, {}, out, final

    def keras_order(a):  # (T, 4u, B) held i f o c~, rows scaled -> (T, B, 4u)
        out = workspace.empty((T, B, 4 * u))
        for k, j in enumerate((0, 1, 3, 2)):  # Keras gate k is held as block j
            np.multiply(_to_batch_major(a[:, j * u:(j + 1) * u]), 1.0 / scale[j * u],
                        out=out[..., k * u:(k + 1) * u])
        return out

    @_one_blas_thread
    def h_proj():
        if hp_all is not None:  # kept while stepping
            return keras_order(hp_all)
        # the steps' own small products again, block by block, so the same sums (from a
        # batch of JOINT_BATCH on, U's part of each step's joint product)
        h_prev = np.concatenate([h0_t[None], h_all[:-1]])
        h_part = workspace.empty((T, 4 * u, B))
        for b0, b1 in batch_blocks(B):
            if b1 - b0 == 1:  # one column: the steps' matrix-vector products
                for t in range(T):
                    np.matmul(h_prev[t][:, b0], U_cols, out=h_part[t][:, b0])
                continue
            r = _row_block(4 * u, u, b1 - b0)
            U = U_rows.reshape(-1, r, u)
            for t in range(T):
                np.matmul(U, h_prev[t][:, b0:b1], out=h_part[t][:, b0:b1].reshape(-1, r, b1 - b0))
        return keras_order(h_part)

    g = [_to_batch_major(gates[:, j * u:(j + 1) * u]) for j in range(4)]
    c_seq = _to_batch_major(c_all)
    recorded = {"i": g[0], "f": g[1], "c_tilde": g[3], "o": g[2], "c": c_seq, "h": h_seq}
    derived = {
        "pre": lambda: keras_order(pre_all),
        "x_proj": lambda: _chunked_projection(xs, kernel, prepared),
        "h_proj": h_proj,
    }
    return recorded, derived, out, final


def _gate_rows(matrix: np.ndarray, u: int, negate: bool, out: np.ndarray) -> np.ndarray:
    """``matrix (n, 4u)`` in Keras' gate order i f c o -> ``out (4u, n)``: its columns as
    rows in the order i f o c~, the sigmoid gates' scaled by -1 when ``negate`` (exact).
    Gate by gate in one transposing pass each (a fancy-indexed copy, a product and a
    transposed copy took ~3x as long: ~20 ms for a 512-unit kernel on this machine)."""
    for dst, src in ((0, 0), (1, 1), (2, 3), (3, 2)):  # held block dst is Keras' gate src
        block = matrix[:, src * u:(src + 1) * u].T
        if negate and dst < 3:
            activations.negative(block, out=out[dst * u:(dst + 1) * u])
        else:
            np.copyto(out[dst * u:(dst + 1) * u], block)
    return out


def _gate_cols(matrix: np.ndarray, u: int, negate: bool, out: np.ndarray) -> np.ndarray:
    """``matrix (n, 4u)`` in Keras' gate order i f c o -> ``out (n, 4u)`` in the order
    i f o c~, the sigmoid gates' scaled by -1 when ``negate``: ``_gate_rows``' result
    transposed, made block by block without a transposing copy (which took ~5 ms for a
    512-unit recurrent kernel)."""
    for dst, src in ((0, 0), (1, 1), (2, 3), (3, 2)):
        block = matrix[:, src * u:(src + 1) * u]
        if negate and dst < 3:  # (``activations.negative``: NumPy 2.4's wrong strided negative)
            activations.negative(block, out=out[:, dst * u:(dst + 1) * u])
        else:
            np.copyto(out[:, dst * u:(dst + 1) * u], block)
    return out


class _ChunkInputs:
    """The input products ``x_t @ kernel + bias`` of a chunk of ``CHUNK`` steps for the batch
    columns ``b0:b1``: one small product per step and column block (``blocks``, columns
    counted from ``b0``; default one block) into a contiguous ``(4u, cols)`` block per step,
    or for one column one product per CUT steps into ``(4u,)`` rows; the bias as the
    kernel's last column against a row of ones. ``W_aug``: the kernel and bias as rows
    ``(4u, d + 1)``, for one column as columns ``(d + 1, 4u)`` (``run_lstm``'s ``W_cols``).
    A window and a full trace make the very same products, so they agree to the bit."""

    def __init__(self, W_aug: np.ndarray, d: int, u: int, cols: int,
                 blocks: list[tuple[int, int]] | None = None):
        self.one, self.d, self.W_aug = cols == 1, d, W_aug
        self.blocks = [slice(c0, c1) for c0, c1 in (blocks or [(0, cols)])]
        dt = np.float32
        if self.one:
            self.xa = np.ones((CHUNK, d + 1), dt)
            self.xp = np.empty((CHUNK, 4 * u), dt)
            self.WaT = W_aug
        else:
            self.xa = np.ones((CHUNK, d + 1, cols), dt)
            self.xp = np.empty((CHUNK, 4 * u, cols), dt)

    def make(self, xs: np.ndarray, s: int, e: int, b0: int, b1: int) -> np.ndarray:
        """Steps ``s..e-1``' products, as ``xp[t - s]``."""
        n, d, xa, xp = e - s, self.d, self.xa, self.xp
        if self.one:  # products of CUT steps (s is a multiple of CUT: see CUT)
            xa[:n, :d] = xs[s:e, b0]
            m = n // CUT * CUT
            if m:
                np.matmul(xa[:m].reshape(-1, CUT, d + 1), self.WaT, out=xp[:m].reshape(-1, CUT, xp.shape[1]))
            if m < n:
                np.matmul(xa[m:n], self.WaT, out=xp[m:n])
        else:
            xa[:n, :d] = xs[s:e, b0:b1].transpose(0, 2, 1)
            for cs in self.blocks:
                np.matmul(self.W_aug, xa[:n, :, cs], out=xp[:n, :, cs])
        return xp


def _lstm_states_small(xs, h0_t, c0_t, W_aug, U_rows, U_cols, h_all, keyframes, on_chunk):
    """``run_lstm``'s states-only steps for a batch below SMALL_BATCH without a mask, with
    Keras' default activations: per-step overhead is most of such a step, so the calls
    ``run_lstm``'s loop makes are grouped: ``f * c`` and ``i * c~`` are one multiply over
    ``[i; f] * [c~; c]`` (c~ is written beside c), every view is made once. The very
    operations of ``run_lstm``'s loop on the same values, so the same numbers to the bit
    (the windows' tests check it). ``W_aug`` as ``_ChunkInputs`` takes it."""
    T, B, d = xs.shape
    u = h0_t.shape[0]
    u3 = 3 * u
    dt = np.float32
    one = B == 1
    r = _row_block(4 * u, u, B)
    U = None if one else U_rows.reshape(-1, r, u)

    def flat(a):
        return a[:, 0] if one else a

    hu_full = np.empty((4 * u, B), dt)
    hu = flat(hu_full)
    hu_m = hu if one else hu_full.reshape(-1, r, B)
    z = flat(np.empty((4 * u, B), dt))
    g = flat(np.empty((u3, B), dt))      # sigmoid of i, f, o
    S = flat(np.empty((2 * u, B), dt))   # [c~; c]
    P = flat(np.empty((2 * u, B), dt))   # [i * c~; f * c]
    z_sig, z_c, g_if, g_o = z[:u3], z[u3:], g[:2 * u], g[2 * u:]
    c_tilde, c, P_ic, P_fc = S[:u], S[u:], P[:u], P[u:]
    h_bufs = [flat(np.empty((u, B), dt)) for _ in range(2)]
    h_seq = None if h_all is None else (h_all.reshape(T, u) if one else h_all)
    c[...] = flat(c0_t)
    h = flat(h0_t)
    K = keyframes.every if keyframes is not None else 0
    chunk = _ChunkInputs(W_aug, d, u, B)
    matmul, add, multiply, divide, tanh, exp = np.matmul, np.add, np.multiply, np.divide, np.tanh, np.exp
    next_kf = 0 if K else -1
    xp_rows = list(chunk.xp)  # the chunk's per-step rows, as views made once
    h_cycle = itertools.cycle(h_bufs)  # two buffers in turn when no sequence is kept
    for s in range(0, T, CHUNK):
        e = min(s + CHUNK, T)
        chunk.make(xs, s, e, 0, B)
        h_rows = h_cycle if h_seq is None else iter(h_seq[s:e])
        for t, xpt, ht in zip(range(s, e), xp_rows, h_rows):
            if t == next_kf:
                keyframes.states["h"][t // K] = h.T
                keyframes.states["c"][t // K] = c.T
                next_kf += K
            if one:
                matmul(h, U_cols, hu)
            else:
                matmul(U, h, hu_m)
            add(xpt, hu, z)
            exp(z_sig, g)
            add(g, ONE, g)
            divide(ONE, g, g)
            tanh(z_c, c_tilde)
            multiply(g_if, S, P)
            add(P_fc, P_ic, c)
            tanh(c, ht)
            multiply(ht, g_o, ht)
            h = ht
        if on_chunk is not None:
            on_chunk(e)
    if one:
        return h.reshape(u, 1).copy(), c.reshape(u, 1).copy()
    return h.copy(), c.copy()


@_one_blas_thread
def run_gru(xs, h0, kernel, recurrent_kernel, bias, act, rec, reset_after, mask=None,
            zero_output_for_mask=False, *, record=True, keep_sequence=True,
            keyframes: Keyframes | None = None, prev_out=None, on_chunk=None,
            prepared: dict | None = None):
    """Stepped units-major like ``run_lstm`` (gates z, r, h~ in Keras' order, each step's
    products as stacks of small ones, the input bias as a column against a row of ones);
    every intermediate is recorded while stepping and handed back as (T, B, ...) views.
    Each step's products have the batch's shape whatever the run's length, so a window
    recomputed from a keyframe has the trace's numbers. ``record``, ``keep_sequence``,
    ``keyframes`` and ``prev_out`` as in ``run_lstm``."""
    T, B, d = xs.shape
    u = recurrent_kernel.shape[0]
    dt = np.float32
    if bias is None:
        b_in, b_rec = None, None
    elif reset_after:
        b = bias.reshape(2, 3 * u)
        b_in, b_rec = b[0], b[1][:, None]
    else:
        b_in, b_rec = bias, None
    r = _row_block(3 * u, d + 1, B)
    W, xa = _input_columns(kernel.T, b_in, xs)
    one = B == 1
    if one:
        # one column (batch 1): each step's products are vector @ matrix, the matrices in
        # Keras' own (rows, 3u) layout (no transposing copy; OpenBLAS's faster sgemv for
        # it): a GRU(256) states-only step 20.8 us instead of 23.0 (reset_after), 22.5
        # instead of 26.0 (not), A/B in one run, one thread
        W_cols = np.ascontiguousarray(W.T)  # (d + 1, 3u)
        U_cols = _prepared(prepared, "U_cols", lambda: np.ascontiguousarray(recurrent_kernel, dtype=dt))
        xa1 = xa[:, :, 0]
    else:
        W = W.reshape(-1, r, d + 1)
        UT = _prepared(prepared, "UT", lambda: np.ascontiguousarray(recurrent_kernel.T))  # (3u, u)

    def blocks(rows: int):
        k = _row_block(rows, u, B)
        return lambda a: a.reshape(-1, k, a.shape[-1])

    if not one and reset_after:
        by_all = blocks(3 * u)
        U_all = by_all(UT)
    elif not one:
        by_zr, by_h = blocks(2 * u), blocks(u)
        U_zr, U_h = by_zr(UT[:2 * u]), by_h(UT[2 * u:])
    keep_seq = record or keep_sequence or mask is not None
    if record:
        x_proj = workspace.empty((T, 3 * u, B))
        h_proj = workspace.empty((T, 3 * u, B))
        pre = workspace.empty((T, 3 * u, B))
        gates = workspace.empty((T, 3 * u, B))
    else:
        scratch = [np.empty((3 * u, B), dt) for _ in range(4)]
        h_s = (np.empty((u, B), dt), np.empty((u, B), dt))
    h_all = workspace.empty((T, u, B)) if keep_seq else None
    tmp = np.empty((u, B), dt)
    keep_not = None if mask is None else ~mask
    K = keyframes.every if keyframes is not None else 0
    h = np.ascontiguousarray(h0.T)
    sig = rec is activations.sigmoid

    def gates_zr(z, out):
        # activations.sigmoid's very calls, without its errstate and float constants at
        # each step (the loop ignores overflow once: exp(-z) = inf below z = -88 gives 0)
        if sig:
            activations.negative(z, out=out)
            np.exp(out, out=out)
            np.add(out, ONE, out=out)
            np.divide(ONE, out, out=out)
        else:
            _apply(rec, z, out, u)

    if one and not record and mask is None and sig and act is activations.tanh:
        with np.errstate(over="ignore"):
            h = _gru_states_column(xa1, W_cols, U_cols, b_rec, reset_after, h, h_all, keyframes,
                                   on_chunk, prepared)
        out = None if h_all is None else _to_batch_major(h_all)
        _keyframe_outputs(keyframes, out, prev_out, T)
        return {}, {}, out, [h if T else h0]

    with np.errstate(over="ignore"):
        for t in range(T):
            if keyframes is not None and K and t % K == 0:
                keyframes.states["h"][t // K] = h.T
            if record:
                xp, hp, zt, gt = x_proj[t], h_proj[t], pre[t], gates[t]
            else:
                xp, hp, zt, gt = scratch
            if one:
                np.matmul(xa1[t], W_cols, out=xp[:, 0])
            else:
                np.matmul(W, xa[t], out=xp.reshape(-1, r, B))
            if reset_after:
                if one:
                    np.matmul(h[:, 0], U_cols, out=hp[:, 0])
                else:
                    np.matmul(U_all, h, out=by_all(hp))
                if b_rec is not None:
                    hp += b_rec
                np.add(xp[:2 * u], hp[:2 * u], out=zt[:2 * u])
                gates_zr(zt[:2 * u], gt[:2 * u])
                np.multiply(gt[u:2 * u], hp[2 * u:], out=tmp)
                np.add(xp[2 * u:], tmp, out=zt[2 * u:])
            else:
                if one:
                    np.matmul(h[:, 0], U_cols[:, :2 * u], out=hp[:2 * u, 0])
                else:
                    np.matmul(U_zr, h, out=by_zr(hp[:2 * u]))
                np.add(xp[:2 * u], hp[:2 * u], out=zt[:2 * u])
                gates_zr(zt[:2 * u], gt[:2 * u])
                np.multiply(gt[u:2 * u], h, out=tmp)
                if one:
                    np.matmul(tmp[:, 0], U_cols[:, 2 * u:], out=hp[2 * u:, 0])
                else:
                    np.matmul(U_h, tmp, out=by_h(hp[2 * u:]))
                np.add(xp[2 * u:], hp[2 * u:], out=zt[2 * u:])
            _apply(act, zt[2 * u:], gt[2 * u:], u)
            ht = h_all[t] if h_all is not None else h_s[t & 1]
            # h = z * h_prev + (1 - z) * h~, in Keras' own order of operations
            np.multiply(gt[:u], h, out=ht)
            np.subtract(ONE, gt[:u], out=tmp)
            tmp *= gt[2 * u:]
            ht += tmp
            if keep_not is not None:
                np.copyto(ht, h, where=keep_not[t])
            h = ht
            if on_chunk is not None and (t + 1) % CHUNK == 0:
                on_chunk(t + 1)

    h_seq = _to_batch_major(h_all) if h_all is not None else None
    out = h_seq if mask is None else _mask_outputs(h_seq, mask, zero_output_for_mask, prev_out)
    _keyframe_outputs(keyframes, out, prev_out, T)
    final = [np.ascontiguousarray(h.T) if T else h0]
    if not record:
        return {}, {}, out, final
    rec_out = {
        "x_proj": _to_batch_major(x_proj), "h_proj": _to_batch_major(h_proj), "pre": _to_batch_major(pre),
        "z": _to_batch_major(gates[:, :u]), "r": _to_batch_major(gates[:, u:2 * u]),
        "h_tilde": _to_batch_major(gates[:, 2 * u:]), "h": h_seq,
    }
    return rec_out, {}, out, final


def _gru_states_column(xa1, W_cols, U_cols, b_rec, reset_after, h0, h_all, keyframes, on_chunk,
                       prepared):
    """``run_gru``'s states-only steps at batch 1 without a mask, with Keras' default
    activations (sigmoid, tanh): a step is two small products and about a dozen elementwise
    calls of a microsecond or less, so every view is made once, no check is made again at
    each step, and the z and r gates' columns of the kernels and of the recurrent bias are
    held negated (exact), so their sigmoid is three calls, ``1 / (1 + exp(z'))``, without
    ``activations.negative`` of the sums (a sum of negated products is the negated sum to
    the bit, rounding being symmetric; only a zero's sign differs, and exp(-0) = exp(0)).
    Otherwise the very products, on arrays of the same strides, and the very elementwise
    operations of ``run_gru``'s loop in its order, so the same numbers to the bit (the
    windows' tests check it). ``xa1``: each step's ``[x_t 1]``; ``W_cols`` (d + 1, 3u) and
    ``U_cols`` (u, 3u) as ``run_gru`` holds them; ``h0`` (u, 1). Returns the last ``h``,
    (1, u)."""
    T = xa1.shape[0]
    u = U_cols.shape[0]
    u2 = 2 * u
    dt = np.float32

    def negated_zr(m):  # (the z and r columns negated, the h~ ones as they are: same strides)
        out = np.array(m, dtype=dt, order="C")
        activations.negative(out[..., :u2], out=out[..., :u2])
        return out

    W_n = negated_zr(W_cols)
    U_n = _prepared(prepared, "U_cols_zr_negated", lambda: negated_zr(U_cols))
    b_n = None if b_rec is None else negated_zr(b_rec[:, 0])
    xp, hp, zt, gt = (np.empty(3 * u, dt) for _ in range(4))
    tmp = np.empty(u, dt)
    xp_zr, xp_h, hp_zr, hp_h = xp[:u2], xp[u2:], hp[:u2], hp[u2:]
    zt_zr, zt_h, g_zr, g_z, g_r, g_h = zt[:u2], zt[u2:], gt[:u2], gt[:u], gt[u:u2], gt[u2:]
    U_zr, U_h = U_n[:, :u2], U_n[:, u2:]
    h_rows = (itertools.cycle([np.empty(u, dt), np.empty(u, dt)]) if h_all is None
              else iter(h_all.reshape(T, u)))
    h = h0[:, 0]
    K = keyframes.every if keyframes is not None else 0
    next_kf = 0 if K else -1
    matmul, add, subtract, multiply, divide, tanh, exp = (
        np.matmul, np.add, np.subtract, np.multiply, np.divide, np.tanh, np.exp)
    for s in range(0, T, CHUNK):
        e = min(s + CHUNK, T)
        for t, x_t, ht in zip(range(s, e), xa1[s:e], h_rows):
            if t == next_kf:
                keyframes.states["h"][t // K] = h
                next_kf += K
            matmul(x_t, W_n, out=xp)
            if reset_after:
                matmul(h, U_n, out=hp)
                if b_n is not None:
                    add(hp, b_n, out=hp)
            else:
                matmul(h, U_zr, out=hp_zr)
            add(xp_zr, hp_zr, out=zt_zr)
            exp(zt_zr, out=g_zr)
            add(g_zr, ONE, out=g_zr)
            divide(ONE, g_zr, out=g_zr)
            if reset_after:  # (r times the recurrent sum of h~)
                multiply(g_r, hp_h, out=tmp)
                add(xp_h, tmp, out=zt_h)
            else:  # (the recurrent sum of r times h)
                multiply(g_r, h, out=tmp)
                matmul(tmp, U_h, out=hp_h)
                add(xp_h, hp_h, out=zt_h)
            tanh(zt_h, out=g_h)
            # h = z * h_prev + (1 - z) * h~, in Keras' own order of operations
            multiply(g_z, h, out=ht)
            subtract(ONE, g_z, out=tmp)
            multiply(tmp, g_h, out=tmp)
            add(ht, tmp, out=ht)
            h = ht
        if on_chunk is not None and e - s == CHUNK:
            on_chunk(e)
    return h.reshape(1, u).copy()


@_one_blas_thread
def run_simple_rnn(xs, h0, kernel, recurrent_kernel, bias, act, mask=None,
                   zero_output_for_mask=False, *, record=True, keep_sequence=True,
                   keyframes: Keyframes | None = None, prev_out=None, on_chunk=None,
                   prepared: dict | None = None):
    """``record``, ``keep_sequence``, ``keyframes``, ``prev_out`` and ``prepared`` as in ``run_lstm``;
    the input projection is made in CHUNKs of steps like the LSTM's."""
    T, B, _ = xs.shape
    u = recurrent_kernel.shape[0]
    z = _chunked_projection(xs, kernel, prepared)
    if bias is not None:
        z += bias
    h_all = workspace.empty((T, B, u))
    hu = np.empty((B, u), np.float32)
    K = keyframes.every if keyframes is not None else 0
    h = h0
    # (a step at batch 1 is a few microseconds: its rows taken once by iteration, the
    # constant checks out of the loop, and tanh called as NumPy's own; the same calls)
    matmul, add, copyto = np.matmul, np.add, np.copyto
    fn = np.tanh if act is activations.tanh else act
    kf_h = keyframes.states["h"] if keyframes is not None else None
    next_kf = 0 if kf_h is not None and K else -1
    keep = None if mask is None else ~mask[:, :, None]
    for t, zt, ht in zip(range(T), z, h_all):
        if t == next_kf and kf_h is not None:
            kf_h[t // K] = h
            next_kf += K
        matmul(h, recurrent_kernel, out=hu)
        add(zt, hu, out=zt)
        fn(zt, out=ht)
        if keep is not None:
            copyto(ht, h, where=keep[t])
        h = ht
        if on_chunk is not None and (t + 1) % CHUNK == 0:
            on_chunk(t + 1)
    out = h_all if mask is None else _mask_outputs(h_all, mask, zero_output_for_mask, prev_out)
    _keyframe_outputs(keyframes, out, prev_out, T)
    final = [np.ascontiguousarray(h_all[-1]) if T else h0]
    if not record:
        return {}, {}, out, final
    derived = {
        "x_proj": lambda: _chunked_projection(xs, kernel, prepared),
        "h_proj": lambda: _projection(_h_prev(h0, h_all), recurrent_kernel),
    }
    return {"pre": z, "h": h_all}, derived, out, final


def _keyframe_outputs(keyframes, out, prev_out, T):
    """A masked run's keyframes also keep the output entering each (a masked step repeats it)."""
    if keyframes is None or keyframes.prev_out is None or out is None:
        return
    K = keyframes.every
    if prev_out is not None:
        keyframes.prev_out[0] = prev_out
    keyframes.prev_out[1:] = out[K - 1:T - 1:K]
