"""QuickCurve (the Train tab's curves): the values it holds and hands back, its bounds, its
downsampling of long runs, and the pixels of its line, equal to pyqtgraph's curve's."""

from __future__ import annotations

import numpy as np
import pytest


def _plot(qtbot, log=False):
    import pyqtgraph as pg

    w = pg.PlotWidget()
    w.resize(400, 300)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.plotItem.setLogMode(y=log)
    w.plotItem.vb.disableAutoRange()
    return w


def test_values_bounds_and_log_mode(qtbot):
    from lstmviz.ui.quick_curve import QuickCurve

    w = _plot(qtbot, log=True)
    c = QuickCurve("loss")
    w.plotItem.addItem(c)
    assert c.getData() == (None, None) and c.dataBounds(0) == (None, None)
    x = np.arange(1.0, 7.0)
    y = np.array([1.0, 10.0, np.inf, 0.1, np.nan, 100.0])
    c.setData(x, y)
    gx, gy = c.getData()
    np.testing.assert_array_equal(gx, x)
    np.testing.assert_array_equal(gy[[0, 1, 3, 5]], [0.0, 1.0, -1.0, 2.0])  # log10, as pyqtgraph hands back
    assert c.dataBounds(0) == (1.0, 6.0) and c.dataBounds(1) == (-1.0, 2.0)  # finite points only
    c.setLogMode(False, False)
    np.testing.assert_array_equal(c.getData()[1][[0, 1, 3]], [1.0, 10.0, 0.1])
    with pytest.raises(ValueError, match="shape"):
        c.setData(x, y[:3])
    c.setData([], [])
    assert c.getData() == (None, None) and c.boundingRect().isNull()
    assert c.name() == "loss"


def test_long_runs_drawn_from_each_bins_extremes(qtbot):
    from lstmviz.ui import quick_curve

    w = _plot(qtbot)
    c = quick_curve.QuickCurve()
    w.plotItem.addItem(c)
    n = 50_000
    x = np.arange(n, dtype=float)
    y = np.sin(x / 700.0) + np.random.default_rng(0).normal(0, 0.1, n)
    w.plotItem.vb.setRange(xRange=(0, n), yRange=(-2, 2), padding=0)
    c.setData(x, y)
    path = c._path
    assert path.elementCount() <= quick_curve.MAX_POINTS + 2
    r = path.boundingRect()
    assert (r.top(), r.bottom()) == (y.min(), y.max())  # every bin's extremes kept
    np.testing.assert_array_equal(c.getData()[1], y)  # the data as given, not the drawing's
    w.plotItem.vb.setRange(xRange=(1000, 1500), padding=0)  # zoomed in: every point in view
    r = c._path.boundingRect()
    assert c._path.elementCount() <= 503 and r.left() <= 1000 and r.right() >= 1500


def test_line_pixels_equal_pyqtgraphs(qtbot):
    import pyqtgraph as pg

    from lstmviz.ui.quick_curve import QuickCurve

    x = np.arange(60, dtype=float)
    y = np.exp(-x / 15.0) * (1.5 + np.sin(x / 3.0))
    before = pg.getConfigOption("antialias")
    try:
        for width, smooth in ((1, False), (3, False), (1, True), (3, True)):
            pg.setConfigOptions(antialias=smooth)  # as the app sets it (True), or pyqtgraph's default
            images = []
            for quick in (False, True):
                w = _plot(qtbot, log=True)
                w.plotItem.vb.setRange(xRange=(0, 60), yRange=(-2, 0.5), padding=0)
                pen = pg.mkPen("#e69f00", width=width)
                if quick:
                    c = QuickCurve(pen=pen)
                    w.plotItem.addItem(c)
                    c.setData(x, y)
                else:
                    w.plotItem.plot(x, y, pen=pen)
                images.append(w.grab().toImage())
            a, b = images
            assert a.size() == b.size()
            px = [(i, j) for i in range(a.width()) for j in range(a.height())]
            line = sum(a.pixel(i, j) != a.pixel(0, 0) for i, j in px)
            diff = sum(a.pixel(i, j) != b.pixel(i, j) for i, j in px)
            assert line > 200 * width
            # one path here, segments there (pyqtgraph's choice for wide pens): a wide line's
            # joins may differ by a pixel or two; a thin line is the same to the pixel
            assert diff == 0 if width == 1 else diff <= 0.02 * line
    finally:
        pg.setConfigOptions(antialias=before)


def test_one_point_draws_its_marker(qtbot):
    """An epoch curve after its first epoch is one point: Qt calls a path of one point
    empty, the marker must still be drawn (lessons showed no epoch loss at all)."""
    import pyqtgraph as pg

    from lstmviz.ui.quick_curve import QuickCurve

    w = _plot(qtbot, log=True)
    w.plotItem.vb.setRange(xRange=(0, 10), yRange=(-1, 0), padding=0)
    blank = w.grab().toImage()
    c = QuickCurve("epoch", pen=pg.mkPen("#ffffff", width=2), symbol="o", symbol_brush="#ffffff")
    w.plotItem.addItem(c)
    c.setData([8.0], [0.36])
    qtbot.wait(10)
    img = w.grab().toImage()
    pos = w.plotItem.vb.mapViewToScene(pg.Point(8.0, np.log10(0.36)))
    pos = w.mapFromScene(pos)
    changed = [(i, j) for i in range(pos.x() - 8, pos.x() + 9) for j in range(pos.y() - 8, pos.y() + 9)
               if img.pixel(i, j) != blank.pixel(i, j)]
    assert len(changed) > 30  # a filled circle of 10 px around the point
    c.setData([8.0], [np.nan])  # nothing finite: nothing drawn
    qtbot.wait(10)
    img = w.grab().toImage()
    assert all(img.pixel(i, j) == blank.pixel(i, j) for i in range(pos.x() - 8, pos.x() + 9)
               for j in range(pos.y() - 8, pos.y() + 9))


def test_a_single_point_is_drawn(qtbot):
    """After the Train tab's first "One update" the loss and gradient-norm plots showed
    nothing: a line through one point is no line (Qt's path is empty). One point is now a
    dot the line's colour; from two points on, nothing changes (a line, no dot)."""
    from PySide6 import QtCore, QtGui

    from lstmviz.ui.quick_curve import QuickCurve

    w = _plot(qtbot)
    w.setBackground("k")
    w.plotItem.vb.setRange(xRange=(0, 10), yRange=(0, 1), padding=0)
    c = QuickCurve(pen=(255, 0, 0))
    c.opts["pen"].setWidthF(1.5)
    w.plotItem.addItem(c)

    def red_near(x, y):
        img = w.grab().toImage()
        p = w.plotItem.vb.mapViewToScene(QtCore.QPointF(x, y))
        q = w.mapFromScene(p)
        reds = 0
        for dx in range(-4, 5):
            for dy in range(-4, 5):
                col = QtGui.QColor(img.pixel(q.x() + dx, q.y() + dy))
                reds += col.red() > 150 and col.green() < 80
        return reds

    c.setData([5.0], [0.5])
    assert red_near(5.0, 0.5) >= 4
    c.setData([2.0, 8.0], [0.5, 0.5])
    assert red_near(5.0, 0.5) >= 2  # the line, through the middle
