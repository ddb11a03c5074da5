"""Exports: PNG/SVG/clipboard, GIF/MP4 of the steps, trace .npz/.csv, Keras JSON config,
and the command line."""

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.export_data import KEYS_KEY
from lstmviz.app.state import AppState
from lstmviz.engine import Model
from lstmviz.errors import LstmvizError
from lstmviz.io.keras3_config import KEYS, initializer_config
from lstmviz.ui import export as ex
from lstmviz.ui import theme as th
from lstmviz.ui.main_window import MainWindow, apply_chrome

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shared_window(qapp, tmp_path_factory):
    """One window for the module (building one costs seconds on a busy machine)."""
    tmp = tmp_path_factory.mktemp("export")
    settings = QtCore.QSettings(str(tmp / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    th.apply("dark", qapp)
    apply_chrome(qapp)
    w = MainWindow(AppState(), settings=settings, quiet=True)
    w.sessions.autosave_path = tmp / "autosave.lstmviz"
    w.resize(1200, 800)
    w.show()
    yield w
    w.player.pause()
    from lstmviz.ui.app import dispose

    dispose(w)


@pytest.fixture
def window(shared_window, qtbot):
    """The shared window, back on the built-in stack at 1200x800 with the first view."""
    w = shared_window
    w.new_stack()
    w.tabs.setCurrentIndex(0)
    w.resize(1200, 800)
    qtbot.waitExposed(w)
    QtWidgets.QApplication.processEvents()
    return w


# -- pictures ----------------------------------------------------------------------------------
@pytest.mark.parametrize("target,scale", [("view", 1.0), ("view", 2.0), ("window", 1.5)])
def test_png_has_the_size_of_the_scale(window, tmp_path, target, scale):
    widget = ex.target_widget(window, target)
    out = ex.save_png(widget, tmp_path / "a.png", scale)
    img = QtGui.QImage(str(out))
    assert not img.isNull()
    assert (img.width(), img.height()) == (round(widget.width() * scale), round(widget.height() * scale))
    # not blank: the view drew something
    arr = ex.image_to_array(img)[::4, ::4]
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 10


def test_png_scale_out_of_range(window, tmp_path):
    with pytest.raises(LstmvizError, match="scale"):
        ex.save_png(window, tmp_path / "a.png", 50)


def _svg_drawn(path, size, fill) -> np.ndarray:
    """The SVG file at ``path`` drawn by Qt's SVG renderer on an image of ``size`` filled
    with ``fill``, as an (h, w, channels) array."""
    from PySide6.QtSvg import QSvgRenderer

    img = QtGui.QImage(size, QtGui.QImage.Format.Format_RGB32)
    img.fill(fill)
    painter = QtGui.QPainter(img)
    QSvgRenderer(str(path)).render(painter)
    painter.end()
    return ex.image_to_array(img)


def _svg_and_screen(path, widget) -> tuple[np.ndarray, np.ndarray]:
    """``widget``'s SVG at ``path`` drawn on its window colour, and the widget on screen
    laid out as a picture shows it (``exported``: no hints for the mouse, no controls),
    both as grey levels (h, w) to compare."""
    drawn = _svg_drawn(path, widget.size(), widget.palette().color(QtGui.QPalette.ColorRole.Window))
    with ex.exported():
        screen = ex.image_to_array(widget.grab().toImage())
    return drawn.astype(float).mean(axis=2), screen.astype(float).mean(axis=2)


@pytest.mark.parametrize("target", ["view", "cell", "window"])
def test_svg_parses_and_has_the_widget_size(window, tmp_path, target):
    widget = ex.target_widget(window, target)
    out = ex.save_svg(widget, tmp_path / "a.svg")
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert root.get("width") == f"{widget.width()}px" and root.get("height") == f"{widget.height()}px"
    assert root.get("viewBox") == f"0 0 {widget.width()} {widget.height()}"
    assert len(list(root.iter())) > 20


@pytest.mark.parametrize("view", ["cell", "unrolled"])
def test_an_svg_draws_its_texts_at_the_screens_size(window, tmp_path, view):
    """File > Export > Current view as SVG: the texts were written at 72/96 of their size
    (Qt converted the fonts' point sizes at QSvgGenerator's 72 dpi while the layout had
    placed them at the screen's 96), so a header's bold and plain runs stood apart and the
    equations' subscripts floated. The SVG drawn by an SVG renderer is the view on screen."""
    window.state.set_cursor(step=2)
    widget = ex.target_widget(window, view)
    QtWidgets.QApplication.processEvents()
    out = ex.save_svg(widget, tmp_path / "a.svg")
    sizes = {float(v) for v in __import__("re").findall(r'font-size="([0-9.]+)"', out.read_text())}
    px = QtWidgets.QApplication.font().pointSizeF() * widget.logicalDpiY() / 72
    assert any(abs(v - px) < 0.01 for v in sizes), (sorted(sizes), px)  # the app's font, in px
    drawn, screen = _svg_and_screen(out, widget)
    assert drawn.shape == screen.shape
    assert (np.abs(drawn - screen) > 64).mean() < 0.03  # (the texts at 72 dpi: 0.09 of the pixels)


def test_an_svg_of_the_unrolled_view_draws_its_arrow_heads(window, tmp_path):
    """File > Export > Current view as SVG, ``--export-svg``: the Unrolled view's arrow heads
    (a ScatterPlotItem, stamped from pyqtgraph's atlas of symbols with drawPixmapFragments)
    came out as the whole atlas squeezed into each head's 12 px square, QSvgGenerator
    ignoring the fragment's source rectangle: specks, not arrows. They are drawn as shapes
    now: where each head stands, the SVG drawn by an SVG renderer is the view on screen."""
    window.state.set_cursor(step=2)
    widget = ex.target_widget(window, "unrolled")
    QtWidgets.QApplication.processEvents()
    view = window.views[0]
    out = ex.save_svg(widget, tmp_path / "a.svg")
    drawn, screen = _svg_and_screen(out, widget)
    gv = view.glw
    heads = view.heads
    spots = heads.points()
    assert len(spots) > 10
    off = 0
    for spot in spots:
        at = gv.mapTo(widget, gv.mapFromScene(heads.mapToScene(spot.pos())))
        box = (slice(at.y() - 4, at.y() + 5), slice(at.x() - 4, at.x() + 5))
        off += (np.abs(drawn[box] - screen[box]) > 64).mean()
    assert off / len(spots) < 0.1, off / len(spots)


@pytest.mark.parametrize("view", ["unrolled", "cell", "over_time"])
def test_an_svg_names_the_fonts_its_texts_were_measured_in(window, tmp_path, view):
    """An SVG's texts named the font Qt was asked for, "Sans Serif" (fontconfig's alias: the
    app's font where no desktop names one, as offscreen), which no browser or slide program
    knows: they drew the texts in their default font, a serif, at the places laid out for
    DejaVu Sans, runs of a header over one another. Each text now names the family Qt drew
    it in first, then a generic family (sans-serif, serif, monospace) as the last resort."""
    import re

    window.state.set_cursor(step=2)
    widget = ex.target_widget(window, view)
    QtWidgets.QApplication.processEvents()
    text = ex.save_svg(widget, tmp_path / "a.svg").read_text()
    named = set(re.findall(r'font-family="([^"]*)"', text))
    assert named
    app_family = QtGui.QFontInfo(QtWidgets.QApplication.font()).family()
    for families in named:
        parts = [f.strip().strip("'") for f in families.split(",")]
        assert QtGui.QFontInfo(QtGui.QFont(parts[0])).family() == parts[0], families  # (no alias)
        assert parts[-1] in ("sans-serif", "serif", "monospace"), families
    assert any(f.split(",")[0].strip("'") == app_family for f in named), (named, app_family)


@pytest.mark.parametrize("view", ["unrolled", "over_time"])
def test_an_svg_draws_its_lines_as_thin_where_svg_2s_vector_effect_is_unknown(window, tmp_path, view):
    """The plots' lines (cells' outlines, arrows, the cursor's boxes and lines, a zero
    line) are cosmetic pens in data coordinates: QSvgGenerator wrote them under the
    plot's scaling, 60 to 100 px a unit, with ``vector-effect="non-scaling-stroke"``, an
    SVG 2 property that librsvg, CairoSVG and resvg (Inkscape's older versions, LaTeX's
    and Typst's SVG) ignore: there the 3 px cursor box was a black slab 300 px wide over
    the Unrolled view, Over time's zero line a grey band. The SVG now holds those lines in
    the picture's own pixels: drawn without that property, it is the view on screen."""
    window.state.set_cursor(step=2)
    widget = ex.target_widget(window, view)
    QtWidgets.QApplication.processEvents()
    text = ex.save_svg(widget, tmp_path / "a.svg").read_text()
    # (an SVG 1.1 renderer: the property unknown)
    plain = tmp_path / "plain.svg"
    plain.write_text(text.replace('vector-effect="non-scaling-stroke"', ""))
    drawn, screen = _svg_and_screen(plain, widget)
    assert (np.abs(drawn - screen) > 64).mean() < 0.03


def _png(arr: np.ndarray) -> bytes:
    """An (h, w, 4) uint8 RGBA array as PNG bytes."""
    h, w = arr.shape[:2]
    argb = np.ascontiguousarray(arr[..., [2, 1, 0, 3]])  # (ARGB32 in memory: B, G, R, A)
    img = QtGui.QImage(argb.data, w, h, w * 4, QtGui.QImage.Format.Format_ARGB32).copy()
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(buf.data())


def _image_pixels(data: bytes) -> np.ndarray:
    img = QtGui.QImage.fromData(data, "PNG").convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    w, h = img.width(), img.height()
    return np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h).reshape(h, -1)[:, :w * 4] \
        .reshape(h, w, 4).copy()


def test_an_svgs_heatmap_keeps_a_block_of_one_colour_a_cell(window, tmp_path):
    """A heatmap's image is a pixel a cell, drawn enlarged: librsvg, Inkscape and browsers
    smoothed it (the Weights view's matrices a blur, the Unrolled rows' edges soft), though
    Qt wrote image-rendering="optimizeSpeed". Each such image is said pixelated, and
    holds its cells as blocks of pixels as large as it is drawn, so even a reader that
    smooths (librsvg) keeps each cell's colour."""
    import base64
    import re

    cells = np.array([[[200, 0, 0, 255], [0, 0, 200, 255]]], np.uint8)  # (1 x 2: red, blue)
    href = base64.b64encode(_png(cells)).decode()
    svg = ('<svg><g fill="none" transform="matrix(50,0,0,40,10,20)"\n>\n'
           f'<image x="0" y="0" width="2" height="1" preserveAspectRatio="none" image-rendering="optimizeSpeed" '
           f'xlink:href="data:image/png;base64,{href}" />\n</g>\n'
           '<g fill="none" transform="matrix(1,0,0,1,0,0)"\n>\n'
           f'<image x="0" y="0" width="40" height="9" preserveAspectRatio="none" image-rendering="optimizeQuality" '
           f'xlink:href="data:image/png;base64,{href}" />\n</g></svg>')
    out = ex.svg_crisp_images(svg)
    heat, icon = re.findall(r"<image\b[^>]*/>", out)
    assert 'style="image-rendering:pixelated"' in heat
    assert 'width="2" height="1"' in heat  # (drawn where it was)
    drawn = _image_pixels(base64.b64decode(re.search(r"base64,([^\"]*)", heat).group(1)))
    assert drawn.shape == (40, 100, 4)
    np.testing.assert_array_equal(drawn[:, :50], np.broadcast_to(cells[0, 0], (40, 50, 4)))
    np.testing.assert_array_equal(drawn[:, 50:], np.broadcast_to(cells[0, 1], (40, 50, 4)))
    assert "style=" not in icon and href in icon  # (an image drawn smoothed: as it was)
    # the Weights view's export: every heatmap as large as it is drawn, said pixelated
    window.tabs.setCurrentIndex(ex.view_index("weights"))
    widget = ex.target_widget(window, "weights")
    QtWidgets.QApplication.processEvents()
    text = ex.save_svg(widget, tmp_path / "w.svg").read_text()
    heatmaps = 0
    for g in re.finditer(r'transform="matrix\(([^)]*)\)"[^>]*>\s*(<image\b[^>]*/>)', text):
        a, _, _, d, _, _ = (float(v) for v in g.group(1).split(","))
        tag = g.group(2)
        if 'image-rendering="optimizeSpeed"' not in tag:
            continue
        assert 'style="image-rendering:pixelated"' in tag
        w, h = (float(re.search(rf'\s{k}="([^"]*)"', tag).group(1)) for k in ("width", "height"))
        pixels = _image_pixels(base64.b64decode(re.search(r"base64,([^\"]*)", tag).group(1)))
        heatmaps += abs(a * w) > 2 * w  # (a matrix's cells, enlarged)
        assert pixels.shape[1] >= abs(a * w) / 1.5 and pixels.shape[0] >= abs(d * h) / 1.5, (pixels.shape, a * w, d * h)
    assert heatmaps >= 3


#: the hints for the mouse each view's labels show in the window (``ui/labels.hint``)
HINTS = {"unrolled": "click a cell to go there", "cell": "click a bar to pick its unit",
         "over_time": "click a heatmap to pick a step and unit", "weights": "hover a weight to read it"}


def _hint_labels(widget):
    """The labels under ``widget`` whose text holds a hint, with what each shows now."""
    from lstmviz.ui.labels import HINT_OPEN, HintLabel, QuietLabel

    return {lab: (lab.label.text() if isinstance(lab, QuietLabel) else QtWidgets.QLabel.text(lab))
            for lab in widget.findChildren(QtWidgets.QWidget)
            if isinstance(lab, (HintLabel, QuietLabel)) and HINT_OPEN in lab.text()}


@pytest.mark.parametrize("view", list(HINTS))
def test_an_svg_leaves_out_the_hints_for_the_mouse_the_window_shows(window, tmp_path, view):
    """A picture for a slide said "click a bar to pick its unit", "hover a weight to read
    it": every export leaves the hints out (one mechanism: labels mark them, the export
    hides them) and the window shows them again."""
    window.resize(1700, 900)  # (headers on one line with their hints: where one would cost a line, it gives way)
    window.state.set_cursor(step=2)
    widget = ex.target_widget(window, view)
    QtWidgets.QApplication.processEvents()
    shown = _hint_labels(widget)
    assert shown and all(HINTS[view] in text for text in shown.values())
    texts = " ".join(t.text or "" for t in ET.parse(ex.save_svg(widget, tmp_path / "a.svg")).getroot().iter()
                     if t.tag.endswith("text"))
    assert "lstm" in texts and not any(w in texts for w in ("click", "hover", "pick")), texts
    assert _hint_labels(widget) == shown  # the window: as it was


def test_a_png_and_the_frames_of_an_animation_leave_out_the_hints(window, tmp_path):
    """The Cell view's header in a PNG ends where its hint began in the window (the header's
    last text pixel moved left by the hint's width); an animation's frames leave it out at
    every step; File > Save screenshot keeps it (the window as it is)."""
    from PIL import Image

    from lstmviz.ui.labels import hint

    window.resize(1700, 900)  # (the header on one line)
    window.state.set_cursor(step=3)
    view = ex.target_widget(window, "cell")
    QtWidgets.QApplication.processEvents()
    label = view.header.label
    assert label.height() < 2 * label.fontMetrics().height()
    band = (label.mapTo(view, QtCore.QPoint(0, 0)).y(), label.mapTo(view, QtCore.QPoint(0, 0)).y() + 20)
    back = np.asarray(view.palette().color(QtGui.QPalette.ColorRole.Window).getRgb()[:3], float)

    def text_end(rgb: np.ndarray) -> int:  # the rightmost column of text in the header's first line
        ink = np.abs(rgb[band[0]:band[1]].astype(float) - back).max(axis=2).max(axis=0) > 80
        return int(np.flatnonzero(ink)[-1])

    on_screen = text_end(ex.image_to_array(view.grab().toImage()))
    png = np.asarray(Image.open(ex.save_png(view, tmp_path / "a.png")).convert("RGB"))
    doc = QtGui.QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(hint("click a bar to pick its unit"))
    assert abs((on_screen - text_end(png)) - doc.idealWidth()) < 10, (on_screen, text_end(png), doc.idealWidth())
    kept = np.asarray(Image.open(ex.save_png(view, tmp_path / "s.png", hints=True)).convert("RGB"))
    assert text_end(kept) == on_screen
    frames = list(ex.iter_frames(window, "cell", steps=[2, 3]))
    assert [text_end(f) for f in frames][1] == text_end(png)
    assert text_end(ex.image_to_array(view.grab().toImage())) == on_screen  # the window: hints again


def test_a_whole_window_svg_draws_the_menu_bars_texts(window, tmp_path):
    """A whole-window SVG drawn by Qt's SVG renderer had a bare menu bar: Qt fills the bar
    after its items, clipped to the room they leave, and the SVG generator does not clip,
    so the fill covered 'File', 'Edit', ... The menu bar drawn from the SVG is the one on
    screen, its texts in it."""
    QtWidgets.QApplication.processEvents()
    out = ex.save_svg(window, tmp_path / "w.svg")
    bar = window.menuBar().geometry()
    drawn = _svg_drawn(out, window.size(), QtGui.QColor("magenta"))
    drawn = drawn[bar.top():bar.bottom() + 1, bar.left():bar.right() + 1].astype(float)
    screen = ex.image_to_array(window.menuBar().grab().toImage()).astype(float)
    assert drawn.shape == screen.shape
    back = np.asarray(window.menuBar().palette().color(QtGui.QPalette.ColorRole.Window).getRgb()[:3], float)
    ink = lambda a: np.abs(a - back).max(axis=2) > 100  # noqa: E731 - the texts' pixels
    assert ink(screen).sum() > 200  # (File Edit View Play Help)
    both = (ink(drawn) & ink(screen)).sum()
    # (the SVG renderer places glyphs at fractions of a pixel: their edges differ a little)
    assert both > 0.75 * ink(screen).sum() and both > 0.75 * ink(drawn).sum(), (both, ink(drawn).sum())
    texts = [t.text for t in ET.parse(out).getroot().iter() if t.tag.endswith("text")]
    assert {"F", "ile", "E", "dit", "H", "elp"} <= set(texts)  # (the mnemonic letter apart)


def test_a_whole_window_svg_cuts_the_side_panel_at_its_scroll_area(window, tmp_path):
    """QSvgGenerator clips nothing: a whole-window SVG at 1024 x 600 drew the side panel's
    cards past their scroll area, over the player and the status bar (the Dense card's
    '2 units' under the play buttons). The scroll area's content is drawn in a group
    clipped to its viewport's box, where it was painted, and nothing of it outside that
    group; the window is left as it was."""
    from lstmviz.ui.stack_panel import ROLE_CARD

    window.resize(1024, 520)
    QtWidgets.QApplication.processEvents()
    area = window.stack_panel.findChild(QtWidgets.QScrollArea)
    port, content, cards = area.viewport(), area.widget(), window.stack_panel.cards
    past = []  # the lines of the cards that run past the viewport's bottom
    for i in range(cards.count()):
        rect = cards.visualItemRect(cards.item(i))
        if cards.viewport().mapTo(port, rect.bottomLeft()).y() > port.height():
            past += (cards.item(i).data(ROLE_CARD).get("detail") or "").split("\n")
    past_texts = set(past) - {lab.text() for lab in window.findChildren(QtWidgets.QLabel)}
    assert past_texts  # (the case: cards past the viewport)
    text = ex.save_svg(window, tmp_path / "w.svg").read_text()
    root = ET.fromstring(text)
    clips = {c.get("id"): c.find("{http://www.w3.org/2000/svg}rect") for c in root.iter("{http://www.w3.org/2000/svg}clipPath")}
    at = port.mapTo(window, QtCore.QPoint(0, 0))
    boxes = {k: tuple(float(r.get(a)) for a in ("x", "y", "width", "height")) for k, r in clips.items()}
    cut = [k for k, box in boxes.items() if box == (at.x(), at.y(), port.width(), port.height())]
    assert cut, (boxes, at, port.size())
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("clip-path") == f"url(#{cut[0]})"]
    assert len(groups) == 1
    inside = {id(t) for t in groups[0].iter()}
    texts = [("".join(t.itertext()).strip(), id(t) in inside) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {t for t, cut_in in texts if cut_in} & past_texts  # (drawn, clipped)
    assert not {t for t, cut_in in texts if not cut_in} & past_texts
    assert not [t for t, _ in texts if t.startswith("lstmviz-cut")]
    assert content.graphicsEffect() is None and content.isVisible()


def test_a_whole_window_svg_fills_the_players_groove_up_to_its_handle(window, tmp_path):
    """The style fills a slider's groove up to the handle by clipping a fill of the whole
    groove, and QSvgGenerator writes no clip: a whole-window SVG at the middle step showed
    the player's groove filled from end to end (the sequence looked played through). The
    slider is drawn as the window draws it (its picture at twice its pixels), in Qt's
    renderer as in librsvg; the window is left as it was."""
    from PySide6 import QtSvg

    state = window.state
    state.set_cursor(step=state.clock_steps // 2)
    QtWidgets.QApplication.processEvents()
    slider = window.player.slider
    text = ex.save_svg(window, tmp_path / "w.svg").read_text()
    assert slider.graphicsEffect() is None
    shown = ex.render_pixmap(window, 1.0).toImage()
    drawn = QtGui.QImage(window.size(), QtGui.QImage.Format.Format_ARGB32)
    drawn.fill(QtGui.QColor(th.current().background))
    painter = QtGui.QPainter(drawn)
    QtSvg.QSvgRenderer(QtCore.QByteArray(text.encode())).render(painter, QtCore.QRectF(drawn.rect()))
    painter.end()
    box = QtCore.QRect(slider.mapTo(window, QtCore.QPoint(0, 0)), slider.size())
    row = box.center().y()
    fill = QtGui.QColor(window.palette().color(QtGui.QPalette.ColorRole.Highlight))

    def filled(image):  # the groove's columns in the highlight's colour, along its middle row
        return [x - box.left() for x in range(box.left(), box.right())
                if max(abs(QtGui.QColor(image.pixel(x, y)).hue() - fill.hue()) for y in (row - 1, row, row + 1)) < 12
                and QtGui.QColor(image.pixel(x, row)).saturation() > 80]

    on_screen, in_svg = filled(shown), filled(drawn)
    assert on_screen and max(on_screen) < 0.7 * box.width()  # (the case: filled up to the middle)
    assert in_svg and abs(max(in_svg) - max(on_screen)) <= 3, (max(in_svg), max(on_screen), box.width())


def test_copy_to_clipboard(window):
    pix = ex.copy_to_clipboard(ex.target_widget(window, "view"))
    got = QtGui.QGuiApplication.clipboard().image()
    assert not got.isNull() and (got.width(), got.height()) == (pix.width(), pix.height())


def test_view_names():
    assert ([ex.view_index(n) for n in ("unrolled", "Cell", "over-time", "Over time", "weights", "2")]
            == [0, 1, 2, 2, 3, 1])
    with pytest.raises(LstmvizError, match="unknown view"):
        ex.view_index("spectrum")


def _shown_tab(monkeypatch) -> dict:
    """What ``run_app``'s or ``export_from_cli``'s window showed when it was disposed: the
    current tab's title and widget class, and whether the side panel was shown."""
    from lstmviz.ui import app as app_mod

    seen: dict = {}
    real = app_mod.dispose

    def dispose(window):
        tabs = window.tabs
        seen.update(tab=tabs.tabText(tabs.currentIndex()), cls=type(tabs.currentWidget()).__name__,
                    side=window.side.isVisible(), message=window.statusBar().currentMessage())
        real(window)
    monkeypatch.setattr(app_mod, "dispose", dispose)
    return seen


def test_a_screenshot_and_a_picture_show_the_train_tab_with_view_train(tmp_path, capsys, monkeypatch):
    """``--screenshot out.png --view train`` said "unknown view 'train'" (exit 2) though the
    window has a Train tab, and so did --export-png/--export-svg: now the window is drawn on
    the Train tab as it opens (its task, settings and plots), the exports are its panel; the
    side panel is beside it where the plots have room, as in the window, and the status bar
    does not say it gave way (the tab was set before the window was laid out)."""
    from PIL import Image

    from lstmviz.ui.app import export_from_cli, run_app

    seen = _shown_tab(monkeypatch)
    shot = tmp_path / "s.png"
    assert run_app(None, screenshot=str(shot), view="train", size=(1280, 800)) == 0, capsys.readouterr().err
    assert seen["tab"] == "Train" and seen["cls"] == "TrainPanel"
    assert seen["side"] and "gives way" not in seen["message"]
    with Image.open(shot) as im:
        assert im.size == (1280, 800)
    seen.clear()
    assert export_from_cli(None, tmp_path / "t.png", "png", view="Train", size=(900, 600)) == 0
    assert seen["tab"] == "Train" and seen["cls"] == "TrainPanel"
    with Image.open(tmp_path / "t.png") as im:
        assert im.size == (900, 600)
    assert export_from_cli(None, tmp_path / "t.svg", "svg", view="train") == 0
    assert ET.parse(tmp_path / "t.svg").getroot().tag.endswith("svg")
    capsys.readouterr()
    # an animation steps through the stack: the Train tab is refused, in one line
    assert export_from_cli(None, tmp_path / "t.gif", "gif", view="train") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lstmviz: --view train: the Train tab is exported as a "
                                                     "picture (--screenshot, --export-png, --export-svg)")
    assert not (tmp_path / "t.gif").exists()


def test_view_names_take_the_train_tab():
    """``train`` names the Train tab, after the views; the refusal lists it."""
    assert ex.TAB_NAMES[ex.view_index("train")] == "train" and ex.view_index(" Train ") == len(ex.VIEW_NAMES)
    with pytest.raises(LstmvizError, match="^unknown view 'spectrum': use one of unrolled, cell, over_time, "
                                           "weights, train$"):
        ex.view_index("spectrum")


# -- animations ----------------------------------------------------------------------------------
def test_gif_has_one_frame_per_step(window, tmp_path):
    from PIL import Image

    window.state.set_cursor(step=5)
    out = ex.save_gif(window, tmp_path / "a.gif", "cell", (320, 240), fps=5)
    with Image.open(out) as im:
        assert im.format == "GIF" and im.size == (320, 240)
        assert im.n_frames == window.state.timesteps == 20
        assert im.info["duration"] == 200 and im.info.get("loop") == 0
        im.seek(0)
        first = np.asarray(im.convert("RGB"))
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"))
    assert not np.array_equal(first, last)  # the frames follow the step
    assert window.state.cursor.step == 5  # and the step is put back


def test_gif_frames_fit_the_size_of_a_whole_window(window, tmp_path):
    from PIL import Image

    window.state.set_input_spec(timesteps=6)
    out = ex.save_gif(window, tmp_path / "w.gif", "window", (1100, 700), fps=2)
    with Image.open(out) as im:
        assert im.size == (1100, 700) and im.n_frames == 6


def test_bad_fps(window, tmp_path):
    with pytest.raises(LstmvizError, match="frames per second"):
        ex.save_gif(window, tmp_path / "a.gif", fps=0)


@pytest.mark.skipif(ex.ffmpeg_exe() is None, reason="no ffmpeg (imageio-ffmpeg not installed)")
def test_mp4_has_one_frame_per_step(window, tmp_path):
    window.state.set_input_spec(timesteps=8)
    out = ex.save_mp4(window, tmp_path / "a.mp4", "unrolled", (321, 241), fps=4)
    data = out.read_bytes()
    assert data[4:8] == b"ftyp"
    probe = subprocess.run([ex.ffmpeg_exe(), "-hide_banner", "-i", str(out), "-map", "0:v:0",
                            "-f", "null", "-"], capture_output=True, text=True, timeout=60)
    log = probe.stderr
    assert "320x240" in log  # even sizes for yuv420p
    frames = [line for line in log.replace("\r", "\n").splitlines() if line.startswith("frame=")]
    assert frames and int(frames[-1].split("=")[1].split()[0]) == 8
    assert not list(tmp_path.glob(".*"))  # no temporary left
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_mp4_without_ffmpeg_names_the_extra(window, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ex, "ffmpeg_exe", lambda: None)
    with pytest.raises(LstmvizError, match=r"-m pip install imageio-ffmpeg .*GIF works without it"):
        ex.save_mp4(window, tmp_path / "a.mp4")
    from lstmviz.ui.app import export_from_cli

    assert export_from_cli(None, tmp_path / "a.mp4", "mp4") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "-m pip install imageio-ffmpeg (the extra 'mp4')" in err
    assert not (tmp_path / "a.mp4").exists()


def test_a_greyed_mp4_item_says_why_when_hovered(window, monkeypatch):
    """Without ffmpeg, File > Export's MP4 item is greyed and its tooltip names the extra;
    a QMenu shows its actions' tooltips only with toolTipsVisible, so hovering it said
    nothing at all (seen under Xvfb with imageio-ffmpeg absent)."""
    monkeypatch.setattr(ex, "ffmpeg_exe", lambda: None)
    file_menu = QtWidgets.QMenu()
    menu = ex.Exporter(window).add_menu(file_menu)
    try:
        menu.aboutToShow.emit()  # (ffmpeg is looked for as the menu opens)
        mp4 = next(a for a in menu.actions() if "MP4" in a.text())
        assert not mp4.isEnabled() and mp4.toolTip() == ex.MP4_MISSING
        menu.show()
        rect = menu.actionGeometry(mp4)
        QtWidgets.QToolTip.hideText()
        QtWidgets.QApplication.sendEvent(menu, QtGui.QHelpEvent(
            QtCore.QEvent.Type.ToolTip, rect.center(), menu.mapToGlobal(rect.center())))
        assert QtWidgets.QToolTip.text() == ex.MP4_MISSING
    finally:
        QtWidgets.QToolTip.hideText()
        menu.hide()
        file_menu.deleteLater()


def test_exports_get_the_users_permissions(window, tmp_path):
    old = os.umask(0o022)
    try:
        outs = [ex.save_gif(window, tmp_path / "a.gif", "cell", (200, 150)),
                ex.save_png(ex.target_widget(window, "view"), tmp_path / "a.png"),
                ex.save_csv(window.state.trace, tmp_path / "t.csv")]
    finally:
        os.umask(old)
    assert [oct(p.stat().st_mode & 0o777) for p in outs] == [oct(0o644)] * 3


# -- trace and stack -----------------------------------------------------------------------------
def test_npz_keys_are_trace_flat(tmp_path):
    st = AppState()
    out = ex.save_npz(st.trace, tmp_path / "t.npz")
    flat = st.trace.flat()
    with np.load(out, allow_pickle=False) as z:
        assert sorted(z.files) == sorted([*flat, KEYS_KEY])
        for k in flat:
            assert np.array_equal(z[k], flat[k])


def test_csv_is_one_long_table(tmp_path):
    st = AppState()
    st.set_cursor(sample=2)
    out = ex.save_csv(st.trace, tmp_path / "t.csv", st.traced_sample or 0)
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["layer", "key", "sample", "step", "unit", "value"]
    flat = st.trace.flat()
    assert len(rows) - 1 == sum(a.size for a in flat.values())
    by = {(r[0], r[1], r[2], r[3], r[4]): float(r[5]) for r in rows[1:]}
    i = flat["lstm/i"]
    assert by[("lstm", "i", "2", "7", "3")] == float(i[0, 7, 3])
    assert by[("lstm_1", "", "2", "", "1")] == float(flat["lstm_1"][0, 1])  # no step: final output
    assert by[("lstm", "initial_h", "2", "", "0")] == float(flat["lstm/initial_h"][0, 0])


def _layer_of(item):
    return item["class_name"], item["config"]


def test_keras_json_has_keras3_shape(tmp_path):
    st = AppState()
    st.add_layer("Bidirectional", "GRU", index=0)
    out = ex.save_keras_json(st, tmp_path / "m.json")
    cfg = json.loads(out.read_text())
    assert cfg["class_name"] == "Sequential" and cfg["module"] == "keras"
    c = cfg["config"]
    assert set(c) >= {"name", "layers", "trainable", "dtype", "build_input_shape"}
    first = c["layers"][0]
    assert first["class_name"] == "InputLayer" and first["config"]["batch_shape"] == [None, 20, 1]
    for item in c["layers"]:
        assert set(item) == {"module", "class_name", "config", "registered_name"}
        assert item["module"] == "keras.layers"
    names = [i["class_name"] for i in c["layers"][1:]]
    assert names == [l.class_name for l in st.model.layers]
    bidi = c["layers"][1]["config"]
    assert bidi["layer"]["class_name"] == "GRU" and bidi["layer"]["module"] == "keras.layers"
    assert "unit_forget_bias" not in bidi["layer"]["config"]  # GRU takes no such argument


def _same(a, b) -> bool:
    """Equal values; initializer dicts by class and config (the reader keeps no module)."""
    if isinstance(a, dict) and isinstance(b, dict) and "class_name" in a:
        return (a["class_name"], a.get("config")) == (b.get("class_name"), b.get("config"))
    return a == b


def test_keras_json_round_trips_through_lstmviz():
    st = AppState()
    st.add_layer("GRU", index=1)
    st.set_layer_option(0, "go_backwards", True)
    cfg = json.loads(json.dumps(ex.keras_config(st)))
    model = Model.from_spec(ex.spec_from_keras_config(cfg))
    assert [(l.class_name, l.name) for l in model.layers] == [(l.class_name, l.name) for l in st.model.layers]
    assert model.count_params() == st.model.count_params()
    assert model.input_shapes() == st.model.input_shapes()
    for mine, theirs in zip(model.layers, st.model.layers):
        for k, v in theirs.config.items():
            if k in KEYS.get(theirs.class_name, ()):  # an initializer's name comes back as Keras' dict
                assert _same(initializer_config(mine.config.get(k)), initializer_config(v)), (theirs.name, k)
        mine.set_weights(theirs.weights)
    x = st.x[:1]
    got = model.trace(x).flat()
    want = st.model.trace(x).flat()
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_keras_json_refuses_a_readonly_model():
    st = AppState()
    st.readonly = True
    with pytest.raises(LstmvizError, match="plain stack"):
        ex.keras_config(st)


# -- menu ---------------------------------------------------------------------------------------
def test_export_menu_entries(window, tmp_path, monkeypatch):
    titles = [a.text() for a in window.exporter.menu.actions()]
    assert any("PNG" in t for t in titles) and any("GIF" in t for t in titles)
    assert any("npz" in t for t in titles) and any("JSON" in t for t in titles)
    out = tmp_path / "v.svg"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.exporter.picture("view", "svg")
    assert out.exists() and window.last_message.startswith("Saved")
    bad = tmp_path / "missing" / "t.npz"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(bad), ""))
    window.exporter.data("npz")
    assert "does not exist" in window.last_message


def test_an_unwritable_folder_is_named_with_the_users_file(window, tmp_path, monkeypatch, capsys):
    """An export into a folder the user may not write in said
    '/data/.v.png.k2j3h4ab.tmp: Permission denied', the name of a temporary file the user
    never chose; the message names the file asked for, and nothing is left behind.
    (mkstemp's refusal is made as the OS makes it: the tests may run as root.)"""
    import tempfile

    def refuse(prefix="", suffix="", dir=None, **kw):
        raise PermissionError(13, "Permission denied", os.path.join(dir, f"{prefix}k2j3h4ab{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    for kind, run in (("svg", lambda: window.exporter.picture("view", "svg")),
                      ("npz", lambda: window.exporter.data("npz"))):
        out = tmp_path / f"v.{kind}"
        monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, out=out, **k: (str(out), ""))
        run()
        assert window.last_message == f"{out}: Permission denied", window.last_message
    assert list(tmp_path.iterdir()) == []
    from lstmviz.cli import main

    case = ROOT / "tests/fixtures/k3_lstm_default"
    assert main(["trace", str(case / "model.keras"), "--input", str(case / "x.npy"),
                 "--out", str(tmp_path / "t.npz")]) == 2
    assert capsys.readouterr().err.strip().endswith(f"{tmp_path / 't.npz'}: Permission denied")


def test_an_exports_path_is_said_escaped(window, tmp_path, monkeypatch):
    """'Saved <path>' and an export's refusal put the path the user typed raw into the
    status bar: a newline in its name was a second line, a bidi override turned the rest of
    the line around. Both say it escaped, as opening a file does."""
    import tempfile

    out = tmp_path / "two\nlines\u202e.svg"
    shown = f"{tmp_path}{os.sep}two\\x0alines\\u202e.svg"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.exporter.picture("view", "svg")
    assert out.exists() and window.last_message == f"Saved {shown}", window.last_message

    def refuse(prefix="", suffix="", dir=None, **kw):
        raise PermissionError(13, "Permission denied", os.path.join(dir, f"{prefix}k2j3h4ab{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    window.exporter.picture("view", "svg")
    assert window.last_message == f"{shown}: Permission denied", window.last_message
    assert window.statusBar().currentMessage() == window.last_message


def test_export_names_say_what_they_hold_and_land_where_the_user_saves(window, tmp_path, monkeypatch):
    """Every export offered 'lstmviz.png' (or 'lstmviz.svg', 'trace.npz', 'model.json') in
    the model's folder: on a bundled demo, the installed package's own folder; a name typed
    without its suffix ('slide') was written so, and File > Save screenshot wrote nothing
    and said nothing for it. Names now say the model, the view and the step; the first
    export of a demo starts in the working folder, the next ones where the last went; a
    missing suffix is added; the screenshot says where it went."""
    from lstmviz.app.demos import DEMOS_DIR

    demo = DEMOS_DIR / "sine_predictor.keras"
    window.exporter.last_dir = None  # (a window's first export: the shared window made others)
    assert window.open_file(str(demo))
    monkeypatch.chdir(tmp_path)
    window.tabs.setCurrentIndex(1)
    window.state.set_cursor(step=3)
    asked, answers = [], iter([str(tmp_path / "slides" / "slide"), str(tmp_path / "slides" / "t"), "",
                               str(tmp_path / "slides" / "shot")])
    (tmp_path / "slides").mkdir()

    def ask(parent, title, start, filt, *a, **k):
        asked.append(start)
        return next(answers), ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", ask)
    window.exporter.picture("view", "png")
    assert asked[0] == str(tmp_path / "sine_predictor_cell_t3.png")  # not inside the package
    assert QtGui.QImage(str(tmp_path / "slides" / "slide.png")).width() > 100
    assert window.last_message == f"Saved {tmp_path / 'slides' / 'slide.png'}"
    window.exporter.data("csv")
    assert asked[1] == str(tmp_path / "slides" / "sine_predictor_trace.csv")  # where the last one went
    assert (tmp_path / "slides" / "t.csv").read_text().startswith("layer,key,sample,step,unit,value")
    window.exporter.picture("window", "svg")  # cancelled: nothing written, nothing said
    assert asked[2] == str(tmp_path / "slides" / "sine_predictor_window_t3.svg")
    assert window.last_message.startswith("Saved") and "svg" not in window.last_message
    window.screenshot_dialog()
    assert QtGui.QImage(str(tmp_path / "slides" / "shot.png")).size() == window.size()
    assert window.last_message == f"Saved {tmp_path / 'slides' / 'shot.png'}"
    assert not list(DEMOS_DIR.glob("*.png")) and not list(DEMOS_DIR.glob("*.csv"))


def test_save_session_offers_the_models_name_where_the_model_is(window, tmp_path, monkeypatch):
    """File > Save session offered 'session.lstmviz' in the working folder, whatever was open.
    It offers '<model>.lstmviz' in the model file's folder (a demo's: the working folder, not
    the installed package), and once saved, that session's own path."""
    import shutil

    from lstmviz.app.demos import DEMOS_DIR

    window.exporter.last_dir = None
    mine = tmp_path / "models" / "my_lstm.keras"
    mine.parent.mkdir()
    shutil.copy(DEMOS_DIR / "sine_predictor.keras", mine)
    asked = []

    def ask(parent, title, start, filt, *a, **k):
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", ask)
    monkeypatch.chdir(tmp_path)
    assert window.open_file(str(DEMOS_DIR / "sine_predictor.keras"))
    window.sessions.session_path = None
    window.sessions.save_as_dialog()
    assert asked[-1] == str(tmp_path / "sine_predictor.lstmviz")
    assert window.open_file(str(mine))
    window.sessions.session_path = None
    window.sessions.save_as_dialog()
    assert asked[-1] == str(mine.parent.resolve() / "my_lstm.lstmviz")
    window.sessions.session_path = str(tmp_path / "kept.lstmviz")
    window.sessions.save_as_dialog()
    assert asked[-1] == str(tmp_path / "kept.lstmviz")


@pytest.mark.parametrize("what", ["png", "json", "session"])
def test_a_name_typed_without_its_suffix_asks_before_replacing_the_suffixed_file(window, tmp_path, monkeypatch, what):
    """'slide' typed in File > Export PNG: the dialog asked about 'slide' (or nothing, where
    it was not there), and 'slide.png', a file the user held, was replaced without a word
    (Export config over 'model.json', Save session as 'mine' over 'mine.lstmviz' alike).
    Now the name written is asked about: No writes nothing, Yes replaces it."""
    suffix = {"png": ".png", "json": ".json", "session": ".lstmviz"}[what]
    typed = tmp_path / "mine"
    held = tmp_path / f"mine{suffix}"
    held.write_bytes(b"the user's own file")
    run = {"png": lambda: window.exporter.picture("view", "png"),
           "json": lambda: window.exporter.data("json"),
           "session": window.sessions.save_as_dialog}[what]
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(typed), ""))
    asked = []
    B = QtWidgets.QMessageBox.StandardButton
    answer = [B.No]
    monkeypatch.setattr(QtWidgets.QMessageBox, "question",
                        lambda parent, title, text, *a: (asked.append(text), answer[0])[1])
    run()
    assert len(asked) == 1 and held.name in asked[0]
    assert held.read_bytes() == b"the user's own file" and not typed.exists()
    answer[0] = B.Yes
    run()
    assert len(asked) == 2 and held.read_bytes() != b"the user's own file" and not typed.exists()


def test_the_trace_export_says_which_sample_it_holds(window, tmp_path, monkeypatch):
    """The window traces the sample on screen: File > Export trace holds that one sample,
    and the message after saving says so (the .npz has no sample axis beyond it)."""
    window.state.set_input_spec(batch_size=3)
    window.state.set_cursor(sample=2)
    asked = {}

    def ask(parent, title, default, filt):
        asked["default"] = default
        return str(tmp_path / "t.npz"), ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", ask)
    window.exporter.data("npz")
    QtWidgets.QApplication.processEvents()
    assert asked["default"].endswith("trace.npz")
    assert "(sample 2)" in window.last_message, window.last_message
    with np.load(tmp_path / "t.npz") as npz:
        np.testing.assert_array_equal(npz["output"], window.state.trace.output)
        assert int(npz["lstmviz:sample"]) == 2  # the file says it too, not only the message


# -- command line -------------------------------------------------------------------------------
def _cli(*args):
    return subprocess.run([sys.executable, "-m", "lstmviz", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})


def test_cli_export_gif(tmp_path):
    from PIL import Image

    out = tmp_path / "c.gif"
    r = _cli("--export-gif", str(out), "--view", "cell", "--size", "320x240", "--fps", "8")
    assert r.returncode == 0, r.stderr
    with Image.open(out) as im:
        assert im.size == (320, 240) and im.n_frames > 1


def test_cli_exports_an_animation_of_a_range_of_steps(tmp_path):
    """``--steps A:B`` with --export-gif: steps A..B-1, a frame each (the demo's 40 steps)."""
    from PIL import Image

    out = tmp_path / "r.gif"
    r = _cli("--export-gif", str(out), "--view", "cell", "--size", "200x150", "--steps", "3:7")
    assert r.returncode == 0, r.stderr
    with Image.open(out) as im:
        assert im.n_frames == 4


@pytest.mark.parametrize("args,msg", [
    (["--export-gif", "OUT", "--steps", "3:99"],
     "steps 3:99: the input has 40 steps: 0 to 39 (give a window within 0:40)"),
    (["--export-gif", "OUT", "--steps", "40:"],
     "steps from 40: the input has 40 steps: 0 to 39 (give a window within 0:40)"),
    (["--export-png", "OUT", "--steps", "3:9"], "--steps A:B picks the steps of an animation"),
    (["--export-gif", "OUT", "--steps", "9:3"], "give a window as A:B with 0 <= A < B"),
    (["--export-gif", "OUT", "--view", "spectrum"],  # ('window' too, as --help says)
     "unknown view 'spectrum': use one of unrolled, cell, over_time, weights, train, window"),
    (["--export-gif", "/nonexistent/dir/a.gif"], "does not exist"),
    (["--export-png", "OUT", "--scale", "0"], "scale"),
])
def test_cli_export_bad_input_is_one_line_and_exit_2(tmp_path, args, msg):
    args = [a.replace("OUT", str(tmp_path / "x")) for a in args]  # (no suffix: either kind)
    r = _cli(*args)
    lines = [l for l in r.stderr.splitlines() if "propagateSizeHints" not in l]
    assert r.returncode == 2 and len(lines) == 1 and msg in lines[0], r.stderr


def test_animation_dialog_and_menu_export(window, tmp_path, monkeypatch):
    from PIL import Image

    window.state.set_input_spec(timesteps=5)
    dlg = ex.AnimationDialog(window)
    v = dlg.values()
    assert v["target"] == "view" and v["fps"] == ex.DEFAULT_FPS and all(s % 2 == 0 for s in v["size"])
    dlg.deleteLater()

    def choose(dlg):
        dlg.width_spin.setValue(300)
        dlg.height_spin.setValue(200)
    out = tmp_path / "m.gif"
    geom = window.geometry()
    _animated_as_chosen(window, monkeypatch, choose, out)
    with Image.open(out) as im:
        assert im.size == (300, 200) and im.n_frames == 5
    assert window.geometry() == geom  # the window is back to its size


def test_an_animation_shows_its_progress_and_can_be_cancelled(window, tmp_path, monkeypatch):
    """File > Export > Animation rendered every step with a wait cursor and nothing else: a
    few hundred steps held the window for a minute with no way out. A progress dialog counts
    the frames; Cancel stops at once, writes nothing (an older file of that name is left as
    it was) and puts the step and the window back."""
    window.state.set_input_spec(timesteps=12)
    window.state.set_cursor(step=4)
    monkeypatch.setattr(ex.AnimationDialog, "exec", lambda self: QtWidgets.QDialog.DialogCode.Accepted)
    out = tmp_path / "m.gif"
    out.write_bytes(b"an older export")
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    seen = []
    plain = QtWidgets.QProgressDialog.setValue

    def counted(self, value):
        seen.append((value, self.maximum()))
        plain(self, value)
        if value == 3:
            self.cancel()  # the user's Cancel, between two frames

    monkeypatch.setattr(QtWidgets.QProgressDialog, "setValue", counted)
    geom = window.geometry()
    window.exporter.animation("gif")
    assert seen[:4] == [(0, 12), (1, 12), (2, 12), (3, 12)] and len(seen) <= 5
    assert out.read_bytes() == b"an older export" and window.last_message == "Export cancelled: nothing written"
    assert window.state.cursor.step == 4 and window.geometry() == geom
    assert not any(d.isVisible() for d in window.findChildren(QtWidgets.QProgressDialog))
    monkeypatch.setattr(QtWidgets.QProgressDialog, "setValue", plain)
    window.exporter.animation("gif")
    from PIL import Image

    with Image.open(out) as im:
        assert im.n_frames == 12


def _animated_as_chosen(window, monkeypatch, choose, out) -> dict:
    """File > Export > Animation as a user does it: the dialog's fields set by ``choose(dlg)``
    and OK, the file named ``out``; gives what the save dialog was asked (``start``: the
    name it offered)."""
    def accept(dlg):
        choose(dlg)
        return QtWidgets.QDialog.DialogCode.Accepted
    monkeypatch.setattr(ex.AnimationDialog, "exec", accept)
    asked = {}

    def ask(parent, title, start, *a, **k):
        asked["start"] = start
        return str(out), ""
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", ask)
    window.exporter.animation("gif")
    return asked


def test_a_long_sequence_is_animated_over_a_range_of_steps_from_the_step_shown(window, tmp_path, monkeypatch):
    """More steps than an animation holds were refused outright ("a picture shows any
    step"): a long input could not be animated at all. The dialog offers the steps from the
    one on screen (RANGE_FRAMES of them), says how many frames a range makes and takes no
    range an animation cannot hold; the file is named by its steps."""
    from PIL import Image

    window.state.set_input_spec(timesteps=ex.MAX_FRAMES + 1)
    window.state.set_cursor(step=1500)
    dlg = ex.AnimationDialog(window)
    assert list(dlg.values()["steps"]) == list(range(1500, 1500 + ex.RANGE_FRAMES))
    said = f"{ex.RANGE_FRAMES} frames, one per timestep ({ex.MAX_FRAMES + 1:,} in the sequence)"
    assert dlg.frames_label.text() == said
    assert dlg.ok.isEnabled()
    dlg.first_spin.setValue(0)
    dlg.last_spin.setValue(ex.MAX_FRAMES)
    assert not dlg.ok.isEnabled() and "at most 2,000" in dlg.frames_label.text()
    # a first step set after the last takes the last along, and a last before the first the
    # first (OK was disabled, "the first step comes after the last", until both were moved)
    dlg.last_spin.setValue(1600)
    dlg.first_spin.setValue(1700)
    assert (dlg.first_spin.value(), dlg.last_spin.value()) == (1700, 1700) and dlg.ok.isEnabled()
    assert dlg.frames_label.text() == f"1 frame, one per timestep ({ex.MAX_FRAMES + 1:,} in the sequence)"
    dlg.last_spin.setValue(5)
    assert (dlg.first_spin.value(), dlg.last_spin.value()) == (5, 5) and dlg.ok.isEnabled()
    assert list(dlg.values()["steps"]) == [5]
    dlg.deleteLater()

    def choose(dlg):
        dlg.first_spin.setValue(1998)
        dlg.last_spin.setValue(2000)
        dlg.width_spin.setValue(200)
        dlg.height_spin.setValue(120)
    asked = _animated_as_chosen(window, monkeypatch, choose, tmp_path / "r.gif")
    assert asked["start"].endswith("_t1998-2000.gif"), asked
    with Image.open(tmp_path / "r.gif") as im:
        assert im.n_frames == 3 and im.size == (200, 120)
    assert window.state.cursor.step == 1500
    with pytest.raises(LstmvizError, match="^step 2,001: the input has 2,001 steps: 0 to 2,000$"):
        ex.save_gif(window, tmp_path / "x.gif", steps=[2000, 2001])
    with pytest.raises(LstmvizError, match="more frames than an animation can hold"):
        ex.save_gif(window, tmp_path / "x.gif")


def test_the_animation_dialog_over_the_train_tab_offers_the_views_of_the_stack(window, tmp_path, monkeypatch):
    """File > Export > Animation over the Train tab offered "Current view" (and the whole
    window, on the Train tab too): every frame the same picture of the Train panel, which
    does not change with the stack's steps. Now it offers the views of the stack by name,
    says why in one line (``--view train``'s refusal in the window's words) and animates the
    view chosen, the window back on the Train tab afterwards."""
    from PIL import Image

    from lstmviz.app.views import TRAIN_NOT_ANIMATED_HERE, VIEWS

    window.state.set_input_spec(timesteps=4)
    panel = window.train_panel
    window.tabs.setCurrentWidget(panel)
    dlg = ex.AnimationDialog(window)
    offered = [(dlg.target.itemText(i), dlg.target.itemData(i)) for i in range(dlg.target.count())]
    assert offered == [(title, key) for key, _cls, title in VIEWS]
    assert dlg.note is not None and dlg.note.text() == TRAIN_NOT_ANIMATED_HERE and "\n" not in dlg.note.text()
    assert dlg.values()["size"][0] == panel.width() - panel.width() % 2
    dlg.deleteLater()

    def choose(dlg):
        dlg.target.setCurrentIndex(dlg.target.findData("cell"))
        dlg.width_spin.setValue(300)
        dlg.height_spin.setValue(200)
    asked = _animated_as_chosen(window, monkeypatch, choose, tmp_path / "c.gif")
    assert Path(asked["start"]).name.endswith("_cell.gif"), asked
    with Image.open(tmp_path / "c.gif") as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")))
    assert len(frames) == 4 and any((f != frames[0]).any() for f in frames[1:])  # the steps move
    assert window.tabs.currentWidget() is panel


def test_the_animation_dialog_offers_the_size_of_what_it_shows(window):
    """Choosing 'Whole window' kept the current view's size in the size fields: the window
    was laid out in the view's shape (tall and narrow) and scaled down to it, a picture of
    another layout than the one on screen. The fields follow the choice."""
    view, whole = window.tabs.currentWidget(), window
    dlg = ex.AnimationDialog(window)
    even = lambda w: (w.width() - w.width() % 2, w.height() - w.height() % 2)  # noqa: E731
    assert dlg.values()["size"] == even(view)
    dlg.target.setCurrentIndex(dlg.target.findData("window"))
    assert dlg.values()["size"] == even(whole)
    dlg.width_spin.setValue(640)  # a size typed in is the user's: kept over another choice
    dlg.target.setCurrentIndex(dlg.target.findData("view"))
    assert dlg.values()["size"][0] == 640
    dlg.deleteLater()


def test_a_size_smaller_than_the_layout_is_scaled_evenly_not_squeezed(window, tmp_path):
    """``--size`` below what the window (or a view) can be laid out in: it is laid out at
    the smallest size of the same shape it can take and scaled down evenly to the size
    asked for (it was laid out at its minimum and squeezed to the size, out of shape)."""
    from PIL import Image

    from lstmviz.ui.app import render

    out = render(window, tmp_path / "s.png", size=(200, 200))
    with Image.open(out) as im:
        assert im.size == (200, 200)
    assert window.width() > 200 and abs(window.width() / window.height() - 1.0) < 0.01
    view = ex.target_widget(window, "cell")
    shrink = ex.fit_widget(window, view, (300, 100))
    assert view.width() > 300 and abs(view.width() / view.height() - 3.0) < 0.03
    assert shrink == pytest.approx(300 / view.width(), rel=0.01)
    assert ex.fit_widget(window, view, (900, 600)) == 1.0 and (view.width(), view.height()) == (900, 600)
    out = ex.save_gif(window, tmp_path / "v.gif", "cell", (240, 120), fps=2)
    with Image.open(out) as im:
        assert im.size == (240, 120)
    assert abs(view.width() / view.height() - 2.0) < 0.02


def test_a_single_step_models_steps_are_said_as_a_user_reads_them(tmp_path, capsys):
    """A model of one timestep: '--step 5' said "the input has steps 0 to 0" and '--steps
    0:3' "the sequence has 1 steps"; now both say the one step there is, in the words of
    'lstmviz trace --steps' and picture(step=)."""
    from lstmviz.engine import LayerSpec
    from lstmviz.io.keras_writer import save_keras
    from lstmviz.ui.app import export_from_cli, run_app

    path = tmp_path / "one.keras"
    save_keras(Model.sequential((None, 1, 2), [LayerSpec("LSTM", {"units": 2})]), path)
    assert run_app(str(path), screenshot=str(tmp_path / "s.png"), step=5) == 2
    assert capsys.readouterr().err == "lstmviz: --step 5: the input has 1 step: 0\n"
    assert export_from_cli(str(path), tmp_path / "a.gif", "gif", view="cell", steps=(0, 3)) == 2
    assert capsys.readouterr().err.endswith(
        "lstmviz: steps 0:3: the input has 1 step: 0 (give a window within 0:1)\n")
    assert not (tmp_path / "s.png").exists() and not (tmp_path / "a.gif").exists()


def test_an_animation_of_a_step_the_input_does_not_have_says_its_steps(window):
    """An animation's step past a one-step input said "its steps are 0 to 0"; now the words
    of --step and --steps: the input has 1 step: 0."""
    window.state.set_input_spec(timesteps=1)
    with pytest.raises(LstmvizError) as err:
        next(ex.iter_frames(window, "view", (200, 150), steps=[3]))
    assert str(err.value) == "step 3: the input has 1 step: 0"


def test_a_step_the_input_does_not_have_is_refused(tmp_path, capsys):
    """``--step`` beyond the input's last step: one line naming the steps there are (it was
    moved to the last step without a word)."""
    from lstmviz.ui.app import export_from_cli, run_app

    assert run_app(None, screenshot=str(tmp_path / "s.png"), step=500) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--step 500: the input has 40 steps: 0 to 39" in err
    assert not (tmp_path / "s.png").exists()
    assert export_from_cli(None, tmp_path / "v.png", "png", view="cell", step=500) == 2
    assert "--step 500" in capsys.readouterr().err
    assert run_app(None, screenshot=str(tmp_path / "last.png"), step=3) == 0
    assert (tmp_path / "last.png").is_file()


def test_a_step_a_long_input_does_not_have_is_refused_before_its_keyframe_pass(tmp_path, capsys,
                                                                               monkeypatch):
    """'lstmviz M --input long.npy --step 100000 --screenshot s.png' (or '--export-gif a.gif
    --steps 99990:100001') ran the whole keyframe pass and its overviews (seconds to
    minutes, the progress said on stderr) before saying that the input has 100,000 steps.
    The step and the window are now checked against the input's steps first; a step it has
    is drawn as before, once the pass has run."""
    from lstmviz.cli_inputs import model_input
    from lstmviz.engine import LayerSpec
    from lstmviz.io.keras_writer import save_keras
    from lstmviz.ui import export as export_mod
    from lstmviz.ui.app import export_from_cli, run_app

    path = tmp_path / "m.keras"
    save_keras(Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 3})], seed=0), path)
    x = tmp_path / "long.npy"
    np.save(x, np.zeros((1, 5000, 2), np.float32))  # (past LONG_STEPS: a long input)
    settled = []
    real = export_mod.long_settled
    monkeypatch.setattr(export_mod, "long_settled", lambda *a, **k: settled.append(1) or real(*a, **k))
    assert run_app(str(path), screenshot=str(tmp_path / "s.png"), step=5000, inputs=model_input(x)) == 2
    assert capsys.readouterr().err.endswith("lstmviz: --step 5000: the input has 5,000 steps: 0 to 4,999\n")
    assert export_from_cli(str(path), tmp_path / "v.png", "png", view="cell", step=5000,
                           inputs=model_input(x)) == 2
    assert capsys.readouterr().err.endswith("lstmviz: --step 5000: the input has 5,000 steps: 0 to 4,999\n")
    assert export_from_cli(str(path), tmp_path / "a.gif", "gif", view="cell", steps=(4990, 5001),
                           inputs=model_input(x)) == 2
    assert capsys.readouterr().err.endswith(
        "lstmviz: steps 4990:5001: the input has 5,000 steps: 0 to 4,999 (give a window within 0:5000)\n")
    assert not settled  # (refused before the pass was waited for)
    assert not any((tmp_path / n).exists() for n in ("s.png", "v.png", "a.gif"))
    assert run_app(str(path), screenshot=str(tmp_path / "s.png"), step=4999, size=(640, 400),
                   inputs=model_input(x)) == 0
    assert settled and (tmp_path / "s.png").is_file()


def test_a_cell_screenshot_at_800x600_is_the_window_at_rest_with_its_header(qapp, tmp_path):
    """``--screenshot --view cell --size 800x600``: the charts go into two rows there, and the
    equations kept the room they had beside one row (measured before the charts moved, the
    answer cached at the same size): the view's minimum grew past its height, the header was
    squeezed to nothing, the "gates" title lay over the upper charts' ticks, and the window grew
    to 632 px a few turns of the event loop after the picture was taken. Now the picture is the
    window at rest, at the size asked, unscaled, the header whole and every title below the
    charts above it."""
    from PIL import Image

    from lstmviz.ui.app import dispose, make_window, render

    window = make_window(str(ROOT / "lstmviz/resources/demos/sine_predictor.keras"), "dark", quiet=True,
                         strict=True)
    try:
        window.tabs.setCurrentIndex(ex.view_index("cell"))
        out = render(window, tmp_path / "cell.png", size=(800, 600))
        with Image.open(out) as im:
            assert im.size == (800, 600)
        for _ in range(10):  # (what the window shows once nothing is left to do)
            QtWidgets.QApplication.processEvents()
        assert (window.width(), window.height()) == (800, 600)  # not laid out larger and scaled
        view = window.tabs.currentWidget()
        assert view._two_rows
        header = view.header
        assert header.isVisible() and header.height() > 0
        assert header.height() == header.sizeHint().height()  # every line of it, none cut
        upper = [view._slot_of[k].geometry() for k in ("x", "h_prev", "c_prev", "c", "h")]
        gates = view.col_titles[1]  # under the charts of the row above (in and out)
        assert gates.geometry().top() >= max(r.bottom() for r in upper)
        for title in (view.col_titles[0], view.col_titles[2]):
            assert title.geometry().top() >= header.geometry().bottom()
    finally:
        dispose(window)


@pytest.mark.parametrize("view", ["window", "cell"])
def test_an_svg_below_the_layouts_least_size_is_said_at_the_size_asked(tmp_path, view):
    """``--export-svg OUT --size 400x300`` where the layout cannot be that small: the picture
    of the smallest layout of that shape, said at 400 x 300 as a PNG is scaled (it was 714 x
    536 for the window, and 576 wide over a viewBox 550 wide for the Cell view)."""
    from lstmviz.ui.app import export_from_cli

    out = tmp_path / "v.svg"
    assert export_from_cli(None, out, "svg", view=view, size=(400, 300)) == 0
    root = ET.parse(out).getroot()
    w, h = (float(root.get(k).removesuffix("px")) for k in ("width", "height"))
    assert w <= 400 and h <= 300 and (w == 400 or h == 300)
    _, _, vw, vh = (float(v) for v in root.get("viewBox").split())
    assert vw > 400 and abs(vw * h / vh - w) <= 1.0  # (the same shape: no letterbox but a pixel)


def test_a_picture_of_the_cell_view_leaves_out_its_check_box_and_the_window_keeps_it(window, tmp_path):
    """Every exported Cell view (PNG, SVG, an animation's frames) showed the check box "Write
    W·x_t and U·h_t-1 out term by term": a control to tick, on a slide, its subscripts
    Unicode glyphs a hall cannot read. A picture leaves it out (the view laid out without
    it); the window shows it again, and a screenshot (the window as it is) keeps it."""
    from PIL import Image

    window.state.set_cursor(step=3)
    view = ex.target_widget(window, "cell")
    QtWidgets.QApplication.processEvents()
    box = view.expand_box
    assert box.isVisible()
    with ex.exported():
        assert not box.isVisible()  # (the view laid out without it)
    QtWidgets.QApplication.processEvents()
    assert box.isVisible()

    def box_ink(rgb: np.ndarray) -> float:  # how much the box's place differs from the background
        g = box.geometry()
        part = rgb[g.top():g.bottom(), g.left():g.left() + box.height()].astype(float)
        back = np.asarray(view.palette().color(QtGui.QPalette.ColorRole.Window).getRgb()[:3], float)
        return float(np.abs(part - back).max())

    screen = ex.image_to_array(view.grab().toImage())
    png = np.asarray(Image.open(ex.save_png(view, tmp_path / "a.png")).convert("RGB"))
    kept = np.asarray(Image.open(ex.save_png(view, tmp_path / "s.png", hints=True)).convert("RGB"))
    assert box_ink(screen) > 80 and box_ink(kept) > 80  # its frame drawn
    frames = list(ex.iter_frames(window, "cell", steps=[2]))
    # in the picture the equations stand there: what is drawn there is not the screen's box
    assert not np.array_equal(png[box.geometry().top():box.geometry().bottom()],
                              screen[box.geometry().top():box.geometry().bottom()])
    assert not np.array_equal(frames[0][box.geometry().top():box.geometry().bottom()],
                              screen[box.geometry().top():box.geometry().bottom()])
    assert box.isVisible()  # the window: as it was
    view.set_equations_visible(False)  # (E: hidden, and hidden it stays after a picture)
    QtWidgets.QApplication.processEvents()
    ex.save_png(view, tmp_path / "b.png")
    assert not box.isVisible()
    view.set_equations_visible(True)


def test_a_picture_of_the_over_time_view_leaves_out_its_cell_buttons_and_names_the_cell(window, tmp_path):
    """The Over time view's "cell_0" / "cell_1" buttons (a stack of cells) stood in its
    exported pictures, as the Weights view's did; the header names the cell drawn."""
    from lstmviz.engine import LayerSpec

    cells = [{"class_name": "GRUCell", "config": {"units": 3}},
             {"class_name": "SimpleRNNCell", "config": {"units": 2}}]
    model = Model.sequential((None, 5, 3), [LayerSpec("RNN", {"cell": {"class_name": "StackedRNNCells",
                                                                       "config": {"cells": cells}},
                                                              "return_sequences": True})])
    window.state.set_model(model, None)
    view = ex.target_widget(window, "over_time")

    def buttons() -> list[str]:
        return [b.text() for b in view.findChildren(QtWidgets.QPushButton) if b.isVisible()]

    view.cell_box.buttons[1].click()
    QtWidgets.QApplication.processEvents()
    assert buttons() == ["cell 0", "cell 1"] and "(cell 1) (SimpleRNN)" in view.header.text()
    with ex.exported():
        assert buttons() == []
        svg = ET.fromstring(ex.save_svg(view, tmp_path / "over_time.svg").read_text())
    QtWidgets.QApplication.processEvents()
    assert buttons() == ["cell 0", "cell 1"]  # the window: as it was
    texts = [t.strip() for t in svg.itertext()]
    assert any("(cell 1)" in t.replace("\xa0", " ") for t in texts) and not {"cell 0", "cell 1"} & set(texts), texts


def test_a_picture_of_the_weights_view_leaves_out_its_buttons_and_names_what_they_chose(window, tmp_path):
    """The Weights view's "forward" / "backward" buttons (a Bidirectional's halves) and its
    "cell_0" / "cell_1" buttons (a stack of cells) stood in every exported picture: controls
    to click, on a slide. A picture leaves them out; the line above the matrices names the
    half (or the cell) they chose, so the picture still says which weights it shows. The
    window shows them again."""
    from lstmviz.engine import LayerSpec

    cells = [{"class_name": "GRUCell", "config": {"units": 3}},
             {"class_name": "SimpleRNNCell", "config": {"units": 2}}]
    gru = {"class_name": "GRU", "config": {"units": 2, "return_sequences": True}}
    model = Model.sequential((None, 5, 3), [LayerSpec("Bidirectional", {"layer": gru}),
                                            LayerSpec("RNN", {"cell": {"class_name": "StackedRNNCells",
                                                                       "config": {"cells": cells}}})])
    window.state.set_model(model, None)
    view = ex.target_widget(window, "weights")

    def buttons() -> list[str]:  # the buttons the view's widget tree shows
        return [b.text() for b in view.findChildren(QtWidgets.QPushButton) if b.isVisible()]

    for k, side, cell, buttons_shown, named in (
            (0, "backward", None, ["forward", "backward"], "backward half (Bidirectional)"),
            (1, "forward", 1, ["cell 0", "cell 1"], "cell 1 (SimpleRNNCell in RNN)")):
        layer = [l for l in window.state.model.layers if l.class_name != "InputLayer"][k].name
        window.state.set_cursor(layer=layer, side=side)
        if cell is not None:
            view.cell_box.buttons[cell].click()
        QtWidgets.QApplication.processEvents()
        assert buttons() == buttons_shown and named in view.formula.text()
        with ex.exported():
            assert buttons() == [], layer
            assert named in view.formula.text()
            svg = ET.fromstring(ex.save_svg(view, tmp_path / f"{layer}.svg").read_text())
        QtWidgets.QApplication.processEvents()
        assert buttons() == buttons_shown  # the window: as it was
        texts = [t.strip() for t in svg.itertext()]  # the picture's words: the half or cell
        assert any(named in t.replace("\xa0", " ") for t in texts)  # drawn, and no button's word on its own
        assert not set(buttons_shown) & set(texts), texts
