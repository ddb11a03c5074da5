"""OverTimeView: heatmaps are the trace's arrays, levels fixed per trace, cursor lines at t."""

import numpy as np
import pytest
from PySide6 import QtGui, QtWidgets

from helpers import demo_at_least_size
from lstmviz.app.selection import Cursor
from lstmviz.engine import LayerSpec, Model
from lstmviz.ui import theme as th
from lstmviz.ui.views.over_time import OverTimeView


def grown_until_the_curves_show(w, view, shape: bool = False) -> None:
    """Window ``w`` made taller a few pixels at a time (``shape``: and wider, keeping its
    shape, as a picture of that shape is laid out) until Over time's curves, which give way
    where the page holds only the header and the heatmaps, are on the page: the least
    height that holds them at their least."""
    from helpers import settle

    width, height = w.width(), w.height()
    ratio = width / height
    while not view.curves_shown:
        height += 4
        assert height < 1400, "the curves never came back"
        w.resize(round(height * ratio) if shape else width, height)
        settle()


def build(layers, T=7, d=3, batch=2, seed=0):
    model = Model.sequential((None, T, d), layers, seed=seed)
    x = np.random.default_rng(seed).normal(size=(batch, T, d)).astype(np.float32)
    return model, model.trace(x)


@pytest.fixture
def view(qtbot):
    v = OverTimeView()
    qtbot.addWidget(v)
    return v


def shown_view(qtbot, size=(1200, 800)) -> OverTimeView:
    """A view on screen (painted as the window paints it)."""
    v = OverTimeView()
    qtbot.addWidget(v)
    v.resize(*size)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_lstm_heatmaps_curves_and_cursor(view):
    model, trace = build([LayerSpec("LSTM", {"units": 5, "return_sequences": True}), LayerSpec("Dense", {"units": 1})])
    rec = trace["lstm"]
    view.set_data(model, trace)
    for s, t, u in ((0, 0, 0), (1, 3, 4), (1, 6, 2)):
        view.set_cursor(Cursor(step=t, sample=s, layer="lstm", unit=u))
        assert set(view.images) == {"i", "f", "c_tilde", "o", "c", "h"}
        for key, img in view.images.items():
            np.testing.assert_array_equal(img.image, rec.steps[key][s].T)
        assert view.colorbars["f"].levels() == (0.0, 1.0)
        m = float(np.abs(rec.steps["c"]).max())
        lo, hi = view.colorbars["c"].levels()
        assert lo == pytest.approx(-m) and hi == pytest.approx(m)
        assert all(line.value() == t for line in view.cursor_lines)
        assert len(view.cursor_lines) == 7
        for key in ("h", "c", "f"):
            np.testing.assert_array_equal(view.curves[key].yData, rec.steps[key][s, :, u])


def test_the_curves_range_is_the_selected_units_own(view):
    """The curves' value range is the selected unit's (its c, h, c~ over every step and
    sample, with the gates' 0..1; no longer symmetric), the same at every step: with the layer's widest cell
    state (a published melody model's +-17) every other unit's curves were flat lines."""
    model, trace = build([LayerSpec("LSTM", {"units": 3, "return_sequences": True})], T=9, batch=3)
    rec = trace["lstm"]
    rec.steps["c"][:, :, 2] *= 3.0  # unit 2: a wider cell state (the trace is what is drawn)
    assert 1.5 < float(np.abs(rec.steps["c"][..., 2]).max()) < 4.0  # (within WIDE: one axis)
    view.set_data(model, trace)
    spans = {}
    for u in (0, 1, 2):
        least = min(float(rec.steps[k][..., u].min()) for k in ("c", "h", "c_tilde"))
        most = max(float(rec.steps[k][..., u].max()) for k in ("c", "h", "c_tilde"))
        m = max(-least, most)
        for t in (0, 4, 8):
            view.set_cursor(Cursor(step=t, sample=1, layer="lstm", unit=u))
            assert view._curve_range == (min(0.0, least), max(1.0, most))
            lo, hi = view.curve_plot.getViewBox().viewRange()[1]
            pad = 0.05 * (view._curve_range[1] - view._curve_range[0])
            assert lo == pytest.approx(view._curve_range[0] - pad) and hi == pytest.approx(view._curve_range[1] + pad)
        spans[u] = m
        assert view.right_keys == () and not view.curve_plot.getAxis("right").isVisible()
    assert spans[2] > 2 * max(spans[0], spans[1])  # unit 2's range is not the others'


def _drawn_at(curve, x: float, v: float) -> float:
    """Where the curve ``curve`` draws the value ``v`` at step ``x``, in the plot's values."""
    from PySide6 import QtCore

    vb = curve.getViewBox()
    return curve.mapToItem(vb.childGroup, QtCore.QPointF(x, v)).y()


def test_a_cell_state_far_wider_than_the_gates_is_read_on_the_right_axis(qtbot):
    """The katakana seq2seq encoder's unit 0 has c rising to 80 while its gates stay in
    0..1: on one axis the gates, c~ and h were a flat line at zero. Such a record is drawn
    against a right axis in its colour (its values kept: a transform draws them), the left
    axis spans the others, and 0 is at one height on both."""
    model, trace = build([LayerSpec("LSTM", {"units": 3, "return_sequences": True})], T=9, batch=3)
    rec = trace["lstm"]
    rec.steps["c"][:, :, 2] = 80.0 * np.abs(rec.steps["c"][:, :, 2])  # unit 2: up to ~80, never below 0
    view = shown_view(qtbot)
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=4, sample=1, layer="lstm", unit=2))
    right = view.curve_plot.getAxis("right")
    assert view.right_keys == ("c",) and right.isVisible()
    c = rec.steps["c"][1, :, 2]
    np.testing.assert_array_equal(view.curves["c"].yData, c)  # the values themselves
    others = [rec.steps[k][..., 2] for k in ("i", "f", "o", "c_tilde", "h")]
    least, most = min(float(a.min()) for a in others), max(float(a.max()) for a in others)
    lo, hi = view._curve_range
    assert lo <= min(0.0, least) and hi == max(1.0, most)  # the left: the others (lo: see below)
    y0, y1 = view.curve_plot.getViewBox().viewRange()[1]
    r0, r1 = right.range
    for x in (0, 4, 8):  # each point drawn where the right axis reads its value
        at = _drawn_at(view.curves["c"], x, float(c[x]))
        assert at == pytest.approx(y0 + (float(c[x]) - r0) * (y1 - y0) / (r1 - r0), abs=1e-6)
        assert lo - 1e-9 <= at <= hi + 1e-9  # within the left's range: nothing flattened
    assert _drawn_at(view.curves["c"], 0, 0.0) == pytest.approx(0.0, abs=1e-9)  # 0 with the zero line
    assert view.right_range[1] == pytest.approx(float(rec.steps["c"][..., 2].max()))
    # the others' values on the left axis as ever
    assert _drawn_at(view.curves["f"], 3, 0.5) == pytest.approx(0.5)
    def entry(key):
        return next(label for sample, label in view.legend.items if sample.item is view.curves[key]).text

    assert "(right" in entry("c") and "right" not in entry("f")  # the legend says which axis
    # in the cell state's colour, in any theme
    assert right.textPen().color().name() == QtGui.QColor(view.theme.hue("c")).name()
    view.apply_theme(th.get("projector"))
    assert right.textPen().color().name() == QtGui.QColor(view.theme.hue("c")).name()
    # another unit: one axis again, every curve drawn with its own value
    view.set_cursor(Cursor(step=4, sample=1, layer="lstm", unit=0))
    assert view.right_keys == () and not right.isVisible() and "right" not in entry("c")
    assert _drawn_at(view.curves["c"], 3, 0.5) == pytest.approx(0.5)


def test_the_curves_plot_holds_the_shown_cells_curves_alone(qtbot):
    """A GRU's curves (z, r, h~) leave the plot when an LSTM is shown, and back: the
    right axis' placing (every curve put under its group) had put them back in the plot,
    drawn beside the LSTM's (lessons 7.5 and 13)."""
    model, trace = build([LayerSpec("GRU", {"units": 3, "return_sequences": True}),
                          LayerSpec("LSTM", {"units": 3, "return_sequences": True})], T=6)
    view = shown_view(qtbot)
    view.set_data(model, trace)
    for name in ("gru", "lstm", "gru"):
        view.set_cursor(Cursor(step=2, layer=name, unit=1))
        in_plot = {key for key, curve in view.curves.items() if curve.scene() is not None}
        assert in_plot == set(trace[name].steps) & set(view.curves) == set(view._curve_keys)
        assert {label.text.removesuffix(" cand.") for _, label in view.legend.items} == {
            th.symbol_html(k) for k in in_plot}


def test_levels_do_not_change_with_the_step(view):
    model, trace = build([LayerSpec("GRU", {"units": 3})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=0, layer="gru"))
    before = view.colorbars["h"].levels()
    view.set_cursor(Cursor(step=5, layer="gru"))
    assert view.colorbars["h"].levels() == before
    assert set(view.images) == {"z", "r", "h_tilde", "h"}


def test_bidirectional_side_and_click(view, qtbot):
    model, trace = build([LayerSpec("Bidirectional", {"layer": {"class_name": "SimpleRNN",
                                                                "config": {"units": 4, "return_sequences": True}}})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=2, layer="bidirectional", side="backward", unit=1))
    back = trace["bidirectional"].children["backward"]
    np.testing.assert_array_equal(view.images["h"].image, back.steps["h"][0].T)
    seen = []
    view.unit_requested.connect(lambda v: seen.append(("unit", v)))
    view.step_requested.connect(lambda v: seen.append(("step", v)))
    view.click_image("h", 5, 3)
    assert seen == [("unit", 3), ("step", 5)]


def test_non_recurrent_layer_shows_a_message(view):
    model, trace = build([LayerSpec("LSTM", {"units": 2}), LayerSpec("Dense", {"units": 1})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="dense"))
    assert view.stack.currentIndex() == 0
    # (what it outputs, and the layers with steps: tests/test_views_over_time_outputs.py)
    assert view.message.text() == ("The Over time view shows a layer's values over its steps (a recurrent "
                                   "cell's gates and states, another layer's outputs); 'dense' (Dense) "
                                   "outputs one vector a sample (1 unit), with no steps.\n\nPick a layer "
                                   "with steps in the layer box above: lstm.")


def test_masked_steps_are_veiled_for_the_shown_sample(view):
    model = Model.sequential((None, 6, 2), [LayerSpec("Masking", {"mask_value": 0.0}),
                                            LayerSpec("LSTM", {"units": 3, "return_sequences": True})])
    x = np.random.default_rng(1).normal(size=(2, 6, 2)).astype(np.float32) + 3.0
    x[0, [1, 4]] = 0.0  # sample 0: steps 1 and 4 masked; sample 1: none
    trace = model.trace(x)
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=1, sample=0, layer="lstm"))
    for veil in [slot.veil for slot in view.slots if slot.key] + [view.curve_veil]:
        assert veil.item.isVisible()
        alpha = veil.item.image[0, :, 3]
        assert list(np.nonzero(alpha)[0]) == [1, 4]
    assert "masked step" in view.header.text() and "grey columns" in view.header.text()
    view.set_cursor(Cursor(step=1, sample=1, layer="lstm"))
    assert not view.slots[0].veil.item.isVisible() and not view.curve_veil.item.isVisible()
    assert "grey columns" not in view.header.text()


def test_a_click_on_a_veiled_column_still_picks_it(view, qtbot):
    from PySide6 import QtCore

    model = Model.sequential((None, 6, 2), [LayerSpec("Masking", {"mask_value": 0.0}),
                                            LayerSpec("LSTM", {"units": 3, "return_sequences": True})])
    x = np.ones((1, 6, 2), np.float32)
    x[0, 3] = 0.0
    view.resize(900, 600)
    view.set_data(model, model.trace(x))
    view.set_cursor(Cursor(step=0, sample=0, layer="lstm"))
    view.show()
    qtbot.waitExposed(view)
    slot = view.slots[0]
    vb = slot.plot.getViewBox()
    scene_pt = vb.mapViewToScene(QtCore.QPointF(3.0, 1.0))
    pos = slot.widget.mapFromScene(scene_pt)
    seen = []
    view.step_requested.connect(seen.append)
    qtbot.mouseClick(slot.widget.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert seen == [3]


def _heatmap_pixels(view, key):
    """The heatmap of ``key`` as painted on screen (RGB), cursor lines hidden."""
    slot = next(s for s in view.slots if s.key == key)
    for line in view.cursor_lines + [s.unit_line for s in view.slots]:
        line.setVisible(False)
    img = slot.widget.grab().toImage()
    for line in view.cursor_lines + [s.unit_line for s in view.slots]:
        line.setVisible(True)
    rect = slot.widget.mapFromScene(slot.image.sceneBoundingRect()).boundingRect().adjusted(3, 3, -3, -3)
    img = img.copy(rect).convertToFormat(img.Format.Format_RGB32)
    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.width(), 4)[..., :3].copy()


def test_a_seek_moves_lines_and_a_new_trace_repaints_the_cached_heatmaps(view, qtbot):
    # the images and curves are kept as pixmaps between steps (a seek only moves the
    # cursor lines); a new trace must be painted anew, not copied from the old pixmaps
    model, trace = build([LayerSpec("LSTM", {"units": 6, "return_sequences": True})], T=12)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=0, layer="lstm", unit=1))
    calls = []
    for slot in view.slots:
        orig = slot.image.setImage
        slot.image.setImage = lambda *a, orig=orig, **k: (calls.append(1), orig(*a, **k))[1]
    before = _heatmap_pixels(view, "h")
    for t in (3, 7, 11):
        view.set_cursor(Cursor(step=t, layer="lstm", unit=1))
        assert all(line.value() == t for line in view.cursor_lines)
    assert calls == []  # no image set again at a step
    np.testing.assert_array_equal(_heatmap_pixels(view, "h"), before)
    x2 = np.random.default_rng(5).normal(size=(2, 12, 3)).astype(np.float32) * 3
    trace2 = model.trace(x2)
    view.set_data(model, trace2)
    view.set_cursor(Cursor(step=11, layer="lstm", unit=1))
    assert calls  # the new trace's images were set
    np.testing.assert_array_equal(view.images["h"].image, trace2["lstm"].steps["h"][0].T)
    after = _heatmap_pixels(view, "h")
    assert after.shape == before.shape and not np.array_equal(after, before)
    # what is painted is the new trace's heatmap: the same as a fresh view draws it
    fresh = shown_view(qtbot)
    fresh.set_data(model, trace2)
    fresh.set_cursor(Cursor(step=11, layer="lstm", unit=1))
    np.testing.assert_array_equal(_heatmap_pixels(fresh, "h"), after)


def _label_in_a_window(qtbot):
    """(a shown 300x400 window, the QuietLabel in its layout)."""
    from PySide6 import QtWidgets

    from lstmviz.ui.labels import QuietLabel

    holder = QtWidgets.QWidget()
    qtbot.addWidget(holder)
    QtWidgets.QVBoxLayout(holder).addWidget(label := QuietLabel())
    holder.resize(300, 400)
    holder.show()
    qtbot.waitExposed(holder)
    return holder, label


def test_a_hidden_header_is_measured_when_shown(qtbot):
    # a view on a hidden tab does not lay its header out at every step; shown, the
    # header takes the height its text needs at its width
    holder, label = _label_in_a_window(qtbot)
    label.setText("one line")
    one = label.height()
    holder.hide()
    label.setText(" ".join(["a long header that wraps"] * 12))
    holder.show()
    qtbot.waitExposed(holder)
    assert label.height() == label.label.heightForWidth(label.width()) > one


def test_a_quiet_label_takes_the_height_of_a_font_it_inherits(qtbot):
    # a theme (or presentation mode) changes the font the label inherits, not its text:
    # it must take the height its text needs in the new font
    from PySide6 import QtWidgets


    app = QtWidgets.QApplication.instance()
    sheet = app.styleSheet()
    app.setStyleSheet("")  # an earlier test's style sheet may give labels a font of their own
    try:
        holder, label = _label_in_a_window(qtbot)
        label.setText(" ".join(["in (None, 200, 3) → out (None, 200, 128)"] * 3))
        small = label.height()
        font = holder.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        holder.setFont(font)
        QtWidgets.QApplication.processEvents()
        assert label.label.font().pointSizeF() == font.pointSizeF()
        assert label.height() == label.label.heightForWidth(label.width()) > small
    finally:
        app.setStyleSheet(sheet)


# (16 and 12 steps: a long input's exact steps, each wider than the pen reaches: strips of a few;
# 200, 100 and 60: steps a little wider than it, strips of 8-16 steps)
@pytest.mark.parametrize("steps, cached", [(200, False), (200, True), (1000, False), (33, False),
                                           (16, False), (16, True), (12, False), (100, False),
                                           (60, True)])
def test_strip_curves_paint_the_pixels_of_one_polyline(qtbot, monkeypatch, steps, cached):
    # the unit curves are stroked in strips (faster): every pixel must be the whole line's
    import pyqtgraph as pg
    from PySide6 import QtWidgets

    from lstmviz.ui.views._common import StripCurve, StripCurveItem

    whole = []  # (the strips' curves stroked whole by pyqtgraph: 16 steps were, by a length rule)
    plain_paint = pg.PlotCurveItem.paint
    monkeypatch.setattr(pg.PlotCurveItem, "paint", lambda self, *a: (
        whole.append(self) if isinstance(self, StripCurveItem) else None, plain_paint(self, *a))[1])
    rng = np.random.default_rng(steps)
    ys = [np.tanh(np.cumsum(rng.normal(0, 0.3, steps))) * (k + 1) / 2 for k in range(3)]
    grabs = []
    for cls in (pg.PlotDataItem, StripCurve):
        w = pg.PlotWidget()
        qtbot.addWidget(w)
        w.resize(1200, 300)
        for k, y in enumerate(ys):
            c = cls(np.arange(steps), y, pen=pg.mkPen(pg.intColor(k), width=2.5 + k), antialias=True)
            if cached:
                c.curve.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
            w.addItem(c)
        w.setYRange(-1.5, 1.5, padding=0)
        w.show()
        qtbot.waitExposed(w)
        img = w.grab().toImage()
        grabs.append(np.array(img.constBits()).reshape(img.height(), -1).copy())
    assert grabs[0].any() and (grabs[0] != grabs[0][0, 0]).any()  # something was drawn
    assert not whole  # (stroked in strips)
    np.testing.assert_array_equal(grabs[1], grabs[0])


def test_strip_curves_are_used_by_the_view(view):
    from lstmviz.ui.views._common import StripCurveItem

    assert all(isinstance(c.curve, StripCurveItem) for c in view.curves.values())


@pytest.mark.parametrize("shape", [(512, 16), (5, 256), (1, 1)])
def test_indexed_images_are_pyqtgraphs_images(qtbot, shape):
    # the heatmaps' colour table is made once per colour map: the same QImage as pyqtgraph's
    import pyqtgraph as pg
    from PySide6 import QtGui

    from lstmviz.ui import theme as th
    from lstmviz.ui.views._common import IndexedImage

    rng = np.random.default_rng(shape[0])
    data = rng.normal(0, 0.7, shape).astype(np.float32)
    data.flat[0] = 5.0  # beyond the levels: clipped as pyqtgraph clips
    for cmap, levels in ((th.cmap_for("f", th.get("dark")), (0.0, 1.0)),
                         (th.cmap_for("c", th.get("projector")), (-1.3, 1.3)),
                         (pg.colormap.get("viridis"), (0.2, 0.2))):  # an empty range too
        images = []
        for cls in (pg.ImageItem, IndexedImage):
            item = cls(axisOrder="row-major")
            item.setLookupTable(cmap.getLookupTable(nPts=256, alpha=False))
            item.setImage(data, autoLevels=False, levels=levels)
            item.render()
            images.append(item.qimage.convertToFormat(item.qimage.Format.Format_ARGB32))
        assert images[1].size() == images[0].size()
        assert images[1] == images[0]
    item = IndexedImage(axisOrder="row-major")
    assert item.render() is None  # no image: nothing to render, as pyqtgraph
    nan = data.copy()
    nan.flat[-1] = np.nan  # NaNs: pyqtgraph's own render, the NaN in the theme's colour for it
    for cls in (pg.ImageItem, IndexedImage):
        item = cls(axisOrder="row-major")
        item.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256, alpha=False))
        item.setImage(nan, autoLevels=False, levels=(-1, 1))
        item.render()
        images.append(item.qimage.convertToFormat(item.qimage.Format.Format_ARGB32))
    rows, cols = nan.shape
    assert images[-2].pixelColor(cols - 1, rows - 1).alpha() == 0  # (pyqtgraph's: clear)
    assert images[-1].pixelColor(cols - 1, rows - 1) == QtGui.QColor(th.current().nan)
    images[-2].setPixelColor(cols - 1, rows - 1, QtGui.QColor(th.current().nan))
    assert images[-1] == images[-2]


def test_the_view_heatmaps_are_indexed_images_with_the_colour_bars_lut(view):
    from lstmviz.ui.views._common import IndexedImage

    model, trace = build([LayerSpec("LSTM", {"units": 5, "return_sequences": True})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=2, layer="lstm"))
    for key, img in view.images.items():
        assert isinstance(img, IndexedImage)
        assert isinstance(img.lut, np.ndarray) and img.lut.dtype == np.uint8 and img.lut.shape == (256, 3)
        img.render()
        # its own render (pyqtgraph's is Indexed8), in the format Qt draws without converting
        assert img.qimage.format() == img.qimage.Format.Format_ARGB32
        np.testing.assert_array_equal(img.image, trace["lstm"].steps[key][0].T)


@pytest.mark.parametrize("cached", [False, True])
def test_indexed_images_paint_pyqtgraphs_pixels_without_a_conversion_at_each_paint(qtbot, cached):
    # a heatmap's image is kept in the format Qt paints from (Qt converted an Indexed8 one
    # at every paint: ~3x the draw): the very pixels of pyqtgraph's image, scaled up (a
    # few steps) and down (512 units in a short plot), at a fractional offset, smooth or not
    import pyqtgraph as pg
    from PySide6 import QtWidgets

    from lstmviz.ui.views._common import IndexedImage

    data = np.random.default_rng(7).normal(0, 0.6, (48, 300)).astype(np.float32)
    lut = th.cmap_for("c", th.get("dark")).getLookupTable(nPts=256, alpha=False)
    for size in ((1000, 180), (230, 25)):
        for smooth in (False, True):
            grabs = []
            for cls in (pg.ImageItem, IndexedImage):
                w = pg.PlotWidget()
                qtbot.addWidget(w)
                w.resize(*size)
                w.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, smooth)
                item = cls(axisOrder="row-major")
                item.setLookupTable(lut)
                item.setImage(data, autoLevels=False, levels=(-1.2, 1.2))
                if cached:
                    item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
                w.addItem(item)
                w.setRange(xRange=(-0.37, 300.2), yRange=(-0.61, 48.3), padding=0)
                w.show()
                qtbot.waitExposed(w)
                img = w.grab().toImage()
                grabs.append(np.array(img.constBits()).reshape(img.height(), -1).copy())
                if cls is IndexedImage:
                    assert item.qimage.format() == QtGui.QImage.Format.Format_ARGB32
            assert (grabs[0] != grabs[0][0, 0]).any()  # the image was drawn
            np.testing.assert_array_equal(grabs[1], grabs[0])


@pytest.mark.parametrize("horizontal", [True, False])
def test_step_lines_paint_the_pixels_of_infinite_lines(qtbot, horizontal):
    # the unit rows, the zero line and the strips' step lines are Qt line items spanning
    # the plot's range: the pixels of the pyqtgraph InfiniteLines they replaced
    import pyqtgraph as pg
    from PySide6 import QtCore

    from lstmviz.ui.views._common import StepLine

    pens = [pg.mkPen("y", width=1.2, style=QtCore.Qt.PenStyle.DashLine), pg.mkPen("r", width=2.5),
            pg.mkPen("c", width=1)]
    grabs = []
    for kind in ("infinite", "qt"):
        w = pg.PlotWidget()
        qtbot.addWidget(w)
        w.resize(700, 300)
        w.setXRange(1203.5, 1459.5, padding=0)
        w.setYRange(-0.5, 511.5, padding=0)
        w.getPlotItem().invertY(True)
        for k, pen in enumerate(pens):
            at = (37.0 + 101 * k) if horizontal else (1210.0 + 97 * k)
            if kind == "infinite":
                line = pg.InfiniteLine(pos=at, angle=0 if horizontal else 90, movable=False)
            else:
                line = StepLine(horizontal=horizontal)
                line.setPos(at)
                line.set_span(*((1203.5, 1459.5) if horizontal else (-0.5, 511.5)))
            line.setPen(pen)
            w.addItem(line, ignoreBounds=True)
        w.show()
        qtbot.waitExposed(w)
        img = w.grab().toImage()
        grabs.append(np.array(img.constBits()).reshape(img.height(), -1).copy())
    assert (grabs[0] != grabs[0][0, 0]).sum() > 500  # the lines were drawn
    np.testing.assert_array_equal(grabs[1], grabs[0])


def test_unit_and_zero_lines_follow_the_unit_and_the_window(view):
    model, trace = build([LayerSpec("LSTM", {"units": 5, "return_sequences": True})], T=9)
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=2, sample=0, layer="lstm", unit=3))
    for slot in view.slots:
        if slot.key is not None:
            line = slot.unit_line.line()
            assert (line.y1(), line.y2()) == (3.0, 3.0) and (line.x1(), line.x2()) == (-0.5, 8.5)
    line = view.zero_line.line()
    assert (line.y1(), line.y2()) == (0.0, 0.0) and (line.x1(), line.x2()) == (-0.5, 8.5)


def test_steady_axes_measure_the_bounds_of_pyqtgraph_axes(qtbot):
    # the plots' axes keep their bounds for a geometry: the same bounds (and pixels) as
    # pyqtgraph's after a resize, a new tick length and new ticks
    import pyqtgraph as pg

    from lstmviz.ui.views._common import count_axis, steady_axes

    widgets = []
    for axes in ({}, steady_axes("left", "bottom")):
        w = pg.PlotWidget(axisItems=axes)
        qtbot.addWidget(w)
        w.resize(600, 300)
        w.show()
        qtbot.waitExposed(w)
        widgets.append(w)

    def grabs():
        out = []
        for w in widgets:
            img = w.grab().toImage()
            out.append(np.array(img.constBits()).reshape(img.height(), -1).copy())
        return out

    def same(counted=False):
        for side in ("left", "bottom"):
            theirs = widgets[0].getAxis(side).boundingRect()
            if counted and side == "bottom":  # a count axis's last label keeps within its right
                axis = widgets[0].getAxis(side)  # end (a colour bar stands there), its first may not
                theirs.setRight(min(theirs.right(), axis.mapRectFromParent(axis.geometry()).right() + 2))
                ours = widgets[1].getAxis(side).boundingRect()
                assert theirs.contains(ours) and (ours.top(), ours.bottom()) == (theirs.top(), theirs.bottom())
                continue
            assert widgets[1].getAxis(side).boundingRect() == theirs
        if counted:  # the labels are pyqtgraph's but one standing out past the right end
            from helpers import axis_specs

            ours, base = (axis_specs(w.getAxis("bottom"), pg.AxisItem.generateDrawSpecs)[2] for w in widgets[::-1])
            right = widgets[1].getAxis("bottom").boundingRect().right()
            kept = [t for r, _, t in base if r.right() <= right]
            assert [t for _, _, t in ours] == kept
            # its bounds past its ends reach as far as its labels (and its line's end), no
            # farther (Qt repaints them at new ticks: a colour bar beside was repainted)
            axis = widgets[1].getAxis("bottom")
            own = axis.mapRectFromParent(axis.geometry())
            reach = [own.left() - 2, own.right() + 2] + [x for r, _, _ in ours for x in (r.left(), r.right())]
            bounds = axis.boundingRect()
            assert min(reach) - 5 <= bounds.left() <= min(reach) and max(reach) <= bounds.right() <= max(reach) + 5
            if len(kept) < len(base):
                return
        a, b = grabs()
        np.testing.assert_array_equal(b, a)

    same()
    for w in widgets:
        w.resize(450, 380)
        w.setXRange(31104 - 0.5, 31104 + 255.5, padding=0)
        count_axis(w.getAxis("bottom"), 256, first=31104, max_ticks=8)
    same(counted=True)
    for w in widgets:
        w.getAxis("bottom").setStyle(tickLength=-8)
        w.getAxis("left").setStyle(hideOverlappingLabels=False)
    same(counted=True)
    assert type(widgets[1].getAxis("bottom")).__name__ == "SteadyAxis"


@pytest.mark.parametrize("width, first, n, tick_length", [(600, 31104, 256, -5), (240, 31104, 16, -5),
                                                          (90, 0, 7, 5), (1000, 99984, 16, -8)])
def test_steady_axes_draw_the_specs_of_pyqtgraph(qtbot, width, first, n, tick_length):
    # a step axis's lines, ticks and labels are made in fewer steps: the very specs
    # pyqtgraph makes for it, and the same pixels
    import pyqtgraph as pg
    from PySide6 import QtGui

    from lstmviz.ui.views._common import SteadyAxis, count_axis, steady_axes

    grabs = []
    height = None
    for axes in (steady_axes("bottom"), {}):
        w = pg.PlotWidget(axisItems=axes)
        qtbot.addWidget(w)
        w.resize(width, 200)
        axis = w.getAxis("bottom")
        axis.setStyle(tickLength=tick_length, tickFont=QtGui.QFont("DejaVu Sans", 8))
        if height is not None:  # (pyqtgraph's, as tall: a comma's tail has room in a SteadyAxis)
            axis.setHeight(height)
        w.setXRange(first - 0.5, first + n - 0.5, padding=0)
        count_axis(axis, n, first=first, max_ticks=8)
        w.show()
        qtbot.waitExposed(w)
        img = w.grab().toImage()
        grabs.append(np.array(img.constBits()).reshape(img.height(), -1).copy())
        if isinstance(axis, SteadyAxis):
            height = axis.minimumHeight()
            SteadyAxis._specs.clear()  # made here, not answered from an alike axis's
            specs = []
            for make in (pg.AxisItem.generateDrawSpecs, SteadyAxis.generateDrawSpecs):
                picture = QtGui.QPicture()
                painter = QtGui.QPainter(picture)
                painter.setFont(axis.style["tickFont"])
                try:
                    specs.append(make(axis, painter))
                finally:
                    painter.end()
            (a_axis, a_ticks, a_text), (b_axis, b_ticks, b_text) = specs
            assert b_text  # labels are drawn
            assert axis._lstmviz_text_sizes  # (its own way, not pyqtgraph's)
            assert (b_axis[0], b_axis[1], b_axis[2]) == (a_axis[0], a_axis[1], a_axis[2])
            assert [(pen, p1, p2) for pen, p1, p2 in b_ticks] == [(pen, p1, p2) for pen, p1, p2 in a_ticks]
            assert [(r, int(f), t) for r, f, t in b_text] == [(r, int(f), t) for r, f, t in a_text]
    np.testing.assert_array_equal(grabs[0], grabs[1])


def test_the_view_is_built_without_viewbox_menus(qtbot, monkeypatch):
    # its plots and colour bars switch their menus off: made without them (~4 ms a plot),
    # and the view still draws the trace
    import importlib

    vb_module = importlib.import_module("pyqtgraph.graphicsItems.ViewBox.ViewBox")

    made = []
    real = vb_module.ViewBoxMenu
    monkeypatch.setattr(vb_module, "ViewBoxMenu", lambda *a: made.append(1) or real(*a))
    v = OverTimeView()
    qtbot.addWidget(v)
    assert made == []
    plots = [p for s in v.slots for p in (s.plot, s.colorbar)] + [v.curve_plot]
    assert all(p.getViewBox().menu is None and not p.getViewBox().menuEnabled() for p in plots)
    model, trace = build([LayerSpec("GRU", {"units": 3, "return_sequences": True})])
    v.set_data(model, trace)
    v.set_cursor(Cursor(step=1, layer="gru"))
    np.testing.assert_array_equal(v.images["h"].image, trace["gru"].steps["h"][0].T)


def test_alike_steady_axes_share_specs_and_others_get_their_own(qtbot):
    # the six heatmaps' step axes are alike at each seek: their specs are made once; an
    # axis that differs in size, range, ticks or pen gets pyqtgraph's specs for itself
    import pyqtgraph as pg
    from PySide6 import QtGui

    from helpers import axis_specs as specs
    from helpers import plain_specs as plain
    from lstmviz.ui.views._common import SteadyAxis, count_axis, steady_axes

    font = QtGui.QFont("DejaVu Sans", 8)
    # (width, first step, steps, pen, steps shown at the first one's places: as a Shifted group)
    cases = [(400, 12336, 16, "#ffffff", 0), (400, 12336, 16, "#ffffff", 0), (400, 12336, 16, "#ff0000", 0),
             (400, 12352, 16, "#ffffff", 0), (300, 12336, 16, "#ffffff", 0), (400, 12336, 256, "#ffffff", 0),
             (400, 12336, 16, "#ffffff", 16)]
    made = []
    for width, first, n, color, shift in cases:
        w = pg.PlotWidget(axisItems=steady_axes("bottom"))
        qtbot.addWidget(w)
        w.resize(width, 150)
        axis = w.getAxis("bottom")
        axis.setStyle(tickFont=font)
        axis.setPen(pg.mkPen(color))
        w.setXRange(first - 0.5, first + n - 0.5, padding=0)
        count_axis(axis, n, first=first + shift, max_ticks=8, place=lambda v, shift=shift: v - shift)
        w.show()
        qtbot.waitExposed(w)
        ours = specs(axis, SteadyAxis.generateDrawSpecs)
        assert ours[2]  # labels
        assert plain(ours) == plain(specs(axis, pg.AxisItem.generateDrawSpecs))
        assert ours[0][0].color() == QtGui.QColor(color)
        made.append(ours)
    assert made[1] is made[0]  # alike: shared
    assert all(m is not made[0] for m in made[2:])
    assert [t for _, _, t in made[-1][2]] != [t for _, _, t in made[0][2]]  # other labels, same places
    w = pg.PlotWidget(axisItems=steady_axes("bottom"))
    qtbot.addWidget(w)
    w.resize(400, 150)
    axis = w.getAxis("bottom")
    axis.setStyle(tickFont=font)
    w.setXRange(12336 - 0.5, 12336 + 255.5, padding=0)
    axis.setTicks([[[12400.0, "12400"], [12500.0, "12500"]], []])  # lists (unhashable): made each time
    w.show()
    qtbot.waitExposed(w)
    ours = specs(axis, SteadyAxis.generateDrawSpecs)
    assert [t for _, _, t in ours[2]] == ["12400", "12500"]
    assert plain(ours) == plain(specs(axis, pg.AxisItem.generateDrawSpecs))


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 720)])
def test_every_heatmap_title_fits_its_plot_in_the_projector_theme(projector_demo, size):
    """'h_t · hidden state / output' was wider than its heatmap in the projector theme at
    1600x1000 and was cut at the colour bar ('... / outpu'); at a projector's 1280x720,
    'h_t · hidden state' ran out of the window and 'o_t · output gate' over its bar: there
    the symbol alone is the title."""
    _, view = projector_demo("Over time", step=5, size=size)
    shown = [s for s in view.slots if s.plot.isVisible()]
    assert len(shown) == 6
    for slot in shown:
        label = slot.plot.titleLabel
        assert label.isVisible() and label.text
        text, room = label.item.sceneBoundingRect(), label.sceneBoundingRect()
        bar = slot.colorbar.sceneBoundingRect()
        assert room.left() - 0.5 <= text.left(), label.text
        assert text.right() <= min(room.right(), bar.left()) + 0.5, label.text
        whole = label._lstmviz_shown == label.text
        assert whole == (size[0] == 1600), label.text  # the meaning where it fits
        assert ("·" in label.item.toPlainText()) == whole


@pytest.mark.parametrize("size, theme", [((1400, 800), "dark"), ((1401, 800), "dark"), ((1280, 720), "projector")])
def test_the_heatmaps_columns_are_as_wide_as_each_other(projector_demo, size, theme):
    """Qt gave the pixel or two a row's width leaves over to some of its heatmaps (327, 328
    and 327 px at 1400 x 800), so their step axes, one pixel apart, were not alike and a
    long input's seek made a second axis picture for them (``SteadyAxis.paint``): the
    heatmaps are as wide as each other, the spare pixels left at the grid's right."""
    _, view = projector_demo("Over time", step=5, size=size, theme=theme)
    shown = [s for s in view.slots if s.widget.isVisible()]
    assert len(shown) == 6
    assert len({s.widget.width() for s in shown}) == 1
    assert len({s.plot.getAxis("bottom").width() for s in shown}) == 1
    columns = sorted({s.widget.x() for s in shown})
    right = max(s.widget.geometry().right() for s in shown)
    row = view.curve_widget.geometry().right()  # (the curves below span the whole row)
    assert len(columns) == 3 and row - len(columns) < right <= row


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 720), (1024, 640)])
def test_the_curves_legend_is_in_the_title_row_over_no_curve_nor_the_title(projector_demo, size):
    """The legend lay over the curves' top right corner (i, f and o near 0.5 in the demo at
    1280x720); it is now at the right end of the title's row, whole, beside the title. At
    1024 x 640 it took two rows beside "unit 0 over time": the title is "unit 0" there, the
    legend one row."""
    from PySide6 import QtGui, QtWidgets

    window, view = projector_demo("Over time", step=5, size=size)
    legend, plot = view.legend, view.curve_plot
    for unit in (0, 3):  # another unit's title ("unit 3 over time") stays at the left too
        if unit:
            window.state.set_cursor(unit=unit)
            # (the title's row takes the legend's height one turn of the loop after the
            # title's new text)
            for _ in range(2):
                QtWidgets.QApplication.processEvents()
        box, curves = legend.sceneBoundingRect(), plot.vb.sceneBoundingRect()
        title, row = plot.titleLabel.item.sceneBoundingRect(), plot.titleLabel.sceneBoundingRect()
        assert plot.titleLabel.item.toPlainText() == f"unit {unit}" + (" over time" if size[0] > 1024 else "")
        line = QtGui.QFontMetrics(legend.items[0][1].item.font()).lineSpacing()
        assert box.height() < 1.6 * line, (box.height(), line)  # one row
        assert legend.isVisible() and len(legend.items) == 6
        assert box.bottom() <= curves.top() + 0.5 and not box.intersects(curves)
        assert curves.left() - 0.5 <= box.left() and box.right() <= curves.right() + 0.5
        assert title.right() <= box.left() + 0.5  # beside the title's text, not over it
        assert abs(title.left() - row.left()) <= 0.5, unit  # left-aligned
        for _, label in legend.items:
            assert box.contains(label.sceneBoundingRect().center())


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_the_curves_keep_a_readable_plot_in_a_small_window(projector_demo, theme):
    """``--screenshot --view over_time --size 640x400`` (the window at its least beside the
    side panel): the legend wrapped to two rows beside "unit 0 over time" and left the
    curves 23 px of plot. The title is "unit 0" there, the legend one row beside it (two in
    the projector theme, whose heatmaps of 152 px let the curves come back in a window
    ~40 px narrower, 911 x 571, than with 160), the curves at least ``CURVES_MIN_PLOT`` (at
    the least height that shows them: at 640 x 400 they give way to the heatmaps)."""
    from PySide6 import QtGui

    from lstmviz.ui.views.over_time import CURVES_MIN_PLOT

    window, view = projector_demo("Over time", step=5, size=(640, 400), theme=theme)
    assert window.side.isVisible()
    # (there the curves give way to the heatmaps: test_the_curves_give_way_in_an_800_x_600_window;
    # they come back at their least where the window is taller)
    assert not view.curves_shown
    grown_until_the_curves_show(window, view, shape=True)
    legend, plot = view.legend, view.curve_plot
    box, curves = legend.sceneBoundingRect(), plot.vb.sceneBoundingRect()
    assert plot.titleLabel.item.toPlainText() == "unit 0"
    line = QtGui.QFontMetrics(legend.items[0][1].item.font()).lineSpacing()
    rows = 1 if theme == "dark" else 2
    assert len(legend.items) == 6 and legend.columnCount >= 6 / rows and box.height() < (rows + 0.6) * line
    assert not box.intersects(curves) and box.right() <= curves.right() + 0.5
    assert plot.titleLabel.item.sceneBoundingRect().right() <= box.left() + 0.5
    assert curves.height() >= CURVES_MIN_PLOT, curves.height()


@pytest.mark.parametrize("side", ["bottom", "left"])
def test_alike_cached_step_axes_copy_one_pixmap_and_paint_their_own_pixels(qtbot, monkeypatch, side):
    # a seek gives the six heatmaps' step axes (kept as pixmaps) the same new ticks: the
    # first paints, the alike ones copy its pixmap; the pixels are each axis's own, and
    # new ticks or another pen (a theme) are painted anew. So do their unit axes (left),
    # which an edit of units gives a new range
    import pyqtgraph as pg
    from PySide6 import QtGui

    from lstmviz.ui.views._common import SteadyAxis, cache_pixels, count_axis, steady_axes

    font = QtGui.QFont("DejaVu Sans", 8)
    widgets = []
    for _ in range(3):
        w = pg.PlotWidget(axisItems=steady_axes(side))
        qtbot.addWidget(w)
        w.resize(400, 150) if side == "bottom" else w.resize(300, 220)
        axis = w.getAxis(side)
        axis.setStyle(tickFont=font)
        cache_pixels(axis)
        w.show()
        qtbot.waitExposed(w)
        widgets.append(w)

    def show(first, n, color):
        for w in widgets:
            w.getAxis(side).setPen(pg.mkPen(color))
            w.getAxis(side).setTextPen(pg.mkPen(color))
            if side == "bottom":
                w.setXRange(first - 0.5, first + n - 0.5, padding=0)
                count_axis(w.getAxis("bottom"), n, first=first, max_ticks=8)
            else:  # (units: from 0, as the heatmaps' rows)
                w.invertY(True)
                w.setYRange(-0.5, n - 0.5, padding=0)
                count_axis(w.getAxis("left"), n, max_ticks=4)
        copied = []
        real = QtGui.QPainter.drawPixmap
        monkeypatch.setattr(QtGui.QPainter, "drawPixmap", lambda p, *a: copied.append(1) or real(p, *a))
        out = []
        for w in widgets:
            img = w.grab().toImage()
            out.append(np.array(img.constBits()).reshape(img.height(), -1).copy())
        monkeypatch.undo()
        return out, copied

    def painted_alone(first, n, color):
        # the same, each axis painting its own picture (no pixmap copied from another)
        monkeypatch.setattr(SteadyAxis, "_cache_state", lambda self, p: None)
        for w in widgets:
            w.getAxis(side).picture = None
            w.getAxis(side).update()
        try:
            return show(first, n, color)[0]
        finally:
            monkeypatch.undo()

    for first, n, color in [(12336, 16, "#ffffff"), (31104, 256, "#ffffff"), (31104, 256, "#ff8800")]:
        SteadyAxis._drawn.clear()
        ours, copied = show(first, n, color)
        assert copied  # the alike axes copied the first one's pixmap
        assert SteadyAxis._drawn
        assert widgets[1].getAxis(side).picture is None  # (copied: no picture of its own made)
        theirs = painted_alone(first, n, color)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(a, b)
        assert (ours[0] != ours[0][0, 0]).any()
    # the last two cases differ in pen only: the orange axis's pixels are not the white one's
    assert not np.array_equal(show(31104, 256, "#ffffff")[0][0], show(31104, 256, "#ff8800")[0][0])


def _two_strip_plots(qtbot, x_range=None):
    """Two plots of 600 x 200, y over -1.5 .. 1.5 (x over ``x_range`` where given), each
    with an empty ``StripCurve`` of a 2.5 px antialiased pen, shown: (plots, curves)."""
    import pyqtgraph as pg

    from lstmviz.ui.views._common import StripCurve

    plots, curves = [], []
    for _ in range(2):
        w = pg.PlotWidget()
        qtbot.addWidget(w)
        w.resize(600, 200)
        if x_range is not None:
            w.setXRange(*x_range, padding=0)
        w.setYRange(-1.5, 1.5, padding=0)
        c = StripCurve(pen=pg.mkPen("#E69F00", width=2.5), antialias=True)
        w.addItem(c)
        w.show()
        qtbot.waitExposed(w)
        plots.append(w)
        curves.append(c)
    return plots, curves


def test_set_line_gives_the_curve_what_set_data_gives(qtbot):
    # the unit curves take a seek's points without PlotDataItem's general mapping: the
    # line item holds the same points and options, the pixels are setData's; symbols,
    # non-finite points, log mode are setData's own
    rng = np.random.default_rng(7)
    plots, curves = _two_strip_plots(qtbot)
    keys = ("pen", "shadowPen", "fillLevel", "brush", "antialias", "connect", "stepMode", "skipFiniteCheck")
    cases = [(np.arange(16), rng.normal(0, 0.5, 16).astype(np.float32)),
             (np.arange(31104, 31120), rng.normal(0, 0.5, 16).astype(np.float32)),
             (np.arange(100, 356), np.tanh(rng.normal(0, 1, 256)).astype(np.float32)),
             (np.arange(5), np.array([0.1, np.nan, 0.3, 0.2, 0.0], np.float32)),  # setData's
             (np.arange(3000, 3016), rng.normal(0, 0.5, (1, 16, 3)).astype(np.float32)[0, :, 1])]  # strided
    curves[1].setData(cases[0][0], cases[0][1])  # (the first points: setData's, as the view's)
    full = []
    real = curves[1].setData
    curves[1].setData = lambda *a, **k: full.append(1) or real(*a, **k)
    for x, y in cases:
        plots[0].setXRange(x[0] - 0.5, x[-1] + 0.5, padding=0)
        plots[1].setXRange(x[0] - 0.5, x[-1] + 0.5, padding=0)
        curves[0].setData(x, y)
        full.clear()
        curves[1].set_line(x, y)
        assert len(full) == (0 if np.isfinite(y).all() else 1)
        a, b = curves[0].curve, curves[1].curve
        np.testing.assert_array_equal(b.xData, a.xData)
        np.testing.assert_array_equal(b.yData, a.yData)
        assert {k: b.opts[k] for k in keys} == {k: a.opts[k] for k in keys}
        for got, want in zip(curves[1].getData(), curves[0].getData(), strict=True):
            np.testing.assert_array_equal(got, want)
        assert b.isVisible() and not curves[1].scatter.isVisible()
        grabs = []
        for w in plots:
            img = w.grab().toImage()
            grabs.append(np.array(img.constBits()).reshape(img.height(), -1).copy())
        np.testing.assert_array_equal(grabs[1], grabs[0])
    curves[1].setLogMode(False, True)  # (a mapping: setData's)
    y = np.abs(rng.normal(0, 0.5, 16)).astype(np.float32) + 0.1
    curves[0].setLogMode(False, True)
    curves[0].setData(np.arange(16), y)
    curves[1].set_line(np.arange(16), y)
    np.testing.assert_array_equal(curves[1].curve.yData, curves[0].curve.yData)


def test_a_set_line_keeps_its_points_through_range_changes_as_setdata_would(qtbot):
    # a new value range (an edit, another unit) gives a set_line's points to the line item
    # again only where pyqtgraph's display data would differ (clipped at a range a million
    # times narrower): the line holds setData's points and draws its pixels at each range


    rng = np.random.default_rng(3)
    y = np.tanh(rng.normal(0, 1, 200)).astype(np.float32)
    x = np.arange(200)
    plots, curves = _two_strip_plots(qtbot, x_range=(-0.5, 199.5))
    curves[0].setData(x, y)
    curves[1].setData(x[:5], y[:5])  # (the first points: setData's, as the view's)
    curves[1].set_line(x, y)
    assert curves[1]._line
    given = []
    real = curves[1].curve.setData
    curves[1].curve.setData = lambda *a, **k: given.append(1) or real(*a, **k)
    for lo, hi, again in ((-0.4, 0.9, False), (-3.0, 2.0, False), (0.1, 0.1 + 1e-8, True), (-1.5, 1.5, True)):
        given.clear()
        for w in plots:
            w.setYRange(lo, hi, padding=0.05)
        assert bool(given) == again, (lo, hi)  # (a clipped line: pyqtgraph's own, until set_line)
        for got, want in zip(curves[1].curve.getData(), curves[0].curve.getData(), strict=True):
            np.testing.assert_array_equal(got, want)
        grabs = []
        for w in plots:
            img = w.grab().toImage()
            grabs.append(np.array(img.constBits()).reshape(img.height(), -1).copy())
        np.testing.assert_array_equal(grabs[1], grabs[0])
    curves[1].set_line(x, y[::-1].copy())
    curves[0].setData(x, y[::-1].copy())
    given.clear()
    for w in plots:
        w.setYRange(-2.0, 2.0, padding=0)
    assert not given
    np.testing.assert_array_equal(curves[1].curve.getData()[1], curves[0].curve.getData()[1])
    curves[1].clear()  # (no points: a new range is pyqtgraph's own)
    plots[1].setYRange(-1.0, 1.0, padding=0)
    assert curves[1].getData() == (None, None)


def test_a_grus_four_heatmaps_are_two_by_two_and_an_lstms_six_three_by_two(qtbot):
    """Three to a row, a GRU's h_t sat alone under z_t: two thirds of its row empty and
    every heatmap a third of the width. Two by two, each takes half; an LSTM keeps three."""
    model, trace = build([LayerSpec("GRU", {"units": 4, "return_sequences": True}, name="gru"),
                          LayerSpec("LSTM", {"units": 3}, name="lstm")])
    view = shown_view(qtbot)
    view.set_data(model, trace)

    def rows(layer):
        view.set_cursor(Cursor(step=2, sample=0, layer=layer, unit=0))
        QtWidgets.QApplication.processEvents()
        shown = [s for s in view.slots if s.key is not None]
        assert all(s.widget.isVisible() for s in shown)
        tops = sorted({s.widget.geometry().top() for s in shown})
        return shown, [[s.key for s in shown if s.widget.geometry().top() == top] for top in tops]

    shown, grid = rows("gru")
    assert grid == [["z", "r"], ["h_tilde", "h"]]
    width = view.grid.geometry().width()
    assert all(s.widget.width() > 0.45 * width for s in shown)
    shown, grid = rows("lstm")
    assert grid == [["i", "f", "c_tilde"], ["o", "c", "h"]]
    assert all(0.3 * width < s.widget.width() < 0.34 * width for s in shown)
    _, grid = rows("gru")  # and back
    assert grid == [["z", "r"], ["h_tilde", "h"]]


def test_gates_past_one_keep_their_values_in_the_heatmaps_and_curves(view):
    """A file's relu gates (recurrent_activation relu) reach past 1: the heatmaps' levels
    and the curves' range take them, as the Cell view's charts do (they were cut at 1)."""
    model, trace = build([LayerSpec("LSTM", {"units": 3, "recurrent_activation": "relu",
                                             "return_sequences": True})], T=9)
    f = trace["lstm"].steps["f"]
    assert f.max() > 1.0
    view.set_data(model, trace)
    u = int(np.unravel_index(np.argmax(f), f.shape)[2])
    view.set_cursor(Cursor(step=2, layer="lstm", unit=u))
    lo, hi = view.colorbars["f"].levels()
    assert lo == pytest.approx(min(0.0, float(f.min()))) and hi == pytest.approx(float(f.max()))
    assert view._curve_range[1] >= float(f[..., u].max())


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_the_window_fits_a_1024_x_768_screen_with_every_view_built(qapp, theme):
    """In the projector theme beside the side panel (``lstmviz --theme projector``), the
    Over time tab's three heatmaps of 200 px at least held the window 1,074 px wide once
    the tab had been shown: past a 1024 x 768 projector's edge, on every tab (the tabs
    keep the widest page's least)."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window

    w = make_window(None, theme, quiet=True)
    try:
        w.resize(1024, 768)
        w.show()
        for k in range(4):
            w.tabs.setCurrentIndex(k)
            for _ in range(3):
                QtWidgets.QApplication.processEvents()
        assert w.side.isVisible()
        least = w.minimumSizeHint()
        assert least.width() <= 1024 and least.height() <= 768, (theme, least)
        w.resize(1024, 768)
        QtWidgets.QApplication.processEvents()
        assert (w.width(), w.height()) == (1024, 768)
    finally:
        dispose(w)
        th.apply("dark", qapp)


def _shown_lines(label) -> tuple[str, float]:
    """What a QuietLabel shows (plain) and the height that text takes at its width."""
    from PySide6 import QtGui

    doc = QtGui.QTextDocument()
    doc.setDefaultFont(label.label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(label.label.text())
    doc.setTextWidth(label.width())
    return doc.toPlainText(), doc.size().height()


def test_a_squeezed_header_shows_the_lines_that_fit_ending_in_an_ellipsis(qtbot):
    """Given less height than its text needs (the plots below at their least heights), a
    header showed the top of a line cut through; it shows whole lines, the last ending in
    '…' at a word's end, and all of it again once it has the room. Its text stays whole."""
    holder, label = _label_in_a_window(qtbot)
    text = "<b>bidi</b> backward (LSTM) · " + " · ".join(f"part number {k}" for k in range(12))
    label.setText(text)
    QtWidgets.QApplication.processEvents()
    need = label.sizeHint().height()
    line = label.label.fontMetrics().lineSpacing()
    assert need > 3 * line
    label.resize(label.width(), int(2.5 * line))  # (as a layout gives it less than its size hint)
    QtWidgets.QApplication.processEvents()
    shown, height = _shown_lines(label)
    assert shown.endswith("…") and height <= label.height() and height > 1.5 * line
    assert shown[:-1].rstrip() == shown[:-1] and not shown[:-1].endswith("·")
    assert shown[:-1] in "bidi backward (LSTM) · " + " · ".join(f"part number {k}" for k in range(12))
    assert shown[:-1].endswith(tuple(f"number {k}" for k in range(12)) + ("part",))  # a word's end
    assert label.text() == text
    label.resize(label.width(), need)
    QtWidgets.QApplication.processEvents()
    assert _shown_lines(label)[0] == "bidi backward (LSTM) · " + " · ".join(f"part number {k}" for k in range(12))


@pytest.mark.parametrize("theme", ["projector", "light"])
def test_the_header_is_whole_in_every_frame_of_a_small_animation(make_window, theme, tmp_path, qapp):
    """A 640x400 GIF of Over time cut the header's third line in half (a Bidirectional's
    backward half: '(processed right to left)'); without the hint for the mouse it takes
    two lines, whole in every frame; in a whole window that small, the lines that fit end
    in '…'."""
    from pathlib import Path

    from PIL import Image

    from lstmviz.ui import export as ex

    w = make_window()
    w.set_theme(theme)
    fixture = Path(__file__).resolve().parent / "fixtures" / "k3_masking_bidi_lstm_seq" / "model.keras"
    assert w.open_file(str(fixture))
    w.tabs.setCurrentIndex(2)
    w.state.set_cursor(side="backward")
    view = w.views[2]
    seen = []

    def frame_done(done, total):
        if done:
            seen.append((w.state.cursor.step, _shown_lines(view.header), view.header.height()))
        return True

    out = ex.save_gif(w, tmp_path / "o.gif", "over_time", (640, 400), progress=frame_done)
    with Image.open(out) as im:
        assert im.size == (640, 400) and im.n_frames == w.state.timesteps
    assert len(seen) == w.state.timesteps
    for step, (shown, height), room in seen:
        assert "processed right to left" in shown and "click" not in shown and not shown.endswith("…"), shown
        assert height <= room + 0.5, (step, shown, height, room)
    from lstmviz.ui.app import render

    render(w, tmp_path / "w.png", size=(640, 400))  # (``--screenshot``: hints and all)
    shown, height = _shown_lines(view.header)
    whole = QtGui.QTextDocument()  # (the size hint is two lines at most: ``max_lines``)
    whole.setDefaultFont(view.header.label.font())
    whole.setDocumentMargin(0)
    whole.setHtml(view.header.text())
    whole.setTextWidth(view.header.width())
    assert view.header.height() < whole.size().height()  # squeezed: the lines that fit
    # the lines that fit, ending in "…", or the short form whole (two lines at most)
    assert shown.endswith("…") or shown.startswith("bidi backward · step t = "), shown
    assert height <= view.header.height() + 0.5, shown
    assert "(LSTM)" in view.header.toolTip()  # (the whole text)
    from lstmviz.ui import theme as th

    th.apply("dark", qapp)


CHANGED_KIND_THEN_DELETED = """
import tempfile
from pathlib import Path
from PySide6 import QtCore, QtWidgets
app = QtWidgets.QApplication(["t"])
import pyqtgraph as pg
from lstmviz.app.options import default_config
from lstmviz.app.state import AppState, InputSpec, LayerEntry
from lstmviz.ui import theme
from lstmviz.ui.app import dispose
from lstmviz.ui.main_window import MainWindow, apply_chrome
pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
theme.apply("dark", app)
apply_chrome(app)
def lstm():
    config = default_config("LSTM", units=8)
    config["return_sequences"] = True
    return LayerEntry("LSTM", config)
state = AppState([lstm(), lstm()], InputSpec(batch_size=4, timesteps=10, input_dim=3))
settings = QtCore.QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QtCore.QSettings.Format.IniFormat)
window = MainWindow(state, settings=settings, quiet=True)
window.resize(1600, 1000)
window.show()
for _ in range(3):
    app.processEvents()
window.tabs.setCurrentIndex(2)  # Over time, on the first layer
app.processEvents()
state.change_kind(0, "GRU")
app.processEvents()
dispose(window)
print("deleted")
"""


def test_a_window_deleted_after_the_legend_changed_does_not_crash():
    """The curves' legend beside the title was the title's child: after a layer's kind
    changed (LSTM -> GRU: other entries), deleting the window (closing the app) ended in a
    segmentation fault in Qt. The legend is now the plot's child, placed over the title's row."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(Path(__file__).resolve().parents[1]) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", CHANGED_KIND_THEN_DELETED], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "deleted" in done.stdout, (done.returncode, done.stderr[-600:])


@pytest.mark.parametrize("size, theme", [((1024, 768), "projector"), ((1024, 768), "dark")])
def test_a_narrow_heatmaps_step_axis_says_more_than_its_first_step(projector_demo, size, theme):
    """At 1024 x 768 in the projector theme (not presenting) the six heatmaps are ~59 px
    wide and their step axis said only '0': 0 and 20 were refused as standing less than
    the widest label and an em apart, and the next spacing, 50, holds only 0. A few labels
    at a round spacing that fit by their own widths are shown, each drawn whole inside the
    axis's right end, an em apart."""
    from PySide6 import QtGui

    from helpers import axis_specs
    from lstmviz.ui.views._common import SteadyAxis

    _, view = projector_demo("Over time", step=5, size=size, theme=theme)
    shown = [s for s in view.slots if s.key is not None and s.plot.isVisible()]
    assert len(shown) == 6
    for slot in shown:
        axis = slot.plot.getAxis("bottom")
        drawn = axis_specs(axis, SteadyAxis.generateDrawSpecs)[2]
        texts = [t for _, _, t in drawn]
        assert len(texts) >= 2 and texts[0] == "0", (slot.key, texts, axis.width())
        assert all(t.isdigit() and 0 <= int(t) < 40 for t in texts)
        right = axis.mapRectFromParent(axis.geometry()).right()
        assert drawn[-1][0].right() <= right + 2
        em = QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font()).horizontalAdvance("M")
        assert all(b.left() - a.right() >= em - 1 for (a, _, _), (b, _, _) in zip(drawn, drawn[1:]))


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_the_header_keeps_one_readable_line_at_the_windows_least_size(qapp, theme):
    """At the window's least size beside the side panel (902 x 511 in the dark theme) the
    Over time header was squeezed to 4 px: nothing of it read. It keeps its first line at
    least, cut with "…" where the rest does not fit, the whole text in its tooltip; the
    window's least height is still far within an 800 x 600 screen's. That line stopped at
    "unit…" (the kind and "= input step 3", the step again, came first): cut, the header
    is its short form, the unit and the sample before any decoration.

    Decoration gives way to the heatmaps there too: they were 37 x 26 px, beside margins
    of 9 px and a "unit" label; the margins are 2 px, the label gone, each image at least
    ``IMAGE_MIN_WIDE`` wide (twice what it was) and taller, and the colour bars' end labels
    still whole within their widgets."""
    from PySide6 import QtCore, QtGui

    from lstmviz.ui.labels import shown_text
    from lstmviz.ui.views.over_time import IMAGE_MIN_WIDE

    with demo_at_least_size("Over time", theme) as (w, view):
        least = w.minimumSizeHint()
        assert w.size() == least and least.height() <= 600 - 24, least
        header = view.header
        line = QtGui.QFontMetrics(header.label.font()).height()
        assert header.height() >= line, (header.height(), line)
        shown = QtGui.QTextDocumentFragment.fromHtml(header.label.text()).toPlainText()
        # (the window's least is the heatmaps' two to a row, 324 px of page; the curves gave
        # way there, and the header's short form is whole: test_the_curves_give_way_...)
        assert shown == "lstm · step t = 0 · unit 0 · sample 0", shown
        assert header.toolTip() == shown_text(header.text())
        assert QtGui.QTextDocumentFragment.fromHtml(header.toolTip()).toPlainText().startswith(
            "lstm (LSTM) · step t = 0 = input step 0 · unit 0 · sample 0")
        for slot in view.slots[:6]:
            image = slot.plot.vb.sceneBoundingRect()
            assert slot.tight and slot.widget.ci.layout.getContentsMargins() == (2.0, 2.0, 2.0, 2.0)
            assert not slot.plot.getAxis("left").label.isVisible()
            assert image.width() >= IMAGE_MIN_WIDE and image.height() >= 34, (slot.key, image)
            bar = slot.colorbar.axis
            ends = [bar.mapRectToScene(r) for r in bar_label_rects(bar)]
            assert ends and all(slot.widget.sceneRect().contains(r) for r in ends), slot.key
        # its one line, not more: the label's first line stands in the holder
        first = QtCore.QRect(0, 0, header.width(), line)
        assert header.rect().contains(first)


def nan_model(T=10):
    """An LSTM whose forget gate's bias of unit 1 is NaN (a diverged run): unit 1 is NaN
    from step 0, every unit from step 1 (the recurrent kernel spreads it)."""
    model = Model.sequential((None, T, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True})], seed=0)
    model.layers[0].weights[2][5] = np.nan
    x = np.random.default_rng(0).normal(size=(1, T, 2)).astype(np.float32)
    return model, model.trace(x)


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_a_nan_cell_is_drawn_in_the_themes_colour_for_no_number_keyed_by_its_colour_bar(qtbot, theme):
    """A diverged model's NaN cells were left clear: the background showed through and a
    NaN read as an empty cell. They are drawn in the theme's NaN colour, and each colour
    bar whose heatmap holds one has a "NaN" key under it (none where it holds none)."""
    from PySide6 import QtCore, QtGui

    from lstmviz.ui import theme as th

    t = th.get(theme)
    v = OverTimeView(theme=t)
    qtbot.addWidget(v)
    v.resize(1200, 800)
    v.show()
    qtbot.waitExposed(v)
    model, trace = nan_model()
    v.set_data(model, trace)
    v.set_cursor(Cursor(step=0, layer="lstm", unit=0))
    QtWidgets.QApplication.processEvents()
    rec = trace["lstm"]
    for slot in v.slots[:6]:
        assert np.isnan(rec.steps[slot.key][0, 6, 3])
        assert slot.nan_key.isVisible() and slot.nan_key.sceneBoundingRect().intersects(
            slot.colorbar.sceneBoundingRect())
        picture = slot.widget.grab().toImage()
        at = slot.widget.mapFromScene(slot.image.mapToScene(QtCore.QPointF(6.5, 3.5)))  # (step 6, unit 3)
        assert picture.pixelColor(at).name() == QtGui.QColor(t.nan).name(), slot.key
        key = slot.widget.mapFromScene(slot.nan_key.mapToScene(slot.nan_key.boundingRect().center()))
        assert key.y() < slot.widget.height()  # (seen: within the heatmap's widget)
    # a model without NaN: no key
    fine, trace = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True})])
    v.set_data(fine, trace)
    v.set_cursor(Cursor(step=0, layer="lstm", unit=0))
    assert not any(slot.nan_key.isVisible() for slot in v.slots)


def test_the_nan_colour_is_on_no_colour_map_and_stands_out_in_every_theme():
    """The colour for no number must not be read as a number: far from every colour of the
    gate map and each theme's diverging map, and from the theme's own colours."""
    import pyqtgraph as pg

    from lstmviz.ui import theme as th

    def rgb(c):
        q = pg.mkColor(c)
        return np.array([q.red(), q.green(), q.blue()], float)

    for t in th.THEMES.values():
        nan = rgb(t.nan)
        for cmap in (th.gate_cmap(t), th.diverging_cmap(t)):
            colours = cmap.getLookupTable(nPts=256)[:, :3].astype(float)
            assert np.linalg.norm(colours - nan, axis=1).min() > 120, (t.name, cmap.name)
        for own in (t.background, t.foreground, t.grid, t.panel, t.highlight, t.muted):
            assert np.linalg.norm(rgb(own) - nan) > 120, (t.name, own)


def test_levels_are_the_finite_numbers_and_an_infinity_is_drawn_at_the_maps_end():
    """One infinite weight made ``symmetric_levels`` give the floor's 1e-6: every other
    number of the matrix then in the map's end colours. The levels are the finite numbers';
    an infinity is drawn as any number past them, in the map's end colour."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.views._common import IndexedImage

    a = np.array([[0.5, -0.25, np.inf, -np.inf, np.nan]], np.float32)
    assert th.symmetric_levels(a) == (-0.5, 0.5)
    assert th.symmetric_levels(np.array([np.inf, np.nan])) == (-1.0, 1.0)  # (no finite number)
    # a bias of zeros: a scale of 1, not the floor's 1e-6 ("1e-06 ... -1e-06" on its bar)
    assert th.symmetric_levels(np.zeros((2, 12))) == (-1.0, 1.0)
    assert th.symmetric_levels(np.zeros(3), np.full(2, 1e-9)) == (-1e-6, 1e-6)  # (tiny, not 0: the floor)
    image = IndexedImage(axisOrder="row-major")
    cmap = th.diverging_cmap("dark")
    image.setColorMap(cmap)
    image.setImage(a, autoLevels=False, levels=th.symmetric_levels(a))
    image.nan_color = th.get("dark").nan
    image.render()
    q = image.qimage
    top, bottom = (pg_colour(c) for c in cmap.getLookupTable(nPts=256)[[-1, 0], :3])
    assert q.pixelColor(0, 0).name() == top and q.pixelColor(2, 0).name() == top  # 0.5 and +inf
    assert q.pixelColor(3, 0).name() == bottom  # -inf
    assert q.pixelColor(4, 0).name() == th.get("dark").nan and q.pixelColor(4, 0).alpha() == 255


def pg_colour(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


def bar_label_rects(axis) -> list:
    """The rectangles (in ``axis``' coordinates) of the value labels a colour bar's axis draws."""
    from helpers import axis_labels

    return [rect for rect, _ in axis_labels(axis)]


def test_decoration_comes_back_where_the_heatmaps_have_room(projector_demo):
    """What gives way at the least size (the margins, "unit") is there at a large one."""
    from lstmviz.ui.views.over_time import MARGIN

    window, view = projector_demo("Over time", step=5, size=(1600, 1000), theme="dark")
    for slot in view.slots[:6]:
        assert not slot.tight and slot.widget.ci.layout.getContentsMargins() == (MARGIN,) * 4
        assert slot.plot.getAxis("left").label.isVisible()
    header = QtGui.QTextDocumentFragment.fromHtml(view.header.label.text()).toPlainText()
    assert header.startswith("lstm (LSTM) · step t = 5 = input step 5 · unit 0 · sample 0")


@pytest.mark.parametrize("width", [90, 120, 160])
def test_a_heatmaps_step_labels_stay_clear_of_its_colour_bar(qtbot, width):
    """A long input's window under a narrow heatmap (800 x 600 beside the side panel): its
    one step label, '149,800', was wider than the image, half of it under the colour bar.
    A step axis whose labels are kept inside (``labels_inside``) leaves out a label that
    would run past its right end (the tick stays)."""
    import pyqtgraph as pg

    from lstmviz.ui.plot_tools import ColorBar, count_axis, counted_ticks, labels_inside, steady_axes

    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    w.resize(width, 120)
    plot = w.ci.addPlot(row=0, col=0, axisItems=steady_axes("left", "bottom"))
    w.ci.addItem(ColorBar(values=(0, 1), interactive=False, width=14), row=0, col=1)
    plot.setXRange(149_744 - 0.5, 150_000 - 0.5, padding=0)
    axis = plot.getAxis("bottom")
    w.show()
    qtbot.waitExposed(w)
    metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font())

    def right_ends(ticks):
        lo, hi = axis.range
        return [(v - lo) / (hi - lo) * axis.width() + metrics.horizontalAdvance(t) / 2 for v, t in ticks]

    count_axis(axis, 256, first=149_744, max_ticks=8)
    plain = counted_ticks(axis, 256, 149_744, 8)
    labels_inside(axis)
    count_axis(axis, 256, first=149_744, max_ticks=8)
    inside = counted_ticks(axis, 256, 149_744, 8)
    assert all(end <= axis.width() + 2 for end in right_ends(inside)), (inside, axis.width())
    assert set(inside) <= set(plain)
    if width == 90:  # (the case seen: the one label ran past the axis' right end)
        assert any(end > axis.width() + 2 for end in right_ends(plain)) and not inside


def test_a_units_curves_that_stop_at_nan_say_from_which_step(view, qtbot):
    """A diverged model's unit: its curves are NaN from some step on, and no line draws a
    NaN; the plot was empty with nothing saying why. A note at its top says from which step
    the unit's records are no number (here unit 1's bias is NaN: its own from step 0, every
    other unit's from step 1, through U h_t-1); a unit of numbers says nothing more."""
    model, trace = build([LayerSpec("LSTM", {"units": 4, "return_sequences": True})])
    view.resize(1300, 800)
    view.set_data(model, trace)
    view.show()
    qtbot.waitExposed(view)
    view.set_cursor(Cursor(step=5, sample=1, layer="lstm", unit=1))
    assert not view.nan_note.isVisible()
    w = [np.array(a) for a in model.layers[-1].weights]
    w[2][1] = np.nan  # the input gate's bias of unit 1
    model.layers[-1].weights = w
    x = np.random.default_rng(0).normal(size=(2, 7, 3)).astype(np.float32)
    trace = model.trace(x)
    view.set_data(model, trace, inputs=[x])
    for u, first in ((1, 0), (0, 1), (3, 1)):
        h = trace["lstm"].steps["h"][1, :, u]
        assert np.isnan(h[first:]).all() and not np.isnan(h[:first]).any()
        view.set_cursor(Cursor(step=5, sample=1, layer="lstm", unit=u))
        note = view.nan_note
        assert note.isVisible() and note.textItem.toPlainText() == f"no number (NaN) from step {first}"
        # at the top of the plot, from the first NaN step on, inside the plot
        (x0, x1), (_y0, y1) = view.curve_plot.vb.viewRange()
        assert note.pos().x() == first - 0.5 and abs(note.pos().y() - y1) < 1e-6 * max(1.0, abs(y1))
        view.grab()  # (painted: a TextItem places its text for the view's transform then)
        box = note.textItem.sceneBoundingRect()
        assert view.curve_plot.vb.sceneBoundingRect().adjusted(-0.5, -0.5, 0.5, 0.5).contains(box)


def test_the_curves_value_labels_never_overlap_in_a_short_plot(qtbot):
    """The curves' value axis (a grid's: ``GridAxis``) wrote 0.2, 0.4, 0.6 and 0.8 over one
    another in a 40 px plot (a 1024 x 640 projector window, a unit whose curves span 0..1):
    it had pyqtgraph's tick spacing, not the other value axes' (``UncrowdedLabels``). Its
    labels are now a line apart at least, in a short plot and a tall one."""
    from helpers import axis_specs
    from lstmviz.ui.plot_tools import LABEL_ROOM
    from lstmviz.ui.views._common import GridAxis

    view = shown_view(qtbot, size=(900, 700))
    model, trace = build([LayerSpec("LSTM", {"units": 3, "return_sequences": True})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=2, layer="lstm", unit=0))
    axis = view.curve_plot.getAxis("left")
    assert isinstance(axis, GridAxis)
    for height in (40, 300):
        view.curve_plot.setYRange(0.0, 1.0, padding=0)
        axis.setFixedHeight(height)  # (the axis' length: what its ticks are spaced for)
        axis.resize(axis.width(), height)
        texts = axis_specs(axis, lambda a, p: a.generateDrawSpecs(p))[2]
        ys = sorted(r.center().y() for r, _, t in texts if t)
        line = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont()).height()
        assert len(ys) >= 2, (height, [t for _, _, t in texts])
        assert min(b - a for a, b in zip(ys, ys[1:])) >= LABEL_ROOM * line - 1, (height, ys, line)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_curves_value_axis_says_two_values_at_the_windows_least_size(qapp, theme):
    """At the window's least size the curves (43 px of plot from -2.2 to 1.2) had one value
    label, "0": pyqtgraph's bounds of an axis with a grid hid "-2", 5 px of its label past
    the plot's bottom, where an axis without a grid lets a label stand. Two labels now, the
    trace's range's, apart from each other and from the step axis' labels below."""
    from helpers import axis_specs

    with demo_at_least_size("Over time", theme) as (w, view):
        assert w.size() == w.minimumSizeHint()
        grown_until_the_curves_show(w, view)  # (at the least size they give way)
        left, bottom = view.curve_plot.getAxis("left"), view.curve_plot.getAxis("bottom")
        texts = axis_specs(left, type(left).generateDrawSpecs)[2]
        lo, hi = view.curve_plot.vb.viewRange()[1]
        assert len(texts) >= 2, [t for *_, t in texts]
        assert all(lo <= float(t.replace("\u2212", "-")) <= hi for *_, t in texts)
        rects = sorted((left.mapRectToScene(r) for r, _, _ in texts), key=lambda r: r.top())
        assert all(a.bottom() <= b.top() for a, b in zip(rects, rects[1:]))
        steps = [bottom.mapRectToScene(r) for r, _, _ in axis_specs(bottom, type(bottom).generateDrawSpecs)[2]]
        assert steps and not any(a.intersects(b) for a in rects for b in steps)
        area = view.curve_widget.sceneRect()
        assert all(area.contains(r) for r in rects)  # (nothing cut at the widget's edges)


def test_a_stack_of_cells_shows_each_cells_records(view):
    """Keras' RNN([GRUCell(3), SimpleRNNCell(2)]) selected: the view said "'rnn' has no
    recurrent cell" of a layer of two. A button for each cell picks whose records the
    heatmaps and curves draw (each the trace's own), and the header names the cell; a later
    cell of a layer that runs backwards reads the input backwards too."""
    cells = [{"class_name": "GRUCell", "config": {"units": 3}},
             {"class_name": "SimpleRNNCell", "config": {"units": 2}}]
    for back in (False, True):
        model, trace = build([LayerSpec("RNN", {"cell": cells, "return_sequences": True, "go_backwards": back})])
        name = model.layers[0].name
        rec = trace[name]
        view.set_data(model, trace)
        view.set_cursor(Cursor(step=2, sample=1, layer=name, unit=1))
        assert view.stack.currentIndex() == 1, view.message.text()
        assert [b.text() for b in view.cell_box.buttons] == ["cell 0", "cell 1"]
        assert not view.cell_box.isHidden()
        for k, keys in ((0, {"z", "r", "h_tilde", "h"}), (1, {"h"})):
            view.show_cell(k)
            assert view.cell_box.buttons[k].isChecked()
            cell = rec.children[f"cell_{k}"]
            assert set(view.images) == keys
            for key in keys:
                np.testing.assert_array_equal(view.images[key].image, cell.steps[key][1].T)
            np.testing.assert_array_equal(view.curves["h"].yData, cell.steps["h"][1, :, 1])
            text = view.header.text()
            assert f"<b>{name}</b> (cell {k}) ({('GRU', 'SimpleRNN')[k]})" in text
            assert f"input step {4 if back else 2}" in text
    # another layer: no buttons
    model, trace = build([LayerSpec("LSTM", {"units": 2, "return_sequences": True})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer="lstm"))
    assert view.cell_box.isHidden() and view.cell_box.buttons == []


def test_a_stack_of_cells_buttons_take_a_new_themes_size(view):
    """The cell buttons beside Over time's header kept the font of the theme they were made
    in: presenting (every font at a lecture's size) left them at the desk's size, as the
    Weights view's were not. A theme applied restyles them as the rest of the view."""
    cells = [{"class_name": "GRUCell", "config": {"units": 3}},
             {"class_name": "SimpleRNNCell", "config": {"units": 2}}]
    model, trace = build([LayerSpec("RNN", {"cell": cells, "return_sequences": True})])
    view.set_data(model, trace)
    view.set_cursor(Cursor(layer=model.layers[0].name))
    before = view.cell_box.buttons[0].font().pointSizeF()
    big = th.get("projector")
    view.apply_theme(big)
    try:
        assert len(view.cell_box.buttons) == 2
        assert all(b.font().pointSizeF() == big.font(1.0).pointSizeF() for b in view.cell_box.buttons)
        assert big.font(1.0).pointSizeF() != before
    finally:
        view.apply_theme(th.get("dark"))


def _lines_of(label) -> float:
    """How many of its font's lines a QuietLabel's height holds."""
    doc = QtGui.QTextDocument()
    doc.setDefaultFont(label.label.font())
    doc.setDocumentMargin(0)
    doc.setHtml("<b>Xg</b> Xg")
    return label.height() / doc.size().height()


def test_a_long_inputs_header_takes_at_most_two_lines_presenting_at_1024_x_768(qapp, tmp_path):
    """A GRU on 20,000 steps, presenting at 1024 x 768 beside the side panel: Over time's
    header took five lines ("... exact steps 12,160–12,415 of 20,000 (top strips: the whole
    sequence) · click a heatmap ..."), the heatmaps squeezed under it. It takes two at most:
    its short form (the layer, the step, the unit, the sample, the exact steps), the whole
    text in its tooltip."""
    from pathlib import Path

    from lstmviz.ui.app import dispose, make_window, render

    x = np.random.default_rng(0).standard_normal((1, 20_000, 3)).astype("float32")
    model = Path(__file__).parent / "fixtures" / "k3_gru_reset_after" / "model.keras"
    w = make_window(str(model), theme="projector", quiet=True, inputs=x)
    try:
        k = next(i for i, v in enumerate(w.views) if v.title == "Over time")
        w.tabs.setCurrentIndex(k)
        render(w, tmp_path / "shot.png", step=12_345, size=(1024, 768))
        header = w.views[k].header
        assert "top strips" in header.text()  # (the whole text is still the header's)
        assert _lines_of(header) <= 2.05, _lines_of(header)
        shown, height = _shown_lines(header)
        assert height <= header.height() + 0.5
        assert "t = 12,345" in shown and "unit 0" in shown and "sample 0" in shown, shown
        assert "top strips" in header.toolTip()
    finally:
        dispose(w)
        th.apply("dark", qapp)


def test_a_stack_of_cells_buttons_go_under_a_narrow_header(qapp, tmp_path):
    """RNN([GRUCell(3), SimpleRNNCell(2)]) at 800 x 600 beside the side panel: the cell
    buttons beside Over time's header left it ~200 px, four lines. Where its short form
    would not keep two lines beside them they stand under it: the header's two lines say
    the layer, the cell, the step, the unit and the sample; at 1600 x 900 they stay
    beside it."""
    from pathlib import Path

    from lstmviz.ui.app import dispose, make_window, render

    model = Path(__file__).parent / "fixtures" / "k3_rnn_cells" / "model.keras"
    w = make_window(str(model), theme="dark", quiet=True)
    try:
        k = next(i for i, v in enumerate(w.views) if v.title == "Over time")
        w.tabs.setCurrentIndex(k)
        w.state.set_cursor(layer="rnn_stacked")
        view = w.views[k]
        render(w, tmp_path / "shot.png", step=3, size=(800, 600))
        header, box = view.header, view.cell_box
        assert box.isVisible() and _lines_of(header) <= 2.05, _lines_of(header)
        assert box.geometry().top() >= header.geometry().bottom()
        shown, _ = _shown_lines(header)
        assert shown.startswith("rnn_stacked (cell 0)") and "t = 3" in shown and "sample 0" in shown, shown
        render(w, tmp_path / "wide.png", step=3, size=(1600, 900))
        assert box.geometry().top() < header.geometry().bottom()  # beside it
        assert box.geometry().left() >= header.geometry().right()
    finally:
        dispose(w)
        th.apply("dark", qapp)


def test_a_smaller_cell_of_a_stack_says_it_lacks_the_unit_asked(view):
    """RNN([GRUCell(3), SimpleRNNCell(2)]): the unit box counts the widest cell's units.
    Unit 2 picked, cell_1 showed its unit 1 and its header said "unit 1" as if asked. It
    says the cell has no unit 2 and shows its last; cell_0, which has it, says nothing more.
    The header names the cell as the Unrolled rows and the Cell view do: "r (cell 1)"."""
    cells = [{"class_name": "GRUCell", "config": {"units": 3}},
             {"class_name": "SimpleRNNCell", "config": {"units": 2}}]
    model, trace = build([LayerSpec("RNN", {"cell": cells, "return_sequences": True})])
    name = model.layers[0].name
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=1, layer=name, unit=2))
    view.show_cell(1)
    assert "unit <b>1</b> (this cell has no unit 2: its last)" in view.header.text()
    assert f"<b>{name}</b> (cell 1) (SimpleRNN)" in view.header.text()  # (as the other views name it)
    np.testing.assert_array_equal(view.curves["h"].yData, trace[name].children["cell_1"].steps["h"][0, :, 1])
    view.show_cell(0)
    assert "unit <b>2</b> · sample" in view.header.text() and "has no unit" not in view.header.text()
    view.show_cell(1)
    view.set_cursor(Cursor(step=1, layer=name, unit=1))
    assert "has no unit" not in view.header.text()


def test_a_simplernns_curves_range_is_its_own_values_rounded(view):
    """A SimpleRNN's h within -0.3..0.3 was drawn against 0..1 (the gates' range, kept for
    gated cells) under "value (x0.001)" where it was smaller still: a flat line in the top
    third. Without gates the range is the unit's values and 0, rounded out to a round step,
    its ticks plain numbers; a GRU's keeps 0..1."""
    from lstmviz.ui.views.over_time import _rounded_out

    model, trace = build([LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True})], T=9)
    rec = trace["simple_rnn"]
    rec.steps["h"][..., 0] = np.linspace(-0.27, 0.21, rec.steps["h"][..., 0].size).reshape(rec.steps["h"][..., 0].shape)
    rec.steps["h"][..., 1] *= 0.01  # unit 1: within a hundredth
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=3, layer="simple_rnn", unit=0))
    assert view._curve_range == pytest.approx((-0.3, 0.3))
    view.set_cursor(Cursor(step=3, layer="simple_rnn", unit=1))
    h = rec.steps["h"][..., 1]
    lo, hi = view._curve_range
    assert lo <= min(0.0, float(h.min())) and hi >= max(0.0, float(h.max())) and hi - lo < 0.05
    assert view._curve_range == _rounded_out(min(0.0, float(h.min())), max(0.0, float(h.max())))
    assert view.curve_plot.getAxis("left").autoSIPrefixScale == 1.0  # (no "(x0.001)")
    model, trace = build([LayerSpec("GRU", {"units": 2, "return_sequences": True})], T=9)
    view.set_data(model, trace)
    view.set_cursor(Cursor(step=3, layer="gru", unit=0))
    assert view._curve_range[0] <= 0.0 and view._curve_range[1] >= 1.0


@pytest.mark.parametrize("given, want", [((-0.3, 0.3), (-0.3, 0.3)), ((0.0, 0.37), (0.0, 0.4)),
                                         ((0.0, 37.0), (0.0, 40.0)), ((0.0, 0.0), (-1.0, 1.0)),
                                         ((-0.999, 0.998), (-1.0, 1.0)), ((0.0, 0.15), (0.0, 0.15))])
def test_a_range_rounded_out(given, want):
    from lstmviz.ui.views.over_time import _rounded_out

    assert _rounded_out(*given) == pytest.approx(want)


def test_a_candidates_legend_entry_says_cand(qtbot):
    """At 1600 x 900 the curves' legend wrote GRU's candidate as h̃ alone: at the legend's
    size the tilde sat on the h's ascender and the entry read as a second "h". A
    candidate's entry says "cand." after its symbol (as the Cell view's chart titles), the
    symbol alone only where the whole names would take another row."""
    view = shown_view(qtbot, size=(1400, 800))
    for kind, key in (("GRU", "h_tilde"), ("LSTM", "c_tilde")):
        model, trace = build([LayerSpec(kind, {"units": 2, "return_sequences": True})])
        name = model.layers[0].name
        view.set_data(model, trace)
        view.set_cursor(Cursor(step=1, layer=name))
        QtWidgets.QApplication.processEvents()
        texts = {sample.item: label.text for sample, label in view.legend.items}
        assert texts[view.curves[key]] == th.symbol_html(key) + " cand.", texts[view.curves[key]]
        assert texts[view.curves["h"]] == th.symbol_html("h")


def test_a_header_cut_to_its_short_form_leaves_no_blank_line(qapp, tmp_path):
    """Over time's header at two lines at most: a GRU at 800 x 600, whose whole header
    needs three, shows its short form ("gru · step t = 0 · unit 0 · sample 0"), one line;
    it kept two lines' height, one of them blank, above the heatmaps."""
    from pathlib import Path

    from lstmviz.ui.app import dispose, make_window, render

    model = Path(__file__).parent / "fixtures" / "k3_gru_reset_after" / "model.keras"
    w = make_window(str(model), theme="dark", quiet=True)
    try:
        k = next(i for i, v in enumerate(w.views) if v.title == "Over time")
        w.tabs.setCurrentIndex(k)
        render(w, tmp_path / "shot.png", step=0, size=(800, 600))
        header = w.views[k].header
        shown, height = _shown_lines(header)
        assert shown == "gru · step t = 0 · unit 0 · sample 0", shown
        assert header.height() <= height + 1, (header.height(), height)
    finally:
        dispose(w)


def test_the_curves_give_way_in_an_800_x_600_window(qapp, tmp_path):
    """An LSTM(16) in an 800 x 600 window (760 x 540 inside its frame) beside the side
    panel: the page held the header, the six heatmaps and the curves only past its height,
    so the window was laid out at 786 x 558 and shrunk into the picture, the header cut to
    "lstm16 · step t = 0 · unit 0…", every image 34 px high (2 px a unit). There the curves
    give way: the window is 760 x 540, each image at least 3 px a unit's row, the header's
    short form whole, the last row's step axis says the steps (the curves' did), the colour
    bars' labels inside their widgets. Where the page holds them, the curves come back
    (at their least, the heatmaps at theirs) and the step axes go under them again."""
    from helpers import over_time_legible
    from lstmviz.io.keras_writer import save_keras
    from lstmviz.ui.app import dispose, make_window, render
    from lstmviz.ui.views.over_time import CURVES_MIN_PLOT, IMAGE_STACKED

    model = Model.sequential((None, None, 8), [LayerSpec("LSTM", {"units": 16, "return_sequences": True},
                                                         name="lstm16")], seed=0)
    save_keras(model, tmp_path / "lstm16.keras")
    x = np.sin(np.arange(60)[:, None] / (3 + np.arange(8))).astype(np.float32)[None]
    w = make_window(str(tmp_path / "lstm16.keras"), theme="dark", quiet=True, inputs=x)
    try:
        k = next(i for i, v in enumerate(w.views) if v.title == "Over time")
        w.tabs.setCurrentIndex(k)
        view = w.views[k]
        render(w, tmp_path / "shot.png", step=0, size=(760, 540))
        assert (w.width(), w.height()) == (760, 540) and w.side.isVisible()
        assert not view.curves_shown
        over_time_legible(view, 3 * 16)
        slots = [s for s in view.slots if s.key is not None]
        assert len(slots) == 6 and len({s.widget.geometry().top() for s in slots}) == 3
        heights = [s.plot.vb.height() for s in slots]
        assert max(heights) - min(heights) <= 2, heights  # (the last row's axis its own)
        assert [s.plot.getAxis("bottom").isVisible() for s in slots] == [False] * 4 + [True] * 2
        grown_until_the_curves_show(w, view)
        assert view.curve_plot.vb.height() >= CURVES_MIN_PLOT - 1
        over_time_legible(view, IMAGE_STACKED)
        assert not any(s.plot.getAxis("bottom").isVisible() for s in slots)
    finally:
        dispose(w)


@pytest.mark.parametrize("height, lo, hi, alpha", [(200, -0.55, 1.02, 0.25), (60, -2.2, 1.2, 0.25),
                                                    (400, 0.0, 1.0, 0.6), (120, -1e-3, 2e-3, 0.25)])
def test_a_grid_axis_makes_the_specs_of_pyqtgraph(qtbot, height, lo, hi, alpha):
    # Over time's curves' value axis (with a grid) lays its lines, grid lines and labels out
    # in fewer steps than pyqtgraph: the very specs pyqtgraph makes
    import pyqtgraph as pg

    from helpers import axis_specs as specs
    from helpers import plain_specs as plain
    from lstmviz.ui.views._common import GridAxis

    for axis_type in (GridAxis, pg.AxisItem):
        w = pg.PlotWidget(axisItems={"left": axis_type("left")})
        qtbot.addWidget(w)
        w.resize(500, height)
        w.showGrid(x=False, y=True, alpha=alpha)
        w.setYRange(lo, hi, padding=0)
        w.show()
        qtbot.waitExposed(w)
        axis = w.getAxis("left")
        ours = specs(axis, type(axis).generateDrawSpecs)
        assert ours[1] and ours[2]  # grid lines and labels
        if axis_type is GridAxis:
            assert plain(ours) == plain(specs(axis, pg.AxisItem.generateDrawSpecs))
            # (across the plot, from its far side to the axis)
            assert len({p1.x() for _, p1, _ in ours[1]}) == 1 and ours[1][0][1].x() > ours[1][0][2].x() + 100


def test_compact_heatmap_rows_in_a_short_window_and_alike_rows_again_when_it_grows(make_window):
    """A window (dark theme, beside the side panel) shortened until an image with its own
    step axis and margins would keep under ``COMPACT_BELOW`` px: the rows share the last
    row's step axes, their images alike and up to 26 px taller than that, ``COMPACT_MOST``
    at most (what the rows keep when their axes come back); grown again past it, every
    heatmap has its step axis back and the two rows' images are alike (a pyqtgraph view
    hints its present size: the rows kept the compact rows' unlike heights, images 60 and
    83 px at 1000 x 710)."""
    from helpers import DEMO, settle
    from lstmviz.ui.views import over_time

    w = make_window((1000, 760))
    assert w.open_file(DEMO)
    w.tabs.setCurrentIndex(2)
    view = w.views[2]
    seen = set()
    for height in (760, 660, 600, 660, 720, 760):
        w.resize(1000, height)
        settle(8)
        shown = [slot for slot in view.slots if slot.widget.isVisible()]
        assert len(shown) == 6 and view._columns == 3 and view.curves_shown, height
        images = [slot.plot.vb.height() for slot in shown]
        assert max(images) - min(images) <= 2, (height, images)
        axes = [slot.plot.getAxis("bottom").isVisible() for slot in shown]
        if view.compact:
            # (each its share of the step axes' row and of the margins: up to 26 px more)
            full = view._full_image()
            assert axes == [False] * 3 + [True] * 3 and full < over_time.COMPACT_BELOW + over_time.ROOM_SLACK
            assert min(images) >= min(full + 20, over_time.COMPACT_MOST), (height, images, full)
            assert max(images) <= over_time.COMPACT_MOST + 1, (height, images, full)
        else:
            assert all(axes) and view._full_image() >= over_time.COMPACT_BELOW, height
        seen.add(view.compact)
    assert seen == {True, False}
