"""The Train tab: what it draws is the session's history, training runs off the UI thread,
play / pause / one update / reset, the learning rate changes mid-run."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest


def _wait_until(qtbot, cond, timeout=30.0):
    qtbot.waitUntil(cond, timeout=int(timeout * 1000))


def test_train_tab_one_update_draws_the_history(make_window, qtbot):
    w = make_window()
    panel = w.train_panel
    assert w.tabs.widget(w.tabs.count() - 1) is panel and w.tabs.tabText(w.tabs.count() - 1) == "Train"
    w.tabs.setCurrentWidget(panel)
    assert panel.updates_label.text() == "256 samples / batch 32 = 8 updates per epoch"
    panel.step_button.click()
    panel.wait()
    panel.refresh()
    v = panel.session.view()
    assert v.iteration == 1
    xs, ys = panel.curve_loss.getData()  # log axes: pyqtgraph hands back log10
    np.testing.assert_array_equal(xs, v.history.iterations)
    np.testing.assert_allclose(10 ** ys, v.history.loss, rtol=1e-6)
    t, dh = panel.curve_dh.getData()
    np.testing.assert_allclose(10 ** dh, v.dh_norm, rtol=1e-6)
    assert len(t) == 20
    _legends_cover_no_curve(panel)
    panel.stop()


def _drawn_train_tab(make_window, size=None):
    """A window (``size``, if given) on its Train tab, the panel drawn: (window, panel)."""
    from PySide6 import QtWidgets

    w = make_window()
    if size is not None:
        w.resize(*size)
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    QtWidgets.QApplication.processEvents()
    panel.refresh(force=True)
    return w, panel


def _legends_cover_no_curve(panel):
    """Each legend lies above its plot's view (outside the curves' area), whole, within
    the plot's width, with every entry's label inside it."""
    from PySide6 import QtWidgets

    QtWidgets.QApplication.processEvents()  # the layouts a new width asked for
    for legend, plot in ((panel.legend, panel.loss_plot), (panel.step_legend, panel.step_plot)):
        box = legend.sceneBoundingRect()
        view = plot.vb.sceneBoundingRect()
        assert legend.isVisible() and not box.intersects(view) and box.bottom() <= view.top()
        # (beside a title given up, it may reach over the left axis' column: above its labels)
        left = view.left() if legend is panel.step_legend or title_shown(plot) else plot.sceneBoundingRect().left()
        assert left - 0.5 <= box.left() and box.right() <= view.right() + 0.5
        for _, label in legend.items:
            assert box.contains(label.sceneBoundingRect().center())
            assert label.sceneBoundingRect().right() <= view.right() + 0.5


def test_play_pause_reset_and_learning_rate(make_window, qtbot):
    w = make_window()
    panel = w.train_panel
    panel.units_spin.setValue(4)
    first_weights = [a.copy() for a in panel.session.initial]
    import gc
    import sys

    switch = sys.getswitchinterval()
    panel.play_button.click()
    assert panel.playing
    assert panel.process.alive and panel._thread is None  # off the UI thread: in a process of its own
    assert gc.get_freeze_count() > 1000  # the window's objects out of the collector's full passes
    assert sys.getswitchinterval() == 0.001 != switch  # the GIL to the window within 1 ms
    _wait_until(qtbot, lambda: panel.session.view().iteration >= 3)
    panel.lr_spin.setValue(0.002)
    assert panel.session.trainer.optimizer.learning_rate == 0.002
    panel.play_button.click()
    assert not panel.playing
    assert gc.get_freeze_count() == 0  # paused: seen again, cycles among them collected
    assert sys.getswitchinterval() == switch
    n = panel.session.view().iteration
    time.sleep(0.1)
    assert panel.session.view().iteration == n  # paused means paused
    panel.reset_button.click()
    assert panel.session.view().iteration == 0
    from lstmviz.engine.train import trainable_arrays

    for a, b in zip(trainable_arrays(panel.session.model), first_weights):
        np.testing.assert_array_equal(a, b)
    panel.refresh(force=True)
    assert len(panel.curve_loss.getData()[0] or []) == 0
    panel.stop()


def test_settings_rebuild_the_run(make_window):
    w = make_window()
    panel = w.train_panel
    panel.task_combo.setCurrentIndex(panel.task_combo.findData("next_char"))
    assert panel.session.task.name == "next_char"
    assert panel.session.model.layers[0].class_name == "Embedding"
    panel.cell_combo.setCurrentText("SimpleRNN")
    assert panel.session.model.layers[1].class_name == "SimpleRNN"
    panel.batch_spin.setValue(100)
    assert panel.updates_label.text() == "256 samples / batch 100 \u2192 3 updates per epoch"
    panel.stop()


def test_train_lessons_run_in_presentation(make_window, qtbot):
    """'Why LSTM': the SimpleRNN's gradient at the first step is far weaker than the LSTM's,
    and the captions quote the run's own numbers."""
    from PySide6 import QtCore, QtWidgets

    from lstmviz.app import tours

    w = make_window((1600, 1000))
    p = w.presenter
    k = len(tours.LESSONS)  # the first Train lesson
    assert tours.ALL_LESSONS[k].title.startswith("Why LSTM")
    p.lessons_menu.actions()[k].trigger()
    panel = w.train_panel
    assert w.tabs.currentWidget() is panel and p.tour.active
    assert panel.session.settings.cell == "SimpleRNN" and panel.session.view().iteration == 160
    rnn_first = float(panel.session.view().dh_norm[0])
    rnn_ratio = float(panel.session.view().dh_norm[-1]) / rnn_first
    text = p.caption.text()
    assert "{" not in text and f"{rnn_first:.2g}" in text
    # the run's ratio in words (text.times, its forms tested in test_tours): "397,965×" read out
    # in a hall is "about 4×10⁵ times"; "790,000,000,000×" on another run "about 7.9×10¹¹ times"
    from lstmviz.text import times

    assert rnn_ratio >= 1e4 and "\u00d710" in times(rnn_ratio)
    assert f"{times(rnn_ratio)} less gradient than step 49" in text, text
    p.tour.next()
    v = panel.session.view()
    assert panel.session.settings.cell == "LSTM" and v.iteration == 160
    lstm_first = float(v.dh_norm[0])
    assert lstm_first > 1000 * rnn_first  # the vanishing gradient, seen in the numbers
    xs, ys = panel.pinned_dh.getData()
    np.testing.assert_allclose(10 ** ys[0], rnn_first, rtol=1e-6)
    QtWidgets.QApplication.processEvents()
    assert len(panel.step_legend.items) == 3
    _legends_cover_no_curve(panel)
    p.tour.end()
    # the next lesson (the same task) starts without the SimpleRNN's pinned curve
    p.lessons_menu.actions()[k + 1].trigger()
    assert tours.ALL_LESSONS[k + 1].title == "batch_size and updates"
    xs, _ = panel.pinned_dh.getData()
    assert (xs is None or len(xs) == 0) and panel._pinned is None
    assert not any("pinned" in label.text for _, label in panel.step_legend.items)
    p.tour.end()
    panel.stop()
    QtWidgets.QApplication.processEvents()
    del QtCore


def test_batch_size_lesson_numbers(make_window):
    from lstmviz.app import tours

    w = make_window()
    p = w.presenter
    k = len(tours.LESSONS) + 1
    p.tour.start(k)
    assert "256 sequences at batch_size 32: 8 updates per epoch" in p.caption.text()
    p.tour.next()
    assert "batch_size 256: 1 update per epoch" in p.caption.text()
    p.tour.end()
    w.train_panel.stop()


def test_without_a_training_process_play_trains_on_a_thread(make_window, qtbot, monkeypatch):
    from lstmviz.app import train_process

    def refuse(_method):
        raise OSError("no processes here")

    monkeypatch.setattr(train_process.multiprocessing, "get_context", refuse)
    w = make_window()
    panel = w.train_panel
    panel.units_spin.setValue(3)
    panel.play_button.click()
    assert panel.playing and panel._thread is not None and panel._thread.is_alive()
    _wait_until(qtbot, lambda: panel.session.view().iteration >= 2)
    panel.play_button.click()
    assert not panel.playing
    panel.refresh(force=True)
    assert "a training process could not start" in panel.status_label.text()
    assert "no processes here" in panel.status_label.text()
    panel.stop()


def test_refresh_appends_what_the_run_added(make_window):
    """Each refresh copies only the updates since the last one; the curves hold the whole
    history all the same, and the plots' ranges stay put while new points fall inside them
    (the axes are not drawn again for every update)."""
    from PySide6 import QtWidgets

    w = make_window()
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.lesson_step({"task": "delay", "units": 3, "steps": 8, "batch_size": 64, "updates": 12})
    for _ in range(5):  # drawn, the axes' widths fitted to their labels, laid out again
        QtWidgets.QApplication.processEvents()
    plots = (panel.loss_plot, panel.norm_plot)
    ranges = [p.viewRange() for p in plots]
    s = panel.session
    s.step()
    assert panel.session.view(panel._since).history.iterations == [13]  # only the new update is copied
    panel.refresh()
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    assert [p.viewRange() for p in plots] == ranges
    v = s.view()
    h = v.history
    for curve, xs, ys in ((panel.curve_loss, h.iterations, h.loss), (panel.curve_norm, h.iterations, h.grad_norm),
                          (panel.curve_epoch, h.epoch_iterations, h.epoch_loss),
                          (panel.curve_val, h.epoch_iterations, h.val_loss)):
        x, y = curve.getData()
        np.testing.assert_array_equal(x, xs)
        np.testing.assert_allclose(10 ** y, ys, rtol=1e-12)
        (x0, x1), (y0, y1) = curve.getViewBox().viewRange()
        assert x0 <= min(xs) and max(xs) <= x1 and y0 <= np.log10(min(ys)) and np.log10(max(ys)) <= y1
    assert h.epoch_iterations == [4, 8, 12]
    panel.reset_button.click()
    assert len(panel.curve_loss.getData()[0] or []) == 0 and len(panel.curve_epoch.getData()[0] or []) == 0
    panel.stop()


def test_a_new_update_is_drawn_one_plot_per_tick_while_playing(make_window):
    """While it plays, a new update is drawn in stages, one at each tick of the tab's timer
    (its copy and the texts, then the loss plot, the gradient through time, the gradient
    norm): each tick's work and paint stay a fraction of a frame. Paused, what is left is
    drawn at once."""
    w = make_window()
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.lesson_step({"task": "delay", "units": 3, "steps": 8, "batch_size": 64, "updates": 2})
    s = panel.session
    dh_before = panel.curve_dh.getData()[1].copy()
    s.step()
    v = s.view()
    panel._playing.set()  # the refresh of a playing tab (no worker runs: the test steps)
    try:
        panel.refresh()  # the copy and the texts
        assert panel.status_label.text().startswith("update 3 ")
        assert list(panel.curve_loss.getData()[0]) == [1, 2]
        panel.refresh()
        assert list(panel.curve_loss.getData()[0]) == [1, 2, 3]
        np.testing.assert_array_equal(panel.curve_dh.getData()[1], dh_before)
        panel.refresh()
        np.testing.assert_allclose(10 ** panel.curve_dh.getData()[1], v.dh_norm, rtol=1e-12)
        assert list(panel.curve_norm.getData()[0]) == [1, 2]
        panel.refresh()
        assert list(panel.curve_norm.getData()[0]) == [1, 2, 3]
        s.step()
        panel.refresh()  # update 4's first stage
        panel.refresh()
        assert list(panel.curve_loss.getData()[0]) == [1, 2, 3, 4]
        assert list(panel.curve_norm.getData()[0]) == [1, 2, 3]
    finally:
        panel._playing.clear()
    panel.refresh()  # paused: the rest of update 4 at once
    assert list(panel.curve_norm.getData()[0]) == [1, 2, 3, 4]
    np.testing.assert_allclose(10 ** panel.curve_dh.getData()[1], s.view().dh_norm, rtol=1e-12)
    assert panel.status_label.text().startswith("update 4 ")
    panel.stop()


def test_plots_follow_the_data_until_the_user_zooms_and_again_after_auto_range(make_window):
    """pyqtgraph's auto range is off (with it on, each new point repaints the whole plot):
    the tab sets each plot's range to a frame around the data. A user's zoom stays while
    training goes on; the plot's auto-range button gives the range back to the frame."""
    from PySide6 import QtWidgets

    w = make_window()
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.lesson_step({"task": "delay", "units": 3, "steps": 8, "batch_size": 64, "updates": 3})
    QtWidgets.QApplication.processEvents()
    vb = panel.loss_plot.vb
    assert vb.state["autoRange"] == [False, False]
    vb.scaleBy((0.5, 0.5))  # as the mouse wheel zooms
    vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])
    zoomed = vb.viewRange()
    panel.lesson_step({"updates": 30})  # the data leaves the old frame
    QtWidgets.QApplication.processEvents()
    assert vb.viewRange() == zoomed
    h = panel.session.view().history
    xs, ys = np.asarray(h.iterations), np.log10(h.loss)
    assert max(xs) > zoomed[0][1]
    vb.enableAutoRange()  # the "A" button
    QtWidgets.QApplication.processEvents()
    assert vb.state["autoRange"] == [False, False]
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x0 <= 0 and max(xs) < x1 <= 2 * max(xs) and y0 <= min(ys) and max(ys) <= y1
    norm = panel.norm_plot.vb  # not zoomed: it followed its data all along
    # (the same frame of updates as the loss', with pyqtgraph's padding for its own width:
    # the loss' axis labels, of a taller view, may be wider than the norm's)
    right = panel._frames[id(panel.loss_plot)][0]
    assert panel._frames[id(panel.norm_plot)][0] == right
    for view, (a, b) in ((vb, (x0, x1)), (norm, norm.viewRange()[0])):
        pad = min(max(view.width() ** -0.5, 0.02), 0.1) * right
        assert (a, b) == pytest.approx((-pad, right + pad))
    panel.stop()


def test_a_new_run_is_followed_again_after_the_last_one_was_zoomed(make_window):
    """A zoom into the last run's loss curve stayed when a new run started (Reset, another
    setting, another task): the new run's curve was drawn out of sight under the old range.
    Each new run's plots follow its data again; going on with the same run keeps the zoom."""
    from PySide6 import QtWidgets

    w = make_window()
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    vb = panel.loss_plot.vb

    def zoom_far():
        panel.lesson_step({"updates": 3})
        QtWidgets.QApplication.processEvents()
        vb.setRange(xRange=(500, 600), yRange=(5, 6), padding=0)  # far from any run's data
        vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])
        QtWidgets.QApplication.processEvents()
        assert vb.viewRange()[0] == [500, 600]

    def followed():
        panel.lesson_step({"updates": 3})
        QtWidgets.QApplication.processEvents()
        h = panel.session.view().history
        (x0, x1), (y0, y1) = vb.viewRange()
        ys = np.log10(h.loss)
        return x0 <= 0 and max(h.iterations) < x1 and y0 <= min(ys) and max(ys) <= y1

    panel.lesson_step({"task": "delay", "units": 3, "steps": 8, "batch_size": 64})
    zoom_far()
    assert not followed()  # (the same run: the zoom stays)
    for new_run in (panel.reset, lambda: panel.units_spin.setValue(4),
                    lambda: panel.task_combo.setCurrentIndex((panel.task_combo.currentIndex() + 1)
                                                             % panel.task_combo.count())):
        zoom_far()
        new_run()
        assert followed()
    panel.stop()


def test_before_the_first_update_the_update_axes_count_0_to_10_and_no_values_are_labelled(make_window):
    """An empty run's plots: whole updates 0..10 along x (not pyqtgraph's 0.2, 0.4, ... of
    an empty view), no value labels up the log axis; the first update gives them."""

    w, panel = _drawn_train_tab(make_window)
    for plot in (panel.loss_plot, panel.norm_plot):
        ticks = plot.getAxis("bottom")._tickLevels[0]
        assert ticks[0] == (0.0, "0") and ticks[-1] == (10.0, "10")
        assert all(t == str(int(v)) for v, t in ticks)
        (x0, x1), _ = plot.vb.viewRange()
        assert x0 <= 0 and 10 <= x1 < 11
        assert plot.getAxis("left")._tickLevels == [[], []]
    steps = panel.step_plot.getAxis("bottom")._tickLevels[0]  # the task's steps: 0..T-1
    assert steps[0] == (0.0, "0") and steps[-1][0] <= panel.session.data.x_train.shape[1] - 1 < steps[-1][0] + 10
    panel.step_button.click()
    panel.wait()
    panel.refresh(force=True)
    left = panel.loss_plot.getAxis("left")._tickLevels
    assert left and left[0], "the loss axis labels its values once there is one"
    panel.stop()


def test_the_empty_loss_plot_says_how_to_train_until_the_first_update(make_window, qtbot):
    """A fresh Train tab showed three empty plots and nothing saying what fills them: the
    loss plot says it, centred and whole inside the plot, until an update is drawn, and
    again after Reset; where the plot cannot hold it whole, it is not shown."""
    from PySide6 import QtWidgets

    from lstmviz.ui.train_panel import EMPTY_HINT, GRAD_HINT

    w, panel = _drawn_train_tab(make_window, (1600, 1000))
    hint, vb = panel.empty_hint, panel.loss_plot.vb

    def inside() -> bool:
        box = hint.mapRectToItem(vb, hint.boundingRect())
        return vb.rect().contains(box)

    assert hint.text() == EMPTY_HINT and hint.isVisible() and inside()
    # the gradient through time's plot too says what fills it, whole inside it
    grad, gvb = panel.grad_hint, panel.step_plot.vb
    assert grad.text() == GRAD_HINT and grad.isVisible()
    assert gvb.rect().contains(grad.mapRectToItem(gvb, grad.boundingRect()))
    panel.step_button.click()
    panel.wait()
    panel.refresh(force=True)
    assert not hint.isVisible() and not grad.isVisible()
    panel.reset_button.click()
    QtWidgets.QApplication.processEvents()
    assert hint.isVisible() and inside() and grad.isVisible()
    w.resize(700, 500)  # a loss plot too small for it (beside the side panel: S)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    if not w.side.isVisible():
        w.presenter.actions["side"].trigger()
    qtbot.waitUntil(lambda: vb.width() < hint.boundingRect().width() + 8 or vb.height() < hint.boundingRect().height())
    QtWidgets.QApplication.processEvents()
    assert not hint.isVisible()
    panel.stop()


def test_the_empty_loss_plots_hint_is_left_out_of_exported_pictures(make_window, tmp_path):
    """"▶ Play or One update to train" is a hint for the mouse, as the views' are, but it
    stood in every exported PNG and SVG of a fresh Train tab; now a picture leaves it out
    (``labels.hints_hidden``) and the window shows it again afterwards."""
    from PySide6 import QtCore

    from lstmviz.ui import export as ex
    from lstmviz.ui.train_panel import EMPTY_HINT

    w, panel = _drawn_train_tab(make_window, (1280, 800))
    hint = panel.empty_hint
    assert hint.isVisible()
    shown = ex.render_pixmap(panel, hints=True).toImage()
    left_out = ex.render_pixmap(panel).toImage()
    assert hint.isVisible()  # the window's again
    box = hint.mapRectToItem(panel.loss_plot.vb, hint.boundingRect())
    at = panel.loss_plot.vb.mapToScene(box.center())
    view = panel.loss_plot.scene().views()[0]
    c = view.mapTo(panel, view.mapFromScene(at))
    box_px = QtCore.QRect(c.x() - int(box.width()) // 2, c.y() - int(box.height()) // 2,
                          int(box.width()), int(box.height()))
    assert shown.copy(box_px) != left_out.copy(box_px)  # the hint's text was there, is not now
    background = left_out.pixelColor(box_px.topLeft())
    assert all(left_out.pixelColor(x, y) == background for x in range(box_px.left(), box_px.right(), 2)
               for y in range(box_px.top(), box_px.bottom(), 2))
    ex.save_svg(panel, tmp_path / "t.svg")
    assert "Play or One" in EMPTY_HINT and "Play or One" not in (tmp_path / "t.svg").read_text()
    assert hint.isVisible()
    panel.stop()


def test_the_run_state_sits_under_play_and_keeps_two_lines(make_window):
    """The status (update, epoch, losses) is under the Play buttons, in sight without
    scrolling; it keeps two lines' height, so a validation loss appearing moves nothing."""
    from PySide6 import QtWidgets

    w = make_window()
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    QtWidgets.QApplication.processEvents()
    status, pin, play = panel.status_label, panel.pin_button, panel.play_button
    assert play.geometry().bottom() < status.geometry().top() < pin.geometry().top()
    assert panel.updates_label.geometry().bottom() < play.geometry().top()
    before = pin.geometry().y()
    status.setText("update 1")
    QtWidgets.QApplication.processEvents()
    assert pin.geometry().y() == before
    status.setText("update 160 \u00b7 epoch 20/20 \u00b7 loss 0.04347 \u00b7 validation 0.04367 \u00b7 finished")
    QtWidgets.QApplication.processEvents()
    assert pin.geometry().y() == before
    assert status.height() >= 2 * status.fontMetrics().lineSpacing()


def test_the_gradient_legend_names_only_the_curves_shown(make_window):
    """||dL/dc_t|| is in the gradient plot's legend for an LSTM only (a SimpleRNN has no cell
    state); a pinned curve joins it, in that order."""
    w = make_window()
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)

    def names():
        return [label.text for _, label in panel.step_legend.items]

    panel.lesson_step({"task": "delay", "cell": "LSTM", "units": 3, "steps": 8, "updates": 1})
    assert [n.split("<")[0] for n in names()] == ["\u2016dL/dh", "\u2016dL/dc"]
    panel.lesson_step({"pin": True, "cell": "SimpleRNN", "updates": 1})
    assert len(names()) == 2 and names()[0].startswith("\u2016dL/dh") and "LSTM (pinned)" in names()[1]
    assert panel.curve_dc.getData()[0] is None or len(panel.curve_dc.getData()[0]) == 0
    panel.lesson_step({"cell": "LSTM", "updates": 1})
    assert [n.split("<")[0] for n in names()][:2] == ["\u2016dL/dh", "\u2016dL/dc"] and len(names()) == 3
    panel.stop()


def test_plot_frames_move_in_steps():
    from lstmviz.ui.train_panel import count_top, log_frame

    tops = [count_top(n) for n in range(0, 5000)]
    assert all(n * 1.04 + 1 <= t <= max(10, 5 / 3 * (n * 1.04 + 1)) for n, t in enumerate(tops))
    assert tops[:9] == [10] * 9 and tops[9] == 15  # 0-10 first, then six times a decade
    assert len(set(tops)) <= 6 * 3 + 1
    # a run of 160 updates in all: its axis ends at its last update (with its marker's room),
    # not at the next step of 200
    assert count_top(154) == 200 and count_top(154, 160) == count_top(160, 160) == 160 * 1.04 + 1
    assert count_top(3, 160) == 10 and count_top(3, 0) == 10 and count_top(5, 4) == 10  # (a grown run)
    from lstmviz.app.counts import tick_labels
    from lstmviz.ui.train_panel import count_tick_list
    assert [t for _, t in count_tick_list(7500, 4)[0]] == ["0", "2,000", "4,000", "6,000"]
    for right in (1, 7.5, 10, 99, 150, 7500, 10 ** 5):
        for most in (2, 4, 6, 9):
            major, minor = count_tick_list(right, most)
            vals = [v for v, _ in major]
            steps = set(np.diff(vals))
            assert vals[0] == 0 and vals[-1] <= right < vals[-1] + max(steps) and len(steps) == 1
            # labelled as every axis of counts ("2,000", "50k": app/counts; they read "2000")
            assert len(vals) <= most + 1 and minor == [] and [t for _, t in major] == tick_labels(vals)
            assert str(int(max(steps))).strip("0") in ("1", "2", "5")
    f = log_frame(0.02, 0.5)
    assert 10 ** (f[0] / 4) < 0.02 / 1.2 and 0.5 * 1.2 < 10 ** (f[1] / 4)
    assert log_frame(0.021, 0.45, f) == f  # values moving inside: the same frame
    grown = log_frame(0.005, 0.45, f)
    assert grown[0] < f[0] and grown[1] == f[1]  # beyond it: grown on that side only
    assert log_frame(1e-6, 2e-6, grown) == log_frame(1e-6, 2e-6)  # a third of it no longer filled: anew
    assert log_frame(0.0, 1.0) is None and log_frame(float("inf"), float("-inf")) is None


def test_the_updates_per_epoch_line_looks_the_same_after_a_lecture(make_window):
    """'256 samples / batch 32 = 8 updates per epoch' is set large and bold for the hall in
    lecture mode; after leaving it (or after View > Theme) it stayed large and bold in the
    desktop theme, where it had been plain text like the rows around it."""
    from PySide6 import QtWidgets

    w = make_window((1600, 1000))
    w.tabs.setCurrentIndex(w.tabs.count() - 1)
    QtWidgets.QApplication.processEvents()
    panel = w.train_panel
    label, seed = panel.updates_label, panel.task_combo
    plain = (label.fontInfo().pixelSize(), label.fontInfo().bold())
    assert plain == (seed.fontInfo().pixelSize(), False)
    p = w.presenter
    p.fullscreen = False
    p.enter()
    QtWidgets.QApplication.processEvents()
    assert label.fontInfo().bold() and label.fontInfo().pixelSize() > plain[0]  # for the hall
    p.leave()
    QtWidgets.QApplication.processEvents()
    assert (label.fontInfo().pixelSize(), label.fontInfo().bold()) == plain
    w.set_theme("light")
    w.set_theme("dark")
    QtWidgets.QApplication.processEvents()
    assert (label.fontInfo().pixelSize(), label.fontInfo().bold()) == plain


def test_the_status_names_the_epoch_the_last_update_ran_in(make_window):
    """After the 8 updates of the first epoch the status said "epoch 2/20": the second epoch
    had not begun. It counts as Keras' "Epoch k/N": the epoch of the last update."""
    w = make_window()
    panel = w.train_panel
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6, epochs=3))

    def status():
        panel.refresh(force=True)
        return panel.status_label.text().split(" \u00b7 ")[:2]

    assert status() == ["update 0", "epoch 1/3"]
    for n, want in ((1, "epoch 1/3"), (7, "epoch 1/3"), (8, "epoch 1/3"), (9, "epoch 2/3"), (16, "epoch 2/3"),
                    (24, "epoch 3/3")):
        while panel.session.iteration < n:
            panel.session.step()
        assert status() == [f"update {n}", want]
    assert panel.session.done and panel.status_label.text().endswith("finished")
    panel.stop()


def test_a_finished_run_fills_its_update_axes(make_window):
    """A run of 24 updates ended at 24 of an axis to 30 (the axis grows in steps while it
    runs): finished, its loss and gradient-norm plots end at its last update."""
    w = make_window()
    panel = w.train_panel
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6, epochs=3))
    while not panel.session.done:
        panel.session.step()
    panel.refresh(force=True)
    total = panel.session.view().iteration
    assert total == 24
    for plot in (panel.loss_plot, panel.norm_plot):
        right = plot.vb.viewRange()[0][1]
        assert total <= right <= total * 1.1 + 1, right
    panel.stop()


def test_log_axes_label_every_tick_in_one_format(make_window):
    """A SimpleRNN's vanished gradient spans 1e-5 .. 0.05: its axis read "1e-05, 0.0001,
    0.001, 0.01" (``f"{v:g}"`` switching format on the way); the lesson's read "0.01, 0.0001,
    1e-06, 1e-08". Now one format an axis, powers of ten where it reaches past 1e-4; and a
    thinned axis keeps its decades ("0.02, 0.05, 0.2, 0.5" had left out 0.1)."""
    from lstmviz.ui.plot_tools import LogLabelAxis, log_labels
    from lstmviz.ui.train_panel import log_tick_list

    assert log_labels([1e-8, 1e-6, 1e-4, 0.01]) == ["10\u207b\u2078", "10\u207b\u2076", "10\u207b\u2074",
                                                    "10\u207b\u00b2"]
    assert log_labels([2e-5, 1.0, 10.0]) == ["2\u00d710\u207b\u2075", "10\u2070", "10\u00b9"]
    assert log_labels([0.0001, 0.02, 500.0]) == ["0.0001", "0.02", "500"]
    for lo, hi in ((1e-9, 0.05), (1.6e-5, 0.052), (0.015, 0.6), (2e-5, 3.0), (0.3, 40.0), (1e-3, 2e6)):
        for most in range(1, 10):
            major, minor = log_tick_list(lo, hi, most)
            labels = [t for _, t in major]
            assert 1 <= len(labels) <= most and minor == []
            assert not any("e" in t for t in labels)
            assert len({any(c in "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b" for c in t)
                        for t in labels}) == 1, labels
            logs = [v for v, _ in major]
            if any(abs(v - round(v)) > 1e-9 for v in logs):  # 2, 3, 5 x 10^k among them: no decade left out
                inner = [d for d in range(-12, 8) if logs[0] < d < logs[-1]]
                assert all(any(abs(v - d) < 1e-9 for v in logs) for d in inner), labels

    w = make_window((1600, 1000))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.lesson_step({"task": "delay", "cell": "SimpleRNN", "units": 8, "steps": 50, "updates": 1})
    import dataclasses

    # the lesson's SimpleRNN after 160 updates: 1e-8 at the first step, 0.01 at the last
    panel._draw_steps(dataclasses.replace(panel.session.view(), dh_norm=np.logspace(-8, -2, 50)))
    labels = [t for _, t in panel.step_plot.getAxis("left")._tickLevels[0]]
    assert len(labels) >= 3 and all(t.startswith(("10", "2\u00d7", "3\u00d7", "5\u00d7")) for t in labels), labels
    # the connectivity plot's own log axis: one format over 1e-7 .. 1
    axis = panel.grad_views.conn_plot.getAxis("left")
    assert isinstance(axis, LogLabelAxis)
    axis.setRange(-7, 0)
    assert axis.logTickStrings([-6.0, -4.0, -2.0, 0.0], 1.0, 1.0) == [
        "10\u207b\u2076", "10\u207b\u2074", "10\u207b\u00b2", "10\u2070"]
    axis.setRange(-3, 0)
    assert axis.logTickStrings([-3.0, -2.0, -1.0], 1.0, 1.0) == ["0.001", "0.01", "0.1"]
    panel.stop()


def _drawn_log_labels(plot) -> list[tuple[float, str]]:
    """The left axis' labels pyqtgraph draws (none sticking out of the axis), with each one's
    height in the scene, top first."""
    from PySide6 import QtCore, QtGui

    axis = plot.getAxis("left")
    line = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont()).height()
    view = plot.vb.sceneBoundingRect()
    out = []
    for v, text in (axis._tickLevels or [[]])[0]:
        y = plot.vb.mapViewToScene(QtCore.QPointF(0, v)).y()
        if view.top() + 0.4 * line <= y <= view.bottom() - 0.4 * line:
            out.append((y, text))
    return sorted(out)


@pytest.mark.parametrize("loss", [(0.09, 0.12), (0.2, 0.26), (0.011, 0.014), (2.1e-5, 2.6e-5)])
def test_a_short_log_axis_of_a_narrow_range_shows_two_labels_a_line_apart(make_window, qapp, loss):
    """In the projector theme at 1280 x 720 (the controls beside the plots) a loss that stayed
    within 0.09 .. 0.12 was framed 0.056 .. 0.18, where 1, 2, 3, 5 x 10^k hold only 0.1: the
    loss axis read "0.1" alone, and no reader could tell its scale. It now has two labels at
    least, a line apart (round steps of the values, "0.1, 0.15"), in one format. (At 1280 x
    600: since the loss legend went beside its title, the view at 1280 x 720 is no longer
    short.)"""
    from PySide6 import QtGui, QtWidgets

    from lstmviz.ui import theme as th

    w = make_window((1280, 600))
    panel = w.train_panel
    try:
        w.set_theme("projector")
        w.tabs.setCurrentWidget(panel)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        plot = panel.loss_plot
        panel._place(plot, *loss, 10)
        QtWidgets.QApplication.processEvents()
        axis = plot.getAxis("left")
        line = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont()).height()
        assert plot.vb.height() < 6 * line  # (a short plot)
        drawn = _drawn_log_labels(plot)
        assert len(drawn) >= 2, (plot.vb.height(), axis._tickLevels)
        ys = [y for y, _ in drawn]
        assert all(b - a >= line for a, b in zip(ys, ys[1:])), drawn
        texts = [t for _, t in drawn]
        powers = [any(c in "\u207b\u2070\u00b9" for c in t) for t in texts]
        assert len(set(powers)) == 1, texts
    finally:
        panel.stop()
        th.apply("dark", qapp)


def test_more_epochs_continue_the_run(make_window, qtbot):
    """Setting Epochs from 20 to 30 after some training started a new run from the first
    weights: the updates done were gone. Now the run goes on (playing on if it played);
    fewer epochs than it has begun are the epochs begun."""
    from lstmviz.engine.train import trainable_arrays

    w = make_window()
    panel = w.train_panel
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6, epochs=2))
    s = panel.session
    for _ in range(10):
        s.step()
    weights = [a.copy() for a in trainable_arrays(s.model)]
    panel.epochs_spin.setValue(5)
    assert panel.session is s and s.iteration == 10 and s.trainer.epochs == 5 and not s.done
    for a, b in zip(trainable_arrays(s.model), weights):
        np.testing.assert_array_equal(a, b)
    panel.refresh(force=True)
    assert panel.status_label.text().startswith("update 10 \u00b7 epoch 2/5")
    assert len(panel.curve_loss.getData()[0]) == 10  # the history drawn is the run's
    panel.epochs_spin.setValue(1)  # fewer than begun: the epoch under way (2), its last to train
    assert not s.done and s.iteration == 10 and s.trainer.epochs == 2 == panel.epochs_spin.value()
    panel.refresh(force=True)
    assert panel.status_label.text().startswith("update 10 \u00b7 epoch 2/2")
    panel.epochs_spin.setValue(3)
    panel.play_button.click()  # plays on to the end of epoch 3
    qtbot.waitUntil(lambda: not panel.playing, timeout=30000)
    panel.refresh(force=True)
    assert s.iteration == 24 and s.done and s.view().history.iterations == list(range(1, 25))
    panel.reset_button.click()
    panel.epochs_spin.setValue(30)  # (a run of 3 epochs could end before the change below, under load)
    panel.play_button.click()
    qtbot.waitUntil(lambda: s.iteration >= 2, timeout=30000)
    panel.epochs_spin.setValue(40)  # while it plays: it plays on, the run kept
    assert panel.playing and s.trainer.epochs == 40
    qtbot.waitUntil(lambda: s.iteration >= 4, timeout=30000)
    panel.play_button.click()
    assert s.view().history.iterations == list(range(1, s.iteration + 1))
    panel.stop()


def test_fewer_epochs_than_the_run_has_begun_keep_its_numbers_in_agreement(make_window):
    """Epochs set to 1 after 11 updates of 8 per epoch finished the run there, and the tab
    said "update 11 \u00b7 epoch 1/1 \u00b7 finished" under a header of "update 11 / 8", and
    Epochs 1 in its box: more updates than the run has, in an epoch that had ended. The
    box goes no lower than the epoch under way (2): the run finishes that epoch on Play,
    and every number agrees; one at an epoch's end is finished there."""
    w = make_window()
    w.tabs.setCurrentIndex(w.tabs.indexOf(w.train_page))
    panel = w.train_panel
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6, epochs=5))
    s = panel.session
    for _ in range(11):
        s.step()
    panel.epochs_spin.setValue(1)
    panel.refresh(force=True)
    assert panel.epochs_spin.value() == s.trainer.epochs == s.settings.epochs == 2 and not s.done
    assert panel.status_label.text().startswith("update 11 \u00b7 epoch 2/2")
    assert w.train_update_label.text() == "update 11 / 16"
    while s.iteration < 16:
        s.step()
    panel.epochs_spin.setValue(3)
    panel.epochs_spin.setValue(1)  # at the end of epoch 2: finished there
    panel.refresh(force=True)
    assert panel.epochs_spin.value() == s.trainer.epochs == 2 and s.done
    assert panel.status_label.text().startswith("update 16 \u00b7 epoch 2/2")
    assert w.train_update_label.text() == "update 16 / 16"
    panel.stop()


def test_a_run_whose_loss_becomes_nan_stops_and_says_why(make_window, qtbot):
    """sgd at a learning rate of 10 overflowed the weights: the run went on to its last
    epoch with "loss nan" at every update, nothing said. It stops at the first NaN and
    says why and what to do; One update and Play do nothing more until Reset."""
    import math

    w = make_window()
    panel = w.train_panel
    panel.opt_combo.setCurrentText("sgd")
    panel.lr_spin.setValue(10.0)
    s = panel.session
    assert s.trainer.optimizer.learning_rate == 10.0
    panel.play_button.click()
    assert panel.process.alive  # (in the training process, which stops by itself)
    qtbot.waitUntil(lambda: not panel.playing, timeout=60000)
    panel.refresh(force=True)
    h = s.view().history
    n = len(h.loss)
    assert 1 <= n < 160 and not math.isfinite(h.loss[-1]) and all(math.isfinite(v) for v in h.loss[:-1])
    assert s.iteration == n and s.stopped and not s.done
    text = panel.status_label.text()
    assert text.split("\n")[1] == (f"training stopped: the loss became {h.loss[-1]} at update {n}: the weights "
                                   "overflowed (learning rate 10 with sgd). Reset, lower the learning rate and "
                                   "play again")
    assert not panel.play_button.isChecked()
    panel.play_button.click()
    assert not panel.playing and s.iteration == n
    panel.step_button.click()
    panel.wait()
    assert s.iteration == n
    panel.reset_button.click()
    panel.refresh(force=True)
    assert s.iteration == 0 and not s.stopped and "\n" not in panel.status_label.text().strip()
    panel.lr_spin.setValue(0.01)
    panel.step_button.click()
    panel.wait()
    assert s.iteration == 1
    panel.stop()


def test_a_diverging_run_prints_no_numpy_warnings_and_stops(make_window, qtbot, capfd):
    """sgd at a learning rate of 10 diverges: the training process (and a window's "One
    update") printed NumPy's "RuntimeWarning: overflow encountered in multiply" to the
    terminal before the run stopped on its NaN loss. The stop says it; the terminal stays
    quiet (stderr of the window's process and of the training process, which shares it)."""
    import math

    w = make_window()
    panel = w.train_panel
    panel.opt_combo.setCurrentText("sgd")
    panel.lr_spin.setValue(10.0)
    s = panel.session
    panel.play_button.click()
    assert panel.process.alive
    qtbot.waitUntil(lambda: not panel.playing, timeout=60000)
    panel.refresh(force=True)
    h = s.view().history
    assert s.stopped and not math.isfinite(h.loss[-1])
    panel.stop()
    err = capfd.readouterr().err
    assert "RuntimeWarning" not in err and "overflow encountered" not in err, err


def test_an_update_that_overflows_warns_nothing_and_leaves_numpy_as_it_was():
    """``advance`` (the update the window and the training process run) hides the overflow
    of a diverging run, only there: NumPy's error state outside it is the caller's, and an
    error is raised as ever."""
    import warnings

    from lstmviz.app.training import Settings, TrainingSession, advance, blew_up

    s = TrainingSession(Settings(task="delay", optimizer="sgd", learning_rate=10.0, epochs=2))
    before = np.geterr()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for _ in range(200):
            _, record = advance(s.model, s.trainer, s.data, s.loss, s.snapshot_every)
            if blew_up(record, "sgd"):
                break
        assert blew_up(record, "sgd") and not [x for x in seen if issubclass(x.category, RuntimeWarning)]
        assert np.geterr() == before
        np.float32(3e38) * np.float32(10)  # outside an update NumPy warns as it did
        assert [str(x.message) for x in seen] == ["overflow encountered in scalar multiply"]
    s.trainer.y = s.trainer.y[:1]  # a real error (targets of another size) still raises
    with pytest.raises(IndexError):
        advance(s.model, s.trainer, s.data, s.loss, s.snapshot_every)


def _three_updates(make_window):
    """A window whose Train tab ran three updates (One update x 3) of a small delay task."""
    from helpers import three_updates

    w = make_window()
    return w, three_updates(w), w.train_panel.session


def test_put_on_the_stack_reaches_the_weights_trained_last(make_window, qtbot):
    """Snapshots were kept every 10 updates only: after 3 updates (One update x 3) the slider
    said "update 0" and "Put on the stack" put the initial weights on it; a run finished at
    update 16 gave those of update 10. Where a run stops, its weights are kept too."""
    from lstmviz.engine.train import trainable_arrays

    w, panel, s = _three_updates(make_window)
    assert panel.time_slider.value() == panel.time_slider.maximum() == 3 and panel.time_label.text() == "update 3"
    assert panel.show_in_views() == 3
    for a, b in zip(trainable_arrays(w.state.model), trainable_arrays(s.model)):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(trainable_arrays(w.state.model), s.initial))
    panel.play_button.click()  # in the training process, to the end: update 16
    qtbot.waitUntil(lambda: not panel.playing and s.done, timeout=60000)
    qtbot.waitUntil(lambda: panel.time_label.text() == "update 16", timeout=5000)  # (the refresh timer)
    assert [it for it, _ in s.snapshots] == [0, 1, 2, 3, 10, 16] and panel.time_label.text() == "update 16"
    assert panel.show_in_views() == 16
    for a, b in zip(trainable_arrays(w.state.model), trainable_arrays(s.model)):
        np.testing.assert_array_equal(a, b)
    panel.stop()


def test_the_trained_model_can_be_saved_as_keras(make_window, tmp_path):
    """The app had no way to write the weights it trained but a session: "Save as .keras..."
    writes the snapshot the slider is on (what `lstmviz train` writes), said in the status."""
    import lstmviz
    from lstmviz.engine.train import trainable_arrays

    w, panel, s = _three_updates(make_window)
    assert panel.save_keras(tmp_path / "trained.keras") == 3
    assert w.last_message == "Saved the model at update 3 to trained.keras"
    saved = lstmviz.load(tmp_path / "trained.keras")
    assert "its state saved after 3 updates goes on in fit" in saved.summary_text()  # (the run's optimizer)
    for a, b in zip(trainable_arrays(saved), trainable_arrays(s.model)):
        np.testing.assert_array_equal(a, b)
    x = s.data.x_val[:4]
    np.testing.assert_array_equal(saved.trace(x).outputs[0], s.model.trace(x).outputs[0])
    panel.time_slider.setValue(0)  # the slider's snapshot: the initial weights
    assert panel.save_keras(tmp_path / "first.keras") == 0
    for a, b in zip(trainable_arrays(lstmviz.load(tmp_path / "first.keras")), s.initial):
        np.testing.assert_array_equal(a, b)
    assert panel.save_keras(tmp_path) is None  # a folder: said under the buttons
    assert "is a directory" in panel.status_label.text()
    # a name the system refuses (too long): its path said escaped, not a line of its own
    assert panel.save_keras(tmp_path / f"two\nlines\u202e{'y' * 300}.keras") is None
    said = panel.status_label.text().split("\n")
    assert said[1].startswith(f"{tmp_path}{os.sep}two\\x0alines\\u202eyyy") and len(said) == 2, said
    assert said[1].endswith(".keras: File name too long"), said
    panel.stop()


def test_saving_a_session_says_the_training_is_not_in_it(make_window, tmp_path):
    """A session saved after training in the Train tab held the stack, not what was trained,
    without a word: reopened, the training was gone. Saving now says so, until the stack
    holds the run's weights (Put on the stack)."""
    w = make_window()
    panel = w.train_panel
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6, epochs=2))
    w.sessions._save_reporting(str(tmp_path / "a.lstmviz"))
    assert w.last_message == f"Saved the session to {tmp_path / 'a.lstmviz'}"  # nothing trained yet
    for _ in range(3):
        panel.step_button.click()
        panel.wait()
    w.sessions._save_reporting(str(tmp_path / "b.lstmviz"))
    assert w.last_message == (f"Saved the session to {tmp_path / 'b.lstmviz'}. The Train tab's run (update 3) is "
                              "not part of a session: Put on the stack before saving keeps its weights; Save as "
                              ".keras writes them")
    panel.show_in_views()  # the run's weights on the stack: the session holds them
    w.sessions._save_reporting(str(tmp_path / "c.lstmviz"))
    assert w.last_message == f"Saved the session to {tmp_path / 'c.lstmviz'}"
    panel.stop()


def test_a_short_window_gives_the_two_first_plots_the_third_ones_height(make_window, qtbot):
    """At 1280 x 720 the three curves' plots had views ~55 px high (the loss one value label
    up its axis); there the gradient norm's plot makes way, as in a lecture theme, and comes
    back where the window is taller."""
    from PySide6 import QtWidgets

    w = make_window((1280, 720))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.lesson_step({"task": "delay", "units": 3, "steps": 8, "updates": 8})
    QtWidgets.QApplication.processEvents()
    assert not panel.norm_plot.isVisible() and panel.norm_plot not in panel.plots.ci.items
    assert panel.loss_plot.vb.height() >= 90 and panel.step_plot.vb.height() >= 90
    assert len(panel.loss_plot.getAxis("left")._tickLevels[0]) >= 2
    w.resize(1600, 1000)
    qtbot.waitUntil(lambda: panel.norm_plot.isVisible(), timeout=5000)
    QtWidgets.QApplication.processEvents()
    assert panel.norm_plot in panel.plots.ci.items and panel.norm_plot.vb.height() >= 90
    xs, ys = panel.curve_norm.getData()
    np.testing.assert_allclose(10 ** ys, panel.session.view().history.grad_norm, rtol=1e-6)  # drawn meanwhile
    panel.stop()


def test_pinning_before_any_update_says_why_nothing_is_pinned(make_window):
    """"Pin gradient curve" before the first update did nothing, without a word."""
    w = make_window()
    panel = w.train_panel
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6))
    panel.pin_button.click()
    assert panel._pinned is None
    assert panel.status_label.text().split("\n")[1] == ("No gradient curve to pin yet: press One update or "
                                                        "Play first")
    panel.step_button.click()
    panel.wait()
    panel.pin_button.click()
    panel.refresh(force=True)
    assert panel._pinned is not None and "\n" not in panel.status_label.text()
    panel.stop()


def test_presenting_on_a_1024_x_768_projector_the_plots_get_the_room(make_window):
    """The vanishing-gradient lesson presenting at 1024 x 768: the controls took half the tab
    (~500 px), each plot's legend two rows, and the gradient plot's view ~35 px high, one
    tick on its axis: the dashed SimpleRNN curve the caption talks about was a smear. In a
    lecture theme the controls now take at most ``CONTROLS_SHARE_LECTURE`` of the tab (their
    fields under their labels where needed, scrolling): each legend one row, the gradient
    plot a view of some height with two decades labelled, every plot's tab in sight."""
    from PySide6 import QtWidgets

    from helpers import present_on
    from lstmviz.app import tours
    from lstmviz.ui.train_panel import CONTROLS_SHARE_LECTURE

    w = make_window((1024, 768))
    p = present_on(w, 1024, 768)
    k = next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title.startswith("Why LSTM"))
    p.tour.start(k)
    p.tour.go(1)
    panel = w.train_panel
    for _ in range(2):
        w.resize(1024, 768)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
    assert w.tabs.currentWidget() is panel and "Pinned" in p.caption.text()
    assert panel.controls.width() <= CONTROLS_SHARE_LECTURE * panel.width() + 1
    assert panel.step_plot.vb.height() >= 60, panel.step_plot.vb.height()
    assert len(panel.step_plot.getAxis("left")._tickLevels[0]) >= 2
    for legend in (panel.legend, panel.step_legend):
        assert legend.columnCount >= len(legend.items) == 3  # one row (the pinned curve's too)
    bar = panel.plot_tabs.tabBar()
    assert bar.tabRect(bar.count() - 1).right() <= bar.width()  # no scroll buttons needed
    p.tour.end()
    p.leave()


def test_presenting_on_an_800_x_600_projector_a_lesson_shows_the_plot_it_talks_about(make_window):
    """The Train lessons at 800 x 600 presenting: under a five-line caption the curves had
    ~250 px for two plots, their titles, legends and axes, and neither had a view left (the
    vanishing-gradient lesson's dashed curve was not on screen). Where a lecture has room
    for one plot only, a lesson step's ``curve`` is shown alone: the gradient for the
    vanishing gradient, the loss for batch_size and updates; both come back with the room."""
    from PySide6 import QtWidgets

    from helpers import lesson_step, present_on

    w = make_window((800, 600))
    p = present_on(w, 800, 600)
    panel = w.train_panel

    def at(title, step):
        lesson_step(w, title, step, (800, 600))

    at("Why LSTM", 1)
    assert "Pinned" in p.caption.text()
    assert panel.step_plot.isVisible() and not panel.loss_plot.isVisible()
    assert panel.step_plot.vb.height() >= 80, panel.step_plot.vb.height()
    xs, ys = panel.pinned_dh.getData()
    assert ys is not None and len(ys) == 50  # the dashed curve, drawn
    at("batch_size", 1)
    assert panel.loss_plot.isVisible() and not panel.step_plot.isVisible()
    assert panel.loss_plot.vb.height() >= 80
    p.tour.end()
    p.leave()
    w.resize(1400, 900)
    for _ in range(4):
        QtWidgets.QApplication.processEvents()
    assert panel.loss_plot.isVisible() and panel.step_plot.isVisible()


def test_a_session_keeps_the_train_tabs_settings(make_window, tmp_path):
    """Task, cell, units, steps, optimizer, learning rate, batch, epochs, seed and 'snapshot
    every' set in the Train tab came back as the defaults after File > Save session and
    opening it again. They are kept with the view settings; values no control takes (a
    stranger's file) leave the task's own."""
    from lstmviz.app import session as ses
    from lstmviz.app.training import Settings

    w = make_window()
    panel = w.train_panel
    panel.snap_spin.setValue(3)
    panel.apply_settings(Settings(task="parity", cell="GRU", units=12, steps=9, optimizer="sgd",
                                  learning_rate=0.05, batch_size=16, epochs=7, seed=5))
    shown = panel.session_settings()
    assert shown["train_task"] == "parity" and shown["train_learning_rate"] == 0.05
    path = w.sessions.save_to(tmp_path / "t.lstmviz")
    panel.stop()

    other = make_window()
    assert other._train_panel is None
    assert other.sessions.open(path)
    again = other.train_panel
    assert again.session_settings() == shown
    s = again.session.settings
    assert (s.task, s.cell, s.units, s.steps, s.optimizer, s.batch_size, s.epochs, s.seed) == (
        "parity", "GRU", 12, 9, "sgd", 16, 7, 5)
    assert again.session.trainer.optimizer.learning_rate == 0.05 and again.session.snapshot_every == 3

    ui = ses.read_session(path).ui
    ui.update(train_units=10 ** 9, train_optimizer="rm -rf", train_epochs=True, train_learning_rate=1e300)
    assert again.restore_session_settings(ui)
    s = again.session.settings
    assert (s.units, s.optimizer, s.epochs, s.learning_rate, s.cell) == (None, "adam", None, None, "GRU")
    assert not again.restore_session_settings({"train_task": "nope"})
    again.stop()


def test_training_a_finished_run_says_how_to_go_on(make_window):
    """At the end of a run, One update and Play did nothing, without a word: a student
    pressed them again and again. They now say, under the run's state, that the run is
    finished and how to go on; more epochs take the note away and train on."""
    w = make_window()
    panel = w.train_panel
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6, epochs=1))
    s = panel.session
    while s.step() is not None:
        pass
    assert s.done and s.iteration == 8
    for press in (panel.step_button.click, panel.play_button.click):
        press()
        panel.wait()
        panel.refresh(force=True)
        assert s.iteration == 8 and not panel.playing
        first, *rest = panel.status_label.text().split("\n")
        assert first.endswith("finished") and len(rest) == 1
        assert "Epochs" in rest[0] and "Reset" in rest[0]
    panel.epochs_spin.setValue(2)
    panel.refresh(force=True)
    assert "\n" not in panel.status_label.text()
    panel.step_button.click()
    panel.wait()
    panel.refresh(force=True)
    assert s.iteration == 9 and "\n" not in panel.status_label.text()
    panel.stop()


def test_the_status_says_the_runs_own_loss_not_the_log_plots_floor(make_window):
    """The run's state read its loss from the log plot's points, floored at 1e-30: a loss of
    0 (the user's targets met exactly) read 'loss 1e-30 · validation 1e-30', and a negative
    one (binary_crossentropy on targets outside 0..1, as Keras computes it) too. It says
    the session's own numbers."""
    from lstmviz.app.training import Record, read_progress

    w = make_window()
    panel = w.train_panel
    s = panel.session
    arrays = [a.copy() for a in s.trainer.arrays]
    for it, (loss, val) in enumerate(((0.0, 0.0), (-2.853, -1.5)), start=1):
        progress = (it,) + read_progress(s.trainer)[1:]
        rec = Record(it, loss, 0.5, True, loss, val, None, None, 0.01, progress, None)
        assert s.apply_records(s.generation, [rec], arrays, arrays)
        panel.refresh(force=True)
        state = panel.status_label.text()
        assert f"loss {loss:.4g} \u00b7 validation {val:.4g}" in state, state
    panel.stop()


def test_the_train_tab_lets_the_window_shrink_to_800_px(make_window):
    """The Train tab's controls took as their least width the width they were last given
    (half of the tab): once shown at 1280 x 720 the window could not be made narrower than
    990 px, even on another tab, and a window opened at 800 x 600 grew to 848 px when the
    Train tab was shown, its plots past the screen's right edge. Their least width no longer
    follows the tab's: the window shrinks to 800 px with the side panel, the plots in it,
    and the controls scroll sideways only there."""
    from PySide6 import QtWidgets

    def settle():
        for _ in range(3):
            QtWidgets.QApplication.processEvents()

    for first in ((1280, 720), (800, 600)):
        w = make_window(first)
        panel = w.train_panel
        w.tabs.setCurrentWidget(panel)
        settle()
        w.resize(800, 600)
        settle()
        assert not w.side.isVisible()  # (it gives way to the plots there: S shows it)
        w.presenter.actions["side"].trigger()
        settle()
        assert w.minimumSizeHint().width() <= 800 and w.width() == 800, (first, w.minimumSizeHint())
        assert w.side.isVisible()
        tabs = panel.plot_tabs
        assert tabs.isVisible() and tabs.mapTo(w, tabs.rect().topRight()).x() <= w.width()
        assert panel.controls.geometry().right() < tabs.geometry().left()
        for b in (panel.play_button, panel.step_button, panel.reset_button):
            assert b.isVisible()
        w.tabs.setCurrentIndex(0)
        settle()
        assert w.minimumSizeHint().width() <= 800
        w.resize(1280, 720)
        w.tabs.setCurrentWidget(panel)
        settle()
        controls = panel.controls
        assert controls.widget().width() <= controls.viewport().width()  # no sideways scrolling there
        panel.stop()


def test_a_lesson_steps_updates_show_a_busy_cursor(make_window, monkeypatch):
    """A Train lesson's step runs its updates before it shows (160 of a 50-step LSTM in
    'Why LSTM', 480 in 'What the forget gate learns': 1.5 s here, more on a lecture
    laptop), and the window froze meanwhile without a sign that it works. The busy cursor
    shows while they run, and goes after."""
    from PySide6 import QtCore, QtWidgets

    from lstmviz.app.training import TrainingSession

    seen = []
    step = TrainingSession.step

    def spy(self):
        cursor = QtWidgets.QApplication.overrideCursor()
        seen.append(None if cursor is None else cursor.shape())
        return step(self)

    monkeypatch.setattr(TrainingSession, "step", spy)
    w = make_window()
    panel = w.train_panel
    panel.lesson_step({"task": "delay", "units": 3, "steps": 6, "updates": 3})
    assert seen == [QtCore.Qt.CursorShape.WaitCursor] * 3
    assert QtWidgets.QApplication.overrideCursor() is None
    panel.stop()


def test_typing_a_number_in_a_spin_box_takes_it_once_typed_as_the_side_panel_does(make_window, qtbot):
    """Typing "12" units built and reset a run of 1 unit, then one of 12 (a new run at every
    keystroke); now, as the side panel's boxes, the run is rebuilt once, when the number is
    entered. Every spin box of the tab (its gradient views' and the user box's too)."""
    from PySide6 import QtCore, QtWidgets

    w = make_window()
    w.tabs.setCurrentIndex(w.tabs.indexOf(w.train_page))
    panel = w.train_panel
    spins = panel.findChildren(QtWidgets.QAbstractSpinBox)
    assert panel.units_spin in spins and panel.grad_views.sample_spin in spins
    assert not [s for s in spins if s.keyboardTracking()]
    built = []
    panel.session.configure = lambda settings, f=panel.session.configure: (built.append(settings.units),
                                                                            f(settings))[1]
    panel.units_spin.setFocus()
    panel.units_spin.selectAll()
    qtbot.keyClicks(panel.units_spin, "12")
    assert built == []  # (a run of 1 unit, before: [1, 12])
    qtbot.keyClick(panel.units_spin, QtCore.Qt.Key.Key_Return)
    assert built == [12] and panel.units_spin.value() == 12
    panel.stop()


def test_a_narrow_header_over_the_train_tab_keeps_the_task_whole(make_window, qtbot):
    """At 1024 x 768 presenting, lesson 10's header ended "Remember the first i…": where the
    whole title does not fit, a shorter form of it does ("LSTM(8) · 20 steps · Remember the
    first input"), the task whole; the whole title in the tooltip."""
    w = make_window()
    w.tabs.setCurrentIndex(w.tabs.indexOf(w.train_page))
    panel = w.train_panel
    titles = panel.session.titles()
    assert titles[0] == panel.session.title() and titles[-1].startswith("LSTM(")
    task = panel.session.task.title
    assert all(t.endswith(task) for t in titles)
    label = w.train_title
    qtbot.waitUntil(label.isVisible)
    fm = label.fontMetrics()
    label.resize(fm.horizontalAdvance(titles[-1]) + 4, label.height())
    assert label.text() == titles[-1] and label.toolTip() == titles[0]
    label.resize(fm.horizontalAdvance(titles[0]) + 4, label.height())
    assert label.text() == titles[0]
    label.resize(fm.horizontalAdvance(titles[-1]) // 2, label.height())
    assert label.text().endswith("\u2026") and label.text()[:-1] in titles[-1]
    panel.stop()


def test_the_header_over_the_train_tab_names_its_run_and_update_not_the_stacks_step(make_window, qtbot):
    """Over the Train tab, the window's header said the stack's layer, unit and
    't = 0 / 39' (the views' sequence of 40 steps), nothing of the 20-step run the tab
    trains. It now names that run (its cell and units, its timesteps, its task) and its
    update; back on a view, the stack's layer, unit and step again."""
    w = make_window()
    w.tabs.setCurrentIndex(w.tabs.indexOf(w.train_page))
    panel = w.train_panel
    session = panel.session
    total = session.trainer.epochs * session.trainer.batches_per_epoch
    assert not w.layer_combo.isVisible() and not w.cursor_label.isVisible()
    assert w.train_title.full_text() == session.title()
    assert session.title() == (f"Training LSTM ({session.model.layers[0].units} units) \u00b7 "
                               f"{session.data.x_train.shape[1]} timesteps \u00b7 {session.task.title}")
    qtbot.waitUntil(w.train_update_label.isVisible)  # (laid out)
    assert w.train_update_label.text() == f"update 0 / {total}"
    panel.one_update()
    panel.wait()
    panel.refresh(force=True)
    assert w.train_update_label.text() == f"update 1 / {total}"
    panel.units_spin.setValue(12)
    assert "LSTM (12 units)" in w.train_title.full_text()
    w.tabs.setCurrentIndex(0)
    assert w.layer_combo.isVisible() and not w.train_title.isVisible()
    assert w.cursor_label.text() == f"t = {w.state.cursor.step} / {w.state.timesteps - 1}"
    panel.stop()


def _diverged_panel(make_window):
    """The Train tab of a new window after a run of sgd at a learning rate of 10, trained
    update by update until its loss became infinite and the run stopped."""
    w = make_window()
    w.tabs.setCurrentIndex(w.tabs.indexOf(w.train_page))
    return _diverge(w.train_panel)


def _diverge(panel):
    """``panel``'s run made sgd at a learning rate of 10, trained update by update until
    its loss became infinite and the run stopped; gives the panel."""
    panel.opt_combo.setCurrentText("sgd")
    panel.lr_spin.setValue(10.0)
    s = panel.session
    while not s.stopped and s.iteration < 160:
        panel.one_update()
        panel.wait()
    panel.refresh(force=True)
    return panel


def test_a_diverged_run_says_so_in_the_loss_plot_over_its_finite_losses(make_window, qtbot):
    """sgd at a learning rate of 10: the loss grows to inf and the run stops. The log plot
    holds only the finite losses, and said nothing of the last (a run that diverged at its
    second update showed one unmarked point, no line, and one tick). Now its finite losses
    are marked and the plot says where the loss became infinite."""
    import math

    panel = _diverged_panel(make_window)
    s = panel.session
    losses = s.view().history.loss
    n = len(losses)
    assert s.stopped and not math.isfinite(losses[-1]) and all(math.isfinite(v) for v in losses[:-1])
    note = panel.diverged_note
    qtbot.waitUntil(note.isVisible)
    assert note.text() in (f"\u2191 loss {losses[-1]} at update {n}: the run diverged",
                           f"\u2191 {losses[-1]} at update {n}")
    vb = panel.loss_plot.vb
    assert 0 <= note.pos().x() and note.pos().x() + note.boundingRect().width() <= vb.width()
    assert panel.curve_loss.opts["symbol"] == "o"  # its few finite losses marked
    lo, hi = vb.viewRange()[1]  # (log10) the frame holds every finite loss
    assert lo <= math.log10(min(losses[:-1])) and math.log10(max(losses[:-1])) <= hi
    panel.reset_button.click()
    panel.refresh(force=True)
    assert not note.isVisible() and panel.curve_loss.opts["symbol"] is None
    panel.stop()


def test_a_diverged_updates_gradient_through_time_shows_no_made_up_norms(make_window, qtbot):
    """sgd at a learning rate of 10: the update whose loss became infinite has norms of 0
    (or not numbers) at most steps; the log plot drew them at its 1e-30 floor, a line along
    the bottom that read as real, tiny gradients, and stretched its axis down to 1e-31. As
    the loss curve does, only its finite norms are drawn, marked; the others are missing."""
    import math

    panel = _diverged_panel(make_window)
    s = panel.session
    v = s.view()
    assert not math.isfinite(v.history.loss[-1])
    for curve, norms in ((panel.curve_dh, v.dh_norm), (panel.curve_dc, v.dc_norm)):
        norms = np.asarray(norms, np.float64)
        real = np.isfinite(norms) & (norms > 0)
        assert (~real).any() and real.any()  # (the case: norms that are not real values)
        x, y = curve.getData()
        assert np.array_equal(x, np.arange(len(norms)))
        assert np.all(np.isnan(y[~real])), y
        assert np.allclose(y[real], np.log10(norms[real]))
        assert curve.opts["symbol"] is not None  # the few finite ones marked
    lo, hi = panel.step_plot.vb.viewRange()[1]
    finite = np.log10(v.dh_norm[np.isfinite(v.dh_norm) & (v.dh_norm > 0)])
    assert lo > finite.min() - 3 and lo <= finite.min() and hi >= finite.max()
    panel.reset_button.click()
    panel.one_update()
    panel.wait()
    panel.refresh(force=True)
    x, y = panel.curve_dh.getData()
    assert np.all(np.isfinite(y))  # a run that did not diverge: every step drawn
    panel.stop()


def test_the_loss_legend_fits_a_narrow_plot_on_a_1024_x_768_projector(make_window, qapp):
    """Switched to the projector theme at 1024 x 768 beside the side panel (S) the loss plot's
    view is ~190 px wide: its legend, one entry a row, kept the whole names, cut at the
    plot's edge ("train, per u", "train, per e") since the short ones took as many rows. A whole name wider than
    the plot now gives way to the short one ("per update"); each legend stays above its plot,
    every label within the plot's width."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th

    w = make_window((1024, 768))
    panel = w.train_panel
    try:
        w.set_theme("projector")
        w.resize(1024, 768)
        w.tabs.setCurrentWidget(panel)
        panel.step_button.click()
        panel.wait()
        panel.refresh(force=True)
        w.presenter.actions["side"].trigger()  # (it gave way to the plots: S shows it)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        assert w.splitter.sizes()[0] > 0  # (beside the side panel)
        names = [label.item.toPlainText().strip("\u200b") for _, label in panel.legend.items]
        # (the title given up, the legend reaches over the left axis' column: the whole
        # names fit there in as few rows as the short ones)
        assert names in (["per update", "per epoch", "validation"],
                         ["train, per update", "train, per epoch", "validation"]), names
        _legends_cover_no_curve(panel)
    finally:
        panel.stop()
        th.apply("dark", qapp)


def test_a_curve_pinned_at_another_length_says_its_steps(make_window):
    """A SimpleRNN's ||dL/dh_t|| pinned at 30 steps beside an LSTM's of 12 read as the same
    sequence ("SimpleRNN (pinned)"), their steps 0 side by side though the pinned one's
    last step is 18 further on. Its legend entry now says its length where the run on the
    tab has another ("SimpleRNN, 30 steps (pinned)"), and only then."""
    w = make_window()
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.lesson_step({"task": "delay", "cell": "SimpleRNN", "units": 4, "steps": 30, "updates": 1})
    panel.pin()

    def pinned_name():
        return next(label.text for sample, label in panel.step_legend.items if sample.item is panel.pinned_dh)

    assert "SimpleRNN (pinned)" in pinned_name()
    panel.lesson_step({"cell": "LSTM", "steps": 12, "updates": 1})
    xs, _ = panel.pinned_dh.getData()
    assert len(xs) == 30 and len(panel.curve_dh.getData()[0]) == 12
    assert "SimpleRNN, 30 steps (pinned)" in pinned_name()
    panel.lesson_step({"steps": 30, "updates": 1})
    assert "SimpleRNN (pinned)" in pinned_name()
    panel.stop()


def test_one_update_under_way_is_said_until_it_is_done(make_window, qtbot, monkeypatch):
    """One update of an LSTM(512) over 500 steps takes seconds on the worker thread; all that
    time the status read "update 0 · epoch 1/20" and the loss plot "▶ Play or One update to
    train", as if the press had done nothing (pressed again, it queued a second update).
    While it runs the status says so ("computing update 1…"); done, the line goes."""
    import threading

    from lstmviz.app.training import TrainingSession

    w = make_window()
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    gate = threading.Event()
    real = TrainingSession.step

    def slow(self):
        gate.wait(30)  # (an update that takes a while)
        return real(self)

    monkeypatch.setattr(TrainingSession, "step", slow)
    panel.step_button.click()
    panel.refresh()
    assert panel.status_label.text().split("\n")[1:] == ["computing update 1\u2026"]
    gate.set()
    panel.wait()
    qtbot.waitUntil(lambda: "\n" not in panel.status_label.text(), timeout=10000)
    assert panel.status_label.text().startswith("update 1 \u00b7 epoch 1/60 \u00b7 loss ")
    panel.stop()


def test_a_narrow_loss_plot_still_says_the_run_diverged(make_window, qtbot, qapp):
    """In the projector theme at 1024 x 768 beside the side panel (S) the loss plot's view is
    under 200 px wide: neither "↑ loss inf at update 12: the run diverged" nor "↑ inf at
    update 12" fit it, and the plot said nothing of the run's end (its last finite loss
    drawn as if the run went on). Where those do not fit, it says "↑ inf"."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th

    panel = _diverged_panel(make_window)
    w = panel.window()
    try:
        w.set_theme("projector")
        w.resize(1024, 768)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        if not w.side.isVisible():  # (it gave way to the plots: S shows it)
            w.presenter.actions["side"].trigger()
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        assert w.side.isVisible()
        panel.refresh(force=True)
        last = panel.session.view().history.loss[-1]
        note, vb = panel.diverged_note, panel.loss_plot.vb
        qtbot.waitUntil(note.isVisible, timeout=5000)
        assert note.text() == f"\u2191 {last}", note.text()
        assert 0 <= note.pos().x() and note.pos().x() + note.boundingRect().width() <= vb.width()
    finally:
        panel.stop()
        th.apply("dark", qapp)


def test_saving_a_diverged_run_says_so_and_saves_it(make_window, tmp_path):
    """"Save as .keras…" on a run that diverged wrote its weights and said only "Saved the
    model at update 12": a file that computes inf, or NaN from weights that are not numbers,
    without a word. It is still saved (the user's work is never lost), and the confirmation
    says the run diverged, and names the weights that are not numbers as opening the file
    does (``Model.nonfinite_weights``); a snapshot from before says only that the optimizer's
    state is not in it (the run keeps it where it stands)."""
    import lstmviz

    panel = _diverged_panel(make_window)
    w = panel.window()
    s = panel.session
    n = s.view().iteration
    assert s.blown is not None and s.blown[0] == n
    assert panel.save_keras(tmp_path / "diverged.keras") == n
    assert w.last_message == (f"Saved the model at update {n} to diverged.keras; the run diverged at update {n}, "
                              "these weights are from where it stopped (an earlier snapshot on the Snapshots "
                              "slider is from before it)")
    assert lstmviz.load(tmp_path / "diverged.keras").nonfinite_weights() is None
    # weights that overflowed to NaN on the way (the snapshot of the update it stopped at)
    with s.data_lock:
        s.snapshots[-1][1][0][0, 1] = np.nan
    assert panel.save_keras(tmp_path / "nan.keras") == n
    broken = lstmviz.load(tmp_path / "nan.keras").nonfinite_weights()
    assert broken and "is NaN" in broken
    assert w.last_message.startswith(f"Saved the model at update {n} to nan.keras; its weights are not all "
                                     f"numbers: {broken}; the run diverged at update {n} (")
    panel.time_slider.setValue(1)  # a snapshot from before: said as ever
    assert panel.save_keras(tmp_path / "early.keras") == 1
    assert w.last_message == ("Saved the model at update 1 to early.keras (the SGD state is not saved, it is kept "
                              "only where the run stands: Keras' fit of this file starts SGD afresh)")
    panel.stop()


def _note_covers(panel) -> list:
    """The loss curves' points (and points along their lines, every pixel or so) that lie
    under the diverged note, in the loss plot's view (its pixels)."""
    from PySide6 import QtCore

    vb, note = panel.loss_plot.vb, panel.diverged_note
    rect = note.mapRectToParent(note.boundingRect())
    under = []
    for curve in (panel.curve_loss, panel.curve_epoch, panel.curve_val):
        xs, ys = curve.getData()
        if xs is None or not len(xs):
            continue
        pts = [vb.mapFromView(QtCore.QPointF(float(x), float(y))) for x, y in zip(xs, ys) if np.isfinite(y)]
        pad = curve.opts["size"] / 2 if curve.opts["symbol"] is not None else 1
        for p in pts:
            if rect.adjusted(-pad, -pad, pad, pad).contains(p):
                under.append((curve.name(), p))
        for a, b in zip(pts, pts[1:]):
            for k in np.linspace(0, 1, 200):
                q = a * (1 - k) + b * k
                if rect.contains(q):
                    under.append((curve.name(), q))
                    break
    return under


@pytest.mark.parametrize("theme,size", [("dark", (1400, 900)), ("projector", (1024, 768))])
def test_the_diverged_note_covers_no_loss(make_window, qtbot, qapp, theme, size):
    """The "↑ loss inf at update 12: the run diverged" note stood at the loss plot's top
    right, over the last finite losses it is about (their points and line, which rise to
    that corner). It now stands in a corner free of every curve's points and lines, its
    longest text that has one."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th

    panel = _diverged_panel(make_window)
    w = panel.window()
    try:
        w.set_theme(theme)
        w.resize(*size)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        panel.refresh(force=True)
        QtWidgets.QApplication.processEvents()
        note = panel.diverged_note
        qtbot.waitUntil(note.isVisible, timeout=5000)
        assert _note_covers(panel) == []
        assert note.text().startswith("\u2191 ")
        vb = panel.loss_plot.vb
        box = note.mapRectToParent(note.boundingRect())
        assert 0 <= box.left() and box.right() <= vb.width() and 0 <= box.top() and box.bottom() <= vb.height()
    finally:
        panel.stop()
        th.apply("dark", qapp)


def test_the_side_panel_gives_way_to_the_train_tabs_plots_in_a_narrow_window(make_window, qapp):
    """In the projector theme at 1024 x 768, not presenting, the Train tab's plots had ~216
    px beside the side panel and the tab's controls: titles, legends and axis labels cut,
    nothing a hall could read. Where the plots beside the side panel would be narrower than
    ``PLOTS_LEAST``, the side panel now gives way on the Train tab (as presenting on a
    narrow screen), said once in the status bar, and comes back, as wide as it was, on
    another tab; View > Side panel (S) shows it there all the same, kept by a resize that
    leaves the window as narrow. A wide window keeps it beside the tab."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th

    def settle():
        for _ in range(4):
            QtWidgets.QApplication.processEvents()

    w = make_window((1024, 768))
    try:
        w.set_theme("projector")
        w.resize(1024, 768)
        settle()
        side = w.splitter.sizes()[0]
        assert side > 0 and w.side.isVisible()
        panel = w.train_panel
        w.tabs.setCurrentWidget(panel)
        panel.step_button.click()
        panel.wait()
        panel.refresh(force=True)
        settle()
        assert not w.side.isVisible()
        from lstmviz.ui.presentation import SIDE_GAVE_WAY
        from lstmviz.ui.train_panel import PLOTS_LEAST

        assert w.last_message == SIDE_GAVE_WAY
        assert panel.plot_tabs.width() >= PLOTS_LEAST
        for plot in (panel.loss_plot, panel.step_plot):  # titles whole (a short one at most)
            assert plot.titleLabel.item.boundingRect().width() <= plot.width()
            assert plot.vb.width() >= PLOTS_LEAST * 0.75
        _legends_cover_no_curve(panel)
        w.tabs.setCurrentIndex(0)
        settle()
        assert w.side.isVisible() and abs(w.splitter.sizes()[0] - side) <= 2
        w.tabs.setCurrentWidget(panel)
        settle()
        assert not w.side.isVisible()
        w.presenter.actions["side"].trigger()  # S: the user's call
        settle()
        assert w.side.isVisible()
        w.resize(1000, 768)  # as narrow: kept
        settle()
        assert w.side.isVisible()
        w.resize(1600, 900)
        settle()
        assert w.side.isVisible()
        w.resize(1024, 768)  # narrow again: gives way again
        settle()
        assert not w.side.isVisible()
        w.resize(1600, 900)  # wide: back beside the tab
        settle()
        assert w.side.isVisible() and panel.plot_tabs.width() >= PLOTS_LEAST
    finally:
        w.train_panel.stop()
        th.apply("dark", qapp)


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_a_window_opened_on_the_train_tab_with_room_keeps_its_side_panel_throughout(qapp, monkeypatch, theme):
    """A window opened on the Train tab (``--view train``) at 1600 x 900 hid the side panel
    and showed it again at once: each resize of the tab was judged as it came, and the
    first layouts passed through a tab too narrow for the plots beside the panel (a
    flash, and "gives way" in the status bar beside the panel until session 40 took the
    note away). Judged once the layouts settle: the side panel is never hidden there,
    and at 1024 x 768 it gives way once."""
    from PySide6 import QtCore, QtWidgets

    from lstmviz.ui import presentation as pr
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window

    calls = []
    real = pr.Presenter.set_side
    monkeypatch.setattr(pr.Presenter, "set_side", lambda self, on: (calls.append(on), real(self, on))[1])
    for size, hidden in (((1600, 900), []), ((1024, 768), [False])):
        calls.clear()
        w = make_window(None, theme, quiet=True)
        try:
            w.tabs.setCurrentWidget(w.train_panel)
            w.resize(*size)
            w.show()
            for _ in range(20):
                QtWidgets.QApplication.processEvents()
                QtCore.QThread.msleep(5)
            assert calls == hidden, (size, calls)
            assert w.side.isVisible() == (not hidden)
            assert (w.statusBar().currentMessage() == pr.SIDE_GAVE_WAY) == bool(hidden)
        finally:
            dispose(w)
            th.apply("dark", qapp)


@pytest.mark.parametrize("present", [False, True])
@pytest.mark.parametrize("size", [(1024, 768), (800, 600)])
def test_every_inner_tab_of_the_train_tab_is_in_sight_on_a_small_projector(make_window, qapp, size, present):
    """In the projector theme at 1024 x 768, not presenting, the controls took half the Train
    tab and its inner tab bar (Curves, dL/dh, Connectivity, Gates, Updates) 490 of the 542 px
    its names need: "Updates" cut to "U" behind scroll arrows. The controls now leave the
    plots the tab bar's width where they can stay wider than their least: every tab whole,
    no scroll arrows, whichever tab is picked (fitted with Curves picked, the bar overflowed
    into scroll arrows once Connectivity, wider in bold, was picked)."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th

    w = make_window(size)
    panel = w.train_panel
    try:
        _projector_train_tab(w, size, present)
        bar = panel.plot_tabs.tabBar()
        assert bar.count() == 5
        for k in range(bar.count()):
            panel.plot_tabs.setCurrentIndex(k)
            QtWidgets.QApplication.processEvents()
            for i in range(bar.count()):
                rect = bar.tabRect(i)
                assert rect.left() >= 0 and rect.right() < bar.width(), (k, i, bar.tabText(i), rect, bar.width())
            arrows = [b for b in bar.findChildren(QtWidgets.QToolButton) if b.isVisible()]
            assert not arrows, k
        controls = panel.controls
        assert controls.widget().width() <= controls.viewport().width()  # no sideways scrolling
    finally:
        panel.stop()
        th.apply("dark", qapp)


def _projector_train_tab(w, size, present: bool) -> None:
    """Window ``w`` in the projector theme at ``size`` (presenting in a window of that
    screen's height if ``present``) on its Train tab, laid out."""
    from PySide6 import QtWidgets

    w.set_theme("projector")
    if present:
        p = w.presenter
        p.fullscreen = False
        p.screen_height = size[1]
        p.enter()
    w.resize(*size)
    w.tabs.setCurrentWidget(w.train_panel)
    for _ in range(4):
        QtWidgets.QApplication.processEvents()


def _drawn_in_controls(panel, widget, text: str | None = None):
    """Where ``widget`` (a label: where its ``text``, or its own, is drawn) lies in the
    controls' viewport, as a QRect."""
    from PySide6 import QtCore, QtWidgets

    rect = widget.rect()
    if isinstance(widget, QtWidgets.QLabel):
        rect = widget.style().itemTextRect(widget.fontMetrics(), widget.contentsRect(), int(widget.alignment()),
                                           True, widget.text() if text is None else text)
    top_left = widget.mapTo(panel.controls.viewport(), rect.topLeft())
    return QtCore.QRect(top_left, rect.size())


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1280, 800)])
def test_play_and_the_runs_line_are_whole_on_a_projectors_train_tab(make_window, qapp, size):
    """In the projector theme at 1024 x 768 the run's line ("update 0 · epoch 1/20") was
    drawn in the middle of its two lines' box, half a line under Play, where the controls'
    bottom edge cut it through. Its first line is at the top of its box, and the buttons
    and that line are whole in the controls' view without scrolling. At 1280 x 800 the
    controls beside the side panel (~340 px wide, their words wrapped) cut the buttons in
    half, at 1280 x 720 they were below the view: there the side panel gives way to the
    tab, as where its plots would be squeezed, and comes back on another tab."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th
    from lstmviz.ui.presentation import SIDE_GAVE_WAY

    w = make_window(size)
    panel = w.train_panel
    try:
        _projector_train_tab(w, size, False)
        assert not w.side.isVisible() and w.last_message == SIDE_GAVE_WAY
        assert panel.run_in_sight()
        view = panel.controls.viewport().rect()
        assert panel.controls.verticalScrollBar().value() == 0
        label = panel.status_label
        assert "\n" not in label.text() and label.text().startswith("update 0")
        line = _drawn_in_controls(panel, label)
        assert line.height() <= label.fontMetrics().lineSpacing() + 1  # (one line)
        for rect in (_drawn_in_controls(panel, b) for b in (panel.play_button, panel.step_button,
                                                                panel.reset_button)):
            assert view.contains(rect), (rect, view)
            assert rect.bottom() < line.top() <= rect.bottom() + label.fontMetrics().lineSpacing() // 2
        assert view.contains(line), (line, view)
        # beside the side panel they would not be (its own answer, laid out there, agrees)
        w.presenter.set_side(True)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        assert not panel.run_in_sight()
        assert not view.contains(_drawn_in_controls(panel, label)) or not view.contains(
            _drawn_in_controls(panel, panel.play_button))
        w.tabs.setCurrentIndex(0)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        assert w.side.isVisible()
    finally:
        panel.stop()
        th.apply("dark", qapp)


@pytest.mark.parametrize("present", [False, True])
def test_why_a_run_stopped_is_in_sight_on_a_1024_x_768_projector(make_window, qapp, present):
    """In the projector theme at 1024 x 768 a run that stopped (its loss overflowed) said why
    under the status' first line, below the controls' bottom edge: the reason cut, unread.
    When the state says more than its first line, the controls scroll to it: the whole
    status in sight, under Play / One update / Reset."""
    from PySide6 import QtCore, QtWidgets

    from lstmviz.ui import theme as th

    def settle():
        for _ in range(4):
            QtWidgets.QApplication.processEvents()

    w = make_window((1024, 768))
    panel = w.train_panel
    try:
        _projector_train_tab(w, (1024, 768), present)
        s = _diverge(panel).session
        settle()
        assert s.stopped and "\n" in panel.status_label.text()
        view = panel.controls.viewport()
        label = panel.status_label
        top = label.mapTo(view, QtCore.QPoint(0, 0)).y()
        assert 0 <= top and top + label.height() <= view.height(), (top, label.height(), view.height())
        play = panel.play_button
        assert play.mapTo(view, QtCore.QPoint(0, play.height())).y() <= top
    finally:
        panel.stop()
        th.apply("dark", qapp)


def test_the_snapshot_slider_keeps_its_width_as_the_updates_grow_and_go_back(make_window):
    """The snapshot slider's "update 9" label widened at update 10 (and at 100, 1000), and
    narrowed again as the lecturer dragged the slider back to update 9: the slider beside
    it jumped 10 px at each. The label is as wide as the run's last update from the start."""
    from PySide6 import QtWidgets

    w = make_window((1280, 800))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.session.snapshot_every = 3
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6, epochs=3))
    QtWidgets.QApplication.processEvents()
    seen = set()
    for _ in range(14):
        panel.session.step()
        panel.refresh(force=True)
        QtWidgets.QApplication.processEvents()
        seen.add((panel.time_slider.geometry().getRect(), panel.time_label.geometry().getRect()))
    snaps = [it for it, *_ in panel.session.snapshots]
    assert snaps[-1] >= 12 and any(it < 10 for it in snaps)
    for k in (len(snaps) - 1, 1, len(snaps) - 1, 0):  # (update 12, 3, 12, 0)
        panel.time_slider.setValue(k)
        QtWidgets.QApplication.processEvents()
        assert panel.time_label.text() == f"update {snaps[k]}"
        seen.add((panel.time_slider.geometry().getRect(), panel.time_label.geometry().getRect()))
    assert len(seen) == 1, seen
    panel.stop()


def _cut_at_top(panel) -> list[str]:
    """The controls' widgets that the top edge of their scrolled view cuts through."""
    from PySide6 import QtCore, QtWidgets

    content = panel.controls.widget()
    v = panel.controls.verticalScrollBar().value()
    room = panel.controls.viewport().height()
    cut = []
    for c in content.findChildren(QtWidgets.QWidget):
        if not c.isVisible() or c.height() > room / 2:
            continue
        top = c.mapTo(content, QtCore.QPoint(0, 0)).y()
        if top < v < top + c.height():
            cut.append(c.text() if isinstance(c, QtWidgets.QLabel) else type(c).__name__)
    return cut


def test_one_update_on_a_1024_x_768_projector_leaves_the_controls_whole_and_marks_its_point(make_window, qapp):
    """In the projector theme at 1024 x 768, One update said 'computing update 1…' under
    the run's line, scrolled the controls 21 px to show it, and left them there: the "Task"
    label cut in half. The scroll stops at a row's edge and goes back when the line does.
    The loss plot at update 1 showed only a dot of the thin line's width: its one point is
    a marker, until there are two."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th

    def settle():
        for _ in range(4):
            QtWidgets.QApplication.processEvents()

    w = make_window((1024, 768))
    panel = w.train_panel
    try:
        w.set_theme("projector")
        w.resize(1024, 768)
        w.tabs.setCurrentWidget(panel)
        settle()
        bar = panel.controls.verticalScrollBar()
        assert bar.value() == 0 and bar.maximum() > 0
        panel.step_button.click()
        panel.wait()
        panel.refresh(force=True)
        settle()
        assert "\n" not in panel.status_label.text()
        assert bar.value() == 0 and not _cut_at_top(panel), (bar.value(), _cut_at_top(panel))
        assert panel.curve_loss.opts["symbol"] == "o"  # one point: marked
        # a second line that stays (a refusal): in sight, no control cut at the top
        panel.set_error("the run's reason, said under its line")
        settle()
        assert bar.value() > 0 and not _cut_at_top(panel), (bar.value(), _cut_at_top(panel))
        label = panel.status_label
        top = label.mapTo(panel.controls.widget(), label.rect().topLeft()).y()
        assert bar.value() <= top and top + label.height() <= bar.value() + panel.controls.viewport().height()
        panel.set_error("")
        settle()
        assert bar.value() == 0  # (back where it was: the user had not scrolled)
        panel.step_button.click()
        panel.wait()
        panel.refresh(force=True)
        settle()
        assert panel.curve_loss.opts["symbol"] is None  # two points: a line
    finally:
        panel.stop()
        th.apply("dark", qapp)


def test_every_number_the_curves_and_status_show_equals_an_engine_run_of_the_same_settings(make_window):
    """The loss per update, the gradient norm per update, the epoch's loss, the validation
    loss, the last update's ||dL/dh_t|| and ||dL/dc_t|| and the status line, after 10
    updates (an epoch's end among them), equal a run of the engine's own Trainer on the
    task's data, model, optimizer and shuffling (the tab's defaults: delay, LSTM(8), adam
    at the task's 0.01, batch 32, seed 0), computed here without the app's session."""
    from lstmviz.app import tasks
    from lstmviz.app.training import step_norms
    from lstmviz.engine import blas
    from lstmviz.engine.optimizers import make
    from lstmviz.engine.train import Trainer, evaluate

    w = make_window()
    panel = w.train_panel
    for _ in range(10):
        panel.session.step()
    panel.refresh(force=True)

    task = tasks.get("delay")
    data, model = task.data(seed=0), task.model(seed=0)
    trainer = Trainer(model, data.x_train, data.y_train, task.loss, make("adam", task.learning_rate),
                      task.batch_size, task.epochs, True, 0)
    loss, norm, epoch_loss, val = [], [], [], []
    with blas.single_threaded():  # (as every update runs, here and in the training process)
        for _ in range(10):
            upd = trainer.step()
            loss.append(upd.loss)
            norm.append(upd.grad_norm)
            if upd.epoch_end:
                epoch_loss.append(upd.epoch_loss)
                val.append(evaluate(model, data.x_val, data.y_val, task.loss))
    dh, dc = step_norms(upd.grads, model.layers[0].name)

    def shown(curve):  # (a log axis: pyqtgraph hands back log10 of y)
        x, y = curve.getData()
        return np.asarray(x), 10 ** np.asarray(y, np.float64)

    for curve, want, xs in ((panel.curve_loss, loss, range(1, 11)), (panel.curve_norm, norm, range(1, 11)),
                            (panel.curve_epoch, epoch_loss, [8]), (panel.curve_val, val, [8]),
                            (panel.curve_dh, dh, range(20)), (panel.curve_dc, dc, range(20))):
        x, y = shown(curve)
        np.testing.assert_array_equal(x, list(xs))
        np.testing.assert_allclose(y, want, rtol=1e-9)
    assert panel.status_label.text().split("\n")[0] == (
        f"update 10 \u00b7 epoch 2/60 \u00b7 loss {loss[-1]:.4g} \u00b7 validation {val[-1]:.4g}")
    panel.stop()


def test_snapshots_thinned_to_their_budget_are_said_and_the_slider_stays_on_its_update(make_window, monkeypatch):
    """Snapshots every update of a large model kept gigabytes in a long Play; now they are
    thinned within their budget (a share of the memory limit), and the tab says so beside
    "Snapshot every" and in the slider's tooltip. The slider spans the run, and one left on
    an update stays there (or on the snapshot kept before it) as the snapshots are thinned."""
    from PySide6 import QtWidgets

    from lstmviz import limits
    from lstmviz.engine.train import trainable_arrays

    w = make_window((1280, 800))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.snap_spin.setValue(1)
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6, epochs=40))
    s = panel.session
    budget = 10 * sum(a.nbytes for a in trainable_arrays(s.model))
    monkeypatch.setattr(limits, "SNAPSHOT_SHARE", (budget + 0.5) / limits.memory_limit(), raising=False)
    for _ in range(6):
        s.step()
    panel.refresh(force=True)
    assert not panel.snap_note.isVisible() and "kept every" not in panel.time_slider.toolTip()
    panel.time_slider.setValue(5)  # the user looks at update 5
    assert panel.time_label.text() == "update 5"
    for _ in range(200):
        s.step()
        panel.refresh(force=True)
    QtWidgets.QApplication.processEvents()
    snaps = [it for it, _ in s.snapshots]
    assert len(snaps) <= 10 and panel.time_slider.maximum() == len(snaps) - 1
    assert snaps[0] == 0 and snaps[-1] > 180  # the slider spans the run
    k = panel.time_slider.value()
    assert snaps[k] == max(it for it in snaps if it <= 5) and panel.time_label.text() == f"update {snaps[k]}"
    stride = s.snapshot_stride
    assert stride >= 32
    assert panel.snap_note.isVisible() and panel.snap_note.text() == f"Snapshots kept every {stride} updates (memory)"
    assert f"Snapshots kept every {stride} updates (not every 1)" in panel.time_slider.toolTip()
    assert "the first, the latest and those where the run stopped are kept" in panel.snap_note.toolTip()
    panel.reset_button.click()
    panel.refresh(force=True)
    assert not panel.snap_note.isVisible() and "kept every" not in panel.time_slider.toolTip()
    panel.stop()


def test_a_run_shown_again_frames_its_own_losses_not_the_last_runs(make_window):
    """The loss plot's frame grows with a run's data and is kept while they fill a third of
    it; it was kept across runs too: a run trained earlier shown again (the user's own
    after a lesson's, "Why LSTM", ended) had its losses drawn in the other run's frame: the
    parity task's losses of 0.69 in a frame from 0.056 to 1 (the adding task's, 0.74 to
    0.09), 1.5 in one from 0.07 to 2. Another run shown, as a new run, starts a frame
    around its own data, as in a window that showed nothing before."""
    from lstmviz.ui.train_panel import log_frame

    w = make_window((1280, 800))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    Settings = panel.session.settings.__class__

    def train(n):
        for _ in range(n):
            panel.session.step()
            panel.refresh()
        panel.refresh(force=True)

    def frames():
        """(the loss plot's frame, the frame of its data alone, the view's log range)"""
        h = panel.session.view().history
        alone = log_frame(min(h.loss + h.val_loss), max(h.loss + h.val_loss))
        return panel._frames[id(panel.loss_plot)][1:], alone, panel.loss_plot.vb.viewRange()[1]

    from lstmviz.app.training import TrainingSession

    parity = TrainingSession(Settings(task="parity", units=4, steps=8, epochs=3))
    panel.use_session(parity)
    train(24)
    frame, alone, _ = frames()
    assert frame == alone
    panel.use_session(TrainingSession(Settings(task="adding", units=4, steps=8, epochs=3)))
    train(24)
    frame, alone, _ = frames()
    assert frame == alone and frame[0] < np.log10(0.1) * 4  # (down to the adding run's 0.09)
    panel.use_session(parity)  # the earlier run shown again
    frame, alone, (y0, y1) = frames()
    assert frame == alone, (frame, alone)  # not the adding run's frame
    assert y0 > np.log10(0.2) and y1 < np.log10(1.5)  # losses of 0.69 fill their plot
    panel.stop()


def test_a_lesson_in_a_1280_x_720_projector_window_shows_the_plot_it_talks_about(make_window, qapp):
    """'Why LSTM: the vanishing gradient' from Help > Lessons (or ``--lesson 10``) in the
    projector theme at 1280 x 720, not presenting: under the lesson's caption the loss and
    the gradient through time shared ~340 px, and each view was ~46 px high, the gradient's
    seven decades with one label ("10^-7") and a curve that looked flat, the very curve the
    caption's "400,000x less gradient" is about. A lesson step's ``curve`` is now shown
    alone wherever the curves have room for one plot only, in a window as when presenting."""
    from PySide6 import QtWidgets

    from helpers import lesson_step
    from lstmviz.ui import theme as th

    w = make_window((1280, 720))
    try:
        w.set_theme("projector")
        p = w.presenter
        panel = w.train_panel

        def at(title, step):
            lesson_step(w, title, step, (1280, 720))

        at("Why LSTM", 0)
        assert w.tabs.currentWidget() is panel and not p.active
        assert panel.step_plot.isVisible() and not panel.loss_plot.isVisible()
        assert panel.step_plot.vb.height() >= 120, panel.step_plot.vb.height()
        at("batch_size", 1)
        assert panel.loss_plot.isVisible() and not panel.step_plot.isVisible()
        assert panel.loss_plot.vb.height() >= 120
        p.tour.end()
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        assert panel.loss_plot.isVisible() and panel.step_plot.isVisible()
    finally:
        w.train_panel.stop()
        th.apply("dark", qapp)


def test_the_gradient_plots_hint_goes_once_a_lesson_step_has_trained_with_the_loss_plot_hidden(make_window, qapp):
    """'Why LSTM' step 2 (an LSTM's run of 160 updates, the gradient plot alone): the hint
    "each step's ||dL/dh||, after the first update" stayed over the drawn curves. Only the
    loss plot's hint being visible made the plot look at the hints again, and with the
    loss plot hidden its hint is never visible."""
    from PySide6 import QtWidgets

    from lstmviz.app import tours
    from lstmviz.ui import theme as th

    w = make_window((1280, 720))
    try:
        w.set_theme("projector")
        p = w.presenter
        panel = w.train_panel
        p.tour.start(next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title.startswith("Why LSTM")))
        for step in (0, 1):
            p.tour.go(step)
            for _ in range(2):
                w.resize(1280, 720)
                for _ in range(4):
                    QtWidgets.QApplication.processEvents()
            assert panel.step_plot.isVisible() and not panel.loss_plot.isVisible()
            assert panel.session.view().iteration > 0
            assert not panel.grad_hint.isVisible(), step
        p.tour.end()
    finally:
        w.train_panel.stop()
        th.apply("dark", qapp)


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_the_play_buttons_pause_is_drawn_not_a_missing_glyph(make_window, qapp, theme):
    """While it played, the Train tab's Play button read "⏸ Pause": U+23F8 is in none of
    a usual Linux desktop's fonts (DejaVu, Noto Sans, Droid Sans Fallback), and the hall
    saw an empty box before "Pause". Play and Pause now carry the player's own drawn icons
    (in the theme's foreground), the text only words the button's font holds."""
    from PySide6 import QtGui

    from lstmviz.ui import theme as th

    w = make_window((1280, 720))
    try:
        w.set_theme(theme)
        panel = w.train_panel
        w.tabs.setCurrentWidget(panel)
        b = panel.play_button
        for playing in (False, True, False):
            panel.set_playing(playing)
            metrics = QtGui.QFontMetrics(b.font())
            assert all(metrics.inFontUcs4(ord(ch)) for ch in b.text()), b.text()
            assert b.text() == ("Pause" if playing else "Play")
            assert not b.icon().isNull()
            assert b.iconSize().height() >= metrics.height() * 0.6
    finally:
        w.train_panel.stop()
        th.apply("dark", qapp)


def test_the_train_headers_title_takes_a_new_themes_size_at_once(make_window, qapp):
    """Over the Train tab the header's title ("Training LSTM (8 units) · 20 timesteps · ...")
    kept the size of the theme it was set in until the run moved or the tab changed: after
    F5 and Esc it stayed at the presentation's size (smaller than the projector theme's at
    1280 x 720), after View > Theme at the old theme's. A new theme sets it at once."""
    from helpers import present_on, settle
    from lstmviz.ui import theme as th

    w = make_window((1280, 720))
    try:
        panel = w.train_panel
        w.tabs.setCurrentWidget(panel)
        settle()
        assert w.train_title.isVisible()
        for name in ("projector", "light", "projector"):
            w.set_theme(name)
            settle()
            assert w.train_title.font().pointSize() == th.current().font(1.15).pointSize(), name
        window_size = w.train_title.font().pointSize()
        p = present_on(w, 1280, 720)
        settle()
        assert w.train_title.font().pointSize() == th.current().font(1.15).pointSize()
        p.leave()
        w.resize(1280, 720)
        settle()
        assert th.current().name == "projector"
        assert w.train_title.font().pointSize() == window_size
    finally:
        w.train_panel.stop()
        th.apply("dark", qapp)


def test_the_views_header_says_they_show_a_training_snapshot(make_window, qapp):
    """After scrubbing the Snapshots slider to update 20, every view showed the trained
    model, but the header over the Cell, Over time, Weights and Unrolled tabs named layer,
    unit and step only: a fading status-bar message was all that said whose weights they
    were. The header says it ("weights of update 20 of 160", whole at 1280 x 720 in the
    projector theme, beside the step), and no more once it is not so: an undo of the scrub
    takes it away, a redo brings it back, a Reset of the run makes it an earlier run's
    update, and another stack ends it."""
    from PySide6 import QtWidgets

    w = make_window((1280, 720))
    panel = w.train_panel
    try:
        w.set_theme("projector")
        w.resize(1280, 720)
        w.tabs.setCurrentWidget(panel)
        session = panel.session
        for _ in range(20):
            session.step()
        session.keep_current()
        panel.refresh(force=True)
        assert not w.weights_note.isVisibleTo(w)  # (the stack's own weights: nothing said)
        assert panel.show_in_views(20, keep=False) == 20
        total = session.planned_updates
        whole = f"weights of update 20 of {total:,}"
        w.tabs.setCurrentIndex(1)  # the Cell view
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        note = w.weights_note
        assert note.isVisible() and note.text() == whole and note.toolTip() == whole
        assert w.cursor_label.isVisible() and w.cursor_label.text().startswith("t = ")  # (room for both)
        assert note.geometry().right() < w.cursor_label.parentWidget().geometry().left()
        assert w.sessions.undo()
        assert not note.isVisibleTo(w)
        assert w.sessions.redo()
        assert note.isVisible() and note.text() == whole
        assert w.last_message.startswith("Redone: the trained model at update 20")
        w.tabs.setCurrentWidget(panel)
        panel.reset()
        w.tabs.setCurrentIndex(3)  # the Weights view: the run they came from is gone
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        assert note.toolTip() == "weights of update 20 of an earlier run"
        assert note.text() in note.forms() and "earlier run" in note.text()
        w.state.new_stack()
        assert not note.isVisibleTo(w)
    finally:
        panel.stop()


def test_the_update_axes_past_a_thousand_updates_write_counts_as_the_app_does(make_window):
    """The Train tab's update axes past 1,000 updates read "2000" (pyqtgraph's form) where
    the header said "update 2,500 / 3,000"; they write "2,000" now, as every count."""
    from PySide6 import QtWidgets

    from helpers import axis_labels

    w = make_window((1024, 768))
    w.tabs.setCurrentIndex(w.tabs.count() - 1)
    QtWidgets.QApplication.processEvents()
    panel = w.train_panel
    panel._place(panel.loss_plot, 0.05, 0.8, 2500.0)  # (a run's frame at update 2,500)
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    shown = [text for _, text in axis_labels(panel.loss_plot.getAxis("bottom"))]
    assert "2,000" in shown and not any(t.isdigit() and len(t) > 3 for t in shown), shown


def test_presenting_at_800x600_the_train_controls_show_no_half_cut_row(make_window, qtbot):
    """F5 at 800 x 600 on the Train tab: the controls' viewport ended across "Pin gradient
    curve", half a button in sight. At every scroll no control is cut by the bottom edge (the
    viewport ends above a row it would cut; the top edge is where the user scrolled to), the
    scroll bar says there is more,
    and scrolling brings each one whole: "Pin gradient curve" among them."""
    from PySide6 import QtWidgets

    from helpers import present_on, settle

    w = make_window((800, 600))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    settle()
    p = present_on(w, 800, 600)
    try:
        settle(6)
        area, bar = panel.controls, panel.controls.verticalScrollBar()
        kinds = (QtWidgets.QAbstractButton, QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox,
                 QtWidgets.QSlider, QtWidgets.QLabel)
        controls = [c for c in area.widget().findChildren(QtWidgets.QWidget)
                    if isinstance(c, kinds) and c.isVisibleTo(area.widget())
                    and not isinstance(c.parentWidget(), kinds)]  # (a spin box's own parts aside)
        assert panel.pin_button in controls
        assert bar.isVisible() and bar.maximum() > 0
        whole = set()
        for value in [*range(0, bar.maximum(), 23), bar.maximum()]:
            bar.setValue(value)
            settle(1)
            seen = area.viewport().height()
            for c in controls:
                top = c.mapTo(area.viewport(), c.rect().topLeft()).y()
                bottom = top + c.height()
                assert not 0 <= top < seen < bottom, (
                    f"{c.__class__.__name__} {getattr(c, 'text', lambda: '')()!r} cut: {top}..{bottom} "
                    f"in a viewport of {seen} at {value}")
                if top >= 0 and bottom <= seen:
                    whole.add(c)
        assert panel.pin_button in whole
        assert set(controls) <= whole
    finally:
        p.leave()


def test_a_classification_run_draws_accuracy_beside_the_loss_as_fit_records_it(make_window, qtbot):
    """next_char (compiled with accuracy: ``Task.metrics``): the metric plot beside the loss
    draws each epoch's ``accuracy`` and ``val_accuracy`` at the epoch's last update, the
    numbers of ``lstmviz.fit``'s History of the same run, its legend naming Keras' keys and
    its title the last epoch's values; a regression task has no metric plot."""
    import lstmviz
    from lstmviz.app import tasks

    w, panel = _drawn_train_tab(make_window, (1280, 720))
    panel.task_combo.setCurrentIndex(panel.task_combo.findData("next_char"))
    panel.units_spin.setValue(4)
    panel.epochs_spin.setValue(3)
    assert panel.metric_plot.isVisible()
    while panel.session.step() is not None:
        pass
    panel.refresh(force=True)
    task = tasks.get("next_char")
    data = task.data()
    fitted = lstmviz.fit(task.model(units=4), data.x_train, data.y_train, task.loss, task.optimizer, 32, 3, True, 0,
                         task.learning_rate, validation_data=(data.x_val, data.y_val), metrics=list(task.metrics))
    train, val = panel._metric_curves["accuracy"]
    xs, ys = train.getData()
    np.testing.assert_array_equal(xs, [8, 16, 24])  # (each epoch's last update)
    assert list(ys) == fitted.history["accuracy"]
    assert list(val.getData()[1]) == fitted.history["val_accuracy"]
    assert [label.text.split("<")[0] for _, label in panel.metric_legend.items] == ["accuracy", "val_accuracy"]
    acc, val_acc = fitted.history["accuracy"][-1], fitted.history["val_accuracy"][-1]
    whole, short = panel._metric_title()
    assert whole == f"accuracy {acc:.4f} \u00b7 val_accuracy {val_acc:.4f}"
    assert short[0] == f"accuracy {acc:.4f} \u00b7 val {val_acc:.4f}"  # (narrow: val kept)
    assert panel.metric_plot.titleLabel.text == whole
    assert panel.metric_plot.titleLabel._lstmviz_shown in (whole, *short)
    # the run's line under Play says the last epoch's metrics too, as Keras' progress bar
    assert f" \u00b7 accuracy {acc:.4f} \u00b7 val_accuracy {val_acc:.4f} \u00b7 finished" in panel.status_label.text()
    from PySide6 import QtWidgets

    QtWidgets.QApplication.processEvents()  # (the layouts the legend's entries asked for)
    box, view = panel.metric_legend.sceneBoundingRect(), panel.metric_plot.vb.sceneBoundingRect()
    assert box.bottom() <= view.top() and not box.intersects(view)
    assert panel.metric_plot.vb.viewRange()[1][0] < 0 and panel.metric_plot.vb.viewRange()[1][1] > 1  # 0..1 whole
    panel.task_combo.setCurrentIndex(panel.task_combo.findData("delay"))
    assert not panel.metric_plot.isVisible() and panel.metric_plot not in panel.plots.ci.items
    assert len(panel.plots.ci.items[panel.loss_plot]) == 2  # (the loss plot spans the row again)
    panel.stop()


def _auc_session(name: str, metrics: int | None = None):
    """A user's training session on the AUC fixture's binary task (its first quarter held
    out for validation, batches of 8, three epochs, no shuffling) for the compiled model
    ``name`` of tests/fixtures/metrics, compiled with its first ``metrics`` metrics alone
    where given."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.app import tasks
    from lstmviz.app.train_user import compiled_settings, user_session
    from lstmviz.app.training import Settings
    from lstmviz.engine.train import split_at

    here = FIXTURES / "metrics"
    npz = np.load(here / "auc.npz")
    model = lstmviz.load(here / name)
    if metrics is not None:
        compiled = model.source["compile"]
        compiled["metrics"] = compiled["metrics"][:metrics]  # (a model compiled with those alone)
    x, y = npz["x"], npz["y_binary"][:, None]
    cut = split_at(len(x), 0.25)
    settings, _ = compiled_settings(model, Settings(batch_size=8, epochs=3, shuffle=False))
    return user_session(model, tasks.Data(x[:cut], y[:cut], x[cut:], y[cut:]), "binary_crossentropy", settings)


def test_a_models_aucs_are_drawn_beside_the_loss_as_keras_fit_records_them(make_window):
    """A tf_keras file compiled with AUC() and AUC(curve="PR", num_thresholds=20), run on its
    data in the Train tab: the metric plot draws each epoch's ``auc`` / ``auc_1`` and their
    ``val_`` ones at the epoch's last update, tf_keras 2.21's fit History
    (``scripts/make_auc_fixtures.py``), its legend naming Keras' keys, its axis 0 to 1."""
    from helpers import FIXTURES

    npz = np.load(FIXTURES / "metrics" / "auc.npz")  # (Keras' History beside the data)
    w, panel = _drawn_train_tab(make_window, (1280, 800))
    panel.use_session(_auc_session("legacy_auc.h5"))
    assert panel.metric_plot.isVisible()
    while panel.session.step() is not None:
        pass
    panel.refresh(force=True)
    for key in ("auc", "auc_1"):
        train, val = panel._metric_curves[key]
        xs, ys = train.getData()
        np.testing.assert_array_equal(xs, [4, 8, 12])  # (each epoch's last update: 30 samples, batches of 8)
        np.testing.assert_allclose(ys, npz[f"legacy_auc__{key}"], rtol=0, atol=1e-6, err_msg=key)
        np.testing.assert_allclose(val.getData()[1], npz[f"legacy_auc__val_{key}"], rtol=0, atol=1e-6, err_msg=key)
    # (two metrics: each named once, and one key to their validation curves, dashed)
    assert [label.text.split("<")[0] for _, label in panel.metric_legend.items] == ["auc", "auc_1", "val_\u2026"]
    low, high = panel.metric_plot.vb.viewRange()[1]
    assert low < 0 < 1 < high and high - low < 2  # (0..1 whole, a frame around it)


def test_the_metric_plot_keeps_the_users_zoom_until_auto_range(make_window, qtbot):
    """The accuracy plot's frame was set again at every update: a user who zoomed into the
    accuracy near 1 (or panned to an epoch) lost the view at the next update. As the loss
    plot's, its view now follows the frame until the user pans or zooms it, keeps the user's
    range (with pyqtgraph's own labels for it) while training goes on and its curves grow,
    and follows the frame again from the plot's auto-range ("A") button on."""
    from PySide6 import QtWidgets

    w, panel = _drawn_train_tab(make_window, (1280, 720))
    panel.task_combo.setCurrentIndex(panel.task_combo.findData("parity"))
    panel.units_spin.setValue(4)
    panel.epochs_spin.setValue(6)
    s = panel.session
    vb = panel.metric_plot.vb
    per_epoch = s.trainer.batches_per_epoch

    def run_to(update):
        while s.iteration < update and s.step() is not None:
            pass
        panel.refresh(force=True)
        QtWidgets.QApplication.processEvents()

    run_to(2 * per_epoch)
    assert panel.metric_plot.isVisible() and vb.state["autoRange"] == [False, False]
    left = panel.metric_plot.getAxis("left")
    assert left._tickLevels is not None  # (the frame's 0, 0.5, 1)
    vb.setRange(xRange=(per_epoch - 3, per_epoch + 3), yRange=(0.4, 0.6), padding=0)
    vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])  # as the mouse's drag or wheel
    zoomed = vb.viewRange()
    assert left._tickLevels is None  # (pyqtgraph's own labels for 0.4 .. 0.6)
    run_to(s.iteration + 1)  # an update within an epoch
    assert vb.viewRange() == zoomed
    run_to(4 * per_epoch)  # two more epochs: new points, a wider frame
    assert vb.viewRange() == zoomed
    train, val = panel._metric_curves["accuracy"]
    h = s.view().history
    assert list(train.getData()[1]) == [m["accuracy"] for m in h.epoch_metrics]  # (drawn all the same)
    assert list(train.getData()[0]) == [per_epoch * k for k in (1, 2, 3, 4)]
    vb.enableAutoRange()  # the "A" button
    QtWidgets.QApplication.processEvents()
    assert vb.state["autoRange"] == [False, False]
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x0 <= 0 and 4 * per_epoch <= x1 and y0 < 0 and y1 > 1  # (the frame: every update, 0..1)
    assert left._tickLevels is not None
    run_to(5 * per_epoch)  # followed again: the frame grows with the run
    assert vb.viewRange()[0][1] >= 5 * per_epoch
    panel.stop()


def test_a_compiled_schedule_greys_the_learning_rate_box_and_says_why(make_window):
    """A model compiled with a learning-rate schedule: each update's rate is the schedule's
    (Keras refuses setting one), so the box is greyed, its tooltip names the schedule, and
    setting a rate is refused in one line; another optimizer drops the schedule and the box
    is the user's again."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.app import tasks
    from lstmviz.app.train_user import compiled_settings, user_session
    from lstmviz.app.training import Settings
    from lstmviz.engine.compiled import of
    from lstmviz.engine.schedules import from_plain
    from lstmviz.errors import LstmvizError

    here = FIXTURES / "metrics"
    npz = np.load(here / "fit.npz")
    model = lstmviz.load(here / "schedule_piecewise.keras")
    x, y = npz["x"], npz["y_schedule"]
    settings, _ = compiled_settings(model, Settings(batch_size=5, epochs=1))
    w, panel = _drawn_train_tab(make_window)
    panel.use_session(user_session(model, tasks.Data(x[:8], y[:8], x[8:], y[8:]), "mse", settings))
    words = from_plain(of(model)["optimizer"]["options"]["schedule"]).words()
    assert not panel.lr_spin.isEnabled() and words in panel.lr_spin.toolTip()
    assert panel.session.schedule_words() == words
    with pytest.raises(LstmvizError) as err:
        panel.session.set_learning_rate(0.5)
    assert "follows the compiled schedule" in str(err.value) and "\n" not in str(err.value)
    other = next(n for n in ("adam", "sgd") if n != panel.opt_combo.currentText())
    panel.opt_combo.setCurrentText(other)
    assert panel.lr_spin.isEnabled() and panel.session.schedule_words() == ""
    assert "schedule" not in panel.lr_spin.toolTip()
    panel.lr_spin.setValue(0.05)
    assert panel.session.trainer.optimizer.current_rate() == pytest.approx(0.05)
    panel.stop()


def test_the_controls_bottom_edge_follows_the_rows_as_laid_out_when_the_tab_is_first_shown(make_window):
    """At 1600 x 1000 with a stack of no compile info, the Train tab first shown kept the
    viewport margin measured before its rows were laid out (180 px): the view ended above the
    whole "Your model and data" box, a blank strip where its first rows had room. The margin
    is now measured again once the rows are laid out: it is the cut of the rows as they are,
    and the box's first row (its Inputs button) is in sight."""
    from helpers import settle
    from lstmviz.engine import LayerSpec, Model

    w = make_window((1600, 1000))
    w.state.set_model(Model.sequential((None, 20, 1), [
        LayerSpec("Conv1D", {"filters": 8, "kernel_size": 3, "padding": "causal", "activation": "relu"}),
        LayerSpec("MaxPooling1D", {}), LayerSpec("LSTM", {"units": 8, "return_sequences": True}),
        LayerSpec("GlobalAveragePooling1D", {}), LayerSpec("Dense", {"units": 1})], seed=0))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    settle(6)
    area = panel.controls
    assert area.viewportMargins().bottom() == panel._whole_rows.cut()
    button = panel.user_box.x_button
    top = button.mapTo(area.viewport(), button.rect().topLeft()).y()
    assert 0 <= top and top + button.height() <= area.viewport().height(), (top, area.viewport().height())


def _metrics_run(make_window, size, count, theme=None):
    """The Train tab at ``size`` (and ``theme``) after a run of ``auc_binary.keras`` on its
    data compiled with the file's first ``count`` AUCs (Keras' ``auc``, ``auc_1``, ... and
    ``AUC``; ``scripts/make_auc_fixtures.py``), 3 epochs of 4 updates: (window, panel)."""
    from PySide6 import QtWidgets


    w, panel = _drawn_train_tab(make_window, size)
    if theme is not None:
        w.set_theme(theme)
    panel.use_session(_auc_session("auc_binary.keras", count))
    while panel.session.step() is not None:
        pass
    panel.refresh(force=True)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()  # (the layouts the legend and title asked for)
    return w, panel


@pytest.mark.parametrize("size, theme", [((1280, 720), None), ((1600, 1000), None), ((1280, 720), "projector"),
                                         ((1280, 600), None)])
def test_the_metric_plot_reads_with_one_to_six_metrics(make_window, size, theme):
    """Six AUCs put 12 names in the metric legend, one a row: the plot's view a strip of
    71 px at 1400 x 900, and its title ("accuracy 1.0000 · val 1.0000") lost its last
    digit. With 1, 3 and 6 metrics: the view keeps most of one metric's height; each
    metric is named by an entry of its colour or counted in "+N more" (its name in that
    entry's tooltip), validation curves dashed in their metric's colour as the one key
    "val_…" draws them, the legend in at most two rows above the view; the title is whole
    within its width, its numbers the engine's last epoch rounded, every value in its
    tooltip."""
    from PySide6 import QtCore, QtGui

    from lstmviz.ui.train_panel import METRIC_LEAST_LINES

    heights = {}
    for count in (1, 3, 6):
        w, panel = _metrics_run(make_window, size, count, theme)
        names = panel.session.metric_names()
        assert len(names) == count
        h = panel.session.view().history
        vb, legend, title = panel.metric_plot.vb, panel.metric_legend, panel.metric_plot.titleLabel
        heights[count] = vb.height()
        shared = panel.shared_key.isVisible()  # (one key over the loss and metric plots)
        assert not shared or _unnamed_curves(panel) == []
        # the legend: above the view, within the plot, at most two rows (one under the key)
        box, view = legend.sceneBoundingRect(), vb.sceneBoundingRect()
        assert box.bottom() <= view.top() + 0.5 and not box.intersects(view)
        assert view.left() - 0.5 <= box.left() and box.right() <= view.right() + 0.5
        shown = [(sample, label) for sample, label in legend.items if label.isVisible()]
        entries = [label.sceneBoundingRect() for _, label in shown]
        if legend.more is not None and legend.more.isVisible():
            entries.append(legend.more.sceneBoundingRect())
        rows = len({round(r.center().y()) for r in entries})
        assert rows <= (1 if shared else 2)
        # a second row only where the view keeps its least height (else "+N more" in one:
        # 1280 x 600)
        line = QtGui.QFontMetricsF(panel.theme.font(1.0)).height()
        assert rows == 1 or vb.height() >= METRIC_LEAST_LINES * line - 0.5
        assert all(box.contains(r.center()) for r in entries)
        # every metric named (or counted in "+N more" and named in its tooltip; one metric
        # under the shared key: its axis names it)
        said = {label.text.split("<")[0]: sample.item for sample, label in shown} if legend.isVisible() else {}
        hidden = [n for n in names if n not in said]
        if shared and count == 1:
            assert not legend.isVisible() and panel.metric_plot.getAxis("left").labelText == names[0]
        elif hidden:
            more = f"+{len(hidden)}" if shared else f"+{len(hidden)} more"
            assert legend.more.isVisible() and legend.more.text.split("<")[0] == more
            assert legend.more.toolTip().split(", ") == hidden
        else:
            assert legend.more is None or not legend.more.isVisible()
        for name in names:
            train, val = panel._metric_curves[name]
            assert said.get(name, train) is train  # (its entry's sample draws its train curve)
            np.testing.assert_allclose(train.getData()[1], [m[name] for m in h.epoch_metrics], rtol=0, atol=0)
            np.testing.assert_allclose(val.getData()[1], [m[name] for m in h.val_metrics], rtol=0, atol=0)
        if count == 1:
            assert list(said) == ([] if shared else [names[0], f"val_{names[0]}"])
        else:  # one key to the validation curves: dashed, squares, as each metric's is in its hue
            key = panel._metric_val_key if shared else said["val_\u2026"]  # (the shared key: "- - validation")
            assert key.opts["pen"].style() == QtCore.Qt.PenStyle.DashLine and key.opts["symbol"] == "s"
            hues = set()
            for name in names:
                train, val = panel._metric_curves[name]
                assert val.opts["pen"].style() == QtCore.Qt.PenStyle.DashLine
                assert train.opts["pen"].style() == QtCore.Qt.PenStyle.SolidLine
                assert val.opts["pen"].color() == train.opts["pen"].color()
                assert (train.opts["symbol"], val.opts["symbol"]) == ("o", "s")
                hues.add(train.opts["pen"].color().name())
            assert len(hues) == count  # (a hue per metric)
        # the title: whole within its width, the last epoch's numbers as rounded, all in its tooltip
        text = QtGui.QTextDocumentFragment.fromHtml(title.item.toHtml()).toPlainText()
        assert title.item.boundingRect().width() <= title.rect().width() + 0.5
        whole, forms = panel._metric_title()
        assert text in (whole, *forms)
        first = names[0]
        numbers = [float(v) for v in text.replace("+", " +").split() if v[0].isdigit()]
        last, last_val = h.epoch_metrics[-1][first], h.val_metrics[-1][first]
        digits = len(next(v for v in text.split() if v[0].isdigit()).split(".")[1])
        assert numbers == [float(f"{last:.{digits}f}"), float(f"{last_val:.{digits}f}")]
        tip = title.toolTip()
        for name in names:
            assert f"{name} {h.epoch_metrics[-1][name]:.4f}" in tip
            assert f"val_{name} {h.val_metrics[-1][name]:.4f}" in tip
        panel.stop()
    for count in (3, 6):  # (two rows of names: most of one metric's view)
        assert heights[count] >= 0.75 * heights[1], heights


@pytest.mark.parametrize("task", ["parity", "delay"])
@pytest.mark.parametrize("theme, size, present", [("light", (1280, 720), False), ("projector", (1280, 720), True),
                                                  ("projector", (1280, 600), False), ("projector", (800, 600), False)])
def test_the_loss_legend_leaves_its_view_lines_of_height_on_a_projector(make_window, qapp, theme, size, present, task):
    """The loss legend in a row of its own, one entry a row, left the loss view 99 px of a
    light 1280 x 720 window, 48 px at 1280 x 600, 27 px in the projector theme at 1280 x 600
    and 800 x 600 (the gradient's view beside it as low). Beside the title now ("Loss" given
    up where the entries need the room: the axis says "loss"), in its names' shortest forms
    ("update", "epoch", "validation") rather than more rows, the samples alone (each name in
    its tooltip) where every named form's rows would leave the view under LOSS_LEAST_LINES:
    after a run of a task with a metric (parity: the metric plot beside the loss) and one
    without (delay), the loss view is 3 lines high at least, and 4 wherever its legend takes
    a second row; each entry's sample is its curve and it names it, or, its name empty, its
    tooltip does; the legend lies above the view within the plot's width, clear of the
    title's text; the gradient through time keeps two lines; the curves are the run's."""
    from PySide6 import QtGui, QtWidgets

    from helpers import present_on_720_lines
    from lstmviz.ui import theme as th
    from lstmviz.ui.train_panel import LOSS_LEAST_LINES, SHORT_NAMES

    w = make_window(size)
    panel = w.train_panel
    try:
        w.tabs.setCurrentWidget(panel)
        panel.task_combo.setCurrentIndex(panel.task_combo.findData(task))
        if present:
            present_on_720_lines(w)
        else:
            w.set_theme(theme)
            w.resize(*size)
        QtWidgets.QApplication.processEvents()
        for _ in range(40):  # (an epoch and more of parity's 32 updates, five of delay's 8)
            assert panel.session.step() is not None
        panel.refresh(force=True)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()  # (the layouts the legend and title asked for)
        line = QtGui.QFontMetricsF(panel.theme.font(1.0)).height()
        legend, plot, vb = panel.legend, panel.loss_plot, panel.loss_plot.vb
        assert plot.isVisible() and panel.metric_plot.isVisible() == (task == "parity")
        h = panel.session.view().history
        np.testing.assert_allclose(10 ** panel.curve_loss.getData()[1], h.loss, rtol=1e-6)
        assert len(h.val_loss) >= 1
        # every curve named by its entry, or its sample alone with its name in its tooltip
        curves = {panel.curve_loss: "train, per update", panel.curve_epoch: "train, per epoch",
                  panel.curve_val: "validation"}
        assert [sample.item for sample, _ in legend.items] == list(curves)
        if panel.shared_key.isVisible():  # (beside the metrics at 800 x 600: one key over both plots)
            assert task == "parity" and not legend.isVisible() and _unnamed_curves(panel) == []
            assert vb.height() >= 3 * line
            assert panel.step_plot.isVisible() and panel.step_plot.vb.height() >= 2 * line
            return
        for sample, label in legend.items:
            whole = curves[sample.item]
            text = label.item.toPlainText().replace("\u200b", "")
            assert text in (whole, *SHORT_NAMES[whole]), text
            if not text:
                assert sample.toolTip() == whole
            assert sample.isVisible() and label.isVisible()
        # the view's height: 3 lines at least, 4 where the legend takes a second row
        rows = len({round(sample.sceneBoundingRect().center().y()) for sample, _ in legend.items})
        assert vb.height() >= 3 * line, (vb.height(), line)
        assert rows == 1 or vb.height() >= LOSS_LEAST_LINES * line - 0.5, (rows, vb.height())
        # nothing over anything: the legend above the view, within its width, clear of the title's text
        box, view = legend.sceneBoundingRect(), vb.sceneBoundingRect()
        assert box.bottom() <= view.top() + 0.5 and not box.intersects(view)
        # (beside a title given up, it reaches over the left axis' column: above its labels)
        left = view.left() if title_shown(plot) else plot.sceneBoundingRect().left()
        assert left - 0.5 <= box.left() and box.right() <= view.right() + 0.5
        for sample, label in legend.items:
            assert box.contains(sample.sceneBoundingRect().center())
            assert box.contains(label.sceneBoundingRect().center())
        title = plot.titleLabel.item
        if title.toPlainText():
            assert title.sceneBoundingRect().right() <= box.left() or title.sceneBoundingRect().bottom() <= box.top()
        # the gradient through time: two lines at least, its legend above it
        assert panel.step_plot.isVisible() and panel.step_plot.vb.height() >= 2 * line
        _legends_cover_no_curve(panel)
    finally:
        panel.stop()
        th.apply("dark", qapp)


def title_shown(plot) -> bool:
    """Whether ``plot``'s title shows a text (not its short form "", given up)."""
    return bool(plot.titleLabel.item.toPlainText().strip())


def test_the_loss_legend_names_its_curves_beside_a_metric_at_800_x_600(make_window, qapp):
    """At 800 x 600 (dark, not presenting) parity's accuracy beside the loss left the loss
    legend 161 px over its view: its three samples alone, their names only in tooltips.
    With the title given up, the legend reaches over the left axis' column of the title's
    row (above the axis' labels, which stand beside the view): every curve named in the
    legend's text, in two rows, the legend above the view within the plot, over no curve,
    the view still LOSS_LEAST_LINES lines high."""
    from PySide6 import QtGui, QtWidgets

    from lstmviz.ui.train_panel import LOSS_LEAST_LINES, SHORT_NAMES

    w = make_window((800, 600))
    panel = w.train_panel
    try:
        w.tabs.setCurrentWidget(panel)
        panel.task_combo.setCurrentIndex(panel.task_combo.findData("parity"))
        w.resize(800, 600)
        QtWidgets.QApplication.processEvents()
        for _ in range(40):  # (an epoch and more: a validation point)
            assert panel.session.step() is not None
        panel.refresh(force=True)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        legend, plot, vb = panel.legend, panel.loss_plot, panel.loss_plot.vb
        assert panel.metric_plot.isVisible() and not title_shown(plot)
        line = QtGui.QFontMetricsF(panel.theme.font(1.0)).height()
        curves = {panel.curve_loss: "train, per update", panel.curve_epoch: "train, per epoch",
                  panel.curve_val: "validation"}
        assert [sample.item for sample, _ in legend.items] == list(curves)
        for sample, label in legend.items:
            text = label.item.toPlainText().replace("\u200b", "")
            whole = curves[sample.item]
            assert text and text in (whole, *SHORT_NAMES[whole]), text
            assert sample.isVisible() and label.isVisible() and sample.toolTip() == whole
        box, view = legend.sceneBoundingRect(), vb.sceneBoundingRect()
        assert box.bottom() <= view.top() + 0.5 and not box.intersects(view)
        assert plot.sceneBoundingRect().left() - 0.5 <= box.left() and box.right() <= view.right() + 0.5
        for _, label in legend.items:  # (each name whole within the legend)
            assert box.contains(label.sceneBoundingRect().adjusted(4, 4, -4, -4))
        assert vb.height() >= LOSS_LEAST_LINES * line - 0.5, (vb.height(), line)
        _legends_cover_no_curve(panel)
    finally:
        panel.stop()


@pytest.mark.parametrize("size, present", [((800, 600), False), ((800, 600), True), ((1280, 720), False)])
def test_one_metrics_legend_names_its_curves_beside_the_loss_at_800_x_600(make_window, qapp, size, present):
    """Parity's accuracy beside the loss at 800 x 600 (the side panel given way; and
    presenting there): the metric legend said "+2 more" alone, its two names in a tooltip
    the hall cannot read. Its entries show, named "accuracy" and "val_accuracy" where they
    fit in a row, else "train" and "val" (the axis says the metric); each entry's sample
    is its curve, drawn with the run's numbers; the legend above the view, within its
    width."""
    from PySide6 import QtWidgets

    from helpers import present_on
    from lstmviz.ui import theme as th

    w = make_window(size)
    panel = w.train_panel
    try:
        w.tabs.setCurrentWidget(panel)
        panel.task_combo.setCurrentIndex(panel.task_combo.findData("parity"))
        if present:
            present_on(w, *size)
        QtWidgets.QApplication.processEvents()
        for _ in range(40):  # (an epoch and more: an accuracy and a validation accuracy to draw)
            assert panel.session.step() is not None
        panel.refresh(force=True)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        legend, vb = panel.metric_legend, panel.metric_plot.vb
        assert panel.metric_plot.isVisible()
        (name,) = panel.session.metric_names()
        train, val = panel._metric_curves[name]
        h = panel.session.view().history
        np.testing.assert_allclose(train.getData()[1], [m[name] for m in h.epoch_metrics], rtol=0, atol=0)
        np.testing.assert_allclose(val.getData()[1], [m[name] for m in h.val_metrics], rtol=0, atol=0)
        if panel.shared_key.isVisible():  # (presenting: one key over both plots, the axis names the metric)
            assert not legend.isVisible() and _unnamed_curves(panel) == [] and size == (800, 600)
            return
        assert legend.more is None or not legend.more.isVisible()
        said = {label.item.toPlainText().replace("\u200b", ""): sample.item
                for sample, label in legend.items if label.isVisible() and sample.isVisible()}
        assert said in ({name: train, f"val_{name}": val}, {"train": train, "val": val}), said
        box, view = legend.sceneBoundingRect(), vb.sceneBoundingRect()
        assert box.bottom() <= view.top() + 0.5 and not box.intersects(view)
        assert view.left() - 0.5 <= box.left() and box.right() <= view.right() + 0.5
        for _, label in legend.items:
            assert box.contains(label.sceneBoundingRect().center())
        if size == (1280, 720):
            assert set(said) == {name, f"val_{name}"}  # (the whole names where they fit)
    finally:
        panel.stop()
        th.apply("dark", qapp)


@pytest.mark.parametrize("size", [(800, 600), (1024, 768), (1280, 720)])
def test_the_metric_axis_labels_stand_apart_on_a_projector(make_window, qapp, size):
    """The accuracy plot's 0 .. 1 axis in the projector theme: at 800 x 600 its view is two
    lines high, and its labels 0, 0.5 and 1 stood over one another (each half a line from the
    next). Now each label clear of the next by a tenth of a line, 0 and 1 always labelled, 0.5
    where it has the room, the labels the values they stand at."""
    from PySide6 import QtCore, QtGui, QtWidgets

    from helpers import axis_labels
    from lstmviz.ui import theme as th

    w = make_window(size)
    panel = w.train_panel
    try:
        w.set_theme("projector")
        w.resize(*size)
        w.tabs.setCurrentWidget(panel)
        panel.task_combo.setCurrentIndex(panel.task_combo.findData("parity"))
        QtWidgets.QApplication.processEvents()
        for _ in range(40):  # (an epoch and more: an accuracy to draw)
            assert panel.session.step() is not None
        panel.refresh(force=True)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        plot = panel.metric_plot
        assert plot.isVisible() and panel.session.metrics_within_one()
        axis = plot.getAxis("left")
        labels = sorted(axis_labels(axis), key=lambda r: r[0].top())
        texts = [t for _, t in labels]
        assert texts[0] == "1" and texts[-1] == "0", texts
        line = QtGui.QFontMetricsF(axis.style["tickFont"]).height()
        for (a, _), (b, _) in zip(labels, labels[1:]):
            assert b.top() - a.bottom() >= 0.1 * line, (texts, [(r.top(), r.bottom()) for r, _ in labels])
        # each label at its value's height in the view
        vb = plot.vb
        for rect, text in labels:
            y = axis.mapToScene(rect.center()).y()
            at = vb.mapViewToScene(QtCore.QPointF(0, float(text))).y()
            assert abs(y - at) <= 0.6 * line, (text, y, at)
    finally:
        panel.stop()
        th.apply("dark", qapp)



@pytest.mark.parametrize("span", [(4.6e-4, 1.37e-2), (9e-4, 6.4e-3), (0.011, 0.3)])
def test_the_gradient_axis_at_800_x_600_reads_two_labels(make_window, qapp, span):
    """The projector theme at 800 x 600, parity's gradient through time after 60 updates
    (0.00046 .. 0.0137): its view is 48 px high, a decade 23 px, and its labels were to stand
    a line and a quarter apart: "0.001" alone, no scale to read. Where that leaves one label,
    two a line apart (the least ``test_a_short_log_axis_of_a_narrow_range_shows_two_labels_a_line_apart``
    asks) are drawn, within the view."""
    from PySide6 import QtGui, QtWidgets

    from lstmviz.ui import theme as th

    w = make_window((800, 600))
    panel = w.train_panel
    try:
        w.set_theme("projector")
        w.resize(800, 600)
        w.tabs.setCurrentWidget(panel)
        panel.task_combo.setCurrentIndex(panel.task_combo.findData("parity"))
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        plot = panel.step_plot
        panel._place(plot, *span, 4)
        QtWidgets.QApplication.processEvents()
        axis = plot.getAxis("left")
        line = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont()).height()
        assert plot.vb.height() < 3 * line  # (a short plot)
        drawn = _drawn_log_labels(plot)
        assert len(drawn) >= 2, (plot.vb.height(), axis._tickLevels)
        ys = [y for y, _ in drawn]
        assert all(b - a >= line - 0.5 for a, b in zip(ys, ys[1:])), drawn
    finally:
        panel.stop()
        th.apply("dark", qapp)


def _unnamed_curves(panel) -> list[str]:
    """The loss and metric plots' drawn curves that nothing on screen names: neither a shown
    legend entry of a non-empty name, nor the shared key's word for their style ("update",
    "epoch", "val...") (a metric's train curve also needs its metric's name: its shown entry,
    the axis' title of one metric, or "+N more" beside named entries); the shared key and
    the legends' names whole within the plots' widget."""
    from PySide6 import QtGui

    def plain(label) -> str:
        return QtGui.QTextDocumentFragment.fromHtml(label.item.toHtml()).toPlainText().replace("\u200b", "").strip()

    scene = panel.plots.mapToScene(panel.plots.viewport().rect()).boundingRect()
    named = {}  # id(curve) -> its shown entry's name
    for legend in (panel.legend, panel.metric_legend):
        if not legend.isVisible():
            continue
        for sample, label in legend.items:
            if label.isVisible() and plain(label):
                assert scene.contains(label.sceneBoundingRect()), plain(label)
                named[id(sample.item)] = plain(label)
    key = plain(panel.shared_key) if panel.shared_key.isVisible() else ""
    if key:
        assert scene.contains(panel.shared_key.item.sceneBoundingRect()), (key, scene)
    more = panel.metric_legend.more
    counted = more is not None and more.isVisible() and panel.metric_legend.isVisible()
    metric_names = list(panel._metric_curves)
    unnamed = []
    styles = [(panel.curve_loss, "loss per update", "update"), (panel.curve_epoch, "loss per epoch", "epoch"),
              (panel.curve_val, "loss validation", "val")]
    for name, (train, val) in panel._metric_curves.items():
        styles += [(train, name, "epoch"), (val, f"val_{name}", "val")]
    for curve, what, word in styles:
        xs = curve.getData()[0]
        if not curve.isVisible() or xs is None or len(xs) == 0:
            continue
        if id(curve) in named:
            continue
        if word not in key:
            unnamed.append(what)
            continue
        if curve in (panel.curve_loss, panel.curve_epoch, panel.curve_val):
            continue
        base = what.removeprefix("val_")
        axis = panel.metric_plot.getAxis("left").labelText
        if (len(metric_names) == 1 and axis == base) or any(n == base for n in named.values()):
            continue
        if counted and named and base in more.toolTip().split(", "):
            continue
        unnamed.append(what)
    return unnamed


@pytest.mark.parametrize("present", [False, True])
@pytest.mark.parametrize("metrics", [1, 3])
def test_every_train_curve_is_named_on_an_800_x_600_projector(make_window, qapp, present, metrics):
    """At 800 x 600 in the projector theme the loss plot beside the metrics had ~203 px:
    its legend showed its three samples unnamed (their names in tooltips), and the metric
    legend only "+2 more". Now one key over both plots names the curves' styles ("per
    update", "per epoch", "validation": the plots share the update axis and those styles),
    the loss legend gone under it, the metric legend naming only the metrics by colour
    (one metric: the axis says it): every curve drawn is named on screen, presenting or
    not, and the views keep their height (the loss view 3 lines, the gradient's 2)."""
    from PySide6 import QtGui, QtWidgets

    from helpers import present_on
    from lstmviz.ui import theme as th

    if metrics == 1:
        w = make_window((800, 600))
        panel = w.train_panel
        w.tabs.setCurrentWidget(panel)
        panel.task_combo.setCurrentIndex(panel.task_combo.findData("parity"))
        for _ in range(40):  # (an epoch and more of parity's 32 updates)
            assert panel.session.step() is not None
    else:
        w, panel = _metrics_run(make_window, (800, 600), metrics)
    try:
        if present:
            present_on(w, 800, 600)
        else:
            w.set_theme("projector")
            w.resize(800, 600)
        panel.refresh(force=True)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        assert panel.metric_plot.isVisible() and len(panel._metric_curves) == metrics
        assert _unnamed_curves(panel) == []
        line = QtGui.QFontMetricsF(panel.theme.font(1.0)).height()
        assert panel.loss_plot.vb.height() >= 3 * line, panel.loss_plot.vb.height()
        # (three metrics, not presenting: the gradient's view ~20 px under the metric
        # legend's two rows before, a line at least now)
        assert panel.step_plot.isVisible() and panel.step_plot.vb.height() >= (2 if metrics == 1 else 1) * line
    finally:
        panel.stop()
        th.apply("dark", qapp)


@pytest.mark.parametrize("size", [(1400, 800), (1920, 1080)])
def test_presenting_on_a_large_screen_the_train_legends_name_each_curve_in_their_plots(make_window, qapp, size):
    """Presenting at 1400 x 800 and 1920 x 1080 the loss plot beside one metric has room for
    its legend's names beside its title: no shared key there, the loss legend and the metric
    legend name every curve in their own plots, as before the shared key."""
    from PySide6 import QtWidgets

    from helpers import present_on
    from lstmviz.ui import theme as th

    w = make_window(size)
    panel = w.train_panel
    try:
        w.tabs.setCurrentWidget(panel)
        panel.task_combo.setCurrentIndex(panel.task_combo.findData("parity"))
        for _ in range(40):
            assert panel.session.step() is not None
        present_on(w, *size)
        panel.refresh(force=True)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()
        assert not panel.shared_key.isVisible() and panel.legend.isVisible() and panel.metric_legend.isVisible()
        assert panel.loss_plot.titleLabel.isVisible()
        assert _unnamed_curves(panel) == []
    finally:
        panel.stop()
        th.apply("dark", qapp)


@pytest.mark.parametrize("present", [False, True])
def test_the_controls_wrapped_lines_are_whole_after_a_run_with_many_metrics(make_window, present):
    """After a run of six metrics the line under Play grows to six lines: the scroll area
    heightened the controls, yet their form kept its rows' earlier heights (presenting at
    1280 x 720 that line showed four of its six lines and the updates per epoch one of its
    two, cut through; in the dark theme five of six). Every wrapped label is as high as
    its lines at its width, the run's whole line in the label."""
    from PySide6 import QtWidgets

    from helpers import present_on
    from lstmviz.ui.whole_rows import squeezed

    w = make_window((1280, 720))
    if present:
        present_on(w, 1280, 720)
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    QtWidgets.QApplication.processEvents()
    panel.refresh(force=True)
    panel.use_session(_auc_session("auc_binary.keras"))
    panel.session.step()
    panel.refresh(force=True)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    while panel.session.step() is not None:
        pass
    panel.refresh(force=True)
    for _ in range(6):
        QtWidgets.QApplication.processEvents()
    status = panel.status_label
    assert status.text().count("val_") == 6
    assert status.heightForWidth(status.width()) >= 3 * status.fontMetrics().height()
    assert squeezed(panel.controls.widget()) == []
    assert panel.updates_label.height() >= panel.updates_label.heightForWidth(panel.updates_label.width())


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_the_runs_line_stays_in_sight_as_it_wraps_on_a_projector(make_window, qapp, size):
    """In the projector theme at 1280 x 720 the run's line, one line at update 0, wrapped to
    a second once it said the loss and the validation loss; the controls' bottom edge cut
    that second line, and the row went out of sight (``WholeRows``) for the rest of the
    run: update, epoch and loss unread. A line in sight stays whole in sight as it wraps."""
    from PySide6 import QtCore, QtWidgets

    from lstmviz.ui import theme as th

    def settle():
        for _ in range(4):
            QtWidgets.QApplication.processEvents()

    w = make_window(size)
    panel = w.train_panel
    try:
        _projector_train_tab(w, size, False)
        label, view = panel.status_label, panel.controls.viewport()

        def drawn():  # (top, bottom) of the line's text in the view, as WholeRows counts it
            top = label.mapTo(view, QtCore.QPoint(0, 0)).y()
            flags = int(label.alignment()) | int(QtCore.Qt.TextFlag.TextWordWrap)
            rect = label.style().itemTextRect(label.fontMetrics(), label.contentsRect(), flags, True, label.text())
            return top + rect.top(), top + rect.bottom()

        top, bottom = drawn()
        assert 0 <= top and bottom <= view.height() and "\n" not in label.text()
        for _ in range(8):  # (an epoch: 256 samples, batch 32)
            panel.session.step()
        panel.refresh(force=True)
        settle()
        top, bottom = drawn()
        assert "validation" in label.text() and bottom - top > 1.5 * label.fontMetrics().lineSpacing()  # (wrapped)
        assert 0 <= top and bottom <= view.height(), (top, bottom, view.height(), label.text())
    finally:
        panel.stop()
        th.apply("dark", qapp)


def test_the_loss_legend_is_as_large_as_its_entries_when_the_train_tab_is_first_shown(make_window):
    """The loss legend beside its title kept the size of its whole names ("train, per
    update") once it showed the shorter ones ("per update"): on the Train tab's first show
    at 1200 x 800 it reached 33 px left of its plot, its first sample cut off and its
    entries spread apart, until a resize placed it again. It is placed whenever its names
    change, as a resize leaves it."""
    from PySide6 import QtCore

    from helpers import settle
    from lstmviz.app.options import default_config
    from lstmviz.app.state import AppState, InputSpec, LayerEntry

    config = {**default_config("LSTM", units=16), "return_sequences": True}
    state = AppState([LayerEntry("LSTM", dict(config)), LayerEntry("LSTM", dict(config))],
                     InputSpec(batch_size=2, timesteps=10, input_dim=3))
    w = make_window((1200, 800), state=state)
    try:
        settle()  # (the first tab laid out and painted first, as a window opened)
        w.tabs.setCurrentIndex(next(i for i in range(w.tabs.count()) if w.tabs.tabText(i) == "Train"))
        settle()
        legend = w.train_panel.legend
        first = legend.geometry()
        assert first.left() >= 0
        assert first.width() == legend.layout.effectiveSizeHint(QtCore.Qt.SizeHint.PreferredSize).width()
        w.resize(1201, 800)
        settle()
        w.resize(1200, 800)
        settle()
        assert legend.geometry() == first
    finally:
        w.train_panel.stop()
