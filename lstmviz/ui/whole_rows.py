"""``WholeRows``: a scroll area of a form's rows (the Train tab's controls) shows each row
whole or not at all at its bottom edge: a row the edge would cut is out of sight, the
viewport ending above it, and the scroll bar brings it whole. Presenting at 800 x 600 the
controls' viewport ended across "Pin gradient curve", half a button in sight.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from lstmviz.ui.later import later


def row_spans(content: QtWidgets.QWidget) -> list[tuple[int, int]]:
    """(top, bottom) of each row of ``content``'s layout in its own coordinates: each shown
    widget's (a label's text's), a widget with a layout of its own (a group box) by its rows
    and the room above them (its title)."""
    spans: list[tuple[int, int]] = []

    def walk(layout: QtWidgets.QLayout | None, dy: int) -> None:
        for i in range(layout.count() if layout is not None else 0):
            item = layout.itemAt(i) if layout is not None else None
            if item is None:
                continue
            w = item.widget()
            if w is not None:
                if not w.isVisibleTo(content):
                    continue
                inner = w.layout()
                if inner is not None and inner.count():
                    top = w.mapTo(content, QtCore.QPoint(0, 0)).y()
                    before = len(spans)
                    walk(inner, top)
                    first = min((a for a, _ in spans[before:]), default=top)
                    if first > top:  # (a group box's title above its rows)
                        spans.append((top, first))
                else:
                    g = w.geometry()
                    if isinstance(w, QtWidgets.QLabel) and w.text():  # (its text's lines, not
                        # the room it keeps: the run's line, one line in a box of two)
                        flags = int(w.alignment()) | (int(QtCore.Qt.TextFlag.TextWordWrap) if w.wordWrap() else 0)
                        g = w.style().itemTextRect(w.fontMetrics(), w.contentsRect(), flags,
                                                   True, w.text()).translated(g.topLeft())
                    spans.append((g.top() + dy, g.top() + dy + g.height()))
            elif item.layout() is not None:
                walk(item.layout(), dy)

    walk(content.layout(), 0)
    return spans


def squeezed(content: QtWidgets.QWidget) -> list[QtWidgets.QLabel]:
    """The shown word-wrapped labels of ``content`` laid out shorter than their lines."""
    return [label for label in content.findChildren(QtWidgets.QLabel)
            if label.wordWrap() and label.text() and label.isVisibleTo(content)
            and label.height() < label.heightForWidth(label.width())]


class WholeRows(QtCore.QObject):
    """Keeps ``area``'s bottom edge off its rows (``row_spans``): measured again at each
    scroll and each new range (the rows laid out again, the area resized), and once the rows
    are laid out again or resized without a new range: the Train tab first shown at
    1600 x 1000 kept the margin measured before its rows were laid out, 180 px, and the
    viewport ended above the whole "Your model and data" box, a blank strip in its place."""

    def __init__(self, area: QtWidgets.QScrollArea):
        super().__init__(area)
        self.area = area
        self._due = False
        self._relaid = QtCore.QSize()  # (the content's size when ``_whole_labels`` last laid it out)
        bar = area.verticalScrollBar()
        bar.valueChanged.connect(self.fit)
        bar.rangeChanged.connect(self.fit)
        content = area.widget()
        if content is not None:
            content.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt)
        if event.type() in (QtCore.QEvent.Type.LayoutRequest, QtCore.QEvent.Type.Resize,
                            QtCore.QEvent.Type.Show) and not self._due:
            self._due = True  # (once the layout has set the rows where they now are)
            later(self, type(self)._refit)
        return False

    def _refit(self) -> None:
        self._due = False
        self._whole_labels()
        self.fit()

    def _whole_labels(self) -> None:
        """The content laid out again where a shown word-wrapped label of it is shorter than
        its lines (``squeezed``): after a run whose line under Play grew to six lines, the
        scroll area heightened the content to its rows' new height, yet Qt's form layout,
        at the width it had, kept rows measured before (presenting at 1280 x 720 that line
        kept four of its six lines and "30 samples / batch 8 \u2192 4 updates per epoch"
        one of two, cut through); a new width measured them again. Once a content size:
        a label its layout cannot give more room to asks nothing again."""
        content = self.area.widget()
        layout = content.layout() if content is not None else None
        if layout is None or content is None or content.size() == self._relaid:
            return
        if squeezed(content):
            self._relaid = content.size()
            layout.invalidate()
            layout.activate()

    def cut(self) -> int:
        """How far above its whole height the viewport ends: to the top of the row its
        edge would cut, 0 where it cuts none (or only a row taller than the viewport)."""
        area, content = self.area, self.area.widget()
        height = area.viewport().height() + area.viewportMargins().bottom()
        top = area.verticalScrollBar().value()
        edge = top + height
        if content is None or height <= 0:
            return 0
        cut = [a for a, b in row_spans(content) if top < a < edge < b]
        return int(math.ceil(edge - min(cut))) if cut else 0

    def fit(self, *_) -> None:
        area = self.area
        cut = self.cut()
        if cut != area.viewportMargins().bottom():
            area.setViewportMargins(0, 0, 0, cut)
