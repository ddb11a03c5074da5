"""The contract every view keeps: draw what a trace holds, follow one cursor.

Views never compute recurrent math: they read ``model`` (weights, configs, shapes) and
``trace`` (values). ``set_data`` is called when the model or input changed (a new
trace); ``set_cursor`` on every step/selection change and must be cheap: it updates
existing plot items (``setData``/``setImage``/``setText``), never re-creates them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6 import QtCore, QtWidgets

from lstmviz.app.selection import Cursor
from lstmviz.engine import Model, Trace
from lstmviz.ui.accessible import described


class TraceView(QtWidgets.QWidget):
    """Base class of the views. Subclasses set ``title`` and implement the two setters."""

    title = "View"
    #: The user clicked a step (e.g. a column of the unrolled view or a heatmap).
    step_requested = QtCore.Signal(int)
    #: The user picked a layer (Keras name) and/or a unit in this view.
    layer_requested = QtCore.Signal(str)
    unit_requested = QtCore.Signal(int)
    #: The user picked a Bidirectional's half ("forward"/"backward").
    side_requested = QtCore.Signal(str)
    #: The user picked a cell: its layer, side and step at once (``Cursor`` fields; the
    #: step of the whole sequence, as the cursor counts it), so that a long input's window,
    #: chosen by the selected layer, does not move between the three.
    cursor_requested = QtCore.Signal(dict)
    #: The input's sample that the trace's sample 0 is: the main window traces the shown
    #: sample only (``AppState.traced_sample``), so the cursor a view gets indexes sample 0;
    #: a header names ``sample + sample_base``, the sample the player shows.
    sample_base = 0
    #: The trace is a long input's quick steps around a far seek (``LongSequence.is_quick``),
    #: drawn at once while its whole window is computed, which then replaces it (the main
    #: window's ``_push_data`` says which): a view may draw it in a cheaper form (Over
    #: time's curves without antialiasing); the whole window is drawn as ever.
    quick = False
    #: the step, layer, unit and sample shown (``set_cursor``'s). The name hides QWidget's
    #: cursor() (the mouse pointer's shape), which no view reads; the checker sees a method
    #: replaced by a value, hence the one ignore.
    cursor: Cursor  # type: ignore[assignment]

    def __init__(self, parent=None, theme=None):
        from lstmviz.ui import theme as th

        super().__init__(parent)
        self.theme = th.get(theme)
        self.model: Model | None = None
        self.trace: Trace | None = None
        self.cursor = Cursor()
        # a screen reader's: the view's name, and its picture in words (``describe``), set
        # while one listens, coalesced over a burst of steps (``Describer``); a Tab stop
        # (after the view tabs, before the page's controls) ringed while it has the focus
        self.describer = described(self, f"{self.title} view", self.describe)

    def describe(self) -> str:
        """What the view draws now, in words (``app/accessible.py``): its accessible
        description."""
        return f"The {self.title} view."

    def set_data(self, model: Model, trace: Trace) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def drawn_settled(self) -> Iterator[None]:
        """While it is held, the view draws its ``quick`` steps as it draws a whole window
        (an export: ``ui/export.settled_quick``); put back after. Views without a cheaper
        form have nothing to change."""
        yield

    def _outer(self) -> QtWidgets.QLayout:
        """The view's own layout (set by its ``__init__``)."""
        outer = self.layout()
        assert outer is not None
        return outer

    def hidden_in_window(self) -> bool:
        """On a tab that is not shown, in a window that is: what a step draws can wait
        until the tab is shown (the view's ``showEvent``); what the view answers (its
        numbers, for tests and the window) cannot."""
        if self.isVisible():
            return False
        window = self.window()
        return window is not self and window.isVisible()

    def set_cursor(self, cursor: Cursor) -> None:
        raise NotImplementedError
