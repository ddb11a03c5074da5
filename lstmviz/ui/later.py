"""``later`` and ``weakly``: calls on a Qt object that hold it only weakly."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

import shiboken6
from PySide6 import QtCore

_T = TypeVar("_T", bound=QtCore.QObject)


def weakly(owner: _T, call: Callable[[_T], object]) -> Callable[..., None]:
    """A function of any arguments (a signal's) that calls ``call(owner)`` while ``owner``
    lives, and nothing once it is gone: it reaches ``owner`` through a weak reference, so
    that whatever keeps the function (PySide, a timer or a connection) does not keep
    ``owner`` and all it holds. Give ``call`` as an unbound method (``type(self).method``)
    or a function of the owner, never a closure over ``self``."""
    ref = weakref.ref(owner)

    def run(*_) -> None:
        obj = ref()
        if obj is not None and shiboken6.isValid(obj):
            call(obj)

    return run


def later(owner: _T, call: Callable[[_T], object], msec: int = 0) -> None:
    """``call(owner)`` once the event loop is back (after ``msec``), unless ``owner`` is gone
    by then (``weakly``). ``QTimer.singleShot(0, self, self.method)`` (or a lambda holding
    ``self``) let PySide keep the callable where the timer was set while the widget was
    being deleted (a layout request of its teardown): the closed window's whole Python side
    stayed alive, its state, traces and views, one more for every window a notebook opened
    and closed."""
    QtCore.QTimer.singleShot(msec, owner, weakly(owner, call))
