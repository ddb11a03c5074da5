"""Opening is all or nothing: a model or session that cannot be shown leaves the state
exactly as it was (stack, model, trace, input, cursor, undo and redo stacks).

Opening replaces everything and then builds and traces the new content; building can still
fail after a file was read (a trace over the memory limit, a stack whose shapes do not
chain). ``all_or_nothing(state, what)`` remembers every attribute of the state before the
block, and when the block raises or leaves ``state.error`` set, puts every one of them
back, tells the listeners (so a window redraws what it showed before) and raises one
``LstmvizError`` naming ``what`` and the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lstmviz.app.events import Event
from lstmviz.errors import LstmvizError

#: the event grouping's own bookkeeping (``StateBase.changes``): not content, never put back
_GROUPING = ("_depth", "_pending")


def _saved(state) -> dict:
    attrs = {k: v for k, v in vars(state).items() if not isinstance(v, Event) and k not in _GROUPING}
    return {"attrs": attrs,
            "undo": list(state.undo_stack), "redo": list(state.redo_stack),
            # rebuild renames and re-weights the entries it traced: keep what they held
            "entries": [(e, dict(vars(e))) for e in state.layers]}


def _restore(state, saved: dict) -> None:
    attrs = saved["attrs"]
    for key in [k for k, v in vars(state).items() if not isinstance(v, Event) and k not in _GROUPING]:
        if key not in attrs:
            delattr(state, key)
    for key, value in attrs.items():
        setattr(state, key, value)
    state.undo_stack[:] = saved["undo"]  # the same list objects, with what they held
    state.redo_stack[:] = saved["redo"]
    for entry, held in saved["entries"]:
        vars(entry).clear()
        vars(entry).update(held)
    state.stack_changed.emit()
    if state.x is not None:
        state.input_changed.emit(state.x)
    if state.model is not None and state.trace is not None:
        state.model_changed.emit(state.model, state.trace)
    state.error_changed.emit(state.error)
    state.cursor_changed.emit(state.cursor)
    state.history_changed.emit()


@contextmanager
def all_or_nothing(state, what: str) -> Iterator[None]:
    """Run the block that replaces ``state``'s content; undo all of it on failure.

    The whole block is one operation (``state.changes()``): its ``changed`` event comes once,
    when the outcome is known, so a listener (the side panel, the views) never draws the
    content that is then refused; after a refusal it says what was put back."""
    saved = _saved(state)
    with state.changes():
        try:
            yield
        except BaseException as err:
            _restore(state, saved)
            if isinstance(err, LstmvizError):
                raise
            if isinstance(err, (MemoryError, RecursionError, ValueError, TypeError, KeyError,
                                IndexError, AttributeError, OverflowError)):
                raise LstmvizError(f"{what} cannot be shown ({type(err).__name__}: {err})") from None
            raise
        if state.error is not None:
            message = state.error
            _restore(state, saved)
            raise LstmvizError(f"{what} cannot be shown: {message}")
