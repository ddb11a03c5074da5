#!/usr/bin/env python3
"""Benchmark: is the window smooth while the Train tab trains? (issue 11)

Trains LSTM(128) (return_sequences, mse over every step) on batch 32 x 100 steps x 32
inputs in the Train tab of a real window (offscreen), in the tab's training process
(``app/train_process.py``; ``--thread``: on a worker thread of the window's process, as
before that process existed), and measures on the UI thread:

- the event loop's frame gaps: the actual intervals of a 16 ms QTimer (median, 95th
  percentile, max), first with the window idle (the peer, same run), then while training;
  target: 60 frames a second, i.e. the 95th percentile at most 16.7 ms + 1 ms timer slack;
- the Train tab's plot refreshes per second (its 16 ms timer), and how many of them took a
  new update (target >= 10 a second; each is drawn in four stages on the next ticks; that
  rate is bounded by the training update's own time, printed beside it: a new point cannot
  be drawn before the update made it);
- the UI thread's time per refresh that drew (target <= 5 ms, a third of a frame).

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_train_gui.py [--seconds 12]
        [--thread [--switch-interval 0]]   # a worker thread (at Python's default 5 ms switch interval)

The first Play starts the training process (about a second); the measurement starts once
its first update has come back, so it times training, not the start.

A benchmark, not a test: exits 0. On a shared machine, absolute figures move with the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtWidgets  # noqa: E402

from lstmviz.app import tasks  # noqa: E402
from lstmviz.app.state import AppState  # noqa: E402
from lstmviz.app.train_user import user_session  # noqa: E402
from lstmviz.app.training import Settings  # noqa: E402
from lstmviz.engine import LayerSpec, Model  # noqa: E402
from lstmviz.ui.main_window import MainWindow, apply_chrome  # noqa: E402


def gaps_during(app, seconds: float, interval_ms: int = 16) -> list[float]:
    """The actual intervals (ms) of an ``interval_ms`` QTimer over ``seconds``."""
    stamps: list[float] = []
    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.setInterval(interval_ms)
    timer.timeout.connect(lambda: stamps.append(time.perf_counter()))
    timer.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.0005)  # an event loop waiting for the next event
    timer.stop()
    return [1000 * (b - a) for a, b in zip(stamps, stamps[1:])]


def summary(gaps: list[float]) -> tuple[float, float, float]:
    a = np.asarray(gaps)
    return float(np.median(a)), float(np.percentile(a, 95)), float(a.max())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=12.0, help="training time measured (default 12)")
    ap.add_argument("--samples", type=int, default=128)
    ap.add_argument("--thread", action="store_true",
                    help="train on a worker thread of the window's process instead of the training process")
    ap.add_argument("--switch-interval", type=float, default=None,
                    help="with --thread: the worker's switch interval (s; 0: leave Python's); default: the panel's")
    ap.add_argument("--tab", default="Curves",
                    help="the Train tab's plot tab shown while training (Curves, dL/dh, Connectivity, Gates, "
                         "Updates; default Curves)")
    args = ap.parse_args(argv)

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["bench"])
    apply_chrome(app)
    w = MainWindow(AppState())
    w.resize(1400, 900)
    w.show()
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    model = Model.sequential((None, 100, 32), [LayerSpec("LSTM", {"units": 128, "return_sequences": True})],
                             seed=0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.samples, 100, 32)).astype(np.float32)
    y = rng.normal(size=(args.samples, 100, 128)).astype(np.float32)
    data = tasks.Data(x, y, x[:0], y[:0])
    settings = Settings(optimizer="adam", batch_size=32, epochs=1000, shuffle=False)

    panel.use_session(user_session(model, data, "mse", settings))
    panel.use_process = not args.thread
    tabs = [panel.plot_tabs.tabText(k) for k in range(panel.plot_tabs.count())]
    if args.tab not in tabs:
        ap.error(f"--tab: one of {', '.join(tabs)}")
    panel.plot_tabs.setCurrentIndex(tabs.index(args.tab))
    if args.switch_interval is not None:
        panel.switch_interval = args.switch_interval or None
    for _ in range(20):
        app.processEvents()
    idle = gaps_during(app, 3.0)

    refreshes: list[tuple[float, float, bool]] = []  # (start, ms, drew new data)
    original = panel.refresh

    def timed_refresh(force: bool = False) -> None:
        before = panel._drawn, len(panel._stages)
        t = time.perf_counter()
        original(force)
        drew = panel._drawn != before[0] or len(panel._stages) < before[1]  # a new update, or a stage of it
        refreshes.append((t, 1000 * (time.perf_counter() - t), drew, panel._drawn != before[0]))

    panel.timer.timeout.disconnect()
    panel.timer.timeout.connect(timed_refresh)
    panel.set_playing(True)
    if panel.process.playing:  # the training process started: time its training, not its start
        deadline = time.perf_counter() + 60
        while panel.session.iteration < 1 and time.perf_counter() < deadline:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
            time.sleep(0.001)
    where = (f"in the training process (pid {panel.process.pid})" if panel.process.playing
             else f"on a worker thread of the window's process{' (' + panel._error + ')' if panel._error else ''}")
    it0 = panel.session.view().iteration
    t_start = time.perf_counter()
    training = gaps_during(app, args.seconds)
    elapsed = time.perf_counter() - t_start
    its = panel.session.view().iteration - it0
    panel.stop()

    ticks = [r for r in refreshes if r[0] >= t_start]
    drew = [r for r in ticks if r[2]]
    new_updates = [r for r in ticks if r[3]]
    gui_ms = 1000 * elapsed / max(its, 1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"lstmviz Train tab bench: LSTM(128), batch 32 x 100 steps x 32 inputs, Adam, mse; "
          f"{args.seconds:.0f} s of training {where}, the {args.tab} tab shown; load average {load:.1f} on "
          f"{os.cpu_count()} cores")
    print("event loop, 16 ms timer's actual intervals (median / 95th percentile / max):")
    for name, g in (("idle window (peer)", idle), ("while training", training)):
        med, p95, mx = summary(g)
        print(f"  {name:<30} {med:6.1f} / {p95:6.1f} / {mx:6.1f} ms")
    med, p95, mx = summary(training)
    ok = "ok" if p95 <= 17.7 else "NOT MET"
    print(f"  60 frames a second: 95th percentile {p95:.1f} ms, target <= 17.7 ms: {ok} "
          f"(median {med:.1f} ms, {1000 / med:.0f} fps)")
    rate = len(ticks) / elapsed
    new_rate = len(new_updates) / elapsed
    print(f"plot refreshes a second while training: {rate:5.1f}")
    print(f"  ... that drew a new update: {new_rate:5.2f} a second (bounded by the updates: "
          f"{1000 / gui_ms:.2f} a second, {gui_ms:.0f} ms each; the 10 a second target "
          f"{'met' if new_rate >= 10 else 'NOT MET: one update takes over 100 ms'})")
    if drew:
        cost = [r[1] for r in drew]
        print(f"UI time per refresh that drew (a new update's first stage or a later one): median "
              f"{statistics.median(cost):.1f} ms, 95th percentile {np.percentile(cost, 95):.1f} ms, max "
              f"{max(cost):.1f} ms   target <= 5 ms (median): {'ok' if statistics.median(cost) <= 5 else 'NOT MET'}")
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
