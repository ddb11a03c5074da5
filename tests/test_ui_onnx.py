"""ONNX and safetensors models in the window: Open dialog, drag and drop, and views that
show the engine's values with the gates labelled as Keras users know them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("safetensors")

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

from lstmviz.ui.main_window import is_model_file  # noqa: E402
from lstmviz.ui.views._common import cell_refs  # noqa: E402
from lstmviz.ui.views.cell import CellView, equations  # noqa: E402
from lstmviz.ui.views.weights import WeightsView  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LSTM = FIXTURES / "onnx_torch_classic_lstm" / "model.onnx"


def _view(window, cls):
    return next(v for v in window.views if isinstance(v, cls))


def test_opened_says_the_layers_the_stack_lists_not_the_onnx_ops_it_hides(make_window):
    """Opening a two-layer bidirectional ONNX LSTM said "Opened model.onnx: 19 layers"
    while the side panel listed 4 (InputLayer, two LSTMs, a Dense): the count took in the
    15 Transpose/Shape/Slice ops that the panel and ``summary`` leave out. It says the
    layers listed, and the ops besides."""
    w = make_window()
    assert w.open_file(str(FIXTURES / "onnx_torch_classic_lstm_bidir_2layer" / "model.onnx")), w.last_message
    cards = w.stack_panel.cards
    listed = sum(1 for k in range(cards.count()) if not cards.item(k).isHidden())
    assert listed == 4
    assert w.last_message.startswith(f"Opened model.onnx: {listed} layers (and 15 ONNX ops that only "
                                     "move or reshape data), 754 parameters"), w.last_message


def test_open_onnx_and_weights_view_labels_gates(make_window):
    w = make_window()
    assert w.open_file(str(LSTM)), w.last_message
    assert "154 parameters" in w.last_message
    w.state.set_cursor(layer="rnn.LSTM")
    view = _view(w, WeightsView)
    w.tabs.setCurrentWidget(view)
    QtWidgets.QApplication.processEvents()
    layer = w.state.model.get_layer("rnn.LSTM")
    blocks = layer.gate_blocks()
    u = layer.units
    img = view.images["kernel"].image
    for g, letter in enumerate("ifco"):
        np.testing.assert_array_equal(img[:, g * u:(g + 1) * u], blocks[f"kernel_{letter}"])
    labels = [lab.textItem.toPlainText() for lab in view.matrices[0].labels if lab.isVisible()]
    assert labels == ["kernel_i", "kernel_f", "kernel_c", "kernel_o"]
    np.testing.assert_array_equal(view.images["bias"].image, layer.weights[2])  # Wb, Rb rows
    assert "144" in view.formula.text()


def test_peephole_matrix_and_cell_equations_show_the_engine_terms(make_window):
    case = FIXTURES / "onnx_hand_lstm_peepholes"
    w = make_window()
    assert w.open_file(str(case / "model.onnx")), w.last_message
    w.state.set_cursor(layer="lstm.LSTM")
    view = _view(w, WeightsView)
    w.tabs.setCurrentWidget(view)
    QtWidgets.QApplication.processEvents()
    layer = w.state.model.get_layer("lstm.LSTM")
    np.testing.assert_array_equal(view.images["peephole"].image, layer.weights[3])
    assert "gate f" in view.hover_text("peephole", 2, 1)
    # equations: the terms shown are the trace's, and they add up to the recorded sum
    model = w.state.model
    x = np.load(case / "x.npy")
    trace = model.trace(x)
    ref = cell_refs(model, trace, "lstm.LSTM")[0]
    steps = trace["lstm.LSTM"].steps
    np.testing.assert_allclose(steps["x_proj"] + steps["h_proj"] + steps["p_proj"], steps["pre"], atol=1e-6)
    eqs = {e.key: e for e in equations(ref, 1, 3, 2)}
    assert "P_i·c_{t-1}" in eqs["i"].symbolic and "P_o·c_t" in eqs["o"].symbolic
    u = ref.units
    pi = float(steps["p_proj"][1, 3, 0 * u + 2])
    assert f"{pi:.3f}".replace("-", "−") in eqs["i"].numeric


def test_clip_and_input_forget_equations():
    import lstmviz

    case = FIXTURES / "onnx_hand_lstm_input_forget"
    model = lstmviz.load(case / "model.onnx")
    trace = model.trace(np.load(case / "x.npy"))
    ref = cell_refs(model, trace, "lstm.LSTM")[0]
    eqs = {e.key: e for e in equations(ref, 0, 1, 0)}
    assert eqs["f"].symbolic.startswith("f_t = 1 − i_t")
    i, f = trace["lstm.LSTM"].steps["i"][0, 1, 0], trace["lstm.LSTM"].steps["f"][0, 1, 0]
    assert abs((1 - i) - f) < 1e-6
    case = FIXTURES / "onnx_hand_lstm_clip"
    model = lstmviz.load(case / "model.onnx")
    trace = model.trace(np.load(case / "x.npy"))
    assert np.abs(trace["lstm.LSTM"].steps["pre"]).max() <= 0.5 + 1e-7
    eq = equations(cell_refs(model, trace, "lstm.LSTM")[0], 0, 0, 0)[0]
    assert "clip(" in eq.symbolic and "±0.5" in eq.numeric


def test_time_major_input_is_read_per_sample(make_window):
    """A layout-0 ONNX LSTM reads (time, batch, d): the Cell view's x_t is sample s at step t."""
    case = FIXTURES / "onnx_hand_lstm_clip"
    w = make_window()
    assert w.open_file(str(case / "model.onnx")), w.last_message
    view = _view(w, CellView)
    from lstmviz.ui.views._common import layer_input

    model = w.state.model
    x = np.load(case / "x.npy")  # (T, B, d)
    got = layer_input(model, model.trace(x), "lstm.LSTM")
    np.testing.assert_array_equal(got, x.transpose(1, 0, 2))
    assert view is not None


def test_safetensors_opens_in_the_window(make_window):
    w = make_window()
    path = FIXTURES / "safetensors_gru_bidir_2layer" / "model.safetensors"
    assert w.open_file(str(path)), w.last_message


def test_open_dialog_filter_and_drop(make_window, monkeypatch):
    w = make_window()
    seen = {}

    def fake(parent, title, start, filters):
        seen["filters"] = filters
        return str(LSTM), ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", staticmethod(fake))
    w.open_dialog()
    assert "*.onnx" in seen["filters"] and "*.safetensors" in seen["filters"]
    assert w.state.path == str(LSTM)
    for name in ("m.onnx", "m.safetensors", "m.pt"):
        assert is_model_file(name)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(FIXTURES / "onnx_hand_gru_lbr1" / "model.onnx"))])
    enter = QtGui.QDragEnterEvent(QtCore.QPoint(5, 5), QtCore.Qt.DropAction.CopyAction, mime,
                                  QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    w.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(QtCore.QPointF(5, 5), QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    w.dropEvent(drop)
    QtCore.QCoreApplication.processEvents()
    QtCore.QCoreApplication.processEvents()
    assert w.state.path.endswith("onnx_hand_gru_lbr1/model.onnx"), w.last_message
    assert any(l.class_name == "onnx.GRU" for l in w.state.model.layers)


def test_time_major_model_in_the_app():
    """nn.RNN without batch_first exports a (time, batch, features) input: the app makes its
    input that way, steps over time and traces the shown sample, and equals onnxruntime."""
    import lstmviz
    from lstmviz.app.state import AppState

    case = FIXTURES / "onnx_torch_classic_rnn_2layer"
    model = lstmviz.load(case / "model.onnx")
    assert model.get_layer("x").config.get("time_major")
    st = AppState()
    st.set_model(model, str(case / "model.onnx"))
    assert st.error is None
    assert st.x.shape == (st.input.timesteps, st.input.batch_size, 3)
    assert (st.timesteps, st.batch) == (st.input.timesteps, st.input.batch_size)
    rec = st.trace["rnn.RNN"]
    assert rec.steps["h"].shape[:2] == (1, st.input.timesteps)  # the shown sample, every step
    full = model.trace(st.x)
    s = st.traced_sample
    np.testing.assert_allclose(st.trace.output, full.output[s:s + 1], atol=1e-6)
    # a batch-first export is not time-major
    assert not lstmviz.load(LSTM).get_layer("x").config.get("time_major")


@pytest.mark.parametrize("case", ["onnx_hand_lstm_clip", "onnx_torch_classic_rnn_2layer"])
def test_a_time_major_models_own_input_is_traced_as_lstmviz_trace_traces_it(case, tmp_path):
    """x.npy of a layout-0 ONNX model is (time, batch, features), what the file takes and
    `lstmviz trace` reads; `lstmviz MODEL --input x.npy`, lstmviz.show/picture(model, x) and
    File > Open x.npy read it as (batch, time, features): the model ran on 2 steps of 5
    samples instead of 5 steps of 2, every view showed other numbers than the trace."""
    import lstmviz
    from lstmviz.app.inputs import use_array
    from lstmviz.app.state import AppState

    path = FIXTURES / case / "model.onnx"
    model = lstmviz.load(path)
    x = np.load(FIXTURES / case / "x.npy")
    assert model.get_layer("x").config.get("time_major") and x.shape[0] != x.shape[1]
    want = model.trace(x).outputs
    single = tmp_path / "one.npy"
    np.save(single, x[:, 1])  # one sample: (time, features)
    for give in (lambda st: use_array(st, x), lambda st: st.import_input(FIXTURES / case / "x.npy")):
        st = AppState()
        st.set_model(lstmviz.load(path), str(path))
        st.trace_all_samples = True
        give(st)
        assert st.error is None, st.error
        np.testing.assert_array_equal(st.x, x)
        assert (st.timesteps, st.batch) == x.shape[:2]
        for got, ref in zip(st.trace.outputs, want):
            np.testing.assert_allclose(got, ref, atol=1e-6)
    for give in (lambda st: use_array(st, x[:, 1]), lambda st: st.import_input(single)):
        st = AppState()
        st.set_model(lstmviz.load(path), str(path))
        give(st)
        assert st.error is None, st.error
        np.testing.assert_array_equal(st.x, x[:, 1:2])


def test_session_keeps_an_onnx_model(tmp_path):
    import lstmviz
    from lstmviz.app.session import open_session, save_session
    from lstmviz.app.state import AppState

    case = FIXTURES / "onnx_torch_classic_lstm_bidir_2layer"
    st = AppState()
    st.set_model(lstmviz.load(case / "model.onnx"), str(case / "model.onnx"))
    before = np.array(st.trace.output)
    path = save_session(st, tmp_path / "s.lstmviz")
    again = AppState()
    open_session(again, path)
    assert again.error is None
    np.testing.assert_array_equal(np.asarray(again.trace.output), before)
    assert any(l.class_name == "onnx.LSTM" for l in again.model.layers)


@pytest.mark.parametrize("path, listed, said", [
    (LSTM, ["x", "rnn.LSTM", "heads.0.Gemm"], "9 ONNX ops that only move or reshape data"),
    # Keras 3's saved mask ops (NotEqual, LogicalOr, ...: ``Model.mask_ops``) neither: 22 of 50
    (FIXTURES / "k3_masked_merges" / "model.keras",
     ["ids_a", "ids_b", "emb_a", "emb_b", "lstm_a", "gru_b", "emb_u", "gru_u", "add", "multiply", "average",
      "maximum", "minimum", "subtract", "concat", "multiply_u", "maximum_u", "concat_u", "add_lstm",
      "multiply_gap", "average_lstm", "maximum_gap", "minimum_lstm", "subtract_gap", "concat_lstm",
      "multiply_u_gap", "maximum_u_gap", "concat_u_lstm"],
     "22 mask ops (NotEqual, LogicalOr, ...) compute the masks saved with the model"),
])
def test_stack_panel_lists_the_layers_that_compute(make_window, path, listed, said):
    from lstmviz.ui.stack_panel import ROLE_CARD, StackPanel

    w = make_window()
    assert w.open_file(str(path)), w.last_message
    panel = w.findChild(StackPanel)
    cards = panel.cards
    shown = [cards.item(i).data(ROLE_CARD)["title"] for i in range(cards.count())
             if not cards.item(i).isHidden()]
    assert cards.count() == len(w.state.model.layers)
    assert [t.split()[-1] for t in shown] == listed
    assert said in panel.readonly_label.text()
    # the status line counts the layers listed, the others apart (it said "50 layers" of 28 and 22 mask ops)
    count = said.split(" (")[0]
    assert f": {len(listed)} layers (and {count}" in w.last_message, w.last_message


@pytest.mark.parametrize("case", sorted(p.parent.name for p in FIXTURES.glob("onnx_*/model.onnx")))
def test_every_onnx_fixture_opens_in_the_app(case):
    """Extra graph inputs (sequence_lens, initial_h/c) get every step and zero states; the
    shown sample is sliced on each input's own batch axis."""
    import lstmviz
    from lstmviz.app.state import AppState

    path = FIXTURES / case / "model.onnx"
    model = lstmviz.load(path)
    st = AppState()
    st.set_model(model, str(path))
    assert st.error is None, st.error
    xs = st._inputs_for(model)
    full = model.trace(xs if len(xs) > 1 else xs[0])
    s = st.traced_sample
    for name, rec in full.layers.items():
        steps = rec.steps or rec.children.get("forward", rec).steps
        if "h" not in steps:
            continue
        shown = st.trace[name].steps or st.trace[name].children["forward"].steps
        # records are (batch, time, units) whatever the file's layout
        want = steps["h"] if s is None else steps["h"][s:s + 1]
        np.testing.assert_allclose(shown["h"], want, atol=1e-6, err_msg=name)


def test_a_layer_without_options_says_so_in_its_form(make_window):
    """An ONNX GRU of a read-only graph selected: under "Selected: onnx.GRU rnn.gru" the
    side panel drew an empty frame, nothing in it. The frame says there is nothing to set
    there and where the layer's numbers are."""
    w = make_window()
    assert w.open_file(str(FIXTURES / "onnx_torch_dynamo_gru_bidir" / "model.onnx")), w.last_message
    panel = w.stack_panel
    for row in range(panel.cards.count()):
        if panel.cards.item(row).isHidden():
            continue
        panel.cards.setCurrentRow(row)
        QtWidgets.QApplication.processEvents()
        assert panel.form_layout.rowCount() >= 1, panel.cards.item(row).text()
        roles = QtWidgets.QFormLayout.ItemRole
        items = [panel.form_layout.itemAt(k, role) for k in range(panel.form_layout.rowCount())
                 for role in (roles.LabelRole, roles.FieldRole, roles.SpanningRole)]
        texts = [i.widget().text() for i in items if i is not None and isinstance(i.widget(), QtWidgets.QLabel)]
        if not panel.option_widgets:
            assert any("no options to set" in t for t in texts), texts


def test_a_graphs_state_and_length_inputs_say_how_they_are_made(make_window):
    """An ONNX LSTM whose graph takes sequence_lens, initial_h and initial_c as inputs: the
    side panel said "made up" of each, where the app gives every step and zero states (what
    the README says, and what Keras starts from); it says so, and the arrays traced are
    those."""
    w = make_window()
    path = FIXTURES / "onnx_hand_lstm_seqlens_init" / "model.onnx"
    assert w.open_file(str(path)), w.last_message
    st = w.state
    made = st.others_made()
    names = [name for name, _ in st.others_given()]
    xs = st._inputs_for(st.model)
    assert len(made) == len(names) == len(xs) - 1 >= 2
    from lstmviz.engine.windows import input_steps

    T = input_steps(st.model, xs[0])  # (this file's layout is time-major)
    for k, (name, said) in enumerate(zip(names, made), 1):
        if said.startswith("zeros"):
            assert not xs[k].any(), name
        else:
            assert said == "every step (no lengths given)", (name, said)
            assert (xs[k] == T).all(), name
    assert any(m.startswith("zeros") for m in made)
    w.side.setCurrentWidget(w.input_panel)
    QtWidgets.QApplication.processEvents()
    assert [b.text() for b in w.input_panel.other_buttons] == [f"{m} \u00b7 import\u2026" for m in made]
    label = w.stack_panel.input_shape_label.text()
    for name, said in zip(names, made):
        assert f"\n{name}: {said}" in label
