#!/usr/bin/env python3
"""Benchmark: a full lstmviz trace of one LSTM (or GRU) layer against torch.nn.LSTM's
(or GRU's) forward.

Default case (issue 2): batch 32, 200 timesteps, input 64, 256 units, every intermediate
recorded while stepping (i, f, c~, o, c, h and the pre-activation sums; the projections
x_proj and h_proj are computed on first access, and that time is printed apart). torch
gets the same weights (see ``torch_net``) and the same number of threads as NumPy's BLAS
(default 1). Prints the medians, the ratio (goals: at most 1.5x torch, issue 2, and 1.2x,
issue 13: README's target), and the trace's peak memory (tracemalloc).

    .venv/bin/python scripts/bench_engine.py [--repeat 15] [--threads N] [--cell GRU]
                                             [--no-torch]

torch is optional: ``pip install -e '.[bench]'`` (torch==2.13.0, the CPU build).
This is a benchmark, not a test: it prints figures and exits 0 unless outputs disagree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lstmviz.engine import LayerSpec, Model, blas, recurrent, workspace  # noqa: E402

# per cell: what a trace records while stepping, and what it computes on first access
RECORDED = {"LSTM": ("i", "f", "c_tilde", "o", "c", "h", "pre"),
            "GRU": ("x_proj", "h_proj", "pre", "z", "r", "h_tilde", "h")}
DERIVED = {"LSTM": ("x_proj", "h_proj"), "GRU": ()}


# -- the case -----------------------------------------------------------------------------
def build(batch, steps, d, units, seed=0, cell="LSTM"):
    model = Model.sequential((None, None, d),
                             [LayerSpec(cell, {"units": units, "return_sequences": True}, name="rnn")],
                             seed=seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(batch, steps, d)).astype(np.float32)
    # non-trivial biases so a wrong bias mapping cannot pass
    layer = model.get_layer("rnn")
    kernel, rec, bias = layer.weights
    bias = bias + rng.normal(scale=0.1, size=bias.shape).astype(np.float32)
    layer.set_weights([kernel, rec, bias])
    return model, x


def torch_net(model, torch):
    """torch.nn.LSTM / GRU with the model's weights. LSTM: Keras gates i, f, c, o are
    torch's i, f, g, o. GRU (reset_after=True, Keras 3's default): Keras z, r, h are torch's
    z, r, n in the order r, z, n, with the input and recurrent biases as bias_ih / bias_hh."""
    layer = model.get_layer("rnn")
    kernel, rec, bias = layer.weights
    d, k_u = kernel.shape
    if layer.class_name == "LSTM":
        net, order = torch.nn.LSTM(d, k_u // 4, batch_first=True), np.arange(k_u)
        b_ih, b_hh = bias, np.zeros_like(bias)
    else:
        u = k_u // 3
        net, order = torch.nn.GRU(d, u, batch_first=True), np.r_[u:2 * u, 0:u, 2 * u:3 * u]
        b_ih, b_hh = bias[0][order], bias[1][order]
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(kernel[:, order].T)))
        net.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(rec[:, order].T)))
        net.bias_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(b_ih)))
        net.bias_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(b_hh)))
    net.eval()
    return net


def timed(fn, repeat, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def peak_trace_memory(model, x) -> tuple[int, int]:
    """(peak bytes allocated during a trace, bytes the trace holds afterwards).

    The engine recycles the memory of dropped traces; that pool is emptied first so the
    trace's own arrays are counted.
    """
    workspace.release()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    trace = model.trace(x)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del trace
    return peak - base, held - base


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--input", type=int, default=64)
    ap.add_argument("--units", type=int, default=256)
    ap.add_argument("--cell", choices=("LSTM", "GRU"), default="LSTM",
                    help="the recurrent layer (issue 2's goal is stated for the LSTM)")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1,
                    help="threads for NumPy's BLAS and torch (default 1: NumPy's elementwise "
                         "calls run on one thread, torch would spread its fused ones over all; "
                         "0 = each library's own default)")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args(argv)

    if args.threads:  # NumPy's BLAS and the engine's threads (column blocks of the batch)
        blas.set_threads(args.threads)
        recurrent.set_threads(args.threads)
    np_threads = blas.threads()
    print(f"case: {args.cell}, batch {args.batch}, {args.steps} steps, input {args.input}, "
          f"{args.units} units, float32; every intermediate recorded")
    print(f"numpy {np.__version__}, BLAS threads {np_threads if np_threads is not None else 'unknown'}, "
          f"engine threads {recurrent.threads()} (cores {recurrent.cores()}, os.cpu_count() {os.cpu_count()}); "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"OpenBLAS kernels: {blas.kernels()}")

    model, x = build(args.batch, args.steps, args.input, args.units, cell=args.cell)
    trace = model.trace(x)
    y = trace.output
    t_np = timed(lambda: model.trace(x), args.repeat)
    med_np = statistics.median(t_np)
    print(f"lstmviz trace: median {med_np * 1e3:8.1f} ms  (min {min(t_np) * 1e3:.1f}, "
          f"max {max(t_np) * 1e3:.1f}, n={len(t_np)})")

    def derive():
        steps = model.trace(x)["rnn"].steps
        t0 = time.perf_counter()
        for key in DERIVED[args.cell]:
            steps[key]
        return time.perf_counter() - t0

    t_derive = statistics.median(derive() for _ in range(max(3, args.repeat // 3)))
    derived = (f"; computed on first access: {', '.join(DERIVED[args.cell])}, median "
               f"{t_derive * 1e3:.1f} ms for all, not in the figure above" if DERIVED[args.cell] else "")
    print(f"  (recorded while stepping: {', '.join(RECORDED[args.cell])}{derived})")

    peak, held = peak_trace_memory(model, x)
    print(f"lstmviz trace memory: peak {peak / 2**20:.1f} MiB during the trace, "
          f"{held / 2**20:.1f} MiB held by the Trace")

    status = 0
    if args.no_torch:
        return status
    try:
        import torch
    except ImportError:
        print("torch: not installed (pip install -e '.[bench]'); no ratio")
        return status
    threads = np_threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    net = torch_net(model, torch)
    xt = torch.from_numpy(x)

    def run_torch():
        with torch.inference_mode():
            return net(xt)[0]

    yt = run_torch().numpy()
    diff = float(np.max(np.abs(yt - y)))
    ok = np.allclose(yt, y, atol=1e-5, rtol=0)
    print(f"outputs agree: {'yes' if ok else 'NO'} (max |lstmviz - torch| = {diff:.2e}, atol 1e-5)")
    if not ok:
        status = 1
    t_t = timed(run_torch, args.repeat)
    med_t = statistics.median(t_t)
    print(f"torch.nn.{args.cell}: median {med_t * 1e3:8.1f} ms  (min {min(t_t) * 1e3:.1f}, "
          f"max {max(t_t) * 1e3:.1f}, n={len(t_t)})")
    # on a shared machine the load drifts: also time the two back to back, pair by pair
    pairs = []
    for _ in range(args.repeat):
        a = timed(lambda: model.trace(x), 1, warmup=0)[0]
        b = timed(run_torch, 1, warmup=0)[0]
        pairs.append(a / b)
    ratio = statistics.median(pairs)
    print(f"ratio lstmviz / torch: {ratio:.2f}x (median of back-to-back pairs; "
          f"{med_np / med_t:.2f}x on medians, {min(t_np) / min(t_t):.2f}x on best runs); "
          f"goal <= 1.5x (issue 2): {'met' if ratio <= 1.5 else 'NOT met'}; "
          f"<= 1.2x (issue 13, README's target): {'met' if ratio <= 1.2 else 'NOT met'}")
    # the floor: the T recurrent products h_{t-1} @ U that neither side can batch
    U = model.get_layer("rnn").weights[1]
    h = np.ascontiguousarray(y[:, 0])
    buf = np.empty((args.steps,) + h.shape[:1] + U.shape[1:], np.float32)
    ht, Ut, bt = torch.from_numpy(h), torch.from_numpy(U), torch.from_numpy(buf)
    f_np = min(timed(lambda: [np.matmul(h, U, out=buf[t]) for t in range(args.steps)], args.repeat))
    f_t = min(timed(lambda: [torch.mm(ht, Ut, out=bt[t]) for t in range(args.steps)], args.repeat))
    print(f"floor, {args.steps} x h@U alone (best): NumPy/OpenBLAS {f_np * 1e3:.1f} ms, "
          f"torch/MKL {f_t * 1e3:.1f} ms")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
