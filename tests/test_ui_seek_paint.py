"""What makes a step cheap to draw must draw what the slow way drew: the equations'
numbers over a table laid out once, the bars as rectangles, labels that change at every
step without a layout pass, views on hidden tabs that draw when shown."""

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.ui.labels import SteadyLabel
from lstmviz.ui.views._common import RichText
from lstmviz.ui.views.cell import _Bars


@pytest.fixture
def window(make_window):
    return make_window((1400, 900))


def picture(widget: QtWidgets.QWidget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    rows = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return rows[:, : 4 * img.width()].copy()


TABLE = ('<table cellspacing="0" style="color:#202020">'
         '<tr><td align="right" style="padding:4px 6px 4px 0"><b>i<sub>t</sub></b></td>'
         '<td style="padding:4px 14px 4px 0">= sigmoid(W<sub>i</sub>·x<sub>t</sub>)</td>'
         '<td style="padding:4px 0">{0}</td></tr>'
         '<tr><td align="right" style="padding:4px 6px 4px 0"><b>h<sub>t</sub></b></td>'
         '<td style="padding:4px 14px 4px 0">= o<sub>t</sub>·tanh(c<sub>t</sub>)</td>'
         '<td style="padding:4px 0">{1}</td></tr></table><p>legend</p>')


def full(numbers):
    return TABLE.format(*(f"= <b>{n}</b>" for n in numbers))


@pytest.mark.parametrize("width", [700, 330])
def test_filled_numbers_draw_what_the_rich_text_draws(qtbot, width):
    numbers = ["sigmoid(0.412 + (−0.120)) = 0.572", "0.593·tanh(−1.039) = −0.461"]
    shown = []
    for fill in (False, True):
        w = RichText()
        qtbot.addWidget(w)
        w.resize(width, 200)
        if fill:
            w.set_filled(TABLE.format("=", "="), numbers, full(numbers))
        else:
            w.setText(full(numbers))
        w.resize(width, w.heightForWidth(width))
        shown.append((picture(w), w.heightForWidth(width), w.text(), w.plain_text()))
    (plain_pic, plain_h, plain_html, plain_text), (fill_pic, fill_h, fill_html, fill_text) = shown
    assert fill_html == plain_html and fill_text == plain_text and "= 0.572" in fill_text
    assert fill_h == plain_h
    assert np.array_equal(fill_pic, plain_pic)


def test_filled_numbers_too_wide_for_their_line_fall_back_to_the_rich_text(qtbot):
    w = RichText()
    qtbot.addWidget(w)
    numbers = ["0.1", "0.2"]
    static = TABLE.format("=", "=")
    w.set_filled(static, numbers, full(numbers))
    assert w.laid_out(800) == static  # the numbers fit: the table without them is laid out
    long = ["0.1 + " * 40 + "0.2", "0.3"]
    w.set_filled(static, long, full(long))
    assert w.laid_out(800) == full(long)  # the full text would wrap them: it is laid out


def test_only_the_changed_numbers_are_repainted(qtbot):
    w = RichText()
    qtbot.addWidget(w)
    w.resize(700, 120)
    w.show()
    qtbot.waitExposed(w)
    w.set_filled(TABLE.format("=", "="), ["0.100", "0.200"], full(["0.100", "0.200"]))
    QtWidgets.QApplication.processEvents()
    painted = []
    orig = w.paintEvent
    w.paintEvent = lambda ev: (painted.append(QtCore.QRect(ev.rect())), orig(ev))[1]
    w.set_filled(TABLE.format("=", "="), ["0.300", "0.200"], full(["0.300", "0.200"]))
    QtWidgets.QApplication.processEvents()
    assert painted and all(r.width() < w.width() / 2 and r.height() < w.height() / 2 for r in painted)


@pytest.mark.parametrize("values", [
    np.array([0.5, -0.25, 0.75, 0.0, -1.0, 0.3]),
    np.random.default_rng(3).uniform(-1, 1, 128),
])
def test_bars_as_rectangles_look_as_the_stepped_curve(values):
    """The rectangles cover what the step curve's fill and outline cover, to the pixel
    but for the outline's edge pixels (rounding of a 1.5 px pen)."""
    bars = _Bars()
    bars.setPen(QtGui.QPen(QtGui.QColor("#ff8800"), 1.5))
    pen = bars._pen
    pen.setCosmetic(True)
    bars.setPen(pen)
    bars.setBrush(QtGui.QColor("#2060c0"))
    bars.set_data(np.arange(values.size + 1) - 0.5, values)
    images = []
    for curve in (False, True):
        img = QtGui.QImage(300, 200, QtGui.QImage.Format.Format_RGB32)
        img.fill(QtGui.QColor("black"))
        p = QtGui.QPainter(img)
        p.translate(10, 100)
        p.scale(280 / values.size, -90)
        bars._paint_curve(p) if curve else bars.paint(p)
        p.end()
        images.append(np.frombuffer(img.constBits(), np.uint32).reshape(200, 300).copy())
    rects, curve = images
    assert (rects != curve).mean() < 0.02  # edge pixels only
    assert set(np.unique(rects)) == set(np.unique(curve))  # the same colours, nothing else


def test_bars_with_non_finite_values_are_drawn_as_the_curve_draws_them():
    bars = _Bars()
    bars.setBrush(QtGui.QColor("#2060c0"))
    bars.set_data(np.arange(5) - 0.5, np.array([0.5, np.nan, 0.7, np.inf]))
    assert not bars._finite
    img = QtGui.QImage(100, 100, QtGui.QImage.Format.Format_RGB32)
    img.fill(QtGui.QColor("black"))
    p = QtGui.QPainter(img)
    p.translate(10, 50)
    p.scale(20, -40)
    bars.paint(p)  # no error, the finite bars drawn
    p.end()
    assert QtGui.QColor(img.pixel(20, 40)).name() == "#2060c0"


def test_a_steady_label_changes_its_text_without_a_layout_pass(qtbot):
    holder = QtWidgets.QWidget()
    qtbot.addWidget(holder)
    lay = QtWidgets.QHBoxLayout(holder)
    label = SteadyLabel()
    f = label.font()
    f.setBold(True)
    label.setFont(f)
    lay.addWidget(label)
    lay.addWidget(QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal), 1)
    label.set_widest("t = 199 / 199")
    label.setText("t = 0 / 199")
    holder.show()
    qtbot.waitExposed(holder)
    assert label.font().bold()  # the font set on it survived being laid out and polished
    requests = []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QtCore.QEvent.Type.LayoutRequest:
                requests.append(obj)
            return False

    for _ in range(3):
        QtWidgets.QApplication.processEvents()  # what showing it asked for
    spy = Spy()
    holder.installEventFilter(spy)
    width = label.width()
    for step in (5, 17, 150, 199):
        label.setText(f"t = {step} / 199")
        QtWidgets.QApplication.processEvents()
    assert not requests and label.width() == width
    assert label.fontMetrics().horizontalAdvance("t = 199 / 199") <= label.width()
    label.setText("t = 12345 / 199999")  # wider than told: it grows
    assert label.fontMetrics().horizontalAdvance("t = 12345 / 199999") <= label.width()


def test_hidden_views_keep_their_numbers_and_draw_when_shown(window):
    state = window.state
    cell, over = window.views[1], window.views[2]
    for k in (1, 2, 0):
        window.tabs.setCurrentIndex(k)
        QtWidgets.QApplication.processEvents()
    assert not cell.isVisible() and not over.isVisible()
    state.set_cursor(step=3)
    QtWidgets.QApplication.processEvents()
    rec = state.trace[state.cursor.layer]
    s, t, u = state.trace_cursor.sample, 3, state.cursor.unit
    h_line = [line for line in cell.equation_lines() if line.startswith("h_t")][0]
    from lstmviz.app.cell_ref import fmt

    assert h_line.endswith("= " + fmt(rec.steps["h"][s, t, u]))  # the numbers are the step's at once
    window.tabs.setCurrentIndex(1)
    QtWidgets.QApplication.processEvents()
    np.testing.assert_array_equal(cell.bars["h"].values, rec.steps["h"][s, t])  # drawn when shown
    window.tabs.setCurrentIndex(2)
    QtWidgets.QApplication.processEvents()
    assert all(line.value() == t for line in over.cursor_lines)


def test_a_step_paints_every_plot_in_one_pass_of_the_event_loop(window):
    """The Cell tab's nine plots (one graphics view) and its labels: one sync of the
    window's backing store a step (each scene used to send its own), and all of it
    painted before ``processEvents`` returns, with the step's values."""
    state = window.state
    window.tabs.setCurrentIndex(1)
    cell = window.views[1]
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert len([bp for bp in cell.bars.values() if bp.widget.isVisible()]) >= 8
    assert {bp.view for bp in cell.bars.values()} == {cell.bar_view}
    plots = {cell.bar_view.viewport(): "bars"}
    syncs, painted = [], []
    spy = _SyncSpy(window, plots, syncs, painted, lambda obj: plots[obj])
    QtWidgets.QApplication.instance().installEventFilter(spy)
    try:
        for step in (3, 4, 9):
            syncs.clear()
            painted.clear()
            state.set_cursor(step=step)
            QtWidgets.QApplication.processEvents()
            assert len(syncs) == 1, step
            assert painted == ["bars"], step  # the nine plots' view once
            rec = state.trace[state.cursor.layer]
            np.testing.assert_array_equal(cell.bars["h"].values, rec.steps["h"][state.trace_cursor.sample, step])
        window.repaint()  # a repaint is not held: painted at once
        assert len(syncs) == 2
    finally:
        QtWidgets.QApplication.instance().removeEventFilter(spy)


class _SyncSpy(QtCore.QObject):
    """Records each sync of ``window``'s backing store (``syncs``) and each paint of the
    viewports ``plots`` (``painted``, as ``name(obj)``), as an application's event filter."""

    def __init__(self, window, plots, syncs: list, painted: list, name) -> None:
        super().__init__()
        self.window, self.plots, self.syncs, self.painted, self.name = window, plots, syncs, painted, name

    def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
        if ev.type() == QtCore.QEvent.Type.UpdateRequest and obj is self.window:
            self.syncs.append(obj)
        elif ev.type() == QtCore.QEvent.Type.Paint and obj in self.plots:
            self.painted.append(self.name(obj))
        return False


def _two_lstms(make_window):
    """The window on two LSTM(6) returning sequences over 30 steps of 3 features, batch 2,
    at 1400 x 900 (what the edit tests change)."""
    from lstmviz.app.options import default_config
    from lstmviz.app.state import AppState, InputSpec, LayerEntry

    def lstm():
        cfg = default_config("LSTM", units=6)
        cfg["return_sequences"] = True
        return LayerEntry("LSTM", cfg)

    state = AppState([lstm(), lstm()], InputSpec(batch_size=2, timesteps=30, input_dim=3))
    return make_window((1400, 900), state=state)


def _editing(make_window, tab: int | None = None):
    """``_two_lstms``' window, tab ``tab`` on screen, its first layer's card picked in the
    side panel (the edit tests' start), its events run: (window, state, panel)."""
    window = _two_lstms(make_window)
    if tab is not None:
        window.tabs.setCurrentIndex(tab)
    panel = window.stack_panel
    panel.cards.setCurrentRow(0)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    return window, window.state, panel


@pytest.mark.parametrize("tab", [2, 3])
def test_an_edit_paints_the_tabs_plots_in_one_pass_with_the_new_model(make_window, tab):
    """An edit in the side panel (units of the layer shown) re-traces and redraws the tab on
    screen: Over time's seven plots and the Weights tab's grids (each in its own view) in
    one sync of the window's backing store, not one a scene, each painted once, with the
    new model's numbers; what the window then shows equals the window painted anew."""
    window, state, panel = _editing(make_window, tab)
    assert state.cursor.layer == state.model.layers[0].name
    view = window.views[tab]
    spin = panel.option_widgets["units"]
    plots = {v.viewport() for v in view.findChildren(QtWidgets.QGraphicsView) if v.isVisible()}
    least = 7 if tab == 2 else 2
    assert len(plots) >= least
    syncs, painted = [], []
    spy = _SyncSpy(window, plots, syncs, painted, lambda obj: obj)

    def shown():
        img = window.screen().grabWindow(window.winId()).toImage()
        img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
        return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine()).copy()

    QtWidgets.QApplication.instance().installEventFilter(spy)
    try:
        for units in (5, 7, 6):
            syncs.clear()
            painted.clear()
            spin.setValue(units)
            QtWidgets.QApplication.processEvents()
            layer = state.model.layers[0]
            assert layer.units == units
            assert len(syncs) == 1, units
            assert len(painted) == len(set(painted)) >= least, units  # each plot once
            if tab == 2:
                rec = state.trace[layer.name]
                for slot in view.slots:
                    np.testing.assert_array_equal(slot.image.image, rec.steps[slot.key][0].T)
            else:
                assert view.layer is layer
                drawn = [slot.image.image for slot in view.matrices if slot.name is not None]
                np.testing.assert_array_equal(drawn[1], layer.weights[1])  # the recurrent kernel
    finally:
        QtWidgets.QApplication.instance().removeEventFilter(spy)
    edited = shown()
    window.repaint()
    QtWidgets.QApplication.processEvents()
    assert np.array_equal(edited, shown())


def test_an_edit_paints_the_layer_cards_once_with_their_new_numbers(make_window):
    """An edit of one layer's units gives the cards their new texts in place (the edited
    layer's output and parameters, the next layer's parameters, their tooltips), the
    selected card stays, and the list is painted once, with the edit's other changes: its
    items laid out before that paint (Qt's delayed layout came after it, and the cards
    were painted in a sync of their own at the event loop's next turn); a card the edit
    did not change is not painted again (QListView's layout at any item's new data
    repainted the whole list)."""
    import time

    from lstmviz.ui.stack_panel import ROLE_CARD, ROLE_INDEX

    window = _two_lstms(make_window)
    state = window.state
    panel = window.stack_panel
    cards = panel.cards
    cards.setCurrentRow(0)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    painted = []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QtCore.QEvent.Type.Paint and obj is cards.viewport():
                painted.append(turn[0])
                regions.append(QtGui.QRegion(ev.region()))
            return False

    spy = Spy()
    turn = [0]
    regions: list = []
    QtWidgets.QApplication.instance().installEventFilter(spy)
    try:
        for units in (5, 9):
            painted.clear()
            panel.option_widgets["units"].setValue(units)
            for turn[0] in range(4):  # (the event loop's next turns too)
                QtWidgets.QApplication.processEvents()
                time.sleep(0.005)
            assert painted == [0], units
            assert cards.count() == 2 and cards.currentRow() == 0
            for i, layer in enumerate(state.model.layers):
                item = cards.item(i)
                card = item.data(ROLE_CARD)
                assert item.data(ROLE_INDEX) == i
                assert card["params"] == f"{layer.count_params():,}"
                assert f"parameters: {card['params']}" in item.toolTip()
            assert f"{units})" in cards.item(0).data(ROLE_CARD)["detail"]  # (its output's shape)
        # the last layer's units: its card alone has new texts, the first card is not painted
        cards.setCurrentRow(1)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        first, second = (cards.visualRect(cards.model().index(i, 0)) for i in range(2))
        before = cards.item(0).data(ROLE_CARD)
        for units in (7, 11):
            painted.clear()
            regions.clear()
            panel.option_widgets["units"].setValue(units)
            for turn[0] in range(4):
                QtWidgets.QApplication.processEvents()
                time.sleep(0.005)
            assert painted == [0], units
            assert cards.item(0).data(ROLE_CARD) == before
            assert regions[0].intersects(second) and not regions[0].intersects(first), units
            assert f"{units})" in cards.item(1).data(ROLE_CARD)["detail"]
    finally:
        QtWidgets.QApplication.instance().removeEventFilter(spy)
    state.add_layer("Dense")  # another number of layers: the list made anew
    QtWidgets.QApplication.processEvents()
    assert cards.count() == 3 and [cards.item(i).data(ROLE_INDEX) for i in range(3)] == [0, 1, 2]
    assert cards.item(2).data(ROLE_CARD)["params"] == f"{state.model.layers[2].count_params():,}"


def test_an_edit_draws_over_times_titles_from_their_pixmaps(make_window, monkeypatch):
    """An edit of a layer's option redraws Over time's heatmaps and curves, not the titles
    and axis titles beside them (rich texts the edit did not change): those are copied from
    their pixmaps, not drawn anew; what the window shows still equals the window painted
    anew."""
    drawn = []
    paint = QtWidgets.QGraphicsTextItem.paint

    def counted(item, *args):
        drawn.append(item.toPlainText())
        return paint(item, *args)

    monkeypatch.setattr(QtWidgets.QGraphicsTextItem, "paint", counted)
    window, state, panel = _editing(make_window, 2)
    view = window.views[2]
    for units in (5, 7):
        drawn.clear()
        panel.option_widgets["units"].setValue(units)
        QtWidgets.QApplication.processEvents()
        assert state.model.layers[0].units == units
        titles = [slot.plot.titleLabel.item.toPlainText() for slot in view.slots if slot.key is not None]
        titles += [view.curve_plot.titleLabel.item.toPlainText(), "unit", "value"]
        assert len(titles) == 9 and not set(titles) & {text.strip() for text in drawn}, (units, drawn)
    edited = window.screen().grabWindow(window.winId()).toImage()
    window.repaint()
    QtWidgets.QApplication.processEvents()
    assert edited == window.screen().grabWindow(window.winId()).toImage()


@pytest.mark.parametrize("tab", [1, 2, 3])
def test_an_edit_gives_no_axis_its_same_title_again(make_window, monkeypatch, tab):
    """An edit of units gives the plots' axes new ranges: the plots' hidden sides
    (pyqtgraph's axes, linked to their views) no longer set their same empty title in a
    text item at each (the Cell tab's thirteen, Over time's six), and stay hidden; no
    shown axis's title is set again either."""
    import pyqtgraph as pg

    from lstmviz.ui.plot_tools import KeptAxis

    titled = []
    set_html = QtWidgets.QGraphicsTextItem.setHtml

    def counted(item, html):
        if isinstance(item.parentItem(), pg.AxisItem):
            titled.append(html)
        return set_html(item, html)

    monkeypatch.setattr(QtWidgets.QGraphicsTextItem, "setHtml", counted)
    window, state, panel = _editing(make_window, tab)
    plots = [item for view in window.views[tab].findChildren(QtWidgets.QGraphicsView) if view.scene()
             for item in view.scene().items() if isinstance(item, pg.PlotItem)]
    hidden = [plot.getAxis(side) for plot in plots for side in ("left", "bottom", "right", "top")
              if not plot.getAxis(side).isVisible()]
    assert hidden and all(isinstance(axis, KeptAxis) for axis in hidden)
    for units in (5, 7):
        titled.clear()
        panel.option_widgets["units"].setValue(units)
        QtWidgets.QApplication.processEvents()
        assert state.model.layers[0].units == units
        assert titled == [], units
        assert not any(axis.isVisible() for axis in hidden)


def test_an_edit_repaints_none_of_the_inputs_spin_boxes(make_window):
    """An edit of a layer's option does not repaint the input's three spin boxes (their
    same numbers were given again at each edit, and Qt repainted them), which still show
    the input's numbers, nor gives a field of the form or the input its same tooltip again
    (each a tooltip-change event through the field's event filters); a tooltip that
    changes still changes (use_bias off: its initializer's says so)."""
    window, state, panel = _editing(make_window)
    boxes = {panel.batch_spin, panel.timesteps_spin, panel.input_dim_spin}
    boxes |= {box.lineEdit() for box in list(boxes)}
    fields = set(panel.option_widgets.values()) | {panel.input_dim_spin, panel.input_shape_label}
    painted, tipped = [], []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
            if ev.type() == QtCore.QEvent.Type.Paint and obj in boxes:
                painted.append(obj)
            elif ev.type() == QtCore.QEvent.Type.ToolTipChange and obj in fields:
                tipped.append(obj)
            return False

    spy = Spy()
    QtWidgets.QApplication.instance().installEventFilter(spy)
    try:
        for units in (5, 7):
            painted.clear()
            tipped.clear()
            panel.option_widgets["units"].setValue(units)
            QtWidgets.QApplication.processEvents()
            assert state.model.layers[0].units == units
            assert painted == [], units
            assert tipped == [], units
            shown = (panel.batch_spin.value(), panel.timesteps_spin.value(), panel.input_dim_spin.value())
            assert shown == (2, 30, 3)
            assert panel.timesteps_spin.lineEdit().text() == panel.timesteps_spin.textFromValue(30)
        bias = panel.option_widgets["bias_initializer"]
        assert "Off now" not in bias.toolTip()
        panel.option_widgets["use_bias"].setChecked(False)
        QtWidgets.QApplication.processEvents()
        assert state.layers[0].config["use_bias"] is False
        assert bias in tipped and "Off now: needs use_bias" in panel.option_widgets["bias_initializer"].toolTip()
    finally:
        QtWidgets.QApplication.instance().removeEventFilter(spy)


def test_containers_marked_as_painting_nothing_draw_the_same_picture(window):
    """The plots and title rows the views mark ``paints_nothing`` (Qt skips their bounds
    and paint at each repaint) had nothing of their own on screen: a plot looks the same
    with the flag taken off."""
    flag = QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    window.state.set_cursor(step=4)
    for tab in (1, 2):
        window.tabs.setCurrentIndex(tab)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        view = window.views[tab]
        if tab == 1:
            plots = [(view.bar_view, [view.bars["g1"].plot, view.bars["g1"].plot.titleLabel])]
        else:
            slot = view.slots[0]
            plots = [(slot.widget, [slot.widget.ci, slot.plot, slot.plot.titleLabel, slot.colorbar]),
                     (view.curve_widget, [view.curve_plot, view.curve_plot.titleLabel])]
        for widget, boxes in plots:
            assert widget.isVisible() and all(box.flags() & flag for box in boxes)
            marked = picture(widget)
            assert len(np.unique(marked)) > 10  # a plot, not an empty page
            for box in boxes:
                box.setFlag(flag, False)
            plain = picture(widget)
            for box in boxes:
                box.setFlag(flag, True)
            assert np.array_equal(marked, plain)


@pytest.mark.parametrize("tab", [1, 2])
def test_steps_painted_in_one_pass_leave_what_a_full_repaint_shows(window, tab):
    """After steps back and forth, what the window shows (its backing store, painted
    only where a step changed something, in one pass a step) equals the window painted
    anew: no cursor line, bar or number of an earlier step left behind."""
    def shown():
        img = window.screen().grabWindow(window.winId()).toImage()
        img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
        return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine()).copy()

    window.tabs.setCurrentIndex(tab)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    for step in (5, 30, 7, 33, 2, 5):
        window.state.set_cursor(step=step)
        QtWidgets.QApplication.processEvents()
    stepped = shown()
    window.repaint()
    QtWidgets.QApplication.processEvents()
    assert np.array_equal(stepped, shown())


def test_a_quiet_labels_height_stays_while_only_its_numbers_change(qtbot):
    """A long input's header in Over time wrapped to a third line at steps of five digits
    ("t = 16,230") and gave it back at four ("t = 1,712"): every heatmap below was laid out
    and painted again at each such seek (a seek ~13 ms slower), the plots jumping while
    playing. The label keeps the tallest height the same text has had at its width; a text
    that differs in more than its numbers (another layer) is measured anew."""
    from lstmviz.ui.labels import QuietLabel

    holder = QtWidgets.QWidget()
    qtbot.addWidget(holder)
    layout = QtWidgets.QVBoxLayout(holder)
    label = QuietLabel()
    layout.addWidget(label)
    layout.addStretch(1)
    holder.show()

    def text(step: int, name: str = "lstm") -> str:
        return (f"<b>{name}</b> (LSTM) · step <b>t = {step:,}</b> = input step {step:,} · unit <b>0</b> "
                f"· exact steps {step:,}–{step + 255:,} of 20,000")

    width = next(w for w in range(200, 900) if _height_at(label, holder, w, text(1712))
                 < _height_at(label, holder, w, text(16230)))
    holder.resize(width, 400)
    label.setText(text(1712))
    QtWidgets.QApplication.processEvents()
    short = label.height()
    label.setText(text(16230))
    QtWidgets.QApplication.processEvents()
    tall = label.height()
    assert tall > short
    for step in (1712, 787, 17384, 3588):
        label.setText(text(step))
        QtWidgets.QApplication.processEvents()
        assert label.height() == tall, step
    label.setText(text(1712, name="another_layer"))
    QtWidgets.QApplication.processEvents()
    assert label.height() == _height_at(label, holder, width, text(1712, name="another_layer"))


def _height_at(label, holder, width: int, text: str) -> int:
    """The height ``text`` needs at ``width`` (measured on a label of its own, laid out as
    the label lays it out: its numbers bound to their words, ``bound_numbers``)."""
    from lstmviz.ui.labels import bound_numbers

    probe = QtWidgets.QLabel()
    probe.setFont(label.label.font())
    probe.setWordWrap(True)
    probe.setTextFormat(QtCore.Qt.TextFormat.RichText)
    probe.setText(bound_numbers(text))
    return probe.heightForWidth(width - holder.layout().contentsMargins().left()
                                - holder.layout().contentsMargins().right())
