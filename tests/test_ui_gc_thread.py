"""The app's process collects garbage cycles on the window's thread only: a worker thread that
allocates past the collector's thresholds does not collect (it could delete Qt objects the
window dropped, away from their thread); the window's timer does. In a child process: the
suite's own collector stays as it is."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import gc, threading, time, weakref
    from PySide6 import QtWidgets
    from lstmviz.ui.app import collect_on_gui_thread
    app = QtWidgets.QApplication([])
    assert gc.isenabled()
    collect_on_gui_thread()
    assert not gc.isenabled() and collect_on_gui_thread() is collect_on_gui_thread()

    class Node:
        pass

    freed = []
    kept = []

    def worker():
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the cyclic collector frees it
        weakref.finalize(a, lambda: freed.append(threading.get_ident()))
        del a, b
        kept.extend([Node()] for _ in range(200_000))  # far past every generation's threshold

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert freed == [], "collected on the worker thread"
    end = time.monotonic() + 5
    while not freed and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    assert freed == [threading.main_thread().ident], freed
    print("ok")
""")


def test_cycles_are_collected_on_the_window_thread_only():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
