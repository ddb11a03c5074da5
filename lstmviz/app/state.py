"""The application's state, with no Qt: the layer stack, the input, the model, the trace,
the cursor, and events that tell the windows what changed.

Every edit goes through a method here (``add_layer``, ``set_layer_option``,
``set_input_spec`` ...). Each one rebuilds the ``Model`` from the stack, re-traces it on
the input and emits ``model_changed``; if the stack is invalid the engine's message is
kept in ``error`` (``error_changed``) and the last valid model and trace stay.

Events (see ``events.Event``):
- ``stack_changed()``: layers, their options or the input spec changed (redraw the panel);
- ``model_changed(model, trace)``: a new valid model/trace (redraw every view); the trace
  None for a long input whose pass must run before any step is shown, in a window that runs
  it on a thread (``Tracing.background_pass``; ``follow_long`` gives its first window);
- ``error_changed(message or None)``;
- ``cursor_changed(cursor)``: step, sample, layer, unit or side changed;
- ``input_changed(x)``: the input array changed;
- ``history_changed()``: the undo/redo stacks changed;
- ``notice(text)``: one line the user may otherwise miss (an edit drew new weights over an
  opened file's), for the status bar;
- ``changed(Change)``: once per operation, after the above, what it changed in all (the
  views redraw on it, once per edit).

``AppState`` is a facade composed of parts, one module each, over the shared data and
events of ``base.StateBase``:

- ``edits.Edits``: the layers (add, remove, duplicate, move, options, kind);
- ``input_edits.InputEdits``: the input (settings, imported/edited data, the traced array);
- ``tracing.Tracing``: building and tracing, the cursor, stateful batches;
- ``opening.Opening``: models and weights files opened, a new stack;
- ``history.History``: undo/redo and lessons' saved states.

The stack's data is ``stack.py``'s, the inputs' generators ``inputs.py``'s.
"""

from __future__ import annotations

from lstmviz.app.edits import Edits
from lstmviz.app.history import UNDO_LIMIT, History
from lstmviz.app.input_edits import InputEdits
from lstmviz.app.opening import Opening
from lstmviz.app.stack import InputSpec, LayerEntry, Snapshot, default_layers
from lstmviz.app.tracing import Tracing

__all__ = ["AppState", "InputSpec", "LayerEntry", "Snapshot", "UNDO_LIMIT", "default_layers"]


class AppState(Edits, InputEdits, Opening, Tracing, History):
    """Everything the window shows, and the only place that changes it."""

    def __init__(self, layers: list[LayerEntry] | None = None, spec: InputSpec | None = None,
                 seed: int = 0, build: bool = True):
        super().__init__(layers, spec, seed)
        if build:
            self.rebuild()
