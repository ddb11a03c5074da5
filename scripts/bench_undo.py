#!/usr/bin/env python3
"""Benchmark: what an edit's undo snapshot costs, and whether it grows with the edits made
or with the input's length.

A stack of ``--layers`` layers (LSTM and Dense in turn, 8 units, weights held as an opened
file's) on a ``.npy`` input of ``--steps`` steps of 3 features (File > Import input), then
``--edits`` edits of one kind: ``numbers`` (one number of the input at a time, as the input
table edits it), or ``options`` (a Dense's activation, back and forth: weights kept). Prints,
every so many edits, the time ``History.snapshot`` takes (median of 5), the time the edit
takes whole (the model built and traced again), and the memory the history holds
(``history.held_bytes``: each array once, a patch by its numbers, a mapped file none).

    .venv/bin/python scripts/bench_undo.py [--steps 100000] [--layers 20] [--edits 120]
                                           [--kind numbers|options]

This is a benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lstmviz.app import history  # noqa: E402
from lstmviz.app.state import AppState  # noqa: E402
from lstmviz.engine import LayerSpec, Model  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--layers", type=int, default=20)
    ap.add_argument("--edits", type=int, default=120)
    ap.add_argument("--kind", choices=("numbers", "options"), default="numbers")
    args = ap.parse_args()
    specs = [LayerSpec("LSTM", {"units": 8, "return_sequences": True}, name=f"lstm_{k}") if k % 2 == 0
             else LayerSpec("Dense", {"units": 8}, name=f"dense_{k}") for k in range(args.layers)]
    state = AppState()
    state.set_model(Model.sequential((None, None, 3), specs, seed=1))
    x = np.random.default_rng(0).normal(size=(1, args.steps, 3)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "x.npy", x)
        state.import_input(Path(tmp) / "x.npy")
    print(f"{args.layers} layers, input {x.shape} ({x.nbytes / 1e6:.1f} MB), "
          f"long input: {state.long is not None}, {args.kind} edits")
    every = max(1, args.edits // 10)
    for e in range(args.edits):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            state.snapshot()
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        if args.kind == "numbers":
            state.set_input_value(0, (e * 7919) % args.steps, e % 3, float(e))
        else:
            k = (2 * e + 1) % args.layers
            k = k if k % 2 else (k + 1) % args.layers
            state.set_layer_option(k, "activation", "relu" if state.layers[k].config.get("activation") != "relu"
                                   else "tanh")
        edit = time.perf_counter() - t0
        if e % every == 0 or e == args.edits - 1:
            held = history.held_bytes(state.undo_stack + state.redo_stack)
            print(f"edit {e + 1:4d}: history {len(state.undo_stack):3d} snapshots, holds {held / 1e6:7.2f} MB; "
                  f"snapshot {statistics.median(times) * 1e3:.3f} ms; the edit {edit * 1e3:.1f} ms"
                  + (f"; error: {state.error}" if state.error else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
