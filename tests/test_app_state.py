"""The Qt-free app state: edits rebuild and re-trace; invalid stacks keep the last trace."""

import sys
from pathlib import Path

import numpy as np
import pytest

import lstmviz
from helpers import encoder_decoder
from lstmviz.app.long_sequence import QUICK_STEPS
from lstmviz.app.options import ADDABLE, TRAINABLE, default_config, options_for
from lstmviz.app.state import AppState, InputSpec, LayerEntry
from lstmviz.errors import LstmvizError

FIX = Path(__file__).parent / "fixtures"


def events(state):
    seen = []
    for name in ("stack_changed", "model_changed", "error_changed", "cursor_changed", "input_changed"):
        getattr(state, name).connect(lambda *a, n=name: seen.append(n))
    return seen


def test_state_imports_no_qt():
    import subprocess
    code = "import sys, lstmviz.app.state, lstmviz.app.inputs; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_default_stack_builds_and_traces():
    s = AppState()
    assert s.error is None
    assert [l.class_name for l in s.model.layers] == ["LSTM", "LSTM", "Dense"]
    assert s.trace.output.shape == (1, 1)  # only the shown sample is traced
    assert s.cursor.layer == "lstm" and s.trace_cursor.sample == 0


def test_picking_a_sample_traces_it_and_matches_the_whole_batch():
    s = AppState()
    full = s.model.trace(s.x)
    seen = events(s)
    s.set_cursor(sample=2)
    assert "model_changed" in seen and s.traced_sample == 2 and s.trace_cursor.sample == 0
    np.testing.assert_allclose(s.trace["lstm"].steps["c"][0], full["lstm"].steps["c"][2], rtol=1e-6, atol=1e-6)
    s.trace_all_samples = True
    s.rebuild()
    assert s.trace.output.shape == (4, 1) and s.trace_cursor.sample == 2


def test_set_units_rebuilds_with_keras_param_count():
    s = AppState()
    seen = events(s)
    s.set_layer_option(0, "units", 5)
    layer = s.model.layers[0]
    d, u = 1, 5
    assert layer.units == 5 and layer.count_params() == 4 * (d * u + u * u + u)
    assert "model_changed" in seen and "stack_changed" in seen
    assert s.trace["lstm"].steps["h"].shape == (1, 20, 5)


def test_invalid_stack_keeps_last_trace_and_says_the_fix():
    s = AppState()
    old_model, old_trace = s.model, s.trace
    s.add_layer("GRU", index=2)  # after lstm_1, which returns only its last step
    assert s.error and "return_sequences=True" in s.error and "lstm_1" in s.error
    assert s.model is old_model and s.trace is old_trace
    s.set_layer_option(1, "return_sequences", True)
    assert s.error is None and s.model is not old_model
    assert [l.class_name for l in s.model.layers] == ["LSTM", "LSTM", "GRU", "Dense"]


def test_remove_duplicate_move():
    s = AppState()
    s.duplicate_layer(0)
    assert [e.class_name for e in s.layers] == ["LSTM", "LSTM", "LSTM", "Dense"]
    assert s.error is None and s.model.layers[1].units == 8
    s.move_layer(3, 0)
    assert s.layers[0].class_name == "Dense"
    s.move_layer(0, 3)
    s.remove_layer(1)
    assert s.error is None and len(s.model.layers) == 3


def test_removing_a_layer_leaves_the_cursor_on_a_cell():
    """The layer after a removed one is selected, unless it has no cell (a Dense) and another
    layer has: then the nearest with a cell (the views have it to show, not a blank)."""
    s = AppState()  # lstm, lstm_1, dense
    s.set_cursor(layer="lstm_1")
    s.remove_layer(1)  # the layer now at 1 is the Dense
    assert s.cursor.layer == "lstm"
    s.add_layer("LSTM", index=1)
    s.set_layer_option(0, "return_sequences", True)
    names = [e.name for e in s.layers]
    s.remove_layer(0)  # the layer now at 0 has a cell: it is the one selected
    assert s.cursor.layer == names[1]
    s.remove_layer(0)  # only the Dense is left: it is selected
    assert [e.class_name for e in s.layers] == ["Dense"] and s.cursor.layer == s.layers[0].name


@pytest.mark.parametrize("label", list(ADDABLE))
def test_every_addable_layer_builds_somewhere(label):
    cls, inner = ADDABLE[label]
    s = AppState()
    if cls in ("Flatten", "RepeatVector"):  # after the last LSTM's (batch, units)
        s.remove_layer(2)
        at = 2
    elif cls in ("GlobalAveragePooling1D", "GlobalMaxPooling1D"):  # after the last LSTM's sequence
        s.set_layer_option(1, "return_sequences", True)
        at = 2
    else:
        s.set_layer_option(1, "return_sequences", True)
        at = 0 if cls in ("Embedding", "Conv1D", "MaxPooling1D", "AveragePooling1D") else 1
    s.add_layer(cls, inner, index=at)
    assert s.error is None, s.error
    layer = s.model.layers[at]
    opts = options_for(cls, s.layers[at].config)
    for opt in opts:
        assert opt.tooltip
    # Keras' trainable box offered where the layer holds weights (engine/layers.holds_weights)
    assert (TRAINABLE in opts) == (layer.count_params() > 0), (label, layer.count_params())


def test_units_tooltip_says_what_it_is_not():
    tip = next(o.tooltip for o in options_for("LSTM") if o.key == "units")
    assert "hidden state" in tip and "Not the number of timesteps" in tip


def test_cursor_is_clamped():
    s = AppState()
    s.set_cursor(step=999, sample=99, unit=99)
    assert (s.cursor.step, s.cursor.sample, s.cursor.unit) == (19, 3, 7)
    s.set_cursor(layer="nope")
    assert s.cursor.layer == "lstm"
    s.set_input_spec(timesteps=5)
    assert s.cursor.step == 4


def test_input_sources_and_edits(tmp_path):
    s = AppState()
    s.set_input_spec(source="noise", seed=3)
    a = s.x.copy()
    s.set_input_spec(seed=4)
    assert not np.array_equal(a, s.x)
    s.set_input_value(0, 2, 0, 7.5)
    assert s.input.source == "data" and s.x[0, 2, 0] == 7.5
    np.save(tmp_path / "x.npy", np.ones((2, 9, 1), dtype=np.float32))
    s.import_input(tmp_path / "x.npy")
    assert s.x.shape == (2, 9, 1) and s.trace["lstm"].steps["h"].shape == (1, 9, 8)
    s.set_input_spec(source="text", text="abc")
    assert s.x.shape == (2, 3, 29) and s.error is None  # one-hot: input_dim = alphabet


def test_embedding_first_gets_ids():
    s = AppState()
    s.add_layer("Embedding", index=0)
    assert s.error is None
    assert s.x.ndim == 2 and np.issubdtype(s.x.dtype, np.integer)
    assert s.model.input_shapes()[0] == (None, 20)


def test_wrong_input_is_a_message_not_a_crash():
    s = AppState()
    s.set_input_data(np.zeros((1, 4, 3), dtype=np.float32))  # 3 features: input_dim follows
    assert s.error is None and s.model.layers[0].weights[0].shape[0] == 3
    with pytest.raises(LstmvizError):
        s.set_input_spec(nonsense=1)


def test_loaded_model_and_weights():
    path = FIX / "k3_lstm_default" / "model.keras"
    if not path.exists():
        pytest.skip("fixture missing")
    s = AppState()
    model = lstmviz.load(path)
    s.set_model(model, str(path))
    assert not s.readonly and [e.name for e in s.layers] == ["lstm", "dense"]
    x = np.load(FIX / "k3_lstm_default" / "x.npy")
    s.trace_all_samples = True
    s.set_input_data(x)
    want = np.load(FIX / "k3_lstm_default" / "expected.npz")
    key = "output" if "output" in want else list(want.keys())[0]
    np.testing.assert_allclose(s.trace.output, want[key], atol=1e-5)
    s.load_weights_file(FIX / "k3_lstm_default" / "model.weights.h5")
    assert s.error is None
    with pytest.raises(LstmvizError, match="do not fit.*holds weights for 3 layer"):  # a real misfit
        s.load_weights_file(FIX / "k3_bidi_lstm_stacked" / "model.weights.h5")


def _neither(s: AppState, path) -> str:
    """What the window says of a weights file that fits neither the stack nor a model of
    its own (``ui/main_window._open_weights``, without Qt)."""
    from lstmviz.app.opening import weights_refusal
    from lstmviz.loading import read_weights

    with pytest.raises(LstmvizError) as misfit:
        s.load_weights_file(path, read=read_weights(path, isolate=False))
    with pytest.raises(LstmvizError) as unbuilt:
        lstmviz.load(path, isolate=False)
    return weights_refusal(misfit.value, unbuilt.value)


def _write_weights(path, arrays: dict) -> None:
    import h5py

    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        for name, shape in arrays.items():
            f.create_dataset(name, data=rng.standard_normal(shape).astype("f4"))
        f.create_group("vars")


def test_weights_that_fit_nothing_say_the_files_own_reason_first(tmp_path):
    """File > Open of a seq2seq's weights (sh_translation.weights.h5) over the demo began
    "these weights do not fit the current stack: ... layer 'lstm' (LSTM) needs [(1, 32),
    ...]" about the sine stack, the real reason after it, and ended "load these weights
    onto a matching stack in the app", which no stack of one input can be. The file's
    reason comes first, the stack in a few words, then advice that can be followed: for
    two inputs the full model file only; for a RepeatVector whose n no weights file
    records (soorya_gru.weights.h5), a matching stack still, with the n the user must set."""
    from lstmviz.loading import SEVERAL_INPUTS_HINT

    seq2seq = tmp_path / "translation.weights.h5"
    _write_weights(seq2seq, {
        "layers/dense/vars/0": (8, 30), "layers/dense/vars/1": (30,),
        "layers/embedding/vars/0": (20, 6), "layers/embedding_1/vars/0": (30, 6),
        "layers/lstm/cell/vars/0": (6, 32), "layers/lstm/cell/vars/1": (8, 32), "layers/lstm/cell/vars/2": (32,),
        "layers/lstm_1/cell/vars/0": (6, 32), "layers/lstm_1/cell/vars/1": (8, 32),
        "layers/lstm_1/cell/vars/2": (32,)})
    s = AppState()
    ours = ", ".join(l.name for l in s.model.layers if l.weights)
    msg = _neither(s, seq2seq)
    assert msg.startswith("translation.weights.h5: its layers make no single stack: "), msg
    assert msg.endswith(f"a wiring that a weights file does not record. Nor do its weights fit the current "
                        f"stack (layers with weights: {ours}). {SEVERAL_INPUTS_HINT}"), msg
    assert "matching stack" not in msg and "needs [" not in msg and "\n" not in msg
    repeat = tmp_path / "seq.weights.h5"
    _write_weights(repeat, {
        "layers/gru/cell/vars/0": (1, 12), "layers/gru/cell/vars/1": (4, 12), "layers/gru/cell/vars/2": (2, 12),
        "layers/gru_1/cell/vars/0": (4, 12), "layers/gru_1/cell/vars/1": (4, 12),
        "layers/gru_1/cell/vars/2": (2, 12), "layers/gru_2/cell/vars/0": (4, 12),
        "layers/gru_2/cell/vars/1": (4, 12), "layers/gru_2/cell/vars/2": (2, 12),
        "layers/time_distributed/layer/vars/0": (4, 1), "layers/time_distributed/layer/vars/1": (1,)})
    import h5py

    with h5py.File(repeat, "a") as f:
        f.require_group("layers/repeat_vector/vars")
    msg = _neither(s, repeat)
    # (the advice names what the user must set on the matching stack: the n no weights
    # file records; "load these weights onto a matching stack" alone left it unsaid)
    assert msg == ("seq.weights.h5: layer 'repeat_vector' (RepeatVector) has no 'n' in its config (a "
                   "weights-only file does not record it). Nor do its weights fit the current stack "
                   f"(layers with weights: {ours}). Open the full model file, or load these weights onto "
                   "a matching stack in the app and set the n of its RepeatVector 'repeat_vector' (how "
                   "many steps it repeats) yourself"), msg


def test_weights_saved_for_a_stack_like_the_current_one_say_its_misfit_first(tmp_path):
    """Weights of as many layers as the stack has were saved for a stack like it: their
    misfit is the reason, said first (as before), the file's own after it."""
    s = AppState()
    weighted = [l for l in s.model.layers if l.weights]
    path = tmp_path / "two.weights.h5"  # (a Conv2D lstmviz cannot infer, LSTMs)
    _write_weights(path, {"layers/conv2d/vars/0": (3, 3, 2, 4),
                          **{f"layers/{name}/cell/vars/{k}": shape for name in ("lstm", "lstm_1")[:len(weighted) - 1]
                             for k, shape in enumerate([(6, 32), (8, 32), (32,)])}})
    msg = _neither(s, path)
    assert msg.startswith("these weights do not fit the current stack: two.weights.h5: "), msg
    assert "Nor can lstmviz build a model from the file alone: two.weights.h5: " in msg


def test_an_edit_that_replaces_an_opened_files_weights_says_so():
    """Editing an opened (trained) model drew new initial weights without a word: the
    status bar kept 'Opened ...'. Now a notice names the layers whose file weights were
    replaced (the edited one; the next one partly: a new kernel for the new width); an
    edit that keeps them, the built-in stack and undo say nothing."""
    said: list[str] = []
    s = AppState()
    s.notice.connect(said.append)
    s.set_layer_option(0, "units", 5)  # the built-in stack: its weights were never a file's
    assert said == []
    s.set_model(lstmviz.load(FIX / "k3_lstm_stacked_td" / "model.keras"), "m.keras")
    names = [e.name for e in s.layers]
    trained = [[np.array(w) for w in e.weights] for e in s.layers]
    s.set_layer_option(0, "units", int(s.layers[0].config["units"]) + 1)
    assert len(said) == 1 and said[0].startswith(f"New initial weights for {names[0]}, {names[1]} (partly)")
    assert "Ctrl+Z" in said[0]
    assert np.array_equal(s.layers[1].weights[1], trained[1][1])  # the next one's recurrent kernel kept
    s.undo()
    assert len(said) == 1
    assert all(np.array_equal(a, b) for e, ws in zip(s.layers, trained) for a, b in zip(e.weights, ws))
    s.set_input_spec(timesteps=9)  # the weights still fit: nothing to say
    assert len(said) == 1


def test_input_edits_on_a_read_only_model_are_undone_one_by_one():
    # a graph model opened read-only: its input (steps, values, imported data) is still the
    # user's to edit, and Ctrl+Z takes back that edit, not the opening of the model
    s = AppState()
    s.set_layer_option(0, "units", 5)
    seq2seq = lstmviz.load(FIX / "k3_seq2seq_lstm" / "model.keras")
    s.set_model(seq2seq, "s2s.keras")
    assert s.readonly
    opened = s.input.timesteps
    s.set_input_spec(timesteps=opened + 3)
    s.set_input_spec(source="noise")
    assert len(s.undo_stack) == 4

    assert s.undo() and s.readonly and s.model is seq2seq and s.path == "s2s.keras"
    assert s.input.timesteps == opened + 3 and s.input.source != "noise"
    assert s.undo() and s.model is seq2seq and s.input.timesteps == opened
    assert s.trace is not None and s.error is None
    assert s.trace[s.cursor.layer].steps["h"].shape[1] == opened
    assert s.undo() and not s.readonly and s.layers[0].config["units"] == 5  # the stack before
    assert s.redo() and s.model is seq2seq and s.input.timesteps == opened
    assert s.redo() and s.input.timesteps == opened + 3


def test_opening_a_model_or_a_new_stack_can_be_undone():
    # the user's hand-built stack is never lost to File > Open or New stack
    s = AppState()
    s.set_layer_option(0, "units", 5)
    s.set_input_spec(timesteps=7)
    mine, my_weights = s.snapshot(), [np.array(w) for w in s.layers[0].weights]
    functional = lstmviz.load(FIX / "k3_merge_branches" / "model.keras")  # read-only
    s.set_model(functional, "branches.keras")
    assert s.readonly and s.path == "branches.keras"
    plain = lstmviz.load(FIX / "k3_lstm_default" / "model.keras")
    s.set_model(plain, "plain.keras")
    assert not s.readonly
    s.new_stack()

    assert s.undo() and s.path == "plain.keras" and not s.readonly
    assert [e.name for e in s.layers] == ["lstm", "dense"]
    assert s.undo() and s.readonly and s.model is functional and s.path == "branches.keras"
    assert s.trace is not None and s.error is None
    assert s.undo() and not s.readonly and s.path is None
    assert s.snapshot().layers[0][1] == mine.layers[0][1] and s.input.timesteps == 7
    for got, want in zip(s.layers[0].weights, my_weights):
        np.testing.assert_array_equal(got, want)
    assert len(s.undo_stack) == 2  # the two edits before File > Open are still there
    assert s.redo() and s.readonly and s.model is functional  # and forward again
    assert s.redo() and s.path == "plain.keras"


def test_next_batch_carries_the_stateful_states_like_one_long_sequence():
    from lstmviz.engine import LayerSpec, Model

    cfg = default_config("LSTM", units=3)
    cfg.update(return_sequences=True, stateful=True)
    s = AppState([LayerEntry("LSTM", cfg)], InputSpec(batch_size=2, timesteps=5, input_dim=1))
    assert s.model.stateful and s.batch_index == 0
    first = np.array(s.trace.output)
    s.next_batch()
    assert s.batch_index == 1
    second = np.array(s.trace.output)
    rec = s.trace[s.layers[0].name]
    np.testing.assert_array_equal(rec.initial_state["h"], first[:, -1])  # carried, not zeros
    # the same weights, not stateful, over both batches' input as one sequence of 10 steps
    w = s.model.layers[0].weights
    long = Model.sequential((2, 10, 1), [LayerSpec("LSTM", {"units": 3, "return_sequences": True},
                                                   weights=[np.array(a) for a in w])])
    x = np.concatenate([s.make_input(), s.x], axis=1)
    np.testing.assert_allclose(long.trace(x).output, np.concatenate([first, second], axis=1),
                               atol=1e-6)
    s.set_cursor(step=4)
    s.reset_states()
    assert s.batch_index == 0
    np.testing.assert_array_equal(s.trace.output, first)


@pytest.mark.parametrize("source", ["impulse", "mixed_sines", "random_walk"])
def test_next_batch_continues_the_generated_signal(source):
    """The next batch's input is the generated signal going on: no second spike of an
    impulse, mixed sines at batch 0's scale, a random walk from where it stood."""
    cfg = default_config("LSTM", units=3)
    cfg.update(return_sequences=True, stateful=True)
    s = AppState([LayerEntry("LSTM", cfg)], InputSpec(batch_size=6, timesteps=30, input_dim=2, source=source))
    first = np.array(s.x)
    s.next_batch()
    from lstmviz.app import inputs as gen
    np.testing.assert_array_equal(s.x, gen.generate(source, 6, 30, 2, seed=s.input.seed,
                                                    period=s.input.period, batch_index=1))
    if source == "impulse":
        assert first.sum() == 6 * 2 and not s.x.any()
    elif source == "mixed_sines":
        both = np.concatenate([first, s.x], axis=1)
        ref = gen.generate(source, 6, 60, 2, seed=s.input.seed, period=s.input.period)
        ratio = both[np.abs(both) > 1e-3] / ref[np.abs(both) > 1e-3]
        assert np.ptp(ratio) < 1e-4
    else:
        inner = np.abs(np.diff(first, axis=1)).max()
        assert np.abs(s.x[:, 0] - first[:, -1]).max() <= inner


def test_next_batch_needs_a_stateful_layer():
    s = AppState()
    with pytest.raises(LstmvizError, match="no layer is stateful"):
        s.next_batch()


def test_a_lesson_changes_the_state_and_puts_it_back_without_touching_undo():
    # Qt-free: what lecture mode's lessons do to the state (app/tours.apply_step)
    from lstmviz.app import tours

    s = AppState()
    s.rebuild()
    s.set_layer_option(0, "units", 5)
    s.set_cursor(step=4, unit=3)
    before = [(e.class_name, e.config, [w.copy() for w in e.weights]) for e in s.layers]
    undo, cursor = len(s.undo_stack), s.cursor
    saved = s.lesson_saved()
    lesson = tours.lesson(0)
    for step in lesson.steps:
        tours.apply_step(s, step)
        assert s.error is None
    assert [e.class_name for e in s.layers] != [b[0] for b in before] or s.layers[0].config != before[0][1]
    s.lesson_restore(saved)
    assert [(e.class_name, e.config) for e in s.layers] == [(c, cfg) for c, cfg, _ in before]
    for e, (_, _, ws) in zip(s.layers, before):
        for a, b in zip(e.weights, ws):
            np.testing.assert_array_equal(a, b)
    assert s.cursor == cursor and len(s.undo_stack) == undo


def test_each_operation_says_once_what_it_changed():
    s = AppState()
    seen = []
    s.changed.connect(seen.append)
    s.add_layer("GRU", index=0)  # rebuild, select the new layer, the stack's cards
    assert len(seen) == 1 and seen[0].model and seen[0].cursor and seen[0].stack and seen[0].history
    seen.clear()
    s.set_cursor(step=3)
    assert len(seen) == 1 and seen[0].cursor and not seen[0].model
    seen.clear()
    s.set_cursor(step=3)  # nothing moved: nothing said
    assert seen == []
    s.undo()
    assert len(seen) == 1 and seen[0].model and seen[0].history
    seen.clear()
    s.set_layer_option(0, "units", 0)  # invalid: the error, and the last model stays
    assert len(seen) == 1 and seen[0].error and not seen[0].model


def test_an_rnn_of_one_cell_opened_from_keras_3_is_editable_like_its_cell():
    import lstmviz
    from helpers import FIXTURES

    s = AppState()
    s.set_model(lstmviz.load(FIXTURES / "k3_rnn_cells" / "model.keras", isolate=False), "m.keras")
    assert s.layers[0].class_name == "RNN" and not s.readonly
    keys = [o.key for o in options_for("RNN", s.layers[0].config)]
    assert keys[:5] == ["cell.units", "cell.activation", "cell.recurrent_activation", "cell.use_bias",
                        "cell.unit_forget_bias"] and "return_sequences" in keys
    assert options_for("RNN", s.layers[1].config) == []  # RNN([GRUCell, SimpleRNNCell])
    s.set_layer_option(0, "cell.units", 6)
    assert s.error is None and s.model.get_layer(s.layers[0].name).units == 6
    assert s.model.get_layer(s.layers[0].name).kind == "LSTM"
    s.set_layer_option(0, "return_sequences", False)
    assert s.error is not None  # the stacked RNN after it needs sequences: the engine says so
    s.undo()
    assert s.error is None


def _flat_bits(trace):
    return {k: (v.shape, np.ascontiguousarray(v).tobytes()) for k, v in trace.flat().items()}


def test_an_edit_keeps_the_records_of_the_layers_before_it():
    # units of the middle LSTM: the first layer (same weights, same input) keeps its record
    # (the very object), the edited one and the one after it are traced again; every number
    # is what a trace from scratch gives, to the bit
    def lstm():
        cfg = default_config("LSTM", units=8)
        cfg["return_sequences"] = True
        return LayerEntry("LSTM", cfg)

    s = AppState([lstm(), lstm(), lstm()], InputSpec(batch_size=2, timesteps=12, input_dim=3))
    first, middle, last = (l.name for l in s.model.layers)
    before = s.trace
    s.set_layer_option(1, "units", 5)
    assert s.trace.layers[first] is before.layers[first]
    assert s.trace.layers[middle] is not before.layers[middle]
    assert s.trace.layers[last] is not before.layers[last]
    x = s.x[s.traced_sample:s.traced_sample + 1]
    assert _flat_bits(s.trace) == _flat_bits(s.model.trace(x))
    # an edit of the first layer leaves nothing to keep
    kept = s.trace
    s.set_layer_option(0, "units", 6)
    assert all(s.trace.layers[n] is not kept.layers[n] for n in (first, middle, last))
    assert _flat_bits(s.trace) == _flat_bits(s.model.trace(x))


def test_a_trace_is_reused_only_for_the_same_weights_and_input():
    from lstmviz.engine import LayerSpec, Model

    specs = [LayerSpec("GRU", {"units": 4, "return_sequences": True}), LayerSpec("Dense", {"units": 2})]
    m = Model.sequential((None, 6, 3), specs, seed=1)
    x = np.random.default_rng(0).normal(size=(1, 6, 3)).astype(np.float32)
    t0 = m.trace(x)
    gru, dense = (l.name for l in m.layers)
    assert m.trace(x, reuse=t0).layers[gru] is t0.layers[gru]
    assert m.trace(x + 1, reuse=t0).layers[gru] is not t0.layers[gru]  # another input
    w = [a.copy() for a in m.layers[0].weights]
    w[1].reshape(-1)[0] = np.nextafter(w[1].reshape(-1)[0], np.float32(9))  # one bit
    m.layers[0].set_weights(w)
    t1 = m.trace(x, reuse=t0)
    assert t1.layers[gru] is not t0.layers[gru] and t1.layers[dense] is not t0.layers[dense]
    assert _flat_bits(t1) == _flat_bits(m.trace(x))
    # weights written in place (as training does) and an input edited in place
    m.layers[1].weights[0][0, 0] += 1.0
    t2 = m.trace(x, reuse=t1)
    assert t2.layers[gru] is t1.layers[gru] and t2.layers[dense] is not t1.layers[dense]
    assert _flat_bits(t2) == _flat_bits(m.trace(x))
    x[0, 0, 0] += 1.0
    assert m.trace(x, reuse=t2).layers[gru] is not t2.layers[gru]


def test_a_layer_too_large_to_copy_is_traced_again(monkeypatch):
    # a trace keeps copies of what made each record; beyond MAX_COPY a layer is not kept
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.engine import model as engine_model

    m = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4, "return_sequences": True})], seed=2)
    x = np.random.default_rng(1).normal(size=(1, 5, 3)).astype(np.float32)
    lstm = m.layers[0].name
    t0 = m.trace(x)
    assert m.trace(x, reuse=t0).layers[lstm] is t0.layers[lstm]
    monkeypatch.setattr(engine_model._Reusable, "MAX_COPY", 64)  # smaller than its weights
    t1 = m.trace(x)
    t2 = m.trace(x, reuse=t1)
    assert t2.layers[lstm] is not t1.layers[lstm]
    assert _flat_bits(t2) == _flat_bits(t0)


def test_the_input_is_kept_once_however_many_edits_the_undo_history_holds():
    """The state's input is read-only (an edit makes a new array), so every undo snapshot
    and a session share it: 20 edits of a 2 MB input used to hold 20 copies of it."""
    from lstmviz.app import session as ses

    s = AppState()
    mine = np.random.default_rng(0).normal(size=(4, 500, 3)).astype(np.float32)
    s.set_input_data(mine)
    held = s.input.data
    assert not held.flags.writeable and not np.may_share_memory(held, mine)  # the caller's stays theirs
    mine[0, 0, 0] = 99.0
    assert held[0, 0, 0] != 99.0
    with pytest.raises(ValueError):
        held[0, 0, 0] = 1.0
    for k in range(20):
        s.set_layer_option(0, "units", 5 + k % 3)
    assert len(s.undo_stack) == 21
    assert all(snap.input.data is held for snap in s.undo_stack[1:])
    assert ses.capture(s).input.data is held
    s.set_input_value(0, 3, 1, 7.5)  # a new array: the snapshot before keeps the old numbers
    assert s.x[0, 3, 1] == 7.5 and held[0, 3, 1] != 7.5
    assert s.undo() and s.input.data is held and s.x[0, 3, 1] == held[0, 3, 1]
    s.set_input_spec(timesteps=400)  # cropped: a new read-only array
    assert s.input.data.shape == (4, 400, 3) and not s.input.data.flags.writeable


def test_a_long_npy_stays_memory_mapped_in_the_state(tmp_path):
    """A ``.npy`` opened as a long input is read from the disk when used: the state, its
    undo history and the trace read the mapped file, not a copy in memory."""
    from lstmviz.app.input_edits import mapped_read_only
    from lstmviz.app.long_data import open_npy

    x = np.random.default_rng(1).normal(size=(1, 5000, 3)).astype(np.float32)
    np.save(tmp_path / "long.npy", x)
    s = AppState()
    s.set_input_data(open_npy(tmp_path / "long.npy"))
    assert mapped_read_only(s.input.data) and np.array_equal(s.input.data, x)
    s.set_layer_option(0, "units", 6)
    assert s.undo_stack[-1].input.data is s.input.data
    assert s.error is None and s.long is not None  # 5,000 steps: a long input
    # the window shown (the first one) equals a trace of the same numbers held in memory
    name = s.model.layers[0].name
    got = s.trace[name].steps["h"]
    assert s.trace.start == 0 and got.shape[1] == QUICK_STEPS  # (the first steps at once)
    assert np.array_equal(got, s.model.trace(x[:, :s.long.window])[name].steps["h"][:, :QUICK_STEPS])
    assert s.long.run_pass()  # (the worker: the first window, then the pass)
    s.follow_long()
    got = s.trace[name].steps["h"]
    assert s.trace.start == 0 and got.shape[1] == s.long.window
    assert np.array_equal(got, s.model.trace(x[:, :s.long.window])[name].steps["h"])


@pytest.mark.parametrize("version,major", [("1.2.2", 1), ("2.2.4", 2)])
def test_an_opened_keras_1_or_2_stack_is_traced_as_its_keras_traces_it(tmp_path, version, major):
    """A Keras 1/2 file's stack became the editable stack as a Keras 3 one: its
    hard_sigmoid gates were Keras 3's (relu6(x + 3) / 6, not clip(0.2x + 0.5)), so the app
    showed i = 0.667 where Keras and ``lstmviz trace`` compute 0.701. The stack keeps the
    file's generation through edits, undo and a session; a new stack is Keras 3's."""
    from lstmviz.app import session as ses
    from lstmviz.engine import LayerSpec, Model

    def lstm(units):
        return LayerSpec("LSTM", {"units": units, "recurrent_activation": "hard_sigmoid",
                                  "return_sequences": True})

    model = Model.sequential((None, 6, 2), [lstm(3), LayerSpec("Dense", {"units": 1})],
                             seed=2, keras_version=version)
    s = AppState()
    s.set_model(model, "old.h5")

    def same_as_file(state, file_model):
        assert state.model.keras_major == major
        want = file_model.trace(state.x[:1])  # (the app traces the shown sample)
        for key in ("i", "f", "o", "h"):
            np.testing.assert_allclose(state.trace["lstm"].steps[key], want["lstm"].steps[key], atol=1e-6)
        np.testing.assert_allclose(state.trace.output, want.output, atol=1e-6)

    same_as_file(s, model)
    # the gates really differ between the generations here (the test would see a mix-up)
    keras3 = Model.sequential((None, 6, 2), [lstm(3), LayerSpec("Dense", {"units": 1})], seed=2)
    assert not np.allclose(keras3.trace(s.x[:1])["lstm"].steps["i"], s.trace["lstm"].steps["i"], atol=1e-3)

    s.set_layer_option(0, "units", 4)  # an edit keeps the generation
    assert s.model.keras_major == major
    edited = Model.from_spec(s.model.to_spec())
    path = ses.save_session(s, tmp_path / "k.lstmviz")
    s.new_stack()
    assert s.model.keras_major == 3
    s.undo()
    same_as_file(s, edited)
    other = AppState()
    ses.open_session(other, path)
    same_as_file(other, edited)


def test_weights_put_on_a_read_only_model_are_undone(tmp_path):
    """A weights file onto an opened graph model (a seq2seq): the weights were written into
    the opened model itself, the one the undo history holds, and no undo entry was made,
    so Ctrl+Z threw the model away for the stack before it and its own weights were gone."""
    import shutil

    import h5py

    case = FIX / "k3_seq2seq_lstm"
    doubled = tmp_path / "doubled.weights.h5"
    shutil.copy(case / "model.weights.h5", doubled)
    with h5py.File(doubled, "r+") as f:
        f.visititems(lambda _n, obj: obj.__setitem__(Ellipsis, obj[...] * 2)
                     if isinstance(obj, h5py.Dataset) else None)
    s = AppState()
    s.set_model(lstmviz.load(case / "model.keras"), "s2s.keras")
    opened = s.model
    own = [np.array(w) for layer in opened.layers for w in layer.weights]
    x = [np.load(case / "x0.npy"), np.load(case / "x1.npy")]
    want = opened.trace(x).output
    s.load_weights_file(doubled)
    assert s.readonly and s.path == str(doubled)
    got = [w for layer in s.model.layers for w in layer.weights]
    assert all(np.array_equal(g, 2 * o) for g, o in zip(got, own))
    assert s.undo() and s.readonly and s.path == "s2s.keras" and s.model is opened
    assert all(np.array_equal(w, o) for w, o in zip((w for layer in s.model.layers for w in layer.weights), own))
    np.testing.assert_array_equal(s.model.trace(x).output[0], want[0])
    assert s.redo() and s.path == str(doubled)
    assert all(np.array_equal(g, 2 * o) for g, o in zip((w for layer in s.model.layers for w in layer.weights), own))


def test_switching_an_opened_layers_kind_says_its_file_weights_went():
    """LSTM -> GRU on an opened file's layer drew new weights over the trained ones without
    the notice every other such edit gives: the layer is renamed with its kind ('gru'),
    so it was not found among the file's layers."""
    s = AppState()
    said = []
    s.notice.connect(said.append)
    s.set_model(lstmviz.load(FIX / "k3_lstm_stacked_td" / "model.keras"), "m.keras")
    first = s.layers[0].name
    trained = [np.array(w) for w in s.layers[0].weights]
    s.change_kind(0, "GRU")
    assert s.layers[0].class_name == "GRU" and s.error is None
    assert len(said) == 1 and said[0].startswith(f"New initial weights for {first} (now {s.layers[0].name})")
    assert "Ctrl+Z" in said[0]
    s.undo()
    assert s.layers[0].name == first
    assert all(np.array_equal(a, b) for a, b in zip(s.layers[0].weights, trained))
    s.new_stack()
    s.change_kind(0, "GRU")  # a stack made here has no file's weights to speak of
    assert len(said) == 1


def _functional(extra=None, **lstm):
    from lstmviz.engine import LayerSpec, ModelSpec, TensorRef

    layers = [LayerSpec("InputLayer", {"batch_shape": [None, 5, 2]}, name="x"),
              LayerSpec("LSTM", {"units": 3, **lstm}, name="lstm", inbound=[TensorRef("x")]),
              LayerSpec("Dense", {"units": 1}, name="dense", inbound=[TensorRef("lstm")])]
    return ModelSpec(layers + (extra or []), inputs=[TensorRef("x")],
                     outputs=[TensorRef(extra[-1].name if extra else "dense")], name="f")


def test_only_a_functional_chain_has_a_sequential_twin():
    """ModelSpec.as_chain: Input -> each layer reading the one before it -> one output is
    the Sequential model it equals; a branch, an explicit mask or initial state, a layer
    returning its states, or a graph of two inputs is not."""
    from lstmviz.app.opening import sequential_twin
    from lstmviz.engine import LayerSpec, Model, TensorRef

    chain = _functional()
    seq = chain.as_chain()
    assert seq is not None and seq.is_sequential and [l.name for l in seq.layers] == ["x", "lstm", "dense"]
    assert chain.layers[1].inbound  # the functional spec itself is left as it was
    x = np.random.default_rng(0).standard_normal((2, 5, 2)).astype(np.float32)
    functional = Model.from_spec(chain, seed=1)
    twin = sequential_twin(functional)
    assert twin is not functional and twin.is_sequential
    np.testing.assert_array_equal(twin.trace(x).output, functional.trace(x).output)
    assert any("Sequential stack it equals" in n for n in twin.source["notes"])

    branched = _functional([LayerSpec("Add", {}, name="add", inbound=[TensorRef("dense"), TensorRef("dense")])])
    assert branched.as_chain() is None
    assert _functional(return_state=True).as_chain() is None
    skip = _functional()
    skip.layers[2].inbound = [TensorRef("x")]  # Dense reads the input, not the LSTM
    assert skip.as_chain() is None
    masked = _functional()
    masked.layers[1].mask = TensorRef("x")
    assert masked.as_chain() is None
    two = _functional()
    two.outputs.append(TensorRef("lstm"))
    assert two.as_chain() is None
    assert sequential_twin(Model.from_spec(branched, seed=0)).is_sequential is False


def test_the_undo_history_keeps_one_copy_of_weights_no_edit_changed():
    """An Embedding of many words before an LSTM: every edit of the LSTM copied the
    Embedding's table again into its undo snapshot (a 30k-word model: 2.4 GB after 40
    edits). A snapshot shares a frozen array with the history where its bits are the same,
    and undo still gives back the weights to the bit."""
    emb = LayerEntry("Embedding", {"input_dim": 2000, "output_dim": 16}, "emb")
    lstm = LayerEntry("LSTM", default_config("LSTM", units=4), "lstm")
    s = AppState([emb, lstm], InputSpec(batch_size=1, timesteps=3, input_dim=1))
    table = np.array(s.layers[0].weights[0])
    for i in range(6):
        s.set_layer_option(1, "units", 5 if i % 2 == 0 else 4)
    tables = {id(snap.layers[0][3][0]) for snap in s.undo_stack}
    assert len(tables) == 1
    kernels = {id(snap.layers[1][3][0]) for snap in s.undo_stack}
    assert len(kernels) <= 3 < len(s.undo_stack)  # the LSTM's redrawn kernels (units 4, 5) shared too
    before = s.layers[0].weights[0]
    s.layers[0].weights[0][0, 0] = -0.0 if before[0, 0] == 0 else before[0, 0] * 2  # a change in place
    s.set_layer_option(1, "units", 6)
    assert len({id(snap.layers[0][3][0]) for snap in s.undo_stack}) == 2
    while s.undo():
        pass
    np.testing.assert_array_equal(s.layers[0].weights[0], table)


def test_the_undo_history_is_bounded_by_its_weights_bytes(monkeypatch):
    """Edits that each draw new weights are dropped oldest first beyond a quarter of the
    memory limit, not kept to 100 edits whatever their size."""
    from lstmviz import limits
    monkeypatch.setattr(limits, "memory_limit", lambda: 4 * 1024 ** 2)  # 1 MB of history
    s = AppState([LayerEntry("LSTM", default_config("LSTM", units=60), "lstm")],
                 InputSpec(batch_size=1, timesteps=2, input_dim=200))  # ~110 KB a snapshot
    for units in range(61, 81):
        s.set_layer_option(0, "units", units)
    kept = len(s.undo_stack)
    assert 1 < kept < 20
    for _ in range(kept):
        assert s.undo()
    assert not s.undo() and s.layers[0].config["units"] == 80 - kept


def _history_bytes(s: AppState) -> int:
    """The memory the undo history holds, found by walking what its snapshots refer to (not
    by ``history.held_bytes``): every array's buffer once, a file mapped read-only none
    (it is on the disk), the state's own input not counted unless a snapshot holds it."""
    import gc
    import types

    seen: set[int] = set()
    buffers: dict[int, int] = {}
    todo: list = [s.undo_stack, s.redo_stack]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            root = obj
            while isinstance(root.base, np.ndarray):
                root = root.base
            if not isinstance(root, np.memmap) and root.base is None:
                buffers[id(root)] = root.nbytes
            continue
        todo.extend(gc.get_referents(obj))
    return sum(buffers.values())


def test_a_long_inputs_number_edits_keep_it_once_in_the_undo_history(tmp_path):
    """A .npy of 100,000 steps (1.2 MB) edited a number at a time: each edit's snapshot kept
    the whole input as it was, 1.2 MB an edit (100 edits of 100,000 steps of 64 features:
    2.5 GB). The history now keeps an older input as the numbers it differs by from the next
    one's (``HeldInput``): what it holds does not grow with the edits, and every undo and
    redo gives back the input to the bit."""
    x = np.random.default_rng(3).normal(size=(1, 100_000, 3)).astype(np.float32)
    np.save(tmp_path / "long.npy", x)
    s = AppState()
    s.import_input(tmp_path / "long.npy")
    edits = [(int(t), int(t) % 3, float(k) + 0.5) for k, t in
             enumerate(np.random.default_rng(4).choice(100_000, 30, replace=False))]
    held = []
    for t, f, v in edits:
        s.set_input_value(0, t, f, v)
        held.append(_history_bytes(s))
    assert s.error is None and len(s.undo_stack) == 31
    assert held[-1] < 1.5 * x.nbytes, held  # (30 copies before: 36 MB)
    assert held[-1] - held[4] < 30 * 64, held  # (a patch of 12 bytes an edit)
    final = np.array(s.input.data)
    for k in range(len(edits) - 1, -1, -1):  # each undo: that edit's number as it was
        assert s.undo()
        t, f, _ = edits[k]
        assert s.input.data[0, t, f] == x[0, t, f]
        assert all(s.input.data[0, tt, ff] == v for tt, ff, v in edits[:k])
    np.testing.assert_array_equal(s.input.data, x)
    while s.redo():
        pass
    np.testing.assert_array_equal(s.input.data, final)
    assert _history_bytes(s) < 1.5 * x.nbytes  # (and so on the way back)


def test_the_undo_history_is_bounded_with_its_inputs(monkeypatch, tmp_path):
    """Inputs imported one after another (each another 0.4 MB, no patch of the one before):
    the history's bound (``UNDO_SHARE`` of the memory limit) counted weights alone, and kept
    them all. Counted with its inputs, the oldest go first; what is kept undoes right."""
    from lstmviz import limits
    from lstmviz.app import history

    # (2 MB of history: its share of the memory limit; the limit itself also bounds the steps)
    monkeypatch.setattr(history, "UNDO_SHARE", 2 * 1024 ** 2 / limits.memory_limit())
    s = AppState()
    xs = [np.random.default_rng(k).normal(size=(1, 35_000, 3)).astype(np.float32) for k in range(12)]
    for k, x in enumerate(xs):
        np.save(tmp_path / f"x{k}.npy", x)
        s.import_input(tmp_path / f"x{k}.npy")
        assert _history_bytes(s) <= 2 * 1024 ** 2, k
    kept = len(s.undo_stack)
    assert 1 < kept < 12
    for k in range(kept - 1):
        assert s.undo()
        np.testing.assert_array_equal(s.input.data, xs[-2 - k])


def test_an_opened_models_name_stays_through_its_edits(tmp_path):
    """A Keras model 'my_forecaster' opened became the editable stack as Keras' "sequential":
    the exports' names, the Keras config export, the Train tab's "Training a copy of ..."
    and a saved session had lost it, before any edit. Its name now stays through edits,
    undo and redo, and a session (read back, not a made-up name); a new stack is
    "sequential" again."""
    from lstmviz.app import session as ses
    from lstmviz.app.export_data import keras_config
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    model = Model.sequential((None, 6, 3), [LayerSpec("LSTM", {"units": 5}), LayerSpec("Dense", {"units": 1})],
                             seed=0, name="my_forecaster")
    save_keras(model, tmp_path / "fc.keras")
    st = AppState()
    st.set_model(lstmviz.load(tmp_path / "fc.keras"), str(tmp_path / "fc.keras"))
    assert not st.readonly and st.model.name == "my_forecaster"
    st.set_layer_option(0, "units", 7)
    assert st.model.name == "my_forecaster" and st.model.layers[0].units == 7
    assert keras_config(st)["config"]["name"] == "my_forecaster"
    path = ses.save_session(st, tmp_path / "s.lstmviz")
    st.new_stack()
    assert st.model.name == "sequential" and keras_config(st)["config"]["name"] == "sequential"
    st.undo()
    assert st.model.name == "my_forecaster"
    other = AppState()
    ses.open_session(other, path)
    assert other.model.name == "my_forecaster" and other.model.layers[0].units == 7


def test_undo_and_redo_put_the_cursor_back_as_the_edit_found_and_left_it(tmp_path):
    """With a long input at step 4,000 of 5,000, timesteps set to 3,000 clamped the cursor
    to 2,999; Ctrl+Z gave the 5,000 steps back and left the cursor at 2,999. An undo now
    brings back the state before the edit, the cursor included (as a failed opening and a
    lesson's end do), and a redo the cursor the edit left; likewise a unit an edit of
    units clamped, and the layer a removal moved the cursor from."""
    from lstmviz.app.long_data import open_npy

    x = np.random.default_rng(2).normal(size=(1, 5000, 3)).astype(np.float32)
    np.save(tmp_path / "long.npy", x)
    s = AppState()
    s.set_input_data(open_npy(tmp_path / "long.npy"))
    assert s.error is None and s.long is not None
    s.set_cursor(step=4000)
    s.set_input_spec(timesteps=3000)
    assert s.cursor.step == 2999
    assert s.undo() and s.timesteps == 5000 and s.cursor.step == 4000
    assert s.redo() and s.timesteps == 3000 and s.cursor.step == 2999
    assert s.undo() and s.cursor.step == 4000

    s = AppState([LayerEntry("LSTM", {**default_config("LSTM", None, units=8), "return_sequences": True}),
                  LayerEntry("GRU", default_config("GRU", None, units=4))], InputSpec(timesteps=40))
    first, second = (layer.name for layer in s.model.layers)
    s.set_cursor(step=30, unit=6, layer=first)
    s.set_layer_option(0, "units", 4)
    assert (s.cursor.step, s.cursor.unit) == (30, 3)
    assert s.undo() and (s.cursor.step, s.cursor.unit, s.cursor.layer) == (30, 6, first)
    s.set_cursor(layer=second, unit=2)
    s.remove_layer(1)
    assert s.cursor.layer == first
    assert s.undo() and (s.cursor.layer, s.cursor.unit) == (second, 2)
    assert s.redo() and s.cursor.layer == first


def test_a_lessons_edits_and_undos_stay_in_it_and_the_users_history_comes_back():
    # a lecturer's Ctrl+Z in a lesson undid the work from before it (the lesson's caption then
    # described a stack no longer shown), and after it "Nothing to undo" while Redo brought
    # the lesson's stack back: a lesson now has a history of its own, the user's is put back
    from lstmviz.app import tours

    s = AppState()
    s.rebuild()
    s.set_layer_option(0, "units", 5)
    s.set_layer_option(0, "units", 6)
    s.undo()  # the user's history: one edit to undo, one to redo
    undo, redo = list(s.undo_stack), list(s.redo_stack)
    saved = s.lesson_saved()
    assert not s.undo_stack and not s.redo_stack  # nothing of the user's to undo in a lesson
    tours.apply_step(s, tours.lesson(0).steps[0])
    lesson_units = s.layers[0].config["units"]
    s.set_layer_option(0, "units", 16)  # an edit in the lesson: undone within it
    assert s.undo()
    assert s.layers[0].config["units"] == lesson_units
    assert not s.undo()  # not past the lesson's start
    s.set_layer_option(0, "units", 12)
    s.lesson_restore(saved)
    assert s.layers[0].config["units"] == 5
    assert s.undo_stack == undo and s.redo_stack == redo
    assert s.redo() and s.layers[0].config["units"] == 6  # the user's redo, not the lesson's stack
    assert s.undo() and s.undo() and s.layers[0].config["units"] != 5


def test_every_unit_of_a_stack_of_cells_can_be_selected():
    """RNN([GRUCell(3), SimpleRNNCell(2)]) outputs 2 features, but Over time shows each
    cell's records: the cursor takes units up to the widest cell's (the GRU's unit 2 was
    clamped to 1, a row of its heatmaps no click could select)."""
    st = AppState()
    st.set_model(lstmviz.load(FIX / "k3_rnn_cells" / "model.keras"))
    assert [c.units for c in st.model.get_layer("rnn_stacked").cells] == [3, 2]
    assert st.units_of("rnn_stacked") == 3
    assert st.set_cursor(layer="rnn_stacked", unit=2).unit == 2
    assert st.set_cursor(unit=5).unit == 2


@pytest.mark.parametrize("dec_steps", [3, 8])
def test_the_clock_runs_over_the_selected_layers_own_steps(dec_steps):
    """A seq2seq whose decoder runs more or fewer steps than its encoder (katakana_seq2seq:
    85 and 45): the clock ran over the first input's steps whatever the layer, so on the
    decoder the header and the player said 't = 60 / 84' while every view showed the
    decoder's last step, 44, and a decoder longer than its encoder had steps no one could
    reach. On a layer, the clock runs over that layer's steps (a head after the decoder:
    the decoder's), clamped there when the layer changes."""
    s = AppState()
    s.set_model(encoder_decoder(dec_steps), "s2s.keras")
    assert s.timesteps == 5 and s.clock_steps == 5  # (the encoder, the first layer)
    s.set_cursor(step=4)
    for layer in ("decoder", "out"):
        s.set_cursor(layer=layer, step=dec_steps - 1)
        assert s.clock_steps == dec_steps == s.trace["decoder"].timesteps
        assert s.cursor.step == dec_steps - 1
        s.set_cursor(step=99)
        assert s.cursor.step == dec_steps - 1  # (clamped to the decoder's last step)
    s.set_cursor(layer="encoder")
    assert s.clock_steps == 5 and s.cursor.step == min(dec_steps, 5) - 1


def test_a_read_only_model_of_token_ids_says_its_input_is_the_typed_text():
    """A seq2seq of token ids (katakana_seq2seq.h5) opened: the side panel said "values:
    sine, seed 0" and the Input tab "Sine wave", while the ids traced were the characters
    of the text box's "hello world" (9, 6, 13, 13, 16, ...), which could not be edited there.
    The input is the typed text now, and typing another text changes the ids."""
    from lstmviz.engine import LayerSpec, Model, ModelSpec, TensorRef

    layers = [LayerSpec("InputLayer", {"batch_shape": [None, 12]}, "ids"),
              LayerSpec("Embedding", {"input_dim": 20, "output_dim": 4}, "emb", inbound=[TensorRef("ids")]),
              LayerSpec("LSTM", {"units": 3}, "a", inbound=[TensorRef("emb")]),
              LayerSpec("GRU", {"units": 3}, "b", inbound=[TensorRef("emb")]),
              LayerSpec("Add", {}, "sum", inbound=[TensorRef("a"), TensorRef("b")])]
    model = Model.from_spec(ModelSpec(layers, [TensorRef("ids")], [TensorRef("sum")], keras_version="3"))
    st = AppState()
    st.set_model(model)
    assert st.readonly and st.takes_ids
    assert st.input.source == "text"
    before = np.array(st.x)
    st.set_input_spec(text="zyx wvu")
    assert st.input.source == "text" and st.input.timesteps == 12  # (the model's steps)
    assert not np.array_equal(np.array(st.x), before)
    # a model of numbers keeps its generated wave
    st.set_model(Model.from_spec(ModelSpec(
        [LayerSpec("InputLayer", {"batch_shape": [None, 6, 2]}, "x"),
         LayerSpec("LSTM", {"units": 3}, "a", inbound=[TensorRef("x")]),
         LayerSpec("GRU", {"units": 3}, "b", inbound=[TensorRef("x")]),
         LayerSpec("Add", {}, "sum", inbound=[TensorRef("a"), TensorRef("b")])],
        [TensorRef("x")], [TensorRef("sum")], keras_version="3")))
    assert st.readonly and st.input.source == "sine"


def test_a_model_of_token_ids_opened_after_another_shows_no_features_of_that_one():
    """galalen_arabic_bilstm.h5 (200 features a step), then File > Open of
    khushi_imdb_gru.h5 (an Embedding of token ids): the side panel's input_dim, greyed out,
    still said 200, the first model's features; opened alone it says 1 (one id a step)."""
    from lstmviz.engine import LayerSpec, Model

    numbers = Model.sequential((None, 1, 200), [LayerSpec("LSTM", {"units": 4})], seed=0)
    ids = Model.sequential((None, 30), [LayerSpec("Embedding", {"input_dim": 50, "output_dim": 8}),
                                        LayerSpec("GRU", {"units": 4})], seed=0)
    st = AppState()
    st.set_model(numbers, path="galalen.h5")
    assert st.input.input_dim == 200
    st.set_model(ids, path="khushi.h5")
    fresh = AppState()
    fresh.set_model(ids, path="khushi.h5")
    assert st.input.input_dim == fresh.input.input_dim == 1


@pytest.mark.parametrize("cls, config, words", [
    ("GlobalAveragePooling1D", {}, ("GlobalAveragePooling1D: the mean of every feature over the steps: "
                                    "(batch, steps, features) becomes (batch, features).", "(batch, 1, features)")),
    ("GlobalMaxPooling1D", {"data_format": "channels_first"},
     ("GlobalMaxPooling1D (channels_first): the largest value over its input's last axis: the steps of "
      "(batch, features, steps)", "each step's features of (batch, steps, features), the steps kept"))])
def test_pooling_tip_where_not_known_says_its_data_format(cls, config, words):
    """A global pooling's keepdims tip without its model (``options_for``'s where None): a
    channels_last one over the steps of (batch, steps, features); a channels_first one both
    ways, the steps of (batch, features, steps) or each step's features of (batch, steps,
    features), not "over the steps" alone (``test_seed_bugs``: where its model says which)."""
    tip = next(o.tooltip for o in options_for(cls, config) if o.key == "keepdims")
    assert tip.startswith(words[0]) and words[1] in tip, tip
