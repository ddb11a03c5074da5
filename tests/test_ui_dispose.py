"""A closed window leaves nothing of itself behind: its Python side (state, traces, views,
the Train tab) is freed, so a notebook that opens and closes windows does not grow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import gc, os, weakref
from PySide6 import QtWidgets
app = QtWidgets.QApplication([])
from lstmviz.ui.app import dispose, make_window
windows, views = [], []
for i in range(2):
    w = make_window(None, theme="dark", quiet=True)
    w.resize(1024, 768)
    w.show()
    for _ in range(5):
        app.processEvents()
    for k in range(w.tabs.count()):  # every tab shown (the Train tab built), resized on each
        w.tabs.setCurrentIndex(k)
        w.resize(900 + 40 * k, 700)
        for _ in range(5):
            app.processEvents()
    windows.append(weakref.ref(w))
    views += [weakref.ref(v) for v in w.views]
    dispose(w)
    del w
    for _ in range(5):
        app.processEvents()
gc.collect()
print("windows", sum(r() is not None for r in windows), "views", sum(r() is not None for r in views))
"""


def test_a_disposed_window_is_freed_with_its_views_and_train_tab():
    """Two windows shown on every tab, then disposed: none stays alive (each did: PySide kept
    the window's ``singleShot(0, self, self._ask_again)`` callable, set while it was torn
    down, and two of the Train tab's plot lambdas holding the panel, with all it reaches)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-X", "faulthandler", "-c", SCRIPT], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split("\n")[-2] == "windows 0 views 0", r.stdout


def test_later_calls_its_owner_and_not_one_that_is_gone(qtbot):
    from PySide6 import QtCore, QtWidgets

    from lstmviz.ui.later import later

    calls = []
    kept, gone = QtCore.QObject(), QtCore.QObject()
    later(kept, lambda o: calls.append(o))
    later(gone, lambda o: calls.append(o))
    gone.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: len(calls) >= 1)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert calls == [kept]
