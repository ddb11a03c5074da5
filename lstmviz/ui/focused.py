"""``FocusedFilter``: an event filter on the window's focused widget alone, moved with the
focus (``QApplication.focusChanged``), not on every event of the application: the keys a
focused control keeps from the window's shortcuts (``player.ButtonKeys``) or hands on to
them (``session_ui._FieldUndo``)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class FocusedFilter(QtCore.QObject):
    """Filters the events of the focused widget of ``window`` while ``wants(widget)`` says
    so (``watched``); a subclass says which in ``wants`` and filters in ``eventFilter``."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.watched = None
        app = QtWidgets.QApplication.instance()
        app.focusChanged.connect(self._focus_changed)
        self._focus_changed(None, app.focusWidget())

    def wants(self, widget: QtWidgets.QWidget) -> bool:
        raise NotImplementedError

    def _focus_changed(self, _old, new) -> None:
        if self.watched is not None:
            try:
                self.watched.removeEventFilter(self)
            except RuntimeError:  # deleted since (a form rebuilt)
                pass
            self.watched = None
        if new is not None and new.window() is self.window and self.wants(new):
            new.installEventFilter(self)
            self.watched = new
