#!/usr/bin/env python3
"""Probe (issue 13): would a compiled kernel (numba) bring the engine to torch's pace?

PERFORMANCE.md says issue 13's engine targets (a full LSTM trace of batch 32 x 200 steps x
64 inputs into LSTM(256), every record, and a states-only pass of batch 1 x 20,000 steps,
each <= 1.2x torch.nn.LSTM with the same weights, one thread each and every core each)
need a compiled kernel. This measures that claim with prototypes; the engine is not
changed and numba is NOT a dependency of lstmviz. Prototypes, all holding the engine's
layout (units-major, the gates i f o c~, the sigmoid gates' weights negated):

- ``fused``: per step the engine's own product (``[U | W b] @ [h; x_t; 1]`` as the same
  stack of small NumPy/OpenBLAS products, into the step's record of the sums), then ONE
  numba call (``@njit(nogil=True, fastmath=False, cache=True)``) doing the step's
  elementwise work: ``sigmoid(z) = 1 / (1 + exp(z'))``, ``tanh``, c, h, every record
  written, h also into the next step's operand. Two flavours: ``fused`` with numba's own
  ``np.exp``/``np.tanh`` (libm's, one lane at a time: the PyPI llvmlite has no SVML), and
  ``fusedv`` with ``exp32``, a float32 exp LLVM vectorises (tanh as 1 - 2 / (1 + exp(2x));
  ``error_model="numpy"``: numba's zero-division check would stop the vectorising).
- ``fused, 2 threads``: the batch in 2 column blocks of 16 on 2 Python threads, each
  making its product and its fused call (both release the interpreter lock), OpenBLAS on
  one thread.
- ``all in numba``: the whole loop one njit call (with ``exp32``), the product too (``np.dot`` inside
  njit calls scipy's BLAS: scipy is needed; without it this variant is skipped), on one
  thread, and as 2 column blocks on 2 threads (no interpreter lock at all).
- batch 1, states only: ``h @ U_cols`` (NumPy) then one fused call a step (the input
  products made 16 steps at a time, as the engine does), and the same all in numba.

Printed as the repo's benchmarks do: each figure a ratio against torch measured in the
same run (medians of back-to-back pairs, interleaved), the target beside it, the load
average beside the figures; then max |prototype - engine| over every record (numba's
``exp``/``tanh`` are LLVM's/libm's, not NumPy's SIMD ones: the bits may differ), against
the Keras fixture of an LSTM, and numba's compile time with an empty and a warm cache.

    python3 -m venv /tmp/probe && /tmp/probe/bin/pip install numpy==<.venv's> numba scipy \\
        torch==2.13.0 h5py && /tmp/probe/bin/pip install -e . --no-deps
    /tmp/probe/bin/python scripts/probe_fused_kernel.py [--repeat 9] [--steps 20000]

A probe, not a test: it prints figures and exits 0 unless a prototype disagrees with the
engine beyond atol 1e-5.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# (numba's np.dot calls scipy's own OpenBLAS, which would otherwise start a thread a core and
# spin them against the Python threads; NumPy's is set per figure below: use_threads)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import lstm_stack, pairs, torch_runner, use_threads  # noqa: E402

from lstmviz.engine import blas, recurrent, workspace  # noqa: E402
from lstmviz.engine.recurrent import CUT, _row_block  # noqa: E402
from lstmviz.engine.windows import keyframe_pass  # noqa: E402

try:
    import numba
except ImportError:  # (the script says so in main)
    numba = None
try:
    import scipy  # noqa: F401  (numba's np.dot calls scipy's BLAS)
    HAVE_SCIPY = True
except ImportError:
    HAVE_SCIPY = False

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "k3_lstm_default"

if numba is not None:
    njit = numba.njit(nogil=True, fastmath=False, cache=True, error_model="numpy")

    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic

    @intrinsic
    def _bits_as_float32(typingctx, n):
        """An int32's bits as a float32 (the 2**n of ``exp32``)."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.FloatType())
        return types.float32(types.int32), codegen

    F = np.float32
    LOG2E, LN2_HI, LN2_LO = F(1.4426950408889634), F(0.693359375), F(-2.12194440e-4)
    P2, P3, P4, P5, P6 = F(1 / 2), F(1 / 6), F(1 / 24), F(1 / 120), F(1 / 720)

    @numba.njit(nogil=True, fastmath=False, cache=True, error_model="numpy", inline="always")
    def exp32(x):
        """exp in float32 arithmetic LLVM can vectorise (libm's expf is a call a lane):
        x = n ln2 + r, |r| <= ln2 / 2, exp(r) by its Taylor polynomial of degree 6
        (error ~1e-7 relative), times 2**n made from its bits. Clamped to [-87, 88]."""
        x = x if x < F(88.0) else F(88.0)
        x = x if x > F(-87.0) else F(-87.0)
        n = np.floor(x * LOG2E + F(0.5))
        r = x - n * LN2_HI - n * LN2_LO
        p = F(1.0) + r * (F(1.0) + r * (P2 + r * (P3 + r * (P4 + r * (P5 + r * P6)))))
        return p * _bits_as_float32((np.int32(n) + np.int32(127)) << np.int32(23))

    @njit
    def fused_step_v(z, c_prev, g, c, h, h_next):
        """``fused_step`` with ``exp32``: sigmoid(z) = 1 / (1 + exp32(z')), tanh(x) =
        1 - 2 / (1 + exp32(2x)); every lane of a row in one vector."""
        u, n = c.shape
        one, two = F(1.0), F(2.0)
        for k in range(u):
            for b in range(n):
                gi = one / (one + exp32(z[k, b]))
                gf = one / (one + exp32(z[u + k, b]))
                go = one / (one + exp32(z[2 * u + k, b]))
                gc = one - two / (one + exp32(two * z[3 * u + k, b]))
                g[k, b] = gi
                g[u + k, b] = gf
                g[2 * u + k, b] = go
                g[3 * u + k, b] = gc
                cc = gf * c_prev[k, b] + gi * gc
                c[k, b] = cc
                hh = (one - two / (one + exp32(two * cc))) * go
                h[k, b] = hh
                h_next[k, b] = hh

    @njit
    def fused_step1_v(xp, hu, c, h):
        """``fused_step1`` with ``exp32`` (see ``fused_step_v``)."""
        u = c.shape[0]
        one, two = F(1.0), F(2.0)
        for k in range(u):
            gi = one / (one + exp32(xp[k] + hu[k]))
            gf = one / (one + exp32(xp[u + k] + hu[u + k]))
            go = one / (one + exp32(xp[2 * u + k] + hu[2 * u + k]))
            gc = one - two / (one + exp32(two * (xp[3 * u + k] + hu[3 * u + k])))
            cc = gf * c[k] + gi * gc
            c[k] = cc
            h[k] = (one - two / (one + exp32(two * cc))) * go

    @njit
    def fused_step(z, c_prev, g, c, h, h_next):
        """One step's elementwise work over (4u, n) sums ``z`` (i f o negated, c~):
        the gates into ``g``, the cell state into ``c``, h into ``h`` and ``h_next``.
        The engine's operations in its order: f*c and i*c~ each rounded, then added."""
        u, n = c.shape
        one = np.float32(1.0)
        for k in range(u):
            for b in range(n):
                gi = one / (one + np.exp(z[k, b]))
                gf = one / (one + np.exp(z[u + k, b]))
                go = one / (one + np.exp(z[2 * u + k, b]))
                gc = np.tanh(z[3 * u + k, b])
                g[k, b] = gi
                g[u + k, b] = gf
                g[2 * u + k, b] = go
                g[3 * u + k, b] = gc
                fc = gf * c_prev[k, b]
                ic = gi * gc
                cc = fc + ic
                c[k, b] = cc
                hh = np.tanh(cc) * go
                h[k, b] = hh
                h_next[k, b] = hh

    @njit
    def fused_step1(xp, hu, c, h):
        """Batch 1, states only: z = xp + hu, then the step; c in place, h into ``h``."""
        u = c.shape[0]
        one = np.float32(1.0)
        for k in range(u):
            gi = one / (one + np.exp(xp[k] + hu[k]))
            gf = one / (one + np.exp(xp[u + k] + hu[u + k]))
            go = one / (one + np.exp(xp[2 * u + k] + hu[2 * u + k]))
            gc = np.tanh(xp[3 * u + k] + hu[3 * u + k])
            cc = gf * c[k] + gi * gc
            c[k] = cc
            h[k] = np.tanh(cc) * go

    @njit
    def trace_all(UW, xa, h0, c0, pre, g, c_all, h_all):
        """The whole trace of one column block in one call: per step ``UW @ [h; x_t; 1]``
        (np.dot: scipy's BLAS), then ``fused_step_v``. ``xa``: (T, d + 1, n), x_t over ones."""
        T, d1, n = xa.shape
        u = h0.shape[0]
        hx = np.empty((u + d1, n), np.float32)
        hx[:u] = h0
        c_prev = c0
        dummy = np.empty((u, n), np.float32)
        for t in range(T):
            hx[u:] = xa[t]
            z = np.dot(UW, hx)
            pre[t] = z
            fused_step_v(z, c_prev, g[t], c_all[t], h_all[t], hx[:u] if t + 1 < T else dummy)
            c_prev = c_all[t]

    @njit
    def states_all(W_cols, U_cols, xa, h_all):
        """Batch 1, states only, in one call: the input products ``xa[s:e] @ W_cols`` 16
        steps at a time, per step ``h @ U_cols`` (np.dot: scipy's BLAS) and the fused step."""
        T = xa.shape[0]
        u = U_cols.shape[0]
        h = np.zeros(u, np.float32)
        c = np.zeros(u, np.float32)
        for s in range(0, T, 16):
            e = min(s + 16, T)
            xp = np.dot(xa[s:e], W_cols)
            for t in range(s, e):
                hu = np.dot(h, U_cols)
                fused_step1_v(xp[t - s], hu, c, h_all[t])
                h = h_all[t]


# -- the engine's layout ---------------------------------------------------------------------
class Prepared:
    """The layer's weights as the engine steps them: gates i f o c~, the sigmoid gates'
    rows negated (exact), ``UW = [U | W b]`` (4u, u + d + 1), and for one column
    ``U_cols`` (u, 4u) and ``W_cols`` (d + 1, 4u)."""

    def __init__(self, layer):
        kernel, rec, bias = (np.asarray(a, np.float32) for a in layer.weights)
        d, u = kernel.shape[0], rec.shape[0]
        order = np.r_[0:2 * u, 3 * u:4 * u, 2 * u:3 * u]
        scale = np.ones(4 * u, np.float32)
        scale[:3 * u] = -1.0
        self.u, self.d, self.order, self.scale = u, d, order, scale
        self.U_rows = np.ascontiguousarray((rec[:, order] * scale).T)
        W_aug = np.zeros((4 * u, d + 1), np.float32)
        W_aug[:, :d] = (kernel[:, order] * scale).T
        W_aug[:, d] = bias[order] * scale
        self.UW = np.ascontiguousarray(np.concatenate([self.U_rows, W_aug], axis=1))
        self.U_cols = np.ascontiguousarray(self.U_rows.T)
        self.W_cols = np.ascontiguousarray(W_aug.T)


class Records:
    """A full trace's records as the engine holds them (units-major, recycled memory)."""

    def __init__(self, T, u, B):
        self.g = workspace.empty((T, 4 * u, B))
        self.pre = workspace.empty((T, 4 * u, B))
        self.c = workspace.empty((T, u, B))
        self.h = workspace.empty((T, u, B))

    @classmethod
    def joined(cls, parts: list) -> Records:
        """The column blocks' records as one batch (a copy of every record)."""
        rec = cls.__new__(cls)
        for name in ("g", "pre", "c", "h"):
            setattr(rec, name, np.concatenate([getattr(r, name) for r in parts], axis=2))
        return rec

    def keras(self, p: Prepared) -> dict:
        """Batch-major, Keras' gate order: i, f, c~, o, c, h and the sums (scaled back)."""
        u = p.u
        tb = (2, 0, 1)  # (T, rows, B) -> (B, T, rows), as a trace hands them out
        out = {name: self.g[:, j * u:(j + 1) * u].transpose(tb)
               for name, j in (("i", 0), ("f", 1), ("o", 2), ("c_tilde", 3))}
        out["c"], out["h"] = self.c.transpose(tb), self.h.transpose(tb)
        pre = self.pre * p.scale[None, :, None]
        out["pre"] = np.concatenate([pre[:, j * u:(j + 1) * u] for j in (0, 1, 3, 2)], axis=1).transpose(tb)
        return out


def inputs_over_ones(xs, b0, b1):
    """(T, d + 1, n): the block's x_t as columns over a row of ones."""
    T, _, d = xs.shape
    xa = np.ones((T, d + 1, b1 - b0), np.float32)
    xa[:, :d] = xs[:, b0:b1].transpose(0, 2, 1)
    return xa


def fused_block(p: Prepared, xs, rec: Records, b0, b1, step):
    """Columns b0:b1 of the batch into ``rec`` (the block's own records, contiguous: numba
    vectorises a row only when it knows its stride): per step the engine's stack of small
    products into the record of the sums, then one fused call ``step``."""
    T = xs.shape[0]
    u, d, n = p.u, p.d, b1 - b0
    r = _row_block(4 * u, u + d + 1, n)
    M = p.UW.reshape(-1, r, u + d + 1)
    hx = np.ones((T, u + d + 1, n), np.float32)
    hx[:, u:u + d] = xs[:, b0:b1].transpose(0, 2, 1)
    hx[0, :u] = 0.0
    c_prev = np.zeros((u, n), np.float32)
    dummy = np.empty((u, n), np.float32)
    matmul = np.matmul
    for t in range(T):
        z = rec.pre[t]
        matmul(M, hx[t], out=z.reshape(-1, r, n))
        step(z, c_prev, rec.g[t], rec.c[t], rec.h[t], hx[t + 1, :u] if t + 1 < T else dummy)
        c_prev = rec.c[t]


def numba_block(p: Prepared, xs, rec: Records, b0, b1):
    """Columns b0:b1 of the batch into ``rec``, the whole loop one numba call."""
    n = b1 - b0
    zeros = np.zeros((p.u, n), np.float32)
    trace_all(p.UW, inputs_over_ones(xs, b0, b1), zeros, zeros, rec.pre, rec.g, rec.c, rec.h)


def on_threads(fns):
    """Run the callables on threads of their own, one each, and wait for them."""
    ths = [threading.Thread(target=f) for f in fns]
    for th in ths:
        th.start()
    for th in ths:
        th.join()


#: the prototypes of a full trace: how a block is stepped
MODES = {"fused": "libm's exp and tanh (numba's np.exp / np.tanh), one call a step",
         "fusedv": "exp32 (vectorised by LLVM), one call a step",
         "numba": "the whole loop one numba call (np.dot: scipy's BLAS; exp32)"}


def proto_trace(p: Prepared, x, blocks=1, mode="fused"):
    """A full trace of x (B, T, d) in ``blocks`` column blocks (on as many threads); with
    several, each block's records are its own and joined at the end (a copy, counted)."""
    xs = np.ascontiguousarray(x.transpose(1, 0, 2))
    T, B, _ = xs.shape
    edges = [B * k // blocks for k in range(blocks + 1)]
    spans = list(zip(edges[:-1], edges[1:]))
    recs = [Records(T, p.u, b1 - b0) for b0, b1 in spans]
    if mode == "numba":
        fns = [lambda b0=b0, b1=b1, rec=rec: numba_block(p, xs, rec, b0, b1)
               for (b0, b1), rec in zip(spans, recs)]
    else:
        step = fused_step if mode == "fused" else fused_step_v
        fns = [lambda b0=b0, b1=b1, rec=rec: fused_block(p, xs, rec, b0, b1, step)
               for (b0, b1), rec in zip(spans, recs)]
    if blocks == 1:
        fns[0]()
        return recs[0]
    with blas.single_threaded():
        on_threads(fns)
    return Records.joined(recs)


def proto_states(p: Prepared, x, mode="fused"):
    """Batch 1, states only: the output sequence h (T, u); the input products 16 steps at a
    time (as the engine's CUT), per step ``h @ U_cols`` and the fused call."""
    T = x.shape[1]
    xa = np.ones((T, p.d + 1), np.float32)
    xa[:, :p.d] = x[0]
    h_all = np.empty((T, p.u), np.float32)
    if mode == "numba":
        states_all(p.W_cols, p.U_cols, xa, h_all)
        return h_all
    h = np.zeros(p.u, np.float32)
    c = np.zeros(p.u, np.float32)
    hu = np.empty(4 * p.u, np.float32)
    matmul, W_cols, U_cols = np.matmul, p.W_cols, p.U_cols
    step = fused_step1 if mode == "fused" else fused_step1_v
    for s in range(0, T, CUT):
        e = min(s + CUT, T)
        xp = xa[s:e] @ W_cols
        for t in range(s, e):
            matmul(h, U_cols, out=hu)
            h = h_all[t]
            step(xp[t - s], hu, c, h)
    return h_all


def products_alone(p: Prepared, x):
    """The engine's per-step products of a full trace (one block), nothing else."""
    B, T, d = x.shape
    u = p.u
    r = _row_block(4 * u, u + d + 1, B)
    M = p.UW.reshape(-1, r, u + d + 1)
    hx = np.ones((u + d + 1, B), np.float32)
    z = np.empty((T, 4 * u, B), np.float32)
    for t in range(T):
        np.matmul(M, hx, out=z[t].reshape(-1, r, B))


def products_alone1(p: Prepared, x):
    """Batch 1: the steps' products ``h @ U_cols`` alone."""
    h = np.zeros(p.u, np.float32)
    hu = np.empty(4 * p.u, np.float32)
    for _ in range(x.shape[1]):
        np.matmul(h, p.U_cols, out=hu)


# -- the figures -------------------------------------------------------------------------------
def load_note():
    return f"load average {os.getloadavg()[0]:.1f}"


def verdict(r):
    return f"target <= 1.2x: {'met' if r <= 1.2 else 'NOT met'}"


def agreement(model, x, variants) -> bool:
    """max |prototype - engine| over every record of the full trace, per prototype."""
    p = Prepared(model.get_layer("lstm0"))
    steps = model.trace(x)["lstm0"].steps
    ok = True
    for label, blocks, mode in variants:
        got = proto_trace(p, x, blocks, mode).keras(p)
        worst = {k: float(np.max(np.abs(got[k] - np.asarray(steps[k])))) for k in got}
        equal = sum(np.array_equal(got[k], np.asarray(steps[k])) for k in got)
        m = max(worst.values())
        ok &= m <= 1e-5
        print(f"  {label}: max |prototype - engine| {m:.2e} over every record "
              f"({', '.join(f'{k} {v:.1e}' for k, v in worst.items())}); "
              f"{equal} of {len(got)} records equal to the bit")
    return ok


def keras_check(modes):
    """The prototypes against Keras' own numbers (tests/fixtures/k3_lstm_default)."""
    import lstmviz
    model = lstmviz.load(str(FIXTURE / "model.keras"))
    x = np.load(FIXTURE / "x.npy").astype(np.float32)
    want = np.load(FIXTURE / "expected.npz")["layer:lstm"]
    engine = np.asarray(model.trace(x)["lstm"].output)
    p = Prepared(model.get_layer("lstm"))
    line = f"engine {float(np.max(np.abs(engine - want))):.1e}"
    for label, mode in modes:
        h = proto_trace(p, x, 1, mode).h[-1].T
        line += f", {label} {float(np.max(np.abs(h - want))):.1e}"
    print(f"  against Keras (k3_lstm_default, batch 2 x 5 steps, LSTM(4)): max |. - Keras| {line}")


def compile_times():
    """numba's first-call time in a fresh process, with an empty cache then the warm one."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("empty cache", "warm cache"):
            out = subprocess.run([sys.executable, __file__, "--first-call"], env=env,
                                 capture_output=True, text=True, check=True).stdout.strip()
            print(f"  numba's first calls ({label}): {out}")


def first_call():
    model = lstm_stack(64, 256, 1)
    p = Prepared(model.get_layer("lstm0"))
    x = np.random.default_rng(0).normal(size=(2, 3, 64)).astype(np.float32)
    t0 = time.perf_counter()
    proto_trace(p, x, 1, "fused")
    proto_states(p, x[:1], "fused")
    t1 = time.perf_counter()
    proto_trace(p, x, 1, "fusedv")
    proto_states(p, x[:1], "fusedv")
    t2 = time.perf_counter()
    msg = f"the fused step kernels (libm) {t1 - t0:.2f} s, (exp32) {t2 - t1:.2f} s"
    t1 = t2
    if HAVE_SCIPY:
        proto_trace(p, x, 1, "numba")
        proto_states(p, x[:1], "numba")
        msg += f", the all-in-numba loops {time.perf_counter() - t1:.2f} s more"
    print(msg)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--steps", type=int, default=20000, help="the batch-1 states-only pass")
    ap.add_argument("--first-call", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if numba is None:
        print("numba is not installed: pip install numba (see the docstring)")
        return 0
    if args.first_call:
        first_call()
        return 0
    try:
        import torch
    except ImportError:
        print("torch is not installed: pip install torch==2.13.0 (see the docstring)")
        return 0
    cores = recurrent.cores()
    print(f"numpy {np.__version__}, numba {numba.__version__}, torch {torch.__version__}, "
          f"scipy {'yes' if HAVE_SCIPY else 'NO: the all-in-numba variants are skipped'}; "
          f"cores {cores}; OpenBLAS kernels: {blas.kernels()}")
    variants = [("fused (libm)", 1, "fused"), ("fused (exp32)", 1, "fusedv"),
                ("fused (libm), 2 blocks on 2 threads", 2, "fused"),
                ("fused (exp32), 2 blocks on 2 threads", 2, "fusedv")]
    if HAVE_SCIPY:
        variants += [("all in numba", 1, "numba"), ("all in numba, 2 blocks on 2 threads", 2, "numba")]
    for mode, what in MODES.items():
        print(f"  {mode}: {what}")

    print("\n1. full trace, batch 32 x 200 steps x 64 inputs -> LSTM(256), every record")
    model = lstm_stack(64, 256, 1)
    p = Prepared(model.get_layer("lstm0"))
    x = np.random.default_rng(2).normal(size=(32, 200, 64)).astype(np.float32)
    for _, blocks, mode in variants:  # compile (or load from the cache) before timing
        proto_trace(p, x[:, :2], blocks, mode)
    ok = agreement(model, x, variants)
    for n in (1, cores):
        use_threads(n, torch)
        label = "one thread each" if n == 1 else f"every core ({n} threads each)"
        run_torch = torch_runner(model, torch, x)
        a, b, r = pairs(lambda: model.trace(x), run_torch, args.repeat)
        print(f"  {label}, {load_note()}:")
        print(f"    engine {a * 1e3:.1f} ms, torch {b * 1e3:.1f} ms: {r:.2f}x ({verdict(r)})")
        if n == 1:  # the floor of every prototype but the last: the engine's products alone
            a, b, r = pairs(lambda: products_alone(p, x), run_torch, args.repeat)
            print(f"    (the engine's 200 products alone: {a * 1e3:.1f} ms, {r:.2f}x torch's whole trace)")
        for vlabel, blocks, mode in variants:
            if n == 1 and blocks > 1:
                continue  # (2 threads is the every-core row)
            a, b, r = pairs(lambda blocks=blocks, mode=mode: proto_trace(p, x, blocks, mode), run_torch, args.repeat)
            print(f"    {vlabel}: {a * 1e3:.1f} ms, torch {b * 1e3:.1f} ms: {r:.2f}x ({verdict(r)})")
    keras_check([(v[0], v[2]) for v in variants if v[1] == 1])

    print(f"\n2. states-only pass, batch 1 x {args.steps:,} steps x 64 inputs -> LSTM(256)")
    x1 = np.random.default_rng(3).normal(size=(1, args.steps, 64)).astype(np.float32)
    engine_h = np.asarray(keyframe_pass(model, x1).output)[0]
    modes = [("fused (libm)", "fused"), ("fused (exp32)", "fusedv")] + (
        [("all in numba", "numba")] if HAVE_SCIPY else [])
    for label, mode in modes:
        h = proto_states(p, x1, mode)
        print(f"  {label}: max |prototype - engine| over the {args.steps:,} outputs "
              f"{float(np.max(np.abs(h - engine_h))):.2e}")
    for n in (1, cores):
        use_threads(n, torch)
        label = "one thread each" if n == 1 else f"every core ({n} threads each; the prototypes on one)"
        run_torch = torch_runner(model, torch, x1)
        reps = max(3, args.repeat // 2)
        a, b, r = pairs(lambda: keyframe_pass(model, x1), run_torch, reps)
        print(f"  {label}, {load_note()}:")
        print(f"    engine's keyframe pass {a:.2f} s ({a / args.steps * 1e6:.1f} us/step), torch "
              f"{b:.2f} s ({b / args.steps * 1e6:.1f} us/step): {r:.2f}x ({verdict(r)})")
        if n == 1:
            a, b, r = pairs(lambda: products_alone1(p, x1), run_torch, reps)
            print(f"    (the {args.steps:,} products h @ U_cols alone: {a:.2f} s, {r:.2f}x torch's whole pass)")
        for vlabel, mode in modes:
            a, b, r = pairs(lambda mode=mode: proto_states(p, x1, mode), run_torch, reps)
            print(f"    {vlabel}: {a:.2f} s ({a / args.steps * 1e6:.1f} us/step): {r:.2f}x ({verdict(r)})")

    print("\n3. cost")
    compile_times()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
