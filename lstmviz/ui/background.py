"""Work on a thread while the window keeps painting: reading a model (a busy cursor) and
reading a long input (a progress dialog with Cancel) both run their work this way.

``Job(fn, name)`` starts ``fn()`` on a daemon thread; ``done_within(seconds)`` waits that
long for it (a quick read shows nothing); ``pump(flags, tick)`` turns the window's event
loop until it finishes, calling ``tick()`` between turns (a dialog's progress and Cancel);
``result()`` gives ``fn``'s value or raises its error on the window's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtWidgets

#: How long the event loop is turned at a time while the work runs (milliseconds).
TURN_MS = 50


class Job:
    def __init__(self, fn: Callable[[], Any], name: str) -> None:
        self._fn = fn
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as err:  # handed to the window's thread by result()
            self._error = err

    def done_within(self, seconds: float) -> bool:
        self._thread.join(seconds)
        return not self._thread.is_alive()

    def pump(self, flags=QtCore.QEventLoop.ProcessEventsFlag.AllEvents,
             tick: Callable[[], None] | None = None) -> None:
        """Turn the event loop (``flags``: which events) until the work has finished."""
        app = QtWidgets.QApplication.instance()
        while self._thread.is_alive():
            if tick is not None:
                tick()
            if app is not None:
                app.processEvents(flags, TURN_MS)
            self._thread.join(0.02)

    def result(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._value

    def pump_with_progress(self, parent: QtWidgets.QWidget, text: str, title: str, stop: threading.Event,
                           seen: list, quiet_s: float) -> None:
        """Wait ``quiet_s`` for the work (a quick one shows nothing), then turn the event loop
        under a window-modal progress dialog over ``parent`` until it ends: the dialog shows
        ``seen`` (``[done, total]``, which the work updates) and its Cancel sets ``stop``
        (reading a long input, finding a unit's crossings)."""
        if self.done_within(quiet_s):
            return
        dialog = QtWidgets.QProgressDialog(text, "Cancel", 0, 1000, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(stop.set)
        dialog.show()

        def tick() -> None:
            if dialog.wasCanceled():
                stop.set()
            done, total = seen
            dialog.setValue(int(1000 * done / max(1, total)))
        try:
            self.pump(tick=tick)
        finally:
            dialog.close()
            dialog.deleteLater()
