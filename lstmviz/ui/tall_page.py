"""``TallPage``: a view's page that scrolls vertically where the view is shorter than the
page's least, so a small window stays the size asked; ``whole_pages``: while a view's
picture is fitted to its size and drawn (``export.fit_widget``, the exports of a size),
the pages' least heights count again, so a picture holds a whole page (scaled down where
the size asked is smaller), and a page's own scrolled parts are whole too where it asks
(``TallPage.whole``, ``held``: the Cell view's equations, whose scroll bar an export at
800 x 500 drew, their text cut under it).
"""

from __future__ import annotations

import contextlib
import weakref

import shiboken6
from PySide6 import QtCore, QtWidgets

_pages: weakref.WeakSet = weakref.WeakSet()
_whole = [False]


@contextlib.contextmanager
def whole_pages(on: bool = True):
    """While held (``on``), every ``TallPage``'s least size is its page's: a picture of a
    view at 400 x 300 drew the top of a scrolled page, not the view scaled down."""
    if not on or _whole[0]:
        yield
        return
    _whole[0] = True
    try:
        _tell()
        yield
    finally:
        _whole[0] = False
        _tell()


def held() -> bool:
    """Whether ``whole_pages`` is held: a picture of a view is being fitted or drawn."""
    return _whole[0]


def _tell() -> None:
    """Every page's layout told that its least size changed, and its page (``whole``)
    that pages are whole or no longer (a window's pages whose Qt side is gone, a closed
    window's, left out)."""
    for page in list(_pages):
        if shiboken6.isValid(page):
            page.whole.emit(_whole[0])
            page.updateGeometry()
        else:
            _pages.discard(page)


class TallPage(QtWidgets.QScrollArea):
    """A view's page that scrolls vertically where the view is shorter than the page's
    least height, so the window stays the size asked (the Cell view's two rows of charts
    and its equations held a 760 x 540 projector window 1002 px wide, the Weights view's
    three matrices an ONNX peephole LSTM's 685 px tall at 800 x 600). The page is as
    wide as the viewport and as tall as the viewport or its least, whichever is more
    (not its height for its width, as a resizable scroll area's: the Weights view's
    wrapped labels asked for 801 px where 367 were its least, and it scrolled at 800 x
    600); it never scrolls sideways. Its least width is the page's and, where the page
    is taller than the view, the scroll bar's; its least height none; where the page
    fits, the page is the viewport, as the page alone was."""

    #: ``whole_pages`` taken (True) or let go of (False): a page whose parts scroll on
    #: their own shows them whole in a picture (the Cell view's equations)
    whole = QtCore.Signal(bool)

    def __init__(self, page: QtWidgets.QWidget):
        super().__init__()
        self.setWidgetResizable(False)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(page)
        self.viewport().setAutoFillBackground(False)
        page.setAutoFillBackground(False)
        self._scrolls = False  # whether the page's least height is more than the view's
        self._least = -1  # the page's least width, as this area's layout was last told
        page.installEventFilter(self)
        self.viewport().installEventFilter(self)
        _pages.add(self)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's names)
        page = self.widget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802
        page = self.widget()
        if page is None:
            return super().minimumSizeHint()
        if _whole[0]:  # (a picture of a view: the page's least, as without this area)
            return page.minimumSizeHint()
        bar = self.verticalScrollBar().sizeHint().width() if self._scrolls else 0
        return QtCore.QSize(page.minimumSizeHint().width() + bar, 0)

    def fit(self) -> None:
        """The page fitted to the viewport and its least now (a least that changed without
        a layout request reaching the page: the Weights view's formula, whole or a line)."""
        self._fit()

    def _fit(self) -> None:
        page = self.widget()
        if page is None:
            return
        least = page.minimumSizeHint()
        # (the room without scroll bars from the area's own size, not the viewport's: a view
        # never shown lays its page out at its own size, as it did without this area)
        room = self.maximumViewportSize()
        scrolls = least.height() > room.height()
        if (scrolls, least.width()) != (self._scrolls, self._least):
            # (the page's layout tells its own widget only: the view's layout is told here
            # that this area's least width changed, or it kept the one it cached)
            self._scrolls, self._least = scrolls, least.width()
            self.updateGeometry()
        bar = self.verticalScrollBar().sizeHint().width() if scrolls else 0
        size = QtCore.QSize(max(1, room.width() - bar), max(room.height(), least.height()))
        if page.size() != size:
            page.resize(size)

    def setVisible(self, visible: bool) -> None:  # noqa: N802
        # (shown in a view not yet shown, as its stack shows its page: the page is fitted
        # and laid out now, as a page shown in the stack itself was; a resize event of a
        # hidden widget waits for its showing)
        super().setVisible(visible)
        page = self.widget()
        if visible and page is not None:
            self._fit()
            lay = page.layout()
            if not self.isVisible() and lay is not None:
                lay.activate()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        kind = event.type()
        if ((obj is self.widget() and kind == QtCore.QEvent.Type.LayoutRequest)
                or (obj is self.viewport() and kind == QtCore.QEvent.Type.Resize)):
            self._fit()
        return super().eventFilter(obj, event)
