"""The window without a mouse: Space on a control the keyboard reached presses it (the
player's Space took it: a side panel check box could not be ticked), while a control the
mouse clicked, and everything else, keeps Space for play / pause."""

from PySide6 import QtCore, QtWidgets

SPACE = QtCore.Qt.Key.Key_Space
TAB = QtCore.Qt.Key.Key_Tab


def settle():
    for _ in range(3):
        QtWidgets.QApplication.processEvents()


def strong_change(a, b, least: int = 96) -> int:
    """How many pixels of two same-size pictures differ by ``least`` or more in a channel
    (of 255): a change one sees, not a shade (Fusion's focus shade on a ticked box: 21)."""
    import numpy as np

    from lstmviz.ui.export import image_to_array

    x, y = image_to_array(a).astype(int), image_to_array(b).astype(int)
    assert x.shape == y.shape
    return int((np.abs(x - y).max(axis=2) >= least).sum())


def tab_to(qtbot, window, widget, most=80):
    """Press Tab from the window's focus until ``widget`` has it (as a user would)."""
    window.activateWindow()
    for _ in range(most):
        if QtWidgets.QApplication.focusWidget() is widget:
            return
        qtbot.keyClick(QtWidgets.QApplication.focusWidget() or window, TAB)
        settle()
    raise AssertionError(f"Tab never reached {widget!r}")


def test_space_ticks_a_check_box_reached_with_tab(make_window, qtbot):
    window = make_window((1280, 720))
    box = window.findChild(QtWidgets.QCheckBox, "option:use_bias")
    assert box is not None and box.isVisibleTo(window)
    tab_to(qtbot, window, box)
    before = box.isChecked()
    qtbot.keyClick(box, SPACE)
    settle()
    assert box.isChecked() is not before
    assert not window.player.timer.isActive()  # (the key did not also play)
    # elsewhere Space still plays: the layer list, reached with Tab too
    window.tabs.tabBar().setFocus()
    settle()
    qtbot.keyClick(window.tabs.tabBar(), SPACE)
    settle()
    assert window.player.timer.isActive()
    window.player.toggle()


def test_space_presses_a_button_reached_with_tab(make_window, qtbot):
    window = make_window((1280, 720))
    dup = next(b for b in window.findChildren(QtWidgets.QPushButton) if b.text() == "Duplicate")
    layers = len(window.state.layers)
    tab_to(qtbot, window, dup)
    qtbot.keyClick(dup, SPACE)
    settle()
    assert len(window.state.layers) == layers + 1
    assert not window.player.timer.isActive()


def test_space_after_a_click_on_a_check_box_still_plays(make_window, qtbot):
    window = make_window((1280, 720))
    box = window.findChild(QtWidgets.QCheckBox, "option:use_bias")
    window.activateWindow()
    settle()  # (the window active: a click on an inactive one gives the focus only later)
    assert QtWidgets.QApplication.focusWidget() is not box
    qtbot.mouseClick(box, QtCore.Qt.MouseButton.LeftButton)
    settle()
    assert QtWidgets.QApplication.focusWidget() is box  # (a click gives a check box the focus)
    ticked = box.isChecked()
    qtbot.keyClick(QtWidgets.QApplication.focusWidget() or window, SPACE)
    settle()
    assert window.player.timer.isActive()
    assert box.isChecked() is ticked
    window.player.toggle()


def test_space_on_a_button_the_focus_went_back_to_still_plays(make_window, qtbot):
    """The focus comes back to a button without Tab: to "+ Add layer" after its menu, to a
    button after the dialog it opened (no mouse button down by then). Space plays there, as
    it did before Space pressed a Tab-reached control: it pressed the button again."""
    window = make_window((1280, 720))
    dup = next(b for b in window.findChildren(QtWidgets.QPushButton) if b.text() == "Duplicate")
    window.activateWindow()
    settle()
    dup.setFocus(QtCore.Qt.FocusReason.PopupFocusReason)  # (as a closed menu or dialog gives it back)
    settle()
    assert QtWidgets.QApplication.focusWidget() is dup
    layers = len(window.state.layers)
    qtbot.keyClick(dup, SPACE)
    settle()
    assert window.player.timer.isActive() and len(window.state.layers) == layers
    window.player.toggle()


def test_a_ticked_check_box_shows_it_has_the_focus(make_window, qtbot):
    """Its indicator's own style left no room for Fusion's focus frame: a ticked box with
    the focus looked exactly as one without (projector theme and every other)."""
    from lstmviz.ui import theme as th

    window = make_window((1280, 720))
    for name in th.THEMES:
        window.set_theme(name)
        settle()
        box = window.findChild(QtWidgets.QCheckBox, "option:use_bias")
        assert box.isChecked() and th.current().name == name
        tab_to(qtbot, window, box)
        focused = box.grab().toImage()
        window.tabs.tabBar().setFocus()
        settle()
        assert not box.hasFocus()
        # the focus is seen: many of the box's pixels change by more than a shade
        assert strong_change(focused, box.grab().toImage()) >= 40, name


def test_the_layer_list_shows_it_has_the_focus(make_window, qtbot):
    """Tab reaches the layer cards, where Up / Down pick a layer; the selected card looked
    the same with the focus and without, so nothing said where the keys would go."""
    from lstmviz.ui.stack_panel import CardList

    window = make_window((1280, 720))
    cards = window.findChild(CardList)
    tab_to(qtbot, window, cards)
    # (the window's keyboard ring shows it, drawn over the list and around it: the area
    # with a few pixels round it, from the list's parent)
    assert window.keyboard_ring.shown() is cards

    def area():
        return cards.parentWidget().grab(cards.geometry().adjusted(-4, -4, 4, 4)).toImage()
    focused = area()
    layer = window.state.cursor.layer
    qtbot.keyClick(cards, QtCore.Qt.Key.Key_Down)
    settle()
    assert window.state.cursor.layer != layer  # (the keys do reach it)
    qtbot.keyClick(cards, QtCore.Qt.Key.Key_Up)
    settle()
    assert window.state.cursor.layer == layer
    window.tabs.tabBar().setFocus()
    settle()
    assert not cards.hasFocus() and window.keyboard_ring.shown() is not cards
    assert strong_change(focused, area()) >= 100


def test_help_says_tab_switches_views_only_while_presenting(make_window, qtbot):
    """The keys overlay listed 'Tab: Next view' as if it always were: outside presentation
    mode Tab moves the focus between controls, as everywhere (the view stays)."""
    from lstmviz.ui.presentation import KEYS

    window = make_window((1280, 720))
    rows = {name: what for name, _, _, what in KEYS}
    window.tabs.tabBar().setFocus()
    settle()
    shown = window.tabs.currentIndex()
    qtbot.keyClick(window.tabs.tabBar(), TAB)
    settle()
    assert window.tabs.currentIndex() == shown  # not presenting: the view stays
    assert "presenting" in rows["next_view"] and "presenting" in rows["prev_view"]
    window.presenter.fullscreen = False
    window.presenter.enter()
    settle()
    qtbot.keyClick(QtWidgets.QApplication.focusWidget() or window, TAB)
    settle()
    assert window.tabs.currentIndex() == (shown + 1) % window.tabs.count()  # presenting: the next view
    window.presenter.leave()
    window.presenter.help.toggle()
    text = window.presenter.help.label.text()
    assert rows["next_view"] in text


def test_the_snapshot_slider_reached_with_tab_keeps_its_arrows(make_window, qtbot):
    """The Train tab's snapshot slider takes the focus with Tab, but Left / Right / Home /
    End stepped the player's time (window shortcuts): the snapshots could not be scrubbed
    without a mouse."""
    window, panel, slider = _snapshot_slider(make_window)
    tab_to(qtbot, window, slider)
    _slider_keeps_its_arrows(qtbot, window, slider)


def test_the_snapshot_slider_clicked_keeps_its_arrows_and_a_plot_clicked_gives_them_back(make_window, qtbot):
    """A click on the snapshot slider's handle gave it the focus, but Left / Right / Home /
    End still stepped the player's time (only a slider reached with Tab kept them): a
    desktop user's arrows did not move the slider just clicked. They move it now; Space and
    PgDn stay the player's, and after a click on a plot the arrows are the player's again."""
    from PySide6 import QtWidgets as W

    window, panel, slider = _snapshot_slider(make_window)
    window.activateWindow()
    settle()
    opt = W.QStyleOptionSlider()
    slider.initStyleOption(opt)
    handle = slider.style().subControlRect(W.QStyle.ComplexControl.CC_Slider, opt,
                                           W.QStyle.SubControl.SC_SliderHandle, slider)
    qtbot.mouseClick(slider, QtCore.Qt.MouseButton.LeftButton, pos=handle.center())
    settle()
    assert W.QApplication.focusWidget() is slider and slider.value() == 3  # (the handle: where it was)
    step = window.state.cursor.step
    _slider_keeps_its_arrows(qtbot, window, slider)
    # a plot clicked: the arrows step the player again
    plots = panel.plots
    qtbot.mouseClick(plots.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=plots.viewport().rect().center())
    settle()
    assert W.QApplication.focusWidget() is not slider
    qtbot.keyClick(W.QApplication.focusWidget() or window, QtCore.Qt.Key.Key_Right)
    settle()
    assert window.state.cursor.step == step + 2 and slider.value() == 3


def tab_cycle(qtbot, window, back=False, most=120):
    """The widgets Tab (Shift+Tab) gives the focus to, from the view tabs round to them."""
    window.activateWindow()
    start = window.tabs.tabBar()
    start.setFocus()
    settle()
    seen = []
    mod = QtCore.Qt.KeyboardModifier.ShiftModifier if back else QtCore.Qt.KeyboardModifier.NoModifier
    for _ in range(most):
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Backtab if back else TAB, mod)
        QtWidgets.QApplication.processEvents()
        here = QtWidgets.QApplication.focusWidget()
        if here is start:
            return seen
        seen.append(here)
    raise AssertionError("Tab did not come back to the view tabs")


def test_tab_passes_over_plots_and_scroll_areas(make_window, qtbot):
    """The plots' graphics views took the focus with Tab, showing it nowhere and taking no
    key: ten stops in the Cell view before its check box, seven in Over time's; the side
    panel's scroll area one more. Tab goes from control to control now, both ways."""
    from lstmviz.ui.stack_panel import CardList

    window = make_window((1280, 720))
    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        settle()
        for back in (False, True):
            stops = tab_cycle(qtbot, window, back)
            idle = [type(w).__name__ for w in stops
                    if isinstance(w, (QtWidgets.QGraphicsView, QtWidgets.QScrollArea))]
            assert not idle, (window.tabs.tabText(k), back, idle)
            # the controls are all still there
            assert window.player.speed in stops and window.player.sample in stops
            assert any(isinstance(w, CardList) for w in stops)
    window.tabs.setCurrentIndex(1)  # the Cell view: its check box a few stops from the tabs
    settle()
    near = tab_cycle(qtbot, window)[:3]
    assert any(isinstance(w, QtWidgets.QCheckBox) and w.isVisible() for w in near), near


def test_tab_goes_in_reading_order_on_every_tab(make_window, qtbot):
    """Tab went from the view tabs to the player, then to the shown view's own controls:
    a view (and the Train tab) is built when its tab is first shown and joined Qt's focus
    chain after the player. Now Tab reads the window as a user does: side panel, header
    (layer, unit), the view tabs, the page's controls, the player, and round again;
    Shift+Tab the same stops in reverse. On every tab, each the first time it is shown."""
    window = make_window((1280, 720))
    parts = (window.side, window.header, window.tabs, window.player)

    def part(w):
        return next(k for k, p in enumerate(parts) if p is w or p.isAncestorOf(w))

    after_tabs = (2, 3, 0, 1)  # from the view tabs: the page, the player, the side panel, the header
    for k in range(window.tabs.count()):
        built = window.views.is_built(k) if k < len(window.views) else window._train_panel is not None
        window.tabs.setCurrentIndex(k)
        settle()
        assert not built or k == 0  # (shown here for the first time)
        forward = tab_cycle(qtbot, window)
        order = [part(w) for w in forward]
        name = window.tabs.tabText(k)
        assert order == sorted(order, key=after_tabs.index), (name, order)
        assert {0, 3} <= set(order), name  # (the side panel and the player are in it)
        if window.stack_header.isVisible():  # (over the Train tab the header names the run: no boxes)
            assert forward[-2:] == [window.layer_combo, window.unit_spin], name
        assert tab_cycle(qtbot, window, back=True) == forward[::-1], name
    # the Cell view's check box and the Train tab's controls come right after the tabs
    for k in (1, window.tabs.count() - 1):
        window.tabs.setCurrentIndex(k)
        settle()
        first = tab_cycle(qtbot, window)[0]
        assert part(first) == 2 and not isinstance(first, QtWidgets.QTabBar), window.tabs.tabText(k)


def _snapshot_slider(make_window):
    """A window on its Train tab after three updates: (window, panel, its snapshot slider,
    at the last of them)."""
    from helpers import three_updates

    window = make_window((1400, 900))
    window.tabs.setCurrentIndex(window.tabs.count() - 1)
    settle()
    panel = three_updates(window)
    slider = panel.time_slider
    assert slider.value() == slider.maximum() == 3
    return window, panel, slider


def _slider_keeps_its_arrows(qtbot, window, slider):
    """Left / Home / Right / End move the snapshot slider (of 3 updates, at 3), not the
    player's time; PgDn, a presenter remote's, still steps the player."""
    step = window.state.cursor.step
    for key, want in ((QtCore.Qt.Key.Key_Left, 2), (QtCore.Qt.Key.Key_Home, 0), (QtCore.Qt.Key.Key_Right, 1),
                      (QtCore.Qt.Key.Key_End, 3)):
        qtbot.keyClick(slider, key)
        settle()
        assert slider.value() == want, key
    assert window.state.cursor.step == step  # (the player's time stayed)
    qtbot.keyClick(slider, QtCore.Qt.Key.Key_PageDown)  # a presenter remote's: the player's, still
    settle()
    assert window.state.cursor.step == step + 1 and slider.value() == 3
