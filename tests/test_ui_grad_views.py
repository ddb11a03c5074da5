"""The Train tab's gradient views draw the app's numbers (app/grad_stats.py): the heatmap's
image, the connectivity curves, the gate bars and points and the update bars hold exactly
what the probe computed; the lesson "What the forget gate learns" quotes what is on screen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from lstmviz.app import grad_stats as G
from lstmviz.engine.gradients import gradients


def _panel(make_window, size=(1400, 900), **spec):
    w = make_window(size)
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.lesson_step({"task": "delay", "cell": "LSTM", "units": 4, "steps": 10, "seed": 0, **spec})
    return w, panel


def _on_view(w, panel, size, theme, view):
    """``_panel``'s window at ``size`` in ``theme``, showing gradient view ``view``, laid
    out; gives the panel's grad_views."""
    w.set_theme(theme)
    w.resize(*size)
    gv = panel.grad_views
    gv.show_view(view)
    for _ in range(4):
        QtWidgets.QApplication.processEvents()
    return gv


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_every_gradient_view_draws_the_probe(make_window, cell):
    w, panel = _panel(make_window, cell=cell, updates=5)
    gv = panel.grad_views
    assert [panel.plot_tabs.tabText(k) for k in range(panel.plot_tabs.count())] == \
        ["Curves", "dL/dh", "Connectivity", "Gates", "Updates"]
    gv.sample_spin.setValue(3)
    gv.show_view("dh")
    v = gv.view
    assert v.iteration == 5 and v.sample == 3
    s = panel.session
    x, y = s.data.x_val[3:4], s.data.y_val[3:4]
    # the heatmap: dL/dh of this sample (the engine's), units x steps, on the signed log scale
    dh = gradients(s.model, x, y, s.loss).layers[v.ref.layer].steps["dh"][0].T
    # (float32 through ten steps back, batches of other sizes: a millionth of the largest)
    np.testing.assert_allclose(v.dh, dh, rtol=1e-5, atol=1e-6 * np.abs(dh).max())
    shown = gv.heat_image.image
    want, m = G.signed_log(v.dh, 4.0)
    np.testing.assert_array_equal(shown, want)
    assert shown.shape == (4, 10) and tuple(gv.heat_image.levels) == (-1, 1)
    assert f"\u00b1{m:.2g}" in gv.captions["dh"].text()
    gv.scale_combo.setCurrentIndex(1)  # linear
    np.testing.assert_allclose(gv.heat_image.image, v.dh / np.abs(v.dh).max())
    # connectivity, now and at update 0, on a log axis
    gv.show_view("connectivity")
    t, c = gv.conn_curve.getData()
    np.testing.assert_array_equal(t, np.arange(10))
    np.testing.assert_allclose(10 ** c, G.connectivity(s.model, x), rtol=1e-5)
    np.testing.assert_allclose(10 ** gv.conn_curve0.getData()[1], gv.view.connectivity0, rtol=1e-9)
    # gates: means (bars), update-0 means (lines), saturation points, from the cell's gates
    gv.show_view("gates")
    v = gv.view
    keys = ("i", "f", "o") if cell == "LSTM" else ("z", "r")
    assert tuple(gv.mean_bars) == keys == tuple(v.gates)
    trace = s.model.trace(s.data.x_val).layers[v.ref.layer]
    for key in keys:
        g = trace.steps[key]
        np.testing.assert_allclose(gv.mean_bars[key].opts["height"], g.mean(axis=(0, 1)), rtol=1e-5)
        lx, ly = gv.sat_points[key].getData()
        np.testing.assert_allclose(lx, (g < 0.1).mean(axis=(0, 1)))
        np.testing.assert_allclose(ly, (g > 0.9).mean(axis=(0, 1)))
        np.testing.assert_allclose(gv.mean0[key].getData()[1], np.repeat(v.gates0[key].mean, 2))
    # the last update per gate block, log10 of ||dW|| / ||W||, bars from the axis' floor
    gv.show_view("updates")
    blocks = gv.view.updates
    assert len(blocks) == 3 * len(cell == "LSTM" and "ifco" or "zrh")
    for key, bars in gv.upd_bars.items():
        ratios = [b.ratio for b in blocks if b.key == key]
        o = bars.opts
        np.testing.assert_allclose(np.asarray(o["height"]) + np.asarray(o["y0"]), np.log10(ratios))
    panel.stop()


def test_while_it_plays_the_training_process_computes_the_probe(make_window, qtbot, monkeypatch):
    """Play trains in the training process, which computes the probe of the view on screen:
    the window computes none meanwhile (its interpreter stays free), and the gate bars and
    points on screen hold the numbers that came back."""
    w, panel = _panel(make_window, epochs=1000)
    gv = panel.grad_views
    gv.show_view("gates")
    here: list = []
    original = G.Probe.compute
    monkeypatch.setattr(G.Probe, "compute", lambda self, *a, **k: here.append(a) or original(self, *a, **k))
    panel.set_playing(True)
    assert panel.process.playing, panel.process.reason
    qtbot.waitUntil(lambda: panel.process.probe is not None and gv.view is panel.process.probe.view
                    and gv.view.iteration > 0, timeout=30000)
    v = gv.view
    assert here == [] and panel.process.probe.request == (0, 0, ("gates",))
    assert tuple(gv.mean_bars) == ("i", "f", "o") == tuple(v.gates)
    for key, st in v.gates.items():
        assert np.array_equal(gv.mean_bars[key].opts["height"], st.mean)
        lx, ly = gv.sat_points[key].getData()
        assert np.array_equal(lx, st.low) and np.array_equal(ly, st.high)
        assert np.array_equal(gv.mean0[key].getData()[1], np.repeat(v.gates0[key].mean, 2))
    assert f"update {v.iteration}." in gv.captions["gates"].text()
    panel.plot_tabs.setCurrentIndex(0)  # the curves: no probe asked of the child
    gv.refresh()
    assert panel.process.probe_request is None
    panel.stop()


def test_gradient_views_follow_training_and_the_layer_choice(make_window, qtbot):
    w = make_window((1400, 900))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.lesson_step({"task": "sine", "cell": "SimpleRNN", "units": 5, "steps": 12})
    gv = panel.grad_views
    gv.show_view("dh")
    assert gv.layer_combo.count() == 1 and gv.layer_combo.currentText() == "simple_rnn"
    assert gv.view.updates is None
    gv.show_view("updates")
    assert "No update yet" in gv.captions["updates"].text()
    # what to press is a hint for the mouse: an exported picture leaves it out
    from lstmviz.ui.labels import hints_hidden

    shows = lambda: gv.captions["updates"].label.text()  # noqa: E731 (what the label shows)
    assert "Press One update or Play" in shows()
    with hints_hidden():
        assert "No update yet." in shows() and "Press" not in shows()
    assert "Press One update or Play" in shows()
    panel.step_button.click()
    panel.wait()
    qtbot.waitUntil(lambda: gv.view.iteration == 1, timeout=5000)  # its own timer redraws
    assert [b.letter for b in gv.view.updates] == ["", "", ""]  # SimpleRNN: one block each
    gv.show_view("gates")
    assert not gv.view.gates and "no gates" in gv.captions["gates"].text()
    panel.stop()


def test_forget_gate_lesson_quotes_the_screen(make_window):
    from lstmviz.app import tours

    w = make_window((1600, 1000))
    p = w.presenter
    panel = w.train_panel
    # whatever ran before (another lesson's batch size, optimizer) does not change the story
    panel.lesson_step({"task": "parity", "batch_size": 8, "optimizer": "sgd", "learning_rate": 0.5})
    k = next(n for n, les in enumerate(tours.ALL_LESSONS) if les.title == "What the forget gate learns")
    p.tour.start(k)
    gv = panel.grad_views
    text = p.caption.text()
    assert panel.plot_tabs.currentWidget() is gv.pages["gates"]
    f0 = gv.mean0["f"].getData()[1]
    assert f"averages {f0.mean():.2f}" in text and f"{f0.mean():.2f}" == "0.73"
    p.tour.next()  # 480 updates
    text = p.caption.text()
    v = gv.view
    assert v.iteration == 480 and "{" not in text and "?" not in text
    tr = panel.session.trainer
    assert (tr.batch_size, panel.session.settings.optimizer, tr.optimizer.learning_rate) == (32, "adam", 0.01)
    now = np.asarray(gv.mean_bars["f"].opts["height"])
    start = gv.mean0["f"].getData()[1][::2]
    top = int(np.argmax(now))
    assert f"higher in {int((now > start).sum())} of 8 units" in text
    assert f"Unit {top} keeps {now[top]:.2f}" in text and f"up from {start[top]:.2f}" in text
    assert now[top] > start[top] + 0.1  # it learned to keep
    p.tour.next()
    text = p.caption.text()
    high = gv.sat_points["f"].getData()[1]
    assert f"Unit {top}'s f is above 0.9 on {100 * high[top]:.0f}% of the steps" in text
    assert high[top] > 0.25
    p.tour.next()
    text = p.caption.text()
    assert panel.plot_tabs.currentWidget() is gv.pages["connectivity"]
    c = 10 ** gv.conn_curve.getData()[1]
    c0 = 10 ** gv.conn_curve0.getData()[1]
    assert int(np.argmax(c)) == 0 and int(np.argmax(c0)) == len(c0) - 1  # what the caption's story says
    from lstmviz.text import times  # (its forms: test_tours)

    assert f"depends most on x_0, {times(c[0] / np.median(c))} the median step" in text, text
    assert f"At update 0 (dashed): x_{len(c0) - 1}." in text
    p.tour.end()
    panel.stop()


def test_gradient_views_are_legible_in_presentation(make_window):
    """In presentation mode every text of every gradient view, subscripts and tick labels
    included, is at least 24 px (the lecture theme's floor)."""
    from PySide6 import QtWidgets

    from lstmviz.ui import presentation as pr

    w, panel = _panel(make_window, (1600, 1000), updates=2)
    p = w.presenter
    p.fullscreen = False
    p.enter()
    w.resize(1920, 1080)
    gv = panel.grad_views
    for key in ("dh", "connectivity", "gates", "updates"):
        gv.show_view(key)
        QtWidgets.QApplication.processEvents()
        size, where = pr.smallest_font(w, subscripts=True)
        assert size >= 24, (key, size, where)
    p.leave()
    panel.stop()


def test_gates_of_many_units_show_their_bars_and_labels_that_fit(make_window):
    """128 units in a third of the window: each bar is a pixel or two wide. The bars are
    drawn in their gate's colour (a background-coloured outline once covered them), and
    the unit axis shows as many labels as fit side by side (0, 11, 22, ... overlapped)."""
    from PySide6 import QtGui, QtWidgets

    from lstmviz.ui.views._common import label_room

    w, panel = _panel(make_window, (1400, 900), units=128)
    gv = panel.grad_views
    gv.show_view("gates")
    QtWidgets.QApplication.processEvents()
    assert gv.view.ref.units == 128
    axis = gv.mean_plot.getAxis("bottom")
    labels = [text for _, text in axis._tickLevels[0]]
    assert labels[0] == "0" and len(labels) <= label_room(axis, labels)
    assert all(int(b) - int(a) in (10, 20, 25, 50, 100) for a, b in zip(labels, labels[1:]))
    image = gv.mean_plot.scene().views()[0].grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    for key, bars in gv.mean_bars.items():
        want = QtGui.QColor(bars.opts["brush"].color() if hasattr(bars.opts["brush"], "color")
                            else gv.theme.hue(key))
        rect = gv.mean_plot.vb.mapRectToScene(gv.mean_plot.vb.boundingRect()).toRect()
        hits = sum(1 for y in range(rect.top(), rect.bottom(), 3) for x in range(rect.left(), rect.right())
                   if QtGui.QColor(image.pixel(x, y)).rgb() == want.rgb())
        assert hits > 200, (key, hits)  # every bar's columns of its colour, not a speck
    panel.stop()


def test_the_train_tab_fits_a_1024_px_screen_with_the_side_panel(make_window):
    """The gradient views' controls (layer, validation sample, colours) in one row held
    the main window 1,177 px wide on the Train tab, past a 1024 x 768 screen: now they go
    one above the other where the tab is narrower, side by side where it is wide, and
    every control stays reachable."""
    from PySide6 import QtWidgets

    w = make_window((1024, 768))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    gv = panel.grad_views
    gv.show_view("dh")
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    w.presenter.actions["side"].trigger()  # (it gave way to the plots: S shows it)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert w.side.isVisible()
    assert w.minimumSizeHint().width() <= 1024 and w.width() == 1024
    row = gv.controls.row
    assert row.direction() == QtWidgets.QBoxLayout.Direction.TopToBottom
    for c in (gv.layer_combo, gv.sample_spin, gv.scale_combo):
        assert c.isVisible() and c.mapTo(gv.controls, c.rect().topLeft()).y() >= 0
    ys = [p.geometry().y() for p in gv.controls.parts]
    assert ys == sorted(ys) and len(set(ys)) == 3  # one above the other
    w.resize(1600, 1000)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert row.direction() == QtWidgets.QBoxLayout.Direction.LeftToRight
    assert len({p.geometry().y() for p in gv.controls.parts}) == 1
    gv.show_view("gates")  # the sample and colours hidden: the layer alone
    assert gv.sample_pair.isHidden() and gv.scale_pair.isHidden() and not gv.controls.parts[0].isHidden()


def test_the_train_tab_controls_fit_their_column_on_a_1024_px_screen(make_window):
    """On a 1024 x 768 screen with the side panel, the Train tab's controls were held ~460
    px wide by the loss box's longest name (sparse_categorical_crossentropy) and scrolled
    sideways ('Reset' cut off), the plots left ~210 px with their titles cut: now a field
    goes under its label where the two do not fit, the loss box shrinks, the controls take
    half of the tab at most, no sideways scrolling, and a plot's title too long for it is
    its short one. On a wide screen the form stays side by side, every title whole."""
    from PySide6 import QtWidgets

    w = make_window((1024, 768))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    w.presenter.actions["side"].trigger()  # (it gave way to the plots: S shows it)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert w.side.isVisible()
    controls = panel.controls
    content = controls.widget()
    assert content.width() <= controls.viewport().width()  # nothing to scroll sideways to
    assert controls.width() <= panel.width() // 2 + 4
    assert panel.plot_tabs.width() >= panel.width() * 0.4
    for b in (panel.play_button, panel.step_button, panel.reset_button):
        right = b.mapTo(content, b.rect().topRight()).x()
        assert b.isVisible() and right <= controls.viewport().width(), b.text()
    task = panel.task_combo  # wrapped under its label, its title whole
    assert task.width() >= task.fontMetrics().horizontalAdvance(task.currentText())
    for plot in (panel.step_plot, panel.norm_plot):
        label = plot.titleLabel
        assert label.item.boundingRect().width() <= plot.vb.width() + 60, label.text
    assert panel.step_plot.titleLabel.item.toPlainText() == "Gradient through time"
    w.resize(1600, 1000)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert panel.step_plot.titleLabel.item.toPlainText() == "Gradient through time (last update)"
    form = content.layout()
    label = form.labelForField(task)
    assert abs(label.geometry().center().y() - task.geometry().center().y()) < 6  # side by side


@pytest.mark.parametrize("size", [(1280, 720), (1600, 1000)])
def test_titles_and_share_labels_fit_at_1280x720(make_window, size):
    """At 1280 x 720 the dL/dh title ran under its colour bar, the connectivity title out of
    its plot ("... validation sam"), "Saturation per unit" past its edge, and the share
    axis' labels into each other ("0 0.20.40.60.8"). Each title now fits (a short one where
    the whole does not: both gate titles short together) and the share axis labels every
    0.5 where those every 0.2 do not fit side by side."""
    from PySide6 import QtGui, QtWidgets

    w, panel = _panel(make_window, size=size, updates=2)
    gv = panel.grad_views
    for key, plots in (("dh", [gv.heat_plot]), ("connectivity", [gv.conn_plot]),
                       ("gates", [gv.mean_plot, gv.sat_plot])):
        gv.show_view(key)
        QtWidgets.QApplication.processEvents()
        for plot in plots:
            label = plot.titleLabel
            text = label.item.boundingRect().width()
            assert text <= label.rect().width() + 0.5, (key, label.item.toPlainText())
            if plot is gv.heat_plot:  # and clear of the colour bar beside the heatmap
                right = label.mapToScene(label.item.mapToParent(label.item.boundingRect().topRight())).x()
                assert right <= gv.heat_bar.sceneBoundingRect().left() + 0.5
        if key == "gates":
            shown = [p.titleLabel.item.toPlainText() for p in plots]
            assert shown in (["Mean per unit", "Saturation per unit"], ["Mean", "Saturation"])
            if size == (1600, 1000):
                assert shown == ["Mean per unit", "Saturation per unit"]
    axis = gv.sat_plot.getAxis("bottom")
    spacing = axis.tickSpacing(0.0, 1.0, axis.width())
    fm = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont())
    step = spacing[0][0]
    room = axis.width() * step / 1.0  # pixels between two labels
    assert fm.horizontalAdvance("0.8") < room
    if size == (1600, 1000):
        assert step <= 0.2  # as pyqtgraph spaces them where they fit
    # one level of ticks, as up the left share axis: pyqtgraph's own added one every 0.02
    assert len(spacing) == 1
    assert [len(values) for _, values in axis.tickValues(0.0, 1.0, axis.width())] == [int(round(1 / step)) + 1]
    panel.stop()


@pytest.mark.parametrize("theme,size", [("projector", (1280, 720)), ("dark", (1600, 1000))])
def test_the_share_axes_titles_and_the_loss_legend_read_whole_on_a_projector(make_window, qapp, theme, size):
    """In the projector theme at 1280 x 720 beside the side panel (shown by S: there it gives
    way to the Train tab, whose Play it would push out of sight), the saturation plot's
    "share of steps < 0.1" ran out of the window ("share of steps < 0.") and the loss
    legend took three rows of a plot 84 px high. There the axes say "share < 0.1" and
    "share > 0.9" (the caption says of what) and the legend's curves "per update", "per
    epoch" (two rows at most) or "update", "epoch" (one row); at 1600 x 1000 the whole
    titles and names, the legend in one row."""
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th

    w, panel = _panel(make_window, size=size, updates=2)
    try:
        w.set_theme(theme)
        w.resize(*size)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        if not w.side.isVisible():  # (it gives way to the Train tab there: S shows it)
            w.presenter.toggle_side()
            for _ in range(3):
                QtWidgets.QApplication.processEvents()
        assert panel.window().isVisible() and w.splitter.sizes()[0] > 0  # the side panel shown
        gv = panel.grad_views
        gv.show_view("gates")
        QtWidgets.QApplication.processEvents()
        glw = gv.glws["gates"]
        seen = glw.mapToScene(glw.viewport().rect()).boundingRect()
        whole = size == (1600, 1000)
        for side, text, short in (("bottom", "share of steps < 0.1", "share < 0.1"),
                                  ("left", "share of steps > 0.9", "share > 0.9")):
            axis = gv.sat_plot.getAxis(side)
            # (the left one whole where the view's height holds it: the caption leaves the
            # plot its room since it is cut to a quarter of the page)
            shown = axis.label.toPlainText().strip()
            assert axis.label.isVisible() and (shown == text if whole else shown in ((short, text) if side == "left"
                                                                                     else (short,)))
            box = axis.label.sceneBoundingRect()
            assert seen.contains(box), (side, box, seen)  # in the window, whole
            along = box.width() if side == "bottom" else box.height()
            assert along <= (gv.sat_plot.vb.width() if side == "bottom" else gv.sat_plot.vb.height()) + 0.5
        panel.plot_tabs.setCurrentIndex(0)
        QtWidgets.QApplication.processEvents()
        legend, plot = panel.legend, panel.loss_plot
        names = [label.item.toPlainText().strip("\u200b") for _, label in legend.items]
        rows = -(-len(names) // legend.columnCount)
        if whole:
            assert names == ["train, per update", "train, per epoch", "validation"] and rows == 1
        else:  # (the whole names where they take no more rows: the side panel as wide as the
            # projector's Stack page needs, 422 px, leaves them two rows either way; the
            # shortest in one row)
            assert names in (["per update", "per epoch", "validation"],
                             ["train, per update", "train, per epoch", "validation"]) and rows <= 2 \
                or names == ["update", "epoch", "validation"] and rows == 1
        right = plot.vb.sceneBoundingRect().right()
        assert all(label.sceneBoundingRect().right() <= right + 0.5 for _, label in legend.items)
    finally:
        panel.stop()
        th.apply("dark", qapp)


@pytest.mark.parametrize("theme,size", [("dark", (1400, 900)), ("dark", (1280, 720)), ("projector", (1280, 720))])
def test_the_saturation_plots_left_axis_has_one_level_of_ticks_as_its_bottom(make_window, qapp, theme, size):
    """The saturation plot's bottom share axis had been given one level of ticks (every 0.2,
    or 0.5 where those crowd), but its left one kept pyqtgraph's, with minor ticks between
    (every 0.04): now both share axes tick alike, labels apart by at least a line."""
    from PySide6 import QtGui

    from lstmviz.ui import theme as th

    w, panel = _panel(make_window, size=size, updates=2)
    try:
        gv = _on_view(w, panel, size, theme, "gates")
        axis = gv.sat_plot.getAxis("left")
        spacing = axis.tickSpacing(0.0, 1.0, axis.height())
        assert len(spacing) == 1 and spacing[0][0] in (0.2, 0.5)
        step = spacing[0][0]
        assert [len(values) for _, values in axis.tickValues(0.0, 1.0, axis.height())] == [int(round(1 / step)) + 1]
        fm = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont())
        (_, _), (y0, y1) = gv.sat_plot.vb.viewRange()
        assert gv.sat_plot.vb.height() * step / (y1 - y0) >= 1.5 * fm.height()  # labels a line apart
    finally:
        panel.stop()
        th.apply("dark", qapp)


def test_the_saturation_plots_axis_titles_are_whole_on_the_gates_page_at_1400x900(make_window):
    """At 1400 x 900 the saturation plot's "share of steps < 0.1" ran out of the Gates page
    ("share of steps < 0."): the whole title, chosen over the short one once the plot had
    its width, stayed where pyqtgraph had centred the short one. Each title is whole, inside
    the page and centred on its axis."""
    w, panel = _panel(make_window, size=(1400, 900), updates=2)
    try:
        gv = _on_view(w, panel, (1400, 900), "dark", "gates")
        glw = gv.glws["gates"]
        seen = glw.mapToScene(glw.viewport().rect()).boundingRect()
        for side, text in (("bottom", "share of steps < 0.1"), ("left", "share of steps > 0.9")):
            axis = gv.sat_plot.getAxis(side)
            assert axis.label.toPlainText().strip() == text
            box, along = axis.label.sceneBoundingRect(), axis.sceneBoundingRect()
            assert seen.contains(box), (side, box, seen)
            centre, middle = ((box.center().x(), along.center().x()) if side == "bottom"
                              else (box.center().y(), along.center().y()))
            assert abs(centre - middle) <= 1.5, (side, box, along)
    finally:
        panel.stop()


@pytest.mark.parametrize("size, lecture", [((1024, 600), False), ((800, 600), True)])
def test_a_gradient_views_caption_leaves_its_plot_the_room(make_window, size, lecture):
    """At 1024 x 600 (and in a lesson on an 800 x 600 projector) the gradient views'
    captions, six or seven lines each, took the height their plots needed: the
    connectivity plot's view was 0 px high, the dL/dh heatmap's 36 px. A caption now takes
    at most a quarter of its page (a fifth in a lecture theme), at least a line; where it
    is cut, its last line ends in "…" and the whole text is its tooltip."""
    from helpers import present_on
    from lstmviz.ui.labels import shown_text

    w, panel = _panel(make_window, size, updates=3)
    if lecture:
        present_on(w, *size)
    gv = panel.grad_views
    plots = {"dh": gv.heat_plot, "connectivity": gv.conn_plot, "gates": gv.mean_plot, "updates": gv.upd_plot}
    share = 5 if lecture else 4
    for key, plot in plots.items():
        gv.show_view(key)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        page, cap = gv.pages[key], gv.captions[key]
        text = getattr(cap, "label", cap)  # (the label that shows the text)
        line = text.fontMetrics().lineSpacing()
        assert cap.height() <= max(line, page.height() / share) + 1, (key, cap.height(), page.height())
        assert cap.height() >= line - 1
        assert plot.vb.height() >= page.height() / 8, (key, plot.vb.height(), page.height())
        if cap.height() < cap.sizeHint().height():  # cut: the whole text a tooltip away
            assert text.text() != cap.text() and "\u2026" in text.text()
            assert cap.toolTip() == shown_text(cap.text())


def test_a_diverged_runs_views_say_their_numbers_are_not_finite(make_window):
    """sgd at a learning rate of 10 overflows a GRU's weights: the dL/dh caption read
    "loss (inf) ... colour ±1 is ±0, ... the middle colour below 0" over a heatmap of one
    colour (every value NaN), as if the gradient were 0; the Updates tab drew no bars and
    said nothing (the saturated GRU's last update moved none of its weights). Each says how
    many values it cannot draw, and why."""
    import math

    w, panel = _panel(make_window, cell="GRU", optimizer="sgd", learning_rate=10.0, updates=100)
    s = panel.session
    assert s.stopped and not math.isfinite(s.view().history.loss[-1])
    gv = panel.grad_views
    gv.show_view("dh")
    v = gv.view
    bad = int(np.size(v.dh) - np.count_nonzero(np.isfinite(v.dh)))
    assert bad > 0
    text = gv.captions["dh"].text()
    assert "\u00b10," not in text and "below 0." not in text
    assert f"not finite at update {s.iteration}: NaN or infinite in {bad} of {np.size(v.dh)} cells" in text
    assert np.all(np.isfinite(gv.heat_image.image))
    gv.show_view("updates")
    v = gv.view
    # the saturated GRU's gradient is 0 by then: the last update left its blocks as they were
    unchanged = sum(b.delta == 0 for b in v.updates)
    assert unchanged == len(v.updates) == 9
    shown = sum(len(b.opts["x"]) for b in gv.upd_bars.values())
    assert shown == sum(b.ratio > 0 and math.isfinite(b.ratio) for b in v.updates) == 0
    assert gv.captions["updates"].text().endswith("No bar for 9 blocks unchanged (a gradient of 0), of 9.")
    panel.stop()


def test_before_the_first_update_the_views_say_so_not_update_0_twice(make_window):
    """A new run, before any update: the connectivity caption read "update 0 (solid) and
    update 0 (dashed)", two curves of which one is seen, and the Updates view's empty plot
    labelled its axis "1" at its floor, as if a scale stood there. The caption says the
    dashed line is the same, under the solid one; the empty Updates axis has no values."""
    w, panel = _panel(make_window)
    gv = panel.grad_views
    gv.show_view("connectivity")
    assert gv.view.iteration == 0
    text = gv.captions["connectivity"].text()
    assert "update 0 (solid) and update 0 (dashed)" not in text
    assert "no update yet" in text
    gv.show_view("updates")
    assert gv.view.updates is None
    assert gv.upd_plot.getAxis("left")._tickLevels in (None, [[], []], [])
    panel.one_update()
    panel.wait()
    gv.show_view("connectivity")
    assert gv.view.iteration == 1
    assert "update 1 (solid) and update 0 (dashed)" in gv.captions["connectivity"].text()
    gv.show_view("updates")
    assert gv.view.updates and gv.upd_plot.getAxis("left")._tickLevels[0]
    panel.stop()


def test_a_heatmap_with_no_finite_value_labels_its_colour_bar_with_0_only(make_window):
    """A SimpleRNN at sgd's learning rate of 10: every dL/dh of the update that overflowed
    is infinite or NaN, drawn in the middle colour. The colour bar beside it read "+0, +0,
    +0, 0, \u22120, \u22120, \u22120" (its marks at fractions of a scale of 0), seven labels
    for one value; it says "0" alone, as the caption says no scale."""
    w, panel = _panel(make_window, cell="SimpleRNN", optimizer="sgd", learning_rate=10.0, updates=100)
    assert panel.session.stopped
    gv = panel.grad_views
    for scale in (0, 1):
        gv.scale_combo.setCurrentIndex(scale)
        gv.show_view("dh")
        assert not np.isfinite(gv.view.dh).any()
        assert gv.heat_values(gv.view)[1] == 0.0
        assert gv.heat_bar.axis._tickLevels[0] == [(0.0, "0")]
        assert "colours" not in gv.captions["dh"].text().lower()
    panel.stop()


@pytest.mark.parametrize("theme,size", [("projector", (1280, 720)), ("projector", (1024, 768)),
                                        ("dark", (1600, 1000))])
def test_the_updates_view_reads_whole_on_a_projector(make_window, qapp, theme, size):
    """In the projector theme at 1280 x 720 beside the side panel the Updates view's title
    ran out of its plot ("The last update, per gate bloc"), its weight labels into each
    other ("kernel Wrecurrent U bias b") and its gate legend lay over the bias bars (their
    tops washed out under its background). The title is short where the whole does not
    fit, the labels the weights' letters (W, U, b: the caption names them) where the names
    do not, and the legend has a row of its own under the plot; wide, all of it whole."""
    from PySide6 import QtGui

    from lstmviz.ui import theme as th

    w, panel = _panel(make_window, size=size, updates=3)
    try:
        gv = _on_view(w, panel, size, theme, "updates")
        plot = gv.upd_plot
        label = plot.titleLabel
        assert label.item.boundingRect().width() <= label.rect().width() + 0.5, label.item.toPlainText()
        axis = plot.getAxis("bottom")
        xs, names = axis.groups_shown()
        fm = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont())
        px = [plot.vb.mapViewToScene(QtCore.QPointF(x, 0)).x() for x in xs]
        for k in range(len(xs) - 1):  # each label's half and the next's, a gap between them
            half = (fm.horizontalAdvance(names[k]) + fm.horizontalAdvance(names[k + 1])) / 2
            assert px[k + 1] - px[k] >= half + fm.horizontalAdvance(" "), names
        wide = size == (1600, 1000)
        assert names in (["kernel W", "recurrent U", "bias b"], ["W", "U", "b"])
        if wide:
            assert names == ["kernel W", "recurrent U", "bias b"]
            assert label.item.toPlainText() == "The last update, per gate block"
        view = plot.vb.sceneBoundingRect()
        legend = gv.upd_legend
        assert legend.isVisible() and len(legend.items) == 4
        assert not legend.sceneBoundingRect().intersects(view)
        seen = gv.glws["updates"].mapToScene(gv.glws["updates"].viewport().rect()).boundingRect()
        assert seen.contains(legend.sceneBoundingRect())
    finally:
        panel.stop()
        th.apply("dark", qapp)


@pytest.mark.parametrize("scale", [0, 1])
def test_the_colour_bar_labels_the_values_the_caption_rounds_to(make_window, scale):
    """The dL/dh colour bar labelled its ticks to one digit: with colour ±1 at ±0.17 (the
    caption) the signed-log ticks read "+2e-02" for 0.017, the linear ones "+1e-01" for
    0.1275 (a fifth off). Each tick now says its value to two digits, as the caption does,
    the bar's axis as wide as its longest label. Its ends (colour +-1, +-m) are labelled
    too: they were not (pyqtgraph drops a label standing past its axis' ends), the bar
    read +-0.75 .. 0 and the scale's reach was left to the caption."""
    w, panel = _panel(make_window, updates=3)
    gv = panel.grad_views
    gv.scale_combo.setCurrentIndex(scale)
    gv.show_view("dh")
    QtWidgets.QApplication.processEvents()
    _, m = gv.heat_values(gv.view)
    ticks = gv.heat_bar.axis._tickLevels[0]
    assert len(ticks) == 9 and (0.0, "0") in ticks
    assert (1.0, f"+{m:.2g}") in ticks and (-1.0, f"\u2212{m:.2g}") in ticks
    for pos, label in ticks:
        if pos == 0.0:
            continue
        value = m * 10.0 ** (-(1 - abs(pos)) * 4) if scale == 0 else m * abs(pos)
        want = float(f"{value:.2g}")
        assert float(label.replace("\u2212", "-")) == pytest.approx(np.sign(pos) * want, rel=1e-12), (pos, label, value)
    assert f"\u00b1{m:.2g}" in gv.captions["dh"].text()
    # every label drawn (pyqtgraph leaves out one wider than its axis: "+0.00036" was)
    from PySide6 import QtGui

    QtWidgets.QApplication.processEvents()
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        _, _, texts = gv.heat_bar.axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    assert sorted(t for _, _, t in texts) == sorted(label for _, label in ticks)
    panel.stop()


@pytest.mark.parametrize("theme,size", [("projector", (800, 600)), ("light", (800, 600)), ("projector", (1280, 720))])
def test_the_colour_bars_labels_stand_clear_and_its_ends_are_drawn(make_window, theme, size):
    """With its ends labelled, a short bar (114 px in the projector theme at 800 x 600)
    had nine labels touching; the marks between the ends and 0 give way (every second,
    then all) where they do not stand clear of each other, the ends and 0 drawn always,
    each whole inside the page."""
    from PySide6 import QtGui

    w, panel = _panel(make_window, size=size, updates=3)
    gv = _on_view(w, panel, size, theme, "dh")
    _, m = gv.heat_values(gv.view)
    axis = gv.heat_bar.axis
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    drawn = sorted((r.top(), r.bottom(), t) for r, _, t in texts)
    labels = [t for _, _, t in drawn]
    assert labels[0] == f"+{m:.2g}" and labels[-1] == f"\u2212{m:.2g}" and "0" in labels, labels
    assert len(labels) in (5, 9) and len(labels) == len(axis._tickLevels[0])
    assert all(a[1] <= b[0] for a, b in zip(drawn, drawn[1:])), drawn  # (none over another)
    page = gv.glws["dh"]
    for r, _, _ in texts:
        rect = page.mapFromScene(axis.mapRectToScene(r)).boundingRect()
        assert page.rect().contains(rect), (rect, page.rect())
    panel.stop()


def test_connectivity_of_zero_is_no_point_on_the_log_axis_and_said(make_window):
    """A diverged LSTM (sgd at a learning rate of 10) saturates: its output no longer
    depends on any input, ||dy_T/dx_t|| = 0 at every step. The log plot drew those zeros at
    its 1e-30 floor, a row of points that read as real, tiny values, the axis stretched
    over 30 decades. A zero is now no point (a gap in its curve), the legend entry and the
    caption say where it is 0, and the axis holds only the values that are drawn."""
    import math

    w, panel = _panel(make_window, optimizer="sgd", learning_rate=10.0, updates=100)
    s = panel.session
    assert s.stopped and not math.isfinite(s.view().history.loss[-1])
    gv = panel.grad_views
    gv.show_view("connectivity")
    v = gv.view
    c, c0 = np.asarray(v.connectivity), np.asarray(v.connectivity0)
    assert np.all(c == 0) and np.all(c0 > 0)  # (the case: no dependence left)
    x, y = gv.conn_curve.getData()
    assert x is None or len(x) == 0 or np.all(np.isnan(y))  # no point at a made-up floor
    np.testing.assert_allclose(10 ** gv.conn_curve0.getData()[1], c0, rtol=1e-9)
    labels = [label.text for _, label in gv.conn_legend.items]
    assert labels == ["now: 0 at every step", "update 0"], labels
    assert "now 0 at every step" in gv.captions["connectivity"].text()
    QtWidgets.QApplication.processEvents()
    lo, hi = gv.conn_plot.vb.viewRange()[1]
    assert lo > np.log10(c0.min()) - 1, lo  # (log10) not down to -30
    from lstmviz.ui.grad_views import zero_steps

    assert zero_steps(np.array([1.0, 0.0, 2.0, 0.0])) == "0 at steps 1, 3"
    assert zero_steps(np.array([0.0, 2.0])) == "0 at step 0"
    assert zero_steps(np.r_[np.zeros(5), np.ones(3)]) == "0 at 5 of 8 steps"
    assert zero_steps(np.ones(3)) == "" and zero_steps(None) == ""
    panel.stop()


def test_one_units_gates_at_one_place_on_the_saturation_plot_are_each_seen(make_window):
    """An LSTM of 1 unit: its three gates' saturation points stand at the same place (0, 0:
    none saturates yet), all of one size, so the last drawn (o) covered i and f and the
    plot showed one point of three. Each gate's points are now smaller than the one's
    before and drawn over it: rings round one another, each gate's colour on screen."""
    from PySide6 import QtGui

    w, panel = _panel(make_window, (1400, 900), units=1, updates=1)
    gv = panel.grad_views
    gv.show_view("gates")
    QtWidgets.QApplication.processEvents()
    points = [gv.sat_points[k] for k in ("i", "f", "o")]
    xy = [(p.data["x"][0], p.data["y"][0]) for p in points]
    assert xy[0] == xy[1] == xy[2], xy  # (the case: one place)
    image = gv.sat_plot.scene().views()[0].grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    ratio = image.width() / gv.sat_plot.scene().views()[0].width()
    centre = gv.sat_plot.vb.mapViewToScene(QtCore.QPointF(*xy[0]))
    for key in ("i", "f", "o"):
        hue = QtGui.QColor(gv.theme.hue(key)).rgb()
        r = int(14 * ratio)
        cx, cy = int(centre.x() * ratio), int(centre.y() * ratio)
        hits = sum(1 for y in range(cy - r, cy + r) for x in range(cx - r, cx + r)
                   if 0 <= x < image.width() and 0 <= y < image.height()
                   and QtGui.QColor(image.pixel(x, y)).rgb() == hue)
        assert hits >= 10, (key, hits)
    panel.stop()


@pytest.mark.parametrize("theme,size,stacked", [("projector", (1024, 768), False), ("dark", (1100, 1200), True),
                                                ("dark", (1600, 1000), False)])
def test_the_gates_unit_axis_of_128_units_has_readable_ticks(make_window, qapp, theme, size, stacked):
    """In the projector theme at 1024 x 768 the Gates page beside the side panel gave each
    plot ~100 px: the unit axis under 128 units' bars had one label, "0". The side panel
    gives way there (the plots have the room), and a page too narrow for both plots side by
    side but tall enough (beside the side panel at 1100 x 1200) puts the saturation plot
    under the means: the unit axis has several labels, none over another."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.views._common import label_room

    w, panel = _panel(make_window, size, units=128)
    try:
        gv = _on_view(w, panel, size, theme, "gates")
        assert gv.view.ref.units == 128
        axis = gv.mean_plot.getAxis("bottom")
        labels = [text for _, text in axis._tickLevels[0]]
        assert len(labels) >= 3 and len(labels) <= label_room(axis, labels), labels
        layout = gv.glws["gates"].ci
        assert layout.items[gv.sat_plot] == ([(1, 0)] if stacked else [(0, 1)])
        assert gv.mean_plot.width() >= 200 and gv.sat_plot.width() >= 200
        assert "Left:" not in gv.captions["gates"].text()
    finally:
        panel.stop()
        th.apply("dark", qapp)


def test_a_heatmap_of_a_gradient_of_0_says_so_not_a_scale_of_0(make_window, tmp_path):
    """categorical_crossentropy on a model of one output unit: the loss does not depend on
    the weights, dL/dh_t = 0 in every cell. The caption read "colour \u00b11 is \u00b10, the
    middle of each half 100\u00d7 weaker, the middle colour below 0" (a scale of 0); it says
    dL/dh_t is 0 everywhere, and the colour bar has "0" alone."""
    from lstmviz.app import tasks

    w = make_window((1400, 900))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    w.state.set_model(tasks.get("delay").model(units=4, steps=10, seed=3))
    x = np.random.default_rng(1).uniform(-1, 1, (40, 10, 1)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x[:, 0, :])
    box = panel.user_box
    box.set_file("x", tmp_path / "x.npy")
    box.set_file("y", tmp_path / "y.npy")
    box.loss_combo.setCurrentText("categorical_crossentropy")
    assert box.train()
    panel.session.step()
    gv = panel.grad_views
    for scale in (0, 1):
        gv.scale_combo.setCurrentIndex(scale)
        gv.show_view("dh")
        assert gv.view.iteration == 1 and gv.view.dh is not None
        assert not np.any(gv.view.dh)  # (the probe's: 0 in every cell)
        text = gv.captions["dh"].text()
        assert "is 0 in every cell" in text and "\u00b10" not in text and "below 0" not in text
        assert gv.heat_bar.axis._tickLevels[0] == [(0.0, "0")]
    panel.stop()


@pytest.mark.parametrize("theme,size", [("dark", (1024, 600)), ("projector", (1024, 600)), ("light", (800, 600)),
                                        ("projector", (1280, 720)), ("dark", (1100, 1200))])
def test_the_gates_legend_covers_neither_plot_and_the_diagonal_is_one_dashed_line(make_window, qapp, theme, size):
    """The gates' legend sat in the saturation plot's upper triangle, which no point reaches
    (x + y <= 1), but where the plot is short (1024 x 600; a projector's 1280 x 720, a
    lesson's) its box lay on the dashed diagonal: over it, a darker stretch of the line,
    then under it, the dashes through its names. The legend is now in a row of its own
    under the plots (across both where they are side by side, under the saturation plot
    where it is under the means: 1100 x 1200 beside the side panel), one line high, over
    no plot's view; every stretch of the diagonal is as bright as the rest."""
    from PySide6 import QtGui

    from lstmviz.ui import theme as th

    w, panel = _panel(make_window, size)
    try:
        gv = _on_view(w, panel, size, theme, "gates")
        if size == (1100, 1200) and not w.side.isVisible():
            w.presenter.toggle_side()
            for _ in range(4):
                QtWidgets.QApplication.processEvents()
        legend = gv.sat_legend
        box = legend.sceneBoundingRect()
        glw = gv.glws["gates"]
        seen = glw.mapToScene(glw.viewport().rect()).boundingRect()
        assert legend.isVisible() and len(legend.items) == 3 and seen.contains(box), (box, seen)
        for plot in (gv.mean_plot, gv.sat_plot):
            assert not box.intersects(plot.vb.sceneBoundingRect()), (box, plot.vb.sceneBoundingRect())
            assert box.top() >= plot.sceneBoundingRect().bottom() - 0.5  # (under the plot, axes and all)
        stacked = glw.ci.items[gv.sat_plot] == [(1, 0)]
        assert stacked == (size == (1100, 1200))
        tops = {round(label.sceneBoundingRect().top()) for _, label in legend.items}
        assert len(tops) == 1  # (one row)
        line_height = max(label.sceneBoundingRect().height() for _, label in legend.items)
        assert box.height() <= line_height + 1
        # the diagonal, drawn: each of its rows has the line's full ink near it (its dashes)
        view = gv.sat_plot.scene().views()[0]
        a = gv.sat_plot.vb.mapViewToScene(QtCore.QPointF(0, 1))
        b = gv.sat_plot.vb.mapViewToScene(QtCore.QPointF(1, 0))
        image = view.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
        ratio = image.width() / view.width()
        bg = QtGui.QColor(gv.theme.background)
        line = QtGui.QColor(gv.theme.grid)
        inks = []
        for y in range(int(a.y() * ratio) + 4, int(b.y() * ratio) - 4):
            x = a.x() + (b.x() - a.x()) * (y / ratio - a.y()) / (b.y() - a.y())
            inks.append(max(max(abs(c.red() - bg.red()), abs(c.green() - bg.green()), abs(c.blue() - bg.blue()))
                            for c in (QtGui.QColor(image.pixel(int(x * ratio) + dx, y)) for dx in range(-3, 4))))
        full = max(abs(line.red() - bg.red()), abs(line.green() - bg.green()), abs(line.blue() - bg.blue()))
        assert len(inks) >= 40 and min(sorted(inks)[-len(inks) // 4:]) >= 0.8 * full, (inks, full)
    finally:
        panel.stop()
        th.apply("dark", qapp)


def _axis_texts(axis) -> list:
    """The labels ``axis`` lays out (``generateDrawSpecs``): (rect, flags, text) each."""
    from PySide6 import QtGui

    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        return axis.generateDrawSpecs(painter)[2]
    finally:
        painter.end()


def _trained_on_files(make_window, tmp_path, model, x, y, theme, size):
    """A window whose Train tab trains ``model`` (put on the stack) on ``x`` and ``y`` given
    as files, in ``theme`` at ``size``: (window, panel)."""
    w = make_window()
    w.set_theme(theme)
    w.resize(*size)
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    w.state.set_model(model)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    panel.user_box.set_file("x", tmp_path / "x.npy")
    panel.user_box.set_file("y", tmp_path / "y.npy")
    assert panel.user_box.train()
    return w, panel


@pytest.mark.parametrize("theme,size,updates", [("projector", (1280, 720), 5), ("dark", (1400, 900), 0)])
def test_the_connectivity_axis_labels_stand_apart(make_window, qapp, theme, size, updates):
    """The delay task's connectivity spans under two decades (0.0003 .. 0.02 after five
    updates): pyqtgraph's log axis labelled every 1..9 x 10^k of it, "0.02, 0.01, 0.009,
    0.008, ..., 0.0003", eighteen labels drawn over each other in the projector theme at
    1280 x 720. The labels now stand a line apart, at 1, 2, 3, 5 x 10^k, each drawn."""

    w, panel = _panel(make_window, updates=updates)
    gv = _on_view(w, panel, size, theme, "connectivity")
    axis = gv.conn_plot.getAxis("left")
    assert 0.5 < np.ptp(axis.range) < 2  # (the case: under two decades)
    texts = _axis_texts(axis)
    rects = sorted((r.top(), r.bottom(), t) for r, _, t in texts)
    assert len(rects) >= 2, rects
    for (_, bottom, a), (top, _, b) in zip(rects, rects[1:]):
        assert top >= bottom, (a, b)
    for _, _, text in rects:  # at 1, 2, 3, 5 x 10^k
        assert f"{float(text):.0e}"[0] in "1235", text
    panel.stop()


@pytest.mark.parametrize("theme,size", [("projector", (1280, 720)), ("projector", (1024, 768)), ("dark", (1400, 900))])
def test_a_connectivity_legend_that_says_where_it_is_0_stays_within_its_page(make_window, tmp_path, theme, size):
    """A Masking layer's padded steps (the last 4 of 10) are 0 in the connectivity, now and
    at update 0: the legend's two entries, "now: 0 at 4 of 10 steps" and "update 0: 0 at 4
    of 10 steps", side by side were wider than the page (580 px in 472 at 1280 x 720): the
    plot grew past its right edge, cut at step 7, the legend mid-word. The entries now go
    one above the other where they do not fit side by side."""
    from lstmviz import LayerSpec, Model

    x = np.random.default_rng(0).uniform(-1, 1, (40, 10, 1)).astype(np.float32)
    x[:, 6:] = 0.0  # padding
    model = Model.sequential((None, 10, 1), [LayerSpec("Masking", {"mask_value": 0.0}),
                                             LayerSpec("LSTM", {"units": 4}), LayerSpec("Dense", {"units": 1})], seed=0)
    w, panel = _trained_on_files(make_window, tmp_path, model, x, x[:, 0], theme, size)
    gv = panel.grad_views
    gv.show_view("connectivity")
    for _ in range(4):
        QtWidgets.QApplication.processEvents()
    labels = [label.text for _, label in gv.conn_legend.items]
    assert labels == ["now: 0 at 4 of 10 steps", "update 0: 0 at 4 of 10 steps"]  # (the case)
    page = gv.glws["connectivity"]
    for item in (gv.conn_plot, gv.conn_legend):
        assert item.sceneBoundingRect().right() <= page.width(), (item, page.width())
    for _, label in gv.conn_legend.items:
        assert label.sceneBoundingRect().right() <= page.width()
    # in the title's row (under the title where the entries do not fit beside it), over
    # neither the title's text nor the curves
    box, view = gv.conn_legend.sceneBoundingRect(), gv.conn_plot.vb.sceneBoundingRect()
    title = gv.conn_plot.titleLabel.item.sceneBoundingRect()
    assert not box.intersects(title) and not box.intersects(view) and box.bottom() <= view.top(), (box, title, view)
    # the last step's tick is on the axis in sight
    last = gv.conn_plot.vb.mapViewToScene(QtCore.QPointF(9, 0)).x()
    assert last <= gv.conn_plot.vb.sceneBoundingRect().right() + 0.5 <= page.width()
    panel.stop()


def test_the_connectivity_legends_short_entries_stand_side_by_side(make_window):
    w, panel = _panel(make_window, (1280, 720))
    gv = _on_view(w, panel, (1280, 720), "projector", "connectivity")
    assert [label.text for _, label in gv.conn_legend.items] == ["now", "update 0"]
    assert gv.conn_legend.columnCount == 2
    panel.stop()


def test_lesson_12s_connectivity_in_a_1280_x_720_projector_window_keeps_its_plot_readable(make_window, qapp):
    """'What the forget gate learns', step 4, in a 1280 x 720 window in the projector theme
    (not presenting): the "now / update 0" legend took a row of its own under the plot,
    49 px, and the caption bar and the page's caption left the curves ~75-100 px: five
    decades in that. The legend is beside the title (its short form, the legend's entries
    side by side), over no curve, and the plot keeps the row's height."""
    from lstmviz.app import tours
    from lstmviz.ui import theme as th

    w = make_window((1280, 720))
    p = w.presenter
    try:
        w.set_theme("projector")
        p.tour.start(next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title.startswith("What the forget")))
        p.tour.go(3)
        for _ in range(2):
            w.resize(1280, 720)
            for _ in range(4):
                QtWidgets.QApplication.processEvents()
        assert not p.active and w.train_panel.plot_tabs.currentWidget() is w.train_panel.grad_views.pages[
            "connectivity"]
        gv = w.train_panel.grad_views
        plot, legend = gv.conn_plot, gv.conn_legend
        view = plot.vb.sceneBoundingRect()
        assert view.height() >= 140, view.height()
        box = legend.sceneBoundingRect()
        assert legend.isVisible() and not box.intersects(view) and box.bottom() <= view.top() + 0.5
        title = plot.titleLabel.item.sceneBoundingRect()
        assert box.left() >= title.right() and abs(box.center().y() - title.center().y()) <= 4  # (in its row)
        assert legend.columnCount == 2 and box.right() <= view.right() + 0.5
        assert [label.text for _, label in legend.items] == ["now", "update 0"]
    finally:
        p.tour.end()
        w.train_panel.stop()
        th.apply("dark", qapp)


def test_the_connectivity_of_one_step_is_read_on_a_labelled_axis(make_window, tmp_path):
    """The blog post's LSTM(4, input_shape=(1, 2)) trained on its one step: the connectivity
    is one point, and the plot's auto range put 0.005 of a decade round it, where no 1, 2,
    3 or 5 x 10^k lies: the log axis had no label, the value could not be read. The plot
    shows a decade at least, labelled."""

    panel, gv = _one_step_connectivity(make_window, tmp_path, updates=3)
    (c,) = gv.view.connectivity  # (the case: one step, one point)
    axis = gv.conn_plot.getAxis("left")
    texts = _axis_texts(axis)
    values = [float(t) for _, _, t in texts]
    assert values, "no label on the axis"
    lo, hi = gv.conn_plot.vb.viewRange()[1]
    assert lo <= np.log10(c) <= hi and hi - lo >= 1 - 1e-9
    panel.stop()


def _one_step_connectivity(make_window, tmp_path, updates: int):
    """A Train tab (projector, 1280 x 720) training an LSTM(4) on sequences of one step,
    ``updates`` updates made, its connectivity plot shown: (panel, grad views)."""
    from lstmviz import LayerSpec, Model

    x = np.random.default_rng(0).uniform(-1, 1, (40, 1, 2)).astype(np.float32)
    model = Model.sequential((None, 1, 2), [LayerSpec("LSTM", {"units": 4}), LayerSpec("Dense", {"units": 1})], seed=0)
    _, panel = _trained_on_files(make_window, tmp_path, model, x, x[:, 0, :1], "projector", (1280, 720))
    for _ in range(updates):
        panel.session.step()
    panel.refresh(force=True)
    gv = panel.grad_views
    gv.show_view("connectivity")
    for _ in range(4):
        QtWidgets.QApplication.processEvents()
    return panel, gv


def _painted_by(gv, curve, t, value, radius=12):
    """How many pixels within ``radius`` px of the point (t, value) of the connectivity
    plot ``curve`` paints: the page grabbed with it and without it."""
    from PySide6 import QtGui

    view = gv.glws["connectivity"]
    at = view.mapFromScene(gv.conn_plot.vb.mapViewToScene(QtCore.QPointF(t, np.log10(value))))

    def grab():
        img = view.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
        dpr = img.devicePixelRatio()
        return [[img.pixel(int((at.x() + dx) * dpr), int((at.y() + dy) * dpr))
                 for dx in range(-radius, radius + 1)] for dy in range(-radius, radius + 1)]

    shown = grab()
    curve.hide()
    hidden = grab()
    curve.show()
    return sum(a != b for ra, rb in zip(shown, hidden) for a, b in zip(ra, rb))


def test_the_update_0_curve_of_one_step_is_seen(make_window, tmp_path):
    """With one step the connectivity is one point a curve: the solid curve has its dots,
    but the dashed update-0 curve draws lines only, and its one point drew nothing. A point
    no line reaches is a ring now (the legend's sample with it, and the caption saying
    it); the curves of many steps keep a plain dashed line and their legend as ever."""
    panel, gv = _one_step_connectivity(make_window, tmp_path, updates=30)
    (c0,) = gv.view.connectivity0
    (c,) = gv.view.connectivity
    assert gv.view.iteration > 10 and c0 > 0 and c > 0  # (a ring round the dot where they meet)
    assert gv.conn_curve0.opts["symbol"] == "o"
    assert _painted_by(gv, gv.conn_curve0, 0, c0) >= 20
    assert "update 0 (dashed, a ring where a point has no line)" in gv.captions["connectivity"].text()
    panel.stop()
    # many steps: no symbol on the dashed curve, whose line is seen
    w, panel = _panel(make_window, updates=5)
    gv = _on_view(w, panel, (1400, 900), "projector", "connectivity")
    assert gv.conn_curve0.opts["symbol"] is None
    assert "update 0 (dashed)." in gv.captions["connectivity"].text()
    panel.stop()
    from lstmviz.ui.grad_views import lone_points

    assert lone_points([np.nan, 2.0, np.nan, 1.0, 3.0]) and lone_points([5.0])
    assert not lone_points([1.0, 2.0, np.nan, 3.0, 4.0]) and not lone_points([]) and not lone_points([np.nan])


def test_a_simplernns_updates_are_per_weight_not_per_gate_block(make_window, qtbot):
    """The Updates page of a SimpleRNN task: titled "The last update, per gate block" and
    captioned "... of each gate's block of simple_rnn's kernel W, ..." over three bars, a
    SimpleRNN having no gates. It says per weight, of simple_rnn's kernel W, ... now; an
    LSTM's page keeps its gate blocks."""
    def one_update(cell):  # (the Updates page of a task's run of ``cell``, after one update)
        _, panel = _panel(make_window, cell=cell)
        gv = panel.grad_views
        gv.show_view("updates")
        panel.step_button.click()
        panel.wait()
        qtbot.waitUntil(lambda: gv.view.iteration == 1, timeout=5000)
        QtWidgets.QApplication.processEvents()
        said = gv.upd_plot.titleLabel.item.toPlainText(), gv.captions["updates"].text()
        panel.stop()
        return said

    title, caption = one_update("SimpleRNN")
    assert title == "The last update, per weight", title
    assert "gate" not in caption and "of simple_rnn's kernel W, recurrent kernel U and bias b" in caption, caption
    title, caption = one_update("LSTM")
    assert title == "The last update, per gate block"
    assert "of each gate's block of lstm's kernel W" in caption


@pytest.mark.parametrize("size", [(800, 600), (1024, 768)])
def test_the_updates_axis_title_lies_within_its_axis_on_a_projector(make_window, qapp, size):
    """The Updates page in the projector theme at 800 x 600: its left axis' title
    "‖ΔW‖ / ‖W‖ (log)" was longer than the plot was high and ran past its bottom, cut
    ("‖Δ" under the plot). Where the whole title is longer than the axis it says
    "ΔW / W" (its caption says of which norms); the title shown lies within the view's
    height and the window."""
    from lstmviz.ui import theme as th

    w, panel = _panel(make_window, size=size, updates=2)
    try:
        gv = _on_view(w, panel, size, "projector", "updates")
        plot = gv.upd_plot
        axis = plot.getAxis("left")
        shown = axis.label.toPlainText().strip()
        assert axis.label.isVisible() and shown in ("\u2016\u0394W\u2016 / \u2016W\u2016 (log)", "\u0394W / W"), shown
        box, view = axis.label.sceneBoundingRect(), plot.vb.sceneBoundingRect()
        assert box.height() <= view.height() + 0.5 and view.top() - 0.5 <= box.top() \
            and box.bottom() <= view.bottom() + 0.5, (shown, box, view)
        glw = gv.glws["updates"]
        assert glw.mapToScene(glw.viewport().rect()).boundingRect().contains(box)
    finally:
        panel.stop()
        th.apply("dark", qapp)


@pytest.mark.parametrize("size", [(800, 600), (1024, 768)])
def test_the_mean_plots_labels_stand_apart_on_a_projector(make_window, qapp, size):
    """The Gates page in the projector theme at 800 x 600: its "Mean per unit" plot, 75 px
    high, kept pyqtgraph's labels every 0.2, "1.0 0.8 0.6 0.4 0.2 0" each over the next.
    Its 0 .. 1 axis now labels as the saturation plot's does: every 0.2 where they stand
    apart, else 0, 0.5 and 1; no label over another, 0 and 1 among them."""
    from helpers import axis_labels
    from lstmviz.ui import theme as th

    w, panel = _panel(make_window, size=size, updates=2)
    try:
        gv = _on_view(w, panel, size, "projector", "gates")
        axis = gv.mean_plot.getAxis("left")
        labels = sorted(axis_labels(axis), key=lambda r: r[0].top())
        values = [float(t) for _, t in labels]
        assert values[0] == 1.0 and values[-1] == 0.0, values
        for (a, _), (b, _) in zip(labels, labels[1:]):
            assert a.bottom() <= b.top(), [(t, r.top(), r.bottom()) for r, t in labels]
    finally:
        panel.stop()
        th.apply("dark", qapp)
