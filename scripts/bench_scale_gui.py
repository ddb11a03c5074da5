#!/usr/bin/env python
"""GUI part of the scale benchmark (issue 13), in the app's venv (no torch needed):
2 x LSTM(512), batch 1, 100,000 steps in the long-sequence window (offscreen).

1. time to first picture: from opening the window to the first window painted (the
   keyframe pass starts in the background at the same moment);
2. the keyframe pass, while the window stays responsive (the longest gap between two
   event-loop turns while it runs);
3. seek to a random step: the exact window around it recomputed from keyframes (when the
   step leaves the window on screen), every plot updated, the window repainted.

4. the main window (``--main``): the same model and input opened as the main window's
   input (over the trace budget: a long input); seek to a random step with the shown
   tab updated and repainted: at once (the exact chunk of 16 steps holding the step), and
   until the whole window, computed on a thread, is swapped in and repainted (the app
   starts that thread once the seeking pauses, after the step's paint; here
   ``wait_prefetch`` starts it).
5. playing (``--play``): the main window's Over time tab plays the long input at 60 steps a
   second for 10 s (``--play-seconds``): the intervals between steps, and each step into
   the next window of steps (every 128 steps) with the window thread's CPU time it took
   until the next step (the new window drawn and painted; a frame is 16.7 ms).

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_scale_gui.py [--steps 100000] [--seeks 30] [--main]
       [--play [--play-seconds 10]]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--seeks", type=int, default=30)
    ap.add_argument("--main", action="store_true", help="only part 4: the main window")
    ap.add_argument("--play", action="store_true", help="only part 5: playing in the main window")
    ap.add_argument("--play-seconds", type=float, default=10.0)
    args = ap.parse_args(argv)
    import numpy as np
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["bench"])
    import pyqtgraph as pg

    from lstmviz.engine import LayerSpec, Model
    from lstmviz.ui.long_view import LongSequenceWindow

    pg.setConfigOptions(imageAxisOrder="row-major")
    model = Model.sequential((None, None, 64), [
        LayerSpec("LSTM", {"units": 512, "return_sequences": True}, name="lstm0"),
        LayerSpec("LSTM", {"units": 512, "return_sequences": True}, name="lstm1")], seed=0)
    x = np.random.default_rng(1).normal(size=(1, args.steps, 64)).astype(np.float32)
    print(f"2 x LSTM(512), batch 1, {args.steps:,} steps; offscreen 1400x800; "
          f"load average {os.getloadavg()[0]:.1f}")
    if args.main or args.play:
        return main_window(app, x, args.seeks, args.play_seconds if args.play else None)

    t0 = time.perf_counter()
    w = LongSequenceWindow(model, x)
    w.show()
    w.repaint()
    first = time.perf_counter() - t0
    print(f"  first picture: {first * 1e3:.0f} ms (target: at once)")

    gaps, last = [], time.perf_counter()
    while w._worker is not None:
        app.processEvents()
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
        time.sleep(0.01)
    w.wait(3600)
    total = time.perf_counter() - t0
    print(f"  keyframe pass and first summary: {total:.1f} s; longest event-loop gap meanwhile "
          f"{max(gaps) * 1e3:.0f} ms (the window stays responsive)")

    rng = np.random.default_rng(2)
    times = []
    for step in rng.integers(0, args.steps, size=args.seeks):
        t0 = time.perf_counter()
        w.seek(int(step))
        w.repaint()
        times.append(time.perf_counter() - t0)
    print(f"  seek to a random step, exact window recomputed, plots updated, repainted: median "
          f"{statistics.median(times) * 1e3:.1f} ms, max {max(times) * 1e3:.1f} ms "
          f"(goal <= 16 ms: {'met' if statistics.median(times) <= 0.016 else 'NOT met'})")
    near = []
    for _ in range(args.seeks):
        t0 = time.perf_counter()
        w.seek(w.step + 1)
        w.repaint()
        near.append(time.perf_counter() - t0)
    print(f"  step to the next step (same window): median {statistics.median(near) * 1e3:.1f} ms")
    w.close()
    return 0


def main_window(app, x, seeks: int, play: float | None = None) -> int:
    import numpy as np
    from PySide6 import QtCore

    from lstmviz.app.long_sequence import QUICK_STEPS
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState
    from lstmviz.ui import theme as th
    from lstmviz.ui.main_window import MainWindow, apply_chrome

    th.apply("dark", app)
    apply_chrome(app)
    layers = []
    for _ in range(2):
        cfg = default_config("LSTM", None, units=512)
        cfg["return_sequences"] = True
        layers.append(LayerEntry("LSTM", cfg))
    state = AppState(layers, InputSpec(input_dim=64, timesteps=20))
    settings = QtCore.QSettings("/tmp/lstmviz-bench-settings.ini", QtCore.QSettings.Format.IniFormat)
    w = MainWindow(state, settings=settings, quiet=True)
    w.resize(1400, 800)
    w.show()
    app.processEvents()
    t0 = time.perf_counter()
    state.set_input_data(x)
    w.repaint()
    t_first = time.perf_counter() - t0
    seq = state.long
    t_window = None
    while seq is not None and seq.is_quick(state.trace) and time.perf_counter() - t0 < 60:
        app.processEvents()  # (the runner's timer swaps the first window in once it is there)
        if not seq.is_quick(state.trace):
            w.repaint()
            t_window = time.perf_counter() - t0
        time.sleep(0.001)
    then = (f"; the {seq.window}-step first window, computed by the worker before its pass, "
            f"painted after {t_window * 1e3:.0f} ms" if seq is not None and t_window is not None else "")
    print(f"  main window: input of {x.shape[1]:,} steps set, its first {QUICK_STEPS} steps painted in "
          f"{t_first * 1e3:.0f} ms (long input: {seq is not None}; target: at once){then}")
    w.long_runner.wait(3600)
    app.processEvents()
    print(f"  keyframe pass and overviews: {time.perf_counter() - t0:.1f} s")
    seq = state.long
    if play is not None:
        return playing(app, w, play)
    rng = np.random.default_rng(3)
    for title in ("Over time", "Unrolled", "Cell"):
        k = next(i for i, v in enumerate(w.views) if v.title == title)
        w.tabs.setCurrentIndex(k)
        app.processEvents()
        at_once, whole, sync = [], [], []
        for step in rng.integers(0, x.shape[1], size=seeks):
            t0 = time.perf_counter()
            state.set_cursor(step=int(step))
            # what the event loop does next: the layouts new texts ask for, then the changed
            # widgets painted (``window.repaint()`` paints no graphics view's scene)
            app.processEvents()
            at_once.append(time.perf_counter() - t0)
            seq.wait_prefetch()
            w.long_runner.poll()  # what its timer does: the whole window swapped in
            app.processEvents()
            whole.append(time.perf_counter() - t0)
            # the peer, back to back: the whole window computed before the views draw it
            other = int((step + x.shape[1] // 2) % x.shape[1])
            t0 = time.perf_counter()
            seq.window_at(other)
            state.set_cursor(step=other)
            app.processEvents()
            sync.append(time.perf_counter() - t0)
            seq.wait_prefetch()
            w.long_runner.poll()
            app.processEvents()
        med = statistics.median(at_once)
        print(f"  {title}: seek to a random step, tab updated and repainted: at once (the exact "
              f"{QUICK_STEPS} steps holding it) median {med * 1e3:.1f} ms, max {max(at_once) * 1e3:.1f} ms "
              f"(goal <= 16 ms: {'met' if med <= 0.016 else 'NOT met'}); the whole "
              f"{seq.window}-step window painted after median "
              f"{statistics.median(whole) * 1e3:.0f} ms; the whole window computed first (as "
              f"before the chunk): median {statistics.median(sync) * 1e3:.0f} ms, "
              f"{statistics.median(sync) / med:.1f}x the chunk's")
    w.close()
    return 0


def playing(app, w, seconds: float) -> int:
    import numpy as np
    from PySide6 import QtCore

    from lstmviz.ui.player import SPEEDS

    state, seq = w.state, w.state.long
    k = next(i for i, v in enumerate(w.views) if v.title == "Over time")
    w.tabs.setCurrentIndex(k)
    state.set_cursor(step=1000)
    seq.wait_prefetch()
    w.long_runner.poll()
    app.processEvents()
    stamps, steps, cpus = [], [], []

    def changed(change):
        if change.cursor:
            stamps.append(time.perf_counter())
            steps.append(state.cursor.step)
            cpus.append(time.thread_time())

    state.changed.connect(changed)
    player = w.player
    player.speed.setCurrentIndex(SPEEDS.index(60))
    player.play()
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    player.pause()
    state.changed.disconnect(changed)
    gaps = np.diff(stamps) * 1e3
    cpu = np.diff(cpus) * 1e3
    crossing = [i for i in range(len(gaps)) if seq.start_of(steps[i]) != seq.start_of(steps[i] - 1)]
    print(f"  Over time, playing at 60 steps/s for {seconds:g} s: {len(stamps)} steps; interval p50 "
          f"{np.median(gaps):.1f} ms, p95 {np.percentile(gaps, 95):.1f}, over 33 ms: {int((gaps > 33).sum())} "
          f"({sum(1 for i in crossing if gaps[i] > 33)} of them at a step into the next window)")
    print("  steps into the next window (step: interval to the next step, window thread's CPU meanwhile): "
          + ", ".join(f"{steps[i]}: {gaps[i]:.0f}/{cpu[i]:.0f} ms" for i in crossing)
          + f"; other steps' CPU p50 {np.median(np.delete(cpu, crossing)):.1f} ms")
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
