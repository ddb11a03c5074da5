"""Keras' stacking rules as a student meets them in the side panel: each refusal says in
one line what is wrong and what to set (Qt-free: AppState is what the panel calls)."""

import pytest

from lstmviz.app.options import default_config
from lstmviz.app.state import AppState, LayerEntry


def entry(cls, **kw):
    return LayerEntry(cls, {**default_config(cls), **kw})


@pytest.mark.parametrize("between", [[], ["Dropout"], ["Masking"], ["Dense"], ["Dropout", "Activation"]])
@pytest.mark.parametrize("consumer", ["LSTM", "GRU", "Bidirectional", "TimeDistributed"])
def test_a_sequence_reader_after_a_last_step_names_the_fix(consumer, between):
    """LSTM(return_sequences=False) -> [Dropout ...] -> LSTM (or TimeDistributed(Dense)):
    the message said '3-D input expected' (through a Dropout) or named no fix at all
    (TimeDistributed); it names the LSTM and return_sequences=True."""
    layers = [entry("LSTM")] + [entry(c) for c in between] + [entry(consumer)]
    st = AppState(layers)
    assert st.model is None and st.error is not None
    assert "outputs only its last step" in st.error
    assert st.error.endswith("set return_sequences=True on 'lstm'")
    for cls in between:  # named by the layer's own name (dropout, dense ...)
        assert f"'{cls.lower()}'" in st.error
    st.set_layer_option(0, "return_sequences", True)  # the fix it names works
    assert st.error is None


def test_repeat_vector_after_every_step_names_the_fix():
    st = AppState([entry("LSTM", return_sequences=True), entry("Dropout"), entry("RepeatVector")])
    assert st.error is not None
    assert "outputs every step" in st.error and "'dropout'" in st.error
    assert st.error.endswith("set return_sequences=False on 'lstm'")
    st.set_layer_option(0, "return_sequences", False)
    assert st.error is None
    assert [s for layer in st.model.layers for s in layer.output_shapes][-1] == (None, 4, 8)


def test_a_flatten_in_between_is_not_blamed_on_return_sequences():
    st = AppState([entry("LSTM", return_sequences=True), entry("Flatten"), entry("LSTM")])
    assert st.error is not None and "return_sequences" not in st.error


def test_an_embedding_after_a_layer_says_what_it_reads():
    """An Embedding moved below an LSTM said only 'needs whole-number token ids as input':
    not what it holds, not what ids it takes, not where they come from."""
    st = AppState([entry("LSTM", return_sequences=True), entry("Embedding")])
    assert st.error is not None
    assert "0..31" in st.error and "first in a stack" in st.error
    held = float(st.error.split("its input holds ")[1].split(":")[0])
    assert held != round(held) and abs(held) < 1  # an LSTM's output (tanh), not an id
    st.move_layer(1, 0)  # the fix: the Embedding first
    assert st.error is None and st.x.dtype.kind == "i"


def test_a_stack_that_cannot_run_is_not_exported_as_the_last_that_could():
    """With the side panel's stack broken (return_sequences off under an LSTM), File >
    Export > Keras config wrote the last stack that worked: another stack than the one
    shown, with the option the student had just changed back as it was."""
    from lstmviz.app import export_data
    from lstmviz.errors import LstmvizError

    st = AppState()
    good = export_data.keras_config(st)
    st.set_layer_option(0, "return_sequences", False)
    assert st.error is not None and st.model is not None  # the views keep the last one
    with pytest.raises(LstmvizError, match="fix the stack first"):
        export_data.keras_config(st)
    st.undo()
    assert export_data.keras_config(st) == good


def test_undo_redo_into_a_broken_stack_keeps_the_model_of_the_trace():
    """Redo into a stack that cannot run left state.model None beside the last trace (an
    edit into the same stack keeps the model that trace is of): Next batch went off for
    a stateful stack, a tab shown later was given no model for its trace."""
    st = AppState()
    st.set_layer_option(0, "stateful", True)
    st.set_layer_option(0, "return_sequences", False)  # broken
    after_edit = st.model
    assert st.error is not None and after_edit is not None and after_edit.stateful
    st.undo()
    st.redo()
    assert st.error is not None
    assert st.model is not None and st.model.stateful
    assert st.trace.model is st.model  # the model the trace is of
    st.next_batch()  # the stateful model the views show carries its states on
    assert st.batch_index == 1
