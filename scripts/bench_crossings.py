#!/usr/bin/env python3
"""Benchmark: a first threshold-crossings search over a long input (Units at scale, issue 13).

A GRU(64) over ``--steps`` steps (default 100,000) of noise with rare raised spans, its
keyframe pass and overviews run as the app runs them; then, on the unit of widest range,
thresholds at 90%, 60% and 50% of its range: ``scale.find_crossings`` of every step (the
peer: what a first search cost before) against the same given the record's overview
(``crossing_spans``: only the bins that may cross recomputed), in turn, 3 rounds, medians of
wall and process CPU time. Both must find the same steps (checked). Target printed beside:
where the bins' steps are at most 5% of the sequence, the search by the bins at least 5x
faster; where they are over ``scale.BINNED_SHARE``, every step is searched as before (ratio ~1).

Run: PYTHONPATH=. python scripts/bench_crossings.py [--steps N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lstmviz.app import scale
from lstmviz.app.long_sequence import LongSequence
from lstmviz.engine import LayerSpec, Model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    T = ap.parse_args().steps
    rounds = ap.parse_args().rounds
    model = Model.sequential((None, None, 8), [LayerSpec("GRU", {"units": 64, "return_sequences": True}, name="g")],
                             seed=1)
    t = np.arange(T)
    x = np.random.default_rng(0).normal(size=(1, T, 8)).astype(np.float32)
    x[0, :, 0] += 3 * (np.sin(t / 5000.0) > 0.995)  # rare spans: a unit tracking them goes high there
    seq = LongSequence(model, x)
    t0 = time.perf_counter()
    assert seq.run_pass(), seq.error
    t1 = time.perf_counter()
    assert seq.run_overviews(), seq.error
    print(f"GRU(64), {T:,} steps: keyframe pass {t1 - t0:.1f} s, overviews {time.perf_counter() - t1:.1f} s")
    ov, wt = seq.overviews[("g", "h")], seq.windowed
    unit = int(np.argmax(ov.hi.max(0) - ov.lo.min(0)))
    top, bot = float(ov.hi[:, unit].max()), float(ov.lo[:, unit].min())
    for name, share_of_range in (("90% of its range", 0.9), ("60%", 0.6), ("50%", 0.5)):
        thr = bot + share_of_range * (top - bot)
        _, spans = scale.crossing_spans(ov, unit, thr, wt.every)
        share = sum(b - a for a, b in spans) / T
        runs: dict[str, list] = {"every step": [], "by the bins": []}
        for _ in range(rounds):
            for way, given in (("every step", None), ("by the bins", ov)):
                c0, w0 = time.process_time(), time.perf_counter()
                got = scale.find_crossings(wt, "g", "h", unit, thr, "both", overview=given)
                runs[way].append((time.perf_counter() - w0, time.process_time() - c0, got))
        assert all(np.array_equal(a[2], b[2]) for a, b in zip(runs["every step"], runs["by the bins"]))
        med = {way: (float(np.median([r[0] for r in rs])), float(np.median([r[1] for r in rs])))
               for way, rs in runs.items()}
        ratio = med["every step"][0] / max(med["by the bins"][0], 1e-9)
        target = ">= 5x" if share <= 0.05 else "~1x (every step)" if share > scale.BINNED_SHARE else "> 1x"
        print(f"threshold at {name:17s} (unit {unit}, {len(runs['every step'][0][2]):,} crossings): bins' steps "
              f"{share:6.1%}; every step {med['every step'][0]:6.2f} s wall ({med['every step'][1]:.2f} s CPU), "
              f"by the bins {med['by the bins'][0]:6.2f} s ({med['by the bins'][1]:.2f} s CPU): {ratio:.1f}x "
              f"(target {target})")


if __name__ == "__main__":
    main()
