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
