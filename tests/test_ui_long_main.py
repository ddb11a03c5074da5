"""A long input in the main window: the first window at once, the keyframe pass in the
background, the Over time and Unrolled views' overviews equal to min/max per bin of the
whole trace, and exact numbers at any step the player seeks to."""

import gc

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtGui, QtWidgets

from helpers import held_pass, paint_anew, present_on_720_lines
from lstmviz import limits
from lstmviz.app.cell_ref import fmt
from lstmviz.app.long_sequence import QUICK_STEPS
from lstmviz.app.options import default_config
from lstmviz.app.output_ref import OUTPUT_KEY
from lstmviz.app.stack import InputSpec, LayerEntry
from lstmviz.app.state import AppState
from lstmviz.ui import theme as th

T = 3000


def _brute_extreme(arr, bins):
    edges = (2 * np.arange(bins + 1) * len(arr) + bins) // (2 * bins)  # (scale.Overview's)
    lo = np.array([arr[a:b].min(axis=0) for a, b in zip(edges[:-1], edges[1:])])
    hi = np.array([arr[a:b].max(axis=0) for a, b in zip(edges[:-1], edges[1:])])
    return np.where(np.abs(hi) >= np.abs(lo), hi, lo)


@pytest.fixture
def long_window(make_window, monkeypatch):
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)  # ~20 KB of trace: these are ~2 MB
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=6)),
                      LayerEntry("GRU", default_config("GRU", None, units=4))], InputSpec(input_dim=2))
    state.set_layer_option(0, "return_sequences", True)
    w = make_window((1400, 900), state)
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.sign(np.sin(t / 230.0))], -1)[None].astype(np.float32)
    return w, x


def _whole_beside_the_bar(w, said: str) -> None:
    """``said`` stands whole in the status bar beside the progress bar and Cancel at 1280 px."""
    from PySide6 import QtGui

    w.resize(1280, 720)
    QtWidgets.QApplication.processEvents()
    runner = w.long_runner
    room = min(runner.progress.geometry().left(), runner.cancel_button.geometry().left()) - 12
    assert QtGui.QFontMetrics(w.statusBar().font()).horizontalAdvance(said) <= room


def _tab(w, title):
    k = next(i for i, v in enumerate(w.views) if v.title == title)
    w.tabs.setCurrentIndex(k)
    return w.views[k]


def test_over_time_shows_the_whole_sequence_beside_the_exact_window(long_window, qtbot):
    w, x = long_window
    state = w.state
    view = _tab(w, "Over time")
    state.set_input_data(x)
    seq = state.long
    assert seq is not None
    name = state.model.layers[0].name
    state.set_cursor(layer=name)
    full = state.model.trace(x)[name]
    # the first steps at once, exact; then the first window from the worker, exact, while
    # the pass runs (progress bar and Cancel shown)
    slot = next(s for s in view.slots if s.key == "i")
    assert state.trace.layers[name].timesteps == QUICK_STEPS
    np.testing.assert_array_equal(slot.image.image, full.steps["i"][0, :QUICK_STEPS].T)
    qtbot.waitUntil(lambda: state.trace.layers[name].timesteps == seq.window, timeout=60_000)
    np.testing.assert_array_equal(slot.image.image, full.steps["i"][0, :seq.window].T)
    assert w.long_runner.wait(120) and seq.overviews is not None
    assert not w.long_runner.progress.isVisible()
    for key in ("i", "c", "h"):
        slot = next(s for s in view.slots if s.key == key)
        assert slot.strip.shown
        want = _brute_extreme(full.steps[key][0], seq.overviews[(name, key)].bins)
        np.testing.assert_array_equal(slot.strip.image.image, want.T)
        # the same colour levels in the strip and the exact heatmap
        assert tuple(slot.strip.image.levels) == tuple(slot.colorbar.levels())
    for step in (1717, 0, T - 1, 1000):  # the player seeks anywhere: exact numbers
        state.set_cursor(step=step)
        for refined in (False, True):  # the chunk around the step at once, then the window
            if refined:
                qtbot.waitUntil(lambda: state.trace.layers[name].timesteps == seq.window, timeout=60_000)
            start, n = state.trace.start, state.trace.layers[name].timesteps
            assert start <= step < start + n
            slot = next(s for s in view.slots if s.key == "c")
            np.testing.assert_array_equal(slot.image.image, full.steps["c"][0, start:start + n].T)
            xs, ys = view.curves["h"].getData()
            k = int(np.flatnonzero(xs == step)[0])
            assert ys[k] == full.steps["h"][0, step, state.cursor.unit]
            assert slot.cursor_line.value() == step and slot.strip.line.value() == step
            assert f"t = {step:,}" in view.header.text()
    view.click_overview(2500)  # a click on a strip seeks the whole sequence
    assert state.cursor.step == 2500 and state.trace.start <= 2500 < state.trace.start + QUICK_STEPS


def test_a_far_seeks_quick_steps_draw_the_curves_aliased_and_their_whole_window_as_ever(long_window, qtbot):
    """A far seek's 16 quick steps draw the unit's curves without antialiasing, the same
    numbers with the same pens (Qt's antialiased fill of a 2.5 px line ~0.3 ms a curve,
    aliased ~0.03: the largest part of a seek's paint); the whole window that replaces them
    a moment later is drawn antialiased, the very picture of that window seeked to when
    it was computed already (no quick steps)."""
    w, x, state, view, seq, name = _long_tab(long_window, "Over time")
    state.set_cursor(layer=name, unit=3)
    full = state.model.trace(x)[name]
    app = QtWidgets.QApplication.instance()
    settled = {}
    for step in (2500, 700, 2500):
        state.set_cursor(step=step)
        app.processEvents()
        quick = seq.is_quick(state.trace)
        assert view.quick == quick and quick == (step not in settled)  # (2500's window: computed)
        start, n = state.trace.start, state.trace.layers[name].timesteps
        assert n == (QUICK_STEPS if quick else seq.window)
        for key in ("i", "f", "c", "o", "h"):
            item = view.curves[key].curve
            assert item.opts["antialias"] is not quick
            xs, ys = item.getData()
            np.testing.assert_array_equal(xs, np.arange(start, start + n))
            np.testing.assert_array_equal(ys, full.steps[key][0, start:start + n, 3])
            assert item.opts["pen"] == view.curves[key].opts["pen"]  # (the legend's pen)
        if quick:
            seq.wait_prefetch()
            w.long_runner.poll()
            app.processEvents()
            assert not seq.is_quick(state.trace) and not view.quick
            assert all(view.curves[key].curve.opts["antialias"] for key in view.curves)
        picture = view.grab().toImage()
        if step in settled:
            assert picture == settled[step]  # (the whole window as the seek to it drew it)
        settled[step] = picture


def test_the_pass_starts_once_the_first_steps_are_painted(long_window, qtbot, monkeypatch):
    # started where the input was set, the worker's first window competed with the first
    # steps' trace and paint for the interpreter and the cores (90-155 ms to the first
    # paint of a 20,000-step input through 2 x LSTM(512), 45-70 without it). Now it starts
    # once the window has painted them; meanwhile it counts as running (progress bar,
    # Cancel); then the pass runs as ever, and ``wait`` starts one still waiting at once
    from PySide6 import QtCore

    from lstmviz.ui.long_runner import LongRunner

    w, x = long_window
    state, runner = w.state, w.long_runner
    view = _tab(w, "Over time")
    QtWidgets.QApplication.processEvents()
    paints: list[int] = []
    at_start: list[int] = []

    class Paints(QtCore.QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if (event.type() == QtCore.QEvent.Type.Paint and isinstance(obj, QtWidgets.QWidget)
                    and (obj is view or view.isAncestorOf(obj))):
                paints.append(1)  # (the view, or a plot of it)
            return False

    spy = Paints()
    app = QtWidgets.QApplication.instance()
    app.installEventFilter(spy)
    work = LongRunner._work
    monkeypatch.setattr(LongRunner, "_work", staticmethod(lambda seq: at_start.append(len(paints)) or work(seq)))
    try:
        state.set_input_data(x)
        seq = state.long
        assert seq is not None and runner.worker is None and at_start == []  # not started yet
        assert runner.busy() and runner.progress.isVisible() and runner.cancel_button.isVisible()
        assert state.trace.layers[state.model.layers[0].name].timesteps == QUICK_STEPS
        qtbot.waitUntil(lambda: bool(at_start), timeout=10_000)
        assert at_start[0] > 0  # (the first steps painted before the worker started)
        assert runner.wait(120) and seq.ready and seq.overviews is not None and not runner.busy()
        name = state.model.layers[0].name
        full = state.model.trace(x)[name]
        slot = next(s for s in view.slots if s.key == "c")
        np.testing.assert_array_equal(slot.image.image, full.steps["c"][0, :seq.window].T)
        # another input: ``wait`` starts its worker at once, without a paint
        state.set_input_data(x[:, ::-1].copy())
        assert runner.due is state.long and runner.worker is not None and runner.worker is not state.long
        assert runner.wait(120) and state.long.ready and runner.due is None
        assert len(at_start) == 2
    finally:
        app.removeEventFilter(spy)


def test_cancel_keeps_the_first_window(long_window, qtbot):
    w, x = long_window
    state = w.state
    state.set_input_data(np.tile(x, (1, 10, 1)))  # 30,000 steps: seconds of pass
    seq = state.long
    w.long_runner.cancel()
    assert w.long_runner.wait(60)
    assert not seq.ready and "cancelled" in (seq.error or "")
    assert "cancelled" in w.statusBar().currentMessage()
    state.set_cursor(step=20000)  # the first window stays, at its last step
    assert state.trace.start == 0 and state.trace_cursor.step == seq.window - 1
    # the player says 20000, the views their last step: the status bar says why (it said
    # "cancelled" for 15 s after the Cancel, then nothing while the two disagreed)
    said = w.statusBar().currentMessage()
    assert said == (f"Step 20,000 cannot be shown: the keyframe pass was cancelled, the first "
                    f"{seq.window:,} steps are shown; Trace all traces all")
    # beside the button that says it, whole, at 1280 px (it ran under the button there)
    from PySide6 import QtGui
    w.resize(1280, 720)
    QtWidgets.QApplication.processEvents()
    room = w.long_runner.resume_button.geometry().left() - 12
    assert QtGui.QFontMetrics(w.statusBar().font()).horizontalAdvance(said) <= room
    # Play there (the message gone by then) stops, naming the step the player shows: it
    # said "Step 20,001 cannot be shown" under the player's 20,000
    w.statusBar().clearMessage()
    w.player.play()
    w.player._tick()
    assert not w.player.playing and state.cursor.step == 20000
    assert w.player.step_label.text() == "t = 20,000 / 29,999"
    assert w.statusBar().currentMessage().startswith("Step 20,000 cannot be shown: the keyframe pass was cancelled")
    # Play from the first window's last step stops there (it ran on to 20,000 and beyond
    # while the views stayed at step 255), saying why
    state.set_cursor(step=seq.window - 1)
    w.player.play()
    w.player._tick()
    assert not w.player.playing and state.cursor.step == seq.window - 1
    said = w.statusBar().currentMessage()
    assert said.startswith(f"Step {seq.window:,} cannot be shown: the keyframe pass was cancelled")
    # the pass again without opening the input again (there was no way but that)
    runner = w.long_runner
    assert runner.resume_button.isVisible() and not runner.progress.isVisible()
    runner.resume_button.click()
    assert runner.progress.isVisible() and not runner.resume_button.isVisible()
    assert runner.wait(120) and seq.ready and seq.error is None and seq.overviews is not None
    assert not runner.resume_button.isVisible()
    state.set_cursor(step=20000)
    qtbot.waitUntil(lambda: state.trace.start <= 20000 < state.trace.start + seq.window, timeout=60_000)
    full = state.model.trace(state.x[:, :20016])
    name = state.cursor.layer
    np.testing.assert_array_equal(state.trace.layers[name].steps["h"][0, state.trace_cursor.step],
                                  full.layers[name].steps["h"][0, 20000])


def test_play_waits_at_the_edge_of_the_first_window_while_the_pass_runs(long_window, qtbot, monkeypatch):
    # Play ran on past step 255 while the pass ran: the player said 300, 301 ... and the
    # views stayed at step 255. It waits there now, saying why, and goes on after the pass
    w, x = long_window
    state, player = w.state, w.player
    go = held_pass(monkeypatch)
    try:
        state.set_input_data(x)
        seq = state.long
        state.set_cursor(step=seq.window - 2)
        player.play()
        for _ in range(3):
            player._tick()
        assert player.playing and state.cursor.step == seq.window - 1 and not seq.ready
        said = w.statusBar().currentMessage()
        assert said == f"Playing waits at step {seq.window - 1:,} until the keyframe pass has run, then goes on"
        # whole beside the progress bar and Cancel at 1280 px
        _whole_beside_the_bar(w, said)
    finally:
        go.set()
    assert w.long_runner.wait(120) and seq.ready
    player._tick()
    assert player.playing and state.cursor.step == seq.window
    player.pause()


def test_unrolled_strip_colours_a_tiny_layer_on_its_own_scale_as_its_cells(make_window, monkeypatch):
    """A long input through a layer of values within 0.6 under one that reaches +-3e5 (a
    linear SimpleRNN with huge input weights): the exact window coloured the tiny layer on
    its own scale (``colour_levels``), but the overview strip above drew every line on the
    shared one, the tiny layer's black. Its line is now on its own scale too (the strip's
    one image on the shared levels, the line scaled by shared / its own), the huge
    layer's as before."""
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.ui.export import long_settled

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    model = Model.sequential((None, None, 2), [
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="tiny"),
        LayerSpec("SimpleRNN", {"units": 3, "return_sequences": True, "activation": "linear"}, name="huge")],
        seed=1)
    kernel, recurrent, _ = model.get_layer("huge").weights
    kernel *= 1e6
    recurrent[:] = 0.0
    state = AppState()
    state.set_model(model)
    w = make_window((1400, 900), state)
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.sign(np.sin(t / 230.0))], -1)[None].astype(np.float32)
    state.set_input_data(x)
    view = _tab(w, "Unrolled")
    long_settled(w)
    seq = state.long
    assert seq is not None and seq.overviews is not None and view.strip.shown
    state.set_cursor(layer="tiny", unit=1)
    full = model.trace(x)
    bins = seq.overviews[("tiny", "h")].bins
    tiny, huge = (_brute_extreme(full[n].steps["h"][0], bins)[:, 1] for n in ("tiny", "huge"))
    rows = {r.key: r for r in view.rows}
    shared = view.colorbar.levels()
    small = float(np.abs(full["tiny"].steps["h"]).max())
    assert rows["tiny"].own_scale and rows["tiny"].levels == pytest.approx((-small, small))
    assert not rows["huge"].own_scale and tuple(rows["huge"].levels) == tuple(shared)
    assert tuple(view.strip.image.levels) == tuple(shared)
    got = view.strip.image.image  # (top layer first)
    np.testing.assert_array_equal(got[0], huge)
    np.testing.assert_allclose(got[1], tiny * (shared[1] / rows["tiny"].levels[1]), rtol=1e-6)
    # the tiny layer's line reaches full colour, as its cells do
    assert np.abs(got[1]).max() == pytest.approx(shared[1] * np.abs(tiny).max() / small)
    assert np.abs(got[1]).max() > 0.5 * shared[1]


def test_unrolled_shows_every_layer_over_the_whole_sequence_and_exact_cells(long_window, qtbot):
    w, x = long_window
    state = w.state
    view = _tab(w, "Unrolled")
    state.set_input_data(x)
    seq = state.long
    assert w.long_runner.wait(120) and seq.overviews is not None
    names = [layer.name for layer in state.model.layers[:2]]
    full = state.model.trace(x)
    state.set_cursor(layer=names[0], unit=3)
    assert view.strip.shown
    bins = seq.overviews[(names[0], "h")].bins
    # the strip: a row per recurrent layer, top layer first, min/max per bin of its h (unit 3,
    # clamped to the GRU's 4 units), on the rows' colour levels
    want = np.stack([_brute_extreme(full[n].steps["h"][0], bins)[:, 3] for n in names[::-1]])
    np.testing.assert_array_equal(view.strip.image.image, want)
    assert tuple(view.strip.image.levels) == tuple(view.colorbar.levels())
    # (the header says what the strip's rows are: a Dense head, an Embedding have none)
    assert view.strip.image.image.shape[0] == len(names)
    assert "top strip: the whole sequence, a row per recurrent layer" in view.header.text()
    for step in (2222, 5, T - 1):
        state.set_cursor(step=step)
        qtbot.waitUntil(lambda: state.trace.layers[names[0]].timesteps == seq.window, timeout=60_000)
        start = state.trace.start
        row = next(r for r in view.rows if r.layer == names[0])
        np.testing.assert_array_equal(row.values, full[names[0]].steps["h"][0, start:start + seq.window, 3])
        assert f"processing step <b>{step:,}</b>" in view.header.text()
        assert view.strip.line.value() == step
    view.click_overview(100)
    assert state.cursor.step == 100 and state.trace.start == 0


def _long_cell(long_window):
    """The Cell tab on the long input, its keyframe pass done: (window, input, state,
    view, first layer's name)."""
    w, x = long_window
    state = w.state
    view = _tab(w, "Cell")
    state.set_input_data(x)
    assert w.long_runner.wait(120)
    return w, x, state, view, state.model.layers[0].name


def test_the_cell_view_shows_the_exact_step_of_the_whole_sequence(long_window, qtbot):
    w, x, state, view, name = _long_cell(long_window)
    full = state.model.trace(x)[name]
    for step in (1536, 2047, 40):
        state.set_cursor(step=step, layer=name)
        np.testing.assert_array_equal(view.bars["g1"].values, full.steps["f"][0, step])
        np.testing.assert_array_equal(view.bars["c_prev"].values, full.steps["c"][0, step - 1])
        np.testing.assert_array_equal(view.bars["x"].values, x[0, step])
        assert f"t = {step:,}</b> = input step {step:,}" in view.header.text()


def test_the_cell_views_input_label_is_as_short_as_its_column_needs(long_window):
    """x_t's number names the input step it reads: "input 2,222" where the column holds it,
    else "2,222" (a step below 1,000: "input 6", else "x[6]", else "6"; x[2,222] would read
    as two indices). In a 1024 x 600 window beside the side panel a long input's
    "input 7005" ran into h_t-1's number (the columns held "−0.000", the number they were
    measured by)."""
    from PySide6 import QtGui

    from lstmviz.ui.export import _settle, fit_widget

    w, x, state, view, name = _long_cell(long_window)
    metrics = QtGui.QFontMetricsF(view.theme.font(0.85))
    seen = set()
    # (520 x 300: one row of narrow charts; at 520 x 400 the view's nine charts go into two
    # rows, which leave the header and the equations a line each)
    for size in ((1400, 800), (700, 500), (520, 500), (520, 400), (520, 300)):
        fit_widget(w, view, size)
        _settle()
        state.set_cursor(step=2222, layer=name)
        # (the charts side by side: in two rows, those of each row)
        shown = sorted((bp.widget.geometry() for bp in view.bars.values() if not bp.widget.isHidden()),
                       key=lambda g: (g.top(), g.left()))
        cells = min(b.center().x() - a.center().x() for a, b in zip(shown, shown[1:]) if a.top() == b.top())
        # (the numbers' room: measured where they stand, under their titles, the last moved in
        # from the charts' edge, at most the cells' pitch)
        pitch = view._pitch[0]
        assert 0 < pitch <= cells + 1, (pitch, cells)
        text = view.bars["x"].value_item.text()
        forms = ["input 2,222", "2,222"]
        assert text in forms
        fits = [f for f in forms if metrics.horizontalAdvance(f + " ") <= pitch]
        assert text == (fits[0] if fits else "2,222"), (text, pitch, size)
        seen.add(text)
    assert len(seen) >= 2


def test_the_cell_view_keeps_the_whole_sequences_ranges_from_window_to_window(long_window, qtbot):
    """A long input: the charts of h and c take the whole sequence's levels (its overview,
    as the Over time view's colours), so a seek into another window changes no range; the
    bars stay the window's exact values."""
    w, x, state, view, name = _long_cell(long_window)
    state.set_cursor(step=10, layer=name)
    full = state.model.trace(x)[name]
    seq = state.long
    ranges = None
    for step in (10, 1536, 2900, 700):
        state.set_cursor(step=step)
        def holds(at=step):
            return state.trace.start <= at < state.trace.start + state.trace.layers[name].timesteps
        qtbot.waitUntil(holds, timeout=60_000)
        for slot, key in (("h", "h"), ("c", "c"), ("h_prev", "h"), ("c_prev", "c")):
            m = float(max(np.abs(full.steps[key][0]).max(), np.abs(full.initial_state[key]).max()))
            assert view.bars[slot].yr == pytest.approx((-m, m), rel=1e-6), (slot, step)
            assert seq.overviews[(name, key)].levels(False) == pytest.approx((-m, m), rel=1e-6)
        now = {k: bp.plot.getViewBox().viewRange() for k, bp in view.bars.items() if k != "x"}
        assert ranges is None or now == ranges, step
        ranges = now
        np.testing.assert_array_equal(view.bars["h"].values, full.steps["h"][0, step])
        np.testing.assert_array_equal(view.bars["c_prev"].values, full.steps["c"][0, step - 1])
        np.testing.assert_array_equal(view.bars["g1"].values, full.steps["f"][0, step])
        assert view.bars["g1"].yr == (0.0, 1.0)


def test_the_inputs_keep_the_whole_sequences_levels_from_window_to_window(long_window, qtbot):
    """A long input whose size grows along the sequence: the Cell view's x_t chart (of
    the first layer: the input; of the second: the first layer's h) and the Unrolled
    view's input row take the whole sequence's levels (its overview), so a seek into
    another window changes neither; before, each window (and each 16-step chunk) had
    its own and the chart's axis was laid out again at every seek."""
    w, x = long_window
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0) * (1 + t / 500.0), np.cos(t / 90.0)], -1)[None].astype(np.float32)
    state = w.state
    view = _tab(w, "Cell")
    state.set_input_data(x)
    assert w.long_runner.wait(120)
    first, second = (layer.name for layer in state.model.layers)
    full = state.model.trace(x)
    m_x = float(np.abs(x[0]).max())
    m_h = float(np.abs(full[first].steps["h"][0]).max())
    seq = state.long
    assert seq.overviews[(first, "x")].levels(False) == pytest.approx((-m_x, m_x), rel=1e-6)
    assert seq.overviews[(state.model.inputs[0].layer, "x")].levels(False) == pytest.approx((-m_x, m_x), rel=1e-6)
    assert seq.overviews[(second, "x")].levels(False) == pytest.approx((-m_h, m_h), rel=1e-6)
    for name, m in ((first, m_x), (second, m_h)):
        ranges = None
        for step in (10, 2900, 700, 1536):
            state.set_cursor(step=step, layer=name)

            def holds(at=step, name=name):
                return state.trace.start <= at < state.trace.start + state.trace.layers[name].timesteps
            qtbot.waitUntil(holds, timeout=60_000)
            assert view.bars["x"].yr == pytest.approx((-m, m), rel=1e-6), (name, step)
            now = view.bars["x"].plot.getViewBox().viewRange()
            assert ranges is None or now == ranges, (name, step)
            ranges = now
            want = x[0, step] if name == first else full[first].steps["h"][0, step]
            np.testing.assert_array_equal(view.bars["x"].values, want)
    unrolled = _tab(w, "Unrolled")
    for step in (10, 2900):
        state.set_cursor(step=step)
        qtbot.waitUntil(lambda at=step: state.trace.start <= at < state.trace.start + seq.window, timeout=60_000)
        row = next(r for r in unrolled.rows if r.kind == "input")
        assert row.levels == pytest.approx((-m_x, m_x), rel=1e-6), step


def test_the_memory_limit_is_one_setting_kept_in_the_preferences(make_window, monkeypatch):
    monkeypatch.setenv(limits.ENV, "2G")
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=200))], InputSpec(input_dim=2))
    w = make_window((1000, 700), state)
    x = np.random.default_rng(0).normal(size=(1, T, 2)).astype(np.float32)
    state.set_input_data(x)
    assert state.long is None  # ~38 MB of trace: whole under 2 GB (1 GiB of trace)
    assert not w.set_memory_limit("lots") and limits.memory_limit() == 2 << 30
    assert not w.set_memory_limit("100T") and limits.memory_limit() == 2 << 30  # (beyond the machine's)
    assert w.set_memory_limit("64M")  # 32 MiB of trace: the same input is now a long one
    assert limits.trace_budget() == 32 << 20 and state.long is not None
    assert w.settings.value("memory_limit") == "64M" and "64 MiB" in w.statusBar().currentMessage()
    assert w.long_runner.wait(120)
    name = state.model.layers[0].name
    state.set_cursor(step=2900)
    np.testing.assert_array_equal(state.trace[name].steps["h"][0, state.trace_cursor.step],
                                  state.model.trace(x)[name].steps["h"][0, 2900])
    # the next start reads it, unless --max-memory or LSTMVIZ_MAX_MEMORY gives one
    monkeypatch.setenv(limits.ENV, "1G")
    w._memory_limit_from_preferences()
    assert limits.memory_limit() == 1 << 30
    monkeypatch.delenv(limits.ENV)
    w._memory_limit_from_preferences()
    assert limits.memory_limit() == 64 << 20


def test_the_side_panel_shows_a_long_inputs_length(long_window):
    """The timesteps box holds the length of a long input (it stopped at 5000), and a length
    typed there makes a long input too."""
    w, x = long_window
    w.state.set_input_data(np.concatenate([x, x], axis=1))
    panel = w.stack_panel
    assert panel.timesteps_spin.value() == 2 * T == w.state.input.timesteps
    assert w.long_runner.wait(120)
    panel.timesteps_spin.setValue(12_345)
    assert w.state.input.timesteps == 12_345 and w.state.model.input_shapes()[0][1] == 12_345
    assert w.long_runner.wait(120)


def test_seeking_in_a_long_input_leaves_the_side_panel_alone(long_window, monkeypatch):
    """A seek far away swaps in another window of the trace (the same model): the side panel
    shows nothing that depends on it and is not redrawn; an edit or a new input redraws it."""
    w, x = long_window
    state = w.state
    state.set_input_data(x)
    assert w.long_runner.wait(120)
    panel = w.stack_panel
    calls = []
    original = panel.refresh
    monkeypatch.setattr(panel, "refresh", lambda: (calls.append(1), original()))
    before = state.trace
    state.set_cursor(step=T - 5)
    assert state.trace is not before  # another window
    assert calls == []
    state.set_input_data(x[:, ::-1].copy())
    assert len(calls) == 1 and panel.input_source_button.text().startswith("your data")
    state.set_layer_option(1, "units", 3)
    assert len(calls) == 2


def _drawn(view):
    """What the Unrolled view shows: each row's colours and where they go, the visible texts."""
    rows = [(r.key, r.image.image.copy(), r.image.transform(), r.image.isVisible()) for r in view.rows]
    texts = sorted(t.toPlainText() for t in view.plot.scene().items()
                   if isinstance(t, pg.TextItem) and t.isVisible())
    arrows = [np.array(c.getData()[i]) for c in (view.h_lines, view.c_lines, view.up_lines) for i in (0, 1)]
    return rows, texts, arrows


def test_unrolled_reuses_its_items_across_windows_and_draws_each_as_a_fresh_view(long_window, qtbot):
    """Seeking far shows the exact chunk, then the whole window: the view keeps the items of
    both layouts (a bounded number on its plot, the other layout's hidden) and draws each
    window exactly as a view built for it alone."""
    from lstmviz.ui.views.unrolled import KEPT_LAYOUTS, UnrolledView

    w, x, state, view, seq, name = _long_tab(long_window, "Unrolled")
    state.set_cursor(layer=name, unit=2)
    counts = []
    for step in (2222, 5, T - 1, 1500, 1000, 400):
        state.set_cursor(step=step)
        for refined in (False, True):
            if refined:
                seq.wait_prefetch()
                w.long_runner.poll()
            # no window computed on a thread while views are made and dropped below (a
            # worker's garbage collection could end Qt objects off the GUI thread)
            seq.wait_prefetch()
            n = state.trace.layers[name].timesteps
            assert n == (seq.window if refined or state.trace.start == 0
                         else min(QUICK_STEPS, T - state.trace.start))  # the last chunk: 8 steps
            fresh = UnrolledView()
            fresh.set_overview(view.overviews)
            fresh.set_data(state.model, state.trace, w._shown_inputs())
            fresh.set_cursor(view.cursor)
            got, want = _drawn(view), _drawn(fresh)
            assert [r[0] for r in got[0]] == [r[0] for r in want[0]]
            for (_, img, tr, vis), (_, img2, tr2, vis2) in zip(got[0], want[0]):
                np.testing.assert_array_equal(img, img2)
                assert tr == tr2 and vis and vis2
            assert got[1] == want[1]
            for a, b in zip(got[2], want[2]):
                np.testing.assert_array_equal(a, b)
            assert view.header.text() == fresh.header.text()
            counts.append(len(view.plot.scene().items()))
            fresh.deleteLater()
            del fresh
            gc.collect()  # here, on the GUI thread
    assert len(view._statics) <= KEPT_LAYOUTS
    # three layouts (a chunk, the last chunk, a window), then no new items
    assert len(set(counts[4:])) == 1


def test_a_far_seek_computes_its_window_once_the_seeking_pauses(long_window, qtbot):
    """The exact chunk at once; the whole window's thread starts only when no seek came for
    a moment (it would compete with the chunk's paint and with the next seeks of a drag)."""
    w, x = long_window
    state = w.state
    _tab(w, "Over time")
    state.set_input_data(x)
    seq = state.long
    assert w.long_runner.wait(120)
    seq.wait_prefetch()
    name = state.model.layers[0].name
    for step in (2222, 1500, 700):  # a drag: no event loop between the seeks
        state.set_cursor(step=step)
        assert state.trace.layers[name].timesteps == QUICK_STEPS
        assert seq.deferred == seq.start_of(step)
        assert seq._fetcher is None or not seq._fetcher.is_alive()
        assert seq.start_of(step) not in seq._cache
    qtbot.waitUntil(lambda: state.trace.layers[name].timesteps == seq.window, timeout=60_000)
    assert state.trace.start == seq.start_of(700) and seq.deferred is None
    assert seq.start_of(2222) not in seq._cache  # the windows the drag left were not computed
    # the pause is counted from the seek's paint, not from the seek: where a seek takes
    # longer than SETTLE_MS (a slow machine) the thread started amid it, or amid a drag
    timer = w.long_runner.settle
    timer.setInterval(60_000)  # (not due within this test: the windows below stay deferred)
    state.set_cursor(step=3000)
    assert seq.deferred == seq.start_of(3000) and not timer.isActive()
    QtWidgets.QApplication.processEvents()  # (the seek's paint)
    assert timer.isActive() and seq.deferred == seq.start_of(3000)
    # steps within one window not computed yet (playing fast, an export's frames) do not put
    # its start off: the timer is started for the first of them only
    starts = []
    original = timer.start
    timer.start = lambda: (starts.append(seq.deferred), original())
    for step in (1800, 1801, 1802, 1803, 2500):
        state.set_cursor(step=step)
        QtWidgets.QApplication.processEvents()
    assert starts == [seq.start_of(1800), seq.start_of(2500)]


def test_a_screenshot_at_a_far_step_shows_its_whole_window(long_window, tmp_path):
    """``--screenshot --step N`` of a long input: the exact window around N, not only the
    quick chunk a seek shows first."""
    from lstmviz.ui.app import render

    w, x = long_window
    state = w.state
    _tab(w, "Unrolled")
    state.set_input_data(x)
    seq = state.long
    name = state.model.layers[0].name
    out = render(w, tmp_path / "far.png", step=2222, size="1200x800")
    assert out.exists() and state.cursor.step == 2222
    assert state.trace.layers[name].timesteps == seq.window
    assert state.trace.start <= 2222 < state.trace.start + seq.window


def test_a_screenshot_waits_for_a_slow_pass_and_says_how_far_it_is(long_window, tmp_path, monkeypatch, capsys):
    """``--screenshot`` of a long input whose pass takes a while: progress lines on stderr
    meanwhile (ten million steps took minutes and said nothing), and the picture drawn
    once the pass and the overviews are done (it waited 120 s at most)."""
    import time

    from lstmviz.app.long_sequence import LongSequence
    from lstmviz.ui.app import render

    slow = LongSequence.run_pass

    def run_pass(self, *a, **k):
        time.sleep(1.6)  # (a machine that takes longer than the reporter's first second)
        return slow(self, *a, **k)

    monkeypatch.setattr(LongSequence, "run_pass", run_pass)
    w, x = long_window
    w.state.set_input_data(x)
    seq = w.state.long
    assert w.long_runner.busy()
    render(w, tmp_path / "slow.png", size="1200x800")
    assert seq.ready and seq.overviews is not None
    lines = capsys.readouterr().err.splitlines()
    assert lines and lines[0] == f"lstmviz: {T:,} steps: keyframes 0%"


def test_the_pass_reporter_says_nothing_at_first_then_a_line_every_few_seconds():
    import io
    from types import SimpleNamespace

    from lstmviz.ui.export import pass_reporter

    now = [0.0]
    out = io.StringIO()
    report = pass_reporter(out, after=1.0, every=5.0, clock=lambda: now[0])
    seq = SimpleNamespace(steps=10_000_000, phase="keyframes", done=0, total=4)
    for t, done in ((0.5, 0), (1.2, 1), (3.0, 2), (6.3, 2), (6.4, 3)):
        now[0], seq.done = t, done
        report(seq)
    seq.phase, seq.done = "overview", 1
    now[0] = 12.0
    report(seq)
    # once over, a last line (the last one said 'overview 25%' of a pass that had finished)
    seq.ready, seq.error, seq.done = True, None, 4
    report(seq, final=True)
    assert out.getvalue().splitlines() == ["lstmviz: 10,000,000 steps: keyframes 25%",
                                           "lstmviz: 10,000,000 steps: keyframes 50%",
                                           "lstmviz: 10,000,000 steps: overview 25%",
                                           "lstmviz: 10,000,000 steps: traced"]
    quiet = io.StringIO()  # a quick pass says nothing, at the end either
    report = pass_reporter(quiet, after=1.0, every=5.0, clock=lambda: 0.0)
    report(seq)
    report(seq, final=True)
    assert quiet.getvalue() == ""


def test_an_exported_picture_and_animation_of_a_long_input_show_whole_windows(long_window, tmp_path):
    """``--export-png --step N`` and ``lstmviz.picture`` (``prepare_view``) and an animation's
    frames (``iter_frames``) of a long input: the overview and the whole exact window around
    the step, as ``--screenshot`` has it. They showed what the machine had computed by then:
    often the quick chunk of 16 steps only, and before the keyframe pass no overview."""
    from lstmviz.ui.app import prepare_view
    from lstmviz.ui.export import iter_frames

    w, x = long_window
    state = w.state
    state.set_input_data(x)
    seq = state.long
    name = state.model.layers[0].name
    prepare_view(w, "over_time", step=2222)
    assert seq.overviews is not None and w.views[2].overviews is not None
    assert state.trace.layers[name].timesteps == seq.window
    assert state.trace.start <= 2222 < state.trace.start + seq.window
    for k, _ in enumerate(iter_frames(w, "over_time", steps=[10, 2900])):
        assert state.trace.layers[name].timesteps == seq.window  # each frame: its whole window
        assert state.trace.start <= [10, 2900][k] < state.trace.start + seq.window


def test_over_time_in_a_small_picture_keeps_its_exact_heatmaps_visible(long_window):
    """Over time of a long input exported at 800 x 450 (now 800 x 420: the header takes two
    lines at most): the strips at their least height with their step axes left each exact
    heatmap 9 px. Where the curves' share is not
    enough either, the strips go bare (their colours only) and the heatmaps keep ~30 px;
    a larger picture has the strips' axes back. Where the rows' label "unit" would run
    past its widget's edge, it is left out (it was cut to "nit")."""
    from lstmviz.ui.export import _settle, fit_widget, long_settled
    from lstmviz.ui.views.overview_strip import MIN_HEIGHT

    w, x = long_window
    state = w.state
    view = _tab(w, "Over time")
    state.set_input_data(x)
    long_settled(w)
    fit_widget(w, view, (800, 450))
    _settle()
    shown = [s for s in view.slots if s.plot.isVisible()]
    assert len(shown) == 6 and view.width() == 800 and view.height() == 450
    for slot in shown:  # (the header's two lines at most leave the strips their axes here)
        assert slot.strip.shown and slot.plot.vb.height() >= 25, slot.plot.vb.height()
    fit_widget(w, view, (800, 420))
    _settle()
    for slot in shown:
        assert slot.strip.shown and slot.strip.bare and not slot.strip.plot.getAxis("bottom").isVisible()
        assert slot.plot.vb.height() >= 25, slot.plot.vb.height()
    fit_widget(w, view, (640, 400))
    _settle()
    for slot in shown:
        _label_seen_whole_or_not_at_all(slot)
    fit_widget(w, view, (1000, 800))
    _settle()
    for slot in shown:
        assert slot.strip.height >= MIN_HEIGHT and slot.strip.plot.getAxis("bottom").isVisible()
        assert slot.plot.vb.height() >= 40 and slot.plot.getAxis("left").label.isVisible()


def test_over_time_at_the_windows_least_size_gives_its_heatmaps_the_strips_axis_room(long_window):
    """A long input at the window's least size beside the side panel (an 800 x 600 picture
    is that window scaled): each exact heatmap was ~20 px wide beside the 52 px left axis
    it shares with the strip above (for the strip's "all"), the margins and the colour bar,
    and its one step label, wider than the image, ran under the colour bar. There the
    margins at the sides and the strip's row label give way, the left axis as wide as the
    unit ticks (the strip's too: the steps still line up), the image at least
    ``IMAGE_MIN_WIDE`` wide, and no step label reaches past the image's right end."""
    from lstmviz.ui.export import _settle, long_settled
    from lstmviz.ui.views.over_time import IMAGE_MIN_WIDE
    from lstmviz.ui.views.overview_strip import AXIS_WIDTH

    w, x = long_window
    view = _tab(w, "Over time")
    w.state.set_input_data(x)
    long_settled(w)
    w.resize(w.minimumSizeHint())
    for _ in range(3):
        _settle()
    for slot in [s for s in view.slots if s.plot.isVisible()]:
        image, strip = slot.plot.vb.sceneBoundingRect(), slot.strip
        assert slot.tight and strip.shown and strip.narrow and image.width() >= IMAGE_MIN_WIDE, image
        left = slot.plot.getAxis("left")
        assert left.width() < AXIS_WIDTH and strip.plot.getAxis("left").width() == left.width()
        assert not strip.plot.getAxis("left").label.isVisible()
        assert abs(strip.plot.vb.sceneBoundingRect().left() - image.left()) < 0.5  # (steps line up)
        axis = slot.plot.getAxis("bottom")
        font = QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font())
        lo, hi = axis.range
        for v, text in axis._tickLevels[0] if axis._tickLevels else []:
            assert (v - lo) / (hi - lo) * axis.width() + font.horizontalAdvance(text) / 2 <= axis.width() + 2
    w.resize(1400, 900)
    for _ in range(3):
        _settle()
    for slot in [s for s in view.slots if s.plot.isVisible()]:
        assert not slot.tight and not slot.strip.narrow and slot.plot.getAxis("left").width() == AXIS_WIDTH


def test_unrolled_in_a_short_view_keeps_its_rows_apart_and_cuts_its_legend(long_window):
    """A long input's Unrolled view where it is short (a 1024 x 600 laptop beside the side
    panel): the legend's lines took the height the rows needed, and the rows' names ran
    into each other. The legend now keeps what the rows leave it, whole entries and "+N
    more" with its whole text in a tooltip (``test_ui_unrolled_small``), the lines shown
    from its top (centred, the first line showed its top half only). Where there is room,
    nothing changes."""
    from PySide6 import QtCore, QtGui

    from lstmviz.app.unrolled import ROW_GAP, ROW_H
    from lstmviz.ui.export import _settle, fit_widget, long_settled

    w, x = long_window
    state = w.state
    view = _tab(w, "Unrolled")
    state.set_input_data(x)
    long_settled(w)
    _settle()
    full = view.legend.text()
    assert view.legend.height() == view.legend.sizeHint().height() and not view.legend.toolTip()
    fit_widget(w, view, (560, 330))
    _settle()
    levels = len({r.y for r in view.rows})
    name = QtGui.QFontMetrics(view.plot.getAxis("left").style["tickFont"]).height()
    lo, hi = view.vb.viewRange()[1]
    pitch = view.vb.height() / (hi - lo) * (ROW_H + ROW_GAP)
    assert levels >= 3 and pitch >= name, (pitch, name)  # the rows' names apart
    legend = view.legend
    assert legend.height() < legend.sizeHint().height() and legend.height() >= legend.label.fontMetrics().lineSpacing()
    # (whole entries, the rest said to be there: never a phrase cut through, ``_legend_short``)
    shown = QtGui.QTextDocumentFragment.fromHtml(legend.label.text()).toPlainText()
    assert "\u2026" not in shown and shown.rstrip().endswith(" more"), shown
    assert legend.toolTip() == full
    assert legend.label.alignment() & QtCore.Qt.AlignmentFlag.AlignTop
    fit_widget(w, view, (900, 800))
    _settle()
    assert legend.height() == legend.sizeHint().height() and not legend.toolTip()


def test_over_time_lays_a_size_out_alike_whatever_the_sizes_before(make_window, monkeypatch):
    """The strips' and curves' heights at one size depended on the sizes before it: 800 x
    450 after 640 x 400 kept bare strips and the curves' full share, the heatmaps 13 px
    (33 px when exported at 800 x 450 straight away). A resize now starts again from the
    strips with their axes, fitted in rounds until nothing changes."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.ui.export import _settle, fit_widget, long_settled

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    state = AppState()
    state.set_model(lstmviz.load(FIXTURES / "k3_bidi_lstm_stacked" / "model.keras"))
    w = make_window((1400, 900), state)
    t = np.arange(3000)
    state.set_input_data(np.stack([np.sin(t / 300.0 * (k + 1)) for k in range(3)], -1)[None].astype(np.float32))
    view = _tab(w, "Over time")
    long_settled(w)

    def laid_out(*sizes):
        for size in sizes:
            fit_widget(w, view, size)
            for _ in range(3):
                _settle()
        return [(s.strip.height, s.plot.vb.height()) for s in view.slots if s.plot.isVisible()], view.starved

    straight = laid_out((800, 450))
    assert laid_out((640, 400), (800, 450)) == straight
    assert laid_out((800, 600), (800, 450)) == straight
    assert laid_out((1600, 1000), (800, 450)) == straight


def _label_seen_whole_or_not_at_all(slot) -> bool:
    """Over time's heatmap ``slot``: its rows' label "unit" shows where it lies within its
    widget (where it would be: shown for the check), else not; never where the image needs
    its room (``slot.tight``). Whether it is whole."""
    label = slot.plot.getAxis("left").label
    label.setVisible(True)
    r = slot.widget.mapFromScene(label.mapRectToScene(label.boundingRect())).boundingRect()
    whole = r.top() >= 0 and r.bottom() <= slot.widget.viewport().height()
    slot.fit_label()
    assert label.isVisible() == (whole and not slot.tight)
    return whole


def test_over_time_leaves_out_a_rows_label_it_would_cut(make_window, monkeypatch):
    """Over time of a long input through two Bidirectional layers exported at 640 x 400: the
    heatmaps' plots need more height than their widgets have, and the rows' label "unit"
    ran past the widget's lower edge, cut to "nit". It is now left out there, and shown
    whole where it fits (at 1280 x 720 it runs over the title and the step axis). (640 x
    400 now leaves the heatmaps the room for it, the curves' least height measured, not
    guessed: 1600 x 360 first did not; now no size does: each heatmap's least holds its
    strip, and the curves give way before the heatmaps' plots outgrow their widgets.)"""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.ui.export import _settle, fit_widget, long_settled

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    state = AppState()
    state.set_model(lstmviz.load(FIXTURES / "k3_bidi_lstm_stacked" / "model.keras"))
    w = make_window((1400, 900), state)
    t = np.arange(3000)
    x = np.stack([np.sin(t / 300.0 * (k + 1)) for k in range(3)], -1)[None].astype(np.float32)
    state.set_input_data(x)
    view = _tab(w, "Over time")
    long_settled(w)
    seen = []
    for size in ((1600, 360), (640, 400), (1280, 720), (800, 450)):
        fit_widget(w, view, size)
        _settle()
        seen += [_label_seen_whole_or_not_at_all(s) for s in view.slots if s.plot.isVisible()]
    assert True in seen


def test_over_time_strip_stands_under_its_heatmaps_title(long_window):
    """A long input's strip (the whole sequence) stood above its heatmap's title, right
    under the heatmap of the row above: it read as that one's. Each heatmap's title is on
    top now, its strip under it, its exact window under the strip, all in its own widget;
    the title still centred over its plot, clear of the colour bar."""
    from lstmviz.ui.export import _settle, long_settled

    w, x = long_window
    view = _tab(w, "Over time")
    w.state.set_input_data(x)
    long_settled(w)
    for size in ((1400, 900), (760, 540)):
        w.resize(*size)
        for _ in range(3):
            _settle()
        shown = [s for s in view.slots if s.key is not None and s.widget.isVisible()]
        assert len(shown) == 6
        for slot in shown:
            assert slot.strip.shown and slot.strip.plot.isVisible()
            title = slot.plot.titleLabel
            text = title.item.mapRectToScene(title.item.boundingRect())
            strip = slot.strip.plot.sceneBoundingRect()
            image = slot.plot.vb.sceneBoundingRect()
            assert title.isVisible() and title.text and text.height() > 0, slot.key
            assert text.bottom() <= strip.top() + 0.5, (size, slot.key, text, strip)
            assert strip.bottom() <= image.top() + 0.5, (size, slot.key, strip, image)
            assert slot.widget.sceneRect().contains(text) and slot.widget.sceneRect().contains(strip)
            assert text.right() <= slot.colorbar.sceneBoundingRect().left() + 0.5, slot.key


def test_over_time_window_drawn_through_one_map_per_plot(long_window, qtbot):
    """A seek draws the window's steps through each plot's ``Shifted`` group (no new range
    for a window of the same length): the image's column of each step, the cursor lines,
    the curves' points and the step axes' labels line up on screen, and a click on a
    heatmap's column seeks to that column's step."""
    from PySide6 import QtCore
    from PySide6.QtTest import QTest

    w, x = long_window
    state = w.state
    view = _tab(w, "Over time")
    state.set_input_data(x)
    name = state.model.layers[0].name
    state.set_cursor(layer=name)
    assert w.long_runner.wait(120)
    full = state.model.trace(x)[name]
    ranges = []
    for plot in [s.plot for s in view.slots if s.key] + [view.curve_plot]:
        vb = plot.getViewBox()
        vb.sigXRangeChanged.connect(lambda *_: ranges.append(1))
    for step, unit in ((1717, 2), (2222, 1), (35, 4)):
        state.set_cursor(step=step, unit=unit)
        w.repaint()
        for refined in (False, True):
            if refined:
                qtbot.waitUntil(lambda: state.trace.layers[name].timesteps == state.long.window, timeout=60_000)
            start, n = state.trace.start, state.trace.layers[name].timesteps
            for slot in (s for s in view.slots if s.key):
                np.testing.assert_array_equal(slot.image.image, full.steps[slot.key][0, start:start + n].T)
                column = slot.image.mapToScene(QtCore.QPointF(step - start + 0.5, 0)).x()
                assert slot.cursor_line.mapToScene(slot.cursor_line.line().p1()).x() == pytest.approx(column)
                vb = slot.plot.getViewBox()
                for pos, label in slot.plot.getAxis("bottom")._tickLevels[0]:
                    at = slot.image.mapToScene(QtCore.QPointF(int(label.replace(",", "")) - start + 0.5, 0)).x()
                    assert vb.mapViewToScene(QtCore.QPointF(pos, 0)).x() == pytest.approx(at)
            xs, ys = view.curves["h"].getData()
            np.testing.assert_array_equal(xs, np.arange(start, start + n))
            np.testing.assert_array_equal(ys, full.steps["h"][0, start:start + n, unit])
            curve = view.curves["h"].curve
            cursor = view.curve_cursor
            k = step - start
            assert curve.mapToScene(QtCore.QPointF(xs[k], ys[k])).x() == pytest.approx(
                cursor.mapToScene(cursor.line().p1()).x())
            vb = view.curve_plot.getViewBox()
            for pos, label in view.curve_plot.getAxis("bottom")._tickLevels[0]:
                at = curve.mapToScene(QtCore.QPointF(int(label.replace(",", "")), 0)).x()
                assert vb.mapViewToScene(QtCore.QPointF(pos, 0)).x() == pytest.approx(at)
            assert view.curve_plot.getViewBox().viewRange()[0][0] == -0.5
    # each plot's range was set for the chunk's and the window's lengths, not at each seek
    assert len(ranges) <= 2 * 7
    # a click on a heatmap's column seeks to its step and picks the row's unit
    state.set_cursor(step=2000)
    qtbot.waitUntil(lambda: state.trace.layers[name].timesteps == state.long.window, timeout=60_000)
    w.repaint()
    start = state.trace.start
    slot = next(s for s in view.slots if s.key == "f")
    scene_pt = slot.image.mapToScene(QtCore.QPointF(2010 - start + 0.5, 3.5))
    pos = slot.widget.mapFromScene(scene_pt)
    QTest.mouseClick(slot.widget.viewport(), QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier,
                     pos)
    # (the click lands on a whole pixel: the column under it, where a column is less than a
    # pixel wide, is 2010's or its neighbour's)
    at = slot.image.mapFromScene(slot.widget.mapToScene(pos))
    step = start + int(at.x())
    assert abs(step - 2010) <= 1 and int(at.y()) == 3
    qtbot.waitUntil(lambda: state.cursor.step == step, timeout=5000)
    assert state.cursor.unit == 3


def test_a_seek_runs_the_layers_after_the_one_on_screen_when_asked(long_window, qtbot):
    """The quick steps of a seek record the layer on screen (and those before it); the
    layers after it run when a view asks for them: the same numbers as a full trace."""
    w, x = long_window
    state = w.state
    view = _tab(w, "Over time")
    state.set_input_data(x)
    first, second = (layer.name for layer in state.model.layers)
    state.set_cursor(layer=first)
    assert w.long_runner.wait(120)
    full = state.model.trace(x)
    state.set_cursor(step=1717)
    trace = state.trace
    assert trace.layers[first].timesteps == QUICK_STEPS and trace.layers.pending  # GRU not run
    assert state.trace_cursor.step == 1717 - trace.start
    start = trace.start
    np.testing.assert_array_equal(next(s for s in view.slots if s.key == "c").image.image,
                                  full[first].steps["c"][0, start:start + QUICK_STEPS].T)
    state.set_cursor(layer=second)  # the GRU on screen: it runs now
    assert state.trace is trace and not trace.layers.pending
    for key in ("z", "h"):
        slot = next(s for s in view.slots if s.key == key)
        np.testing.assert_array_equal(slot.image.image, full[second].steps[key][0, start:start + QUICK_STEPS].T)
    # another tab drawing every layer asks for them at once
    state.set_cursor(layer=first, step=2600)
    assert state.trace.layers.pending
    _tab(w, "Unrolled")
    assert not state.trace.layers.pending


def _pixels(widget):
    image = widget.grab().toImage()
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine()).copy()


def _long_tab(long_window, title):
    """Tab ``title`` on the long input, its keyframe pass done: (window, input, state, view,
    the sequence, the first layer's name)."""
    w, x = long_window
    state = w.state
    view = _tab(w, title)
    state.set_input_data(x)
    seq = state.long
    assert w.long_runner.wait(120)
    return w, x, state, view, seq, state.model.layers[0].name


def test_over_time_paints_the_next_window_ahead_and_the_step_into_it_shows_exactly_its_numbers(
        long_window, qtbot):
    """Stepping forward, the next window (computed on a thread) is painted ahead a piece at a
    time; the step that enters it copies those paintings: its heatmaps and curves hold that
    window's numbers, and the pixels are the ones painting them anew gives."""
    from PySide6 import QtWidgets

    from lstmviz.ui.views._common import Ahead

    w, x, state, view, seq, name = _long_tab(long_window, "Over time")
    full = state.model.trace(x)[name]
    state.set_cursor(layer=name, unit=3, step=1000)
    seq.wait_prefetch()  # (a seek: its whole window, then)
    w.long_runner.poll()
    a = seq.start_of(1000)
    assert state.trace.start == a and state.trace.layers[name].timesteps == seq.window
    state.set_cursor(step=1001)  # a step forward: the window ahead is computed, then painted ahead
    seq.wait_prefetch()
    w.long_runner.poll()
    nxt = seq.next_window(1001)
    assert nxt is not None and nxt.start == a + seq.window // 2
    assert view._ahead_trace is nxt
    qtbot.waitUntil(lambda: not view._ahead_todo, timeout=10_000)
    slots = [s for s in view.slots if s.key]
    assert all(s.image._ahead is not None for s in slots)
    assert all(view.curves[k].curve._ahead is not None for k in (s.key for s in slots))
    shown = [_pixels(v) for v in [s.widget for s in slots] + [view.curve_widget]]  # (nothing changed)
    used = Ahead.used
    enter = a + seq.window // 2 + seq.window // 4  # the first step of the next window
    for step in range(1002, enter + 1):
        state.set_cursor(step=step)
        QtWidgets.QApplication.processEvents()
    assert state.trace is nxt
    assert Ahead.used - used == 2 * len(slots)  # every heatmap and curve copied, none painted anew
    start, n = nxt.start, seq.window
    for slot in slots:
        np.testing.assert_array_equal(slot.image.image, full.steps[slot.key][0, start:start + n].T)
        assert slot.image._ahead is None
    for key in (s.key for s in slots):
        xs, ys = view.curves[key].getData()
        np.testing.assert_array_equal(xs, np.arange(start, start + n))
        np.testing.assert_array_equal(ys, full.steps[key][0, start:start + n, 3])
    copied = [_pixels(v) for v in [s.widget for s in slots] + [view.curve_widget]]
    assert not all(np.array_equal(p, q) for p, q in zip(shown, copied))  # a new window on screen
    # the same window painted anew, nothing copied: the same pixels
    paint_anew(view, slots)
    used = Ahead.used
    anew = [_pixels(v) for v in [s.widget for s in slots] + [view.curve_widget]]
    assert Ahead.used == used
    for p, q in zip(copied, anew):
        np.testing.assert_array_equal(p, q)
    # another unit before the step into a window painted ahead: its curves are painted anew
    state.set_cursor(step=enter + 1)
    seq.wait_prefetch()
    w.long_runner.poll()
    qtbot.waitUntil(lambda: view._ahead_trace is seq.next_window(enter + 1) and not view._ahead_todo,
                    timeout=10_000)
    state.set_cursor(unit=1)
    used = Ahead.used
    for step in range(enter + 2, enter + seq.window // 2 + 1):
        state.set_cursor(step=step)
        QtWidgets.QApplication.processEvents()
    assert state.trace.start == start + seq.window // 2
    assert Ahead.used - used == len(slots)  # the heatmaps only
    xs, ys = view.curves["h"].getData()
    np.testing.assert_array_equal(ys, full.steps["h"][0, state.trace.start:state.trace.start + n, 1])
    # a seek back (the window after it computed, still kept): nothing painted ahead
    painted = view._ahead_trace
    state.set_cursor(step=1000)
    seq.wait_prefetch()
    w.long_runner.poll()
    assert seq.next_window(1000) is nxt and view._ahead_trace is painted and not view._ahead_todo


def test_a_window_painted_ahead_for_another_size_is_painted_anew(long_window, qtbot):
    """The window resized between painting ahead and the step into the next window: nothing
    painted ahead matches Qt's paint any more, every item paints itself, the numbers exact."""
    from PySide6 import QtWidgets

    from lstmviz.ui.views._common import Ahead

    w, x, state, view, seq, name = _long_tab(long_window, "Over time")
    full = state.model.trace(x)[name]
    state.set_cursor(layer=name, unit=2, step=600)
    seq.wait_prefetch()
    w.long_runner.poll()
    state.set_cursor(step=601)
    seq.wait_prefetch()
    w.long_runner.poll()
    qtbot.waitUntil(lambda: view._ahead_trace is not None and not view._ahead_todo, timeout=10_000)
    nxt = view._ahead_trace
    slots = [s for s in view.slots if s.key]
    assert all(s.image._ahead is not None for s in slots)
    w.resize(1200, 800)
    QtWidgets.QApplication.processEvents()
    used = Ahead.used
    enter = seq.start_of(600) + seq.window // 2 + seq.window // 4
    state.set_cursor(step=enter)
    QtWidgets.QApplication.processEvents()
    w.repaint()
    assert state.trace is nxt and Ahead.used == used
    start, n = nxt.start, seq.window
    for slot in slots:
        np.testing.assert_array_equal(slot.image.image, full.steps[slot.key][0, start:start + n].T)
    xs, ys = view.curves["c"].getData()
    np.testing.assert_array_equal(ys, full.steps["c"][0, start:start + n, 2])


def test_the_progress_bar_holds_its_text_on_one_line(long_window, qtbot):
    """The status bar's progress bar was at most 260 px wide: "200,000 steps: keyframes 50%"
    wrapped onto two lines inside it, its first line cut at the top, the percentage at the
    bottom. Now it is as wide as its longest text, in the window's font."""
    from PySide6 import QtGui

    w, x = long_window
    w.show()
    w.state.set_input_data(np.tile(x, (1, 70, 1)))  # 210,000 steps
    bar = w.long_runner.progress
    for phase in ("keyframes", "overview"):
        text = f"{w.state.long.steps:,} steps: {phase} 100%"
        need = QtGui.QFontMetrics(bar.font()).horizontalAdvance(text)
        assert bar.width() >= need + 8 and bar.minimumWidth() >= need + 8
    w.long_runner.cancel()
    assert w.long_runner.wait(60)


def test_over_time_keeps_its_exact_heatmaps_in_lecture_mode_on_a_720_line_projector(long_window):
    """A long input in lecture mode at 1280x720: the strips (62 px each) took the rows'
    height and left each exact heatmap 2 px, the window's numbers out of sight. There the
    strips now give up height (down to 36 px) for the heatmaps; where there is room they
    keep theirs (the same pixels as before at 1600x1000 and 1920x1080)."""
    from PySide6 import QtWidgets

    from lstmviz.ui.views.overview_strip import HEIGHT

    def settle():
        for _ in range(4):
            QtWidgets.QApplication.processEvents()

    w, x = long_window
    view = _tab(w, "Over time")
    w.state.set_input_data(x)
    assert w.long_runner.wait(120)
    settle()
    slots = [s for s in view.slots if s.key is not None]
    assert all(s.strip.shown and s.strip.height == HEIGHT for s in slots)
    p = present_on_720_lines(w)
    settle()
    heights = [s.plot.vb.height() for s in slots]
    assert min(heights) >= 24, heights
    assert all(s.strip.height < HEIGHT and s.strip.plot.vb.height() > 0 for s in slots)
    p.leave()
    w.resize(1400, 900)
    settle()
    assert all(s.strip.height == HEIGHT for s in slots)


def test_over_time_keeps_its_rows_readable_beside_the_side_panel_in_the_projector_theme(long_window):
    """A long input in the projector theme at 1280 x 720, the side panel shown (not F5): the
    strips at their least height still left each exact heatmap 5 px (its units' rows cut to
    a pixel or less). There the curves give the heatmaps a share of their height (and their
    steps' axis label); at 1600 x 1000 nothing changes."""
    from PySide6 import QtWidgets

    from lstmviz.ui.views.over_time import IMAGE_MIN

    def settle():
        for _ in range(6):
            QtWidgets.QApplication.processEvents()

    w, x = long_window
    view = _tab(w, "Over time")
    w.set_theme("projector")
    w.resize(1280, 720)
    w.state.set_input_data(np.tile(x, (1, 2, 1)))  # 6,000 steps: more than a plot shows one by one
    assert w.long_runner.wait(120)
    w.state.set_cursor(step=5000)
    settle()
    assert w.side.isVisible()
    slots = [s for s in view.slots if s.key is not None]
    assert slots and all(s.strip.shown for s in slots)
    ref = view.ref
    for s in slots:
        assert s.plot.vb.height() >= IMAGE_MIN - 10, (s.key, s.plot.vb.height())
        assert s.plot.vb.height() / ref.units >= 5  # a unit's row, seen from the back
        start = view.offset
        np.testing.assert_array_equal(s.image.image, w.state.trace[ref.name].steps[s.key][0].T)
        assert start <= 5000 < start + s.image.image.shape[1]
    curves = view.curve_plot.vb.height()
    assert curves >= 40, curves  # the curves keep a plot
    from lstmviz.ui.views.over_time import CURVES_STRETCH

    w.resize(1600, 1000)
    settle()
    assert view._curves_stretch == CURVES_STRETCH
    assert view.curve_plot.getAxis("bottom").label.isVisible()


def _ramped(make_window, state, T=5000, wait=True, tab=None):
    """A 1400 x 900 window of ``state`` (tab ``tab`` on screen) with a long input of ``T``
    steps (a sine, and a cosine that grows along the sequence) opened and, with ``wait``,
    its pass run: (window, T, x)."""
    w = make_window((1400, 900), state)
    if tab is not None:
        _tab(w, tab)
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 37.0) * t / T], -1)[None].astype(np.float32)
    state.set_input_data(x)
    assert state.long is not None and state.error is None
    assert not wait or w.long_runner.wait(120)
    return w, T, x


def test_a_go_backwards_layer_on_a_long_input_shows_the_cursors_step(make_window, monkeypatch):
    """A GRU(go_backwards=True) (no Bidirectional) over 5,000 steps, the player at step
    1,234: the Cell view said 't = 4,674' and drew that step's numbers, Over time and
    Unrolled the same; at step 0 it said 't = 4,744'. The cursor of a plain layer says side
    'forward', and the long input looked for a half of that name, which only a
    Bidirectional has: the layer was taken as running forwards, its window chosen by the
    wrong input step. Now every view shows the cursor's step, equal to the full trace."""
    import re

    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4)),
                      LayerEntry("GRU", default_config("GRU", None, units=3))], InputSpec(input_dim=2))
    state.set_layer_option(0, "return_sequences", True)
    state.set_layer_option(1, "return_sequences", True)
    state.set_layer_option(1, "go_backwards", True)
    w, T, x = _ramped(make_window, state)
    name = state.model.layers[1].name
    full = state.model.trace(x)[name]
    cell = _tab(w, "Cell")
    for step in (1234, 0, T - 1):
        state.set_cursor(step=step, layer=name, unit=1)
        assert w.long_runner.wait(60)
        w.long_runner.poll()
        assert state.long_step() == T - 1 - step  # (the input step it reads)
        rec = state.trace.layers[name]
        assert rec.start <= step < rec.start + rec.timesteps
        said = re.sub("<[^>]+>", "", cell.header.text())
        assert f"step t = {step:,} = input step {T - 1 - step:,} (processed right to left)" in said, said
        np.testing.assert_array_equal(cell.bars["h"].values, full.steps["h"][0, step])
    over = _tab(w, "Over time")
    said = re.sub("<[^>]+>", "", over.header.text())
    assert f"step t = {T - 1:,} = input step 0 (processed right to left)" in said, said
    xs, ys = over.curves["h"].getData()
    k = int(np.flatnonzero(xs == T - 1)[0])
    assert ys[k] == full.steps["h"][0, T - 1, 1]


def test_a_backward_half_on_a_long_input_shows_the_input_step_it_reads(make_window, monkeypatch):
    """A Bidirectional LSTM on 30,000 steps, its backward half at processing step 771: the
    Cell view said 'input step 764' and drew x[764] as x_t (the window's own input steps
    reversed, 640..895), where that step reads input step 29,228; Over time said the same.
    Now both name the input step read and the Cell view's x_t is that step's input, equal
    to the full trace's, as are the gates."""
    import re

    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    bi = {"layer": {"class_name": "LSTM", "config": dict(default_config("LSTM", None, units=4),
                                                         return_sequences=True)}}
    state = AppState([LayerEntry("Bidirectional", default_config("Bidirectional", None) | bi)],
                     InputSpec(input_dim=2))
    w, T, x = _ramped(make_window, state)
    name = state.model.layers[0].name
    full = state.model.trace(x)[name].children["backward"]
    cell = _tab(w, "Cell")
    for step in (771, 4000, 3):
        state.set_cursor(step=step, layer=name, side="backward", unit=1)
        assert w.long_runner.wait(60)
        w.long_runner.poll()
        np.testing.assert_array_equal(cell.bars["x"].values, x[0, T - 1 - step])
        np.testing.assert_array_equal(cell.bars["g1"].values, full.steps["f"][0, step])
        said = re.sub("<[^>]+>", "", cell.header.text())
        assert f"step t = {step:,} = input step {T - 1 - step:,} (processed right to left)" in said, said
    over = _tab(w, "Over time")
    said = re.sub("<[^>]+>", "", over.header.text())
    assert f"step t = 3 = input step {T - 4:,} (processed right to left)" in said, said
    # its heatmaps: the backward half's own processing steps around step 3 (the window is
    # of input steps T-b..T-1, which those steps read), exact
    o = over.offset
    slot = next(s for s in over.slots if s.key == "f")
    n = slot.image.image.shape[1]
    assert o <= 3 < o + n and o == state.trace.layers[name].children["backward"].start
    np.testing.assert_array_equal(slot.image.image, full.steps["f"][0, o:o + n].T)
    assert over.cursor_lines[0].value() == 3
    unrolled = _tab(w, "Unrolled")
    said = re.sub("<[^>]+>", "", unrolled.header.text())
    assert f"processing step 3 = input step {T - 4:,} (processing order" in said, said
    assert unrolled.current_column == T - 4 - state.trace.start  # (the cell it reads, on screen)


def test_a_strip_of_thin_rows_names_each_layer_once(make_window, monkeypatch):
    """Two Bidirectional layers on a long input: the strip above the Unrolled rows has four
    rows in ~38 pixels, and its four names ('bidi_2 (backward)', 'bidi_2 (forward)', ...)
    ran into each other. Where the view has room the strip grows to name each row; where
    a row is thinner than a line of text, each layer is named once, between its rows. In
    every window each row's cells stand under the input steps they hold: a backward row's
    are the full trace's at the window's input steps (they were processing steps a..b-1,
    input steps T-b..T-a-1, with a note in the legend); clicking one selects that half at
    that input step, in the same window."""
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    bidi = default_config("Bidirectional", None)
    state = AppState([LayerEntry("Bidirectional", bidi), LayerEntry("Bidirectional", dict(bidi))],
                     InputSpec(input_dim=2))
    state.set_layer_option(0, "layer.return_sequences", True)
    w = make_window((1400, 900), state)
    view = _tab(w, "Unrolled")
    x = np.random.default_rng(0).normal(size=(1, T, 2)).astype(np.float32)
    state.set_input_data(x)
    assert w.long_runner.wait(120) and state.long.overviews is not None
    state.set_cursor(step=1000)
    pg.QtWidgets.QApplication.processEvents()
    assert view.strip.shown and len(view.strip_keys) == 4
    names = [state.model.layers[k].name for k in range(2)]
    # (the view tall enough: the strip grows to name each row, ``UnrolledView._fit_strip``)
    ticks = view.strip.plot.getAxis("left")._tickLevels[0]
    assert sorted(t for _, t in ticks) == sorted(f"{n} ({s})" for n in names for s in ("forward", "backward"))
    w.resize(w.width(), 600)  # (a shorter window: rows thinner than a line)
    pg.QtWidgets.QApplication.processEvents()
    ticks = view.strip.plot.getAxis("left")._tickLevels[0]
    assert sorted(t for _, t in ticks) == sorted(f"{n} (both halves)" for n in names)
    w.resize(w.width(), 900)
    pg.QtWidgets.QApplication.processEvents()
    full = state.model.trace(x)
    for step in (1000, 2500, 40):
        state.set_cursor(step=step, layer=names[0], side="forward")
        w.long_runner.wait(60)
        pg.QtWidgets.QApplication.processEvents()
        a = state.trace.start
        b = a + state.trace.layers[names[0]].timesteps
        assert a <= step < b
        for name in names:
            for side in ("forward", "backward"):
                drawn = next(r for r in view.rows if r.layer == name and r.side == side)
                h = full[name].children[side].steps["h"][0, :, 0]
                steps = np.arange(a, b) if side == "forward" else T - 1 - np.arange(a, b)
                np.testing.assert_array_equal(drawn.values, h[steps])  # (unit 0, by column)
        assert "hold input steps" not in view.legend.text()
    assert all("input" not in r.label for r in view.rows if r.side == "backward")  # short names, on the left
    # a click on the backward row of the first layer at input step a + 5: that half, the
    # processing step reading it, and the column box on that input step (in the window
    # holding it: near a window's edge, the one centred nearer it)
    state.set_cursor(step=2500, layer=names[0], side="forward")
    w.long_runner.wait(60)
    pg.QtWidgets.QApplication.processEvents()
    a = state.trace.start
    assert a > 2000
    view.click_cell(f"{names[0]}/backward", 5)
    w.long_runner.wait(60)
    pg.QtWidgets.QApplication.processEvents()
    cur = state.cursor
    assert (cur.layer, cur.side, cur.step) == (names[0], "backward", T - 1 - (a + 5))
    assert view.current_column == a + 5 - state.trace.start
    assert f"input step <b>{a + 5:,}</b>" in view.header.text()


def test_the_legend_gives_the_inputs_levels_at_every_window(long_window, qtbot):
    """The legend's 'input x: its own scale, ±N' was made with a window's static items and
    reused with them: back at the first window, made before the whole sequence was read, it
    said ±1.9 of an input coloured at ±15 (a signal growing along the sequence)."""
    import re

    w, _ = long_window
    state = w.state
    view = _tab(w, "Unrolled")
    x = (np.random.default_rng(0).normal(size=(1, T, 2)) * np.linspace(0.1, 5, T)[None, :, None]).astype(np.float32)
    state.set_input_data(x)
    assert w.long_runner.wait(120)
    for step in (10, 1500, 2900, 10):
        state.set_cursor(step=step)
        qtbot.waitUntil(lambda s=step: state.trace.start <= s < state.trace.start + state.long.window, timeout=60_000)
        pg.QtWidgets.QApplication.processEvents()
        inp = next(r for r in view.rows if r.kind == "input")
        shown = float(re.search(r"±([0-9.]+)", view.legend.text()).group(1))
        assert shown == float(f"{inp.levels[1]:.2g}"), (step, shown, inp.levels)


def test_a_click_on_a_ranked_row_selects_its_unit_here_and_in_the_main_window(long_window, qtbot):
    """Units at scale, ranked by variance: a click on a heatmap's row did nothing to the
    unit (on the overview it only sought the bin's step), so the unit found at the top of
    the ranking had to be typed into the unit boxes. A click on a row of either heatmap
    now selects that row's unit (row k of a ranking is its k-th unit, not unit k): in this
    window (its curves, its row outlined) and in the main window (its cursor, unit box and
    views). So does the unit box of this window (it moved this window only)."""
    from PySide6 import QtCore, QtWidgets
    from PySide6.QtTest import QTest

    from lstmviz.app import scale

    w, x = long_window
    state = w.state
    state.set_input_data(x)
    name = state.model.layers[0].name
    state.set_cursor(layer=name, unit=0, step=100)
    lw = w.open_units_window()
    assert lw is not None and lw.wait(120) and w.long_runner.wait(120)
    qtbot.waitUntil(lambda: lw.summary is not None, timeout=120_000)
    assert lw.record_combo.currentData() == (name, "h")
    lw.rank_combo.setCurrentText("variance")
    order = scale.rank_units(lw.summary[1], "variance", top=lw.top_spin.value())
    assert list(order) != list(range(len(order)))  # (ranked: row k is not unit k)
    view = _tab(w, "Over time")
    qtbot.waitExposed(lw)

    def click(img, row):  # the middle of a heatmap row, as laid out on screen
        for _ in range(3):  # (the ranking's rows and titles lay the plots out again)
            QtWidgets.QApplication.processEvents()
        scene_pt = img.mapToScene(QtCore.QPointF(3.5, row + 0.5))  # (image pixels: bins or steps, rows)
        assert img in lw.glw.scene().items(scene_pt)
        QTest.mouseClick(lw.glw.viewport(), QtCore.Qt.MouseButton.LeftButton,
                         QtCore.Qt.KeyboardModifier.NoModifier, lw.glw.mapFromScene(scene_pt))

    for img, row in ((lw.over_img, 1), (lw.win_img, 4), (lw.over_img, 0)):
        unit = int(order[row])
        click(img, row)
        qtbot.waitUntil(lambda u=unit: state.cursor.unit == u, timeout=5000)
        assert (state.cursor.layer, lw.unit_spin.value(), w.unit_spin.value()) == (name, unit, unit)
        assert lw.curve_win.titleLabel.text.startswith(f"{name} h[{unit}] in the exact window")
        for mark in (lw.over_row, lw.win_row):  # the row outlined in both heatmaps
            assert mark.isVisible() and (mark.rect().top(), mark.rect().height()) == (row, 1.0)
        assert f"unit <b>{unit}</b>" in view.header.text() or f"unit {unit}" in view.header.text()
    # the model order's rows are units 0.. again
    lw.rank_combo.setCurrentText("model order")
    click(lw.win_img, 2)
    qtbot.waitUntil(lambda: state.cursor.unit == 2, timeout=5000)
    assert lw.win_row.rect().top() == 2
    # a unit below the top ones shown: its row under theirs, outlined
    lw.rank_combo.setCurrentText("variance")
    lw.top_spin.setValue(2)
    lw.unit_spin.setValue(int(order[-1]))
    assert list(lw._rows)[-1] == int(order[-1]) and len(lw._rows) == 3
    # (outlined from a few pixels under the dashed line above it: ``_mark_row``)
    assert all(m.isVisible() and 2 < m.rect().top() < 2.5 and m.rect().bottom() == 3 for m in (lw.over_row, lw.win_row))
    # the unit box typed into (or stepped with its arrows): the main window follows too
    assert state.cursor.unit == int(order[-1]) and w.unit_spin.value() == int(order[-1])
    down = int(order[-1]) > 0
    QTest.keyClick(lw.unit_spin, QtCore.Qt.Key.Key_Down if down else QtCore.Qt.Key.Key_Up)
    assert state.cursor.unit == lw.unit_spin.value() == int(order[-1]) + (-1 if down else 1)
    # the main window's unit changed there: this window shows it, and hands nothing back
    state.set_cursor(unit=1)
    lw.show_at(state.cursor.step, name, 1)
    assert lw.unit_spin.value() == 1 and state.cursor.unit == 1


def test_units_at_scale_names_a_csvs_features_by_its_header(long_window, tmp_path, qtbot):
    """A long input from a CSV with a header: Units at scale's feature box said 'feature 2'
    for what the file calls 'pressure'. It names the features from the header (as names
    from files are shown: quotes around it taken off, control characters escaped, plain
    text); the correlation is still with that column. An edit of the input drops the
    names, an undo back to it has them again; a .npy has none."""
    from lstmviz.ui import long_view

    w, _ = long_window
    state = w.state
    t = np.arange(T)
    cols = np.stack([np.sin(t / 50.0), np.cos(t / 230.0), (t % 97) / 97.0], -1).astype(np.float32)
    long_name = "a very long name of a column, longer than the box shows"
    p = tmp_path / "year.csv"
    p.write_text("temperature, \"humidity\" ,\x1b[31mpressure\n"
                 + "".join(f"{a:.6f},{b:.6f},{c:.6f}\n" for a, b, c in cols), encoding="utf-8")
    state.set_input_spec(input_dim=3)
    assert w.open_long(p) and state.long is not None
    assert state.feature_names() == ("temperature", "humidity", "\\x1b[31mpressure")
    name = state.model.layers[0].name
    state.set_cursor(layer=name, unit=1)
    lw = w.open_units_window()
    assert lw is not None and lw.wait(120) and w.long_runner.wait(120)
    qtbot.waitUntil(lambda: lw.summary is not None, timeout=120_000)
    assert lw.feature_spin.text() == "feature 0: temperature"
    lw.feature_spin.setValue(2)
    assert lw.feature_spin.text() == "feature 2: \\x1b[31mpressure"
    assert lw.wait(120)
    qtbot.waitUntil(lambda: lw.summary is not None and lw._summary_key[3] == 2, timeout=120_000)
    h = state.model.trace(np.asarray(state.x))[name].steps["h"][0].astype(np.float64)
    r = [np.corrcoef(cols[:, 2], h[:, u])[0, 1] for u in range(h.shape[1])]
    np.testing.assert_allclose(lw.summary[1].correlation, r, atol=1e-5)
    # a name longer than the box holds is cut; without names, numbers
    lw.feature_names = ("a", "b", long_name)
    lw._name_feature(2)
    assert lw.feature_spin.text() == f"feature 2: {long_name[:long_view.FEATURE_NAME_CHARS - 1]}\u2026"
    lw.close()
    # an edit of the input is another input: no names; undo gives them back
    state.set_input_value(0, 5, 1, 0.25)
    assert state.feature_names() is None
    state.undo()
    assert state.feature_names() == ("temperature", "humidity", "\\x1b[31mpressure")
    npy = tmp_path / "year.npy"
    np.save(npy, cols)
    assert w.open_long(npy) and state.feature_names() is None
    lw = w.open_units_window()
    assert lw is not None and lw.feature_spin.text() == "feature 0"
    assert lw.wait(120) and w.long_runner.wait(120)


def test_the_step_axis_keeps_its_last_label_clear_of_the_colour_bar(long_window, qtbot):
    # a window from step 2688: its last round step, 2940, stands 3 columns from the right
    # end, and its label ran half under the colour bar beside the plot (150140 read "15014");
    # the labels a label's room apart (``UnrolledView._fit_step_ticks``): every 25th step,
    # the last 2,925
    from helpers import axis_specs
    from lstmviz.ui.plot_tools import SteadyAxis
    state, view = _opened(*long_window, "Unrolled")
    state.set_cursor(step=2800)
    qtbot.waitUntil(lambda: state.trace.layers[state.cursor.layer].timesteps == state.long.window, timeout=60_000)
    assert state.trace.start == 2688
    axis = view.plot.getAxis("bottom")
    assert axis._tickLevels[0][-1][1] == "2,925"
    texts = axis_specs(axis, SteadyAxis.generateDrawSpecs)[2]
    assert texts and texts[0][2] == "2,700"  # (the first one may stand half out at the left)
    right = axis.mapRectFromParent(axis.geometry()).right()
    assert all(rect.right() <= right + 2 for rect, _, _ in texts)
    bar = view.colorbar.mapRectToScene(view.colorbar.boundingRect())
    assert all(axis.mapRectToScene(rect).right() < bar.left() for rect, _, _ in texts)


def test_a_session_or_undo_at_a_far_step_says_why_the_views_show_the_first_window(long_window, qtbot,
                                                                                  tmp_path, monkeypatch):
    # a session saved at step 2,500 of a long input opened with the player at 2,500 and the
    # views at step 255 (the first window, while the pass ran) under "Opened the session
    # s.lstmviz", without a word why: a seek says "step N is shown once the keyframe pass
    # has run", and so does now the opening, and an undo or redo that brings such an input back

    from lstmviz.ui.long_runner import AWAITING
    w, x = long_window
    state = w.state
    state.set_input_data(x)
    assert w.long_runner.wait(120)
    state.set_cursor(step=2500)
    path = w.sessions.save_to(tmp_path / "s.lstmviz")
    go = held_pass(monkeypatch)
    state.set_input_spec(timesteps=30)  # (an input traced whole: the session brings the long one back)
    # (no percentage: the progress bar beside says it; a number said once stood beside its later one)
    awaiting = "Step 2,500 is shown once the keyframe pass has run; until then the first 256 steps are shown"
    try:
        assert w.sessions.open(path)
        assert state.cursor.step == 2500 and state.trace.start == 0 and not state.long.ready
        assert w.last_message == f"Opened the session s.lstmviz. {awaiting}"
        assert AWAITING in w.statusBar().currentMessage()
    finally:
        go.set()
    assert w.long_runner.wait(120)
    go.clear()
    # so does restoring it after a crash (it said "Restored the autosaved session" alone)
    state.set_input_spec(timesteps=30)
    try:
        assert w.sessions.restore_autosave(path)
        assert state.cursor.step == 2500 and not state.long.ready
        assert w.last_message == f"Restored the autosaved session. {awaiting}"
    finally:
        go.set()
    assert w.long_runner.wait(120)
    go.clear()
    units = state.layers[0].config["units"]
    state.set_layer_option(0, "units", units - 1)  # traced anew: another pass
    try:
        assert w.sessions.undo()
        assert state.cursor.step == 2500 and state.trace.start == 0 and not state.long.ready
        assert w.last_message == f"Undone: units of 'lstm' {units - 1} \u2192 {units}. {awaiting}"
        assert w.sessions.redo()
        assert w.last_message == f"Redone: units of 'lstm' {units} \u2192 {units - 1}. {awaiting}"
    finally:
        go.set()
    assert w.long_runner.wait(120)
    qtbot.waitUntil(lambda: state.trace.start <= 2500 < state.trace.start + state.long.window, timeout=60_000)


def test_opening_a_long_input_says_so_within_the_status_bar_beside_the_progress_bar(long_window, tmp_path):
    # "Opened long.csv: 200,000 steps, an exact window around the step beside the whole
    # sequence (tracing in the backg": the progress bar and Cancel stood over its end, the
    # part that said the pass runs in the background
    from PySide6 import QtGui

    from lstmviz.ui.long_runner import BACKGROUND
    w, x = long_window
    p = tmp_path / "sensor_readings.npy"
    np.save(p, np.tile(x, (1, 10, 1)))  # 30,000 steps: the pass runs on while we look
    assert w.open_long(p)
    bar, runner = w.statusBar(), w.long_runner
    said = bar.currentMessage()
    assert said == f"Opened sensor_readings.npy: 30,000 steps {BACKGROUND}" == w.last_message
    assert runner.progress.isVisible() and runner.cancel_button.isVisible()
    room = min(runner.progress.geometry().left(), runner.cancel_button.geometry().left()) - 12
    assert QtGui.QFontMetrics(bar.font()).horizontalAdvance(said) <= room
    runner.cancel()
    assert runner.wait(60)


def test_an_animation_waits_for_the_pass_answering_its_cancel(long_window, monkeypatch):
    # an animation of far steps exported while the pass ran: the window stood frozen until
    # the pass ended (up to 2 minutes), its progress dialog's Cancel unanswered. The frames
    # still wait for the pass (never the quick chunk), asking the progress meanwhile

    from lstmviz.ui import export as ex
    w, x = long_window
    go = held_pass(monkeypatch, 20)
    calls: list[int] = []

    def progress(done, total):
        calls.append(done)
        return len(calls) < 4
    try:
        w.state.set_input_data(x)
        with pytest.raises(ex.Cancelled):
            list(ex.iter_frames(w, steps=range(1000, 1003), progress=progress))
        assert w.long_runner.busy() and calls == [0, 0, 0, 0]  # cancelled while the pass ran
        assert "waiting for the pass" in ex.frames_label(w, 3, "a.gif")  # (the dialog says why)
        assert w.state.cursor.step == 0
    finally:
        go.set()
    assert w.long_runner.wait(120)
    calls.clear()
    frames = list(ex.iter_frames(w, steps=range(1000, 1002), progress=lambda d, t: True))
    assert len(frames) == 2
    assert ex.frames_label(w, 2, "a.gif") == "Rendering 2 frames of a.gif\u2026"


def test_units_at_scale_follows_a_pass_run_again_after_a_cancel(long_window, qtbot, monkeypatch):
    # Units at scale open when the pass was cancelled said "cancelled" and stayed so after
    # Trace all ran the pass again: its timer had stopped, nothing told it
    import threading

    from lstmviz.app.long_sequence import LongSequence
    w, x = long_window
    state = w.state
    go = threading.Event()
    run_pass = LongSequence.run_pass

    def held(self, *args, **kwargs):  # the pass starts once Cancel was pressed (on an idle
        go.wait(60)  # machine the 30,000 steps' pass had ended before it, and Cancel stopped
        return run_pass(self, *args, **kwargs)  # the overviews instead)
    monkeypatch.setattr(LongSequence, "run_pass", held)
    state.set_input_data(np.tile(x, (1, 10, 1)))  # 30,000 steps
    seq = state.long
    units = w.open_units_window()
    w.long_runner.cancel()
    go.set()
    assert w.long_runner.wait(60) and units.wait(60)
    assert not seq.ready and "cancelled" in units.status.text()
    assert w.long_runner.resume()
    assert w.long_runner.wait(120) and seq.ready
    qtbot.waitUntil(lambda: units.summary is not None, timeout=60_000)
    assert "cancelled" not in units.status.text() and units.find_button.isEnabled()
    assert not units.progress.isVisible() and not units.cancel_button.isVisible()


@pytest.mark.parametrize("ending", [False, True])
def test_units_at_scale_follows_trace_all_clicked_right_after_cancel(long_window, qtbot, monkeypatch, ending):
    # Trace all within milliseconds of Cancel: Units at scale's worker (it waited for the
    # pass, saw it cancelled) had ended but its timer had not yet said so, or was still
    # ending: its resume() found a worker and started none, then its timer stopped, and it
    # showed the pass at its last percentage for good, never the summary
    import threading

    from lstmviz.ui.long_view import LongSequenceWindow
    w, x = long_window
    state, runner = w.state, w.long_runner
    go = threading.Event()
    work = LongSequenceWindow._work

    def held(self, *args):  # the units window's worker, held as it ends
        work(self, *args)
        if ending:
            go.wait(60)
    monkeypatch.setattr(LongSequenceWindow, "_work", held)
    state.set_input_data(np.tile(x, (1, 10, 1)))  # 30,000 steps
    seq = state.long
    runner.cancel()
    units = w.open_units_window()
    worker = units._worker
    assert runner.wait(60) and not seq.ready and seq.cancelled
    qtbot.waitUntil(lambda: ending or not worker.is_alive(), timeout=60_000)
    from lstmviz.ui.long_runner import LongRunner
    resumed = threading.Event()
    run = LongRunner._work
    monkeypatch.setattr(LongRunner, "_work", staticmethod(lambda seq: resumed.wait(60) and run(seq)))
    try:
        assert runner.resume()  # Trace all, before the units window's timer came round
        go.set()
        worker.join(60)
        units._poll()  # its timer comes round while the pass runs
    finally:
        go.set()
        resumed.set()
    assert runner.wait(120) and seq.ready
    qtbot.waitUntil(lambda: units.summary is not None, timeout=60_000)
    assert "cancelled" not in units.status.text() and units.find_button.isEnabled()


def test_trace_all_goes_on_from_where_the_cancel_stopped(long_window, monkeypatch):
    # Trace all after a Cancel ran the keyframe pass again from step 0 (its bar from 0%):
    # now it goes on from the keyframe starting the stretch each layer was in, the bar from
    # there, and the keyframes and outputs are those of a pass never cancelled, to the bit
    import threading

    from lstmviz.engine.windows import keyframe_pass
    from lstmviz.ui.long_runner import LongRunner
    w, x = long_window
    state, runner = w.state, w.long_runner

    def cancel_at_three_quarters(seq):  # (in the second layer's steps)
        seq.run_pass(progress=lambda done, total: done >= 3 * total // 4 and seq.cancel())
    monkeypatch.setattr(LongRunner, "_work", staticmethod(cancel_at_three_quarters))
    from lstmviz.app import long_sequence  # (its stretches fit the budget: kept; long for its steps)
    monkeypatch.setattr(long_sequence, "trace_budget", lambda: 1 << 30)
    state.set_input_data(np.tile(x, (1, 10, 1)))  # 30,000 steps
    seq = state.long
    assert runner.wait(60) and seq.cancelled
    assert w.statusBar().currentMessage() == ("Long input: cancelled: only the first window can be shown; "
                                              "Trace all goes on with it")
    assert runner.resume_button.toolTip().startswith("Go on with the keyframe pass that was cancelled, from where")
    stopped, total = seq.done, seq.total
    assert 3 * total // 4 <= stopped < total
    go, seen = threading.Event(), []

    def resumed(seq):
        go.wait(60)
        seq.run_pass(progress=lambda done, total: seen.append(done))
    monkeypatch.setattr(LongRunner, "_work", staticmethod(resumed))
    try:
        runner.resume_button.click()
        # the bar starts where the pass stopped (at most a stretch of each layer before it)
        assert stopped - 1024 <= seq.done <= stopped
        assert runner.progress.value() == int(1000 * seq.done / total) >= 700
    finally:
        go.set()
    assert runner.wait(120) and seq.ready
    assert seen and min(seen) >= stopped - 1024  # no step of the first layer run again
    want = keyframe_pass(seq.model, seq.x, every=seq.windowed.every)
    for key, kf in want.keyframes.items():
        for n, arr in kf.states.items():
            assert np.array_equal(seq.windowed.keyframes[key].states[n], arr), (key, n)
    for got, o in zip(seq.windowed.outputs, want.outputs):
        assert np.array_equal(got, o)


def test_trace_all_says_it_starts_again_where_the_cancelled_stretches_were_freed(long_window, monkeypatch):
    # a cancelled pass's stretches are kept only while they fit the trace budget: where they
    # were freed, the status bar said "Trace all goes on with it" and, clicked, "goes on
    # from where it stopped" while the pass ran from step 0
    from lstmviz.app import long_sequence
    from lstmviz.ui.long_runner import LongRunner
    w, x = long_window
    state, runner = w.state, w.long_runner

    def cancel_at_half(seq):
        seq.run_pass(progress=lambda done, total: done >= total // 2 and seq.cancel())
    monkeypatch.setattr(LongRunner, "_work", staticmethod(cancel_at_half))
    monkeypatch.setattr(long_sequence, "trace_budget", lambda: 1024)  # (nothing kept fits)
    state.set_input_data(np.tile(x, (1, 10, 1)))
    seq = state.long
    assert runner.wait(60) and seq.cancelled and not seq.resumable
    assert w.statusBar().currentMessage() == ("Long input: cancelled: only the first window can be shown; "
                                              "Trace all runs it again")
    assert runner.resume_button.toolTip().startswith("Run the keyframe pass again from step 0")
    monkeypatch.setattr(LongRunner, "_work", staticmethod(lambda seq: None))
    runner.resume_button.click()
    assert seq.done == 0
    assert w.statusBar().currentMessage() == (
        "Long input: the keyframe pass starts again from step 0 (the steps it had run were freed to "
        "keep traces within the memory limit) (tracing in the background)")


def test_a_keyframe_pass_that_fails_says_so_in_the_status_bar_once(long_window, monkeypatch):
    # a pass that raised anything but a refusal left no error: the status bar said nothing
    # and a far step "cannot be shown: only the first 256 steps are shown (no keyframe pass)"
    from lstmviz.app import long_sequence
    w, x = long_window
    calls = []

    def boom(*args, **kw):
        calls.append(1)
        raise RuntimeError("boom")
    monkeypatch.setattr(long_sequence, "keyframe_pass", boom)
    w.state.set_input_data(x)
    assert w.long_runner.wait(60)
    said = "the keyframe pass failed: RuntimeError: boom (please report this)"
    assert w.statusBar().currentMessage() == f"Long input: {said}"
    assert not w.long_runner.resume_button.isVisible()
    w.state.set_cursor(step=2500)
    assert w.statusBar().currentMessage() == f"Step 2,500 cannot be shown: only the first 256 steps are shown ({said})"
    assert len(calls) == 1


def test_an_edit_at_a_far_step_says_the_views_wait_for_the_new_pass(long_window, monkeypatch):
    # at step 2,500 of a traced long input, an edit (or another sample) traces it anew: the
    # views went back to the first window, the player stayed at 2,500, and the status bar
    # went on saying "traced, each shown exactly where the cursor goes"
    w, x = long_window
    state = w.state
    state.set_input_data(x)
    assert w.long_runner.wait(120)
    state.set_cursor(step=2500)
    go = held_pass(monkeypatch)
    try:
        state.set_layer_option(0, "units", state.layers[0].config["units"] - 1)
        assert not state.long.ready and state.trace.start == 0 and state.cursor.step == 2500
        assert w.statusBar().currentMessage() == (
            "Step 2,500 is shown once the keyframe pass has run; until then the first 256 steps are shown")
    finally:
        go.set()
    assert w.long_runner.wait(120)


def test_every_text_on_screen_says_a_step_by_one_rule(long_window, qtbot):
    """One rule for step numbers (``app/counts``): the overview strips said "10k" above the
    exact axis's "12400", the headers "t = 12345" beside "exact steps 12,288-12,543", the
    player "t = 12345 / 14999" under a status bar's "15,000 steps". Every text now says a
    step with thousands separators, every step axis its ticks in one compact form: no run
    of four digits left on the view, the player or the status bar."""
    import re

    from lstmviz.app.counts import tick_labels

    w, x = long_window
    state = w.state
    state.set_input_data(np.tile(x, (1, 5, 1)))  # 15,000 steps
    assert w.long_runner.wait(120)
    state.set_cursor(step=12345)
    qtbot.waitUntil(lambda: state.trace.layers[state.cursor.layer].timesteps == state.long.window, timeout=60_000)
    bare = re.compile(r"(?<![\d,#.])\d{4,}")
    for title in ("Unrolled", "Cell", "Over time"):
        view = _tab(w, title)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        texts = [w.player.step_label.text(), w.statusBar().currentMessage(), w.long_runner.progress.format()]
        for child in view.findChildren(QtWidgets.QWidget):
            if child.isVisible() and hasattr(child, "text") and isinstance(child.text(), str):
                texts.append(re.sub(r"<[^>]+>|#[0-9a-fA-F]{6}", "", child.text()))
        axes = []
        for gv in view.findChildren(pg.GraphicsView):
            for item in gv.scene().items():
                if isinstance(item, pg.AxisItem) and item.isVisible() and item._tickLevels:
                    axes.append([(v, s) for v, s in item._tickLevels[0]])
        texts += [s for ticks in axes for _, s in ticks]
        assert not [t for t in texts if bare.search(t)], title
        assert any("12,345" in t for t in texts), title
        step_axes = [ticks for ticks in axes if ticks and max(v for v, _ in ticks) >= 1000]
        assert step_axes or title == "Cell", title  # (its charts' axes are units)
        for ticks in step_axes:  # each in the compact form, as one axis
            assert [s for _, s in ticks] == tick_labels(v for v, _ in ticks)
    assert w.player.step_label.text() == "t = 12,345 / 14,999"
    strip = next(v for v in w.views if v.title == "Unrolled").strip
    assert [s for _, s in strip.plot.getAxis("bottom")._tickLevels[0]] == ["0", "5k", "10k"]


def test_every_step_goes_up_stands_clear_of_the_cursors_column(long_window, qtbot):
    """A long input's Unrolled view says '⇡ every step goes up ⇡' once in each gap between
    rows, in the middle of the window: with the cursor there (a far seek lands in a window's
    middle) the text was drawn across the cursor's column. It stands beside the column now,
    on its wider side, and back in the middle once the cursor has left."""
    w, x = long_window
    state = w.state
    view = _tab(w, "Unrolled")
    state.set_input_data(x)
    assert w.long_runner.wait(120)

    def spans():
        column = view.column_box.mapRectToScene(view.column_box.rect())
        out = []
        for item, *_ in view.static.gap_texts:
            if item.isVisible():
                out.append(item.mapRectToScene(item.boundingRect()))
        return column, out

    for step in (1700, 1800, 1660):  # (1700: the middle of steps 1,536-1,791)
        state.set_cursor(step=step)
        qtbot.waitUntil(lambda: state.trace.layers[state.cursor.layer].timesteps == state.long.window, timeout=60_000)
        QtWidgets.QApplication.processEvents()
        column, texts = spans()
        assert texts, step  # (shown, not hidden to keep clear)
        for rect in texts:
            assert rect.right() < column.left() or rect.left() > column.right(), (step, rect, column)
    state.set_cursor(step=10)  # far from the middle (of the first window): it is back there
    qtbot.waitUntil(lambda: state.trace.layers[state.cursor.layer].timesteps == state.long.window, timeout=60_000)
    QtWidgets.QApplication.processEvents()
    assert state.trace.start == 0
    for item, x_from, x_to, _ in view.static.gap_texts:
        assert item.pos().x() == (x_from + x_to) / 2


def test_play_after_a_far_seek_during_the_pass_says_what_the_views_show(long_window, monkeypatch):
    """A far seek while the keyframe pass runs, then Play: the views show the first window
    (its last step, 255) and the status bar said "Playing waits at step 2,000", a step they
    did not show. It says now that step 2,000 comes once the pass has run, the first window
    until then, and the views do show that window; whole beside the progress bar at 1280 px."""
    w, x = long_window
    state, player = w.state, w.player
    go = held_pass(monkeypatch)
    try:
        state.set_input_data(x)
        seq = state.long
        state.set_cursor(step=2000)
        player.play()
        player._tick()
        assert player.playing and state.cursor.step == 2000 and not seq.ready
        # what the views show: the first window, at its last step
        assert state.trace.start == 0 and state.trace_cursor.step == seq.window - 1
        said = w.statusBar().currentMessage()
        assert said == (f"Playing waits: step 2,000 is shown once the keyframe pass has run; the first "
                        f"{seq.window:,} steps until then")
        _whole_beside_the_bar(w, said)
    finally:
        go.set()
    assert w.long_runner.wait(120) and seq.ready
    player._tick()  # the pass has run: Play goes on from the step asked for
    assert player.playing and state.cursor.step == 2001
    player.pause()


@pytest.mark.parametrize("width, rows", [(200, 4), (230, 4), (260, 4), (600, 4), (600, 1)])
def test_a_narrow_strips_step_axis_says_more_than_its_first_step(qtbot, width, rows):
    """A strip over 1,000,000 steps whose step axis is 128-158 px long (Over time at
    1280 x 720 beside the side panel): it said '0' alone (five ticks given, 0 to 800k,
    thinned to every 5th); now the ticks are spaced to fit: '0  500k' there, every label
    exact and compact, no more than fit. Its row label is "all" alone: a strip of one row
    (a Softmax's attention weights) said "all (x0.001)" (its rows' -0.5..0.5 given an SI
    prefix)."""
    from lstmviz.app.counts import tick_labels
    from lstmviz.ui.views.overview_strip import OverviewStrip

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    strip = OverviewStrip(widget.ci, 0)
    strip.style(th.get("dark"))
    strip.show_rows(np.zeros((rows, 511), np.float32), 1_000_000, pg.colormap.get("viridis"), (0, 1))
    widget.resize(width, 120)
    widget.show()
    qtbot.waitUntil(lambda: strip.plot.getAxis("bottom").width() > width * 0.5)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert strip.plot.vb.viewRange()[1] == [-0.5, rows - 0.5]
    assert strip.plot.getAxis("left").labelString().endswith(">all </span>"), strip.plot.getAxis("left").labelString()
    axis = strip.plot.getAxis("bottom")
    ticks = axis._tickLevels[0]
    labels = [s for _, s in ticks]
    assert len(labels) >= 2, (axis.width(), labels)
    assert labels == tick_labels(v for v, _ in ticks) and labels[0] == "0"
    metrics = QtGui.QFontMetricsF(axis.style["tickFont"])
    room = axis.width() / (max(metrics.horizontalAdvance(s) for s in labels) + metrics.horizontalAdvance("M"))
    assert len(labels) <= room


def test_an_export_during_a_far_seeks_quick_steps_draws_them_as_settled(long_window, monkeypatch, tmp_path):
    """A PNG exported while a far seek shows its 16 quick steps (File > Export picture,
    the clipboard, ``lstmviz.picture``: ``export.png_bytes``) is the picture of those steps
    as their settled state draws them (the curves antialiased: ``quick_stays``, the same 16
    steps drawn as a whole window is), not the seek's aliased curves; the window goes on
    showing the quick steps as the seek drew them until their whole window comes."""
    import contextlib
    import threading

    from lstmviz.ui import export

    w, x, state, view, seq, name = _long_tab(long_window, "Over time")
    state.set_cursor(layer=name, unit=3)
    seq.wait_prefetch()
    window, held = seq.windowed.window, threading.Event()
    a = seq.start_of(2500)

    def waiting(lo, hi, **kw):  # (the whole window around 2500 computed once the test says)
        if lo == a and hi - lo > QUICK_STEPS:
            held.wait(60)
        return window(lo, hi, **kw)
    monkeypatch.setattr(seq.windowed, "window", waiting)
    app = QtWidgets.QApplication.instance()
    try:
        state.set_cursor(step=2500)
        app.processEvents()
        assert seq.is_quick(state.trace) and view.quick
        curves = [view.curves[key].curve for key in view.ref.cell.records]
        assert curves and not any(c.opts["antialias"] for c in curves)
        during = export.png_bytes(view)
        assert view.quick and not any(c.opts["antialias"] for c in curves)  # (as the seek drew them)
        with export.settled_quick(w):  # (--screenshot's: the window's painted pixels)
            shot_during = _view_painted(w, view)
        with monkeypatch.context() as m:  # (the seek's own drawing, exported as it was before)
            m.setattr(export, "settled_quick", lambda widget: contextlib.nullcontext())
            rough = export.png_bytes(view)
        w.quick_stays()  # (the same 16 steps, drawn as settled)
        app.processEvents()
        assert not view.quick and all(c.opts["antialias"] for c in curves)
        assert state.trace.layers[name].timesteps == QUICK_STEPS and state.trace.start <= 2500
        settled = export.png_bytes(view)
        shot_settled = _view_painted(w, view)
    finally:
        held.set()
    for stem, data in (("during", during), ("rough", rough), ("settled", settled)):
        (tmp_path / f"{stem}.png").write_bytes(data)  # (to look at)
    images = {stem: QtGui.QImage.fromData(data) for stem, data in
              (("during", during), ("rough", rough), ("settled", settled))}
    assert images["during"] == images["settled"]
    assert images["rough"] != images["settled"]  # (the aliased curves: what it exported before)
    assert shot_during == shot_settled


def _view_painted(w, view) -> QtGui.QImage:
    """The part of the window's painted pixels (``ui.app.painted``, ``--screenshot``'s) that
    ``view`` covers."""
    from lstmviz.ui.app import painted

    at = view.mapTo(w, view.rect().topLeft())
    image = painted(w).toImage()
    ratio = image.devicePixelRatio()
    return image.copy(round(at.x() * ratio), round(at.y() * ratio), round(view.width() * ratio),
                      round(view.height() * ratio))


def test_a_window_whose_computation_raises_is_said_and_the_app_goes_on(long_window, qtbot, monkeypatch):
    """A far seek shows the 16 quick steps at once and computes the whole window on a
    thread: when that raised, the views stayed on the quick steps without a word (the
    exception went to the thread's stderr). The status bar now says which steps could
    not be traced, why and what is shown; the player and a seek elsewhere work on."""
    import logging

    w, x, state, view, seq, name = _long_tab(long_window, "Over time")
    seq.wait_prefetch()
    window = seq.windowed.window
    broken = {seq.start_of(2500)}

    def raising(a, b, **kw):
        if a in broken and b - a > QUICK_STEPS:
            raise RuntimeError("boom")
        return window(a, b, **kw)
    monkeypatch.setattr(seq.windowed, "window", raising)
    monkeypatch.setattr(logging.getLogger("lstmviz"), "error", lambda *a, **k: None)  # (logged, not printed)
    state.set_cursor(step=2500)
    assert state.trace.layers[name].timesteps == QUICK_STEPS
    a = seq.start_of(2500)
    said = (f"Only steps 2,496\u20132,511 shown: the window {a:,}\u2013{a + seq.window - 1:,} failed "
            "(RuntimeError: boom, please report this)")
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == said, timeout=10_000)
    assert "\n" not in said
    # (no window replaces the quick steps: their curves drawn antialiased, as a window's)
    assert not view.quick and all(view.curves[key].curve.opts["antialias"] for key in view.ref.cell.records)
    assert state.trace.layers[name].timesteps == QUICK_STEPS and "t = 2,500" in view.header.text()
    assert seq.take_window_error() is None  # said once
    # the app goes on: a step, and a seek to a window that computes
    state.step_by(1)
    assert state.cursor.step == 2501
    state.set_cursor(step=1000)
    qtbot.waitUntil(lambda: state.trace.layers[name].timesteps == seq.window, timeout=60_000)
    assert state.trace.start <= 1000 < state.trace.start + seq.window and "t = 1,000" in view.header.text()
    broken.clear()  # a seek into it again tries again
    state.set_cursor(step=2500)
    qtbot.waitUntil(lambda: state.trace.layers[name].timesteps == seq.window, timeout=60_000)


def test_units_at_scale_names_the_sample_the_main_window_shows(long_window, qtbot):
    """A batch of 3 on sample 2: the main window traces that sample alone, and Units at
    scale, on the same long input, said 'sample 0' (its box could not go past 0). Now it
    says 'sample 2', and shows sample 2's numbers."""
    from lstmviz.app import scale

    w, x = long_window
    state = w.state
    xs = np.concatenate([x, x[:, ::-1], 0.5 * x]).astype(np.float32)
    state.set_input_data(xs)
    state.set_cursor(sample=2)
    assert state.traced_sample == 2 and np.shape(state.long.x)[0] == 1
    lw = w.open_units_window()
    assert lw is not None and lw.wait(120) and w.long_runner.wait(120)
    qtbot.waitUntil(lambda: lw.summary is not None, timeout=120_000)
    assert lw.sample_spin.text() == "sample 2" and lw.sample() == 0
    layer, key = lw.record_combo.currentData()
    full = state.model.trace(xs[2:3])
    _, st = scale.summarize(full, layer, key, feature=0)
    np.testing.assert_allclose(lw.summary[1].variance, st.variance, rtol=1e-6)
    lw.close()


def _opened(window, x, title):
    """``x`` opened as ``window``'s long input with tab ``title`` shown, its pass run:
    (the state, the view)."""
    view = _tab(window, title)
    window.state.set_input_data(x)
    assert window.long_runner.wait(120)
    return window.state, view


def test_a_seek_between_windows_with_and_without_commas_moves_no_plot(long_window, qtbot):
    # a long input's step axes labelled "0 100 200" in a window before step 1,000 and
    # "2,000 2,100" after it: the comma's tail took 5 px more under every heatmap at each
    # seek between them (and between a chunk labelled "19k" and its window "18,900"), so
    # every plot of the view moved, was laid out and painted anew
    state, view = _opened(*long_window, "Over time")
    seq = state.long

    def boxes():
        return [s.plot.vb.sceneBoundingRect() for s in view.slots if s.key is not None] + [
            view.curve_plot.vb.sceneBoundingRect()]
    seen, labels = [], set()
    for step in (1500, 100, 2000, 500, 2900, 900):
        state.set_cursor(step=step)
        for refined in (False, True):
            if refined:
                qtbot.waitUntil(lambda: state.trace.layers[state.cursor.layer].timesteps == seq.window,
                                timeout=60_000)
            QtWidgets.QApplication.processEvents()
            axis = view.slots[0].plot.getAxis("bottom")
            labels.update("," in t for _, t in axis._tickLevels[0])
            if step != 1500:  # (the tab's first paint measured its value labels)
                seen.append(boxes())
    assert labels == {True, False}  # (windows labelled with and without commas)
    assert all(b == seen[0] for b in seen), [[(r.top(), r.height()) for r in b] for b in seen]


def test_the_rows_label_stands_clear_of_three_digit_units_above_a_strip(make_window, monkeypatch):
    # a long input's heatmaps keep their left axis as wide as the strip's above them (steps
    # line up); it was 52 px whatever the units: with 512 units, "unit" touched "200" and
    # "400" (the labels and the rows' label took 58 px as pyqtgraph measures them)
    from helpers import axis_specs
    from lstmviz.ui.plot_tools import SteadyAxis

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=512))], InputSpec(input_dim=2))
    state.set_layer_option(0, "return_sequences", True)
    w = make_window((1920, 1080), state)
    x = np.sin(np.arange(2 * 2000, dtype=np.float32) / 40.0).reshape(1, 2000, 2)
    _, view = _opened(w, x, "Over time")
    QtWidgets.QApplication.processEvents()
    checked = 0
    for slot in (s for s in view.slots if s.key is not None):
        assert slot.strip.shown
        axis = slot.plot.getAxis("left")
        assert axis.label.isVisible()
        texts = axis_specs(axis, SteadyAxis.generateDrawSpecs)[2]
        assert [t for _, _, t in texts][-1] == "400"
        margin = axis.label.document().documentMargin()
        label = axis.label.mapRectToParent(axis.label.boundingRect()).adjusted(margin, margin, -margin, -margin)
        assert label.right() <= min(rect.left() for rect, _, _ in texts), (label, texts)
        # the strip's step axis starts where the heatmap's does
        strip_axis = slot.strip.plot.getAxis("left")
        assert strip_axis.width() == axis.width()
        assert strip_axis.mapToScene(strip_axis.boundingRect().topRight()).x() == \
            axis.mapToScene(axis.boundingRect().topRight()).x()
        checked += 1
    assert checked == 6


def test_seeks_in_a_long_input_leave_what_the_window_painted_anew_shows(long_window):
    # Over time's plots repaint what a seek changed and no more (``exact_updates``: Qt
    # widened each changed rectangle by 2 px, and so repainted the titles over the strips'
    # bands and the colour bars' axes beside the step axes): nothing of an earlier step left

    w, x = long_window
    state, view = _opened(w, x, "Over time")
    flag = QtWidgets.QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing
    assert all(v.optimizationFlags() & flag for v in [view.curve_widget] + [s.widget for s in view.slots])
    _store_is_painted_anew(w, state, ((2991, 0), (453, 0), (1487, 3), (12, 3), (2222, 1), (460, 1),
                                      (461, 1), (1999, 5)))


def _store_is_painted_anew(w, state, seeks) -> None:
    """At each (step, unit) of ``seeks``, its quick steps and then its whole window (what
    the runner's timer swaps in), the events run as the window runs them: the window's
    backing store equals the window painted anew (``grab()``), nothing of an earlier step
    left in it."""
    from PySide6 import QtGui

    def pixels(img):
        img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
        return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine()).copy()

    for step, unit in seeks:
        state.set_cursor(step=step, unit=unit)
        for whole in (False, True):
            if whole:
                state.long.wait_prefetch()
                w.long_runner.poll()
            QtWidgets.QApplication.processEvents()
            shown = pixels(w.screen().grabWindow(w.winId()).toImage())  # (the backing store)
            assert np.array_equal(shown, pixels(w.grab().toImage())), (step, whole)



@pytest.mark.parametrize("title", ["Unrolled", "Cell"])
def test_seeks_in_a_long_input_leave_what_the_other_tabs_painted_anew_show(long_window, title):
    # as Over time's test above: nothing of an earlier step left in the window's backing
    # store after seeks and their whole windows (the Unrolled view sets its range at every
    # seek, the quick steps and the whole window being two layouts, and its plot's hidden
    # top and right axes follow it: ``KeptAxis``). The first seek after the pass lays the
    # Unrolled tab out anew (its header and legend take other lines): left to settle first

    w, x = long_window
    state, _ = _opened(w, x, title)
    state.set_cursor(step=1000)
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    _store_is_painted_anew(w, state, [(step, state.cursor.unit) for step in (2991, 453, 1487, 12, 2222, 460,
                                                                             461, 1999)])

def test_unrolled_keeps_its_least_width_from_a_far_seeks_quick_steps_to_its_window(long_window):
    """A far seek's 16 quick steps asked a smaller least width of the Unrolled view than its
    whole window (2 px a step, up to 60 steps): each far seek changed it twice, and each
    change (``updateGeometry``) laid the tab widget out and repainted its tab bar, the
    header and the legend. The quick steps ask what the window asks."""
    w, x = long_window
    state, view = _opened(w, x, "Unrolled")
    state.set_cursor(step=1000)
    state.long.wait_prefetch()
    w.long_runner.poll()
    QtWidgets.QApplication.processEvents()
    whole = view.minimumSizeHint().width()
    asked = []
    view.updateGeometry = lambda: asked.append(state.cursor.step)  # (the view's own call)
    try:
        for step in (2500, 300, 1800):
            state.set_cursor(step=step)
            assert state.trace.layers[state.cursor.layer].timesteps == QUICK_STEPS
            QtWidgets.QApplication.processEvents()
            assert view.minimumSizeHint().width() == whole
            state.long.wait_prefetch()
            w.long_runner.poll()
            QtWidgets.QApplication.processEvents()
            assert state.trace.layers[state.cursor.layer].timesteps == state.long.window
            assert view.minimumSizeHint().width() == whole
    finally:
        del view.updateGeometry
    assert asked == []

def test_a_long_input_of_one_step_says_one_step(long_window, tmp_path):
    """File > Open a long input of one row said "Opened one.csv: 1 steps, traced whole"."""
    w, x = long_window
    p = tmp_path / "one.csv"
    p.write_text("a,b\n0.5,1\n")
    assert w.open_long(p)
    assert w.state.timesteps == 1
    assert w.last_message == "Opened one.csv: 1 sample x 1 step, traced whole"


@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_a_long_input_of_a_time_major_onnx_model_shows_exact_windows(make_window, tmp_path, monkeypatch, direction):
    """An ONNX graph whose LSTM node (layout 0) reads the input as (time, batch, features):
    its long input was read on the wrong axis (its one sample for its steps) and traced whole
    or refused. Each view shows a window of it now, the records those steps of the whole
    trace."""
    pytest.importorskip("onnx")
    from helpers import onnx_recurrent_model

    model, x = onnx_recurrent_model(tmp_path, "LSTM", 0, direction, {}, steps=T, batch=1)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    w = make_window((1400, 900))
    assert w.open_file(str(tmp_path / "m.onnx")), w.last_message
    state = w.state
    state.set_input_data(x.transpose(1, 0, 2).copy())  # (as any input: samples first)
    seq = state.long
    assert seq is not None and (seq.steps, seq.samples) == (T, 1)
    _each_view_shows_exact_windows(w, tmp_path, model.trace(x), ["lstm"])



@pytest.mark.parametrize("case", ["onnx_torch_classic_lstm_bidir_2layer", "onnx_keras_lstm_backwards"])
def test_a_long_input_of_a_real_onnx_export_shows_exact_windows(make_window, tmp_path, monkeypatch, case):
    """A PyTorch export (Shape, Transpose, Reshape ... around two bidirectional LSTM nodes)
    and tf2onnx's go_backwards (a ReverseSequence of the input): a long input was traced
    whole, or refused past the budget ("reshapes the time axis"). Each view shows a window
    of it now, every recurrent record those steps of the whole trace, to the bit."""
    import lstmviz
    from helpers import FIXTURES

    model = lstmviz.load(FIXTURES / case / "model.onnx")
    x = np.random.default_rng(2).normal(size=(1, T, 3)).astype(np.float32)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    w = make_window((1400, 900))
    assert w.open_file(str(FIXTURES / case / "model.onnx")), w.last_message
    state = w.state
    state.set_input_data(x)
    seq = state.long
    assert seq is not None and (seq.steps, seq.samples) == (T, 1)
    nodes = [n.layer.name for n in model.nodes if n.layer.class_name in ("onnx.LSTM", "onnx.GRU")]
    _each_view_shows_exact_windows(w, tmp_path, model.trace(x), nodes)


def test_a_long_input_of_an_onnx_cnn_lstm_opens_and_shows_exact_windows(make_window, tmp_path, monkeypatch):
    """A CNN-LSTM ONNX graph (Conv, Relu, a causal Conv, MaxPool and AveragePool nodes of
    strides 1 keeping the steps, then an LSTM node): a long input through it was refused
    ('is not followed step by step'). It opens now: its first steps at once, before any
    pass, the whole sequence's numbers (from a pass over as many more steps as its nodes
    read past a step: ``LongSequence.ahead``), and each view drawn at a step shows a
    window whose Conv outputs and LSTM records are those steps of the whole trace."""
    import lstmviz
    from helpers import FIXTURES

    path = FIXTURES / "onnx_hand_cnn_lstm_same_causal" / "model.onnx"
    model = lstmviz.load(path)
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 37.0), np.sign(np.sin(t / 230.0))], -1)[None].astype(np.float32)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    w = make_window((1400, 900))
    assert w.open_file(str(path)), w.last_message
    state = w.state
    state.set_input_data(x)
    seq = state.long
    assert seq is not None and (seq.steps, seq.samples) == (T, 1)
    assert seq.pass_first is None and seq.ahead == 3  # (pads [1, 1], SAME_UPPER of 2, pads [2, 1])
    full = model.trace(x)
    for first in (seq.first_steps(), seq.first_window()):  # (before any pass)
        n = first["lstm"].timesteps
        assert n >= QUICK_STEPS and first.start == 0 and first.total_steps == T
        for name in ("c1", "c2", "f"):
            assert np.array_equal(first[name].outputs[0], full[name].outputs[0][:, :, :n]), name
        assert np.array_equal(first["lstm"].steps["h"], full["lstm"].steps["h"][:, :n])
    assert w.long_runner.wait(120)
    _each_view_shows_exact_windows(w, tmp_path, full, ["lstm"])
    trace = state.trace
    n = trace["lstm"].timesteps
    for name in ("c1", "c2", "m", "a1", "f"):
        np.testing.assert_array_equal(trace[name].outputs[0], full[name].outputs[0][:, :, trace.start:trace.start + n])


def _each_view_shows_exact_windows(w, tmp_path, full, names) -> None:
    """Over time, Unrolled and Cell, each drawn at a step of a long input: the window on
    screen holds the step, and each recurrent record of layers ``names`` is those steps of
    the whole trace ``full``, to the bit."""
    from lstmviz.ui.app import render

    state, seq = w.state, w.state.long
    for title, step in (("Over time", 2222), ("Unrolled", 700), ("Cell", T - 5)):
        _tab(w, title)
        out = render(w, tmp_path / f"{title}.png", step=step, size="1200x800")
        assert out.exists() and state.cursor.step == step
        trace = state.trace
        # (windows are of input steps: the one the cursor's processing step reads, T-1-step
        # where the layer reads its input from the last step)
        assert trace.start <= state.long_step() < trace.start + seq.window
        for name in names:
            rec = trace[name]
            for side, half in ([(s, h) for s, h in rec.children.items()] or [("", rec)]):
                whole = full[name].children[side] if side else full[name]
                n = half.steps["h"].shape[1]
                np.testing.assert_array_equal(half.steps["h"], whole.steps["h"][:, half.start:half.start + n])



def test_over_time_of_a_long_input_in_an_800_x_600_window_keeps_its_images(long_window, tmp_path):
    """A long input's Over time in an 800 x 600 window (760 x 540 inside its frame) beside
    the side panel: under their bare strips the exact heatmaps' images were 4 px high (2 x
    LSTM(512) on 20,000 steps: 4 px for 512 units), a colour bar's "-0.5" ran past its
    widget and the header was cut to "... unit 0 · sample…", the window laid out at 793 x
    563 and shrunk into the picture. The curves give way there, the margins above and
    below a bare strip too: each image at least ``IMAGE_STACKED`` high beside its strip,
    the labels inside their widgets, the header's short form whole."""
    from helpers import over_time_legible
    from lstmviz.ui.app import render
    from lstmviz.ui.views.over_time import IMAGE_STACKED

    w, x = long_window
    view = _tab(w, "Over time")
    w.state.set_input_data(x)
    render(w, tmp_path / "shot.png", size=(760, 540))
    # (with the least the window reads at the end of the layout requests' chain, which the
    # picture waits for, ``export.layouts_done``: it held 543 px where the tabs' least was
    # Qt's, with their frame, ``ViewTabs``)
    assert (w.width(), w.height()) == (760, 540) and w.minimumSizeHint().height() <= 540
    shown = [s for s in view.slots if s.key is not None]
    assert len(shown) == 6 and all(s.strip.shown for s in shown)
    assert not view.curves_shown
    over_time_legible(view, IMAGE_STACKED)


@pytest.mark.parametrize("taken", ["screenshot", "export window", "export window at its size", "export view"])
def test_a_picture_after_a_long_input_waits_for_the_windows_least_to_be_read(long_window, taken):
    """Qt posts a layout request to a widget's parent when its least size changes, which
    posts one to its parent the next turn ...: after a long input's pass Over time's least
    reached the tabs after one turn and the window after seven, nothing moving on the way,
    so ``at_rest`` returned amid the chain, the window's least 447 px of its 480 (at 900
    px wide) and a window at its least height drawn 33 px short of the layout about to come
    (500 of 556 at its least width). It delivers
    the chain to its end (``layouts_done``): the window's least what every layout read
    afresh gives, the picture the one taken many turns later. ``--screenshot`` waits so
    (``at_rest``), and so do ``--export-png/svg`` and ``lstmviz.picture`` of the window or
    of a view (``fitted_at_rest``: they took theirs a few turns after the fit, or without a
    size three turns after the pass, amid the chain)."""
    from lstmviz.ui.export import at_rest, fitted_at_rest, long_settled
    from lstmviz.ui.tall_page import whole_pages

    w, x = long_window
    view = _tab(w, "Over time")
    w.resize(900, w.minimumSizeHint().height())  # (at its least height: the least to come moves it)
    at_rest(w)
    size = (w.width(), w.height())
    w.state.set_input_data(x)
    long_settled(w)
    shown = w if taken != "export view" else view
    with whole_pages(shown is not w):  # (as the exports draw a view: its page whole)
        if taken == "screenshot":
            at_rest(w)
        else:
            fitted_at_rest(w, shown, None if taken.endswith("its size") else
                           size if shown is w else (view.width(), view.height()))
        least, picture = w.minimumSizeHint(), shown.grab().toImage()
        for c in [w, *w.findChildren(QtWidgets.QWidget)]:
            if c.layout() is not None:
                c.layout().invalidate()
            c.updateGeometry()
        for _ in range(30):
            QtWidgets.QApplication.processEvents()
        assert w.minimumSizeHint() == least and shown.size() == picture.deviceIndependentSize().toSize()
        assert shown.grab().toImage() == picture


def test_a_long_inputs_window_after_the_first_draws_no_state_coming_in(make_window, tmp_path, monkeypatch):
    """An ONNX graph whose initial states are graph inputs (h0, c0) gets windows of a long
    input now. The Unrolled view's arrow and note "initial state: h0, c0" into the first
    step belong to the window that starts there; the window drawn first (its arrows kept
    for the windows that look alike, ``_signature``) lent them to every later window, whose
    first steps take their states from the steps before. Only the first window draws them."""
    pytest.importorskip("onnx")
    from helpers import onnx_recurrent_model
    from lstmviz.ui.app import render

    model, xs = onnx_recurrent_model(tmp_path, "LSTM", 0, "forward", {"initial": True}, steps=T, batch=1)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    w = make_window((1400, 900))
    assert w.open_file(str(tmp_path / "m.onnx")), w.last_message
    state = w.state
    state.set_input_data(xs[0].transpose(1, 0, 2).copy())  # (as any input: samples first)
    assert state.long is not None
    view = _tab(w, "Unrolled")
    key = next(r.key for r in view.rows if r.kind == "rnn")
    for step, first in ((0, True), (1500, False), (10, True), (T - 1, False)):
        render(w, tmp_path / f"u{step}.png", step=step, size="1200x800")
        assert (state.trace.start == 0) == first
        assert (key in view.static.arrows_in) == first, step


def test_a_long_input_read_backwards_runs_its_pass_behind_a_veil(make_window, monkeypatch):
    """A Bidirectional LSTM over a long input: no step can be shown before the keyframe
    pass (its backward half's first steps depend on every later one), and the pass ran
    where the input was set, on the window's thread: 8 s frozen for LSTM(256) over 100,000
    steps, no progress bar, no Cancel. Now setting the input returns at once (the pass is
    held here and setting returned), the pass runs on the worker with its progress bar and
    Cancel, a veil over the views says what runs and why (naming the layer), the views are
    not handed a trace, Play waits; after a Cancel the veil says so and Trace all goes on;
    then the views show the first window, equal to the full trace's, and the veil goes."""
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    bi = {"layer": {"class_name": "LSTM", "config": dict(default_config("LSTM", None, units=4),
                                                         return_sequences=True)}}
    state = AppState([LayerEntry("Bidirectional", default_config("Bidirectional", None) | bi)],
                     InputSpec(input_dim=2))
    w = make_window((1400, 900), state)
    view = _tab(w, "Over time")
    before = view.trace
    held = held_pass(monkeypatch)  # (on the window's worker: set_input_data could not wait for it)
    T = 3000
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 37.0)], -1)[None].astype(np.float32)
    state.set_input_data(x)  # (returns although the pass is held: it is not run here)
    seq = state.long
    assert seq is not None and state.trace is None and not seq.ready
    assert w.long_runner.busy()
    QtWidgets.QApplication.processEvents()
    w.long_runner.poll()
    name = state.model.layers[0].name
    veil = w.long_runner.veil
    assert veil.isVisible() and w.long_runner.progress.isVisible() and w.long_runner.cancel_button.isVisible()
    assert f"Tracing all {T:,} steps first" in veil.text()
    assert f"Layer '{name}' (its backward half) reads the input from its last step" in veil.text()
    assert view.trace is before  # (not handed a trace: nothing of the input to draw yet)
    # a tab first shown now (its page built on top of the others) is under the veil too
    cell = _tab(w, "Cell")
    QtWidgets.QApplication.processEvents()
    pages = veil.parentWidget()
    assert cell.isVisible() and veil.isVisible() and pages.childAt(pages.rect().center()) is veil
    assert cell.trace is None
    # the veil covers the views' pages, not the Train tab
    w.tabs.setCurrentIndex(w.tabs.count() - 1)
    assert not veil.isVisible()
    view = _tab(w, "Over time")
    assert veil.isVisible() and veil.geometry() == veil.parentWidget().rect()
    # Play waits at step 0: no step can be shown
    assert seq.shown_steps == 0
    # a Cancel: the veil says so, Trace all goes on with the pass
    w.long_runner.cancel()
    held.set()
    w.long_runner.worker.join(30)
    w.long_runner.poll()
    assert state.trace is None and seq.cancelled
    assert "The keyframe pass was cancelled" in veil.text() and "Trace all (below)" in veil.text()
    assert w.long_runner.resume_button.isVisible()
    assert w.long_runner.resume() and w.long_runner.wait(120)
    assert not veil.isVisible() and state.trace is not None
    full = state.model.trace(x)[name].children["forward"]
    slot = next(s for s in view.slots if s.key == "i")
    n = slot.image.image.shape[1]
    np.testing.assert_array_equal(slot.image.image, full.steps["i"][0, :n].T)


def test_a_long_input_read_backwards_is_traced_at_once_without_a_window():
    """Without a window (the command line, ``lstmviz.picture``) nothing runs a pass
    behind the state's back: setting a long input read backwards runs the pass where it is
    set, and the state has its first window at once."""
    monkeypatch = pytest.MonkeyPatch()
    try:
        monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
        cfg = dict(default_config("GRU", None, units=3), return_sequences=True, go_backwards=True)
        state = AppState([LayerEntry("GRU", cfg)], InputSpec(input_dim=2))
        x = np.cos(np.arange(2000.0)[None, :, None] / np.array([7.0, 11.0])).astype(np.float32)
        state.set_input_data(x)
        assert state.long is not None and state.long.ready and state.trace is not None
        assert state.long.pass_first == f"layer '{state.model.layers[0].name}' reads the input from its last step"
    finally:
        monkeypatch.undo()


def test_a_picture_of_an_input_whose_first_pass_failed_is_refused(make_window, monkeypatch, tmp_path):
    """A headless picture (``--screenshot``) of a long input read backwards whose pass
    failed: one line saying so, not a PNG of the veil (the pass ran where the input was
    set and its error was raised there before the window ran it on a thread)."""
    from lstmviz.app import long_sequence
    from lstmviz.errors import LstmvizError
    from lstmviz.ui.app import render

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)

    def failing(*a, **kw):
        raise LstmvizError("the disk said no")

    monkeypatch.setattr(long_sequence, "keyframe_pass", failing)
    cfg = dict(default_config("LSTM", None, units=3), return_sequences=True, go_backwards=True)
    state = AppState([LayerEntry("LSTM", cfg)], InputSpec(input_dim=2))
    w = make_window((1000, 700), state)
    state.set_input_data(np.sin(np.arange(4000.0)[None, :, None] / np.array([5.0, 9.0])).astype(np.float32))
    with pytest.raises(LstmvizError, match="^the input could not be traced: the disk said no$"):
        render(w, tmp_path / "shot.png")
    assert not (tmp_path / "shot.png").exists()
    assert "The input could not be traced" in w.long_runner.veil.text()


@pytest.mark.parametrize("padding", ["causal", "same"])
def test_a_long_input_through_a_conv1d_and_a_pooling_shows_exact_numbers_at_once_and_at_a_seek(
        make_window, monkeypatch, padding):
    """A CNN-LSTM over 5,000 steps (a Conv1D of strides 1 and padding ``padding``; after a
    same one a MaxPooling1D of strides 1, padding same) was refused as a long input ('reads
    3 neighbouring steps at a time'). Now it opens, its first steps shown at once, before
    any pass, and they are the whole sequence's numbers: a causal one's traced alone (no
    step reads a later one), a same one's from a pass over as many more steps as its layers
    read past a step (``LongSequence._head``; traced alone, its last steps read the padding
    where the sequence goes on). At any seek the Cell view's x (the LSTM's input, the layer
    before it) and the LSTM's h are a full trace's, to the bit."""
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    conv = dict(default_config("Conv1D"), filters=3, kernel_size=3, padding=padding)
    pool = dict(default_config("MaxPooling1D"), pool_size=2, strides=1, padding="same")
    layers = [LayerEntry("Conv1D", conv)] + ([LayerEntry("MaxPooling1D", pool)] if padding == "same" else [])
    state = AppState(layers + [LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec(input_dim=2))
    lstm, before = state.model.layers[-1].name, state.model.layers[-2].name
    w, T, x = _ramped(make_window, state, wait=False)
    seq = state.long
    assert seq is not None and seq.pass_first is None and seq.ahead == (2 if padding == "same" else 0)
    full = state.model.trace(x)
    for first in (seq.first_steps(), seq.first_window()):  # (before any pass)
        n = first[lstm].timesteps
        assert n >= QUICK_STEPS and first.start == 0 and first.total_steps == T
        assert np.array_equal(first[before].outputs[0], full[before].outputs[0][:, :n])
        assert np.array_equal(first[lstm].steps["h"], full[lstm].steps["h"][:, :n])
    assert w.long_runner.wait(120)
    cell = _tab(w, "Cell")
    for step in (3210, 0, T - 1, 2047):
        state.set_cursor(step=step, layer=lstm)
        assert w.long_runner.wait(60)
        w.long_runner.poll()
        assert state.trace.start <= step < state.trace.start + state.trace[lstm].timesteps
        np.testing.assert_array_equal(cell.bars["x"].values, full[before].outputs[0][0, step])
        np.testing.assert_array_equal(cell.bars["h"].values, full[lstm].steps["h"][0, step])


@pytest.mark.parametrize("padding", ["causal", "same"])
def test_a_conv1ds_step_page_on_a_long_input_is_the_whole_traces(make_window, monkeypatch, qtbot, padding):
    """The Cell view's step page of a Conv1D (strides 1, padding causal or same) on a
    5,000-step long input: it was refused at every step of every window ("reads windows of
    its input's steps, which this long input's window does not hold whole"). Now at seeks
    into the middle of windows, at step 0 and at the last step, its bars are the whole
    trace's taps and y, its equation the whole trace's page's (the same sums to the bit),
    its ticks name the whole sequence's steps; a seek's quick steps, which hold no input
    before their first, say so in one line at that first step, and the page follows once
    the window around it is there."""
    from lstmviz.app.step_ref import equations, step_ref

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    conv = dict(default_config("Conv1D"), filters=3, kernel_size=3, padding=padding, activation="tanh")
    pool = dict(default_config("MaxPooling1D"), pool_size=2, strides=1, padding="same")
    layers = [LayerEntry("Conv1D", conv)] + ([LayerEntry("MaxPooling1D", pool)] if padding == "same" else [])
    state = AppState(layers + [LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec(input_dim=2))
    name = state.model.layers[0].name
    w, T, x = _ramped(make_window, state)
    full = state.model.trace(x)
    whole = step_ref(state.model, full, name)
    reads = state.model.layers[0].read_steps(T)
    cell = _tab(w, "Cell")
    for step, unit in ((3210, 1), (0, 0), (T - 1, 2), (2047, 1)):
        state.set_cursor(step=step, layer=name, unit=unit)
        assert w.long_runner.wait(60)
        w.long_runner.poll()
        start, n = state.trace.start, state.trace[name].outputs[0].shape[1]
        assert n < T and start <= step < start + n and (step in (0, T - 1) or start + 2 < step < start + n - 2)
        assert cell.message_text() is None
        page = cell.step_page
        taps = np.concatenate([x[0, r] if r >= 0 else np.zeros(2, np.float32) for r in reads[step]])
        np.testing.assert_array_equal(page.bars["x"].values, taps)
        np.testing.assert_array_equal(page.bars["y"].values, full[name].outputs[0][0, step])
        assert cell.equation_lines() == [eq.line for eq in equations(whole, 0, step, unit)]
        axis = page.bars["x"].plot.getAxis("bottom")
        assert [label for _, label in axis._tickLevels[0]] == [
            f"step {r:,}" if r >= 0 else "padding" for r in reads[step]]
    # a seek far away: its quick steps (3,504 .. 3,519) first, the window a moment later
    state.long._cache.clear()
    state.set_cursor(step=3504, layer=name, unit=0)
    assert state.trace.start == 3504  # (the quick steps: nothing before 3,504 in them)
    said = cell.message_text()
    assert said is not None and "\n" not in said and " before this window of the long input (steps 3,504…3,519)" in said
    assert said.startswith(f"'{name}' (Conv1D) at step 3,504 reads input steps 3,50")
    qtbot.waitUntil(lambda: state.trace.start < 3504, timeout=60_000)
    assert cell.message_text() is None
    np.testing.assert_array_equal(cell.step_page.bars["y"].values, full[name].outputs[0][0, 3504])
    assert cell.equation_lines() == [eq.line for eq in equations(whole, 0, 3504, 0)]
def _long_outputs_state(case: str) -> tuple[AppState, str]:
    """A stack with a layer that is not recurrent over a long input's steps: an LSTM's
    TimeDistributed(Dense) head, or a causal Conv1D before an LSTM; and that layer's name."""
    if case == "td":
        td = default_config("TimeDistributed")
        td["layer"]["config"].update(units=3, activation="tanh")
        layers = [LayerEntry("LSTM", dict(default_config("LSTM", None, units=5), return_sequences=True)),
                  LayerEntry("TimeDistributed", td)]
    else:
        conv = dict(default_config("Conv1D"), filters=4, kernel_size=5, padding="causal")
        layers = [LayerEntry("Conv1D", conv), LayerEntry("LSTM", default_config("LSTM", None, units=4))]
    state = AppState(layers, InputSpec(input_dim=2))
    return state, state.model.layers[-1 if case == "td" else 0].name


def _long_outputs_input(T: int = 3000) -> np.ndarray:
    """The long input those stacks are traced on: a sine and a growing square wave, one sample."""
    t = np.arange(T)
    return np.stack([np.sin(t / 50.0), np.sign(np.sin(t / 230.0)) * t / T], -1)[None].astype(np.float32)


@pytest.mark.parametrize("case", ["td", "conv"])
def test_over_time_shows_a_layer_that_is_not_recurrent_over_the_whole_sequence_and_exact_at_any_seek(
        make_window, monkeypatch, qtbot, case):
    """Issue 13 for a TimeDistributed head and a causal Conv1D: on a long input the Over time
    view said "on a long input it shows recurrent layers only". Now it draws such a layer
    as it draws a recurrent one there: the strip of its output over the whole sequence (min
    and max per bin of a whole trace's, to the bit), the exact window around the cursor (a
    whole trace's steps, to the bit) on colour levels of the whole sequence, the same at
    every seek, and a click on the strip seeks there."""
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)  # (a long input: windows)
    state, name = _long_outputs_state(case)
    w = make_window((1400, 900), state)
    view = _tab(w, "Over time")
    x = _long_outputs_input()
    T = x.shape[1]
    state.set_input_data(x)
    seq = state.long
    assert seq is not None
    state.set_cursor(layer=name, unit=1)
    full = state.model.trace(x)[name].output[0]
    slot = view.slots[0]
    assert view.stack.currentIndex() == 1 and slot.key == OUTPUT_KEY  # (no message: drawn at once)
    n = state.trace[name].output.shape[1]
    np.testing.assert_array_equal(slot.image.image, full[:n].T)
    assert w.long_runner.wait(120) and seq.overviews is not None
    w.long_runner.poll()
    QtWidgets.QApplication.processEvents()
    ov = seq.overviews[(name, OUTPUT_KEY)]
    assert slot.strip.shown
    np.testing.assert_array_equal(slot.strip.image.image, _brute_extreme(full, ov.bins).T)
    m = float(np.abs(full).max())
    # (the whole sequence's: the overview holds every step's min and max; the Conv1D's, of
    # relu, from 0 up on the sequential map)
    levels = (0.0, m) if case == "conv" else (-m, m)
    assert tuple(slot.colorbar.levels()) == pytest.approx(levels, rel=0, abs=0)
    cmap = th.gate_cmap() if case == "conv" else th.diverging_cmap()
    np.testing.assert_array_equal(slot.colorbar.colorMap().getLookupTable(nPts=64), cmap.getLookupTable(nPts=64))
    for step in (1717, 0, T - 1, 1000):  # the player seeks anywhere: exact numbers, the same levels
        state.set_cursor(step=step)
        for refined in (False, True):  # the chunk around the step at once, then the window
            if refined:
                assert w.long_runner.wait(60)
                w.long_runner.poll()
            start, n = state.trace.start, state.trace[name].output.shape[1]
            assert start <= step < start + n
            np.testing.assert_array_equal(slot.image.image, full[start:start + n].T)
            xs, ys = view.curves[OUTPUT_KEY].getData()
            assert ys[int(np.flatnonzero(xs == step)[0])] == full[step, 1]
            assert slot.cursor_line.value() == step and slot.strip.line.value() == step
            assert tuple(slot.colorbar.levels()) == levels
            assert tuple(slot.strip.image.levels) == levels
            said = view.header.text()
            assert f"t = {step:,}" in said and f"of {T:,} (top strip: the whole sequence)" in said
    if case == "conv":  # (a window's first step reads the steps before it, not the padding)
        state.set_cursor(step=2048)
        assert w.long_runner.wait(60)
        w.long_runner.poll()
        assert " · reads input steps <b>2,044</b>–<b>2,048</b> · " in view.header.text()
    view.click_overview(2500)  # a click on the strip seeks the whole sequence
    assert state.cursor.step == 2500 and state.trace.start <= 2500


def test_over_time_paints_a_heads_next_window_ahead_as_a_cells(make_window, monkeypatch, qtbot):
    """Stepping forward through a TimeDistributed head's output on a long input, the next
    window is painted ahead as a cell's records are: the step into it copies the heatmap's
    and the curve's paintings, and they hold that window's numbers."""
    from lstmviz.ui.views._common import Ahead

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    state, name = _long_outputs_state("td")
    w = make_window((1400, 900), state)
    view = _tab(w, "Over time")
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 230.0)], -1)[None].astype(np.float32)
    state.set_input_data(x)
    seq = state.long
    assert seq is not None and w.long_runner.wait(120)
    full = state.model.trace(x)[name].output[0]
    state.set_cursor(layer=name, unit=2, step=1000)
    seq.wait_prefetch()
    w.long_runner.poll()
    qtbot.wait(100)  # (the page laid out for one heatmap)
    a = seq.start_of(1000)
    state.set_cursor(step=1001)
    seq.wait_prefetch()
    w.long_runner.poll()
    nxt = seq.next_window(1001)
    assert nxt is not None and view._ahead_trace is nxt
    qtbot.waitUntil(lambda: not view._ahead_todo, timeout=10_000)
    used = Ahead.used
    for step in range(1002, a + seq.window // 2 + seq.window // 4 + 1):
        state.set_cursor(step=step)
        QtWidgets.QApplication.processEvents()
    assert state.trace is nxt and Ahead.used - used == 2  # (the heatmap and the curve copied)
    start, n = nxt.start, seq.window
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, full[start:start + n].T)
    xs, ys = view.curves[OUTPUT_KEY].getData()
    np.testing.assert_array_equal(xs, np.arange(start, start + n))
    np.testing.assert_array_equal(ys, full[start:start + n, 2])
    # another layer picked while the window after it is painted ahead: the pieces left were
    # the head's (its one heatmap's), and painted on the LSTM's six heatmaps they raised
    # (KeyError "no 'y' among this layer's steps", a slot without a record); they are dropped
    state.set_cursor(step=state.cursor.step + 1)
    seq.wait_prefetch()
    w.long_runner.poll()
    assert view._ahead_trace is seq.next_window(state.cursor.step) and view._ahead_todo
    lstm = state.model.layers[0].name
    state.set_cursor(layer=lstm)
    qtbot.waitUntil(lambda: not view._ahead_todo, timeout=10_000)
    h = state.model.trace(x)[lstm].steps["h"][0]
    start = state.trace.start
    np.testing.assert_array_equal(view.images["h"].image, h[start:start + n].T)


@pytest.mark.parametrize("case", ["td", "conv"])
def test_unrolled_strips_a_layer_that_is_not_recurrent_and_keeps_its_levels_from_window_to_window(
        make_window, monkeypatch, qtbot, case):
    """The Unrolled view on a long input: its strip had a row per recurrent layer only, and
    a TimeDistributed head's or a causal Conv1D's row below was coloured on its own scale
    of each window (its colours changed from window to window), its header counting the
    window's steps ("td · step 152" at step 31,000). Now the strip has its row too (min and
    max per bin of a whole trace's output, on its own scale as its cells are), its levels
    are the whole sequence's at every seek, and the header counts the whole sequence's."""
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    state, name = _long_outputs_state(case)
    lstm = next(layer.name for layer in state.model.layers if layer.class_name == "LSTM")
    w = make_window((1400, 900), state)
    view = _tab(w, "Unrolled")
    x = _long_outputs_input()
    T = x.shape[1]
    state.set_input_data(x)
    seq = state.long
    assert seq is not None and w.long_runner.wait(120) and seq.overviews is not None
    state.set_cursor(layer=name, unit=1)
    full = state.model.trace(x)
    y = full[name].output[0]
    m = float(np.abs(y).max())
    assert view.strip.shown and (name, OUTPUT_KEY) in view.strip_keys
    k = view.strip_keys.index((name, OUTPUT_KEY))
    row = next(r for r in view.rows if r.layer == name)
    # (the app's Conv1D is of relu: its numbers all >= 0, from 0 on the gates' map, the
    # colour bar its levels while it is selected; the head's tanh symmetric on the shared one)
    zero = row.from_zero
    assert zero == (case == "conv")
    shared = tuple(view.strip_levels)
    levels = (0.0, m) if zero else (-m, m)
    assert tuple(view.colorbar.levels()) == (levels if zero else shared)
    bins = seq.overviews[(name, OUTPUT_KEY)].bins
    h = _brute_extreme(full[lstm].steps["h"][0], bins)[:, 1]
    mine = _brute_extreme(y, bins)[:, 1]
    strip = view.strip.image.image
    if zero:  # (rows on maps of their own: the strip's image coloured as the rows below)
        np.testing.assert_array_equal(strip[view.strip_keys.index((lstm, "h"))],
                                      view._map(th.diverging_cmap(view.theme), h, shared))
        np.testing.assert_array_equal(strip[k], view._map(th.gate_cmap(view.theme), mine, levels))
    else:
        np.testing.assert_array_equal(strip[view.strip_keys.index((lstm, "h"))], h)
        np.testing.assert_allclose(strip[k], mine * (shared[1] / m), rtol=1e-6)
    # (the input's row below has no row there: the header says so)
    assert "a row per layer, not the input" in view.header.text()
    assert not [r for r in view.strip_rows if r.kind == "input"]
    for step in (2222, 5, T - 1):
        state.set_cursor(step=step)
        assert w.long_runner.wait(60)
        w.long_runner.poll()
        start, n = state.trace.start, state.trace[name].output.shape[1]
        row = next(r for r in view.rows if r.layer == name)
        np.testing.assert_array_equal(row.values, y[start:start + n, 1])
        assert row.own_scale and tuple(row.levels) == levels  # (the whole sequence's, every window)
        assert tuple(view.colorbar.levels()) == (levels if zero else shared)
        said = view.header.text()
        assert f"<b>{name}</b> · step <b>{step:,}</b>" in said and f" of {T:,} (top strip" in said
    if case == "conv":  # a window's first step reads the 4 steps before it too (causal, kernel 5)
        state.set_cursor(step=1600)  # (a seek: the quick steps from it, at once)
        assert state.trace.start == 1600
        assert " · reads steps <b>1,596</b>–<b>1,600</b> below" in view.header.text()


def test_over_time_shows_an_embedding_of_a_long_text_with_its_tokens_and_the_whole_sequence(
        make_window, monkeypatch, tmp_path):
    """A long text through Embedding -> LSTM: the Embedding's output is drawn on a window as
    on a whole trace, its header naming the character its step embeds (the text's, at the
    step of the whole sequence), the strip of its whole sequence above it."""
    from lstmviz.app import inputs as gen
    from lstmviz.ui.export import long_settled

    state = AppState([LayerEntry("Embedding", {"input_dim": len(gen.ALPHABET) + 1, "output_dim": 4}),
                      LayerEntry("LSTM", default_config("LSTM", None, units=5))], InputSpec())
    w = make_window((1400, 900), state)
    view = _tab(w, "Over time")
    text = "She said \"hello\" and left.\n" * 250
    p = tmp_path / "book.txt"
    p.write_text(text)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)
    assert w.open_long(p) and state.long is not None
    name = state.model.layers[0].name
    state.set_cursor(layer=name, step=4321, unit=1)
    long_settled(w)
    full = state.model.trace(gen.text_ids(text))[name].output[0]
    start, n = state.trace.start, state.trace[name].output.shape[1]
    assert start > 0 and view.slots[0].strip.shown
    np.testing.assert_array_equal(view.images[OUTPUT_KEY].image, full[start:start + n].T)
    said = view.header.text()
    assert text[4321] == "h" and "step <b>t = 4,321</b> · token <b>h</b> (id " in said
    assert f" of {len(text):,} (top strip" in said


def _long_seeks_exact(w, view, full, lstm: str, steps, own: int, also, rows=()) -> None:
    """Seeks of the LSTM ``lstm`` (``own`` steps of its own) to each of ``steps`` in main
    window ``w`` (``view``: its Over time view): at once (the quick steps) and after the
    window came, its record holds the step, Over time's heatmap, curve and header ('t = ...
    of own'), the Cell view's h and the Unrolled row and header are the full trace's;
    ``also(step, start, n, Over time's header)`` checks a test's own at each, ``rows`` (layer,
    its whole output (steps, units)) more Unrolled rows, unit 1's cells."""
    state = w.state
    cell, unrolled = _tab(w, "Cell"), _tab(w, "Unrolled")
    for step in steps:
        state.set_cursor(step=step, layer=lstm, unit=1)
        assert state.cursor.step == step
        for refined in (False, True):  # the quick steps at once, then the window
            if refined:
                assert w.long_runner.wait(60)
                w.long_runner.poll()
            rec = state.trace[lstm]
            start, n = rec.start, rec.timesteps
            assert start <= step < start + n and rec.total == own
            _tab(w, "Over time")
            slot = next(s for s in view.slots if s.key == "c")
            np.testing.assert_array_equal(slot.image.image, full[lstm].steps["c"][0, start:start + n].T)
            xs, ys = view.curves["h"].getData()
            assert ys[int(np.flatnonzero(xs == step)[0])] == full[lstm].steps["h"][0, step, 1]
            said = view.header.text()
            assert f"t = {step:,}" in said and f" of {own:,}" in said, said
            also(step, start, n, said)
            _tab(w, "Cell")
            np.testing.assert_array_equal(cell.bars["h"].values, full[lstm].steps["h"][0, step])
        _tab(w, "Unrolled")  # (its cells: each layer's own steps of the window)
        for name, whole in ((lstm, full[lstm].steps["h"][0]), *rows):
            row = next(r for r in unrolled.rows if r.layer == name)
            o = state.trace[name].start
            np.testing.assert_array_equal(row.values, whole[o:o + len(row.values), 1])
        said = unrolled.header.text()
        assert f"{step:,}" in said and f"of {own:,}" in said, said


def test_a_long_input_through_a_maxpooling_shows_each_layer_in_its_own_steps_exactly(
        make_window, monkeypatch, qtbot):
    """Issue 13, the usual CNN-LSTM: Conv1D -> MaxPooling1D(2) -> LSTM on a 5,001-step long
    input was refused ('gives one step of every 2'). Now it opens: the first window at once,
    the whole sequence's numbers; the player on the LSTM runs over its own 2,500 steps, and a
    seek anywhere shows exact numbers in Over time (heatmap, curve, header 'of 2,500'),
    Unrolled (its row) and Cell (x: the pooling's output, h); the strips of the pooling and
    of the LSTM's records are their whole sequences' over their own steps, the Conv1D's
    over the input's."""
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    conv = dict(default_config("Conv1D"), filters=3, kernel_size=3, padding="causal", activation="tanh")
    pool = dict(default_config("MaxPooling1D"), pool_size=2)
    state = AppState([LayerEntry("Conv1D", conv), LayerEntry("MaxPooling1D", pool),
                      LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec(input_dim=2))
    cname, pname, lstm = (layer.name for layer in state.model.layers)
    w, T, x = _ramped(make_window, state, T=5001, wait=False, tab="Over time")
    view, full, seq = _tab(w, "Over time"), state.model.trace(x), state.long
    assert (seq.steps_of(cname), seq.steps_of(pname), seq.steps_of(lstm)) == (T, 2500, 2500)
    state.set_cursor(layer=lstm)
    n = state.trace[lstm].timesteps  # the first steps at once: the whole sequence's
    slot = next(s for s in view.slots if s.key == "c")
    np.testing.assert_array_equal(slot.image.image, full[lstm].steps["c"][0, :n].T)
    assert w.long_runner.wait(120) and seq.overviews is not None
    w.long_runner.poll()
    assert state.clock_steps == 2500
    for key, name in (("h", lstm), (OUTPUT_KEY, pname), (OUTPUT_KEY, cname)):
        arr = full[name].steps[key][0] if key != OUTPUT_KEY else full[name].output[0]
        ov = seq.overviews[(name, key)]
        assert ov.total == arr.shape[0]
        np.testing.assert_array_equal(np.where(np.abs(ov.hi) >= np.abs(ov.lo), ov.hi, ov.lo),
                                      _brute_extreme(arr, ov.bins))
    cell = _tab(w, "Cell")

    def pooled(step, start, n, said):  # (x: the pooling's output at the LSTM's step)
        assert f"of {T:,}" not in said
        _tab(w, "Cell")
        np.testing.assert_array_equal(cell.bars["x"].values, full[pname].output[0, step])

    _long_seeks_exact(w, view, full, lstm, (1600, 0, 2499, 1234), 2500, pooled, rows=[(pname, full[pname].output[0])])


@pytest.mark.parametrize("pool", ["GlobalMaxPooling1D", "GlobalAveragePooling1D"])
def test_a_long_input_through_a_global_pooling_shows_the_lstm_exactly_and_the_pool_once(
        make_window, monkeypatch, qtbot, pool):
    """Issue 13, the usual classifier's head: LSTM(return_sequences) -> GlobalMaxPooling1D
    (or GlobalAveragePooling1D) -> Dense on a 5,000-step long input was refused ('reshapes
    the time axis'). Now it opens: the first steps at once, the whole sequence's numbers;
    a seek anywhere shows the LSTM's exact steps in Over time, Cell and Unrolled; every
    window holds the pooled tensor and the Dense after it as the full trace does (the pass
    computed them once from the whole sequence); Over time and Cell say they have no steps,
    and the Unrolled header of the pooled row says the cursor's step of the whole sequence
    (it said the step's column in the window: 'step 96' at step 3,210)."""
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4)),
                      LayerEntry(pool, default_config(pool)),
                      LayerEntry("Dense", dict(default_config("Dense"), units=3))], InputSpec(input_dim=2))
    state.set_layer_option(0, "return_sequences", True)
    lstm, pname, head = (layer.name for layer in state.model.layers)
    w, T, x = _ramped(make_window, state, wait=False, tab="Over time")
    view, full = _tab(w, "Over time"), state.model.trace(x)
    state.set_cursor(layer=lstm)
    n = state.trace[lstm].timesteps  # the first steps at once: the whole sequence's
    slot = next(s for s in view.slots if s.key == "c")
    np.testing.assert_array_equal(slot.image.image, full[lstm].steps["c"][0, :n].T)
    assert w.long_runner.wait(120)
    w.long_runner.poll()

    def once(step, start, n, said):  # (no steps: the full trace's whole, in every window)
        for name in (pname, head):
            got = state.trace[name].outputs[0]
            assert np.ndim(got) == 2
            np.testing.assert_array_equal(got, full[name].outputs[0])

    _long_seeks_exact(w, view, full, lstm, (1600, 0, T - 1, 1234), T, once)
    cell, unrolled = _tab(w, "Cell"), _tab(w, "Unrolled")
    for name in (pname, head):
        state.set_cursor(layer=name, step=3210, unit=0)
        _tab(w, "Over time")
        assert view.stack.currentWidget() is view.message
        assert f"'{name}' ({pool if name == pname else 'Dense'}) outputs one vector a sample" in view.message.text()
        _tab(w, "Cell")
        assert (cell.stack.currentWidget() is cell.message) == (name == pname)
        _tab(w, "Unrolled")
        row = next(r for r in unrolled.rows if r.layer == name)
        np.testing.assert_array_equal(row.values, full[name].outputs[0][0, :1])  # (unit 0, once)
        said = unrolled.header.text()
        assert "step <b>3,210</b>" in said, said


def _onnx_long_window(make_window, monkeypatch, case: str):
    """A 5,001-step input set on ONNX fixture ``case`` in a main window, the windowed route
    forced (``TRACE_SHARE``), Over time on screen: (model, x, window, state, Over time
    view, its LongSequence), before any pass."""
    import lstmviz
    from helpers import FIXTURES

    path = FIXTURES / case / "model.onnx"
    model = lstmviz.load(path)
    T = 5001
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 37.0) * t / T, np.sign(np.sin(t / 230.0))], -1)[None]
    x = x.astype(np.float32)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    w = make_window((1400, 900))
    assert w.open_file(str(path)), w.last_message
    state = w.state
    view = _tab(w, "Over time")
    state.set_input_data(x)
    seq = state.long
    assert seq is not None and state.error is None and seq.pass_first is None
    return model, x, w, state, view, seq



@pytest.mark.parametrize("case,conv,pool,lstm", [
    ("onnx_torch_classic_cnn_lstm_max", "conv.Conv", "pool.MaxPool", "rnn.LSTM"),
    ("onnx_torch_dynamo_cnn_avgpool_lstm", "node_conv1d", "node_avg_pool1d", "rnn.lstm")])
def test_a_long_input_through_a_torch_onnx_cnn_lstms_pool_shows_the_lstm_in_its_own_steps_exactly(
        make_window, monkeypatch, tmp_path, case, conv, pool, lstm):
    """Issue 13 for torch's CNN-LSTM exported to ONNX (Conv1d -> ... -> MaxPool1d(2), or an
    AvgPool1d(3, 2, padding 1, ceil_mode), -> LSTM): a 5,001-step input was refused at the
    pool ('gives one step of every 2'). Now it opens: the first steps at once, the whole
    sequence's numbers, before any pass; the player on the LSTM node runs over its own
    steps (2,500; 2,501 with ceil_mode), and a seek anywhere shows exact numbers in Over
    time (heatmap, curve, header 'of 2,500'), Cell (h) and Unrolled (its row); the strips
    of the pool's output and the LSTM's records are their whole sequences' over their own
    steps, the Conv's over the input's."""
    model, x, w, state, view, seq = _onnx_long_window(make_window, monkeypatch, case)
    T = x.shape[1]
    own = 2500 if "max" in case else 2501
    assert (seq.steps_of(conv), seq.steps_of(pool), seq.steps_of(lstm)) == (T, own, own)
    full = model.trace(x)
    state.set_cursor(layer=lstm)
    rec = state.trace[lstm]  # the first steps at once: the whole sequence's
    n = rec.timesteps
    assert rec.start == 0 and n >= 1
    slot = next(s for s in view.slots if s.key == "c")
    np.testing.assert_array_equal(slot.image.image, full[lstm].steps["c"][0, :n].T)
    assert w.long_runner.wait(120) and seq.overviews is not None
    w.long_runner.poll()
    assert state.clock_steps == own
    for key, name in (("h", lstm), (OUTPUT_KEY, pool), (OUTPUT_KEY, conv)):
        arr = full[name].steps[key][0] if key != OUTPUT_KEY else full[name].output[0].T  # ((N, C, L): steps first)
        ov = seq.overviews[(name, key)]
        assert ov.total == arr.shape[0]
        np.testing.assert_array_equal(np.where(np.abs(ov.hi) >= np.abs(ov.lo), ov.hi, ov.lo),
                                      _brute_extreme(arr, ov.bins))
    cell = _tab(w, "Cell")

    def pooled(step, start, n, said):  # (x: the pool's channels at the LSTM's step)
        assert f"of {T:,}" not in said, said
        _tab(w, "Cell")
        np.testing.assert_array_equal(cell.bars["x"].values, full[pool].output[0, :, step])

    _long_seeks_exact(w, view, full, lstm, (1600, 0, own - 1, 1234), own, pooled)


@pytest.mark.parametrize("case,norm,lstm", [
    ("onnx_torch_classic_lstm_layernorm_mean", "norm.LayerNormalization", "rnn.LSTM"),
    ("onnx_torch_dynamo_lstm_layernorm_mean", "node_layer_norm", "rnn.lstm"),
    ("onnx_torch_classic_opset16_layernorm_mean", "norm.Add_1", "rnn.LSTM")])
def test_a_long_input_through_a_torch_onnx_lstm_layernorm_opens_and_seeks_exactly(
        make_window, monkeypatch, case, norm, lstm):
    """Issue 13 for torch's LSTM -> LayerNorm -> mean over the steps exported to ONNX
    (classic, dynamo, and opset 16's LayerNorm decomposed: its last op the Add of the
    bias): a 5,001-step input was refused at the LayerNormalization (at opset 16 at its
    Pow). Now it opens: the first steps at once, the whole sequence's numbers, before any
    pass; after it a seek anywhere shows exact numbers in Over time (the LSTM's heatmap and
    curve, header 'of 5,001'), Cell (h) and Unrolled (its row), and the LayerNorm's output
    is its whole sequence's in its overview and at each step's window."""
    model, x, w, state, view, seq = _onnx_long_window(make_window, monkeypatch, case)
    T = x.shape[1]
    assert seq.steps_of(lstm) == seq.steps_of(norm) == T
    full = model.trace(x)
    state.set_cursor(layer=lstm)
    rec = state.trace[lstm]  # the first steps at once: the whole sequence's
    n = rec.timesteps
    assert rec.start == 0 and 1 <= n < T
    slot = next(s for s in view.slots if s.key == "c")
    np.testing.assert_array_equal(slot.image.image, full[lstm].steps["c"][0, :n].T)
    np.testing.assert_array_equal(state.trace[norm].output, full[norm].output[:, :n])
    assert w.long_runner.wait(120) and seq.overviews is not None
    w.long_runner.poll()
    assert state.clock_steps == T
    for key, name in (("h", lstm), (OUTPUT_KEY, norm)):
        arr = full[name].steps[key][0] if key != OUTPUT_KEY else full[name].output[0]
        ov = seq.overviews[(name, key)]
        assert ov.total == T
        np.testing.assert_array_equal(np.where(np.abs(ov.hi) >= np.abs(ov.lo), ov.hi, ov.lo),
                                      _brute_extreme(arr, ov.bins))

    def normed(step, start, n, said):
        np.testing.assert_array_equal(state.trace[norm].output, full[norm].output[:, start:start + n])

    _long_seeks_exact(w, view, full, lstm, (3200, 0, T - 1, 1234), T, normed)


def test_a_long_inputs_vector_without_steps_says_it_is_the_first_steps_until_the_pass_has_run(
        make_window, monkeypatch, qtbot):
    """Before the keyframe pass has run, what has no time axis (a GlobalMaxPooling1D over the
    LSTM's steps, the Dense after it) is that of the first steps shown, not yet the whole
    sequence's: the Unrolled header of its row and the Cell view's page of the Dense say so
    ("of input steps 0–15 so far"), their numbers those of a trace of those steps; once the
    pass has run they are the whole sequence's and nothing says "so far"."""
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    go = held_pass(monkeypatch)
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4)),
                      LayerEntry("GlobalMaxPooling1D", default_config("GlobalMaxPooling1D")),
                      LayerEntry("Dense", dict(default_config("Dense"), units=3))], InputSpec(input_dim=2))
    state.set_layer_option(0, "return_sequences", True)
    lstm, pname, head = (layer.name for layer in state.model.layers)
    w, T, x = _ramped(make_window, state, wait=False)
    full = state.model.trace(x)
    n = state.trace.static_through
    assert n is not None and 0 < n < T
    prefix = state.model.trace(x[:, :n])
    unrolled = _tab(w, "Unrolled")
    state.set_cursor(layer=pname, step=3, unit=1)
    np.testing.assert_array_equal(state.trace[pname].outputs[0], prefix[pname].outputs[0])
    assert not np.array_equal(prefix[pname].outputs[0], full[pname].outputs[0])  # (the case matters)
    row = next(r for r in unrolled.rows if r.layer == pname)
    np.testing.assert_array_equal(row.values, prefix[pname].outputs[0][0, 1:2])
    said = unrolled.header.text()
    assert f"of input steps 0–{n - 1:,} so far" in said, said
    cell = _tab(w, "Cell")
    state.set_cursor(layer=head, unit=0)
    page = cell.step_page
    assert page is not None and cell.stack.currentWidget() is not cell.message and page.isVisibleTo(w)
    np.testing.assert_array_equal(page.ref.y, prefix[head].outputs[0])
    assert f"of input steps 0–{n - 1:,} so far" in page.header.text()
    go.set()
    assert w.long_runner.wait(120)
    w.long_runner.poll()
    assert state.trace.static_through is None
    np.testing.assert_array_equal(page.ref.y, full[head].outputs[0])
    assert "so far" not in page.header.text()
    _tab(w, "Unrolled")
    state.set_cursor(layer=pname, unit=1)
    assert "so far" not in unrolled.header.text()
    row = next(r for r in unrolled.rows if r.layer == pname)
    np.testing.assert_array_equal(row.values, full[pname].outputs[0][0, 1:2])


def test_a_long_inputs_attention_weights_are_shown_only_once_the_pass_has_run_with_the_whole_m_and_s(
        qapp, qtbot, monkeypatch, tmp_path):
    """tests/fixtures/k3_attention_pooling (a real Keras 3 Softmax(axis=1) 'a' over the steps)
    opened with a long input, its keyframe pass held back. A trace of the first steps alone
    gives other shares (a softmax over 16 steps, not 3,000: its S 10.01 against 1033.07), so
    no step is shown before the pass: a veil over the views names the layer. Once the pass has
    run, the Cell view's step page of 'a' shows the whole sequence's m and S (a whole trace's),
    the share of a whole trace, its equation's last numbers, and nothing says "so far"."""
    from helpers import FIXTURES
    from lstmviz.ui.app import dispose, make_window

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    go = held_pass(monkeypatch)
    t = np.arange(T)
    x = np.stack([np.sin(t / 40.0), np.cos(t / 333.0), np.sign(np.sin(t / 97.0))], -1).astype(np.float32)
    np.save(tmp_path / "long.npy", x)
    w = make_window(str(FIXTURES / "k3_attention_pooling" / "model.keras"), quiet=True)
    try:
        w.resize(1400, 900)
        w.show()
        qtbot.waitExposed(w)
        state = w.state
        cell = _tab(w, "Cell")
        assert w.open_long(tmp_path / "long.npy") and state.error is None
        assert state.trace is None and state.long is not None  # (no first steps' shares shown)
        qtbot.waitUntil(lambda: w.long_runner.veil.isVisible())
        assert "Layer 'a' (Softmax) acts along the whole sequence's steps" in w.long_runner.veil.text()
        full = state.model.trace(x[None])
        prefix = state.model.trace(x[None, :16])
        assert not np.allclose(prefix["a"].stats["S"], full["a"].stats["S"])  # (the case matters)
        go.set()
        assert w.long_runner.wait(120)
        w.long_runner.poll()
        assert state.trace is not None and state.trace.static_through is None
        step = 5
        state.set_cursor(layer="a", step=step, unit=0)
        page = cell.step_page
        assert page is not None and cell.message_text() is None and page.isVisibleTo(w)
        got = page.ref.numbers(0, step, 0)
        assert (got["m"], got["S"]) == (float(full["a"].stats["m"][0, 0, 0]), float(full["a"].stats["S"][0, 0, 0]))
        np.testing.assert_array_equal(page.bars["y"].values, full["a"].output[0, step])
        assert got["y"] == float(full["a"].output[0, step, 0])
        nd = page.ref.decimals(got["y"])
        assert cell.equation_lines()[-1].endswith(f" / {fmt(got['S'], nd)} = {fmt(got['y'], nd)}")
        text = page.eq_label.text()
        assert "so far" not in text and "so far" not in page.header.text(), text
        assert f"over the sequence's {T:,} steps" in text
    finally:
        dispose(w)


@pytest.mark.parametrize("moves, own", [(("Cropping1D", {"cropping": [3, 0]}), 4998),
                                        (("ZeroPadding1D", {"padding": [4, 2]}), 5007),
                                        (("UpSampling1D", {"size": 2}), 10002)])
def test_a_long_input_through_cropping_padding_or_upsampling_shows_the_lstm_in_its_own_steps_exactly(
        make_window, monkeypatch, qtbot, moves, own):
    """Issue 13: a Cropping1D, ZeroPadding1D or UpSampling1D before an LSTM on a 5,001-step
    long input was refused ('reshapes the time axis'). Now it opens: the LSTM over its own
    steps (4,998, 5,007, 10,002), a seek anywhere exact in Over time (heatmap, curve, header
    'of' its own steps, '= input step' the moved layer's step reads, or '= padding': its step
    t is not input step t), Unrolled (its
    row, the layer's below it) and Cell (x: the layer's output at its step, h)."""
    from lstmviz.engine import LayerSpec, Model

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    model = Model.sequential((None, None, 2), [LayerSpec(*moves, name="moved"),
                                               LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="lstm")],
                             seed=3)
    state = AppState()
    state.set_model(model)
    w, T, x = _ramped(make_window, state, T=5001, wait=False, tab="Over time")
    view, full, seq = _tab(w, "Over time"), state.model.trace(x), state.long
    assert seq.steps_of("lstm") == seq.steps_of("moved") == own
    state.set_cursor(layer="lstm")
    n = state.trace["lstm"].timesteps  # the first steps at once: the whole sequence's
    slot = next(s for s in view.slots if s.key == "c")
    np.testing.assert_array_equal(slot.image.image, full["lstm"].steps["c"][0, :n].T)
    assert w.long_runner.wait(120)
    w.long_runner.poll()
    cell = _tab(w, "Cell")

    kind = moves[0]

    def reads(step):  # (the input step the moved layer's step reads, None for padding)
        got = {"Cropping1D": step + 3, "ZeroPadding1D": step - 4, "UpSampling1D": step // 2}[kind]
        return got if 0 <= got < T else None

    def moved(step, start, n, said):  # (x: the moved layer's output at the LSTM's step)
        plain = said.replace("</b>", "").replace("<b>", "")
        read = reads(step)  # (said at once, not as the moved layer's step)
        assert ("= padding" if read is None else f"= input step {read:,}") in plain, said
        assert "moved's step" not in plain, said
        _tab(w, "Cell")
        np.testing.assert_array_equal(cell.bars["x"].values, full["moved"].output[0, step])

    _long_seeks_exact(w, view, full, "lstm", (own // 3, 0, own - 1, 1234), own, moved,
                      rows=[("moved", full["moved"].output[0])])
    # the moved layer's own header in Over time: the input step its step reads (a crop's
    # step 1,234 reads input step 1,237; the padding's zeros none)
    for step in (1234, 1, own - 1):
        state.set_cursor(step=step, layer="moved", unit=1)
        assert w.long_runner.wait(60)
        w.long_runner.poll()
        _tab(w, "Over time")
        said = view.header.text().replace("<b>", "").replace("</b>", "")
        read = int(model.get_layer("moved").reads_at(step, T)[0])
        assert f"t = {step:,}" in said and f"of {own:,}" in said, said
        assert ("reads input step" in said) == (read >= 0), (step, read, said)
        assert read < 0 or f"reads input step {read:,} " in said, (step, read, said)


def _long_file_heatmaps_are_whole(qtbot, monkeypatch, tmp_path, case_name, seeks, check=None):
    """Real Keras 3 file tests/fixtures/``case_name`` opened as a file, then File > Open a long
    input's .npy of ``T`` steps (beyond a small trace budget): not refused, and for each
    (layer, record, rows, steps) of ``seeks`` its windows' Over time heatmap (``rows`` of them
    where not None) at each step the player seeks to is the whole trace's steps, to the bit.
    ``check(state, full)`` first, on the file's model and its whole trace."""
    from helpers import FIXTURES
    from lstmviz.ui.app import dispose, make_window

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    t = np.arange(T)
    x = np.stack([np.sin(t / 40.0), np.cos(t / 333.0), np.sign(np.sin(t / 97.0))], -1).astype(np.float32)
    npy = tmp_path / "long.npy"
    np.save(npy, x)
    w = make_window(str(FIXTURES / case_name / "model.keras"), quiet=True)
    try:
        w.resize(1400, 900)
        w.show()
        qtbot.waitExposed(w)
        state = w.state
        full = state.model.trace(x[None])
        if check is not None:
            check(state, full)
        view = _tab(w, "Over time")
        assert w.open_long(npy)
        _long_heatmaps_are_whole(qtbot, w, view, full, seeks)
    finally:
        dispose(w)


def _long_heatmaps_are_whole(qtbot, w, view, full, seeks):
    """A long input just set in window ``w`` (its keyframe pass awaited): for each (layer,
    record, rows, steps) of ``seeks`` Over time's (``view``) heatmap of it (``rows`` of them
    where not None) at each step the player seeks to (the quick chunk at once, then its whole
    window) is ``full``'s (the whole trace's) steps of the window, to the bit."""
    from lstmviz.app.cell_ref import steps_axes

    state, seq = w.state, w.state.long
    assert seq is not None and state.error is None
    assert w.long_runner.wait(120)
    seq.wait_prefetch()
    for name, key, rows, steps in seeks:
        state.set_cursor(layer=name)
        for step in steps:
            state.set_cursor(step=step)
            assert state.cursor.step == step
            qtbot.waitUntil(lambda: seq.deferred is None and state.trace.end - state.trace.start == min(
                seq.window, T - state.trace.start), timeout=60_000)
            QtWidgets.QApplication.processEvents()
            rec = state.trace.layers[name]
            img = next(s for s in view.slots if s.key == key).image.image
            assert rec.start <= step < rec.start + img.shape[1], (name, step)
            assert rows is None or img.shape[0] == rows, (name, img.shape)
            # (an output's features as rows: its steps on axis 2 after a Permute((2, 1)), else on 1)
            out = full[name].output[0] if steps_axes(state.model)[name][0] == 2 else full[name].output[0].T
            whole = out if key == "y" else full[name].steps[key][0].T
            np.testing.assert_array_equal(img, whole[:, rec.start:rec.start + img.shape[1]])


def test_a_real_keras_cnn_with_layers_acting_on_each_number_opens_a_long_input_file(qapp, qtbot, monkeypatch,
                                                                                    tmp_path):
    """tests/fixtures/k3_cf_elementwise_lstm (Keras 3: Permute((2, 1)) -> Conv1D(channels_first)
    -> BatchNormalization(axis=1) -> relu -> Dropout -> strided Conv1D -> Add(LeakyReLU, it) ->
    MaxPooling1D -> Permute((2, 1)) -> LSTM) with a long input: its windows' Over time heatmaps
    of the ReLU (the input's steps), the Add (1,499 of its own, after the strided Conv1D) and
    the LSTM's cell state are the whole trace's steps (``_long_file_heatmaps_are_whole``)."""
    own = (T - 3) // 2 + 1

    def check(state, full):
        assert {name: full[name].output.shape[2] for name in ("relu", "add")} == {"relu": T, "add": own}

    _long_file_heatmaps_are_whole(qtbot, monkeypatch, tmp_path, "k3_cf_elementwise_lstm", (
        ("relu", "y", None, (2222, 9, T - 1)), ("add", "y", None, (1111, 4, own - 1)),
        ("lstm", "c", None, (600, own // 2 - 1))), check)


def test_a_real_keras_cnn_with_layers_acting_on_each_steps_features_opens_a_long_input_file(
        qapp, qtbot, monkeypatch, tmp_path):
    """tests/fixtures/k3_cf_stepwise_lstm (Keras 3: Permute((2, 1)) -> Conv1D(12, channels_first)
    -> LayerNormalization(axis=1) -> Softmax(axis=1), Concatenate(axis=1) of it and another
    Conv1D -> MaxPooling1D -> Permute((2, 1)) -> LSTM) with a long input: its windows' Over
    time heatmaps of the Softmax and the Concatenate (their 12 and 15 features as rows, the
    input's steps as columns: ``cell_ref.steps_axes``) and the LSTM's cell state are the whole
    trace's steps (``_long_file_heatmaps_are_whole``)."""
    from lstmviz.app.cell_ref import steps_axes

    def check(state, full):
        assert {k: steps_axes(state.model)[k] for k in ("ln", "sm", "cat", "lstm")} == {
            "ln": [2], "sm": [2], "cat": [2], "lstm": [1]}

    _long_file_heatmaps_are_whole(qtbot, monkeypatch, tmp_path, "k3_cf_stepwise_lstm", (
        ("sm", "y", 12, (2222, 9, T - 1)), ("cat", "y", 15, (1111, 0, T - 1)),
        ("lstm", "c", 4, (600, T // 2 - 1))), check)


def test_a_real_keras_global_pooling_of_each_steps_features_opens_a_long_input_file(qapp, qtbot, monkeypatch,
                                                                                     tmp_path):
    """Issue 13: tests/fixtures/k3_cf_pooled_lstm (Keras 3: LSTM(12) -> Permute((2, 1)) ->
    GlobalAveragePooling1D(keepdims), each step's mean (Keras pools axis 1 there) ->
    Concatenate(axis=1) with the Permute's -> MaxPooling1D -> Permute((2, 1)) -> LSTM) was
    refused at the pooling; now its windows' Over time heatmaps of the mean (one row) and the
    Concatenate (13) over the input's steps, and of the LSTM's cell state, are the whole
    trace's steps (``_long_file_heatmaps_are_whole``)."""
    from lstmviz.app.cell_ref import steps_axes

    def check(state, full):
        assert {k: steps_axes(state.model)[k] for k in ("p1", "gap", "cat", "lstm")} == {
            "p1": [2], "gap": [2], "cat": [2], "lstm": [1]}

    _long_file_heatmaps_are_whole(qtbot, monkeypatch, tmp_path, "k3_cf_pooled_lstm", (
        ("gap", "y", 1, (2222, 9, T - 1)), ("cat", "y", 13, (1111, 0, T - 1)),
        ("lstm", "c", 4, (600, T // 2 - 1))), check)


def test_a_real_keras_attention_pooling_classifier_opens_a_long_input_file(qapp, qtbot, monkeypatch, tmp_path):
    """Issue 13: tests/fixtures/k3_attention_pooling (Keras 3: LSTM -> Dense(1, tanh) ->
    Softmax(axis=1) -> Multiply of the LSTM's sequence by the weights -> GlobalAveragePooling1D
    -> Dense) with a long input was refused at the Softmax; now its windows' Over time heatmaps
    of the attention weights (one row, sliced from the whole sequence the pass holds), of the
    weighted sequence and of the LSTM's cell state are the whole trace's steps
    (``_long_file_heatmaps_are_whole``); the pooled head has no steps in a window."""

    def check(state, full):
        from lstmviz.engine.windows import window_axes

        axes = window_axes(state.model, [np.zeros((1, T, 3), np.float32)])
        assert {k: axes[k] for k in ("a", "ctx", "p", "y")} == {"a": [1], "ctx": [1], "p": [None], "y": [None]}

    _long_file_heatmaps_are_whole(qtbot, monkeypatch, tmp_path, "k3_attention_pooling", (
        ("a", "y", 1, (2222, 9, T - 1)), ("ctx", "y", 16, (1111, 0, T - 1)),
        ("h", "c", 16, (600, T // 2 - 1))), check)


@pytest.mark.parametrize("kind", ["dense_after_permute", "conv_cf_over_steps", "lstm_after_permute",
                                  "go_backwards_lstm_then_lstm_after_permute",
                                  "bidirectional_gru_last_step_after_permute"])
def test_a_layer_computed_once_with_steps_of_its_own_is_shown_in_a_window_as_in_a_whole_trace(
        make_window, monkeypatch, kind):
    """Issue 13: a layer reading every step as its features, computed once by the pass, whose
    output is 3-D with steps of its own (a Dense over (batch, features, steps) after a
    Permute((2, 1)): its 4 features; a channels_first Conv1D over (batch, steps, 100
    features): its 99 steps). In a long input's window (windows forced) the player on it ran
    over the input's 3,000 steps: seeking to step 2,000 showed 'w · step 80' (the input step
    less the window's start, 1,920) and its strip marked it. A whole trace of the same
    model counts the layer's own steps (and the head's after it), the cursor held at its
    last; the window now shows the same: its steps, cursor, header and column.
    A recurrent layer over (batch, features, steps) (a "feature-wise" LSTM, a Bidirectional
    GRU returning its last step) steps over the 4 features, each reading all 3,000 steps: its
    record is the whole trace's in every window, and the Unrolled, Cell and Over time tabs on
    it show what they show on a whole trace: headers (no 'exact steps 0-3 of 3,000'), the
    Cell view's bars and the Over time curves, the trace's numbers."""
    import re

    from lstmviz.engine import LayerSpec, Model

    recurrent = kind.endswith("_after_permute") and not kind.startswith("dense")
    if kind == "dense_after_permute":
        d, own, layers = 2, 4, [LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
                                LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                                LayerSpec("Dense", {"units": 5, "activation": "tanh"}, name="w"),
                                LayerSpec("GlobalAveragePooling1D", {}, name="out")]
    elif kind in ("lstm_after_permute", "go_backwards_lstm_then_lstm_after_permute"):
        # (a "feature-wise" LSTM: its 4 steps the features; after a go_backwards LSTM its
        # input's steps axis is turned around, its own steps, the features, are not)
        back = {"go_backwards": True} if "go_backwards" in kind else {}
        d, own, layers = 2, 4, [LayerSpec("LSTM", {"units": 4, "return_sequences": True, **back}, name="l"),
                                LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                                LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="w"),
                                LayerSpec("Dense", {"units": 2}, name="out")]
    elif kind == "bidirectional_gru_last_step_after_permute":
        d, own, layers = 2, 4, [LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
                                LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                                LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 3}}},
                                          name="w"),
                                LayerSpec("Dense", {"units": 2}, name="out")]
    else:
        d, own, layers = 100, 99, [LayerSpec("Conv1D", {"filters": 3, "kernel_size": 2,
                                                        "data_format": "channels_first"}, name="w"),
                                   LayerSpec("Flatten", {}, name="f"), LayerSpec("Dense", {"units": 2}, name="out")]
    model = Model.sequential((None, T, d), layers, seed=3)
    x = np.random.default_rng(1).normal(size=(1, T, d)).astype(np.float32)

    def text(view):
        return re.sub("<[^>]+>", "", view.header.text())

    shown, numbers = {}, {}
    for windowed in (False, True):
        with monkeypatch.context() as m:
            if windowed:
                m.setattr(limits, "TRACE_SHARE", 1e-5)
            state = AppState()
            state.set_model(model)
            w = make_window((1400, 900), state)
            unrolled = _tab(w, "Unrolled")
            state.set_input_data(x)
            assert (state.long is not None) == windowed
            assert not windowed or w.long_runner.wait(120)
            state.set_cursor(layer="w", step=2000, unit=1)
            if windowed:
                assert w.long_runner.wait(60)
                w.long_runner.poll()
                assert state.window_start() == 0  # (every window holds all its steps)
            QtWidgets.QApplication.processEvents()
            shown[windowed] = (state.cursor.step, state.steps_of("w"), state.steps_of("out"),
                               text(unrolled), unrolled.current_column)
            if recurrent:
                row = next(r for r in unrolled.rows if r.layer == "w")
                got = {"unrolled": np.asarray(row.values)}
                for step in (2, 0):  # (the Cell view's bars, at two of its steps)
                    state.set_cursor(step=step)
                    cell = _tab(w, "Cell")
                    QtWidgets.QApplication.processEvents()
                    shown[windowed] += (text(cell),)
                    got.update({f"cell {step} {k}": np.asarray(bar.values) for k, bar in cell.bars.items()})
                    if "bidirectional" not in kind:  # (x_t: the layer's input at its step, feature ``step``)
                        from lstmviz.app.cell_ref import layer_input
                        np.testing.assert_array_equal(got[f"cell {step} x"],
                                                      np.asarray(layer_input(model, model.trace(x), "w"))[0, step])
                over = _tab(w, "Over time")
                QtWidgets.QApplication.processEvents()
                shown[windowed] += (text(over),)
                got.update({f"over {k}": np.asarray(c.curve.getData()) for k, c in over.curves.items()})
                numbers[windowed] = got
    assert shown[False][:3] == (own - 1, own, own), shown[False]
    # (a recurrent layer's header: its processing step, the feature of every input step it reads)
    assert shown[False][3].startswith(f"w{' (forward)' * ('bidirectional' in kind)} · processing step "
                                      f"{own - 1} = feature {own - 1} of all steps" if recurrent
                                      else f"w · step {own - 1} · "), shown[False]
    assert shown[True] == shown[False]
    if recurrent:
        assert numbers[True].keys() == numbers[False].keys() and len(numbers[False]) > 5
        for key, got in numbers[False].items():
            np.testing.assert_array_equal(numbers[True][key], got, err_msg=key)
        whole = model.trace(x)["w"]
        rec = whole.children["forward"] if whole.children else whole
        # (the Over time curve of unit 1 over the layer's own 4 steps, the trace's numbers)
        np.testing.assert_array_equal(numbers[True]["over h"], [np.arange(own), rec.steps["h"][0, :, 1]])


@pytest.mark.parametrize("between", [(), (("BatchNormalization", {"axis": 1}, "bn"),
                                          ("Dropout", {"rate": 0.5}, "drop"),
                                          ("ReLU", {"negative_slope": 0.1}, "relu"))])
def test_a_long_input_through_permuted_channels_first_layers_shows_exact_windows(qapp, qtbot, monkeypatch,
                                                                                  between):
    """Issue 13: Keras' Permute((2, 1)) -> Conv1D(channels_first) (-> BatchNormalization(axis=1)
    -> Dropout -> ReLU, which acting on each number alone hold the steps on axis 2 too) ->
    MaxPooling1D(2, channels_first) -> Permute((2, 1)) -> LSTM opens a long input (beyond a
    small trace budget: windows, not refused) and the player seeks anywhere: Over time's
    heatmap of the Conv1D's output (its steps on axis 2), of the ReLU's and of the LSTM's cell
    state are the whole trace's steps of the window, to the bit."""
    from helpers import permuted_channels_first
    from lstmviz.engine import LayerSpec
    from lstmviz.ui.app import dispose, make_window

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    model, x = permuted_channels_first(T, between=[LayerSpec(c, cfg, name=n) for c, cfg, n in between])
    x = x.astype(np.float32)
    full = model.trace(x)
    w = make_window(model=model, quiet=True)
    try:
        w.resize(1400, 900)
        w.show()
        qtbot.waitExposed(w)
        state = w.state
        view = _tab(w, "Over time")
        state.set_input_data(x)
        # (the cursor's step is the layer's own: the LSTM after the pooling has T/2)
        shown = [("conv", "y", None, (2222, 10, T - 1)), ("lstm", "c", None, (1111, 5, T // 2 - 1))]
        shown += [("relu", "y", None, (T - 1, 2345, 7))] if between else []
        _long_heatmaps_are_whole(qtbot, w, view, full, shown)
    finally:
        dispose(w)


@pytest.mark.parametrize("title, theme", [("Over time", "dark"), ("Unrolled", "dark"), ("Over time", "projector")])
def test_the_speed_box_at_the_windows_least_width_after_a_long_input_keeps_its_width(long_window, title, theme):
    """A helper saw the player's speed box (``ShortComboBox``: its whole words where its
    width holds them, else the short ones) at the window's least width (716 px) after a long
    input swap between them every turn (122 and 105 px), so ``at_rest`` turned all its 20
    turns. Its width settles: the same after 20 turns as after 30, at the least width and
    beside it; and its size hints do not depend on the words it shows (a hint that followed
    its own width could swap for ever)."""
    from lstmviz.ui.export import at_rest, long_settled

    w, x = long_window
    th.apply(theme, QtWidgets.QApplication.instance())
    _tab(w, title)
    w.state.set_input_data(x)
    long_settled(w)
    at_rest(w)
    box = w.player.speed
    for extra in (0, 7, 16):
        w.resize(w.minimumSizeHint().width() + extra, w.height())
        widths, hints = [], set()
        for _ in range(30):
            QtWidgets.QApplication.processEvents()
            widths.append(box.width())
            hints.add((box.sizeHint().width(), box.minimumSizeHint().width(), box.currentText()))
        assert len(set(widths[-11:])) == 1, (extra, widths)
        assert box.minimumSizeHint().width() <= box.width()
        assert len({h[:2] for h in hints}) == 1, hints
    for room in (box.minimumSizeHint().width(), box.sizeHint().width()):  # (its short words, its whole)
        box.resize(room, box.height())
        hints.add((box.sizeHint().width(), box.minimumSizeHint().width(), box.currentText()))
    assert len({h[2] for h in hints}) == 2 and len({h[:2] for h in hints}) == 1, hints


def test_a_far_seeks_whole_window_leaves_the_cell_page_as_its_quick_steps_drew_it(long_window, monkeypatch):
    """A far seek's whole window holds its quick steps' numbers at the cursor's step to the
    bit: the Cell page is not drawn again (~5 ms of charts, titles and equations, and their
    paint, session 58), its picture the one a redraw gives; it is drawn anew when the step,
    the unit, the layer, the theme or the window's numbers at the step change."""
    from lstmviz.ui.views import cell

    w, x = long_window
    state, view = _opened(w, x, "Cell")
    name = state.model.layers[0].name
    seq = state.long
    drawn = []
    shown = cell.CellView._show_equations
    monkeypatch.setattr(cell.CellView, "_show_equations", lambda self: (drawn.append(1), shown(self))[1])

    def seek(swap=None, **cursor) -> int:
        """The cursor moved (a far step: its quick steps, then its whole window, ``swap``
        applied to the window first): the page's draws at the window."""
        at = cursor.get("step", state.cursor.step)
        seq._cache.pop(seq.start_of(at), None)  # (its quick steps drawn first)
        state.set_cursor(**cursor)
        QtWidgets.QApplication.processEvents()
        assert seq.is_quick(state.trace) == ("step" in cursor)
        seq.wait_prefetch()
        if swap is not None:
            swap(seq._cache[seq.start_of(at)])
        drawn.clear()
        w.long_runner.poll()
        QtWidgets.QApplication.processEvents()
        assert not seq.is_quick(state.trace) and state.trace.start <= at < state.trace.start + seq.window
        return len(drawn)

    def redrawn() -> QtGui.QImage:
        view._page = None
        view.set_cursor(view.cursor)
        QtWidgets.QApplication.processEvents()
        return view.grab().toImage()

    state.set_cursor(step=0, layer=name)
    for step, unit in ((2222, 1), (461, 0), (1999, 5)):
        # (the first seeks there may draw their windows anew: the charts' numbers are
        # measured by their titles' places, which the quick steps' new numbers moved)
        seek(step=step, unit=unit)
        assert seek(step=step + 1) == 0 and seek(step=step) == 0, step
        whole = state.model.trace(x[:, :step + 1])[name]
        np.testing.assert_array_equal(view.bars["h"].values, whole.steps["h"][0, step])
        picture = view.grab().toImage()
        assert picture == redrawn(), step
        for change in (dict(step=step + 1), dict(unit=(unit + 1) % 6), dict(layer=state.model.layers[1].name)):
            drawn.clear()
            state.set_cursor(**change)
            QtWidgets.QApplication.processEvents()
            assert drawn, change
            state.set_cursor(step=step, unit=unit, layer=name)
    drawn.clear()
    w.set_theme("light")
    QtWidgets.QApplication.processEvents()
    assert drawn

    def other(trace) -> None:  # the window's numbers at the step not the quick steps'
        rec = trace.layers[name]
        rec.steps["h"][0, 2222 - rec.start] += 0.5

    seek(step=2222)
    assert seek(step=2223) == 0
    assert seek(other, step=2222) == 1  # drawn anew, with them
    assert view.bars["h"].values[0] == pytest.approx(state.model.trace(x[:, :2223])[name].steps["h"][0, 2222, 0] + 0.5)
