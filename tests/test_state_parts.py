"""The parts of the app state (``app/edits.py``, ``input_edits.py``, ``tracing.py``,
``opening.py``, ``base.py``) through their own functions, with no Qt."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.app import inputs as gen
from lstmviz.app.base import StateBase
from lstmviz.app.edits import check_kind_change, new_entry
from lstmviz.app.events import Change
from lstmviz.app.input_edits import fit, make_input, same_spec, spec_with, token_ids
from lstmviz.app.opening import entries_of, input_for_shape
from lstmviz.app.stack import InputSpec, LayerEntry
from lstmviz.app.state import AppState
from lstmviz.app.tracing import batch_axis, inputs_for, is_time_major
from lstmviz.engine import LayerSpec, Model
from lstmviz.errors import LstmvizError


def test_a_layer_inserted_before_a_recurrent_one_returns_sequences():
    assert new_entry("LSTM", None, ["GRU", "Dense"]).config["return_sequences"] is True
    assert new_entry("LSTM", None, ["Dense"]).config["return_sequences"] is False
    assert new_entry("LSTM", None, []).config["return_sequences"] is False
    bidir = new_entry("Bidirectional", "GRU", ["LSTM"])
    assert bidir.config["layer"]["config"]["return_sequences"] is True
    assert "return_sequences" not in new_entry("Dense", None, ["LSTM"]).config


def test_only_recurrent_layers_change_kind():
    check_kind_change(new_entry("LSTM", None, []), "GRU")
    with pytest.raises(LstmvizError, match="only a recurrent layer can change kind.*Dense"):
        check_kind_change(new_entry("Dense", None, []), "GRU")
    with pytest.raises(LstmvizError, match="only a recurrent layer"):
        check_kind_change(new_entry("GRU", None, []), "Dense")


def test_input_settings_drop_data_fit_text_and_refuse_unknown_ones():
    data = np.arange(2 * 3 * 1, dtype=np.float32).reshape(2, 3, 1)
    spec = InputSpec(batch_size=2, timesteps=3, input_dim=1, source="data", data=data)
    longer = spec_with(spec, {"timesteps": 5}, embedding_first=False)
    assert longer.data.shape == (2, 5, 1)
    np.testing.assert_array_equal(longer.data[:, :3], data)
    assert not longer.data[:, 3:].any()
    assert spec_with(spec, {"source": "sine"}, False).data is None
    text = spec_with(InputSpec(), {"text": "abc"}, embedding_first=False)
    assert (text.timesteps, text.input_dim) == (3, len(gen.ALPHABET))
    assert spec_with(InputSpec(), {"text": "abc"}, embedding_first=True).input_dim == InputSpec().input_dim
    with pytest.raises(LstmvizError, match="unknown input setting.*colour"):
        spec_with(spec, {"colour": 1}, False)
    assert same_spec(spec, spec_with(spec, {}, False))
    assert not same_spec(spec, spec_with(spec, {"seed": 3}, False))


def test_fit_crops_and_pads():
    x = np.ones((3, 4, 2), np.float32)
    out = fit(x, 2, 6, 1)
    assert out.shape == (2, 6, 1) and out[:, :4].all() and not out[:, 4:].any()


def test_token_ids_are_whole_numbers_inside_the_vocabulary():
    np.testing.assert_array_equal(token_ids(np.array([[[1.0], [2.0]]]), 3), [[1, 2]])
    assert token_ids(np.array([[1.5, 2.0]]), None) is None
    assert token_ids(np.array([[1.0, 3.0]]), 3) is None
    assert token_ids(np.array([[-1.0, 0.0]]), None) is None


def test_make_input_feeds_an_embedding_ids_and_other_stacks_the_signal():
    spec = InputSpec(batch_size=2, timesteps=5, input_dim=1, source="sine", seed=1)
    np.testing.assert_array_equal(make_input(spec, [new_entry("LSTM", None, [])]),
                                  gen.generate("sine", 2, 5, 1, 1, spec.period))
    emb = LayerEntry("Embedding", {"input_dim": 7, "output_dim": 3})
    ids = make_input(spec, [emb])
    assert ids.shape == (2, 5) and ids.min() >= 0 and ids.max() < 7
    given = InputSpec(batch_size=1, timesteps=3, source="data", data=np.array([[[6.0], [0.0], [2.0]]]))
    np.testing.assert_array_equal(make_input(given, [emb]), [[6, 0, 2]])


def test_a_loaded_model_gets_the_input_its_shape_fixes():
    spec = InputSpec(batch_size=4, timesteps=20, input_dim=1, source="data", data=np.zeros((4, 20, 1)))
    fitted = input_for_shape(spec, (None, 7, 3))
    assert (fitted.batch_size, fitted.timesteps, fitted.input_dim, fitted.source) == (4, 7, 3, "sine")
    assert fitted.data is None and spec.source == "data"  # the state's own spec is left alone
    assert input_for_shape(InputSpec(), (2, None)).batch_size == 2


def test_a_models_layers_become_entries_with_copies_of_their_weights():
    model = Model.sequential((None, 4, 2), [LayerSpec("GRU", {"units": 3}), LayerSpec("Dense", {"units": 1})])
    entries = entries_of(model, weights=True)
    assert [e.class_name for e in entries] == ["GRU", "Dense"]
    assert [e.name for e in entries] == [l.name for l in model.layers]
    for e, layer in zip(entries, model.layers):
        for a, b in zip(e.weights, layer.weights):
            np.testing.assert_array_equal(a, b)
            assert a is not b
    assert all(e.weights is None for e in entries_of(model, weights=False))


def test_a_keras_models_input_is_batch_major_and_made_from_the_spec():
    model = Model.sequential((None, 6, 2), [LayerSpec("LSTM", {"units": 2})])
    assert not is_time_major(model, 0) and batch_axis(model, 0) == 0
    spec = InputSpec(batch_size=3, timesteps=6, input_dim=2, seed=4)
    (x,) = inputs_for(model, spec)
    np.testing.assert_array_equal(x, gen.generate("sine", 3, 6, 2, 4, spec.period))


def test_the_base_groups_an_operations_events_into_one_change():
    base = StateBase()
    seen: list[Change] = []
    base.changed.connect(seen.append)
    with base.changes():
        base.stack_changed.emit()
        base._set_error("bad")
        base._set_error("bad")  # the same message: no event
    assert seen == [Change(stack=True, error=True)]
    base.cursor_changed.emit(None)  # outside an operation: said at once
    assert seen[-1] == Change(cursor=True)


@pytest.mark.parametrize("edit", [
    lambda s: s.add_layer("GRU", index=1),
    lambda s: s.set_layer_option(0, "units", 5),
    lambda s: s.set_input_spec(timesteps=9),
    lambda s: s.next_batch(),
    lambda s: s.undo(),
])
def test_each_operation_says_once_what_it_changed(edit):
    state = AppState()
    state.set_layer_option(0, "stateful", True)
    seen: list[Change] = []
    state.changed.connect(seen.append)
    edit(state)
    assert len(seen) == 1 and seen[0].model and seen[0].cursor


def test_typed_text_says_it_set_input_dim():
    """Typing text after setting input_dim 10 put input_dim back to 29 (the one-hot of the
    app's characters) without a word; a notice now says so."""
    from lstmviz.app.state import AppState

    st = AppState()
    said = []
    st.notice.connect(said.append)
    st.set_input_spec(input_dim=10)
    assert not said
    st.set_input_spec(source="text", text="hello world")
    assert st.input.input_dim == 29
    assert len(said) == 1 and said[0].startswith("input_dim 10 → 29: typed text is one-hot")
