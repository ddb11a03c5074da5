"""Presentation mode at 1920x1080 offscreen: the smallest rendered font, Esc restoring the
window exactly, the keyboard-only keys, focus and spotlight."""

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from helpers import DEMO, present_on, present_on_720_lines
from lstmviz.ui import presentation as pr
from lstmviz.ui import theme as th

#: "nothing smaller than about 24 px on a 1920x1080 projector"
MIN_PX = 24
#: sub/superscripts (the t of x_t): Qt draws them at 2/3 of their text, so the lecture
#: theme sets them 3/2 larger (Theme.subscripts); they must reach the same 24 px
MIN_SUB_PX = 24


@pytest.fixture
def window(make_window):
    return make_window((1920, 1080))


def settle():
    for _ in range(3):
        QtWidgets.QApplication.processEvents()


def press(qtbot, window, key, modifier=QtCore.Qt.KeyboardModifier.NoModifier):
    window.activateWindow()
    target = QtWidgets.QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifier)
    settle()


def present(window):
    """Presentation mode on the 1920x1080 window (offscreen screens are 800x800, so the
    test lays the window out at the projector's size instead of going full screen)."""
    window.presenter.fullscreen = False
    window.presenter.enter()
    window.resize(1920, 1080)
    settle()


def smallest(window):
    fonts = pr.rendered_fonts(window)
    assert len(fonts) > 20  # it did find the texts
    main = min((px, where) for px, small, where in fonts if not small)
    subs = [(px, where) for px, small, where in fonts if small]
    return main, (min(subs) if subs else (99, ""))


# -- the smallest font ----------------------------------------------------------------------
def test_nothing_rendered_below_24px_in_every_view(window, qtbot):
    before, _ = smallest(window)
    assert before[0] < MIN_PX  # the normal window is not lecture-sized: the test measures something
    present(window)
    assert (window.width(), window.height()) == (1920, 1080), "the layout must fit the projector"
    report = []
    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        window.state.set_cursor(step=3)
        settle()
        (px, where), (sub, swhere) = smallest(window)
        report.append((window.tabs.tabText(k), px, where, sub))
        assert px >= MIN_PX, f"{window.tabs.tabText(k)}: {where} is {px} px"
        assert sub >= MIN_SUB_PX, f"{window.tabs.tabText(k)}: subscript {swhere} is {sub} px"
    print("smallest rendered font per view (px):", report)
    # the side panel, shown with S, and the help overlay: large too
    press(qtbot, window, QtCore.Qt.Key.Key_S)
    assert window.side.isVisible()
    assert smallest(window)[0][0] >= MIN_PX
    press(qtbot, window, QtCore.Qt.Key.Key_F1)
    assert window.presenter.help.isVisible()
    assert smallest(window)[0][0] >= MIN_PX
    assert window.width() == 1920


def test_pyqtgraph_tick_fonts_are_measured(window):
    present(window)
    window.tabs.setCurrentIndex(2)
    settle()
    axes = [(px, w) for px, small, w in pr.rendered_fonts(window) if w.startswith("axis")]
    texts = [(px, w) for px, small, w in pr.rendered_fonts(window) if w.startswith("pg text")]
    assert axes and texts
    assert min(axes)[0] >= MIN_PX


# -- Esc restores ---------------------------------------------------------------------------
def test_esc_restores_theme_layout_and_window_state(window, qtbot):
    window.resize(1500, 900)
    settle()
    theme = th.current()
    geometry = window.geometry()
    sizes = window.splitter.sizes()
    label_font = window.views[0].legend.font().pointSize()
    app_font = QtWidgets.QApplication.instance().font().pointSize()
    p = window.presenter
    p.enter()  # really full screen
    settle()
    assert p.active and window.isFullScreen()
    # sizes for the screen's height (the offscreen screen's here, not 1080 lines)
    assert p.scale == pr.lecture_scale(window.screen().geometry().height())
    t = th.current()
    assert t.name == "projector" and t.min_pt == round(pr.MIN_PT * p.scale) and t.lecture
    assert not window.side.isVisible() and not window.statusBar().isVisible()
    assert not window.menuBar().isVisible()
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.active
    assert th.current() == theme
    assert not window.isFullScreen()
    assert window.geometry() == geometry
    assert window.side.isVisible() and window.statusBar().isVisible() and window.menuBar().isVisible()
    assert window.splitter.sizes() == sizes
    assert window.views[0].legend.font().pointSize() == label_font
    assert QtWidgets.QApplication.instance().font().pointSize() == app_font


def test_a_sessions_f_and_e_survive_f5_then_esc(window, qtbot, tmp_path):
    """A lecturer presenting (F5) opened the session of the lecture, saved with Focus on the
    unit (F) on, the equations (E) hidden and the Cell view's terms written out; Esc then put
    F and E back to what they were before F5, the session's settings lost (and its next save
    wrote them so). They are the work's settings: Esc keeps them, and F pressed while
    presenting too."""
    p = window.presenter
    cell = window.views[1]
    p.set_focus(True)
    p.set_equations(False)
    cell.set_expanded(True)
    path = window.sessions.save_to(tmp_path / "lecture.lstmviz")
    p.set_focus(False)
    p.set_equations(True)
    cell.set_expanded(False)
    present(window)
    assert window.sessions.open(path)
    assert p.focus and not p.equations and cell.expanded
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.active
    assert p.focus and p.actions["focus"].isChecked()
    assert not p.equations and not p.actions["equations"].isChecked() and cell.eq_scroll.isHidden()
    assert cell.expanded
    ui = window.sessions.ui_state()
    assert (ui["focus"], ui["equations"], ui["cell_terms"]) == (True, False, True)
    present(window)
    press(qtbot, window, QtCore.Qt.Key.Key_F)  # (the key while presenting: off)
    press(qtbot, window, QtCore.Qt.Key.Key_E)  # (on)
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.active and not p.focus and p.equations and not cell.eq_scroll.isHidden()


def test_closed_while_presenting_the_next_start_is_the_window_from_before_f5(window, make_window):
    """Ctrl+Q in a lecture: the preferences a close writes kept the full-screen geometry,
    the projector theme and a side panel of 0 px, and the next start opened so. They keep
    the window as Esc would have put it back."""
    window.resize(1500, 900)
    settle()
    sizes = window.splitter.sizes()
    geometry = window.saveGeometry()
    p = window.presenter
    p.enter()  # really full screen
    settle()
    assert window.isFullScreen() and not window.side.isVisible()
    window.sessions.save_preferences()  # (what a close writes)
    prefs = window.settings
    assert prefs.value("theme") == "dark"
    assert [int(v) for v in prefs.value("splitter")] == sizes
    assert prefs.value("geometry") == geometry
    nxt = make_window((1000, 700))
    nxt.settings = prefs
    nxt.sessions.restore_preferences()
    settle()
    assert not nxt.isFullScreen()
    p.leave()


def test_f5_toggles_and_theme_menu_keeps_lecture_size(window, qtbot):
    press(qtbot, window, QtCore.Qt.Key.Key_F5)
    p = window.presenter
    assert p.active
    window.set_theme("dark")  # View > Theme while presenting: dark, still lecture-sized
    settle()
    t = th.current()
    assert t.name == "dark" and t.min_pt == round(pr.MIN_PT * p.scale) and t.lecture
    assert p.scale == pr.lecture_scale(window.screen().geometry().height())  # full screen
    window.resize(1920, 1080)
    settle()
    assert smallest(window)[0][0] >= MIN_PX * p.scale - 1
    # the step and update counters at the headings' size (1.15 times the theme's type) in
    # each theme (they kept the first theme's: 19 pt while presenting, under tabs of 21)
    for counter in (window.cursor_label, window.train_update_label):
        assert counter.font().pointSize() == th.current().pt(1.15) > window.tabs.tabBar().font().pointSize()
    press(qtbot, window, QtCore.Qt.Key.Key_F5)
    assert not p.active and th.current() == th.THEMES["dark"]
    assert p.theme_name == "dark"  # the next presentation uses it
    window.set_theme("projector")
    for counter in (window.cursor_label, window.train_update_label):
        assert counter.font().pointSize() == th.THEMES["projector"].pt(1.15) and counter.font().bold()


# -- keys -----------------------------------------------------------------------------------
def test_keys_switch_views_units_layers_and_panels(window, qtbot):
    present(window)
    st = window.state
    tabs = window.tabs
    tabs.setCurrentIndex(0)
    press(qtbot, window, QtCore.Qt.Key.Key_Tab)
    assert tabs.currentIndex() == 1
    press(qtbot, window, QtCore.Qt.Key.Key_Tab)
    assert tabs.currentIndex() == 2
    press(qtbot, window, QtCore.Qt.Key.Key_Backtab, QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert tabs.currentIndex() == 1
    unit = st.cursor.unit
    press(qtbot, window, QtCore.Qt.Key.Key_Down)
    assert st.cursor.unit == unit + 1
    press(qtbot, window, QtCore.Qt.Key.Key_Up)
    assert st.cursor.unit == unit
    names = [l.name for l in st.model.layers]
    k = names.index(st.cursor.layer)
    press(qtbot, window, QtCore.Qt.Key.Key_BracketRight)
    assert st.cursor.layer == names[k + 1]
    press(qtbot, window, QtCore.Qt.Key.Key_BracketLeft)
    assert st.cursor.layer == names[k]
    # the player keys still work
    press(qtbot, window, QtCore.Qt.Key.Key_Right)
    assert st.cursor.step == 1
    press(qtbot, window, QtCore.Qt.Key.Key_PageDown)
    assert st.cursor.step == 2
    press(qtbot, window, QtCore.Qt.Key.Key_End)
    assert st.cursor.step == st.timesteps - 1
    # E: the Cell view's equations; S: the side panel
    cell = window.views[1]
    tabs.setCurrentIndex(1)
    settle()
    assert cell.eq_label.isVisible()
    press(qtbot, window, QtCore.Qt.Key.Key_E)
    assert not cell.eq_label.isVisible()
    press(qtbot, window, QtCore.Qt.Key.Key_E)
    assert cell.eq_label.isVisible()
    assert not window.side.isVisible()
    press(qtbot, window, QtCore.Qt.Key.Key_S)
    assert window.side.isVisible()
    press(qtbot, window, QtCore.Qt.Key.Key_S)
    assert not window.side.isVisible()
    # F1 / ?: the help overlay, Esc closes it (and only it)
    press(qtbot, window, QtCore.Qt.Key.Key_Question)
    assert window.presenter.help.isVisible()
    assert "PgUp" in window.presenter.help.label.text() and "Tab" in window.presenter.help.label.text()
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not window.presenter.help.isVisible() and window.presenter.active
    press(qtbot, window, QtCore.Qt.Key.Key_F1)
    assert window.presenter.help.isVisible()
    press(qtbot, window, QtCore.Qt.Key.Key_F1)
    assert not window.presenter.help.isVisible()


def test_a_spin_box_being_edited_keeps_its_keys(window, qtbot):
    panel = window.stack_panel
    panel.cards.setCurrentRow(0)
    settle()
    spin = panel.option_widgets["units"]
    units = spin.value()
    tab = window.tabs.currentIndex()
    unit = window.state.cursor.unit
    window.activateWindow()
    spin.setFocus()
    settle()
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_Up)
    settle()
    assert spin.value() == units + 1
    assert window.state.cursor.unit == unit  # Up went to the box, not to "next unit"
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_E)  # a letter is typed, not a shortcut
    assert window.presenter.equations
    assert window.tabs.currentIndex() == tab


# -- focus and spotlight ----------------------------------------------------------------------
def test_focus_dims_all_but_the_selected_unit(window, qtbot):
    present(window)
    window.state.set_cursor(unit=2, step=4)
    over, cell, unrolled = window.views[2], window.views[1], window.views[0]
    window.tabs.setCurrentIndex(2)
    settle()
    press(qtbot, window, QtCore.Qt.Key.Key_F)
    assert window.presenter.focus
    slot = over.slots[0]
    assert slot.mask.visible
    above, below = (r.rect() for r in slot.mask.rects)
    assert above.bottom() == pytest.approx(1.5) and below.top() == pytest.approx(2.5)
    press(qtbot, window, QtCore.Qt.Key.Key_Down)  # the clear band follows the unit
    above, below = (r.rect() for r in slot.mask.rects)
    assert above.bottom() == pytest.approx(2.5) and below.top() == pytest.approx(3.5)
    window.tabs.setCurrentIndex(1)
    settle()
    bar = cell.bars["g0"]
    assert bar.mask.visible and bar.mask.rects[1].rect().left() == pytest.approx(3.5)
    window.tabs.setCurrentIndex(0)
    settle()
    sel = [r for r in unrolled.rows if r.layer == window.state.cursor.layer][0]
    others = [r for r in unrolled.rows if r is not sel and r.image is not None]
    assert sel.image.opacity() == 1.0 and others and all(r.image.opacity() < 0.5 for r in others)
    press(qtbot, window, QtCore.Qt.Key.Key_F)
    assert not slot.mask.visible and not bar.mask.visible
    assert all(r.image.opacity() == 1.0 for r in others)


def test_spotlight_follows_the_pointer(window, qtbot):
    present(window)
    spot = window.presenter.spotlight
    press(qtbot, window, QtCore.Qt.Key.Key_P)
    assert spot.isVisible() and spot.geometry() == window.centralWidget().rect()
    assert spot.testAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    spot.move_to(QtCore.QPoint(400, 300))
    img = spot.grab().toImage()
    centre, corner = img.pixelColor(400, 300), img.pixelColor(5, 5)
    assert corner.alpha() > 100 and centre.alpha() < corner.alpha()
    press(qtbot, window, QtCore.Qt.Key.Key_P)
    assert not spot.isVisible()


def test_render_presentation_png(window, tmp_path):
    present(window)
    window.tabs.setCurrentIndex(1)
    window.state.set_cursor(step=5)
    settle()
    out = tmp_path / "present.png"
    assert window.grab().save(str(out))
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (1920, 1080)


def test_tab_moves_the_focus_outside_presentation_mode(window, qtbot):
    tab = window.tabs.currentIndex()
    press(qtbot, window, QtCore.Qt.Key.Key_Tab)
    assert window.tabs.currentIndex() == tab
    present(window)
    press(qtbot, window, QtCore.Qt.Key.Key_Tab)
    assert window.tabs.currentIndex() == (tab + 1) % window.tabs.count()


def test_presentation_screen_menu(window):
    p = window.presenter
    p._fill_screens()
    labels = [a.text() for a in p.screens_menu.actions()]
    screens = QtGui.QGuiApplication.screens()
    assert len(labels) == len(screens) + 1
    p.screens_menu.actions()[1].trigger()
    assert p.screen_name == screens[0].name() and p._screen() is screens[0]


@pytest.mark.parametrize("case", ["k3_seq2seq_lstm", "k3_merge_branches", "k3_masking_lstm"])
def test_graph_models_and_masks_are_lecture_sized_too(window, case):
    # the texts only graph models get (initial state, lanes) and the masked-step greys
    from pathlib import Path

    assert window.open_file(Path(__file__).parent / "fixtures" / case / "model.keras")
    present(window)
    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        window.state.set_cursor(step=2)
        settle()
        (px, where), (sub, swhere) = smallest(window)
        assert px >= MIN_PX, f"{case}, {window.tabs.tabText(k)}: {where} is {px} px"
        assert sub >= MIN_SUB_PX, f"{case}, {window.tabs.tabText(k)}: subscript {swhere} is {sub} px"


def test_unicode_scripts_are_measured_and_written_at_the_halls_size(window):
    """Presenting at 1920 x 1080, the Cell view's check box "Write W·xₜ and U·hₜ₋₁ out term by
    term" drew its t and 1 at 16-17 px, and a Conv1D's and a pooling's step page their
    "Σₖ" / "maxₖ" k at 19 px: Unicode's script characters are drawn smaller than Qt's
    <sub>, and the measure counted them as text of the font's size. They count as small
    text now (their glyph's height over the one of the character they stand for); a
    lecture theme writes them as <sub> in rich text and "x_t", "h_(t−1)" in a check box,
    at least ``MIN_SUB_PX``; after presentation mode the check box says ₜ again."""
    from pathlib import Path

    from lstmviz.ui.views.cell import EXPAND_WORDS

    assert window.open_file(Path(__file__).parent / "fixtures" / "k3_conv_lstm" / "model.keras")
    window.tabs.setCurrentIndex(1)
    settle()
    box = window.views[1].expand_box
    assert box.text() == EXPAND_WORDS[0]
    unicode = [px for px, small, where in pr.rendered_fonts(window) if small and "ShortCheckBox: 'ₜ'" in where]
    assert unicode and unicode[0] < 0.6 * box.fontInfo().pixelSize()  # (measured: the small glyph it is)
    present(window)
    assert box.text() == "Write W·x_t and U·h_(t−1) out term by term"
    for layer in ("conv", "pool", "lstm"):
        window.state.set_cursor(step=1, layer=layer)
        settle()
        (px, where), (sub, swhere) = smallest(window)
        assert px >= MIN_PX, f"{layer}: {where} is {px} px"
        assert sub >= MIN_SUB_PX, f"{layer}: subscript {swhere} is {sub} px"
        if layer != "lstm":  # (the step page's sum or max over the taps: its k a <sub>)
            text = window.views[1].step_page.eq_label.text()
            assert "ₖ" not in text and "<sub>" in text
    window.presenter.leave()
    settle()
    assert box.text() == EXPAND_WORDS[0]


def test_a_lecture_theme_writes_unicode_scripts_at_a_readable_size():
    """``Theme.subscripts`` and ``Theme.plain_scripts``: Unicode's script characters as
    <sub>/<sup> of the lecture's least size in rich text, as "_t" / "_(t−1)" / "^2" in plain
    text, in a lecture theme only (elsewhere the text as it is)."""
    lecture = pr.presentation_theme("dark", 1.0)
    assert lecture.lecture
    dark = th.THEMES["dark"]
    assert lecture.plain_scripts("Write W·xₜ and U·hₜ₋₁") == "Write W·x_t and U·h_(t−1)"
    assert lecture.plain_scripts("variance σ², Wᵀ") == "variance σ^2, W^T"
    assert dark.plain_scripts("W·xₜ") == "W·xₜ" and dark.subscripts("Σₖ x") == "Σₖ x"
    big = f'<span style="font-size:{lecture.min_pt * 1.5:.1f}pt">'
    assert lecture.subscripts("y = Σₖ W<sub>k</sub>") == f"y = Σ<sub>{big}k</span></sub> W<sub>{big}k</span></sub>"
    assert lecture.subscripts("σ²") == f"σ<sup>{big}2</span></sup>"


def test_a_title_with_a_short_form_shows_it_while_the_plot_is_too_narrow(qtbot):
    """``theme.set_title(..., short=...)``: the whole title where it fits the plot, the short
    one while it does not, chosen again at each resize; the same title again keeps it."""
    import pyqtgraph as pg

    from lstmviz.ui import theme as th

    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.resize(600, 200)
    w.show()
    qtbot.waitExposed(w)
    plot = w.getPlotItem()
    label = plot.titleLabel
    th.set_title(plot, "h<sub>t</sub> · hidden state of the layer", short="h<sub>t</sub>", size="16pt")

    def shown():
        QtWidgets.QApplication.processEvents()
        return label.item.toPlainText()

    assert shown() == "ht · hidden state of the layer"
    for width, want in ((150, "ht"), (600, "ht · hidden state of the layer"), (150, "ht")):
        w.resize(width, 200)
        assert shown() == want, width
        assert label.item.sceneBoundingRect().width() <= label.sceneBoundingRect().width() + 0.5 or want != "ht"
    th.set_title(plot, "h<sub>t</sub> · hidden state of the layer", short="h<sub>t</sub>", size="16pt")
    assert shown() == "ht"  # the same title again: as it was
    th.set_title(plot, "unit 3", size="16pt")  # no short form: the whole title however narrow
    assert shown() == "unit 3"


def test_lecture_sizes_follow_the_screens_height():
    assert pr.lecture_scale(1080) == 1.0 and pr.lecture_scale(2160) == 2.0
    assert pr.lecture_scale(720) == pytest.approx(2 / 3) and pr.lecture_scale(200) == 0.6
    t = pr.presentation_theme("projector", pr.lecture_scale(720))
    assert t.pt(1.0) == pytest.approx(pr.BASE_PT * 2 / 3, abs=0.5)


def test_a_1280x720_projector_gets_the_halls_picture_of_a_1080_one(window):
    """21 pt on a 720-line screen took half again as much of it: the Cell tab's charts were
    squeezed to a few pixels and the Train tab's plots had no room. Sizes scale with the
    screen's height: the smallest text is the 24 px of 1080 lines times 720/1080."""
    p = present_on_720_lines(window)
    settle()
    assert p.scale == pytest.approx(2 / 3)
    assert (window.width(), window.height()) == (1280, 720), "the layout must fit the projector"
    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        settle()
        (px, where), _ = smallest(window)
        assert px >= MIN_PX * 2 / 3 - 1, f"{window.tabs.tabText(k)}: {where} is {px} px"
    window.tabs.setCurrentIndex(1)  # the Cell tab: its charts as tall as at 1080, in proportion
    settle()
    cell = window.views[1]
    heights = [bp.plot.getViewBox().height() for bp in cell.bars.values() if not bp.widget.isHidden()]
    assert heights and min(heights) > 720 / 6, heights
    p.leave()
    settle()
    assert p.scale == pytest.approx(2 / 3)  # (kept until the next presentation)


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1920, 1080)])
def test_the_train_tab_in_presentation_mode_on_a_small_projector(window, size):
    """The Train tab took 'lecture' from a floor of 18 pt: on a 720-line screen (a scaled
    floor of 13 pt) it kept the normal layout (the task's text, a third plot). And on a
    1024-wide one its controls' minimum width laid the plots over them."""
    p = window.presenter
    p.fullscreen = False
    p.screen_height = size[1]
    window.resize(*size)
    p.enter()
    window.resize(*size)
    window.tabs.setCurrentIndex(window.tabs.count() - 1)
    settle()
    panel = window.train_panel
    settle()
    assert th.current().lecture
    assert not panel.task_about.isVisible() and not panel.norm_plot.isVisible()  # the lessons' layout
    controls = panel.controls.geometry()
    plots = panel.plot_tabs.geometry()
    assert controls.right() < plots.left(), (controls, plots)
    assert plots.right() <= panel.width() and plots.width() > size[0] / 3
    p.leave()
    settle()
    from lstmviz.ui.train_panel import NORM_PLOT_LEAST

    # (the gradient norm's plot back where the curves have the room for it)
    assert not th.current().lecture and panel.norm_plot.isVisible() == (panel.plots.height() >= NORM_PLOT_LEAST)


def test_titles_made_to_go_together_go_short_together(qtbot):
    """A grid's titles (``theme.titles_together``): all short while any one must be, all
    whole again when every one fits, not some of each."""
    import pyqtgraph as pg

    from lstmviz.ui import theme as th

    widgets = [pg.PlotWidget(), pg.PlotWidget()]
    for w in widgets:
        qtbot.addWidget(w)
        w.resize(600, 200)
        w.show()
        qtbot.waitExposed(w)
    wide, narrow = (w.getPlotItem() for w in widgets)
    th.set_title(wide, "i<sub>t</sub> · input", short="i<sub>t</sub>", size="16pt")
    th.set_title(narrow, "h<sub>t</sub> · hidden state of the layer", short="h<sub>t</sub>", size="16pt")
    th.titles_together(wide, narrow)

    def shown():
        QtWidgets.QApplication.processEvents()
        return [p.titleLabel.item.toPlainText() for p in (wide, narrow)]

    assert shown() == ["it · input", "ht · hidden state of the layer"]
    for width, want in ((200, ["it", "ht"]), (600, ["it · input", "ht · hidden state of the layer"]),
                        (200, ["it", "ht"])):
        widgets[1].resize(width, 200)  # only the narrow one's plot changes size
        assert shown() == want, width


def test_equations_keep_their_size_after_presenting_and_theme_switches(window, qtbot):
    """The Cell view's equations are as large after F5/Esc and after View > Theme as when
    the window opened; they were 13 pt at the start, 17 pt (two rows each, a scroll bar)
    after leaving presentation mode or picking a theme."""
    window.tabs.setCurrentIndex(1)
    window.state.set_cursor(step=3)
    settle()
    cell = next(v for v in window.views if hasattr(v, "eq_label"))

    def look():
        settle()
        return cell.eq_label.font().pointSizeF(), cell.eq_label.height()

    start = look()
    assert start[0] == th.current().pt()  # the body size
    p = window.presenter
    p.fullscreen = False
    p.enter()
    settle()
    assert cell.eq_label.font().pointSizeF() > start[0]
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not p.active
    assert look() == start
    window.set_theme("light")
    assert look()[0] == start[0]
    window.set_theme("dark")
    assert look() == start


def _label_value(text: str) -> float:
    """A log axis' label as a number: "0.001", "10\u207b\u2078", "2\u00d710\u207b\u2075"."""
    superscripts = "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
    if "10" in text and any(c in text for c in superscripts):
        mantissa, _, power = text.rpartition("10")
        exponent = int(power.translate(str.maketrans(superscripts, "-0123456789")))
        return float(mantissa.rstrip("\u00d7") or 1) * 10.0 ** exponent
    return float(text)


def test_the_vanishing_gradient_lesson_labels_its_log_axis_on_a_720_line_projector(window):
    """Lesson 10 on a 1280x720 projector: its caption says the gradient at the first step
    is 6.2e-08, 397,965 times weaker than at the last, and the plot's log axis showed one
    label (0.0001): the other tick chosen, 1e-08, lay 4 px from the plot's edge, and
    pyqtgraph drops a label that would stick out of its axis. Ticks are now chosen where
    their labels fit: two decades named, the scale readable."""
    p = present_on_720_lines(window)
    p.tour.start(9)
    window.resize(1280, 720)
    settle()
    axis = window.train_panel.step_plot.getAxis("left")
    img = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(img)
    texts = [t[2] for t in axis.generateDrawSpecs(painter)[2]]
    painter.end()
    assert len(texts) >= 2, texts
    decades = sorted(_label_value(t) for t in texts)
    assert decades[-1] / decades[0] >= 100
    p.tour.end()
    p.leave()


def test_a_train_lesson_leaves_the_users_own_run_as_it_was(window):
    """A lesson on the Train tab configured the tab's run in place: the user's own run
    (its updates, weights, snapshots; a copy of their model trained on their data) was gone
    when the lesson ended, replaced by the lesson's. The lesson now trains a run of its
    own and the user's comes back, untouched."""
    import numpy as np

    from lstmviz.engine.train import trainable_arrays

    panel = window.train_panel
    mine = panel.session
    for _ in range(3):
        mine.step()
    weights = [a.copy() for a in trainable_arrays(mine.model)]
    settings = mine.settings
    p = window.presenter
    p.fullscreen = False
    p.enter()
    p.tour.start(11)  # What the forget gate learns: 480 updates of an LSTM(8)
    settle()
    assert panel.session is not mine and panel.session.iteration == 0
    p.tour.next()
    assert panel.session.iteration == 480
    p.tour.end()
    settle()
    assert panel.session is mine and mine.iteration == 3 and mine.settings == settings
    for a, b in zip(trainable_arrays(mine.model), weights):
        np.testing.assert_array_equal(a, b)
    assert panel.status_label.text().startswith("update 3 ")
    p.leave()


def test_the_train_tabs_log_labels_stay_a_line_apart_on_a_720_line_projector(window):
    """In the vanishing-gradient lesson on a 1280 x 720 projector the loss plot's labels
    "0.5, 0.3, 0.2" were drawn over each other (three labels for its height, but all
    within half a decade). Labels now stay a line and a quarter apart, fewer of them."""
    from lstmviz.ui.train_panel import log_tick_list

    p = present_on_720_lines(window)
    p.tour.start(9)  # Why LSTM
    p.tour.next()  # the LSTM's run beside the SimpleRNN's pinned curve
    window.resize(1280, 720)
    settle()
    panel = window.train_panel
    panel.refresh(force=True)
    for plot in (panel.loss_plot, panel.step_plot):
        axis = plot.getAxis("left")
        line = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont()).height()
        ys = sorted(plot.vb.mapViewToScene(QtCore.QPointF(0, v)).y() for v, _ in axis._tickLevels[0])
        assert ys and all(b - a >= line for a, b in zip(ys, ys[1:])), (plot.titleLabel.text, axis._tickLevels[0])
    assert log_tick_list(0.15, 0.6, 3, 0.25)[0] == log_tick_list(0.15, 0.6, 2)[0]  # 0.2, 0.5
    p.tour.end()
    p.leave()


def test_a_train_lesson_looks_the_same_whatever_ran_before_it(window):
    """A Train-tab lesson's first step took every setting it does not name from the run on
    the tab: the batch_size lesson trained at 50 timesteps after the vanishing-gradient
    lesson and at 20 when started alone, and the vanishing-gradient lesson ran at the user's
    batch size and optimizer (or at batch 8, after the batch_size lesson). It now starts
    from the defaults."""
    from lstmviz.app.training import Settings

    panel = window.train_panel
    p = window.presenter
    p.fullscreen = False
    p.enter()
    seen = {}
    for order in ((10,), (9, 10), (10, 9)):  # V alone / after ... ; B after V, alone
        for k in order:
            p.tour.start(k)
            settle()
            seen.setdefault(k, set()).add(repr(panel.session.settings))
    panel.apply_settings(Settings(optimizer="sgd", batch_size=8, steps=30, units=3))
    for k in (9, 10):
        p.tour.start(k)
        settle()
        seen[k].add(repr(panel.session.settings))
    p.tour.end()
    assert all(len(v) == 1 for v in seen.values()), seen
    p.leave()


def _side_panel_shown_at_800_x_600(make_window, qtbot, step):
    """A window presenting at 800 x 600 on the lesson ``step``'s stack, S pressed: it stays
    within the screen's width. Gives the window, its presenter and the side panel's least
    width outside presentation mode."""
    w = make_window((800, 600))
    natural = w.side.minimumWidth()
    p = present_on(w, 800, 600)
    from lstmviz.app import tours

    tours.apply_step(w.state, step)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    press(qtbot, w, QtCore.Qt.Key.Key_S)
    w.resize(800, 600)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert w.side.isVisible()
    assert w.minimumSizeHint().width() <= 800 and w.width() <= 800, w.minimumSizeHint()
    return w, p, natural


def test_the_side_panel_fits_an_800_x_600_projector(make_window, qtbot):
    """S while presenting at 800 x 600: the window grew to 856 px, its right edge (the unit
    box, the sample box, the player's 'of 4') past the screen's. The side panel keeps its
    width and the layer box gives up what it must (its list still shows every name whole)."""
    from lstmviz.app import tours

    step = tours.TourStep("", stack=(tours.lay("LSTM", return_sequences=True), tours.lay("TimeDistributed")))
    w, p, natural = _side_panel_shown_at_800_x_600(make_window, qtbot, step)
    assert w.layer_combo.itemText(1) == "time_distributed (TimeDistributed)"
    assert w.side.width() >= natural > 0  # its width outside presentation mode
    assert w.unit_spin.isVisible()
    p.leave()


def test_the_side_panel_gives_way_beside_a_bidirectional_header_at_800_x_600(make_window, qtbot):
    """S while presenting a Bidirectional at 800 x 600: the header's forward / backward box
    held the window 883 px wide (the side panel kept 442 px): the panel gives up what the
    views need, no more, and gets its width back after presentation mode."""
    from lstmviz.app import tours

    step = tours.lesson("`go_backwards` and Bidirectional").steps[2]
    w, p, natural = _side_panel_shown_at_800_x_600(make_window, qtbot, step)
    assert w.side_combo.isVisible()
    views = w.splitter.widget(1)
    assert views.width() >= views.minimumSizeHint().width()
    assert w.side.width() >= 0.36 * 800
    p.leave()
    assert w.side.minimumWidth() == natural


def test_over_times_colour_bar_labels_lie_within_the_window_at_800_x_600_beside_the_side_panel(qapp, qtbot):
    """Presenting a Bidirectional LSTM at 800 x 600 with the side panel (S), Over time's page
    was 374 px for three heatmaps of 152 each: the widgets overlapped (each colour bar's
    labels under its right neighbour) and the third column's labels were cut at the window's
    right edge. Each heatmap now takes its share of the row: every label pyqtgraph draws on
    a colour bar's axis lies within its own heatmap's widget and within the window."""
    import pyqtgraph as pg

    from helpers import FIXTURES, axis_specs
    from lstmviz.ui.app import dispose
    from lstmviz.ui.app import make_window as open_window

    w = open_window(str(FIXTURES / "k3_bidi_lstm_stacked" / "model.keras"), "projector", quiet=True)
    try:
        w.show()
        p = present_on(w, 800, 600)
        settle()
        press(qtbot, w, QtCore.Qt.Key.Key_S)
        w.resize(800, 600)
        w.tabs.setCurrentIndex(2)  # Over time
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        view = w.views[2]
        assert w.side.isVisible() and view.isVisible() and w.width() <= 800
        seen = 0
        for gv in view.findChildren(pg.GraphicsView):
            if not gv.isVisible():
                continue
            own = QtCore.QRectF(QtCore.QRect(gv.mapTo(w, QtCore.QPoint(0, 0)), gv.size()))
            for bar in (it for it in gv.scene().items() if isinstance(it, pg.ColorBarItem) and it.isVisible()):
                for rect, _, text in axis_specs(bar.axis, type(bar.axis).generateDrawSpecs)[2]:
                    if not text:
                        continue
                    r = bar.axis.mapRectToScene(rect)
                    box = QtCore.QRectF(QtCore.QPointF(gv.mapTo(w, gv.mapFromScene(r.topLeft()))),
                                        QtCore.QPointF(gv.mapTo(w, gv.mapFromScene(r.bottomRight()))))
                    assert own.adjusted(-1, -1, 1, 1).contains(box), (text, box, own)
                    assert box.right() <= w.width(), (text, box)
                    seen += 1
        assert seen >= 6 * 2  # (six heatmaps' bars, two labels each at least)
        p.leave()
    finally:
        dispose(w)
        th.apply("dark", qapp)


def test_a_train_lesson_gives_back_the_users_pinned_curve_and_both_plots(window):
    """The user pinned their run's gradient curve, then ran the vanishing-gradient lesson:
    when it ended, the dashed curve on their 20-step run was the lesson's 50-step SimpleRNN
    ('SimpleRNN (pinned)'), and on a small projector the loss plot stayed hidden (the
    lesson's last step was about the gradient plot alone). Their own pinned curve, its
    name and both plots come back with their run."""
    import numpy as np

    from lstmviz.app import tours

    panel = window.train_panel
    mine = panel.session
    for _ in range(3):
        mine.step()
    panel.refresh(force=True)
    panel.pin()
    ours = np.array(mine.view().dh_norm)
    p = present_on(window, 800, 600)
    p.tour.start(len(tours.LESSONS))  # Why LSTM: pins the SimpleRNN's curve
    p.tour.next()
    settle()
    assert not panel.loss_plot.isVisible()  # (the lesson's step about the gradient alone)
    p.tour.end()
    settle()
    assert panel.session is mine
    xs, ys = panel.pinned_dh.getData()
    assert len(xs) == len(ours) == 20
    np.testing.assert_allclose(10 ** np.asarray(ys), ours, rtol=1e-6)
    names = [label.text for _, label in panel.step_legend.items]
    assert any("LSTM (pinned)" in n for n in names) and not any("SimpleRNN" in n for n in names), names
    assert panel.loss_plot.isVisible() and panel.step_plot.isVisible()
    p.leave()


def test_going_back_in_the_vanishing_gradient_lesson_keeps_the_simplernn_pinned(window):
    """PgUp from step 3 of 'Why LSTM' to step 2 pinned the run on the tab again, by then the
    LSTM's: the dashed curve named 'LSTM (pinned)' lay on the LSTM's own, under a caption
    saying 'Pinned (dashed): the SimpleRNN', and the contrast the lesson is about was gone.
    A step shown again pins what it pinned the first time."""
    import numpy as np

    from lstmviz.app import tours

    panel = window.train_panel
    p = window.presenter
    p.tour.start(len(tours.LESSONS))  # Why LSTM
    settle()
    rnn = np.array(panel.session.view().dh_norm)
    p.tour.next()
    p.tour.next()
    p.tour.prev()
    settle()
    assert p.tour.index == 1 and panel.session.settings.cell == "LSTM"
    xs, ys = panel.pinned_dh.getData()
    np.testing.assert_allclose(10 ** np.asarray(ys), rnn, rtol=1e-6)
    names = [label.text for _, label in panel.step_legend.items]
    assert any("SimpleRNN (pinned)" in n for n in names) and not any("LSTM (pinned)" in n for n in names), names
    p.tour.end()


def _run_shown(panel) -> tuple:
    """What the Train tab shows of its run: its settings, updates, epoch, loss history and
    weights, and the pinned curve."""
    from lstmviz.engine.train import trainable_arrays

    s = panel.session
    v = s.view()
    pinned = panel.pinned()
    return (repr(s.settings), v.iteration, v.epoch, tuple(v.history.loss),
            b"".join(a.tobytes() for a in trainable_arrays(s.model)),
            None if pinned is None else (pinned[0].tobytes(), pinned[1]))


#: a lesson whose steps add updates to the run before them, pin it, and start another
_ON_TOP = ("updates on updates", (
    dict(task="delay", units=3, steps=8, seed=0, epochs=50, updates=2, curve="loss"),
    dict(updates=5), dict(pin=True, cell="GRU", updates=3), dict(updates=4), dict(updates=0)))


@pytest.mark.parametrize("title", ["Why LSTM: the vanishing gradient", "batch_size and updates",
                                   "What the forget gate learns", _ON_TOP[0]])
def test_a_train_lesson_step_shows_the_same_run_however_it_is_reached(window, monkeypatch, title):
    """A Train lesson's step went back to (PgUp) ran its updates again on the run the later
    step left (5 updates, then 5 more: 12 where walking there gives 7), and a step jumped to
    ran only its own on whatever run was on the tab ('What the forget gate learns' step 3:
    an untrained LSTM under a caption about 480 updates; 'Why LSTM' step 3: the SimpleRNN's
    run, nothing pinned). Reached in order, by a jump, or back from the step after it, a
    step now shows the same run: settings, updates, epoch, loss history, weights, pinned
    curve (``tours.step_setup`` gives it the run the steps before it leave)."""
    from lstmviz.app import tours

    if title == _ON_TOP[0]:
        mine = tours.Lesson(title, tuple(tours.TourStep(f"step {n + 1}", view="train", train=spec)
                                         for n, spec in enumerate(_ON_TOP[1])))
        monkeypatch.setattr(tours, "ALL_LESSONS", tours.ALL_LESSONS + (mine,))
    les = tours.lesson(title)
    k = tours.ALL_LESSONS.index(les)
    panel = window.train_panel
    p = window.presenter
    p.tour.start(k)
    walked = [_run_shown(panel)]
    for _ in les.steps[1:]:
        p.tour.next()
        walked.append(_run_shown(panel))
    assert len({w[1:] for w in walked}) > 1  # (the steps show other runs)
    for n in range(len(les.steps)):
        p.tour.start(k)
        p.tour.go(n)
        assert _run_shown(panel) == walked[n], (title, n + 1, "jumped to")
        if n + 1 < len(les.steps):
            p.tour.next()
            p.tour.prev()
            assert _run_shown(panel) == walked[n], (title, n + 1, "back to")
    p.tour.end()


def test_a_train_lesson_gives_back_the_plots_tab_the_user_had(window):
    """'What the forget gate learns' ends on the Connectivity view: after it the Train tab
    still showed Connectivity where the user had been reading the loss curves. The tab of
    plots the user had comes back with their run."""
    from lstmviz.app import tours

    panel = window.train_panel
    window.tabs.setCurrentWidget(panel)
    assert panel.plot_tabs.currentWidget() is panel.plots  # the curves
    p = window.presenter
    les = tours.ALL_LESSONS.index(tours.lesson("What the forget gate learns"))
    p.tour.start(les)
    for _ in tours.ALL_LESSONS[les].steps[1:]:
        p.tour.next()
    assert panel.plot_tabs.currentWidget() is panel.grad_views.pages["connectivity"]
    p.tour.end()
    settle()
    assert panel.plot_tabs.currentWidget() is panel.plots


def test_a_lesson_started_from_another_gives_back_what_was_there_before_both(window):
    """A lesson picked from the Lessons menu while another ran ended the first without
    putting anything back and kept no copy: when the second ended, the user's own stack
    (here an LSTM of 5 units and two more layers) was gone, the lesson's one LSTM in its
    place, and so was their Train-tab run. What was there before the first lesson comes
    back."""
    from lstmviz.app import tours

    st = window.state
    st.set_layer_option(0, "units", 5)
    mine = [(l.class_name, dict(l.config)) for l in st.layers]
    panel = window.train_panel
    run = panel.session
    for _ in range(3):
        run.step()
    p = window.presenter
    p.lessons_menu.actions()[0].trigger()  # What units means
    assert [l.class_name for l in st.layers] != [c for c, _ in mine]
    p.lessons_menu.actions()[len(tours.LESSONS)].trigger()  # Why LSTM, from within it
    assert panel.session is not run
    p.tour.end()
    settle()
    assert [(l.class_name, dict(l.config)) for l in st.layers] == mine
    assert panel.session is run and run.iteration == 3


def test_a_train_lesson_before_the_train_tab_was_shown_leaves_it_fresh(window):
    """A Train lesson run before the Train tab was ever shown built it for the lesson, and
    when the lesson ended the tab kept the lesson's run: a 50-step LSTM trained 160 updates
    with the SimpleRNN's curve pinned, not the run the tab starts with. It starts as it
    would have."""
    from lstmviz.app import tours
    from lstmviz.app.training import Settings

    assert window._train_panel is None
    p = window.presenter
    p.tour.start(len(tours.LESSONS))  # Why LSTM
    p.tour.next()
    panel = window.train_panel
    assert panel.session.iteration == 160 and panel.pinned() is not None
    p.tour.end()
    settle()
    assert panel.session.iteration == 0 and panel.session.settings == Settings()
    assert panel.pinned() is None and panel.plot_tabs.currentWidget() is panel.plots
    assert panel.steps_spin.value() == panel.session.task.steps


def _third_step_on_800_x_600(make_window, titled):
    """A window presenting on an 800 x 600 screen, at the third step of the lesson whose
    title ``titled`` picks."""
    from lstmviz.app import tours

    w = make_window((800, 600))
    p = present_on(w, 800, 600)
    p.tour.start(next(i for i, les in enumerate(tours.ALL_LESSONS) if titled(les.title)))
    p.tour.next()
    p.tour.next()
    w.resize(800, 600)
    settle()
    return w, p


def test_the_lesson_about_the_u_h_terms_shows_their_numbers_on_an_800_x_600_projector(make_window):
    """Lesson 8 step 3 ("U feeds EVERY unit's h_(t-1) into unit 1's gates (the U_i·h
    terms)") on an 800 x 600 projector: the Cell view's written-out equations scrolled, and
    the U_i·h_t-1 row's numbers were below the fold. That row (the first gate's third
    equation, its numbers included) is now in sight."""
    w, p = _third_step_on_800_x_600(make_window, lambda title: title.startswith("Block, cell, unit"))
    view = w.views[1]
    assert view.expanded and "U_i\u00b7h" in p.caption.text()
    scroll, label = view.eq_scroll, view.eq_label
    width = scroll.viewport().width()
    stacked = label.row_bottom(5, width) is not None and "<tr><td></td>" in label.laid_out(width)
    bottom = label.row_bottom(5 if stacked else 2, width)
    top = scroll.verticalScrollBar().value()
    assert bottom is not None and top < bottom <= top + scroll.viewport().height(), (top, bottom)
    p.tour.end()
    p.leave()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_the_lesson_about_the_u_h_terms_keeps_the_charts_readable(make_window, size):
    """Lesson 8 step 3 on a 1024 x 768 projector: the written-out terms took the view's
    height, and the charts the caption speaks of (h_t-1 into unit 1's gates) were 38 px of
    plot (69 at 1280 x 720). The terms now leave the charts ``PLOT_LEAST`` and scroll, the
    first gate's U_i·h row (its numbers too) in sight."""
    from lstmviz.app import tours
    from lstmviz.ui.views.cell import CellView

    w = make_window(size)
    p = present_on(w, *size)
    p.tour.start(next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title.startswith("Block, cell, unit")))
    for _ in range(2):
        p.tour.next()
        w.resize(*size)
        settle()
    settle()
    view = w.views[1]
    assert w.tabs.currentWidget() is view and view.expanded and "U_i\u00b7h" in p.caption.text()
    plots = [bp.plot.getViewBox().height() for bp in view.bars.values() if not bp.widget.isHidden()]
    assert len(plots) == 9 and min(plots) >= CellView.PLOT_LEAST, plots
    scroll, label = view.eq_scroll, view.eq_label
    width = scroll.viewport().width()
    stacked = "<tr><td></td>" in label.laid_out(width)
    bottom = label.row_bottom(5 if stacked else 2, width)
    top = scroll.verticalScrollBar().value()
    assert bottom is not None and top < bottom <= top + scroll.viewport().height(), (top, bottom)
    p.tour.end()
    p.leave()


def test_the_masked_step_shows_its_carried_over_rows_on_a_1024_x_768_projector(make_window):
    """The padding lesson's third step ("Masked step t = 9: ... its h and c are dropped:
    step 7's are carried over") on a 1024 x 768 projector: the Cell view's equations take
    two rows each there and scroll, and c_t = c_t-1, h_t = h_t-1 (masked), the table's
    last rows, were below the fold. They are now in sight; an unmasked step shows the top."""
    from lstmviz.app import tours

    w = make_window((1024, 768))
    p = present_on(w, 1024, 768)
    p.tour.start(next(i for i, les in enumerate(tours.ALL_LESSONS) if "Masking" in les.title))
    p.tour.next()
    p.tour.next()
    w.resize(1024, 768)
    settle()
    settle()  # (the scroll follows the room's last change, at the next turn of the loop)
    view = w.views[1]
    assert w.tabs.currentWidget() is view and "h and c" in p.caption.text()
    scroll, label = view.eq_scroll, view.eq_label
    width = scroll.viewport().width()
    lines = view.equation_lines()
    masked = [k for k, line in enumerate(lines) if "masked" in line]
    assert masked == [len(lines) - 2, len(lines) - 1], lines  # c_t and h_t, last
    stacked = "<tr><td></td>" in label.laid_out(width)
    bottom = label.row_bottom((masked[-1] + 1) * (2 if stacked else 1) - 1, width)
    top = scroll.verticalScrollBar().value()
    assert bottom is not None and top < bottom <= top + scroll.viewport().height(), (top, bottom)
    w.state.set_cursor(step=5)  # an unmasked step: the equations from their top
    settle()
    assert not any("masked" in line for line in view.equation_lines())
    assert scroll.verticalScrollBar().value() == 0
    p.tour.end()
    p.leave()


def test_the_cell_views_equations_are_whole_on_a_1280_x_720_projector(make_window):
    """Lesson 7's first step (an LSTM's four gate blocks and two states, the Cell view) on a
    1280 x 720 projector: the equations were given half the view, 12 px less than they
    need, and their legend's line was cut in two under a scroll bar. Where the room the
    charts leave holds them, they are now whole; the charts keep their least height."""
    from lstmviz.app import tours
    from lstmviz.ui.views.cell import CellView

    w = make_window((1280, 720))
    p = present_on(w, 1280, 720)
    p.tour.start(next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title == "GRU vs LSTM"))
    w.resize(1280, 720)
    settle()
    view = w.views[1]
    assert w.tabs.currentWidget() is view and len(view.equation_lines()) == 6
    scroll, label = view.eq_scroll, view.eq_label
    assert scroll.viewport().height() >= label.height(), (scroll.viewport().height(), label.height())
    assert scroll.verticalScrollBar().maximum() == 0
    slots = [s for s in view._slot_of.values() if s.isVisible()]
    assert slots and min(s.height() for s in slots) >= CellView.SLOT_LEAST[1]
    p.tour.end()
    p.leave()


def test_every_lessons_cell_step_shows_its_equations_whole_on_a_1280_x_720_projector(make_window):
    """The padding lesson's third step (a masked step, the Cell view) on a 1280 x 720
    projector had the note under the equations ("sigmoid(x) = 1 / (1 + e^-x) · ... the
    numbers are the trace's ...") cut in two under a scroll bar: 273 px of equations in 261.
    Every step of a lesson on the Cell view (its terms not written out: those scroll by
    design) now shows its equations and their note whole, the charts their least height."""
    from lstmviz.app import tours
    from lstmviz.ui.views.cell import CellView

    w = make_window((1280, 720))
    p = present_on(w, 1280, 720)
    view, seen = w.views[1], []
    for les in tours.LESSONS + tours.MORE_LESSONS:
        p.tour.start(tours.ALL_LESSONS.index(les))
        for n in range(len(les.steps)):
            if n:
                p.tour.next()
            w.resize(1280, 720)
            settle()
            settle()
            if w.tabs.currentWidget() is not view or view.expanded or not view.equation_lines():
                continue
            where = (les.title.replace("`", ""), n + 1)
            scroll, label = view.eq_scroll, view.eq_label
            assert scroll.verticalScrollBar().maximum() == 0, where
            assert label.height() <= scroll.viewport().height(), (where, label.height(), scroll.viewport().height())
            assert label.heightForWidth(label.width()) <= scroll.viewport().height(), where
            slots = [s for s in view._slot_of.values() if s.isVisible()]
            assert min(s.height() for s in slots) >= CellView.SLOT_LEAST[1], where
            seen.append(where)
        p.tour.end()
    assert ("Padding and Masking", 3) in seen, seen
    p.leave()


def test_over_time_gives_its_heatmaps_room_on_an_800_x_600_projector(make_window):
    """Lesson 1's Over time step on an 800 x 600 projector: the six heatmaps' images were
    20 px high (4 units) under their titles and colour bars, the curves below taller. Where an
    image keeps fewer than ``IMAGE_MIN`` pixels, the curves give the heatmaps a share of
    theirs (as they do for a long input's strips), the curves keeping their least plot.
    Now the rows share their step axes and tight margins (``compact``) before the curves give
    anything: the images alike high, ``IMAGE_MIN`` or more (46-47 px starved before), the
    curves their share (their least before)."""
    from lstmviz.ui.views import over_time

    w, p = _third_step_on_800_x_600(make_window, lambda title: title == "What `units` means")
    view = w.views[2]
    assert w.tabs.currentWidget() is view and "Over time" in p.caption.text()
    images = [s.plot.vb.height() for s in view.slots if s.widget.isVisible()]
    assert len(images) == 6 and view.compact
    assert min(images) >= over_time.IMAGE_MIN and max(images) - min(images) <= 2, images  # (20 px at first)
    shown = [s for s in view.slots if s.widget.isVisible()]
    for top, bottom in zip(shown[:3], shown[3:]):  # (the shared step axes under their columns)
        a, b = top.plot.vb.sceneBoundingRect(), bottom.plot.vb.sceneBoundingRect()
        assert abs(a.left() - b.left()) <= 1 and abs(a.right() - b.right()) <= 1, (a, b)
    assert view.curve_plot.vb.height() >= over_time.CURVES_MIN_PLOT
    p.tour.end()
    p.leave()


@pytest.mark.parametrize("case, units", [("demo", 8), ("k3_gru_reset_after", 4)])
def test_over_times_heatmap_rows_share_their_step_axes_on_an_800_x_600_projector(make_window, case, units):
    """Presenting on an 800 x 600 projector, an LSTM's six heatmaps (two rows of three above
    the curves) had images 44 px high, 5.5 px a unit of 8: each heatmap's own step axis and
    margins took the rest. The rows now share the last row's step axes (the same steps in
    the same columns) and their margins above and below are tight: each image at least 64
    px (70), alike in both rows, 8 px a unit or more; the step axes under the columns they
    label; the curves keep their plot. Left again, at 1280 x 800 and 1600 x 1000 every
    heatmap has its own step axis and margins, as before."""
    from pathlib import Path

    from lstmviz.ui.views import over_time

    w = make_window((800, 600))
    assert w.open_file(DEMO if case == "demo" else Path(__file__).parent / "fixtures" / case / "model.keras")
    p = present_on(w, 800, 600)
    w.tabs.setCurrentIndex(2)
    w.resize(800, 600)
    settle()
    settle()
    view = w.views[2]
    shown = [slot for slot in view.slots if slot.widget.isVisible()]
    columns = 3 if len(shown) == 6 else 2
    assert view.curves_shown and view.compact and view._columns == columns
    assert view.ref.units == units
    images = [slot.plot.vb.height() for slot in shown]
    assert min(images) >= over_time.COMPACT_BELOW and max(images) - min(images) <= 2, images  # (44 before)
    assert min(images) >= 8 * units
    for top, bottom in zip(shown[:columns], shown[columns:]):
        assert not top.plot.getAxis("bottom").isVisible() and bottom.plot.getAxis("bottom").isVisible()
        a, b = top.plot.vb.sceneBoundingRect(), bottom.plot.vb.sceneBoundingRect()
        assert abs(a.left() - b.left()) <= 1 and abs(a.right() - b.right()) <= 1
        assert top.plot.vb.viewRange()[0] == bottom.plot.vb.viewRange()[0]
    assert view.curve_plot.vb.height() >= over_time.CURVES_MIN_PLOT
    p.leave()
    for size in ((1280, 800), (1600, 1000)):
        w.resize(*size)
        settle()
        settle()
        assert not view.compact, size
        assert all(slot.plot.getAxis("bottom").isVisible() for slot in shown), size
        assert all(slot.widget.ci.layout.getContentsMargins()[1] == over_time.MARGIN for slot in shown), size


def test_the_train_tabs_header_has_the_views_heading_font_while_presenting(window):
    """Presenting, the header over the Train tab (the run it trains) was in the body font
    while every view's header has the theme's heading font (1.15 times the body's)."""
    present_on_720_lines(window)
    window.tabs.setCurrentIndex(1)  # the Cell view: its header
    settle()
    heading = QtGui.QFontInfo(window.views[1].header.label.font()).pixelSize()
    window.tabs.setCurrentIndex(window.tabs.count() - 1)
    settle()
    assert window.train_panel is not None  # (built)
    settle()
    assert window.train_title.isVisible() and window.train_title.full_text().startswith("Training")
    assert QtGui.QFontInfo(window.train_title.font()).pixelSize() == heading
    assert heading > QtGui.QFontInfo(window.font()).pixelSize()
    window.presenter.leave()
    settle()
    window.tabs.setCurrentIndex(1)
    settle()
    heading = QtGui.QFontInfo(window.views[1].header.label.font()).pixelSize()
    window.tabs.setCurrentIndex(window.tabs.count() - 1)
    settle()
    assert QtGui.QFontInfo(window.train_title.font()).pixelSize() == heading


def test_no_player_under_the_train_tab_while_presenting(window):
    """Lesson 12's captions speak of the training's updates and steps, while the player
    under them showed the stack's 't = 0 / 39' and 'sample 0 of 4' (no view of the stack on
    screen). Presenting, the Train tab has no player; another tab, or leaving presentation
    mode, brings it back (there it scrubs the views' time beside the Snapshots slider).
    Back under the Train tab, its "t = 0 / 39" sat under the training's "20 timesteps"
    header, read as the training's: there it says whose steps they are before its buttons,
    on screen left of them; under the stack's own views it says nothing."""
    from lstmviz.app import tours
    from lstmviz.ui.main_window import STACK_SCOPE

    def named() -> bool:  # (the words before the buttons, on screen)
        scope, first = window.player.scope, window.player.buttons["back"]
        return (scope.isVisible() and scope.text() == STACK_SCOPE[0]
                and scope.mapTo(window, scope.rect().topRight()).x() < first.mapTo(window, first.rect().topLeft()).x()
                and window.player.rect().contains(scope.geometry()))

    p = window.presenter
    present(window)
    k = next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title == "What the forget gate learns")
    p.tour.start(k)
    p.tour.next()
    p.tour.next()
    settle()
    assert window.tabs.currentWidget() is window.train_panel
    assert "Unit" in p.caption.text()
    assert not window.player.isVisible() and not window.player_line.isVisible()
    p.tour.end()
    settle()
    assert window.player.isVisible()  # (the tab from before the lesson)
    window.tabs.setCurrentWidget(window.train_panel)
    settle()
    assert not window.player.isVisible()
    p.leave()
    settle()
    assert window.player.isVisible() and window.tabs.currentWidget() is window.train_panel
    assert named()
    least = window.player.minimumSizeHint().width()
    window.tabs.setCurrentIndex(0)
    settle()
    assert window.player.isVisible() and not window.player.scope.isVisible()
    # (the words ask no room of a narrow row: an 800 px projector's window stays 800 px)
    assert least - window.player.minimumSizeHint().width() <= window.player.layout().spacing()
    window.tabs.setCurrentWidget(window.train_panel)
    settle()
    assert named()


def test_space_on_the_train_tab_while_presenting_plays_the_training(window, qtbot):
    """Presenting on the Train tab (no player under it), Space played the hidden player: the
    stack's time moved off screen and nothing the hall saw changed. There it is now the
    tab's own Play / Pause; the arrows, Home and End move nothing hidden; another tab gives
    the player its keys back."""
    present(window)
    state = window.state
    window.tabs.setCurrentWidget(window.train_panel)
    settle()
    panel = window.train_panel
    panel.use_process = False  # (trains on a thread: no process to start in a test)
    assert not window.player.isVisible()
    step = state.cursor.step
    try:
        press(qtbot, window, QtCore.Qt.Key.Key_Space)
        assert panel.playing and panel.play_button.isChecked()
        assert not window.player.playing
        press(qtbot, window, QtCore.Qt.Key.Key_Space)
        assert not panel.playing and not panel.play_button.isChecked()
        for key in (QtCore.Qt.Key.Key_Right, QtCore.Qt.Key.Key_End, QtCore.Qt.Key.Key_Left):
            press(qtbot, window, key)
        assert state.cursor.step == step and not window.player.playing
    finally:
        panel.set_playing(False)
    window.tabs.setCurrentIndex(0)
    settle()
    press(qtbot, window, QtCore.Qt.Key.Key_Right)
    assert state.cursor.step == step + 1
    press(qtbot, window, QtCore.Qt.Key.Key_Space)
    assert window.player.playing and not panel.playing
    press(qtbot, window, QtCore.Qt.Key.Key_Space)
    assert not window.player.playing
    p = window.presenter
    p.tour.start(0)  # a lesson: PgDn / Right are its steps', not the player's
    settle()
    first = p.tour.index
    press(qtbot, window, QtCore.Qt.Key.Key_Right)
    assert p.tour.index == first + 1
    p.tour.end()
    p.leave()


def test_the_forget_gate_lesson_marks_the_unit_its_caption_names(window):
    """Lesson 12 step 3: 'Unit 2's f is above 0.9 on 49% of the steps (right: a point per
    unit)', and nothing on the saturation plot said which point was unit 2. The caption's
    unit is ringed and named there, at its f point of the probe the caption's numbers come
    from; the next step (another view) leaves no mark."""
    import re

    import numpy as np

    from lstmviz.app import tours

    p = window.presenter
    present(window)
    k = next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title == "What the forget gate learns")
    p.tour.start(k)
    p.tour.next()
    settle()  # (the gates view painted once without a mark)
    p.tour.next()
    settle()
    g = window.train_panel.grad_views
    unit = int(re.match(r"Unit (\d+)'s f is above 0\.9 on (\d+)%", p.caption.text()).group(1))
    f = g.view.gates["f"]
    assert g.sat_mark.isVisible()
    xs, ys = g.sat_mark.getData()
    np.testing.assert_array_equal(xs, [f.low[unit]])
    np.testing.assert_array_equal(ys, [f.high[unit]])
    label = g.sat_mark_label
    assert label.textItem.toPlainText() == f"unit {unit}"
    # drawn beside the ring, inside the plot, at the text's own size
    box = g.sat_plot.getViewBox().sceneBoundingRect()
    ring = g.sat_plot.getViewBox().mapViewToScene(QtCore.QPointF(f.low[unit], f.high[unit]))
    text = label.mapRectToScene(label.textItem.mapRectToParent(label.textItem.boundingRect()))
    assert box.contains(text), (box, text)
    assert abs(text.center().y() - ring.y()) < text.height() and 0 < text.left() - ring.x() < 3 * text.height()
    p.tour.next()  # the connectivity: no mark left on the gates view
    settle()
    assert not g.sat_mark.isVisible() and label.textItem.toPlainText() == ""
    p.tour.end()
    p.leave()


def _lesson_on(make_window, width, height, titled):
    """A window presenting on a ``width`` x ``height`` projector at the first step of the
    lesson whose title ``titled`` picks (the Cell view's)."""
    from lstmviz.app import tours

    w = make_window((width, height))
    p = present_on(w, width, height)
    p.tour.start(next(i for i, les in enumerate(tours.ALL_LESSONS) if titled(les.title)))
    w.resize(width, height)
    settle()
    settle()  # (the charts' axes made alike at the next turn of the loop)
    return w, p


def test_the_cell_views_charts_keep_a_readable_height_on_a_1024_x_768_projector(make_window):
    """Lesson 1's Cell steps ("4 bars per chart, one per unit") on a 1024 x 768 projector:
    the equations took two rows each and the nine charts' plots were 38 px high, the
    equations still scrolling. They now take one compact row each (σ for sigmoid, at the
    lecture's least size or more), whole, and the charts keep 80 px of plot (at the last
    step, under a caption of three lines, too: compact at the larger size its legend took
    two lines, and the charts 68 px)."""
    w, p = _lesson_on(make_window, 1024, 768, lambda title: title == "What `units` means")
    view = w.views[1]
    assert w.tabs.currentWidget() is view and "4 bars" in p.caption.text()
    seen = 0
    for n in range(len(p.tour.lesson.steps)):
        if n:
            p.tour.next()
            w.resize(1024, 768)
            settle()
            settle()
        if w.tabs.currentWidget() is not view:
            continue
        seen += 1
        plots = [bp.plot.getViewBox().height() for bp in view.bars.values() if not bp.widget.isHidden()]
        assert len(plots) == 9 and min(plots) >= 80, (n, plots)
        scroll, label = view.eq_scroll, view.eq_label
        width = scroll.viewport().width()
        assert scroll.verticalScrollBar().maximum() == 0, n
        assert label.heightForWidth(width) <= scroll.viewport().height(), (n, label.heightForWidth(width),
                                                                           scroll.viewport().height())
        assert label._fits()  # every equation's numbers on its own line, within the width
        shown = label.plain_text()
        for eq in view._eqs:  # every equation's result on screen
            assert eq.numeric.rsplit("= ", 1)[-1] in shown, (eq.numeric, shown)
        assert label.font().pointSize() >= th.current().min_pt
    assert seen == 3
    p.tour.end()
    p.leave()


def _row_baselines(label, width: int) -> list[tuple[float, ...]]:
    """Each row of the equations' table laid out at ``width``: the baselines (px) of its
    symbol, formula and numbers, each the first line of its cell (the numbers' where
    they are drawn over the table, RichText.set_filled)."""
    label._layout(width)
    doc, layout = label.doc, label.doc.documentLayout()
    table = next(f for f in doc.rootFrame().childFrames() if isinstance(f, QtGui.QTextTable))
    fills = iter([base for _, base, *_ in label._anchors[1]] if label._fill_rects else [])
    rows = []
    for row in range(table.rows()):
        out = []
        for col in range(table.columns()):
            block = doc.findBlock(table.cellAt(row, col).firstCursorPosition().position())
            line = block.layout().lineAt(0)
            out.append(layout.blockBoundingRect(block).top() + line.y() + line.ascent())
        if label._fill_rects and block.text().rstrip("\u200b") == "=":
            out.append(next(fills))
        rows.append(tuple(out))
    return rows


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (1024, 768)])
def test_each_equations_formula_and_numbers_share_a_baseline(make_window, size):
    """Presenting, each one-row equation's numbers sat ~8 px above its formula: the
    lecture's subscripts (set larger for Qt to draw them at the least size) make the
    formula's line taller, table cells are laid out from the top, and the numbers' cell
    had no subscript. Symbol, formula and numbers of a row now share a baseline, the
    numbers at the equations' size."""
    w, p = _lesson_on(make_window, *size, lambda title: title == "What `units` means")
    p.tour.next()  # (its second step: the Cell view, the numbers of a later step)
    w.resize(*size)
    settle()
    settle()
    view = w.views[1]
    assert w.tabs.currentWidget() is view
    label = view.eq_label
    rows = _row_baselines(label, label.width())
    assert len(rows) == len(view._eqs) == 6  # (one row each)
    for k, row in enumerate(rows):
        assert max(row) - min(row) <= 0.5, (k, row)
    assert label._fill_rects and all(bold.pointSize() == label.font().pointSize()
                                     for _, _, bold, _, _ in label._anchors[1])
    p.tour.end()
    p.leave()


def test_a_grus_equations_take_one_compact_row_each_on_a_1024_x_768_projector(make_window):
    """The GRU lesson's Cell step on a 1024 x 768 projector: the compact table was 1007 px
    at the lecture's least size (14 pt) against 1000 px of room, so its equations took
    two rows each and the charts 51 px of plot. Thin spaces about the formulas' + and −
    bring it within the room: one row each, the charts 80 px or more."""
    w, p = _lesson_on(make_window, 1024, 768, lambda title: title == "GRU vs LSTM")
    for _ in range(2):  # (its third step: z, r, h~ and one state h)
        p.tour.next()
        w.resize(1024, 768)
        settle()
        settle()
    view = w.views[1]
    assert w.tabs.currentWidget() is view and view.ref.kind == "GRU"
    label = view.eq_label
    rows = _row_baselines(label, label.width())
    assert len(rows) == len(view._eqs) == 4  # one row each
    assert label._fits() and label.font().pointSize() >= th.current().min_pt
    assert "σ(" in label.plain_text()  # (the compact form)
    plots = [bp.plot.getViewBox().height() for bp in view.bars.values() if not bp.widget.isHidden()]
    assert len(plots) == 6 and min(plots) >= 80, plots
    assert view.eq_scroll.verticalScrollBar().maximum() == 0
    p.tour.end()
    p.leave()


@pytest.mark.parametrize("size", [(800, 600), (1024, 768)])
def test_the_train_tabs_plots_get_room_beside_the_side_panel_on_a_4_3_projector(make_window, qtbot, size):
    """Presenting at 800 x 600 with the side panel on (S), the Train tab's plots were a
    column ~280 px wide beside the tab's own controls, their legends in three rows over
    views 85 and 113 px high (69-84 under a caption). There the side panel gives way to the
    Train tab (the stack's editor has nothing to do with its run) and comes back on another
    tab; S on the Train tab shows it all the same."""
    from helpers import present_on

    w = make_window(size)
    p = present_on(w, *size)
    w.tabs.setCurrentIndex(0)
    settle()
    press(qtbot, w, QtCore.Qt.Key.Key_S)
    assert w.side.isVisible()
    w.tabs.setCurrentWidget(w.train_panel)
    w.resize(*size)
    settle()
    panel = w.train_panel
    assert not w.side.isVisible()
    views = [plot.getViewBox().height() for plot in (panel.loss_plot, panel.step_plot)]
    assert min(views) >= size[1] / 6, views  # (100 px at 800 x 600)
    assert panel.plot_tabs.width() > size[0] / 2
    w.tabs.setCurrentIndex(0)
    settle()
    assert w.side.isVisible()
    w.tabs.setCurrentWidget(panel)
    settle()
    press(qtbot, w, QtCore.Qt.Key.Key_S)  # the user's call
    assert w.side.isVisible()
    w.tabs.setCurrentIndex(0)
    settle()
    assert w.side.isVisible()
    p.leave()


def test_the_side_panel_stays_beside_the_train_tab_on_a_16_9_projector(make_window, qtbot):
    from helpers import present_on

    w = make_window((1280, 720))
    p = present_on(w, 1280, 720)
    w.tabs.setCurrentIndex(0)
    settle()
    press(qtbot, w, QtCore.Qt.Key.Key_S)
    assert w.side.isVisible(), (p.screen_width, p.scale)
    w.tabs.setCurrentWidget(w.train_panel)
    settle()
    assert w.side.isVisible(), (p.screen_width, p.scale)
    p.leave()


def test_the_side_panel_gives_way_to_the_train_tab_when_a_resize_makes_it_narrow(make_window, qtbot):
    """Whether the side panel gives way on the Train tab was checked when the tab changed
    or presenting started, not on a resize: a 1280 x 720 projector's window made 1024 wide
    (a 4:3 resolution) kept the side panel beside the Train tab's plots, and made wide again
    kept it hidden. A resize across the width it is checked at now gives way or brings it
    back; one within it keeps what S chose."""
    from helpers import present_on

    w = make_window((1280, 720))
    p = present_on(w, 1280, 720)
    w.tabs.setCurrentIndex(0)
    settle()
    press(qtbot, w, QtCore.Qt.Key.Key_S)
    w.tabs.setCurrentWidget(w.train_panel)
    settle()
    assert w.side.isVisible()  # (wide: beside it)
    w.resize(1024, 720)
    settle()
    assert not w.side.isVisible()
    assert w.train_panel.plot_tabs.width() > 1024 / 2
    w.resize(1280, 720)
    settle()
    assert w.side.isVisible()
    w.resize(1024, 720)
    settle()
    press(qtbot, w, QtCore.Qt.Key.Key_S)  # the user's call on the Train tab ...
    assert w.side.isVisible()
    w.resize(1000, 720)  # ... kept by a resize that leaves the window as narrow
    settle()
    assert w.side.isVisible()
    p.leave()


def test_the_cell_views_alike_charts_tick_alike_on_a_1280_x_720_projector(make_window):
    """Lesson 1's first step on a 1280 x 720 projector: the charts of 4 units each fitted
    their own count ticks, "0 1 2 3" under h_t-1, c_t-1, c_t and h_t, "0 2" under the
    gates (whose value axes read "0.5", a narrower plot). Charts of as many bars now tick
    alike: those the narrowest of them has room for."""
    from lstmviz.ui.plot_tools import counted_ticks

    w, p = _lesson_on(make_window, 1280, 720, lambda title: title == "What `units` means")
    view = w.views[1]
    assert w.tabs.currentWidget() is view
    ticks: dict = {}
    for bp in view.bars.values():
        if not bp.widget.isHidden():
            axis = bp.plot.getAxis("bottom")
            ticks.setdefault(bp.n, set()).add(tuple(t for _, t in counted_ticks(axis, *axis._lstmviz_counts)))
    assert ticks[4] and all(len(alike) == 1 for alike in ticks.values()), ticks
    p.tour.end()
    p.leave()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_the_lesson_about_16_rows_shows_16_rows_on_a_projector(make_window, size):
    """Lesson 8 step 5 ("LSTM(16) ... units: the 16 rows of each map") presenting at 1024 x
    768: each heatmap's image was 45 px for 16 units, 2.8 px a row, stripes a hall could
    not count. Without a long input's strip the curves now give the heatmaps a share of
    their height where the image keeps fewer than ``ROW_LEAST`` px a row (of up to
    ``ROWS_SEEN``): every map's rows at least 4 px, the unit's curves still drawn.
    The next lesson's Over time step on an LSTM(4) gets the curves' share back: at 1280 x
    720 it kept lesson 8's (its curves 59 px high under half-empty heatmap rows)."""
    from lstmviz.app import tours

    w, p = _lesson_on(make_window, *size, lambda title: title == "Block, cell, unit")
    for _ in tours.lesson("Block, cell, unit").steps[1:]:
        p.tour.next()
    w.resize(*size)
    settle()
    settle()
    view = w.tabs.currentWidget()
    assert view.title == "Over time" and w.state.cursor.layer and view.ref.units == 16
    shown = [slot for slot in view.slots if slot.widget.isVisible()]
    assert len(shown) == 6
    for slot in shown:
        assert slot.plot.vb.height() >= 4 * 16, slot.plot.vb.height()
    assert view.curve_widget.isVisible() and view.curve_plot.vb.height() >= 30, view.curve_plot.vb.height()
    p.tour.start(next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title.startswith("SimpleRNN vs LSTM")))
    while w.tabs.currentWidget().title != "Over time":
        p.tour.next()
    w.resize(*size)
    settle()
    settle()
    assert view.curve_plot.vb.height() >= 80, view.curve_plot.vb.height()
    assert w.tabs.currentWidget() is view and view.ref.units == 4 and not view.starved
    p.tour.end()
    p.leave()


@pytest.mark.parametrize("shot", [True, False])
def test_the_command_lines_lesson_opens_the_app_on_it(tmp_path, monkeypatch, shot):
    """``lstmviz --lesson NAME`` (and its --screenshot) opens the window on the lesson's
    first step, as Help > Lessons starts it: its caption bar, its tab, its keys. A lesson
    is for the hall: the window opened on it presents it (F5, full screen), where it had
    opened as a window to be put full screen by hand; Esc ends the lesson, Esc again gives
    back the window as it was shown, in its theme (the screenshot: the window as drawn)."""
    from lstmviz import cli
    from lstmviz.app import tours
    from lstmviz.ui import app as ui_app

    seen: dict = {}

    def record(window):
        tour = window.presenter.tour
        seen.update(active=tour.active, title=tour.lesson.title if tour.active else None, index=tour.index,
                    train=window.on_train_tab(), caption=window.presenter.caption.isVisible(),
                    presenting=window.presenter.active,
                    full=bool(window.windowState() & QtCore.Qt.WindowState.WindowFullScreen))

    real_render = ui_app.render

    def render(window, *a, **k):
        out = real_render(window, *a, **k)
        record(window)
        return out

    class Loop:  # (the interactive start's event loop: the window as shown, Esc twice, then gone)
        def exec(self):
            w = held["window"]
            record(w)
            escape = w.presenter.actions["escape"]
            escape.trigger()
            settle()
            after.update(lesson=w.presenter.tour.active, presenting=w.presenter.active)
            escape.trigger()
            settle()
            after.update(presenting_then=w.presenter.active, theme=th.current().name,
                         full=bool(w.windowState() & QtCore.Qt.WindowState.WindowFullScreen),
                         size=(w.width(), w.height()), status=w.statusBar().isVisible())
            ui_app.dispose(w)
            return 0

    after: dict = {}

    held: dict = {}
    real_show = ui_app.show_window

    def show_window(window, *a, **k):
        held["window"] = window
        real_show(window, *a, **k)

    monkeypatch.setattr(ui_app, "render", render)
    monkeypatch.setattr(ui_app, "show_window", show_window)
    monkeypatch.setattr("lstmviz.ui.preflight.check_window", lambda window: [])
    if not shot:
        real_app = ui_app._app
        monkeypatch.setattr(ui_app, "_app", lambda offscreen: (real_app(offscreen), Loop())[1])
    args = ["--lesson", "forget gate", "--size", "1280x720", "--theme", "dark"]
    out = tmp_path / "lesson.png"
    assert cli.main(args + (["--screenshot", str(out)] if shot else [])) == 0
    assert seen == {"active": True, "title": "What the forget gate learns", "index": 0, "train": True,
                    "caption": True, "presenting": not shot, "full": not shot}, seen
    assert out.exists() == shot
    if not shot:  # (Esc: the lesson ended, still presenting; Esc: the window, as shown)
        assert after == {"lesson": False, "presenting": True, "presenting_then": False, "theme": "dark",
                         "full": False, "size": (1280, 720), "status": True}, after
    assert tours.find_lesson("forget gate") == [les.title for les in tours.ALL_LESSONS].index(seen["title"])


def _stack_page_whole(w) -> bool:
    """The side panel's Stack page as wide as its cards, boxes and buttons need: its
    scroll area scrolls up and down only, so a narrower one cuts them at its right end."""
    scroll = w.stack_panel.body_scroll
    body = scroll.widget()
    return body.minimumSizeHint().width() <= scroll.viewport().width()


@pytest.mark.parametrize("size", [(800, 600), (1024, 768), (1280, 720)])
def test_the_side_panel_shows_its_stack_page_whole_while_presenting(make_window, qtbot, size):
    """S while presenting on a 1024 x 768 projector: the side panel was 382 px for a Stack
    page that needs 418 in the lecture's fonts: 'input_di', '32' for 320 and 'Remo' were
    cut off at its right end. It takes the width its page needs where the views have it."""
    w = make_window(size)
    p = present_on(w, *size)
    settle()
    press(qtbot, w, QtCore.Qt.Key.Key_S)
    w.resize(*size)
    settle()
    assert w.side.isVisible()
    assert _stack_page_whole(w), (w.side.width(), w.stack_panel.least_width())
    assert w.width() <= size[0]
    p.leave()


def test_the_side_panel_fits_its_stack_page_after_view_theme_projector(make_window):
    """View > Theme > projector on a window opened in the dark theme: the side panel kept
    the least width of the dark theme's fonts and cut the projector theme's Stack page at
    its right end. Its least width follows the theme's fonts."""
    w = make_window((1024, 768))
    assert _stack_page_whole(w)
    w.set_theme("projector")
    settle()
    assert _stack_page_whole(w), (w.side.width(), w.stack_panel.least_width())
    w.set_theme("dark")
    settle()
    assert _stack_page_whole(w)


def test_presenting_from_a_train_tab_whose_side_panel_gave_way_keeps_it_hidden_and_brings_it_back_after(
        make_window, qapp):
    """In a 1024 x 768 window (projector theme) the side panel gives way on the Train tab.
    F5 there, on a 16:9 projector, brought the stack's editor back beside the Train tab
    (presenting hides the side panel: the tab "gave way" flag of the window was read as
    the presentation's own), squeezing the tab's controls and its Snapshots slider to a
    stub; and after Esc the side panel never came back on the other tabs (it was saved as
    hidden, and the splitter's size put back for it, 0, kept it collapsed when shown). Presenting
    now keeps it hidden; after Esc it is back on another tab, as wide as it was."""
    w = make_window((1024, 768))
    try:
        w.set_theme("projector")
        w.resize(1024, 768)
        settle()
        side = w.splitter.sizes()[0]
        assert w.side.isVisible() and side > 200
        w.tabs.setCurrentWidget(w.train_panel)
        w.resize(1024, 768)
        settle()
        settle()
        assert not w.side.isVisible()  # (gave way)
        p = present_on(w, 1280, 720)
        settle()
        assert not w.side.isVisible()  # presenting: the side panel is hidden
        p.leave()
        w.resize(1024, 768)
        settle()
        settle()
        assert not w.side.isVisible()  # (on the Train tab: it still gives way)
        w.tabs.setCurrentIndex(0)
        settle()
        assert w.side.isVisible() and abs(w.splitter.sizes()[0] - side) <= 2  # (not collapsed)
        w.tabs.setCurrentWidget(w.train_panel)  # gives way again; presenting, another tab
        settle()
        assert not w.side.isVisible()
        p = present_on(w, 1280, 720)
        w.tabs.setCurrentIndex(0)
        settle()
        assert not w.side.isVisible()
        p.leave()  # ... left there: the side panel is back
        settle()
        assert w.side.isVisible() and w.splitter.sizes()[0] > 200
    finally:
        w.train_panel.stop()
        th.apply("dark", qapp)


def test_the_windows_shortcuts_work_while_presenting(window, qtbot, tmp_path, monkeypatch):
    """Presentation mode hides the menu bar, and with it every shortcut of its menus: in a
    lecture Ctrl+Z did not undo a slip in the side panel, Ctrl+S did not save the session
    (nor Ctrl+Shift+S ask where), and nothing said why."""
    st = window.state
    path = window.sessions.save_to(tmp_path / "lecture.lstmviz")
    present(window)
    assert not window.menuBar().isVisible()
    units = st.layers[0].config["units"]
    st.set_layer_option(0, "units", units + 3)
    press(qtbot, window, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert st.layers[0].config["units"] == units
    press(qtbot, window, QtCore.Qt.Key.Key_Z,
          QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert st.layers[0].config["units"] == units + 3
    saved = []
    monkeypatch.setattr(window.sessions, "_save_reporting", lambda p: saved.append(p) or p)
    press(qtbot, window, QtCore.Qt.Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert saved == [str(path)]
    window.presenter.leave()
    settle()
    assert not any(a in window.actions() for a in (window.sessions.undo_action, window.sessions.redo_action))
    st.set_layer_option(0, "units", units + 5)
    press(qtbot, window, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert st.layers[0].config["units"] == units + 3  # (the menu's own key again, not two of it)


@pytest.mark.parametrize("size", [(1280, 720), (800, 600)])
def test_the_cell_views_chart_numbers_keep_the_equations_decimals_while_presenting(make_window, size):
    """Presenting at 1280 x 720 the charts' numbers took 2 decimals (c_t-1 "0.00", c_t
    "0.02") while the equations under them said "= 0.731·0.004 + ... = 0.018": lecture
    type alone cut them. They keep the equations' 3 where they fit side by side (also at
    800 x 600, in two rows), each number inside the view and clear of its neighbours."""
    from lstmviz.app.cell_ref import fmt

    w = make_window(size)
    p = present_on(w, *size)
    w.tabs.setCurrentIndex(1)
    w.state.set_cursor(step=3, unit=1)
    w.resize(*size)
    settle()
    settle()
    view = w.views[1]
    assert w.tabs.currentWidget() is view
    shown = {bp.key: bp for bp in view.bars.values() if not bp.widget.isHidden()}
    assert len(shown) == 9
    rec = view.ref.rec
    assert shown["c"].value_item.text() == fmt(rec.steps["c"][0, 3, 1], 3)
    assert shown["c_prev"].value_item.text() == fmt(rec.steps["c"][0, 2, 1], 3)
    assert shown["h_prev"].value_item.text() == fmt(rec.steps["h"][0, 2, 1], 3)
    numbers = " ".join(eq.numeric for eq in view._eqs)
    for key in ("c", "h"):
        assert shown[key].value_item.text() in numbers, key
    spans = []
    for bp in shown.values():
        assert len(bp.value_item.text().rpartition(".")[2]) == 3, (bp.key, bp.value_item.text())
        box = bp.value_item.mapRectToScene(bp.value_item.boundingRect())
        spans.append((round(box.top()), box.left(), box.right(), bp.key))
    scene = view.bar_view.sceneRect()
    assert min(s[1] for s in spans) >= scene.left() and max(s[2] for s in spans) <= scene.right() + 1
    for row in {s[0] for s in spans}:
        beside = sorted(s for s in spans if s[0] == row)
        for a, b in zip(beside, beside[1:]):
            assert a[2] + 4 < b[1], (a[3], b[3])
    p.leave()


def _on_window(window, widget) -> QtCore.QRect:
    return QtCore.QRect(widget.mapTo(window, QtCore.QPoint(0, 0)), widget.size())


def assert_covers_nothing(window, toast) -> None:
    """The note is within the window, below everything the hall reads (the header, the
    tabs and the view, the lesson's caption), none of them covered: over the player and its
    line (the lecturer's buttons and slider; the header says the step) and the room kept
    under them."""
    note = _on_window(window, toast)
    assert window.rect().contains(note) and note.height() > 0
    caption = window.presenter.caption
    for part in (window.header, window.tabs, *([caption] if caption.isVisible() else [])):
        box = _on_window(window, part)
        assert not note.intersects(box), (type(part).__name__, box, note)
        assert box.bottom() < note.top()
    if window.player.isVisible():  # (from the line over the player)
        assert note.top() == _on_window(window, window.player_line).top() < _on_window(window, window.player).top()
        slot = window.cursor_label.parentWidget()  # (the header's step, whole, while the player's is covered)
        assert window.cursor_label.isVisible() and slot.width() >= slot.sizeHint().width()
    assert note.bottom() == window.rect().bottom()  # (the status bar's place)
    assert note.height() >= toast.heightForWidth(note.width())  # (its text whole)


LONG_NOTE = ("Not saved: a lesson shows its own stack, not the work of lecture.lstmviz; Esc ends the "
             "lesson and brings that work back (File > Save session as... keeps the lesson's stack)")


@pytest.mark.parametrize("size", [(800, 600), (1280, 720), (1920, 1080)])
def test_a_short_note_leaves_the_players_step_in_sight(window, size):
    """The note was laid over the whole player row: "t = 3 / 11", the speed and the sample
    hidden for its 4-12 s while the lecture played. A note whose text fits before the step
    readout ends there now (its text whole, on as many lines as the room keeps), the
    readout and what follows it in sight; a longer one covers the row, as before."""
    present_on(window, *size)
    window.tabs.setCurrentIndex(1)
    settle()
    toast, player = window.presenter.toast, window.player
    readout = _on_window(window, player.step_label)
    for text in ("Nothing to undo", "Saved the session to lecture.lstmviz"):
        window.message(text)
        settle()
        note = _on_window(window, toast)
        assert toast.isVisible() and toast.text() == text
        assert_covers_nothing(window, toast)
        assert note.right() < readout.left(), (text, note, readout)  # (the readout in sight)
        for part in (player.step_label, player.speed, player.sample, player.sample_of):
            assert part.isVisible() and not note.intersects(_on_window(window, part)), text
        toast.dismiss()
        settle()
    window.message(LONG_NOTE)  # (two lines of the whole width: over the row)
    settle()
    note = _on_window(window, toast)
    assert toast.heightForWidth(readout.left()) > note.height() or note.right() < readout.left()
    assert_covers_nothing(window, toast)
    toast.dismiss()
    window.presenter.leave()


@pytest.mark.parametrize("size", [(800, 600), (1280, 720), (1920, 1080)])
def test_a_note_of_two_lines_has_room_round_its_text(window, size):
    """Two lines of the note had 1 px above and below them, on the black strip's edges;
    at 1920 x 1080 they took 2 px more than the room kept, so the first such note grew
    it (the views moved once). The note's text is clear of its edges by a fifth of a line
    (3 px at least) and two lines of it fit the room kept, in every tab."""
    present_on(window, *size)
    toast = window.presenter.toast
    for tab in (1, 4):
        window.tabs.setCurrentIndex(tab)
        settle()
        where = _on_window(window, window.tabs)
        window.message(LONG_NOTE)
        settle()
        note = _on_window(window, toast)
        assert note.height() >= toast.heightForWidth(note.width())
        line = QtGui.QFontMetrics(toast.font()).lineSpacing()
        pad = toast.contentsMargins()
        assert min(pad.top(), pad.bottom()) >= max(3, round(0.2 * line)), (pad, line)
        assert _on_window(window, window.tabs) == where, tab  # (no room taken from the views)
        toast.dismiss()
        settle()
    window.presenter.leave()


def test_a_note_of_two_lines_on_the_train_tab_moves_nothing(window):
    """Where no player shows (the Train tab while presenting) the strip kept one line,
    and the first note of two lines grew it under the tab's plots, which moved up ~20 px
    for the rest of the lecture. It keeps two lines there as under the player."""
    present_on(window, 1280, 720)
    window.tabs.setCurrentIndex(4)
    settle()
    assert not window.player.isVisible()
    where = _on_window(window, window.tabs)
    window.message(LONG_NOTE)
    settle()
    toast = window.presenter.toast
    assert toast.isVisible() and toast.heightForWidth(toast.width()) > toast.heightForWidth(10_000) // 2
    assert_covers_nothing(window, toast)
    assert _on_window(window, window.tabs) == where
    toast.dismiss()
    settle()
    assert _on_window(window, window.tabs) == where
    window.presenter.leave()


@pytest.mark.parametrize("size", [(800, 600), (1024, 768), (1280, 720)])
def test_the_note_covers_nothing_the_hall_reads(window, size):
    """At 800 x 600 the note laid over the tab bar's end covered the Train tab and the end
    of the view's header (the tab bar has no empty end there). It is a strip under the
    player now, the views giving it their room while it shows, and wraps a long message."""
    present_on(window, *size)
    window.tabs.setCurrentIndex(1)
    settle()
    tabs_before = _on_window(window, window.tabs)
    window.message("Saved the session to /home/teacher/lectures/week 3/sine_predictor.lstmviz")
    settle()
    toast = window.presenter.toast
    assert toast.isVisible()
    assert_covers_nothing(window, toast)
    one_line = toast.heightForWidth(window.width())  # (at the row's width: a short note may end before the readout)
    window.message(LONG_NOTE)
    settle()
    assert toast.heightForWidth(window.width()) > one_line  # (wrapped, whole)
    assert_covers_nothing(window, toast)
    assert pr.smallest_font(window)[0] >= round(MIN_PX * window.presenter.scale) - 1
    toast.dismiss()
    settle()
    assert _on_window(window, window.tabs) == tabs_before  # (the views' room back)
    window.presenter.leave()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_the_views_do_not_move_as_notes_come_and_go(window, size):
    """The note was a strip of the layout under the player that the views gave their room
    to as it came and got back as it went: the plots jumped 40-70 px up and down for each
    note's 4-12 s. The room is kept while presenting (over the player and a strip under it;
    the whole of it where the Train tab has no player), so the views stay where they are
    for a note of one line or two, and come back to their size outside F5."""
    present_on(window, *size)
    toast = window.presenter.toast
    for tab in (1, 0, 4):  # Cell, Unrolled, Train (no player under it while presenting)
        window.tabs.setCurrentIndex(tab)
        settle()
        where = _on_window(window, window.tabs)
        assert window.player.isVisible() == (tab != 4)
        for text in ("Saved the session to lecture.lstmviz",
                     "Not saved: a lesson shows its own stack, not the work of lecture.lstmviz; Esc ends the "
                     "lesson and brings that work back (File > Save session as... keeps the lesson's stack)"):
            window.message(text)
            settle()
            assert toast.isVisible() and _on_window(window, window.tabs) == where, (tab, text)
            assert_covers_nothing(window, toast)
            toast.dismiss()
            settle()
            assert _on_window(window, window.tabs) == where, tab
    window.tabs.setCurrentIndex(1)
    window.presenter.leave()
    settle()
    assert not window.presenter.note_strip.isVisible()  # (no room kept outside F5: the status bar's)
    assert _on_window(window, window.player).bottom() + 1 == _on_window(window, window.statusBar()).top()


def test_a_line_said_to_the_status_bar_alone_shows_in_the_note_while_presenting(window, qtbot, monkeypatch):
    """Lines said to the status bar directly, not through ``MainWindow.message`` (a view
    that could not draw a step, a long input's pass, the Train tab's weights put on the
    stack), went unseen in F5, the status bar hidden. Every line it shows now reaches the
    note while presenting; a message's error weight is kept; outside F5 nothing changes."""
    from lstmviz.errors import LstmvizError

    toast = window.presenter.toast
    present(window)
    window.tabs.setCurrentIndex(1)
    settle()
    cell = window.views[1]

    def cannot(_cursor):
        raise LstmvizError("no room for these bars")
    monkeypatch.setattr(cell, "set_cursor", cannot)
    press(qtbot, window, QtCore.Qt.Key.Key_Right)  # a step the Cell view cannot draw
    said = "The Cell view could not draw this: no room for these bars"
    assert window.statusBar().currentMessage() == said
    assert toast.isVisible() and toast.text() == said and not toast.error
    window.message("Cannot open this session: not a session", error=True)
    assert toast.isVisible() and toast.error and toast.text().startswith("Cannot open")  # (said once, in bold)
    monkeypatch.undo()
    press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not window.presenter.active and not toast.isVisible()
    window.statusBar().showMessage("A line outside presentation mode")
    settle()
    assert not toast.isVisible()  # (the status bar shows it)


def test_messages_show_in_a_note_while_presenting(window, qtbot, tmp_path):
    """Presentation mode hides the status bar, and with it what the window says: Ctrl+S in
    a lecture saved the session (or, in a lesson, refused to) without a word the lecturer
    could see. While presenting a message shows in a note at the top right, clear of the
    lesson's caption, gone after a few seconds or at the next key; not outside it."""
    toast = window.presenter.toast
    window.sessions.save_to(tmp_path / "lecture.lstmviz")
    window.message("Saved somewhere")
    assert not toast.isVisible()  # (the status bar says it)
    present(window)
    press(qtbot, window, QtCore.Qt.Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert toast.isVisible() and toast.text().startswith("Saved the session to"), toast.text()
    settle()
    assert_covers_nothing(window, toast)
    assert 4000 <= toast.timer.interval() <= 18000 and toast.timer.isActive()
    assert pr.smallest_font(window)[0] >= MIN_PX
    window.presenter.tour.start(0)  # a lesson: Ctrl+S refuses to write its stack over the session
    settle()
    assert not toast.isVisible()  # (what it said is of the work before the lesson)
    press(qtbot, window, QtCore.Qt.Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert toast.isVisible() and toast.text().startswith("Not saved: a lesson"), toast.text()
    caption = window.presenter.caption
    assert caption.isVisible()
    settle()
    assert_covers_nothing(window, toast)
    press(qtbot, window, QtCore.Qt.Key.Key_PageDown)  # the next key: the note goes
    assert not toast.isVisible() and window.presenter.tour.index == 1
    window.message("Lesson note")
    assert toast.isVisible()
    toast.timer.timeout.emit()  # (its time run out)
    assert not toast.isVisible()
    window.message("Another note")
    window.presenter.tour.end()
    window.presenter.leave()
    assert not toast.isVisible() and not toast._filtering


def test_a_line_of_every_step_stays_out_of_the_note_and_a_line_said_again_does_not_bring_it_back(
        make_window, qtbot, monkeypatch):
    """Presenting a long input while its keyframe pass ran, each step past the first window
    said "Step N is shown once the keyframe pass has run" to the status bar, and the note
    came and went with it at every step (a key dismissed it, the next step's line brought it
    back). A line of every step is the status bar's alone now, chosen by who says it
    (``MainWindow.status_alone``); what the window says (``MainWindow.message``) and a line
    said to the status bar by another part still show; a line said again once the status
    bar's time for it ran out, no other between, does not bring the note back."""
    import numpy as np

    from helpers import held_pass
    from lstmviz import limits
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState
    from lstmviz.ui.long_runner import AWAITING

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)  # (a 3,000-step input is long here)
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec(input_dim=1))
    w = make_window((1024, 768), state)
    toast = w.presenter.toast
    go = held_pass(monkeypatch)
    try:
        state.set_input_data(np.sin(np.arange(3000) / 50.0).astype(np.float32)[None, :, None])
        seq = state.long
        assert seq is not None and not seq.ready
        present_on(w, 1024, 768)
        settle()
        said = []
        for k in range(4):
            press(qtbot, w, QtCore.Qt.Key.Key_End if k == 0 else QtCore.Qt.Key.Key_Left)
            line = w.statusBar().currentMessage()
            said.append(line)
            assert AWAITING in line and f"Step {state.cursor.step:,} " in line, line  # (the status bar says it)
            assert not toast.isVisible(), toast.text()
        assert len(set(said)) == 4  # (a line of its own at each step)
        w.message("Saved the session to lecture.lstmviz")  # what the window says: shown
        assert toast.isVisible() and toast.text() == "Saved the session to lecture.lstmviz"
        toast.dismiss()
        w.statusBar().showMessage("Long input: the overviews failed (no room)", 15000)  # another part's line
        assert toast.isVisible() and toast.text() == "Long input: the overviews failed (no room)"
        toast.timer.timeout.emit()  # (its time run out)
        w.statusBar().clearMessage()  # (the status bar's too)
        w.statusBar().showMessage("Long input: the overviews failed (no room)", 15000)  # the same again
        assert not toast.isVisible()
        w.statusBar().showMessage("The Cell view could not draw this: no room", 15000)
        assert toast.isVisible()  # (another line does)
        toast.dismiss()
        w.statusBar().showMessage("Long input: the overviews failed (no room)", 15000)
        assert toast.isVisible()  # (and the first again, after another: said anew)
    finally:
        go.set()
    assert w.long_runner.wait(120)
    w.presenter.leave()
    assert not toast.isVisible()


def test_the_stack_error_says_where_it_is_read_while_presenting_hides_the_side_panel(window, qtbot):
    """Lesson 4's "not drawn" step said "(see the side panel)" while presenting, where the
    side panel is hidden. The line says where the error is read as the side panel is now:
    S shows it (hidden), see it (shown); the cover's line stays out of the note (the cover
    says it in large type), and a stack that cannot run outside a lesson says the same in
    the note."""
    from lstmviz.app import tours

    p = window.presenter
    present(window)
    bar, cover, toast = window.statusBar(), p.tour.not_drawn, p.toast
    k = tours.ALL_LESSONS.index(tours.lesson("`return_sequences` when stacking"))
    n = next(n for n, step in enumerate(tours.ALL_LESSONS[k].steps) if step.expect_error)
    p.tour.start(k)
    p.tour.go(n)
    settle()
    assert cover.isVisible() and not window.side.isVisible()
    assert bar.currentMessage() == cover.status
    assert cover.status.endswith("not drawn: this stack cannot be built (S shows the side panel).")
    assert not toast.isVisible()  # (the cover says it)
    press(qtbot, window, QtCore.Qt.Key.Key_S)  # the side panel shown: its line says so
    assert window.side.isVisible()
    assert bar.currentMessage() == cover.status and cover.status.endswith("(see the side panel).")
    press(qtbot, window, QtCore.Qt.Key.Key_S)
    assert cover.status.endswith("(S shows the side panel).")
    p.tour.end()
    settle()
    assert not window.state.error
    window.state.set_layer_option(0, "return_sequences", False)  # a stack that cannot run, no lesson
    window.state.add_layer("LSTM")
    settle()
    assert window.state.error and not cover.isVisible()
    said = "The stack cannot run (S shows the side panel, which says why); the views keep the last stack that worked."
    assert bar.currentMessage() == said and toast.isVisible() and toast.text() == said
    p.leave()
    settle()
    assert window.side.isVisible()
    window.state.set_layer_option(0, "units", 3)  # (still failing) said again, the side panel shown
    window.say_stack_error()
    assert bar.currentMessage().startswith("The stack cannot run (see the side panel); ")

def test_a_train_tab_first_shown_while_presenting_sets_its_updates_per_epoch_large(window):
    """"256 samples / batch 32 = 8 updates per epoch" is set large and bold for the hall
    in a lecture theme; a Train tab first shown while presenting (``lstmviz --lesson 10``,
    or F5 before the tab was opened) said it in plain body text: the tab's style sheet put
    back the font it had before as the tab took the panel. Built in F5 or before, the
    same; plain again after Esc."""
    present_on(window, 1920, 1080)
    assert window._train_panel is None  # (not built yet)
    window.tabs.setCurrentIndex(4)
    settle()
    label = window.train_panel.updates_label
    want = th.current().font(1.15, bold=True)
    assert th.current().lecture and label.isVisible()
    assert label.font().bold() and label.font().pointSize() == want.pointSize(), label.font().toString()
    window.presenter.leave()
    settle()
    assert not label.font().bold() and label.font().pointSize() == th.current().font().pointSize()

@pytest.mark.parametrize("presenting", [False, True])
def test_digits_typed_in_a_spin_box_go_to_it_on_every_tab(window, presenting):
    """Keys 1-4 pick a view wherever the focus is; a digit typed into a spin box (the
    header's unit, the player's sample, the side panel's units, the Train tab's seed) goes
    to the box, on every tab, presenting or not, in a lesson too: the tab stays and the
    box reads the digit. Sent to the window's QWindow, as a display delivers a key (the
    shortcut map sees it first)."""
    from PySide6.QtTest import QTest

    p = window.presenter
    if presenting:
        present_on(window, 1280, 720)
    handle = window.windowHandle()

    def boxes(tab):
        out = [window.unit_spin, window.player.sample]
        if tab == 4:
            out.append(window.train_panel.seed_spin)
        if window.side.isVisible():
            window.stack_panel.cards.setCurrentRow(0)
            settle()
            out.append(window.stack_panel.option_widgets["units"])
        return [b for b in out if b.isVisible()]

    def check(tab):
        window.tabs.setCurrentIndex(tab)
        settle()
        found = boxes(tab)
        # (over the Train tab the header names its run: no unit box)
        assert (window.unit_spin in found) == (tab != 4) == (window.train_panel.seed_spin not in found)
        for box in found:
            window.tabs.setCurrentIndex(tab)
            window.activateWindow()
            box.setFocus()
            settle()
            assert QtWidgets.QApplication.focusWidget() is box.lineEdit() or \
                QtWidgets.QApplication.focusWidget() is box
            was = box.value()
            digit = 2 if box.maximum() >= 2 else box.minimum()  # (a lesson's one sample: 0)
            box.lineEdit().selectAll()
            QTest.keyClick(handle, QtCore.Qt.Key(QtCore.Qt.Key.Key_0.value + digit))
            settle()
            assert window.tabs.currentIndex() == tab, (tab, box.toolTip()[:40])
            assert box.lineEdit().text() == str(digit), (tab, box.toolTip()[:40], box.lineEdit().text())
            window.setFocus()
            settle()
            box.setValue(was)  # (the stack's units as they were: the unit box takes 2 again)
            settle()

    for tab in range(5):
        check(tab)
    p.tour.start(0)  # (a lesson: its keys are PgDn/PgUp, G; the digits still the box's)
    settle()
    check(window.tabs.currentIndex())
    p.tour.end()
    if presenting:
        p.leave()


@pytest.mark.parametrize("demo", ["sine_predictor", "char_model"])
def test_the_colour_bars_label_round_values_while_presenting(qapp, demo):
    """Over time's and Weights' colour bars, on a 1280 x 720 projector, label round values
    (-1, -0.5, 0, 0.5, 1; -10, 0, 10), never their levels' ends (0.9712, 12.67): each bar's
    labels are multiples of one step of 1, 2, 3 or 5 x 10^k, with 0 among them where the
    scale is signed, and lie within its levels."""
    import math

    import pyqtgraph as pg

    from helpers import axis_specs
    from lstmviz.ui.app import dispose
    from lstmviz.ui.app import make_window as open_window

    w = open_window(str(DEMO.parent / f"{demo}.keras"), "projector", quiet=True)
    try:
        w.show()
        present_on(w, 1280, 720)
        for tab in (2, 3):  # Over time, Weights
            w.tabs.setCurrentIndex(tab)
            settle()
            w.grab()
            bars = [it for gv in w.views[tab].findChildren(pg.GraphicsView) for it in gv.scene().items()
                    if isinstance(it, pg.ColorBarItem) and it.isVisible()]
            assert len(bars) >= 3, tab
            for bar in bars:
                lo, hi = bar.levels()
                texts = [t for *_, t in axis_specs(bar.axis, type(bar.axis).generateDrawSpecs)[2] if t]
                values = sorted(float(t.replace("\u2212", "-")) for t in texts)
                assert len(values) >= 2, (tab, texts)
                step = min(b - a for a, b in zip(values, values[1:]))
                mantissa = step / 10 ** math.floor(math.log10(step))
                assert any(abs(mantissa - m) < 1e-6 for m in (1, 2, 3, 5)), (tab, texts, (lo, hi))
                assert all(abs(v / step - round(v / step)) < 1e-6 for v in values), (tab, texts)
                assert all(lo - 1e-6 <= v <= hi + 1e-6 for v in values), (tab, texts, (lo, hi))
                assert lo >= 0 or 0.0 in values, (tab, texts)
        w.presenter.leave()
    finally:
        dispose(w)
        th.apply("dark", qapp)


@pytest.mark.parametrize("size", [(800, 600), (1024, 768), (1280, 720)])
def test_the_views_headers_keep_one_line_with_the_mouse_hints_shown(make_window, size):
    """Presenting at 800 x 600 and 1024 x 768, "· click a heatmap to pick a step and unit"
    and "· click a bar to pick its unit" took Over time's and the Cell view's header onto a
    second line (46 and 54 px), the plots below a line lower. A hint gives way where it
    would take a line (its words then in the header's tooltip), and is shown where it fits
    (1280 x 720): every view's header one line of its font, hints shown (not an export)."""
    from lstmviz.ui.labels import HINT_OPEN, hints_shown, without_hints

    w = make_window(size)
    assert w.open_file(DEMO)
    p = present_on(w, *size)
    w.resize(*size)
    settle()
    assert hints_shown() and (w.width(), w.height()) == size
    seen = {}
    for title in ("Unrolled", "Cell", "Over time"):
        k = next(i for i, v in enumerate(w.views) if v.title == title)
        w.tabs.setCurrentIndex(k)
        for step in (0, 39):  # (the first step and the last: the widest numbers)
            w.state.set_cursor(step=step)
            settle()
            header = w.views[k].header
            assert header.isVisible() and header.text(), (title, step)
            assert header.height() == header.line_height(), (title, step, header.height(), header.line_height())
            hinted = HINT_OPEN in header.text()
            shown = HINT_OPEN in header.label.text()
            if hinted and not shown:  # (given way: the tooltip says it)
                assert header.toolTip().startswith("click ") and header.toolTip() in header.text(), header.toolTip()
            seen[title] = (hinted, shown)
            assert without_hints(header.text()) != ""
    # (the test measures something: Over time's and the Cell view's headers hold a hint)
    assert seen["Over time"][0] and seen["Cell"][0], seen
    if size == (1280, 720):  # (where it fits, the hint is shown)
        assert seen["Over time"][1] and seen["Cell"][1], seen
    p.leave()


def test_a_hint_that_would_take_a_line_gives_way_and_comes_back_where_it_fits(qtbot):
    """A view's header (a ``QuietLabel`` whose hints give way) whose text with its hint
    wraps where the text alone does not shows the text alone (one line), its hint in the
    tooltip; wider, the hint again, no tooltip. At step 7, its numbers as wide, the hint
    stays away. (A legend, which fits its own forms, keeps its hint.)"""
    from lstmviz.ui.labels import QuietLabel, hint

    holder = QtWidgets.QWidget()
    qtbot.addWidget(holder)
    QtWidgets.QVBoxLayout(holder).addWidget(label := QuietLabel(hints_give_way=True))  # (a view's header)
    holder.layout().setContentsMargins(0, 0, 0, 0)
    holder.show()
    qtbot.waitExposed(holder)
    text = "<b>lstm</b> · step <b>t = {}</b> · unit 0"
    label.setText(text.format(0) + hint("click a heatmap to pick a step and unit"))
    doc = QtGui.QTextDocument()
    doc.setDefaultFont(label.label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(text.format(0))
    alone = doc.idealWidth()
    holder.resize(round(alone) + 40, 300)  # (the text fits, not with its hint)
    settle()
    assert label.height() == label.line_height()
    assert "click" not in label.label.text() and label.toolTip() == "click a heatmap to pick a step and unit"
    label.setText(text.format(7) + hint("click a heatmap to pick a step and unit"))
    settle()
    assert "click" not in label.label.text() and label.height() == label.line_height()
    holder.resize(round(alone) + 600, 300)
    settle()
    assert "click a heatmap" in label.label.text() and label.toolTip() == ""
    assert label.height() == label.line_height()
    label.hints_give_way = False
    holder.resize(round(alone) + 40, 300)
    settle()
    assert "click a heatmap" in label.label.text() and label.height() > label.line_height()


@pytest.mark.parametrize("case, presenting", [("demo", True), ("k3_gru_reset_after", True), ("demo", False)])
def test_over_times_heatmaps_never_shrink_as_the_window_grows(make_window, case, presenting):
    """Presenting on a 1024-wide projector, a window grown 4 px at a time across the height
    where Over time's rows go from compact (shared step axes, tight margins) to each with
    its own step axes: the images were 95 px just below it and 71 px just above (a window
    grown, its heatmaps shrunk). Compact rows' images now stop at ``COMPACT_MOST``, what the
    rows with their own axes keep when they come back: at every height the images are at
    least as tall as at the height before, and alike; both kinds of rows are seen, the rows
    with their own axes from where their images are about as tall as compact rows', and
    compact rows' room past their images shared evenly above, between and below them. Also
    in the projector theme beside the side panel (not presenting), where the heatmaps are
    narrow and their margins tight."""
    from pathlib import Path

    from lstmviz.ui.views import over_time

    w = make_window((1024, 768))
    assert w.open_file(DEMO if case == "demo" else Path(__file__).parent / "fixtures" / case / "model.keras")
    if presenting:
        p = present_on(w, 1024, 768)
    else:
        w.set_theme("projector")
    w.tabs.setCurrentIndex(2)
    view = w.views[2]
    before, kinds, spread = 0.0, [], 0.0
    for height in range(540 if presenting else 560, 740, 4):
        w.resize(1024, height)
        for _ in range(3):
            settle()
        assert w.height() == height
        shown = [slot for slot in view.slots if slot.widget.isVisible()]
        images = [slot.plot.vb.height() for slot in shown]
        assert max(images) - min(images) <= 2, (height, images)
        assert min(images) >= before, (height, images, before, view.compact)
        if view.compact:
            assert max(images) <= over_time.COMPACT_MOST + 1, (height, images)
            # the rows' room past that shared evenly above, between and below them (at 732
            # px half of each row's stood above and below it: 13 px above the rows, 27
            # between them, 13 below)
            columns = view._columns
            margins = [shown[k].widget.ci.layout.getContentsMargins() for k in range(0, len(shown), columns)]
            room = [(top - over_time.MARGIN_TIGHT, bottom - over_time.MARGIN_TIGHT) for _, top, _, bottom in margins]
            gaps = [room[0][0], *(a[1] + b[0] for a, b in zip(room, room[1:])), room[-1][1]]
            assert max(gaps) - min(gaps) <= 2, (height, gaps)
            spread = max(spread, max(gaps))
        if kinds and kinds[-1] and not view.compact:
            # (the rows with their own axes as soon as their images are as tall as compact
            # rows': counted with MARGIN where the narrow heatmaps had MARGIN_TIGHT, the rows
            # stayed compact up to 732 px, their images 68 px, then 84)
            assert min(images) <= over_time.COMPACT_MOST + 2 * over_time.ROOM_SLACK, (height, images)
        before = min(images)
        kinds.append(view.compact)
    assert True in kinds and False in kinds and kinds == sorted(kinds, reverse=True), kinds  # (compact, then not)
    assert spread >= 6  # (compact rows with room past COMPACT_MOST were seen)
    if presenting:
        p.leave()
