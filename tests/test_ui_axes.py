"""SteadyAxis lays out every axis without a grid in fewer steps than pyqtgraph: the very
lines, ticks and labels pyqtgraph's ``AxisItem.generateDrawSpecs`` makes, and the same
pixels."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import axis_specs as _specs
from helpers import plain_specs as _plain

CASES = [
    ("left", (0.0, 1.0), None, {}),
    ("left", (-0.37, 0.81), None, {}),
    ("left", (0.0, 127.0), None, {"invert": True}),
    ("left", (-3e-5, 2e-5), None, {}),
    ("right", (-1.0, 1.0), None, {"tickLength": -5}),
    ("right", (0.0, 0.0), None, {}),
    ("bottom", (0.0, 200.0), None, {}),
    ("bottom", (1e6, 3e6), None, {"tickAlpha": 0.5}),
    ("top", (-5.0, 5.0), None, {"tickAlpha": 100}),
    ("bottom", (0.0, 507.0), [[(float(v), str(v)) for v in range(0, 508, 128)],
                              [(float(v), str(v)) for v in range(32, 508, 32)]], {}),
    ("left", (0.0, 10.0), [[(0.0, "zero"), (5.0, "five"), (10.0, "ten")], [(2.5, "2.5"), (12.0, "out")]], {}),
    ("left", (0.0, 1.0), None, {"showValues": False}),
    ("left", (0.0, 1.0), None, {"maxTextLevel": 0}),
]


@pytest.mark.parametrize("side,rng,ticks,style", CASES)
def test_made_specs_are_pyqtgraphs_and_draw_the_same_pixels(qtbot, side, rng, ticks, style):
    import pyqtgraph as pg
    from PySide6 import QtGui

    from lstmviz.ui.plot_tools import SteadyAxis, steady_axes

    style = dict(style)
    invert = style.pop("invert", False)
    grabs = []
    for axes in ({}, steady_axes(side)):
        w = pg.PlotWidget(axisItems=axes)
        qtbot.addWidget(w)
        w.resize(420, 260)
        w.showAxis(side)
        axis = w.getAxis(side)
        axis.setStyle(tickFont=QtGui.QFont("DejaVu Sans", 9), **style)
        if invert:
            w.getPlotItem().invertY(True)
        if side in ("left", "right"):
            w.setYRange(*rng, padding=0)
        else:
            w.setXRange(*rng, padding=0)
        if ticks is not None:
            axis.setTicks(ticks)
        w.show()
        qtbot.waitExposed(w)
        img = w.grab().toImage()
        grabs.append(np.array(img.constBits()).reshape(img.height(), -1).copy())
        if isinstance(axis, SteadyAxis):
            assert not axis._steady()  # (not the step axes' own way: the general one)
            ours = _specs(axis, SteadyAxis.generateDrawSpecs)
            theirs = _specs(axis, pg.AxisItem.generateDrawSpecs)
            assert _plain(ours) == _plain(theirs)
            if style.get("showValues", True) and rng[0] != rng[1]:
                assert ours[2]  # labels drawn
    np.testing.assert_array_equal(grabs[1], grabs[0])


def test_an_axis_with_a_grid_is_laid_out_by_pyqtgraph(qtbot, monkeypatch):
    import pyqtgraph as pg

    from lstmviz.ui.plot_tools import SteadyAxis, steady_axes

    w = pg.PlotWidget(axisItems=steady_axes("left"))
    qtbot.addWidget(w)
    w.showGrid(y=True)
    w.show()
    qtbot.waitExposed(w)
    made = []
    monkeypatch.setattr(SteadyAxis, "_made_specs", lambda self, p: made.append(1))
    _specs(w.getAxis("left"), SteadyAxis.generateDrawSpecs)
    assert made == []


@pytest.mark.parametrize("tab", ["Unrolled", "Cell", "Over time", "Weights"])
def test_every_axis_a_view_shows_is_laid_out_in_fewer_steps(qtbot, make_window, tab):
    # the views' plots and colour bars: every axis shown is a SteadyAxis (a grid's as
    # pyqtgraph lays it out: GridAxis)
    import pyqtgraph as pg

    from lstmviz.app.options import default_config
    from lstmviz.app.state import AppState, InputSpec, LayerEntry
    from lstmviz.ui.plot_tools import SteadyAxis
    from lstmviz.ui.views._common import GridAxis

    cfg = default_config("LSTM", units=6)
    cfg["return_sequences"] = True
    w = make_window((1400, 900), AppState([LayerEntry("LSTM", cfg)], InputSpec(batch_size=2, timesteps=9, input_dim=3)))
    k = next(i for i, v in enumerate(w.views) if v.title == tab)
    w.tabs.setCurrentIndex(k)
    qtbot.waitExposed(w)
    view = w.views[k]
    axes = [item for gv in view.findChildren(pg.GraphicsView) for item in gv.scene().items()
            if isinstance(item, pg.AxisItem) and item.isVisible()]
    assert axes
    plain = [(type(a).__name__, a.orientation) for a in axes
             if not isinstance(a, SteadyAxis) and not (isinstance(a, GridAxis) and a.grid is not False)]
    assert plain == []


@pytest.mark.parametrize("levels,want", [((-0.07, 0.07), ["-0.05", "0", "0.05"]),
                                         ((-2500.0, 2500.0), ["-2000", "0", "2000"]),
                                         ((-5e-6, 5e-6), ["-4e-06", "0", "4e-06"]),
                                         ((0.0, 1.0), ["0", "0.2", "1.0"])])
def test_a_colour_bar_is_as_wide_as_its_labels(qtbot, levels, want):
    # pyqtgraph's 45 px left out every label wider than that: the negative half of a
    # record's or weight's scale had no number
    import pyqtgraph as pg
    from PySide6 import QtGui

    from lstmviz.ui.plot_tools import BAR_AXIS_WIDTH, ColorBar

    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    w.resize(300, 320)
    w.addPlot()
    bar = ColorBar(values=(0, 1), interactive=False, width=14)
    w.addItem(bar)
    bar.axis.setStyle(tickFont=QtGui.QFont("DejaVu Sans", 11))
    w.show()
    qtbot.waitExposed(w)
    bar.setLevels(levels)
    qtbot.wait(20)
    shown = [t for _, _, t in _specs(bar.axis, type(bar.axis).generateDrawSpecs)[2]]
    assert all(t in shown for t in want), shown
    assert bar.axis.width() >= BAR_AXIS_WIDTH
    if levels == (0.0, 1.0):
        assert bar.axis.width() == BAR_AXIS_WIDTH  # (what fitted keeps its width)


def test_colour_bars_side_by_side_share_one_width(qtbot, make_window):
    import numpy as np

    from lstmviz.app.options import default_config
    from lstmviz.app.state import AppState, InputSpec, LayerEntry

    cfg = default_config("LSTM", units=16)
    cfg["return_sequences"] = True
    w = make_window((1400, 900), AppState([LayerEntry("LSTM", cfg)],
                                          InputSpec(batch_size=1, timesteps=20, input_dim=3)))
    for title in ("Over time", "Weights"):
        k = next(i for i, v in enumerate(w.views) if v.title == title)
        w.tabs.setCurrentIndex(k)
        qtbot.wait(50)
        view = w.views[k]
        bars = [s.colorbar for s in view.slots] if title == "Over time" else [m.colorbar for m in view.matrices]
        widths = {b.axis.width() for b in bars}
        assert len(widths) == 1, (title, widths)
        shown = [b for b in bars if b.isVisible()]
        negative = [t for b in shown for _, _, t in _specs(b.axis, type(b.axis).generateDrawSpecs)[2]
                    if t.startswith("-")]
        assert negative, title  # the negative halves are numbered
        assert np.isfinite(list(widths)[0])


def test_colour_bars_whose_axis_a_disposal_deleted_first_are_left_alone(qtbot):
    # a window being disposed deletes a bar's value axis before the bar; the axis' last
    # geometryChanged then fitted the group's labels through the deleted axis: "Internal C++
    # object (_BarAxis) already deleted" raised in Qt's event loop, once followed by a
    # segmentation fault in a test run
    import pyqtgraph as pg
    import shiboken6

    from lstmviz.ui.plot_tools import ColorBar

    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    bars = [ColorBar(values=(-1, 1), interactive=False, width=14) for _ in range(2)]
    for bar in bars:
        w.addItem(bar)
    bars[0].share_width(bars[1])
    width = bars[1].axis.width()
    shiboken6.delete(bars[0].axis)
    bars[1].fit_labels()  # (raised before)
    assert bars[1].axis.width() == width


@pytest.mark.parametrize("rng,want", [((-0.05, 1.05), ["0", "0.5", "1.0"]), ((-0.5, 0.5), ["-0.5", "0", "0.5"]),
                                      ((-0.45, 0.45), ["-0.4", "0", "0.4"]), ((-0.22, 0.22), ["-0.2", "0", "0.2"])])
def test_a_short_value_axis_in_a_large_font_writes_no_label_over_another(qtbot, rng, want):
    # a Cell tab chart in the projector theme: 52 px tall, labels of 16 px. pyqtgraph's
    # first tick level (0, 0.2, ... 1.0) is drawn however crowded; SteadyAxis takes the next
    # step of 1, 2, 4, 5 x 10^k whose labels fit, pyqtgraph's as its minor ticks
    import pyqtgraph as pg
    from PySide6 import QtGui, QtWidgets

    from lstmviz.ui.plot_tools import steady_axes

    def labels(axis, make):
        return sorted(((r.top(), r.bottom(), t) for r, _, t in _specs(axis, make)[2]), reverse=True)

    got = {}
    for axes in ({}, steady_axes("left")):
        w = pg.PlotWidget(axisItems=axes)
        qtbot.addWidget(w)
        w.resize(300, 74)
        axis = w.getAxis("left")
        axis.setStyle(tickFont=QtGui.QFont("DejaVu Sans", 12))
        w.setYRange(*rng, padding=0)
        w.show()
        qtbot.waitExposed(w)
        for _ in range(2):  # painted: the axis widens to its labels, then lays them out
            w.grab()
            QtWidgets.QApplication.processEvents()
        assert 40 < axis.geometry().height() < 70
        got[bool(axes)] = (labels(axis, type(axis).generateDrawSpecs), axis.tickSpacing(*rng, 52))
    plain, _ = got[False]
    steady, levels = got[True]
    assert any(a[0] < b[1] for a, b in zip(plain, plain[1:]))  # pyqtgraph's overlap here
    assert [t for *_, t in sorted(steady, key=lambda s: -float(s[2]))][::-1] == want
    assert all(a[0] >= b[1] for a, b in zip(steady, steady[1:]))  # none over the next
    assert levels[1][0] < levels[0][0]  # pyqtgraph's first level kept as the minor ticks


def test_a_colour_bars_short_axis_writes_a_label_each_side_of_0(qtbot):
    """A colour bar of +-0.35 on 48 px (Over time, projector theme, 800 x 600, an LSTM(96)'s
    candidate) read "0" alone: 0.2 apart its labels would overlap, 0.4 is past its ends. A
    colour bar's axis takes a step of 3 x 10^k then (-0.3, 0, 0.3); a chart's value axis
    keeps "0" alone (its labels' room is its other axis')."""
    import pyqtgraph as pg
    from PySide6 import QtGui, QtWidgets

    from lstmviz.ui.plot_tools import ColorBar, steady_axes

    assert ColorBar(values=(-1, 1), colorMap="viridis").axis.odd_steps
    # (+-0.9 on the same height, k3_around_rnn's candidate at 800 x 600: 0.5 too close, 1
    # past its ends, 0.3 and 0.6 too close too: 0.8)
    for extent, want in ((0.35, ["0.3", "0", "-0.3"]), (0.9, ["0.8", "0", "-0.8"])):
        got = {}
        for odd in (False, True):
            w = pg.PlotWidget(axisItems=steady_axes("left"))
            qtbot.addWidget(w)
            w.resize(300, 70)
            axis = w.getAxis("left")
            axis.odd_steps = odd
            axis.setStyle(tickFont=QtGui.QFont("DejaVu Sans", 12))
            w.setYRange(-extent, extent, padding=0)
            w.show()
            qtbot.waitExposed(w)
            for _ in range(2):
                w.grab()
                QtWidgets.QApplication.processEvents()
            texts = sorted(_specs(axis, type(axis).generateDrawSpecs)[2], key=lambda s: s[0].top())
            got[odd] = [t for *_, t in texts]
            rects = [r for r, _, _ in texts]
            assert all(a.bottom() <= b.top() for a, b in zip(rects, rects[1:])), got  # none over the next
        assert got == {False: ["0"], True: want}, extent


def test_a_tall_value_axis_keeps_pyqtgraphs_ticks(qtbot):
    import pyqtgraph as pg
    from PySide6 import QtGui

    from lstmviz.ui.plot_tools import SteadyAxis

    axis = SteadyAxis("left")
    axis.setStyle(tickFont=QtGui.QFont("DejaVu Sans", 12))
    for rng, size in [((0.0, 1.0), 300), ((-3.0, 3.0), 500), ((0.0, 127.0), 200)]:
        assert axis.tickSpacing(*rng, size) == pg.AxisItem.tickSpacing(axis, *rng, size)


def test_an_axis_title_is_whole_only_where_the_axis_holds_what_pyqtgraph_shows(qtbot):
    """An axis title with a short form (the gates view's "share of steps > 0.9") was
    measured without the space pyqtgraph puts after every axis label: on an axis a few
    pixels longer than the text, the whole title was chosen and ran past the plot's ends.
    The axis' whole title is shown only where the view holds it as drawn."""
    import pyqtgraph as pg
    from PySide6 import QtWidgets

    from lstmviz.ui import theme as th

    glw = pg.GraphicsLayoutWidget()
    qtbot.addWidget(glw)
    plot = glw.addPlot()
    glw.resize(300, 600)
    glw.show()
    qtbot.waitExposed(glw)
    whole, short = "share of steps > 0.9", "share > 0.9"
    th.axis_title(plot, "left", whole, short, "#000000", "14pt")
    QtWidgets.QApplication.processEvents()
    label = plot.getAxis("left").label
    drawn = label.sceneBoundingRect().height()  # the whole title as pyqtgraph draws it
    assert label.toPlainText().strip() == whole
    html = f"<span style='color: #000000; font-size: 14pt'>{whole}</span>"
    bare = th.html_width(label.font(), html)
    assert bare < drawn - 2  # (the text alone is shorter: the trailing space)
    for _ in range(20):  # the view as tall as between the bare text and what is drawn
        room = plot.vb.height()
        glw.resize(300, int(glw.height() - (room - (bare + drawn) / 2)))
        QtWidgets.QApplication.processEvents()
        if bare < plot.vb.height() < drawn:
            break
    assert bare < plot.vb.height() < drawn
    assert label.toPlainText().strip() == short
    assert label.sceneBoundingRect().height() <= plot.vb.height()


@pytest.mark.parametrize("kind", ["SteadyAxis", "GridAxis"])
def test_a_new_range_sets_the_axis_label_again_only_where_it_reads_otherwise(qtbot, kind):
    # pyqtgraph set the label's HTML again at every new range (its SI prefix might change):
    # nine axes of Over time at each edit of units laid out the same text anew
    import pyqtgraph as pg

    from lstmviz.ui.plot_tools import SteadyAxis
    from lstmviz.ui.views._common import GridAxis

    axis = {"SteadyAxis": SteadyAxis, "GridAxis": GridAxis}[kind]("left")
    w = pg.PlotWidget(axisItems={"left": axis})
    qtbot.addWidget(w)
    w.setLabel("left", "value")
    w.show()
    qtbot.waitExposed(w)
    given: list[str] = []
    set_html = axis.label.setHtml

    def spy(html):
        given.append(html)
        set_html(html)
    axis.label.setHtml = spy
    for hi in (1.0, 2.0, 3.5):
        w.setYRange(0.0, hi, padding=0)
        w.getViewBox().updateViewRange()  # (as the paint would: the axes take the range)
        assert axis.range[1] == pytest.approx(hi)
        assert axis.picture is None  # drawn anew at the new range
    assert given == []  # "value" throughout
    w.setYRange(0.0, 0.002, padding=0)  # an SI prefix: the label reads otherwise
    w.getViewBox().updateViewRange()
    assert len(given) == 1 and "(x0.001)" in given[0] and "(x0.001)" in axis.label.toPlainText()
    w.setLabel("left", "unit")
    assert "unit" in axis.label.toPlainText()
    w.setYRange(0.0, 1.0, padding=0)
    w.getViewBox().updateViewRange()
    assert axis.label.toPlainText().strip() == "unit"


def test_tick_values_are_pyqtgraphs(qtbot):
    # the value axes' tick values without np.isclose's Python: pyqtgraph's own, the same
    # numbers of the same type in the same lists, for ranges of any size and sign, scaled,
    # nearly empty, and for a log axis (pyqtgraph's there)
    import pyqtgraph as pg

    from lstmviz.ui.plot_tools import SteadyAxis
    from lstmviz.ui.views._common import GridAxis

    rng = np.random.default_rng(13)
    for cls in (SteadyAxis, GridAxis):
        for side in ("left", "bottom"):
            axis = cls(side)
            for k in range(600):
                a, b = rng.normal(0, 10 ** rng.uniform(-6, 6), 2)
                if k % 7 == 0:
                    b = a + abs(rng.normal()) * 1e-12
                if k % 11 == 0:
                    a, b = -abs(a), abs(a)
                axis.scale = (1.0, 1.0, 0.001, 1e3)[k % 4]
                axis.logMode = k % 50 == 49 and min(a, b) > 0
                size = float(rng.uniform(10, 1500))
                got, want = axis.tickValues(a, b, size), pg.AxisItem.tickValues(axis, a, b, size)
                assert got == want, (a, b, size)
                assert [type(v) for _, vs in got for v in vs] == [type(v) for _, vs in want for v in vs]


@pytest.mark.parametrize("extent, end", [(0.47, "0.4"), (0.92, "0.9")])
def test_a_colour_bar_never_writes_a_lone_0(qtbot, extent, end):
    """Over time's signed colour bars beside a Bidirectional model's header at 800 x 600
    were 29 px tall and read "0" alone: no scale. Where the axis holds two labels apart,
    it writes them near its ends (+-m to a digit toward 0, at their places: as wide as the
    odd steps' labels, the heatmaps keep their width); where it holds one at most, none,
    its range in its tooltip; tall, pyqtgraph's labels as before."""
    import pyqtgraph as pg
    from PySide6 import QtGui, QtWidgets

    from lstmviz.ui.plot_tools import ColorBar

    def drawn(height: int) -> tuple[list[str], str]:
        w = pg.GraphicsLayoutWidget()
        qtbot.addWidget(w)
        bar = ColorBar(values=(-extent, extent), colorMap="viridis", width=14, interactive=False)
        bar.axis.setStyle(tickFont=QtGui.QFont("DejaVu Sans", 10))
        w.addItem(bar)
        w.resize(120, height)
        w.show()
        qtbot.waitExposed(w)
        for _ in range(3):
            w.grab()
            QtWidgets.QApplication.processEvents()
        axis = bar.axis
        texts = sorted(_specs(axis, type(axis).generateDrawSpecs)[2], key=lambda s: s[0].top())
        rects = [r for r, _, _ in texts]
        assert all(a.bottom() <= b.top() for a, b in zip(rects, rects[1:]))  # none over the next
        return [t for *_, t in texts], axis.toolTip(), axis.geometry().height()

    line = QtGui.QFontMetricsF(QtGui.QFont("DejaVu Sans", 10)).height()
    seen = set()
    for height in range(20, 90, 4):
        texts, tip, size = drawn(height)
        seen.add("ends" if len(texts) == 2 else "none" if not texts else "more")
        if size >= 20 * line:
            assert len(texts) >= 3 and "0" in texts and tip == ""  # (tall: as before)
        elif len(texts) <= 2 and size >= line:
            assert texts == [end, "-" + end] and tip == "", (texts, size)  # (near its ends: a digit)
        elif size < line:
            assert texts == [] and tip == f"colours from {-extent:.2g} to {extent:.2g}", (texts, tip, size)
        assert texts != ["0"], size
    assert seen == {"ends", "none", "more"}, seen  # (each case met)
    texts, tip, size = drawn(400)
    assert len(texts) >= 3 and "0" in texts and tip == ""
