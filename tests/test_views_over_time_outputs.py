"""Over time on a layer that is not recurrent: a Conv1D, a pooling, a TimeDistributed(Dense),
an Embedding drawn as their output over their steps (one heatmap of filters, channels or
units by steps, the selected one's curve), the numbers exactly the trace's (and Keras'
within the fixtures' tolerance); a layer whose output has no steps keeps a message that
says what it outputs and which layers have steps."""

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore

import lstmviz
from helpers import read_inputs
from lstmviz.app import accessible
from lstmviz.app.output_ref import OUTPUT_KEY, no_steps_text, nonnegative, output_ref
from lstmviz.app.scale import symmetric_levels
from lstmviz.app.selection import Cursor
from lstmviz.engine import LayerSpec, Model
from lstmviz.ui import theme as th
from lstmviz.ui.views.over_time import OverTimeView

FIXTURES = Path(__file__).parent / "fixtures"


def traced(fixture: str):
    model = lstmviz.load(str(FIXTURES / fixture / "model.keras"))
    return model, model.trace(read_inputs(FIXTURES / fixture)), np.load(FIXTURES / fixture / "expected.npz")


@pytest.fixture
def view(qtbot):
    v = OverTimeView()
    qtbot.addWidget(v)
    return v


CASES = [("k3_conv_lstm", "conv", "filter", True), ("k3_conv_lstm", "pool", "channel", True),
         ("k3_lstm_stacked_td", "td", "unit", False), ("k3_emb_gru_lstm", "emb", "unit", False)]


@pytest.mark.parametrize("fixture, layer, word, relu", CASES)
def test_a_layers_output_is_drawn_over_its_steps_exactly_as_traced(view, fixture, layer, word, relu):
    model, trace, keras = traced(fixture)
    out = trace[layer].output
    assert out.ndim == 3 and out.dtype == np.float32
    B, T, U = out.shape
    view.set_data(model, trace)
    for s, t, u in ((0, 0, 0), (B - 1, T // 2, U - 1), (0, T - 1, U // 2)):
        view.set_cursor(Cursor(step=t, sample=s, layer=layer, unit=u))
        assert view.stack.currentIndex() == 1
        assert set(view.images) == {OUTPUT_KEY}  # one heatmap: the output
        image = view.images[OUTPUT_KEY].image
        np.testing.assert_array_equal(image, out[s].T)  # rows: filters / channels / units
        # the numbers on screen are Keras' too (the fixture's, by real Keras)
        np.testing.assert_allclose(image, keras[f"layer:{layer}"][s].T, atol=1e-5, rtol=0)
        np.testing.assert_array_equal(view.curves[OUTPUT_KEY].yData, out[s, :, u])
        np.testing.assert_array_equal(view.curves[OUTPUT_KEY].xData, np.arange(T))
        assert all(line.value() == t for line in view.cursor_lines)
        assert len(view.cursor_lines) == 2  # the heatmap's and the curve's
        assert view.slots[0].unit_line.value() == u
        # levels over the whole record: a relu's output (k3_conv_lstm's conv, and the
        # MaxPooling1D of it) from 0 to its largest on the sequential map, whose whole
        # range it uses; any other symmetric around 0 on the diverging map, as a state's
        lo, hi = view.colorbars[OUTPUT_KEY].levels()
        want = (0.0, float(out.max())) if relu else symmetric_levels(out)
        assert (lo, hi) == pytest.approx(want) and (out.min() >= 0) == relu
        cmap = th.gate_cmap() if relu else th.diverging_cmap()
        np.testing.assert_array_equal(view.colorbars[OUTPUT_KEY].colorMap().getLookupTable(nPts=64),
                                      cmap.getLookupTable(nPts=64))
        assert view.slots[0].plot.getAxis("left").labelText == word
        assert f"{word} {u}" in view.curve_plot.titleLabel.text
        header = view.header.text()
        assert f"{word} <b>{u}</b> · sample {s}" in header and f"t = {t}" in header
    # the other heatmaps and curves are out of the page and the legend
    assert [slot.widget.isHidden() for slot in view.slots] == [False] + [True] * 5
    assert [item.item for item, _ in view.legend.items] == [view.curves[OUTPUT_KEY]]


@pytest.mark.parametrize("name", ["avg_cf", "max_cf", "conv_cf"])
def test_a_channels_first_layers_steps_are_where_it_keeps_them(view, name):
    """k3_conv_pool_options' channels_first layers over the model's (batch, 9 steps, 4
    features): a pooling pools each step's features alone, so its steps are the input's,
    on axis 1, its rows the pooled features (as a long input's windows hold them: one
    clock); a Conv1D reads the steps as its channels, its steps its own, on its last axis."""
    model, trace, keras = traced("k3_conv_pool_options")
    out = trace[name].output
    np.testing.assert_allclose(out, keras[f"layer:{name}"], atol=1e-5)
    assert model.get_layer(name).channels_first
    steps = out if name != "conv_cf" else out.transpose(0, 2, 1)  # (batch, steps, rows)
    assert steps.shape[1] == (9 if name != "conv_cf" else 3)  # (the input's 9 steps; the Conv1D's 3)
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=1, sample=1, layer=name, unit=1))
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, steps[1].T)
    np.testing.assert_array_equal(view.curves[OUTPUT_KEY].yData, steps[1, :, 1])
    assert view.ref.T == steps.shape[1] and view.ref.units == steps.shape[2]


def test_a_channels_first_pooling_of_each_steps_features_has_the_inputs_steps_whole_and_in_a_window(view):
    """A channels_first AveragePooling1D over an LSTM's (batch, steps, units), no Permute
    before it: drawn over the input's 200 steps on a whole trace (not its 3 pooled units
    as steps) as in a long input's window (its steps 64..127 of the same 200), the numbers
    the trace's: one clock."""
    from lstmviz.engine.windows import keyframe_pass

    model = Model.sequential((None, None, 2), [
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="l"),
        LayerSpec("AveragePooling1D", {"pool_size": 2, "data_format": "channels_first"}, name="avg"),
        LayerSpec("GRU", {"units": 4, "return_sequences": True}, name="g")], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 200, 2)).astype(np.float32)
    whole = model.trace(x)["avg"].output
    assert whole.shape == (1, 200, 3)
    for trace, first in ((model.trace(x), 0), (keyframe_pass(model, x, every=64).window(64, 128), 64)):
        view.set_data(model, trace)
        view.set_cursor(Cursor(layer="avg", step=5, unit=2))
        shown = whole[0, first:first + (200 if first == 0 else 64)]
        assert view.ref.T == shown.shape[0] and view.ref.units == 3
        np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, shown.T)
        np.testing.assert_array_equal(view.curves[OUTPUT_KEY].yData, shown[:, 2])


@pytest.mark.parametrize("name", ["bn", "relu", "drop"])
def test_a_layer_acting_on_each_number_after_a_channels_first_conv_keeps_its_steps_last(view, name):
    """Permute((2, 1)) -> Conv1D(channels_first) -> BatchNormalization(axis=1) -> ReLU ->
    Dropout: their (batch, 6 filters, 40 steps) outputs were drawn as 6 steps of 40 units
    (only a channels_first layer's and a Permute's steps were on axis 2); now as the Conv1D's,
    rows its filters, columns its steps."""
    model = Model.sequential((None, None, 3), [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("Conv1D", {"filters": 6, "kernel_size": 3, "data_format": "channels_first"}, name="c"),
        LayerSpec("BatchNormalization", {"axis": 1}, name="bn"),
        LayerSpec("ReLU", {}, name="relu"),
        LayerSpec("Dropout", {"rate": 0.5}, name="drop")], seed=1)
    trace = model.trace(np.random.default_rng(0).normal(size=(2, 42, 3)).astype(np.float32))
    out = trace[name].output
    assert out.shape == (2, 6, 40)
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=30, sample=1, layer=name, unit=4))
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, out[1])
    np.testing.assert_array_equal(view.curves[OUTPUT_KEY].yData, out[1, 4, :])
    assert view.ref.T == 40 and view.ref.units == 6


def test_a_click_on_the_output_heatmap_picks_its_step_and_filter(view, qtbot):
    model, trace, _ = traced("k3_conv_lstm")
    view.resize(900, 600)
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=0, sample=0, layer="conv", unit=0))
    view.show()
    qtbot.waitExposed(view)
    slot = view.slots[0]
    assert slot.key == OUTPUT_KEY
    seen = []
    view.unit_requested.connect(lambda v: seen.append(("filter", v)))
    view.step_requested.connect(lambda v: seen.append(("step", v)))
    pos = slot.widget.mapFromScene(slot.plot.getViewBox().mapViewToScene(QtCore.QPointF(7.0, 2.0)))
    qtbot.mouseClick(slot.widget.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert seen == [("filter", 2), ("step", 7)]


def test_a_click_in_the_window_moves_the_cursor_to_the_step_and_channel(make_window, qtbot, qapp):
    window = make_window((1400, 900))
    assert window.open_file(str(FIXTURES / "k3_conv_lstm" / "model.keras"))
    st = window.state
    st.set_input_data(np.load(FIXTURES / "k3_conv_lstm" / "x.npy"))
    k = next(i for i in range(window.tabs.count()) if isinstance(window.views[i], OverTimeView))
    window.tabs.setCurrentIndex(k)
    view = window.views[k]
    st.set_cursor(layer="pool", step=0, unit=0, sample=1)
    qapp.processEvents()
    assert view.stack.currentIndex() == 1
    row = st.trace_cursor.sample  # (the window may trace the shown sample alone)
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, st.trace["pool"].output[row].T)
    keras = np.load(FIXTURES / "k3_conv_lstm" / "expected.npz")["layer:pool"]
    np.testing.assert_allclose(view.images[OUTPUT_KEY].image, keras[1].T, atol=1e-5, rtol=0)
    slot = view.slots[0]
    pos = slot.widget.mapFromScene(slot.plot.getViewBox().mapViewToScene(QtCore.QPointF(4.0, 3.0)))
    qtbot.mouseClick(slot.widget.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    qapp.processEvents()
    assert (st.cursor.layer, st.cursor.step, st.cursor.unit, st.cursor.sample) == ("pool", 4, 3, 1)
    assert all(line.value() == 4 for line in view.cursor_lines)
    np.testing.assert_array_equal(view.curves[OUTPUT_KEY].yData, st.trace["pool"].output[row, :, 3])


@pytest.mark.parametrize("fixture, layer, said", [
    ("k3_conv_lstm", "dense", "'dense' (Dense) outputs one vector a sample (1 unit), with no steps"),
    ("k3_conv_lstm", "lstm", None),  # (recurrent: its cell's records, not this)
    ("k3_td_conv", "td_conv", "'td_conv' (TimeDistributed(Conv1D)) outputs sub-steps within each step, "
                              "which the Unrolled view shows"),
    # Keras 3's saved mask ops (booleans, 3-D ones too: they were drawn, and listed, as steps)
    *[("k3_masked_merges", name, f"'{name}' ({kind}) computes a mask (true or false at each step), not values: "
                                 "it shows as the grey (masked) steps of the layers it masks")
      for name, kind in (("logical_or", "LogicalOr"), ("expand_dims", "ExpandDims"), ("zeros_like", "ZerosLike"),
                         ("concatenate", "Concatenate"), ("any_1", "Any"))],
])
def test_a_layer_without_steps_says_what_it_outputs_and_which_layers_have_steps(view, fixture, layer, said):
    model, trace, _ = traced(fixture)
    assert output_ref(model, trace, layer) is None
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer=layer))
    if said is None:  # a recurrent layer: its gates and states as ever
        assert view.stack.currentIndex() == 1 and OUTPUT_KEY not in view.images
        return
    assert view.stack.currentIndex() == 0
    text = view.message.text()
    assert text == no_steps_text(model, trace, layer)
    assert said in text
    listed = {"k3_conv_lstm": "conv, pool or lstm.", "k3_td_conv": "td_flat or lstm.",
              "k3_masked_merges": "emb_a, emb_b, lstm_a, gru_b, emb_u or 16 more."}[fixture]
    assert text.endswith(f"Pick a layer with steps in the layer box above: {listed}")


def test_global_pooling_keeps_its_message_and_the_next_layer_with_steps_is_drawn(view):
    model = Model.sequential((None, 7, 3), [
        LayerSpec("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "same"}, name="conv"),
        LayerSpec("GlobalAveragePooling1D", {}, name="gap"),
        LayerSpec("Dense", {"units": 2}, name="head")], seed=1)
    x = np.random.default_rng(1).normal(size=(2, 7, 3)).astype(np.float32)
    trace = model.trace(x)
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="gap"))
    assert view.stack.currentIndex() == 0
    assert view.message.text() == (
        "The Over time view shows a layer's values over its steps (a recurrent cell's gates and states, "
        "another layer's outputs); 'gap' (GlobalAveragePooling1D) outputs one vector a sample (4 units), "
        "with no steps.\n\nPick a layer with steps in the layer box above: conv.")
    view.set_cursor(Cursor(layer="conv", step=6, unit=3, sample=1))
    assert view.stack.currentIndex() == 1
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, trace["conv"].output[1].T)


def test_a_model_without_steps_says_so():
    model = Model.sequential((None, 3), [LayerSpec("Dense", {"units": 2}, name="head")], seed=0)
    trace = model.trace(np.ones((1, 3), np.float32))
    assert no_steps_text(model, trace, "head").endswith(
        "'head' (Dense) outputs one vector a sample (2 units), with no steps, and no layer of this model "
        "has steps.\n\nThe Unrolled view shows its layers' outputs, the Weights view their weights.")


def test_the_output_is_the_traces_own_array_not_a_copy():
    """No math in the view's data: the record is the trace's output (a view of it)."""
    model, trace, _ = traced("k3_conv_lstm")
    ref = output_ref(model, trace, "conv")
    assert ref is not None and ref.rec.steps[OUTPUT_KEY] is trace["conv"].output
    assert (ref.kind, ref.word, ref.T, ref.units) == ("Conv1D", "filter", 10, 4)
    assert ref.masked_steps(0) is None and ref.input_step(3) == 3


def test_a_switch_between_output_layers_and_a_recurrent_one_relays_the_page(view):
    """From a recurrent layer's six heatmaps to a layer's output and back: each time the
    page holds what the layer has, its curves alone in the legend."""
    model, trace, _ = traced("k3_lstm_stacked_td")
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="lstm_2", step=2, unit=1))
    assert set(view.images) == {"i", "f", "c_tilde", "o", "c", "h"}
    view.set_cursor(Cursor(layer="dense_3d", step=2, unit=4))
    assert set(view.images) == {OUTPUT_KEY}
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, trace["dense_3d"].output[0].T)
    assert view.slots[0].plot.getAxis("left").labelText == "unit"
    view.set_cursor(Cursor(layer="td", step=5, unit=1))
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, trace["td"].output[0].T)
    view.set_cursor(Cursor(layer="lstm_1", step=2, unit=1))
    assert set(view.images) == {"i", "f", "c_tilde", "o", "c", "h"}
    np.testing.assert_array_equal(view.images["h"].image, trace["lstm_1"].steps["h"][0].T)
    assert len(view.legend.items) == 6


@pytest.mark.parametrize("theme", ["light", "projector"])
def test_a_new_theme_keeps_the_outputs_numbers(view, theme):
    model, trace, _ = traced("k3_conv_lstm")
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="conv", step=3, unit=1, sample=1))
    view.apply_theme(th.get(theme))
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, trace["conv"].output[1].T)
    np.testing.assert_array_equal(view.curves[OUTPUT_KEY].yData, trace["conv"].output[1, :, 1])


def test_the_screen_readers_words_read_the_outputs_number(view):
    model, trace, _ = traced("k3_conv_lstm")
    said = accessible.over_time_view(model, trace, Cursor(layer="pool", step=2, unit=3, sample=1))
    value = trace["pool"].output[1, 2, 3]
    from lstmviz.app.cell_ref import fmt

    assert said.startswith("Heatmap of pool's output (MaxPooling1D), 4 channels by 5 steps")
    assert f"channel 3, step 2, sample 1: y = {fmt(value)}" in said
    # a long input's window after a Permute((2, 1)) over a sequence, and after the layer
    # acting on each number that follows it (an Activation): the window's steps on its
    # units axis (its rows its own steps, the LSTM's units), said as its header says them;
    # they said "3 units by 64 steps ... unit 2, step 65 of 200"
    from lstmviz.engine.windows import keyframe_pass

    model = Model.sequential((None, 200, 2), [
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="lstm"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="permute"),
        LayerSpec("Activation", {"activation": "tanh"}, name="act"),
        LayerSpec("LSTM", {"units": 4}, name="fw")], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 200, 2)).astype(np.float32)
    window, whole = keyframe_pass(model, x, every=64).window(64, 128), model.trace(x)
    view.set_data(model, window)
    for layer, kind in (("permute", "Permute"), ("act", "Activation")):
        cursor = Cursor(layer=layer, step=1, unit=2)
        said = accessible.over_time_view(model, window, cursor)
        assert said == (f"Heatmap of {layer}'s output ({kind}), 3 of its steps (axis 1) by 64 input steps "
                        "(its axis 2); curve of its step 2 below it. At the cursor, its step 2 (axis 1), input "
                        f"step 65 of 200 (its axis 2), sample 0: y = {fmt(whole[layer].output[0, 2, 65])}.")
        view.set_cursor(cursor)
        assert view.describe() == said
        assert (f"<b>{layer}</b> ({kind} output) · input step <b>t = 65</b> (its axis 2) · its step <b>2</b> "
                "(axis 1) · sample 0 · exact input steps 64–127 of 200") in view.header.text()
        assert view.slots[0].plot.getAxis("left").labelText == "its step"
        np.testing.assert_array_equal(view.curves[OUTPUT_KEY].yData, whole[layer].output[0, 2, 64:128])


def test_a_long_inputs_window_draws_a_layer_over_its_steps_as_the_window_holds_them(view):
    """A long input's window of a TimeDistributed head: its output over the window's steps,
    counted in the whole sequence (the heatmap's columns, the header's step and window),
    the window's own numbers (the app's main window adds the whole sequence's strip and
    levels: ``test_ui_long_main``); a layer computed once for the whole sequence (a
    RepeatVector's after a last step) has no window's steps, and the view says so."""
    from lstmviz.engine.windows import keyframe_pass

    model = Model.sequential((None, 200, 2), [
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="lstm"),
        LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 2}}}, name="td")],
        seed=0)
    x = np.random.default_rng(0).normal(size=(1, 200, 2)).astype(np.float32)
    window = keyframe_pass(model, x, every=64).window(64, 128)
    ref = output_ref(model, window, "td")
    assert ref is not None and ref.rec.start == 64 and ref.T == 64
    view.set_data(model, window)
    view.set_cursor(Cursor(layer="td", step=3, unit=1))
    assert view.stack.currentIndex() == 1
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, model.trace(x)["td"].output[0, 64:128].T)
    assert view.images[OUTPUT_KEY].mapRectToParent(view.images[OUTPUT_KEY].boundingRect()).left() == 63.5
    assert "step <b>t = 67</b>" in view.header.text() and "exact steps 64–127 of 200" in view.header.text()
    said = accessible.over_time_view(model, window, Cursor(layer="td", step=3, unit=1))
    from lstmviz.app.cell_ref import fmt

    value = fmt(window["td"].output[0, 3, 1])
    assert "by 64 steps" in said and f"unit 1, step 67 of 200, sample 0: y = {value}." in said
    head = Model.sequential((None, 200, 2), [
        LayerSpec("LSTM", {"units": 3}, name="lstm"), LayerSpec("RepeatVector", {"n": 4}, name="rv"),
        LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 2}}}, name="td")],
        seed=0)
    window = keyframe_pass(head, x, every=64).window(64, 68)  # (4 steps: as many as the head's)
    assert window["td"].output.shape == (1, 4, 2) and output_ref(head, window, "td") is None
    view.set_data(head, window)
    view.set_cursor(Cursor(layer="td", step=3))
    assert view.stack.currentIndex() == 0
    assert view.message.text() == (
        "The Over time view shows a layer's values over its steps (a recurrent cell's gates and states, "
        "another layer's outputs); 'td' (TimeDistributed(Dense)) outputs steps of its own, computed once "
        "for the whole sequence; on a long input it draws a layer's outputs over the input's steps only "
        "(a recurrent layer's gates and states over its own).\n\n"
        "Pick a layer with steps in the layer box above: lstm.")
    # a Dense after a feature-wise LSTM (after a Permute((2, 1)): its steps the features, both
    # computed once by the pass): the LSTM is drawn over its own steps, with no window's
    # words in its header; the Dense is not drawn, and the view no longer says it shows
    # "the layers over the input's steps" (the LSTM above it is not)
    featurewise = Model.sequential((None, 200, 2), [
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="lstm"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="permute"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="fw"),
        LayerSpec("Dense", {"units": 2}, name="fdense")], seed=0)
    window = keyframe_pass(featurewise, x, every=64).window(64, 128)
    np.testing.assert_array_equal(window["fdense"].output, featurewise.trace(x)["fdense"].output)
    view.set_data(featurewise, window)
    view.set_cursor(Cursor(layer="fw", step=1))
    assert view.stack.currentIndex() == 1
    head = view.header.text()
    assert "step <b>t = 1</b> = feature 1 of all steps" in head and "exact" not in head and "of 200" not in head
    # the Permute itself: drawn over the window's steps, its units axis (its columns input
    # steps 64-127, its rows its own steps, the LSTM's units): its header said "step t = 65
    # · unit 2 · exact steps 64–127 of 200", as if its steps were the input's; the Unrolled
    # view's row said the same
    from lstmviz.ui.views.unrolled import UnrolledView

    np.testing.assert_array_equal(view_of := output_ref(featurewise, window, "permute").values,
                                  featurewise.trace(x)["permute"].output[:, :, 64:128].transpose(0, 2, 1))
    assert view_of.shape == (1, 64, 3)
    view.set_cursor(Cursor(layer="permute", step=1, unit=2))
    assert view.stack.currentIndex() == 1
    head = view.header.text()
    assert ("(Permute output) · input step <b>t = 65</b> (its axis 2) · its step <b>2</b> (axis 1) · sample 0 · "
            "exact input steps 64–127 of 200") in head and "unit <b>" not in head
    # its rows' axis, its curve's steps and title and the hint say so too (they said
    # "unit", "step  t", "unit 2 over time", "pick a step and unit")
    assert view.slots[0].plot.getAxis("left").labelText == "its step"
    assert view.curve_plot.getAxis("bottom").labelText == "input step  t"
    assert view.curve_plot.titleLabel.text == "its step 2 over the input steps"
    assert "click the heatmap to pick an input step and its step" in head
    unrolled = UnrolledView()
    unrolled.set_data(featurewise, window)
    unrolled.set_cursor(Cursor(layer="permute", step=1, unit=2))
    assert ("<b>permute</b> · input step <b>65</b> (its axis 2) · its step <b>2</b> (axis 1) · exact input "
            "steps 64–127 of 200 · sample 0") in unrolled.header.text()
    unrolled.set_cursor(Cursor(layer="lstm", step=1, unit=2))  # (an LSTM over the input's steps: as before)
    assert "exact steps 64–127 of 200" in unrolled.header.text() and "axis" not in unrolled.header.text()
    unrolled.deleteLater()
    view.set_cursor(Cursor(layer="fdense", step=1))
    assert view.stack.currentIndex() == 0
    said = view.message.text()
    assert "'fdense' (Dense) outputs steps of its own, computed once for the whole sequence" in said
    assert "it shows the layers over the input's steps" not in said and "(a recurrent layer's gates and" in said
    # a pooling over the steps of keepdims=True: one step a sample, of the whole sequence
    # (it said "outputs steps of its own")
    pooled = Model.sequential((None, None, 2), [
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="lstm"),
        LayerSpec("GlobalAveragePooling1D", {"keepdims": True}, name="gap")], seed=0)
    window = keyframe_pass(pooled, x, every=64).window(64, 128)
    np.testing.assert_array_equal(window["gap"].output, pooled.trace(x)["gap"].output)
    view.set_data(pooled, window)
    view.set_cursor(Cursor(layer="gap", step=3))
    assert view.stack.currentIndex() == 0
    assert "on a long input it shows the layers over the input's steps" not in view.message.text()
    assert ("'gap' (GlobalAveragePooling1D) outputs one step a sample (3 units), computed once for the "
            "whole sequence.\n\nPick a layer with steps in the layer box above: lstm.") in view.message.text()


@pytest.mark.parametrize("fixture, layer, step, said", [
    ("k3_conv_lstm", "conv", 0, " · reads input step <b>0</b> · "),  # (causal: padding before)
    ("k3_conv_lstm", "conv", 5, " · reads input steps <b>3</b>–<b>5</b> · "),
    ("k3_conv_lstm", "pool", 3, " · reads steps <b>6</b>–<b>7</b> of conv · "),
    ("k3_conv_pool_options", "conv_causal_d2", 4, " · reads input steps <b>2</b>, <b>4</b> · "),  # (dilation 2)
    ("k3_conv_pool_options", "conv_same_s2", 4, " · reads input steps <b>7</b>–<b>8</b> · "),
])
def test_a_window_layers_header_says_the_steps_below_its_step_reads(view, fixture, layer, step, said):
    """As the Unrolled view's connections: each of a Conv1D's or a pooling's steps reads a
    window of the steps below (``read_steps``), not the step of the same number."""
    model, trace, _ = traced(fixture)
    reads = model.get_layer(layer).read_steps(
        trace["conv"].output.shape[1] if layer == "pool" else np.load(FIXTURES / fixture / "x.npy").shape[1])
    taps = sorted({int(i) for i in reads[step] if i >= 0})
    assert str(taps[0]) in said and str(taps[-1]) in said
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer=layer, step=step))
    assert said in view.header.text()


@pytest.mark.parametrize("fixture, layer, said", [
    ("k3_lstm_stacked_td", "td", None), ("k3_attention_pooling", "e", None), ("k3_attention_pooling", "ctx", None),
    # (a Softmax(axis=1): each step's share of the sum over every step of e, as the Unrolled view draws it)
    ("k3_attention_pooling", "a", " · reads <b>every step</b> of e · ")])
def test_a_layer_reading_each_step_alone_says_no_steps_read_one_reading_every_step_says_so(view, fixture, layer,
                                                                                            said):
    model, trace, _ = traced(fixture)
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer=layer, step=2))
    assert ("reads" not in view.header.text()) if said is None else (said in view.header.text())
    words = accessible.over_time_view(model, trace, Cursor(layer=layer, step=2))
    assert ("Each of its steps reads every step of e." in words) is (said is not None)


def test_an_edit_of_the_filters_draws_the_new_traces_output(view):
    """A new trace of the same layer (an edit of its filters in the side panel): the
    heatmap's rows and numbers are the new trace's, its levels its own."""
    def made(filters):
        model = Model.sequential((None, 9, 2), [
            LayerSpec("Conv1D", {"filters": filters, "kernel_size": 3}, name="conv"),
            LayerSpec("LSTM", {"units": 2}, name="lstm")], seed=filters)
        x = np.random.default_rng(0).normal(size=(2, 9, 2)).astype(np.float32)
        return model, model.trace(x)

    model, trace = made(3)
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="conv", step=4, unit=2, sample=1))
    assert view.slots[0].plot.getViewBox().viewRange()[1] == pytest.approx([-0.5, 2.5])
    model, trace = made(6)
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="conv", step=4, unit=5, sample=1))
    out = trace["conv"].output
    assert out.shape == (2, 7, 6)  # (valid padding: 7 steps)
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, out[1].T)
    np.testing.assert_array_equal(view.curves[OUTPUT_KEY].yData, out[1, :, 5])
    assert view.slots[0].plot.getViewBox().viewRange()[1] == pytest.approx([-0.5, 5.5])
    assert view.colorbars[OUTPUT_KEY].levels() == pytest.approx(symmetric_levels(out))


def test_an_embeddings_header_names_the_token_its_step_embeds(view):
    """The Embedding's step t embeds the input's token at t: its id, or its character where
    the app made the ids from typed text (as the Unrolled view's header says it)."""
    model, trace, _ = traced("k3_emb_gru_lstm")
    x = np.load(FIXTURES / "k3_emb_gru_lstm" / "x.npy")
    view.set_data(model, trace, [x])
    view.set_cursor(Cursor(layer="emb", step=4, sample=1, unit=2))
    i = int(x[1, 4])
    assert f" · token id <b>{i}</b> · " in view.header.text()
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image[:, 4],
                                  model.get_layer("emb").weights[0][i])  # (its row of the table)
    labels = tuple(chr(ord("a") + k) for k in range(int(x.max()) + 1))
    view.set_token_labels(labels)
    view.set_data(model, trace, [x])
    view.set_cursor(Cursor(layer="emb", step=4, sample=1, unit=2))
    assert f" · token <b>{labels[i]}</b> (id {i}) · " in view.header.text()
    view.set_cursor(Cursor(layer="gru", step=4, sample=1, unit=2))  # (a cell: its own header)
    view.set_cursor(Cursor(layer="emb", step=5, sample=0, unit=2))
    assert f" · token <b>{labels[int(x[0, 5])]}</b> (id {int(x[0, 5])}) · " in view.header.text()


def test_the_layers_said_to_be_nonnegative_are_in_every_fixtures_trace():
    """``output_ref.nonnegative`` (its colours from 0 up) claims no layer whose trace has a
    number below 0: every fixture made by real Keras, each layer it names; and it names the
    ones it should (a relu's, a softmax's, a pooling of a relu's) but not a linear one."""
    named = set()
    for folder in sorted(FIXTURES.glob("k[23]_*")):
        path = folder / "model.keras"
        path = path if path.exists() else folder / "model.h5"
        if not path.exists() or not (folder / "x.npy").exists():
            continue
        model = lstmviz.load(str(path))
        trace = model.trace(np.load(folder / "x.npy"))
        for name, yes in nonnegative(model).items():
            if yes and name in trace.layers and trace[name].outputs:
                out = np.asarray(trace[name].outputs[0])
                assert np.nanmin(out) >= 0, (folder.name, name)
                named.add((folder.name, name))
    assert {("k3_conv_lstm", "conv"), ("k3_conv_lstm", "pool"), ("k2_conv_lstm", "pool"),
            ("k3_dense_activations", "dense_relu"), ("k3_dense_activations", "dense_softmax"),
            ("k3_around_rnn", "relu"), ("k3_around_rnn", "softmax"), ("k3_td_conv", "td_pool")} <= named
    assert ("k3_dense_activations", "dense_linear") not in named
    assert ("k3_around_rnn", "leaky") not in named and ("k3_conv_steps_lstm", "same") not in named


@pytest.mark.parametrize("after, greyed", [
    ({"class_name": "Dense", "config": {"units": 3}}, True),
    ({"class_name": "TimeDistributed", "config": {"layer": {"class_name": "Dense", "config": {"units": 3}}}}, True),
    ({"class_name": "Conv1D", "config": {"filters": 3, "kernel_size": 2, "padding": "causal"}}, False)])
def test_a_layer_after_a_masked_lstm_greys_the_steps_its_output_is_masked_at(view, after, greyed):
    """Over time greyed the masked steps of a recurrent layer's records, and not those of a
    Dense or TimeDistributed after a masked LSTM's sequence, whose output carries the same
    mask (Keras hands it on); the trace kept no mask for it. Now its record keeps the mask
    its output carries (``trace.keep_output_mask``: the mask the engine hands the next
    layer), and its heatmap and curve are greyed at those steps, its header saying so; a
    Conv1D, which drops the mask as Keras does, greys none."""
    from lstmviz.engine.spec import LayerSpec

    model = Model.sequential((None, 7, 2), [
        LayerSpec("Masking", {"mask_value": 0.0}, name="mask"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="lstm"),
        LayerSpec(after["class_name"], after["config"], name="after")], seed=2)
    x = np.random.default_rng(3).normal(size=(2, 7, 2)).astype(np.float32)
    x[0, :2] = 0.0  # (sample 0: its two first steps masked, sample 1 its last)
    x[1, 6] = 0.0
    trace = model.trace(x)
    kept = ~np.all(x == 0.0, axis=-1)
    np.testing.assert_array_equal(trace["lstm"].mask, kept)  # (the LSTM's, as ever)
    if greyed:
        np.testing.assert_array_equal(trace["after"].mask, kept)
    else:
        assert trace["after"].mask is None
    view.set_data(model, trace)
    for s in (0, 1):
        view.set_cursor(Cursor(layer="after", step=0, unit=1, sample=s))
        slot = next(sl for sl in view.slots if sl.key == OUTPUT_KEY)
        for veil in (slot.veil, view.curve_veil):
            assert veil.item.isVisible() == greyed
            if greyed:  # (grey where masked, clear where kept)
                np.testing.assert_array_equal(veil.item.image[0, :, 3] > 0, ~kept[s])
        assert ("masked step</b>" in view.header.text()) == (greyed and not kept[s, 0])
        assert ("grey columns: masked steps" in view.header.text()) == greyed
        said = accessible.over_time_view(model, trace, Cursor(layer="after", step=0, unit=1, sample=s))
        assert ("Masked step" in said) == (greyed and not kept[s, 0])
    # and as a window of a long input holds it: the window's steps of the whole trace's mask
    from lstmviz.engine.windows import keyframe_pass

    long_x = np.concatenate([x] * 40, axis=1)
    window = keyframe_pass(model, long_x, every=64).window(64, 128)
    whole = model.trace(long_x)["after"].mask
    if greyed:
        np.testing.assert_array_equal(window["after"].mask, whole[:, 64:128])
    else:
        assert window["after"].mask is None and whole is None


def test_a_relu_filter_off_at_every_step_is_drawn_from_0_up(view):
    """A relu Conv1D's filter at 0 at every step: Over time drew its curve on -1 .. 1 (its
    zero line mid-plot, as if it could go below 0); now 0 .. 1, as its colours run from 0
    and Units at scale draws it (``scale.flat_range``). A linear filter at 0 keeps -1 .. 1,
    a relu filter that varies its own values from 0."""
    for act, want in (("relu", (0.0, 1.0)), ("linear", (-1.0, 1.0))):
        model = Model.sequential((None, 12, 2), [
            LayerSpec("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal", "activation": act},
                      name="conv", weights=[np.concatenate([np.full((3, 2, 1), 0.3), np.zeros((3, 2, 1))], -1)
                                            .astype(np.float32), np.array([0.5, 0.0], np.float32)]),
            LayerSpec("LSTM", {"units": 2}, name="lstm")], seed=3)
        x = np.abs(np.random.default_rng(1).normal(size=(1, 12, 2))).astype(np.float32)
        trace = model.trace(x)
        assert np.all(trace["conv"].output[0, :, 1] == 0) and trace["conv"].output[0, :, 0].min() > 0
        view.set_data(model, trace)
        view.set_cursor(Cursor(step=4, layer="conv", unit=1))
        assert view._curve_range == want, act
        view.set_cursor(Cursor(step=4, layer="conv", unit=0))
        lo, hi = view._curve_range
        assert lo == 0.0 and hi >= float(trace["conv"].output[0, :, 0].max()), act


def test_an_onnx_graphs_nodes_said_to_be_nonnegative_are_in_every_onnx_fixtures_trace():
    """An ONNX graph's nodes were never said >= 0 (a torch Relu's output coloured on a scale
    symmetric around 0, half of it unused). Now a Relu, Sigmoid, Softmax, and the Transpose,
    pools or reductions of such numbers are (``OnnxOp.nonnegative``): every claim holds in
    every ONNX fixture's trace, and torch's CNN-LSTM's Relu is named, its BatchNormalization
    and the MaxPool after it not."""
    pytest.importorskip("onnx")
    named = set()
    for folder in sorted(FIXTURES.glob("onnx_*")):
        if not (folder / "model.onnx").exists() or not (folder / "x.npy").exists():
            continue
        model = lstmviz.load(str(folder / "model.onnx"), isolate=False)
        names = json.loads((folder / "meta.json").read_text())["inputs"]  # (x, seq_lens, h0 ...)
        trace = model.trace([np.load(folder / ("x.npy" if k == 0 else f"{n}.npy")) for k, n in enumerate(names)])
        for name, yes in nonnegative(model).items():
            if yes and name in trace.layers and trace[name].outputs:
                out = np.asarray(trace[name].outputs[0], np.float64)
                assert np.nanmin(out) >= 0, (folder.name, name)
                named.add((folder.name, name))
    case = "onnx_torch_classic_cnn_lstm_max"
    assert (case, "Relu") in named
    assert (case, "bn.BatchNormalization") not in named and (case, "pool.MaxPool") not in named


@pytest.mark.parametrize("op, attrs, every", [("Softmax", {"axis": 0}, True), ("Relu", {}, False)])
@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_an_onnx_op_over_a_nodes_y_is_drawn_over_the_nodes_steps(view, tmp_path, op, attrs, every, direction):
    """An ONNX op reading an LSTM node's Y (time, directions, batch, hidden) itself (a
    Softmax over its axis 0, a Relu) had no Over time page (after a Squeeze it had): its
    heatmap is now over the node's steps, the directions' units side by side as its Unrolled
    row's (``steps_first_view``), a Softmax over the time axis "reads every step", in a whole
    trace and in a long input's window (steps 128..384 of 600), whose colours come from the
    overview of the whole sequence (it had none)."""
    from helpers import onnx_lstm_then
    from lstmviz.engine.windows import keyframe_pass

    model = onnx_lstm_then(tmp_path, op, direction, **attrs)
    x = np.random.default_rng(0).normal(size=(2, 600, 3)).astype(np.float32)
    full = model.trace(x)
    whole = full["op"].output.transpose(2, 0, 1, 3).reshape(2, 600, -1)  # (batch, steps, dirs x hidden)
    for trace, (a, b) in ((full, (0, 600)), (keyframe_pass(model, x, every=64).window(128, 384), (128, 384))):
        ref = output_ref(model, trace, "op")
        assert ref is not None and ref.every is every and ref.rec.start == a and ref.T == b - a
        np.testing.assert_array_equal(ref.rec.steps[OUTPUT_KEY], whole[:, a:b])
        view.set_data(model, trace)
        view.set_cursor(Cursor(layer="op", step=3, unit=5, sample=1))
        assert view.stack.currentIndex() == 1
        np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, whole[1, a:b].T)
        assert ("reads <b>every step</b>" in view.header.text()) is every
    # a long input's overview of it (the colours every window keeps): the whole sequence's range
    from lstmviz.app.scale import overviews

    seen = overviews(keyframe_pass(model, x, every=64), sample=1, model=model)[("op", OUTPUT_KEY)]
    np.testing.assert_array_equal(seen.lo.min(axis=0), whole[1].min(axis=0))
    np.testing.assert_array_equal(seen.hi.max(axis=0), whole[1].max(axis=0))
