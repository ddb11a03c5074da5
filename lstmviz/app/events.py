"""Plain-Python events: the app state tells its listeners what changed, with no Qt.

A small version of napari's / glue's evented objects: ``event.connect(fn)``,
``event.emit(*args)``; ``blocked()`` silences an event while a widget writes back the
value it just showed, so the echo does not loop.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable


class Event:
    """A list of callbacks called in order on ``emit``."""

    def __init__(self, name: str = "event"):
        self.name = name
        self._callbacks: list[Callable] = []
        self._blocked = 0

    def connect(self, callback: Callable) -> Callable:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable | None = None) -> None:
        if callback is None:
            self._callbacks.clear()
        elif callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args, **kwargs) -> None:
        if self._blocked:
            return
        for callback in list(self._callbacks):
            callback(*args, **kwargs)

    @contextmanager
    def blocked(self):
        self._blocked += 1
        try:
            yield
        finally:
            self._blocked -= 1

    def __len__(self) -> int:
        return len(self._callbacks)


@dataclass(frozen=True)
class Change:
    """What one operation on the app state changed (``AppState.changed``): a view that
    redraws on ``model`` need not redraw again for ``cursor``."""

    stack: bool = False
    model: bool = False
    input: bool = False
    cursor: bool = False
    error: bool = False
    history: bool = False


def operation(method):
    """A public operation of an object with ``changes()`` (the app state): whatever it
    changes is announced by one ``changed`` event."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self.changes():
            return method(self, *args, **kwargs)
    return run
