"""What a screen reader (Orca through Qt's AT-SPI bridge) is told of the window: names
and descriptions. The words are the app's (``app/accessible.py`` words a view's picture;
a control's name is set where the control is made); this module sets them on widgets.

- ``name_form(form)``: each field of a ``QFormLayout`` named after its row's label (a
  combo box's own name would otherwise be its current item, "tanh", and a check box
  without text the title of the group around it), the label made its buddy.
- ``name_parts(root, name)``: every plot and scroll area under ``root`` that takes the
  focus (a click gives it a plot) named after the view it belongs to and its plot's
  title, when nothing named it.
- ``described(widget, name, words)``: a view or page of plots named, described, a Tab
  stop ringed while it has the focus (``FocusRing``).
- ``Describer``: a widget's accessible description, worded by a function, set only
  while an assistive technology listens (``QAccessible.isActive()``) and at most once per
  ``DELAY`` ms of stepping (a seek or a drag of the slider does no wording at all
  without one; with one, a burst of steps is worded once, its last step).
- ``KeyboardRing(window)``: a ring round the control the keyboard focused (Fusion's own
  focus shade is hardly seen in the dark and projector themes).
- ``unnamed(root)``: the focusable controls a screen reader would have no name for
  (``tests/test_accessibility.py`` fails on any).
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets


def plain(text: str) -> str:
    """A label's text without its markup (``<b>``, ``&amp;``), its spaces made one."""
    if "<" in text or "&" in text:
        text = QtGui.QTextDocumentFragment.fromHtml(text).toPlainText()
    return " ".join(text.split())


def _unmnemonic(text: str) -> str:
    """A button's text without its shortcut's ``&`` (``&&`` is one ``&``)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _first_control(w: QtWidgets.QWidget) -> QtWidgets.QWidget | None:
    """``w`` itself where it takes the focus, else the first control inside it that does
    (a row of a slider and a label: the slider)."""
    if w.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus:
        return w
    for child in w.findChildren(QtWidgets.QWidget):
        if child.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus:
            return child
    return None


def name_form(form: QtWidgets.QFormLayout) -> None:
    """Each row's field named after its label (plain text), unless named already; the
    label its buddy (Orca reads a labelled-by relation from it)."""
    for row in range(form.rowCount()):
        label_item = form.itemAt(row, QtWidgets.QFormLayout.ItemRole.LabelRole)
        field_item = form.itemAt(row, QtWidgets.QFormLayout.ItemRole.FieldRole)
        label = label_item.widget() if label_item is not None else None
        field = field_item.widget() if field_item is not None else None
        if not isinstance(label, QtWidgets.QLabel) or field is None:
            continue
        control = _first_control(field)
        if control is None:
            continue
        label.setBuddy(control)
        if not control.accessibleName():
            control.setAccessibleName(plain(label.text()))


def _plot_title(view: QtWidgets.QGraphicsView) -> str:
    """The title of the first plot a pyqtgraph view holds that has one ("" for none)."""
    scene = view.scene()
    if scene is None:
        return ""
    for item in scene.items():
        label = getattr(item, "titleLabel", None)
        text = getattr(label, "text", "") if label is not None else ""
        if isinstance(text, str) and plain(text):
            return plain(text)
    return ""


def name_parts(root: QtWidgets.QWidget, name: str) -> None:
    """Every focusable plot or scroll area under ``root`` without a name named
    "``name``: its plot's title" (or "``name`` chart" / "``name`` page")."""
    for part in root.findChildren(QtWidgets.QAbstractScrollArea):
        if part.accessibleName() or not (part.focusPolicy() & QtCore.Qt.FocusPolicy.ClickFocus):
            continue
        if isinstance(part, QtWidgets.QGraphicsView):
            title = _plot_title(part)
            part.setAccessibleName(f"{name}: {title}" if title else f"{name} chart")
        else:
            part.setAccessibleName(f"{name} page")


class Describer(QtCore.QObject):
    """``widget``'s accessible description, ``words()``, kept up to date cheaply: ``changed()``
    (at every step) does nothing while no assistive technology listens, and otherwise
    sets it once ``DELAY`` ms after the first change of a burst (a drag of the slider is
    worded at its end, not at each of its steps). ``now()`` sets it at once."""

    DELAY = 150

    def __init__(self, widget: QtWidgets.QWidget, words: Callable[[], str]):
        super().__init__(widget)
        self.widget, self.words = widget, words
        self.timer = QtCore.QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(self.DELAY)
        self.timer.timeout.connect(self.now)

    def changed(self) -> None:
        if QtGui.QAccessible.isActive() and not self.timer.isActive():
            self.timer.start()

    def now(self) -> None:
        text = self.words()
        if text != self.widget.accessibleDescription():
            self.widget.setAccessibleDescription(text)


def described(widget: QtWidgets.QWidget, name: str, words: Callable[[], str]) -> Describer:
    """``widget`` (a view, a page of plots) named ``name`` and described by ``words()``:
    a Tab stop of its own (where its plots are none), its description set as the focus
    reaches it and, while a screen reader listens, after changes (``Describer.changed``),
    ringed while it has the focus (``FocusRing``)."""
    widget.setAccessibleName(name)
    if widget.focusPolicy() == QtCore.Qt.FocusPolicy.NoFocus:  # (a plot keeps its own: a click focuses it)
        widget.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)
    describer = Describer(widget, words)
    FocusRing(widget, describer.now)
    return describer


def _is_part(w: QtWidgets.QWidget) -> bool:
    """A part of another control that a screen reader reads as that control: a spin box's
    or combo box's line edit, a scroll area's viewport, a scroll bar."""
    parent = w.parentWidget()
    if isinstance(w, QtWidgets.QScrollBar):
        return True
    if isinstance(parent, (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox)) and isinstance(w, QtWidgets.QLineEdit):
        return True
    return isinstance(parent, QtWidgets.QAbstractScrollArea) and parent.viewport() is w


def own_text(w: QtWidgets.QWidget) -> str:
    """What names ``w`` for a screen reader of its own: its accessible name, a button's
    or label's text, a tab bar's tabs' (all of them), a group box's title."""
    if w.accessibleName().strip():
        return w.accessibleName()
    if isinstance(w, QtWidgets.QAbstractButton):
        return " ".join(_unmnemonic(w.text()).split())
    if isinstance(w, QtWidgets.QLabel):
        return plain(w.text())
    if isinstance(w, QtWidgets.QTabBar):
        names = [plain(w.tabText(i)) for i in range(w.count())]
        return ", ".join(names) if names and all(names) else ""
    if isinstance(w, QtWidgets.QGroupBox):
        return plain(w.title())
    return ""


def unnamed(root: QtWidgets.QWidget) -> list[QtWidgets.QWidget]:
    """The widgets under ``root`` shown with it that take the focus (by Tab or a click)
    and have no name of their own (``own_text``) nor a label whose buddy they are (Qt
    names a control by its buddy's text: Qt's own dialogs, ``QInputDialog``, label their
    field so): a combo box's current item or a spin box's value is not a name, nor the
    title of the group it is in."""
    focusable = QtCore.Qt.FocusPolicy.TabFocus.value | QtCore.Qt.FocusPolicy.ClickFocus.value
    labelled = {label.buddy() for label in root.findChildren(QtWidgets.QLabel)
                if label.buddy() is not None and plain(label.text())}
    return [w for w in root.findChildren(QtWidgets.QWidget)
            if w.isVisibleTo(root) and w.focusPolicy().value & focusable and not _is_part(w) and not own_text(w)
            and w not in labelled]


class FocusRing(QtWidgets.QWidget):
    """A ring round ``parent`` in the theme's text colour, shown while ``parent`` has the
    keyboard's focus: a view reached with Tab (its plots show no focus of their own). It
    lets every mouse event through and is left out of exported pictures
    (``labels.control_only``)."""

    WIDTH = 2

    def __init__(self, parent: QtWidgets.QWidget, on_focus: Callable[[], None] | None = None):
        from lstmviz.ui.labels import control_only

        super().__init__(parent)
        self.on_focus = on_focus
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.hide()
        control_only(self)
        parent.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind == QtCore.QEvent.Type.FocusIn:
            if self.on_focus is not None:
                self.on_focus()  # (before the screen reader asks: it reads the focus once told)
            self.setGeometry(watched.rect())
            self.show()
            self.raise_()
        elif kind == QtCore.QEvent.Type.FocusOut:
            self.hide()
        elif kind == QtCore.QEvent.Type.Resize and self.isVisible():
            self.setGeometry(watched.rect())
        return False

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        from lstmviz.ui import theme as th

        p = QtGui.QPainter(self)
        pen = QtGui.QPen(QtGui.QColor(th.current().foreground), self.WIDTH)
        pen.setJoinStyle(QtCore.Qt.PenJoinStyle.MiterJoin)
        p.setPen(pen)
        half = self.WIDTH / 2
        p.drawRect(QtCore.QRectF(self.rect()).adjusted(half, half, -half, -half))
        p.end()


class _Ring(QtWidgets.QWidget):
    """The ring ``KeyboardRing`` draws: an outline in the theme's text colour."""

    WIDTH = 2

    def __init__(self, parent: QtWidgets.QWidget):
        from lstmviz.ui.labels import control_only

        super().__init__(parent)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        control_only(self)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        from lstmviz.ui import theme as th

        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        p.setPen(QtGui.QPen(QtGui.QColor(th.current().foreground), self.WIDTH))
        half = self.WIDTH / 2
        p.drawRoundedRect(QtCore.QRectF(self.rect()).adjusted(half, half, -half, -half), 3, 3)
        p.end()


class KeyboardRing(QtCore.QObject):
    """A ring round the control the keyboard gave the focus (Tab, a shortcut), in the theme's
    text colour: Fusion shows a focused button, combo box or spin box by a shade of its
    frame that is hardly seen in the dark theme and not at all in the projector's. The
    ring (``_Ring``) is a sibling drawn over the control (so it scrolls with it), made
    again where the control's parent took it along when deleted; shown when the focus
    moved from another control while no mouse button was down (a click shows none, as a
    browser's ``:focus-visible``; nor does the window's first focus, as it is shown or
    activated), never on a plot or a widget with a ``FocusRing`` of its own, and
    left out of exported pictures (``labels.control_only``)."""

    PAD = 3  # (its width and a pixel of gap)

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.window_ = window
        self.target: QtWidgets.QWidget | None = None
        self.ring: _Ring | None = None
        app = QtWidgets.QApplication.instance()
        if isinstance(app, QtWidgets.QApplication):
            app.focusChanged.connect(self._focus_changed)

    def shown(self) -> QtWidgets.QWidget | None:
        """The control ringed now (None: no ring)."""
        ring = self.ring
        if ring is None or not shiboken6.isValid(ring) or not ring.isVisible():
            return None
        return self.target

    def _wants(self, w: QtWidgets.QWidget | None) -> QtWidgets.QWidget | None:
        if w is None or not shiboken6.isValid(self.window_) or not self.window_.isAncestorOf(w):
            return None
        owner = w.parentWidget()
        if _is_part(w) and owner is not None:
            w = owner
        if isinstance(w, QtWidgets.QAbstractScrollArea) and not isinstance(w, QtWidgets.QAbstractItemView):
            return None  # (a plot, a scroll area: no key of their own)
        if w.findChild(FocusRing, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly) is not None:
            return None
        return w if w.parentWidget() is not None else None

    def _focus_changed(self, old_focus, new) -> None:
        # (from no widget: the window shown or activated gave its first control the focus,
        # no key did; ringed, it was a stray box round the side panel's tabs at start-up)
        by_keys = old_focus is not None and QtWidgets.QApplication.mouseButtons() == QtCore.Qt.MouseButton.NoButton
        target = self._wants(new) if by_keys else None
        old = self.target
        if old is not None and old is not target and shiboken6.isValid(old):
            old.removeEventFilter(self)
        self.target = target
        if target is not None:
            target.installEventFilter(self)
        self._place()

    def _place(self) -> None:
        target = self.target
        ring = self.ring if self.ring is not None and shiboken6.isValid(self.ring) else None
        if target is None or not shiboken6.isValid(target) or not target.isVisible():
            if ring is not None:
                ring.hide()
            return
        parent = target.parentWidget()
        assert parent is not None  # (_wants)
        if ring is None:
            ring = self.ring = _Ring(parent)
        elif ring.parentWidget() is not parent:
            ring.setParent(parent)
        pad = self.PAD
        ring.setGeometry(target.geometry().adjusted(-pad, -pad, pad, pad))
        ring.show()
        ring.raise_()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.target and event.type() in (QtCore.QEvent.Type.Move, QtCore.QEvent.Type.Resize,
                                                       QtCore.QEvent.Type.Show, QtCore.QEvent.Type.Hide):
            self._place()
        return False
