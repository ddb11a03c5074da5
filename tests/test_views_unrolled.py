"""UnrolledView: one row per cell row, coloured by the trace's h, the current column at t."""

import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore

from helpers import axis_specs, demo_at_least_size, settle
from lstmviz.app.selection import Cursor
from lstmviz.app.unrolled import ROW_H
from lstmviz.engine import LayerSpec, Model
from lstmviz.ui.views.unrolled import UnrolledView


def build(layers, T=6, d=3, batch=2, seed=0, shape=None):
    model = Model.sequential(shape or (None, T, d), layers, seed=seed)
    x = np.random.default_rng(seed).normal(size=(batch, T, d)).astype(np.float32)
    return model, model.trace(x), x


@pytest.fixture
def view(qtbot):
    v = UnrolledView()
    qtbot.addWidget(v)
    return v


def row(view, key):
    return next(r for r in view.rows if r.key == key)


def _random_inputs(model) -> list:
    """A batch of 2 of normal numbers for each of ``model``'s inputs."""
    rng = np.random.default_rng(0)
    return [rng.normal(size=(2,) + tuple(s[1:])).astype(np.float32) for s in model.input_shapes()]


def _drawn(view, qtbot, model, size) -> list:
    """``view`` showing ``model`` traced on ``_random_inputs`` at ``size``, laid out and
    painted (the texts' places on screen are current); the inputs."""
    xs = _random_inputs(model)
    view.set_data(model, model.trace(xs), inputs=xs)
    view.resize(*size)
    view.show()
    qtbot.wait(50)
    view.grab()
    return xs


def test_rows_values_and_cursor(view):
    model, trace, x = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                             LayerSpec("GRU", {"units": 3, "go_backwards": True}),
                             LayerSpec("Dense", {"units": 2})])
    view.set_data(model, trace, inputs=[x])
    assert [r.key for r in view.rows] == ["input", "lstm", "gru", "dense"]
    view.set_cursor(Cursor(step=2, sample=1, layer="lstm", unit=3))
    np.testing.assert_array_equal(row(view, "lstm").values, trace["lstm"].steps["h"][1, :, 3])
    # the backwards layer's row is in input order: processing step k is column T-1-k
    np.testing.assert_array_equal(row(view, "gru").values, trace["gru"].steps["h"][1, ::-1, 2])
    np.testing.assert_array_equal(row(view, "input").values, x[1].T)
    assert view.current_column == 2
    # with return_sequences=False only the last processed step goes up (input step 0 here)
    assert row(view, "gru").final_cols == [0]
    assert row(view, "lstm").final_cols == list(range(6))
    # selecting the backwards layer: its step 1 is input column 4
    view.set_cursor(Cursor(step=1, sample=0, layer="gru", unit=0))
    assert view.current_column == 4
    assert view.column_box.rect().center().x() == pytest.approx(4)


def test_click_selects_layer_side_and_step(view, qtbot):
    model, trace, _ = build([LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM",
                                                                   "config": {"units": 2, "return_sequences": True}}}),
                             LayerSpec("SimpleRNN", {"units": 2})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=0, layer="simple_rnn"))
    assert {"bidirectional/forward", "bidirectional/backward", "simple_rnn"} <= {r.key for r in view.rows}
    seen = []
    view.cursor_requested.connect(seen.append)
    view.click_cell("bidirectional/backward", 1)
    # layer, side and the step in that layer's order (backward: T-1-1) in one request
    assert seen == [{"layer": "bidirectional", "side": "backward", "step": 4}]
    r = row(view, "simple_rnn")
    with qtbot.waitSignal(view.cursor_requested) as blocker:
        view.click_at(3.1, r.y + 0.2)
    assert blocker.args == [{"step": 3}]  # (simple_rnn is the selected layer: only the step)


def test_masked_and_stateful_and_long(view):
    x = np.random.default_rng(0).normal(size=(2, 200, 4)).astype(np.float32)
    x[0, 150:] = 0
    model = Model.sequential((2, 200, 4), [LayerSpec("Masking", {}), LayerSpec("LSTM", {"units": 8, "stateful": True,
                                                                                     "return_sequences": True})])
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=199, layer="lstm", unit=2))
    r = row(view, "lstm")
    assert r.mask is not None and not r.mask[0, 160]
    assert view.current_column == 199
    assert any("zero state (first batch)" in t.toPlainText() for t in view.texts)
    again = model.trace(x)  # the stateful layer goes on from where the first call ended
    view.set_data(model, again, inputs=[x])
    assert any("state from previous batch" in t.toPlainText() for t in view.texts)
    np.testing.assert_array_equal(r.values, trace["lstm"].steps["h"][0, :, 2])



def test_a_new_trace_drawn_the_same_keeps_its_arrows_and_texts_and_equals_a_view_drawn_anew(qtbot):
    """An edit that leaves the rows' places, names, cells and notes (a layer's units) keeps
    the static items (arrows, outlines, texts: made again they cost ~8 ms an edit); one that
    changes what they show (an LSTM made a GRU of the same name: no c arrows; a stateful
    layer's second batch: its note) draws them anew. Every picture is a new view's."""
    def lstm(units, kind="LSTM", **extra):
        return LayerSpec(kind, {"units": units, "return_sequences": True, "name": "mid", **extra})

    def shown(v, model, x):
        v.set_data(model, model.trace(x), inputs=[x])
        v.set_cursor(Cursor(step=3, layer="mid", unit=1))
        return v.grab().toImage()

    x = np.random.default_rng(0).normal(size=(2, 8, 3)).astype(np.float32)
    edited = UnrolledView()
    qtbot.addWidget(edited)
    edited.resize(900, 600)
    first = Model.sequential((None, 8, 3), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}), lstm(5)])
    shown(edited, first, x)
    stateful = Model.sequential((2, 8, 3), [lstm(5, stateful=True)])
    for model, kept in ((Model.sequential((None, 8, 3), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                                                          lstm(7)]), True),
                        (Model.sequential((None, 8, 3), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                                                          lstm(7, "GRU")]), False),
                        (stateful, False), (stateful, False)):  # (its second call: the previous batch's state)
        before = edited.static
        image = shown(edited, model, x)
        assert (edited.static is before) == kept
        fresh = UnrolledView()
        qtbot.addWidget(fresh)
        fresh.resize(900, 600)
        if model is stateful:  # (a fresh view of the same trace: the state it starts from)
            fresh.set_data(model, edited.trace, inputs=[x])
            fresh.set_cursor(Cursor(step=3, layer="mid", unit=1))
            assert fresh.grab().toImage() == image
        else:
            assert shown(fresh, model, x) == image


def test_a_theme_picked_after_a_paint_draws_the_view_as_one_opened_in_that_theme(qtbot, monkeypatch):
    """Dark -> light in a window already painted: the colour bar's frame (its axes' lines,
    drawn in pyqtgraph's foreground of when they were first painted) stayed the dark
    theme's near-white, a window opened in light draws it dark."""
    from lstmviz.ui import theme as th

    model, trace, x = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True})], T=8)

    def shown(v):
        v.set_data(model, trace, inputs=[x])
        v.set_cursor(Cursor(step=3, layer="lstm", unit=1))
        return v.grab().toImage()

    switched = UnrolledView(theme="dark")
    qtbot.addWidget(switched)
    switched.resize(900, 600)
    shown(switched)
    light = th.get("light")
    monkeypatch.setitem(pg.CONFIG_OPTIONS, "foreground", light.foreground)  # (as th.apply sets it)
    switched.apply_theme(light)
    fresh = UnrolledView(theme=light)
    qtbot.addWidget(fresh)
    fresh.resize(900, 600)
    assert shown(switched) == shown(fresh)


FIX = __import__("pathlib").Path(__file__).parent / "fixtures"


def _load(case):
    import lstmviz

    model = lstmviz.load(FIX / case / "model.keras")
    xs = _random_inputs(model)
    return model, model.trace(xs), xs


def test_seq2seq_gets_one_block_per_time_axis_and_an_initial_state_arrow(view, qtbot):
    model, trace, xs = _load("k3_seq2seq_lstm")  # encoder 5 steps -> states -> decoder 4 steps
    view.set_data(model, trace, inputs=xs)
    assert view.domains == [5, 4]
    enc, dec, dec_in = row(view, "encoder"), row(view, "decoder"), row(view, "input:decoder_input")
    assert (enc.offset, enc.T) == (0.0, 5) and (dec.offset, dec.T) == (6.0, 4)
    assert dec_in.domain == dec.domain and dec.sources == ["input:decoder_input"]
    # the classic picture: encoder beside decoder, each on its input's level
    assert enc.y == dec.y and row(view, "input").y == dec_in.y < enc.y < row(view, "td").y
    assert dec.states_from == [("encoder", "h", "h"), ("encoder", "c", "c")]  # h and c
    assert any(t.toPlainText() == "initial state" for t in view.texts)
    view.set_cursor(Cursor(step=0, sample=1, layer="decoder", unit=1))
    np.testing.assert_array_equal(dec_in.values, xs[1][1].T)
    np.testing.assert_array_equal(dec.values, trace["decoder"].steps["h"][1, :, 1])
    view.set_cursor(Cursor(step=3, sample=1, layer="decoder", unit=1))
    assert view.column_box.rect().center().x() == pytest.approx(6 + 3)
    with qtbot.waitSignal(view.cursor_requested) as blocker:
        view.click_at(6 + 2.1, dec.y)  # the decoder's block on the shared level
    assert blocker.args == [{"step": 2}]
    with qtbot.waitSignal(view.cursor_requested) as blocker:
        view.click_at(1.0, enc.y)
    assert blocker.args == [{"layer": "encoder", "step": 1}]
    # the encoder's time axis: bottom ticks restart at 0 for the decoder's block
    assert "each block of columns is one time axis" in view.legend.text()


def test_branches_run_in_lanes_not_through_other_rows(view):
    model, trace, xs = _load("k3_merge_branches")  # three RNNs read the same input
    view.set_data(model, trace, inputs=xs)
    assert row(view, "lstm_b").sources == ["input"] and row(view, "lstm_c").sources == ["input"]
    assert set(row(view, "concat").sources) == {"lstm_a", "lstm_b"}
    assert view.lane_left < -0.5  # skips drawn left of the cells
    # no vertical arrow runs between lstm_a and lstm_b (lstm_b does not read lstm_a)
    a, b = row(view, "lstm_a"), row(view, "lstm_b")
    x, y = view.up_lines.getData()
    for k in range(0, len(x), 2):
        vertical = x[k] == x[k + 1] and x[k] >= -0.5
        assert not (vertical and min(y[k], y[k + 1]) < b.y and max(y[k], y[k + 1]) > a.y)


def test_the_layers_one_layer_feeds_branch_off_one_lane(view):
    """k3_around_rnn: fourteen layers read the LSTM's output, each in a lane of its own
    left of the block (0.22 of a step each: 3 of its 6 columns' width), a black band beside
    the cells at 800 x 600. A source has one lane now, each layer it feeds branching off it
    into that layer's row with an arrow head; no lane crosses a row's cells."""
    model, trace, xs = _load("k3_around_rnn")
    view.set_data(model, trace, inputs=xs)
    lstm = row(view, "lstm")
    fed = [r for r in view.rows if r.sources == ["lstm"] and r.domain == lstm.domain and r.y > lstm.y + 2]
    assert len(fed) >= 10
    x, y = view.up_lines.getData()
    left = lstm.offset - 0.5
    segments = [((x[k], y[k]), (x[k + 1], y[k + 1])) for k in range(0, len(x), 2)]
    uprights = {a[0] for a, b in segments if a[0] == b[0] and a[0] < left}
    assert len(uprights) == 1 and view.lane_left == pytest.approx(left - 0.22), uprights
    lane = uprights.pop()
    top = max(max(a[1], b[1]) for a, b in segments if a[0] == b[0] == lane)
    assert top == pytest.approx(max(r.y for r in fed) - 0.3)
    heads = set(zip(view.heads.data["x"].tolist(), view.heads.data["y"].tolist()))
    for r in fed:  # (a branch from the lane into the row's left end, its arrow head there)
        branch = [(a, b) for a, b in segments if a == (lane, r.y - 0.3) and b[1] == r.y - 0.3 and b[0] > lane]
        assert len(branch) == 1, r.key
        end = branch[0][1]
        assert left <= end[0] <= left + 0.5 and end in heads, (r.key, end)


def test_connections_into_a_block_far_along_go_to_its_first_and_last_steps(view):
    """k3_around_rnn: the LSTM's 6 steps feed a Cropping1D, a ZeroPadding1D and an
    UpSampling1D whose blocks stand 12 to 45 columns to its right, then all on the level just above:
    their 33 lines, nearly level and side by side, were one black wedge across the view. A
    block whose first column lies more than FAN_REACH columns past its source gets lines to
    its first and last steps only (a RepeatVector's fan beside its encoder stays whole:
    ``test_repeat_vector_fans_one_vector_out_to_every_step``); of those reading a step (the
    ZeroPadding1D's first and last that are not its padding's zeros: ``read_steps``), each
    from the step it reads. (The Cropping1D's block stands within FAN_REACH since the
    Permute((2, 1))'s row stands on the LSTM's steps, where its steps are: its fan whole.)"""
    from lstmviz.ui.views.unrolled import FAN_REACH

    model, trace, xs = _load("k3_around_rnn")
    view.set_data(model, trace, inputs=xs)
    lstm = row(view, "lstm")
    x, y = view.up_lines.getData()
    far = [r for r in view.rows if r.sources and r.sources[0] == "lstm" and r.domain != lstm.domain
           and r.offset - (lstm.offset + lstm.T - 1) > FAN_REACH]
    assert {r.key for r in far} >= {"pad", "up"}
    for r in far:
        ends = {x[k + 1] for k in range(0, len(x), 2)
                if r.offset - 0.5 <= x[k + 1] <= r.offset + r.T - 0.5 and x[k] < lstm.offset + lstm.T
                and y[k + 1] == pytest.approx(r.y - ROW_H / 2)}
        reads = model.get_layer(r.layer).read_steps(lstm.T)[:, 0]
        linked = np.flatnonzero(reads >= 0)
        assert ends == {r.offset + linked[0], r.offset + linked[-1]}, (r.key, sorted(ends))
        # (a line bent on its way, into a block a level further up: from the segment before it)
        starts = {x[k - 2] if k >= 2 and (x[k], y[k]) == (x[k - 1], y[k - 1]) else x[k] for k in range(0, len(x), 2)
                  if x[k + 1] in ends and y[k + 1] == pytest.approx(r.y - ROW_H / 2)}
        assert starts == {lstm.offset + reads[linked[0]], lstm.offset + reads[linked[-1]]}, (r.key, sorted(starts))
    # a block nearer keeps a line into each of its steps (the Cropping1D's 3)
    near = row(view, "crop")
    assert near.domain != lstm.domain and near.offset - (lstm.offset + lstm.T - 1) <= FAN_REACH and near.T == 3
    ends = {x[k + 1] for k in range(0, len(x), 2) if near.offset - 0.5 <= x[k + 1] <= near.offset + near.T - 0.5
            and y[k + 1] == pytest.approx(near.y - ROW_H / 2)}
    assert ends == {near.offset + c for c in range(near.T)}, sorted(ends)


def test_repeat_vector_fans_one_vector_out_to_every_step(view):
    model, trace, xs = _load("k3_repeat_vector")
    view.set_data(model, trace, inputs=xs)
    rep, enc = row(view, "repeat"), row(view, "encoder")
    assert rep.domain != enc.domain and rep.sources == ["encoder"]
    x, y = view.up_lines.getData()
    starts = {(x[k], y[k]) for k in range(0, len(x), 2) if y[k + 1] == rep.y - 0.5}
    assert len(starts) == 1  # every arrow into the repeat row leaves the encoder's last cell


def test_rows_sharing_a_level_carry_their_names_over_their_blocks(view):
    model, trace, xs = _load("k3_seq2seq_lstm")
    view.set_data(model, trace, inputs=xs)
    names = {t.toPlainText() for t in view.texts}
    assert {"encoder", "decoder", "encoder_input", "decoder_input"} <= names
    ticks = dict(view.plot.getAxis("left")._tickLevels[0])
    assert ticks[row(view, "encoder").y].startswith("encoder") and "decoder" in ticks[row(view, "encoder").y]


def test_map_bytes_gives_pyqtgraphs_very_bytes(qapp):
    """The rows' colours, searched once per value instead of once per channel: the same
    bytes as ``ColorMap.map`` for every theme's maps, on stops, next to them and between."""
    import pyqtgraph as pg

    from lstmviz.ui import theme as th
    from lstmviz.ui.views.unrolled import map_bytes

    rng = np.random.default_rng(0)
    maps = [th.gate_cmap()] + [th.diverging_cmap(th.get(name)) for name in ("dark", "light", "projector")]
    maps.append(pg.ColorMap([0, 0.1, 0.7, 1.0], [(0, 0, 0), (255, 10, 3), (3, 200, 40), (255, 255, 255)]))
    maps.append(pg.ColorMap([0, 0.3, 1.0], [(0, 0, 0), (1, 2, 3), (255, 254, 7)]))  # uneven, inexact slopes
    for cmap in maps:
        pos = np.asarray(cmap.getStops(cmap.BYTE)[0], float)
        x = np.clip(np.concatenate([rng.random(20000), pos, np.nextafter(pos, 2), np.nextafter(pos, -1),
                                    [0.0, 1.0]]), 0, 1)
        want = cmap.map(x, mode="byte")
        got = map_bytes(cmap, x)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_a_deep_stacks_row_names_are_thinned_to_what_fits_the_selected_one_kept(qtbot):
    """A 32-layer PyTorch LSTM at 1280 x 720: 34 row names in 350 px were drawn over each
    other (a black smear). As many as fit are drawn, a regular selection that keeps the
    selected layer's; all of them again when the view is tall enough."""
    from PySide6 import QtCore, QtGui, QtWidgets

    model, trace, x = build([LayerSpec("LSTM", {"units": 2, "return_sequences": True}, name=f"lstm_l{k}")
                             for k in range(30)] + [LayerSpec("Dense", {"units": 1}, name="linear")], T=4)
    view = UnrolledView()
    qtbot.addWidget(view)
    view.resize(900, 450)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(model, trace, inputs=[x])
    axis = view.plot.getAxis("left")

    def shown():
        QtWidgets.QApplication.processEvents()
        return axis._tickLevels[0]

    every = {y: text for y, text in view._ticks[0]}
    assert len(every) == 32  # the input, 30 LSTMs, the Dense
    for layer in ("lstm_l0", "lstm_l13", "linear"):
        view.set_cursor(Cursor(step=1, sample=0, layer=layer, unit=0))
        ticks = shown()
        assert 1 < len(ticks) < len(every)
        assert any(text.startswith(layer + " ") for _, text in ticks)
        assert all(every[y] == text for y, text in ticks)
        # no two names closer than a line of their font
        ys = sorted(view.vb.mapViewToScene(QtCore.QPointF(0, y)).y() for y, _ in ticks)
        line = QtGui.QFontMetricsF(axis.style["tickFont"]).ascent()
        assert min(b - a for a, b in zip(ys, ys[1:])) >= line
    view.resize(900, 2400)  # room for all of them
    assert len(shown()) == len(every)


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_token_ids_are_readable_or_not_written(qtbot, theme):
    """An Embedding's token ids are written in the input boxes: at 1280x720 in the
    projector theme, 24 boxes of ~16 px ran '1011121314...' into each other. Each id now
    fits its box, or runs over its edges into the gap by a little (at most 15% of the box
    each side: at 1366 x 768 the char demo's 18 px boxes showed no 2-digit id at the theme's
    least size, 22 px), no two closer than 4 px, at a size that fits, or none is written;
    wide enough, they are written and say the input's ids."""
    v = UnrolledView(theme=theme)
    qtbot.addWidget(v)
    T = 24
    model = Model.sequential((None, T), [LayerSpec("Embedding", {"input_dim": 30, "output_dim": 4}),
                                         LayerSpec("LSTM", {"units": 3})], seed=0)
    ids = (np.arange(T)[None] % 29 + 1).astype(np.int32)
    v.set_data(model, model.trace(ids), inputs=[ids])
    v.set_cursor(Cursor(step=5, layer="lstm"))
    v.show()
    shown: dict = {}
    over: dict = {}
    for width in (1400, 1100, 950, 800, 700, 420):
        v.resize(width, 500)
        qtbot.waitUntil(lambda w=width: abs(v.width() - w) <= 1)
        for _ in range(3):
            pg.QtWidgets.QApplication.processEvents()
        texts = row(v, "input").id_texts
        visible = [t for t in texts if t.isVisible()]
        shown[width] = len(visible)
        assert len(visible) in (0, T)
        rects = [t.mapRectToScene(t.textItem.boundingRect()) for t in visible]
        boxes = [v.vb.mapViewToScene(pg.Point(c + 0.5 - v.gap / 2, 0)).x()
                 - v.vb.mapViewToScene(pg.Point(c - 0.5 + v.gap / 2, 0)).x() for c in range(T)]
        for t, box in zip(visible, boxes):
            width_text = pg.QtGui.QFontMetricsF(t.textItem.font()).horizontalAdvance(t.toPlainText())
            assert width_text <= 1.3 * box + 0.5
            over[width] = max(over.get(width, 0.0), width_text - box)
        ink = [(r.center().x() - w / 2, r.center().x() + w / 2) for r, w in
               ((r, pg.QtGui.QFontMetricsF(t.textItem.font()).horizontalAdvance(t.toPlainText()))
                for t, r in zip(visible, rects))]
        assert all(a[1] + 3.5 <= b[0] for a, b in zip(ink, ink[1:]))
        assert [t.toPlainText() for t in visible] in ([], [str(i) for i in ids[0]])
    assert shown[1400] == T and shown[420] == 0
    assert any(px > 0 for px in over.values()), (shown, over)  # (the case: over the edges)
    assert "token id <b>6</b>" in v.header.text()  # the step's id, written or not in its box


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_narrow_token_boxes_do_not_read_as_masked_steps(qtbot, theme):
    """90 token ids through a masking Embedding at 1024 x 768: the boxes' outlines (1.2 px
    each side, in the grid's grey, the very fill of a masked step) filled most of each 7 px
    box, and the row of ids looked masked. The outlines are drawn only where a box is wide
    enough to read as a box; there the masked and the unmasked differ in their fills."""
    from PySide6 import QtGui

    from lstmviz.ui.views.unrolled import OUTLINE_LEAST

    v = UnrolledView(theme=theme)
    qtbot.addWidget(v)
    T = 90
    model = Model.sequential((None, T), [LayerSpec("Embedding", {"input_dim": 10, "output_dim": 4,
                                                                  "mask_zero": True}),
                                         LayerSpec("LSTM", {"units": 3, "return_sequences": True})], seed=0)
    ids = (np.arange(T)[None] % 9 + 1).astype(np.int32)
    ids[0, 60:] = 0
    v.set_data(model, model.trace(ids), inputs=[ids])
    v.set_cursor(Cursor(step=5, layer="lstm"))
    v.show()
    grid = QtGui.QColor(v.theme.grid).getRgb()

    def fitted(width):
        v.resize(width, 500)
        qtbot.waitUntil(lambda: abs(v.width() - width) <= 1)
        settle(3)
        (x0, x1), _ = v.vb.viewRange()
        return v.vb.width() / (x1 - x0) * (1 - v.gap)  # a box's width in px

    box = fitted(700)
    assert box < OUTLINE_LEAST
    # the masked steps are grey, the token boxes are not; and no grey outline over them
    lstm, ids_row = row(v, "lstm"), row(v, "input")
    cells = lstm.image.image[0, v.sub // 2::v.sub]
    assert all(tuple(c) == grid for c in cells[60:]) and not any(tuple(c) == grid for c in cells[:60])
    boxes = ids_row.image.image[0, v.sub // 2::v.sub]
    assert not any(tuple(c) == grid for c in boxes)
    assert not v.outlines.isVisible(), (theme, box)
    box = fitted(2600)  # wide: the boxes outlined again
    assert box >= OUTLINE_LEAST
    assert v.outlines.isVisible()
    assert v.outlines.pen().color().getRgb() == grid


def test_the_every_step_note_stands_over_the_cursor(view):
    """'⇡ every step goes up ⇡' sits mid-row where the cursor's column often stands: the
    column (drawn above the row's items) crossed out its words. The note is now above the
    cursor's boxes, on a background of its own."""
    model, trace, x = build([LayerSpec("LSTM", {"units": 3, "return_sequences": True}),
                             LayerSpec("LSTM", {"units": 2})], T=120)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=60, layer="lstm"))
    notes = [t for t in view.texts if "every step goes up" in t.toPlainText()]
    assert notes
    for note in notes:
        group = note.parentItem()
        assert group.zValue() > max(view.column_box.zValue(), view.cell_box.zValue())
        assert note.fill.color().alpha() > 0


def test_a_dense_heads_large_logits_leave_the_cells_on_their_own_scale(view):
    """A char model's Dense head before its softmax gave logits of ~450 (a published
    model, mario_lstm_2018.keras): on the one scale of every row the LSTM's h (-1..1) was
    black. The cells share the colour bar's scale; a row without a cell has its own."""
    model, trace, x = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                             LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 3}}}),
                             LayerSpec("LSTM", {"units": 2, "return_sequences": True}),
                             LayerSpec("Dense", {"units": 2})])
    for name in ("time_distributed", "dense"):
        kernel, bias = model.get_layer(name).weights
        kernel *= 400.0
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=0, sample=1, layer="lstm", unit=1))
    cells = np.abs(np.concatenate([trace["lstm"].steps["h"].ravel(), trace["lstm_1"].steps["h"].ravel()])).max()
    assert cells < 1 and np.abs(trace["dense"].output).max() > 20
    assert view.colorbar.levels() == pytest.approx((-cells, cells))
    for key in ("lstm", "lstm_1"):
        assert row(view, key).levels == pytest.approx((-cells, cells))
    for key in ("time_distributed", "dense"):
        m = np.abs(trace[key].output).max()
        assert row(view, key).levels == pytest.approx((-m, m))
    # the pixels: each step of the LSTM's row in the colour of its h on the cells' scale
    r = row(view, "lstm")
    vals = trace["lstm"].steps["h"][1, :, 1]
    want = view._map(th_cmap(view), vals[None, :], (-cells, cells))[0]
    drawn = r.image.image[0, view.sub // 2::view.sub]
    np.testing.assert_array_equal(drawn, want)
    for key in ("time_distributed", "dense"):  # (each row's own levels)
        assert f"<b>{key}</b>: its own scale" in view.legend.text()


def test_rows_on_their_own_scale_say_their_range(view):
    """A row without a cell (a Dense head, a TimeDistributed) is coloured on its own levels,
    and the legend said only 'a row without a cell on its own scale': a reader could not
    tell what its colours meant (the cells have the colour bar). The legend gives each such
    row's levels, as the input's ('dense: its own scale, ±0.62'), and the names' tooltip
    each one's least and largest value."""
    model, trace, x = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                             LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 3}}}),
                             LayerSpec("Dense", {"units": 2, "activation": "tanh"})])
    # (a softmax head's numbers are all >= 0: its own scale runs from 0, a test of its own)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=0, sample=0, layer="lstm", unit=0))
    text = view.legend.text()
    tip = view.plot.getAxis("left").toolTip()
    for key in ("time_distributed", "dense"):
        out = trace[key].output
        m = float(np.abs(out).max())
        assert row(view, key).levels == pytest.approx((-m, m))
        assert f"<b>{key}</b>: its own scale, \u00b1{m:.2g}" in text, text
        assert (f"{key}: its own scale, \u00b1{m:.2g} at full colour "
                f"(values {float(out.min()):.2g} to {float(out.max()):.2g})") in tip, tip
    assert "lstm: its own" not in tip  # (the cells: the colour bar's)


def test_a_layer_tiny_beside_an_exploding_one_is_drawn_on_its_own_scale(view):
    """pawra_lstm_model.h5: beside a ReLU LSTM at +-1e11 the selected Bidirectional (values
    within 0.43) drew all black on the shared scale. Its rows take their own levels, the
    legend says so as it says an input's ('bi: its own scale, ±0.43 at full colour'), the
    names' tooltip gives each row's range; the colour bar stays the exploding layer's."""
    from helpers import exploding_stack

    model, trace, x = exploding_stack(1e3)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=0, sample=0, layer="bi", unit=0))
    big = float(np.abs(trace["big"].steps["h"]).max())
    small = max(float(np.abs(trace["bi"].children[side].steps["h"]).max()) for side in ("forward", "backward"))
    assert view.colorbar.levels() == pytest.approx((-big, big))
    for key in ("bi/forward", "bi/backward"):
        assert row(view, key).levels == pytest.approx((-small, small))
    text = view.legend.text()
    assert f"<b>bi</b>: its own scale, \u00b1{small:.2g} at full colour" in text, text
    assert text.count("<b>bi</b>: its own scale") == 1  # (once for both halves)
    tip = view.plot.getAxis("left").toolTip()
    assert f"bi \u25b6 fwd: its own scale, \u00b1{small:.2g} at full colour" in tip, tip
    assert "big: its own" not in tip
    # the pixels: the forward row's h on its own levels, not black
    r = row(view, "bi/forward")
    vals = trace["bi"].children["forward"].steps["h"][0, :, 0]
    want = view._map(th_cmap(view), vals[None, :], (-small, small))[0]
    np.testing.assert_array_equal(r.image.image[0, view.sub // 2::view.sub], want)


def th_cmap(view):
    from lstmviz.ui import theme as th

    return th.diverging_cmap(view.theme)


def test_the_legend_gives_the_inputs_own_colour_scale(view):
    """The input row is coloured on its own levels (the input's largest magnitude), the
    colour bar beside it on the recurrent rows': a sine up to 3 read as 0.3 against a bar
    of +-0.33, and nothing on screen said so. The legend gives the input's scale: the
    levels its cells are coloured on."""
    model, trace, x = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True})], d=1)
    x = (x / np.abs(x).max() * 3.0).astype(np.float32)
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=0, sample=0, layer="lstm", unit=0))
    m = float(np.abs(x).max())
    assert tuple(view.colorbar.levels()) != (-m, m)  # the bar is the LSTM's
    text = view.legend.text()
    assert f"<b>input x</b>: its own scale, \u00b1{m:.2g}" in text, text
    inp = row(view, "input")
    assert tuple(inp.levels) == (-m, m)


def test_the_header_names_no_token_id_of_another_input(qtbot):
    """With several inputs the header said 'token id 1' of the first input of ids while
    the selected layer read another, of floats (fdeep_lstm_stateful.h5): a model of one
    input of ids names its id; of several, the id of the input the selected layer reads
    (a seq2seq's encoder and decoder each their own ids: katakana_seq2seq.h5 named none,
    and the Cell view's x_t read 'input 3'), none for a layer reading floats."""
    from lstmviz.engine import ModelSpec, TensorRef

    v = UnrolledView()
    qtbot.addWidget(v)
    spec = ModelSpec(
        layers=[LayerSpec("InputLayer", {"batch_shape": [None, 6, 3]}, name="x"),
                LayerSpec("InputLayer", {"batch_shape": [None, 6]}, name="ids"),
                LayerSpec("LSTM", {"units": 3}, name="lstm", inbound=[TensorRef("x")]),
                LayerSpec("Embedding", {"input_dim": 9, "output_dim": 2}, name="emb",
                          inbound=[TensorRef("ids")]),
                LayerSpec("LSTM", {"units": 2}, name="lstm_ids", inbound=[TensorRef("emb")])],
        inputs=[TensorRef("x"), TensorRef("ids")], outputs=[TensorRef("lstm"), TensorRef("lstm_ids")])
    model = Model.from_spec(spec, seed=0)
    x = np.zeros((1, 6, 3), np.float32)
    ids = np.arange(1, 7, dtype=np.int32)[None]
    trace = model.trace([x, ids])
    v.set_data(model, trace, inputs=[x, ids])
    v.set_cursor(Cursor(step=2, layer="lstm"))
    assert "token id" not in v.header.text()
    v.set_cursor(Cursor(step=2, layer="lstm_ids"))
    assert "token id <b>3</b>" in v.header.text(), v.header.text()
    from lstmviz.app.cell_ref import cell_refs, fed_by, input_token

    assert (fed_by(model, "lstm"), fed_by(model, "lstm_ids"), fed_by(model, "emb")) == (0, 1, 1)
    (ref,), (other,) = cell_refs(model, trace, "lstm_ids"), cell_refs(model, trace, "lstm")
    assert input_token(model, trace, ref, 0, 4, [x, ids]) == 5  # (the Cell view's x_t: "id 5")
    assert input_token(model, trace, other, 0, 4, [x, ids]) is None


def test_block_names_side_by_side_do_not_run_into_each_other(qtbot):
    """Rows sharing a level (several inputs, side by side) are named over their blocks:
    'lstm_state_return_0_st-True' ran over its neighbour's name, and a stateful layer's
    'zero state (first batch)' stood at the same place. Each name (with that note) is cut
    to the room before the next block, and fits it."""
    from PySide6 import QtGui

    from lstmviz.engine import ModelSpec, TensorRef

    long_a, long_b = "lstm_state_return_0_st-True_" * 2, "lstm_regular_0_st-False_" * 2
    spec = ModelSpec(
        layers=[LayerSpec("InputLayer", {"batch_shape": [2, 8, 3]}, name="x"),
                LayerSpec("InputLayer", {"batch_shape": [2, 8, 3]}, name="y"),
                LayerSpec("LSTM", {"units": 3, "stateful": True}, name=long_a, inbound=[TensorRef("x")]),
                LayerSpec("LSTM", {"units": 2}, name=long_b, inbound=[TensorRef("y")])],
        inputs=[TensorRef("x"), TensorRef("y")], outputs=[TensorRef(long_a), TensorRef(long_b)])
    model = Model.from_spec(spec, seed=0)
    xs = [np.zeros((2, 8, 3), np.float32)] * 2
    v = UnrolledView()
    qtbot.addWidget(v)
    v.resize(1400, 500)
    v.show()
    v.set_data(model, model.trace(xs), inputs=xs)
    v.set_cursor(Cursor(step=2, layer=long_a))
    qtbot.waitUntil(lambda: v.vb.width() > 100)
    pg.QtWidgets.QApplication.processEvents()
    names = {label: item for item, label, *_ in v.block_names}
    mine = next(label for label in names if label.startswith(long_a))
    assert "zero state (first batch)" in mine  # the stateful note, with the name
    levels: dict = {}
    for label, item in names.items():
        shown = item.toPlainText()
        assert shown[:5] == label[:5]
        width = QtGui.QFontMetricsF(item.textItem.font()).horizontalAdvance(shown)
        left = item.mapToScene(item.textItem.pos()).x()
        levels.setdefault(round(item.pos().y(), 3), []).append((left, left + width))
    assert len(levels) == 2  # the inputs' level and the LSTMs'
    for ink in levels.values():
        ink.sort()
        assert len(ink) == 2 and ink[0][1] <= ink[1][0], ink


def test_a_long_inputs_window_shown_again_cuts_its_block_names_as_a_fresh_view(qtbot):
    """A seq2seq's long input, two window layouts in turn (the 40-step window and the exact
    8 steps), the view narrowed while the 8 were shown: back on the 40 (its set kept), the
    blocks' names were still cut for the wider view ('decoder_input' whole, running into
    the next name; a fresh view says 'decoder_in…'): they were fitted in the other set."""
    from lstmviz.engine.spec import ModelSpec
    from lstmviz.engine.windows import keyframe_pass

    spec = _load("k3_seq2seq_lstm")[0].to_spec()
    for layer in (la for la in spec.layers if la.class_name == "InputLayer"):
        layer.config["batch_shape"] = [layer.config["batch_shape"][0], 600] + list(layer.config["batch_shape"][2:])
    model = Model.from_spec(ModelSpec(spec.layers, spec.inputs, spec.outputs, spec.name, spec.keras_version))
    passed = keyframe_pass(model, [a[:1] for a in _random_inputs(model)], every=64)
    wide, exact = passed.window(0, 40, by_input=True), passed.window(0, 8, by_input=True)
    cursor = Cursor(step=3, layer=model.layers[-2].name)

    def names(v, trace, width):
        v.resize(width, 500)
        v.set_data(model, trace)
        v.set_cursor(cursor)
        qtbot.wait(30)
        return [(item.toPlainText(), item.isVisible()) for item, *_ in v.static.edge_texts]

    views = [UnrolledView(), UnrolledView()]
    for v in views:
        qtbot.addWidget(v)
        v.show()
    turned, fresh = views
    names(turned, wide, 1400)
    kept = turned.static
    names(turned, exact, 1400)
    names(turned, exact, 600)
    again = names(turned, wide, 600)
    assert turned.static is kept
    assert again == names(fresh, wide, 600)
    assert any(text.endswith("\u2026") for text, _ in again)  # (a name cut at this width)


def test_block_names_stand_over_the_arrows_and_the_cursor_on_a_ground(view, qtbot):
    """A seq2seq at 1024 x 768 beside the side panel: steps narrower than the names, the
    arrows up into a block and the cursor's column struck through 'encoder_input'. Each
    block's name stands over both (as the notes do), on the background's colour."""
    model, trace, xs = _long_seq2seq(steps=(5, 4))
    view.set_data(model, trace, inputs=xs)
    view.resize(560, 420)
    view.show()
    view.set_cursor(Cursor(step=3, layer=model.layers[2].name))
    qtbot.wait(20)

    def z(item):  # where the scene stacks it: its topmost parent's z
        while item.parentItem() is not None and item.parentItem() is not view.vb.childGroup:
            item = item.parentItem()
        return item.zValue()

    assert len(view.block_names) >= 4  # the inputs' level and the LSTMs'
    under = max(z(view.column_box), z(view.cell_box), z(view.heads), z(view.outlines))
    for item, label, *_ in view.block_names:
        assert z(item) > under, label
        assert item.fill.style() != pg.QtCore.Qt.BrushStyle.NoBrush and item.fill.color().alpha() >= 200
        assert item.fill.color().rgb() == pg.mkColor(view.theme.background).rgb()


def test_typed_text_is_written_as_characters_and_the_next_one_predicted(qtbot):
    """The character demo on typed text showed '21 9 6 1 7 ...' in its input boxes and an
    output row coloured by the probability of id 0 (padding: dark everywhere). The app's
    own ids are its alphabet's characters: the input row writes them ('t h e ␣ f ...'),
    and the softmax row over the same ids writes the model's most likely next character
    (the engine's argmax), the header the step's character and id."""
    import lstmviz
    from lstmviz.app.demos import load_demos
    from lstmviz.app.inputs import ALPHABET
    from lstmviz.app.state import AppState

    demo = next(d for d in load_demos() if "Character" in d["title"])
    assert demo["text"]  # the demo opens on typed text (Help > Demos, lstmviz with no model)
    st = AppState()
    st.set_model(lstmviz.load(demo["model"]), str(demo["model"]))
    text = "the forget gate decides"
    st.set_input_spec(source="text", text=text)
    labels = st.token_labels()
    assert labels[0] == "" and labels[1] == "␣" and labels[2] == "a" and len(labels) == len(ALPHABET) + 1
    v = UnrolledView()
    qtbot.addWidget(v)
    v.resize(1400, 700)
    v.set_token_labels(labels)
    v.set_data(st.model, st.trace, inputs=st.trace.inputs)
    v.set_cursor(Cursor(step=4, sample=0, layer="lstm"))
    v.show()
    for _ in range(3):
        pg.QtWidgets.QApplication.processEvents()
    x = row(v, "input")
    assert x.label == "x (text)"
    assert "".join(t.toPlainText() for t in x.id_texts) == text.replace(" ", "␣")
    head = next(r for r in v.rows if r.predicted is not None)
    want = st.trace.output[0].argmax(-1)  # (steps,) the engine's most likely ids
    got = [t.toPlainText() for t in head.id_texts]
    assert got == [labels[i] for i in want] and all(t.isVisible() for t in head.id_texts)
    assert "token <b>f</b> (id 7)" in v.header.text()
    assert "most likely next character" in v.legend.text()
    # (one entry per layer: the head's own scale and its letters were two, naming next_char twice)
    named = [m.group(1) for _, part in v.static.legend_parts if (m := re.match(r"<b>(.*?)</b>:", part))]
    assert named.count(head.label) == 1 and len(named) == len(set(named)), named
    # ids from a file or a generator mean what the model's vocabulary says: numbers
    st.set_input_spec(source="counting")
    assert st.token_labels() is None
    v.set_token_labels(None)
    v.set_data(st.model, st.trace, inputs=st.trace.inputs)
    v.set_cursor(Cursor(step=4, sample=0, layer="lstm"))
    assert row(v, "input").label == "x (ids)" and not any(r.predicted is not None for r in v.rows)
    assert [t.toPlainText() for t in row(v, "input").id_texts] == [str(i) for i in st.trace.inputs[0][0]]


def test_only_probabilities_over_the_tokens_are_read_as_a_prediction():
    from lstmviz.app.unrolled import _over_tokens

    labels = ("", "a", "b")
    p = np.array([[[0.2, 0.5, 0.3], [0.7, 0.2, 0.1]]], np.float32)
    np.testing.assert_array_equal(_over_tokens(p, labels), [[1, 0]])
    assert _over_tokens(p * 2, labels) is None  # logits, not probabilities
    assert _over_tokens(p - 0.5, labels) is None
    assert _over_tokens(p[..., :2], labels) is None  # not one unit per token
    assert _over_tokens(p, None) is None


def _long_seq2seq(steps=(60, 45)):
    """k3_seq2seq_lstm with longer inputs: too many steps for an arrow each."""
    from lstmviz.engine.spec import ModelSpec
    spec = _load("k3_seq2seq_lstm")[0].to_spec()
    inputs = [layer for layer in spec.layers if layer.class_name == "InputLayer"]
    for layer, T in zip(inputs, steps):
        shape = list(layer.config["batch_shape"])
        layer.config["batch_shape"] = [shape[0], T] + shape[2:]
    model = Model.from_spec(ModelSpec(spec.layers, spec.inputs, spec.outputs, spec.name, spec.keras_version))
    xs = _random_inputs(model)
    return model, model.trace(xs), xs


def test_every_step_notes_leave_names_and_block_ends_alone(view, qtbot):
    """A seq2seq at 1280x720 in the projector theme: '⇡ every step goes up ⇡' in a gap too
    short for it beside the blocks' names ('input_1 (ids)', 'lstm_2') and 'initial state'
    ran into them, and past the end of the decoder's narrow block. Where it does not fit it
    is not shown (the legend says it); where it fits, it is."""
    model, trace, xs = _long_seq2seq()
    view.set_data(model, trace, inputs=xs)
    view.resize(1400, 900)
    view.show()
    qtbot.wait(50)

    def shown():
        view.grab()  # laid out and painted: the texts' places on screen are current
        notes = [t for t in view.texts if "every step goes up" in t.toPlainText() and t.isVisible()]
        others = [t for t in view.texts if t.isVisible() and t.toPlainText()
                  and "every step goes up" not in t.toPlainText()]
        return notes, others

    def clear(notes, others):
        for note in notes:
            box = note.sceneBoundingRect()
            assert not any(box.intersects(o.sceneBoundingRect()) for o in others), note.toPlainText()
            block = next(r for r in view.rows if abs(view.vb.mapViewToScene(
                pg.QtCore.QPointF(r.offset + (r.T - 1) / 2, r.y)).x() - box.center().x()) < 2)
            ends = [view.vb.mapViewToScene(pg.QtCore.QPointF(x, block.y)).x()
                    for x in (block.offset - 0.5, block.offset + block.T - 0.5)]
            assert ends[0] <= box.left() and box.right() <= ends[1]

    notes, others = shown()
    assert len(notes) >= 2
    clear(notes, others)
    view.resize(560, 330)
    qtbot.wait(50)
    notes, others = shown()
    clear(notes, others)
    assert len(notes) < len([t for t in view.texts if "every step goes up" in t.toPlainText()])


@pytest.mark.parametrize("steps", [(85, 45), (5, 4), (12, 40)])
def test_initial_state_clears_the_blocks_names(view, qtbot, steps):
    """A seq2seq of 85 and 45 steps (katakana_seq2seq.h5) at 1280x800: 'initial state' was
    written over the decoder's name 'lstm_2'. It now moves along its edge to clear the
    names beside it, over the encoder's block, and is hidden where there is no room (the
    legend says what the arrow is); shown, it touches no other text."""
    model, trace, xs = _long_seq2seq(steps)
    view.set_data(model, trace, inputs=xs)
    view.show()
    for size in ((880, 560), (1400, 900), (420, 300)):
        view.resize(*size)
        qtbot.wait(50)
        view.grab()  # laid out and painted: the texts' places on screen are current
        label = next(t for t in view.texts if t.toPlainText() == "initial state")
        if size != (420, 300) and steps != (12, 40):  # (there, no room between the names)
            assert label.isVisible(), size
        if not label.isVisible():
            continue
        box = label.sceneBoundingRect()
        others = [t for t in view.texts if t is not label and t.isVisible() and t.toPlainText()]
        assert not [t.toPlainText() for t in others if box.intersects(t.sceneBoundingRect())], size
        enc, dec = sorted((r for r in view.rows if r.kind != "input" and r.y == view.rows[-1].y
                           or r.label in ("encoder", "decoder")), key=lambda r: r.offset)[:2]
        left = view.vb.mapViewToScene(pg.QtCore.QPointF(enc.offset - 0.5, enc.y)).x()
        right = view.vb.mapViewToScene(pg.QtCore.QPointF(dec.offset + dec.T - 0.5, dec.y)).x()
        assert left <= box.left() and box.right() <= right, size


@pytest.mark.parametrize("size", [(1400, 900), (880, 560)])
def test_texts_on_a_rows_edge_stand_over_the_selected_rows_box(view, qtbot, size):
    """A seq2seq (katakana_seq2seq.h5) with its encoder selected: the dashed box round the
    row struck through the block's name "lstm_1", and "initial state" stood across the top
    of the encoder's cells (placed from the h line's height, 0.18 under the row's middle).
    Both stand over the box's edge now, and '⇡ every step goes up ⇡' beside a name stands
    over it (it was hidden there, or its ground covered the name)."""
    model, trace, xs = _long_seq2seq()
    view.set_data(model, trace, inputs=xs)
    view.show()
    view.resize(*size)
    shown = []
    for row in [r for r in view.rows if r.kind != "input" and r.ref is not None][:4]:
        view.set_cursor(Cursor(layer=row.layer))
        qtbot.wait(50)
        view.grab()  # laid out and painted: the texts' places on screen are current
        assert view.row_box.isVisible()
        top = view.row_box.mapRectToScene(view.row_box.rect()).top()  # (its edge, without its pen)
        edge = view.vb.mapViewToScene(pg.QtCore.QPointF(0, row.y + 0.5)).y()
        on_edge = [item for item, _, _, y in view.static.edge_texts
                   if abs(y - (row.y + 0.5)) < 1e-6 and item.isVisible()]
        for item in on_edge:
            box = item.sceneBoundingRect()
            margin = item.textItem.document().documentMargin()  # (scene units are pixels here)
            assert box.bottom() - margin < top - 1, (item.toPlainText(), box.bottom() - margin, top, edge)
            shown.append(item.toPlainText())
        notes = [t for t in view.texts if "every step goes up" in t.toPlainText() and t.isVisible()]
        for note in notes:
            assert not any(note.sceneBoundingRect().intersects(item.sceneBoundingRect()) for item in on_edge)
    assert {"initial state", "encoder", "decoder"} <= set(shown)


def test_edge_texts_rise_only_as_far_as_the_row_above_lets_them(view, qtbot):
    """Two Bidirectional layers on inputs of 6 and 4 steps: each block's name stands on its
    row's top edge. Risen over the selected row's box as everywhere, the forward rows' names
    ran into the backward rows' cells BIDI_GAP above them, and the top row's name out of the
    view: an edge text rises only as far as the room above it, its letters under the cells
    there (or on its edge, where even that is too little)."""
    from lstmviz.engine import ModelSpec, TensorRef

    bi = {"layer": {"class_name": "LSTM", "config": {"units": 3, "return_sequences": True}}}
    layers = [LayerSpec("InputLayer", {"batch_shape": [None, 6, 2]}, "a"),
              LayerSpec("InputLayer", {"batch_shape": [None, 4, 2]}, "b"),
              LayerSpec("Bidirectional", bi, "bi_a", inbound=[TensorRef("a")]),
              LayerSpec("Bidirectional", bi, "bi_b", inbound=[TensorRef("b")])]
    model = Model.from_spec(ModelSpec(layers, [TensorRef("a"), TensorRef("b")],
                                      [TensorRef("bi_a"), TensorRef("bi_b")], keras_version="3"))
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(1, 6, 2)).astype(np.float32), rng.normal(size=(1, 4, 2)).astype(np.float32)]
    view.set_data(model, model.trace(xs), inputs=xs)
    view.show()
    for size in ((1400, 900), (700, 420)):
        view.resize(*size)
        qtbot.wait(50)
        view.grab()
        checked = 0
        for item, _, _, edge in view.static.edge_texts:
            row = next(r for r in view.rows if abs(r.y + 0.5 - edge) < 1e-6)
            above = [r for r in view.rows if r.domain == row.domain and r.y > row.y]
            margin = item.textItem.document().documentMargin()
            letters = item.sceneBoundingRect().top() + margin
            ceiling = (view.vb.mapViewToScene(pg.QtCore.QPointF(0, min(r.y for r in above) - 0.5)).y()
                       if above else view.vb.mapViewToScene(pg.QtCore.QPointF(0, view.vb.viewRange()[1][1])).y())
            on_edge = abs(item.pos().y() - edge) < 1e-9
            assert letters >= ceiling - 0.5 or on_edge, (item.toPlainText(), letters, ceiling, size)
            checked += 1
        assert checked >= 4


def test_a_decoders_state_inputs_are_said_at_its_first_cell(view, qtbot):
    """An inference decoder's state inputs were rows of token ids ('h_in (ids)'), no arrow
    into the decoder: an arrow comes into its first cell from the left, 'initial state:
    h_in, c_in' over it, and no row stands for them."""
    from test_app_unrolled import _inference_decoder

    from lstmviz.app.stack import InputSpec
    from lstmviz.app.tracing import inputs_for

    model = _inference_decoder()
    xs = inputs_for(model, InputSpec(batch_size=2, timesteps=3, input_dim=2))
    view.set_data(model, model.trace(xs), inputs=xs)
    view.resize(900, 600)
    view.show()
    qtbot.wait(50)
    texts = [t.toPlainText() for t in view.texts]
    assert "initial state: h_in, c_in" in texts and not any("(ids)" in t for t in texts)
    dec = next(r for r in view.rows if r.key == "dec")
    first = dec.offset - (1.0 - view.gap) / 2  # the first cell's left edge
    x, _ = view.h_lines.getData()
    into = [(x[i], x[i + 1]) for i in range(0, len(x), 2) if x[i] < dec.offset - 0.5 and x[i + 1] == first]
    assert into  # (h0 drawn from left of the block into the first cell)


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_a_nan_cell_is_drawn_in_the_themes_colour_for_no_number_with_a_key(qtbot, theme):
    """A NaN cell (a model whose weights hold NaN) was drawn clear, an empty box: it is in
    the theme's NaN colour, keyed "NaN" under the colour bar while a cell shown is NaN."""
    from PySide6 import QtGui

    from lstmviz.ui import theme as th

    t = th.get(theme)
    v = UnrolledView(theme=t)
    qtbot.addWidget(v)
    model = Model.sequential((None, 6, 3), [LayerSpec("LSTM", {"units": 4, "return_sequences": True})], seed=0)
    model.layers[0].weights[2][5] = np.nan  # bias_f of unit 1: unit 1 NaN from step 0, all from step 1
    x = np.random.default_rng(0).normal(size=(1, 6, 3)).astype(np.float32)
    trace = model.trace(x)
    v.set_data(model, trace, inputs=[x])
    v.set_cursor(Cursor(step=0, layer="lstm", unit=0))
    lstm = row(v, "lstm")
    assert np.isfinite(lstm.values[0]) and np.isnan(lstm.values[1:]).all()
    rgba = lstm.image.image
    nan = tuple(QtGui.QColor(t.nan).getRgb())
    cells = [tuple(p) for p in rgba.reshape(-1, 4) if p[3]]  # (the gaps between cells: clear)
    assert cells.count(nan) >= 5 * (len(cells) // 6) and cells[0] != nan
    assert v.nan_key.isVisible()
    model.layers[0].weights[2][5] = 1.0
    v.set_data(model, model.trace(x), inputs=[x])
    v.set_cursor(Cursor(step=0, layer="lstm", unit=0))
    assert not v.nan_key.isVisible() and nan not in [tuple(p) for p in row(v, "lstm").image.image.reshape(-1, 4)]


def test_at_the_windows_least_size_the_rows_names_leave_the_cells_their_room(qapp):
    """At the window's least size beside the side panel the rows' names ("next_value  [0]")
    took ~150 px and the 40 steps' cells ~65, the steps' axis title cut to "input step".
    The names leave out their unit there (the header names it) where the whole names would
    take more than half of what they and the cells have, and the axis title is "t" where
    the whole one is longer than the axis; at a large size both are whole."""
    with demo_at_least_size("Unrolled") as (w, view):
        axis = view.plot.getAxis("left")
        names = [text for _, text in axis._tickLevels[0]]
        assert names and not any("[" in n for n in names), names
        assert view.vb.width() >= 2 * 40, view.vb.width()  # (2 px a step at least: 1.6 before)
        # the axis title whole where it fits the axis, else "t" (the side panel at its least
        # beside the window's least size leaves the axis ~124 px: the whole one fits there)
        from lstmviz.ui import theme as th

        bottom, room = view.plot.getAxis("bottom"), view.vb.width()
        text, _, color, size = bottom._lstmviz_title
        whole = th.html_width(bottom.label.font(),
                              f"<span style='color: {pg.mkColor(color).name()}; font-size: {size}'>{text} </span>")
        assert bottom.labelText == ("t" if whole > room else "input step  t"), (whole, room)
        assert bottom.label.boundingRect().width() <= room + 1
        w.resize(1600, 1000)
        settle()
        names = [text for _, text in axis._tickLevels[0]]
        assert "lstm  [0]" in names and view.plot.getAxis("bottom").labelText == "input step  t"


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_at_the_windows_least_size_the_header_says_the_step_once_before_the_legend_is_cut(qapp, theme):
    """At the window's least size the header took three lines ("lstm · processing step 5 =
    input step 5 · unit 0 · sample" and a "0" of its own) and the legend was cut to two of
    its five. Where the legend would be cut, the header gives its short form first (the
    step said once where the processing step is the input step; the whole text in its
    tooltip): two lines, the legend a line more, the rows' names apart as before; at a
    large size the whole header."""
    from PySide6 import QtGui

    from lstmviz.ui.labels import shown_text

    with demo_at_least_size("Unrolled", theme) as (w, view):
        w.state.set_cursor(step=5)
        settle()
        head, legend = view.header, view.legend
        line = QtGui.QFontMetrics(head.label.font()).lineSpacing()
        shown = QtGui.QTextDocumentFragment.fromHtml(head.label.text()).toPlainText()
        assert shown.replace("\xa0", " ") == "lstm · step 5 · unit 0 · sample 0", shown
        assert head.height() <= 2 * line + 4, (head.height(), line)
        assert "processing step 5 = input step 5" in QtGui.QTextDocumentFragment.fromHtml(
            head.toolTip()).toPlainText()
        assert head.toolTip() == shown_text(head.text())
        assert legend.height() >= 3 * legend.label.fontMetrics().lineSpacing(), legend.height()
        rects = sorted((r for r, _, _ in axis_specs(view.plot.getAxis("left"),
                                                     type(view.plot.getAxis("left")).generateDrawSpecs)[2]),
                       key=lambda r: r.top())
        assert len(rects) == 3 and all(a.bottom() <= b.top() for a, b in zip(rects, rects[1:]))
        w.resize(1600, 1000)
        settle()
        assert "processing step 5 = input step 5" in QtGui.QTextDocumentFragment.fromHtml(
            head.label.text()).toPlainText()


def test_arrow_heads_give_way_where_the_steps_are_narrow(view, qtbot):
    """40 steps in a 1024 x 768 projector window's 290 px put an 11 px arrow head every
    7 px: a black band over each row that hid its cells. A head is at most HEAD_SHARE of a
    step on screen and none under HEAD_LEAST px (the lines stay); where the steps are wide,
    every head is drawn at its own size, as before."""
    from lstmviz.ui.views.unrolled import HEAD_LEAST, HEAD_SHARE

    model, trace, x = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                             LayerSpec("Dense", {"units": 1})], T=40)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=3, layer="lstm"))
    view.show()
    qtbot.waitExposed(view)
    heads = view.heads
    for width in (1400, 420, 700):
        view.resize(width, 700)
        qtbot.wait(20)
        (x0, x1), _ = view.vb.viewRange()
        per = view.vb.width() / (x1 - x0)  # pixels a step
        sizes = {float(s) for s in heads.data["size"]}
        want = min(11.0, HEAD_SHARE * per)
        if want >= HEAD_LEAST:
            assert heads.isVisible() and sizes == {want}, (width, per, sizes)
        else:
            assert not heads.isVisible(), (width, per)
        assert view.h_lines.isVisible() and len(view.h_lines.xData) == 2 * 39


def test_a_stateful_rows_note_stands_clear_of_the_selected_rows_box(view, qtbot):
    """Lesson 5 ('stateful', steps 2 and 5): the note 'zero state (first batch)' stood on
    the row's top edge, and the selected row's dashed box, 0.1 above it, ran through its
    words; at step 0 the cursor's column box crossed them too. The note now stands above
    the dashed box, drawn over the cursor's boxes on a ground of its own."""
    from PySide6 import QtCore

    model = Model.sequential((2, 12, 1), [LayerSpec("LSTM", {"units": 4, "stateful": True,
                                                               "return_sequences": True})])
    x = np.random.default_rng(0).normal(size=(2, 12, 1)).astype(np.float32)
    view.resize(1000, 500)
    view.show()
    view.set_data(model, model.trace(x), inputs=[x])
    view.set_cursor(Cursor(step=0, layer="lstm", unit=0))
    settle()
    note = next(t for t in view.texts if t.toPlainText() == "zero state (first batch)")
    text = note.mapRectToScene(note.textItem.mapRectToParent(note.textItem.boundingRect()))
    vb = view.vb
    box = view.row_box.rect()
    edge = vb.mapViewToScene(QtCore.QPointF(box.left(), box.bottom())).y()  # (its top edge: y up)
    assert text.bottom() <= edge, (text, edge)
    column = vb.mapRectToScene(view.column_box.rect())
    if text.intersects(column):  # (over the cursor's column, hiding it where they meet)
        assert note.zValue() > view.column_box.zValue() or note.parentItem().zValue() > view.column_box.zValue()
        assert note.fill is not None and note.fill.style() != QtCore.Qt.BrushStyle.NoBrush


def _given_bidirectional(T=12, units=3):
    """A Bidirectional GRU whose halves start from states given as inputs of their own."""
    from lstmviz.engine import ModelSpec, TensorRef

    bi = {"layer": {"class_name": "GRU", "config": {"units": units, "return_sequences": True}}}
    layers = [LayerSpec("InputLayer", {"batch_shape": [None, T, 2]}, "x"),
              LayerSpec("InputLayer", {"batch_shape": [None, units]}, "h_fwd"),
              LayerSpec("InputLayer", {"batch_shape": [None, units]}, "h_bwd"),
              LayerSpec("Bidirectional", bi, "bi", inbound=[TensorRef("x")],
                        initial_state=[TensorRef("h_fwd"), TensorRef("h_bwd")]),
              LayerSpec("Dense", {"units": 2}, "out", inbound=[TensorRef("bi")])]
    return Model.from_spec(ModelSpec(layers, [TensorRef(n) for n in ("x", "h_fwd", "h_bwd")],
                                     [TensorRef("out")], keras_version="3"))


@pytest.mark.parametrize("case", ["bidirectional", "go_backwards", "one step", "one step backwards"])
def test_a_state_coming_in_is_drawn_into_the_first_processed_cell(view, qtbot, case):
    """Only a forward row of two steps or more had the arrow of a state coming in and its
    note: a backward row (go_backwards, a Bidirectional's backward half given states of
    its own: its first cell is at the right end) and a row of one step (an inference
    decoder stepping one token at a time) had neither. Each has its arrow into its first
    processed cell, from the right for a backward row, its tail in the view, and its note,
    standing clear of every other text."""
    from test_app_unrolled import _inference_decoder

    from lstmviz.app.stack import InputSpec
    from lstmviz.app.tracing import inputs_for

    if case == "bidirectional":
        model = _given_bidirectional()
        xs = inputs_for(model, InputSpec(batch_size=2, timesteps=12, input_dim=2))
        want = {"bi/forward": "initial state: h_fwd", "bi/backward": "initial state: h_bwd"}
    elif case == "one step":
        model = _inference_decoder(steps=1)
        xs = inputs_for(model, InputSpec(batch_size=2, timesteps=1, input_dim=2))
        want = {"dec": "initial state: h_in, c_in"}
    else:
        T = 1 if case == "one step backwards" else 12
        model = Model.sequential((1, T, 2), [LayerSpec("LSTM", {"units": 3, "stateful": True, "go_backwards": True,
                                                                "return_sequences": True}),
                                             LayerSpec("Dense", {"units": 1})], seed=0)
        xs = [np.random.default_rng(0).normal(size=(1, T, 2)).astype(np.float32)]
        want = {"lstm": "zero state (first batch)"}
    view.set_data(model, model.trace(xs), inputs=xs)
    view.show()
    half = (1.0 - view.gap) / 2
    x, _ = view.h_lines.getData()
    pairs = [(x[i], x[i + 1]) for i in range(0, len(x), 2)]
    for size in ((1400, 900), (700, 500)):
        view.resize(*size)
        qtbot.wait(50)
        view.grab()  # laid out and painted: the texts' places on screen are current
        (x0_view, x1_view), _ = view.vb.viewRange()
        for key, note in want.items():
            row = next(r for r in view.rows if r.key == key)
            first = row.offset + row.ref.input_index(0)
            edge = first + half if row.backwards else first - half
            into = [(a, b) for a, b in pairs if b == pytest.approx(edge)
                    and (a > row.offset + row.T - 0.5 if row.backwards else a < row.offset - 0.5)]
            assert len(into) == 1, (key, pairs)
            assert x0_view < into[0][0] < x1_view, (key, into, (x0_view, x1_view))
            item = next(t for t in view.texts if t.toPlainText() == note)
            assert item.isVisible()
            box = item.sceneBoundingRect()
            others = [t for t in view.texts if t is not item and t.isVisible() and t.toPlainText()]
            assert not [t.toPlainText() for t in others if box.intersects(t.sceneBoundingRect())], (key, size)
            tail = view.vb.mapViewToScene(pg.QtCore.QPointF(into[0][0], row.y)).x()
            # from the arrow's tail over the row: a backward row's ends there
            assert (box.right() if row.backwards else box.left()) == pytest.approx(tail, abs=1.5), key


def _segments(view):
    """The h and c lines' segments, ((x0, y0), (x1, y1)) each, with which state."""
    out = []
    for key, item in (("h", view.h_lines), ("c", view.c_lines)):
        x, y = item.getData()
        out += [(key, (x[i], y[i]), (x[i + 1], y[i + 1])) for i in range(0, len(x), 2)]
    return out


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("encoder_bidirectional", [False, True])
def test_states_handed_to_a_bidirectional_go_into_the_row_that_reads_them(view, qtbot, kind, encoder_bidirectional):
    """An encoder's states given to a Bidirectional decoder (``initial_state=[h, c, h, c]``,
    or a Bidirectional encoder's ``[h_f, c_f, h_b, c_b]``): every state was drawn as an
    elbow into the decoder's forward row, so its backward row looked as if it started
    from zeros, and those of a Bidirectional encoder came from its backward row's left
    end, up through the encoder's cells. Each state now goes into the row that reads it,
    at the cell where that row starts (the backward row's right end, from the right,
    'initial state: encoder' over it), from the row whose final state it is, and no state
    line runs through a row's cells."""
    from test_app_unrolled import encoder_into_bidirectional

    model = encoder_into_bidirectional(kind, encoder_bidirectional)
    _drawn(view, qtbot, model, (1600, 1000))
    half = (1.0 - view.gap) / 2
    lstm = kind == "LSTM"
    segments = _segments(view)
    fwd, bwd = row(view, "decoder/forward"), row(view, "decoder/backward")
    for target in (fwd, bwd):
        entry = target.offset + target.ref.input_index(0) + (half if target.backwards else -half)
        y_h = target.y - (0.18 if lstm else 0.0)
        into = [s for s in segments if s[0] == "h" and s[2] == (pytest.approx(entry), pytest.approx(y_h))
                and abs(s[1][0] - s[2][0]) > 1e-9 and s[1][1] == pytest.approx(y_h)]
        assert into, (target.key, segments)  # (a horizontal segment ending at its first cell)
        # coming from outside the row: its left for the forward row, its right for the backward
        assert all((a[0] > entry) == target.backwards for _, a, _ in into), (target.key, into)
    assert bwd.ref.input_index(0) == bwd.T - 1  # (the backward row starts at the last step)
    assert not _through_cells(view, segments)
    # the encoder's forward final states reach the forward row by an elbow; the backward
    # row (and a Bidirectional encoder's backward half's states) by an arrow of its own
    notes = [t.toPlainText() for t in view.texts if t.toPlainText() and t.isVisible()]
    source = "encoder ◀ bwd" if encoder_bidirectional else "encoder"
    assert any(t.endswith(f"initial state: {source}") for t in notes), notes
    assert "initial state" in notes
    _no_state_line_through_cells(view, segments)


def test_a_level_of_bidirectional_halves_is_named_by_its_side_where_the_names_do_not_fit(view, qtbot):
    """A Bidirectional encoder beside a Bidirectional decoder: each level's name joined its
    rows' ("encoder ◀ bwd · decoder ◀ bwd"), which at the lecture's 1024 x 768 took 300 px of
    the view's 530 and left the cells 220. Where the names take more than a third of the
    room, a level of halves says its side ("◀ bwd"; each block keeps its name over it), a
    short level its whole names; wide enough, every name whole again."""
    from test_app_unrolled import encoder_into_bidirectional

    model = encoder_into_bidirectional("LSTM", True)
    xs = _random_inputs(model)
    view.set_data(model, model.trace(xs), inputs=xs)
    view.show()
    fwd, bwd = row(view, "decoder/forward"), row(view, "decoder/backward")
    inputs = min(r.y for r in view.rows)

    def names(width):
        return _row_names_at(view, qtbot, width, 420)

    narrow = names(560)
    assert narrow[bwd.y] == "◀ bwd" and narrow[fwd.y] == "▶ fwd"
    assert narrow[inputs] == "enc_in · dec_in"
    # each block keeps its name over it (cut to what its width holds; the forward row's,
    # under the backward row's cells, where the pair stands far enough apart)
    blocks = [t.toPlainText() for t in view.texts if t.isVisible()]
    for name in ("encoder ◀ bwd", "decoder ◀ bwd"):
        assert any(len(t) > 3 and name.startswith(t.rstrip("…")) for t in blocks), (name, blocks)
    wide = names(1900)
    assert wide[bwd.y] == "encoder ◀ bwd  [0] · decoder ◀ bwd  [0]"
    assert wide[fwd.y] == "encoder ▶ fwd  [0] · decoder ▶ fwd  [0]"


def _row_names_at(view, qtbot, width, height):
    """The Unrolled view's row names (left axis ticks by y) once it is ``width`` x ``height``."""
    from PySide6 import QtWidgets

    view.resize(width, height)
    qtbot.waitUntil(lambda: abs(view.width() - width) <= 1)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    return {y: text for y, text in view.plot.getAxis("left")._tickLevels[0]}


def test_a_level_cut_to_its_first_name_says_more_rows_and_explains_them(view, qtbot):
    """A seq2seq's two inputs on one level, at 1024 x 768: the axis read 'encoder_input +1',
    which nothing explained (a student read a shifted row, or one more step). It now reads
    'encoder_input (+1 more)', the legend says what the others are, and the axis' tooltip
    names every row whole; wide enough, the whole names and no such note."""
    model, trace, xs = _load("k3_seq2seq_lstm")
    view.set_data(model, trace, inputs=xs)
    view.set_cursor(Cursor(layer="encoder"))
    view.show()
    axis = view.plot.getAxis("left")
    inputs = row(view, "input").y

    def names(width):
        return _row_names_at(view, qtbot, width, 560)

    narrow = names(560)
    assert narrow[inputs] == "encoder_input (+1 more)", narrow
    legend = view.legend.text()
    assert "“(+1 more)” after a row's name: the other rows on that level, each named over its block" in legend
    lines = [line.strip() for line in axis.toolTip().removesuffix("</p>").split("<br>")]
    names_tipped = [line.split(":")[0] for line in lines[1:]]
    assert names_tipped == ["td", "encoder", "decoder", "encoder_input", "decoder_input"], lines
    wide = names(1900)
    assert wide[inputs] == "encoder_input · decoder_input"
    assert "more)" not in view.legend.text()


def test_long_row_names_take_at_most_a_share_of_the_view_elided_at_their_end(view, qtbot):
    """fdeep_lstm_stateful.h5 at 1280 x 720 in the projector theme: names such as
    "lstm_state_return_0_st-True (+1 more)" took 440 of the view's 830 px, the cells 290. A
    name column is now at most NAME_SHARE of the view: a long name elided at its end (its
    start, which tells layers apart, kept; not cut in the middle), a short one whole, every
    one whole in the axis' tooltip; wide enough, the names are whole."""
    from PySide6 import QtGui

    from lstmviz.ui.views.unrolled import BRIEF_CHARS

    share = 0.35  # (the view's NAME_SHARE)
    names = ["lstm_state_return_0_st-True_input", "lstm_sequences_0_st-True_encoder",
             "lstm_regular_0_st-False_decoder_part"]
    model = Model.sequential((None, 6, 3), [LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name=n)
                                            for n in names], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 6, 3)).astype(np.float32)
    view.set_data(model, model.trace(x), inputs=[x])
    view.set_cursor(Cursor(layer=names[0]))
    view.show()
    axis = view.plot.getAxis("left")
    shown = _row_names_at(view, qtbot, 830, 560)
    long = [t for t in shown.values() if t.startswith("lstm_")]
    assert len(long) == 3 and all(t.endswith("\u2026") for t in long), shown
    for t in long:  # (the start of its layer's name)
        assert any(n.startswith(t.removesuffix("\u2026")) for n in names) and len(t) > 12, t
    assert "input x" in shown.values()  # (short: whole)
    metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font())
    widest = max(metrics.horizontalAdvance(t) for t in shown.values())
    assert widest <= share * (view.vb.width() + axis.width()), (widest, view.vb.width(), axis.width())
    assert axis.width() < 0.4 * (view.vb.width() + axis.width())
    tip = axis.toolTip()
    assert all(n in tip for n in names), tip
    wide = _row_names_at(view, qtbot, 1900, 560)
    assert {t.split("  [")[0] for t in wide.values()} >= set(names), wide
    assert max(len(n) for n in names) > BRIEF_CHARS


@pytest.mark.parametrize("theme", ["dark", "projector"])
@pytest.mark.parametrize("case", ["given", "encoder"])
def test_a_forward_rows_texts_stay_clear_of_its_backward_rows_cells(qtbot, theme, case):
    """A Bidirectional's two rows stand close together: the forward row's note ('initial
    state: h_fwd', on a ground of its own) and a block's name on its top edge ran into the
    bottom of the backward row's cells above (1024 x 768 in the projector theme). The pair
    stands further apart where the forward row has words on its edge, and what does not
    fit even so is written with less margin, or hidden: none covers those cells."""
    from test_app_unrolled import encoder_into_bidirectional

    from lstmviz.app.stack import InputSpec
    from lstmviz.app.tracing import inputs_for
    from lstmviz.app.unrolled import BIDI_TEXT_GAP

    v = UnrolledView(theme=theme)
    qtbot.addWidget(v)
    if case == "given":
        model = _given_bidirectional()
        xs = inputs_for(model, InputSpec(batch_size=2, timesteps=12, input_dim=2))
        layer = "bi"
    else:
        model = encoder_into_bidirectional("LSTM", encoder_bidirectional=True)
        xs = _random_inputs(model)
        layer = "decoder"
    v.set_data(model, model.trace(xs), inputs=xs)
    v.set_cursor(Cursor(layer=layer))
    v.show()
    fwd, bwd = row(v, f"{layer}/forward"), row(v, f"{layer}/backward")
    assert bwd.y - fwd.y == pytest.approx(1.0 + BIDI_TEXT_GAP)
    tops = [r for r in v.rows if r.y == bwd.y]  # (the backward rows of that level)
    for size in ((1024, 768), (1600, 1000), (700, 500)):
        v.resize(*size)
        qtbot.wait(50)
        v.grab()  # laid out and painted: the texts' places on screen are current
        on_edge = [item for item, _, _, y in v.static.edge_texts if y == pytest.approx(fwd.y + 0.5)]
        assert on_edge
        shown = [item for item in on_edge if item.isVisible()]
        if size != (700, 500):
            assert len(shown) == len(on_edge), (size, [t.toPlainText() for t in on_edge])
        for item in shown:
            box = item.sceneBoundingRect()
            if item.fill.style() == pg.QtCore.Qt.BrushStyle.NoBrush:  # (no ground: its letters)
                margin = item.textItem.document().documentMargin()
                box = box.adjusted(0, margin, 0, -margin)
            for r in tops:
                cells = v.vb.mapViewToScene(pg.QtCore.QRectF(r.offset - 0.5, r.y - 0.5, r.T, 1.0)).boundingRect()
                assert not box.intersects(cells), (size, item.toPlainText(), box, cells)


def _reaches(segments, key: str, start, end) -> bool:
    """Whether the ``key`` state's line runs from point ``start`` to point ``end`` (joined
    segments, ``_segments``)."""
    def near(a, b):
        return abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6
    lines = [(a, b) for k, a, b in segments if k == key]
    seen, todo = [], [start]
    while todo:
        p = todo.pop()
        if near(p, end):
            return True
        if any(near(p, q) for q in seen):
            continue
        seen.append(p)
        todo += [b for a, b in lines if near(a, p)]
    return False


def _no_state_line_through_cells(view, segments) -> None:
    """No state line runs through a row's cells."""
    for key, (x0, y0), (x1, y1) in segments:
        for r in view.rows:
            if r.kind != "rnn" and r.kind != "input":
                continue
            half = (1.0 - view.gap) / 2
            inside_x = (r.offset - 0.5 + 1e-6 < min(x0, x1) and max(x0, x1) < r.offset + r.T - 0.5 - 1e-6
                        if x0 != x1 else r.offset - half < x0 < r.offset + r.T - 1 + half)
            crosses_y = min(y0, y1) < r.y + 0.5 and max(y0, y1) > r.y - 0.5 and y0 != y1
            assert not (inside_x and crosses_y), (key, (x0, y0), (x1, y1), r.key)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_states_joined_by_a_concatenate_are_drawn_from_both_halves_into_the_decoder(view, qtbot, kind):
    """A Bidirectional encoder's final states concatenated (``state_h = Concatenate()([fh,
    bh])``) as a decoder's initial states had no arrow into the decoder at all. Each state
    now runs from both encoder rows' last processed cells into the decoder's first cell:
    the forward row's by its elbow, the backward row's out of its left end, over its
    cells and down beside the decoder; no line runs through a row's cells, and
    'initial state' is said once."""
    from test_app_unrolled import concatenated_into_decoder

    model = concatenated_into_decoder(kind)
    _drawn(view, qtbot, model, (1400, 900))
    half = (1.0 - view.gap) / 2
    segments = _segments(view)
    dec = row(view, "decoder")
    lstm = kind == "LSTM"
    for key in ("h", "c") if lstm else ("h",):
        dy = 0.18 if key == "c" else (-0.18 if lstm else 0.0)
        entry = (dec.offset - half, dec.y + dy)
        for side in ("forward", "backward"):
            src = row(view, f"encoder/{side}")
            last = src.offset + src.ref.input_index(src.T - 1)
            start = (last - half if src.backwards else last + half, src.y + dy)
            assert _reaches(segments, key, start, entry), (key, side, segments)
    _no_state_line_through_cells(view, segments)
    assert not _through_cells(view, segments)
    texts = [t.toPlainText() for t in view.texts if t.toPlainText()]
    assert texts.count("initial state") == 1 and not any("initial state:" in t for t in texts), texts


def test_a_backward_decoders_note_is_read_at_a_lectures_size(make_window, qtbot):
    """A Bidirectional encoder into a Bidirectional decoder in the 1024 x 768 window beside
    the side panel: the backward decoder's note ('initial state: encoder ◀ bwd'), joined
    to its block's name, was cut to 'decod…' (or, the steps narrower, hidden with it)
    where a lecturer needs to see where that half's state comes from. It stands at its
    arrow's tail in the longest form that fits there ('state: encoder ◀ bwd', 'state:
    encoder', 'from encoder'), clear of every other text and of the cells, the block's
    name cut to make room (to three letters at least: a block keeps its name)."""
    from test_app_unrolled import encoder_into_bidirectional

    from lstmviz.app.state import AppState

    state = AppState(build=False)
    state.set_model(encoder_into_bidirectional("LSTM", encoder_bidirectional=True))
    w = make_window(size=(1024, 768), state=state)
    view = w.views[0]
    qtbot.waitUntil(lambda: bool(view.rows) and view.vb.width() > 100)
    settle()
    view.grab()
    bwd = row(view, "decoder/backward")
    note = next(t for t in view.texts if t.toPlainText().startswith(("initial state: enc", "state: enc", "from enc")))
    assert note.isVisible(), note.toPlainText()
    box = note.sceneBoundingRect()
    tail = next(x for item, x, _, _ in view.static.edge_texts if item is note)
    assert box.right() == pytest.approx(view.vb.mapViewToScene(pg.QtCore.QPointF(tail, bwd.y)).x(), abs=1.5)
    assert tail > bwd.offset + bwd.T - 0.5  # (right of the row: where its arrow comes in)
    others = [t for t in view.texts if t is not note and t.isVisible() and t.toPlainText()]
    assert not [t.toPlainText() for t in others if box.intersects(t.sceneBoundingRect())]
    for r in view.rows:
        cells = view.vb.mapViewToScene(pg.QtCore.QRectF(r.offset - 0.5, r.y - 0.5, r.T, 1.0)).boundingRect()
        assert not box.intersects(cells), r.key
    name = next(item for item, label, *_ in view.block_names if label == "decoder ◀ bwd")
    assert name.isVisible() and len(name.toPlainText()) >= 4, name.toPlainText()


def _through_cells(view, segments) -> list:
    """The state lines' segments that cross a cell (any row's, any column's) inside it."""
    half, eps = (1.0 - view.gap) / 2, 1e-6
    out = []
    for key, (x0, y0), (x1, y1) in segments:
        for r in view.rows:
            lefts = [r.offset - 0.5 + view.gap / 2] if r.kind == "last" else [r.offset + c - half for c in range(r.T)]
            width = r.T - view.gap if r.kind == "last" else 2 * half
            for left in lefts:
                if (min(x0, x1) < left + width - eps and max(x0, x1) > left + eps
                        and min(y0, y1) < r.y + 0.5 - eps and max(y0, y1) > r.y - 0.5 + eps):
                    out.append((key, (x0, y0), (x1, y1), r.key))
    return out


def test_a_state_handed_past_another_block_goes_over_its_cells(view, qtbot):
    """Three inputs, the encoder's on the first time axis, the decoder's on the third, a
    GRU on the second between them: the elbow of the encoder's final states ran straight
    through the GRU's cells, 'initial state' over its block. It goes over them now (up in
    the gap after the encoder, along their top edge, down in the gap before the decoder),
    c outside h so that they do not cross, the note beside the decoder."""
    from lstmviz.engine import ModelSpec, TensorRef

    layers = [LayerSpec("InputLayer", {"batch_shape": [None, 6, 2]}, "enc_in"),
              LayerSpec("InputLayer", {"batch_shape": [None, 4, 2]}, "mid_in"),
              LayerSpec("InputLayer", {"batch_shape": [None, 5, 2]}, "dec_in"),
              LayerSpec("LSTM", {"units": 3, "return_state": True}, "encoder", inbound=[TensorRef("enc_in")]),
              LayerSpec("GRU", {"units": 3, "return_sequences": True}, "mid", inbound=[TensorRef("mid_in")]),
              LayerSpec("LSTM", {"units": 3, "return_sequences": True}, "decoder", inbound=[TensorRef("dec_in")],
                        initial_state=[TensorRef("encoder", 1), TensorRef("encoder", 2)])]
    model = Model.from_spec(ModelSpec(layers, [TensorRef(n) for n in ("enc_in", "mid_in", "dec_in")],
                                      [TensorRef("decoder"), TensorRef("mid")], keras_version="3"))
    _drawn(view, qtbot, model, (1400, 700))
    enc, mid, dec = row(view, "encoder"), row(view, "mid"), row(view, "decoder")
    assert enc.y == mid.y == dec.y and enc.offset < mid.offset < dec.offset  # (the case)
    half = (1.0 - view.gap) / 2
    segments = _segments(view)
    for key, dy in (("h", -0.18), ("c", 0.18)):
        start, entry = (enc.offset + enc.T - 1 + half, enc.y + dy), (dec.offset - half, dec.y + dy)
        assert _reaches(segments, key, start, entry), (key, segments)
    assert not _through_cells(view, segments)
    # c outside h: no h segment crosses a c segment
    hs = [(a, b) for k, a, b in segments if k == "h"]
    cs = [(a, b) for k, a, b in segments if k == "c"]

    def crosses(s, t):
        (a, b), (c, d) = s, t
        if (a[0] == b[0]) == (c[0] == d[0]):
            return False  # (parallel)
        v, w = (s, t) if a[0] == b[0] else (t, s)  # (vertical, horizontal)
        x, (y_lo, y_hi) = v[0][0], sorted((v[0][1], v[1][1]))
        y, (x_lo, x_hi) = w[0][1], sorted((w[0][0], w[1][0]))
        return x_lo + 1e-6 < x < x_hi - 1e-6 and y_lo + 1e-6 < y < y_hi - 1e-6
    assert not [(h, c) for h in hs for c in cs if crosses(h, c)]
    note = next(t for t in view.texts if t.toPlainText() == "initial state")
    x = next(x for item, x, _, _ in view.static.edge_texts if item is note)
    assert mid.offset + mid.T - 1 < x < dec.offset  # (in the gap before the decoder)


@pytest.mark.parametrize("size", [(800, 600), (1024, 768)])
def test_the_step_axis_title_is_whole_and_centred_under_its_axis_on_a_small_projector(qapp, monkeypatch, tmp_path,
                                                                                       size):
    """``lstmviz --screenshot --view unrolled --size 800x600 --theme projector``: "input
    step  t" was cut at the right edge of the view, under the colour bar ("input ste"): the
    whole title, taken over its short form "t" once the plot had its width, stayed where
    pyqtgraph had centred "t". It is centred under its axis, clear of the colour bar,
    inside the view."""
    from lstmviz.ui import app as app_mod
    from lstmviz.ui import theme as th

    seen = {}
    real = app_mod.dispose

    def dispose(window):  # (what the screenshot showed, before the window goes)
        view = window.views[0]
        axis = view.plot.getAxis("bottom")
        label = axis.label
        seen.update(shown=" ".join(label.toPlainText().split()), x=label.pos().x(),
                    centred=(axis.size().width() - label.boundingRect().width()) / 2,
                    box=label.sceneBoundingRect(), bar=view.colorbar.sceneBoundingRect(),
                    page=view.glw.mapToScene(view.glw.viewport().rect()).boundingRect())
        real(window)
    monkeypatch.setattr(app_mod, "dispose", dispose)
    try:
        assert app_mod.run_app(None, screenshot=str(tmp_path / "u.png"), view="unrolled", size=size,
                               theme="projector") == 0
    finally:
        th.apply("dark", qapp)
    assert seen["shown"] in ("input step t", "t")
    assert abs(seen["x"] - seen["centred"]) <= 1.0, seen
    assert seen["box"].right() <= seen["bar"].left() + 0.5 and seen["page"].contains(seen["box"]), seen
    if size == (800, 600):
        assert seen["shown"] == "input step t"  # (the axis has its room: the whole title)


@pytest.mark.parametrize("tab,theme", [("Unrolled", "dark"), ("Cell", "projector")])
def test_the_header_keeps_its_height_as_the_steps_reach_100(projector_demo, tab, theme):
    """The demo on 120 steps at 1024 x 768: the Unrolled view's header (dark) took a second
    line at step 100 ("processing step 100 = input step 100"), the Cell view's (presenting)
    a third, and the plots below moved when playing reached it (the header then kept the
    taller height, but stepping 99 -> 100 the first time moved everything). The header has
    the height of the last step's text from the first step."""
    from PySide6 import QtWidgets

    w, view = projector_demo(tab, 0, size=(1024, 768), theme=theme)
    w.state.set_input_spec(timesteps=120)
    settle()
    seen = set()
    for step in (5, 99, 100, 119, 99, 5):
        w.state.set_cursor(step=step)
        QtWidgets.QApplication.processEvents()
        assert f"{step}</b>" in view.header.text()
        seen.add(view.header.geometry().getRect())
    assert len(seen) == 1, seen
    w.state.set_cursor(step=100)
    settle()
    label = view.header.label
    assert label.heightForWidth(view.header.width()) <= view.header.height()  # (its text whole)


@pytest.mark.parametrize("backwards", [False, True])
def test_a_head_of_two_dense_layers_after_a_last_step_draws_the_arrow_between_them(view, backwards):
    """A PyTorch GRU with two Linear heads (``torch_gru_nobias_2heads``: rnn -> fc1 -> fc2),
    as Keras' LSTM(return_sequences=False) -> Dense -> Dense: fc1's box had no arrow up
    to fc2 (a row of one box fed no column), so fc2 looked fed by nothing. Each box now
    hands its output up where the one below got it: the recurrent row's last processed
    step (a go_backwards layer's input step 0)."""
    model = Model.sequential((None, 6, 2), [
        LayerSpec("LSTM", {"units": 3, "go_backwards": backwards}, name="rnn"),
        LayerSpec("Dense", {"units": 3}, name="fc1"),
        LayerSpec("Dense", {"units": 2}, name="fc2")])
    xs = _random_inputs(model)
    view.set_data(model, model.trace(xs), inputs=xs)
    rnn, fc1, fc2 = row(view, "rnn"), row(view, "fc1"), row(view, "fc2")
    assert fc1.kind == fc2.kind == "last" and fc2.sources == ["fc1"] and fc1.sources == ["rnn"]
    col = 0 if backwards else 5
    assert rnn.final_cols == [col] and fc1.final_cols == [col]
    x, y = view.up_lines.getData()
    segments = {(x[k], y[k], x[k + 1], y[k + 1]) for k in range(0, len(x), 2)}
    half = ROW_H / 2
    assert (col, rnn.y + half, col, fc1.y - half) in segments  # (rnn -> fc1, as before)
    assert (col, fc1.y + half, col, fc2.y - half) in segments  # fc1 -> fc2


def _links_into(view, into_y):
    """The drawn connections ending on the lower edge of the row at ``into_y``: (x0, x1) pairs."""
    x, y = view.up_lines.getData()
    return {(float(x[k]), float(x[k + 1])) for k in range(0, len(x), 2) if abs(y[k + 1] - (into_y - ROW_H / 2)) < 1e-9}


def _conv_lstm(view, steps=None):
    import lstmviz

    model = lstmviz.load(FIX / "k3_conv_lstm" / "model.keras", isolate=False)
    x = np.load(FIX / "k3_conv_lstm" / "x.npy")
    if steps is not None:
        x = np.random.default_rng(0).normal(size=(2, steps, 3)).astype(np.float32)
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    return model, trace


def test_a_conv_and_a_pool_are_drawn_from_exactly_the_steps_they_read(view, qtbot):
    model, trace = _conv_lstm(view)
    inp, conv, pool, lstm = (row(view, k) for k in ("input", "conv", "pool", "lstm"))
    # every connection the app computed is drawn, and nothing else, into each row
    assert _links_into(view, conv.y) == {(inp.offset + i, conv.offset + t) for i, t in conv.links}
    assert _links_into(view, pool.y) == {(conv.offset + i, pool.offset + t) for i, t in pool.links}
    assert len(conv.links) == 27 and len(pool.links) == 10  # (no fan from the conv's last step)
    assert _links_into(view, lstm.y) == {(pool.offset + t, pool.offset + t) for t in range(5)}
    # the selected step's own connections in the cursor's colour, and the header says them
    view.set_cursor(Cursor(step=3, layer="pool", unit=2))
    x, y = view.read_lines.getData()
    assert {(float(x[k]), float(x[k + 1])) for k in range(0, len(x), 2)} == {
        (conv.offset + 6, pool.offset + 3), (conv.offset + 7, pool.offset + 3)}
    text = view.header.text()
    assert "channel <b>2</b>" in text and "reads steps <b>6</b>–<b>7</b>" in text
    # the cells show the engine's numbers of the selected channel
    np.testing.assert_array_equal(pool.values, trace["pool"].output[0, :, 2])
    view.set_cursor(Cursor(step=4, layer="conv", unit=1))
    assert "filter <b>1</b>" in view.header.text() and "reads steps <b>2</b>–<b>4</b>" in view.header.text()
    np.testing.assert_array_equal(conv.values, trace["conv"].output[0, :, 1])
    # the causal Conv1D's step 0 reads the input's step 0 alone (its other taps are padding):
    # one step, not "reads steps 0–0"
    view.set_cursor(Cursor(step=0, layer="conv", unit=1))
    assert {i for i, t in conv.links if t == 0} == {0}
    assert "reads step <b>0</b> below" in view.header.text() and "–" not in view.header.text()


def test_a_conv_over_200_steps_draws_every_kth_steps_reads_and_says_so(view, qtbot):
    _conv_lstm(view, steps=200)
    inp, conv, pool = (row(view, k) for k in ("input", "conv", "pool"))
    drawn = _links_into(view, conv.y)
    columns = {round(b - conv.offset) for _, b in drawn}
    assert columns == set(range(0, 200, 10))  # 20 of 200, each with all it reads
    assert drawn == {(inp.offset + i, conv.offset + t) for i, t in conv.links if t % 10 == 0}
    # into another block: the first and last step's only (side by side they made a wedge)
    assert _links_into(view, pool.y) == {(conv.offset + i, pool.offset + t) for i, t in pool.links if t in (0, 99)}
    legend = view.legend.text()
    assert "every 10th step's drawn" in legend and "its first and last step's drawn" in legend
    view.set_cursor(Cursor(step=57, layer="pool"))
    x, _ = view.read_lines.getData()
    assert sorted(x.tolist()) == [conv.offset + 114, conv.offset + 115, pool.offset + 57, pool.offset + 57]


def test_sub_sequences_are_drawn_a_stripe_per_sub_step_of_the_engines_numbers(view, qtbot):
    import lstmviz

    model = lstmviz.load(FIX / "k3_td_conv" / "model.keras", isolate=False)
    x = np.load(FIX / "k3_td_conv" / "x.npy")
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=2, layer="td_conv", unit=1, sample=1))
    td = row(view, "td_conv")
    out = trace["td_conv"].output  # (batch, 4 steps, 5 sub-steps, 3 filters)
    np.testing.assert_array_equal(td.values, out[1, :, ::-1, 1].T)  # (a row a sub-step, the first on top)
    assert td.image.image.shape[0] == 5
    assert "filter <b>1</b>" in view.header.text() and "sub-step" in view.header.text()
    assert "a stripe per sub-step (5)" in view.legend.text()


def test_an_onnx_conv_and_pool_are_drawn_on_their_steps_from_the_steps_they_read(view, qtbot):
    # torch's Conv1d -> ReLU -> BatchNorm1d -> MaxPool1d(2) -> LSTM as ONNX: (N, C, L) tensors
    import lstmviz

    case = FIX / "onnx_torch_dynamo_cnn_lstm_max"
    model = lstmviz.load(case / "model.onnx", isolate=False)
    x = np.load(case / "x.npy")
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    inp, conv = row(view, "input"), row(view, "node_conv1d")
    bn = row(view, "node__native_batch_norm_legit_no_training__0")
    pool, lstm = row(view, "node_max_pool1d"), row(view, "rnn.lstm")
    assert _links_into(view, conv.y) == {(inp.offset + i, conv.offset + t) for i, t in conv.links}
    assert _links_into(view, pool.y) == {(bn.offset + i, pool.offset + t) for i, t in pool.links}
    assert pool.links == [(0, 0), (1, 0), (2, 1), (3, 1)]
    # the LSTM's 2 steps stand over the pool's 2 columns, each from the one below it
    assert lstm.T == pool.T == 2 and lstm.offset == pool.offset
    assert _links_into(view, lstm.y) == {(pool.offset + t, pool.offset + t) for t in range(2)}
    view.set_cursor(Cursor(step=1, layer="node_max_pool1d", unit=3))
    x0, y0 = view.read_lines.getData()
    assert {(float(x0[k]), float(x0[k + 1])) for k in range(0, len(x0), 2)} == {
        (bn.offset + 2, pool.offset + 1), (bn.offset + 3, pool.offset + 1)}
    assert "channel <b>3</b>" in view.header.text() and "reads steps <b>2</b>–<b>3</b>" in view.header.text()
    np.testing.assert_array_equal(pool.values, trace["node_max_pool1d"].output[0, 3, :])
    view.set_cursor(Cursor(step=4, layer="node_conv1d", unit=2))
    assert "filter <b>2</b>" in view.header.text() and "reads steps <b>3</b>–<b>4</b>" in view.header.text()
    np.testing.assert_array_equal(conv.values, trace["node_conv1d"].output[0, 2, :])


def _pooled(conv_activation: str = "relu"):
    """A Conv1D (causal, of ``conv_activation``), a MaxPooling1D(2), an LSTM and a softmax
    TimeDistributed head over 12 steps: (model, trace, x)."""
    return build([LayerSpec("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal",
                                       "activation": conv_activation}, name="conv"),
                  LayerSpec("MaxPooling1D", {"pool_size": 2}, name="pool"),
                  LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="lstm"),
                  LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {
                      "units": 3, "activation": "softmax"}}}, name="head")], T=12, d=2, seed=4)


@pytest.mark.parametrize("conv_activation", ["relu", "linear"])
def test_an_output_never_below_zero_is_coloured_from_zero_as_over_time_colours_it(view, conv_activation):
    """A relu Conv1D's, the MaxPooling1D after it and a softmax head's rows were coloured on
    a scale symmetric around 0 (half the diverging map unused), while Over time and Units
    at scale colour such an output from 0 on the gates' sequential map. Each row the app
    says is >= 0 (``output_ref.nonnegative``) has its own levels from 0 (``from_zero_levels``
    of its output), its cells those colours, and the colour bar shows that map and those
    levels while it is selected; a linear Conv1D and the LSTM's h stay symmetric on the
    diverging map."""
    from lstmviz.app.output_ref import nonnegative
    from lstmviz.app.scale import from_zero_levels, symmetric_levels
    from lstmviz.ui import theme as th

    model, trace, x = _pooled(conv_activation)
    says = nonnegative(model)
    assert says["head"] and says["conv"] == says["pool"] == (conv_activation == "relu") and not says["lstm"]
    view.set_data(model, trace, inputs=[x])
    lut = {zero: cmap.getLookupTable(nPts=64) for zero, cmap in ((True, th.gate_cmap(view.theme)),
                                                               (False, th.diverging_cmap(view.theme)))}
    h = trace["lstm"].steps["h"]
    for name in ("conv", "pool", "head", "lstm"):
        view.set_cursor(Cursor(step=1, sample=1, layer=name, unit=2))
        r = row(view, name)
        out = h if name == "lstm" else trace[name].output
        levels = (from_zero_levels if says[name] else symmetric_levels)(out)
        assert r.from_zero == says[name] and r.levels == pytest.approx(levels, rel=0, abs=0), name
        # its cells: each step's number in that map's colour at those levels
        vals = out[1, :, 2]
        want = view._map(th.gate_cmap(view.theme) if says[name] else th_cmap(view), vals[None, :], levels)[0]
        np.testing.assert_array_equal(r.image.image[0, view.sub // 2::view.sub], want, err_msg=name)
        # the colour bar: the selected row's map and levels where it is >= 0, else the shared one's
        bar = levels if says[name] else symmetric_levels(h)
        assert tuple(view.colorbar.levels()) == pytest.approx(bar, rel=0, abs=0), name
        np.testing.assert_array_equal(view.colorbar.colorMap().getLookupTable(nPts=64), lut[says[name]])
    assert row(view, "lstm").levels == pytest.approx(symmetric_levels(h), rel=0, abs=0)
    text = view.legend.text()
    for name in ("conv", "pool", "head"):
        m = float(trace[name].output.max())
        said = f"{name}</b>: its own scale, 0 to {m:.2g} in the gates' colours"
        assert (said in text) == says[name], text
        # (the names' tooltip the same, with the row's least and largest number)
        tip = view.plot.getAxis("left").toolTip()
        assert (f"{name}: its own scale, 0 to {m:.2g} in the gates' colours (values" in tip) == says[name]


def test_each_block_of_columns_says_whose_steps_it_counts(view, qtbot):
    """After a MaxPooling1D(2) the Unrolled view's second block of columns holds the
    pooling's steps (each two input steps), and its axis said "input step t" as the first
    block's. Each block says its own under it: "input step t" under the input's, "step t of
    pool" under the pooling's, each title within its block's columns; a model of one time
    axis keeps the axis's own title."""
    model, trace, x = _pooled()
    view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=1, sample=0, layer="lstm", unit=0))
    view.resize(1100, 600)
    view.show()
    qtbot.wait(50)
    view.grab()
    assert view.domains == [12, 6]
    axis = view.plot.getAxis("bottom")
    shown = [i for i in view.title_items if i.isVisible()]
    assert [i.toPlainText() for i in shown] == ["input step  t", "step t of pool"]
    assert axis.label.opacity() == 0.0  # (its height kept, its text not drawn over theirs)
    for item, off, n in zip(shown, view.offsets, view.domains):
        a = view.vb.mapViewToScene(QtCore.QPointF(off - 0.5, 0)).x()
        b = view.vb.mapViewToScene(QtCore.QPointF(off + n - 0.5, 0)).x()
        box = item.sceneBoundingRect()
        assert a - 1 <= box.left() and box.right() <= b + 1 and abs(box.center().x() - (a + b) / 2) < 1
        assert box.top() >= view.vb.sceneBoundingRect().bottom()  # (under the cells and the ticks)
    # narrow: the shorter forms, never past the block's room
    view.resize(330, 600)
    qtbot.wait(50)
    view.grab()
    assert all(i.toPlainText() in ("input step  t", "t", "step t of pool", "t (pool)") for i in shown)
    # one time axis: the axis's own title, no block titles
    plain, trace2, x2 = build([LayerSpec("LSTM", {"units": 2, "return_sequences": True})])
    view.set_data(plain, trace2, inputs=[x2])
    view.set_cursor(Cursor(step=1, layer="lstm"))
    assert axis.label.opacity() == 1.0 and not any(i.isVisible() for i in view.title_items)


def test_the_screen_readers_words_name_the_poolings_step_as_the_header_does(view):
    """A pooled LSTM's header says "processing step 5 = pool's step 5", and the screen
    reader's words of the Unrolled view (and of the Cell and Over time views) said "step 5"
    alone, as if it were an input step. They say "(pool's step 5)" with the header's
    number, in a whole trace and in a long input's window far along (the pooling's own
    steps of the whole sequence)."""
    from lstmviz.app import accessible
    from lstmviz.app.counts import count
    from lstmviz.engine.windows import keyframe_pass

    model, trace, x = _pooled()
    long_x = np.random.default_rng(2).normal(size=(1, 600, 2)).astype(np.float32)
    window = keyframe_pass(model, long_x, every=64).window(320, 448, by_input=True)
    for tr, xs, t in ((trace, x, 3), (window, long_x, 7)):
        cursor = Cursor(step=t, sample=0, layer="lstm", unit=1)
        view.set_data(model, tr, inputs=[xs] if tr is trace else None)
        view.set_cursor(cursor)
        n = t + int(tr["lstm"].start)  # (the pooling's step: each of its steps two input steps)
        assert f"pool's step <b>{count(n)}</b>" in view.header.text()
        for said in (view.describe(), accessible.cell_view(model, tr, cursor),
                     accessible.over_time_view(model, tr, cursor)):
            assert f"step {count(n)}" in said and f"(pool's step {count(n)})" in said, said
            assert "input step" not in said
    assert int(window["lstm"].start) == 160


def test_a_long_inputs_strip_names_its_rows_a_line_apart(view):
    """Conv1D, MaxPooling1D(2), LSTM, LSTM on a long input: the strip's four rows share its
    38 pixels, and their four names were drawn over one another. The names drawn stand a
    line of their font apart (every k-th row from the top), the top row's always, and the
    axis's tooltip names every row, top to bottom. Where the view is tall enough the strip
    grows to name each row (tests/fixtures/k3_attention_pooling's ctx, a, e, h at 1600 x
    1000 named ctx and e alone)."""
    from PySide6 import QtGui

    from lstmviz.app.output_ref import OUTPUT_KEY
    from lstmviz.ui.views.unrolled import STRIP_AXIS_PX

    names = ["lstm_2", "lstm", "pool", "conv"]
    view.resize(800, 400)  # (a short view: the strip's least height, 62 px)
    view.strip_keys = [("lstm_2", "h"), ("lstm", "h"), ("pool", OUTPUT_KEY), ("conv", OUTPUT_KEY)]
    view._align_strip()
    width, ticks, tip = view.strip._left
    line = QtGui.QFontMetrics(view.theme.font(0.8)).height()
    row_px = (view.strip.height - STRIP_AXIS_PX) / len(names)
    assert row_px < line  # (the case: rows thinner than a name)
    assert ticks[0] == (0.0, "lstm_2") and 1 <= len(ticks) < len(names)
    assert all((b - a) * row_px >= line for (a, _), (b, _) in zip(ticks, ticks[1:]))
    assert [text for _, text in ticks] == [names[int(y)] for y, _ in ticks]
    assert all(f"  {n}" in tip for n in names) and tip.index("lstm_2") < tip.index("conv")
    # a tall view: the strip as tall as a name a row, each row named
    view.resize(800, 900)
    view._align_strip()
    assert STRIP_AXIS_PX + len(names) * line <= view.strip.height <= 0.15 * 900
    assert view.strip._left[1] == [(float(i), n) for i, n in enumerate(names)]
    # two rows fit a name each
    view.strip_keys = view.strip_keys[:2]
    view._align_strip()
    assert [text for _, text in view.strip._left[1]] == ["lstm_2", "lstm"]


def test_without_recurrent_rows_an_output_never_below_zero_still_has_its_own_scale_from_zero(view):
    """A model of a relu Conv1D and its MaxPooling1D alone (no cells): the rows shared one
    symmetric scale, and with every row >= 0 they would have taken the gates' map on it.
    Each such row has its own levels from 0 as beside cells; a linear Dense after them the
    shared scale, the colour bar's."""
    from lstmviz.app.scale import from_zero_levels, symmetric_levels

    model, trace, x = build([LayerSpec("Conv1D", {"filters": 3, "kernel_size": 3, "activation": "relu"}, name="conv"),
                             LayerSpec("MaxPooling1D", {"pool_size": 2}, name="pool"),
                             LayerSpec("Dense", {"units": 2}, name="dense")], T=12, d=2, seed=5)
    view.set_data(model, trace, inputs=[x])
    for name in ("conv", "pool"):
        view.set_cursor(Cursor(step=0, layer=name))
        r = row(view, name)
        levels = from_zero_levels(trace[name].output)
        assert r.from_zero and r.own_scale and r.levels == pytest.approx(levels, rel=0, abs=0)
        assert tuple(view.colorbar.levels()) == pytest.approx(levels, rel=0, abs=0)
    view.set_cursor(Cursor(step=0, layer="dense"))
    shared = symmetric_levels(trace["dense"].output)
    assert row(view, "dense").levels == pytest.approx(shared, rel=0, abs=0) and not row(view, "dense").own_scale
    assert tuple(view.colorbar.levels()) == pytest.approx(shared, rel=0, abs=0)


@pytest.mark.parametrize("size", [(800, 600), (1024, 768)])
@pytest.mark.parametrize("case", ["k3_around_rnn", "k3_conv_lstm"])
def test_the_blocks_step_titles_stand_apart_and_each_block_has_a_step_on_a_projector(qapp, monkeypatch, tmp_path,
                                                                                     case, size):
    """``lstmviz MODEL --screenshot --view unrolled --theme projector``, beside the side
    panel: k3_around_rnn's six blocks (6, 1, 4, 3, 9 and 18 columns) at 800 x 600 wrote
    "t" under each, two of them over each other ("tt"). A block's title stands within its
    room (its columns and half the gaps beside it) or is not shown, no two titles meet;
    the pooled model's block of the pooling's steps has its title and a step label
    within its columns at both sizes."""
    from lstmviz.ui import app as app_mod
    from lstmviz.ui import theme as th

    seen = {}
    real = app_mod.dispose

    def dispose(window):  # (what the screenshot showed, before the window goes)
        view = window.views[0]
        seen["view"] = view
        seen["domains"] = list(view.domains)
        edges = [view.vb.mapViewToScene(QtCore.QPointF(float(x), 0.0)).x()
                 for off, n in zip(view.offsets, view.domains) for x in (off - 0.5, off + n - 0.5)]
        seen["edges"] = edges
        seen["titles"] = []
        for k, item in enumerate(view.title_items[:len(view.domains)]):
            if item.isVisible():
                m = item.document().documentMargin()
                seen["titles"].append((k, item.toPlainText(), item.sceneBoundingRect().adjusted(m, 0, -m, 0)))
        axis = view.plot.getAxis("bottom")
        specs = axis_specs(axis, lambda a, painter: a.generateDrawSpecs(painter))
        seen["ticks"] = [(axis.mapRectToScene(r).center().x(), t) for r, _, t in specs[2]]
        real(window)
    monkeypatch.setattr(app_mod, "dispose", dispose)
    try:
        assert app_mod.run_app(str(FIX / case / "model.keras"), screenshot=str(tmp_path / "u.png"),
                               view="unrolled", size=size, theme="projector") == 0
    finally:
        th.apply("dark", qapp)
    edges, titles = seen["edges"], seen["titles"]
    n = len(seen["domains"])
    assert n >= 2
    for k, text, box in titles:
        lo = (edges[2 * k - 1] + edges[2 * k]) / 2 if k else -np.inf
        hi = (edges[2 * k + 1] + edges[2 * k + 2]) / 2 if k + 1 < n else np.inf
        assert lo - 0.5 <= box.left() and box.right() <= hi + 0.5, (k, text, box, lo, hi)
    for (_, a, p), (_, b, q) in zip(titles, titles[1:]):
        assert p.right() <= q.left() + 0.5, (a, b, p, q)
    if case == "k3_conv_lstm":
        assert seen["domains"] == [10, 5] and [k for k, _, _ in titles] == [0, 1]
        for k in range(n):  # (a step label within each block's columns)
            assert any(edges[2 * k] <= x <= edges[2 * k + 1] for x, _ in seen["ticks"]), (k, seen["ticks"])


@pytest.mark.parametrize("size", [(800, 600), (1024, 768)])
@pytest.mark.parametrize("case, theme", [("k3_conv_lstm", "dark"), ("k3_conv_lstm", "projector"),
                                         ("k3_around_rnn", "dark"), ("k3_bidi_lstm_stacked", "projector")])
def test_each_blocks_step_labels_stand_apart_and_say_two_steps_where_they_fit(qapp, monkeypatch, tmp_path,
                                                                               case, theme, size):
    """``lstmviz MODEL --screenshot --view unrolled --size 800x600``, beside the side panel:
    k3_conv_lstm's pooled block (5 columns of about 10 px) said "0" alone, for the whole
    axis's labels were thinned to every 5th, whichever block each stood in. Each block's
    labels are its own: no two labels' rectangles meet, each says the step of the column it
    stands under (the block's own steps, from its first), and a block of two steps or more
    whose first and last columns stand a label's room apart has two labels at least."""
    from PySide6 import QtGui

    from lstmviz.app.counts import tick_labels
    from lstmviz.ui import app as app_mod
    from lstmviz.ui import theme as th

    seen = {}
    real = app_mod.dispose

    def dispose(window):  # (what the screenshot showed, before the window goes)
        view = window.views[0]
        axis = view.plot.getAxis("bottom")
        specs = axis_specs(axis, lambda a, painter: a.generateDrawSpecs(painter))
        seen["labels"] = [(axis.mapRectToScene(r), t) for r, _, t in specs[2]]
        seen["blocks"] = [(off, n, view._domain_first(d)) for d, (off, n) in enumerate(zip(view.offsets, view.domains))]
        seen["x0"], seen["per"] = (view.vb.mapViewToScene(QtCore.QPointF(0.0, 0.0)).x(),
                                   view.vb.mapViewToScene(QtCore.QPointF(1.0, 0.0)).x()
                                   - view.vb.mapViewToScene(QtCore.QPointF(0.0, 0.0)).x())
        metrics = QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font())
        seen["em"], seen["widths"] = metrics.horizontalAdvance("M"), {
            t: metrics.horizontalAdvance(t) for _, n, f in seen["blocks"] for t in tick_labels([f + n - 1])}
        seen["side"] = window.side.isVisible()
        seen["end"] = view.vb.sceneBoundingRect().right()  # (a label past it: under the colour bar)
        real(window)
    monkeypatch.setattr(app_mod, "dispose", dispose)
    try:
        assert app_mod.run_app(str(FIX / case / "model.keras"), screenshot=str(tmp_path / "u.png"),
                               view="unrolled", size=size, theme=theme) == 0
    finally:
        th.apply("dark", qapp)
    labels, per = seen["labels"], seen["per"]

    def x(c):  # (a column's centre in the scene)
        return seen["x0"] + c * per
    assert seen["side"] and labels
    rects = sorted((r for r, _ in labels), key=lambda r: r.left())
    for a, b in zip(rects, rects[1:]):
        assert a.right() <= b.left(), (a, b, labels)
    for off, n, first in seen["blocks"]:
        mine = [(r, t) for r, t in labels if x(off - 0.5) <= r.center().x() <= x(off + n - 0.5)]
        for r, text in mine:  # (the column it stands under, and that column's step)
            col = round((r.center().x() - x(off)) / per)
            assert 0 <= col < n and text == tick_labels([first + col])[0], (text, col, first)
        # two labels where the block's first is shown, its last column stands a label's
        # room from it, inside the view's right end, and the next label after the block
        # stands that far from its last
        last, em = tick_labels([first + n - 1])[0], seen["em"]
        right = x(off + n - 1)
        after = [r for r, _ in labels if r.center().x() > x(off + n - 0.5)]
        nxt = min(after, key=lambda r: r.left(), default=None)
        shown_first = any(t == tick_labels([first])[0] and abs(r.center().x() - x(off)) < 1 for r, t in mine)
        if shown_first and n > 1 and (n - 1) * per >= seen["widths"][last] + em + 1 and (
                right + seen["widths"][last] / 2 + 1 <= seen["end"]) and (
                nxt is None or nxt.center().x() - right >= (seen["widths"][last] + nxt.width()) / 2 + em + 1):
            assert len(mine) >= 2, (off, n, mine)
    first_block = seen["blocks"][0]
    assert any(t == tick_labels([first_block[2]])[0] and abs(r.center().x() - x(first_block[0])) < 1
               for r, t in labels)  # (the first step always said)


def test_a_pooled_layers_header_gives_its_short_form_before_the_legend_is_cut(qapp, monkeypatch, tmp_path):
    """k3_conv_lstm beside the side panel at 800 x 600 in the projector theme: the header
    "lstm · processing step 0 = pool's step 0 · unit 0 · sample 0" took three lines (a "0"
    of its own) while the legend was cut, for it had no short form (only a layer on the
    input's steps had one). After a pooling the short form says the pooling's step once,
    "lstm · pool's step 0 · unit 0 · sample 0", in two lines; the whole in its tooltip."""
    from PySide6 import QtGui

    from lstmviz.ui import app as app_mod
    from lstmviz.ui import theme as th

    seen = {}
    real = app_mod.dispose

    def dispose(window):
        head = window.views[0].header
        seen.update(shown=QtGui.QTextDocumentFragment.fromHtml(head.label.text()).toPlainText().replace("\xa0", " "),
                    tip=QtGui.QTextDocumentFragment.fromHtml(head.toolTip()).toPlainText(),
                    height=head.height(), line=QtGui.QFontMetrics(head.label.font()).lineSpacing())
        real(window)
    monkeypatch.setattr(app_mod, "dispose", dispose)
    try:
        assert app_mod.run_app(str(FIX / "k3_conv_lstm" / "model.keras"), screenshot=str(tmp_path / "u.png"),
                               view="unrolled", size=(800, 600), theme="projector") == 0
    finally:
        th.apply("dark", qapp)
    assert seen["shown"] == "lstm · pool's step 0 · unit 0 · sample 0", seen
    assert seen["height"] <= 2 * seen["line"] + 4, seen
    assert "processing step 0 = pool's step 0" in seen["tip"], seen


def test_k3_around_rnns_connections_into_the_blocks_beside_its_lstm_clear_every_other_row(make_window):
    """k3_around_rnn presenting at 1024 x 768: its LSTM's connections into the blocks beside
    it (a GlobalMaxPooling1D's, a Cropping1D's, a ZeroPadding1D's, an UpSampling1D's) ran
    nearly level along those blocks' bottom edges, over one another (one into the
    UpSampling1D 1 px under the ZeroPadding1D's cells); the blocks, a level apart
    (``app.unrolled._stagger``), had them cross the rows over the LSTM. Measured on screen:
    every segment of a line that leaves the LSTM's block stays 3 px or more clear of every
    row's cells but the LSTM's and the row it goes into; the blocks' names over them are
    written with three letters at least, or not at all (they said "…" and "c…")."""
    from helpers import present_on
    from lstmviz.ui.views.unrolled import NAME_LEAST

    w = make_window((1024, 768))
    assert w.open_file(FIX / "k3_around_rnn" / "model.keras")
    p = present_on(w, 1024, 768)
    w.tabs.setCurrentIndex(0)
    w.resize(1024, 768)
    settle()
    view = w.views[0]
    view.grab()
    lstm = row(view, "lstm")
    beside = [r for r in view.rows if r.sources == ["lstm"] and r.domain != lstm.domain]
    assert len(beside) == 4 and len({r.y for r in beside}) == 4

    def px(x: float, y: float) -> tuple[float, float]:
        q = view.vb.mapViewToScene(QtCore.QPointF(x, y))
        return q.x(), q.y()

    boxes = {}
    for r in view.rows:
        (x0, y0), (x1, y1) = px(r.offset - 0.5, r.y - ROW_H / 2), px(r.offset + r.T - 0.5, r.y + ROW_H / 2)
        boxes[r.key] = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    right = lstm.offset + lstm.T - 0.5
    x, y = view.up_lines.getData()
    checked = 0
    for k in range(0, len(x), 2):
        if max(x[k], x[k + 1]) <= right + 1e-9:
            continue  # (within the LSTM's block)
        into = {r.key for r in view.rows if abs(y[k + 1] - (r.y - ROW_H / 2)) < 1e-9
                and r.offset - 0.5 <= x[k + 1] <= r.offset + r.T - 0.5}
        a, b = np.array(px(x[k], y[k])), np.array(px(x[k + 1], y[k + 1]))
        points = a + np.linspace(0.0, 1.0, 200)[:, None] * (b - a)
        for key, (l, t, r_, bt) in boxes.items():
            if key == "lstm" or key in into:
                continue
            inside = ((points[:, 0] > l - 3) & (points[:, 0] < r_ + 3)
                      & (points[:, 1] > t - 3) & (points[:, 1] < bt + 3))
            assert not inside.any(), (key, (x[k], y[k]), (x[k + 1], y[k + 1]))
        checked += 1
    assert checked >= 8, checked  # (the lines into the four blocks, each in two segments where bent)
    names = [(item.toPlainText(), label) for item, label, *_ in view.block_names if item.isVisible()]
    assert all(n == label or len(n.rstrip("\u2026")) >= NAME_LEAST for n, label in names), names
    names = [n for n, _ in names]
    assert {"pad", "up"} <= set(names), names
    p.leave()


@pytest.mark.parametrize("steps", [40, 200])
def test_a_softmax_over_the_steps_is_drawn_reading_every_step(view, qtbot, steps):
    """Issue 13's attention pooling: each step of its Softmax(axis=1) reads every step of the
    Dense below (its sum over them), drawn "every step goes up" (step t from step t) before.
    Now every step up into a bus across the steps and the bus up into every step (past 40
    steps a bracket of its ends, said in the gap), the selected step's fan from every step (every
    k-th past 40), the header saying it; the GlobalAveragePooling1D's box past 40 steps, fed by
    every step alike, a bracket too (its 200 lines were a black band)."""
    import lstmviz

    model = lstmviz.load(FIX / "k3_attention_pooling" / "model.keras", isolate=False)
    x = np.random.default_rng(0).normal(size=(1, steps, 3)).astype(np.float32)
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    e, a, ctx, p = (row(view, k) for k in ("e", "a", "ctx", "p"))
    ends = list(range(steps)) if steps <= 40 else [0, steps - 1]
    assert _links_into(view, a.y) == {(e.offset + c, a.offset + c) for c in ends}
    x_, y_ = view.up_lines.getData()
    flat = {(float(x_[k]), float(x_[k + 1])) for k in range(0, len(x_), 2)
            if y_[k] == y_[k + 1] and e.y + ROW_H / 2 < y_[k] < a.y - ROW_H / 2}
    assert flat == {(e.offset, e.offset + steps - 1)}  # (the bus across the steps)
    said = [t.toPlainText() for t in view.texts]
    assert ("⇡ each step reads every step ⇡" in said) is (steps > 40)
    if steps > 40:
        assert _links_into(view, p.y) == {(ctx.offset + c, ctx.offset + c) for c in ends}
    assert "each of its steps reads every step below" in view.legend.text()
    view.set_cursor(Cursor(step=12, layer="a", unit=0))
    np.testing.assert_array_equal(a.values, trace["a"].output[0, :, 0])
    x_, y_ = view.read_lines.getData()
    fan = range(steps) if steps <= 40 else [*range(0, steps, 5), steps - 1]  # (40 lines and the last)
    assert {(float(x_[k]), float(x_[k + 1])) for k in range(0, len(x_), 2)} == {
        (e.offset + i, a.offset + 12) for i in fan}
    assert "reads <b>every step</b> below" in view.header.text()
    view.set_cursor(Cursor(step=12, layer="e", unit=0))  # (a Dense: its own step, no fan)
    assert "every step" not in view.header.text() and len(view.read_lines.getData()[0]) == 0


def test_keras3s_saved_mask_ops_are_said_once_in_the_legend_and_in_the_header_where_one_is_picked(view):
    """The mask ops a Keras 3 model saves (``Model.mask_ops``) have no rows (``build_rows``):
    the legend says once that they are not drawn and where their masks show; one picked in
    the layer box is said in the header as what it is (it said "not drawn as a row of its
    own", as of any layer)."""
    import lstmviz
    from helpers import FIXTURES, read_inputs

    case = FIXTURES / "k3_masked_merges"
    model = lstmviz.load(case / "model.keras", isolate=False)
    xs = read_inputs(case)
    view.set_data(model, model.trace(xs), inputs=xs)
    view.set_cursor(Cursor(step=2, sample=0, layer="concat_lstm", unit=0))
    said = "the model's 22 mask ops (NotEqual, LogicalOr, …) are not drawn: a mask shows as the grey steps"
    assert view.legend.text().count(said) == 1 and "grey cell = masked step" in view.legend.text()
    # where the legend gives way (1600 x 1000: three lines), the rows' own scales give way
    # before it (it went first, before a dozen of them, after the mouse's hint alone)
    from lstmviz.ui.views.unrolled import LEGEND_SEP, _joined

    parts = view.static.legend_parts
    k = next(i for i, (_, html) in enumerate(parts) if said in html)
    assert parts[k][0] == 0 and all(i > k for i, (_, html) in enumerate(parts) if "its own scale" in html)
    room = view.legend.height_of(_joined(parts, list(range(k + 1))) + f"{LEGEND_SEP}+99 more")
    short = view._legend_short(int(room) + 1)[0]
    assert said in short and "grey cell = masked step" in short and re.search(r"\+\d+ more$", short), short
    view.set_cursor(Cursor(step=2, sample=0, layer="logical_or", unit=0))
    assert "<b>logical_or</b> (LogicalOr): computes a mask, not values: no row of its own" in view.header.text()


def test_a_featurewise_bidirectional_returning_its_last_step_is_drawn_on_its_own_steps(view):
    """k3_featurewise_masked_rnn: Permute((2, 1)) -> Masking, a masked LSTM and a
    Bidirectional GRU returning its last step over its 4 features (the input has 6 steps).
    The GRU's halves were drawn on the input's 6 columns, their 4 cells' fills stretched
    across and misaligned with the boxes; they now stand beside the LSTM on a block of 4
    columns, each column a box and a fill of the trace's step."""
    from helpers import read_inputs

    model, _, _ = _load("k3_featurewise_masked_rnn")
    xs = read_inputs(FIX / "k3_featurewise_masked_rnn")
    trace = model.trace(xs)
    view.set_data(model, trace, inputs=xs)
    lstm, inp = row(view, "masked_lstm"), row(view, "input")
    assert inp.T == 6 and lstm.T == 4
    for side in ("forward", "backward"):
        r = row(view, f"masked_bi_gru/{side}")
        assert r.domain == lstm.domain and (r.offset, r.T) == (lstm.offset, 4)
        assert (r.rect.left(), r.rect.width()) == (lstm.offset - 0.5, 4)  # (its image: a column a step)
        view.set_cursor(Cursor(step=1, sample=1, layer="masked_bi_gru", side=side, unit=1))
        h = trace["masked_bi_gru"].children[side].steps["h"][1, :, 1]
        np.testing.assert_array_equal(r.values, h[::-1] if side == "backward" else h)
        assert r.image.image.shape[1] == lstm.image.image.shape[1]  # (as many pixels a column)
        column = 2 if side == "backward" else 1  # (step 1 of the backward half: its column 4 - 1 - 1)
        assert view.current_column == column
        assert view.column_box.rect().center().x() == pytest.approx(lstm.offset + column)


def test_the_attention_blocks_weights_stand_over_the_steps_they_weigh(view):
    """Issue 13: the attention block of blog-era Keras models (Permute((2, 1)) -> Dense(32,
    softmax) -> Permute((2, 1)) -> Multiply): its Dense and the Permute after it, a weight per
    input step, were drawn as blocks of 3 and 4 columns at the right edge. They stand over the
    input's 32 columns now, the selected unit's row of them the trace's weights of each step,
    the selected step's box over column t; in a long input's window alike (its 16 steps)."""
    from lstmviz.engine.windows import keyframe_pass

    model, _, _ = _load("k3_attention_steps")
    x = np.load(FIX / "k3_attention_steps" / "x.npy")
    full = model.trace(x)
    for trace, first in ((full, 0), (keyframe_pass(model, x, every=16).window(16, 32, by_input=True), 16)):
        view.set_data(model, trace, inputs=[x[:, first:]])
        inp = row(view, "input")
        assert inp.T == 32 - first and len({r.domain for r in view.rows}) == 1
        for name, n in (("before_weights", 3), ("before_probs", 3), ("after_weights", 4), ("after_probs", 4)):
            r = row(view, name)
            assert (r.offset, r.T, r.units) == (inp.offset, 32 - first, n)
            assert (r.rect.left(), r.rect.width()) == (inp.offset - 0.5, 32 - first), name
            view.set_cursor(Cursor(step=5, sample=1, layer=name, unit=2))
            out = full[name].output[1]
            want = out[2, first:] if name.endswith("weights") else out[first:, 2]  # (the Dense's steps on axis 2)
            np.testing.assert_array_equal(r.values, want, err_msg=name)
            assert view.current_column == 5
            assert view.column_box.rect().center().x() == pytest.approx(inp.offset + 5)
