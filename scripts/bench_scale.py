#!/usr/bin/env python3
"""Benchmark: real sizes (issue 13). Every figure is printed beside its target, and every
ratio is against torch measured in the same run, as the median of back-to-back pairs.

1. every core: a full trace (every intermediate recorded) of batch 32 x 200 steps x 64
   inputs into LSTM(256) against torch.nn.LSTM's forward with the same weights; with one
   thread each, then with both free to use every core. Target <= 1.2x in both.
2. states-only: the keyframe pass (``engine.windows.keyframe_pass``) of the same LSTM(256)
   over 100,000 steps at batch 1 against torch's forward. Target <= 1.2x, both ways.
3. scale: 2 x LSTM(512), batch 1, 100,000 steps: time to the first picture (the first
   16 steps traced, as the app draws them at once; the first window after them), the
   keyframe pass against torch's two-layer forward with one thread each and with every
   core each (the engine runs the two layers at once, one on a thread of its own: at
   batch 1 there is no batch to split; target <= 1.2x both ways), peak memory (tracemalloc: every
   NumPy array; goal < 1 GB), and seeking to a random step: what the app draws at once
   (the 16 steps holding it, every record the views read) and a 128-step window around
   it, both recomputed from keyframes (goal within one 16 ms frame with the views; the
   views' part is bench_scale_gui.py's).
4. a CNN-LSTM: a causal Conv1D(32, kernel 5) over batch 1 x the steps x 8 inputs, then
   LSTM(256): the Conv1D over the whole sequence (chunks of 16 output steps, one BLAS
   thread: ``engine/conv.py``) against torch's conv1d of the same weights, its share of
   the keyframe pass, and a 128-step window at random steps (the window reads the steps its
   outputs reach, in the whole trace's chunks). No target: what the windowed Conv1D costs.

    PYTHONPATH=. .venv/bin/python scripts/bench_scale.py [--repeat 3] [--steps 100000]
                                                                [--part 1 2 3 4]

torch is optional (``pip install -e '.[bench]'``); without it only lstmviz's figures print.
A benchmark, not a test: it exits 0 unless outputs disagree.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import timed  # noqa: E402

from lstmviz.app.long_sequence import QUICK_STEPS  # noqa: E402
from lstmviz.engine import LayerSpec, Model, blas, recurrent, workspace  # noqa: E402
from lstmviz.engine.windows import keyframe_pass  # noqa: E402

CORES = recurrent.cores()


def use_threads(n: int, torch=None) -> None:
    """n threads for NumPy's BLAS, the engine's batch blocks, and torch."""
    blas.set_threads(n)
    recurrent.set_threads(n)
    if torch is not None:
        torch.set_num_threads(n)


def lstm_stack(d, units, layers, seed=0):
    specs = [LayerSpec("LSTM", {"units": units, "return_sequences": True}, name=f"lstm{k}")
             for k in range(layers)]
    model = Model.sequential((None, None, d), specs, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for k in range(layers):  # non-trivial biases so a wrong bias mapping cannot pass
        layer = model.get_layer(f"lstm{k}")
        kernel, rec, bias = layer.weights
        layer.set_weights([kernel, rec, bias + rng.normal(scale=0.1, size=bias.shape).astype(np.float32)])
    return model


def torch_lstm(model, torch, layers):
    """torch.nn.LSTM(num_layers=layers) with the model's weights (gates i, f, c, o are
    torch's i, f, g, o; Keras' one bias is bias_ih, bias_hh is zero)."""
    first = model.get_layer("lstm0").weights[0]
    units = first.shape[1] // 4
    net = torch.nn.LSTM(first.shape[0], units, num_layers=layers, batch_first=True)
    with torch.no_grad():
        for k in range(layers):
            kernel, rec, bias = model.get_layer(f"lstm{k}").weights
            getattr(net, f"weight_ih_l{k}").copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
            getattr(net, f"weight_hh_l{k}").copy_(torch.from_numpy(np.ascontiguousarray(rec.T)))
            getattr(net, f"bias_ih_l{k}").copy_(torch.from_numpy(bias))
            getattr(net, f"bias_hh_l{k}").zero_()
    net.eval()
    return net


def torch_runner(model, torch, x, layers=1):
    """torch's forward of ``x`` through the model's weights, as a callable."""
    net = torch_lstm(model, torch, layers)
    xt = torch.from_numpy(x)

    def run():
        with torch.inference_mode():
            return net(xt)[0]
    return run


CPU_RATIOS: list = []


def pairs(ours, theirs, repeat):
    """Medians of each side and of the ratio, from back-to-back pairs (load drifts).
    Also keeps the median ratio of the calling thread's CPU time (``CPU_RATIOS[-1]``):
    with one thread each it is what a busy machine distorts least."""
    ours(), theirs()  # warm up
    a, b, r, c = [], [], [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.thread_time()
        ours()
        t1, c1 = time.perf_counter(), time.thread_time()
        theirs()
        t2, c2 = time.perf_counter(), time.thread_time()
        a.append(t1 - t0)
        b.append(t2 - t1)
        r.append((t1 - t0) / (t2 - t1))
        c.append((c1 - c0) / max(1e-9, c2 - c1))
    CPU_RATIOS.append(statistics.median(c))
    return statistics.median(a), statistics.median(b), statistics.median(r)


def cpu_note(n):
    return f"; CPU time of the thread {CPU_RATIOS[-1]:.2f}x" if n == 1 else ""


def verdict(value, target):
    return "met" if value <= target else "NOT met"


def agree(name, ours, theirs, atol):
    diff = float(np.max(np.abs(ours - theirs)))
    ok = diff <= atol
    print(f"  outputs agree with torch: {'yes' if ok else 'NO'} (max diff {diff:.1e}, atol {atol:g})")
    return ok


def part_every_core(torch, repeat):
    print("1. full trace, batch 32 x 200 steps x 64 inputs -> LSTM(256), every intermediate "
          "recorded")
    model = lstm_stack(64, 256, 1)
    x = np.random.default_rng(2).normal(size=(32, 200, 64)).astype(np.float32)
    ok = True
    for n in (1, CORES):
        use_threads(n, torch)
        label = "one thread each" if n == 1 else f"every core ({n} threads each)"
        if torch is None:
            t = statistics.median(timed(lambda: model.trace(x), repeat, warmup=0))
            print(f"  {label}: lstmviz {t * 1e3:.1f} ms (torch not installed)")
            continue
        run_torch = torch_runner(model, torch, x)
        if n == 1:
            ok &= agree("trace", model.trace(x).output, run_torch().numpy(), 1e-5)
        a, b, r = pairs(lambda: model.trace(x), run_torch, repeat)
        print(f"  {label}: lstmviz {a * 1e3:.1f} ms, torch {b * 1e3:.1f} ms, ratio {r:.2f}x "
              f"(target <= 1.2x: {verdict(r, 1.2)}){cpu_note(n)}")
    return ok


def part_states_only(torch, repeat, steps):
    print(f"2. states-only pass, batch 1 x {steps:,} steps x 64 inputs -> LSTM(256) "
          "(keyframes kept, nothing recorded per step)")
    model = lstm_stack(64, 256, 1)
    x = np.random.default_rng(3).normal(size=(1, steps, 64)).astype(np.float32)
    ok = True
    for n in (1, CORES):
        use_threads(n, torch)
        label = "one thread each" if n == 1 else f"every core ({n} threads each)"
        if torch is None:
            t = statistics.median(timed(lambda: keyframe_pass(model, x), repeat, warmup=0))
            print(f"  {label}: lstmviz {t:.2f} s (torch not installed)")
            continue
        run_torch = torch_runner(model, torch, x)
        if n == 1:
            ok &= agree("pass", keyframe_pass(model, x).output, run_torch().numpy(), 1e-4)
        a, b, r = pairs(lambda: keyframe_pass(model, x), run_torch, repeat)
        print(f"  {label}: lstmviz {a:.2f} s ({a / steps * 1e6:.1f} us/step), torch {b:.2f} s "
              f"({b / steps * 1e6:.1f} us/step), ratio {r:.2f}x (target <= 1.2x: {verdict(r, 1.2)})"
              f"{cpu_note(n)}")
    return ok


def part_scale(torch, repeat, steps, window=128, seeks=20, threads=1):
    print(f"3. scale: 2 x LSTM(512), batch 1, {steps:,} steps x 64 inputs; the pass on one thread "
          "each and on every core (--scale-threads N: N only), the rest on "
          f"{'every core' if threads != 1 else 'one thread'}")
    use_threads(threads, torch)
    model = lstm_stack(64, 512, 2)
    x = np.random.default_rng(4).normal(size=(1, steps, 64)).astype(np.float32)
    ok = True

    # time to first picture: the app draws the first QUICK_STEPS steps at once, a plain
    # trace of them (the same numbers as those steps of the whole sequence); the worker
    # computes the first window before its keyframe pass, the views draw it when it is there
    first = 256
    t_quick = statistics.median(timed(lambda: model.trace(x[:, :QUICK_STEPS]).flat(), max(3, repeat), warmup=0))
    t_first = statistics.median(timed(lambda: model.trace(x[:, :first]).flat(), max(3, repeat), warmup=0))
    print(f"  first picture: the first {QUICK_STEPS} steps traced with every record in "
          f"{t_quick * 1e3:.1f} ms (target: at once, < 100 ms: {verdict(t_quick, 0.1)}); the first "
          f"window of {first} steps, drawn when the worker has it, before its keyframe pass: "
          f"{t_first * 1e3:.1f} ms")

    # the keyframe pass, then torch's forward back to back (a 100,000-step pass takes
    # long: one pair unless --repeat), with one thread each and with every core each: at
    # batch 1 the engine runs the two layers at once, one on a thread of its own
    # (``windows._pipelined``), torch splits each step's products
    workspace.release()
    rng = np.random.default_rng(5)
    for n in ([threads] if threads != 1 else [1, CORES] if CORES > 1 else [1]):
        use_threads(n, torch)
        ratios, ours_s, theirs_s = [], [], []
        for k in range(max(1, repeat)):
            t0 = time.perf_counter()
            wt = keyframe_pass(model, x)
            a = time.perf_counter() - t0
            ours_s.append(a)
            if torch is not None:
                if k == 0:
                    run_torch = torch_runner(model, torch, x, layers=2)
                    torch_runner(model, torch, x[:, :100], layers=2)()  # warm up
                t0 = time.perf_counter()
                yt = run_torch().numpy()
                b = time.perf_counter() - t0
                theirs_s.append(b)
                ratios.append(a / b)
                if k == 0:
                    ok &= agree("pass", wt.output, yt, 1e-4)
            del wt
        how = "one thread each" if n == 1 else f"every core ({n} threads each)"
        if torch is not None:
            print(f"  keyframe pass, {how}: lstmviz {statistics.median(ours_s):.1f} s, torch's two-layer "
                  f"forward {statistics.median(theirs_s):.1f} s, ratio {statistics.median(ratios):.2f}x "
                  f"(target <= 1.2x: {verdict(statistics.median(ratios), 1.2)})")
        else:
            print(f"  keyframe pass, {how}: lstmviz {statistics.median(ours_s):.1f} s (torch not installed)")
    use_threads(threads, torch)
    # memory: every NumPy allocation of another pass and of three windows after it, on
    # every core as the app runs it (the two layers at once hold a little more)
    use_threads(CORES, torch)
    workspace.release()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    wt = keyframe_pass(model, x)
    for t in rng.integers(0, steps, size=3):
        s0 = int(max(0, min(steps - window, t - window // 2)))
        wt.window(s0, s0 + window).flat()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    use_threads(threads, torch)
    full = 1 * steps * 512 * 16 * 4 * 2
    print(f"  peak memory: {peak / 2**20:.0f} MiB (goal < 1024 MiB; a full trace would hold "
          f"~{full / 2**30:.1f} GiB); held after the pass: {wt.nbytes / 2**20:.1f} MiB, "
          f"keyframes every {wt.every} steps; input {x.nbytes / 2**20:.0f} MiB")

    records = ("i", "f", "c_tilde", "o", "c", "h", "pre", "x_proj", "h_proj")

    def seek(a: int, b: int) -> float:
        """Seconds to recompute steps a..b-1 with every record the views draw."""
        t0 = time.perf_counter()
        win = wt.window(a, b)
        for rec in win.layers.values():
            for key in records:
                rec.steps[key]
        return time.perf_counter() - t0

    quick = [seek(q, min(q + QUICK_STEPS, steps))
             for q in (int(t) // QUICK_STEPS * QUICK_STEPS for t in rng.integers(0, steps, size=seeks))]
    print(f"  seek to a random step, what the app draws at once: the {QUICK_STEPS} steps holding it with "
          f"every record, recomputed from the keyframe before them: median {statistics.median(quick) * 1e3:.1f} ms, "
          f"max {max(quick) * 1e3:.1f} ms (goal within a 16 ms frame with the views: "
          f"{verdict(statistics.median(quick), 0.016)} for the engine's part; the views' is bench_scale_gui.py's)")
    starts = (int(max(0, min(steps - window, t - window // 2))) for t in rng.integers(0, steps, size=seeks))
    times = [seek(a0, a0 + window) for a0 in starts]
    print(f"  seek to a random step ({window}-step window with every record, recomputed from "
          f"keyframes): median {statistics.median(times) * 1e3:.1f} ms, max {max(times) * 1e3:.1f} ms "
          f"(goal within a 16 ms frame with the views: {verdict(statistics.median(times), 0.016)} "
          "for the engine's part)")
    return ok


def part_conv(torch, repeat, steps, window=128, seeks=20):
    print(f"4. CNN-LSTM: causal Conv1D(32, kernel 5) -> LSTM(256), batch 1 x {steps:,} steps x 8 inputs, "
          "one thread")
    use_threads(1, torch)
    model = Model.sequential((None, None, 8), [
        LayerSpec("Conv1D", {"filters": 32, "kernel_size": 5, "padding": "causal"}, name="conv"),
        LayerSpec("LSTM", {"units": 256, "return_sequences": True}, name="lstm")], seed=0)
    conv = model.layers[0]
    x = np.random.default_rng(5).normal(size=(1, steps, 8)).astype(np.float32)
    ok = True
    ours = lambda: conv.call([x], [None])[0][0]  # noqa: E731
    if torch is None:
        t_conv = statistics.median(timed(ours, repeat, warmup=1))
        print(f"  the Conv1D over every step: {t_conv * 1e3:.0f} ms (torch not installed)")
    else:
        w = torch.from_numpy(np.ascontiguousarray(conv.weights[0].transpose(2, 1, 0)))  # (filters, in, k)
        b = torch.from_numpy(conv.weights[1])
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1)))

        def theirs():
            with torch.inference_mode():
                return torch.nn.functional.conv1d(torch.nn.functional.pad(xt, (4, 0)), w, b)
        ok &= agree("conv", ours(), theirs().numpy().transpose(0, 2, 1), 1e-4)
        t_conv, t_torch, r = pairs(ours, theirs, repeat)
        print(f"  the Conv1D over every step: lstmviz {t_conv * 1e3:.0f} ms, torch {t_torch * 1e3:.0f} ms, "
              f"ratio {r:.2f}x")
    t_pass = statistics.median(timed(lambda: keyframe_pass(model, x), repeat, warmup=0))
    print(f"  keyframe pass: {t_pass:.2f} s, the Conv1D {100 * t_conv / t_pass:.0f}% of it")
    wt = keyframe_pass(model, x)
    rng = np.random.default_rng(6)
    starts = rng.integers(0, steps - window, seeks)
    times = [timed(lambda a=int(a): wt.window(a, a + window).flat(), 1, warmup=0)[0] for a in starts]
    print(f"  a {window}-step window at {seeks} random steps: median {statistics.median(times) * 1e3:.1f} ms, "
          f"slowest {max(times) * 1e3:.1f} ms")
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--part", type=int, nargs="*", default=[1, 2, 3, 4])
    ap.add_argument("--scale-threads", type=int, default=1,
                    help="threads each for part 3 (default 1; 0 = every core)")
    args = ap.parse_args(argv)
    try:
        import torch
    except ImportError:
        torch = None
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, "
          f"{CORES} cores; load average {os.getloadavg()[0]:.1f} at start")
    print(f"OpenBLAS kernels: {blas.kernels()}")
    ok = True
    if 1 in args.part:
        ok &= part_every_core(torch, max(5, args.repeat * 3))
    if 2 in args.part:
        ok &= part_states_only(torch, args.repeat, args.steps)
    if 3 in args.part:
        ok &= part_scale(torch, args.repeat, args.steps, threads=args.scale_threads or CORES)
    if 4 in args.part:
        ok &= part_conv(torch, args.repeat, args.steps)
    print(f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine "
          "skews every figure; ratios are of back-to-back pairs)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
