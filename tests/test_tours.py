"""Guided lessons: the Qt-free data set up real stacks, and the window runs every lesson
through all its steps by key, showing each caption, then puts the old stack back."""

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from helpers import present_on
from lstmviz.app import tours
from lstmviz.app.state import AppState


def expectations(lesson):
    """Per step: the stack in force (tuple of L) after it."""
    stack = None
    for step in lesson.steps:
        if step.stack is not None:
            stack = step.stack
        yield step, stack


def check_state(state, step, stack):
    if not step.expect_error:
        assert state.error is None, f"{step.caption!r}: {state.error}"
        assert [e.class_name for e in state.layers] == [l.class_name for l in stack]
        assert [e.config for e in state.layers] == [l.config() for l in stack]
        assert [l.class_name for l in state.model.layers if l.class_name != "InputLayer"] == \
            [l.class_name for l in stack]
    else:
        assert state.error, f"{step.caption!r} should show the stack's error"
        assert [e.config for e in state.layers] == [l.config() for l in stack]
    if step.step is not None:
        want = step.step if step.step >= 0 else state.timesteps + step.step
        assert state.cursor.step == want
    if step.layer is not None and not step.expect_error:
        assert state.cursor.layer == state.layers[step.layer].name
    if step.unit is not None:
        assert state.cursor.unit == step.unit
    if step.side is not None:
        assert state.cursor.side == step.side


def test_lessons_are_short_and_complete():
    assert len(tours.LESSONS) == 9
    for les in tours.LESSONS:
        assert 3 <= len(les.steps) <= 6, les.title
        assert les.steps[0].stack is not None and les.steps[0].view in tours.VIEWS
        for step in les.steps:
            assert step.view is None or step.view in tours.VIEWS


VIEW_LESSONS = tours.LESSONS + tours.MORE_LESSONS  # (the Train tab's: tests/test_ui_train.py)


@pytest.mark.parametrize("k", range(len(VIEW_LESSONS)))
def test_every_lesson_step_sets_up_the_state_qt_free(k):
    state = AppState()
    for step, stack in expectations(VIEW_LESSONS[k]):
        tours.apply_step(state, step)
        check_state(state, step, stack)
        text = tours.caption_text(step, state)
        assert text and "{" not in text and "?" not in text, text
        own = text.replace(state.error, "") if step.expect_error else text  # (the quoted error aside)
        assert len(own.split("\n")[0]) <= 120, text


def test_captions_quote_the_model():
    state = AppState()
    les = tours.lesson(2)  # the kernel lesson
    for step in les.steps[:4]:
        tours.apply_step(state, step)
    text = tours.caption_text(les.steps[3], state)
    # LSTM(4) on input_dim 3: 4*(3*4 + 4*4 + 4) = 128, the engine's count
    assert text == "Parameters: 3\u00d716 + 4\u00d716 + 16 = 128. Keras' count for this layer: 128."
    assert state.model.count_params() == 128
    tours.apply_step(state, les.steps[1])
    assert "(3, 16)" in tours.caption_text(les.steps[1], state)


# -- in the window ---------------------------------------------------------------------------
@pytest.fixture
def window(make_window):
    return make_window((1600, 1000))


def press(qtbot, window, key):
    window.activateWindow()
    qtbot.keyClick(QtWidgets.QApplication.focusWidget() or window, key)
    QtWidgets.QApplication.processEvents()


@pytest.mark.parametrize("k", range(len(VIEW_LESSONS)))
def test_every_lesson_runs_by_key_in_the_window(window, qtbot, k):
    st = window.state
    before = [(e.class_name, e.config) for e in st.layers]
    weights = [w.copy() for w in st.model.layers[0].weights]
    p = window.presenter
    les = VIEW_LESSONS[k]
    k = tours.ALL_LESSONS.index(les)
    p.lessons_menu.actions()[k].trigger()  # Help > Lessons > k
    assert p.tour.active and p.tour.lesson is les
    for n, (step, stack) in enumerate(expectations(les)):
        assert p.tour.index == n
        check_state(st, step, stack)
        assert p.caption.isVisible()
        assert p.caption.text() == tours.caption_text(step, st)
        assert f"{n + 1} / {len(les.steps)}" in p.caption.where.text()
        if step.view is not None:
            assert window.tabs.currentIndex() == tours.VIEWS.index(step.view)
        if step.expect_error:
            assert st.error and st.error in p.caption.text()
        press(qtbot, window, QtCore.Qt.Key.Key_PageDown)
    # past the last step the lesson ends and the stack from before is back
    assert not p.tour.active and not p.caption.isVisible()
    assert [(e.class_name, e.config) for e in st.layers] == before
    assert all((a == b).all() for a, b in zip(st.model.layers[0].weights, weights))


def test_right_left_move_the_lesson_not_the_time_and_esc_ends(window, qtbot):
    st = window.state
    p = window.presenter
    window.message("Demo: Sine wave: predict the next value.")
    p.tour.start(0)
    # (the status bar's words of the work before: they stayed under the lesson's own stack)
    assert window.statusBar().currentMessage() == ""
    step = st.cursor.step
    press(qtbot, window, QtCore.Qt.Key.Key_Right)
    assert p.tour.index == 1 and st.cursor.step == 5  # the step the lesson asks for
    press(qtbot, window, QtCore.Qt.Key.Key_Left)
    assert p.tour.index == 0 and st.cursor.step == step
    press(qtbot, window, QtCore.Qt.Key.Key_PageUp)  # at the first step: stays
    assert p.tour.index == 0
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active
    press(qtbot, window, QtCore.Qt.Key.Key_Right)  # the player has its keys back
    assert st.cursor.step == 1


def test_lesson_caption_in_presentation_is_large(window, qtbot, tmp_path):
    from lstmviz.ui import presentation as pr

    p = window.presenter
    p.fullscreen = False
    p.enter()
    window.resize(1920, 1080)
    p.tour.start(2)
    p.tour.next()
    QtWidgets.QApplication.processEvents()
    px = [size for size, small, where in pr.rendered_fonts(window) if "QLabel" in where
          and "kernel W" in where]
    assert px and min(px) >= 24
    assert pr.smallest_font(window)[0] >= 24
    out = tmp_path / "tour.png"
    assert window.grab().save(str(out))
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)  # ends the lesson first ...
    assert p.active and not p.tour.active
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)  # ... then presentation mode
    assert not p.active


def test_l_opens_the_lessons_menu(window, qtbot):
    p = window.presenter
    press(qtbot, window, QtCore.Qt.Key.Key_L)
    assert p.lessons_menu.isVisible()
    assert len(p.lessons_menu.actions()) == len(tours.ALL_LESSONS)
    p.lessons_menu.hide()


@pytest.mark.parametrize("k", [0, 1, 8])
def test_a_digit_in_the_lessons_menu_starts_that_lesson(window, qtbot, k):
    """L, then 1: lesson 1 starts (the key 1 only moved the highlight between lessons 1, 10,
    11 and 12, which all had it as their key, and started none)."""
    p = window.presenter
    press(qtbot, window, QtCore.Qt.Key.Key_L)
    assert p.lessons_menu.isVisible()
    qtbot.keyClick(p.lessons_menu, str(k + 1))
    QtWidgets.QApplication.processEvents()
    assert not p.lessons_menu.isVisible()
    assert p.tour.active and p.tour.lesson is tours.ALL_LESSONS[k]
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active


@pytest.mark.parametrize("k", [9, 10, 11, 12])
def test_the_train_tabs_lessons_have_a_key_in_the_lessons_menu(window, qtbot, k):
    """L, then V (B, F): lesson 10 (11, 12) starts; its menu entry shows the key (Qt's
    mnemonic, underlined). They had none: a lecturer had to reach them with the arrows."""
    from PySide6 import QtGui

    p = window.presenter
    acts = p.lessons_menu.actions()
    keys = [QtGui.QKeySequence.mnemonic(a.text()).toString() for a in acts]
    assert all(keys) and len(set(keys)) == len(keys), keys  # every lesson a key, none twice
    key = tours.menu_key(k)
    assert keys[k] == f"Alt+{key}" and acts[k].text().startswith(f"{k + 1}  ")
    assert acts[k].text().endswith(f"\t{key}")  # also in the menu's column of keys
    press(qtbot, window, QtCore.Qt.Key.Key_L)
    assert p.lessons_menu.isVisible()
    qtbot.keyClick(p.lessons_menu, key.lower())
    QtWidgets.QApplication.processEvents()
    assert not p.lessons_menu.isVisible()
    assert p.tour.active and p.tour.lesson is tours.ALL_LESSONS[k]
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active


def test_the_stateful_lesson_traces_the_batches_it_talks_about():
    import numpy as np

    lesson = next(l for l in tours.LESSONS if "stateful" in l.title)
    state = AppState()
    shown = []
    n = len(lesson.steps)
    for k in list(range(n)) + list(range(n - 2, 0, -1)):  # forwards, then back with PageUp
        step = lesson.steps[k]
        tours.apply_step(state, step)
        if step.batch is not None:
            assert state.batch_index == step.batch, step.caption
            h0 = state.trace[state.layers[0].name].initial_state["h"]
            assert np.any(h0 != 0) == (step.batch > 0), step.caption  # carried, or zeros
        shown.append(state.batch_index)
    assert 1 in shown and 0 in shown


def test_the_caption_bar_leaves_the_view_room_on_an_800_x_600_projector(make_window):
    """Presenting at 800 x 600, the caption bar put the lesson's title on one line and the
    keys beside it: the caption had 340 px, five lines, 155 px of the 600, and a lesson
    title as wide as 'go_backwards and Bidirectional' held the window 880 px wide. The
    title now wraps past ``WHERE_SHARE`` of the bar and the keys take two short lines: four lines of caption at most."""
    from PySide6 import QtGui

    w = make_window((800, 600))
    p = present_on(w, 800, 600)
    bar = p.caption
    for k, les in enumerate(tours.ALL_LESSONS):  # the Train tab's too: theirs ran to 7 lines
        p.tour.start(k)
        for n in range(len(les.steps)):
            if n:
                p.tour.next()
            w.resize(800, 600)
            for _ in range(3):
                QtWidgets.QApplication.processEvents()
            assert w.minimumSizeHint().width() <= 800, (les.title, n)
            cap = bar.caption
            lines = cap.height() / QtGui.QFontMetrics(cap.font()).lineSpacing()
            if not les.steps[n].expect_error:  # (Keras' complaint is long: it says the fix)
                assert cap.height() >= cap.heightForWidth(cap.width())  # the whole caption
                assert lines < 4.5, (les.title, n, cap.text())
                assert bar.height() <= 0.22 * 600, (les.title, n, bar.height())
            assert "PgDn" in bar.hint.text() and "Esc" in bar.hint.text()
        p.tour.end()
    p.leave()


@pytest.mark.parametrize("size", [(1920, 1080), (1024, 768), (800, 600)])
def test_a_caption_takes_three_lines_or_steps_down_to_body_text(make_window, size):
    """Lesson 4's third caption quotes the stack's error: 4 lines at 1920 x 1080, 7 (31 % of
    the screen) at 1024 x 768, 8 at 800 x 600. A caption now keeps its large type where it
    takes at most three lines, else is set smaller until it does, never below body text
    (what the hall reads everywhere else): the error's step takes at most a fifth of the
    screen; all of each is shown. At body text beside the lesson's title and keys the
    error still took five lines at 1024 x 768 (they took 40 % of the bar): such a caption
    now goes across the bar under them, in three lines."""
    from PySide6 import QtGui

    from lstmviz.ui import theme as th

    width, height = size
    w = make_window(size)
    p = present_on(w, width, height)
    bar, body = p.caption, th.current().pt(1.0)
    for les in VIEW_LESSONS:
        p.tour.start(tours.ALL_LESSONS.index(les))
        for n, step in enumerate(les.steps):
            if n:
                p.tour.next()
            w.resize(width, height)
            for _ in range(3):
                QtWidgets.QApplication.processEvents()
            cap = bar.caption
            lines = round(cap.heightForWidth(cap.width()) / QtGui.QFontMetrics(cap.font()).lineSpacing())
            assert cap.height() >= cap.heightForWidth(cap.width()), (les.title, n)  # all of it
            assert cap.font().pointSize() >= body, (les.title, n, cap.font().pointSize())
            where = (les.title, n + 1, lines, cap.font().pointSize(), cap.text())
            assert lines <= 3, where
            assert bar.caption.geometry().right() <= bar.contentsRect().right(), where
            assert str(n + 1) in bar.where.text() and "PgDn" in bar.hint.text(), where
            if step.expect_error:
                assert bar.height() <= height / 5, where
        p.tour.end()
    p.leave()


def test_the_player_spares_parts_not_the_slider_presenting_at_800_x_600(make_window):
    """The stateful lesson at 800 x 600 presenting: the player's row (its batch shown too)
    needed 817 px, so the window stood 17 px past the screen's edge and the slider was a
    15 px stub that read as a checkbox. A narrow row now hides the word "speed" and the
    first/last buttons (the keys and the Play menu still go there) where the speed box
    saying "4/s" leaves them no room (at 800 x 600 it leaves them room), keeps the slider
    at least ``SLIDER_MIN`` wide, and shows every part again where there is room."""
    from lstmviz.ui.player import SLIDER_MIN

    w = make_window((800, 600))
    p = present_on(w, 800, 600)
    p.tour.start(next(k for k, les in enumerate(tours.LESSONS) if "stateful" in les.title))
    p.tour.go(1)

    def at(width, height):
        for _ in range(2):
            w.resize(width, height)
            for _ in range(4):
                QtWidgets.QApplication.processEvents()
        return w.player

    player = at(800, 600)
    assert w.width() == 800 and player.batch_label.isVisible()
    assert player.slider.width() >= SLIDER_MIN
    assert not player.speed_word.isVisible() and player.speed.currentText() == "4/s"
    for part in (player.speed, player.sample, player.step_label, player.buttons["play"]):
        assert part.isVisible() and player.rect().contains(part.geometry())
    for part in (player.buttons["first"], player.buttons["last"]):  # (room left by "4/s")
        assert part.isVisible() and player.rect().contains(part.geometry())
    player = at(1400, 900)
    assert all(part.isVisible() for part in (player.speed_word, player.buttons["first"],
                                             player.buttons["last"], player.batch_label))
    assert player.speed.currentText() == "4 steps/s"
    assert player.slider.width() > SLIDER_MIN
    p.tour.end()
    p.leave()


def test_the_weights_formula_stays_on_screen_presenting_at_800_x_600(make_window):
    """Lesson 3 at 800 x 600 presenting: the matrices' least heights squeezed the Weights
    view's header (the layer and its parameter formula) to nothing, while the caption
    quoted 'Parameters: 3x16 + 4x16 + 16 = 128'. The formula is shown whole (in body type
    where the large type would wrap), and the window still fits the screen."""
    from lstmviz.ui.views.weights import WeightsView

    w = make_window((800, 600))
    p = present_on(w, 800, 600)
    k = next(i for i, les in enumerate(tours.LESSONS) if les.title.startswith("Why the kernel"))
    p.tour.start(k)
    p.tour.go(3)
    for _ in range(2):  # (the Weights view, built when first shown, grew the window: again)
        w.resize(800, 600)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
    assert (w.width(), w.height()) == (800, 600)
    view = w.tabs.currentWidget()
    assert isinstance(view, WeightsView)
    assert "= 128" in p.caption.text()
    head = view.formula
    assert head.isVisible() and "= 128" in head.text()
    assert head.height() >= head.label.heightForWidth(head.width()) > 0, (head.height(), head.width())
    assert w.minimumSizeHint().height() <= 600
    p.tour.end()
    p.leave()


def test_the_over_time_curves_stay_on_screen_presenting_at_800_x_600(make_window):
    """Lesson 1 at 800 x 600 presenting: 'the curves below are unit 2's', and the curves'
    plot had no height (their least was their title's, axis' and label's rows); now they
    keep a plot, the heatmaps a row of a few pixels a unit, and the window fits the screen."""
    from lstmviz.ui.views.over_time import OverTimeView

    w = make_window((800, 600))
    p = present_on(w, 800, 600)
    p.tour.start(0)
    p.tour.go(2)
    for _ in range(2):  # (a view built when first shown may grow the window: again)
        w.resize(800, 600)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
    view = w.tabs.currentWidget()
    assert isinstance(view, OverTimeView) and "curves" in p.caption.text()
    assert view.curve_plot.vb.height() >= 20, view.curve_plot.vb.height()
    ys = view.curves["h"].getData()[1]
    assert ys is not None and len(ys) == w.state.timesteps  # unit 2's h, drawn
    for slot in view.slots:
        if slot.key is not None:
            assert slot.plot.vb.height() >= 4 * view.ref.units, (slot.key, slot.plot.vb.height())
    assert w.minimumSizeHint().height() <= 600
    p.tour.end()
    p.leave()


def test_a_step_whose_stack_fails_leaves_on_screen_what_its_caption_says():
    """A stack that cannot be built is not drawn: the views keep the last stack that built.
    The return_sequences lesson turned return_sequences off on LSTM(8) -> LSTM(4) straight
    after a step that built it on: under 'it outputs only the last h. Error: ...' the hall
    saw the first LSTM hand its h up at EVERY step. Before a step that is meant to fail, the
    stack left on screen must already be the failing one's first layer, drawn as the caption
    says (here: return_sequences off, its h going up at the last step only)."""
    from lstmviz.app.unrolled import build_rows

    for les in tours.LESSONS:
        state = AppState()
        for step in les.steps:
            built = state.layers and [e.config for e in state.layers]
            tours.apply_step(state, step)
            if not step.expect_error:
                continue
            assert built and built[0] == step.stack[0].config(), (les.title, step.caption)
            rows, _ = build_rows(state.model, state.trace)
            first = next(r for r in rows if r.kind == "rnn")  # the last stack that built
            assert first.final_cols == [state.timesteps - 1], (les.title, step.caption)


def test_a_step_whose_stack_fails_covers_the_last_picture_with_that_stack_not_drawn(window, qtbot):
    """Lesson 4, step 3 ("An LSTM on top cannot be built (not drawn)") left the step
    before's LSTM(8) -> Dense(4) on screen: a Dense drawn on top under a caption about an
    LSTM on top. The view's page is now covered by the failing stack, said not drawn; the
    next step, a fix made in the step and the lesson's end take the cover away."""
    p = window.presenter
    cover = p.tour.not_drawn
    for k, les in enumerate(tours.LESSONS):
        failing = [n for n, step in enumerate(les.steps) if step.expect_error]
        if not failing:
            continue
        p.tour.start(k)
        QtWidgets.QApplication.processEvents()
        assert not cover.isVisible()
        n = failing[0]
        for _ in range(n):
            press(qtbot, window, QtCore.Qt.Key.Key_PageDown)
        st = window.state
        assert st.error and p.tour.index == n
        page = window.tabs.currentWidget()
        assert cover.isVisible(), les.title
        assert cover.geometry() == QtCore.QRect(page.mapTo(window.tabs, QtCore.QPoint(0, 0)), page.size())
        words = tours.stack_words(st.layers)
        assert words == " \u2192 ".join(f"{l.class_name}({l.config()['units']})" for l in les.steps[n].stack)
        assert words in cover.text() and "not drawn" in cover.text()
        # what is under it is the last stack that built, not the one the caption speaks of
        assert [l.class_name for l in st.model.layers if l.class_name != "InputLayer"] != \
            [e.class_name for e in st.layers]
        window.resize(window.width() - 100, window.height())  # (it follows the page)
        QtWidgets.QApplication.processEvents()
        page = window.tabs.currentWidget()
        assert cover.geometry() == QtCore.QRect(page.mapTo(window.tabs, QtCore.QPoint(0, 0)), page.size())
        press(qtbot, window, QtCore.Qt.Key.Key_PageDown)
        assert not st.error and not cover.isVisible()
        press(qtbot, window, QtCore.Qt.Key.Key_PageUp)  # back to it: covered again
        assert cover.isVisible()
        st.set_layer_option(0, "return_sequences", True)  # the fix, made in the step
        assert not st.error and not cover.isVisible()
        press(qtbot, window, QtCore.Qt.Key.Key_PageUp)
        press(qtbot, window, QtCore.Qt.Key.Key_PageDown)
        assert cover.isVisible()
        p.escape()
        assert not p.tour.active and not cover.isVisible()


def test_the_status_bar_says_what_the_not_drawn_cover_says(window, qtbot):
    """Under lesson 4's cover "LSTM(8) \u2192 LSTM(4) ... not drawn", outside presentation
    mode, the status bar said "the views keep the last stack that worked": two stories
    about one picture. It says what the cover says while the cover is up, and the usual
    line once it is gone and the stack still cannot run."""
    p = window.presenter
    bar = window.statusBar()
    k, les = next((k, les) for k, les in enumerate(tours.LESSONS) if any(s.expect_error for s in les.steps))
    n = next(n for n, step in enumerate(les.steps) if step.expect_error)
    assert not p.active and bar.isVisible()  # (outside presentation mode)
    p.tour.start(k)
    for _ in range(n):
        press(qtbot, window, QtCore.Qt.Key.Key_PageDown)
    words = tours.stack_words(window.state.layers)
    assert window.state.error and p.tour.not_drawn.isVisible()
    said = bar.currentMessage()
    assert words in said and "not drawn" in said and "keep the last" not in said, said
    assert "\n" not in said
    press(qtbot, window, QtCore.Qt.Key.Key_PageDown)  # the next step builds: no cover, no line
    assert not window.state.error and bar.currentMessage() == ""
    press(qtbot, window, QtCore.Qt.Key.Key_PageUp)
    assert words in bar.currentMessage() and "not drawn" in bar.currentMessage()
    p.escape()
    from lstmviz.app.state import LayerEntry

    window.state.show_stack([LayerEntry(l.class_name, l.config()) for l in les.steps[n].stack])  # no cover
    assert window.state.error and "keep the last stack" in bar.currentMessage()


def test_a_stack_edited_under_the_not_drawn_cover_and_still_failing_is_said_as_it_is_now(window, qtbot):
    """Under lesson 4's cover "LSTM(8) \u2192 LSTM(4) ... not drawn", a stack edited in the side
    panel and still failing kept the step's words, on the cover and in the status bar: the
    hall read of an LSTM(8) over an LSTM(16) whose reason was another. The cover now says the
    stack as it is and, where the reason is no longer the one the caption quotes, the new one."""
    p = window.presenter
    cover, bar = p.tour.not_drawn, window.statusBar()
    k, les = next((k, les) for k, les in enumerate(tours.LESSONS) if any(s.expect_error for s in les.steps))
    n = next(n for n, step in enumerate(les.steps) if step.expect_error)
    p.tour.start(k)
    for _ in range(n):
        press(qtbot, window, QtCore.Qt.Key.Key_PageDown)
    st = window.state
    first = st.error
    assert first and cover.isVisible() and cover.text().startswith("LSTM(8) \u2192 LSTM(4)\n")
    st.set_layer_option(1, "units", 6)  # the same reason: the stack as it is, the step's words
    assert st.error == first and cover.isVisible()
    assert cover.text() == "LSTM(8) \u2192 LSTM(6)\n\nnot drawn: this stack cannot be built"
    assert bar.currentMessage() == cover.status and cover.status.startswith("LSTM(8) \u2192 LSTM(6) \u2014 not drawn")
    st.set_layer_option(0, "units", 16)  # another reason: said, on the cover and in the bar
    assert st.error and st.error != first and "(None, 16)" in st.error and cover.isVisible()
    assert cover.text() == f"LSTM(16) \u2192 LSTM(6)\n\nnot drawn: {st.error}"
    assert bar.currentMessage() == f"LSTM(16) \u2192 LSTM(6) \u2014 not drawn: {st.error} (see the side panel)."
    window.set_theme("projector")  # its three lines fit the page, in a smaller font where need be
    window.resize(800, 600)
    QtWidgets.QApplication.processEvents()
    QtWidgets.QApplication.processEvents()
    assert cover.isVisible() and 0 < cover._height_in(cover.font()) <= cover.height()
    st.set_layer_option(0, "return_sequences", True)  # fixed: no cover, no line
    assert not st.error and not cover.isVisible() and bar.currentMessage() == ""
    p.escape()


def test_the_batch_size_lesson_never_calls_an_update_a_step():
    """Everywhere on screen a 'step' is a timestep (t = 0 / 39 above the Train tab, 'the
    gradient at the first step' in the lesson before). The batch_size lesson said 'Each step
    sees every sample' and 'noisier steps' for UPDATES: a student read it as timesteps."""
    import re

    les = next(l for l in tours.TRAIN_LESSONS if "batch_size" in l.title)
    for step in les.steps:
        assert not re.search(r"\bsteps?\b", step.caption, re.IGNORECASE), step.caption
        assert "update" in step.caption


def test_the_padding_lesson_shows_what_its_captions_say():
    """Each caption's claim, in the trace the step draws: unmasked, the padded steps move h;
    masked, h and c stay at step 7's (the cell's gates still computed); return_sequences=False
    gives step 7's h; padded before, h = c = 0 until the data starts."""
    import numpy as np

    les = tours.lesson("Padding and `Masking`")
    state = AppState()

    def records(step):
        tours.apply_step(state, step)
        assert state.error is None
        rec = state.trace[state.cursor.layer]
        return rec, {k: rec.steps[k][0] for k in ("h", "c", "f")}

    _, plain = records(les.steps[0])
    x = state.x[0, :, 0]
    assert (x[8:] == 0).all() and (x[:8] != 0).all()
    assert np.abs(plain["h"][8:] - plain["h"][7]).max() > 0.05  # the zeros move h
    rec, masked = records(les.steps[1])
    assert not rec.mask[0, 8:].any() and rec.mask[0, :8].all()
    np.testing.assert_array_equal(masked["h"][:8], plain["h"][:8])  # the same weights, the same steps
    for k in ("h", "c"):
        assert (masked[k][8:] == masked[k][7]).all()
    assert (masked["f"][9] != masked["f"][7]).any()  # the gates of a masked step are still there
    records(les.steps[2])
    rec, last = records(les.steps[3])
    assert rec.outputs[0].shape == (1, 4)  # one vector, what the Dense reads
    np.testing.assert_array_equal(rec.outputs[0][0], last["h"][7])
    np.testing.assert_array_equal(last["h"][7], masked["h"][7])
    rec, pre = records(les.steps[4])
    assert (state.x[0, :4] == 0).all()
    assert (pre["h"][:4] == 0).all() and (pre["c"][:4] == 0).all() and (pre["h"][4] != 0).all()
    assert tours.caption_text(les.steps[3], state)  # (quotes the model: {output_shape})


def test_a_lesson_starts_without_the_terms_written_out_or_focus_and_gives_both_back(window, qtbot):
    """Left on from before, the Cell view's terms written out and Focus (every unit but one
    dimmed) went on through a lesson whose captions say "4 bars per chart ... all their bars
    move at once"; a lesson starts without them and puts back what the user had."""
    p = window.presenter
    cell = window.views[tours.VIEWS.index("cell")]
    cell.set_expanded(True)
    p.set_focus(True)
    p.tour.start(0)
    assert not cell.expanded and not p.focus and not p.actions["focus"].isChecked()
    p.tour.next()
    p.tour.start(1)  # another lesson from within one: still as lessons have it
    assert not cell.expanded and not p.focus
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active
    assert cell.expanded and p.focus and p.actions["focus"].isChecked()


@pytest.mark.parametrize("k", [2, 7])
def test_lessons_leave_an_800_x_600_presentation_its_size(make_window, k):
    """Presenting windowed at 800 x 600, nothing resizes the window between steps: the
    Weights view, built when lesson 3 first shows it, laid out its four empty matrices for
    a moment and grew the window to 681 lines, where it stayed (the Cell view's equations
    then kept it so: they may take half of the view's height)."""
    w = make_window((800, 600))
    p = present_on(w, 800, 600)
    for _ in range(4):
        QtWidgets.QApplication.processEvents()
    size = w.size()
    assert size.height() == 600
    les = tours.ALL_LESSONS[k]
    p.tour.start(k)
    for n in range(len(les.steps)):
        if n:
            p.tour.next()
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        assert w.size() == size, (les.title, n, w.size())
    p.tour.end()
    p.leave()


def test_the_lessons_page_says_its_trained_runs_figures_are_its_machines():
    """resources/lessons/README.md quoted lesson 10's '2e-07, 131,798× less gradient' as
    fact; another CPU gives 5.2e-14 and 789,994,682,383× after the same 160 updates (float
    sums in another order). Under every caption that quotes a trained run's figures the page
    says they are its machine's; no other caption has the note."""
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "resources" / "lessons" / "README.md").read_text()
    noted, lesson = set(), None
    lines = page.split("\n")
    for i, line in enumerate(lines):
        if m := re.match(r"## (\d+)\. ", line):
            lesson = int(m.group(1))
        elif (m := re.match(r"(\d+)\. ", line)) and lesson is not None:
            if lines[i + 2].strip() == tours.RUN_FIGURES_NOTE:
                noted.add((lesson, int(m.group(1))))
    quoting = {(k + 1, n + 1) for k, les in enumerate(tours.ALL_LESSONS)
               for n, step in enumerate(les.steps) if tours.quotes_run_figures(step)}
    assert (10, 1) in quoting and noted == quoting


def test_captions_set_their_subscripts_as_the_views_do(qapp):
    """The forget gate lesson's last caption read "y_T now depends most on x_19 ...; the
    task asks for x_0" in plain text, underscores and all, under a plot that sets y_T and x_t
    as subscripts (as lesson 10's \u2016dL/dc\u209c\u2016 and the views do). A caption's
    x_t, h_(t\u22121), y_T and x_0 are now drawn as subscripts, at a lecture's least size
    while presenting; Keras names (input_dim, return_sequences) keep their underscore, and
    what a caption quotes is escaped."""
    from PySide6 import QtGui

    from lstmviz.ui import theme as th
    from lstmviz.ui.presentation import CaptionBar

    step = tours.lesson("What the forget gate learns").steps[-1]
    text = step.caption.format(conn_peak=19, conn_ratio="about 3.2 times", conn0_peak=17)
    assert tours.caption_parts(text)[:2] == [("y", False), ("T", True)]
    assert tours.caption_parts("U\u00b7h_(t\u22121) and input_dim, c\u0303_t, lstm_1 <b>x_0</b>") == [
        ("U\u00b7h", False), ("t\u22121", True), (" and input_dim, c\u0303", False), ("t", True),
        (", lstm_1 <b>x", False), ("0", True), ("</b>", False)]
    for theme in ("dark", "projector"):
        bar = CaptionBar()
        t = th.THEMES[theme].scaled(1.5) if theme == "projector" else th.THEMES[theme]
        bar.apply_theme(t)
        bar.show_caption("lesson\n4 / 4", text + " input_dim <b>")
        assert bar.text() == text + " input_dim <b>"
        doc = QtGui.QTextDocument()
        doc.setDefaultFont(bar.caption.font())
        doc.setHtml(bar.caption.text())
        assert doc.toPlainText() == ("yT depends most on x19, about 3.2 times the median step (the task: x0). "
                                     "At update 0 (dashed): x17. input_dim <b>")
        subs = []
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                if frag.charFormat().verticalAlignment() == QtGui.QTextCharFormat.VerticalAlignment.AlignSubScript:
                    subs.append(frag.text())
                it += 1
            block = block.next()
        assert subs == ["T", "19", "0", "17"]
        bar.deleteLater()


def test_no_caption_writes_a_unicode_subscript():
    """Lesson 8 wrote "the U\u1d62\u00b7h terms" and lesson 10 "\u2016dL/dc\u209c\u2016" with Unicode
    subscript letters, a glyph of a third of the text's height from the fonts the caption
    bar falls back to, where every other caption's x_t, h_(t\u22121) is set as a subscript of
    a lecture's least size (``caption_parts``), as the views set theirs. Every caption now
    writes its subscripts so: U_i\u00b7h_(t\u22121), as the Cell view's row names it, and
    dL/dc_t, as the Train tab's legend."""
    import re

    unicode_subscripts = re.compile("[\u1d62-\u1d6a\u2080-\u209c]")
    for les in tours.ALL_LESSONS:
        for step in les.steps:
            assert not unicode_subscripts.search(step.caption), (les.title, step.caption)
    uh = tours.lesson("Block, cell, unit").steps[2].caption
    assert [piece for piece, sub in tours.caption_parts(uh) if sub] == ["t\u2212" "1", "i", "t\u2212" "1"]
    dc = tours.lesson("Why LSTM: the vanishing gradient").steps[2].caption
    assert tours.caption_parts(dc)[:2] == [("\u2016dL/dc", False), ("t", True)]
    assert tours.caption_parts("lstm_1 input_dim a/dim_x") == [("lstm_1 input_dim a/dim_x", False)]


def _shown(state) -> tuple:
    """What a step shows of the state: the stack, the input, the cursor, the batch, the
    error, and the selected layer's trace at the cursor."""
    import numpy as np

    cur = state.cursor
    rec = state.trace[cur.layer] if state.trace is not None and cur.layer and not state.error else None
    h = None if rec is None else np.asarray(rec.steps["h"][0][cur.step] if "h" in rec.steps
                                            else rec.outputs[0]).tobytes()
    mask = None if rec is None or rec.mask is None else np.asarray(rec.mask).tobytes()
    spec = state.input
    data = None if spec.data is None else np.asarray(spec.data).tobytes()
    return ([(e.class_name, e.config) for e in state.layers],
            (spec.batch_size, spec.timesteps, spec.input_dim, spec.source, spec.seed, spec.period, data),
            (cur.layer, cur.unit, cur.side, cur.step), state.batch_index, bool(state.error), h, mask)


@pytest.mark.parametrize("k", range(len(VIEW_LESSONS)))
def test_a_lesson_step_reached_out_of_order_shows_what_it_shows_in_order(k):
    """Lesson 13's step 3 ("Masked step t = 9: ... its h and c are dropped") reached straight
    from step 1 kept step 1's stack, no Masking: nothing masked. Each step reached from
    step 1, or back from the last step, now shows what it shows reached in order: the stack,
    input, batch, cursor and trace that the steps before it leave it (``tours.step_setup``)."""
    les = VIEW_LESSONS[k]
    walked = AppState()
    in_order = []
    for step in les.steps:
        tours.apply_step(walked, step)
        in_order.append(_shown(walked))
    for n in range(len(les.steps)):
        jumped = AppState()
        tours.apply_step(jumped, tours.step_setup(les, 0, jumped))
        tours.apply_step(jumped, tours.step_setup(les, n, jumped))
        assert _shown(jumped) == in_order[n], (les.title, n + 1)
        tours.apply_step(walked, tours.step_setup(les, n, walked))  # (back from the step before)
        assert _shown(walked) == in_order[n], (les.title, n + 1, "back")
    if les.title == "Padding and `Masking`":
        masked = AppState()
        tours.apply_step(masked, tours.step_setup(les, 0, masked))
        tours.apply_step(masked, tours.step_setup(les, 2, masked))
        rec = masked.trace[masked.cursor.layer]
        assert rec.mask is not None and not rec.mask[0, 8:].any()


def test_a_train_step_reached_out_of_order_has_the_run_the_steps_before_it_leave():
    """A Train step out of order (PgUp, a jump) was its own ``train`` alone: 'What the
    forget gate learns' step 3 no updates (its 480 are step 2's), 'Why LSTM' step 3 neither
    the LSTM nor the pin of step 2. ``step_setup`` now gives it the run the steps before it
    leave: every setting since the lesson's task, the updates since the last new run, the
    pin (and the step that pinned), its own view; with the tab's ``TrainingSession``, only
    the updates that run still lacks, and nothing where it is that run."""
    from lstmviz.app.training import Settings, TrainingSession

    forget = tours.lesson("What the forget gate learns")
    assert tours.step_setup(forget, 2).train == {
        "task": "delay", "cell": "LSTM", "units": 8, "steps": 20, "seed": 0, "epochs": 60, "optimizer": "adam",
        "learning_rate": None, "batch_size": None, "shuffle": True, "updates": 480, "pin": False,
        "pinned_at": None, "grad_view": "gates", "mark_unit": True}
    why = tours.lesson("Why LSTM: the vanishing gradient")
    run = tours.step_setup(why, 2).train
    assert (run["cell"], run["updates"], run["pin"], run["pinned_at"], run["curve"]) == \
        ("LSTM", 160, True, 1, "gradient")
    assert tours.step_setup(why, 0).train["pin"] is False
    sizes = tours.lesson("batch_size and updates")
    session = TrainingSession(Settings(task="delay", cell="LSTM", batch_size=32))
    for _ in range(3):
        session.step()
    assert tours.step_setup(sizes, 0, session=session).train == {"updates": 5, "pin": False, "pinned_at": None,
                                                                  "curve": "loss"}
    assert tours.step_setup(sizes, 1, session=session).train["batch_size"] == 256  # another run


def test_the_window_sets_up_a_lesson_step_reached_out_of_order(window, qtbot):
    """In the window: lesson 13 from step 1 straight to step 3 shows the Masking stack and
    its masked step (as PgDn, PgDn does); PgDn from there goes on as before, and PgUp back
    to step 1 drops the Masking again."""
    p = window.presenter
    k = next(n for n, les in enumerate(tours.ALL_LESSONS) if les.title == "Padding and `Masking`")
    p.tour.start(k)
    state = window.state
    assert [e.class_name for e in state.layers] == ["LSTM"]
    p.tour.go(2)
    assert [e.class_name for e in state.layers] == ["Masking", "LSTM"]
    rec = state.trace[state.cursor.layer]
    assert state.cursor.step == 9 and rec.mask is not None and not rec.mask[0, 9]
    p.tour.next()
    assert [e.class_name for e in state.layers] == ["Masking", "LSTM", "Dense"]
    p.tour.go(0)
    assert [e.class_name for e in state.layers] == ["LSTM"]
    p.tour.end()


def test_step_labels_are_the_captions_opening_words_without_numbers_they_quote():
    """The lesson's step list names each step by its caption's first words, cut before a
    number the caption quotes from the state ("{units}") where that leaves a few words
    (what the step sets up decides it), never longer than the width asked."""
    step = tours.lesson(0).steps[3]  # "Unrolled: one box per STEP ({timesteps} of them) ..."
    assert tours.step_label(step) == "Unrolled: one box per STEP\u2026"
    for les in tours.ALL_LESSONS:
        for k, step in enumerate(les.steps):
            label = tours.step_label(step)
            assert 8 <= len(label) <= 56 and "{" not in label and "}" not in label, (les.title, k)
            assert tours.step_menu_text(les, k).startswith(f"&{k + 1}  ")


def test_g_lists_the_lessons_steps_and_a_number_goes_to_one(window, qtbot):
    """G (or a click on the lesson's title in the caption bar) lists the lesson's steps,
    the one shown checked; its number goes there, setting up what walking there would
    (lesson 13 from step 1 to step 3: the Masking stack and its masked step)."""
    p = window.presenter
    press(qtbot, window, QtCore.Qt.Key.Key_G)  # no lesson: nothing
    assert not p.steps_menu.isVisible()
    k = next(n for n, les in enumerate(tours.ALL_LESSONS) if les.title == "Padding and `Masking`")
    p.tour.start(k)
    press(qtbot, window, QtCore.Qt.Key.Key_G)
    menu = p.steps_menu
    assert menu.isVisible()
    les = tours.ALL_LESSONS[k]
    for n, act in enumerate(menu.actions()):  # (elided where wider than the screen)
        whole = tours.step_menu_text(les, n)
        assert act.text() == whole or act.text().endswith("\u2026") and whole.startswith(act.text()[:-1])
        assert act.text().startswith(f"&{n + 1}  ") and menu.fontMetrics().horizontalAdvance(act.text()) < \
            menu.screen().availableGeometry().width()
    assert [a.isChecked() for a in menu.actions()] == [n == 0 for n in range(len(les.steps))]
    qtbot.keyClick(menu, "3")
    QtWidgets.QApplication.processEvents()
    assert not menu.isVisible() and p.tour.index == 2
    state = window.state
    assert [e.class_name for e in state.layers] == ["Masking", "LSTM"]
    assert p.caption.text() == tours.caption_text(les.steps[2], state)
    assert "3 / 5" in p.caption.where.text()
    # a click on the lesson's title opens the list too, now with step 3 checked
    qtbot.mouseClick(p.caption.where, QtCore.Qt.MouseButton.LeftButton)
    assert menu.isVisible() and [a.isChecked() for a in menu.actions()].index(True) == 2
    menu.actions()[0].trigger()
    assert p.tour.index == 0 and [e.class_name for e in state.layers] == ["LSTM"]
    menu.hide()
    p.tour.end()
    press(qtbot, window, QtCore.Qt.Key.Key_G)  # after the lesson: nothing again
    assert not menu.isVisible()


def test_a_ratio_a_caption_quotes_is_rounded_to_two_significant_figures():
    """Lesson 10 read "397,965× less gradient" to a hall: six digits of a figure that
    changes from machine to machine. Quoted now as 'about 400,000', computed from the run."""
    from lstmviz.text import about

    assert about(397_965.3) == "about 400,000"
    assert about(131_798) == "about 130,000"
    assert about(6.24) == "about 6.2" and about(6.0) == "6" and about(12) == "12"
    assert about(0.01234) == "about 0.012" and about(float("inf")) == "inf"


def test_a_ratio_a_caption_quotes_is_said_in_times_and_large_ones_in_powers_of_ten():
    """'Why LSTM' read "about 790,000,000,000\u00d7 less gradient" on a projector: twelve digits
    of zeros to count. A ratio is said in words, "N times", past 10,000 in a power of ten,
    in every caption quoting one (the vanishing gradient's, the connectivity's)."""
    from lstmviz.text import times

    assert times(789_654_321_000.0) == "about 7.9\u00d710\u00b9\u00b9 times"
    assert times(397_965.3) == "about 4\u00d710\u2075 times" and times(1e4) == "10\u2074 times"
    assert times(6.24) == "about 6.2 times" and times(12) == "12 times" and times(9_876) == "about 9,900 times"
    assert times(float("inf")) == "infinitely many times"
    for lesson, fields in (("Why LSTM: the vanishing gradient", {"ratio"}),
                           ("What the forget gate learns", {"conn_ratio"})):
        for step in tours.lesson(lesson).steps:
            for name in fields & tours.RUN_FIGURES:
                if "{" + name + "}" in step.caption:  # ("{ratio} less", not "{ratio}\u00d7 less")
                    assert ("{" + name + "}\u00d7") not in step.caption and ("{" + name + "} ") in step.caption


def test_ctrl_z_in_a_lesson_undoes_its_edits_and_after_it_the_users_own(window, qtbot):
    # Ctrl+Z in a lesson undid the work from before it (the caption then spoke of a stack
    # no longer shown); after Esc there was nothing to undo, and Ctrl+Shift+Z brought the
    # lesson's stack back in place of the user's
    st = window.state
    st.set_layer_option(0, "units", 5)  # the user's own edit
    mine = [(e.class_name, e.config) for e in st.layers]
    p = window.presenter
    p.tour.start(0)
    shown = [(e.class_name, e.config) for e in st.layers]
    undo = window.sessions.undo_action
    assert not undo.isEnabled()  # nothing of the lesson's to undo yet
    undo.trigger()
    assert [(e.class_name, e.config) for e in st.layers] == shown  # the lesson's stack stays
    st.set_layer_option(0, "units", 16)  # the lecturer edits in the lesson
    undo.trigger()
    assert [(e.class_name, e.config) for e in st.layers] == shown
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active
    assert [(e.class_name, e.config) for e in st.layers] == mine
    assert undo.isEnabled() and not window.sessions.redo_action.isEnabled()
    undo.trigger()  # the user's edit, undone
    assert st.layers[0].config["units"] == 8 and st.layers[0].class_name == mine[0][0]
    window.sessions.redo_action.trigger()
    assert [(e.class_name, e.config) for e in st.layers] == mine


def test_undo_and_redo_outlive_pysides_record_of_their_parents_at_a_lessons_end(window, qtbot):
    # seen in a long session: at a lesson's end "Internal C++ object (PySide6.QtGui.QAction)
    # already deleted" from ``_sync_actions``, Undo greyed after it for good, Ctrl+Z dead.
    # The actions were alive; PySide had marked their wrappers deleted. They were made in
    # C++ (``menu.addAction(text, slot)``), and such a wrapper is marked deleted when a
    # wrapper above it in PySide's record of parents is invalidated or destroyed:
    # ``findChildren`` (the window's ``tab_stops``) had moved the Edit menu's wrapper
    # there under the window's. ``shiboken6.invalidate`` does to the menu's wrapper what
    # PySide does then (the menu and its actions stay in Qt)
    import shiboken6

    s, st = window.sessions, window.state
    window.findChildren(QtWidgets.QWidget)  # (as Tab's ``tab_stops`` does)
    st.set_layer_option(0, "units", 5)  # the user's own edit
    p = window.presenter
    p.tour.start(3)
    shiboken6.invalidate(s.edit_menu)
    assert s.undo_action in s.edit_menu.actions() and s.redo_action in s.edit_menu.actions()
    for _ in range(len(p.tour.lesson.steps)):
        press(qtbot, window, QtCore.Qt.Key.Key_PageDown)  # to its end, and past it
    assert not p.tour.active
    assert s.undo_action.isEnabled() and not s.redo_action.isEnabled()
    s.undo_action.trigger()
    assert st.layers[0].config["units"] == 8
    assert s.redo_action.isEnabled()


def test_closing_in_a_lesson_asks_about_the_users_work_and_saves_it_not_the_lessons(
        make_window, monkeypatch, tmp_path):
    # closing the window while a lesson showed asked to save "another model than the one
    # opened" (the lesson's stack), and Save wrote the lesson's stack as the user's session
    from lstmviz.app import session as ses

    asked = []

    def reply(box):
        asked.append(box.text())
        return QtWidgets.QMessageBox.StandardButton.Save

    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", reply)
    out = tmp_path / "mine.lstmviz"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    w = make_window((1200, 800))
    w.sessions.mark_saved()
    w.quiet = False
    w.state.set_layer_option(0, "units", 7)  # the user's unsaved edit
    mine = [(e.class_name, e.config) for e in w.state.layers]
    w.presenter.tour.start(4)
    assert w.close() and not w.isVisible()
    assert len(asked) == 1 and "units of" in asked[0] and "7" in asked[0]
    assert [(e.class_name, e.config) for e in ses.read_session(out).layers] == mine


def test_the_autosave_keeps_the_users_work_while_a_lesson_shows(make_window):
    # the autosave wrote a lesson's stack over the user's work: a crash in the lecture then
    # offered the lesson's stack back, the user's own gone
    from helpers import settle
    from lstmviz.app import session as ses

    w = make_window((1200, 800))
    mgr = w.sessions
    settle()  # (the window's start: no autosave before it)
    w.quiet = False
    try:
        w.state.set_layer_option(0, "units", 7)
        assert mgr.autosave(wait=True)
        w.presenter.tour.start(1)
        w.presenter.tour.next()
        assert not mgr.autosave(wait=True)
        assert ses.read_session(mgr.autosave_path).layers[0].config["units"] == 7
        w.presenter.tour.end()
        mgr.autosave(wait=True)
        assert ses.read_session(mgr.autosave_path).layers[0].config["units"] == 7
    finally:
        w.quiet = True


@pytest.mark.parametrize("how", ["model", "new stack", "session"])
def test_opening_in_a_lesson_ends_it_and_ctrl_z_brings_the_users_work_back(window, how, tmp_path):
    # a model opened in a lesson stayed under its caption ("4 units" over an LSTM(8)), and
    # Esc then put the work from before the lesson over the model just opened
    from helpers import DEMO

    st = window.state
    st.set_layer_option(0, "units", 5)
    mine = [(e.class_name, e.config) for e in st.layers]
    session = tmp_path / "other.lstmviz"
    if how == "session":
        st.set_layer_option(0, "units", 3)
        assert window.sessions.save_to(session)
        st.undo()
    p = window.presenter
    p.tour.start(0)
    p.tour.next()
    if how == "model":
        assert window.open_file(str(DEMO))
    elif how == "new stack":
        window.new_stack()
    else:
        assert window.open_file(str(session))
    opened = [(e.class_name, e.config) for e in st.layers]
    assert not p.tour.active and not p.caption.isVisible()
    if how == "model":
        assert st.path == str(DEMO)
    elif how == "session":
        assert st.layers[0].config["units"] == 3
    p.escape()  # (nothing of a lesson left to put back over it)
    assert [(e.class_name, e.config) for e in st.layers] == opened
    window.sessions.undo_action.trigger()
    assert [(e.class_name, e.config) for e in st.layers] == mine


CRASH_SCRIPT = """
import sys
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest
from lstmviz.ui.app import _app, dispose, make_window
app = _app(offscreen=True)
def settle():
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
w = make_window(None, "dark", quiet=True)
w.show(); settle()
p = w.presenter
p.fullscreen = False; p.screen_height = 768
w.resize(1024, 768); p.enter(); w.resize(1024, 768); settle()
K = QtCore.Qt.Key
def press(key):
    w.activateWindow()
    QTest.keyClick(QtWidgets.QApplication.focusWidget() or w, key); settle()
for lesson in (6, 7):
    p.tour.start(lesson); settle()
    press(K.Key_Tab); press(K.Key_S)
    while p.tour.active:
        press(K.Key_PageDown)
print("walked", w.views[1]._two_rows is not None)
dispose(w)
"""


def test_lessons_7_and_8_by_key_on_a_4_3_projector_without_the_side_panel_do_not_crash():
    # a segfault: lesson 7 (Tab, S), then lesson 8 (Tab, S, PgDn to its Cell view step) on a
    # 1024 x 768 projector; the Cell view's charts, resized by its grid's layout pass, moved
    # the grid's widgets inside that pass (sigResized -> _fit_rows -> _arrange), freeing the
    # items it was laying out. (A process of its own: a crash must fail this test, not the run.)
    import os
    import subprocess
    import sys

    from helpers import ROOT

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-c", CRASH_SCRIPT], env=env, capture_output=True, text=True,
                         timeout=300, cwd=str(ROOT))
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["walked", "True"]


def test_ctrl_s_in_a_lesson_never_writes_the_lessons_stack_over_the_users_session(window, tmp_path):
    # the session opened from a file, a lesson started, Ctrl+S out of habit: the lesson's
    # stack was written over the user's session file
    from lstmviz.app import session as ses

    st = window.state
    st.set_layer_option(0, "units", 5)
    mine = tmp_path / "mine.lstmviz"
    assert window.sessions.save_to(mine)
    before = mine.read_bytes()
    window.presenter.tour.start(0)
    window.sessions.save()
    assert mine.read_bytes() == before
    said = window.statusBar().currentMessage()
    assert "lesson" in said and "Esc" in said and "\n" not in said
    assert window.presenter.tour.active  # (the lecture goes on)
    window.presenter.escape()
    window.sessions.save()  # the user's work, saved as ever
    assert ses.read_session(mine).layers[0].config["units"] == 5


def test_save_session_as_in_a_lesson_leaves_the_window_on_the_users_session(window, tmp_path, monkeypatch):
    """Save session as... in a lesson wrote the lesson's stack (as it says it keeps it) and
    made that file the window's: after Esc the title named it over the user's work, the
    close asked about "another model than the one opened", and Ctrl+S wrote the user's
    work over the lesson's file, never again to their own. The window stays on the user's
    session: Ctrl+S after the lesson writes their file; the lesson's file keeps the lesson."""
    from lstmviz.app import session as ses
    from lstmviz.ui import export

    st = window.state
    st.set_layer_option(0, "units", 5)
    mine = tmp_path / "mine.lstmviz"
    assert window.sessions.save_to(mine)
    window.sessions.mark_saved()
    window.update_title()
    title = window.windowTitle()
    assert "mine.lstmviz" in title
    window.presenter.tour.start(0)
    lesson_units = st.layers[0].config.get("units")
    theirs = tmp_path / "lesson.lstmviz"
    monkeypatch.setattr(export, "ask_save_name", lambda *a, **k: str(theirs))
    window.sessions.save_as_dialog()
    assert ses.read_session(theirs).layers[0].config["units"] == lesson_units != 5
    said = window.statusBar().currentMessage()
    assert "lesson" in said and "lesson.lstmviz" in said and "\n" not in said, said
    window.presenter.escape()
    assert window.sessions.session_path == str(mine)
    assert window.windowTitle() == title
    assert window.sessions.unsaved() == ""  # (the user's work as saved: nothing to ask)
    st.set_layer_option(0, "units", 6)
    window.sessions.save()
    assert ses.read_session(mine).layers[0].config["units"] == 6
    assert ses.read_session(theirs).layers[0].config["units"] == lesson_units


def test_an_input_imported_in_a_lesson_is_said_to_stay_with_it_when_it_ends(window, tmp_path):
    """An input imported during a lesson was dropped at Esc without a word (the lesson's
    end puts the work from before it back, as it must: the import was made on the lesson's
    stack). The status bar now says so, and how to bring the file into the user's work."""
    st = window.state
    before = None if st.input.data is None else st.input.data.copy()
    window.presenter.tour.start(0)
    x = np.random.default_rng(0).normal(size=(st.input.timesteps, st.input.input_dim)).astype(np.float32)
    path = tmp_path / "mine.npy"
    np.save(path, x)
    st.import_input(str(path))
    assert st.input.source == "data"
    window.presenter.escape()
    said = window.statusBar().currentMessage()
    assert said.startswith("Lesson ended"), said
    assert "imported" in said and "File > Import input" in said and "\n" not in said, said
    got = st.input.data
    assert (before is None and got is None) or np.array_equal(got, before)  # (the work from before it)
    window.presenter.tour.start(0)  # a lesson with no edits of the user's: nothing said of them
    window.statusBar().clearMessage()
    window.presenter.escape()
    assert "imported" not in window.statusBar().currentMessage()


@pytest.mark.parametrize("k", [0, 4])
def test_esc_puts_back_the_stateful_batch_the_user_showed(window, qtbot, k):
    """A lecturer at batch 2 of a stateful model (N, N) started a lesson and pressed Esc:
    the stack came back at batch 0, other inputs and states under the same cursor. Now the
    batch shown before the lesson is back, its input and trace the same numbers."""
    st = window.state
    st.set_layer_option(0, "stateful", True)
    st.next_batch()
    st.next_batch()
    st.set_cursor(step=5, unit=3)
    x, out = st.x.copy(), np.array(st.trace[st.cursor.layer].output, copy=True)
    p = window.presenter
    p.tour.start(k)
    p.tour.go(2)
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active
    assert st.batch_index == 2
    assert (st.x == x).all()
    assert (np.asarray(st.trace[st.cursor.layer].output) == out).all()
    assert (st.cursor.step, st.cursor.unit) == (5, 3)
    st.next_batch()  # and N goes on from there, as it would have without the lesson
    assert st.batch_index == 3


def test_a_lessons_end_puts_back_a_stateful_batch_without_tracing_the_batches_again(window, monkeypatch):
    """A lecturer at batch 30 of a stateful model (N thirty times) ended a lesson: the
    window stood still while the 30 batches were traced again from zero states, one by
    one. The batch shown is now put back as it was kept (its trace, input and the states
    it hands on), the model traced once (the stack rebuilt, as at any lesson's end), and N
    then traces the batch it would have traced without the lesson."""
    from lstmviz.engine.model import Model

    st = window.state
    st.set_layer_option(0, "stateful", True)
    for _ in range(30):
        st.next_batch()
    st.set_cursor(step=5, unit=3)
    x, out = st.x.copy(), np.array(st.trace[st.cursor.layer].output, copy=True)
    kept = st.model.carried_states()  # (the states batch 30 hands on to batch 31)
    p = window.presenter
    p.tour.start(4)  # the stateful lesson: batches of its own
    p.tour.go(3)
    traced = []
    real = Model.trace
    monkeypatch.setattr(Model, "trace", lambda self, *a, **kw: traced.append(1) or real(self, *a, **kw))
    p.escape()
    assert not p.tour.active
    assert len(traced) <= 1  # (the rebuild of the stack; 31 before)
    assert st.batch_index == 30
    assert (st.x == x).all()
    assert (np.asarray(st.trace[st.cursor.layer].output) == out).all()
    assert (st.cursor.step, st.cursor.unit) == (5, 3)
    monkeypatch.setattr(Model, "trace", real)
    st.next_batch()
    assert st.batch_index == 31
    # batch 31 starts from the states batch 30 ended with, to the bit
    states = kept[[n.layer.name for n in st.model.nodes].index(st.cursor.layer)]
    record = st.trace[st.cursor.layer]
    assert len(states[0]) == len(record.initial_state)
    for a, b in zip(states[0], record.initial_state.values()):
        assert np.array_equal(a, b)
    assert not np.array_equal(np.asarray(record.output), out)


def test_a_session_saved_after_a_lessons_end_keeps_the_stateful_batchs_states(window, tmp_path):
    """The batch a lesson's end puts back keeps the states carried into it, as N left them:
    a session saved then holds them (``states/`` members) and opens at that batch by
    tracing it alone, to the same bits."""
    import zipfile

    from lstmviz.app import session as ses
    from lstmviz.app.state import AppState

    st = window.state
    st.set_layer_option(0, "stateful", True)
    for _ in range(3):
        st.next_batch()
    p = window.presenter
    p.tour.start(4)
    p.tour.go(3)
    p.escape()
    assert st.batch_index == 3 and st.states_in is not None
    path = ses.save_session(st, tmp_path / "after.lstmviz")
    with zipfile.ZipFile(path) as zf:
        assert any(n.startswith("states/") for n in zf.namelist())
    other = AppState()
    ses.open_session(other, path)
    a, b = st.trace.flat(), other.trace.flat()
    assert other.batch_index == 3 and sorted(a) == sorted(b)
    assert all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("k, n", [(0, 2), (0, 3), (7, 1), (7, 2)])
def test_a_caption_naming_the_unit_follows_the_unit_picked(window, qtbot, k, n):
    """Lesson 1's Unrolled step says "unit [2] (↑↓ picks another)": the lecturer pressed ↓,
    the view showed unit [3], the caption still said unit [2] (lesson 8's "these equations
    are unit 1's" too, after a click on another bar). The caption now quotes the unit shown."""
    st = window.state
    p = window.presenter
    p.tour.start(k)
    p.tour.go(n)
    first = st.cursor.unit
    assert f"unit {first}'s" in p.caption.text() or f"unit [{first}]" in p.caption.text()
    press(qtbot, window, QtCore.Qt.Key.Key_Down)
    unit = st.cursor.unit
    assert unit == first + 1 and p.tour.index == n  # (the lesson stays at its step)
    text = p.caption.text()
    assert f"unit {unit}'s" in text or f"unit [{unit}]" in text, text
    assert f"unit {first}'s" not in text and f"unit [{first}]" not in text, text
    assert text == tours.caption_text(tours.ALL_LESSONS[k].steps[n], st)
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active


@pytest.mark.parametrize("k, n", [(7, 1), (7, 2), (8, 0), (12, 2)])
def test_a_lesson_shows_the_equations_its_captions_speak_of(window, qtbot, k, n):
    """E had hidden the Cell view's equations before the lesson: lesson 8's "these equations
    are unit 1's" and "(the U_i·h_(t−1) terms)" spoke of equations not on screen. A lesson
    now shows them; after it they are hidden again, as the lecturer left them."""
    p = window.presenter
    cell = window.views[tours.VIEWS.index("cell")]
    press(qtbot, window, QtCore.Qt.Key.Key_E)
    assert not p.equations and cell.eq_scroll.isHidden()
    p.tour.start(k)
    p.tour.go(n)
    QtWidgets.QApplication.processEvents()
    assert window.tabs.currentWidget() is cell
    assert cell.eq_label.isVisible() and cell.eq_scroll.isVisible()
    assert p.actions["equations"].isChecked()
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active
    assert not p.equations and cell.eq_scroll.isHidden() and not p.actions["equations"].isChecked()


@pytest.mark.parametrize("k, n", [(12, 2), (3, 1)])
def test_a_lesson_step_stops_the_player_at_the_step_it_names(window, qtbot, k, n):
    """The lecturer's animation played on when a lesson started: "Masked step t = 9: ..."
    showed under t = 3, 4, 5 ... (unmasked steps), every step of the lesson the same. A
    step now pauses the player at the step it names; Space plays again from there."""
    st = window.state
    p = window.presenter
    window.player.play()
    assert window.player.playing
    p.tour.start(k)
    assert not window.player.playing
    p.tour.go(n)
    step = tours.ALL_LESSONS[k].steps[n]
    assert not window.player.playing
    assert st.cursor.step == (step.step if step.step >= 0 else st.timesteps + step.step)
    press(qtbot, window, QtCore.Qt.Key.Key_Space)  # the lecturer plays it, in the lesson
    assert window.player.playing and p.tour.active
    press(qtbot, window, QtCore.Qt.Key.Key_PageUp)  # another step: paused at its own step
    assert not window.player.playing and p.tour.index == n - 1
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active


def test_f5_in_a_lesson_leaves_presenting_and_the_lesson_shows_on(window, qtbot):
    """The lecturer had hidden the equations (E) and set focus (F), presented (F5), started
    lesson 8 and pressed F5 in it to leave full screen: the equations went away and every
    unit but one was dimmed under "U feeds EVERY unit's h_(t−1) ... (the U_i·h_(t−1) terms)".
    The lesson now goes on as it showed; its end gives back E and F as they were."""
    p = window.presenter
    cell = window.views[tours.VIEWS.index("cell")]
    p.set_equations(False)
    p.set_focus(True)
    p.fullscreen = False
    press(qtbot, window, QtCore.Qt.Key.Key_F5)
    assert p.active
    p.tour.start(7)
    p.tour.go(2)
    assert p.equations and not p.focus
    press(qtbot, window, QtCore.Qt.Key.Key_F5)
    assert not p.active and p.tour.active
    assert p.equations and not p.focus and not cell.eq_scroll.isHidden()
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.tour.active
    assert not p.equations and p.focus and cell.eq_scroll.isHidden()


def test_f5_in_a_lesson_then_esc_esc_gives_back_the_lecturers_e_and_f(window, qtbot):
    """Equations hidden (E) and focus on (F), a lesson started, F5 in it, then Esc (the
    lesson ends) and Esc (presenting ends): the equations came back on and focus off, the
    lesson's settings taken for the lecturer's. Both are now as before the lesson."""
    p = window.presenter
    p.set_equations(False)
    p.set_focus(True)
    p.tour.start(7)
    p.tour.go(2)
    assert p.equations and not p.focus
    p.fullscreen = False
    press(qtbot, window, QtCore.Qt.Key.Key_F5)
    assert p.active and p.tour.active
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert p.active and not p.tour.active and not p.equations and p.focus
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.active
    assert not p.equations and p.focus and p.actions["focus"].isChecked()
