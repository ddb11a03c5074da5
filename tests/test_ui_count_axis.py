"""Count axes (steps, units) show no more labels than fit side by side, and take more when
the plot grows: a narrow heatmap of a long input's window used to print "3115031200..."."""

from __future__ import annotations

import pytest


def _plot(qtbot, width, height=200):
    import pyqtgraph as pg

    w = pg.PlotWidget()
    w.resize(width, height)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _labels_fit(axis) -> bool:
    """The labels' texts, widest one plus an em between neighbours, fit along the axis."""
    from PySide6 import QtGui

    ticks = axis._tickLevels[0]
    metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font())
    each = max(metrics.horizontalAdvance(t) for _, t in ticks) + metrics.horizontalAdvance("M")
    return len(ticks) * each <= axis.width()


@pytest.mark.parametrize("n, first", [(256, 31104), (60000, 0), (200, 0), (2_000_000, 0)])
def test_a_narrow_axis_gets_only_the_labels_it_has_room_for_and_more_when_widened(qtbot, n, first):
    from lstmviz.app.counts import tick_labels
    from lstmviz.ui.views._common import count_axis, count_ticks

    w = _plot(qtbot, 240)
    axis = w.plotItem.getAxis("bottom")
    w.plotItem.setXRange(first - 0.5, first + n - 0.5, padding=0)
    count_axis(axis, n, first=first, max_ticks=8)
    qtbot.wait(10)
    narrow = axis._tickLevels[0]
    assert narrow and _labels_fit(axis)
    # whole-number ticks at multiples of one spacing, inside the range
    values = [v for v, _ in narrow]
    assert all(v == int(v) and first <= v < first + n for v in values)
    assert [t for _, t in narrow] == tick_labels(values)  # (the compact form of steps)
    w.resize(1400, 200)
    qtbot.waitUntil(lambda: axis.width() > 1000)
    wide = axis._tickLevels[0]
    assert _labels_fit(axis)
    assert len(wide) >= len(narrow)
    assert wide == count_ticks(n, first, 8)  # room for all: the count asked for
    if n == 256:
        assert len(narrow) < len(wide)  # 31150 31200 31250 31300 31350 need ~300 px


def test_given_ticks_are_thinned_to_every_kth_where_they_do_not_fit(qtbot):
    from lstmviz.ui.views._common import count_axis

    w = _plot(qtbot, 200)
    axis = w.plotItem.getAxis("bottom")
    w.plotItem.setXRange(10000, 10040, padding=0)
    ticks = [(float(v), str(v)) for v in range(10000, 10040)]
    count_axis(axis, 40, ticks=ticks)
    qtbot.wait(10)
    shown = axis._tickLevels[0]
    assert _labels_fit(axis) and shown[0] == ticks[0]
    k = int(shown[1][0] - shown[0][0])
    assert k in (2, 5, 10, 20) and shown == ticks[::k]
    w.resize(3000, 200)
    qtbot.waitUntil(lambda: axis.width() > 2500)
    assert axis._tickLevels[0] == ticks  # all of them once there is room


def test_a_vertical_axis_fits_labels_by_lines(qtbot):
    from lstmviz.ui.views._common import count_axis

    w = _plot(qtbot, 300, 90)
    axis = w.plotItem.getAxis("left")
    w.plotItem.setYRange(-0.5, 255.5, padding=0)
    count_axis(axis, 256, max_ticks=16)
    qtbot.wait(10)
    from PySide6 import QtGui

    line = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font()).ascent()
    assert 1 <= len(axis._tickLevels[0]) <= max(1, int(axis.height() / line))


def test_alike_axes_fit_their_counts_once_and_others_for_themselves(qtbot):
    # a seek's six heatmaps' step axes fit the same counts: fitted once, and an axis of
    # another length or font, or other counts, gets its own fitting
    from PySide6 import QtGui

    from lstmviz.ui import plot_tools as _common  # where count_axis keeps its fitted ticks
    from lstmviz.ui.views._common import count_axis

    def fitted(axis, n, first, ticks=None):
        _common._FITTED.clear()
        return _common._fit(axis, n, first, 8, ticks)

    axes, widgets = [], []
    for width in (240, 240, 120):
        w = _plot(qtbot, width)
        widgets.append(w)
        w.plotItem.setXRange(31103.5, 31103.5 + 256, padding=0)
        axes.append(w.plotItem.getAxis("bottom"))
    _common._FITTED.clear()
    for axis in axes:
        count_axis(axis, 256, first=31104, max_ticks=8)
    assert len(_common._FITTED) == 2  # two lengths
    got = [list(a._tickLevels[0]) for a in axes]
    assert got[0] == got[1] == fitted(axes[0], 256, 31104)
    assert got[2] == fitted(axes[2], 256, 31104) and len(got[2]) < len(got[0])
    count_axis(axes[0], 256, first=31104, max_ticks=8)  # (fitted for the smaller font again)
    assert list(axes[0]._tickLevels[0]) == got[0]
    axes[1].setStyle(tickFont=QtGui.QFont("DejaVu Sans", 20))  # a larger font: fewer labels fit
    count_axis(axes[1], 256, first=31104, max_ticks=8)
    assert list(axes[1]._tickLevels[0]) == fitted(axes[1], 256, 31104) != got[0]
    count_axis(axes[0], 16, first=31200, max_ticks=8)  # other counts
    assert list(axes[0]._tickLevels[0]) == fitted(axes[0], 16, 31200)
    given = [[float(v), str(v)] for v in range(31104, 31360, 8)]  # lists: fitted each time
    count_axis(axes[0], 256, first=31104, ticks=given)
    assert [list(t) for t in axes[0]._tickLevels[0]] == [list(t) for t in fitted(axes[0], 256, 31104, given)]


@pytest.mark.parametrize("width", [110, 160, 400])
def test_the_first_count_is_labelled_at_the_axis_left_end(qtbot, width):
    """A heatmap's step axis over 40 steps at 1024x768 said only '20': its '0' stood half
    out of the axis's left end (the first column is 2 px wide), and pyqtgraph leaves out a
    label that does not fit inside the axis. The first count's label is now drawn, as
    far out as half its width."""
    from PySide6 import QtGui

    from lstmviz.ui.views._common import count_axis

    w = _plot(qtbot, width)
    axis = w.plotItem.getAxis("bottom")
    font = QtGui.QFont()
    font.setPointSize(12)
    axis.setStyle(tickFont=font)  # (as the views give theirs; drawn with it, as they draw)
    w.plotItem.setXRange(-0.5, 39.5, padding=0)
    count_axis(axis, 40)
    qtbot.wait(10)
    picture = QtGui.QPicture()
    painter = QtGui.QPainter(picture)
    try:
        painter.setFont(font)
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    drawn = [text for _, _, text in specs[2]]
    assert drawn[:1] == ["0"] and len(drawn) == len(axis._tickLevels[0]), (drawn, axis._tickLevels)


@pytest.mark.parametrize("width", range(100, 300, 8))
def test_neighbouring_labels_stand_a_label_apart_not_only_fit_in_count(qtbot, width):
    """Two ticks 100 steps apart on a window of 256 steps stand 0.39 of the axis apart:
    the count of labels fitted the axis (2 x 66 px in 132), but they were 52 px apart and
    ran together, '2220022300' under the Over time heatmaps of 512 units at 1280 x 720 in
    the projector theme. Now neighbours stand at least the widest label and an em apart."""
    from PySide6 import QtGui

    from lstmviz.ui.views._common import count_axis

    w = _plot(qtbot, width)
    axis = w.plotItem.getAxis("bottom")
    n, first = 256, 22144
    w.plotItem.setXRange(first - 0.5, first + n - 0.5, padding=0)
    count_axis(axis, n, first=first, max_ticks=4)
    qtbot.wait(10)
    ticks = axis._tickLevels[0]
    assert ticks
    metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font())
    each = max(metrics.horizontalAdvance(t) for _, t in ticks) + metrics.horizontalAdvance("M")
    px = axis.width() / n
    assert all((b - a) * px >= each for (a, _), (b, _) in zip(ticks, ticks[1:])), (ticks, axis.width(), each)


def test_a_count_axis_keeps_a_label_standing_out_at_the_right_only_when_it_is_its_only_one(qtbot):
    # a step label standing out past the right end (under the colour bar beside a plot) is
    # left out (fc55677), but not the only label of an axis: a narrow heatmap's one tick
    # near its right end left its step axis without a number
    import pyqtgraph as pg

    from helpers import axis_specs
    from lstmviz.ui.views._common import SteadyAxis, count_axis, steady_axes

    w = pg.PlotWidget(axisItems=steady_axes("bottom"))
    w.resize(240, 160)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    axis = w.plotItem.getAxis("bottom")
    w.plotItem.setXRange(-0.5, 255.5, padding=0)

    def shown(ticks):
        count_axis(axis, 256, ticks=ticks)
        qtbot.wait(10)
        return [t for _, _, t in axis_specs(axis, SteadyAxis.generateDrawSpecs)[2]]
    assert shown([(10.0, "31110"), (254.0, "31354")]) == ["31110"]
    assert shown([(254.0, "31354")]) == ["31354"]


def test_a_bottom_axis_without_its_label_keeps_room_for_a_commas_tail(qtbot):
    """Over time's curves in a long input's window (1366 x 768, projector theme) gave up
    their "processing step t" label for room; their step labels stood at the foot of the
    view, which cut the commas' tails off: "12,175" read as "12.175". pyqtgraph counts 0.8
    of a label's height; an axis whose labels have a comma and no label under them is as
    tall as its labels' whole height, and only then (a short input's axes keep their
    height). The labels' pixels below that 0.8 are painted."""
    import numpy as np
    import pyqtgraph as pg
    from PySide6 import QtGui

    from lstmviz.ui.plot_tools import steady_axes
    from lstmviz.ui.views._common import count_axis

    w = pg.PlotWidget(axisItems=steady_axes("bottom"))
    w.setBackground("w")
    w.resize(600, 90)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    axis = w.plotItem.getAxis("bottom")
    axis.setTextPen("k")
    axis.setStyle(tickFont=QtGui.QFont(axis.font().family(), 18))
    axis.showLabel(False)
    w.plotItem.setXRange(12159.5, 12415.5, padding=0)
    count_axis(axis, 256, first=12160, max_ticks=8)
    qtbot.wait(20)
    assert any("," in t for _, t in axis._tickLevels[0])
    st, metrics = axis.style, QtGui.QFontMetricsF(axis.style["tickFont"])
    text_top = axis.geometry().top() + max(0, st["tickLength"]) + st["tickTextOffset"][1]
    # the labels' whole height inside the axis, and the axis inside the view
    assert text_top + metrics.height() <= axis.geometry().bottom() + 1
    assert axis.geometry().bottom() <= w.height()
    image = w.grab().toImage()
    rows = np.array([[QtGui.QColor(image.pixel(x, y)).lightness() < 128 for x in range(image.width())]
                     for y in range(int(text_top + 0.8 * metrics.height()) + 1, image.height())])
    assert rows.any(), "the commas' tails were not painted"
    # a short input's steps: no comma, pyqtgraph's height
    tall = axis.minimumHeight()
    w.plotItem.setXRange(-0.5, 255.5, padding=0)
    count_axis(axis, 256, first=0, max_ticks=8)
    qtbot.wait(20)
    assert not any("," in t for _, t in axis._tickLevels[0])
    assert axis.minimumHeight() < tall


def test_a_few_labels_of_a_very_long_axis_are_found_without_a_label_per_step(qtbot, monkeypatch):
    """A 20,000,000-step input's overview strip asked ``_few_that_fit`` for labels: it made
    and measured a label for every step, then for every 2nd, 3rd ... (60,000,000 strings,
    minutes and 3 GB on the window's thread after the keyframe pass). Spacings whose
    labels outnumber the axis's room are skipped unmade; the labels found are those a
    spacing-by-spacing search finds, and they fit."""
    from lstmviz.ui import plot_tools

    w = _plot(qtbot, 300)
    axis = w.plotItem.getAxis("bottom")
    made = []
    labels = plot_tools.tick_labels

    def counted(values):
        made.append(len(values))
        return labels(values)

    monkeypatch.setattr(plot_tools, "tick_labels", counted)
    n = 20_000_000
    ticks = plot_tools._few_that_fit(axis, n, 0)
    assert len(ticks) >= 2 and max(made) <= axis.width()
    # the same as the search through every spacing (the first spacing that fits: few labels)
    every = int(ticks[1][0] - ticks[0][0])
    assert n // every <= axis.width()
    finer = [s for s in plot_tools._FEW_SPACINGS if s < every and n / s <= 60]
    for s in finer:  # (each finer spacing of a few labels did not fit)
        made.clear()
        assert plot_tools._few_that_fit(axis, n, 0, spacings=[s]) == []
    assert _labels_fit_apart(axis, ticks)


def _labels_fit_apart(axis, ticks) -> bool:
    from PySide6 import QtGui

    metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font())
    px = axis.width() / 20_000_000
    widths = [metrics.horizontalAdvance(t) for _, t in ticks]
    return all((b[0] - a[0]) * px >= (wa + wb) / 2 for (a, b), (wa, wb) in
               zip(zip(ticks, ticks[1:]), zip(widths, widths[1:])))
