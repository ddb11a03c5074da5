"""One paint of the window after a step, however many plots changed.

A ``QGraphicsScene`` processes its changed items in a queued call and then sends the
window's pending update request at once (``QGraphicsViewPrivate::
dispatchPendingUpdateRequests``): a tab of nine plots, each in its own view, synced the
window's backing store nine times a step (plus once for the labels), each sync painting
what had changed so far; an edit in the side panel synced it once for each of Over time's
seven plots. ``OnePaint.expect()``, called when the step changed or the views drew a new
trace, posts one event of low priority, which comes after the scenes' queued calls of the
same turn; until it comes, the update request a scene sends at the end of its call is
held, and the event then sends one: every change painted in one pass, in the same turn of
the event loop. Any other update request (a ``repaint()``, a resize) passes as before, and
ends the listening (the application-wide filter is removed at once: a whole window
repainted sends hundreds of paint events, which would each pass through it).
``then(call)``: ``call()`` once that paint is done (at once where none is expected): a
long input's whole window is started after the seek's paint, not amid it.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

_PAINT = QtCore.QEvent.Type(QtCore.QEvent.registerEventType())
_UPDATE = QtCore.QEvent.Type.UpdateRequest
_CALL = QtCore.QEvent.Type.MetaCall


class OnePaint(QtCore.QObject):
    """Holds the update requests graphics scenes send to ``window`` between ``expect()``
    and its event, and sends one then (see the module)."""

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.window = window
        self._pending = False
        self._in_scene = False  # the last event filtered was a scene's queued call
        self._held = False
        self._then: list = []  # calls made once the expected paint is done (``then``)

    def then(self, call) -> None:
        """``call()`` once the paint ``expect()`` asked for is done (after its event), or
        now where none is expected."""
        if self._pending:
            self._then.append(call)
        else:
            call()

    def expect(self) -> None:
        """The views changed: paint them once, after every scene has processed its items."""
        if self._pending:
            return
        app = QtCore.QCoreApplication.instance()
        if app is None:
            return
        self._pending = True
        app.installEventFilter(self)  # only until the event below: every event passes here
        QtCore.QCoreApplication.postEvent(self, QtCore.QEvent(_PAINT),
                                          QtCore.Qt.EventPriority.LowEventPriority.value)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind == _CALL:
            self._in_scene = isinstance(obj, QtWidgets.QGraphicsScene)
            return False
        if kind == _UPDATE and obj is self.window:
            if self._in_scene:
                # sent by a scene's queued call: the event below sends it with the others
                self._in_scene = False
                self._held = True
                return True
            # the window is painted now by other means (a repaint(), its own posted
            # request): stop listening, so that its widgets' paint events do not pass here
            self._stop()
        self._in_scene = False
        return False

    def _stop(self) -> None:
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def event(self, event) -> bool:
        if event.type() != _PAINT:
            return super().event(event)
        self._pending = self._in_scene = False
        self._stop()
        if self._held:
            self._held = False
            QtCore.QCoreApplication.sendEvent(self.window, QtCore.QEvent(_UPDATE))
        calls, self._then = self._then, []
        for call in calls:
            call()
        return True
