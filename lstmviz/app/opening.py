"""Opening models and weights files into the app state, with no Qt: ``set_model`` (a plain
stack becomes the editable stack, anything else is shown read-only), ``load_weights_file``
(an undoable edit), ``new_stack``. A part of ``AppState`` (see ``app/base.py``); sessions
are ``app/session.py``'s, all-or-nothing opening ``app/atomic.py``'s.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np

from lstmviz.app.base import StateBase
from lstmviz.app.events import operation as _operation
from lstmviz.app.selection import Cursor
from lstmviz.app.stack import InputSpec, LayerEntry, ShownWeights, default_layers
from lstmviz.app.tracing import held_shape, is_time_major
from lstmviz.engine import Model
from lstmviz.engine.model import spec_config
from lstmviz.errors import LstmvizError
from lstmviz.text import file_label, plural

#: what to do when a weights file does not fit the stack (left out where the window says
#: why the file's own layers make no model either, with advice of its own)
MISFIT_ADVICE = ("Build a matching stack first (same layers, units and input_dim), or open the full "
                 "model file (.keras/.h5)")


def weights_refusal(misfit: LstmvizError, unbuilt: LstmvizError) -> str:
    """One line for a weights-only file that fits the current stack (``misfit``, from
    ``load_weights_file``) no more than its own layers make a model (``unbuilt``, from
    ``lstmviz.load``), the real reason first. Where the file holds weights for as many
    layers as the stack has (a model's weights, saved for it, with a kernel transposed),
    the misfit is the reason; else the stack is not what they were saved for (the demo's
    sine stack under a seq2seq's weights), and the file's own reason comes first, the stack
    said in a few words, the advice last and once (``unbuilt``'s hint: one that can be
    followed, a seq2seq's only the full model file)."""
    first, second = str(misfit), str(unbuilt)
    theirs, ours = misfit.file_layers, misfit.stack_layers
    if theirs is None or ours is None or len(theirs) == len(ours):
        if "full model file" in second.lower():  # (the advice once)
            first = first.removesuffix(f". {MISFIT_ADVICE}")
        return f"{first}. Nor can lstmviz build a model from the file alone: {second}"
    hint = unbuilt.hint
    reason = second.removesuffix(f". {hint}") if hint else second
    stack = (f"Nor do its weights fit the current stack (layers with weights: {', '.join(ours)})"
             if ours else "Nor do its weights fit the current stack (no layer with weights)")
    advice = hint or ("" if "full model file" in second.lower() else MISFIT_ADVICE)
    return f"{reason}. {stack}" + (f". {advice}" if advice else ".")


def input_for_shape(spec: InputSpec, shape: tuple) -> InputSpec:
    """The input settings ``spec``, fitted to a model's input ``shape`` (generated data,
    the shape's batch, steps and features where it fixes them)."""
    out = dataclasses.replace(spec, data=None if spec.source == "data" else spec.data, others=())
    if out.source == "data":
        out.source = "sine"
    if shape and shape[0]:
        out.batch_size = int(shape[0])
    if len(shape) > 1 and shape[1]:
        out.timesteps = int(shape[1])
    if len(shape) == 3 and shape[2]:
        out.input_dim = int(shape[2])
    elif len(shape) == 2:  # token ids, one a step (not the features of the model before)
        out.input_dim = 1
    return out


def kept_data(spec: InputSpec, shape: tuple, vocab: int | None) -> InputSpec | None:
    """``spec``'s imported data (``source == "data"``) as the input of a model whose first
    input is ``shape`` (batch first, as the app holds it), where it fits as ``lstmviz MODEL
    --input`` takes it: the model's fixed batch and steps, its features, or token ids under
    ``vocab`` for a 2-D input; None where it does not (or there is no data)."""
    from lstmviz.app.input_edits import token_ids

    data = spec.data
    if spec.source != "data" or data is None or data.ndim != 3 or len(shape) not in (2, 3):
        return None
    b, t = int(data.shape[0]), int(data.shape[1])
    if (shape[0] and b != shape[0]) or (shape[1] and t != shape[1]):
        return None
    if len(shape) == 2 and token_ids(data, vocab) is None:
        return None
    if len(shape) == 3 and shape[2] and data.shape[2] != shape[2]:
        return None
    dim = int(data.shape[2]) if len(shape) == 3 else 1  # (token ids: one a step)
    return dataclasses.replace(spec, batch_size=b, timesteps=t, input_dim=dim)


def entries_of(model: Model, weights: bool) -> list[LayerEntry]:
    """``model``'s layers as the stack's entries: each config as ``make_layer`` takes it
    back (RNN(cell) rebuilt, not flat), with copies of the weights if ``weights``."""
    return [LayerEntry(l.class_name, spec_config(l), l.name,
                       [np.array(w) for w in l.weights] if weights else None) for l in model.layers]


def data_ops(layers) -> int:
    """How many of ``layers`` are ONNX ops that only move or reshape data (``OnnxOp.glue``:
    Transpose, Reshape, Shape ...): computed, but not listed as the side panel's cards nor
    counted as the opened model's layers."""
    return sum(1 for layer in layers if getattr(layer, "glue", False))


def layer_count(model: Model) -> str:
    """How many layers ``model`` has, as "Opened ..." says it: the layers the side panel
    lists, and apart ("and ...") the ONNX ops that only move or reshape data (``data_ops``)
    and Keras 3's saved mask ops (``Model.mask_ops``), computed but not listed (50 layers
    were said of a model whose panel lists 28 beside 22 mask ops)."""
    layers = model.layers
    ops = data_ops(layers)
    masks = sum(1 for layer in layers if layer.name in model.mask_ops and not getattr(layer, "glue", False))
    apart = ([f"{plural(ops, 'ONNX op')} that only " + ("moves or reshapes" if ops == 1 else "move or reshape")
              + " data"] if ops else []) + (
        [f"{plural(masks, 'mask op')} that " + ("computes" if masks == 1 else "compute")
         + " the masks saved with the model"] if masks else [])
    return plural(len(layers) - ops - masks, "layer") + (f" (and {' and '.join(apart)})" if apart else "")


def readonly_reason(model: Model) -> str:
    """Why ``model`` is shown read-only, in a sentence (``not_a_stack`` and what follows)."""
    return f"{not_a_stack(model)}: its layers are shown read-only. File > New stack starts an editable one."


def not_a_stack(model: Model) -> str:
    """What makes ``model`` other than a plain stack, capitalised: an ONNX graph, several
    inputs, branches (a layer read by two, an initial state or mask from another layer,
    several outputs), or a functional model of one chain that ``sequential_twin`` did not
    make a stack of."""
    if model.source.get("format") == "onnx":
        what = "This is an ONNX graph"
    elif len(model.inputs) > 1:
        what = f"This model has {len(model.inputs)} inputs"
    elif len(model.input_shapes()[0]) > 3:
        from lstmviz.engine.layers import fmt_shape

        what = (f"This model reads sub-sequences {fmt_shape(model.input_shapes()[0])} (the editable stack "
                "reads (batch, timesteps, input_dim))")
    else:
        readers: dict[str, int] = {}
        for node in model.nodes:
            for ref in list(node.inbound) + list(node.initial_state) + ([node.mask] if node.mask else []):
                readers[ref.layer] = readers.get(ref.layer, 0) + 1
        branched = (len(model.outputs) > 1 or any(n > 1 for n in readers.values())
                    or any(node.initial_state or node.mask for node in model.nodes))
        what = ("This model has branches" if branched else
                "This is a functional model (the editable stack is a Sequential one)")
    return what


CHAIN_NOTE = ("a functional model whose layers form one chain: shown as the Sequential stack "
              "it equals, so its layers can be edited")


def sequential_twin(model: Model) -> Model:
    """``model`` itself, or, for a functional Keras model whose layers form one chain
    (``ModelSpec.as_chain``), the Sequential model it equals (the same layers, weights and
    numbers), which the side panel can edit. ONNX graphs stay graphs."""
    if model.is_sequential or model.source.get("format") == "onnx":
        return model
    chain = model.to_spec().as_chain()
    if chain is None:
        return model
    chain.source["notes"] = [*chain.source.get("notes", []), CHAIN_NOTE[0].upper() + CHAIN_NOTE[1:] + "."]
    return Model.from_spec(chain)


class Opening(StateBase):
    """Models and weights files opened into ``AppState``."""

    @_operation
    def set_model(self, model: Model, path: str | None = None, spec: InputSpec | None = None,
                  shown: ShownWeights | None = None) -> None:
        """``_replace_model``, all or nothing: when the model cannot be built and traced,
        LstmvizError, and the state (undo stack included) is as it was (``app.atomic``)."""
        from lstmviz.app.atomic import all_or_nothing

        with all_or_nothing(self, str(path) if path is not None else f"the model '{model.name}'"):
            self._replace_model(model, path, spec, shown)

    def _replace_model(self, model: Model, path: str | None = None, spec: InputSpec | None = None,
                       shown: ShownWeights | None = None) -> None:
        """Show a loaded model: a plain stack becomes the editable stack (with its weights);
        anything else is shown read-only. Undo brings back what was there. ``spec``: the
        input to trace it on (a session's); else one fitted to the model's input shape.
        ``shown``: the model is a training run's at one of its snapshots (``Scrubber``).
        A model that cannot be traced raises LstmvizError and what was shown stays."""
        before, redo, cursor = self.snapshot(), list(self.redo_stack), self.cursor
        self.remember_replaced()
        self.shown_weights, self._shown_arrays = shown, None
        shapes = model.input_shapes()
        note = None
        made = spec is None  # (not a session's: its input is as it was saved)
        if spec is None:
            first = tuple(shapes[0])
            if is_time_major(model, 0):
                first = (first[1], first[0]) + tuple(first[2:])
            # the user's data stays where the model takes it (it was replaced by a sine
            # without a word, even where it fitted); where it does not, that is said
            vocabs = [int(ly.config.get("input_dim") or 0) for ly in model.layers if ly.class_name == "Embedding"]
            spec = kept_data(self.input, first, min(vocabs, default=None))
            if spec is None:
                spec = input_for_shape(self.input, first)
                data = self.input.data
                if self.input.source == "data" and data is not None:
                    from lstmviz.engine.layers import fmt_shape

                    what = "whole-number token ids (0 or more) " if len(first) == 2 else ""
                    note = (f"the input data {fmt_shape(data.shape)} was left out: the model takes "
                            f"{what}{fmt_shape(shapes[0])}; it is traced on a generated input "
                            "(File > Import input reads one that fits)")
        self.path = path
        self.input = spec
        model = sequential_twin(model)
        # (the stack's input is (batch, steps, features) or token ids: a stack over
        # sub-sequences, TimeDistributed(Conv1D)'s (batch, steps, sub-steps, features), is shown)
        if model.is_sequential and len(shapes) == 1 and len(shapes[0]) <= 3:
            self.readonly = False
            self.layers = entries_of(model, weights=True)
            notes = model.source.get("layer_notes") or {}
            self.layer_notes = {e.name: (notes[e.name], [np.array(w) for w in e.weights])
                                for e in self.layers if e.name is not None and e.name in notes
                                and e.weights is not None}
            self.keras_version = model.keras_version or "3"  # traced as the file's Keras traces it
            self.model_name = model.name or None  # (its edits are still that model: its name stays)
            compiled = model.source.get("compile")  # (and what it was compiled with, and the
            # file it was read from: a weights file loaded later is not it)
            self.compiled = ({**compiled, "file": compiled.get("file") or (str(path) if path else None)}
                             if compiled is not None else None)
            if self.embedding_first and spec.source not in ("text", "data"):
                spec.source = "counting"
            self.model = None
        else:
            self.readonly = True
            self.layers = entries_of(model, weights=False)
            # what a made-up first input is made of (``tracing.input_for_shape``): token ids
            # from the typed text's characters, numbers from a generator (typed text none);
            # the side panel said "sine, seed 0" over the ids of "hello world"
            if made and spec.source != "data":
                if len(held_shape(model, 0)) == 2:
                    spec.source = "text"
                elif spec.source == "text":
                    spec.source = "sine"
            self.layer_notes = {}  # (the model keeps its source: its notes are its own)
            self.compiled = None  # (and its compile info)
            self.model = model
        self.cursor = Cursor()
        if not self.rebuild():
            error = self.error
            self.undo_stack.pop()
            self.redo_stack[:] = redo
            self.cursor = cursor
            self.restore(before)
            self.history_changed.emit()
            what = os.path.basename(str(path)) if path is not None else "the model"
            raise LstmvizError(f"{what} cannot be shown: {error}")
        self.input_note = note
        self.stack_changed.emit()

    @_operation
    def load_weights_file(self, path: Any, read: Any = None) -> None:
        """Put a weights-only file onto the current stack (it must match); an edit that
        undo takes back. ``read``: the file as ``lstmviz.read_weights`` returned it."""
        from lstmviz.io.match import load_weights

        if self.model is None:
            raise LstmvizError("there is no model to put the weights on; build a stack first")
        before = self.snapshot()
        # a read-only model: the weights go on a copy, the opened model stays as the undo
        # history holds it (Ctrl+Z gives its own weights back, not the stack before it)
        target = Model.from_spec(self.model.to_spec()) if self.readonly else self.model
        try:
            load_weights(target, path, read=read)
        except LstmvizError as err:
            said = str(err)
            whole = f"{path}: "
            if said.startswith(whole):  # (the file's name, as the window's other messages)
                said = f"{file_label(path)}: {said[len(whole):]}"
            refusal = LstmvizError(f"these weights do not fit the current stack: {said}. {MISFIT_ADVICE}")
            entries = read[0] if read is not None else []
            refusal.file_layers = [str(name) for name, arrays in entries if arrays] if read is not None else None
            refusal.stack_layers = [layer.name for layer in target.layers if layer.weights]
            raise refusal from None
        self._push_history(before)
        if self.readonly:
            self.model = target
        else:
            for entry, layer in zip(self.layers, self.model.layers):
                entry.weights = [np.array(w) for w in layer.weights]
        self.path = str(path)
        self.rebuild()
        self.stack_changed.emit()

    @_operation
    def show_weights(self, model: Model, undoable: bool = False, shown: ShownWeights | None = None,
                     compiled: dict | None = None) -> None:
        """Trace ``model``, the current model with other weights (a training snapshot), in
        its place: an undoable edit when ``undoable``, else a preview that leaves the undo
        history alone (scrubbing training time). The stack's layers must match. ``shown``:
        which snapshot they are (``shown_weights``, said by the views' header). ``compiled``:
        what the model is compiled with from now on (a run's put on the stack, its optimizer's
        state with it: ``engine.compiled.after_run``), None: what it was."""
        if self.model is None or [l.name for l in model.layers] != [l.name for l in self.model.layers]:
            raise LstmvizError("these weights belong to another model than the one shown")
        if undoable:
            self._push_history(self.snapshot())
        self.shown_weights, self._shown_arrays = shown, None
        if compiled is not None:  # (the editable stack's is put on its model when it is rebuilt)
            if self.readonly:
                model.source["compile"] = compiled
            else:
                self.compiled = compiled
        if self.readonly:
            self.model = model
        else:
            for entry, layer in zip(self.layers, model.layers):
                entry.weights = [np.array(w) for w in layer.weights]
        self.rebuild()
        if undoable:
            self.stack_changed.emit()

    @_operation
    def new_stack(self) -> None:
        """Back to the built-in editable stack (undo brings back what was there)."""
        self.remember_replaced()
        self.readonly = False
        self.model = None
        self.layers = default_layers()
        self.keras_version = "3"
        self.model_name = None
        self.compiled = None
        self.input = InputSpec()
        self.path = None
        self.rebuild()
        self.stack_changed.emit()
