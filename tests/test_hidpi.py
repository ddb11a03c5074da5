"""Pictures at another density than the screen's: each plot item drawn at the picture's own
density, not its screen pixmap scaled."""

from PySide6 import QtWidgets

from lstmviz.ui.export import render_pixmap

CACHED = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
NO_CACHE = QtWidgets.QGraphicsItem.CacheMode.NoCache


def settle():
    for _ in range(5):
        QtWidgets.QApplication.processEvents()


def cached_items(widget):
    return [item for view in widget.findChildren(QtWidgets.QGraphicsView)
            for item in view.scene().items() if item.cacheMode() == CACHED]


def test_a_png_at_scale_2_paints_cached_items_at_its_own_density(make_window):
    """The Over time view's curves, heatmaps and axes keep their painting as pixmaps of the
    screen's pixels; a PNG at scale 2 (File > Export's default) copied them scaled: its
    curves' strokes were the screen's pixels doubled, jagged, beside the sharp texts."""
    window = make_window((1280, 720))
    for k in (2, 1):  # Over time, Cell
        window.tabs.setCurrentIndex(k)
        window.state.set_cursor(step=3)
        settle()
        view = window.tabs.currentWidget()
        view.grab()  # (painted on screen: the caches hold the screen's pixels)
        items = cached_items(view)
        assert items, "the view keeps pixmaps: the test measures something"
        assert view.devicePixelRatioF() == 1.0
        picture = render_pixmap(view, 2.0).toImage()
        assert cached_items(view) == items  # (kept for the screen afterwards)
        for item in items:  # the reference: every item painted at the picture's density
            item.setCacheMode(NO_CACHE)
        direct = render_pixmap(view, 2.0).toImage()
        for item in items:
            item.setCacheMode(CACHED)
        assert (picture.width(), picture.height()) == (2 * view.width(), 2 * view.height())
        assert picture == direct, window.tabs.tabText(k)
