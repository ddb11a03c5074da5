"""The long-sequence window draws what LongSequence and app.scale computed, exactly."""

import json
import threading

import numpy as np
import pytest

from lstmviz.app import scale
from lstmviz.engine import LayerSpec, Model
from lstmviz.ui import long_view
from lstmviz.ui.long_view import LongSequenceWindow

T = 3000


@pytest.fixture
def model_x():
    model = Model.sequential((None, None, 2), [
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="l"),
        LayerSpec("GRU", {"units": 4}, name="g")], seed=2)
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 230.0)], -1)[None].astype(np.float32)
    return model, x


def test_the_first_window_at_once_then_overview_and_exact_windows(qtbot, model_x, monkeypatch):
    model, x = model_x
    w = LongSequenceWindow(model, x, window=256, start=False)
    qtbot.addWidget(w)
    full = model.trace(x)
    # before the pass: the first window, exact
    np.testing.assert_array_equal(w.win_img.image, full["l"].steps["i"][0, :256].T)
    # the overview's axes span the sequence and its units before there is anything to draw
    # (no "unit (x0.001)" from an empty view), the curves say which unit they follow
    (x0, x1), (y0, y1) = w.over_plot.vb.viewRange()
    assert x0 <= 0 and T <= x1 < 1.1 * T and y0 <= 0 and 6 <= y1 < 7
    assert not any(p.getAxis(a).autoSIPrefix for p in (w.over_plot, w.curve_over) for a in ("left", "bottom"))
    assert w.curve_over.titleLabel.text.startswith("l i[0] over the whole sequence")
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    assert w.seq.ready and not w.cancel_button.isEnabled()
    ov, st = scale.summarize(model.trace(x), "l", "i", bins=1023, feature=0)
    np.testing.assert_array_equal(w.summary[0].hi, ov.hi)
    extreme = np.where(np.abs(ov.hi) >= np.abs(ov.lo), ov.hi, ov.lo)
    np.testing.assert_array_equal(w.over_img.image, extreme.T)
    assert w.over_img.levels is not None and tuple(w.over_img.levels) == (0.0, 1.0)
    for step in (0, 1717, T - 1):  # seeking anywhere shows the exact numbers
        w.seek(step)
        trace, start, values = w.window_values()
        assert start <= step < start + len(values)
        np.testing.assert_array_equal(w.win_img.image, full["l"].steps["i"][0, start:start + len(values)].T)
        assert f"{full['l'].steps['i'][0, step, 0]:.4f}" in w.step_label.text()
    w.unit_spin.setValue(2)
    assert w.curve_win.titleLabel.text.startswith("l i[2] in the exact window")
    w.unit_spin.setValue(0)
    # units ranked by variance: rows in that order, in the overview and the window
    w.rank_combo.setCurrentText("variance")
    order = scale.rank_units(st, "variance", top=64)
    np.testing.assert_array_equal(w.over_img.image, extreme[:, order].T)
    # crossings found over the whole sequence, from keyframes
    w.unit_spin.setValue(1)
    w.threshold_edit.setValue(0.5)
    got = w.find_crossings()
    col = full["l"].steps["i"][0, :, 1]
    want = [t for t in range(1, T) if col[t - 1] < 0.5 <= col[t]]
    np.testing.assert_array_equal(got, want)
    assert w.crossing_list.count() == min(1000, len(want))
    # more than the list holds: the status says how many are listed (it said "N crossings"
    # and listed the first 1,000 without a word)
    w.threshold_edit.setValue(0.0)
    w.direction_combo.setCurrentText("both")
    col = full["l"].steps["i"][0, :, 1]
    many = scale.crossings(col, 0.4999, "both")
    monkeypatch.setattr(long_view, "MAX_LISTED", 3)
    w.threshold_edit.setValue(0.4999)
    got = w.find_crossings()
    np.testing.assert_array_equal(got, many)
    assert len(many) > 3 and w.crossing_list.count() == 3
    assert w.status.text() == f"{len(many):,} crossings (the first 3 listed)"


def test_a_threshold_is_the_number_typed_not_rounded_to_three_decimals(qtbot, model_x):
    # a unit of tiny amplitude: a threshold of 0.0005 typed was 0.001 (the box rounded to
    # three decimals without a word), and the crossings of another threshold were listed
    from PySide6 import QtCore, QtWidgets
    from PySide6.QtTest import QTest

    model, x = model_x
    w = LongSequenceWindow(model, x, window=256, start=False)
    qtbot.addWidget(w)
    w.start()
    assert w.wait(120)
    w.unit_spin.setValue(1)
    box = w.threshold_edit
    for typed, value in (("0.0005", 0.0005), ("0.49995", 0.49995), ("1e-4", 1e-4)):
        box.lineEdit().selectAll()
        QTest.keyClicks(box.lineEdit(), typed)
        QTest.keyClick(box.lineEdit(), QtCore.Qt.Key.Key_Return)
        QtWidgets.QApplication.processEvents()
        assert box.value() == value, (typed, box.value(), box.text())
        assert box.text() == f"threshold {value:g}"
    box.setValue(0.49995)
    got = w.find_crossings()
    col = model.trace(x)["l"].steps["i"][0, :, 1]
    np.testing.assert_array_equal(got, scale.crossings(col, 0.49995, w.direction_combo.currentText()))


def test_cancel_keeps_the_first_window(qtbot, model_x):
    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.cancel()
    w.start()
    assert w.wait(60)
    assert not w.seq.ready and "cancelled" in w.status.text()
    w.seek(2500)
    assert w.window_values()[1] == 0  # still the first window
    # which holds no step 2,500: no number for it (the first window's last step's was
    # shown as step 2,500's)
    assert w.step_label.text() == "step 2,500 of 3,000: shown once the keyframe pass has run"
    w.seek(100)
    assert w.step_label.text().startswith("step 100 of 3,000   i[0] = ")


def test_file_menu_opens_a_long_text_for_an_embedding_model(make_window, tmp_path, monkeypatch):
    """File > Open a long input traces it in the main window (the views' window and
    overview); View > Units at scale opens this window on the same pass."""
    from lstmviz import limits
    from lstmviz.app import inputs as gen
    from lstmviz.app.long_data import load_long_input
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState
    vocab = len(gen.ALPHABET) + 1
    state = AppState([LayerEntry("Embedding", {"input_dim": vocab, "output_dim": 4}),
                      LayerEntry("LSTM", default_config("LSTM", None, units=5))], InputSpec())
    win = make_window((1200, 800), state)
    text = "She said \"hello\" and left.\n" * 200
    p = tmp_path / "book.txt"
    p.write_text(text)
    np.testing.assert_array_equal(load_long_input(p, state.model), gen.text_ids(text))
    lecture = win.open_units_window()  # a lecture's input, traced whole: its own pass
    assert lecture is not None and lecture.owns and lecture.seq.steps == state.timesteps
    assert lecture.wait(60)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)  # ~2 KB: this text is a long input
    assert win.open_long(p)
    import shiboken6
    assert not shiboken6.isValid(lecture) or not lecture.isVisible()  # (it showed the input before)
    seq = state.long
    assert seq is not None and seq.steps == len(text) == state.timesteps
    np.testing.assert_array_equal(seq.x[0], gen.text_ids(text)[0])  # the ids, as given
    name = state.model.layers[1].name
    state.set_cursor(step=1234, layer=name, unit=2)
    lw = win.open_units_window()
    assert lw is not None and lw.seq is seq and lw.wait(120) and win.long_runner.wait(120)
    assert seq.ready
    said = win.statusBar().currentMessage()  # the pass is done: no longer "in the background"
    assert "in the background" not in said and f"{seq.steps:,} steps traced" in said, said
    # opened where the main window is (it opened at step 0, on the first layer's first gate)
    assert (lw.step, lw.record_combo.currentData(), lw.unit_spin.value()) == (1234, (name, "h"), 2)
    full = state.model.trace(seq.x)
    lw.seek(4000)
    trace, start, values = lw.window_values()
    np.testing.assert_array_equal(values, full[name].steps["h"][0, start:start + len(values)])
    # (the Embedding's output first, its vectors over the text's steps: then the input gate i)
    assert lw.choices[:2] == [(state.model.layers[0].name, "y"), (name, "i")]
    lw.record_combo.setCurrentIndex(1)  # the input gate i
    assert lw.record_combo.currentData() == (name, "i")
    # a crossing picked there moves the main window's cursor to it (it stayed put)
    lw.unit_spin.setValue(3)
    lw.threshold_edit.setValue(0.5)
    crossings = lw.find_crossings()
    assert len(crossings) and lw.crossing_list.count()
    k = min(2, lw.crossing_list.count() - 1)
    lw.crossing_list.setCurrentIndex(k)
    lw.crossing_list.activated.emit(k)
    cur = state.cursor
    assert (cur.step, cur.layer, cur.unit) == (int(crossings[k]), name, 3) == (lw.step, name, 3)
    lw.close()
    assert not seq._cancel.is_set()  # closing it leaves the main window's input going
    bad = tmp_path / "bad.npy"
    bad.write_text("not numpy")
    shown = []
    win.message = lambda text, **kw: shown.append(text)
    assert not win.open_long(bad) and "bad.npy" in shown[-1]


def test_the_window_fits_a_small_screen_and_its_controls_stay_whole(qtbot, model_x):
    """It opened 1400x800 whatever the screen, and its row of controls held it 1270 px wide
    at the least: on a 1024x768 or 1280x720 screen, Find crossings and the crossings ran
    past the edge. Now it opens within the screen (offscreen: 800x800) with the crossings
    under the ranking, and in one row again where the window is wide enough."""
    from PySide6 import QtWidgets

    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    screen = w.screen().availableGeometry()
    assert w.width() <= screen.width() and w.height() <= screen.height()
    assert w.minimumSizeHint().width() <= screen.width()

    def whole():
        QtWidgets.QApplication.processEvents()
        for c in (w.rank_combo, w.top_spin, w.threshold_edit, w.find_button, w.crossing_list):
            assert c.isVisible()
            right = c.mapTo(w, c.rect().topRight()).x()
            assert right < w.width(), f"{c} ends at {right} of {w.width()}"
            assert c.width() >= c.minimumSizeHint().width()

    whole()
    assert w.threshold_edit.mapTo(w, w.threshold_edit.rect().topLeft()).y() > \
        w.rank_combo.mapTo(w, w.rank_combo.rect().bottomLeft()).y()  # a row of its own
    w.resize(1400, 800)
    whole()
    assert w.threshold_edit.mapTo(w, w.threshold_edit.rect().topLeft()).y() == \
        w.top_spin.mapTo(w, w.top_spin.rect().topLeft()).y()  # one row


def test_a_refused_long_input_names_its_file_once(make_window, tmp_path):
    """"long.npy: long.npy: has 1 features per step but the model takes 3": the window put
    the file's name before a message that already began with it."""
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=3))], InputSpec(input_dim=3))
    win = make_window((1200, 800), state)
    p = tmp_path / "long.npy"
    np.save(p, np.zeros((5000, 1), np.float32))
    shown = []
    win.message = lambda text, **kw: shown.append(text)
    assert not win.open_long(p)
    assert shown[-1] == "long.npy: has 1 feature per step but the model takes 3"
    p2 = tmp_path / "book.txt"  # a message of the text reader's own: the name put before it
    p2.write_text("abc~" * 10)
    emb = AppState([LayerEntry("Embedding", {"input_dim": 3, "output_dim": 2}),
                    LayerEntry("LSTM", default_config("LSTM", None, units=3))], InputSpec())
    win2 = make_window((1200, 800), emb)
    win2.message = lambda text, **kw: shown.append(text)
    assert not win2.open_long(p2)
    assert shown[-1].startswith("book.txt: ") and shown[-1].count("book.txt") == 1


def test_ranked_rows_are_named_by_their_units_and_fill_the_overview(qtbot, model_x):
    """Ranked by variance, top 3 of 6: the overview kept its 6 rows' range (half of it
    empty) and both heatmaps' axes said 'unit 0, 1, 2' for the ranks, whichever units those
    were. Now each row is named by its unit, both plots span the rows shown, and the Cancel
    button, which no longer cancels anything, goes with the progress bar."""
    model, x = model_x
    w = LongSequenceWindow(model, x, window=256, start=False)
    qtbot.addWidget(w)
    w.show()
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    assert not w.progress.isVisible() and not w.cancel_button.isVisible()
    # (top N: a ranking's, not model order's, which shows every unit: it did nothing there)
    assert not w.top_spin.isEnabled()
    w.top_spin.setValue(3)
    order = scale.rank_units(w.summary[1], "variance", top=3)
    w.unit_spin.setValue(int(order[0]))  # (a unit below them has a row of its own under them)
    w.rank_combo.setCurrentText("variance")
    assert w.top_spin.isEnabled()
    assert list(order) != [0, 1, 2]  # (else the labels would say nothing)
    w.win_plot.vb.prepareForPaint()  # (the exact window's range follows its image when painted)
    for plot, img in ((w.over_plot, w.over_img), (w.win_plot, w.win_img)):
        assert img.image.shape[0] == 3
        y0, y1 = plot.vb.viewRange()[1]
        assert -0.3 <= y0 <= 0 and 3 <= y1 <= 3.3, (y0, y1)
        ticks = plot.getAxis("left")._tickLevels
        assert ticks is not None
        assert [(v, s) for v, s in ticks[0]] == [(k + 0.5, str(u)) for k, u in enumerate(order)]
    w.rank_combo.setCurrentText("model order")  # back: the axis counts units again
    assert not w.top_spin.isEnabled()
    assert w.over_plot.getAxis("left")._tickLevels == [[(k + 0.5, str(k)) for k in range(6)], []]
    y0, y1 = w.over_plot.vb.viewRange()[1]
    assert 6 <= y1 <= 6.3


def test_a_book_opens_through_the_models_vocabulary_and_says_what_it_lacks(make_window, tmp_path, monkeypatch):
    """A book opened as a long input for a char-level model went through the app's 29
    characters: every comma, quote, digit and line break became '?' without a word, and
    the app had no way to give the model's vocabulary (the README said "or a given
    vocabulary"). Now File > Open a long input asks which vocabulary a text goes through
    (a JSON list as Keras' StringLookup writes it, with [UNK] for what it lacks), and the
    message counts the characters outside it."""
    from PySide6 import QtWidgets

    from lstmviz import limits
    from lstmviz.app import inputs as gen
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    text = ("It is a truth universally acknowledged, that a single man in possession\n"
            "of a good fortune, must be in want of a wife. \u2014 Chapter 1 {draft}\n") * 300
    chars = sorted(set(text))
    known = [c for c in chars if c not in "{}\u2014"]
    vocab = ["", "[UNK]", *known]  # StringLookup's order: padding, [UNK], tokens
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    book = tmp_path / "book.txt"
    book.write_text(text, encoding="utf-8")
    state = AppState([LayerEntry("Embedding", {"input_dim": len(vocab), "output_dim": 4}),
                      LayerEntry("LSTM", default_config("LSTM", None, units=5))], InputSpec())
    win = make_window((1280, 720), state)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)  # a long input
    picked = []

    def answer(button):
        def exec_(box):
            picked.append((box.text(), [b.text() for b in box.buttons()]))
            next(b for b in box.buttons() if b.text().startswith(button)).click()
        return exec_

    files = iter([str(book), str(tmp_path / "vocab.json")])
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *a, **k: (next(files), ""))
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", answer("A vocabulary file"))
    win.open_long_dialog()
    assert picked[0][0] == "Read book.txt as characters through which vocabulary?"
    assert {"The app's characters", "A vocabulary file\u2026"} <= set(picked[0][1])
    ids = {c: i for i, c in enumerate(vocab)}
    want = np.array([ids.get(c, 1) for c in text])  # [UNK] (id 1) for what it lacks
    seq = state.long
    assert seq is not None and seq.steps == len(text)
    np.testing.assert_array_equal(np.asarray(seq.x)[0], want)
    lacking = sum(text.count(c) for c in "{}\u2014")
    assert win.last_message.endswith(
        f"{lacking:,} of {len(text):,} characters ({100 * lacking / len(text):.1f}%) are not among "
        "vocab.json: '{', '}', '\u2014' read as [UNK] (id 1)")
    # the app's own characters: the same text, and what they lack counted
    files = iter([str(book)])
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", answer("The app's characters"))
    win.open_long_dialog()
    np.testing.assert_array_equal(np.asarray(state.long.x)[0], gen.text_ids(text)[0])
    outside = sum(1 for c in text if gen.ALPHABET.find(c.lower()) < 0)
    assert f". {outside:,} of {len(text):,} characters" in win.last_message
    assert "read as '?'" in win.last_message
    # and the upper-case letters read as lower case, counted too ('It', 'Chapter': 600)
    assert win.last_message.endswith(
        ". 600 of 41,400 characters (1.4%) are upper case, which the app's 29 characters (a-z, space, "
        "'.', '?') lack: 'C', 'I' read as their lower case")
    assert "\n" not in win.last_message
    # Cancel opens nothing: the input stays
    files = iter([str(book)])
    before = state.long
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", answer("Cancel"))
    win.open_long_dialog()
    assert state.long is before
    win.long_runner.cancel()
    win.long_runner.wait()


def _text_window(make_window, tmp_path, text):
    """A window of Embedding(40, 4) -> LSTM(5) and ``text`` written to a file (read as a
    long input once ``limits.TRACE_SHARE`` is made tiny): (window, state, the file)."""
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    book = tmp_path / "book.txt"
    book.write_text(text, encoding="utf-8")
    state = AppState([LayerEntry("Embedding", {"input_dim": 40, "output_dim": 4}),
                      LayerEntry("LSTM", default_config("LSTM", None, units=5))], InputSpec())
    return make_window((1400, 900), state), state, book


def test_a_long_text_shows_its_characters_as_typed_text_does(make_window, tmp_path, monkeypatch):
    """A book opened as a long input for a character model showed its ids as numbers ('token
    id 21', x_t 'id 21'), where the app knows what they stand for: its own characters, or the
    vocabulary file's tokens. The views now write the characters, through the app's
    alphabet or the vocabulary (a space, a line break as signs; a stranger's token escaped
    and cut), for that input only: another input has none."""
    import re

    from lstmviz import limits
    from lstmviz.app import inputs as gen

    text = "the forget gate decides.\n" * 400
    win, state, book = _text_window(make_window, tmp_path, text)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)  # a long input
    assert win.open_long(book) and state.long is not None and win.long_runner.wait(120)
    assert state.token_labels() == gen.alphabet_labels()
    cell = next(v for v in win.views if v.title == "Cell")
    win.tabs.setCurrentWidget(cell)
    name = state.model.layers[1].name
    for step in (4, 2604, 9001):
        state.set_cursor(step=step, layer=name)
        win.long_runner.wait(60)
        win.long_runner.poll()
        i = int(gen.text_ids(text[step])[0, 0])
        shown = text[step] if text[step] != " " else "\u2423"
        assert cell.bars["x"].value_item.text() == f"{shown} (id {i})", cell.bars["x"].value_item.text()
    unrolled = next(v for v in win.views if v.title == "Unrolled")
    win.tabs.setCurrentWidget(unrolled)
    state.set_cursor(step=2604)
    win.long_runner.wait(60)
    win.long_runner.poll()
    said = re.sub("<[^>]+>", "", unrolled.header.text())
    assert f"token {text[2604]} (id {int(gen.text_ids(text[2604])[0, 0])})" in said, said
    # through a vocabulary file: its tokens, a line break as a sign, markup as characters
    vocab = ["", "[UNK]", "\n", " ", "<b>t</b>"] + sorted(set(text) - {"\n", " "})
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    assert win.open_long(book, vocabulary=str(tmp_path / "vocab.json")) and win.long_runner.wait(120)
    labels = state.token_labels()
    assert labels[:5] == ("", "[UNK]", "\u21b5", "\u2423", "<b>t</b>") and labels[vocab.index("f")] == "f"
    state.set_cursor(step=24)  # the line break
    win.long_runner.wait(60)
    win.long_runner.poll()
    assert "token \u21b5 (id 2)" in re.sub("<[^>]+>", "", unrolled.header.text())
    # another input: ids as numbers again
    state.set_input_data(np.asarray(state.input.data).copy())
    assert state.token_labels() is None
    win.long_runner.cancel()
    win.long_runner.wait()


def test_the_overview_and_scores_are_of_the_record_shown_when_it_changed_meanwhile(qtbot, model_x):
    """View > Units at scale opened at the main window's layer and showed its h: the
    summary started at once was of the first record (l: i), and when it came it was drawn
    as h's (an input gate's ~0.5 under "l h[2] over the whole sequence", while the exact
    window beside it said -0.1). Now a summary of a record no longer shown is dropped and
    the one shown is summarized; the selected unit's variance, saturation and correlation
    (what the ranking sorts by) are shown, equal to NumPy's over the full trace."""
    model, x = model_x
    w = LongSequenceWindow(model, x)  # the pass and l: i's summary start at once
    qtbot.addWidget(w)
    w.show_at(1234, "l", 2)  # as the main window opens it: its layer's h, its unit
    assert w.record_combo.currentData() == ("l", "h")
    w.feature_spin.setValue(1)

    def settled():
        w.wait(120)
        return w.seq.ready and w.summary is not None and w._worker is None

    qtbot.waitUntil(settled, timeout=120_000)
    h = model.trace(x)["l"].steps["h"][0].astype(np.float64)
    ov = w.summary[0]
    edges = ov.edges()
    lo = np.array([h[a:b].min(axis=0) for a, b in zip(edges[:-1], edges[1:])])
    hi = np.array([h[a:b].max(axis=0) for a, b in zip(edges[:-1], edges[1:])])
    np.testing.assert_array_equal(w.band_lo.getData()[1], lo[:, 2].astype(np.float32))
    np.testing.assert_array_equal(w.band_hi.getData()[1], hi[:, 2].astype(np.float32))
    np.testing.assert_array_equal(w.over_img.image, np.where(np.abs(hi) >= np.abs(lo), hi, lo).T
                                  .astype(np.float32))
    r = np.corrcoef(x[0, :, 1], h[:, 2])[0, 1]
    assert w.scores_label.text() == (f"variance\u00a0{h[:, 2].var():.4g} \u00b7 saturation\u00a0"
                                     f"{100 * (np.abs(h[:, 2]) > 0.9).mean():.1f}% \u00b7 r\u00a0{r:+.3f}")
    w.rank_combo.setCurrentText("correlation")  # rows by |r| with feature 1, most first
    rs = np.array([np.corrcoef(x[0, :, 1], h[:, u])[0, 1] for u in range(h.shape[1])])
    np.testing.assert_array_equal(w.order, np.argsort(-np.abs(rs), kind="stable"))


def test_while_another_feature_is_summarized_the_overview_shows_nothing_of_the_one_before(qtbot, model_x):
    """Units ranked by correlation with feature 0, then feature 1 picked: while its summary
    ran (45 s over 300,000 steps of a GRU(64)), the overview kept its image of the rows
    ranked by feature 0 under the unit axis of the model's order, and its outline (hidden,
    then shown again by the axis' new range) stood on the row where the selected unit had
    been, not on that unit. Now the overview, its outline and the unit's band are empty
    until the summary shown is there, then drawn from it."""
    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.start()
    qtbot.waitUntil(lambda: w.wait(120) and w.summary is not None and w._worker is None, timeout=120_000)
    w.rank_combo.setCurrentText("correlation")
    w.unit_spin.setValue(int(w.order[-1]))  # (ranked last by feature 0: its row is not row 0)
    assert w.over_row.isVisible() and w.over_img.image is not None
    gate = threading.Event()
    summary = w.seq.summary
    w.seq.summary = lambda *a, **k: gate.wait(60) and summary(*a, **k)
    w.feature_spin.setValue(1)
    assert w.summary is None and w._worker is not None
    w._mark_again()  # (as the axis' new range does)
    assert not w.over_row.isVisible()
    assert w.over_img.image is None or w.over_img.image.size == 0
    assert len(w.band_lo.getData()[0] if w.band_lo.getData()[0] is not None else []) == 0
    gate.set()
    qtbot.waitUntil(lambda: w.summary is not None and w._worker is None, timeout=120_000)
    layer, key = w.record_combo.currentData()
    v = model.trace(x)[layer].steps[key][0].astype(np.float64)
    rs = np.array([np.corrcoef(x[0, :, 1], v[:, u])[0, 1] for u in range(v.shape[1])])
    np.testing.assert_array_equal(w.order, np.argsort(-np.abs(rs), kind="stable"))
    ov = w.summary[0]
    np.testing.assert_array_equal(w.over_img.image, ov.extreme()[:, w.order].T)
    assert w.over_row.isVisible()


def test_reading_a_long_input_shows_progress_and_cancel_keeps_the_input(make_window, tmp_path, monkeypatch):
    """File > Open a long input read the whole file on the window's thread: a year of
    readings froze the window (a few seconds for a few million rows) with no progress and
    no way to stop. Now it reads on a thread behind a progress dialog whose Cancel stops
    it, and the input stays as it was."""
    from PySide6 import QtCore, QtWidgets

    from lstmviz import limits
    from lstmviz.app import long_data
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)
    monkeypatch.setattr(long_data, "BLOCK_BYTES", 1 << 14)  # many blocks
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=3))], InputSpec(input_dim=2))
    win = make_window((1280, 720), state)
    p = tmp_path / "year.csv"
    a = np.round(np.random.default_rng(0).normal(size=(20_000, 2)), 3)
    with open(p, "w") as fh:
        fh.write("temperature,humidity\n")
        np.savetxt(fh, a, delimiter=",", fmt="%.3f")
    before, long_before = state.trace.inputs[0].copy(), state.long
    gate = threading.Event()
    real_check = long_data._check
    seen = []

    def held_check(cancel, progress, done, total):  # the first block waits for the dialog
        if not gate.is_set():
            gate.wait(30)
        return real_check(cancel, progress, done, total)

    monkeypatch.setattr(long_data, "_check", held_check)

    def press_cancel():
        dialog = win.findChild(QtWidgets.QProgressDialog)
        seen.append((dialog.labelText(), dialog.isVisible()))
        dialog.findChild(QtWidgets.QPushButton).click()  # its Cancel
        gate.set()

    QtCore.QTimer.singleShot(0, press_cancel)
    assert not win.open_long(p)
    assert seen == [("Reading year.csv\u2026", True)]
    assert win.last_message == "year.csv: not opened (cancelled); the input is as it was"
    assert state.long is long_before
    np.testing.assert_array_equal(state.trace.inputs[0], before)
    assert win.findChild(QtWidgets.QProgressDialog) is None or not win.findChild(
        QtWidgets.QProgressDialog).isVisible()
    # not cancelled: read whole, the dialog's bar at the end
    values = []
    gate.clear()

    def watch():
        dialog = win.findChild(QtWidgets.QProgressDialog)
        values.append(dialog.value())
        gate.set()

    QtCore.QTimer.singleShot(0, watch)
    assert win.open_long(p)
    assert len(values) == 1 and state.long is not None and state.long.steps == 20_000
    np.testing.assert_array_equal(np.asarray(state.long.x)[0], a.astype(np.float32))
    win.long_runner.cancel()
    win.long_runner.wait()


def test_one_units_window_on_the_input_shown_and_closed_with_it(make_window, monkeypatch):
    """View > Units at scale twice made two windows; another long input opened left the
    first on the input before (its pass cancelled), where a crossing picked moved the main
    window to a step of the other input. Now the window open on this input is brought up
    where the main window is, and one on another input is closed."""
    import shiboken6

    from lstmviz import limits
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec(input_dim=2))
    win = make_window((1280, 720), state)
    t = np.arange(6000)
    a = np.stack([np.sin(t / 40.0), np.cos(t / 90.0)], -1)[None].astype(np.float32)
    state.set_input_data(a)
    first = win.open_units_window()
    assert first is not None and first.seq is state.long
    state.set_cursor(step=4321)
    assert win.open_units_window() is first and first.isVisible() and first.step == 4321
    state.set_input_data(a[:, ::-1].copy())  # another input
    assert not shiboken6.isValid(first) or not first.isVisible()
    second = win.open_units_window()
    assert second is not first and second.seq is state.long
    assert second.wait(120) and win.long_runner.wait(120)
    second.close()


def test_units_at_scale_of_an_input_traced_whole_ranks_the_sample_shown_and_follows_it(make_window):
    """View > Units at scale said "needs a long input" for any input traced whole: the
    units of a saved LSTM(512) could not be ranked over a sentence. Then it ran a keyframe
    pass over every sample (2.6 s for 64 samples x 4,000 steps x LSTM(256), where the one
    sample shown took 0.15 s), its numbers a batch's, not the main window's (1.5e-8 off),
    its "exact window" 32 steps. Now it shows the main window's own trace of the sample
    shown (nothing computed), another sample picked there traced alone as the main window
    traces it: the numbers are the main window's to the bit; a crossing picked moves the
    main window to its step and sample, it is brought up again while the input stays,
    and closes when the input changes."""
    import shiboken6

    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=24))],
                     InputSpec(input_dim=3, batch_size=3, timesteps=50))
    win = make_window((1280, 720), state)
    name = state.model.layers[0].name
    state.set_cursor(step=20, unit=5, sample=2)
    shown = state.trace
    lw = win.open_units_window()
    assert lw is not None and lw.owns and lw.wait(60)
    assert lw.seq.windowed is shown  # (the main window's trace of the sample: nothing traced again)
    assert "a sequence of 50 steps" in lw.windowTitle()
    assert (lw.step, lw.sample(), lw.unit_spin.value(), lw.record_combo.currentData()) == (20, 2, 5, (name, "h"))
    # the numbers are the main window's, to the bit, and the scores those of its record
    h = shown[name].steps["h"][0]  # (the sample traced alone: steps, units)
    _, start, values = lw.window_values()
    assert start == 0 and np.array_equal(values, h)
    _, stats = lw.summary
    np.testing.assert_allclose(stats.mean, h.astype(np.float64).mean(axis=0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(stats.m2 / stats.n, h.astype(np.float64).var(axis=0), rtol=1e-7, atol=1e-12)
    # another sample picked there: that sample alone traced (a batch of one), as here
    lw.sample_spin.setValue(0)
    assert lw.wait(60) and lw.seq.ready
    own = lw.seq.windowed[name].steps["h"]
    assert own.shape[0] == 1
    state.set_cursor(sample=0)
    assert np.array_equal(own, state.trace[name].steps["h"])
    assert np.array_equal(lw.window_values()[2], own[0])
    # a crossing picked: the main window goes to its step, in that sample
    lw.threshold_edit.setValue(0.0)
    crossings = lw.find_crossings()
    assert crossings is not None and len(crossings) and lw.crossing_list.count()
    lw.sample_spin.setValue(1)
    assert lw.wait(60)
    crossings = lw.find_crossings()
    assert lw.crossing_list.count()
    lw.crossing_list.setCurrentIndex(0)
    lw.crossing_list.activated.emit(0)
    assert state.cursor.sample == 1 and state.cursor.step == lw.step == int(lw.crossing_list.itemData(0))
    # a unit row clicked there: that unit, of the sample shown there, here too
    lw.sample_spin.setValue(2)
    lw._emit_unit(7)
    assert (state.cursor.sample, state.cursor.unit, state.cursor.layer) == (2, 7, name)
    # the same input: the same window; another input: it closes
    assert win.open_units_window() is lw
    state.set_input_spec(seed=7)
    assert not shiboken6.isValid(lw) or not lw.isVisible()
    again = win.open_units_window()
    assert again is not None and again is not lw and again.wait(60)
    again.close()


def test_ids_the_embedding_cannot_take_and_an_empty_text_are_refused_and_the_input_kept(
        make_window, tmp_path, monkeypatch):
    """A .npy of token ids from another vocabulary (ids up to 99 for an Embedding of 30) or
    of fractions opened as a long input: the app made them into ids 1..29 by scaling them,
    as it does a generator's signal, without a word (the window's Import refuses them). An
    empty text: 'layer 'input_layer' (InputLayer): batch_shape is [None, 0] ...', the input
    replaced by an empty one and the error left in the side panel. Each is now one line
    naming the file, and the input, its trace and the undo stack stay as they were."""
    from lstmviz import limits
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)
    state = AppState([LayerEntry("Embedding", {"input_dim": 30, "output_dim": 4}),
                      LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec())
    win = make_window((1280, 720), state)
    ids = np.random.default_rng(0).integers(0, 30, size=(1, 6000)).astype(np.int32)
    big = ids.copy()
    big[0, 5000] = 99
    np.save(tmp_path / "big.npy", big)
    np.save(tmp_path / "frac.npy", ids.astype(np.float32) + 0.5)
    (tmp_path / "empty.txt").write_text("")
    before, undo = np.asarray(state.trace.inputs[0]).copy(), len(state.undo_stack)
    for name, said in [("big.npy", "big.npy: token id 99 is outside the Embedding's vocabulary "
                                    "(input_dim 30: ids 0..29)"),
                       ("frac.npy", "frac.npy: the model starts with an Embedding, which reads "
                                    "whole-number token ids 0..29; the file holds fractions or NaN"),
                       ("empty.txt", "empty.txt: the file is empty")]:
        assert not win.open_long(tmp_path / name)
        assert win.last_message == said
        assert state.error is None and len(state.undo_stack) == undo
        np.testing.assert_array_equal(np.asarray(state.trace.inputs[0]), before)
    np.save(tmp_path / "ids.npy", ids)  # ids it takes: as they are
    assert win.open_long(tmp_path / "ids.npy")
    np.testing.assert_array_equal(np.asarray(state.long.x).reshape(ids.shape), ids)
    win.long_runner.cancel()
    win.long_runner.wait()


def test_find_crossings_waits_for_the_keyframe_pass_and_says_so(qtbot, model_x):
    # clicked while the pass ran, Find crossings listed nothing and said "find crossings once
    # the keyframe pass has finished" for the 0.1 s until the progress timer wrote "tracing
    # keyframes..." over it: it looked like no crossings. It is offered once there are
    # keyframes to find them from, its tooltip saying so meanwhile.
    model, x = model_x
    w = LongSequenceWindow(model, x, window=256, start=False)
    qtbot.addWidget(w)
    assert not w.seq.ready
    assert not w.find_button.isEnabled()
    assert w.find_button.toolTip() == "Finds crossings once the keyframe pass has run"
    w.start()
    assert w.wait(120)
    assert w.seq.ready and w.find_button.isEnabled()
    assert "keyframe pass" not in w.find_button.toolTip()
    w.threshold_edit.setValue(0.5)
    w.find_button.click()
    assert w.crossing_list.count() > 0


def test_units_at_scale_ranks_after_the_overviews_were_cancelled(qtbot, model_x):
    # Cancel in the main window while its strips were made (the keyframes done), then View >
    # Units at scale: it said "cancelled" and drew nothing over the whole sequence, for
    # good: its own summary was stopped by that earlier cancel before it began
    from lstmviz.app.long_sequence import LongSequence
    model, x = model_x
    seq = LongSequence(model, x, window=256)
    assert seq.run_pass()
    seq.cancel()
    assert not seq.run_overviews() and seq.error == "cancelled: no overview"
    w = LongSequenceWindow(seq=seq)
    qtbot.addWidget(w)
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=60_000)
    ov, st = scale.summarize(model.trace(x), "l", "i", bins=1023, feature=0)
    np.testing.assert_array_equal(w.summary[0].hi, ov.hi)
    assert "cancelled" not in w.status.text()
    w.rank_combo.setCurrentText("variance")
    np.testing.assert_array_equal(w.over_img.image, np.where(np.abs(ov.hi) >= np.abs(ov.lo), ov.hi, ov.lo)[
        :, scale.rank_units(st, "variance", top=64)].T)


def test_a_long_texts_unrolled_input_row_reads_its_characters_around_the_cursor(make_window, tmp_path, monkeypatch):
    """The Unrolled view writes a character in each input box up to 30 steps; a long text's
    window has 256, and its input row was a grey band: no character readable. It now
    writes the window's characters around the cursor over the row, the cursor's marked,
    through the vocabulary too (a token's markup written as characters)."""
    from lstmviz import limits
    from lstmviz.app import inputs as gen

    words = "the forget gate decides what the cell keeps and the input gate what it writes".split()
    rng = np.random.default_rng(3)
    text = " ".join(rng.choice(words, 2000)) + "."
    win, state, book = _text_window(make_window, tmp_path, text)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)  # a long input
    unrolled = next(v for v in win.views if v.title == "Unrolled")
    win.tabs.setCurrentWidget(unrolled)
    assert win.open_long(book) and state.long is not None and win.long_runner.wait(120)
    shown = text.replace(" ", "\u2423")
    for step in (0, 5003, len(text) - 1):
        state.set_cursor(step=step, layer=state.model.layers[1].name)
        win.long_runner.wait(60)
        win.long_runner.poll()
        loupe = unrolled.loupe
        assert loupe.isVisible()
        said = loupe.textItem.toPlainText()
        assert len(said) >= 20 and said in shown, said
        # the cursor's character is the one marked, where the text around it places it
        start = state.trace.start + unrolled.current_column
        assert start == step
        at = loupe.textItem.toHtml().split("background-color:")[1].split(">", 1)[1].split("<", 1)[0]
        assert at == shown[step]
        first = next(a for a in range(max(0, step - len(said)), step + 1) if shown[a:a + len(said)] == said)
        assert first <= step < first + len(said)
    # through a vocabulary: characters that are markup written as themselves
    marked = text[:5000] + "x<b>&y" + text[5006:]
    book.write_text(marked, encoding="utf-8")
    vocab = ["", "[UNK]"] + sorted(set(marked))
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    assert win.open_long(book, vocabulary=str(tmp_path / "vocab.json")) and win.long_runner.wait(120)
    state.set_cursor(step=5003)
    win.long_runner.wait(60)
    win.long_runner.poll()
    assert "x<b>&y" in unrolled.loupe.textItem.toPlainText()
    # a short input writes a character in each box: no loupe
    state.set_input_data(gen.text_ids("the forget gate"))
    assert state.long is None and not unrolled.loupe.isVisible()


def test_a_long_texts_most_likely_next_characters_read_around_the_cursor(make_window, tmp_path, monkeypatch):
    """The character demo on a long text: its softmax row's most likely next characters are
    written in the boxes up to 30 steps, and were not at all in a long input's window. They
    are now read around the cursor as the input's characters are, column for column, the
    legend saying what they are."""
    import re
    from pathlib import Path

    import lstmviz
    from lstmviz import limits
    from lstmviz.app.state import AppState

    text = "the forget gate decides what the cell keeps. " * 150
    book = tmp_path / "book.txt"
    book.write_text(text, encoding="utf-8")
    state = AppState()
    win = make_window((1400, 900), state)
    assert win.open_file(Path(lstmviz.__file__).parent / "resources" / "demos" / "char_model.keras")
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)  # a long input
    unrolled = next(v for v in win.views if v.title == "Unrolled")
    win.tabs.setCurrentWidget(unrolled)
    assert win.open_long(book) and state.long is not None and win.long_runner.wait(120)
    state.set_cursor(step=5003)
    win.long_runner.wait(60)
    win.long_runner.poll()
    said_in, said_out = (item.textItem.toPlainText() for item in (unrolled.loupe, unrolled.next_loupe))
    assert unrolled.next_loupe.isVisible() and len(said_out) == len(said_in) >= 20
    # the window's characters and the model's guesses, from the trace: the same columns
    start, col = state.trace.start, unrolled.current_column
    window = text.replace(" ", "\u2423")[start:start + state.long.window]
    a = next(a for a in range(max(0, col - len(said_in) + 1), col + 1) if window[a:a + len(said_in)] == said_in)
    labels = state.token_labels()
    probs = state.trace.layers[state.model.layers[-1].name].outputs[0][0]
    guessed = "".join(labels[int(i)] for i in np.argmax(probs, axis=-1))
    assert said_out == guessed[a:a + len(said_out)]
    assert "its most likely next character" in re.sub("<[^>]+>", "", unrolled.legend.text())


def _started_and_polled(w) -> None:
    """``w`` started, and its timer's turns taken five times, each after the worker ended."""
    w.start()
    for _ in range(5):
        worker = w._worker
        if worker is not None:
            worker.join(60)
        w._poll()


@pytest.mark.parametrize("where", ["pass", "summary"])
def test_a_worker_that_fails_says_why_once_and_is_not_started_again(qtbot, model_x, monkeypatch, where):
    # a worker that died of an unexpected exception (not a refusal) left no error behind:
    # the timer found the pass neither done nor refused and started it again, every 100 ms
    # for good (the summary likewise), without a word in the window
    from lstmviz.app import long_sequence
    model, x = model_x
    calls = []

    def boom(*args, **kw):
        calls.append(1)
        raise RuntimeError("boom <b>")
    if where == "pass":
        monkeypatch.setattr(long_sequence, "keyframe_pass", boom)
    else:
        monkeypatch.setattr(long_sequence.scale, "summarize", boom)
    w = LongSequenceWindow(model, x, window=256, start=False)
    qtbot.addWidget(w)
    _started_and_polled(w)
    assert len(calls) == 1
    assert not w.timer.isActive()
    what = "keyframe pass" if where == "pass" else "summary"
    assert w.status.text() == f"the {what} failed: RuntimeError: boom <b> (please report this)"


def test_a_model_a_window_cannot_follow_is_refused_once_in_the_panel(qtbot, monkeypatch):
    # Units at scale on its own sequence with a model whose time axis a window cannot follow
    # (a Reshape of the LSTM's steps to twice as many: a Flatten is followed now): the room for
    # the pass was made before its refusal was caught, so the refusal escaped the worker, left
    # no error, and the timer started it again
    from lstmviz.app import long_sequence
    model = Model.sequential((None, 300, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
                                              LayerSpec("Reshape", {"target_shape": [-1, 2]}, name="f")], seed=0)
    x = np.zeros((1, 300, 2), np.float32)
    calls = []
    real = long_sequence.pass_bytes

    def counted(*args, **kw):
        calls.append(1)
        return real(*args, **kw)
    monkeypatch.setattr(long_sequence, "pass_bytes", counted)
    w = LongSequenceWindow(model, x, window=64, start=False)
    qtbot.addWidget(w)
    _started_and_polled(w)
    assert len(calls) == 1
    assert "reshapes the time axis" in w.status.text()


def test_the_units_bar_goes_one_above_the_other_when_a_text_grows_after_it_was_fitted(qtbot):
    """The bar chose its rows only when resized: the scores, set once the summary came,
    made the ranking wider than the window after it had chosen one row, and the rank box
    was cut mid-word ("model ord") beside cut scores (a Bidirectional's long names,
    1,024 px). Now a part that grows lays the bar out again."""
    from PySide6 import QtWidgets

    from lstmviz.ui.labels import WrapRow

    text = QtWidgets.QLabel("")
    bar = WrapRow([(QtWidgets.QLabel("units by"), text), (QtWidgets.QPushButton("Find crossings"),)])
    window = QtWidgets.QWidget()  # (a window of its own width: the bar in it)
    QtWidgets.QVBoxLayout(window).addWidget(bar)
    qtbot.addWidget(window)
    window.setFixedWidth(bar.needed() + 40)
    window.show()
    qtbot.waitExposed(window)
    assert bar.row.direction() == QtWidgets.QBoxLayout.Direction.LeftToRight
    text.setText("variance 0.002908 \u00b7 saturation 0.0% \u00b7 r +0.347")
    qtbot.waitUntil(lambda: bar.row.direction() == QtWidgets.QBoxLayout.Direction.TopToBottom, timeout=2000)
    text.setText("")
    qtbot.waitUntil(lambda: bar.row.direction() == QtWidgets.QBoxLayout.Direction.LeftToRight, timeout=2000)


def test_long_layer_names_leave_the_window_within_a_small_screen(qtbot):
    """A Bidirectional named 'bidirectional_encoder_lstm' held the window 1,265 px wide at
    the least (1,523 px asked for 1,024 in the projector theme): the record box as wide as
    its longest name, the progress bar as wide as that name and 'over all steps 100%', the
    status one line and the step's label with the layer's name all kept their whole width.
    Now the record box shrinks and ends its text in '…', the status wraps and the progress
    and the step's label name the record, not its layer again."""
    from PySide6 import QtWidgets

    model = Model.sequential((None, None, 3), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM", "config": {
            "units": 4, "return_sequences": True}}}, name="bidirectional_encoder_lstm_of_the_text"),
        LayerSpec("GRU", {"units": 3}, name="g")], seed=1)
    x = np.random.default_rng(0).normal(size=(1, 2000, 3)).astype(np.float32)
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.resize(1024, 700)
    w.show()
    qtbot.waitExposed(w)

    def fits():
        QtWidgets.QApplication.processEvents()
        assert w.minimumSizeHint().width() <= 1024
        assert w.width() == 1024
        for c in (w.record_combo, w.rank_combo, w.crossing_list, w.step_label, w.scores_label):
            right = c.mapTo(w, c.rect().topRight()).x()
            assert right < w.width(), f"{c} ends at {right} of {w.width()}"
        for c in (w.record_combo, w.rank_combo):
            shown = c.shown_text()
            assert shown == c.currentText() or shown.endswith("\u2026")
        # every plot within the window (a long title widened the grid's left column and
        # pushed the right one out: its titles take their short form)
        for p in (w.over_plot, w.win_plot, w.curve_over, w.curve_win):
            assert p.mapRectToScene(p.boundingRect()).right() <= w.glw.width() + 1

    fits()
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    fits()
    key = w.record_combo.currentData()[1]
    assert key.startswith("forward/") and f"  {key}[0] = " in w.step_label.text()


def test_a_theme_picked_while_it_is_open_recolours_its_plots(qtbot, model_x):
    """View > Theme changed the window's controls but not its plots: a dark plot area with
    dark titles in the light theme, and in the projector theme titles of pyqtgraph's 9 pt.
    Now the plots take the theme's background, colours, sizes and colour maps."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th

    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.show()
    dark = th.current()
    assert w.glw.backgroundBrush().color().name() == QtGui_name(dark.background)
    for name in ("light", "projector"):
        t = th.apply(name, QtWidgets.QApplication.instance())
        assert w.glw.backgroundBrush().color().name() == QtGui_name(t.background)
        for p in (w.over_plot, w.win_plot, w.curve_over, w.curve_win):
            assert f"{t.pt(1.1)}pt" in p.titleLabel._lstmviz_css
            assert QtGui_name(t.foreground)[1:] in p.titleLabel._lstmviz_css  # (#ffrrggbb)
            assert p.getAxis("left").textPen().color().name() == QtGui_name(t.foreground)
        assert w.over_line.pen.color().name() == QtGui_name(t.highlight)
        assert w.win_row.pen().color().name() == QtGui_name(t.highlight)
        # the exact window's heatmap in the theme's colour map
        want = th.cmap_for(w.record_combo.currentData()[1], t).getLookupTable(nPts=8)
        assert np.array_equal(w.win_img._colorMap.getLookupTable(nPts=8), want)


def QtGui_name(colour) -> str:  # noqa: N802
    from PySide6 import QtGui

    return QtGui.QColor(colour).name()


def test_the_crossings_listed_go_when_what_they_were_found_for_changes(qtbot, model_x):
    """The list kept unit 1's crossings after unit 2 was chosen (or another record, sample,
    threshold or direction), and a step picked from it went to the main window as a
    crossing of unit 2. Now they go, with the status' count of them; the same choices
    again keep them. The box itself says the count (it said "steps found" until opened,
    the count only in the status line above the plots), and "no crossings" where none."""
    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    picked = []
    w.crossing_picked.connect(lambda *a: picked.append(a))
    ready = w.status.text()

    def find():
        w.unit_spin.setValue(1)
        w.threshold_edit.setValue(0.5)
        w.direction_combo.setCurrentText("up")
        got = w.find_crossings()
        assert len(got) and w.crossing_list.count() == len(got)
        assert w.status.text() == f"{len(got)} crossings"
        # what the box shows, none picked yet: the count (its placeholder)
        assert w.crossing_list.currentIndex() == -1
        assert w.crossing_list.placeholderText() == f"{len(got)} crossings"
        assert w.crossing_list.toolTip().startswith(f"{len(got)} crossings: pick one")
        return got

    got = find()
    w.seek(100)  # (seeking keeps them)
    w.direction_combo.setCurrentText("up")
    assert w.crossing_list.count() == len(got)
    w.crossing_list.activated.emit(0)
    assert picked[-1] == (int(got[0]), "l", "", 1)
    for change in (lambda: w.unit_spin.setValue(2), lambda: w.threshold_edit.setValue(0.25),
                   lambda: w.direction_combo.setCurrentText("down"),
                   lambda: w.record_combo.setCurrentIndex(w.record_combo.currentIndex() + 1)):
        find()
        change()
        assert w.crossing_list.count() == 0, change
        assert w.status.text() != f"{len(got)} crossings"
        assert w.crossing_list.placeholderText() == "steps found"
    w.record_combo.setCurrentIndex(0)
    assert w.wait(120)
    assert w.status.text() == ready
    # none: the box says so
    w.threshold_edit.setValue(1e5)
    assert len(w.find_crossings()) == 0 and w.crossing_list.count() == 0
    assert w.crossing_list.placeholderText() == "no crossings" and w.status.text() == "0 crossings"


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # (the model's own)
def test_a_record_that_blows_up_keeps_colours_for_its_finite_steps(qtbot):
    """A SimpleRNN whose state grows 3x a step overflows float32 at step 81, and is NaN
    after: the heatmaps' levels were (nan, nan) or (-inf, inf) and both drew nothing, the
    81 finite steps too. Now the levels span the finite values."""
    model = Model.sequential((None, None, 1), [LayerSpec("SimpleRNN", {
        "units": 2, "activation": "relu", "return_sequences": True}, name="r")], seed=1)
    kernel, recurrent, bias = model.layers[0].weights
    kernel[:] = 1.0
    recurrent[:] = 3 * np.eye(2)
    bias[:] = 0.0
    x = np.ones((1, 3000, 1), np.float32)
    with np.errstate(over="ignore", invalid="ignore"):  # (what it shows)
        h = model.trace(x)["r"].steps["h"][0]
    finite = h[np.isfinite(h)]
    assert 0 < finite.size < h.size
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    m = float(np.abs(finite).max())
    assert tuple(w.win_img.levels) == (-m, m)  # (the first window, before the pass: all of them)
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    ov = w.summary[0]  # (a bin holding a NaN is NaN: the finite bins give the levels)
    both = np.r_[ov.lo.ravel(), ov.hi.ravel()]
    m = float(np.abs(both[np.isfinite(both)]).max())
    assert m > 0
    for img in (w.over_img, w.win_img):
        assert tuple(img.levels) == (-m, m)


def test_the_scores_stand_on_one_line_where_the_row_has_room(qtbot, model_x):
    """The scores wrap where the ranking's row is narrower than them, and stood on two
    lines beside empty room too (a wrapping label asks for less than its line)."""
    from PySide6 import QtWidgets

    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.resize(1900, 800)
    w.show()
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    QtWidgets.QApplication.processEvents()
    label = w.scores_label
    assert label.text().startswith("variance")
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())
    assert label.heightForWidth(label.width()) < 1.6 * label.fontMetrics().height()  # one line


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # (the model's own)
def test_a_record_nan_at_every_step_says_so_and_unit_axes_count_whole_units(qtbot):
    """A layer whose numbers are NaN at every step showed empty plots and 'variance nan ·
    saturation 0.0% · r +0.000', nothing saying why; the scores' line says it. A layer of
    one unit in model order had unit ticks 0, 0.2, ..., 1.0: a unit axis names whole
    units, each at its row's middle."""
    model = Model.sequential((None, None, 1), [
        LayerSpec("LSTM", {"units": 1, "return_sequences": True}, name="one"),
        LayerSpec("SimpleRNN", {"units": 3, "return_sequences": True}, name="r")], seed=1)
    model.layers[1].weights[2][:] = np.nan  # (its bias: NaN from the first step on)
    x = np.sin(np.arange(T) / 30.0)[None, :, None].astype(np.float32)
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    box = w.record_combo
    box.setCurrentIndex(next(i for i in range(box.count()) if box.itemData(i) == ("r", "h")))
    qtbot.waitUntil(lambda: w.summary is not None and w.summary[1].n == T, timeout=120_000)
    st = w.summary[1]
    assert not st.scored.any()
    assert w.scores_label.text() == ("h[0] is NaN at every step: the layer's numbers overflowed (or its weights "
                                     "are not numbers); nothing to plot or score")
    for plot in (w.over_plot, w.win_plot):
        assert plot.getAxis("left")._tickLevels == [[(0.5, "0"), (1.5, "1"), (2.5, "2")], []]
    w.rank_combo.setCurrentText("saturation")  # (no unit scores: model order kept, last)
    qtbot.waitUntil(lambda: w.order is not None, timeout=60_000)
    assert list(w.order) == [0, 1, 2]
    w.rank_combo.setCurrentText("model order")
    box.setCurrentIndex(next(i for i in range(box.count()) if box.itemData(i) == ("one", "h")))  # one unit
    qtbot.waitUntil(lambda: w.summary is not None and w.summary[1].n == T, timeout=120_000)
    for plot in (w.over_plot, w.win_plot):
        assert plot.getAxis("left")._tickLevels == [[(0.5, "0")], []]
    assert w.scores_label.text().startswith("variance")


def test_find_crossings_runs_off_the_window_thread_with_a_progress_dialog_and_cancel(qtbot, model_x,
                                                                                   monkeypatch):
    """Find crossings recomputed the whole sequence from the keyframes on the window's
    thread: an LSTM(512) over 30,000 steps froze the window 5 s (100,000 steps: ~17 s), with
    no progress and no way to stop. Now it runs on a worker, a progress dialog with Cancel
    over the window; a cancelled search keeps the crossings listed before."""
    from PySide6 import QtCore, QtWidgets

    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.start()
    assert w.wait(120)
    w.unit_spin.setValue(1)
    w.threshold_edit.setValue(0.5)
    before = w.find_crossings()  # (a search that runs to its end: the list filled)
    col = model.trace(x)["l"].steps["i"][0, :, 1]
    np.testing.assert_array_equal(before, scale.crossings(col, 0.5, "up"))
    assert w.crossing_list.count() == len(before) > 0
    real = scale.find_crossings
    seen = {}

    def slow(*args, cancel=None, **kw):  # a long search: it runs until the dialog cancels it
        seen["thread"] = threading.current_thread()
        if seen["thread"] is threading.main_thread():
            return real(*args, cancel=cancel, **kw)
        for _ in range(6000):
            if cancel():
                raise long_view.LstmvizError("cancelled")
            threading.Event().wait(0.01)
        return real(*args, cancel=cancel, **kw)

    monkeypatch.setattr(scale, "find_crossings", slow)
    w.seq._series.clear()  # (the unit's series kept by the search before: a search again recomputes it)

    def cancel_dialog():
        dialogs = [d for d in w.findChildren(QtWidgets.QProgressDialog) if d.isVisible()]
        if not dialogs:
            QtCore.QTimer.singleShot(20, cancel_dialog)
            return
        seen["label"] = dialogs[0].labelText()
        dialogs[0].cancel()

    QtCore.QTimer.singleShot(0, cancel_dialog)
    got = w.find_crossings()
    assert seen["thread"] is not threading.main_thread()
    assert seen.get("label", "").startswith("Finding the steps where i[1] crosses 0.5")
    assert len(got) == 0 and w.status.text() == "finding crossings: cancelled"
    assert w.crossing_list.count() == len(before)  # (what was listed stays)


def test_another_threshold_on_the_same_unit_answers_from_its_series_kept(qtbot, model_x, monkeypatch):
    """Find crossings recomputed the whole sequence from the keyframes at each search (45 s
    for a GRU(64) over 300,000 steps under load): thresholds 0.5, 0.4, 0.6 tried on one unit
    waited each time. The first search on a unit keeps its series (``LongSequence.crossings``,
    one number a step): another threshold or direction reads no window and lists the steps a
    fresh search finds; another unit is searched anew; a series over its share of the
    trace budget is not kept."""
    from lstmviz.app import long_sequence

    model, x = model_x
    real, runs = scale.stream, []

    def counted(*args, **kw):  # (blocks of a few windows: the series is kept across blocks)
        runs.append(args[1:3])
        return real(*args, **{**kw, "block": 128})
    monkeypatch.setattr(scale, "stream", counted)
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.start()
    assert w.wait(120)
    assert w.record_combo.currentData() == ("l", "i")
    assert len(list(real(w.seq.windowed, "l", "i", 0, block=128))) > 1
    col = model.trace(x)["l"].steps["i"][0, :, 1]
    w.unit_spin.setValue(1)
    runs.clear()
    for threshold, direction in ((0.5, "up"), (0.4, "up"), (0.6, "both"), (0.5, "down")):
        w.threshold_edit.setValue(threshold)
        w.direction_combo.setCurrentText(direction)
        got = w.find_crossings()
        assert len(runs) == 1, (threshold, direction, runs)  # (the first search's pass only)
        fresh = scale.find_crossings(w.seq.windowed, "l", "i", 1, threshold, direction)
        runs.pop()
        np.testing.assert_array_equal(got, fresh)
        np.testing.assert_array_equal(got, scale.crossings(col, threshold, direction))
        assert len(got) > 0 and w.crossing_list.count() == len(got)
    w.unit_spin.setValue(2)  # another unit: its own pass
    w.find_crossings()
    assert len(runs) == 2
    runs.clear()
    monkeypatch.setattr(long_sequence, "SERIES_SHARE", (T * 4 - 1) / long_sequence.trace_budget())
    w.unit_spin.setValue(3)  # (its series over the share: each search recomputes it)
    for threshold in (0.5, 0.4):
        w.threshold_edit.setValue(threshold)
        np.testing.assert_array_equal(w.find_crossings(),
                                      scale.crossings(model.trace(x)["l"].steps["i"][0, :, 3], threshold, "down"))
    assert len(runs) == 2


def _summarized(qtbot, w) -> None:
    """``w`` shown, its keyframe pass run and its first summary made."""
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)


def test_the_scores_stand_whole_in_a_window_of_an_800_px_screen(qtbot):
    """On an 800 x 600 screen (the window 760 px wide) the selected unit's scores stood in
    133 px beside the ranking's boxes, wrapped to four lines in the room of three: cut at
    the top ("variance" half gone) and the bottom (r not shown). They now go on a line of
    their own where they do not fit beside the boxes, and stay beside them where they do."""
    from PySide6 import QtWidgets

    model = Model.sequential((None, None, 3), [LayerSpec("LSTM", {"units": 16, "return_sequences": True},
                                                         name="l")], seed=2)
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 230.0), np.sin(t / 7.0)], -1)[None].astype(np.float32)
    w = LongSequenceWindow(model, x, start=False, feature_names=["temperature", "pressure", "flow"])
    _summarized(qtbot, w)
    w.rank_combo.setCurrentText("correlation")
    w.feature_spin.setValue(1)
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    label = w.scores_label

    def y(c):  # (the middle of a box: a label beside a spin box stands a pixel lower)
        return c.mapTo(w, c.rect().center()).y()

    for size in ((760, 540), (984, 708), (1240, 680), (1400, 800)):
        w.resize(*size)
        for _ in range(5):
            QtWidgets.QApplication.processEvents()
        assert label.text().startswith("variance") and " r\u00a0" in label.text()
        assert label.height() >= label.heightForWidth(label.width()), size  # (every line of it)
        assert label.mapTo(w, label.rect().topRight()).x() <= w.width(), size
        beside = label.width() >= label.fontMetrics().horizontalAdvance(label.text())
        assert beside, size  # one line, wherever it stands
        assert y(w.threshold_edit) >= y(label) - 4 and y(label) >= y(w.top_spin) - 4, size
        if size == (760, 540):  # a line of its own
            assert y(w.threshold_edit) > y(label) + 4 and y(label) > y(w.top_spin) + 4
    assert abs(y(label) - y(w.top_spin)) <= 4  # (1,400 px: beside the ranking, as before)


def test_the_ranked_heatmaps_titles_stand_whole_in_a_window_of_an_800_px_screen(qtbot, model_x):
    """Ranked, the exact window's title "exact window, units by correlation" was cut at the
    window's edge to "... by correlatio" in the 760 px window of an 800 x 600 screen, and
    the overview's ran past its plot: both have a short form now ("exact window, by
    correlation"), the whole title where it fits."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th
    from lstmviz.ui.main_window import apply_chrome

    app = QtWidgets.QApplication.instance()
    th.apply("dark", app)
    apply_chrome(app)
    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    _summarized(qtbot, w)
    for by in ("saturation", "correlation", "variance"):
        w.rank_combo.setCurrentText(by)
        for size in ((760, 540), (1400, 800)):
            w.resize(*size)
            for _ in range(5):
                QtWidgets.QApplication.processEvents()
            for p in (w.over_plot, w.win_plot):
                label = p.titleLabel
                shown = label.item.toPlainText()
                assert shown.endswith(f", by {by}") or shown.endswith(f", units by {by}"), shown
                assert label.item.boundingRect().width() <= label.width() + 1, (by, size, shown)
        assert w.win_plot.titleLabel.item.toPlainText() == f"exact window, units by {by}"  # (1,400 px)


def test_token_ids_offer_no_correlation_with_a_feature_they_do_not_have(qtbot):
    """A long text through a character model (token ids, (batch, steps)): Units at scale
    offered 'correlation' with 'feature 0', and every unit said r +0.000, the ranking by it
    in model order: it looked broken. Ids have no features: no correlation ranking, no
    feature box, no r; the variance and saturation as before."""
    model = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": 30, "output_dim": 4}),
                                            LayerSpec("LSTM", {"units": 5, "return_sequences": True},
                                                      name="l")], seed=2)
    ids = (np.arange(T) * 7 % 29 + 1)[None].astype(np.int32)
    w = LongSequenceWindow(model, ids, start=False)
    qtbot.addWidget(w)
    w.show()
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    ranks = [w.rank_combo.itemText(i) for i in range(w.rank_combo.count())]
    assert ranks == ["model order", "variance", "saturation"]
    assert not w.feature_spin.isVisible()
    said = w.scores_label.text()
    assert said.startswith("variance") and "saturation" in said and " r\u00a0" not in said, said
    # features (a (batch, steps, features) input): all three, the box and r, as before
    model3, x = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 3}, name="l")], seed=1), \
        np.random.default_rng(0).normal(size=(1, 600, 2)).astype(np.float32)
    w3 = LongSequenceWindow(model3, x, start=False)
    qtbot.addWidget(w3)
    w3.show()
    assert [w3.rank_combo.itemText(i) for i in range(w3.rank_combo.count())][-1] == "correlation"
    assert w3.feature_spin.isVisible()


def test_the_crossings_count_stays_when_a_summary_ends_after_them(qtbot, model_x, monkeypatch):
    """Find crossings clicked while the summary of a record just chosen ran: the status said
    "41 crossings", then the summary's end wrote its line over it ("3,000 steps; keyframes
    every 16 steps; ..."), the list still holding the 41. The count stays while the list
    is of what is shown."""
    import threading

    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    qtbot.addWidget(w)
    w.record_combo.setCurrentIndex(1)
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    go = threading.Event()
    real = w.seq.summary
    monkeypatch.setattr(w.seq, "summary", lambda *a, **k: go.wait(60) and real(*a, **k))
    w.record_combo.setCurrentIndex(0)  # (l: i) its summary: held
    assert w._worker is not None and w._worker.is_alive()
    w.unit_spin.setValue(1)
    w.threshold_edit.setValue(0.5)
    got = w.find_crossings()
    said = f"{len(got)} crossings"
    assert len(got) and w.status.text() == said
    go.set()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=60_000)
    w._poll()
    assert w.status.text() == said and w.crossing_list.count() == len(got)
    w.threshold_edit.setValue(0.25)  # (another threshold: the list and its count go)
    assert w.crossing_list.count() == 0 and w.status.text() != said


def _at_760_x_540(qtbot, units: int, name: str):
    """Units at scale of an LSTM(``units``) over two slow waves of ``T`` steps, in a window
    of 760 x 540 (an 800 x 600 screen), summarized and at step 1,500."""
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": units, "return_sequences": True},
                                                         name=name)], seed=2)
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 230.0)], -1)[None].astype(np.float32)
    w = LongSequenceWindow(model, x, start=False)
    w.resize(760, 540)
    _summarized(qtbot, w)
    w.seek(1500)
    return w


def test_hundreds_of_units_fit_a_window_of_an_800_px_screen_every_unit_drawn(qtbot):
    """Units at scale of an LSTM(300) at 760 x 540 (an 800 x 600 screen): its heatmaps had
    as much height as the one unit's curves (about 105 px of image for 300 rows), and Qt's
    scaling of an image of more rows than pixels dropped rows: most units were never drawn.
    The heatmaps now take twice the curves' share, and where rows are still more than the
    image's pixels each image row holds neighbouring units, the value furthest from 0 of
    them (``scale.fold_rows``), so every unit is drawn; a click there picks the unit drawn."""
    from PySide6 import QtCore, QtWidgets

    w = _at_760_x_540(qtbot, units=300, name="wide")
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    heat, curves = w.win_plot.vb.height(), w.curve_win.vb.height()
    assert heat >= 1.6 * curves, (heat, curves)
    trace, start, values = w.window_values()
    image = w.win_img.image
    assert image.shape[0] <= heat < 300  # (no more rows than pixels)
    k = w._fold
    assert k == -(-300 // int(heat)) > 1
    np.testing.assert_array_equal(image, scale.fold_rows(values, k).T)
    np.testing.assert_array_equal(w.over_img.image, scale.fold_rows(w.summary[0].extreme(), k).T)
    # each unit's values are in its image row, where they swing furthest
    group = values[:, 7 * k:8 * k]
    assert np.all(np.abs(image[7]) == np.abs(group).max(axis=1))

    class Click:
        def button(self):
            return QtCore.Qt.MouseButton.LeftButton

        def pos(self):
            return QtCore.QPointF(3.0, 7.5)

        def accept(self):
            pass

    # a click picks the unit whose value is drawn there: of the group, the one swinging
    # furthest at that step (it picked the group's first, which need not be the one seen)
    w._window_clicked(Click())
    drawn = 7 * k + int(np.argmax(np.abs(values[3, 7 * k:8 * k])))
    assert w.unit_spin.value() == drawn and values[3, drawn] == image[7, 3]
    extreme = w.summary[0].extreme()
    w._overview_clicked(Click())  # (the overview's bin 3: its extremes, and a seek there)
    seen = 7 * k + int(np.argmax(np.abs(extreme[3, 7 * k:8 * k])))
    assert w.unit_spin.value() == seen and extreme[3, seen] == w.over_img.image[7, 3]
    # a ranking of the top 64 has room row by row: nothing folded
    w.unit_spin.setValue(int(scale.rank_units(w.summary[1], "variance")[0]))  # (among them: no row added)
    w.rank_combo.setCurrentText("variance")
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    assert w._fold == 1 and w.win_img.image.shape[0] == 64


def test_fold_rows_keeps_the_value_furthest_from_zero_of_each_group():
    a = np.array([[1, -3, 2, 0.5, np.nan], [np.nan, np.nan, 1, 2, -7]], np.float32)
    got = scale.fold_rows(a, 2)
    np.testing.assert_array_equal(got, np.array([[-3, 2, np.nan], [np.nan, 2, -7]], np.float32))
    assert got.dtype == np.float32 and scale.fold_rows(a, 1) is a
    # the row each group draws, step by step (a click's unit): the same rule
    for step in range(2):
        for group in range(3):
            row = scale.folded_row(a[step], group, 2)
            assert np.array_equal(a[step, row], got[step, group], equal_nan=True)
    assert scale.folded_row(a[0], 1, 1) == 1


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_the_curves_value_axes_write_fewer_labels_where_they_are_short(qtbot, theme):
    """Units at scale at 760 x 540 (an 800 x 600 screen): the selected unit's curves had
    about 80 px of height (105 in the dark theme) and their value axes wrote five labels
    there, "0.54 0.52 0.50 0.48 0.46", a line apart: a column of numbers, not a scale. The
    labels stand two lines apart now (a wider step), two of them at least where the axis
    spans two of a step; in a tall window, more of them."""
    from PySide6 import QtGui, QtWidgets

    from helpers import axis_labels
    from lstmviz.ui import theme as th

    th.apply(theme, QtWidgets.QApplication.instance())
    w = _at_760_x_540(qtbot, units=8, name="l")

    def labels():
        for _ in range(5):
            QtWidgets.QApplication.processEvents()
        out = []
        for plot in (w.curve_over, w.curve_win):
            axis = plot.getAxis("left")
            line = QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font()).height()
            out.append((axis.height(), line, sorted(rect.center().y() for rect, _ in axis_labels(axis))))
        return out

    for height, line, ys in labels():
        assert height < 6 * line, (height, line)  # (short: the window of an 800 x 600 screen)
        assert 2 <= len(ys) <= 3, ys
        assert all(b - a >= 1.5 * line for a, b in zip(ys, ys[1:])), (ys, line)
    w.resize(1400, 1000)
    for height, line, ys in labels():
        assert height > 8 * line and len(ys) >= 4, (height, ys)
        assert all(b - a >= 1.5 * line for a, b in zip(ys, ys[1:])), (ys, line)


def test_a_vocabulary_that_cannot_be_read_is_named_alone(make_window, tmp_path):
    """A text opened through a vocabulary file that is gone: its refusal names the
    vocabulary ("v.json: No such file or directory"), and the window put the text's name
    in front of it ("book.txt: v.json: No such file or directory"), as if the text were
    the file that could not be read."""
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    book = tmp_path / "book.txt"
    book.write_text("a text of a few words\n" * 50, encoding="utf-8")
    state = AppState([LayerEntry("Embedding", {"input_dim": 40, "output_dim": 4}),
                      LayerEntry("LSTM", default_config("LSTM", None, units=5))], InputSpec())
    win = make_window((1280, 720), state)
    before = state.x
    assert not win.open_long(str(book), vocabulary=str(tmp_path / "v.json"))
    assert win.last_message == "v.json: No such file or directory"
    assert state.x is before


def test_units_at_scale_closes_with_the_main_window_and_its_work_stops(make_window):
    """Closing the main window left its Units at scale window on screen, and the pass of its
    own over every sample of an input traced whole ran on to its end on its thread. Now its
    sequence (the sample shown) is closed with it: a summary under way stops."""
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=64))],
                     InputSpec(input_dim=3, batch_size=16, timesteps=4000))
    win = make_window((1280, 720), state)
    lw = win.open_units_window()
    assert lw is not None and lw.owns and lw.isVisible()
    seq, worker = lw.seq, lw._worker
    win.close()
    assert seq.closed  # (its summaries and crossings stop)
    if worker is not None:
        worker.join(60)
        assert not worker.is_alive()
    import shiboken6
    assert not shiboken6.isValid(lw) or not lw.isVisible()


@pytest.mark.parametrize("case", ["k3_seq2seq_lstm", "k3_misc_layers", "k3_repeat_vector"])
def test_units_at_scale_ranks_every_recurrent_layer_of_a_model_windows_cannot_follow(make_window, case):
    """An encoder-decoder (inputs of other lengths), a Flatten, a RepeatVector's decoder
    were refused ("inputs of 5 and 4 steps"): a long input's windows cannot follow them. An
    input traced whole needs no windows: each recurrent layer's units are shown on its own
    time axis (the decoder's steps, fed as the main window feeds it), their numbers the main
    window's trace's, and a decoder's units correlated with its own input's features."""
    from pathlib import Path

    win = make_window((1280, 720))
    assert win.open_file(Path(__file__).parent / "fixtures" / case / "model.keras")
    state = win.state
    assert state.long is None
    lw = win.open_units_window()
    assert lw is not None and lw.wait(60), win.last_message
    layers = {layer for layer, _ in lw.choices}
    assert layers
    for i, (layer, key) in enumerate(lw.choices):
        if key != "h":
            continue
        lw.record_combo.setCurrentIndex(i)
        assert lw.wait(60) and lw.summary is not None
        h = state.trace[layer].steps["h"][0]
        _, start, values = lw.window_values()
        assert start == 0 and np.array_equal(values, h), (case, layer)
        assert lw._steps() == h.shape[0] == lw.slider.maximum() + 1 == lw.summary[0].total
        assert lw.windowTitle().endswith(f"a sequence of {h.shape[0]} steps")
    if case == "k3_seq2seq_lstm":  # the decoder reads input 1, of 2 features and 4 steps
        assert lw.record_combo.currentData() == ("decoder", "h")
        assert lw.feature_spin.maximum() == 1 and not lw.feature_spin.isHidden()
        lw.feature_spin.setValue(1)
        assert lw.wait(60)
        x1 = state.trace.inputs[1][0, :, 1].astype(np.float64)
        h = state.trace["decoder"].steps["h"][0].astype(np.float64)
        r = [np.corrcoef(x1, h[:, u])[0, 1] for u in range(h.shape[1])]
        np.testing.assert_allclose(lw.summary[1].correlation, r, atol=1e-9)
    lw.close()


def test_units_at_scale_opened_before_its_sample_is_traced_takes_the_main_windows_unit(qtbot):
    """A Bidirectional's backward half: the window opened before its numbers were there
    held its unit box to 0 meanwhile and showed unit 0 for good, not the unit asked for."""
    from lstmviz.app.whole_input import WholeInput

    model = Model.sequential((None, None, 3), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"units": 32}}}, name="bi")], seed=1)
    x = np.random.default_rng(0).standard_normal((3, 300, 3)).astype(np.float32)
    seq = WholeInput(model, [x], 1, alone=True)
    assert not seq.ready  # (nothing traced yet: the case at hand)
    lw = LongSequenceWindow(seq=seq, own=True, start=False)
    qtbot.addWidget(lw)
    lw.show_at(3, "bi", 7, "backward", 1)
    lw.start()
    assert lw.wait(60) and seq.ready
    assert (lw.record_combo.currentData(), lw.sample(), lw.unit_spin.value()) == (("bi", "backward/h"), 1, 7)
    assert lw.curve_win.titleLabel.text.startswith("bi backward/h[7]")
    assert np.array_equal(lw.window_values()[2], model.trace(x[1:2])["bi"].children["backward"].steps["h"][0, :256])


def test_units_at_scale_cancelled_goes_on_from_its_button(qtbot, model_x):
    """Its own pass, cancelled, stayed cancelled for good: the button was disabled, its
    ranking never made. Now the button says "Go on", and goes on with the pass."""
    model, x = model_x
    lw = LongSequenceWindow(model, np.concatenate([x] * 4, axis=1), start=False)
    qtbot.addWidget(lw)
    lw.start()
    lw.cancel()
    assert lw.wait(60) and not lw.seq.ready and lw.status.text().startswith("cancelled")
    assert lw.cancel_button.text() == "Go on" and lw.cancel_button.isEnabled()
    lw.cancel_button.click()
    assert lw.wait(120) and lw.seq.ready and lw.summary is not None
    assert lw.cancel_button.text() == "Cancel" and not lw.cancel_button.isEnabled()
    assert lw.status.text().startswith("12,000 steps; keyframes every")


def test_units_at_scale_of_one_step_says_one_step(make_window):
    """An input of one step (a model fed one vector at a time: a Keras 1 file's LSTM of
    input_length 1) traced whole: the window's title and status said "1 steps"."""
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4))],
                     InputSpec(input_dim=3, batch_size=2, timesteps=1))
    win = make_window((1280, 720), state)
    lw = win.open_units_window()
    assert lw is not None and lw.wait(60)
    assert lw.windowTitle() == "lstmviz: units at scale, a sequence of 1 step"
    assert lw.status.text() == "1 step"


def test_units_at_scale_of_a_model_without_a_recurrent_layer_says_so_in_its_words(make_window):
    """A model with no layer over its steps, traced whole: the refusal said "the model has
    no recurrent layer to follow over a long sequence", without naming Units at scale, of
    an input of 20 steps. An ONNX export whose RNN is unrolled into Dense and Tanh nodes
    (refused so too) ranks its input projection's output over the steps, a Dense on the
    time-major input (``scale.records``; its graph fixes its length to 5 steps: no long
    input of it is traced by windows, the axes are its trace's)."""
    from pathlib import Path

    from lstmviz.app.options import default_config
    from lstmviz.app.output_ref import OUTPUT_KEY
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    state = AppState([LayerEntry("GlobalAveragePooling1D", default_config("GlobalAveragePooling1D")),
                      LayerEntry("Dense", default_config("Dense"))], InputSpec(input_dim=3, timesteps=20))
    win = make_window((1280, 720), state)
    assert win.state.long is None
    assert win.open_units_window() is None
    assert win.last_message == ("Units at scale: the model has no layer to follow over its steps: none is "
                                "recurrent or gives an output a step")
    assert win.open_file(Path(__file__).parent / "fixtures" / "onnx_torch_dynamo_rnn_2layer" / "model.onnx")
    lw = win.open_units_window()
    assert lw is not None and lw.choices[0] == ("rnn.linear", OUTPUT_KEY) and lw.wait(60)
    # (the layers the Over time view draws over the steps of the trace, in the model's order)
    from lstmviz.app.output_ref import output_ref
    assert all(output_ref(win.state.model, win.state.trace, name) is not None for name, _ in lw.choices)
    y = win.state.trace["rnn.linear"].output[:, win.state.cursor.sample]  # (time-major: steps, units)
    _, start, values = lw.window_values()
    assert start == 0 and np.array_equal(values, y)
    lw.close()


def test_an_input_within_one_window_shows_its_steps_once_and_says_why(make_window, qtbot, model_x):
    """An input traced whole of fewer steps than a window showed "whole sequence (min/max
    per bin)" beside "exact window": two copies of the same numbers (a bin a step), the
    same curve twice. Now only the exact column, "every step", whose titles' tooltip says
    why; a sequence longer than the window keeps both."""
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=8))],
                     InputSpec(input_dim=2, batch_size=2, timesteps=40))
    win = make_window((1280, 720), state)
    lw = win.open_units_window()
    assert lw is not None and lw.wait(60)
    grid = lw.glw.ci
    shown = {p for p in (lw.over_plot, lw.win_plot, lw.curve_over, lw.curve_win) if p in grid.items}
    assert shown == {lw.win_plot, lw.curve_win}
    assert lw.win_plot.titleLabel.text == "every step"
    assert lw.curve_win.titleLabel.text.endswith("h[0] at every step")
    why = lw.win_plot.titleLabel.toolTip()
    assert why.startswith("Every step of the record (40 steps) has a column of its own") and "\n" not in why
    # what it shows is the overview's numbers: a bin a step, each the step's value
    ov = lw.summary[0]
    _, start, values = lw.window_values()
    assert ov.bins == ov.total == 40 and np.array_equal(ov.lo, values) and np.array_equal(ov.hi, values)
    lw.close()
    # a long input: both columns, no such tooltip
    model, x = model_x
    w = LongSequenceWindow(model, x, window=256)
    qtbot.addWidget(w)
    assert w.wait(60)
    grid = w.glw.ci
    assert all(p in grid.items for p in (w.over_plot, w.win_plot, w.curve_over, w.curve_win))
    assert w.win_plot.titleLabel.text == "exact window" and w.win_plot.titleLabel.toolTip() == ""


def _scene_x(plot, x: float) -> float:
    """Where step ``x`` of ``plot``'s view stands across the window (scene pixels)."""
    from PySide6 import QtCore

    return plot.vb.mapViewToScene(QtCore.QPointF(x, 0.0)).x()


def _laid_out(qtbot, w) -> None:
    from PySide6 import QtWidgets

    qtbot.waitExposed(w)
    for _ in range(5):  # (titles and axes lay the plots out again)
        QtWidgets.QApplication.processEvents()


def test_each_step_of_a_curve_stands_under_its_column_of_the_heatmap_and_titles_say_what_they_show(
        make_window, qtbot):
    """In the one-column view (an input within one window) the heatmap's column of step t
    spanned t .. t+1 and the curve's point stood at t, their left axes of other widths: the
    curve's steps stood about half a step off those above them. Its curve's title said its
    short form, "h[0], at every step", in a wide window (grouped with the overview's curve,
    out of the grid). With 1,000 steps or fewer the overview's bins are one step each: its
    titles said "min/max per bin". Now a column of step t spans t-0.5 .. t+0.5 under the
    curve's point t, in both columns, the titles whole and saying "every step"."""
    from PySide6 import QtCore

    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    for steps in (40, 600):
        state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=8))],
                         InputSpec(input_dim=2, batch_size=2, timesteps=steps))
        win = make_window((1280, 720), state)
        name = state.model.layers[0].name
        state.set_cursor(step=steps // 3, unit=3)
        lw = win.open_units_window()
        assert lw is not None and lw.wait(60)
        lw.resize(1400, 800)
        _laid_out(qtbot, lw)
        h = state.trace[name].steps["h"][0]
        columns = [(lw.win_plot, lw.curve_win, lw.win_img, lw.unit_curve)]
        if steps == 40:
            assert lw._one_column
            # the curve's title whole where it fits (the window is wide), not its short form
            assert lw.curve_win.titleLabel.item.toPlainText() == f"{name} h[3] at every step"
        else:
            assert not lw._one_column
            columns.append((lw.over_plot, lw.curve_over, lw.over_img, lw.band_lo))
            assert lw.over_plot.titleLabel.item.toPlainText() == "whole sequence (every step)"
            assert lw.curve_over.titleLabel.item.toPlainText() == f"{name} h[3] over the whole sequence (every step)"
            ov = lw.summary[0]
            assert ov.bins == steps and np.array_equal(lw.band_lo.getData()[1], h[:, 3])
        _, start, values = lw.window_values()
        assert np.array_equal(values, h[start:start + len(values)])
        for heatmap, curve, image, line in columns:
            xs, ys = line.getData()
            for t in (xs[0], xs[len(xs) // 2], xs[-1]):
                t = int(t)
                # the middle of the image's column of step t (image pixels from its first
                # step) stands where the curve's point of step t does, to half a pixel
                first = 0 if image is lw.over_img else start
                column = image.mapToScene(QtCore.QPointF(t - first + 0.5, 0.5)).x()
                assert abs(column - _scene_x(curve, t)) < 0.5, (steps, t)
                assert abs(_scene_x(heatmap, t) - _scene_x(curve, t)) < 0.5
            # the curve's values are those of the steps they stand at
            assert np.array_equal(ys, h[xs.astype(int), 3])
        assert lw.win_line.value() == lw.curve_line.value() == lw.step == steps // 3
        lw.close()
    # a long input (more steps than bins): its overview is min/max per bin, and says so
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 6}, name="l")], seed=2)
    x = np.sin(np.arange(3000) / 40.0)[None, :, None].repeat(2, -1).astype(np.float32)
    w = LongSequenceWindow(model, x, window=256)
    qtbot.addWidget(w)
    w.show()
    assert w.wait(60)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=60_000)
    assert w.summary[0].bins < 3000
    assert w.over_plot.titleLabel.text == "whole sequence (min/max per bin)"
    assert w.curve_over.titleLabel.text.endswith("[0] over the whole sequence (min/max per bin)")


def test_a_selected_unit_ranked_below_the_top_ones_has_its_row_under_theirs_and_its_rank(qtbot, model_x):
    """The unit selected (here or in the main window) may rank below the top N shown: its
    curves showed it while no row was outlined, and nothing said why. Now its row stands
    under the top N, past a dashed line, named by its unit and outlined, its numbers the
    trace's, and the scores say its rank."""
    from PySide6 import QtCore, QtWidgets

    model, x = model_x
    w = LongSequenceWindow(model, x, start=False)
    _summarized(qtbot, w)
    w.rank_combo.setCurrentText("variance")
    w.top_spin.setValue(2)
    ranking = scale.rank_units(w.summary[1], "variance")
    units = len(ranking)
    last = int(ranking[-1])
    w.unit_spin.setValue(last)
    assert list(w._rows) == [*map(int, ranking[:2]), last]
    for sep in (w.over_sep, w.win_sep):
        assert sep.isVisible() and sep.value() == 2
    # the outline stands a few pixels under the dashed line (its 2 px pen on the row's top
    # edge hid the line but for its ends past the image), its bottom the row's
    QtWidgets.QApplication.processEvents()
    for plot, mark in ((w.over_plot, w.over_row), (w.win_plot, w.win_row)):
        to_px = plot.vb.mapViewToScene
        gap = to_px(QtCore.QPointF(0, mark.rect().top())).y() - to_px(QtCore.QPointF(0, 2)).y()
        assert mark.isVisible() and mark.rect().bottom() == 3 and 2.5 <= gap <= 3.5, gap
    for plot in (w.over_plot, w.win_plot):
        assert (2.5, str(last)) in plot.getAxis("left")._tickLevels[0]
    # the row's numbers are the unit's: the exact window's and the overview's
    _, start, values = w.window_values()
    assert np.array_equal(w.win_img.image[2], values[:, last])
    assert np.array_equal(w.over_img.image[2], w.summary[0].extreme()[:, last])
    assert w.scores_label.text().endswith(f"rank\u00a0{units} of\u00a0{units}, below the top\u00a02: its row last")
    # its row clicked keeps it; a unit among the top ones: no row added, no rank said
    w.pick_row(2)
    assert w.unit_spin.value() == last
    w.unit_spin.setValue(int(ranking[1]))
    assert list(w._rows) == list(map(int, ranking[:2]))
    assert (w.win_row.rect().top(), w.win_row.rect().height()) == (1, 1.0)  # (no line above: the whole row)
    assert not w.over_sep.isVisible() and not w.win_sep.isVisible()
    assert "rank" not in w.scores_label.text()
    # model order: every unit a row, none added
    w.unit_spin.setValue(last)
    w.rank_combo.setCurrentText("model order")
    assert list(w._rows) == list(range(units)) and w.win_row.rect().top() == last
    assert not w.win_sep.isVisible() and "rank" not in w.scores_label.text()


def test_units_at_scale_of_a_stateful_model_shows_the_batch_the_main_window_shows(make_window):
    """A stateful model was refused ("its units are ranked only without state"). Now it is
    shown as the main window shows it: the batch shown, traced whole from the states
    carried into it, the main window's own trace (nothing traced again, the states the
    model carries left as they were), every sample of it; the next batch (other numbers
    from the same steps' states on) or a reset closes the window."""
    import shiboken6

    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    cfg = default_config("LSTM", None, units=12)
    state = AppState([LayerEntry("LSTM", cfg)], InputSpec(input_dim=2, batch_size=3, timesteps=60))
    state.set_layer_option(0, "stateful", True)
    assert state.model.stateful and state.error is None
    win = make_window((1280, 720), state)
    name = state.model.layers[0].name
    state.next_batch()  # batch 1: its states start from those batch 0 left
    assert state.batch_index == 1
    shown = state.trace
    carried = state.model.carried_states()
    state.set_cursor(step=30, unit=4, sample=1)
    lw = win.open_units_window()
    assert lw is not None and lw.owns and lw.wait(60), win.last_message
    assert lw.seq.windowed is shown  # (the main window's trace: nothing traced again)
    h = shown[name].steps["h"]  # (the whole batch: samples, steps, units)
    assert h.shape[0] == 3
    for sample in (1, 0, 2):
        lw.sample_spin.setValue(sample)
        assert lw.wait(60) and lw.seq.windowed is shown and lw.seq.error is None
        _, start, values = lw.window_values()
        assert start == 0 and np.array_equal(values, h[sample])
        assert np.array_equal(lw.win_img.image, values.T)  # (model order: row k is unit k)
        _, stats = lw.summary
        np.testing.assert_allclose(stats.mean, h[sample].astype(np.float64).mean(axis=0), rtol=1e-9, atol=1e-12)
    assert lw.step_label.text().endswith(f"h[4] = {h[2, 30, 4]:.4f}")
    # the states the model carries into the next batch are those the main window left
    after = state.model.carried_states()
    assert any(s is not None for node in carried for s in node)  # (batch 1 carries states on)
    assert all(np.array_equal(a, b) for x, y in zip(carried, after) if x is not None
               for s, t in zip(x, y) if s is not None for a, b in zip(s, t))
    # its own trace of a stateful batch is never made (it would start from the states the
    # batch left, and carry its own on): said in one line, the model's states untouched
    from lstmviz.app.whole_input import WholeInput

    bare = WholeInput(state.model, [state.x], 0, alone=False, batch=state.batch_index)
    assert not bare.run_pass() and not bare.ready
    assert bare.error.startswith("a stateful model's batch is traced by the main window alone")
    assert "\n" not in bare.error
    kept = state.model.carried_states()
    assert all(np.array_equal(a, b) for x, y in zip(after, kept) for s, t in zip(x, y) if s is not None
               for a, b in zip(s, t))
    # the same batch: the same window; the next batch: it closes
    assert win.open_units_window() is lw
    state.next_batch()
    assert not shiboken6.isValid(lw) or not lw.isVisible()
    again = win.open_units_window()
    assert again is not None and again.wait(60)
    assert again.seq.batch == 2 and again.seq.windowed is state.trace
    assert np.array_equal(again.window_values()[2], state.trace[name].steps["h"][state.cursor.sample])


@pytest.mark.parametrize("theme", ["projector", "dark"])
def test_step_axes_write_1000_with_its_comma_whole(qtbot, theme):
    """Units at scale of 3,000 steps at 760 x 540 (an 800 x 600 screen), in the projector
    theme: the curves' step axes (no "step" title under them) read "1.000" and "2.000"
    where the heatmaps above said "1,000": pyqtgraph clips its labels to an axis counted 0.8
    of their height, and the comma's tail was cut off. They keep its room now, as the
    views' step axes do, and label whole steps only, in the app's form."""
    from PySide6 import QtWidgets

    from helpers import axis_labels, labels_cut
    from lstmviz.ui import theme as th

    th.apply(theme, QtWidgets.QApplication.instance())
    w = _at_760_x_540(qtbot, units=8, name="l")
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    for plot in (w.curve_over, w.over_plot, w.curve_win, w.win_plot):
        axis = plot.getAxis("bottom")
        # whole steps in the app's form, whatever pyqtgraph's spacing (never "1000", "1.5k")
        assert axis.tickStrings([0.0, 1000.0, 1500.0, 2000.0], 1.0, 500.0) == ["0", "1,000", "1,500", "2,000"]
        assert labels_cut(axis) == [], (plot.titleLabel.text, labels_cut(axis))
    shown = [text for _, text in axis_labels(w.curve_over.getAxis("bottom"))]
    assert "1,000" in shown and "2,000" in shown
    assert [text for _, text in axis_labels(w.curve_win.getAxis("bottom"))] == ["1,500", "1,600"]
    # zoomed to a few steps: ticks at whole steps only, no "1500.5"
    w.curve_win.setXRange(1499.5, 1503.5, padding=0)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert [text for _, text in axis_labels(w.curve_win.getAxis("bottom"))] == ["1,500", "1,501", "1,502", "1,503"]


def test_a_ranking_names_as_many_rows_as_stand_apart(qtbot):
    """Units at scale at 760 x 540 (an 800 x 600 screen): a ranking of 64 units named three
    of its rows (every 32nd: "59, 20, 10"), which says little of the order. It names as many
    as stand a font ascent apart now (``plot_tools.label_room``, the rule of Over time's and
    Unrolled's row axes), each row by its unit, and more in a taller window."""
    from PySide6 import QtGui, QtWidgets

    w = _at_760_x_540(qtbot, units=64, name="l")
    w.rank_combo.setCurrentText("variance")

    def names():
        for _ in range(5):
            QtWidgets.QApplication.processEvents()
        axis = w.win_plot.getAxis("left")
        ascent = QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font()).ascent()
        ticks = axis._tickLevels[0]
        rows = [int(v - 0.5) for v, _ in ticks]
        px = axis.height() / 64
        assert all((b - a) * px >= ascent for a, b in zip(rows, rows[1:])), (rows, px, ascent)
        assert [t for _, t in ticks] == [str(int(w.order[r])) for r in rows]  # each row by its unit
        assert ticks == w.over_plot.getAxis("left")._tickLevels[0]
        return rows

    rows = names()
    assert len(rows) >= 4 and rows[0] == 0 and rows[1] <= 20, rows
    w.resize(1400, 1000)
    assert len(names()) > len(rows)


def test_units_at_scale_scores_and_ranks_over_all_samples_when_asked(make_window):
    """"Which units track X across my data": the scores and the ranking over every sample
    of the input (each sample traced alone, as the main window shows it), NumPy's numbers
    over the concatenated steps; the box, the scores and the titles say which is shown;
    the heatmaps stay the sample shown's."""
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=5))],
                     InputSpec(input_dim=2, batch_size=3, timesteps=40))
    win = make_window((1280, 720), state)
    state.set_cursor(sample=1)
    lw = win.open_units_window()
    assert lw is not None and lw.wait(60) and lw.summary is not None
    name = state.model.layers[0].name
    lw.show_at(0, name, 0)
    lw.feature_spin.setValue(1)
    lw.wait(60)
    assert lw.pool_combo.isVisible() and lw.pool_combo.itemText(1) == "all 3 samples"
    assert lw.scores_label.text().startswith("sample\u00a01: variance")
    xs = state.whole_inputs()[1][0]
    h = [state.model.trace(xs[k:k + 1])[name].steps["h"][0].astype(np.float64) for k in range(3)]
    np.testing.assert_array_equal(lw.window_values()[2], h[1].astype(np.float32))
    lw.pool_combo.setCurrentIndex(1)
    lw.rank_combo.setCurrentText("correlation")
    assert lw.wait(60) and lw._summary_key[-1] is True
    every, feat = np.concatenate(h), xs[:, :, 1].reshape(-1)
    rs = np.array([np.corrcoef(feat, every[:, u])[0, 1] for u in range(5)])
    np.testing.assert_array_equal(lw.order, np.argsort(-np.abs(rs), kind="stable"))
    u = lw.unit_spin.value()
    assert lw.scores_label.text() == (
        f"all\u00a03\u00a0samples: variance\u00a0{every[:, u].var():.4g} \u00b7 saturation\u00a0"
        f"{100 * (np.abs(every[:, u]) > 0.9).mean():.1f}% \u00b7 r\u00a0{rs[u]:+.3f}")
    assert lw.win_plot.titleLabel.text.endswith("units by correlation over all 3 samples")
    np.testing.assert_array_equal(lw.window_values()[2], h[1].astype(np.float32))  # (still sample 1's)
    lw.pool_combo.setCurrentIndex(0)  # the sample's own again
    assert lw.wait(60) and lw.scores_label.text().startswith("sample\u00a01: ")
    assert lw.win_plot.titleLabel.text.endswith("units by correlation")


@pytest.mark.parametrize("size", [(760, 540), (1280, 720)])
def test_the_whole_sequences_step_axes_say_0_at_their_left_end(qtbot, model_x, size):
    """The whole sequence's step axes began at "1,000" in the projector theme in a window
    of 760 x 540 (an 800 x 600 screen): pyqtgraph leaves out a label that stands past the
    axis's end, and the "0" under the first column, half a step in, stood a pixel or two
    past it."""
    from PySide6 import QtGui, QtWidgets

    from lstmviz.ui import theme as th

    app = QtWidgets.QApplication.instance()
    was = th.current()
    th.apply("projector", app)
    try:
        model, x = model_x
        w = LongSequenceWindow(model, x, start=False)
        _summarized(qtbot, w)
        w.resize(*size)  # (the projector theme's least width may be more: as wide as it gets)
        QtWidgets.QApplication.processEvents()
        for plot in (w.over_plot, w.curve_over):
            axis = plot.getAxis("bottom")
            pixmap = QtGui.QPixmap(4, 4)
            painter = QtGui.QPainter(pixmap)
            try:
                labels = [text for _, _, text in axis.generateDrawSpecs(painter)[2]]
            finally:
                painter.end()
            assert labels[0] == "0" and len(labels) >= 3, labels
    finally:
        th.apply(was, app)


def test_units_at_scale_goes_on_with_the_main_windows_pass_after_its_cancel(make_window, monkeypatch):
    """A Cancel in Units at scale on a long input stops the main window's keyframe pass;
    its button was then disabled for good ("Go on" existed only for a window made of a
    model and an input, which the app never makes), Trace all under the main window the
    only way on. Now it says "Go on" and goes on with that pass, as Trace all does: the
    main window's, from where it stopped, and this window's ranking follows."""
    import threading

    from lstmviz import limits
    from lstmviz.app import long_sequence
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)  # a long input
    # the main window's pass asks whether it is cancelled only once the Cancel was clicked
    # (6,000 steps of an LSTM(4) ran to the end before the click on an idle machine; held
    # in its progress instead, a pass of one stretch asked before and ran on to its end)
    gate, real_pass = threading.Event(), long_sequence.keyframe_pass

    def held_pass(*args, cancel=None, **kw):
        def asked():
            gate.wait(60)
            return cancel()
        return real_pass(*args, cancel=asked if cancel is not None else None, **kw)

    monkeypatch.setattr(long_sequence, "keyframe_pass", held_pass)
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec(input_dim=2))
    win = make_window((1280, 720), state)
    t = np.arange(6000)
    state.set_input_data(np.stack([np.sin(t / 40.0), np.cos(t / 90.0)], -1)[None].astype(np.float32))
    seq = state.long
    lw = win.open_units_window()
    assert lw is not None and lw.seq is seq and not lw.owns and not seq.ready
    lw.cancel_button.click()  # Cancel: the main window's pass stops
    gate.set()
    assert lw.wait(60) and win.long_runner.wait(60)
    assert seq.cancelled and not seq.ready and win.long_runner.resume_button.isVisible()
    assert lw.cancel_button.text() == "Go on" and lw.cancel_button.isEnabled()
    assert lw.cancel_button.toolTip().endswith("(as Trace all in the main window)")
    lw.cancel_button.click()  # Go on: Trace all's, the main window's pass
    assert not win.long_runner.resume_button.isVisible()
    assert "the keyframe pass goes on" in win.statusBar().currentMessage()
    assert win.long_runner.wait(120) and seq.ready
    assert lw.wait(120) and lw.summary is not None and not seq.cancelled
    assert lw.cancel_button.text() == "Cancel" and not lw.cancel_button.isVisible()
    h = state.model.trace(np.asarray(seq.x))[state.model.layers[0].name].steps["h"]
    np.testing.assert_array_equal(lw.window_values()[2][:, 0], h[0, :256, 0])


def _cnn_lstm(filters: int = 32) -> Model:
    """A practitioner's CNN-LSTM: a causal Conv1D of relu, an LSTM, a linear Dense head."""
    return Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": filters, "kernel_size": 5, "padding": "causal", "activation": "relu"},
                  name="conv"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="lstm"),
        LayerSpec("Dense", {"units": 3}, name="head")], seed=3)


def test_units_at_scale_ranks_and_searches_a_conv1ds_filters_as_a_whole_trace_says(qtbot, model_x):
    """Issue 13: Units at scale listed recurrent records alone; a CNN-LSTM's Conv1D of 32
    filters over a long input was never ranked. Now its output is a record ("conv: y", in
    the model's order, its numbers "filter"s as the other views name them), drawn from 0
    on the gates' map as Over time draws a relu's output, its overview, scores, ranking,
    exact windows and crossings a whole trace's; a linear head's has no saturation to rank
    by, and its scores say why in its place."""
    from lstmviz.app.output_ref import OUTPUT_KEY

    model = _cnn_lstm()
    _, x = model_x
    w = LongSequenceWindow(model, x, window=256, start=False)
    items = [w.record_combo.itemText(i) for i in range(w.record_combo.count())]
    assert items == ["conv: y", "lstm: i", "lstm: f", "lstm: c_tilde", "lstm: o", "lstm: c", "lstm: h", "head: y"]
    assert w.record_combo.currentData() == ("conv", OUTPUT_KEY)
    assert w.unit_spin.prefix() == "filter " and w.over_plot.getAxis("left").labelText == "filter"
    _summarized(qtbot, w)
    full = model.trace(x)
    y = full["conv"].output[0]
    lo, hi = np.array([[y[a:b].min(0), y[a:b].max(0)] for a, b in zip(w.summary[0].edges()[:-1],
                                                                        w.summary[0].edges()[1:])]).transpose(1, 0, 2)
    assert np.array_equal(w.summary[0].lo, lo) and np.array_equal(w.summary[0].hi, hi)
    np.testing.assert_array_equal(w.over_img.image, np.where(np.abs(hi) >= np.abs(lo), hi, lo).T)
    assert tuple(w.over_img.levels) == (0.0, float(y.max()))  # (a relu's: from 0, as Over time)
    st = w.summary[1]
    v = y.astype(np.float64)
    np.testing.assert_allclose(st.variance, v.var(0), rtol=1e-9, atol=1e-15)
    r = [np.corrcoef(x[0, :, 0], v[:, u])[0, 1] if v[:, u].std() else 0.0 for u in range(32)]
    np.testing.assert_allclose(st.correlation, r, rtol=1e-9, atol=1e-12)
    assert np.array_equal(st.saturation, (y == 0).sum(0) / T)
    w.unit_spin.setValue(5)
    assert f"saturation\u00a0(at\u00a00)\u00a0{100 * (y[:, 5] == 0).mean():.1f}%" in w.scores_label.text()
    assert w.curve_over.titleLabel.text.startswith("conv y[5] over the whole sequence")
    for step in (0, 1717, T - 1):  # the exact window around any step: the whole trace's
        w.seek(step)
        _, start, values = w.window_values()
        assert start <= step < start + len(values)
        np.testing.assert_array_equal(values, y[start:start + len(values)])
        np.testing.assert_array_equal(w.win_img.image, y[start:start + len(values)].T)
        assert f"y[5] = {y[step, 5]:.4f}" in w.step_label.text()
    w.top_spin.setValue(10)
    w.rank_combo.setCurrentText("variance")  # the filters ranked: rows in that order
    order = scale.rank_units(st, "variance", top=10)
    assert list(order) == list(np.argsort(-st.variance, kind="stable")[:10])
    np.testing.assert_array_equal(w.over_img.image, np.where(np.abs(hi) >= np.abs(lo), hi, lo)[:, order].T)
    assert w.over_plot.titleLabel.text.endswith("units by variance")
    w.rank_combo.setCurrentText("saturation")
    assert list(w.order) == list(np.argsort(-st.saturation, kind="stable")[:10])
    unit = int(np.argmax(v.var(0)))
    w.unit_spin.setValue(unit)
    thr = float(np.float32(0.5) * y[:, unit].max())
    w.threshold_edit.setValue(thr)
    w.direction_combo.setCurrentText("both")
    got = w.find_crossings()
    want = scale.crossings(y[:, unit], w.threshold_edit.value(), "both")
    assert len(want) > 2 and np.array_equal(got, want)
    # a linear head: no saturation (none offered to rank by; its scores say why)
    w.rank_combo.setCurrentText("model order")
    w.record_combo.setCurrentIndex(items.index("head: y"))
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    item = w.rank_combo.model().item(w.rank_combo.findText("saturation"))
    why = "no saturation: 'head' is linear, no flat range to count"
    assert not item.isEnabled() and item.toolTip() == why
    assert w.unit_spin.prefix() == "unit " and w.over_plot.getAxis("left").labelText == "unit"
    assert why.replace(" ", "\u00a0", 1) in w.scores_label.text()
    _, start, values = w.window_values()
    np.testing.assert_array_equal(values, full["head"].output[0, start:start + len(values)])
    w.record_combo.setCurrentIndex(0)  # back on the conv: saturation offered again
    assert item.isEnabled() and item.toolTip() == ""


def test_units_at_scale_opens_on_the_selected_conv1d_of_a_long_input(make_window, monkeypatch):
    """Opened from the main window with a Conv1D selected on a long input, Units at scale
    shows its output at the main window's step and filter (it opened on the LSTM's first
    record: the layer selected had no record there); a row picked selects that filter of
    that layer in the main window."""
    from lstmviz import limits
    from lstmviz.app.options import default_config
    from lstmviz.app.output_ref import OUTPUT_KEY
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)  # a long input
    conv = dict(default_config("Conv1D"), filters=6, kernel_size=5, padding="causal", activation="relu")
    state = AppState([LayerEntry("Conv1D", conv), LayerEntry("LSTM", default_config("LSTM", None, units=4))],
                     InputSpec(input_dim=2))
    win = make_window((1280, 720), state)
    t = np.arange(6000)
    x = np.stack([np.sin(t / 40.0), np.cos(t / 90.0)], -1)[None].astype(np.float32)
    state.set_input_data(x)
    assert state.long is not None
    name = state.model.layers[0].name
    state.set_cursor(layer=name, unit=2, step=4321)
    lw = win.open_units_window()
    assert lw is not None and lw.seq is state.long
    assert lw.record_combo.currentData() == (name, OUTPUT_KEY)
    assert lw.unit_spin.value() == 2 and lw.unit_spin.prefix() == "filter " and lw.step == 4321
    assert lw.wait(120) and win.long_runner.wait(120)
    y = state.model.trace(x)[name].output[0]
    _, start, values = lw.window_values()
    assert start <= 4321 < start + len(values)
    np.testing.assert_array_equal(values, y[start:start + len(values)])
    lw.pick_row(4)
    assert (state.cursor.layer, state.cursor.unit) == (name, 4)
    lw.close()


def test_units_at_scale_of_an_lstm_after_a_maxpooling_run_over_its_own_steps(qtbot):
    """Conv1D -> MaxPooling1D(2) -> LSTM: the LSTM's records have half the input's steps.
    Units at scale shows them over those: its overview and statistics a whole trace's (of
    the LSTM's 1,500 steps), a seek to any of them the exact window holding it, crossings
    found over them."""
    model = Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal"}, name="c"),
        LayerSpec("MaxPooling1D", {"pool_size": 2}, name="p"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l")], seed=2)
    t = np.arange(3001)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 230.0)], -1)[None].astype(np.float32)
    w = LongSequenceWindow(model, x, window=256, start=False)
    qtbot.addWidget(w)
    full = model.trace(x)
    own = full["l"].timesteps
    assert own == 1500 and w.seq.steps_of("l") == own
    # (the Conv1D's and the pooling's outputs are listed first, in the model's order)
    items = [w.record_combo.itemText(i) for i in range(w.record_combo.count())]
    assert items[:3] == ["c: y", "p: y", "l: i"]
    w.record_combo.setCurrentIndex(items.index("l: i"))
    assert w.record_combo.currentData() == ("l", "i")
    w.start()
    assert w.wait(120)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=120_000)
    ov, _ = scale.summarize(full, "l", "i", bins=1023, feature=0)
    assert w.summary[0].total == own
    np.testing.assert_array_equal(w.summary[0].hi, ov.hi)
    for step in (0, 777, own - 1):
        w.seek(step)
        _, start, values = w.window_values()
        assert start <= step < start + len(values)
        np.testing.assert_array_equal(w.win_img.image, full["l"].steps["i"][0, start:start + len(values)].T)
    w.unit_spin.setValue(1)
    w.threshold_edit.setValue(0.5)
    col = full["l"].steps["i"][0, :, 1]
    np.testing.assert_array_equal(w.find_crossings(), [s for s in range(1, own) if col[s - 1] < 0.5 <= col[s]])
    # the pooling's output over its own steps too: a seek to its step 1,200 showed the
    # window of input step 1,200 (its steps ~600), "shown once the keyframe pass has run"
    w.record_combo.setCurrentIndex(items.index("p: y"))
    y = full["p"].output[0]
    for step in (0, 777, 1200, own - 1):
        w.seek(step)
        _, start, values = w.window_values()
        assert start <= step < start + len(values)
        np.testing.assert_array_equal(values, y[start:start + len(values)])
        assert w.step_label.text().endswith(f"y[1] = {y[step, 1]:.4f}")


def test_an_input_traced_whole_lists_the_records_a_long_input_lists_in_the_same_order(qtbot):
    """Issue 13: on a long input Units at scale listed a Conv1D's and a pooling's outputs
    beside the LSTM's records, on an input traced whole (``WholeInput``) the LSTM's alone.
    One rule lists both (``scale.records``): the same records in the same order, and the
    pooling's output over its own steps (half the input's) is the whole trace's."""
    from lstmviz.app.output_ref import OUTPUT_KEY
    from lstmviz.app.whole_input import WholeInput

    model = Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal", "activation": "relu"}, name="c"),
        LayerSpec("MaxPooling1D", {"pool_size": 2}, name="p"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        LayerSpec("Dense", {"units": 2}, name="head")], seed=2)
    t = np.arange(T)
    x = np.stack([np.sin(t / 50.0), np.cos(t / 230.0)], -1)[None].astype(np.float32)
    long_w = LongSequenceWindow(model, x, window=256, start=False)
    qtbot.addWidget(long_w)
    short = x[:, :300]
    w = LongSequenceWindow(seq=WholeInput(model, [short], 0, alone=True), own=True, start=False)
    qtbot.addWidget(w)
    assert w.choices == long_w.choices == scale.records(model, [x])
    assert w.choices[:2] == [("c", OUTPUT_KEY), ("p", OUTPUT_KEY)] and w.choices[-1] == ("head", OUTPUT_KEY)
    w.record_combo.setCurrentIndex(w.choices.index(("p", OUTPUT_KEY)))
    w.start()
    assert w.wait(60)
    qtbot.waitUntil(lambda: w.summary is not None, timeout=60_000)
    y = model.trace(short)["p"].output[0]
    assert y.shape[0] == 150 and w._steps() == 150 and w.summary[0].total == 150
    assert w.unit_spin.prefix() == "channel "
    _, start, values = w.window_values()
    assert start == 0 and np.array_equal(values, y)
    np.testing.assert_allclose(w.summary[1].variance, y.astype(np.float64).var(0), rtol=1e-9, atol=1e-15)


def test_saturation_chosen_gives_way_to_variance_on_a_linear_output_and_comes_back(qtbot, model_x):
    """Saturation chosen, then a linear head's output picked (no saturation to count): the
    box stayed on its greyed "saturation", the units in model order. Now the ranking goes
    to variance and the scores say why; a record with saturation picked again (the user
    chose nothing else meanwhile) ranks by saturation again. A choice made meanwhile
    stands."""
    from lstmviz.app.output_ref import OUTPUT_KEY

    model = _cnn_lstm()
    _, x = model_x
    w = LongSequenceWindow(model, x, window=256, start=False)
    _summarized(qtbot, w)
    w.rank_combo.setCurrentText("saturation")
    assert w.order is not None
    head = w.choices.index(("head", OUTPUT_KEY))

    def summary_of(i: int) -> None:
        w.record_combo.setCurrentIndex(i)
        assert w.wait(120)
        qtbot.waitUntil(lambda: w.summary is not None and w._summary_key == w._wanted(), timeout=120_000)

    summary_of(head)
    assert w.rank_combo.currentText() == "variance"
    assert w.rank_combo.model().item(w.rank_combo.currentIndex()).isEnabled()
    st = w.summary[1]
    assert list(w.order) == list(scale.rank_units(st, "variance", top=w.top_spin.value()))
    assert w.over_plot.titleLabel.text.endswith("units by variance")
    assert "no\u00a0saturation: 'head' is linear, no flat range to count: ranked by variance" in w.scores_label.text()
    summary_of(w.choices.index(("lstm", "i")))  # (a gate: saturation again)
    assert w.rank_combo.currentText() == "saturation"
    assert list(w.order) == list(scale.rank_units(w.summary[1], "saturation", top=w.top_spin.value()))
    assert "ranked by variance" not in w.scores_label.text()
    summary_of(head)
    w.rank_combo.setCurrentText("correlation")  # (the user's own choice: it stands)
    summary_of(w.choices.index(("lstm", "h")))
    assert w.rank_combo.currentText() == "correlation"


def test_a_flat_curve_gets_a_range_from_0_or_around_its_value(qtbot, model_x):
    """Units at scale of a relu Conv1D's output: a filter at 0 at every step drew its
    curves on a value axis of +-0.03 (pyqtgraph keeps the span it had for a range of
    nothing, around the value); now 0 up (``scale.flat_range``, as its heatmap's colours
    run from 0), a filter flat at 0.5 around 0.5, a filter that varies on its own range."""
    model = Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 5, "padding": "causal", "activation": "relu"},
                  name="conv", weights=[np.concatenate([np.full((5, 2, 1), 0.3), np.zeros((5, 2, 2))], -1)
                                        .astype(np.float32), np.array([0.0, -1.0, 0.5], np.float32)]),
        LayerSpec("LSTM", {"units": 2}, name="lstm")], seed=3)
    _, x = model_x
    w = LongSequenceWindow(model, x, window=256, start=False)
    _summarized(qtbot, w)
    y = model.trace(x)["conv"].output[0]
    assert np.all(y[:, 1] == 0) and np.all(y[:, 2] == 0.5) and np.ptp(y[:, 0]) > 1

    def ranges(unit: int) -> list:
        w.unit_spin.setValue(unit)
        w.grab()  # (pyqtgraph's auto range is applied at the paint)
        return [p.vb.viewRange()[1] for p in (w.curve_over, w.curve_win)]

    for lo, hi in ranges(0):  # (each drawn on its values' range, as before)
        assert lo <= float(y[:, 0].min()) and float(y[:, 0].max()) <= hi < 1.2 * float(y[:, 0].max())
    assert scale.flat_range(0.0, 0.0, from_zero=True) == (0.0, 1.0)
    for lo, hi in ranges(1):  # (0 at its foot, 1 above: not +-0.03)
        assert -0.1 < lo <= 0.0 and 1.0 <= hi < 1.1
    for lo, hi in ranges(2):
        assert lo < 0.5 < hi and abs((lo + hi) / 2 - 0.5) < 1e-6 and 0.05 < hi - lo < 0.2
    for lo, hi in ranges(0):  # (its own range again)
        assert lo <= float(y[:, 0].min()) and float(y[:, 0].max()) <= hi < 1.2 * float(y[:, 0].max())
